/* SPDX-License-Identifier: MIT */
/*
 * docs/regressions.md R12: a thread returning a page while the owner
 * destroys the pool never touches the freed pool. Forced rounds first (a
 * test hook, NP_DEBUG >= 1, holds the returning thread right after it
 * published its page, at each publish site, while the owner frees the
 * pool), then random rounds: three returning threads, a destroy at a random
 * moment.
 *
 * Caught, with the bug put back (a read of pool->flags right after the
 * publish, the mainline ring statistic bug, at each publish site in turn):
 * the forced round fails, ASan "use-after-poison" at the read, TSan and
 * plain DEBUG=1 a SEGV (the freed pool is PROT_NONE). The random rounds alone
 * passed 5 ASan and 3 TSan runs of the same mutation.
 */
#include <pthread.h>
#include <sched.h>
#include "testutil.h"
#include "hook.h"

#ifdef T_SANITIZED
#define ROUNDS		100
#else
#define ROUNDS		200
#endif
#define THREADS		3
#define PAGES		256		/* whole pages per round */
#define FRAGS		64		/* fragments of 1 KiB per round */
#define MAX_BULK	16
#define ITEMS		(PAGES + FRAGS)
#define RESTART		8		/* rounds between worker restarts */

struct worker {
	pthread_t thread;
	struct np_pool *pool;		/* used only while holding one of its pages */
	struct np_page *pages[ITEMS];
	unsigned n;
	uint64_t seed;
};

/* Rounds are started under round_lock; workers report back through done. */
static pthread_mutex_t round_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t round_cond = PTHREAD_COND_INITIALIZER;
static unsigned round_gen;
static unsigned round_base;	/* round_gen when the current workers started */
static bool round_quit;
static np_atomic_int done;
static unsigned deferred;	/* rounds where pages were still out after destroy */

static void return_all(struct worker *w, struct np_napi_ctx *foreign)
{
	struct np_napi_ctx *prev;
	unsigned i = 0;

	while (i < w->n) {
		uint64_t r = t_xorshift(&w->seed);
		struct np_page *page = w->pages[i];

		switch (r & 7) {
		case 0:
		case 1:
		case 2: {
			unsigned n = 1 + (unsigned)((r >> 8) % MAX_BULK);

			if (n > w->n - i)
				n = w->n - i;
			np_pool_put_page_bulk(&w->pages[i], n);
			i += n;
			break;
		}
		case 3:
			/* a page someone else still references: it leaves the pool */
			np_page_get(page);
			np_pool_put_full_page(w->pool, page, false);
			np_page_put(page);
			i++;
			break;
		case 4:
			prev = np_napi_ctx_enter(foreign);
			np_pool_put_full_page(w->pool, page, false);
			np_napi_ctx_leave(prev);
			i++;
			break;
		default:
			np_pool_put_full_page(w->pool, page, false);
			i++;
			break;
		}
		if ((r >> 20) % 16 == 0)
			sched_yield();
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct np_napi_ctx foreign;
	unsigned seen;

	np_napi_ctx_init(&foreign);
	pthread_mutex_lock(&round_lock);
	seen = round_base;
	for (;;) {
		while (round_gen == seen && !round_quit)
			pthread_cond_wait(&round_cond, &round_lock);
		if (round_gen == seen)
			break;		/* quit */
		seen = round_gen;
		pthread_mutex_unlock(&round_lock);
		return_all(w, &foreign);
		atomic_fetch_add_explicit(&done, 1, memory_order_release);
		pthread_mutex_lock(&round_lock);
	}
	pthread_mutex_unlock(&round_lock);
	return NULL;
}

static void workers_start(struct worker *w)
{
	round_quit = false;
	round_base = round_gen;
	for (unsigned i = 0; i < THREADS; i++)
		CHECK_EQ(pthread_create(&w[i].thread, NULL, worker_main, &w[i]), 0);
}

static void workers_stop(struct worker *w)
{
	pthread_mutex_lock(&round_lock);
	round_quit = true;
	pthread_cond_broadcast(&round_cond);
	pthread_mutex_unlock(&round_lock);
	for (unsigned i = 0; i < THREADS; i++)
		CHECK_EQ(pthread_join(w[i].thread, NULL), 0);
}

/* Let the workers return what they were dealt. */
static void workers_go(void)
{
	pthread_mutex_lock(&round_lock);
	round_gen++;
	pthread_cond_broadcast(&round_cond);
	pthread_mutex_unlock(&round_lock);
}

static void workers_wait(void)
{
	while (atomic_load_explicit(&done, memory_order_acquire) < THREADS)
		sched_yield();
}

/* Pages put back (ring or released) since the round started. */
static uint64_t returned(struct np_pool *pool)
{
	struct np_pool_stats st = t_pool_stats(pool);

	return st.recycle.ring + st.release;
}

static void round_once(struct np_provider *prov, struct np_napi_ctx *napi, struct worker *w,
		       uint64_t *seed)
{
	static const unsigned ring_sizes[] = { 16, 64, 256, 1024 };
	struct np_pool_params pp = { 0 };
	struct np_pool_info info;
	struct np_napi_ctx *prev;
	struct np_pool *pool;
	struct np_page *items[ITEMS];
	uint64_t r = t_xorshift(seed);
	unsigned mode = (unsigned)(r % 4), i, n;
	uint32_t id;

	pp.provider = prov;
	pp.napi = napi;
	pp.nid = NP_NUMA_NO_NODE;
	pp.pool_size = ring_sizes[(r >> 8) % 4];
	pp.name = "race";
	CHECK_EQ(np_pool_create(&pp, &pool), 0);
	id = pool->id;

	prev = np_napi_ctx_enter(napi);
	n = np_pool_alloc_pages_bulk(pool, items, PAGES / 2);
	CHECK_EQ(n, PAGES / 2);
	for (; n < PAGES; n++)
		CHECK(items[n] = np_pool_alloc_pages(pool));
	for (; n < ITEMS; n++) {
		unsigned int off;

		CHECK(items[n] = np_pool_alloc_frag(pool, &off, 1024));
	}
	/* shuffle, then deal */
	for (i = ITEMS - 1; i > 0; i--) {
		unsigned j = (unsigned)(t_xorshift(seed) % (i + 1));
		struct np_page *t = items[i];

		items[i] = items[j];
		items[j] = t;
	}
	atomic_store(&done, 0);
	for (i = 0; i < THREADS; i++) {
		w[i].pool = pool;
		w[i].n = 0;
		w[i].seed = t_xorshift(seed) | 1;
	}
	for (i = 0; i < ITEMS; i++) {
		struct worker *t = &w[t_xorshift(seed) % THREADS];

		t->pages[t->n++] = items[i];
	}

	switch (mode) {
	case 0:		/* before any page comes back */
		np_pool_destroy(pool);
		workers_go();
		break;
	case 1:
	case 2: {	/* after a random share came back, the owner busy meanwhile */
		uint64_t target = t_xorshift(seed) % (PAGES + 1);

		workers_go();
		while (returned(pool) < target &&
		       atomic_load_explicit(&done, memory_order_acquire) < THREADS) {
			struct np_page *page = np_pool_alloc_pages(pool);

			if (page)
				np_pool_recycle_direct(pool, page);
			sched_yield();
		}
		np_pool_destroy(pool);
		break;
	}
	default:	/* after every page is back: freed inside destroy */
		workers_go();
		workers_wait();
		np_pool_destroy(pool);
		break;
	}
	np_napi_ctx_leave(prev);
	if (np_pool_info_get(id, &info) == 0)
		deferred++;

	workers_wait();
	CHECK(t_wait_pool_freed(id, 10000));
	CHECK_EQ(t_pages_out(prov), 0);
}

/* ---- forced: the final release the instant the last page is published ---- */

enum forced_path { F_LANE, F_SHARED, F_BULK_LANE, F_BULK_SHARED, F_NR };

static const char *const forced_names[F_NR] = {
	[F_LANE] = "single put, lane",
	[F_SHARED] = "single put, shared ring",
	[F_BULK_LANE] = "bulk put, lane",
	[F_BULK_SHARED] = "bulk put, shared ring",
};

#define F_RING		16	/* ring size, and so the lane's */
#define F_LAST		4	/* pages of the final bulk put */

struct forced_job {
	struct np_pool *pool;
	struct np_page *pages[F_RING + F_LAST];
	unsigned n_pre;		/* single puts before the final one (fill the lane) */
	unsigned n_last;	/* pages of the final put */
	bool bulk;
};

enum { F_IDLE, F_PUBLISHED, F_RELEASED };
static pthread_mutex_t forced_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t forced_cond = PTHREAD_COND_INITIALIZER;
static int forced_state;
static _Thread_local const void *forced_target;	/* armed: hold the next publish to it */

/*
 * Runs on the returning thread right after it published a page. When armed,
 * hold that thread here until the owner has destroyed and freed the pool:
 * whatever the thread does with the pool after this point, it does to freed
 * memory.
 */
static void forced_hook(enum np_hook_point point, const void *obj)
{
	if (point != NP_HOOK_POOL_PUBLISHED || !forced_target || obj != forced_target)
		return;
	forced_target = NULL;
	pthread_mutex_lock(&forced_lock);
	forced_state = F_PUBLISHED;
	pthread_cond_broadcast(&forced_cond);
	while (forced_state != F_RELEASED)
		pthread_cond_wait(&forced_cond, &forced_lock);
	pthread_mutex_unlock(&forced_lock);
}

static void *forced_worker(void *arg)
{
	struct forced_job *job = arg;
	struct np_page **last = job->pages + job->n_pre;

	for (unsigned i = 0; i < job->n_pre; i++)
		np_pool_put_full_page(job->pool, job->pages[i], false);
	forced_target = job->pool;
	if (job->bulk)
		np_pool_put_page_bulk(last, job->n_last);
	else
		np_pool_put_full_page(job->pool, last[0], false);
	forced_target = NULL;
	return NULL;
}

static void forced_once(struct np_provider *prov, struct np_napi_ctx *napi, enum forced_path path)
{
	struct np_pool_params pp = { 0 };
	struct forced_job job = { 0 };
	struct np_pool_info info;
	struct np_napi_ctx *prev;
	struct timespec until;
	pthread_t thread;
	unsigned n, i;
	uint32_t id;

	pp.provider = prov;
	pp.napi = napi;
	pp.nid = NP_NUMA_NO_NODE;
	pp.pool_size = F_RING;
	pp.name = "forced";
	CHECK_EQ(np_pool_create(&pp, &job.pool), 0);
	id = job.pool->id;
	CHECK_EQ(job.pool->lane_mask + 1, F_RING);
	job.bulk = path == F_BULK_LANE || path == F_BULK_SHARED;
	job.n_pre = path == F_SHARED || path == F_BULK_SHARED ? F_RING : 0;
	job.n_last = job.bulk ? F_LAST : 1;
	n = job.n_pre + job.n_last;
	prev = np_napi_ctx_enter(napi);
	for (i = 0; i < n; i++)
		CHECK(job.pages[i] = np_pool_alloc_pages(job.pool));
	np_napi_ctx_leave(prev);

	forced_state = F_IDLE;
	CHECK_EQ(pthread_create(&thread, NULL, forced_worker, &job), 0);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 30;
	pthread_mutex_lock(&forced_lock);
	while (forced_state != F_PUBLISHED)
		CHECK(pthread_cond_timedwait(&forced_cond, &forced_lock, &until) != ETIMEDOUT);
	pthread_mutex_unlock(&forced_lock);

	/* every page is published, the returning thread is still inside its put */
	CHECK_EQ(np_pool_ring_count(job.pool), n);
	CHECK_EQ(np_ring_count(&job.pool->ring), job.n_pre ? job.n_last : 0);
	CHECK_EQ(np_pool_inflight(job.pool), n + job.pool->alloc.count);
	np_pool_destroy(job.pool);
	/* destroy took the pages back and freed the pool (unreadable in debug builds) */
	CHECK_EQ(np_pool_info_get(id, &info), -ENOENT);
	CHECK_EQ(t_pages_out(prov), 0);

	pthread_mutex_lock(&forced_lock);
	forced_state = F_RELEASED;
	pthread_cond_broadcast(&forced_cond);
	pthread_mutex_unlock(&forced_lock);
	CHECK_EQ(pthread_join(thread, NULL), 0);
	printf("forced: %s: the pool was freed while its returner was inside the put\n",
	       forced_names[path]);
}

static void forced_all(struct np_provider *prov, struct np_napi_ctx *napi)
{
	int err = np_hook_set(NP_HOOK_POOL_PUBLISHED, forced_hook);

	if (err == -EOPNOTSUPP) {
		printf("forced interleavings: hook points compiled out (NP_DEBUG 0), not run\n");
		return;
	}
	CHECK_EQ(err, 0);
	for (int path = 0; path < F_NR; path++)
		forced_once(prov, napi, (enum forced_path)path);
	CHECK_EQ(np_hook_set(NP_HOOK_POOL_PUBLISHED, NULL), 0);
}

int main(void)
{
	static struct worker w[THREADS];
	struct np_provider *prov;
	struct np_napi_ctx napi;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	const char *env = getenv("T_SEED");

	if (env)
		seed = strtoull(env, NULL, 0) | 1;
	np_set_print(t_log_capture);
	np_pool_set_release_timing(10, 60000);
	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	np_napi_ctx_init(&napi);

	forced_all(prov, &napi);
	for (int round = 0; round < ROUNDS; round++) {
		if (round % RESTART == 0) {
			if (round)
				workers_stop(w);
			workers_start(w);
		}
		round_once(prov, &napi, w, &seed);
	}
	workers_stop(w);

	printf("%d rounds, %u with pages still out after destroy\n", ROUNDS, deferred);
	CHECK_EQ(t_log_level_count(NP_LOG_ERROR), 0);
	CHECK_EQ(np_provider_destroy(prov), 0);
	np_set_print(NULL);
	return 0;
}
