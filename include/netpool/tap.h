/* SPDX-License-Identifier: MIT */
/*
 * netpool/tap.h - the TAP driver: a real, copying port on a Linux TAP device.
 *
 * Each queue of the netdev is one file descriptor on /dev/net/tun (opened
 * with IFF_TAP | IFF_NO_PI, and IFF_MULTI_QUEUE when there is more than one
 * queue), non-blocking. Nothing here needs BPF: the kernel spreads frames
 * over the queues by flow on its own.
 *
 *   kernel TX of the interface ──read/readv──▶ pool pages ──▶ np_netdev_receive()
 *   np_netdev_xmit(skb)  ──writev (head + frags)──▶ kernel RX of the interface
 *   XDP TX / REDIRECT    ──write (one buffer)─────▶ kernel RX of the interface
 *
 * RX. Each queue keeps a few pool pages posted: the head buffer (the frame
 * at NP_XDP_HEADROOM, params.buf_len bytes of room, the skb's shared info
 * after it) and whole pages behind it. The poll reads up to its budget of
 * frames with one readv each; a frame longer than the head buffer continues
 * in the whole pages and is delivered as a multi-buffer frame (an skb with
 * frags). Frames shorter than an Ethernet header (runts) and longer than
 * NP_TAP_MAX_FRAME (oversize) are dropped, counted in rx_bad_desc and in
 * this driver's stats, and their buffers stay posted for the next frame:
 * nothing is lost. With no page to post the poll stops (rx_nomem) and the
 * frames wait in the kernel's queue.
 *
 * TX. The kernel copies what it is given, so a transmission completes inside
 * the write: the skb (or XDP frame) is freed at once. A frag_list skb is
 * linearised first. A full kernel queue (EAGAIN) is -ENOSPC (tx_busy).
 *
 * The interface's administrative state, addresses and namespace are the
 * caller's (ip link, or ioctls on the interface); a device this driver
 * creates is not persistent and disappears when the netdev is destroyed (or
 * the process exits), in whichever namespace it is then.
 */
#ifndef NETPOOL_TAP_H
#define NETPOOL_TAP_H

#include "compiler.h"
#include "dev.h"

NP_EXTERN_C_BEGIN

#define NP_TAP_MIN_FRAME	14u	/* an Ethernet header */
#define NP_TAP_MAX_FRAME	9216u	/* the longest frame received (jumbo) */

struct np_tap_params {
	const char *ifname;	/* TAP device to create or attach to (IFF_TAP|IFF_NO_PI);
				 * NULL or "": the kernel picks a name (tapN) */
	unsigned int nqueues;	/* 0: 1; >1 uses IFF_MULTI_QUEUE */
	bool no_recycle;	/* the driver leaves skbs unmarked (for comparison) */
};

/**
 * np_tap_create() - create the TAP device @p->ifname, or attach to an
 * existing one of that name, and a netdev with one queue per descriptor
 * (open it with np_netdev_open()). The netdev is named after the interface.
 * @p: the parameters; copied.
 * @out: the new netdev.
 * Context: any thread; opens the descriptors, allocates; needs CAP_NET_ADMIN
 * unless the device exists and is owned by the caller.
 * Return: 0, or -errno with a message through the print callback:
 * -EINVAL (@p or @out NULL, nqueues above NP_NETDEV_MAX_QUEUES, the name
 * IFNAMSIZ characters or more: checked before anything is opened; an
 * interface of that name exists and is no TAP device, or its queue mode
 * differs), -EPERM/-EACCES
 * (not permitted), -ENODEV (no /dev/net/tun), -EBUSY (a single-queue device
 * already attached elsewhere), -ENOMEM, -EMFILE.
 */
NP_API int np_tap_create(const struct np_tap_params *p, struct np_netdev **out);

/**
 * np_tap_fd() - queue @q's file descriptor, e.g. to poll() on it, or to hold
 * the device while moving it into another namespace. It stays the driver's:
 * do not close it, read from it or write to it.
 * @dev: a tap netdev.
 * @q: the queue.
 * Context: any thread; the descriptor lives from create to np_netdev_destroy(),
 * open or closed. No lock.
 * Return: the descriptor, or -EINVAL (@dev NULL, not a tap netdev, @q out of range).
 */
NP_API int np_tap_fd(struct np_netdev *dev, unsigned int q);

/* This driver's counters of one queue, on top of the netdev's. */
struct np_tap_stats {
	uint64_t rx_runt;	/* frames shorter than NP_TAP_MIN_FRAME, dropped */
	uint64_t rx_oversize;	/* frames longer than NP_TAP_MAX_FRAME, dropped */
	uint64_t rx_multi;	/* frames received in more than one buffer */
	uint64_t rx_errors;	/* reads that failed (other than "nothing to read") */
	uint64_t tx_linearized;	/* frag_list skbs linearised before the write */
	uint64_t tx_errors;	/* writes that failed (other than a full queue) */
};

#define NP_TAP_STATS_NR		(sizeof(struct np_tap_stats) / sizeof(uint64_t))

/**
 * np_tap_stats_names - the names of struct np_tap_stats' fields, in their
 * order (what ethtool -S would print), NP_TAP_STATS_NR of them.
 */
extern NP_API const char *const np_tap_stats_names[];

/**
 * np_tap_get_stats() - queue @q's driver counters (@q == -1: all queues summed).
 * @dev: a tap netdev.
 * @q: the queue, or -1 for all.
 * @st: filled with the counters.
 * Context: any thread while @dev exists; relaxed loads, no lock.
 * Return: 0, or -EINVAL (@dev NULL, not a tap netdev, @q below -1 or not
 * below the queue count, @st NULL; @st untouched).
 */
NP_API int np_tap_get_stats(struct np_netdev *dev, int q, struct np_tap_stats *st);

NP_EXTERN_C_END

#endif /* NETPOOL_TAP_H */
