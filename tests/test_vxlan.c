/* SPDX-License-Identifier: MIT */
/*
 * VXLAN encapsulation and decapsulation, byte for byte: the outer IPv4
 * header's lengths, TTL, DF, ID and checksum, UDP's length, port and
 * (optional) checksum, the VXLAN flags and VNI, the inner frame intact; the
 * source port within its range, the same for both directions of a flow and
 * spread over flows; ECN carried both ways. The same for linear skbs,
 * cloned ones (the clone keeps its bytes), ones short of headroom, and
 * nonlinear ones (pool-page frags, lengths from skb->len). Decap gives back
 * the inner frame exactly, trims padding, passes on what is not for the
 * endpoint untouched, and refuses each malformation with its error; random
 * corruptions never crash it. Every buffer comes back: inflight 0, no live
 * skb.
 */
#include <arpa/inet.h>
#include "skbtest.h"

/* ---- frames ---- */

#define MAXF	70000u

static const unsigned char mac_a[6] = { 0x02, 0, 0, 0, 0xa0, 0x01 };	/* the endpoint */
static const unsigned char mac_b[6] = { 0x02, 0, 0, 0, 0xb0, 0x02 };	/* its peer */

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	CHECK_EQ(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

/* The sending endpoint's configuration, and the receiving one's (addresses swapped). */
static struct np_vxlan_cfg cfg_tx(void)
{
	struct np_vxlan_cfg c = { .local = ip4("192.0.2.1"), .remote = ip4("192.0.2.2"),
				  .vni = 42 };

	memcpy(c.src_mac, mac_a, 6);
	memcpy(c.dst_mac, mac_b, 6);
	return c;
}

static struct np_vxlan_cfg cfg_rx(const struct np_vxlan_cfg *tx)
{
	struct np_vxlan_cfg c = *tx;

	memcpy(c.src_mac, tx->dst_mac, 6);
	memcpy(c.dst_mac, tx->src_mac, 6);
	c.local = tx->remote;
	c.remote = tx->local;
	return c;
}

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/* The Internet checksum, written for the test (not the library's). */
static uint16_t csum(uint32_t sum, const unsigned char *p, uint32_t len)
{
	return (uint16_t)~t_csum_add(p, len, sum);
}

static void ip_csum_fix(unsigned char *ip)
{
	uint32_t ihl = (ip[0] & 15u) * 4u;

	put16(ip + 10, 0);
	put16(ip + 10, csum(0, ip, ihl));
}

/* The UDP checksum of the datagram at @udp (IPv4 header @ip), as it should read. */
static uint16_t udp_csum(const unsigned char *ip, const unsigned char *udp)
{
	uint32_t ulen = get16(udp + 4), sum = 17 + ulen;
	static unsigned char tmp[MAXF];
	uint16_t c;

	for (int i = 12; i < 20; i += 2)
		sum += get16(ip + i);
	memcpy(tmp, udp, ulen);
	put16(tmp + 6, 0);
	c = csum(sum, tmp, ulen);
	return c ? c : 0xffff;
}

/*
 * An inner Ethernet/IPv4/UDP frame of @len bytes: addresses 10.0.0.@a ->
 * 10.0.0.@b, ports @sp -> @dp, ECN @ecn, payload bytes from @seed.
 */
static uint32_t inner_udp(unsigned char *f, uint32_t len, uint8_t a, uint8_t b, uint16_t sp,
			  uint16_t dp, uint8_t ecn, uint8_t seed)
{
	unsigned char *ip = f + 14, *udp = f + 34;

	CHECK(len >= 42);
	memcpy(f, "\x02\x00\x00\x00\x00\x0b\x02\x00\x00\x00\x00\x0a\x08\x00", 14);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[1] = ecn;
	put16(ip + 2, len - 14);
	ip[8] = 64;
	ip[9] = 17;
	ip[12] = 10;
	ip[15] = a;
	ip[16] = 10;
	ip[19] = b;
	ip_csum_fix(ip);
	put16(udp, sp);
	put16(udp + 2, dp);
	put16(udp + 4, len - 34);
	put16(udp + 6, 0);
	for (uint32_t i = 42; i < len; i++)
		f[i] = (unsigned char)(seed + i * 13);
	return len;
}

/*
 * An skb holding @len bytes of @f: @headlen of them in the head (a pool
 * page, @headroom before them), the rest in pool-page frags of @fraglen
 * bytes (more when 17 would not do); marked for recycling.
 */
static struct np_skb *skb_of(struct env *e, const unsigned char *f, uint32_t len, uint32_t headlen,
			     uint32_t fraglen, uint32_t headroom)
{
	struct np_page *page = np_pool_alloc_pages(e->pool);
	struct np_skb *skb;
	uint32_t off;
	unsigned int i = 0;

	CHECK(page);
	headlen = NP_MIN(headlen, len);
	/* frags grow when seventeen of @fraglen would not hold the rest */
	fraglen = NP_MAX(fraglen, (len - headlen + NP_MAX_SKB_FRAGS - 1) / NP_MAX_SKB_FRAGS);
	skb = np_build_skb(np_page_address(page), NP_PAGE_SIZE);
	CHECK(skb);
	np_skb_mark_for_recycle(skb);
	np_skb_reserve(skb, headroom);
	CHECK(np_skb_put_data(skb, f, headlen));
	for (off = headlen; off < len; off += fraglen, i++) {
		uint32_t n = NP_MIN(fraglen, len - off);
		struct np_page *p = np_pool_alloc_pages(e->pool);

		CHECK(p && i < NP_MAX_SKB_FRAGS && n <= NP_PAGE_SIZE);
		memcpy(np_page_address(p), f + off, n);
		np_skb_add_rx_frag(skb, i, p, 0, n, NP_PAGE_SIZE);
	}
	CHECK_EQ(skb->len, len);
	return skb;
}

static uint32_t bytes_of(const struct np_skb *skb, unsigned char *out)
{
	CHECK(skb->len <= MAXF);
	CHECK_EQ(np_skb_copy_bits(skb, 0, out, skb->len), 0);
	return skb->len;
}

/* The outer headers of @o (@n bytes) for @tx's tunnel carrying @inner (@ilen bytes). */
static void check_outer(const unsigned char *o, uint32_t n, const struct np_vxlan_cfg *tx,
			const unsigned char *inner, uint32_t ilen)
{
	const unsigned char *ip = o + 14, *udp = o + 34, *vx = o + 42;
	uint16_t sport = get16(udp), lo = tx->port_min ? tx->port_min : 32768;
	uint16_t hi = tx->port_max ? tx->port_max : 60999;

	CHECK_EQ(n, ilen + 50);
	CHECK(!memcmp(o, tx->dst_mac, 6) && !memcmp(o + 6, tx->src_mac, 6));
	CHECK_EQ(get16(o + 12), 0x0800);
	CHECK_EQ(ip[0], 0x45);
	CHECK_EQ(get16(ip + 2), ilen + 36);			/* total length */
	CHECK_EQ(get16(ip + 6), tx->df ? 0x4000 : 0);		/* DF, no fragment */
	CHECK_EQ(ip[8], tx->ttl ? tx->ttl : 64);
	CHECK_EQ(ip[9], 17);
	CHECK_EQ(csum(0, ip, 20), 0);			/* the header checksum verifies */
	CHECK(!memcmp(ip + 12, &tx->local, 4) && !memcmp(ip + 16, &tx->remote, 4));
	CHECK(sport >= lo && sport <= hi);
	CHECK_EQ(get16(udp + 2), tx->dst_port ? tx->dst_port : 4789);
	CHECK_EQ(get16(udp + 4), ilen + 16);
	if (tx->udp_csum)
		CHECK_EQ(get16(udp + 6), udp_csum(ip, udp));
	else
		CHECK_EQ(get16(udp + 6), 0);
	CHECK(!memcmp(vx, "\x08\x00\x00\x00", 4));
	CHECK_EQ(vx[4] << 16 | vx[5] << 8 | vx[6], tx->vni);
	CHECK_EQ(vx[7], 0);
	CHECK(!memcmp(o + 50, inner, ilen));
}

static unsigned char g_in[MAXF], g_out[MAXF], g_back[MAXF];

/* Encapsulate @skb (holding g_in's @ilen bytes), check it, decapsulate, check it again. */
static void round_trip(struct np_skb *skb, const struct np_vxlan_cfg *tx, uint32_t ilen)
{
	struct np_vxlan_cfg rx = cfg_rx(tx);
	uint32_t n;

	CHECK_EQ(np_vxlan_encap(skb, tx), 0);
	n = bytes_of(skb, g_out);
	check_outer(g_out, n, tx, g_in, ilen);
	CHECK_EQ(np_vxlan_decap(skb, &rx), 0);
	CHECK_EQ(bytes_of(skb, g_back), ilen);
	CHECK(!memcmp(g_back, g_in, ilen));
}

/* ---- encapsulation ---- */

static void test_encap_layouts(void)
{
	struct np_vxlan_cfg tx = cfg_tx();
	struct np_skb *skb, *clone;
	unsigned char before[1600];
	uint32_t len;
	struct env e;

	env_init_flags(&e, NULL, ENV_OWN_NAPI);
	/* linear, room enough: in place, still a pool head */
	len = inner_udp(g_in, 1000, 1, 2, 1000, 2000, 0, 1);
	skb = skb_of(&e, g_in, len, len, 0, 128);
	CHECK_EQ(np_vxlan_encap(skb, &tx), 0);
	CHECK(skb->head_frag && skb->pp_recycle);
	check_outer(g_out, bytes_of(skb, g_out), &tx, g_in, len);
	np_consume_skb(skb);

	/* cloned (a capture holds it): a private head; the clone keeps its bytes */
	skb = skb_of(&e, g_in, len, len, 0, 128);
	clone = np_skb_clone(skb);
	CHECK(clone);
	CHECK_EQ(np_vxlan_encap(skb, &tx), 0);
	CHECK(!skb->head_frag);
	check_outer(g_out, bytes_of(skb, g_out), &tx, g_in, len);
	CHECK_EQ(bytes_of(clone, before), len);
	CHECK(!memcmp(before, g_in, len));
	np_consume_skb(clone);
	CHECK_EQ(np_vxlan_decap(skb, &(struct np_vxlan_cfg){ 0 }), -ENOENT);
	np_consume_skb(skb);

	/* short of headroom: the head grows */
	skb = skb_of(&e, g_in, len, len, 0, 10);
	CHECK(np_skb_headroom(skb) < NP_VXLAN_HLEN);
	round_trip(skb, &tx, len);
	np_consume_skb(skb);

	/* no headroom at all, and a runt-sized inner frame (60 bytes) */
	len = inner_udp(g_in, 60, 1, 2, 1, 2, 0, 2);
	skb = skb_of(&e, g_in, len, len, 0, 0);
	round_trip(skb, &tx, len);
	np_consume_skb(skb);

	/* nonlinear: 100 bytes of head, the rest in frags of 700; with and without UDP checksum */
	for (int c = 0; c < 2; c++) {
		tx.udp_csum = c;
		len = inner_udp(g_in, 9000, 3, 4, 5, 6, 0, 3);
		skb = skb_of(&e, g_in, len, 100, 700, 128);
		CHECK(np_skb_is_nonlinear(skb));
		round_trip(skb, &tx, len);
		np_consume_skb(skb);
		/* headers split across the head and the first frag, and cloned */
		skb = skb_of(&e, g_in, len, 20, 1400, 64);
		clone = np_skb_clone(skb);
		CHECK(clone);
		round_trip(skb, &tx, len);
		CHECK_EQ(bytes_of(clone, g_back), len);
		CHECK(!memcmp(g_back, g_in, len));
		np_consume_skb(skb);
		np_consume_skb(clone);
	}
	/* odd lengths, UDP checksum on */
	for (len = 43; len < 400; len += 37) {
		inner_udp(g_in, len, 7, 8, 9, 10, 0, (uint8_t)len);
		skb = skb_of(&e, g_in, len, 30, 33, 64);
		round_trip(skb, &tx, len);
		np_consume_skb(skb);
	}
	env_fini(&e);
}

static void test_encap_options(void)
{
	struct np_vxlan_cfg tx = cfg_tx();
	struct np_skb *skb;
	uint32_t len;
	struct env e;
	uint16_t id0;

	env_init_flags(&e, NULL, ENV_OWN_NAPI);
	tx.df = true;
	tx.ttl = 5;
	tx.tos = 0xb8 | 3;		/* DSCP EF; its ECN bits are ignored */
	tx.dst_port = 8472;
	tx.vni = NP_VXLAN_VNI_MAX;
	/* inner ECT(0): outer ECT(0); inner CE: outer ECT(0); not-ECT: not-ECT */
	for (uint8_t ecn = 0; ecn < 4; ecn++) {
		len = inner_udp(g_in, 300, 1, 2, 3, 4, ecn, ecn);
		skb = skb_of(&e, g_in, len, len, 0, 128);
		round_trip(skb, &tx, len);
		CHECK_EQ(g_out[15], 0xb8 | (ecn == 3 ? 2 : ecn));
		np_consume_skb(skb);
	}
	/* the ID moves on with each packet */
	len = inner_udp(g_in, 100, 1, 2, 3, 4, 0, 0);
	skb = skb_of(&e, g_in, len, len, 0, 128);
	CHECK_EQ(np_vxlan_encap(skb, &tx), 0);
	bytes_of(skb, g_out);
	id0 = get16(g_out + 18);
	np_consume_skb(skb);
	skb = skb_of(&e, g_in, len, len, 0, 128);
	CHECK_EQ(np_vxlan_encap(skb, &tx), 0);
	bytes_of(skb, g_out);
	CHECK(get16(g_out + 18) != id0);
	np_consume_skb(skb);
	env_fini(&e);
}

static void test_encap_refused(void)
{
	struct np_vxlan_cfg tx = cfg_tx(), bad;
	struct np_skb *skb;
	uint32_t len;
	struct env e;

	env_init_flags(&e, NULL, ENV_OWN_NAPI);
	len = inner_udp(g_in, 200, 1, 2, 3, 4, 0, 0);
	skb = skb_of(&e, g_in, len, len, 0, 128);
	bad = tx;
	bad.vni = NP_VXLAN_VNI_MAX + 1;
	CHECK_EQ(np_vxlan_encap(skb, &bad), -EINVAL);
	CHECK_EQ(np_vxlan_decap(skb, &bad), -EINVAL);
	bad = tx;
	bad.port_min = 2000;
	bad.port_max = 1000;
	CHECK_EQ(np_vxlan_encap(skb, &bad), -EINVAL);
	CHECK_EQ(skb->len, len);
	CHECK_EQ(bytes_of(skb, g_out), len);
	CHECK(!memcmp(g_out, g_in, len));
	np_consume_skb(skb);
	/* shorter than an Ethernet header */
	skb = skb_of(&e, g_in, 13, 13, 0, 128);
	CHECK_EQ(np_vxlan_encap(skb, &tx), -EINVAL);
	CHECK_EQ(skb->len, 13);
	np_kfree_skb(skb);
	/* an outer packet past 65535 bytes: 65500 inner bytes in frags */
	memset(g_in, 0x5a, MAXF);
	len = inner_udp(g_in, 42, 1, 2, 3, 4, 0, 0);
	skb = skb_of(&e, g_in, 65500, 100, NP_PAGE_SIZE, 128);
	CHECK_EQ(np_vxlan_encap(skb, &tx), -EMSGSIZE);
	CHECK_EQ(skb->len, 65500);
	np_kfree_skb(skb);
	/* the largest that fits */
	skb = skb_of(&e, g_in, 65535 - 36, 100, NP_PAGE_SIZE, 128);
	CHECK_EQ(np_vxlan_encap(skb, &tx), 0);
	CHECK_EQ(skb->len, 65535 + 14);
	bytes_of(skb, g_out);
	CHECK_EQ(get16(g_out + 16), 65535);
	CHECK_EQ(csum(0, g_out + 14, 20), 0);
	np_consume_skb(skb);
	env_fini(&e);
}

/* ---- the source port ---- */

static uint16_t port_of(struct env *e, const struct np_vxlan_cfg *tx, const unsigned char *f,
			uint32_t len)
{
	struct np_skb *skb = skb_of(e, f, len, len, 0, 128);
	uint16_t p = np_vxlan_src_port(skb, tx);

	CHECK_EQ(np_vxlan_encap(skb, tx), 0);
	bytes_of(skb, g_out);
	CHECK_EQ(get16(g_out + 34), p);		/* encap uses the port announced */
	np_consume_skb(skb);
	return p;
}

static void test_src_port(void)
{
	static uint8_t seen[65536];
	struct np_vxlan_cfg tx = cfg_tx();
	unsigned char f[200], g[200];
	unsigned int distinct = 0;
	struct env e;
	uint16_t p;

	env_init_flags(&e, NULL, ENV_OWN_NAPI);
	/* one flow, one port: payload and length do not matter */
	inner_udp(f, 200, 1, 2, 1111, 2222, 0, 1);
	p = port_of(&e, &tx, f, 200);
	inner_udp(f, 120, 1, 2, 1111, 2222, 0, 9);
	CHECK_EQ(port_of(&e, &tx, f, 120), p);
	/* the reverse direction too */
	inner_udp(f, 120, 2, 1, 2222, 1111, 0, 9);
	CHECK_EQ(port_of(&e, &tx, f, 120), p);
	/* fragments of one datagram share a port with each other, whatever the ports say */
	inner_udp(f, 200, 1, 2, 1111, 2222, 0, 1);
	inner_udp(g, 200, 1, 2, 3333, 4444, 0, 1);
	put16(f + 20, 0x2000);			/* first fragment: MF */
	put16(g + 20, 0x00b9);			/* a later one */
	ip_csum_fix(f + 14);
	ip_csum_fix(g + 14);
	CHECK_EQ(port_of(&e, &tx, f, 200), port_of(&e, &tx, g, 200));
	/* 4096 flows spread over the range */
	for (unsigned int i = 0; i < 4096; i++) {
		inner_udp(f, 64, (uint8_t)(i & 0xff), 200, (uint16_t)(1024 + (i >> 8)), 80, 0, 0);
		p = port_of(&e, &tx, f, 64);
		CHECK(p >= 32768 && p <= 60999);
		distinct += !seen[p]++;
	}
	CHECK(distinct > 3800);
	/* non-IP frames (ARP): by their Ethernet addresses */
	memset(f, 0, 60);
	memcpy(f, "\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\x01\x08\x06", 14);
	p = port_of(&e, &tx, f, 60);
	CHECK_EQ(port_of(&e, &tx, f, 60), p);
	f[11] = 2;
	CHECK(port_of(&e, &tx, f, 60) != p);
	/* a configured range, and a range of one */
	tx.port_min = 1000;
	tx.port_max = 1003;
	memset(seen, 0, sizeof(seen));
	distinct = 0;
	for (unsigned int i = 0; i < 64; i++) {
		inner_udp(f, 64, (uint8_t)i, 9, 5, 6, 0, 0);
		p = port_of(&e, &tx, f, 64);
		CHECK(p >= 1000 && p <= 1003);
		distinct += !seen[p]++;
	}
	CHECK_EQ(distinct, 4);
	tx.port_min = tx.port_max = 4242;
	CHECK_EQ(port_of(&e, &tx, f, 64), 4242);
	env_fini(&e);
}

/* ---- decapsulation ---- */

/* A VXLAN frame for cfg_rx(@tx) carrying g_in's @ilen bytes, into @o. Return: its length. */
static uint32_t outer_frame(struct env *e, const struct np_vxlan_cfg *tx, uint32_t ilen,
			    unsigned char *o)
{
	struct np_skb *skb = skb_of(e, g_in, ilen, ilen, 0, 128);
	uint32_t n;

	CHECK_EQ(np_vxlan_encap(skb, tx), 0);
	n = bytes_of(skb, o);
	np_consume_skb(skb);
	return n;
}

/* Decap @n bytes of @o (as a linear and as a nonlinear skb): @want, and @skb unchanged unless 0. */
static void decap_expect(struct env *e, const struct np_vxlan_cfg *rx, const unsigned char *o,
			 uint32_t n, int want)
{
	for (int layout = 0; layout < 3; layout++) {
		struct np_skb *skb = layout == 0 ? skb_of(e, o, n, n, 0, 64) :
				     layout == 1 ? skb_of(e, o, n, 14, 25, 64) :
						   skb_of(e, o, n, 60, 3000, 64);
		struct np_skb *clone = layout == 2 ? np_skb_clone(skb) : NULL;
		int rc = np_vxlan_decap(skb, rx);

		if (rc != want) {
			fprintf(stderr, "FAIL: decap layout %d gave %d, want %d\n", layout, rc,
				want);
			exit(1);
		}
		if (rc) {
			CHECK_EQ(bytes_of(skb, g_back), n);
			CHECK(!memcmp(g_back, o, n));
		}
		if (clone) {
			CHECK_EQ(bytes_of(clone, g_back), n);
			CHECK(!memcmp(g_back, o, n));
			np_consume_skb(clone);
		}
		np_kfree_skb(skb);
	}
}

static void test_decap(void)
{
	static unsigned char o[4000], m[4000];
	struct np_vxlan_cfg tx = cfg_tx(), rx = cfg_rx(&tx), other;
	unsigned char *ip = m + 14, *udp = m + 34, *vx = m + 42;
	struct np_skb *skb;
	uint32_t ilen, n;
	struct env e;

	env_init_flags(&e, NULL, ENV_OWN_NAPI);
	ilen = inner_udp(g_in, 1000, 1, 2, 3, 4, 0, 5);
	n = outer_frame(&e, &tx, ilen, o);
	decap_expect(&e, &rx, o, n, 0);

	/* padding after the datagram (a short frame padded to 60, or anything): trimmed */
	memcpy(m, o, n);
	memset(m + n, 0xcc, 40);
	skb = skb_of(&e, m, n + 40, 100, 500, 64);
	CHECK_EQ(np_vxlan_decap(skb, &rx), 0);
	CHECK_EQ(bytes_of(skb, g_back), ilen);
	CHECK(!memcmp(g_back, g_in, ilen));
	np_consume_skb(skb);

	/* a group destination MAC is taken; the IHL with options too */
	memcpy(m, o, n);
	memset(m, 0xff, 6);
	decap_expect(&e, &rx, m, n, 0);
	memcpy(m, o, 34);
	m[14] = 0x46;
	put16(m + 16, get16(o + 16) + 4);
	memcpy(m + 34, "\x01\x01\x01\x00", 4);	/* NOP NOP NOP END */
	memcpy(m + 38, o + 34, n - 34);
	ip_csum_fix(m + 14);
	decap_expect(&e, &rx, m, n + 4, 0);

	/* a UDP checksum, right (taken) and wrong (refused) */
	tx.udp_csum = true;
	n = outer_frame(&e, &tx, ilen, o);
	tx.udp_csum = false;
	decap_expect(&e, &rx, o, n, 0);
	memcpy(m, o, n);
	m[n - 1] ^= 1;
	decap_expect(&e, &rx, m, n, -EBADMSG);
	n = outer_frame(&e, &tx, ilen, o);

	/* not for this endpoint: passed on untouched */
	other = rx;
	other.local = ip4("192.0.2.99");
	decap_expect(&e, &other, o, n, -ENOENT);
	other = rx;
	other.src_mac[5] ^= 1;
	decap_expect(&e, &other, o, n, -ENOENT);
	decap_expect(&e, &rx, o, 33, -ENOENT);		/* no room for an IPv4 header */
	decap_expect(&e, &rx, g_in, ilen, -ENOENT);	/* the inner frame itself */
	memcpy(m, o, n);
	put16(m + 12, 0x0806);
	decap_expect(&e, &rx, m, n, -ENOENT);
	memcpy(m, o, n);
	m[14] = 0x65;
	decap_expect(&e, &rx, m, n, -ENOENT);

	/* for it, but not to be delivered */
#define MUTATE(stmt, fix, want)                                 \
	do {                                                    \
		memcpy(m, o, n);                                \
		stmt;                                           \
		if (fix)                                        \
			ip_csum_fix(ip);                        \
		decap_expect(&e, &rx, m, n, want);              \
	} while (0)
	MUTATE(ip[0] = 0x44, false, -EBADMSG);			/* IHL 4 */
	MUTATE(ip[0] = 0x4f, false, -EBADMSG);			/* IHL 15: bad checksum */
	MUTATE(ip[10] ^= 0x40, false, -EBADMSG);		/* the header checksum */
	MUTATE(put16(ip + 2, n - 14 + 1), true, -EBADMSG);	/* total length past the frame */
	MUTATE(put16(ip + 2, 19), true, -EBADMSG);		/* shorter than its header */
	MUTATE(put16(ip + 2, 27), true, -EBADMSG);		/* no room for UDP */
	MUTATE(put16(ip + 6, 0x2000), true, -EOPNOTSUPP);	/* MF */
	MUTATE(put16(ip + 6, 0x0010), true, -EOPNOTSUPP);	/* an offset */
	MUTATE(ip[9] = 6, true, -EPROTO);			/* TCP */
	MUTATE(put16(udp + 2, 4790), true, -EPROTO);		/* another port */
	/* UDP lengths: past the IP payload, below UDP's header, no room for VXLAN and Ethernet */
	MUTATE(put16(udp + 4, get16(ip + 2) - 20 + 1), true, -EBADMSG);
	MUTATE(put16(udp + 4, 7), true, -EBADMSG);
	MUTATE(put16(udp + 4, 29), true, -EBADMSG);
	MUTATE(vx[0] = 0x00, true, -EBADMSG);			/* no I flag */
	MUTATE(vx[0] = 0x0c, true, -EBADMSG);			/* an unknown flag */
	MUTATE(vx[2] = 0x01, true, -EBADMSG);			/* reserved bits */
	MUTATE(vx[7] = 0x01, true, -EBADMSG);
	MUTATE(vx[6] = 43, true, -ENXIO);			/* another VNI */
#undef MUTATE
	/* a UDP length shorter than the IP payload: the datagram is what UDP says */
	memcpy(m, o, n);
	put16(udp + 4, get16(udp + 4) - 10);
	skb = skb_of(&e, m, n, n, 0, 64);
	CHECK_EQ(np_vxlan_decap(skb, &rx), 0);
	CHECK_EQ(skb->len, ilen - 10);
	np_consume_skb(skb);
	env_fini(&e);
}

static void test_decap_ecn(void)
{
	static unsigned char o[2000];
	struct np_vxlan_cfg tx = cfg_tx(), rx = cfg_rx(&tx);
	struct np_skb *skb, *clone;
	uint32_t ilen, n;
	struct env e;

	env_init_flags(&e, NULL, ENV_OWN_NAPI);
	for (uint8_t in_ecn = 0; in_ecn < 4; in_ecn++) {
		ilen = inner_udp(g_in, 500, 1, 2, 3, 4, in_ecn, 1);
		n = outer_frame(&e, &tx, ilen, o);
		o[15] |= 3;			/* congestion on the way: CE */
		ip_csum_fix(o + 14);
		for (int cloned = 0; cloned < 2; cloned++) {
			skb = skb_of(&e, o, n, 40, 200, 64);
			clone = cloned ? np_skb_clone(skb) : NULL;
			if (!in_ecn) {
				/* not ECN-capable inside: dropped, as Linux does */
				CHECK_EQ(np_vxlan_decap(skb, &rx), -EBADMSG);
			} else {
				CHECK_EQ(np_vxlan_decap(skb, &rx), 0);
				CHECK_EQ(bytes_of(skb, g_back), ilen);
				CHECK_EQ(g_back[15] & 3, 3);
				CHECK_EQ(csum(0, g_back + 14, 20), 0);
				/* nothing else changed */
				g_back[15] = g_in[15];
				ip_csum_fix(g_back + 14);
				CHECK(!memcmp(g_back, g_in, ilen));
			}
			if (clone) {
				CHECK_EQ(bytes_of(clone, g_back), n);
				CHECK(!memcmp(g_back, o, n));
				np_consume_skb(clone);
			}
			np_kfree_skb(skb);
		}
	}
	/* CE outside, no IP inside (ARP): delivered as it is */
	memset(g_in, 0, 60);
	memcpy(g_in, "\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\x01\x08\x06", 14);
	n = outer_frame(&e, &tx, 60, o);
	o[15] |= 3;
	ip_csum_fix(o + 14);
	skb = skb_of(&e, o, n, n, 0, 64);
	CHECK_EQ(np_vxlan_decap(skb, &rx), 0);
	CHECK_EQ(bytes_of(skb, g_back), 60);
	CHECK(!memcmp(g_back, g_in, 60));
	np_consume_skb(skb);
	env_fini(&e);
}

/* Random corruption of good frames: any answer but a crash, a leak or a wrong length. */
static void test_decap_random(void)
{
	static unsigned char o[1600], m[1600];
	struct np_vxlan_cfg tx = cfg_tx(), rx = cfg_rx(&tx);
	uint64_t s = 0x9e3779b97f4a7c15ull;
	unsigned int ok = 0, rounds = 20000;
	uint32_t ilen, n;
	struct env e;

	env_init_flags(&e, NULL, ENV_OWN_NAPI);
	tx.udp_csum = true;
	ilen = inner_udp(g_in, 300, 1, 2, 3, 4, 1, 5);
	n = outer_frame(&e, &tx, ilen, o);
	for (unsigned int r = 0; r < rounds; r++) {
		uint32_t len = n, flips = 1 + (uint32_t)(t_xorshift(&s) % 4);
		struct np_skb *skb;
		int rc;

		memcpy(m, o, n);
		for (uint32_t k = 0; k < flips; k++)
			m[t_xorshift(&s) % 80] ^= (unsigned char)(1u << (t_xorshift(&s) % 8));
		if (r % 3 == 0)
			len = 14 + (uint32_t)(t_xorshift(&s) % (n - 14));	/* truncated */
		if (r % 5 == 0)
			ip_csum_fix(m + 14);
		skb = skb_of(&e, m, len, 1 + (uint32_t)(t_xorshift(&s) % 100),
			     1 + (uint32_t)(t_xorshift(&s) % 200), 64);
		rc = np_vxlan_decap(skb, &rx);
		CHECK(rc == 0 || rc == -ENOENT || rc == -EBADMSG || rc == -EPROTO ||
		      rc == -EOPNOTSUPP || rc == -ENXIO);
		if (rc == 0) {
			ok++;
			CHECK(skb->len >= 14 && skb->len <= ilen);
		}
		np_kfree_skb(skb);
	}
	printf("random decap: %u of %u corrupted frames still decapsulated\n", ok, rounds);
	env_fini(&e);
}

int main(void)
{
	np_set_print(t_log_capture);
	test_encap_layouts();
	test_encap_options();
	test_encap_refused();
	test_src_port();
	test_decap();
	test_decap_ecn();
	test_decap_random();
	CHECK_EQ(np_skb_live(), 0);
	printf("vxlan: ok\n");
	return 0;
}
