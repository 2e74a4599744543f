/* SPDX-License-Identifier: MIT */
/*
 * page_pool and the DMA layer, checked through the checking IOMMU:
 *   - each page is mapped once per page life, however often it is recycled;
 *   - the device reaches an allocated page at dma + offset for max_len bytes;
 *   - pages are synced for the device on direct recycle and on ring refill;
 *   - a page leaving the pool is unmapped and out of the device's reach;
 *   - map failures in the slow path skip the page without losing it;
 *   - destroy with a page still out unmaps it (its DMA address reads 0
 *     after), and its late return does not unmap it twice;
 * plus the identity backend, and a pool that does not map at all.
 */
#include <time.h>
#include "testutil.h"

#define OFFSET	64
#define MAX_LEN	1500
#define NHOLD	NP_POOL_CACHE_REFILL

/* No DMA API misuse of any kind was seen by @dev. */
static void check_no_misuse(struct np_dma_dev *dev)
{
	struct np_dma_stats ds = t_dma_stats(dev);

	CHECK_EQ(ds.double_map, 0);
	CHECK_EQ(ds.bad_unmap, 0);
	CHECK_EQ(ds.bad_sync, 0);
	CHECK_EQ(ds.leaked, 0);
}

/* The device writes a pattern into @page's receive area; the CPU sees it. */
static void device_write(struct np_dma_dev *dev, struct np_page *page, unsigned char v)
{
	np_dma_addr_t dma = np_pool_get_dma_addr(page);
	unsigned char *buf = np_page_address(page);
	unsigned char *dst;

	CHECK(dma != 0);
	CHECK(dma != NP_DMA_MAPPING_ERROR);
	dst = np_dma_dev_access(dev, dma + OFFSET, MAX_LEN, true);
	CHECK(dst == buf + OFFSET);
	memset(dst, v, MAX_LEN);
	CHECK_EQ(buf[OFFSET], v);
	CHECK_EQ(buf[OFFSET + MAX_LEN - 1], v);
}

static struct np_pool *create_mapping_pool(struct np_provider *prov, struct np_dma_dev *dev,
					   struct np_napi_ctx *napi)
{
	struct np_pool_params pp = {
		.flags = NP_POOL_F_DMA_MAP | NP_POOL_F_DMA_SYNC_DEV,
		.provider = prov,
		.nid = NP_NUMA_NO_NODE,
		.dma = dev,
		.dma_dir = NP_DMA_FROM_DEVICE,
		.max_len = MAX_LEN,
		.offset = OFFSET,
		.napi = napi,
		.name = "dma",
	};
	struct np_pool *pool;

	CHECK_EQ(np_pool_create(&pp, &pool), 0);
	return pool;
}

static int find_page(struct np_page *const *set, int n, const struct np_page *page)
{
	for (int i = 0; i < n; i++)
		if (set[i] == page)
			return i;
	return -1;
}

/* Map once per page life; sync on direct recycle and on refill. */
static void test_map_once(struct np_provider *prov, struct np_dma_dev *dev)
{
	struct np_page *pages[NHOLD], *known[NHOLD];
	np_dma_addr_t known_dma[NHOLD];
	struct np_dma_stats d0, d;
	struct np_napi_ctx napi;
	struct np_pool *pool;
	struct np_pool_stats st;
	int i;

	np_napi_ctx_init(&napi);
	pool = create_mapping_pool(prov, dev, &napi);

	for (i = 0; i < NHOLD; i++) {
		known[i] = pages[i] = np_pool_alloc_pages(pool);
		CHECK(pages[i]);
		known_dma[i] = np_pool_get_dma_addr(pages[i]);
		device_write(dev, pages[i], (unsigned char)i);
	}
	st = t_pool_stats(pool);
	CHECK_EQ(st.hold, NHOLD);	/* exactly one bulk: the cache is empty now */
	CHECK_EQ(pool->alloc.count, 0);
	d0 = t_dma_stats(dev);
	CHECK_EQ(d0.map, st.hold);
	CHECK_EQ(d0.live, st.hold);
	CHECK_EQ(d0.unmap, 0);
	CHECK_EQ(d0.access_fault, 0);
	/* a fresh page is handed to the device synced */
	CHECK(d0.sync_for_device >= NHOLD);

	for (int round = 0; round < 1000; round++) {
		uint64_t sync_before = t_dma_stats(dev).sync_for_device;
		bool direct = round % 2 == 0;

		if (direct) {
			for (i = 0; i < NHOLD; i++)
				np_pool_recycle_direct(pool, pages[i]);
			/* each page synced once, here */
			CHECK_EQ(t_dma_stats(dev).sync_for_device, sync_before + NHOLD);
		} else {
			for (i = 0; i < NHOLD; i++)
				np_pool_put_full_page(pool, pages[i], false);
			CHECK_EQ(np_pool_ring_count(pool), NHOLD);
		}
		for (i = 0; i < NHOLD; i++) {
			int k;

			pages[i] = np_pool_alloc_pages(pool);
			CHECK(pages[i]);
			k = find_page(known, NHOLD, pages[i]);
			CHECK(k >= 0);
			/* same page, same mapping */
			CHECK_EQ(np_pool_get_dma_addr(pages[i]), known_dma[k]);
		}
		if (!direct) {
			/* synced on the way out of the ring, at least once per page */
			CHECK(t_dma_stats(dev).sync_for_device >= sync_before + NHOLD);
		}
		if (round % 97 == 0)
			for (i = 0; i < NHOLD; i++)
				device_write(dev, pages[i], (unsigned char)round);
	}
	st = t_pool_stats(pool);
	CHECK_EQ(st.hold, NHOLD);
	CHECK_EQ(st.alloc.refill, 500);
	d = t_dma_stats(dev);
	CHECK_EQ(d.map, d0.map);
	CHECK_EQ(d.live, NHOLD);
	CHECK_EQ(d.unmap, 0);
	CHECK_EQ(d.access_fault, 0);
	CHECK(d.sync_for_device >= d0.sync_for_device + 1000 * NHOLD);
	check_no_misuse(dev);

	/* a page that leaves the pool is unmapped: the device cannot reach it */
	{
		struct np_page *page = pages[0];
		np_dma_addr_t dma = np_pool_get_dma_addr(page);

		np_page_get(page);
		np_pool_recycle_direct(pool, page);
		CHECK(!np_page_is_pp(page));
		CHECK_EQ(np_pool_get_dma_addr(page), 0);
		d = t_dma_stats(dev);
		CHECK_EQ(d.unmap, 1);
		CHECK_EQ(d.live, NHOLD - 1);
		t_log_reset();
		CHECK(np_dma_dev_access(dev, dma + OFFSET, MAX_LEN, true) == NULL);
		CHECK(np_dma_dev_access(dev, dma, 1, true) == NULL);
		CHECK_EQ(t_dma_stats(dev).access_fault, 2);
		CHECK(t_log_level_count(NP_LOG_ERROR) > 0);
		CHECK(np_page_put(page));
		pages[0] = NULL;
	}

	/* a short dma_sync_size is still one sync */
	{
		uint64_t before = t_dma_stats(dev).sync_for_device;

		np_pool_put_page(pool, pages[1], 100, true);
		CHECK_EQ(t_dma_stats(dev).sync_for_device, before + 1);
		pages[1] = NULL;
	}

	for (i = 0; i < NHOLD; i++)
		if (pages[i])
			np_pool_recycle_direct(pool, pages[i]);
	CHECK_EQ(np_pool_inflight(pool), NHOLD - 1);
	CHECK_EQ(np_pool_audit(pool), 0);
	np_pool_destroy(pool);
	d = t_dma_stats(dev);
	CHECK_EQ(d.live, 0);
	CHECK_EQ(d.unmap, d.map);
	check_no_misuse(dev);
	CHECK_EQ(t_pages_out(prov), 0);
}

/* Every third map fails: the slow path skips those pages and loses nothing. */
static void test_map_failure(struct np_dma_dev *dev)
{
	struct np_page *pages[200];
	struct np_dma_stats d0, d;
	struct np_provider *prov;
	struct np_pool *pool;
	struct np_pool_stats st;
	uint64_t injected;
	int i;

	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	pool = create_mapping_pool(prov, dev, NULL);
	d0 = t_dma_stats(dev);
	CHECK_EQ(d0.live, 0);
	CHECK_EQ(np_fault_set(NP_FAULT_DMA_MAP, &(struct np_fault_spec){ .every = 3 }), 0);

	pages[0] = np_pool_alloc_pages(pool);
	CHECK(pages[0]);
	injected = np_fault_injected(NP_FAULT_DMA_MAP);
	CHECK_EQ(injected, NP_POOL_CACHE_REFILL / 3);
	st = t_pool_stats(pool);
	CHECK_EQ(st.hold, NP_POOL_CACHE_REFILL - injected);
	CHECK_EQ(t_pages_out(prov), (uint64_t)np_pool_inflight(pool));

	for (i = 1; i < 200; i++) {
		pages[i] = np_pool_alloc_pages(pool);
		CHECK(pages[i]);
		CHECK(np_page_is_pp(pages[i]));
		device_write(dev, pages[i], 0x11);
		CHECK_EQ(t_pages_out(prov), (uint64_t)np_pool_inflight(pool));
	}
	injected = np_fault_injected(NP_FAULT_DMA_MAP);
	CHECK(injected > NP_POOL_CACHE_REFILL / 3);
	d = t_dma_stats(dev);
	CHECK_EQ(d.map_fail - d0.map_fail, injected);
	CHECK_EQ(d.map - d0.map, t_pool_stats(pool).hold);
	CHECK_EQ(d.live, (uint64_t)np_pool_inflight(pool));
	np_fault_reset();

	for (i = 0; i < 200; i++)
		np_pool_put_full_page(pool, pages[i], false);
	CHECK_EQ(t_pages_out(prov), (uint64_t)np_pool_inflight(pool));
	CHECK_EQ(np_pool_audit(pool), 0);
	np_pool_destroy(pool);
	CHECK_EQ(t_dma_stats(dev).live, 0);
	check_no_misuse(dev);
	CHECK_EQ(np_provider_destroy(prov), 0);
}

/* Destroy with a page out: unmapped at once; its late return unmaps nothing twice. */
static void test_destroy_in_flight(struct np_provider *prov, struct np_dma_dev *dev)
{
	struct np_pool_info info;
	struct np_page *page;
	struct np_pool *pool;
	np_dma_addr_t dma;
	uint32_t id;
	int i;

	np_pool_set_release_timing(10, 0);
	pool = create_mapping_pool(prov, dev, NULL);
	id = pool->id;
	page = np_pool_alloc_pages(pool);
	CHECK(page);
	dma = np_pool_get_dma_addr(page);
	device_write(dev, page, 0x22);
	np_pool_destroy(pool);
	CHECK_EQ(t_dma_stats(dev).live, 0);
	CHECK_EQ(np_pool_get_dma_addr(page), 0);	/* unmapped, and no stale address left */
	t_log_reset();
	CHECK(np_dma_dev_access(dev, dma + OFFSET, MAX_LEN, true) == NULL);
	CHECK_EQ(np_pool_info_get(id, &info), 0);
	CHECK(info.destroyed);
	CHECK_EQ(info.inflight, 1);

	np_pool_put_full_page(pool, page, false);	/* the pool may be freed now */
	for (i = 0; i < 5000 && np_pool_info_get(id, &info) == 0; i++)
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	CHECK_EQ(np_pool_info_get(id, &info), -ENOENT);
	check_no_misuse(dev);
	CHECK_EQ(t_pages_out(prov), 0);
}

/* Identity: the DMA address is the CPU address. */
static void test_identity(struct np_provider *prov)
{
	struct np_pool_params pp = {
		.flags = NP_POOL_F_DMA_MAP,
		.provider = prov,
		.nid = NP_NUMA_NO_NODE,
		.dma_dir = NP_DMA_BIDIRECTIONAL,
	};
	struct np_page *pages[10];
	struct np_dma_dev *dev;
	struct np_pool *pool;
	struct np_dma_stats d;

	CHECK_EQ(np_dma_identity_create("ident", &dev), 0);
	pp.dma = dev;
	CHECK_EQ(np_pool_create(&pp, &pool), 0);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 10; i++) {
			pages[i] = np_pool_alloc_pages(pool);
			CHECK(pages[i]);
			CHECK_EQ(np_pool_get_dma_addr(pages[i]),
				 (uintptr_t)np_page_address(pages[i]));
			CHECK(np_dma_dev_access(dev, np_pool_get_dma_addr(pages[i]), 64, true) ==
			      np_page_address(pages[i]));
		}
		for (int i = 0; i < 10; i++)
			np_pool_recycle_direct(pool, pages[i]);
	}
	d = t_dma_stats(dev);
	CHECK_EQ(d.map, t_pool_stats(pool).hold);
	CHECK_EQ(d.live, d.map);
	CHECK_EQ(d.sync_for_device, 0);	/* no DMA_SYNC_DEV */
	np_pool_destroy(pool);
	d = t_dma_stats(dev);
	CHECK_EQ(d.live, 0);
	CHECK_EQ(d.unmap, d.map);
	CHECK_EQ(d.bad_unmap, 0);
	CHECK_EQ(np_dma_dev_destroy(dev), 0);
	CHECK_EQ(t_pages_out(prov), 0);
}

/* Without DMA_MAP nothing is mapped, even with a device at hand. */
static void test_no_map(struct np_provider *prov, struct np_dma_dev *dev)
{
	struct np_pool_params pp = {
		.provider = prov,
		.nid = NP_NUMA_NO_NODE,
		.dma = dev,
		.dma_dir = NP_DMA_FROM_DEVICE,
	};
	struct np_dma_stats d0 = t_dma_stats(dev), d;
	struct np_page *pages[100];
	struct np_pool *pool;

	CHECK_EQ(np_pool_create(&pp, &pool), 0);
	for (int i = 0; i < 100; i++) {
		pages[i] = np_pool_alloc_pages(pool);
		CHECK(pages[i]);
		CHECK_EQ(np_pool_get_dma_addr(pages[i]), 0);
	}
	for (int i = 0; i < 100; i++)
		np_pool_put_full_page(pool, pages[i], i % 2);
	for (int i = 0; i < 100; i++) {
		pages[i] = np_pool_alloc_pages(pool);
		CHECK_EQ(np_pool_get_dma_addr(pages[i]), 0);
	}
	np_page_get(pages[0]);
	np_pool_recycle_direct(pool, pages[0]);	/* released */
	CHECK(np_page_put(pages[0]));
	for (int i = 1; i < 100; i++)
		np_pool_recycle_direct(pool, pages[i]);
	CHECK_EQ(np_pool_audit(pool), 0);
	np_pool_destroy(pool);
	d = t_dma_stats(dev);
	CHECK_EQ(d.map, d0.map);
	CHECK_EQ(d.unmap, d0.unmap);
	CHECK_EQ(d.sync_for_device, d0.sync_for_device);
	CHECK_EQ(d.live, 0);
	CHECK_EQ(t_pages_out(prov), 0);
}

int main(void)
{
	struct np_provider *prov;
	struct np_dma_dev *dev;

	np_set_print(t_log_capture);
	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	CHECK_EQ(np_dma_iommu_create("iommu0", NULL, &dev), 0);

	test_map_once(prov, dev);
	test_map_failure(dev);
	test_destroy_in_flight(prov, dev);
	test_identity(prov);
	test_no_map(prov, dev);

	CHECK_EQ(t_dma_stats(dev).live, 0);
	t_log_reset();
	CHECK_EQ(np_dma_dev_destroy(dev), 0);
	CHECK_EQ(t_log_level_count(NP_LOG_ERROR), 0);
	CHECK_EQ(np_provider_destroy(prov), 0);
	return 0;
}
