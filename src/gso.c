/* SPDX-License-Identifier: MIT */
/*
 * GSO and checksums on the way out: what a forwarder does for an egress that
 * cannot take a packet as it is, as the kernel's validate_xmit_skb() does
 * before a driver sees it. A GSO skb (a 64 KiB TSO or USO frame from a TAP,
 * a GRO packet) whose type the egress cannot take whole is cut into packets
 * of gso_size payload by np_skb_segment(), which copies the headers and
 * shares the payload's pages; this file then does the protocols' part of
 * each packet, as inet_gso_segment(), tcp_gso_segment() and
 * __udp_gso_segment() do: lengths, IPv4 IDs and header checksum, TCP
 * sequence numbers and flags, L4 checksums. A partial checksum the egress
 * cannot complete is completed here (skb_checksum_help()).
 *
 * The gso fields of an skb from a TAP came from outside: every header is
 * checked against them and against the packet's length before anything is
 * cut, and an skb that disagrees is refused (-EPROTO), never segmented on
 * trust.
 *
 * Checksums: sums of the 16-bit words as they lie in memory, so the result
 * is stored with memcpy whatever the host's byte order (RFC 1071); a piece
 * that starts at an odd offset of the summed range is byte-swapped before it
 * is added.
 */
#include <arpa/inet.h>
#include <string.h>
#include "internal.h"
#include "netpool/napi.h"
#include "netpool/napi_ctx.h"
#include "netpool/skb.h"
#include "netpool/stack.h"

#define GSO_ETH_HLEN	14u
#define GSO_VLAN_HLEN	4u
#define GSO_IP4_HLEN	20u
#define GSO_IP6_HLEN	40u
#define GSO_TCP_HLEN	20u
#define GSO_UDP_HLEN	8u

#define GSO_TCP_FIN	0x01u
#define GSO_TCP_PSH	0x08u
#define GSO_TCP_CWR	0x80u

/* ---- checksums ---- */

/* A piece's sum into @acc; one that starts at an odd offset of the range is byte-swapped. */
static uint64_t csum_piece(uint64_t acc, const void *p, uint32_t len, uint32_t pos)
{
	uint32_t s = np_csum_partial(p, len, 0);

	if (pos & 1) {
		s = (s & 0xffffu) + (s >> 16);
		s = (s & 0xffffu) + (s >> 16);
		s = ((s & 0xffu) << 8) | (s >> 8);
	}
	return acc + s;
}

/* @len bytes from @offset of @skb into @acc, the range's bytes before them counted in @pos. */
static int skb_csum_walk(const struct np_skb *skb, uint32_t offset, uint32_t len, uint64_t *acc,
			 uint32_t *pos)
{
	const struct np_skb_shared_info *sh = np_skb_shinfo(skb);
	uint32_t start = np_skb_headlen(skb), n;

	if (offset > skb->len || len > skb->len - offset)
		return -EFAULT;
	if (offset < start) {
		n = NP_MIN(start - offset, len);
		*acc = csum_piece(*acc, skb->data + offset, n, *pos);
		*pos += n;
		offset += n;
		len -= n;
	}
	for (unsigned int i = 0; len && i < sh->nr_frags; i++) {
		const struct np_skb_frag *f = &sh->frags[i];
		uint32_t end = start + f->len;

		if (offset < end) {
			n = NP_MIN(end - offset, len);
			*acc = csum_piece(*acc, (char *)np_skb_frag_address(f) + (offset - start), n,
					  *pos);
			*pos += n;
			offset += n;
			len -= n;
		}
		start = end;
	}
	for (const struct np_skb *l = sh->frag_list; len && l; l = l->next) {
		uint32_t end = start + l->len;

		if (offset < end) {
			n = NP_MIN(end - offset, len);
			if (skb_csum_walk(l, offset - start, n, acc, pos))
				return -EFAULT;
			offset += n;
			len -= n;
		}
		start = end;
	}
	return len ? -EFAULT : 0;
}

int np_skb_checksum(const struct np_skb *skb, uint32_t offset, uint32_t len, uint32_t sum,
		    uint32_t *out)
{
	uint64_t acc = sum;
	uint32_t pos = 0;
	int err = skb_csum_walk(skb, offset, len, &acc, &pos);

	if (!err)
		*out = np_csum_fold64(acc);
	return err;
}

int np_skb_checksum_help(struct np_skb *skb)
{
	uint32_t start, field, sum;
	uint16_t c;
	int err;

	if (skb->ip_summed != NP_CHECKSUM_PARTIAL)
		return 0;
	if (skb->csum_start < np_skb_headroom(skb))
		return -EINVAL;
	start = skb->csum_start - np_skb_headroom(skb);
	field = start + skb->csum_offset;
	if (start >= skb->len || skb->len - start < 2 || skb->csum_offset > skb->len - start - 2)
		return -EINVAL;
	/* the field is written: a private head that holds it */
	if (np_skb_cloned(skb)) {
		err = np_skb_cow_head(skb, 0);
		if (err)
			return err;
	}
	if (field + 2 > np_skb_headlen(skb) && !np_pskb_may_pull(skb, field + 2))
		return -ENOMEM;
	err = np_skb_checksum(skb, start, skb->len - start, 0, &sum);
	if (err)
		return -EINVAL;
	c = np_csum_fold(sum);
	/*
	 * 0 means "no checksum" to UDP: it takes the other zero. The kernel
	 * writes 0xffff whatever the protocol; a TCP sum of 0 stays 0 here, as
	 * strict readers (RFC 1624) expect.
	 */
	if (!c && skb->csum_offset == 6)
		c = 0xffff;
	memcpy(skb->data + field, &c, 2);
	skb->ip_summed = NP_CHECKSUM_NONE;
	return 0;
}

/* ---- GSO ---- */

static inline uint16_t rd16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void wr16(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static inline uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void wr32(unsigned char *p, uint32_t v)
{
	wr16(p, v >> 16);
	wr16(p + 2, v);
}

/* Where a GSO skb's headers are, from skb->data, once checked. */
struct gso_hdrs {
	uint32_t l3;		/* the IP header */
	uint32_t l4;		/* the TCP or UDP header */
	uint32_t hlen;		/* all headers: the payload starts here */
	uint8_t proto;		/* 6 TCP, 17 UDP */
	bool v6;
	bool id_fixed;		/* IPv4: every segment keeps the first's ID */
};

/* The first @n bytes into the head. Return: 0, -EPROTO (the packet is shorter), -ENOMEM. */
static int gso_pull(struct np_skb *skb, uint32_t n)
{
	if (n > skb->len)
		return -EPROTO;
	return np_pskb_may_pull(skb, n) ? 0 : -ENOMEM;
}

/*
 * Find and check the headers: Ethernet (one VLAN tag at most), IPv4 (no
 * fragment, total length the packet's) or IPv6 (no extension header,
 * payload length the packet's), TCP or UDP (length the packet's), payload
 * after them. The headers end up in the head.
 */
static int gso_parse(struct np_skb *skb, struct gso_hdrs *h)
{
	const unsigned char *p;
	uint32_t l3 = GSO_ETH_HLEN, hl;
	uint16_t type;
	int err;

	if ((err = gso_pull(skb, GSO_ETH_HLEN)))
		return err;
	type = rd16(skb->data + 12);
	if (type == 0x8100) {
		if ((err = gso_pull(skb, GSO_ETH_HLEN + GSO_VLAN_HLEN)))
			return err;
		type = rd16(skb->data + 16);
		l3 += GSO_VLAN_HLEN;
	}
	h->l3 = l3;
	if (type == 0x0800) {
		if ((err = gso_pull(skb, l3 + GSO_IP4_HLEN)))
			return err;
		p = skb->data + l3;
		hl = (p[0] & 0x0fu) * 4u;
		if ((p[0] >> 4) != 4 || hl < GSO_IP4_HLEN)
			return -EPROTO;
		if ((err = gso_pull(skb, l3 + hl)))
			return err;
		p = skb->data + l3;
		if ((rd16(p + 6) & 0x3fffu) || rd16(p + 2) != skb->len - l3)
			return -EPROTO;
		h->proto = p[9];
		h->l4 = l3 + hl;
		h->v6 = false;
	} else if (type == 0x86dd) {
		if ((err = gso_pull(skb, l3 + GSO_IP6_HLEN)))
			return err;
		p = skb->data + l3;
		if ((p[0] >> 4) != 6 || rd16(p + 4) != skb->len - l3 - GSO_IP6_HLEN)
			return -EPROTO;
		h->proto = p[6];
		h->l4 = l3 + GSO_IP6_HLEN;
		h->v6 = true;
	} else {
		return -EPROTO;
	}
	if (h->proto == 6) {
		if ((err = gso_pull(skb, h->l4 + GSO_TCP_HLEN)))
			return err;
		hl = (uint32_t)(skb->data[h->l4 + 12] >> 4) * 4u;
		if (hl < GSO_TCP_HLEN)
			return -EPROTO;
		if ((err = gso_pull(skb, h->l4 + hl)))
			return err;
		h->hlen = h->l4 + hl;
	} else if (h->proto == 17) {
		if ((err = gso_pull(skb, h->l4 + GSO_UDP_HLEN)))
			return err;
		if (rd16(skb->data + h->l4 + 4) != skb->len - h->l4)
			return -EPROTO;
		h->hlen = h->l4 + GSO_UDP_HLEN;
	} else {
		return -EPROTO;
	}
	return h->hlen < skb->len ? 0 : -EPROTO;
}

/* The pseudo header of a packet whose IP header is at @ip, @l4len bytes of L4. */
static uint32_t gso_pseudo(const struct gso_hdrs *h, const unsigned char *ip, uint32_t l4len)
{
	uint32_t s, d;

	if (h->v6)
		return np_csum_pseudo6(ip + 8, ip + 24, l4len, h->proto, 0);
	memcpy(&s, ip + 12, 4);
	memcpy(&d, ip + 16, 4);
	return np_csum_pseudo4(s, d, l4len, h->proto, 0);
}

/*
 * The L4 checksum of @skb (headers at @h, in its head): complete, or the
 * pseudo header seeded and left partial for an egress that completes it.
 */
static void gso_l4_csum(struct np_skb *skb, const struct gso_hdrs *h, bool hw)
{
	unsigned char *ip = skb->data + h->l3;
	uint32_t l4len = skb->len - h->l4, field = h->l4 + (h->proto == 6 ? 16u : 6u), sum;
	uint16_t c = 0;

	skb->csum_start = (uint16_t)(np_skb_headroom(skb) + h->l4);
	skb->csum_offset = (uint16_t)(field - h->l4);
	memcpy(skb->data + field, &c, 2);
	sum = gso_pseudo(h, ip, l4len);
	if (hw) {
		c = (uint16_t)~np_csum_fold(sum);
		skb->ip_summed = NP_CHECKSUM_PARTIAL;
	} else {
		/* the segment's bytes are all there: it cannot fail */
		(void)np_skb_checksum(skb, h->l4, l4len, sum, &sum);
		c = np_csum_fold(sum);
		if (!c && h->proto == 17)
			c = 0xffff;	/* UDP's other zero; TCP keeps 0 */
		skb->ip_summed = NP_CHECKSUM_NONE;
	}
	memcpy(skb->data + field, &c, 2);
}

/* Segment @i of @n: its lengths, ID, sequence number, flags and checksums. */
static void gso_fix(struct np_skb *seg, const struct gso_hdrs *h, uint32_t i, uint32_t n,
		    uint32_t mss, uint32_t seq0, uint16_t id0, uint8_t flags0, bool hw)
{
	unsigned char *ip = seg->data + h->l3, *l4 = seg->data + h->l4;
	uint32_t hr = np_skb_headroom(seg);

	if (h->v6) {
		wr16(ip + 4, seg->len - h->l3 - GSO_IP6_HLEN);
	} else {
		uint32_t hl = h->l4 - h->l3;
		uint16_t c = 0;

		wr16(ip + 2, seg->len - h->l3);
		wr16(ip + 4, (uint16_t)(id0 + (h->id_fixed ? 0 : i)));
		memcpy(ip + 10, &c, 2);
		c = np_csum_fold(np_csum_partial(ip, hl, 0));
		memcpy(ip + 10, &c, 2);
	}
	if (h->proto == 6) {
		uint8_t fl = flags0;

		wr32(l4 + 4, seq0 + i * mss);
		if (i)
			fl &= (uint8_t)~GSO_TCP_CWR;
		if (i + 1 < n)
			fl &= (uint8_t)~(GSO_TCP_FIN | GSO_TCP_PSH);
		l4[13] = fl;
	} else {
		wr16(l4 + 4, seg->len - h->l4);
	}
	gso_l4_csum(seg, h, hw);
	seg->mac_header = (uint16_t)hr;
	seg->network_header = (uint16_t)(hr + h->l3);
	seg->transport_header = (uint16_t)(hr + h->l4);
}

bool np_netif_needs_gso(const struct np_skb *skb, np_netdev_features_t features)
{
	const struct np_skb_shared_info *sh = np_skb_shinfo(skb);
	np_netdev_features_t need = NP_NETIF_F_HW_CSUM;

	if (!sh->gso_size)
		return false;
	/* whole only with its checksum left to the device */
	if (skb->ip_summed != NP_CHECKSUM_PARTIAL)
		return true;
	switch (sh->gso_type & ~(NP_SKB_GSO_TCP_ECN | NP_SKB_GSO_DODGY | NP_SKB_GSO_TCP_FIXEDID)) {
	case NP_SKB_GSO_TCPV4:
		need |= NP_NETIF_F_TSO;
		break;
	case NP_SKB_GSO_TCPV6:
		need |= NP_NETIF_F_TSO6;
		break;
	case NP_SKB_GSO_UDP_L4:
		need |= NP_NETIF_F_GSO_UDP_L4;
		break;
	default:
		return true;
	}
	if (sh->gso_type & NP_SKB_GSO_TCP_ECN)
		need |= NP_NETIF_F_TSO_ECN;
	/* one that would count up the IDs of a fixed-ID train takes it only if it says so */
	if (sh->gso_type & NP_SKB_GSO_TCP_FIXEDID)
		need |= NP_NETIF_F_TSO_MANGLEID;
	return (features & need) != need;
}

int np_skb_gso_segment(struct np_skb *skb, np_netdev_features_t features, struct np_skb **segs)
{
	const struct np_skb_shared_info *sh = np_skb_shinfo(skb);
	uint32_t mss = sh->gso_size, type, n = 0, i = 0, seq0 = 0;
	uint16_t id0 = 0;
	uint8_t flags0 = 0;
	struct gso_hdrs h;
	struct np_skb *list;
	int err;

	type = sh->gso_type & ~(NP_SKB_GSO_TCP_ECN | NP_SKB_GSO_DODGY | NP_SKB_GSO_TCP_FIXEDID);
	if (!mss || mss == NP_GSO_BY_FRAGS ||
	    (type != NP_SKB_GSO_TCPV4 && type != NP_SKB_GSO_TCPV6 && type != NP_SKB_GSO_UDP_L4))
		return -EINVAL;
	err = gso_parse(skb, &h);
	if (err)
		return err;
	if ((type == NP_SKB_GSO_TCPV4 && (h.v6 || h.proto != 6)) ||
	    (type == NP_SKB_GSO_TCPV6 && (!h.v6 || h.proto != 6)) ||
	    (type == NP_SKB_GSO_UDP_L4 && h.proto != 17))
		return -EPROTO;
	if (h.proto == 6) {
		seq0 = rd32(skb->data + h.l4 + 4);
		flags0 = skb->data[h.l4 + 13];
	}
	if (!h.v6)
		id0 = rd16(skb->data + h.l3 + 4);
	h.id_fixed = !h.v6 && (sh->gso_type & NP_SKB_GSO_TCP_FIXEDID);
	/* segments share pages (SG) or copy them; never GSO_PARTIAL: each is one packet */
	list = np_skb_segment(skb, h.hlen, features & NP_NETIF_F_SG);
	if (!list)
		return -ENOMEM;
	for (struct np_skb *s = list; s; s = s->next)
		n++;
	for (struct np_skb *s = list; s; s = s->next, i++)
		gso_fix(s, &h, i, n, mss, seq0, id0, flags0, features & NP_NETIF_F_HW_CSUM);
	*segs = list;
	return 0;
}

/* @skb dropped for @err (out of memory, or headers that cannot be), counted in @st. Return: NULL. */
static struct np_skb *gso_drop(struct np_skb *skb, int err, struct np_gso_stats *st)
{
	if (err == -ENOMEM)
		st->nomem++;
	else
		st->bad++;
	np_kfree_skb_reason(skb, err == -ENOMEM ? NP_SKB_DROP_NOMEM : NP_SKB_DROP_HDR_TRUNC);
	return NULL;
}

struct np_skb *np_validate_xmit_skb(struct np_skb *skb, np_netdev_features_t features,
				    struct np_gso_stats *st)
{
	struct np_skb *segs;
	int err;

	NP_MISUSE_IF(!skb || !st, "np_validate_xmit_skb", "skb %p, stats %p", (void *)skb,
		     (void *)st);
	if (np_skb_shinfo(skb)->gso_size && np_netif_needs_gso(skb, features)) {
		err = np_skb_gso_segment(skb, features, &segs);
		if (err)
			return gso_drop(skb, err, st);
		st->segmented++;
		for (struct np_skb *s = segs; s; s = s->next)
			st->segments++;
		/* the original's pages are held by the segments now; its own references go */
		np_napi_consume_skb(skb, np_napi_ctx_current() ? NP_NAPI_WEIGHT : 0);
		return segs;
	}
	if (skb->ip_summed == NP_CHECKSUM_PARTIAL && !(features & NP_NETIF_F_HW_CSUM)) {
		err = np_skb_checksum_help(skb);
		if (err)
			return gso_drop(skb, err, st);
		st->csum_help++;
	}
	return skb;
}
