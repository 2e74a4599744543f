/* SPDX-License-Identifier: MIT */
/*
 * The afxdp driver's multi-buffer frames, shared UMEM and modes, over the
 * fake kernel (afxdp_fake.h: rings in plain memory, the test plays the
 * kernel, no privilege needed). Zero-copy cannot be had on veth, so its
 * binding is tested here only.
 *
 * - A frame of three buffers (XDP_PKT_CONTD on the first two) becomes one
 *   skb: the first frame its head, the other two page frags of the same
 *   pool, marked for recycle, the bytes as the "kernel" wrote them; sent
 *   back it leaves in place as three chained descriptors, and each frame
 *   returns to the pool only after its own completion.
 * - A frame from outside the UMEM larger than a buffer leaves as a chain of
 *   TX reserve frames; a chain with another queue's frame inside, or longer
 *   than an skb holds, is dropped, counted, every frame back.
 * - Two netdevs on one UMEM (share_umem): a frame received on one is sent
 *   out of the other in place (tx_zerocopy, no tx_copied); its completion
 *   there returns it to the first one's pool.
 * - Modes: zero-copy asked of a kernel without it is refused; with it the
 *   queues report zero-copy. need_wakeup: no TX kick unless the ring asks.
 *   Busy polling: the poll drives the kernel (busy_polls). Ring and frame
 *   sizes as asked; a kernel without multi-buffer refuses chains.
 */
#include "testutil.h"
#include "drivers/afxdp_fake.h"

#define CONTD	1u	/* XDP_PKT_CONTD */

struct rx_hold {
	struct np_skb *skb[8];
	unsigned int n;
};

static void hold_rx(struct np_netdev *dev, unsigned int q, struct np_skb *skb, void *arg)
{
	struct rx_hold *h = arg;

	(void)dev;
	(void)q;
	if (h->n < NP_ARRAY_SIZE(h->skb))
		h->skb[h->n++] = skb;
	else
		np_napi_consume_skb(skb, NP_NAPI_WEIGHT);
}

static struct np_afxdp_stats xs(struct np_netdev *dev)
{
	struct np_afxdp_stats st;

	CHECK_EQ(np_afxdp_get_stats(dev, -1, &st), 0);
	return st;
}

/* A fake netdev of @p and @caps, opened; NULL: no libxdp in this build. */
static struct np_netdev *fake_up(struct np_afxdp_params *p, unsigned int caps,
				 struct np_afxdp_fake_info *info, struct rx_hold *h)
{
	struct np_netdev *dev;
	int err = np_afxdp_fake_create_caps(p, caps, &dev);

	if (err == -EOPNOTSUPP)
		return NULL;
	CHECK_EQ(err, 0);
	np_netdev_set_rx_handler(dev, hold_rx, h);
	CHECK_EQ(np_netdev_open(dev), 0);
	CHECK_EQ(np_afxdp_fake_info(dev, info), 0);
	return dev;
}

/* The kernel takes @n fill addresses of queue 0. */
static void fill_take(struct np_netdev *dev, uint64_t *a, int n)
{
	CHECK_EQ(np_afxdp_fake_fill_take(dev, 0, a, (unsigned int)n), n);
}

static void rx_put(struct np_netdev *dev, uint64_t addr, uint32_t len, uint32_t options)
{
	struct np_afxdp_fake_desc d = { addr, len, options };

	CHECK_EQ(np_afxdp_fake_rx_put(dev, 0, &d, 1), 1);
}

static void comp_put(struct np_netdev *dev, uint64_t addr)
{
	CHECK_EQ(np_afxdp_fake_comp_put(dev, 0, &addr, 1), 1);
}

static uint8_t byte_at(uint32_t i)
{
	return (uint8_t)(i * 31u + 7u);
}

/* After close and destroy: every frame back, no skb left, no error said. */
static void down_checked(struct np_netdev *dev, int64_t live0)
{
	uint32_t id = dev->q[0].pool_id;

	np_netdev_close(dev);
	CHECK_EQ(xs(dev).frames_posted, 0);
	CHECK_EQ(xs(dev).frames_tx, 0);
	CHECK(t_wait_pool_freed(id, 5000));
	CHECK_EQ(xs(dev).umem_frames_out, 0);
	CHECK_EQ(np_skb_live(), live0);
	np_netdev_destroy(dev);
	CHECK_EQ(t_log_level_count(NP_LOG_ERROR), 0);
}

static void test_rx_tx_chain(void)
{
	struct np_afxdp_params p = { .ring_size = 64, .frame_count = 128 };
	struct np_afxdp_fake_info info;
	struct rx_hold h = { 0 };
	struct np_netdev *dev = fake_up(&p, 0, &info, &h);
	struct np_afxdp_fake_desc tx[8];
	int64_t live0 = np_skb_live();
	const struct np_skb_shared_info *sh;
	struct np_afxdp_stats st;
	uint32_t lens[3], total = 0;
	unsigned char *u;
	uint64_t a[8];
	struct np_skb *skb;

	if (!dev) {
		printf("no libxdp in this build: skipped\n");
		return;
	}
	u = info.umem;
	CHECK(info.multibuf);
	CHECK_EQ(info.chunk_size, NP_AFXDP_FRAME_MAX);
	CHECK(info.max_tx_len > info.buf_len);	/* frames above a buffer may leave */
	fill_take(dev, a, 4);
	lens[0] = lens[1] = info.buf_len;
	lens[2] = 1000;
	/* the bytes of one 8040-byte frame, written across three frames */
	for (int b = 0; b < 3; b++) {
		for (uint32_t i = 0; i < lens[b]; i++)
			u[a[b] + info.headroom + i] = byte_at(total + i);
		total += lens[b];
	}
	/* the first in the unaligned form the kernel gives: the offset in the top bits */
	rx_put(dev, a[0] | ((uint64_t)info.headroom << 48), lens[0], CONTD);
	rx_put(dev, a[1] + info.headroom, lens[1], CONTD);
	np_netdev_poll(dev, 0);
	CHECK_EQ(h.n, 0);	/* half a frame: kept for the next poll */
	rx_put(dev, a[2] + info.headroom, lens[2], 0);
	np_netdev_poll(dev, 0);
	CHECK_EQ(h.n, 1);
	skb = h.skb[--h.n];
	sh = np_skb_shinfo(skb);
	CHECK_EQ(skb->len, total);
	CHECK_EQ(np_skb_headlen(skb), lens[0]);
	CHECK_EQ(sh->nr_frags, 2);
	CHECK(skb->pp_recycle);
	CHECK(skb->data == u + a[0] + info.headroom);
	for (int i = 0; i < 2; i++) {
		CHECK(np_skb_frag_address(&sh->frags[i]) == u + a[i + 1] + info.headroom);
		CHECK(np_page_is_pp(sh->frags[i].page));
		CHECK(sh->frags[i].page->pp == dev->q[0].pool);
	}
	for (uint32_t i = 0; i < total; i += 97) {
		uint8_t b;

		CHECK_EQ(np_skb_copy_bits(skb, i, &b, 1), 0);
		CHECK_EQ(b, byte_at(i));
	}
	st = xs(dev);
	CHECK_EQ(st.rx_multibuf, 1);
	CHECK_EQ(st.rx_invalid, 0);

	/* back out in place: three descriptors, chained */
	CHECK_EQ(np_netdev_xmit(dev, 0, skb), 0);
	st = xs(dev);
	CHECK_EQ(st.tx_zerocopy, 1);
	CHECK_EQ(st.tx_copied, 0);
	CHECK_EQ(st.tx_multibuf, 1);
	CHECK_EQ(st.tx_descs, 3);
	CHECK_EQ(np_afxdp_fake_tx_take(dev, 0, tx, 8), 3);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(tx[i].addr, a[i] + info.headroom);
		CHECK_EQ(tx[i].len, lens[i]);
		CHECK_EQ(tx[i].options, i < 2 ? CONTD : 0);
	}
	/* each frame back only with its own completion: the skb lives until the last */
	comp_put(dev, tx[0].addr);
	comp_put(dev, tx[2].addr);
	np_netdev_poll(dev, 0);
	CHECK_EQ(xs(dev).frames_tx, 1);
	CHECK_EQ(np_skb_live(), live0 + 1);
	comp_put(dev, tx[1].addr);
	np_netdev_poll(dev, 0);
	CHECK_EQ(xs(dev).frames_tx, 0);
	CHECK_EQ(np_skb_live(), live0);

	/* a jumbo frame from outside the UMEM: a chain of TX reserve frames */
	skb = np_alloc_skb(6000);
	CHECK(skb);
	{
		unsigned char *d = np_skb_put(skb, 6000);

		for (uint32_t i = 0; i < 6000; i++)
			d[i] = byte_at(i);
	}
	CHECK_EQ(np_netdev_xmit(dev, 0, skb), 0);
	st = xs(dev);
	CHECK_EQ(st.tx_copied, 1);
	CHECK_EQ(st.tx_multibuf, 2);
	CHECK_EQ(np_afxdp_fake_tx_take(dev, 0, tx, 8), 2);
	CHECK_EQ(tx[0].len, info.buf_len);
	CHECK_EQ(tx[0].options, CONTD);
	CHECK_EQ(tx[1].len, 6000 - info.buf_len);
	CHECK_EQ(tx[1].options, 0);
	CHECK_EQ(u[tx[1].addr + 10], byte_at(info.buf_len + 10));
	CHECK_EQ(st.tx_reserve_free, st.tx_reserve - 2);
	comp_put(dev, tx[0].addr);
	comp_put(dev, tx[1].addr);
	np_netdev_poll(dev, 0);
	CHECK_EQ(xs(dev).tx_reserve_free, xs(dev).tx_reserve);
	/* larger than the port's MTU: refused, counted */
	skb = np_alloc_skb(9100);
	CHECK(skb);
	np_skb_put(skb, 9100);
	CHECK_EQ(np_netdev_xmit(dev, 0, skb), -EMSGSIZE);
	down_checked(dev, live0);
	printf("chain: 3 buffers -> 1 skb (head + 2 pool frags), sent back in place as 3 "
	       "descriptors; a 6000-byte copy as 2\n");
}

static void test_bad_chains(void)
{
	struct np_afxdp_params p = { .nqueues = 2, .ring_size = 64, .frame_count = 256 };
	struct np_afxdp_fake_info info;
	struct rx_hold h = { 0 };
	struct np_netdev *dev = fake_up(&p, 0, &info, &h);
	int64_t live0 = np_skb_live();
	struct np_netdev_qstats qs;
	struct np_afxdp_stats st;
	uint64_t a[64], b[4];
	uint32_t hr;
	int n;

	if (!dev)
		return;
	hr = info.headroom;
	n = np_afxdp_fake_fill_take(dev, 0, a, 64);
	CHECK(n >= 26);
	CHECK_EQ(np_afxdp_fake_fill_take(dev, 1, b, 4), 4);
	/* queue 1's frame in the middle of queue 0's chain: the whole frame goes */
	rx_put(dev, a[0] + hr, info.buf_len, CONTD);
	rx_put(dev, b[0] + hr, info.buf_len, CONTD);
	rx_put(dev, a[1] + hr, 100, 0);			/* the rest of it: dropped */
	rx_put(dev, a[2] + hr, 100, 0);			/* a frame of its own: received */
	/* a bad length inside a chain */
	rx_put(dev, a[3] + hr, info.buf_len, CONTD);
	rx_put(dev, a[4] + hr, info.buf_len + 1, CONTD);
	rx_put(dev, a[5] + hr, 50, 0);
	/* an empty continuation */
	rx_put(dev, a[6] + hr, info.buf_len, CONTD);
	rx_put(dev, a[7] + hr, 0, 0);
	np_netdev_poll(dev, 0);
	st = xs(dev);
	CHECK_EQ(h.n, 1);
	CHECK_EQ(h.skb[0]->len, 100);
	CHECK_EQ(st.rx_chain_broken, 3);
	CHECK_EQ(st.rx_unposted, 1);
	CHECK_EQ(st.rx_oversized, 1);
	CHECK_EQ(st.rx_truncated, 1);
	CHECK_EQ(st.rx_invalid, 3);
	np_kfree_skb(h.skb[--h.n]);
	/* 19 buffers: more than an skb holds */
	for (int i = 0; i < 19; i++)
		rx_put(dev, a[8 + i] + hr, i < 18 ? info.buf_len : 10, i < 18 ? CONTD : 0);
	np_netdev_poll(dev, 0);
	st = xs(dev);
	CHECK_EQ(h.n, 0);
	CHECK_EQ(st.rx_chain_long, 1);
	np_netdev_get_qstats(dev, 0, &qs);
	CHECK_EQ(qs.rx_dropped, 1);
	CHECK_EQ(qs.rx_bad_desc, 3);
	/* a chain never ended: its frames come back at close */
	rx_put(dev, a[27 % n] + hr, info.buf_len, CONTD);
	np_netdev_poll(dev, 0);
	/* every frame given back was posted again; queue 1's taken ones are still the kernel's */
	st = xs(dev);
	CHECK_EQ(st.frames_posted, 2u * info.fill_target);
	down_checked(dev, live0);
	printf("bad chains: another queue's frame, a bad length, an empty buffer, 19 buffers: "
	       "dropped whole, counted, every frame back\n");
}

static void fwd_rx(struct np_netdev *dev, unsigned int q, struct np_skb *skb, void *arg)
{
	(void)dev;
	np_netdev_xmit(arg, q, skb);
}

static void test_shared_umem(void)
{
	struct np_afxdp_params pa = { .ring_size = 64, .frame_count = 256 };
	struct np_afxdp_params pb = { .ring_size = 64 };
	struct np_afxdp_fake_info ia, ib;
	struct np_netdev *a, *b;
	struct np_afxdp_fake_desc tx[4];
	int64_t live0 = np_skb_live();
	struct np_afxdp_stats sa, sb;
	uint64_t fa[4];
	uint32_t ida, idb;
	int err = np_afxdp_fake_create(&pa, &a);

	if (err == -EOPNOTSUPP)
		return;
	CHECK_EQ(err, 0);
	/* the second netdev on the first's UMEM: its own frames and size must agree */
	pb.share_umem = a;
	pb.frame_count = 128;
	CHECK_EQ(np_afxdp_fake_create(&pb, &b), -EINVAL);
	pb.frame_count = 0;
	pb.frame_size = 2048;
	CHECK_EQ(np_afxdp_fake_create(&pb, &b), -EINVAL);
	pb.frame_size = 0;
	CHECK_EQ(np_afxdp_fake_create(&pb, &b), 0);
	np_netdev_set_rx_handler(a, fwd_rx, b);
	np_netdev_set_rx_handler(b, fwd_rx, a);
	CHECK_EQ(np_netdev_open(a), 0);
	CHECK_EQ(np_netdev_open(b), 0);
	CHECK_EQ(np_afxdp_fake_info(a, &ia), 0);
	CHECK_EQ(np_afxdp_fake_info(b, &ib), 0);
	CHECK(ia.umem == ib.umem);
	sa = xs(a);
	CHECK(sa.shared_umem && xs(b).shared_umem);
	CHECK_EQ(sa.umem_frames, xs(b).umem_frames);
	ida = a->q[0].pool_id;
	idb = b->q[0].pool_id;
	/* received on a, out of b in place */
	fill_take(a, fa, 2);
	memset((unsigned char *)ia.umem + fa[0] + ia.headroom, 0x5a, 200);
	rx_put(a, fa[0] + ia.headroom, 200, 0);
	np_netdev_poll(a, 0);
	sa = xs(a);
	sb = xs(b);
	CHECK_EQ(sb.tx_zerocopy, 1);
	CHECK_EQ(sb.tx_copied, 0);
	CHECK_EQ(np_afxdp_fake_tx_take(b, 0, tx, 4), 1);
	CHECK_EQ(tx[0].addr, fa[0] + ia.headroom);
	CHECK_EQ(tx[0].len, 200);
	/* b's completion frees it: the frame goes back to a's pool */
	comp_put(b, tx[0].addr);
	np_netdev_poll(b, 0);
	CHECK_EQ(xs(b).frames_tx, 0);
	CHECK(np_virt_to_page((unsigned char *)ia.umem + fa[0])->pp == a->q[0].pool);
	/* closing one leaves the other working on the UMEM */
	np_netdev_close(b);
	np_netdev_destroy(b);
	CHECK(t_wait_pool_freed(idb, 5000));
	CHECK(!xs(a).shared_umem);
	fill_take(a, fa + 2, 1);
	rx_put(a, fa[2] + ia.headroom, 60, 0);
	np_netdev_set_rx_handler(a, NULL, NULL);	/* (no poll runs now) */
	np_netdev_poll(a, 0);
	CHECK_EQ(xs(a).rx_invalid, 0);
	np_netdev_close(a);
	CHECK(t_wait_pool_freed(ida, 5000));
	CHECK_EQ(xs(a).umem_frames_out, 0);
	CHECK_EQ(np_skb_live(), live0);
	np_netdev_destroy(a);
	CHECK_EQ(t_log_level_count(NP_LOG_ERROR), 0);
	printf("shared UMEM: received on one netdev, sent in place on the other (tx_copied 0)\n");
}

static void test_modes(void)
{
	struct np_afxdp_params p = { .ring_size = 64, .frame_count = 128,
				     .bind = NP_AFXDP_BIND_ZEROCOPY };
	struct np_afxdp_fake_info info;
	struct rx_hold h = { 0 };
	struct np_netdev *dev;
	int64_t live0 = np_skb_live();
	struct np_afxdp_stats st;
	uint64_t a[2];
	int err = np_afxdp_fake_create(&p, &dev);

	if (err == -EOPNOTSUPP)
		return;
	CHECK_EQ(err, 0);
	/* zero-copy asked of a "driver" without it: a clear refusal */
	CHECK_EQ(np_netdev_open(dev), -EOPNOTSUPP);
	CHECK(t_log_has("no zero-copy AF_XDP here"));
	CHECK(!dev->open);
	np_netdev_destroy(dev);
	t_log_reset();
	dev = fake_up(&p, NP_AFXDP_FAKE_ZEROCOPY, &info, &h);
	CHECK(xs(dev).zerocopy);
	down_checked(dev, live0);
	/* copy asked of one with it */
	p.bind = NP_AFXDP_BIND_COPY;
	dev = fake_up(&p, NP_AFXDP_FAKE_ZEROCOPY, &info, &h);
	CHECK(!xs(dev).zerocopy);
	down_checked(dev, live0);
	p.bind = 7;
	CHECK_EQ(np_afxdp_fake_create(&p, &dev), -EINVAL);
	p.bind = NP_AFXDP_BIND_AUTO;

	/* ring and frame sizes as asked */
	p.rx_size = 128;
	p.tx_size = 256;
	p.fill_size = 64;
	p.comp_size = 512;
	p.frame_size = 2048;
	p.frame_count = 1024;
	dev = fake_up(&p, 0, &info, &h);
	CHECK_EQ(info.rx_size, 128);
	CHECK_EQ(info.tx_size, 256);
	CHECK_EQ(info.fill_size, 64);
	CHECK_EQ(info.comp_size, 512);
	CHECK_EQ(info.chunk_size, 2048);
	CHECK_EQ(info.buf_len, 2048 - info.headroom);
	CHECK_EQ(info.fill_target, 64);
	/* need_wakeup: a kick only when the TX ring asks for one */
	fill_take(dev, a, 2);
	rx_put(dev, a[0] + info.headroom, 60, 0);
	rx_put(dev, a[1] + info.headroom, 60, 0);
	np_netdev_poll(dev, 0);
	CHECK_EQ(h.n, 2);
	CHECK_EQ(np_afxdp_fake_set_wakeup(dev, 0, false, false), 0);
	CHECK_EQ(np_netdev_xmit(dev, 0, h.skb[--h.n]), 0);
	np_netdev_poll(dev, 0);
	st = xs(dev);
	CHECK_EQ(st.tx_kicks, 0);
	CHECK_EQ(st.tx_kick_skipped, 1);
	CHECK_EQ(np_afxdp_fake_set_wakeup(dev, 0, true, false), 0);
	CHECK_EQ(np_netdev_xmit(dev, 0, h.skb[--h.n]), 0);
	np_netdev_poll(dev, 0);
	st = xs(dev);
	CHECK_EQ(st.tx_kicks, 1);
	CHECK_EQ(st.tx_kick_skipped, 1);
	down_checked(dev, live0);
	t_log_reset();
	for (unsigned int bad = 0; bad < 5; bad++) {
		struct np_afxdp_params q = { .ring_size = 64, .frame_count = 128 };

		if (bad == 0)
			q.rx_size = 100;
		else if (bad == 1)
			q.comp_size = 32;
		else if (bad == 2)
			q.frame_size = 2047;
		else if (bad == 3)
			q.frame_size = NP_AFXDP_FRAME_MAX + 1;
		else
			q.fill_size = 1u << 15;
		CHECK_EQ(np_afxdp_fake_create(&q, &dev), -EINVAL);
	}

	/* busy polling: every poll calls into the kernel once */
	p = (struct np_afxdp_params){ .ring_size = 64, .frame_count = 128, .busy_poll_us = 50 };
	dev = fake_up(&p, 0, &info, &h);
	for (int i = 0; i < 5; i++)
		np_netdev_poll(dev, 0);
	CHECK_EQ(xs(dev).busy_polls, 5);
	down_checked(dev, live0);

	/* a kernel without multi-buffer: a chain is refused, frames stay one buffer */
	p = (struct np_afxdp_params){ .ring_size = 64, .frame_count = 128 };
	dev = fake_up(&p, NP_AFXDP_FAKE_NO_MULTIBUF, &info, &h);
	CHECK(!info.multibuf);
	CHECK(!xs(dev).multibuf);
	CHECK_EQ(info.max_tx_len, info.buf_len);
	fill_take(dev, a, 2);
	rx_put(dev, a[0] + info.headroom, info.buf_len, CONTD);
	rx_put(dev, a[1] + info.headroom, 100, 0);
	np_netdev_poll(dev, 0);
	st = xs(dev);
	CHECK_EQ(st.rx_bad_options, 1);
	CHECK_EQ(st.rx_chain_broken, 1);
	CHECK_EQ(h.n, 0);
	down_checked(dev, live0);
	printf("modes: zero-copy refused where absent, reported where bound; ring and frame "
	       "sizes; need_wakeup honoured; busy polls; no multi-buffer\n");
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	np_set_print(t_log_capture);
	test_rx_tx_chain();
	test_bad_chains();
	test_shared_umem();
	test_modes();
	printf("PASS\n");
	return 0;
}
