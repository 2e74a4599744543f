/* SPDX-License-Identifier: MIT */
/*
 * page_pool: the registry of pools and what introspection reads from it
 * (the kernel's page_pool_user.c): every pool from create until it is freed,
 * live or destroyed and waiting for its pages, each with its owner (a
 * netdev's index and name, opaque here).
 *
 * An owner that goes away (np_pool_unreg_owner(), a netdev's unregistration)
 * leaves its waiting pools behind as orphans: listed without an owner until
 * their last page returns. While it exists, an owner keeps a tally of the
 * counters of its pools already freed, so that np_pool_owner_stats() covers
 * every pool it ever had: a pool's counters move into the tally under the
 * registry lock, in the same step that unlists it.
 */
#include <stdlib.h>
#include <string.h>
#include "pool_priv.h"

/* The counters of an owner's pools already freed. */
struct np_owner_tally {
	struct np_owner_tally *next;
	int ifindex;
	struct np_pool_stats st;
};

static pthread_mutex_t np_reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct np_pool *np_reg_head;
static uint32_t np_reg_next_id = 1;
static struct np_owner_tally *np_tally_head;

/* Registry lock held. */
static struct np_owner_tally *np_tally_find(int ifindex)
{
	struct np_owner_tally *t;

	for (t = np_tally_head; t; t = t->next)
		if (t->ifindex == ifindex)
			return t;
	return NULL;
}

static void np_stats_add(struct np_pool_stats *sum, const struct np_pool_stats *st)
{
	sum->alloc.fast += st->alloc.fast;
	sum->alloc.slow += st->alloc.slow;
	sum->alloc.slow_high_order += st->alloc.slow_high_order;
	sum->alloc.empty += st->alloc.empty;
	sum->alloc.refill += st->alloc.refill;
	sum->alloc.waive += st->alloc.waive;
	sum->recycle.cached += st->recycle.cached;
	sum->recycle.cache_full += st->recycle.cache_full;
	sum->recycle.ring += st->recycle.ring;
	sum->recycle.ring_full += st->recycle.ring_full;
	sum->recycle.released_refcnt += st->recycle.released_refcnt;
	sum->hold += st->hold;
	sum->release += st->release;
	sum->inflight += st->inflight;
	sum->defer_skbs += st->defer_skbs;
	sum->defer_refused += st->defer_refused;
}

/* A full snapshot of @pool (whatever size the library's struct has). */
static void np_pool_stats_full(struct np_pool *pool, struct np_pool_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	np_pool_get_stats(pool, st);
}

int np_pool_registry_add(struct np_pool *pool)
{
	struct np_pool_priv *priv = pool->priv;
	struct np_owner_tally *fresh = NULL;

	/* the owner's tally exists before its first pool can be freed into it */
	if (priv->ifindex) {
		fresh = calloc(1, sizeof(*fresh));
		if (!fresh)
			return -ENOMEM;
		fresh->ifindex = priv->ifindex;
		fresh->st.size = sizeof(fresh->st);
		fresh->st.version = NP_POOL_STATS_VERSION;
	}
	pthread_mutex_lock(&np_reg_lock);
	if (fresh && !np_tally_find(priv->ifindex)) {
		fresh->next = np_tally_head;
		np_tally_head = fresh;
		fresh = NULL;
	}
	pool->id = np_reg_next_id++;
	priv->reg_prev = NULL;
	priv->reg_next = np_reg_head;
	if (np_reg_head)
		np_reg_head->priv->reg_prev = pool;
	np_reg_head = pool;
	pthread_mutex_unlock(&np_reg_lock);
	free(fresh);
	return 0;
}

void np_pool_registry_del(struct np_pool *pool)
{
	struct np_pool_priv *priv = pool->priv;

	pthread_mutex_lock(&np_reg_lock);
	if (priv->reg_prev)
		priv->reg_prev->priv->reg_next = priv->reg_next;
	else
		np_reg_head = priv->reg_next;
	if (priv->reg_next)
		priv->reg_next->priv->reg_prev = priv->reg_prev;
	if (priv->ifindex) {
		struct np_owner_tally *t = np_tally_find(priv->ifindex);
		struct np_pool_stats st;

		if (t) {
			np_pool_stats_full(pool, &st);
			np_stats_add(&t->st, &st);
		}
	}
	pthread_mutex_unlock(&np_reg_lock);
}

/* ---- a thread's lanes, handed back when it exits ---- */

static pthread_key_t np_lane_key;
static pthread_once_t np_lane_once = PTHREAD_ONCE_INIT;

/* A thread that returned pages exits: hand its lanes back in every pool that still exists. */
static void np_lane_thread_exit(void *token)
{
	pthread_mutex_lock(&np_reg_lock);
	for (struct np_pool *p = np_reg_head; p; p = p->priv->reg_next)
		np_pool_lanes_release_owned(p, (uint64_t)(uintptr_t)token);
	pthread_mutex_unlock(&np_reg_lock);
	/* a destructor that runs after this one and puts pages looks its lanes up again */
	np_pool_lanes_forget_thread();
}

static void np_lane_key_init(void)
{
	pthread_key_create(&np_lane_key, np_lane_thread_exit);
}

void np_pool_lanes_track_thread(const void *token)
{
	pthread_once(&np_lane_once, np_lane_key_init);
	pthread_setspecific(np_lane_key, token);
}

/* ---- owners ---- */

int np_pool_unreg_owner(int ifindex)
{
	struct np_owner_tally **tp, *gone = NULL;
	int n = 0;

	if (ifindex <= 0)
		return -EINVAL;
	pthread_mutex_lock(&np_reg_lock);
	for (struct np_pool *p = np_reg_head; p; p = p->priv->reg_next) {
		struct np_pool_priv *priv = p->priv;

		if (priv->ifindex != ifindex)
			continue;
		priv->ifindex = 0;
		memset(priv->ifname, 0, sizeof(priv->ifname));
		priv->orphaned = true;
		n++;
	}
	for (tp = &np_tally_head; *tp; tp = &(*tp)->next)
		if ((*tp)->ifindex == ifindex) {
			gone = *tp;
			*tp = gone->next;
			break;
		}
	pthread_mutex_unlock(&np_reg_lock);
	free(gone);
	return n;
}

int np_pool_owner_stats(int ifindex, struct np_pool_stats *out)
{
	struct np_owner_tally *t;
	struct np_pool_stats sum, st;
	uint32_t size;

	if (ifindex <= 0 || !out || out->size < NP_POOL_STATS_V1_SIZE)
		return -EINVAL;
	size = out->size;
	memset(&sum, 0, sizeof(sum));
	pthread_mutex_lock(&np_reg_lock);
	t = np_tally_find(ifindex);
	if (t)
		np_stats_add(&sum, &t->st);
	for (struct np_pool *p = np_reg_head; p; p = p->priv->reg_next) {
		if (p->priv->ifindex != ifindex)
			continue;
		np_pool_stats_full(p, &st);
		np_stats_add(&sum, &st);
	}
	pthread_mutex_unlock(&np_reg_lock);
	sum.version = NP_POOL_STATS_VERSION;
	/* as np_pool_get_stats(): a caller's larger struct keeps its extra fields */
	memcpy((char *)out + sizeof(uint32_t), (char *)&sum + sizeof(uint32_t),
	       NP_MIN(size, (uint32_t)sizeof(sum)) - sizeof(uint32_t));
	return 0;
}

/* ---- introspection ---- */

static void np_pool_fill_info(struct np_pool *pool, struct np_pool_info *info)
{
	struct np_pool_priv *priv = pool->priv;
	struct np_napi_ctx *napi = atomic_load(&pool->napi);

	memset(info, 0, sizeof(*info));
	info->id = pool->id;
	memcpy(info->name, priv->name, sizeof(info->name));
	info->ifindex = priv->ifindex;
	memcpy(info->ifname, priv->ifname, sizeof(info->ifname));
	info->orphaned = priv->orphaned;
	info->queue = priv->queue;
	info->napi_id = napi ? napi->id : 0;
	info->order = pool->order;
	info->inflight = np_pool_inflight_raw(pool);
	info->inflight_bytes = info->inflight > 0 ?
		(uint64_t)info->inflight * (NP_PAGE_SIZE << pool->order) : 0;
	info->destroyed = atomic_load(&pool->destroyed);
	info->detach_time_ns = info->destroyed ? atomic_load(&priv->detach_time_ns) : 0;
	info->broken = atomic_load(&priv->broken);
}

int np_pool_info_list(struct np_pool_info *out, unsigned max)
{
	struct np_pool *pool;
	unsigned n = 0;

	pthread_mutex_lock(&np_reg_lock);
	for (pool = np_reg_head; pool; pool = pool->priv->reg_next, n++)
		if (out && n < max)
			np_pool_fill_info(pool, &out[n]);
	pthread_mutex_unlock(&np_reg_lock);
	return (int)n;
}

int np_pool_info_get(uint32_t id, struct np_pool_info *out)
{
	struct np_pool *pool;
	int err = -ENOENT;

	if (!out)
		return -EINVAL;
	pthread_mutex_lock(&np_reg_lock);
	for (pool = np_reg_head; pool; pool = pool->priv->reg_next)
		if (pool->id == id) {
			np_pool_fill_info(pool, out);
			err = 0;
			break;
		}
	pthread_mutex_unlock(&np_reg_lock);
	return err;
}

int np_pool_get_stats_by_id(uint32_t id, struct np_pool_stats *st)
{
	struct np_pool *pool;
	int err = -ENOENT;

	if (!st || st->size < NP_POOL_STATS_V1_SIZE)
		return -EINVAL;
	pthread_mutex_lock(&np_reg_lock);
	for (pool = np_reg_head; pool; pool = pool->priv->reg_next)
		if (pool->id == id) {
			err = np_pool_get_stats(pool, st);
			break;
		}
	pthread_mutex_unlock(&np_reg_lock);
	return err;
}

/* ---- statistics ---- */

int64_t np_pool_inflight(struct np_pool *pool)
{
	if (!pool)
		return 0;
	return np_pool_inflight_raw(pool);
}

int np_pool_get_stats(struct np_pool *pool, struct np_pool_stats *out)
{
	struct np_pool_stats st;
	uint32_t size;

	if (!pool || !out || out->size < NP_POOL_STATS_V1_SIZE)
		return -EINVAL;
	size = out->size;
	memset(&st, 0, sizeof(st));
	st.version = NP_POOL_STATS_VERSION;
	st.alloc.fast = np_stat_read(pool->napi_stats.fast);
	st.alloc.slow = np_stat_read(pool->napi_stats.slow);
	st.alloc.slow_high_order = np_stat_read(pool->napi_stats.slow_high_order);
	st.alloc.empty = np_stat_read(pool->napi_stats.empty);
	st.alloc.refill = np_stat_read(pool->napi_stats.refill);
	st.alloc.waive = np_stat_read(pool->napi_stats.waive);
	st.recycle.cached = np_stat_read(pool->napi_stats.cached);
	st.recycle.cache_full = np_stat_read(pool->napi_stats.cache_full);
	st.recycle.ring = np_ring_produced(&pool->ring) + np_pool_lanes_produced(pool);
	st.recycle.ring_full = atomic_load_explicit(&pool->ring_full, memory_order_relaxed);
	st.recycle.released_refcnt = atomic_load_explicit(&pool->released_refcnt,
							  memory_order_relaxed);
	st.release = atomic_load_explicit(&pool->release_cnt, memory_order_acquire);
	st.hold = np_stat_read(pool->hold_cnt);
	st.inflight = (int64_t)(st.hold - st.release);
	st.defer_skbs = atomic_load_explicit(&pool->defer_in, memory_order_relaxed);
	st.defer_refused = atomic_load_explicit(&pool->defer_refused, memory_order_relaxed);
	/* a caller built against a newer, larger struct keeps its extra fields */
	memcpy((char *)out + sizeof(uint32_t), (char *)&st + sizeof(uint32_t),
	       NP_MIN(size, (uint32_t)sizeof(st)) - sizeof(uint32_t));
	return 0;
}
