/* SPDX-License-Identifier: MIT */
/*
 * bench/bench_pool.c - `netpool-bench pool`: the page_pool's paths against
 * in-run baselines and DPDK's rte_mempool.
 *
 * Order: baselines (empty loop, atomic increment, mutex, malloc), the DPDK
 * peer, then ours for each DMA backend (identity, checking IOMMU):
 *
 *   fast_path     alloc + recycle_direct inside the owning napi: the cache
 *   ring_path     alloc + put outside the napi: the return ring, then refill
 *   slow_path     an extra page reference defeats recycling: provider + map
 *                 and unmap + free for every page
 *   bulk          alloc_bulk + put_page_bulk of random sizes 1..64 (per page)
 *   cross_thread  the owner allocates batches, a second thread returns them
 *                 through the ring; ns per page and Mpps on the owner side
 *
 * Every pool benchmark ends by checking that nothing is in flight, that the
 * pool was freed at destroy, that no DMA mapping leaked and that every page
 * went back to the provider.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <unistd.h>

#include "netpool.h"
#include "bench.h"

#define BULK_MAX	64u
#define BULK_SEQ	4096u		/* random bulk sizes, a power of two */
#define XT_BATCH	64u		/* pages per cross-thread handoff */
#define XT_SLOTS	32u		/* handoff slots, a power of two */
#define POOL_RING_SIZE	4096u

enum bench_dma { BENCH_DMA_IDENTITY, BENCH_DMA_IOMMU, BENCH_DMA_NR };
static const char *const bench_dma_names[BENCH_DMA_NR] = { "identity", "iommu" };

/* Iteration counts per timed run (operations; bulk: bulk calls). */
struct pool_iters {
	uint64_t empty_loop, atomic_inc, lock, malloc_2k;
	uint64_t dpdk, dpdk_bulk32;
	uint64_t fast, ring, slow, bulk, cross_pages;
};

static const struct pool_iters pool_iters_full = {
	.empty_loop = 50000000, .atomic_inc = 10000000, .lock = 10000000, .malloc_2k = 4000000,
	.dpdk = 10000000, .dpdk_bulk32 = 500000,
	.fast = 10000000, .ring = 5000000, .slow = 500000, .bulk = 200000,
	.cross_pages = 20000000,
};

struct pool_env {
	struct np_provider *prov;
	struct np_dma_dev *dma;
	struct np_pool *pool;
	struct np_napi_ctx napi;
	const char *dma_name;
	const char *bench;
	const char *failed;		/* what failed inside a timed body */
};

/* Everything one `pool` invocation prints. */
struct pool_report {
	const struct np_bench_opts *opts;
	struct np_bench_result res[32];
	int nres;
	double dpdk_ns;			/* dpdk_mempool_cached, 0 when skipped */
};

/* ---- output ---- */

static struct np_bench_result *report_new(struct pool_report *rep, const char *name,
					  const char *dma)
{
	struct np_bench_result *r = &rep->res[rep->nres];

	/* 16 rows are used; should more be added past the array, the last slot is reused */
	if (rep->nres < (int)NP_ARRAY_SIZE(rep->res) - 1)
		rep->nres++;
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->dma = dma;
	return r;
}

static void report_emit(struct pool_report *rep, const struct np_bench_result *r, bool ours,
			const char *note)
{
	if (rep->opts->json)
		np_bench_json_row(stdout, r);
	else
		np_bench_table_row(stdout, r, rep->dpdk_ns, ours, note);
	fflush(stdout);
}

static const struct np_bench_result *report_find(const struct pool_report *rep,
						 const char *name, const char *dma)
{
	for (int i = 0; i < rep->nres; i++) {
		const struct np_bench_result *r = &rep->res[i];

		if (strcmp(r->name, name) == 0 && !r->skipped &&
		    ((!dma && !r->dma) || (dma && r->dma && strcmp(dma, r->dma) == 0)))
			return r;
	}
	return NULL;
}

/* ---- baselines ---- */

static _Atomic uint64_t baseline_counter;
static pthread_mutex_t baseline_mutex = PTHREAD_MUTEX_INITIALIZER;

static uint64_t body_empty_loop(void *arg, uint64_t iters)
{
	(void)arg;
	for (uint64_t i = 0; i < iters; i++)
		np_bench_barrier();
	return iters;
}

static uint64_t body_atomic_inc(void *arg, uint64_t iters)
{
	uint64_t sum = 0;

	(void)arg;
	/* Using the result keeps it a lock xadd, not a lock add. */
	for (uint64_t i = 0; i < iters; i++)
		sum += atomic_fetch_add_explicit(&baseline_counter, 1, memory_order_relaxed);
	np_bench_keep(sum);
	return iters;
}

static uint64_t body_lock(void *arg, uint64_t iters)
{
	(void)arg;
	for (uint64_t i = 0; i < iters; i++) {
		pthread_mutex_lock(&baseline_mutex);
		np_bench_barrier();
		pthread_mutex_unlock(&baseline_mutex);
	}
	return iters;
}

static uint64_t body_malloc_2k(void *arg, uint64_t iters)
{
	(void)arg;
	for (uint64_t i = 0; i < iters; i++) {
		void *p = malloc(2048);

		if (!p)
			return 0;
		np_bench_keep(p);
		free(p);
	}
	return iters;
}

static int run_baseline(struct pool_report *rep, const char *name, np_bench_body_fn body,
			uint64_t iters)
{
	struct np_bench_result *r = report_new(rep, name, NULL);

	if (np_bench_measure(rep->opts, body, NULL, iters, r)) {
		fprintf(stderr, "netpool-bench: %s failed\n", name);
		return -1;
	}
	report_emit(rep, r, false, NULL);
	return 0;
}

/* ---- the DPDK peer ---- */

static void run_peer(struct pool_report *rep, const struct pool_iters *it)
{
	struct np_bench_result *one = report_new(rep, "dpdk_mempool_cached", NULL);
	struct np_bench_result *bulk = report_new(rep, "dpdk_mempool_cached_bulk32", NULL);
#ifdef NP_WITH_DPDK
	char why[160] = "";

	if (np_peer_dpdk_init(why, sizeof(why)) != 0) {
		np_bench_result_skip(one, why);
		np_bench_result_skip(bulk, why);
	} else {
		if (np_bench_measure(rep->opts, np_peer_dpdk_cached, NULL, it->dpdk, one))
			np_bench_result_skip(one, "rte_mempool_get failed");
		else
			rep->dpdk_ns = one->ns;
		if (np_bench_measure(rep->opts, np_peer_dpdk_cached_bulk32, NULL,
				     it->dpdk_bulk32, bulk))
			np_bench_result_skip(bulk, "rte_mempool_get_bulk failed");
		np_peer_dpdk_fini();
	}
#else
	(void)it;
	np_bench_result_skip(one, "built without DPDK; run make bench");
	np_bench_result_skip(bulk, "built without DPDK; run make bench");
	if (!rep->opts->json) {
		printf("dpdk peer: skipped (built without DPDK; run make bench)\n");
		fflush(stdout);
		return;
	}
#endif
	report_emit(rep, one, false, NULL);
	report_emit(rep, bulk, false, "per object");
}

/* ---- pool environment: provider, DMA device, napi, pool ---- */

static int env_setup(struct pool_env *e, enum bench_dma kind, const char *bench)
{
	struct np_pool_params pp;
	int ret;

	memset(e, 0, sizeof(*e));
	e->dma_name = bench_dma_names[kind];
	e->bench = bench;
	ret = np_provider_create(NULL, &e->prov);
	if (ret) {
		fprintf(stderr, "netpool-bench: %s/%s: np_provider_create: %s\n", bench,
			e->dma_name, strerror(-ret));
		return -1;
	}
	if (kind == BENCH_DMA_IDENTITY)
		ret = np_dma_identity_create("bench-identity", &e->dma);
	else
		ret = np_dma_iommu_create("bench-iommu", NULL, &e->dma);
	if (ret) {
		fprintf(stderr, "netpool-bench: %s/%s: DMA device: %s\n", bench, e->dma_name,
			strerror(-ret));
		return -1;
	}
	np_napi_ctx_init(&e->napi);

	memset(&pp, 0, sizeof(pp));
	pp.flags = NP_POOL_F_DMA_MAP | NP_POOL_F_DMA_SYNC_DEV;
	pp.order = 0;
	pp.pool_size = POOL_RING_SIZE;
	pp.nid = NP_NUMA_NO_NODE;
	pp.dma = e->dma;
	pp.dma_dir = NP_DMA_FROM_DEVICE;
	pp.max_len = 2048;
	pp.offset = 0;
	pp.napi = &e->napi;
	pp.provider = e->prov;
	pp.name = bench;
	ret = np_pool_create(&pp, &e->pool);
	if (ret) {
		fprintf(stderr, "netpool-bench: %s/%s: np_pool_create: %s\n", bench, e->dma_name,
			strerror(-ret));
		return -1;
	}
	return 0;
}

/*
 * env_teardown() - everything must be back: no page in flight, the pool freed
 * at destroy, no live DMA mapping, no page out of the provider.
 *
 * np_pool_inflight() counts the pages idle in the pool (cache, ring) as the
 * kernel's does, so it cannot be 0 while the pool lives; destroy releases the
 * idle pages and frees the pool at once exactly when inflight then reaches 0.
 * Return: 0, or -1 after printing what was wrong.
 */
static int env_teardown(struct pool_env *e)
{
	return np_bench_teardown(e->bench, e->dma_name, &e->pool, &e->dma, &e->prov);
}

/* Report a path that did not behave as the benchmark assumes (figures then mislead). */
static void env_check_path(const struct pool_env *e)
{
	struct np_pool_stats st;
	const char *bad = NULL;

	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	if (np_pool_get_stats(e->pool, &st) != 0)
		return;
	if (!strcmp(e->bench, "fast_path") && (st.recycle.ring || st.recycle.released_refcnt))
		bad = "pages left the alloc cache";
	else if (!strcmp(e->bench, "ring_path") && !st.recycle.ring)
		bad = "nothing went through the return ring";
	else if (!strcmp(e->bench, "slow_path") && !st.recycle.released_refcnt)
		bad = "no page was released";
	else if (!strcmp(e->bench, "bulk") && (st.recycle.ring || st.recycle.released_refcnt))
		bad = "pages left the alloc cache";
	else if (!strcmp(e->bench, "cross_thread") && !st.recycle.ring)
		bad = "nothing went through the return ring";
	if (bad)
		fprintf(stderr,
			"netpool-bench: warning: %s/%s: %s (fast %" PRIu64 " slow %" PRIu64
			" refill %" PRIu64 " empty %" PRIu64 " cached %" PRIu64 " ring %" PRIu64
			" ring_full %" PRIu64 " released_refcnt %" PRIu64 ")\n",
			e->bench, e->dma_name, bad, st.alloc.fast, st.alloc.slow,
			st.alloc.refill, st.alloc.empty, st.recycle.cached, st.recycle.ring,
			st.recycle.ring_full, st.recycle.released_refcnt);
}

/* ---- single-thread pool bodies ---- */

/* How a single-thread body gives each page back. */
enum single_put {
	PUT_DIRECT,		/* recycle_direct inside the napi: the cache */
	PUT_RING,		/* put outside the napi: the return ring */
	PUT_EXTRA_REF,		/* put with a second reference held: released */
};

/*
 * Allocate one page per iteration and give it back @how. Always inlined with a
 * constant @how, so each body below compiles to its own loop with no branch
 * on @how inside.
 */
NP_INLINE uint64_t single_loop(struct pool_env *e, uint64_t iters, enum single_put how)
{
	struct np_pool *pool = e->pool;
	struct np_napi_ctx *prev = NULL;
	uint64_t i;

	if (how != PUT_RING)
		prev = np_napi_ctx_enter(&e->napi);
	for (i = 0; i < iters; i++) {
		struct np_page *page = np_pool_alloc_pages(pool);

		if (np_unlikely(!page)) {
			e->failed = "np_pool_alloc_pages returned NULL";
			break;
		}
		switch (how) {
		case PUT_DIRECT:
			np_bench_keep(page);
			np_pool_recycle_direct(pool, page);
			break;
		case PUT_RING:
			np_bench_keep(page);
			np_pool_put_full_page(pool, page, false);
			break;
		case PUT_EXTRA_REF:
			np_page_get(page);
			np_pool_put_full_page(pool, page, true);
			np_page_put(page);
			break;
		}
	}
	if (how != PUT_RING)
		np_napi_ctx_leave(prev);
	return e->failed ? 0 : iters;
}

static uint64_t body_fast_path(void *arg, uint64_t iters)
{
	return single_loop(arg, iters, PUT_DIRECT);
}

/* Not inside the napi: every put goes into the return ring. */
static uint64_t body_ring_path(void *arg, uint64_t iters)
{
	return single_loop(arg, iters, PUT_RING);
}

/* A second page reference makes the pool release the page instead of recycling it. */
static uint64_t body_slow_path(void *arg, uint64_t iters)
{
	return single_loop(arg, iters, PUT_EXTRA_REF);
}

struct bulk_arg {
	struct pool_env *e;
	uint8_t sizes[BULK_SEQ];
	unsigned pos;
};

static uint64_t body_bulk(void *arg, uint64_t iters)
{
	struct bulk_arg *ba = arg;
	struct pool_env *e = ba->e;
	struct np_pool *pool = e->pool;
	struct np_napi_ctx *prev = np_napi_ctx_enter(&e->napi);
	struct np_page *pages[BULK_MAX];
	unsigned pos = ba->pos;
	uint64_t i, objs = 0;

	for (i = 0; i < iters; i++) {
		unsigned want = ba->sizes[pos++ & (BULK_SEQ - 1)];
		unsigned got = np_pool_alloc_pages_bulk(pool, pages, want);

		if (np_unlikely(got != want)) {
			np_pool_put_page_bulk(pages, got);
			e->failed = "np_pool_alloc_pages_bulk came back short";
			break;
		}
		np_bench_keep(pages[0]);
		np_pool_put_page_bulk(pages, got);
		objs += got;
	}
	ba->pos = pos;
	np_napi_ctx_leave(prev);
	return e->failed ? 0 : objs;
}

static int run_pool_single(struct pool_report *rep, const char *name, enum bench_dma kind,
			   np_bench_body_fn body, uint64_t iters, const char *note)
{
	struct np_bench_result *r = report_new(rep, name, bench_dma_names[kind]);
	struct pool_env e;
	struct bulk_arg *ba = NULL;
	void *arg = &e;
	int ret;

	if (env_setup(&e, kind, name))
		return -1;
	if (body == body_bulk) {
		struct np_bench_rng rng;

		ba = calloc(1, sizeof(*ba));
		if (!ba) {
			fprintf(stderr, "netpool-bench: out of memory\n");
			return -1;
		}
		np_bench_rng_seed(&rng, 0x6e70626eull + kind);
		for (unsigned i = 0; i < BULK_SEQ; i++)
			ba->sizes[i] = (uint8_t)np_bench_rng_range(&rng, 1, BULK_MAX);
		ba->e = &e;
		arg = ba;
	}
	ret = np_bench_measure(rep->opts, body, arg, iters, r);
	free(ba);
	if (ret) {
		fprintf(stderr, "netpool-bench: %s/%s: %s\n", name, e.dma_name,
			e.failed ? e.failed : "failed");
		return -1;
	}
	env_check_path(&e);
	if (env_teardown(&e))
		return -1;
	report_emit(rep, r, true, note);
	return 0;
}

/* ---- cross_thread: owner allocates, a second thread returns through the ring ---- */

struct xt_slot {
	NP_CACHE_ALIGNED unsigned n;
	struct np_page *pages[XT_BATCH];
};

struct xt_ctx {
	/* written by the owner */
	NP_CACHE_ALIGNED _Atomic uint64_t head;	/* slots published */
	_Atomic bool owner_done;
	/* written by the returner */
	NP_CACHE_ALIGNED _Atomic uint64_t tail;	/* slots consumed */
	NP_CACHE_ALIGNED struct xt_slot slots[XT_SLOTS];

	/* set up by the main thread */
	NP_CACHE_ALIGNED struct pool_env *e;
	uint64_t pages;			/* per run */
	int cpu[2];			/* -1: not pinned */
	struct np_bench_pair pair;
	/* owner's results */
	uint64_t owner_ns, owner_cycles;
	const char *failed;
};

static void *xt_owner(void *arg)
{
	struct xt_ctx *x = arg;
	struct np_pool *pool = x->e->pool;
	struct np_napi_ctx *prev;
	uint64_t head = 0, tail_seen = 0, left = x->pages, t0, c0;

	prev = np_napi_ctx_enter(&x->e->napi);
	np_bench_pair_wait(&x->pair, x->cpu[0]);
	t0 = np_bench_now_ns();
	c0 = np_bench_cycles_start();
	while (left) {
		unsigned want = left < XT_BATCH ? (unsigned)left : XT_BATCH;
		struct xt_slot *slot;
		unsigned got;

		while (head - tail_seen >= XT_SLOTS) {
			tail_seen = atomic_load_explicit(&x->tail, memory_order_acquire);
			if (head - tail_seen >= XT_SLOTS)
				np_cpu_relax();
		}
		slot = &x->slots[head & (XT_SLOTS - 1)];
		got = np_pool_alloc_pages_bulk(pool, slot->pages, want);
		slot->n = got;
		atomic_store_explicit(&x->head, ++head, memory_order_release);
		if (np_unlikely(got != want)) {
			x->failed = "np_pool_alloc_pages_bulk came back short";
			break;
		}
		left -= got;
	}
	x->owner_cycles = np_bench_cycles_stop() - c0;
	x->owner_ns = np_bench_now_ns() - t0;
	atomic_store_explicit(&x->owner_done, true, memory_order_release);
	np_napi_ctx_leave(prev);
	return NULL;
}

/* Not inside the napi: np_pool_put_page_bulk() produces into the return ring. */
static void *xt_returner(void *arg)
{
	struct xt_ctx *x = arg;
	uint64_t tail = 0;

	np_bench_pair_wait(&x->pair, x->cpu[1]);
	for (;;) {
		uint64_t head = atomic_load_explicit(&x->head, memory_order_acquire);

		if (head == tail) {
			if (atomic_load_explicit(&x->owner_done, memory_order_acquire) &&
			    atomic_load_explicit(&x->head, memory_order_acquire) == tail)
				break;
			np_cpu_relax();
			continue;
		}
		while (tail != head) {
			struct xt_slot *slot = &x->slots[tail & (XT_SLOTS - 1)];

			np_pool_put_page_bulk(slot->pages, slot->n);
			atomic_store_explicit(&x->tail, ++tail, memory_order_release);
		}
	}
	return NULL;
}

/*
 * The round trip of one cache line between the two CPUs, measured next to each
 * cross_thread run: the handoff's cost follows it (on a VM it changes with
 * where the host places the virtual CPUs).
 */
struct xt_pingpong {
	NP_CACHE_ALIGNED _Atomic uint64_t ping;
	NP_CACHE_ALIGNED _Atomic uint64_t pong;
	uint64_t rounds;
	int cpu;
};

static void *xt_pong(void *arg)
{
	struct xt_pingpong *pp = arg;

	np_bench_pin(pp->cpu);
	for (uint64_t i = 1; i <= pp->rounds; i++) {
		while (atomic_load_explicit(&pp->ping, memory_order_acquire) != i)
			np_cpu_relax();
		atomic_store_explicit(&pp->pong, i, memory_order_release);
	}
	return NULL;
}

/* Return: ns per round trip, or 0 when it cannot be measured. Context: main thread on cpu[0]. */
static double xt_line_rtt(const int cpu[2])
{
	struct xt_pingpong *pp;
	pthread_t t;
	uint64_t t0 = 0, warm = 2000;
	double rtt;

	if (cpu[0] < 0)
		return 0;
	pp = aligned_alloc(NP_CACHE_LINE, sizeof(*pp));
	if (!pp)
		return 0;
	memset(pp, 0, sizeof(*pp));
	pp->rounds = 20000 + warm;
	pp->cpu = cpu[1];
	if (pthread_create(&t, NULL, xt_pong, pp)) {
		free(pp);
		return 0;
	}
	for (uint64_t i = 1; i <= pp->rounds; i++) {
		if (i == warm + 1)
			t0 = np_bench_now_ns();
		atomic_store_explicit(&pp->ping, i, memory_order_release);
		while (atomic_load_explicit(&pp->pong, memory_order_acquire) != i)
			np_cpu_relax();
	}
	rtt = (double)(np_bench_now_ns() - t0) / (double)(pp->rounds - warm);
	pthread_join(t, NULL);
	free(pp);
	return rtt;
}

/* The owner could not start: the returner stops at once. */
static void xt_cancel(void *arg)
{
	struct xt_ctx *x = arg;

	x->failed = "pthread_create failed";
	atomic_store(&x->owner_done, true);
}

/* One run of @pages pages. Return: 0, or -1 (thread or allocation failure). */
static int xt_run(struct xt_ctx *x, uint64_t pages)
{
	atomic_store(&x->head, 0);
	atomic_store(&x->tail, 0);
	atomic_store(&x->owner_done, false);
	x->pages = pages;
	x->failed = NULL;
	if (np_bench_pair_run(&x->pair, xt_owner, xt_returner, xt_cancel, x)) {
		x->failed = "pthread_create failed";
		return -1;
	}
	return x->failed ? -1 : 0;
}

static int run_cross_thread(struct pool_report *rep, enum bench_dma kind, uint64_t pages,
			    const int cpu[2])
{
	struct np_bench_result *r = report_new(rep, "cross_thread", bench_dma_names[kind]);
	double ns[NP_BENCH_RUNS_MAX], cyc[NP_BENCH_RUNS_MAX];
	int runs = NP_MIN(rep->opts->runs, NP_BENCH_RUNS_MAX);
	struct pool_env e;
	struct xt_ctx *x;
	char note[96];
	double rtt;

	if (env_setup(&e, kind, "cross_thread"))
		return -1;
	x = aligned_alloc(NP_CACHE_LINE, NP_ALIGN(sizeof(*x), NP_CACHE_LINE));
	if (!x) {
		fprintf(stderr, "netpool-bench: out of memory\n");
		return -1;
	}
	memset(x, 0, sizeof(*x));
	x->e = &e;
	x->cpu[0] = cpu[0];
	x->cpu[1] = cpu[1];

	/* warm-up: the pool's working set comes from the provider once */
	if (xt_run(x, pages / 4 ? pages / 4 : 1))
		goto fail;
	for (int i = 0; i < runs; i++) {
		if (xt_run(x, pages))
			goto fail;
		ns[i] = (double)x->owner_ns / (double)pages;
		cyc[i] = (double)x->owner_cycles / (double)pages;
	}
	free(x);
	np_bench_result_set(r, ns, cyc, runs);
	r->mpps = 1e3 / r->ns;
	rtt = xt_line_rtt(cpu);
	env_check_path(&e);
	if (env_teardown(&e))
		return -1;
	if (rtt > 0)
		snprintf(note, sizeof(note), "%.1f Mpps, owner side; line RTT CPU%d-CPU%d %.0f ns",
			 r->mpps, cpu[0], cpu[1], rtt);
	else
		snprintf(note, sizeof(note), "%.1f Mpps, owner side", r->mpps);
	report_emit(rep, r, true, note);
	return 0;
fail:
	fprintf(stderr, "netpool-bench: cross_thread/%s: %s\n", e.dma_name,
		x->failed ? x->failed : "failed");
	free(x);
	return -1;
}

/* ---- targets ---- */

static void print_target(const char *what, const char *dma, double ours, double limit,
			 const char *limit_desc, bool lower_is_better, const char *unit)
{
	bool met = lower_is_better ? ours <= limit : ours >= limit;

	printf("  %-44s %-9s %8.2f %-4s vs %8.2f %-4s (%s)  %s\n", what, dma, ours, unit, limit,
	       unit, limit_desc, met ? "met" : "missed");
}

static void print_targets(const struct pool_report *rep)
{
	printf("\ntargets:\n");
	for (int k = 0; k < BENCH_DMA_NR; k++) {
		const char *dma = bench_dma_names[k];
		const struct np_bench_result *fast = report_find(rep, "fast_path", dma);
		const struct np_bench_result *ring = report_find(rep, "ring_path", dma);
		const struct np_bench_result *xt = report_find(rep, "cross_thread", dma);

		if (!fast)
			continue;
		if (rep->dpdk_ns > 0)
			print_target("fast_path <= 0.8 x dpdk_mempool_cached", dma, fast->ns,
				     0.8 * rep->dpdk_ns, "0.8 x dpdk", true, "ns");
		else
			printf("  %-44s %-9s %8.2f ns   n/a (dpdk peer skipped)\n",
			       "fast_path <= 0.8 x dpdk_mempool_cached", dma, fast->ns);
		if (ring)
			print_target("ring_path <= 2.5 x fast_path", dma, ring->ns,
				     2.5 * fast->ns, "2.5 x fast", true, "ns");
		if (xt)
			print_target("cross_thread >= 50 Mpps", dma, xt->mpps, 50.0, "goal",
				     false, "Mpps");
	}
}

/* ---- entry point ---- */

/* The first two CPUs this process may run on; -1 where there are fewer. */
static void pick_cpus(int cpu[2])
{
	cpu_set_t set;
	int n = 0;

	cpu[0] = cpu[1] = -1;
	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return;
	for (int c = 0; c < CPU_SETSIZE && n < 2; c++)
		if (CPU_ISSET(c, &set))
			cpu[n++] = c;
	if (n < 2)
		cpu[0] = cpu[1] = -1;
}

int np_bench_pool_main(const struct np_bench_opts *opts)
{
	struct pool_report *rep;
	struct pool_iters it = pool_iters_full;
	int cpu[2], rc = 1;
	cpu_set_t saved;
	bool have_saved;

	if (opts->quick) {
		it.empty_loop /= 10;
		it.atomic_inc /= 10;
		it.lock /= 10;
		it.malloc_2k /= 10;
		it.dpdk /= 10;
		it.dpdk_bulk32 /= 10;
		it.fast /= 10;
		it.ring /= 10;
		it.slow /= 10;
		it.bulk /= 10;
		it.cross_pages /= 10;
	}
	rep = calloc(1, sizeof(*rep));
	if (!rep) {
		fprintf(stderr, "netpool-bench: out of memory\n");
		return 1;
	}
	rep->opts = opts;
	pick_cpus(cpu);
	have_saved = pthread_getaffinity_np(pthread_self(), sizeof(saved), &saved) == 0;

	if (!opts->json) {
		printf("netpool-bench pool: %d runs per benchmark (median), TSC %.3f GHz, "
		       "NP_DEBUG=%d%s\n", opts->runs, opts->tsc_ghz, NP_DEBUG,
		       opts->quick ? ", quick (iterations / 10)" : "");
		if (cpu[0] >= 0)
			printf("single-thread benches on CPU %d; cross_thread owner on CPU %d, "
			       "returner on CPU %d\n", cpu[0], cpu[0], cpu[1]);
		else
			printf("one CPU: cross_thread's two threads share it\n");
		if (NP_DEBUG)
			printf("note: a debug build (NP_DEBUG=%d); figures are not release figures\n",
			       NP_DEBUG);
		printf("\n");
		np_bench_table_header(stdout);
	}

	np_bench_pin(cpu[0]);
	if (run_baseline(rep, "empty_loop", body_empty_loop, it.empty_loop) ||
	    run_baseline(rep, "atomic_inc", body_atomic_inc, it.atomic_inc) ||
	    run_baseline(rep, "lock", body_lock, it.lock) ||
	    run_baseline(rep, "malloc_2k", body_malloc_2k, it.malloc_2k))
		goto out;
	run_peer(rep, &it);

	for (int k = 0; k < BENCH_DMA_NR; k++) {
		enum bench_dma kind = (enum bench_dma)k;

		if (run_pool_single(rep, "fast_path", kind, body_fast_path, it.fast, NULL) ||
		    run_pool_single(rep, "ring_path", kind, body_ring_path, it.ring, NULL) ||
		    run_pool_single(rep, "slow_path", kind, body_slow_path, it.slow, NULL) ||
		    run_pool_single(rep, "bulk", kind, body_bulk, it.bulk,
				    "per page, sizes 1..64") ||
		    run_cross_thread(rep, kind, it.cross_pages, cpu))
			goto out;
	}
	if (!opts->json)
		print_targets(rep);
	rc = 0;
out:
	if (have_saved)
		(void)pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
	free(rep);
	return rc;
}
