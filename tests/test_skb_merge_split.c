/* SPDX-License-Identifier: MIT */
/*
 * np_skb_shift() and np_skb_split() under the reference rule (SPEC 4):
 *   shift: whole frags move with their references; a frag cut in two gets a
 *   second reference of the kind both skbs hold (pool reference on a pool
 *   page of pp skbs, else a page reference); when skb's first frag joins
 *   tgt's last one, skb's now duplicate reference is dropped with skb's bit;
 *   refused (0, nothing changed) with a linear part, more than the frags
 *   hold, no room in tgt, or different pp_recycle; a cloned skb is unshared
 *   first (and so loses pp_recycle);
 *   split: inside the head, inside a frag, at a frag boundary, at the end;
 *   skb1 takes skb's pp_recycle; references are conserved: one more only for
 *   the frag cut in two.
 * Bytes, lengths and truesize are checked after each step; freed in both
 * orders every pool page recycles exactly once.
 */
#include "testutil.h"

#include "skbtest.h"

static struct exp xt, xs, xw;

/* @x without its first @n bytes. */
static void exp_drop_front(struct exp *x, uint32_t n)
{
	memmove(x->b, x->b + n, x->len - n);
	x->len -= n;
}

/* tgt receives @n bytes of @xs's front. */
static void exp_move(struct exp *to, struct exp *from, uint32_t n)
{
	exp_add(to, from->b, n);
	exp_drop_front(from, n);
}

/* A pp skb with no linear data (the state skb_shift() needs). */
static struct np_skb *pp_paged(struct env *e, struct exp *x)
{
	return pp_skb(e, 0, x);
}

/* Whole frags, then part of one: lengths, truesize, references of each kind. */
static void test_shift_basic(void)
{
	for (int order = 0; order < 2; order++) {
		struct np_skb *tgt, *skb;
		struct np_page *p0, *p1, *g, *p2;
		uint32_t tts, sts, n;
		struct fate f0;
		struct env e;

		env_init(&e);
		f0 = fate_now(e.pool);
		tgt = pp_skb(&e, 100, &xt);
		add_pool_page(&e, tgt, 300, &xt);
		skb = pp_paged(&e, &xs);
		p0 = add_pool_page(&e, skb, 1000, &xs);
		p1 = add_pool_page(&e, skb, 1200, &xs);
		g = add_foreign(&e, skb, 900, &xs);
		p2 = add_pool_page(&e, skb, 600, &xs);

		/* two whole frags: references move */
		tts = tgt->truesize;
		sts = skb->truesize;
		CHECK_EQ(np_skb_shift(tgt, skb, 2200), 2200);
		exp_move(&xt, &xs, 2200);
		check_skb(tgt, &xt);
		check_skb(skb, &xs);
		CHECK_EQ(nfrags(tgt), 3);
		CHECK_EQ(nfrags(skb), 2);
		CHECK(np_skb_shinfo(tgt)->frags[1].page == p0);
		CHECK(np_skb_shinfo(tgt)->frags[2].page == p1);
		CHECK(np_skb_shinfo(skb)->frags[0].page == g);
		CHECK_EQ(tgt->truesize, tts + 2200);
		CHECK_EQ(skb->truesize, sts - 2200);
		CHECK_EQ(pp_ref(p0), 1);
		CHECK_EQ(pp_ref(p1), 1);

		/* part of the foreign frag: a second page reference */
		n = 500;
		CHECK_EQ(np_skb_shift(tgt, skb, (int)n), (int)n);
		exp_move(&xt, &xs, n);
		check_skb(tgt, &xt);
		check_skb(skb, &xs);
		CHECK_EQ(nfrags(tgt), 4);
		CHECK_EQ(nfrags(skb), 2);
		CHECK_EQ(np_page_ref_count(g), 2);
		CHECK_EQ(np_skb_shinfo(skb)->frags[0].offset, 500);

		/* the rest of it (it merges with tgt's last) and part of the pool page */
		CHECK_EQ(np_skb_shift(tgt, skb, 400 + 100), 500);
		exp_move(&xt, &xs, 500);
		check_skb(tgt, &xt);
		check_skb(skb, &xs);
		CHECK_EQ(nfrags(tgt), 5);
		CHECK_EQ(nfrags(skb), 1);
		CHECK_EQ(np_page_ref_count(g), 1);	/* skb's duplicate dropped */
		CHECK_EQ(np_skb_shinfo(tgt)->frags[3].len, 900);
		CHECK_EQ(pp_ref(p2), 2);		/* pp skbs: a pool reference */
		CHECK_EQ(np_page_ref_count(p2), 1);

		if (order) {
			np_kfree_skb(tgt);
			CHECK_FATE(e.pool, &f0, 4, 0);
			CHECK_EQ(pp_ref(p2), 1);
			check_skb(skb, &xs);
			np_kfree_skb(skb);
		} else {
			np_kfree_skb(skb);
			CHECK_FATE(e.pool, &f0, 1, 0);
			check_skb(tgt, &xt);
			np_kfree_skb(tgt);
		}
		CHECK_FATE(e.pool, &f0, 6, 0);
		env_fini(&e);
	}
}

/*
 * tgt's last frag ends where skb's first starts (two fragments of one pool
 * frag page, or of one foreign page): the merged slot keeps one reference,
 * skb's is dropped with skb's bit.
 */
static void test_shift_merge(void)
{
	for (int pp = 0; pp < 2; pp++) {
		struct np_skb *tgt, *skb;
		struct np_page *f, *f2, *q;
		uint32_t len0;
		struct fate f0;
		struct env e;
		long r0;

		env_init(&e);
		f0 = fate_now(e.pool);
		if (pp) {
			tgt = pp_skb(&e, 50, &xt);
			f = add_pool_frag(&e, tgt, 1024, &xt);
			skb = pp_paged(&e, &xs);
			f2 = add_pool_frag(&e, skb, 1024, &xs);
			CHECK(f == f2);
			q = add_pool_page(&e, skb, 700, &xs);
			frag_flush(&e);
			r0 = pp_ref(f);
			CHECK_EQ(r0, 2);
		} else {
			tgt = small_skb(200, 50, &xt);
			skb = small_skb(200, 0, &xs);
			f = np_page_alloc(e.prov, 0, NP_NUMA_NO_NODE, 0);
			CHECK(f);
			np_page_get(f);
			add_frag(tgt, f, 0, 1000, 1000, &xt);
			add_frag(skb, f, 1000, 1500, 1500, &xs);
			q = add_foreign(&e, skb, 700, &xs);
			r0 = np_page_ref_count(f);
			CHECK_EQ(r0, 2);
		}
		len0 = np_skb_shinfo(tgt)->frags[0].len;

		/* only part of skb's first frag: the two slots still each hold one */
		CHECK_EQ(np_skb_shift(tgt, skb, 24), 24);
		exp_move(&xt, &xs, 24);
		check_skb(tgt, &xt);
		check_skb(skb, &xs);
		CHECK_EQ(nfrags(tgt), 1);
		CHECK_EQ(np_skb_shinfo(tgt)->frags[0].len, len0 + 24);
		CHECK_EQ(pp ? pp_ref(f) : np_page_ref_count(f), r0);

		/* the rest of it and the next frag: skb's reference on f is dropped */
		{
			uint32_t n = np_skb_shinfo(skb)->frags[0].len + 700;

			CHECK_EQ(np_skb_shift(tgt, skb, (int)n), (int)n);
			exp_move(&xt, &xs, n);
		}
		check_skb(tgt, &xt);
		check_skb(skb, &xs);
		CHECK_EQ(skb->len, 0);
		CHECK_EQ(nfrags(skb), 0);
		CHECK_EQ(nfrags(tgt), 2);
		CHECK(np_skb_shinfo(tgt)->frags[1].page == q);
		CHECK_EQ(pp ? pp_ref(f) : np_page_ref_count(f), r0 - 1);
		CHECK_FATE(e.pool, &f0, 0, 0);	/* f is not recycled: tgt still uses it */
		np_kfree_skb(skb);
		np_kfree_skb(tgt);
		/* pp: both heads, q and the frag page; non-pp: nothing of the pool */
		CHECK_FATE(e.pool, &f0, pp ? 4 : 0, 0);
		env_fini(&e);
	}
}

/* Refusals: nothing changes. */
static void test_shift_refused(void)
{
	struct np_skb *tgt, *skb;
	struct fate f0;
	struct env e;

	env_init(&e);
	f0 = fate_now(e.pool);
	tgt = pp_skb(&e, 10, &xt);
	skb = pp_skb(&e, 20, &xs);
	add_pool_page(&e, skb, 100, &xs);
	CHECK_EQ(np_skb_shift(tgt, skb, 50), 0);	/* skb has a linear part */
	check_skb(skb, &xs);
	check_skb(tgt, &xt);
	np_kfree_skb(skb);

	skb = pp_paged(&e, &xs);
	add_pool_page(&e, skb, 100, &xs);
	add_pool_page(&e, skb, 100, &xs);
	CHECK_EQ(np_skb_shift(tgt, skb, 0), 0);
	CHECK_EQ(np_skb_shift(tgt, skb, 200), 200);	/* all of it */
	exp_move(&xt, &xs, 200);
	check_skb(tgt, &xt);
	check_skb(skb, &xs);
	np_kfree_skb(skb);

	/* pp_recycle differs, either way round */
	skb = small_skb(100, 0, &xs);
	add_foreign(&e, skb, 100, &xs);
	CHECK_EQ(np_skb_shift(tgt, skb, 50), 0);
	CHECK_EQ(np_skb_shift(skb, tgt, 50), 0);
	check_skb(skb, &xs);
	check_skb(tgt, &xt);
	np_kfree_skb(skb);

	/* tgt full: a whole skb that cannot fit, and one frag too many */
	for (int i = nfrags(tgt); i < NP_MAX_SKB_FRAGS; i++)
		add_foreign(&e, tgt, 10, &xt);
	skb = pp_paged(&e, &xs);
	add_pool_page(&e, skb, 100, &xs);
	add_pool_page(&e, skb, 100, &xs);
	CHECK_EQ(np_skb_shift(tgt, skb, 200), 0);
	CHECK_EQ(np_skb_shift(tgt, skb, 50), 0);
	check_skb(skb, &xs);
	check_skb(tgt, &xt);
	CHECK_EQ(nfrags(tgt), NP_MAX_SKB_FRAGS);
	np_kfree_skb(tgt);
	CHECK_FATE(e.pool, &f0, 6, 0);

	np_kfree_skb(skb);
	CHECK_FATE(e.pool, &f0, 6 + 3, 0);
	env_fini(&e);
}

/* ---- split ---- */

/* The packet split below: head 500, pool page 1000, frag page 800, foreign 600. */
static struct np_skb *split_src(struct env *e, bool pp, struct np_page *pg[3])
{
	struct np_skb *skb;

	if (pp) {
		skb = pp_skb(e, 500, &xs);
		pg[0] = add_pool_page(e, skb, 1000, &xs);
		pg[1] = add_pool_frag(e, skb, 800, &xs);
		frag_flush(e);
	} else {
		skb = pf_skb(600, 500, &xs);
		pg[0] = add_foreign(e, skb, 1000, &xs);
		pg[1] = add_page_frag(skb, 800, &xs);
	}
	pg[2] = add_foreign(e, skb, 600, &xs);
	return skb;
}

static void test_split(void)
{
	static const uint32_t cuts[] = { 0, 200, 499, 500, 501, 1500, 1900, 2300, 2899, 2900 };

	for (unsigned c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
		for (int pp = 0; pp < 2; pp++) {
			for (int order = 0; order < 2; order++) {
				uint32_t cut = cuts[c], pos = 500, ts;
				struct np_skb *skb, *skb1;
				struct np_page *pg[3];
				long ppr[3];
				int ref[3];
				struct fate f0;
				struct env e;
				int ncut = -1;

				env_init(&e);
				skb = split_src(&e, pp, pg);
				CHECK_EQ(skb->len, 2900);
				for (int i = 0; i < 3; i++) {
					uint32_t fl = np_skb_shinfo(skb)->frags[i].len;

					ppr[i] = pp_ref(pg[i]);
					ref[i] = np_page_ref_count(pg[i]);
					if (cut > pos && cut < pos + fl)
						ncut = i;
					pos += fl;
				}
				skb1 = pp && (c & 1) ? pp_skb(&e, 0, &xw) : small_skb(3000, 0, &xw);
				ts = skb->truesize;
				f0 = fate_now(e.pool);
				CHECK_EQ(np_skb_split(skb, skb1, cut), 0);
				CHECK_EQ(skb1->pp_recycle, skb->pp_recycle);
				CHECK_EQ(skb->truesize, ts);
				memcpy(&xw, &xs, sizeof(xs));
				xw.len = 0;
				exp_add(&xw, xs.b + cut, xs.len - cut);
				xs.len = cut;
				check_skb(skb, &xs);
				check_skb(skb1, &xw);
				CHECK_EQ(np_skb_headlen(skb), NP_MIN(cut, 500));
				CHECK_EQ(np_skb_headlen(skb1), cut < 500 ? 500 - cut : 0);
				CHECK_EQ(nfrags(skb) + nfrags(skb1), 3 + (ncut >= 0));
				for (int i = 0; i < 3; i++) {
					/* one more reference, of the skb's kind, for the frag cut in two */
					bool pool = pp && np_page_is_pp(pg[i]);
					int more = i == ncut;

					CHECK_EQ(pp_ref(pg[i]), ppr[i] + (pool ? more : 0));
					CHECK_EQ(np_page_ref_count(pg[i]), ref[i] + (pool ? 0 : more));
				}
				CHECK_FATE(e.pool, &f0, 0, 0);
				np_kfree_skb(order ? skb1 : skb);
				check_skb(order ? skb : skb1, order ? &xs : &xw);
				np_kfree_skb(order ? skb : skb1);
				/* pp: head, pool page, frag page (+ skb1's pool head) */
				CHECK_FATE(e.pool, &f0, pp ? 3u + (c & 1) : 0u, 0);
				env_fini(&e);
			}
		}
	}
}

/* A cloned skb is unshared before its frags move (np_pskb_expand_head()). */
static void test_shift_cloned(void)
{
	struct np_skb *tgt, *skb, *c;
	struct fate f0;
	struct env e;

	env_init(&e);
	f0 = fate_now(e.pool);
	skb = pp_paged(&e, &xs);
	add_pool_page(&e, skb, 100, &xs);
	add_pool_page(&e, skb, 100, &xs);
	/*
	 * skb cloned: it is unshared first, which gives up its pool share and
	 * its pp_recycle, so a pp tgt refuses it; the clone keeps its bytes.
	 */
	tgt = pp_skb(&e, 10, &xt);
	c = np_skb_clone(skb);
	CHECK(c);
	CHECK_EQ(np_skb_shift(tgt, skb, 50), 0);
	check_skb(tgt, &xt);
	check_skb(skb, &xs);
	check_skb(c, &xs);
	np_kfree_skb(skb);
	np_kfree_skb(c);
	np_kfree_skb(tgt);
	CHECK_FATE(e.pool, &f0, 4, 0);

	/* both cloned pp: both unshared, both lose pp_recycle, so the shift goes ahead */
	{
		struct np_skb *ct;
		struct np_page *p;

		tgt = pp_skb(&e, 10, &xt);
		ct = np_skb_clone(tgt);
		skb = pp_paged(&e, &xs);
		p = add_pool_page(&e, skb, 300, &xs);
		c = np_skb_clone(skb);
		CHECK(c && ct);
		memcpy(&xw, &xs, sizeof(xs));
		CHECK_EQ(np_skb_shift(tgt, skb, 100), 100);
		CHECK(!tgt->pp_recycle && !skb->pp_recycle);
		exp_move(&xt, &xs, 100);
		check_skb(tgt, &xt);
		check_skb(skb, &xs);
		check_skb(c, &xw);
		CHECK_EQ(np_page_ref_count(p), 3);	/* the clone's pool ref + two page refs */
		CHECK_EQ(pp_ref(p), 1);
		f0 = fate_now(e.pool);
		np_kfree_skb(c);			/* pool ref goes, page still referenced */
		CHECK_FATE(e.pool, &f0, 1, 1);
		np_kfree_skb(ct);
		CHECK_FATE(e.pool, &f0, 2, 1);
		np_kfree_skb(skb);
		np_kfree_skb(tgt);
		CHECK_FATE(e.pool, &f0, 2, 1);
	}
	env_fini(&e);
}

int main(void)
{
	skbt_seed(0x2545f4914f6cdd1dull);
	test_shift_basic();
	test_shift_merge();
	test_shift_refused();
	test_split();
	test_shift_cloned();
	np_skb_thread_flush();
	CHECK_EQ(np_skb_live(), 0);
	return 0;
}
