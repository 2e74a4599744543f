/* SPDX-License-Identifier: MIT */
/*
 * netpool/afxdp.h - a real port: an AF_XDP socket per queue over one UMEM.
 *
 * The UMEM is the pools' memory. It is one region of 16 MiB arenas that a
 * fixed page provider manages, so every 4 KiB UMEM frame is one provider page
 * and its DMA address (a umem DMA device) is its offset in the UMEM, which is
 * the address the kernel speaks:
 *
 *   UMEM  | arena 0: descriptors (65 frames, never posted) | frames ... | arena 1 ...
 *   frame | 256 B headroom | frame data (up to buf_len) | skb shared info |
 *
 * Each queue has its own page_pool over that provider, its own fill,
 * completion, RX and TX rings and its own socket (the first one registers
 * the UMEM, the others share it). The queue's poll
 *
 *   1. reaps TX completions: each address frees the transmission that used it;
 *   2. takes RX descriptors: each one is checked (inside the UMEM, a frame this
 *      queue posted, headroom, length, no option bits) and handed to
 *      np_netdev_receive() (build_skb + mark for recycle); a bad one is
 *      counted and its frame, when it is ours, recycled;
 *   3. refills the fill ring from the pool;
 *   4. kicks the kernel when TX descriptors wait.
 *
 * Transmission is zero-copy when the skb is linear and its data lies in this
 * UMEM (a frame one of our queues received, or a clone of it): the skb is held
 * until the kernel completes that address, so a clone sent twice keeps the
 * frame until both completions. Anything else (an expanded head, frags, a
 * foreign skb) is copied into a TX frame of the queue's own reserve and freed
 * at once (counted in tx_copied).
 *
 * Kernel side: an XDP program of our own (an XSKMAP redirect by RX queue,
 * falling back to XDP_PASS) is attached as the interface's single program,
 * never replacing one that is there; no bpffs and no libxdp dispatcher are
 * needed. The kernel may pick zero-copy or copy mode (veth: copy). A bind
 * refused with EBUSY right after a previous socket on the queue closed is
 * retried with backoff. Closing the netdev tears every socket and the
 * program down first, then takes every frame back: posted ones, frames in
 * flight, the TX reserve. Needs CAP_NET_ADMIN and CAP_NET_RAW (root).
 */
#ifndef NETPOOL_AFXDP_H
#define NETPOOL_AFXDP_H

#include "compiler.h"
#include "dev.h"

NP_EXTERN_C_BEGIN

struct np_afxdp_params {
	const char *ifname;
	unsigned int nqueues;		/* 0: 1 */
	unsigned int frame_count;	/* UMEM frames, 0: a sensible default */
	unsigned int ring_size;		/* 0: 2048 */
	bool no_recycle;
	bool skb_mode;			/* XDP_SKB instead of native */
};

/**
 * np_afxdp_create() - an AF_XDP netdev on @p->ifname, queues 0..nqueues-1
 * (open it with np_netdev_open(), which binds the sockets and attaches the
 * XDP program).
 * @p: parameters. ring_size is the size of every ring (fill, completion, RX,
 *   TX) of every queue, a power of two from 64 to 16384. frame_count is the
 *   number of UMEM frames the pools may use, at least 64 per queue; by default
 *   enough for full rings on every queue, rounded up to whole arenas.
 * @out: the netdev (name: the interface's).
 * Context: any thread; allocates and maps the UMEM, makes system calls (no
 * socket is bound before np_netdev_open()).
 * Return: 0, -EINVAL (@p or @out NULL, no ifname or one of IF_NAMESIZE
 * characters or more, nqueues above NP_NETDEV_MAX_QUEUES, ring_size not a
 * power of two in 64..16384, frame_count below 64 per queue or above 2^22;
 * checked before the interface is looked up), -ENODEV (no such interface),
 * -EPERM / -EOPNOTSUPP (the kernel refuses AF_XDP, or this build has no
 * libxdp), -ENOMEM. The reason is reported through the print callback.
 * np_netdev_open() may then fail with -EPERM, -EOPNOTSUPP (no native XDP:
 * try skb_mode), -EBUSY (another XDP program on the interface, or the queue
 * stayed busy), -EINVAL (no such queue).
 */
NP_API int np_afxdp_create(const struct np_afxdp_params *p, struct np_netdev **out);

/* Driver counters of one queue (or summed). */
struct np_afxdp_stats {
	/* RX descriptors refused (their sum is rx_invalid; also in rx_bad_desc) */
	uint64_t rx_invalid;
	uint64_t rx_bad_addr;		/* outside the UMEM */
	uint64_t rx_unposted;		/* not a frame this queue posted (nothing to recycle) */
	uint64_t rx_bad_headroom;	/* data before NP_XDP_HEADROOM in its frame */
	uint64_t rx_truncated;		/* shorter than an Ethernet header */
	uint64_t rx_oversized;		/* past the frame's room for data */
	uint64_t rx_bad_options;	/* multi-buffer or unknown option bits */
	/* fill ring */
	uint64_t fill_posted;		/* frames posted */
	uint64_t fill_empty;		/* refills cut short: the pool had no frame */
	/* TX */
	uint64_t tx_zerocopy;		/* sent in place from the UMEM */
	uint64_t tx_copied;		/* copied into a TX reserve frame */
	uint64_t tx_completed;
	uint64_t tx_bad_completion;	/* a completed address not in flight: ignored */
	uint64_t tx_no_frame;		/* refused: the TX reserve was empty */
	uint64_t tx_kicks;		/* sendto() wake-ups */
	uint64_t tx_kick_busy;		/* wake-ups the kernel refused for now (retried) */
	uint64_t bind_retries;		/* binds refused with EBUSY and retried */
	/* gauges */
	uint64_t frames_posted;		/* in the kernel's fill and RX rings now */
	uint64_t frames_tx;		/* TX descriptors in flight now */
	uint64_t tx_reserve;		/* TX reserve frames (all, idle or in flight) */
	uint64_t tx_reserve_free;	/* idle ones */
	/* the whole UMEM (the same in every queue's figures) */
	uint64_t umem_bytes;
	uint64_t umem_frames;		/* frames the pools and reserves may use */
	uint64_t umem_frames_out;	/* out of the provider now: pools, rings, stack, reserve */
	/* the kernel's XDP_STATISTICS, summed over this open and the ones before */
	uint64_t kern_rx_dropped, kern_rx_invalid, kern_tx_invalid;
	uint64_t kern_rx_ring_full, kern_fill_empty, kern_tx_ring_empty;
	bool zerocopy;			/* the kernel bound in zero-copy mode */
};

/* The uint64_t fields of struct np_afxdp_stats: every one but zerocopy. */
#define NP_AFXDP_STATS_NR	(offsetof(struct np_afxdp_stats, zerocopy) / sizeof(uint64_t))

/**
 * np_afxdp_stats_names - the names of struct np_afxdp_stats' uint64_t
 * fields, in their order (what ethtool -S would print), NP_AFXDP_STATS_NR
 * of them; there with or without libxdp.
 */
extern NP_API const char *const np_afxdp_stats_names[];

/**
 * np_afxdp_get_stats() - queue @q's driver counters (@q == -1: summed).
 * @dev: an afxdp netdev.
 * @q: the queue, or -1 for all.
 * @st: filled with the counters.
 * Context: any thread, but not while another thread opens or closes @dev (it
 * asks each queue's socket for the kernel's figures); relaxed loads, no lock.
 * Return: 0, or -EINVAL (@dev or @st NULL, not an afxdp netdev, @q below -1
 * or not below the queue count; @st untouched).
 */
NP_API int np_afxdp_get_stats(struct np_netdev *dev, int q, struct np_afxdp_stats *st);

NP_EXTERN_C_END

#endif /* NETPOOL_AFXDP_H */
