/* SPDX-License-Identifier: MIT */
/*
 * np_skb_attempt_defer_free(): an skb whose last reference goes on a thread
 * that is not its pool's napi waits on the pool's list and is freed by the
 * owner when its alloc cache runs empty, so its pages come back straight into
 * that cache (recycle.cached, not recycle.ring). Checked: the owner's own
 * free is immediate; a held reference, a non-pool skb, a destroyed pool's
 * skb are freed where they are; 64 wait at most, the rest are refused and
 * counted; a clone and a small head with a pool frag go to the right pool;
 * np_pool_destroy() frees what waits; a netdev's poll frees what waits and a
 * socket-queue read hands its skbs over; two threads (owner building, reader
 * freeing) end with every skb and page back, also when the owner destroys
 * the pool while the reader still frees.
 * Mutations it catches: without the flush in the alloc slow path the list is
 * never taken (test_owner_takes_back: the owner runs its cache dry and the
 * list is still there); without the close in np_pool_destroy() the waiting
 * skbs are never freed (test_destroy_frees: live 11, want 1); without the
 * count bound all 100 wait (test_bound: defer_skbs 100, want 64); without the
 * flush in the netdev's poll the read skbs stay (test_netdev_poll_takes_back).
 */
#include <pthread.h>
#include "testutil.h"

#define FRAME	600u

struct rig {
	struct np_provider *prov;
	struct np_napi_ctx napi;
	struct np_pool *pool;
	uint32_t id;
	int64_t live0;
};

static void rig_init(struct rig *r)
{
	struct np_pool_params pp = { .nid = NP_NUMA_NO_NODE };

	r->live0 = np_skb_live();
	CHECK_EQ(np_provider_create(NULL, &r->prov), 0);
	np_napi_ctx_init(&r->napi);
	pp.provider = r->prov;
	pp.napi = &r->napi;
	pp.pool_size = 1024;
	CHECK_EQ(np_pool_create(&pp, &r->pool), 0);
	r->id = r->pool->id;
}

/* The pool is destroyed by the caller or here; every page back to the provider. */
static void rig_fini(struct rig *r, bool destroy)
{
	np_skb_thread_flush();
	if (destroy)
		np_pool_destroy(r->pool);
	CHECK(t_wait_pool_freed(r->id, 10000));
	CHECK_EQ(np_skb_live(), r->live0);
	CHECK_EQ(t_pages_out(r->prov), 0);
	CHECK_EQ(np_provider_destroy(r->prov), 0);
}

/* A received frame of @len bytes on a page of @pool, as a driver builds it (in the pool's napi). */
static struct np_skb *rx_skb_on(struct np_pool *pool, uint32_t len)
{
	struct np_page *page = np_pool_alloc_pages(pool);
	struct np_skb *skb;

	CHECK(page);
	skb = np_build_skb(np_page_address(page), NP_PAGE_SIZE);
	CHECK(skb);
	np_skb_reserve(skb, 64);
	CHECK(np_skb_put(skb, len));
	np_skb_mark_for_recycle(skb);
	return skb;
}

/* A received frame, inside the owner's napi. */
static struct np_skb *rx_skb(struct rig *r)
{
	struct np_napi_ctx *prev = np_napi_ctx_enter(&r->napi);
	struct np_skb *skb = rx_skb_on(r->pool, FRAME);

	np_napi_ctx_leave(prev);
	return skb;
}

/*
 * The owner allocates until its slow path took the list (the cache runs
 * empty first), then gives the pages back. Return: the stats just after the
 * list was taken, before the pages went back.
 */
static struct np_pool_stats owner_takes_back(struct rig *r)
{
	static struct np_page *held[4096];
	struct np_napi_ctx *prev = np_napi_ctx_enter(&r->napi);
	struct np_pool_stats st;
	unsigned int n = 0;

	while (atomic_load(&r->pool->defer_list) && n < NP_ARRAY_SIZE(held)) {
		held[n] = np_pool_alloc_pages(r->pool);
		CHECK(held[n]);
		n++;
	}
	CHECK(!atomic_load(&r->pool->defer_list));
	st = t_pool_stats(r->pool);
	while (n)
		np_pool_recycle_direct(r->pool, held[--n]);
	np_napi_ctx_leave(prev);
	return st;
}

static void test_owner_takes_back(void)
{
	struct np_skb *skbs[16];
	struct np_pool_stats st0, st;
	struct rig r;

	rig_init(&r);
	for (unsigned int i = 0; i < 16; i++)
		skbs[i] = rx_skb(&r);
	st0 = t_pool_stats(r.pool);
	/* outside the napi: handed over, nothing freed yet */
	for (unsigned int i = 0; i < 16; i++)
		np_skb_attempt_defer_free(skbs[i]);
	st = t_pool_stats(r.pool);
	CHECK_EQ(st.defer_skbs - st0.defer_skbs, 16);
	CHECK_EQ(st.defer_refused, 0);
	CHECK_EQ(np_skb_live(), r.live0 + 16);
	CHECK_EQ(st.inflight, st0.inflight);
	st = owner_takes_back(&r);
	/* every page straight into the cache, none through the ring */
	CHECK_EQ(st.recycle.cached - st0.recycle.cached, 16);
	CHECK_EQ(st.recycle.ring, st0.recycle.ring);
	CHECK_EQ(np_skb_live(), r.live0);
	rig_fini(&r, true);
}

static void test_freed_here(void)
{
	struct np_pool_stats st0, st;
	struct np_napi_ctx *prev;
	struct np_skb *skb;
	struct rig r;

	rig_init(&r);
	st0 = t_pool_stats(r.pool);
	/* the owner itself: freed at once, the page into the cache */
	skb = rx_skb(&r);
	prev = np_napi_ctx_enter(&r.napi);
	np_skb_attempt_defer_free(skb);
	np_napi_ctx_leave(prev);
	st = t_pool_stats(r.pool);
	CHECK_EQ(st.defer_skbs, st0.defer_skbs);
	CHECK_EQ(st.recycle.cached - st0.recycle.cached, 1);
	CHECK_EQ(np_skb_live(), r.live0);

	/* a reference still held: only that reference goes */
	skb = np_skb_get(rx_skb(&r));
	np_skb_attempt_defer_free(skb);
	CHECK_EQ(atomic_load(&skb->users), 1);
	CHECK_EQ(t_pool_stats(r.pool).defer_skbs, st0.defer_skbs);
	np_skb_attempt_defer_free(skb);
	CHECK_EQ(t_pool_stats(r.pool).defer_skbs, st0.defer_skbs + 1);

	/* no pool page: freed where it is */
	skb = np_alloc_skb(200);
	CHECK(skb);
	np_skb_attempt_defer_free(skb);
	CHECK_EQ(t_pool_stats(r.pool).defer_skbs, st0.defer_skbs + 1);
	CHECK_EQ(np_skb_live(), r.live0 + 1);
	np_skb_attempt_defer_free(NULL);

	/* a pool page only as a frag of a small head: that pool's owner */
	skb = np_alloc_skb(128);
	CHECK(skb);
	prev = np_napi_ctx_enter(&r.napi);
	{
		struct np_page *page = np_pool_alloc_pages(r.pool);

		CHECK(page);
		np_skb_add_rx_frag(skb, 0, page, 0, FRAME, NP_PAGE_SIZE);
	}
	np_napi_ctx_leave(prev);
	np_skb_mark_for_recycle(skb);
	np_skb_attempt_defer_free(skb);
	CHECK_EQ(t_pool_stats(r.pool).defer_skbs, st0.defer_skbs + 2);

	/* a clone whose original the owner freed: the clone holds the last share */
	skb = rx_skb(&r);
	{
		struct np_skb *c;

		prev = np_napi_ctx_enter(&r.napi);
		c = np_skb_clone(skb);
		CHECK(c);
		np_consume_skb(skb);
		np_napi_ctx_leave(prev);
		np_skb_attempt_defer_free(c);
	}
	st = t_pool_stats(r.pool);
	CHECK_EQ(st.defer_skbs, st0.defer_skbs + 3);
	CHECK_EQ(np_skb_live(), r.live0 + 3);
	st0 = st;
	st = owner_takes_back(&r);
	CHECK_EQ(st.recycle.cached - st0.recycle.cached, 3);
	CHECK_EQ(st.recycle.ring, st0.recycle.ring);
	CHECK_EQ(np_skb_live(), r.live0);
	rig_fini(&r, true);
}

static void test_bound(void)
{
	struct np_skb *skbs[100];
	struct np_pool_stats st0, st;
	struct rig r;

	rig_init(&r);
	for (unsigned int i = 0; i < 100; i++)
		skbs[i] = rx_skb(&r);
	st0 = t_pool_stats(r.pool);
	for (unsigned int i = 0; i < 100; i++)
		np_skb_attempt_defer_free(skbs[i]);
	st = t_pool_stats(r.pool);
	CHECK_EQ(st.defer_skbs - st0.defer_skbs, 64);
	CHECK_EQ(st.defer_refused - st0.defer_refused, 36);
	/* the refused ones were freed here: their pages through the ring */
	CHECK_EQ(st.recycle.ring - st0.recycle.ring, 36);
	CHECK_EQ(np_skb_live(), r.live0 + 64);
	CHECK_EQ(atomic_load(&r.pool->defer_count), 64);
	st = owner_takes_back(&r);
	CHECK_EQ(atomic_load(&r.pool->defer_count), 0);
	CHECK_EQ(np_skb_live(), r.live0);
	rig_fini(&r, true);
}

static void test_destroy_frees(void)
{
	struct np_pool_stats st;
	struct np_skb *late;
	struct rig r;

	rig_init(&r);
	for (unsigned int i = 0; i < 10; i++)
		np_skb_attempt_defer_free(rx_skb(&r));
	late = rx_skb(&r);
	CHECK_EQ(np_skb_live(), r.live0 + 11);
	np_pool_destroy(r.pool);
	/* the ten that waited are freed by the destroy */
	CHECK_EQ(np_skb_live(), r.live0 + 1);
	/* a destroyed pool takes no more: freed here, the page released */
	np_skb_attempt_defer_free(late);
	CHECK_EQ(np_skb_live(), r.live0);
	CHECK(t_wait_pool_freed(r.id, 10000));
	(void)st;
	rig_fini(&r, false);
}

/*
 * A netdev's poll takes back what waits before its driver polls (the pool's
 * cache is not empty, so only that poll can have freed them), and a socket
 * queue read outside the napi hands its skbs over.
 */
static void test_netdev_poll_takes_back(void)
{
	struct np_vnic_params vp = { .ring_size = 64 };
	struct np_pool_stats st0, st;
	struct np_napi_ctx *prev;
	struct np_netdev *dev;
	struct np_sockq q;
	struct np_pool *pool;
	int64_t live0 = np_skb_live(), queued;
	uint32_t id;

	CHECK_EQ(np_vnic_create(&vp, &dev), 0);
	CHECK_EQ(np_netdev_open(dev), 0);
	pool = dev->q[0].pool;
	id = pool->id;
	CHECK_EQ(np_sockq_init(&q, 1 << 20), 0);
	prev = np_napi_ctx_enter(&dev->q[0].napi.ctx);
	for (unsigned int i = 0; i < 8; i++)
		CHECK_EQ(np_sockq_queue(&q, rx_skb_on(pool, 100)), 0);
	np_napi_ctx_leave(prev);
	CHECK(pool->alloc.count > 0);
	st0 = t_pool_stats(pool);
	/* the queue coalesces (copies small frames into the first): fewer skbs than frames */
	queued = np_skb_live() - live0;
	CHECK(queued >= 1);
	/* the reader, outside the napi: every skb read is handed over, none freed */
	CHECK_EQ(np_sockq_read(&q, NULL, (size_t)-1), 800);
	st = t_pool_stats(pool);
	CHECK_EQ(st.defer_skbs - st0.defer_skbs, queued);
	CHECK_EQ(np_skb_live(), live0 + queued);
	/* the owner's next poll: the pages the read skbs held straight into the cache */
	np_netdev_poll(dev, 0);
	st = t_pool_stats(pool);
	CHECK(!atomic_load(&pool->defer_list));
	CHECK_EQ(np_skb_live(), live0);
	CHECK(st.recycle.cached - st0.recycle.cached >= (uint64_t)queued);
	CHECK_EQ(st.recycle.ring, st0.recycle.ring);
	np_sockq_purge(&q);
	np_netdev_close(dev);
	np_netdev_destroy(dev);
	CHECK(t_wait_pool_freed(id, 10000));
}

/* ---- two threads: the owner builds, a reader frees ---- */

#define HANDOFF	128u	/* the owner at most this far ahead of the reader */

struct handoff {
	struct rig *r;
	struct np_skb *slots[HANDOFF];
	_Atomic unsigned long prod, cons;
	atomic_bool go, done;
	unsigned long freed;
};

static void *reader_main(void *arg)
{
	struct handoff *h = arg;

	while (!atomic_load(&h->go))
		sched_yield();
	for (;;) {
		unsigned long c = atomic_load_explicit(&h->cons, memory_order_relaxed);
		unsigned long p = atomic_load_explicit(&h->prod, memory_order_acquire);

		if (c == p) {
			if (atomic_load(&h->done) &&
			    c == atomic_load_explicit(&h->prod, memory_order_acquire))
				break;
			sched_yield();
			continue;
		}
		np_skb_attempt_defer_free(h->slots[c % HANDOFF]);
		h->freed++;
		atomic_store_explicit(&h->cons, c + 1, memory_order_release);
	}
	np_skb_thread_flush();
	return NULL;
}

static void handoff_put(struct handoff *h, struct np_skb *skb)
{
	unsigned long p = atomic_load_explicit(&h->prod, memory_order_relaxed);

	while (p - atomic_load_explicit(&h->cons, memory_order_acquire) >= HANDOFF)
		sched_yield();
	h->slots[p % HANDOFF] = skb;
	atomic_store_explicit(&h->prod, p + 1, memory_order_release);
}

static unsigned int race_runs, race_handed;

/*
 * @destroy_early: the owner fills the handoff before the reader starts and
 * destroys the pool as it starts, so the reader's frees race the destroy.
 */
static void run_threads(unsigned long packets, bool destroy_early, unsigned int spins)
{
	static struct handoff h;
	struct np_pool_stats st;
	pthread_t t;
	struct rig r;

	rig_init(&r);
	memset(&h, 0, sizeof(h));
	h.r = &r;
	CHECK_EQ(pthread_create(&t, NULL, reader_main, &h), 0);
	if (!destroy_early)
		atomic_store(&h.go, true);
	CHECK(!destroy_early || packets < HANDOFF);
	for (unsigned long i = 0; i < packets; i++) {
		/* a poll's worth of packets, then the flush a netdev's poll does */
		if (!destroy_early && i % NP_NAPI_WEIGHT == 0) {
			struct np_napi_ctx *prev = np_napi_ctx_enter(&r.napi);

			np_pool_flush_deferred(r.pool);
			np_napi_ctx_leave(prev);
		}
		handoff_put(&h, rx_skb(&r));
	}
	st = t_pool_stats(r.pool);
	if (destroy_early) {
		/* a page of its own keeps the destroyed pool readable until the end */
		struct np_page *anchor = np_pool_alloc_pages(r.pool);

		CHECK(anchor);
		atomic_store(&h.go, true);
		for (unsigned int spin = 0; spin < spins; spin++)
			np_cpu_relax();
		np_pool_destroy(r.pool);
		atomic_store(&h.done, true);
		CHECK_EQ(pthread_join(t, NULL), 0);
		st = t_pool_stats(r.pool);
		CHECK_EQ(st.defer_skbs + st.defer_refused <= packets, 1);
		np_pool_put_full_page(r.pool, anchor, false);
	} else {
		atomic_store(&h.done, true);
		CHECK_EQ(pthread_join(t, NULL), 0);
		st = t_pool_stats(r.pool);
		CHECK(st.defer_skbs > 0);
		owner_takes_back(&r);
		np_pool_destroy(r.pool);
	}
	CHECK_EQ(h.freed, packets);
	if (destroy_early) {
		race_runs++;
		race_handed += st.defer_skbs > 0;
	} else {
		printf("owner and reader: %lu skbs, %llu handed to the owner, %llu refused\n",
		       packets, (unsigned long long)st.defer_skbs,
		       (unsigned long long)st.defer_refused);
	}
	rig_fini(&r, false);
}

int main(void)
{
	unsigned long packets = t_env_ul("NP_TEST_DEFER_PACKETS", 200000);

	np_set_print(t_log_capture);
	test_owner_takes_back();
	test_freed_here();
	test_bound();
	test_destroy_frees();
	test_netdev_poll_takes_back();
	run_threads(packets, false, 0);
	/* the destroy at a spread of points in the reader's backlog */
	for (unsigned int i = 0; i < 50; i++)
		run_threads(HANDOFF - 8, true, i * 400);
	printf("destroy while the reader frees: %u runs, %u with skbs handed over before the "
	       "destroy\n", race_runs, race_handed);
	return 0;
}
