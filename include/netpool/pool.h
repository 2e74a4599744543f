/* SPDX-License-Identifier: MIT */
/*
 * netpool/pool.h - page_pool: a per-RX-queue recycling pool of DMA-mapped pages.
 *
 * Allocation belongs to the pool's owner (the napi polling its queue):
 *   1. pop from the lockless alloc cache;
 *   2. else refill the cache from the return ring (pages of another node are
 *      released: "waive");
 *   3. else bulk-allocate from the provider and DMA-map each page once.
 *
 * Returning a page drops one pool reference (pp_ref_count); the last one
 * recycles it if nothing else references the page and it is not a reserve
 * page; otherwise it leaves the pool (unmapped, signature cleared). Recycling
 * goes into the alloc cache only when the caller owns the pool's context
 * (allow_direct, or running inside the owning napi's poll); else into the
 * return ring; a full ring releases the page. The return ring is a shared
 * multi-producer ring plus NP_POOL_LANES single-producer lanes, one claimed
 * by each returning thread (as many slots as the ring, at most
 * NP_POOL_LANE_SIZE): a thread whose lane is full, or that found none free,
 * uses the shared ring.
 *
 * A page's life:
 *
 *   provider --alloc+map--> [in use] --put, last ref--> cache (direct) --alloc--> [in use]
 *                              |                     \-> ring (other thread) --refill--^
 *                              \--still referenced / reserve / ring full--> unmap --> provider
 *
 * Destroy detaches the pool from its napi, empties cache and ring, unmaps every
 * page still out, and frees the pool when the last page comes back.
 */
#ifndef NETPOOL_POOL_H
#define NETPOOL_POOL_H

#include "pool_types.h"
#include "stats.h"
#include "poison.h"

NP_EXTERN_C_BEGIN

/* ---- create, destroy, introspect ---- */

/**
 * np_pool_create() - create a page_pool.
 * @params: parameters; copied.
 * @out: the new pool.
 * Context: any thread; the pool then belongs to @params->napi (or to the
 * creating thread's driver code when NULL). Allocates and takes the registry
 * lock; may create the default provider.
 * Return: 0, -EINVAL (@params or @out NULL, unknown flags, order above
 * NP_PAGE_MAX_ORDER, DMA_MAP without a device, a DMA direction other than
 * FROM_DEVICE/BIDIRECTIONAL, DMA_SYNC_DEV without DMA_MAP or with max_len 0,
 * offset + max_len past the page, offset not inside the page, nid out of
 * range), -ENOMEM (also: no default provider could be created). pool_size
 * above NP_POOL_SIZE_MAX is capped, a name longer than 31 characters cut.
 */
NP_API int np_pool_create(const struct np_pool_params *params, struct np_pool **out);

/**
 * np_pool_flush_deferred_slow() - np_pool_flush_deferred() when the list is
 * not empty: takes it with one compare-and-swap and frees each skb.
 * @pool: the pool.
 * Context: the owner, as np_pool_flush_deferred().
 * Return: true when skbs were freed.
 */
NP_API bool np_pool_flush_deferred_slow(struct np_pool *pool);

/**
 * np_pool_flush_deferred() - free the skbs other threads handed to @pool's
 * owner (np_skb_attempt_defer_free()): from the owner's napi, their pages go
 * straight back into the alloc cache. The alloc slow path does this on its
 * own when the cache runs empty; a napi poll calls it once per poll (the
 * netdev layer does, before its driver's poll), as the kernel flushes its
 * per-CPU defer list in each RX softirq, so that a busy reader's skbs never
 * wait for the cache to run dry.
 * @pool: the pool.
 * Context: the owner, as np_pool_alloc_pages(); one relaxed load when nothing
 * waits.
 * Return: true when skbs were freed.
 */
NP_INLINE bool np_pool_flush_deferred(struct np_pool *pool)
{
	if (np_likely(!atomic_load_explicit(&pool->defer_list, memory_order_relaxed)))
		return false;
	return np_pool_flush_deferred_slow(pool);
}

/**
 * np_pool_destroy() - detach from the napi, release idle pages, unmap every
 * page still in flight, and free the pool now or when its last page returns
 * (checked every retry interval; a stall is warned about; a negative inflight
 * is reported and stops the retries). Nothing happens for a NULL @pool; a
 * second destroy is caught in debug builds.
 * skbs other threads handed to the owner (np_skb_attempt_defer_free()) and
 * still waiting are freed here first, and the pool takes no more.
 * Context: the owner, after its napi stopped polling (it empties the owner-only
 * cache and consumes the return ring). Takes the pool's mapping lock and the
 * deferred-release lock, may start the reaper thread. @pool may be freed as soon
 * as this returns: the caller must not touch it again.
 */
NP_API void np_pool_destroy(struct np_pool *pool);

/**
 * np_pool_disable_direct_recycling() - detach from the napi: no direct
 * recycling from now on, not even for callers passing allow_direct.
 * Context: the owner, or any thread while the napi does not poll; two atomic
 * stores, no lock.
 * Return: 0, or -EINVAL (@pool NULL).
 */
NP_API int np_pool_disable_direct_recycling(struct np_pool *pool);

/**
 * np_pool_update_nid() - change the preferred node (pages of other nodes get waived).
 * @pool: the pool.
 * @nid: the node, or NP_NUMA_NO_NODE for the calling thread's.
 * Context: the owner (the refill reads the node without a lock); one plain store.
 * Return: 0, or -EINVAL (@pool NULL, @nid neither NP_NUMA_NO_NODE nor below
 * NP_MAX_NUMNODES; the node is unchanged).
 */
NP_API int np_pool_update_nid(struct np_pool *pool, int nid);

/**
 * np_pool_ring_count() - pages returned by other threads and not yet taken
 * back by the owner: the shared ring plus every per-thread lane (a snapshot).
 * Context: any thread, while @pool is not freed; lock-free.
 * Return: the count; 0 for a NULL @pool.
 */
NP_API unsigned np_pool_ring_count(struct np_pool *pool);

/**
 * np_pool_inflight() - pages that entered the pool and have not left it
 * (negative only for a broken pool).
 * Context: any thread, while @pool is not freed (a destroyed pool goes when its
 * last page returns: np_pool_info_get() is safe then); lock-free.
 * Return: the count; 0 for a NULL @pool.
 */
NP_API int64_t np_pool_inflight(struct np_pool *pool);

/**
 * np_pool_audit() - check every invariant the owner can see: cached pages
 * (signature, owner, references, not reserve, order, mapping, no duplicates),
 * the mapping table, the counters. Problems are reported through the print
 * callback.
 * Context: the owner (it walks the owner-only cache); takes the pool's mapping lock.
 * Return: 0, -EUCLEAN when any check failed, or -EINVAL (@pool NULL).
 */
NP_API int np_pool_audit(struct np_pool *pool);

/*
 * A pool as introspection shows it (the kernel's page-pool netlink dump). A
 * netdev's pool lives from the netdev's open to its close; destroyed with
 * pages out, it stays listed (destroyed, detach time set, inflight > 0)
 * until the last one returns; if its netdev is unregistered meanwhile it is
 * an orphan: no owner (ifindex 0, ifname empty, orphaned set).
 */
struct np_pool_info {
	uint32_t id;
	char name[32];
	int ifindex;			/* the owner's; 0: none, or orphaned */
	char ifname[32];		/* the owner's name; "": none, or orphaned */
	uint32_t queue;
	uint32_t napi_id;		/* 0 when detached */
	uint32_t order;
	int64_t inflight;		/* pages */
	uint64_t inflight_bytes;
	uint64_t detach_time_ns;	/* CLOCK_MONOTONIC at destroy; 0 while live */
	bool destroyed;			/* destroyed, waiting for pages */
	bool broken;			/* inflight went negative: retries stopped */
	bool orphaned;			/* its owner went away (np_pool_unreg_owner()) */
};

/**
 * np_pool_info_list() - up to @max live or waiting pools into @out (NULL:
 * only count them).
 * @out: room for @max entries, newest pool first; or NULL.
 * @max: room in @out.
 * Context: any thread; takes the registry lock (a pool being freed waits for it).
 * Return: how many exist (may exceed @max).
 */
NP_API int np_pool_info_list(struct np_pool_info *out, unsigned max);
/**
 * np_pool_info_get() - one pool by id.
 * @id: the pool's id (np_pool_info.id; ids are never reused).
 * @out: filled when found; untouched otherwise.
 * Context: any thread; takes the registry lock.
 * Return: 0, -ENOENT (no such pool, or it was freed), -EINVAL (@out NULL).
 */
NP_API int np_pool_info_get(uint32_t id, struct np_pool_info *out);
/**
 * np_pool_get_stats_by_id() - np_pool_get_stats() of the pool with @id, live or
 * destroyed and waiting (the registry keeps it from being freed meanwhile).
 * @id: the pool's id.
 * @st: st->size set by the caller, as for np_pool_get_stats().
 * Context: any thread; takes the registry lock.
 * Return: 0, -ENOENT (no such pool, or it was freed),
 * or -EINVAL (@st NULL or @st->size below NP_POOL_STATS_V1_SIZE; checked
 * before the lookup).
 */
NP_API int np_pool_get_stats_by_id(uint32_t id, struct np_pool_stats *st);

/**
 * np_pool_unreg_owner() - the owner @ifindex goes away (a netdev is
 * unregistered, the kernel's page_pool_unreg_netdev()): every pool still
 * registered under it, typically destroyed and waiting for pages, becomes an
 * orphan (ifindex 0, no ifname, orphaned) until it is freed, and the
 * owner's tally of freed pools (np_pool_owner_stats()) is dropped.
 * Context: any thread; takes the registry lock.
 * Return: the number of pools orphaned, or -EINVAL (@ifindex not positive).
 */
NP_API int np_pool_unreg_owner(int ifindex);

/**
 * np_pool_owner_stats() - the counters of every pool owner @ifindex has had
 * since its first one: those registered now (live or waiting) plus those
 * already freed, summed (inflight: of those registered). Orphans count no
 * more.
 * @ifindex: the owner (a netdev's ifindex).
 * @st: st->size set by the caller, as for np_pool_get_stats().
 * Context: any thread; takes the registry lock (one consistent set of pools).
 * Return: 0 (all zero for an owner with no pool so far), -EINVAL (@ifindex
 * not positive, @st NULL or @st->size below NP_POOL_STATS_V1_SIZE; @st
 * untouched).
 */
NP_API int np_pool_owner_stats(int ifindex, struct np_pool_stats *st);

/**
 * np_pool_set_release_timing() - tune deferred destruction: retry every
 * @retry_ms, warn when no page came back for @warn_ms. 0 keeps the current
 * value (defaults 1000 and 60000). Every value is valid: nothing to reject.
 * @retry_ms: milliseconds between looks at a destroyed pool's pages; 0 keeps it.
 * @warn_ms: milliseconds without progress before a stall warning; 0 keeps it.
 * Context: any thread; takes the deferred-release lock; the reaper uses the new
 * values from its next look.
 */
NP_API void np_pool_set_release_timing(unsigned retry_ms, unsigned warn_ms);

/* ---- internals the inline paths call ---- */

/**
 * np_pool_alloc_pages_slow() - np_pool_alloc_pages() when the cache is empty:
 * refill from the return ring, else allocate and map a batch from the provider.
 * Context: the owner, with an empty cache; takes the provider's lock, maps
 * (the DMA device's lock on a checking IOMMU) and takes the pool's mapping lock.
 * Return: as np_pool_alloc_pages().
 */
NP_API struct np_page *np_pool_alloc_pages_slow(struct np_pool *pool);
/**
 * np_pool_put_page_slow() - np_pool_put_unrefed_page() when the page does not
 * go straight into the cache: the cache when allowed and not full, else this
 * thread's return lane or the shared ring, else out of the pool.
 * @pool: the page's pool.
 * @page: a page whose pool references the caller has dropped.
 * @dma_sync_size: as for np_pool_put_page().
 * @allow_direct: as for np_pool_put_page().
 * Context: any thread, as np_pool_put_page().
 */
NP_API void np_pool_put_page_slow(struct np_pool *pool, struct np_page *page,
				  unsigned int dma_sync_size, bool allow_direct);
/**
 * np_pool_sync_for_device() - sync min(@dma_sync_size, max_len) bytes of @page
 * from the pool's offset for the device.
 * @pool: a live pool that maps and syncs (NP_POOL_F_DMA_SYNC_DEV).
 * @page: a page the pool maps.
 * @dma_sync_size: bytes the CPU may have written.
 * Context: the owner (recycle into the cache, refill); lock-free.
 */
NP_API void np_pool_sync_for_device(struct np_pool *pool, struct np_page *page,
				    unsigned int dma_sync_size);

/**
 * np_pool_debug_fill() - fill an idle page with NP_POISON_RECYCLED (NP_DEBUG >= 1).
 * Context: the thread making @page idle (np_pool_page_idle()).
 */
NP_API void np_pool_debug_fill(struct np_page *page);
/**
 * np_pool_debug_check() - check an idle page's poison as it leaves the pool; a
 * write while it was idle (use after recycle) is reported with np_misuse().
 * Context: the thread taking @page out of idle (np_pool_page_busy()).
 */
NP_API void np_pool_debug_check(struct np_page *page);

/*
 * A page enters (idle in cache or ring) or leaves (handed out) the pool. In
 * debug builds an idle page has pp_ref_count 0, so a put of an idle page trips
 * an assertion, and is filled with poison checked when it leaves.
 */
/**
 * np_pool_page_idle() - @page enters the cache or the return ring: poisoned
 * (ASan, and NP_POISON_RECYCLED with pp_ref_count 0 in debug builds).
 * Context: the thread putting @page into the cache (the owner) or the ring (any
 * returning thread), before it publishes it; no lock.
 */
NP_INLINE void np_pool_page_idle(struct np_page *page)
{
#if NP_DEBUG >= 1
	atomic_store_explicit(&page->pp_ref_count, 0, memory_order_relaxed);
	np_pool_debug_fill(page);
#endif
	np_track_poison(np_page_address(page), np_page_size(page));
}

/**
 * np_pool_page_busy() - @page leaves idle (handed out, or about to leave the
 * pool): unpoisoned, one pool reference, poison checked in debug builds.
 * Context: the thread that took @page from the cache or ring (the owner), or a
 * returning thread taking back a page the ring refused; no lock.
 */
NP_INLINE void np_pool_page_busy(struct np_page *page)
{
	np_track_unpoison(np_page_address(page), np_page_size(page));
#if NP_DEBUG >= 1
	NP_ASSERT_MISUSE(atomic_load_explicit(&page->pp_ref_count, memory_order_relaxed) == 0);
	atomic_store_explicit(&page->pp_ref_count, 1, memory_order_relaxed);
	np_pool_debug_check(page);
#endif
}

/* ---- allocation (owner only) ---- */

/**
 * np_pool_alloc_pages() - one page (of the pool's order), DMA-mapped when the
 * pool maps, holding one pool reference.
 * Context: the owner: the thread polling the pool's napi (for a pool without a
 * napi, the one thread that drives it), one call at a time. No lock or atomic
 * on a cache hit; the slow path takes the provider's lock and maps pages. Data
 * path: no argument checks; an allocation from a destroyed pool is caught in
 * debug builds (slow path).
 * Return: the page, or NULL when no page could be had (provider exhausted,
 * every DMA map failed, no memory for the mapping table).
 */
NP_INLINE struct np_page *np_pool_alloc_pages(struct np_pool *pool)
{
	struct np_page *page;

	if (np_likely(pool->alloc.count)) {
		page = pool->alloc.cache[--pool->alloc.count];
		np_stat_inc_owner(pool->napi_stats.fast);
		np_pool_page_busy(page);
		return page;
	}
	return np_pool_alloc_pages_slow(pool);
}

/**
 * np_pool_alloc_pages_bulk() - up to @n pages into @pages.
 * @pool: the pool.
 * @pages: room for @n pages.
 * @n: pages wanted.
 * Context: the owner, as np_pool_alloc_pages(). Data path: @pages NULL with
 * @n > 0 is caught in debug builds.
 * Return: how many (fewer than @n only when no page could be had, as for
 * np_pool_alloc_pages()).
 */
NP_API unsigned np_pool_alloc_pages_bulk(struct np_pool *pool, struct np_page **pages,
					 unsigned n);

/**
 * np_pool_alloc_frag() - @size bytes (rounded up to NP_POOL_FRAG_ALIGN) of a
 * page shared with other fragments; one pool reference per fragment.
 * @pool: the pool.
 * @offset: set to the fragment's offset in the page.
 * @size: bytes wanted.
 * Context: the owner, as np_pool_alloc_pages() (the fragment page is owner state).
 * Data path: @offset NULL is caught in debug builds.
 * Return: the page and *@offset, or NULL (no page could be had, @size 0, or
 * @size above the page: always checked).
 */
NP_API struct np_page *np_pool_alloc_frag(struct np_pool *pool, unsigned int *offset,
					  unsigned int size);

/**
 * np_pool_alloc() - a whole page when 2 * *@size exceeds it, else a fragment;
 * *@size is widened to the page end when no further fragment of this size
 * would fit, so the caller's truesize is honest.
 * @pool: the pool.
 * @offset: set to the buffer's offset in the page.
 * @size: in: bytes wanted; out: bytes the buffer really has.
 * Context: the owner, as np_pool_alloc_pages(). Data path: @offset or @size NULL
 * is caught in debug builds.
 * Return: the page with *@offset and *@size set, or NULL (no page could be
 * had, *@size 0 or above the page: always checked).
 */
NP_API struct np_page *np_pool_alloc(struct np_pool *pool, unsigned int *offset,
				     unsigned int *size);

/**
 * np_pool_get_dma_addr() - the page's DMA address (valid while the pool maps it).
 * Context: any thread holding a pool reference to @page; one plain load.
 * Return: the address; 0 for a pool that does not map, and once the pool's
 * destroy (or the page's release) has unmapped it.
 */
NP_INLINE np_dma_addr_t np_pool_get_dma_addr(const struct np_page *page)
{
	return page->dma_addr;
}

/* ---- pool references ---- */

/**
 * np_pool_fragment_page() - pre-charge @nr pool references with one store.
 * @page: a page fresh from np_pool_alloc_pages(), not yet shared.
 * @nr: the references it holds from now on (one per buffer the caller will cut).
 * Context: the thread holding @page's only pool reference, before any other thread
 * can see it; one relaxed store.
 */
NP_INLINE void np_pool_fragment_page(struct np_page *page, long nr)
{
	atomic_store_explicit(&page->pp_ref_count, nr, memory_order_relaxed);
}

/**
 * np_pool_ref_page() - take one more pool reference.
 * Context: any thread holding a pool reference to @page; one atomic, no lock.
 * Taking one from nothing (a page already recycled) is caught in debug builds.
 */
NP_INLINE void np_pool_ref_page(struct np_page *page)
{
	NP_MISUSE_IF(atomic_load_explicit(&page->pp_ref_count, memory_order_relaxed) <= 0,
		     "np_pool_ref_page", "pool page %p (pool %u) holds no pool reference: used after "
		     "it was recycled", (void *)page, page->pp ? page->pp->id : 0);
	atomic_fetch_add_explicit(&page->pp_ref_count, 1, memory_order_relaxed);
}

/**
 * np_pool_unref_page() - drop @nr pool references.
 * @page: a pool page.
 * @nr: references the caller holds and drops, 1 or more.
 * Context: any thread holding @nr pool references to @page; lock-free (no atomic
 * read-modify-write when they are all the caller's). A drop below zero is caught
 * in debug builds.
 * Return: references left; 0 means the caller held the last ones (the count is
 * then back to 1, the state of a page with a single owner).
 */
NP_INLINE long np_pool_unref_page(struct np_page *page, long nr)
{
	long left;

	/* Reading exactly nr means every remaining reference is ours. */
	if (atomic_load_explicit(&page->pp_ref_count, memory_order_acquire) == nr) {
		if (nr != 1)
			atomic_store_explicit(&page->pp_ref_count, 1, memory_order_relaxed);
		return 0;
	}
	left = atomic_fetch_sub_explicit(&page->pp_ref_count, nr, memory_order_acq_rel) - nr;
	NP_MISUSE_IF(left < 0, "np_pool_unref_page",
		     "pool page %p (pool %u): a pool reference dropped when none was held (double "
		     "free, or a put of a page idle in its pool)", (void *)page,
		     page->pp ? page->pp->id : 0);
	if (np_unlikely(left == 0))
		atomic_store_explicit(&page->pp_ref_count, 1, memory_order_relaxed);
	return left;
}

/* ---- returning pages ---- */

/**
 * np_pool_napi_local() - is this thread inside the poll of @pool's owning napi?
 * Context: any thread; a relaxed load and a thread-local read, no lock.
 * Return: true inside the owning napi's poll (never for a detached pool).
 */
NP_INLINE bool np_pool_napi_local(struct np_pool *pool)
{
	struct np_napi_ctx *napi = atomic_load_explicit(&pool->napi, memory_order_relaxed);

	return napi && napi == np_napi_ctx_current();
}

/**
 * np_pool_page_recyclable() - nothing but the pool holds @page, and it is no reserve page.
 * Context: any thread holding the page's last pool reference; one acquire load.
 * Return: true when @page may be recycled.
 */
NP_INLINE bool np_pool_page_recyclable(const struct np_page *page)
{
	/*
	 * Acquire: a page reference dropped on another thread must have
	 * finished its reads of the page before the page is reused here.
	 */
	return atomic_load_explicit(&((struct np_page *)page)->refcount, memory_order_acquire) == 1 &&
	       !np_page_is_reserve(page);
}

/**
 * np_pool_recycle_in_cache() - into the alloc cache, if it has room: idle first
 * (debug poison written by the CPU), then synced for the device.
 * @pool: the page's pool, not detached.
 * @page: a recyclable page (np_pool_page_recyclable()) with no pool reference left.
 * @dma_sync_size: as for np_pool_put_page().
 * Context: the owner (inside its napi's poll, or allow_direct); no lock or atomic.
 * Return: true when cached, false when the cache is full (@page untouched).
 */
NP_INLINE bool np_pool_recycle_in_cache(struct np_pool *pool, struct np_page *page,
					unsigned int dma_sync_size)
{
	if (np_unlikely(pool->alloc.count >= NP_POOL_CACHE_SIZE))
		return false;
	np_pool_page_idle(page);
	if (pool->dma_sync)
		np_pool_sync_for_device(pool, page, dma_sync_size);
	pool->alloc.cache[pool->alloc.count++] = page;
	np_stat_inc_owner(pool->napi_stats.cached);
	return true;
}

/**
 * np_pool_put_unrefed_page() - recycle or release a page whose pool
 * references were already dropped by the caller.
 * @pool: the page's pool.
 * @page: the page; np_pool_unref_page() returned 0 for it.
 * @dma_sync_size: as for np_pool_put_page().
 * @allow_direct: as for np_pool_put_page().
 * Context: any thread, as np_pool_put_page(). Not a pool page, or a page of
 * another pool, is caught in debug builds.
 */
NP_INLINE void np_pool_put_unrefed_page(struct np_pool *pool, struct np_page *page,
					unsigned int dma_sync_size, bool allow_direct)
{
	NP_MISUSE_IF(!np_page_is_pp(page), "np_pool_put_unrefed_page",
		     "page %p returned to pool %u is not a pool page", (void *)page, pool->id);
	NP_MISUSE_IF(page->pp != pool, "np_pool_put_unrefed_page",
		     "page %p of pool %u returned to pool %u (wrong pool)", (void *)page,
		     page->pp ? page->pp->id : 0, pool->id);

	/*
	 * A detached pool has no napi, so napi-local implies attached: only a
	 * caller's allow_direct needs the detached test.
	 */
	if (allow_direct)
		allow_direct = !atomic_load_explicit(&pool->detached, memory_order_relaxed);
	else
		allow_direct = np_pool_napi_local(pool);
	if (np_likely(allow_direct && np_pool_page_recyclable(page) &&
		      np_pool_recycle_in_cache(pool, page, dma_sync_size)))
		return;
	np_pool_put_page_slow(pool, page, dma_sync_size, allow_direct);
}

/**
 * np_pool_put_page() - drop one pool reference to @page; the last one recycles
 * (or releases) it.
 * @pool: the page's pool.
 * @page: a page holding a pool reference of the caller's.
 * @dma_sync_size: bytes the CPU may have written from the pool's offset; the
 *   pool syncs min(this, max_len) for the device (DMA_SYNC_DEV pools).
 * @allow_direct: the caller runs in the pool's owning context (its napi poll);
 *   true only from the owner. false lets the pool tell (np_pool_napi_local()).
 * Context: any thread, but not a signal handler (a returning thread produces into
 * a lane of its own, single-producer). Lock-free into the owner's cache (direct,
 * as described above), this thread's lane (claimed on its first return, one
 * CAS) or the shared ring; a page that leaves the pool takes the pool's mapping
 * lock (mapping pools) and the provider's lock.
 */
NP_INLINE void np_pool_put_page(struct np_pool *pool, struct np_page *page,
				unsigned int dma_sync_size, bool allow_direct)
{
	if (np_pool_unref_page(page, 1))
		return;
	np_pool_put_unrefed_page(pool, page, dma_sync_size, allow_direct);
}

/**
 * np_pool_put_full_page() - np_pool_put_page() syncing up to max_len.
 * @pool: the page's pool.
 * @page: a page holding a pool reference of the caller's.
 * @allow_direct: as for np_pool_put_page().
 * Context: any thread, as np_pool_put_page().
 */
NP_INLINE void np_pool_put_full_page(struct np_pool *pool, struct np_page *page,
				     bool allow_direct)
{
	np_pool_put_page(pool, page, NP_POOL_SYNC_FULL, allow_direct);
}

/**
 * np_pool_recycle_direct() - return a page from the owner's own context.
 * @pool: the page's pool.
 * @page: a page holding a pool reference of the caller's.
 * Context: the owner only, as np_pool_alloc_pages() (it puts with allow_direct);
 * lock-free while the page stays in the pool.
 */
NP_INLINE void np_pool_recycle_direct(struct np_pool *pool, struct np_page *page)
{
	np_pool_put_full_page(pool, page, true);
}

/**
 * np_pool_release_page() - take @page out of its pool for good instead of
 * recycling it: unmapped, pp and signature cleared, counted as released; the
 * caller's pool reference becomes a plain page reference, dropped later with
 * np_page_put() (the kernel's former page_pool_release_page(), for a driver
 * that hands pages to code that does not recycle).
 * @pool: the page's pool.
 * @page: the page.
 * Context: any thread; @page holds exactly one pool reference (the caller's):
 * a page of another pool, or one with other references, is caught in debug builds.
 * Takes the pool's mapping lock (mapping pools).
 */
NP_API void np_pool_release_page(struct np_pool *pool, struct np_page *page);

/**
 * np_pool_put_page_bulk() - return @n pages, each holding one pool reference,
 * possibly of different pools. Pages are grouped by pool; each group takes the
 * ring's producer side once; pages that do not fit are released.
 * @pages: the pages.
 * @n: how many @pages holds.
 * Context: any thread but a signal handler, as np_pool_put_page() (direct
 * recycling where napi-local). Data path: @pages NULL with @n > 0, or a page
 * that is no pool page, is caught in debug builds.
 */
NP_API void np_pool_put_page_bulk(struct np_page **pages, unsigned n);

/* Debug builds of a program record where it calls these (see np_misuse()). */
#ifdef NP_CALL_SITES
#define np_pool_alloc_pages(pool) \
	NP_AT_CALL_SITE("np_pool_alloc_pages", np_pool_alloc_pages(pool))
#define np_pool_put_page(pool, page, sync, direct) \
	NP_AT_CALL_SITE_VOID("np_pool_put_page", np_pool_put_page(pool, page, sync, direct))
#define np_pool_put_full_page(pool, page, direct) \
	NP_AT_CALL_SITE_VOID("np_pool_put_full_page", np_pool_put_full_page(pool, page, direct))
#define np_pool_recycle_direct(pool, page) \
	NP_AT_CALL_SITE_VOID("np_pool_recycle_direct", np_pool_recycle_direct(pool, page))
#define np_pool_release_page(pool, page) \
	NP_AT_CALL_SITE_VOID("np_pool_release_page", np_pool_release_page(pool, page))
#define np_pool_put_page_bulk(pages, n) \
	NP_AT_CALL_SITE_VOID("np_pool_put_page_bulk", np_pool_put_page_bulk(pages, n))
#endif

NP_EXTERN_C_END

#endif /* NETPOOL_POOL_H */
