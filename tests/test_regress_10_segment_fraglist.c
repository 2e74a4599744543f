/* SPDX-License-Identifier: MIT */
/*
 * docs/regressions.md R10: a GRO'd pp skb (frags, then members M1 and M2), a
 * tap holding M1, the packet trimmed into M1, segmented, then segments,
 * packet and tap freed in all 6 orders: every byte intact, M1 holds page
 * references without pp_recycle, the segments are not pp, each pool page
 * comes back exactly once.
 *
 * Caught, with the bug put back:
 *   - np_skb_release_data() not clearing pp_recycle: "!m1->pp_recycle" after
 *     the trim; without that check, "recycled 4 released 8; want 4 0";
 *   - np_pskb_expand_head() on a clone taking no page references:
 *     "refcount == 2 (1 != 2)" (DEBUG=2: abort in np_page_free());
 *   - segments keeping pp_recycle with page references: "!n->pp_recycle";
 *     without that check, "released ... (23 != 0)";
 *   - np_pskb_trim() cutting a shared member in place instead of cloning it:
 *     the tap's bytes, "skb->len == len (1800 != 4400)".
 */
#include "testutil.h"

#include "skbtest.h"

#define HDR		54u
#define MSS		500u
#define FRAG		300u

enum ev { EV_SEGS, EV_GRO, EV_TAP, NEV };
enum variant { V_CLONE, V_GET, NVAR };

static uint8_t want[65536], got[65536], wtap[65536];
static uint64_t pages_used;	/* pool pages handed out for the packet */

/* An RX skb on pool pages: @headlen bytes after the @pull header bytes GRO skips, @nfrags frags. */
static struct np_skb *rx_skb(struct env *e, uint32_t pull, uint32_t headlen, unsigned nfrags,
			     uint8_t *w)
{
	struct np_page *h = np_pool_alloc_pages(e->pool);
	struct np_skb *skb;
	void *d;

	CHECK(h);
	pages_used++;
	skb = np_napi_build_skb(np_page_address(h), (uint32_t)np_page_size(h));
	CHECK(skb);
	np_skb_reserve(skb, NP_SKB_PAD);
	d = np_skb_put(skb, pull + headlen);
	CHECK(d);
	fill(d, pull + headlen);
	CHECK(np_skb_pull(skb, pull));
	memcpy(w, (char *)d + pull, headlen);
	for (unsigned i = 0; i < nfrags; i++) {
		struct np_page *p = np_pool_alloc_pages(e->pool);

		CHECK(p);
		pages_used++;
		fill(np_page_address(p), FRAG);
		memcpy(w + skb->len, np_page_address(p), FRAG);
		np_skb_add_rx_frag(skb, i, p, 0, FRAG, 4096);
	}
	np_skb_mark_for_recycle(skb);
	np_skb_shinfo(skb)->gso_segs = 1;
	return skb;
}

/* Whether the segments were freed before step @k. */
static bool segs_gone(const unsigned *order, int k)
{
	for (int i = 0; i < k; i++)
		if (order[i] == EV_SEGS)
			return true;
	return false;
}

static void run(enum variant v, const unsigned *order)
{
	static uint8_t ws[65536];
	struct np_skb *h, *s, *m1, *m2, *tap, *segs, *n;
	struct np_pool_stats st0, st;
	uint32_t len, m1_off, m1_len, cut, pos;
	struct fate f0;
	struct env e;
	uint64_t want_released = 0;
	unsigned nsegs = 0;

	env_init_napi(&e, NULL);
	st0 = t_pool_stats(e.pool);
	pages_used = 0;

	/* GRO: the first packet keeps its headers; the next ones are merged after theirs */
	h = rx_skb(&e, 0, HDR + 200, 8, want);
	np_skb_shinfo(h)->gso_size = MSS;
	np_skb_shinfo(h)->gso_type = NP_SKB_GSO_TCPV4;
	len = h->len;
	s = rx_skb(&e, HDR, 200, 8, ws);		/* 8 + 1 + 8 slots: merged into h's frags */
	memcpy(want + len, ws, s->len);
	len += s->len;
	CHECK_EQ(np_skb_gro_receive(h, s), 0);
	CHECK(!np_skb_has_frag_list(h));
	m1 = rx_skb(&e, HDR, 200, 14, ws);		/* no room: the first frag_list member */
	m1_off = len;
	m1_len = m1->len;
	memcpy(want + len, ws, m1->len);
	memcpy(wtap, ws, m1->len);
	len += m1->len;
	CHECK_EQ(np_skb_gro_receive(h, m1), 0);
	CHECK(np_skb_shinfo(h)->frag_list == m1);
	m2 = rx_skb(&e, HDR, 200, 3, ws);		/* 14 + 1 + 3 slots: a second member */
	memcpy(want + len, ws, m2->len);
	len += m2->len;
	CHECK_EQ(np_skb_gro_receive(h, m2), 0);
	CHECK(m1->next == m2);
	check_bytes(h, want, len);
	CHECK(h->pp_recycle && m1->pp_recycle && m2->pp_recycle);

	/* a tap holds M1 */
	if (v == V_CLONE) {
		tap = np_skb_clone(m1);
		CHECK(tap);
	} else {
		tap = np_skb_get(m1);
	}

	/* trim: the cut falls inside M1's frags; M2 goes */
	cut = m1_off + 200 + 5 * FRAG + 100;
	f0 = fate_now(e.pool);
	CHECK_EQ(np_pskb_trim(h, cut), 0);
	check_bytes(h, want, cut);
	check_bytes(tap, wtap, m1_len);
	CHECK(tap->pp_recycle);
	m1 = np_skb_shinfo(h)->frag_list;
	CHECK(m1 && !m1->next);
	CHECK(m1 != tap);
	CHECK(!m1->pp_recycle);		/* its slots are page references now */
	CHECK(!np_skb_cloned(m1) && !np_skb_cloned(tap));
	CHECK_EQ(np_skb_shinfo(m1)->nr_frags, 6);
	for (unsigned i = 0; i < 6; i++) {
		struct np_page *pg = np_skb_shinfo(m1)->frags[i].page;

		/* the tap's pool reference, and M1's page reference */
		CHECK(np_page_is_pp(pg) && pg->pp == e.pool);
		CHECK_EQ(pp_ref(pg), 1);
		CHECK_EQ(np_page_ref_count(pg), 2);
	}
	/* M2's pages (head and 3 frags) went back; nothing else did */
	CHECK_FATE(e.pool, &f0, 4, 0);

	/* segment */
	segs = np_skb_segment(h, HDR, NP_NETIF_F_SG);
	CHECK(segs);
	pos = HDR;
	for (n = segs; n; n = n->next) {
		uint32_t l = NP_MIN(MSS, cut - pos);

		CHECK(!n->pp_recycle);
		CHECK_EQ(n->len, HDR + l);
		CHECK_EQ(np_skb_copy_bits(n, 0, got, HDR + l), 0);
		CHECK(memcmp(got, want, HDR) == 0);
		CHECK(memcmp(got + HDR, want + pos, l) == 0);
		pos += l;
		nsegs++;
	}
	CHECK_EQ(pos, cut);
	CHECK_EQ(nsegs, (cut - HDR + MSS - 1) / MSS);
	check_bytes(h, want, cut);

	/*
	 * Free, in this order. Page references sit in the segments (on h's 17
	 * frag pages and M1's 6 kept ones) and in M1 (its 6 kept frags; freed
	 * with the GRO skb); the pool references of M1's original data are the
	 * tap's. A pool page whose last pool reference goes while a page
	 * reference remains is released, else recycled.
	 */
	for (int k = 0; k < NEV; k++) {
		switch (order[k]) {
		case EV_SEGS:
			np_kfree_skb_list(segs);
			break;
		case EV_GRO:
			if (!segs_gone(order, k))
				want_released += 17;
			np_kfree_skb(h);
			break;
		default:
			if (k != NEV - 1)
				want_released += 6;
			check_bytes(tap, wtap, m1_len);
			np_kfree_skb(tap);
			break;
		}
	}
	st = t_pool_stats(e.pool);
	/* each page the pool handed out came back exactly once */
	CHECK_EQ((st.recycle.cached + st.recycle.ring + st.recycle.released_refcnt) -
		 (st0.recycle.cached + st0.recycle.ring + st0.recycle.released_refcnt),
		 pages_used);
	CHECK_EQ(pages_used, 1 + 8 + 1 + 8 + 1 + 14 + 1 + 3);
	CHECK_EQ(st.release - st0.release, st.recycle.released_refcnt - st0.recycle.released_refcnt);
	CHECK_EQ(st.recycle.released_refcnt - st0.recycle.released_refcnt, want_released);
	if (getenv("T_VERBOSE"))
		fprintf(stderr, "variant %d order %d%d%d: released %llu\n", v, order[0], order[1],
			order[2], (unsigned long long)(st.recycle.released_refcnt -
						       st0.recycle.released_refcnt));
	env_fini(&e);
}

static void run_order(const unsigned *order, void *v)
{
	run((enum variant)*(int *)v, order);
}

int main(void)
{
	skbt_seed(0xbb67ae8584caa73bull);
	for (int v = 0; v < NVAR; v++)
		CHECK_EQ(t_each_order(NEV, NULL, run_order, &v), 6);
	np_skb_thread_flush();
	return 0;
}
