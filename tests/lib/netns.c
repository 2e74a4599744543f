/* SPDX-License-Identifier: MIT */
/*
 * Network namespaces, veth pairs and packet sockets for one run.
 *
 * What the run creates is written down as it is made (namespaces, veth
 * pairs with an end in the run's own namespace, children started inside the
 * namespaces); netns_cleanup() undoes it at exit and from a handler of every
 * signal a run can die of, so it uses only async-signal-safe calls: kill(),
 * waitpid(), fork() and execve() of ip, umount2() and unlink() (what
 * "ip netns del" does). Only the process that made them removes them, never
 * a forked child.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include "netns.h"

#define NETNS_RUN_DIR	"/var/run/netns/"
#define MAX_NS		8
#define MAX_LINKS	8
#define MAX_PIDS	8
#define MAX_ARGS	64

extern char **environ;

static char ns_name[MAX_NS][NETNS_NAME_MAX];
static volatile sig_atomic_t ns_live[MAX_NS];
static char link_name[MAX_LINKS][IF_NAMESIZE];
static volatile sig_atomic_t link_live[MAX_LINKS];
static volatile pid_t child[MAX_PIDS];
static pid_t owner;

static const int cleanup_sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGALRM, SIGABRT,
				    SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGPIPE };
static struct sigaction old_sa[sizeof(cleanup_sigs) / sizeof(cleanup_sigs[0])];

/* ---- running ip (and ethtool) ---- */

static const char *find_bin(const char *name, char *buf, size_t len)
{
	static const char *const dirs[] = { "/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/" };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(buf, len, "%s%s", dirs[i], name);
		if (!access(buf, X_OK))
			return buf;
	}
	return NULL;
}

static const char *ip_bin(void)
{
	static char path[64];
	static const char *found;

	if (!found)
		found = find_bin("ip", path, sizeof(path));
	return found;
}

bool netns_have_ip(void)
{
	return ip_bin() != NULL;
}

bool netns_have_ethtool(void)
{
	char path[64];

	return find_bin("ethtool", path, sizeof(path)) != NULL;
}

/*
 * Run @bin with @argv, stdout discarded (stderr too when @quiet).
 * Async-signal-safe. Return: its exit status, -1 when it did not run or exit.
 */
static int run_argv(const char *bin, char *const argv[], bool quiet)
{
	int status;
	pid_t pid;

	if (!bin)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd >= 0) {
			dup2(fd, 1);
			if (quiet)
				dup2(fd, 2);
		}
		execve(bin, argv, environ);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Run @bin @pre... then the words of @fmt; a failure reported unless @quiet. */
static int run_words(const char *bin, const char *const *pre, bool quiet, const char *fmt,
		     va_list ap) __attribute__((format(printf, 4, 0)));
static int run_words(const char *bin, const char *const *pre, bool quiet, const char *fmt,
		     va_list ap)
{
	char line[1024], *argv[MAX_ARGS + 1], *save, *w;
	int argc = 0, rc;

	while (*pre && argc < MAX_ARGS)
		argv[argc++] = (char *)*pre++;
	vsnprintf(line, sizeof(line), fmt, ap);
	for (w = strtok_r(line, " ", &save); w && argc < MAX_ARGS; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	rc = run_argv(bin, argv, quiet);
	if (rc && !quiet) {
		fprintf(stderr, "netns: failed (%d):", rc);
		for (int i = 0; i < argc; i++)
			fprintf(stderr, " %s", argv[i]);
		fprintf(stderr, "\n");
	}
	return rc;
}

static int run_fmt(const char *bin, const char *const *pre, bool quiet, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int run_fmt(const char *bin, const char *const *pre, bool quiet, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = run_words(bin, pre, quiet, fmt, ap);
	va_end(ap);
	return rc;
}

static int ip_v(bool quiet, const char *ns, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static int ip_v(bool quiet, const char *ns, const char *fmt, va_list ap)
{
	const char *with_ns[] = { "ip", "-n", ns, NULL }, *here[] = { "ip", NULL };

	return run_words(ip_bin(), ns ? with_ns : here, quiet, fmt, ap);
}

int netns_ip(const char *ns, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = ip_v(false, ns, fmt, ap);
	va_end(ap);
	return rc;
}

int netns_ip_try(const char *ns, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = ip_v(true, ns, fmt, ap);
	va_end(ap);
	return rc;
}

/* ---- cleanup on every exit path ---- */

static void unname(int i)
{
	char path[sizeof(NETNS_RUN_DIR) + NETNS_NAME_MAX];

	if (!ns_live[i])
		return;
	ns_live[i] = 0;
	memcpy(path, NETNS_RUN_DIR, sizeof(NETNS_RUN_DIR) - 1);
	memcpy(path + sizeof(NETNS_RUN_DIR) - 1, ns_name[i], NETNS_NAME_MAX);
	path[sizeof(path) - 1] = '\0';
	umount2(path, MNT_DETACH);
	unlink(path);
}

/*
 * Kill whatever still runs in namespace @i (a daemon a test started, a tool
 * it lost track of): otherwise it keeps the namespace, and the veths in it,
 * alive after the name is gone. `ip netns pids` through a pipe: only
 * fork, exec, read and kill, so a signal handler may do it.
 */
static void kill_ns_pids(int i)
{
	char *argv[] = { "ip", "netns", "pids", ns_name[i], NULL };
	char buf[4096];
	size_t got = 0;
	ssize_t n;
	int fd[2], status;
	pid_t pid, me = getpid();

	if (!ip_bin() || pipe(fd))
		return;
	pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return;
	}
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		execve(ip_bin(), argv, environ);
		_exit(127);
	}
	close(fd[1]);
	while (got < sizeof(buf) - 1 && ((n = read(fd[0], buf + got, sizeof(buf) - 1 - got)) > 0 ||
					 (n < 0 && errno == EINTR)))
		got += n > 0 ? (size_t)n : 0;
	close(fd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	buf[got] = '\0';
	for (char *p = buf; *p;) {
		long v = 0;

		while (*p && (*p < '0' || *p > '9'))
			p++;
		while (*p >= '0' && *p <= '9')
			v = v * 10 + (*p++ - '0');
		if (v > 1 && (pid_t)v != me)
			kill((pid_t)v, SIGKILL);
	}
}

void netns_cleanup(void)
{
	if (getpid() != owner)
		return;
	for (int i = 0; i < MAX_PIDS; i++) {
		pid_t pid = child[i];

		if (pid > 0) {
			child[i] = 0;
			kill(pid, SIGKILL);
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
	}
	for (int i = 0; i < MAX_LINKS; i++) {
		char *argv[] = { "ip", "link", "del", link_name[i], NULL };

		if (link_live[i]) {
			link_live[i] = 0;
			run_argv(ip_bin(), argv, true);
		}
	}
	for (int i = 0; i < MAX_NS; i++) {
		if (ns_live[i])
			kill_ns_pids(i);
		unname(i);
	}
}

static void on_signal(int sig)
{
	netns_cleanup();
	for (size_t i = 0; i < sizeof(cleanup_sigs) / sizeof(cleanup_sigs[0]); i++)
		if (cleanup_sigs[i] == sig)
			sigaction(sig, &old_sa[i], NULL);
	/* a fault re-executes into the previous handler; anything else is sent again */
	if (sig != SIGSEGV && sig != SIGBUS && sig != SIGFPE && sig != SIGILL)
		raise(sig);
}

/* Once, before the first thing is made: atexit and the signal handlers. */
static void install(void)
{
	struct sigaction sa;

	if (owner)
		return;
	owner = getpid();
	ip_bin();	/* looked up now, not in a signal handler */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(cleanup_sigs) / sizeof(cleanup_sigs[0]); i++)
		sigaction(cleanup_sigs[i], &sa, &old_sa[i]);
	atexit(netns_cleanup);
}

void netns_track_pid(pid_t pid)
{
	install();
	for (int i = 0; i < MAX_PIDS; i++)
		if (!child[i]) {
			child[i] = pid;
			return;
		}
	/* a child nobody would stop: a test that needs more must raise the bound */
	fprintf(stderr, "FAIL netns: more than %d children to track (pid %d)\n", MAX_PIDS, (int)pid);
	kill(pid, SIGKILL);
	exit(1);
}

void netns_untrack_pid(pid_t pid)
{
	for (int i = 0; i < MAX_PIDS; i++)
		if (child[i] == pid)
			child[i] = 0;
}

/* ---- namespaces ---- */

static int ns_slot(const char *ns)
{
	for (int i = 0; i < MAX_NS; i++)
		if (ns_live[i] && !strcmp(ns_name[i], ns))
			return i;
	return -1;
}

int netns_add(const char *tag, const char **name)
{
	int i;

	install();
	for (i = 0; i < MAX_NS && ns_live[i]; i++)
		;
	if (i == MAX_NS)
		return -ENOSPC;
	snprintf(ns_name[i], NETNS_NAME_MAX, "np%s%d", tag, (int)getpid());
	*name = ns_name[i];
	ns_live[i] = 1;		/* from here on, every exit path removes it */
	if (netns_ip_try(NULL, "netns add %s", ns_name[i])) {
		ns_live[i] = 0;
		return -EPERM;
	}
	return netns_ip(ns_name[i], "link set lo up") ? -EIO : 0;
}

void netns_del(const char *ns)
{
	int i = ns_slot(ns);

	if (i >= 0)
		unname(i);
}

void netns_del_all(void)
{
	for (int i = 0; i < MAX_NS; i++) {
		if (ns_live[i])
			kill_ns_pids(i);
		unname(i);
	}
}

void netns_unname(const char *ns)
{
	netns_del(ns);
}

int netns_open(const char *ns)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), NETNS_RUN_DIR "%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int netns_enter(const char *ns)
{
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), target, err = 0;

	if (self < 0)
		return -errno;
	target = netns_open(ns);
	if (target < 0) {
		close(self);
		return target;
	}
	if (setns(target, CLONE_NEWNET))
		err = -errno;
	close(target);
	if (err) {
		close(self);
		return err;
	}
	return self;
}

int netns_leave(int self)
{
	int err = setns(self, CLONE_NEWNET) ? -errno : 0;

	close(self);
	return err;
}

/* ---- links ---- */

int netns_veth(const char *a, const char *ns_a, const char *b, const char *ns_b,
	       unsigned queues)
{
	char qa[64] = "", qb[64] = "", where_a[64] = "", where_b[64] = "";
	int i = MAX_LINKS, rc;

	install();
	if (!ns_a) {
		for (i = 0; i < MAX_LINKS && link_live[i]; i++)
			;
		if (i == MAX_LINKS)
			return -1;
		snprintf(link_name[i], IF_NAMESIZE, "%s", a);
	}
	if (queues) {
		snprintf(qa, sizeof(qa), " numtxqueues %u numrxqueues %u", queues, queues);
		snprintf(qb, sizeof(qb), " numtxqueues %u numrxqueues %u", queues, queues);
	}
	if (ns_a)
		snprintf(where_a, sizeof(where_a), " netns %s", ns_a);
	if (ns_b)
		snprintf(where_b, sizeof(where_b), " netns %s", ns_b);
	rc = (queues ? netns_ip_try : netns_ip)(NULL, "link add %s%s%s type veth peer name %s%s%s", a,
						where_a, qa, b, where_b, qb);
	if (!rc && i < MAX_LINKS)
		link_live[i] = 1;
	return rc;
}

int netns_link_move(const char *ns, const char *ifname, const char *to)
{
	return netns_ip(ns, "link set %s netns %s", ifname, to);
}

int netns_link_up(const char *ns, const char *ifname, unsigned mtu)
{
	if (mtu)
		return netns_ip(ns, "link set %s mtu %u up", ifname, mtu);
	return netns_ip(ns, "link set %s up", ifname);
}

int netns_addr_add(const char *ns, const char *ifname, const char *cidr)
{
	return netns_ip(ns, "addr add %s dev %s", cidr, ifname);
}

int netns_host(const char *ns, const char *ifname, const char *cidr, unsigned mtu)
{
	if (netns_ipv6_off(ns, ifname) || netns_link_up(ns, ifname, mtu) ||
	    netns_addr_add(ns, ifname, cidr))
		return -1;
	return 0;
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc = -1;

	if (fd >= 0) {
		rc = write(fd, val, strlen(val)) == (ssize_t)strlen(val) ? 0 : -1;
		close(fd);
	}
	return rc;
}

int netns_ipv6_off(const char *ns, const char *ifname)
{
	char path[128];

	if (ns)
		return netns_ip(NULL, "netns exec %s sysctl -q -w net.ipv6.conf.%s.disable_ipv6=1",
				ns, ifname) ? -1 : 0;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	return write_file(path, "1");
}

int netns_offloads_off(const char *ns, const char *ifname)
{
	char path[64];

	if (!find_bin("ethtool", path, sizeof(path)))
		return -1;
	if (ns)
		return netns_ip(NULL, "netns exec %s %s -K %s tx off", ns, path, ifname) ? -1 : 0;
	return run_fmt(path, (const char *[]){ "ethtool", NULL }, false, "-K %s tx off", ifname) ?
		       -1 : 0;
}

bool netns_wait_link(const char *ns, const char *ifname, unsigned int ms)
{
	for (unsigned int i = 0; i < ms / 10; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (!netns_ip_try(ns, "link show %s", ifname))
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

/* ---- sockets ---- */

int netns_socket(const char *ns, int domain, int type, int proto)
{
	int self = -1, fd, err;

	if (ns) {
		self = netns_enter(ns);
		if (self < 0)
			return self;
	}
	fd = socket(domain, type | SOCK_CLOEXEC, proto);
	err = fd < 0 ? -errno : 0;
	if (ns && netns_leave(self) && !err) {
		close(fd);
		return -EIO;
	}
	return err ? err : fd;
}

int netns_packet_open(const struct netns_packet *p)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(p->proto) };
	int self = -1, fd, one = 1, err = 0;

	if (p->ns) {
		self = netns_enter(p->ns);
		if (self < 0)
			return self;
	}
	/* protocol 0 until bound: nothing of another interface comes in */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | (p->nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0)
		err = -errno;
	sll.sll_ifindex = p->ifname ? (int)if_nametoindex(p->ifname) : p->ifindex;
	if (p->ns && netns_leave(self) && !err)
		err = -EIO;
	if (!err && sll.sll_ifindex <= 0)
		err = -ENODEV;
	if (!err && p->rcvbuf)
		setsockopt(fd, SOL_SOCKET, p->force ? SO_RCVBUFFORCE : SO_RCVBUF, &p->rcvbuf,
			   sizeof(p->rcvbuf));
	if (!err && p->sndbuf)
		setsockopt(fd, SOL_SOCKET, p->force ? SO_SNDBUFFORCE : SO_SNDBUF, &p->sndbuf,
			   sizeof(p->sndbuf));
	if (!err && p->qdisc_bypass &&
	    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)))
		err = -errno;
	if (!err && bind(fd, (struct sockaddr *)&sll, sizeof(sll)))
		err = -errno;
	if (err) {
		if (fd >= 0)
			close(fd);
		return err;
	}
	return fd;
}
