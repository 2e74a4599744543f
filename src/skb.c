/* SPDX-License-Identifier: MIT */
/*
 * skb core: allocation of skb structs (per-thread cache, fclone pairs),
 * heads from pool buffers, page fragments and the small-object allocator,
 * the release path that follows the reference rule, and the data movements
 * that may reallocate the head (expand, pull, linearize, trim).
 */
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "netpool/skb.h"
#include "skb_priv.h"

#define NP_SKB_CACHE_SIZE	64	/* per-thread skb struct cache */
#define NP_SKB_CACHE_BULK	32	/* refilled and flushed this many at a time */
#define NP_FRAG_CACHE_ORDER	3	/* page fragments carved from 32 KiB blocks */
#define NP_FRAG_BIAS		(1 << 20)

static _Atomic(struct np_provider *) np_skb_prov;

static const char *const np_skb_drop_names[NP_SKB_DROP_MAX] = {
	[NP_SKB_DROP_NOT_SPECIFIED] = "NOT_SPECIFIED",
	[NP_SKB_DROP_CONSUMED] = "CONSUMED",
	[NP_SKB_DROP_PKT_TOO_SMALL] = "PKT_TOO_SMALL",
	[NP_SKB_DROP_PKT_TOO_BIG] = "PKT_TOO_BIG",
	[NP_SKB_DROP_HDR_TRUNC] = "HDR_TRUNC",
	[NP_SKB_DROP_NOMEM] = "NOMEM",
	[NP_SKB_DROP_FULL_RING] = "FULL_RING",
	[NP_SKB_DROP_QUEUE_FULL] = "QUEUE_FULL",
	[NP_SKB_DROP_XDP] = "XDP",
	[NP_SKB_DROP_BAD_DESC] = "BAD_DESC",
	[NP_SKB_DROP_DUP_FRAG] = "DUP_FRAG",
};

/* An skb allocated with its clone beside it. */
struct np_skb_fclones {
	struct np_skb skb1;
	struct np_skb skb2;
	np_atomic_int fclone_ref;
};

/*
 * Counters every thread keeps for itself (written by it alone, with a relaxed
 * load and store: a plain increment), summed by readers. A thread that exits
 * folds them into np_skb_retired.
 */
struct np_skb_counters {
	np_atomic_u64 allocated;
	/*
	 * Structs freed without a drop reason. A free that counts a reason
	 * (np_skb_drop(), a stolen head) is counted there alone: live =
	 * allocated - freed - every drop, one counter less per packet.
	 */
	np_atomic_u64 freed;
	np_atomic_u64 drops[NP_SKB_DROP_MAX];
};

struct np_skb_thread_cache {
	unsigned int count;
	/*
	 * Puts take the slow path at this count: the cache size once the
	 * thread is registered, 0 before (and after its exit), so that the fast
	 * paths need no registration test: a get of an empty cache and a put
	 * at the limit both go slow, and the slow paths register.
	 */
	unsigned int put_limit;
	struct np_skb *skbs[NP_SKB_CACHE_SIZE];
	struct np_skb_counters cnt;
	struct np_skb_thread_cache *next_tc;	/* np_skb_threads, under np_skb_threads_lock */
	/* non-pool page fragments */
	struct np_page *frag_page;
	uint32_t frag_offset;
	uint32_t frag_size;
	int frag_bias;
	bool registered;
};

static _Thread_local struct np_skb_thread_cache np_skb_tc;
static pthread_key_t np_skb_key;
static pthread_once_t np_skb_once = PTHREAD_ONCE_INIT;

static pthread_mutex_t np_skb_threads_lock = PTHREAD_MUTEX_INITIALIZER;
static struct np_skb_thread_cache *np_skb_threads;
static struct np_skb_counters np_skb_retired;

static void np_skb_tc_register(struct np_skb_thread_cache *tc);

/*
 * This thread's cache, its address computed once: hidden from the compiler,
 * which would otherwise compute it again at each use, and in the shared
 * library each is a call to __tls_get_addr.
 */
NP_INLINE struct np_skb_thread_cache *np_skb_tc_here(void)
{
	struct np_skb_thread_cache *tc = &np_skb_tc;

	__asm__("" : "+r"(tc));
	return tc;
}

/* This thread's cache, registered (for its destructor and its counters) on first use. */
NP_INLINE struct np_skb_thread_cache *np_skb_tc_get(void)
{
	struct np_skb_thread_cache *tc = &np_skb_tc;

	if (np_unlikely(!tc->registered))
		np_skb_tc_register(tc);
	return tc;
}

#define np_skb_count(tc, field)	np_stat_inc_owner((tc)->cnt.field)

#define NP_SKB_NCOUNTERS	(sizeof(struct np_skb_counters) / sizeof(np_atomic_u64))

/* Every counter summed over live threads and those that exited, in one pass. */
static void np_skb_counters_sum(uint64_t sum[NP_SKB_NCOUNTERS])
{
	const np_atomic_u64 *c = (const np_atomic_u64 *)&np_skb_retired;

	pthread_mutex_lock(&np_skb_threads_lock);
	for (size_t i = 0; i < NP_SKB_NCOUNTERS; i++)
		sum[i] = atomic_load_explicit(&c[i], memory_order_relaxed);
	for (struct np_skb_thread_cache *tc = np_skb_threads; tc; tc = tc->next_tc) {
		c = (const np_atomic_u64 *)&tc->cnt;
		for (size_t i = 0; i < NP_SKB_NCOUNTERS; i++)
			sum[i] += atomic_load_explicit(&c[i], memory_order_relaxed);
	}
	pthread_mutex_unlock(&np_skb_threads_lock);
}

struct np_provider *np_skb_provider(void)
{
	struct np_provider *p = atomic_load_explicit(&np_skb_prov, memory_order_acquire);

	return p ? p : np_provider_default();
}

void np_skb_set_provider(struct np_provider *prov)
{
	atomic_store_explicit(&np_skb_prov, prov, memory_order_release);
}

uint64_t np_skb_drop_count(enum np_skb_drop_reason reason)
{
	uint64_t sum[NP_SKB_NCOUNTERS];

	if ((unsigned)reason >= NP_SKB_DROP_MAX)
		return 0;
	np_skb_counters_sum(sum);
	return sum[offsetof(struct np_skb_counters, drops) / sizeof(np_atomic_u64) + reason];
}

const char *np_skb_drop_reason_name(enum np_skb_drop_reason reason)
{
	return (unsigned)reason < NP_SKB_DROP_MAX ? np_skb_drop_names[reason] : NULL;
}

int64_t np_skb_live(void)
{
	uint64_t sum[NP_SKB_NCOUNTERS];

	uint64_t gone;

	np_skb_counters_sum(sum);
	gone = sum[offsetof(struct np_skb_counters, freed) / sizeof(np_atomic_u64)];
	for (unsigned int i = 0; i < NP_SKB_DROP_MAX; i++)
		gone += sum[offsetof(struct np_skb_counters, drops) / sizeof(np_atomic_u64) + i];
	return (int64_t)(sum[offsetof(struct np_skb_counters, allocated) / sizeof(np_atomic_u64)] -
			 gone);
}

/* ---- the per-thread cache of skb structs and the page-fragment cache ---- */

static void np_frag_cache_drain(struct np_skb_thread_cache *tc)
{
	struct np_page *page = tc->frag_page;

	if (!page)
		return;
	tc->frag_page = NULL;
	/* give back the references not handed out; the last one frees the page */
	if (atomic_fetch_sub_explicit(&page->refcount, tc->frag_bias, memory_order_acq_rel) ==
	    tc->frag_bias)
		np_page_free(page);
	tc->frag_bias = 0;
}

/* The cached structs past @keep (poisoned while they wait) go back to the allocator, in one batch. */
static void np_skb_structs_release(struct np_skb_thread_cache *tc, unsigned int keep)
{
	unsigned int n;

	if (tc->count <= keep)
		return;
	n = tc->count - keep;
	for (unsigned int i = keep; i < tc->count; i++)
		np_track_unpoison(tc->skbs[i], sizeof(struct np_skb));
	np_small_free_bulk((void **)&tc->skbs[keep], n);
	tc->count = keep;
}

void np_skb_thread_flush(void)
{
	struct np_skb_thread_cache *tc = &np_skb_tc;

	np_skb_structs_release(tc, 0);
	np_frag_cache_drain(tc);
}

static void np_skb_thread_exit(void *arg)
{
	struct np_skb_thread_cache *tc = arg, **pp;
	np_atomic_u64 *from = (np_atomic_u64 *)&tc->cnt, *to = (np_atomic_u64 *)&np_skb_retired;

	np_skb_thread_flush();
	/* fold the counters and leave the list in one step, so no reader counts them twice */
	pthread_mutex_lock(&np_skb_threads_lock);
	for (size_t i = 0; i < sizeof(tc->cnt) / sizeof(*from); i++) {
		atomic_fetch_add_explicit(&to[i], atomic_load_explicit(&from[i], memory_order_relaxed),
					  memory_order_relaxed);
		atomic_store_explicit(&from[i], 0, memory_order_relaxed);
	}
	for (pp = &np_skb_threads; *pp; pp = &(*pp)->next_tc)
		if (*pp == tc) {
			*pp = tc->next_tc;
			break;
		}
	pthread_mutex_unlock(&np_skb_threads_lock);
	/* a later destructor that frees skbs registers the thread again */
	tc->registered = false;
	tc->put_limit = 0;
}

static void np_skb_key_init(void)
{
	pthread_key_create(&np_skb_key, np_skb_thread_exit);
}

static void np_skb_tc_register(struct np_skb_thread_cache *tc)
{
	pthread_once(&np_skb_once, np_skb_key_init);
	pthread_setspecific(np_skb_key, tc);
	pthread_mutex_lock(&np_skb_threads_lock);
	tc->next_tc = np_skb_threads;
	np_skb_threads = tc;
	pthread_mutex_unlock(&np_skb_threads_lock);
	tc->registered = true;
	tc->put_limit = NP_SKB_CACHE_SIZE;
}

/* Zero an skb struct with wide stores (a string instruction costs more at this size). */
NP_INLINE void np_skb_zero(struct np_skb *skb)
{
	typedef uint64_t np_v16 __attribute__((vector_size(16), may_alias));
	np_v16 *w = (np_v16 *)(void *)skb;
	const np_v16 z = { 0, 0 };

	/* spelled out: a loop would be turned back into memset */
	_Static_assert(sizeof(*skb) == 8 * sizeof(np_v16), "eight vectors");
	w[0] = z; w[1] = z; w[2] = z; w[3] = z;
	w[4] = z; w[5] = z; w[6] = z; w[7] = z;
}

/* Refill this thread's struct cache. Return: false when nothing could be had. */
static NP_NOINLINE bool np_skb_struct_refill(struct np_skb_thread_cache *tc)
{
	struct np_provider *prov = np_skb_provider();

	if (!tc->registered)
		np_skb_tc_register(tc);
	tc->count += np_small_alloc_bulk(prov, sizeof(struct np_skb), (void **)&tc->skbs[tc->count],
					 NP_SKB_CACHE_BULK - tc->count);
	return tc->count != 0;
}

NP_INLINE struct np_skb *np_skb_struct_get(struct np_skb_thread_cache *tc)
{
	struct np_skb *skb;

	if (np_unlikely(!tc->count) && !np_skb_struct_refill(tc))
		return NULL;
	skb = tc->skbs[--tc->count];
	np_track_unpoison(skb, sizeof(*skb));
	np_skb_zero(skb);
	np_skb_count(tc, allocated);
	return skb;
}

struct np_skb *np_skb_struct_alloc(void)
{
	return np_skb_struct_get(&np_skb_tc);
}

static NP_NOINLINE void np_skb_struct_flush(struct np_skb_thread_cache *tc)
{
	if (!tc->registered)
		np_skb_tc_register(tc);
	np_skb_structs_release(tc, NP_SKB_CACHE_SIZE - NP_SKB_CACHE_BULK);
}

static NP_NOINLINE void np_skb_fclone_free(struct np_skb_thread_cache *tc, struct np_skb *skb)
{
	struct np_skb_fclones *fc = skb->fclone == NP_SKB_FCLONE_ORIG ?
		NP_CONTAINER_OF(skb, struct np_skb_fclones, skb1) :
		NP_CONTAINER_OF(skb, struct np_skb_fclones, skb2);

	if (!tc->registered)
		np_skb_tc_register(tc);
	/* the pair goes when both halves are free */
	if (atomic_fetch_sub_explicit(&fc->fclone_ref, 1, memory_order_acq_rel) == 1)
		np_small_free(fc);
}

/*
 * Back to this thread's cache, not counted: the caller counts the free, as
 * freed or as a drop. The thread is registered when this returns.
 */
NP_INLINE void np_skb_struct_recycle(struct np_skb_thread_cache *tc, struct np_skb *skb)
{
#if NP_DEBUG >= 1
	atomic_store_explicit(&skb->users, 0, memory_order_relaxed);
#endif
	if (np_unlikely(skb->fclone != NP_SKB_FCLONE_UNAVAILABLE)) {
		np_skb_fclone_free(tc, skb);
		return;
	}
	if (np_unlikely(tc->count >= tc->put_limit))
		np_skb_struct_flush(tc);
	np_track_poison(skb, sizeof(*skb));
	tc->skbs[tc->count++] = skb;
}

/* Back to this thread's cache, counted as freed (no drop reason). */
NP_INLINE void np_skb_struct_put(struct np_skb_thread_cache *tc, struct np_skb *skb)
{
	np_skb_struct_recycle(tc, skb);
	np_skb_count(tc, freed);
}

void np_skb_struct_free(struct np_skb *skb)
{
	np_skb_struct_put(&np_skb_tc, skb);
}

void *np_page_frag_alloc(uint32_t size)
{
	struct np_skb_thread_cache *tc = &np_skb_tc;
	void *p;

	size = (uint32_t)NP_SKB_DATA_ALIGN(size);
	if (np_unlikely(!size || size > (NP_PAGE_SIZE << NP_FRAG_CACHE_ORDER)))
		return NULL;
	if (np_unlikely(!tc->frag_page || tc->frag_offset + size > tc->frag_size)) {
		struct np_page *page = tc->frag_page;

		/*
		 * Every fragment of the current block already gone: reuse it, if the
		 * request fits (a fallback 4 KiB block cannot hold every size).
		 */
		if (page && size <= tc->frag_size &&
		    atomic_load_explicit(&page->refcount, memory_order_acquire) == tc->frag_bias) {
			tc->frag_offset = 0;
		} else {
			np_frag_cache_drain(tc);
			page = np_page_alloc(np_skb_provider(), NP_FRAG_CACHE_ORDER,
					     NP_NUMA_NO_NODE, 0);
			if (!page)
				page = np_page_alloc(np_skb_provider(), 0, NP_NUMA_NO_NODE, 0);
			if (!page)
				return NULL;
			if (!tc->registered)
				np_skb_tc_register(tc);
			atomic_store_explicit(&page->refcount, NP_FRAG_BIAS, memory_order_relaxed);
			tc->frag_page = page;
			tc->frag_bias = NP_FRAG_BIAS;
			tc->frag_offset = 0;
			tc->frag_size = (uint32_t)np_page_size(page);
		}
		if (size > tc->frag_size)
			return NULL;
	}
	p = (char *)np_page_address(tc->frag_page) + tc->frag_offset;
	tc->frag_offset += size;
	tc->frag_bias--;	/* one of our references moves to the caller */
	return p;
}

/* ---- building skbs ---- */

NP_INLINE void np_skb_head_init(struct np_skb *skb, void *head, uint32_t size,
					     bool head_frag)
{
	struct np_skb_shared_info *sh;

	skb->head = head;
	skb->data = head;
	skb->tail = 0;
	skb->end = size - (uint32_t)NP_SKB_SHINFO_SIZE;
	skb->len = 0;
	skb->data_len = 0;
	skb->truesize = size + (uint32_t)sizeof(struct np_skb);
	skb->head_frag = head_frag;
	skb->mac_header = skb->network_header = skb->transport_header = NP_SKB_HDR_UNSET;
	atomic_store_explicit(&skb->users, 1, memory_order_relaxed);
	sh = np_skb_shinfo(skb);
	memset(sh, 0, offsetof(struct np_skb_shared_info, frags));
	atomic_store_explicit(&sh->dataref, 1, memory_order_relaxed);
}

void np_skb_init_head(struct np_skb *skb, void *head, uint32_t size, bool head_frag)
{
	NP_ASSERT_MISUSE(skb && head && size > NP_SKB_SHINFO_SIZE);
	np_skb_head_init(skb, head, size, head_frag);
}

/* What a struct built around a page buffer holds before its buffer's values go in. */
static const struct np_skb np_skb_built = {
	.users = 1,
	.mac_header = NP_SKB_HDR_UNSET,
	.network_header = NP_SKB_HDR_UNSET,
	.transport_header = NP_SKB_HDR_UNSET,
	.head_frag = 1,
};

/*
 * A struct fresh from the cache, built around a page buffer: the same fields
 * as np_skb_zero() + np_skb_head_init(skb, head, size, true), but each 16-byte
 * part of the struct written once, the buffer's values combined with the
 * constant ones, instead of zeroing it all and storing a dozen fields over it.
 */
NP_INLINE void np_skb_build_init(struct np_skb *skb, void *head, uint32_t size)
{
	typedef uint64_t np_v16 __attribute__((vector_size(16), may_alias));
	const np_v16 *t = (const np_v16 *)(const void *)&np_skb_built;
	np_v16 *w = (np_v16 *)(void *)skb;
	uint64_t end = size - (uint32_t)NP_SKB_SHINFO_SIZE;
	uint64_t truesize = size + (uint32_t)sizeof(struct np_skb);
	struct np_skb_shared_info *sh;

	/* the fields this writes in place, where the vectors below put them */
	_Static_assert(offsetof(struct np_skb, head) == 16 && offsetof(struct np_skb, data) == 24 &&
		       offsetof(struct np_skb, end) == 36 && offsetof(struct np_skb, truesize) == 48,
		       "np_skb_build_init() knows where head, data, end and truesize are");
	_Static_assert(sizeof(*skb) == 8 * sizeof(np_v16), "eight vectors");
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	w[0] = t[0];
	w[1] = (np_v16){ (uint64_t)(uintptr_t)head, (uint64_t)(uintptr_t)head };
	w[2] = t[2] | (np_v16){ end << 32, 0 };
	w[3] = t[3] | (np_v16){ truesize, 0 };
	w[4] = t[4]; w[5] = t[5]; w[6] = t[6]; w[7] = t[7];
#else
	*skb = np_skb_built;
	skb->head = head;
	skb->data = head;
	skb->end = (uint32_t)end;
	skb->truesize = (uint32_t)truesize;
#endif
	sh = (struct np_skb_shared_info *)((unsigned char *)head + end);
	memset(sh, 0, offsetof(struct np_skb_shared_info, frags));
	atomic_store_explicit(&sh->dataref, 1, memory_order_relaxed);
}

/* np_build_skb() when this thread's struct cache is empty: refill it first. */
static NP_NOINLINE struct np_skb *np_build_skb_refill(void *data, uint32_t frag_size)
{
	struct np_skb *skb = np_skb_struct_get(&np_skb_tc);

	if (!skb)
		return NULL;
	np_skb_head_init(skb, data, frag_size, true);
	return skb;
}

/* An skb around @data from @tc's cache; the refill out of line (no stack frame for the common case). */
NP_INLINE struct np_skb *np_skb_build_one(struct np_skb_thread_cache *tc, void *data,
					  uint32_t frag_size)
{
	struct np_skb *skb;

	if (np_unlikely(!tc->count))
		return np_build_skb_refill(data, frag_size);
	skb = tc->skbs[--tc->count];
	np_track_unpoison(skb, sizeof(*skb));
	np_skb_count(tc, allocated);
	np_skb_build_init(skb, data, frag_size);
	return skb;
}

struct np_skb *np_build_skb(void *data, uint32_t frag_size)
{
	if (np_unlikely(!data || frag_size <= NP_SKB_SHINFO_SIZE))
		return NULL;
	return np_skb_build_one(&np_skb_tc, data, frag_size);
}

struct np_skb *np_napi_build_skb(void *data, uint32_t frag_size)
{
	return np_build_skb(data, frag_size);
}

unsigned int np_build_skb_bulk(void *const *data, uint32_t frag_size, struct np_skb **skbs,
			       unsigned int n)
{
	struct np_skb_thread_cache *tc = &np_skb_tc;
	unsigned int i;

	NP_MISUSE_IF(n && (!data || !skbs), "np_build_skb_bulk", "%u skbs from buffer array %p "
		     "into array %p", n, (const void *)data, (void *)skbs);
	if (np_unlikely(frag_size <= NP_SKB_SHINFO_SIZE))
		return 0;
	for (i = 0; i < n; i++) {
		struct np_skb *skb;

		if (np_unlikely(!data[i]))
			break;
		skb = np_skb_build_one(tc, data[i], frag_size);
		if (!skb)
			break;
		skbs[i] = skb;
	}
	return i;
}

struct np_skb *np_alloc_skb(uint32_t size)
{
	size_t total = NP_SKB_DATA_ALIGN(size) + NP_SKB_SHINFO_SIZE;
	struct np_skb *skb;
	void *head;

	if (np_unlikely(total > (NP_PAGE_SIZE << NP_PAGE_MAX_ORDER)))
		return NULL;
	skb = np_skb_struct_alloc();
	if (!skb)
		return NULL;
	head = np_small_alloc(np_skb_provider(), total);
	if (!head) {
		np_skb_struct_free(skb);
		return NULL;
	}
	/* all of the object's room is usable (the size class may round up) */
	np_skb_init_head(skb, head, (uint32_t)np_small_usable_size(head), false);
	return skb;
}

struct np_skb *np_alloc_skb_fclone(uint32_t size)
{
	size_t total = NP_SKB_DATA_ALIGN(size) + NP_SKB_SHINFO_SIZE;
	struct np_skb_fclones *fc;
	void *head;

	if (np_unlikely(total > (NP_PAGE_SIZE << NP_PAGE_MAX_ORDER)))
		return NULL;
	fc = np_small_alloc(np_skb_provider(), sizeof(*fc));
	if (!fc)
		return NULL;
	head = np_small_alloc(np_skb_provider(), total);
	if (!head) {
		np_small_free(fc);
		return NULL;
	}
	memset(fc, 0, sizeof(*fc));
	atomic_store_explicit(&fc->fclone_ref, 1, memory_order_relaxed);
	fc->skb1.fclone = NP_SKB_FCLONE_ORIG;
	fc->skb2.fclone = NP_SKB_FCLONE_CLONE;
	np_skb_init_head(&fc->skb1, head, (uint32_t)np_small_usable_size(head), false);
	np_skb_count(np_skb_tc_get(), allocated);
	return &fc->skb1;
}

struct np_skb *np_netdev_alloc_skb(uint32_t len)
{
	size_t total = NP_SKB_DATA_ALIGN((size_t)len + NP_SKB_PAD) + NP_SKB_SHINFO_SIZE;
	struct np_skb *skb;
	void *data;

	/* len + NP_SKB_PAD must not wrap into a small request */
	if (np_unlikely(len > UINT32_MAX - NP_SKB_PAD))
		return NULL;
	if (total > (NP_PAGE_SIZE << NP_FRAG_CACHE_ORDER)) {
		skb = np_alloc_skb(len + NP_SKB_PAD);
	} else {
		data = np_page_frag_alloc((uint32_t)total);
		if (!data)
			return NULL;
		skb = np_build_skb(data, (uint32_t)total);
		if (!skb)
			np_page_put(np_virt_to_page(data));
	}
	if (skb)
		np_skb_reserve(skb, NP_SKB_PAD);
	return skb;
}

struct np_skb *np_napi_alloc_skb(uint32_t len)
{
	return np_netdev_alloc_skb(len);
}

/* ---- references and release ---- */

/* One pool reference of a pool page back; false when @page is no pool page. */
NP_INLINE bool np_pp_put_page(struct np_page *page)
{
	if (np_unlikely(!np_page_is_pp(page)))
		return false;
	/* direct recycling only when this thread runs the pool's napi */
	np_pool_put_full_page(page->pp, page, false);
	return true;
}

bool np_napi_pp_put_page(struct np_page *page)
{
	return np_pp_put_page(page);
}

/* A reference of the kind @recycle selects, released inline (the reference rule). */
NP_INLINE void np_skb_unref_page(struct np_page *page, bool recycle)
{
	if (recycle && np_pp_put_page(page))
		return;
	np_page_put(page);
}

NP_INLINE void np_skb_head_free(struct np_skb *skb)
{
	if (skb->head_frag)
		np_skb_unref_page(np_virt_to_page(skb->head), skb->pp_recycle);
	else
		np_small_free(skb->head);
}

void np_skb_free_head(struct np_skb *skb)
{
	np_skb_head_free(skb);
}

/* Drop this skb's share of the data. Return: true when it was the last one. */
NP_INLINE bool np_skb_data_unref(struct np_skb *skb)
{
	struct np_skb_shared_info *sh = np_skb_shinfo(skb);
	int bias;

	if (!skb->cloned)
		return true;
	bias = skb->nohdr ? (1 << NP_SKB_DATAREF_SHIFT) + 1 : 1;
	if (atomic_load_explicit(&sh->dataref, memory_order_acquire) == bias)
		return true;
	return atomic_fetch_sub_explicit(&sh->dataref, bias, memory_order_acq_rel) == bias;
}

static void np_kfree_skb_list_reason(struct np_skb *skb, enum np_skb_drop_reason reason);

/* The members of a frag_list go with the packet's own reason (a consumed GRO packet is no drop). */
NP_INLINE void np_skb_data_release(struct np_skb *skb, enum np_skb_drop_reason reason)
{
	struct np_skb_shared_info *sh = np_skb_shinfo(skb);

	if (np_skb_data_unref(skb)) {
		for (unsigned i = 0; i < sh->nr_frags; i++)
			np_skb_unref_page(sh->frags[i].page, skb->pp_recycle);
		if (np_unlikely(sh->frag_list != NULL))
			np_kfree_skb_list_reason(sh->frag_list, reason);
		np_skb_head_free(skb);
	}
	/*
	 * Whoever gives up a share stops recycling: only the holder of the last
	 * share may return pool references, and a clone that let go must never
	 * recycle later.
	 */
	skb->pp_recycle = 0;
}

void np_skb_release_data(struct np_skb *skb)
{
	np_skb_data_release(skb, NP_SKB_DROP_CONSUMED);
}

static NP_NOINLINE void np_skb_release_data_slow(struct np_skb *skb, enum np_skb_drop_reason reason)
{
	np_skb_data_release(skb, reason);
}

/* Drop a reference to the skb itself. Return: true when it was the last. */
NP_INLINE bool np_skb_unref(struct np_skb *skb)
{
	int users = atomic_load_explicit(&skb->users, memory_order_acquire);

	/* debug builds zero users when the struct is freed (np_skb_struct_put) */
	NP_MISUSE_IF(users <= 0, "np_skb_unref", "skb %p freed again (double free), or used "
		     "after it was freed", (void *)skb);
	if (users == 1)
		return true;
	return atomic_fetch_sub_explicit(&skb->users, 1, memory_order_acq_rel) == 1;
}

/* The last reference to @skb went: release its data and its struct. */
NP_INLINE void np_skb_free_last(struct np_skb *skb, enum np_skb_drop_reason reason)
{
	struct np_skb_thread_cache *tc;

	if (skb->head) {
		const struct np_skb_shared_info *sh = np_skb_shinfo(skb);

		/* the common packet: a private head and nothing else */
		if (np_likely(!skb->cloned && !sh->nr_frags && !sh->frag_list))
			np_skb_head_free(skb);
		else
			np_skb_release_data_slow(skb, reason);
	}
	tc = np_skb_tc_here();
	np_skb_struct_recycle(tc, skb);
	np_skb_count(tc, drops[reason]);	/* counts the free too (np_skb_live()) */
}

/* Drop a reference to @skb; the last one releases its data and its struct. */
NP_INLINE void np_skb_drop(struct np_skb *skb, enum np_skb_drop_reason reason)
{
	if (skb && np_skb_unref(skb))
		np_skb_free_last(skb, reason);
}

void np_kfree_skb_reason(struct np_skb *skb, enum np_skb_drop_reason reason)
{
	if ((unsigned)reason >= NP_SKB_DROP_MAX)
		reason = NP_SKB_DROP_NOT_SPECIFIED;
	np_skb_drop(skb, reason);
}

void np_consume_skb(struct np_skb *skb)
{
	np_skb_drop(skb, NP_SKB_DROP_CONSUMED);
}

void np_napi_consume_skb(struct np_skb *skb, int budget)
{
	/*
	 * Outside a poll (budget 0) and inside one alike, pool pages go through
	 * np_napi_pp_put_page(), which recycles directly only when this thread
	 * runs the owning napi; structs go to this thread's cache either way.
	 */
	(void)budget;
	np_skb_drop(skb, NP_SKB_DROP_CONSUMED);
}

void np_napi_consume_skb_bulk(struct np_skb *const *skbs, unsigned int n, int budget)
{
	(void)budget;
	NP_MISUSE_IF(n && !skbs, "np_napi_consume_skb_bulk", "%u skbs from a NULL array", n);
	for (unsigned int i = 0; i < n; i++)
		np_skb_drop(skbs[i], NP_SKB_DROP_CONSUMED);
}

/* ---- deferred free: the last reference on another thread than the builder's ---- */

/*
 * The pool whose owner should free @skb: that of its head page, else of its
 * first frag, when it holds pool references (pp_recycle). NULL: none.
 */
static struct np_pool *np_skb_owner_pool(const struct np_skb *skb)
{
	const struct np_skb_shared_info *sh;
	const struct np_page *page;

	if (!skb->pp_recycle || !skb->head)
		return NULL;
	if (skb->head_frag) {
		page = np_virt_to_page(skb->head);
		if (np_page_is_pp(page))
			return page->pp;
	}
	sh = np_skb_shinfo(skb);
	if (sh->nr_frags && np_page_is_pp(sh->frags[0].page))
		return sh->frags[0].page->pp;
	return NULL;
}

/* The owner frees what other threads handed it (np_pool_defer_push()'s release). */
static unsigned int np_skb_defer_release(void *list)
{
	struct np_skb *skb = list;
	unsigned int n = 0;

	while (skb) {
		struct np_skb *next = skb->next;

		if (next)
			__builtin_prefetch(next);
		skb->next = NULL;
		np_skb_free_last(skb, NP_SKB_DROP_CONSUMED);
		n++;
		skb = next;
	}
	return n;
}

void np_skb_attempt_defer_free(struct np_skb *skb)
{
	struct np_napi_ctx *napi;
	struct np_pool *pool;

	if (!skb || !np_skb_unref(skb))
		return;
	pool = np_skb_owner_pool(skb);
	if (!pool)
		goto here;
	napi = atomic_load_explicit(&pool->napi, memory_order_relaxed);
	if (!napi || napi == np_napi_ctx_current())
		goto here;
	/* the skb keeps its one user and its page references while it waits */
	if (np_pool_defer_push(pool, skb, np_skb_defer_release))
		return;
here:
	np_skb_free_last(skb, NP_SKB_DROP_CONSUMED);
}

void np_kfree_skb_partial(struct np_skb *skb, bool head_stolen)
{
	if (!skb)
		return;
	if (head_stolen) {
		/* the head and frags moved to another skb: only the struct goes */
		struct np_skb_thread_cache *tc = &np_skb_tc;

		np_skb_struct_recycle(tc, skb);
		np_skb_count(tc, drops[NP_SKB_DROP_CONSUMED]);	/* and the free */
	} else {
		np_consume_skb(skb);
	}
}

static void np_kfree_skb_list_reason(struct np_skb *skb, enum np_skb_drop_reason reason)
{
	while (skb) {
		struct np_skb *next = skb->next;

		np_skb_drop(skb, reason);
		skb = next;
	}
}

void np_kfree_skb_list(struct np_skb *skb)
{
	np_kfree_skb_list_reason(skb, NP_SKB_DROP_NOT_SPECIFIED);
}

/* ---- sharing: clone and expand ---- */

struct np_skb *np_skb_clone(struct np_skb *skb)
{
	uint8_t fclone = NP_SKB_FCLONE_UNAVAILABLE;
	struct np_skb *n;

	if (skb->fclone == NP_SKB_FCLONE_ORIG) {
		struct np_skb_fclones *fc = NP_CONTAINER_OF(skb, struct np_skb_fclones, skb1);

		if (atomic_load_explicit(&fc->fclone_ref, memory_order_acquire) == 1) {
			n = &fc->skb2;
			fclone = NP_SKB_FCLONE_CLONE;
			atomic_store_explicit(&fc->fclone_ref, 2, memory_order_relaxed);
			np_skb_count(np_skb_tc_get(), allocated);
		}
	}
	if (fclone == NP_SKB_FCLONE_UNAVAILABLE) {
		n = np_skb_struct_alloc();
		if (!n)
			return NULL;
	}
	/* every field but the list links, the users count and which struct it is */
	memcpy(n, skb, sizeof(*n));
	n->next = n->prev = NULL;
	n->fclone = fclone;
	atomic_store_explicit(&n->users, 1, memory_order_relaxed);
	n->nohdr = 0;
	n->cloned = 1;
	skb->cloned = 1;
	atomic_fetch_add_explicit(&np_skb_shinfo(skb)->dataref, 1, memory_order_relaxed);
	return n;
}

static void np_skb_headers_offset(struct np_skb *skb, int off)
{
	if (skb->mac_header != NP_SKB_HDR_UNSET)
		skb->mac_header = (uint16_t)(skb->mac_header + off);
	if (skb->network_header != NP_SKB_HDR_UNSET)
		skb->network_header = (uint16_t)(skb->network_header + off);
	if (skb->transport_header != NP_SKB_HDR_UNSET)
		skb->transport_header = (uint16_t)(skb->transport_header + off);
	if (skb->ip_summed == NP_CHECKSUM_PARTIAL)
		skb->csum_start = (uint16_t)(skb->csum_start + off);
}

int np_pskb_expand_head(struct np_skb *skb, uint32_t nhead, uint32_t ntail)
{
	struct np_skb_shared_info *osh = np_skb_shinfo(skb), *nsh;
	size_t size = NP_SKB_DATA_ALIGN((size_t)skb->end + nhead + ntail);
	uint32_t usable;
	unsigned char *data;
	long off;

	NP_ASSERT_MISUSE(!np_skb_shared(skb));
	data = np_small_alloc(np_skb_provider(), size + NP_SKB_SHINFO_SIZE);
	if (!data)
		return -ENOMEM;
	usable = (uint32_t)np_small_usable_size(data) - (uint32_t)NP_SKB_SHINFO_SIZE;

	memcpy(data + nhead, skb->head, skb->tail);
	nsh = (struct np_skb_shared_info *)(data + usable);
	/*
	 * Field by field: dataref is an atomic that the other holders of a
	 * cloned head may be dropping right now, so it is not copied (set below).
	 */
	nsh->flags = osh->flags;
	nsh->nr_frags = osh->nr_frags;
	nsh->gso_size = osh->gso_size;
	nsh->gso_segs = osh->gso_segs;
	nsh->gso_type = osh->gso_type;
	nsh->reserved = osh->reserved;
	nsh->frag_list = osh->frag_list;
	memcpy(nsh->frags, osh->frags, osh->nr_frags * sizeof(osh->frags[0]));

	if (np_skb_cloned(skb)) {
		/*
		 * The frags stay shared with the other holders: take page
		 * references of our own, then give up our share (which also
		 * ends our recycling: our slots now hold page references).
		 */
		for (unsigned i = 0; i < osh->nr_frags; i++)
			np_page_get(osh->frags[i].page);
		for (struct np_skb *l = osh->frag_list; l; l = l->next)
			np_skb_get(l);
		np_skb_release_data(skb);
	} else {
		/* only the old head goes (recycled if it was a pool head); pp_recycle stays */
		np_skb_free_head(skb);
	}
	off = (long)(data + nhead - skb->head);
	skb->head = data;
	skb->head_frag = 0;
	skb->data += off;
	skb->tail += nhead;	/* an offset from head: the bytes moved by nhead only */
	skb->end = usable;
	np_skb_headers_offset(skb, (int)nhead);
	skb->cloned = 0;
	skb->nohdr = 0;
	atomic_store_explicit(&nsh->dataref, 1, memory_order_relaxed);
	return 0;
}

/* ---- data movement ---- */

int np_skb_copy_bits(const struct np_skb *skb, uint32_t offset, void *to, uint32_t len)
{
	const struct np_skb_shared_info *sh = np_skb_shinfo(skb);
	uint32_t start = np_skb_headlen(skb), copy;
	char *out = to;

	NP_MISUSE_IF(len && !to, "np_skb_copy_bits", "skb %p: %u bytes copied to NULL",
		     (const void *)skb, len);
	if (offset > skb->len || len > skb->len - offset)
		return -EFAULT;
	if (offset < start) {
		copy = NP_MIN(start - offset, len);
		memcpy(out, skb->data + offset, copy);
		if (!(len -= copy))
			return 0;
		offset += copy;
		out += copy;
	}
	for (unsigned i = 0; i < sh->nr_frags; i++) {
		const struct np_skb_frag *f = &sh->frags[i];
		uint32_t end = start + f->len;

		if (offset < end) {
			copy = NP_MIN(end - offset, len);
			memcpy(out, (char *)np_skb_frag_address(f) + (offset - start), copy);
			if (!(len -= copy))
				return 0;
			offset += copy;
			out += copy;
		}
		start = end;
	}
	for (const struct np_skb *l = sh->frag_list; l; l = l->next) {
		uint32_t end = start + l->len;

		if (offset < end) {
			copy = NP_MIN(end - offset, len);
			if (np_skb_copy_bits(l, offset - start, out, copy))
				return -EFAULT;
			if (!(len -= copy))
				return 0;
			offset += copy;
			out += copy;
		}
		start = end;
	}
	return len ? -EFAULT : 0;
}

int np_skb_linearize(struct np_skb *skb)
{
	uint32_t headroom = np_skb_headroom(skb), len = skb->len;
	size_t size = NP_SKB_DATA_ALIGN((size_t)headroom + len) + NP_SKB_SHINFO_SIZE;
	struct np_skb_shared_info *sh;
	unsigned char *data;
	uint32_t usable;

	if (!np_skb_is_nonlinear(skb))
		return 0;
	NP_ASSERT_MISUSE(!np_skb_shared(skb));
	if (size > (NP_PAGE_SIZE << NP_PAGE_MAX_ORDER))
		return -ENOMEM;
	data = np_small_alloc(np_skb_provider(), size);
	if (!data)
		return -ENOMEM;
	if (np_skb_copy_bits(skb, 0, data + headroom, len)) {
		np_small_free(data);
		return -EFAULT;
	}
	usable = (uint32_t)np_small_usable_size(data) - (uint32_t)NP_SKB_SHINFO_SIZE;
	memcpy(data, skb->head, headroom);
	/* everything is copied out: give up the old data whatever it was */
	np_skb_release_data(skb);
	skb->head = data;
	skb->data = data + headroom;
	skb->tail = headroom + len;
	skb->end = usable;
	skb->data_len = 0;
	skb->head_frag = 0;
	skb->cloned = 0;
	skb->nohdr = 0;
	sh = np_skb_shinfo(skb);
	memset(sh, 0, offsetof(struct np_skb_shared_info, frags));
	atomic_store_explicit(&sh->dataref, 1, memory_order_relaxed);
	return 0;
}

/* Drop @eat bytes from the front of the frags (they were copied to the head). */
static void np_skb_eat_frags(struct np_skb *skb, uint32_t eat)
{
	struct np_skb_shared_info *sh = np_skb_shinfo(skb);
	unsigned k = 0;

	for (unsigned i = 0; i < sh->nr_frags; i++) {
		struct np_skb_frag *f = &sh->frags[i];

		if (f->len <= eat) {
			eat -= f->len;
			np_skb_frag_unref(skb, i);
			continue;
		}
		f->offset += eat;
		f->len -= eat;
		eat = 0;
		sh->frags[k++] = *f;
	}
	sh->nr_frags = (uint8_t)k;
}

bool np_pskb_may_pull(struct np_skb *skb, uint32_t len)
{
	uint32_t headlen = np_skb_headlen(skb), delta, frag_bytes = 0;
	struct np_skb_shared_info *sh;

	if (np_likely(len <= headlen))
		return true;
	if (len > skb->len)
		return false;
	delta = len - headlen;
	sh = np_skb_shinfo(skb);
	for (unsigned i = 0; i < sh->nr_frags; i++)
		frag_bytes += sh->frags[i].len;
	if (delta > frag_bytes)		/* reaches into frag_list: linearize */
		return np_skb_linearize(skb) == 0;
	if (skb->end - skb->tail < delta || np_skb_cloned(skb)) {
		uint32_t grow = skb->end - skb->tail < delta ? delta + 128 : 0;

		if (np_pskb_expand_head(skb, 0, grow))
			return false;
		sh = np_skb_shinfo(skb);
	}
	if (np_skb_copy_bits(skb, headlen, np_skb_tail_pointer(skb), delta))
		return false;
	np_skb_eat_frags(skb, delta);
	skb->tail += delta;
	skb->data_len -= delta;
	return true;
}

int np_pskb_trim(struct np_skb *skb, uint32_t len)
{
	struct np_skb_shared_info *sh;
	uint32_t offset = np_skb_headlen(skb);
	unsigned i, nfrags;

	if (len >= skb->len)
		return 0;
	if (np_skb_cloned(skb) && np_pskb_expand_head(skb, 0, 0))
		return -ENOMEM;
	sh = np_skb_shinfo(skb);
	if (len <= offset) {
		/* everything outside the head goes */
		for (i = 0; i < sh->nr_frags; i++)
			np_skb_frag_unref(skb, i);
		sh->nr_frags = 0;
		if (sh->frag_list) {
			np_kfree_skb_list(sh->frag_list);
			sh->frag_list = NULL;
		}
		skb->data_len = 0;
		skb->len = offset;
		np_skb_trim(skb, len);
		return 0;
	}
	nfrags = sh->nr_frags;
	for (i = 0; i < nfrags; i++) {
		uint32_t end = offset + sh->frags[i].len;

		if (end >= len) {
			sh->frags[i].len = len - offset;
			for (unsigned j = i + 1; j < nfrags; j++)
				np_skb_frag_unref(skb, j);
			sh->nr_frags = (uint8_t)(i + 1);
			if (sh->frag_list) {
				np_kfree_skb_list(sh->frag_list);
				sh->frag_list = NULL;
			}
			offset = len;
			break;
		}
		offset = end;
	}
	if (offset < len) {
		/* the cut falls inside the frag_list */
		struct np_skb **pp = &sh->frag_list;

		while (*pp) {
			struct np_skb *l = *pp;
			uint32_t end = offset + l->len;

			if (offset == len) {
				*pp = NULL;
				np_kfree_skb_list(l);
				break;
			}
			/*
			 * A shared member (np_pskb_copy) and its next link belong
			 * to the other holder's chain too: every member passed on
			 * the way to the cut is replaced by a clone of our own,
			 * so the links changed below are ours alone.
			 */
			if (np_skb_shared(l)) {
				struct np_skb *c = np_skb_clone(l);

				if (!c)
					return -ENOMEM;
				c->next = l->next;
				*pp = c;
				np_kfree_skb(l);
				l = c;
			}
			if (end <= len) {
				offset = end;
				pp = &l->next;
				continue;
			}
			if (np_pskb_trim(l, len - offset))
				return -ENOMEM;
			np_kfree_skb_list(l->next);
			l->next = NULL;
			break;
		}
	}
	skb->data_len -= skb->len - len;
	skb->len = len;
	return 0;
}
