/* SPDX-License-Identifier: MIT */
/* page_pool smoke test: the three allocation paths, the two recycling paths, destroy. */
#include "testutil.h"

int main(void)
{
	struct np_provider *prov;
	struct np_napi_ctx napi;
	struct np_pool_params pp = { 0 };
	struct np_pool_stats st = { .size = sizeof(st) };
	struct np_pool *pool;
	struct np_page *pages[300];
	struct np_napi_ctx *prev;
	int i;

	np_set_print(t_log_capture);
	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	np_napi_ctx_init(&napi);
	pp.provider = prov;
	pp.napi = &napi;
	pp.nid = NP_NUMA_NO_NODE;
	CHECK_EQ(np_pool_create(&pp, &pool), 0);

	/* slow path: one bulk of 64, then 63 fast */
	for (i = 0; i < 64; i++) {
		pages[i] = np_pool_alloc_pages(pool);
		CHECK(pages[i]);
		CHECK(np_page_is_pp(pages[i]));
		CHECK(pages[i]->pp == pool);
	}
	CHECK_EQ(np_pool_get_stats(pool, &st), 0);
	CHECK_EQ(st.alloc.slow, 1);
	CHECK_EQ(st.alloc.fast, 63);
	CHECK_EQ(st.alloc.empty, 1);
	CHECK_EQ(st.inflight, 64);

	/* direct recycling inside the napi */
	prev = np_napi_ctx_enter(&napi);
	for (i = 0; i < 64; i++)
		np_pool_put_full_page(pool, pages[i], false);
	np_napi_ctx_leave(prev);
	CHECK_EQ(np_pool_get_stats(pool, &st), 0);
	CHECK_EQ(st.recycle.cached, 64);
	CHECK_EQ(np_pool_audit(pool), 0);

	/* outside the napi: the ring, then refill */
	for (i = 0; i < 64; i++)
		pages[i] = np_pool_alloc_pages(pool);
	for (i = 0; i < 64; i++)
		np_pool_put_full_page(pool, pages[i], false);
	CHECK_EQ(np_pool_get_stats(pool, &st), 0);
	CHECK_EQ(st.recycle.ring, 64);
	pages[0] = np_pool_alloc_pages(pool);
	CHECK_EQ(np_pool_get_stats(pool, &st), 0);
	CHECK_EQ(st.alloc.refill, 1);
	CHECK_EQ(st.inflight, 64);
	np_pool_recycle_direct(pool, pages[0]);

	/* more than the cache holds */
	for (i = 0; i < 300; i++)
		CHECK(pages[i] = np_pool_alloc_pages(pool));
	for (i = 0; i < 300; i++)
		np_pool_recycle_direct(pool, pages[i]);
	CHECK_EQ(np_pool_get_stats(pool, &st), 0);
	CHECK(st.recycle.cache_full > 0);
	CHECK_EQ(np_pool_audit(pool), 0);
	CHECK_EQ(st.inflight, 320);	/* 5 bulk refills of 64, idle pages count */
	np_pool_destroy(pool);
	CHECK_EQ(np_provider_destroy(prov), 0);
	return 0;
}
