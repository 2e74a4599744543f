/* SPDX-License-Identifier: MIT */
/*
 * afxdp without a kernel, for tests and fuzzing (afxdp_fake.h): a kernel
 * side (struct afx_kernel_ops) of its own. Each queue's rings live in
 * anonymous memory laid out as the kernel's (producer, consumer and flags
 * words a cache line apart, then the entries), the driver's side uses them
 * through the same libxdp ring helpers as on a real socket, and the calls
 * here are the kernel's side: a consumer of the fill and TX rings, a
 * producer of the RX and completion rings. There is no program, no map and
 * no socket: the queue's descriptor is /dev/null (something to poll), a TX
 * wake-up is refused (counted in tx_kick_busy), the fill ring's is not
 * needed and the kernel's counters stay zero. As a copy-mode kernel, its TX
 * ring always asks to be woken (need_wakeup) unless the test says otherwise;
 * it binds zero-copy only when created with that capability, multi-buffer
 * unless created without.
 *
 * Built into libnetpool_test.a only, never into the library; it calls
 * nothing in the driver's open path (afx_create() builds the netdev).
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "afxdp_priv.h"
#include "afxdp_fake.h"

/* The ring layout: as the kernel's, each word on its own cache line. */
static const struct xdp_ring_offset afx_fake_off = {
	.producer = 0,
	.consumer = 64,
	.flags = 128,
	.desc = 192,
};

static void afx_fake_socket_close(struct afxdp *ax, struct afx_queue *aq)
{
	if (aq->fd < 0)
		return;
	afx_ring_unmap(aq);
	close(aq->fd);
	aq->fd = -1;
	(void)ax;
}

static void *afx_fake_ring_map(struct afx_queue *aq, unsigned int slot, uint32_t n, size_t entry)
{
	size_t len = afx_fake_off.desc + (size_t)n * entry;
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		return NULL;
	aq->map[slot].addr = m;
	aq->map[slot].len = len;
	return m;
}

static int afx_fake_socket_open(struct afxdp *ax, struct afx_queue *aq)
{
	bool zc = (ax->kcaps & NP_AFXDP_FAKE_ZEROCOPY) && ax->bind != NP_AFXDP_BIND_COPY;
	void *m[4];
	int err;

	if (ax->bind == NP_AFXDP_BIND_ZEROCOPY && !(ax->kcaps & NP_AFXDP_FAKE_ZEROCOPY)) {
		np_err("afxdp %s: queue %u: no zero-copy AF_XDP here (the driver lacks it): use "
		       "copy mode\n", ax->ifname, aq->index);
		return -EOPNOTSUPP;
	}
	/* the first socket on the UMEM decides multi-buffer for all, as the kernel's does */
	if (afx_umem_bound_fd(ax) < 0)
		ax->um->sg = !(ax->kcaps & NP_AFXDP_FAKE_NO_MULTIBUF);
	aq->fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (aq->fd < 0) {
		err = afx_errno();
		np_err("afxdp %s: no /dev/null for the fake queue %u: %s\n", ax->ifname, aq->index,
		       strerror(-err));
		return err;
	}
	/* the slots as afx_socket_open() maps them: rx, tx, fill, completion */
	m[0] = afx_fake_ring_map(aq, 0, ax->rx_size, sizeof(struct xdp_desc));
	m[1] = afx_fake_ring_map(aq, 1, ax->tx_size, sizeof(struct xdp_desc));
	m[2] = afx_fake_ring_map(aq, 2, ax->fill_size, sizeof(uint64_t));
	m[3] = afx_fake_ring_map(aq, 3, ax->comp_size, sizeof(uint64_t));
	if (!m[0] || !m[1] || !m[2] || !m[3]) {
		afx_fake_socket_close(ax, aq);
		return -ENOMEM;
	}
	afx_cons_init(&aq->rx, m[0], &afx_fake_off, ax->rx_size);
	afx_prod_init(&aq->tx, m[1], &afx_fake_off, ax->tx_size);
	afx_prod_init(&aq->fill, m[2], &afx_fake_off, ax->fill_size);
	afx_cons_init(&aq->comp, m[3], &afx_fake_off, ax->comp_size);
	/* as a copy-mode kernel: the TX ring always asks to be woken, unless told otherwise */
	if (!(ax->kcaps & NP_AFXDP_FAKE_TX_NO_WAKEUP))
		*aq->tx.flags = XDP_RING_NEED_WAKEUP;
	atomic_store_explicit(&aq->zerocopy, zc, memory_order_relaxed);
	aq->unkicked = 0;
	return 0;
}

/* No interface to look up: a jumbo MTU, so frames may need chains of buffers. */
static int afx_fake_probe(struct afxdp *ax, unsigned int *mtu)
{
	(void)ax;
	*mtu = NP_AFXDP_FAKE_MTU;
	return 0;
}

/* No program and no map: the caller is the kernel. */
static int afx_fake_up(struct afxdp *ax)
{
	(void)ax;
	return 0;
}

static void afx_fake_down(struct afxdp *ax)
{
	for (unsigned int i = ax->nq; i-- > 0;)
		afx_fake_socket_close(ax, &ax->q[i]);
}

/* Nobody to wake: what waits in the TX ring waits for np_afxdp_fake_tx_take(). */
static int afx_fake_tx_kick(struct afx_queue *aq)
{
	(void)aq;
	return -ENOTSOCK;
}

static void afx_fake_fill_wake(struct afx_queue *aq)
{
	(void)aq;
}

static void afx_fake_stats_add(const struct afx_queue *aq, struct xdp_statistics *sum)
{
	(void)aq;
	(void)sum;
}

static void afx_fake_busy_poll(struct afx_queue *aq)
{
	(void)aq;
}

static const struct afx_kernel_ops afx_fake_ops = {
	.name = "fake",
	.probe = afx_fake_probe,
	.up = afx_fake_up,
	.socket_open = afx_fake_socket_open,
	.down = afx_fake_down,
	.tx_kick = afx_fake_tx_kick,
	.fill_wake = afx_fake_fill_wake,
	.stats_add = afx_fake_stats_add,
	.busy_poll = afx_fake_busy_poll,
};

static struct afx_queue *afx_fake_queue(struct np_netdev *dev, unsigned int q);

int np_afxdp_fake_create_caps(const struct np_afxdp_params *params, unsigned int caps,
			      struct np_netdev **out)
{
	struct np_afxdp_params p;
	int err;

	if (!params)
		return -EINVAL;
	p = *params;
	if (!p.ifname)
		p.ifname = "afxdp-fake";
	if (p.share_umem && (p.share_umem->ops != &afx_ops ||
			     to_afx(p.share_umem)->kops != &afx_fake_ops))
		return -EINVAL;
	err = afx_create(&p, &afx_fake_ops, out);
	if (!err)
		to_afx(*out)->kcaps = caps;
	return err;
}

int np_afxdp_fake_create(const struct np_afxdp_params *params, struct np_netdev **out)
{
	return np_afxdp_fake_create_caps(params, 0, out);
}

int np_afxdp_fake_set_wakeup(struct np_netdev *dev, unsigned int q, bool tx, bool fill)
{
	struct afx_queue *aq = afx_fake_queue(dev, q);

	if (!aq)
		return -EINVAL;
	__atomic_store_n(aq->tx.flags, tx ? XDP_RING_NEED_WAKEUP : 0, __ATOMIC_RELAXED);
	__atomic_store_n(aq->fill.flags, fill ? XDP_RING_NEED_WAKEUP : 0, __ATOMIC_RELAXED);
	return 0;
}

/* An open fake afxdp netdev: its kernel side is this file's. */
static struct afxdp *afx_fake_dev(struct np_netdev *dev)
{
	if (!dev || dev->ops != &afx_ops || to_afx(dev)->kops != &afx_fake_ops)
		return NULL;
	return to_afx(dev);
}

static struct afx_queue *afx_fake_queue(struct np_netdev *dev, unsigned int q)
{
	struct afxdp *ax = afx_fake_dev(dev);

	if (!ax || !dev->open || q >= ax->nq || ax->q[q].fd < 0)
		return NULL;
	return &ax->q[q];
}

int np_afxdp_fake_info(struct np_netdev *dev, struct np_afxdp_fake_info *info)
{
	struct afxdp *ax = afx_fake_dev(dev);

	if (!ax || !info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->umem = ax->umem;
	info->umem_size = ax->umem_size;
	info->frame_size = AFX_FRAME_SIZE;
	info->chunk_size = ax->um->frame_size;
	info->headroom = NP_XDP_HEADROOM;
	info->buf_len = ax->buf_len;
	info->arena_frames = NP_ARENA_PAGES;
	info->arena_meta = (uint32_t)AFX_ARENA_META;
	info->ring_size = ax->ring_size;
	info->rx_size = ax->rx_size;
	info->tx_size = ax->tx_size;
	info->fill_size = ax->fill_size;
	info->comp_size = ax->comp_size;
	info->multibuf = ax->um->sg;
	info->nqueues = ax->nq;
	info->fill_target = ax->fill_target;
	info->reserve_frames = ax->reserve_frames;
	info->max_tx_len = ax->max_tx_len;
	return 0;
}

/* The kernel's view of a ring the driver produces: entries to take. */
static uint32_t afx_fake_avail(uint32_t *producer, uint32_t *consumer)
{
	return __atomic_load_n(producer, __ATOMIC_ACQUIRE) -
	       __atomic_load_n(consumer, __ATOMIC_RELAXED);
}

/* The kernel's view of a ring the driver consumes: room to publish. */
static uint32_t afx_fake_room(uint32_t *producer, uint32_t *consumer, uint32_t size)
{
	return size - (__atomic_load_n(producer, __ATOMIC_RELAXED) -
		       __atomic_load_n(consumer, __ATOMIC_ACQUIRE));
}

int np_afxdp_fake_pending(struct np_netdev *dev, unsigned int q,
			  struct np_afxdp_fake_pending *pending)
{
	struct afx_queue *aq = afx_fake_queue(dev, q);
	struct afxdp *ax;

	if (!aq || !pending)
		return -EINVAL;
	ax = aq->ax;
	pending->fill = afx_fake_avail(aq->fill.producer, aq->fill.consumer);
	pending->tx = afx_fake_avail(aq->tx.producer, aq->tx.consumer);
	pending->rx = ax->rx_size - afx_fake_room(aq->rx.producer, aq->rx.consumer, ax->rx_size);
	pending->comp = ax->comp_size - afx_fake_room(aq->comp.producer, aq->comp.consumer,
						      ax->comp_size);
	return 0;
}

int np_afxdp_fake_fill_take(struct np_netdev *dev, unsigned int q, uint64_t *addr,
			    unsigned int max)
{
	struct afx_queue *aq = afx_fake_queue(dev, q);
	const uint64_t *ring;
	uint32_t cons, n;

	if (!aq || (max && !addr))
		return -EINVAL;
	ring = aq->fill.ring;
	n = NP_MIN(max, afx_fake_avail(aq->fill.producer, aq->fill.consumer));
	cons = __atomic_load_n(aq->fill.consumer, __ATOMIC_RELAXED);
	for (uint32_t i = 0; i < n; i++)
		addr[i] = ring[(cons + i) & aq->fill.mask];
	__atomic_store_n(aq->fill.consumer, cons + n, __ATOMIC_RELEASE);
	return (int)n;
}

int np_afxdp_fake_tx_take(struct np_netdev *dev, unsigned int q, struct np_afxdp_fake_desc *d,
			  unsigned int max)
{
	struct afx_queue *aq = afx_fake_queue(dev, q);
	const struct xdp_desc *ring;
	uint32_t cons, n;

	if (!aq || (max && !d))
		return -EINVAL;
	/* the TX ring is the transmitters' too */
	pthread_mutex_lock(&aq->tx_lock);
	ring = aq->tx.ring;
	n = NP_MIN(max, afx_fake_avail(aq->tx.producer, aq->tx.consumer));
	cons = __atomic_load_n(aq->tx.consumer, __ATOMIC_RELAXED);
	for (uint32_t i = 0; i < n; i++) {
		const struct xdp_desc *x = &ring[(cons + i) & aq->tx.mask];

		d[i].addr = x->addr;
		d[i].len = x->len;
		d[i].options = x->options;
	}
	__atomic_store_n(aq->tx.consumer, cons + n, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&aq->tx_lock);
	return (int)n;
}

/* Publish up to @n RX entries, written from @in or (NULL) read back into @out. */
static int afx_fake_rx(struct np_netdev *dev, unsigned int q, const struct np_afxdp_fake_desc *in,
		       struct np_afxdp_fake_desc *out, unsigned int n)
{
	struct afx_queue *aq = afx_fake_queue(dev, q);
	struct xdp_desc *ring;
	uint32_t prod;

	if (!aq || (n && !in && !out))
		return -EINVAL;
	ring = aq->rx.ring;
	n = NP_MIN(n, afx_fake_room(aq->rx.producer, aq->rx.consumer, aq->ax->rx_size));
	prod = __atomic_load_n(aq->rx.producer, __ATOMIC_RELAXED);
	for (uint32_t i = 0; i < n; i++) {
		struct xdp_desc *x = &ring[(prod + i) & aq->rx.mask];

		if (in) {
			x->addr = in[i].addr;
			x->len = in[i].len;
			x->options = in[i].options;
		} else {
			out[i].addr = x->addr;
			out[i].len = x->len;
			out[i].options = x->options;
		}
	}
	__atomic_store_n(aq->rx.producer, prod + n, __ATOMIC_RELEASE);
	return (int)n;
}

int np_afxdp_fake_rx_put(struct np_netdev *dev, unsigned int q,
			 const struct np_afxdp_fake_desc *d, unsigned int n)
{
	return afx_fake_rx(dev, q, d, NULL, n);
}

int np_afxdp_fake_rx_republish(struct np_netdev *dev, unsigned int q,
			       struct np_afxdp_fake_desc *d, unsigned int n)
{
	return afx_fake_rx(dev, q, NULL, d, n);
}

/* Publish up to @n completions, written from @in or (NULL) read back into @out. */
static int afx_fake_comp(struct np_netdev *dev, unsigned int q, const uint64_t *in, uint64_t *out,
			 unsigned int n)
{
	struct afx_queue *aq = afx_fake_queue(dev, q);
	uint64_t *ring;
	uint32_t prod;

	if (!aq || (n && !in && !out))
		return -EINVAL;
	pthread_mutex_lock(&aq->tx_lock);
	ring = aq->comp.ring;
	n = NP_MIN(n, afx_fake_room(aq->comp.producer, aq->comp.consumer, aq->ax->comp_size));
	prod = __atomic_load_n(aq->comp.producer, __ATOMIC_RELAXED);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t *x = &ring[(prod + i) & aq->comp.mask];

		if (in)
			*x = in[i];
		else
			out[i] = *x;
	}
	__atomic_store_n(aq->comp.producer, prod + n, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&aq->tx_lock);
	return (int)n;
}

int np_afxdp_fake_comp_put(struct np_netdev *dev, unsigned int q, const uint64_t *addr,
			   unsigned int n)
{
	return afx_fake_comp(dev, q, addr, NULL, n);
}

int np_afxdp_fake_comp_republish(struct np_netdev *dev, unsigned int q, uint64_t *addr,
				 unsigned int n)
{
	return afx_fake_comp(dev, q, NULL, addr, n);
}
