/* SPDX-License-Identifier: MIT */
/*
 * tap: the virtio-net header in front of every frame of a TAP opened with
 * IFF_VNET_HDR (the legacy 10-byte header, in the host's byte order, as the
 * kernel's tun uses it unless told otherwise).
 *
 * Receive. The header comes from the kernel, but it is outside input all the
 * same: everything it says is checked before an skb carries it, so a later
 * segmentation or checksum never works on trust. A header is impossible
 * when its flags hold anything but NEEDS_CSUM or DATA_VALID (or both), it
 * names a GSO type this end did not ask for (UFO, USO without USO, ECN
 * without TSO_ECN), a GSO frame lacks NEEDS_CSUM or gso_size, its checksum
 * start and offset leave the head buffer or the frame, hdr_len passes the
 * frame, or the headers of a GSO frame disagree with it: the Ethernet type
 * (one VLAN tag at most) and IP version its type names, the IP protocol,
 * the L4 header where csum_start says, csum_offset the TCP or UDP
 * checksum's, an IPv4 fragment or lengths (IPv4 total, IPv6 payload, UDP)
 * other than the frame's, no payload.
 *
 * Transmit. The header says what the skb's fields say: NEEDS_CSUM with the
 * checksum's start and offset for a partial checksum, the GSO type, size
 * and the length of the headers for a GSO skb (the kernel then copies those
 * into the linear part of its skb and the rest into page frags).
 */
#include <string.h>
#include <linux/virtio_net.h>
#include "tap_priv.h"

#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4	5	/* older uapi headers lack it */
#endif

#define TAP_ETH_HLEN	14u

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

#define TAP_GSO_MAX_UDP_SEGS	128u	/* the kernel's UDP_MAX_SEGMENTS */
#define TAP_GSO_MAX_TCP_SEGS	1024u	/* 64 KiB in segments of the 88-byte minimum MSS: 745 */

/* The IP and L4 headers of a GSO frame, as its header says they are. */
static int tap_vnet_gso_check(const struct virtio_net_hdr *h, uint8_t type, const uint8_t *f,
			      uint32_t len, uint32_t headlen, struct tap_rx_meta *m)
{
	uint32_t l3 = TAP_ETH_HLEN, l4 = h->csum_start, hl;
	uint16_t et = rd16(f + 12);
	uint8_t proto = type == VIRTIO_NET_HDR_GSO_UDP_L4 ? 17 : 6;
	bool v6;

	if (et == 0x8100) {
		if (headlen < TAP_ETH_HLEN + 4)
			return -EPROTO;
		et = rd16(f + 16);
		l3 += 4;
	}
	if (et == 0x0800 && type != VIRTIO_NET_HDR_GSO_TCPV6)
		v6 = false;
	else if (et == 0x86dd && type != VIRTIO_NET_HDR_GSO_TCPV4)
		v6 = true;
	else
		return -EPROTO;
	if (!v6) {
		if (headlen < l3 + 20 || (f[l3] >> 4) != 4 || (f[l3] & 0x0fu) < 5 ||
		    l4 != l3 + (f[l3] & 0x0fu) * 4u || f[l3 + 9] != proto ||
		    (rd16(f + l3 + 6) & 0x3fffu) || rd16(f + l3 + 2) != len - l3)
			return -EPROTO;
	} else {
		if (headlen < l3 + 40 || (f[l3] >> 4) != 6 || l4 != l3 + 40 || f[l3 + 6] != proto ||
		    rd16(f + l3 + 4) != len - l3 - 40)
			return -EPROTO;
	}
	if (proto == 6) {
		if (h->csum_offset != 16 || headlen < l4 + 20)
			return -EPROTO;
		hl = (uint32_t)(f[l4 + 12] >> 4) * 4u;
		if (hl < 20 || headlen < l4 + hl)
			return -EPROTO;
	} else {
		hl = 8;
		if (h->csum_offset != 6 || headlen < l4 + 8 || rd16(f + l4 + 4) != len - l4)
			return -EPROTO;
	}
	if (len <= l4 + hl)
		return -EPROTO;		/* no payload to cut */
	/*
	 * A size that is the library's GSO_BY_FRAGS mark, or one that would cut
	 * the frame into more segments than a sender would ever make (the
	 * kernel's UDP_MAX_SEGMENTS for UDP; for TCP, 64 KiB at the smallest
	 * MSS a path may have, 88 bytes, is under 800): refused here, counted
	 * as an impossible header, instead of a pile of skbs further on.
	 */
	if (h->gso_size == NP_GSO_BY_FRAGS ||
	    (len - l4 - hl + h->gso_size - 1u) / h->gso_size >
		    (proto == 17 ? TAP_GSO_MAX_UDP_SEGS : TAP_GSO_MAX_TCP_SEGS))
		return -EPROTO;
	m->l3 = (uint16_t)l3;
	m->gso_size = h->gso_size;
	m->gso_segs = (uint16_t)((len - l4 - hl + h->gso_size - 1u) / h->gso_size);
	m->gso_type = (uint16_t)(NP_SKB_GSO_DODGY |
				 (type == VIRTIO_NET_HDR_GSO_TCPV4 ? NP_SKB_GSO_TCPV4 :
				  type == VIRTIO_NET_HDR_GSO_TCPV6 ? NP_SKB_GSO_TCPV6 :
								     NP_SKB_GSO_UDP_L4) |
				 (h->gso_type & VIRTIO_NET_HDR_GSO_ECN ? NP_SKB_GSO_TCP_ECN : 0));
	return 0;
}

int tap_vnet_rx_check(const struct virtio_net_hdr *h, unsigned int offloads, const uint8_t *f,
		      uint32_t len, uint32_t headlen, struct tap_rx_meta *m)
{
	uint8_t type = h->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	bool ecn = h->gso_type & VIRTIO_NET_HDR_GSO_ECN;
	unsigned int need;

	memset(m, 0, sizeof(*m));
	if (h->flags & ~(VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID) ||
	    h->hdr_len > len)
		return -EPROTO;
	if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		/* the field is written later: in the head buffer, inside the frame */
		if (!(offloads & NP_TAP_OFFLOAD_CSUM) || h->csum_start < TAP_ETH_HLEN ||
		    (uint32_t)h->csum_start + h->csum_offset + 2u > headlen)
			return -EPROTO;
		m->ip_summed = NP_CHECKSUM_PARTIAL;
		m->csum_start = h->csum_start;
		m->csum_offset = h->csum_offset;
	} else if (h->flags & VIRTIO_NET_HDR_F_DATA_VALID) {
		m->ip_summed = NP_CHECKSUM_UNNECESSARY;
	}
	switch (type) {
	case VIRTIO_NET_HDR_GSO_NONE:
		/* nothing to cut: no size, no ECN */
		return h->gso_size || ecn ? -EPROTO : 0;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		need = NP_TAP_OFFLOAD_TSO4;
		break;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		need = NP_TAP_OFFLOAD_TSO6;
		break;
	case VIRTIO_NET_HDR_GSO_UDP_L4:
		need = NP_TAP_OFFLOAD_USO;
		break;
	default:
		return -EPROTO;		/* UFO and anything else: never asked for */
	}
	if (ecn)
		need |= NP_TAP_OFFLOAD_TSO_ECN;
	if ((offloads & need) != need || (ecn && type == VIRTIO_NET_HDR_GSO_UDP_L4) ||
	    !(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) || !h->gso_size)
		return -EPROTO;
	return tap_vnet_gso_check(h, type, f, len, headlen, m);
}

/* The length of @skb's headers up to the end of its L4 header (csum_start's). */
static uint16_t tap_vnet_hdr_len(const struct np_skb *skb, uint32_t start, bool tcp)
{
	uint8_t doff = 0x50;

	if (tcp && np_skb_copy_bits(skb, start + 12, &doff, 1))
		doff = 0x50;
	return (uint16_t)(start + (tcp ? (doff >> 4) * 4u : 8u));
}

int tap_vnet_tx_hdr(const struct np_skb *skb, unsigned int offloads, struct virtio_net_hdr *h)
{
	const struct np_skb_shared_info *sh = np_skb_shinfo(skb);
	uint32_t start = 0;
	unsigned int need = 0;
	uint16_t type;

	memset(h, 0, sizeof(*h));
	if (skb->ip_summed == NP_CHECKSUM_PARTIAL) {
		if (!(offloads & NP_TAP_OFFLOAD_CSUM) || skb->csum_start < np_skb_headroom(skb))
			return -EOPNOTSUPP;
		start = skb->csum_start - np_skb_headroom(skb);
		h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h->csum_start = (uint16_t)start;
		h->csum_offset = skb->csum_offset;
	}
	if (!sh->gso_size)
		return 0;
	/* a GSO skb leaves its checksum to the kernel, which cuts it */
	if (skb->ip_summed != NP_CHECKSUM_PARTIAL)
		return -EOPNOTSUPP;
	type = sh->gso_type & (uint16_t)~(NP_SKB_GSO_DODGY | NP_SKB_GSO_TCP_ECN |
					  NP_SKB_GSO_TCP_FIXEDID);
	if (type == NP_SKB_GSO_TCPV4) {
		h->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
		need = NP_TAP_OFFLOAD_TSO4;
	} else if (type == NP_SKB_GSO_TCPV6) {
		h->gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
		need = NP_TAP_OFFLOAD_TSO6;
	} else if (type == NP_SKB_GSO_UDP_L4) {
		h->gso_type = VIRTIO_NET_HDR_GSO_UDP_L4;
		need = NP_TAP_OFFLOAD_USO;
	} else {
		return -EOPNOTSUPP;
	}
	if (sh->gso_type & NP_SKB_GSO_TCP_ECN) {
		h->gso_type |= VIRTIO_NET_HDR_GSO_ECN;
		need |= NP_TAP_OFFLOAD_TSO_ECN;
	}
	if ((offloads & need) != need || sh->gso_size == NP_GSO_BY_FRAGS)
		return -EOPNOTSUPP;
	h->gso_size = sh->gso_size;
	h->hdr_len = tap_vnet_hdr_len(skb, start, type != NP_SKB_GSO_UDP_L4);
	return 0;
}
