/* SPDX-License-Identifier: MIT */
/*
 * What the receive-path fuzz targets (fuzz_netdev_rx, fuzz_vnic_desc,
 * fuzz_afxdp_desc) do with a frame, picked by input bytes: the verdict the
 * XDP-like hook returns, how far it moves the data start, and the route a
 * passed skb takes through the stack. Each target is built alone by
 * scripts/fuzz.sh, so this is a header of static functions.
 */
#ifndef NETPOOL_FUZZ_ROUTE_H
#define NETPOOL_FUZZ_ROUTE_H

#include "netpool.h"

/* The verdict @v picks: 0 drop, 1 TX, 2 redirect to @to, 3 aborted, anything else pass. */
static inline enum np_xdp_action fuzz_xdp_verdict(struct np_xdp_buff *xdp, unsigned v,
						  struct np_netdev *to)
{
	switch (v) {
	case 0:
		return NP_XDP_DROP;
	case 1:
		return NP_XDP_TX;
	case 2:
		return np_xdp_redirect(xdp, to);
	case 3:
		return NP_XDP_ABORTED;
	default:
		return NP_XDP_PASS;
	}
}

/* Move the data start by -8..+7 bytes (the netdev refuses it out of the buffer). */
static inline void fuzz_xdp_nudge(struct np_xdp_buff *xdp, unsigned move)
{
	xdp->data += (int)(move % 16) - 8;
}

/* A GRO's output into the socket queue @arg. */
static inline void fuzz_to_sockq(struct np_skb *skb, void *arg)
{
	np_sockq_queue(arg, skb);
}

/* Where a passed skb goes. */
enum fuzz_route {
	FUZZ_CONSUME,	/* consumed in the poll (np_napi_consume_skb) */
	FUZZ_FREE,	/* freed (np_kfree_skb) */
	FUZZ_GRO,	/* into GRO */
	FUZZ_XMIT,	/* sent out of @out */
	FUZZ_ENCAP,	/* behind a 50-byte outer header, sent out of @out */
	FUZZ_NROUTES
};

/* @skb the way @how says, GRO into @gro, sending out of @out's queue @q. */
static inline void fuzz_route(struct np_skb *skb, enum fuzz_route how, struct np_gro *gro,
			      struct np_netdev *out, unsigned int q)
{
	static const unsigned char hdr[50] = { 0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0 };

	switch (how) {
	case FUZZ_CONSUME:
		np_napi_consume_skb(skb, NP_NAPI_WEIGHT);
		break;
	case FUZZ_FREE:
		np_kfree_skb(skb);
		break;
	case FUZZ_GRO:
		np_gro_receive(gro, skb);
		break;
	case FUZZ_XMIT:
		np_netdev_xmit(out, q, skb);
		break;
	default:
		if (np_skb_encap_push(skb, hdr, sizeof(hdr)))
			np_kfree_skb(skb);
		else
			np_netdev_xmit(out, q, skb);
		break;
	}
}

#endif /* NETPOOL_FUZZ_ROUTE_H */
