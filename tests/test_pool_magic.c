/* SPDX-License-Identifier: MIT */
/*
 * docs/regressions.md R2 and R3: a pool page is recognised by its signature
 * under a mask (the provider owns the word's two low bits: a reserve page is
 * a pool page all the same, released rather than recycled); the signature
 * and page->pp are stamped once when a page enters the pool and cleared once
 * when it leaves, never by a recycle.
 *
 * Caught, with each bug put back: an exact compare in np_page_is_pp() fails
 * test_mask(), test_reserve_page() and test_alloc_bits(); the signature
 * cleared when a page goes idle and stamped again when it is handed out fails
 * test_keeps_signature()'s idle checks; the leave path clearing the whole
 * word (the reserve bit with it) fails test_reserve_page().
 */
#include "testutil.h"

#define ROUNDS	1000
#define N	NP_POOL_CACHE_REFILL

/* The predicate itself, on descriptors made up by hand. */
static void test_mask(void)
{
	struct np_page pg;

	memset(&pg, 0, sizeof(pg));
	pg.pp_magic = NP_PP_SIGNATURE;
	CHECK(np_page_is_pp(&pg));
	pg.pp_magic = NP_PP_SIGNATURE | NP_PAGE_RESERVE_BIT;
	CHECK(np_page_is_pp(&pg));
	pg.pp_magic = NP_PP_SIGNATURE | NP_PAGE_TAIL_BIT;
	CHECK(np_page_is_pp(&pg));
	pg.pp_magic = NP_PP_SIGNATURE | NP_PAGE_ALLOC_BITS;
	CHECK(np_page_is_pp(&pg));
	/* anything beyond the two allocator bits is a different word */
	pg.pp_magic = NP_PP_SIGNATURE | 0x4;
	CHECK(!np_page_is_pp(&pg));
	pg.pp_magic = NP_PP_SIGNATURE ^ 0x40;
	CHECK(!np_page_is_pp(&pg));
	pg.pp_magic = 0;
	CHECK(!np_page_is_pp(&pg));
	pg.pp_magic = NP_PAGE_RESERVE_BIT;
	CHECK(!np_page_is_pp(&pg));
	pg.pp_magic = (uintptr_t)&pg | NP_PAGE_TAIL_BIT;	/* a tail link */
	CHECK(!np_page_is_pp(&pg));
	/* no valid pointer can be mistaken for the signature */
	CHECK((NP_PP_SIGNATURE & NP_PAGE_ALLOC_BITS) == 0);
}

/* A reserve page in a pool: recognised by mask, released on return. */
static void test_reserve_page(void)
{
	struct np_provider_params prp = {
		.mem_limit = NP_PAGE_SIZE,	/* one ordinary page, then the reserve */
		.reserve_pages = 4,
		.name = "magic-reserve",
	};
	struct np_pool_params pp = { .nid = NP_NUMA_NO_NODE };
	struct np_page *pages[5], *rsv[4];
	bool is_rsv[5];
	struct np_pool_stats st0, st;
	struct np_provider *prov;
	struct np_pool *pool;
	int i, n = 0;

	CHECK_EQ(np_provider_create(&prp, &prov), 0);
	pp.provider = prov;
	CHECK_EQ(np_pool_create(&pp, &pool), 0);
	for (i = 0; i < 5; i++) {
		pages[i] = np_pool_alloc_pages(pool);
		CHECK(pages[i]);
		is_rsv[i] = np_page_is_reserve(pages[i]);
		if (is_rsv[i])
			rsv[n++] = pages[i];
	}
	CHECK(np_pool_alloc_pages(pool) == NULL);
	CHECK_EQ(n, 4);

	for (i = 0; i < n; i++) {
		struct np_page *page = rsv[i];

		/* the word is not the bare signature: an exact compare fails here */
		CHECK(page->pp_magic != NP_PP_SIGNATURE);
		CHECK_EQ(page->pp_magic, NP_PP_SIGNATURE | NP_PAGE_RESERVE_BIT);
		CHECK(np_page_is_pp(page));
		CHECK(page->pp == pool);
	}

	/* returned, a reserve page leaves the pool, whichever way it comes back */
	st0 = t_pool_stats(pool);
	np_pool_recycle_direct(pool, rsv[0]);
	np_pool_put_full_page(pool, rsv[1], false);
	np_pool_put_page_bulk(&rsv[2], 1);
	st = t_pool_stats(pool);
	CHECK_EQ(st.recycle.released_refcnt - st0.recycle.released_refcnt, 3);
	CHECK_EQ(st.release - st0.release, 3);
	CHECK_EQ(st.recycle.cached, st0.recycle.cached);
	CHECK_EQ(st.recycle.ring, st0.recycle.ring);
	CHECK_EQ(pool->alloc.count, 0);
	CHECK_EQ(np_pool_ring_count(pool), 0);

	/*
	 * One more, still referenced elsewhere: on leaving, the signature and
	 * pp go, the provider's reserve bit stays.
	 */
	np_page_get(rsv[3]);
	np_pool_recycle_direct(pool, rsv[3]);
	CHECK(!np_page_is_pp(rsv[3]));
	CHECK(rsv[3]->pp == NULL);
	CHECK_EQ(rsv[3]->pp_magic, NP_PAGE_RESERVE_BIT);
	CHECK(np_page_is_reserve(rsv[3]));
	CHECK(np_page_put(rsv[3]));
	CHECK_EQ(t_pages_out(prov), 1);
	CHECK_EQ(np_pool_inflight(pool), 1);

	for (i = 0; i < 5; i++)
		if (!is_rsv[i])
			np_pool_recycle_direct(pool, pages[i]);
	CHECK_EQ(np_pool_inflight(pool), 1);
	CHECK_EQ(pool->alloc.count, 1);
	np_pool_destroy(pool);
	CHECK_EQ(np_provider_destroy(prov), 0);
}

/* Allocator bits set in the word of an ordinary pool page: still a pool page. */
static void test_alloc_bits(struct np_pool *pool)
{
	struct np_page *page = np_pool_alloc_pages(pool);
	uintptr_t saved;

	CHECK(page);
	saved = page->pp_magic;
	CHECK_EQ(saved, NP_PP_SIGNATURE);
	CHECK(!np_page_is_reserve(page));

	page->pp_magic |= NP_PAGE_RESERVE_BIT;
	CHECK(page->pp_magic != NP_PP_SIGNATURE);
	CHECK(np_page_is_pp(page));
	page->pp_magic |= NP_PAGE_TAIL_BIT;	/* both bits */
	CHECK(np_page_is_pp(page));
	page->pp_magic = saved;
	CHECK(np_page_is_pp(page));

	np_pool_recycle_direct(pool, page);
}

/* Same pp and word across ROUNDS recycles, idle or in use; changed only on leaving. */
static void test_keeps_signature(struct np_pool *pool)
{
	struct np_page *pages[N], *set[N];
	struct np_pool_stats st;
	int i;

	/* take every page the pool has, so each round sees the same N pages */
	for (i = 0; i < N; i++) {
		set[i] = pages[i] = np_pool_alloc_pages(pool);
		CHECK(pages[i]);
	}
	CHECK_EQ(pool->alloc.count, 0);
	CHECK_EQ(np_pool_ring_count(pool), 0);
	CHECK_EQ(t_pool_stats(pool).hold, N);

	for (int round = 0; round < ROUNDS; round++) {
		bool direct = round % 2 == 0;

		for (i = 0; i < N; i++)
			np_pool_put_full_page(pool, pages[i], direct);
		CHECK_EQ(direct ? pool->alloc.count : np_pool_ring_count(pool), N);
		/* idle in the pool: still stamped */
		for (i = 0; i < N; i++) {
			CHECK_EQ(set[i]->pp_magic, NP_PP_SIGNATURE);
			CHECK(set[i]->pp == pool);
		}
		for (i = 0; i < N; i++) {
			pages[i] = np_pool_alloc_pages(pool);
			CHECK(pages[i]);
			CHECK_EQ(pages[i]->pp_magic, NP_PP_SIGNATURE);
			CHECK(pages[i]->pp == pool);
		}
	}
	st = t_pool_stats(pool);
	CHECK_EQ(st.hold, N);	/* no page ever left and came back fresh */
	CHECK_EQ(st.release, 0);
	CHECK_EQ(st.recycle.cached, (uint64_t)(ROUNDS / 2) * N + 1);	/* +1: test_alloc_bits */
	CHECK_EQ(st.recycle.ring, (uint64_t)(ROUNDS / 2) * N);

	/* leaving: pp and signature go, the allocator bits (none here) stay */
	np_page_get(pages[0]);
	np_pool_recycle_direct(pool, pages[0]);
	CHECK(pages[0]->pp == NULL);
	CHECK(!np_page_is_pp(pages[0]));
	CHECK_EQ(pages[0]->pp_magic & NP_PAGE_ALLOC_BITS, 0);
	CHECK_EQ(pages[0]->pp_magic, 0);
	CHECK(np_page_put(pages[0]));
	/* the others are untouched */
	for (i = 1; i < N; i++) {
		CHECK_EQ(pages[i]->pp_magic, NP_PP_SIGNATURE);
		CHECK(pages[i]->pp == pool);
		np_pool_recycle_direct(pool, pages[i]);
	}
}

int main(void)
{
	struct np_pool_params pp = { .nid = NP_NUMA_NO_NODE };
	struct np_provider *prov;
	struct np_pool *pool;

	np_set_print(t_log_capture);
	test_mask();
	test_reserve_page();

	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	pp.provider = prov;
	CHECK_EQ(np_pool_create(&pp, &pool), 0);
	test_alloc_bits(pool);
	test_keeps_signature(pool);
	CHECK_EQ(np_pool_inflight(pool), N - 1);
	CHECK_EQ(np_pool_audit(pool), 0);
	np_pool_destroy(pool);
	CHECK_EQ(np_provider_destroy(prov), 0);
	return 0;
}
