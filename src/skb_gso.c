/* SPDX-License-Identifier: MIT */
/*
 * GSO: cutting a large skb into segments, as the kernel's skb_segment().
 * Segments start with pp_recycle = 0 and share pages by page references.
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

/* One segment: @hdr_len header bytes, then @len payload bytes from @it. */
static struct np_skb *np_seg_build(const struct np_skb *skb, uint32_t hdr_len,
				   struct np_seg_iter *it, uint32_t pos, uint32_t len)
{
	uint32_t headroom = np_skb_headroom(skb), copy;
	bool paged = np_seg_plan(*it, len, &copy);
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

struct np_skb *np_skb_segment(struct np_skb *skb, uint32_t hdr_len)
{
	uint32_t mss = np_skb_shinfo(skb)->gso_size, pos = hdr_len;
	struct np_seg_iter it = { .orig = skb, .cur = skb, .idx = -1 };
	struct np_skb *segs = NULL, **tailp = &segs;

	if (!mss || hdr_len >= skb->len)
		return NULL;
	np_seg_iter_advance(&it, hdr_len);
	while (pos < skb->len) {
		uint32_t len = NP_MIN(mss, skb->len - pos);
		struct np_skb *n = np_seg_build(skb, hdr_len, &it, pos, len);

		if (!n) {
			np_kfree_skb_list(segs);
			return NULL;
		}
		*tailp = n;
		tailp = &n->next;
		pos += len;
	}
	return segs;
}
