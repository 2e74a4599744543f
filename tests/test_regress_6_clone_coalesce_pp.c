/* SPDX-License-Identifier: MIT */
/*
 * SPEC 7 item 6: a pp skb `from` (pool head, two pool frags) is cloned, then
 * coalesced into another pp skb `to` (pool head) while the clone exists.
 * Variants: `from` is the original or the clone; its head bytes are copied
 * into `to`, or it has no linear data at all. Then from, to and the other
 * clone are freed in all 6 orders, inside the pool's napi (so a recycle is
 * visible as the page sitting in the alloc cache).
 *
 * Asserted after every step: each frag page's pp_ref_count equals its live
 * holders (to, and the data `from` shares with its clone), refcount 1, back
 * to exactly 1 once a single holder is left; every pool page is recycled
 * exactly once, after its last holder, appears once in the alloc cache with
 * the idle pp_ref_count; nothing released; at the end no skb, no page left
 * and inflight back to the idle pages.
 *
 * How this was checked to fail (private copy /tmp/regress-wt, plain and
 * DEBUG=2 ASan builds):
 *   - np_skb_try_coalesce() taking page references for pool pages of a
 *     cloned `from` (the historic bug): "page 1: pp 1 pp_ref 1 refcount 2
 *     cached 0; want pp_ref 2 refcount 1" right after the coalesce;
 *   - try_coalesce moving references out of a cloned `from`: "page 1: pp 1
 *     pp_ref 1 refcount 1; want pp_ref 2".
 */
#include "testutil.h"

/* ---- environment: a private provider and pool; everything back at the end ---- */

struct env {
	struct np_provider *prov;
	struct np_pool *pool;
	int64_t live0;
};

static void env_init(struct env *e, struct np_napi_ctx *napi)
{
	struct np_pool_params pp = { .nid = NP_NUMA_NO_NODE, .order = 0, .napi = napi };

	CHECK_EQ(np_provider_create(NULL, &e->prov), 0);
	pp.provider = e->prov;
	CHECK_EQ(np_pool_create(&pp, &e->pool), 0);
	/* skb structs, small heads and page fragments too: every page is counted */
	np_skb_thread_flush();
	np_skb_set_provider(e->prov);
	e->live0 = np_skb_live();
}

/* Pages idle in the pool: its alloc cache, its return ring, its fragment page. */
static int64_t pool_idle(struct np_pool *pool)
{
	return (int64_t)pool->alloc.count + (int64_t)np_pool_ring_count(pool) +
	       (pool->frag_page != NULL);
}

static void env_fini(struct env *e)
{
	struct np_pool_stats st = t_pool_stats(e->pool);
	uint32_t id = e->pool->id;

	CHECK_EQ(np_skb_live(), e->live0);
	/* nothing in flight but what the pool itself holds idle */
	CHECK(st.inflight >= 0);
	CHECK_EQ(st.inflight, pool_idle(e->pool));
	np_pool_destroy(e->pool);
	CHECK(t_wait_pool_freed(id, 10000));
	np_skb_thread_flush();
	np_small_trim(e->prov);
	CHECK_EQ(t_pages_out(e->prov), 0);
	np_skb_set_provider(NULL);
	CHECK_EQ(np_provider_destroy(e->prov), 0);
}

/* ---- what happened to pool pages: recycled (cache + ring) or released ---- */

struct fate {
	uint64_t recycled;
	uint64_t released;
	uint64_t left;
};

static struct fate fate_now(struct np_pool *pool)
{
	struct np_pool_stats st = t_pool_stats(pool);

	CHECK(st.inflight >= 0);
	return (struct fate){ st.recycle.cached + st.recycle.ring, st.recycle.released_refcnt,
			      st.release };
}

static void check_fate(struct np_pool *pool, const struct fate *before, uint64_t recycled,
		       uint64_t released, int line)
{
	struct fate now = fate_now(pool);

	if (now.recycled - before->recycled != recycled ||
	    now.released - before->released != released ||
	    now.left - before->left != released) {
		fprintf(stderr, "FAIL %s:%d: recycled %llu released %llu left %llu; want %llu %llu\n",
			__FILE__, line, (unsigned long long)(now.recycled - before->recycled),
			(unsigned long long)(now.released - before->released),
			(unsigned long long)(now.left - before->left), (unsigned long long)recycled,
			(unsigned long long)released);
		exit(1);
	}
}

#define CHECK_FATE(pool, before, rec, rel) check_fate(pool, before, rec, rel, __LINE__)

static long pp_ref(struct np_page *page)
{
	return atomic_load(&page->pp_ref_count);
}

/* pp_ref_count of a page idle in its pool (debug builds park idle pages at 0) */
#define IDLE_REF	(NP_DEBUG >= 1 ? 0 : 1)

#define FROM_HEAD	100u
#define FRAG_LEN	2000u
#define TO_LEN		3000u

enum { PG_HF, PG_F0, PG_F1, PG_HT, NPG };
enum ev { EV_FROM, EV_TO, EV_CLONE, NEV };
enum variant { V_FROM_ORIG, V_FROM_CLONE, V_NO_HEADLEN, NVAR };

static uint64_t rng = 0x853c49e6748fea9bull;
static uint8_t want_to[16384], want_from[8192], got[16384];

static void fill(void *p, uint32_t n)
{
	unsigned char *c = p;

	for (uint32_t i = 0; i < n; i++)
		c[i] = (unsigned char)t_xorshift(&rng);
}

static void check_bytes(const struct np_skb *skb, const uint8_t *want, uint32_t len)
{
	CHECK_EQ(skb->len, len);
	memset(got, 0, len);
	CHECK_EQ(np_skb_copy_bits(skb, 0, got, len), 0);
	CHECK(memcmp(got, want, len) == 0);
}

static struct np_skb *pool_skb(struct np_pool *pool, struct np_page **pg, uint32_t len, uint8_t *want)
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
	fill(d, len);
	memcpy(want, d, len);
	np_skb_mark_for_recycle(skb);
	*pg = page;
	return skb;
}

static unsigned in_cache(struct np_pool *pool, struct np_page *page)
{
	unsigned n = 0;

	for (unsigned i = 0; i < pool->alloc.count; i++)
		n += pool->alloc.cache[i] == page;
	return n;
}

struct scen {
	struct env e;
	struct np_napi_ctx napi;
	struct np_page *pg[NPG];
	struct np_skb *skb[NEV];
	bool alive[NEV], fragstolen, recycled[NPG];
	uint32_t from_len;
	struct fate f0;
};

/* live holders of page @i */
static long holders(const struct scen *s, int i)
{
	bool data = s->alive[EV_FROM] || s->alive[EV_CLONE];

	switch (i) {
	case PG_HF:
		return data;
	case PG_HT:
		return s->alive[EV_TO];
	default:
		return (long)data + s->alive[EV_TO];
	}
}

static void check_state(struct scen *s, int line)
{
	uint64_t rec = 0;

	for (int i = 0; i < NPG; i++) {
		struct np_page *pg = s->pg[i];
		long h = holders(s, i);

		if (h) {
			if (!np_page_is_pp(pg) || pp_ref(pg) != h || np_page_ref_count(pg) != 1 ||
			    in_cache(s->e.pool, pg)) {
				fprintf(stderr, "FAIL line %d: page %d: pp %d pp_ref %ld refcount %d "
					"cached %u; want pp_ref %ld refcount 1, not cached\n", line, i,
					np_page_is_pp(pg), pp_ref(pg), np_page_ref_count(pg),
					in_cache(s->e.pool, pg), h);
				exit(1);
			}
		} else {
			if (!np_page_is_pp(pg) || pp_ref(pg) != IDLE_REF || np_page_ref_count(pg) != 1 ||
			    in_cache(s->e.pool, pg) != 1) {
				fprintf(stderr, "FAIL line %d: page %d: pp %d pp_ref %ld refcount %d "
					"cached %u; want idle, cached once\n", line, i,
					np_page_is_pp(pg), pp_ref(pg), np_page_ref_count(pg),
					in_cache(s->e.pool, pg));
				exit(1);
			}
			rec++;
		}
	}
	check_fate(s->e.pool, &s->f0, rec, 0, line);
	if (s->alive[EV_TO])
		check_bytes(s->skb[EV_TO], want_to, TO_LEN + s->from_len);
	if (s->alive[EV_CLONE])
		check_bytes(s->skb[EV_CLONE], want_from, s->from_len);
	if (s->alive[EV_FROM])
		check_bytes(s->skb[EV_FROM], want_from, s->from_len);
}

static void run(enum variant v, const enum ev *order)
{
	struct np_napi_ctx *prev;
	struct np_skb *orig, *cl, *from, *to;
	struct scen s;
	int delta;

	memset(&s, 0, sizeof(s));
	np_napi_ctx_init(&s.napi);
	prev = np_napi_ctx_enter(&s.napi);
	env_init(&s.e, &s.napi);

	orig = pool_skb(s.e.pool, &s.pg[PG_HF], FROM_HEAD, want_from);
	for (int i = PG_F0; i <= PG_F1; i++) {
		struct np_page *pg = np_pool_alloc_pages(s.e.pool);

		CHECK(pg);
		fill(np_page_address(pg), FRAG_LEN);
		memcpy(want_from + orig->len, np_page_address(pg), FRAG_LEN);
		np_skb_add_rx_frag(orig, np_skb_shinfo(orig)->nr_frags, pg, 0, FRAG_LEN, 4096);
		s.pg[i] = pg;
	}
	if (v == V_NO_HEADLEN) {
		/* the headers were pulled: the payload is all in frags */
		CHECK(np_skb_pull(orig, FROM_HEAD));
		memmove(want_from, want_from + FROM_HEAD, 2 * FRAG_LEN);
		CHECK_EQ(np_skb_headlen(orig), 0);
	}
	s.from_len = orig->len;
	cl = np_skb_clone(orig);
	CHECK(cl);
	from = v == V_FROM_CLONE ? cl : orig;
	s.skb[EV_FROM] = from;
	s.skb[EV_CLONE] = from == orig ? cl : orig;

	to = pool_skb(s.e.pool, &s.pg[PG_HT], TO_LEN, want_to);
	CHECK(np_skb_tailroom(to) < s.from_len);
	s.skb[EV_TO] = to;
	memcpy(want_to + TO_LEN, want_from, s.from_len);

	CHECK(np_skb_cloned(from));
	CHECK(np_skb_try_coalesce(to, from, &s.fragstolen, &delta));
	CHECK(!s.fragstolen);	/* a shared head is never stolen */
	CHECK_EQ(np_skb_shinfo(to)->nr_frags, 2);
	for (int i = 0; i < NEV; i++)
		s.alive[i] = true;
	s.f0 = fate_now(s.e.pool);
	check_state(&s, __LINE__);

	for (int k = 0; k < NEV; k++) {
		enum ev ev = order[k];

		if (ev == EV_FROM)
			np_kfree_skb_partial(from, s.fragstolen);
		else
			np_kfree_skb(s.skb[ev]);
		s.alive[ev] = false;
		check_state(&s, __LINE__);
	}
	np_napi_ctx_leave(prev);
	env_fini(&s.e);
}

static unsigned permute(enum variant v, enum ev *ord, int k, unsigned used)
{
	unsigned n = 0;

	if (k == NEV) {
		run(v, ord);
		return 1;
	}
	for (int e = 0; e < NEV; e++) {
		if (used & (1u << e))
			continue;
		ord[k] = (enum ev)e;
		n += permute(v, ord, k + 1, used | (1u << e));
	}
	return n;
}

int main(void)
{
	enum ev ord[NEV];

	for (int v = 0; v < NVAR; v++)
		CHECK_EQ(permute((enum variant)v, ord, 0, 0), 6);
	np_skb_thread_flush();
	return 0;
}
