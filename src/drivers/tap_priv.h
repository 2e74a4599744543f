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

#define TAP_DEV_PATH	"/dev/net/tun"
#define TAP_MAX_BUFS	(NP_MAX_SKB_FRAGS + 1)

/* Room after the headroom of the head buffer, the skb's shared info behind it. */
#define TAP_BUF_LEN	((uint32_t)(NP_PAGE_SIZE - NP_XDP_HEADROOM - NP_SKB_SHINFO_SIZE))
/* The readv vector: one byte more than the longest frame we take. */
#define TAP_RX_ROOM	(NP_TAP_MAX_FRAME + 1u)

_Static_assert(TAP_BUF_LEN >= 1514, "a standard Ethernet frame fits the head buffer");
_Static_assert(1 + (TAP_RX_ROOM - TAP_BUF_LEN + NP_PAGE_SIZE - 1) / NP_PAGE_SIZE <= TAP_MAX_BUFS,
	       "the longest frame fits an skb's frags");

/* A queue's counters, in the order of struct np_tap_stats (np_tap_stats_names). */
enum tap_counter {
	TAP_RX_RUNT, TAP_RX_OVERSIZE, TAP_RX_MULTI, TAP_RX_ERRORS, TAP_TX_LINEARIZED,
	TAP_TX_ERRORS, TAP_NR_COUNTERS
};
_Static_assert(TAP_NR_COUNTERS == NP_TAP_STATS_NR &&
		       offsetof(struct np_tap_stats, tx_errors) == TAP_TX_ERRORS * 8,
	       "the counters mirror struct np_tap_stats");

struct tap_queue {
	int fd;
	unsigned int index;
	struct np_page *post[TAP_MAX_BUFS];	/* posted RX buffers, [0] the head */
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
	struct tap_queue q[];
};

static inline struct tap *to_tap(struct np_netdev *dev)
{
	return dev->priv;
}

#define tap_count(tq, c, n)		np_stat_add_owner((tq)->cnt[c], (n))
/* TX runs lock-free (one writev per frame): its counters take atomic adds */
#define tap_count_any(tq, c, n)		np_atomic_add_relaxed(&(tq)->cnt[c], (n))

#endif /* NETPOOL_TAP_PRIV_H */
