/* SPDX-License-Identifier: MIT */
/*
 * afxdp: a netdev over AF_XDP sockets whose UMEM is the pools' memory.
 *
 * This file: the queues' life cycle, the netdev and its stats. The kernel
 * side (XDP program, XSKMAP, sockets) is in afxdp_xsk.c, the UMEM and the
 * fill ring in afxdp_umem.c, RX descriptors in afxdp_rx.c, transmission and
 * completions in afxdp_tx.c, the state they share in afxdp_priv.h.
 *
 * Who owns a frame, at any moment (each transition is counted):
 *
 *   provider --pool alloc--> pool --refill--> POSTED (fill ring, kernel, RX ring)
 *      ^                      ^                   |  RX: validated
 *      |                      |                   v
 *      |                      +--recycle------- skb in the stack --xmit zero-copy--> IN FLIGHT
 *      |                                                    ^                           |
 *      +-- TX reserve <--completion-- IN FLIGHT (copy)      +------ completion ---------+
 *
 * posted[] records, per UMEM frame, which queue posted it (0: none): an RX
 * descriptor is accepted only for a frame its queue posted, once. A TX
 * queue keeps one slot per descriptor in flight, chained per frame from
 * tx_head[] so that a completion finds the transmission of exactly that
 * address (the same frame may be in flight several times: clones).
 *
 * Threads. The RX side (RX and fill rings, posted[] entries of the queue's
 * frames) belongs to the queue's poll. The TX side (TX and completion rings,
 * slots, reserve) may be driven by a transmitting thread and the poll at
 * once: it is under tx_lock; skbs and pages are freed outside it.
 */
#include <stdlib.h>
#include <string.h>
#include "afxdp_priv.h"

/* ---- the poll ---- */

static int afx_poll(struct np_netdev *dev, unsigned int q, int budget)
{
	struct afx_queue *aq = &to_afx(dev)->q[q];
	int work;

	if (np_unlikely(aq->fd < 0))
		return 0;
	afx_tx_complete(aq, budget);
	work = afx_rx(dev, aq, budget);
	afx_refill(dev, aq);
	afx_tx_flush(aq);
	return work;
}

/* ---- queues ---- */

/* Everything the kernel holds goes, whatever plays it. */
static void afx_kernel_down(struct afxdp *ax)
{
	ax->kops->down(ax);
	ax->kernel_up = false;
}

static int afx_queue_open(struct np_netdev *dev, unsigned int q)
{
	struct afxdp *ax = to_afx(dev);
	struct afx_queue *aq = &ax->q[q];
	struct np_napi_ctx *prev;
	int err;

	if (!ax->kernel_up) {
		err = ax->kops->up(ax);
		if (err)
			return err;
		ax->kernel_up = true;
	}
	err = ax->kops->socket_open(ax, aq);
	if (err) {
		bool any = false;

		for (unsigned int i = 0; i < ax->nq; i++)
			any |= ax->q[i].fd >= 0;
		if (!any)
			afx_kernel_down(ax);
		return err;
	}
	afx_reserve_alloc(aq);
	prev = np_napi_ctx_enter(&dev->q[q].napi.ctx);
	afx_refill(dev, aq);
	np_napi_ctx_leave(prev);
	return 0;
}

static void afx_queue_close(struct np_netdev *dev, unsigned int q)
{
	struct afxdp *ax = to_afx(dev);
	struct afx_queue *aq = &ax->q[q];

	/* first close: the kernel lets go of every queue's frames */
	if (ax->kernel_up || aq->fd >= 0)
		afx_kernel_down(ax);
	/* transmissions never completed: done now */
	afx_tx_drain(aq);
	/* posted frames back to the pool */
	afx_posted_reclaim(dev, aq);
	/* the reserve back to the provider */
	afx_reserve_release(aq);
}

/* ---- the device ---- */

static void afx_free(struct afxdp *ax)
{
	if (ax->q) {
		for (unsigned int i = 0; i < ax->nq; i++) {
			free(ax->q[i].slots);
			free(ax->q[i].tx_head);
			free(ax->q[i].reserve);
			pthread_mutex_destroy(&ax->q[i].tx_lock);
		}
		free(ax->q);
	}
	afx_umem_destroy(ax);
	free(ax);
}

static void afx_destroy(struct np_netdev *dev)
{
	afx_free(to_afx(dev));
}

/* The socket polls readable when its RX ring has descriptors. */
static int afx_rx_fd(struct np_netdev *dev, unsigned int q)
{
	int fd = to_afx(dev)->q[q].fd;

	return fd >= 0 ? fd : -ENETDOWN;
}

const struct np_netdev_ops afx_ops = {
	.kind = "afxdp",
	.queue_open = afx_queue_open,
	.queue_close = afx_queue_close,
	.poll = afx_poll,
	.xmit = afx_xmit,
	.xmit_frame = afx_xmit_frame,
	.rx_fd = afx_rx_fd,
	.destroy = afx_destroy,
};

int afx_create(const struct np_afxdp_params *params, const struct afx_kernel_ops *kops,
	       struct np_netdev **out)
{
	struct np_afxdp_params p;
	struct np_netdev_params np = { 0 };
	unsigned int arenas, mtu = 1500, per_q;
	struct afxdp *ax;
	int err;

	if (!params || !out)
		return -EINVAL;
	p = *params;
	if (!p.ifname || !p.ifname[0] || strlen(p.ifname) >= IF_NAMESIZE)
		return -EINVAL;
	if (!p.nqueues)
		p.nqueues = 1;
	if (!p.ring_size)
		p.ring_size = AFX_RING_DEFAULT;
	if (p.nqueues > NP_NETDEV_MAX_QUEUES || p.ring_size < AFX_RING_MIN ||
	    p.ring_size > AFX_RING_MAX || (p.ring_size & (p.ring_size - 1)))
		return -EINVAL;
	if (!p.frame_count) {
		/* full fill rings, as much again in the stack, and a TX reserve, per queue */
		unsigned int need = p.nqueues * (2 * p.ring_size + NP_MIN(AFX_RESERVE_MAX,
									     p.ring_size));

		arenas = (unsigned int)((need + AFX_ARENA_FRAMES - 1) / AFX_ARENA_FRAMES);
		p.frame_count = arenas * (unsigned int)AFX_ARENA_FRAMES;
	}
	if (p.frame_count < AFX_FRAMES_MIN_PER_Q * p.nqueues || p.frame_count > AFX_FRAMES_MAX)
		return -EINVAL;
	arenas = (unsigned int)((p.frame_count + AFX_ARENA_FRAMES - 1) / AFX_ARENA_FRAMES);

	ax = calloc(1, sizeof(*ax));
	if (!ax)
		return -ENOMEM;
	snprintf(ax->ifname, sizeof(ax->ifname), "%s", p.ifname);
	ax->kops = kops;
	err = kops->probe(ax, &mtu);
	if (err) {
		free(ax);
		return err;
	}
	ax->nq = p.nqueues;
	ax->ring_size = p.ring_size;
	ax->frame_count = p.frame_count;
	ax->skb_mode = p.skb_mode;
	ax->umem_fd = ax->map_fd = ax->prog_fd = -1;
	ax->buf_len = (uint32_t)(AFX_FRAME_SIZE - NP_XDP_HEADROOM - NP_SKB_SHINFO_SIZE);
	ax->max_tx_len = NP_MIN(mtu + AFX_ETH_HLEN + AFX_VLAN_HLEN,
				(uint32_t)(AFX_FRAME_SIZE - NP_XDP_HEADROOM));
	per_q = p.frame_count / p.nqueues;
	ax->reserve_frames = NP_MIN(NP_MIN(AFX_RESERVE_MAX, p.ring_size), per_q / 4);
	ax->fill_target = NP_MIN(p.ring_size, (per_q - ax->reserve_frames) / 2);
	ax->umem_size = (size_t)arenas * NP_ARENA_SIZE;
	ax->nframes = (uint32_t)(ax->umem_size >> AFX_FRAME_SHIFT);

	err = -ENOMEM;
	ax->umem = afx_umem_map(ax->umem_size);
	if (!ax->umem)
		goto fail;
	ax->posted = calloc(ax->nframes, sizeof(*ax->posted));
	ax->q = calloc(ax->nq, sizeof(*ax->q));
	if (!ax->posted || !ax->q)
		goto fail;
	for (unsigned int i = 0; i < ax->nq; i++) {
		struct afx_queue *aq = &ax->q[i];

		aq->ax = ax;
		aq->index = i;
		aq->fd = -1;
		pthread_mutex_init(&aq->tx_lock, NULL);
		aq->slots = calloc(ax->ring_size, sizeof(*aq->slots));
		aq->tx_head = calloc(ax->nframes, sizeof(*aq->tx_head));
		aq->reserve = calloc(ax->reserve_frames ? ax->reserve_frames : 1,
				     sizeof(*aq->reserve));
		if (!aq->slots || !aq->tx_head || !aq->reserve) {
			ax->nq = i + 1;
			goto fail;
		}
		for (uint32_t s = ax->ring_size; s-- > 0;) {
			aq->slots[s].next = aq->slot_free;
			aq->slot_free = s + 1;
		}
	}
	err = afx_umem_provider_create(ax);
	if (err)
		goto fail;
	np.name = ax->ifname;
	np.nqueues = ax->nq;
	np.pool_size = NP_MIN(2 * ax->ring_size, AFX_RING_MAX);
	np.provider = ax->prov;
	np.dma = ax->dma;
	np.buf_len = ax->buf_len;
	np.no_recycle = p.no_recycle;
	err = np_netdev_create(&afx_ops, &np, ax, &ax->dev);
	if (err)
		goto fail;
	*out = ax->dev;
	return 0;

fail:
	afx_free(ax);
	return err;
}

int np_afxdp_create(const struct np_afxdp_params *params, struct np_netdev **out)
{
	return afx_create(params, &afx_xsk_ops, out);
}

/* ---- stats ---- */

int np_afxdp_get_stats(struct np_netdev *dev, int q, struct np_afxdp_stats *st)
{
	struct np_provider_stats ps;
	struct afxdp *ax;

	if (!dev || dev->ops != &afx_ops || !st || q < -1 || q >= (int)dev->nqueues)
		return -EINVAL;
	ax = to_afx(dev);
	memset(st, 0, sizeof(*st));
	for (unsigned int i = 0; i < ax->nq; i++) {
		struct afx_queue *aq = &ax->q[i];
		struct xdp_statistics ks = aq->kern;

		if (q >= 0 && (unsigned int)q != i)
			continue;
		np_netdev_counters_sum((uint64_t *)st, aq->cnt, AFX_NR_COUNTERS);
		st->frames_posted += np_stat_read(aq->posted);
		st->frames_tx += np_stat_read(aq->inflight);
		st->tx_reserve += aq->nreserve;
		st->tx_reserve_free += np_stat_read(aq->reserve_free);
		ax->kops->stats_add(aq, &ks);
		st->kern_rx_dropped += ks.rx_dropped;
		st->kern_rx_invalid += ks.rx_invalid_descs;
		st->kern_tx_invalid += ks.tx_invalid_descs;
		st->kern_rx_ring_full += ks.rx_ring_full;
		st->kern_fill_empty += ks.rx_fill_ring_empty_descs;
		st->kern_tx_ring_empty += ks.tx_ring_empty_descs;
		st->zerocopy |= aq->zerocopy;
	}
	np_provider_get_stats(ax->prov, &ps);
	st->umem_bytes = ax->umem_size;
	st->umem_frames = ax->frame_count;
	st->umem_frames_out = ps.pages_out;
	return 0;
}

