/* SPDX-License-Identifier: MIT */
/*
 * The small-object allocator: heads of skbs that do not come from a pool.
 *
 * Objects of up to NP_SMALL_MAX bytes come from slabs: blocks from the page
 * provider whose first cache line is a slab header (class, list links, free
 * list, count) followed by equal-sized objects. A class keeps its slabs that
 * still have room on a list; a slab that empties goes back to the provider.
 * Larger objects are whole provider blocks. np_virt_to_page() finds the slab
 * from any object, so freeing needs no size.
 */
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "netpool/page.h"
#include "netpool/poison.h"

struct np_slab_class {
	pthread_mutex_t lock;
	uint32_t size;
	uint32_t order;
	struct np_slab_hdr *partial;	/* slabs with free objects */
	struct np_slab_hdr *empty;	/* one empty slab kept against churn */
	struct np_provider *prov;
};

struct np_slab_hdr {
	struct np_slab_class *cls;
	struct np_slab_hdr *next, *prev;	/* on cls->partial */
	void *free;				/* free objects, linked through their first word */
	uint32_t inuse;
	uint32_t capacity;
	uint32_t on_partial;
	uint32_t pad[5];
};
_Static_assert(sizeof(struct np_slab_hdr) == NP_CACHE_LINE, "objects start at +64");

#define NP_SMALL_CLASSES 6	/* 64 .. 2048 */

/*
 * A slab block is marked in the descriptor's owner field (np_page.owner_data),
 * which the provider never reads; np_page.flags belongs to the provider.
 */
#define NP_SMALL_SLAB_TAG	0x736c6162ull	/* "slab" */

static inline bool np_small_is_slab(const struct np_page *pg)
{
	return pg->owner_data == NP_SMALL_SLAB_TAG;
}

struct np_small_heap {
	struct np_provider *prov;
	struct np_slab_class cls[NP_SMALL_CLASSES];
	struct np_small_heap *next;
};

/* Heaps are only ever added (at the head), so readers walk the list lock-free. */
static pthread_mutex_t np_small_heaps_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(struct np_small_heap *) np_small_heaps;

static struct np_small_heap *np_small_heap_find(struct np_provider *prov)
{
	struct np_small_heap *h = atomic_load_explicit(&np_small_heaps, memory_order_acquire);

	while (h && h->prov != prov)
		h = h->next;
	return h;
}

/* One heap per provider (a handful of providers), created on first use. */
static struct np_small_heap *np_small_heap_of(struct np_provider *prov)
{
	struct np_small_heap *h = np_small_heap_find(prov);

	if (np_likely(h))
		return h;
	pthread_mutex_lock(&np_small_heaps_lock);
	h = np_small_heap_find(prov);
	if (!h) {
		h = calloc(1, sizeof(*h));
		if (h) {
			h->prov = prov;
			for (unsigned i = 0; i < NP_SMALL_CLASSES; i++) {
				struct np_slab_class *c = &h->cls[i];
				uint32_t order = 0;

				pthread_mutex_init(&c->lock, NULL);
				c->size = 64u << i;
				while (((NP_PAGE_SIZE << order) - NP_CACHE_LINE) / c->size < 4)
					order++;
				c->order = order;
				c->prov = prov;
			}
			h->next = atomic_load_explicit(&np_small_heaps, memory_order_relaxed);
			atomic_store_explicit(&np_small_heaps, h, memory_order_release);
		}
	}
	pthread_mutex_unlock(&np_small_heaps_lock);
	return h;
}

static void np_slab_release(struct np_slab_class *c, struct np_slab_hdr *s)
{
	struct np_page *pg = np_virt_to_page(s);

	pg->owner_data = 0;
	np_track_unpoison(s, NP_PAGE_SIZE << c->order);
	np_page_put(pg);
}

void np_small_trim(struct np_provider *prov)
{
	struct np_small_heap *h = prov ? np_small_heap_find(prov) : NULL;

	for (unsigned i = 0; h && i < NP_SMALL_CLASSES; i++) {
		struct np_slab_class *c = &h->cls[i];
		struct np_slab_hdr *s;

		pthread_mutex_lock(&c->lock);
		s = c->empty;
		c->empty = NULL;
		pthread_mutex_unlock(&c->lock);
		if (s)
			np_slab_release(c, s);
	}
}

static void np_partial_del(struct np_slab_class *c, struct np_slab_hdr *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		c->partial = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->next = s->prev = NULL;
	s->on_partial = 0;
}

static void np_partial_add(struct np_slab_class *c, struct np_slab_hdr *s)
{
	s->prev = NULL;
	s->next = c->partial;
	if (c->partial)
		c->partial->prev = s;
	c->partial = s;
	s->on_partial = 1;
}

static struct np_slab_hdr *np_slab_new(struct np_slab_class *c)
{
	struct np_page *pg = np_page_alloc(c->prov, c->order, NP_NUMA_NO_NODE, 0);
	struct np_slab_hdr *s;
	char *obj;

	if (!pg)
		return NULL;
	np_provider_set_shrinker(c->prov, np_small_trim);	/* destroy gives back empty slabs */
	pg->owner_data = NP_SMALL_SLAB_TAG;
	s = np_page_address(pg);
	memset(s, 0, sizeof(*s));
	s->cls = c;
	s->capacity = (uint32_t)(((NP_PAGE_SIZE << c->order) - NP_CACHE_LINE) / c->size);
	obj = (char *)s + NP_CACHE_LINE;
	for (uint32_t i = 0; i < s->capacity; i++, obj += c->size) {
		*(void **)obj = s->free;
		s->free = obj;
	}
	return s;
}

/* A whole provider block for an object past the largest class. */
static void *np_small_alloc_large(struct np_provider *prov, size_t size)
{
	unsigned order = 0;
	struct np_page *pg;

	while ((NP_PAGE_SIZE << order) < size)
		if (++order > NP_PAGE_MAX_ORDER)
			return NULL;
	pg = np_page_alloc(prov, order, NP_NUMA_NO_NODE, 0);
	return pg ? np_page_address(pg) : NULL;
}

/* The class serving @size, or NULL when the heap cannot be had. */
static struct np_slab_class *np_small_class(struct np_provider *prov, size_t size)
{
	struct np_small_heap *h = np_small_heap_of(prov);
	unsigned i = 0;

	if (!h)
		return NULL;
	while ((64u << i) < size)
		i++;
	return &h->cls[i];
}

/* One object of @c. Class lock held. Return: NULL when no slab can be had. */
static void *np_small_pop(struct np_slab_class *c)
{
	struct np_slab_hdr *s = c->partial;
	void *obj;

	if (!s && c->empty) {
		s = c->empty;
		c->empty = NULL;
		np_partial_add(c, s);
	}
	if (!s) {
		s = np_slab_new(c);
		if (!s)
			return NULL;
		np_partial_add(c, s);
	}
	obj = s->free;
	s->free = *(void **)obj;
	if (++s->inuse == s->capacity)
		np_partial_del(c, s);
	return obj;
}

void *np_small_alloc(struct np_provider *prov, size_t size)
{
	struct np_slab_class *c;
	void *obj;

	NP_MISUSE_IF(!prov, "np_small_alloc", "allocation from a NULL provider");
	if (size > NP_SMALL_MAX)
		return np_small_alloc_large(prov, size);
	c = np_small_class(prov, size);
	if (!c)
		return NULL;
	pthread_mutex_lock(&c->lock);
	obj = np_small_pop(c);
	pthread_mutex_unlock(&c->lock);
	if (obj)
		np_track_unpoison(obj, c->size);
	return obj;
}

unsigned np_small_alloc_bulk(struct np_provider *prov, size_t size, void **objs, unsigned n)
{
	struct np_slab_class *c;
	unsigned k = 0;

	NP_MISUSE_IF(!prov, "np_small_alloc_bulk", "allocation from a NULL provider");
	NP_MISUSE_IF(n && !objs, "np_small_alloc_bulk", "%u objects asked into a NULL array", n);
	if (size > NP_SMALL_MAX) {
		while (k < n && (objs[k] = np_small_alloc_large(prov, size)))
			k++;
		return k;
	}
	c = np_small_class(prov, size);
	if (!c)
		return 0;
	/* one lock for the whole batch */
	pthread_mutex_lock(&c->lock);
	while (k < n && (objs[k] = np_small_pop(c)))
		k++;
	pthread_mutex_unlock(&c->lock);
	for (unsigned i = 0; i < k; i++)
		np_track_unpoison(objs[i], c->size);
	return k;
}

/*
 * @obj back into its slab @s of @c. Class lock held.
 * Return: a slab that became empty and must be released (after unlocking), or NULL.
 */
static struct np_slab_hdr *np_small_push(struct np_slab_class *c, struct np_slab_hdr *s, void *obj)
{
	*(void **)obj = s->free;
	s->free = obj;
	s->inuse--;
	if (s->inuse == 0) {
		if (s->on_partial)
			np_partial_del(c, s);
		/* keep one empty slab so an alloc/free loop does not churn pages */
		if (!c->empty) {
			c->empty = s;
			return NULL;
		}
		return s;
	}
	if (!s->on_partial)
		np_partial_add(c, s);
	return NULL;
}

void np_small_free(void *obj)
{
	struct np_page *pg;
	struct np_slab_hdr *s;
	struct np_slab_class *c;

	if (!obj)
		return;
	pg = np_virt_to_page(obj);
	if (!np_small_is_slab(pg)) {
		NP_ASSERT_MISUSE(obj == np_page_address(pg));
		np_page_put(pg);
		return;
	}
	s = np_page_address(pg);
	c = s->cls;
	NP_ASSERT_MISUSE(((uintptr_t)obj - (uintptr_t)s - NP_CACHE_LINE) % c->size == 0);
#if NP_DEBUG >= 1
	memset(obj, NP_POISON_FREED_SMALL, c->size);
#endif
	np_track_poison(obj, c->size);
	np_track_unpoison(obj, sizeof(void *));
	pthread_mutex_lock(&c->lock);
	s = np_small_push(c, s, obj);
	pthread_mutex_unlock(&c->lock);
	if (s)
		np_slab_release(c, s);
}

void np_small_free_bulk(void **objs, unsigned n)
{
	struct np_slab_class *locked = NULL;
	struct np_slab_hdr *spare[64];
	unsigned nspare = 0;

	for (unsigned i = 0; i < n; i++) {
		void *obj = objs[i];
		struct np_page *pg;
		struct np_slab_hdr *s;

		if (!obj)
			continue;
		pg = np_virt_to_page(obj);
		if (!np_small_is_slab(pg) || nspare == NP_ARRAY_SIZE(spare)) {
			if (locked)
				pthread_mutex_unlock(&locked->lock);
			locked = NULL;
			while (nspare) {
				nspare--;
				np_slab_release(spare[nspare]->cls, spare[nspare]);
			}
			np_small_free(obj);
			continue;
		}
		s = np_page_address(pg);
		NP_ASSERT_MISUSE(((uintptr_t)obj - (uintptr_t)s - NP_CACHE_LINE) % s->cls->size == 0);
#if NP_DEBUG >= 1
		memset(obj, NP_POISON_FREED_SMALL, s->cls->size);
#endif
		np_track_poison(obj, s->cls->size);
		np_track_unpoison(obj, sizeof(void *));
		/* consecutive objects of one class share the lock */
		if (locked != s->cls) {
			if (locked)
				pthread_mutex_unlock(&locked->lock);
			locked = s->cls;
			pthread_mutex_lock(&locked->lock);
		}
		s = np_small_push(locked, s, obj);
		if (s)
			spare[nspare++] = s;
	}
	if (locked)
		pthread_mutex_unlock(&locked->lock);
	while (nspare) {
		nspare--;
		np_slab_release(spare[nspare]->cls, spare[nspare]);
	}
}

size_t np_small_usable_size(const void *obj)
{
	struct np_page *pg = np_virt_to_page(obj);

	if (!np_small_is_slab(pg))
		return np_page_size(pg);
	return ((struct np_slab_hdr *)np_page_address(pg))->cls->size;
}
