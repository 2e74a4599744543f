/* SPDX-License-Identifier: MIT */
/*
 * vnic_hook - a datapath with an XDP-like verdict hook, on the simulated NIC.
 *
 * A vnic with a traffic source on its one queue (Ethernet, IPv4, UDP frames
 * of random length). The hook runs on each raw pool buffer before any skb
 * exists: frames shorter than 200 bytes are dropped there (the buffer goes
 * straight back into the pool's cache), the rest pass and become skbs marked
 * for recycle, which the RX handler checks and consumes. The queue is polled
 * from this thread; at the end every page is back and the pool counters show
 * the recycling.
 *
 *   make examples && build/default/examples/vnic_hook [frames]
 */
#include <stdio.h>
#include <stdlib.h>
#include <netpool.h>

struct counts {
	unsigned long passed, dropped, bytes;
};

/* The hook: a verdict on the raw frame (the pool buffer, no skb yet). */
static enum np_xdp_action short_frames_out(struct np_xdp_buff *xdp, void *arg)
{
	struct counts *c = arg;

	if (xdp->data_end - xdp->data < 200) {
		c->dropped++;
		return NP_XDP_DROP;
	}
	return NP_XDP_PASS;
}

/* The stack: receives every PASS skb and owns it. */
static void rx(struct np_netdev *dev, unsigned int q, struct np_skb *skb, void *arg)
{
	struct counts *c = arg;

	(void)dev;
	(void)q;
	c->passed++;
	c->bytes += skb->len;
	if (skb->len < 200 || !skb->pp_recycle)
		fprintf(stderr, "vnic_hook: unexpected skb (len %u, pp_recycle %d)\n", skb->len,
			skb->pp_recycle);
	np_napi_consume_skb(skb, NP_NAPI_WEIGHT);	/* inside the queue's napi: the cache */
}

int main(int argc, char **argv)
{
	unsigned long frames = argc > 1 ? strtoul(argv[1], NULL, 0) : 100000;
	struct np_vnic_params vp = { .name = "vnic0", .nqueues = 1, .iommu = true };
	struct np_vnic_gen gen = { .len_min = 60, .len_max = 1500, .count = frames };
	struct np_pool_stats st = { .size = sizeof(st) };
	struct counts c = { 0 };
	struct np_netdev *dev;
	int err;

	err = np_vnic_create(&vp, &dev);
	if (err) {
		fprintf(stderr, "vnic_hook: np_vnic_create: %d\n", err);
		return 1;
	}
	np_netdev_set_xdp(dev, short_frames_out, &c);
	np_netdev_set_rx_handler(dev, rx, &c);
	err = np_netdev_open(dev);	/* the queue's pool is created here */
	if (!err)
		err = np_vnic_gen_start(dev, 0, &gen);
	if (err) {
		fprintf(stderr, "vnic_hook: open: %d\n", err);
		np_netdev_destroy(dev);
		return 1;
	}
	while (c.passed + c.dropped < frames)
		np_netdev_poll(dev, 0);		/* RX, the hook, the skbs, the refill */

	np_netdev_get_pool_stats(dev, &st);	/* before close: the pool goes with it */
	np_netdev_close(dev);
	np_netdev_destroy(dev);
	np_skb_thread_flush();
	printf("vnic_hook: %lu frames: %lu passed (%lu bytes), %lu dropped by the hook; "
	       "pool: %llu allocated from the cache, %llu slow, %llu recycled into the cache\n",
	       frames, c.passed, c.bytes, c.dropped, (unsigned long long)st.alloc.fast,
	       (unsigned long long)st.alloc.slow, (unsigned long long)st.recycle.cached);
	return c.passed + c.dropped == frames && c.dropped && c.passed && st.recycle.cached ? 0 : 1;
}
