/* SPDX-License-Identifier: MIT */
/*
 * rx_loop - the smallest driver a newcomer can copy.
 *
 * One RX queue with a page_pool on a checking IOMMU. Each poll posts pool
 * pages to a pretend device, lets the device write frames into them through
 * the IOMMU (the only way it can reach memory), builds skbs around the
 * buffers, marks them for recycling and consumes them: the pages go straight
 * back into the pool's cache because the poll runs inside the queue's napi.
 *
 *   make examples && build/default/examples/rx_loop
 */
#include <stdio.h>
#include <string.h>
#include <netpool.h>

#define RING	64	/* descriptors per poll */
#define HEADROOM 64
#define FRAME	1000

struct rx_desc {
	np_dma_addr_t addr;	/* where the device may write */
	struct np_page *page;	/* the driver's side */
	uint32_t len;		/* written by the device */
};

/* The device: writes a frame into each posted buffer, through the IOMMU. */
static void device_receive(struct np_dma_dev *dev, struct rx_desc *ring, int n, uint32_t seq)
{
	for (int i = 0; i < n; i++) {
		unsigned char *buf = np_dma_dev_access(dev, ring[i].addr + HEADROOM, FRAME, true);

		if (!buf) {		/* the IOMMU refused: the driver posted a bad buffer */
			ring[i].len = 0;
			continue;
		}
		memset(buf, 0xff, 6);			/* destination MAC */
		memcpy(buf + 6, &seq, sizeof(seq));	/* something to check */
		ring[i].len = FRAME;
	}
}

int main(void)
{
	struct np_napi_ctx napi, *prev;
	struct np_dma_dev *dev;
	struct np_pool *pool;
	struct rx_desc ring[RING];
	struct np_pool_stats st = { .size = sizeof(st) };
	uint64_t bytes = 0;

	np_set_print(np_print_stderr);
	np_napi_ctx_init(&napi);
	if (np_dma_iommu_create("rx0", NULL, &dev))
		return 1;
	struct np_pool_params pp = {
		.flags = NP_POOL_F_DMA_MAP | NP_POOL_F_DMA_SYNC_DEV,
		.dma = dev,
		.dma_dir = NP_DMA_FROM_DEVICE,
		.max_len = NP_PAGE_SIZE - HEADROOM - NP_SKB_SHINFO_SIZE,
		.offset = HEADROOM,
		.nid = NP_NUMA_NO_NODE,
		.napi = &napi,
		.name = "rx0",
	};
	if (np_pool_create(&pp, &pool))
		return 1;

	for (uint32_t poll = 0; poll < 1000; poll++) {
		prev = np_napi_ctx_enter(&napi);	/* this thread now runs the queue's poll */

		/* refill: post pool pages to the device (mapped once per page life) */
		for (int i = 0; i < RING; i++) {
			ring[i].page = np_pool_alloc_pages(pool);
			if (!ring[i].page)
				return 1;
			ring[i].addr = np_pool_get_dma_addr(ring[i].page);
		}
		device_receive(dev, ring, RING, poll);

		/* receive: the CPU takes the buffers back, wraps them in skbs */
		for (int i = 0; i < RING; i++) {
			struct np_skb *skb;

			if (!ring[i].len) {
				np_pool_recycle_direct(pool, ring[i].page);
				continue;
			}
			np_dma_sync_for_cpu(dev, ring[i].addr + HEADROOM, ring[i].len,
					    NP_DMA_FROM_DEVICE);
			skb = np_napi_build_skb(np_page_address(ring[i].page), NP_PAGE_SIZE);
			if (!skb) {
				np_pool_recycle_direct(pool, ring[i].page);
				continue;
			}
			np_skb_reserve(skb, HEADROOM);
			np_skb_put(skb, ring[i].len);
			np_skb_mark_for_recycle(skb);	/* the opt-in */
			bytes += skb->len;
			np_napi_consume_skb(skb, RING);	/* page back into the cache */
		}
		np_napi_ctx_leave(prev);
	}

	np_pool_get_stats(pool, &st);
	printf("received %llu bytes in %u frames\n", (unsigned long long)bytes, 1000u * RING);
	np_pool_stats_dump(stdout, &st);
	np_pool_destroy(pool);
	np_skb_thread_flush();
	return np_dma_dev_destroy(dev) == 0 ? 0 : 1;
}
