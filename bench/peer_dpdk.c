/* SPDX-License-Identifier: MIT */
/*
 * bench/peer_dpdk.c - DPDK as an in-run peer: rte_mempool for the pool bench,
 * rte_mbuf (alloc, free, indirect clone) for the skb bench.
 *
 * Built only with WITH_DPDK=1. The EAL runs without hugepages or PCI, on
 * lcore 0, with a per-process file prefix so concurrent runs stay apart and no
 * shared-configuration files (the runtime directory is removed at the end); its
 * log goes to stderr so JSON output on stdout stays clean. The calling thread
 * becomes the main lcore, so the mempool's per-lcore cache serves it.
 */
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "bench.h"

#define PEER_ELEMS	16383u		/* 2^14 - 1: the ring's best fit */
#define PEER_ELT_SIZE	2048u
#define PEER_CACHE	256u
#define PEER_BULK	32u
#define PEER_MBUFS	8191u		/* 2^13 - 1 */
#define PEER_CLONE_LEN	1500u		/* bytes in the mbuf the clone bench clones */

static struct rte_mempool *peer_mp;
static struct rte_mempool *peer_pkt_mp;		/* direct mbufs with a 2 KiB data room */
static struct rte_mempool *peer_ind_mp;		/* indirect mbufs (no data room) for clones */
static struct rte_mbuf *peer_clone_src;
static bool peer_eal_up;

int np_peer_dpdk_init(char *why, size_t len)
{
	char prefix[64], mem[] = "512";
	char *argv[] = {
		"netpool-bench", "-l", "0", "--no-huge", "--no-pci", "-m", mem,
		"--no-telemetry", "--no-shconf", "--log-level=5", "--file-prefix", prefix, NULL,
	};
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;
	cpu_set_t saved;
	bool have_saved;
	int ret, saved_stdout;

	snprintf(prefix, sizeof(prefix), "netpool-bench-%ld", (long)getpid());
	/* The EAL pins the main lcore; the other benches keep the caller's CPUs. */
	have_saved = pthread_getaffinity_np(pthread_self(), sizeof(saved), &saved) == 0;
	rte_openlog_stream(stderr);
	/* the EAL prints its usage on stdout when it rejects arguments */
	fflush(stdout);
	saved_stdout = dup(STDOUT_FILENO);
	if (saved_stdout >= 0)
		(void)dup2(STDERR_FILENO, STDOUT_FILENO);
	ret = rte_eal_init(argc, argv);
	if (saved_stdout >= 0) {
		fflush(stdout);
		(void)dup2(saved_stdout, STDOUT_FILENO);
		close(saved_stdout);
	}
	if (have_saved)
		(void)pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
	if (ret < 0) {
		int err = rte_errno;

		snprintf(why, len, "rte_eal_init: %s", rte_strerror(err));
		return err > 0 ? -err : -EIO;
	}
	peer_eal_up = true;

	peer_mp = rte_mempool_create("nb_peer_2k", PEER_ELEMS, PEER_ELT_SIZE, PEER_CACHE, 0,
				     NULL, NULL, NULL, NULL, SOCKET_ID_ANY, 0);
	if (!peer_mp) {
		int err = rte_errno;

		snprintf(why, len, "rte_mempool_create: %s", rte_strerror(err));
		np_peer_dpdk_fini();
		return err > 0 ? -err : -ENOMEM;
	}
	if (rte_lcore_id() == LCORE_ID_ANY) {
		snprintf(why, len, "caller is not an EAL lcore (no mempool cache)");
		np_peer_dpdk_fini();
		return -EINVAL;
	}
	return 0;
}

uint64_t np_peer_dpdk_cached(void *arg, uint64_t iters)
{
	struct rte_mempool *mp = peer_mp;
	uint64_t i;

	(void)arg;
	for (i = 0; i < iters; i++) {
		void *obj;

		if (rte_mempool_get(mp, &obj) != 0)
			return 0;
		np_bench_keep(obj);
		rte_mempool_put(mp, obj);
	}
	return iters;
}

uint64_t np_peer_dpdk_cached_bulk32(void *arg, uint64_t iters)
{
	struct rte_mempool *mp = peer_mp;
	void *objs[PEER_BULK];
	uint64_t i;

	(void)arg;
	for (i = 0; i < iters; i++) {
		if (rte_mempool_get_bulk(mp, objs, PEER_BULK) != 0)
			return 0;
		np_bench_keep(objs[0]);
		rte_mempool_put_bulk(mp, objs, PEER_BULK);
	}
	return iters * PEER_BULK;
}

int np_peer_dpdk_mbuf_init(char *why, size_t len)
{
	int err;

	if (!peer_eal_up) {
		snprintf(why, len, "the EAL is not up");
		return -EINVAL;
	}
	peer_pkt_mp = rte_pktmbuf_pool_create("nb_peer_pkt", PEER_MBUFS, PEER_CACHE, 0,
					      RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (!peer_pkt_mp)
		goto fail;
	peer_ind_mp = rte_pktmbuf_pool_create("nb_peer_ind", PEER_MBUFS, PEER_CACHE, 0, 0,
					      SOCKET_ID_ANY);
	if (!peer_ind_mp)
		goto fail;
	peer_clone_src = rte_pktmbuf_alloc(peer_pkt_mp);
	if (!peer_clone_src || !rte_pktmbuf_append(peer_clone_src, PEER_CLONE_LEN)) {
		snprintf(why, len, "rte_pktmbuf_alloc/append of the clone source failed");
		return -ENOMEM;
	}
	return 0;
fail:
	err = rte_errno;
	snprintf(why, len, "rte_pktmbuf_pool_create: %s", rte_strerror(err));
	return err > 0 ? -err : -ENOMEM;
}

uint64_t np_peer_dpdk_mbuf_alloc_free(void *arg, uint64_t iters)
{
	struct rte_mempool *mp = peer_pkt_mp;
	uint64_t i;

	(void)arg;
	for (i = 0; i < iters; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);

		if (!m)
			return 0;
		np_bench_keep(m);
		rte_pktmbuf_free(m);
	}
	return iters;
}

uint64_t np_peer_dpdk_mbuf_clone_free(void *arg, uint64_t iters)
{
	struct rte_mempool *mp = peer_ind_mp;
	struct rte_mbuf *src = peer_clone_src;
	uint64_t i;

	(void)arg;
	for (i = 0; i < iters; i++) {
		struct rte_mbuf *c = rte_pktmbuf_clone(src, mp);

		if (!c)
			return 0;
		np_bench_keep(c);
		rte_pktmbuf_free(c);
	}
	return iters;
}

void np_peer_dpdk_fini(void)
{
	if (peer_clone_src) {
		rte_pktmbuf_free(peer_clone_src);
		peer_clone_src = NULL;
	}
	if (peer_ind_mp) {
		rte_mempool_free(peer_ind_mp);
		peer_ind_mp = NULL;
	}
	if (peer_pkt_mp) {
		rte_mempool_free(peer_pkt_mp);
		peer_pkt_mp = NULL;
	}
	if (peer_mp) {
		rte_mempool_free(peer_mp);
		peer_mp = NULL;
	}
	if (peer_eal_up) {
		char dir[PATH_MAX];

		/* with --no-shconf the runtime directory stays empty: remove it */
		snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
		rte_eal_cleanup();
		if (dir[0])
			(void)rmdir(dir);
		peer_eal_up = false;
	}
}
