/* SPDX-License-Identifier: MIT */
/*
 * page_pool: the DMA mapping table. Every page a mapping pool maps is
 * entered in its table, so destroy can unmap each page still out exactly
 * once (the kernel's xarray of DMA-mapped pages, 6.15), and a page that
 * comes back after destroy is never unmapped again or reached by the device.
 */
#include <stdlib.h>
#include "pool_priv.h"

int np_pool_dma_track(struct np_pool *pool, struct np_page **pages, unsigned n)
{
	struct np_pool_priv *priv = pool->priv;
	int err = 0;

	pthread_mutex_lock(&priv->dma_lock);
	if (priv->dma_nfree + (priv->dma_cap - priv->dma_used) < n) {
		uint32_t cap = priv->dma_cap ? priv->dma_cap * 2 : 256;
		struct np_page **slots;
		uint32_t *freel;

		while (priv->dma_nfree + (cap - priv->dma_used) < n)
			cap *= 2;
		slots = realloc(priv->dma_slots, cap * sizeof(*slots));
		if (slots)
			priv->dma_slots = slots;
		freel = slots ? realloc(priv->dma_free, cap * sizeof(*freel)) : NULL;
		if (freel)
			priv->dma_free = freel;
		if (!slots || !freel)
			err = -ENOMEM;
		else
			priv->dma_cap = cap;
	}
	for (unsigned i = 0; !err && i < n; i++) {
		uint32_t idx = priv->dma_nfree ? priv->dma_free[--priv->dma_nfree] : priv->dma_used++;

		priv->dma_slots[idx] = pages[i];
		pages[i]->dma_index = idx + 1;
		priv->dma_live++;
	}
	pthread_mutex_unlock(&priv->dma_lock);
	return err;
}

/* Unmap @page if this pool still has it mapped (destroy may have done it already). */
void np_pool_dma_unmap(struct np_pool *pool, struct np_page *page)
{
	struct np_pool_priv *priv = pool->priv;
	uint32_t idx;

	pthread_mutex_lock(&priv->dma_lock);
	idx = page->dma_index;
	if (idx) {
		NP_ASSERT(priv->dma_slots[idx - 1] == page);
		priv->dma_slots[idx - 1] = NULL;
		priv->dma_free[priv->dma_nfree++] = idx - 1;
		priv->dma_live--;
		page->dma_index = 0;
		np_dma_unmap(pool->dma, page->dma_addr, np_page_size(page), pool->dma_dir);
	}
	pthread_mutex_unlock(&priv->dma_lock);
	page->dma_addr = 0;
}

/* Destroy: no device access to any page of this pool from now on. */
void np_pool_unmap_all(struct np_pool *pool)
{
	struct np_pool_priv *priv = pool->priv;

	pthread_mutex_lock(&priv->dma_lock);
	for (uint32_t i = 0; i < priv->dma_used; i++) {
		struct np_page *page = priv->dma_slots[i];

		if (!page)
			continue;
		np_dma_unmap(pool->dma, page->dma_addr, np_page_size(page), pool->dma_dir);
		page->dma_addr = 0;	/* as mainline's scrub: no stale address for a driver to post */
		page->dma_index = 0;
		priv->dma_slots[i] = NULL;
		priv->dma_free[priv->dma_nfree++] = i;
		priv->dma_live--;
	}
	pool->dma = NULL;	/* the device may go away now; nothing may reach it */
	pthread_mutex_unlock(&priv->dma_lock);
}
