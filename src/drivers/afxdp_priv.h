/* SPDX-License-Identifier: MIT */
/*
 * afxdp_priv.h - the afxdp driver's own state, shared by its files:
 *
 *   afxdp.c       queue open and close, the netdev, stats
 *   afxdp_xsk.c   the kernel side: sockets and their rings, wake-ups
 *   afxdp_prog.c  the kernel side: the XDP program, its XSKMAP, attach and detach
 *   afxdp_probe.c the kernel side: the interface (MTU, driver, its peer's offloads)
 *   afxdp_umem.c  the UMEM as the pools' memory (provider, DMA device), shared
 *                 by netdevs, the fill ring refill, posted frames, TX reserve
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

/* newer than the Debian 12 uapi headers: the values are the kernel's ABI */
#ifndef XDP_USE_SG
#define XDP_USE_SG		(1 << 4)	/* bind: multi-buffer */
#endif
#ifndef XDP_PKT_CONTD
#define XDP_PKT_CONTD		(1 << 0)	/* descriptor option: the frame goes on */
#endif

#define AFX_FRAME_SHIFT		NP_PAGE_SHIFT
#define AFX_FRAME_SIZE		NP_PAGE_SIZE	/* a UMEM frame: one page (the kernel uses frame_size of it) */
/* unaligned chunks: an RX address carries the data's offset from the chunk in its top bits */
#define AFX_ADDR_OFF_SHIFT	48
#define AFX_ADDR_MASK		((1ull << AFX_ADDR_OFF_SHIFT) - 1)
#define AFX_CHAIN_MAX		(NP_MAX_SKB_FRAGS + 1u)	/* buffers of one received frame */
#define AFX_TX_DESC_MAX		17u		/* descriptors of one sent frame (kernel: 18) */
#define AFX_UMEM_USERS_MAX	8u		/* netdevs on one UMEM */
#define AFX_KSTAT_POLLS		1024u		/* polls between reads of the kernel's counters */
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
	AFX_TX_KICK_BUSY, AFX_BIND_RETRIES, AFX_RX_MULTIBUF, AFX_RX_CHAIN_BROKEN, AFX_RX_CHAIN_LONG,
	AFX_TX_MULTIBUF, AFX_TX_DESCS, AFX_TX_KICK_SKIPPED, AFX_BUSY_POLLS, AFX_NR_COUNTERS
};
_Static_assert(offsetof(struct np_afxdp_stats, busy_polls) == AFX_BUSY_POLLS * 8 &&
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
	/* Busy polling: drive the kernel's napi of @aq's queue once (a non-blocking receive). */
	void (*busy_poll)(struct afx_queue *aq);
};

extern const struct afx_kernel_ops afx_xsk_ops;

/*
 * One UMEM shared by the netdevs on it (np_afxdp_params.share_umem): the
 * region, its provider and DMA device, and who uses it. Created by the
 * first netdev, gone with the last. Its users change only in the control
 * thread (create, destroy), as the sockets of each (open, close).
 */
struct afx_umem {
	unsigned int refs;
	unsigned char *area;
	size_t size;
	uint32_t nframes;		/* chunks, metadata ones included */
	uint32_t frame_count;
	uint32_t frame_size;		/* the kernel's chunk size */
	bool sg;			/* its first socket bound with XDP_USE_SG (the others inherit) */
	struct np_provider *prov;
	struct np_dma_dev *dma;
	struct afxdp *users[AFX_UMEM_USERS_MAX];
	char name[IF_NAMESIZE];		/* the first netdev's */
};

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
	uint32_t nslot_free;		/* slots on the free list */
	np_atomic_u64 reserve_free;	/* gauges, read by anyone */
	np_atomic_u64 inflight;
	struct xdp_statistics kern;	/* of sockets closed so far */
	/* the kernel's counters as the poll last read them (kern + the open socket's) */
	np_atomic_u64 kern_seen[6];
	uint32_t kstat_polls;
	/* a multi-buffer frame being received (the poll's), or the rest of a refused one */
	struct np_rx_buf chain[AFX_CHAIN_MAX];
	unsigned int nchain;
	/* one-buffer frames of this poll, handed up together (np_netdev_receive_burst()) */
	struct np_rx_buf single[NP_NETDEV_RX_BURST];
	unsigned int nsingle;
	bool discard;
	_Atomic bool zerocopy;		/* read by the stats export */
	np_atomic_u64 cnt[AFX_NR_COUNTERS];
};

struct afxdp {
	struct np_netdev *dev;
	char ifname[IF_NAMESIZE];
	int ifindex;
	unsigned int nq;
	unsigned int ring_size;
	unsigned int frame_count;
	uint32_t rx_size, tx_size, fill_size, comp_size;
	uint32_t fill_target;		/* frames each queue keeps posted */
	uint32_t reserve_frames;	/* TX reserve per queue */
	uint32_t buf_len;		/* data room of a frame after the headroom */
	uint32_t max_tx_len;
	uint32_t mtu;
	bool skb_mode;
	enum np_afxdp_bind bind;
	unsigned int busy_poll_us, busy_poll_budget;
	char *xdp_prog;			/* the user's object file, NULL: built-in */
	bool xdp_multiprog;		/* xdp_prog through libxdp's dispatcher */
	const struct afx_kernel_ops *kops;	/* the kernel's side of the queues */
	unsigned int kcaps;		/* a fake kernel's capabilities (afxdp_fake.h) */
	/* the UMEM (shared, um; the rest are um's, copied for the data path) */
	struct afx_umem *um;
	unsigned char *umem;
	size_t umem_size;
	uint32_t nframes;		/* UMEM chunks, metadata ones included */
	struct np_provider *prov;
	struct np_dma_dev *dma;
	_Atomic uint8_t *posted;	/* per chunk: posting queue + 1, 0: not posted (this netdev's) */
	/* the kernel side, while open */
	bool kernel_up;
	_Atomic bool sg;		/* the sockets are bound with XDP_USE_SG (the export reads it) */
	bool csum_checked;		/* the peer's checksum offload looked at (once) */
	int map_fd, prog_fd;
	int link_fd;			/* the BPF link holding the program, -1: none */
	void *xdp_obj;			/* the user's object (libbpf) or program (libxdp) */
	bool xdp_libxdp;		/* attached through libxdp (dispatcher) */
	uint32_t xdp_flags;		/* libxdp: attached (detach at down) */
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

/* Every TX slot free again, on the free list in index order. */
static inline void afx_slots_init(struct afx_queue *aq)
{
	aq->slot_free = 0;
	for (uint32_t s = aq->ax->tx_size; s-- > 0;) {
		aq->slots[s].next = aq->slot_free;
		aq->slot_free = s + 1;
	}
	aq->nslot_free = aq->ax->tx_size;
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

/* ---- afxdp_prog.c ---- */

/*
 * Route libbpf's and libxdp's own messages through the print callback
 * (np_set_print()) instead of their default, stderr; once per process.
 */
void afx_print_route(void);
/* The XDP program and its XSKMAP, attached to the interface. Return: 0 or -errno (reported). */
int afx_prog_up(struct afxdp *ax);
/* Our program off the interface (only ours): the kernel steers no frame to the sockets after. */
void afx_prog_detach(struct afxdp *ax);
/* Detached, then the program and its map (or the user's object) closed. */
void afx_prog_release(struct afxdp *ax);

/* ---- afxdp_probe.c ---- */

/* Warn when frames may reach AF_XDP on @ax's interface with partial checksums. */
void afx_probe_csum(const struct afxdp *ax);

/* ---- afxdp.c ---- */

/* np_afxdp_create() with the kernel side @kops (afx_xsk_ops for a real one). */
int afx_create(const struct np_afxdp_params *params, const struct afx_kernel_ops *kops,
	       struct np_netdev **out);

/* ---- afxdp_umem.c ---- */

/* A new UMEM of @arenas arenas for @ax (its first user). Return: 0 or -errno. */
int afx_umem_create(struct afxdp *ax, unsigned int arenas, uint32_t frame_count,
		    uint32_t frame_size);
/* @ax becomes a user of @um. Return: 0 or -ENOSPC (too many users). */
int afx_umem_get(struct afxdp *ax, struct afx_umem *um);
/* @ax stops using its UMEM; the last user's put destroys it. */
void afx_umem_put(struct afxdp *ax);
/* A bound socket on @ax's UMEM (of any netdev) to share it through, -1: none. */
int afx_umem_bound_fd(const struct afxdp *ax);
/* Whether another netdev uses @ax's UMEM. */
bool afx_umem_shared(const struct afxdp *ax);
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
/* The one-buffer frames afx_rx_desc() gathered, up the stack now. Context: the queue's napi. */
void afx_rx_flush(struct np_netdev *dev, struct afx_queue *aq);
int afx_rx(struct np_netdev *dev, struct afx_queue *aq, int budget);
/* A frame half received (its chain unfinished) back to the pool. Context: the queue's napi. */
void afx_rx_chain_reset(struct afx_queue *aq);

/* ---- afxdp_tx.c ---- */

void afx_kick(struct afx_queue *aq);
unsigned int afx_tx_complete(struct afx_queue *aq, int budget);
void afx_tx_flush(struct afx_queue *aq);
int afx_xmit(struct np_netdev *dev, unsigned int q, struct np_skb *skb);
int afx_xmit_frame(struct np_netdev *dev, unsigned int q, struct np_xdp_frame *f);
/* Every transmission never completed is done now; the slots are free again. */
void afx_tx_drain(struct afx_queue *aq);

#endif /* NETPOOL_AFXDP_PRIV_H */
