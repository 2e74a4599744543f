/* SPDX-License-Identifier: MIT */
/*
 * page_pool statistics: the size/version handshake of np_pool_get_stats(),
 * the name table and the flat value array in the same order, and the text
 * and JSON output.
 */
#include <inttypes.h>
#include "testutil.h"

/* The counters by name, as the kernel names them, from @st. */
static bool value_by_name(const struct np_pool_stats *st, const char *name, int64_t *out)
{
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
		{ "alloc_fast", offsetof(struct np_pool_stats, alloc.fast) },
		{ "alloc_slow", offsetof(struct np_pool_stats, alloc.slow) },
		{ "alloc_slow_high_order", offsetof(struct np_pool_stats, alloc.slow_high_order) },
		{ "alloc_empty", offsetof(struct np_pool_stats, alloc.empty) },
		{ "alloc_refill", offsetof(struct np_pool_stats, alloc.refill) },
		{ "alloc_waive", offsetof(struct np_pool_stats, alloc.waive) },
		{ "recycle_cached", offsetof(struct np_pool_stats, recycle.cached) },
		{ "recycle_cache_full", offsetof(struct np_pool_stats, recycle.cache_full) },
		{ "recycle_ring", offsetof(struct np_pool_stats, recycle.ring) },
		{ "recycle_ring_full", offsetof(struct np_pool_stats, recycle.ring_full) },
		{ "recycle_released_refcnt", offsetof(struct np_pool_stats, recycle.released_refcnt) },
		{ "hold", offsetof(struct np_pool_stats, hold) },
		{ "release", offsetof(struct np_pool_stats, release) },
		{ "defer_skbs", offsetof(struct np_pool_stats, defer_skbs) },
		{ "defer_refused", offsetof(struct np_pool_stats, defer_refused) },
	};

	if (!strcmp(name, "inflight")) {
		*out = st->inflight;
		return true;
	}
	for (size_t i = 0; i < NP_ARRAY_SIZE(fields); i++)
		if (!strcmp(name, fields[i].name)) {
			uint64_t v;

			memcpy(&v, (const char *)st + fields[i].off, sizeof(v));
			*out = (int64_t)v;
			return true;
		}
	return false;
}

/* Distinct values in every field, so a misplaced one shows. */
static struct np_pool_stats made_up(void)
{
	struct np_pool_stats st = { .size = sizeof(st), .version = NP_POOL_STATS_VERSION };

	st.alloc.fast = 101;
	st.alloc.slow = 102;
	st.alloc.slow_high_order = 103;
	st.alloc.empty = 104;
	st.alloc.refill = 105;
	st.alloc.waive = 106;
	st.recycle.cached = 107;
	st.recycle.cache_full = 108;
	st.recycle.ring = 109;
	st.recycle.ring_full = 110;
	st.recycle.released_refcnt = 111;
	st.hold = 1000000000000ull;
	st.release = 1000000000005ull;
	st.inflight = -5;
	st.defer_skbs = 112;
	st.defer_refused = 113;
	return st;
}

static void test_names_and_values(const struct np_pool_stats *st)
{
	int64_t v[NP_POOL_STATS_NR];

	np_pool_stats_values(st, v);
	for (int i = 0; i < NP_POOL_STATS_NR; i++) {
		int64_t want;

		CHECK(np_pool_stats_names[i] != NULL);
		for (int j = 0; j < i; j++)
			CHECK(strcmp(np_pool_stats_names[i], np_pool_stats_names[j]));
		if (!value_by_name(st, np_pool_stats_names[i], &want)) {
			fprintf(stderr, "FAIL: unknown counter name %s\n", np_pool_stats_names[i]);
			exit(1);
		}
		CHECK_EQ(v[i], want);
	}
}

/* "name value" lines, one per counter, in name order. */
static void test_dump(const struct np_pool_stats *st)
{
	int64_t v[NP_POOL_STATS_NR];
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int i = 0;

	CHECK(f);
	np_pool_stats_values(st, v);
	np_pool_stats_dump(f, st);
	CHECK_EQ(fclose(f), 0);
	CHECK(len > 0 && buf[len - 1] == '\n');
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++) {
		char name[64];
		long long val;

		CHECK(i < NP_POOL_STATS_NR);
		CHECK_EQ(sscanf(line, "%63s %lld", name, &val), 2);
		CHECK(!strcmp(name, np_pool_stats_names[i]));
		CHECK_EQ(val, v[i]);
	}
	CHECK_EQ(i, NP_POOL_STATS_NR);
	free(buf);
}

/* One JSON object on one line: {"name": value, ...}. */
static void test_json(const struct np_pool_stats *st)
{
	int64_t v[NP_POOL_STATS_NR];
	char *buf = NULL, *p;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CHECK(f);
	np_pool_stats_values(st, v);
	np_pool_stats_json(f, st);
	CHECK_EQ(fclose(f), 0);
	CHECK(len >= 2);
	CHECK_EQ(buf[0], '{');
	CHECK_EQ(buf[len - 1], '}');
	CHECK(strchr(buf, '\n') == NULL);

	p = buf + 1;
	for (int i = 0; i < NP_POOL_STATS_NR; i++) {
		char key[80];
		char *end;
		long long val;

		while (*p == ' ' || *p == ',')
			p++;
		snprintf(key, sizeof(key), "\"%s\"", np_pool_stats_names[i]);
		CHECK(!strncmp(p, key, strlen(key)));
		p += strlen(key);
		while (*p == ' ')
			p++;
		CHECK_EQ(*p, ':');
		p++;
		errno = 0;
		val = strtoll(p, &end, 10);
		CHECK(end != p && errno == 0);
		CHECK_EQ(val, v[i]);
		p = end;
		while (*p == ' ')
			p++;
		CHECK(*p == (i + 1 < NP_POOL_STATS_NR ? ',' : '}'));
	}
	CHECK(p == buf + len - 1);
	free(buf);
}

/*
 * A caller built against version 1: its struct ends with inflight and its
 * array holds NP_POOL_STATS_V1_NR values; nothing past either is read or
 * written, and the text and JSON forms carry version 1's counters only.
 */
static void test_version1_caller(const struct np_pool_stats *full)
{
	struct {
		struct np_pool_stats st;
	} v1;
	int64_t v[NP_POOL_STATS_NR];
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int lines = 0;

	memcpy(&v1.st, full, NP_POOL_STATS_V1_SIZE);
	v1.st.size = NP_POOL_STATS_V1_SIZE;
	v1.st.defer_skbs = 0x5151515151515151ull;	/* past the caller's struct */
	for (int i = 0; i < NP_POOL_STATS_NR; i++)
		v[i] = -777;
	CHECK_EQ(np_pool_stats_values(&v1.st, v), 0);
	CHECK_EQ(v[NP_POOL_STATS_V1_NR - 1], full->inflight);
	for (int i = NP_POOL_STATS_V1_NR; i < NP_POOL_STATS_NR; i++)
		CHECK_EQ(v[i], -777);
	f = open_memstream(&buf, &len);
	CHECK(f);
	CHECK_EQ(np_pool_stats_dump(f, &v1.st), 0);
	fclose(f);
	for (char *p = buf; *p; p++)
		lines += *p == '\n';
	CHECK_EQ(lines, NP_POOL_STATS_V1_NR);
	CHECK(!strstr(buf, "defer_"));
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	CHECK(f);
	CHECK_EQ(np_pool_stats_json(f, &v1.st), 0);
	fclose(f);
	CHECK(strstr(buf, "\"inflight\"") && !strstr(buf, "defer_"));
	free(buf);
}

int main(void)
{
	struct np_pool_params pp = { .nid = NP_NUMA_NO_NODE };
	struct np_pool_stats st, fake;
	struct {
		struct np_pool_stats st;
		uint64_t newer_field;
	} big;
	struct np_page *pages[100];
	struct np_provider *prov;
	struct np_pool *pool;

	np_set_print(t_log_capture);
	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	pp.provider = prov;
	CHECK_EQ(np_pool_create(&pp, &pool), 0);

	/* the caller's size must cover version 1 */
	memset(&st, 0, sizeof(st));
	st.size = 0;
	CHECK_EQ(np_pool_get_stats(pool, &st), -EINVAL);
	st.size = NP_POOL_STATS_V1_SIZE - 1;
	CHECK_EQ(np_pool_get_stats(pool, &st), -EINVAL);
	/* a caller built against version 1: its struct ends with inflight, nothing past it written */
	memset(&st, 0xa5, sizeof(st));
	st.size = NP_POOL_STATS_V1_SIZE;
	CHECK_EQ(np_pool_get_stats(pool, &st), 0);
	CHECK_EQ(st.inflight, 0);
	CHECK_EQ(st.defer_skbs, 0xa5a5a5a5a5a5a5a5ull);
	CHECK_EQ(st.defer_refused, 0xa5a5a5a5a5a5a5a5ull);
	st.size = offsetof(struct np_pool_stats, inflight);
	CHECK_EQ(np_pool_get_stats(pool, &st), -EINVAL);
	st.size = sizeof(st);
	CHECK_EQ(np_pool_get_stats(pool, &st), 0);
	CHECK_EQ(st.version, NP_POOL_STATS_VERSION);
	CHECK_EQ(st.size, sizeof(st));
	CHECK_EQ(st.hold, 0);
	CHECK_EQ(st.inflight, 0);
	/* a newer, bigger struct is fine; what the library does not know stays */
	memset(&big, 0, sizeof(big));
	big.st.size = sizeof(big);
	big.newer_field = 42;
	CHECK_EQ(np_pool_get_stats(pool, &big.st), 0);
	CHECK_EQ(big.st.version, NP_POOL_STATS_VERSION);
	CHECK_EQ(big.newer_field, 42);

	/* some traffic */
	for (int i = 0; i < 100; i++)
		CHECK(pages[i] = np_pool_alloc_pages(pool));
	for (int i = 0; i < 100; i++)
		np_pool_put_full_page(pool, pages[i], i % 2);
	CHECK(pages[0] = np_pool_alloc_pages(pool));
	np_page_get(pages[0]);
	np_pool_recycle_direct(pool, pages[0]);
	CHECK(np_page_put(pages[0]));
	CHECK_EQ(np_pool_get_stats(pool, &st), 0);
	CHECK_EQ(st.hold, 128);
	CHECK_EQ(st.release, 1);
	CHECK_EQ(st.inflight, 127);
	CHECK_EQ(st.recycle.cached, 50);
	CHECK_EQ(st.recycle.ring, 50);
	CHECK_EQ(st.recycle.released_refcnt, 1);
	CHECK_EQ(st.alloc.slow, 2);
	CHECK_EQ(st.alloc.fast + st.alloc.slow + st.alloc.refill, 101);

	test_names_and_values(&st);
	test_dump(&st);
	test_json(&st);
	fake = made_up();
	test_names_and_values(&fake);
	test_dump(&fake);
	test_json(&fake);
	test_version1_caller(&fake);

	np_pool_destroy(pool);
	CHECK_EQ(np_provider_destroy(prov), 0);
	return 0;
}
