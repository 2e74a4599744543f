/* SPDX-License-Identifier: MIT */
/*
 * page_pool recycling: where a returned page goes.
 *   - into the alloc cache only from the pool's owning napi (detected) or when
 *     the caller says so (allow_direct); elsewhere into the return ring;
 *   - cache full -> ring (cache_full); ring full -> released (ring_full);
 *   - a page someone else still references is released, not recycled
 *     (released_refcnt), and the other reference stays valid;
 *   - bulk returns across pools land in each page's own pool; pages with more
 *     pool references stay out until the last one is dropped.
 */
#include "testutil.h"

struct counts {
	uint64_t cached, cache_full, ring, ring_full, released, release;
};

static struct counts get_counts(struct np_pool *pool)
{
	struct np_pool_stats st = t_pool_stats(pool);

	return (struct counts){
		.cached = st.recycle.cached,
		.cache_full = st.recycle.cache_full,
		.ring = st.recycle.ring,
		.ring_full = st.recycle.ring_full,
		.released = st.recycle.released_refcnt,
		.release = st.release,
	};
}

/* The counters moved by exactly @d since @before. */
static void check_delta(struct np_pool *pool, const struct counts *before, const struct counts *d,
			int line)
{
	struct counts now = get_counts(pool);

	if (now.cached - before->cached != d->cached ||
	    now.cache_full - before->cache_full != d->cache_full ||
	    now.ring - before->ring != d->ring || now.ring_full - before->ring_full != d->ring_full ||
	    now.released - before->released != d->released ||
	    now.release - before->release != d->release) {
		fprintf(stderr,
			"FAIL %s:%d: recycle deltas cached %llu cache_full %llu ring %llu ring_full "
			"%llu released_refcnt %llu release %llu; want %llu %llu %llu %llu %llu %llu\n",
			__FILE__, line, (unsigned long long)(now.cached - before->cached),
			(unsigned long long)(now.cache_full - before->cache_full),
			(unsigned long long)(now.ring - before->ring),
			(unsigned long long)(now.ring_full - before->ring_full),
			(unsigned long long)(now.released - before->released),
			(unsigned long long)(now.release - before->release),
			(unsigned long long)d->cached, (unsigned long long)d->cache_full,
			(unsigned long long)d->ring, (unsigned long long)d->ring_full,
			(unsigned long long)d->released, (unsigned long long)d->release);
		exit(1);
	}
}

#define CHECK_DELTA(pool, before, ...) \
	check_delta(pool, before, &(struct counts){ __VA_ARGS__ }, __LINE__)

static int64_t idle_pages(struct np_pool *pool)
{
	return (int64_t)pool->alloc.count + (int64_t)np_pool_ring_count(pool);
}

/* Return one fresh page of @pool with @how and report where it went. */
enum how { PUT_NO_DIRECT, PUT_DIRECT };

static void put_one(struct np_pool *pool, enum how how, struct np_napi_ctx *in_napi,
		    const struct counts *want, int line)
{
	struct np_page *page = np_pool_alloc_pages(pool);
	struct np_napi_ctx *prev = NULL;
	struct counts before;

	CHECK(page);
	before = get_counts(pool);
	if (in_napi)
		prev = np_napi_ctx_enter(in_napi);
	np_pool_put_full_page(pool, page, how == PUT_DIRECT);
	if (in_napi)
		np_napi_ctx_leave(prev);
	check_delta(pool, &before, want, line);
	CHECK(np_page_is_pp(page));
	CHECK(page->pp == pool);
}

#define TO_CACHE	(&(struct counts){ .cached = 1 })
#define TO_RING		(&(struct counts){ .ring = 1 })

/* Move every idle page of @pool (at most a cache's worth) into its cache. */
static void settle(struct np_pool *pool)
{
	struct np_page *pages[NP_POOL_CACHE_SIZE];
	int64_t n = idle_pages(pool);

	CHECK(n <= NP_POOL_CACHE_SIZE);
	for (int64_t i = 0; i < n; i++)
		CHECK(pages[i] = np_pool_alloc_pages(pool));
	CHECK_EQ(np_pool_ring_count(pool), 0);
	for (int64_t i = 0; i < n; i++)
		np_pool_recycle_direct(pool, pages[i]);
	CHECK_EQ(pool->alloc.count, n);
}

static void test_napi_rule(struct np_provider *prov)
{
	struct np_pool_params pp = { .provider = prov, .nid = NP_NUMA_NO_NODE };
	struct np_napi_ctx owner, other, *prev;
	struct np_pool *pool, *orphan;

	np_napi_ctx_init(&owner);
	np_napi_ctx_init(&other);
	CHECK(owner.id != other.id);
	pp.napi = &owner;
	CHECK_EQ(np_pool_create(&pp, &pool), 0);
	pp.napi = NULL;
	CHECK_EQ(np_pool_create(&pp, &orphan), 0);

	/* inside the owner's poll: detected, into the cache */
	put_one(pool, PUT_NO_DIRECT, &owner, TO_CACHE, __LINE__);
	/* outside any napi: the ring */
	put_one(pool, PUT_NO_DIRECT, NULL, TO_RING, __LINE__);
	settle(pool);
	/* inside another napi's poll: the ring */
	put_one(pool, PUT_NO_DIRECT, &other, TO_RING, __LINE__);
	settle(pool);
	/* allow_direct: the caller vouches, the cache, wherever it runs */
	put_one(pool, PUT_DIRECT, NULL, TO_CACHE, __LINE__);
	put_one(pool, PUT_DIRECT, &other, TO_CACHE, __LINE__);
	put_one(pool, PUT_DIRECT, &owner, TO_CACHE, __LINE__);

	/* nested contexts: only the innermost counts */
	prev = np_napi_ctx_enter(&owner);
	put_one(pool, PUT_NO_DIRECT, &other, TO_RING, __LINE__);
	CHECK(np_napi_ctx_current() == &owner);
	np_napi_ctx_leave(prev);
	CHECK(np_napi_ctx_current() == prev);
	settle(pool);

	/* a pool without a napi recycles directly only when told */
	put_one(orphan, PUT_NO_DIRECT, NULL, TO_RING, __LINE__);
	settle(orphan);
	put_one(orphan, PUT_NO_DIRECT, &owner, TO_RING, __LINE__);
	settle(orphan);
	put_one(orphan, PUT_DIRECT, NULL, TO_CACHE, __LINE__);
	put_one(orphan, PUT_DIRECT, &owner, TO_CACHE, __LINE__);

	/*
	 * Detached from its napi: nothing recycles directly any more, neither
	 * its old poll nor a caller claiming allow_direct.
	 */
	np_pool_disable_direct_recycling(pool);
	put_one(pool, PUT_NO_DIRECT, &owner, TO_RING, __LINE__);
	put_one(pool, PUT_DIRECT, &owner, TO_RING, __LINE__);
	put_one(pool, PUT_DIRECT, NULL, TO_RING, __LINE__);

	CHECK_EQ(np_pool_inflight(pool), idle_pages(pool));
	CHECK_EQ(np_pool_inflight(orphan), idle_pages(orphan));
	CHECK_EQ(np_pool_audit(pool), 0);
	CHECK_EQ(np_pool_audit(orphan), 0);
	np_pool_destroy(pool);
	np_pool_destroy(orphan);
	CHECK_EQ(t_pages_out(prov), 0);
}

/* A full cache sends direct returns to the ring. */
static void test_cache_full(struct np_provider *prov)
{
	struct np_pool_params pp = { .provider = prov, .nid = NP_NUMA_NO_NODE };
	struct np_page *pages[200];
	struct np_napi_ctx owner, *prev;
	struct np_pool *pool;
	struct counts before;
	uint64_t room;
	int i;

	np_napi_ctx_init(&owner);
	pp.napi = &owner;
	CHECK_EQ(np_pool_create(&pp, &pool), 0);
	CHECK_EQ(np_pool_alloc_pages_bulk(pool, pages, 200), 200);

	before = get_counts(pool);
	room = NP_POOL_CACHE_SIZE - pool->alloc.count;
	CHECK(room < 200);
	for (i = 0; i < 200; i++)
		np_pool_recycle_direct(pool, pages[i]);
	CHECK_EQ(pool->alloc.count, NP_POOL_CACHE_SIZE);
	CHECK_DELTA(pool, &before, .cached = room, .cache_full = 200 - room, .ring = 200 - room);
	CHECK_EQ(np_pool_ring_count(pool), 200 - room);

	/* the same through the napi rule and through a bulk return */
	CHECK_EQ(np_pool_alloc_pages_bulk(pool, pages, 200), 200);
	CHECK_EQ(np_pool_ring_count(pool), 0);
	before = get_counts(pool);
	room = NP_POOL_CACHE_SIZE - pool->alloc.count;
	prev = np_napi_ctx_enter(&owner);
	for (i = 0; i < 100; i++)
		np_pool_put_full_page(pool, pages[i], false);
	np_pool_put_page_bulk(pages + 100, 100);
	np_napi_ctx_leave(prev);
	CHECK_EQ(pool->alloc.count, NP_POOL_CACHE_SIZE);
	CHECK_DELTA(pool, &before, .cached = room, .cache_full = 200 - room, .ring = 200 - room);

	CHECK_EQ(np_pool_inflight(pool), idle_pages(pool));
	CHECK_EQ(np_pool_audit(pool), 0);
	np_pool_destroy(pool);
	CHECK_EQ(t_pages_out(prov), 0);
}

/*
 * A full return ring releases the page; the accounting stays exact. The
 * return ring of a pool is its shared ring plus one lane per returning thread
 * with as many slots as the ring (at most NP_POOL_LANE_SIZE); this thread
 * alone can park that many pages before the pool has to release them.
 */
#define NPUT	200

static void test_ring_full(struct np_provider *prov)
{
	struct np_pool_params pp = { .provider = prov, .nid = NP_NUMA_NO_NODE, .pool_size = 64 };
	struct np_page *pages[NPUT];
	struct np_pool *pool;
	struct counts before;
	int64_t inflight;
	uint64_t cap, full;
	int i;

	CHECK_EQ(np_pool_create(&pp, &pool), 0);
	CHECK_EQ(pool->ring.size, 64);
	cap = 64 + NP_MIN(64, NP_POOL_LANE_SIZE);
	CHECK(cap < NPUT);
	full = NPUT - cap;
	CHECK_EQ(np_pool_alloc_pages_bulk(pool, pages, NPUT), NPUT);
	inflight = np_pool_inflight(pool);
	CHECK_EQ(t_pages_out(prov), inflight);

	before = get_counts(pool);
	for (i = 0; i < NPUT; i++)
		np_pool_put_full_page(pool, pages[i], false);
	CHECK_DELTA(pool, &before, .ring = cap, .ring_full = full, .release = full);
	CHECK_EQ(np_pool_ring_count(pool), cap);
	CHECK_EQ(np_pool_inflight(pool), inflight - (int64_t)full);
	CHECK_EQ(np_pool_inflight(pool), idle_pages(pool));
	CHECK_EQ(t_pages_out(prov), inflight - (int64_t)full);
	for (i = (int)cap; i < NPUT; i++)
		CHECK(!np_page_is_pp(pages[i]));	/* they left the pool */

	/* the same through a bulk return */
	CHECK_EQ(np_pool_alloc_pages_bulk(pool, pages, NPUT), NPUT);
	CHECK_EQ(np_pool_ring_count(pool), 0);
	inflight = np_pool_inflight(pool);
	before = get_counts(pool);
	np_pool_put_page_bulk(pages, NPUT);
	CHECK_DELTA(pool, &before, .ring = cap, .ring_full = full, .release = full);
	CHECK_EQ(np_pool_ring_count(pool), cap);
	CHECK_EQ(np_pool_inflight(pool), inflight - (int64_t)full);
	CHECK_EQ(np_pool_inflight(pool), idle_pages(pool));
	CHECK_EQ(t_pages_out(prov), inflight - (int64_t)full);

	CHECK_EQ(np_pool_audit(pool), 0);
	np_pool_destroy(pool);
	CHECK_EQ(t_pages_out(prov), 0);
}

/* A page with another reference leaves the pool; that reference stays good. */
static void test_released(struct np_provider *prov)
{
	struct np_pool_params pp = { .provider = prov, .nid = NP_NUMA_NO_NODE };
	struct np_napi_ctx owner, *prev;
	struct np_pool *pool;
	struct counts before;

	np_napi_ctx_init(&owner);
	pp.napi = &owner;
	CHECK_EQ(np_pool_create(&pp, &pool), 0);

	for (int way = 0; way < 4; way++) {
		struct np_page *page = np_pool_alloc_pages(pool);
		int64_t inflight = np_pool_inflight(pool);
		uint64_t out = t_pages_out(prov);
		char *data;

		CHECK(page);
		data = np_page_address(page);
		memset(data, 0x5a, NP_PAGE_SIZE);
		np_page_get(page);	/* e.g. a clone still points at it */
		before = get_counts(pool);
		switch (way) {
		case 0:
			np_pool_recycle_direct(pool, page);
			break;
		case 1:
			np_pool_put_full_page(pool, page, false);
			break;
		case 2:
			prev = np_napi_ctx_enter(&owner);
			np_pool_put_full_page(pool, page, false);
			np_napi_ctx_leave(prev);
			break;
		default:
			np_pool_put_page_bulk(&page, 1);
			break;
		}
		CHECK_DELTA(pool, &before, .released = 1, .release = 1);
		CHECK_EQ(np_pool_inflight(pool), inflight - 1);
		CHECK(!np_page_is_pp(page));
		CHECK(page->pp == NULL);
		CHECK_EQ(page->dma_addr, 0);
		CHECK_EQ(np_page_ref_count(page), 1);
		/* still ours: readable and writable */
		CHECK_EQ((unsigned char)data[0], 0x5a);
		CHECK_EQ((unsigned char)data[NP_PAGE_SIZE - 1], 0x5a);
		data[100] = 1;
		CHECK_EQ(t_pages_out(prov), out);
		CHECK(np_page_put(page));
		CHECK_EQ(t_pages_out(prov), out - 1);
	}
	CHECK_EQ(np_pool_inflight(pool), idle_pages(pool));
	CHECK_EQ(np_pool_audit(pool), 0);
	np_pool_destroy(pool);
	CHECK_EQ(t_pages_out(prov), 0);
}

/*
 * Take back every page idle in @pool (its cache and its return ring) and park
 * them all in its cache again: each must belong to @pool, no new page may be
 * needed, and every page of @want must be among them.
 */
static void check_idle_set(struct np_pool *pool, struct np_page *const *want, int nwant)
{
	struct np_page *got[NP_POOL_CACHE_SIZE];
	int64_t n = idle_pages(pool);
	uint64_t hold = 0;
	struct np_pool_stats st = { .size = sizeof(st) };

	CHECK(n <= NP_POOL_CACHE_SIZE);
	CHECK_EQ(np_pool_get_stats(pool, &st), 0);
	hold = st.hold;
	for (int64_t i = 0; i < n; i++) {
		got[i] = np_pool_alloc_pages(pool);
		CHECK(got[i]);
		CHECK(got[i]->pp == pool && np_page_is_pp(got[i]));
	}
	CHECK_EQ(idle_pages(pool), 0);
	CHECK_EQ(np_pool_get_stats(pool, &st), 0);
	CHECK_EQ(st.hold, hold);
	for (int k = 0; k < nwant; k++) {
		int64_t i = 0;

		while (i < n && got[i] != want[k])
			i++;
		CHECK(i < n);
	}
	for (int64_t i = 0; i < n; i++)
		np_pool_recycle_direct(pool, got[i]);
	CHECK_EQ(pool->alloc.count, n);
}

#define PER_POOL	50

/* One bulk return of pages of two pools, interleaved. */
static void test_bulk_two_pools(struct np_provider *prov)
{
	struct np_pool_params pp = { .provider = prov, .nid = NP_NUMA_NO_NODE };
	struct np_page *a[PER_POOL], *b[PER_POOL], *mix[2 * PER_POOL];
	struct np_napi_ctx na, nb, *prev;
	struct np_pool *pa, *pb;
	struct counts ba, bb, ca;
	int i;

	np_napi_ctx_init(&na);
	np_napi_ctx_init(&nb);
	pp.napi = &na;
	CHECK_EQ(np_pool_create(&pp, &pa), 0);
	pp.napi = &nb;
	CHECK_EQ(np_pool_create(&pp, &pb), 0);

	for (int round = 0; round < 2; round++) {
		CHECK_EQ(np_pool_alloc_pages_bulk(pa, a, PER_POOL), PER_POOL);
		CHECK_EQ(np_pool_alloc_pages_bulk(pb, b, PER_POOL), PER_POOL);
		for (i = 0; i < PER_POOL; i++) {
			mix[2 * i] = a[i];
			mix[2 * i + 1] = b[i];
		}
		ba = get_counts(pa);
		bb = get_counts(pb);
		if (round == 0) {
			/* from no napi: both into their rings */
			np_pool_put_page_bulk(mix, 2 * PER_POOL);
			CHECK_DELTA(pa, &ba, .ring = PER_POOL);
			CHECK_DELTA(pb, &bb, .ring = PER_POOL);
		} else {
			/* from a's poll: a's pages into a's cache, b's into b's ring */
			prev = np_napi_ctx_enter(&na);
			np_pool_put_page_bulk(mix, 2 * PER_POOL);
			np_napi_ctx_leave(prev);
			ca = get_counts(pa);
			CHECK_EQ(ca.cached - ba.cached + ca.cache_full - ba.cache_full, PER_POOL);
			CHECK_EQ(ca.cache_full - ba.cache_full, ca.ring - ba.ring);
			CHECK_DELTA(pb, &bb, .ring = PER_POOL);
		}
		for (i = 0; i < PER_POOL; i++) {
			CHECK(a[i]->pp == pa && np_page_is_pp(a[i]));
			CHECK(b[i]->pp == pb && np_page_is_pp(b[i]));
		}
		CHECK_EQ(np_pool_inflight(pa), idle_pages(pa));
		CHECK_EQ(np_pool_inflight(pb), idle_pages(pb));
		check_idle_set(pa, a, PER_POOL);
		check_idle_set(pb, b, PER_POOL);
	}

	/* extra pool references keep pages out until the last put */
	CHECK_EQ(np_pool_alloc_pages_bulk(pa, a, PER_POOL), PER_POOL);
	CHECK_EQ(np_pool_alloc_pages_bulk(pb, b, PER_POOL), PER_POOL);
	for (i = 0; i < PER_POOL; i++) {
		mix[2 * i] = a[i];
		mix[2 * i + 1] = b[i];
		if (i % 5 == 0) {
			np_pool_ref_page(a[i]);
			np_pool_ref_page(b[i]);
			np_pool_ref_page(b[i]);
		}
	}
	ba = get_counts(pa);
	bb = get_counts(pb);
	np_pool_put_page_bulk(mix, 2 * PER_POOL);
	CHECK_DELTA(pa, &ba, .ring = PER_POOL - PER_POOL / 5);
	CHECK_DELTA(pb, &bb, .ring = PER_POOL - PER_POOL / 5);
	for (i = 0; i < PER_POOL; i += 5) {
		CHECK(a[i]->pp == pa && b[i]->pp == pb);
		CHECK_EQ(atomic_load(&a[i]->pp_ref_count), 1);
		CHECK_EQ(atomic_load(&b[i]->pp_ref_count), 2);
		/* the page is still the holder's to use */
		memset(np_page_address(a[i]), 1, 64);
		memset(np_page_address(b[i]), 1, 64);
	}
	/* a's last references, and one of b's two */
	for (i = 0; i < PER_POOL / 5; i++) {
		mix[2 * i] = a[5 * i];
		mix[2 * i + 1] = b[5 * i];
	}
	np_pool_put_page_bulk(mix, 2 * (PER_POOL / 5));
	CHECK_DELTA(pa, &ba, .ring = PER_POOL);
	CHECK_DELTA(pb, &bb, .ring = PER_POOL - PER_POOL / 5);
	/* b's last ones, one at a time */
	for (i = 0; i < PER_POOL; i += 5) {
		unsigned queued = np_pool_ring_count(pb);

		CHECK_EQ(atomic_load(&b[i]->pp_ref_count), 1);
		np_pool_put_full_page(pb, b[i], false);
		CHECK_EQ(np_pool_ring_count(pb), queued + 1);
	}
	CHECK_DELTA(pb, &bb, .ring = PER_POOL);

	/* the same single-page rule */
	a[0] = np_pool_alloc_pages(pa);
	CHECK(a[0]);
	np_pool_ref_page(a[0]);
	ba = get_counts(pa);
	np_pool_recycle_direct(pa, a[0]);
	CHECK_DELTA(pa, &ba, .cached = 0);
	CHECK_EQ(atomic_load(&a[0]->pp_ref_count), 1);
	np_pool_recycle_direct(pa, a[0]);
	CHECK_DELTA(pa, &ba, .cached = 1);

	CHECK_EQ(np_pool_inflight(pa), idle_pages(pa));
	CHECK_EQ(np_pool_inflight(pb), idle_pages(pb));
	check_idle_set(pa, a, PER_POOL);
	check_idle_set(pb, b, PER_POOL);
	CHECK_EQ(np_pool_audit(pa), 0);
	CHECK_EQ(np_pool_audit(pb), 0);
	np_pool_destroy(pa);
	np_pool_destroy(pb);
	CHECK_EQ(t_pages_out(prov), 0);
}

int main(void)
{
	struct np_provider *prov;

	np_set_print(t_log_capture);
	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	test_napi_rule(prov);
	test_cache_full(prov);
	test_ring_full(prov);
	test_released(prov);
	test_bulk_two_pools(prov);
	CHECK_EQ(np_provider_destroy(prov), 0);
	return 0;
}
