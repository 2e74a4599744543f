/* SPDX-License-Identifier: MIT */
/*
 * The identity DMA backend: DMA address == CPU address, round trips, counters,
 * argument checks, the injected map fault and the leak count at teardown.
 */
#include <stdlib.h>
#include "testutil.h"

static void test_round_trip(void)
{
	struct np_dma_stats st;
	struct np_dma_dev *dev;
	np_dma_addr_t addr;
	unsigned char *buf = aligned_alloc(4096, 8192), *p;

	CHECK(buf);
	CHECK_EQ(np_dma_identity_create(NULL, &dev), 0);
	CHECK(strcmp(dev->name, "identity") == 0);
	CHECK(!dev->need_sync);

	CHECK_EQ(np_dma_map(dev, buf + 100, 3000, NP_DMA_FROM_DEVICE, &addr), 0);
	CHECK_EQ(addr, (uintptr_t)(buf + 100));
	CHECK_EQ(np_dma_sync_for_device(dev, addr, 3000, NP_DMA_FROM_DEVICE), 0);
	p = np_dma_dev_access(dev, addr, 3000, true);
	CHECK(p == buf + 100);
	memset(p, 0xab, 3000);
	CHECK_EQ(np_dma_sync_for_cpu(dev, addr, 3000, NP_DMA_FROM_DEVICE), 0);
	CHECK_EQ(buf[100], 0xab);
	CHECK_EQ(buf[3099], 0xab);
	p = np_dma_dev_access(dev, addr + 10, 16, false);
	CHECK(p == buf + 110);

	np_dma_get_stats(dev, &st);
	CHECK_EQ(st.map, 1);
	CHECK_EQ(st.live, 1);
	CHECK_EQ(st.sync_for_device, 1);
	CHECK_EQ(st.sync_for_cpu, 1);
	CHECK_EQ(st.access, 2);

	CHECK_EQ(np_dma_unmap(dev, addr, 3000, NP_DMA_FROM_DEVICE), 0);
	np_dma_get_stats(dev, &st);
	CHECK_EQ(st.unmap, 1);
	CHECK_EQ(st.live, 0);
	CHECK_EQ(st.bad_unmap, 0);
	CHECK_EQ(np_dma_dev_destroy(dev), 0);
	free(buf);
}

static void test_misuse(void)
{
	struct np_dma_stats st;
	struct np_dma_dev *dev;
	np_dma_addr_t addr;
	char *buf = aligned_alloc(4096, 4096);

	CHECK(buf);
	CHECK_EQ(np_dma_identity_create("id0", &dev), 0);
	CHECK(strcmp(dev->name, "id0") == 0);
	t_log_reset();

	/* Zero length and NULL are refused by every backend. */
	CHECK_EQ(np_dma_map(dev, buf, 0, NP_DMA_TO_DEVICE, &addr), -EINVAL);
	CHECK_EQ(addr, NP_DMA_MAPPING_ERROR);
	CHECK_EQ(np_dma_map(dev, NULL, 64, NP_DMA_TO_DEVICE, &addr), -EINVAL);
	CHECK_EQ(np_dma_map(dev, buf, 64, (enum np_dma_dir)7, &addr), -EINVAL);
	/* An unmap with nothing mapped is the one misuse this backend sees. */
	CHECK_EQ(np_dma_unmap(dev, (uintptr_t)buf, 64, NP_DMA_TO_DEVICE), -ENOENT);
	CHECK(np_dma_dev_access(dev, 0, 64, false) == NULL);

	np_dma_get_stats(dev, &st);
	CHECK_EQ(st.map, 0);
	CHECK_EQ(st.map_fail, 3);
	CHECK_EQ(st.bad_unmap, 1);
	CHECK_EQ(st.access_fault, 1);
	CHECK_EQ(st.live, 0);
	CHECK_EQ(t_log_level_count(NP_LOG_ERROR), 5);
	CHECK(t_log_has("id0"));
	CHECK_EQ(np_dma_dev_destroy(dev), 0);
	free(buf);
}

static void test_fault_injection(void)
{
	struct np_dma_stats st;
	struct np_dma_dev *dev;
	np_dma_addr_t addr[5];
	char *buf = aligned_alloc(4096, 5 * 4096);
	int i, err;

	CHECK(buf);
	CHECK_EQ(np_dma_identity_create(NULL, &dev), 0);
	CHECK_EQ(np_fault_set(NP_FAULT_DMA_MAP, &(struct np_fault_spec){ .nth = 3 }), 0);
	for (i = 0; i < 5; i++) {
		err = np_dma_map(dev, buf + i * 4096, 4096, NP_DMA_BIDIRECTIONAL, &addr[i]);
		if (i == 2) {
			CHECK_EQ(err, -EIO);
			CHECK_EQ(addr[i], NP_DMA_MAPPING_ERROR);
		} else {
			CHECK_EQ(err, 0);
			CHECK_EQ(addr[i], (uintptr_t)(buf + i * 4096));
		}
	}
	CHECK_EQ(np_fault_injected(NP_FAULT_DMA_MAP), 1);
	np_fault_reset();

	np_dma_get_stats(dev, &st);
	CHECK_EQ(st.map, 4);
	CHECK_EQ(st.map_fail, 1);
	CHECK_EQ(st.live, 4);
	for (i = 0; i < 5; i++)
		if (i != 2)
			CHECK_EQ(np_dma_unmap(dev, addr[i], 4096, NP_DMA_BIDIRECTIONAL), 0);
	CHECK_EQ(np_dma_dev_destroy(dev), 0);
	free(buf);
}

static void test_leak(void)
{
	struct np_dma_dev *dev;
	np_dma_addr_t addr;
	char *buf = aligned_alloc(4096, 4096);

	CHECK(buf);
	CHECK_EQ(np_dma_identity_create("leaky", &dev), 0);
	CHECK_EQ(np_dma_map(dev, buf, 100, NP_DMA_TO_DEVICE, &addr), 0);
	CHECK_EQ(np_dma_map(dev, buf + 100, 100, NP_DMA_TO_DEVICE, &addr), 0);
	t_log_reset();
	CHECK_EQ(np_dma_dev_destroy(dev), 2);
	CHECK_EQ(t_log_level_count(NP_LOG_ERROR), 1);
	CHECK(t_log_has("leaky: 2 mapping(s) still live"));
	CHECK_EQ(np_dma_dev_destroy(NULL), 0);
	free(buf);
}

int main(void)
{
	np_fault_reset();
	np_set_print(t_log_capture);
	test_round_trip();
	test_misuse();
	test_fault_injection();
	test_leak();
	printf("test_dma_identity: ok\n");
	return 0;
}
