/* SPDX-License-Identifier: MIT */
/* skb smoke test: RX lifecycle with recycling, clone both orders, heads of each kind. */
#include "testutil.h"

static struct np_skb *rx_skb(struct np_pool *pool, uint32_t len)
{
	struct np_page *page = np_pool_alloc_pages(pool);
	struct np_skb *skb;

	CHECK(page);
	skb = np_build_skb(np_page_address(page), NP_PAGE_SIZE);
	CHECK(skb);
	np_skb_reserve(skb, NP_SKB_PAD);
	CHECK(np_skb_put(skb, len));
	np_skb_mark_for_recycle(skb);
	return skb;
}

int main(void)
{
	struct np_provider *prov;
	struct np_pool_params pp = { .nid = NP_NUMA_NO_NODE };
	struct np_pool_stats st0, st;
	struct np_pool *pool;
	struct np_skb *a, *b;
	int64_t live0 = np_skb_live();

	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	pp.provider = prov;
	CHECK_EQ(np_pool_create(&pp, &pool), 0);

	/* consume: the head page goes back to the pool */
	a = rx_skb(pool, 100);
	CHECK_EQ(a->len, 100);
	CHECK(a->head_frag && a->pp_recycle);
	st0 = t_pool_stats(pool);
	np_consume_skb(a);
	st = t_pool_stats(pool);
	CHECK_EQ(st.recycle.ring + st.recycle.cached, st0.recycle.ring + st0.recycle.cached + 1);

	/* clone, free in both orders: one recycle */
	for (int order = 0; order < 2; order++) {
		a = rx_skb(pool, 200);
		b = np_skb_clone(a);
		CHECK(b && b->pp_recycle && np_skb_cloned(a) && np_skb_cloned(b));
		st0 = t_pool_stats(pool);
		np_kfree_skb(order ? a : b);
		st = t_pool_stats(pool);
		CHECK_EQ(st.recycle.ring + st.recycle.cached, st0.recycle.ring + st0.recycle.cached);
		np_kfree_skb(order ? b : a);
		st = t_pool_stats(pool);
		CHECK_EQ(st.recycle.ring + st.recycle.cached,
			 st0.recycle.ring + st0.recycle.cached + 1);
	}

	/* small-object and page-fragment heads */
	a = np_alloc_skb(300);
	CHECK(a && !a->head_frag);
	CHECK(np_skb_put(a, 300));
	b = np_netdev_alloc_skb(1500);
	CHECK(b && b->head_frag && np_skb_headroom(b) == NP_SKB_PAD);
	CHECK(np_skb_put(b, 1500));
	np_kfree_skb(a);
	np_kfree_skb(b);

	/* expand an uncloned pp skb: the old head recycles, pp_recycle stays */
	a = rx_skb(pool, 64);
	st0 = t_pool_stats(pool);
	CHECK_EQ(np_pskb_expand_head(a, 128, 0), 0);
	CHECK(a->pp_recycle && !a->head_frag && np_skb_headroom(a) >= 128 + NP_SKB_PAD);
	st = t_pool_stats(pool);
	CHECK_EQ(st.recycle.ring + st.recycle.cached, st0.recycle.ring + st0.recycle.cached + 1);
	np_kfree_skb(a);

	CHECK_EQ(np_skb_live(), live0);
	np_pool_destroy(pool);
	np_skb_thread_flush();
	CHECK_EQ(np_provider_destroy(prov), 0);
	return 0;
}
