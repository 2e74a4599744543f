/* SPDX-License-Identifier: MIT */
/*
 * page_pool: creation, the allocation slow path, the recycling slow paths,
 * bulk returns and fragments. The cache-hit paths are inline in pool.h;
 * release, destruction and introspection are in pool_release.c.
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

struct np_page *np_pool_alloc_pages_slow(struct np_pool *pool)
{
	struct np_page *pages[NP_POOL_CACHE_REFILL];
	struct np_page *page;
	unsigned n, i;
	int nid;

	int kept;

	NP_ASSERT(pool->alloc.count == 0);
	NP_ASSERT_MISUSE(!atomic_load_explicit(&pool->destroyed, memory_order_relaxed));
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
