/* SPDX-License-Identifier: MIT */
/*
 * netpool/afxdp.h - a real port: an AF_XDP socket per queue over one UMEM.
 *
 * The UMEM is the pools' memory. It is one region of 16 MiB arenas that a
 * fixed page provider manages, so every UMEM frame is one 4 KiB provider
 * page and its DMA address (a umem DMA device) is its offset in the UMEM,
 * which is the address the kernel speaks. The kernel sees frames of
 * frame_size bytes (unaligned chunks, one at the start of each page): it
 * writes at most frame_size - NP_XDP_HEADROOM bytes into one, and the rest
 * of the page is the skb shared info, so build_skb works in place:
 *
 *   UMEM  | arena 0: descriptors (65 frames, never posted) | frames ... | arena 1 ...
 *   frame | 256 B headroom | frame data (up to buf_len) | skb shared info |
 *
 * Several netdevs may share one UMEM (np_afxdp_params.share_umem: the
 * kernel's XDP_SHARED_UMEM, each socket with its own fill and completion
 * rings), so a frame received on one port is sent out of another in place.
 * Each queue has its own page_pool over that provider, its own fill,
 * completion, RX and TX rings and its own socket. The queue's poll
 *
 *   1. reaps TX completions: each address frees the transmission that used it;
 *   2. takes RX descriptors: each one is checked (inside the UMEM, a frame this
 *      queue posted, headroom, length, option bits) and a frame's buffers
 *      (several, chained with XDP_PKT_CONTD, for a frame larger than one
 *      buffer) are handed to np_netdev_receive(): build_skb on the first,
 *      the others page frags of the same pool, marked for recycle; a bad
 *      descriptor is counted and its frame, when it is ours, recycled, with
 *      the whole chain it belonged to;
 *   3. refills the fill ring from the pool;
 *   4. kicks the kernel when TX descriptors wait and it asked to be woken.
 *
 * Transmission is in place when every piece of the skb (its head, each page
 * frag) lies in one pool frame of this UMEM (a frame one of the ports
 * sharing it received, or a clone of it): one descriptor per piece, chained
 * with XDP_PKT_CONTD, the skb held until the kernel completes each address,
 * so a clone sent twice keeps the frame until both completions. Anything
 * else (an expanded head, foreign pages, a frag list) is copied into frames
 * of the queue's own TX reserve and freed at once (counted in tx_copied).
 * A chain holds at most NP_MAX_SKB_FRAGS + 1 descriptors. In zero-copy mode
 * a device may take fewer (its xdp-zc-max-segs, which this driver does not
 * read): the kernel then refuses the chain, and its tx_invalid_descs counts it.
 *
 * Kernel side: an XDP program of our own (an XSKMAP redirect by RX queue,
 * falling back to XDP_PASS; frags-aware, so interfaces with an MTU above a
 * page accept it) or the user's (xdp_prog: an object file with an XSKMAP)
 * is attached through a BPF link, which the kernel removes when the process
 * dies however it dies. A user's program may instead go through libxdp's
 * dispatcher (xdp_multiprog), beside other programs; the dispatcher is
 * attached through netlink and pinned in bpffs, so it outlives a crash:
 * after a kill -9 'xdp-loader unload IFACE --all' removes it. A program
 * already on the interface is never replaced: the refusal names it and the
 * command that removes it. The kernel picks zero-copy or copy mode unless
 * told (veth: copy only). A bind refused with EBUSY right after a previous
 * socket on the queue closed is retried with backoff. Closing the netdev
 * tears every socket and the program down first, then takes every frame
 * back: posted ones, frames in flight, the TX reserve. Needs CAP_NET_ADMIN
 * and CAP_NET_RAW (root).
 */
#ifndef NETPOOL_AFXDP_H
#define NETPOOL_AFXDP_H

#include "compiler.h"
#include "dev.h"

NP_EXTERN_C_BEGIN

/* How the sockets bind (the kernel's XDP_COPY / XDP_ZEROCOPY). */
enum np_afxdp_bind {
	NP_AFXDP_BIND_AUTO = 0,		/* the kernel picks: zero-copy where the driver has it */
	NP_AFXDP_BIND_COPY,		/* copy mode */
	NP_AFXDP_BIND_ZEROCOPY,		/* zero-copy, or an error where the driver has none */
};

/* The largest frame_size: a page less the skb shared info that build_skb puts at its end. */
#define NP_AFXDP_FRAME_MAX	(NP_PAGE_SIZE - NP_SKB_SHINFO_SIZE)
#define NP_AFXDP_FRAME_MIN	2048u	/* the kernel's smallest chunk */

struct np_afxdp_params {
	const char *ifname;
	unsigned int nqueues;		/* 0: 1 */
	unsigned int frame_count;	/* UMEM frames, 0: a sensible default */
	unsigned int ring_size;		/* every ring's default, 0: 2048 */
	bool no_recycle;
	bool skb_mode;			/* XDP_SKB instead of native */
	/* each ring's size, 0: ring_size */
	unsigned int rx_size, tx_size, fill_size, comp_size;
	unsigned int frame_size;	/* bytes the kernel may use of a frame, 0: NP_AFXDP_FRAME_MAX */
	enum np_afxdp_bind bind;
	unsigned int busy_poll_us;	/* SO_BUSY_POLL of each socket, 0: no busy polling */
	unsigned int busy_poll_budget;	/* SO_BUSY_POLL_BUDGET, 0: NP_NAPI_WEIGHT */
	const char *xdp_prog;		/* an XDP object file with an XSKMAP, NULL: the built-in one */
	bool xdp_multiprog;		/* xdp_prog through libxdp's dispatcher (bpffs needed) */
	struct np_netdev *share_umem;	/* an afxdp netdev whose UMEM this one uses, NULL: its own */
};

/**
 * np_afxdp_create() - an AF_XDP netdev on @p->ifname, queues 0..nqueues-1
 * (open it with np_netdev_open(), which binds the sockets and attaches the
 * XDP program).
 * @p: parameters. ring_size is the default size of every ring (fill,
 *   completion, RX, TX) of every queue, rx_size .. comp_size each ring's own;
 *   each a power of two from 64 to 16384. frame_count is the number of UMEM
 *   frames the pools may use, at least 64 per queue; by default enough for
 *   full rings on every queue, rounded up to whole arenas (with share_umem:
 *   the first netdev's frames serve every netdev on the UMEM, so size them
 *   for all; frame_count, frame_size and share_umem's own must then be 0
 *   or equal). frame_size, NP_AFXDP_FRAME_MIN..NP_AFXDP_FRAME_MAX, bounds
 *   what the kernel writes into one frame (a frame larger than
 *   frame_size - NP_XDP_HEADROOM arrives as a chain of several). bind asks
 *   for copy or zero-copy mode. busy_poll_us > 0 sets SO_PREFER_BUSY_POLL,
 *   SO_BUSY_POLL and SO_BUSY_POLL_BUDGET on every socket, and the poll then
 *   drives the kernel's napi itself (see README: the interface's
 *   napi_defer_hard_irqs and gro_flush_timeout). xdp_prog names an object
 *   file whose first XDP program redirects into its (first) XSKMAP, which
 *   must hold nqueues entries; xdp_multiprog sends it through libxdp's
 *   dispatcher (bpffs mounted at /sys/fs/bpf, else np_netdev_open()
 *   fails with -EOPNOTSUPP).
 * @out: the netdev (name: the interface's).
 * Context: any thread; allocates and maps the UMEM (or takes a reference to
 * share_umem's), makes system calls (no socket is bound before
 * np_netdev_open()). With share_umem: the control thread of both netdevs.
 * Return: 0, -EINVAL (@p or @out NULL, no ifname or one of IF_NAMESIZE
 * characters or more, nqueues above NP_NETDEV_MAX_QUEUES, a ring size not a
 * power of two in 64..16384, frame_count below 64 per queue or above 2^22,
 * frame_size out of range, bind unknown, xdp_multiprog without xdp_prog,
 * share_umem not an afxdp netdev or with another frame_count or
 * frame_size; checked before the interface is
 * looked up), -ENODEV (no such interface), -EPERM / -EOPNOTSUPP (the kernel
 * refuses AF_XDP, or this build has no libxdp), -ENOMEM. The reason is
 * reported through the print callback, and so are libbpf's and libxdp's own
 * messages from the first call on (it sets libbpf_set_print() and
 * libxdp_set_print(); an application that wants them elsewhere sets its own
 * after it). np_netdev_open() may then fail with
 * -EPERM, -EOPNOTSUPP (no native XDP: try skb_mode; or no zero-copy on this
 * interface), -EBUSY (another XDP program on the interface: the message
 * names it and how to remove it; or the queue stayed busy), -EINVAL (no such
 * queue), -ENOENT (no xdp_prog file), -ENOEXEC (xdp_prog has no XDP program
 * or no XSKMAP, or its XSKMAP is too small).
 */
NP_API int np_afxdp_create(const struct np_afxdp_params *p, struct np_netdev **out);

/* Driver counters of one queue (or summed). */
struct np_afxdp_stats {
	/* RX descriptors refused (their sum is rx_invalid; also in rx_bad_desc) */
	uint64_t rx_invalid;
	uint64_t rx_bad_addr;		/* outside the UMEM */
	uint64_t rx_unposted;		/* not a frame this queue posted (nothing to recycle) */
	uint64_t rx_bad_headroom;	/* data before NP_XDP_HEADROOM in its frame */
	uint64_t rx_truncated;		/* a first buffer shorter than an Ethernet header, or empty */
	uint64_t rx_oversized;		/* past the frame's room for data */
	uint64_t rx_bad_options;	/* unknown option bits, or a chain without multi-buffer */
	/* fill ring */
	uint64_t fill_posted;		/* frames posted */
	uint64_t fill_empty;		/* refills cut short: the pool had no frame */
	/* TX */
	uint64_t tx_zerocopy;		/* sent in place from the UMEM */
	uint64_t tx_copied;		/* copied into TX reserve frames */
	uint64_t tx_completed;		/* descriptors completed */
	uint64_t tx_bad_completion;	/* a completed address not in flight: ignored */
	uint64_t tx_no_frame;		/* refused: the TX reserve was empty */
	uint64_t tx_kicks;		/* sendto() wake-ups */
	uint64_t tx_kick_busy;		/* wake-ups the kernel refused for now (retried) */
	uint64_t bind_retries;		/* binds refused with EBUSY and retried */
	/* multi-buffer frames (chains of descriptors) */
	uint64_t rx_multibuf;		/* frames of several buffers received */
	uint64_t rx_chain_broken;	/* chains dropped for a refused descriptor of theirs */
	uint64_t rx_chain_long;		/* chains of more buffers than an skb holds, dropped */
	uint64_t tx_multibuf;		/* frames sent as several descriptors */
	uint64_t tx_descs;		/* TX descriptors posted (a frame: one or more) */
	uint64_t tx_kick_skipped;	/* wake-ups left out: the kernel did not ask (need_wakeup) */
	uint64_t busy_polls;		/* busy-poll calls into the kernel (busy_poll_us) */
	/* gauges */
	uint64_t frames_posted;		/* in the kernel's fill and RX rings now */
	uint64_t frames_tx;		/* TX descriptors in flight now */
	uint64_t tx_reserve;		/* TX reserve frames (all, idle or in flight) */
	uint64_t tx_reserve_free;	/* idle ones */
	/* the whole UMEM (the same in every queue's figures, and every sharing netdev's) */
	uint64_t umem_bytes;
	uint64_t umem_frames;		/* frames the pools and reserves may use */
	uint64_t umem_frames_out;	/* out of the provider now: pools, rings, stack, reserve */
	/* the kernel's XDP_STATISTICS, summed over this open and the ones before */
	uint64_t kern_rx_dropped, kern_rx_invalid, kern_tx_invalid;
	uint64_t kern_rx_ring_full, kern_fill_empty, kern_tx_ring_empty;
	bool zerocopy;			/* the kernel bound in zero-copy mode (any queue of @q) */
	bool multibuf;			/* bound with multi-buffer (XDP_USE_SG) */
	bool shared_umem;		/* the UMEM serves another netdev too */
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
