/* SPDX-License-Identifier: MIT */
/*
 * np_skb_segment() under the reference rule (SPEC 4, 7 item 10):
 *   - segments of gso_size payload, each with the first hdr_len bytes copied
 *     in front; payload bytes intact and in order; lengths consistent;
 *   - segments are pp_recycle = 0 and share pages by page references (pool
 *     references untouched); the original's linear part, small heads and
 *     nested frag_lists are copied;
 *   - the original and the segments freed in any order: every pool page
 *     leaves the pool's use exactly once -- recycled when the segments went
 *     first, released (still page-referenced) when the original went first --
 *     never both, inflight 0, nothing leaked;
 *   - a GRO'd pp skb whose frag_list member is cloned (a tap) and which is
 *     trimmed into its frag_list, then segmented: nothing leaks.
 */
#include "testutil.h"

#include "skbtest.h"

static struct exp xo, xm, xn, xtap;

/* Chain @m at the end of @skb's frag_list. */
static void add_list(struct np_skb *skb, struct np_skb *m, const struct exp *mx, struct exp *x)
{
	struct np_skb **pp = &np_skb_shinfo(skb)->frag_list;

	while (*pp)
		pp = &(*pp)->next;
	*pp = m;
	exp_add(x, mx->b, mx->len);
	skb->len += m->len;
	skb->data_len += m->len;
	skb->truesize += m->truesize;
}

/* Check the segment list against the original's bytes @x; count page references. */
static int check_segs(struct np_skb *segs, const struct np_skb *orig, uint32_t hdr, uint32_t mss,
		      const struct exp *x, struct pgset *ps)
{
	uint32_t pos = hdr;
	int n = 0;

	for (struct np_skb *s = segs; s; s = s->next, n++) {
		uint32_t len = NP_MIN(mss, x->len - pos);
		const struct np_skb_shared_info *sh = np_skb_shinfo(s);

		CHECK(pos < x->len);
		xn.len = 0;
		exp_add(&xn, x->b, hdr);
		exp_add(&xn, x->b + pos, len);
		check_skb(s, &xn);
		CHECK(!s->pp_recycle && !np_skb_cloned(s) && !np_skb_shared(s));
		CHECK(!np_skb_has_frag_list(s));
		CHECK(np_skb_headlen(s) >= hdr);
		CHECK_EQ(s->mark, orig->mark);
		CHECK_EQ(s->network_header, orig->network_header);
		CHECK_EQ(np_skb_headroom(s), np_skb_headroom(orig));
		for (unsigned i = 0; i < sh->nr_frags; i++) {
			int k;

			for (k = 0; k < ps->n; k++)
				if (ps->pg[k] == sh->frags[i].page)
					break;
			CHECK(k < ps->n);	/* a page of the original, never a new one */
			ps->segrefs[k]++;
		}
		pos += len;
	}
	CHECK_EQ(pos, x->len);
	/* one page reference per segment frag; pool references untouched */
	for (int k = 0; k < ps->n; k++) {
		CHECK_EQ(np_page_ref_count(ps->pg[k]), ps->ref[k] + ps->segrefs[k]);
		CHECK_EQ(pp_ref(ps->pg[k]), ps->ppref[k]);
	}
	return n;
}

/* Pool pages the segments reference (released if the original goes first). */
static int shared_pool_pages(const struct pgset *ps)
{
	int n = 0;

	for (int k = 0; k < ps->n; k++)
		n += ps->segrefs[k] && np_page_is_pp(ps->pg[k]);
	return n;
}

/* Free segments and original: 0 segments first, 1 original first, 2 interleaved. */
static void free_all(struct np_skb *orig, struct np_skb *segs, int order)
{
	struct np_skb *s = segs, *next;
	int i = 0;

	if (order == 1)
		np_kfree_skb(orig);
	for (; s; s = next, i++) {
		next = s->next;
		if (order == 2 && i == 1)
			np_kfree_skb(orig);
		s->next = NULL;
		np_consume_skb(s);
	}
	if (order == 0 || (order == 2 && i <= 1))
		np_kfree_skb(orig);
}

static void set_gso(struct np_skb *skb, uint16_t mss)
{
	np_skb_shinfo(skb)->gso_size = mss;
	np_skb_shinfo(skb)->gso_type = NP_SKB_GSO_TCPV4;
	skb->mark = 42;
	skb->network_header = (uint16_t)(np_skb_headroom(skb) + 14);
}

/* Head with header and some payload; pool page, two frags of one frag page, foreign, page frag. */
static struct np_skb *build_plain(struct env *e, int *pool_pages)
{
	struct np_skb *skb = pp_skb(e, 54 + 300, &xo);

	add_pool_page(e, skb, 1000, &xo);
	add_pool_frag(e, skb, 700, &xo);
	add_pool_frag(e, skb, 900, &xo);
	add_foreign(e, skb, 500, &xo);
	add_page_frag(skb, 400, &xo);
	frag_flush(e);
	*pool_pages = 3;
	return skb;
}

/* A GRO-style packet: pool head and frags, then members of each kind. */
static struct np_skb *build_listed(struct env *e, int *pool_pages)
{
	struct np_skb *skb = pp_skb(e, 54 + 100, &xo), *m, *inner;

	add_pool_page(e, skb, 1500, &xo);
	/* a pool-head member: its head page is shared like a frag */
	m = pp_skb(e, 600, &xm);
	add_pool_page(e, m, 1300, &xm);
	add_list(skb, m, &xm, &xo);
	/* a small-head member: copied */
	m = small_skb(800, 700, &xm);
	add_foreign(e, m, 900, &xm);
	add_list(skb, m, &xm, &xo);
	/* a member with a frag_list of its own: copied whole */
	m = pp_skb(e, 200, &xm);
	inner = pp_skb(e, 300, &xn);
	add_pool_page(e, inner, 400, &xn);
	add_list(m, inner, &xn, &xm);
	add_list(skb, m, &xm, &xo);
	/* a page-fragment head member */
	m = pf_skb(1200, 1100, &xm);
	add_list(skb, m, &xm, &xo);
	*pool_pages = 2 + 2 + 3;
	return skb;
}

static void test_segment(void)
{
	static const uint16_t msss[] = { 100, 536, 1000, 1448, 3000 };

	for (int kind = 0; kind < 2; kind++) {
		for (unsigned mi = 0; mi < sizeof(msss) / sizeof(msss[0]); mi++) {
			for (int order = 0; order < 3; order++) {
				uint32_t hdr = 54;
				struct np_skb *skb, *segs;
				struct pgset ps = { 0 };
				int pool_pages, nseg, shared;
				struct fate f0;
				struct env e;

				env_init(&e);
				skb = kind ? build_listed(&e, &pool_pages) :
					     build_plain(&e, &pool_pages);
				set_gso(skb, msss[mi]);
				pgset_collect(&ps, skb, false);
				f0 = fate_now(e.pool);
				segs = np_skb_segment(skb, hdr, NP_NETIF_F_SG);
				CHECK(segs);
				nseg = check_segs(segs, skb, hdr, msss[mi], &xo, &ps);
				CHECK_EQ(nseg, (xo.len - hdr + msss[mi] - 1) / msss[mi]);
				check_skb(skb, &xo);	/* the original is untouched */
				CHECK(skb->pp_recycle);
				shared = shared_pool_pages(&ps);
				CHECK(shared > 0);
				CHECK_FATE(e.pool, &f0, 0, 0);
				free_all(skb, segs, order);
				if (order == 0)
					CHECK_FATE(e.pool, &f0, pool_pages, 0);
				else if (order == 1)
					CHECK_FATE(e.pool, &f0, pool_pages - shared, shared);
				else {
					struct fate now = fate_now(e.pool);

					/* each page once, one way or the other */
					CHECK_EQ(now.recycled - f0.recycled + now.released - f0.released,
						 pool_pages);
					CHECK_EQ(now.left - f0.left, now.released - f0.released);
				}
				env_fini(&e);
			}
		}
	}
}

/* The header reaches into the frags; refusals. */
static void test_segment_edges(void)
{
	struct np_skb *skb, *segs;
	struct pgset ps = { 0 };
	struct env e;
	int pool_pages;

	env_init(&e);
	skb = pp_skb(&e, 40, &xo);
	add_pool_page(&e, skb, 2000, &xo);
	add_pool_page(&e, skb, 2000, &xo);
	set_gso(skb, 700);
	pgset_collect(&ps, skb, false);
	segs = np_skb_segment(skb, 100, NP_NETIF_F_SG);
	CHECK(segs);
	CHECK_EQ(check_segs(segs, skb, 100, 700, &xo, &ps), 6);
	free_all(skb, segs, 1);

	skb = build_plain(&e, &pool_pages);
	np_skb_shinfo(skb)->gso_size = 0;
	CHECK(!np_skb_segment(skb, 54, NP_NETIF_F_SG));
	set_gso(skb, 1000);
	CHECK(!np_skb_segment(skb, skb->len, NP_NETIF_F_SG));
	CHECK(!np_skb_segment(skb, skb->len + 1, NP_NETIF_F_SG));
	/* the last byte alone */
	segs = np_skb_segment(skb, skb->len - 1, NP_NETIF_F_SG);
	CHECK(segs && !segs->next && segs->len == skb->len);
	free_all(skb, segs, 0);
	env_fini(&e);
}

/*
 * SPEC 7 item 10: merge pp skbs with GRO until the frag_list is used, clone
 * the last member (a tap), trim the packet into that member, segment it,
 * free everything in a few orders: nothing leaks, inflight ends at 0.
 */
static void test_gro_tap_trim_segment(void)
{
	for (int order = 0; order < 3; order++) {
		struct np_skb *head, *s, *last, *tap, *segs;
		struct pgset ps = { 0 };
		struct env e;
		uint32_t cut;
		int nseg;

		env_init(&e);
		head = pp_skb(&e, 54 + 100, &xo);
		set_gso(head, 1000);
		for (int i = 0; i < 8; i++) {
			s = pp_skb(&e, 300, &xm);
			add_pool_page(&e, s, 1000, &xm);
			add_pool_frag(&e, s, 600, &xm);
			CHECK_EQ(np_skb_gro_receive(head, s), 0);
			exp_add(&xo, xm.b, xm.len);
		}
		frag_flush(&e);
		CHECK(np_skb_has_frag_list(head));
		check_skb(head, &xo);
		last = np_skb_shinfo(head)->frag_list;
		while (last->next)
			last = last->next;
		tap = np_skb_clone(last);
		CHECK(tap);
		xtap.len = last->len;	/* what the tap must keep */
		memcpy(xtap.b, xo.b + xo.len - last->len, last->len);

		cut = xo.len - last->len / 2;
		CHECK_EQ(np_pskb_trim(head, cut), 0);
		xo.len = cut;
		check_skb(head, &xo);
		check_skb(tap, &xtap);
		np_skb_shinfo(head)->gso_size = 1000;

		pgset_collect(&ps, head, false);
		segs = np_skb_segment(head, 54, NP_NETIF_F_SG);
		CHECK(segs);
		nseg = check_segs(segs, head, 54, 1000, &xo, &ps);
		CHECK(nseg > 1);
		check_skb(tap, &xtap);
		if (order == 0)
			np_kfree_skb(tap);
		free_all(head, segs, order);
		if (order != 0) {
			check_skb(tap, &xtap);
			np_kfree_skb(tap);
		}
		env_fini(&e);
	}
}

int main(void)
{
	skbt_seed(0x2545f4914f6cdd1dull);
	test_segment();
	test_segment_edges();
	test_gro_tap_trim_segment();
	np_skb_thread_flush();
	CHECK_EQ(np_skb_live(), 0);
	return 0;
}
