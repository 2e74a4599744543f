/* SPDX-License-Identifier: MIT */
/*
 * netpool/vnic.h - a simulated NIC with a DMA engine, for tests and benchmarks.
 *
 * Each queue has an RX and a TX descriptor ring in memory, shared by the
 * driver and the device side exactly as with hardware: the driver posts
 * buffers (DMA addresses of pool pages) and the device writes frames into
 * them through np_dma_dev_access(), so with the checking IOMMU it can reach
 * nothing the driver did not post and map. Frames longer than one buffer
 * span several descriptors (a multi-buffer frame becomes an skb with frags).
 *
 * Frames come from the wire: either a back-to-back link to another vnic
 * (queue i of one transmits into queue i of the other), or a traffic source
 * on the device side that fills posted buffers with frames at almost no
 * cost (a header written per frame), so the buffer path dominates. TX with
 * no link completes at once (the frame leaves on the wire and is counted).
 *
 * Faults: the device can write corrupt completions (length past the buffer,
 * an error status, a foreign address) at a rate; the driver validates every
 * descriptor, counts rx_bad_desc and recycles the buffer. Posting honours the
 * NP_FAULT_DESC_POST injection point, allocation failure the page and DMA
 * points (see fault.h).
 */
#ifndef NETPOOL_VNIC_H
#define NETPOOL_VNIC_H

#include "compiler.h"
#include "dev.h"

NP_EXTERN_C_BEGIN

/*
 * What the device writes into an RX descriptor when it completes it: flags
 * and a status. The driver checks every completion against these; a test or
 * fuzz target playing the device writes them too.
 */
#define NP_VNIC_RXD_EOP		0x1u	/* flags: the last buffer of a frame */
#define NP_VNIC_RXS_OK		0x1u	/* status: written whole */
#define NP_VNIC_RXS_ERR		0x2u	/* status: failed (the driver drops the frame) */

struct np_vnic_params {
	const char *name;		/* NULL: "vnicN" */
	unsigned int nqueues;		/* 0: 1 */
	unsigned int ring_size;		/* descriptors per ring, a power of two; 0: 256 */
	uint32_t buf_len;		/* bytes per RX buffer; 0: 2048 (frames up to 9000 span several) */
	bool iommu;			/* a checking IOMMU of its own (else identity) */
	struct np_dma_dev *dma;		/* or share this DMA device (ports behind one IOMMU) */
	bool no_recycle;		/* the driver leaves skbs unmarked */
	uint32_t corrupt_ppm;		/* corrupt RX completions per million */
	uint64_t seed;			/* for the fault rate */
};

/**
 * np_vnic_create() - a vnic netdev (open it with np_netdev_open()). @params
 * NULL: every default.
 * @params: the parameters, or NULL; copied.
 * @out: the new netdev.
 * Context: any thread, as np_netdev_create(); allocates (and its DMA device).
 * Return: 0, -EINVAL (@out NULL, ring_size not a power of two or above 65536,
 * buf_len below 64 or too long for a page with NP_XDP_HEADROOM and the
 * shared info, corrupt_ppm above 1000000, nqueues above
 * NP_NETDEV_MAX_QUEUES), -ENOMEM.
 */
NP_API int np_vnic_create(const struct np_vnic_params *params, struct np_netdev **out);

/**
 * np_vnic_link() - wire @a and @b back to back (queue i to queue i; they need
 * the same number of queues). Before either is open. One port's transmit
 * writes into the other's RX ring, so stop both (np_netdev_stop(), and no
 * other thread transmitting) before closing or destroying either.
 * @a: one vnic.
 * @b: the other.
 * Context: the control thread, before either is open; plain stores, no lock.
 * Return: 0, -EINVAL (@a or @b NULL or the same, not vnics, queue counts
 * differ, either open, already linked, or running a traffic source).
 */
NP_API int np_vnic_link(struct np_netdev *a, struct np_netdev *b);

/* The device-side traffic source of one RX queue. */
struct np_vnic_gen {
	uint32_t len_min, len_max;	/* frame lengths, uniform; 60..9000 */
	uint64_t count;			/* frames to send; 0: until stopped */
	bool fill;			/* write every byte (a pattern with the sequence number) */
	uint32_t burst;			/* frames per poll at most; 0: the ring's worth */
};

/**
 * np_vnic_gen_start() - start a traffic source on RX queue @q: at every poll
 * of the queue the device fills posted buffers with frames (Ethernet, IPv4,
 * UDP, a sequence number at offset 42). Not on a linked vnic.
 * @dev: a vnic.
 * @q: the RX queue.
 * @gen: the source's shape; copied.
 * Context: the thread polling @q, or any thread while no thread polls it (plain
 * stores the poll reads).
 * Return: 0 or -EINVAL (@dev NULL or not a vnic, @q out of range, @gen NULL,
 * len_min below 60, len_max above 9000, len_max non-zero and below len_min,
 * the vnic is linked).
 */
NP_API int np_vnic_gen_start(struct np_netdev *dev, unsigned int q, const struct np_vnic_gen *gen);

/**
 * np_vnic_gen_stop() - stop it. Nothing happens for a NULL @dev, another kind
 * of netdev or @q out of range.
 * @dev: a vnic.
 * @q: the RX queue.
 * Context: the thread polling @q, or any thread while no thread polls it, as
 * np_vnic_gen_start().
 */
NP_API void np_vnic_gen_stop(struct np_netdev *dev, unsigned int q);

/* Device-side counters of one queue. */
struct np_vnic_stats {
	uint64_t gen_frames;		/* frames the traffic source wrote */
	uint64_t wire_frames;		/* frames received from the link */
	uint64_t rx_missed;		/* frames lost: no buffer posted */
	uint64_t corrupt;		/* corrupt completions written */
	uint64_t tx_wire;		/* frames the device sent */
	uint64_t tx_unmapped;		/* TX pieces outside the device's DMA space (read by CPU address) */
	uint64_t dma_faults;		/* device accesses the IOMMU refused */
	uint64_t bad_index;		/* impossible done indexes the device published (ignored) */
};

#define NP_VNIC_STATS_NR	(sizeof(struct np_vnic_stats) / sizeof(uint64_t))

/**
 * np_vnic_stats_names - the names of struct np_vnic_stats' fields, in their
 * order (what ethtool -S would print), NP_VNIC_STATS_NR of them.
 */
extern NP_API const char *const np_vnic_stats_names[];

/**
 * np_vnic_get_stats() - queue @q's device counters (@q == -1: summed).
 * @dev: a vnic.
 * @q: the queue, or -1 for all.
 * @st: filled with the counters.
 * Context: any thread while @dev exists; relaxed loads, no lock.
 * Return: 0 or -EINVAL (@dev or @st NULL, not a vnic, @q below -1 or not below
 * the queue count; @st untouched).
 */
NP_API int np_vnic_get_stats(struct np_netdev *dev, int q, struct np_vnic_stats *st);

/**
 * np_vnic_dma() - the vnic's DMA device (for its stats, or to share it).
 * Context: any thread while @dev exists; no lock.
 * Return: the device (one the vnic made itself goes with np_netdev_destroy()), or
 * NULL: @dev NULL or not a vnic.
 */
NP_API struct np_dma_dev *np_vnic_dma(struct np_netdev *dev);

NP_EXTERN_C_END

#endif /* NETPOOL_VNIC_H */
