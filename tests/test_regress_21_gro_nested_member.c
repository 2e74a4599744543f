/* SPDX-License-Identifier: MIT */
/*
 * docs/regressions.md R21: GRO never appends frags to a frag_list member
 * that has a frag_list of its own. A GRO packet h takes an skb s1 that
 * carries a member of its own (chained whole: it is h's last member), then
 * a paged skb s2 whose frags could move: they must not go into s1's frags,
 * which come before s1's own member, but s2 is chained after s1. h reads
 * its bytes in order; everything freed, every pool page back once.
 *
 * Caught, with the bug put back: with np_skb_gro_receive() taking a last
 * member with a frag_list for a frag merge (the `!lsh->frag_list` test
 * removed), h's check_skb() fails on its bytes: s2's 900 bytes are read
 * before s1's member's 300.
 */
#include "testutil.h"

#include "skbtest.h"

static struct exp xh, x1, xn, x2;

int main(void)
{
	struct np_skb *h, *s1, *n1, *s2;
	struct fate f0;
	struct env e;

	skbt_seed(0xa54ff53a5f1d36f1ull);
	env_init(&e);
	f0 = fate_now(e.pool);
	h = pp_skb(&e, 100, &xh);

	/* s1: 200 bytes of its own and a member n1 of 300 */
	s1 = pp_skb(&e, 200, &x1);
	n1 = pp_skb(&e, 300, &xn);
	np_skb_shinfo(s1)->frag_list = n1;
	s1->len += n1->len;
	s1->data_len += n1->len;
	s1->truesize += n1->truesize;
	exp_add(&x1, xn.b, xn.len);
	CHECK_EQ(np_skb_gro_receive(h, s1), 0);
	exp_add(&xh, x1.b, x1.len);
	CHECK(np_skb_shinfo(h)->frag_list == s1);	/* chained whole: it has a frag_list */
	check_skb(h, &xh);

	/* s2: paged only, private, pp like h: its frags could move, but not into s1 */
	s2 = pp_skb(&e, 0, &x2);
	add_pool_page(&e, s2, 900, &x2);
	CHECK_EQ(np_skb_gro_receive(h, s2), 0);
	exp_add(&xh, x2.b, x2.len);
	check_skb(h, &xh);
	CHECK_EQ(nfrags(s1), 0);			/* nothing landed before s1's member */

	np_kfree_skb(h);
	CHECK_FATE(e.pool, &f0, 5, 0);	/* h, s1, n1, s2's head and its frag page */
	env_fini(&e);
	printf("PASS: GRO chains after a member with a frag_list of its own\n");
	return 0;
}
