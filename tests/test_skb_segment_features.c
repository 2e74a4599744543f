/* SPDX-License-Identifier: MIT */
/*
 * np_skb_segment() with the egress features (the kernel's skb_segment()):
 *   - NP_NETIF_F_SG: segments share pages as frags; without it every segment
 *     is linear, its payload copied;
 *   - NP_NETIF_F_GSO_PARTIAL (with SG): one segment of every whole multiple
 *     of gso_size, then the remainder; gso_size, gso_type | PARTIAL and
 *     gso_segs on the big one, a remainder of at most gso_size no GSO packet;
 *     fewer than two whole multiples: plain segments;
 *   - gso_size NP_GSO_BY_FRAGS: the head's own payload (if any) one segment,
 *     then each frag_list member one segment, whatever its length.
 * Inputs of every shape: linear only, page frags only, linear + frags,
 * frag_list members of equal and of unequal sizes, members with and without
 * a linear part, a head with and without payload of its own. Every segment:
 * its length, the header bytes in front, its payload bytes, its shape and
 * gso fields; the original left as it was; one page reference per frag a
 * segment shares, pool references untouched; after everything is freed
 * (segments first, then the original, and the other way round) every pool
 * page recycled or released exactly once, inflight 0, no skb left.
 */
#include "testutil.h"

#include "skbtest.h"

#define HDR	54

enum { SHAPE_LINEAR, SHAPE_FRAGS, SHAPE_BOTH, SHAPE_LIST_EQUAL, SHAPE_LIST_UNEQUAL,
       SHAPE_LIST_PAGED, SHAPE_LIST_NOHEAD, SHAPE_BIG, NSHAPES };

static const char *const shape_names[NSHAPES] = {
	"linear", "frags", "linear+frags", "members equal", "members unequal",
	"members paged (no linear part)", "headers only + members", "over 64 KiB (47 members)",
};

enum { F_SG, F_LINEAR, F_PARTIAL, F_BY_FRAGS_SG, F_BY_FRAGS_LINEAR, NFEAT };

static const char *const feat_names[NFEAT] = {
	"sg", "no sg", "sg+partial", "by_frags sg", "by_frags no sg",
};

static struct exp xo, xm, xs;

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

/* A packet of @shape: its bytes in xo, its members' lengths in @mlen (count in *@nm). */
static struct np_skb *build(struct env *e, int shape, uint32_t *mlen, int *nm)
{
	static const uint32_t unequal[] = { 1448, 300, 2900, 1, 777 };
	struct np_skb *skb, *m;

	*nm = 0;
	switch (shape) {
	case SHAPE_LINEAR:
		return pp_skb(e, HDR + 3000, &xo);
	case SHAPE_FRAGS:	/* headers only in the head, payload all in frags */
		skb = pp_skb(e, HDR, &xo);
		add_pool_page(e, skb, 2000, &xo);
		add_pool_frag(e, skb, 1100, &xo);
		add_foreign(e, skb, 900, &xo);
		add_page_frag(skb, 333, &xo);
		frag_flush(e);
		return skb;
	case SHAPE_BOTH:
		skb = pp_skb(e, HDR + 700, &xo);
		add_pool_page(e, skb, 3000, &xo);
		add_pool_frag(e, skb, 500, &xo);
		frag_flush(e);
		return skb;
	case SHAPE_LIST_EQUAL:
	case SHAPE_LIST_UNEQUAL:
		skb = pp_skb(e, HDR + 200, &xo);
		for (int i = 0; i < 5; i++) {
			uint32_t len = shape == SHAPE_LIST_EQUAL ? 1448 : unequal[i];

			m = pp_skb(e, len > 1000 ? 1000 : len, &xm);
			if (len > 1000)
				add_pool_page(e, m, len - 1000, &xm);
			add_list(skb, m, &xm, &xo);
			mlen[(*nm)++] = m->len;
		}
		return skb;
	case SHAPE_LIST_PAGED:	/* members with no linear part: frags only, and a small head */
		skb = pp_skb(e, HDR + 64, &xo);
		for (int i = 0; i < 3; i++) {
			m = pp_skb(e, 0, &xm);
			add_pool_page(e, m, 1200 + 100 * (uint32_t)i, &xm);
			add_foreign(e, m, 250, &xm);
			add_list(skb, m, &xm, &xo);
			mlen[(*nm)++] = m->len;
		}
		m = small_skb(2048, 0, &xm);	/* no linear part, one frag */
		add_foreign(e, m, 1800, &xm);
		add_list(skb, m, &xm, &xo);
		mlen[(*nm)++] = m->len;
		return skb;
	case SHAPE_BIG:		/* more payload than an IP length can say: GSO_PARTIAL caps */
		skb = pp_skb(e, HDR + 100, &xo);
		for (int i = 0; i < 47; i++) {
			m = pp_skb(e, 1500, &xm);
			add_list(skb, m, &xm, &xo);
			mlen[(*nm)++] = m->len;
		}
		return skb;
	default:		/* SHAPE_LIST_NOHEAD: the head holds only the headers */
		skb = pp_skb(e, HDR, &xo);
		for (int i = 0; i < 4; i++) {
			m = i & 1 ? pf_skb(1400, 1000 + (uint32_t)i, &xm) : pp_skb(e, 1500, &xm);
			add_list(skb, m, &xm, &xo);
			mlen[(*nm)++] = m->len;
		}
		return skb;
	}
}

/* The segment lengths (payload) the features call for. */
static int expect(const struct np_skb *skb, int feat, const uint32_t *mlen, int nm, uint32_t mss,
		  uint32_t *plen, uint32_t *partial)
{
	uint32_t payload = skb->len - HDR, pos = 0, step = mss;
	int n = 0;

	*partial = 0;
	if (feat == F_BY_FRAGS_SG || feat == F_BY_FRAGS_LINEAR) {
		uint32_t list = 0;

		for (int i = 0; i < nm; i++)
			list += mlen[i];
		if (skb->len - list > HDR)
			plen[n++] = skb->len - list - HDR;
		for (int i = 0; i < nm; i++)
			plen[n++] = mlen[i];
		return n;
	}
	/* one segment of the whole multiples that fit an IP length (65534 bytes), then the rest */
	if (feat == F_PARTIAL && NP_MIN(payload, 65534u) / mss > 1) {
		*partial = NP_MIN(payload, 65534u) / mss;
		step = mss * *partial;
	}
	for (; pos < payload; pos += plen[n++])
		plen[n] = NP_MIN(step, payload - pos);
	return n;
}

static void run(int shape, int feat, uint32_t mss, int order)
{
	uint32_t mlen[64], plen[1024], partial, pos = HDR;
	struct np_skb *skb, *segs, *s, *next;
	np_netdev_features_t f;
	struct pgset ps = { 0 };
	struct fate f0;
	struct env e;
	int nm, n, k = 0, npool = 0;
	bool by_frags = feat == F_BY_FRAGS_SG || feat == F_BY_FRAGS_LINEAR;

	env_init(&e);
	skb = build(&e, shape, mlen, &nm);
	if (by_frags && !nm) {
		np_kfree_skb(skb);
		env_fini(&e);
		return;
	}
	np_skb_shinfo(skb)->gso_size = (uint16_t)(by_frags ? NP_GSO_BY_FRAGS : mss);
	np_skb_shinfo(skb)->gso_type = NP_SKB_GSO_TCPV4;
	skb->network_header = (uint16_t)(np_skb_headroom(skb) + 14);
	f = feat == F_LINEAR || feat == F_BY_FRAGS_LINEAR ? 0 : NP_NETIF_F_SG;
	if (feat == F_PARTIAL)
		f |= NP_NETIF_F_GSO_PARTIAL;
	n = expect(skb, feat, mlen, nm, mss, plen, &partial);
	pgset_collect(&ps, skb, true);
	f0 = fate_now(e.pool);
	for (int j = 0; j < ps.n; j++)
		npool += np_page_is_pp(ps.pg[j]);

	segs = np_skb_segment(skb, HDR, f);
	CHECK(segs);
	check_skb(skb, &xo);	/* the original as it was */
	for (s = segs; s; s = s->next, k++) {
		const struct np_skb_shared_info *sh = np_skb_shinfo(s);

		CHECK(k < n);
		xs.len = 0;
		exp_add(&xs, xo.b, HDR);
		exp_add(&xs, xo.b + pos, plen[k]);
		check_skb(s, &xs);
		CHECK(!s->pp_recycle && !np_skb_cloned(s) && !np_skb_has_frag_list(s));
		CHECK_EQ(s->network_header, skb->network_header);
		if (!(f & NP_NETIF_F_SG))
			CHECK(!np_skb_is_nonlinear(s));
		if (partial && plen[k] > mss) {
			CHECK_EQ(sh->gso_size, mss);
			CHECK_EQ(sh->gso_segs, k ? (plen[k] + mss - 1) / mss : partial);
			CHECK_EQ(sh->gso_type, NP_SKB_GSO_TCPV4 | NP_SKB_GSO_PARTIAL);
		} else {
			CHECK_EQ(sh->gso_size, 0);
		}
		for (unsigned i = 0; i < sh->nr_frags; i++) {
			int j;

			for (j = 0; j < ps.n; j++)
				if (ps.pg[j] == sh->frags[i].page)
					break;
			CHECK(j < ps.n);	/* a page of the original, never a new one */
			ps.segrefs[j]++;
		}
		pos += plen[k];
	}
	CHECK_EQ(k, n);
	CHECK_EQ(pos, skb->len);
	for (int j = 0; j < ps.n; j++) {
		CHECK_EQ(np_page_ref_count(ps.pg[j]), ps.ref[j] + ps.segrefs[j]);
		CHECK_EQ(pp_ref(ps.pg[j]), ps.ppref[j]);
	}

	if (order)
		np_kfree_skb(skb);
	for (s = segs; s; s = next) {
		next = s->next;
		s->next = NULL;
		np_consume_skb(s);
	}
	if (!order) {
		/* segments gone first: the original's pages are back to their counts */
		for (int j = 0; j < ps.n; j++)
			CHECK_EQ(np_page_ref_count(ps.pg[j]), ps.ref[j]);
		np_kfree_skb(skb);
	}
	/* every pool page the packet held left the pool's use once: recycled or released */
	{
		struct fate f1 = fate_now(e.pool);

		CHECK_EQ(f1.recycled - f0.recycled + f1.released - f0.released, (uint64_t)npool);
		if (!order)
			CHECK_EQ(f1.released, f0.released);	/* nothing page-referenced was left */
	}
	env_fini(&e);
}

int main(void)
{
	static const uint32_t msss[] = { 100, 1000, 1448, 2999 };
	unsigned runs = 0;

	skbt_seed(0x6a09e667f3bcc909ull);
	for (int shape = 0; shape < NSHAPES; shape++)
		for (int feat = 0; feat < NFEAT; feat++)
			for (unsigned m = 0; m < NP_ARRAY_SIZE(msss); m++)
				for (int order = 0; order < 2; order++, runs++)
					run(shape, feat, msss[m], order);
	printf("PASS: %u runs: %d shapes (%s ... %s) x %d feature sets (%s ... %s) x %zu sizes x "
	       "2 free orders\n", runs, NSHAPES, shape_names[0], shape_names[NSHAPES - 1], NFEAT,
	       feat_names[0], feat_names[NFEAT - 1], NP_ARRAY_SIZE(msss));
	return 0;
}
