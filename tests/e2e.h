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

static void e2e_cleanup(void)
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

static void e2e_on_signal(int sig)
{
	e2e_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Run a shell command; fail the test when it fails. */
__attribute__((format(printf, 1, 2))) static void e2e_sh(const char *fmt, ...)
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

__attribute__((format(printf, 1, 2))) static int e2e_sh_rc(const char *fmt, ...)
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
static void e2e_require(void)
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
static const char *e2e_ns_new(const char *tag)
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
static bool e2e_wait_link(const char *ns, const char *ifname, unsigned int ms)
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
static void e2e_tool_path(const char *argv0, const char *name, char *out, size_t len)
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
static void e2e_tool_start(const char *ns, const char *tool, const char *args, const char *log)
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
static int e2e_tool_stop(void)
{
	int st;

	CHECK(e2e_tool_pid > 0);
	kill(e2e_tool_pid, SIGTERM);
	CHECK_EQ(waitpid(e2e_tool_pid, &st, 0), e2e_tool_pid);
	e2e_tool_pid = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static bool e2e_tool_alive(void)
{
	return e2e_tool_pid > 0 && waitpid(e2e_tool_pid, NULL, WNOHANG) == 0;
}

static void e2e_dump(const char *log)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "tail -n 30 %s >&2", log);
	if (system(cmd)) {
		/* nothing to show */
	}
}

/* A socket of @type made inside namespace @ns. */
static int e2e_socket_in(const char *ns, int domain, int type, int proto)
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

static int e2e_udp_bound(const char *ns, const char *addr, uint16_t port)
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
static void e2e_payload(unsigned char *p, uint32_t len, uint32_t i)
{
	memcpy(p, &i, sizeof(i));
	for (uint32_t k = sizeof(i); k < len; k++)
		p[k] = (unsigned char)(i * 7 + k);
}

static bool e2e_payload_ok(const unsigned char *p, uint32_t len, uint32_t *idx)
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
 * Send @n datagrams (lengths cycling through @lens) from @src to @dst_addr:@port
 * and receive them on @rx, paced so a small ring is not overrun; wait up to
 * @wait_ms for stragglers.
 */
static struct e2e_udp_result e2e_udp_run(int src, int rx, const char *dst_addr, uint16_t port,
					 uint32_t n, const uint32_t *lens, unsigned int nlens,
					 unsigned int wait_ms)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
	static unsigned char buf[65536];
	struct e2e_udp_result r = { 0 };
	uint8_t *seen = calloc(n, 1);

	CHECK(seen);
	CHECK_EQ(inet_pton(AF_INET, dst_addr, &to.sin_addr), 1);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t len = lens[i % nlens];

		e2e_payload(buf, len, i);
		if (sendto(src, buf, len, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)len)
			r.sent++;
		if (i % 32 == 31) {
			/* drain what has arrived so far, and let the forwarder keep up */
			struct pollfd pf = { .fd = rx, .events = POLLIN };

			while (poll(&pf, 1, 1) > 0) {
				ssize_t got = recv(rx, buf, sizeof(buf), MSG_DONTWAIT);
				uint32_t idx;

				if (got <= 0)
					break;
				if (!e2e_payload_ok(buf, (uint32_t)got, &idx) || idx >= n)
					r.corrupt++;
				else if (seen[idx]++)
					r.dup++;
				else
					r.received++;
			}
		}
	}
	for (unsigned int waited = 0; waited < wait_ms && r.received + r.corrupt < r.sent;) {
		struct pollfd pf = { .fd = rx, .events = POLLIN };
		ssize_t got;
		uint32_t idx;

		if (poll(&pf, 1, 50) <= 0) {
			waited += 50;
			continue;
		}
		got = recv(rx, buf, sizeof(buf), MSG_DONTWAIT);
		if (got <= 0)
			continue;
		if (!e2e_payload_ok(buf, (uint32_t)got, &idx) || idx >= n)
			r.corrupt++;
		else if (seen[idx]++)
			r.dup++;
		else
			r.received++;
	}
	free(seen);
	return r;
}

/* The "total" JSON line of a netpool-fwd log, or NULL. */
static const char *e2e_total_line(const char *log, char *buf, size_t len)
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

static uint64_t e2e_json_u64(const char *line, const char *key)
{
	char k[64];
	const char *p;

	snprintf(k, sizeof(k), "\"%s\": ", key);
	p = strstr(line, k);
	return p ? strtoull(p + strlen(k), NULL, 10) : 0;
}

#endif /* NETPOOL_TEST_E2E_H */
