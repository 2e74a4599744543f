/* SPDX-License-Identifier: MIT */
/* page_pool state private to the pool's files: pool.c, pool_lane.c, pool_user.c, pool_dma.c, pool_mem.c. */
#ifndef NETPOOL_POOL_PRIV_H
#define NETPOOL_POOL_PRIV_H

#include <string.h>
#include "internal.h"
#include "netpool/pool.h"
#include "netpool/fault.h"
#include "netpool/poison.h"
#include "netpool/stats.h"

/* pp_ref_count charged on a fresh fragment page; returned in one go on drain */
#define NP_POOL_FRAG_BIAS	(LONG_MAX >> 1)

struct np_pool_priv {
	/* DMA mapping table: every page this pool has mapped and not unmapped */
	pthread_mutex_t dma_lock;
	struct np_page **dma_slots;
	uint32_t *dma_free;
	uint32_t dma_cap;
	uint32_t dma_used;	/* slots ever used (high-water mark) */
	uint32_t dma_nfree;
	uint32_t dma_live;

	char name[32];
	/* the owner (registry lock): cleared, and orphaned set, by np_pool_unreg_owner() */
	int ifindex;
	char ifname[32];
	bool orphaned;
	unsigned int queue;

	/* registry of live and waiting pools */
	struct np_pool *reg_next, *reg_prev;

	/* deferred destruction */
	struct np_pool *defer_next;
	np_atomic_u64 detach_time_ns;	/* read by introspection on any thread */
	uint64_t last_warn_ns;		/* last warning, or last progress */
	uint64_t last_release;		/* release_cnt at the last look */
	np_atomic_int broken;
};

/*
 * The pool's files call one way: pool.c -> pool_lane.c -> pool_user.c ->
 * pool_dma.c -> pool_mem.c (scripts/check-layers.sh holds it). What they
 * share is declared here by file; the inline helpers below are shared by
 * every one of them.
 */

/* pool_mem.c */
void *np_pool_mem_alloc(size_t size);		/* zeroed, cache-line aligned */
void np_pool_mem_free(void *mem, size_t size);	/* debug builds: quarantined, unreadable */

/* pool_dma.c */
int np_pool_dma_track(struct np_pool *pool, struct np_page **pages, unsigned n);
void np_pool_dma_unmap(struct np_pool *pool, struct np_page *page);
void np_pool_unmap_all(struct np_pool *pool);

/* pool.c */
void np_pool_return_page(struct np_pool *pool, struct np_page *page);
void np_pool_drain_frag(struct np_pool *pool);

struct np_pool_lane {
	/* the producing thread */
	NP_CACHE_ALIGNED np_atomic_u64 prod;
	uint64_t cons_cache;
	np_atomic_u64 owner;		/* claiming thread's token, 0 when free */
	/* the consumer */
	NP_CACHE_ALIGNED np_atomic_u64 cons;
	uint64_t prod_cache;
	NP_CACHE_ALIGNED void *slots[NP_POOL_LANE_SIZE];
};

#define NP_TLS_LANES 4

struct np_lane_ref {
	struct np_pool *pool;
	uint32_t id;
	struct np_pool_lane *lane;	/* NULL: no lane free, use the ring */
};

/* pool_lane.c */
extern _Thread_local struct np_lane_ref np_tls_lanes[NP_TLS_LANES];
struct np_pool_lane *np_pool_lane_lookup_slow(struct np_pool *pool, struct np_lane_ref *ref);

/* This thread's lane in @pool, claimed on first use; NULL when none is free. */
static inline struct np_pool_lane *np_pool_lane_get(struct np_pool *pool)
{
	struct np_lane_ref *ref = &np_tls_lanes[((uintptr_t)pool >> 6) & (NP_TLS_LANES - 1)];

	if (np_likely(ref->pool == pool && ref->id == pool->id))
		return ref->lane;
	return np_pool_lane_lookup_slow(pool, ref);
}

/*
 * Up to @n pages into this thread's lane (claimed on first use).
 * Return: how many went in; 0 when there is no lane or it is full.
 */
NP_INLINE unsigned np_pool_lane_produce(struct np_pool *pool,
						      struct np_page **pages, unsigned n)
{
	struct np_pool_lane *lane = np_pool_lane_get(pool);
	uint64_t prod, room;
	unsigned i;

	if (np_unlikely(!lane))
		return 0;
	prod = atomic_load_explicit(&lane->prod, memory_order_relaxed);
	room = pool->lane_mask + 1 - (prod - lane->cons_cache);
	if (np_unlikely(room < n)) {
		lane->cons_cache = atomic_load_explicit(&lane->cons, memory_order_acquire);
		room = pool->lane_mask + 1 - (prod - lane->cons_cache);
		if (room < n)
			n = (unsigned)room;
		if (!n)
			return 0;
	}
	for (i = 0; i < n; i++)
		lane->slots[(prod + i) & pool->lane_mask] = pages[i];
	atomic_store_explicit(&lane->prod, prod + n, memory_order_release);
	return n;	/* the pool may be gone from here on */
}

/*
 * One page into this thread's lane (the ring path's common case, kept free
 * of the bulk loop so a single put needs few registers).
 * Return: false when there is no lane or it is full.
 */
NP_INLINE bool np_pool_lane_put_one(struct np_pool *pool, struct np_page *page)
{
	struct np_pool_lane *lane = np_pool_lane_get(pool);
	uint64_t prod;

	if (np_unlikely(!lane))
		return false;
	prod = atomic_load_explicit(&lane->prod, memory_order_relaxed);
	if (np_unlikely(prod - lane->cons_cache > pool->lane_mask)) {
		lane->cons_cache = atomic_load_explicit(&lane->cons, memory_order_acquire);
		if (prod - lane->cons_cache > pool->lane_mask)
			return false;
	}
	lane->slots[prod & pool->lane_mask] = page;
	atomic_store_explicit(&lane->prod, prod + 1, memory_order_release);
	return true;	/* the pool may be gone from here on */
}

/* pool_lane.c */
int np_pool_lanes_init(struct np_pool *pool, unsigned ring_size);
void np_pool_lanes_free(struct np_pool *pool);
unsigned np_pool_returns_consume(struct np_pool *pool, struct np_page **pages, unsigned max);

/*
 * pool_user.c: the registry (np_pool_free() unlists a pool, its counters
 * into its owner's tally), and the hand-back of a thread's lanes when it
 * exits (pool_lane.c names the thread's token once it holds a lane).
 */
int np_pool_registry_add(struct np_pool *pool);
void np_pool_registry_del(struct np_pool *pool);
void np_pool_lanes_track_thread(const void *token);

/* Pages ever produced into @pool's lanes (its share of recycle.ring). */
static inline uint64_t np_pool_lanes_produced(struct np_pool *pool)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < NP_POOL_LANES; i++)
		sum += atomic_load_explicit(&pool->lanes[i].prod, memory_order_relaxed);
	return sum;
}

/* Hand back every lane of @pool that @token owns (a thread that exits). */
static inline void np_pool_lanes_release_owned(struct np_pool *pool, uint64_t token)
{
	for (unsigned i = 0; i < NP_POOL_LANES; i++)
		if (atomic_load_explicit(&pool->lanes[i].owner, memory_order_relaxed) == token)
			atomic_store_explicit(&pool->lanes[i].owner, 0, memory_order_release);
}

/* This thread's table of lanes forgotten: a later put looks its lane up again. */
static inline void np_pool_lanes_forget_thread(void)
{
	memset(np_tls_lanes, 0, sizeof(np_tls_lanes));
}

/* Busy again, then out of the pool: for pages taken back from cache, ring or lane. */
static inline void np_pool_release_idle(struct np_pool *pool, struct np_page *page)
{
	np_pool_page_busy(page);
	np_pool_return_page(pool, page);
}

static inline int64_t np_pool_inflight_raw(struct np_pool *pool)
{
	uint64_t release = atomic_load_explicit(&pool->release_cnt, memory_order_acquire);
	uint64_t hold = np_stat_read(pool->hold_cnt);

	return (int64_t)(hold - release);
}

#endif /* NETPOOL_POOL_PRIV_H */
