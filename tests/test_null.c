/* SPDX-License-Identifier: MIT */
/*
 * The null driver: RX hands out a burst of frames of the fixed length per
 * poll, each with a valid Ethernet/IPv4/UDP header, as skbs on the queue's
 * pool pages (marked for recycling unless no_recycle); a count ends it. TX
 * frees what it is given, counted as sent and completed. Two null ports
 * forwarding into each other for many bursts give every buffer back, with
 * recycling (every page straight back into its cache) and without (every
 * page out of its pool and back to the provider); XDP TX, REDIRECT and DROP
 * free their buffers; queue threads transmitting on one queue at once lose
 * no count. Bad parameters are refused before anything is made.
 */
#include <inttypes.h>
#include "testutil.h"
#include "netpool/csum.h"

#define FRAME_LEN	128u

#ifdef T_SANITIZED
#define THREAD_FRAMES	20000u
#else
#define THREAD_FRAMES	200000u
#endif

struct rx_ctl {
	struct np_netdev *fwd_to;	/* forward instead of consuming */
	bool swap;			/* swap the MAC addresses in place first */
	bool always_q0;			/* forward to queue 0 whatever the receiving queue */
	uint32_t want_len;
	bool want_recycle;
	np_atomic_u64 frames, bad;
};

/* The header every null frame starts with, in either MAC order; valid IPv4 checksum. */
static bool frame_ok(const struct rx_ctl *c, const struct np_skb *skb)
{
	static const unsigned char m1[6] = { 2, 0, 0, 0, 0, 1 }, m2[6] = { 2, 0, 0, 0, 0, 2 };
	const unsigned char *p = skb->data;
	bool fwd = !memcmp(p, m2, 6) && !memcmp(p + 6, m1, 6);
	bool rev = !memcmp(p, m1, 6) && !memcmp(p + 6, m2, 6);

	if (skb->len != c->want_len || np_skb_headlen(skb) != skb->len ||
	    np_skb_shinfo(skb)->nr_frags || skb->data - skb->head != NP_XDP_HEADROOM)
		return false;
	if (skb->pp_recycle != c->want_recycle)
		return false;
	if (!(fwd || rev) || p[12] != 0x08 || p[13] != 0x00 || p[14] != 0x45 || p[23] != 17)
		return false;
	if (((p[16] << 8) | p[17]) != (int)(c->want_len - 14) ||
	    ((p[38] << 8) | p[39]) != (int)(c->want_len - 34))
		return false;
	return np_csum_fold(np_csum_partial(p + 14, 20, 0)) == 0;
}

static void rx_handler(struct np_netdev *dev, unsigned int q, struct np_skb *skb, void *arg)
{
	struct rx_ctl *c = arg;

	(void)dev;
	np_atomic_add_relaxed(&c->frames, 1);
	if (!frame_ok(c, skb))
		np_atomic_add_relaxed(&c->bad, 1);
	if (c->swap) {
		unsigned char tmp[6];

		memcpy(tmp, skb->data, 6);
		memcpy(skb->data, skb->data + 6, 6);
		memcpy(skb->data + 6, tmp, 6);
	}
	if (c->fwd_to)
		np_netdev_xmit(c->fwd_to, c->always_q0 ? 0 : q, skb);
	else
		np_napi_consume_skb(skb, NP_NAPI_WEIGHT);
}

/* Destroy @dev (closed) and wait for each pool of its last open to be freed. */
static void finish(struct np_netdev *dev)
{
	uint32_t ids[NP_NETDEV_MAX_QUEUES];
	unsigned int n = dev->nqueues;

	for (unsigned int i = 0; i < n; i++) {
		CHECK(!dev->q[i].pool);
		ids[i] = dev->q[i].pool_id;
	}
	np_netdev_destroy(dev);
	for (unsigned int i = 0; i < n; i++)
		CHECK(!ids[i] || t_wait_pool_freed(ids[i], 10000));
}

/* Every page that entered @dev's pools left them again: inflight 0 after the close. */
static void check_pools_clean(struct np_netdev *dev)
{
	struct np_pool_stats ps = { .size = sizeof(ps) };

	CHECK_EQ(np_netdev_get_pool_stats(dev, &ps), 0);
	CHECK(ps.hold > 0);
	CHECK_EQ(ps.hold, ps.release);
	CHECK_EQ(ps.inflight, 0);
}

/* ---- parameters ---- */

static void test_params(void)
{
	struct np_null_params bad[] = {
		{ .nqueues = NP_NETDEV_MAX_QUEUES + 1 },
		{ .frame_len = NP_NULL_FRAME_MIN - 1 },
		{ .frame_len = NP_NULL_FRAME_MAX + 1 },
		{ .frame_len = UINT32_MAX },
		{ .burst = NP_NAPI_WEIGHT + 1 },
	};
	struct np_null_params good = { .frame_len = NP_NULL_FRAME_MAX, .burst = NP_NAPI_WEIGHT,
				       .nqueues = NP_NETDEV_MAX_QUEUES, .name = "nulltest" };
	struct np_netdev *dev = (struct np_netdev *)&good, *vnic;
	struct np_null_stats st, untouched;
	int64_t live0 = np_skb_live();

	for (unsigned int i = 0; i < NP_ARRAY_SIZE(bad); i++) {
		CHECK_EQ(np_null_create(&bad[i], &dev), -EINVAL);
		CHECK(dev == (struct np_netdev *)&good);	/* *out untouched */
	}
	CHECK_EQ(np_null_create(NULL, NULL), -EINVAL);
	CHECK_EQ(np_null_create(&good, NULL), -EINVAL);

	/* every default: one queue of 64-byte frames, named nullN */
	CHECK_EQ(np_null_create(NULL, &dev), 0);
	CHECK_EQ(dev->nqueues, 1);
	CHECK(!strncmp(dev->name, "null", 4));
	CHECK(!strcmp(dev->ops->kind, "null"));
	np_netdev_destroy(dev);

	CHECK_EQ(np_null_create(&good, &dev), 0);
	CHECK_EQ(dev->nqueues, NP_NETDEV_MAX_QUEUES);
	CHECK(!strcmp(dev->name, "nulltest"));
	memset(&st, 0xa5, sizeof(st));
	untouched = st;
	CHECK_EQ(np_null_get_stats(NULL, 0, &st), -EINVAL);
	CHECK_EQ(np_null_get_stats(dev, -2, &st), -EINVAL);
	CHECK_EQ(np_null_get_stats(dev, NP_NETDEV_MAX_QUEUES, &st), -EINVAL);
	CHECK_EQ(np_null_get_stats(dev, 0, NULL), -EINVAL);
	CHECK(!memcmp(&st, &untouched, sizeof(st)));
	CHECK_EQ(np_null_get_stats(dev, -1, &st), 0);
	CHECK_EQ(st.rx_headers + st.tx_completed + st.tx_xdp_completed + st.tx_batches, 0);
	/* another driver's netdev is no null one */
	CHECK_EQ(np_vnic_create(NULL, &vnic), 0);
	CHECK_EQ(np_null_get_stats(vnic, 0, &st), -EINVAL);
	np_netdev_destroy(vnic);
	np_netdev_destroy(dev);
	CHECK_EQ(np_skb_live(), live0);
	printf("params: bad ones refused, defaults, stats arguments: ok\n");
}

/* ---- RX alone ---- */

static void test_rx(bool no_recycle, unsigned int burst)
{
	const uint64_t count = 1000;	/* not a multiple of the burst: a short last poll */
	struct np_null_params p = { .frame_len = FRAME_LEN, .count = count,
				    .no_recycle = no_recycle, .burst = burst };
	struct rx_ctl c = { .want_len = FRAME_LEN, .want_recycle = !no_recycle };
	unsigned int per = burst ? burst : NP_NAPI_WEIGHT;
	struct np_netdev_qstats qs;
	struct np_null_stats ns;
	struct np_pool_stats ps;
	struct np_netdev *dev;
	int64_t live0 = np_skb_live();
	uint64_t got = 0;
	int polls = 0, n;

	CHECK_EQ(np_null_create(&p, &dev), 0);
	np_netdev_set_rx_handler(dev, rx_handler, &c);
	CHECK_EQ(np_netdev_open(dev), 0);
	while ((n = np_netdev_poll(dev, 0)) > 0) {
		/* a burst a poll, the last one what is left of the count */
		CHECK_EQ(n, NP_MIN((uint64_t)per, count - got));
		got += (uint64_t)n;
		CHECK(++polls < 10000);
	}
	CHECK_EQ(got, count);
	CHECK_EQ(np_netdev_poll(dev, 0), 0);	/* the count is spent: quiet */
	CHECK_EQ(np_stat_read(c.frames), count);
	CHECK_EQ(np_stat_read(c.bad), 0);
	CHECK_EQ(np_netdev_get_qstats(dev, 0, &qs), 0);
	CHECK_EQ(qs.rx_packets, count);
	CHECK_EQ(qs.rx_bytes, count * FRAME_LEN);
	CHECK_EQ(qs.rx_nomem + qs.rx_bad_desc + qs.rx_dropped + qs.tx_packets, 0);
	CHECK_EQ(np_null_get_stats(dev, 0, &ns), 0);
	ps = t_pool_stats(dev->q[0].pool);
	if (no_recycle) {
		/* every page left the pool with its skb: a new page, a new header, each frame */
		CHECK_EQ(ns.rx_headers, count);
		CHECK_EQ(ps.recycle.cached + ps.recycle.ring, 0);
		CHECK_EQ(ps.release, count);
	} else {
		/* consumed inside the poll: every page straight back into the cache */
		CHECK_EQ(ps.recycle.cached, count);
		CHECK_EQ(ps.recycle.ring + ps.recycle.released_refcnt, 0);
		/* the header once per page life (release builds), each frame (debug builds) */
		if (NP_DEBUG == 0)
			CHECK(ns.rx_headers > 0 && ns.rx_headers <= ps.hold);
		else
			CHECK_EQ(ns.rx_headers, count);
		CHECK(ps.hold <= 2u * NP_NAPI_WEIGHT);
	}
	np_netdev_close(dev);
	check_pools_clean(dev);
	CHECK_EQ(np_skb_live(), live0);
	finish(dev);
	printf("rx: %s, burst %u: %" PRIu64 " frames in %d polls, headers %" PRIu64 ": ok\n",
	       no_recycle ? "no_recycle" : "recycle", per, count, polls, ns.rx_headers);
}

/* ---- TX outside a poll, and on a closed port ---- */

static void test_xmit(void)
{
	struct np_null_params p = { .no_rx = true };
	struct np_netdev_qstats qs;
	struct np_null_stats ns;
	struct np_netdev *dev;
	struct np_skb *skb;
	int64_t live0 = np_skb_live();

	CHECK_EQ(np_null_create(&p, &dev), 0);
	CHECK_EQ(np_netdev_open(dev), 0);
	CHECK_EQ(np_netdev_poll(dev, 0), 0);	/* no_rx: nothing comes */
	for (unsigned int i = 0; i < 10; i++) {
		skb = np_alloc_skb(200);
		CHECK(skb);
		CHECK(np_skb_put(skb, 60 + i));
		CHECK_EQ(np_netdev_xmit(dev, 0, skb), 0);
	}
	/* a queue past the port's is folded onto it */
	skb = np_alloc_skb(200);
	CHECK(skb && np_skb_put(skb, 100));
	CHECK_EQ(np_netdev_xmit(dev, 5, skb), 0);
	CHECK_EQ(np_skb_live(), live0);
	CHECK_EQ(np_netdev_get_qstats(dev, 0, &qs), 0);
	CHECK_EQ(qs.tx_packets, 11);
	CHECK_EQ(qs.tx_bytes, 10 * 60 + 45 + 100);
	CHECK_EQ(qs.rx_packets, 0);
	CHECK_EQ(np_null_get_stats(dev, -1, &ns), 0);
	CHECK_EQ(ns.tx_completed, 11);
	CHECK_EQ(ns.tx_batches, 11);	/* outside a poll each goes alone */
	CHECK_EQ(ns.tx_xdp_completed + ns.rx_headers, 0);
	np_netdev_close(dev);
	/* closed: refused, counted, freed */
	skb = np_alloc_skb(200);
	CHECK(skb && np_skb_put(skb, 60));
	CHECK_EQ(np_netdev_xmit(dev, 0, skb), -ENETDOWN);
	CHECK_EQ(np_netdev_get_qstats(dev, 0, &qs), 0);
	CHECK_EQ(qs.tx_dropped, 1);
	CHECK_EQ(qs.tx_packets, 11);
	CHECK_EQ(np_skb_live(), live0);
	finish(dev);
	printf("xmit: outside a poll, folded queue, closed port: ok\n");
}

/* ---- two ports forwarding into each other ---- */

static void test_fwd(bool no_recycle, bool swap)
{
	const unsigned int bursts = 500;
	const uint64_t count = (uint64_t)bursts * NP_NAPI_WEIGHT;
	struct np_null_params p = { .frame_len = FRAME_LEN, .count = count,
				    .no_recycle = no_recycle };
	struct rx_ctl ca = { .want_len = FRAME_LEN, .want_recycle = !no_recycle, .swap = swap };
	struct rx_ctl cb = ca;
	struct np_netdev_qstats qa, qb;
	struct np_null_stats na, nb;
	struct np_pool_stats pa;
	struct np_netdev *a, *b;
	int64_t live0 = np_skb_live();

	CHECK_EQ(np_null_create(&p, &a), 0);
	CHECK_EQ(np_null_create(&p, &b), 0);
	ca.fwd_to = b;
	cb.fwd_to = a;
	np_netdev_set_rx_handler(a, rx_handler, &ca);
	np_netdev_set_rx_handler(b, rx_handler, &cb);
	CHECK_EQ(np_netdev_open(a), 0);
	CHECK_EQ(np_netdev_open(b), 0);
	for (unsigned int i = 0; i < bursts; i++) {
		CHECK_EQ(np_netdev_poll(a, 0), NP_NAPI_WEIGHT);
		CHECK_EQ(np_netdev_poll(b, 0), NP_NAPI_WEIGHT);
	}
	CHECK_EQ(np_netdev_poll(a, 0), 0);
	CHECK_EQ(np_netdev_poll(b, 0), 0);
	CHECK_EQ(np_stat_read(ca.frames), count);
	CHECK_EQ(np_stat_read(cb.frames), count);
	CHECK_EQ(np_stat_read(ca.bad) + np_stat_read(cb.bad), 0);
	/* what one port received the other sent, and completed, byte for byte */
	np_netdev_get_qstats(a, -1, &qa);
	np_netdev_get_qstats(b, -1, &qb);
	CHECK_EQ(qa.rx_packets, count);
	CHECK_EQ(qb.tx_packets, qa.rx_packets);
	CHECK_EQ(qb.tx_bytes, qa.rx_bytes);
	CHECK_EQ(qa.tx_packets, qb.rx_packets);
	CHECK_EQ(qa.tx_bytes, qb.rx_bytes);
	CHECK_EQ(qa.tx_busy + qa.tx_dropped + qb.tx_busy + qb.tx_dropped, 0);
	CHECK_EQ(np_null_get_stats(a, -1, &na), 0);
	CHECK_EQ(np_null_get_stats(b, -1, &nb), 0);
	CHECK_EQ(na.tx_completed, qa.tx_packets);
	CHECK_EQ(nb.tx_completed, qb.tx_packets);
	/* inside the poll the core hands transmissions over in batches */
	CHECK_EQ(nb.tx_batches, count / NP_NETDEV_XMIT_BULK);
	pa = t_pool_stats(a->q[0].pool);
	if (no_recycle) {
		CHECK_EQ(pa.recycle.cached + pa.recycle.ring, 0);
		CHECK_EQ(pa.release, count);
		CHECK_EQ(na.rx_headers, count);
	} else {
		/* freed in the receiving port's poll: into its cache, never the ring */
		CHECK_EQ(pa.recycle.cached, count);
		CHECK_EQ(pa.recycle.ring, 0);
		CHECK_EQ(pa.release, 0);
		CHECK(pa.hold <= 2u * NP_NAPI_WEIGHT);
	}
	np_netdev_close(a);
	np_netdev_close(b);
	check_pools_clean(a);
	check_pools_clean(b);
	CHECK_EQ(np_skb_live(), live0);
	finish(a);
	finish(b);
	printf("fwd: %s%s: %u bursts each way, %" PRIu64 " packets, every buffer back: ok\n",
	       no_recycle ? "no_recycle" : "recycle", swap ? ", MACs swapped" : "", bursts, count);
}

/* ---- the verdict hook: TX, REDIRECT and DROP free their buffers ---- */

struct xdp_ctl {
	enum np_xdp_action act;
	struct np_netdev *to;
};

static enum np_xdp_action prog(struct np_xdp_buff *xdp, void *arg)
{
	struct xdp_ctl *x = arg;

	return x->act == NP_XDP_REDIRECT ? np_xdp_redirect(xdp, x->to) : x->act;
}

static void test_xdp(enum np_xdp_action act)
{
	const uint64_t count = 640;
	struct np_null_params p = { .count = count }, ps = { .no_rx = true };
	struct xdp_ctl x = { .act = act };
	struct np_netdev_qstats qs, qo;
	struct np_null_stats ns;
	struct np_netdev *dev, *other;
	int64_t live0 = np_skb_live();
	struct np_netdev *sent_on;

	CHECK_EQ(np_null_create(&p, &dev), 0);
	CHECK_EQ(np_null_create(&ps, &other), 0);
	x.to = other;
	np_netdev_set_xdp(dev, prog, &x);
	CHECK_EQ(np_netdev_open(dev), 0);
	CHECK_EQ(np_netdev_open(other), 0);
	while (np_netdev_poll(dev, 0) > 0)
		;
	np_netdev_get_qstats(dev, 0, &qs);
	np_netdev_get_qstats(other, 0, &qo);
	CHECK_EQ(qs.rx_packets, count);
	sent_on = act == NP_XDP_TX ? dev : act == NP_XDP_REDIRECT ? other : NULL;
	if (act == NP_XDP_TX)
		CHECK_EQ(qs.xdp_tx, count);
	else if (act == NP_XDP_REDIRECT)
		CHECK_EQ(qs.xdp_redirect, count);
	else
		CHECK_EQ(qs.xdp_drop, count);
	if (sent_on) {
		struct np_netdev_qstats qt;

		np_netdev_get_qstats(sent_on, 0, &qt);
		CHECK_EQ(qt.tx_packets, count);
		CHECK_EQ(qt.tx_bytes, count * NP_NULL_FRAME_DEFAULT);
		CHECK_EQ(np_null_get_stats(sent_on, 0, &ns), 0);
		CHECK_EQ(ns.tx_xdp_completed, count);
		CHECK_EQ(ns.tx_completed, count);
	} else {
		CHECK_EQ(qs.tx_packets + qo.tx_packets, 0);
	}
	/* the frames freed in the receiving poll: back into the cache */
	CHECK_EQ(t_pool_stats(dev->q[0].pool).recycle.cached, count);
	np_netdev_close(dev);
	np_netdev_close(other);
	check_pools_clean(dev);
	CHECK_EQ(np_skb_live(), live0);
	finish(dev);
	finish(other);
	printf("xdp: %s: %" PRIu64 " frames, every buffer back: ok\n",
	       act == NP_XDP_TX ? "TX" : act == NP_XDP_REDIRECT ? "REDIRECT" : "DROP", count);
}

/* ---- queue threads: two of them transmitting on one queue at once ---- */

static void test_threads(bool no_recycle)
{
	const uint64_t count = THREAD_FRAMES;
	struct np_null_params pa = { .nqueues = 2, .count = count, .no_recycle = no_recycle };
	struct np_null_params pb = { .no_rx = true };
	struct rx_ctl c = { .want_len = NP_NULL_FRAME_DEFAULT, .want_recycle = !no_recycle,
			    .always_q0 = true };
	struct np_netdev_qstats qa, qb;
	struct np_null_stats nb;
	struct np_netdev *a, *b;
	int64_t live0 = np_skb_live();
	int waited = 0;

	CHECK_EQ(np_null_create(&pa, &a), 0);
	CHECK_EQ(np_null_create(&pb, &b), 0);
	c.fwd_to = b;
	np_netdev_set_rx_handler(a, rx_handler, &c);
	CHECK_EQ(np_netdev_open(a), 0);
	CHECK_EQ(np_netdev_open(b), 0);
	CHECK_EQ(np_netdev_start(a, NULL), 0);
	do {
		t_sleep_ms(5);
		np_netdev_get_qstats(b, 0, &qb);
		CHECK(++waited < 12000);
	} while (qb.tx_packets < 2 * count);
	np_netdev_stop(a);
	np_netdev_get_qstats(a, -1, &qa);
	np_netdev_get_qstats(b, -1, &qb);
	CHECK_EQ(qa.rx_packets, 2 * count);
	CHECK_EQ(qb.tx_packets, 2 * count);
	CHECK_EQ(qb.tx_bytes, qa.rx_bytes);
	CHECK_EQ(np_stat_read(c.bad), 0);
	CHECK_EQ(np_null_get_stats(b, 0, &nb), 0);
	CHECK_EQ(nb.tx_completed, 2 * count);
	np_netdev_close(a);
	np_netdev_close(b);
	check_pools_clean(a);
	CHECK_EQ(np_skb_live(), live0);
	finish(a);
	finish(b);
	printf("threads: %s: two queue threads into one TX queue, %" PRIu64 " packets: ok\n",
	       no_recycle ? "no_recycle" : "recycle", 2 * count);
}

/* A hook replaced while two queue threads run it: each program sees its own argument. */
struct swap_ctl {
	np_atomic_u64 runs, wrong;
};

static struct swap_ctl swap_a, swap_b;

/* One run of the program whose argument is @me, handed @arg. */
static void swap_ran(struct swap_ctl *me, const void *arg)
{
	np_atomic_inc_relaxed(&me->runs);
	if (arg != me)
		np_atomic_inc_relaxed(&me->wrong);
}

static enum np_xdp_action swap_prog_a(struct np_xdp_buff *xdp, void *arg)
{
	(void)xdp;
	swap_ran(&swap_a, arg);
	return NP_XDP_PASS;
}

static enum np_xdp_action swap_prog_b(struct np_xdp_buff *xdp, void *arg)
{
	(void)xdp;
	swap_ran(&swap_b, arg);
	return NP_XDP_DROP;
}

static void test_xdp_swap(void)
{
	const uint64_t count = 5 * THREAD_FRAMES;
	struct np_null_params p = { .nqueues = 2, .count = count };
	struct np_netdev_qstats qs;
	struct np_netdev *dev;
	int64_t live0 = np_skb_live();
	uint64_t swaps = 0;

	CHECK_EQ(np_null_create(&p, &dev), 0);
	CHECK_EQ(np_netdev_open(dev), 0);
	CHECK_EQ(np_netdev_start(dev, NULL), 0);
	do {
		switch (swaps++ % 3) {
		case 0:
			np_netdev_set_xdp(dev, swap_prog_a, &swap_a);
			break;
		case 1:
			np_netdev_set_xdp(dev, swap_prog_b, &swap_b);
			break;
		default:
			np_netdev_set_xdp(dev, NULL, NULL);
		}
		np_netdev_get_qstats(dev, -1, &qs);
	} while (qs.rx_packets < 2 * count);
	np_netdev_stop(dev);
	np_netdev_get_qstats(dev, -1, &qs);
	CHECK_EQ(qs.rx_packets, 2 * count);
	CHECK_EQ(qs.xdp_pass + qs.xdp_drop, np_stat_read(swap_a.runs) + np_stat_read(swap_b.runs));
	CHECK(np_stat_read(swap_a.runs) > 0 && np_stat_read(swap_b.runs) > 0);
	if (np_stat_read(swap_a.wrong) || np_stat_read(swap_b.wrong)) {
		fprintf(stderr, "FAIL: a program ran with the other's argument: %" PRIu64 " of %"
			PRIu64 " (a), %" PRIu64 " of %" PRIu64 " (b)\n",
			np_stat_read(swap_a.wrong), np_stat_read(swap_a.runs),
			np_stat_read(swap_b.wrong), np_stat_read(swap_b.runs));
		exit(1);
	}
	np_netdev_close(dev);
	check_pools_clean(dev);
	CHECK_EQ(np_skb_live(), live0);
	finish(dev);
	printf("xdp swap: %" PRIu64 " hook changes under two queue threads, %" PRIu64 " frames "
	       "(a %" PRIu64 ", b %" PRIu64 "): each program always with its argument: ok\n",
	       swaps, 2 * count, np_stat_read(swap_a.runs), np_stat_read(swap_b.runs));
}

/* ---- the driver's counters through the export's op ---- */

static void test_ethtool(void)
{
	struct np_null_params p = { .count = 64 };
	const char *names[NP_NULL_STATS_NR + 2];
	uint64_t vals[NP_NULL_STATS_NR + 2];
	struct np_null_stats ns;
	struct np_netdev *dev;
	unsigned int n;

	CHECK_EQ(np_null_create(&p, &dev), 0);
	CHECK_EQ(np_netdev_open(dev), 0);
	CHECK_EQ(np_netdev_poll(dev, 0), 64);
	CHECK(dev->ops->get_ethtool_stats);
	n = dev->ops->get_ethtool_stats(dev, 0, names, vals, NP_ARRAY_SIZE(vals));
	CHECK_EQ(n, NP_NULL_STATS_NR);
	CHECK_EQ(np_null_get_stats(dev, 0, &ns), 0);
	for (unsigned int k = 0; k < n; k++) {
		CHECK(!strcmp(names[k], np_null_stats_names[k]));
		CHECK_EQ(vals[k], ((const uint64_t *)&ns)[k]);
	}
	CHECK(!strcmp(names[0], "rx_headers") && vals[0] > 0);
	CHECK_EQ(dev->ops->get_ethtool_stats(dev, 0, names, vals, 2), 2);
	np_netdev_close(dev);
	finish(dev);
	printf("ethtool: %u counters by name: ok\n", n);
}

int main(void)
{
	test_params();
	test_rx(false, 0);
	test_rx(true, 0);
	test_rx(false, 7);
	test_xmit();
	test_fwd(false, false);
	test_fwd(true, false);
	test_fwd(false, true);
	test_xdp(NP_XDP_TX);
	test_xdp(NP_XDP_REDIRECT);
	test_xdp(NP_XDP_DROP);
	test_threads(false);
	test_threads(true);
	test_xdp_swap();
	test_ethtool();
	return 0;
}
