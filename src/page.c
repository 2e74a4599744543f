/* SPDX-License-Identifier: MIT */
/*
 * The page provider: buddy allocation of 2^order pages out of mmap'd arenas.
 *
 * Each arena is NP_ARENA_SIZE bytes aligned to NP_ARENA_SIZE. Its first bytes
 * hold a small header and one descriptor per page; the pages those take are
 * marked NP_PAGE_F_ARENA_HDR and never handed out. The rest is split into
 * naturally aligned blocks kept on per-node, per-order free lists; freeing a
 * block merges it with its buddy while the buddy is free and of the same order.
 * The emergency reserve is a separate list of order-0 pages carved out at
 * creation; pages from it carry NP_PAGE_RESERVE_BIT in their signature word.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <stdio.h>
#include "internal.h"
#include "netpool/page.h"
#include "netpool/fault.h"
#include "netpool/poison.h"

#define NP_ARENA_MAGIC	0x6e706172u	/* "npar" */

struct np_arena_hdr {
	uint32_t magic;
	uint16_t node;
	uint16_t fixed;
	uint32_t pad0[2];
	struct np_provider *prov;
	struct np_arena_hdr *next;
	uint64_t pad[4];
};
_Static_assert(sizeof(struct np_arena_hdr) == NP_CACHE_LINE, "descriptors start at +64");

#define NP_ARENA_HDR_PAGES \
	((NP_CACHE_LINE + NP_ARENA_PAGES * sizeof(struct np_page) + NP_PAGE_SIZE - 1) >> NP_PAGE_SHIFT)

struct np_node_heap {
	struct np_page *free[NP_PAGE_MAX_ORDER + 1];
	uint64_t nfree[NP_PAGE_MAX_ORDER + 1];
};

struct np_provider {
	pthread_mutex_t lock;
	struct np_provider_params p;
	char name[32];
	struct np_node_heap heaps[NP_MAX_NUMNODES];
	struct np_arena_hdr *arenas;
	struct np_page *reserve;	/* free reserve pages, singly linked */
	uint64_t reserve_free;
	uint64_t reserve_out;
	uint64_t pages_out;		/* order-0 units, reserve excluded */
	struct np_provider_stats st;
	/* what a user above (the small-object allocator) gives back before destroy */
	_Atomic(np_provider_shrink_fn) shrink;
};

static inline struct np_arena_hdr *np_arena_of(const void *p)
{
	return (struct np_arena_hdr *)((uintptr_t)p & ~(NP_ARENA_SIZE - 1));
}

static inline uint32_t np_page_index(const struct np_page *page)
{
	return (uint32_t)(page - np_arena_pages((uintptr_t)np_arena_of(page)));
}

static void np_free_list_add(struct np_node_heap *h, struct np_page *pg, unsigned order)
{
	pg->flags = NP_PAGE_F_FREE;
	pg->order = (uint8_t)order;
	pg->free_prev = NULL;
	pg->free_next = h->free[order];
	if (pg->free_next)
		pg->free_next->free_prev = pg;
	h->free[order] = pg;
	h->nfree[order]++;
}

static void np_free_list_del(struct np_node_heap *h, struct np_page *pg)
{
	unsigned order = pg->order;

	if (pg->free_prev)
		pg->free_prev->free_next = pg->free_next;
	else
		h->free[order] = pg->free_next;
	if (pg->free_next)
		pg->free_next->free_prev = pg->free_prev;
	pg->free_next = pg->free_prev = NULL;
	pg->flags = 0;
	h->nfree[order]--;
}

/* Hand the page range [from, to) of an arena to the free lists as aligned blocks. */
static void np_arena_free_range(struct np_provider *prov, struct np_arena_hdr *a, uint32_t from,
				uint32_t to)
{
	struct np_node_heap *h = &prov->heaps[a->node];
	struct np_page *pages = np_arena_pages((uintptr_t)a);

	while (from < to) {
		unsigned order = NP_PAGE_MAX_ORDER;

		while (order && ((from & ((1u << order) - 1)) || from + (1u << order) > to))
			order--;
		np_free_list_add(h, &pages[from], order);
		from += 1u << order;
	}
}

static void np_arena_init(struct np_provider *prov, struct np_arena_hdr *a, int node, bool fixed)
{
	struct np_page *pages = np_arena_pages((uintptr_t)a);

	memset(a, 0, NP_ARENA_HDR_PAGES << NP_PAGE_SHIFT);
	a->magic = NP_ARENA_MAGIC;
	a->node = (uint16_t)node;
	a->fixed = fixed;
	a->prov = prov;
	for (uint32_t i = 0; i < NP_ARENA_PAGES; i++) {
		pages[i].node = (uint16_t)node;
		if (i < NP_ARENA_HDR_PAGES)
			pages[i].flags = NP_PAGE_F_ARENA_HDR;
	}
	np_track_poison((char *)a + (NP_ARENA_HDR_PAGES << NP_PAGE_SHIFT),
			NP_ARENA_SIZE - (NP_ARENA_HDR_PAGES << NP_PAGE_SHIFT));
	a->next = prov->arenas;
	prov->arenas = a;
	prov->st.arenas++;
	prov->st.bytes_mapped += NP_ARENA_SIZE;
}

/* Map one more arena for @node. Called with the lock held. */
static int np_provider_grow(struct np_provider *prov, int node)
{
	size_t len = 2 * NP_ARENA_SIZE;
	uintptr_t raw, base;
	void *m;

	if (prov->p.fixed_base)
		return -ENOMEM;
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (m == MAP_FAILED)
		return -ENOMEM;
	raw = (uintptr_t)m;
	base = NP_ALIGN(raw, NP_ARENA_SIZE);
	if (base > raw)
		munmap(m, base - raw);
	if (raw + len > base + NP_ARENA_SIZE)
		munmap((void *)(base + NP_ARENA_SIZE), raw + len - (base + NP_ARENA_SIZE));
	np_arena_init(prov, (struct np_arena_hdr *)base, node, false);
	np_arena_free_range(prov, (struct np_arena_hdr *)base, NP_ARENA_HDR_PAGES, NP_ARENA_PAGES);
	return 0;
}

static int np_node_of(int nid)
{
	return (nid < 0 || nid >= NP_MAX_NUMNODES) ? 0 : nid;
}

/* Take a free block of exactly @order for @node, splitting a larger one. Lock held. */
static struct np_page *np_buddy_take(struct np_provider *prov, unsigned order, int node)
{
	struct np_node_heap *h = &prov->heaps[node];
	struct np_page *pg;
	unsigned o;

	for (o = order; o <= NP_PAGE_MAX_ORDER; o++)
		if (h->free[o])
			break;
	if (o > NP_PAGE_MAX_ORDER) {
		if (np_provider_grow(prov, node))
			return NULL;
		return np_buddy_take(prov, order, node);
	}
	pg = h->free[o];
	np_free_list_del(h, pg);
	while (o > order) {
		o--;
		np_free_list_add(h, pg + (1u << o), o);
	}
	return pg;
}

static void np_block_prepare(struct np_page *pg, unsigned order, uintptr_t magic_bits)
{
	pg->flags = 0;
	pg->order = (uint8_t)order;
	pg->pp_magic = magic_bits;
	pg->pp = NULL;
	pg->dma_addr = 0;
	pg->dma_index = 0;
	pg->pp_sync_len = 0;
	pg->owner_data = 0;
	pg->reserved = 0;
	atomic_store_explicit(&pg->pp_ref_count, 0, memory_order_relaxed);
	atomic_store_explicit(&pg->refcount, 1, memory_order_relaxed);
	for (uint32_t i = 1; i < (1u << order); i++)
		pg[i].pp_magic = (uintptr_t)pg | NP_PAGE_TAIL_BIT;
}

/* One block, lock held. */
static struct np_page *np_alloc_locked(struct np_provider *prov, unsigned order, int node,
				       unsigned gfp)
{
	struct np_page *pg = NULL;
	uint64_t want = 1ull << order;
	bool over = prov->p.mem_limit &&
		    (prov->pages_out + want) * NP_PAGE_SIZE > prov->p.mem_limit;

	if (prov->p.fixed_base)
		node = 0;	/* one region: node tags do not apply */
	if (!over && !np_fault_hit(NP_FAULT_PAGE_ALLOC))
		pg = np_buddy_take(prov, order, node);
	if (pg) {
		np_block_prepare(pg, order, 0);
		prov->pages_out += want;
	} else if (order == 0 && (gfp & NP_GFP_RESERVE) && prov->reserve) {
		pg = prov->reserve;
		prov->reserve = pg->free_next;
		prov->reserve_free--;
		prov->reserve_out++;
		prov->st.reserve_alloc++;
		np_block_prepare(pg, 0, NP_PAGE_RESERVE_BIT);
	} else {
		prov->st.alloc_fail++;
		return NULL;
	}
	prov->st.alloc++;
	return pg;
}

static void np_block_ready(struct np_page *pg, unsigned gfp)
{
	np_track_unpoison(np_page_address(pg), np_page_size(pg));
	if (gfp & NP_GFP_ZERO)
		memset(np_page_address(pg), 0, np_page_size(pg));
}

struct np_page *np_page_alloc(struct np_provider *prov, unsigned order, int nid, unsigned gfp)
{
	struct np_page *pg;

	NP_MISUSE_IF(!prov, "np_page_alloc", "page allocation from a NULL provider");
	NP_MISUSE_IF(gfp & ~NP_GFP_ALL, "np_page_alloc", "unknown gfp flags %#x", gfp);
	if (order > NP_PAGE_MAX_ORDER)
		return NULL;
	pthread_mutex_lock(&prov->lock);
	pg = np_alloc_locked(prov, order, np_node_of(nid), gfp);
	pthread_mutex_unlock(&prov->lock);
	if (pg)
		np_block_ready(pg, gfp);
	return pg;
}

int np_page_alloc_bulk(struct np_provider *prov, unsigned order, int nid, unsigned gfp,
		       struct np_page **pages, int n)
{
	int i, node = np_node_of(nid);

	NP_MISUSE_IF(!prov, "np_page_alloc_bulk", "page allocation from a NULL provider");
	NP_MISUSE_IF(gfp & ~NP_GFP_ALL, "np_page_alloc_bulk", "unknown gfp flags %#x", gfp);
	NP_MISUSE_IF(n > 0 && !pages, "np_page_alloc_bulk", "%d pages asked into a NULL array", n);
	if (order > NP_PAGE_MAX_ORDER || n <= 0)
		return 0;
	pthread_mutex_lock(&prov->lock);
	for (i = 0; i < n; i++) {
		pages[i] = np_alloc_locked(prov, order, node, gfp);
		if (!pages[i])
			break;
	}
	pthread_mutex_unlock(&prov->lock);
	for (int j = 0; j < i; j++)
		np_block_ready(pages[j], gfp);
	return i;
}

void np_page_free(struct np_page *pg)
{
	struct np_arena_hdr *a = np_arena_of(pg);
	struct np_provider *prov = a->prov;
	struct np_node_heap *h = &prov->heaps[a->node];
	struct np_page *pages = np_arena_pages((uintptr_t)a);
	unsigned order = pg->order;
	uint32_t idx = np_page_index(pg);

	NP_ASSERT_MISUSE(a->magic == NP_ARENA_MAGIC);
	NP_ASSERT_MISUSE(!(pg->flags & (NP_PAGE_F_FREE | NP_PAGE_F_ARENA_HDR | NP_PAGE_F_RESERVED)));
	NP_ASSERT_MISUSE(!(pg->pp_magic & NP_PAGE_TAIL_BIT));
	NP_ASSERT_MISUSE(!np_page_is_pp(pg));
	np_track_poison(np_page_address(pg), np_page_size(pg));

	pthread_mutex_lock(&prov->lock);
	prov->st.free++;
	if (pg->pp_magic & NP_PAGE_RESERVE_BIT) {
		pg->pp_magic = 0;
		pg->flags = NP_PAGE_F_RESERVED;
		pg->free_next = prov->reserve;
		prov->reserve = pg;
		prov->reserve_free++;
		prov->reserve_out--;
		pthread_mutex_unlock(&prov->lock);
		return;
	}
	pg->pp_magic = 0;
	for (uint32_t i = 1; i < (1u << order); i++)
		pg[i].pp_magic = 0;
	prov->pages_out -= 1ull << order;
	while (order < NP_PAGE_MAX_ORDER) {
		uint32_t buddy = idx ^ (1u << order);
		struct np_page *b = &pages[buddy];

		if (buddy >= NP_ARENA_PAGES || !(b->flags & NP_PAGE_F_FREE) || b->order != order)
			break;
		np_free_list_del(h, b);
		idx &= ~(1u << order);
		order++;
	}
	np_free_list_add(h, &pages[idx], order);
	pthread_mutex_unlock(&prov->lock);
}

struct np_provider *np_page_provider(const struct np_page *page)
{
	return np_arena_of(page)->prov;
}

int np_provider_create(const struct np_provider_params *params, struct np_provider **out)
{
	struct np_provider *prov;
	struct np_provider_params p = { 0 };

	if (!out)
		return -EINVAL;
	if (params)
		p = *params;
	if (p.fixed_base || p.fixed_size) {
		if (!p.fixed_base || !p.fixed_size || ((uintptr_t)p.fixed_base & (NP_ARENA_SIZE - 1)) ||
		    (p.fixed_size & (NP_ARENA_SIZE - 1)))
			return -EINVAL;
	}
	if (p.reserve_pages > NP_ARENA_PAGES - NP_ARENA_HDR_PAGES)
		return -EINVAL;
	prov = calloc(1, sizeof(*prov));
	if (!prov)
		return -ENOMEM;
	pthread_mutex_init(&prov->lock, NULL);
	snprintf(prov->name, sizeof(prov->name), "%s", p.name ? p.name : "provider");
	p.name = prov->name;
	prov->p = p;

	pthread_mutex_lock(&prov->lock);
	if (p.fixed_base) {
		for (size_t off = 0; off < p.fixed_size; off += NP_ARENA_SIZE) {
			struct np_arena_hdr *a = (struct np_arena_hdr *)((char *)p.fixed_base + off);

			np_arena_init(prov, a, 0, true);
			np_arena_free_range(prov, a, NP_ARENA_HDR_PAGES, NP_ARENA_PAGES);
		}
		prov->st.bytes_mapped = 0;	/* the caller's memory */
	}
	for (size_t i = 0; i < p.reserve_pages; i++) {
		struct np_page *pg = np_buddy_take(prov, 0, 0);

		if (!pg)
			break;
		pg->flags = NP_PAGE_F_RESERVED;
		pg->free_next = prov->reserve;
		prov->reserve = pg;
		prov->reserve_free++;
	}
	pthread_mutex_unlock(&prov->lock);
	if (prov->reserve_free != p.reserve_pages) {
		prov->reserve_out = 0;
		np_provider_destroy(prov);
		return -ENOMEM;
	}
	*out = prov;
	return 0;
}

void np_provider_set_shrinker(struct np_provider *prov, np_provider_shrink_fn fn)
{
	atomic_store_explicit(&prov->shrink, fn, memory_order_release);
}

int np_provider_destroy(struct np_provider *prov)
{
	np_provider_shrink_fn shrink;
	struct np_arena_hdr *a, *next;

	if (!prov)
		return 0;
	shrink = atomic_load_explicit(&prov->shrink, memory_order_acquire);
	if (shrink)
		shrink(prov);	/* idle blocks users above keep go back first */
	pthread_mutex_lock(&prov->lock);
	if (prov->pages_out || prov->reserve_out) {
		pthread_mutex_unlock(&prov->lock);
		return -EBUSY;
	}
	for (a = prov->arenas; a; a = next) {
		next = a->next;
		if (a->fixed) {
			np_track_unpoison(a, NP_ARENA_SIZE);
			a->magic = 0;
		} else {
			np_track_unpoison(a, NP_ARENA_SIZE);
			munmap(a, NP_ARENA_SIZE);
		}
	}
	pthread_mutex_unlock(&prov->lock);
	pthread_mutex_destroy(&prov->lock);
	free(prov);
	return 0;
}

static struct np_provider *np_default_prov;
static pthread_once_t np_default_once = PTHREAD_ONCE_INIT;

static void np_default_init(void)
{
	if (np_provider_create(NULL, &np_default_prov))
		np_default_prov = NULL;
}

struct np_provider *np_provider_default(void)
{
	pthread_once(&np_default_once, np_default_init);
	return np_default_prov;
}

int np_provider_get_stats(struct np_provider *prov, struct np_provider_stats *st)
{
	if (!prov || !st)
		return -EINVAL;
	pthread_mutex_lock(&prov->lock);
	*st = prov->st;
	st->pages_out = prov->pages_out + prov->reserve_out;
	pthread_mutex_unlock(&prov->lock);
	return 0;
}

bool np_provider_contains(struct np_provider *prov, const void *addr)
{
	struct np_arena_hdr *want = np_arena_of(addr), *a;
	bool found = false;

	if (!prov)
		return false;
	pthread_mutex_lock(&prov->lock);
	for (a = prov->arenas; a && !found; a = a->next)
		found = a == want;
	pthread_mutex_unlock(&prov->lock);
	return found && ((uintptr_t)addr & (NP_ARENA_SIZE - 1)) >=
				(NP_ARENA_HDR_PAGES << NP_PAGE_SHIFT);
}

void *np_provider_base(struct np_provider *prov)
{
	struct np_arena_hdr *a;

	if (!prov)
		return NULL;
	if (prov->p.fixed_base)
		return prov->p.fixed_base;
	pthread_mutex_lock(&prov->lock);
	for (a = prov->arenas; a && a->next; a = a->next)
		;
	pthread_mutex_unlock(&prov->lock);
	return a;
}
