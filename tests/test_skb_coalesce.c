/* SPDX-License-Identifier: MIT */
/*
 * np_skb_try_coalesce() under the reference rule (SPEC 4, 7 items 4-6):
 *   - from fits in to's tailroom: copied, no reference changes hands;
 *   - refused (nothing changed) when to is cloned, when pp_recycle differs in
 *     either direction, with a frag_list, past NP_MAX_SKB_FRAGS, or when
 *     from's head is shared or not a page and does not fit;
 *   - from not cloned: its frag references move (counts unchanged), a
 *     head_frag head is stolen with its kind and from is freed with
 *     np_kfree_skb_partial(from, true); a head that fits is copied;
 *   - from cloned: to takes new references of its own kind (pool references
 *     for pool pages when both are pp, page references otherwise);
 *   - delta_truesize is what to gained;
 *   - freed in every order, each pool page is recycled exactly once, only
 *     after its last user, pp_ref_count back to its single-owner value;
 *   - a clone of from freed by another thread while coalescing.
 * Each part ends with no skb, no page and no pool left over.
 */
#include "testutil.h"

#include "skbtest.h"

/* A pp skb with a nonlinear part: no tailroom, so nothing is copied into it. */
static struct np_skb *pp_skb_nonlinear(struct env *e, struct exp *x)
{
	struct np_skb *skb = pp_skb(e, 100, x);

	add_pool_page(e, skb, 500, x);
	CHECK_EQ(np_skb_tailroom(skb), 0);
	return skb;
}

struct snap {
	uint32_t len, data_len, truesize, tail;
	uint8_t nr_frags, pp_recycle;
};

static struct snap snap_of(const struct np_skb *skb)
{
	return (struct snap){ skb->len, skb->data_len, skb->truesize, skb->tail, nfrags(skb),
			      skb->pp_recycle };
}

static void check_snap(const struct np_skb *skb, const struct snap *s)
{
	struct snap n = snap_of(skb);

	CHECK_EQ(n.len, s->len);
	CHECK_EQ(n.data_len, s->data_len);
	CHECK_EQ(n.truesize, s->truesize);
	CHECK_EQ(n.tail, s->tail);
	CHECK_EQ(n.nr_frags, s->nr_frags);
	CHECK_EQ(n.pp_recycle, s->pp_recycle);
}

/* A refused coalesce changes neither skb, nor any reference. */
static void expect_refused(struct np_pool *pool, struct np_skb *to, const struct exp *xt,
			   struct np_skb *from, const struct exp *xf)
{
	struct snap st = snap_of(to), sf = snap_of(from);
	struct fate f0 = fate_now(pool);
	bool stolen = true;
	int delta = 1;

	CHECK(!np_skb_try_coalesce(to, from, &stolen, &delta));
	CHECK(!stolen);
	CHECK_EQ(delta, 0);
	check_snap(to, &st);
	check_snap(from, &sf);
	check_skb(to, xt);
	check_skb(from, xf);
	CHECK_FATE(pool, &f0, 0, 0);
}

static struct exp xt, xf, xc, xg;

/* from fits in to's tailroom: a plain copy, from keeps all it had. */
static void test_copy_into_tailroom(void)
{
	struct np_skb *to, *from;
	struct np_page *fp;
	struct fate f0;
	struct env e;
	uint32_t ts;
	bool stolen;
	int delta;

	env_init(&e);
	to = pp_skb(&e, 100, &xt);
	from = pp_skb(&e, 200, &xf);
	fp = add_pool_page(&e, from, 500, &xf);
	ts = to->truesize;
	f0 = fate_now(e.pool);
	CHECK(np_skb_try_coalesce(to, from, &stolen, &delta));
	CHECK(!stolen);
	CHECK_EQ(delta, 0);
	CHECK_EQ(to->truesize, ts);
	CHECK(!np_skb_is_nonlinear(to));
	check_skb(from, &xf);
	exp_add(&xt, xf.b, xf.len);
	check_skb(to, &xt);
	CHECK_EQ(pp_ref(fp), 1);
	CHECK_EQ(np_page_ref_count(fp), 1);
	np_kfree_skb_partial(from, stolen);
	CHECK_FATE(e.pool, &f0, 2, 0);
	check_skb(to, &xt);

	/* an empty from merges too */
	from = pp_skb(&e, 0, &xf);
	CHECK(np_skb_try_coalesce(to, from, &stolen, &delta));
	CHECK(!stolen && delta == 0);
	np_kfree_skb_partial(from, stolen);
	check_skb(to, &xt);

	/* non-pp into non-pp, and a from with a frag_list that fits */
	np_kfree_skb(to);
	CHECK_FATE(e.pool, &f0, 4, 0);
	to = small_skb(2000, 10, &xt);
	from = pf_skb(300, 100, &xf);
	{
		struct exp *xm = &xc;
		struct np_skb *m = small_skb(200, 150, xm);

		np_skb_shinfo(from)->frag_list = m;
		from->len += m->len;
		from->data_len += m->len;
		from->truesize += m->truesize;
		exp_add(&xf, xm->b, xm->len);
	}
	CHECK(np_skb_try_coalesce(to, from, &stolen, &delta));
	CHECK(!stolen && delta == 0);
	exp_add(&xt, xf.b, xf.len);
	check_skb(to, &xt);
	np_kfree_skb_partial(from, stolen);
	np_kfree_skb(to);
	CHECK_FATE(e.pool, &f0, 4, 0);
	env_fini(&e);
}

static void test_refused(void)
{
	struct np_skb *to, *from, *c, *m;
	struct fate f0;
	struct env e;
	bool stolen;
	int delta;

	env_init(&e);
	f0 = fate_now(e.pool);

	/* to cloned: refused even when from would fit; fine again once the clone is gone */
	to = pp_skb(&e, 100, &xt);
	c = np_skb_clone(to);
	CHECK(c);
	from = pp_skb(&e, 50, &xf);
	expect_refused(e.pool, to, &xt, from, &xf);
	np_kfree_skb(c);
	CHECK(np_skb_try_coalesce(to, from, &stolen, &delta));
	np_kfree_skb_partial(from, stolen);
	exp_add(&xt, xf.b, xf.len);
	check_skb(to, &xt);

	/* pp to, non-pp from: linear and nonlinear, fitting and not */
	from = pf_skb(100, 50, &xf);
	expect_refused(e.pool, to, &xt, from, &xf);
	add_page_frag(from, 300, &xf);
	expect_refused(e.pool, to, &xt, from, &xf);
	add_foreign(&e, from, 3900, &xf);
	expect_refused(e.pool, to, &xt, from, &xf);
	np_kfree_skb(from);
	from = small_skb(100, 60, &xf);
	expect_refused(e.pool, to, &xt, from, &xf);

	/* non-pp to, pp from (review point (e): refused, not propagated) */
	c = from;
	from = to;
	to = c;
	memcpy(&xc, &xt, sizeof(xt));
	memcpy(&xt, &xf, sizeof(xf));
	memcpy(&xf, &xc, sizeof(xc));
	expect_refused(e.pool, to, &xt, from, &xf);
	add_pool_page(&e, from, 3000, &xf);
	expect_refused(e.pool, to, &xt, from, &xf);
	c = np_skb_clone(from);		/* SPEC 7 item 5: a pp clone never merges into non-pp */
	CHECK(c);
	expect_refused(e.pool, to, &xt, from, &xf);
	np_kfree_skb(c);
	np_kfree_skb(to);
	np_kfree_skb(from);
	CHECK_FATE(e.pool, &f0, 3, 0);

	/* a frag_list on either side, once from does not fit */
	to = pp_skb_nonlinear(&e, &xt);
	from = pp_skb(&e, 0, &xf);
	add_pool_page(&e, from, 1000, &xf);
	m = pp_skb(&e, 200, &xc);
	np_skb_shinfo(from)->frag_list = m;
	from->len += m->len;
	from->data_len += m->len;
	from->truesize += m->truesize;
	exp_add(&xf, xc.b, xc.len);
	expect_refused(e.pool, to, &xt, from, &xf);
	np_kfree_skb(from);
	from = pp_skb(&e, 0, &xf);
	add_pool_page(&e, from, 1000, &xf);
	m = pp_skb(&e, 200, &xc);
	np_skb_shinfo(to)->frag_list = m;
	to->len += m->len;
	to->data_len += m->len;
	to->truesize += m->truesize;
	exp_add(&xt, xc.b, xc.len);
	expect_refused(e.pool, to, &xt, from, &xf);
	np_kfree_skb(from);
	np_kfree_skb(to);
	CHECK_FATE(e.pool, &f0, 3 + 8, 0);

	/* from's head does not fit: shared (cloned) or not a page (small head) */
	to = pp_skb_nonlinear(&e, &xt);
	from = pp_skb(&e, 300, &xf);
	add_pool_page(&e, from, 100, &xf);
	c = np_skb_clone(from);
	CHECK(c);
	expect_refused(e.pool, to, &xt, from, &xf);
	expect_refused(e.pool, to, &xt, c, &xf);
	np_kfree_skb(c);
	np_kfree_skb(from);
	from = small_skb(400, 300, &xf);
	np_skb_mark_for_recycle(from);	/* as after np_pskb_expand_head() of a pp skb */
	add_pool_page(&e, from, 100, &xf);
	expect_refused(e.pool, to, &xt, from, &xf);
	np_kfree_skb(from);
	np_kfree_skb(to);
	CHECK_FATE(e.pool, &f0, 11 + 5, 0);
	env_fini(&e);
}

/* NP_MAX_SKB_FRAGS: to's frags + (stolen head) + from's frags. */
static void test_frag_limit(void)
{
	struct np_skb *to, *from;
	struct env e;
	struct fate f0;
	bool stolen;
	int delta;

	env_init(&e);
	f0 = fate_now(e.pool);
	to = pp_skb(&e, 0, &xt);
	for (int i = 0; i < NP_MAX_SKB_FRAGS - 2; i++)
		add_foreign(&e, to, 100, &xt);
	add_pool_page(&e, to, 100, &xt);		/* 16 frags */
	from = pp_skb(&e, 0, &xf);
	add_pool_page(&e, from, 200, &xf);
	add_foreign(&e, from, 200, &xf);
	expect_refused(e.pool, to, &xt, from, &xf);	/* 16 + 2 */
	np_kfree_skb(from);

	from = pp_skb(&e, 0, &xf);
	add_pool_page(&e, from, 200, &xf);
	CHECK(np_skb_try_coalesce(to, from, &stolen, &delta));	/* 16 + 1 */
	CHECK(!stolen);
	CHECK_EQ(nfrags(to), NP_MAX_SKB_FRAGS);
	np_kfree_skb_partial(from, stolen);
	exp_add(&xt, xf.b, xf.len);
	check_skb(to, &xt);
	np_kfree_skb(to);
	CHECK_FATE(e.pool, &f0, 6, 0);

	/* a stolen head takes a slot */
	to = pp_skb(&e, 0, &xt);
	for (int i = 0; i < NP_MAX_SKB_FRAGS - 2; i++)
		add_pool_frag(&e, to, 100, &xt);	/* 15 frags */
	from = pp_skb(&e, 100, &xf);
	add_foreign(&e, from, 4000, &xf);
	add_foreign(&e, from, 4000, &xf);
	expect_refused(e.pool, to, &xt, from, &xf);	/* 15 + 1 + 2 */
	np_kfree_skb(from);
	from = pp_skb(&e, 100, &xf);
	add_foreign(&e, from, 4000, &xf);
	CHECK(np_skb_try_coalesce(to, from, &stolen, &delta));	/* 15 + 1 + 1 */
	CHECK(stolen);
	CHECK_EQ(nfrags(to), NP_MAX_SKB_FRAGS);
	np_kfree_skb_partial(from, stolen);
	exp_add(&xt, xf.b, xf.len);
	check_skb(to, &xt);
	np_kfree_skb(to);
	frag_flush(&e);
	CHECK_FATE(e.pool, &f0, 6 + 4, 0);
	env_fini(&e);
}

/* from not cloned, all payload in frags: the references move, counts unchanged. */
static void test_move_frags(void)
{
	struct np_page *pg[5];
	struct np_skb_frag fr[5];
	struct np_skb *to, *from;
	long ppr[5];
	int ref[5];
	struct fate f0;
	struct env e;
	uint32_t ts, fts;
	bool stolen;
	int delta;

	env_init(&e);
	f0 = fate_now(e.pool);
	to = pp_skb_nonlinear(&e, &xt);
	from = pp_skb(&e, 0, &xf);
	pg[0] = add_pool_page(&e, from, 1000, &xf);
	pg[1] = add_pool_frag(&e, from, 700, &xf);
	pg[2] = add_pool_frag(&e, from, 900, &xf);
	pg[3] = add_foreign(&e, from, 300, &xf);
	pg[4] = add_page_frag(from, 500, &xf);
	CHECK(pg[1] == pg[2]);
	for (int i = 0; i < 5; i++) {
		ppr[i] = pp_ref(pg[i]);
		ref[i] = np_page_ref_count(pg[i]);
		fr[i] = np_skb_shinfo(from)->frags[i];
	}
	ts = to->truesize;
	fts = frag_truesize(from);
	CHECK(np_skb_try_coalesce(to, from, &stolen, &delta));
	CHECK(!stolen);
	CHECK_EQ(delta, fts);
	CHECK_EQ(to->truesize, ts + fts);
	CHECK_EQ(nfrags(to), 6);
	CHECK_EQ(nfrags(from), 0);
	for (int i = 0; i < 5; i++) {
		const struct np_skb_frag *f = &np_skb_shinfo(to)->frags[1 + i];

		CHECK(f->page == fr[i].page && f->offset == fr[i].offset && f->len == fr[i].len);
		CHECK_EQ(pp_ref(pg[i]), ppr[i]);
		CHECK_EQ(np_page_ref_count(pg[i]), ref[i]);
	}
	exp_add(&xt, xf.b, xf.len);
	check_skb(to, &xt);
	np_kfree_skb_partial(from, stolen);	/* only from's head goes */
	CHECK_FATE(e.pool, &f0, 1, 0);
	for (int i = 0; i < 5; i++)
		CHECK_EQ(np_page_ref_count(pg[i]), ref[i]);
	check_skb(to, &xt);
	np_kfree_skb(to);
	CHECK_FATE(e.pool, &f0, 4, 0);
	frag_flush(&e);				/* the frag page, after its last user */
	CHECK_FATE(e.pool, &f0, 5, 0);
	env_fini(&e);
}

/* from's head fits in to's tailroom: copied; the frags move (or, cloned, are shared). */
static void test_copy_head(void)
{
	for (int cloned = 0; cloned < 2; cloned++) {
		struct np_skb *to, *from, *c = NULL;
		struct np_page *p1, *p2;
		struct fate f0;
		struct env e;
		uint32_t ts, fts, tlen;
		bool stolen;
		int delta;

		env_init(&e);
		f0 = fate_now(e.pool);
		to = pp_skb(&e, 100, &xt);
		from = pp_skb(&e, 300, &xf);
		p1 = add_pool_page(&e, from, 2000, &xf);
		p2 = add_pool_page(&e, from, 2500, &xf);
		CHECK(from->len > np_skb_tailroom(to));
		if (cloned) {
			c = np_skb_clone(from);
			CHECK(c);
		}
		ts = to->truesize;
		tlen = to->len;
		fts = frag_truesize(from);
		CHECK(np_skb_try_coalesce(to, from, &stolen, &delta));
		CHECK(!stolen);
		CHECK_EQ(delta, fts);
		CHECK_EQ(to->truesize, ts + fts);
		CHECK_EQ(np_skb_headlen(to), tlen + 300);
		CHECK_EQ(nfrags(to), 2);
		CHECK_EQ(nfrags(from), cloned ? 2 : 0);
		/* cloned: to's slots hold pool references of their own */
		CHECK_EQ(pp_ref(p1), 1 + cloned);
		CHECK_EQ(pp_ref(p2), 1 + cloned);
		CHECK_EQ(np_page_ref_count(p1), 1);
		exp_add(&xt, xf.b, xf.len);
		check_skb(to, &xt);
		if (cloned)
			check_skb(c, &xf);
		np_kfree_skb_partial(from, stolen);
		CHECK_FATE(e.pool, &f0, cloned ? 0 : 1, 0);
		np_kfree_skb(to);
		CHECK_FATE(e.pool, &f0, cloned ? 1 : 4, 0);
		if (cloned) {
			CHECK_EQ(pp_ref(p1), 1);
			check_skb(c, &xf);
			np_kfree_skb(c);
			CHECK_FATE(e.pool, &f0, 4, 0);
		}
		env_fini(&e);
	}
}

/* from not cloned, head not fitting: its head page becomes a frag of to. */
static void test_steal_head(void)
{
	struct np_skb *to, *from;
	struct np_page *hp, *p1;
	struct fate f0;
	struct env e;
	uint32_t ts, fts;
	int64_t live;
	bool stolen;
	int delta, ref, held;

	env_init(&e);
	f0 = fate_now(e.pool);

	/* pp: the head's pool reference moves */
	to = pp_skb_nonlinear(&e, &xt);
	from = pp_skb(&e, 300, &xf);
	hp = np_virt_to_page(from->head);
	p1 = add_pool_page(&e, from, 1200, &xf);
	add_foreign(&e, from, 700, &xf);
	ts = to->truesize;
	fts = from->truesize;
	CHECK(np_skb_try_coalesce(to, from, &stolen, &delta));
	CHECK(stolen);
	CHECK_EQ(delta, fts - sizeof(struct np_skb));
	CHECK_EQ(to->truesize, ts + (uint32_t)delta);
	CHECK_EQ(nfrags(to), 4);
	{
		const struct np_skb_frag *f = &np_skb_shinfo(to)->frags[1];

		CHECK(f->page == hp && f->offset == NP_SKB_PAD && f->len == 300);
	}
	CHECK_EQ(pp_ref(hp), 1);
	CHECK_EQ(np_page_ref_count(hp), 1);
	CHECK_EQ(pp_ref(p1), 1);
	live = np_skb_live();
	np_kfree_skb_partial(from, true);	/* the struct only */
	CHECK_EQ(np_skb_live(), live - 1);
	CHECK_FATE(e.pool, &f0, 0, 0);
	exp_add(&xt, xf.b, xf.len);
	check_skb(to, &xt);
	np_kfree_skb(to);
	CHECK_FATE(e.pool, &f0, 4, 0);

	/* non-pp: a page-fragment head moves as a page reference */
	to = pf_skb(200, 200, &xt);
	add_page_frag(to, 600, &xt);
	from = pf_skb(1000, 1000, &xf);
	hp = np_virt_to_page(from->head);
	add_foreign(&e, from, 100, &xf);
	ref = np_page_ref_count(hp);
	CHECK(np_skb_try_coalesce(to, from, &stolen, &delta));
	CHECK(stolen);
	CHECK_EQ(np_page_ref_count(hp), ref);
	CHECK(np_skb_shinfo(to)->frags[1].page == hp);
	CHECK_EQ((char *)np_page_address(hp) + np_skb_shinfo(to)->frags[1].offset,
		 (char *)from->data);
	np_kfree_skb_partial(from, stolen);
	CHECK_EQ(np_page_ref_count(hp), ref);
	exp_add(&xt, xf.b, xf.len);
	check_skb(to, &xt);
	/* to's own head and frag may be fragments of the same block */
	held = to->head_frag && np_virt_to_page(to->head) == hp;
	for (unsigned i = 0; i < nfrags(to); i++)
		held += np_skb_shinfo(to)->frags[i].page == hp;
	CHECK(held >= 1);
	np_kfree_skb(to);
	CHECK_EQ(np_page_ref_count(hp), ref - held);
	CHECK_FATE(e.pool, &f0, 4, 0);
	env_fini(&e);
}

/*
 * from cloned (SPEC 7 item 6): to takes references of its own kind -- pool
 * references on pool pages, a page reference on a foreign page -- and the
 * three holders are freed in all six orders. Pages: from's head H (shared
 * by from and its clone), to's head T and frag U, pool page P and the frag
 * page F (from's frags, shared with to), foreign page G.
 */
static void test_from_cloned_orders(void)
{
	static const int orders[6][3] = {
		{ 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 }, { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 },
	};

	for (int o = 0; o < 6; o++) {
		struct np_skb *s[3];	/* from, clone, to */
		const struct exp *x[3] = { &xf, &xf, &xt };
		struct np_page *p, *f, *g;
		struct fate f0;
		struct env e;
		long f_ref;
		uint32_t fts;
		bool stolen, gone[3] = { false, false, false };
		int delta;

		env_init(&e);
		s[2] = pp_skb_nonlinear(&e, &xt);
		s[0] = pp_skb(&e, 0, &xf);
		p = add_pool_page(&e, s[0], 1000, &xf);
		f = add_pool_frag(&e, s[0], 600, &xf);
		g = add_foreign(&e, s[0], 400, &xf);
		frag_flush(&e);		/* F's only users are skb slots from now on */
		f_ref = pp_ref(f);
		CHECK_EQ(f_ref, 1);
		s[1] = np_skb_clone(s[0]);
		CHECK(s[1] && np_skb_cloned(s[0]));
		fts = frag_truesize(s[0]);
		CHECK(np_skb_try_coalesce(s[2], s[0], &stolen, &delta));
		CHECK(!stolen);
		CHECK_EQ(delta, fts);
		CHECK_EQ(nfrags(s[0]), 3);
		CHECK_EQ(nfrags(s[2]), 4);
		CHECK_EQ(pp_ref(p), 2);
		CHECK_EQ(pp_ref(f), 2);
		CHECK_EQ(np_page_ref_count(p), 1);
		CHECK_EQ(np_page_ref_count(f), 1);
		CHECK_EQ(np_page_ref_count(g), 2);
		exp_add(&xt, xf.b, xf.len);

		f0 = fate_now(e.pool);
		for (int i = 0; i < 3; i++) {
			int k = orders[o][i];
			uint64_t want;
			bool data_gone;

			if (k == 0)
				np_kfree_skb_partial(s[0], stolen);
			else
				np_kfree_skb(s[k]);
			gone[k] = true;
			for (int j = 0; j < 3; j++)
				if (!gone[j])
					check_skb(s[j], x[j]);
			data_gone = gone[0] && gone[1];
			/* H when from's data goes, T and U with to, P and F with the last */
			want = (uint64_t)data_gone + 2u * gone[2] + 2u * (data_gone && gone[2]);
			CHECK_FATE(e.pool, &f0, want, 0);
			if (i == 1) {
				/* one holder of P and F left: single-owner counts again */
				CHECK_EQ(pp_ref(p), 1);
				CHECK_EQ(pp_ref(f), 1);
				CHECK_EQ(np_page_ref_count(g), 1);
			}
		}
		CHECK_FATE(e.pool, &f0, 5, 0);
		env_fini(&e);
	}
}

/* Both non-pp, from cloned: to takes page references. */
static void test_from_cloned_nonpp(void)
{
	struct np_skb *to, *from, *c;
	struct np_page *g, *h;
	struct env e;
	bool stolen;
	int delta, href;

	env_init(&e);
	to = small_skb(200, 200, &xt);
	add_foreign(&e, to, 100, &xt);
	from = pf_skb(100, 0, &xf);
	g = add_foreign(&e, from, 2000, &xf);
	h = add_page_frag(from, 900, &xf);
	href = np_page_ref_count(h);
	c = np_skb_clone(from);
	CHECK(c);
	CHECK(np_skb_try_coalesce(to, from, &stolen, &delta));
	CHECK(!stolen);
	CHECK_EQ(np_page_ref_count(g), 2);
	CHECK_EQ(np_page_ref_count(h), href + 1);
	exp_add(&xt, xf.b, xf.len);
	check_skb(to, &xt);
	np_kfree_skb(c);
	np_kfree_skb_partial(from, stolen);
	CHECK_EQ(np_page_ref_count(g), 1);
	check_skb(to, &xt);
	np_kfree_skb(to);
	env_fini(&e);
}

/*
 * SPEC 7 item 4: a pool frag page F split between two RX buffers A and B;
 * A is cloned (a tap) and the clone is coalesced into T. F recycles once,
 * only after A, its clone, T and B are all done.
 */
static void test_frag_page_tap(void)
{
	static const int orders[4][4] = {
		{ 0, 1, 2, 3 }, { 3, 2, 1, 0 }, { 2, 0, 3, 1 }, { 1, 3, 0, 2 },
	};

	for (int o = 0; o < 4; o++) {
		struct np_skb *s[4];	/* A, A's clone, T, B */
		const struct exp *x[4] = { &xf, &xf, &xt, &xg };
		struct np_page *f, *f2;
		bool gone[4] = { false, false, false, false }, stolen;
		struct fate f0;
		struct env e;
		int delta;

		env_init(&e);
		s[0] = pp_skb(&e, 0, &xf);
		f = add_pool_frag(&e, s[0], 1500, &xf);
		s[3] = pp_skb(&e, 0, &xg);
		f2 = add_pool_frag(&e, s[3], 1500, &xg);
		CHECK(f == f2);
		s[1] = np_skb_clone(s[0]);
		CHECK(s[1]);
		s[2] = pp_skb_nonlinear(&e, &xt);
		CHECK(np_skb_try_coalesce(s[2], s[1], &stolen, &delta));
		CHECK(!stolen);
		exp_add(&xt, xf.b, xf.len);
		frag_flush(&e);
		CHECK_EQ(pp_ref(f), 3);		/* A's data, T, B */
		f0 = fate_now(e.pool);
		for (int i = 0; i < 4; i++) {
			int k = orders[o][i];
			bool a_gone, all;
			uint64_t want;

			if (k == 1)
				np_kfree_skb_partial(s[1], stolen);
			else
				np_kfree_skb(s[k]);
			gone[k] = true;
			for (int j = 0; j < 4; j++)
				if (!gone[j])
					check_skb(s[j], x[j]);
			a_gone = gone[0] && gone[1];
			all = a_gone && gone[2] && gone[3];
			/* A's head, T's head and frag, B's head, then F */
			want = (uint64_t)a_gone + 2u * gone[2] + gone[3] + all;
			CHECK_FATE(e.pool, &f0, want, 0);
			if (!all)
				CHECK(pp_ref(f) >= 1 && np_page_ref_count(f) == 1);
		}
		env_fini(&e);
	}
}

/*
 * SPEC 7 item 5 with both pp: another thread frees from's clone while this
 * one coalesces. Whichever way the clone test goes, every slot has exactly
 * one reference: each iteration's pages recycle exactly once.
 */
struct racer {
	pthread_barrier_t go, done;
	struct np_skb *victim;
	bool stop;
};

static void *racer_main(void *arg)
{
	struct racer *r = arg;

	for (;;) {
		pthread_barrier_wait(&r->go);
		if (r->stop)
			return NULL;
		np_kfree_skb(r->victim);
		pthread_barrier_wait(&r->done);
	}
}

static void test_clone_freed_concurrently(void)
{
#ifdef T_SANITIZED
	const int rounds = 100;
#else
	const int rounds = 1000;
#endif
	struct racer r = { .stop = false };
	struct np_skb *to, *from;
	struct fate f0;
	pthread_t th;
	struct env e;
	int moved = 0;

	env_init(&e);
	CHECK_EQ(pthread_barrier_init(&r.go, NULL, 2), 0);
	CHECK_EQ(pthread_barrier_init(&r.done, NULL, 2), 0);
	CHECK_EQ(pthread_create(&th, NULL, racer_main, &r), 0);
	f0 = fate_now(e.pool);
	for (int i = 0; i < rounds; i++) {
		bool stolen;
		int delta;

		to = pp_skb_nonlinear(&e, &xt);
		from = pp_skb(&e, 0, &xf);
		add_pool_page(&e, from, 1000, &xf);
		add_pool_page(&e, from, 800, &xf);
		r.victim = np_skb_clone(from);
		CHECK(r.victim);
		pthread_barrier_wait(&r.go);
		CHECK(np_skb_try_coalesce(to, from, &stolen, &delta));
		pthread_barrier_wait(&r.done);
		moved += nfrags(from) == 0;
		exp_add(&xt, xf.b, xf.len);
		check_skb(to, &xt);
		np_kfree_skb_partial(from, stolen);
		np_kfree_skb(to);
		/* from's head, two frags, to's head and frag */
		CHECK_FATE(e.pool, &f0, 5u * (unsigned)(i + 1), 0);
	}
	r.stop = true;
	pthread_barrier_wait(&r.go);
	CHECK_EQ(pthread_join(th, NULL), 0);
	pthread_barrier_destroy(&r.go);
	pthread_barrier_destroy(&r.done);
	if (getenv("T_VERBOSE"))
		printf("frags moved in %d of %d rounds\n", moved, rounds);
	env_fini(&e);
}

int main(void)
{
	skbt_seed(0x2545f4914f6cdd1dull);
	test_copy_into_tailroom();
	test_refused();
	test_frag_limit();
	test_move_frags();
	test_copy_head();
	test_steal_head();
	test_from_cloned_orders();
	test_from_cloned_nonpp();
	test_frag_page_tap();
	test_clone_freed_concurrently();
	np_skb_thread_flush();
	CHECK_EQ(np_skb_live(), 0);
	return 0;
}
