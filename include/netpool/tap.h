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
 * Offloads (the default). The device is opened with IFF_VNET_HDR and the
 * kernel is told with TUNSETOFFLOAD which offloads this end takes (checksum,
 * TSO for IPv4 and IPv6, TSO with ECN, USO where the kernel has it; as a
 * VM's virtio-net device tells QEMU's tap backend). Every frame then comes
 * and goes behind a virtio-net header, and the kernel stops segmenting and
 * checksumming for us:
 *
 *   RX  one readv: the header, the head buffer, up to 16 whole pages: a
 *       TSO/USO frame of up to NP_TAP_MAX_GSO_FRAME bytes arrives whole as
 *       an skb with page frags. The header is outside input: its flags,
 *       gso type and size, checksum start and offset are checked against
 *       the offloads asked for and against the frame's own headers (the IP
 *       and TCP/UDP headers a GSO type names, their lengths); an impossible
 *       header drops the frame, counted in rx_bad_vnet_hdr and rx_bad_desc,
 *       its buffers staying posted. A good one becomes the skb's ip_summed
 *       (NP_CHECKSUM_PARTIAL with csum_start and csum_offset, or
 *       NP_CHECKSUM_UNNECESSARY for the kernel's DATA_VALID) and gso fields
 *       (gso_size, gso_type with NP_SKB_GSO_DODGY, gso_segs).
 *   TX  one writev: a header built from the skb's fields, then its head,
 *       frags and frag_list members: a GSO skb goes to the kernel whole,
 *       a partial checksum is left to it. The netdev's features say what
 *       it takes (NP_NETIF_F_HW_CSUM, TSO, TSO6, TSO_ECN, GSO_UDP_L4, as
 *       the offloads that are on); an skb needing more is refused
 *       (-EOPNOTSUPP, tx_no_offload): np_validate_xmit_skb() first.
 *
 * An XDP program sees a frame's bytes as they will leave if it sends them
 * back out (TX, REDIRECT, with a header saying nothing): a checksum the
 * kernel left partial is finished in the buffer first (rx_csum_xdp), and a
 * GSO frame never meets the program: it goes up as an skb, to be cut where
 * it leaves (the kernel's tun does the same). With no_vnet_hdr the
 * device carries plain frames of at most NP_TAP_MAX_FRAME bytes and the
 * kernel segments and checksums everything first.
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
#define NP_TAP_MAX_FRAME	9216u	/* the longest plain frame received (jumbo) */
/* the longest frame received with offloads: Ethernet, a VLAN tag, IPv6 and 64 KiB */
#define NP_TAP_MAX_GSO_FRAME	(18u + 40u + 65535u)

/* Offloads to ask the kernel for (np_tap_params.offloads). */
#define NP_TAP_OFFLOAD_CSUM	0x1u	/* partial checksums (TUN_F_CSUM) */
#define NP_TAP_OFFLOAD_TSO4	0x2u	/* TCP over IPv4 segmentation (TUN_F_TSO4) */
#define NP_TAP_OFFLOAD_TSO6	0x4u	/* TCP over IPv6 (TUN_F_TSO6) */
#define NP_TAP_OFFLOAD_TSO_ECN	0x8u	/* TSO with CWR/ECE (TUN_F_TSO_ECN) */
#define NP_TAP_OFFLOAD_USO	0x10u	/* UDP segmentation, IPv4 and IPv6 (TUN_F_USO4/6) */
#define NP_TAP_OFFLOAD_ALL	0x1fu

struct np_tap_params {
	const char *ifname;	/* TAP device to create or attach to (IFF_TAP|IFF_NO_PI);
				 * NULL or "": the kernel picks a name (tapN) */
	unsigned int nqueues;	/* 0: 1; >1 uses IFF_MULTI_QUEUE */
	bool no_recycle;	/* the driver leaves skbs unmarked (for comparison) */
	bool no_vnet_hdr;	/* plain frames: no virtio-net header, no offloads */
	unsigned int offloads;	/* NP_TAP_OFFLOAD_* to ask for; 0: NP_TAP_OFFLOAD_ALL.
				 * Segmentation needs CSUM; USO is dropped quietly
				 * where the kernel lacks it (np_tap_offloads()) */
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
 * IFNAMSIZ characters or more, offloads with unknown bits or segmentation
 * without NP_TAP_OFFLOAD_CSUM: checked before anything is opened; an
 * interface of that name exists and is no TAP device, or its queue mode
 * differs), -EOPNOTSUPP (the kernel refuses a virtio-net header or the
 * offloads asked for, USO aside), -EPERM/-EACCES
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

/**
 * np_tap_offloads() - the offloads that are on: those asked for that the
 * kernel took (0 with no_vnet_hdr). The netdev's features follow them.
 * @dev: a tap netdev.
 * Context: any thread while @dev exists; no lock (fixed at create).
 * Return: NP_TAP_OFFLOAD_* bits, or -EINVAL (@dev NULL, not a tap netdev).
 */
NP_API int np_tap_offloads(struct np_netdev *dev);

/* This driver's counters of one queue, on top of the netdev's. */
struct np_tap_stats {
	uint64_t rx_runt;	/* frames shorter than NP_TAP_MIN_FRAME, dropped */
	uint64_t rx_oversize;	/* frames longer than NP_TAP_MAX_FRAME (with offloads
				 * NP_TAP_MAX_GSO_FRAME), dropped */
	uint64_t rx_multi;	/* frames received in more than one buffer */
	uint64_t rx_errors;	/* reads that failed (other than "nothing to read") */
	uint64_t tx_linearized;	/* skbs linearised before the write (a frag_list member
				 * with a frag_list, or past the write's vector) */
	uint64_t tx_errors;	/* writes that failed (other than a full queue) */
	uint64_t rx_gso;	/* TSO/USO frames received whole */
	uint64_t rx_csum_partial;	/* frames whose L4 checksum the kernel left partial */
	uint64_t rx_bad_vnet_hdr;	/* frames whose virtio-net header was impossible, dropped */
	uint64_t tx_gso;	/* GSO skbs written whole */
	uint64_t tx_csum_partial;	/* skbs written with their checksum left to the kernel */
	uint64_t tx_no_offload;	/* skbs refused: GSO or a partial checksum the offloads
				 * that are on do not take */
	uint64_t rx_csum_xdp;	/* partial checksums finished in the buffer for a verdict
				 * program (it sees, and may send, the frame's bytes) */
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
