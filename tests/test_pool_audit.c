/* SPDX-License-Identifier: MIT */
/*
 * np_pool_audit(): 0 on a healthy pool after mixed use; -EUCLEAN and a report
 * naming the page when the pool's state is corrupted by hand (a page cached
 * twice, a cached page without the signature, a cached page someone else
 * still references). Each corruption is undone before the pool is destroyed.
 */
#include "testutil.h"

/* The audit fails and its report names @page. */
static void expect_unclean(struct np_pool *pool, const struct np_page *page, int line)
{
	char ptr[32];
	int err;

	t_log_reset();
	err = np_pool_audit(pool);
	snprintf(ptr, sizeof(ptr), "%p", (const void *)page);
	if (err != -EUCLEAN || t_log_level_count(NP_LOG_ERROR) == 0 || !t_log_has(ptr)) {
		fprintf(stderr, "FAIL %s:%d: audit = %d, %d errors reported, page %s %s\n%s",
			__FILE__, line, err, t_log_level_count(NP_LOG_ERROR), ptr,
			t_log_has(ptr) ? "named" : "not named", t_log_buf);
		exit(1);
	}
}

static void expect_clean(struct np_pool *pool, int line)
{
	int err;

	t_log_reset();
	err = np_pool_audit(pool);
	if (err != 0 || t_log_level_count(NP_LOG_ERROR) != 0) {
		fprintf(stderr, "FAIL %s:%d: audit = %d on a healthy pool\n%s", __FILE__, line,
			err, t_log_buf);
		exit(1);
	}
}

#define EXPECT_UNCLEAN(pool, page)	expect_unclean(pool, page, __LINE__)
#define EXPECT_CLEAN(pool)		expect_clean(pool, __LINE__)

int main(void)
{
	struct np_pool_params pp = {
		.flags = NP_POOL_F_DMA_MAP,
		.nid = NP_NUMA_NO_NODE,
		.dma_dir = NP_DMA_FROM_DEVICE,
		.name = "audit",
	};
	struct np_page *pages[200], *page, *saved;
	struct np_napi_ctx napi, *prev;
	struct np_provider *prov;
	struct np_dma_dev *dev;
	struct np_pool *pool;
	unsigned int off;
	uintptr_t magic;
	uint32_t n;
	int i;

	np_set_print(t_log_capture);
	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	CHECK_EQ(np_dma_identity_create("audit", &dev), 0);
	np_napi_ctx_init(&napi);
	pp.provider = prov;
	pp.dma = dev;
	pp.napi = &napi;
	CHECK_EQ(np_pool_create(&pp, &pool), 0);
	EXPECT_CLEAN(pool);

	/* mixed use: slow path, cache, ring, refill, cache full, fragments, releases */
	CHECK_EQ(np_pool_alloc_pages_bulk(pool, pages, 200), 200);
	EXPECT_CLEAN(pool);
	prev = np_napi_ctx_enter(&napi);
	for (i = 0; i < 100; i++)
		np_pool_put_full_page(pool, pages[i], false);	/* napi-local: cache */
	np_napi_ctx_leave(prev);
	for (i = 100; i < 150; i++)
		np_pool_put_full_page(pool, pages[i], false);	/* the ring */
	np_page_get(pages[150]);
	np_pool_recycle_direct(pool, pages[150]);		/* released */
	CHECK(np_page_put(pages[150]));
	np_pool_put_page_bulk(pages + 151, 49);
	EXPECT_CLEAN(pool);
	for (i = 0; i < 200; i++)
		CHECK(pages[i] = np_pool_alloc_pages(pool));
	EXPECT_CLEAN(pool);
	for (i = 0; i < 200; i++)
		np_pool_recycle_direct(pool, pages[i]);			/* cache, then cache full */
	for (i = 0; i < 10; i++)
		CHECK(pages[i] = np_pool_alloc_frag(pool, &off, 700));
	EXPECT_CLEAN(pool);
	for (i = 0; i < 10; i++)
		np_pool_put_page(pool, pages[i], NP_POOL_SYNC_FULL, true);
	EXPECT_CLEAN(pool);
	CHECK(pool->alloc.count >= 2);
	n = pool->alloc.count;

	/* a page cached twice */
	saved = pool->alloc.cache[n - 1];
	pool->alloc.cache[n - 1] = pool->alloc.cache[0];
	EXPECT_UNCLEAN(pool, pool->alloc.cache[0]);
	pool->alloc.cache[n - 1] = saved;
	EXPECT_CLEAN(pool);

	/* a cached page that lost its signature */
	page = pool->alloc.cache[n / 2];
	magic = page->pp_magic;
	page->pp_magic &= NP_PAGE_ALLOC_BITS;
	EXPECT_UNCLEAN(pool, page);
	page->pp_magic = magic;
	EXPECT_CLEAN(pool);

	/* a cached page someone else still holds */
	page = pool->alloc.cache[0];
	np_page_get(page);
	EXPECT_UNCLEAN(pool, page);
	CHECK(!np_page_put(page));
	EXPECT_CLEAN(pool);

	/* a cached page owned by another pool */
	page = pool->alloc.cache[1];
	page->pp = (struct np_pool *)&magic;
	EXPECT_UNCLEAN(pool, page);
	page->pp = pool;
	EXPECT_CLEAN(pool);

	np_pool_destroy(pool);
	CHECK_EQ(np_dma_dev_destroy(dev), 0);
	CHECK_EQ(np_provider_destroy(prov), 0);
	return 0;
}
