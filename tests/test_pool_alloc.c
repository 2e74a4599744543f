/* SPDX-License-Identifier: MIT */
/*
 * page_pool allocation paths and their counters: fast (cache hit), slow
 * (provider bulk), slow_high_order, empty, refill (from the return ring);
 * bulk allocation; high-order pages; an exhausted provider; the emergency
 * reserve (pages taken from it are never recycled).
 */
#include "testutil.h"

#define NPAGES	200

struct expect {
	uint64_t fast, slow, slow_high_order, empty, refill, waive;
};

static void check_alloc_stats(struct np_pool *pool, const struct expect *e, int line)
{
	struct np_pool_stats st = t_pool_stats(pool);

	if (st.alloc.fast != e->fast || st.alloc.slow != e->slow ||
	    st.alloc.slow_high_order != e->slow_high_order || st.alloc.empty != e->empty ||
	    st.alloc.refill != e->refill || st.alloc.waive != e->waive) {
		fprintf(stderr,
			"FAIL %s:%d: alloc stats fast %llu slow %llu high %llu empty %llu refill %llu "
			"waive %llu, want %llu %llu %llu %llu %llu %llu\n",
			__FILE__, line, (unsigned long long)st.alloc.fast,
			(unsigned long long)st.alloc.slow,
			(unsigned long long)st.alloc.slow_high_order,
			(unsigned long long)st.alloc.empty, (unsigned long long)st.alloc.refill,
			(unsigned long long)st.alloc.waive, (unsigned long long)e->fast,
			(unsigned long long)e->slow, (unsigned long long)e->slow_high_order,
			(unsigned long long)e->empty, (unsigned long long)e->refill,
			(unsigned long long)e->waive);
		exit(1);
	}
	CHECK_EQ(st.inflight, (int64_t)(st.hold - st.release));
}

#define CHECK_ALLOC_STATS(pool, e)	check_alloc_stats(pool, e, __LINE__)

static void check_pool_page(struct np_pool *pool, struct np_page *page)
{
	CHECK(page);
	CHECK(np_page_is_pp(page));
	CHECK(page->pp == pool);
	CHECK_EQ(page->order, pool->order);
	CHECK_EQ(np_page_ref_count(page), 1);
	CHECK_EQ(atomic_load(&page->pp_ref_count), 1);
}

/* Pages idle in the pool: those in the alloc cache and in the return ring. */
static int64_t idle_pages(struct np_pool *pool)
{
	return (int64_t)pool->alloc.count + (int64_t)np_pool_ring_count(pool);
}

/* fast, slow, empty and refill, each counted where the kernel counts it */
static void test_paths(struct np_provider *prov)
{
	struct np_pool_params pp = { .provider = prov, .nid = NP_NUMA_NO_NODE };
	struct expect e = { 0 };
	struct np_page *pages[130];
	struct np_napi_ctx napi;
	struct np_pool *pool;
	int i;

	np_napi_ctx_init(&napi);
	pp.napi = &napi;
	CHECK_EQ(np_pool_create(&pp, &pool), 0);
	CHECK_ALLOC_STATS(pool, &e);

	/* the first allocation finds nothing: empty, then one slow bulk */
	pages[0] = np_pool_alloc_pages(pool);
	check_pool_page(pool, pages[0]);
	e.empty = 1;
	e.slow = 1;
	CHECK_ALLOC_STATS(pool, &e);
	CHECK_EQ(np_pool_inflight(pool), NP_POOL_CACHE_REFILL);
	CHECK_EQ(pool->alloc.count, NP_POOL_CACHE_REFILL - 1);

	/* the rest of that bulk comes from the cache */
	for (i = 1; i < NP_POOL_CACHE_REFILL; i++) {
		pages[i] = np_pool_alloc_pages(pool);
		check_pool_page(pool, pages[i]);
	}
	e.fast = NP_POOL_CACHE_REFILL - 1;
	CHECK_ALLOC_STATS(pool, &e);

	/* cache and ring empty: a second slow bulk */
	pages[i] = np_pool_alloc_pages(pool);
	check_pool_page(pool, pages[i]);
	i++;
	e.empty = 2;
	e.slow = 2;
	CHECK_ALLOC_STATS(pool, &e);
	CHECK_EQ(np_pool_inflight(pool), 2 * NP_POOL_CACHE_REFILL);
	CHECK_EQ(t_pages_out(prov), 2 * NP_POOL_CACHE_REFILL);

	/* all pages distinct */
	for (int a = 0; a < i; a++)
		for (int b = a + 1; b < i; b++)
			CHECK(pages[a] != pages[b]);

	/* 65 pages back from outside the owning napi: into the ring */
	for (int k = 0; k < i; k++)
		np_pool_put_full_page(pool, pages[k], false);
	CHECK_EQ(np_pool_ring_count(pool), NP_POOL_CACHE_REFILL + 1);
	CHECK_ALLOC_STATS(pool, &e);

	/* empty the cache (63 fast), then refill from the ring: 64 pages, one refill */
	for (i = 0; i < NP_POOL_CACHE_REFILL - 1; i++)
		check_pool_page(pool, pages[i] = np_pool_alloc_pages(pool));
	e.fast += NP_POOL_CACHE_REFILL - 1;
	CHECK_ALLOC_STATS(pool, &e);
	check_pool_page(pool, pages[i++] = np_pool_alloc_pages(pool));
	e.refill = 1;
	CHECK_ALLOC_STATS(pool, &e);
	CHECK_EQ(pool->alloc.count, NP_POOL_CACHE_REFILL - 1);
	CHECK_EQ(np_pool_ring_count(pool), 1);
	for (int k = 0; k < NP_POOL_CACHE_REFILL - 1; k++)
		check_pool_page(pool, pages[i++] = np_pool_alloc_pages(pool));
	e.fast += NP_POOL_CACHE_REFILL - 1;
	CHECK_ALLOC_STATS(pool, &e);

	/* the last ring page: another refill; then nothing is left: empty + slow */
	check_pool_page(pool, pages[i++] = np_pool_alloc_pages(pool));
	e.refill = 2;
	CHECK_ALLOC_STATS(pool, &e);
	check_pool_page(pool, pages[i++] = np_pool_alloc_pages(pool));
	e.empty = 3;
	e.slow = 3;
	CHECK_ALLOC_STATS(pool, &e);
	CHECK_EQ(np_pool_inflight(pool), 3 * NP_POOL_CACHE_REFILL);

	/* give everything back in the owner's context */
	for (int k = 0; k < i; k++)
		np_pool_recycle_direct(pool, pages[k]);
	CHECK_EQ(np_pool_inflight(pool), idle_pages(pool));
	CHECK_EQ(np_pool_audit(pool), 0);
	np_pool_destroy(pool);
	CHECK_EQ(t_pages_out(prov), 0);
}

static void test_bulk(struct np_provider *prov)
{
	struct np_pool_params pp = { .provider = prov, .nid = NP_NUMA_NO_NODE };
	struct np_pool_stats st = { .size = sizeof(st) };
	struct np_page *pages[NPAGES];
	struct np_pool *pool;
	unsigned n;

	CHECK_EQ(np_pool_create(&pp, &pool), 0);
	n = np_pool_alloc_pages_bulk(pool, pages, NPAGES);
	CHECK_EQ(n, NPAGES);
	for (unsigned a = 0; a < n; a++) {
		check_pool_page(pool, pages[a]);
		for (unsigned b = a + 1; b < n; b++)
			CHECK(pages[a] != pages[b]);
	}
	CHECK_EQ(np_pool_get_stats(pool, &st), 0);
	/* every page was counted on exactly one path */
	CHECK_EQ(st.alloc.fast + st.alloc.slow + st.alloc.refill, NPAGES);
	CHECK(st.alloc.slow >= (NPAGES + NP_POOL_CACHE_REFILL - 1) / NP_POOL_CACHE_REFILL);
	CHECK_EQ(st.alloc.slow_high_order, 0);
	CHECK(st.hold >= NPAGES);
	CHECK_EQ(st.inflight, (int64_t)st.hold);
	CHECK_EQ((int64_t)pool->alloc.count, st.inflight - NPAGES);
	CHECK_EQ(t_pages_out(prov), st.hold);

	/* a bulk of 0 is nothing */
	CHECK_EQ(np_pool_alloc_pages_bulk(pool, pages, 0), 0);

	for (unsigned i = 0; i < n; i++)
		np_pool_recycle_direct(pool, pages[i]);
	CHECK_EQ(np_pool_inflight(pool), idle_pages(pool));

	/* a second bulk is served from the pool (cache and ring), no new pages */
	n = np_pool_alloc_pages_bulk(pool, pages, NPAGES);
	CHECK_EQ(n, NPAGES);
	CHECK_EQ(np_pool_get_stats(pool, &st), 0);
	CHECK(st.hold == (uint64_t)np_pool_inflight(pool));
	CHECK_EQ(t_pages_out(prov), st.hold);
	np_pool_put_page_bulk(pages, n);
	CHECK_EQ(np_pool_inflight(pool), idle_pages(pool));
	np_pool_destroy(pool);
	CHECK_EQ(t_pages_out(prov), 0);
}

static void test_high_order(struct np_provider *prov)
{
	struct np_pool_params pp = { .provider = prov, .nid = NP_NUMA_NO_NODE, .order = 2 };
	const size_t size = NP_PAGE_SIZE << 2;
	struct expect e = { 0 };
	struct np_page *pages[8];
	struct np_pool *pool;
	int i;

	CHECK_EQ(np_pool_create(&pp, &pool), 0);
	for (i = 0; i < 8; i++) {
		char *addr;

		pages[i] = np_pool_alloc_pages(pool);
		check_pool_page(pool, pages[i]);
		CHECK_EQ(pages[i]->order, 2);
		CHECK_EQ(np_page_size(pages[i]), size);
		addr = np_page_address(pages[i]);
		CHECK_EQ((uintptr_t)addr % size, 0);
		/* every byte of the block is usable and maps back to its head */
		addr[0] = 1;
		addr[size - 1] = 2;
		CHECK(np_virt_to_page(addr + size - 1) == pages[i]);
		CHECK(np_virt_to_page(addr + 3 * NP_PAGE_SIZE + 17) == pages[i]);
	}
	/* high-order pages are allocated one at a time, each counted */
	e.empty = 8;
	e.slow_high_order = 8;
	CHECK_ALLOC_STATS(pool, &e);
	CHECK_EQ(np_pool_inflight(pool), 8);
	CHECK_EQ(t_pages_out(prov), 8 * 4);

	/* recycled ones come back from the cache */
	for (i = 0; i < 8; i++)
		np_pool_recycle_direct(pool, pages[i]);
	for (i = 0; i < 8; i++) {
		pages[i] = np_pool_alloc_pages(pool);
		check_pool_page(pool, pages[i]);
		CHECK_EQ((uintptr_t)np_page_address(pages[i]) % size, 0);
	}
	e.fast = 8;
	CHECK_ALLOC_STATS(pool, &e);
	for (i = 0; i < 8; i++)
		np_pool_recycle_direct(pool, pages[i]);
	CHECK_EQ(np_pool_audit(pool), 0);
	np_pool_destroy(pool);
	CHECK_EQ(t_pages_out(prov), 0);
}

/* A provider that runs dry: NULL, no crash, and the pool recovers. */
static void test_exhaustion(void)
{
	struct np_provider_params prp = { .mem_limit = 100 * NP_PAGE_SIZE, .name = "small" };
	struct np_pool_params pp = { .nid = NP_NUMA_NO_NODE };
	struct np_pool_stats st = { .size = sizeof(st) };
	struct np_provider_stats ps;
	struct np_page *pages[100], *page;
	struct np_provider *prov;
	struct np_pool *pool;
	int n = 0;

	CHECK_EQ(np_provider_create(&prp, &prov), 0);
	pp.provider = prov;
	CHECK_EQ(np_pool_create(&pp, &pool), 0);

	while (n < 100 && (page = np_pool_alloc_pages(pool)))
		pages[n++] = page;
	CHECK_EQ(n, 100);
	CHECK(np_pool_alloc_pages(pool) == NULL);
	CHECK(np_pool_alloc_pages(pool) == NULL);
	CHECK_EQ(np_pool_alloc_pages_bulk(pool, &page, 1), 0);
	np_provider_get_stats(prov, &ps);
	CHECK(ps.alloc_fail >= 3);
	CHECK_EQ(ps.pages_out, 100);
	CHECK_EQ(np_pool_inflight(pool), 100);
	CHECK_EQ(np_pool_get_stats(pool, &st), 0);
	CHECK_EQ(st.alloc.fast + st.alloc.slow + st.alloc.refill, 100);

	/* pages recycled through the ring serve the next allocations */
	for (int i = 90; i < 100; i++)
		np_pool_put_full_page(pool, pages[i], false);
	for (int i = 90; i < 100; i++) {
		pages[i] = np_pool_alloc_pages(pool);
		check_pool_page(pool, pages[i]);
	}
	CHECK(np_pool_alloc_pages(pool) == NULL);

	/* pages that left the pool go back to the provider: the slow path works again */
	for (int i = 0; i < 5; i++) {
		np_page_get(pages[i]);
		np_pool_put_full_page(pool, pages[i], true);	/* released: still referenced */
		CHECK(!np_page_is_pp(pages[i]));
		CHECK(np_page_put(pages[i]));
	}
	CHECK_EQ(np_pool_inflight(pool), 95);
	CHECK_EQ(t_pages_out(prov), 95);
	for (int i = 0; i < 5; i++) {
		pages[i] = np_pool_alloc_pages(pool);
		check_pool_page(pool, pages[i]);
	}
	CHECK(np_pool_alloc_pages(pool) == NULL);
	CHECK_EQ(np_pool_inflight(pool), 100);

	for (int i = 0; i < 100; i++)
		np_pool_recycle_direct(pool, pages[i]);
	CHECK_EQ(np_pool_inflight(pool), 100);
	CHECK_EQ(np_pool_audit(pool), 0);
	np_pool_destroy(pool);
	CHECK_EQ(np_provider_destroy(prov), 0);
}

/*
 * With the provider at its limit the pool still gets pages from the reserve;
 * they are pool pages but leave the pool when returned, whichever path.
 */
static void test_reserve(void)
{
	struct np_provider_params prp = {
		.mem_limit = NP_POOL_CACHE_REFILL * NP_PAGE_SIZE,
		.reserve_pages = 8,
		.name = "reserve",
	};
	struct np_pool_params pp = { .nid = NP_NUMA_NO_NODE };
	struct np_pool_stats st = { .size = sizeof(st) };
	struct np_page *pages[NP_POOL_CACHE_REFILL + 8], *rsv[8];
	bool is_rsv[NP_POOL_CACHE_REFILL + 8];
	struct np_provider_stats ps;
	struct np_provider *prov;
	struct np_napi_ctx napi, *prev;
	struct np_pool *pool;
	int n = 0, nrsv = 0;

	CHECK_EQ(np_provider_create(&prp, &prov), 0);
	np_napi_ctx_init(&napi);
	pp.provider = prov;
	pp.napi = &napi;
	CHECK_EQ(np_pool_create(&pp, &pool), 0);

	for (n = 0; n < NP_POOL_CACHE_REFILL + 8; n++) {
		pages[n] = np_pool_alloc_pages(pool);
		check_pool_page(pool, pages[n]);
		is_rsv[n] = np_page_is_reserve(pages[n]);
		if (is_rsv[n])
			rsv[nrsv++] = pages[n];
	}
	CHECK(np_pool_alloc_pages(pool) == NULL);
	CHECK_EQ(nrsv, 8);
	np_provider_get_stats(prov, &ps);
	CHECK_EQ(ps.reserve_alloc, 8);
	CHECK_EQ(ps.pages_out, NP_POOL_CACHE_REFILL + 8);
	CHECK_EQ(np_pool_inflight(pool), NP_POOL_CACHE_REFILL + 8);

	/* each way back releases a reserve page rather than keeping it */
	for (int i = 0; i < nrsv; i++) {
		struct np_page *rp = rsv[i];
		int64_t inflight = np_pool_inflight(pool);
		uint32_t cached = pool->alloc.count;
		unsigned ring = np_pool_ring_count(pool);

		CHECK(np_page_is_pp(rp));
		CHECK_EQ(np_pool_get_stats(pool, &st), 0);
		switch (i % 4) {
		case 0:
			np_pool_recycle_direct(pool, rp);
			break;
		case 1:
			np_pool_put_full_page(pool, rp, false);
			break;
		case 2:
			prev = np_napi_ctx_enter(&napi);
			np_pool_put_full_page(pool, rp, false);
			np_napi_ctx_leave(prev);
			break;
		default:
			np_pool_put_page_bulk(&rp, 1);
			break;
		}
		CHECK_EQ(np_pool_inflight(pool), inflight - 1);
		CHECK_EQ(pool->alloc.count, cached);
		CHECK_EQ(np_pool_ring_count(pool), ring);
		{
			struct np_pool_stats st2 = { .size = sizeof(st2) };

			CHECK_EQ(np_pool_get_stats(pool, &st2), 0);
			CHECK_EQ(st2.recycle.released_refcnt, st.recycle.released_refcnt + 1);
			CHECK_EQ(st2.release, st.release + 1);
			CHECK_EQ(st2.recycle.cached, st.recycle.cached);
			CHECK_EQ(st2.recycle.ring, st.recycle.ring);
		}
	}
	CHECK_EQ(t_pages_out(prov), NP_POOL_CACHE_REFILL);

	/*
	 * The reserve is usable again once pages came back to it. A reserve page
	 * serves the allocation that needed it and never sits idle in the cache
	 * (the audit holds cached pages to that), so each allocation takes one.
	 */
	for (int i = 0; i < 8; i++) {
		int64_t inflight = np_pool_inflight(pool);

		rsv[i] = np_pool_alloc_pages(pool);
		check_pool_page(pool, rsv[i]);
		CHECK(np_page_is_reserve(rsv[i]));
		CHECK_EQ(np_pool_inflight(pool), inflight + 1);
		for (uint32_t k = 0; k < pool->alloc.count; k++)
			CHECK(!np_page_is_reserve(pool->alloc.cache[k]));
		CHECK_EQ(np_pool_audit(pool), 0);
	}
	CHECK(np_pool_alloc_pages(pool) == NULL);
	np_provider_get_stats(prov, &ps);
	CHECK_EQ(ps.reserve_alloc, 16);
	for (int i = 0; i < 8; i++)
		np_pool_recycle_direct(pool, rsv[i]);		/* released */
	CHECK_EQ(t_pages_out(prov), NP_POOL_CACHE_REFILL);
	CHECK_EQ(pool->alloc.count, 0);

	for (n = 0; n < NP_POOL_CACHE_REFILL + 8; n++)
		if (!is_rsv[n])
			np_pool_recycle_direct(pool, pages[n]);
	CHECK_EQ(np_pool_inflight(pool), NP_POOL_CACHE_REFILL);
	CHECK_EQ(pool->alloc.count, NP_POOL_CACHE_REFILL);
	CHECK_EQ(np_pool_audit(pool), 0);
	np_pool_destroy(pool);
	CHECK_EQ(np_provider_destroy(prov), 0);
}

int main(void)
{
	struct np_provider *prov;

	np_set_print(t_log_capture);
	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	test_paths(prov);
	test_bulk(prov);
	test_high_order(prov);
	CHECK_EQ(np_provider_destroy(prov), 0);
	test_exhaustion();
	test_reserve();
	return 0;
}
