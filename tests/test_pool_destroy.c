/* SPDX-License-Identifier: MIT */
/*
 * page_pool destruction with pages in flight.
 *
 *   1. No page out: destroy releases the idle pages and frees the pool at once.
 *   2. Pages out: the pool stays registered (destroyed, inflight N), a stall
 *      is warned about once the warn time passed, pages returned afterwards
 *      (plain, with allow_direct, inside the old napi, in bulk, with an extra
 *      page reference) leave the pool at once instead of being recycled, and
 *      the pool is freed when the last one is back.
 *   3. A fragment page partly in use at destroy: the remaining fragments keep
 *      it (and the pool) until the last one is freed.
 */
#include "testutil.h"

/* Poll for up to @ms milliseconds until @needle was logged. */
static bool wait_log(const char *needle, unsigned ms)
{
	for (unsigned i = 0; i < ms; i++) {
		if (t_log_has(needle))
			return true;
		t_sleep_ms(1);
	}
	return t_log_has(needle);
}

static struct np_pool *make_pool(struct np_provider *prov, struct np_napi_ctx *napi,
				 const char *name)
{
	struct np_pool_params pp = { 0 };
	struct np_pool *pool;

	pp.provider = prov;
	pp.napi = napi;
	pp.nid = NP_NUMA_NO_NODE;
	pp.pool_size = 256;
	pp.name = name;
	CHECK_EQ(np_pool_create(&pp, &pool), 0);
	return pool;
}

/* 1. Nothing out: freed inside np_pool_destroy(). */
static void test_destroy_idle(struct np_provider *prov, struct np_napi_ctx *napi)
{
	struct np_pool *pool = make_pool(prov, napi, "idle");
	struct np_pool_info info;
	struct np_page *pages[100];
	struct np_napi_ctx *prev;
	uint32_t id = pool->id;
	int i;

	for (i = 0; i < 100; i++)
		CHECK(pages[i] = np_pool_alloc_pages(pool));
	/* half into the cache, half into the ring */
	prev = np_napi_ctx_enter(napi);
	for (i = 0; i < 50; i++)
		np_pool_put_full_page(pool, pages[i], false);
	np_napi_ctx_leave(prev);
	for (i = 50; i < 100; i++)
		np_pool_put_full_page(pool, pages[i], false);

	CHECK_EQ(np_pool_info_get(id, &info), 0);
	CHECK(!info.destroyed);
	CHECK_EQ(info.detach_time_ns, 0);
	CHECK_EQ(info.napi_id, napi->id);
	CHECK(info.inflight >= 100);		/* idle pages count until destroy */
	CHECK_EQ(t_pages_out(prov), (uint64_t)info.inflight);

	np_pool_destroy(pool);
	CHECK_EQ(np_pool_info_get(id, &info), -ENOENT);
	CHECK_EQ(t_pages_out(prov), 0);
}

/* 2. Pages out at destroy. */
static void test_destroy_inflight(struct np_provider *prov, struct np_napi_ctx *napi)
{
	enum { OUT = 16 };
	struct np_pool_stats st = { .size = sizeof(st) };
	struct np_pool *pool = make_pool(prov, napi, "inflight");
	struct np_page *pages[OUT + 40], *held;
	struct np_pool_info info;
	struct np_napi_ctx *prev;
	uint64_t cached, out;
	uint32_t id = pool->id;
	int i;

	for (i = 0; i < OUT + 40; i++)
		CHECK(pages[i] = np_pool_alloc_pages(pool));
	/* some idle pages in both the cache and the ring for destroy to drain */
	for (i = OUT; i < OUT + 20; i++)
		np_pool_recycle_direct(pool, pages[i]);
	for (; i < OUT + 40; i++)
		np_pool_put_full_page(pool, pages[i], false);

	np_pool_destroy(pool);

	/* The first OUT pages keep the pool alive; everything idle is gone. */
	CHECK_EQ(np_pool_info_get(id, &info), 0);
	CHECK(info.destroyed);
	CHECK(!info.broken);
	CHECK_EQ(info.inflight, OUT);
	CHECK_EQ(info.inflight_bytes, OUT * NP_PAGE_SIZE);
	CHECK(info.detach_time_ns != 0);
	CHECK_EQ(info.napi_id, 0);
	CHECK_EQ(np_pool_inflight(pool), OUT);
	CHECK_EQ(pool->alloc.count, 0);
	CHECK_EQ(np_pool_ring_count(pool), 0);
	CHECK_EQ(t_pages_out(prov), OUT);
	CHECK(np_page_is_pp(pages[0]));
	CHECK(pages[0]->pp == pool);

	/* Nothing came back for longer than the warn time: a stall warning. */
	CHECK(wait_log("stalled", 5000));
	CHECK_EQ(np_pool_info_get(id, &info), 0);
	CHECK_EQ(info.inflight, OUT);

	CHECK_EQ(np_pool_get_stats(pool, &st), 0);
	cached = st.recycle.cached;
	out = OUT;

	/* a plain return from outside the napi: released, not put in the ring */
	np_pool_put_full_page(pool, pages[0], false);
	CHECK(!np_page_is_pp(pages[0]));
	CHECK_EQ(t_pages_out(prov), --out);
	CHECK_EQ(np_pool_inflight(pool), (int64_t)out);
	CHECK_EQ(np_pool_ring_count(pool), 0);

	/* allow_direct: must not go into the cache of a destroyed pool */
	np_pool_put_full_page(pool, pages[1], true);
	CHECK(!np_page_is_pp(pages[1]));
	CHECK_EQ(t_pages_out(prov), --out);
	CHECK_EQ(pool->alloc.count, 0);

	np_pool_recycle_direct(pool, pages[2]);
	CHECK_EQ(t_pages_out(prov), --out);
	CHECK_EQ(pool->alloc.count, 0);

	/* inside the napi that owned the pool, both ways */
	prev = np_napi_ctx_enter(napi);
	np_pool_put_full_page(pool, pages[3], false);
	CHECK_EQ(t_pages_out(prov), --out);
	np_pool_put_full_page(pool, pages[4], true);
	CHECK_EQ(t_pages_out(prov), --out);
	np_napi_ctx_leave(prev);
	CHECK_EQ(pool->alloc.count, 0);
	CHECK_EQ(np_pool_ring_count(pool), 0);

	/* a page someone else still references: it leaves the pool, we keep it */
	held = pages[5];
	np_page_get(held);
	np_pool_put_full_page(pool, held, false);
	CHECK(!np_page_is_pp(held));
	CHECK(held->pp == NULL);
	CHECK_EQ(np_page_ref_count(held), 1);
	CHECK_EQ(t_pages_out(prov), out);		/* still ours */
	CHECK_EQ(np_pool_inflight(pool), (int64_t)out - 1);
	CHECK(np_page_put(held));		/* our reference was the last */
	CHECK_EQ(t_pages_out(prov), --out);

	/* bulk return of most of the rest */
	np_pool_put_page_bulk(&pages[6], OUT - 7);
	out -= OUT - 7;
	CHECK_EQ(out, 1);
	CHECK_EQ(t_pages_out(prov), out);
	for (i = 6; i < OUT - 1; i++)
		CHECK(!np_page_is_pp(pages[i]));

	/* one page left: the pool must still be there, untouched */
	CHECK_EQ(np_pool_info_get(id, &info), 0);
	CHECK(info.destroyed);
	CHECK_EQ(info.inflight, 1);
	CHECK_EQ(np_pool_get_stats(pool, &st), 0);
	CHECK_EQ(st.recycle.cached, cached);
	CHECK_EQ(st.inflight, 1);
	CHECK_EQ(pool->alloc.count, 0);

	/* the last page: the pool goes away (the pointer is dead from here on) */
	np_pool_put_full_page(pool, pages[OUT - 1], false);
	CHECK(!np_page_is_pp(pages[OUT - 1]));
	CHECK_EQ(t_pages_out(prov), 0);
	CHECK(t_wait_pool_freed(id, 5000));
}

/* 3. A fragment page shared by buffers still in use at destroy. */
static void test_destroy_frag(struct np_provider *prov, struct np_napi_ctx *napi)
{
	struct np_pool *pool = make_pool(prov, napi, "frag");
	struct np_page *f[3], *whole;
	struct np_pool_info info;
	unsigned int off[3];
	uint32_t id = pool->id;

	for (int i = 0; i < 3; i++) {
		CHECK(f[i] = np_pool_alloc_frag(pool, &off[i], 1000));
		CHECK(f[i] == f[0]);
	}
	CHECK(off[0] != off[1] && off[1] != off[2]);
	CHECK(whole = np_pool_alloc_pages(pool));
	CHECK(whole != f[0]);

	/* one fragment back before destroy: the page stays the pool's frag page */
	np_pool_put_full_page(pool, f[0], false);
	CHECK(np_page_is_pp(f[0]));
	CHECK_EQ(np_pool_ring_count(pool), 0);

	np_pool_destroy(pool);
	CHECK_EQ(np_pool_info_get(id, &info), 0);
	CHECK(info.destroyed);
	CHECK_EQ(info.inflight, 2);		/* the frag page and the whole page */
	CHECK_EQ(t_pages_out(prov), 2);
	CHECK(pool->frag_page == NULL);

	/* destroy returned the unused bias: two fragment references remain */
	CHECK_EQ(atomic_load(&f[1]->pp_ref_count), 2);
	np_pool_put_full_page(pool, f[1], false);
	CHECK(np_page_is_pp(f[1]));		/* one user left */
	CHECK_EQ(t_pages_out(prov), 2);
	CHECK_EQ(np_pool_inflight(pool), 2);

	np_pool_put_full_page(pool, whole, true);
	CHECK_EQ(t_pages_out(prov), 1);
	CHECK_EQ(np_pool_inflight(pool), 1);
	CHECK_EQ(pool->alloc.count, 0);

	/* last fragment: the page leaves, the pool is freed */
	np_pool_put_full_page(pool, f[2], true);
	CHECK(!np_page_is_pp(f[2]));
	CHECK_EQ(t_pages_out(prov), 0);
	CHECK(t_wait_pool_freed(id, 5000));
}

int main(void)
{
	struct np_provider *prov;
	struct np_napi_ctx napi;

	np_set_print(t_log_capture);
	np_pool_set_release_timing(10, 50);
	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	np_napi_ctx_init(&napi);

	test_destroy_idle(prov, &napi);
	CHECK(!t_log_has("stalled"));
	test_destroy_inflight(prov, &napi);
	t_log_reset();
	test_destroy_frag(prov, &napi);
	CHECK(!t_log_has("negative"));

	CHECK_EQ(np_provider_destroy(prov), 0);
	np_set_print(NULL);
	return 0;
}
