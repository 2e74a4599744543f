/* SPDX-License-Identifier: MIT */
/*
 * afxdp: RX descriptors. Each one the kernel returns is checked before any
 * byte of its frame is believed: inside the UMEM, a frame this queue posted
 * (posted[], once: a second descriptor for it finds it no longer posted),
 * the headroom left, a first buffer of at least an Ethernet header and no
 * empty one, within the frame's room for data, no option bits but
 * XDP_PKT_CONTD (and that one only when bound for multi-buffer).
 *
 * A frame larger than one buffer comes as a chain: every descriptor but the
 * last has XDP_PKT_CONTD. The chain's buffers collect in the queue (across
 * polls: a budget may cut one) and go to np_netdev_receive() together when
 * its last one arrives: build_skb on the first, page frags of the same pool
 * for the others, marked for recycle. A chain is outside input too: a bad
 * descriptor inside one (another queue's frame interleaved, a bad length)
 * drops the whole frame, as does a chain of more buffers than an skb
 * holds; the descriptors that still belong to it, up to one without
 * XDP_PKT_CONTD, are dropped as they come. Every frame of ours goes back to
 * the pool, each refused descriptor is counted under its reason and each
 * dropped chain once.
 */
#include <string.h>
#include "afxdp_priv.h"

/* A frame of ours back into the pool (directly: the queue's napi runs). */
static void afx_rx_recycle(struct np_page *page)
{
	np_pool_put_full_page(page->pp, page, false);
}

void afx_rx_chain_reset(struct afx_queue *aq)
{
	for (unsigned int i = 0; i < aq->nchain; i++)
		afx_rx_recycle(aq->chain[i].page);
	aq->nchain = 0;
	aq->discard = false;
}

/* The chain in progress is dropped (counted under @why); descriptors of it still to come too. */
static void afx_rx_chain_drop(struct afx_queue *aq, int why, bool more)
{
	afx_count(aq, why, 1);
	afx_rx_chain_reset(aq);
	aq->discard = more;
}


void afx_rx_flush(struct np_netdev *dev, struct afx_queue *aq)
{
	struct np_rx_buf bufs[NP_NETDEV_RX_BURST];
	unsigned int n = aq->nsingle;

	if (!n)
		return;
	/* taken out first: a handler may receive on this queue again (an injection) */
	memcpy(bufs, aq->single, n * sizeof(bufs[0]));
	aq->nsingle = 0;
	np_netdev_receive_burst(dev, aq->index, bufs, n);
}

/*
 * One descriptor as the kernel (or a test) returned it: checked, then kept
 * as part of a chain, received, or dropped. Context: the queue's poll.
 * Return: 0 (taken), -EBADMSG (refused), -EMSGSIZE (its chain was too long).
 */
int afx_rx_desc(struct np_netdev *dev, struct afx_queue *aq, uint64_t addr, uint32_t len,
		uint32_t options)
{
	struct afxdp *ax = aq->ax;
	bool more = options & XDP_PKT_CONTD;
	/* the data's address: an unaligned chunk's offset rides in the top bits */
	uint64_t data = (addr & AFX_ADDR_MASK) + (addr >> AFX_ADDR_OFF_SHIFT);
	struct np_page *page = NULL;
	uint32_t chunk, off = 0;
	int why = -1;

	if (np_unlikely(data >= ax->umem_size)) {
		why = AFX_RX_BAD_ADDR;
	} else {
		chunk = (uint32_t)(data >> AFX_FRAME_SHIFT);
		off = (uint32_t)(data & (AFX_FRAME_SIZE - 1));
		if (np_unlikely(atomic_load_explicit(&ax->posted[chunk], memory_order_relaxed) !=
				aq->index + 1)) {
			why = AFX_RX_UNPOSTED;
		} else {
			/* ours again, whatever its descriptor says */
			atomic_store_explicit(&ax->posted[chunk], 0, memory_order_relaxed);
			np_stat_add_owner(aq->posted, (uint64_t)-1);
			page = afx_chunk_page(ax, chunk);
			if (np_unlikely(options & ~(uint32_t)XDP_PKT_CONTD) ||
			    np_unlikely(more && !ax->sg))
				why = AFX_RX_BAD_OPTIONS;
			else if (np_unlikely(off < NP_XDP_HEADROOM))
				why = AFX_RX_BAD_HEADROOM;
			else if (np_unlikely(!len || (!aq->nchain && !aq->discard &&
						      len < AFX_ETH_HLEN)))
				why = AFX_RX_TRUNCATED;
			else if (np_unlikely((uint64_t)off + len >
					     (uint64_t)NP_XDP_HEADROOM + ax->buf_len))
				why = AFX_RX_OVERSIZED;	/* in 64 bits: an offset must not wrap */
		}
	}
	if (np_unlikely(why >= 0)) {
		afx_count(aq, AFX_RX_INVALID, 1);
		afx_count(aq, why, 1);
		np_netdev_qstat_add(&dev->q[aq->index], NP_QSTAT(rx_bad_desc), 1);
		if (page)
			afx_rx_recycle(page);
		if (aq->discard)
			aq->discard = more;		/* still the rest of a dropped frame */
		else if (aq->nchain || more)
			afx_rx_chain_drop(aq, AFX_RX_CHAIN_BROKEN, more);
		return -EBADMSG;
	}
	if (np_unlikely(aq->discard)) {
		/* the rest of a frame already dropped */
		afx_rx_recycle(page);
		aq->discard = more;
		return 0;
	}
	if (np_unlikely(aq->nchain == AFX_CHAIN_MAX)) {
		afx_rx_recycle(page);
		np_netdev_qstat_add(&dev->q[aq->index], NP_QSTAT(rx_dropped), 1);
		afx_rx_chain_drop(aq, AFX_RX_CHAIN_LONG, more);
		return -EMSGSIZE;
	}
	if (ax->dma->need_sync)
		np_dma_sync_for_cpu(ax->dma, data, len, NP_DMA_BIDIRECTIONAL);
	aq->chain[aq->nchain++] = (struct np_rx_buf){ .page = page, .offset = off, .len = len };
	if (more)
		return 0;
	if (aq->nchain == 1) {
		aq->single[aq->nsingle++] = aq->chain[0];
		aq->nchain = 0;
		if (aq->nsingle == NP_NETDEV_RX_BURST)
			afx_rx_flush(dev, aq);
		return 0;
	}
	afx_count(aq, AFX_RX_MULTIBUF, 1);
	afx_rx_flush(dev, aq);	/* frames go up in order: the burst before this one */
	np_netdev_receive(dev, aq->index, aq->chain, aq->nchain);
	aq->nchain = 0;
	return 0;
}

int afx_rx(struct np_netdev *dev, struct afx_queue *aq, int budget)
{
	int work = 0;

	/*
	 * A peek sees what the cached producer index shows, refreshed only when
	 * that looks empty: peek again when a first batch came short of the budget.
	 */
	for (int pass = 0; pass < 2 && work < budget; pass++) {
		uint32_t idx = 0, n = xsk_ring_cons__peek(&aq->rx, (uint32_t)(budget - work), &idx);

		for (uint32_t i = 0; i < n; i++) {
			const struct xdp_desc *d = xsk_ring_cons__rx_desc(&aq->rx, idx + i);
			/* read the shared descriptor once */
			uint64_t addr = __atomic_load_n(&d->addr, __ATOMIC_RELAXED);
			uint32_t len = __atomic_load_n(&d->len, __ATOMIC_RELAXED);
			uint32_t options = __atomic_load_n(&d->options, __ATOMIC_RELAXED);

			afx_rx_desc(dev, aq, addr, len, options);
		}
		if (!n)
			break;
		xsk_ring_cons__release(&aq->rx, n);
		work += (int)n;
	}
	afx_rx_flush(dev, aq);
	return work;
}
