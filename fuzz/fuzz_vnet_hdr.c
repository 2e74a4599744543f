/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: virtio-net headers and frames into the tap driver, and
 * what passes through software GSO and checksums. A fake TAP
 * (np_tap_fake_create(): the driver's own code over a socket pair) with the
 * offloads the input picks reads, record after record, a header of any
 * bytes in front of a frame: a TCPv4, TCPv6, UDPv4 or UDPv6 frame of any
 * length up to 64 KiB (or raw bytes), its headers then overwritten at the
 * input's offsets with the input's bytes. A frame the driver takes goes,
 * as the input says, back out of the TAP (the header built from its
 * fields), through np_validate_xmit_skb() for an egress with the input's
 * features and then out, through GRO, or is freed.
 *
 * The oracle, beyond the sanitizers: an skb handed over as GSO has a
 * gso_size, gso_segs matching its payload and a partial checksum inside it;
 * what np_validate_xmit_skb() returns for an egress without the GSO type is
 * no GSO skb, no segment is longer than the headers and gso_size, the
 * segments' payloads add up to the original's, and without HW_CSUM no
 * checksum is left partial; after closing the TAP every page is back (its
 * pool freed) and no skb is live.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/virtio_net.h>
#include "netpool.h"
#include "../src/drivers/tap_fake.h"

#include "fuzz_input.h"

#define MAXF	(NP_TAP_MAX_GSO_FRAME + 64)

struct ctx {
	struct np_netdev *dev;
	struct np_gro gro;
	struct np_gso_stats st;
	unsigned int route;
	np_netdev_features_t features;
};

static void die(const char *what)
{
	fprintf(stderr, "fuzz_vnet_hdr: %s\n", what);
	abort();
}

static void sink(struct np_skb *skb, void *arg)
{
	(void)arg;
	np_kfree_skb(skb);
}

/* The payload after the headers: TCP's data offset, or UDP's 8 bytes. */
static uint32_t payload_of(const struct np_skb *skb, uint32_t *hlen)
{
	uint8_t doff = 0x50;
	uint32_t l4 = skb->csum_start - np_skb_headroom(skb);
	bool tcp = (np_skb_shinfo(skb)->gso_type & (NP_SKB_GSO_TCPV4 | NP_SKB_GSO_TCPV6)) != 0;

	if (tcp && np_skb_copy_bits(skb, l4 + 12, &doff, 1))
		die("a GSO skb's TCP header outside it");
	*hlen = l4 + (tcp ? (doff >> 4) * 4u : 8u);
	if (*hlen >= skb->len)
		die("a GSO skb without payload");
	return skb->len - *hlen;
}

static void out(struct ctx *c, struct np_skb *skb)
{
	const struct np_skb_shared_info *sh = np_skb_shinfo(skb);
	uint32_t hlen = 0, pay = 0, sum = 0, mss = sh->gso_size;
	bool gso = mss != 0, cut;
	struct np_skb *segs;

	if (gso) {
		if (skb->ip_summed != NP_CHECKSUM_PARTIAL ||
		    skb->csum_start + skb->csum_offset + 2u > skb->len + np_skb_headroom(skb))
			die("a GSO skb without a partial checksum inside it");
		pay = payload_of(skb, &hlen);
		if (sh->gso_segs != (pay + mss - 1) / mss)
			die("gso_segs disagrees with the payload");
	}
	cut = gso && np_netif_needs_gso(skb, c->features);
	segs = np_validate_xmit_skb(skb, c->features, &c->st);
	while (segs) {
		struct np_skb *next = segs->next;

		segs->next = NULL;
		if (cut) {
			if (np_skb_shinfo(segs)->gso_size || segs->len > hlen + mss ||
			    segs->len <= hlen)
				die("a segment that is GSO, or of another size");
			sum += segs->len - hlen;
		}
		if (!(c->features & NP_NETIF_F_HW_CSUM) && segs->ip_summed == NP_CHECKSUM_PARTIAL)
			die("a partial checksum left for an egress that cannot finish it");
		np_netdev_xmit(c->dev, 0, segs);
		segs = next;
	}
	if (cut && sum && sum != pay)
		die("the segments' payloads do not add up to the original's");
}

static void rx(struct np_netdev *dev, unsigned int q, struct np_skb *skb, void *arg)
{
	struct ctx *c = arg;

	(void)dev;
	(void)q;
	switch (c->route % 4) {
	case 0:
		np_netdev_xmit(c->dev, 0, skb);		/* whole, with the header it came with */
		break;
	case 1:
		out(c, skb);
		break;
	case 2:
		np_gro_receive(&c->gro, skb);
		break;
	default:
		np_napi_consume_skb(skb, NP_NAPI_WEIGHT);
		break;
	}
}

static void wr16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A frame of kind @k (0 TCPv4, 1 TCPv6, 2 UDPv4, 3 UDPv6, else raw) of @len bytes. */
static void frame(uint8_t *f, unsigned k, uint32_t len, struct in *in)
{
	bool v6 = k == 1 || k == 3, tcp = k < 2;
	uint32_t l4 = v6 ? 54 : 34;

	memset(f, 0, 80);
	for (uint32_t i = 80; i < len; i++)
		f[i] = (uint8_t)(i * 7);
	if (k > 3) {
		for (uint32_t i = 0; i < 64 && i < len; i++)
			f[i] = (uint8_t)take(in);
		return;
	}
	memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	if (!v6) {
		wr16(f + 12, 0x0800);
		f[14] = 0x45;
		wr16(f + 16, len - 14);
		f[22] = 64;
		f[23] = tcp ? 6 : 17;
	} else {
		wr16(f + 12, 0x86dd);
		f[14] = 0x60;
		wr16(f + 18, len - 54);
		f[20] = tcp ? 6 : 17;
	}
	if (tcp)
		f[l4 + 12] = 0x50;
	else
		wr16(f + l4 + 4, len - l4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t f[MAXF], sinkbuf[MAXF + 64];
	struct in in = { data, size };
	struct np_tap_params p = { .ifname = "fuzzvnet" };
	struct ctx c = { 0 };
	struct np_napi_ctx *prev;
	int64_t live0 = np_skb_live();
	uint32_t id;
	unsigned first = take(&in);
	int w;

	p.offloads = first & 0x1f;
	if (p.offloads & ~1u)
		p.offloads |= NP_TAP_OFFLOAD_CSUM;	/* segmentation needs checksums */
	p.no_vnet_hdr = (first & 0xe0) == 0xe0;
	if (np_tap_fake_create(&p, &w, &c.dev))
		abort();
	np_gro_init(&c.gro, sink, NULL);
	np_netdev_set_rx_handler(c.dev, rx, &c);
	if (np_netdev_open(c.dev))
		abort();
	id = c.dev->q[0].pool->id;
	prev = np_napi_ctx_enter(&c.dev->q[0].napi.ctx);
	for (unsigned rec = 0; in.n && rec < 16; rec++) {
		struct virtio_net_hdr h;
		unsigned k = take(&in) % 6, nmut;
		uint32_t len = (uint32_t)take_n(&in, 2);
		struct iovec iov[2];
		int nv = 0;

		c.route = take(&in);
		c.features = take_n(&in, 1) & 0x7f;
		for (unsigned i = 0; i < sizeof(h); i++)
			((uint8_t *)&h)[i] = (uint8_t)take(&in);
		len = len % (NP_TAP_MAX_GSO_FRAME + 8);
		frame(f, k, len < 80 ? 80 : len, &in);
		if (len < 80)
			len = 80 - (len & 63);
		nmut = take(&in) % 8;
		for (unsigned m = 0; m < nmut; m++) {
			uint32_t off = take(&in) % 96;

			f[off] = (uint8_t)take(&in);
		}
		if (!p.no_vnet_hdr)
			iov[nv++] = (struct iovec){ &h, sizeof(h) };
		iov[nv++] = (struct iovec){ f, len };
		if (writev(w, iov, nv) < 0)
			break;
		np_netdev_poll(c.dev, 0);
		np_gro_flush(&c.gro);
		/* what the driver wrote back: read off the wire */
		while (recv(w, sinkbuf, sizeof(sinkbuf), MSG_DONTWAIT) > 0)
			;
	}
	np_gro_flush(&c.gro);
	np_napi_ctx_leave(prev);
	np_netdev_close(c.dev);
	np_netdev_destroy(c.dev);
	close(w);
	np_skb_thread_flush();
	{
		struct np_pool_info info;

		if (np_pool_info_get(id, &info) != -ENOENT) {
			fprintf(stderr, "fuzz_vnet_hdr: pool %u kept %lld pages\n", id,
				(long long)info.inflight);
			abort();
		}
	}
	if (np_skb_live() != live0)
		die("an skb is still live");
	return 0;
}
