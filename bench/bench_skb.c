/* SPDX-License-Identifier: MIT */
/*
 * bench/bench_skb.c - `netpool-bench skb`: the skb layer's paths against
 * in-run baselines, DPDK's rte_mbuf and a malloc-based buffer.
 *
 * Order: baselines (empty loop, atomic increment), peers (malloc_buf, DPDK
 * mbuf alloc+free and clone+free), then ours. One op is one packet:
 *
 *   rx_recycle     inside the owning napi: pool page -> np_build_skb ->
 *                  reserve 64 -> put 64..1500 bytes (a 14-byte header
 *                  written) -> mark for recycle -> np_napi_consume_skb: the
 *                  page goes back to the alloc cache; both DMA backends
 *   rx_no_recycle  the same for a driver without page_pool recycling: page
 *                  from the provider, DMA map and unmap, the skb's page
 *                  reference frees it; both DMA backends
 *   rx_small_head  np_alloc_skb(1500) + put + consume (small-object head)
 *   clone_free     np_skb_clone of a marked pool-backed skb + free of the clone
 *   coalesce       np_skb_try_coalesce of an RX skb into a socket-queue skb +
 *                  np_kfree_skb_partial; includes building the RX skb, and
 *                  the socket-queue skb is freed and rebuilt every 16
 *                  coalesces (amortised into the figure)
 *   gro64          np_skb_gro_receive of 64 RX skbs into one head, then the
 *                  head is freed; per skb, building each RX skb included
 *   xthread_consume  a napi on one CPU builds RX skbs (as rx_recycle) and
 *                  hands them to a reader on a second CPU, which frees them
 *                  with np_consume_skb(): pages back through the pool's
 *                  ring, structs into the reader's cache; owner side, Mpps
 *   xthread_defer  the same, the reader freeing with
 *                  np_skb_attempt_defer_free(): the owner frees them at its
 *                  next poll (np_pool_flush_deferred() every 64 packets, as
 *                  a netdev's poll), pages straight into its cache
 *
 * Then the review of patch 3/5 (SPEC section 5), each pair measured with
 * its runs interleaved, on a 4-buffer RX frame (a pool page as head plus
 * three pool-page frags) released by a copy of the release path with the
 * variant compiled in:
 *
 *   (a) unref_bool / unref_split: one unref with a bool choosing the kind
 *       of reference, against a separate function for the recyclable kind;
 *   (b) sig_likely_* / sig_unlikely_*: the branch hint on the signature
 *       test, on pool pages and on page-fragment pages (heads of a driver
 *       that marks every skb);
 *   (c) pp_once / pp_every_recycle: page->pp and the signature stamped once
 *       per page life, against cleared and stamped again on every recycle.
 *
 * Every benchmark ends by checking that np_skb_live() is back to its start
 * value, that its pool was freed at destroy, that no DMA mapping leaked and
 * that every page went back to the provider; exit 1 otherwise.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "netpool.h"
#include "bench.h"
#include "skb_priv.h"	/* np_skb_struct_free(): the review variants release as the library does */

#define LEN_SEQ		4096u		/* random payload lengths, a power of two */
#define LEN_MIN		64u
#define LEN_MAX		1500u
#define ETH_HLEN	14u
#define NAPI_BUDGET	64
#define POOL_RING_SIZE	4096u
#define POOL_MAX_LEN	2048u
#define COALESCE_PER_TO	16u		/* socket-queue skb rebuilt after this many */
#define GRO_BATCH	64u
#define GRO_SEG_LEN	1000u		/* 64 segments stay under a 64 KiB packet */
#define MB_FRAGS	3u		/* review rows: frags beside the head */
#define MB_FRAG_LEN	1500u

enum bench_dma { BENCH_DMA_IDENTITY, BENCH_DMA_IOMMU, BENCH_DMA_NR };
static const char *const bench_dma_names[BENCH_DMA_NR] = { "identity", "iommu" };

/* An Ethernet header (destination, source, IPv4): the only payload bytes written. */
static const unsigned char eth_hdr[ETH_HLEN] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x08, 0x00,
};

static uint16_t skb_lens[LEN_SEQ];

/* Iteration counts per timed run (packets). */
struct skb_iters {
	uint64_t empty_loop, atomic_inc, malloc_buf;
	uint64_t dpdk_alloc, dpdk_clone;
	uint64_t rx_recycle, rx_no_recycle, rx_small_head, clone_free, coalesce, gro64;
	uint64_t xthread;
	uint64_t review;
};

static const struct skb_iters skb_iters_full = {
	.empty_loop = 50000000, .atomic_inc = 10000000, .malloc_buf = 2000000,
	.dpdk_alloc = 10000000, .dpdk_clone = 5000000,
	.rx_recycle = 5000000, .rx_no_recycle = 500000, .rx_small_head = 3000000,
	.clone_free = 5000000, .coalesce = 2000000, .gro64 = 2000000,
	.xthread = 2000000, .review = 2000000,
};

/* What one benchmark runs on: provider, DMA device, napi, pool (optional). */
struct skb_env {
	struct np_provider *prov;
	struct np_dma_dev *dma;
	struct np_pool *pool;
	struct np_napi_ctx napi;
	const char *dma_name;
	const char *bench;
	const char *failed;		/* what failed inside a timed body */
	int64_t live0;			/* np_skb_live() at setup */
	unsigned pos;			/* next index into skb_lens */
	struct np_skb *keep;		/* clone source, socket-queue skb */
	unsigned merged;		/* coalesces into keep */
	uint64_t stolen, copied;	/* coalesce: heads stolen, data copied */
	uint64_t flushes;		/* gro64: heads flushed early (-E2BIG) */
};

/* Everything one `skb` invocation prints. */
struct skb_report {
	const struct np_bench_opts *opts;
	struct np_bench_result res[40];
	int nres;
	double dpdk_alloc_ns;		/* dpdk_mbuf_alloc_free, 0 when skipped */
	double dpdk_clone_ns;		/* dpdk_mbuf_clone_free, 0 when skipped */
};

/* ---- output ---- */

static struct np_bench_result *report_new(struct skb_report *rep, const char *name,
					  const char *dma)
{
	struct np_bench_result *r = &rep->res[rep->nres];

	/* 26 rows are used; should more be added past the array, the last slot is reused */
	if (rep->nres < (int)NP_ARRAY_SIZE(rep->res) - 1)
		rep->nres++;
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->dma = dma;
	return r;
}

/* One row; the ratio column against @ref_ns when @ours (0: "n/a"). */
static void report_emit(struct skb_report *rep, const struct np_bench_result *r, bool ours,
			double ref_ns, const char *note)
{
	if (rep->opts->json)
		np_bench_json_row(stdout, r);
	else
		np_bench_table_row(stdout, r, ref_ns, ours, note);
	fflush(stdout);
}

static const struct np_bench_result *report_find(const struct skb_report *rep,
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

/* ---- baselines and the malloc peer ---- */

static _Atomic uint64_t baseline_counter;

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

/* A buffer the malloc way: a small header struct pointing at a 2 KiB data buffer. */
struct malloc_buf {
	unsigned char *data;
	uint32_t len;
	uint32_t refcnt;
	unsigned char pad[112];		/* the size of an skb struct, 128 bytes */
};

static uint64_t body_malloc_buf(void *arg, uint64_t iters)
{
	(void)arg;
	for (uint64_t i = 0; i < iters; i++) {
		struct malloc_buf *b = malloc(sizeof(*b));

		if (!b)
			return 0;
		b->data = malloc(2048);
		if (!b->data) {
			free(b);
			return 0;
		}
		b->len = 0;
		b->refcnt = 1;
		np_bench_keep(b);
		free(b->data);
		free(b);
	}
	return iters;
}

static int run_baseline(struct skb_report *rep, const char *name, np_bench_body_fn body,
			uint64_t iters)
{
	struct np_bench_result *r = report_new(rep, name, NULL);

	if (np_bench_measure(rep->opts, body, NULL, iters, r)) {
		fprintf(stderr, "netpool-bench: %s failed\n", name);
		return -1;
	}
	report_emit(rep, r, false, 0, NULL);
	return 0;
}

/* ---- the DPDK peer ---- */

static void run_peer(struct skb_report *rep, const struct skb_iters *it)
{
	struct np_bench_result *af = report_new(rep, "dpdk_mbuf_alloc_free", NULL);
	struct np_bench_result *cf = report_new(rep, "dpdk_mbuf_clone_free", NULL);
#ifdef NP_WITH_DPDK
	char why[160] = "";

	if (np_peer_dpdk_init(why, sizeof(why)) != 0 ||
	    np_peer_dpdk_mbuf_init(why, sizeof(why)) != 0) {
		np_bench_result_skip(af, why);
		np_bench_result_skip(cf, why);
	} else {
		if (np_bench_measure(rep->opts, np_peer_dpdk_mbuf_alloc_free, NULL,
				     it->dpdk_alloc, af))
			np_bench_result_skip(af, "rte_pktmbuf_alloc failed");
		else
			rep->dpdk_alloc_ns = af->ns;
		if (np_bench_measure(rep->opts, np_peer_dpdk_mbuf_clone_free, NULL,
				     it->dpdk_clone, cf))
			np_bench_result_skip(cf, "rte_pktmbuf_clone failed");
		else
			rep->dpdk_clone_ns = cf->ns;
	}
	np_peer_dpdk_fini();
#else
	(void)it;
	np_bench_result_skip(af, "built without DPDK; run make bench");
	np_bench_result_skip(cf, "built without DPDK; run make bench");
	if (!rep->opts->json) {
		printf("dpdk peer: skipped (built without DPDK; run make bench)\n");
		fflush(stdout);
		return;
	}
#endif
	report_emit(rep, af, false, 0, "cache 256");
	report_emit(rep, cf, false, 0, "indirect mbuf");
}

/* ---- environment: provider, DMA device, napi, pool ---- */

static int env_setup(struct skb_env *e, enum bench_dma kind, const char *bench, bool with_pool)
{
	struct np_pool_params pp;
	int ret;

	memset(e, 0, sizeof(*e));
	e->dma_name = bench_dma_names[kind];
	e->bench = bench;
	e->live0 = np_skb_live();
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
	if (!with_pool)
		return 0;

	memset(&pp, 0, sizeof(pp));
	pp.flags = NP_POOL_F_DMA_MAP | NP_POOL_F_DMA_SYNC_DEV;
	pp.order = 0;
	pp.pool_size = POOL_RING_SIZE;
	pp.nid = NP_NUMA_NO_NODE;
	pp.dma = e->dma;
	pp.dma_dir = NP_DMA_FROM_DEVICE;
	pp.max_len = POOL_MAX_LEN;
	pp.offset = NP_SKB_PAD;		/* the device writes after the skb headroom */
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
 * env_teardown() - everything must be back: every skb freed, no page in
 * flight, the pool freed at destroy, no live DMA mapping, no page out of the
 * provider. Return: 0, or -1 after printing what was wrong.
 */
static int env_teardown(struct skb_env *e)
{
	int64_t live = np_skb_live();

	if (live != e->live0) {
		fprintf(stderr, "netpool-bench: %s/%s: %" PRId64 " skbs live at the end, %" PRId64
			" at the start\n", e->bench, e->dma_name, live, e->live0);
		return -1;
	}
	return np_bench_teardown(e->bench, e->dma_name, &e->pool, &e->dma, &e->prov);
}

/* Warn when pages did not take the path the benchmark assumes (figures then mislead). */
static void env_check_recycled(const struct skb_env *e)
{
	struct np_pool_stats st;

	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	if (!e->pool || np_pool_get_stats(e->pool, &st) != 0)
		return;
	if (st.recycle.ring || st.recycle.released_refcnt || st.recycle.cache_full)
		fprintf(stderr,
			"netpool-bench: warning: %s/%s: pages left the alloc cache (cached %" PRIu64
			" ring %" PRIu64 " cache_full %" PRIu64 " released_refcnt %" PRIu64 ")\n",
			e->bench, e->dma_name, st.recycle.cached, st.recycle.ring,
			st.recycle.cache_full, st.recycle.released_refcnt);
}

/* ---- building RX skbs ---- */

NP_INLINE uint32_t next_len(struct skb_env *e)
{
	return skb_lens[e->pos++ & (LEN_SEQ - 1)];
}

/* Reserve the headroom, put @len bytes, write the Ethernet header. */
NP_INLINE bool rx_fill(struct np_skb *skb, uint32_t len)
{
	unsigned char *p;

	np_skb_reserve(skb, NP_SKB_PAD);
	p = np_skb_put(skb, len);
	if (np_unlikely(!p))
		return false;
	memcpy(p, eth_hdr, ETH_HLEN);
	return true;
}

/* What a page_pool driver does for one received frame of @len bytes. Context: owner napi. */
NP_INLINE struct np_skb *rx_skb(struct skb_env *e, uint32_t len)
{
	struct np_page *page = np_pool_alloc_pages(e->pool);
	struct np_skb *skb;

	if (np_unlikely(!page)) {
		e->failed = "np_pool_alloc_pages returned NULL";
		return NULL;
	}
	skb = np_build_skb(np_page_address(page), NP_PAGE_SIZE);
	if (np_unlikely(!skb)) {
		np_pool_recycle_direct(e->pool, page);
		e->failed = "np_build_skb returned NULL";
		return NULL;
	}
	np_skb_mark_for_recycle(skb);
	if (np_unlikely(!rx_fill(skb, len))) {
		np_kfree_skb(skb);
		e->failed = "np_skb_put refused";
		return NULL;
	}
	return skb;
}

/* ---- rx_recycle, rx_no_recycle, rx_small_head ---- */

static uint64_t body_rx_recycle(void *arg, uint64_t iters)
{
	struct skb_env *e = arg;
	struct np_napi_ctx *prev = np_napi_ctx_enter(&e->napi);
	uint64_t i;

	for (i = 0; i < iters; i++) {
		struct np_skb *skb = rx_skb(e, next_len(e));

		if (np_unlikely(!skb))
			break;
		np_napi_consume_skb(skb, NAPI_BUDGET);
	}
	np_napi_ctx_leave(prev);
	return e->failed ? 0 : iters;
}

/*
 * A driver without page_pool: every RX buffer is a fresh page mapped for the
 * device, unmapped when the frame is in, and freed by the skb's page
 * reference when the stack is done with it.
 */
static uint64_t body_rx_no_recycle(void *arg, uint64_t iters)
{
	struct skb_env *e = arg;
	struct np_napi_ctx *prev = np_napi_ctx_enter(&e->napi);
	uint64_t i;

	for (i = 0; i < iters; i++) {
		struct np_page *page = np_page_alloc(e->prov, 0, NP_NUMA_NO_NODE, 0);
		np_dma_addr_t dma;
		struct np_skb *skb;

		if (np_unlikely(!page)) {
			e->failed = "np_page_alloc returned NULL";
			break;
		}
		if (np_unlikely(np_dma_map(e->dma, np_page_address(page), NP_PAGE_SIZE,
					   NP_DMA_FROM_DEVICE, &dma))) {
			np_page_put(page);
			e->failed = "np_dma_map failed";
			break;
		}
		/* ... the device writes the frame ... */
		if (np_unlikely(np_dma_unmap(e->dma, dma, NP_PAGE_SIZE, NP_DMA_FROM_DEVICE))) {
			np_page_put(page);
			e->failed = "np_dma_unmap failed";
			break;
		}
		skb = np_build_skb(np_page_address(page), NP_PAGE_SIZE);
		if (np_unlikely(!skb)) {
			np_page_put(page);
			e->failed = "np_build_skb returned NULL";
			break;
		}
		if (np_unlikely(!rx_fill(skb, next_len(e)))) {
			np_kfree_skb(skb);
			e->failed = "np_skb_put refused";
			break;
		}
		np_napi_consume_skb(skb, NAPI_BUDGET);
	}
	np_napi_ctx_leave(prev);
	return e->failed ? 0 : iters;
}

static uint64_t body_rx_small_head(void *arg, uint64_t iters)
{
	struct skb_env *e = arg;
	uint64_t i;

	for (i = 0; i < iters; i++) {
		struct np_skb *skb = np_alloc_skb(LEN_MAX);
		unsigned char *p;

		if (np_unlikely(!skb)) {
			e->failed = "np_alloc_skb returned NULL";
			break;
		}
		p = np_skb_put(skb, next_len(e));
		if (np_unlikely(!p)) {
			np_kfree_skb(skb);
			e->failed = "np_skb_put refused";
			break;
		}
		memcpy(p, eth_hdr, ETH_HLEN);
		np_napi_consume_skb(skb, NAPI_BUDGET);
	}
	return e->failed ? 0 : iters;
}

/* ---- clone_free ---- */

static uint64_t body_clone_free(void *arg, uint64_t iters)
{
	struct skb_env *e = arg;
	struct np_napi_ctx *prev = np_napi_ctx_enter(&e->napi);
	struct np_skb *orig = e->keep;
	uint64_t i;

	for (i = 0; i < iters; i++) {
		struct np_skb *c = np_skb_clone(orig);

		if (np_unlikely(!c)) {
			e->failed = "np_skb_clone returned NULL";
			break;
		}
		np_bench_keep(c);
		np_kfree_skb(c);
	}
	np_napi_ctx_leave(prev);
	return e->failed ? 0 : iters;
}

/* ---- coalesce ---- */

/*
 * The tail skb of a socket receive queue: an RX skb of the same kind whose
 * head is full, so every RX skb coalesced into it lands in a frag slot.
 */
NP_INLINE struct np_skb *sockq_skb(struct skb_env *e)
{
	struct np_skb *to = rx_skb(e, LEN_MAX);

	if (to && np_skb_tailroom(to))
		(void)np_skb_put(to, np_skb_tailroom(to));
	return to;
}

static uint64_t body_coalesce(void *arg, uint64_t iters)
{
	struct skb_env *e = arg;
	struct np_napi_ctx *prev = np_napi_ctx_enter(&e->napi);
	uint64_t i;

	for (i = 0; i < iters; i++) {
		struct np_skb *from;
		bool stolen = false;
		int delta = 0;

		if (np_unlikely(!e->keep || e->merged == COALESCE_PER_TO)) {
			if (e->keep)
				np_napi_consume_skb(e->keep, NAPI_BUDGET);
			e->keep = sockq_skb(e);
			e->merged = 0;
			if (!e->keep)
				break;
		}
		from = rx_skb(e, next_len(e));
		if (np_unlikely(!from))
			break;
		if (np_unlikely(!np_skb_try_coalesce(e->keep, from, &stolen, &delta))) {
			np_kfree_skb(from);
			e->failed = "np_skb_try_coalesce refused";
			break;
		}
		np_bench_keep(delta);
		e->merged++;
		if (stolen)
			e->stolen++;
		else
			e->copied++;
		np_kfree_skb_partial(from, stolen);
	}
	if (e->keep) {
		np_napi_consume_skb(e->keep, NAPI_BUDGET);
		e->keep = NULL;
	}
	np_napi_ctx_leave(prev);
	return e->failed ? 0 : iters;
}

/* ---- gro64 ---- */

static uint64_t body_gro64(void *arg, uint64_t iters)
{
	struct skb_env *e = arg;
	struct np_napi_ctx *prev = np_napi_ctx_enter(&e->napi);
	uint64_t batches = (iters + GRO_BATCH - 1) / GRO_BATCH, b;

	for (b = 0; b < batches && !e->failed; b++) {
		struct np_skb *head = rx_skb(e, GRO_SEG_LEN);

		if (np_unlikely(!head))
			break;
		for (unsigned k = 1; k < GRO_BATCH; k++) {
			struct np_skb *skb = rx_skb(e, GRO_SEG_LEN);
			int ret;

			if (np_unlikely(!skb))
				break;
			ret = np_skb_gro_receive(head, skb);
			if (np_likely(ret == 0))
				continue;
			if (ret == -E2BIG) {
				/* the packet is full: flush it, start the next with this skb */
				np_napi_consume_skb(head, NAPI_BUDGET);
				head = skb;
				e->flushes++;
				continue;
			}
			np_kfree_skb(skb);
			e->failed = "np_skb_gro_receive refused";
			break;
		}
		np_napi_consume_skb(head, NAPI_BUDGET);
	}
	np_napi_ctx_leave(prev);
	return e->failed ? 0 : batches * GRO_BATCH;
}

/* ---- running one of ours ---- */

static int run_ours(struct skb_report *rep, const char *name, enum bench_dma kind,
		    bool dma_row, np_bench_body_fn body, uint64_t iters, double ref_ns)
{
	struct np_bench_result *r = report_new(rep, name, dma_row ? bench_dma_names[kind] : NULL);
	bool with_pool = body != body_rx_no_recycle && body != body_rx_small_head;
	struct np_napi_ctx *prev;
	struct skb_env e;
	char note[128] = "";
	int ret;

	if (env_setup(&e, kind, name, with_pool))
		return -1;
	if (body == body_clone_free) {
		prev = np_napi_ctx_enter(&e.napi);
		e.keep = rx_skb(&e, LEN_MAX);
		np_napi_ctx_leave(prev);
		if (!e.keep) {
			fprintf(stderr, "netpool-bench: %s: %s\n", name, e.failed);
			return -1;
		}
	}
	ret = np_bench_measure(rep->opts, body, &e, iters, r);
	if (ret) {
		fprintf(stderr, "netpool-bench: %s/%s: %s\n", name, e.dma_name,
			e.failed ? e.failed : "failed");
		return -1;
	}
	if (e.keep) {
		prev = np_napi_ctx_enter(&e.napi);
		np_napi_consume_skb(e.keep, NAPI_BUDGET);
		np_napi_ctx_leave(prev);
		e.keep = NULL;
	}
	if (with_pool)
		env_check_recycled(&e);
	if (body == body_coalesce) {
		snprintf(note, sizeof(note), "head stolen %.0f%%; RX skb built; to rebuilt /16",
			 100.0 * (double)e.stolen / (double)NP_MAX(e.stolen + e.copied, 1));
	} else if (body == body_gro64) {
		snprintf(note, sizeof(note), "per skb, RX skb built");
		if (e.flushes)
			snprintf(note, sizeof(note), "per skb, RX skb built; %" PRIu64
				 " early flushes", e.flushes);
	} else if (body == body_rx_no_recycle) {
		snprintf(note, sizeof(note), "provider + map/unmap per packet");
	}
	if (env_teardown(&e))
		return -1;
	report_emit(rep, r, ref_ns > 0 || ref_ns < 0, ref_ns, note[0] ? note : NULL);
	return 0;
}

/* ---- xthread_consume / xthread_defer: built by a napi, freed by a reader ---- */

#define XF_SLOTS	256u		/* skbs the owner may be ahead of the reader */
#define XF_PUBLISH	16u		/* skbs the owner hands over at once */

struct xf_ctx {
	/* written by the owner */
	NP_CACHE_ALIGNED _Atomic uint64_t head;	/* skbs published */
	_Atomic bool owner_done;
	/* written by the reader */
	NP_CACHE_ALIGNED _Atomic uint64_t tail;	/* skbs freed */
	NP_CACHE_ALIGNED struct np_skb *slots[XF_SLOTS];

	/* set up by the main thread */
	NP_CACHE_ALIGNED struct skb_env *e;
	uint64_t packets;
	bool defer;
	int cpu[2];
	struct np_bench_pair pair;
	uint64_t owner_ns, owner_cycles;
};

static void *xf_owner(void *arg)
{
	struct xf_ctx *x = arg;
	struct skb_env *e = x->e;
	struct np_napi_ctx *prev;
	uint64_t head = 0, tail_seen = 0, t0, c0;

	prev = np_napi_ctx_enter(&e->napi);
	np_bench_pair_wait(&x->pair, x->cpu[0]);
	t0 = np_bench_now_ns();
	c0 = np_bench_cycles_start();
	for (; head < x->packets; head++) {
		struct np_skb *skb;

		/* a poll's start: what readers handed back is freed first */
		if (head % NAPI_BUDGET == 0)
			np_pool_flush_deferred(e->pool);
		while (head - tail_seen >= XF_SLOTS) {
			tail_seen = atomic_load_explicit(&x->tail, memory_order_acquire);
			if (head - tail_seen >= XF_SLOTS)
				np_cpu_relax();
		}
		skb = rx_skb(e, next_len(e));
		if (np_unlikely(!skb))
			break;
		x->slots[head & (XF_SLOTS - 1)] = skb;
		/* published 16 at a time, as a socket queue wakes its reader per batch */
		if ((head + 1) % XF_PUBLISH == 0)
			atomic_store_explicit(&x->head, head + 1, memory_order_release);
	}
	atomic_store_explicit(&x->head, head, memory_order_release);
	x->owner_cycles = np_bench_cycles_stop() - c0;
	x->owner_ns = np_bench_now_ns() - t0;
	atomic_store_explicit(&x->owner_done, true, memory_order_release);
	np_napi_ctx_leave(prev);
	return NULL;
}

static void *xf_reader(void *arg)
{
	struct xf_ctx *x = arg;
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
		for (; tail != head; tail++) {
			struct np_skb *skb = x->slots[tail & (XF_SLOTS - 1)];

			if (x->defer)
				np_skb_attempt_defer_free(skb);
			else
				np_consume_skb(skb);
		}
		atomic_store_explicit(&x->tail, tail, memory_order_release);
	}
	np_skb_thread_flush();
	return NULL;
}

/* The owner could not start: the reader stops at once. */
static void xf_cancel(void *arg)
{
	struct xf_ctx *x = arg;

	atomic_store(&x->owner_done, true);
}

/* One run; afterwards the main thread, as the owner, frees what still waits. */
static int xf_run(struct xf_ctx *x, uint64_t packets)
{
	struct np_napi_ctx *prev;

	atomic_store(&x->head, 0);
	atomic_store(&x->tail, 0);
	atomic_store(&x->owner_done, false);
	x->packets = packets;
	if (np_bench_pair_run(&x->pair, xf_owner, xf_reader, xf_cancel, x))
		return -1;
	prev = np_napi_ctx_enter(&x->e->napi);
	np_pool_flush_deferred(x->e->pool);
	np_napi_ctx_leave(prev);
	return x->e->failed ? -1 : 0;
}

/* The CPUs the process may run on, before the main thread pins itself. */
static cpu_set_t skb_cpus;
static bool skb_cpus_known;

/* The first two of them. Return: false with fewer than two. */
static bool xf_two_cpus(int cpu[2])
{
	const cpu_set_t set = skb_cpus;
	int n = 0;

	if (!skb_cpus_known)
		return false;
	for (int c = 0; c < CPU_SETSIZE && n < 2; c++)
		if (CPU_ISSET(c, &set))
			cpu[n++] = c;
	return n == 2;
}

static int run_xthread(struct skb_report *rep, const char *name, bool defer, uint64_t packets,
		       double ref_ns)
{
	struct np_bench_result *r = report_new(rep, name, bench_dma_names[BENCH_DMA_IDENTITY]);
	double ns[NP_BENCH_RUNS_MAX], cyc[NP_BENCH_RUNS_MAX];
	int runs = NP_MIN(rep->opts->runs, NP_BENCH_RUNS_MAX);
	struct np_pool_stats st0, st;
	struct skb_env e;
	struct xf_ctx *x;
	char note[192];
	int cpu[2];

	if (!xf_two_cpus(cpu)) {
		np_bench_result_skip(r, "needs two CPUs");
		report_emit(rep, r, false, 0, NULL);
		return 0;
	}
	if (env_setup(&e, BENCH_DMA_IDENTITY, name, true))
		return -1;
	x = aligned_alloc(NP_CACHE_LINE, NP_ALIGN(sizeof(*x), NP_CACHE_LINE));
	if (!x) {
		fprintf(stderr, "netpool-bench: out of memory\n");
		return -1;
	}
	memset(x, 0, sizeof(*x));
	x->e = &e;
	x->defer = defer;
	x->cpu[0] = cpu[0];
	x->cpu[1] = cpu[1];
	if (xf_run(x, packets / 4 ? packets / 4 : 1))
		goto fail;
	memset(&st0, 0, sizeof(st0));
	st0.size = sizeof(st0);
	np_pool_get_stats(e.pool, &st0);
	for (int i = 0; i < runs; i++) {
		if (xf_run(x, packets))
			goto fail;
		ns[i] = (double)x->owner_ns / (double)packets;
		cyc[i] = (double)x->owner_cycles / (double)packets;
	}
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	np_pool_get_stats(e.pool, &st);
	free(x);
	np_bench_result_set(r, ns, cyc, runs);
	r->mpps = 1e3 / r->ns;
	snprintf(note, sizeof(note), "%.1f Mpps, CPU%d builds, CPU%d frees; pages back: "
		 "cache %.0f%%, ring %.0f%%", r->mpps, cpu[0], cpu[1],
		 100.0 * (double)(st.recycle.cached - st0.recycle.cached) /
		 (double)NP_MAX(st.recycle.cached - st0.recycle.cached + st.recycle.ring -
				st0.recycle.ring, 1),
		 100.0 * (double)(st.recycle.ring - st0.recycle.ring) /
		 (double)NP_MAX(st.recycle.cached - st0.recycle.cached + st.recycle.ring -
				st0.recycle.ring, 1));
	if (ref_ns > 0) {
		size_t len = strlen(note);

		snprintf(note + len, sizeof(note) - len, "; %.2fx xthread_consume", r->ns / ref_ns);
	}
	if (env_teardown(&e))
		return -1;
	report_emit(rep, r, false, 0, note);
	return 0;
fail:
	fprintf(stderr, "netpool-bench: %s: %s\n", name, e.failed ? e.failed : "thread failed");
	free(x);
	return -1;
}

/* ---- the review of patch 3/5: variants of the release path ---- */

enum review_variant {
	RV_BOOL,		/* np_skb_page_unref(page, recycle): netpool, mainline */
	RV_SPLIT,		/* a separate function for the recyclable kind */
	RV_SIG_UNLIKELY,	/* hint: the signature test is expected to fail */
	RV_PP_EVERY,		/* pp and signature cleared and stamped on every recycle */
};

/*
 * Copies of np_napi_pp_put_page() (skb.c), out of line as it is, with the
 * hint on the signature test either way. pp_put_sig_likely() is the
 * library's: the test is expected to find a pool page.
 */
static NP_NOINLINE bool pp_put_sig_likely(struct np_page *page)
{
	if (np_unlikely(!np_page_is_pp(page)))
		return false;
	np_pool_put_full_page(page->pp, page, false);
	return true;
}

static NP_NOINLINE bool pp_put_sig_unlikely(struct np_page *page)
{
	if (np_likely(!np_page_is_pp(page)))
		return false;
	np_pool_put_full_page(page->pp, page, false);
	return true;
}

/* Review point (a), the other way: a function of its own for recyclable slots. */
static NP_NOINLINE void pp_frag_unref(struct np_page *page)
{
	if (np_unlikely(!np_page_is_pp(page))) {
		np_page_put(page);
		return;
	}
	np_pool_put_full_page(page->pp, page, false);
}

NP_INLINE void review_unref(struct np_page *page, bool recycle, enum review_variant v)
{
	switch (v) {
	case RV_SPLIT:
		if (recycle)
			pp_frag_unref(page);
		else
			np_page_put(page);
		return;
	case RV_SIG_UNLIKELY:
		if (recycle && pp_put_sig_unlikely(page))
			return;
		np_page_put(page);
		return;
	case RV_BOOL:
	case RV_PP_EVERY:
		if (recycle && pp_put_sig_likely(page))
			return;
		np_page_put(page);
		return;
	}
}

/*
 * The release path of np_napi_consume_skb() for the skbs built here (one
 * user, not cloned, no frag_list, a head_frag head), with @v compiled in.
 * The library's release does the same plus its drop-reason counter.
 */
NP_INLINE void review_release(struct np_skb *skb, enum review_variant v)
{
	struct np_skb_shared_info *sh = np_skb_shinfo(skb);
	bool recycle = skb->pp_recycle;

	for (unsigned i = 0; i < sh->nr_frags; i++)
		review_unref(sh->frags[i].page, recycle, v);
	review_unref(np_virt_to_page(skb->head), recycle, v);
	skb->pp_recycle = 0;
	np_skb_struct_free(skb);
}

/*
 * Review point (c), the other way: a pool that clears pp and the signature
 * when a page enters its cache and stamps them again when it leaves makes
 * these stores on every recycle. They are made here while the benchmark holds
 * the page (same descriptor line, same stores), so the pool never holds a
 * page without its signature.
 */
NP_INLINE void pp_stamp_again(struct np_pool *pool, struct np_page *page)
{
	page->pp = NULL;
	page->pp_magic &= NP_PAGE_ALLOC_BITS;
	np_bench_barrier();
	page->pp = pool;
	page->pp_magic = (page->pp_magic & NP_PAGE_ALLOC_BITS) | NP_PP_SIGNATURE;
	np_bench_barrier();
}

NP_INLINE struct np_page *review_pool_page(struct skb_env *e, enum review_variant v)
{
	struct np_page *page = np_pool_alloc_pages(e->pool);

	if (np_unlikely(!page)) {
		e->failed = "np_pool_alloc_pages returned NULL";
		return NULL;
	}
	if (v == RV_PP_EVERY)
		pp_stamp_again(e->pool, page);
	return page;
}

/* A 4-buffer frame: a pool page as head and MB_FRAGS pool pages as frags, marked. */
NP_INLINE struct np_skb *review_rx_pool(struct skb_env *e, enum review_variant v)
{
	struct np_page *page = review_pool_page(e, v);
	struct np_skb *skb;

	if (!page)
		return NULL;
	skb = np_build_skb(np_page_address(page), NP_PAGE_SIZE);
	if (np_unlikely(!skb)) {
		np_pool_recycle_direct(e->pool, page);
		e->failed = "np_build_skb returned NULL";
		return NULL;
	}
	np_skb_mark_for_recycle(skb);
	if (np_unlikely(!rx_fill(skb, next_len(e)))) {
		review_release(skb, v);
		e->failed = "np_skb_put refused";
		return NULL;
	}
	for (unsigned i = 0; i < MB_FRAGS; i++) {
		page = review_pool_page(e, v);
		if (!page) {
			review_release(skb, v);
			return NULL;
		}
		np_skb_add_rx_frag(skb, i, page, NP_SKB_PAD, MB_FRAG_LEN, NP_PAGE_SIZE);
	}
	return skb;
}

/*
 * The same frame from a driver that takes its buffers from the per-thread
 * page-fragment allocator (page references) and marks every skb all the
 * same: each unref finds no signature and drops a page reference.
 */
NP_INLINE struct np_skb *review_rx_frag(struct skb_env *e, enum review_variant v)
{
	struct np_skb *skb = np_napi_alloc_skb(LEN_MAX);

	if (np_unlikely(!skb)) {
		e->failed = "np_napi_alloc_skb returned NULL";
		return NULL;
	}
	np_skb_mark_for_recycle(skb);
	{
		unsigned char *p = np_skb_put(skb, next_len(e));

		if (np_unlikely(!p)) {
			review_release(skb, v);
			e->failed = "np_skb_put refused";
			return NULL;
		}
		memcpy(p, eth_hdr, ETH_HLEN);
	}
	for (unsigned i = 0; i < MB_FRAGS; i++) {
		unsigned char *buf = np_page_frag_alloc(MB_FRAG_LEN);
		struct np_page *page;

		if (np_unlikely(!buf)) {
			review_release(skb, v);
			e->failed = "np_page_frag_alloc returned NULL";
			return NULL;
		}
		page = np_virt_to_page(buf);
		np_skb_add_rx_frag(skb, i, page, (uint32_t)(buf - (unsigned char *)np_page_address(page)),
				   MB_FRAG_LEN, MB_FRAG_LEN);
	}
	return skb;
}

NP_INLINE uint64_t review_loop(struct skb_env *e, uint64_t iters, enum review_variant v,
			       bool pool_pages)
{
	struct np_napi_ctx *prev = np_napi_ctx_enter(&e->napi);
	uint64_t i;

	for (i = 0; i < iters; i++) {
		struct np_skb *skb = pool_pages ? review_rx_pool(e, v) : review_rx_frag(e, v);

		if (np_unlikely(!skb))
			break;
		review_release(skb, v);
	}
	np_napi_ctx_leave(prev);
	return e->failed ? 0 : iters;
}

static uint64_t body_unref_bool(void *arg, uint64_t iters)
{
	return review_loop(arg, iters, RV_BOOL, true);
}

static uint64_t body_unref_split(void *arg, uint64_t iters)
{
	return review_loop(arg, iters, RV_SPLIT, true);
}

static uint64_t body_sig_likely_pool(void *arg, uint64_t iters)
{
	return review_loop(arg, iters, RV_BOOL, true);
}

static uint64_t body_sig_unlikely_pool(void *arg, uint64_t iters)
{
	return review_loop(arg, iters, RV_SIG_UNLIKELY, true);
}

static uint64_t body_sig_likely_frag(void *arg, uint64_t iters)
{
	return review_loop(arg, iters, RV_BOOL, false);
}

static uint64_t body_sig_unlikely_frag(void *arg, uint64_t iters)
{
	return review_loop(arg, iters, RV_SIG_UNLIKELY, false);
}

static uint64_t body_pp_once(void *arg, uint64_t iters)
{
	return review_loop(arg, iters, RV_BOOL, true);
}

static uint64_t body_pp_every_recycle(void *arg, uint64_t iters)
{
	return review_loop(arg, iters, RV_PP_EVERY, true);
}

/*
 * measure_pair() - two bodies, one warm-up each, then @opts->runs runs of
 * each, interleaved and alternating which goes first, so slow drift of the
 * machine falls on both alike. Return: 0, or -EIO when a body failed.
 */
static int measure_pair(const struct np_bench_opts *opts, np_bench_body_fn fa, void *aa,
			np_bench_body_fn fb, void *ab, uint64_t iters, struct np_bench_result *ra,
			struct np_bench_result *rb)
{
	double ns[2][NP_BENCH_RUNS_MAX], cyc[2][NP_BENCH_RUNS_MAX];
	np_bench_body_fn f[2] = { fa, fb };
	void *a[2] = { aa, ab };
	int runs = NP_MIN(opts->runs, NP_BENCH_RUNS_MAX);

	if (!fa(aa, iters / 4 ? iters / 4 : 1) || !fb(ab, iters / 4 ? iters / 4 : 1))
		return -EIO;
	for (int i = 0; i < runs; i++) {
		for (int k = 0; k < 2; k++) {
			int j = (i & 1) ^ k;
			uint64_t t0, t1, c0, c1, ops;

			t0 = np_bench_now_ns();
			c0 = np_bench_cycles_start();
			ops = f[j](a[j], iters);
			c1 = np_bench_cycles_stop();
			t1 = np_bench_now_ns();
			if (!ops)
				return -EIO;
			ns[j][i] = (double)(t1 - t0) / (double)ops;
			cyc[j][i] = (double)(c1 - c0) / (double)ops;
		}
	}
	np_bench_result_set(ra, ns[0], cyc[0], runs);
	np_bench_result_set(rb, ns[1], cyc[1], runs);
	return 0;
}

/* One pair of review rows, each on its own environment (pool, provider, DMA device). */
static int run_review_pair(struct skb_report *rep, const char *point, const char *name_a,
			   np_bench_body_fn fa, const char *name_b, np_bench_body_fn fb,
			   bool pool_pages, uint64_t iters)
{
	const char *dma = pool_pages ? bench_dma_names[BENCH_DMA_IDENTITY] : NULL;
	struct np_bench_result *ra = report_new(rep, name_a, dma);
	struct np_bench_result *rb = report_new(rep, name_b, dma);
	struct skb_env ea, eb;
	char note[96];

	if (env_setup(&ea, BENCH_DMA_IDENTITY, name_a, pool_pages) ||
	    env_setup(&eb, BENCH_DMA_IDENTITY, name_b, pool_pages))
		return -1;
	if (measure_pair(rep->opts, fa, &ea, fb, &eb, iters, ra, rb)) {
		fprintf(stderr, "netpool-bench: %s/%s: %s\n", name_a, name_b,
			ea.failed ? ea.failed : eb.failed ? eb.failed : "failed");
		return -1;
	}
	if (pool_pages) {
		env_check_recycled(&ea);
		env_check_recycled(&eb);
	}
	if (env_teardown(&ea) || env_teardown(&eb))
		return -1;
	snprintf(note, sizeof(note), "review %s; 4-buffer frame", point);
	report_emit(rep, ra, false, 0, note);
	snprintf(note, sizeof(note), "review %s; %.3fx the row above", point, rb->ns / ra->ns);
	report_emit(rep, rb, false, 0, note);
	return 0;
}

/* ---- targets ---- */

static void print_target(const char *what, const char *dma, double ours, double limit,
			 const char *limit_desc)
{
	printf("  %-46s %-9s %8.2f ns vs %8.2f ns (%s)  %s\n", what, dma, ours, limit, limit_desc,
	       ours <= limit ? "met" : "missed");
}

static void print_targets(const struct skb_report *rep)
{
	const struct np_bench_result *clone = report_find(rep, "clone_free", NULL);

	printf("\ntargets:\n");
	for (int k = 0; k < BENCH_DMA_NR; k++) {
		const char *dma = bench_dma_names[k];
		const struct np_bench_result *rx = report_find(rep, "rx_recycle", dma);

		if (!rx)
			continue;
		if (rep->dpdk_alloc_ns > 0)
			print_target("rx_recycle <= 1.2 x dpdk_mbuf_alloc_free", dma, rx->ns,
				     1.2 * rep->dpdk_alloc_ns, "1.2 x dpdk");
		else
			printf("  %-46s %-9s %8.2f ns   n/a (dpdk peer skipped)\n",
			       "rx_recycle <= 1.2 x dpdk_mbuf_alloc_free", dma, rx->ns);
	}
	if (clone && rep->dpdk_clone_ns > 0)
		print_target("clone_free <= dpdk_mbuf_clone_free", "-", clone->ns,
			     rep->dpdk_clone_ns, "dpdk");
	else if (clone)
		printf("  %-46s %-9s %8.2f ns   n/a (dpdk peer skipped)\n",
		       "clone_free <= dpdk_mbuf_clone_free", "-", clone->ns);

	printf("\nrecycling gain (rx_no_recycle / rx_recycle):\n");
	for (int k = 0; k < BENCH_DMA_NR; k++) {
		const char *dma = bench_dma_names[k];
		const struct np_bench_result *rx = report_find(rep, "rx_recycle", dma);
		const struct np_bench_result *no = report_find(rep, "rx_no_recycle", dma);

		if (rx && no)
			printf("  %-9s %8.2f ns / %6.2f ns = %.1fx\n", dma, no->ns, rx->ns,
			       no->ns / rx->ns);
	}
}

/* ---- entry point ---- */

static void pin_to_first_cpu(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set)) {
			CPU_ZERO(&set);
			CPU_SET(c, &set);
			(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
			return;
		}
}

static int run_all(struct skb_report *rep, const struct skb_iters *it)
{
	double ref_af = rep->dpdk_alloc_ns > 0 ? rep->dpdk_alloc_ns : -1;
	double ref_cf = rep->dpdk_clone_ns > 0 ? rep->dpdk_clone_ns : -1;

	for (int k = 0; k < BENCH_DMA_NR; k++) {
		enum bench_dma kind = (enum bench_dma)k;

		if (run_ours(rep, "rx_recycle", kind, true, body_rx_recycle, it->rx_recycle,
			     ref_af) ||
		    run_ours(rep, "rx_no_recycle", kind, true, body_rx_no_recycle,
			     it->rx_no_recycle, ref_af))
			return -1;
	}
	if (run_ours(rep, "rx_small_head", BENCH_DMA_IDENTITY, false, body_rx_small_head,
		     it->rx_small_head, ref_af) ||
	    run_ours(rep, "clone_free", BENCH_DMA_IDENTITY, false, body_clone_free,
		     it->clone_free, ref_cf) ||
	    run_ours(rep, "coalesce", BENCH_DMA_IDENTITY, true, body_coalesce, it->coalesce, 0) ||
	    run_ours(rep, "gro64", BENCH_DMA_IDENTITY, true, body_gro64, it->gro64, 0))
		return -1;
	if (run_xthread(rep, "xthread_consume", false, it->xthread, 0))
		return -1;
	{
		const struct np_bench_result *c = report_find(rep, "xthread_consume", "identity");

		/* ratio column: against the reader's plain free, same run */
		if (run_xthread(rep, "xthread_defer", true, it->xthread, c ? c->ns : 0))
			return -1;
	}

	if (!rep->opts->json)
		printf("\nthe review of patch 3/5 (pairs measured interleaved):\n");
	if (run_review_pair(rep, "(a)", "unref_bool", body_unref_bool, "unref_split",
			    body_unref_split, true, it->review) ||
	    run_review_pair(rep, "(b)", "sig_likely_pool", body_sig_likely_pool,
			    "sig_unlikely_pool", body_sig_unlikely_pool, true, it->review) ||
	    run_review_pair(rep, "(b)", "sig_likely_frag", body_sig_likely_frag,
			    "sig_unlikely_frag", body_sig_unlikely_frag, false, it->review) ||
	    run_review_pair(rep, "(c)", "pp_once", body_pp_once, "pp_every_recycle",
			    body_pp_every_recycle, true, it->review))
		return -1;
	return 0;
}

int np_bench_skb_main(const struct np_bench_opts *opts)
{
	struct skb_iters it = skb_iters_full;
	struct skb_report *rep;
	struct np_bench_rng rng;
	cpu_set_t saved;
	bool have_saved;
	int rc = 1;

	if (opts->quick) {
		uint64_t *v = (uint64_t *)&it;

		/* every field is an iteration count */
		for (size_t i = 0; i < sizeof(it) / sizeof(uint64_t); i++)
			v[i] = NP_MAX(v[i] / 50, (uint64_t)GRO_BATCH);
	}
	rep = calloc(1, sizeof(*rep));
	if (!rep) {
		fprintf(stderr, "netpool-bench: out of memory\n");
		return 1;
	}
	rep->opts = opts;
	np_bench_rng_seed(&rng, 0x736b6221ull);
	for (unsigned i = 0; i < LEN_SEQ; i++)
		skb_lens[i] = (uint16_t)np_bench_rng_range(&rng, LEN_MIN, LEN_MAX);
	have_saved = pthread_getaffinity_np(pthread_self(), sizeof(saved), &saved) == 0;
	skb_cpus = saved;
	skb_cpus_known = have_saved;

	if (!opts->json) {
		printf("netpool-bench skb: %d runs per benchmark (median), TSC %.3f GHz, "
		       "NP_DEBUG=%d%s\n", opts->runs, opts->tsc_ghz, NP_DEBUG,
		       opts->quick ? ", quick (iterations / 50)" : "");
		printf("one op = one packet; payloads 64..1500 bytes (random), a 14-byte header "
		       "written; vs_dpdk: rx rows against dpdk_mbuf_alloc_free, clone_free "
		       "against dpdk_mbuf_clone_free\n");
		if (NP_DEBUG)
			printf("note: a debug build (NP_DEBUG=%d); figures are not release figures\n",
			       NP_DEBUG);
		printf("\n");
		np_bench_table_header(stdout);
	}

	pin_to_first_cpu();
	if (run_baseline(rep, "empty_loop", body_empty_loop, it.empty_loop) ||
	    run_baseline(rep, "atomic_inc", body_atomic_inc, it.atomic_inc) ||
	    run_baseline(rep, "malloc_buf", body_malloc_buf, it.malloc_buf))
		goto out;
	run_peer(rep, &it);
	if (run_all(rep, &it))
		goto out;
	np_skb_thread_flush();
	if (!opts->json)
		print_targets(rep);
	rc = 0;
out:
	if (have_saved)
		(void)pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
	free(rep);
	return rc;
}
