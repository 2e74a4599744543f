/* SPDX-License-Identifier: MIT */
/*
 * VXLAN over IPv4 (RFC 7348), built and checked the way a Linux vxlan device
 * with its defaults does it, so that such a device on the other end takes
 * every packet: outer IPv4 with a real total length, ID and header checksum,
 * TTL 64 and DF clear unless configured, ECN carried both ways, UDP to 4789
 * from a port that hashes the inner flow into the ephemeral range, checksum 0
 * (or a real one), and the VXLAN header with only the I flag. Lengths come
 * from skb->len and bytes are read with np_skb_copy_bits(), so a frame in
 * frags or a frag_list is handled as a linear one.
 */
#include <string.h>
#include "internal.h"
#include "netpool/stack.h"

#define VX_ETH		14u
#define VX_IP		20u
#define VX_IP_MAX	60u
#define VX_UDP		8u
#define VX_HDR		8u
#define VX_FLAGS_I	0x08000000u	/* the first word of a VXLAN header: the I flag only */
#define VX_ETH_IP	0x0800u
#define VX_ETH_IP6	0x86ddu
#define VX_ETH_VLAN	0x8100u
#define VX_ETH_QINQ	0x88a8u
#define VX_IP_MF_OFF	0x3fffu		/* more-fragments and the fragment offset */
#define VX_ECN_MASK	0x03u
#define VX_ECN_CE	0x03u
#define VX_ECN_ECT0	0x02u

/* The first bytes of a frame decap looks at: outer Ethernet, IPv4 up to 60, UDP, VXLAN. */
#define VX_PEEK		(VX_ETH + VX_IP_MAX + VX_UDP + VX_HDR)
/* Of an inner frame, for the flow hash: Ethernet, one VLAN tag, IPv6, the ports. */
#define VX_INNER_PEEK	(VX_ETH + 4u + 40u + 4u)

static np_atomic_u32 np_vxlan_ident;

static inline uint16_t vx_get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t vx_get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void vx_put16(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static inline void vx_put32(unsigned char *p, uint32_t v)
{
	vx_put16(p, v >> 16);
	vx_put16(p + 2, v);
}

/* ---- the Internet checksum ---- */

/* Add @len bytes as big-endian 16-bit words (an odd last byte padded with 0). */
static uint64_t vx_csum_add(uint64_t sum, const unsigned char *p, uint32_t len)
{
	uint32_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += vx_get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

/* Fold to 16 bits and complement: 0 when a sum over a checksummed range verifies. */
static uint16_t vx_csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Add @len bytes of @skb from @off (head, frags, frag_list), in even-sized chunks. */
static int vx_csum_skb(const struct np_skb *skb, uint32_t off, uint32_t len, uint64_t *sum)
{
	unsigned char buf[512];

	while (len) {
		uint32_t n = NP_MIN(len, (uint32_t)sizeof(buf));
		int err = np_skb_copy_bits(skb, off, buf, n);

		if (err)
			return err;
		*sum = vx_csum_add(*sum, buf, n);
		off += n;
		len -= n;
	}
	return 0;
}

/* The UDP checksum's pseudo header: addresses (as on the wire), protocol, length. */
static uint64_t vx_pseudo(const unsigned char *ip, uint32_t udp_len)
{
	return vx_csum_add(0, ip + 12, 8) + 17u + udp_len;
}

/* ---- the inner flow ---- */

static inline uint32_t vx_mix(uint32_t h, uint32_t v)
{
	h ^= v;
	h *= 0x9e3779b1u;
	return h ^ (h >> 16);
}

static inline uint32_t vx_final(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x7feb352du;
	h ^= h >> 15;
	h *= 0x846ca68bu;
	return h ^ (h >> 16);
}

/* TCP, UDP, SCTP, UDP-Lite: a header that starts with the ports */
static bool vx_l4_has_ports(unsigned char proto)
{
	return proto == 6 || proto == 17 || proto == 132 || proto == 136;
}

/*
 * Hash @na words of addresses (two halves: source, destination) and the
 * ports, ordered so both directions of a flow give the same value.
 */
static uint32_t vx_hash_flow(uint32_t h, const uint32_t *a, unsigned int na, uint32_t ports)
{
	unsigned int half = na / 2, i;
	int cmp = memcmp(a, a + half, half * sizeof(*a));
	uint16_t sp = (uint16_t)(ports >> 16), dp = (uint16_t)ports;

	if (cmp > 0 || (cmp == 0 && sp > dp)) {
		for (i = 0; i < half; i++)
			h = vx_mix(h, a[half + i]);
		for (i = 0; i < half; i++)
			h = vx_mix(h, a[i]);
		return vx_mix(h, (uint32_t)dp << 16 | sp);
	}
	for (i = 0; i < na; i++)
		h = vx_mix(h, a[i]);
	return vx_mix(h, ports);
}

/* The flow hash of an inner frame, and the ECN bits of its IPv4/IPv6 header (0 if none). */
static uint32_t vx_inner_flow(const struct np_skb *skb, uint8_t *ecn)
{
	unsigned char b[VX_INNER_PEEK];
	uint32_t n = NP_MIN(skb->len, (uint32_t)sizeof(b)), off = VX_ETH, a[8], ports = 0;
	uint32_t h = 0x5bd1e995u;
	uint16_t type;

	*ecn = 0;
	if (np_skb_copy_bits(skb, 0, b, n) || n < VX_ETH)
		return vx_final(h ^ n);
	type = vx_get16(b + 12);
	if ((type == VX_ETH_VLAN || type == VX_ETH_QINQ) && n >= VX_ETH + 4) {
		type = vx_get16(b + 16);
		off += 4;
	}
	if (type == VX_ETH_IP && n >= off + VX_IP && (b[off] >> 4) == 4) {
		const unsigned char *ip = b + off;
		uint32_t ihl = (ip[0] & 0x0fu) * 4u;

		*ecn = ip[1] & VX_ECN_MASK;
		a[0] = vx_get32(ip + 12);
		a[1] = vx_get32(ip + 16);
		/* every fragment of a datagram hashes alike: no ports for any of them */
		if (ihl >= VX_IP && !(vx_get16(ip + 6) & VX_IP_MF_OFF) && vx_l4_has_ports(ip[9]) &&
		    n >= off + ihl + 4)
			ports = vx_get32(ip + ihl);
		return vx_final(vx_hash_flow(vx_mix(h, ip[9]), a, 2, ports));
	}
	if (type == VX_ETH_IP6 && n >= off + 40 && (b[off] >> 4) == 6) {
		const unsigned char *ip6 = b + off;

		*ecn = (ip6[1] >> 4) & VX_ECN_MASK;
		for (unsigned int i = 0; i < 8; i++)
			a[i] = vx_get32(ip6 + 8 + 4 * i);
		if (vx_l4_has_ports(ip6[6]) && n >= off + 44)
			ports = vx_get32(ip6 + 40);
		return vx_final(vx_hash_flow(vx_mix(h, ip6[6]), a, 8, ports));
	}
	/* anything else: by its Ethernet addresses and type */
	a[0] = vx_get32(b);
	a[1] = (uint32_t)vx_get16(b + 4) << 16 | vx_get16(b + 10);
	a[2] = vx_get32(b + 6);
	return vx_final(vx_mix(vx_mix(vx_mix(vx_mix(h, a[0]), a[1]), a[2]), type));
}

static void vx_port_range(const struct np_vxlan_cfg *cfg, uint16_t *lo, uint16_t *hi)
{
	if (!cfg->port_min && !cfg->port_max) {
		*lo = NP_VXLAN_PORT_MIN;
		*hi = NP_VXLAN_PORT_MAX;
	} else {
		*lo = cfg->port_min;
		*hi = cfg->port_max;
	}
}

static uint16_t vx_port_of(uint32_t hash, const struct np_vxlan_cfg *cfg)
{
	uint16_t lo, hi;

	vx_port_range(cfg, &lo, &hi);
	if (hi <= lo)
		return lo;
	/* multiply-shift: the hash's 32 bits spread evenly over the range */
	return (uint16_t)(lo + (((uint64_t)hash * (uint32_t)(hi - lo + 1u)) >> 32));
}

uint16_t np_vxlan_src_port(const struct np_skb *skb, const struct np_vxlan_cfg *cfg)
{
	uint8_t ecn;

	NP_MISUSE_IF(!skb || !cfg, "np_vxlan_src_port", "skb %p, tunnel %p", (const void *)skb,
		     (const void *)cfg);
	return vx_port_of(vx_inner_flow(skb, &ecn), cfg);
}

/* ---- encapsulation ---- */

int np_vxlan_encap(struct np_skb *skb, const struct np_vxlan_cfg *cfg)
{
	uint32_t inner, ulen, tot;
	uint16_t sport, lo, hi, id;
	unsigned char *h, *ip, *udp;
	uint8_t ecn;

	NP_MISUSE_IF(!skb || !cfg, "np_vxlan_encap", "skb %p into tunnel %p", (void *)skb,
		     (const void *)cfg);
	vx_port_range(cfg, &lo, &hi);
	if (cfg->vni > NP_VXLAN_VNI_MAX || lo > hi)
		return -EINVAL;
	inner = skb->len;
	if (inner < VX_ETH)
		return -EINVAL;
	if (inner > 0xffffu - VX_IP - VX_UDP - VX_HDR)
		return -EMSGSIZE;
	/* the inner headers are read before the head may move */
	sport = vx_port_of(vx_inner_flow(skb, &ecn), cfg);
	if (np_skb_cloned(skb) || np_skb_headroom(skb) < NP_VXLAN_HLEN) {
		int err = np_skb_cow_head(skb, NP_VXLAN_HLEN);

		if (err)
			return err;
	}
	h = np_skb_push(skb, NP_VXLAN_HLEN);
	if (np_unlikely(!h))		/* cannot be: the headroom was just made */
		return -ENOMEM;
	ulen = VX_UDP + VX_HDR + inner;
	tot = VX_IP + ulen;
	id = (uint16_t)atomic_fetch_add_explicit(&np_vxlan_ident, 1, memory_order_relaxed);

	memcpy(h, cfg->dst_mac, 6);
	memcpy(h + 6, cfg->src_mac, 6);
	vx_put16(h + 12, VX_ETH_IP);

	ip = h + VX_ETH;
	ip[0] = 0x45;
	/* ECN: the inner packet's mark, except that CE goes out as ECT(0) */
	ip[1] = (uint8_t)((cfg->tos & ~VX_ECN_MASK) | (ecn == VX_ECN_CE ? VX_ECN_ECT0 : ecn));
	vx_put16(ip + 2, tot);
	vx_put16(ip + 4, id);
	vx_put16(ip + 6, cfg->df ? 0x4000u : 0);
	ip[8] = cfg->ttl ? cfg->ttl : NP_VXLAN_TTL;
	ip[9] = 17;
	vx_put16(ip + 10, 0);
	memcpy(ip + 12, &cfg->local, 4);
	memcpy(ip + 16, &cfg->remote, 4);
	vx_put16(ip + 10, vx_csum_fold(vx_csum_add(0, ip, VX_IP)));

	udp = ip + VX_IP;
	vx_put16(udp, sport);
	vx_put16(udp + 2, cfg->dst_port ? cfg->dst_port : NP_VXLAN_PORT);
	vx_put16(udp + 4, ulen);
	vx_put16(udp + 6, 0);
	vx_put32(udp + 8, VX_FLAGS_I);
	vx_put32(udp + 12, cfg->vni << 8);
	if (cfg->udp_csum) {
		uint64_t sum = vx_pseudo(ip, ulen) + vx_csum_add(0, udp, VX_UDP + VX_HDR);
		uint16_t c;

		/* the payload cannot be out of range: it is the frame the skb holds */
		(void)vx_csum_skb(skb, NP_VXLAN_HLEN, inner, &sum);
		c = vx_csum_fold(sum);
		vx_put16(udp + 6, c ? c : 0xffffu);	/* 0 means "none" */
	}
	return 0;
}

/* ---- decapsulation ---- */

/* The inner frame's ECN bits at @off (its Ethernet header): *@ip_off the IP header, -1 if none. */
static uint8_t vx_inner_ecn(const struct np_skb *skb, uint32_t off, int *ip_off)
{
	unsigned char b[VX_ETH + 4 + 2];
	uint32_t n = NP_MIN(skb->len - off, (uint32_t)sizeof(b)), at = VX_ETH;
	uint16_t type;

	*ip_off = -1;
	if (np_skb_copy_bits(skb, off, b, n) || n < VX_ETH + 2)
		return 0;
	type = vx_get16(b + 12);
	if (type == VX_ETH_VLAN || type == VX_ETH_QINQ) {
		if (n < VX_ETH + 6)
			return 0;
		type = vx_get16(b + 16);
		at += 4;
	}
	if (type == VX_ETH_IP && (b[at] >> 4) == 4 && skb->len - off >= at + VX_IP) {
		*ip_off = (int)at;
		return b[at + 1] & VX_ECN_MASK;
	}
	if (type == VX_ETH_IP6 && (b[at] >> 4) == 6 && skb->len - off >= at + 40) {
		*ip_off = (int)at;
		return (b[at + 1] >> 4) & VX_ECN_MASK;
	}
	return 0;
}

/* Mark the IPv4/IPv6 header at @ip congestion experienced (in a private head). */
static void vx_set_ce(unsigned char *ip)
{
	if ((ip[0] >> 4) == 4) {
		uint16_t old = vx_get16(ip), now;
		uint64_t sum;

		ip[1] |= VX_ECN_CE;
		now = vx_get16(ip);
		/* the checksum follows the changed word (RFC 1624: ~(~C + ~m + m')) */
		sum = (uint16_t)~vx_get16(ip + 10) + (uint16_t)~old + (uint64_t)now;
		vx_put16(ip + 10, vx_csum_fold(sum));
	} else {
		ip[1] |= VX_ECN_CE << 4;
	}
}

int np_vxlan_decap(struct np_skb *skb, const struct np_vxlan_cfg *cfg)
{
	unsigned char b[VX_PEEK];
	const unsigned char *ip, *udp, *vx;
	uint32_t n, ihl, tot, ulen, outer;
	uint16_t port;
	uint8_t outer_ecn, inner_ecn = 0;
	int inner_ip = -1;
	bool ce = false;

	NP_MISUSE_IF(!skb || !cfg, "np_vxlan_decap", "skb %p from tunnel %p", (void *)skb,
		     (const void *)cfg);
	if (cfg->vni > NP_VXLAN_VNI_MAX)
		return -EINVAL;
	n = NP_MIN(skb->len, (uint32_t)sizeof(b));
	if (n < VX_ETH + VX_IP || np_skb_copy_bits(skb, 0, b, n))
		return -ENOENT;
	/* for this endpoint: IPv4 to its address, in a frame to its MAC (or a group's) */
	ip = b + VX_ETH;
	if (vx_get16(b + 12) != VX_ETH_IP || (!(b[0] & 1) && memcmp(b, cfg->src_mac, 6)) ||
	    (ip[0] >> 4) != 4 || memcmp(ip + 16, &cfg->local, 4))
		return -ENOENT;
	ihl = (ip[0] & 0x0fu) * 4u;
	if (ihl < VX_IP || n < VX_ETH + ihl || vx_csum_fold(vx_csum_add(0, ip, ihl)))
		return -EBADMSG;
	tot = vx_get16(ip + 2);
	if (tot < ihl || tot > skb->len - VX_ETH)
		return -EBADMSG;
	if (vx_get16(ip + 6) & VX_IP_MF_OFF)
		return -EOPNOTSUPP;
	port = cfg->dst_port ? cfg->dst_port : NP_VXLAN_PORT;
	if (ip[9] != 17)
		return -EPROTO;
	if (tot < ihl + VX_UDP)
		return -EBADMSG;
	/* the UDP header is in @b: tot fits the frame, and VX_PEEK covers a 60-byte IHL */
	udp = ip + ihl;
	if (vx_get16(udp + 2) != port)
		return -EPROTO;
	ulen = vx_get16(udp + 4);
	if (ulen > tot - ihl || ulen < VX_UDP + VX_HDR + VX_ETH)
		return -EBADMSG;
	if (vx_get16(udp + 6)) {
		uint64_t sum = vx_pseudo(ip, ulen);

		if (vx_csum_skb(skb, VX_ETH + ihl, ulen, &sum) || vx_csum_fold(sum))
			return -EBADMSG;
	}
	vx = udp + VX_UDP;
	if (vx_get32(vx) != VX_FLAGS_I || vx[7])
		return -EBADMSG;
	if ((vx_get32(vx + 4) >> 8) != cfg->vni)
		return -ENXIO;
	outer = VX_ETH + ihl + VX_UDP + VX_HDR;
	/* an outer CE mark: kept on an ECN-capable inner packet, else the packet is dropped */
	outer_ecn = ip[1] & VX_ECN_MASK;
	if (outer_ecn == VX_ECN_CE) {
		inner_ecn = vx_inner_ecn(skb, outer, &inner_ip);
		if (inner_ip >= 0 && !inner_ecn)
			return -EBADMSG;
		ce = inner_ip >= 0 && inner_ecn != VX_ECN_CE;
	}

	/* it is ours and sound: trim what lies past the datagram, pull the outer headers */
	if (skb->len > VX_ETH + ihl + ulen && np_pskb_trim(skb, VX_ETH + ihl + ulen))
		return -ENOMEM;
	if (!np_pskb_may_pull(skb, outer + NP_MAX(VX_ETH, ce ? (uint32_t)inner_ip + VX_IP : 0)))
		return -ENOMEM;
	np_skb_pull(skb, outer);
	if (ce) {
		if (np_skb_cloned(skb) && np_skb_cow_head(skb, 0))
			return -ENOMEM;
		vx_set_ce(skb->data + inner_ip);
	}
	return 0;
}
