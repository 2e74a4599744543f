/* SPDX-License-Identifier: MIT */
/*
 * docs/regressions.md R16: GRO never changes a frag_list member or link that
 * another holder shares (an np_pskb_copy() of the packet, or the expand of a
 * packet a tap cloned): a cloned or a plain skb merged into such a packet,
 * one or two shared members; both packets keep exactly their bytes and
 * lengths, also after the other holder is freed and its pages reused.
 *
 * Caught, with the bug put back: np_gro_last() walking the chain without
 * replacing shared members: every case fails the other holder's
 * check_lens() (data_len 200 against 500 bytes below it); with that check
 * skipped, the chained case reads freed memory (ASan use-after-poison; plain
 * builds free the chained skb twice, np_skb_live() ends at -1).
 */
#include "testutil.h"

#include "skbtest.h"

enum { VIA_PSKB_COPY, VIA_CLONE_EXPAND, NVIA };

static struct exp xh, xo, xm, xs;

/* Link @m (bytes @x) as the next frag_list member of @h, as GRO's chaining does. */
static void chain(struct np_skb *h, struct np_skb *m, const struct exp *x)
{
	struct np_skb **pp = &np_skb_shinfo(h)->frag_list;

	while (*pp)
		pp = &(*pp)->next;
	m->next = NULL;
	*pp = m;
	h->len += m->len;
	h->data_len += m->len;
	h->truesize += m->truesize;
	exp_add(&xh, x->b, x->len);
}

/* Take every idle page of the pool and write over it, so that a page recycled too early shows. */
static void scribble_pool(struct env *e)
{
	struct np_page *pg[256];
	unsigned n = 0;

	while (n < NP_ARRAY_SIZE(pg) && (pg[n] = np_pool_alloc_pages(e->pool)) != NULL) {
		memset(np_page_address(pg[n]), 0xee, np_page_size(pg[n]));
		n++;
	}
	while (n--)
		np_pool_put_full_page(e->pool, pg[n], false);
}

static void run(unsigned via, bool s_cloned, unsigned nmembers)
{
	struct np_skb *h, *other, *s, *s_clone = NULL, *tap = NULL;
	struct env e;

	env_init(&e);
	h = pp_skb(&e, 100, &xh);
	for (unsigned i = 0; i < nmembers; i++)
		chain(h, pp_skb(&e, 200, &xm), &xm);
	check_skb(h, &xh);

	if (via == VIA_PSKB_COPY) {
		other = np_pskb_copy(h);
		CHECK(other);
	} else {
		/* a capture tap clones h; h then makes its head private */
		tap = np_skb_clone(h);
		CHECK(tap);
		CHECK_EQ(np_pskb_expand_head(h, 0, 0), 0);
		other = tap;
	}
	memcpy(&xo, &xh, sizeof(xh));
	for (struct np_skb *l = np_skb_shinfo(other)->frag_list; l; l = l->next)
		CHECK(np_skb_shared(l));

	/* an expand of a cloned skb gives its data share up, and with it pp_recycle */
	CHECK_EQ(h->pp_recycle, via == VIA_PSKB_COPY);
	s = h->pp_recycle ? pp_skb(&e, 300, &xs) : pf_skb(512, 300, &xs);
	if (s_cloned) {
		s_clone = np_skb_clone(s);	/* GRO must chain s whole */
		CHECK(s_clone);
	}
	CHECK_EQ(np_skb_gro_receive(h, s), 0);
	exp_add(&xh, xs.b, xs.len);

	/* the other holder's packet is exactly what it was */
	check_skb(other, &xo);
	check_skb(h, &xh);
	for (struct np_skb *l = np_skb_shinfo(h)->frag_list; l; l = l->next)
		CHECK(!np_skb_shared(l));

	np_kfree_skb(other);
	scribble_pool(&e);
	check_skb(h, &xh);
	np_kfree_skb(h);
	if (s_clone) {
		check_skb(s_clone, &xs);
		np_kfree_skb(s_clone);
	}
	env_fini(&e);
}

int main(void)
{
	unsigned n = 0;

	skbt_seed(0x9e3779b97f4a7c15ull);
	for (unsigned via = 0; via < NVIA; via++)
		for (int cl = 0; cl < 2; cl++)
			for (unsigned members = 1; members <= 2; members++, n++)
				run(via, cl, members);
	printf("PASS: %u cases (np_pskb_copy and clone+expand holders, s cloned or not, "
	       "1-2 shared members)\n", n);
	return 0;
}
