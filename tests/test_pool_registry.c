/* SPDX-License-Identifier: MIT */
/*
 * Introspection: np_pool_info_list() / np_pool_info_get() show every live
 * pool (id, name, ifindex, queue, napi id, order, inflight pages and bytes);
 * a destroyed pool still waiting for pages shows destroyed and its detach
 * time, and disappears (-ENOENT) once its last page came back.
 */
#include <time.h>
#include "testutil.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The entry for @id in a full listing, checked against np_pool_info_get(). */
static struct np_pool_info find(uint32_t id)
{
	struct np_pool_info list[8], one;
	int n = np_pool_info_list(list, 8);

	CHECK(n >= 0 && n <= 8);
	CHECK_EQ(np_pool_info_get(id, &one), 0);
	for (int i = 0; i < n; i++)
		if (list[i].id == id) {
			CHECK(!strcmp(list[i].name, one.name));
			CHECK_EQ(list[i].inflight, one.inflight);
			CHECK_EQ(list[i].destroyed, one.destroyed);
			return one;
		}
	fprintf(stderr, "FAIL: pool %u not listed\n", id);
	exit(1);
}

int main(void)
{
	struct np_pool_params pa = {
		.nid = NP_NUMA_NO_NODE,
		.order = 1,
		.name = "eth0-rx3",
		.ifindex = 7,
		.queue = 3,
	};
	struct np_pool_params pb = {
		.nid = NP_NUMA_NO_NODE,
		.name = "a-name-longer-than-the-info-field-holds",
		.ifindex = 9,
		.queue = 0,
	};
	struct np_pool_info info, list[4];
	struct np_page *a[3], *b;
	struct np_pool *pool_a, *pool_b;
	struct np_provider *prov;
	struct np_napi_ctx napi;
	uint64_t t0, t1;
	uint32_t id_a, id_b;
	int i;

	np_set_print(t_log_capture);
	np_pool_set_release_timing(10, 0);
	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	np_napi_ctx_init(&napi);
	CHECK(napi.id != 0);
	pa.provider = pb.provider = prov;
	pa.napi = &napi;

	CHECK_EQ(np_pool_info_list(NULL, 0), 0);
	CHECK_EQ(np_pool_create(&pa, &pool_a), 0);
	CHECK_EQ(np_pool_create(&pb, &pool_b), 0);
	id_a = pool_a->id;
	id_b = pool_b->id;
	CHECK(id_a != 0 && id_b != 0 && id_a != id_b);

	/* both listed; a short buffer still reports how many there are */
	CHECK_EQ(np_pool_info_list(NULL, 0), 2);
	CHECK_EQ(np_pool_info_list(list, 1), 2);
	CHECK(list[0].id == id_a || list[0].id == id_b);
	CHECK_EQ(np_pool_info_list(list, 4), 2);
	CHECK(list[0].id != list[1].id);

	info = find(id_a);
	CHECK_EQ(info.id, id_a);
	CHECK(!strcmp(info.name, "eth0-rx3"));
	CHECK_EQ(info.ifindex, 7);
	CHECK_EQ(info.queue, 3);
	CHECK_EQ(info.napi_id, napi.id);
	CHECK_EQ(info.order, 1);
	CHECK_EQ(info.inflight, 0);
	CHECK_EQ(info.inflight_bytes, 0);
	CHECK(!info.destroyed);
	CHECK_EQ(info.detach_time_ns, 0);
	CHECK(!info.broken);

	info = find(id_b);
	CHECK(!strncmp(info.name, pb.name, sizeof(info.name) - 1));
	CHECK_EQ(strlen(info.name), sizeof(info.name) - 1);	/* cut, terminated */
	CHECK_EQ(info.ifindex, 9);
	CHECK_EQ(info.queue, 0);
	CHECK_EQ(info.napi_id, 0);
	CHECK_EQ(info.order, 0);

	/* inflight in pages and bytes (order-1 pages are allocated one by one) */
	for (i = 0; i < 3; i++)
		CHECK(a[i] = np_pool_alloc_pages(pool_a));
	info = find(id_a);
	CHECK_EQ(info.inflight, 3);
	CHECK_EQ(info.inflight_bytes, 3 * 2 * NP_PAGE_SIZE);
	CHECK(b = np_pool_alloc_pages(pool_b));
	info = find(id_b);
	CHECK_EQ(info.inflight, np_pool_inflight(pool_b));
	CHECK(info.inflight >= 1);
	CHECK_EQ(info.inflight_bytes, (uint64_t)info.inflight * NP_PAGE_SIZE);

	/* detached from its napi: napi id 0 */
	np_pool_disable_direct_recycling(pool_a);
	info = find(id_a);
	CHECK_EQ(info.napi_id, 0);
	CHECK(!info.destroyed);

	/* destroyed with pages out: still there, marked, with its detach time */
	t0 = now_ns();
	np_pool_destroy(pool_a);
	t1 = now_ns();
	info = find(id_a);
	CHECK(info.destroyed);
	CHECK(info.detach_time_ns >= t0 && info.detach_time_ns <= t1);
	CHECK_EQ(info.inflight, 3);
	CHECK_EQ(info.inflight_bytes, 3 * 2 * NP_PAGE_SIZE);
	CHECK_EQ(info.napi_id, 0);
	CHECK(!strcmp(info.name, "eth0-rx3"));
	CHECK(!info.broken);
	CHECK_EQ(np_pool_info_list(NULL, 0), 2);

	/* pages come back one by one; the pool stays until the last one */
	np_pool_put_full_page(pool_a, a[0], false);
	np_pool_put_full_page(pool_a, a[1], false);
	t_sleep_ms(30);	/* a few retry periods */
	info = find(id_a);
	CHECK(info.destroyed);
	CHECK_EQ(info.inflight, 1);
	np_pool_put_full_page(pool_a, a[2], false);	/* pool_a may be freed from here on */
	for (i = 0; i < 5000 && np_pool_info_get(id_a, &info) == 0; i++)
		t_sleep_ms(1);
	CHECK_EQ(np_pool_info_get(id_a, &info), -ENOENT);
	CHECK_EQ(np_pool_info_list(list, 4), 1);
	CHECK_EQ(list[0].id, id_b);

	/* a pool with nothing out goes at once */
	np_pool_recycle_direct(pool_b, b);
	np_pool_destroy(pool_b);
	CHECK_EQ(np_pool_info_get(id_b, &info), -ENOENT);
	CHECK_EQ(np_pool_info_list(NULL, 0), 0);

	CHECK_EQ(t_log_level_count(NP_LOG_ERROR), 0);
	CHECK_EQ(np_provider_destroy(prov), 0);
	return 0;
}
