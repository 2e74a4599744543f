/* SPDX-License-Identifier: MIT */
/*
 * GSO: cutting a large skb (a GRO packet, a TSO/USO frame) into segments a
 * device without segmentation offload can send, as the kernel's
 * skb_segment(). Each segment gets the packet's first hdr_len bytes (its
 * headers, from the MAC header on) copied in front of its share of the
 * payload, which it takes by page reference where it can: segments start with
 * pp_recycle = 0, so every page they share is held by a page reference,
 * whatever kind the original holds (the reference rule: a pool reference
 * belongs to the holder of the original's data alone).
 *
 * The features of the egress decide the shape of the output (mainline's
 * netdev features):
 *   NP_NETIF_F_SG           segments may hold page frags; without it every
 *                           segment is linear (its payload copied);
 *   NP_NETIF_F_GSO_PARTIAL  with SG: one segment carries every whole multiple
 *                           of gso_size, the remainder follows, each keeping
 *                           gso_size for the device that finishes the job;
 *   gso_size NP_GSO_BY_FRAGS each frag_list member is one segment, whatever
 *                           its length (the head's own payload one more).
 * Fixing each segment's L3/L4 headers (lengths, IDs, sequence numbers,
 * checksums) is the protocol's part, as in the kernel, not this file's.
 */
#include <string.h>
#include "internal.h"
#include "netpool/skb.h"

/*
 * A walk over the packet's bytes after the headers, one piece at a time: the
 * original's linear part, its frags, then each frag_list member's linear part
 * and frags. A member that has a frag_list of its own is one piece, copied.
 */
struct np_seg_iter {
	const struct np_skb *orig;
	const struct np_skb *cur;	/* the original or a frag_list member */
	int idx;			/* -1: cur's linear part, else its frag slot */
	uint32_t used;			/* bytes of the current piece already taken */
};

/* Where the bytes of a piece are: @page set: a page range; else copy from @src at @off. */
struct np_seg_piece {
	struct np_page *page;
	const struct np_skb *src;
	uint32_t off;
	uint32_t len;
};

static void np_seg_iter_next_skb(struct np_seg_iter *it)
{
	it->cur = it->cur == it->orig ? np_skb_shinfo(it->orig)->frag_list : it->cur->next;
	it->idx = -1;
	it->used = 0;
}

/* What is left of the current piece. Return: false at the end of the packet. */
static bool np_seg_iter_piece(struct np_seg_iter *it, struct np_seg_piece *p)
{
	while (it->cur) {
		const struct np_skb *s = it->cur;
		const struct np_skb_shared_info *sh = np_skb_shinfo(s);

		if (s != it->orig && sh->frag_list) {
			if (it->used < s->len) {
				p->page = NULL;
				p->src = s;
				p->off = it->used;
				p->len = s->len - it->used;
				return true;
			}
			np_seg_iter_next_skb(it);
			continue;
		}
		if (it->idx < 0) {
			uint32_t hl = np_skb_headlen(s);

			if (it->used < hl) {
				p->len = hl - it->used;
				/*
				 * A member's private head page can be shared like a
				 * frag. One whose head was ever cloned is copied: the
				 * other holder, once alone, may write that head (its
				 * tailroom too) under a page reference it cannot see.
				 * The bit, not the dataref count: it does not change
				 * between planning and building a segment.
				 */
				if (s != it->orig && s->head_frag && !s->cloned) {
					p->page = np_virt_to_page(s->head);
					p->src = NULL;
					p->off = (uint32_t)(s->data - (unsigned char *)np_page_address(p->page)) +
						 it->used;
				} else {
					p->page = NULL;
					p->src = s;
					p->off = it->used;
				}
				return true;
			}
		} else if (it->idx < sh->nr_frags) {
			const struct np_skb_frag *f = &sh->frags[it->idx];

			if (it->used < f->len) {
				p->page = f->page;
				p->src = NULL;
				p->off = f->offset + it->used;
				p->len = f->len - it->used;
				return true;
			}
		} else {
			np_seg_iter_next_skb(it);
			continue;
		}
		it->idx++;
		it->used = 0;
	}
	return false;
}

static void np_seg_iter_advance(struct np_seg_iter *it, uint32_t n)
{
	struct np_seg_piece p;

	while (n && np_seg_iter_piece(it, &p)) {
		uint32_t take = NP_MIN(n, p.len);

		it->used += take;
		n -= take;
	}
}

/*
 * How a segment of @len bytes from @it can be built: *@copy bytes copied into
 * the head, then page pieces as frags. Return: false when it cannot (a piece
 * to copy after a frag, or too many frags): then it is copied whole.
 */
static bool np_seg_plan(struct np_seg_iter it, uint32_t len, uint32_t *copy)
{
	struct np_seg_piece p;
	unsigned nfrags = 0;

	*copy = 0;
	while (len && np_seg_iter_piece(&it, &p)) {
		uint32_t take = NP_MIN(len, p.len);

		if (p.page) {
			if (++nfrags > NP_MAX_SKB_FRAGS)
				return false;
		} else if (nfrags) {
			return false;
		} else {
			*copy += take;
		}
		it.used += take;
		len -= take;
	}
	return true;
}

/*
 * One segment: @hdr_len header bytes, then @len payload bytes from @it; @sg:
 * page pieces may be shared as frags (else everything is copied into a
 * linear segment).
 */
static struct np_skb *np_seg_build(const struct np_skb *skb, uint32_t hdr_len,
				   struct np_seg_iter *it, uint32_t pos, uint32_t len, bool sg)
{
	uint32_t headroom = np_skb_headroom(skb), copy;
	bool paged = sg && np_seg_plan(*it, len, &copy);
	struct np_seg_piece p;
	struct np_skb *n;

	if (!paged)
		copy = len;
	n = np_alloc_skb(headroom + hdr_len + copy);
	if (!n)
		return NULL;
	np_skb_reserve(n, headroom);
	if (np_skb_copy_bits(skb, 0, np_skb_put(n, hdr_len), hdr_len))
		goto fail;
	if (!paged) {
		if (np_skb_copy_bits(skb, pos, np_skb_put(n, len), len))
			goto fail;
		np_seg_iter_advance(it, len);
	}
	while (paged && len && np_seg_iter_piece(it, &p)) {
		uint32_t take = NP_MIN(len, p.len);

		if (p.page) {
			/* segments are not pp: a page reference, whatever held it before */
			np_page_get(p.page);
			np_skb_add_rx_frag(n, np_skb_shinfo(n)->nr_frags, p.page, p.off, take, take);
		} else if (np_skb_copy_bits(p.src, p.off, np_skb_put(n, take), take)) {
			goto fail;
		}
		it->used += take;
		len -= take;
	}
	n->protocol = skb->protocol;
	n->mac_header = skb->mac_header;	/* same headroom: same offsets */
	n->network_header = skb->network_header;
	n->transport_header = skb->transport_header;
	n->ip_summed = skb->ip_summed;
	n->csum_start = skb->csum_start;	/* same headroom: same offsets */
	n->csum_offset = skb->csum_offset;
	n->pkt_type = skb->pkt_type;
	n->queue_mapping = skb->queue_mapping;
	n->hash = skb->hash;
	n->mark = skb->mark;
	n->napi_id = skb->napi_id;
	return n;
fail:
	np_kfree_skb(n);
	return NULL;
}

/* Bytes of @skb outside its frag_list: its linear part and its frags. */
static uint32_t np_skb_own_len(const struct np_skb *skb)
{
	uint32_t list = 0;

	for (const struct np_skb *l = np_skb_shinfo(skb)->frag_list; l; l = l->next)
		list += l->len;
	return skb->len - list;
}

/*
 * GSO_PARTIAL: every segment keeps the original's gso_size and gso_type
 * (with NP_SKB_GSO_PARTIAL) and counts @partial segments; a last one that
 * holds at most gso_size of payload is no GSO packet any more, a longer one
 * counts its own.
 */
static void np_seg_mark_partial(struct np_skb *segs, const struct np_skb *skb, uint32_t hdr_len,
				uint32_t partial)
{
	const struct np_skb_shared_info *osh = np_skb_shinfo(skb);
	struct np_skb *tail = segs;

	for (struct np_skb *n = segs; n; n = n->next) {
		struct np_skb_shared_info *sh = np_skb_shinfo(n);

		sh->gso_size = osh->gso_size;
		sh->gso_segs = (uint16_t)partial;
		sh->gso_type = (uint16_t)(osh->gso_type | NP_SKB_GSO_PARTIAL);
		tail = n;
	}
	if (tail->len - hdr_len <= osh->gso_size) {
		np_skb_shinfo(tail)->gso_size = 0;
		np_skb_shinfo(tail)->gso_segs = 0;
		np_skb_shinfo(tail)->gso_type = 0;
	} else if (tail != segs) {
		np_skb_shinfo(tail)->gso_segs =
			(uint16_t)((tail->len - hdr_len + osh->gso_size - 1u) / osh->gso_size);
	}
}

struct np_skb *np_skb_segment(struct np_skb *skb, uint32_t hdr_len, np_netdev_features_t features)
{
	const struct np_skb_shared_info *sh = np_skb_shinfo(skb);
	struct np_seg_iter it = { .orig = skb, .cur = skb, .idx = -1 };
	const struct np_skb *member = sh->frag_list;
	uint32_t mss = sh->gso_size, pos = hdr_len, own = 0, partial = 0;
	bool sg = features & NP_NETIF_F_SG, by_frags = mss == NP_GSO_BY_FRAGS;
	struct np_skb *segs = NULL, **tailp = &segs;

	if (!mss || hdr_len >= skb->len)
		return NULL;
	if (by_frags) {
		own = np_skb_own_len(skb);
		if (hdr_len > own)
			return NULL;	/* the headers must be the head's own */
	} else if (sg && (features & NP_NETIF_F_GSO_PARTIAL)) {
		/* a segment never carries more than an IP length can say */
		partial = NP_MIN(skb->len - hdr_len, NP_GSO_BY_FRAGS - 1u) / mss;
		if (partial > 1)
			mss *= partial;
		else
			partial = 0;
	}
	np_seg_iter_advance(&it, hdr_len);
	while (pos < skb->len) {
		uint32_t len;
		struct np_skb *n;

		if (!by_frags) {
			len = NP_MIN(mss, skb->len - pos);
		} else if (pos < own) {
			len = own - pos;	/* the head's own payload */
		} else {
			while (!member->len)
				member = member->next;
			len = member->len;
			member = member->next;
		}
		n = np_seg_build(skb, hdr_len, &it, pos, len, sg);
		if (!n) {
			np_kfree_skb_list(segs);
			return NULL;
		}
		*tailp = n;
		tailp = &n->next;
		pos += len;
	}
	if (partial)
		np_seg_mark_partial(segs, skb, hdr_len, partial);
	return segs;
}
