/* SPDX-License-Identifier: MIT */
/*
 * vnic_priv.h - the vnic's own state, shared by its files:
 *
 *   vnic.c         the driver side (posting, reaping, transmitting,
 *                  completing), queue open and close, the netdev, stats
 *   vnic_dev.c     the device side: the DMA engine that walks the
 *                  descriptors, writes frames and completions, and the
 *                  traffic source
 *   vnic_inject.c  tests and fuzzing: a misbehaving device
 *
 * Not installed, not part of the API.
 */
#ifndef NETPOOL_VNIC_PRIV_H
#define NETPOOL_VNIC_PRIV_H

#include "../internal.h"
#include "netpool/vnic.h"
#include "netpool/fault.h"

#define VNIC_RING_DEFAULT	256u
#define VNIC_BUF_DEFAULT	2048u
#define VNIC_FRAME_MIN		60u
#define VNIC_FRAME_MAX		9000u
#define VNIC_SEQ_OFF		42u	/* after Ethernet (14), IPv4 (20), UDP (8) */
#define VNIC_TX_FREE_BATCH	32u	/* completions a transmitting thread frees at once */

/* RX descriptor flags and status: NP_VNIC_RXD_* and NP_VNIC_RXS_* (netpool/vnic.h) */

/* TX descriptor flags (written by the driver) */
#define VNIC_TXD_EOP		0x1u
#define VNIC_TXD_CPU		0x2u	/* addr is a CPU address: memory outside the DMA space */

/* A queue's counters, in the order of struct np_vnic_stats (np_vnic_stats_names). */
enum vnic_counter {
	VNIC_GEN_FRAMES, VNIC_WIRE_FRAMES, VNIC_RX_MISSED, VNIC_CORRUPT, VNIC_TX_WIRE,
	VNIC_TX_UNMAPPED, VNIC_DMA_FAULTS, VNIC_BAD_INDEX, VNIC_NR_COUNTERS
};
_Static_assert(VNIC_NR_COUNTERS == NP_VNIC_STATS_NR &&
		       offsetof(struct np_vnic_stats, bad_index) == VNIC_BAD_INDEX * 8,
	       "the counters mirror struct np_vnic_stats");

struct vnic_rxd {
	np_dma_addr_t addr;	/* driver: where the device may write */
	uint32_t len;		/* driver: buffer size; device: bytes written */
	uint16_t flags;		/* device */
	uint16_t status;	/* device */
};

struct vnic_txd {
	uint64_t addr;
	uint32_t len;
	uint32_t flags;
};

/* What the driver keeps per TX slot: on the EOP slot, what to free at completion. */
struct vnic_tx_slot {
	struct np_skb *skb;
	struct np_page *xdp_page;
};

struct vnic_ring_idx {
	NP_CACHE_ALIGNED np_atomic_u32 post;	/* driver */
	NP_CACHE_ALIGNED np_atomic_u32 done;	/* device */
	NP_CACHE_ALIGNED np_atomic_u32 clean;	/* driver */
};

struct vnic_queue {
	struct vnic *vn;
	unsigned int index;
	/* RX */
	struct vnic_ring_idx rx;
	struct vnic_rxd *rxd;
	struct np_page **rx_page;
	bool rx_skip;		/* dropping the rest of a chain longer than an skb holds */
	/* TX: producers hold tx_lock (a redirecting or forwarding thread of another port may
	 * transmit here besides the queue's own) */
	pthread_spinlock_t tx_lock;
	struct vnic_ring_idx tx;
	uint32_t tx_head;	/* the device's own position; it publishes it as tx.done */
	struct vnic_txd *txd;
	struct vnic_tx_slot *tx_slot;
	/* the linked queue of the peer (its RX ring is fed by our TX) */
	struct vnic_queue *peer;
	/* traffic source */
	bool gen_on;
	struct np_vnic_gen gen;
	uint64_t gen_left;
	uint64_t gen_seq;
	uint64_t rng;
	/* device counters: written by the thread running the device side */
	np_atomic_u64 cnt[VNIC_NR_COUNTERS];
};

struct vnic {
	struct np_netdev *dev;
	struct np_dma_dev *dma;
	bool own_dma;
	unsigned int ring_size;
	unsigned int mask;
	uint32_t buf_len;
	uint32_t corrupt_ppm;
	uint64_t seed;
	struct vnic *peer;
	struct vnic_queue *q;
};

extern const struct np_netdev_ops vnic_ops;

static inline struct vnic *to_vnic(struct np_netdev *dev)
{
	return dev->priv;
}

static inline uint64_t vnic_rand(uint64_t *s)
{
	/* xorshift64*: cheap and good enough for lengths and fault rates */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

/* A counter of the thread running that side of the queue; one several threads may bump. */
#define vnic_count(vq, c, n)		np_stat_add_owner((vq)->cnt[c], (n))
#define vnic_count_any(vq, c, n)	np_atomic_add_relaxed(&(vq)->cnt[c], (n))
/* dma_faults has two writers: the queue's TX side and the peer's (into our RX ring) */
#define vnic_count_fault(vq)		vnic_count_any(vq, VNIC_DMA_FAULTS, 1)

/* ---- vnic_dev.c ---- */

/* The traffic source fills posted RX buffers, up to @budget frames. Context: the queue's poll. */
void vnic_dev_generate(struct vnic_queue *vq, int budget);
/* The doorbell: the device sends every posted TX frame and marks it done. Context: tx_lock. */
void vnic_dev_tx(struct vnic_queue *vq);

#endif /* NETPOOL_VNIC_PRIV_H */
