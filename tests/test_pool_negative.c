/* SPDX-License-Identifier: MIT */
/*
 * docs/regressions.md R13: a driver bug that makes inflight negative (a page
 * returned twice, simulated by bumping the release counter) is reported
 * once, the retries stop, the broken pool stays registered, and the real
 * last page still goes back to the provider.
 *
 * Caught, with the bug put back in np_pool_reap_one(): reporting but
 * retrying (the kernel's endless warn-and-retry): "log_messages() == msgs (21
 * != 1)"; not telling negative from positive: t_log_count_of("negative
 * inflight") == 1 fails (0 != 1); freeing the pool at inflight <= 0: the same.
 */
#include <pthread.h>
#include "testutil.h"

#define RETRY_MS	10

static int log_messages(void)
{
	return t_log_level_count(NP_LOG_ERROR) + t_log_level_count(NP_LOG_WARN) +
	       t_log_level_count(NP_LOG_INFO);
}

int main(void)
{
	struct np_pool_params pp = { 0 };
	struct np_pool_info info;
	struct np_provider *prov;
	struct np_napi_ctx napi;
	struct np_page *pages[8];
	struct np_pool *pool;
	uint32_t id;
	int i, msgs;

	np_set_print(t_log_capture);
	/* no stall warning during the test: only the error may be printed */
	np_pool_set_release_timing(RETRY_MS, 600000);
	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	np_napi_ctx_init(&napi);
	pp.provider = prov;
	pp.napi = &napi;
	pp.nid = NP_NUMA_NO_NODE;
	pp.name = "buggy";
	CHECK_EQ(np_pool_create(&pp, &pool), 0);
	id = pool->id;

	for (i = 0; i < 8; i++)
		CHECK(pages[i] = np_pool_alloc_pages(pool));
	for (i = 1; i < 8; i++)
		np_pool_recycle_direct(pool, pages[i]);
	np_pool_destroy(pool);
	CHECK_EQ(np_pool_info_get(id, &info), 0);
	CHECK(info.destroyed);
	CHECK(!info.broken);
	CHECK_EQ(info.inflight, 1);

	/* let the reaper retry a few times with a legitimate page out: silence */
	t_sleep_ms(5 * RETRY_MS);
	CHECK_EQ(log_messages(), 0);

	/* the driver bug: two returns too many; pages[0] keeps the pool alive */
	atomic_fetch_add(&pool->release_cnt, 2);

	/* reported within a bounded time */
	for (i = 0; i < 5000 && !t_log_count_of("negative inflight"); i++)
		t_sleep_ms(1);
	CHECK_EQ(t_log_count_of("negative inflight"), 1);
	CHECK_EQ(t_log_level_count(NP_LOG_ERROR), 1);

	CHECK_EQ(np_pool_info_get(id, &info), 0);
	CHECK(info.destroyed);
	CHECK(info.broken);
	CHECK(info.inflight < 0);
	CHECK_EQ(info.inflight_bytes, 0);

	/* the real last page comes back: released, the pool is left alone */
	np_pool_put_full_page(pool, pages[0], false);
	CHECK(!np_page_is_pp(pages[0]));
	CHECK_EQ(t_pages_out(prov), 0);

	/* retries stopped: many retry periods later, still one message */
	msgs = log_messages();
	CHECK_EQ(msgs, 1);
	t_sleep_ms(20 * RETRY_MS);
	CHECK_EQ(log_messages(), msgs);
	CHECK_EQ(t_log_count_of("negative inflight"), 1);

	/* still registered and reachable: broken, not freed, not leaked */
	CHECK_EQ(np_pool_info_get(id, &info), 0);
	CHECK(info.broken);
	CHECK_EQ(info.inflight, -2);
	CHECK(np_pool_info_list(NULL, 0) >= 1);

	/* the provider has every page back */
	CHECK_EQ(np_provider_destroy(prov), 0);
	np_set_print(NULL);
	return 0;
}
