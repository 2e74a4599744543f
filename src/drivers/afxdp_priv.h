/* SPDX-License-Identifier: MIT */
/*
 * afxdp_priv.h - the afxdp driver's own state, shared by its files:
 *
 *   afxdp.c       queue open and close, the netdev, stats
 *   afxdp_xsk.c   the kernel side: XDP program, XSKMAP, sockets and their rings
 *   afxdp_umem.c  the UMEM as the pools' memory (provider, DMA device), the
 *                 fill ring refill, posted frames and the TX reserve
 *   afxdp_rx.c    RX descriptor validation and receive
 *   afxdp_tx.c    TX zero-copy and copy, completions
 *   afxdp_fake.c  tests and fuzzing: a kernel side with rings in plain memory
 *   afxdp_inject.c  tests and fuzzing: an RX descriptor as if from the kernel
 *                 (both in libnetpool_test.a only, never in the library)
 *
 * Not installed, not part of the API. Needs libxdp's headers.
 */
#ifndef NETPOOL_AFXDP_PRIV_H
#define NETPOOL_AFXDP_PRIV_H

#include <net/if.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/if_xdp.h>
#include <xdp/xsk.h>
#include "../internal.h"
#include "netpool/afxdp.h"

#define AFX_FRAME_SHIFT		NP_PAGE_SHIFT
#define AFX_FRAME_SIZE		NP_PAGE_SIZE
#define AFX_RING_DEFAULT	2048u
#define AFX_RING_MIN		64u
#define AFX_RING_MAX		16384u
#define AFX_FRAMES_MIN_PER_Q	64u
#define AFX_FRAMES_MAX		(1u << 22)	/* 16 GiB of UMEM */
#define AFX_RESERVE_MAX		512u		/* TX copy frames per queue */
#define AFX_BATCH		64u
#define AFX_KICK_BATCH		32u		/* TX descriptors posted before xmit kicks itself */
#define AFX_ETH_HLEN		14u
#define AFX_VLAN_HLEN		4u
#define AFX_BIND_WAIT_MS	3000u		/* how long a busy queue is retried */
/* provider pages of an arena that hold its descriptors (as page.c lays them out) */
#define AFX_ARENA_META		((NP_CACHE_LINE + NP_ARENA_PAGES * sizeof(struct np_page) + \
				  NP_PAGE_SIZE - 1) >> NP_PAGE_SHIFT)
#define AFX_ARENA_FRAMES	(NP_ARENA_PAGES - AFX_ARENA_META)

/* A queue's counters, in the order of struct np_afxdp_stats' first fields (and of its names). */
enum afx_counter {
	AFX_RX_INVALID, AFX_RX_BAD_ADDR, AFX_RX_UNPOSTED, AFX_RX_BAD_HEADROOM, AFX_RX_TRUNCATED,
	AFX_RX_OVERSIZED, AFX_RX_BAD_OPTIONS, AFX_FILL_POSTED, AFX_FILL_EMPTY, AFX_TX_ZEROCOPY,
	AFX_TX_COPIED, AFX_TX_COMPLETED, AFX_TX_BAD_COMPLETION, AFX_TX_NO_FRAME, AFX_TX_KICKS,
	AFX_TX_KICK_BUSY, AFX_BIND_RETRIES, AFX_NR_COUNTERS
};
_Static_assert(offsetof(struct np_afxdp_stats, bind_retries) == AFX_BIND_RETRIES * 8 &&
		       AFX_NR_COUNTERS <= NP_AFXDP_STATS_NR,
	       "the counters mirror struct np_afxdp_stats");

#define afx_count(aq, c, n)	np_stat_add_owner((aq)->cnt[c], (n))	/* RX side: one writer */
#define afx_count_any(aq, c, n)	np_atomic_add_relaxed(&(aq)->cnt[c], (n))

struct afxdp;
struct afx_queue;

/*
 * The kernel's side of the queues: what a netdev asks of whatever plays the
 * kernel, behind one table. afx_xsk_ops (afxdp_xsk.c) is the real one: an
 * XDP program, an XSKMAP and AF_XDP sockets through libbpf. The fake one
 * (afxdp_fake.c, in the test archive) maps the rings in plain memory and
 * leaves the kernel's part to the test. Everything else (RX validation,
 * refill, TX, completions, teardown) is the driver's own code either way.
 * Errors are reported through the print callback by the op that fails.
 */
struct afx_kernel_ops {
	const char *name;
	/* At create: the interface is there and may be used; *@mtu its MTU (kept when unknown). */
	int (*probe)(struct afxdp *ax, unsigned int *mtu);
	/* At the first queue open: what every socket needs (the program, the XSKMAP). */
	int (*up)(struct afxdp *ax);
	/* Queue @aq's socket with its four rings set up (aq->fd >= 0); on failure none is left. */
	int (*socket_open)(struct afxdp *ax, struct afx_queue *aq);
	/* Everything the kernel holds goes, every queue's socket too: it touches no frame after. */
	void (*down)(struct afxdp *ax);
	/* Wake the kernel for what waits in @aq's TX ring. Return: 0 or -errno (kick_busy). */
	int (*tx_kick)(struct afx_queue *aq);
	/* Wake the kernel for @aq's fill ring (it asked to be, need_wakeup). */
	void (*fill_wake)(struct afx_queue *aq);
	/* Add the kernel's counters of @aq's open socket, if any, to @sum. */
	void (*stats_add)(const struct afx_queue *aq, struct xdp_statistics *sum);
};

extern const struct afx_kernel_ops afx_xsk_ops;

/* One TX descriptor in flight: what its completion frees (exactly one of the three). */
struct afx_slot {
	uint64_t addr;
	struct np_skb *skb;		/* zero-copy: the skb holds the frame */
	struct np_page *xdp_page;	/* zero-copy XDP frame: a pool reference */
	struct np_page *copy;		/* a TX reserve frame */
	uint32_t next;			/* next slot (index + 1) of the frame's chain or free list */
};

struct afx_ring_map {
	void *addr;
	size_t len;
};

struct afx_queue {
	struct afxdp *ax;
	unsigned int index;
	int fd;				/* -1: not bound */
	struct afx_ring_map map[4];	/* rx, tx, fill, completion */
	/* RX side: the queue's poll */
	struct xsk_ring_cons rx;
	struct xsk_ring_prod fill;
	np_atomic_u64 posted;		/* gauge: frames posted and not yet back */
	/* TX side: under tx_lock */
	pthread_mutex_t tx_lock;
	struct xsk_ring_prod tx;
	struct xsk_ring_cons comp;
	struct afx_slot *slots;		/* ring_size of them */
	uint32_t slot_free;		/* free list head, index + 1 */
	uint32_t *tx_head;		/* per UMEM frame: first slot in flight + 1 */
	struct np_page **reserve;	/* idle TX reserve frames */
	uint32_t nreserve;		/* frames the reserve holds in all */
	uint32_t unkicked;
	np_atomic_u64 reserve_free;	/* gauges, read by anyone */
	np_atomic_u64 inflight;
	struct xdp_statistics kern;	/* of sockets closed so far */
	bool zerocopy;
	np_atomic_u64 cnt[AFX_NR_COUNTERS];
};

struct afxdp {
	struct np_netdev *dev;
	char ifname[IF_NAMESIZE];
	int ifindex;
	unsigned int nq;
	unsigned int ring_size;
	unsigned int frame_count;
	uint32_t fill_target;		/* frames each queue keeps posted */
	uint32_t reserve_frames;	/* TX reserve per queue */
	uint32_t buf_len;		/* RX data room after the headroom */
	uint32_t max_tx_len;
	bool skb_mode;
	const struct afx_kernel_ops *kops;	/* the kernel's side of the queues */
	/* the UMEM */
	unsigned char *umem;
	size_t umem_size;
	uint32_t nframes;		/* UMEM chunks, metadata ones included */
	struct np_provider *prov;
	struct np_dma_dev *dma;
	_Atomic uint8_t *posted;	/* per chunk: posting queue + 1, 0: not posted */
	/* the kernel side, while open */
	bool kernel_up;
	int umem_fd;			/* the socket that registered the UMEM */
	int map_fd, prog_fd;
	uint32_t xdp_flags;
	bool prog_attached;
	struct afx_queue *q;
};

/* What finished slots held, to be freed outside the lock. */
struct afx_done {
	unsigned int nskb, npage;
	struct np_skb *skb[AFX_BATCH];
	struct np_page *page[AFX_BATCH];
};

extern const struct np_netdev_ops afx_ops;

static inline struct afxdp *to_afx(struct np_netdev *dev)
{
	return dev->priv;
}


static inline struct np_page *afx_chunk_page(const struct afxdp *ax, uint32_t chunk)
{
	return np_virt_to_page(ax->umem + ((uint64_t)chunk << AFX_FRAME_SHIFT));
}

/* Whether [p, p + len) lies inside one frame of this UMEM. */
static inline bool afx_in_one_frame(const struct afxdp *ax, const void *p, uint32_t len)
{
	uintptr_t a = (uintptr_t)p, base = (uintptr_t)ax->umem;
	uint64_t off;

	if (a < base || a - base >= ax->umem_size || !len)
		return false;
	off = a - base;
	return (off >> AFX_FRAME_SHIFT) == ((off + len - 1) >> AFX_FRAME_SHIFT);
}

static inline int afx_errno(void)
{
	return errno ? -errno : -EIO;
}

/* ---- the rings, on a socket's mapping or any memory laid out as one ---- */

/* The header's ring helpers keep a producer's cached_cons one ring size ahead. */
static inline void afx_prod_init(struct xsk_ring_prod *r, void *m, const struct xdp_ring_offset *o,
				 uint32_t n)
{
	r->mask = n - 1;
	r->size = n;
	r->producer = (uint32_t *)((char *)m + o->producer);
	r->consumer = (uint32_t *)((char *)m + o->consumer);
	r->flags = (uint32_t *)((char *)m + o->flags);
	r->ring = (char *)m + o->desc;
	r->cached_prod = __atomic_load_n(r->producer, __ATOMIC_RELAXED);
	r->cached_cons = __atomic_load_n(r->consumer, __ATOMIC_RELAXED) + n;
}

static inline void afx_cons_init(struct xsk_ring_cons *r, void *m, const struct xdp_ring_offset *o,
				 uint32_t n)
{
	r->mask = n - 1;
	r->size = n;
	r->producer = (uint32_t *)((char *)m + o->producer);
	r->consumer = (uint32_t *)((char *)m + o->consumer);
	r->flags = (uint32_t *)((char *)m + o->flags);
	r->ring = (char *)m + o->desc;
	r->cached_prod = __atomic_load_n(r->producer, __ATOMIC_ACQUIRE);
	r->cached_cons = __atomic_load_n(r->consumer, __ATOMIC_RELAXED);
}

/* The four rings' mappings go; the ring structs are cleared. */
static inline void afx_ring_unmap(struct afx_queue *aq)
{
	for (unsigned int i = 0; i < NP_ARRAY_SIZE(aq->map); i++) {
		if (aq->map[i].addr)
			munmap(aq->map[i].addr, aq->map[i].len);
		aq->map[i].addr = NULL;
	}
	memset(&aq->rx, 0, sizeof(aq->rx));
	memset(&aq->fill, 0, sizeof(aq->fill));
	memset(&aq->tx, 0, sizeof(aq->tx));
	memset(&aq->comp, 0, sizeof(aq->comp));
}

/* ---- afxdp.c ---- */

/* np_afxdp_create() with the kernel side @kops (afx_xsk_ops for a real one). */
int afx_create(const struct np_afxdp_params *params, const struct afx_kernel_ops *kops,
	       struct np_netdev **out);

/* ---- afxdp_umem.c ---- */

/* The UMEM region of @size bytes, aligned to NP_ARENA_SIZE. */
void *afx_umem_map(size_t size);
/* The UMEM's page provider and DMA device. Return: 0 or -errno. */
int afx_umem_provider_create(struct afxdp *ax);
/* posted[], the DMA device, the provider and the UMEM go (what exists of them). */
void afx_umem_destroy(struct afxdp *ax);
/* Keep fill_target frames posted. Context: the queue's poll. */
void afx_refill(struct np_netdev *dev, struct afx_queue *aq);
/* Every frame @aq posted back to its pool (the kernel let go of them). */
void afx_posted_reclaim(struct np_netdev *dev, struct afx_queue *aq);
/* The TX reserve of @aq from the provider, and back. */
void afx_reserve_alloc(struct afx_queue *aq);
void afx_reserve_release(struct afx_queue *aq);

/* ---- afxdp_rx.c ---- */

int afx_rx_desc(struct np_netdev *dev, struct afx_queue *aq, uint64_t addr, uint32_t len,
		uint32_t options);
int afx_rx(struct np_netdev *dev, struct afx_queue *aq, int budget);

/* ---- afxdp_tx.c ---- */

void afx_kick(struct afx_queue *aq);
unsigned int afx_tx_complete(struct afx_queue *aq, int budget);
void afx_tx_flush(struct afx_queue *aq);
int afx_xmit(struct np_netdev *dev, unsigned int q, struct np_skb *skb);
int afx_xmit_frame(struct np_netdev *dev, unsigned int q, struct np_xdp_frame *f);
/* Every transmission never completed is done now; the slots are free again. */
void afx_tx_drain(struct afx_queue *aq);

#endif /* NETPOOL_AFXDP_PRIV_H */
