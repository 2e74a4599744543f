/* SPDX-License-Identifier: MIT */
/*
 * netpool/stats.h - page_pool statistics with the kernel's counter names.
 *
 * The allocation counters and the direct-recycle counters have one writer,
 * the pool's owner; the ring counters and releases are written by any thread
 * and never lost. A snapshot is taken with np_pool_get_stats(); the caller
 * sets .size so the struct can grow without breaking old callers.
 */
#ifndef NETPOOL_STATS_H
#define NETPOOL_STATS_H

#include <stdio.h>
#include "compiler.h"

NP_EXTERN_C_BEGIN

#define NP_POOL_STATS_VERSION	2

struct np_pool_alloc_stats {
	uint64_t fast;			/* served from the alloc cache */
	uint64_t slow;			/* slow-path order-0 bulk allocations */
	uint64_t slow_high_order;	/* slow-path high-order allocations */
	uint64_t empty;			/* refill found the return ring empty */
	uint64_t refill;		/* allocations served after a ring refill */
	uint64_t waive;			/* pages from the ring released for a wrong node */
};

struct np_pool_recycle_stats {
	uint64_t cached;		/* recycled into the alloc cache */
	uint64_t cache_full;		/* direct recycle found the cache full */
	uint64_t ring;			/* recycled into the return ring */
	uint64_t ring_full;		/* ring full: page released */
	uint64_t released_refcnt;	/* page still referenced (or reserve): released */
};

struct np_pool_stats {
	uint32_t size;			/* set by the caller: sizeof(struct np_pool_stats) */
	uint32_t version;		/* set by the library */
	struct np_pool_alloc_stats alloc;
	struct np_pool_recycle_stats recycle;
	uint64_t hold;			/* pages that entered the pool */
	uint64_t release;		/* pages that left it */
	int64_t inflight;		/* hold - release */
	/* version 2 */
	uint64_t defer_skbs;		/* skbs freed elsewhere, handed to the owner to free */
	uint64_t defer_refused;		/* not handed: the owner's list full, or the pool destroyed */
};

/* Version 1 ends with inflight; later versions only append. */
#define NP_POOL_STATS_V1_SIZE \
	(offsetof(struct np_pool_stats, inflight) + sizeof(int64_t))

struct np_pool;

/**
 * np_pool_get_stats() - snapshot @pool's counters into @st.
 * @pool: the pool.
 * @st: st->size set by the caller; min(size, this library's struct) is filled,
 *   so callers built against an older or newer struct both work.
 * Context: any thread, while the pool is alive (a destroyed pool may be freed as
 * soon as its last page comes back; np_pool_get_stats_by_id() is safe then). No
 * lock: each counter is read atomically, the set is not one instant.
 * Return: 0, or -EINVAL (@pool or @st NULL, @st->size below
 * NP_POOL_STATS_V1_SIZE; @st untouched).
 */
NP_API int np_pool_get_stats(struct np_pool *pool, struct np_pool_stats *st);

/** np_pool_stats_names - "alloc_fast", ... in the order of np_pool_stats_values(). */
extern NP_API const char *const np_pool_stats_names[];
#define NP_POOL_STATS_NR 16
#define NP_POOL_STATS_V1_NR 14		/* the counters of a version-1 struct */
/**
 * np_pool_stats_values() - the counters of @st as a flat array in name order.
 * @st: a snapshot from np_pool_get_stats().
 * @out: NP_POOL_STATS_NR values, in the order of np_pool_stats_names; for an @st
 *   whose size is version 1's, the first NP_POOL_STATS_V1_NR only (a caller built
 *   against version 1 has room for no more). np_pool_stats_dump() and
 *   np_pool_stats_json() print as many.
 * Context: any thread; pure.
 * Return: 0, or -EINVAL (@st or @out NULL).
 */
NP_API int np_pool_stats_values(const struct np_pool_stats *st, int64_t out[NP_POOL_STATS_NR]);

/**
 * np_pool_stats_dump() - one "name value" line per counter.
 * @f: the stream.
 * @st: a snapshot from np_pool_get_stats().
 * Context: any thread (stdio locks @f).
 * Return: 0 (output errors are left in ferror(@f)), -EINVAL (@f or @st NULL; nothing
 * written).
 */
NP_API int np_pool_stats_dump(FILE *f, const struct np_pool_stats *st);
/**
 * np_pool_stats_json() - one JSON object on one line (no newline).
 * @f: the stream.
 * @st: a snapshot from np_pool_get_stats().
 * Context: any thread (stdio locks @f).
 * Return: 0 (output errors are left in ferror(@f)), -EINVAL (@f or @st NULL;
 * nothing written).
 */
NP_API int np_pool_stats_json(FILE *f, const struct np_pool_stats *st);

NP_EXTERN_C_END

#endif /* NETPOOL_STATS_H */
