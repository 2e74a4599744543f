/* SPDX-License-Identifier: MIT */
/*
 * End-to-end test helpers: the tool in a namespace, kernel-side UDP, raw
 * frames, the forwarder's counters, every netpool-fwd mode between two hosts
 * (e2e.h says what each does).
 */
#include "e2e.h"

int e2e_fails;

pid_t e2e_tool_pid;

/* ---- shell commands, namespaces, the tool ---- */

static int sh_v(const char *fmt, va_list ap, char *cmd, size_t len)
	__attribute__((format(printf, 1, 0)));
static int sh_v(const char *fmt, va_list ap, char *cmd, size_t len)
{
	int st;

	vsnprintf(cmd, len, fmt, ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void e2e_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = sh_v(fmt, ap, cmd, sizeof(cmd));
	va_end(ap);
	if (rc) {
		fprintf(stderr, "FAIL: command failed: %s\n", cmd);
		exit(1);
	}
}

int e2e_sh_rc(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = sh_v(fmt, ap, cmd, sizeof(cmd));
	va_end(ap);
	return rc;
}

void e2e_require(void)
{
	if (geteuid() != 0)
		SKIP("needs root for network namespaces");
	if (!netns_have_ip())
		SKIP("the ip tool (iproute2) is not installed");
}

const char *e2e_ns_new(const char *tag)
{
	const char *name;
	int err = netns_add(tag, &name);

	if (err == -EPERM)
		SKIP("the kernel refuses network namespaces");
	CHECK_EQ(err, 0);
	return name;
}

/* Start "ip netns exec @ns @tool @args" with stdout+stderr into @log. */
pid_t e2e_spawn_in(const char *ns, const char *cmd, const char *log)
{
	int sync[2];
	char *line;
	pid_t pid;

	CHECK(asprintf(&line, "exec ip netns exec %s %s >%s 2>&1", ns, cmd, log) > 0);
	t_exec_pipe(sync);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		t_exec_child(sync);	/* sh, ip and the tool keep this pid */
		execl("/bin/sh", "sh", "-c", line, (char *)NULL);
		_exit(127);
	}
	t_exec_wait(sync);
	free(line);
	netns_track_pid(pid);	/* killed before the namespaces go */
	return pid;
}

void e2e_tool_start(const char *ns, const char *tool, const char *args, const char *log)
{
	char *cmd;

	CHECK(asprintf(&cmd, "%s %s", tool, args) > 0);
	e2e_tool_pid = e2e_spawn_in(ns, cmd, log);
	free(cmd);
}

/* Stop the tool with SIGTERM (a clean stop) and return its exit status. */
int e2e_tool_stop(void)
{
	int st;

	CHECK(e2e_tool_pid > 0);
	kill(e2e_tool_pid, SIGTERM);
	CHECK_EQ(waitpid(e2e_tool_pid, &st, 0), e2e_tool_pid);
	netns_untrack_pid(e2e_tool_pid);
	e2e_tool_pid = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

bool e2e_tool_alive(void)
{
	if (e2e_tool_pid <= 0)
		return false;
	if (waitpid(e2e_tool_pid, NULL, WNOHANG) == 0)
		return true;
	/* it exited (now reaped) */
	netns_untrack_pid(e2e_tool_pid);
	e2e_tool_pid = 0;
	return false;
}

void e2e_tool_kill(void)
{
	siginfo_t si;
	char path[64];

	CHECK(e2e_tool_pid > 0);
	CHECK_EQ(kill(e2e_tool_pid, SIGKILL), 0);
	/* exited, not reaped: no other process can have the pid yet */
	while (waitid(P_PID, (id_t)e2e_tool_pid, &si, WEXITED | WNOWAIT) < 0)
		CHECK_EQ(errno, EINTR);
	if (!np_stats_export_path(e2e_tool_pid, path, sizeof(path)))
		unlink(path);
	while (e2e_tool_alive())
		t_sleep_ms(1);
}

void e2e_dump(const char *log)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "tail -n 30 %s >&2", log);
	if (system(cmd)) {
		/* nothing to show */
	}
}

int e2e_socket_in(const char *ns, int domain, int type, int proto)
{
	int fd = netns_socket(ns, domain, type, proto);

	CHECK(fd >= 0);
	return fd;
}

int e2e_udp_bound(const char *ns, const char *addr, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = e2e_socket_in(ns, AF_INET, SOCK_DGRAM, 0);
	int big = 8 << 20;

	CHECK_EQ(inet_pton(AF_INET, addr, &sa.sin_addr), 1);
	CHECK_EQ(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	return fd;
}

/* Payload i: its index then bytes derived from it, @len bytes. */
void e2e_payload(unsigned char *p, uint32_t len, uint32_t i)
{
	memcpy(p, &i, sizeof(i));
	for (uint32_t k = sizeof(i); k < len; k++)
		p[k] = (unsigned char)(i * 7 + k);
}

bool e2e_payload_ok(const unsigned char *p, uint32_t len, uint32_t *idx)
{
	uint32_t i;

	if (len < sizeof(i))
		return false;
	memcpy(&i, p, sizeof(i));
	for (uint32_t k = sizeof(i); k < len; k++)
		if (p[k] != (unsigned char)(i * 7 + k))
			return false;
	*idx = i;
	return true;
}

/*
 * Wait up to @poll_ms for one datagram or frame on @fd into @buf.
 * Return: its length, 0 when none came in time (*@waited advanced), -1 on a
 * failed receive.
 */
ssize_t e2e_recv_one(int fd, unsigned char *buf, size_t len, int poll_ms, unsigned int *waited)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };

	if (poll(&pf, 1, poll_ms) <= 0) {
		if (waited)
			*waited += (unsigned int)poll_ms;
		return 0;
	}
	return recv(fd, buf, len, MSG_DONTWAIT);
}

/* Sort one received datagram into @r: ours and new, a duplicate, or corrupt. */
static void e2e_udp_count(struct e2e_udp_result *r, uint8_t *seen, uint32_t n,
			  const unsigned char *buf, ssize_t got)
{
	uint32_t idx;

	if (!e2e_payload_ok(buf, (uint32_t)got, &idx) || idx >= n)
		r->corrupt++;
	else if (seen[idx]++)
		r->dup++;
	else
		r->received++;
}

/*
 * Send @n datagrams (lengths cycling through @lens) from @src to @dst_addr:@port
 * and receive them on @rx, paced so a small ring is not overrun; wait up to
 * @wait_ms for stragglers.
 */
struct e2e_udp_result e2e_udp_run(int src, int rx, const char *dst_addr, uint16_t port, uint32_t n,
				  const uint32_t *lens, unsigned int nlens, unsigned int wait_ms)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
	static unsigned char buf[65536];
	struct e2e_udp_result r = { 0 };
	uint8_t *seen = calloc(n, 1);
	ssize_t got;

	CHECK(seen);
	CHECK_EQ(inet_pton(AF_INET, dst_addr, &to.sin_addr), 1);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t len = lens[i % nlens];

		e2e_payload(buf, len, i);
		if (sendto(src, buf, len, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)len)
			r.sent++;
		/* every 32: drain what has arrived so far, and let the forwarder keep up */
		if (i % 32 == 31)
			while ((got = e2e_recv_one(rx, buf, sizeof(buf), 1, NULL)) > 0)
				e2e_udp_count(&r, seen, n, buf, got);
	}
	for (unsigned int waited = 0; waited < wait_ms && r.received + r.corrupt < r.sent;)
		if ((got = e2e_recv_one(rx, buf, sizeof(buf), 50, &waited)) > 0)
			e2e_udp_count(&r, seen, n, buf, got);
	free(seen);
	return r;
}

/* The "total" JSON line of a netpool-fwd log, or NULL. */
const char *e2e_total_line(const char *log, char *buf, size_t len)
{
	FILE *f = fopen(log, "r");
	const char *found = NULL;

	if (!f)
		return NULL;
	while (fgets(buf, (int)len, f))
		if (strstr(buf, "{\"type\": \"total\"")) {
			found = buf;
			break;
		}
	fclose(f);
	return found;
}

/* Kernel-counted drops on an interface (the TAP queue overflows under a burst). */
uint64_t e2e_link_drops(const char *ns, const char *ifname)
{
	char cmd[512];
	uint64_t rx = 0, tx = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "ip netns exec %s cat /sys/class/net/%s/statistics/rx_dropped "
		 "/sys/class/net/%s/statistics/tx_dropped 2>/dev/null",
		 ns, ifname, ifname);
	p = popen(cmd, "r");
	if (!p)
		return 0;
	if (fscanf(p, "%" SCNu64 " %" SCNu64, &rx, &tx) != 2)
		rx = tx = 0;
	pclose(p);
	return rx + tx;
}

/* Frames on @fd (a packet socket) that carry one of our datagrams behind the encap header. */
uint32_t e2e_count_encap(int fd, uint32_t want, unsigned int wait_ms)
{
	static unsigned char buf[65536];
	uint32_t n = 0;

	for (unsigned int waited = 0; waited < wait_ms && n < want;) {
		ssize_t got = e2e_recv_one(fd, buf, sizeof(buf), 50, &waited);
		uint32_t idx;

		/* outer: Ethernet, IPv4, UDP to 4789, VXLAN; inner: Ethernet, IPv4, UDP, payload */
		if (got < 50 + 42 + 4 || buf[12] != 0x08 || buf[13] != 0x00 || buf[23] != 17 ||
		    buf[36] != 0x12 || buf[37] != 0xb5)
			continue;
		if (e2e_payload_ok(buf + 92, (uint32_t)got - 92, &idx))
			n++;
	}
	return n;
}

uint64_t e2e_pcap_each(const char *path,
		       void (*fn)(const unsigned char *data, uint32_t caplen, uint32_t len, void *arg),
		       void *arg)
{
	uint32_t hdr[6], rec[4];
	static unsigned char buf[70000];
	uint64_t n = 0;
	FILE *f = fopen(path, "rb");

	CHECK(f);
	CHECK_EQ(fread(hdr, sizeof(hdr), 1, f), 1);
	CHECK_EQ(hdr[0], 0xa1b2c3d4u);
	while (fread(rec, sizeof(rec), 1, f) == 1) {
		CHECK(rec[2] <= sizeof(buf));
		CHECK_EQ(fread(buf, 1, rec[2], f), rec[2]);
		n++;
		if (fn)
			fn(buf, rec[2], rec[3], arg);
	}
	fclose(f);
	return n;
}

uint64_t e2e_pcap_count(const char *path)
{
	return e2e_pcap_each(path, NULL, NULL);
}


/* ---- raw frames: packet sockets, hand-built frames, what the forwarder counted ---- */

/* The number after "@key" on @line, 0 when it is not there (drop_* appear only when non-zero). */
uint64_t e2e_json_u64_or0(const char *line, const char *key)
{
	const char *p = t_json_at(line, key);

	return p ? strtoull(p, NULL, 10) : 0;
}

/*
 * Every "drop_REASON": N of @line, summed; the ones not in @allowed (a list
 * of reasons, e.g. "NOT_SPECIFIED FULL_RING") are written into @other
 * ("REASON=N ...", empty when none).
 */
uint64_t e2e_json_drops(const char *line, const char *allowed, char *other, size_t len)
{
	const char *p = line;
	uint64_t sum = 0;

	other[0] = '\0';
	while ((p = strstr(p, "\"drop_"))) {
		char name[64];
		const char *q = p + 6, *e = strchr(q, '"');
		uint64_t v;

		if (!e || e - q >= (long)sizeof(name) || e[1] != ':')
			break;
		memcpy(name, q, (size_t)(e - q));
		name[e - q] = '\0';
		v = strtoull(e + 2, NULL, 10);
		sum += v;
		if (!strstr(allowed, name))
			snprintf(other + strlen(other), len - strlen(other), "%s%s=%llu",
				 other[0] ? " " : "", name, (unsigned long long)v);
		p = e;
	}
	return sum;
}

/* Send one whole frame on a packet socket. Return: 0 or -errno (what the kernel refused). */
int e2e_raw_send(int fd, const void *frame, size_t len)
{
	ssize_t n;

	do
		n = send(fd, frame, len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

/*
 * Wait up to @poll_ms for one frame on packet socket @fd; frames this host
 * sent (PACKET_OUTGOING) are skipped when @incoming, kept otherwise (and
 * *@outgoing says which it was). Return: its length, 0 when none came in
 * time (*@waited advanced), -1 on a failed receive.
 */
ssize_t e2e_recv_frame(int fd, unsigned char *buf, size_t len, int poll_ms, unsigned int *waited,
		       bool *outgoing)
{
	for (;;) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n;

		if (poll(&pf, 1, poll_ms) <= 0) {
			if (waited)
				*waited += (unsigned int)poll_ms;
			return 0;
		}
		n = recvfrom(fd, buf, len, MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		if (outgoing)
			*outgoing = from.sll_pkttype == PACKET_OUTGOING;
		else if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		return n;
	}
}

/* The Internet checksum of @len bytes, @sum carried in. */
uint32_t e2e_csum_add(uint32_t sum, const unsigned char *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

uint16_t e2e_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Who a hand-built frame is from and to. */
/*
 * An Ethernet + IPv4 + UDP frame of @fl carrying @plen bytes of @payload,
 * with both checksums right (a receiving kernel checks them: these frames
 * arrive intact or not at all). Return: the frame's length.
 */
uint32_t e2e_frame_udp(unsigned char *f, const struct e2e_flow *fl, const unsigned char *payload,
		       uint32_t plen)
{
	unsigned char *ip = f + 14, *udp = f + 34;
	uint32_t sum;

	memcpy(f, fl->dst, 6);
	memcpy(f + 6, fl->src, 6);
	e2e_put16(f + 12, 0x0800);
	ip[0] = 0x45;
	ip[1] = 0;
	e2e_put16(ip + 2, (uint16_t)(20 + 8 + plen));
	e2e_put16(ip + 4, 0);
	e2e_put16(ip + 6, 0x4000);	/* DF */
	ip[8] = 64;
	ip[9] = 17;
	e2e_put16(ip + 10, 0);
	memcpy(ip + 12, fl->sip, 4);
	memcpy(ip + 16, fl->dip, 4);
	e2e_put16(ip + 10, e2e_csum_fold(e2e_csum_add(0, ip, 20)));
	e2e_put16(udp, fl->sport);
	e2e_put16(udp + 2, fl->dport);
	e2e_put16(udp + 4, (uint16_t)(8 + plen));
	e2e_put16(udp + 6, 0);
	memmove(udp + 8, payload, plen);
	/* the pseudo header, then the datagram */
	sum = e2e_csum_add(0, ip + 12, 8) + 17 + 8 + plen;
	sum = e2e_csum_add(sum, udp, 8 + plen);
	sum = e2e_csum_fold(sum);
	e2e_put16(udp + 6, sum ? (uint16_t)sum : 0xffff);
	return 14 + 20 + 8 + plen;
}

bool e2e_fwd_qstats(const char *stat, pid_t pid, const char *dev, struct e2e_qstats *q)
{
	char cmd[4200], line[8192], want[64];
	bool any = false;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s --pid %d --json 2>/dev/null", stat, (int)pid);
	snprintf(want, sizeof(want), "\"dev\": \"%s\"", dev);
	memset(q, 0, sizeof(*q));
	p = popen(cmd, "r");
	if (!p)
		return false;
	while (fgets(line, sizeof(line), p)) {
		if (!strstr(line, "\"type\": \"queue\"") || !strstr(line, want))
			continue;
		q->rx_packets += e2e_json_u64_or0(line, "rx_packets");
		q->rx_bad_desc += e2e_json_u64_or0(line, "rx_bad_desc");
		q->rx_nomem += e2e_json_u64_or0(line, "rx_nomem");
		q->tx_packets += e2e_json_u64_or0(line, "tx_packets");
		q->tx_busy += e2e_json_u64_or0(line, "tx_busy");
		q->tx_dropped += e2e_json_u64_or0(line, "tx_dropped");
		any = true;
	}
	pclose(p);
	return any;
}

/* Wait until the tool (e2e_tool_pid) publishes its statistics: its devices are open. */
bool e2e_tool_wait_ready(unsigned int ms)
{
	for (unsigned int i = 0; i < ms / 10; i++) {
		/* its own object: one a killed process left under a pid reused now does not count */
		if (!np_stats_export_check(e2e_tool_pid))
			return true;
		if (!e2e_tool_alive())
			return false;
		t_sleep_ms(10);
	}
	return false;
}

/* ---- every netpool-fwd mode between two hosts ---- */

void e2e_topo_names(struct e2e_topo *t, char tag, unsigned int net)
{
	int pid = (int)getpid(), sub = pid % 200 + 20;
	char ns[3] = { tag, 'a', '\0' };

	t->ns_a = e2e_ns_new(ns);
	ns[1] = 'b';
	t->ns_b = e2e_ns_new(ns);
	ns[1] = 'f';
	t->ns_f = e2e_ns_new(ns);
	snprintf(t->if_a, sizeof(t->if_a), "np%ca%d", tag, pid);
	snprintf(t->if_b, sizeof(t->if_b), "np%cb%d", tag, pid);
	snprintf(t->fwd_in, sizeof(t->fwd_in), "np%cc%d", tag, pid);
	snprintf(t->fwd_out, sizeof(t->fwd_out), "np%cd%d", tag, pid);
	snprintf(t->ip_a, sizeof(t->ip_a), "10.%u.%d.1", net, sub);
	snprintf(t->ip_b, sizeof(t->ip_b), "10.%u.%d.2", net, sub);
}

void e2e_veths(struct e2e_topo *t, unsigned mtu_in, unsigned mtu_out)
{
	CHECK_EQ(netns_veth(t->if_a, t->ns_a, t->fwd_in, t->ns_f, 0), 0);
	CHECK_EQ(netns_veth(t->if_b, t->ns_b, t->fwd_out, t->ns_f, 0), 0);
	CHECK_EQ(netns_ipv6_off(t->ns_f, t->fwd_in), 0);
	CHECK_EQ(netns_ipv6_off(t->ns_f, t->fwd_out), 0);
	CHECK_EQ(netns_link_up(t->ns_f, t->fwd_in, mtu_in), 0);
	CHECK_EQ(netns_link_up(t->ns_f, t->fwd_out, mtu_out), 0);
}

/* @ifname in @ns up with MAC @mac and MTU @mtu (0: as it is). */
static void host_link_up(const char *ns, const char *ifname, const char *mac, unsigned mtu)
{
	char m[32] = "";

	if (mtu)
		snprintf(m, sizeof(m), " mtu %u", mtu);
	CHECK_EQ(netns_ip(ns, "link set %s address %s%s up", ifname, mac, m), 0);
}

void e2e_hosts_config(struct e2e_topo *t, unsigned mtu_a, unsigned mtu_b, bool neigh)
{
	char cidr[48];

	host_link_up(t->ns_a, t->if_a, "02:00:00:aa:00:01", mtu_a);
	host_link_up(t->ns_b, t->if_b, "02:00:00:bb:00:02", mtu_b);
	snprintf(cidr, sizeof(cidr), "%s/24", t->ip_a);
	CHECK_EQ(netns_addr_add(t->ns_a, t->if_a, cidr), 0);
	snprintf(cidr, sizeof(cidr), "%s/24", t->ip_b);
	CHECK_EQ(netns_addr_add(t->ns_b, t->if_b, cidr), 0);
	if (!neigh)
		return;
	/* static neighbours: the modes that are no bridge carry no ARP */
	CHECK_EQ(netns_ip(t->ns_a, "neigh replace %s lladdr 02:00:00:bb:00:02 dev %s", t->ip_b,
			  t->if_a), 0);
	CHECK_EQ(netns_ip(t->ns_b, "neigh replace %s lladdr 02:00:00:aa:00:01 dev %s", t->ip_a,
			  t->if_b), 0);
}

void e2e_hosts_up(struct e2e_topo *t)
{
	e2e_hosts_config(t, 0, 0, true);
}

bool e2e_taps_to_hosts(const char *ns_f, const char *fwd_in, const char *ns_a, const char *fwd_out,
		       const char *ns_b)
{
	if (!netns_wait_link(ns_f, fwd_in, 5000) || !netns_wait_link(ns_f, fwd_out, 5000))
		return false;
	CHECK_EQ(netns_link_move(ns_f, fwd_in, ns_a), 0);
	CHECK_EQ(netns_link_move(ns_f, fwd_out, ns_b), 0);
	return true;
}

/*
 * netpool-fwd in F in every mode, UDP from A to B through it:
 *   fwd, capture  every datagram arrives intact (only drops the counters name
 *                 are allowed); capture's pcap file holds what it captured
 *                 (and tcpdump reads it when installed)
 *   encap         B's interface sees each datagram behind the 50-byte outer
 *                 header (with a packet socket: the frames are not for B's MAC)
 *   sockq, drop   the forwarder receives every datagram, none leaves
 * and netpool-fwd stops on SIGTERM with exit 0 (every buffer came back).
 * Return: 0, or 1 after printing what failed.
 */
int e2e_run_modes(struct e2e_topo *t, const char *tool)
{
	static const char *const modes[] = { "fwd", "capture", "encap", "sockq", "drop" };
	static const uint32_t lens[] = { 18, 100, 512, 1000, 1400, 1472 };
	char log[128], pcap[128], args[1024], line[8192];

	snprintf(log, sizeof(log), "/tmp/netpool-e2e-%s-%d.log", t->driver, (int)getpid());
	snprintf(pcap, sizeof(pcap), "/tmp/netpool-e2e-%s-%d.pcap", t->driver, (int)getpid());
	for (unsigned int m = 0; m < NP_ARRAY_SIZE(modes); m++) {
		const char *mode = modes[m];
		bool bridge = !strcmp(mode, "fwd") || !strcmp(mode, "capture");
		bool encap = !strcmp(mode, "encap"), capture = !strcmp(mode, "capture");
		struct e2e_udp_result r;
		uint64_t drops, tool_drops;
		const char *tot;
		int src, rx, pkt = -1, rc;

		snprintf(args, sizeof(args),
			 "--driver %s --in %s --out %s --mode %s --json %s %s %s", t->driver,
			 t->fwd_in, t->fwd_out, mode, capture ? "--pcap" : "", capture ? pcap : "",
			 encap ? E2E_VXLAN_ARGS : "");
		e2e_tool_start(t->ns_f, tool, args, log);
		if (t->started)
			t->started(t);
		else
			t_sleep_ms(500);
		if (!e2e_tool_alive()) {
			e2e_dump(log);
			fprintf(stderr, "%s: netpool-fwd exited at start\n", mode);
			return 1;
		}
		src = e2e_udp_bound(t->ns_a, t->ip_a, 0);
		rx = e2e_udp_bound(t->ns_b, t->ip_b, E2E_PORT);
		if (encap) {
			pkt = netns_packet_open(&(struct netns_packet){ .ns = t->ns_b, .ifname = t->if_b,
									.proto = ETH_P_ALL,
									.rcvbuf = 8 << 20 });
			CHECK(pkt >= 0);
		}
		r = e2e_udp_run(src, rx, t->ip_b, E2E_PORT, E2E_NSEND, lens, NP_ARRAY_SIZE(lens),
				bridge ? 2000 : 300);
		CHECK_EQ(r.sent, E2E_NSEND);
		CHECK_EQ(r.corrupt, 0);
		CHECK_EQ(r.dup, 0);
		drops = e2e_link_drops(t->ns_a, t->if_a) + e2e_link_drops(t->ns_b, t->if_b);
		if (bridge) {
			if (r.received + drops < r.sent) {
				fprintf(stderr, "%s: sent %u received %u, kernel drops %llu\n", mode,
					r.sent, r.received, (unsigned long long)drops);
				e2e_dump(log);
				return 1;
			}
		} else {
			CHECK_EQ(r.received, 0);
		}
		if (encap) {
			uint32_t seen = e2e_count_encap(pkt, r.sent, 2000);

			if (seen + drops < r.sent) {
				fprintf(stderr, "encap: %u of %u seen behind the outer header\n", seen,
					r.sent);
				return 1;
			}
			close(pkt);
		}
		close(src);
		close(rx);
		t_sleep_ms(100);
		rc = e2e_tool_stop();
		tot = e2e_total_line(log, line, sizeof(line));
		if (rc != 0 || !tot) {
			fprintf(stderr, "%s: netpool-fwd exit %d\n", mode, rc);
			e2e_dump(log);
			return 1;
		}
		tool_drops = t_json_u64(tot, "rx_nomem") + t_json_u64(tot, "tx_busy");
		/* every datagram reached the forwarder (the kernel may add frames of its own) */
		CHECK(t_json_u64(tot, "rx_packets") + drops + tool_drops >= E2E_NSEND);
		CHECK_EQ(t_json_u64(tot, "rx_bad_desc"), 0);
		if (capture) {
			uint64_t cap = t_json_u64(tot, "captured");

			CHECK(cap >= r.received);
			CHECK_EQ(e2e_pcap_count(pcap), cap);
			if (!access("/usr/bin/tcpdump", X_OK) || !access("/usr/sbin/tcpdump", X_OK))
				CHECK_EQ(e2e_sh_rc("tcpdump -nn -r %s 2>/dev/null | grep -q UDP", pcap),
					 0);
			unlink(pcap);
		}
		printf("%-6s %-8s sent %u received %u (kernel drops %llu), forwarder rx %llu\n",
		       t->driver, mode, r.sent, r.received, (unsigned long long)drops,
		       (unsigned long long)t_json_u64(tot, "rx_packets"));
	}
	unlink(log);
	return 0;
}

