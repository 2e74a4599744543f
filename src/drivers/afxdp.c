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

/* ---- the kernel's counters, for readers that may not ask the socket ---- */

/* Closed sockets' figures and the open one's, into kern_seen[]. Context: the queue's poll. */
static void afx_kstat_refresh(struct afx_queue *aq)
{
	struct xdp_statistics ks = aq->kern;

	aq->kstat_polls = 0;
	aq->ax->kops->stats_add(aq, &ks);
	atomic_store_explicit(&aq->kern_seen[0], ks.rx_dropped, memory_order_relaxed);
	atomic_store_explicit(&aq->kern_seen[1], ks.rx_invalid_descs, memory_order_relaxed);
	atomic_store_explicit(&aq->kern_seen[2], ks.tx_invalid_descs, memory_order_relaxed);
	atomic_store_explicit(&aq->kern_seen[3], ks.rx_ring_full, memory_order_relaxed);
	atomic_store_explicit(&aq->kern_seen[4], ks.rx_fill_ring_empty_descs, memory_order_relaxed);
	atomic_store_explicit(&aq->kern_seen[5], ks.tx_ring_empty_descs, memory_order_relaxed);
}

/* ---- the poll ---- */

static int afx_poll(struct np_netdev *dev, unsigned int q, int budget)
{
	struct afx_queue *aq = &to_afx(dev)->q[q];
	int work;

	if (np_unlikely(aq->fd < 0))
		return 0;
	afx_tx_complete(aq, budget);
	if (to_afx(dev)->busy_poll_us) {
		/* the kernel's napi runs in this call, not in an interrupt */
		afx_count(aq, AFX_BUSY_POLLS, 1);
		to_afx(dev)->kops->busy_poll(aq);
	}
	work = afx_rx(dev, aq, budget);
	afx_refill(dev, aq);
	afx_tx_flush(aq);
	if (np_unlikely(++aq->kstat_polls >= AFX_KSTAT_POLLS))
		afx_kstat_refresh(aq);
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
	/* what the UMEM's first socket bound with: chains, and frames up to the MTU, or one buffer */
	ax->sg = ax->um->sg;
	ax->max_tx_len = ax->mtu + AFX_ETH_HLEN + AFX_VLAN_HLEN;
	if (!ax->sg)
		ax->max_tx_len = NP_MIN(ax->max_tx_len, ax->buf_len);
	afx_reserve_alloc(aq);
	aq->kstat_polls = 0;
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
	afx_kstat_refresh(aq);
	/* a frame half received */
	afx_rx_chain_reset(aq);
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
	free(ax->posted);
	afx_umem_put(ax);
	free(ax->xdp_prog);
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

/*
 * Queue @q's counters for the statistics export (ethtool -S): the driver's
 * own, its gauges, the UMEM's, the kernel's as the poll last read them,
 * then whether it bound zero-copy and multi-buffer. Relaxed loads only.
 */
static unsigned int afx_get_ethtool_stats(struct np_netdev *dev, unsigned int q,
					  const char **names, uint64_t *vals, unsigned int max)
{
	struct afxdp *ax = to_afx(dev);
	const struct afx_queue *aq = &ax->q[q];
	uint64_t v[NP_AFXDP_STATS_NR + 2];
	struct np_provider_stats ps;
	struct np_afxdp_stats *st = (struct np_afxdp_stats *)v;
	unsigned int n = NP_MIN(max, (unsigned int)NP_ARRAY_SIZE(v));

	_Static_assert(sizeof(v) >= offsetof(struct np_afxdp_stats, kern_tx_ring_empty) + 8,
		       "the counters' block fits");
	memset(v, 0, sizeof(v));
	for (unsigned int k = 0; k < AFX_NR_COUNTERS; k++)
		v[k] = np_stat_read(aq->cnt[k]);
	st->frames_posted = np_stat_read(aq->posted);
	st->frames_tx = np_stat_read(aq->inflight);
	st->tx_reserve = ax->reserve_frames;
	st->tx_reserve_free = np_stat_read(aq->reserve_free);
	np_provider_get_stats(ax->prov, &ps);
	st->umem_bytes = ax->umem_size;
	st->umem_frames = ax->frame_count;
	st->umem_frames_out = ps.pages_out;
	st->kern_rx_dropped = np_stat_read(aq->kern_seen[0]);
	st->kern_rx_invalid = np_stat_read(aq->kern_seen[1]);
	st->kern_tx_invalid = np_stat_read(aq->kern_seen[2]);
	st->kern_rx_ring_full = np_stat_read(aq->kern_seen[3]);
	st->kern_fill_empty = np_stat_read(aq->kern_seen[4]);
	st->kern_tx_ring_empty = np_stat_read(aq->kern_seen[5]);
	v[NP_AFXDP_STATS_NR] = atomic_load_explicit(&aq->zerocopy, memory_order_relaxed);
	v[NP_AFXDP_STATS_NR + 1] = atomic_load_explicit(&ax->sg, memory_order_relaxed);
	for (unsigned int k = 0; k < n; k++) {
		names[k] = k < NP_AFXDP_STATS_NR ? np_afxdp_stats_names[k] :
			   k == NP_AFXDP_STATS_NR ? "zerocopy" : "multibuf";
		vals[k] = v[k];
	}
	return n;
}

const struct np_netdev_ops afx_ops = {
	.kind = "afxdp",
	.queue_open = afx_queue_open,
	.queue_close = afx_queue_close,
	.poll = afx_poll,
	.xmit = afx_xmit,
	.xmit_frame = afx_xmit_frame,
	.rx_fd = afx_rx_fd,
	.get_ethtool_stats = afx_get_ethtool_stats,
	.destroy = afx_destroy,
};

/* A ring size: 0 takes @dflt; a power of two in AFX_RING_MIN..AFX_RING_MAX. */
static bool afx_ring_ok(unsigned int *size, unsigned int dflt)
{
	if (!*size)
		*size = dflt;
	return *size >= AFX_RING_MIN && *size <= AFX_RING_MAX && !(*size & (*size - 1));
}

/* The parameters checked and completed (before anything is looked up). Return: 0 or -EINVAL. */
static int afx_params_check(struct np_afxdp_params *p)
{
	const struct afxdp *share = NULL;

	if (!p->ifname || !p->ifname[0] || strlen(p->ifname) >= IF_NAMESIZE)
		return -EINVAL;
	if (!p->nqueues)
		p->nqueues = 1;
	if (p->share_umem) {
		if (p->share_umem->ops != &afx_ops)
			return -EINVAL;
		share = to_afx(p->share_umem);
		if ((p->frame_count && p->frame_count != share->um->frame_count) ||
		    (p->frame_size && p->frame_size != share->um->frame_size))
			return -EINVAL;
		p->frame_count = share->um->frame_count;
		p->frame_size = share->um->frame_size;
	}
	if (!p->frame_size)
		p->frame_size = NP_AFXDP_FRAME_MAX;
	if (p->nqueues > NP_NETDEV_MAX_QUEUES || !afx_ring_ok(&p->ring_size, AFX_RING_DEFAULT) ||
	    !afx_ring_ok(&p->rx_size, p->ring_size) || !afx_ring_ok(&p->tx_size, p->ring_size) ||
	    !afx_ring_ok(&p->fill_size, p->ring_size) ||
	    !afx_ring_ok(&p->comp_size, p->ring_size) ||
	    p->frame_size < NP_AFXDP_FRAME_MIN || p->frame_size > NP_AFXDP_FRAME_MAX ||
	    (unsigned int)p->bind > NP_AFXDP_BIND_ZEROCOPY || (p->xdp_multiprog && !p->xdp_prog))
		return -EINVAL;
	if (!p->frame_count) {
		/* full fill rings, as much again in the stack, and a TX reserve, per queue */
		unsigned int need = p->nqueues * (p->fill_size + p->rx_size +
						  NP_MIN(AFX_RESERVE_MAX, p->tx_size));
		unsigned int arenas = (unsigned int)((need + AFX_ARENA_FRAMES - 1) /
						     AFX_ARENA_FRAMES);

		p->frame_count = arenas * (unsigned int)AFX_ARENA_FRAMES;
	}
	if (p->frame_count < AFX_FRAMES_MIN_PER_Q * p->nqueues || p->frame_count > AFX_FRAMES_MAX)
		return -EINVAL;
	if (!p->busy_poll_budget)
		p->busy_poll_budget = NP_NAPI_WEIGHT;
	return 0;
}

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
	err = afx_params_check(&p);
	if (err)
		return err;
	arenas = (unsigned int)((p.frame_count + AFX_ARENA_FRAMES - 1) / AFX_ARENA_FRAMES);

	ax = calloc(1, sizeof(*ax));
	if (!ax)
		return -ENOMEM;
	snprintf(ax->ifname, sizeof(ax->ifname), "%s", p.ifname);
	ax->kops = kops;
	ax->map_fd = ax->prog_fd = ax->link_fd = -1;
	err = kops->probe(ax, &mtu);
	if (err) {
		free(ax);
		return err;
	}
	ax->nq = p.nqueues;
	ax->ring_size = p.ring_size;
	ax->rx_size = p.rx_size;
	ax->tx_size = p.tx_size;
	ax->fill_size = p.fill_size;
	ax->comp_size = p.comp_size;
	ax->frame_count = p.frame_count;
	ax->skb_mode = p.skb_mode;
	ax->bind = p.bind;
	ax->busy_poll_us = p.busy_poll_us;
	ax->busy_poll_budget = p.busy_poll_budget;
	ax->mtu = mtu;
	ax->buf_len = p.frame_size - NP_XDP_HEADROOM;
	/* one frame until the sockets are bound for multi-buffer (np_netdev_open()) */
	ax->max_tx_len = NP_MIN(mtu + AFX_ETH_HLEN + AFX_VLAN_HLEN, ax->buf_len);
	per_q = p.frame_count / p.nqueues;
	ax->reserve_frames = NP_MIN(NP_MIN(AFX_RESERVE_MAX, p.tx_size), per_q / 4);
	ax->fill_target = NP_MIN(p.fill_size, (per_q - ax->reserve_frames) / 2);

	err = -ENOMEM;
	ax->xdp_multiprog = p.xdp_multiprog;
	if (p.xdp_prog && !(ax->xdp_prog = strdup(p.xdp_prog)))
		goto fail;
	err = p.share_umem ? afx_umem_get(ax, to_afx(p.share_umem)->um) :
			     afx_umem_create(ax, arenas, p.frame_count, p.frame_size);
	if (err) {
		if (err == -ENOSPC) {
			np_err("afxdp %s: the UMEM of %s already serves %u netdevs\n", ax->ifname,
			       to_afx(p.share_umem)->ifname, AFX_UMEM_USERS_MAX);
			err = -EINVAL;
		}
		goto fail;
	}
	err = -ENOMEM;
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
		aq->slots = calloc(ax->tx_size, sizeof(*aq->slots));
		aq->tx_head = calloc(ax->nframes, sizeof(*aq->tx_head));
		aq->reserve = calloc(ax->reserve_frames ? ax->reserve_frames : 1,
				     sizeof(*aq->reserve));
		if (!aq->slots || !aq->tx_head || !aq->reserve) {
			ax->nq = i + 1;
			goto fail;
		}
		afx_slots_init(aq);
	}
	np.name = ax->ifname;
	np.nqueues = ax->nq;
	np.pool_size = NP_MIN(2 * ax->fill_size, AFX_RING_MAX);
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
	afx_print_route();	/* before libbpf or libxdp has anything to say */
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
		st->zerocopy |= atomic_load_explicit(&aq->zerocopy, memory_order_relaxed);
	}
	st->multibuf = ax->sg;
	st->shared_umem = afx_umem_shared(ax);
	np_provider_get_stats(ax->prov, &ps);
	st->umem_bytes = ax->umem_size;
	st->umem_frames = ax->frame_count;
	st->umem_frames_out = ps.pages_out;
	return 0;
}

