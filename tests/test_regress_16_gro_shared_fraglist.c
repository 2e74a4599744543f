/* SPDX-License-Identifier: MIT */
/*
 * GRO must never change a frag_list member or a link that another holder
 * can see. np_pskb_copy() of a GRO packet, and the expand of a GRO packet
 * that a capture tap cloned, share its frag_list members whole (users 2).
 * A later np_skb_gro_receive() into the packet either chained the new skb
 * after the shared last member (the other holder then freed it with its
 * copy: a use-after-free in the packet) or merged its pages into that
 * member's frags (the other holder's packet grew 300 bytes it does not
 * count). Found by a checker written apart from the project's own tests.
 *
 * Each case: a GRO packet h (100 bytes, one 200-byte member m, all on pool
 * pages, marked), a second holder of m (np_pskb_copy, or clone + expand),
 * then GRO of a 300-byte skb s, either cloned (it must be chained whole) or
 * not (its head page may become a frag); and a chain of two shared members.
 * After the merge both packets hold exactly their bytes with consistent
 * lengths; the other holder is freed first, pool pages are taken and written
 * over, and h still reads its 600 bytes; everything freed, every pool page
 * comes back exactly once and the pool is freed.
 *
 * Checked to fail without the fix: with np_gro_last() walking the chain
 * without replacing shared members (the version before), every case fails
 * at the other holder's check_lens() (data_len 200 against 500 bytes below
 * it), and with that check skipped the chained case reads freed memory
 * (ASan: use-after-poison reading h's chain; plain builds: the chained skb
 * is freed twice, np_skb_live() ends at -1).
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
