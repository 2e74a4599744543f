// SPDX-License-Identifier: MIT
/*
 * The public headers from C++ (C++17): every header is included, the inline
 * fast paths compile as C++ (the atomics are std::atomic there, with the
 * same layout), and a pool, an skb, a clone and the recycle work from a C++
 * program linked against the C library. Every buffer comes back.
 */
#include "netpool.h"
#include <cstdio>
#include <cstdlib>
#include <cstring>

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (!(cond)) {                                                   \
			std::fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			std::exit(1);                                            \
		}                                                                \
	} while (0)

static_assert(sizeof(struct np_skb) <= 128, "the same skb struct as in C");
static_assert(sizeof(np_atomic_u64) == 8 && alignof(np_atomic_u64) == 8, "C11 layout");

int main()
{
	struct np_provider *prov = nullptr;
	struct np_pool *pool = nullptr;
	struct np_napi_ctx napi;
	struct np_pool_params pp = {};
	struct np_pool_stats st = {};
	unsigned char want[300], got[300];

	CHECK(np_provider_create(nullptr, &prov) == 0);
	np_napi_ctx_init(&napi);
	pp.nid = NP_NUMA_NO_NODE;
	pp.provider = prov;
	pp.napi = &napi;
	CHECK(np_pool_create(&pp, &pool) == 0);

	struct np_napi_ctx *prev = np_napi_ctx_enter(&napi);
	struct np_page *page = np_pool_alloc_pages(pool);
	CHECK(page && np_page_is_pp(page));
	struct np_skb *skb = np_build_skb(np_page_address(page), (uint32_t)np_page_size(page));
	CHECK(skb);
	np_skb_reserve(skb, NP_SKB_PAD);
	for (unsigned i = 0; i < sizeof(want); i++)
		want[i] = (unsigned char)(i * 7);
	CHECK(np_skb_put_data(skb, want, sizeof(want)));
	np_skb_mark_for_recycle(skb);
	struct np_skb *clone = np_skb_clone(skb);
	CHECK(clone && np_skb_cloned(skb));
	CHECK(np_skb_copy_bits(clone, 0, got, sizeof(got)) == 0);
	CHECK(!std::memcmp(got, want, sizeof(want)));
	np_kfree_skb(skb);
	np_napi_consume_skb(clone, NP_NAPI_WEIGHT);	/* the last holder: straight into the cache */
	np_napi_ctx_leave(prev);

	st.size = sizeof(st);
	CHECK(np_pool_get_stats(pool, &st) == 0);
	CHECK(st.recycle.cached == 1);
	CHECK(st.inflight == (int64_t)pool->alloc.count);
	np_pool_destroy(pool);
	np_skb_thread_flush();
	np_small_trim(prov);
	CHECK(np_provider_destroy(prov) == 0);
	std::printf("PASS: the API from C++17 (%s)\n",
#ifdef __clang__
		    "clang++"
#else
		    "g++"
#endif
	);
	return 0;
}
