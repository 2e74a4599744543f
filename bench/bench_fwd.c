/* SPDX-License-Identifier: MIT */
/*
 * bench/bench_fwd.c - `netpool-bench fwd`: packet forwarding rates.
 *
 * Peer first: dpdk-testpmd in io forwarding between two net_null ports on
 * one core (the framework cost of DPDK passing bare mbufs), run as a child
 * process for a few seconds; its per-second Rx-pps of both ports are summed
 * and the median second kept. Skipped, with the reason, when dpdk-testpmd
 * is missing or does not start.
 *
 * Beside it, its like: two null ports (netpool/null.h: RX hands out pool
 * pages as 64-byte frames, TX frees) forwarding into each other, both ways,
 * one thread on one core, with and without recycling: netpool's framework
 * cost against DPDK's, neither with a device. The rate is the two ports'
 * transmissions summed, as testpmd's is their receptions.
 *
 * Then ours: a vnic with its traffic source on every queue (64-byte frames,
 * the header written) forwards every packet as an skb out of a second vnic
 * (TX onto the wire), one thread per queue pinned to CPU i, polling queue i
 * of both ports. For each DMA backend (identity, checking IOMMU), with and
 * without recycling, on one queue (one core) and two (two cores). A run
 * samples the forwarded count over a fixed window; the median run of
 * --runs is kept. cycles_per_pkt = TSC cycles of the window x threads /
 * packets (the threads busy-poll).
 *
 * Then AF_XDP on veth (bench_fwd_xdp.c): netpool-fwd against testpmd's
 * net_af_xdp, at the sender's maximum and at a fixed load.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netpool.h"
#include "bench.h"

#define FWD_FRAME_LEN	64u
#define FWD_WINDOW_MS	300u
#define FWD_MAX_Q	2u

struct fwd_cfg {
	bool iommu;
	bool no_recycle;
	unsigned int queues;
	bool null;		/* two null ports both ways, not a vnic source into a vnic */
};

struct fwd_env {
	struct np_netdev *in, *out;
	_Atomic bool running;
	pthread_t threads[FWD_MAX_Q];
	unsigned int nq;
};

struct fwd_targ {
	struct fwd_env *e;
	unsigned int q;
};

/* Out of the other port (a vnic's out receives nothing; each null port does). */
static void fwd_rx(struct np_netdev *dev, unsigned int q, struct np_skb *skb, void *arg)
{
	struct fwd_env *e = arg;

	np_netdev_xmit(dev == e->in ? e->out : e->in, q, skb);
}

static void *fwd_thread(void *arg)
{
	struct fwd_targ *t = arg;
	struct fwd_env *e = t->e;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(t->q, &set);
	(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	while (atomic_load_explicit(&e->running, memory_order_acquire)) {
		np_netdev_poll(e->in, t->q);
		np_netdev_poll(e->out, t->q);
	}
	np_skb_thread_flush();
	return NULL;
}

/* Packets both ports sent (a vnic's in sends none). */
static uint64_t fwd_sent(struct fwd_env *e)
{
	struct np_netdev_qstats so, si;

	np_netdev_get_qstats(e->out, -1, &so);
	np_netdev_get_qstats(e->in, -1, &si);
	return so.tx_packets + si.tx_packets;
}

static bool fwd_pools_freed(const uint32_t *ids, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		struct np_pool_info info;
		int tries = 0;

		while (np_pool_info_get(ids[i], &info) == 0 && tries++ < 200)
			usleep(10000);
		if (np_pool_info_get(ids[i], &info) == 0)
			return false;
	}
	return true;
}

/*
 * One configuration: median Mpps and cycles per packet over opts->runs
 * windows; each window's Mpps into @rates too when not NULL.
 */
static int fwd_run(const struct np_bench_opts *opts, const struct fwd_cfg *c, double *mpps,
		   double *cpp, double *rates)
{
	struct np_vnic_params vp = { .nqueues = c->queues, .iommu = c->iommu,
				     .no_recycle = c->no_recycle, .ring_size = 512 };
	struct np_vnic_gen gen = { .len_min = FWD_FRAME_LEN, .len_max = FWD_FRAME_LEN };
	struct fwd_targ targ[FWD_MAX_Q];
	struct fwd_env e = { .nq = c->queues };
	double rate[NP_BENCH_RUNS_MAX], cyc[NP_BENCH_RUNS_MAX];
	uint32_t ids[2 * FWD_MAX_Q];
	unsigned int nid = 0, window = opts->quick ? FWD_WINDOW_MS / 10 : FWD_WINDOW_MS;
	struct np_null_params np = { .nqueues = c->queues, .frame_len = FWD_FRAME_LEN,
				     .no_recycle = c->no_recycle };
	int err = 0;

	if (c->null ? np_null_create(&np, &e.in) || np_null_create(&np, &e.out) :
		      np_vnic_create(&vp, &e.in) || np_vnic_create(&vp, &e.out))
		return -ENOMEM;
	np_netdev_set_rx_handler(e.in, fwd_rx, &e);
	if (c->null)
		np_netdev_set_rx_handler(e.out, fwd_rx, &e);
	if (np_netdev_open(e.in) || np_netdev_open(e.out))
		return -ENOMEM;
	for (unsigned int q = 0; q < c->queues && !c->null; q++)
		np_vnic_gen_start(e.in, q, &gen);
	atomic_store(&e.running, true);
	for (unsigned int q = 0; q < c->queues; q++) {
		targ[q] = (struct fwd_targ){ .e = &e, .q = q };
		pthread_create(&e.threads[q], NULL, fwd_thread, &targ[q]);
	}
	usleep(window * 1000 / 2);	/* warm-up */
	for (int r = 0; r < opts->runs; r++) {
		uint64_t p0 = fwd_sent(&e), c0 = np_bench_cycles_start(), t0 = np_bench_now_ns();
		uint64_t p1, c1, t1;

		usleep(window * 1000);
		p1 = fwd_sent(&e);
		c1 = np_bench_cycles_stop();
		t1 = np_bench_now_ns();
		rate[r] = (double)(p1 - p0) / ((double)(t1 - t0) / 1e3);	/* per µs: Mpps */
		cyc[r] = p1 > p0 ? (double)(c1 - c0) * c->queues / (double)(p1 - p0) : 0;
	}
	atomic_store(&e.running, false);
	for (unsigned int q = 0; q < c->queues; q++)
		pthread_join(e.threads[q], NULL);
	*mpps = np_bench_median(rate, opts->runs);
	if (rates)
		memcpy(rates, rate, (size_t)opts->runs * sizeof(*rates));
	*cpp = np_bench_median(cyc, opts->runs);
	np_netdev_close(e.in);
	np_netdev_close(e.out);
	for (unsigned int q = 0; q < c->queues; q++) {
		ids[nid++] = e.in->q[q].pool_id;	/* closed: the pools' ids stay */
		ids[nid++] = e.out->q[q].pool_id;
	}
	np_netdev_destroy(e.in);
	np_netdev_destroy(e.out);
	np_skb_thread_flush();
	if (!fwd_pools_freed(ids, nid)) {
		fprintf(stderr, "netpool-bench fwd: buffers did not come back\n");
		err = -EUCLEAN;
	}
	return err;
}

/* ---- the testpmd peer ---- */

/*
 * dpdk-testpmd with two net_null ports in io forwarding on one core: the
 * median over its per-second reports (after the first) of the two ports'
 * Rx-pps summed, and each of those seconds' Mpps into @each (text). Return: 0,
 * or -errno with @why filled.
 */
static int fwd_testpmd(const struct np_bench_opts *opts, double *mpps, char *each,
		       size_t each_len, char *why, size_t len)
{
	const char *bin = "/usr/bin/dpdk-testpmd";
	unsigned int secs = opts->quick ? 5 : 8;
	double per_sec[64];
	int n = 0, port = 0, status;
	double sum = 0;
	char cmd[1024], line[512];
	FILE *p;

	if (access(bin, X_OK)) {
		snprintf(why, len, "dpdk-testpmd not installed (Debian package dpdk)");
		return -ENOENT;
	}
	snprintf(cmd, sizeof(cmd),
		 "timeout -s INT %u stdbuf -oL %s -l 0-1 --no-huge --no-pci -m 1024 --no-telemetry "
		 "--file-prefix npbench%d --vdev net_null0 --vdev net_null1 -- --forward-mode=io "
		 "--nb-cores=1 --total-num-mbufs=16384 --stats-period 1 2>&1",
		 secs, bin, (int)getpid());
	p = popen(cmd, "r");
	if (!p) {
		snprintf(why, len, "cannot run dpdk-testpmd");
		return -errno;
	}
	while (fgets(line, sizeof(line), p)) {
		char *s = strstr(line, "Rx-pps:");

		if (strstr(line, "NIC statistics for port"))
			port = atoi(strstr(line, "port") + 5);
		if (!s)
			continue;
		sum += strtod(s + 7, NULL);
		if (port == 1) {
			if (n < (int)NP_ARRAY_SIZE(per_sec))
				per_sec[n++] = sum;
			sum = 0;
		}
	}
	status = pclose(p);
	(void)status;
	if (n < 2) {
		snprintf(why, len, "dpdk-testpmd gave no statistics (EAL did not start?)");
		return -EIO;
	}
	*mpps = np_bench_median(per_sec + 1, n - 1) / 1e6;
	/* the seconds the median is of, for the table */
	for (int i = 1, o = 0; i < n && o < (int)each_len; i++)
		o += snprintf(each + o, each_len - (size_t)o, " %.1f", per_sec[i] / 1e6);
	return 0;
}

/* ---- output ---- */

static void fwd_print(const struct np_bench_opts *opts, const char *name, const char *variant,
		      double mpps, double cpp, double ref, const char *note)
{
	if (opts->json) {
		printf("{\"bench\": \"%s\", \"variant\": \"%s\", \"mpps\": %.3f, \"cycles_per_pkt\": ",
		       name, variant, mpps);
		if (cpp > 0)
			printf("%.1f", cpp);
		else
			printf("null");
		/* the ratio to the in-run peer, where the row has one */
		if (ref > 0)
			printf(", \"vs_peer\": %.3f", mpps / ref);
		printf("}\n");
		return;
	}
	printf("%-16s %-28s %9.2f", name, variant, mpps);
	if (cpp > 0)
		printf(" %12.1f", cpp);
	else
		printf(" %12s", "-");
	if (ref > 0)
		printf("  %6.2fx", mpps / ref);
	else
		printf("  %7s", "-");
	printf("  %s\n", note ? note : "");
}

int np_bench_fwd_main(const struct np_bench_opts *opts)
{
	static const struct fwd_cfg cfgs[] = {
		{ false, false, 1, false }, { false, true, 1, false }, { true, false, 1, false },
		{ true, true, 1, false }, { false, false, 2, false }, { false, true, 2, false },
		{ true, false, 2, false }, { true, true, 2, false },
	};
	static const struct fwd_cfg null_cfgs[] = {
		{ .no_recycle = false, .queues = 1, .null = true },
		{ .no_recycle = true, .queues = 1, .null = true },
	};
	double peer = 0, res[NP_ARRAY_SIZE(cfgs)], cpp[NP_ARRAY_SIZE(cfgs)];
	double nres[NP_ARRAY_SIZE(null_cfgs)] = { 0 }, ncpp[NP_ARRAY_SIZE(null_cfgs)];
	char why[160], secs[256] = "", note[512];
	int rc = 0;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	if (!opts->json) {
		printf("netpool-bench fwd: %d runs of %u ms per configuration (median), TSC %.3f GHz\n",
		       opts->runs, opts->quick ? FWD_WINDOW_MS / 10 : FWD_WINDOW_MS, opts->tsc_ghz);
		printf("null: two null ports (no device) forwarding %u-byte frames into each other, "
		       "one core, as testpmd's two net_null ports\n", FWD_FRAME_LEN);
		printf("vnic: %u-byte frames from the device-side source, forwarded as skbs out of a "
		       "second vnic; ratio against testpmd io/net_null on one core\n\n",
		       FWD_FRAME_LEN);
		printf("%-16s %-28s %9s %12s  %7s  %s\n", "bench", "variant", "Mpps", "cycles/pkt",
		       "vs peer", "note");
	}
	if (fwd_testpmd(opts, &peer, secs, sizeof(secs), why, sizeof(why))) {
		if (opts->json)
			printf("{\"bench\": \"testpmd_null_io\", \"variant\": \"1core\", \"mpps\": null, "
			       "\"cycles_per_pkt\": null, \"skipped\": \"%s\"}\n", why);
		else
			printf("%-16s %-28s %9s  skipped: %s\n", "testpmd_null_io", "1core", "-", why);
		peer = 0;
	} else {
		snprintf(note, sizeof(note), "two net_null ports, both ways; seconds:%s", secs);
		fwd_print(opts, "testpmd_null_io", "1core", peer, 0, 0, note);
	}
	for (size_t i = 0; i < NP_ARRAY_SIZE(null_cfgs); i++) {
		const char *variant = null_cfgs[i].no_recycle ? "no_recycle/1q" : "recycle/1q";
		double rates[NP_BENCH_RUNS_MAX];
		int o;

		if (fwd_run(opts, &null_cfgs[i], &nres[i], &ncpp[i], rates)) {
			rc = 1;
			nres[i] = 0;
			continue;
		}
		o = snprintf(note, sizeof(note), "two null ports, both ways; windows:");
		for (int r = 0; r < opts->runs && o < (int)sizeof(note); r++)
			o += snprintf(note + o, sizeof(note) - (size_t)o, " %.1f", rates[r]);
		fwd_print(opts, "null_fwd", variant, nres[i], ncpp[i], peer, note);
	}
	for (size_t i = 0; i < NP_ARRAY_SIZE(cfgs); i++) {
		const struct fwd_cfg *c = &cfgs[i];
		char variant[64];

		snprintf(variant, sizeof(variant), "%s/%s/%uq", c->iommu ? "iommu" : "identity",
			 c->no_recycle ? "no_recycle" : "recycle", c->queues);
		if (c->queues > 1 && ncpu < (long)c->queues) {
			if (!opts->json)
				printf("%-16s %-28s %9s  skipped: %ld CPU\n", "vnic_fwd", variant, "-",
				       ncpu);
			res[i] = 0;
			continue;
		}
		if (fwd_run(opts, c, &res[i], &cpp[i], NULL)) {
			rc = 1;
			res[i] = 0;
			continue;
		}
		fwd_print(opts, "vnic_fwd", variant, res[i], cpp[i], c->queues == 1 ? peer : 0,
			  c->queues == 1 ? NULL : "");
	}
	if (!opts->json) {
		printf("\nrecycling gain (recycle / no_recycle):\n");
		if (nres[1] > 0)
			printf("  %-8s %uq  %.2f / %.2f Mpps = %.2fx\n", "null", 1u, nres[0], nres[1],
			       nres[0] / nres[1]);
		for (size_t i = 0; i + 1 < NP_ARRAY_SIZE(cfgs); i += 2)
			if (res[i + 1] > 0)
				printf("  %-8s %uq  %.2f / %.2f Mpps = %.2fx\n",
				       cfgs[i].iommu ? "iommu" : "identity", cfgs[i].queues, res[i],
				       res[i + 1], res[i] / res[i + 1]);
		printf("two queues on two cores / one (recycle):\n");
		for (size_t i = 0; i < 4; i += 2)
			if (res[i] > 0 && res[i + 4] > 0)
				printf("  %-8s %.2f / %.2f Mpps = %.2fx (target 1.8x)\n",
				       cfgs[i].iommu ? "iommu" : "identity", res[i + 4], res[i],
				       res[i + 4] / res[i]);
		if (peer > 0 && nres[0] > 0)
			printf("target: null_fwd recycle/1q >= 0.8 x testpmd: %.2f vs %.2f Mpps (%.2fx) "
			       "%s\n", nres[0], peer, nres[0] / peer,
			       nres[0] >= 0.8 * peer ? "met" : "missed");
		if (peer > 0)
			printf("target: vnic_fwd identity/recycle/1q >= 1.0 x testpmd: %.2f vs %.2f Mpps "
			       "(%.2fx) %s\n", res[0], peer, res[0] / peer,
			       res[0] >= peer ? "met" : "missed");
	}
	{
		/* netpool-fwd sits next to this program */
		char self[4096];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

		self[n > 0 ? n : 0] = '\0';
		if (strrchr(self, '/'))
			*strrchr(self, '/') = '\0';
		np_bench_fwd_xdp(opts, self);
		np_bench_fwd_tap(opts, self);
	}
	return rc;
}
