/* SPDX-License-Identifier: MIT */
/*
 * The umem DMA backend: the DMA address is the offset inside one region; maps,
 * syncs, unmaps and device accesses outside it are refused and counted.
 */
#include <stdint.h>
#include <sys/mman.h>
#include "testutil.h"

#define UMEM_SIZE	(64 * 4096UL)

static void test_create(void)
{
	struct np_dma_dev *dev;
	char c;

	CHECK_EQ(np_dma_umem_create("u", NULL, 4096, &dev), -EINVAL);
	CHECK_EQ(np_dma_umem_create("u", &c, 0, &dev), -EINVAL);
	CHECK_EQ(np_dma_umem_create("u", (void *)(UINTPTR_MAX - 100), 4096, &dev), -EINVAL);
	CHECK_EQ(np_dma_umem_create(NULL, &c, 1, &dev), 0);
	CHECK(strcmp(dev->name, "umem") == 0);
	CHECK(dev->need_sync);
	CHECK_EQ(np_dma_dev_destroy(dev), 0);
}

static void test_offsets(unsigned char *umem)
{
	struct np_dma_stats st;
	struct np_dma_dev *dev;
	np_dma_addr_t a0, a1, a2;
	unsigned char *p;

	CHECK_EQ(np_dma_umem_create("umem0", umem, UMEM_SIZE, &dev), 0);
	CHECK_EQ(np_dma_map(dev, umem, 2048, NP_DMA_FROM_DEVICE, &a0), 0);
	CHECK_EQ(a0, 0);
	CHECK_EQ(np_dma_map(dev, umem + 4096 + 100, 100, NP_DMA_TO_DEVICE, &a1), 0);
	CHECK_EQ(a1, 4196);
	CHECK_EQ(np_dma_map(dev, umem + UMEM_SIZE - 4096, 4096, NP_DMA_BIDIRECTIONAL, &a2), 0);
	CHECK_EQ(a2, UMEM_SIZE - 4096);

	p = np_dma_dev_access(dev, a0, 2048, true);
	CHECK(p == umem);
	memset(p, 0x5a, 2048);
	CHECK_EQ(umem[2047], 0x5a);
	CHECK(np_dma_dev_access(dev, a1, 100, false) == umem + 4196);
	/* The whole region is reachable, up to its last byte. */
	CHECK(np_dma_dev_access(dev, UMEM_SIZE - 10, 10, true) == umem + UMEM_SIZE - 10);

	CHECK_EQ(np_dma_sync_for_device(dev, a0, 2048, NP_DMA_FROM_DEVICE), 0);
	CHECK_EQ(np_dma_sync_for_cpu(dev, a0, 2048, NP_DMA_FROM_DEVICE), 0);
	CHECK_EQ(np_dma_sync_for_cpu(dev, a1 + 50, 50, NP_DMA_TO_DEVICE), 0);

	CHECK_EQ(np_dma_unmap(dev, a0, 2048, NP_DMA_FROM_DEVICE), 0);
	CHECK_EQ(np_dma_unmap(dev, a1, 100, NP_DMA_TO_DEVICE), 0);
	CHECK_EQ(np_dma_unmap(dev, a2, 4096, NP_DMA_BIDIRECTIONAL), 0);

	np_dma_get_stats(dev, &st);
	CHECK_EQ(st.map, 3);
	CHECK_EQ(st.unmap, 3);
	CHECK_EQ(st.sync_for_device, 1);
	CHECK_EQ(st.sync_for_cpu, 2);
	CHECK_EQ(st.access, 3);
	CHECK_EQ(st.live, 0);
	CHECK_EQ(st.map_fail + st.access_fault + st.bad_unmap + st.bad_sync, 0);
	CHECK_EQ(np_dma_dev_destroy(dev), 0);
}

static void test_refusals(unsigned char *umem)
{
	struct np_dma_stats st;
	struct np_dma_dev *dev;
	np_dma_addr_t a;

	/* The region is the middle of the mapping, so there is memory on both sides. */
	CHECK_EQ(np_dma_umem_create("umem1", umem + 4096, UMEM_SIZE - 8192, &dev), 0);
	t_log_reset();

	/* maps outside the region */
	CHECK_EQ(np_dma_map(dev, umem, 64, NP_DMA_FROM_DEVICE, &a), -EINVAL);
	CHECK_EQ(a, NP_DMA_MAPPING_ERROR);
	CHECK_EQ(np_dma_map(dev, umem + 4000, 200, NP_DMA_FROM_DEVICE, &a), -EINVAL);
	CHECK_EQ(np_dma_map(dev, umem + UMEM_SIZE - 4096 - 10, 11, NP_DMA_FROM_DEVICE, &a),
		 -EINVAL);
	CHECK_EQ(np_dma_map(dev, umem + UMEM_SIZE - 4096, 1, NP_DMA_FROM_DEVICE, &a), -EINVAL);
	CHECK_EQ(np_dma_map(dev, umem + 8192, 0, NP_DMA_FROM_DEVICE, &a), -EINVAL);
	CHECK_EQ(np_dma_map(dev, umem + 8192, SIZE_MAX, NP_DMA_FROM_DEVICE, &a), -EINVAL);
	CHECK(t_log_has("outside the umem"));

	/* device accesses outside, across the end, empty, or wrapping around */
	CHECK(np_dma_dev_access(dev, UMEM_SIZE - 8192, 1, false) == NULL);
	CHECK(np_dma_dev_access(dev, UMEM_SIZE - 8192 - 10, 11, true) == NULL);
	CHECK(np_dma_dev_access(dev, 0, 0, true) == NULL);
	CHECK(np_dma_dev_access(dev, UINT64_MAX - 1, 4, false) == NULL);
	CHECK(np_dma_dev_access(dev, NP_DMA_MAPPING_ERROR, 1, false) == NULL);
	CHECK(np_dma_dev_access(dev, UMEM_SIZE - 8192 - 10, 10, true) ==
	      umem + UMEM_SIZE - 4096 - 10);

	/* syncs and unmaps outside */
	CHECK_EQ(np_dma_sync_for_device(dev, UMEM_SIZE, 64, NP_DMA_FROM_DEVICE), -ENOENT);
	CHECK_EQ(np_dma_sync_for_cpu(dev, 100, UMEM_SIZE, NP_DMA_FROM_DEVICE), -ENOENT);
	CHECK_EQ(np_dma_unmap(dev, UMEM_SIZE - 8192, 1, NP_DMA_FROM_DEVICE), -ENOENT);

	np_dma_get_stats(dev, &st);
	CHECK_EQ(st.map, 0);
	CHECK_EQ(st.map_fail, 6);
	CHECK_EQ(st.access, 1);
	CHECK_EQ(st.access_fault, 5);
	CHECK_EQ(st.bad_sync, 2);
	CHECK_EQ(st.bad_unmap, 1);
	CHECK_EQ(st.live, 0);
	CHECK_EQ(t_log_level_count(NP_LOG_ERROR), 6 + 5 + 2 + 1);

	/* A mapping left at teardown is a leak. */
	CHECK_EQ(np_dma_map(dev, umem + 4096, 64, NP_DMA_FROM_DEVICE, &a), 0);
	CHECK_EQ(a, 0);
	t_log_reset();
	CHECK_EQ(np_dma_dev_destroy(dev), 1);
	CHECK(t_log_has("umem1: 1 mapping(s) still live"));
}

static void test_fault(unsigned char *umem)
{
	struct np_dma_dev *dev;
	np_dma_addr_t a;
	int i;

	CHECK_EQ(np_dma_umem_create("umem2", umem, UMEM_SIZE, &dev), 0);
	CHECK_EQ(np_fault_set(NP_FAULT_DMA_MAP, &(struct np_fault_spec){ .nth = 3 }), 0);
	for (i = 0; i < 4; i++) {
		int err = np_dma_map(dev, umem + i * 4096, 4096, NP_DMA_FROM_DEVICE, &a);

		CHECK_EQ(err, i == 2 ? -EIO : 0);
		if (!err)
			CHECK_EQ(np_dma_unmap(dev, a, 4096, NP_DMA_FROM_DEVICE), 0);
	}
	CHECK_EQ(np_fault_injected(NP_FAULT_DMA_MAP), 1);
	np_fault_reset();
	CHECK_EQ(np_dma_dev_destroy(dev), 0);
}

int main(void)
{
	unsigned char *umem = mmap(NULL, UMEM_SIZE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(umem != MAP_FAILED);
	np_fault_reset();
	np_set_print(t_log_capture);
	test_create();
	test_offsets(umem);
	test_refusals(umem);
	test_fault(umem);
	munmap(umem, UMEM_SIZE);
	printf("test_dma_umem: ok\n");
	return 0;
}
