/* SPDX-License-Identifier: MIT */
/*
 * afxdp: the UMEM as the pools' memory, and the frames the kernel holds.
 *
 * One anonymous region, aligned to and a multiple of NP_ARENA_SIZE, is both
 * the UMEM (4 KiB chunks, no chunk headroom) and the arenas of a fixed page
 * provider: UMEM frame i is provider page i, its DMA address (umem DMA
 * device) is i << 12, the address the kernel speaks. The first frames of
 * each arena hold the provider's page descriptors and are never posted.
 * Every queue's pool allocates from that one provider.
 *
 * A frame goes from a queue's pool into the fill ring (posted[] records the
 * queue, aq->posted counts them) and comes back through an RX descriptor
 * (afxdp_rx.c) or, at close, straight into the pool. The TX reserve is plain
 * provider pages, never pool pages, kept per queue for copied transmissions.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include "afxdp_priv.h"

void *afx_umem_map(size_t size)
{
	size_t len = size + NP_ARENA_SIZE;
	uintptr_t raw, base;
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		return NULL;
	raw = (uintptr_t)m;
	base = NP_ALIGN(raw, (uintptr_t)NP_ARENA_SIZE);
	if (base > raw)
		munmap(m, base - raw);
	if (raw + len > base + size)
		munmap((void *)(base + size), raw + len - (base + size));
	return (void *)base;
}

int afx_umem_provider_create(struct afxdp *ax)
{
	struct np_provider_params pp = { 0 };
	int err;

	pp.fixed_base = ax->umem;
	pp.fixed_size = ax->umem_size;
	pp.mem_limit = (size_t)ax->frame_count << AFX_FRAME_SHIFT;
	pp.name = ax->ifname;
	err = np_provider_create(&pp, &ax->prov);
	if (err) {
		ax->prov = NULL;
		return err;
	}
	err = np_dma_umem_create(ax->ifname, ax->umem, ax->umem_size, &ax->dma);
	if (err) {
		ax->dma = NULL;
		return err;
	}
	return 0;
}

void afx_umem_destroy(struct afxdp *ax)
{
	free(ax->posted);
	ax->posted = NULL;
	if (ax->dma)
		np_dma_dev_destroy(ax->dma);
	ax->dma = NULL;
	if (ax->prov && np_provider_destroy(ax->prov)) {
		struct np_provider_stats ps;

		np_provider_get_stats(ax->prov, &ps);
		np_err("afxdp %s: %llu UMEM frames still out at destroy: the UMEM stays mapped\n",
		       ax->ifname, (unsigned long long)ps.pages_out);
		ax->umem = NULL;	/* leaked on purpose: someone still points into it */
	}
	ax->prov = NULL;
	if (ax->umem)
		munmap(ax->umem, ax->umem_size);
	ax->umem = NULL;
}

/* Keep fill_target frames posted, from the queue's pool. Context: the queue's poll. */
void afx_refill(struct np_netdev *dev, struct afx_queue *aq)
{
	struct afxdp *ax = aq->ax;
	struct np_pool *pool = dev->q[aq->index].pool;

	while (np_stat_read(aq->posted) < ax->fill_target) {
		struct np_page *pages[AFX_BATCH];
		uint32_t want = NP_MIN(AFX_BATCH, ax->fill_target -
						      (uint32_t)np_stat_read(aq->posted));
		uint32_t idx = 0, got;

		want = NP_MIN(want, xsk_prod_nb_free(&aq->fill, want));
		if (!want)
			break;
		got = np_pool_alloc_pages_bulk(pool, pages, want);
		if (got && xsk_ring_prod__reserve(&aq->fill, got, &idx) == got) {
			for (uint32_t i = 0; i < got; i++) {
				uint64_t addr = np_pool_get_dma_addr(pages[i]);

				NP_ASSERT(addr < ax->umem_size &&
						   !(addr & (AFX_FRAME_SIZE - 1)));
				atomic_store_explicit(&ax->posted[addr >> AFX_FRAME_SHIFT],
						      (uint8_t)(aq->index + 1),
						      memory_order_relaxed);
				*xsk_ring_prod__fill_addr(&aq->fill, idx + i) = addr;
			}
			xsk_ring_prod__submit(&aq->fill, got);
			np_stat_add_owner(aq->posted, got);
			afx_count(aq, AFX_FILL_POSTED, got);
		}
		if (got < want) {
			afx_count(aq, AFX_FILL_EMPTY, 1);
			np_netdev_qstat_add(&dev->q[aq->index], NP_QSTAT(rx_nomem), 1);
			break;
		}
	}
	if (xsk_ring_prod__needs_wakeup(&aq->fill))
		aq->ax->kops->fill_wake(aq);
}

void afx_posted_reclaim(struct np_netdev *dev, struct afx_queue *aq)
{
	struct afxdp *ax = aq->ax;
	struct np_pool *pool = dev->q[aq->index].pool;

	for (uint32_t c = 0; c < ax->nframes && np_stat_read(aq->posted); c++) {
		if (atomic_load_explicit(&ax->posted[c], memory_order_relaxed) != aq->index + 1)
			continue;
		atomic_store_explicit(&ax->posted[c], 0, memory_order_relaxed);
		np_stat_add_owner(aq->posted, (uint64_t)-1);
		np_pool_recycle_direct(pool, afx_chunk_page(ax, c));
	}
}

void afx_reserve_alloc(struct afx_queue *aq)
{
	struct afxdp *ax = aq->ax;

	while (aq->nreserve < ax->reserve_frames) {
		struct np_page *page = np_page_alloc(ax->prov, 0, NP_NUMA_NO_NODE, 0);

		if (!page)
			break;
		aq->reserve[aq->nreserve++] = page;
	}
	np_stat_add_owner(aq->reserve_free, aq->nreserve);
	if (aq->nreserve < ax->reserve_frames)
		np_warn("afxdp %s: queue %u: TX reserve of %u frames instead of %u\n", ax->ifname,
			aq->index, aq->nreserve, ax->reserve_frames);
}

void afx_reserve_release(struct afx_queue *aq)
{
	struct afxdp *ax = aq->ax;

	if (np_stat_read(aq->reserve_free) != aq->nreserve)
		np_err("afxdp %s: queue %u: %llu TX reserve frames missing\n", ax->ifname,
		       aq->index,
		       (unsigned long long)(aq->nreserve - np_stat_read(aq->reserve_free)));
	for (uint64_t i = np_stat_read(aq->reserve_free); i-- > 0;)
		np_page_put(aq->reserve[i]);
	np_stat_add_owner(aq->reserve_free, (uint64_t)0 - np_stat_read(aq->reserve_free));
	aq->nreserve = 0;
}
