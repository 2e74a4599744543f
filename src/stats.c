/* SPDX-License-Identifier: MIT */
/* page_pool statistics: the name table, and text and JSON output. */
#include <inttypes.h>
#include "internal.h"
#include "netpool/stats.h"

const char *const np_pool_stats_names[NP_POOL_STATS_NR] = {
	"alloc_fast", "alloc_slow", "alloc_slow_high_order", "alloc_empty", "alloc_refill",
	"alloc_waive", "recycle_cached", "recycle_cache_full", "recycle_ring",
	"recycle_ring_full", "recycle_released_refcnt", "hold", "release", "inflight",
	"defer_skbs", "defer_refused",
};

int np_pool_stats_values(const struct np_pool_stats *st, int64_t out[NP_POOL_STATS_NR])
{
	if (!st || !out)
		return -EINVAL;
	const int64_t v[NP_POOL_STATS_NR] = {
		(int64_t)st->alloc.fast, (int64_t)st->alloc.slow,
		(int64_t)st->alloc.slow_high_order, (int64_t)st->alloc.empty,
		(int64_t)st->alloc.refill, (int64_t)st->alloc.waive,
		(int64_t)st->recycle.cached, (int64_t)st->recycle.cache_full,
		(int64_t)st->recycle.ring, (int64_t)st->recycle.ring_full,
		(int64_t)st->recycle.released_refcnt, (int64_t)st->hold, (int64_t)st->release,
		st->inflight, (int64_t)st->defer_skbs, (int64_t)st->defer_refused,
	};

	for (int i = 0; i < NP_POOL_STATS_NR; i++)
		out[i] = v[i];
	return 0;
}

int np_pool_stats_dump(FILE *f, const struct np_pool_stats *st)
{
	int64_t v[NP_POOL_STATS_NR];

	if (!f || np_pool_stats_values(st, v))
		return -EINVAL;
	for (int i = 0; i < NP_POOL_STATS_NR; i++)
		fprintf(f, "%-24s %" PRId64 "\n", np_pool_stats_names[i], v[i]);
	return 0;
}

int np_pool_stats_json(FILE *f, const struct np_pool_stats *st)
{
	int64_t v[NP_POOL_STATS_NR];

	if (!f || np_pool_stats_values(st, v))
		return -EINVAL;
	fputc('{', f);
	for (int i = 0; i < NP_POOL_STATS_NR; i++)
		fprintf(f, "%s\"%s\": %" PRId64, i ? ", " : "", np_pool_stats_names[i], v[i]);
	fputc('}', f);
	return 0;
}
