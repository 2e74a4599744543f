/* SPDX-License-Identifier: MIT */
/*
 * vnic: the simulated NIC. Driver side and device side of each queue share
 * two descriptor rings, as with hardware:
 *
 *   RX ring   post ──▶ (device fills) ──▶ done ──▶ (driver reaps) ──▶ clean
 *   TX ring   post ──▶ (device sends) ──▶ done ──▶ (driver completes) ──▶ clean
 *
 * Indexes run free (uint32_t) over a power-of-two ring. The driver writes
 * post and clean, the device writes done; each side reads the other's index
 * with acquire and publishes its own with release. The device side of an RX
 * ring is run by exactly one thread: the queue's own poll (traffic source),
 * or the thread transmitting on the linked queue (back to back). The device
 * side of a TX ring runs in the transmitting thread, at once (the doorbell).
 *
 * This file: the driver side, queue open and close, the netdev and its
 * stats. The device side is in vnic_dev.c, the state both share in
 * vnic_priv.h.
 */
#include <stdlib.h>
#include <string.h>
#include "vnic_priv.h"

static np_atomic_u32 vnic_next_id;

const char *const np_vnic_stats_names[] = {
	[VNIC_GEN_FRAMES] = "gen_frames",
	[VNIC_WIRE_FRAMES] = "wire_frames",
	[VNIC_RX_MISSED] = "rx_missed",
	[VNIC_CORRUPT] = "corrupt",
	[VNIC_TX_WIRE] = "tx_wire",
	[VNIC_TX_UNMAPPED] = "tx_unmapped",
	[VNIC_DMA_FAULTS] = "dma_faults",
	[VNIC_BAD_INDEX] = "bad_index",
};
_Static_assert(NP_ARRAY_SIZE(np_vnic_stats_names) == VNIC_NR_COUNTERS, "a name per counter");

/* ---- driver side: TX ---- */

/*
 * Free what the device has sent. Context: tx_lock held. A transmitting
 * thread cleans too (below), so the skbs a forwarding poll sends are freed
 * inside that poll: their pages go straight back to the receiving queue's
 * pool cache instead of through its return ring.
 */
static unsigned int vnic_tx_complete_locked(struct vnic_queue *vq, int budget)
{
	uint32_t clean = atomic_load_explicit(&vq->tx.clean, memory_order_relaxed);
	uint32_t done = atomic_load_explicit(&vq->tx.done, memory_order_acquire);
	uint32_t post = atomic_load_explicit(&vq->tx.post, memory_order_relaxed);
	struct np_skb *skbs[NP_NAPI_WEIGHT];	/* freed in batches */
	unsigned int n = 0, nskb = 0;

	/* the device cannot have sent what was never posted: an index past post is ignored */
	if (np_unlikely(done - clean > post - clean)) {
		vnic_count_any(vq, VNIC_BAD_INDEX, 1);
		return 0;
	}
	for (; clean != done; clean++) {
		struct vnic_tx_slot *s = &vq->tx_slot[clean & vq->vn->mask];

		if (s->skb) {
			skbs[nskb++] = s->skb;
			if (nskb == NP_ARRAY_SIZE(skbs)) {
				np_napi_consume_skb_bulk(skbs, nskb, budget);
				nskb = 0;
			}
			s->skb = NULL;
			n++;
		} else if (s->xdp_page) {
			struct np_xdp_frame f = { .page = s->xdp_page };

			np_xdp_frame_free(&f);
			s->xdp_page = NULL;
			n++;
		}
	}
	np_napi_consume_skb_bulk(skbs, nskb, budget);
	atomic_store_explicit(&vq->tx.clean, clean, memory_order_release);
	return n;
}

static unsigned int vnic_tx_complete(struct vnic_queue *vq, int budget)
{
	unsigned int n;

	pthread_spin_lock(&vq->tx_lock);
	n = vnic_tx_complete_locked(vq, budget);
	pthread_spin_unlock(&vq->tx_lock);
	return n;
}

/* After a doorbell: clean once a batch of completions is waiting. Context: tx_lock held. */
NP_INLINE void vnic_tx_clean_some(struct vnic_queue *vq)
{
	uint32_t clean = atomic_load_explicit(&vq->tx.clean, memory_order_relaxed);
	uint32_t done = atomic_load_explicit(&vq->tx.done, memory_order_relaxed);

	if (done - clean >= VNIC_TX_FREE_BATCH)
		vnic_tx_complete_locked(vq, NP_NAPI_WEIGHT);
}

/* Fill a TX descriptor for @len bytes at @p of @page: the device's DMA address when it has one. */
static void vnic_txd_set(struct vnic_queue *vq, struct vnic_txd *d, struct np_page *page,
			 const void *p, uint32_t len)
{
	struct vnic *vn = vq->vn;

	d->len = len;
	d->flags = 0;
	if (np_page_is_pp(page) && page->pp->dma == vn->dma &&
	    (page->pp->flags & NP_POOL_F_DMA_MAP)) {
		d->addr = np_pool_get_dma_addr(page) +
			  (uint64_t)((const char *)p - (const char *)np_page_address(page));
	} else {
		d->addr = (uint64_t)(uintptr_t)p;
		d->flags = VNIC_TXD_CPU;
		vnic_count(vq, VNIC_TX_UNMAPPED, 1);
	}
}

static uint32_t vnic_tx_room(struct vnic_queue *vq, uint32_t post)
{
	uint32_t clean = atomic_load_explicit(&vq->tx.clean, memory_order_acquire);

	return vq->vn->ring_size - (post - clean);
}

/* Descriptors @skb needs, 0 when it must first be made linear (a frag_list) or is empty. */
NP_INLINE uint32_t vnic_tx_descs(struct np_skb *skb)
{
	struct np_skb_shared_info *sh = np_skb_shinfo(skb);

	if (np_unlikely(sh->frag_list))
		return 0;
	return (np_skb_headlen(skb) ? 1u : 0u) + sh->nr_frags;
}

/* Post @skb's @n descriptors at @post. Context: tx_lock held, room checked. */
static void vnic_tx_post(struct np_netdev *dev, struct vnic_queue *vq, struct np_skb *skb,
			 uint32_t post, uint32_t n)
{
	struct vnic *vn = vq->vn;
	struct np_skb_shared_info *sh = np_skb_shinfo(skb);
	struct vnic_txd *d = NULL;
	uint32_t i = 0;

	if (np_skb_headlen(skb)) {
		d = &vq->txd[post & vn->mask];
		vnic_txd_set(vq, d, np_virt_to_page(skb->data), skb->data, np_skb_headlen(skb));
		i++;
	}
	for (unsigned int k = 0; k < sh->nr_frags; k++, i++) {
		const struct np_skb_frag *fr = &sh->frags[k];

		d = &vq->txd[(post + i) & vn->mask];
		vnic_txd_set(vq, d, fr->page, np_skb_frag_address(fr), fr->len);
	}
	d->flags |= VNIC_TXD_EOP;
	vq->tx_slot[(post + n - 1) & vn->mask].skb = skb;
	np_netdev_qstat_add(&dev->q[vq->index], NP_QSTAT(tx_packets), 1);
	np_netdev_qstat_add(&dev->q[vq->index], NP_QSTAT(tx_bytes), skb->len);
}

static int vnic_xmit(struct np_netdev *dev, unsigned int q, struct np_skb *skb)
{
	struct vnic_queue *vq = &to_vnic(dev)->q[q];
	uint32_t post, n = vnic_tx_descs(skb);

	/* a frag_list (a GRO packet) goes out linear */
	if (np_unlikely(!n)) {
		if (!np_skb_shinfo(skb)->frag_list || np_skb_linearize(skb))
			return -EINVAL;
		n = vnic_tx_descs(skb);
		if (!n)
			return -EINVAL;	/* nothing to send */
	}
	if (np_unlikely(!vq->txd))
		return -ENETDOWN;
	pthread_spin_lock(&vq->tx_lock);
	post = atomic_load_explicit(&vq->tx.post, memory_order_relaxed);
	if (vnic_tx_room(vq, post) < n) {
		pthread_spin_unlock(&vq->tx_lock);
		return -ENOSPC;
	}
	vnic_tx_post(dev, vq, skb, post, n);
	atomic_store_explicit(&vq->tx.post, post + n, memory_order_release);
	vnic_dev_tx(vq);
	vnic_tx_clean_some(vq);
	pthread_spin_unlock(&vq->tx_lock);
	return 0;
}

/* Several skbs, one lock and one doorbell; stops at one that needs vnic_xmit's care. */
static unsigned int vnic_xmit_bulk(struct np_netdev *dev, unsigned int q,
				   struct np_skb *const *skbs, unsigned int count)
{
	struct vnic_queue *vq = &to_vnic(dev)->q[q];
	uint32_t post, room;
	unsigned int k;

	if (np_unlikely(!vq->txd))
		return 0;
	pthread_spin_lock(&vq->tx_lock);
	post = atomic_load_explicit(&vq->tx.post, memory_order_relaxed);
	room = vnic_tx_room(vq, post);
	for (k = 0; k < count; k++) {
		uint32_t n = vnic_tx_descs(skbs[k]);

		if (np_unlikely(!n || n > room))
			break;
		vnic_tx_post(dev, vq, skbs[k], post, n);
		post += n;
		room -= n;
	}
	if (k) {
		atomic_store_explicit(&vq->tx.post, post, memory_order_release);
		vnic_dev_tx(vq);
		vnic_tx_clean_some(vq);
	}
	pthread_spin_unlock(&vq->tx_lock);
	return k;
}

static int vnic_xmit_frame(struct np_netdev *dev, unsigned int q, struct np_xdp_frame *f)
{
	struct vnic *vn = to_vnic(dev);
	struct vnic_queue *vq = &vn->q[q];
	uint32_t post;
	struct vnic_txd *d;

	if (np_unlikely(!vq->txd))
		return -ENETDOWN;
	pthread_spin_lock(&vq->tx_lock);
	post = atomic_load_explicit(&vq->tx.post, memory_order_relaxed);
	if (vnic_tx_room(vq, post) < 1) {
		pthread_spin_unlock(&vq->tx_lock);
		return -ENOSPC;
	}
	d = &vq->txd[post & vn->mask];
	vnic_txd_set(vq, d, f->page, f->data, f->len);
	d->flags |= VNIC_TXD_EOP;
	/* the program may have written the frame since the CPU took it: hand it to the device */
	if (vn->dma->need_sync && !(d->flags & VNIC_TXD_CPU))
		np_dma_sync_for_device(vn->dma, d->addr, d->len, NP_DMA_BIDIRECTIONAL);
	vq->tx_slot[post & vn->mask].xdp_page = f->page;
	np_netdev_qstat_add(&dev->q[q], NP_QSTAT(tx_packets), 1);
	np_netdev_qstat_add(&dev->q[q], NP_QSTAT(tx_bytes), f->len);
	atomic_store_explicit(&vq->tx.post, post + 1, memory_order_release);
	vnic_dev_tx(vq);
	vnic_tx_clean_some(vq);
	pthread_spin_unlock(&vq->tx_lock);
	return 0;
}

/* ---- driver side: RX ---- */

/* Post pool pages until the ring is full or no page can be had. */
static void vnic_rx_refill(struct np_netdev *dev, struct vnic_queue *vq)
{
	struct vnic *vn = vq->vn;
	struct np_pool *pool = dev->q[vq->index].pool;
	uint32_t post = atomic_load_explicit(&vq->rx.post, memory_order_relaxed);
	uint32_t clean = atomic_load_explicit(&vq->rx.clean, memory_order_relaxed);
	uint32_t start = post;

	while (post - clean < vn->ring_size) {
		struct vnic_rxd *d = &vq->rxd[post & vn->mask];
		struct np_page *page;

		if (np_fault_hit(NP_FAULT_DESC_POST))
			break;
		page = np_pool_alloc_pages(pool);
		if (!page) {
			np_netdev_qstat_add(&dev->q[vq->index], NP_QSTAT(rx_nomem), 1);
			break;
		}
		vq->rx_page[post & vn->mask] = page;
		d->addr = (vn->dma ? np_pool_get_dma_addr(page) :
				     (np_dma_addr_t)(uintptr_t)np_page_address(page)) +
			  NP_XDP_HEADROOM;
		d->len = vn->buf_len;
		d->flags = 0;
		d->status = 0;
		post++;
	}
	if (post != start)
		atomic_store_explicit(&vq->rx.post, post, memory_order_release);
}

/* The descriptor as the device left it, checked against what was posted there. */
static bool vnic_rxd_valid(const struct vnic *vn, const struct vnic_rxd *d, struct np_page *page)
{
	np_dma_addr_t want = (vn->dma ? np_pool_get_dma_addr(page) :
					 (np_dma_addr_t)(uintptr_t)np_page_address(page)) +
			     NP_XDP_HEADROOM;

	return d->status == NP_VNIC_RXS_OK && d->addr == want && d->len && d->len <= vn->buf_len;
}

#define VNIC_FRAME_BUFS	(NP_MAX_SKB_FRAGS + 1)	/* buffers one skb can hold */

/*
 * Reap completed frames, each whole: a frame is the descriptors up to the
 * first EOP. One whose EOP the device has not published yet waits for the
 * next poll. A frame with an invalid descriptor, or longer than an skb
 * holds, is dropped: each of its descriptors counts in rx_bad_desc and its
 * buffers are recycled (a chain too long to see its end is dropped a piece
 * at a time, up to its EOP). An impossible done index (past what was posted,
 * or behind what was reaped) is not trusted: counted, nothing reaped.
 */
static int vnic_rx(struct np_netdev *dev, struct vnic_queue *vq, int budget)
{
	struct vnic *vn = vq->vn;
	uint32_t clean = atomic_load_explicit(&vq->rx.clean, memory_order_relaxed);
	uint32_t post = atomic_load_explicit(&vq->rx.post, memory_order_relaxed);
	uint32_t done = atomic_load_explicit(&vq->rx.done, memory_order_acquire);
	struct np_rx_buf bufs[VNIC_FRAME_BUFS];
	struct np_rx_buf single[NP_NETDEV_RX_BURST];	/* one-buffer frames, handed up together */
	unsigned int nsingle = 0;
	int work = 0;

	if (np_unlikely(done - clean > post - clean)) {
		vnic_count_any(vq, VNIC_BAD_INDEX, 1);
		return 0;
	}
	while (clean != done && work < budget) {
		uint32_t avail = done - clean, n = 0;
		bool eop = false, bad;

		while (n < avail && n < VNIC_FRAME_BUFS)
			if (vq->rxd[(clean + n++) & vn->mask].flags & NP_VNIC_RXD_EOP) {
				eop = true;
				break;
			}
		if (!eop && n == avail && n < VNIC_FRAME_BUFS && !vq->rx_skip)
			break;	/* the rest of the frame is still with the device */
		bad = vq->rx_skip || !eop;
		for (uint32_t i = 0; i < n; i++) {
			struct vnic_rxd *d = &vq->rxd[(clean + i) & vn->mask];

			bufs[i].page = vq->rx_page[(clean + i) & vn->mask];
			vq->rx_page[(clean + i) & vn->mask] = NULL;
			bufs[i].offset = NP_XDP_HEADROOM;
			bufs[i].len = d->len;
			if (!vnic_rxd_valid(vn, d, bufs[i].page))
				bad = true;
		}
		if (np_unlikely(bad)) {
			for (uint32_t i = 0; i < n; i++)
				np_netdev_rx_drop(dev, vq->index, bufs[i].page, NP_QSTAT(rx_bad_desc));
		} else {
			/* a coherent, unchecked device (identity) has nothing to sync */
			if (vn->dma->need_sync)
				for (uint32_t i = 0; i < n; i++)
					np_dma_sync_for_cpu(vn->dma,
							    vq->rxd[(clean + i) & vn->mask].addr,
							    bufs[i].len, NP_DMA_BIDIRECTIONAL);
			if (n == 1) {
				single[nsingle++] = bufs[0];
				if (nsingle == NP_NETDEV_RX_BURST) {
					np_netdev_receive_burst(dev, vq->index, single, nsingle);
					nsingle = 0;
				}
			} else {
				/* frames go up in order: the burst before this one */
				np_netdev_receive_burst(dev, vq->index, single, nsingle);
				nsingle = 0;
				np_netdev_receive(dev, vq->index, bufs, n);
			}
		}
		vq->rx_skip = !eop;	/* a piece of a chain too long: drop on to its EOP */
		clean += n;
		if (eop)
			work++;
	}
	np_netdev_receive_burst(dev, vq->index, single, nsingle);
	atomic_store_explicit(&vq->rx.clean, clean, memory_order_release);
	return work;
}

static int vnic_poll(struct np_netdev *dev, unsigned int q, int budget)
{
	struct vnic_queue *vq = &to_vnic(dev)->q[q];
	int work;

	vnic_tx_complete(vq, budget);
	if (vq->gen_on)
		vnic_dev_generate(vq, budget);
	work = vnic_rx(dev, vq, budget);
	vnic_rx_refill(dev, vq);
	return work;
}

/* ---- queues and the device ---- */

static int vnic_queue_open(struct np_netdev *dev, unsigned int q)
{
	struct vnic *vn = to_vnic(dev);
	struct vnic_queue *vq = &vn->q[q];
	struct np_napi_ctx *prev;

	vq->rxd = calloc(vn->ring_size, sizeof(*vq->rxd));
	vq->rx_page = calloc(vn->ring_size, sizeof(*vq->rx_page));
	vq->txd = calloc(vn->ring_size, sizeof(*vq->txd));
	vq->tx_slot = calloc(vn->ring_size, sizeof(*vq->tx_slot));
	if (!vq->rxd || !vq->rx_page || !vq->txd || !vq->tx_slot) {
		free(vq->rxd);
		free(vq->rx_page);
		free(vq->txd);
		free(vq->tx_slot);
		vq->rxd = NULL;
		vq->txd = NULL;
		vq->rx_page = NULL;
		vq->tx_slot = NULL;
		return -ENOMEM;
	}
	prev = np_napi_ctx_enter(&dev->q[q].napi.ctx);
	vnic_rx_refill(dev, vq);
	np_napi_ctx_leave(prev);
	return 0;
}

static void vnic_queue_close(struct np_netdev *dev, unsigned int q)
{
	struct vnic *vn = to_vnic(dev);
	struct vnic_queue *vq = &vn->q[q];
	struct np_pool *pool = dev->q[q].pool;
	uint32_t clean, post;

	if (!vq->rxd)
		return;
	/* the peer's TX writes into our RX ring: both ports must be stopped before either closes */
	NP_ASSERT_MISUSE(!vq->peer ||
			 !atomic_load_explicit(&vq->peer->vn->dev->running, memory_order_acquire));
	/* what the device sent is completed; what it did not is freed as if sent */
	vnic_tx_complete(vq, 0);
	vq->tx_head = atomic_load(&vq->tx.post);
	atomic_store_explicit(&vq->tx.done, vq->tx_head, memory_order_release);
	vnic_tx_complete(vq, 0);
	/* every posted buffer, filled or not, goes back */
	clean = atomic_load(&vq->rx.clean);
	post = atomic_load(&vq->rx.post);
	for (; clean != post; clean++) {
		struct np_page *page = vq->rx_page[clean & vn->mask];

		if (page)
			np_pool_recycle_direct(pool, page);
	}
	atomic_store(&vq->rx.clean, clean);
	atomic_store(&vq->rx.done, clean);
	vq->rx_skip = false;
	free(vq->rxd);
	free(vq->rx_page);
	free(vq->txd);
	free(vq->tx_slot);
	vq->rxd = NULL;
	vq->rx_page = NULL;
	vq->txd = NULL;
	vq->tx_slot = NULL;
}

static void vnic_destroy(struct np_netdev *dev)
{
	struct vnic *vn = to_vnic(dev);

	if (vn->peer)
		vn->peer->peer = NULL;
	for (unsigned int i = 0; i < dev->nqueues; i++)
		if (vn->q[i].peer)
			vn->q[i].peer->peer = NULL;
	if (vn->own_dma)
		np_dma_dev_destroy(vn->dma);
	for (unsigned int i = 0; i < dev->nqueues; i++)
		pthread_spin_destroy(&vn->q[i].tx_lock);
	free(vn->q);
	free(vn);
}

const struct np_netdev_ops vnic_ops = {
	.kind = "vnic",
	.queue_open = vnic_queue_open,
	.queue_close = vnic_queue_close,
	.poll = vnic_poll,
	.xmit = vnic_xmit,
	.xmit_bulk = vnic_xmit_bulk,
	.xmit_frame = vnic_xmit_frame,
	.destroy = vnic_destroy,
};

int np_vnic_create(const struct np_vnic_params *params, struct np_netdev **out)
{
	struct np_vnic_params p = params ? *params : (struct np_vnic_params){ 0 };
	struct np_netdev_params np = { 0 };
	char name[NP_IFNAMSIZ];
	struct vnic *vn;
	int err;

	if (!out)
		return -EINVAL;
	if (!p.nqueues)
		p.nqueues = 1;
	if (!p.ring_size)
		p.ring_size = VNIC_RING_DEFAULT;
	if (!p.buf_len)
		p.buf_len = VNIC_BUF_DEFAULT;
	if (p.ring_size & (p.ring_size - 1) || p.ring_size > 65536 || p.corrupt_ppm > 1000000 ||
	    p.buf_len < 64 || p.nqueues > NP_NETDEV_MAX_QUEUES)
		return -EINVAL;
	vn = calloc(1, sizeof(*vn));
	if (!vn)
		return -ENOMEM;
	vn->q = calloc(p.nqueues, sizeof(*vn->q));
	if (!vn->q) {
		free(vn);
		return -ENOMEM;
	}
	if (p.name)
		snprintf(name, sizeof(name), "%s", p.name);
	else
		snprintf(name, sizeof(name), "vnic%u", atomic_fetch_add(&vnic_next_id, 1));
	vn->ring_size = p.ring_size;
	vn->mask = p.ring_size - 1;
	vn->buf_len = p.buf_len;
	vn->corrupt_ppm = p.corrupt_ppm;
	vn->seed = p.seed ? p.seed : 0x9e3779b97f4a7c15ull;
	if (p.dma) {
		vn->dma = p.dma;
	} else {
		err = p.iommu ? np_dma_iommu_create(name, NULL, &vn->dma) :
				np_dma_identity_create(name, &vn->dma);
		if (err) {
			free(vn->q);
			free(vn);
			return err;
		}
		vn->own_dma = true;
	}
	for (unsigned int i = 0; i < p.nqueues; i++) {
		pthread_spin_init(&vn->q[i].tx_lock, PTHREAD_PROCESS_PRIVATE);
		vn->q[i].vn = vn;
		vn->q[i].index = i;
		vn->q[i].rng = vn->seed + i * 0x632be59bd9b4e019ull;
	}
	np.name = name;
	np.nqueues = p.nqueues;
	np.pool_size = p.ring_size * 2;
	np.dma = vn->dma;
	np.buf_len = p.buf_len;
	np.no_recycle = p.no_recycle;
	err = np_netdev_create(&vnic_ops, &np, vn, &vn->dev);
	if (err) {
		if (vn->own_dma)
			np_dma_dev_destroy(vn->dma);
		free(vn->q);
		free(vn);
		return err;
	}
	*out = vn->dev;
	return 0;
}

int np_vnic_link(struct np_netdev *a, struct np_netdev *b)
{
	struct vnic *va, *vb;

	if (!a || !b || a == b || a->ops != &vnic_ops || b->ops != &vnic_ops ||
	    a->nqueues != b->nqueues || a->open || b->open)
		return -EINVAL;
	va = to_vnic(a);
	vb = to_vnic(b);
	if (va->peer || vb->peer)
		return -EINVAL;
	for (unsigned int i = 0; i < a->nqueues; i++)
		if (va->q[i].gen_on || vb->q[i].gen_on)
			return -EINVAL;
	va->peer = vb;
	vb->peer = va;
	for (unsigned int i = 0; i < a->nqueues; i++) {
		va->q[i].peer = &vb->q[i];
		vb->q[i].peer = &va->q[i];
	}
	return 0;
}

int np_vnic_gen_start(struct np_netdev *dev, unsigned int q, const struct np_vnic_gen *gen)
{
	struct vnic_queue *vq;

	if (!dev || dev->ops != &vnic_ops || q >= dev->nqueues || !gen ||
	    gen->len_min < VNIC_FRAME_MIN || gen->len_min > VNIC_FRAME_MAX ||
	    gen->len_max > VNIC_FRAME_MAX ||
	    (gen->len_max && gen->len_max < gen->len_min))
		return -EINVAL;
	if (to_vnic(dev)->peer)
		return -EINVAL;
	vq = &to_vnic(dev)->q[q];
	vq->gen = *gen;
	if (!vq->gen.len_max)
		vq->gen.len_max = vq->gen.len_min;
	vq->gen_left = gen->count;
	vq->gen_on = true;
	return 0;
}

void np_vnic_gen_stop(struct np_netdev *dev, unsigned int q)
{
	if (dev && dev->ops == &vnic_ops && q < dev->nqueues)
		to_vnic(dev)->q[q].gen_on = false;
}

int np_vnic_get_stats(struct np_netdev *dev, int q, struct np_vnic_stats *st)
{
	struct vnic *vn;

	if (!dev || dev->ops != &vnic_ops || !st || q < -1 || q >= (int)dev->nqueues)
		return -EINVAL;
	vn = to_vnic(dev);
	memset(st, 0, sizeof(*st));
	for (unsigned int i = 0; i < dev->nqueues; i++)
		if (q < 0 || (unsigned int)q == i)
			np_netdev_counters_sum((uint64_t *)st, vn->q[i].cnt, VNIC_NR_COUNTERS);
	return 0;
}

struct np_dma_dev *np_vnic_dma(struct np_netdev *dev)
{
	return dev && dev->ops == &vnic_ops ? to_vnic(dev)->dma : NULL;
}
