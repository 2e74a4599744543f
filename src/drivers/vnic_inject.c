/* SPDX-License-Identifier: MIT */
/*
 * vnic: a misbehaving device for tests and fuzz targets (vnic_inject.h).
 * Between the driver's polls these calls write the fields the device owns
 * (RX descriptors, the done indexes) raw, and read the driver's state to
 * check it. Built into libnetpool_test.a only, never into the library.
 */
#include "vnic_priv.h"
#include "vnic_inject.h"

/* The raw descriptor holds every value the device's own fields can. */
#define VNIC_RAW_HOLDS(f) \
	(sizeof(((struct np_vnic_raw_rxd *)0)->f) >= sizeof(((struct vnic_rxd *)0)->f))
_Static_assert(VNIC_RAW_HOLDS(addr) && VNIC_RAW_HOLDS(len) && VNIC_RAW_HOLDS(flags) &&
		       VNIC_RAW_HOLDS(status),
	       "np_vnic_raw_rxd carries struct vnic_rxd whole");

static struct vnic_queue *vnic_inject_queue(struct np_netdev *dev, unsigned int q, int *err)
{
	if (!dev || dev->ops != &vnic_ops || q >= dev->nqueues) {
		*err = -EINVAL;
		return NULL;
	}
	if (!dev->open || !to_vnic(dev)->q[q].rxd) {
		*err = -ENETDOWN;
		return NULL;
	}
	*err = 0;
	return &to_vnic(dev)->q[q];
}

int np_vnic_inject_check(struct np_netdev *dev)
{
	struct vnic *vn;

	if (!dev || dev->ops != &vnic_ops)
		return -EINVAL;
	vn = to_vnic(dev);
	if (!dev->open)
		return 0;
	for (unsigned int i = 0; i < dev->nqueues; i++) {
		struct vnic_queue *vq = &vn->q[i];
		uint32_t post = atomic_load(&vq->rx.post), clean = atomic_load(&vq->rx.clean);

		/* the driver's own indexes: never more outstanding than the ring holds */
		if (post - clean > vn->ring_size)
			return -EPROTO;
		if (atomic_load(&vq->tx.post) - atomic_load(&vq->tx.clean) > vn->ring_size)
			return -EPROTO;
		/* every posted slot holds a page of the queue's pool */
		for (uint32_t k = clean; k != post; k++) {
			struct np_page *page = vq->rx_page[k & vn->mask];

			if (!page || page->pp != dev->q[i].pool)
				return -EPROTO;
		}
	}
	return 0;
}

static void vnic_inject_state(const struct vnic *vn, const struct vnic_ring_idx *r,
			      struct np_vnic_ring_state *st)
{
	st->post = atomic_load_explicit(&r->post, memory_order_acquire);
	st->done = atomic_load_explicit(&r->done, memory_order_acquire);
	st->clean = atomic_load_explicit(&r->clean, memory_order_acquire);
	st->size = vn->ring_size;
	st->buf_len = vn->buf_len;
	st->skip = false;
}

int np_vnic_inject_rx_state(struct np_netdev *dev, unsigned int q, struct np_vnic_ring_state *st)
{
	int err;
	struct vnic_queue *vq = vnic_inject_queue(dev, q, &err);

	if (vq) {
		vnic_inject_state(vq->vn, &vq->rx, st);
		st->skip = vq->rx_skip;
	}
	return err;
}

int np_vnic_inject_tx_state(struct np_netdev *dev, unsigned int q, struct np_vnic_ring_state *st)
{
	int err;
	struct vnic_queue *vq = vnic_inject_queue(dev, q, &err);

	if (vq)
		vnic_inject_state(vq->vn, &vq->tx, st);
	return err;
}

int np_vnic_inject_rx_read(struct np_netdev *dev, unsigned int q, uint32_t idx,
			   struct np_vnic_raw_rxd *d)
{
	int err;
	struct vnic_queue *vq = vnic_inject_queue(dev, q, &err);
	const struct vnic_rxd *s;

	if (!vq)
		return err;
	s = &vq->rxd[idx & vq->vn->mask];
	*d = (struct np_vnic_raw_rxd){ .addr = s->addr, .len = s->len, .flags = s->flags,
				       .status = s->status };
	return 0;
}

int np_vnic_inject_rx_posted(struct np_netdev *dev, unsigned int q, uint32_t idx, uint64_t *addr)
{
	int err;
	struct vnic_queue *vq = vnic_inject_queue(dev, q, &err);
	struct np_page *page;

	if (!vq)
		return err;
	page = vq->rx_page[idx & vq->vn->mask];
	if (!page)
		return -ENOENT;
	*addr = (vq->vn->dma ? np_pool_get_dma_addr(page) :
			       (np_dma_addr_t)(uintptr_t)np_page_address(page)) + NP_XDP_HEADROOM;
	return 0;
}

int np_vnic_inject_rx_write(struct np_netdev *dev, unsigned int q, uint32_t idx,
			    const struct np_vnic_raw_rxd *d)
{
	int err;
	struct vnic_queue *vq = vnic_inject_queue(dev, q, &err);
	struct vnic_rxd *s;

	if (!vq)
		return err;
	s = &vq->rxd[idx & vq->vn->mask];
	s->addr = d->addr;
	s->len = d->len;
	s->flags = d->flags;
	s->status = d->status;
	return 0;
}

int np_vnic_inject_rx_set_done(struct np_netdev *dev, unsigned int q, uint32_t done)
{
	int err;
	struct vnic_queue *vq = vnic_inject_queue(dev, q, &err);

	if (vq)
		atomic_store_explicit(&vq->rx.done, done, memory_order_release);
	return err;
}

int np_vnic_inject_tx_set_done(struct np_netdev *dev, unsigned int q, uint32_t done)
{
	int err;
	struct vnic_queue *vq = vnic_inject_queue(dev, q, &err);

	if (vq)
		atomic_store_explicit(&vq->tx.done, done, memory_order_release);
	return err;
}
