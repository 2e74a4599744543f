/* SPDX-License-Identifier: MIT */
/*
 * page_pool fragments: one page split among several buffers.
 *   - np_pool_alloc_frag() hands out 64-byte aligned pieces of the current
 *     page; each holds one pool reference; when the pool moves to a new page
 *     it gives back the unused bias, so pp_ref_count == fragments still out;
 *   - the last fragment freed recycles the page, exactly once;
 *   - np_pool_alloc() takes a whole page for big buffers and widens the last
 *     fragment of a page to the page end;
 *   - np_pool_fragment_page() and np_pool_ref_page() pre-charge references.
 */
#include "testutil.h"

#define PAGE	((unsigned int)NP_PAGE_SIZE)

/* pp_ref_count of a page idle in the pool */
#define IDLE_REF	(NP_DEBUG >= 1 ? 0 : 1)

/* Times @page was recycled (cache + ring) since @before. */
static uint64_t recycles_since(struct np_pool *pool, const struct np_pool_stats *before)
{
	struct np_pool_stats st = t_pool_stats(pool);

	return (st.recycle.cached - before->recycle.cached) + (st.recycle.ring - before->recycle.ring);
}

static long pp_ref(struct np_page *page)
{
	return atomic_load(&page->pp_ref_count);
}

static void test_alloc_frag(struct np_pool *pool)
{
	static const unsigned int sizes[] = { 100, 100, 64, 1, 1000, 65, 200 };
	unsigned int off[NP_ARRAY_SIZE(sizes)], o, next = 0;
	struct np_page *page = NULL, *p, *a, *b, *c;
	struct np_pool_stats st0, st;
	int64_t inflight;
	size_t i;

	/* increasing, aligned offsets on one page */
	for (i = 0; i < NP_ARRAY_SIZE(sizes); i++) {
		p = np_pool_alloc_frag(pool, &off[i], sizes[i]);
		CHECK(p);
		if (!page)
			page = p;
		CHECK(p == page);
		CHECK_EQ(off[i] % NP_POOL_FRAG_ALIGN, 0);
		CHECK_EQ(off[i], next);
		CHECK(off[i] + sizes[i] <= PAGE);
		next = off[i] + NP_ALIGN(sizes[i], NP_POOL_FRAG_ALIGN);
		memset((char *)np_page_address(p) + off[i], (int)i, sizes[i]);
		/* the page stays with the pool while it hands out fragments */
		CHECK(pp_ref(page) > (long)i + 1);
	}
	/* no overlap: each fragment still holds its own bytes */
	for (i = 0; i < NP_ARRAY_SIZE(sizes); i++)
		CHECK_EQ(((unsigned char *)np_page_address(page))[off[i] + sizes[i] - 1], i);
	for (i = 0; i < NP_ARRAY_SIZE(sizes); i++)
		np_pool_put_page(pool, page, NP_POOL_SYNC_FULL, true);

	/*
	 * A whole-page fragment moves the pool off that page; all its fragments
	 * were freed, so it is recycled right then. Then four quarters of page a
	 * (the move off the whole-page fragment recycles that one too), and the
	 * fifth quarter moves the pool on to page b.
	 */
	st0 = t_pool_stats(pool);
	inflight = np_pool_inflight(pool);
	p = np_pool_alloc_frag(pool, &o, PAGE);
	CHECK(p);
	CHECK_EQ(o, 0);
	CHECK_EQ(recycles_since(pool, &st0), 1);
	np_pool_put_page(pool, p, NP_POOL_SYNC_FULL, true);
	CHECK_EQ(recycles_since(pool, &st0), 1);
	a = NULL;
	for (i = 0; i < 4; i++) {
		p = np_pool_alloc_frag(pool, &o, PAGE / 4);
		CHECK(p);
		if (i == 0)
			a = p;
		CHECK(p == a);
		CHECK_EQ(o, i * (PAGE / 4));
	}
	CHECK_EQ(recycles_since(pool, &st0), 2);
	st0 = t_pool_stats(pool);
	b = np_pool_alloc_frag(pool, &o, PAGE / 4);
	CHECK(b && b != a);
	CHECK_EQ(o, 0);
	CHECK_EQ(pp_ref(a), 4);	/* the bias came back: one per fragment still out */
	for (i = 0; i < 3; i++) {
		np_pool_put_page(pool, a, NP_POOL_SYNC_FULL, true);
		CHECK_EQ(pp_ref(a), 3 - (long)i);
		CHECK_EQ(recycles_since(pool, &st0), 0);
		CHECK(a->pp == pool && np_page_is_pp(a));
	}
	np_pool_put_page(pool, a, NP_POOL_SYNC_FULL, true);	/* the last user */
	st = t_pool_stats(pool);
	CHECK_EQ(st.recycle.cached - st0.recycle.cached, 1);
	CHECK_EQ(recycles_since(pool, &st0), 1);
	CHECK_EQ(pp_ref(a), IDLE_REF);
	CHECK_EQ(st.release, st0.release);
	CHECK_EQ(np_pool_inflight(pool), inflight);

	/* the same through the ring */
	for (i = 1; i < 4; i++) {
		CHECK(np_pool_alloc_frag(pool, &o, PAGE / 4) == b);
		CHECK_EQ(o, i * (PAGE / 4));
	}
	st0 = t_pool_stats(pool);
	c = np_pool_alloc_frag(pool, &o, PAGE / 2);	/* moves on */
	CHECK(c && c != b);
	CHECK_EQ(o, 0);
	CHECK_EQ(pp_ref(b), 4);
	for (i = 0; i < 4; i++)
		np_pool_put_page(pool, b, NP_POOL_SYNC_FULL, false);
	st = t_pool_stats(pool);
	CHECK_EQ(st.recycle.ring - st0.recycle.ring, 1);
	CHECK_EQ(recycles_since(pool, &st0), 1);
	CHECK_EQ(np_pool_inflight(pool), inflight);
	/* both halves of the current page freed by their users: recycled on the next move */
	p = np_pool_alloc_frag(pool, &o, PAGE / 2);
	CHECK(p == c);
	CHECK_EQ(o, PAGE / 2);
	np_pool_put_page(pool, c, NP_POOL_SYNC_FULL, true);
	np_pool_put_page(pool, c, NP_POOL_SYNC_FULL, true);
	st0 = t_pool_stats(pool);
	CHECK_EQ(recycles_since(pool, &st0), 0);
	a = np_pool_alloc_frag(pool, &o, 64);
	CHECK(a);
	CHECK_EQ(o, 0);
	CHECK_EQ(recycles_since(pool, &st0), 1);
	np_pool_put_page(pool, a, NP_POOL_SYNC_FULL, true);

	/* a whole page as one fragment */
	p = np_pool_alloc_frag(pool, &o, PAGE);
	CHECK(p);
	CHECK_EQ(o, 0);
	np_pool_put_page(pool, p, NP_POOL_SYNC_FULL, true);

	/* sizes out of range: NULL, nothing changes */
	st0 = t_pool_stats(pool);
	CHECK(np_pool_alloc_frag(pool, &o, 0) == NULL);
	CHECK(np_pool_alloc_frag(pool, &o, PAGE + 1) == NULL);
	CHECK(np_pool_alloc_frag(pool, &o, ~0u) == NULL);
	st = t_pool_stats(pool);
	CHECK_EQ(st.hold, st0.hold);
	CHECK_EQ(st.alloc.fast + st.alloc.slow, st0.alloc.fast + st0.alloc.slow);
}

/* np_pool_alloc(): whole pages, fragments, and the widened last fragment. */
static void test_alloc(struct np_pool *pool)
{
	struct np_page *p, *q, *r;
	unsigned int off, size, off2, size2;

	/* more than half a page: a whole page */
	size = 3000;
	p = np_pool_alloc(pool, &off, &size);
	CHECK(p);
	CHECK_EQ(off, 0);
	CHECK_EQ(size, PAGE);
	CHECK_EQ(pp_ref(p), 1);
	CHECK(p != pool->frag_page);
	memset(np_page_address(p), 0xab, PAGE);
	np_pool_put_full_page(pool, p, true);

	size = PAGE / 2 + 1;
	p = np_pool_alloc(pool, &off, &size);
	CHECK(p && off == 0 && size == PAGE);
	np_pool_put_full_page(pool, p, true);

	/* 1500 bytes: offsets 0 and 1536; the second takes the rest of the page */
	size = 1500;
	p = np_pool_alloc(pool, &off, &size);
	CHECK(p);
	CHECK(p == pool->frag_page);
	CHECK_EQ(off, 0);	/* the last fragment page was used up by a whole-page fragment */
	CHECK_EQ(size, 1500);
	size2 = 1500;
	q = np_pool_alloc(pool, &off2, &size2);
	CHECK(q == p);
	CHECK_EQ(off2, 1536);
	CHECK_EQ(size2, PAGE - 1536);
	memset((char *)np_page_address(q) + off2, 0xcd, size2);	/* all of it is ours */
	/* the page is used up: the next fragment starts a new one */
	size = 1500;
	r = np_pool_alloc(pool, &off, &size);
	CHECK(r && r != p);
	CHECK_EQ(off, 0);
	CHECK_EQ(size, 1500);
	CHECK_EQ(pp_ref(p), 2);
	np_pool_put_page(pool, p, NP_POOL_SYNC_FULL, true);
	np_pool_put_page(pool, q, NP_POOL_SYNC_FULL, true);
	np_pool_put_page(pool, r, NP_POOL_SYNC_FULL, true);

	/* exactly half: a fragment; every fragment ends inside the page */
	for (int i = 0; i < 20; i++) {
		size = i % 2 ? PAGE / 2 : 700;
		p = np_pool_alloc(pool, &off, &size);
		CHECK(p);
		CHECK(size >= (i % 2 ? PAGE / 2 : 700u));
		CHECK(off + size <= PAGE);
		CHECK_EQ(off % NP_POOL_FRAG_ALIGN, 0);
		if (size > (i % 2 ? PAGE / 2 : 700u))
			CHECK_EQ(off + size, PAGE);	/* widened only to the page end */
		np_pool_put_page(pool, p, NP_POOL_SYNC_FULL, true);
	}

	/* out of range */
	size = 0;
	CHECK(np_pool_alloc(pool, &off, &size) == NULL);
	size = PAGE + 1;
	CHECK(np_pool_alloc(pool, &off, &size) == NULL);
}

/* Pre-charged references: n users, one recycle. */
static void test_fragment_page(struct np_pool *pool)
{
	struct np_pool_stats st0;
	struct np_page *p;

	p = np_pool_alloc_pages(pool);
	CHECK(p);
	np_pool_fragment_page(p, 3);
	CHECK_EQ(pp_ref(p), 3);
	st0 = t_pool_stats(pool);
	np_pool_put_full_page(pool, p, true);
	np_pool_put_full_page(pool, p, false);
	CHECK_EQ(recycles_since(pool, &st0), 0);
	CHECK_EQ(pp_ref(p), 1);
	CHECK(np_page_is_pp(p) && p->pp == pool);
	np_pool_put_full_page(pool, p, true);
	CHECK_EQ(recycles_since(pool, &st0), 1);
	CHECK_EQ(t_pool_stats(pool).recycle.cached - st0.recycle.cached, 1);

	/* the same through a bulk return */
	p = np_pool_alloc_pages(pool);
	np_pool_fragment_page(p, 3);
	st0 = t_pool_stats(pool);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(recycles_since(pool, &st0), 0);
		np_pool_put_page_bulk(&p, 1);
	}
	CHECK_EQ(recycles_since(pool, &st0), 1);

	/* one more reference: two puts */
	p = np_pool_alloc_pages(pool);
	CHECK_EQ(pp_ref(p), 1);
	np_pool_ref_page(p);
	CHECK_EQ(pp_ref(p), 2);
	st0 = t_pool_stats(pool);
	np_pool_recycle_direct(pool, p);
	CHECK_EQ(recycles_since(pool, &st0), 0);
	CHECK_EQ(pp_ref(p), 1);
	np_pool_recycle_direct(pool, p);
	CHECK_EQ(recycles_since(pool, &st0), 1);

	/* references added to a fragment */
	{
		unsigned int off;

		p = np_pool_alloc_frag(pool, &off, 256);
		CHECK(p);
		np_pool_ref_page(p);
		np_pool_put_page(pool, p, NP_POOL_SYNC_FULL, true);
		np_pool_put_page(pool, p, NP_POOL_SYNC_FULL, true);
	}
}

int main(void)
{
	struct np_pool_params pp = { .nid = NP_NUMA_NO_NODE };
	struct np_provider *prov;
	struct np_napi_ctx napi;
	struct np_pool *pool;
	struct np_pool_stats st;

	np_set_print(t_log_capture);
	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	np_napi_ctx_init(&napi);
	pp.provider = prov;
	pp.napi = &napi;
	CHECK_EQ(np_pool_create(&pp, &pool), 0);

	test_alloc_frag(pool);
	test_alloc(pool);
	test_fragment_page(pool);

	/* nothing left the pool: every page came back whole */
	st = t_pool_stats(pool);
	CHECK_EQ(st.release, 0);
	CHECK_EQ(st.recycle.released_refcnt, 0);
	CHECK_EQ(np_pool_inflight(pool), (int64_t)st.hold);
	CHECK_EQ(t_pages_out(prov), st.hold);
	CHECK_EQ(np_pool_audit(pool), 0);
	np_pool_destroy(pool);
	CHECK_EQ(t_pages_out(prov), 0);
	CHECK_EQ(np_provider_destroy(prov), 0);
	return 0;
}
