/* SPDX-License-Identifier: MIT */
/*
 * The bulk paths: np_build_skb_bulk() builds a batch of skbs exactly as
 * np_build_skb() would (and stops at the first NULL buffer or when memory
 * runs out, leaving the rest to the caller); np_napi_consume_skb_bulk()
 * frees a batch and, inside the pool's napi, recycles every page into the
 * cache; the small-object allocator's bulk calls hand out distinct objects
 * of the right class and take them back, mixing classes and large blocks.
 * Everything ends with inflight 0, no live skb and no provider page out.
 */
#include "testutil.h"

#define BATCH 200

static void test_skb_batches(void)
{
	struct np_pool_params pp = { .nid = NP_NUMA_NO_NODE };
	struct np_provider *prov;
	struct np_napi_ctx napi, *prev;
	struct np_pool *pool;
	struct np_page *pages[BATCH];
	void *data[BATCH];
	struct np_skb *skbs[BATCH], *one;
	struct np_pool_stats st0, st;
	int64_t live0 = np_skb_live();
	unsigned int n;
	uint32_t id;

	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	np_napi_ctx_init(&napi);
	pp.provider = prov;
	pp.napi = &napi;
	CHECK_EQ(np_pool_create(&pp, &pool), 0);
	id = pool->id;

	for (int round = 0; round < 20; round++) {
		prev = np_napi_ctx_enter(&napi);
		for (unsigned int i = 0; i < BATCH; i++) {
			pages[i] = np_pool_alloc_pages(pool);
			CHECK(pages[i]);
			data[i] = np_page_address(pages[i]);
		}
		n = np_build_skb_bulk(data, NP_PAGE_SIZE, skbs, BATCH);
		CHECK_EQ(n, BATCH);
		one = np_build_skb(data[0], NP_PAGE_SIZE);	/* the reference, not kept */
		for (unsigned int i = 0; i < n; i++) {
			CHECK(skbs[i]->head == data[i] && skbs[i]->data == data[i]);
			CHECK_EQ(skbs[i]->end, one->end);
			CHECK_EQ(skbs[i]->truesize, one->truesize);
			CHECK(skbs[i]->head_frag && !skbs[i]->pp_recycle && !skbs[i]->cloned);
			CHECK_EQ(atomic_load(&skbs[i]->users), 1);
			CHECK_EQ(atomic_load(&np_skb_shinfo(skbs[i])->dataref), 1);
			CHECK_EQ(np_skb_shinfo(skbs[i])->nr_frags, 0);
			CHECK(!np_skb_shinfo(skbs[i])->frag_list);
			for (unsigned int k = 0; k < i; k++)
				CHECK(skbs[k] != skbs[i]);
			np_skb_reserve(skbs[i], 64);
			CHECK(np_skb_put(skbs[i], 100 + i));
			np_skb_mark_for_recycle(skbs[i]);
		}
		one->head = NULL;	/* a struct only: freeing it releases no data */
		np_kfree_skb(one);
		CHECK_EQ(np_skb_live(), live0 + BATCH);
		st0 = t_pool_stats(pool);
		np_napi_consume_skb_bulk(skbs, n, 64);
		st = t_pool_stats(pool);
		np_napi_ctx_leave(prev);
		/* inside the napi: every page straight back into the cache (or over it: the ring) */
		CHECK_EQ(st.recycle.cached + st.recycle.ring - st0.recycle.cached - st0.recycle.ring,
			 BATCH);
		CHECK_EQ(st.recycle.released_refcnt, 0);
		CHECK_EQ(np_skb_live(), live0);
	}

	/* a NULL buffer ends the batch: the rest stay the caller's */
	for (unsigned int i = 0; i < 4; i++) {
		pages[i] = np_pool_alloc_pages(pool);
		data[i] = np_page_address(pages[i]);
	}
	data[2] = NULL;
	CHECK_EQ(np_build_skb_bulk(data, NP_PAGE_SIZE, skbs, 4), 2);
	CHECK_EQ(np_build_skb_bulk(data, NP_SKB_SHINFO_SIZE, skbs + 2, 1), 0);
	for (unsigned int i = 0; i < 2; i++)
		np_skb_mark_for_recycle(skbs[i]);
	np_napi_consume_skb_bulk(skbs, 2, 0);
	np_pool_put_full_page(pool, pages[2], false);
	np_pool_put_full_page(pool, pages[3], false);

	np_skb_thread_flush();
	CHECK_EQ(np_skb_live(), live0);
	np_pool_destroy(pool);
	CHECK(t_wait_pool_freed(id, 10000));
	CHECK_EQ(np_provider_destroy(prov), 0);
}

static void test_small_bulk(void)
{
	static const size_t sizes[] = { 1, 64, 65, 128, 200, 512, 1000, 2048, 3000, 20000 };
	struct np_provider *prov;
	struct np_provider_stats ps;
	void *objs[3][300];
	unsigned int got[3];

	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	for (unsigned int z = 0; z < NP_ARRAY_SIZE(sizes); z++) {
		for (unsigned int b = 0; b < 3; b++) {
			got[b] = np_small_alloc_bulk(prov, sizes[z], objs[b], 300);
			CHECK_EQ(got[b], 300);
			for (unsigned int i = 0; i < got[b]; i++) {
				CHECK(np_small_usable_size(objs[b][i]) >= sizes[z]);
				memset(objs[b][i], (int)(b + i), sizes[z]);
			}
		}
		/* all distinct, contents intact */
		for (unsigned int b = 0; b < 3; b++)
			for (unsigned int i = 0; i < 300; i++) {
				unsigned char *p = objs[b][i];

				CHECK(p[0] == (unsigned char)(b + i) && p[sizes[z] - 1] == p[0]);
				if (i)
					CHECK(objs[b][i] != objs[b][i - 1]);
			}
		/* free in interleaved batches, one with a NULL hole: runs of one class share a lock */
		{
			void *held = objs[1][7];

			objs[1][7] = NULL;
			np_small_free_bulk(objs[1], 300);
			np_small_free_bulk(objs[0], 150);
			np_small_free_bulk(objs[2], 300);
			np_small_free_bulk(objs[0] + 150, 150);
			np_small_trim(prov);
			np_provider_get_stats(prov, &ps);
			CHECK(ps.pages_out > 0);	/* the held object keeps its slab or block */
			np_small_free_bulk(&held, 1);
		}
		np_small_free(np_small_alloc(prov, sizes[z]));
	}
	np_small_trim(prov);
	np_provider_get_stats(prov, &ps);
	CHECK_EQ(ps.pages_out, 0);
	CHECK_EQ(np_provider_destroy(prov), 0);
	(void)got;
}

int main(void)
{
	np_set_print(t_log_capture);
	test_skb_batches();
	test_small_bulk();
	return 0;
}
