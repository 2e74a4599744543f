/* SPDX-License-Identifier: MIT */
/*
 * afxdp: transmission and its completions.
 *
 * In place when every piece of the frame (an skb's head and each page frag,
 * or an XDP frame's buffer) lies in one pool frame of this UMEM (a frame
 * one of the netdevs sharing it received, or a clone of it): one descriptor
 * per piece, chained with XDP_PKT_CONTD, and the skb (or the XDP frame's
 * pool reference) held until the kernel completes each of those addresses:
 * an skb takes one reference of its own per descriptor. Anything else is
 * copied into frames of the queue's TX reserve (several, chained, for a
 * frame larger than one), freed at once, and each reserve frame comes back
 * at its completion. A chain needs the sockets bound for multi-buffer.
 *
 * A TX queue keeps one slot per descriptor in flight, chained per frame from
 * tx_head[] so that a completion finds the transmission of exactly that
 * address (the same frame may be in flight several times: clones); an
 * address not in flight is counted and ignored. The TX side (TX and
 * completion rings, slots, reserve) may be driven by a transmitting thread
 * and the poll at once: it is under tx_lock; skbs and pages are freed
 * outside it. The kernel is woken only when it asked to be (need_wakeup),
 * or always when busy polling.
 */
#include <string.h>
#include "afxdp_priv.h"

/* One descriptor to post: where, how long, the reserve frame it uses (copies). */
struct afx_piece {
	uint64_t addr;
	uint32_t len;
	struct np_page *copy;
};

/* Wake the kernel for what waits in the TX ring. Context: any (no lock held). */
void afx_kick(struct afx_queue *aq)
{
	if (aq->fd < 0)
		return;
	if (!aq->ax->busy_poll_us && !xsk_ring_prod__needs_wakeup(&aq->tx)) {
		afx_count_any(aq, AFX_TX_KICK_SKIPPED, 1);
		return;
	}
	afx_count_any(aq, AFX_TX_KICKS, 1);
	if (aq->ax->kops->tx_kick(aq))
		afx_count_any(aq, AFX_TX_KICK_BUSY, 1);
}

/*
 * Post @n descriptors, one frame (XDP_PKT_CONTD on all but the last), and
 * remember what each completion frees: a reference to @skb each, @xdp_page
 * (one piece only), or the piece's reserve frame. Context: tx_lock held.
 * Return: 0 or -ENOSPC (not enough slots or ring room: nothing posted).
 */
static int afx_tx_post(struct afx_queue *aq, const struct afx_piece *pc, unsigned int n,
		       struct np_skb *skb, struct np_page *xdp_page)
{
	struct afxdp *ax = aq->ax;
	uint32_t idx = 0;

	if (aq->nslot_free < n || xsk_ring_prod__reserve(&aq->tx, n, &idx) != n)
		return -ENOSPC;
	for (unsigned int i = 0; i < n; i++) {
		uint32_t chunk = (uint32_t)(pc[i].addr >> AFX_FRAME_SHIFT), s = aq->slot_free - 1;
		struct afx_slot *slot = &aq->slots[s];
		struct xdp_desc *d;

		aq->slot_free = slot->next;
		aq->nslot_free--;
		slot->addr = pc[i].addr;
		slot->skb = skb;
		slot->xdp_page = xdp_page;
		slot->copy = pc[i].copy;
		slot->next = aq->tx_head[chunk];
		aq->tx_head[chunk] = s + 1;
		if (skb && i)
			np_skb_get(skb);	/* one reference per completion to come */
		if (ax->dma->need_sync)
			np_dma_sync_for_device(ax->dma, pc[i].addr, pc[i].len, NP_DMA_BIDIRECTIONAL);
		d = xsk_ring_prod__tx_desc(&aq->tx, idx + i);
		d->addr = pc[i].addr;
		d->len = pc[i].len;
		d->options = i + 1 < n ? XDP_PKT_CONTD : 0;
	}
	xsk_ring_prod__submit(&aq->tx, n);
	np_stat_add_owner(aq->inflight, n);
	aq->unkicked += n;
	afx_count_any(aq, AFX_TX_DESCS, n);
	if (n > 1)
		afx_count_any(aq, AFX_TX_MULTIBUF, 1);
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
	aq->nslot_free++;
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

/*
 * Whether @len bytes at @data can leave as they are: inside one pool frame
 * of this UMEM, no longer than the kernel takes in one descriptor.
 */
static bool afx_zc_ok(const struct afxdp *ax, const void *data, uint32_t len)
{
	return len <= ax->um->frame_size && afx_in_one_frame(ax, data, len) &&
	       np_page_is_pp(np_virt_to_page(data));
}

/*
 * Post a frame's pieces in place; @skb (a reference per piece) or @xdp_page
 * holds the frames until the completions. Reaps completions once when out of
 * room. Return: 0, -ENOSPC.
 */
static int afx_tx_zc(struct afx_queue *aq, const struct afx_piece *pc, unsigned int n,
		     struct np_skb *skb, struct np_page *xdp_page)
{
	bool kick;
	int err;

	for (int tries = 0;; tries++) {
		pthread_mutex_lock(&aq->tx_lock);
		err = afx_tx_post(aq, pc, n, skb, xdp_page);
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

/* Take @n idle reserve frames into @pc, all or none. Lock held. Return: whether it did. */
static bool afx_reserve_get(struct afx_queue *aq, struct afx_piece *pc, unsigned int n)
{
	uint64_t have = np_stat_read(aq->reserve_free);

	if (have < n)
		return false;
	for (unsigned int i = 0; i < n; i++)
		pc[i].copy = aq->reserve[have - 1 - i];
	np_stat_add_owner(aq->reserve_free, (uint64_t)0 - n);
	return true;
}

static void afx_reserve_put(struct afx_queue *aq, const struct afx_piece *pc, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		aq->reserve[np_stat_read(aq->reserve_free)] = pc[i].copy;
		np_stat_add_owner(aq->reserve_free, 1);
	}
}

/* Writes @len bytes of the frame from @off into @dst. Return: 0 or -errno. */
typedef int (*afx_fill_fn)(void *dst, uint32_t off, uint32_t len, const void *arg);

/*
 * Copy a frame of @len bytes (@fill writes them) into TX reserve frames,
 * buf_len bytes each, and post them as one frame. Reaps completions once
 * when the reserve is short. Return: 0, -ENOSPC, -EMSGSIZE (more frames
 * than a chain may have, or a chain without multi-buffer), or @fill's error.
 */
static int afx_tx_copy(struct afx_queue *aq, uint32_t len, afx_fill_fn fill, const void *arg)
{
	struct afxdp *ax = aq->ax;
	unsigned int n = (len + ax->buf_len - 1) / ax->buf_len;
	struct afx_piece pc[AFX_TX_DESC_MAX];
	bool kick, got = false;
	int err = 0;

	if (n > AFX_TX_DESC_MAX || (n > 1 && !ax->sg))
		return -EMSGSIZE;
	for (int tries = 0; !got; tries++) {
		pthread_mutex_lock(&aq->tx_lock);
		got = afx_reserve_get(aq, pc, n);
		pthread_mutex_unlock(&aq->tx_lock);
		if (got)
			break;
		if (tries) {
			afx_count_any(aq, AFX_TX_NO_FRAME, 1);
			return -ENOSPC;
		}
		afx_kick(aq);
		afx_tx_complete(aq, 0);
	}
	for (unsigned int i = 0; i < n && !err; i++) {
		unsigned char *dst = (unsigned char *)np_page_address(pc[i].copy) + NP_XDP_HEADROOM;
		uint32_t off = i * ax->buf_len;

		pc[i].addr = (uint64_t)(dst - ax->umem);
		pc[i].len = NP_MIN(ax->buf_len, len - off);
		err = fill(dst, off, pc[i].len, arg);
	}
	pthread_mutex_lock(&aq->tx_lock);
	if (!err)
		err = afx_tx_post(aq, pc, n, NULL, NULL);
	if (err)
		afx_reserve_put(aq, pc, n);
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

static int afx_fill_skb(void *dst, uint32_t off, uint32_t len, const void *arg)
{
	return np_skb_copy_bits(arg, off, dst, len) ? -EINVAL : 0;
}

static int afx_fill_flat(void *dst, uint32_t off, uint32_t len, const void *arg)
{
	memcpy(dst, (const unsigned char *)arg + off, len);
	return 0;
}

/*
 * @skb's pieces into @pc when every one can leave in place.
 * Return: how many, 0 when it must be copied.
 */
static unsigned int afx_skb_pieces(const struct afxdp *ax, const struct np_skb *skb,
				   struct afx_piece *pc)
{
	const struct np_skb_shared_info *sh = np_skb_shinfo(skb);
	uint32_t headlen = np_skb_headlen(skb);
	unsigned int n = 0;

	if (np_skb_has_frag_list(skb) || sh->nr_frags + (headlen ? 1u : 0u) > AFX_TX_DESC_MAX)
		return 0;
	if (headlen) {
		if (!afx_zc_ok(ax, skb->data, headlen))
			return 0;
		pc[n++] = (struct afx_piece){ .addr = (uint64_t)(skb->data - ax->umem),
					      .len = headlen };
	}
	for (unsigned int i = 0; i < sh->nr_frags; i++) {
		const struct np_skb_frag *fr = &sh->frags[i];
		const unsigned char *p = np_skb_frag_address(fr);

		if (!fr->len)
			continue;
		if (!afx_zc_ok(ax, p, fr->len))
			return 0;
		pc[n++] = (struct afx_piece){ .addr = (uint64_t)(p - ax->umem), .len = fr->len };
	}
	return n > 1 && !ax->sg ? 0 : n;
}

int afx_xmit(struct np_netdev *dev, unsigned int q, struct np_skb *skb)
{
	struct afxdp *ax = to_afx(dev);
	struct afx_queue *aq = &ax->q[q];
	struct afx_piece pc[AFX_TX_DESC_MAX];
	uint32_t len = skb->len;
	unsigned int n;
	int err;

	if (np_unlikely(aq->fd < 0))
		return -ENETDOWN;
	if (np_unlikely(len < AFX_ETH_HLEN || len > ax->max_tx_len))
		return -EMSGSIZE;
	n = afx_skb_pieces(ax, skb, pc);
	if (n) {
		err = afx_tx_zc(aq, pc, n, skb, NULL);
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
		struct afx_piece pc = { .addr = (uint64_t)(f->data - ax->umem), .len = f->len };

		err = afx_tx_zc(aq, &pc, 1, NULL, f->page);
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

	for (uint32_t s = 0; s < ax->tx_size; s++) {
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
	afx_slots_init(aq);
}
