/* SPDX-License-Identifier: MIT */
/*
 * afxdp: a netdev over AF_XDP sockets whose UMEM is the pools' memory.
 *
 * Memory. One anonymous region, aligned to and a multiple of NP_ARENA_SIZE,
 * is both the UMEM (4 KiB chunks, no chunk headroom) and the arenas of a
 * fixed page provider: UMEM frame i is provider page i, its DMA address
 * (umem DMA device) is i << 12, the address the kernel speaks. The first
 * frames of each arena hold the provider's page descriptors and are never
 * posted. Every queue's pool allocates from that one provider.
 *
 * Who owns a frame, at any moment (each transition is counted):
 *
 *   provider --pool alloc--> pool --refill--> POSTED (fill ring, kernel, RX ring)
 *      ^                      ^                   |  RX: validated
 *      |                      |                   v
 *      |                      +--recycle------- skb in the stack --xmit zero-copy--> IN FLIGHT
 *      |                                                    ^                           |
 *      +-- TX reserve <--completion-- IN FLIGHT (copy)      +------ completion ---------+
 *
 * posted[] records, per UMEM frame, which queue posted it (0: none): an RX
 * descriptor is accepted only for a frame its queue posted, once. A TX
 * queue keeps one slot per descriptor in flight, chained per frame from
 * tx_head[] so that a completion finds the transmission of exactly that
 * address (the same frame may be in flight several times: clones).
 *
 * Threads. The RX side (RX and fill rings, posted[] entries of the queue's
 * frames) belongs to the queue's poll. The TX side (TX and completion rings,
 * slots, reserve) may be driven by a transmitting thread and the poll at
 * once: it is under tx_lock; skbs and pages are freed outside it.
 *
 * Kernel side. Our own XDP program (XSKMAP redirect by RX queue index, else
 * XDP_PASS) is attached as the single program of the interface, never over
 * another one: no bpffs or dispatcher needed. Sockets are set up with plain
 * setsockopt/mmap/bind (the first one registers the UMEM, the others share
 * it with their own fill and completion rings), so that a bind refused with
 * EBUSY (the previous socket of the queue is still being released) can be
 * retried on the same socket. The first queue_close tears down every socket
 * and the program (after that the kernel touches no frame), then each
 * queue_close takes its queue's frames back.
 */
#include <net/if.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/xsk.h>
#include "../internal.h"
#include "netpool/afxdp.h"

#ifndef AF_XDP
#define AF_XDP	44
#endif
#ifndef SOL_XDP
#define SOL_XDP	283
#endif

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

/* per-queue counters; the order of struct np_afxdp_stats' first fields */
enum {
	AFX_RX_INVALID, AFX_RX_BAD_ADDR, AFX_RX_UNPOSTED, AFX_RX_BAD_HEADROOM, AFX_RX_TRUNCATED,
	AFX_RX_OVERSIZED, AFX_RX_BAD_OPTIONS, AFX_FILL_POSTED, AFX_FILL_EMPTY, AFX_TX_ZEROCOPY,
	AFX_TX_COPIED, AFX_TX_COMPLETED, AFX_TX_BAD_COMPLETION, AFX_TX_NO_FRAME, AFX_TX_KICKS,
	AFX_TX_KICK_BUSY, AFX_BIND_RETRIES, AFX_NR_COUNTERS
};
_Static_assert(offsetof(struct np_afxdp_stats, bind_retries) ==
		       (AFX_BIND_RETRIES) * sizeof(uint64_t), "counters mirror the stats struct");

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

static const struct np_netdev_ops afx_ops;

static inline struct afxdp *to_afx(struct np_netdev *dev)
{
	return dev->priv;
}

#define afx_count(aq, c, n)	np_stat_add_owner((aq)->cnt[c], (n))	/* RX side: one writer */
#define afx_count_any(aq, c, n)	np_atomic_add_relaxed(&(aq)->cnt[c], (n))

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

/* ---- the kernel side: program, sockets ---- */

static int afx_errno(void)
{
	return errno ? -errno : -EIO;
}

/* The XDP program: redirect into the XSKMAP by RX queue, XDP_PASS where no socket is. */
static int afx_prog_load(struct afxdp *ax)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = BPF_REG_2, .src_reg = BPF_REG_1,
		  .off = offsetof(struct xdp_md, rx_queue_index) },
		{ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = BPF_REG_1,
		  .src_reg = BPF_PSEUDO_MAP_FD, .imm = ax->map_fd },
		{ .code = 0 },	/* second half of the 64-bit immediate */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_3, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_redirect_map },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	ax->prog_fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "np_xsk_redir", "Dual MIT/GPL", insns,
				    NP_ARRAY_SIZE(insns), NULL);
	return ax->prog_fd < 0 ? ax->prog_fd : 0;
}

static void afx_kernel_down(struct afxdp *ax);

static int afx_kernel_up(struct afxdp *ax)
{
	int err;

	ax->map_fd = bpf_map_create(BPF_MAP_TYPE_XSKMAP, "np_xsks", sizeof(int), sizeof(int),
				    ax->nq, NULL);
	if (ax->map_fd < 0) {
		err = ax->map_fd;
		np_err("afxdp %s: cannot create the XSKMAP: %s%s\n", ax->ifname, strerror(-err),
		       err == -EPERM ? " (needs CAP_BPF / CAP_NET_ADMIN)" : "");
		ax->map_fd = -1;
		return err == -EPERM || err == -EACCES ? -EPERM : err == -EINVAL ? -EOPNOTSUPP : err;
	}
	err = afx_prog_load(ax);
	if (err) {
		np_err("afxdp %s: the kernel refused the XDP program: %s\n", ax->ifname,
		       strerror(-err));
		ax->prog_fd = -1;
		afx_kernel_down(ax);
		return err == -EPERM || err == -EACCES ? -EPERM : -EOPNOTSUPP;
	}
	ax->xdp_flags = ax->skb_mode ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	err = bpf_xdp_attach(ax->ifindex, ax->prog_fd, ax->xdp_flags | XDP_FLAGS_UPDATE_IF_NOEXIST,
			     NULL);
	if (err) {
		if (err == -EBUSY || err == -EEXIST)
			np_err("afxdp %s: the interface already has an XDP program (not replaced)\n",
			       ax->ifname);
		else if (err == -EOPNOTSUPP && !ax->skb_mode)
			np_err("afxdp %s: no native XDP on this interface (try skb_mode)\n",
			       ax->ifname);
		else
			np_err("afxdp %s: cannot attach the XDP program (%s mode): %s\n",
			       ax->ifname, ax->skb_mode ? "skb" : "native", strerror(-err));
		afx_kernel_down(ax);
		return err == -EEXIST ? -EBUSY : err == -EACCES ? -EPERM : err;
	}
	ax->prog_attached = true;
	ax->kernel_up = true;
	return 0;
}

static void afx_ring_unmap(struct afx_queue *aq)
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

/* Add the kernel's counters of @aq's socket to what earlier sockets left. */
static void afx_kern_stats_add(const struct afx_queue *aq, struct xdp_statistics *sum)
{
	struct xdp_statistics ks = { 0 };
	socklen_t len = sizeof(ks);

	*sum = aq->kern;
	if (aq->fd < 0 || getsockopt(aq->fd, SOL_XDP, XDP_STATISTICS, &ks, &len))
		return;
	sum->rx_dropped += ks.rx_dropped;
	sum->rx_invalid_descs += ks.rx_invalid_descs;
	sum->tx_invalid_descs += ks.tx_invalid_descs;
	sum->rx_ring_full += ks.rx_ring_full;
	sum->rx_fill_ring_empty_descs += ks.rx_fill_ring_empty_descs;
	sum->tx_ring_empty_descs += ks.tx_ring_empty_descs;
}

static void afx_socket_close(struct afxdp *ax, struct afx_queue *aq)
{
	if (aq->fd < 0)
		return;
	afx_kern_stats_add(aq, &aq->kern);
	/* the mappings hold the socket: unmap first, so close() releases it now */
	afx_ring_unmap(aq);
	close(aq->fd);
	if (ax->umem_fd == aq->fd)
		ax->umem_fd = -1;
	aq->fd = -1;
}

/* Everything the kernel holds goes: after this it touches no frame of ours. */
static void afx_kernel_down(struct afxdp *ax)
{
	if (ax->prog_attached) {
		LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = ax->prog_fd);

		/* only our program: one that replaced it in the meantime stays */
		bpf_xdp_detach(ax->ifindex, ax->xdp_flags, &opts);
		ax->prog_attached = false;
	}
	for (unsigned int i = ax->nq; i-- > 0;) {
		struct afx_queue *aq = &ax->q[i];

		if (aq->fd >= 0 && ax->map_fd >= 0)
			bpf_map_delete_elem(ax->map_fd, &aq->index);
		afx_socket_close(ax, aq);
	}
	if (ax->prog_fd >= 0)
		close(ax->prog_fd);
	if (ax->map_fd >= 0)
		close(ax->map_fd);
	ax->prog_fd = ax->map_fd = -1;
	ax->kernel_up = false;
}

static void *afx_ring_mmap(struct afx_queue *aq, unsigned int slot, uint64_t desc_off,
			   size_t entry, off_t pgoff)
{
	size_t len = desc_off + (size_t)aq->ax->ring_size * entry;
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, aq->fd, pgoff);

	if (m == MAP_FAILED)
		return NULL;
	aq->map[slot].addr = m;
	aq->map[slot].len = len;
	return m;
}

/* The header's ring helpers keep a producer's cached_cons one ring size ahead. */
static void afx_prod_init(struct xsk_ring_prod *r, void *m, const struct xdp_ring_offset *o,
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

static void afx_cons_init(struct xsk_ring_cons *r, void *m, const struct xdp_ring_offset *o,
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

static void afx_sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Bind, retrying while the queue is still held by a socket being released. */
static int afx_bind(struct afxdp *ax, struct afx_queue *aq, const struct sockaddr_xdp *sxdp)
{
	uint64_t start = np_now_ns();
	unsigned int wait = 1;

	for (;;) {
		if (!bind(aq->fd, (const struct sockaddr *)sxdp, sizeof(*sxdp)))
			return 0;
		if (errno != EBUSY || np_now_ns() - start > AFX_BIND_WAIT_MS * 1000000ull)
			return afx_errno();
		afx_count_any(aq, AFX_BIND_RETRIES, 1);
		np_dbg("afxdp %s: queue %u busy, retrying the bind in %u ms\n", ax->ifname,
		       aq->index, wait);
		afx_sleep_ms(wait);
		if (wait < 128)
			wait *= 2;
	}
}

static int afx_socket_open(struct afxdp *ax, struct afx_queue *aq)
{
	struct xdp_mmap_offsets off;
	struct sockaddr_xdp sxdp = { .sxdp_family = AF_XDP };
	struct xdp_options xo = { 0 };
	socklen_t optlen = sizeof(off);
	uint32_t n = ax->ring_size;
	bool owner = ax->umem_fd < 0;
	const char *what;
	void *m[4];
	int err;

	aq->fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (aq->fd < 0) {
		err = afx_errno();
		np_err("afxdp %s: no AF_XDP socket: %s\n", ax->ifname, strerror(-err));
		return err == -EAFNOSUPPORT ? -EOPNOTSUPP : err == -EACCES ? -EPERM : err;
	}
	if (owner) {
		struct xdp_umem_reg mr = {
			.addr = (uintptr_t)ax->umem,
			.len = ax->umem_size,
			.chunk_size = AFX_FRAME_SIZE,
			.headroom = 0,
		};

		if (setsockopt(aq->fd, SOL_XDP, XDP_UMEM_REG, &mr, sizeof(mr))) {
			what = "register the UMEM";
			goto fail;
		}
		ax->umem_fd = aq->fd;
	}
	what = "size the rings";
	if (setsockopt(aq->fd, SOL_XDP, XDP_UMEM_FILL_RING, &n, sizeof(n)) ||
	    setsockopt(aq->fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &n, sizeof(n)) ||
	    setsockopt(aq->fd, SOL_XDP, XDP_RX_RING, &n, sizeof(n)) ||
	    setsockopt(aq->fd, SOL_XDP, XDP_TX_RING, &n, sizeof(n)))
		goto fail;
	what = "get the ring offsets";
	if (getsockopt(aq->fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &optlen))
		goto fail;
	if (optlen != sizeof(off)) {
		np_err("afxdp %s: the kernel's ring layout is too old (no flags)\n", ax->ifname);
		err = -EOPNOTSUPP;
		goto out;
	}
	what = "map the rings";
	m[0] = afx_ring_mmap(aq, 0, off.rx.desc, sizeof(struct xdp_desc), XDP_PGOFF_RX_RING);
	m[1] = afx_ring_mmap(aq, 1, off.tx.desc, sizeof(struct xdp_desc), XDP_PGOFF_TX_RING);
	m[2] = afx_ring_mmap(aq, 2, off.fr.desc, sizeof(uint64_t), XDP_UMEM_PGOFF_FILL_RING);
	m[3] = afx_ring_mmap(aq, 3, off.cr.desc, sizeof(uint64_t),
			     XDP_UMEM_PGOFF_COMPLETION_RING);
	if (!m[0] || !m[1] || !m[2] || !m[3])
		goto fail;
	afx_cons_init(&aq->rx, m[0], &off.rx, n);
	afx_prod_init(&aq->tx, m[1], &off.tx, n);
	afx_prod_init(&aq->fill, m[2], &off.fr, n);
	afx_cons_init(&aq->comp, m[3], &off.cr, n);

	sxdp.sxdp_ifindex = (uint32_t)ax->ifindex;
	sxdp.sxdp_queue_id = aq->index;
	if (owner) {
		sxdp.sxdp_flags = XDP_USE_NEED_WAKEUP | (ax->skb_mode ? XDP_COPY : 0);
	} else {
		/* a shared UMEM inherits the owner's mode; no flags of its own */
		sxdp.sxdp_flags = XDP_SHARED_UMEM;
		sxdp.sxdp_shared_umem_fd = (uint32_t)ax->umem_fd;
	}
	err = afx_bind(ax, aq, &sxdp);
	if (err) {
		if (err == -EINVAL)
			np_err("afxdp %s: cannot bind queue %u (does the interface have it?)\n",
			       ax->ifname, aq->index);
		else if (err == -EBUSY)
			np_err("afxdp %s: queue %u stayed busy for %u ms (another AF_XDP socket?)\n",
			       ax->ifname, aq->index, AFX_BIND_WAIT_MS);
		else
			np_err("afxdp %s: cannot bind queue %u: %s\n", ax->ifname, aq->index,
			       strerror(-err));
		goto out;
	}
	optlen = sizeof(xo);
	aq->zerocopy = !getsockopt(aq->fd, SOL_XDP, XDP_OPTIONS, &xo, &optlen) &&
		       (xo.flags & XDP_OPTIONS_ZEROCOPY);
	err = bpf_map_update_elem(ax->map_fd, &aq->index, &aq->fd, 0);
	if (err) {
		np_err("afxdp %s: cannot insert queue %u's socket into the XSKMAP: %s\n",
		       ax->ifname, aq->index, strerror(-err));
		goto out;
	}
	aq->unkicked = 0;
	return 0;

fail:
	err = afx_errno();
	np_err("afxdp %s: queue %u: cannot %s: %s\n", ax->ifname, aq->index, what, strerror(-err));
	if (err == -EACCES)
		err = -EPERM;
out:
	afx_socket_close(ax, aq);
	return err;
}

/* ---- TX ---- */

/* Wake the kernel for what waits in the TX ring. Context: any (no lock held). */
static void afx_kick(struct afx_queue *aq)
{
	if (aq->fd < 0)
		return;
	afx_count_any(aq, AFX_TX_KICKS, 1);
	if (sendto(aq->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0)
		afx_count_any(aq, AFX_TX_KICK_BUSY, 1);
}

/*
 * Post one TX descriptor and remember what its completion frees.
 * Context: tx_lock held. Return: 0 or -ENOSPC (no slot or ring room).
 */
static int afx_tx_post(struct afx_queue *aq, uint64_t addr, uint32_t len, struct np_skb *skb,
		       struct np_page *xdp_page, struct np_page *copy)
{
	struct afxdp *ax = aq->ax;
	uint32_t chunk = (uint32_t)(addr >> AFX_FRAME_SHIFT), idx = 0, s;
	struct afx_slot *slot;
	struct xdp_desc *d;

	if (!aq->slot_free || xsk_ring_prod__reserve(&aq->tx, 1, &idx) != 1)
		return -ENOSPC;
	s = aq->slot_free - 1;
	slot = &aq->slots[s];
	aq->slot_free = slot->next;
	slot->addr = addr;
	slot->skb = skb;
	slot->xdp_page = xdp_page;
	slot->copy = copy;
	slot->next = aq->tx_head[chunk];
	aq->tx_head[chunk] = s + 1;
	if (ax->dma->need_sync)
		np_dma_sync_for_device(ax->dma, addr, len, NP_DMA_BIDIRECTIONAL);
	d = xsk_ring_prod__tx_desc(&aq->tx, idx);
	d->addr = addr;
	d->len = len;
	d->options = 0;
	xsk_ring_prod__submit(&aq->tx, 1);
	np_stat_add_owner(aq->inflight, 1);
	aq->unkicked++;
	return 0;
}

/* The in-flight slot of @addr, unchained; NULL when @addr is not in flight. Lock held. */
static struct afx_slot *afx_slot_take(struct afx_queue *aq, uint64_t addr)
{
	struct afxdp *ax = aq->ax;
	uint32_t *link, s;

	if (addr >= ax->umem_size)
		return NULL;
	for (link = &aq->tx_head[addr >> AFX_FRAME_SHIFT]; (s = *link); link = &aq->slots[s - 1].next)
		if (aq->slots[s - 1].addr == addr) {
			*link = aq->slots[s - 1].next;
			return &aq->slots[s - 1];
		}
	return NULL;
}

/* What a finished slot held, to be freed outside the lock. */
struct afx_done {
	unsigned int nskb, npage;
	struct np_skb *skb[AFX_BATCH];
	struct np_page *page[AFX_BATCH];
};

/* Retire @slot: a reserve frame goes back at once, the rest into @done. Lock held. */
static void afx_slot_retire(struct afx_queue *aq, struct afx_slot *slot, struct afx_done *done)
{
	if (slot->skb)
		done->skb[done->nskb++] = slot->skb;
	else if (slot->xdp_page)
		done->page[done->npage++] = slot->xdp_page;
	else if (slot->copy) {
		aq->reserve[np_stat_read(aq->reserve_free)] = slot->copy;
		np_stat_add_owner(aq->reserve_free, 1);
	}
	slot->skb = NULL;
	slot->xdp_page = slot->copy = NULL;
	slot->next = aq->slot_free;
	aq->slot_free = (uint32_t)(slot - aq->slots) + 1;
	np_stat_add_owner(aq->inflight, (uint64_t)-1);
}

static void afx_done_free(struct afx_done *done, int budget)
{
	for (unsigned int i = 0; i < done->nskb; i++)
		np_napi_consume_skb(done->skb[i], budget);
	for (unsigned int i = 0; i < done->npage; i++) {
		struct np_xdp_frame f = { .page = done->page[i] };

		np_xdp_frame_free(&f);
	}
	done->nskb = done->npage = 0;
}

/* Free what the kernel completed. Context: any; @budget 0 outside the queue's poll. */
static unsigned int afx_tx_complete(struct afx_queue *aq, int budget)
{
	unsigned int total = 0;
	struct afx_done done;
	uint32_t n;

	do {
		uint32_t idx = 0, bad = 0;

		done.nskb = done.npage = 0;
		pthread_mutex_lock(&aq->tx_lock);
		n = aq->fd >= 0 ? xsk_ring_cons__peek(&aq->comp, AFX_BATCH, &idx) : 0;
		for (uint32_t i = 0; i < n; i++) {
			uint64_t addr = *xsk_ring_cons__comp_addr(&aq->comp, idx + i);
			struct afx_slot *slot = afx_slot_take(aq, addr);

			if (np_unlikely(!slot)) {
				bad++;
				continue;
			}
			afx_slot_retire(aq, slot, &done);
		}
		if (n)
			xsk_ring_cons__release(&aq->comp, n);
		pthread_mutex_unlock(&aq->tx_lock);
		if (np_unlikely(bad)) {
			afx_count_any(aq, AFX_TX_BAD_COMPLETION, bad);
			np_warn("afxdp %s: queue %u: %u completions of addresses not in flight\n",
				aq->ax->ifname, aq->index, bad);
		}
		afx_count_any(aq, AFX_TX_COMPLETED, n - bad);
		afx_done_free(&done, budget);
		total += n - bad;
	} while (n == AFX_BATCH);
	return total;
}

/* Kick when TX descriptors wait for the kernel. Context: the queue's poll. */
static void afx_tx_flush(struct afx_queue *aq)
{
	bool pending;

	pthread_mutex_lock(&aq->tx_lock);
	pending = aq->fd >= 0 &&
		  aq->tx.cached_prod != __atomic_load_n(aq->tx.consumer, __ATOMIC_ACQUIRE);
	if (pending)
		aq->unkicked = 0;
	pthread_mutex_unlock(&aq->tx_lock);
	if (pending)
		afx_kick(aq);
}

/* Whether @len bytes at @data can leave as they are: inside one pool frame of this UMEM. */
static bool afx_zc_ok(const struct afxdp *ax, const void *data, uint32_t len)
{
	return afx_in_one_frame(ax, data, len) && np_page_is_pp(np_virt_to_page(data));
}

/*
 * Post a zero-copy descriptor; @skb or @xdp_page holds the frame until its
 * completion. Reaps completions once when out of room. Return: 0, -ENOSPC.
 */
static int afx_tx_zc(struct afx_queue *aq, const void *data, uint32_t len, struct np_skb *skb,
		     struct np_page *xdp_page)
{
	uint64_t addr = (uint64_t)((const unsigned char *)data - aq->ax->umem);
	bool kick;
	int err;

	for (int tries = 0;; tries++) {
		pthread_mutex_lock(&aq->tx_lock);
		err = afx_tx_post(aq, addr, len, skb, xdp_page, NULL);
		kick = !err && aq->unkicked >= AFX_KICK_BATCH;
		if (kick)
			aq->unkicked = 0;
		pthread_mutex_unlock(&aq->tx_lock);
		if (err != -ENOSPC || tries)
			break;
		afx_kick(aq);
		afx_tx_complete(aq, 0);
	}
	if (err)
		return err;
	afx_count_any(aq, AFX_TX_ZEROCOPY, 1);
	if (kick)
		afx_kick(aq);
	return 0;
}

/* Take an idle reserve frame. Lock held. */
static struct np_page *afx_reserve_get(struct afx_queue *aq)
{
	uint64_t n = np_stat_read(aq->reserve_free);

	if (!n)
		return NULL;
	np_stat_add_owner(aq->reserve_free, (uint64_t)-1);
	return aq->reserve[n - 1];
}

static void afx_reserve_put(struct afx_queue *aq, struct np_page *page)
{
	aq->reserve[np_stat_read(aq->reserve_free)] = page;
	np_stat_add_owner(aq->reserve_free, 1);
}

/*
 * Copy a frame (@fill writes its @len bytes) into a TX reserve frame and post
 * that. Reaps completions once when the reserve is empty. Return: 0,
 * -ENOSPC, or @fill's error.
 */
static int afx_tx_copy(struct afx_queue *aq, uint32_t len,
		       int (*fill)(void *dst, uint32_t len, const void *arg), const void *arg)
{
	struct afxdp *ax = aq->ax;
	struct np_page *frame = NULL;
	unsigned char *dst;
	bool kick;
	int err;

	for (int tries = 0; !frame; tries++) {
		pthread_mutex_lock(&aq->tx_lock);
		frame = afx_reserve_get(aq);
		pthread_mutex_unlock(&aq->tx_lock);
		if (frame)
			break;
		if (tries) {
			afx_count_any(aq, AFX_TX_NO_FRAME, 1);
			return -ENOSPC;
		}
		afx_kick(aq);
		afx_tx_complete(aq, 0);
	}
	dst = (unsigned char *)np_page_address(frame) + NP_XDP_HEADROOM;
	err = fill(dst, len, arg);
	pthread_mutex_lock(&aq->tx_lock);
	if (!err)
		err = afx_tx_post(aq, (uint64_t)(dst - ax->umem), len, NULL, NULL, frame);
	if (err)
		afx_reserve_put(aq, frame);
	kick = !err && aq->unkicked >= AFX_KICK_BATCH;
	if (kick)
		aq->unkicked = 0;
	pthread_mutex_unlock(&aq->tx_lock);
	if (err)
		return err;
	afx_count_any(aq, AFX_TX_COPIED, 1);
	if (kick)
		afx_kick(aq);
	return 0;
}

static int afx_fill_skb(void *dst, uint32_t len, const void *arg)
{
	return np_skb_copy_bits(arg, 0, dst, len) ? -EINVAL : 0;
}

static int afx_fill_flat(void *dst, uint32_t len, const void *arg)
{
	memcpy(dst, arg, len);
	return 0;
}

static int afx_xmit(struct np_netdev *dev, unsigned int q, struct np_skb *skb)
{
	struct afxdp *ax = to_afx(dev);
	struct afx_queue *aq = &ax->q[q];
	uint32_t len = skb->len;
	int err;

	if (np_unlikely(aq->fd < 0))
		return -ENETDOWN;
	if (np_unlikely(len < AFX_ETH_HLEN || len > ax->max_tx_len))
		return -EMSGSIZE;
	if (!np_skb_is_nonlinear(skb) && !np_skb_has_frag_list(skb) &&
	    afx_zc_ok(ax, skb->data, len)) {
		err = afx_tx_zc(aq, skb->data, len, skb, NULL);
		if (err)
			return err;
	} else {
		err = afx_tx_copy(aq, len, afx_fill_skb, skb);
		if (err)
			return err;
		np_consume_skb(skb);
	}
	np_netdev_count(&dev->q[q], NP_QSTAT(tx_packets), 1);
	np_netdev_count(&dev->q[q], NP_QSTAT(tx_bytes), len);
	return 0;
}

static int afx_xmit_frame(struct np_netdev *dev, unsigned int q, struct np_xdp_frame *f)
{
	struct afxdp *ax = to_afx(dev);
	struct afx_queue *aq = &ax->q[q];
	int err;

	if (np_unlikely(aq->fd < 0 || f->len < AFX_ETH_HLEN || f->len > ax->max_tx_len))
		return -ENOSPC;
	if (afx_zc_ok(ax, f->data, f->len)) {
		err = afx_tx_zc(aq, f->data, f->len, NULL, f->page);
	} else {
		err = afx_tx_copy(aq, f->len, afx_fill_flat, f->data);
		if (!err)
			np_xdp_frame_free(f);
	}
	if (err)
		return err;
	np_netdev_count(&dev->q[q], NP_QSTAT(tx_packets), 1);
	np_netdev_count(&dev->q[q], NP_QSTAT(tx_bytes), f->len);
	return 0;
}

/* ---- RX ---- */

/*
 * One descriptor as the kernel (or a test) returned it: checked, then
 * received or dropped. Context: the queue's poll. Return: 0 or -EBADMSG.
 */
static int afx_rx_desc(struct np_netdev *dev, struct afx_queue *aq, uint64_t addr, uint32_t len,
		       uint32_t options)
{
	struct afxdp *ax = aq->ax;
	struct np_rx_buf buf;
	struct np_page *page;
	uint32_t chunk, off;
	int why = -1;

	if (np_unlikely(addr >= ax->umem_size)) {
		why = AFX_RX_BAD_ADDR;
		goto refuse;
	}
	chunk = (uint32_t)(addr >> AFX_FRAME_SHIFT);
	off = (uint32_t)(addr & (AFX_FRAME_SIZE - 1));
	if (np_unlikely(atomic_load_explicit(&ax->posted[chunk], memory_order_relaxed) !=
			aq->index + 1)) {
		why = AFX_RX_UNPOSTED;
		goto refuse;
	}
	/* ours again, whatever its descriptor says */
	atomic_store_explicit(&ax->posted[chunk], 0, memory_order_relaxed);
	np_stat_add_owner(aq->posted, (uint64_t)-1);
	page = afx_chunk_page(ax, chunk);
	if (np_unlikely(options))
		why = AFX_RX_BAD_OPTIONS;
	else if (np_unlikely(off < NP_XDP_HEADROOM))
		why = AFX_RX_BAD_HEADROOM;
	else if (np_unlikely(len < AFX_ETH_HLEN))
		why = AFX_RX_TRUNCATED;
	else if (np_unlikely((uint64_t)off + len > (uint64_t)NP_XDP_HEADROOM + ax->buf_len))
		why = AFX_RX_OVERSIZED;	/* in 64 bits: an offset past the buffer must not wrap */
	if (np_unlikely(why >= 0)) {
		afx_count(aq, AFX_RX_INVALID, 1);
		afx_count(aq, why, 1);
		np_netdev_rx_drop(dev, aq->index, page, NP_QSTAT(rx_bad_desc));
		return -EBADMSG;
	}
	if (ax->dma->need_sync)
		np_dma_sync_for_cpu(ax->dma, addr, len, NP_DMA_BIDIRECTIONAL);
	buf.page = page;
	buf.offset = off;
	buf.len = len;
	np_netdev_receive(dev, aq->index, &buf, 1);
	return 0;

refuse:
	/* nothing of ours to give back */
	afx_count(aq, AFX_RX_INVALID, 1);
	afx_count(aq, why, 1);
	np_netdev_count(&dev->q[aq->index], NP_QSTAT(rx_bad_desc), 1);
	return -EBADMSG;
}

static int afx_rx(struct np_netdev *dev, struct afx_queue *aq, int budget)
{
	uint32_t idx = 0, n = xsk_ring_cons__peek(&aq->rx, (uint32_t)budget, &idx);

	for (uint32_t i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&aq->rx, idx + i);
		/* read the shared descriptor once */
		uint64_t addr = __atomic_load_n(&d->addr, __ATOMIC_RELAXED);
		uint32_t len = __atomic_load_n(&d->len, __ATOMIC_RELAXED);
		uint32_t options = __atomic_load_n(&d->options, __ATOMIC_RELAXED);

		afx_rx_desc(dev, aq, addr, len, options);
	}
	if (n)
		xsk_ring_cons__release(&aq->rx, n);
	return (int)n;
}

/* Keep fill_target frames posted, from the queue's pool. Context: the queue's poll. */
static void afx_refill(struct np_netdev *dev, struct afx_queue *aq)
{
	struct afxdp *ax = aq->ax;
	struct np_pool *pool = dev->q[aq->index].pool;

	while (np_stat_read(aq->posted) < ax->fill_target) {
		struct np_page *pages[AFX_BATCH];
		uint32_t want = NP_MIN(AFX_BATCH, ax->fill_target -
						      (uint32_t)np_stat_read(aq->posted));
		uint32_t idx = 0, got;

		want = NP_MIN(want, xsk_prod_nb_free(&aq->fill, want));
		if (!want)
			break;
		got = np_pool_alloc_pages_bulk(pool, pages, want);
		if (got && xsk_ring_prod__reserve(&aq->fill, got, &idx) == got) {
			for (uint32_t i = 0; i < got; i++) {
				uint64_t addr = np_pool_get_dma_addr(pages[i]);

				NP_ASSERT(addr < ax->umem_size &&
						   !(addr & (AFX_FRAME_SIZE - 1)));
				atomic_store_explicit(&ax->posted[addr >> AFX_FRAME_SHIFT],
						      (uint8_t)(aq->index + 1),
						      memory_order_relaxed);
				*xsk_ring_prod__fill_addr(&aq->fill, idx + i) = addr;
			}
			xsk_ring_prod__submit(&aq->fill, got);
			np_stat_add_owner(aq->posted, got);
			afx_count(aq, AFX_FILL_POSTED, got);
		}
		if (got < want) {
			afx_count(aq, AFX_FILL_EMPTY, 1);
			np_netdev_count(&dev->q[aq->index], NP_QSTAT(rx_nomem), 1);
			break;
		}
	}
	if (xsk_ring_prod__needs_wakeup(&aq->fill))
		recvfrom(aq->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
}

static int afx_poll(struct np_netdev *dev, unsigned int q, int budget)
{
	struct afx_queue *aq = &to_afx(dev)->q[q];
	int work;

	if (np_unlikely(aq->fd < 0))
		return 0;
	afx_tx_complete(aq, budget);
	work = afx_rx(dev, aq, budget);
	afx_refill(dev, aq);
	afx_tx_flush(aq);
	return work;
}

/* ---- queues ---- */

static int afx_queue_open(struct np_netdev *dev, unsigned int q)
{
	struct afxdp *ax = to_afx(dev);
	struct afx_queue *aq = &ax->q[q];
	struct np_napi_ctx *prev;
	int err;

	if (!ax->kernel_up) {
		err = afx_kernel_up(ax);
		if (err)
			return err;
	}
	err = afx_socket_open(ax, aq);
	if (err) {
		bool any = false;

		for (unsigned int i = 0; i < ax->nq; i++)
			any |= ax->q[i].fd >= 0;
		if (!any)
			afx_kernel_down(ax);
		return err;
	}
	/* the TX reserve: plain provider pages, never pool pages */
	while (aq->nreserve < ax->reserve_frames) {
		struct np_page *page = np_page_alloc(ax->prov, 0, NP_NUMA_NO_NODE, 0);

		if (!page)
			break;
		aq->reserve[aq->nreserve++] = page;
	}
	np_stat_add_owner(aq->reserve_free, aq->nreserve);
	if (aq->nreserve < ax->reserve_frames)
		np_warn("afxdp %s: queue %u: TX reserve of %u frames instead of %u\n", ax->ifname,
			q, aq->nreserve, ax->reserve_frames);
	prev = np_napi_ctx_enter(&dev->q[q].napi.ctx);
	afx_refill(dev, aq);
	np_napi_ctx_leave(prev);
	return 0;
}

static void afx_queue_close(struct np_netdev *dev, unsigned int q)
{
	struct afxdp *ax = to_afx(dev);
	struct afx_queue *aq = &ax->q[q];
	struct np_pool *pool = dev->q[q].pool;
	struct afx_done done = { 0 };

	/* first close: the kernel lets go of every queue's frames */
	if (ax->kernel_up || aq->fd >= 0)
		afx_kernel_down(ax);
	/* transmissions never completed: done now */
	for (uint32_t s = 0; s < ax->ring_size; s++) {
		struct afx_slot *slot = &aq->slots[s];

		if (!slot->skb && !slot->xdp_page && !slot->copy)
			continue;
		pthread_mutex_lock(&aq->tx_lock);
		afx_slot_retire(aq, slot, &done);
		pthread_mutex_unlock(&aq->tx_lock);
		if (done.nskb == AFX_BATCH || done.npage == AFX_BATCH)
			afx_done_free(&done, 0);
	}
	afx_done_free(&done, 0);
	memset(aq->tx_head, 0, ax->nframes * sizeof(*aq->tx_head));
	aq->slot_free = 0;
	for (uint32_t s = ax->ring_size; s-- > 0;) {
		aq->slots[s].next = aq->slot_free;
		aq->slot_free = s + 1;
	}
	/* posted frames back to the pool */
	for (uint32_t c = 0; c < ax->nframes && np_stat_read(aq->posted); c++) {
		if (atomic_load_explicit(&ax->posted[c], memory_order_relaxed) != q + 1)
			continue;
		atomic_store_explicit(&ax->posted[c], 0, memory_order_relaxed);
		np_stat_add_owner(aq->posted, (uint64_t)-1);
		np_pool_recycle_direct(pool, afx_chunk_page(ax, c));
	}
	/* the reserve back to the provider */
	if (np_stat_read(aq->reserve_free) != aq->nreserve)
		np_err("afxdp %s: queue %u: %llu TX reserve frames missing\n", ax->ifname, q,
		       (unsigned long long)(aq->nreserve - np_stat_read(aq->reserve_free)));
	for (uint64_t i = np_stat_read(aq->reserve_free); i-- > 0;)
		np_page_put(aq->reserve[i]);
	np_stat_add_owner(aq->reserve_free, (uint64_t)0 - np_stat_read(aq->reserve_free));
	aq->nreserve = 0;
}

/* ---- the device ---- */

static void afx_free(struct afxdp *ax)
{
	if (ax->q) {
		for (unsigned int i = 0; i < ax->nq; i++) {
			free(ax->q[i].slots);
			free(ax->q[i].tx_head);
			free(ax->q[i].reserve);
			pthread_mutex_destroy(&ax->q[i].tx_lock);
		}
		free(ax->q);
	}
	free(ax->posted);
	if (ax->dma)
		np_dma_dev_destroy(ax->dma);
	if (ax->prov && np_provider_destroy(ax->prov)) {
		struct np_provider_stats ps;

		np_provider_get_stats(ax->prov, &ps);
		np_err("afxdp %s: %llu UMEM frames still out at destroy: the UMEM stays mapped\n",
		       ax->ifname, (unsigned long long)ps.pages_out);
		ax->umem = NULL;	/* leaked on purpose: someone still points into it */
	}
	if (ax->umem)
		munmap(ax->umem, ax->umem_size);
	free(ax);
}

static void afx_destroy(struct np_netdev *dev)
{
	afx_free(to_afx(dev));
}

static const struct np_netdev_ops afx_ops = {
	.kind = "afxdp",
	.queue_open = afx_queue_open,
	.queue_close = afx_queue_close,
	.poll = afx_poll,
	.xmit = afx_xmit,
	.xmit_frame = afx_xmit_frame,
	.destroy = afx_destroy,
};

/* An anonymous region of @size bytes aligned to NP_ARENA_SIZE. */
static void *afx_umem_map(size_t size)
{
	size_t len = size + NP_ARENA_SIZE;
	uintptr_t raw, base;
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		return NULL;
	raw = (uintptr_t)m;
	base = NP_ALIGN(raw, (uintptr_t)NP_ARENA_SIZE);
	if (base > raw)
		munmap(m, base - raw);
	if (raw + len > base + size)
		munmap((void *)(base + size), raw + len - (base + size));
	return (void *)base;
}

static int afx_get_mtu(const char *ifname, unsigned int *mtu)
{
	struct ifreq ifr;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return afx_errno();
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFMTU, &ifr))
		err = afx_errno();
	else
		*mtu = (unsigned int)ifr.ifr_mtu;
	close(fd);
	return err;
}

/* Can this process have AF_XDP sockets at all? */
static int afx_probe(const char *ifname)
{
	int fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0), err;

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	err = afx_errno();
	if (err == -EAFNOSUPPORT) {
		np_err("afxdp %s: this kernel has no AF_XDP (CONFIG_XDP_SOCKETS)\n", ifname);
		return -EOPNOTSUPP;
	}
	if (err == -EPERM || err == -EACCES) {
		np_err("afxdp %s: AF_XDP sockets need CAP_NET_RAW\n", ifname);
		return -EPERM;
	}
	np_err("afxdp %s: no AF_XDP socket: %s\n", ifname, strerror(-err));
	return err;
}

int np_afxdp_create(const struct np_afxdp_params *params, struct np_netdev **out)
{
	struct np_afxdp_params p;
	struct np_provider_params pp = { 0 };
	struct np_netdev_params np = { 0 };
	unsigned int arenas, mtu = 1500, per_q;
	struct afxdp *ax;
	int err;

	if (!params || !out || !params->ifname || !params->ifname[0] ||
	    strlen(params->ifname) >= IF_NAMESIZE)
		return -EINVAL;
	p = *params;
	if (!p.nqueues)
		p.nqueues = 1;
	if (!p.ring_size)
		p.ring_size = AFX_RING_DEFAULT;
	if (p.nqueues > NP_NETDEV_MAX_QUEUES || p.ring_size < AFX_RING_MIN ||
	    p.ring_size > AFX_RING_MAX || (p.ring_size & (p.ring_size - 1)))
		return -EINVAL;
	if (!p.frame_count) {
		/* full fill rings, as much again in the stack, and a TX reserve, per queue */
		unsigned int need = p.nqueues * (2 * p.ring_size + NP_MIN(AFX_RESERVE_MAX,
									     p.ring_size));

		arenas = (unsigned int)((need + AFX_ARENA_FRAMES - 1) / AFX_ARENA_FRAMES);
		p.frame_count = arenas * (unsigned int)AFX_ARENA_FRAMES;
	}
	if (p.frame_count < AFX_FRAMES_MIN_PER_Q * p.nqueues || p.frame_count > AFX_FRAMES_MAX)
		return -EINVAL;
	arenas = (unsigned int)((p.frame_count + AFX_ARENA_FRAMES - 1) / AFX_ARENA_FRAMES);

	ax = calloc(1, sizeof(*ax));
	if (!ax)
		return -ENOMEM;
	snprintf(ax->ifname, sizeof(ax->ifname), "%s", p.ifname);
	ax->ifindex = (int)if_nametoindex(p.ifname);
	if (!ax->ifindex) {
		np_err("afxdp %s: no such interface\n", p.ifname);
		free(ax);
		return -ENODEV;
	}
	err = afx_probe(p.ifname);
	if (err) {
		free(ax);
		return err;
	}
	if (afx_get_mtu(p.ifname, &mtu))
		np_warn("afxdp %s: cannot read the MTU, assuming %u\n", p.ifname, mtu);
	ax->nq = p.nqueues;
	ax->ring_size = p.ring_size;
	ax->frame_count = p.frame_count;
	ax->skb_mode = p.skb_mode;
	ax->umem_fd = ax->map_fd = ax->prog_fd = -1;
	ax->buf_len = (uint32_t)(AFX_FRAME_SIZE - NP_XDP_HEADROOM - NP_SKB_SHINFO_SIZE);
	ax->max_tx_len = NP_MIN(mtu + AFX_ETH_HLEN + AFX_VLAN_HLEN,
				(uint32_t)(AFX_FRAME_SIZE - NP_XDP_HEADROOM));
	per_q = p.frame_count / p.nqueues;
	ax->reserve_frames = NP_MIN(NP_MIN(AFX_RESERVE_MAX, p.ring_size), per_q / 4);
	ax->fill_target = NP_MIN(p.ring_size, (per_q - ax->reserve_frames) / 2);
	ax->umem_size = (size_t)arenas * NP_ARENA_SIZE;
	ax->nframes = (uint32_t)(ax->umem_size >> AFX_FRAME_SHIFT);

	err = -ENOMEM;
	ax->umem = afx_umem_map(ax->umem_size);
	if (!ax->umem)
		goto fail;
	ax->posted = calloc(ax->nframes, sizeof(*ax->posted));
	ax->q = calloc(ax->nq, sizeof(*ax->q));
	if (!ax->posted || !ax->q)
		goto fail;
	for (unsigned int i = 0; i < ax->nq; i++) {
		struct afx_queue *aq = &ax->q[i];

		aq->ax = ax;
		aq->index = i;
		aq->fd = -1;
		pthread_mutex_init(&aq->tx_lock, NULL);
		aq->slots = calloc(ax->ring_size, sizeof(*aq->slots));
		aq->tx_head = calloc(ax->nframes, sizeof(*aq->tx_head));
		aq->reserve = calloc(ax->reserve_frames ? ax->reserve_frames : 1,
				     sizeof(*aq->reserve));
		if (!aq->slots || !aq->tx_head || !aq->reserve) {
			ax->nq = i + 1;
			goto fail;
		}
		for (uint32_t s = ax->ring_size; s-- > 0;) {
			aq->slots[s].next = aq->slot_free;
			aq->slot_free = s + 1;
		}
	}
	pp.fixed_base = ax->umem;
	pp.fixed_size = ax->umem_size;
	pp.mem_limit = (size_t)p.frame_count << AFX_FRAME_SHIFT;
	pp.name = ax->ifname;
	err = np_provider_create(&pp, &ax->prov);
	if (err) {
		ax->prov = NULL;
		goto fail;
	}
	err = np_dma_umem_create(ax->ifname, ax->umem, ax->umem_size, &ax->dma);
	if (err) {
		ax->dma = NULL;
		goto fail;
	}
	np.name = ax->ifname;
	np.nqueues = ax->nq;
	np.pool_size = NP_MIN(2 * ax->ring_size, AFX_RING_MAX);
	np.provider = ax->prov;
	np.dma = ax->dma;
	np.buf_len = ax->buf_len;
	np.no_recycle = p.no_recycle;
	err = np_netdev_create(&afx_ops, &np, ax, &ax->dev);
	if (err)
		goto fail;
	*out = ax->dev;
	return 0;

fail:
	afx_free(ax);
	return err;
}

/* ---- stats and the test hook ---- */

int np_afxdp_get_stats(struct np_netdev *dev, int q, struct np_afxdp_stats *st)
{
	struct np_provider_stats ps;
	struct afxdp *ax;
	uint64_t *c = (uint64_t *)st;

	if (!dev || dev->ops != &afx_ops || !st || q < -1 || q >= (int)dev->nqueues)
		return -EINVAL;
	ax = to_afx(dev);
	memset(st, 0, sizeof(*st));
	for (unsigned int i = 0; i < ax->nq; i++) {
		struct afx_queue *aq = &ax->q[i];
		struct xdp_statistics ks;

		if (q >= 0 && (unsigned int)q != i)
			continue;
		for (unsigned int k = 0; k < AFX_NR_COUNTERS; k++)
			c[k] += np_stat_read(aq->cnt[k]);
		st->frames_posted += np_stat_read(aq->posted);
		st->frames_tx += np_stat_read(aq->inflight);
		st->tx_reserve += aq->nreserve;
		st->tx_reserve_free += np_stat_read(aq->reserve_free);
		afx_kern_stats_add(aq, &ks);
		st->kern_rx_dropped += ks.rx_dropped;
		st->kern_rx_invalid += ks.rx_invalid_descs;
		st->kern_tx_invalid += ks.tx_invalid_descs;
		st->kern_rx_ring_full += ks.rx_ring_full;
		st->kern_fill_empty += ks.rx_fill_ring_empty_descs;
		st->kern_tx_ring_empty += ks.tx_ring_empty_descs;
		st->zerocopy |= aq->zerocopy;
	}
	np_provider_get_stats(ax->prov, &ps);
	st->umem_bytes = ax->umem_size;
	st->umem_frames = ax->frame_count;
	st->umem_frames_out = ps.pages_out;
	return 0;
}

int np_afxdp_inject_rx(struct np_netdev *dev, unsigned int q, uint64_t addr, uint32_t len,
		       uint32_t options)
{
	struct np_napi_ctx *prev;
	struct afx_queue *aq;
	int err;

	if (!dev || dev->ops != &afx_ops || q >= dev->nqueues || !dev->open)
		return -EINVAL;
	aq = &to_afx(dev)->q[q];
	if ((addr & NP_AFXDP_INJECT_POSTED) && (addr & ~NP_AFXDP_INJECT_POSTED) >= AFX_FRAME_SIZE)
		return -EINVAL;
	prev = np_napi_ctx_enter(&dev->q[q].napi.ctx);
	if (addr & NP_AFXDP_INJECT_POSTED) {
		struct np_page *page = np_pool_alloc_pages(dev->q[q].pool);
		uint64_t frame;

		if (!page) {
			np_napi_ctx_leave(prev);
			return -ENOMEM;
		}
		frame = np_pool_get_dma_addr(page);
		atomic_store_explicit(&aq->ax->posted[frame >> AFX_FRAME_SHIFT],
				      (uint8_t)(q + 1), memory_order_relaxed);
		np_stat_add_owner(aq->posted, 1);
		addr = frame + (addr & ~NP_AFXDP_INJECT_POSTED);
	}
	err = afx_rx_desc(dev, aq, addr, len, options);
	np_napi_ctx_leave(prev);
	return err;
}
