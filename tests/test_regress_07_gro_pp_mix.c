/* SPDX-License-Identifier: MIT */
/*
 * docs/regressions.md R7: GRO refuses to merge a pp and a non-pp skb, either
 * way round and for every way a merge could go, and neither changes;
 * same-kind pairs merge; a pp skb's frags never go into a last frag_list
 * member that lost pp_recycle (it is chained whole instead).
 *
 * Caught, with the bug put back:
 *   - np_skb_gro_receive() without the head/skb pp_recycle test: "ret ==
 *     -EINVAL (0 != -22)" on the first mixed case;
 *   - without the last member's pp_recycle test: "np_skb_shinfo(m)->
 *     nr_frags == mfrags (17 != 16)" (the pp frag went into the member).
 */
#include "testutil.h"

#include "skbtest.h"

enum shape { SH_FRAGS, SH_HEAD_FRAG, SH_FULL, NSHAPES };
static const char *const shape_name[NSHAPES] = { "frags", "head_frag", "full" };

#define MAXPG	40

static uint8_t want[131072];

struct pages {
	struct np_page *pg[MAXPG];
	unsigned n, npool;
};

struct snap {
	uint32_t len, data_len, truesize, nr_frags;
	uint16_t gso_segs, gso_size;
	struct np_skb *frag_list;
	int refcount[MAXPG];
	long ppref[MAXPG];
};

static struct np_page *page_new(struct env *e, bool pool, struct pages *pg)
{
	struct np_page *p = pool ? np_pool_alloc_pages(e->pool) :
				   np_page_alloc(e->prov, 0, NP_NUMA_NO_NODE, 0);

	CHECK(p);
	CHECK(pg->n < MAXPG);
	pg->pg[pg->n++] = p;
	pg->npool += pool;
	return p;
}

/*
 * An RX skb: pp ones live in pool pages (head and frags, marked for recycle),
 * non-pp ones have a page-fragment head and frags of pages outside any pool.
 */
static struct np_skb *rx_skb(struct env *e, bool pp, uint32_t headlen, unsigned nfrags,
			     struct pages *pg, uint8_t *w)
{
	struct np_skb *skb;
	void *d;

	if (pp) {
		struct np_page *h = page_new(e, true, pg);

		skb = np_napi_build_skb(np_page_address(h), (uint32_t)np_page_size(h));
		CHECK(skb);
		np_skb_reserve(skb, NP_SKB_PAD);
	} else {
		skb = np_napi_alloc_skb(256);
		CHECK(skb);
		CHECK(skb->head_frag);
	}
	d = np_skb_put(skb, 54 + headlen);
	CHECK(d);
	fill(d, 54 + headlen);
	CHECK(np_skb_pull(skb, 54));	/* GRO saw the headers */
	memcpy(w, (char *)d + 54, headlen);
	for (unsigned i = 0; i < nfrags; i++) {
		struct np_page *p = page_new(e, pp, pg);

		fill(np_page_address(p), 700);
		memcpy(w + skb->len, np_page_address(p), 700);
		np_skb_add_rx_frag(skb, i, p, 0, 700, 4096);
	}
	if (pp)
		np_skb_mark_for_recycle(skb);
	np_skb_shinfo(skb)->gso_segs = 1;
	return skb;
}

static void snap_take(struct snap *s, const struct np_skb *skb, const struct pages *pg)
{
	const struct np_skb_shared_info *sh = np_skb_shinfo(skb);

	s->len = skb->len;
	s->data_len = skb->data_len;
	s->truesize = skb->truesize;
	s->nr_frags = sh->nr_frags;
	s->gso_segs = sh->gso_segs;
	s->gso_size = sh->gso_size;
	s->frag_list = sh->frag_list;
	for (unsigned i = 0; i < pg->n; i++) {
		s->refcount[i] = np_page_ref_count(pg->pg[i]);
		s->ppref[i] = pp_ref(pg->pg[i]);
	}
}

static void snap_same(const struct snap *a, const struct np_skb *skb, const struct pages *pg)
{
	struct snap b;

	snap_take(&b, skb, pg);
	CHECK_EQ(b.len, a->len);
	CHECK_EQ(b.data_len, a->data_len);
	CHECK_EQ(b.truesize, a->truesize);
	CHECK_EQ(b.nr_frags, a->nr_frags);
	CHECK_EQ(b.gso_segs, a->gso_segs);
	CHECK_EQ(b.gso_size, a->gso_size);
	CHECK(b.frag_list == a->frag_list);
	for (unsigned i = 0; i < pg->n; i++) {
		CHECK_EQ(b.refcount[i], a->refcount[i]);
		CHECK_EQ(b.ppref[i], a->ppref[i]);
	}
}

/* One head of kind @head_pp, one skb of kind @skb_pp shaped @sh. */
static void run_case(bool head_pp, bool skb_pp, enum shape sh)
{
	static uint8_t wskb[65536];
	struct np_skb *head, *skb;
	struct snap sh0, ss0;
	struct pages pg = { .n = 0 };
	struct fate f0;
	struct env e;
	uint32_t hlen, slen;
	unsigned head_pool;
	int ret;

	env_init_napi(&e, NULL);
	head = rx_skb(&e, head_pp, 100, 1, &pg, want);
	hlen = head->len;
	head_pool = pg.npool;
	if (sh == SH_FRAGS) {
		skb = rx_skb(&e, skb_pp, 0, 3, &pg, wskb);
	} else if (sh == SH_HEAD_FRAG) {
		skb = rx_skb(&e, skb_pp, 200, 2, &pg, wskb);
	} else {
		skb = rx_skb(&e, skb_pp, 200, NP_MAX_SKB_FRAGS - 1, &pg, wskb);
	}
	slen = skb->len;
	snap_take(&sh0, head, &pg);
	snap_take(&ss0, skb, &pg);
	f0 = fate_now(e.pool);

	ret = np_skb_gro_receive(head, skb);
	if (getenv("T_VERBOSE"))
		fprintf(stderr, "head pp %d skb pp %d %s: %d\n", head_pp, skb_pp, shape_name[sh], ret);
	if (head_pp != skb_pp) {
		CHECK_EQ(ret, -EINVAL);
		snap_same(&sh0, head, &pg);
		snap_same(&ss0, skb, &pg);
		check_bytes(head, want, hlen);
		check_bytes(skb, wskb, slen);
		CHECK_FATE(e.pool, &f0, 0, 0);
		np_kfree_skb(skb);
	} else {
		CHECK_EQ(ret, 0);
		memcpy(want + hlen, wskb, slen);
		check_bytes(head, want, hlen + slen);
		CHECK_EQ(np_skb_has_frag_list(head), sh == SH_FULL);
		CHECK_EQ(np_skb_shinfo(head)->gso_segs, 2);
	}
	/*
	 * Refused: the skb freed alone returns its own pool pages. Merged: only a
	 * pp skb's head whose payload moved out (frags shape) is gone.
	 */
	if (head_pp != skb_pp)
		CHECK_FATE(e.pool, &f0, pg.npool - head_pool, 0);
	else
		CHECK_FATE(e.pool, &f0, skb_pp && sh == SH_FRAGS, 0);
	np_kfree_skb(head);
	/* every pool page back exactly once, none released; foreign pages freed (env_fini) */
	CHECK_FATE(e.pool, &f0, pg.npool, 0);
	env_fini(&e);
}

/*
 * The last frag_list member lost pp_recycle: a tap cloned it and it was
 * expanded (page references now). A pp skb's frags must not go into it.
 */
static void run_member_case(void)
{
	static uint8_t wm[65536], ws[65536];
	struct pages pg = { .n = 0 };
	struct np_skb *head, *m, *tap, *s;
	struct fate f0;
	struct env e;
	uint32_t hlen, mlen, slen, mfrags;

	env_init_napi(&e, NULL);
	head = rx_skb(&e, true, 100, 1, &pg, want);
	hlen = head->len;
	m = rx_skb(&e, true, 200, NP_MAX_SKB_FRAGS - 1, &pg, wm);
	mlen = m->len;
	CHECK_EQ(np_skb_gro_receive(head, m), 0);
	CHECK(np_skb_shinfo(head)->frag_list == m);
	memcpy(want + hlen, wm, mlen);

	tap = np_skb_clone(m);
	CHECK(tap);
	CHECK_EQ(np_pskb_expand_head(m, 0, 0), 0);
	CHECK(!m->pp_recycle && tap->pp_recycle);
	mfrags = np_skb_shinfo(m)->nr_frags;

	/* one frag: it would fit in m's slots */
	s = rx_skb(&e, true, 0, 1, &pg, ws);
	CHECK(mfrags + 1 <= NP_MAX_SKB_FRAGS);
	slen = s->len;
	f0 = fate_now(e.pool);
	CHECK_EQ(np_skb_gro_receive(head, s), 0);
	/* chained whole, not merged into m's frags */
	CHECK_EQ(np_skb_shinfo(m)->nr_frags, mfrags);
	CHECK(m->next == s);
	CHECK_EQ(np_skb_shinfo(s)->nr_frags, 1);
	CHECK(s->pp_recycle);
	memcpy(want + hlen + mlen, ws, slen);
	check_bytes(head, want, hlen + mlen + slen);
	check_bytes(tap, wm, mlen);
	CHECK_FATE(e.pool, &f0, 0, 0);

	/* m's page references go first, then the tap's pool references: all recycled */
	np_kfree_skb(head);
	check_bytes(tap, wm, mlen);
	np_kfree_skb(tap);
	CHECK_FATE(e.pool, &f0, pg.npool, 0);
	env_fini(&e);
}

int main(void)
{
	skbt_seed(0xda942042e4dd58b5ull);
	for (int sh = 0; sh < NSHAPES; sh++)
		for (int k = 0; k < 4; k++)
			run_case(k & 1, k >> 1, (enum shape)sh);
	run_member_case();
	np_skb_thread_flush();
	return 0;
}
