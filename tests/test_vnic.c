/* SPDX-License-Identifier: MIT */
/*
 * The vnic and the netdev receive path: the traffic source writes frames
 * through the checking IOMMU into posted pool pages only; single- and
 * multi-buffer frames arrive intact as skbs (with frags), marked for
 * recycling, and their pages go straight back into the queue's cache; a
 * back-to-back link delivers what one port sends to the other; corrupt
 * completions and refused posts are counted and lose no buffer; every
 * verdict of the hook does what it says. Every test ends with each pool
 * freed, inflight 0, no live skb and no DMA mapping left.
 */
#include "testutil.h"

#define SEQ_OFF 42

struct rx_check {
	uint64_t frames, bytes, multi, bad_payload, unmarked;
	uint64_t next_seq;
	bool in_order;
	bool check_fill;
	struct np_netdev *fwd_to;	/* forward instead of consuming */
};

static void check_payload(struct rx_check *c, struct np_skb *skb)
{
	uint8_t buf[9100];
	uint64_t seq;

	CHECK(skb->len <= sizeof(buf));
	CHECK_EQ(np_skb_copy_bits(skb, 0, buf, skb->len), 0);
	CHECK(buf[12] == 0x08 && buf[13] == 0x00);	/* IPv4 ethertype */
	memcpy(&seq, buf + SEQ_OFF, sizeof(seq));
	if (c->in_order) {
		if (seq != c->next_seq)
			c->bad_payload++;
		c->next_seq = seq + 1;
	}
	if (c->check_fill)
		for (uint32_t i = SEQ_OFF + 8; i < skb->len; i++)
			if (buf[i] != (uint8_t)(seq + i)) {
				c->bad_payload++;
				break;
			}
}

static void rx_handler(struct np_netdev *dev, unsigned int q, struct np_skb *skb, void *arg)
{
	struct rx_check *c = arg;

	(void)dev;
	c->frames++;
	c->bytes += skb->len;
	if (np_skb_shinfo(skb)->nr_frags)
		c->multi++;
	if (!skb->pp_recycle)
		c->unmarked++;
	check_payload(c, skb);
	if (c->fwd_to)
		np_netdev_xmit(c->fwd_to, q, skb);
	else
		np_napi_consume_skb(skb, NP_NAPI_WEIGHT);
}

static void finish(struct np_netdev *dev, bool iommu)
{
	struct np_dma_dev *dma = np_vnic_dma(dev);
	struct np_dma_stats ds;
	uint32_t ids[NP_NETDEV_MAX_QUEUES];
	unsigned int n = dev->nqueues;

	if (iommu) {
		np_dma_get_stats(dma, &ds);
		CHECK_EQ(ds.access_fault, 0);
		CHECK_EQ(ds.double_map, 0);
		CHECK_EQ(ds.bad_unmap, 0);
	}
	/* closed: no pool, the ids of the last open's pools kept (0: never opened) */
	for (unsigned int i = 0; i < n; i++) {
		CHECK(!dev->q[i].pool);
		ids[i] = dev->q[i].pool_id;
	}
	np_netdev_destroy(dev);
	for (unsigned int i = 0; i < n; i++)
		CHECK(!ids[i] || t_wait_pool_freed(ids[i], 10000));
}

/* Source -> vnic -> skbs: counts, bytes, direct recycling, nothing left. */
static void test_rx(bool iommu, uint32_t len_min, uint32_t len_max)
{
	struct np_vnic_params vp = { .iommu = iommu, .ring_size = 128 };
	struct np_vnic_gen gen = { .len_min = len_min, .len_max = len_max, .count = 5000,
				   .fill = true };
	struct rx_check c = { .in_order = true, .check_fill = true };
	struct np_netdev_qstats qs;
	struct np_vnic_stats vs;
	struct np_pool_stats ps;
	struct np_netdev *dev;
	int64_t live0 = np_skb_live();

	CHECK_EQ(np_vnic_create(&vp, &dev), 0);
	np_netdev_set_rx_handler(dev, rx_handler, &c);
	CHECK_EQ(np_netdev_open(dev), 0);
	CHECK_EQ(np_vnic_gen_start(dev, 0, &gen), 0);
	for (int i = 0; i < 2000 && c.frames < gen.count; i++)
		np_netdev_poll(dev, 0);
	CHECK_EQ(c.frames, gen.count);
	CHECK_EQ(c.bad_payload, 0);
	CHECK_EQ(c.unmarked, 0);
	if (len_max > 2048)
		CHECK(c.multi > 0);
	else
		CHECK_EQ(c.multi, 0);
	np_netdev_get_qstats(dev, 0, &qs);
	CHECK_EQ(qs.rx_packets, gen.count);
	CHECK_EQ(qs.rx_bytes, c.bytes);
	CHECK_EQ(qs.rx_bad_desc, 0);
	CHECK_EQ(np_vnic_get_stats(dev, 0, &vs), 0);
	CHECK_EQ(vs.gen_frames, gen.count);
	CHECK_EQ(vs.dma_faults, 0);
	ps = t_pool_stats(dev->q[0].pool);
	/* the pages came back inside the napi: into the cache, never through the ring */
	CHECK(ps.recycle.cached > 0);
	CHECK_EQ(ps.recycle.ring, 0);
	CHECK_EQ(ps.recycle.released_refcnt, 0);
	/* only the ring's worth of pages was ever taken from the provider */
	CHECK(ps.alloc.slow <= 4 * 128 + 64);
	np_netdev_close(dev);
	CHECK_EQ(np_skb_live(), live0);
	/* every posted buffer came back at close: the pool went with it, at once */
	{
		struct np_pool_info info;

		CHECK_EQ(np_pool_info_get(dev->q[0].pool_id, &info), -ENOENT);
	}
	finish(dev, iommu);
}

/* Corrupt completions and refused posts: counted, the frames dropped, no buffer lost. */
static void test_faults(void)
{
	struct np_vnic_params vp = { .iommu = true, .ring_size = 64, .corrupt_ppm = 50000,
				     .seed = 7 };
	struct np_vnic_gen gen = { .len_min = 60, .len_max = 6000, .count = 20000 };
	struct rx_check c = { 0 };
	struct np_fault_spec every7 = { .every = 7 };
	struct np_netdev_qstats qs;
	struct np_vnic_stats vs;
	struct np_netdev *dev;

	CHECK_EQ(np_vnic_create(&vp, &dev), 0);
	np_netdev_set_rx_handler(dev, rx_handler, &c);
	CHECK_EQ(np_netdev_open(dev), 0);
	CHECK_EQ(np_vnic_gen_start(dev, 0, &gen), 0);
	CHECK_EQ(np_fault_set(NP_FAULT_DESC_POST, &every7), 0);
	for (int i = 0; i < 20000; i++) {
		np_netdev_poll(dev, 0);
		CHECK_EQ(np_vnic_get_stats(dev, 0, &vs), 0);
		if (vs.gen_frames == gen.count)
			break;
	}
	CHECK(np_fault_injected(NP_FAULT_DESC_POST) > 0);
	np_fault_reset();
	for (int i = 0; i < 10; i++)
		np_netdev_poll(dev, 0);
	np_netdev_get_qstats(dev, 0, &qs);
	CHECK_EQ(vs.gen_frames, gen.count);
	CHECK(vs.corrupt > 0);
	CHECK(qs.rx_bad_desc > 0);
	/* every generated frame reached the stack or was dropped as bad, none vanished */
	CHECK(c.frames + qs.rx_bad_desc >= gen.count);
	CHECK(c.frames < gen.count);
	CHECK_EQ(qs.rx_packets, c.frames);
	CHECK_EQ(vs.dma_faults, 0);
	np_netdev_close(dev);
	finish(dev, true);
}

/* A source port forwards into A, A is wired to B: what B receives is what was sent. */
static void test_link(bool shared_dma)
{
	struct np_dma_dev *dma = NULL;
	struct np_vnic_params vp = { .iommu = true, .ring_size = 256, .nqueues = 2 };
	struct np_vnic_gen gen = { .len_min = 60, .len_max = 4000, .count = 3000, .fill = true };
	struct rx_check cs = { 0 }, cb = { .check_fill = true };
	struct np_netdev *src, *a, *b;
	struct np_netdev_qstats qa, qb;
	struct np_vnic_stats va;
	struct np_pool_stats ps;

	if (shared_dma) {
		CHECK_EQ(np_dma_iommu_create("shared", NULL, &dma), 0);
		vp.dma = dma;
	}
	CHECK_EQ(np_vnic_create(&vp, &src), 0);
	CHECK_EQ(np_vnic_create(&vp, &a), 0);
	CHECK_EQ(np_vnic_create(&vp, &b), 0);
	CHECK_EQ(np_vnic_link(a, b), 0);
	CHECK_EQ(np_vnic_link(a, src), -EINVAL);
	cs.fwd_to = a;
	np_netdev_set_rx_handler(src, rx_handler, &cs);
	np_netdev_set_rx_handler(b, rx_handler, &cb);
	CHECK_EQ(np_netdev_open(src), 0);
	CHECK_EQ(np_netdev_open(a), 0);
	CHECK_EQ(np_netdev_open(b), 0);
	CHECK_EQ(np_vnic_gen_start(src, 0, &gen), 0);
	CHECK_EQ(np_vnic_gen_start(src, 1, &gen), 0);
	for (int i = 0; i < 5000 && cb.frames < 2 * gen.count; i++) {
		for (unsigned int q = 0; q < 2; q++) {
			np_netdev_poll(src, q);
			np_netdev_poll(a, q);	/* TX completions */
			np_netdev_poll(b, q);
		}
	}
	CHECK_EQ(cs.frames, 2 * gen.count);
	CHECK_EQ(cb.frames, 2 * gen.count);
	CHECK_EQ(cb.bytes, cs.bytes);
	CHECK_EQ(cb.bad_payload, 0);
	np_netdev_get_qstats(a, -1, &qa);
	np_netdev_get_qstats(b, -1, &qb);
	CHECK_EQ(qa.tx_packets, 2 * gen.count);
	CHECK_EQ(qb.rx_packets, 2 * gen.count);
	CHECK_EQ(np_vnic_get_stats(a, -1, &va), 0);
	/* pages of the source's pools are in A's DMA space only when the IOMMU is shared */
	if (shared_dma)
		CHECK_EQ(va.tx_unmapped, 0);
	else
		CHECK(va.tx_unmapped > 0);
	CHECK_EQ(va.dma_faults, 0);
	/*
	 * The source's pages came back from A's completions. Those its own poll
	 * freed (A cleans when it transmits) went straight into its cache; those
	 * A's poll freed, through the return ring.
	 */
	for (int i = 0; i < 4; i++)
		for (unsigned int q = 0; q < 2; q++)
			np_netdev_poll(a, q);
	ps = t_pool_stats(src->q[0].pool);
	CHECK(ps.recycle.cached > 0);
	CHECK(ps.recycle.cached + ps.recycle.ring >= gen.count);
	np_netdev_close(src);
	np_netdev_close(a);
	np_netdev_close(b);
	finish(b, true);
	finish(a, true);
	finish(src, true);
	if (dma)
		CHECK_EQ(np_dma_dev_destroy(dma), 0);
}

/* ---- the verdict hook ---- */

struct xdp_ctl {
	enum np_xdp_action act;
	struct np_netdev *to;
	uint64_t seen;
	bool trash;	/* move data outside the buffer: must be refused as ABORTED */
};

static enum np_xdp_action prog(struct np_xdp_buff *xdp, void *arg)
{
	struct xdp_ctl *x = arg;

	x->seen++;
	CHECK(xdp->data - xdp->data_hard_start == NP_XDP_HEADROOM);
	CHECK(xdp->data_end > xdp->data);
	if (x->trash)
		xdp->data = xdp->data_hard_start - 1;
	if (x->act == NP_XDP_REDIRECT)
		return np_xdp_redirect(xdp, x->to);
	return x->act;
}

static void test_xdp(enum np_xdp_action act, bool trash)
{
	struct np_vnic_params vp = { .iommu = true, .ring_size = 128 };
	struct np_vnic_gen gen = { .len_min = 100, .len_max = 1500, .count = 2000 };
	struct rx_check c = { 0 }, co = { 0 };
	struct xdp_ctl x = { .act = act, .trash = trash };
	struct np_netdev *dev, *out, *peer;
	struct np_netdev_qstats qs, qo;
	struct np_pool_stats ps;
	uint64_t want_stack;

	CHECK_EQ(np_vnic_create(&vp, &dev), 0);
	CHECK_EQ(np_vnic_create(&vp, &out), 0);
	CHECK_EQ(np_vnic_create(&vp, &peer), 0);
	CHECK_EQ(np_vnic_link(out, peer), 0);
	x.to = out;
	np_netdev_set_rx_handler(dev, rx_handler, &c);
	np_netdev_set_rx_handler(peer, rx_handler, &co);
	np_netdev_set_xdp(dev, prog, &x);
	CHECK_EQ(np_netdev_open(dev), 0);
	CHECK_EQ(np_netdev_open(out), 0);
	CHECK_EQ(np_netdev_open(peer), 0);
	CHECK_EQ(np_vnic_gen_start(dev, 0, &gen), 0);
	for (int i = 0; i < 3000 && x.seen < gen.count; i++) {
		np_netdev_poll(dev, 0);
		np_netdev_poll(out, 0);
		np_netdev_poll(peer, 0);
	}
	for (int i = 0; i < 4; i++) {
		np_netdev_poll(dev, 0);
		np_netdev_poll(out, 0);
		np_netdev_poll(peer, 0);
	}
	CHECK_EQ(x.seen, gen.count);
	np_netdev_get_qstats(dev, 0, &qs);
	np_netdev_get_qstats(out, 0, &qo);
	want_stack = act == NP_XDP_PASS && !trash ? gen.count : 0;
	CHECK_EQ(c.frames, want_stack);
	ps = t_pool_stats(dev->q[0].pool);
	if (trash) {
		CHECK_EQ(qs.xdp_aborted, gen.count);
	} else {
		switch (act) {
		case NP_XDP_DROP:
			CHECK_EQ(qs.xdp_drop, gen.count);
			/* dropped inside the napi: straight back into the cache */
			CHECK_EQ(ps.recycle.ring, 0);
			break;
		case NP_XDP_PASS:
			CHECK_EQ(qs.xdp_pass, gen.count);
			break;
		case NP_XDP_TX:
			/* sent back out of the same port (no link: onto the wire) */
			CHECK_EQ(qs.xdp_tx, gen.count);
			CHECK_EQ(qs.tx_packets, gen.count);
			break;
		case NP_XDP_REDIRECT:
			CHECK_EQ(qs.xdp_redirect, gen.count);
			CHECK_EQ(qo.tx_packets, gen.count);
			CHECK_EQ(co.frames, gen.count);	/* arrived on the far side */
			break;
		default:
			CHECK(0);
		}
	}
	np_netdev_close(dev);
	np_netdev_close(out);
	np_netdev_close(peer);
	finish(peer, true);
	finish(out, true);
	finish(dev, true);
}

/* Threads: two ports forwarding into each other's links, started and stopped. */
static void test_threads(void)
{
	struct np_vnic_params vp = { .iommu = false, .ring_size = 256 };
	struct np_vnic_gen gen = { .len_min = 60, .len_max = 1500 };
	struct rx_check cs = { 0 }, cb = { 0 };
	struct np_netdev *src, *a, *b;
	struct np_netdev_qstats qs;

	CHECK_EQ(np_vnic_create(&vp, &src), 0);
	CHECK_EQ(np_vnic_create(&vp, &a), 0);
	CHECK_EQ(np_vnic_create(&vp, &b), 0);
	CHECK_EQ(np_vnic_link(a, b), 0);
	cs.fwd_to = a;
	np_netdev_set_rx_handler(src, rx_handler, &cs);
	np_netdev_set_rx_handler(b, rx_handler, &cb);
	CHECK_EQ(np_netdev_open(src), 0);
	CHECK_EQ(np_netdev_open(a), 0);
	CHECK_EQ(np_netdev_open(b), 0);
	CHECK_EQ(np_vnic_gen_start(src, 0, &gen), 0);
	/* src's thread transmits on a; a's thread completes; b's thread receives */
	CHECK_EQ(np_netdev_start(src, NULL), 0);
	CHECK_EQ(np_netdev_start(a, NULL), 0);
	CHECK_EQ(np_netdev_start(b, NULL), 0);
	CHECK_EQ(np_netdev_start(b, NULL), -EBUSY);
	for (int i = 0; i < 2000; i++) {
		np_netdev_get_qstats(b, 0, &qs);
		if (qs.rx_packets >= 20000)
			break;
		t_sleep_ms(1);
	}
	np_netdev_stop(src);
	np_netdev_stop(a);
	np_netdev_stop(b);
	np_netdev_get_qstats(b, 0, &qs);
	CHECK(qs.rx_packets > 0);
	np_netdev_close(src);
	np_netdev_close(a);
	np_netdev_close(b);
	finish(b, false);
	finish(a, false);
	finish(src, false);
}

static enum np_xdp_action redirect_all(struct np_xdp_buff *xdp, void *arg)
{
	return np_xdp_redirect(xdp, arg);
}

/*
 * Two RX queues' threads redirect into one TX queue of another port, whose
 * own thread completes it: the TX ring has several producers and must stay
 * whole (every frame sent once, every page back).
 */
static void test_redirect_fold(void)
{
	struct np_vnic_params va = { .nqueues = 2, .ring_size = 128 };
	struct np_vnic_params vb = { .nqueues = 1, .ring_size = 128 };
	struct np_vnic_gen gen = { .len_min = 60, .len_max = 200 };
	struct np_netdev *a, *b;
	struct np_netdev_qstats qa, qb;
	struct np_vnic_stats vs;

	CHECK_EQ(np_vnic_create(&va, &a), 0);
	CHECK_EQ(np_vnic_create(&vb, &b), 0);
	np_netdev_set_xdp(a, redirect_all, b);
	CHECK_EQ(np_netdev_open(a), 0);
	CHECK_EQ(np_netdev_open(b), 0);
	CHECK_EQ(np_vnic_gen_start(a, 0, &gen), 0);
	CHECK_EQ(np_vnic_gen_start(a, 1, &gen), 0);
	CHECK_EQ(np_netdev_start(a, NULL), 0);
	CHECK_EQ(np_netdev_start(b, NULL), 0);
	for (int i = 0; i < 2000; i++) {
		np_netdev_get_qstats(a, -1, &qa);
		if (qa.xdp_redirect >= 50000)
			break;
		t_sleep_ms(1);
	}
	np_netdev_stop(a);
	np_netdev_stop(b);
	np_netdev_get_qstats(a, -1, &qa);
	np_netdev_get_qstats(b, -1, &qb);
	CHECK_EQ(np_vnic_get_stats(b, -1, &vs), 0);
	CHECK(qa.xdp_redirect > 0);
	CHECK_EQ(qb.tx_packets, qa.xdp_redirect);
	CHECK_EQ(vs.tx_wire, qb.tx_packets);
	CHECK_EQ(qa.xdp_redirect + qa.tx_dropped, qa.rx_packets);
	np_netdev_close(a);
	np_netdev_close(b);
	finish(b, false);
	finish(a, false);
}

static void test_params(void)
{
	struct np_vnic_params vp = { .ring_size = 100 };
	struct np_vnic_gen gen = { .len_min = 10 };
	struct np_netdev *dev;

	CHECK_EQ(np_vnic_create(&vp, &dev), -EINVAL);
	vp.ring_size = 64;
	vp.corrupt_ppm = 2000000;
	CHECK_EQ(np_vnic_create(&vp, &dev), -EINVAL);
	vp.corrupt_ppm = 0;
	vp.nqueues = NP_NETDEV_MAX_QUEUES + 1;
	CHECK_EQ(np_vnic_create(&vp, &dev), -EINVAL);
	vp.nqueues = 1;
	vp.buf_len = NP_PAGE_SIZE;
	CHECK_EQ(np_vnic_create(&vp, &dev), -EINVAL);
	vp.buf_len = 0;
	CHECK_EQ(np_vnic_create(&vp, &dev), 0);
	CHECK_EQ(np_vnic_gen_start(dev, 0, &gen), -EINVAL);
	gen.len_min = 100;
	gen.len_max = 50;
	CHECK_EQ(np_vnic_gen_start(dev, 0, &gen), -EINVAL);
	gen.len_max = 20000;
	CHECK_EQ(np_vnic_gen_start(dev, 0, &gen), -EINVAL);
	gen.len_max = 200;
	CHECK_EQ(np_vnic_gen_start(dev, 1, &gen), -EINVAL);
	CHECK_EQ(np_netdev_create(NULL, NULL, NULL, &dev), -EINVAL);
	finish(dev, false);
}

int main(void)
{
	np_set_print(t_log_capture);
	test_params();
	test_rx(false, 60, 1500);
	test_rx(true, 60, 1500);
	test_rx(true, 60, 9000);
	test_faults();
	test_link(false);
	test_link(true);
	test_xdp(NP_XDP_DROP, false);
	test_xdp(NP_XDP_PASS, false);
	test_xdp(NP_XDP_TX, false);
	test_xdp(NP_XDP_REDIRECT, false);
	test_xdp(NP_XDP_PASS, true);
	test_threads();
	test_redirect_fold();
	np_skb_thread_flush();
	CHECK_EQ(np_skb_live(), 0);
	return 0;
}
