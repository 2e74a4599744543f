/* SPDX-License-Identifier: MIT */
/*
 * NUMA "waive": after np_pool_update_nid(), pages coming back through the
 * return ring from the old node are released at refill instead of being
 * reused (alloc.waive), and allocation carries on from the slow path with
 * pages of the new node. Pages of the preferred node are refilled as usual.
 */
#include "testutil.h"

#define N	NP_POOL_CACHE_REFILL

/* Allocate @n pages; every one must be on @node. */
static void alloc_on(struct np_pool *pool, struct np_page **pages, int n, int node)
{
	for (int i = 0; i < n; i++) {
		pages[i] = np_pool_alloc_pages(pool);
		CHECK(pages[i]);
		CHECK(np_page_is_pp(pages[i]));
		CHECK_EQ(pages[i]->node, node);
	}
}

int main(void)
{
	struct np_pool_params pp = { .nid = 0, .name = "waive" };
	struct np_pool_stats st0, st;
	struct np_page *pages[N];
	struct np_provider *prov;
	struct np_pool *pool;
	int i;

	np_set_print(t_log_capture);
	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	pp.provider = prov;
	CHECK_EQ(np_pool_create(&pp, &pool), 0);

	/* the provider tags pages with the node they were asked for */
	{
		struct np_page *p0 = np_page_alloc(prov, 0, 0, 0);
		struct np_page *p1 = np_page_alloc(prov, 0, 1, 0);

		CHECK(p0 && p1);
		CHECK_EQ(p0->node, 0);
		CHECK_EQ(p1->node, 1);
		CHECK(np_page_put(p0));
		CHECK(np_page_put(p1));
	}

	/* node 0: one slow bulk, all of it out */
	alloc_on(pool, pages, N, 0);
	CHECK_EQ(pool->alloc.count, 0);
	CHECK_EQ(t_pool_stats(pool).hold, N);

	/* back through the ring; same node: refilled, nothing waived */
	for (i = 0; i < N; i++)
		np_pool_put_full_page(pool, pages[i], false);
	CHECK_EQ(np_pool_ring_count(pool), N);
	st0 = t_pool_stats(pool);
	alloc_on(pool, pages, N, 0);
	st = t_pool_stats(pool);
	CHECK_EQ(st.alloc.waive, 0);
	CHECK_EQ(st.alloc.refill - st0.alloc.refill, 1);
	CHECK_EQ(st.hold, N);

	/* the queue moved to node 1: node-0 pages from the ring are waived */
	for (i = 0; i < N; i++)
		np_pool_put_full_page(pool, pages[i], false);
	np_pool_update_nid(pool, 1);
	CHECK_EQ(pool->nid, 1);
	st0 = t_pool_stats(pool);
	alloc_on(pool, pages, 1, 1);
	st = t_pool_stats(pool);
	CHECK_EQ(st.alloc.waive - st0.alloc.waive, N);
	CHECK_EQ(st.release - st0.release, N);
	CHECK_EQ(st.alloc.refill, st0.alloc.refill);
	CHECK_EQ(st.alloc.slow - st0.alloc.slow, 1);
	/* as in the kernel, "empty" means nothing came back, not "all waived" */
	CHECK_EQ(st.alloc.empty - st0.alloc.empty, 0);
	CHECK_EQ(st.recycle.released_refcnt, st0.recycle.released_refcnt);
	CHECK_EQ(np_pool_ring_count(pool), 0);
	CHECK_EQ(np_pool_inflight(pool), N);	/* only the new node-1 bulk */
	CHECK_EQ(t_pages_out(prov), N);
	alloc_on(pool, pages + 1, N - 1, 1);	/* the rest of that bulk */

	/* node-1 pages through the ring: kept */
	for (i = 0; i < N; i++)
		np_pool_put_full_page(pool, pages[i], false);
	st0 = t_pool_stats(pool);
	alloc_on(pool, pages, N, 1);
	st = t_pool_stats(pool);
	CHECK_EQ(st.alloc.waive, st0.alloc.waive);
	CHECK_EQ(st.alloc.refill - st0.alloc.refill, 1);
	CHECK_EQ(st.hold, st0.hold);

	/* and back to node 0, half the pages at a time */
	for (i = 0; i < N / 2; i++)
		np_pool_put_full_page(pool, pages[i], false);
	np_pool_update_nid(pool, 0);
	st0 = t_pool_stats(pool);
	alloc_on(pool, pages, N / 2, 0);
	st = t_pool_stats(pool);
	CHECK_EQ(st.alloc.waive - st0.alloc.waive, N / 2);
	CHECK_EQ(st.release - st0.release, N / 2);
	CHECK_EQ(t_pages_out(prov), (uint64_t)np_pool_inflight(pool));

	/* a node out of range changes nothing */
	np_pool_update_nid(pool, NP_MAX_NUMNODES);
	CHECK_EQ(pool->nid, 0);
	np_pool_update_nid(pool, -2);
	CHECK_EQ(pool->nid, 0);

	/* a waived page is gone for good: no node-1 page is left in the pool */
	for (i = 0; i < (int)pool->alloc.count; i++)
		CHECK_EQ(pool->alloc.cache[i]->node, 0);

	for (i = 0; i < N; i++)
		np_pool_recycle_direct(pool, pages[i]);
	CHECK_EQ(np_pool_audit(pool), 0);
	CHECK_EQ(t_pages_out(prov), (uint64_t)np_pool_inflight(pool));
	np_pool_destroy(pool);
	CHECK_EQ(t_pages_out(prov), 0);
	CHECK_EQ(np_provider_destroy(prov), 0);
	return 0;
}
