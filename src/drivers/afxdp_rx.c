/* SPDX-License-Identifier: MIT */
/*
 * afxdp: RX descriptors. Each one the kernel returns is checked before any
 * byte of its frame is believed: inside the UMEM, a frame this queue posted
 * (posted[], once: a second descriptor for it finds it no longer posted),
 * the headroom left, at least an Ethernet header, within the frame's room
 * for data, no option bits (no multi-buffer). A good one is handed to
 * np_netdev_receive() (build_skb in place, marked for recycling); a bad one
 * is counted under its reason and its frame, when it is ours, recycled.
 */
#include "afxdp_priv.h"

/*
 * One descriptor as the kernel (or a test) returned it: checked, then
 * received or dropped. Context: the queue's poll. Return: 0 or -EBADMSG.
 */
int afx_rx_desc(struct np_netdev *dev, struct afx_queue *aq, uint64_t addr, uint32_t len,
		uint32_t options)
{
	struct afxdp *ax = aq->ax;
	struct np_rx_buf buf;
	struct np_page *page;
	uint32_t chunk, off;
	int why = -1;

	if (np_unlikely(addr >= ax->umem_size)) {
		why = AFX_RX_BAD_ADDR;
		goto refuse;
	}
	chunk = (uint32_t)(addr >> AFX_FRAME_SHIFT);
	off = (uint32_t)(addr & (AFX_FRAME_SIZE - 1));
	if (np_unlikely(atomic_load_explicit(&ax->posted[chunk], memory_order_relaxed) !=
			aq->index + 1)) {
		why = AFX_RX_UNPOSTED;
		goto refuse;
	}
	/* ours again, whatever its descriptor says */
	atomic_store_explicit(&ax->posted[chunk], 0, memory_order_relaxed);
	np_stat_add_owner(aq->posted, (uint64_t)-1);
	page = afx_chunk_page(ax, chunk);
	if (np_unlikely(options))
		why = AFX_RX_BAD_OPTIONS;
	else if (np_unlikely(off < NP_XDP_HEADROOM))
		why = AFX_RX_BAD_HEADROOM;
	else if (np_unlikely(len < AFX_ETH_HLEN))
		why = AFX_RX_TRUNCATED;
	else if (np_unlikely((uint64_t)off + len > (uint64_t)NP_XDP_HEADROOM + ax->buf_len))
		why = AFX_RX_OVERSIZED;	/* in 64 bits: an offset past the buffer must not wrap */
	if (np_unlikely(why >= 0)) {
		afx_count(aq, AFX_RX_INVALID, 1);
		afx_count(aq, why, 1);
		np_netdev_rx_drop(dev, aq->index, page, NP_QSTAT(rx_bad_desc));
		return -EBADMSG;
	}
	if (ax->dma->need_sync)
		np_dma_sync_for_cpu(ax->dma, addr, len, NP_DMA_BIDIRECTIONAL);
	buf.page = page;
	buf.offset = off;
	buf.len = len;
	np_netdev_receive(dev, aq->index, &buf, 1);
	return 0;

refuse:
	/* nothing of ours to give back */
	afx_count(aq, AFX_RX_INVALID, 1);
	afx_count(aq, why, 1);
	np_netdev_qstat_add(&dev->q[aq->index], NP_QSTAT(rx_bad_desc), 1);
	return -EBADMSG;
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
	return work;
}
