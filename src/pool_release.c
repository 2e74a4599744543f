/* SPDX-License-Identifier: MIT */
/*
 * page_pool: pages leaving the pool, the DMA mapping table, destruction with
 * pages in flight, statistics snapshots and the audit. The registry and
 * introspection are in pool_user.c.
 *
 * Lifetime rule: a page that has not been released keeps its pool alive. A
 * thread returning a page therefore touches the pool only before the step
 * that ends the page's membership: the ring publish, or the increment of
 * release_cnt. The reaper frees a destroyed pool once hold == release.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "pool_priv.h"

/* ---- the memory of a pool ---- */

#if NP_DEBUG >= 1
/*
 * Debug builds never give a freed pool's memory back at once: it sits in a
 * quarantine of the last NP_POOL_QUARANTINE blocks, unreadable (poisoned for
 * the address sanitizer, else mapped PROT_NONE), so a thread that touches a
 * pool after its final release faults at the touch instead of reading memory
 * that a new pool may already be using.
 */
#define NP_POOL_QUARANTINE	192

static pthread_mutex_t np_quar_lock = PTHREAD_MUTEX_INITIALIZER;
static struct np_quar_entry {
	void *mem;
	size_t len;
} np_quar[NP_POOL_QUARANTINE];
static unsigned np_quar_next;

#ifdef NP_HAVE_ASAN
/* Heap memory, so that the leak checker still sees what a live pool points to. */
static size_t np_pool_mem_len(size_t size)
{
	return NP_ALIGN(size, NP_CACHE_LINE);
}

static void *np_pool_mem_map(size_t len)
{
	void *mem = aligned_alloc(NP_CACHE_LINE, len);

	if (mem)
		memset(mem, 0, len);
	return mem;
}

static void np_pool_mem_seal(void *mem, size_t len)
{
	np_track_poison(mem, len);
}

static void np_pool_mem_unmap(void *mem, size_t len)
{
	np_track_unpoison(mem, len);
	free(mem);
}
#else
static size_t np_pool_mem_len(size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (size + page - 1) / page * page;
}

static void *np_pool_mem_map(size_t len)
{
	void *mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return mem == MAP_FAILED ? NULL : mem;
}

static void np_pool_mem_seal(void *mem, size_t len)
{
	if (mprotect(mem, len, PROT_NONE))
		np_err("netpool: cannot seal a freed pool's memory: %s\n", strerror(errno));
}

static void np_pool_mem_unmap(void *mem, size_t len)
{
	munmap(mem, len);
}
#endif

void *np_pool_mem_alloc(size_t size)
{
	return np_pool_mem_map(np_pool_mem_len(size));
}

void np_pool_mem_free(void *mem, size_t size)
{
	struct np_quar_entry old;
	size_t len = np_pool_mem_len(size);

	if (!mem)
		return;
	np_pool_mem_seal(mem, len);
	pthread_mutex_lock(&np_quar_lock);
	old = np_quar[np_quar_next];
	np_quar[np_quar_next].mem = mem;
	np_quar[np_quar_next].len = len;
	np_quar_next = (np_quar_next + 1) % NP_POOL_QUARANTINE;
	pthread_mutex_unlock(&np_quar_lock);
	if (old.mem)
		np_pool_mem_unmap(old.mem, old.len);
}
#else
void *np_pool_mem_alloc(size_t size)
{
	size_t len = NP_ALIGN(size, NP_CACHE_LINE);
	void *mem = aligned_alloc(NP_CACHE_LINE, len);

	if (mem)
		memset(mem, 0, len);
	return mem;
}

void np_pool_mem_free(void *mem, size_t size)
{
	(void)size;
	free(mem);
}
#endif

/* ---- the DMA mapping table ---- */

int np_pool_dma_track(struct np_pool *pool, struct np_page **pages, unsigned n)
{
	struct np_pool_priv *priv = pool->priv;
	int err = 0;

	pthread_mutex_lock(&priv->dma_lock);
	if (priv->dma_nfree + (priv->dma_cap - priv->dma_used) < n) {
		uint32_t cap = priv->dma_cap ? priv->dma_cap * 2 : 256;
		struct np_page **slots;
		uint32_t *freel;

		while (priv->dma_nfree + (cap - priv->dma_used) < n)
			cap *= 2;
		slots = realloc(priv->dma_slots, cap * sizeof(*slots));
		if (slots)
			priv->dma_slots = slots;
		freel = slots ? realloc(priv->dma_free, cap * sizeof(*freel)) : NULL;
		if (freel)
			priv->dma_free = freel;
		if (!slots || !freel)
			err = -ENOMEM;
		else
			priv->dma_cap = cap;
	}
	for (unsigned i = 0; !err && i < n; i++) {
		uint32_t idx = priv->dma_nfree ? priv->dma_free[--priv->dma_nfree] : priv->dma_used++;

		priv->dma_slots[idx] = pages[i];
		pages[i]->dma_index = idx + 1;
		priv->dma_live++;
	}
	pthread_mutex_unlock(&priv->dma_lock);
	return err;
}

/* Unmap @page if this pool still has it mapped (destroy may have done it already). */
static void np_pool_dma_unmap(struct np_pool *pool, struct np_page *page)
{
	struct np_pool_priv *priv = pool->priv;
	uint32_t idx;

	pthread_mutex_lock(&priv->dma_lock);
	idx = page->dma_index;
	if (idx) {
		NP_ASSERT(priv->dma_slots[idx - 1] == page);
		priv->dma_slots[idx - 1] = NULL;
		priv->dma_free[priv->dma_nfree++] = idx - 1;
		priv->dma_live--;
		page->dma_index = 0;
		np_dma_unmap(pool->dma, page->dma_addr, np_page_size(page), pool->dma_dir);
	}
	pthread_mutex_unlock(&priv->dma_lock);
	page->dma_addr = 0;
}

/* Destroy: no device access to any page of this pool from now on. */
void np_pool_unmap_all(struct np_pool *pool)
{
	struct np_pool_priv *priv = pool->priv;

	pthread_mutex_lock(&priv->dma_lock);
	for (uint32_t i = 0; i < priv->dma_used; i++) {
		struct np_page *page = priv->dma_slots[i];

		if (!page)
			continue;
		np_dma_unmap(pool->dma, page->dma_addr, np_page_size(page), pool->dma_dir);
		page->dma_addr = 0;	/* as mainline's scrub: no stale address for a driver to post */
		page->dma_index = 0;
		priv->dma_slots[i] = NULL;
		priv->dma_free[priv->dma_nfree++] = i;
		priv->dma_live--;
	}
	pool->dma = NULL;	/* the device may go away now; nothing may reach it */
	pthread_mutex_unlock(&priv->dma_lock);
}

/* ---- deferred destruction ---- */

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
		if (pthread_create(&tid, &attr, np_reaper_main, NULL) == 0)
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
	atomic_store(&pool->destroyed, 1);

	np_pool_drain_frag(pool);
	while (pool->alloc.count)
		np_pool_release_idle(pool, pool->alloc.cache[--pool->alloc.count]);
	np_pool_scrub_ring(pool);
	if (pool->flags & NP_POOL_F_DMA_MAP)
		np_pool_unmap_all(pool);
	atomic_store(&pool->priv->detach_time_ns, np_now_ns());
	if (np_pool_inflight_raw(pool) == 0) {
		np_pool_free(pool);
		return;
	}
	np_pool_defer(pool);
}

/* ---- the end of a pool ---- */

void np_pool_free(struct np_pool *pool)
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

/* ---- statistics and audit ---- */

int64_t np_pool_inflight(struct np_pool *pool)
{
	if (!pool)
		return 0;
	return np_pool_inflight_raw(pool);
}

int np_pool_get_stats(struct np_pool *pool, struct np_pool_stats *out)
{
	struct np_pool_stats st;
	uint32_t size;

	if (!pool || !out || out->size < NP_POOL_STATS_V1_SIZE)
		return -EINVAL;
	size = out->size;
	memset(&st, 0, sizeof(st));
	st.version = NP_POOL_STATS_VERSION;
	st.alloc.fast = np_stat_read(pool->napi_stats.fast);
	st.alloc.slow = np_stat_read(pool->napi_stats.slow);
	st.alloc.slow_high_order = np_stat_read(pool->napi_stats.slow_high_order);
	st.alloc.empty = np_stat_read(pool->napi_stats.empty);
	st.alloc.refill = np_stat_read(pool->napi_stats.refill);
	st.alloc.waive = np_stat_read(pool->napi_stats.waive);
	st.recycle.cached = np_stat_read(pool->napi_stats.cached);
	st.recycle.cache_full = np_stat_read(pool->napi_stats.cache_full);
	st.recycle.ring = np_ring_produced(&pool->ring) + np_pool_lanes_produced(pool);
	st.recycle.ring_full = atomic_load_explicit(&pool->ring_full, memory_order_relaxed);
	st.recycle.released_refcnt = atomic_load_explicit(&pool->released_refcnt,
							  memory_order_relaxed);
	st.release = atomic_load_explicit(&pool->release_cnt, memory_order_acquire);
	st.hold = np_stat_read(pool->hold_cnt);
	st.inflight = (int64_t)(st.hold - st.release);
	/* a caller built against a newer, larger struct keeps its extra fields */
	memcpy((char *)out + sizeof(uint32_t), (char *)&st + sizeof(uint32_t),
	       NP_MIN(size, (uint32_t)sizeof(st)) - sizeof(uint32_t));
	return 0;
}

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
