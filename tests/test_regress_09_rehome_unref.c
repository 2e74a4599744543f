/* SPDX-License-Identifier: MIT */
/*
 * docs/regressions.md R9: every path that moves, splits or drops frag
 * references of a pp skb on pool pages (may_pull, pskb_trim, skb_shift,
 * skb_split, cow_data_for_xdp, expand of a clone, try_coalesce stealing a
 * head, GRO, skb_segment, linearize) drops pool references with the
 * skb-aware unref: every page's refcount and pp_ref_count stay exact, each
 * pool page is recycled or released exactly once.
 *
 * Caught, with the bug put back:
 *   - np_skb_shift() dropping the merged duplicate with np_page_put(): "pp 0
 *     pp_ref 2 refcount 0; want pp 1 pp_ref 1 refcount 1" (DEBUG=2: abort in
 *     np_page_free(), "!np_page_is_pp(pg)");
 *   - np_skb_frag_unref() as a bare page put (may_pull, trim): "not idle: pp
 *     0 pp_ref 1 refcount 0" (or the same abort);
 *   - np_skb_release_data() putting frags with np_page_put(): "recycled 2
 *     released 0; want 3 0" (or the same abort).
 */
#include "testutil.h"

#include "skbtest.h"

static uint8_t want[65536];

/* A pool page held: one pool reference per holder, refcount 1 + page references. */
static void check_held(struct np_page *page, struct np_pool *pool, long pool_refs, int page_refs,
		       int line)
{
	if (!np_page_is_pp(page) || page->pp != pool || pp_ref(page) != pool_refs ||
	    np_page_ref_count(page) != 1 + page_refs) {
		fprintf(stderr, "FAIL line %d: pp %d pp_ref %ld refcount %d; want pp 1 pp_ref %ld "
			"refcount %d\n", line, np_page_is_pp(page), pp_ref(page),
			np_page_ref_count(page), pool_refs, 1 + page_refs);
		exit(1);
	}
}

/* A pool page recycled: idle in its pool, only the pool's own page reference. */
static void check_idle(struct np_page *page, struct np_pool *pool, int line)
{
	if (!np_page_is_pp(page) || page->pp != pool || pp_ref(page) != IDLE_REF ||
	    np_page_ref_count(page) != 1) {
		fprintf(stderr, "FAIL line %d: not idle: pp %d pp_ref %ld refcount %d\n", line,
			np_page_is_pp(page), pp_ref(page), np_page_ref_count(page));
		exit(1);
	}
}

#define HELD(pg, e, pr, r)	check_held(pg, (e)->pool, pr, r, __LINE__)
#define IDLE(pg, e)		check_idle(pg, (e)->pool, __LINE__)

/* np_pskb_may_pull: a frag copied whole into the head is dropped with its kind */
static void test_may_pull(void)
{
	struct np_page *h, *f0, *f1;
	struct np_skb *skb;
	struct fate f;
	struct env e;

	env_init_napi(&e, NULL);
	skb = pool_skb(e.pool, &h, 100, want, &skbt_rng);
	f0 = append_pool_page(e.pool, skb, 300, want);
	f1 = append_pool_page(e.pool, skb, 1000, want);
	f = fate_now(e.pool);
	CHECK(np_pskb_may_pull(skb, 100 + 300 + 50));
	CHECK_EQ(np_skb_headlen(skb), 450);
	CHECK_EQ(np_skb_shinfo(skb)->nr_frags, 1);
	check_bytes(skb, want, 1400);
	IDLE(f0, &e);
	CHECK_FATE(e.pool, &f, 1, 0);
	HELD(f1, &e, 1, 0);
	HELD(h, &e, 1, 0);
	np_kfree_skb(skb);
	CHECK_FATE(e.pool, &f, 3, 0);
	env_fini(&e);
}

/* np_pskb_trim: the frags that fall off go back to the pool */
static void test_trim(void)
{
	struct np_page *h, *fr[3];
	struct np_skb *skb;
	struct fate f;
	struct env e;

	env_init_napi(&e, NULL);
	skb = pool_skb(e.pool, &h, 100, want, &skbt_rng);
	for (int i = 0; i < 3; i++)
		fr[i] = append_pool_page(e.pool, skb, 1000, want);
	f = fate_now(e.pool);
	CHECK_EQ(np_pskb_trim(skb, 100 + 600), 0);
	check_bytes(skb, want, 700);
	HELD(fr[0], &e, 1, 0);
	IDLE(fr[1], &e);
	IDLE(fr[2], &e);
	CHECK_FATE(e.pool, &f, 2, 0);
	np_kfree_skb(skb);
	CHECK_FATE(e.pool, &f, 4, 0);
	env_fini(&e);
}

/*
 * np_skb_shift, merge: tgt's last frag is P[0,1000), skb's first P[1000,2000),
 * each with its pool reference. The merge leaves one slot: skb's reference is
 * dropped as a pool reference.
 */
static void test_shift_merge(void)
{
	static uint8_t ws[8192];
	struct np_page *h1, *h2, *p, *q;
	struct np_skb *tgt, *skb;
	struct fate f;
	struct env e;

	env_init_napi(&e, NULL);
	tgt = pool_skb(e.pool, &h1, 100, want, &skbt_rng);
	p = np_pool_alloc_pages(e.pool);
	CHECK(p);
	append_frag(tgt, p, 0, 1000, want);
	skb = pool_skb(e.pool, &h2, 54, ws, &skbt_rng);
	CHECK(np_skb_pull(skb, 54));
	np_pool_ref_page(p);	/* the second buffer of P gets its own pool reference */
	append_frag(skb, p, 1000, 1000, ws);
	q = append_pool_page(e.pool, skb, 800, ws);
	HELD(p, &e, 2, 0);
	f = fate_now(e.pool);

	CHECK_EQ(np_skb_shift(tgt, skb, 1800), 1800);
	memcpy(want + 1100, ws, 1800);
	check_bytes(tgt, want, 2900);
	CHECK_EQ(np_skb_shinfo(tgt)->nr_frags, 2);
	CHECK_EQ(skb->len, 0);
	HELD(p, &e, 1, 0);
	HELD(q, &e, 1, 0);
	CHECK_FATE(e.pool, &f, 0, 0);
	np_kfree_skb(skb);
	IDLE(h2, &e);
	HELD(p, &e, 1, 0);
	np_kfree_skb(tgt);
	IDLE(p, &e);
	IDLE(q, &e);
	CHECK_FATE(e.pool, &f, 4, 0);
	env_fini(&e);
}

/* np_skb_shift, part of a frag: tgt's new slot takes a pool reference */
static void test_shift_partial(void)
{
	static uint8_t ws[8192];
	struct np_page *h1, *h2, *x, *p, *q;
	struct np_skb *tgt, *skb;
	struct fate f;
	struct env e;

	env_init_napi(&e, NULL);
	tgt = pool_skb(e.pool, &h1, 100, want, &skbt_rng);
	x = append_pool_page(e.pool, tgt, 500, want);
	skb = pool_skb(e.pool, &h2, 54, ws, &skbt_rng);
	CHECK(np_skb_pull(skb, 54));
	p = append_pool_page(e.pool, skb, 1000, ws);
	q = append_pool_page(e.pool, skb, 800, ws);
	f = fate_now(e.pool);
	CHECK_EQ(np_skb_shift(tgt, skb, 400), 400);
	memcpy(want + 600, ws, 400);
	check_bytes(tgt, want, 1000);
	check_bytes(skb, ws + 400, 1400);
	HELD(p, &e, 2, 0);
	HELD(x, &e, 1, 0);
	np_kfree_skb(tgt);
	HELD(p, &e, 1, 0);
	IDLE(x, &e);
	np_kfree_skb(skb);
	IDLE(p, &e);
	IDLE(q, &e);
	CHECK_FATE(e.pool, &f, 5, 0);
	env_fini(&e);
}

/* np_skb_split through a frag: both halves hold a pool reference */
static void test_split(void)
{
	struct np_page *h, *f0, *f1;
	struct np_skb *skb, *skb1;
	struct fate f;
	struct env e;

	env_init_napi(&e, NULL);
	skb = pool_skb(e.pool, &h, 100, want, &skbt_rng);
	f0 = append_pool_page(e.pool, skb, 1000, want);
	f1 = append_pool_page(e.pool, skb, 1000, want);
	skb1 = np_alloc_skb(64);
	CHECK(skb1);
	f = fate_now(e.pool);
	CHECK_EQ(np_skb_split(skb, skb1, 600), 0);
	check_bytes(skb, want, 600);
	check_bytes(skb1, want + 600, 1500);
	CHECK(skb1->pp_recycle);
	HELD(f0, &e, 2, 0);
	HELD(f1, &e, 1, 0);
	np_kfree_skb(skb);
	HELD(f0, &e, 1, 0);
	np_kfree_skb(skb1);
	IDLE(f0, &e);
	IDLE(f1, &e);
	CHECK_FATE(e.pool, &f, 3, 0);
	env_fini(&e);
}

/* np_skb_cow_data_for_xdp on a clone: the copy is new pool memory, the clone's share goes */
static void test_cow_xdp_clone(void)
{
	struct np_page *h, *f0, *f1;
	struct np_skb *a, *b, *old;
	struct np_pool_stats st;
	struct fate f;
	struct env e;

	env_init_napi(&e, NULL);
	a = pool_skb(e.pool, &h, 300, want, &skbt_rng);
	f0 = append_pool_page(e.pool, a, 1500, want);
	f1 = append_pool_page(e.pool, a, 2500, want);
	b = np_skb_clone(a);
	CHECK(b);
	old = b;
	f = fate_now(e.pool);
	CHECK_EQ(np_skb_cow_data_for_xdp(e.pool, &b), 0);
	CHECK(b != old && b->pp_recycle && !np_skb_cloned(a));
	check_bytes(b, want, 4300);
	check_bytes(a, want, 4300);
	HELD(h, &e, 1, 0);
	HELD(f0, &e, 1, 0);
	HELD(f1, &e, 1, 0);
	CHECK_FATE(e.pool, &f, 0, 0);
	np_kfree_skb(a);
	IDLE(h, &e);
	IDLE(f0, &e);
	IDLE(f1, &e);
	CHECK_FATE(e.pool, &f, 3, 0);
	np_kfree_skb(b);
	st = t_pool_stats(e.pool);
	CHECK_EQ(st.recycle.released_refcnt, f.released);
	env_fini(&e);
}

/*
 * np_pskb_expand_head on a clone: the clone's slots become page references
 * (refcount 2), released by page put; the original's pool references by pool
 * put. Clone freed first: every page recycled; original first: the frags are
 * released (a page reference still holds them), each exactly once.
 */
static void test_expand_clone(void)
{
	for (int order = 0; order < 2; order++) {
		struct np_page *h, *f0, *f1;
		struct np_skb *a, *b;
		struct fate f;
		struct env e;

		env_init_napi(&e, NULL);
		a = pool_skb(e.pool, &h, 300, want, &skbt_rng);
		f0 = append_pool_page(e.pool, a, 1500, want);
		f1 = append_pool_page(e.pool, a, 2500, want);
		b = np_skb_clone(a);
		CHECK(b);
		f = fate_now(e.pool);
		CHECK_EQ(np_pskb_expand_head(b, 32, 0), 0);
		CHECK(!b->pp_recycle && a->pp_recycle);
		HELD(h, &e, 1, 0);
		HELD(f0, &e, 1, 1);
		HELD(f1, &e, 1, 1);
		if (order == 0) {
			np_kfree_skb(b);
			HELD(f0, &e, 1, 0);
			HELD(f1, &e, 1, 0);
			CHECK_FATE(e.pool, &f, 0, 0);
			np_kfree_skb(a);
			IDLE(h, &e);
			IDLE(f0, &e);
			IDLE(f1, &e);
			CHECK_FATE(e.pool, &f, 3, 0);
		} else {
			np_kfree_skb(a);
			IDLE(h, &e);
			CHECK(!np_page_is_pp(f0) && np_page_ref_count(f0) == 1);
			CHECK(!np_page_is_pp(f1) && np_page_ref_count(f1) == 1);
			CHECK_FATE(e.pool, &f, 1, 2);
			check_bytes(b, want, 4300);
			np_kfree_skb(b);
			CHECK_FATE(e.pool, &f, 1, 2);
		}
		env_fini(&e);
	}
}

/* np_skb_try_coalesce stealing from's pool head: its pool reference moves into to's frags */
static void test_coalesce_steal(void)
{
	static uint8_t wf[8192];
	struct np_page *q, *h, *f0;
	struct np_skb *to, *from;
	bool stolen;
	int delta;
	struct fate f;
	struct env e;

	env_init_napi(&e, NULL);
	to = pool_skb(e.pool, &q, 3000, want, &skbt_rng);
	from = pool_skb(e.pool, &h, 1000, wf, &skbt_rng);
	f0 = append_pool_page(e.pool, from, 1200, wf);
	CHECK(np_skb_tailroom(to) < 1000);
	f = fate_now(e.pool);
	CHECK(np_skb_try_coalesce(to, from, &stolen, &delta));
	CHECK(stolen);
	np_kfree_skb_partial(from, stolen);
	memcpy(want + 3000, wf, 2200);
	check_bytes(to, want, 5200);
	HELD(h, &e, 1, 0);
	HELD(f0, &e, 1, 0);
	CHECK_FATE(e.pool, &f, 0, 0);
	np_kfree_skb(to);
	IDLE(q, &e);
	IDLE(h, &e);
	IDLE(f0, &e);
	CHECK_FATE(e.pool, &f, 3, 0);
	env_fini(&e);
}

/* np_skb_gro_receive: skb's pool head page becomes a frag of the GRO head */
static void test_gro_head_frag(void)
{
	static uint8_t ws[8192];
	struct np_page *h1, *f0, *h2, *f1;
	struct np_skb *head, *skb;
	struct fate f;
	struct env e;

	env_init_napi(&e, NULL);
	head = pool_skb(e.pool, &h1, 100, want, &skbt_rng);
	f0 = append_pool_page(e.pool, head, 1000, want);
	skb = pool_skb(e.pool, &h2, 200, ws, &skbt_rng);
	f1 = append_pool_page(e.pool, skb, 1000, ws);
	f = fate_now(e.pool);
	CHECK_EQ(np_skb_gro_receive(head, skb), 0);
	memcpy(want + 1100, ws, 1200);
	check_bytes(head, want, 2300);
	CHECK_EQ(np_skb_shinfo(head)->nr_frags, 3);
	HELD(h2, &e, 1, 0);
	HELD(f1, &e, 1, 0);
	CHECK_FATE(e.pool, &f, 0, 0);
	np_kfree_skb(head);
	IDLE(h1, &e);
	IDLE(f0, &e);
	IDLE(h2, &e);
	IDLE(f1, &e);
	CHECK_FATE(e.pool, &f, 4, 0);
	env_fini(&e);
}

/* np_skb_segment: segments hold page references; the original keeps its pool references */
static void test_segment(void)
{
	for (int order = 0; order < 2; order++) {
		struct np_page *h, *fr[3];
		struct np_skb *skb, *segs, *n;
		int slots[3] = { 0, 0, 0 };
		unsigned nsegs = 0;
		struct fate f;
		struct env e;

		env_init_napi(&e, NULL);
		skb = pool_skb(e.pool, &h, 54 + 100, want, &skbt_rng);
		for (int i = 0; i < 3; i++)
			fr[i] = append_pool_page(e.pool, skb, 1000, want);
		np_skb_shinfo(skb)->gso_size = 500;
		np_skb_shinfo(skb)->gso_type = NP_SKB_GSO_TCPV4;
		f = fate_now(e.pool);
		segs = np_skb_segment(skb, 54, NP_NETIF_F_SG);
		CHECK(segs);
		for (n = segs; n; n = n->next) {
			const struct np_skb_shared_info *sh = np_skb_shinfo(n);

			CHECK(!n->pp_recycle);
			for (unsigned k = 0; k < sh->nr_frags; k++)
				for (int i = 0; i < 3; i++)
					slots[i] += sh->frags[k].page == fr[i];
			nsegs++;
		}
		CHECK_EQ(nsegs, 7);	/* 3100 bytes of payload in 500-byte segments */
		for (int i = 0; i < 3; i++) {
			CHECK(slots[i] > 0);
			HELD(fr[i], &e, 1, slots[i]);
		}
		HELD(h, &e, 1, 0);
		if (order == 0) {
			np_kfree_skb_list(segs);
			for (int i = 0; i < 3; i++)
				HELD(fr[i], &e, 1, 0);
			np_kfree_skb(skb);
			for (int i = 0; i < 3; i++)
				IDLE(fr[i], &e);
			CHECK_FATE(e.pool, &f, 4, 0);
		} else {
			np_kfree_skb(skb);
			/* the pool's last reference went while page references remain: released */
			for (int i = 0; i < 3; i++)
				CHECK(!np_page_is_pp(fr[i]) && np_page_ref_count(fr[i]) == slots[i]);
			CHECK_FATE(e.pool, &f, 1, 3);
			np_kfree_skb_list(segs);
			CHECK_FATE(e.pool, &f, 1, 3);
		}
		IDLE(h, &e);
		env_fini(&e);
	}
}

/* np_skb_linearize: every pool page goes back at once, the skb keeps a private head */
static void test_linearize(void)
{
	struct np_page *h, *fr[2];
	struct np_skb *skb;
	struct fate f;
	struct env e;

	env_init_napi(&e, NULL);
	skb = pool_skb(e.pool, &h, 100, want, &skbt_rng);
	for (int i = 0; i < 2; i++)
		fr[i] = append_pool_page(e.pool, skb, 1500, want);
	f = fate_now(e.pool);
	CHECK_EQ(np_skb_linearize(skb), 0);
	check_bytes(skb, want, 3100);
	IDLE(h, &e);
	IDLE(fr[0], &e);
	IDLE(fr[1], &e);
	CHECK_FATE(e.pool, &f, 3, 0);
	np_kfree_skb(skb);
	CHECK_FATE(e.pool, &f, 3, 0);
	env_fini(&e);
}

int main(void)
{
	skbt_seed(0x6a09e667f3bcc909ull);
	test_may_pull();
	test_trim();
	test_shift_merge();
	test_shift_partial();
	test_split();
	test_cow_xdp_clone();
	test_expand_clone();
	test_coalesce_steal();
	test_gro_head_frag();
	test_segment();
	test_linearize();
	np_skb_thread_flush();
	return 0;
}
