/* SPDX-License-Identifier: MIT */
/*
 * The checking IOMMU: translation, permissions by direction, refusals of
 * accesses outside live mappings, double maps, bad unmaps and syncs, leaks at
 * teardown, IOVA reuse and exhaustion, and the injected map fault.
 */
#include <stdint.h>
#include <sys/mman.h>
#include "testutil.h"

#define PG		4096UL
#define ARENA_SIZE	(8UL << 20)
#define DEF_BASE	(1ULL << 20)

static unsigned char *arena;

static struct np_dma_dev *iommu_new(const char *name, uint64_t size)
{
	struct np_dma_iommu_params p = { .iova_size = size };
	struct np_dma_dev *dev;

	CHECK_EQ(np_dma_iommu_create(name, size ? &p : NULL, &dev), 0);
	return dev;
}

static void test_params(void)
{
	struct np_dma_iommu_params p;
	struct np_dma_dev *dev;
	np_dma_addr_t a;

	p = (struct np_dma_iommu_params){ .iova_base = 100 };
	CHECK_EQ(np_dma_iommu_create("x", &p, &dev), -EINVAL);
	p = (struct np_dma_iommu_params){ .iova_size = PG + 1 };
	CHECK_EQ(np_dma_iommu_create("x", &p, &dev), -EINVAL);
	p = (struct np_dma_iommu_params){ .iova_base = UINT64_MAX - PG + 1, .iova_size = 2 * PG };
	CHECK_EQ(np_dma_iommu_create("x", &p, &dev), -EINVAL);
	p = (struct np_dma_iommu_params){ .iova_size = 1ULL << 50 };
	CHECK_EQ(np_dma_iommu_create("x", &p, &dev), -EINVAL);

	/* The mapping-error value can never be a valid IOVA... */
	p = (struct np_dma_iommu_params){ .iova_base = UINT64_MAX - 4 * PG + 1,
					  .iova_size = 4 * PG };
	CHECK_EQ(np_dma_iommu_create("x", &p, &dev), -EINVAL);
	/* ...but the space may end one page below it. */
	p = (struct np_dma_iommu_params){ .iova_base = UINT64_MAX - 5 * PG + 1,
					  .iova_size = 4 * PG };
	CHECK_EQ(np_dma_iommu_create(NULL, &p, &dev), 0);
	CHECK(strcmp(dev->name, "iommu") == 0);
	CHECK(dev->need_sync);
	CHECK_EQ(np_dma_map(dev, arena, 4 * PG, NP_DMA_BIDIRECTIONAL, &a), 0);
	CHECK_EQ(a, UINT64_MAX - 5 * PG + 1);
	CHECK(np_dma_dev_access(dev, a + 4 * PG - 1, 1, true) == arena + 4 * PG - 1);
	CHECK(np_dma_dev_access(dev, a + 4 * PG - 1, 2, true) == NULL);
	CHECK(np_dma_dev_access(dev, NP_DMA_MAPPING_ERROR, 1, false) == NULL);
	CHECK_EQ(np_dma_unmap(dev, a, 4 * PG, NP_DMA_BIDIRECTIONAL), 0);
	CHECK_EQ(np_dma_dev_destroy(dev), 0);
}

static void test_round_trip(void)
{
	struct np_dma_dev *dev = iommu_new("rt", 0);
	unsigned char *buf = arena, *p;
	struct np_dma_stats st;
	np_dma_addr_t a;

	/* 100 bytes into a page, 5000 long: two IOVA pages, a run of two. */
	CHECK_EQ(np_dma_map(dev, buf + 100, 5000, NP_DMA_BIDIRECTIONAL, &a), 0);
	CHECK(a >= DEF_BASE && a < DEF_BASE + (4ULL << 30));
	CHECK_EQ(a & (PG - 1), 100);
	CHECK_EQ((a - 100 - DEF_BASE) % (2 * PG), 0);

	CHECK_EQ(np_dma_sync_for_device(dev, a, 5000, NP_DMA_BIDIRECTIONAL), 0);
	p = np_dma_dev_access(dev, a, 5000, true);
	CHECK(p == buf + 100);
	memset(p, 0x77, 5000);
	CHECK_EQ(np_dma_sync_for_cpu(dev, a, 5000, NP_DMA_BIDIRECTIONAL), 0);
	CHECK_EQ(buf[100], 0x77);
	CHECK_EQ(buf[5099], 0x77);
	/* inside, across the page boundary, up to the last byte */
	CHECK(np_dma_dev_access(dev, a + 4000, 1000, false) == buf + 4100);
	CHECK(np_dma_dev_access(dev, a + 4999, 1, false) == buf + 5099);
	/* partial syncs inside the mapping */
	CHECK_EQ(np_dma_sync_for_cpu(dev, a + 10, 64, NP_DMA_FROM_DEVICE), 0);
	CHECK_EQ(np_dma_sync_for_device(dev, a + 4090, 20, NP_DMA_TO_DEVICE), 0);

	t_log_reset();
	CHECK(np_dma_dev_access(dev, a - 1, 1, false) == NULL);
	CHECK(t_log_has("starts before the mapping"));
	CHECK(np_dma_dev_access(dev, a + 5000, 1, false) == NULL);
	CHECK(np_dma_dev_access(dev, a, 5001, true) == NULL);
	CHECK(t_log_has("runs past the end of the mapping"));
	CHECK(np_dma_dev_access(dev, a, 0, true) == NULL);
	CHECK(t_log_has("zero length"));

	CHECK_EQ(np_dma_unmap(dev, a, 5000, NP_DMA_BIDIRECTIONAL), 0);
	/* after unmap the device reaches nothing, and syncs are refused */
	t_log_reset();
	CHECK(np_dma_dev_access(dev, a, 1, false) == NULL);
	CHECK(t_log_has("page not mapped"));
	CHECK(t_log_has("rt: device read of iova"));
	CHECK_EQ(np_dma_sync_for_cpu(dev, a, 5000, NP_DMA_BIDIRECTIONAL), -ENOENT);

	st = t_dma_stats(dev);
	CHECK_EQ(st.map, 1);
	CHECK_EQ(st.unmap, 1);
	CHECK_EQ(st.live, 0);
	CHECK_EQ(st.access, 3);
	CHECK_EQ(st.access_fault, 5);
	CHECK_EQ(st.sync_for_device, 2);
	CHECK_EQ(st.sync_for_cpu, 2);
	CHECK_EQ(st.bad_sync, 1);
	CHECK_EQ(np_dma_dev_destroy(dev), 0);
}

static void test_directions(void)
{
	struct np_dma_dev *dev = iommu_new("dir", 0);
	np_dma_addr_t to, from, bi;

	CHECK_EQ(np_dma_map(dev, arena, PG, NP_DMA_TO_DEVICE, &to), 0);
	CHECK_EQ(np_dma_map(dev, arena + PG, PG, NP_DMA_FROM_DEVICE, &from), 0);
	CHECK_EQ(np_dma_map(dev, arena + 2 * PG, PG, NP_DMA_BIDIRECTIONAL, &bi), 0);
	t_log_reset();

	/* TO_DEVICE: the device reads, never writes */
	CHECK(np_dma_dev_access(dev, to, PG, false) == arena);
	CHECK(np_dma_dev_access(dev, to, 1, true) == NULL);
	CHECK(t_log_has("direction of the mapping forbids it"));
	/* FROM_DEVICE: the device writes, never reads */
	CHECK(np_dma_dev_access(dev, from, PG, true) == arena + PG);
	CHECK(np_dma_dev_access(dev, from + 8, 8, false) == NULL);
	/* BIDIRECTIONAL: both */
	CHECK(np_dma_dev_access(dev, bi, PG, true) == arena + 2 * PG);
	CHECK(np_dma_dev_access(dev, bi, PG, false) == arena + 2 * PG);

	CHECK_EQ(t_dma_stats(dev).access, 4);
	CHECK_EQ(t_dma_stats(dev).access_fault, 2);
	CHECK_EQ(t_log_level_count(NP_LOG_ERROR), 2);
	CHECK_EQ(np_dma_unmap(dev, to, PG, NP_DMA_TO_DEVICE), 0);
	CHECK_EQ(np_dma_unmap(dev, from, PG, NP_DMA_FROM_DEVICE), 0);
	CHECK_EQ(np_dma_unmap(dev, bi, PG, NP_DMA_BIDIRECTIONAL), 0);
	CHECK_EQ(np_dma_dev_destroy(dev), 0);
}

static void test_unmapped_and_crossing(void)
{
	struct np_dma_dev *dev = iommu_new("cross", 0);
	np_dma_addr_t a, b, c;

	/* a fresh space hands out adjacent runs */
	CHECK_EQ(np_dma_map(dev, arena, PG, NP_DMA_BIDIRECTIONAL, &a), 0);
	CHECK_EQ(np_dma_map(dev, arena + PG, PG, NP_DMA_BIDIRECTIONAL, &b), 0);
	CHECK_EQ(a, DEF_BASE);
	CHECK_EQ(b, a + PG);
	t_log_reset();
	/* both pages are valid and CPU-contiguous, but the range spans two mappings */
	CHECK(np_dma_dev_access(dev, a + 4000, 200, true) == NULL);
	CHECK(t_log_has("runs past the end of the mapping"));
	CHECK(np_dma_dev_access(dev, a + 4000, 96, true) == arena + 4000);

	/* three pages take a run of four; the fourth guards the mapping */
	CHECK_EQ(np_dma_map(dev, arena + 8 * PG, 3 * PG, NP_DMA_FROM_DEVICE, &c), 0);
	CHECK_EQ((c - DEF_BASE) % (4 * PG), 0);
	CHECK(np_dma_dev_access(dev, c + 3 * PG - 8, 8, true) == arena + 11 * PG - 8);
	CHECK(np_dma_dev_access(dev, c + 3 * PG - 8, 9, true) == NULL);
	CHECK(np_dma_dev_access(dev, c + 3 * PG, 1, true) == NULL);

	/* memory never mapped, and addresses outside the IOVA space */
	CHECK(np_dma_dev_access(dev, DEF_BASE + (256ULL << 20), 64, false) == NULL);
	CHECK(np_dma_dev_access(dev, 0, 64, false) == NULL);
	CHECK(np_dma_dev_access(dev, (uintptr_t)arena, 64, false) == NULL);
	CHECK(np_dma_dev_access(dev, DEF_BASE + (4ULL << 30) - 8, 16, false) == NULL);
	CHECK(t_log_has("outside the IOVA space"));
	CHECK_EQ(t_dma_stats(dev).access_fault, 7);
	CHECK_EQ(t_log_level_count(NP_LOG_ERROR), 7);

	CHECK_EQ(np_dma_unmap(dev, a, PG, NP_DMA_BIDIRECTIONAL), 0);
	CHECK_EQ(np_dma_unmap(dev, b, PG, NP_DMA_BIDIRECTIONAL), 0);
	CHECK_EQ(np_dma_unmap(dev, c, 3 * PG, NP_DMA_FROM_DEVICE), 0);
	CHECK_EQ(np_dma_dev_destroy(dev), 0);
}

static void test_double_map(void)
{
	struct np_dma_dev *dev = iommu_new("dbl", 0);
	unsigned char *buf = arena + 16 * PG;
	np_dma_addr_t a, b, x;

	CHECK_EQ(np_dma_map(dev, buf, PG, NP_DMA_FROM_DEVICE, &a), 0);
	t_log_reset();
	CHECK_EQ(np_dma_map(dev, buf, PG, NP_DMA_FROM_DEVICE, &x), -EEXIST);
	CHECK_EQ(x, NP_DMA_MAPPING_ERROR);
	CHECK(t_log_has("double map"));
	CHECK_EQ(np_dma_map(dev, buf + 2048, 16, NP_DMA_TO_DEVICE, &x), -EEXIST);
	CHECK_EQ(np_dma_map(dev, buf - PG, PG + 1, NP_DMA_BIDIRECTIONAL, &x), -EEXIST);
	CHECK_EQ(t_log_level_count(NP_LOG_ERROR), 3);
	/* the neighbours of the page are free to map */
	CHECK_EQ(np_dma_map(dev, buf + PG, PG, NP_DMA_FROM_DEVICE, &b), 0);
	CHECK_EQ(np_dma_map(dev, buf - PG, PG, NP_DMA_FROM_DEVICE, &x), 0);
	CHECK_EQ(np_dma_unmap(dev, x, PG, NP_DMA_FROM_DEVICE), 0);
	/* the refused maps changed nothing */
	CHECK(np_dma_dev_access(dev, a, PG, true) == buf);
	CHECK_EQ(t_dma_stats(dev).double_map, 3);
	CHECK_EQ(t_dma_stats(dev).map_fail, 0);
	CHECK_EQ(t_dma_stats(dev).live, 2);

	/* once unmapped, the page may be mapped again */
	CHECK_EQ(np_dma_unmap(dev, a, PG, NP_DMA_FROM_DEVICE), 0);
	CHECK_EQ(np_dma_map(dev, buf + 10, 20, NP_DMA_TO_DEVICE, &a), 0);
	CHECK(np_dma_dev_access(dev, a, 20, false) == buf + 10);
	CHECK_EQ(np_dma_unmap(dev, a, 20, NP_DMA_TO_DEVICE), 0);
	CHECK_EQ(np_dma_unmap(dev, b, PG, NP_DMA_FROM_DEVICE), 0);
	CHECK_EQ(np_dma_dev_destroy(dev), 0);
}

static void test_bad_unmap(void)
{
	struct np_dma_dev *dev = iommu_new("unmap", 0);
	np_dma_addr_t a;

	CHECK_EQ(np_dma_map(dev, arena + 100, 2 * PG, NP_DMA_TO_DEVICE, &a), 0);
	t_log_reset();
	CHECK_EQ(np_dma_unmap(dev, DEF_BASE + (64ULL << 20), PG, NP_DMA_TO_DEVICE), -ENOENT);
	CHECK(t_log_has("not mapped"));
	CHECK_EQ(np_dma_unmap(dev, 0, PG, NP_DMA_TO_DEVICE), -ENOENT);
	CHECK(t_log_has("outside the IOVA space"));
	CHECK_EQ(np_dma_unmap(dev, a, PG, NP_DMA_TO_DEVICE), -ENOENT);
	CHECK(t_log_has("wrong length (mapped len 8192"));
	CHECK_EQ(np_dma_unmap(dev, a + PG, PG, NP_DMA_TO_DEVICE), -ENOENT);
	CHECK_EQ(np_dma_unmap(dev, a + 1, 2 * PG - 1, NP_DMA_TO_DEVICE), -ENOENT);
	CHECK_EQ(np_dma_unmap(dev, a - 100, 2 * PG + 100, NP_DMA_TO_DEVICE), -ENOENT);
	CHECK(t_log_has("not the start of a mapping"));
	CHECK_EQ(np_dma_unmap(dev, a, 2 * PG, NP_DMA_FROM_DEVICE), -ENOENT);
	CHECK(t_log_has("wrong direction"));
	CHECK_EQ(t_log_level_count(NP_LOG_ERROR), 7);
	CHECK_EQ(t_dma_stats(dev).bad_unmap, 7);

	/* the mapping survived every refused unmap */
	CHECK_EQ(t_dma_stats(dev).live, 1);
	CHECK(np_dma_dev_access(dev, a, 2 * PG, false) == arena + 100);
	CHECK_EQ(np_dma_unmap(dev, a, 2 * PG, NP_DMA_TO_DEVICE), 0);
	/* a second unmap of the same address is refused */
	CHECK_EQ(np_dma_unmap(dev, a, 2 * PG, NP_DMA_TO_DEVICE), -ENOENT);
	CHECK_EQ(t_dma_stats(dev).bad_unmap, 8);
	CHECK_EQ(t_dma_stats(dev).unmap, 1);
	CHECK_EQ(t_dma_stats(dev).live, 0);
	CHECK_EQ(np_dma_dev_destroy(dev), 0);
}

static void test_bad_sync(void)
{
	struct np_dma_dev *dev = iommu_new("sync", 0);
	np_dma_addr_t to, bi;

	CHECK_EQ(np_dma_map(dev, arena, 1500, NP_DMA_TO_DEVICE, &to), 0);
	CHECK_EQ(np_dma_map(dev, arena + PG, 1500, NP_DMA_BIDIRECTIONAL, &bi), 0);
	t_log_reset();
	CHECK_EQ(np_dma_sync_for_device(dev, to, 1500, NP_DMA_TO_DEVICE), 0);
	CHECK_EQ(np_dma_sync_for_device(dev, to, 1500, NP_DMA_FROM_DEVICE), -ENOENT);
	CHECK(t_log_has("direction differs"));
	CHECK_EQ(np_dma_sync_for_cpu(dev, to + 1000, 501, NP_DMA_TO_DEVICE), -ENOENT);
	CHECK_EQ(np_dma_sync_for_cpu(dev, DEF_BASE + (1ULL << 30), 64, NP_DMA_TO_DEVICE), -ENOENT);
	CHECK_EQ(np_dma_sync_for_cpu(dev, 12345, 64, NP_DMA_TO_DEVICE), -ENOENT);
	/* a bidirectional mapping may be synced either way */
	CHECK_EQ(np_dma_sync_for_cpu(dev, bi, 1500, NP_DMA_FROM_DEVICE), 0);
	CHECK_EQ(np_dma_sync_for_device(dev, bi, 1500, NP_DMA_TO_DEVICE), 0);
	CHECK_EQ(np_dma_sync_for_device(dev, bi + 100, 100, NP_DMA_BIDIRECTIONAL), 0);

	CHECK_EQ(t_dma_stats(dev).bad_sync, 4);
	CHECK_EQ(t_dma_stats(dev).sync_for_device, 3);
	CHECK_EQ(t_dma_stats(dev).sync_for_cpu, 1);
	CHECK_EQ(t_log_level_count(NP_LOG_ERROR), 4);
	CHECK_EQ(np_dma_unmap(dev, to, 1500, NP_DMA_TO_DEVICE), 0);
	CHECK_EQ(np_dma_unmap(dev, bi, 1500, NP_DMA_BIDIRECTIONAL), 0);
	CHECK_EQ(np_dma_dev_destroy(dev), 0);
}

static void test_leak(void)
{
	struct np_dma_dev *dev = iommu_new("leak", 0);
	np_dma_addr_t a, b, c;
	char line[128];

	CHECK_EQ(np_dma_map(dev, arena, 100, NP_DMA_TO_DEVICE, &a), 0);
	CHECK_EQ(np_dma_map(dev, arena + PG, 3 * PG, NP_DMA_FROM_DEVICE, &b), 0);
	CHECK_EQ(np_dma_map(dev, arena + 8 * PG + 64, 64, NP_DMA_BIDIRECTIONAL, &c), 0);
	CHECK_EQ(np_dma_unmap(dev, a, 100, NP_DMA_TO_DEVICE), 0);
	t_log_reset();
	CHECK_EQ(np_dma_dev_destroy(dev), 2);
	CHECK_EQ(t_log_level_count(NP_LOG_ERROR), 2);
	snprintf(line, sizeof(line), "leak: leaked mapping: iova %#llx cpu %p len %d from-device",
		 (unsigned long long)b, (void *)(arena + PG), (int)(3 * PG));
	CHECK(t_log_has(line));
	snprintf(line, sizeof(line), "leaked mapping: iova %#llx cpu %p len 64 bidirectional",
		 (unsigned long long)c, (void *)(arena + 8 * PG + 64));
	CHECK(t_log_has(line));
}

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/*
 * Four slots, each with its own 4-page CPU region, in a 16-page IOVA space:
 * whatever the sizes and offsets, the live mappings fit, so no map may fail,
 * however long it runs.
 */
static void test_reuse(void)
{
	struct np_dma_dev *dev = iommu_new("reuse", 16 * PG);
	struct {
		np_dma_addr_t addr;
		size_t len;
		enum np_dma_dir dir;
	} slot[4] = { { 0 } };
	unsigned char *p;
	np_dma_addr_t a;
	int i, s;

	for (i = 0; i < 100000; i++) {
		s = (int)(rng() % 4);
		if (slot[s].len) {
			p = np_dma_dev_access(dev, slot[s].addr, slot[s].len,
					      slot[s].dir != NP_DMA_TO_DEVICE);
			CHECK(p != NULL);
			CHECK_EQ(np_dma_unmap(dev, slot[s].addr, slot[s].len, slot[s].dir), 0);
			slot[s].len = 0;
		} else {
			size_t off = rng() % (4 * PG);
			size_t len = 1 + rng() % (4 * PG - off);
			unsigned char *cpu = arena + (size_t)s * 4 * PG + off;

			slot[s].dir = (enum np_dma_dir)(rng() % 3);
			CHECK_EQ(np_dma_map(dev, cpu, len, slot[s].dir, &slot[s].addr), 0);
			CHECK(slot[s].addr >= DEF_BASE && slot[s].addr < DEF_BASE + 16 * PG);
			CHECK_EQ(slot[s].addr & (PG - 1), off & (PG - 1));
			slot[s].len = len;
		}
	}
	for (s = 0; s < 4; s++)
		if (slot[s].len)
			CHECK_EQ(np_dma_unmap(dev, slot[s].addr, slot[s].len, slot[s].dir), 0);
	/* freed runs merged back: the whole space is one run again */
	CHECK_EQ(np_dma_map(dev, arena, 16 * PG, NP_DMA_BIDIRECTIONAL, &a), 0);
	CHECK_EQ(a, DEF_BASE);
	CHECK_EQ(np_dma_unmap(dev, a, 16 * PG, NP_DMA_BIDIRECTIONAL), 0);
	CHECK_EQ(t_dma_stats(dev).map_fail, 0);
	CHECK_EQ(t_dma_stats(dev).map, t_dma_stats(dev).unmap);
	CHECK_EQ(t_dma_stats(dev).live, 0);
	CHECK_EQ(np_dma_dev_destroy(dev), 0);

	/* 100000 map/unmap pairs of one page in a two-page space */
	dev = iommu_new("reuse2", 2 * PG);
	for (i = 0; i < 100000; i++) {
		CHECK_EQ(np_dma_map(dev, arena + (size_t)(i % 64) * PG, PG, NP_DMA_FROM_DEVICE,
				    &a), 0);
		CHECK_EQ(a, DEF_BASE);
		CHECK_EQ(np_dma_unmap(dev, a, PG, NP_DMA_FROM_DEVICE), 0);
	}
	CHECK_EQ(t_dma_stats(dev).map, 100000);
	CHECK_EQ(np_dma_dev_destroy(dev), 0);
}

/* The IOVA pages the run of a mapping of @pages pages takes (aligned to its size). */
static size_t run_pages(size_t pages)
{
	size_t run = 1;

	while (run < pages)
		run *= 2;
	return run;
}

/*
 * Mappings of 1..8 pages in a 64-page space, kept against a model of the
 * runs: live runs never overlap and are aligned to their size, a map fails
 * only when no aligned block of its run size is free, and once all is
 * unmapped the whole space is one run again.
 */
static void test_alloc_model(void)
{
	struct np_dma_dev *dev = iommu_new("model", 64 * PG);
	struct {
		np_dma_addr_t addr;
		size_t pages;
	} slot[12] = { { 0 } };
	unsigned char owner[64];
	size_t p, first, run, blk;
	np_dma_addr_t a;
	int i, s, err;
	bool block_free;

	memset(owner, 0xff, sizeof(owner));
	for (i = 0; i < 50000; i++) {
		s = (int)(rng() % 12);
		if (slot[s].pages) {
			first = (slot[s].addr - DEF_BASE) / PG;
			for (p = first; p < first + run_pages(slot[s].pages); p++)
				owner[p] = 0xff;
			CHECK_EQ(np_dma_unmap(dev, slot[s].addr, slot[s].pages * PG,
					      NP_DMA_BIDIRECTIONAL), 0);
			slot[s].pages = 0;
			continue;
		}
		slot[s].pages = 1 + rng() % 8;
		run = run_pages(slot[s].pages);
		err = np_dma_map(dev, arena + (size_t)s * 8 * PG, slot[s].pages * PG,
				 NP_DMA_BIDIRECTIONAL, &slot[s].addr);
		if (err) {
			CHECK_EQ(err, -ENOMEM);
			for (blk = 0; blk < 64; blk += run) {
				block_free = true;
				for (p = blk; p < blk + run; p++)
					block_free &= owner[p] == 0xff;
				CHECK(!block_free);
			}
			slot[s].pages = 0;
			continue;
		}
		first = (slot[s].addr - DEF_BASE) / PG;
		CHECK_EQ(first % run, 0);
		CHECK(first + run <= 64);
		for (p = first; p < first + run; p++) {
			CHECK_EQ(owner[p], 0xff);
			owner[p] = (unsigned char)s;
		}
		CHECK(np_dma_dev_access(dev, slot[s].addr, slot[s].pages * PG, true) ==
		      arena + (size_t)s * 8 * PG);
	}
	for (s = 0; s < 12; s++)
		if (slot[s].pages)
			CHECK_EQ(np_dma_unmap(dev, slot[s].addr, slot[s].pages * PG,
					      NP_DMA_BIDIRECTIONAL), 0);
	CHECK_EQ(np_dma_map(dev, arena, 64 * PG, NP_DMA_TO_DEVICE, &a), 0);
	CHECK_EQ(a, DEF_BASE);
	CHECK_EQ(np_dma_unmap(dev, a, 64 * PG, NP_DMA_TO_DEVICE), 0);
	CHECK_EQ(t_dma_stats(dev).live, 0);
	CHECK(t_dma_stats(dev).map > 10000);
	CHECK(t_dma_stats(dev).map_fail > 0);
	CHECK_EQ(np_dma_dev_destroy(dev), 0);
}

static void test_enomem(void)
{
	struct np_dma_dev *dev = iommu_new("small", 16 * PG);
	np_dma_addr_t a[16], x;
	int i;

	for (i = 0; i < 16; i++) {
		CHECK_EQ(np_dma_map(dev, arena + (size_t)i * PG, 64, NP_DMA_FROM_DEVICE, &a[i]), 0);
		CHECK_EQ(a[i], DEF_BASE + (uint64_t)i * PG);
	}
	t_log_reset();
	CHECK_EQ(np_dma_map(dev, arena + 16 * PG, 64, NP_DMA_FROM_DEVICE, &x), -ENOMEM);
	CHECK_EQ(x, NP_DMA_MAPPING_ERROR);
	CHECK(t_log_has("out of IOVA space"));
	CHECK_EQ(t_dma_stats(dev).map_fail, 1);

	/* a freed page is handed out again */
	CHECK_EQ(np_dma_unmap(dev, a[5], 64, NP_DMA_FROM_DEVICE), 0);
	CHECK_EQ(np_dma_map(dev, arena + 16 * PG + 8, 64, NP_DMA_FROM_DEVICE, &x), 0);
	CHECK_EQ(x, a[5] + 8);
	/* two free pages that are not buddies cannot hold a two-page mapping */
	CHECK_EQ(np_dma_unmap(dev, a[6], 64, NP_DMA_FROM_DEVICE), 0);
	CHECK_EQ(np_dma_unmap(dev, a[9], 64, NP_DMA_FROM_DEVICE), 0);
	CHECK_EQ(np_dma_map(dev, arena + 32 * PG, 2 * PG, NP_DMA_FROM_DEVICE, &a[6]), -ENOMEM);
	/* buddies can */
	CHECK_EQ(np_dma_unmap(dev, a[8], 64, NP_DMA_FROM_DEVICE), 0);
	CHECK_EQ(np_dma_map(dev, arena + 32 * PG, 2 * PG, NP_DMA_FROM_DEVICE, &a[8]), 0);
	CHECK_EQ(a[8], DEF_BASE + 8 * PG);
	/* larger than the whole space */
	CHECK_EQ(np_dma_map(dev, arena, 17 * PG, NP_DMA_FROM_DEVICE, &x), -ENOMEM);
	CHECK_EQ(np_dma_map(dev, arena, 1UL << 30, NP_DMA_FROM_DEVICE, &x), -ENOMEM);
	CHECK_EQ(t_dma_stats(dev).map_fail, 4);
	CHECK_EQ(t_dma_stats(dev).live, 14);
	CHECK_EQ(np_dma_dev_destroy(dev), 14);
}

static void test_large(void)
{
	struct np_dma_dev *dev = iommu_new("large", 0);
	size_t len = 2UL << 20;
	unsigned char *p;
	np_dma_addr_t a, b;

	CHECK_EQ(np_dma_map(dev, arena + PG, PG, NP_DMA_TO_DEVICE, &b), 0);
	CHECK_EQ(np_dma_map(dev, arena + (4UL << 20), len, NP_DMA_FROM_DEVICE, &a), 0);
	CHECK_EQ((a - DEF_BASE) % len, 0);
	p = np_dma_dev_access(dev, a, len, true);
	CHECK(p == arena + (4UL << 20));
	memset(p, 0xee, len);
	CHECK(np_dma_dev_access(dev, a + len - PG - 10, PG + 10, true) == p + len - PG - 10);
	CHECK(np_dma_dev_access(dev, a + len - 10, 11, true) == NULL);
	CHECK_EQ(np_dma_sync_for_cpu(dev, a, len, NP_DMA_FROM_DEVICE), 0);
	CHECK_EQ(arena[(4UL << 20) + len - 1], 0xee);
	CHECK_EQ(np_dma_unmap(dev, a, len, NP_DMA_FROM_DEVICE), 0);
	CHECK_EQ(np_dma_unmap(dev, b, PG, NP_DMA_TO_DEVICE), 0);
	CHECK_EQ(np_dma_dev_destroy(dev), 0);
}

static void test_fault(void)
{
	struct np_dma_dev *dev = iommu_new("fault", 0);
	np_dma_addr_t a[4];
	int i;

	CHECK_EQ(np_fault_set(NP_FAULT_DMA_MAP, &(struct np_fault_spec){ .nth = 3 }), 0);
	for (i = 0; i < 4; i++)
		CHECK_EQ(np_dma_map(dev, arena + (size_t)i * PG, PG, NP_DMA_FROM_DEVICE, &a[i]),
			 i == 2 ? -EIO : 0);
	CHECK_EQ(np_fault_injected(NP_FAULT_DMA_MAP), 1);
	np_fault_reset();
	CHECK_EQ(a[2], NP_DMA_MAPPING_ERROR);
	/* the failed call left no trace: its page maps now */
	CHECK_EQ(np_dma_map(dev, arena + 2 * PG, PG, NP_DMA_FROM_DEVICE, &a[2]), 0);
	for (i = 0; i < 4; i++)
		CHECK_EQ(np_dma_unmap(dev, a[i], PG, NP_DMA_FROM_DEVICE), 0);
	CHECK_EQ(t_dma_stats(dev).map_fail, 1);
	CHECK_EQ(t_dma_stats(dev).map, 4);
	CHECK_EQ(np_dma_dev_destroy(dev), 0);
}

int main(void)
{
	arena = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		     -1, 0);
	CHECK(arena != MAP_FAILED);
	np_fault_reset();
	np_set_print(t_log_capture);
	test_params();
	test_round_trip();
	test_directions();
	test_unmapped_and_crossing();
	test_double_map();
	test_bad_unmap();
	test_bad_sync();
	test_leak();
	test_reuse();
	test_alloc_model();
	test_enomem();
	test_large();
	test_fault();
	munmap(arena, ARENA_SIZE);
	printf("test_dma_iommu: ok\n");
	return 0;
}
