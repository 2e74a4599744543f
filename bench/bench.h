/* SPDX-License-Identifier: MIT */
/*
 * bench/bench.h - helpers shared by the netpool-bench subcommands.
 *
 * - cycles: rdtsc/rdtscp, with the TSC frequency calibrated against
 *   CLOCK_MONOTONIC once per process;
 * - a timing harness: a body runs N iterations, the run is repeated R times
 *   (R >= 5) after one warm-up, and the median ns/op and cycles/op are kept;
 * - output: a table row printer and a JSON line printer with the same fields;
 * - a small xorshift RNG for precomputed random sequences (never timed);
 * - the subcommands' entry points and the DPDK peer's C interface, so no
 *   bench file but peer_dpdk.c includes DPDK headers.
 *
 * Everything here is static inline: each bench object includes it and the
 * unused parts cost nothing.
 */
#ifndef NETPOOL_BENCH_H
#define NETPOOL_BENCH_H

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NP_BENCH_RUNS_DEFAULT	7
#define NP_BENCH_RUNS_MIN	5
#define NP_BENCH_RUNS_MAX	101

/* Options every subcommand understands (parsed by the tool's main). */
struct np_bench_opts {
	bool json;		/* one JSON object per line instead of the table */
	bool quick;		/* iteration counts shrunk 10x (smoke test) */
	int runs;		/* measured repetitions of each benchmark */
	double tsc_ghz;		/* calibrated TSC ticks per nanosecond */
};

/* Keep a value (or the memory behind a pointer) alive for the optimizer. */
#define np_bench_barrier()	__asm__ __volatile__("" ::: "memory")
#define np_bench_keep(v)	__asm__ __volatile__("" : : "r"(v) : "memory")

/* ---- time ---- */

static inline uint64_t np_bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* TSC at the start of a measured region: earlier instructions have retired. */
static inline uint64_t np_bench_cycles_start(void)
{
#if defined(__x86_64__) || defined(__i386__)
	uint32_t lo, hi;

	__asm__ __volatile__("lfence\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
#else
	return np_bench_now_ns();
#endif
}

/* TSC at the end of a measured region: the region's instructions have retired. */
static inline uint64_t np_bench_cycles_stop(void)
{
#if defined(__x86_64__) || defined(__i386__)
	uint32_t lo, hi, aux;

	__asm__ __volatile__("rdtscp\n\tlfence" : "=a"(lo), "=d"(hi), "=c"(aux) : : "memory");
	return ((uint64_t)hi << 32) | lo;
#else
	return np_bench_now_ns();
#endif
}

/*
 * np_bench_tsc_calibrate() - TSC ticks per nanosecond, measured against
 * CLOCK_MONOTONIC over a few ~20 ms windows; the median window is kept.
 */
static inline double np_bench_tsc_calibrate(void)
{
	double ghz[5];
	int i, j;

	for (i = 0; i < 5; i++) {
		uint64_t t0 = np_bench_now_ns(), c0 = np_bench_cycles_start(), t1, c1;

		do
			t1 = np_bench_now_ns();
		while (t1 - t0 < 20000000ull);
		c1 = np_bench_cycles_stop();
		ghz[i] = (double)(c1 - c0) / (double)(t1 - t0);
	}
	for (i = 1; i < 5; i++)
		for (j = i; j > 0 && ghz[j - 1] > ghz[j]; j--) {
			double t = ghz[j];

			ghz[j] = ghz[j - 1];
			ghz[j - 1] = t;
		}
	return ghz[2];
}

/* ---- statistics ---- */

static inline double np_bench_median(const double *v, int n)
{
	double s[NP_BENCH_RUNS_MAX];
	int i, j;

	if (n <= 0)
		return 0.0;
	if (n > NP_BENCH_RUNS_MAX)
		n = NP_BENCH_RUNS_MAX;
	for (i = 0; i < n; i++) {
		double x = v[i];

		for (j = i; j > 0 && s[j - 1] > x; j--)
			s[j] = s[j - 1];
		s[j] = x;
	}
	return n & 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
}

/* ---- results ---- */

struct np_bench_result {
	const char *name;	/* JSON "bench" */
	const char *dma;	/* "identity", "iommu" or NULL */
	double ns;		/* median ns per op */
	double cycles;		/* median TSC cycles per op */
	double mpps;		/* million ops per second, when > 0 */
	int runs;
	bool skipped;
	char why[160];		/* reason when skipped */
};

/* Fill @r from per-run samples (ns and cycles per op). */
static inline void np_bench_result_set(struct np_bench_result *r, const double *ns,
				       const double *cycles, int runs)
{
	r->ns = np_bench_median(ns, runs);
	r->cycles = np_bench_median(cycles, runs);
	r->runs = runs;
	r->skipped = false;
}

static inline void np_bench_result_skip(struct np_bench_result *r, const char *why)
{
	r->skipped = true;
	r->runs = 0;
	snprintf(r->why, sizeof(r->why), "%s", why);
}

/* ---- the harness ---- */

/*
 * A body performs @iters iterations of the operation under test and returns
 * how many operations that was (objects, for bulk bodies), or 0 on failure.
 */
typedef uint64_t (*np_bench_body_fn)(void *arg, uint64_t iters);

/*
 * np_bench_measure() - one warm-up call (a quarter of @iters), then
 * @opts->runs timed calls of @iters iterations each.
 * Return: 0 with @r filled (name and dma left to the caller), or -EIO when
 * the body failed.
 */
static inline int np_bench_measure(const struct np_bench_opts *opts, np_bench_body_fn body,
				   void *arg, uint64_t iters, struct np_bench_result *r)
{
	double ns[NP_BENCH_RUNS_MAX], cyc[NP_BENCH_RUNS_MAX];
	int runs = opts->runs, i;

	if (runs > NP_BENCH_RUNS_MAX)
		runs = NP_BENCH_RUNS_MAX;
	if (!body(arg, iters / 4 ? iters / 4 : 1))
		return -EIO;
	for (i = 0; i < runs; i++) {
		uint64_t t0, t1, c0, c1, ops;

		t0 = np_bench_now_ns();
		c0 = np_bench_cycles_start();
		ops = body(arg, iters);
		c1 = np_bench_cycles_stop();
		t1 = np_bench_now_ns();
		if (!ops)
			return -EIO;
		ns[i] = (double)(t1 - t0) / (double)ops;
		cyc[i] = (double)(c1 - c0) / (double)ops;
	}
	np_bench_result_set(r, ns, cyc, runs);
	return 0;
}

/* ---- RNG ---- */

struct np_bench_rng {
	uint64_t s;
};

static inline void np_bench_rng_seed(struct np_bench_rng *rng, uint64_t seed)
{
	rng->s = seed ? seed : 0x9e3779b97f4a7c15ull;
}

/* xorshift64* */
static inline uint64_t np_bench_rng_next(struct np_bench_rng *rng)
{
	uint64_t x = rng->s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng->s = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Uniform in [lo, hi] (the modulo bias is irrelevant for small ranges). */
static inline unsigned np_bench_rng_range(struct np_bench_rng *rng, unsigned lo, unsigned hi)
{
	return lo + (unsigned)((np_bench_rng_next(rng) >> 32) % (hi - lo + 1u));
}

/* ---- output ---- */

static inline void np_bench_table_header(FILE *f)
{
	fprintf(f, "%-28s %-9s %10s %10s %5s %9s  %s\n", "name", "dma", "ns/op", "cycles/op",
		"runs", "vs_dpdk", "note");
	fprintf(f, "%-28s %-9s %10s %10s %5s %9s  %s\n", "----", "---", "-----", "---------",
		"----", "-------", "----");
}

/*
 * np_bench_table_row() - one row. With @show_ratio the ratio column is
 * r->ns / @ref_ns, or "n/a" when @ref_ns <= 0 (no reference measured); @note
 * is free text for the last column.
 */
static inline void np_bench_table_row(FILE *f, const struct np_bench_result *r, double ref_ns,
				      bool show_ratio, const char *note)
{
	char ratio[32];

	if (r->skipped) {
		fprintf(f, "%-28s %-9s %10s %10s %5s %9s  skipped: %s\n", r->name,
			r->dma ? r->dma : "-", "-", "-", "-", "-", r->why);
		return;
	}
	if (!show_ratio)
		snprintf(ratio, sizeof(ratio), "-");
	else if (ref_ns > 0)
		snprintf(ratio, sizeof(ratio), "%.2fx", r->ns / ref_ns);
	else
		snprintf(ratio, sizeof(ratio), "n/a");
	fprintf(f, "%-28s %-9s %10.2f %10.1f %5d %9s  %s\n", r->name, r->dma ? r->dma : "-",
		r->ns, r->cycles, r->runs, ratio, note ? note : "");
}

/* np_bench_json_row() - {"bench":..,"dma":..,"ns":..,"cycles":..,"runs":..[,"mpps":..]} */
static inline void np_bench_json_row(FILE *f, const struct np_bench_result *r)
{
	fprintf(f, "{\"bench\": \"%s\", \"dma\": ", r->name);
	if (r->dma)
		fprintf(f, "\"%s\"", r->dma);
	else
		fprintf(f, "null");
	if (r->skipped) {
		fprintf(f, ", \"ns\": null, \"cycles\": null, \"runs\": 0, \"skipped\": \"");
		for (const char *p = r->why; *p; p++) {
			if (*p == '"' || *p == '\\')
				fputc('\\', f);
			fputc((unsigned char)*p < 0x20 ? ' ' : *p, f);
		}
		fprintf(f, "\"}\n");
		return;
	}
	fprintf(f, ", \"ns\": %.3f, \"cycles\": %.2f, \"runs\": %d", r->ns, r->cycles, r->runs);
	if (r->mpps > 0)
		fprintf(f, ", \"mpps\": %.2f", r->mpps);
	fprintf(f, "}\n");
}

/* ---- teardown checks shared by the subcommands ---- */

#ifdef NETPOOL_H
/*
 * np_bench_teardown() - the end of a benchmark's environment, each step
 * checked: @*pool (when not NULL) has no negative inflight, passes its audit
 * and is freed at destroy (nothing left in flight); @*dma reports no leaked
 * mapping; @*prov has no page out. Each pointer is cleared once released.
 * Return: 0, or -1 after printing "netpool-bench: @bench/@dma_name: ...".
 */
static inline int np_bench_teardown(const char *bench, const char *dma_name, struct np_pool **pool,
				    struct np_dma_dev **dma, struct np_provider **prov)
{
	struct np_pool_info info;
	long leaks;
	int ret;

	if (*pool) {
		int64_t inflight = np_pool_inflight(*pool);
		uint32_t id = (*pool)->id;

		if (inflight < 0) {
			fprintf(stderr, "netpool-bench: %s/%s: negative inflight %" PRId64 "\n", bench,
				dma_name, inflight);
			return -1;
		}
		if (np_pool_audit(*pool) != 0) {
			fprintf(stderr, "netpool-bench: %s/%s: np_pool_audit reported problems\n",
				bench, dma_name);
			return -1;
		}
		np_pool_destroy(*pool);
		*pool = NULL;
		if (np_pool_info_get(id, &info) != -ENOENT) {
			fprintf(stderr, "netpool-bench: %s/%s: %" PRId64 " pages still in flight after "
				"everything was returned; pool %u not freed at destroy\n", bench,
				dma_name, info.inflight, id);
			return -1;
		}
	}
	leaks = np_dma_dev_destroy(*dma);
	*dma = NULL;
	if (leaks != 0) {
		fprintf(stderr, "netpool-bench: %s/%s: %ld DMA mappings leaked\n", bench, dma_name,
			leaks);
		return -1;
	}
	ret = np_provider_destroy(*prov);
	if (ret) {
		fprintf(stderr, "netpool-bench: %s/%s: provider still has pages out (%s)\n", bench,
			dma_name, strerror(-ret));
		return -1;
	}
	*prov = NULL;
	return 0;
}

/* ---- two threads on two CPUs, released together (the cross-thread rows) ---- */

struct np_bench_pair {
	np_atomic_int ready;		/* threads pinned and waiting */
	NP_ATOMIC(bool) go;
};

/* Pin the calling thread to @cpu (-1: leave it). */
static inline void np_bench_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* A thread of the pair: pinned to @cpu, says it is ready and waits for the start. */
static inline void np_bench_pair_wait(struct np_bench_pair *p, int cpu)
{
	np_bench_pin(cpu);
	atomic_fetch_add_explicit(&p->ready, 1, memory_order_acq_rel);
	while (!atomic_load_explicit(&p->go, memory_order_acquire))
		np_cpu_relax();
}

/*
 * np_bench_pair_run() - start @second, then @first (both with @arg), release
 * them together once both wait (np_bench_pair_wait()), join both. When @first
 * cannot start, @cancel(@arg) must let @second finish without it.
 * Return: 0, or -1 when a thread could not be started.
 */
static inline int np_bench_pair_run(struct np_bench_pair *p, void *(*first)(void *),
				    void *(*second)(void *), void (*cancel)(void *), void *arg)
{
	pthread_t a, b;

	atomic_store(&p->ready, 0);
	atomic_store(&p->go, false);
	if (pthread_create(&b, NULL, second, arg))
		return -1;
	if (pthread_create(&a, NULL, first, arg)) {
		cancel(arg);
		atomic_store(&p->go, true);
		pthread_join(b, NULL);
		return -1;
	}
	while (atomic_load_explicit(&p->ready, memory_order_acquire) != 2)
		sched_yield();
	atomic_store_explicit(&p->go, true, memory_order_release);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	return 0;
}
#endif

/* ---- subcommands (one file each) ---- */

/* Return: 0 success, 1 a benchmark failed (leak, allocation failure). */
int np_bench_pool_main(const struct np_bench_opts *opts);
int np_bench_skb_main(const struct np_bench_opts *opts);
int np_bench_fwd_main(const struct np_bench_opts *opts);
/* The AF_XDP rows of fwd (bench_fwd_xdp.c); @tool_dir holds netpool-fwd. */
void np_bench_fwd_xdp(const struct np_bench_opts *opts, const char *tool_dir);
/* The TAP rows of fwd (bench_fwd_tap.c): iperf3 TCP against a kernel bridge. */
void np_bench_fwd_tap(const struct np_bench_opts *opts, const char *tool_dir);
/* Those rows alone (netpool-bench tap). Return: 0. */
int np_bench_tap_main(const struct np_bench_opts *opts);

/* ---- the DPDK peer (bench/peer_dpdk.c, built with WITH_DPDK=1) ---- */

/*
 * np_peer_dpdk_init() - start the EAL (no hugepages, no PCI, a per-process
 * file prefix) and create a mempool of 2 KiB elements with a per-lcore cache.
 * Context: the main thread; the timed bodies must then run on it.
 * Return: 0, or -errno with a reason in @why.
 */
int np_peer_dpdk_init(char *why, size_t len);
/* rte_mempool_get + rte_mempool_put, one object per iteration. */
uint64_t np_peer_dpdk_cached(void *arg, uint64_t iters);
/* rte_mempool_get_bulk + rte_mempool_put_bulk of 32; returns objects. */
uint64_t np_peer_dpdk_cached_bulk32(void *arg, uint64_t iters);
/*
 * np_peer_dpdk_mbuf_init() - after np_peer_dpdk_init(): two pktmbuf pools
 * (cache 256), one of direct mbufs with the default 2 KiB data room, one of
 * indirect mbufs (no data room) for clones, and a direct mbuf holding 1500
 * bytes for the clone bench to clone.
 * Return: 0, or -errno with a reason in @why (np_peer_dpdk_fini() cleans up).
 */
int np_peer_dpdk_mbuf_init(char *why, size_t len);
/* rte_pktmbuf_alloc + rte_pktmbuf_free, one mbuf per iteration. */
uint64_t np_peer_dpdk_mbuf_alloc_free(void *arg, uint64_t iters);
/* rte_pktmbuf_clone (an indirect mbuf from the second pool) + free of the clone. */
uint64_t np_peer_dpdk_mbuf_clone_free(void *arg, uint64_t iters);
/* Free the mbufs and mempools and shut the EAL down. */
void np_peer_dpdk_fini(void);

#endif /* NETPOOL_BENCH_H */
