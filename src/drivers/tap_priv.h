/* SPDX-License-Identifier: MIT */
/*
 * tap_priv.h - the tap driver's own state (tap.c): its queues, each with a
 * descriptor and the RX buffers it keeps posted, and its counters.
 *
 * Not installed, not part of the API.
 */
#ifndef NETPOOL_TAP_PRIV_H
#define NETPOOL_TAP_PRIV_H

#include <net/if.h>
#include "../internal.h"
#include "netpool/tap.h"
#include "netpool/csum.h"

#define TAP_DEV_PATH	"/dev/net/tun"
#define TAP_MAX_BUFS	(NP_MAX_SKB_FRAGS + 1)

/* Room after the headroom of the head buffer, the skb's shared info behind it. */
#define TAP_BUF_LEN	((uint32_t)(NP_PAGE_SIZE - NP_XDP_HEADROOM - NP_SKB_SHINFO_SIZE))
/* The readv vector: one byte more than the longest frame we take (plain, with offloads). */
#define TAP_RX_ROOM	(NP_TAP_MAX_FRAME + 1u)
#define TAP_RX_ROOM_GSO	(NP_TAP_MAX_GSO_FRAME + 1u)
#define TAP_BUFS(room)	(1u + ((room) - TAP_BUF_LEN + (uint32_t)NP_PAGE_SIZE - 1u) / \
			 (uint32_t)NP_PAGE_SIZE)
/* The write's vector: a header, then head and frags of the skb and of its members. */
#define TAP_TX_IOV	256u

_Static_assert(TAP_BUF_LEN >= 1514, "a standard Ethernet frame fits the head buffer");
_Static_assert(TAP_BUFS(TAP_RX_ROOM) <= TAP_MAX_BUFS && TAP_BUFS(TAP_RX_ROOM_GSO) <= TAP_MAX_BUFS,
	       "the longest frame fits an skb's frags");

/* A queue's counters, in the order of struct np_tap_stats (np_tap_stats_names). */
enum tap_counter {
	TAP_RX_RUNT, TAP_RX_OVERSIZE, TAP_RX_MULTI, TAP_RX_ERRORS, TAP_TX_LINEARIZED,
	TAP_TX_ERRORS, TAP_RX_GSO, TAP_RX_CSUM_PARTIAL, TAP_RX_BAD_VNET_HDR, TAP_TX_GSO,
	TAP_TX_CSUM_PARTIAL, TAP_TX_NO_OFFLOAD, TAP_RX_CSUM_XDP, TAP_NR_COUNTERS
};
_Static_assert(TAP_NR_COUNTERS == NP_TAP_STATS_NR &&
		       offsetof(struct np_tap_stats, tx_errors) == TAP_TX_ERRORS * 8 &&
		       offsetof(struct np_tap_stats, tx_no_offload) == TAP_TX_NO_OFFLOAD * 8,
	       "the counters mirror struct np_tap_stats");

/*
 * What the virtio-net header of the frame being received says, once
 * checked: tap_rx_offload() puts it into the skb np_netdev_receive() builds.
 * Offsets from the frame's first byte.
 */
struct tap_rx_meta {
	uint8_t ip_summed;
	uint16_t csum_start, csum_offset;
	uint16_t l3;			/* the IP header (a GSO frame's) */
	uint16_t gso_size, gso_type, gso_segs;
};

struct tap_queue {
	int fd;
	unsigned int index;
	struct np_page *post[TAP_MAX_BUFS];	/* posted RX buffers, [0] the head */
	struct tap_rx_meta rx_meta;		/* the frame being handed over */
	bool rx_warned;				/* one message per queue and direction */
	atomic_bool tx_warned;			/* (several threads may transmit) */
	/* rx_* by the queue's poll; tx_* by whichever threads transmit, atomically */
	np_atomic_u64 cnt[TAP_NR_COUNTERS];
};

struct tap {
	struct np_netdev *dev;
	char ifname[IFNAMSIZ];
	unsigned int nqueues;
	unsigned int nbufs;	/* buffers behind one readv */
	uint32_t rx_room;	/* their bytes: the longest frame taken, and one */
	bool vnet;		/* frames behind a virtio-net header */
	unsigned int offloads;	/* NP_TAP_OFFLOAD_* that are on */
	struct tap_queue q[];
};

/* tap.c, for tap_fake.c: a tap with no descriptor yet; its netdev (the tap freed on an error). */
struct tap *tap_alloc(const struct np_tap_params *p);
int tap_netdev_create(struct tap *tap, const struct np_tap_params *p, struct np_netdev **out);
void tap_free(struct tap *tap);

/*
 * tap_vnet.c: the virtio-net header. Check the one received with frame @f
 * (@len bytes, the first @headlen of them at @f) against the offloads that
 * are on and the frame's headers, into @m. Return: 0, or -EPROTO (impossible).
 */
struct virtio_net_hdr;
int tap_vnet_rx_check(const struct virtio_net_hdr *h, unsigned int offloads, const uint8_t *f,
		      uint32_t len, uint32_t headlen, struct tap_rx_meta *m);
/*
 * The header for @skb (its data at the Ethernet header) into @h. Return: 0,
 * or -EOPNOTSUPP (GSO or a partial checksum @offloads do not take).
 */
int tap_vnet_tx_hdr(const struct np_skb *skb, unsigned int offloads, struct virtio_net_hdr *h);

static inline struct tap *to_tap(struct np_netdev *dev)
{
	return dev->priv;
}

#define tap_count(tq, c, n)		np_stat_add_owner((tq)->cnt[c], (n))
/* TX runs lock-free (one writev per frame): its counters take atomic adds */
#define tap_count_any(tq, c, n)		np_atomic_add_relaxed(&(tq)->cnt[c], (n))

#endif /* NETPOOL_TAP_PRIV_H */
