/* SPDX-License-Identifier: MIT */
/* page_pool statistics: the name table, and text and JSON output. */
#include <inttypes.h>
#include <stddef.h>
#include "internal.h"
#include "netpool/stats.h"

const char *const np_pool_stats_names[NP_POOL_STATS_NR] = {
	"alloc_fast", "alloc_slow", "alloc_slow_high_order", "alloc_empty", "alloc_refill",
	"alloc_waive", "recycle_cached", "recycle_cache_full", "recycle_ring",
	"recycle_ring_full", "recycle_released_refcnt", "hold", "release", "inflight",
	"defer_skbs", "defer_refused",
};

/*
 * The counters @st holds: a caller built against version 1 has a smaller
 * struct (st->size says so) and room for NP_POOL_STATS_V1_NR values only.
 */
static int np_pool_stats_count(const struct np_pool_stats *st)
{
	return st->size >= offsetof(struct np_pool_stats, defer_refused) + sizeof(uint64_t) ?
		NP_POOL_STATS_NR : NP_POOL_STATS_V1_NR;
}

int np_pool_stats_values(const struct np_pool_stats *st, int64_t out[NP_POOL_STATS_NR])
{
	int n;

	if (!st || !out)
		return -EINVAL;
	n = np_pool_stats_count(st);
	out[0] = (int64_t)st->alloc.fast;
	out[1] = (int64_t)st->alloc.slow;
	out[2] = (int64_t)st->alloc.slow_high_order;
	out[3] = (int64_t)st->alloc.empty;
	out[4] = (int64_t)st->alloc.refill;
	out[5] = (int64_t)st->alloc.waive;
	out[6] = (int64_t)st->recycle.cached;
	out[7] = (int64_t)st->recycle.cache_full;
	out[8] = (int64_t)st->recycle.ring;
	out[9] = (int64_t)st->recycle.ring_full;
	out[10] = (int64_t)st->recycle.released_refcnt;
	out[11] = (int64_t)st->hold;
	out[12] = (int64_t)st->release;
	out[13] = st->inflight;
	NP_STATIC_ASSERT(NP_POOL_STATS_V1_NR == 14, "version 1 ends with inflight");
	if (n > NP_POOL_STATS_V1_NR) {
		out[14] = (int64_t)st->defer_skbs;
		out[15] = (int64_t)st->defer_refused;
	}
	return 0;
}

int np_pool_stats_dump(FILE *f, const struct np_pool_stats *st)
{
	int64_t v[NP_POOL_STATS_NR];

	if (!f || np_pool_stats_values(st, v))
		return -EINVAL;
	for (int i = 0; i < np_pool_stats_count(st); i++)
		fprintf(f, "%-24s %" PRId64 "\n", np_pool_stats_names[i], v[i]);
	return 0;
}

int np_pool_stats_json(FILE *f, const struct np_pool_stats *st)
{
	int64_t v[NP_POOL_STATS_NR];

	if (!f || np_pool_stats_values(st, v))
		return -EINVAL;
	fputc('{', f);
	for (int i = 0; i < np_pool_stats_count(st); i++)
		fprintf(f, "%s\"%s\": %" PRId64, i ? ", " : "", np_pool_stats_names[i], v[i]);
	fputc('}', f);
	return 0;
}
