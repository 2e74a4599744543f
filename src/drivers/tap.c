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
 * memory; the kernel has copied the frame when the call returns, so the skb
 * is freed at once and there are no completions to reap in the poll.
 */
#include <fcntl.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/if_tun.h>
#include "tap_priv.h"

static const struct np_netdev_ops tap_ops;

const char *const np_tap_stats_names[] = {
	[TAP_RX_RUNT] = "rx_runt",
	[TAP_RX_OVERSIZE] = "rx_oversize",
	[TAP_RX_MULTI] = "rx_multi",
	[TAP_RX_ERRORS] = "rx_errors",
	[TAP_TX_LINEARIZED] = "tx_linearized",
	[TAP_TX_ERRORS] = "tx_errors",
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

/* The readv vector over the posted buffers: TAP_RX_ROOM bytes in all. */
static void tap_rx_iov(const struct tap *tap, const struct tap_queue *tq, struct iovec *iov)
{
	uint32_t left = TAP_RX_ROOM - TAP_BUF_LEN;

	iov[0].iov_base = (char *)np_page_address(tq->post[0]) + NP_XDP_HEADROOM;
	iov[0].iov_len = TAP_BUF_LEN;
	for (unsigned int i = 1; i < tap->nbufs; i++) {
		uint32_t n = NP_MIN(left, (uint32_t)NP_PAGE_SIZE);

		iov[i].iov_base = np_page_address(tq->post[i]);
		iov[i].iov_len = n;
		left -= n;
	}
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

static int tap_poll(struct np_netdev *dev, unsigned int q, int budget)
{
	struct tap *tap = to_tap(dev);
	struct tap_queue *tq = &tap->q[q];
	struct iovec iov[TAP_MAX_BUFS];
	int work = 0;

	while (work < budget) {
		ssize_t n;

		if (np_unlikely(!tap_rx_post(dev, tap, tq))) {
			/* no buffers: the frames wait in the kernel's queue */
			np_netdev_qstat_add(&dev->q[q], NP_QSTAT(rx_nomem), 1);
			break;
		}
		tap_rx_iov(tap, tq, iov);
		n = readv(tq->fd, iov, (int)tap->nbufs);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				tap_rx_error(dev, tq, errno);
			break;
		}
		work++;
		if (np_unlikely(n < (ssize_t)NP_TAP_MIN_FRAME))
			tap_rx_bad(dev, tq, true);
		else if (np_unlikely(n > (ssize_t)NP_TAP_MAX_FRAME))
			tap_rx_bad(dev, tq, false);
		else
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

static int tap_xmit(struct np_netdev *dev, unsigned int q, struct np_skb *skb)
{
	struct tap_queue *tq = &to_tap(dev)->q[q];
	struct np_skb_shared_info *sh = np_skb_shinfo(skb);
	struct iovec iov[NP_MAX_SKB_FRAGS + 1];
	int n = 0;
	ssize_t w;

	/* a frag_list (a GRO packet) goes out linear */
	if (np_unlikely(sh->frag_list)) {
		if (np_skb_linearize(skb))
			return -ENOMEM;
		tap_count_any(tq, TAP_TX_LINEARIZED, 1);
		sh = np_skb_shinfo(skb);
	}
	if (np_unlikely(!skb->len))
		return -EINVAL;
	if (np_skb_headlen(skb)) {
		iov[n].iov_base = skb->data;
		iov[n++].iov_len = np_skb_headlen(skb);
	}
	for (unsigned int k = 0; k < sh->nr_frags; k++) {
		const struct np_skb_frag *fr = &sh->frags[k];

		if (!fr->len)
			continue;
		iov[n].iov_base = np_skb_frag_address(fr);
		iov[n++].iov_len = fr->len;
	}
	do
		w = writev(tq->fd, iov, n);
	while (w < 0 && errno == EINTR);
	if (np_unlikely(w < 0))
		return tap_tx_error(dev, tq, errno);
	if (np_unlikely((size_t)w != skb->len))
		return tap_tx_error(dev, tq, EIO);	/* a TAP write is one frame, whole */
	np_netdev_qstat_add_any(&dev->q[q], NP_QSTAT(tx_packets), 1);
	np_netdev_qstat_add_any(&dev->q[q], NP_QSTAT(tx_bytes), skb->len);
	/* the kernel copied it: the transmission is complete */
	np_napi_consume_skb(skb, np_napi_ctx_current() ? NP_NAPI_WEIGHT : 0);
	return 0;
}

static int tap_xmit_frame(struct np_netdev *dev, unsigned int q, struct np_xdp_frame *f)
{
	struct tap_queue *tq = &to_tap(dev)->q[q];
	ssize_t w;

	do
		w = write(tq->fd, f->data, f->len);
	while (w < 0 && errno == EINTR);
	if (np_unlikely(w < 0))
		return tap_tx_error(dev, tq, errno);
	if (np_unlikely((size_t)w != f->len))
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

static void tap_free(struct tap *tap)
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

static const struct np_netdev_ops tap_ops = {
	.kind = "tap",
	.queue_open = tap_queue_open,
	.queue_close = tap_queue_close,
	.poll = tap_poll,
	.xmit = tap_xmit,
	.xmit_frame = tap_xmit_frame,
	.rx_fd = tap_rx_fd,
	.destroy = tap_destroy,
};

/* Open one queue of the device @name (filled in by the kernel when empty). */
static int tap_open_queue(char name[IFNAMSIZ], bool multi, int *fdp)
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
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (multi ? IFF_MULTI_QUEUE : 0);
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

int np_tap_create(const struct np_tap_params *p, struct np_netdev **out)
{
	struct np_netdev_params np = { 0 };
	unsigned int nq;
	struct tap *tap;
	int err;

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
	tap = calloc(1, sizeof(*tap) + nq * sizeof(tap->q[0]));
	if (!tap)
		return -ENOMEM;
	tap->nqueues = nq;
	tap->nbufs = 1 + (TAP_RX_ROOM - TAP_BUF_LEN + (uint32_t)NP_PAGE_SIZE - 1) /
			     (uint32_t)NP_PAGE_SIZE;
	if (p->ifname)
		memcpy(tap->ifname, p->ifname, strlen(p->ifname));
	for (unsigned int i = 0; i < nq; i++) {
		tap->q[i].fd = -1;
		tap->q[i].index = i;
	}
	for (unsigned int i = 0; i < nq; i++) {
		err = tap_open_queue(tap->ifname, nq > 1, &tap->q[i].fd);
		if (err) {
			tap_free(tap);
			return err;
		}
	}
	np.name = tap->ifname;
	np.nqueues = nq;
	np.buf_len = TAP_BUF_LEN;
	np.no_recycle = p->no_recycle;
	err = np_netdev_create(&tap_ops, &np, tap, &tap->dev);
	if (err) {
		np_err("tap: %s: netdev: error %d\n", tap->ifname, err);
		tap_free(tap);
		return err;
	}
	*out = tap->dev;
	return 0;
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
