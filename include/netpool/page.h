/* SPDX-License-Identifier: MIT */
/*
 * netpool/page.h - pages, their descriptors, and the page provider.
 *
 * A provider hands out pages of order 0..NP_PAGE_MAX_ORDER from mmap'd arenas
 * that it maps on demand, up to a memory limit. Every arena is aligned to its
 * own size and starts with an array of descriptors, one per page, so the
 * descriptor of any address inside any page is found in O(1) by masking
 * (np_virt_to_page(), the kernel's virt_to_head_page()).
 *
 * A descriptor carries the page refcount, and the fields page_pool needs:
 * the owner signature (pp_magic), the owning pool (pp), the DMA address and the
 * pool reference count (pp_ref_count). Pages outside any pool use only the
 * page refcount: np_page_get()/np_page_put().
 *
 *   arena (16 MiB, aligned to 16 MiB)
 *   +--------+-------------------------+----------------------------------+
 *   | header | descriptors[4096]       | data pages (buddy-allocated) ... |
 *   +--------+-------------------------+----------------------------------+
 */
#ifndef NETPOOL_PAGE_H
#define NETPOOL_PAGE_H

#include "compiler.h"
#include "atomic.h"

NP_EXTERN_C_BEGIN

#define NP_PAGE_SHIFT		12
#define NP_PAGE_SIZE		(1UL << NP_PAGE_SHIFT)
#define NP_PAGE_MAX_ORDER	9		/* 2 MiB blocks at most */
#define NP_ARENA_SHIFT		24
#define NP_ARENA_SIZE		(1UL << NP_ARENA_SHIFT)
#define NP_ARENA_PAGES		(NP_ARENA_SIZE >> NP_PAGE_SHIFT)
#define NP_MAX_NUMNODES		8
#define NP_NUMA_NO_NODE		(-1)

typedef uint64_t np_dma_addr_t;
struct np_pool;
struct np_provider;

/*
 * The signature word. Its two low bits belong to the provider:
 *   bit 0  the descriptor is a tail page of a compound block; the rest of the
 *          word then points at the head descriptor
 *   bit 1  the page came from the emergency reserve (kernel: pfmemalloc)
 * A pool ORs NP_PP_SIGNATURE into the word when a page enters it and clears it
 * when the page leaves. No valid pointer can equal the signature (it is not a
 * canonical address), so the test is (word & NP_PP_MAGIC_MASK) == signature.
 */
#define NP_PAGE_TAIL_BIT	0x1UL
#define NP_PAGE_RESERVE_BIT	0x2UL
#define NP_PAGE_ALLOC_BITS	0x3UL
#define NP_PP_SIGNATURE		(0xdead000000000000UL + 0x40UL)
#define NP_PP_MAGIC_MASK	(~NP_PAGE_ALLOC_BITS)

/* np_page.flags (provider-private state) */
#define NP_PAGE_F_FREE		0x01	/* on a provider free list */
#define NP_PAGE_F_ARENA_HDR	0x04	/* holds arena metadata, never handed out */
#define NP_PAGE_F_RESERVED	0x08	/* free in the emergency reserve */

struct np_page {
	uintptr_t pp_magic;		/* signature | allocator bits, or tail link */
	union {
		struct {
			struct np_pool *pp;	/* owning pool while in a pool */
			np_dma_addr_t dma_addr;	/* mapping made by the pool */
		};
		struct {			/* while free in the provider */
			struct np_page *free_next;
			struct np_page *free_prev;
		};
	};
	np_atomic_long pp_ref_count;	/* pool references (fragments) */
	np_atomic_int refcount;		/* page references */
	uint32_t dma_index;		/* pool's mapping-table slot + 1, 0 = unmapped */
	uint32_t pp_sync_len;		/* bytes to sync for device at refill */
	uint16_t node;
	uint8_t order;
	uint8_t flags;
	uint32_t reserved;
	uint64_t owner_data;		/* free for the page's current owner */
};
NP_STATIC_ASSERT(sizeof(struct np_page) == 64, "np_page must fill one cache line");

/* ---- addresses and descriptors, O(1) ---- */

struct np_arena_hdr;
/**
 * np_arena_pages() - the descriptor array of the arena at @arena_base.
 * Context: any thread; arithmetic only.
 * Return: the descriptor of the arena's page 0; page i's is at index i.
 */
NP_INLINE struct np_page *np_arena_pages(uintptr_t arena_base)
{
	return (struct np_page *)(arena_base + NP_CACHE_LINE);
}

/**
 * np_virt_to_page() - descriptor of the page (head of its block) holding @addr.
 * @addr: any address inside a page from a provider; not checked: any other
 *   address gives a wild descriptor.
 * Context: any thread; arithmetic and one load, no lock.
 * Return: the head descriptor of the block holding @addr.
 */
NP_INLINE struct np_page *np_virt_to_page(const void *addr)
{
	uintptr_t a = (uintptr_t)addr;
	uintptr_t base = a & ~(NP_ARENA_SIZE - 1);
	struct np_page *pg = np_arena_pages(base) + ((a - base) >> NP_PAGE_SHIFT);

	if (np_unlikely(pg->pp_magic & NP_PAGE_TAIL_BIT))
		pg = (struct np_page *)(pg->pp_magic & ~NP_PAGE_TAIL_BIT);
	return pg;
}

/**
 * np_page_address() - first byte of the page (or block) described by @page.
 * Context: any thread; arithmetic only.
 * Return: the address.
 */
NP_INLINE void *np_page_address(const struct np_page *page)
{
	uintptr_t base = (uintptr_t)page & ~(NP_ARENA_SIZE - 1);
	size_t idx = (size_t)(page - np_arena_pages(base));

	return (void *)(base + (idx << NP_PAGE_SHIFT));
}

/**
 * np_page_size() - bytes in the block @page heads.
 * Context: any thread that holds a reference to @page.
 * Return: NP_PAGE_SIZE << the block's order.
 */
NP_INLINE size_t np_page_size(const struct np_page *page)
{
	return NP_PAGE_SIZE << page->order;
}

/**
 * np_page_is_reserve() - whether @page came from the emergency reserve (never recycled).
 * Context: any thread that holds a reference to @page.
 * Return: true for a reserve page.
 */
NP_INLINE bool np_page_is_reserve(const struct np_page *page)
{
	return page->pp_magic & NP_PAGE_RESERVE_BIT;
}

/**
 * np_page_is_pp() - whether @page is owned by a page_pool (signature under mask).
 * Context: any thread that holds a reference to @page (the signature changes only
 * when a page enters or leaves a pool); one plain load.
 * Return: true for a pool page.
 */
NP_INLINE bool np_page_is_pp(const struct np_page *page)
{
	return (page->pp_magic & NP_PP_MAGIC_MASK) == NP_PP_SIGNATURE;
}

/**
 * np_page_ref_count() - @page's page references now.
 * Context: any thread; one relaxed load, a snapshot that other holders may change.
 * Return: the count (0 for a free page).
 */
NP_INLINE int np_page_ref_count(const struct np_page *page)
{
	return atomic_load_explicit(&((struct np_page *)page)->refcount, memory_order_relaxed);
}

/**
 * np_page_get() - take a page reference.
 * Context: any thread holding one; one atomic, no lock. Taking one from nothing is
 * caught in debug builds.
 */
NP_INLINE void np_page_get(struct np_page *page)
{
	NP_MISUSE_IF(np_page_ref_count(page) <= 0, "np_page_get",
		     "page %p has no reference left: used after it was freed", (void *)page);
	atomic_fetch_add_explicit(&page->refcount, 1, memory_order_relaxed);
}

/**
 * np_page_free() - give the block @page heads back to its provider.
 * @page: a block with no reference left and not in a pool; np_page_put() calls this
 *   on the last reference.
 * Context: any thread; takes the provider's lock.
 */
NP_API void np_page_free(struct np_page *page);

/**
 * np_page_put() - drop a page reference; the last one frees the page.
 * Context: any thread; one atomic, and the provider's lock when it frees. A drop
 * below zero (double free) is caught in debug builds.
 * Return: true when this call freed the page.
 */
NP_INLINE bool np_page_put(struct np_page *page)
{
	int left = atomic_fetch_sub_explicit(&page->refcount, 1, memory_order_acq_rel) - 1;

	NP_MISUSE_IF(left < 0, "np_page_put",
		     "page %p: a reference dropped when none was held (double free)", (void *)page);
	if (np_likely(left > 0))
		return false;
	np_page_free(page);
	return true;
}

/* ---- the provider ---- */

struct np_provider_params {
	size_t mem_limit;	/* bytes of pages out at once; 0: unlimited */
	size_t reserve_pages;	/* order-0 emergency reserve kept apart; 0: none */
	void *fixed_base;	/* use this region (aligned to NP_ARENA_SIZE), never grow */
	size_t fixed_size;	/* its size, a multiple of NP_ARENA_SIZE */
	const char *name;
};

struct np_provider_stats {
	uint64_t alloc;		/* blocks handed out */
	uint64_t free;		/* blocks returned */
	uint64_t alloc_fail;	/* requests refused: limit, no memory, injected fault */
	uint64_t reserve_alloc;	/* blocks taken from the reserve */
	uint64_t pages_out;	/* order-0 pages out now */
	uint64_t arenas;	/* arenas mapped */
	uint64_t bytes_mapped;
};

/* np_page_alloc() flags */
#define NP_GFP_RESERVE	0x1u	/* may dip into the emergency reserve */
#define NP_GFP_ZERO	0x2u	/* zero the block */
#define NP_GFP_ALL	(NP_GFP_RESERVE | NP_GFP_ZERO)

/**
 * np_provider_create() - create a page provider.
 * @params: NULL for defaults (no limit, no reserve, grows on demand).
 * @out: the new provider.
 * The reserve is carved out at creation and does not count against mem_limit.
 * Context: any thread; allocates, and maps the first arena when there is a reserve.
 * Return: 0, -EINVAL (@out NULL, only one of fixed_base and fixed_size set,
 * fixed region misaligned or not a multiple of the arena size, reserve larger
 * than one arena), -ENOMEM (also: the reserve does not fit a fixed region).
 */
NP_API int np_provider_create(const struct np_provider_params *params,
			      struct np_provider **out);

/**
 * np_provider_destroy() - unmap the provider's arenas.
 * Context: any thread, once no thread allocates from @prov any more; the small
 * allocator's empty slabs go back first; takes the provider's lock, unmaps, frees.
 * Return: 0 (also for a NULL @prov: nothing done), or -EBUSY (nothing done)
 * while pages are still out.
 */
NP_API int np_provider_destroy(struct np_provider *prov);

/**
 * np_provider_default() - the process-wide provider, created on first use.
 * Context: any thread (pthread_once); never destroy it.
 * Return: the provider, or NULL when it could not be created (no memory).
 */
NP_API struct np_provider *np_provider_default(void);

/**
 * np_provider_get_stats() - a snapshot of @prov's counters into @st.
 * @prov: the provider.
 * @st: filled with the counters.
 * Context: any thread; takes the provider's lock (the counters are one instant).
 * Return: 0, or -EINVAL (@prov or @st NULL; @st untouched).
 */
NP_API int np_provider_get_stats(struct np_provider *prov, struct np_provider_stats *st);

/**
 * np_provider_contains() - whether @addr lies in one of @prov's arenas (slow; for checks).
 * @prov: the provider, or NULL.
 * @addr: any address.
 * Context: any thread; takes the provider's lock and walks its arenas.
 * Return: true when @addr is in a data page of @prov's; false otherwise, also for a
 * NULL @prov.
 */
NP_API bool np_provider_contains(struct np_provider *prov, const void *addr);

/**
 * np_provider_base() - first arena's base (the UMEM of a fixed provider).
 * Context: any thread; takes the provider's lock unless it has a fixed region.
 * Return: NULL for a NULL @prov or one that has mapped nothing yet.
 */
NP_API void *np_provider_base(struct np_provider *prov);

/**
 * np_page_alloc() - allocate a block of 2^order pages with refcount 1.
 * @prov: the provider.
 * @order: log2 of the pages in the block, 0..NP_PAGE_MAX_ORDER.
 * @nid: NUMA node tag for the block, or NP_NUMA_NO_NODE (or any value out of
 *   range) for node 0.
 * @gfp: NP_GFP_* flags.
 * Context: any thread; takes the provider's lock and may map a new arena under it;
 * NP_GFP_ZERO zeroes outside it. Data path: a NULL @prov or unknown @gfp bits are
 * caught (np_misuse()) in debug builds only.
 * Return: the head descriptor, or NULL (@order above NP_PAGE_MAX_ORDER, or
 * no memory: counted in alloc_fail).
 */
NP_API struct np_page *np_page_alloc(struct np_provider *prov, unsigned order, int nid,
				     unsigned gfp);

/**
 * np_page_alloc_bulk() - allocate up to @n blocks of one order under one lock.
 * @prov: the provider.
 * @order: as for np_page_alloc().
 * @nid: as for np_page_alloc().
 * @gfp: as for np_page_alloc().
 * @pages: room for @n descriptors.
 * @n: blocks wanted.
 * Context: any thread; takes the provider's lock once. Data path: checked as
 * np_page_alloc(), and @pages NULL with @n > 0, in debug builds.
 * Return: how many were stored in @pages (0..n; 0 for @order above
 * NP_PAGE_MAX_ORDER or @n <= 0).
 */
NP_API int np_page_alloc_bulk(struct np_provider *prov, unsigned order, int nid,
			      unsigned gfp, struct np_page **pages, int n);

/**
 * np_page_provider() - the provider a page belongs to.
 * Context: any thread; reads the arena header, no lock.
 * Return: the provider.
 */
NP_API struct np_provider *np_page_provider(const struct np_page *page);

/* ---- the small-object allocator (non-pool skb heads) ---- */

#define NP_SMALL_MAX	2048

/**
 * np_small_alloc() - allocate @size bytes (<= NP_SMALL_MAX: from slabs carved out
 * of @prov's pages; larger: a whole block). Memory is 64-byte aligned; @size
 * 0 gives the smallest class, as malloc(0) may.
 * @prov: the provider the slabs come from.
 * @size: bytes wanted.
 * Context: any thread; takes the size class's lock (and the provider's for a new
 * slab or a large object). Data path: a NULL @prov is caught in debug builds.
 * Return: the object, or NULL (no memory, @size above 2 MiB).
 */
NP_API void *np_small_alloc(struct np_provider *prov, size_t size);
/**
 * np_small_free() - free an object from np_small_alloc() (NULL: nothing).
 * Context: any thread; takes its class's lock (and the provider's when a slab empties).
 */
NP_API void np_small_free(void *obj);
/**
 * np_small_alloc_bulk() - up to @n objects of @size bytes into @objs, taking
 * the class lock once. Data path: a NULL @prov, or @objs NULL with @n > 0, is
 * caught in debug builds.
 * @prov: as for np_small_alloc().
 * @size: as for np_small_alloc().
 * @objs: room for @n objects.
 * @n: objects wanted.
 * Context: any thread; as np_small_alloc().
 * Return: how many (fewer when memory ran out).
 */
NP_API unsigned np_small_alloc_bulk(struct np_provider *prov, size_t size, void **objs, unsigned n);
/**
 * np_small_free_bulk() - free @n objects (NULLs skipped); runs of one class share the lock.
 * @objs: the objects, from np_small_alloc() or np_small_alloc_bulk().
 * @n: how many @objs holds.
 * Context: any thread; as np_small_free().
 */
NP_API void np_small_free_bulk(void **objs, unsigned n);
/**
 * np_small_trim() - give the empty slab each size class keeps (against
 * alloc/free churn) back to @prov. np_provider_destroy() does it too.
 * Nothing happens for a NULL @prov.
 * Context: any thread; takes each class's lock in turn, and the provider's.
 */
NP_API void np_small_trim(struct np_provider *prov);
/**
 * np_small_usable_size() - bytes usable in @obj (its size class).
 * Context: any thread holding @obj; no lock.
 * Return: the class's size, or the block's for a large object.
 */
NP_API size_t np_small_usable_size(const void *obj);

/* Debug builds of a program record where it calls these (see np_misuse()). */
#ifdef NP_CALL_SITES
#define np_page_put(page)	NP_AT_CALL_SITE("np_page_put", np_page_put(page))
#endif

NP_EXTERN_C_END

#endif /* NETPOOL_PAGE_H */
