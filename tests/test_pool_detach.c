/* SPDX-License-Identifier: MIT */
/*
 * docs/regressions.md R8: after np_pool_disable_direct_recycling() or
 * destroy, a page freed inside the pool's old napi never goes into its alloc
 * cache (by then another owner's, or never drained again).
 *
 * Caught, with the bug put back: the detach leaving pool->napi set and the
 * put paths not testing pool->detached: "info.napi_id == 0 (1 != 0)";
 * without that check, "st.recycle.cached == st0.recycle.cached (5 != 1)" at
 * the first put in the old napi. Only the detached tests removed: "... (2 !=
 * 1)" where the detached pool is asked for a direct recycle.
 */
#include "testutil.h"

static struct np_pool *make_pool(struct np_provider *prov, struct np_napi_ctx *napi)
{
	struct np_pool_params pp = { 0 };
	struct np_pool *pool;

	pp.provider = prov;
	pp.napi = napi;
	pp.nid = NP_NUMA_NO_NODE;
	pp.name = "detach";
	CHECK_EQ(np_pool_create(&pp, &pool), 0);
	return pool;
}

/* Detach: puts inside the old napi go to the ring from now on. */
static void test_detach(struct np_provider *prov, struct np_napi_ctx *napi)
{
	struct np_pool *pool = make_pool(prov, napi);
	struct np_page *pages[9];
	struct np_napi_ctx other, *prev;
	struct np_pool_stats st0, st;
	struct np_pool_info info;
	uint32_t count;
	int i;

	np_napi_ctx_init(&other);
	for (i = 0; i < 9; i++)
		CHECK(pages[i] = np_pool_alloc_pages(pool));

	/* attached: a put inside the owning napi is direct (napi-local) */
	count = pool->alloc.count;
	st0 = t_pool_stats(pool);
	prev = np_napi_ctx_enter(napi);
	np_pool_put_full_page(pool, pages[0], false);
	np_napi_ctx_leave(prev);
	st = t_pool_stats(pool);
	CHECK_EQ(st.recycle.cached, st0.recycle.cached + 1);
	CHECK_EQ(st.recycle.ring, st0.recycle.ring);
	CHECK_EQ(pool->alloc.count, count + 1);

	/* inside some other napi: never direct */
	prev = np_napi_ctx_enter(&other);
	np_pool_put_full_page(pool, pages[1], false);
	np_napi_ctx_leave(prev);
	st0 = st;
	st = t_pool_stats(pool);
	CHECK_EQ(st.recycle.cached, st0.recycle.cached);
	CHECK_EQ(st.recycle.ring, st0.recycle.ring + 1);

	np_pool_disable_direct_recycling(pool);
	CHECK_EQ(np_pool_info_get(pool->id, &info), 0);
	CHECK_EQ(info.napi_id, 0);
	CHECK(!info.destroyed);

	/* detached: the same put in the old napi goes to the ring */
	count = pool->alloc.count;
	st0 = t_pool_stats(pool);
	prev = np_napi_ctx_enter(napi);
	np_pool_put_full_page(pool, pages[2], false);
	np_pool_put_page(pool, pages[3], 0, false);
	np_pool_put_page_bulk(&pages[4], 2);	/* bulk: the napi-local test too */
	np_napi_ctx_leave(prev);
	st = t_pool_stats(pool);
	CHECK_EQ(st.recycle.cached, st0.recycle.cached);
	CHECK_EQ(st.recycle.cache_full, st0.recycle.cache_full);
	CHECK_EQ(st.recycle.ring, st0.recycle.ring + 4);
	CHECK_EQ(pool->alloc.count, count);
	CHECK_EQ(np_pool_audit(pool), 0);

	/* outside any napi: the ring as well */
	np_pool_put_full_page(pool, pages[6], false);
	np_pool_put_page_bulk(&pages[7], 1);
	st0 = st;
	st = t_pool_stats(pool);
	CHECK_EQ(st.recycle.cached, st0.recycle.cached);
	CHECK_EQ(st.recycle.ring, st0.recycle.ring + 2);
	CHECK_EQ(pool->alloc.count, count);

	/* a detached pool takes no direct recycle even when the caller claims one */
	np_pool_recycle_direct(pool, pages[8]);
	st0 = st;
	st = t_pool_stats(pool);
	CHECK_EQ(st.recycle.cached, st0.recycle.cached);
	CHECK_EQ(st.recycle.ring, st0.recycle.ring + 1);
	CHECK_EQ(pool->alloc.count, count);

	np_pool_destroy(pool);
	CHECK_EQ(t_pages_out(prov), 0);
}

/* Destroy: puts inside the old napi release the page; the cache stays empty. */
static void test_destroyed(struct np_provider *prov, struct np_napi_ctx *napi)
{
	struct np_pool *pool = make_pool(prov, napi);
	struct np_page *pages[6];
	struct np_pool_stats st0, st;
	struct np_pool_info info;
	struct np_napi_ctx *prev;
	uint32_t id = pool->id;
	uint64_t out;
	int i;

	for (i = 0; i < 6; i++)
		CHECK(pages[i] = np_pool_alloc_pages(pool));
	st0 = t_pool_stats(pool);

	np_pool_destroy(pool);
	/* pages[5] stays out until the end: it keeps the pool alive for the checks */
	CHECK_EQ(np_pool_info_get(id, &info), 0);
	CHECK(info.destroyed);
	CHECK_EQ(info.napi_id, 0);
	CHECK_EQ(info.inflight, 6);
	out = t_pages_out(prov);
	CHECK_EQ(out, 6);
	CHECK_EQ(pool->alloc.count, 0);

	prev = np_napi_ctx_enter(napi);
	np_pool_put_full_page(pool, pages[0], false);
	CHECK(!np_page_is_pp(pages[0]));
	CHECK_EQ(t_pages_out(prov), --out);
	CHECK_EQ(pool->alloc.count, 0);

	np_pool_put_page(pool, pages[1], 0, false);
	CHECK_EQ(t_pages_out(prov), --out);
	CHECK_EQ(pool->alloc.count, 0);

	np_pool_put_page_bulk(&pages[2], 2);
	CHECK(!np_page_is_pp(pages[2]) && !np_page_is_pp(pages[3]));
	out -= 2;
	CHECK_EQ(t_pages_out(prov), out);
	CHECK_EQ(pool->alloc.count, 0);

	/* even a caller claiming the context: the pool is gone, no cache */
	np_pool_put_full_page(pool, pages[4], true);
	CHECK_EQ(t_pages_out(prov), --out);
	CHECK_EQ(pool->alloc.count, 0);
	np_napi_ctx_leave(prev);

	st = t_pool_stats(pool);
	CHECK_EQ(st.recycle.cached, st0.recycle.cached);
	CHECK_EQ(st.recycle.ring, st0.recycle.ring);
	CHECK_EQ(st.inflight, 1);
	CHECK_EQ(np_pool_ring_count(pool), 0);

	/* the last page, still inside the old napi: the pool is freed */
	prev = np_napi_ctx_enter(napi);
	np_pool_put_full_page(pool, pages[5], false);
	np_napi_ctx_leave(prev);
	CHECK(!np_page_is_pp(pages[5]));
	CHECK_EQ(t_pages_out(prov), 0);
	CHECK(t_wait_pool_freed(id, 5000));
}

/* Detach, then destroy with a page out, then a put in the old napi. */
static void test_detach_then_destroy(struct np_provider *prov, struct np_napi_ctx *napi)
{
	struct np_pool *pool = make_pool(prov, napi);
	struct np_page *a, *b;
	struct np_napi_ctx *prev;
	uint32_t id = pool->id;

	CHECK(a = np_pool_alloc_pages(pool));
	CHECK(b = np_pool_alloc_pages(pool));
	np_pool_disable_direct_recycling(pool);
	np_pool_destroy(pool);

	prev = np_napi_ctx_enter(napi);
	np_pool_put_full_page(pool, a, false);
	CHECK_EQ(pool->alloc.count, 0);		/* b keeps the pool alive */
	CHECK_EQ(t_pages_out(prov), 1);
	np_pool_put_full_page(pool, b, false);
	np_napi_ctx_leave(prev);
	CHECK_EQ(t_pages_out(prov), 0);
	CHECK(t_wait_pool_freed(id, 5000));
}

int main(void)
{
	struct np_provider *prov;
	struct np_napi_ctx napi;

	np_set_print(t_log_capture);
	np_pool_set_release_timing(10, 1000);
	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	np_napi_ctx_init(&napi);

	test_detach(prov, &napi);
	test_destroyed(prov, &napi);
	test_detach_then_destroy(prov, &napi);

	CHECK(!t_log_has("negative"));
	CHECK(!t_log_has("audit"));
	CHECK_EQ(np_provider_destroy(prov), 0);
	np_set_print(NULL);
	return 0;
}
