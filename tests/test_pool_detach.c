/* SPDX-License-Identifier: MIT */
/*
 * Regression 8: after a pool is detached from its napi
 * (np_pool_disable_direct_recycling()) or destroyed, a page freed inside the
 * old napi context never touches the pool's alloc cache.
 *
 * A put with allow_direct=false decides "direct" by asking whether the
 * calling thread runs the pool's owning napi. The buggy behaviour keeps
 * answering yes after the pool let go of that napi: a thread still inside the
 * old poll then pushes the page into the lockless cache. After a detach that
 * cache may already belong to a new owner on another thread (a data race on
 * the cache); after destroy nobody drains the cache again, so the page is
 * never released, inflight never reaches 0, the pool is never freed, and the
 * push itself writes into a pool that may be freed concurrently. Against that
 * behaviour this test sees recycle.cached and alloc.count grow after detach,
 * and after destroy a page that stays a pool page, provider pages that do not
 * come back and a pool that is never freed.
 *
 * Shown to catch (each applied to the library as a temporary mutation):
 * np_pool_disable_direct_recycling() leaving pool->napi set and the put paths
 * no longer testing pool->detached, i.e. the napi-local answer surviving the
 * detach: fails at "info.napi_id == 0 (1 != 0)"; with that introspection
 * check taken out too, at the first put in the old napi after detach,
 * "st.recycle.cached == st0.recycle.cached (5 != 1)". Only the detached tests
 * removed (pool->napi still cleared): fails where the detached pool is asked
 * for a direct recycle, "st.recycle.cached == st0.recycle.cached (2 != 1)".
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
