/* SPDX-License-Identifier: MIT */
/*
 * afxdp: the UMEM as the pools' memory, and the frames the kernel holds.
 *
 * One anonymous region, aligned to and a multiple of NP_ARENA_SIZE, is both
 * the UMEM (unaligned chunks of frame_size bytes, one at the start of each
 * 4 KiB page, no chunk headroom) and the arenas of a fixed page provider:
 * UMEM frame i is provider page i, its DMA address (umem DMA device) is
 * i << 12, the address the kernel speaks. The first frames of each arena
 * hold the provider's page descriptors and are never posted. Every queue's
 * pool, of every netdev sharing the UMEM, allocates from that one provider;
 * the UMEM goes with its last netdev.
 *
 * A frame goes from a queue's pool into the fill ring (posted[] records the
 * queue, aq->posted counts them) and comes back through an RX descriptor
 * (afxdp_rx.c) or, at close, straight into the pool. The TX reserve is plain
 * provider pages, never pool pages, kept per queue for copied transmissions.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include "afxdp_priv.h"

static void *afx_umem_map(size_t size)
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

/* The DMA device, the provider and the region go (what exists of them), then @um. */
static void afx_umem_free(struct afx_umem *um)
{
	if (um->dma)
		np_dma_dev_destroy(um->dma);
	if (um->prov && np_provider_destroy(um->prov)) {
		struct np_provider_stats ps;

		np_provider_get_stats(um->prov, &ps);
		np_err("afxdp %s: %llu UMEM frames still out at destroy: the UMEM stays mapped\n",
		       um->name, (unsigned long long)ps.pages_out);
		um->area = NULL;	/* leaked on purpose: someone still points into it */
	}
	if (um->area)
		munmap(um->area, um->size);
	free(um);
}

/* @ax's copies of its UMEM's fields, for the data path. */
static void afx_umem_attach(struct afxdp *ax, struct afx_umem *um)
{
	ax->um = um;
	ax->umem = um->area;
	ax->umem_size = um->size;
	ax->nframes = um->nframes;
	ax->prov = um->prov;
	ax->dma = um->dma;
}

int afx_umem_create(struct afxdp *ax, unsigned int arenas, uint32_t frame_count,
		    uint32_t frame_size)
{
	struct np_provider_params pp = { 0 };
	struct afx_umem *um = calloc(1, sizeof(*um));
	int err;

	if (!um)
		return -ENOMEM;
	snprintf(um->name, sizeof(um->name), "%s", ax->ifname);
	um->size = (size_t)arenas * NP_ARENA_SIZE;
	um->nframes = (uint32_t)(um->size >> AFX_FRAME_SHIFT);
	um->frame_count = frame_count;
	um->frame_size = frame_size;
	um->area = afx_umem_map(um->size);
	if (!um->area) {
		free(um);
		return -ENOMEM;
	}
	pp.fixed_base = um->area;
	pp.fixed_size = um->size;
	pp.mem_limit = (size_t)frame_count << AFX_FRAME_SHIFT;
	pp.name = ax->ifname;
	err = np_provider_create(&pp, &um->prov);
	if (err) {
		um->prov = NULL;
		afx_umem_free(um);
		return err;
	}
	err = np_dma_umem_create(ax->ifname, um->area, um->size, &um->dma);
	if (err) {
		um->dma = NULL;
		afx_umem_free(um);
		return err;
	}
	um->refs = 1;
	um->users[0] = ax;
	afx_umem_attach(ax, um);
	return 0;
}

int afx_umem_get(struct afxdp *ax, struct afx_umem *um)
{
	for (unsigned int i = 0; i < AFX_UMEM_USERS_MAX; i++) {
		if (um->users[i])
			continue;
		um->users[i] = ax;
		um->refs++;
		afx_umem_attach(ax, um);
		return 0;
	}
	return -ENOSPC;
}

void afx_umem_put(struct afxdp *ax)
{
	struct afx_umem *um = ax->um;

	if (!um)
		return;
	for (unsigned int i = 0; i < AFX_UMEM_USERS_MAX; i++)
		if (um->users[i] == ax)
			um->users[i] = NULL;
	ax->um = NULL;
	ax->umem = NULL;
	ax->prov = NULL;
	ax->dma = NULL;
	if (--um->refs == 0)
		afx_umem_free(um);
}

int afx_umem_bound_fd(const struct afxdp *ax)
{
	const struct afx_umem *um = ax->um;

	for (unsigned int i = 0; i < AFX_UMEM_USERS_MAX; i++) {
		const struct afxdp *u = um->users[i];

		for (unsigned int k = 0; u && u->q && k < u->nq; k++)
			if (u->q[k].fd >= 0)
				return u->q[k].fd;
	}
	return -1;
}

bool afx_umem_shared(const struct afxdp *ax)
{
	return ax->um && ax->um->refs > 1;
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
