/* SPDX-License-Identifier: MIT */
/*
 * Bad frames end to end: runts, frames over the forwarder's limits and
 * garbage (bad ethertypes, random bytes, broken IPv4, UDP and TCP headers)
 * among good UDP frames, from a packet socket on host A through netpool-fwd
 * (TAP, and AF_XDP on veth; modes fwd, capture, encap, sockq) to host B.
 * Each frame has one fate, decided by its length alone (refused, rx_bad,
 * tx_drop, forward, consumed): every forwarded frame arrives once and intact
 * and no other, the forwarder's totals add up, the capture holds what
 * reached it, netpool-fwd exits 0 (every buffer back). docs/reliability.md
 * ("End to end") gives the fates and what each mode must show.
 *
 *   test_e2e_badframes [tap|afxdp]     one driver (default both)
 *   NP_E2E_SEED=N                      the random bytes' seed (default fixed)
 *   test_e2e_badframes --flood NS_A IF_A IP_A NS_B IP_B MAC_B SECONDS MTU [RATE]
 *                                      scripts/soak.sh's traffic source and checker
 */
#include "e2e.h"

#define BF_PORT		5002
#define BF_FLOOD_PORT	5003
#define BF_CYCLES	8	/* each bad kind this many times per mode */
#define BF_ENCAP	50u

enum kind {
	K_GOOD, K_EDGE,
	/* the bad ones, injected in turn */
	K_SUBHDR, K_RUNT_HDR, K_RUNT, K_BAD_ETYPE, K_GARBAGE, K_IHL_SMALL, K_IHL_BIG,
	K_TOTLEN_LONG, K_TOTLEN_SHORT, K_VER6, K_IP_CSUM, K_UDP_TRUNC, K_UDP_BADLEN,
	K_TCP_BADOFF, K_OVERSIZE,
	K_NR
};
#define K_FIRST_BAD	K_SUBHDR

static const char *const kind_names[K_NR] = {
	"good", "edge", "sub-header", "runt-14", "runt", "bad-ethertype", "garbage",
	"ihl<5", "ihl-past-end", "totlen-long", "totlen-short", "version-6", "ip-csum",
	"udp-trunc", "udp-len", "tcp-doff<5", "oversize",
};

enum fate { FATE_REFUSED, FATE_RX_BAD, FATE_TX_DROP, FATE_FORWARD, FATE_CONSUMED, FATE_NR };
static const char *const fate_names[FATE_NR] = {
	"refused", "rx_bad", "tx_drop", "forward", "consumed",
};

/* What one driver's setup lets through. */
struct drv {
	const char *name;
	uint32_t send_max;	/* the longest frame host A's interface sends (its MTU + 14) */
	uint32_t rx_max;	/* the longest the driver receives */
	uint32_t tx_max;	/* the longest it transmits on --out */
	uint32_t good_max;	/* good UDP frames up to this */
};

struct frame {
	unsigned char *data;
	uint32_t len;
	enum kind kind;
	enum fate fate;
	uint32_t at_b, at_pcap;	/* copies seen */
	bool corrupt;
};

struct bf_env {
	struct e2e_topo t;
	const struct drv *d;
	char tool[4096], stat[4096];
	struct frame *fr;
	uint32_t nfr;
	uint64_t rng;
	int failures;
};


static const unsigned char mac_b[6] = { 0x02, 0x00, 0x00, 0xbb, 0x00, 0x02 };

/* ---- the frames ---- */

/* Our frames carry their index in the source MAC: 02:e2:<index, 4 bytes>. */
static void frame_src(unsigned char *src, uint32_t idx)
{
	src[0] = 0x02;
	src[1] = 0xe2;
	src[2] = (unsigned char)(idx >> 24);
	src[3] = (unsigned char)(idx >> 16);
	src[4] = (unsigned char)(idx >> 8);
	src[5] = (unsigned char)idx;
}

static bool frame_index(const unsigned char *b, size_t len, uint32_t *idx)
{
	if (len < 12 || b[6] != 0x02 || b[7] != 0xe2)
		return false;
	*idx = (uint32_t)b[8] << 24 | (uint32_t)b[9] << 16 | (uint32_t)b[10] << 8 | b[11];
	return true;
}

static void rand_bytes(uint64_t *rng, unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(t_xorshift(rng) >> 24);
}

static uint32_t rand_range(uint64_t *rng, uint32_t lo, uint32_t hi)
{
	return lo + (uint32_t)(t_xorshift(rng) % (hi - lo + 1));
}

static void ip_fix_csum(unsigned char *ip, uint32_t ihl_bytes)
{
	e2e_put16(ip + 10, 0);
	e2e_put16(ip + 10, e2e_csum_fold(e2e_csum_add(0, ip, ihl_bytes)));
}

/* A good UDP frame of @len bytes (>= 46) to B's port, payload naming @idx. */
static uint32_t build_udp(unsigned char *f, const struct e2e_flow *fl, uint32_t len, uint32_t idx)
{
	static unsigned char payload[65536];
	uint32_t plen = len - 42;

	e2e_payload(payload, plen, idx);
	return e2e_frame_udp(f, fl, payload, plen);
}

/*
 * Frame @idx of kind @k into @f (room for 65536 bytes), for driver @d in
 * mode @encap or not. Return: its length.
 */
static uint32_t build_frame(unsigned char *f, enum kind k, const struct drv *d, bool encap,
			    bool sockq, const struct e2e_flow *base, uint64_t *rng, uint32_t idx)
{
	static const uint32_t good_lens[] = { 60, 64, 100, 300, 512, 1000, 1400, 1514, 4000, 9014 };
	static const uint16_t etypes[] = { 0x0000, 0x05dc, 0x88b5, 0xffff, 0x86dd, 0x0806 };
	struct e2e_flow fl = *base;
	unsigned char *ip = f + 14;
	uint32_t len, n;

	frame_src(fl.src, idx);
	switch (k) {
	case K_GOOD:
		do
			len = good_lens[t_xorshift(rng) % NP_ARRAY_SIZE(good_lens)];
		while (len > d->good_max);
		return build_udp(f, &fl, len, idx);
	case K_EDGE:
		/* the longest frame this mode lets through */
		len = NP_MIN(d->send_max, d->rx_max);
		if (!sockq)
			len = NP_MIN(len, d->tx_max - (encap ? BF_ENCAP : 0));
		return build_udp(f, &fl, len, idx);
	case K_SUBHDR:
		len = 1 + idx % 13;
		rand_bytes(rng, f, len);
		if (len >= 12)
			memcpy(f + 6, fl.src, 6);
		return len;
	case K_RUNT_HDR:
	case K_RUNT:
		len = k == K_RUNT_HDR ? 14 : rand_range(rng, 15, 59);
		memcpy(f, fl.dst, 6);
		memcpy(f + 6, fl.src, 6);
		e2e_put16(f + 12, 0x0800);
		rand_bytes(rng, f + 14, len - 14);
		return len;
	case K_BAD_ETYPE:
		/* over TAP up to jumbo frames (in several buffers) */
		len = rand_range(rng, 60, d->good_max);
		memcpy(f, fl.dst, 6);
		memcpy(f + 6, fl.src, 6);
		e2e_put16(f + 12, etypes[idx % NP_ARRAY_SIZE(etypes)]);
		rand_bytes(rng, f + 14, len - 14);
		return len;
	case K_GARBAGE:
		len = rand_range(rng, 14, NP_MIN(d->good_max, 1514u));
		memcpy(f, fl.dst, 6);
		memcpy(f + 6, fl.src, 6);
		rand_bytes(rng, f + 12, len - 12);
		return len;
	case K_IHL_SMALL:
		n = build_udp(f, &fl, 100, idx);
		ip[0] = (unsigned char)(0x40 | (idx % 5));
		ip_fix_csum(ip, 20);
		return n;
	case K_IHL_BIG:
		/* the header says 60 bytes, the frame ends after 40 */
		build_udp(f, &fl, 100, idx);
		ip[0] = 0x4f;
		e2e_put16(ip + 2, 40);
		ip_fix_csum(ip, 20);
		return 14 + 40;
	case K_TOTLEN_LONG:
		n = build_udp(f, &fl, rand_range(rng, 60, 1000), idx);
		e2e_put16(ip + 2, (uint16_t)(n - 14 + 100));
		ip_fix_csum(ip, 20);
		return n;
	case K_TOTLEN_SHORT:
		n = build_udp(f, &fl, 200, idx);
		e2e_put16(ip + 2, 10);
		ip_fix_csum(ip, 20);
		return n;
	case K_VER6:
		n = build_udp(f, &fl, 200, idx);
		ip[0] = 0x65;
		ip_fix_csum(ip, 20);
		return n;
	case K_IP_CSUM:
		/* a GRO candidate of the good flow: only the IP checksum is wrong */
		n = build_udp(f, &fl, rand_range(rng, 60, 1000), idx);
		ip[10] ^= 0x5a;
		return n;
	case K_UDP_TRUNC:
		build_udp(f, &fl, 100, idx);
		e2e_put16(ip + 2, 24);
		ip_fix_csum(ip, 20);
		return 14 + 24;
	case K_UDP_BADLEN:
		/* a GRO candidate whose UDP length claims 1000 bytes more than there are */
		n = build_udp(f, &fl, 300, idx);
		e2e_put16(f + 34 + 4, (uint16_t)(n - 34 + 1000));
		return n;
	case K_TCP_BADOFF:
		memcpy(f, fl.dst, 6);
		memcpy(f + 6, fl.src, 6);
		e2e_put16(f + 12, 0x0800);
		memset(ip, 0, 40);
		ip[0] = 0x45;
		e2e_put16(ip + 2, 40);
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, fl.sip, 4);
		memcpy(ip + 16, fl.dip, 4);
		ip_fix_csum(ip, 20);
		e2e_put16(ip + 20, 40000);
		e2e_put16(ip + 22, BF_PORT);
		ip[32] = (unsigned char)((idx % 5) << 4);	/* data offset 0..4 words */
		ip[33] = 0x02;					/* SYN; the checksum is left 0 */
		return 14 + 40;
	case K_OVERSIZE:
		/* past what this driver receives, or (when nothing longer reaches it) sends */
		if (d->send_max > d->rx_max)
			len = rand_range(rng, d->rx_max + 1, d->send_max);
		else
			len = rand_range(rng, d->tx_max + 1, d->send_max);
		return build_udp(f, &fl, len, idx);
	case K_NR:
		break;
	}
	CHECK(0);
	return 0;
}

static enum fate fate_of(const struct drv *d, const char *mode, uint32_t len)
{
	uint32_t out = len + (strcmp(mode, "encap") ? 0 : BF_ENCAP);

	if (len > d->rx_max)
		return FATE_RX_BAD;
	if (!strcmp(mode, "sockq"))
		return FATE_CONSUMED;
	return out > d->tx_max ? FATE_TX_DROP : FATE_FORWARD;
}

/* Every mode's frames: good and bad in turn, BF_CYCLES of each bad kind. */
static void frames_make(struct bf_env *e, const char *mode)
{
	unsigned int nbad = K_NR - K_FIRST_BAD;
	struct e2e_flow fl = { .sport = 40000, .dport = BF_PORT };
	static unsigned char buf[65536];

	memcpy(fl.dst, mac_b, 6);
	CHECK_EQ(inet_pton(AF_INET, e->t.ip_a, fl.sip), 1);
	CHECK_EQ(inet_pton(AF_INET, e->t.ip_b, fl.dip), 1);
	e->nfr = 2 * nbad * BF_CYCLES + 4;
	e->fr = calloc(e->nfr, sizeof(*e->fr));
	CHECK(e->fr);
	for (uint32_t i = 0; i < e->nfr; i++) {
		struct frame *f = &e->fr[i];

		if (i % 64 == 5)
			f->kind = K_EDGE;
		else if (i % 2 == 0)
			f->kind = K_GOOD;
		else
			f->kind = (enum kind)(K_FIRST_BAD + (i / 2) % nbad);
		f->len = build_frame(buf, f->kind, e->d, !strcmp(mode, "encap"),
				     !strcmp(mode, "sockq"), &fl, &e->rng, i);
		f->data = malloc(f->len);
		CHECK(f->data);
		memcpy(f->data, buf, f->len);
		f->fate = fate_of(e->d, mode, f->len);
	}
}

static void frames_free(struct bf_env *e)
{
	for (uint32_t i = 0; i < e->nfr; i++)
		free(e->fr[i].data);
	free(e->fr);
	e->fr = NULL;
	e->nfr = 0;
}

/* ---- what arrives ---- */

struct seen {
	uint32_t foreign_b;		/* frames at B that are none of ours */
	uint32_t good_udp, udp_corrupt;	/* good datagrams through B's UDP socket */
};

/* One frame at B (@encap: behind the outer header). */
static void at_b(struct bf_env *e, struct seen *s, const unsigned char *b, ssize_t n, bool encap)
{
	uint32_t idx;

	if (encap) {
		/* outer: Ethernet, IPv4 UDP to 4789 */
		if (n < (ssize_t)BF_ENCAP + 12 || b[12] != 0x08 || b[13] != 0x00 || b[23] != 17 ||
		    b[36] != 0x12 || b[37] != 0xb5) {
			s->foreign_b++;
			return;
		}
		b += BF_ENCAP;
		n -= BF_ENCAP;
	}
	if (!frame_index(b, (size_t)n, &idx) || idx >= e->nfr) {
		s->foreign_b++;
		return;
	}
	e->fr[idx].at_b++;
	if ((uint32_t)n != e->fr[idx].len || memcmp(b, e->fr[idx].data, (size_t)n))
		e->fr[idx].corrupt = true;
}

static void drain_b(struct bf_env *e, struct seen *s, int pkt, int udp, bool encap, int poll_ms)
{
	static unsigned char buf[70000];
	ssize_t n;
	uint32_t idx;

	while ((n = e2e_recv_frame(pkt, buf, sizeof(buf), poll_ms, NULL, NULL)) > 0)
		at_b(e, s, buf, n, encap);
	while ((n = e2e_recv_one(udp, buf, sizeof(buf), 0, NULL)) > 0) {
		if (e2e_payload_ok(buf, (uint32_t)n, &idx) && idx < e->nfr &&
		    (e->fr[idx].kind == K_GOOD || e->fr[idx].kind == K_EDGE) &&
		    (uint32_t)n == e->fr[idx].len - 42)
			s->good_udp++;
		else
			s->udp_corrupt++;
	}
}

struct pcap_scan {
	struct bf_env *e;
	uint32_t foreign;
};

/* One record of the capture: ours, counted against its frame, or foreign. */
static void pcap_record(const unsigned char *buf, uint32_t caplen, uint32_t len, void *arg)
{
	struct pcap_scan *ps = arg;
	struct bf_env *e = ps->e;
	uint32_t idx;

	if (!frame_index(buf, caplen, &idx) || idx >= e->nfr) {
		ps->foreign++;
		return;
	}
	e->fr[idx].at_pcap++;
	if (caplen != e->fr[idx].len || len != e->fr[idx].len ||
	    memcmp(buf, e->fr[idx].data, caplen))
		e->fr[idx].corrupt = true;
}

/* The pcap file of capture mode: each record of ours counted against its frame. */
static uint32_t pcap_scan(struct bf_env *e, const char *path, uint32_t *foreign)
{
	struct pcap_scan ps = { .e = e };
	uint32_t n = (uint32_t)e2e_pcap_each(path, pcap_record, &ps);

	*foreign += ps.foreign;
	return n;
}

/* ---- one mode ---- */

#define BF_EXPECT(cond, ...)                                                     \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "FAIL %s %s: %s: ", e->d->name, mode, #cond); \
			fprintf(stderr, __VA_ARGS__);                            \
			fprintf(stderr, "\n");                                   \
			e->failures++;                                           \
		}                                                                \
	} while (0)

static void bf_hosts_up(struct bf_env *e, uint32_t mtu_a, uint32_t mtu_b)
{
	struct e2e_topo *t = &e->t;

	/* IPv6 off before they go up: no router solicitations or MLD reports */
	CHECK_EQ(netns_ipv6_off(t->ns_a, t->if_a), 0);
	CHECK_EQ(netns_ipv6_off(t->ns_b, t->if_b), 0);
	e2e_hosts_config(t, mtu_a, mtu_b, false);
}

/* TAP: the forwarder's devices become the hosts' interfaces (jumbo MTU on both). */
static void tap_started(struct e2e_topo *t)
{
	struct bf_env *e = (struct bf_env *)t;	/* t is the first member */

	CHECK(e2e_taps_to_hosts(t->ns_f, t->fwd_in, t->ns_a, t->fwd_out, t->ns_b));
	bf_hosts_up(e, e->d->send_max - 14, e->d->send_max - 14);
}

/*
 * Why netpool-fwd could not open AF_XDP when the kernel refused it (NULL:
 * it did not refuse, or refused for another reason: a failure).
 */
static const char *afxdp_refused(const char *log, char *why, size_t len)
{
	FILE *f = fopen(log, "r");
	bool refused = false;

	why[0] = '\0';
	if (!f)
		return NULL;
	while (fgets(why, (int)len, f)) {
		if (strstr(why, "cannot open afxdp") ||
		    (strstr(why, "cannot open the interfaces") &&
		     (strstr(why, "not permitted") || strstr(why, "not supported")))) {
			refused = true;
			break;
		}
	}
	fclose(f);
	why[strcspn(why, "\n")] = '\0';
	return refused ? why : NULL;
}

/* Return: 0 done (failures counted in e->failures), 77 the driver cannot run here. */
static int bf_mode(struct bf_env *e, const char *mode)
{
	struct e2e_topo *t = &e->t;
	bool encap = !strcmp(mode, "encap"), capture = !strcmp(mode, "capture");
	bool sockq = !strcmp(mode, "sockq"), bridge = !strcmp(mode, "fwd") || capture;
	uint32_t want[FATE_NR] = { 0 }, by_kind[K_NR][FATE_NR], accepted, got_fwd = 0, pcap_n = 0;
	uint32_t foreign_pcap = 0, corrupt = 0, strays = 0, good_fwd = 0, missing_pcap = 0;
	char log[128], pcap[128], args[1024], line[8192], why[512], other[512];
	struct e2e_qstats live = { 0 }, live_out = { 0 };
	uint64_t rx, bad, tx, dns, dfr, drops_a, dsum;
	struct seen s = { 0 };
	const char *tot;
	int tx_fd, pkt, udp, rc, sent_errno[K_NR] = { 0 };
	struct timespec ts;
	double t0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	memset(by_kind, 0, sizeof(by_kind));
	snprintf(log, sizeof(log), "/tmp/netpool-e2e-bad-%s-%d.log", e->d->name, (int)getpid());
	snprintf(pcap, sizeof(pcap), "/tmp/netpool-e2e-bad-%s-%d.pcap", e->d->name, (int)getpid());
	/* TAP with plain frames: the fates follow NP_TAP_MAX_FRAME (the offloads have their own) */
	snprintf(args, sizeof(args), "--driver %s --in %s --out %s --mode %s --json %s %s %s %s",
		 e->d->name, t->fwd_in, t->fwd_out, mode, capture ? "--pcap" : "",
		 capture ? pcap : "", encap ? E2E_VXLAN_ARGS : "",
		 strcmp(e->d->name, "tap") ? "" : "--tap-offloads none");
	e2e_tool_start(t->ns_f, e->tool, args, log);
	/* its devices open (TAP: created), then (TAP) moved to the hosts */
	if (!e2e_tool_wait_ready(10000)) {
		/* it exited (reaped by e2e_tool_alive()), or hangs: stopped */
		if (e2e_tool_alive())
			e2e_tool_stop();
		if (!strcmp(e->d->name, "afxdp") && afxdp_refused(log, why, sizeof(why))) {
			unlink(log);
			printf("SKIP afxdp: the kernel refuses AF_XDP here: %s\n", why);
			return 77;
		}
		if (!strcmp(e->d->name, "tap") && !e2e_sh_rc("grep -q 'cannot open tap' %s", log)) {
			printf("SKIP tap: netpool-fwd could not create TAP devices here\n");
			e2e_dump(log);
			unlink(log);
			return 77;
		}
		fprintf(stderr, "FAIL %s %s: netpool-fwd did not start\n", e->d->name, mode);
		e2e_dump(log);
		e->failures++;
		return 0;
	}
	if (t->started)
		t->started(t);
	frames_make(e, mode);
	tx_fd = netns_packet_open(&(struct netns_packet){ .ns = t->ns_a, .ifname = t->if_a,
							  .sndbuf = 4 << 20 });
	pkt = netns_packet_open(&(struct netns_packet){ .ns = t->ns_b, .ifname = t->if_b,
						       .proto = ETH_P_ALL, .rcvbuf = 8 << 20 });
	CHECK(tx_fd >= 0 && pkt >= 0);
	udp = e2e_udp_bound(t->ns_b, t->ip_b, BF_PORT);
	drops_a = e2e_link_drops(t->ns_a, t->if_a);

	/* in small bursts, draining B between them: no queue on the way overflows */
	for (uint32_t i = 0; i < e->nfr; i++) {
		struct frame *f = &e->fr[i];
		int err = e2e_raw_send(tx_fd, f->data, f->len);

		if (err) {
			if (!sent_errno[f->kind])
				sent_errno[f->kind] = -err;
			if (f->kind != K_SUBHDR)
				BF_EXPECT(!err, "frame %u (%s, %u bytes): send: %s", i,
					  kind_names[f->kind], f->len, strerror(-err));
			f->fate = FATE_REFUSED;
		} else if (f->kind == K_SUBHDR) {
			/* under 14 bytes: a driver must drop it, if ever the kernel sends one */
			f->fate = FATE_RX_BAD;
		}
		want[f->fate]++;
		by_kind[f->kind][f->fate]++;
		if (i % 8 == 7)
			drain_b(e, &s, pkt, udp, encap, 0);
		if (i % 32 == 31)
			t_sleep_ms(1);
	}
	accepted = want[FATE_TX_DROP] + want[FATE_FORWARD] + want[FATE_CONSUMED];

	/* until the forwarder has seen every frame (its statistics, every 200 ms) */
	for (int i = 0; i < 100; i++) {
		if (e2e_fwd_qstats(e->stat, e2e_tool_pid, t->fwd_in, &live) &&
		    live.rx_packets + live.rx_bad_desc >= accepted + want[FATE_RX_BAD])
			break;
		drain_b(e, &s, pkt, udp, encap, 50);
	}
	/* and B every frame it is to get */
	for (int i = 0; i < 40; i++) {
		got_fwd = 0;
		for (uint32_t k = 0; k < e->nfr; k++)
			got_fwd += e->fr[k].fate == FATE_FORWARD && e->fr[k].at_b;
		if (got_fwd >= want[FATE_FORWARD])
			break;
		drain_b(e, &s, pkt, udp, encap, 50);
	}
	drain_b(e, &s, pkt, udp, encap, 20);
	drops_a = e2e_link_drops(t->ns_a, t->if_a) - drops_a;
	/* what the forwarder counted on its way out, live, before it stops */
	t_sleep_ms(250);
	e2e_fwd_qstats(e->stat, e2e_tool_pid, t->fwd_in, &live);
	e2e_fwd_qstats(e->stat, e2e_tool_pid, t->fwd_out, &live_out);
	close(tx_fd);
	close(pkt);
	close(udp);
	rc = e2e_tool_stop();
	tot = e2e_total_line(log, line, sizeof(line));
	BF_EXPECT(rc == 0 && tot, "netpool-fwd exit %d%s", rc,
		  rc == 3 ? " (buffers were lost)" : "");
	if (rc != 0 || !tot) {
		e2e_dump(log);
		unlink(pcap);
		frames_free(e);
		return 0;
	}

	/* the capture file is whole once netpool-fwd closed it */
	if (capture)
		pcap_n = pcap_scan(e, pcap, &foreign_pcap);
	/* every frame where its fate says, intact (at B and in the capture) */
	for (uint32_t k = 0; k < e->nfr; k++) {
		const struct frame *f = &e->fr[k];

		corrupt += f->corrupt;
		if (f->fate == FATE_FORWARD) {
			BF_EXPECT(f->at_b == 1, "frame %u (%s, %u bytes) arrived %u times", k,
				  kind_names[f->kind], f->len, f->at_b);
			good_fwd += f->kind == K_GOOD || f->kind == K_EDGE;
		} else if (f->at_b) {
			strays++;
			fprintf(stderr, "  frame %u (%s, %u bytes, %s) arrived at B\n", k,
				kind_names[f->kind], f->len, fate_names[f->fate]);
		}
	}
	BF_EXPECT(corrupt == 0, "%u frames arrived changed", corrupt);
	BF_EXPECT(strays == 0, "%u frames arrived that should not have", strays);
	BF_EXPECT(drops_a == 0, "host A's interface dropped %llu frames",
		  (unsigned long long)drops_a);
	BF_EXPECT(s.udp_corrupt == 0, "%u datagrams at B corrupt", s.udp_corrupt);
	if (bridge)
		BF_EXPECT(s.good_udp == good_fwd, "B's UDP socket got %u of %u good datagrams",
			  s.good_udp, good_fwd);
	else
		BF_EXPECT(s.good_udp == 0, "B's UDP socket got %u datagrams", s.good_udp);

	/* the forwarder's totals add up */
	rx = t_json_u64(tot, "rx_packets");
	bad = t_json_u64(tot, "rx_bad_desc");
	tx = t_json_u64(tot, "tx_packets");
	dns = e2e_json_u64_or0(tot, "drop_PKT_TOO_BIG");
	dfr = e2e_json_u64_or0(tot, "drop_FULL_RING");
	dsum = e2e_json_drops(tot, sockq ? "" : "PKT_TOO_BIG FULL_RING", other, sizeof(other));
	BF_EXPECT(rx == accepted, "rx_packets %llu, %u frames reached the forwarder",
		  (unsigned long long)rx, accepted);
	BF_EXPECT(bad == want[FATE_RX_BAD], "rx_bad_desc %llu, %u frames over the driver's limit",
		  (unsigned long long)bad, want[FATE_RX_BAD]);
	BF_EXPECT(t_json_u64(tot, "rx_nomem") == 0, "rx_nomem %llu",
		  (unsigned long long)t_json_u64(tot, "rx_nomem"));
	/* (the totals' inflight still counts the pools' caches: exit 0 says they all came back) */
	BF_EXPECT(other[0] == '\0', "unexpected drops: %s", other);
	if (sockq) {
		BF_EXPECT(tx == 0 && dsum == 0, "sockq sent %llu, dropped %llu",
			  (unsigned long long)tx, (unsigned long long)dsum);
	} else {
		BF_EXPECT(rx == tx + dns + dfr, "rx_packets %llu != tx_packets %llu + drops %llu + %llu",
			  (unsigned long long)rx, (unsigned long long)tx, (unsigned long long)dns,
			  (unsigned long long)dfr);
		BF_EXPECT(dns == want[FATE_TX_DROP], "drop_PKT_TOO_BIG %llu, %u frames over --out's limit",
			  (unsigned long long)dns, want[FATE_TX_DROP]);
		BF_EXPECT(dfr == 0 && t_json_u64(tot, "tx_busy") == 0, "TX ring full %llu times",
			  (unsigned long long)dfr);
		BF_EXPECT(tx == want[FATE_FORWARD], "tx_packets %llu, %u frames to forward",
			  (unsigned long long)tx, want[FATE_FORWARD]);
		BF_EXPECT(live_out.tx_dropped == want[FATE_TX_DROP],
			  "--out's tx_dropped %llu, %u frames over its limit",
			  (unsigned long long)live_out.tx_dropped, want[FATE_TX_DROP]);
	}
	if (capture) {
		uint64_t cap = t_json_u64(tot, "captured");

		BF_EXPECT(cap == t_json_u64(tot, "cap_written") && cap == pcap_n,
			  "captured %llu, written %llu, %u records in the file",
			  (unsigned long long)cap, (unsigned long long)t_json_u64(tot, "cap_written"),
			  pcap_n);
		for (uint32_t k = 0; k < e->nfr; k++) {
			const struct frame *f = &e->fr[k];

			if (f->fate != FATE_REFUSED && f->fate != FATE_RX_BAD && f->at_pcap != 1)
				missing_pcap++;
		}
		BF_EXPECT(missing_pcap == 0, "%u frames not in the capture once (%u records not ours)",
			  missing_pcap, foreign_pcap);
		unlink(pcap);
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	printf("%-5s %-7s %3u frames: %u forwarded, %u tx_drop, %u rx_bad, %u consumed, %u refused"
	       " | fwd rx %llu bad %llu tx %llu drop_PKT_TOO_BIG %llu | B: %u of ours, %u good"
	       " datagrams, %u foreign%s | %.1fs\n",
	       e->d->name, mode, e->nfr, want[FATE_FORWARD], want[FATE_TX_DROP], want[FATE_RX_BAD],
	       want[FATE_CONSUMED], want[FATE_REFUSED], (unsigned long long)rx,
	       (unsigned long long)bad, (unsigned long long)tx, (unsigned long long)dns, got_fwd,
	       s.good_udp, s.foreign_b, capture ? ", all in the pcap" : "",
	       (double)ts.tv_sec + ts.tv_nsec / 1e9 - t0);
	/* each kind of frame and what became of it */
	printf("      ");
	for (unsigned int k = 0; k < K_NR; k++) {
		printf("%s%s", k ? ", " : "", kind_names[k]);
		for (unsigned int f = 0; f < FATE_NR; f++)
			if (by_kind[k][f])
				printf(" %u %s", by_kind[k][f], fate_names[f]);
		if (sent_errno[k])
			printf(" (%s)", strerror(sent_errno[k]));
	}
	printf("\n");
	if (e->failures)
		e2e_dump(log);
	/* what the kernel would not send, once */
	if (!strcmp(mode, "fwd"))
		printf("%-5s note: frames of 1-13 bytes: %s (%u of %u sent); 14 bytes is the shortest\n",
		       e->d->name, by_kind[K_SUBHDR][FATE_REFUSED] ? "the kernel refuses them" :
		       "the kernel sent them", by_kind[K_SUBHDR][FATE_RX_BAD],
		       by_kind[K_SUBHDR][FATE_REFUSED] + by_kind[K_SUBHDR][FATE_RX_BAD]);
	unlink(log);
	frames_free(e);
	return 0;
}

static const char *const bf_modes[] = { "fwd", "capture", "encap", "sockq" };

static int run_modes(struct bf_env *e)
{
	for (unsigned int m = 0; m < NP_ARRAY_SIZE(bf_modes); m++) {
		int before = e->failures;

		if (bf_mode(e, bf_modes[m]) == 77)
			return 77;
		if (e->failures > before)
			fprintf(stderr, "%s %s: %d failures\n", e->d->name, bf_modes[m],
				e->failures - before);
	}
	return 0;
}

/* ---- the drivers ---- */

static int run_tap(struct bf_env *e, int sub)
{
	static const struct drv tap = {
		.name = "tap",
		.send_max = 9500 + 14,	/* host A's TAP MTU 9500 */
		.rx_max = NP_TAP_MAX_FRAME,
		.tx_max = 65535,	/* a TAP write takes any frame */
		.good_max = 9014,
	};
	struct e2e_topo *t = &e->t;
	int pid = (int)getpid();

	if (access("/dev/net/tun", R_OK | W_OK)) {
		printf("SKIP tap: /dev/net/tun is not available\n");
		return 77;
	}
	e->d = &tap;
	*t = (struct e2e_topo){ .driver = "tap", .started = tap_started };
	t->ns_a = e2e_ns_new("ba");
	t->ns_b = e2e_ns_new("bb");
	t->ns_f = e2e_ns_new("bf");
	snprintf(t->fwd_in, sizeof(t->fwd_in), "npba%d", pid);
	snprintf(t->fwd_out, sizeof(t->fwd_out), "npbb%d", pid);
	memcpy(t->if_a, t->fwd_in, sizeof(t->if_a));
	memcpy(t->if_b, t->fwd_out, sizeof(t->if_b));
	snprintf(t->ip_a, sizeof(t->ip_a), "10.203.%d.1", sub);
	snprintf(t->ip_b, sizeof(t->ip_b), "10.203.%d.2", sub);
	return run_modes(e);
}

static int run_afxdp(struct bf_env *e)
{
	/*
	 * Host A's MTU 3000 (native XDP on the forwarder's veth caps it at 3506:
	 * no frame longer than the AF_XDP buffer can come), --out's 1600: frames
	 * of 1619-3014 bytes reach the forwarder and cannot leave it.
	 */
	static const struct drv afxdp = {
		.name = "afxdp",
		.send_max = 3000 + 14,
		.rx_max = (uint32_t)(NP_PAGE_SIZE - NP_XDP_HEADROOM - NP_SKB_SHINFO_SIZE),
		.tx_max = 1600 + 18,
		.good_max = 1514,
	};
	struct e2e_topo *t = &e->t;

	e->d = &afxdp;
	*t = (struct e2e_topo){ .driver = "afxdp" };
	e2e_topo_names(t, 'y', 204);
	e2e_veths(t, 3000, 1600);
	bf_hosts_up(e, 3000, 1600);
	return run_modes(e);
}

/* ---- the soak's traffic source ---- */

static volatile sig_atomic_t flood_stop;

static void flood_on_signal(int sig)
{
	(void)sig;
	flood_stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Udp InCsumErrors and RcvbufErrors, Ip ReasmFails of namespace @ns (false: unreadable). */
static bool snmp_read(const char *ns, uint64_t *csum, uint64_t *rcvbuf, uint64_t *reasm)
{
	char cmd[256], head[1024], vals[1024];
	unsigned int found = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ip netns exec %s cat /proc/net/snmp 2>/dev/null", ns);
	p = popen(cmd, "r");
	if (!p)
		return false;
	/* pairs of lines: "Proto: names..." then "Proto: values..." */
	while (fgets(head, sizeof(head), p) && fgets(vals, sizeof(vals), p)) {
		bool udp = !strncmp(head, "Udp: ", 5), ip = !strncmp(head, "Ip: ", 4);
		char *hs, *vs, *h = strtok_r(head, " \n", &hs), *v = strtok_r(vals, " \n", &vs);

		if (!udp && !ip)
			continue;
		while ((h = strtok_r(NULL, " \n", &hs)) && (v = strtok_r(NULL, " \n", &vs))) {
			uint64_t x = strtoull(v, NULL, 10);

			if (udp && !strcmp(h, "InCsumErrors"))
				*csum = x, found |= 1;
			else if (udp && !strcmp(h, "RcvbufErrors"))
				*rcvbuf = x, found |= 2;
			else if (ip && !strcmp(h, "ReasmFails"))
				*reasm = x, found |= 4;
		}
	}
	pclose(p);
	return found == 7;
}

/* argv: NS_A IF_A IP_A NS_B IP_B MAC_B SECONDS MTU [RATE] */
static int flood(int argc, char **argv)
{
	static const enum kind bad[] = {
		K_RUNT_HDR, K_RUNT, K_BAD_ETYPE, K_GARBAGE, K_IHL_SMALL, K_IHL_BIG, K_TOTLEN_LONG,
		K_TOTLEN_SHORT, K_VER6, K_IP_CSUM, K_UDP_TRUNC, K_UDP_BADLEN, K_TCP_BADOFF,
	};
	static unsigned char buf[65536];
	struct e2e_flow fl = { .sport = 40001, .dport = BF_FLOOD_PORT };
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(BF_FLOOD_PORT) };
	struct drv d = { .name = "flood", .rx_max = UINT32_MAX, .tx_max = UINT32_MAX };
	uint64_t udp_sent = 0, raw_good = 0, raw_bad = 0, refused = 0, got = 0, corrupt = 0;
	uint64_t rng = 0x5eedf100dULL, n = 0, csum0 = 0, csum1 = 0, rcvbuf0 = 0, rcvbuf1 = 0;
	uint64_t reasm0 = 0, reasm1 = 0, drops_a;
	bool have_snmp;
	char snmp[200];
	struct sigaction sa = { .sa_handler = flood_on_signal };
	unsigned int mtu, rate = 20000, mac[6], nb = 0;
	double secs, start, end, now;
	int src, raw, rx;

	if ((argc != 8 && argc != 9) || sscanf(argv[6], "%lf", &secs) != 1 || secs <= 0 ||
	    sscanf(argv[7], "%u", &mtu) != 1 || mtu < 576 || mtu > 9000 ||
	    (argc == 9 && (sscanf(argv[8], "%u", &rate) != 1 || !rate)) ||
	    sscanf(argv[5], "%x:%x:%x:%x:%x:%x", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4],
		   &mac[5]) != 6) {
		fprintf(stderr, "usage: test_e2e_badframes --flood NS_A IF_A IP_A NS_B IP_B MAC_B "
				"SECONDS MTU [FRAMES_PER_SECOND]\n");
		return 2;
	}
	for (int k = 0; k < 6; k++)
		fl.dst[k] = (unsigned char)mac[k];
	CHECK_EQ(inet_pton(AF_INET, argv[2], fl.sip), 1);
	CHECK_EQ(inet_pton(AF_INET, argv[4], fl.dip), 1);
	to.sin_addr = *(struct in_addr *)fl.dip;
	d.send_max = d.good_max = mtu + 14;
	src = e2e_udp_bound(argv[0], argv[2], 0);
	/*
	 * Without checksums when host A's interface would leave them to an
	 * offload (veth whose TX offload is on): the payload check still sees
	 * every byte
	 */
	if (getenv("NP_FLOOD_NO_CHECK")) {
		int one = 1;

		CHECK_EQ(setsockopt(src, SOL_SOCKET, SO_NO_CHECK, &one, sizeof(one)), 0);
	}
	raw = netns_packet_open(&(struct netns_packet){ .ns = argv[0], .ifname = argv[1],
							.sndbuf = 4 << 20 });
	CHECK(raw >= 0);
	rx = e2e_udp_bound(argv[3], argv[4], BF_FLOOD_PORT);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	have_snmp = snmp_read(argv[3], &csum0, &rcvbuf0, &reasm0);
	drops_a = e2e_link_drops(argv[0], argv[1]);
	start = now = now_s();
	end = start + secs;
	while (!flood_stop && now < end) {
		ssize_t r;
		uint32_t idx;

		for (int b = 0; b < 16; b++, n++) {
			uint32_t i = (uint32_t)n;

			if (n % 2 == 0) {
				/* through the kernel's stack: small, up to the MTU, and fragmented */
				const uint32_t lens[] = { 18, 64, 200, 512, 1000, 1472, mtu - 28,
							  mtu + 100, 2 * mtu, 3 * mtu - 100 };
				uint32_t len = lens[(n / 2) % NP_ARRAY_SIZE(lens)];

				e2e_payload(buf, len, i);
				if (sendto(src, buf, len, 0, (struct sockaddr *)&to, sizeof(to)) ==
				    (ssize_t)len)
					udp_sent++;
				else
					refused++;
				continue;
			}
			/* from the packet socket: a good frame of any length, every fourth one bad */
			frame_src(fl.src, i);
			if (n % 8 == 7) {
				enum kind k = bad[nb++ % NP_ARRAY_SIZE(bad)];
				uint32_t len = build_frame(buf, k, &d, false, false, &fl, &rng, i);

				if (e2e_raw_send(raw, buf, len))
					refused++;
				else
					raw_bad++;
			} else {
				uint32_t len = build_udp(buf, &fl, rand_range(&rng, 60, mtu + 14), i);

				if (e2e_raw_send(raw, buf, len))
					refused++;
				else
					raw_good++;
			}
		}
		/* read what arrived; hold the rate */
		do {
			while ((r = e2e_recv_one(rx, buf, sizeof(buf), 0, NULL)) > 0) {
				if (e2e_payload_ok(buf, (uint32_t)r, &idx) && idx < n)
					got++;
				else
					corrupt++;
			}
			now = now_s();
			if ((double)n / rate > now - start) {
				struct pollfd pf = { .fd = rx, .events = POLLIN };

				poll(&pf, 1, 1);
			}
		} while (!flood_stop && (double)n / rate > now - start && now < end);
	}
	/* the last ones on their way */
	for (unsigned int waited = 0; waited < 300;) {
		ssize_t r = e2e_recv_one(rx, buf, sizeof(buf), 50, &waited);
		uint32_t idx;

		if (r > 0 && e2e_payload_ok(buf, (uint32_t)r, &idx) && idx < n)
			got++;
		else if (r > 0)
			corrupt++;
	}
	close(src);
	close(raw);
	close(rx);
	/* B's kernel: a UDP checksum that fails is a frame changed on the way (ours are right) */
	if (have_snmp && snmp_read(argv[3], &csum1, &rcvbuf1, &reasm1)) {
		snprintf(snmp, sizeof(snmp), "; B's kernel: UDP checksum errors %llu, receive buffer "
			 "full %llu, reassembly failures %llu", (unsigned long long)(csum1 - csum0),
			 (unsigned long long)(rcvbuf1 - rcvbuf0), (unsigned long long)(reasm1 - reasm0));
	} else {
		csum1 = csum0;
		snprintf(snmp, sizeof(snmp), "; B's kernel counters unreadable");
	}
	drops_a = e2e_link_drops(argv[0], argv[1]) - drops_a;
	printf("flood: %.1fs, sent %llu (kernel UDP %llu datagrams, raw good %llu, raw bad %llu, "
	       "refused %llu; host A's interface dropped %llu), B received %llu datagrams intact, "
	       "%llu corrupt%s\n",
	       now_s() - start, (unsigned long long)(udp_sent + raw_good + raw_bad),
	       (unsigned long long)udp_sent, (unsigned long long)raw_good,
	       (unsigned long long)raw_bad, (unsigned long long)refused,
	       (unsigned long long)drops_a, (unsigned long long)got, (unsigned long long)corrupt,
	       snmp);
	return corrupt || csum1 != csum0 || !(udp_sent + raw_good + raw_bad) ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct bf_env e = { .rng = 0x9e3779b97f4a7c15ULL };
	const char *only = argc > 1 ? argv[1] : NULL, *seed = getenv("NP_E2E_SEED");
	int sub = (int)(getpid() % 200) + 20, rc_tap = 77, rc_x = 77;

	if (only && !strcmp(only, "--flood"))
		return flood(argc - 2, argv + 2);
	if (only && strcmp(only, "tap") && strcmp(only, "afxdp")) {
		fprintf(stderr, "usage: %s [tap|afxdp]\n", argv[0]);
		return 2;
	}
	if (seed)
		e.rng = strtoull(seed, NULL, 0) | 1;
	e2e_require();
	t_tool_path(argv[0], "netpool-fwd", e.tool, sizeof(e.tool));
	t_tool_path(argv[0], "netpool-stat", e.stat, sizeof(e.stat));
	printf("bad frames end to end, seed %#llx\n", (unsigned long long)e.rng);
	if (!only || !strcmp(only, "tap")) {
		rc_tap = run_tap(&e, sub);
		netns_del_all();
	}
	if (!only || !strcmp(only, "afxdp")) {
		rc_x = run_afxdp(&e);
		netns_del_all();
	}
	if (e.failures) {
		fprintf(stderr, "FAIL: %d checks failed\n", e.failures);
		return 1;
	}
	if (rc_tap == 77 && rc_x == 77)
		SKIP("no driver could run here (see above)");
	printf("bad frames: every frame counted or forwarded as its mode says, every buffer back\n");
	return 0;
}
