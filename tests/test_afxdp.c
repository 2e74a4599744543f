/* SPDX-License-Identifier: MIT */
/*
 * The afxdp driver, first over rings in plain memory (afxdp_fake.h), the test
 * playing the kernel: every bad RX descriptor and TX completion counted,
 * nothing lost; close and reopen with frames posted, held and in flight.
 * Then on a veth pair in a network namespace of the test's own: RX built in
 * place in UMEM frames, TX zero-copy or copied, a clone sent twice, bad
 * descriptors refused and counted, rebinding after close, two queues with
 * queue threads. Each netdev ends with every UMEM frame accounted for.
 * Skips (77) without root, namespaces, veth or AF_XDP (docs/reliability.md,
 * "Drivers on real devices").
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_xdp.h>
#include "testutil.h"
#include "netns.h"
#include "drivers/afxdp_fake.h"
#include "drivers/afxdp_inject.h"

#ifndef XDP_PKT_CONTD
#define XDP_PKT_CONTD	1	/* the kernel's ABI; newer than some uapi headers */
#endif
#define ETH_TEST	0x88b5	/* IEEE local experimental: nobody else sends it */
#define MAGIC		"NPX1"
#define HDR_LEN		(14 + 4 + 4 + 1 + 1)
#define RX_FRAMES	1000
#define MQ_FRAMES	400

static char if_a[IF_NAMESIZE], if_b[IF_NAMESIZE];
static unsigned int csum_warnings;	/* opens that warned of B's checksum offload */

/* ---- the namespace and the veth pair ---- */

/*
 * The pair in our own namespace, deleted on every exit path (netns.h).
 * Return: the number of queues it got (2, or 1 if veth refused more), 0 on failure.
 */
static unsigned int setup_links(void)
{
	unsigned int nq = 2;

	snprintf(if_a, sizeof(if_a), "npxa%d", (int)getpid());
	snprintf(if_b, sizeof(if_b), "npxb%d", (int)getpid());
	/* no IPv6 in our namespace: no neighbour discovery frames (filtered anyway) */
	netns_ipv6_off(NULL, "all");
	netns_ipv6_off(NULL, "default");
	if (netns_veth(if_a, NULL, if_b, NULL, 2)) {
		nq = 1;
		if (netns_veth(if_a, NULL, if_b, NULL, 0))
			return 0;
	}
	if (netns_link_up(NULL, if_a, 0) || netns_link_up(NULL, if_b, 0))
		return 0;
	return nq;
}

static void get_mac(const char *ifname, unsigned char mac[6])
{
	struct ifreq ifr;
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	CHECK(fd >= 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	CHECK_EQ(ioctl(fd, SIOCGIFHWADDR, &ifr), 0);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
}

/* ---- the kernel side: AF_PACKET on B ---- */

struct peer {
	int tx, rx;
	int ifindex;
	unsigned char mac_a[6], mac_b[6];
};

static void peer_open(struct peer *p)
{
	p->ifindex = (int)if_nametoindex(if_b);
	CHECK(p->ifindex > 0);
	get_mac(if_a, p->mac_a);
	get_mac(if_b, p->mac_b);
	/* straight to the driver: the TX queue is then the sending CPU's */
	p->tx = netns_packet_open(&(struct netns_packet){ .ifindex = p->ifindex,
							  .qdisc_bypass = true });
	CHECK(p->tx >= 0);
	p->rx = netns_packet_open(&(struct netns_packet){ .ifindex = p->ifindex, .proto = ETH_TEST,
							  .rcvbuf = 4 << 20, .nonblock = true });
	CHECK(p->rx >= 0);
}

static void peer_close(struct peer *p)
{
	close(p->tx);
	close(p->rx);
}

static uint8_t pattern(uint32_t seq, uint32_t i)
{
	return (uint8_t)(seq * 7u + i);
}

static uint32_t frame_len(uint32_t seq)
{
	return 60 + (seq * 37u) % (1514 - 60 + 1);
}

static void frame_build(const struct peer *p, unsigned char *buf, uint32_t len, uint32_t seq,
			uint8_t tag, uint8_t q)
{
	uint16_t type = htons(ETH_TEST);

	memcpy(buf, p->mac_a, 6);
	memcpy(buf + 6, p->mac_b, 6);
	memcpy(buf + 12, &type, 2);
	memcpy(buf + 14, MAGIC, 4);
	memcpy(buf + 18, &seq, 4);
	buf[22] = tag;
	buf[23] = q;
	for (uint32_t i = HDR_LEN; i < len; i++)
		buf[i] = pattern(seq, i);
}

/* Whether @buf is one of our frames, intact; its seq, tag and queue. */
static bool frame_check(const unsigned char *buf, uint32_t len, uint32_t *seq, uint8_t *tag,
			uint8_t *q)
{
	if (len < HDR_LEN || buf[12] != (ETH_TEST >> 8) || buf[13] != (ETH_TEST & 0xff) ||
	    memcmp(buf + 14, MAGIC, 4))
		return false;
	memcpy(seq, buf + 18, 4);
	*tag = buf[22];
	*q = buf[23];
	if (len != frame_len(*seq))
		return false;
	for (uint32_t i = HDR_LEN; i < len; i++)
		if (buf[i] != pattern(*seq, i))
			return false;
	return true;
}

static void peer_send(const struct peer *p, uint32_t seq, uint8_t tag, uint8_t q)
{
	unsigned char buf[1514];
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_halen = 6 };
	uint32_t len = frame_len(seq);

	sll.sll_ifindex = p->ifindex;
	memcpy(sll.sll_addr, p->mac_a, 6);
	frame_build(p, buf, len, seq, tag, q);
	for (int tries = 0;; tries++) {
		if (sendto(p->tx, buf, len, 0, (struct sockaddr *)&sll, sizeof(sll)) == (ssize_t)len)
			return;
		CHECK(errno == ENOBUFS || errno == EAGAIN);
		CHECK(tries < 1000);
		t_sleep_ms(1);
	}
}

/* One frame B received, or false after @ms. */
static bool peer_recv(const struct peer *p, unsigned char *buf, uint32_t *len, int ms)
{
	struct pollfd pfd = { .fd = p->rx, .events = POLLIN };
	ssize_t n = recv(p->rx, buf, 2048, 0);

	if (n < 0 && poll(&pfd, 1, ms) == 1)
		n = recv(p->rx, buf, 2048, 0);
	if (n < 0)
		return false;
	*len = (uint32_t)n;
	return true;
}

/* The next of our frames B received, checked; its tag (0: none came). */
static uint8_t peer_expect(const struct peer *p, uint32_t want_seq)
{
	unsigned char buf[2048];
	uint32_t len, seq;
	uint8_t tag, q;

	for (int i = 0; i < 50; i++) {
		if (!peer_recv(p, buf, &len, 100))
			continue;
		CHECK(frame_check(buf, len, &seq, &tag, &q));
		CHECK_EQ(seq, want_seq);
		return tag;
	}
	return 0;
}

/* ---- the AF_XDP side ---- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#define HOLD_MAX 4

struct rx_state {
	struct np_netdev *dev;
	np_atomic_u64 frames, foreign, bad, dup, wrong_queue, unmarked, not_umem;
	uint8_t seen[RX_FRAMES + MQ_FRAMES];
	struct np_skb *hold[HOLD_MAX];		/* kept for the TX tests */
	unsigned int nhold;
	bool echo;				/* send every frame back (queue threads) */
	bool any;				/* inject phase: count, check nothing */
};

static void rx_handler(struct np_netdev *dev, unsigned int q, struct np_skb *skb, void *arg)
{
	struct rx_state *s = arg;
	uint32_t seq;
	uint8_t tag, fq;

	if (s->any) {
		np_atomic_inc_relaxed(&s->foreign);
		np_napi_consume_skb(skb, NP_NAPI_WEIGHT);
		return;
	}
	if (np_skb_headlen(skb) < 14 || skb->data[12] != (ETH_TEST >> 8) ||
	    skb->data[13] != (ETH_TEST & 0xff)) {
		np_atomic_inc_relaxed(&s->foreign);
		np_napi_consume_skb(skb, NP_NAPI_WEIGHT);
		return;
	}
	if (!skb->pp_recycle)
		np_atomic_inc_relaxed(&s->unmarked);
	{
		struct np_page *pg = np_virt_to_page(skb->data);

		if (!np_page_is_pp(pg) || pg->pp != dev->q[q].pool)
			np_atomic_inc_relaxed(&s->not_umem);
	}
	if (!frame_check(skb->data, skb->len, &seq, &tag, &fq) || seq >= NP_ARRAY_SIZE(s->seen)) {
		np_atomic_inc_relaxed(&s->bad);
		np_napi_consume_skb(skb, NP_NAPI_WEIGHT);
		return;
	}
	if (fq != 0xff && fq != q)
		np_atomic_inc_relaxed(&s->wrong_queue);
	if (s->seen[seq]++)
		np_atomic_inc_relaxed(&s->dup);
	np_atomic_inc_relaxed(&s->frames);
	if (s->echo) {
		np_netdev_xmit(dev, q, skb);
	} else if (s->nhold < HOLD_MAX) {
		s->hold[s->nhold++] = skb;
	} else {
		np_napi_consume_skb(skb, NP_NAPI_WEIGHT);
	}
}

static struct np_afxdp_stats xstats(struct np_netdev *dev)
{
	struct np_afxdp_stats st;

	CHECK_EQ(np_afxdp_get_stats(dev, -1, &st), 0);
	return st;
}

/* Create and open on A; skip when the kernel refuses. */
static struct np_netdev *open_afxdp(unsigned int nq, bool skb_mode)
{
	struct np_afxdp_params p = { .ifname = if_a, .nqueues = nq, .ring_size = 256,
				     .skb_mode = skb_mode };
	struct np_netdev *dev;
	int err = np_afxdp_create(&p, &dev);

	if (err == -EPERM || err == -EOPNOTSUPP)
		SKIP("afxdp refused (%s): %s", strerror(-err), t_log_buf);
	CHECK_EQ(err, 0);
	err = np_netdev_open(dev);
	if (err == -EOPNOTSUPP && !skb_mode) {
		np_netdev_destroy(dev);
		t_log_reset();
		return open_afxdp(nq, true);
	}
	if (err == -EPERM || err == -EOPNOTSUPP)
		SKIP("afxdp open refused (%s): %s", strerror(-err), t_log_buf);
	CHECK_EQ(err, 0);
	/* B sends with TX checksum offload on until main() turns it off: the open says so once */
	if (t_log_has("has TX checksum offload on")) {
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "'ethtool -K %s tx off'", if_b);
		CHECK(t_log_has(cmd));
		CHECK_EQ(t_log_level_count(NP_LOG_WARN), 1);
		csum_warnings++;
		t_log_reset();
	}
	return dev;
}

/* Poll queue @q until @cond or @ms passed. */
#define POLL_UNTIL(dev, q, cond, ms)                                              \
	do {                                                                       \
		for (int _i = 0; _i < (ms) && !(cond); _i++) {                     \
			for (int _k = 0; _k < 20 && !(cond); _k++)                 \
				np_netdev_poll((dev), (q));                        \
			if (!(cond))                                               \
				t_sleep_ms(1);                                     \
		}                                                                  \
	} while (0)

/*
 * After close, every skb of the device freed: nothing posted or in flight,
 * the pools gone with the close, every frame back in the UMEM's provider.
 */
static void check_accounted(struct np_netdev *dev, int64_t live0)
{
	struct np_afxdp_stats st = xstats(dev);
	struct np_pool_info info;

	CHECK_EQ(st.frames_posted, 0);
	CHECK_EQ(st.frames_tx, 0);
	CHECK_EQ(st.tx_reserve, 0);
	for (unsigned int i = 0; i < dev->nqueues; i++) {
		CHECK(!dev->q[i].pool);
		CHECK(dev->q[i].pool_id);
		CHECK(t_wait_pool_freed(dev->q[i].pool_id, 5000));
		CHECK_EQ(np_pool_info_get(dev->q[i].pool_id, &info), -ENOENT);
	}
	CHECK_EQ(st.umem_frames_out, 0);
	CHECK_EQ(np_skb_live(), live0);
}

static void destroy_checked(struct np_netdev *dev)
{
	uint32_t ids[NP_NETDEV_MAX_QUEUES];
	unsigned int n = dev->nqueues;

	for (unsigned int i = 0; i < n; i++)
		ids[i] = dev->q[i].pool_id;	/* the last open's (0: never opened) */
	np_netdev_destroy(dev);
	for (unsigned int i = 0; i < n; i++)
		CHECK(!ids[i] || t_wait_pool_freed(ids[i], 5000));
	if (t_log_level_count(NP_LOG_ERROR) || t_log_level_count(NP_LOG_WARN))
		fprintf(stderr, "library said: %s\n", t_log_buf);
	CHECK_EQ(t_log_level_count(NP_LOG_ERROR), 0);
	CHECK_EQ(t_log_level_count(NP_LOG_WARN), 0);
}

/*
 * The sender's TX queue on B is its CPU modulo 2 (PACKET_QDISC_BYPASS), and
 * that is the RX queue the frame arrives on at A (native XDP): pin the
 * sending thread to a CPU of the wanted parity. Return: false if none.
 */
static bool pin_parity(const cpu_set_t *allowed, int parity)
{
	cpu_set_t set;

	for (int cpu = parity; cpu < CPU_SETSIZE; cpu += 2) {
		if (!CPU_ISSET(cpu, allowed))
			continue;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		return !sched_setaffinity(0, sizeof(set), &set);
	}
	return false;
}

/* 1-4 on one queue. */
static void test_one_queue(struct peer *p, bool skb_mode)
{
	static struct rx_state s;
	int64_t live0 = np_skb_live();
	struct np_afxdp_stats st0, st;
	struct np_netdev_qstats qs;
	struct np_netdev *dev = open_afxdp(1, skb_mode);
	unsigned char buf[1514];
	struct np_skb *skb, *clone;
	cpu_set_t orig;
	uint32_t seq;
	uint64_t t0;

	memset(&s, 0, sizeof(s));
	s.dev = dev;
	np_netdev_set_rx_handler(dev, rx_handler, &s);
	st = xstats(dev);
	CHECK(st.frames_posted > 0);
	CHECK(!st.zerocopy);	/* veth: copy mode */
	CHECK_EQ(st.tx_reserve, st.tx_reserve_free);

	/* 1. RX, sent to queue 0 */
	CHECK_EQ(sched_getaffinity(0, sizeof(orig), &orig), 0);
	if (!pin_parity(&orig, 0))
		printf("no even CPU to send from: frames may miss queue 0\n");
	t0 = now_ns();
	for (seq = 0; seq < RX_FRAMES; seq++) {
		peer_send(p, seq, 'R', 0xff);
		if (seq % 32 == 31)
			POLL_UNTIL(dev, 0, np_stat_read(s.frames) >= seq + 1 - 8, 200);
	}
	POLL_UNTIL(dev, 0, np_stat_read(s.frames) >= RX_FRAMES, 2000);
	CHECK_EQ(sched_setaffinity(0, sizeof(orig), &orig), 0);
	printf("rx (%s XDP): %llu frames in %.1f ms, %llu foreign\n",
	       skb_mode ? "skb" : "native", (unsigned long long)np_stat_read(s.frames), (now_ns() - t0) / 1e6,
	       (unsigned long long)np_stat_read(s.foreign));
	st = xstats(dev);
	if (np_stat_read(s.frames) != RX_FRAMES)
		fprintf(stderr, "kernel: rx_dropped %llu ring_full %llu fill_empty %llu invalid %llu\n",
			(unsigned long long)st.kern_rx_dropped,
			(unsigned long long)st.kern_rx_ring_full,
			(unsigned long long)st.kern_fill_empty,
			(unsigned long long)st.kern_rx_invalid);
	if (np_stat_read(s.frames) != RX_FRAMES) {
		np_netdev_get_qstats(dev, 0, &qs);
		fprintf(stderr, "driver: invalid %llu unposted %llu posted %llu fill_posted %llu "
			"fill_empty %llu rx_packets %llu rx_nomem %llu bad %llu\n",
			(unsigned long long)st.rx_invalid, (unsigned long long)st.rx_unposted,
			(unsigned long long)st.frames_posted, (unsigned long long)st.fill_posted,
			(unsigned long long)st.fill_empty, (unsigned long long)qs.rx_packets,
			(unsigned long long)qs.rx_nomem, (unsigned long long)np_stat_read(s.bad));
	}
	CHECK_EQ(np_stat_read(s.frames), RX_FRAMES);
	CHECK_EQ(np_stat_read(s.bad), 0);
	CHECK_EQ(np_stat_read(s.dup), 0);
	CHECK_EQ(np_stat_read(s.unmarked), 0);
	CHECK_EQ(np_stat_read(s.not_umem), 0);
	for (seq = 0; seq < RX_FRAMES; seq++)
		CHECK_EQ(s.seen[seq], 1);
	np_netdev_get_qstats(dev, 0, &qs);
	CHECK_EQ(qs.rx_packets, RX_FRAMES + np_stat_read(s.foreign));
	CHECK_EQ(qs.rx_bad_desc, 0);
	CHECK_EQ(st.rx_invalid, 0);
	CHECK(t_pool_stats(dev->q[0].pool).recycle.cached > 0);
	CHECK_EQ(s.nhold, HOLD_MAX);

	/* 2. TX: zero-copy of a received frame, copies of a foreign skb and an expanded head */
	st0 = xstats(dev);
	skb = s.hold[0];
	CHECK(frame_check(skb->data, skb->len, &seq, &(uint8_t){ 0 }, &(uint8_t){ 0 }));
	skb->data[22] = 'Z';
	CHECK_EQ(np_netdev_xmit(dev, 0, skb), 0);
	POLL_UNTIL(dev, 0, xstats(dev).tx_completed == st0.tx_completed + 1, 1000);
	st = xstats(dev);
	CHECK_EQ(st.tx_zerocopy, st0.tx_zerocopy + 1);
	CHECK_EQ(st.tx_copied, st0.tx_copied);
	CHECK_EQ(peer_expect(p, seq), 'Z');

	skb = np_alloc_skb(2048);
	CHECK(skb);
	frame_build(p, buf, frame_len(5000), 5000, 'C', 0);
	CHECK(np_skb_put_data(skb, buf, frame_len(5000)));
	CHECK_EQ(np_netdev_xmit(dev, 0, skb), 0);
	skb = s.hold[1];
	CHECK(frame_check(skb->data, skb->len, &seq, &(uint8_t){ 0 }, &(uint8_t){ 0 }));
	CHECK_EQ(np_pskb_expand_head(skb, 0, 0), 0);	/* the head leaves the UMEM */
	skb->data[22] = 'E';
	CHECK_EQ(np_netdev_xmit(dev, 0, skb), 0);
	POLL_UNTIL(dev, 0, xstats(dev).tx_completed == st0.tx_completed + 3, 1000);
	st = xstats(dev);
	CHECK_EQ(st.tx_copied, st0.tx_copied + 2);
	CHECK_EQ(st.tx_zerocopy, st0.tx_zerocopy + 1);
	CHECK_EQ(peer_expect(p, 5000), 'C');
	CHECK_EQ(peer_expect(p, seq), 'E');

	/* 3. a clone sent twice: one frame, two descriptors in flight */
	{
		struct np_pool_stats ps0, ps;
		struct np_page *page;

		skb = s.hold[2];
		CHECK(frame_check(skb->data, skb->len, &seq, &(uint8_t){ 0 }, &(uint8_t){ 0 }));
		skb->data[22] = 'K';
		page = np_virt_to_page(skb->data);
		clone = np_skb_clone(skb);
		CHECK(clone);
		st0 = xstats(dev);
		ps0 = t_pool_stats(dev->q[0].pool);
		CHECK_EQ(np_netdev_xmit(dev, 0, skb), 0);
		CHECK_EQ(np_netdev_xmit(dev, 0, clone), 0);
		/* not kicked yet (below the batch): both in flight, the frame held */
		st = xstats(dev);
		CHECK_EQ(st.frames_tx, 2);
		CHECK_EQ(st.tx_zerocopy, st0.tx_zerocopy + 2);
		CHECK(np_page_is_pp(page));
		CHECK_EQ(atomic_load(&page->pp_ref_count), 1);
		POLL_UNTIL(dev, 0, xstats(dev).tx_completed == st0.tx_completed + 2, 1000);
		st = xstats(dev);
		CHECK_EQ(st.frames_tx, 0);
		CHECK_EQ(st.tx_bad_completion, 0);
		ps = t_pool_stats(dev->q[0].pool);
		/* the frame came back once: one more recycle than before (plus RX refills) */
		CHECK(ps.recycle.cached + ps.recycle.ring > ps0.recycle.cached + ps0.recycle.ring);
		CHECK_EQ(peer_expect(p, seq), 'K');
		CHECK_EQ(peer_expect(p, seq), 'K');
	}
	np_napi_consume_skb(s.hold[3], 0);

	/* 4. descriptors the kernel could have returned: refused, counted, nothing lost */
	{
		struct np_afxdp_stats b;
		struct {
			uint64_t addr;
			uint32_t len, options;
			size_t field;
		} bad[] = {
			{ 0, 100, 0, offsetof(struct np_afxdp_stats, rx_bad_addr) },
			{ NP_XDP_HEADROOM, 100, 0, offsetof(struct np_afxdp_stats, rx_unposted) },
			{ NP_AFXDP_INJECT_POSTED | 0, 100, 0,
			  offsetof(struct np_afxdp_stats, rx_bad_headroom) },
			{ NP_AFXDP_INJECT_POSTED | NP_XDP_HEADROOM, 5, 0,
			  offsetof(struct np_afxdp_stats, rx_truncated) },
			{ NP_AFXDP_INJECT_POSTED | NP_XDP_HEADROOM, 3800, 0,
			  offsetof(struct np_afxdp_stats, rx_oversized) },
			{ NP_AFXDP_INJECT_POSTED | 2048, 2000, 0,
			  offsetof(struct np_afxdp_stats, rx_oversized) },
			/* an offset past the buffer's end: the length test must not wrap */
			{ NP_AFXDP_INJECT_POSTED | 4000, 60000, 0,
			  offsetof(struct np_afxdp_stats, rx_oversized) },
			{ NP_AFXDP_INJECT_POSTED | NP_XDP_HEADROOM, 100, 1u << 31,
			  offsetof(struct np_afxdp_stats, rx_bad_options) },
		};

		bad[0].addr = xstats(dev).umem_bytes + NP_XDP_HEADROOM;
		POLL_UNTIL(dev, 0, false, 20);	/* settle: fill ring full again */
		st0 = xstats(dev);
		for (size_t i = 0; i < NP_ARRAY_SIZE(bad); i++) {
			b = xstats(dev);
			CHECK_EQ(np_afxdp_inject_rx(dev, 0, bad[i].addr, bad[i].len, bad[i].options),
				 -EBADMSG);
			st = xstats(dev);
			CHECK_EQ(*(uint64_t *)((char *)&st + bad[i].field),
				 *(uint64_t *)((char *)&b + bad[i].field) + 1);
		}
		st = xstats(dev);
		CHECK_EQ(st.rx_invalid, st0.rx_invalid + NP_ARRAY_SIZE(bad));
		np_netdev_get_qstats(dev, 0, &qs);
		CHECK_EQ(qs.rx_bad_desc, NP_ARRAY_SIZE(bad));
		/* nothing lost: the same frames posted and out of the provider */
		CHECK_EQ(st.frames_posted, st0.frames_posted);
		CHECK_EQ(st.umem_frames_out, st0.umem_frames_out);
		/* a good one goes up the stack */
		s.any = true;
		CHECK_EQ(np_afxdp_inject_rx(dev, 0, NP_AFXDP_INJECT_POSTED | NP_XDP_HEADROOM, 60, 0),
			 0);
		s.any = false;
		CHECK_EQ(xstats(dev).frames_posted, st0.frames_posted);
		CHECK_EQ(np_afxdp_inject_rx(dev, 0, NP_AFXDP_INJECT_POSTED | 4096, 60, 0), -EINVAL);
	}

	np_netdev_close(dev);
	check_accounted(dev, live0);
	st = xstats(dev);
	printf("one queue: tx zerocopy %llu copied %llu completed %llu kicks %llu, binds retried %llu\n",
	       (unsigned long long)st.tx_zerocopy, (unsigned long long)st.tx_copied,
	       (unsigned long long)st.tx_completed, (unsigned long long)st.tx_kicks,
	       (unsigned long long)st.bind_retries);
	destroy_checked(dev);
}

/*
 * A socket of the test's own holds queue 0 of A and lets it go after a
 * while: the driver's bind meets EBUSY and retries until the queue is free.
 */
struct blocker {
	int fd;
	void *umem;
	unsigned int ms;
};

static bool blocker_bind(struct blocker *b)
{
	struct xdp_umem_reg mr = { .len = 16 * 4096, .chunk_size = 4096 };
	struct sockaddr_xdp sxdp = { .sxdp_family = AF_XDP, .sxdp_flags = XDP_COPY };
	unsigned int n = 64;

	b->umem = aligned_alloc(4096, 16 * 4096);
	CHECK(b->umem);
	mr.addr = (uintptr_t)b->umem;
	b->fd = socket(AF_XDP, SOCK_RAW, 0);
	CHECK(b->fd >= 0);
	sxdp.sxdp_ifindex = if_nametoindex(if_a);
	if (setsockopt(b->fd, SOL_XDP, XDP_UMEM_REG, &mr, sizeof(mr)) ||
	    setsockopt(b->fd, SOL_XDP, XDP_UMEM_FILL_RING, &n, sizeof(n)) ||
	    setsockopt(b->fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &n, sizeof(n)) ||
	    setsockopt(b->fd, SOL_XDP, XDP_TX_RING, &n, sizeof(n))) {
		printf("cannot make an AF_XDP socket of our own (%s): rebind part skipped\n",
		       strerror(errno));
		close(b->fd);
		free(b->umem);
		return false;
	}
	/* the queue may itself still be held by the netdev destroyed just before */
	for (int i = 0; bind(b->fd, (struct sockaddr *)&sxdp, sizeof(sxdp)); i++) {
		if (errno == EBUSY && i < 1000) {
			t_sleep_ms(1);
			continue;
		}
		printf("cannot hold queue 0 with a socket of our own (%s): rebind part skipped\n",
		       strerror(errno));
		close(b->fd);
		free(b->umem);
		return false;
	}
	return true;
}

static void *blocker_release(void *arg)
{
	struct blocker *b = arg;

	t_sleep_ms(b->ms);
	close(b->fd);
	return NULL;
}

static void test_rebind_busy(void)
{
	struct blocker b = { .ms = 100 };
	int64_t live0 = np_skb_live();
	struct np_netdev *dev;
	pthread_t t;

	if (!blocker_bind(&b))
		return;
	CHECK_EQ(pthread_create(&t, NULL, blocker_release, &b), 0);
	dev = open_afxdp(1, true);
	CHECK_EQ(pthread_join(t, NULL), 0);
	free(b.umem);
	printf("rebind: the busy queue was retried %llu times\n",
	       (unsigned long long)xstats(dev).bind_retries);
	CHECK(xstats(dev).bind_retries > 0);
	CHECK(xstats(dev).frames_posted > 0);
	np_netdev_close(dev);
	check_accounted(dev, live0);
	destroy_checked(dev);
}

/* 5. Two queues, each served by its thread, echoing every frame back zero-copy. */
static void test_two_queues(struct peer *p)
{
	static struct rx_state s;
	int64_t live0 = np_skb_live();
	struct np_netdev *dev = open_afxdp(2, false);
	struct np_netdev_qstats q0, q1;
	struct np_afxdp_stats st;
	cpu_set_t orig;
	bool pinned;
	uint32_t got = 0;
	unsigned char buf[2048];

	CHECK_EQ(sched_getaffinity(0, sizeof(orig), &orig), 0);
	pinned = pin_parity(&orig, 0) && pin_parity(&orig, 1);
	s.dev = dev;
	s.echo = true;
	np_netdev_set_rx_handler(dev, rx_handler, &s);
	CHECK_EQ(np_netdev_start(dev, NULL), 0);
	for (uint32_t i = 0; i < MQ_FRAMES; i++) {
		uint8_t q = (uint8_t)(i & 1);

		if (pinned)
			CHECK(pin_parity(&orig, q));
		peer_send(p, RX_FRAMES + i, 'M', pinned ? q : 0xff);
		/* take the echoes as they come, so no socket buffer overflows */
		while (peer_recv(p, buf, &(uint32_t){ 0 }, 0))
			got++;
	}
	CHECK_EQ(sched_setaffinity(0, sizeof(orig), &orig), 0);
	for (int i = 0; i < 3000 && (np_stat_read(s.frames) < MQ_FRAMES || got < MQ_FRAMES); i++) {
		uint32_t len, seq;
		uint8_t tag, q;

		if (peer_recv(p, buf, &len, 1)) {
			CHECK(frame_check(buf, len, &seq, &tag, &q));
			CHECK_EQ(tag, 'M');
			got++;
		}
	}
	np_netdev_stop(dev);
	np_netdev_get_qstats(dev, 0, &q0);
	np_netdev_get_qstats(dev, 1, &q1);
	st = xstats(dev);
	printf("two queues%s: rx %llu + %llu, echoed %u, zerocopy %llu copied %llu, binds retried %llu\n",
	       pinned ? " (sender pinned per queue)" : "", (unsigned long long)q0.rx_packets,
	       (unsigned long long)q1.rx_packets, got, (unsigned long long)st.tx_zerocopy,
	       (unsigned long long)st.tx_copied, (unsigned long long)st.bind_retries);
	CHECK_EQ(np_stat_read(s.frames), MQ_FRAMES);
	CHECK_EQ(np_stat_read(s.bad), 0);
	CHECK_EQ(np_stat_read(s.dup), 0);
	CHECK_EQ(np_stat_read(s.unmarked), 0);
	CHECK_EQ(np_stat_read(s.not_umem), 0);
	CHECK_EQ(got, MQ_FRAMES);
	CHECK_EQ(st.tx_zerocopy, MQ_FRAMES);
	CHECK_EQ(st.tx_copied, 0);
	CHECK_EQ(st.rx_invalid, 0);
	CHECK_EQ(st.tx_bad_completion, 0);
	CHECK_EQ(q0.rx_bad_desc + q1.rx_bad_desc, 0);
	if (pinned) {
		CHECK_EQ(np_stat_read(s.wrong_queue), 0);
		CHECK(q0.rx_packets >= MQ_FRAMES / 2);
		CHECK(q1.rx_packets >= MQ_FRAMES / 2);
	}
	np_netdev_close(dev);
	check_accounted(dev, live0);
	destroy_checked(dev);
}

/* ---- the fake kernel (no privilege needed) ---- */

struct fake_rx {
	unsigned int n;
	struct np_skb *hold[8];
	unsigned int nhold;
};

static void fake_rx_handler(struct np_netdev *dev, unsigned int q, struct np_skb *skb, void *arg)
{
	struct fake_rx *r = arg;

	(void)dev;
	(void)q;
	r->n++;
	if (r->nhold < NP_ARRAY_SIZE(r->hold))
		r->hold[r->nhold++] = skb;
	else
		np_napi_consume_skb(skb, NP_NAPI_WEIGHT);
}

/* A fake afxdp netdev, open; NULL when this build has no libxdp. */
static struct np_netdev *fake_open(unsigned int nq, struct np_afxdp_fake_info *info,
				   struct fake_rx *r)
{
	struct np_afxdp_params p = { .nqueues = nq, .ring_size = 64, .frame_count = 64 * nq };
	struct np_netdev *dev;
	int err = np_afxdp_fake_create(&p, &dev);

	if (err == -EOPNOTSUPP)
		return NULL;
	CHECK_EQ(err, 0);
	CHECK_EQ(np_afxdp_fake_info(dev, info), 0);
	np_netdev_set_rx_handler(dev, fake_rx_handler, r);
	CHECK_EQ(np_netdev_open(dev), 0);
	return dev;
}

/* The kernel takes every fill address of queue @q. Return: how many. */
static int fake_fill(struct np_netdev *dev, unsigned int q, uint64_t *addr, unsigned int max)
{
	int n = np_afxdp_fake_fill_take(dev, q, addr, max);

	CHECK(n >= 0);
	return n;
}

static void fake_rx_put(struct np_netdev *dev, unsigned int q, uint64_t addr, uint32_t len,
			uint32_t options)
{
	struct np_afxdp_fake_desc d = { addr, len, options };

	CHECK_EQ(np_afxdp_fake_rx_put(dev, q, &d, 1), 1);
}

static void fake_comp_put(struct np_netdev *dev, unsigned int q, uint64_t addr)
{
	CHECK_EQ(np_afxdp_fake_comp_put(dev, q, &addr, 1), 1);
}

/* Every kind of bad RX descriptor, on two queues: counted under its reason, nothing lost. */
static void test_fake_rx(void)
{
	struct fake_rx r = { 0 };
	struct np_afxdp_fake_info info;
	struct np_netdev *dev = fake_open(2, &info, &r);
	struct np_afxdp_stats st, st1;
	struct np_netdev_qstats qs;
	int64_t live0 = np_skb_live();
	uint64_t a[64], b[64];
	uint32_t hr = info.headroom;
	int n, n1;

	if (!dev) {
		printf("fake: no libxdp in this build, skipped\n");
		return;
	}
	n = fake_fill(dev, 0, a, 64);
	n1 = fake_fill(dev, 1, b, 64);
	CHECK_EQ(n, (int)info.fill_target);
	CHECK_EQ(n1, (int)info.fill_target);
	CHECK_EQ(xstats(dev).frames_posted, 2 * info.fill_target);
	fake_rx_put(dev, 0, info.umem_size + hr, 60, 0);		/* outside the UMEM */
	fake_rx_put(dev, 0, UINT64_MAX, 60, 0);			/* far outside */
	fake_rx_put(dev, 0, hr, 60, 0);				/* an arena descriptor page */
	fake_rx_put(dev, 0, b[0] + hr, 60, 0);			/* queue 1's frame */
	fake_rx_put(dev, 0, a[0] + hr, 60, 0);			/* good */
	fake_rx_put(dev, 0, a[0] + hr, 60, 0);			/* the same frame again */
	fake_rx_put(dev, 0, a[1] + hr - 1, 60, 0);		/* into the headroom */
	fake_rx_put(dev, 0, a[2], 60, 0);			/* the frame's first byte */
	fake_rx_put(dev, 0, a[3] + hr, 13, 0);			/* shorter than Ethernet */
	fake_rx_put(dev, 0, a[4] + hr, info.buf_len + 1, 0);	/* past the data room */
	fake_rx_put(dev, 0, a[5] + info.frame_size - 1, UINT32_MAX, 0);	/* no wrap */
	fake_rx_put(dev, 0, a[6] + hr, 60, XDP_PKT_CONTD);	/* a chain ... */
	fake_rx_put(dev, 0, a[7] + hr, 60, 1u << 31);		/* ... an unknown option ends it */
	fake_rx_put(dev, 0, a[8] + hr + 1, info.buf_len - 1, 0);	/* unaligned, the whole room */
	np_netdev_poll(dev, 0);
	st = xstats(dev);
	CHECK_EQ(st.rx_bad_addr, 2);
	CHECK_EQ(st.rx_unposted, 3);
	CHECK_EQ(st.rx_bad_headroom, 2);
	CHECK_EQ(st.rx_truncated, 1);
	CHECK_EQ(st.rx_oversized, 2);
	CHECK_EQ(st.rx_bad_options, 1);
	CHECK_EQ(st.rx_invalid, 11);
	CHECK_EQ(st.rx_chain_broken, 1);
	np_netdev_get_qstats(dev, 0, &qs);
	CHECK_EQ(qs.rx_bad_desc, 11);
	CHECK_EQ(qs.rx_packets, 2);
	CHECK_EQ(r.n, 2);
	CHECK_EQ(r.nhold, 2);
	CHECK(r.hold[0]->data == (unsigned char *)info.umem + a[0] + hr);
	CHECK(r.hold[1]->data == (unsigned char *)info.umem + a[8] + hr + 1);
	CHECK_EQ(r.hold[1]->len, info.buf_len - 1);
	/* queue 1's frame stays posted there; queue 0 refilled what came back */
	CHECK_EQ(np_afxdp_get_stats(dev, 1, &st1), 0);
	CHECK_EQ(st1.frames_posted, info.fill_target);
	CHECK_EQ(st1.rx_invalid, 0);
	CHECK_EQ(fake_fill(dev, 0, a, 64), 9);	/* 9 frames came back: 2 received, 7 dropped */
	while (r.nhold)
		np_kfree_skb(r.hold[--r.nhold]);
	np_netdev_close(dev);
	check_accounted(dev, live0);
	destroy_checked(dev);
	printf("fake rx: 11 bad descriptors refused under their reasons, a chain with them, "
	       "2 received\n");
}

/* Completions: of what was sent, twice, never sent, outside, near misses; a clone twice. */
static void test_fake_tx(void)
{
	struct fake_rx r = { 0 };
	struct np_afxdp_fake_info info;
	struct np_netdev *dev = fake_open(1, &info, &r);
	struct np_afxdp_fake_desc tx[8];
	struct np_afxdp_stats st;
	int64_t live0 = np_skb_live();
	struct np_skb *skb, *clone;
	uint64_t a[64], zc;
	uint32_t hr;

	if (!dev)
		return;
	hr = info.headroom;
	CHECK(fake_fill(dev, 0, a, 64) >= 2);
	memset((unsigned char *)info.umem + a[0] + hr, 0xab, 60);
	memset((unsigned char *)info.umem + a[1] + hr, 0xcd, 60);
	fake_rx_put(dev, 0, a[0] + hr, 60, 0);
	fake_rx_put(dev, 0, a[1] + hr, 60, 0);
	np_netdev_poll(dev, 0);
	CHECK_EQ(r.nhold, 2);
	/* zero-copy, a clone of it too; a copy */
	skb = r.hold[0];
	clone = np_skb_clone(skb);
	CHECK(clone);
	CHECK_EQ(np_netdev_xmit(dev, 0, skb), 0);
	CHECK_EQ(np_netdev_xmit(dev, 0, clone), 0);
	CHECK_EQ(np_pskb_expand_head(r.hold[1], 0, 0), 0);
	CHECK_EQ(np_netdev_xmit(dev, 0, r.hold[1]), 0);
	r.nhold = 0;
	st = xstats(dev);
	CHECK_EQ(st.tx_zerocopy, 2);
	CHECK_EQ(st.tx_copied, 1);
	CHECK_EQ(st.frames_tx, 3);
	CHECK_EQ(np_afxdp_fake_tx_take(dev, 0, tx, 8), 3);
	zc = a[0] + hr;
	CHECK_EQ(tx[0].addr, zc);
	CHECK_EQ(tx[1].addr, zc);
	CHECK_EQ(tx[0].len, 60);
	CHECK_EQ(tx[0].options, 0);
	CHECK(tx[2].addr / info.frame_size != zc / info.frame_size);
	CHECK_EQ(((unsigned char *)info.umem)[tx[2].addr + 59], 0xcd);	/* the copy's bytes */
	/* bad ones: nothing happens to what is in flight */
	fake_comp_put(dev, 0, info.umem_size + hr);	/* outside */
	fake_comp_put(dev, 0, UINT64_MAX);
	fake_comp_put(dev, 0, hr);			/* an arena descriptor page */
	fake_comp_put(dev, 0, a[5] + hr);		/* a frame never sent */
	fake_comp_put(dev, 0, zc + 1);			/* near misses */
	fake_comp_put(dev, 0, zc - hr);
	fake_comp_put(dev, 0, tx[2].addr - 1);
	np_netdev_poll(dev, 0);
	st = xstats(dev);
	CHECK_EQ(st.tx_bad_completion, 7);
	CHECK_EQ(st.tx_completed, 0);
	CHECK_EQ(st.frames_tx, 3);
	CHECK_EQ(st.tx_reserve_free, st.tx_reserve - 1);
	/* the clone's frame is held until both complete; a third is a duplicate */
	fake_comp_put(dev, 0, zc);
	np_netdev_poll(dev, 0);
	CHECK_EQ(xstats(dev).frames_tx, 2);
	CHECK(np_page_is_pp(np_virt_to_page((unsigned char *)info.umem + zc)));
	fake_comp_put(dev, 0, zc);
	fake_comp_put(dev, 0, zc);
	fake_comp_put(dev, 0, tx[2].addr);
	fake_comp_put(dev, 0, tx[2].addr);
	np_netdev_poll(dev, 0);
	st = xstats(dev);
	CHECK_EQ(st.tx_completed, 3);
	CHECK_EQ(st.tx_bad_completion, 9);
	CHECK_EQ(st.frames_tx, 0);
	CHECK_EQ(st.tx_reserve_free, st.tx_reserve);
	/* the ring wraps; its first slots published again, stale: all refused */
	for (int i = 0; i < 52; i++)
		fake_comp_put(dev, 0, info.umem_size + (uint64_t)i);
	np_netdev_poll(dev, 0);
	CHECK_EQ(np_afxdp_fake_comp_republish(dev, 0, a, 4), 4);
	CHECK_EQ(a[0], info.umem_size + hr);
	CHECK_EQ(a[3], a[5] + hr);
	np_netdev_poll(dev, 0);
	st = xstats(dev);
	CHECK_EQ(st.tx_bad_completion, 9 + 52 + 4);
	CHECK_EQ(st.tx_completed, 3);
	CHECK(t_log_has("completions of addresses not in flight"));
	t_log_reset();
	np_netdev_close(dev);
	check_accounted(dev, live0);
	destroy_checked(dev);
	printf("fake tx: 3 transmissions completed, 65 bad completions ignored\n");
}

/*
 * Closed with frames posted, in the RX ring, held and in flight; open again,
 * then closed. Each close destroys the queues' pools: the UMEM frames come
 * back to the provider, except the one held frame of each round, which
 * keeps that round's queue-0 pool listed, destroyed, until it is freed.
 * Each open makes fresh pools from the same UMEM.
 */
static void test_fake_reopen(void)
{
	struct fake_rx r = { 0 };
	struct np_afxdp_fake_info info;
	struct np_netdev *dev = fake_open(2, &info, &r);
	struct np_afxdp_fake_pending pend;
	struct np_afxdp_stats st;
	struct np_pool_info pi;
	int64_t live0 = np_skb_live();
	uint32_t old[3];
	uint64_t a[64];

	if (!dev)
		return;
	for (int round = 0; round < 3; round++) {
		uint32_t id1 = dev->q[1].pool_id;

		old[round] = dev->q[0].pool_id;
		CHECK_EQ(np_pool_info_get(old[round], &pi), 0);
		CHECK(!pi.destroyed && pi.ifindex == (int)dev->ifindex);
		CHECK(!strcmp(pi.ifname, dev->name));
		CHECK(round == 0 || old[round] != old[round - 1]);
		CHECK(fake_fill(dev, 0, a, 64) >= 4);
		fake_rx_put(dev, 0, a[0] + info.headroom, 100, 0);
		fake_rx_put(dev, 0, a[1] + info.headroom, 100, 0);
		np_netdev_poll(dev, 0);
		fake_rx_put(dev, 0, a[2] + info.headroom, 100, 0);	/* never read */
		CHECK_EQ(np_netdev_xmit(dev, 1, r.hold[--r.nhold]), 0);	/* in flight on 1 */
		CHECK_EQ(xstats(dev).frames_tx, 1);
		CHECK_EQ(np_afxdp_fake_pending(dev, 1, &pend), 0);
		CHECK_EQ(pend.tx, 1);
		np_netdev_close(dev);
		st = xstats(dev);
		CHECK_EQ(st.frames_posted, 0);
		CHECK_EQ(st.frames_tx, 0);
		CHECK_EQ(st.tx_reserve, 0);
		CHECK_EQ(np_afxdp_fake_pending(dev, 0, &pend), -EINVAL);
		/* the UMEM has every frame back but the held ones, one per round so far */
		CHECK_EQ(st.umem_frames_out, (uint64_t)r.nhold);
		CHECK(!dev->q[0].pool && !dev->q[1].pool);
		CHECK_EQ(np_pool_info_get(id1, &pi), -ENOENT);
		for (int k = 0; k <= round; k++) {
			CHECK_EQ(np_pool_info_get(old[k], &pi), 0);
			CHECK(pi.destroyed && pi.detach_time_ns && !pi.orphaned);
			CHECK_EQ(pi.inflight, 1);
		}
		CHECK_EQ(np_netdev_open(dev), 0);
		CHECK_EQ(xstats(dev).frames_posted, 2 * info.fill_target);
		CHECK_EQ(np_afxdp_fake_pending(dev, 0, &pend), 0);
		CHECK_EQ(pend.fill, info.fill_target);
		CHECK_EQ(pend.rx, 0);
	}
	while (r.nhold)
		np_kfree_skb(r.hold[--r.nhold]);
	/* the held frames went back to their destroyed pools: the reaper frees them */
	for (int k = 0; k < 3; k++)
		CHECK(t_wait_pool_freed(old[k], 5000));
	np_netdev_close(dev);
	check_accounted(dev, live0);
	destroy_checked(dev);
	printf("fake reopen: 3 closes with frames posted, unread, held and in flight\n");
}

int main(void)
{
	struct peer p;
	unsigned int nq;

	setvbuf(stdout, NULL, _IONBF, 0);
	np_set_print(t_log_capture);
	test_fake_rx();
	test_fake_tx();
	test_fake_reopen();
	t_log_reset();
	np_set_print(NULL);
	if (geteuid() != 0)
		SKIP("needs root (network namespace, veth, AF_XDP)");
	if (unshare(CLONE_NEWNET))
		SKIP("no network namespace of our own: %s", strerror(errno));
	nq = setup_links();
	if (!nq)
		SKIP("cannot create a veth pair");
	alarm(60);
	np_set_print(t_log_capture);
	peer_open(&p);
	test_one_queue(&p, false);
	CHECK_EQ(csum_warnings, 1);
	/* B's frames carry their checksums from now on: no more warnings */
	if (netns_have_ethtool() && netns_offloads_off(NULL, if_b) == 0)
		csum_warnings = 0;
	test_one_queue(&p, true);
	test_rebind_busy();
	if (nq >= 2)
		test_two_queues(&p);
	else
		printf("veth gave one queue: two-queue part skipped\n");
	peer_close(&p);
	netns_cleanup();
	if (netns_have_ethtool())
		CHECK_EQ(csum_warnings, 0);
	printf("PASS\n");
	return 0;
}
