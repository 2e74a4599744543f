/* SPDX-License-Identifier: MIT */
/*
 * page_pool under load from four threads: the owner, in its napi, allocates
 * every way and recycles part itself; three threads return the rest (single,
 * bulk, and puts of pages they still reference, which must leave the pool).
 * At the end every page is accounted for: handed out == returned,
 * released_refcnt == the puts with an extra reference, hold - release ==
 * idle pages == provider pages out, release == released_refcnt + ring_full
 * + waive; the audit is clean, the pool freed at once, every page back.
 */
#include <pthread.h>
#include <sched.h>
#include "testutil.h"

#ifdef T_SANITIZED
#define TOTAL		500000ull	/* buffers allocated by the owner */
#else
#define TOTAL		2000000ull
#endif
#define WORKERS		3
#define QCAP		1024		/* items per handoff queue */
#define BATCH		32		/* items the owner hands over at once */
#define MAX_BULK	32

/* ---- handoff queues: one producer (the owner), one consumer ---- */

struct item {
	struct np_page *page;
	bool frag;		/* one of several buffers sharing the page */
};

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t nonempty, nonfull;
	struct item items[QCAP];
	unsigned head, count;
	bool closed;
};

static void queue_init(struct queue *q)
{
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->nonempty, NULL);
	pthread_cond_init(&q->nonfull, NULL);
	q->head = q->count = 0;
	q->closed = false;
}

static void queue_fini(struct queue *q)
{
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->nonempty);
	pthread_cond_destroy(&q->nonfull);
}

static void queue_push(struct queue *q, const struct item *it, unsigned n)
{
	pthread_mutex_lock(&q->lock);
	while (n) {
		while (q->count == QCAP)
			pthread_cond_wait(&q->nonfull, &q->lock);
		for (; n && q->count < QCAP; n--, it++)
			q->items[(q->head + q->count++) % QCAP] = *it;
		pthread_cond_signal(&q->nonempty);
	}
	pthread_mutex_unlock(&q->lock);
}

/* Return: items taken (up to @max), 0 once closed and empty. */
static unsigned queue_pop(struct queue *q, struct item *out, unsigned max)
{
	unsigned n = 0;

	pthread_mutex_lock(&q->lock);
	while (!q->count && !q->closed)
		pthread_cond_wait(&q->nonempty, &q->lock);
	for (; n < max && q->count; n++, q->count--) {
		out[n] = q->items[q->head];
		q->head = (q->head + 1) % QCAP;
	}
	if (n)
		pthread_cond_signal(&q->nonfull);
	pthread_mutex_unlock(&q->lock);
	return n;
}

static void queue_close(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = true;
	pthread_cond_broadcast(&q->nonempty);
	pthread_mutex_unlock(&q->lock);
}

/* ---- the returning threads ---- */

struct worker {
	pthread_t thread;
	struct queue q;
	struct np_pool *pool;
	uint64_t seed;
	uint64_t returned;	/* items put back */
	uint64_t extra_ref;	/* whole pages put while holding a page reference */
	uint64_t bulk_calls;
};

/* Return the pending bulk; drop the page references taken on the way. */
static void worker_flush(struct worker *w, struct np_page **bulk, const bool *ref, unsigned n)
{
	np_pool_put_page_bulk(bulk, n);
	w->bulk_calls++;
	for (unsigned i = 0; i < n; i++) {
		if (!ref[i])
			continue;
		CHECK(!np_page_is_pp(bulk[i]));	/* it left the pool */
		np_page_put(bulk[i]);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct item items[64];
	struct np_page *bulk[MAX_BULK];
	bool ref[MAX_BULK];
	unsigned n, nbulk = 0, want = 1;

	while ((n = queue_pop(&w->q, items, 64))) {
		for (unsigned i = 0; i < n; i++) {
			struct np_page *page = items[i].page;
			uint64_t r = t_xorshift(&w->seed);
			/* whole pages only: a fragment's last user is unknown here */
			bool extra = !items[i].frag && (r >> 32) % 8 == 0;

			if (extra) {
				np_page_get(page);
				w->extra_ref++;
			}
			if (r % 2) {
				np_pool_put_full_page(w->pool, page, false);
				if (extra) {
					CHECK(!np_page_is_pp(page));
					np_page_put(page);
				}
				continue;
			}
			bulk[nbulk] = page;
			ref[nbulk++] = extra;
			if (nbulk >= want) {
				worker_flush(w, bulk, ref, nbulk);
				nbulk = 0;
				want = 1 + (unsigned)((r >> 16) % MAX_BULK);
			}
		}
		w->returned += n;
		if (nbulk && t_xorshift(&w->seed) % 2) {
			worker_flush(w, bulk, ref, nbulk);
			nbulk = 0;
		}
	}
	if (nbulk)
		worker_flush(w, bulk, ref, nbulk);
	return NULL;
}

/* ---- the owner ---- */

struct owner {
	struct np_pool *pool;
	struct worker *w;
	struct item pending[WORKERS][BATCH];
	unsigned npending[WORKERS];
	struct np_page *bulk[MAX_BULK];	/* owner's own bulk return (napi-local) */
	unsigned nbulk;
	uint64_t seed;
	uint64_t buffers;	/* buffers allocated */
	uint64_t handouts;	/* pages the pool handed out (a fragment page once) */
	uint64_t kept;		/* buffers the owner returned itself */
	uint64_t given;		/* buffers handed to the workers */
};

static void owner_flush(struct owner *o, unsigned i)
{
	if (o->npending[i]) {
		queue_push(&o->w[i].q, o->pending[i], o->npending[i]);
		o->npending[i] = 0;
	}
}

/* One buffer: return it here (direct, or napi-local) or pass it on. */
static void owner_dispatch(struct owner *o, struct np_page *page, bool frag)
{
	uint64_t r = t_xorshift(&o->seed);
	unsigned i;

	o->buffers++;
	switch (r % 8) {
	case 0:
		np_pool_recycle_direct(o->pool, page);
		o->kept++;
		return;
	case 1:
		np_pool_put_full_page(o->pool, page, false);	/* napi-local */
		o->kept++;
		return;
	case 2:
		o->bulk[o->nbulk++] = page;
		if (o->nbulk == MAX_BULK) {
			np_pool_put_page_bulk(o->bulk, o->nbulk);	/* napi-local */
			o->nbulk = 0;
		}
		o->kept++;
		return;
	default:
		i = (unsigned)((r >> 8) % WORKERS);
		o->pending[i][o->npending[i]++] = (struct item){ .page = page, .frag = frag };
		o->given++;
		if (o->npending[i] == BATCH)
			owner_flush(o, i);
	}
}

static void owner_run(struct owner *o)
{
	struct np_page *pages[MAX_BULK];
	unsigned int off, size;
	uint64_t iter = 0;

	while (o->buffers < TOTAL) {
		uint64_t r = t_xorshift(&o->seed);
		struct np_page *page;
		unsigned n;

		switch (r % 4) {
		case 0:
			page = np_pool_alloc_pages(o->pool);
			CHECK(page);
			o->handouts++;
			owner_dispatch(o, page, false);
			break;
		case 1:
			n = 1 + (unsigned)((r >> 8) % MAX_BULK);
			CHECK_EQ(np_pool_alloc_pages_bulk(o->pool, pages, n), n);
			o->handouts += n;
			for (unsigned i = 0; i < n; i++)
				owner_dispatch(o, pages[i], false);
			break;
		case 2:
			page = np_pool_alloc_frag(o->pool, &off, 64 + (unsigned)((r >> 8) % 2048));
			CHECK(page);
			if (off == 0)
				o->handouts++;	/* a fresh fragment page */
			owner_dispatch(o, page, true);
			break;
		default:
			/* a whole page above half a page, else a fragment */
			size = 64 + (unsigned)((r >> 8) % (NP_PAGE_SIZE - 64));
			page = np_pool_alloc(o->pool, &off, &size);
			CHECK(page);
			CHECK(off + size <= NP_PAGE_SIZE);
			if (off == 0)
				o->handouts++;
			owner_dispatch(o, page, o->pool->frag_page == page);
			break;
		}
		if (++iter % 4096 == 0) {
			/* a burst of direct returns larger than the cache */
			struct np_page *burst[NP_POOL_CACHE_SIZE + 32];

			n = np_pool_alloc_pages_bulk(o->pool, burst, NP_ARRAY_SIZE(burst));
			CHECK_EQ(n, NP_ARRAY_SIZE(burst));
			o->handouts += n;
			o->buffers += n;
			o->kept += n;
			for (unsigned i = 0; i < n; i++)
				np_pool_recycle_direct(o->pool, burst[i]);
			CHECK_EQ(np_pool_audit(o->pool), 0);
		}
		if (iter % 64 == 0)
			for (unsigned i = 0; i < WORKERS; i++)
				owner_flush(o, i);
	}
	if (o->nbulk)
		np_pool_put_page_bulk(o->bulk, o->nbulk);
	for (unsigned i = 0; i < WORKERS; i++) {
		owner_flush(o, i);
		queue_close(&o->w[i].q);
	}
}

int main(void)
{
	struct np_pool_stats st = { .size = sizeof(st) };
	struct np_pool_params pp = { 0 };
	struct worker w[WORKERS];
	struct np_pool_info info;
	struct np_provider *prov;
	struct np_napi_ctx napi, *prev;
	struct owner o = { 0 };
	uint64_t returned = 0, extra = 0, bulk_calls = 0, idle, handed, back;
	uint32_t id;

	np_set_print(t_log_capture);	/* nothing here runs on the reaper */
	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	np_napi_ctx_init(&napi);
	pp.provider = prov;
	pp.napi = &napi;
	pp.nid = NP_NUMA_NO_NODE;
	pp.pool_size = 512;
	pp.name = "stress";
	CHECK_EQ(np_pool_create(&pp, &o.pool), 0);
	id = o.pool->id;

	o.w = w;
	o.seed = 0x2545f4914f6cdd1dull;
	for (unsigned i = 0; i < WORKERS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		queue_init(&w[i].q);
		w[i].pool = o.pool;
		w[i].seed = 0x9e3779b97f4a7c15ull * (i + 1) | 1;
		CHECK_EQ(pthread_create(&w[i].thread, NULL, worker_main, &w[i]), 0);
	}

	prev = np_napi_ctx_enter(&napi);
	owner_run(&o);
	for (unsigned i = 0; i < WORKERS; i++) {
		CHECK_EQ(pthread_join(w[i].thread, NULL), 0);
		returned += w[i].returned;
		extra += w[i].extra_ref;
		bulk_calls += w[i].bulk_calls;
		queue_fini(&w[i].q);
	}
	np_napi_ctx_leave(prev);

	/* every buffer came back */
	CHECK(o.buffers >= TOTAL);
	CHECK_EQ(returned, o.given);
	CHECK_EQ(o.kept + o.given, o.buffers);
	CHECK(extra > 0);
	CHECK(bulk_calls > 0);

	CHECK_EQ(np_pool_get_stats(o.pool, &st), 0);
	handed = st.alloc.fast + st.alloc.slow + st.alloc.slow_high_order + st.alloc.refill;
	back = st.recycle.cached + st.recycle.ring + st.recycle.ring_full +
	       st.recycle.released_refcnt;
	idle = o.pool->alloc.count + np_pool_ring_count(o.pool);
	printf("buffers %llu, pages handed out %llu: fast %llu slow %llu refill %llu empty %llu; "
	       "cached %llu cache_full %llu ring %llu ring_full %llu released_refcnt %llu "
	       "waive %llu; hold %llu release %llu idle %llu\n",
	       (unsigned long long)o.buffers, (unsigned long long)handed,
	       (unsigned long long)st.alloc.fast, (unsigned long long)st.alloc.slow,
	       (unsigned long long)st.alloc.refill, (unsigned long long)st.alloc.empty,
	       (unsigned long long)st.recycle.cached, (unsigned long long)st.recycle.cache_full,
	       (unsigned long long)st.recycle.ring, (unsigned long long)st.recycle.ring_full,
	       (unsigned long long)st.recycle.released_refcnt,
	       (unsigned long long)st.alloc.waive, (unsigned long long)st.hold,
	       (unsigned long long)st.release, (unsigned long long)idle);

	CHECK_EQ(handed, o.handouts);
	CHECK_EQ(back + (o.pool->frag_page != NULL), handed);
	CHECK_EQ(st.recycle.released_refcnt, extra);
	CHECK_EQ(st.release, st.recycle.released_refcnt + st.recycle.ring_full + st.alloc.waive);
	CHECK_EQ(st.inflight, (int64_t)(st.hold - st.release));
	CHECK_EQ(st.inflight, (int64_t)(idle + (o.pool->frag_page != NULL)));
	CHECK_EQ(np_pool_inflight(o.pool), st.inflight);
	CHECK_EQ(t_pages_out(prov), (uint64_t)st.inflight);
	CHECK(st.recycle.cached > 0 && st.recycle.ring > 0 && st.recycle.cache_full > 0);
	CHECK_EQ(np_pool_audit(o.pool), 0);

	np_pool_destroy(o.pool);
	CHECK_EQ(np_pool_info_get(id, &info), -ENOENT);
	CHECK_EQ(t_pages_out(prov), 0);
	CHECK_EQ(t_log_level_count(NP_LOG_ERROR), 0);
	CHECK_EQ(t_log_level_count(NP_LOG_WARN), 0);
	CHECK_EQ(np_provider_destroy(prov), 0);
	np_set_print(NULL);
	return 0;
}
