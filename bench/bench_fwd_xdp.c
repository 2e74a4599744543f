/* SPDX-License-Identifier: MIT */
/*
 * bench/bench_fwd_xdp.c - the AF_XDP rows of `netpool-bench fwd`.
 *
 * Three network namespaces made for the run: S (the sender) - veth - F
 * (the forwarder) - veth - R (the receiver side). The sender is a thread of
 * this process, inside S, pushing 64-byte UDP frames through a packet socket
 * (qdisc bypassed) as fast as it can, or paced to a fixed rate. The
 * forwarder is netpool-fwd (--driver afxdp --mode fwd, copy mode on veth)
 * run inside F from the same build, with and without recycling; its totals
 * give the forwarded packets and its CPU time per packet (getrusage). The
 * peer is dpdk-testpmd in io forwarding over net_af_xdp ports on the same
 * veths, fed by the same sender, its Rx-pps read once a second.
 *
 * Rows (JSON "bench": "afxdp_fwd" / "testpmd_af_xdp"): variant
 * "recycle/max", "no_recycle/max" (rate at the sender's maximum), and
 * "recycle/fixed", "no_recycle/fixed" (CPU per packet at a fixed offered
 * load). Skipped, with the reason, without root, namespaces, AF_XDP or the
 * tool. The namespaces are removed at the end, and on every exit path
 * (tests/lib/netns.h, which the tests use too).
 *
 * Then TCP (JSON "bench": "afxdp_tcp"): iperf3 from S to R, hosts with TX
 * checksum offload off (AF_XDP hands frames on as bytes, so partial
 * checksums would be dropped; every variant gets the same hosts), through
 * what sits in F, each variant once per run so ratios compare figures
 * taken moments apart on a shared machine:
 *   mtu9000  kernel_bridge (a Linux bridge in F) and netpool_afxdp
 *            (netpool-fwd, two AF_XDP ports on one UMEM, jumbo frames as
 *            chains); target netpool >= 0.5x the bridge
 *   mtu1500  netpool_afxdp, testpmd_af_xdp (dpdk-testpmd io over
 *            net_af_xdp) and kernel_bridge, three runs; target netpool >=
 *            1.0x testpmd in every run, and its ratio to the bridge
 * netpool-fwd's totals give its copies (afxdp_tx_copied, 0 when the ports
 * share the UMEM) and its CPU time per packet.
 */
#include <arpa/inet.h>
#include <signal.h>
#include <stdarg.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netpool.h"
#include "bench.h"
#include "netns.h"

#define XDP_FRAME_LEN	64u
#define XDP_BATCH	64u
#define XDP_FIXED_PPS	100000.0	/* the fixed offered load */

struct xdp_env {
	const char *ns_s, *ns_f, *ns_r;
	char if_s[IFNAMSIZ], if_fa[IFNAMSIZ], if_fb[IFNAMSIZ], if_r[IFNAMSIZ];
	char tool[4096];
	bool up;
};

struct xdp_sender {
	const struct xdp_env *e;
	double pps;		/* 0: as fast as it can */
	double secs;
	uint64_t sent;
	double elapsed;
	int err;
};

/* The namespaces go, and the veth pairs with them. */
static void xdp_down(struct xdp_env *e)
{
	netns_del_all();
	e->up = false;
}

/* S - veth - F - veth - R, made for this run (removed on every exit path: netns.h). */
static int xdp_up(struct xdp_env *e, char *why, size_t len)
{
	int pid = (int)getpid();

	snprintf(e->if_s, sizeof(e->if_s), "npbs%d", pid);
	snprintf(e->if_fa, sizeof(e->if_fa), "npba%d", pid);
	snprintf(e->if_fb, sizeof(e->if_fb), "npbb%d", pid);
	snprintf(e->if_r, sizeof(e->if_r), "npbr%d", pid);
	if (geteuid() != 0) {
		snprintf(why, len, "needs root for network namespaces");
		return -EPERM;
	}
	if (netns_add("bs", &e->ns_s)) {
		snprintf(why, len, "the kernel refuses network namespaces (or no ip tool)");
		return -EPERM;
	}
	e->up = true;
	if (netns_add("bf", &e->ns_f) || netns_add("br", &e->ns_r) ||
	    netns_veth(e->if_s, e->ns_s, e->if_fa, e->ns_f, 0) ||
	    netns_veth(e->if_fb, e->ns_f, e->if_r, e->ns_r, 0) ||
	    netns_link_up(e->ns_s, e->if_s, 0) || netns_link_up(e->ns_f, e->if_fa, 0) ||
	    netns_link_up(e->ns_f, e->if_fb, 0) || netns_link_up(e->ns_r, e->if_r, 0)) {
		snprintf(why, len, "could not build the veth topology");
		xdp_down(e);
		return -EIO;
	}
	netns_ipv6_off(e->ns_f, e->if_fa);
	netns_ipv6_off(e->ns_f, e->if_fb);
	return 0;
}

/* An Ethernet/IPv4/UDP frame to the discard port; IPv4 checksum filled, UDP's left 0. */
static void xdp_frame(unsigned char *p)
{
	static const unsigned char hdr[42] = {
		0x02, 0, 0, 0, 0x0b, 2, 0x02, 0, 0, 0, 0x0b, 1, 0x08, 0x00,
		0x45, 0, 0, 50, 0, 0, 0x40, 0, 0x40, 17, 0, 0, 10, 203, 0, 1, 10, 203, 0, 2,
		0x30, 0x39, 0, 9, 0, 30, 0, 0,
	};
	uint32_t sum = 0;

	memset(p, 0, XDP_FRAME_LEN);
	memcpy(p, hdr, sizeof(hdr));
	for (int i = 14; i < 34; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	p[24] = (unsigned char)(sum >> 8);
	p[25] = (unsigned char)sum;
}

static void *xdp_send_thread(void *arg)
{
	struct xdp_sender *s = arg;
	static unsigned char frame[XDP_FRAME_LEN];
	struct mmsghdr msgs[XDP_BATCH];
	struct iovec iov = { .iov_base = frame, .iov_len = XDP_FRAME_LEN };
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	uint64_t t0, end;
	int fd;

	xdp_frame(frame);
	/* in S, on its end of the pair, the qdisc bypassed */
	fd = netns_packet_open(&(struct netns_packet){ .ns = s->e->ns_s, .ifname = s->e->if_s,
						       .qdisc_bypass = true });
	if (fd == -EOPNOTSUPP || fd == -ENOPROTOOPT)	/* no bypass: sent through the qdisc */
		fd = netns_packet_open(&(struct netns_packet){ .ns = s->e->ns_s,
							       .ifname = s->e->if_s });
	if (fd < 0) {
		s->err = fd;
		return NULL;
	}
	/* the address it is bound to: S's interface index, for each frame's destination */
	if (getsockname(fd, (struct sockaddr *)&sll, &(socklen_t){ sizeof(sll) })) {
		s->err = -errno;
		close(fd);
		return NULL;
	}
	sll.sll_halen = ETH_ALEN;
	memcpy(sll.sll_addr, frame, ETH_ALEN);
	for (unsigned int i = 0; i < XDP_BATCH; i++)
		msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_name = &sll,
							  .msg_namelen = sizeof(sll),
							  .msg_iov = &iov, .msg_iovlen = 1 } };
	t0 = np_bench_now_ns();
	end = t0 + (uint64_t)(s->secs * 1e9);
	for (uint64_t now = t0; now < end; now = np_bench_now_ns()) {
		int n;

		if (s->pps > 0) {
			/* paced: never ahead of the schedule */
			double due = (double)(now - t0) * s->pps / 1e9;

			if ((double)s->sent >= due) {
				struct timespec ts = { 0, 50000 };

				nanosleep(&ts, NULL);
				continue;
			}
		}
		n = sendmmsg(fd, msgs, s->pps > 0 ? 8 : XDP_BATCH, 0);
		if (n > 0)
			s->sent += (uint64_t)n;
	}
	s->elapsed = (double)(np_bench_now_ns() - t0) / 1e9;
	close(fd);
	return NULL;
}

/* Read a number after "key": in the totals line of @log. */
static double xdp_total(const char *log, const char *key)
{
	char line[8192], k[64];
	double v = -1;
	FILE *f = fopen(log, "r");

	if (!f)
		return -1;
	snprintf(k, sizeof(k), "\"%s\": ", key);
	while (fgets(line, sizeof(line), f)) {
		char *p;

		if (!strstr(line, "\"type\": \"total\"") || !(p = strstr(line, k)))
			continue;
		v = strtod(p + strlen(k), NULL);
	}
	fclose(f);
	return v;
}

/* One forwarder run: Mpps forwarded over the sender's time, CPU ns per packet. */
static int xdp_run_fwd(const struct xdp_env *e, bool recycle, double pps, double secs,
		       double *mpps, double *cpu_ns, char *why, size_t len)
{
	struct xdp_sender s = { .e = e, .pps = pps, .secs = secs };
	char log[128], cmd[8192];
	pthread_t t;
	pid_t pid;
	int st;
	double fwd;

	snprintf(log, sizeof(log), "/tmp/netpool-bench-xdp-%d.log", (int)getpid());
	snprintf(cmd, sizeof(cmd),
		 "exec ip netns exec %s %s --driver afxdp --in %s --out %s --mode fwd --json "
		 "--duration %.1f %s >%s 2>&1",
		 e->ns_f, e->tool, e->if_fa, e->if_fb, secs + 1.5, recycle ? "" : "--no-recycle",
		 log);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	usleep(700000);
	pthread_create(&t, NULL, xdp_send_thread, &s);
	pthread_join(t, NULL);
	waitpid(pid, &st, 0);
	fwd = xdp_total(log, "tx_packets");
	*cpu_ns = xdp_total(log, "cpu_ns_per_pkt");
	if (s.err || fwd < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		FILE *f = fopen(log, "r");
		char first[200] = "";

		if (f) {
			if (!fgets(first, sizeof(first), f))
				first[0] = '\0';
			fclose(f);
		}
		first[strcspn(first, "\n")] = '\0';
		snprintf(why, len, "netpool-fwd afxdp did not run (%s)",
			 first[0] ? first : "no output");
		unlink(log);
		return -EIO;
	}
	unlink(log);
	*mpps = fwd / s.elapsed / 1e6;
	return 0;
}

/* testpmd over net_af_xdp on the same veths, the same sender at its maximum. */
static int xdp_run_testpmd(const struct xdp_env *e, double secs, double *mpps, char *why,
			   size_t len)
{
	struct xdp_sender s = { .e = e, .secs = secs };
	double per_sec[64];
	int n = 0, port = 0;
	char cmd[1024], line[512];
	pthread_t t;
	FILE *p;

	if (access("/usr/bin/dpdk-testpmd", X_OK)) {
		snprintf(why, len, "dpdk-testpmd not installed (Debian package dpdk-dev)");
		return -ENOENT;
	}
	snprintf(cmd, sizeof(cmd),
		 "timeout -s INT %.0f ip netns exec %s stdbuf -oL /usr/bin/dpdk-testpmd -l 0-1 "
		 "--no-huge --no-pci -m 1024 --no-telemetry --file-prefix npbx%d "
		 "--vdev net_af_xdp0,iface=%s --vdev net_af_xdp1,iface=%s -- --forward-mode=io "
		 "--nb-cores=1 --total-num-mbufs=16384 --stats-period 1 2>&1",
		 secs + 4, e->ns_f, (int)getpid(), e->if_fa, e->if_fb);
	p = popen(cmd, "r");
	if (!p) {
		snprintf(why, len, "cannot run dpdk-testpmd");
		return -errno;
	}
	/* start sending once testpmd reports (its EAL takes a while) */
	while (fgets(line, sizeof(line), p) && !strstr(line, "NIC statistics for port"))
		;
	pthread_create(&t, NULL, xdp_send_thread, &s);
	while (fgets(line, sizeof(line), p)) {
		char *r = strstr(line, "Rx-pps:");

		if (strstr(line, "NIC statistics for port"))
			port = atoi(strstr(line, "port") + 5);
		if (r && port == 0 && n < (int)NP_ARRAY_SIZE(per_sec))
			per_sec[n++] = strtod(r + 7, NULL);
	}
	pthread_join(t, NULL);
	pclose(p);
	if (n < 3) {
		snprintf(why, len, "dpdk-testpmd over net_af_xdp gave no statistics");
		return -EIO;
	}
	/* the seconds while the sender ran: skip the first and the tail */
	*mpps = np_bench_median(per_sec + 1, NP_MIN(n - 1, (int)secs)) / 1e6;
	return 0;
}

static void xdp_row(const struct np_bench_opts *opts, const char *name, const char *variant,
		    double mpps, double cpu_ns, const char *why)
{
	if (opts->json) {
		if (why) {
			printf("{\"bench\": \"%s\", \"variant\": \"%s\", \"mpps\": null, "
			       "\"cycles_per_pkt\": null, \"skipped\": \"%s\"}\n", name, variant, why);
			return;
		}
		printf("{\"bench\": \"%s\", \"variant\": \"%s\", \"mpps\": %.3f, \"cycles_per_pkt\": ",
		       name, variant, mpps);
		if (cpu_ns > 0)
			printf("%.1f, \"cpu_ns_per_pkt\": %.1f}\n", cpu_ns * opts->tsc_ghz, cpu_ns);
		else
			printf("null}\n");
		return;
	}
	if (why) {
		printf("%-16s %-28s %9s  skipped: %s\n", name, variant, "-", why);
		return;
	}
	if (cpu_ns > 0)
		printf("%-16s %-28s %9.3f %12.1f  CPU %.0f ns/pkt (getrusage of netpool-fwd)\n", name,
		       variant, mpps, cpu_ns * opts->tsc_ghz, cpu_ns);
	else
		printf("%-16s %-28s %9.3f %12s\n", name, variant, mpps, "-");
}

/* ---- TCP through the forwarder, a kernel bridge and testpmd ---- */

#define TCP_RUNS	3
#define TCP_PORT	5298
#define TCP_IP_S	"10.213.0.1"
#define TCP_IP_R	"10.213.0.2"

static int xdp_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int xdp_sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* iperf3 TCP from S to R for @secs: the receiver's Gbit/s, or -1. */
static double xdp_iperf(const struct xdp_env *e, double secs)
{
	char cmd[1024], line[512];
	bool in_recv = false;
	double bps = -1;
	FILE *p;

	xdp_sh("ip netns exec %s iperf3 -s -1 -D -p %d >/dev/null 2>&1", e->ns_r, TCP_PORT);
	usleep(300000);
	snprintf(cmd, sizeof(cmd),
		 "ip netns exec %s timeout %d iperf3 -c %s -p %d -t %.1f -O 1 -J 2>/dev/null",
		 e->ns_s, (int)secs + 15, TCP_IP_R, TCP_PORT, secs);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	/* "sum_received": { ... "bits_per_second": N ... } */
	while (fgets(line, sizeof(line), p)) {
		char *q;

		if (strstr(line, "\"sum_received\""))
			in_recv = true;
		if (in_recv && (q = strstr(line, "\"bits_per_second\":"))) {
			bps = strtod(q + 18, NULL);
			in_recv = false;
		}
	}
	pclose(p);
	/* a server still waiting (the client failed) goes with a second, empty client */
	if (bps <= 0)
		xdp_sh("ip netns exec %s timeout 3 iperf3 -c %s -p %d -t 0.1 >/dev/null 2>&1",
		       e->ns_s, TCP_IP_R, TCP_PORT);
	return bps > 0 ? bps / 1e9 : -1;
}

/* Every end of the two pairs at MTU @mtu. */
static int xdp_mtu(const struct xdp_env *e, unsigned int mtu)
{
	return netns_ip(e->ns_s, "link set dev %s mtu %u", e->if_s, mtu) ||
	       netns_ip(e->ns_f, "link set dev %s mtu %u", e->if_fa, mtu) ||
	       netns_ip(e->ns_f, "link set dev %s mtu %u", e->if_fb, mtu) ||
	       netns_ip(e->ns_r, "link set dev %s mtu %u", e->if_r, mtu) ? -EIO : 0;
}

/* A kernel bridge in F between the two pairs, for one iperf3 run. */
static double xdp_tcp_bridge(const struct xdp_env *e, double secs)
{
	double g = -1;

	if (!netns_ip(e->ns_f, "link add npxbr0 type bridge") &&
	    !netns_ip(e->ns_f, "link set %s master npxbr0", e->if_fa) &&
	    !netns_ip(e->ns_f, "link set %s master npxbr0", e->if_fb) &&
	    !netns_link_up(e->ns_f, "npxbr0", 0))
		g = xdp_iperf(e, secs);
	netns_ip_try(e->ns_f, "link del npxbr0");
	return g;
}

/* netpool-fwd in F for one iperf3 run; its copies and CPU per packet from its totals. */
static double xdp_tcp_fwd(const struct xdp_env *e, double secs, double *copied, double *cpu_ns)
{
	char log[128], cmd[8192];
	double g;
	pid_t pid;
	int st;

	snprintf(log, sizeof(log), "/tmp/netpool-bench-xdp-tcp-%d.log", (int)getpid());
	snprintf(cmd, sizeof(cmd),
		 "exec ip netns exec %s %s --driver afxdp --in %s --out %s --mode fwd --json >%s "
		 "2>&1", e->ns_f, e->tool, e->if_fa, e->if_fb, log);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	netns_track_pid(pid);
	usleep(800000);
	g = xdp_iperf(e, secs);
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	netns_untrack_pid(pid);
	*copied = xdp_total(log, "afxdp_tx_copied");
	*cpu_ns = xdp_total(log, "cpu_ns_per_pkt");
	unlink(log);
	return WIFEXITED(st) && !WEXITSTATUS(st) ? g : -1;
}

/* dpdk-testpmd io over net_af_xdp on F's two ends, for one iperf3 run. */
static double xdp_tcp_testpmd(const struct xdp_env *e, double secs)
{
	char log[128], cmd[2048], line[512];
	double g = -1;
	bool ready = false;
	pid_t pid;

	if (access("/usr/bin/dpdk-testpmd", X_OK))
		return -1;
	snprintf(log, sizeof(log), "/tmp/netpool-bench-xdp-pmd-%d.log", (int)getpid());
	snprintf(cmd, sizeof(cmd),
		 "exec ip netns exec %s /usr/bin/dpdk-testpmd -l 0-1 --no-huge --no-pci -m 1024 "
		 "--no-telemetry --file-prefix npbt%d --vdev net_af_xdp0,iface=%s --vdev "
		 "net_af_xdp1,iface=%s -- --forward-mode=io --nb-cores=1 --total-num-mbufs=16384 "
		 "--stats-period 5 >%s 2>&1", e->ns_f, (int)getpid(), e->if_fa, e->if_fb, log);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	netns_track_pid(pid);
	/* its EAL takes a while: ready once it reports */
	for (int i = 0; i < 150 && !ready; i++) {
		FILE *f = fopen(log, "r");

		while (f && fgets(line, sizeof(line), f))
			ready |= strstr(line, "NIC statistics for port") != NULL;
		if (f)
			fclose(f);
		if (!ready)
			usleep(100000);
	}
	if (ready)
		g = xdp_iperf(e, secs);
	kill(pid, SIGINT);
	for (int i = 0; i < 50 && !waitpid(pid, NULL, WNOHANG); i++)
		usleep(100000);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	netns_untrack_pid(pid);
	unlink(log);
	/* a program it left behind would refuse the next forwarder: take it off */
	netns_ip_try(e->ns_f, "link set dev %s xdp off", e->if_fa);
	netns_ip_try(e->ns_f, "link set dev %s xdp off", e->if_fb);
	return g;
}

static void tcp_row(const struct np_bench_opts *opts, const char *variant, int run, double gbit,
		    double ratio, const char *vs, double extra_cpu, double copied)
{
	if (opts->json) {
		printf("{\"bench\": \"afxdp_tcp\", \"variant\": \"%s\", \"run\": %d, \"gbit\": ",
		       variant, run);
		if (gbit > 0)
			printf("%.3f", gbit);
		else
			printf("null");
		if (ratio > 0)
			printf(", \"ratio\": %.3f, \"vs\": \"%s\"", ratio, vs);
		if (extra_cpu > 0)
			printf(", \"cpu_ns_per_pkt\": %.1f, \"tx_copied\": %.0f", extra_cpu, copied);
		printf("}\n");
		return;
	}
	printf("%-16s %-28s run %d %8s", "afxdp_tcp", variant, run, "");
	if (gbit > 0)
		printf("%7.2f Gbit/s", gbit);
	else
		printf("%14s", "failed");
	if (ratio > 0)
		printf("  %.2fx %s", ratio, vs);
	if (extra_cpu > 0)
		printf("  (CPU %.0f ns/pkt, copies %.0f)", extra_cpu, copied);
	printf("\n");
}

/* The TCP rows: MTU 9000 against the bridge, MTU 1500 against testpmd, three runs. */
static void xdp_tcp_rows(const struct np_bench_opts *opts, const struct xdp_env *e)
{
	double secs = opts->quick ? 2.0 : 5.0, copied, cpu, br, fw, pmd;
	int met = 0, runs = 0;

	if (xdp_sh("command -v iperf3 >/dev/null 2>&1")) {
		tcp_row(opts, "all (iperf3 is not installed)", 0, -1, 0, "", 0, 0);
		return;
	}
	if (netns_host(e->ns_s, e->if_s, TCP_IP_S "/24", 9000) ||
	    netns_host(e->ns_r, e->if_r, TCP_IP_R "/24", 9000) ||
	    netns_offloads_off(e->ns_s, e->if_s) || netns_offloads_off(e->ns_r, e->if_r) ||
	    xdp_mtu(e, 9000)) {
		tcp_row(opts, "all (hosts not configured: ethtool?)", 0, -1, 0, "", 0, 0);
		return;
	}
	if (!opts->json)
		printf("\nTCP (iperf3 %.0f s, hosts with TX checksum offload off) through F\n", secs);
	br = xdp_tcp_bridge(e, secs);
	fw = xdp_tcp_fwd(e, secs, &copied, &cpu);
	tcp_row(opts, "mtu9000/kernel_bridge", 1, br, 0, "", 0, 0);
	tcp_row(opts, "mtu9000/netpool_afxdp", 1, fw, br > 0 && fw > 0 ? fw / br : 0, "bridge",
		cpu, copied);
	if (!opts->json && br > 0 && fw > 0)
		printf("target: MTU 9000 netpool-fwd >= 0.5 x kernel bridge: %.2f vs %.2f Gbit/s "
		       "(%.2fx) %s\n", fw, br, fw / br, fw >= 0.5 * br ? "met" : "missed");
	if (xdp_mtu(e, 1500)) {
		tcp_row(opts, "mtu1500 (MTU not set)", 0, -1, 0, "", 0, 0);
		return;
	}
	for (int r = 1; r <= TCP_RUNS; r++) {
		fw = xdp_tcp_fwd(e, secs, &copied, &cpu);
		pmd = xdp_tcp_testpmd(e, secs);
		br = xdp_tcp_bridge(e, secs);
		tcp_row(opts, "mtu1500/testpmd_af_xdp", r, pmd, 0, "", 0, 0);
		tcp_row(opts, "mtu1500/kernel_bridge", r, br, 0, "", 0, 0);
		tcp_row(opts, "mtu1500/netpool_afxdp", r, fw, pmd > 0 && fw > 0 ? fw / pmd : 0,
			"testpmd", cpu, copied);
		if (!opts->json && fw > 0 && br > 0)
			printf("%-16s %-28s run %d %8s  %.2fx kernel bridge\n", "afxdp_tcp",
			       "mtu1500/netpool_afxdp", r, "", fw / br);
		runs += pmd > 0 && fw > 0;
		met += pmd > 0 && fw >= pmd;
	}
	if (!opts->json)
		printf("target: MTU 1500 netpool-fwd >= 1.0 x testpmd net_af_xdp in every run: %d of "
		       "%d runs %s\n", met, TCP_RUNS, runs == TCP_RUNS && met == TCP_RUNS ?
		       "met" : "missed");
}

void np_bench_fwd_xdp(const struct np_bench_opts *opts, const char *tool_dir)
{
	struct xdp_env e = { 0 };
	double secs = opts->quick ? 1.5 : 3.0, mpps[2] = { 0 }, cpu[4] = { 0 }, peer = 0;
	char why[256];

	snprintf(e.tool, sizeof(e.tool), "%s/netpool-fwd", tool_dir);
	if (access(e.tool, X_OK)) {
		snprintf(why, sizeof(why), "netpool-fwd not built next to netpool-bench");
		xdp_row(opts, "afxdp_fwd", "all", 0, 0, why);
		return;
	}
	if (xdp_up(&e, why, sizeof(why))) {
		xdp_row(opts, "afxdp_fwd", "all", 0, 0, why);
		return;
	}
	if (!opts->json)
		printf("\nAF_XDP on veth (copy mode): a packet-socket sender of %u-byte frames -> "
		       "forwarder -> veth; %.1f s a run\n", XDP_FRAME_LEN, secs);
	if (xdp_run_testpmd(&e, secs, &peer, why, sizeof(why)))
		xdp_row(opts, "testpmd_af_xdp", "max", 0, 0, why);
	else
		xdp_row(opts, "testpmd_af_xdp", "max", peer, 0, NULL);
	for (int r = 0; r < 2; r++) {
		const char *v = r ? "no_recycle/max" : "recycle/max";

		if (xdp_run_fwd(&e, !r, 0, secs, &mpps[r], &cpu[r], why, sizeof(why))) {
			xdp_row(opts, "afxdp_fwd", v, 0, 0, why);
			mpps[r] = 0;
			continue;
		}
		xdp_row(opts, "afxdp_fwd", v, mpps[r], cpu[r], NULL);
	}
	for (int r = 0; r < 2; r++) {
		const char *v = r ? "no_recycle/fixed" : "recycle/fixed";
		double m;

		if (xdp_run_fwd(&e, !r, XDP_FIXED_PPS, secs, &m, &cpu[2 + r], why, sizeof(why))) {
			xdp_row(opts, "afxdp_fwd", v, 0, 0, why);
			cpu[2 + r] = 0;
			continue;
		}
		xdp_row(opts, "afxdp_fwd", v, m, cpu[2 + r], NULL);
	}
	xdp_tcp_rows(opts, &e);
	if (!opts->json) {
		if (peer > 0 && mpps[0] > 0)
			printf("target: afxdp_fwd recycle/max >= 1.0 x testpmd net_af_xdp: %.3f vs %.3f "
			       "Mpps (%.2fx) %s\n", mpps[0], peer, mpps[0] / peer,
			       mpps[0] >= peer ? "met" : "missed");
		if (cpu[2] > 0 && cpu[3] > 0)
			printf("recycling gain at %.0f kpps offered: %.0f / %.0f CPU ns per packet = "
			       "%.2fx\n", XDP_FIXED_PPS / 1e3, cpu[3], cpu[2], cpu[3] / cpu[2]);
	}
	xdp_down(&e);
}
