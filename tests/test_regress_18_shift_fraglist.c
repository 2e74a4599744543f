/* SPDX-License-Identifier: MIT */
/*
 * docs/regressions.md R18: np_skb_shift() onto a target with a frag_list is
 * refused (0, nothing moved: the bytes would land before the frag_list's);
 * the same shift without the frag_list goes through, and a source with a
 * frag_list of its own still gives its frags.
 *
 * Caught, with the bug put back: without the frag_list test among
 * np_skb_shift()'s refusals, the shift moves 700 bytes (CHECK_EQ(moved, 0)
 * fails), which the target reads before its member's 200 instead of after.
 */
#include "testutil.h"

#include "skbtest.h"

static struct exp xt, xs, xm;

static void link_member(struct np_skb *skb, struct np_skb *m, struct exp *x, const struct exp *xmem)
{
	np_skb_shinfo(skb)->frag_list = m;
	skb->len += m->len;
	skb->data_len += m->len;
	skb->truesize += m->truesize;
	exp_add(x, xmem->b, xmem->len);
}

/* A source with no linear data: two pool pages as frags. */
static struct np_skb *paged_src(struct env *e)
{
	struct np_skb *s = pp_skb(e, 0, &xs);

	add_pool_page(e, s, 700, &xs);
	add_pool_page(e, s, 900, &xs);
	return s;
}

int main(void)
{
	struct np_skb *tgt, *src, *m;
	struct fate f0;
	struct env e;
	int moved;

	skbt_seed(0x1405f2e1a3b8c7d9ull);
	env_init(&e);
	f0 = fate_now(e.pool);

	/* 1. target with a frag_list: refused, nothing changes */
	tgt = pp_skb(&e, 100, &xt);
	add_pool_page(&e, tgt, 300, &xt);
	m = pp_skb(&e, 200, &xm);
	link_member(tgt, m, &xt, &xm);
	src = paged_src(&e);
	moved = np_skb_shift(tgt, src, 700);
	CHECK_EQ(moved, 0);
	check_skb(tgt, &xt);
	check_skb(src, &xs);

	/* 2. the same target without its member: the shift goes through */
	np_skb_shinfo(tgt)->frag_list = NULL;
	tgt->len -= m->len;
	tgt->data_len -= m->len;
	tgt->truesize -= m->truesize;
	xt.len -= xm.len;
	CHECK_EQ(np_skb_shift(tgt, src, 700), 700);
	exp_add(&xt, xs.b, 700);
	memmove(xs.b, xs.b + 700, xs.len - 700);
	xs.len -= 700;
	check_skb(tgt, &xt);
	check_skb(src, &xs);
	np_kfree_skb(m);

	/* 3. a source with a frag_list gives its frags, its member stays last */
	m = pp_skb(&e, 200, &xm);
	link_member(src, m, &xs, &xm);
	CHECK_EQ(np_skb_shift(tgt, src, 900), 900);
	exp_add(&xt, xs.b, 900);
	memmove(xs.b, xs.b + 900, xs.len - 900);
	xs.len -= 900;
	check_skb(tgt, &xt);
	check_skb(src, &xs);
	CHECK_EQ(nfrags(src), 0);

	np_kfree_skb(src);
	np_kfree_skb(tgt);
	/* seven pool pages (two heads, three frags, two members): each recycled once */
	CHECK_FATE(e.pool, &f0, 7, 0);
	env_fini(&e);
	printf("PASS: shift onto a target with a frag_list refused, bytes in order\n");
	return 0;
}
