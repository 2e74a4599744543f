/* SPDX-License-Identifier: MIT */
/*
 * docs/regressions.md R20: np_pskb_trim() never relinks a frag_list it
 * shares with a copy. A GRO packet h (a head, three members on pool pages),
 * np_pskb_copy(h) c sharing the members whole; h trimmed so that the cut
 * falls in its first, second or third member, or on a member boundary: c
 * keeps all its bytes, its lengths and its chain; h holds exactly its first
 * bytes; c freed first or last, every pool page back once, no skb left.
 *
 * Caught, with the bug put back: without the clone of each shared member
 * passed on the way to the cut (np_pskb_trim() cutting the shared chain in
 * place), c's check_skb() fails on its lengths at the first cut already
 * (data_len 600 against the 50 bytes its chain still holds).
 */
#include "testutil.h"

#include "skbtest.h"

static struct exp xh, xc, xm;

static void chain(struct np_skb *h, struct np_skb *m)
{
	struct np_skb **pp = &np_skb_shinfo(h)->frag_list;

	while (*pp)
		pp = &(*pp)->next;
	*pp = m;
	h->len += m->len;
	h->data_len += m->len;
	h->truesize += m->truesize;
	exp_add(&xh, xm.b, xm.len);
}

static void run(uint32_t cut, bool copy_first)
{
	struct np_skb *h, *c;
	struct fate f0;
	struct env e;

	env_init(&e);
	f0 = fate_now(e.pool);
	h = pp_skb(&e, 100, &xh);
	for (int i = 0; i < 3; i++)
		chain(h, pp_skb(&e, 200, &xm));
	c = np_pskb_copy(h);
	CHECK(c);
	memcpy(&xc, &xh, sizeof(xh));

	CHECK_EQ(np_pskb_trim(h, cut), 0);
	xh.len = cut;
	check_skb(h, &xh);
	check_skb(c, &xc);		/* the copy's packet, chain and lengths as they were */

	if (copy_first) {
		np_kfree_skb(c);
		check_skb(h, &xh);
		np_kfree_skb(h);
	} else {
		np_kfree_skb(h);
		check_skb(c, &xc);
		np_kfree_skb(c);
	}
	CHECK_FATE(e.pool, &f0, 4, 0);	/* the head and three members, recycled once each */
	env_fini(&e);
}

int main(void)
{
	static const uint32_t cuts[] = { 150, 300, 350, 500, 699 };
	unsigned n = 0;

	skbt_seed(0x3c6ef372fe94f82bull);
	for (unsigned i = 0; i < NP_ARRAY_SIZE(cuts); i++)
		for (int first = 0; first < 2; first++, n++)
			run(cuts[i], first);
	printf("PASS: %u trims of a packet whose members a copy shares\n", n);
	return 0;
}
