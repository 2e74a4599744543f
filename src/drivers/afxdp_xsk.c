/* SPDX-License-Identifier: MIT */
/*
 * afxdp: the kernel side. One AF_XDP socket per queue with its four rings
 * mapped, the interface's MTU, wake-ups; the XDP program and its XSKMAP are
 * afxdp_prog.c's.
 *
 * Sockets are set up with plain setsockopt/mmap/bind, so that a bind
 * refused with EBUSY (the previous socket of the queue is still being
 * released) can be retried on the same socket. The first socket on a UMEM
 * registers it (unaligned chunks of frame_size bytes) and binds with the
 * mode, need_wakeup and multi-buffer (falling back to one buffer a frame on
 * a kernel without it); every other socket, of this netdev or of another
 * one sharing the UMEM, binds with XDP_SHARED_UMEM through a bound one and
 * its own fill and completion rings, and inherits all that. The first
 * queue_close tears down every socket and the program (after that the
 * kernel touches no frame), then each queue_close takes its queue's frames
 * back.
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

/* ---- the kernel side: program (afxdp_prog.c), sockets ---- */

/* The program and its XSKMAP attached; a look at what the frames will be like. */
static int afx_xsk_up(struct afxdp *ax)
{
	int err = afx_prog_up(ax);

	if (err)
		return err;
	if (!ax->csum_checked) {
		afx_probe_csum(ax);
		ax->csum_checked = true;
	}
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

static void afx_socket_close(struct afx_queue *aq)
{
	if (aq->fd < 0)
		return;
	afx_xsk_stats_add(aq, &aq->kern);
	/* the mappings hold the socket: unmap first, so close() releases it now */
	afx_ring_unmap(aq);
	close(aq->fd);
	aq->fd = -1;
	atomic_store_explicit(&aq->zerocopy, false, memory_order_relaxed);
}

/* Everything the kernel holds goes: after this it touches no frame of ours. */
static void afx_xsk_down(struct afxdp *ax)
{
	/* no frame is steered to the sockets any more (only our program goes) */
	afx_prog_detach(ax);
	for (unsigned int i = ax->nq; i-- > 0;) {
		struct afx_queue *aq = &ax->q[i];

		if (aq->fd >= 0 && ax->map_fd >= 0)
			bpf_map_delete_elem(ax->map_fd, &aq->index);
		afx_socket_close(aq);
	}
	afx_prog_release(ax);
}

static void *afx_ring_mmap(struct afx_queue *aq, unsigned int slot, uint64_t desc_off,
			   uint32_t n, size_t entry, off_t pgoff)
{
	size_t len = desc_off + (size_t)n * entry;
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

/* The bind's flags for the socket that registered the UMEM: mode, wake-ups, multi-buffer. */
static uint16_t afx_bind_flags(const struct afxdp *ax, bool sg)
{
	uint16_t f = XDP_USE_NEED_WAKEUP | (sg ? XDP_USE_SG : 0);

	if (ax->bind == NP_AFXDP_BIND_ZEROCOPY)
		f |= XDP_ZEROCOPY;
	else if (ax->bind == NP_AFXDP_BIND_COPY || ax->skb_mode)
		f |= XDP_COPY;
	return f;
}

/* Busy polling on @aq's socket (SO_PREFER_BUSY_POLL, SO_BUSY_POLL, SO_BUSY_POLL_BUDGET). */
static int afx_busy_poll_set(struct afxdp *ax, struct afx_queue *aq)
{
	int one = 1, us = (int)ax->busy_poll_us, budget = (int)ax->busy_poll_budget;

	if (setsockopt(aq->fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, &one, sizeof(one)) ||
	    setsockopt(aq->fd, SOL_SOCKET, SO_BUSY_POLL, &us, sizeof(us)) ||
	    setsockopt(aq->fd, SOL_SOCKET, SO_BUSY_POLL_BUDGET, &budget, sizeof(budget))) {
		int err = afx_errno();

		np_err("afxdp %s: queue %u: cannot set busy polling (%u us, budget %u): %s\n",
		       ax->ifname, aq->index, ax->busy_poll_us, ax->busy_poll_budget,
		       strerror(-err));
		return err == -EACCES ? -EPERM : err;
	}
	return 0;
}

static int afx_xsk_socket_open(struct afxdp *ax, struct afx_queue *aq)
{
	struct xdp_mmap_offsets off;
	struct sockaddr_xdp sxdp = { .sxdp_family = AF_XDP };
	struct xdp_options xo = { 0 };
	socklen_t optlen = sizeof(off);
	struct afx_umem *um = ax->um;
	int share = afx_umem_bound_fd(ax);
	const char *what;
	void *m[4];
	int err;

	aq->fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (aq->fd < 0) {
		err = afx_errno();
		np_err("afxdp %s: no AF_XDP socket: %s\n", ax->ifname, strerror(-err));
		return err == -EAFNOSUPPORT ? -EOPNOTSUPP : err == -EACCES ? -EPERM : err;
	}
	if (share < 0) {
		/* unaligned chunks: one at the start of each page, frame_size long */
		struct xdp_umem_reg mr = {
			.addr = (uintptr_t)ax->umem,
			.len = ax->umem_size,
			.chunk_size = um->frame_size,
			.headroom = 0,
			.flags = XDP_UMEM_UNALIGNED_CHUNK_FLAG,
		};

		if (setsockopt(aq->fd, SOL_XDP, XDP_UMEM_REG, &mr, sizeof(mr))) {
			what = "register the UMEM (unaligned chunks)";
			goto fail;
		}
	}
	what = "size the rings";
	if (setsockopt(aq->fd, SOL_XDP, XDP_UMEM_FILL_RING, &ax->fill_size, sizeof(uint32_t)) ||
	    setsockopt(aq->fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &ax->comp_size,
		       sizeof(uint32_t)) ||
	    setsockopt(aq->fd, SOL_XDP, XDP_RX_RING, &ax->rx_size, sizeof(uint32_t)) ||
	    setsockopt(aq->fd, SOL_XDP, XDP_TX_RING, &ax->tx_size, sizeof(uint32_t)))
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
	m[0] = afx_ring_mmap(aq, 0, off.rx.desc, ax->rx_size, sizeof(struct xdp_desc),
			     XDP_PGOFF_RX_RING);
	m[1] = afx_ring_mmap(aq, 1, off.tx.desc, ax->tx_size, sizeof(struct xdp_desc),
			     XDP_PGOFF_TX_RING);
	m[2] = afx_ring_mmap(aq, 2, off.fr.desc, ax->fill_size, sizeof(uint64_t),
			     XDP_UMEM_PGOFF_FILL_RING);
	m[3] = afx_ring_mmap(aq, 3, off.cr.desc, ax->comp_size, sizeof(uint64_t),
			     XDP_UMEM_PGOFF_COMPLETION_RING);
	if (!m[0] || !m[1] || !m[2] || !m[3])
		goto fail;
	afx_cons_init(&aq->rx, m[0], &off.rx, ax->rx_size);
	afx_prod_init(&aq->tx, m[1], &off.tx, ax->tx_size);
	afx_prod_init(&aq->fill, m[2], &off.fr, ax->fill_size);
	afx_cons_init(&aq->comp, m[3], &off.cr, ax->comp_size);

	sxdp.sxdp_ifindex = (uint32_t)ax->ifindex;
	sxdp.sxdp_queue_id = aq->index;
	if (share < 0) {
		sxdp.sxdp_flags = afx_bind_flags(ax, true);
		err = afx_bind(ax, aq, &sxdp);
		if (err == -EINVAL) {
			/* a kernel without multi-buffer AF_XDP: one buffer a frame */
			sxdp.sxdp_flags = afx_bind_flags(ax, false);
			err = afx_bind(ax, aq, &sxdp);
			if (!err)
				np_warn("afxdp %s: the kernel binds no multi-buffer socket: frames "
					"above %u bytes are dropped\n", ax->ifname, ax->buf_len);
		}
		um->sg = !err && (sxdp.sxdp_flags & XDP_USE_SG);
	} else {
		/* a shared UMEM inherits the mode and flags of its first socket: none of its own */
		sxdp.sxdp_flags = XDP_SHARED_UMEM;
		sxdp.sxdp_shared_umem_fd = (uint32_t)share;
		err = afx_bind(ax, aq, &sxdp);
	}
	if (err) {
		if (err == -EINVAL)
			np_err("afxdp %s: cannot bind queue %u (does the interface have it?)\n",
			       ax->ifname, aq->index);
		else if (err == -EBUSY)
			np_err("afxdp %s: queue %u stayed busy for %u ms (another AF_XDP socket?)\n",
			       ax->ifname, aq->index, AFX_BIND_WAIT_MS);
		else if (err == -EOPNOTSUPP && (sxdp.sxdp_flags & XDP_ZEROCOPY || share >= 0))
			np_err("afxdp %s: queue %u: no zero-copy AF_XDP here (the driver lacks it%s):"
			       " use copy mode\n", ax->ifname, aq->index,
			       share >= 0 ? ", and the UMEM's first socket is zero-copy" : "");
		else
			np_err("afxdp %s: cannot bind queue %u: %s\n", ax->ifname, aq->index,
			       strerror(-err));
		goto out;
	}
	optlen = sizeof(xo);
	atomic_store_explicit(&aq->zerocopy,
			      !getsockopt(aq->fd, SOL_XDP, XDP_OPTIONS, &xo, &optlen) &&
				      (xo.flags & XDP_OPTIONS_ZEROCOPY),
			      memory_order_relaxed);
	if (ax->bind == NP_AFXDP_BIND_ZEROCOPY && !atomic_load(&aq->zerocopy)) {
		np_err("afxdp %s: queue %u bound in copy mode, zero-copy was asked for\n",
		       ax->ifname, aq->index);
		err = -EOPNOTSUPP;
		goto out;
	}
	if (ax->busy_poll_us && (err = afx_busy_poll_set(ax, aq)))
		goto out;
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
	afx_socket_close(aq);
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

/* With SO_PREFER_BUSY_POLL a receive call runs the device's napi in this thread. */
static void afx_xsk_busy_poll(struct afx_queue *aq)
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
	.busy_poll = afx_xsk_busy_poll,
};
