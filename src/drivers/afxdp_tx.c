/* SPDX-License-Identifier: MIT */
/*
 * afxdp: transmission and its completions.
 *
 * Zero-copy when the data is linear and lies in one pool frame of this UMEM
 * (a frame one of our queues received, or a clone of it): the skb (or the XDP
 * frame's pool reference) is held until the kernel completes that address.
 * Anything else is copied into a frame of the queue's TX reserve, freed at
 * once, and the reserve frame comes back at its completion.
 *
 * A TX queue keeps one slot per descriptor in flight, chained per frame from
 * tx_head[] so that a completion finds the transmission of exactly that
 * address (the same frame may be in flight several times: clones); an
 * address not in flight is counted and ignored. The TX side (TX and
 * completion rings, slots, reserve) may be driven by a transmitting thread
 * and the poll at once: it is under tx_lock; skbs and pages are freed
 * outside it.
 */
#include <string.h>
#include "afxdp_priv.h"

/* Wake the kernel for what waits in the TX ring. Context: any (no lock held). */
void afx_kick(struct afx_queue *aq)
{
	if (aq->fd < 0)
		return;
	afx_count_any(aq, AFX_TX_KICKS, 1);
	if (aq->ax->kops->tx_kick(aq))
		afx_count_any(aq, AFX_TX_KICK_BUSY, 1);
}

/*
 * Post one TX descriptor and remember what its completion frees.
 * Context: tx_lock held. Return: 0 or -ENOSPC (no slot or ring room).
 */
static int afx_tx_post(struct afx_queue *aq, uint64_t addr, uint32_t len, struct np_skb *skb,
		       struct np_page *xdp_page, struct np_page *copy)
{
	struct afxdp *ax = aq->ax;
	uint32_t chunk = (uint32_t)(addr >> AFX_FRAME_SHIFT), idx = 0, s;
	struct afx_slot *slot;
	struct xdp_desc *d;

	if (!aq->slot_free || xsk_ring_prod__reserve(&aq->tx, 1, &idx) != 1)
		return -ENOSPC;
	s = aq->slot_free - 1;
	slot = &aq->slots[s];
	aq->slot_free = slot->next;
	slot->addr = addr;
	slot->skb = skb;
	slot->xdp_page = xdp_page;
	slot->copy = copy;
	slot->next = aq->tx_head[chunk];
	aq->tx_head[chunk] = s + 1;
	if (ax->dma->need_sync)
		np_dma_sync_for_device(ax->dma, addr, len, NP_DMA_BIDIRECTIONAL);
	d = xsk_ring_prod__tx_desc(&aq->tx, idx);
	d->addr = addr;
	d->len = len;
	d->options = 0;
	xsk_ring_prod__submit(&aq->tx, 1);
	np_stat_add_owner(aq->inflight, 1);
	aq->unkicked++;
	return 0;
}

/* The in-flight slot of @addr, unchained; NULL when @addr is not in flight. Lock held. */
static struct afx_slot *afx_slot_take(struct afx_queue *aq, uint64_t addr)
{
	struct afxdp *ax = aq->ax;
	uint32_t *link, s;

	if (addr >= ax->umem_size)
		return NULL;
	for (link = &aq->tx_head[addr >> AFX_FRAME_SHIFT]; (s = *link); link = &aq->slots[s - 1].next)
		if (aq->slots[s - 1].addr == addr) {
			*link = aq->slots[s - 1].next;
			return &aq->slots[s - 1];
		}
	return NULL;
}

/* Retire @slot: a reserve frame goes back at once, the rest into @done. Lock held. */
static void afx_slot_retire(struct afx_queue *aq, struct afx_slot *slot, struct afx_done *done)
{
	if (slot->skb)
		done->skb[done->nskb++] = slot->skb;
	else if (slot->xdp_page)
		done->page[done->npage++] = slot->xdp_page;
	else if (slot->copy) {
		aq->reserve[np_stat_read(aq->reserve_free)] = slot->copy;
		np_stat_add_owner(aq->reserve_free, 1);
	}
	slot->skb = NULL;
	slot->xdp_page = slot->copy = NULL;
	slot->next = aq->slot_free;
	aq->slot_free = (uint32_t)(slot - aq->slots) + 1;
	np_stat_add_owner(aq->inflight, (uint64_t)-1);
}

static void afx_done_free(struct afx_done *done, int budget)
{
	for (unsigned int i = 0; i < done->nskb; i++)
		np_napi_consume_skb(done->skb[i], budget);
	for (unsigned int i = 0; i < done->npage; i++) {
		struct np_xdp_frame f = { .page = done->page[i] };

		np_xdp_frame_free(&f);
	}
	done->nskb = done->npage = 0;
}

/* Free what the kernel completed. Context: any; @budget 0 outside the queue's poll. */
unsigned int afx_tx_complete(struct afx_queue *aq, int budget)
{
	unsigned int total = 0;
	struct afx_done done;
	uint32_t n;

	do {
		uint32_t idx = 0, bad = 0;

		done.nskb = done.npage = 0;
		pthread_mutex_lock(&aq->tx_lock);
		n = aq->fd >= 0 ? xsk_ring_cons__peek(&aq->comp, AFX_BATCH, &idx) : 0;
		for (uint32_t i = 0; i < n; i++) {
			uint64_t addr = *xsk_ring_cons__comp_addr(&aq->comp, idx + i);
			struct afx_slot *slot = afx_slot_take(aq, addr);

			if (np_unlikely(!slot)) {
				bad++;
				continue;
			}
			afx_slot_retire(aq, slot, &done);
		}
		if (n)
			xsk_ring_cons__release(&aq->comp, n);
		pthread_mutex_unlock(&aq->tx_lock);
		if (np_unlikely(bad)) {
			afx_count_any(aq, AFX_TX_BAD_COMPLETION, bad);
			np_warn("afxdp %s: queue %u: %u completions of addresses not in flight\n",
				aq->ax->ifname, aq->index, bad);
		}
		afx_count_any(aq, AFX_TX_COMPLETED, n - bad);
		afx_done_free(&done, budget);
		total += n - bad;
	} while (n == AFX_BATCH);
	return total;
}

/* Kick when TX descriptors wait for the kernel. Context: the queue's poll. */
void afx_tx_flush(struct afx_queue *aq)
{
	bool pending;

	pthread_mutex_lock(&aq->tx_lock);
	pending = aq->fd >= 0 &&
		  aq->tx.cached_prod != __atomic_load_n(aq->tx.consumer, __ATOMIC_ACQUIRE);
	if (pending)
		aq->unkicked = 0;
	pthread_mutex_unlock(&aq->tx_lock);
	if (pending)
		afx_kick(aq);
}

/* Whether @len bytes at @data can leave as they are: inside one pool frame of this UMEM. */
static bool afx_zc_ok(const struct afxdp *ax, const void *data, uint32_t len)
{
	return afx_in_one_frame(ax, data, len) && np_page_is_pp(np_virt_to_page(data));
}

/*
 * Post a zero-copy descriptor; @skb or @xdp_page holds the frame until its
 * completion. Reaps completions once when out of room. Return: 0, -ENOSPC.
 */
static int afx_tx_zc(struct afx_queue *aq, const void *data, uint32_t len, struct np_skb *skb,
		     struct np_page *xdp_page)
{
	uint64_t addr = (uint64_t)((const unsigned char *)data - aq->ax->umem);
	bool kick;
	int err;

	for (int tries = 0;; tries++) {
		pthread_mutex_lock(&aq->tx_lock);
		err = afx_tx_post(aq, addr, len, skb, xdp_page, NULL);
		kick = !err && aq->unkicked >= AFX_KICK_BATCH;
		if (kick)
			aq->unkicked = 0;
		pthread_mutex_unlock(&aq->tx_lock);
		if (err != -ENOSPC || tries)
			break;
		afx_kick(aq);
		afx_tx_complete(aq, 0);
	}
	if (err)
		return err;
	afx_count_any(aq, AFX_TX_ZEROCOPY, 1);
	if (kick)
		afx_kick(aq);
	return 0;
}

/* Take an idle reserve frame. Lock held. */
static struct np_page *afx_reserve_get(struct afx_queue *aq)
{
	uint64_t n = np_stat_read(aq->reserve_free);

	if (!n)
		return NULL;
	np_stat_add_owner(aq->reserve_free, (uint64_t)-1);
	return aq->reserve[n - 1];
}

static void afx_reserve_put(struct afx_queue *aq, struct np_page *page)
{
	aq->reserve[np_stat_read(aq->reserve_free)] = page;
	np_stat_add_owner(aq->reserve_free, 1);
}

/*
 * Copy a frame (@fill writes its @len bytes) into a TX reserve frame and post
 * that. Reaps completions once when the reserve is empty. Return: 0,
 * -ENOSPC, or @fill's error.
 */
static int afx_tx_copy(struct afx_queue *aq, uint32_t len,
		       int (*fill)(void *dst, uint32_t len, const void *arg), const void *arg)
{
	struct afxdp *ax = aq->ax;
	struct np_page *frame = NULL;
	unsigned char *dst;
	bool kick;
	int err;

	for (int tries = 0; !frame; tries++) {
		pthread_mutex_lock(&aq->tx_lock);
		frame = afx_reserve_get(aq);
		pthread_mutex_unlock(&aq->tx_lock);
		if (frame)
			break;
		if (tries) {
			afx_count_any(aq, AFX_TX_NO_FRAME, 1);
			return -ENOSPC;
		}
		afx_kick(aq);
		afx_tx_complete(aq, 0);
	}
	dst = (unsigned char *)np_page_address(frame) + NP_XDP_HEADROOM;
	err = fill(dst, len, arg);
	pthread_mutex_lock(&aq->tx_lock);
	if (!err)
		err = afx_tx_post(aq, (uint64_t)(dst - ax->umem), len, NULL, NULL, frame);
	if (err)
		afx_reserve_put(aq, frame);
	kick = !err && aq->unkicked >= AFX_KICK_BATCH;
	if (kick)
		aq->unkicked = 0;
	pthread_mutex_unlock(&aq->tx_lock);
	if (err)
		return err;
	afx_count_any(aq, AFX_TX_COPIED, 1);
	if (kick)
		afx_kick(aq);
	return 0;
}

static int afx_fill_skb(void *dst, uint32_t len, const void *arg)
{
	return np_skb_copy_bits(arg, 0, dst, len) ? -EINVAL : 0;
}

static int afx_fill_flat(void *dst, uint32_t len, const void *arg)
{
	memcpy(dst, arg, len);
	return 0;
}

int afx_xmit(struct np_netdev *dev, unsigned int q, struct np_skb *skb)
{
	struct afxdp *ax = to_afx(dev);
	struct afx_queue *aq = &ax->q[q];
	uint32_t len = skb->len;
	int err;

	if (np_unlikely(aq->fd < 0))
		return -ENETDOWN;
	if (np_unlikely(len < AFX_ETH_HLEN || len > ax->max_tx_len))
		return -EMSGSIZE;
	if (!np_skb_is_nonlinear(skb) && !np_skb_has_frag_list(skb) &&
	    afx_zc_ok(ax, skb->data, len)) {
		err = afx_tx_zc(aq, skb->data, len, skb, NULL);
		if (err)
			return err;
	} else {
		err = afx_tx_copy(aq, len, afx_fill_skb, skb);
		if (err)
			return err;
		np_consume_skb(skb);
	}
	/* any thread may send here (a redirect from another netdev): counts that add atomically */
	np_netdev_qstat_add_any(&dev->q[q], NP_QSTAT(tx_packets), 1);
	np_netdev_qstat_add_any(&dev->q[q], NP_QSTAT(tx_bytes), len);
	return 0;
}

int afx_xmit_frame(struct np_netdev *dev, unsigned int q, struct np_xdp_frame *f)
{
	struct afxdp *ax = to_afx(dev);
	struct afx_queue *aq = &ax->q[q];
	int err;

	if (np_unlikely(aq->fd < 0 || f->len < AFX_ETH_HLEN || f->len > ax->max_tx_len))
		return -ENOSPC;
	if (afx_zc_ok(ax, f->data, f->len)) {
		err = afx_tx_zc(aq, f->data, f->len, NULL, f->page);
	} else {
		err = afx_tx_copy(aq, f->len, afx_fill_flat, f->data);
		if (!err)
			np_xdp_frame_free(f);
	}
	if (err)
		return err;
	/* any thread may send here (a redirect from another netdev): counts that add atomically */
	np_netdev_qstat_add_any(&dev->q[q], NP_QSTAT(tx_packets), 1);
	np_netdev_qstat_add_any(&dev->q[q], NP_QSTAT(tx_bytes), f->len);
	return 0;
}

void afx_tx_drain(struct afx_queue *aq)
{
	struct afxdp *ax = aq->ax;
	struct afx_done done = { 0 };

	for (uint32_t s = 0; s < ax->ring_size; s++) {
		struct afx_slot *slot = &aq->slots[s];

		if (!slot->skb && !slot->xdp_page && !slot->copy)
			continue;
		pthread_mutex_lock(&aq->tx_lock);
		afx_slot_retire(aq, slot, &done);
		pthread_mutex_unlock(&aq->tx_lock);
		if (done.nskb == AFX_BATCH || done.npage == AFX_BATCH)
			afx_done_free(&done, 0);
	}
	afx_done_free(&done, 0);
	memset(aq->tx_head, 0, ax->nframes * sizeof(*aq->tx_head));
	aq->slot_free = 0;
	for (uint32_t s = ax->ring_size; s-- > 0;) {
		aq->slots[s].next = aq->slot_free;
		aq->slot_free = s + 1;
	}
}
