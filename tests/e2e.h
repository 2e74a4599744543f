/* SPDX-License-Identifier: MIT */
/*
 * End-to-end test helpers: network namespaces made for the test (names with
 * the pid in them, removed on every exit path), netpool-fwd run inside one
 * of them, and a kernel-side UDP sender and receiver in the others (sockets
 * opened inside a namespace with setns(), so the test process itself talks
 * from both sides). Traffic only ever goes to the test's own interfaces.
 */
#ifndef NETPOOL_TEST_E2E_H
#define NETPOOL_TEST_E2E_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <libgen.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testutil.h"

#define E2E_MAX_NS	4

static char e2e_ns[E2E_MAX_NS][32];
static int e2e_nns;
static pid_t e2e_tool_pid;
static pid_t e2e_owner;

static inline void e2e_cleanup(void)
{
	char cmd[256];

	if (getpid() != e2e_owner)
		return;
	if (e2e_tool_pid > 0) {
		kill(e2e_tool_pid, SIGKILL);
		waitpid(e2e_tool_pid, NULL, 0);
		e2e_tool_pid = 0;
	}
	for (int i = 0; i < e2e_nns; i++) {
		snprintf(cmd, sizeof(cmd), "ip netns del %s 2>/dev/null", e2e_ns[i]);
		if (system(cmd)) {
			/* already gone */
		}
	}
	e2e_nns = 0;
}

static inline void e2e_on_signal(int sig)
{
	e2e_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Run a shell command; fail the test when it fails. */
__attribute__((format(printf, 1, 2))) static inline void e2e_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd)) {
		fprintf(stderr, "FAIL: command failed: %s\n", cmd);
		exit(1);
	}
}

__attribute__((format(printf, 1, 2))) static inline int e2e_sh_rc(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Skip unless root with network namespaces and the ip tool. */
static inline void e2e_require(void)
{
	if (geteuid() != 0)
		SKIP("needs root for network namespaces");
	if (access("/usr/sbin/ip", X_OK) && access("/sbin/ip", X_OK) && access("/usr/bin/ip", X_OK))
		SKIP("the ip tool (iproute2) is not installed");
	e2e_owner = getpid();
	atexit(e2e_cleanup);
	signal(SIGINT, e2e_on_signal);
	signal(SIGTERM, e2e_on_signal);
	signal(SIGHUP, e2e_on_signal);
}

/* A new namespace "np<tag><pid>" with lo up. Return: its name. */
static inline const char *e2e_ns_new(const char *tag)
{
	char *name;

	CHECK(e2e_nns < E2E_MAX_NS);
	name = e2e_ns[e2e_nns];
	snprintf(name, sizeof(e2e_ns[0]), "np%s%d", tag, (int)getpid());
	if (e2e_sh_rc("ip netns add %s 2>/dev/null", name))
		SKIP("the kernel refuses network namespaces");
	e2e_nns++;
	e2e_sh("ip -n %s link set lo up", name);
	return name;
}

/* Wait until @ifname exists in @ns (NULL: this namespace). */
static inline bool e2e_wait_link(const char *ns, const char *ifname, unsigned int ms)
{
	for (unsigned int i = 0; i < ms / 10; i++) {
		if (ns ? !e2e_sh_rc("ip -n %s link show %s >/dev/null 2>&1", ns, ifname) :
			 !e2e_sh_rc("ip link show %s >/dev/null 2>&1", ifname))
			return true;
		t_sleep_ms(10);
	}
	return false;
}

/* The tool next to the test: build/X/tests/test_* -> build/X/tools/NAME. */
static inline void e2e_tool_path(const char *argv0, const char *name, char *out, size_t len)
{
	char self[4096];

	snprintf(self, sizeof(self), "%s", argv0);
	snprintf(out, len, "%s/../tools/%s", dirname(self), name);
	if (access(out, X_OK))
		SKIP("%s not built", out);
	/* an absolute path: the tool runs under ip netns exec */
	if (out[0] != '/') {
		char *abs = realpath(out, NULL);

		CHECK(abs && strlen(abs) < len);
		memcpy(out, abs, strlen(abs) + 1);
		free(abs);
	}
}

/* Start "ip netns exec @ns @tool @args" with stdout+stderr into @log. */
static inline void e2e_tool_start(const char *ns, const char *tool, const char *args, const char *log)
{
	char *cmd;
	pid_t pid;

	CHECK(asprintf(&cmd, "exec ip netns exec %s %s %s >%s 2>&1", ns, tool, args, log) > 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	free(cmd);
	e2e_tool_pid = pid;
}

/* Stop the tool with SIGTERM (a clean stop) and return its exit status. */
static inline int e2e_tool_stop(void)
{
	int st;

	CHECK(e2e_tool_pid > 0);
	kill(e2e_tool_pid, SIGTERM);
	CHECK_EQ(waitpid(e2e_tool_pid, &st, 0), e2e_tool_pid);
	e2e_tool_pid = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static inline bool e2e_tool_alive(void)
{
	return e2e_tool_pid > 0 && waitpid(e2e_tool_pid, NULL, WNOHANG) == 0;
}

static inline void e2e_dump(const char *log)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "tail -n 30 %s >&2", log);
	if (system(cmd)) {
		/* nothing to show */
	}
}

/* A socket of @type made inside namespace @ns. */
static inline int e2e_socket_in(const char *ns, int domain, int type, int proto)
{
	char path[128];
	int self, target, fd;

	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
	target = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(self >= 0 && target >= 0);
	CHECK_EQ(setns(target, CLONE_NEWNET), 0);
	fd = socket(domain, type | SOCK_CLOEXEC, proto);
	CHECK_EQ(setns(self, CLONE_NEWNET), 0);
	close(self);
	close(target);
	CHECK(fd >= 0);
	return fd;
}

static inline int e2e_udp_bound(const char *ns, const char *addr, uint16_t port)
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
static inline void e2e_payload(unsigned char *p, uint32_t len, uint32_t i)
{
	memcpy(p, &i, sizeof(i));
	for (uint32_t k = sizeof(i); k < len; k++)
		p[k] = (unsigned char)(i * 7 + k);
}

static inline bool e2e_payload_ok(const unsigned char *p, uint32_t len, uint32_t *idx)
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

struct e2e_udp_result {
	uint32_t sent, received, corrupt, dup;
};

/*
 * Wait up to @poll_ms for one datagram or frame on @fd into @buf.
 * Return: its length, 0 when none came in time (*@waited advanced), -1 on a
 * failed receive.
 */
static inline ssize_t e2e_recv_one(int fd, unsigned char *buf, size_t len, int poll_ms,
				   unsigned int *waited)
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
static inline void e2e_udp_count(struct e2e_udp_result *r, uint8_t *seen, uint32_t n,
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
static inline struct e2e_udp_result e2e_udp_run(int src, int rx, const char *dst_addr, uint16_t port,
					 uint32_t n, const uint32_t *lens, unsigned int nlens,
					 unsigned int wait_ms)
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
static inline const char *e2e_total_line(const char *log, char *buf, size_t len)
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

static inline uint64_t e2e_json_u64(const char *line, const char *key)
{
	return t_json_u64(line, key);
}

/* Kernel-counted drops on an interface (the TAP queue overflows under a burst). */
static inline uint64_t e2e_link_drops(const char *ns, const char *ifname)
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
static inline uint32_t e2e_count_encap(int fd, uint32_t want, unsigned int wait_ms)
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

static inline uint64_t e2e_pcap_count(const char *path)
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
	}
	fclose(f);
	return n;
}


/* ---- raw frames: packet sockets, hand-built frames, what the forwarder counted ---- */

/* The number after "@key" on @line, 0 when the key is not there (drop_* appear only when non-zero). */
static inline uint64_t e2e_json_u64_or0(const char *line, const char *key)
{
	const char *p, *end = strchr(line, '\n');
	char k[128];

	snprintf(k, sizeof(k), "\"%s\": ", key);
	p = strstr(line, k);
	if (!p || (end && p > end))
		return 0;
	return strtoull(p + strlen(k), NULL, 10);
}

/*
 * Every "drop_REASON": N of @line, summed; the ones not in @allowed (a list
 * of reasons, e.g. "NOT_SPECIFIED FULL_RING") are written into @other
 * ("REASON=N ...", empty when none).
 */
static inline uint64_t e2e_json_drops(const char *line, const char *allowed, char *other,
				      size_t len)
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

/* IPv6 off on @ifname in @ns (before it goes up: no router solicitations or MLD reports). */
static inline void e2e_ipv6_off(const char *ns, const char *ifname)
{
	e2e_sh("ip netns exec %s sysctl -q -w net.ipv6.conf.%s.disable_ipv6=1", ns, ifname);
}

/*
 * A packet socket of @proto in @ns, bound to @ifname there, with a @buf_opt
 * buffer of @big bytes (the name is looked up inside the namespace).
 */
static inline int e2e_packet_bound(const char *ns, const char *ifname, uint16_t proto,
				   int buf_opt, int big)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = proto };
	char path[128];
	int self, target, fd;

	fd = e2e_socket_in(ns, AF_PACKET, SOCK_RAW, proto);
	setsockopt(fd, SOL_SOCKET, buf_opt, &big, sizeof(big));
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
	target = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(self >= 0 && target >= 0);
	CHECK_EQ(setns(target, CLONE_NEWNET), 0);
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	CHECK_EQ(setns(self, CLONE_NEWNET), 0);
	close(self);
	close(target);
	CHECK(sll.sll_ifindex > 0);
	CHECK_EQ(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
	return fd;
}

/* A packet socket on @ifname in @ns that only sends (protocol 0: it receives nothing). */
static inline int e2e_packet_tx_socket(const char *ns, const char *ifname)
{
	return e2e_packet_bound(ns, ifname, 0, SO_SNDBUF, 4 << 20);
}

/* Send one whole frame on a packet socket. Return: 0 or -errno (what the kernel refused). */
static inline int e2e_raw_send(int fd, const void *frame, size_t len)
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
static inline ssize_t e2e_recv_frame(int fd, unsigned char *buf, size_t len, int poll_ms,
				     unsigned int *waited, bool *outgoing)
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
static inline uint32_t e2e_csum_add(uint32_t sum, const unsigned char *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static inline uint16_t e2e_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Who a hand-built frame is from and to. */
struct e2e_flow {
	unsigned char dst[6], src[6];
	unsigned char sip[4], dip[4];
	uint16_t sport, dport;
};

static inline void e2e_put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/*
 * An Ethernet + IPv4 + UDP frame of @fl carrying @plen bytes of @payload,
 * with both checksums right (a receiving kernel checks them: these frames
 * arrive intact or not at all). Return: the frame's length.
 */
static inline uint32_t e2e_frame_udp(unsigned char *f, const struct e2e_flow *fl,
				     const unsigned char *payload, uint32_t plen)
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

/*
 * The live counters of netpool-fwd (pid @pid) from its statistics export,
 * read with netpool-stat @stat: of device @dev's queues, summed. Return:
 * false when there is no snapshot (yet).
 */
struct e2e_qstats {
	uint64_t rx_packets, rx_bad_desc, rx_nomem, tx_packets, tx_busy, tx_dropped;
};

static inline bool e2e_fwd_qstats(const char *stat, pid_t pid, const char *dev,
				  struct e2e_qstats *q)
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
static inline bool e2e_tool_wait_ready(unsigned int ms)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/shm/netpool.%d", (int)e2e_tool_pid);
	for (unsigned int i = 0; i < ms / 10; i++) {
		if (!access(path, R_OK))
			return true;
		if (!e2e_tool_alive())
			return false;
		t_sleep_ms(10);
	}
	return false;
}

/* ---- every netpool-fwd mode between two hosts ---- */

struct e2e_topo {
	const char *driver;		/* netpool-fwd --driver */
	const char *ns_a, *ns_b, *ns_f;
	char if_a[IFNAMSIZ], if_b[IFNAMSIZ];	/* host sides, in A and B */
	char fwd_in[IFNAMSIZ], fwd_out[IFNAMSIZ];	/* the forwarder's, in F */
	char ip_a[32], ip_b[32];
	/* after the forwarder started (TAP: move its devices to the hosts); may be NULL */
	void (*started)(struct e2e_topo *t);
};

#define E2E_NSEND	1500u
#define E2E_PORT	5001

/*
 * netpool-fwd's tunnel where a test only looks at the encapsulated frames
 * (no peer endpoint): addresses nobody owns and a given next hop, so no ARP.
 */
#define E2E_VXLAN_ARGS	"--vxlan-local 192.0.2.1 --vxlan-remote 192.0.2.2 --vni 42 " \
			"--vxlan-dmac 02:00:00:00:00:0b"

/* Addresses, fixed MACs and static neighbours on the host sides. */
static inline void e2e_hosts_up(struct e2e_topo *t)
{
	e2e_sh("ip -n %s link set %s address 02:00:00:aa:00:01 up", t->ns_a, t->if_a);
	e2e_sh("ip -n %s link set %s address 02:00:00:bb:00:02 up", t->ns_b, t->if_b);
	e2e_sh("ip -n %s addr add %s/24 dev %s", t->ns_a, t->ip_a, t->if_a);
	e2e_sh("ip -n %s addr add %s/24 dev %s", t->ns_b, t->ip_b, t->if_b);
	/* static neighbours: the modes that are no bridge carry no ARP */
	e2e_sh("ip -n %s neigh replace %s lladdr 02:00:00:bb:00:02 dev %s", t->ns_a, t->ip_b, t->if_a);
	e2e_sh("ip -n %s neigh replace %s lladdr 02:00:00:aa:00:01 dev %s", t->ns_b, t->ip_a, t->if_b);
}

static inline int e2e_packet_socket(const char *ns, const char *ifname)
{
	return e2e_packet_bound(ns, ifname, htons(ETH_P_ALL), SO_RCVBUF, 8 << 20);
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
static inline int e2e_run_modes(struct e2e_topo *t, const char *tool)
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
		if (encap)
			pkt = e2e_packet_socket(t->ns_b, t->if_b);
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
		tool_drops = e2e_json_u64(tot, "rx_nomem") + e2e_json_u64(tot, "tx_busy");
		/* every datagram reached the forwarder (the kernel may add frames of its own) */
		CHECK(e2e_json_u64(tot, "rx_packets") + drops + tool_drops >= E2E_NSEND);
		CHECK_EQ(e2e_json_u64(tot, "rx_bad_desc"), 0);
		if (capture) {
			uint64_t cap = e2e_json_u64(tot, "captured");

			CHECK(cap >= r.received);
			CHECK_EQ(e2e_pcap_count(pcap), cap);
			if (!access("/usr/bin/tcpdump", X_OK) || !access("/usr/sbin/tcpdump", X_OK))
				CHECK_EQ(e2e_sh_rc("tcpdump -nn -r %s 2>/dev/null | grep -q UDP", pcap),
					 0);
			unlink(pcap);
		}
		printf("%-6s %-8s sent %u received %u (kernel drops %llu), forwarder rx %llu\n",
		       t->driver, mode, r.sent, r.received, (unsigned long long)drops,
		       (unsigned long long)e2e_json_u64(tot, "rx_packets"));
	}
	unlink(log);
	return 0;
}

#endif /* NETPOOL_TEST_E2E_H */
