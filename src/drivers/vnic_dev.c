/* SPDX-License-Identifier: MIT */
/*
 * vnic: the device side, the simulated NIC's DMA engine. It takes the RX
 * descriptors the driver posted, writes frames into their buffers through
 * np_dma_dev_access() (with the checking IOMMU it reaches nothing the
 * driver did not post and map) and publishes completions, now and then a
 * corrupt one; at the TX doorbell it reads each posted frame's pieces and
 * puts the frame on the wire: into the linked queue's RX ring, or nowhere.
 * Frames come from the wire or from the traffic source, which writes a
 * header per frame so that the buffer path dominates.
 *
 * It trusts the driver no more than hardware would: a buffer it may not
 * access is a counted DMA fault and an error completion.
 */
#include <string.h>
#include "vnic_priv.h"

/* ---- device side: RX ---- */

/*
 * The next posted RX descriptor for the device to fill, or NULL when the
 * driver posted none (the frame is missed, as on a real NIC).
 */
static struct vnic_rxd *vnic_dev_rx_slot(struct vnic_queue *vq, uint32_t done)
{
	uint32_t post = atomic_load_explicit(&vq->rx.post, memory_order_acquire);

	return done != post ? &vq->rxd[done & vq->vn->mask] : NULL;
}

/* Write one completion; maybe a corrupt one (the fault the driver must survive). */
static void vnic_dev_rx_complete(struct vnic_queue *vq, struct vnic_rxd *d, uint32_t len,
				 bool eop)
{
	struct vnic *vn = vq->vn;

	d->len = len;
	d->flags = eop ? NP_VNIC_RXD_EOP : 0;
	d->status = NP_VNIC_RXS_OK;
	if (np_unlikely(vn->corrupt_ppm) && vnic_rand(&vq->rng) % 1000000u < vn->corrupt_ppm) {
		switch (vnic_rand(&vq->rng) % 3) {
		case 0:
			d->len = vn->buf_len + 1 + (uint32_t)(vnic_rand(&vq->rng) % 4096);
			break;
		case 1:
			d->status = NP_VNIC_RXS_ERR;
			break;
		default:
			d->addr ^= 0x10000;	/* points at another buffer */
			break;
		}
		vnic_count(vq, VNIC_CORRUPT, 1);
	}
}

/*
 * Deliver a frame of @len bytes into @vq's posted buffers: @fill writes the
 * bytes of each buffer (given the buffer's CPU pointer and the frame offset).
 * Return: true when delivered, false when missed (not enough buffers posted).
 */
typedef void (*vnic_fill_fn)(void *dst, uint32_t off, uint32_t n, void *arg);

static bool vnic_dev_rx_deliver(struct vnic_queue *vq, uint32_t len, vnic_fill_fn fill, void *arg)
{
	struct vnic *vn = vq->vn;
	uint32_t done = atomic_load_explicit(&vq->rx.done, memory_order_relaxed);
	uint32_t post = atomic_load_explicit(&vq->rx.post, memory_order_acquire);
	uint32_t need = np_likely(len <= vn->buf_len) ? 1 : (len + vn->buf_len - 1) / vn->buf_len;
	uint32_t off = 0;

	if (post - done < need) {
		vnic_count(vq, VNIC_RX_MISSED, 1);
		return false;
	}
	for (uint32_t i = 0; i < need; i++) {
		struct vnic_rxd *d = vnic_dev_rx_slot(vq, done + i);
		uint32_t n = NP_MIN(len - off, vn->buf_len);
		void *dst = np_dma_dev_access(vn->dma, d->addr, n, true);

		if (dst)
			fill(dst, off, n, arg);
		else
			vnic_count_fault(vq);
		vnic_dev_rx_complete(vq, d, n, i + 1 == need);
		if (!dst)
			d->status = NP_VNIC_RXS_ERR;
		off += n;
	}
	atomic_store_explicit(&vq->rx.done, done + need, memory_order_release);
	return true;
}

/* ---- the traffic source ---- */

static const unsigned char vnic_gen_hdr[VNIC_SEQ_OFF] = {
	/* Ethernet: locally administered addresses, IPv4 */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
	/* IPv4: 10.0.0.1 -> 10.0.0.2, UDP (length and checksum left 0) */
	0x45, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00,
	0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
	/* UDP 9/9 */
	0x00, 0x09, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00,
};

struct vnic_gen_frame {
	uint64_t seq;
	uint32_t len;
	bool fill;
};

static void vnic_gen_fill(void *dst, uint32_t off, uint32_t n, void *arg)
{
	const struct vnic_gen_frame *f = arg;
	unsigned char *p = dst;

	if (off == 0) {
		/* a constant size in the common case: a few wide moves, not a byte loop */
		if (np_likely(n >= VNIC_SEQ_OFF))
			memcpy(p, vnic_gen_hdr, VNIC_SEQ_OFF);
		else
			memcpy(p, vnic_gen_hdr, n);
		if (n >= VNIC_SEQ_OFF) {
			/* IPv4 total length and UDP length, as a real sender writes them */
			uint32_t ip = f->len - 14, udp = f->len - 34;

			p[16] = (unsigned char)(ip >> 8);
			p[17] = (unsigned char)ip;
			p[38] = (unsigned char)(udp >> 8);
			p[39] = (unsigned char)udp;
		}
		if (n >= VNIC_SEQ_OFF + sizeof(f->seq))
			memcpy(p + VNIC_SEQ_OFF, &f->seq, sizeof(f->seq));
	}
	if (f->fill) {
		uint32_t from = off == 0 ? NP_MIN(n, VNIC_SEQ_OFF + (uint32_t)sizeof(f->seq)) : 0;

		for (uint32_t i = from; i < n; i++)
			p[i] = (unsigned char)(f->seq + off + i);
	}
}

void vnic_dev_generate(struct vnic_queue *vq, int budget)
{
	struct np_vnic_gen *g = &vq->gen;
	uint32_t burst = g->burst ? g->burst : vq->vn->ring_size;

	for (uint32_t i = 0; i < burst && i < (uint32_t)budget; i++) {
		struct vnic_gen_frame f = { .seq = vq->gen_seq, .fill = g->fill };
		uint32_t len = g->len_min;

		if (g->count && !vq->gen_left) {
			vq->gen_on = false;
			return;
		}
		if (g->len_max > g->len_min)
			len += (uint32_t)(vnic_rand(&vq->rng) % (g->len_max - g->len_min + 1));
		f.len = len;
		if (!vnic_dev_rx_deliver(vq, len, vnic_gen_fill, &f))
			return;		/* the ring is full: try again next poll */
		vq->gen_seq++;
		if (g->count)
			vq->gen_left--;
		vnic_count(vq, VNIC_GEN_FRAMES, 1);
	}
}

/* ---- device side: TX ---- */

struct vnic_tx_frame {
	struct vnic_queue *vq;
	uint32_t first, n;	/* descriptors */
};

/* The device reads one TX piece: through the IOMMU, or by CPU address when outside it. */
static const void *vnic_dev_tx_read(struct vnic_queue *vq, const struct vnic_txd *d)
{
	const void *src;

	if (d->flags & VNIC_TXD_CPU)
		return (const void *)(uintptr_t)d->addr;
	src = np_dma_dev_access(vq->vn->dma, d->addr, d->len, false);
	if (!src)
		vnic_count_fault(vq);
	return src;
}

/* Copy the frame's bytes [off, off + n) out of its TX pieces into @dst. */
static void vnic_tx_fill(void *dst, uint32_t off, uint32_t n, void *arg)
{
	const struct vnic_tx_frame *f = arg;
	struct vnic_queue *vq = f->vq;
	uint32_t pos = 0;

	for (uint32_t i = 0; i < f->n && n; i++) {
		const struct vnic_txd *d = &vq->txd[(f->first + i) & vq->vn->mask];
		const unsigned char *src;
		uint32_t from, k;

		if (off >= pos + d->len) {
			pos += d->len;
			continue;
		}
		from = off - pos;
		k = NP_MIN(d->len - from, n);
		src = vnic_dev_tx_read(vq, d);
		if (src)
			memcpy(dst, src + from, k);
		dst = (unsigned char *)dst + k;
		off += k;
		n -= k;
		pos += d->len;
	}
}

/* The doorbell: the device sends every posted TX frame and marks it done. */
void vnic_dev_tx(struct vnic_queue *vq)
{
	uint32_t done = vq->tx_head;
	uint32_t post = atomic_load_explicit(&vq->tx.post, memory_order_relaxed);

	while (done != post) {
		struct vnic_tx_frame f = { .vq = vq, .first = done };
		uint32_t len = 0;

		do {
			const struct vnic_txd *d = &vq->txd[(done + f.n) & vq->vn->mask];

			len += d->len;
			f.n++;
			if (d->flags & VNIC_TXD_EOP)
				break;
		} while (done + f.n != post);
		if (vq->peer && vq->peer->rxd) {
			if (vnic_dev_rx_deliver(vq->peer, len, vnic_tx_fill, &f))
				vnic_count(vq->peer, VNIC_WIRE_FRAMES, 1);
		} else {
			/* no link: the frame leaves on the wire; the device still reads it */
			for (uint32_t i = 0; i < f.n; i++)
				(void)vnic_dev_tx_read(vq, &vq->txd[(done + i) & vq->vn->mask]);
		}
		vnic_count(vq, VNIC_TX_WIRE, 1);
		done += f.n;
	}
	vq->tx_head = done;
	atomic_store_explicit(&vq->tx.done, done, memory_order_release);
}
