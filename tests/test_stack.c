/* SPDX-License-Identifier: MIT */
/*
 * The stack pieces: GRO merges the packets of one flow (and only packets of
 * the same recycling kind), the receive queue coalesces and gives back the
 * exact bytes delivered, the encapsulation push reallocates a cloned or
 * short head without touching the clone's bytes, and the capture tap writes
 * a pcap file whose records are the packets, freeing its clones on its own
 * thread. Every buffer comes back: inflight 0, no live skb.
 */
#include <unistd.h>
#include "skbtest.h"

/* An Ethernet/IPv4/UDP packet of @len bytes in a pool page; payload bytes from @seed. */
static struct np_skb *udp_skb(struct env *e, uint32_t len, uint16_t sport, uint8_t seed, bool pp)
{
	static const unsigned char hdr[42] = {
		0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
		0x45, 0, 0, 0, 0, 0, 0x40, 0, 0x40, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
		0, 0, 0x30, 0x39, 0, 0, 0, 0,
	};
	struct np_page *page = np_pool_alloc_pages(e->pool);
	struct np_skb *skb;
	unsigned char *p;

	CHECK(page);
	skb = np_build_skb(np_page_address(page), NP_PAGE_SIZE);
	CHECK(skb);
	np_skb_reserve(skb, 128);
	p = np_skb_put(skb, len);
	CHECK(p);
	memcpy(p, hdr, sizeof(hdr));
	p[34] = (unsigned char)(sport >> 8);
	p[35] = (unsigned char)sport;
	p[16] = (unsigned char)((len - 14) >> 8);	/* IPv4 total length */
	p[17] = (unsigned char)(len - 14);
	{
		/* a header checksum that verifies: GRO merges nothing else */
		uint16_t c = np_csum_fold(np_csum_partial(p + 14, 20, 0));

		memcpy(p + 24, &c, 2);
	}
	for (uint32_t i = sizeof(hdr); i < len; i++)
		p[i] = (unsigned char)(seed + i);
	if (pp)
		np_skb_mark_for_recycle(skb);
	else {
		/* a driver that does not recycle: the page leaves the pool first */
		np_pool_release_page(e->pool, page);
	}
	return skb;
}

static void test_gro(void)
{
	struct env e;
	struct np_gro gro;
	struct skbt_sink s = { 0 };
	unsigned char buf[8192], want[8192];
	uint32_t wlen = 0;

	env_init_flags(&e, NULL, ENV_OWN_NAPI);
	np_gro_init(&gro, skbt_sink_deliver, &s);
	/* 5 packets of flow A, 3 of flow B interleaved, then a non-IP frame */
	for (int i = 0; i < 5; i++) {
		struct np_skb *a = udp_skb(&e, 500, 1000, (uint8_t)i, true);

		np_skb_copy_bits(a, i ? 42 : 0, want + wlen, i ? 458 : 500);
		wlen += i ? 458 : 500;
		np_gro_receive(&gro, a);
		if (i < 3)
			np_gro_receive(&gro, udp_skb(&e, 300, 2000, (uint8_t)i, true));
	}
	{
		struct np_skb *arp = udp_skb(&e, 60, 0, 0, true);

		arp->data[12] = 0x08;
		arp->data[13] = 0x06;
		np_gro_receive(&gro, arp);
	}
	{
		/* an IPv4 total length that disagrees with the frame (padding): passed, not merged */
		struct np_skb *pad = udp_skb(&e, 300, 1000, 9, true);

		pad->data[17] = (unsigned char)(pad->data[17] - 10);
		np_gro_receive(&gro, pad);
	}
	CHECK_EQ(gro.merged, 6);
	CHECK_EQ(gro.passed, 2);
	CHECK_EQ(s.n, 2);		/* the padded and the ARP frame went through at once */
	np_gro_flush(&gro);
	CHECK_EQ(s.n, 4);
	CHECK_EQ(s.skbs[2]->len, wlen);
	CHECK_EQ(np_skb_shinfo(s.skbs[2])->gso_segs, 5);
	CHECK_EQ(np_skb_copy_bits(s.skbs[2], 0, buf, wlen), 0);
	/* the payload as sent; the headers completed for the merged length */
	CHECK(!memcmp(buf + 42, want + 42, wlen - 42));
	CHECK(!memcmp(buf, want, 16));
	CHECK_EQ((uint32_t)(buf[16] << 8 | buf[17]), wlen - 14);
	CHECK_EQ((uint32_t)(buf[38] << 8 | buf[39]), wlen - 34);
	CHECK_EQ(np_csum_fold(np_csum_partial(buf + 14, 20, 0)), 0);
	CHECK_EQ(s.skbs[2]->ip_summed, NP_CHECKSUM_PARTIAL);
	/* ID 0 in every one, DF set: a fixed-ID train */
	CHECK_EQ(np_skb_shinfo(s.skbs[2])->gso_type, NP_SKB_GSO_UDP_L4 | NP_SKB_GSO_TCP_FIXEDID);
	CHECK_EQ(s.skbs[3]->len, 300 + 2 * 258);
	/* the segment size is each held packet's own payload (UDP headers end at 42) */
	CHECK_EQ(np_skb_shinfo(s.skbs[2])->gso_size, 458);
	CHECK_EQ(np_skb_shinfo(s.skbs[3])->gso_size, 258);
	for (unsigned int i = 0; i < s.n; i++)
		np_consume_skb(s.skbs[i]);
	s.n = 0;

	/* a short packet merged second does not become the segment size */
	np_gro_receive(&gro, udp_skb(&e, 1042, 4000, 1, true));
	np_gro_receive(&gro, udp_skb(&e, 242, 4000, 2, true));
	np_gro_flush(&gro);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(s.skbs[0]->len, 1042 + 200);
	CHECK_EQ(np_skb_shinfo(s.skbs[0])->gso_size, 1000);
	np_consume_skb(s.skbs[0]);
	s.n = 0;

	/* a flow whose packets differ in pp_recycle: never merged, held one flushed */
	np_gro_receive(&gro, udp_skb(&e, 400, 3000, 1, true));
	np_gro_receive(&gro, udp_skb(&e, 400, 3000, 2, false));
	CHECK_EQ(s.n, 1);
	CHECK(s.skbs[0]->pp_recycle);
	np_gro_flush(&gro);
	CHECK_EQ(s.n, 2);
	CHECK(!s.skbs[1]->pp_recycle);
	CHECK_EQ(s.skbs[0]->len, 400);
	CHECK_EQ(s.skbs[1]->len, 400);
	for (unsigned int i = 0; i < s.n; i++)
		np_consume_skb(s.skbs[i]);
	env_fini(&e);
}

/* A UDP packet of flow 5000 with IPv4 ID @id; DF as @df; header checksum redone. */
static struct np_skb *id_skb(struct env *e, uint16_t id, bool df, uint8_t seed)
{
	struct np_skb *skb = udp_skb(e, 542, 5000, seed, true);
	unsigned char *p = skb->data;
	uint16_t c = 0;

	p[18] = (unsigned char)(id >> 8);
	p[19] = (unsigned char)id;
	p[20] = df ? 0x40 : 0;
	memcpy(p + 24, &c, 2);
	c = np_csum_fold(np_csum_partial(p + 14, 20, 0));
	memcpy(p + 24, &c, 2);
	return skb;
}

/*
 * The IPv4 ID rule (the kernel's flush_id): a train counts its IDs up, or,
 * with DF, keeps one; the first merge decides. What GRO merged, segmentation
 * gives back with the IDs that came in.
 */
static void test_gro_ids(void)
{
	static const struct {
		uint16_t id[4];
		bool df;
		unsigned int merged;	/* into the first */
		bool fixed;
	} c[] = {
		{ { 7, 8, 9, 10 }, true, 4, false },
		{ { 7, 8, 9, 10 }, false, 4, false },
		{ { 7, 7, 7, 7 }, true, 4, true },
		{ { 0xffff, 0, 1, 2 }, true, 4, false },	/* wraps */
		{ { 7, 7, 7, 7 }, false, 1, false },	/* fixed without DF: never merged */
		{ { 7, 8, 8, 9 }, true, 2, false },	/* counting, then the rule changes */
		{ { 7, 7, 8, 9 }, true, 2, true },	/* fixed, then counting */
		{ { 7, 9, 10, 11 }, true, 1, false },	/* a gap */
	};
	struct env e;

	env_init_flags(&e, NULL, ENV_OWN_NAPI);
	for (unsigned int k = 0; k < NP_ARRAY_SIZE(c); k++) {
		struct np_gro gro;
		struct skbt_sink s = { 0 };
		struct np_skb *segs = NULL;
		unsigned int n = 0;

		np_gro_init(&gro, skbt_sink_deliver, &s);
		for (unsigned int j = 0; j < 4; j++)
			np_gro_receive(&gro, id_skb(&e, c[k].id[j], c[k].df, (uint8_t)j));
		np_gro_flush(&gro);
		CHECK(s.n >= 1);
		CHECK_EQ(np_skb_shinfo(s.skbs[0])->gso_segs ? np_skb_shinfo(s.skbs[0])->gso_segs : 1u,
			 c[k].merged);
		CHECK_EQ(!!(np_skb_shinfo(s.skbs[0])->gso_type & NP_SKB_GSO_TCP_FIXEDID),
			 c[k].fixed);
		if (c[k].merged > 1) {
			/* cut again: each packet carries the ID it came with */
			CHECK_EQ(np_skb_gso_segment(s.skbs[0], NP_NETIF_F_SG, &segs), 0);
			np_consume_skb(s.skbs[0]);
			s.skbs[0] = NULL;
			for (struct np_skb *g = segs; g; g = g->next, n++)
				CHECK_EQ((unsigned int)(g->data[18] << 8 | g->data[19]), c[k].id[n]);
			CHECK_EQ(n, c[k].merged);
			while (segs) {
				struct np_skb *g = segs;

				segs = g->next;
				g->next = NULL;
				np_consume_skb(g);
			}
		}
		for (unsigned int i = 0; i < s.n; i++)
			if (s.skbs[i])
				np_consume_skb(s.skbs[i]);
	}
	env_fini(&e);
}

static void test_sockq(void)
{
	struct env e;
	struct np_sockq q;
	static unsigned char want[200000], got[200000];
	uint64_t wlen = 0, glen = 0;

	env_init_flags(&e, NULL, ENV_OWN_NAPI);
	np_sockq_init(&q, 64 * 1024);
	for (int i = 0; i < 200; i++) {
		struct np_skb *skb = udp_skb(&e, 100 + (uint32_t)i * 7 % 1400, 1, (uint8_t)i, true);
		uint32_t len = skb->len;

		if (q.bytes + len <= q.limit) {
			CHECK_EQ(np_skb_copy_bits(skb, 0, want + wlen, len), 0);
			wlen += len;
			CHECK_EQ(np_sockq_queue(&q, skb), 0);
		} else {
			CHECK_EQ(np_sockq_queue(&q, skb), -ENOBUFS);
		}
		if (i % 37 == 36)
			glen += np_sockq_read(&q, got + glen, 1000);	/* a reader, partial */
	}
	CHECK(q.coalesced > 0);
	CHECK(q.dropped > 0);
	CHECK(np_skb_drop_count(NP_SKB_DROP_QUEUE_FULL) >= q.dropped);
	glen += np_sockq_read(&q, got + glen, sizeof(got) - glen);
	CHECK_EQ(glen, wlen);
	CHECK(!memcmp(got, want, wlen));
	CHECK_EQ(q.bytes, 0);
	CHECK(q.head == NULL);
	/* purge with something queued */
	np_sockq_queue(&q, udp_skb(&e, 200, 1, 0, true));
	np_sockq_purge(&q);
	env_fini(&e);
}

static void test_encap(void)
{
	struct env e;
	unsigned char hdr[50], before[1500], after[1600];
	struct np_skb *skb, *clone;

	memset(hdr, 0xee, sizeof(hdr));
	env_init_flags(&e, NULL, ENV_OWN_NAPI);
	/* room enough: pushed in place */
	skb = udp_skb(&e, 1000, 1, 3, true);
	CHECK_EQ(np_skb_encap_push(skb, hdr, sizeof(hdr)), 0);
	CHECK(skb->head_frag && skb->pp_recycle);
	CHECK_EQ(skb->len, 1050);
	np_consume_skb(skb);
	/* cloned (a capture holds it): the head is reallocated, the clone keeps its bytes */
	skb = udp_skb(&e, 1000, 1, 4, true);
	clone = np_skb_clone(skb);
	CHECK(clone);
	CHECK_EQ(np_skb_copy_bits(clone, 0, before, 1000), 0);
	CHECK_EQ(np_skb_encap_push(skb, hdr, sizeof(hdr)), 0);
	CHECK(!skb->head_frag);
	CHECK_EQ(np_skb_copy_bits(skb, 0, after, 1050), 0);
	CHECK(!memcmp(after, hdr, 50) && !memcmp(after + 50, before, 1000));
	CHECK_EQ(np_skb_copy_bits(clone, 0, after, 1000), 0);
	CHECK(!memcmp(after, before, 1000));
	np_consume_skb(skb);
	np_consume_skb(clone);
	/* short headroom */
	skb = udp_skb(&e, 1000, 1, 5, true);
	np_skb_pull(skb, 0);
	skb->data = skb->head + 10;	/* pretend a driver left only 10 bytes */
	skb->tail = 10 + 1000;
	memset(skb->data, 0x11, 1000);
	CHECK_EQ(np_skb_encap_push(skb, hdr, sizeof(hdr)), 0);
	CHECK_EQ(skb->len, 1050);
	CHECK_EQ(np_skb_encap_push(skb, hdr, 300), -EINVAL);
	np_consume_skb(skb);
	env_fini(&e);
}

struct pcap_rec {
	uint32_t sec, usec, incl, orig;
};

static void test_capture(void)
{
	char path[] = "/tmp/netpool-capXXXXXX";
	struct np_capture_stats cs;
	struct np_capture *cap;
	struct env e;
	uint32_t lens[300];
	unsigned char buf[2000], want[2000];
	uint32_t hdr[6];
	FILE *f;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	close(fd);
	env_init_flags(&e, NULL, ENV_OWN_NAPI);
	CHECK_EQ(np_capture_open(path, 0, &cap), 0);
	for (int i = 0; i < 300; i++) {
		struct np_skb *skb = udp_skb(&e, 60 + (uint32_t)i * 5, 7, (uint8_t)i, true);

		lens[i] = skb->len;
		CHECK_EQ(np_capture_skb(cap, skb), 0);
		np_consume_skb(skb);	/* the original goes at once; the clone keeps the data */
	}
	CHECK_EQ(np_capture_close(cap, &cs), 0);
	CHECK_EQ(cs.captured, 300);
	CHECK_EQ(cs.written, 300);
	CHECK_EQ(cs.dropped, 0);
	f = fopen(path, "rb");
	CHECK(f);
	CHECK_EQ(fread(hdr, sizeof(hdr), 1, f), 1);
	CHECK_EQ(hdr[0], 0xa1b2c3d4u);
	CHECK_EQ(hdr[5], 1);	/* Ethernet */
	for (int i = 0; i < 300; i++) {
		struct pcap_rec r;

		CHECK_EQ(fread(&r, sizeof(r), 1, f), 1);
		CHECK_EQ(r.incl, lens[i]);
		CHECK_EQ(r.orig, lens[i]);
		CHECK_EQ(fread(buf, 1, r.incl, f), r.incl);
		for (uint32_t k = 42; k < r.incl; k++)
			want[k] = (unsigned char)(i + k);
		CHECK(!memcmp(buf + 42, want + 42, r.incl - 42));
	}
	CHECK_EQ(fread(buf, 1, 1, f), 0);	/* nothing more */
	fclose(f);
	unlink(path);
	CHECK_EQ(np_capture_open("/nonexistent-dir/x.pcap", 0, &cap), -ENOENT);
	env_fini(&e);
}

int main(void)
{
	np_set_print(t_log_capture);
	test_gro();
	test_gro_ids();
	test_sockq();
	test_encap();
	test_capture();
	return 0;
}
