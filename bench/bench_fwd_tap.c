/* SPDX-License-Identifier: MIT */
/*
 * bench/bench_fwd_tap.c - the TAP rows of `netpool-bench fwd`: iperf3 TCP
 * between two kernel hosts in namespaces A and B, through what sits in F.
 *
 *   kernel_bridge     veth A-F, veth F-B, a Linux bridge in F; default
 *                     offloads (the baseline of every row below)
 *   tap_fwd           netpool-fwd in F on two TAP devices (moved to A and
 *                     B) with the kernel's offloads: 64 KiB TSO frames
 *                     whole; recycling on and off
 *   tap_fwd_plain     the same with --tap-offloads none (what TAP was)
 *   tap_xdp_fwd       A on a TAP with offloads, B behind a veth whose other
 *                     end is an AF_XDP port (--in tap: --out afxdp: --gro):
 *                     A->B every TSO frame cut in software, B->A MTU frames
 *                     merged by GRO (B's veth with TX checksum offload off,
 *                     as AF_XDP needs)
 *
 * Each run measures every variant once, in turn, so each ratio compares
 * figures taken moments apart on a shared machine; the rows give the
 * median of the runs (and each run's value in JSON). The forwarder's CPU
 * time (getrusage of netpool-fwd) per frame and its frames' mean size come
 * from its totals. The recycling gain on 64 KiB frames: tap_fwd recycle
 * against no_recycle, at the maximum and at a fixed offered rate (iperf3
 * -b; CPU per frame). Skipped, with the reason, without root, namespaces,
 * /dev/net/tun, iperf3 or the tool. The namespaces go at the end and on
 * every exit path (tests/lib/netns.h).
 */
#include <net/if.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netpool.h"
#include "bench.h"
#include "netns.h"

#define TAP_RUNS_MAX	9
#define TAP_FIXED_BPS	"4G"	/* the fixed offered load of the recycling rows */
#define TAP_IPERF_PORT	5299

struct tap_env {
	const char *ns_a, *ns_b, *ns_f;
	char ta[IFNAMSIZ], tb[IFNAMSIZ];	/* TAP devices (netpool-fwd's) */
	char va[IFNAMSIZ], vfa[IFNAMSIZ], vfb[IFNAMSIZ], vb[IFNAMSIZ];	/* veths */
	char tool[4096], log[128];
	double secs;
};

/* One measurement: TCP goodput and what the forwarder spent. */
struct tap_res {
	double gbit;		/* iperf3 receiver's bits per second / 1e9 */
	double cpu_ns_frame;	/* netpool-fwd CPU ns per frame received, 0: not a forwarder */
	double frame_bytes;	/* the forwarder's mean frame */
};

/* The median of @n values (0 for none). */
static double tap_median(const double *v, int n)
{
	double s[TAP_RUNS_MAX] = { 0 };

	n = NP_MIN(n, TAP_RUNS_MAX);
	for (int i = 0; i < n; i++) {
		int j = i;

		for (; j > 0 && s[j - 1] > v[i]; j--)
			s[j] = s[j - 1];
		s[j] = v[i];
	}
	if (n <= 0)
		return 0;
	return n & 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
}

static int tap_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int tap_sh(const char *fmt, ...)
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

/* iperf3 from A (or B with @reverse's sense swapped) to @ip: receiver Gbit/s, or -1. */
static double tap_iperf(const struct tap_env *e, const char *from_ns, const char *to_ns,
			const char *ip, const char *rate)
{
	char cmd[1024], line[512], pidfile[64];
	double bps = -1;
	FILE *p;

	/* the server's pid in a file of this run's: the one process to end if it is left over */
	snprintf(pidfile, sizeof(pidfile), "/tmp/netpool-bench-iperf-%d.pid", (int)getpid());
	unlink(pidfile);
	tap_sh("ip netns exec %s iperf3 -s -1 -D -p %d -I %s >/dev/null 2>&1", to_ns,
	       TAP_IPERF_PORT, pidfile);
	usleep(300000);
	snprintf(cmd, sizeof(cmd),
		 "ip netns exec %s timeout %d iperf3 -c %s -p %d -t %.1f -O 0.5 %s%s -J 2>/dev/null",
		 from_ns, (int)e->secs + 15, ip, TAP_IPERF_PORT, e->secs, rate ? "-b " : "",
		 rate ? rate : "");
	p = popen(cmd, "r");
	if (!p)
		return -1;
	/* "sum_received": { ... "bits_per_second": N ... } */
	{
		bool in_recv = false;

		while (fgets(line, sizeof(line), p)) {
			char *q;

			if (strstr(line, "\"sum_received\""))
				in_recv = true;
			if (in_recv && (q = strstr(line, "\"bits_per_second\":"))) {
				bps = strtod(q + 18, NULL);
				in_recv = false;
			}
		}
	}
	pclose(p);
	/* a server still waiting (the client failed) goes: ours, by the pid it wrote */
	p = fopen(pidfile, "r");
	if (p) {
		int pid = 0;

		if (fscanf(p, "%d", &pid) == 1 && pid > 1 && kill(pid, 0) == 0) {
			usleep(200000);		/* it exits by itself after its one client */
			kill(pid, SIGTERM);
		}
		fclose(p);
		unlink(pidfile);
	}
	return bps > 0 ? bps / 1e9 : -1;
}

/* A number after "key": in the totals line of netpool-fwd's log. */
static double tap_total(const char *log, const char *key)
{
	char line[8192], k[64];
	double v = -1;
	FILE *f = fopen(log, "r");

	if (!f)
		return -1;
	snprintf(k, sizeof(k), "\"%s\": ", key);
	while (fgets(line, sizeof(line), f)) {
		char *p;

		if (strstr(line, "\"type\": \"total\"") && (p = strstr(line, k)))
			v = strtod(p + strlen(k), NULL);
	}
	fclose(f);
	return v;
}

static int tap_topo(struct tap_env *e, char *why, size_t len)
{
	int pid = (int)getpid();

	snprintf(e->ta, sizeof(e->ta), "npta%d", pid);
	snprintf(e->tb, sizeof(e->tb), "nptb%d", pid);
	snprintf(e->va, sizeof(e->va), "npva%d", pid);
	snprintf(e->vfa, sizeof(e->vfa), "npvc%d", pid);
	snprintf(e->vfb, sizeof(e->vfb), "npvd%d", pid);
	snprintf(e->vb, sizeof(e->vb), "npvb%d", pid);
	snprintf(e->log, sizeof(e->log), "/tmp/netpool-bench-tap-%d.log", pid);
	if (geteuid() != 0) {
		snprintf(why, len, "needs root for network namespaces");
		return -EPERM;
	}
	if (access("/dev/net/tun", R_OK | W_OK)) {
		snprintf(why, len, "no /dev/net/tun");
		return -ENODEV;
	}
	if (tap_sh("command -v iperf3 >/dev/null 2>&1")) {
		snprintf(why, len, "iperf3 is not installed");
		return -ENOENT;
	}
	if (netns_add("ta", &e->ns_a) || netns_add("tb", &e->ns_b) || netns_add("tf", &e->ns_f)) {
		snprintf(why, len, "the kernel refuses network namespaces (or no ip tool)");
		return -EPERM;
	}
	return 0;
}

/* The kernel bridge: veths A-F and F-B, br0 in F, default offloads. */
static int tap_bridge_up(struct tap_env *e)
{
	if (netns_veth(e->va, e->ns_a, e->vfa, e->ns_f, 0) ||
	    netns_veth(e->vb, e->ns_b, e->vfb, e->ns_f, 0) ||
	    netns_ip(e->ns_f, "link add npbr0 type bridge") ||
	    netns_ip(e->ns_f, "link set %s master npbr0", e->vfa) ||
	    netns_ip(e->ns_f, "link set %s master npbr0", e->vfb) ||
	    netns_link_up(e->ns_f, "npbr0", 0) || netns_link_up(e->ns_f, e->vfa, 0) ||
	    netns_link_up(e->ns_f, e->vfb, 0) || netns_host(e->ns_a, e->va, "10.209.0.1/24", 1500) ||
	    netns_host(e->ns_b, e->vb, "10.209.0.2/24", 1500))
		return -EIO;
	return 0;
}

static void tap_bridge_down(struct tap_env *e)
{
	netns_ip_try(e->ns_f, "link del npbr0");
	netns_ip_try(e->ns_a, "link del %s", e->va);
	netns_ip_try(e->ns_b, "link del %s", e->vb);
}

/*
 * netpool-fwd in F with @args; its TAP port(s) moved to the hosts (and, for
 * AF_XDP, B already behind its veth). Return: its pid, or -1.
 */
static pid_t tap_fwd_start(struct tap_env *e, const char *args, bool tap_b)
{
	pid_t pid;
	char cmd[4608];

	snprintf(cmd, sizeof(cmd), "exec ip netns exec %s %s %s --json >%s 2>&1", e->ns_f, e->tool,
		 args, e->log);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	netns_track_pid(pid);
	if (!netns_wait_link(e->ns_f, e->ta, 5000) || (tap_b && !netns_wait_link(e->ns_f, e->tb, 5000)) ||
	    netns_link_move(e->ns_f, e->ta, e->ns_a) ||
	    (tap_b && netns_link_move(e->ns_f, e->tb, e->ns_b)) ||
	    netns_host(e->ns_a, e->ta, "10.209.0.1/24", 1500) ||
	    (tap_b && netns_host(e->ns_b, e->tb, "10.209.0.2/24", 1500))) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		netns_untrack_pid(pid);
		return -1;
	}
	return pid;
}

/* Stop the forwarder; its CPU per frame and mean frame into @r. Return: its exit status. */
static int tap_fwd_stop(struct tap_env *e, pid_t pid, struct tap_res *r)
{
	int st = 0;
	double pk, by, cpu;

	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	netns_untrack_pid(pid);
	pk = tap_total(e->log, "rx_packets");
	by = tap_total(e->log, "rx_bytes");
	cpu = tap_total(e->log, "cpu_ms");
	if (pk > 0 && cpu > 0) {
		r->cpu_ns_frame = cpu * 1e6 / pk;
		r->frame_bytes = by / pk;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* netpool-fwd TAP to TAP with @extra args; iperf3 A->B at @rate (NULL: as fast as it goes). */
static int tap_run_fwd(struct tap_env *e, const char *extra, const char *rate, struct tap_res *r)
{
	char args[512];
	pid_t pid;

	snprintf(args, sizeof(args), "--driver tap --in %s --out %s --mode fwd %s", e->ta, e->tb,
		 extra);
	memset(r, 0, sizeof(*r));
	pid = tap_fwd_start(e, args, true);
	if (pid < 0)
		return -EIO;
	r->gbit = tap_iperf(e, e->ns_a, e->ns_b, "10.209.0.2", rate);
	return tap_fwd_stop(e, pid, r) || r->gbit <= 0 ? -EIO : 0;
}

/* TAP (A) to AF_XDP (veth to B), --gro: A->B into @ab, B->A into @ba. */
static int tap_run_xdp(struct tap_env *e, struct tap_res *ab, struct tap_res *ba)
{
	char args[512];
	pid_t pid;
	int rc;

	memset(ab, 0, sizeof(*ab));
	memset(ba, 0, sizeof(*ba));
	if (netns_veth(e->vb, e->ns_b, e->vfb, e->ns_f, 0) || netns_link_up(e->ns_f, e->vfb, 0) ||
	    netns_ipv6_off(e->ns_f, e->vfb) || netns_host(e->ns_b, e->vb, "10.209.0.2/24", 1500) ||
	    netns_offloads_off(e->ns_b, e->vb))
		return -EIO;
	snprintf(args, sizeof(args), "--in tap:%s --out afxdp:%s --mode fwd --gro", e->ta, e->vfb);
	pid = tap_fwd_start(e, args, false);
	if (pid < 0) {
		netns_ip_try(e->ns_b, "link del %s", e->vb);
		return -EIO;
	}
	ab->gbit = tap_iperf(e, e->ns_a, e->ns_b, "10.209.0.2", NULL);
	ba->gbit = tap_iperf(e, e->ns_b, e->ns_a, "10.209.0.1", NULL);
	rc = tap_fwd_stop(e, pid, ab);
	netns_ip_try(e->ns_b, "link del %s", e->vb);
	return rc || ab->gbit <= 0 || ba->gbit <= 0 ? -EIO : 0;
}

static void tap_row(const struct np_bench_opts *opts, const char *name, const char *variant,
		    const double *gbit, const double *cpu, const double *fb, int n, const char *why)
{
	double g = n ? tap_median(gbit, n) : 0, c = n ? tap_median(cpu, n) : 0;
	double f = n ? tap_median(fb, n) : 0;

	if (opts->json) {
		if (why) {
			printf("{\"bench\": \"%s\", \"variant\": \"%s\", \"gbit\": null, "
			       "\"skipped\": \"%s\"}\n", name, variant, why);
			return;
		}
		printf("{\"bench\": \"%s\", \"variant\": \"%s\", \"gbit\": %.2f, \"runs\": [", name,
		       variant, g);
		for (int i = 0; i < n; i++)
			printf("%s%.2f", i ? ", " : "", gbit[i]);
		printf("]");
		if (c > 0)
			printf(", \"cpu_ns_per_frame\": %.0f, \"frame_bytes\": %.0f", c, f);
		printf("}\n");
		return;
	}
	if (why) {
		printf("%-16s %-24s %9s  skipped: %s\n", name, variant, "-", why);
		return;
	}
	printf("%-16s %-24s %9.2f", name, variant, g);
	if (c > 0)
		printf("   CPU %6.0f ns/frame, frames of %5.0f bytes", c, f);
	printf("   runs:");
	for (int i = 0; i < n; i++)
		printf(" %.2f", gbit[i]);
	printf("\n");
}

enum { V_BRIDGE, V_TAP, V_TAP_NOREC, V_PLAIN, V_XDP_AB, V_XDP_BA, V_FIX, V_FIX_NOREC, V_NR };

void np_bench_fwd_tap(const struct np_bench_opts *opts, const char *tool_dir)
{
	static const char *const names[V_NR][2] = {
		{ "kernel_bridge", "tcp" }, { "tap_fwd", "offloads/recycle/max" },
		{ "tap_fwd", "offloads/no_recycle/max" }, { "tap_fwd_plain", "recycle/max" },
		{ "tap_xdp_fwd", "a_to_b/gso_cut" }, { "tap_xdp_fwd", "b_to_a/gro" },
		{ "tap_fwd", "offloads/recycle/" TAP_FIXED_BPS },
		{ "tap_fwd", "offloads/no_recycle/" TAP_FIXED_BPS },
	};
	double g[V_NR][TAP_RUNS_MAX] = { { 0 } }, c[V_NR][TAP_RUNS_MAX] = { { 0 } };
	double f[V_NR][TAP_RUNS_MAX] = { { 0 } };
	bool failed = false;
	int n[V_NR] = { 0 }, runs = opts->quick ? 1 : NP_MIN(NP_MAX(opts->runs, 3), TAP_RUNS_MAX);
	char whys[V_NR][192] = { { 0 } };
	struct tap_env e = { .secs = opts->quick ? 2.0 : 5.0 };
	char why[256];

	snprintf(e.tool, sizeof(e.tool), "%s/netpool-fwd", tool_dir);
	if (access(e.tool, X_OK)) {
		tap_row(opts, "tap_fwd", "all", NULL, NULL, NULL, 0,
			"netpool-fwd not built next to netpool-bench");
		return;
	}
	if (tap_topo(&e, why, sizeof(why))) {
		tap_row(opts, "tap_fwd", "all", NULL, NULL, NULL, 0, why);
		netns_del_all();
		return;
	}
	if (!opts->json)
		printf("\nTAP: iperf3 TCP between kernel hosts in namespaces, %.0f s a run, %d runs "
		       "interleaved; Gbit/s (median)\n", e.secs, runs);
	for (int r = 0; r < runs; r++) {
		struct tap_res res, res2;

		if (!tap_bridge_up(&e)) {
			double gb = tap_iperf(&e, e.ns_a, e.ns_b, "10.209.0.2", NULL);

			if (gb > 0) {
				g[V_BRIDGE][n[V_BRIDGE]] = gb;
				c[V_BRIDGE][n[V_BRIDGE]] = f[V_BRIDGE][n[V_BRIDGE]] = 0;
				n[V_BRIDGE]++;
			} else {
				snprintf(whys[V_BRIDGE], sizeof(whys[0]), "iperf3 through the bridge failed");
			}
		} else {
			snprintf(whys[V_BRIDGE], sizeof(whys[0]), "could not build the bridge");
		}
		tap_bridge_down(&e);
		for (int v = V_TAP; v <= V_FIX_NOREC; v++) {
			const char *extra = v == V_TAP_NOREC || v == V_FIX_NOREC ? "--no-recycle" :
					    v == V_PLAIN ? "--tap-offloads none" : "";
			int err;

			if (v == V_XDP_BA)
				continue;
			if (v == V_XDP_AB) {
				err = tap_run_xdp(&e, &res, &res2);
				if (!err) {
					g[V_XDP_BA][n[V_XDP_BA]] = res2.gbit;
					c[V_XDP_BA][n[V_XDP_BA]] = f[V_XDP_BA][n[V_XDP_BA]] = 0;
					n[V_XDP_BA]++;
				} else {
					snprintf(whys[V_XDP_BA], sizeof(whys[0]),
						 "netpool-fwd over AF_XDP did not run (log: %.100s)",
						 e.log);
				}
			} else {
				err = tap_run_fwd(&e, extra, v >= V_FIX ? TAP_FIXED_BPS : NULL, &res);
			}
			if (err) {
				snprintf(whys[v], sizeof(whys[0]), "the run failed (log: %.100s)", e.log);
				failed = true;
				continue;
			}
			g[v][n[v]] = res.gbit;
			c[v][n[v]] = res.cpu_ns_frame;
			f[v][n[v]] = res.frame_bytes;
			n[v]++;
		}
	}
	for (int v = 0; v < V_NR; v++)
		tap_row(opts, names[v][0], names[v][1], g[v], c[v], f[v], n[v],
			n[v] ? NULL : whys[v][0] ? whys[v] : "no run");
	if (!opts->json && n[V_BRIDGE]) {
		double br = tap_median(g[V_BRIDGE], n[V_BRIDGE]);

		if (n[V_TAP]) {
			double t = tap_median(g[V_TAP], n[V_TAP]);

			printf("target: tap_fwd offloads/recycle/max >= 0.5 x kernel_bridge: %.2f vs "
			       "%.2f Gbit/s (%.2fx) %s\n", t, br, t / br, t >= 0.5 * br ? "met" : "missed");
		}
		if (n[V_PLAIN])
			printf("tap_fwd_plain (plain frames) / kernel_bridge: %.2fx\n",
			       tap_median(g[V_PLAIN], n[V_PLAIN]) / br);
		if (n[V_XDP_AB])
			printf("tap_xdp_fwd a_to_b / kernel_bridge: %.2fx; b_to_a: %.2fx\n",
			       tap_median(g[V_XDP_AB], n[V_XDP_AB]) / br,
			       n[V_XDP_BA] ? tap_median(g[V_XDP_BA], n[V_XDP_BA]) / br : 0);
	}
	if (!opts->json && n[V_TAP] && n[V_TAP_NOREC])
		printf("recycling gain on 64 KiB frames, at the maximum: %.2f / %.2f Gbit/s = %.2fx; "
		       "CPU %.0f / %.0f ns per frame\n", tap_median(g[V_TAP], n[V_TAP]),
		       tap_median(g[V_TAP_NOREC], n[V_TAP_NOREC]),
		       tap_median(g[V_TAP], n[V_TAP]) /
			       tap_median(g[V_TAP_NOREC], n[V_TAP_NOREC]),
		       tap_median(c[V_TAP_NOREC], n[V_TAP_NOREC]),
		       tap_median(c[V_TAP], n[V_TAP]));
	if (!opts->json && n[V_FIX] && n[V_FIX_NOREC])
		printf("recycling gain on 64 KiB frames at %s offered: CPU %.0f / %.0f ns per frame = "
		       "%.2fx\n", TAP_FIXED_BPS, tap_median(c[V_FIX_NOREC], n[V_FIX_NOREC]),
		       tap_median(c[V_FIX], n[V_FIX]),
		       tap_median(c[V_FIX_NOREC], n[V_FIX_NOREC]) /
			       tap_median(c[V_FIX], n[V_FIX]));
	if (!failed)
		unlink(e.log);
	netns_del_all();
}

int np_bench_tap_main(const struct np_bench_opts *opts)
{
	/* netpool-fwd sits next to this program */
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	self[n > 0 ? n : 0] = '\0';
	if (strrchr(self, '/'))
		*strrchr(self, '/') = '\0';
	np_bench_fwd_tap(opts, self);
	return 0;
}
