/* SPDX-License-Identifier: MIT */
/*
 * bench/cost.c - one netpool path, N packets, nothing else: the program
 * scripts/cost.sh runs under callgrind to count instructions per packet.
 *
 *   cost PATH N     run PATH for N packets (at least: the forwarding loops
 *                   stop at the first poll that reaches N), print "packets P"
 *   cost --list     the paths, one a line
 *
 * The setup (provider, DMA device, pool or netdevs, a warm-up that fills the
 * caches) and the teardown are the same whatever N is, so the difference of
 * two runs with different N, divided by the difference of their packets, is
 * the steady-state cost of one packet: scripts/cost.sh does that.
 *
 * Each path is driven as netpool-bench drives it (bench/bench_pool.c,
 * bench_skb.c, bench_fwd.c), without the timing harness and in the calling
 * thread. Exit: 0 done, 1 a path failed (an allocation, a buffer not back),
 * 2 bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netpool.h"

#define COST_WARMUP	4096u		/* packets before the counted part */
#define COST_BUDGET	64		/* the napi budget of a consume */
#define COST_FRAME_LEN	64u		/* forwarded frames, as netpool-bench fwd */
#define ETH_HLEN	14u

static const unsigned char eth_hdr[ETH_HLEN] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x08, 0x00,
};

/* Keep a value alive for the optimizer (as bench.h's np_bench_keep). */
#define cost_keep(v)	__asm__ __volatile__("" : : "r"(v) : "memory")

/* ---- pool and skb paths: one pool on an identity DMA device ---- */

struct cost_env {
	struct np_provider *prov;
	struct np_dma_dev *dma;
	struct np_pool *pool;
	struct np_napi_ctx napi;
	int64_t live0;
	uint32_t len_state;		/* RX payload lengths, 64..1500 */
	struct np_skb *keep;		/* the clone source */
};

static int env_setup(struct cost_env *e, uint32_t offset)
{
	struct np_pool_params pp = {
		.flags = NP_POOL_F_DMA_MAP | NP_POOL_F_DMA_SYNC_DEV,
		.pool_size = 4096,
		.nid = NP_NUMA_NO_NODE,
		.dma_dir = NP_DMA_FROM_DEVICE,
		.max_len = 2048,
		.offset = offset,
		.name = "cost",
	};

	memset(e, 0, sizeof(*e));
	e->live0 = np_skb_live();
	e->len_state = 1;
	if (np_provider_create(NULL, &e->prov) || np_dma_identity_create("cost", &e->dma))
		return -1;
	np_napi_ctx_init(&e->napi);
	pp.dma = e->dma;
	pp.napi = &e->napi;
	pp.provider = e->prov;
	return np_pool_create(&pp, &e->pool) ? -1 : 0;
}

/* Everything back: no skb live, the pool freed at destroy, no mapping, no page out. */
static int env_teardown(struct cost_env *e)
{
	int bad = np_skb_live() != e->live0;

	np_pool_destroy(e->pool);
	bad |= np_dma_dev_destroy(e->dma) != 0;
	bad |= np_provider_destroy(e->prov) != 0;
	return bad ? -1 : 0;
}

/* A length sequence like netpool-bench skb's (64..1500), without its table. */
static uint32_t next_len(struct cost_env *e)
{
	e->len_state = e->len_state * 1103515245u + 12345u;
	return 64u + (e->len_state >> 16) % (1500u - 64u + 1u);
}

enum pool_put { PUT_DIRECT, PUT_RING, PUT_EXTRA_REF };

/* bench_pool.c's single_loop: alloc one page, give it back @how. */
NP_INLINE int pool_loop(struct cost_env *e, uint64_t n, enum pool_put how)
{
	struct np_napi_ctx *prev = NULL;

	if (how != PUT_RING)
		prev = np_napi_ctx_enter(&e->napi);
	for (uint64_t i = 0; i < n; i++) {
		struct np_page *page = np_pool_alloc_pages(e->pool);

		if (np_unlikely(!page))
			return -1;
		switch (how) {
		case PUT_DIRECT:
			cost_keep(page);
			np_pool_recycle_direct(e->pool, page);
			break;
		case PUT_RING:
			cost_keep(page);
			np_pool_put_full_page(e->pool, page, false);
			break;
		case PUT_EXTRA_REF:
			np_page_get(page);
			np_pool_put_full_page(e->pool, page, true);
			np_page_put(page);
			break;
		}
	}
	if (how != PUT_RING)
		np_napi_ctx_leave(prev);
	return 0;
}

/*
 * One function per path, kept out of line under a name of its own, so that
 * callgrind charges each loop, and the inline fast paths it takes from the
 * public headers, to a name that says which path it is.
 */
static NP_NOINLINE int loop_pool_fast(struct cost_env *e, uint64_t n)
{
	return pool_loop(e, n, PUT_DIRECT);
}

static NP_NOINLINE int loop_pool_ring(struct cost_env *e, uint64_t n)
{
	return pool_loop(e, n, PUT_RING);
}

static NP_NOINLINE int loop_pool_slow(struct cost_env *e, uint64_t n)
{
	return pool_loop(e, n, PUT_EXTRA_REF);
}

/* bench_skb.c's rx_skb: what a page_pool driver does for one frame. Context: owner napi. */
NP_INLINE struct np_skb *rx_skb(struct cost_env *e, uint32_t len)
{
	struct np_page *page = np_pool_alloc_pages(e->pool);
	struct np_skb *skb;
	unsigned char *p;

	if (np_unlikely(!page))
		return NULL;
	skb = np_build_skb(np_page_address(page), NP_PAGE_SIZE);
	if (np_unlikely(!skb)) {
		np_pool_recycle_direct(e->pool, page);
		return NULL;
	}
	np_skb_mark_for_recycle(skb);
	np_skb_reserve(skb, NP_SKB_PAD);
	p = np_skb_put(skb, len);
	if (np_unlikely(!p)) {
		np_kfree_skb(skb);
		return NULL;
	}
	memcpy(p, eth_hdr, ETH_HLEN);
	return skb;
}

static NP_NOINLINE int loop_rx_recycle(struct cost_env *e, uint64_t n)
{
	struct np_napi_ctx *prev = np_napi_ctx_enter(&e->napi);
	int ret = 0;

	for (uint64_t i = 0; i < n; i++) {
		struct np_skb *skb = rx_skb(e, next_len(e));

		if (np_unlikely(!skb)) {
			ret = -1;
			break;
		}
		np_napi_consume_skb(skb, COST_BUDGET);
	}
	np_napi_ctx_leave(prev);
	return ret;
}

static NP_NOINLINE int loop_clone_free(struct cost_env *e, uint64_t n)
{
	struct np_napi_ctx *prev = np_napi_ctx_enter(&e->napi);
	int ret = 0;

	for (uint64_t i = 0; i < n; i++) {
		struct np_skb *c = np_skb_clone(e->keep);

		if (np_unlikely(!c)) {
			ret = -1;
			break;
		}
		cost_keep(c);
		np_kfree_skb(c);
	}
	np_napi_ctx_leave(prev);
	return ret;
}

enum cost_kind { K_FAST, K_RING, K_SLOW, K_RX, K_CLONE };

static int run_env(enum cost_kind kind, uint64_t n, uint64_t *done)
{
	struct cost_env e;
	int ret = -1;

	if (env_setup(&e, kind == K_RX || kind == K_CLONE ? NP_SKB_PAD : 0)) {
		fprintf(stderr, "cost: setup failed\n");
		return -1;
	}
	if (kind == K_CLONE) {
		struct np_napi_ctx *prev = np_napi_ctx_enter(&e.napi);

		e.keep = rx_skb(&e, 1500);
		np_napi_ctx_leave(prev);
		if (!e.keep)
			goto out;
	}
	for (int pass = 0; pass < 2; pass++) {
		uint64_t k = pass ? n : COST_WARMUP;

		switch (kind) {
		case K_FAST:
			ret = loop_pool_fast(&e, k);
			break;
		case K_RING:
			ret = loop_pool_ring(&e, k);
			break;
		case K_SLOW:
			ret = loop_pool_slow(&e, k);
			break;
		case K_RX:
			ret = loop_rx_recycle(&e, k);
			break;
		case K_CLONE:
			ret = loop_clone_free(&e, k);
			break;
		}
		if (ret)
			goto out;
	}
	*done = n;
out:
	if (e.keep) {
		struct np_napi_ctx *prev = np_napi_ctx_enter(&e.napi);

		np_napi_consume_skb(e.keep, COST_BUDGET);
		np_napi_ctx_leave(prev);
	}
	np_skb_thread_flush();
	if (env_teardown(&e)) {
		fprintf(stderr, "cost: a buffer did not come back\n");
		ret = -1;
	}
	return ret;
}

/* ---- forwarding loops: two ports, one thread polling both ---- */

struct fwd_env {
	struct np_netdev *in, *out;
	uint64_t forwarded;
};

/* bench_fwd.c's fwd_rx: out of the other port. */
static void fwd_rx(struct np_netdev *dev, unsigned int q, struct np_skb *skb, void *arg)
{
	struct fwd_env *e = arg;

	e->forwarded++;
	np_netdev_xmit(dev == e->in ? e->out : e->in, q, skb);
}

/* bench_fwd.c's fwd_thread, in the calling thread: both ports, until @until packets. */
static NP_NOINLINE void loop_fwd(struct fwd_env *e, uint64_t until)
{
	while (e->forwarded < until) {
		np_netdev_poll(e->in, 0);
		np_netdev_poll(e->out, 0);
	}
}

static int run_fwd(bool null, bool no_recycle, uint64_t n, uint64_t *done)
{
	struct np_null_params np = { .nqueues = 1, .frame_len = COST_FRAME_LEN,
				     .no_recycle = no_recycle };
	struct np_vnic_params vp = { .nqueues = 1, .no_recycle = no_recycle, .ring_size = 512 };
	struct np_vnic_gen gen = { .len_min = COST_FRAME_LEN, .len_max = COST_FRAME_LEN };
	struct fwd_env e = { 0 };
	int64_t live0 = np_skb_live();
	uint64_t start;

	if (null ? np_null_create(&np, &e.in) || np_null_create(&np, &e.out) :
		   np_vnic_create(&vp, &e.in) || np_vnic_create(&vp, &e.out)) {
		fprintf(stderr, "cost: netdev create failed\n");
		return -1;
	}
	np_netdev_set_rx_handler(e.in, fwd_rx, &e);
	if (null)
		np_netdev_set_rx_handler(e.out, fwd_rx, &e);
	if (np_netdev_open(e.in) || np_netdev_open(e.out)) {
		fprintf(stderr, "cost: netdev open failed\n");
		return -1;
	}
	if (!null && np_vnic_gen_start(e.in, 0, &gen)) {
		fprintf(stderr, "cost: vnic traffic source failed\n");
		return -1;
	}
	loop_fwd(&e, COST_WARMUP);
	start = e.forwarded;
	loop_fwd(&e, start + n);
	*done = e.forwarded - start;
	if (!null)
		np_vnic_gen_stop(e.in, 0);
	np_netdev_close(e.in);
	np_netdev_close(e.out);
	np_netdev_destroy(e.in);
	np_netdev_destroy(e.out);
	np_skb_thread_flush();
	if (np_skb_live() != live0) {
		fprintf(stderr, "cost: %lld skbs left live\n", (long long)(np_skb_live() - live0));
		return -1;
	}
	return 0;
}

/* ---- the paths ---- */

struct cost_path {
	const char *name;
	const char *what;
};

static const struct cost_path cost_paths[] = {
	{ "pool_fast", "alloc + recycle_direct inside the napi: the per-CPU alloc cache" },
	{ "pool_ring", "alloc + put outside the napi: the return ring, then refill" },
	{ "pool_slow", "alloc + put with an extra reference: provider, map and unmap" },
	{ "rx_recycle", "pool page -> build_skb -> put -> consume -> recycle (identity DMA)" },
	{ "clone_free", "np_skb_clone of a marked pool skb + free of the clone" },
	{ "null_fwd_recycle", "two null ports forwarding into each other, recycling, 1 queue" },
	{ "null_fwd_no_recycle", "the same without recycling (provider per page)" },
	{ "vnic_fwd_recycle", "vnic source -> skb -> second vnic, identity DMA, recycle, 1 queue" },
};

static int run_path(size_t idx, uint64_t n, uint64_t *done)
{
	switch (idx) {
	case 0:
		return run_env(K_FAST, n, done);
	case 1:
		return run_env(K_RING, n, done);
	case 2:
		return run_env(K_SLOW, n, done);
	case 3:
		return run_env(K_RX, n, done);
	case 4:
		return run_env(K_CLONE, n, done);
	case 5:
		return run_fwd(true, false, n, done);
	case 6:
		return run_fwd(true, true, n, done);
	default:
		return run_fwd(false, false, n, done);
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: cost PATH N | cost --list\n"
		   "runs one netpool path for N packets (after a fixed warm-up) and prints\n"
		   "\"packets P\"; scripts/cost.sh runs it under callgrind.\n\npaths:\n");
	for (size_t i = 0; i < NP_ARRAY_SIZE(cost_paths); i++)
		fprintf(f, "  %-20s %s\n", cost_paths[i].name, cost_paths[i].what);
}

int main(int argc, char **argv)
{
	uint64_t n, done = 0;
	char *end;

	if (argc == 2 && !strcmp(argv[1], "--list")) {
		for (size_t i = 0; i < NP_ARRAY_SIZE(cost_paths); i++)
			printf("%s\t%s\n", cost_paths[i].name, cost_paths[i].what);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (argc != 3) {
		usage(stderr);
		return 2;
	}
	errno = 0;
	n = strtoull(argv[2], &end, 10);
	if (errno || end == argv[2] || *end || n == 0 || n > (1ull << 40)) {
		fprintf(stderr, "cost: bad N '%s'\n", argv[2]);
		return 2;
	}
	for (size_t i = 0; i < NP_ARRAY_SIZE(cost_paths); i++) {
		if (strcmp(argv[1], cost_paths[i].name))
			continue;
		np_set_print(np_print_stderr);
		if (run_path(i, n, &done))
			return 1;
		printf("packets %llu\n", (unsigned long long)done);
		return 0;
	}
	fprintf(stderr, "cost: unknown path '%s' (cost --list)\n", argv[1]);
	return 2;
}
