/* SPDX-License-Identifier: MIT */
/*
 * docs/regressions.md R11: a mapping pool destroyed with pages in flight,
 * its device torn down (run A) or kept (run B), then the pages returned:
 * destroy unmaps each page still out exactly once, a page coming back later
 * never reaches the device again, the pool goes with the last page.
 *
 * Caught, with the bug put back: destroy not unmapping the pages still out
 * (each unmapped on its return instead, as in the kernel before its pools
 * tracked their mappings): "ds.live == 0 (40 != 0)" right after destroy;
 * destroy unmapping them without recording it: run A unmaps again through
 * the freed IOMMU, ASan "heap-use-after-free" in np_dma_unmap() (plain
 * builds: a segmentation fault).
 */
#include "testutil.h"

#define NPAGES	100
#define KEEP	40

/*
 * Create a mapping, syncing pool on @dev, allocate NPAGES, return all but
 * KEEP (half into the cache, half into the ring), and destroy it. The KEEP
 * pages are left in @out. Return: the pool (alive until they come back).
 */
static struct np_pool *setup_and_destroy(struct np_provider *prov, struct np_dma_dev *dev,
					 struct np_page **out)
{
	struct np_pool_params pp = { 0 };
	struct np_page *pages[NPAGES];
	struct np_napi_ctx napi, *prev;
	struct np_pool_info info;
	struct np_dma_stats ds;
	struct np_pool *pool;
	int i;

	np_napi_ctx_init(&napi);
	/* the checking IOMMU validates every sync: make sure the pool issues them */
	dev->need_sync = true;
	pp.flags = NP_POOL_F_DMA_MAP | NP_POOL_F_DMA_SYNC_DEV;
	pp.dma = dev;
	pp.dma_dir = NP_DMA_FROM_DEVICE;
	pp.max_len = NP_PAGE_SIZE - 256;
	pp.offset = 256;
	pp.napi = &napi;
	pp.provider = prov;
	pp.nid = NP_NUMA_NO_NODE;
	pp.pool_size = 64;
	pp.name = "teardown";
	CHECK_EQ(np_pool_create(&pp, &pool), 0);

	for (i = 0; i < NPAGES; i++) {
		CHECK(pages[i] = np_pool_alloc_pages(pool));
		/* the device may write what the pool mapped */
		CHECK(np_dma_dev_access(dev, np_pool_get_dma_addr(pages[i]) + pp.offset, 64,
					true) != NULL);
	}
	prev = np_napi_ctx_enter(&napi);
	for (i = KEEP; i < KEEP + (NPAGES - KEEP) / 2; i++)
		np_pool_put_full_page(pool, pages[i], false);	/* napi-local: cache */
	np_napi_ctx_leave(prev);
	for (; i < NPAGES; i++)
		np_pool_put_page(pool, pages[i], 128, false);	/* ring */
	CHECK_EQ(np_pool_audit(pool), 0);

	ds = t_dma_stats(dev);
	CHECK_EQ(ds.live, (uint64_t)np_pool_inflight(pool));
	CHECK_EQ(ds.map, ds.live);
	CHECK_EQ(ds.unmap, 0);

	np_pool_destroy(pool);

	/* every page still out was unmapped by destroy, and only those */
	ds = t_dma_stats(dev);
	CHECK_EQ(ds.live, 0);
	CHECK_EQ(ds.unmap, ds.map);
	CHECK_EQ(ds.bad_unmap, 0);
	CHECK_EQ(ds.double_map, 0);
	CHECK_EQ(ds.bad_sync, 0);
	CHECK_EQ(ds.access_fault, 0);
	CHECK_EQ(np_pool_info_get(pool->id, &info), 0);
	CHECK(info.destroyed);
	CHECK_EQ(info.inflight, KEEP);
	CHECK_EQ(t_pages_out(prov), KEEP);

	for (i = 0; i < KEEP; i++) {
		CHECK(np_page_is_pp(pages[i]));		/* still the pool's until returned */
		out[i] = pages[i];
	}
	return pool;
}

/* Return the KEEP pages every way a driver can: single, direct, napi, bulk. */
static void return_pages(struct np_pool *pool, struct np_page **pages)
{
	struct np_napi_ctx other, *prev;
	int i = 0;

	np_napi_ctx_init(&other);
	for (; i < 10; i++)
		np_pool_put_full_page(pool, pages[i], false);
	for (; i < 20; i++)
		np_pool_put_full_page(pool, pages[i], true);
	prev = np_napi_ctx_enter(&other);
	for (; i < 25; i++)
		np_pool_put_page(pool, pages[i], 512, false);
	np_napi_ctx_leave(prev);
	np_page_get(pages[i]);			/* still referenced elsewhere */
	np_pool_put_full_page(pool, pages[i], false);
	CHECK(!np_page_is_pp(pages[i]));
	CHECK(np_page_put(pages[i]));
	i++;
	np_pool_put_page_bulk(&pages[i], (unsigned)(KEEP - 1 - i));
	i = KEEP - 1;
	CHECK_EQ(np_pool_inflight(pool), 1);	/* the last page keeps the pool alive */
	np_pool_put_full_page(pool, pages[i], false);
	for (i = 0; i < KEEP; i++)
		CHECK(!np_page_is_pp(pages[i]));
}

/* A: destroy the pool, then the device, then return the pages. */
static void run_device_gone(struct np_provider *prov)
{
	struct np_page *pages[KEEP];
	struct np_dma_dev *dev;
	struct np_pool *pool;
	np_dma_addr_t addr;
	uint32_t id;

	CHECK_EQ(np_dma_iommu_create("teardown-a", NULL, &dev), 0);
	pool = setup_and_destroy(prov, dev, pages);
	id = pool->id;

	/* the device can no longer reach a page that is still out */
	addr = np_pool_get_dma_addr(pages[0]);
	t_log_reset();
	CHECK(np_dma_dev_access(dev, addr, 64, true) == NULL);
	CHECK_EQ(t_dma_stats(dev).access_fault, 1);
	CHECK(t_log_has("refused"));

	t_log_reset();
	CHECK_EQ(np_dma_dev_destroy(dev), 0);	/* no mapping left behind */
	CHECK(!t_log_has("leaked"));
	CHECK_EQ(t_log_level_count(NP_LOG_ERROR), 0);

	return_pages(pool, pages);
	CHECK_EQ(t_pages_out(prov), 0);
	CHECK(t_wait_pool_freed(id, 5000));

	/* no unmap, sync or access attempt reached the DMA layer */
	CHECK(!t_log_has("dma "));
	CHECK(!t_log_has("unmap"));
	CHECK(!t_log_has("unknown"));
	CHECK_EQ(t_log_level_count(NP_LOG_ERROR), 0);
}

/* B: the device outlives the returns, so its counters can be read. */
static void run_device_alive(struct np_provider *prov)
{
	struct np_page *pages[KEEP];
	struct np_dma_stats before, after;
	struct np_dma_dev *dev;
	struct np_pool *pool;
	uint32_t id;

	CHECK_EQ(np_dma_iommu_create("teardown-b", NULL, &dev), 0);
	pool = setup_and_destroy(prov, dev, pages);
	id = pool->id;
	before = t_dma_stats(dev);
	CHECK(before.sync_for_device > 0);	/* the pool did sync while alive */

	t_log_reset();
	return_pages(pool, pages);
	CHECK_EQ(t_pages_out(prov), 0);
	CHECK(t_wait_pool_freed(id, 5000));

	after = t_dma_stats(dev);
	CHECK_EQ(after.bad_unmap, 0);
	CHECK_EQ(after.unmap, after.map);
	CHECK_EQ(after.unmap, before.unmap);	/* no second unmap */
	CHECK_EQ(after.map, before.map);
	CHECK_EQ(after.live, 0);
	CHECK_EQ(after.sync_for_device, before.sync_for_device);
	CHECK_EQ(after.sync_for_cpu, before.sync_for_cpu);
	CHECK_EQ(after.bad_sync, 0);
	CHECK_EQ(after.access_fault, 0);
	CHECK_EQ(after.access, before.access);
	CHECK_EQ(t_log_level_count(NP_LOG_ERROR), 0);
	CHECK(!t_log_has("dma "));

	CHECK_EQ(np_dma_dev_destroy(dev), 0);
	CHECK(!t_log_has("leaked"));
}

int main(void)
{
	struct np_provider *prov;

	np_set_print(t_log_capture);
	np_pool_set_release_timing(10, 5000);
	CHECK_EQ(np_provider_create(NULL, &prov), 0);

	run_device_gone(prov);
	run_device_alive(prov);

	CHECK(!t_log_has("negative"));
	CHECK_EQ(np_provider_destroy(prov), 0);
	np_set_print(NULL);
	return 0;
}
