/* SPDX-License-Identifier: MIT */
/*
 * page_pool: a pool's life from create to its last page (create and destroy
 * together, as the kernel's page_pool.c), the allocation slow path, the
 * recycling slow paths, bulk returns, fragments, pages leaving the pool,
 * destruction with pages in flight, and the audit. The cache-hit paths are
 * inline in pool.h.
 *
 * The pool's files call one way only:
 *   pool.c -> pool_lane.c (return lanes) -> pool_user.c (registry,
 *   introspection, statistics) -> pool_dma.c (mapping table) -> pool_mem.c.
 *
 * Lifetime rule: a page that has not been released keeps its pool alive. A
 * thread returning a page therefore touches the pool only before the step
 * that ends the page's membership: the ring publish, or the increment of
 * release_cnt. The reaper frees a destroyed pool once hold == release.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "pool_priv.h"
#include "hook.h"

static int np_pool_check_params(const struct np_pool_params *p)
{
	size_t page_size;

	if (p->flags & ~NP_POOL_F_ALL)
		return -EINVAL;
	if (p->order > NP_PAGE_MAX_ORDER)
		return -EINVAL;
	if (p->nid < NP_NUMA_NO_NODE || p->nid >= NP_MAX_NUMNODES)
		return -EINVAL;
	page_size = NP_PAGE_SIZE << p->order;
	if (p->flags & NP_POOL_F_DMA_MAP) {
		if (!p->dma)
			return -EINVAL;
		if (p->dma_dir != NP_DMA_FROM_DEVICE && p->dma_dir != NP_DMA_BIDIRECTIONAL)
			return -EINVAL;
	}
	if (p->flags & NP_POOL_F_DMA_SYNC_DEV) {
		if (!(p->flags & NP_POOL_F_DMA_MAP))
			return -EINVAL;
		if (!p->max_len || (size_t)p->offset + p->max_len > page_size)
			return -EINVAL;
	}
	if (p->offset >= page_size)
		return -EINVAL;
	return 0;
}

int np_pool_create(const struct np_pool_params *params, struct np_pool **out)
{
	struct np_pool *pool;
	struct np_pool_priv *priv;
	unsigned int ring_size;
	int err;

	if (!params || !out)
		return -EINVAL;
	err = np_pool_check_params(params);
	if (err)
		return err;
	ring_size = params->pool_size ? params->pool_size : NP_POOL_SIZE_DEFAULT;
	if (ring_size > NP_POOL_SIZE_MAX)
		ring_size = NP_POOL_SIZE_MAX;

	pool = np_pool_mem_alloc(sizeof(*pool));
	priv = np_pool_mem_alloc(sizeof(*priv));
	if (!pool || !priv) {
		np_pool_mem_free(pool, sizeof(*pool));
		np_pool_mem_free(priv, sizeof(*priv));
		return -ENOMEM;
	}
	err = np_ring_init(&pool->ring, ring_size);
	if (!err) {
		err = np_pool_lanes_init(pool, pool->ring.size);
		if (err)
			np_ring_cleanup(&pool->ring);
	}
	if (err) {
		np_pool_mem_free(pool, sizeof(*pool));
		np_pool_mem_free(priv, sizeof(*priv));
		return err;
	}
	pool->flags = params->flags;
	pool->order = params->order;
	pool->max_len = params->max_len;
	pool->offset = params->offset;
	pool->dma_dir = params->dma_dir;
	pool->nid = params->nid;
	pool->dma = (params->flags & NP_POOL_F_DMA_MAP) ? params->dma : NULL;
	/* a coherent device needs no syncs: skip them altogether, as mainline does */
	pool->dma_sync = (params->flags & NP_POOL_F_DMA_SYNC_DEV) && params->dma->need_sync;
	pool->provider = params->provider ? params->provider : np_provider_default();
	pool->priv = priv;
	atomic_init(&pool->napi, params->napi);
	if (!pool->provider) {
		np_pool_lanes_free(pool);
		np_ring_cleanup(&pool->ring);
		np_pool_mem_free(pool, sizeof(*pool));
		np_pool_mem_free(priv, sizeof(*priv));
		return -ENOMEM;
	}
	pthread_mutex_init(&priv->dma_lock, NULL);
	snprintf(priv->name, sizeof(priv->name), "%s", params->name ? params->name : "");
	priv->ifindex = params->ifindex > 0 ? params->ifindex : 0;
	snprintf(priv->ifname, sizeof(priv->ifname), "%s",
		 priv->ifindex && params->ifname ? params->ifname : "");
	priv->queue = params->queue;
	err = np_pool_registry_add(pool);
	if (err) {
		pthread_mutex_destroy(&priv->dma_lock);
		np_pool_lanes_free(pool);
		np_ring_cleanup(&pool->ring);
		np_pool_mem_free(pool, sizeof(*pool));
		np_pool_mem_free(priv, sizeof(*priv));
		return err;
	}
	*out = pool;
	return 0;
}

int np_pool_update_nid(struct np_pool *pool, int nid)
{
	if (!pool || nid < NP_NUMA_NO_NODE || nid >= NP_MAX_NUMNODES)
		return -EINVAL;
	pool->nid = nid;
	return 0;
}

static int np_pool_pref_nid(struct np_pool *pool)
{
	return pool->nid == NP_NUMA_NO_NODE ? np_numa_local_node() : pool->nid;
}

void np_pool_sync_for_device(struct np_pool *pool, struct np_page *page, unsigned int dma_sync_size)
{
	unsigned int len = NP_MIN(dma_sync_size, pool->max_len);

	if (len)
		np_dma_sync_for_device(pool->dma, page->dma_addr + pool->offset, len, pool->dma_dir);
}

/* ---- allocation slow path ---- */

/*
 * Move returned pages from the ring into the cache. Pages of a node other than
 * the preferred one are released ("waive"); the rest of that batch is kept and
 * no further batch is taken. Pages are synced for the device here rather than
 * by the returning thread: the owner is the only consumer, so a concurrent
 * destroy can never have unmapped them.
 */
static int np_pool_refill(struct np_pool *pool)
{
	struct np_page **cache = pool->alloc.cache + pool->alloc.count;
	unsigned n, i, kept = 0;
	int nid;

	NP_ASSERT(pool->alloc.count + NP_POOL_CACHE_REFILL <= NP_POOL_CACHE_SIZE);
	n = np_pool_returns_consume(pool, cache, NP_POOL_CACHE_REFILL);
	if (!n)
		return -1;
	nid = np_pool_pref_nid(pool);
	for (i = 0; i < n; i++) {
		struct np_page *page = cache[i];

		NP_ASSERT(page->pp == pool);
		if (np_unlikely(page->node != nid)) {
			np_stat_inc_owner(pool->napi_stats.waive);
			np_pool_release_idle(pool, page);
			continue;
		}
		if (pool->dma_sync)
			np_pool_sync_for_device(pool, page, page->pp_sync_len);
		cache[kept++] = page;
	}
	pool->alloc.count += kept;
	return (int)kept;
}

static void np_pool_set_pp_info(struct np_pool *pool, struct np_page *page)
{
	page->pp = pool;
	page->pp_magic = (page->pp_magic & NP_PAGE_ALLOC_BITS) | NP_PP_SIGNATURE;
	atomic_store_explicit(&page->pp_ref_count, 1, memory_order_relaxed);
}

/* Map fresh pages; failures go back to the provider. Return: pages kept (compacted). */
static unsigned np_pool_map_fresh(struct np_pool *pool, struct np_page **pages, unsigned n)
{
	unsigned i, kept = 0;

	for (i = 0; i < n; i++) {
		struct np_page *page = pages[i];
		np_dma_addr_t dma;

		if (pool->flags & NP_POOL_F_DMA_MAP) {
			if (np_dma_map(pool->dma, np_page_address(page), np_page_size(page),
				       pool->dma_dir, &dma)) {
				np_page_put(page);
				continue;
			}
			page->dma_addr = dma;
		}
		pages[kept++] = page;
	}
	if ((pool->flags & NP_POOL_F_DMA_MAP) && kept && np_pool_dma_track(pool, pages, kept)) {
		/* no memory for the mapping table: undo */
		for (i = 0; i < kept; i++) {
			np_dma_unmap(pool->dma, pages[i]->dma_addr, np_page_size(pages[i]),
				     pool->dma_dir);
			np_page_put(pages[i]);
		}
		return 0;
	}
	for (i = 0; i < kept; i++) {
		np_pool_set_pp_info(pool, pages[i]);
		if (pool->dma_sync)
			np_pool_sync_for_device(pool, pages[i], pool->max_len);
	}
	np_stat_add_owner(pool->hold_cnt, kept);
	return kept;
}

/* ---- objects freed elsewhere, handed to the owner (deferred free) ---- */

#define NP_POOL_DEFER_CLOSED	((void *)(uintptr_t)1)

static NP_ATOMIC(np_pool_defer_release_fn) np_pool_defer_release;

bool np_pool_defer_push(struct np_pool *pool, void *obj, np_pool_defer_release_fn release)
{
	void *head;

	if (np_unlikely(atomic_load_explicit(&np_pool_defer_release, memory_order_relaxed) !=
			release))
		atomic_store_explicit(&np_pool_defer_release, release, memory_order_relaxed);
	/* a bound, not a lock: pushes racing past it overshoot by at most one each */
	if (atomic_load_explicit(&pool->defer_count, memory_order_relaxed) >= NP_POOL_DEFER_MAX)
		goto refused;
	/*
	 * Counted before the push: once the object is on the list the owner may
	 * free it, the pool's last page may come back and the pool go, so
	 * nothing of the pool is touched after a successful exchange.
	 */
	atomic_fetch_add_explicit(&pool->defer_count, 1, memory_order_relaxed);
	np_atomic_inc_relaxed(&pool->defer_in);
	head = atomic_load_explicit(&pool->defer_list, memory_order_relaxed);
	do {
		if (np_unlikely(head == NP_POOL_DEFER_CLOSED)) {
			atomic_fetch_sub_explicit(&pool->defer_count, 1, memory_order_relaxed);
			atomic_fetch_sub_explicit(&pool->defer_in, 1, memory_order_relaxed);
			goto refused;
		}
		*(void **)obj = head;
		/* release: the owner that takes the list sees the object as it was left */
	} while (!atomic_compare_exchange_weak_explicit(&pool->defer_list, &head, obj,
							 memory_order_release, memory_order_relaxed));
	return true;	/* the pool may be gone from here on */
refused:
	np_atomic_inc_relaxed(&pool->defer_refused);
	return false;
}

/* Free @list, taken off @pool, with the release function its pushers named. */
static void np_pool_deferred_release(struct np_pool *pool, void *list)
{
	np_pool_defer_release_fn release =
		atomic_load_explicit(&np_pool_defer_release, memory_order_relaxed);
	unsigned int n = release(list);

	atomic_fetch_sub_explicit(&pool->defer_count, (int)n, memory_order_relaxed);
}

/* The owner frees what waits; inside its napi the pages come straight back into the cache. */
bool np_pool_flush_deferred_slow(struct np_pool *pool)
{
	void *head = atomic_load_explicit(&pool->defer_list, memory_order_acquire);

	do {
		if (!head || head == NP_POOL_DEFER_CLOSED)
			return false;
	} while (!atomic_compare_exchange_weak_explicit(&pool->defer_list, &head, NULL,
							 memory_order_acquire, memory_order_acquire));
	np_pool_deferred_release(pool, head);
	return true;
}

/* Destroy: no more pushes, and what waits is freed by the destroying thread. */
static void np_pool_deferred_close(struct np_pool *pool)
{
	void *head = atomic_exchange_explicit(&pool->defer_list, NP_POOL_DEFER_CLOSED,
					      memory_order_acq_rel);

	if (head && head != NP_POOL_DEFER_CLOSED)
		np_pool_deferred_release(pool, head);
}

struct np_page *np_pool_alloc_pages_slow(struct np_pool *pool)
{
	struct np_page *pages[NP_POOL_CACHE_REFILL];
	struct np_page *page;
	unsigned n, i;
	int nid;

	int kept;

	NP_ASSERT(pool->alloc.count == 0);
	NP_ASSERT_MISUSE(!atomic_load_explicit(&pool->destroyed, memory_order_relaxed));
	/* skbs freed on other threads first: their pages are the cache's on this thread */
	if (np_pool_flush_deferred(pool) && pool->alloc.count) {
		page = pool->alloc.cache[--pool->alloc.count];
		np_stat_inc_owner(pool->napi_stats.fast);
		np_pool_page_busy(page);
		return page;
	}
	kept = np_pool_refill(pool);
	if (kept > 0) {
		page = pool->alloc.cache[--pool->alloc.count];
		np_stat_inc_owner(pool->napi_stats.refill);
		np_pool_page_busy(page);
		return page;
	}
	if (kept < 0)
		np_stat_inc_owner(pool->napi_stats.empty);	/* nothing came back */

	nid = np_pool_pref_nid(pool);
	if (pool->order) {
		page = np_page_alloc(pool->provider, pool->order, nid, NP_GFP_RESERVE);
		if (!page || !np_pool_map_fresh(pool, &page, 1))
			return NULL;
		np_stat_inc_owner(pool->napi_stats.slow_high_order);
		return page;
	}
	/*
	 * The emergency reserve is for this one allocation only: a reserve page
	 * goes straight to the caller and is released when it comes back, never
	 * parked in the cache.
	 */
	n = (unsigned)np_page_alloc_bulk(pool->provider, 0, nid, 0, pages, NP_POOL_CACHE_REFILL);
	if (!n) {
		pages[0] = np_page_alloc(pool->provider, 0, nid, NP_GFP_RESERVE);
		n = pages[0] != NULL;
	}
	n = np_pool_map_fresh(pool, pages, n);
	if (!n)
		return NULL;
	/* hand out the first, cache the rest (idle) */
	for (i = n - 1; i > 0; i--) {
		np_pool_page_idle(pages[i]);
		pool->alloc.cache[pool->alloc.count++] = pages[i];
	}
	np_stat_inc_owner(pool->napi_stats.slow);
	return pages[0];
}

unsigned np_pool_alloc_pages_bulk(struct np_pool *pool, struct np_page **pages, unsigned n)
{
	unsigned got = 0;

	NP_MISUSE_IF(n && !pages, "np_pool_alloc_pages_bulk", "pool %u: %u pages asked into a "
		     "NULL array", pool->id, n);
	while (got < n) {
		unsigned take = NP_MIN(pool->alloc.count, n - got);

		for (unsigned i = 0; i < take; i++) {
			struct np_page *page = pool->alloc.cache[--pool->alloc.count];

			np_pool_page_busy(page);
			pages[got++] = page;
		}
		np_stat_add_owner(pool->napi_stats.fast, take);
		if (got == n)
			break;
		pages[got] = np_pool_alloc_pages_slow(pool);
		if (!pages[got])
			break;
		got++;
	}
	return got;
}

/* ---- recycling slow paths ---- */

/*
 * Record how much the refill must sync. Stored only when it changes, so a
 * returning thread on another CPU does not dirty the descriptor's line.
 */
static inline void np_pool_note_sync_len(struct np_pool *pool, struct np_page *page,
					 unsigned int len)
{
	if (pool->dma_sync && page->pp_sync_len != len)
		page->pp_sync_len = len;
}

/*
 * Pages (idle already) into this thread's lane, then the shared ring.
 * Return: how many went in. The pool may be gone once the last one is in.
 */
NP_INLINE unsigned np_pool_ring_put(struct np_pool *pool, struct np_page **pages,
						  unsigned n)
{
	unsigned done;

	if (np_unlikely(np_fault_hit(NP_FAULT_RING_PRODUCE)))
		return 0;
	done = np_pool_lane_produce(pool, pages, n);
	if (np_unlikely(done < n))
		done += np_ring_produce_bulk(&pool->ring, (void *const *)pages + done, n - done);
	return done;
}

/* An idle page the lane did not take: the shared ring, else released (ring_full). */
static NP_NOINLINE void np_pool_ring_put_shared(struct np_pool *pool, struct np_page *page,
						bool refused)
{
	if (!refused && np_ring_produce(&pool->ring, page) == 0) {
		NP_HOOK(NP_HOOK_POOL_PUBLISHED, pool);
		return;	/* the pool may be gone from here on */
	}
	np_atomic_inc_relaxed(&pool->ring_full);	/* the page still holds the pool */
	np_pool_release_idle(pool, page);
}

NP_INLINE void np_pool_recycle_in_ring(struct np_pool *pool, struct np_page *page,
						     unsigned int dma_sync_size)
{
	bool refused;

	if (np_unlikely(atomic_load_explicit(&pool->destroyed, memory_order_acquire))) {
		np_pool_return_page(pool, page);
		return;
	}
	np_pool_note_sync_len(pool, page, dma_sync_size);
	np_pool_page_idle(page);
	refused = np_fault_hit(NP_FAULT_RING_PRODUCE);
	if (np_likely(!refused && np_pool_lane_put_one(pool, page))) {
		NP_HOOK(NP_HOOK_POOL_PUBLISHED, pool);
		return;	/* the pool may be gone from here on */
	}
	np_pool_ring_put_shared(pool, page, refused);
}

static NP_NOINLINE void np_pool_put_page_general(struct np_pool *pool, struct np_page *page,
						  unsigned int dma_sync_size, bool allow_direct)
{
	if (!np_pool_page_recyclable(page)) {
		np_atomic_inc_relaxed(&pool->released_refcnt);
		np_pool_return_page(pool, page);
		return;
	}
	if (allow_direct && !atomic_load_explicit(&pool->detached, memory_order_relaxed)) {
		if (np_pool_recycle_in_cache(pool, page, dma_sync_size))
			return;
		np_stat_inc_owner(pool->napi_stats.cache_full);
	}
	np_pool_recycle_in_ring(pool, page, dma_sync_size);
}

void np_pool_put_page_slow(struct np_pool *pool, struct np_page *page, unsigned int dma_sync_size,
			   bool allow_direct)
{
	/* the common case inline: a thread outside the napi returning an unshared page */
	if (np_likely(!allow_direct && np_pool_page_recyclable(page)))
		np_pool_recycle_in_ring(pool, page, dma_sync_size);
	else
		np_pool_put_page_general(pool, page, dma_sync_size, allow_direct);
}

/*
 * Return one pool's group of pages: the cache first when napi-local, then the
 * lane and ring in one go, and release what is left. Counters are updated
 * while a page still holds the pool alive; the last action touching the pool
 * is the last release (or the ring publish).
 */
static void np_pool_put_group(struct np_pool *pool, struct np_page **pages, unsigned n)
{
	struct np_page *ring[NP_POOL_CACHE_REFILL], *rel[NP_POOL_CACHE_REFILL];
	unsigned nring = 0, nrel = 0, i, done = 0;
	bool dead = atomic_load_explicit(&pool->destroyed, memory_order_acquire);
	bool direct = !atomic_load_explicit(&pool->detached, memory_order_relaxed) &&
		      np_pool_napi_local(pool);

	for (i = 0; i < n; i++) {
		struct np_page *page = pages[i];

		if (!np_pool_page_recyclable(page)) {
			np_atomic_inc_relaxed(&pool->released_refcnt);
			rel[nrel++] = page;
		} else if (direct && np_pool_recycle_in_cache(pool, page, NP_POOL_SYNC_FULL)) {
			continue;
		} else if (dead) {
			rel[nrel++] = page;
		} else {
			if (direct)
				np_stat_inc_owner(pool->napi_stats.cache_full);
			np_pool_note_sync_len(pool, page, NP_POOL_SYNC_FULL);
			np_pool_page_idle(page);
			ring[nring++] = page;
		}
	}
	if (nring) {
		done = np_pool_ring_put(pool, ring, nring);
		/* once every page is published, nothing here may touch the pool */
		NP_HOOK(NP_HOOK_POOL_PUBLISHED, pool);
	}
	if (done < nring) {
		/* the pages left over keep the pool alive until released below */
		np_atomic_add_relaxed(&pool->ring_full, nring - done);
		for (i = done; i < nring; i++) {
			np_pool_page_busy(ring[i]);
			rel[nrel++] = ring[i];
		}
	}
	for (i = 0; i < nrel; i++)
		np_pool_return_page(pool, rel[i]);
}

void np_pool_put_page_bulk(struct np_page **pages, unsigned n)
{
	struct np_page *todo[NP_POOL_CACHE_REFILL], *grp[NP_POOL_CACHE_REFILL];

	NP_MISUSE_IF(n && !pages, "np_pool_put_page_bulk", "%u pages returned from a NULL array",
		     n);
	while (n) {
		unsigned chunk = NP_MIN(n, NP_POOL_CACHE_REFILL), ntodo = 0, i;

		for (i = 0; i < chunk; i++) {
			NP_ASSERT_MISUSE(np_page_is_pp(pages[i]));
			if (np_pool_unref_page(pages[i], 1) == 0)
				todo[ntodo++] = pages[i];
		}
		pages += chunk;
		n -= chunk;
		while (ntodo) {
			struct np_pool *pool = todo[0]->pp;
			unsigned ngrp = 0, rest = 0;

			for (i = 0; i < ntodo; i++) {
				if (todo[i]->pp == pool)
					grp[ngrp++] = todo[i];
				else
					todo[rest++] = todo[i];
			}
			ntodo = rest;
			np_pool_put_group(pool, grp, ngrp);
		}
	}
}

/* ---- fragments ---- */

void np_pool_drain_frag(struct np_pool *pool)
{
	struct np_page *page = pool->frag_page;
	long drain = NP_POOL_FRAG_BIAS - pool->frag_users;

	if (!page)
		return;
	pool->frag_page = NULL;
	pool->frag_users = 0;
	pool->frag_offset = 0;
	if (np_pool_unref_page(page, drain) == 0)
		np_pool_put_unrefed_page(pool, page, NP_POOL_SYNC_FULL, true);
}

struct np_page *np_pool_alloc_frag(struct np_pool *pool, unsigned int *offset, unsigned int size)
{
	unsigned int max = (unsigned int)(NP_PAGE_SIZE << pool->order);
	struct np_page *page = pool->frag_page;

	NP_MISUSE_IF(!offset, "np_pool_alloc_frag", "pool %u: NULL offset pointer", pool->id);
	if (size == 0 || size > max)
		return NULL;
	size = NP_ALIGN(size, NP_POOL_FRAG_ALIGN);
	if (page && pool->frag_offset + size > max) {
		np_pool_drain_frag(pool);
		page = NULL;
	}
	if (!page) {
		page = np_pool_alloc_pages(pool);
		if (!page)
			return NULL;
		np_pool_fragment_page(page, NP_POOL_FRAG_BIAS);
		pool->frag_page = page;
		pool->frag_users = 1;
		pool->frag_offset = size;
		*offset = 0;
		return page;
	}
	pool->frag_users++;
	*offset = pool->frag_offset;
	pool->frag_offset += size;
	return page;
}

struct np_page *np_pool_alloc(struct np_pool *pool, unsigned int *offset, unsigned int *size)
{
	unsigned int max = (unsigned int)(NP_PAGE_SIZE << pool->order);
	struct np_page *page;

	NP_MISUSE_IF(!offset || !size, "np_pool_alloc", "pool %u: NULL offset or size pointer",
		     pool->id);
	if (*size == 0 || *size > max)
		return NULL;
	if (*size > max / 2) {
		page = np_pool_alloc_pages(pool);
		if (page) {
			*offset = 0;
			*size = max;
		}
		return page;
	}
	page = np_pool_alloc_frag(pool, offset, *size);
	if (page && pool->frag_offset + *size > max) {
		/* no room for another fragment this size: give the tail to this one */
		*size = max - *offset;
		pool->frag_offset = max;
	}
	return page;
}

/* ---- debug: use after recycle ---- */

void np_pool_debug_fill(struct np_page *page)
{
	memset(np_page_address(page), NP_POISON_RECYCLED, np_page_size(page));
}

void np_pool_debug_check(struct np_page *page)
{
	const uint64_t pattern = 0x0101010101010101ull * NP_POISON_RECYCLED;
	const uint64_t *w = np_page_address(page);
	size_t i, n = np_page_size(page) / sizeof(*w);

	for (i = 0; i < n; i++)
		if (np_unlikely(w[i] != pattern))
			break;
	if (np_likely(i == n))
		return;
	np_misuse("the idle-page poison check", "use after recycle: page %p (data %p, pool %u) was "
		  "written at offset %zu while idle in its pool", (void *)page, np_page_address(page),
		  page->pp ? page->pp->id : 0, i * sizeof(*w));
}

/* ---- pages leaving the pool, destruction with pages in flight ---- */

static void np_pool_free(struct np_pool *pool);

static pthread_mutex_t np_defer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t np_defer_cond = PTHREAD_COND_INITIALIZER;
static struct np_pool *np_defer_list;
static bool np_reaper_running;
static np_atomic_int np_defer_kicked;
static unsigned np_retry_ms = 1000;
static unsigned np_warn_ms = 60000;

void np_pool_set_release_timing(unsigned retry_ms, unsigned warn_ms)
{
	pthread_mutex_lock(&np_defer_lock);
	if (retry_ms)
		np_retry_ms = retry_ms;
	if (warn_ms)
		np_warn_ms = warn_ms;
	pthread_mutex_unlock(&np_defer_lock);
}

/* A page of a destroyed pool came back: let the reaper look now. Lock-free. */
static void np_pool_defer_kick(void)
{
	atomic_store(&np_defer_kicked, 1);
	pthread_cond_signal(&np_defer_cond);
}

void np_pool_return_page(struct np_pool *pool, struct np_page *page)
{
	bool dead;

	if (pool->flags & NP_POOL_F_DMA_MAP)
		np_pool_dma_unmap(pool, page);
	page->pp = NULL;
	page->pp_magic &= NP_PAGE_ALLOC_BITS;
	atomic_store_explicit(&page->pp_ref_count, 0, memory_order_relaxed);
	dead = atomic_load_explicit(&pool->destroyed, memory_order_acquire);
	atomic_fetch_add_explicit(&pool->release_cnt, 1, memory_order_release);
	/* a destroyed pool may be freed from here on */
	np_page_put(page);
	if (dead)
		np_pool_defer_kick();
}

void np_pool_release_page(struct np_pool *pool, struct np_page *page)
{
	NP_ASSERT_MISUSE(np_page_is_pp(page) && page->pp == pool);
	NP_ASSERT_MISUSE(atomic_load_explicit(&page->pp_ref_count, memory_order_relaxed) == 1);
	/* the pool's page reference goes with the page's membership; the caller keeps one */
	np_page_get(page);
	np_pool_return_page(pool, page);
}

static void np_pool_scrub_ring(struct np_pool *pool)
{
	struct np_page *pages[NP_POOL_CACHE_REFILL];
	unsigned n;

	while ((n = np_pool_returns_consume(pool, pages, NP_POOL_CACHE_REFILL)))
		for (unsigned i = 0; i < n; i++)
			np_pool_release_idle(pool, pages[i]);
}

/* One look at a waiting pool. Return: true when it is done with (freed or broken). */
static bool np_pool_reap_one(struct np_pool *pool, uint64_t now)
{
	struct np_pool_priv *priv = pool->priv;
	int64_t inflight;

	np_pool_scrub_ring(pool);
	inflight = np_pool_inflight_raw(pool);
	if (inflight == 0) {
		np_pool_free(pool);
		return true;
	}
	if (inflight < 0) {
		atomic_store(&priv->broken, 1);
		np_err("netpool: pool %u (%s): negative inflight %lld, a page was returned twice; "
		       "giving up on releasing it\n", pool->id, priv->name, (long long)inflight);
		return true;
	}
	/* a stall is a warn interval without any page coming back */
	if (atomic_load_explicit(&pool->release_cnt, memory_order_relaxed) != priv->last_release) {
		priv->last_release = atomic_load_explicit(&pool->release_cnt, memory_order_relaxed);
		priv->last_warn_ns = now;
	} else if (now - priv->last_warn_ns >= (uint64_t)np_warn_ms * 1000000ull) {
		priv->last_warn_ns = now;
		np_warn("netpool: pool %u (%s) stalled: %lld pages in flight %llu ms after destroy\n",
			pool->id, priv->name, (long long)inflight,
			(unsigned long long)((now - atomic_load(&priv->detach_time_ns)) / 1000000ull));
	}
	return false;
}

static void *np_reaper_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&np_defer_lock);
	while (np_defer_list) {
		struct np_pool **pp;
		uint64_t now;

		if (!atomic_exchange(&np_defer_kicked, 0)) {
			struct timespec ts;
			uint64_t ns;

			clock_gettime(CLOCK_REALTIME, &ts);
			ns = (uint64_t)ts.tv_nsec + (uint64_t)np_retry_ms * 1000000ull;
			ts.tv_sec += (time_t)(ns / 1000000000ull);
			ts.tv_nsec = (long)(ns % 1000000000ull);
			pthread_cond_timedwait(&np_defer_cond, &np_defer_lock, &ts);
			atomic_store(&np_defer_kicked, 0);
		}
		now = np_now_ns();
		for (pp = &np_defer_list; *pp;) {
			struct np_pool *pool = *pp;
			struct np_pool *next = pool->priv->defer_next;

			if (np_pool_reap_one(pool, now))
				*pp = next;	/* freed, or broken and left alone */
			else
				pp = &pool->priv->defer_next;
		}
	}
	np_reaper_running = false;
	pthread_mutex_unlock(&np_defer_lock);
	return NULL;
}

static void np_pool_defer(struct np_pool *pool)
{
	pthread_mutex_lock(&np_defer_lock);
	pool->priv->last_warn_ns = atomic_load(&pool->priv->detach_time_ns);
	pool->priv->last_release = atomic_load(&pool->release_cnt);
	pool->priv->defer_next = np_defer_list;
	np_defer_list = pool;
	if (!np_reaper_running) {
		pthread_attr_t attr;
		pthread_t tid;

		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (np_thread_create(&tid, &attr, "np-reaper", np_reaper_main, NULL) == 0)
			np_reaper_running = true;
		else
			np_err("netpool: cannot start the pool reaper; pool %u waits\n", pool->id);
		pthread_attr_destroy(&attr);
	}
	pthread_mutex_unlock(&np_defer_lock);
	np_pool_defer_kick();
}

int np_pool_disable_direct_recycling(struct np_pool *pool)
{
	if (!pool)
		return -EINVAL;
	atomic_store_explicit(&pool->napi, NULL, memory_order_release);
	atomic_store_explicit(&pool->detached, 1, memory_order_release);
	return 0;
}

void np_pool_destroy(struct np_pool *pool)
{
	if (!pool)
		return;
	NP_ASSERT_MISUSE(!atomic_load(&pool->destroyed));
	np_pool_disable_direct_recycling(pool);
	/* pushers now see no napi; one that raced past that finds the list closed */
	np_pool_deferred_close(pool);
	/* the detach time first: introspection never sees a destroyed pool without one */
	atomic_store(&pool->priv->detach_time_ns, np_now_ns());
	atomic_store(&pool->destroyed, 1);

	np_pool_drain_frag(pool);
	while (pool->alloc.count)
		np_pool_release_idle(pool, pool->alloc.cache[--pool->alloc.count]);
	np_pool_scrub_ring(pool);
	if (pool->flags & NP_POOL_F_DMA_MAP)
		np_pool_unmap_all(pool);
	if (np_pool_inflight_raw(pool) == 0) {
		np_pool_free(pool);
		return;
	}
	np_pool_defer(pool);
}

/* ---- the end of a pool ---- */

static void np_pool_free(struct np_pool *pool)
{
	struct np_pool_priv *priv = pool->priv;

	np_pool_registry_del(pool);
	np_ring_cleanup(&pool->ring);
	np_pool_lanes_free(pool);
	pthread_mutex_destroy(&priv->dma_lock);
	free(priv->dma_slots);
	free(priv->dma_free);
	np_pool_mem_free(priv, sizeof(*priv));
	pool->priv = NULL;
	np_pool_mem_free(pool, sizeof(*pool));
}

/* ---- the audit ---- */

static int np_cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

#define NP_AUDIT(cond, ...)                                      \
	do {                                                     \
		if (!(cond)) {                                   \
			np_err("netpool: audit pool %u: ", pool->id); \
			np_err(__VA_ARGS__);                     \
			bad++;                                   \
		}                                                \
	} while (0)

int np_pool_audit(struct np_pool *pool)
{
	struct np_pool_priv *priv;
	struct np_page *sorted[NP_POOL_CACHE_SIZE];
	unsigned n, mapped = 0;
	long idle_ref = NP_DEBUG >= 1 ? 0 : 1;
	int64_t inflight;
	int bad = 0;

	if (!pool)
		return -EINVAL;
	priv = pool->priv;
	n = pool->alloc.count;
	inflight = np_pool_inflight_raw(pool);

	NP_AUDIT(n <= NP_POOL_CACHE_SIZE, "cache count %u\n", n);
	if (n > NP_POOL_CACHE_SIZE)
		return -EUCLEAN;
	for (unsigned i = 0; i < n; i++) {
		struct np_page *page = pool->alloc.cache[i];

		NP_AUDIT(np_page_is_pp(page), "cache[%u] %p lacks the signature\n", i, (void *)page);
		NP_AUDIT(page->pp == pool, "cache[%u] %p owned by %p\n", i, (void *)page,
			 (void *)page->pp);
		NP_AUDIT(np_page_ref_count(page) == 1, "cache[%u] %p refcount %d\n", i,
			 (void *)page, np_page_ref_count(page));
		NP_AUDIT(atomic_load(&page->pp_ref_count) == idle_ref,
			 "cache[%u] %p pp_ref_count %ld\n", i, (void *)page,
			 (long)atomic_load(&page->pp_ref_count));
		NP_AUDIT(!np_page_is_reserve(page), "cache[%u] %p is a reserve page\n", i,
			 (void *)page);
		NP_AUDIT(page->order == pool->order, "cache[%u] %p order %u\n", i, (void *)page,
			 page->order);
		if (pool->flags & NP_POOL_F_DMA_MAP)
			NP_AUDIT(page->dma_index != 0, "cache[%u] %p not mapped\n", i, (void *)page);
		sorted[i] = page;
	}
	qsort(sorted, n, sizeof(sorted[0]), np_cmp_ptr);
	for (unsigned i = 1; i < n; i++)
		NP_AUDIT(sorted[i] != sorted[i - 1], "page %p cached twice\n", (void *)sorted[i]);

	pthread_mutex_lock(&priv->dma_lock);
	for (uint32_t i = 0; i < priv->dma_used; i++) {
		struct np_page *page = priv->dma_slots[i];

		if (!page)
			continue;
		mapped++;
		NP_AUDIT(page->dma_index == i + 1, "mapping slot %u holds %p with index %u\n", i,
			 (void *)page, page->dma_index);
		NP_AUDIT(page->pp == pool && np_page_is_pp(page),
			 "mapped page %p not owned by the pool\n", (void *)page);
	}
	NP_AUDIT(mapped == priv->dma_live, "%u mapped pages, table says %u\n", mapped,
		 priv->dma_live);
	pthread_mutex_unlock(&priv->dma_lock);

	NP_AUDIT(inflight >= 0, "negative inflight %lld\n", (long long)inflight);
	NP_AUDIT(inflight >= (int64_t)n, "inflight %lld below cached %u\n", (long long)inflight, n);
	if (pool->flags & NP_POOL_F_DMA_MAP)
		NP_AUDIT((int64_t)mapped <= inflight, "%u mapped, %lld inflight\n", mapped,
			 (long long)inflight);
	NP_AUDIT(np_ring_count(&pool->ring) <= pool->ring.size, "ring count %u over size\n",
		 np_ring_count(&pool->ring));
	NP_AUDIT(inflight >= (int64_t)(n + np_pool_ring_count(pool)),
		 "inflight %lld below cached and returned pages\n", (long long)inflight);
	if (pool->frag_page)
		NP_AUDIT(pool->frag_page->pp == pool && pool->frag_offset <=
			 (NP_PAGE_SIZE << pool->order), "fragment page state\n");
	return bad ? -EUCLEAN : 0;
}
