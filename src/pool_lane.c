/* SPDX-License-Identifier: MIT */
/*
 * Per-thread return lanes.
 *
 * A page returned from outside the owning napi must reach the owner. The
 * shared ring takes any thread but costs every producer a compare-and-swap.
 * So a returning thread claims a lane of its own in the pool (once, with one
 * CAS): a single-producer, single-consumer ring where producing is a plain
 * store and a release store. The owner drains the shared ring and then the
 * claimed lanes, round robin, when it refills. A thread that finds no free
 * lane, or its lane full, uses the shared ring. The lanes and the ring
 * together are "the return ring" of the kernel's design: the same pages,
 * the same owner, the same destroy-time draining.
 *
 * A thread remembers its lanes in a small thread-local table keyed by pool
 * address and pool id (ids are never reused, so a pool freed and another
 * created at the same address is not confused with it). When the thread
 * exits, pool_user.c hands its lanes back to the pools still registered.
 */
#include <stdlib.h>
#include <string.h>
#include "pool_priv.h"

_Thread_local struct np_lane_ref np_tls_lanes[NP_TLS_LANES];
static _Thread_local char np_tls_token;

int np_pool_lanes_init(struct np_pool *pool, unsigned ring_size)
{
	size_t bytes = NP_POOL_LANES * sizeof(struct np_pool_lane);

	pool->lanes = np_pool_mem_alloc(bytes);
	if (!pool->lanes)
		return -ENOMEM;
	pool->lane_mask = NP_MIN(ring_size, NP_POOL_LANE_SIZE) - 1;
	return 0;
}

void np_pool_lanes_free(struct np_pool *pool)
{
	np_pool_mem_free(pool->lanes, NP_POOL_LANES * sizeof(struct np_pool_lane));
	pool->lanes = NULL;
}

static struct np_pool_lane *np_lane_claim(struct np_pool *pool)
{
	uint64_t token = (uint64_t)(uintptr_t)&np_tls_token;

	np_pool_lanes_track_thread(&np_tls_token);	/* handed back when the thread exits */
	for (unsigned i = 0; i < NP_POOL_LANES; i++) {
		struct np_pool_lane *lane = &pool->lanes[i];
		uint64_t expect = 0;

		if (atomic_load_explicit(&lane->owner, memory_order_relaxed))
			continue;
		if (atomic_compare_exchange_strong_explicit(&lane->owner, &expect, token,
							    memory_order_acquire,
							    memory_order_relaxed)) {
			atomic_fetch_or_explicit(&pool->lanes_used, 1u << i, memory_order_release);
			return lane;
		}
	}
	return NULL;
}

struct np_pool_lane *np_pool_lane_lookup_slow(struct np_pool *pool, struct np_lane_ref *ref)
{
	uint64_t token = (uint64_t)(uintptr_t)&np_tls_token;
	struct np_pool_lane *lane = NULL;

	/*
	 * The entry held another pool (whose lane stays ours: that pool may be
	 * gone, so it is not touched). This thread may already own a lane here
	 * from before the entry was replaced: find it rather than claim another.
	 */
	for (unsigned i = 0; i < NP_POOL_LANES && !lane; i++)
		if (atomic_load_explicit(&pool->lanes[i].owner, memory_order_relaxed) == token)
			lane = &pool->lanes[i];
	ref->pool = pool;
	ref->id = pool->id;
	ref->lane = lane ? lane : np_lane_claim(pool);
	return ref->lane;
}

static unsigned np_lane_consume(struct np_pool *pool, struct np_pool_lane *lane,
				struct np_page **pages, unsigned max)
{
	uint64_t cons = atomic_load_explicit(&lane->cons, memory_order_relaxed);
	uint64_t avail = lane->prod_cache - cons;
	unsigned i, n;

	if (avail < max) {
		lane->prod_cache = atomic_load_explicit(&lane->prod, memory_order_acquire);
		avail = lane->prod_cache - cons;
	}
	n = (unsigned)NP_MIN(avail, (uint64_t)max);
	for (i = 0; i < n; i++)
		pages[i] = lane->slots[(cons + i) & pool->lane_mask];
	if (n)
		atomic_store_explicit(&lane->cons, cons + n, memory_order_release);
	return n;
}

unsigned np_pool_returns_consume(struct np_pool *pool, struct np_page **pages, unsigned max)
{
	unsigned n = np_ring_consume_bulk(&pool->ring, (void **)pages, max);
	uint32_t used = atomic_load_explicit(&pool->lanes_used, memory_order_acquire);

	for (unsigned k = 0; used && k < NP_POOL_LANES && n < max; k++) {
		unsigned i = (pool->lane_next + k) % NP_POOL_LANES;

		if (used & (1u << i))
			n += np_lane_consume(pool, &pool->lanes[i], pages + n, max - n);
	}
	pool->lane_next = (pool->lane_next + 1) % NP_POOL_LANES;
	return n;
}

unsigned np_pool_ring_count(struct np_pool *pool)
{
	unsigned n;

	if (!pool)
		return 0;
	n = np_ring_count(&pool->ring);

	for (unsigned i = 0; i < NP_POOL_LANES; i++) {
		struct np_pool_lane *lane = &pool->lanes[i];
		uint64_t cons = atomic_load_explicit(&lane->cons, memory_order_acquire);
		uint64_t prod = atomic_load_explicit(&lane->prod, memory_order_acquire);

		n += (unsigned)(prod - cons);	/* cons first: never ahead of prod */
	}
	return n;
}
