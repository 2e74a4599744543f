/* SPDX-License-Identifier: MIT */
/*
 * docs/regressions.md R6: a cloned pp skb (the original, or the clone)
 * coalesced into another pp skb `to`, with and without linear data, then
 * the three freed in all 6 orders inside the pool's napi: each frag page's
 * pp_ref_count equals its live holders and is back to 1 with one left; each
 * pool page recycled exactly once, into the alloc cache.
 *
 * Caught, with the bug put back:
 *   - try_coalesce taking page references for pool pages of a cloned `from`
 *     (the historic bug): "page 1: pp 1 pp_ref 1 refcount 2 cached 0; want
 *     pp_ref 2 refcount 1" right after the coalesce;
 *   - try_coalesce moving references out of a cloned `from`: "page 1: pp 1
 *     pp_ref 1 refcount 1; want pp_ref 2".
 */
#include "testutil.h"

#include "skbtest.h"

#define FROM_HEAD	100u
#define FRAG_LEN	2000u
#define TO_LEN		3000u

enum { PG_HF, PG_F0, PG_F1, PG_HT, NPG };
enum ev { EV_FROM, EV_TO, EV_CLONE, NEV };
enum variant { V_FROM_ORIG, V_FROM_CLONE, V_NO_HEADLEN, NVAR };

static uint8_t want_to[16384], want_from[8192];

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
	check_fate(s->e.pool, &s->f0, rec, 0, __FILE__, line);
	if (s->alive[EV_TO])
		check_bytes(s->skb[EV_TO], want_to, TO_LEN + s->from_len);
	if (s->alive[EV_CLONE])
		check_bytes(s->skb[EV_CLONE], want_from, s->from_len);
	if (s->alive[EV_FROM])
		check_bytes(s->skb[EV_FROM], want_from, s->from_len);
}

static void run(enum variant v, const unsigned *order)
{
	struct np_napi_ctx *prev;
	struct np_skb *orig, *cl, *from, *to;
	struct scen s;
	int delta;

	memset(&s, 0, sizeof(s));
	np_napi_ctx_init(&s.napi);
	prev = np_napi_ctx_enter(&s.napi);
	env_init_napi(&s.e, &s.napi);

	orig = pool_skb(s.e.pool, &s.pg[PG_HF], FROM_HEAD, want_from, &skbt_rng);
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

	to = pool_skb(s.e.pool, &s.pg[PG_HT], TO_LEN, want_to, &skbt_rng);
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

static void run_order(const unsigned *order, void *v)
{
	run((enum variant)*(int *)v, order);
}

int main(void)
{
	skbt_seed(0x853c49e6748fea9bull);
	for (int v = 0; v < NVAR; v++)
		CHECK_EQ(t_each_order(NEV, NULL, run_order, &v), 6);
	np_skb_thread_flush();
	return 0;
}
