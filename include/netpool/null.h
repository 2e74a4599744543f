/* SPDX-License-Identifier: MIT */
/*
 * netpool/null.h - the null driver: a port with no device behind it, the
 * twin of DPDK's net_null, so that what a forwarding loop costs is the
 * framework's own work and nothing a device (real or simulated) adds.
 *
 *   RX   pool pages of the queue ──▶ np_netdev_receive() ──▶ hook, skb, RX handler
 *   TX   np_netdev_xmit(skb) ──▶ counted, freed at once (the completion)
 *
 * RX. Each poll of a queue takes a burst of pages from the queue's pool (the
 * napi budget, or np_null_params.burst when smaller) and hands each one over
 * as a frame of frame_len bytes at NP_XDP_HEADROOM: no descriptors, no copy.
 * The frame's bytes are whatever the page holds, but for its first 42: an
 * Ethernet, IPv4 and UDP header (locally administered unicast MACs, 10.0.0.1
 * to 10.0.0.2, UDP 9 to 9, the lengths of frame_len, a valid IPv4 checksum),
 * written when a page starts its life in the pool (the page descriptor's
 * owner_data marks it), so a recycled page costs no write. Debug builds
 * (NP_DEBUG >= 1) poison idle pool pages: there the header is written for
 * every frame. A stack piece that rewrites the header in place (a MAC swap)
 * leaves it so for the page's next frames: still a valid header. With a
 * count, a queue goes quiet once it has handed out that many frames.
 *
 * TX. A transmission completes inside the call, as DPDK's net_null frees
 * what its TX burst is given: the skb (np_napi_consume_skb_bulk(), its pool
 * pages straight back into their pool's cache when the transmitting thread
 * runs that pool's napi, as a forwarder polling the receiving queue does)
 * or the XDP frame's buffer. tx_packets and tx_bytes count at the hand-over,
 * this driver's tx_completed at the free. Several threads may transmit on
 * one queue (its counters are kept under a short per-queue lock).
 *
 * Recycling is on: the skbs RX builds are marked for it. no_recycle leaves
 * them unmarked, and each page then leaves its pool as the skb is built, so
 * a run with and one without compare the pool's recycling with the
 * provider's allocation, page for page.
 */
#ifndef NETPOOL_NULL_H
#define NETPOOL_NULL_H

#include "compiler.h"
#include "dev.h"

NP_EXTERN_C_BEGIN

#define NP_NULL_FRAME_DEFAULT	64u	/* net_null's default packet size */
#define NP_NULL_FRAME_MIN	60u	/* an Ethernet frame without its FCS */
/* the longest frame: one buffer after the headroom, the skb shared info behind it */
#define NP_NULL_FRAME_MAX	((uint32_t)(NP_PAGE_SIZE - NP_XDP_HEADROOM - NP_SKB_SHINFO_SIZE))

struct np_null_params {
	const char *name;	/* NULL: "nullN" */
	unsigned int nqueues;	/* 0: 1 */
	uint32_t frame_len;	/* bytes of each received frame, NP_NULL_FRAME_MIN..MAX;
				 * 0: NP_NULL_FRAME_DEFAULT */
	bool no_recycle;	/* the driver leaves skbs unmarked (for comparison) */
	bool no_rx;		/* the port only transmits: its polls receive nothing */
	uint64_t count;		/* frames each queue receives, then none; 0: no end */
	unsigned int burst;	/* frames per poll at most, 1..NP_NAPI_WEIGHT; 0: the budget */
};

/**
 * np_null_create() - a null netdev (open it with np_netdev_open()). @params
 * NULL: every default.
 * @params: the parameters, or NULL; copied.
 * @out: the new netdev.
 * Context: any thread, as np_netdev_create(); allocates.
 * Return: 0, -EINVAL (@out NULL, nqueues above NP_NETDEV_MAX_QUEUES,
 * frame_len outside NP_NULL_FRAME_MIN..NP_NULL_FRAME_MAX, burst above
 * NP_NAPI_WEIGHT; checked before anything is allocated), -ENOMEM.
 */
NP_API int np_null_create(const struct np_null_params *params, struct np_netdev **out);

/* This driver's counters of one queue, on top of the netdev's. */
struct np_null_stats {
	uint64_t rx_headers;		/* frame headers written (a page's first frame in its
					 * pool, or every frame in debug builds) */
	uint64_t tx_completed;		/* transmissions freed: skbs and XDP frames */
	uint64_t tx_xdp_completed;	/* of those, XDP frames (TX, REDIRECT) */
	uint64_t tx_batches;		/* hand-overs: one per bulk or single transmission */
};

#define NP_NULL_STATS_NR	(sizeof(struct np_null_stats) / sizeof(uint64_t))

/**
 * np_null_stats_names - the names of struct np_null_stats' fields, in their
 * order (what ethtool -S would print), NP_NULL_STATS_NR of them.
 */
extern NP_API const char *const np_null_stats_names[];

/**
 * np_null_get_stats() - queue @q's driver counters (@q == -1: all queues summed).
 * @dev: a null netdev.
 * @q: the queue, or -1 for all.
 * @st: filled with the counters.
 * Context: any thread while @dev exists; relaxed loads, no lock.
 * Return: 0, or -EINVAL (@dev NULL, not a null netdev, @q below -1 or not
 * below the queue count, @st NULL; @st untouched).
 */
NP_API int np_null_get_stats(struct np_netdev *dev, int q, struct np_null_stats *st);

NP_EXTERN_C_END

#endif /* NETPOOL_NULL_H */
