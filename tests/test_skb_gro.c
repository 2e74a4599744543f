/* SPDX-License-Identifier: MIT */
/*
 * np_skb_gro_receive() under the reference rule (SPEC 4, 7 item 7):
 *   - a paged skb's frags move into the GRO packet, its head is freed;
 *   - a head_frag head is taken as a frag (its reference moves, kind kept),
 *     the skb struct alone is freed;
 *   - frags full, a small-object head or a cloned skb: chained whole on the
 *     frag_list, and later merges go into the last member's frags;
 *   - -E2BIG at the size limit, -EINVAL for pp vs non-pp either way round
 *     and for a cloned GRO packet; the packet is then left intact;
 *   - len, data_len, truesize (the packet's and the last member's),
 *     gso_segs, gso_size; bytes in order; reference counts unchanged by moves;
 *   - freed, every pool page recycled exactly once, nothing left.
 */
#include "testutil.h"

#include "skbtest.h"

static struct exp xh, xs, xc;

/* Merge @skb (bytes @x) into @head (bytes @xh); check what moved where. */
static void gro_ok(struct np_skb *head, struct np_skb *skb, const struct exp *x)
{
	struct np_skb_shared_info *hsh = np_skb_shinfo(head);
	uint32_t hlen = head->len, hts = head->truesize, len = skb->len, segs;
	uint16_t gso_size = hsh->gso_size;
	int64_t live = np_skb_live();

	segs = hsh->gso_segs ? hsh->gso_segs : 1;
	CHECK_EQ(np_skb_gro_receive(head, skb), 0);
	exp_add(&xh, x->b, x->len);
	check_skb(head, &xh);
	CHECK_EQ(head->len, hlen + len);
	CHECK(head->truesize > hts);
	CHECK_EQ(hsh->gso_segs, segs + 1);
	CHECK_EQ(hsh->gso_size, gso_size ? gso_size : len);
	CHECK(np_skb_live() <= live);
}

static void test_gro_merge(void)
{
	struct np_skb *head, *s, *m;
	struct np_page *f, *p, *hp;
	struct fate f0;
	struct env e;
	uint32_t hts, delta, headlen;
	int64_t live;
	long fref;

	env_init(&e);
	f0 = fate_now(e.pool);
	head = pp_skb(&e, 100, &xh);
	headlen = np_skb_headlen(head);

	/* paged: frags move, the skb and its head go */
	s = pp_skb(&e, 0, &xs);
	f = add_pool_frag(&e, s, 700, &xs);
	add_pool_frag(&e, s, 500, &xs);
	frag_flush(&e);
	fref = pp_ref(f);
	hts = head->truesize;
	delta = frag_truesize(s);
	live = np_skb_live();
	gro_ok(head, s, &xs);
	CHECK_EQ(np_skb_live(), live - 1);
	CHECK_EQ(head->truesize, hts + delta);
	CHECK_EQ(nfrags(head), 2);
	CHECK_EQ(pp_ref(f), fref);
	CHECK_FATE(e.pool, &f0, 1, 0);		/* s's head page */
	CHECK_EQ(np_skb_shinfo(head)->gso_size, 1200);

	/* a pool head is taken as a frag: no reference changes, no recycle */
	s = pp_skb(&e, 300, &xs);
	hp = np_virt_to_page(s->head);
	p = add_pool_page(&e, s, 1000, &xs);
	hts = head->truesize;
	delta = s->truesize - (uint32_t)sizeof(struct np_skb);
	live = np_skb_live();
	gro_ok(head, s, &xs);
	CHECK_EQ(np_skb_live(), live - 1);
	CHECK_EQ(head->truesize, hts + delta);
	CHECK_EQ(nfrags(head), 4);
	CHECK(np_skb_shinfo(head)->frags[2].page == hp);
	CHECK_EQ(np_skb_shinfo(head)->frags[2].offset, NP_SKB_PAD);
	CHECK_EQ(np_skb_shinfo(head)->frags[2].len, 300);
	CHECK(np_skb_shinfo(head)->frags[3].page == p);
	CHECK_EQ(pp_ref(hp), 1);
	CHECK_EQ(np_page_ref_count(hp), 1);
	CHECK_FATE(e.pool, &f0, 1, 0);
	CHECK_EQ(np_skb_headlen(head), headlen);	/* the packet's own head is intact */

	/* three more of four slots each: 16 frags */
	for (int i = 0; i < 3; i++) {
		s = pp_skb(&e, 200, &xs);
		for (int j = 0; j < 3; j++)
			add_pool_page(&e, s, 400 + 10 * (uint32_t)j, &xs);
		gro_ok(head, s, &xs);
	}
	CHECK_EQ(nfrags(head), 16);
	CHECK(!np_skb_has_frag_list(head));

	/* four more slots do not fit: chained whole */
	s = pp_skb(&e, 200, &xs);
	for (int j = 0; j < 3; j++)
		add_pool_page(&e, s, 300, &xs);
	m = s;
	hts = head->truesize;
	delta = s->truesize;
	live = np_skb_live();
	gro_ok(head, s, &xs);
	CHECK_EQ(np_skb_live(), live);
	CHECK(np_skb_shinfo(head)->frag_list == m && !m->next);
	CHECK_EQ(nfrags(head), 16);
	CHECK_EQ(head->truesize, hts + delta);

	/* the next merges go into the member's frags; both lengths grow */
	{
		uint32_t mlen = m->len, mts = m->truesize;

		s = pp_skb(&e, 0, &xs);
		add_pool_page(&e, s, 800, &xs);
		add_pool_frag(&e, s, 900, &xs);
		delta = frag_truesize(s);
		hts = head->truesize;
		gro_ok(head, s, &xs);
		CHECK_EQ(nfrags(m), 5);
		CHECK_EQ(m->len, mlen + 1700);
		CHECK_EQ(m->data_len, 900 + 1700);
		CHECK_EQ(m->truesize, mts + delta);
		CHECK_EQ(head->truesize, hts + delta);
		CHECK_EQ(nfrags(head), 16);
	}

	/* a cloned skb is chained whole; its clone (a tap) keeps the bytes */
	s = pp_skb(&e, 200, &xs);
	add_pool_page(&e, s, 600, &xs);
	{
		struct np_skb *c = np_skb_clone(s);

		CHECK(c);
		gro_ok(head, s, &xs);
		CHECK(m->next == s);
		CHECK_EQ(nfrags(m), 5);
		check_skb(c, &xs);
		np_kfree_skb(c);
	}
	/* the last member's clone is gone: the next merge goes into its frags */
	s = pp_skb(&e, 0, &xs);
	add_pool_page(&e, s, 100, &xs);
	gro_ok(head, s, &xs);
	CHECK_EQ(nfrags(np_skb_shinfo(head)->frag_list->next), 2);
	/* merged-away heads (3), and the frag page the 900-byte frag pushed out */
	CHECK_FATE(e.pool, &f0, 4, 0);
	frag_flush(&e);
	CHECK_FATE(e.pool, &f0, 4, 0);

	np_kfree_skb(head);
	/*
	 * Each page once: head; the first frag page; 2 + 3 * 4 + 4 pages of the
	 * next five; the member merge's page and frag page; 2 + 1 of the last two.
	 */
	CHECK_FATE(e.pool, &f0, 4 + 1 + 1 + 2 + 12 + 4 + 2 + 3, 0);
	env_fini(&e);
}

/* The packet a refused merge must leave as it was. */
struct snap {
	uint32_t len, data_len, truesize;
	uint8_t nr_frags;
	uint16_t segs;
	struct np_skb *frag_list;
};

static struct snap snap_of(struct np_skb *skb)
{
	return (struct snap){ skb->len, skb->data_len, skb->truesize, nfrags(skb),
			      np_skb_shinfo(skb)->gso_segs, np_skb_shinfo(skb)->frag_list };
}

static void gro_refused(struct np_skb *head, struct np_skb *skb, const struct exp *x, int err)
{
	struct snap a = snap_of(head), b;

	CHECK_EQ(np_skb_gro_receive(head, skb), err);
	b = snap_of(head);
	CHECK(a.len == b.len && a.data_len == b.data_len && a.truesize == b.truesize &&
	      a.nr_frags == b.nr_frags && a.segs == b.segs && a.frag_list == b.frag_list);
	check_skb(head, &xh);
	check_skb(skb, x);
}

static void test_gro_refused(void)
{
	struct np_skb *head, *s, *c;
	struct fate f0;
	struct env e;

	env_init(&e);
	f0 = fate_now(e.pool);
	head = pp_skb(&e, 100, &xh);
	s = pp_skb(&e, 0, &xs);
	add_pool_page(&e, s, 1000, &xs);
	gro_ok(head, s, &xs);

	/* non-pp into pp: page-fragment head, small head, paged */
	s = pf_skb(500, 500, &xs);
	gro_refused(head, s, &xs, -EINVAL);
	add_page_frag(s, 300, &xs);
	gro_refused(head, s, &xs, -EINVAL);
	np_kfree_skb(s);
	s = small_skb(100, 0, &xs);
	add_foreign(&e, s, 1000, &xs);
	gro_refused(head, s, &xs, -EINVAL);

	/* pp into non-pp */
	{
		struct np_skb *nh = pf_skb(200, 100, &xc), *ps;
		struct exp save;

		memcpy(&save, &xh, sizeof(xh));
		memcpy(&xh, &xc, sizeof(xc));
		ps = pp_skb(&e, 0, &xc);
		add_pool_page(&e, ps, 700, &xc);
		gro_refused(nh, ps, &xc, -EINVAL);
		/* and non-pp into non-pp works */
		gro_ok(nh, s, &xs);
		np_kfree_skb(nh);
		memcpy(&xh, &save, sizeof(xh));
		s = ps;
		memcpy(&xs, &xc, sizeof(xc));
	}

	/* a cloned GRO packet takes nothing */
	c = np_skb_clone(head);
	CHECK(c);
	gro_refused(head, s, &xs, -EINVAL);
	np_kfree_skb(c);

	/* the size limit */
	{
		struct np_skb *big = pp_skb(&e, 0, &xc);

		for (int i = 0; i < 16; i++)
			add_pool_page(&e, big, 4090, &xc);
		CHECK(head->len + big->len >= 65536);
		gro_refused(head, big, &xc, -E2BIG);
		np_kfree_skb(big);
	}
	gro_ok(head, s, &xs);
	np_kfree_skb(head);
	/* head, 2 merged pages with their heads, the pp skb refused into nh, big's 17 */
	CHECK_FATE(e.pool, &f0, 1 + 2 + 2 + 17, 0);
	env_fini(&e);
}

/* Both non-pp: page-fragment and small heads, page-fragment and foreign frags. */
static void test_gro_nonpp(void)
{
	struct np_skb *head, *s;
	struct np_page *hp;
	struct env e;
	int ref;

	env_init(&e);
	head = pf_skb(200, 60, &xh);
	s = pf_skb(100, 0, &xs);
	add_page_frag(s, 1000, &xs);
	gro_ok(head, s, &xs);
	s = pf_skb(1500, 1400, &xs);
	hp = np_virt_to_page(s->head);
	ref = np_page_ref_count(hp);
	gro_ok(head, s, &xs);			/* head taken as a frag */
	CHECK_EQ(np_page_ref_count(hp), ref);
	CHECK_EQ(nfrags(head), 2);
	s = small_skb(1000, 800, &xs);
	add_foreign(&e, s, 2000, &xs);
	gro_ok(head, s, &xs);			/* no page head: chained */
	CHECK(np_skb_shinfo(head)->frag_list == s);
	s = pf_skb(100, 0, &xs);
	add_foreign(&e, s, 3000, &xs);
	gro_ok(head, s, &xs);			/* into the member */
	CHECK_EQ(nfrags(np_skb_shinfo(head)->frag_list), 2);
	np_kfree_skb(head);
	env_fini(&e);
}

int main(void)
{
	skbt_seed(0x2545f4914f6cdd1dull);
	test_gro_merge();
	test_gro_refused();
	test_gro_nonpp();
	np_skb_thread_flush();
	CHECK_EQ(np_skb_live(), 0);
	return 0;
}
