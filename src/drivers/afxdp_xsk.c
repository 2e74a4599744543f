/* SPDX-License-Identifier: MIT */
/*
 * afxdp: the kernel side. The XDP program and its XSKMAP, one AF_XDP socket
 * per queue with its four rings mapped, the interface's MTU.
 *
 * Our own XDP program (XSKMAP redirect by RX queue index, else XDP_PASS) is
 * attached as the single program of the interface, never over another one:
 * no bpffs or dispatcher needed. Sockets are set up with plain
 * setsockopt/mmap/bind (the first one registers the UMEM, the others share
 * it with their own fill and completion rings), so that a bind refused with
 * EBUSY (the previous socket of the queue is still being released) can be
 * retried on the same socket. The first queue_close tears down every socket
 * and the program (after that the kernel touches no frame), then each
 * queue_close takes its queue's frames back.
 */
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "afxdp_priv.h"

#ifndef AF_XDP
#define AF_XDP	44
#endif
#ifndef SOL_XDP
#define SOL_XDP	283
#endif

/* ---- the kernel side: program, sockets ---- */

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

static void afx_xsk_down(struct afxdp *ax);

/* The program and the XSKMAP. */
static int afx_xsk_up(struct afxdp *ax)
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
		afx_xsk_down(ax);
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
		afx_xsk_down(ax);
		return err == -EEXIST ? -EBUSY : err == -EACCES ? -EPERM : err;
	}
	ax->prog_attached = true;
	return 0;
}

/* Add the kernel's counters of @aq's open socket to @sum. */
static void afx_xsk_stats_add(const struct afx_queue *aq, struct xdp_statistics *sum)
{
	struct xdp_statistics ks = { 0 };
	socklen_t len = sizeof(ks);

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
	afx_xsk_stats_add(aq, &aq->kern);
	/* the mappings hold the socket: unmap first, so close() releases it now */
	afx_ring_unmap(aq);
	close(aq->fd);
	if (ax->umem_fd == aq->fd)
		ax->umem_fd = -1;
	aq->fd = -1;
}

/* Everything the kernel holds goes: after this it touches no frame of ours. */
static void afx_xsk_down(struct afxdp *ax)
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

static int afx_xsk_socket_open(struct afxdp *ax, struct afx_queue *aq)
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

/* ---- at create ---- */

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

/* At create: the interface, AF_XDP for this process, the MTU (the default kept when unknown). */
static int afx_xsk_probe(struct afxdp *ax, unsigned int *mtu)
{
	int err;

	ax->ifindex = (int)if_nametoindex(ax->ifname);
	if (!ax->ifindex) {
		np_err("afxdp %s: no such interface\n", ax->ifname);
		return -ENODEV;
	}
	err = afx_probe(ax->ifname);
	if (err)
		return err;
	if (afx_get_mtu(ax->ifname, mtu))
		np_warn("afxdp %s: cannot read the MTU, assuming %u\n", ax->ifname, *mtu);
	return 0;
}

/* ---- wake-ups ---- */

static int afx_xsk_tx_kick(struct afx_queue *aq)
{
	return sendto(aq->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 ? afx_errno() : 0;
}

static void afx_xsk_fill_wake(struct afx_queue *aq)
{
	recvfrom(aq->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
}

const struct afx_kernel_ops afx_xsk_ops = {
	.name = "xsk",
	.probe = afx_xsk_probe,
	.up = afx_xsk_up,
	.socket_open = afx_xsk_socket_open,
	.down = afx_xsk_down,
	.tx_kick = afx_xsk_tx_kick,
	.fill_wake = afx_xsk_fill_wake,
	.stats_add = afx_xsk_stats_add,
};
