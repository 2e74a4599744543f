/* SPDX-License-Identifier: MIT */
/*
 * np_pool_create() parameter checks: every combination the contract rejects
 * fails with -EINVAL and creates nothing; the ring size is 1024 by default,
 * rounded up to a power of two, and capped at 16384.
 */
#include "testutil.h"

static struct np_provider *prov;
static struct np_dma_dev *dev;

static struct np_pool_params base_params(void)
{
	return (struct np_pool_params){
		.provider = prov,
		.nid = NP_NUMA_NO_NODE,
		.name = "params",
	};
}

/* @p must be refused with -EINVAL. */
static void expect_einval(const struct np_pool_params *p, int line)
{
	struct np_pool *pool = NULL;
	int err = np_pool_create(p, &pool);

	if (err != -EINVAL) {
		fprintf(stderr, "FAIL %s:%d: np_pool_create() = %d, want -EINVAL\n", __FILE__,
			line, err);
		exit(1);
	}
}

/* @p must be accepted; the pool is checked against it and destroyed. */
static void expect_ok(const struct np_pool_params *p, int line)
{
	struct np_pool *pool = NULL;
	int err = np_pool_create(p, &pool);

	if (err || !pool) {
		fprintf(stderr, "FAIL %s:%d: np_pool_create() = %d\n", __FILE__, line, err);
		exit(1);
	}
	CHECK_EQ(pool->order, p->order);
	CHECK_EQ(pool->flags, p->flags);
	CHECK_EQ(pool->nid, p->nid);
	CHECK_EQ(np_pool_inflight(pool), 0);
	np_pool_destroy(pool);
}

#define EINVAL_CASE(p)	expect_einval(&(p), __LINE__)
#define OK_CASE(p)	expect_ok(&(p), __LINE__)

static void test_flags_and_order(void)
{
	struct np_pool_params p = base_params();

	p.flags = 0x4;
	EINVAL_CASE(p);
	p.flags = ~0u;
	EINVAL_CASE(p);
	p.flags = NP_POOL_F_DMA_MAP | 0x80000000u;
	p.dma = dev;
	EINVAL_CASE(p);

	p = base_params();
	p.order = NP_PAGE_MAX_ORDER + 1;
	EINVAL_CASE(p);
	p.order = ~0u;
	EINVAL_CASE(p);
	p.order = NP_PAGE_MAX_ORDER;
	OK_CASE(p);
	p.order = 0;
	OK_CASE(p);
}

static void test_dma(void)
{
	struct np_pool_params p = base_params();

	/* DMA_MAP needs a device */
	p.flags = NP_POOL_F_DMA_MAP;
	p.dma_dir = NP_DMA_FROM_DEVICE;
	EINVAL_CASE(p);
	p.dma = dev;
	OK_CASE(p);

	/* the device may only write into pool pages */
	p.dma_dir = NP_DMA_TO_DEVICE;
	EINVAL_CASE(p);
	p.dma_dir = (enum np_dma_dir)7;
	EINVAL_CASE(p);
	p.dma_dir = NP_DMA_BIDIRECTIONAL;
	OK_CASE(p);

	/* without DMA_MAP the direction is not looked at */
	p = base_params();
	p.dma_dir = NP_DMA_TO_DEVICE;
	OK_CASE(p);

	/* DMA_SYNC_DEV needs DMA_MAP ... */
	p = base_params();
	p.flags = NP_POOL_F_DMA_SYNC_DEV;
	p.dma = dev;
	p.dma_dir = NP_DMA_FROM_DEVICE;
	p.max_len = 1500;
	EINVAL_CASE(p);
	/* ... and a max_len */
	p.flags = NP_POOL_F_DMA_MAP | NP_POOL_F_DMA_SYNC_DEV;
	p.max_len = 0;
	EINVAL_CASE(p);
	p.max_len = 1500;
	OK_CASE(p);

	/* offset + max_len must stay inside the page (of the pool's order) */
	p.offset = 64;
	p.max_len = (unsigned int)NP_PAGE_SIZE - 63;
	EINVAL_CASE(p);
	p.max_len = (unsigned int)NP_PAGE_SIZE - 64;
	OK_CASE(p);
	p.offset = (unsigned int)NP_PAGE_SIZE;
	p.max_len = 1;
	EINVAL_CASE(p);
	p.offset = 0;
	p.max_len = (unsigned int)NP_PAGE_SIZE + 1;
	EINVAL_CASE(p);
	p.offset = ~0u;	/* must not wrap around */
	p.max_len = 2;
	EINVAL_CASE(p);
	p.offset = 256;
	p.max_len = (unsigned int)(2 * NP_PAGE_SIZE) - 256;
	EINVAL_CASE(p);
	p.order = 1;
	OK_CASE(p);
	p.max_len++;
	EINVAL_CASE(p);
}

static void test_nid(void)
{
	struct np_pool_params p = base_params();

	p.nid = -2;
	EINVAL_CASE(p);
	p.nid = NP_MAX_NUMNODES;
	EINVAL_CASE(p);
	p.nid = -1000;
	EINVAL_CASE(p);
	p.nid = NP_MAX_NUMNODES - 1;
	OK_CASE(p);
	p.nid = 0;
	OK_CASE(p);
	p.nid = NP_NUMA_NO_NODE;
	OK_CASE(p);
}

static void test_null(void)
{
	struct np_pool_params p = base_params();
	struct np_pool *pool = NULL;

	CHECK_EQ(np_pool_create(NULL, &pool), -EINVAL);
	CHECK_EQ(np_pool_create(&p, NULL), -EINVAL);
	CHECK_EQ(np_pool_create(NULL, NULL), -EINVAL);
}

static void check_ring_size(unsigned int pool_size, uint32_t want)
{
	struct np_pool_params p = base_params();
	struct np_pool *pool;

	p.pool_size = pool_size;
	CHECK_EQ(np_pool_create(&p, &pool), 0);
	CHECK_EQ(pool->ring.size, want);
	np_pool_destroy(pool);
}

static void test_pool_size(void)
{
	check_ring_size(0, 1024);
	check_ring_size(20000, 16384);
	check_ring_size(NP_POOL_SIZE_MAX, 16384);
	check_ring_size(~0u, 16384);
	check_ring_size(1000, 1024);
	check_ring_size(1024, 1024);
	check_ring_size(64, 64);
	check_ring_size(65, 128);
}

int main(void)
{
	np_set_print(t_log_capture);
	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	CHECK_EQ(np_dma_identity_create("params", &dev), 0);

	test_flags_and_order();
	test_dma();
	test_nid();
	test_null();
	test_pool_size();

	/* no rejected create left anything behind in the registry */
	CHECK_EQ(np_pool_info_list(NULL, 0), 0);
	CHECK_EQ(np_dma_dev_destroy(dev), 0);
	CHECK_EQ(np_provider_destroy(prov), 0);
	return 0;
}
