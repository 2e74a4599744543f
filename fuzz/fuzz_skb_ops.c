/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: skb operation sequences decoded from the input, over up
 * to eight live skbs (pool pages, pool frags, page fragments, small heads,
 * clones, copies), every call made only where the API allows it: GRO into
 * packets whose frag_list members a copy shares, shift and split into and
 * out of every shape, refusals included. The oracle: no sanitizer report,
 * the lengths of every live skb agree with its frags and frag_list after
 * each operation, and once everything is freed no skb is live, the pool gets
 * every page back (freed at destroy) and the provider has no page out.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "netpool.h"

#define NSKB 8

#include "fuzz_input.h"

static void die(const char *what)
{
	fprintf(stderr, "fuzz_skb_ops: %s\n", what);
	abort();
}

static struct np_skb *pool_skb(struct np_pool *pool, unsigned len, bool mark)
{
	struct np_page *page = np_pool_alloc_pages(pool);
	struct np_skb *skb;

	if (!page)
		return NULL;
	skb = np_build_skb(np_page_address(page), NP_PAGE_SIZE);
	if (!skb) {
		np_pool_put_full_page(pool, page, false);
		return NULL;
	}
	np_skb_reserve(skb, 128);
	if (np_skb_put(skb, len))
		memset(skb->data, (int)len, len);
	if (mark)
		np_skb_mark_for_recycle(skb);
	else
		np_pool_release_page(pool, page);	/* a driver without recycling */
	return skb;
}

/* An empty skb of the kind @a picks, to split into: a pool page (marked or not), a page fragment, a small head. */
static struct np_skb *empty_skb(struct np_pool *pool, unsigned a)
{
	switch (a % 4) {
	case 0:
		return pool_skb(pool, 0, true);
	case 1:
		return pool_skb(pool, 0, false);
	case 2:
		return np_netdev_alloc_skb(a * 8 + 1);
	default:
		return np_alloc_skb(a * 8 + 1);
	}
}

/* The lengths agree with the frags and the frag_list, members included (the oracle after each op). */
static void check_lens(const struct np_skb *skb, int depth)
{
	const struct np_skb_shared_info *sh = np_skb_shinfo(skb);
	uint64_t paged = 0;

	if (depth > 8 || sh->nr_frags > NP_MAX_SKB_FRAGS)
		die("frag_list too deep or too many frags");
	for (unsigned k = 0; k < sh->nr_frags; k++)
		paged += sh->frags[k].len;
	for (const struct np_skb *m = sh->frag_list; m; m = m->next) {
		check_lens(m, depth + 1);
		paged += m->len;
	}
	if (paged != skb->data_len || skb->len < skb->data_len || skb->tail > skb->end)
		die("lengths disagree with the frags and the frag_list");
}

static void free_one(struct np_skb *skb, unsigned how)
{
	switch (how % 3) {
	case 0:
		np_kfree_skb(skb);
		break;
	case 1:
		np_consume_skb(skb);
		break;
	default:
		np_napi_consume_skb(skb, 64);
		break;
	}
}

static void run(struct in *in, struct np_provider *prov, struct np_pool *pool,
		struct np_napi_ctx *napi)
{
	struct np_skb *s[NSKB] = { 0 };
	struct np_napi_ctx *prev = NULL;
	bool inside = false;

	while (in->n) {
		unsigned op = take(in) % 18, i = take(in) % NSKB, j = take(in) % NSKB, a = take(in);
		struct np_skb *x = s[i], *y = s[j];

		switch (op) {
		case 0:
		case 1:
			if (!x)
				s[i] = pool_skb(pool, a * 8, op == 0);
			break;
		case 2:
			if (!x && (s[i] = np_netdev_alloc_skb(a * 8 + 1)))
				np_skb_put(s[i], a * 8);
			break;
		case 3:
			if (!x && (s[i] = np_alloc_skb(a * 4 + 1)))
				np_skb_put(s[i], a * 4);
			break;
		case 4:	/* a pool frag, or a page fragment, onto a private skb */
			if (x && !np_skb_shared(x) && !np_skb_cloned(x) &&
			    np_skb_shinfo(x)->nr_frags < NP_MAX_SKB_FRAGS && !np_skb_has_frag_list(x)) {
				unsigned int off;
				struct np_page *pg = (a & 1) && x->pp_recycle ?
					np_pool_alloc_frag(pool, &off, 1024) : NULL;
				void *frag = pg ? NULL : np_page_frag_alloc(512);

				if (pg)
					np_skb_add_rx_frag(x, np_skb_shinfo(x)->nr_frags, pg, off,
							   (a % 200) + 1, 1024);
				else if (frag)
					np_skb_add_rx_frag(x, np_skb_shinfo(x)->nr_frags,
							   np_virt_to_page(frag),
							   (uint32_t)((char *)frag -
								      (char *)np_page_address(
									      np_virt_to_page(frag))),
							   (a % 200) + 1, 512);
			}
			break;
		case 5:
			if (x && !y)
				s[j] = np_skb_clone(x);
			break;
		case 6:
			if (x && !np_skb_shared(x))
				np_pskb_expand_head(x, a % 64, (a >> 2) % 64);
			break;
		case 7:
			if (x && y && x != y && !np_skb_shared(x) && !np_skb_shared(y)) {
				bool stolen;
				int delta;

				if (np_skb_try_coalesce(x, y, &stolen, &delta)) {
					np_kfree_skb_partial(y, stolen);
					s[j] = NULL;
				}
			}
			break;
		case 8:
			if (x && !np_skb_shared(x))
				np_pskb_trim(x, x->len * a / 256);
			break;
		case 9:
			if (x && !np_skb_shared(x))
				np_pskb_may_pull(x, a * 4);
			break;
		case 10:
			if (x && !np_skb_shared(x))
				np_skb_linearize(x);
			break;
		case 11:
			/* members shared with a copy or a clone's expand included */
			if (x && y && x != y && !np_skb_shared(y) && !np_skb_shared(x) &&
			    np_skb_gro_receive(x, y) == 0)
				s[j] = NULL;
			break;
		case 16:	/* shift into and out of any shape (refusals included) */
			if (x && y && x != y && !np_skb_shared(x) && !np_skb_shared(y))
				np_skb_shift(x, y, (int)(y->len * (a % 257) / 256));
			break;
		case 17:	/* split into an empty skb of any kind (refusals included) */
			if (x && !y && !np_skb_shared(x) && !np_skb_cloned(x) &&
			    !np_skb_has_frag_list(x) && (s[j] = empty_skb(pool, a)))
				np_skb_split(x, s[j], x->len * (a % 257) / 256);
			break;
		case 12:
			if (x && !y && np_skb_shinfo(x)->gso_size && x->len > 60) {
				struct np_skb_shared_info *sh = np_skb_shinfo(x);
				uint16_t mss = sh->gso_size;
				struct np_skb *segs;

				/* every feature: SG or linear segments, GSO_PARTIAL, GSO_BY_FRAGS */
				if ((a & 4) && sh->frag_list)
					sh->gso_size = NP_GSO_BY_FRAGS;
				segs = np_skb_segment(x, 42, ((a & 1) ? NP_NETIF_F_SG : 0) |
							     ((a & 2) ? NP_NETIF_F_GSO_PARTIAL : 0));
				sh->gso_size = mss;
				for (struct np_skb *n = segs; n; n = n->next)
					check_lens(n, 0);
				np_kfree_skb_list(segs);
			}
			break;
		case 13:
			if (x && !y)
				s[j] = (a & 1) ? np_skb_copy(x) : np_pskb_copy(x);
			break;
		case 14:
			if (x) {
				free_one(x, a);
				s[i] = NULL;
			}
			break;
		default:
			if (inside)
				np_napi_ctx_leave(prev);
			else
				prev = np_napi_ctx_enter(napi);
			inside = !inside;
			break;
		}
		for (unsigned k = 0; k < NSKB; k++)
			if (s[k])
				check_lens(s[k], 0);
	}
	for (unsigned k = 0; k < NSKB; k++)
		if (s[k])
			np_kfree_skb(s[k]);
	if (inside)
		np_napi_ctx_leave(prev);
	(void)prov;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct np_pool_params pp = { .nid = NP_NUMA_NO_NODE };
	struct np_provider_stats ps;
	struct np_provider *prov;
	struct np_napi_ctx napi;
	struct np_pool_info info;
	struct np_pool *pool;
	struct in in = { data, size };
	int64_t live0 = np_skb_live();
	uint32_t id;

	if (np_provider_create(NULL, &prov))
		die("provider");
	np_skb_set_provider(prov);
	np_napi_ctx_init(&napi);
	pp.provider = prov;
	pp.napi = &napi;
	if (np_pool_create(&pp, &pool))
		die("pool");
	id = pool->id;
	run(&in, prov, pool, &napi);
	np_skb_thread_flush();
	if (np_skb_live() != live0)
		die("an skb was lost");
	np_pool_destroy(pool);
	if (np_pool_info_get(id, &info) != -ENOENT)
		die("the pool did not get every page back");
	np_small_trim(prov);
	np_provider_get_stats(prov, &ps);
	if (ps.pages_out)
		die("provider pages out at the end");
	np_skb_set_provider(NULL);
	if (np_provider_destroy(prov))
		die("provider destroy");
	return 0;
}
