/* SPDX-License-Identifier: MIT */
/* page_pool state shared by pool.c (alloc, put, fragments) and pool_release.c. */
#ifndef NETPOOL_POOL_INTERNAL_H
#define NETPOOL_POOL_INTERNAL_H

#include "internal.h"

/* pp_ref_count charged on a fresh fragment page; returned in one go on drain */
#define NP_POOL_FRAG_BIAS	(LONG_MAX >> 1)

struct np_pool_priv {
	/* DMA mapping table: every page this pool has mapped and not unmapped */
	pthread_mutex_t dma_lock;
	struct np_page **dma_slots;
	uint32_t *dma_free;
	uint32_t dma_cap;
	uint32_t dma_used;	/* slots ever used (high-water mark) */
	uint32_t dma_nfree;
	uint32_t dma_live;

	char name[32];
	int ifindex;
	unsigned int queue;
	unsigned int pool_size;
	uint32_t napi_id;

	/* registry of live and waiting pools */
	struct np_pool *reg_next, *reg_prev;

	/* deferred destruction */
	struct np_pool *defer_next;
	uint64_t detach_time_ns;
	uint64_t last_warn_ns;
	bool broken;
};

/* pool_release.c */
void np_pool_return_page(struct np_pool *pool, struct np_page *page);
void np_pool_registry_add(struct np_pool *pool);
void np_pool_free(struct np_pool *pool);
int np_pool_dma_track(struct np_pool *pool, struct np_page **pages, unsigned n);
void np_pool_unmap_all(struct np_pool *pool);

/* pool.c */
void np_pool_drain_frag(struct np_pool *pool);

static inline int64_t np_pool_inflight_raw(struct np_pool *pool)
{
	uint64_t release = atomic_load_explicit(&pool->release_cnt, memory_order_acquire);
	uint64_t hold = np_stat_read(pool->hold_cnt);

	return (int64_t)(hold - release);
}

#endif /* NETPOOL_POOL_INTERNAL_H */
