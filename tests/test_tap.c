/* SPDX-License-Identifier: MIT */
/*
 * The tap driver on real TAP devices with plain frames (no_vnet_hdr; root;
 * skips with a reason otherwise): RX of single- and multi-buffer frames as
 * recycling skbs, oversize counted;
 * a fake wire for what the kernel never sends (runts, empty and truncated
 * frames counted; -ENOSPC when full); TX of linear, frag, clone and
 * frag_list skbs, intact; forward, XDP TX and REDIRECT across a namespace of
 * the test's own; multi-queue; a queue thread beside a transmitter; bad
 * parameters. Each part ends with the pools freed and no live skb, the run
 * with every interface and the namespace gone (docs/reliability.md,
 * "Drivers on real devices").
 */
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include "testutil.h"
#include "netns.h"

#define ETH_TEST	0x88b5	/* IEEE local experimental ethertype 1 */
#define HDR		14
#define SEQ_OFF		16	/* after the header and a 2-byte marker */
#define PAT_OFF		24
#define MAX_SEQ		4096

static char ns_path[128];		/* the namespace's name (removed once set up) */

/* ---- frames ---- */

static void build_frame(uint8_t *f, uint32_t len, uint32_t seq, uint8_t tag)
{
	memset(f, 0xff, 6);			/* broadcast */
	memcpy(f + 6, "\x02\x00\x5e\x00\x00", 5);
	f[11] = tag;
	f[12] = ETH_TEST >> 8;
	f[13] = ETH_TEST & 0xff;
	f[14] = 'N';
	f[15] = 'P';
	memcpy(f + SEQ_OFF, &seq, sizeof(seq));
	memset(f + SEQ_OFF + 4, tag, PAT_OFF - SEQ_OFF - 4);
	for (uint32_t i = PAT_OFF; i < len; i++)
		f[i] = (uint8_t)(seq * 7 + i);
}

static bool is_test_frame(const uint8_t *f, uint32_t len)
{
	return len >= HDR && f[12] == (ETH_TEST >> 8) && f[13] == (ETH_TEST & 0xff);
}

/* A test frame whose every byte is as built. */
static bool check_frame(const uint8_t *f, uint32_t len, uint32_t *seq)
{
	uint8_t want[HDR + 10];

	if (len < PAT_OFF || !is_test_frame(f, len) || f[14] != 'N' || f[15] != 'P')
		return false;
	memcpy(seq, f + SEQ_OFF, sizeof(*seq));
	build_frame(want, PAT_OFF, *seq, f[11]);
	if (memcmp(want, f, PAT_OFF))
		return false;
	for (uint32_t i = PAT_OFF; i < len; i++)
		if (f[i] != (uint8_t)(*seq * 7 + i))
			return false;
	return true;
}

/* ---- the kernel side ---- */

struct port {
	char name[IFNAMSIZ];
	int ifindex;
	int ctl;	/* AF_INET datagram socket in the port's namespace, for ioctls */
	int pkt;	/* AF_PACKET socket bound to the port, ETH_TEST */
};

static int if_set_flags(int ctl, const char *name, short set, short clear)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(ctl, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	ifr.ifr_flags = (short)((ifr.ifr_flags | set) & ~clear);
	return ioctl(ctl, SIOCSIFFLAGS, &ifr) < 0 ? -errno : 0;
}

static int if_set_mtu(int ctl, const char *name, int mtu)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_mtu = mtu;
	return ioctl(ctl, SIOCSIFMTU, &ifr) < 0 ? -errno : 0;
}

static int if_index(int ctl, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	return ioctl(ctl, SIOCGIFINDEX, &ifr) < 0 ? -errno : ifr.ifr_ifindex;
}

/* A packet socket of @proto on @ifindex only, a large receive buffer. */
static int pkt_open(int ifindex, uint16_t proto)
{
	return netns_packet_open(&(struct netns_packet){ .ifindex = ifindex, .proto = proto,
							 .rcvbuf = 4 << 20, .force = true });
}

/* Bring the port up in the calling thread's namespace and open its sockets. */
static void port_open(struct port *p)
{
	p->ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHECK(p->ctl >= 0);
	p->ifindex = if_index(p->ctl, p->name);
	CHECK(p->ifindex > 0);
	CHECK_EQ(if_set_flags(p->ctl, p->name, IFF_UP, 0), 0);
	p->pkt = pkt_open(p->ifindex, ETH_TEST);
	CHECK(p->pkt >= 0);
}

static void port_close(struct port *p)
{
	close(p->pkt);
	close(p->ctl);
	p->pkt = p->ctl = -1;
}

static void pkt_send(int s, int ifindex, const void *f, uint32_t len)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = ifindex,
				   .sll_halen = 6 };
	const uint8_t *b = f;

	sll.sll_protocol = htons((uint16_t)(b[12] << 8 | b[13]));
	memcpy(sll.sll_addr, f, 6);
	CHECK_EQ(sendto(s, f, len, 0, (struct sockaddr *)&sll, sizeof(sll)), (ssize_t)len);
}

static void send_test(struct port *p, uint32_t len, uint32_t seq, uint8_t tag)
{
	static uint8_t f[16384];

	CHECK(len <= sizeof(f));
	build_frame(f, len, seq, tag);
	pkt_send(p->pkt, p->ifindex, f, len);
}

/* The next frame received on @s (not one the host sent) within @ms: its length, or -1. */
static ssize_t pkt_recv(int s, void *buf, size_t len, int ms)
{
	for (;;) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		struct pollfd pfd = { .fd = s, .events = POLLIN };
		ssize_t n = recvfrom(s, buf, len, MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&from,
				     &fl);

		if (n >= 0) {
			if (from.sll_pkttype == PACKET_OUTGOING)
				continue;
			return n;
		}
		if (errno == ENETDOWN)
			continue;	/* reported once after the port went down */
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			fprintf(stderr, "recvfrom: %s\n", strerror(errno));
		CHECK(errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
		if (poll(&pfd, 1, ms) <= 0)
			return -1;
	}
}

/* Receive @n test frames of @tag on @s, each intact; their sequence numbers into @seen. */
static void expect_frames(int s, unsigned n, uint8_t tag, uint32_t len_check, uint8_t *seen)
{
	static uint8_t buf[16384];

	for (unsigned i = 0; i < n; i++) {
		uint32_t seq;
		ssize_t r;

		do {
			r = pkt_recv(s, buf, sizeof(buf), 2000);
			CHECK(r > 0);
		} while (!is_test_frame(buf, (uint32_t)r) || buf[11] != tag);
		CHECK((size_t)r <= sizeof(buf));
		CHECK(check_frame(buf, (uint32_t)r, &seq));
		if (len_check)
			CHECK_EQ(r, len_check);
		CHECK(seq < MAX_SEQ);
		if (seen) {
			CHECK(!seen[seq]);
			seen[seq] = 1;
		}
	}
}

/* Nothing more of @tag within @ms. */
static void expect_no_more(int s, uint8_t tag, int ms)
{
	static uint8_t buf[16384];
	ssize_t r;

	while ((r = pkt_recv(s, buf, sizeof(buf), ms)) > 0)
		CHECK(!is_test_frame(buf, (uint32_t)r) || buf[11] != tag);
}

/* ---- the netdev side ---- */

struct rxc {
	int ours, foreign, bad, multi, unmarked;
	uint64_t bytes;			/* every frame, foreign ones too */
	uint32_t last_len;
	uint8_t seen[MAX_SEQ];
	struct np_netdev *fwd;		/* forward test frames there instead of consuming */
};

static void rx_handler(struct np_netdev *dev, unsigned int q, struct np_skb *skb, void *arg)
{
	static uint8_t buf[NP_TAP_MAX_FRAME];
	struct rxc *c = arg;
	uint32_t seq;

	(void)dev;
	c->bytes += skb->len;
	CHECK(skb->len <= sizeof(buf));
	CHECK_EQ(np_skb_copy_bits(skb, 0, buf, skb->len), 0);
	if (!is_test_frame(buf, skb->len)) {
		c->foreign++;
		np_napi_consume_skb(skb, NP_NAPI_WEIGHT);
		return;
	}
	c->ours++;
	c->last_len = skb->len;
	if (np_skb_shinfo(skb)->nr_frags)
		c->multi++;
	if (!skb->pp_recycle)
		c->unmarked++;
	if (!check_frame(buf, skb->len, &seq) || seq >= MAX_SEQ || c->seen[seq])
		c->bad++;
	else
		c->seen[seq] = 1;
	if (c->fwd)
		np_netdev_xmit(c->fwd, q, skb);
	else
		np_napi_consume_skb(skb, NP_NAPI_WEIGHT);
}

static void rxc_reset(struct rxc *c)
{
	struct np_netdev *fwd = c->fwd;

	memset(c, 0, sizeof(*c));
	c->fwd = fwd;
}

/* Poll queue @q until @c has @want test frames (or 2 s passed). */
static void poll_for(struct np_netdev *dev, unsigned q, struct rxc *c, int want)
{
	for (int i = 0; i < 2000 && c->ours < want; i++)
		if (!np_netdev_poll(dev, q))
			t_sleep_ms(1);
	/* one more round: anything beyond @want would show */
	np_netdev_poll(dev, q);
}

/* Pages of queue @q's pool out of the pool (posted or in skbs). Context: the owner. */
static int64_t pages_out(struct np_netdev *dev, unsigned q)
{
	struct np_pool *pool = dev->q[q].pool;

	return np_pool_inflight(pool) - pool->alloc.count - np_pool_ring_count(pool);
}

static struct np_netdev_qstats qstats(struct np_netdev *dev, int q)
{
	struct np_netdev_qstats st;

	np_netdev_get_qstats(dev, q, &st);
	return st;
}

static struct np_tap_stats tstats(struct np_netdev *dev, int q)
{
	struct np_tap_stats st;

	CHECK_EQ(np_tap_get_stats(dev, q, &st), 0);
	return st;
}

/*
 * Close, check nothing is left, destroy; the pools go with the close (every
 * buffer is back: at once) and the interface with the destroy.
 */
static void finish(struct np_netdev *dev, const char *ifname, bool in_this_ns)
{
	uint32_t ids[NP_NETDEV_MAX_QUEUES];
	unsigned int n = dev->nqueues;
	struct np_pool_info info;

	for (unsigned int i = 0; i < n; i++) {
		ids[i] = dev->q[i].pool_id;	/* 0: never opened */
		if (dev->open)
			CHECK_EQ(np_pool_audit(dev->q[i].pool), 0);
	}
	np_netdev_close(dev);
	CHECK_EQ(np_skb_live(), 0);
	for (unsigned int i = 0; i < n; i++) {
		CHECK(!dev->q[i].pool);
		CHECK_EQ(dev->q[i].pool_id, ids[i]);
		CHECK(!ids[i] || np_pool_info_get(ids[i], &info) == -ENOENT);
	}
	np_netdev_destroy(dev);
	if (in_this_ns) {
		for (int i = 0; i < 1000 && if_nametoindex(ifname); i++)
			t_sleep_ms(1);
		CHECK_EQ(if_nametoindex(ifname), 0);
	}
}

/* An skb of @len bytes of test frame: @headlen in the head, the rest in @nfrags page frags. */
static struct np_skb *make_skb(uint32_t len, uint32_t seq, uint8_t tag, uint32_t headlen,
			       unsigned nfrags)
{
	static uint8_t f[16384];
	struct np_skb *skb;
	uint32_t off;

	build_frame(f, len, seq, tag);
	if (!nfrags)
		headlen = len;
	skb = np_alloc_skb(headlen + 64);
	CHECK(skb);
	np_skb_reserve(skb, 32);
	CHECK(np_skb_put_data(skb, f, headlen));
	off = headlen;
	for (unsigned i = 0; i < nfrags; i++) {
		uint32_t n = i + 1 == nfrags ? len - off : (len - headlen) / nfrags;
		uint8_t *p = np_page_frag_alloc(n);
		struct np_page *page;

		CHECK(p);
		memcpy(p, f + off, n);
		page = np_virt_to_page(p);
		np_skb_add_rx_frag(skb, i, page, (uint32_t)(p - (uint8_t *)np_page_address(page)), n,
				   n);
		off += n;
	}
	CHECK_EQ(skb->len, len);
	return skb;
}

static struct np_netdev *tap_new(const char *name, unsigned nq)
{
	struct np_tap_params tp = { .ifname = name, .nqueues = nq, .no_vnet_hdr = true };
	struct np_netdev *dev;

	CHECK_EQ(np_tap_create(&tp, &dev), 0);
	CHECK(strcmp(dev->name, name) == 0);
	CHECK_EQ(dev->nqueues, nq);
	np_netdev_set_rx_handler(dev, rx_handler, NULL);
	return dev;
}

/* ---- RX from the kernel ---- */

static void test_rx(struct np_netdev *a, struct port *pa)
{
	static struct rxc c;
	struct np_netdev_qstats q0 = qstats(a, 0), q1;
	struct np_tap_stats t0 = tstats(a, 0), t1;
	struct np_pool_stats ps0 = t_pool_stats(a->q[0].pool), ps1;
	uint64_t s = 0x1234567;
	uint64_t len_sum = 0;
	int64_t out0;
	const int n = 300;

	rxc_reset(&c);
	np_netdev_set_rx_handler(a, rx_handler, &c);
	/* single-buffer frames: 24 .. 1514 bytes */
	for (int i = 0; i < n; i++) {
		uint32_t len = 24 + (uint32_t)(t_xorshift(&s) % (1514 - 24 + 1));

		send_test(pa, len, (uint32_t)i, 1);
		len_sum += len;
		if (i % 100 == 99)
			poll_for(a, 0, &c, i + 1);
	}
	poll_for(a, 0, &c, n);
	CHECK_EQ(c.ours, n);
	CHECK_EQ(c.bad, 0);
	CHECK_EQ(c.multi, 0);
	CHECK_EQ(c.unmarked, 0);
	q1 = qstats(a, 0);
	CHECK_EQ(q1.rx_packets - q0.rx_packets, (uint64_t)(c.ours + c.foreign));
	CHECK_EQ(q1.rx_bytes - q0.rx_bytes, c.bytes);
	CHECK_EQ(q1.rx_bad_desc, q0.rx_bad_desc);
	ps1 = t_pool_stats(a->q[0].pool);
	/* recycled inside the napi: into the cache, never through the ring */
	CHECK(ps1.recycle.cached - ps0.recycle.cached >= (uint64_t)n);
	CHECK_EQ(ps1.recycle.ring, ps0.recycle.ring);
	CHECK_EQ(ps1.recycle.released_refcnt, ps0.recycle.released_refcnt);

	/* jumbo frames: multi-buffer up to NP_TAP_MAX_FRAME, oversize beyond */
	CHECK_EQ(if_set_mtu(pa->ctl, pa->name, 9500), 0);
	out0 = pages_out(a, 0);
	rxc_reset(&c);
	send_test(pa, 3000, 1000, 2);			/* one buffer */
	send_test(pa, 4000, 1001, 2);			/* head + one page */
	send_test(pa, NP_TAP_MAX_FRAME, 1002, 2);	/* head + two pages */
	send_test(pa, NP_TAP_MAX_FRAME + 1, 1003, 2);	/* oversize */
	send_test(pa, 9400, 1004, 2);			/* oversize */
	send_test(pa, 60, 1005, 2);
	poll_for(a, 0, &c, 4);
	CHECK_EQ(c.ours, 4);
	CHECK_EQ(c.bad, 0);
	CHECK_EQ(c.multi, 2);
	CHECK(c.seen[1000] && c.seen[1001] && c.seen[1002] && c.seen[1005]);
	CHECK(!c.seen[1003] && !c.seen[1004]);
	t1 = tstats(a, 0);
	CHECK_EQ(t1.rx_oversize - t0.rx_oversize, 2);
	CHECK_EQ(t1.rx_multi - t0.rx_multi, 2);
	CHECK_EQ(t1.rx_runt, t0.rx_runt);
	CHECK_EQ(t1.rx_errors, 0);
	CHECK_EQ(qstats(a, 0).rx_bad_desc - q0.rx_bad_desc, 2);
	/* the oversize frames' buffers were reused, the others came back */
	CHECK_EQ(pages_out(a, 0), out0);
	(void)len_sum;
	np_netdev_set_rx_handler(a, rx_handler, NULL);
}

/* ---- a fake wire: what the kernel never sends ---- */

struct xdpc {
	int mode;	/* 0: PASS, 1: TX, 2: REDIRECT */
	struct np_netdev *to;
	int seen;
};

static enum np_xdp_action xdp_prog(struct np_xdp_buff *x, void *arg)
{
	struct xdpc *c = arg;

	if (!is_test_frame(x->data, (uint32_t)(x->data_end - x->data)))
		return NP_XDP_PASS;
	c->seen++;
	switch (c->mode) {
	case 1:
		return NP_XDP_TX;
	case 2:
		return np_xdp_redirect(x, c->to);
	default:
		return NP_XDP_PASS;
	}
}

static void wire_send(int s, uint32_t len, uint32_t seq, uint8_t tag)
{
	static uint8_t f[20000];

	CHECK(len <= sizeof(f));
	if (len >= PAT_OFF)
		build_frame(f, len, seq, tag);
	else
		memset(f, 0xaa, len);
	CHECK_EQ(send(s, f, len, 0), (ssize_t)len);
}

static void test_bad_wire(struct np_netdev *a)
{
	static struct rxc c;
	static uint8_t buf[20000];
	struct xdpc xc = { .mode = 1 };
	int fd = np_tap_fd(a, 0), saved, sp[2], busy = 0;
	struct np_netdev_qstats q0 = qstats(a, 0), q1;
	struct np_tap_stats t0 = tstats(a, 0), t1;
	struct np_skb *skb;
	uint32_t seq;
	int64_t out0;

	CHECK(fd >= 0);
	saved = dup(fd);	/* keeps the queue attached while the wire is swapped */
	CHECK(saved >= 0);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sp), 0);
	CHECK_EQ(dup3(sp[0], fd, O_CLOEXEC), fd);

	rxc_reset(&c);
	np_netdev_set_rx_handler(a, rx_handler, &c);
	np_netdev_poll(a, 0);		/* post what the last frames took */
	out0 = pages_out(a, 0);
	wire_send(sp[1], 13, 0, 0);			/* runt */
	wire_send(sp[1], 0, 0, 0);			/* empty */
	wire_send(sp[1], 60, 2000, 3);
	wire_send(sp[1], NP_TAP_MAX_FRAME + 1, 2001, 3);	/* oversize, exactly at the edge */
	wire_send(sp[1], 20000, 2002, 3);		/* truncated by the read: oversize */
	wire_send(sp[1], NP_TAP_MAX_FRAME, 2003, 3);
	wire_send(sp[1], 14, 0, 0);			/* a bare header: not a runt */
	poll_for(a, 0, &c, 2);
	CHECK_EQ(c.ours, 2);
	CHECK_EQ(c.foreign, 1);
	CHECK_EQ(c.bad, 0);
	CHECK(c.seen[2000] && c.seen[2003]);
	t1 = tstats(a, 0);
	q1 = qstats(a, 0);
	CHECK_EQ(t1.rx_runt - t0.rx_runt, 2);
	CHECK_EQ(t1.rx_oversize - t0.rx_oversize, 2);
	CHECK_EQ(q1.rx_bad_desc - q0.rx_bad_desc, 4);
	CHECK_EQ(q1.rx_packets - q0.rx_packets, 3);
	CHECK_EQ(pages_out(a, 0), out0);

	/* TX onto the wire: one message per frame, every byte */
	skb = make_skb(5000, 2010, 4, 100, 5);
	CHECK_EQ(np_netdev_xmit(a, 0, skb), 0);
	CHECK_EQ(recv(sp[1], buf, sizeof(buf), 0), 5000);
	CHECK(check_frame(buf, 5000, &seq) && seq == 2010);

	/* XDP TX back onto the wire */
	np_netdev_set_xdp(a, xdp_prog, &xc);
	wire_send(sp[1], 700, 2011, 5);
	CHECK(np_netdev_poll(a, 0) >= 1);
	CHECK_EQ(xc.seen, 1);
	CHECK_EQ(recv(sp[1], buf, sizeof(buf), 0), 700);
	CHECK(check_frame(buf, 700, &seq) && seq == 2011);
	CHECK_EQ(qstats(a, 0).xdp_tx - q0.xdp_tx, 1);

	/* nobody reads the wire: it fills, and a write is -ENOSPC (tx_busy) */
	q0 = qstats(a, 0);
	for (int i = 0; i < 100000 && !busy; i++) {
		int err = np_netdev_xmit(a, 0, make_skb(1000, 0, 6, 100, 2));

		if (err) {
			CHECK_EQ(err, -ENOSPC);
			busy = 1;
		}
	}
	CHECK(busy);
	CHECK_EQ(qstats(a, 0).tx_busy - q0.tx_busy, 1);
	CHECK_EQ(np_skb_live(), 0);
	/* and an XDP TX finds it full: dropped, the buffer back in the pool */
	out0 = pages_out(a, 0);
	wire_send(sp[1], 800, 2012, 5);
	CHECK(np_netdev_poll(a, 0) >= 1);
	CHECK_EQ(xc.seen, 2);
	q1 = qstats(a, 0);
	/* counted once, on the receiving queue, as a frame that could not be sent */
	CHECK_EQ(q1.tx_busy - q0.tx_busy, 1);
	CHECK_EQ(q1.tx_dropped - q0.tx_dropped, 1);
	CHECK_EQ(q1.xdp_tx, q0.xdp_tx);
	np_netdev_poll(a, 0);
	CHECK_EQ(pages_out(a, 0), out0);
	np_netdev_set_xdp(a, NULL, NULL);
	CHECK_EQ(tstats(a, 0).tx_errors, 0);

	/* the TAP queue back */
	CHECK_EQ(dup3(saved, fd, O_CLOEXEC), fd);
	close(saved);
	close(sp[0]);
	close(sp[1]);
	np_netdev_set_rx_handler(a, rx_handler, NULL);
}

/* ---- TX to the kernel ---- */

static void test_tx(struct np_netdev *a, struct port *pa)
{
	static uint8_t seen[MAX_SEQ];
	struct np_netdev_qstats q0 = qstats(a, 0), q1;
	struct np_tap_stats t0 = tstats(a, 0);
	struct np_skb *skb, *clone, *child;
	int err;

	memset(seen, 0, sizeof(seen));
	/* linear */
	for (uint32_t i = 0; i < 50; i++)
		CHECK_EQ(np_netdev_xmit(a, 0, make_skb(60 + i * 29, i, 7, 0, 0)), 0);
	expect_frames(pa->pkt, 50, 7, 0, seen);
	/* frags: a short head and 1..17 page frags */
	for (uint32_t i = 0; i < NP_MAX_SKB_FRAGS; i++)
		CHECK_EQ(np_netdev_xmit(a, 0, make_skb(1400, 100 + i, 8, 34, i + 1)), 0);
	expect_frames(pa->pkt, NP_MAX_SKB_FRAGS, 8, 1400, seen);
	/* every byte in frags, none in the head */
	skb = make_skb(1000, 200, 9, 0, 3);
	CHECK_EQ(np_skb_headlen(skb), 0);
	CHECK_EQ(np_netdev_xmit(a, 0, skb), 0);
	expect_frames(pa->pkt, 1, 9, 1000, seen);
	/* clones share the data: both go out whole, in either order of freeing */
	skb = make_skb(1200, 300, 10, 50, 2);
	clone = np_skb_clone(skb);
	CHECK(clone);
	CHECK_EQ(np_netdev_xmit(a, 0, clone), 0);
	CHECK_EQ(np_netdev_xmit(a, 0, skb), 0);
	expect_frames(pa->pkt, 2, 10, 1200, NULL);
	skb = make_skb(700, 301, 10, 700, 0);
	clone = np_skb_clone(skb);
	CHECK(clone);
	CHECK_EQ(np_netdev_xmit(a, 0, skb), 0);
	CHECK_EQ(np_netdev_xmit(a, 0, clone), 0);
	expect_frames(pa->pkt, 2, 10, 700, NULL);
	/* a frag_list packet (as GRO builds them) goes out member by member, not copied */
	skb = make_skb(1500, 400, 11, 0, 0);
	child = np_alloc_skb(600);
	CHECK(child);
	{
		static uint8_t f[2100];

		build_frame(f, 2100, 400, 11);
		CHECK(np_skb_put_data(child, f + 1500, 600));
	}
	np_skb_shinfo(skb)->frag_list = child;
	skb->len += child->len;
	skb->data_len += child->len;
	skb->truesize += child->truesize;
	CHECK_EQ(np_netdev_xmit(a, 0, skb), 0);
	expect_frames(pa->pkt, 1, 11, 2100, seen);
	CHECK_EQ(tstats(a, 0).tx_linearized - t0.tx_linearized, 0);
	expect_no_more(pa->pkt, 7, 20);
	q1 = qstats(a, 0);
	CHECK_EQ(q1.tx_packets - q0.tx_packets, 50 + NP_MAX_SKB_FRAGS + 1 + 4 + 1);
	CHECK_EQ(q1.tx_busy, q0.tx_busy);
	CHECK_EQ(q1.tx_dropped, q0.tx_dropped);
	CHECK_EQ(np_skb_live(), 0);

	/* a down interface refuses the write: counted, the skb freed */
	CHECK_EQ(if_set_flags(pa->ctl, pa->name, 0, IFF_UP), 0);
	err = np_netdev_xmit(a, 0, make_skb(100, 500, 12, 20, 1));
	CHECK(err < 0 && err != -ENOSPC);
	CHECK_EQ(qstats(a, 0).tx_dropped - q1.tx_dropped, 1);
	CHECK_EQ(tstats(a, 0).tx_errors - t0.tx_errors, 1);
	CHECK_EQ(np_skb_live(), 0);
	CHECK_EQ(if_set_flags(pa->ctl, pa->name, IFF_UP, 0), 0);
	CHECK_EQ(np_netdev_xmit(a, 0, make_skb(100, 501, 12, 20, 1)), 0);
	expect_frames(pa->pkt, 1, 12, 100, NULL);
}

/* ---- across namespaces: forward, XDP TX, XDP REDIRECT ---- */

/* A namespace of our own, @b moved into it and brought up there. Return: its fd, or -1. */
static int ns_setup(struct port *pb)
{
	const char *ns;
	int self, nsfd;

	if (netns_add("tap", &ns))
		return -1;
	snprintf(ns_path, sizeof(ns_path), "/var/run/netns/%s", ns);
	CHECK_EQ(netns_link_move(NULL, pb->name, ns), 0);
	nsfd = netns_open(ns);
	CHECK(nsfd >= 0);
	/* the name goes now: the namespace lives as long as our descriptors */
	netns_unname(ns);
	CHECK(access(ns_path, F_OK) != 0);
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	CHECK(self >= 0);
	CHECK_EQ(setns(nsfd, CLONE_NEWNET), 0);
	port_open(pb);
	CHECK_EQ(setns(self, CLONE_NEWNET), 0);
	close(self);
	CHECK_EQ(if_nametoindex(pb->name), 0);	/* not here any more */
	return nsfd;
}

static void test_forward(struct np_netdev *a, struct port *pa, struct np_netdev *b,
			 struct port *pb)
{
	static struct rxc c;
	static uint8_t seen[MAX_SEQ];
	struct xdpc xc = { 0 };
	struct np_netdev_qstats qa0 = qstats(a, 0), qb0 = qstats(b, 0), qa1, qb1;
	struct np_pool_stats ps0 = t_pool_stats(a->q[0].pool), ps1;
	const int n = 100;

	/* the RX handler forwards a -> b: pool pages go out of b, back into a's cache */
	rxc_reset(&c);
	c.fwd = b;
	np_netdev_set_rx_handler(a, rx_handler, &c);
	for (int i = 0; i < n; i++)
		send_test(pa, i == 7 ? 4000 : 60 + (uint32_t)i * 14, (uint32_t)i, 20);
	poll_for(a, 0, &c, n);
	CHECK_EQ(c.ours, n);
	CHECK_EQ(c.bad, 0);
	CHECK_EQ(c.multi, 1);
	memset(seen, 0, sizeof(seen));
	expect_frames(pb->pkt, n, 20, 0, seen);
	qb1 = qstats(b, 0);
	CHECK_EQ(qb1.tx_packets - qb0.tx_packets, n);
	ps1 = t_pool_stats(a->q[0].pool);
	CHECK(ps1.recycle.cached - ps0.recycle.cached >= (uint64_t)n);
	CHECK_EQ(ps1.recycle.ring, ps0.recycle.ring);
	c.fwd = NULL;

	/* XDP TX: back out of a, the kernel receives them on a */
	xc.mode = 1;
	np_netdev_set_xdp(a, xdp_prog, &xc);
	for (int i = 0; i < n; i++)
		send_test(pa, 60 + (uint32_t)i * 9, (uint32_t)i, 21);
	memset(seen, 0, sizeof(seen));
	for (int i = 0; i < 2000 && xc.seen < n; i++)
		if (!np_netdev_poll(a, 0))
			t_sleep_ms(1);
	CHECK_EQ(xc.seen, n);
	expect_frames(pa->pkt, n, 21, 0, seen);
	qa1 = qstats(a, 0);
	CHECK_EQ(qa1.xdp_tx - qa0.xdp_tx, n);

	/* XDP REDIRECT a -> b, into the other namespace */
	xc.mode = 2;
	xc.to = b;
	xc.seen = 0;
	for (int i = 0; i < n; i++)
		send_test(pa, 60 + (uint32_t)i * 9, (uint32_t)i, 22);
	for (int i = 0; i < 2000 && xc.seen < n; i++)
		if (!np_netdev_poll(a, 0))
			t_sleep_ms(1);
	CHECK_EQ(xc.seen, n);
	memset(seen, 0, sizeof(seen));
	expect_frames(pb->pkt, n, 22, 0, seen);
	CHECK_EQ(qstats(a, 0).xdp_redirect - qa1.xdp_redirect, n);
	CHECK_EQ(qstats(b, 0).tx_packets - qb1.tx_packets, n);
	np_netdev_set_xdp(a, NULL, NULL);

	/* and the other way: the kernel in the namespace sends into b */
	rxc_reset(&c);
	np_netdev_set_rx_handler(b, rx_handler, &c);
	for (int i = 0; i < 20; i++)
		send_test(pb, 200, (uint32_t)i, 23);
	poll_for(b, 0, &c, 20);
	CHECK_EQ(c.ours, 20);
	CHECK_EQ(c.bad, 0);
	np_netdev_set_rx_handler(b, rx_handler, NULL);
	np_netdev_set_rx_handler(a, rx_handler, NULL);
	CHECK_EQ(np_skb_live(), 0);
}

/* ---- multi-queue ---- */

static void build_udp(uint8_t *f, uint32_t len, uint16_t sport, uint32_t seq)
{
	memset(f, 0, len);
	memset(f, 0xff, 6);
	memcpy(f + 6, "\x02\x00\x5e\x00\x00\x09", 6);
	f[12] = 0x08;
	f[13] = 0x00;
	f[14] = 0x45;
	f[16] = (uint8_t)((len - HDR) >> 8);
	f[17] = (uint8_t)(len - HDR);
	f[22] = 64;
	f[23] = 17;
	memcpy(f + 26, "\x0a\x4d\x00\x01\x0a\x4d\x00\x02", 8);	/* 10.77.0.1 -> 10.77.0.2 */
	f[34] = (uint8_t)(sport >> 8);
	f[35] = (uint8_t)sport;
	f[37] = 9;
	f[38] = (uint8_t)((len - 34) >> 8);
	f[39] = (uint8_t)(len - 34);
	memcpy(f + 42, "NPMQ", 4);
	memcpy(f + 46, &seq, sizeof(seq));
}

struct mqc {
	int per_q[2];
	int bad;
	uint8_t seen[256];
};

static void mq_handler(struct np_netdev *dev, unsigned int q, struct np_skb *skb, void *arg)
{
	struct mqc *c = arg;
	uint8_t f[64];
	uint32_t seq;

	(void)dev;
	if (skb->len >= 50 && np_skb_copy_bits(skb, 0, f, 50) == 0 && f[12] == 0x08 &&
	    f[13] == 0 && !memcmp(f + 42, "NPMQ", 4)) {
		memcpy(&seq, f + 46, sizeof(seq));
		if (seq >= 256 || c->seen[seq])
			c->bad++;
		else
			c->seen[seq] = 1;
		c->per_q[q]++;
	}
	np_napi_consume_skb(skb, NP_NAPI_WEIGHT);
}

static void test_multiqueue(const char *name)
{
	static struct mqc c;
	struct np_netdev *m = tap_new(name, 2);
	struct port pm = { 0 };
	uint8_t f[128];
	int s;
	const int n = 128;

	snprintf(pm.name, sizeof(pm.name), "%s", name);
	CHECK(np_tap_fd(m, 0) >= 0 && np_tap_fd(m, 1) >= 0 && np_tap_fd(m, 0) != np_tap_fd(m, 1));
	CHECK_EQ(np_tap_fd(m, 2), -EINVAL);
	np_netdev_set_rx_handler(m, mq_handler, &c);
	CHECK_EQ(np_netdev_open(m), 0);
	port_open(&pm);
	s = pkt_open(pm.ifindex, ETH_P_IP);
	CHECK(s >= 0);
	for (int i = 0; i < n; i++) {
		build_udp(f, 80, (uint16_t)(20000 + i * 77), (uint32_t)i);
		pkt_send(s, pm.ifindex, f, 80);
	}
	for (int i = 0; i < 2000 && c.per_q[0] + c.per_q[1] < n; i++)
		if (!np_netdev_poll(m, 0) + !np_netdev_poll(m, 1) == 2)
			t_sleep_ms(1);
	CHECK_EQ(c.bad, 0);
	CHECK_EQ(c.per_q[0] + c.per_q[1], n);
	/* 128 flows over two queues: each got some */
	CHECK(c.per_q[0] > 0 && c.per_q[1] > 0);
	CHECK_EQ(qstats(m, 1).rx_packets >= (uint64_t)c.per_q[1], 1);
	/* each queue transmits */
	for (uint32_t q = 0; q < 2; q++)
		for (uint32_t i = 0; i < 10; i++)
			CHECK_EQ(np_netdev_xmit(m, q, make_skb(300, q * 10 + i, 30, 40, 1)), 0);
	expect_frames(pm.pkt, 20, 30, 300, NULL);
	CHECK_EQ(qstats(m, 0).tx_packets, 10);
	CHECK_EQ(qstats(m, 1).tx_packets, 10);
	close(s);
	port_close(&pm);
	finish(m, name, true);
}

/* ---- a queue thread receiving while this thread transmits ---- */

struct thc {
	np_atomic_u32 ours;
	np_atomic_u32 bad;
};

static void th_handler(struct np_netdev *dev, unsigned int q, struct np_skb *skb, void *arg)
{
	static _Thread_local uint8_t buf[2048];
	struct thc *c = arg;
	uint32_t seq;

	(void)dev;
	(void)q;
	if (skb->len <= sizeof(buf) && np_skb_copy_bits(skb, 0, buf, skb->len) == 0 &&
	    is_test_frame(buf, skb->len)) {
		if (!check_frame(buf, skb->len, &seq))
			atomic_fetch_add(&c->bad, 1);
		atomic_fetch_add(&c->ours, 1);
	}
	np_napi_consume_skb(skb, NP_NAPI_WEIGHT);
}

static void test_thread(const char *name)
{
	static struct thc c;
	struct np_netdev *d = tap_new(name, 1);
	struct port pd = { 0 };
	const unsigned n = 300;

	snprintf(pd.name, sizeof(pd.name), "%s", name);
	np_netdev_set_rx_handler(d, th_handler, &c);
	CHECK_EQ(np_netdev_open(d), 0);
	port_open(&pd);
	CHECK_EQ(np_netdev_start(d, NULL), 0);
	for (unsigned i = 0; i < n; i++) {
		send_test(&pd, 100 + i, i, 40);
		if (i % 3 == 0)
			CHECK_EQ(np_netdev_xmit(d, 0, make_skb(200, i, 41, 30, 1)), 0);
	}
	for (int i = 0; i < 3000 && atomic_load(&c.ours) < n; i++)
		t_sleep_ms(1);
	np_netdev_stop(d);
	CHECK_EQ(atomic_load(&c.ours), n);
	CHECK_EQ(atomic_load(&c.bad), 0);
	expect_frames(pd.pkt, n / 3, 41, 200, NULL);
	port_close(&pd);
	finish(d, name, true);
}

/*
 * Two threads transmit on one tap queue at once (TX takes no lock: one
 * writev per frame). Every frame is counted exactly once, as sent or as
 * refused: the TX counters take atomic adds.
 */
#define TXS_PER_THREAD	400u

struct txs_arg {
	struct np_netdev *dev;
	struct np_skb *skbs[TXS_PER_THREAD];
};

static void *txs_thread(void *arg)
{
	struct txs_arg *t = arg;

	for (unsigned i = 0; i < TXS_PER_THREAD; i++)
		np_netdev_xmit(t->dev, 0, t->skbs[i]);
	return NULL;
}

static void test_tx_shared(struct np_netdev *a)
{
	static struct txs_arg args[2];
	struct np_netdev_qstats before, after;
	struct np_tap_stats ts0, ts1;
	pthread_t th[2];

	np_netdev_get_qstats(a, 0, &before);
	CHECK_EQ(np_tap_get_stats(a, 0, &ts0), 0);
	for (int k = 0; k < 2; k++) {
		args[k].dev = a;
		/* built here: make_skb works in one static buffer */
		for (unsigned i = 0; i < TXS_PER_THREAD; i++)
			args[k].skbs[i] = make_skb(120 + i % 50, i, (uint8_t)(50 + k), i % 2 ? 40 : 0,
						   i % 3);
	}
	for (int k = 0; k < 2; k++)
		CHECK_EQ(pthread_create(&th[k], NULL, txs_thread, &args[k]), 0);
	for (int k = 0; k < 2; k++)
		CHECK_EQ(pthread_join(th[k], NULL), 0);
	np_netdev_get_qstats(a, 0, &after);
	CHECK_EQ(np_tap_get_stats(a, 0, &ts1), 0);
	CHECK_EQ((after.tx_packets - before.tx_packets) + (after.tx_busy - before.tx_busy) +
		 (after.tx_dropped - before.tx_dropped), 2 * TXS_PER_THREAD);
	CHECK(after.tx_packets > before.tx_packets);
	CHECK_EQ(ts1.tx_errors - ts0.tx_errors, after.tx_dropped - before.tx_dropped);
	np_skb_thread_flush();
	printf("tx shared: %llu sent, %llu busy by two threads on one queue\n",
	       (unsigned long long)(after.tx_packets - before.tx_packets),
	       (unsigned long long)(after.tx_busy - before.tx_busy));
}

/* ---- parameters and refusals ---- */

static void test_errors(struct np_netdev *a, const char *pfx)
{
	struct np_tap_params tp = { .no_vnet_hdr = true };
	struct np_netdev *d = NULL;
	struct np_tap_stats ts;
	struct ifreq ifr;
	char name[IFNAMSIZ];
	int fd;

	t_log_reset();
	CHECK_EQ(np_tap_create(NULL, &d), -EINVAL);
	tp.ifname = "a-name-too-long-for-linux";
	CHECK_EQ(np_tap_create(&tp, &d), -EINVAL);
	CHECK(t_log_has("longer than"));
	tp.ifname = NULL;
	tp.nqueues = NP_NETDEV_MAX_QUEUES + 1;
	CHECK_EQ(np_tap_create(&tp, &d), -EINVAL);
	CHECK(d == NULL);
	CHECK_EQ(np_tap_fd(NULL, 0), -EINVAL);
	CHECK_EQ(np_tap_get_stats(a, 5, &ts), -EINVAL);
	CHECK_EQ(np_tap_get_stats(a, -1, NULL), -EINVAL);
	/* offloads: unknown bits, segmentation without checksums */
	tp.nqueues = 1;
	tp.offloads = 0x100;
	CHECK_EQ(np_tap_create(&tp, &d), -EINVAL);
	tp.offloads = NP_TAP_OFFLOAD_TSO4;
	CHECK_EQ(np_tap_create(&tp, &d), -EINVAL);
	tp.offloads = NP_TAP_OFFLOAD_USO | NP_TAP_OFFLOAD_TSO_ECN;
	CHECK_EQ(np_tap_create(&tp, &d), -EINVAL);
	CHECK(d == NULL);
	tp.offloads = 0;
	CHECK_EQ(np_tap_offloads(a), 0);	/* plain frames: none */
	CHECK_EQ(np_tap_offloads(NULL), -EINVAL);

	/* a single-queue device attached here already */
	t_log_reset();
	tp.ifname = a->name;
	tp.nqueues = 1;
	CHECK_EQ(np_tap_create(&tp, &d), -EBUSY);
	CHECK(t_log_has("busy"));

	/* an interface of that name that is no TAP device: a TUN device of our own */
	snprintf(name, sizeof(name), "%su", pfx);
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	CHECK_EQ(ioctl(fd, TUNSETIFF, &ifr), 0);
	t_log_reset();
	tp.ifname = name;
	CHECK_EQ(np_tap_create(&tp, &d), -EINVAL);
	CHECK(t_log_has("no TAP device"));
	close(fd);
	for (int i = 0; i < 1000 && if_nametoindex(name); i++)
		t_sleep_ms(1);
	CHECK_EQ(if_nametoindex(name), 0);

	/* the other queue mode: a multi-queue device, attached with one queue */
	snprintf(name, sizeof(name), "%sm", pfx);
	tp.ifname = name;
	tp.nqueues = 2;
	CHECK_EQ(np_tap_create(&tp, &d), 0);
	tp.nqueues = 1;
	CHECK_EQ(np_tap_create(&tp, &(struct np_netdev *){ NULL }), -EINVAL);
	finish(d, name, true);
}

int main(void)
{
	char pfx[12], na[IFNAMSIZ], nb[IFNAMSIZ], nm[IFNAMSIZ], nt[IFNAMSIZ];
	/* plain frames here: test_tap_vnet.c has the virtio-net header and offloads */
	struct np_tap_params tp = { .no_vnet_hdr = true };
	struct port pa = { 0 }, pb = { 0 };
	struct np_netdev *a, *b;
	int err, s, nsfd;

	setvbuf(stdout, NULL, _IONBF, 0);
	np_set_print(t_log_capture);
	/* names unique to this process, at most 15 characters */
	snprintf(pfx, sizeof(pfx), "npt%u", (unsigned)getpid() % 10000000u);
	snprintf(na, sizeof(na), "%sa", pfx);
	snprintf(nb, sizeof(nb), "%sb", pfx);
	snprintf(nm, sizeof(nm), "%sq", pfx);
	snprintf(nt, sizeof(nt), "%st", pfx);

	if (access("/dev/net/tun", R_OK | W_OK))
		SKIP("no usable /dev/net/tun: %s", strerror(errno));
	tp.ifname = na;
	err = np_tap_create(&tp, &a);
	if (err == -EPERM || err == -EACCES || err == -ENODEV)
		SKIP("cannot create a TAP device: %s", strerror(-err));
	CHECK_EQ(err, 0);
	s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (s < 0) {
		np_netdev_destroy(a);
		SKIP("no AF_PACKET socket: %s", strerror(errno));
	}
	close(s);
	tp.ifname = nb;
	CHECK_EQ(np_tap_create(&tp, &b), 0);
	np_netdev_set_rx_handler(a, rx_handler, NULL);
	np_netdev_set_rx_handler(b, rx_handler, NULL);
	CHECK_EQ(np_netdev_open(a), 0);
	CHECK_EQ(np_netdev_open(b), 0);
	snprintf(pa.name, sizeof(pa.name), "%s", na);
	snprintf(pb.name, sizeof(pb.name), "%s", nb);
	port_open(&pa);

	test_errors(a, pfx);
	test_rx(a, &pa);
	test_bad_wire(a);
	test_tx(a, &pa);
	test_tx_shared(a);
	nsfd = ns_setup(&pb);
	if (nsfd >= 0) {
		test_forward(a, &pa, b, &pb);
		port_close(&pb);
	} else {
		printf("note: no namespace (ip netns add failed): forwarding test skipped\n");
	}
	test_multiqueue(nm);
	test_thread(nt);

	CHECK_EQ(tstats(a, -1).rx_errors, 0);
	port_close(&pa);
	finish(a, na, true);
	finish(b, nb, nsfd < 0);
	if (nsfd >= 0) {
		/* b went with its descriptor, in the namespace it was in */
		int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

		CHECK(self >= 0);
		CHECK_EQ(setns(nsfd, CLONE_NEWNET), 0);
		for (int i = 0; i < 1000 && if_nametoindex(nb); i++)
			t_sleep_ms(1);
		err = (int)if_nametoindex(nb);
		CHECK_EQ(setns(self, CLONE_NEWNET), 0);
		CHECK_EQ(err, 0);
		close(self);
		close(nsfd);
	}
	CHECK_EQ(np_skb_live(), 0);
	CHECK(access(ns_path, F_OK) != 0 || !ns_path[0]);
	printf("ok\n");
	return 0;
}
