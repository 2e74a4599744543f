/* SPDX-License-Identifier: MIT */
/*
 * tap: a netdev on a Linux TAP device, one non-blocking descriptor per queue.
 *
 * Receive. A queue keeps nbufs pool pages posted, as a NIC keeps buffers in
 * its RX ring: the head buffer (frame at NP_XDP_HEADROOM, buf_len bytes) and
 * whole pages behind it, sized so that the readv vector holds exactly
 * NP_TAP_MAX_FRAME + 1 bytes. One readv returns one frame, and the kernel
 * reports a frame that does not fit with a length past the vector (or, on
 * older kernels, a full vector): either way longer than NP_TAP_MAX_FRAME, so
 * truncated frames are always recognised as oversize. The buffers a frame
 * used leave with it into np_netdev_receive(); a frame that fails the length
 * checks leaves its buffers posted, to be overwritten by the next one.
 *
 * Transmit. writev of the head and every frag straight from the skb's
 * memory (and of each frag_list member's, as GRO builds them); the kernel
 * has copied the frame when the call returns, so the skb is freed at once
 * and there are no completions to reap in the poll.
 *
 * With offloads (IFF_VNET_HDR) a virtio-net header leads each readv and
 * writev (tap_vnet.c), and the vector holds NP_TAP_MAX_GSO_FRAME + 1
 * bytes: a 64 KiB TSO frame fills the head buffer and 16 whole pages.
 * The header of a frame is checked before the hand-over; what it says
 * waits in the queue's rx_meta for tap_rx_offload(), which np_netdev_receive()
 * calls once the skb is built.
 */
#include <fcntl.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include "tap_priv.h"

/* older uapi headers lack the UDP segmentation offloads */
#ifndef TUN_F_USO4
#define TUN_F_USO4	0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6	0x40
#endif

static const struct np_netdev_ops tap_ops;

const char *const np_tap_stats_names[] = {
	[TAP_RX_RUNT] = "rx_runt",
	[TAP_RX_OVERSIZE] = "rx_oversize",
	[TAP_RX_MULTI] = "rx_multi",
	[TAP_RX_ERRORS] = "rx_errors",
	[TAP_TX_LINEARIZED] = "tx_linearized",
	[TAP_TX_ERRORS] = "tx_errors",
	[TAP_RX_GSO] = "rx_gso",
	[TAP_RX_CSUM_PARTIAL] = "rx_csum_partial",
	[TAP_RX_BAD_VNET_HDR] = "rx_bad_vnet_hdr",
	[TAP_TX_GSO] = "tx_gso",
	[TAP_TX_CSUM_PARTIAL] = "tx_csum_partial",
	[TAP_TX_NO_OFFLOAD] = "tx_no_offload",
	[TAP_RX_CSUM_XDP] = "rx_csum_xdp",
};
_Static_assert(NP_ARRAY_SIZE(np_tap_stats_names) == TAP_NR_COUNTERS, "a name per counter");

static const char *tap_strerror(int err, char *buf, size_t len)
{
	/* the GNU strerror_r: thread-safe, returns the text */
	return strerror_r(err, buf, len);
}

/* ---- receive ---- */

/* Post a page in every empty slot. Return: false when one could not be had. */
static bool tap_rx_post(struct np_netdev *dev, struct tap *tap, struct tap_queue *tq)
{
	struct np_pool *pool = dev->q[tq->index].pool;

	for (unsigned int i = 0; i < tap->nbufs; i++) {
		if (tq->post[i])
			continue;
		tq->post[i] = np_pool_alloc_pages(pool);
		if (!tq->post[i])
			return false;
	}
	return true;
}

/*
 * The readv vector over the posted buffers, rx_room bytes in all, behind
 * the virtio-net header @vh when the device has one. Return: its length.
 */
static int tap_rx_iov(const struct tap *tap, const struct tap_queue *tq, struct iovec *iov,
		      struct virtio_net_hdr *vh)
{
	uint32_t left = tap->rx_room - TAP_BUF_LEN;
	int k = 0;

	if (tap->vnet) {
		iov[k].iov_base = vh;
		iov[k++].iov_len = sizeof(*vh);
	}
	iov[k].iov_base = (char *)np_page_address(tq->post[0]) + NP_XDP_HEADROOM;
	iov[k++].iov_len = TAP_BUF_LEN;
	for (unsigned int i = 1; i < tap->nbufs; i++) {
		uint32_t n = NP_MIN(left, (uint32_t)NP_PAGE_SIZE);

		iov[k].iov_base = np_page_address(tq->post[i]);
		iov[k++].iov_len = n;
		left -= n;
	}
	return k;
}

/* A frame the length checks refused: counted; its buffers stay posted. */
static void tap_rx_bad(struct np_netdev *dev, struct tap_queue *tq, bool runt)
{
	if (runt)
		tap_count(tq, TAP_RX_RUNT, 1);
	else
		tap_count(tq, TAP_RX_OVERSIZE, 1);
	np_netdev_qstat_add(&dev->q[tq->index], NP_QSTAT(rx_bad_desc), 1);
}

/* Hand the @len bytes just read to the stack, in the buffers they fill. */
static void tap_rx_frame(struct np_netdev *dev, struct tap_queue *tq, uint32_t len)
{
	struct np_rx_buf bufs[TAP_MAX_BUFS];
	unsigned int nb = 0;
	uint32_t off;

	bufs[nb].page = tq->post[0];
	bufs[nb].offset = NP_XDP_HEADROOM;
	bufs[nb].len = NP_MIN(len, TAP_BUF_LEN);
	tq->post[nb++] = NULL;
	off = bufs[0].len;
	while (off < len) {
		bufs[nb].page = tq->post[nb];
		bufs[nb].offset = 0;
		bufs[nb].len = NP_MIN(len - off, (uint32_t)NP_PAGE_SIZE);
		off += bufs[nb].len;
		tq->post[nb++] = NULL;
	}
	/* pages it did not reach stay posted; the next read fills the empty slots */
	if (nb > 1)
		tap_count(tq, TAP_RX_MULTI, 1);
	np_netdev_receive(dev, tq->index, bufs, nb);
}

static void tap_rx_error(struct np_netdev *dev, struct tap_queue *tq, int err)
{
	char buf[64];

	tap_count(tq, TAP_RX_ERRORS, 1);
	if (!tq->rx_warned) {
		tq->rx_warned = true;
		np_warn("tap %s: queue %u: read: %s\n", dev->name, tq->index,
			tap_strerror(err, buf, sizeof(buf)));
	}
}

static void tap_rx_csum_for_xdp(struct tap_queue *tq, uint32_t len);

/*
 * A frame with a virtio-net header: checked, its offloads counted and kept
 * for tap_rx_offload(). Return: false when the header is impossible (the
 * frame is dropped, its buffers stay posted).
 */
static bool tap_rx_vnet(struct np_netdev *dev, struct tap *tap, struct tap_queue *tq,
			const struct virtio_net_hdr *vh, uint32_t len)
{
	const uint8_t *f = (const uint8_t *)np_page_address(tq->post[0]) + NP_XDP_HEADROOM;

	if (np_unlikely(tap_vnet_rx_check(vh, tap->offloads, f, len, NP_MIN(len, TAP_BUF_LEN),
					  &tq->rx_meta))) {
		tap_count(tq, TAP_RX_BAD_VNET_HDR, 1);
		np_netdev_qstat_add(&dev->q[tq->index], NP_QSTAT(rx_bad_desc), 1);
		return false;
	}
	if (tq->rx_meta.gso_size)
		tap_count(tq, TAP_RX_GSO, 1);
	if (tq->rx_meta.ip_summed == NP_CHECKSUM_PARTIAL) {
		tap_count(tq, TAP_RX_CSUM_PARTIAL, 1);
		if (atomic_load_explicit(&dev->xdp_prog, memory_order_relaxed))
			tap_rx_csum_for_xdp(tq, len);
	}
	return true;
}

/*
 * A program on the raw buffer sees, and may send out as it is, the bytes of
 * the frame: a checksum the sender left partial is finished first, in the
 * buffer, when the frame is all in its first one (a longer frame goes up as
 * an skb whatever the program says, and the skb keeps the partial state).
 */
static void tap_rx_csum_for_xdp(struct tap_queue *tq, uint32_t len)
{
	struct tap_rx_meta *m = &tq->rx_meta;
	unsigned char *f = (unsigned char *)np_page_address(tq->post[0]) + NP_XDP_HEADROOM;
	uint32_t at = (uint32_t)m->csum_start + m->csum_offset;
	uint16_t c;

	/* a GSO frame skips the program (tap_rx_skip_xdp()): its segments get their own sums */
	if (m->ip_summed != NP_CHECKSUM_PARTIAL || m->gso_size || len > TAP_BUF_LEN || at + 2 > len)
		return;		/* (the header check already refused a field outside the frame) */
	c = np_csum_fold(np_csum_partial(f + m->csum_start, len - m->csum_start, 0));
	if (!c && m->csum_offset == 6)
		c = 0xffff;	/* UDP: 0 means none */
	memcpy(f + at, &c, 2);	/* the sum is in memory order */
	m->ip_summed = NP_CHECKSUM_UNNECESSARY;
	tap_count(tq, TAP_RX_CSUM_XDP, 1);
}

/* A GSO frame never meets a program on the raw buffer (tun's rule). */
static bool tap_rx_skip_xdp(struct np_netdev *dev, unsigned int q)
{
	struct tap *tap = to_tap(dev);

	return tap->vnet && tap->q[q].rx_meta.gso_size;
}

/* What the header of the frame just handed over said, into its skb. */
static void tap_rx_offload(struct np_netdev *dev, unsigned int q, struct np_skb *skb)
{
	struct tap *tap = to_tap(dev);
	const struct tap_rx_meta *m = &tap->q[q].rx_meta;
	struct np_skb_shared_info *sh;

	if (!tap->vnet)
		return;
	/* offsets from head: the frame began at NP_XDP_HEADROOM, wherever a program moved data */
	skb->mac_header = (uint16_t)NP_XDP_HEADROOM;
	skb->ip_summed = m->ip_summed & 3u;
	if (m->ip_summed == NP_CHECKSUM_PARTIAL) {
		skb->csum_start = (uint16_t)(NP_XDP_HEADROOM + m->csum_start);
		skb->csum_offset = m->csum_offset;
		skb->transport_header = skb->csum_start;
	}
	if (m->gso_size) {
		sh = np_skb_shinfo(skb);
		sh->gso_size = m->gso_size;
		sh->gso_type = m->gso_type;
		sh->gso_segs = m->gso_segs;
		skb->network_header = (uint16_t)(NP_XDP_HEADROOM + m->l3);
	}
}

static int tap_poll(struct np_netdev *dev, unsigned int q, int budget)
{
	struct tap *tap = to_tap(dev);
	struct tap_queue *tq = &tap->q[q];
	uint32_t max = tap->rx_room - 1u, hdr = tap->vnet ? sizeof(struct virtio_net_hdr) : 0;
	struct iovec iov[TAP_MAX_BUFS + 1];
	struct virtio_net_hdr vh;
	int work = 0;

	while (work < budget) {
		ssize_t n;
		int k;

		if (np_unlikely(!tap_rx_post(dev, tap, tq))) {
			/* no buffers: the frames wait in the kernel's queue */
			np_netdev_qstat_add(&dev->q[q], NP_QSTAT(rx_nomem), 1);
			break;
		}
		k = tap_rx_iov(tap, tq, iov, &vh);
		n = readv(tq->fd, iov, k);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				tap_rx_error(dev, tq, errno);
			break;
		}
		work++;
		/* a read shorter than the header is a runt too */
		n = n < (ssize_t)hdr ? 0 : n - (ssize_t)hdr;
		if (np_unlikely(n < (ssize_t)NP_TAP_MIN_FRAME))
			tap_rx_bad(dev, tq, true);
		else if (np_unlikely(n > (ssize_t)max))
			tap_rx_bad(dev, tq, false);
		else if (!tap->vnet || tap_rx_vnet(dev, tap, tq, &vh, (uint32_t)n))
			tap_rx_frame(dev, tq, (uint32_t)n);
	}
	return work;
}

/* ---- transmit ---- */

/* After a failed write: -ENOSPC for a full queue (the caller counts tx_busy), else -errno. */
static int tap_tx_error(struct np_netdev *dev, struct tap_queue *tq, int err)
{
	char buf[64];

	if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS)
		return -ENOSPC;
	tap_count_any(tq, TAP_TX_ERRORS, 1);
	if (!atomic_exchange_explicit(&tq->tx_warned, true, memory_order_relaxed)) {
		np_warn("tap %s: queue %u: write: %s\n", dev->name, tq->index,
			tap_strerror(err, buf, sizeof(buf)));
	}
	return -err;
}

/*
 * @skb's bytes into @iov (at most @max entries): its head, its frags, then
 * each frag_list member's. Return: the entries, or -1 when they do not fit
 * or a member has a frag_list of its own.
 */
static int tap_tx_iov(const struct np_skb *skb, struct iovec *iov, int max, bool member)
{
	const struct np_skb_shared_info *sh = np_skb_shinfo(skb);
	int n = 0;

	if (member && sh->frag_list)
		return -1;
	if (np_skb_headlen(skb)) {
		if (n == max)
			return -1;
		iov[n].iov_base = skb->data;
		iov[n++].iov_len = np_skb_headlen(skb);
	}
	for (unsigned int k = 0; k < sh->nr_frags; k++) {
		const struct np_skb_frag *fr = &sh->frags[k];

		if (!fr->len)
			continue;
		if (n == max)
			return -1;
		iov[n].iov_base = np_skb_frag_address(fr);
		iov[n++].iov_len = fr->len;
	}
	for (const struct np_skb *l = sh->frag_list; l; l = l->next) {
		int m = tap_tx_iov(l, iov + n, max - n, true);

		if (m < 0)
			return -1;
		n += m;
	}
	return n;
}

static int tap_xmit(struct np_netdev *dev, unsigned int q, struct np_skb *skb)
{
	struct tap *tap = to_tap(dev);
	struct tap_queue *tq = &tap->q[q];
	struct iovec iov[TAP_TX_IOV];
	struct virtio_net_hdr vh;
	size_t want = skb->len;
	int n = 0, k;
	ssize_t w;

	if (np_unlikely(!skb->len))
		return -EINVAL;
	if (tap->vnet) {
		if (np_unlikely(tap_vnet_tx_hdr(skb, tap->offloads, &vh))) {
			tap_count_any(tq, TAP_TX_NO_OFFLOAD, 1);
			return -EOPNOTSUPP;
		}
		iov[n].iov_base = &vh;
		iov[n++].iov_len = sizeof(vh);
		want += sizeof(vh);
	} else if (np_unlikely(np_skb_shinfo(skb)->gso_size ||
			       skb->ip_summed == NP_CHECKSUM_PARTIAL)) {
		/* a plain TAP cannot be told to cut or to finish a checksum */
		tap_count_any(tq, TAP_TX_NO_OFFLOAD, 1);
		return -EOPNOTSUPP;
	}
	k = tap_tx_iov(skb, iov + n, (int)TAP_TX_IOV - n, false);
	if (np_unlikely(k < 0)) {
		/* nested frag_lists, or more pieces than a write takes: one piece */
		if (np_skb_linearize(skb))
			return -ENOMEM;
		tap_count_any(tq, TAP_TX_LINEARIZED, 1);
		k = tap_tx_iov(skb, iov + n, (int)TAP_TX_IOV - n, false);
	}
	n += k;
	do
		w = writev(tq->fd, iov, n);
	while (w < 0 && errno == EINTR);
	if (np_unlikely(w < 0))
		return tap_tx_error(dev, tq, errno);
	if (np_unlikely((size_t)w != want))
		return tap_tx_error(dev, tq, EIO);	/* a TAP write is one frame, whole */
	if (tap->vnet) {
		if (vh.gso_type != VIRTIO_NET_HDR_GSO_NONE)
			tap_count_any(tq, TAP_TX_GSO, 1);
		if (vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
			tap_count_any(tq, TAP_TX_CSUM_PARTIAL, 1);
	}
	np_netdev_qstat_add_any(&dev->q[q], NP_QSTAT(tx_packets), 1);
	np_netdev_qstat_add_any(&dev->q[q], NP_QSTAT(tx_bytes), skb->len);
	/* the kernel copied it: the transmission is complete */
	np_napi_consume_skb(skb, np_napi_ctx_current() ? NP_NAPI_WEIGHT : 0);
	return 0;
}

static int tap_xmit_frame(struct np_netdev *dev, unsigned int q, struct np_xdp_frame *f)
{
	struct tap *tap = to_tap(dev);
	struct tap_queue *tq = &tap->q[q];
	struct virtio_net_hdr vh = { 0 };	/* a frame says nothing of itself */
	struct iovec iov[2] = { { &vh, sizeof(vh) }, { f->data, f->len } };
	int first = tap->vnet ? 0 : 1;
	ssize_t w;

	do
		w = writev(tq->fd, iov + first, 2 - first);
	while (w < 0 && errno == EINTR);
	if (np_unlikely(w < 0))
		return tap_tx_error(dev, tq, errno);
	if (np_unlikely((size_t)w != f->len + (first ? 0 : sizeof(vh))))
		return tap_tx_error(dev, tq, EIO);
	np_netdev_qstat_add_any(&dev->q[q], NP_QSTAT(tx_packets), 1);
	np_netdev_qstat_add_any(&dev->q[q], NP_QSTAT(tx_bytes), f->len);
	np_xdp_frame_free(f);
	return 0;
}

/* ---- queues and the device ---- */

static int tap_queue_open(struct np_netdev *dev, unsigned int q)
{
	struct np_napi_ctx *prev = np_napi_ctx_enter(&dev->q[q].napi.ctx);

	/* a short post is no failure: the poll posts what is missing */
	(void)tap_rx_post(dev, to_tap(dev), &to_tap(dev)->q[q]);
	np_napi_ctx_leave(prev);
	return 0;
}

static void tap_queue_close(struct np_netdev *dev, unsigned int q)
{
	struct tap_queue *tq = &to_tap(dev)->q[q];

	for (unsigned int i = 0; i < TAP_MAX_BUFS; i++) {
		if (tq->post[i]) {
			np_pool_recycle_direct(dev->q[q].pool, tq->post[i]);
			tq->post[i] = NULL;
		}
	}
}

void tap_free(struct tap *tap)
{
	for (unsigned int i = 0; i < tap->nqueues; i++)
		if (tap->q[i].fd >= 0)
			close(tap->q[i].fd);
	free(tap);
}

static void tap_destroy(struct np_netdev *dev)
{
	/* closing the last descriptor removes a device we created */
	tap_free(to_tap(dev));
}

static int tap_rx_fd(struct np_netdev *dev, unsigned int q)
{
	return to_tap(dev)->q[q].fd;
}

/* Queue @q's counters for the statistics export (ethtool -S): relaxed loads. */
static unsigned int tap_get_ethtool_stats(struct np_netdev *dev, unsigned int q,
					  const char **names, uint64_t *vals, unsigned int max)
{
	const struct tap_queue *tq = &to_tap(dev)->q[q];
	unsigned int n = NP_MIN(max, (unsigned int)TAP_NR_COUNTERS);

	for (unsigned int k = 0; k < n; k++) {
		names[k] = np_tap_stats_names[k];
		vals[k] = np_stat_read(tq->cnt[k]);
	}
	return n;
}

static const struct np_netdev_ops tap_ops = {
	.kind = "tap",
	.queue_open = tap_queue_open,
	.queue_close = tap_queue_close,
	.poll = tap_poll,
	.xmit = tap_xmit,
	.xmit_frame = tap_xmit_frame,
	.rx_fd = tap_rx_fd,
	.rx_offload = tap_rx_offload,
	.rx_skip_xdp = tap_rx_skip_xdp,
	.get_ethtool_stats = tap_get_ethtool_stats,
	.destroy = tap_destroy,
};

/* Open one queue of the device @name (filled in by the kernel when empty). */
static int tap_open_queue(char name[IFNAMSIZ], bool multi, bool vnet, int *fdp)
{
	struct ifreq ifr;
	char buf[64];
	int fd, err;

	fd = open(TAP_DEV_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		if (err == ENOENT || err == ENXIO || err == ENODEV) {
			np_err("tap: cannot open %s: %s (no TUN/TAP support here)\n", TAP_DEV_PATH,
			       tap_strerror(err, buf, sizeof(buf)));
			return -ENODEV;
		}
		np_err("tap: cannot open %s: %s\n", TAP_DEV_PATH, tap_strerror(err, buf, sizeof(buf)));
		return -err;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = (short)(IFF_TAP | IFF_NO_PI | (multi ? IFF_MULTI_QUEUE : 0) |
				(vnet ? IFF_VNET_HDR : 0));
	memcpy(ifr.ifr_name, name, IFNAMSIZ);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		err = errno;
		close(fd);
		switch (err) {
		case EPERM:
		case EACCES:
			np_err("tap: %s: not permitted to create or attach the device "
			       "(needs CAP_NET_ADMIN, or a device the caller owns)\n",
			       name[0] ? name : "(new)");
			break;
		case EINVAL:
			np_err("tap: %s: refused: an interface of that name exists that is no "
			       "TAP device, or has the other queue mode (%s), or the name is "
			       "invalid\n",
			       name[0] ? name : "(new)", multi ? "multi-queue asked" :
							 "single queue asked");
			break;
		case EBUSY:
			np_err("tap: %s: busy: the single-queue device is attached elsewhere\n",
			       name);
			break;
		default:
			np_err("tap: %s: TUNSETIFF: %s\n", name[0] ? name : "(new)",
			       tap_strerror(err, buf, sizeof(buf)));
			break;
		}
		return -err;
	}
	/* the kernel's name: the one it picked, or ours as it took it */
	memcpy(name, ifr.ifr_name, IFNAMSIZ);
	name[IFNAMSIZ - 1] = '\0';
	*fdp = fd;
	return 0;
}

/* NP_TAP_OFFLOAD_* as TUN_F_* for TUNSETOFFLOAD. */
static unsigned int tap_tun_flags(unsigned int off)
{
	return (off & NP_TAP_OFFLOAD_CSUM ? TUN_F_CSUM : 0u) |
	       (off & NP_TAP_OFFLOAD_TSO4 ? TUN_F_TSO4 : 0u) |
	       (off & NP_TAP_OFFLOAD_TSO6 ? TUN_F_TSO6 : 0u) |
	       (off & NP_TAP_OFFLOAD_TSO_ECN ? TUN_F_TSO_ECN : 0u) |
	       (off & NP_TAP_OFFLOAD_USO ? TUN_F_USO4 | TUN_F_USO6 : 0u);
}

/*
 * The header's size and the offloads @want on the device behind @fd (set
 * for the device, not per queue). A kernel without USO refuses the whole
 * set: then it is asked again without. Return: the offloads on, or -errno.
 */
static int tap_set_offloads(int fd, const char *name, unsigned int want)
{
	int sz = (int)sizeof(struct virtio_net_hdr);
	char buf[64];

	if (ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0) {
		np_err("tap: %s: TUNSETVNETHDRSZ: %s\n", name, tap_strerror(errno, buf, sizeof(buf)));
		return -EOPNOTSUPP;
	}
	if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)tap_tun_flags(want)) == 0)
		return (int)want;
	if (errno == EINVAL && (want & NP_TAP_OFFLOAD_USO)) {
		want &= ~NP_TAP_OFFLOAD_USO;
		if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)tap_tun_flags(want)) == 0)
			return (int)want;
	}
	np_err("tap: %s: TUNSETOFFLOAD 0x%x: %s\n", name, tap_tun_flags(want),
	       tap_strerror(errno, buf, sizeof(buf)));
	return -EOPNOTSUPP;
}

/*
 * The netdev's transmit features: what the kernel takes through the header.
 * The header has no word for a fixed IPv4 ID: a kernel that segments a
 * frame counts the IDs up, so a fixed-ID train goes as MANGLEID.
 */
static np_netdev_features_t tap_features(unsigned int off)
{
	if (!(off & NP_TAP_OFFLOAD_CSUM))
		return 0;
	return NP_NETIF_F_HW_CSUM | NP_NETIF_F_TSO_MANGLEID |
	       (off & NP_TAP_OFFLOAD_TSO4 ? NP_NETIF_F_TSO : 0) |
	       (off & NP_TAP_OFFLOAD_TSO6 ? NP_NETIF_F_TSO6 : 0) |
	       (off & NP_TAP_OFFLOAD_TSO_ECN ? NP_NETIF_F_TSO_ECN : 0) |
	       (off & NP_TAP_OFFLOAD_USO ? NP_NETIF_F_GSO_UDP_L4 : 0);
}

/* The parameters' checks before anything is opened. Return: 0 or -EINVAL (said why). */
static int tap_params_check(const struct np_tap_params *p, struct np_netdev **out)
{
	unsigned int nq, seg = NP_TAP_OFFLOAD_TSO4 | NP_TAP_OFFLOAD_TSO6 | NP_TAP_OFFLOAD_USO;

	if (!p || !out) {
		np_err("tap: create: no parameters or no result pointer\n");
		return -EINVAL;
	}
	nq = p->nqueues ? p->nqueues : 1;
	if (nq > NP_NETDEV_MAX_QUEUES) {
		np_err("tap: create: %u queues asked, at most %u\n", nq, NP_NETDEV_MAX_QUEUES);
		return -EINVAL;
	}
	if (p->ifname && strlen(p->ifname) >= IFNAMSIZ) {
		np_err("tap: create: interface name \"%s\" longer than %d characters\n", p->ifname,
		       IFNAMSIZ - 1);
		return -EINVAL;
	}
	if (p->offloads & ~NP_TAP_OFFLOAD_ALL ||
	    ((p->offloads & (seg | NP_TAP_OFFLOAD_TSO_ECN)) && !(p->offloads & NP_TAP_OFFLOAD_CSUM))) {
		np_err("tap: create: offloads 0x%x: unknown bits, or segmentation without "
		       "checksums\n", p->offloads);
		return -EINVAL;
	}
	return 0;
}

/* A tap of @p's queue count with no descriptor open yet. */
struct tap *tap_alloc(const struct np_tap_params *p)
{
	unsigned int nq = p->nqueues ? p->nqueues : 1;
	struct tap *tap = calloc(1, sizeof(*tap) + nq * sizeof(tap->q[0]));

	if (!tap)
		return NULL;
	tap->nqueues = nq;
	tap->vnet = !p->no_vnet_hdr;
	tap->rx_room = tap->vnet ? TAP_RX_ROOM_GSO : TAP_RX_ROOM;
	tap->nbufs = TAP_BUFS(tap->rx_room);
	if (p->ifname)
		memcpy(tap->ifname, p->ifname, strlen(p->ifname));
	for (unsigned int i = 0; i < nq; i++) {
		tap->q[i].fd = -1;
		tap->q[i].index = i;
	}
	return tap;
}

int tap_netdev_create(struct tap *tap, const struct np_tap_params *p, struct np_netdev **out)
{
	struct np_netdev_params np = { 0 };
	int err;

	np.name = tap->ifname;
	np.nqueues = tap->nqueues;
	np.buf_len = TAP_BUF_LEN;
	np.no_recycle = p->no_recycle;
	np.features = tap->vnet ? tap_features(tap->offloads) : 0;
	err = np_netdev_create(&tap_ops, &np, tap, &tap->dev);
	if (err) {
		np_err("tap: %s: netdev: error %d\n", tap->ifname, err);
		tap_free(tap);
		return err;
	}
	*out = tap->dev;
	return 0;
}

int np_tap_create(const struct np_tap_params *p, struct np_netdev **out)
{
	struct tap *tap;
	int err;

	err = tap_params_check(p, out);
	if (err)
		return err;
	tap = tap_alloc(p);
	if (!tap)
		return -ENOMEM;
	for (unsigned int i = 0; i < tap->nqueues; i++) {
		err = tap_open_queue(tap->ifname, tap->nqueues > 1, tap->vnet, &tap->q[i].fd);
		if (err) {
			tap_free(tap);
			return err;
		}
	}
	if (tap->vnet) {
		err = tap_set_offloads(tap->q[0].fd, tap->ifname,
				       p->offloads ? p->offloads : NP_TAP_OFFLOAD_ALL);
		if (err < 0) {
			tap_free(tap);
			return err;
		}
		tap->offloads = (unsigned int)err;
	}
	return tap_netdev_create(tap, p, out);
}

int np_tap_offloads(struct np_netdev *dev)
{
	if (!dev || dev->ops != &tap_ops)
		return -EINVAL;
	return (int)to_tap(dev)->offloads;
}

int np_tap_fd(struct np_netdev *dev, unsigned int q)
{
	if (!dev || dev->ops != &tap_ops || q >= dev->nqueues)
		return -EINVAL;
	return to_tap(dev)->q[q].fd;
}

int np_tap_get_stats(struct np_netdev *dev, int q, struct np_tap_stats *st)
{
	struct tap *tap;

	if (!dev || dev->ops != &tap_ops || !st || q < -1 || q >= (int)dev->nqueues)
		return -EINVAL;
	tap = to_tap(dev);
	memset(st, 0, sizeof(*st));
	for (unsigned int i = 0; i < dev->nqueues; i++)
		if (q < 0 || (unsigned int)q == i)
			np_netdev_counters_sum((uint64_t *)st, tap->q[i].cnt, TAP_NR_COUNTERS);
	return 0;
}
