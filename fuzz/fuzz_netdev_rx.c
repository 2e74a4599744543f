/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the receive path fed arbitrary frames and buffer
 * descriptions. Each record of the input gives the buffers of one frame
 * (their count, offsets and lengths, which may be out of bounds: the
 * netdev must refuse them, counted), the frame's bytes, the verdict of the
 * XDP-like hook and how far it moves the data; passed frames go through GRO
 * into a socket queue, or get an encapsulation header and are sent out of a
 * second port. The oracle: no sanitizer report, and after closing both
 * ports every page is back (both pools freed) and no skb is live.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "netpool.h"

#include "fuzz_input.h"
#include "fuzz_route.h"

struct ctx {
	struct np_netdev *out;
	struct np_gro gro;
	struct np_sockq q;
	unsigned verdict, move, route;
};

static enum np_xdp_action prog(struct np_xdp_buff *xdp, void *arg)
{
	struct ctx *c = arg;

	fuzz_xdp_nudge(xdp, c->move);
	return fuzz_xdp_verdict(xdp, c->verdict % 6, c->out);
}

/* Passed frames go through GRO into the socket queue, or behind an outer header out of out. */
static void rx(struct np_netdev *dev, unsigned int q, struct np_skb *skb, void *arg)
{
	struct ctx *c = arg;

	(void)dev;
	fuzz_route(skb, c->route & 1 ? FUZZ_GRO : FUZZ_ENCAP, &c->gro, c->out, q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct np_vnic_params vp = { .ring_size = 64 };
	struct in in = { data, size };
	struct np_netdev *dev, *out;
	struct np_napi_ctx *prev;
	struct ctx c = { 0 };
	int64_t live0 = np_skb_live();
	uint32_t ids[2];

	if (np_vnic_create(&vp, &dev) || np_vnic_create(&vp, &out))
		abort();
	c.out = out;
	np_sockq_init(&c.q, 1 << 20);
	np_gro_init(&c.gro, fuzz_to_sockq, &c.q);
	np_netdev_set_xdp(dev, prog, &c);
	np_netdev_set_rx_handler(dev, rx, &c);
	if (np_netdev_open(dev) || np_netdev_open(out))
		abort();
	ids[0] = dev->q[0].pool->id;
	ids[1] = out->q[0].pool->id;
	prev = np_napi_ctx_enter(&dev->q[0].napi.ctx);
	while (in.n) {
		struct np_rx_buf bufs[NP_MAX_SKB_FRAGS + 1];
		unsigned n = take(&in) % 4 + 1, k;

		c.verdict = take(&in);
		c.move = take(&in);
		c.route = take(&in);
		for (k = 0; k < n; k++) {
			struct np_page *page = np_pool_alloc_pages(dev->q[0].pool);
			unsigned char *p;
			unsigned len;

			if (!page)
				break;
			p = np_page_address(page);
			bufs[k].page = page;
			/* mostly sane, sometimes out of bounds on purpose */
			bufs[k].offset = (take(&in) & 0x80) ? take(&in) * 32u : NP_XDP_HEADROOM;
			len = take(&in) << 4 | (take(&in) & 0x0f);
			bufs[k].len = len;
			for (unsigned b = 0; b < 64 && in.n && bufs[k].offset + b < NP_PAGE_SIZE; b++)
				p[bufs[k].offset + b] = (unsigned char)take(&in);
		}
		if (k)
			np_netdev_receive(dev, 0, bufs, k);
		if (c.route & 2) {
			np_gro_flush(&c.gro);
			np_sockq_read(&c.q, NULL, (size_t)-1);
		}
		np_netdev_poll(out, 0);	/* completions (in the other napi) */
	}
	np_gro_flush(&c.gro);
	np_sockq_purge(&c.q);
	np_napi_ctx_leave(prev);
	np_netdev_close(dev);
	np_netdev_close(out);
	np_netdev_destroy(out);
	np_netdev_destroy(dev);
	np_skb_thread_flush();
	for (int i = 0; i < 2; i++) {
		struct np_pool_info info;

		if (np_pool_info_get(ids[i], &info) != -ENOENT) {
			fprintf(stderr, "fuzz_netdev_rx: pool %u kept %lld pages\n", ids[i],
				(long long)info.inflight);
			abort();
		}
	}
	if (np_skb_live() != live0)
		abort();
	return 0;
}
