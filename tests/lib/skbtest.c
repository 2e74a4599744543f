/* SPDX-License-Identifier: MIT */
/*
 * The skb tests' environment, page fates, payloads and skb builders
 * (skbtest.h says what each is).
 */
#include "skbtest.h"

/* A pool of @order pages from @prov, on @napi (NULL: none). */
struct np_pool *pool_new(struct np_provider *prov, unsigned order, struct np_napi_ctx *napi)
{
	struct np_pool_params pp = { .nid = NP_NUMA_NO_NODE, .provider = prov, .order = order,
				     .napi = napi };
	struct np_pool *pool;

	CHECK_EQ(np_pool_create(&pp, &pool), 0);
	return pool;
}

/* Pages idle in the pool: its alloc cache, its return ring, its fragment page. */
int64_t pool_idle(struct np_pool *pool)
{
	return (int64_t)pool->alloc.count + (int64_t)np_pool_ring_count(pool) +
	       (pool->frag_page != NULL);
}

/* No page of @pool is out: every page it holds is idle (or its fragment page). */
void pool_done(struct np_pool *pool)
{
	struct np_pool_stats st = t_pool_stats(pool);
	uint32_t id = pool->id;

	/* nothing in flight but what the pool itself holds idle */
	CHECK(st.inflight >= 0);
	CHECK_EQ(st.inflight, pool_idle(pool));
	np_pool_destroy(pool);
	CHECK(t_wait_pool_freed(id, 10000));
}

/* Every page back in @prov, then gone; @skb_prov: it was the skb provider. */
void prov_done(struct np_provider *prov, bool skb_prov)
{
	np_skb_thread_flush();
	if (skb_prov)
		np_small_trim(prov);
	CHECK_EQ(t_pages_out(prov), 0);
	if (skb_prov)
		np_skb_set_provider(NULL);
	CHECK_EQ(np_provider_destroy(prov), 0);
}

/* A provider and an order-0 pool on @napi (NULL: none); @flags: ENV_*. */
void env_init_flags(struct env *e, struct np_napi_ctx *napi, unsigned flags)
{
	CHECK_EQ(np_provider_create(NULL, &e->prov), 0);
	if (flags & ENV_OWN_NAPI) {
		np_napi_ctx_init(&e->napi);
		napi = &e->napi;
	}
	e->pool = pool_new(e->prov, 0, napi);
	e->skb_prov = flags & ENV_SKB_PROV;
	if (flags & ENV_FLUSH_FIRST)
		np_skb_thread_flush();
	if (e->skb_prov)
		np_skb_set_provider(e->prov);	/* every page is counted */
	e->live0 = np_skb_live();
}

/* skb structs, small heads and page fragments come from the env's provider. */
void env_init(struct env *e)
{
	env_init_flags(e, NULL, ENV_SKB_PROV);
}

/* The same on @napi, after a flush of this thread's skb cache. */
void env_init_napi(struct env *e, struct np_napi_ctx *napi)
{
	env_init_flags(e, napi, ENV_SKB_PROV | ENV_FLUSH_FIRST);
}

/* Only the provider and pool: skbs keep coming from the library's default provider. */
void env_init_pool_only(struct env *e)
{
	env_init_flags(e, NULL, 0);
}

void env_fini(struct env *e)
{
	/* skbs freed outside the napi (np_sockq_read(), a capture) wait for the owner: this is it */
	struct np_napi_ctx *prev = np_napi_ctx_enter(atomic_load(&e->pool->napi));

	np_pool_flush_deferred(e->pool);
	np_napi_ctx_leave(prev);
	CHECK_EQ(np_skb_live(), e->live0);
	pool_done(e->pool);
	prov_done(e->prov, e->skb_prov);
}

/* ---- what happened to pool pages: recycled (cache + ring) or released ---- */

struct fate fate_now(struct np_pool *pool)
{
	struct np_pool_stats st = t_pool_stats(pool);

	CHECK(st.inflight >= 0);
	return (struct fate){ st.recycle.cached + st.recycle.ring, st.recycle.released_refcnt,
			      st.release };
}

/* Since @before: @recycled pool pages recycled, @released released; @file:@line reports. */
void check_fate(struct np_pool *pool, const struct fate *before, uint64_t recycled,
		uint64_t released, const char *file, int line)
{
	struct fate now = fate_now(pool);

	if (now.recycled - before->recycled != recycled ||
	    now.released - before->released != released ||
	    now.left - before->left != released) {
		fprintf(stderr, "FAIL %s:%d: recycled %llu released %llu left %llu; want %llu %llu\n",
			file, line, (unsigned long long)(now.recycled - before->recycled),
			(unsigned long long)(now.released - before->released),
			(unsigned long long)(now.left - before->left), (unsigned long long)recycled,
			(unsigned long long)released);
		exit(1);
	}
}

/* ---- payload ---- */

/* @n pseudo-random bytes at @p from the sequence @s. */
void fill_rng(void *p, uint32_t n, uint64_t *s)
{
	unsigned char *c = p;

	for (uint32_t i = 0; i < n; i++)
		c[i] = (unsigned char)t_xorshift(s);
}

void check_bytes(const struct np_skb *skb, const uint8_t *want, uint32_t len)
{
	uint8_t *got = calloc(1, (size_t)len + 1);

	CHECK(got);
	CHECK_EQ(skb->len, len);
	CHECK_EQ(np_skb_copy_bits(skb, 0, got, len), 0);
	CHECK(memcmp(got, want, len) == 0);
	free(got);
}

/*
 * An skb on a page of @pool (np_napi_build_skb(), marked for recycle) with @len
 * bytes of the sequence @s after NP_SKB_PAD, copied to @want; the page in *@pg
 * where @pg is not NULL.
 */
struct np_skb *pool_skb(struct np_pool *pool, struct np_page **pg, uint32_t len, uint8_t *want,
			uint64_t *s)
{
	struct np_page *page = np_pool_alloc_pages(pool);
	struct np_skb *skb;
	void *d;

	CHECK(page);
	skb = np_napi_build_skb(np_page_address(page), (uint32_t)np_page_size(page));
	CHECK(skb);
	np_skb_reserve(skb, NP_SKB_PAD);
	d = np_skb_put(skb, len);
	CHECK(d);
	fill_rng(d, len, s);
	memcpy(want, d, len);
	np_skb_mark_for_recycle(skb);
	if (pg)
		*pg = page;
	return skb;
}

/* Free @skb the way @how (0..5) picks. */
void free_skb(struct np_skb *skb, unsigned how)
{
	switch (how) {
	case 0:
		np_kfree_skb(skb);
		break;
	case 1:
		np_consume_skb(skb);
		break;
	case 2:
		np_napi_consume_skb(skb, 64);
		break;
	case 3:
		np_napi_consume_skb(skb, 0);
		break;
	case 4:
		np_kfree_skb_partial(skb, false);
		break;
	default:
		np_kfree_skb_reason(skb, NP_SKB_DROP_NOMEM);
		break;
	}
}

uint64_t skbt_rng = 1;

void fill(void *p, uint32_t n)
{
	fill_rng(p, n, &skbt_rng);
}

void append_frag(struct np_skb *skb, struct np_page *page, uint32_t off, uint32_t len,
		 uint8_t *want)
{
	void *p = (char *)np_page_address(page) + off;

	CHECK(!np_skb_has_frag_list(skb));
	fill(p, len);
	memcpy(want + skb->len, p, len);
	np_skb_add_rx_frag(skb, np_skb_shinfo(skb)->nr_frags, page, off, len, len);
}

struct np_page *append_pool_page(struct np_pool *pool, struct np_skb *skb, uint32_t len,
				 uint8_t *want)
{
	struct np_page *page = np_pool_alloc_pages(pool);

	CHECK(page);
	append_frag(skb, page, 0, len, want);
	return page;
}

/* ---- skbs built from pool pages, pool frags, page fragments, small heads ---- */


void exp_add(struct exp *x, const void *p, uint32_t n)
{
	CHECK(x->len + n <= SKBT_EXP_MAX);
	memcpy(x->b + x->len, p, n);
	x->len += n;
}

/* Fill @n fresh bytes of the linear part at @p and expect them. */
void put_bytes(struct np_skb *skb, uint32_t n, struct exp *x)
{
	void *p = np_skb_put(skb, n);

	CHECK(p);
	fill(p, n);
	exp_add(x, p, n);
}

/* An skb on a whole pool page (pool reference, marked for recycle). */
struct np_skb *pp_skb(struct env *e, uint32_t headlen, struct exp *x)
{
	struct np_page *page = np_pool_alloc_pages(e->pool);
	struct np_skb *skb;

	CHECK(page);
	skb = np_build_skb(np_page_address(page), (uint32_t)np_page_size(page));
	CHECK(skb);
	np_skb_reserve(skb, NP_SKB_PAD);
	x->len = 0;
	put_bytes(skb, headlen, x);
	np_skb_mark_for_recycle(skb);
	return skb;
}

/* A non-pp skb whose head is a non-pool page fragment (head_frag, page reference). */
struct np_skb *pf_skb(uint32_t room, uint32_t headlen, struct exp *x)
{
	struct np_skb *skb = np_netdev_alloc_skb(room);

	CHECK(skb && skb->head_frag && !skb->pp_recycle);
	x->len = 0;
	put_bytes(skb, headlen, x);
	return skb;
}

/* A non-pp skb with a small-object head (head_frag 0). */
struct np_skb *small_skb(uint32_t room, uint32_t headlen, struct exp *x)
{
	struct np_skb *skb = np_alloc_skb(room);

	CHECK(skb && !skb->head_frag && !skb->pp_recycle);
	x->len = 0;
	put_bytes(skb, headlen, x);
	return skb;
}

/* Append a frag (the caller's reference moves in) with fresh bytes. */
void add_frag(struct np_skb *skb, struct np_page *page, uint32_t off, uint32_t len,
	      uint32_t truesize, struct exp *x)
{
	void *p = (char *)np_page_address(page) + off;

	CHECK(!np_skb_has_frag_list(skb));
	fill(p, len);
	exp_add(x, p, len);
	np_skb_add_rx_frag(skb, np_skb_shinfo(skb)->nr_frags, page, off, len, truesize);
}

/* A whole pool page as a frag. */
struct np_page *add_pool_page(struct env *e, struct np_skb *skb, uint32_t len, struct exp *x)
{
	struct np_page *page = np_pool_alloc_pages(e->pool);

	CHECK(page && np_page_is_pp(page));
	add_frag(skb, page, 0, len, (uint32_t)np_page_size(page), x);
	return page;
}

/* A fragment of the pool's shared frag page. */
struct np_page *add_pool_frag(struct env *e, struct np_skb *skb, uint32_t len, struct exp *x)
{
	unsigned int off;
	struct np_page *page = np_pool_alloc_frag(e->pool, &off, len);

	CHECK(page && np_page_is_pp(page));
	add_frag(skb, page, off, len, (uint32_t)NP_ALIGN(len, NP_POOL_FRAG_ALIGN), x);
	return page;
}

/* A page outside any pool (page reference). */
struct np_page *add_foreign(struct env *e, struct np_skb *skb, uint32_t len, struct exp *x)
{
	struct np_page *page = np_page_alloc(e->prov, 0, NP_NUMA_NO_NODE, 0);

	CHECK(page && !np_page_is_pp(page));
	add_frag(skb, page, 0, len, (uint32_t)np_page_size(page), x);
	return page;
}

/* A non-pool page fragment (np_page_frag_alloc(), page reference). */
struct np_page *add_page_frag(struct np_skb *skb, uint32_t len, struct exp *x)
{
	void *p = np_page_frag_alloc(len);
	struct np_page *page;

	CHECK(p);
	page = np_virt_to_page(p);
	CHECK(!np_page_is_pp(page));
	add_frag(skb, page, (uint32_t)((char *)p - (char *)np_page_address(page)), len,
		 (uint32_t)NP_SKB_DATA_ALIGN(len), x);
	return page;
}

/* Move the pool to a new frag page: the old one gets back its unused bias. */
void frag_flush(struct env *e)
{
	unsigned int off;
	struct np_page *page = np_pool_alloc_frag(e->pool, &off, NP_PAGE_SIZE);

	CHECK(page);
	np_pool_put_page(e->pool, page, NP_POOL_SYNC_FULL, true);
}

void pgset_add(struct pgset *s, struct np_page *page)
{
	for (int i = 0; i < s->n; i++)
		if (s->pg[i] == page)
			return;
	CHECK(s->n < PGSET_MAX);
	s->pg[s->n] = page;
	s->ref[s->n] = np_page_ref_count(page);
	s->ppref[s->n] = pp_ref(page);
	s->segrefs[s->n] = 0;
	s->n++;
}

void pgset_collect(struct pgset *s, const struct np_skb *skb, bool head)
{
	const struct np_skb_shared_info *sh = np_skb_shinfo(skb);

	if (head && skb->head_frag)
		pgset_add(s, np_virt_to_page(skb->head));
	for (unsigned i = 0; i < sh->nr_frags; i++)
		pgset_add(s, sh->frags[i].page);
	for (const struct np_skb *l = sh->frag_list; l; l = l->next)
		pgset_collect(s, l, true);
}

/* What @skb's frags add to its truesize: all of it but the head and the skb struct. */
uint32_t frag_truesize(const struct np_skb *skb)
{
	return skb->truesize - (skb->end + (uint32_t)NP_SKB_SHINFO_SIZE +
				(uint32_t)sizeof(struct np_skb));
}

/* The length fields agree with the frags, the frag_list and the head. */
void check_lens(const struct np_skb *skb)
{
	const struct np_skb_shared_info *sh = np_skb_shinfo(skb);
	uint32_t paged = 0;

	CHECK(sh->nr_frags <= NP_MAX_SKB_FRAGS);
	for (unsigned i = 0; i < sh->nr_frags; i++) {
		CHECK(sh->frags[i].len > 0);
		CHECK(sh->frags[i].offset + sh->frags[i].len <= np_page_size(sh->frags[i].page));
		paged += sh->frags[i].len;
	}
	for (const struct np_skb *l = sh->frag_list; l; l = l->next) {
		check_lens(l);
		paged += l->len;
	}
	CHECK_EQ(skb->data_len, paged);
	CHECK(skb->len >= skb->data_len);
	CHECK(skb->tail <= skb->end);
	CHECK_EQ((uint32_t)(skb->data - skb->head) + np_skb_headlen(skb), skb->tail);
	CHECK(skb->truesize >= skb->len);
}

/* @skb is consistent and holds the bytes of @x, and not one more. */
void check_skb(const struct np_skb *skb, const struct exp *x)
{
	uint8_t *got;

	check_lens(skb);
	check_bytes(skb, x->b, x->len);
	got = malloc((size_t)x->len + 1);
	CHECK(got);
	CHECK_EQ(np_skb_copy_bits(skb, 0, got, x->len + 1), -EFAULT);
	free(got);
}

void skbt_sink_deliver(struct np_skb *skb, void *arg)
{
	struct skbt_sink *s = arg;

	CHECK(s->n < NP_ARRAY_SIZE(s->skbs));
	s->skbs[s->n++] = skb;
}
