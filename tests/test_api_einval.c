/* SPDX-License-Identifier: MIT */
/*
 * Input validation of the public API (docs/api-errors.md). Every control
 * entry point (create, destroy, open, start, set_*, get_stats, info, parse,
 * link, ...) is called with each bad argument it must reject: NULL pointers,
 * zero and oversized sizes, unknown flags, queue indexes out of range, bad
 * strings and files. Each call must return the documented error (or NULL /
 * false / nothing for the entry points documented so) and leave no trace:
 * no pool, netdev, skb, provider page, armed fault point or file descriptor
 * more than before, and an output argument untouched. Destroy-like calls
 * take NULL as free() does. Data-path entry points catch misuse only in
 * debug builds: there each such check is shown to fire (np_misuse() report,
 * abort) in a child process. At the end every object is gone: pools freed,
 * no skb live, the test's provider destroyed with no page out; LeakSanitizer
 * (ASan build) checks the rest.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>
#include "testutil.h"
#include "drivers/afxdp_inject.h"

#define SENTINEL	((void *)(uintptr_t)0x5a5a5a5a5a5a5a5aull)
#define PATTERN		0xa5

static struct np_provider *g_prov;

/* ---- the world a failed call must leave as it was ---- */

struct world {
	int pools;
	int netdevs;
	int64_t skbs;
	uint64_t prov_out;	/* the test's provider */
	uint64_t def_out;	/* the default provider */
	uint32_t fault_mask;
	int fds;
};

static int count_netdev(struct np_netdev *dev, void *arg)
{
	(void)dev;
	(*(int *)arg)++;
	return 0;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static struct world world_now(void)
{
	struct world w = { 0 };

	w.pools = np_pool_info_list(NULL, 0);
	CHECK_EQ(np_netdev_for_each(count_netdev, &w.netdevs), 0);
	w.skbs = np_skb_live();
	w.prov_out = t_pages_out(g_prov);
	w.def_out = t_pages_out(np_provider_default());
	w.fault_mask = atomic_load(&np_fault_mask);
	w.fds = count_fds();
	return w;
}

static void world_same(const struct world *a, const struct world *b, const char *what, int line)
{
	if (a->pools == b->pools && a->netdevs == b->netdevs && a->skbs == b->skbs &&
	    a->prov_out == b->prov_out && a->def_out == b->def_out &&
	    a->fault_mask == b->fault_mask && a->fds == b->fds)
		return;
	fprintf(stderr, "FAIL %s:%d: side effect of %s: pools %d->%d netdevs %d->%d skbs "
		"%lld->%lld pages %llu->%llu default pages %llu->%llu faults %#x->%#x fds "
		"%d->%d\n", __FILE__, line, what, a->pools, b->pools, a->netdevs, b->netdevs,
		(long long)a->skbs, (long long)b->skbs, (unsigned long long)a->prov_out,
		(unsigned long long)b->prov_out, (unsigned long long)a->def_out,
		(unsigned long long)b->def_out, a->fault_mask, b->fault_mask, a->fds, b->fds);
	exit(1);
}

/* Run @stmt and check that the world is as it was. */
#define NOSIDE(stmt)                                                             \
	do {                                                                     \
		struct world w0_ = world_now(), w1_;                             \
		stmt;                                                            \
		w1_ = world_now();                                               \
		world_same(&w0_, &w1_, #stmt, __LINE__);                         \
	} while (0)

/* @call returns @err and changes nothing. */
#define CHECK_ERR(call, err)	NOSIDE(CHECK_EQ((call), (err)))

static bool untouched(const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		if (c[i] != PATTERN)
			return false;
	return true;
}

#define FILL(x)		memset(&(x), PATTERN, sizeof(x))
#define UNTOUCHED(x)	CHECK(untouched(&(x), sizeof(x)))

/* ---- page provider, small objects ---- */

static void test_provider(void)
{
	static const struct {
		const char *why;
		struct np_provider_params p;
	} cases[] = {
		{ "fixed_base without fixed_size", { .fixed_base = (void *)(uintptr_t)NP_ARENA_SIZE } },
		{ "fixed_size without fixed_base", { .fixed_size = NP_ARENA_SIZE } },
		{ "fixed_base misaligned", { .fixed_base = (void *)(uintptr_t)(NP_ARENA_SIZE + 4096),
					     .fixed_size = NP_ARENA_SIZE } },
		{ "fixed_size not whole arenas", { .fixed_base = (void *)(uintptr_t)NP_ARENA_SIZE,
						   .fixed_size = NP_ARENA_SIZE + 4096 } },
		{ "reserve larger than an arena", { .reserve_pages = NP_ARENA_PAGES } },
	};
	struct np_provider_params ok = { .name = "ok" };
	struct np_provider_stats st;
	struct np_provider *prov;
	struct np_page *pages[4];
	char local;

	for (size_t i = 0; i < NP_ARRAY_SIZE(cases); i++) {
		prov = SENTINEL;
		NOSIDE(CHECK_EQ(np_provider_create(&cases[i].p, &prov), -EINVAL));
		if (prov != SENTINEL) {
			fprintf(stderr, "FAIL: provider case '%s' wrote *out\n", cases[i].why);
			exit(1);
		}
	}
	CHECK_ERR(np_provider_create(&ok, NULL), -EINVAL);
	CHECK_ERR(np_provider_create(NULL, NULL), -EINVAL);
	CHECK_ERR(np_provider_destroy(NULL), 0);

	FILL(st);
	CHECK_ERR(np_provider_get_stats(NULL, &st), -EINVAL);
	UNTOUCHED(st);
	CHECK_ERR(np_provider_get_stats(g_prov, NULL), -EINVAL);
	CHECK_ERR(np_provider_get_stats(g_prov, &st), 0);
	CHECK_ERR(np_provider_contains(NULL, &local), false);
	CHECK_ERR(np_provider_contains(g_prov, &local), false);
	NOSIDE(CHECK(np_provider_base(NULL) == NULL));

	/* data path, but the order is checked in every build */
	NOSIDE(CHECK(np_page_alloc(g_prov, NP_PAGE_MAX_ORDER + 1, NP_NUMA_NO_NODE, 0) == NULL));
	CHECK_ERR(np_page_alloc_bulk(g_prov, NP_PAGE_MAX_ORDER + 1, 0, 0, pages, 4), 0);
	CHECK_ERR(np_page_alloc_bulk(g_prov, 0, 0, 0, pages, 0), 0);
	CHECK_ERR(np_page_alloc_bulk(g_prov, 0, 0, 0, pages, -1), 0);
	NOSIDE(CHECK(np_small_alloc(g_prov, (NP_PAGE_SIZE << NP_PAGE_MAX_ORDER) + 1) == NULL));
	NOSIDE(np_small_free(NULL));
	NOSIDE(np_small_free_bulk(NULL, 0));
	NOSIDE(np_small_trim(NULL));
}

/* ---- DMA ---- */

static void test_dma(void)
{
	static const struct {
		const char *why;
		struct np_dma_iommu_params p;
	} iommu_cases[] = {
		{ "iova_base not page aligned", { .iova_base = 4097 } },
		{ "iova_size not page aligned", { .iova_size = 4097 } },
		{ "more than 2^28 pages", { .iova_size = (4096ull << 28) + 4096 } },
		{ "base + size past 2^64", { .iova_base = UINT64_MAX - 4095, .iova_size = 8192 } },
	};
	struct np_dma_dev *dev, *id, *um;
	struct np_dma_stats st, before, after;
	static char region[8192];
	np_dma_addr_t a;

	for (size_t i = 0; i < NP_ARRAY_SIZE(iommu_cases); i++) {
		dev = SENTINEL;
		NOSIDE(CHECK_EQ(np_dma_iommu_create("bad", &iommu_cases[i].p, &dev), -EINVAL));
		if (dev != SENTINEL) {
			fprintf(stderr, "FAIL: iommu case '%s' wrote *out\n", iommu_cases[i].why);
			exit(1);
		}
	}
	CHECK_ERR(np_dma_iommu_create("bad", NULL, NULL), -EINVAL);
	CHECK_ERR(np_dma_identity_create("bad", NULL), -EINVAL);
	dev = SENTINEL;
	CHECK_ERR(np_dma_umem_create("bad", NULL, 4096, &dev), -EINVAL);
	CHECK_ERR(np_dma_umem_create("bad", region, 0, &dev), -EINVAL);
	CHECK_ERR(np_dma_umem_create("bad", (void *)(UINTPTR_MAX - 10), 100, &dev), -EINVAL);
	CHECK_ERR(np_dma_umem_create("bad", region, sizeof(region), NULL), -EINVAL);
	CHECK(dev == SENTINEL);
	CHECK_ERR(np_dma_dev_destroy(NULL), 0);

	CHECK_EQ(np_dma_identity_create(NULL, &id), 0);
	CHECK_EQ(np_dma_umem_create(NULL, region, sizeof(region), &um), 0);
	FILL(st);
	CHECK_ERR(np_dma_get_stats(NULL, &st), -EINVAL);
	UNTOUCHED(st);
	CHECK_ERR(np_dma_get_stats(id, NULL), -EINVAL);

	/* a map's range and direction are checked in every build; refusals count as map_fail */
	before = t_dma_stats(id);
	CHECK_ERR(np_dma_map(id, NULL, 64, NP_DMA_FROM_DEVICE, &a), -EINVAL);
	CHECK_EQ(a, NP_DMA_MAPPING_ERROR);
	CHECK_ERR(np_dma_map(id, region, 0, NP_DMA_FROM_DEVICE, &a), -EINVAL);
	CHECK_ERR(np_dma_map(id, region, 64, (enum np_dma_dir)7, &a), -EINVAL);
	CHECK_ERR(np_dma_unmap(id, 0x1000, 64, NP_DMA_FROM_DEVICE), -ENOENT);
	after = t_dma_stats(id);
	CHECK_EQ(after.map_fail, before.map_fail + 3);
	CHECK_EQ(after.bad_unmap, before.bad_unmap + 1);
	CHECK_EQ(after.map, before.map);
	CHECK_EQ(after.live, 0);
	CHECK_ERR(np_dma_map(um, region + sizeof(region), 64, NP_DMA_FROM_DEVICE, &a), -EINVAL);
	CHECK_ERR(np_dma_map(um, region + 8000, 4096, NP_DMA_FROM_DEVICE, &a), -EINVAL);
	CHECK_EQ(t_dma_stats(um).map_fail, 2);
	CHECK_EQ(t_dma_stats(um).live, 0);
	CHECK_EQ(np_dma_dev_destroy(id), 0);
	CHECK_EQ(np_dma_dev_destroy(um), 0);
}

/* ---- return ring ---- */

static void test_ring(void)
{
	struct np_ring ring;

	CHECK_ERR(np_ring_init(NULL, 8), -EINVAL);
	FILL(ring);
	CHECK_ERR(np_ring_init(&ring, 0), -EINVAL);
	CHECK_ERR(np_ring_init(&ring, (1u << 24) + 1), -EINVAL);
	UNTOUCHED(ring);
	NOSIDE(np_ring_cleanup(NULL));
	CHECK_EQ(np_ring_init(&ring, 1u << 24), 0);
	np_ring_cleanup(&ring);
}

/* ---- page_pool ---- */

struct pool_case {
	const char *why;
	unsigned int flags, order;
	int nid;
	bool dma;
	enum np_dma_dir dir;
	unsigned int max_len, offset;
};

#define MAP	NP_POOL_F_DMA_MAP
#define SYNC	NP_POOL_F_DMA_SYNC_DEV
#define NONODE	NP_NUMA_NO_NODE
#define FROMDEV	NP_DMA_FROM_DEVICE

static const struct pool_case pool_cases[] = {
	{ "unknown flag", 0x4, 0, NONODE, false, FROMDEV, 0, 0 },
	{ "every unknown flag", ~0u, 0, NONODE, true, FROMDEV, 2048, 0 },
	{ "order above the maximum", 0, NP_PAGE_MAX_ORDER + 1, NONODE, false, FROMDEV, 0, 0 },
	{ "nid below NO_NODE", 0, 0, -2, false, FROMDEV, 0, 0 },
	{ "nid past the nodes", 0, 0, NP_MAX_NUMNODES, false, FROMDEV, 0, 0 },
	{ "DMA_MAP without a device", MAP, 0, NONODE, false, FROMDEV, 0, 0 },
	{ "DMA_MAP toward the device", MAP, 0, NONODE, true, NP_DMA_TO_DEVICE, 0, 0 },
	{ "DMA_MAP, direction 7", MAP, 0, NONODE, true, (enum np_dma_dir)7, 0, 0 },
	{ "SYNC_DEV without DMA_MAP", SYNC, 0, NONODE, true, FROMDEV, 2048, 0 },
	{ "SYNC_DEV with max_len 0", MAP | SYNC, 0, NONODE, true, FROMDEV, 0, 0 },
	{ "offset + max_len past the page", MAP | SYNC, 0, NONODE, true, FROMDEV, 4000, 256 },
	{ "offset at the page end", 0, 0, NONODE, false, FROMDEV, 0, 4096 },
	{ "offset past an order-1 page", 0, 1, NONODE, false, FROMDEV, 0, 8192 },
};

static struct np_pool *pool_ok(void)
{
	struct np_pool_params pp = { .nid = NP_NUMA_NO_NODE, .provider = g_prov, .name = "ok" };
	struct np_pool *pool;

	CHECK_EQ(np_pool_create(&pp, &pool), 0);
	return pool;
}

static void test_pool(void)
{
	struct np_pool_stats st, small = { .size = NP_POOL_STATS_V1_SIZE - 1 };
	struct np_pool_params pp = { .nid = NP_NUMA_NO_NODE, .provider = g_prov };
	struct np_pool_info info;
	struct np_dma_dev *dma;
	struct np_pool *pool;
	unsigned int off, size;
	uint32_t id;

	CHECK_EQ(np_dma_identity_create("pool", &dma), 0);
	for (size_t i = 0; i < NP_ARRAY_SIZE(pool_cases); i++) {
		const struct pool_case *c = &pool_cases[i];
		struct np_pool_params p = {
			.flags = c->flags, .order = c->order, .nid = c->nid,
			.dma = c->dma ? dma : NULL, .dma_dir = c->dir, .max_len = c->max_len,
			.offset = c->offset, .provider = g_prov, .name = c->why,
		};

		pool = SENTINEL;
		NOSIDE(CHECK_EQ(np_pool_create(&p, &pool), -EINVAL));
		if (pool != SENTINEL) {
			fprintf(stderr, "FAIL: pool case '%s' wrote *out\n", c->why);
			exit(1);
		}
	}
	pool = SENTINEL;
	CHECK_ERR(np_pool_create(NULL, &pool), -EINVAL);
	CHECK_ERR(np_pool_create(&pp, NULL), -EINVAL);
	CHECK(pool == SENTINEL);
	NOSIDE(np_pool_destroy(NULL));
	CHECK_EQ(np_dma_dev_destroy(dma), 0);

	/* on a live pool */
	pool = pool_ok();
	id = pool->id;
	CHECK_ERR(np_pool_update_nid(NULL, 0), -EINVAL);
	CHECK_ERR(np_pool_update_nid(pool, -2), -EINVAL);
	CHECK_ERR(np_pool_update_nid(pool, NP_MAX_NUMNODES), -EINVAL);
	CHECK_EQ(pool->nid, NP_NUMA_NO_NODE);
	CHECK_ERR(np_pool_update_nid(pool, NP_MAX_NUMNODES - 1), 0);
	CHECK_EQ(pool->nid, NP_MAX_NUMNODES - 1);
	CHECK_ERR(np_pool_update_nid(pool, NP_NUMA_NO_NODE), 0);
	CHECK_ERR(np_pool_disable_direct_recycling(NULL), -EINVAL);
	CHECK_ERR(np_pool_ring_count(NULL), 0);
	CHECK_ERR(np_pool_inflight(NULL), 0);
	CHECK_ERR(np_pool_audit(NULL), -EINVAL);
	CHECK_ERR(np_pool_audit(pool), 0);

	CHECK_ERR(np_pool_info_get(id, NULL), -EINVAL);
	FILL(info);
	CHECK_ERR(np_pool_info_get(0xffffffffu, &info), -ENOENT);
	UNTOUCHED(info);
	CHECK_ERR(np_pool_info_list(NULL, 100), np_pool_info_list(NULL, 0));

	FILL(st);
	CHECK_ERR(np_pool_get_stats(NULL, &st), -EINVAL);
	CHECK_ERR(np_pool_get_stats(pool, NULL), -EINVAL);
	st.size = 0;
	CHECK_ERR(np_pool_get_stats(pool, &st), -EINVAL);
	st.size = NP_POOL_STATS_V1_SIZE - 1;
	CHECK_ERR(np_pool_get_stats(pool, &st), -EINVAL);
	st.size = (uint32_t)(PATTERN * 0x01010101u);
	UNTOUCHED(st);
	CHECK_ERR(np_pool_get_stats_by_id(id, NULL), -EINVAL);
	CHECK_ERR(np_pool_get_stats_by_id(id, &small), -EINVAL);
	CHECK_ERR(np_pool_get_stats_by_id(0xffffffffu, &small), -EINVAL);
	st.size = sizeof(st);
	CHECK_ERR(np_pool_get_stats_by_id(0xffffffffu, &st), -ENOENT);
	CHECK_ERR(np_pool_get_stats_by_id(id, &st), 0);
	CHECK_ERR(np_pool_unreg_owner(0), -EINVAL);
	CHECK_ERR(np_pool_unreg_owner(-1), -EINVAL);
	FILL(st);
	st.size = sizeof(st);
	CHECK_ERR(np_pool_owner_stats(0, &st), -EINVAL);
	CHECK_ERR(np_pool_owner_stats(-1, &st), -EINVAL);
	CHECK_ERR(np_pool_owner_stats(1, NULL), -EINVAL);
	CHECK_ERR(np_pool_owner_stats(1, &small), -EINVAL);
	CHECK(untouched((char *)&st + sizeof(st.size), sizeof(st) - sizeof(st.size)));

	/* data path, but sizes are checked in every build */
	NOSIDE(CHECK(np_pool_alloc_frag(pool, &off, 0) == NULL));
	NOSIDE(CHECK(np_pool_alloc_frag(pool, &off, NP_PAGE_SIZE + 1) == NULL));
	size = 0;
	NOSIDE(CHECK(np_pool_alloc(pool, &off, &size) == NULL));
	size = NP_PAGE_SIZE + 1;
	NOSIDE(CHECK(np_pool_alloc(pool, &off, &size) == NULL));
	CHECK_EQ(size, NP_PAGE_SIZE + 1);
	CHECK_ERR(np_pool_alloc_pages_bulk(pool, NULL, 0), 0);
	NOSIDE(np_pool_put_page_bulk(NULL, 0));
	CHECK_EQ(np_pool_inflight(pool), 0);
	CHECK_EQ(np_pool_disable_direct_recycling(pool), 0);
	np_pool_destroy(pool);
	CHECK(t_wait_pool_freed(id, 1000));
}

/* ---- statistics formatting ---- */

static void test_stats_format(void)
{
	struct np_pool_stats st = { .size = sizeof(st) };
	int64_t v[NP_POOL_STATS_NR];
	FILE *f = tmpfile();

	CHECK(f);
	FILL(v);
	CHECK_ERR(np_pool_stats_values(NULL, v), -EINVAL);
	UNTOUCHED(v);
	CHECK_ERR(np_pool_stats_values(&st, NULL), -EINVAL);
	CHECK_ERR(np_pool_stats_dump(NULL, &st), -EINVAL);
	CHECK_ERR(np_pool_stats_dump(f, NULL), -EINVAL);
	CHECK_ERR(np_pool_stats_json(NULL, &st), -EINVAL);
	CHECK_ERR(np_pool_stats_json(f, NULL), -EINVAL);
	CHECK_EQ(ftell(f), 0);	/* nothing written */
	CHECK_EQ(np_pool_stats_json(f, &st), 0);
	CHECK(ftell(f) > 0);
	fclose(f);
}

/* ---- NAPI ---- */

static int t_napi_poll(struct np_napi *napi, int budget)
{
	(void)napi;
	(void)budget;
	return 0;
}

static void test_napi(void)
{
	struct np_napi napi;
	struct np_napi_ctx ctx;

	FILL(napi);
	CHECK_ERR(np_napi_init(NULL, t_napi_poll, 0, NULL), -EINVAL);
	CHECK_ERR(np_napi_init(&napi, NULL, 0, NULL), -EINVAL);
	CHECK_ERR(np_napi_init(&napi, t_napi_poll, -1, NULL), -EINVAL);
	UNTOUCHED(napi);
	CHECK_ERR(np_napi_ctx_init(NULL), -EINVAL);
	CHECK_EQ(np_napi_ctx_init(&ctx), 0);
	CHECK_EQ(np_napi_init(&napi, t_napi_poll, 0, NULL), 0);
	CHECK_EQ(napi.weight, NP_NAPI_WEIGHT);
	CHECK_EQ(np_napi_poll(&napi), 0);
}

/* ---- fault injection ---- */

static void test_fault(void)
{
	static const char *const bad[] = {
		"", ",", "page_alloc", "page_alloc=", "page_alloc=nth", "page_alloc=nth:",
		"page_alloc=nth:0", "page_alloc=nth:x", "page_alloc=nth:-1", "page_alloc=nth: 1",
		"page_alloc=nth:1x", "page_alloc=nth:99999999999999999999999",
		"page_alloc=ppm:1000001", "bogus=nth:1", "page_alloc=often:1", "=nth:1",
		"page_alloc=nth:1,", ",page_alloc=nth:1", "page_alloc=nth:1,,dma_map=nth:1",
		"page_alloc=nth:1,bogus=nth:1", "page_alloc=nth:1,dma_map",
	};
	char longstr[300];

	CHECK_EQ(atomic_load(&np_fault_mask), 0);
	for (size_t i = 0; i < NP_ARRAY_SIZE(bad); i++) {
		int err = np_fault_parse(bad[i]);

		if (err != -EINVAL || atomic_load(&np_fault_mask)) {
			fprintf(stderr, "FAIL: np_fault_parse(\"%s\") = %d, mask %#x\n", bad[i], err,
				atomic_load(&np_fault_mask));
			exit(1);
		}
	}
	CHECK_ERR(np_fault_parse(NULL), -EINVAL);
	memset(longstr, 'a', sizeof(longstr) - 1);
	longstr[sizeof(longstr) - 1] = '\0';
	CHECK_ERR(np_fault_parse(longstr), -EINVAL);

	CHECK_ERR(np_fault_set(NP_FAULT_NR, &(struct np_fault_spec){ .nth = 1 }), -EINVAL);
	CHECK_ERR(np_fault_set((enum np_fault_point)-1, &(struct np_fault_spec){ .nth = 1 }),
		  -EINVAL);
	CHECK_ERR(np_fault_set(NP_FAULT_PAGE_ALLOC, &(struct np_fault_spec){ .ppm = 1000001 }),
		  -EINVAL);
	CHECK_ERR(np_fault_injected(NP_FAULT_NR), 0);
	NOSIDE(CHECK(np_fault_name(NP_FAULT_NR) == NULL));
	NOSIDE(CHECK(np_fault_name((enum np_fault_point)-1) == NULL));
	CHECK_ERR(np_fault_set(NP_FAULT_PAGE_ALLOC, NULL), 0);	/* disarms: nothing was armed */

	/* a good string still arms, and reset disarms */
	CHECK_EQ(np_fault_parse("ring_produce=nth:1000000000,dma_map=ppm:1000000"), 0);
	CHECK(atomic_load(&np_fault_mask) != 0);
	np_fault_reset();
	CHECK_EQ(atomic_load(&np_fault_mask), 0);
}

/* ---- statistics export ---- */

static void test_export(void)
{
	struct np_stats_snapshot snap;
	char buf[64], path[] = "/tmp/np-api-einval-XXXXXX";
	int fd;

	FILL(buf);
	CHECK_ERR(np_stats_export_path(0, buf, sizeof(buf)), -EINVAL);
	CHECK_ERR(np_stats_export_path(-1, buf, sizeof(buf)), -EINVAL);
	CHECK_ERR(np_stats_export_path(getpid(), NULL, sizeof(buf)), -EINVAL);
	CHECK_ERR(np_stats_export_path(getpid(), buf, 0), -EINVAL);
	UNTOUCHED(buf);
	CHECK_ERR(np_stats_export_path(getpid(), buf, 5), -ENAMETOOLONG);
	CHECK_EQ(strlen(buf), 4);
	CHECK_ERR(np_stats_export_check(0), -EINVAL);
	CHECK_ERR(np_stats_export_check(-1), -EINVAL);
	CHECK_ERR(np_stats_export_check(getpid()), -ENOENT);	/* not publishing */

	FILL(snap);
	CHECK_ERR(np_stats_snapshot_read(NULL, &snap), -EINVAL);
	UNTOUCHED(snap);
	CHECK_ERR(np_stats_snapshot_read("/dev/shm/netpool.does-not-exist", NULL), -EINVAL);
	CHECK_ERR(np_stats_snapshot_read("/dev/shm/netpool.does-not-exist", &snap), -ENOENT);
	CHECK_ERR(np_stats_snapshot_read("/tmp", &snap), -EINVAL);	/* not a regular file */
	CHECK(snap.pools == NULL && snap.queues == NULL);
	fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "not netpool", 11), 11);
	CHECK_ERR(np_stats_snapshot_read(path, &snap), -EINVAL);	/* too short */
	for (int i = 0; i < 64; i++)
		CHECK_EQ(write(fd, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
			       64), 64);
	CHECK_ERR(np_stats_snapshot_read(path, &snap), -EINVAL);	/* wrong magic */
	CHECK(snap.pools == NULL && snap.queues == NULL);
	close(fd);
	unlink(path);
	NOSIDE(np_stats_snapshot_free(NULL));
	NOSIDE(CHECK(np_stats_export_list(NULL, 8) >= 0 || access("/dev/shm", R_OK)));

	/* a second start while publishing */
	if (np_stats_export_start("api-einval", 50) == 0) {
		CHECK_EQ(np_stats_export_start("again", 50), -EBUSY);
		np_stats_export_stop();
	}
	NOSIDE(np_stats_export_stop());	/* not publishing: nothing */
}

/* ---- netdev ---- */

static int t_poll(struct np_netdev *dev, unsigned int q, int budget)
{
	(void)dev;
	(void)q;
	(void)budget;
	return 0;
}

static int t_xmit(struct np_netdev *dev, unsigned int q, struct np_skb *skb)
{
	(void)dev;
	(void)q;
	np_consume_skb(skb);
	return 0;
}

static const struct np_netdev_ops t_ops = { .poll = t_poll, .xmit = t_xmit };	/* no kind */
static const struct np_netdev_ops t_ops_nopoll = { .kind = "x", .xmit = t_xmit };
static const struct np_netdev_ops t_ops_noxmit = { .kind = "x", .poll = t_poll };

static struct np_netdev *netdev_ok(unsigned int nq)
{
	struct np_netdev_params p = { .nqueues = nq, .buf_len = 2048, .provider = g_prov };
	struct np_netdev *dev;

	CHECK_EQ(np_netdev_create(&t_ops, &p, NULL, &dev), 0);
	return dev;
}

static enum np_xdp_action t_prog(struct np_xdp_buff *xdp, void *arg)
{
	(void)xdp;
	(void)arg;
	return NP_XDP_PASS;
}

static void t_rx(struct np_netdev *dev, unsigned int q, struct np_skb *skb, void *arg)
{
	(void)dev;
	(void)q;
	(void)arg;
	np_consume_skb(skb);
}

static int t_stop_at_first(struct np_netdev *dev, void *arg)
{
	(void)dev;
	(void)arg;
	return 7;
}

static void test_netdev(void)
{
	static const struct {
		const char *why;
		const struct np_netdev_ops *ops;
		unsigned int nqueues;
		uint32_t buf_len;
	} cases[] = {
		{ "no poll op", &t_ops_nopoll, 1, 2048 },
		{ "no xmit op", &t_ops_noxmit, 1, 2048 },
		{ "no queue", &t_ops, 0, 2048 },
		{ "too many queues", &t_ops, NP_NETDEV_MAX_QUEUES + 1, 2048 },
		{ "every queue", &t_ops, ~0u, 2048 },
		{ "buf_len 0", &t_ops, 1, 0 },
		{ "buf_len past the page",
		  &t_ops, 1, (uint32_t)(NP_PAGE_SIZE - NP_XDP_HEADROOM - NP_SKB_SHINFO_SIZE + 1) },
		{ "buf_len huge", &t_ops, 1, ~0u },
	};
	struct np_netdev_params p = { .nqueues = 1, .buf_len = 2048, .provider = g_prov };
	struct np_netdev_qstats qs;
	struct np_netdev *dev, *dev2;
	int cpus[1];

	for (size_t i = 0; i < NP_ARRAY_SIZE(cases); i++) {
		struct np_netdev_params cp = { .nqueues = cases[i].nqueues,
					       .buf_len = cases[i].buf_len, .provider = g_prov };

		dev = SENTINEL;
		NOSIDE(CHECK_EQ(np_netdev_create(cases[i].ops, &cp, NULL, &dev), -EINVAL));
		if (dev != SENTINEL) {
			fprintf(stderr, "FAIL: netdev case '%s' wrote *out\n", cases[i].why);
			exit(1);
		}
	}
	dev = SENTINEL;
	CHECK_ERR(np_netdev_create(NULL, &p, NULL, &dev), -EINVAL);
	CHECK_ERR(np_netdev_create(&t_ops, NULL, NULL, &dev), -EINVAL);
	CHECK_ERR(np_netdev_create(&t_ops, &p, NULL, NULL), -EINVAL);
	CHECK(dev == SENTINEL);
	NOSIDE(np_netdev_destroy(NULL));
	NOSIDE(np_netdev_close(NULL));
	NOSIDE(np_netdev_stop(NULL));

	dev = netdev_ok(1);
	CHECK(!strcmp(dev->name, "netdev"));	/* no name, no kind */
	CHECK_ERR(np_netdev_open(NULL), -EINVAL);
	CHECK_ERR(np_netdev_start(NULL, NULL), -EINVAL);
	CHECK_ERR(np_netdev_start(dev, NULL), -EINVAL);		/* not open */
	CHECK_ERR(np_netdev_rx_fd(dev, 0), -EINVAL);		/* not open */
	CHECK_EQ(np_netdev_open(dev), 0);
	CHECK_EQ(np_netdev_open(dev), 0);			/* already open: nothing */
	cpus[0] = -2;
	CHECK_ERR(np_netdev_start(dev, cpus), -EINVAL);
	cpus[0] = CPU_SETSIZE;
	CHECK_ERR(np_netdev_start(dev, cpus), -EINVAL);
	CHECK(!atomic_load(&dev->running) && !dev->q[0].has_thread);
	cpus[0] = -1;
	CHECK_EQ(np_netdev_start(dev, cpus), 0);
	CHECK_EQ(np_netdev_start(dev, NULL), -EBUSY);
	np_netdev_stop(dev);
	CHECK(!dev->q[0].has_thread);

	CHECK_ERR(np_netdev_rx_fd(NULL, 0), -EINVAL);
	CHECK_ERR(np_netdev_rx_fd(dev, 1), -EINVAL);
	CHECK_ERR(np_netdev_rx_fd(dev, ~0u), -EINVAL);
	CHECK_ERR(np_netdev_rx_fd(dev, 0), -EOPNOTSUPP);
	CHECK_ERR(np_netdev_set_xdp(NULL, t_prog, NULL), -EINVAL);
	CHECK_ERR(np_netdev_set_rx_handler(NULL, t_rx, NULL), -EINVAL);
	CHECK_EQ(np_netdev_set_xdp(dev, t_prog, NULL), 0);
	CHECK_EQ(np_netdev_set_xdp(dev, NULL, NULL), 0);
	CHECK_EQ(np_netdev_set_rx_handler(dev, t_rx, NULL), 0);
	CHECK_ERR(np_netdev_for_each(NULL, NULL), -EINVAL);
	CHECK_ERR(np_netdev_for_each(t_stop_at_first, NULL), 7);

	FILL(qs);
	CHECK_ERR(np_netdev_get_qstats(NULL, 0, &qs), -EINVAL);
	CHECK_ERR(np_netdev_get_qstats(dev, -2, &qs), -EINVAL);
	CHECK_ERR(np_netdev_get_qstats(dev, 1, &qs), -EINVAL);
	CHECK_ERR(np_netdev_get_qstats(dev, 0x7fffffff, &qs), -EINVAL);
	UNTOUCHED(qs);
	CHECK_ERR(np_netdev_get_qstats(dev, 0, NULL), -EINVAL);
	CHECK_ERR(np_netdev_get_qstats(dev, -1, &qs), 0);
	CHECK_EQ(qs.rx_packets, 0);
	{
		struct np_pool_stats ps, small = { .size = NP_POOL_STATS_V1_SIZE - 1 };

		FILL(ps);
		ps.size = sizeof(ps);
		CHECK_ERR(np_netdev_get_pool_stats(NULL, &ps), -EINVAL);
		CHECK_ERR(np_netdev_get_pool_stats(dev, NULL), -EINVAL);
		CHECK_ERR(np_netdev_get_pool_stats(dev, &small), -EINVAL);
		CHECK(untouched((char *)&ps + sizeof(ps.size), sizeof(ps) - sizeof(ps.size)));
		CHECK_ERR(np_netdev_get_pool_stats(dev, &ps), 0);
	}

	/* the drivers' own entry points refuse a netdev of another kind */
	dev2 = netdev_ok(2);
	{
		struct np_vnic_gen gen = { .len_min = 60, .len_max = 60 };
		struct np_tap_stats ts;
		struct np_vnic_stats vs;
		struct np_afxdp_stats as;

		FILL(ts);
		FILL(vs);
		FILL(as);
		CHECK_ERR(np_tap_fd(dev, 0), -EINVAL);
		CHECK_ERR(np_tap_get_stats(dev, 0, &ts), -EINVAL);
		CHECK_ERR(np_vnic_get_stats(dev, 0, &vs), -EINVAL);
		CHECK_ERR(np_vnic_gen_start(dev, 0, &gen), -EINVAL);
		NOSIDE(np_vnic_gen_stop(dev, 0));
		CHECK_ERR(np_vnic_link(dev, dev2), -EINVAL);
		NOSIDE(CHECK(np_vnic_dma(dev) == NULL));
		CHECK_ERR(np_afxdp_get_stats(dev, 0, &as), -EINVAL);
		CHECK_ERR(np_afxdp_inject_rx(dev, 0, NP_AFXDP_INJECT_POSTED, 64, 0), -EINVAL);
		UNTOUCHED(ts);
		UNTOUCHED(vs);
		UNTOUCHED(as);
	}
	np_netdev_close(dev);
	np_netdev_close(dev);	/* closed: nothing */
	CHECK_ERR(np_netdev_rx_fd(dev, 0), -EINVAL);
	np_netdev_destroy(dev);
	np_netdev_destroy(dev2);
}

/* ---- skbs ---- */

static void test_skb(void)
{
	uint64_t drops[NP_SKB_DROP_MAX];
	struct np_skb *skb;
	char out[16];
	void *buf;

	for (int r = 0; r < NP_SKB_DROP_MAX; r++)
		drops[r] = np_skb_drop_count((enum np_skb_drop_reason)r);
	CHECK_ERR(np_skb_drop_count(NP_SKB_DROP_MAX), 0);
	CHECK_ERR(np_skb_drop_count((enum np_skb_drop_reason)-1), 0);
	NOSIDE(CHECK(np_skb_drop_reason_name(NP_SKB_DROP_MAX) == NULL));
	NOSIDE(CHECK(np_skb_drop_reason_name((enum np_skb_drop_reason)-1) == NULL));

	/* freeing NULL is nothing, as free() */
	NOSIDE(np_kfree_skb(NULL));
	NOSIDE(np_kfree_skb_reason(NULL, NP_SKB_DROP_NOMEM));
	NOSIDE(np_consume_skb(NULL));
	NOSIDE(np_napi_consume_skb(NULL, 64));
	NOSIDE(np_napi_consume_skb_bulk(NULL, 0, 64));
	NOSIDE(np_kfree_skb_partial(NULL, true));
	NOSIDE(np_kfree_skb_partial(NULL, false));
	NOSIDE(np_kfree_skb_list(NULL));
	for (int r = 0; r < NP_SKB_DROP_MAX; r++)
		CHECK_EQ(np_skb_drop_count((enum np_skb_drop_reason)r), drops[r]);

	/* sizes and buffers checked in every build */
	buf = np_page_frag_alloc(2048);
	CHECK(buf);
	NOSIDE(CHECK(np_build_skb(NULL, 2048) == NULL));
	NOSIDE(CHECK(np_build_skb(buf, (uint32_t)NP_SKB_SHINFO_SIZE) == NULL));
	NOSIDE(CHECK(np_build_skb(buf, 0) == NULL));
	CHECK_ERR(np_build_skb_bulk(&buf, (uint32_t)NP_SKB_SHINFO_SIZE, &skb, 1), 0);
	CHECK_ERR(np_build_skb_bulk(NULL, 2048, NULL, 0), 0);
	np_page_put(np_virt_to_page(buf));
	NOSIDE(CHECK(np_alloc_skb(UINT32_MAX) == NULL));
	NOSIDE(CHECK(np_alloc_skb((uint32_t)(NP_PAGE_SIZE << NP_PAGE_MAX_ORDER)) == NULL));
	NOSIDE(CHECK(np_alloc_skb_fclone(UINT32_MAX) == NULL));
	NOSIDE(CHECK(np_netdev_alloc_skb(UINT32_MAX - NP_SKB_PAD) == NULL));
	NOSIDE(CHECK(np_netdev_alloc_skb(UINT32_MAX) == NULL));	/* len + pad wrapped */
	NOSIDE(CHECK(np_napi_alloc_skb(UINT32_MAX - 1) == NULL));
	NOSIDE(CHECK(np_page_frag_alloc(0) == NULL));
	NOSIDE(CHECK(np_page_frag_alloc(UINT32_MAX - 64) == NULL));

	skb = np_alloc_skb(64);
	CHECK(skb);
	CHECK(np_skb_put_data(skb, "0123456789", 10));
	CHECK_ERR(np_skb_copy_bits(skb, 11, out, 0), -EFAULT);
	CHECK_ERR(np_skb_copy_bits(skb, 5, out, 6), -EFAULT);
	CHECK_ERR(np_skb_copy_bits(skb, UINT32_MAX, out, 2), -EFAULT);
	CHECK_ERR(np_skb_copy_bits(skb, 2, out, UINT32_MAX), -EFAULT);
	CHECK_ERR(np_skb_copy_bits(skb, 0, out, 10), 0);
	CHECK(!memcmp(out, "0123456789", 10));
	CHECK_ERR(np_skb_encap_push(skb, out, 257), -EINVAL);
	CHECK_EQ(skb->len, 10);
	{
		struct np_vxlan_cfg vx = { .vni = NP_VXLAN_VNI_MAX + 1 };

		CHECK_ERR(np_vxlan_encap(skb, &vx), -EINVAL);
		CHECK_ERR(np_vxlan_decap(skb, &vx), -EINVAL);
		vx.vni = 1;
		vx.port_min = 2;
		vx.port_max = 1;
		CHECK_ERR(np_vxlan_encap(skb, &vx), -EINVAL);
		vx.port_min = vx.port_max = 0;
		/* 10 bytes: no Ethernet frame */
		CHECK_ERR(np_vxlan_encap(skb, &vx), -EINVAL);
		CHECK_ERR(np_vxlan_decap(skb, &vx), -ENOENT);
		CHECK_EQ(skb->len, 10);
	}
	NOSIDE(CHECK(np_skb_push(skb, np_skb_headroom(skb) + 1) == NULL));
	NOSIDE(CHECK(np_skb_pull(skb, 11) == NULL));
	NOSIDE(CHECK(np_skb_put(skb, np_skb_tailroom(skb) + 1) == NULL));
	CHECK_EQ(skb->len, 10);
	np_kfree_skb_reason(skb, (enum np_skb_drop_reason)1000);	/* unknown: NOT_SPECIFIED */
	CHECK_EQ(np_skb_drop_count(NP_SKB_DROP_NOT_SPECIFIED),
		 drops[NP_SKB_DROP_NOT_SPECIFIED] + 1);
}

/* ---- stack pieces ---- */

static void t_deliver(struct np_skb *skb, void *arg)
{
	(void)arg;
	np_consume_skb(skb);
}

static void test_stack(void)
{
	struct np_capture_stats cs;
	struct np_capture *cap;
	struct np_sockq q;
	struct np_gro gro;
	char path[] = "/tmp/np-api-einval-cap-XXXXXX";
	int fd;

	FILL(gro);
	CHECK_ERR(np_gro_init(NULL, t_deliver, NULL), -EINVAL);
	CHECK_ERR(np_gro_init(&gro, NULL, NULL), -EINVAL);
	UNTOUCHED(gro);
	CHECK_EQ(np_gro_init(&gro, t_deliver, NULL), 0);
	np_gro_flush(&gro);
	CHECK_ERR(np_sockq_init(NULL, 0), -EINVAL);
	NOSIDE(np_sockq_purge(NULL));
	CHECK_EQ(np_sockq_init(&q, 0), 0);
	CHECK_EQ(q.limit, 4u << 20);
	np_sockq_purge(&q);

	/* a path that must not appear */
	fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	unlink(path);
	cap = SENTINEL;
	CHECK_ERR(np_capture_open(NULL, 0, &cap), -EINVAL);
	CHECK_ERR(np_capture_open(path, 0, NULL), -EINVAL);
	CHECK_ERR(np_capture_open(path, NP_CAPTURE_MAX_SNAPLEN + 1, &cap), -EINVAL);
	CHECK_ERR(np_capture_open(path, UINT32_MAX, &cap), -EINVAL);
	CHECK(cap == SENTINEL);
	CHECK(access(path, F_OK) != 0);
	CHECK_ERR(np_capture_open("/nonexistent-dir/x.pcap", 0, &cap), -ENOENT);
	CHECK(cap == SENTINEL);
	CHECK_ERR(np_capture_close(NULL, NULL), 0);
	FILL(cs);
	CHECK_ERR(np_capture_get_stats(NULL, &cs), -EINVAL);
	UNTOUCHED(cs);

	CHECK_EQ(np_capture_open(path, NP_CAPTURE_MAX_SNAPLEN, &cap), 0);
	CHECK_ERR(np_capture_get_stats(cap, NULL), -EINVAL);
	CHECK_EQ(np_capture_get_stats(cap, &cs), 0);
	CHECK_EQ(cs.captured, 0);
	CHECK_EQ(np_capture_close(cap, NULL), 0);
	unlink(path);
}

/* ---- drivers ---- */

static void test_tap(void)
{
	struct np_tap_params p = { .ifname = "npapi0" };
	struct np_tap_params many = { .ifname = "npapi0", .nqueues = NP_NETDEV_MAX_QUEUES + 1 };
	struct np_tap_params all = { .ifname = "npapi0", .nqueues = ~0u };
	struct np_tap_params longname = { .ifname = "a-name-far-too-long-for-ifnamsiz" };
	struct np_tap_params name16 = { .ifname = "0123456789abcdef" };
	struct np_tap_params badoff = { .ifname = "npapi0", .offloads = 0x1000 };
	struct np_tap_params tsonocsum = { .ifname = "npapi0", .offloads = NP_TAP_OFFLOAD_TSO4 };
	struct np_tap_stats ts;
	struct np_netdev *dev = SENTINEL;

	/* all refused before /dev/net/tun is opened: no privilege needed */
	CHECK_ERR(np_tap_create(NULL, &dev), -EINVAL);
	CHECK_ERR(np_tap_create(&p, NULL), -EINVAL);
	CHECK_ERR(np_tap_create(&many, &dev), -EINVAL);
	CHECK_ERR(np_tap_create(&all, &dev), -EINVAL);
	CHECK_ERR(np_tap_create(&longname, &dev), -EINVAL);
	CHECK_ERR(np_tap_create(&name16, &dev), -EINVAL);
	CHECK_ERR(np_tap_create(&badoff, &dev), -EINVAL);
	CHECK_ERR(np_tap_create(&tsonocsum, &dev), -EINVAL);
	CHECK(dev == SENTINEL);
	CHECK_ERR(np_tap_fd(NULL, 0), -EINVAL);
	CHECK_ERR(np_tap_offloads(NULL), -EINVAL);
	FILL(ts);
	CHECK_ERR(np_tap_get_stats(NULL, 0, &ts), -EINVAL);
	UNTOUCHED(ts);
}

static void test_vnic(void)
{
	static const struct {
		const char *why;
		struct np_vnic_params p;
	} cases[] = {
		{ "ring_size not a power of two", { .ring_size = 3 } },
		{ "ring_size above 65536", { .ring_size = 131072 } },
		{ "buf_len below 64", { .buf_len = 63 } },
		{ "buf_len past the page", { .buf_len = 4096 } },
		{ "corrupt_ppm above a million", { .corrupt_ppm = 1000001 } },
		{ "too many queues", { .nqueues = NP_NETDEV_MAX_QUEUES + 1 } },
		{ "too many queues, own IOMMU", { .nqueues = NP_NETDEV_MAX_QUEUES + 1, .iommu = true } },
	};
	struct np_vnic_gen gen = { .len_min = 60, .len_max = 1500 };
	struct np_vnic_params two = { .nqueues = 2 };
	struct np_netdev *dev, *a, *b, *c;
	struct np_vnic_stats vs;

	for (size_t i = 0; i < NP_ARRAY_SIZE(cases); i++) {
		dev = SENTINEL;
		NOSIDE(CHECK_EQ(np_vnic_create(&cases[i].p, &dev), -EINVAL));
		if (dev != SENTINEL) {
			fprintf(stderr, "FAIL: vnic case '%s' wrote *out\n", cases[i].why);
			exit(1);
		}
	}
	CHECK_ERR(np_vnic_create(NULL, NULL), -EINVAL);
	CHECK_EQ(np_vnic_create(NULL, &a), 0);		/* NULL params: defaults */
	CHECK_EQ(np_vnic_create(NULL, &b), 0);
	CHECK_EQ(np_vnic_create(&two, &c), 0);

	FILL(vs);
	CHECK_ERR(np_vnic_get_stats(NULL, 0, &vs), -EINVAL);
	CHECK_ERR(np_vnic_get_stats(a, 1, &vs), -EINVAL);
	CHECK_ERR(np_vnic_get_stats(a, 0x7fffffff, &vs), -EINVAL);
	UNTOUCHED(vs);
	CHECK_ERR(np_vnic_get_stats(a, 0, NULL), -EINVAL);
	NOSIDE(CHECK(np_vnic_dma(NULL) == NULL));
	NOSIDE(np_vnic_gen_stop(NULL, 0));
	NOSIDE(np_vnic_gen_stop(a, 5));

	CHECK_ERR(np_vnic_gen_start(NULL, 0, &gen), -EINVAL);
	CHECK_ERR(np_vnic_gen_start(a, 1, &gen), -EINVAL);
	CHECK_ERR(np_vnic_gen_start(a, 0, NULL), -EINVAL);
	CHECK_ERR(np_vnic_gen_start(a, 0, &(struct np_vnic_gen){ .len_min = 59 }), -EINVAL);
	CHECK_ERR(np_vnic_gen_start(a, 0, &(struct np_vnic_gen){ .len_min = 60, .len_max = 9001 }),
		  -EINVAL);
	CHECK_ERR(np_vnic_gen_start(a, 0,
				    &(struct np_vnic_gen){ .len_min = 1000, .len_max = 999 }),
		  -EINVAL);

	CHECK_ERR(np_vnic_link(NULL, b), -EINVAL);
	CHECK_ERR(np_vnic_link(a, NULL), -EINVAL);
	CHECK_ERR(np_vnic_link(a, a), -EINVAL);
	CHECK_ERR(np_vnic_link(a, c), -EINVAL);			/* queue counts differ */
	CHECK_EQ(np_netdev_open(a), 0);
	CHECK_ERR(np_vnic_link(a, b), -EINVAL);			/* a is open */
	np_netdev_close(a);
	CHECK_EQ(np_vnic_gen_start(b, 0, &gen), 0);
	CHECK_ERR(np_vnic_link(a, b), -EINVAL);			/* b generates */
	np_vnic_gen_stop(b, 0);
	CHECK_EQ(np_vnic_link(a, b), 0);
	CHECK_ERR(np_vnic_link(a, b), -EINVAL);			/* already linked */
	CHECK_ERR(np_vnic_gen_start(a, 0, &gen), -EINVAL);	/* linked */
	np_netdev_destroy(a);
	np_netdev_destroy(b);
	np_netdev_destroy(c);
}

static void test_afxdp(void)
{
	static const struct {
		const char *why;
		struct np_afxdp_params p;
	} cases[] = {
		{ "no ifname", { .ifname = NULL } },
		{ "empty ifname", { .ifname = "" } },
		{ "ifname of IF_NAMESIZE characters", { .ifname = "0123456789abcdef" } },
		{ "too many queues", { .ifname = "lo", .nqueues = NP_NETDEV_MAX_QUEUES + 1 } },
		{ "ring_size below 64", { .ifname = "lo", .ring_size = 32 } },
		{ "ring_size not a power of two", { .ifname = "lo", .ring_size = 100 } },
		{ "ring_size above 16384", { .ifname = "lo", .ring_size = 32768 } },
		{ "frame_count below 64 a queue", { .ifname = "lo", .nqueues = 2, .frame_count = 100 } },
		{ "frame_count above 2^22", { .ifname = "lo", .frame_count = (1u << 22) + 1 } },
	};
	struct np_afxdp_params noexist = { .ifname = "npapinoexist0" };
	struct np_afxdp_stats as;
	struct np_netdev *dev = SENTINEL;
	int err;

	FILL(as);
	CHECK_ERR(np_afxdp_get_stats(NULL, -1, &as), -EINVAL);
	UNTOUCHED(as);
	CHECK_ERR(np_afxdp_inject_rx(NULL, 0, 0, 64, 0), -EINVAL);
	err = np_afxdp_create(&noexist, &dev);
	if (err == -EOPNOTSUPP) {
		/* the stub of a build without libxdp refuses everything alike */
		printf("afxdp: built without libxdp, create cases skipped\n");
		return;
	}
	CHECK_EQ(err, -ENODEV);
	CHECK(dev == SENTINEL);
	for (size_t i = 0; i < NP_ARRAY_SIZE(cases); i++) {
		NOSIDE(err = np_afxdp_create(&cases[i].p, &dev));
		if (err != -EINVAL || dev != SENTINEL) {
			fprintf(stderr, "FAIL: afxdp case '%s': %d\n", cases[i].why, err);
			exit(1);
		}
	}
	CHECK_ERR(np_afxdp_create(NULL, &dev), -EINVAL);
	CHECK_ERR(np_afxdp_create(&noexist, NULL), -EINVAL);
	CHECK(dev == SENTINEL);
}

/* ---- data path: misuse caught in debug builds ---- */

#if NP_DEBUG >= 1
static struct np_pool *g_mpool;
static struct np_netdev *g_mdev;

static const struct {
	const char *name;
	const char *says;
} misuses[] = {
	{ "page alloc, unknown gfp", "np_page_alloc" },
	{ "page alloc, NULL provider", "np_page_alloc" },
	{ "bulk page alloc into NULL", "np_page_alloc_bulk" },
	{ "small alloc, NULL provider", "np_small_alloc" },
	{ "dma map, NULL device", "np_dma_map" },
	{ "pool frag, NULL offset", "np_pool_alloc_frag" },
	{ "pool alloc, NULL size", "np_pool_alloc" },
	{ "pool bulk alloc into NULL", "np_pool_alloc_pages_bulk" },
	{ "pool bulk put from NULL", "np_pool_put_page_bulk" },
	{ "napi poll, not initialised", "np_napi_poll" },
	{ "netdev poll, queue out of range", "np_netdev_poll" },
	{ "rx drop, counter out of range", "np_netdev_rx_drop" },
	{ "xmit of NULL", "np_netdev_xmit" },
	{ "receive, queue out of range", "np_netdev_receive" },
	{ "copy bits to NULL", "np_skb_copy_bits" },
	{ "build skb bulk from NULL", "np_build_skb_bulk" },
	{ "consume bulk from NULL", "np_napi_consume_skb_bulk" },
	{ "encap push from NULL", "np_skb_encap_push" },
	{ "vxlan encap, NULL tunnel", "np_vxlan_encap" },
	{ "vxlan decap, NULL tunnel", "np_vxlan_decap" },
	{ "vxlan source port of NULL", "np_vxlan_src_port" },
};

static void misuse_child(int i)
{
	struct np_page page_stub = { 0 };
	struct np_rx_buf rb = { .page = &page_stub };
	struct np_napi napi = { 0 };
	struct np_skb *skb;
	unsigned int off = 0;
	np_dma_addr_t a;
	char buf[64];

	np_set_print(NULL);
	switch (i) {
	case 0: np_page_alloc(g_prov, 0, NP_NUMA_NO_NODE, 0x80); break;
	case 1: np_page_alloc(NULL, 0, NP_NUMA_NO_NODE, 0); break;
	case 2: np_page_alloc_bulk(g_prov, 0, 0, 0, NULL, 2); break;
	case 3: np_small_alloc(NULL, 64); break;
	case 4: np_dma_map(NULL, buf, sizeof(buf), NP_DMA_FROM_DEVICE, &a); break;
	case 5: np_pool_alloc_frag(g_mpool, NULL, 64); break;
	case 6: np_pool_alloc(g_mpool, &off, NULL); break;
	case 7: np_pool_alloc_pages_bulk(g_mpool, NULL, 2); break;
	case 8: np_pool_put_page_bulk(NULL, 2); break;
	case 9: np_napi_poll(&napi); break;
	case 10: np_netdev_poll(g_mdev, 5); break;
	case 11: np_netdev_rx_drop(g_mdev, 0, &page_stub, NP_NETDEV_QSTATS_NR); break;
	case 12: np_netdev_xmit(g_mdev, 0, NULL); break;
	case 13: np_netdev_receive(g_mdev, 9, &rb, 1); break;
	case 14:
		skb = np_alloc_skb(64);
		np_skb_put(skb, 8);
		np_skb_copy_bits(skb, 0, NULL, 4);
		break;
	case 15: np_build_skb_bulk(NULL, 2048, NULL, 2); break;
	case 16: np_napi_consume_skb_bulk(NULL, 2, 64); break;
	case 17:
		skb = np_alloc_skb(64);
		np_skb_encap_push(skb, NULL, 14);
		break;
	case 18:
		skb = np_alloc_skb(64);
		np_vxlan_encap(skb, NULL);
		break;
	case 19:
		skb = np_alloc_skb(64);
		np_vxlan_decap(skb, NULL);
		break;
	case 20: np_vxlan_src_port(NULL, &(struct np_vxlan_cfg){ 0 }); break;
	}
}

static void test_misuse(void)
{
	static char report[16384];

	g_mpool = pool_ok();
	g_mdev = netdev_ok(1);
	CHECK_EQ(np_netdev_open(g_mdev), 0);
	for (size_t i = 0; i < NP_ARRAY_SIZE(misuses); i++) {
		bool died = t_run_child(misuse_child, (int)i, report, sizeof(report));

		if (!died || !strstr(report, "netpool: misuse") || !strstr(report, misuses[i].says)) {
			fprintf(stderr, "FAIL: misuse '%s' not caught (died %d):\n%s\n",
				misuses[i].name, died, report);
			exit(1);
		}
	}
	np_netdev_destroy(g_mdev);
	np_pool_destroy(g_mpool);
}
#endif

int main(void)
{
	int pools0;

	np_set_print(t_log_capture);
	CHECK_EQ(np_provider_create(&(struct np_provider_params){ .name = "api" }, &g_prov), 0);
	pools0 = np_pool_info_list(NULL, 0);

	test_provider();
	test_dma();
	test_ring();
	test_pool();
	test_stats_format();
	test_napi();
	test_fault();
	test_export();
	test_netdev();
	test_skb();
	test_stack();
	test_tap();
	test_vnic();
	test_afxdp();
#if NP_DEBUG >= 1
	test_misuse();
#else
	printf("release build: the data-path misuse checks are compiled out, not tested\n");
#endif

	/* everything accounted for */
	np_skb_thread_flush();
	CHECK_EQ(np_skb_live(), 0);
	for (int i = 0; i < 1000 && np_pool_info_list(NULL, 0) != pools0; i++)
		t_sleep_ms(1);
	CHECK_EQ(np_pool_info_list(NULL, 0), pools0);
	CHECK_EQ(t_pages_out(g_prov), 0);
	CHECK_EQ(np_provider_destroy(g_prov), 0);
	CHECK_EQ(atomic_load(&np_fault_mask), 0);
	printf("PASS test_api_einval\n");
	return 0;
}
