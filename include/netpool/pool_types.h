/* SPDX-License-Identifier: MIT */
/*
 * netpool/pool_types.h - the page_pool object and its parameters.
 *
 * Layout by writer: the read-mostly line every returning thread reads, the
 * owner-only alloc cache, the owner's fragment state and counters, the return
 * ring (producer and consumer lines apart), and the counters any thread
 * writes. Helpers and the API are in pool.h.
 */
#ifndef NETPOOL_POOL_TYPES_H
#define NETPOOL_POOL_TYPES_H

#include "compiler.h"
#include "atomic.h"
#include "page.h"
#include "dma.h"
#include "ring.h"
#include "napi_ctx.h"

NP_EXTERN_C_BEGIN

#define NP_POOL_CACHE_SIZE	128	/* alloc cache entries */
#define NP_POOL_CACHE_REFILL	64	/* pages moved per refill or slow-path bulk */
#define NP_POOL_SIZE_DEFAULT	1024	/* return ring size when params give 0 */
#define NP_POOL_SIZE_MAX	16384
#define NP_POOL_FRAG_ALIGN	64	/* fragments start on a cache line */

/* np_pool_params.flags */
#define NP_POOL_F_DMA_MAP	0x1u	/* the pool maps each page once per page life */
#define NP_POOL_F_DMA_SYNC_DEV	0x2u	/* the pool syncs for device on recycle (needs max_len) */
#define NP_POOL_F_ALL		(NP_POOL_F_DMA_MAP | NP_POOL_F_DMA_SYNC_DEV)

/* dma_sync_size meaning "up to max_len" */
#define NP_POOL_SYNC_FULL	(~0u)

struct np_pool_params {
	unsigned int flags;		/* NP_POOL_F_* */
	unsigned int order;		/* page order, 0..NP_PAGE_MAX_ORDER */
	unsigned int pool_size;		/* return ring size; 0: 1024; capped at 16384 */
	int nid;			/* preferred node; NP_NUMA_NO_NODE: the caller's */
	struct np_dma_dev *dma;		/* required with NP_POOL_F_DMA_MAP */
	enum np_dma_dir dma_dir;	/* FROM_DEVICE or BIDIRECTIONAL */
	unsigned int max_len;		/* bytes the device may write (DMA_SYNC_DEV) */
	unsigned int offset;		/* where the device starts writing */
	struct np_napi_ctx *napi;	/* owning napi, or NULL */
	struct np_provider *provider;	/* NULL: np_provider_default() */
	const char *name;		/* for introspection; copied */
	/*
	 * The owner, for introspection: a netdev's index and name (the pool
	 * layer knows nothing else of it). 0 / NULL: none. Copied; the owner
	 * lets go with np_pool_unreg_owner().
	 */
	int ifindex;
	const char *ifname;
	unsigned int queue;		/* for introspection */
};

struct np_pool_priv;
struct np_pool_lane;

#define NP_POOL_LANES		8	/* per-thread return lanes */
#define NP_POOL_LANE_SIZE	256	/* at most; never more than the ring size */

struct np_pool {
	/* read-mostly: read by every thread that returns a page */
	NP_CACHE_ALIGNED unsigned int flags;
	unsigned int order;
	unsigned int max_len;
	unsigned int offset;
	enum np_dma_dir dma_dir;
	int nid;
	struct np_dma_dev *dma;
	NP_ATOMIC(struct np_napi_ctx *) napi;	/* NULL once detached */
	np_atomic_int destroyed;
	np_atomic_int detached;			/* no direct recycling, even if asked */
	bool dma_sync;			/* DMA_SYNC_DEV and the device needs syncs */
	uint32_t id;
	struct np_provider *provider;
	struct np_pool_priv *priv;		/* slow-path state (src/pool_priv.h) */
	struct np_pool_lane *lanes;		/* NP_POOL_LANES single-producer lanes */
	np_atomic_u32 lanes_used;		/* bit per lane ever claimed */
	uint32_t lane_mask;

	/* owner only: the lockless alloc cache, LIFO */
	NP_CACHE_ALIGNED struct {
		uint32_t count;
		struct np_page *cache[NP_POOL_CACHE_SIZE];
	} alloc;

	/* owner only: fragment state and counters others may read */
	NP_CACHE_ALIGNED struct np_page *frag_page;
	unsigned int frag_offset;
	unsigned int lane_next;			/* next lane the refill looks at */
	long frag_users;
	np_stat_t hold_cnt;
	struct {
		np_stat_t fast, slow, slow_high_order, empty, refill, waive;
		np_stat_t cached, cache_full;
	} napi_stats;	/* written by the owning napi only */

	/* the return ring: any thread produces, the owner consumes */
	struct np_ring ring;

	/* written by any thread */
	NP_CACHE_ALIGNED np_atomic_u64 release_cnt;
	np_atomic_u64 ring_full;
	np_atomic_u64 released_refcnt;

	/*
	 * Objects (skbs) whose last reference went on another thread, waiting
	 * for the owner to free them (np_skb_attempt_defer_free()): a list
	 * linked through each object's first word, NP_POOL_DEFER_CLOSED once
	 * the pool is destroyed. Any thread pushes; the owner takes them all.
	 */
	NP_CACHE_ALIGNED NP_ATOMIC(void *) defer_list;
	np_atomic_int defer_count;		/* pushed and not yet taken */
	np_atomic_u64 defer_in;			/* objects accepted */
	np_atomic_u64 defer_refused;		/* refused: full or closed */
};

NP_STATIC_ASSERT(offsetof(struct np_pool, alloc) % NP_CACHE_LINE == 0, "cache on its own line");
NP_STATIC_ASSERT(offsetof(struct np_pool, frag_page) % NP_CACHE_LINE == 0, "owner line apart");
NP_STATIC_ASSERT(offsetof(struct np_pool, release_cnt) % NP_CACHE_LINE == 0,
	       "shared counters apart from owner state");
NP_STATIC_ASSERT(offsetof(struct np_pool, ring) % NP_CACHE_LINE == 0, "ring apart");
NP_STATIC_ASSERT(offsetof(struct np_pool, defer_list) % NP_CACHE_LINE == 0,
	       "the defer list apart from the release counters");

NP_EXTERN_C_END

#endif /* NETPOOL_POOL_TYPES_H */
