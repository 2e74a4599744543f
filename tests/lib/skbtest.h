/* SPDX-License-Identifier: MIT */
/*
 * What the skb tests share (tests/lib/skbtest.c):
 *   struct env, env_init*(), env_fini()	a private provider and pool, everything
 *					back at the end
 *   pool_new(), pool_idle(), pool_done(), prov_done()
 *   struct fate, fate_now(), CHECK_FATE()	what happened to pool pages
 *   pp_ref(), IDLE_REF, fill_rng(), check_bytes(), pool_skb(), free_skb()
 *   skbt_seed(), skbt_rng, fill()		one pseudo-random byte sequence per test
 *   struct exp and the skb builders on it	the bytes an skb should hold:
 *   pp_skb(), pf_skb(), small_skb(), add_frag(), add_pool_page(), add_pool_frag(),
 *   add_foreign(), add_page_frag(), frag_flush(), nfrags(), frag_truesize(),
 *   check_lens(), check_skb()
 */
#ifndef NETPOOL_SKBTEST_H
#define NETPOOL_SKBTEST_H

#include "testutil.h"

/* ---- environment: a private provider and pool; everything back at the end ---- */

struct env {
	struct np_provider *prov;
	struct np_pool *pool;
	struct np_napi_ctx napi;	/* ENV_OWN_NAPI: the pool's napi */
	int64_t live0;
	bool skb_prov;		/* np_skb_set_provider(prov) while the env lives */
};

enum {
	/* skb structs, small heads and page fragments come from the env's provider too */
	ENV_SKB_PROV = 1,
	/* before that, hand this thread's cached skb structs back where they came from */
	ENV_FLUSH_FIRST = 2,
	/* the pool on a napi of the env's own (e->napi) */
	ENV_OWN_NAPI = 4,
};

/* A pool of @order pages from @prov, on @napi (NULL: none). */
struct np_pool *pool_new(struct np_provider *prov, unsigned order, struct np_napi_ctx *napi);
/* Pages idle in the pool: its alloc cache, its return ring, its fragment page. */
int64_t pool_idle(struct np_pool *pool);
/* No page of @pool is out: every page it holds is idle (or its fragment page); it goes. */
void pool_done(struct np_pool *pool);
/* Every page back in @prov, then gone; @skb_prov: it was the skb provider. */
void prov_done(struct np_provider *prov, bool skb_prov);

/* A provider and an order-0 pool on @napi (NULL: none, or ENV_OWN_NAPI); @flags: ENV_*. */
void env_init_flags(struct env *e, struct np_napi_ctx *napi, unsigned flags);

/* What a GRO context or a queue delivers, kept in order (at most 64) for the test to look at. */
struct skbt_sink {
	struct np_skb *skbs[64];
	unsigned int n;
};

/* An np_gro_deliver_fn: @skb into the struct skbt_sink at @arg. */
void skbt_sink_deliver(struct np_skb *skb, void *arg);
/* skb structs, small heads and page fragments come from the env's provider. */
void env_init(struct env *e);
/* The same on @napi, after a flush of this thread's skb cache. */
void env_init_napi(struct env *e, struct np_napi_ctx *napi);
/* Only the provider and pool: skbs keep coming from the library's default provider. */
void env_init_pool_only(struct env *e);
void env_fini(struct env *e);

/* ---- what happened to pool pages: recycled (cache + ring) or released ---- */

struct fate {
	uint64_t recycled;	/* cache + ring */
	uint64_t released;	/* left the pool while still referenced */
	uint64_t left;		/* left the pool for any reason */
};

struct fate fate_now(struct np_pool *pool);
/* Since @before: @recycled pool pages recycled, @released released; @file:@line reports. */
void check_fate(struct np_pool *pool, const struct fate *before, uint64_t recycled,
		uint64_t released, const char *file, int line);

#define CHECK_FATE(pool, before, rec, rel) check_fate(pool, before, rec, rel, __FILE__, __LINE__)

static inline long pp_ref(struct np_page *page)
{
	return atomic_load(&page->pp_ref_count);
}

/* pp_ref_count of a page idle in its pool (debug builds park idle pages at 0) */
#define IDLE_REF	(NP_DEBUG >= 1 ? 0 : 1)

/* ---- payload ---- */

/* @n pseudo-random bytes at @p from the sequence @s. */
void fill_rng(void *p, uint32_t n, uint64_t *s);

/* The test's own sequence, for fill(): seed it once (not 0) before the first use. */
extern uint64_t skbt_rng;

static inline void skbt_seed(uint64_t seed)
{
	skbt_rng = seed;
}

/* @n bytes of the test's sequence at @p. */
void fill(void *p, uint32_t n);

/* @skb holds exactly the @len bytes @want (read with np_skb_copy_bits()). */
void check_bytes(const struct np_skb *skb, const uint8_t *want, uint32_t len);

/*
 * An skb on a page of @pool (np_napi_build_skb(), marked for recycle) with @len
 * bytes of the sequence @s after NP_SKB_PAD, copied to @want; the page in *@pg
 * where @pg is not NULL.
 */
struct np_skb *pool_skb(struct np_pool *pool, struct np_page **pg, uint32_t len, uint8_t *want,
			uint64_t *s);

/* Free @skb the way @how (0..5) picks. */
void free_skb(struct np_skb *skb, unsigned how);

/*
 * Append bytes [@off, @off + @len) of @page as a frag (truesize @len; the
 * caller's reference moves in), filled from the test's sequence and copied to
 * @want + the skb's length.
 */
void append_frag(struct np_skb *skb, struct np_page *page, uint32_t off, uint32_t len,
		 uint8_t *want);
/* The same with a whole page of @pool. Return: the page. */
struct np_page *append_pool_page(struct np_pool *pool, struct np_skb *skb, uint32_t len,
				 uint8_t *want);

/* ---- skbs built from pool pages, pool frags, page fragments, small heads ---- */

#define SKBT_EXP_MAX	(128 * 1024)

/* The bytes an skb should hold, in packet order. */
struct exp {
	uint32_t len;
	uint8_t b[SKBT_EXP_MAX];
};

void exp_add(struct exp *x, const void *p, uint32_t n);
/* Fill @n fresh bytes of the linear part and expect them. */
void put_bytes(struct np_skb *skb, uint32_t n, struct exp *x);
/* An skb on a whole pool page (pool reference, marked for recycle). */
struct np_skb *pp_skb(struct env *e, uint32_t headlen, struct exp *x);
/* A non-pp skb whose head is a non-pool page fragment (head_frag, page reference). */
struct np_skb *pf_skb(uint32_t room, uint32_t headlen, struct exp *x);
/* A non-pp skb with a small-object head (head_frag 0). */
struct np_skb *small_skb(uint32_t room, uint32_t headlen, struct exp *x);
/* Append a frag (the caller's reference moves in) with fresh bytes. */
void add_frag(struct np_skb *skb, struct np_page *page, uint32_t off, uint32_t len,
	      uint32_t truesize, struct exp *x);
/* A whole pool page as a frag. */
struct np_page *add_pool_page(struct env *e, struct np_skb *skb, uint32_t len, struct exp *x);
/* A fragment of the pool's shared frag page. */
struct np_page *add_pool_frag(struct env *e, struct np_skb *skb, uint32_t len, struct exp *x);
/* A page outside any pool (page reference). */
struct np_page *add_foreign(struct env *e, struct np_skb *skb, uint32_t len, struct exp *x);
/* A non-pool page fragment (np_page_frag_alloc(), page reference). */
struct np_page *add_page_frag(struct np_skb *skb, uint32_t len, struct exp *x);
/* Move the pool to a new frag page: the old one gets back its unused bias. */
void frag_flush(struct env *e);

static inline uint8_t nfrags(const struct np_skb *skb)
{
	return np_skb_shinfo(skb)->nr_frags;
}

/* Pages a packet holds, with their counts before an operation (and what it added). */
#define PGSET_MAX	64

struct pgset {
	int n;
	struct np_page *pg[PGSET_MAX];
	int ref[PGSET_MAX];		/* refcount when added */
	long ppref[PGSET_MAX];		/* pp_ref_count when added */
	int segrefs[PGSET_MAX];		/* for the caller: references it counted since */
};

/* @page into @s (once) with its counts now. */
void pgset_add(struct pgset *s, struct np_page *page);
/*
 * Every page of @skb: its frags, its members' heads and frags, and its own
 * head (a head_frag one) when @head.
 */
void pgset_collect(struct pgset *s, const struct np_skb *skb, bool head);

/* What @skb's frags add to its truesize: all of it but the head and the skb struct. */
uint32_t frag_truesize(const struct np_skb *skb);
/* The length fields agree with the frags, the frag_list and the head. */
void check_lens(const struct np_skb *skb);
/* @skb is consistent and holds the bytes of @x, and not one more. */
void check_skb(const struct np_skb *skb, const struct exp *x);

#endif /* NETPOOL_SKBTEST_H */
