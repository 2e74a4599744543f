/* SPDX-License-Identifier: MIT */
/*
 * docs/regressions.md R17: np_skb_split() never changes the kind of a
 * reference skb1 already holds. Split from an unmarked skb into a marked,
 * empty skb1 on a pool page keeps skb1's bit; one that would turn page
 * references into pool references is refused (-EINVAL), one without room
 * too (-EMSGSIZE), both skbs unchanged; cuts in the head and in the frags.
 *
 * Caught, with the bug put back: np_skb_split() setting skb1->pp_recycle =
 * skb->pp_recycle unconditionally: case 1 fails CHECK(skb1->pp_recycle) in
 * release builds; with that check skipped, CHECK_FATE() finds recycled 0,
 * want 1 (skb1's head went to the provider while the pool counted it).
 * Debug builds stop on the old misuse assertion.
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
