/* SPDX-License-Identifier: MIT */
/*
 * netpool-fwd as a VXLAN tunnel endpoint (--mode encap; AF_XDP on veth, then
 * TAP), checked by the Linux kernel's own vxlan device in host B: ping and a
 * TCP transfer both ways with every byte checked (iperf3 too when
 * installed), no header or checksum error in B's kernel, every VXLAN packet
 * of a capture of B's underlay sound, frames of the wrong VNI, flags or port
 * and malformed ARP counted and dropped, ARP answered both ways, the tunnel
 * counters adding up, netpool-fwd exit 0. docs/reliability.md ("End to
 * end") draws the topology.
 *
 *   test_e2e_vxlan [afxdp|tap]     one driver (default both; skip 77 when neither runs)
 */
#include "e2e.h"

#define VX_VNI		42
#define VX_TCP_PORT	5201
#define VX_TCP_BYTES	(4u << 20)

struct vx_env {
	struct e2e_topo t;			/* the driver, namespaces and links */
	char tool[4096];
	char vx[IFNAMSIZ];
	char in_a[32], in_b[32];		/* inner addresses: A's veth, B's vxlan device */
	char local[32], remote[32];		/* the tunnel: netpool-fwd's L, B's underlay R */
	char log[128], cap_file[128], cap_log[128];
	pid_t cap_pid;
	int failures;
};

#define VX_FAIL(e, ...)                                                          \
	do {                                                                     \
		fprintf(stderr, "FAIL %s: ", (e)->t.driver);                       \
		fprintf(stderr, __VA_ARGS__);                                    \
		fprintf(stderr, "\n");                                           \
		(e)->failures++;                                                 \
	} while (0)

static bool have_tool(const char *name)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
	return system(cmd) == 0;
}

/* ---- the hosts ---- */

/* A: the inner address on its link (MTU 1450, as B's vxlan device gets on a 1500 link). */
static void host_a_up(struct vx_env *e)
{
	char cidr[48];

	snprintf(cidr, sizeof(cidr), "%s/24", e->in_a);
	netns_offloads_off(e->t.ns_a, e->t.if_a);
	CHECK_EQ(netns_host(e->t.ns_a, e->t.if_a, cidr, 1450), 0);
}

/* B: the underlay address R, and a kernel vxlan device from R to L over it. */
static void host_b_up(struct vx_env *e)
{
	char cidr[48];

	snprintf(cidr, sizeof(cidr), "%s/24", e->remote);
	netns_offloads_off(e->t.ns_b, e->t.if_b);
	CHECK_EQ(netns_host(e->t.ns_b, e->t.if_b, cidr, 0), 0);
	CHECK_EQ(netns_ip(e->t.ns_b, "link add %s type vxlan id %d dstport 4789 local %s remote %s "
			  "dev %s", e->vx, VX_VNI, e->remote, e->local, e->t.if_b), 0);
	snprintf(cidr, sizeof(cidr), "%s/24", e->in_b);
	CHECK_EQ(netns_host(e->t.ns_b, e->vx, cidr, 0), 0);
}

/* ---- checks ---- */

/* @n pings from @ns to @addr, every one answered. */
static bool ping_all(const char *ns, const char *addr, unsigned int n)
{
	/* the first may wait for ARP on both sides of the tunnel */
	e2e_sh_rc("ip netns exec %s ping -c 1 -W 5 %s >/dev/null 2>&1", ns, addr);
	return e2e_sh_rc("ip netns exec %s ping -q -c %u -i 0.05 -W 2 %s 2>&1 | "
			 "grep -q ' 0%% packet loss'", ns, n, addr) == 0;
}

static unsigned char pattern(uint64_t k)
{
	return (unsigned char)((k * 0x9e3779b97f4a7c15ull) >> 56);
}

struct tcp_send {
	int fd;
	size_t len;
	size_t sent;
};

static void *tcp_sender(void *arg)
{
	struct tcp_send *s = arg;
	unsigned char buf[16384];

	while (s->sent < s->len) {
		size_t n = NP_MIN(sizeof(buf), s->len - s->sent);
		ssize_t w;

		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(s->sent + i);
		w = send(s->fd, buf, n, MSG_NOSIGNAL);
		if (w <= 0)
			break;
		s->sent += (size_t)w;
	}
	shutdown(s->fd, SHUT_WR);
	return NULL;
}

/*
 * A TCP connection from @ns_src to @addr:VX_TCP_PORT in @ns_dst carrying
 * @len bytes. Return: the bytes that arrived in order and intact.
 */
static size_t tcp_transfer(const char *ns_src, const char *ns_dst, const char *addr, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(VX_TCP_PORT) };
	struct timeval tv = { .tv_sec = 10 };
	struct tcp_send s = { .len = len };
	struct pollfd pf;
	unsigned char buf[16384];
	size_t got = 0;
	pthread_t th;
	int srv, conn, one = 1;

	CHECK_EQ(inet_pton(AF_INET, addr, &sa.sin_addr), 1);
	srv = e2e_socket_in(ns_dst, AF_INET, SOCK_STREAM, 0);
	setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	CHECK_EQ(bind(srv, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_EQ(listen(srv, 1), 0);
	s.fd = e2e_socket_in(ns_src, AF_INET, SOCK_STREAM, 0);
	setsockopt(s.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(s.fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "tcp: connect to %s: %s\n", addr, strerror(errno));
		close(s.fd);
		close(srv);
		return 0;
	}
	pf = (struct pollfd){ .fd = srv, .events = POLLIN };
	CHECK_EQ(poll(&pf, 1, 10000), 1);
	conn = accept(srv, NULL, NULL);
	CHECK(conn >= 0);
	setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	CHECK_EQ(pthread_create(&th, NULL, tcp_sender, &s), 0);
	for (;;) {
		ssize_t r = recv(conn, buf, sizeof(buf), 0);
		bool ok = true;

		if (r <= 0)
			break;
		for (ssize_t i = 0; i < r && ok; i++)
			ok = buf[i] == pattern(got + (size_t)i);
		if (!ok) {
			fprintf(stderr, "tcp: a byte changed near offset %zu\n", got);
			break;
		}
		got += (size_t)r;
	}
	/* a stuck sender gives up with its send timeout once the reader is gone */
	close(conn);
	pthread_join(th, NULL);
	close(s.fd);
	close(srv);
	return got;
}

__attribute__((format(printf, 1, 2))) static long long sh_count(const char *fmt, ...);

/* iperf3 for 2 s from @ns_src to @addr in @ns_dst (@reverse: the server sends). */
static bool iperf_ok(struct vx_env *e, const char *ns_src, const char *ns_dst, const char *addr,
		     bool reverse)
{
	char out[128], pidf[128];
	long long srv;
	int rc;

	snprintf(out, sizeof(out), "/tmp/netpool-e2e-vxlan-iperf-%d.log", (int)getpid());
	snprintf(pidf, sizeof(pidf), "/tmp/netpool-e2e-vxlan-iperf-%d.pid", (int)getpid());
	unlink(pidf);
	if (e2e_sh_rc("ip netns exec %s iperf3 -s -1 -D -I %s -B %s -p %d >/dev/null 2>&1", ns_dst,
		      pidf, addr, VX_TCP_PORT + 1))
		return false;
	t_sleep_ms(300);
	fflush(stdout);
	rc = e2e_sh_rc("ip netns exec %s timeout 20 iperf3 -c %s -p %d -t 2 %s >%s 2>&1", ns_src,
		       addr, VX_TCP_PORT + 1, reverse ? "-R" : "", out);
	if (rc) {
		fprintf(stderr, "%s: iperf3 %s%s failed:\n", e->t.driver, addr, reverse ? " -R" : "");
		e2e_dump(out);
	} else {
		e2e_sh_rc("grep -E 'receiver$' %s | sed 's/^/  iperf3 %s%s: /'", out,
			  reverse ? "reverse " : "", e->t.driver);
	}
	/* the one-off server ends with its client; if it did not, it goes by its pid */
	srv = sh_count("cat %s 2>/dev/null", pidf);
	if (srv > 1 && !kill((pid_t)srv, 0)) {
		kill((pid_t)srv, SIGTERM);
		t_sleep_ms(100);
	}
	unlink(pidf);
	unlink(out);
	return rc == 0;
}

/* Counter @name of namespace @ns's kernel (nstat, absolute). Return: its value, -1 if absent. */
static long long nstat_get(const char *ns, const char *name)
{
	char cmd[256], line[256];
	long long v = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ip netns exec %s nstat -asz %s 2>/dev/null", ns, name);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		char k[128];
		long long x;

		if (sscanf(line, "%127s %lld", k, &x) == 2 && !strcmp(k, name))
			v = x;
	}
	pclose(p);
	return v;
}

/* tcpdump on B's underlay, into e->cap_file, until cap_stop(). */
static bool cap_start(struct vx_env *e)
{
	char *cmd;
	pid_t pid;

	snprintf(e->cap_file, sizeof(e->cap_file), "/tmp/netpool-e2e-vxlan-%d.pcap", (int)getpid());
	snprintf(e->cap_log, sizeof(e->cap_log), "/tmp/netpool-e2e-vxlan-%d.cap", (int)getpid());
	/* at most 100000 packets: the checks need a few thousand */
	CHECK(asprintf(&cmd, "tcpdump -i %s -U -s 2048 -c 100000 -w %s 'udp port 4789 or arp'",
		       e->t.if_b, e->cap_file) > 0);
	pid = e2e_spawn_in(e->t.ns_b, cmd, e->cap_log);
	free(cmd);
	e->cap_pid = pid;
	for (int i = 0; i < 500; i++) {
		if (!e2e_sh_rc("grep -qs 'listening on' %s", e->cap_log))
			return true;
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			netns_untrack_pid(pid);
			e->cap_pid = 0;
			return false;
		}
		t_sleep_ms(10);
	}
	return false;
}

static void cap_stop(struct vx_env *e)
{
	if (e->cap_pid <= 0)
		return;
	t_sleep_ms(200);		/* the last packets written */
	kill(e->cap_pid, SIGINT);
	waitpid(e->cap_pid, NULL, 0);
	netns_untrack_pid(e->cap_pid);
	e->cap_pid = 0;
}

/* A number printed by a shell command (-1: none). */
__attribute__((format(printf, 1, 2))) static long long sh_count(const char *fmt, ...)
{
	char cmd[1024], line[64] = "";
	va_list ap;
	FILE *p;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (!fgets(line, sizeof(line), p))
		line[0] = '\0';
	pclose(p);
	return line[0] ? strtoll(line, NULL, 10) : -1;
}

/*
 * The capture: every VXLAN packet from L well formed with checksums that
 * verify, VNI 42. Return: the number of those packets (-1: a bad one).
 */
static long long cap_check(struct vx_env *e)
{
	char out[160];
	long long all, bad;

	snprintf(out, sizeof(out), "%s.txt", e->cap_file);
	if (have_tool("tshark")) {
		const char *o = "-o ip.check_checksum:TRUE -o udp.check_checksum:TRUE";
		char ours[128], filter[640];

		/*
		 * The outer layer (#1) of our packets: its IPv4 header checksum,
		 * UDP checksum (0: none), lengths against the frame, the VNI. (Not
		 * tshark's expert errors: its heuristics take the random inner
		 * payload for this protocol and that.)
		 */
		snprintf(ours, sizeof(ours), "ip.src#1==%s && udp.dstport#1==4789", e->local);
		snprintf(filter, sizeof(filter),
			 "%s && (ip.checksum.status#1 != 1 || udp.checksum.status#1 == 0 || "
			 "frame.len != ip.len#1 + 14 || udp.length#1 != ip.len#1 - 20 || "
			 "!vxlan || vxlan.vni != %d || !vxlan.flag_i || "
			 "vxlan.flags_reserved != 0 || vxlan.reserved8 != 0)", ours, VX_VNI);
		if (e2e_sh_rc("tshark -n -r %s %s -Y '%s' >%s 2>&1", e->cap_file, o, ours, out) ||
		    e2e_sh_rc("tshark -n -r %s %s -Y '%s' >>%s 2>&1", e->cap_file, o, filter,
			      out)) {
			e2e_dump(out);
			unlink(out);
			return -1;
		}
		all = sh_count("tshark -n -r %s %s -Y '%s' 2>/dev/null | wc -l", e->cap_file, o,
			       ours);
		bad = sh_count("tshark -n -r %s %s -Y '%s' 2>/dev/null | wc -l", e->cap_file, o,
			       filter);
		if (bad)
			e2e_sh_rc("tshark -n -r %s %s -V -Y '%s' 2>/dev/null | head -150 >&2",
				  e->cap_file, o, filter);
		printf("%s: tshark: %lld VXLAN packets from %s, %lld failing a check\n", e->t.driver,
		       all, e->local, bad);
	} else {
		all = sh_count("tcpdump -nn -vv -r %s 'src host %s and udp dst port 4789' "
			       "2>/dev/null | grep -c 'VXLAN, flags \\[I\\] (0x08), vni %d'",
			       e->cap_file, e->local, VX_VNI);
		bad = sh_count("tcpdump -nn -vv -r %s 'src host %s' 2>/dev/null | "
			       "grep -c -E 'bad cksum|bad udp cksum|truncated|length mismatch'",
			       e->cap_file, e->local);
		printf("%s: tcpdump -vv: %lld VXLAN packets from %s, %lld failing a check\n",
		       e->t.driver, all, e->local, bad);
	}
	unlink(out);
	return bad ? -1 : all;
}

/* ---- frames the forwarder must refuse ---- */

/*
 * From B's underlay to L: UDP with a right checksum carrying a VXLAN header
 * with @flags and @vni (to @port), then an inner Ethernet frame.
 */
static void send_vxlan(struct vx_env *e, int fd, uint8_t flags, uint32_t vni, uint16_t port)
{
	static unsigned char f[256];
	unsigned char payload[8 + 60] = { 0 };
	struct e2e_flow fl = { .sport = 40000, .dport = port };
	uint32_t len;

	memset(fl.dst, 0xff, 6);	/* broadcast: the forwarder takes group destinations */
	memcpy(fl.src, "\x02\x00\x00\x00\x0e\x0e", 6);
	CHECK_EQ(inet_pton(AF_INET, e->remote, fl.sip), 1);
	CHECK_EQ(inet_pton(AF_INET, e->local, fl.dip), 1);
	payload[0] = flags;
	payload[4] = (unsigned char)(vni >> 16);
	payload[5] = (unsigned char)(vni >> 8);
	payload[6] = (unsigned char)vni;
	memcpy(payload + 8, "\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x0e\x0f\x88\xb5", 14);
	len = e2e_frame_udp(f, &fl, payload, sizeof(payload));
	CHECK_EQ(e2e_raw_send(fd, f, len), 0);
}

/* ARP from B's underlay that is no ARP: cut short (@len bytes), or with an unknown operation. */
static void send_bad_arp(struct vx_env *e, int fd, uint32_t len, uint16_t op)
{
	unsigned char f[60] = { 0 };

	memset(f, 0xff, 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x0e\x0e", 6);
	e2e_put16(f + 12, 0x0806);
	e2e_put16(f + 14, 1);
	e2e_put16(f + 16, 0x0800);
	f[18] = 6;
	f[19] = 4;
	e2e_put16(f + 20, op);
	memcpy(f + 22, f + 6, 6);
	CHECK_EQ(inet_pton(AF_INET, e->remote, f + 28), 1);
	CHECK_EQ(inet_pton(AF_INET, e->local, f + 38), 1);
	CHECK_EQ(e2e_raw_send(fd, f, len), 0);
}

/* ---- one driver ---- */

static void tap_moved(struct vx_env *e)
{
	if (!e2e_taps_to_hosts(e->t.ns_f, e->t.fwd_in, e->t.ns_a, e->t.fwd_out, e->t.ns_b)) {
		if (!e2e_tool_alive())
			SKIP("netpool-fwd could not create TAP devices here");
		CHECK(0);
	}
}

/* Start the forwarder. Return: 0, 77 when the kernel refuses the driver. */
static int fwd_start(struct vx_env *e)
{
	char args[512];

	snprintf(e->log, sizeof(e->log), "/tmp/netpool-e2e-vxlan-%s-%d.log", e->t.driver,
		 (int)getpid());
	snprintf(args, sizeof(args),
		 "--driver %s --in %s --out %s --mode encap --vxlan-local %s --vxlan-remote %s "
		 "--vni %d --json", e->t.driver, e->t.fwd_in, e->t.fwd_out, e->local, e->remote, VX_VNI);
	e2e_tool_start(e->t.ns_f, e->tool, args, e->log);
	if (!strcmp(e->t.driver, "tap"))
		tap_moved(e);
	if (!e2e_tool_wait_ready(10000)) {
		if (!e2e_sh_rc("grep -q 'cannot open afxdp' %s", e->log)) {
			printf("SKIP afxdp: the kernel refuses AF_XDP here:\n");
			e2e_sh_rc("head -n 3 %s", e->log);
			unlink(e->log);
			return 77;
		}
		e2e_dump(e->log);
		CHECK(!"netpool-fwd did not start");
	}
	return 0;
}

static void run_checks(struct vx_env *e)
{
	static const char *const errs[] = { "IpInHdrErrors", "IpExtInCsumErrors",
					    "UdpInCsumErrors", "UdpInErrors", "TcpInCsumErrors" };
	char line[8192];
	const char *tot;
	size_t got;
	int raw, rc;
	long long pkts;
	bool have_cap;

	have_cap = cap_start(e);
	if (!have_cap)
		printf("%s: no capture (tcpdump did not start)\n", e->t.driver);

	/* ping, both ways */
	if (!ping_all(e->t.ns_a, e->in_b, 20))
		VX_FAIL(e, "ping A -> B through the tunnel lost packets");
	if (!ping_all(e->t.ns_b, e->in_a, 20))
		VX_FAIL(e, "ping B -> A through the tunnel lost packets");
	/*
	 * B learned L's MAC from the forwarder's own request; forgotten, B must
	 * ask, and the forwarder answer
	 */
	netns_ip_try(e->t.ns_b, "neigh del %s dev %s", e->local, e->t.if_b);
	if (!ping_all(e->t.ns_b, e->in_a, 5))
		VX_FAIL(e, "ping B -> A after B forgot the forwarder's MAC");
	if (e2e_sh_rc("ip -n %s neigh show %s dev %s | grep -q lladdr", e->t.ns_b, e->local,
		      e->t.if_b))
		VX_FAIL(e, "B has no MAC for the tunnel's address %s", e->local);

	/* TCP, both ways, every byte checked */
	got = tcp_transfer(e->t.ns_a, e->t.ns_b, e->in_b, VX_TCP_BYTES);
	if (got != VX_TCP_BYTES)
		VX_FAIL(e, "TCP A -> B: %zu of %u bytes intact", got, VX_TCP_BYTES);
	got = tcp_transfer(e->t.ns_b, e->t.ns_a, e->in_a, VX_TCP_BYTES);
	if (got != VX_TCP_BYTES)
		VX_FAIL(e, "TCP B -> A: %zu of %u bytes intact", got, VX_TCP_BYTES);

	/* what the forwarder must refuse: another VNI, unknown flags, another port, bad ARP */
	raw = netns_packet_open(&(struct netns_packet){ .ns = e->t.ns_b, .ifname = e->t.if_b,
							.sndbuf = 4 << 20 });
	CHECK(raw >= 0);
	send_vxlan(e, raw, 0x08, VX_VNI + 1, 4789);
	send_vxlan(e, raw, 0x0c, VX_VNI, 4789);
	send_vxlan(e, raw, 0x08, VX_VNI, 4790);
	send_bad_arp(e, raw, 30, 1);
	send_bad_arp(e, raw, 60, 7);
	close(raw);
	t_sleep_ms(200);

	if (have_cap) {
		cap_stop(e);
		pkts = cap_check(e);
		if (pkts < 1000)
			VX_FAIL(e, "the capture: %lld good VXLAN packets from %s (-1: a bad one)",
				pkts, e->local);
		if (!getenv("NP_E2E_KEEP"))
			unlink(e->cap_file);
		unlink(e->cap_log);
	}

	/* a load for a while (after the capture: its gigabytes are not worth checking) */
	if (have_tool("iperf3")) {
		if (!iperf_ok(e, e->t.ns_a, e->t.ns_b, e->in_b, false))
			VX_FAIL(e, "iperf3 A -> B");
		if (!iperf_ok(e, e->t.ns_a, e->t.ns_b, e->in_b, true))
			VX_FAIL(e, "iperf3 B -> A");
	} else {
		printf("%s: no iperf3 (the checked TCP transfers stand)\n", e->t.driver);
	}

	/* B's kernel took every packet as sound; so did A's */
	for (unsigned int i = 0; i < NP_ARRAY_SIZE(errs); i++) {
		long long b = nstat_get(e->t.ns_b, errs[i]), a = nstat_get(e->t.ns_a, errs[i]);

		if (b != 0 || a != 0)
			VX_FAIL(e, "%s: B %lld, A %lld (want 0, 0)", errs[i], b, a);
	}
	printf("%s: B's kernel: IpInReceives %lld, UdpInDatagrams %lld, IpInHdrErrors %lld, "
	       "IpExtInCsumErrors %lld, UdpInCsumErrors %lld\n", e->t.driver,
	       nstat_get(e->t.ns_b, "IpInReceives"), nstat_get(e->t.ns_b, "UdpInDatagrams"),
	       nstat_get(e->t.ns_b, "IpInHdrErrors"), nstat_get(e->t.ns_b, "IpExtInCsumErrors"),
	       nstat_get(e->t.ns_b, "UdpInCsumErrors"));

	/* the forwarder: a clean stop, every buffer back, counters that add up */
	rc = e2e_tool_stop();
	tot = e2e_total_line(e->log, line, sizeof(line));
	if (rc || !tot) {
		VX_FAIL(e, "netpool-fwd exit %d", rc);
		e2e_dump(e->log);
		return;
	}
	printf("%s: %s", e->t.driver, strstr(tot, "\"vxlan_encap\""));
	if (t_json_u64(tot, "vxlan_encap") < 2 * VX_TCP_BYTES / 1500 ||
	    t_json_u64(tot, "vxlan_decap") < 2 * VX_TCP_BYTES / 1500)
		VX_FAIL(e, "too few packets through the tunnel");
	if (!t_json_u64(tot, "arp_request_tx") || !t_json_u64(tot, "arp_learned") ||
	    !t_json_u64(tot, "arp_reply_tx"))
		VX_FAIL(e, "no ARP exchange with B (request, learned, reply)");
	if (t_json_u64(tot, "vxlan_rx_vni") != 1 || t_json_u64(tot, "vxlan_rx_bad") != 1 ||
	    t_json_u64(tot, "vxlan_rx_other") != 1)
		VX_FAIL(e, "the refused frames are not counted one each (vni, bad, other)");
	if (t_json_u64(tot, "arp_bad") != 2)
		VX_FAIL(e, "the two bad ARP frames are not counted");
	if (t_json_u64(tot, "vxlan_encap_fail") || t_json_u64(tot, "vxlan_rx_frag") ||
	    t_json_u64(tot, "vxlan_rx_nomem"))
		VX_FAIL(e, "unexpected failures in the totals");
	if (!e->failures)
		unlink(e->log);
	else
		e2e_dump(e->log);
}

static int run_driver(struct vx_env *e, const char *driver, int sub)
{
	int pid = (int)getpid(), rc;
	bool tap = !strcmp(driver, "tap");

	e->t.driver = driver;
	e->t.ns_a = e2e_ns_new(tap ? "wa" : "va");
	e->t.ns_b = e2e_ns_new(tap ? "wb" : "vb");
	e->t.ns_f = e2e_ns_new(tap ? "wf" : "vf");
	snprintf(e->t.fwd_in, sizeof(e->t.fwd_in), "np%sc%d", tap ? "w" : "v", pid);
	snprintf(e->t.fwd_out, sizeof(e->t.fwd_out), "np%sd%d", tap ? "w" : "v", pid);
	snprintf(e->vx, sizeof(e->vx), "npvx%d", pid);
	snprintf(e->in_a, sizeof(e->in_a), "10.205.%d.1", sub);
	snprintf(e->in_b, sizeof(e->in_b), "10.205.%d.2", sub);
	snprintf(e->local, sizeof(e->local), "10.206.%d.1", sub);
	snprintf(e->remote, sizeof(e->remote), "10.206.%d.2", sub);
	if (tap) {
		/* the forwarder's TAP devices become the hosts' interfaces */
		memcpy(e->t.if_a, e->t.fwd_in, sizeof(e->t.if_a));
		memcpy(e->t.if_b, e->t.fwd_out, sizeof(e->t.if_b));
		rc = fwd_start(e);
		host_a_up(e);
		host_b_up(e);
	} else {
		snprintf(e->t.if_a, sizeof(e->t.if_a), "npva%d", pid);
		snprintf(e->t.if_b, sizeof(e->t.if_b), "npvb%d", pid);
		e2e_veths(&e->t, 0, 0);
		host_a_up(e);
		host_b_up(e);
		rc = fwd_start(e);
	}
	if (rc == 0)
		run_checks(e);
	netns_del_all();	/* every namespace of this driver's run, before the next */
	return rc;
}

int main(int argc, char **argv)
{
	struct vx_env e = { 0 };
	const char *only = argc > 1 ? argv[1] : NULL;
	int sub = (int)(getpid() % 200) + 20, rc_x = 77, rc_tap = 77;

	if (only && strcmp(only, "tap") && strcmp(only, "afxdp")) {
		fprintf(stderr, "usage: %s [afxdp|tap]\n", argv[0]);
		return 2;
	}
	e2e_require();
	if (!have_tool("ping") || !have_tool("nstat"))
		SKIP("ping or nstat (iproute2) is not installed");
	t_tool_path(argv[0], "netpool-fwd", e.tool, sizeof(e.tool));
	if (!only || !strcmp(only, "afxdp")) {
		if (!have_tool("ethtool"))
			printf("SKIP afxdp: ethtool is not installed (needed to turn veth checksum "
			       "offload off)\n");
		else
			rc_x = run_driver(&e, "afxdp", sub);
	}
	if (!only || !strcmp(only, "tap")) {
		if (access("/dev/net/tun", R_OK | W_OK))
			printf("SKIP tap: /dev/net/tun is not available\n");
		else
			rc_tap = run_driver(&e, "tap", sub);
	}
	if (e.failures) {
		fprintf(stderr, "FAIL: %d checks failed\n", e.failures);
		return 1;
	}
	if (rc_x == 77 && rc_tap == 77)
		SKIP("neither AF_XDP nor TAP could run here (see above)");
	printf("vxlan: a Linux vxlan device talks through netpool-fwd both ways, every packet "
	       "sound, every buffer back\n");
	return 0;
}
