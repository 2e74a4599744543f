/* SPDX-License-Identifier: MIT */
/*
 * np_skb_split() must never change the kind of a reference already held.
 * skb1 built on a pool page, marked for recycle and still empty, holds its
 * head as a pool reference; split from an unmarked skb used to overwrite
 * skb1->pp_recycle with 0, so the head's pool reference was dropped as a
 * page reference: the page went back to the provider while the pool still
 * counted it, and the pool was never freed. Found by a checker written apart
 * from the project's own tests.
 *
 * Cases (cut in the head and in the frags):
 *   1. unmarked skb with frags outside any pool -> marked skb1 on a pool
 *      page: allowed, skb1 keeps its bit, the moved frags hold page
 *      references either way; freed: skb1's head recycled once, pool freed;
 *   2. unmarked skb whose frags are pool pages held by page references (an
 *      np_pskb_copy() of a pp skb) -> the same skb1: -EINVAL, both skbs
 *      unchanged (those references would become pool references);
 *   3. marked skb with pool frags -> an unmarked skb1 with a small-object
 *      head: skb1 takes the bit (its head reads the same either way) and the
 *      frags keep their pool references;
 *   4. the cut in the head with too little room in skb1: -EMSGSIZE, unchanged.
 * Every pool page comes back exactly once, no skb is left, the pool is freed.
 *
 * Checked to fail without the fix: with np_skb_split() setting
 * skb1->pp_recycle = skb->pp_recycle unconditionally and returning nothing
 * (the version before), case 1 fails its CHECK(skb1->pp_recycle) in release
 * builds, and with that check skipped its CHECK_FATE() finds no recycle
 * (recycled 0, want 1): skb1's head page went to the provider by a page put
 * while the pool still counted it. Debug builds stop on the old misuse
 * assertion.
 */
#include "testutil.h"

#include "skbtest.h"

static struct exp xa, xb, xw, xc;

/* An empty skb on a whole pool page, marked for recycle (its head a pool reference). */
static struct np_skb *pp_empty(struct env *e)
{
	return pp_skb(e, 0, &xw);
}

static void case_foreign_frags(uint32_t cut)
{
	struct np_skb *skb, *skb1;
	struct fate f0;
	struct env e;

	env_init(&e);
	f0 = fate_now(e.pool);
	skb = small_skb(1024, 300, &xa);
	add_foreign(&e, skb, 1000, &xa);
	add_page_frag(skb, 700, &xa);
	skb1 = pp_empty(&e);
	CHECK(skb1->pp_recycle && !skb->pp_recycle);

	CHECK_EQ(np_skb_split(skb, skb1, cut), 0);
	CHECK(skb1->pp_recycle);		/* its head is still a pool reference */
	memcpy(&xb, &xa, sizeof(xa));
	xb.len = 0;
	exp_add(&xb, xa.b + cut, xa.len - cut);
	xa.len = cut;
	check_skb(skb, &xa);
	check_skb(skb1, &xb);

	np_kfree_skb(skb);
	np_kfree_skb(skb1);
	CHECK_FATE(e.pool, &f0, 1, 0);		/* skb1's head page, recycled once */
	env_fini(&e);
}

static void case_pool_pages_refused(uint32_t cut)
{
	struct np_skb *src, *skb, *skb1;
	struct fate f0;
	struct env e;
	uint32_t len, dlen, nfr;

	env_init(&e);
	f0 = fate_now(e.pool);
	src = pp_skb(&e, 200, &xa);
	add_pool_page(&e, src, 1500, &xa);
	add_pool_frag(&e, src, 800, &xa);
	skb = np_pskb_copy(src);		/* unmarked, page references on pool pages */
	CHECK(skb && !skb->pp_recycle);
	skb1 = pp_empty(&e);
	len = skb->len;
	dlen = skb->data_len;
	nfr = nfrags(skb);

	CHECK_EQ(np_skb_split(skb, skb1, cut), -EINVAL);
	CHECK_EQ(skb->len, len);
	CHECK_EQ(skb->data_len, dlen);
	CHECK_EQ(nfrags(skb), nfr);
	check_skb(skb, &xa);
	CHECK_EQ(skb1->len, 0);
	CHECK(skb1->pp_recycle);
	CHECK_EQ(nfrags(skb1), 0);

	np_kfree_skb(skb1);
	np_kfree_skb(skb);
	np_kfree_skb(src);
	/* skb1's head, src's head, the whole page and the frag page: each back once */
	CHECK(fate_now(e.pool).left == f0.left);
	env_fini(&e);
}

static void case_marked_into_small(uint32_t cut)
{
	struct np_skb *skb, *skb1;
	struct np_page *pg;
	struct fate f0;
	struct env e;
	long ppr;

	env_init(&e);
	f0 = fate_now(e.pool);
	skb = pp_skb(&e, 300, &xa);
	pg = add_pool_page(&e, skb, 2000, &xa);
	ppr = pp_ref(pg);
	skb1 = small_skb(3000, 0, &xw);	/* truesize covers what moves in */
	CHECK(!skb1->pp_recycle);

	CHECK_EQ(np_skb_split(skb, skb1, cut), 0);
	CHECK(skb1->pp_recycle);
	/* the page moved whole, or was cut in two with one more pool reference */
	CHECK_EQ(pp_ref(pg), ppr + (cut > 300 && cut < 2300));
	memcpy(&xb, &xa, sizeof(xa));
	xb.len = 0;
	exp_add(&xb, xa.b + cut, xa.len - cut);
	xa.len = cut;
	check_skb(skb, &xa);
	check_skb(skb1, &xb);

	np_kfree_skb(skb1);
	np_kfree_skb(skb);
	CHECK_FATE(e.pool, &f0, 2, 0);		/* skb's head page and the frag page */
	env_fini(&e);
}

static void case_no_room(void)
{
	struct np_skb *skb, *skb1;
	struct env e;

	env_init(&e);
	skb = small_skb(2048, 1500, &xc);
	add_foreign(&e, skb, 100, &xc);
	skb1 = np_alloc_skb(64);
	CHECK(skb1);
	CHECK(skb1->end - skb1->tail < 1400);
	CHECK_EQ(np_skb_split(skb, skb1, 100), -EMSGSIZE);
	check_skb(skb, &xc);
	CHECK_EQ(skb1->len, 0);
	np_kfree_skb(skb1);
	np_kfree_skb(skb);
	env_fini(&e);
}

int main(void)
{
	static const uint32_t cuts[] = { 0, 150, 300, 301, 1300, 1999 };
	unsigned n = 0;

	skbt_seed(0x5851f42d4c957f2dull);
	for (unsigned i = 0; i < NP_ARRAY_SIZE(cuts); i++, n += 3) {
		case_foreign_frags(cuts[i]);
		case_pool_pages_refused(cuts[i] < 200 ? cuts[i] + 250 : cuts[i]);
		case_marked_into_small(cuts[i]);
	}
	case_no_room();
	printf("PASS: %u split cases, kinds kept or refused; -EMSGSIZE without room\n", n + 1);
	return 0;
}
