/* SPDX-License-Identifier: MIT */
/*
 * skb sharing: private copies (linear, or head-only with shared frags),
 * copy-on-write of the head, unsharing a clone, and the copy into pool pages
 * that XDP needs. Clone and expand live with the core (skb.c).
 *
 * Each copy follows the reference rule: a copy that shares pages with its
 * source takes page references and starts with pp_recycle = 0, so the kind of
 * every reference is fixed when it is taken and matches at release. Only a
 * copy whose every page was freshly taken from a pool (one pool reference
 * each) is marked for recycle.
 */
#include "internal.h"
#include "netpool/skb.h"

/* Headroom of an skb rebuilt for XDP (kernel: XDP_PACKET_HEADROOM). */
#define NP_XDP_PACKET_HEADROOM	256u

/* A header offset moved by @off, or unset when it would leave the head. */
static uint16_t np_skb_header_move(uint16_t hdr, long off)
{
	long v;

	if (hdr == NP_SKB_HDR_UNSET)
		return hdr;
	v = (long)hdr + off;
	return v < 0 || v >= NP_SKB_HDR_UNSET ? NP_SKB_HDR_UNSET : (uint16_t)v;
}

/*
 * The metadata a copy inherits from @old: protocol, header offsets (moved by
 * @off, the change in headroom), checksum state, queue, hash, mark, the
 * owner's scratch space and the gso fields. Never the flags that describe
 * references (head_frag, pp_recycle, cloned) nor the lengths.
 */
static void np_skb_copy_header(struct np_skb *n, const struct np_skb *old, long off)
{
	const struct np_skb_shared_info *osh = np_skb_shinfo(old);
	struct np_skb_shared_info *nsh = np_skb_shinfo(n);

	n->mac_header = np_skb_header_move(old->mac_header, off);
	n->network_header = np_skb_header_move(old->network_header, off);
	n->transport_header = np_skb_header_move(old->transport_header, off);
	n->protocol = old->protocol;
	n->ip_summed = old->ip_summed;
	/* a partial checksum's start is an offset from head: it moves as the headers do */
	n->csum_start = old->ip_summed == NP_CHECKSUM_PARTIAL ?
				(uint16_t)(old->csum_start + off) : old->csum_start;
	n->csum_offset = old->csum_offset;
	n->pkt_type = old->pkt_type;
	n->queue_mapping = old->queue_mapping;
	n->hash = old->hash;
	n->mark = old->mark;
	n->napi_id = old->napi_id;
	memcpy(n->cb, old->cb, sizeof(n->cb));
	nsh->gso_size = osh->gso_size;
	nsh->gso_segs = osh->gso_segs;
	nsh->gso_type = osh->gso_type;
}

struct np_skb *np_skb_copy(const struct np_skb *skb)
{
	uint32_t headroom = np_skb_headroom(skb);
	struct np_skb *n;
	void *to;
	int err;

	if (skb->len > UINT32_MAX - headroom)
		return NULL;
	n = np_alloc_skb(headroom + skb->len);
	if (!n)
		return NULL;
	/* same headroom and header offsets; the headroom's bytes come along */
	np_skb_reserve(n, headroom);
	memcpy(n->head, skb->head, headroom);
	to = np_skb_put(n, skb->len);
	NP_ASSERT(to != NULL);
	err = np_skb_copy_bits(skb, 0, to, skb->len);
	NP_ASSERT(err == 0);
	(void)err;
	np_skb_copy_header(n, skb, 0);
	return n;
}

struct np_skb *np_pskb_copy(struct np_skb *skb)
{
	const struct np_skb_shared_info *sh = np_skb_shinfo(skb);
	uint32_t headroom = np_skb_headroom(skb), headlen = np_skb_headlen(skb);
	struct np_skb_shared_info *nsh;
	struct np_skb *n;

	n = np_alloc_skb(headroom + headlen);
	if (!n)
		return NULL;
	/* the head is copied: headroom and linear data, so header offsets hold */
	np_skb_reserve(n, headroom);
	memcpy(n->head, skb->head, (size_t)headroom + headlen);
	n->tail += headlen;

	/*
	 * The frags are shared. The new slots hold page references whatever
	 * the source's slots hold (n->pp_recycle stays 0): a pool reference
	 * belongs to the holder of the source's data, and the pool decides at
	 * its release whether the page can be recycled or must leave.
	 */
	nsh = np_skb_shinfo(n);
	for (unsigned i = 0; i < sh->nr_frags; i++) {
		nsh->frags[i] = sh->frags[i];
		np_page_get(nsh->frags[i].page);
	}
	nsh->nr_frags = sh->nr_frags;
	/* frag_list members are shared whole: each keeps its own references */
	nsh->frag_list = sh->frag_list;
	for (struct np_skb *l = nsh->frag_list; l; l = l->next)
		np_skb_get(l);

	n->len = skb->len;
	n->data_len = skb->data_len;
	n->truesize += skb->data_len;
	np_skb_copy_header(n, skb, 0);
	return n;
}

int np_skb_cow_head(struct np_skb *skb, uint32_t headroom)
{
	uint32_t have = np_skb_headroom(skb);
	uint32_t delta = headroom > have ? headroom - have : 0;

	if (!delta && !np_skb_cloned(skb))
		return 0;
	/* grow in NP_SKB_PAD steps so repeated pushes do not reallocate each time */
	return np_pskb_expand_head(skb, NP_ALIGN(delta, (uint32_t)NP_SKB_PAD), 0);
}

/*
 * When the copy cannot be made, @skb is freed all the same and NULL comes
 * back (kernel: skb_unshare()); a caller keeps nothing it cannot write.
 */
struct np_skb *np_skb_unshare(struct np_skb *skb)
{
	struct np_skb *n;

	if (!np_skb_cloned(skb))
		return skb;
	n = np_skb_copy(skb);
	if (n)
		np_consume_skb(skb);
	else
		np_kfree_skb_reason(skb, NP_SKB_DROP_NOMEM);
	return n;
}

/* ---- copy into pool pages (XDP) ---- */

/* @page is held with a reference of @pool (the reference rule with pp_recycle set). */
static bool np_skb_page_in_pool(const struct np_page *page, const struct np_pool *pool)
{
	return np_page_is_pp(page) && page->pp == pool;
}

/*
 * Whether XDP can run on @skb's buffers as they are: the skb and its data are
 * private, the head is a buffer of @pool, every frag is a page of @pool, all
 * held as pool references, and there is no frag_list (XDP knows none).
 */
static bool np_skb_data_pool_private(const struct np_skb *skb, const struct np_pool *pool)
{
	const struct np_skb_shared_info *sh = np_skb_shinfo(skb);

	if (np_skb_shared(skb) || np_skb_cloned(skb) || !skb->pp_recycle || !skb->head_frag ||
	    sh->frag_list)
		return false;
	if (!np_skb_page_in_pool(np_virt_to_page(skb->head), pool))
		return false;
	for (unsigned i = 0; i < sh->nr_frags; i++)
		if (!np_skb_page_in_pool(sh->frags[i].page, pool))
			return false;
	return true;
}

/*
 * Rebuild @*pskb in pages of @pool: a head of NP_XDP_PACKET_HEADROOM plus as
 * much data as fits one pool page, then frags of up to a page each. Every
 * buffer holds one pool reference and the new skb is marked for recycle.
 */
static int np_skb_pp_cow_data(struct np_pool *pool, struct np_skb **pskb, uint32_t headroom)
{
	const uint32_t page_size = (uint32_t)(NP_PAGE_SIZE << pool->order);
	struct np_skb *skb = *pskb, *nskb;
	uint32_t max_head, size, truesize, off, len;
	unsigned int poff;
	struct np_page *page;
	int err;

	if (page_size <= headroom + NP_SKB_SHINFO_SIZE)
		return -ENOMEM;
	max_head = (page_size - headroom - (uint32_t)NP_SKB_SHINFO_SIZE) &
		   ~(uint32_t)(NP_CACHE_LINE - 1);
	if ((uint64_t)skb->len > max_head + (uint64_t)NP_MAX_SKB_FRAGS * page_size)
		return -ENOMEM;

	size = NP_MIN(skb->len, max_head);
	truesize = (uint32_t)NP_SKB_DATA_ALIGN(size) + headroom + (uint32_t)NP_SKB_SHINFO_SIZE;
	page = np_pool_alloc(pool, &poff, &truesize);
	if (!page)
		return -ENOMEM;
	nskb = np_napi_build_skb((char *)np_page_address(page) + poff, truesize);
	if (!nskb) {
		/* the owner gives its fresh buffer straight back */
		np_pool_put_full_page(pool, page, true);
		return -ENOMEM;
	}
	np_skb_reserve(nskb, headroom);
	np_skb_mark_for_recycle(nskb);
	np_skb_copy_header(nskb, skb, (long)headroom - (long)np_skb_headroom(skb));
	err = np_skb_copy_bits(skb, 0, np_skb_put(nskb, size), size);
	NP_ASSERT(err == 0);

	off = size;
	len = skb->len - size;
	for (unsigned i = 0; len; i++) {
		uint32_t fsize = NP_MIN(len, page_size);
		unsigned int ftrue = fsize;

		NP_ASSERT(i < NP_MAX_SKB_FRAGS);
		page = np_pool_alloc(pool, &poff, &ftrue);
		if (!page) {
			np_consume_skb(nskb);
			return -ENOMEM;
		}
		np_skb_add_rx_frag(nskb, i, page, poff, fsize, ftrue);
		err = np_skb_copy_bits(skb, off, (char *)np_page_address(page) + poff, fsize);
		NP_ASSERT(err == 0);
		len -= fsize;
		off += fsize;
	}
	(void)err;

	np_consume_skb(skb);
	*pskb = nskb;
	return 0;
}

int np_skb_cow_data_for_xdp(struct np_pool *pool, struct np_skb **pskb)
{
	if (np_skb_data_pool_private(*pskb, pool))
		return 0;
	return np_skb_pp_cow_data(pool, pskb, NP_XDP_PACKET_HEADROOM);
}
