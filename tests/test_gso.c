/* SPDX-License-Identifier: MIT */
/*
 * Software GSO and checksums on the way out (gso.c), checked against a
 * reference written here (big-endian words summed one at a time): the
 * checksum of any range of a multi-frag skb at any alignment; a partial
 * checksum completed in a cloned head and in a frag; TCPv4, TCPv6, UDP/IPv4
 * and UDP/IPv6 GSO skbs (a head and pool-page frags, as a TAP hands them
 * over) cut into packets whose every header field a receiving kernel checks
 * is right, and whose payloads are the original's; partial checksums for an
 * egress that completes them; headers that disagree with the gso fields
 * refused; GRO then GSO giving back the very packets that went in; and
 * np_validate_xmit_skb()'s decisions and counters. Every buffer comes back.
 */
#include <arpa/inet.h>
#include "skbtest.h"

#define MAXP	(70 * 1024)

/* ---- the reference ---- */

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The L4 checksum of the packet @f (IP at @l3, L4 at @l4, @len bytes) verifies. */
static bool ref_l4_ok(const uint8_t *f, uint32_t l3, uint32_t l4, uint32_t len, bool v6,
		      uint8_t proto)
{
	uint32_t sum = v6 ? t_csum_add(f + l3 + 8, 32, 0) : t_csum_add(f + l3 + 12, 8, 0);

	sum += proto + (len - l4);
	sum = t_csum_add(f + l4, len - l4, sum);
	return sum == 0xffff;
}

/* ---- packets ---- */

struct pkt {
	bool v6;
	uint8_t proto;
	uint32_t l3, l4, hlen;
};

/*
 * A GSO skb as a TAP hands it over: @hlen header bytes and the first payload
 * bytes in a pool page's head, the rest in whole pool pages as frags; the
 * whole frame into @want. Checksum partial, the pseudo header seeded.
 */
static struct np_skb *gso_skb(struct env *e, const struct pkt *k, uint32_t plen, uint16_t mss,
			      uint8_t tcp_flags, uint8_t *want)
{
	struct np_page *head = np_pool_alloc_pages(e->pool);
	uint32_t len = k->hlen + plen, first = NP_MIN(len, 1500u), off;
	struct np_skb *skb;
	uint8_t *p = want;
	uint32_t sum;
	uint16_t c;

	memset(p, 0, k->hlen);
	memcpy(p, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	if (!k->v6) {
		wr16(p + 12, 0x0800);
		p[14] = 0x45;
		wr16(p + 16, len - 14);
		wr16(p + 18, 0x1234);		/* ID */
		p[20] = 0x40;			/* DF */
		p[22] = 64;
		p[23] = k->proto;
		memcpy(p + 26, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
		wr16(p + 24, (uint16_t)~t_csum_add(p + 14, 20, 0));
	} else {
		wr16(p + 12, 0x86dd);
		p[14] = 0x60;
		wr16(p + 18, len - 54);
		p[20] = k->proto;
		p[21] = 64;
		memcpy(p + 22, "\xfd\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01", 16);
		memcpy(p + 38, "\xfd\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02", 16);
	}
	wr16(p + k->l4, 40000);
	wr16(p + k->l4 + 2, 5001);
	if (k->proto == 6) {
		p[k->l4 + 4] = 0xfe;		/* a sequence number that wraps inside */
		p[k->l4 + 5] = 0xff;
		p[k->l4 + 6] = 0xf0;
		p[k->l4 + 12] = (uint8_t)(((k->hlen - k->l4) / 4) << 4);
		p[k->l4 + 13] = tcp_flags;
		wr16(p + k->l4 + 14, 512);
		for (uint32_t i = k->l4 + 20; i < k->hlen; i++)
			p[i] = 1;		/* NOP options */
	} else {
		wr16(p + k->l4 + 4, len - k->l4);
	}
	fill(p + k->hlen, plen);
	/* seeded: the pseudo header over the whole length, as a sender leaves it */
	sum = k->v6 ? t_csum_add(p + 22, 32, 0) : t_csum_add(p + 26, 8, 0);
	sum += k->proto + (len - k->l4);
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	wr16(p + k->l4 + (k->proto == 6 ? 16 : 6), sum);

	CHECK(head);
	skb = np_build_skb(np_page_address(head), NP_PAGE_SIZE);
	CHECK(skb);
	np_skb_mark_for_recycle(skb);
	np_skb_reserve(skb, 256);
	memcpy(np_skb_put(skb, first), p, first);
	for (off = first; off < len;) {
		struct np_page *pg = np_pool_alloc_pages(e->pool);
		uint32_t n = NP_MIN(len - off, (uint32_t)NP_PAGE_SIZE);

		CHECK(pg);
		memcpy(np_page_address(pg), p + off, n);
		np_skb_add_rx_frag(skb, np_skb_shinfo(skb)->nr_frags, pg, 0, n, NP_PAGE_SIZE);
		off += n;
	}
	np_skb_shinfo(skb)->gso_size = mss;
	np_skb_shinfo(skb)->gso_type = k->proto == 17 ? NP_SKB_GSO_UDP_L4 :
				       k->v6 ? NP_SKB_GSO_TCPV6 : NP_SKB_GSO_TCPV4;
	skb->ip_summed = NP_CHECKSUM_PARTIAL;
	skb->csum_start = (uint16_t)(np_skb_headroom(skb) + k->l4);
	skb->csum_offset = k->proto == 6 ? 16 : 6;
	(void)c;
	return skb;
}

static const struct pkt K_TCP4 = { false, 6, 14, 34, 66 };	/* 12 bytes of options */
static const struct pkt K_TCP6 = { true, 6, 14, 54, 74 };
static const struct pkt K_UDP4 = { false, 17, 14, 34, 42 };
static const struct pkt K_UDP6 = { true, 17, 14, 54, 62 };

/*
 * Every segment of @segs as a kernel receiving it checks it, its payload the
 * original's slice; @hw: checksums left partial (completed here first).
 */
static void check_segments(struct np_skb *segs, const struct pkt *k, const uint8_t *orig,
			   uint32_t plen, uint16_t mss, uint8_t flags0, bool hw)
{
	static uint8_t f[MAXP];
	uint32_t n = 0, pos = 0, nseg = (plen + mss - 1u) / mss;

	for (struct np_skb *s = segs; s; s = s->next, n++) {
		uint32_t pl = NP_MIN((uint32_t)mss, plen - pos), len = k->hlen + pl;

		CHECK_EQ(s->len, len);
		CHECK_EQ(s->pp_recycle, 0);
		CHECK_EQ(np_skb_shinfo(s)->gso_size, 0);
		if (hw) {
			CHECK_EQ(s->ip_summed, NP_CHECKSUM_PARTIAL);
			CHECK_EQ(s->csum_start, np_skb_headroom(s) + k->l4);
			CHECK_EQ(np_skb_checksum_help(s), 0);
		}
		CHECK_EQ(s->ip_summed, NP_CHECKSUM_NONE);
		CHECK_EQ(np_skb_copy_bits(s, 0, f, len), 0);
		/* what stays: MAC addresses, ports, the options */
		CHECK(!memcmp(f, orig, 14));
		CHECK(!memcmp(f + k->l4, orig + k->l4, 4));
		if (!k->v6) {
			CHECK_EQ(rd16(f + 16), len - 14);
			CHECK_EQ(rd16(f + 18), (uint16_t)(0x1234 + n));
			CHECK_EQ(t_csum_add(f + 14, 20, 0), 0xffff);
			CHECK(!memcmp(f + 20, orig + 20, 4));	/* DF, TTL, protocol */
		} else {
			CHECK_EQ(rd16(f + 18), len - 54);
			CHECK(!memcmp(f + 20, orig + 20, 34));
		}
		if (k->proto == 6) {
			uint8_t fl = flags0;

			CHECK_EQ(rd32(f + k->l4 + 4), rd32(orig + k->l4 + 4) + pos);
			if (n)
				fl &= (uint8_t)~0x80u;
			if (n + 1 < nseg)
				fl &= (uint8_t)~0x09u;
			CHECK_EQ(f[k->l4 + 13], fl);
			CHECK(!memcmp(f + k->l4 + 14, orig + k->l4 + 14, 2));
			CHECK(!memcmp(f + k->l4 + 20, orig + k->l4 + 20, k->hlen - k->l4 - 20));
		} else {
			CHECK_EQ(rd16(f + k->l4 + 4), len - k->l4);
		}
		CHECK(ref_l4_ok(f, k->l3, k->l4, len, k->v6, k->proto));
		CHECK(!memcmp(f + k->hlen, orig + k->hlen + pos, pl));
		pos += pl;
	}
	CHECK_EQ(n, nseg);
	CHECK_EQ(pos, plen);
}

/* ---- checksums ---- */

static void test_csum(void)
{
	static uint8_t buf[9000];
	struct env e;
	struct exp *x = malloc(sizeof(*x));
	uint64_t s = 99;
	struct np_skb *skb;

	CHECK(x);
	fill_rng(buf, sizeof(buf), &s);
	/* any length at any alignment, against the reference */
	for (uint32_t off = 0; off < 8; off++)
		for (uint32_t len = 0; len < 300; len++)
			CHECK_EQ(np_csum_fold(np_csum_partial(buf + off, len, 0)),
				 htons((uint16_t)~t_csum_add(buf + off, len, 0)));
	CHECK_EQ(np_csum_fold(np_csum_partial(buf, sizeof(buf), 0)),
		 htons((uint16_t)~t_csum_add(buf, sizeof(buf), 0)));

	/* across a head and odd-length frags, every range */
	env_init_flags(&e, NULL, ENV_OWN_NAPI);
	skbt_seed(3);
	skb = pp_skb(&e, 101, x);
	append_frag(skb, np_pool_alloc_pages(e.pool), 3, 77, x->b);
	x->len += 77;
	append_frag(skb, np_pool_alloc_pages(e.pool), 1000, 1, x->b);
	x->len += 1;
	append_frag(skb, np_pool_alloc_pages(e.pool), 5, 2001, x->b);
	x->len += 2001;
	CHECK_EQ(skb->len, x->len);
	for (uint32_t off = 0; off < skb->len; off += 37) {
		for (uint32_t len = 0; off + len <= skb->len; len += 53) {
			uint32_t sum = 0;

			CHECK_EQ(np_skb_checksum(skb, off, len, 0, &sum), 0);
			CHECK_EQ(np_csum_fold(sum), htons((uint16_t)~t_csum_add(x->b + off, len, 0)));
		}
	}
	{
		uint32_t sum = 7;

		CHECK_EQ(np_skb_checksum(skb, 1, skb->len, 0, &sum), -EFAULT);
		CHECK_EQ(sum, 7);
	}
	np_consume_skb(skb);
	env_fini(&e);
	free(x);
}

/* A partial checksum completed: in the head of a clone's original, and in a frag. */
static void test_csum_help(void)
{
	static uint8_t want[MAXP], f[MAXP];
	struct env e;
	struct np_skb *skb, *clone;
	const struct pkt k = { false, 17, 14, 34, 42 };

	env_init_flags(&e, NULL, ENV_OWN_NAPI);
	skbt_seed(5);
	/* a UDP datagram (no GSO) whose checksum is left partial, its head cloned */
	skb = gso_skb(&e, &k, 3000, 1, 0, want);
	np_skb_shinfo(skb)->gso_size = 0;
	np_skb_shinfo(skb)->gso_type = 0;
	clone = np_skb_clone(skb);
	CHECK(clone);
	CHECK_EQ(np_skb_checksum_help(skb), 0);
	CHECK_EQ(skb->ip_summed, NP_CHECKSUM_NONE);
	CHECK_EQ(np_skb_copy_bits(skb, 0, f, skb->len), 0);
	CHECK(ref_l4_ok(f, 14, 34, skb->len, false, 17));
	/* the clone still sees the seed: its head was not written */
	CHECK_EQ(np_skb_copy_bits(clone, 0, f, clone->len), 0);
	CHECK(!memcmp(f, want, clone->len));
	CHECK_EQ(np_skb_checksum_help(skb), 0);		/* not partial: nothing */
	np_consume_skb(clone);
	np_consume_skb(skb);

	/* the checksum field in a frag (no headers in the head): pulled, then written */
	skb = gso_skb(&e, &k, 200, 1, 0, want);
	np_skb_shinfo(skb)->gso_size = 0;
	np_skb_shinfo(skb)->gso_type = 0;
	{
		struct np_skb *n = np_alloc_skb(256);
		struct np_page *pg = np_pool_alloc_pages(e.pool);

		CHECK(n && pg);
		np_skb_reserve(n, 64);
		memcpy(np_page_address(pg), want, skb->len);
		np_skb_mark_for_recycle(n);
		np_skb_add_rx_frag(n, 0, pg, 0, skb->len, NP_PAGE_SIZE);
		n->ip_summed = NP_CHECKSUM_PARTIAL;
		n->csum_start = (uint16_t)(np_skb_headroom(n) + 34);
		n->csum_offset = 6;
		CHECK_EQ(np_skb_headlen(n), 0);
		CHECK_EQ(np_skb_checksum_help(n), 0);
		CHECK_EQ(np_skb_copy_bits(n, 0, f, n->len), 0);
		CHECK(ref_l4_ok(f, 14, 34, n->len, false, 17));
		/* broken offsets: refused, unchanged */
		n->ip_summed = NP_CHECKSUM_PARTIAL;
		n->csum_offset = (uint16_t)(n->len);
		CHECK_EQ(np_skb_checksum_help(n), -EINVAL);
		n->csum_start = 3;
		CHECK_EQ(np_skb_checksum_help(n), -EINVAL);
		np_consume_skb(n);
	}
	np_consume_skb(skb);
	env_fini(&e);
}

/* ---- GSO ---- */

static void one_gso(const struct pkt *k, uint32_t plen, uint16_t mss, uint8_t flags, bool sg,
		    bool hw)
{
	static uint8_t want[MAXP];
	struct env e;
	struct np_skb *skb, *segs = NULL;
	np_netdev_features_t feat = (sg ? NP_NETIF_F_SG : 0) | (hw ? NP_NETIF_F_HW_CSUM : 0);

	env_init_flags(&e, NULL, ENV_OWN_NAPI);
	skb = gso_skb(&e, k, plen, mss, flags, want);
	CHECK(np_netif_needs_gso(skb, NP_NETIF_F_SG));
	CHECK_EQ(np_skb_gso_segment(skb, feat, &segs), 0);
	/* the original is unchanged */
	check_bytes(skb, want, k->hlen + plen);
	np_consume_skb(skb);
	check_segments(segs, k, want, plen, mss, flags, hw);
	np_kfree_skb_list(segs);
	env_fini(&e);
}

/*
 * A sum of 0: UDP writes its other zero (0xffff: 0 says "no checksum"), TCP
 * writes 0, as strict readers want (RFC 1624), in software segmentation and
 * in np_skb_checksum_help() alike. The first payload word is changed so that
 * the first segment's sum comes out 0.
 */
static void test_csum_zero(void)
{
	static uint8_t want[MAXP], f[MAXP];
	const struct pkt *const ks[] = { &K_TCP4, &K_UDP4, &K_TCP6, &K_UDP6 };
	struct env e;

	env_init_flags(&e, NULL, ENV_OWN_NAPI);
	for (unsigned int i = 0; i < NP_ARRAY_SIZE(ks); i++) {
		const struct pkt *k = ks[i];
		uint32_t at = k->l4 + (k->proto == 6 ? 16u : 6u), w;
		uint16_t zero = k->proto == 17 ? 0xffff : 0;

		for (int hw = 0; hw < 2; hw++) {
			struct np_skb *skb = gso_skb(&e, k, 2000, 1000, 0x10, want), *segs;
			np_netdev_features_t feat = NP_NETIF_F_SG | (hw ? NP_NETIF_F_HW_CSUM : 0);

			CHECK_EQ(np_skb_gso_segment(skb, NP_NETIF_F_SG, &segs), 0);
			w = rd16(skb->data + k->hlen) + rd16(segs->data + at);
			w = (w & 0xffffu) + (w >> 16);
			np_kfree_skb_list(segs);
			wr16(skb->data + k->hlen, w);
			CHECK_EQ(np_skb_gso_segment(skb, feat, &segs), 0);
			if (hw)
				CHECK_EQ(np_skb_checksum_help(segs), 0);
			CHECK_EQ(np_skb_copy_bits(segs, 0, f, segs->len), 0);
			CHECK_EQ(rd16(f + at), zero);
			CHECK(ref_l4_ok(f, k->l3, k->l4, segs->len, k->v6, k->proto));
			np_kfree_skb_list(segs);
			np_consume_skb(skb);
		}
	}
	env_fini(&e);
	printf("a sum of 0: TCP writes 0, UDP 0xffff (segmented, and completed later)\n");
}

static void test_gso(void)
{
	skbt_seed(11);
	/* 64 KiB TSO frames: full segments and a short last one; PSH, FIN, CWR move */
	one_gso(&K_TCP4, 65000, 1448, 0x10 | 0x08 | 0x01 | 0x80, true, false);
	one_gso(&K_TCP4, 65000, 1448, 0x10, false, false);	/* linear segments */
	one_gso(&K_TCP4, 1448 * 3, 1448, 0x18, true, true);	/* left partial */
	one_gso(&K_TCP4, 1, 1448, 0x18, true, false);		/* one segment */
	one_gso(&K_TCP6, 60001, 1428, 0x10 | 0x08, true, false);
	one_gso(&K_TCP6, 5000, 1000, 0x10, true, true);
	/* USO: each segment a datagram of its own */
	one_gso(&K_UDP4, 64000, 1472, 0, true, false);
	one_gso(&K_UDP4, 10001, 1000, 0, false, true);
	one_gso(&K_UDP6, 30000, 1452, 0, true, false);
	one_gso(&K_UDP6, 777, 100, 0, true, true);
}

/* Headers that disagree with the gso fields, or with the packet: refused, nothing left. */
static void test_gso_bad(void)
{
	static uint8_t want[MAXP];
	struct env e;
	struct np_skb *skb, *segs = NULL;
	struct np_gso_stats st = { 0 };
	uint64_t drops = np_skb_drop_count(NP_SKB_DROP_HDR_TRUNC);

	env_init_flags(&e, NULL, ENV_OWN_NAPI);
	skbt_seed(12);
#define BAD(k, how, err)                                                          \
	do {                                                                      \
		skb = gso_skb(&e, k, 5000, 1000, 0x10, want);                     \
		how;                                                              \
		CHECK_EQ(np_skb_gso_segment(skb, NP_NETIF_F_SG, &segs), err);     \
		skb = np_validate_xmit_skb(skb, NP_NETIF_F_SG, &st);              \
		CHECK(!skb);                                                      \
	} while (0)
	BAD(&K_TCP4, np_skb_shinfo(skb)->gso_type = NP_SKB_GSO_TCPV6, -EPROTO);
	BAD(&K_TCP4, np_skb_shinfo(skb)->gso_type = NP_SKB_GSO_UDP_L4, -EPROTO);
	BAD(&K_UDP6, np_skb_shinfo(skb)->gso_type = NP_SKB_GSO_TCPV6, -EPROTO);
	BAD(&K_TCP4, np_skb_shinfo(skb)->gso_type = NP_SKB_GSO_FRAGLIST, -EINVAL);
	BAD(&K_TCP4, skb->data[17]++, -EPROTO);			/* IPv4 total length */
	BAD(&K_TCP4, skb->data[20] |= 0x20, -EPROTO);		/* a fragment */
	BAD(&K_TCP4, skb->data[14] = 0x44, -EPROTO);		/* IHL 16 */
	BAD(&K_TCP4, skb->data[12] = 0x86, -EPROTO);		/* no IP at all */
	BAD(&K_TCP4, skb->data[46] = 0x40, -EPROTO);		/* TCP data offset 16 */
	BAD(&K_TCP6, skb->data[20] = 0, -EPROTO);		/* an extension header */
	BAD(&K_TCP6, skb->data[19]--, -EPROTO);			/* IPv6 payload length */
	BAD(&K_UDP4, skb->data[39]++, -EPROTO);			/* UDP length */
	BAD(&K_UDP4, skb->data[23] = 1, -EPROTO);		/* ICMP */
	BAD(&K_TCP4, np_skb_shinfo(skb)->gso_size = NP_GSO_BY_FRAGS, -EINVAL);
#undef BAD
	CHECK_EQ(st.bad, 14);
	CHECK_EQ(st.segmented, 0);
	CHECK_EQ(np_skb_drop_count(NP_SKB_DROP_HDR_TRUNC) - drops, 14);
	/* no gso_size: not a GSO skb */
	skb = gso_skb(&e, &K_TCP4, 100, 1000, 0x10, want);
	np_skb_shinfo(skb)->gso_size = 0;
	CHECK_EQ(np_skb_gso_segment(skb, NP_NETIF_F_SG, &segs), -EINVAL);
	CHECK(!np_netif_needs_gso(skb, 0));
	np_consume_skb(skb);
	env_fini(&e);
}

/* np_validate_xmit_skb(): whole where the egress takes it, else cut or completed. */
static void test_validate(void)
{
	static uint8_t want[MAXP];
	np_netdev_features_t tso = NP_NETIF_F_SG | NP_NETIF_F_HW_CSUM | NP_NETIF_F_TSO;
	struct np_gso_stats st = { 0 };
	struct env e;
	struct np_skb *skb, *out;

	env_init_flags(&e, NULL, ENV_OWN_NAPI);
	skbt_seed(13);
	skb = gso_skb(&e, &K_TCP4, 20000, 1448, 0x10, want);
	CHECK(!np_netif_needs_gso(skb, tso));
	CHECK(np_netif_needs_gso(skb, tso & ~NP_NETIF_F_HW_CSUM));
	CHECK(np_netif_needs_gso(skb, NP_NETIF_F_SG | NP_NETIF_F_HW_CSUM | NP_NETIF_F_TSO6));
	np_skb_shinfo(skb)->gso_type |= NP_SKB_GSO_TCP_ECN;
	CHECK(np_netif_needs_gso(skb, tso));
	CHECK(!np_netif_needs_gso(skb, tso | NP_NETIF_F_TSO_ECN));
	np_skb_shinfo(skb)->gso_type &= (uint16_t)~NP_SKB_GSO_TCP_ECN;
	CHECK_EQ(np_validate_xmit_skb(skb, tso, &st), skb);	/* whole */
	CHECK_EQ(st.segmented + st.csum_help, 0);
	/* the checksum not partial: the device cannot be asked to finish the job */
	skb->ip_summed = NP_CHECKSUM_NONE;
	CHECK(np_netif_needs_gso(skb, tso));
	skb->ip_summed = NP_CHECKSUM_PARTIAL;
	out = np_validate_xmit_skb(skb, NP_NETIF_F_SG, &st);
	CHECK(out && out != skb);
	CHECK_EQ(st.segmented, 1);
	CHECK_EQ(st.segments, 14);
	check_segments(out, &K_TCP4, want, 20000, 1448, 0x10, false);
	np_kfree_skb_list(out);

	/* a partial checksum, no GSO: completed for an egress without HW_CSUM */
	skb = gso_skb(&e, &K_UDP4, 500, 1000, 0, want);
	np_skb_shinfo(skb)->gso_size = 0;
	np_skb_shinfo(skb)->gso_type = 0;
	CHECK_EQ(np_validate_xmit_skb(skb, NP_NETIF_F_SG | NP_NETIF_F_HW_CSUM, &st), skb);
	CHECK_EQ(st.csum_help, 0);
	CHECK_EQ(np_validate_xmit_skb(skb, NP_NETIF_F_SG, &st), skb);
	CHECK_EQ(st.csum_help, 1);
	CHECK_EQ(skb->ip_summed, NP_CHECKSUM_NONE);
	np_consume_skb(skb);
	env_fini(&e);
}

/* ---- GRO, then GSO: the packets that went in come out ---- */

/* A TCPv4 packet of @plen payload at @seq, ID @id, checksums complete, in a pool page. */
static struct np_skb *tcp_pkt(struct env *e, uint32_t seq, uint16_t id, uint32_t plen,
			      uint8_t flags, uint8_t *f)
{
	struct np_page *pg = np_pool_alloc_pages(e->pool);
	uint32_t len = 66 + plen, sum;
	struct np_skb *skb;

	memset(f, 0, 66);
	memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
	f[14] = 0x45;
	wr16(f + 16, len - 14);
	wr16(f + 18, id);
	f[20] = 0x40;
	f[22] = 64;
	f[23] = 6;
	memcpy(f + 26, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	wr16(f + 24, (uint16_t)~t_csum_add(f + 14, 20, 0));
	wr16(f + 34, 40000);
	wr16(f + 36, 5001);
	f[38] = (uint8_t)(seq >> 24);
	f[39] = (uint8_t)(seq >> 16);
	f[40] = (uint8_t)(seq >> 8);
	f[41] = (uint8_t)seq;
	f[45] = 7;				/* ACK number */
	f[46] = 8 << 4;
	f[47] = flags;
	wr16(f + 48, 1000);
	for (int i = 54; i < 66; i++)
		f[i] = 1;
	fill(f + 66, plen);
	sum = t_csum_add(f + 26, 8, 0) + 6 + (len - 34);
	wr16(f + 50, (uint16_t)~t_csum_add(f + 34, len - 34, sum));
	CHECK(pg);
	skb = np_build_skb(np_page_address(pg), NP_PAGE_SIZE);
	CHECK(skb);
	np_skb_mark_for_recycle(skb);
	np_skb_reserve(skb, 256);
	memcpy(np_skb_put(skb, len), f, len);
	return skb;
}

static void test_gro_gso(void)
{
	static uint8_t f[40][1600];
	static uint8_t got[1600];
	struct skbt_sink s = { 0 };
	struct np_gso_stats st = { 0 };
	struct np_gro gro;
	struct env e;
	struct np_skb *out;
	uint32_t seq = 0xfffff000u, lens[40];
	unsigned int i, k;

	env_init_flags(&e, NULL, ENV_OWN_NAPI);
	np_gro_init(&gro, skbt_sink_deliver, &s);
	skbt_seed(21);
	/* 30 full segments, PSH on the last: one train */
	for (i = 0; i < 30; i++) {
		lens[i] = 66 + 1448;
		np_gro_receive(&gro, tcp_pkt(&e, seq, (uint16_t)(100 + i), 1448,
					     i == 29 ? 0x18 : 0x10, f[i]));
		seq += 1448;
	}
	CHECK_EQ(s.n, 1);	/* PSH delivered it */
	CHECK_EQ(gro.merged, 29);
	CHECK_EQ(np_skb_shinfo(s.skbs[0])->gso_segs, 30);
	CHECK_EQ(np_skb_shinfo(s.skbs[0])->gso_size, 1448);
	CHECK_EQ(np_skb_shinfo(s.skbs[0])->gso_type, NP_SKB_GSO_TCPV4);
	CHECK_EQ(s.skbs[0]->ip_summed, NP_CHECKSUM_PARTIAL);
	/* whole where TSO is taken: its seeded checksum completes right */
	out = s.skbs[0];
	CHECK(!np_netif_needs_gso(out, NP_NETIF_F_SG | NP_NETIF_F_HW_CSUM | NP_NETIF_F_TSO));
	out = np_validate_xmit_skb(out, NP_NETIF_F_SG, &st);
	CHECK_EQ(st.segments, 30);
	for (k = 0; out; k++) {
		struct np_skb *nx = out->next;

		CHECK(k < 30);
		CHECK_EQ(out->len, lens[k]);
		CHECK_EQ(np_skb_copy_bits(out, 0, got, out->len), 0);
		/* byte for byte the packet that went in: IDs, flags, checksums */
		CHECK(!memcmp(got, f[k], out->len));
		out->next = NULL;
		np_consume_skb(out);
		out = nx;
	}
	CHECK_EQ(k, 30);
	s.n = 0;

	/* a gap: the held packet goes, the next starts its own; a FIN follows its flow */
	np_gro_receive(&gro, tcp_pkt(&e, 1000, 1, 1448, 0x10, f[0]));
	np_gro_receive(&gro, tcp_pkt(&e, 2448, 2, 1448, 0x10, f[1]));
	np_gro_receive(&gro, tcp_pkt(&e, 5000, 3, 1448, 0x10, f[2]));	/* gap */
	CHECK_EQ(s.n, 1);
	CHECK_EQ(s.skbs[0]->len, 66 + 2 * 1448);
	np_gro_receive(&gro, tcp_pkt(&e, 6448, 4, 0, 0x11, f[3]));	/* FIN */
	CHECK_EQ(s.n, 3);
	CHECK_EQ(s.skbs[1]->len, 66 + 1448);
	CHECK_EQ(np_skb_shinfo(s.skbs[1])->gso_size, 0);	/* merged nothing */
	CHECK_EQ(s.skbs[2]->len, 66);
	/* a bad checksum: passed as it is, counted */
	{
		struct np_skb *b = tcp_pkt(&e, 9000, 5, 100, 0x10, f[4]);

		b->data[100] ^= 1;
		np_gro_receive(&gro, b);
		CHECK_EQ(gro.csum_bad, 1);
		CHECK_EQ(s.n, 4);
	}
	/* a longer one after a short one: never merged (it would be cut wrong) */
	np_gro_receive(&gro, tcp_pkt(&e, 20000, 6, 500, 0x10, f[5]));
	np_gro_receive(&gro, tcp_pkt(&e, 20500, 7, 1000, 0x10, f[6]));
	np_gro_flush(&gro);
	CHECK_EQ(s.n, 6);
	CHECK_EQ(s.skbs[4]->len, 66 + 500);
	CHECK_EQ(s.skbs[5]->len, 66 + 1000);
	for (i = 0; i < s.n; i++)
		np_consume_skb(s.skbs[i]);
	env_fini(&e);
}

int main(void)
{
	test_csum();
	test_csum_help();
	test_csum_zero();
	test_gso();
	test_gso_bad();
	test_validate();
	test_gro_gso();
	CHECK_EQ(np_skb_live(), 0);
	printf("ok\n");
	return 0;
}
