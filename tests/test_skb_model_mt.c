/* SPDX-License-Identifier: MIT */
/*
 * The skb model, multi-threaded: the owner, inside its pool's napi, builds
 * pp and non-pp skbs of every head and frag kind, clones and copies some,
 * recycles its own directly and hands the rest to workers; a worker checks
 * each packet's bytes, then frees, forwards, expands, trims or coalesces it
 * while other holders of the same data are freed elsewhere. At the end no
 * skb is live, the pool holds only idle pages and is freed, no page is out.
 * Under TSan it guards docs/regressions.md R22 and R25.
 *
 * NP_MODEL_MT_PACKETS (default 100000; 30000 under a sanitizer), NP_MODEL_MT_SEED,
 * NP_MODEL_MT_PAGEREFS (below).
 */
#include "testutil.h"

#define NWORKERS	3
#define QSIZE		256
#define MAXLEN		(20 * 1024)
#include "skbtest.h"

struct tag {			/* in skb->cb */
	uint32_t id;
	uint32_t len;		/* 0: bytes not checked (a coalesced packet) */
};

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct np_skb *q[QSIZE];
	unsigned head, count;
	bool stop;
};

static struct queue queues[NWORKERS];
static struct np_provider *prov;
static struct np_pool *pool;
static struct np_napi_ctx napi;
static atomic_int failed;
/*
 * NP_MODEL_MT_PAGEREFS=0: hand out no skbs whose slots hold page references
 * to pool pages (pskb_copy, expanding or trimming a clone). On by default: a
 * page reference dropped on one thread and the last pool reference on another
 * must be ordered by the pool's recyclable test (an acquire load), or TSan
 * reports the page's reuse against the reads of the other thread.
 */
static bool page_refs;

static uint8_t pat(uint32_t id, uint32_t off)
{
	uint32_t x = id * 0x9e3779b1u + off * 0x85ebca6bu;

	x ^= x >> 15;
	return (uint8_t)(x * 0x2c1b3c6du >> 24);
}

static void fill_pat(uint8_t *p, uint32_t id, uint32_t off, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		p[i] = pat(id, off + i);
}

static struct tag *tag_of(struct np_skb *skb)
{
	return (struct tag *)(void *)skb->cb;
}

static void verify(struct np_skb *skb, const char *who)
{
	static _Thread_local uint8_t buf[MAXLEN * 4];
	struct tag *t = tag_of(skb);

	if (!t->len)
		return;
	if (skb->len != t->len || skb->len > sizeof(buf) || np_skb_copy_bits(skb, 0, buf, skb->len)) {
		fprintf(stderr, "FAIL %s: packet %u len %u, want %u\n", who, t->id, skb->len, t->len);
		atomic_store(&failed, 1);
		return;
	}
	for (uint32_t i = 0; i < skb->len; i++)
		if (buf[i] != pat(t->id, i)) {
			fprintf(stderr, "FAIL %s: packet %u byte %u is %#x, want %#x\n", who, t->id, i,
				buf[i], pat(t->id, i));
			atomic_store(&failed, 1);
			return;
		}
}

/* Queue @skb to worker @w. Return: false when full and @wait is false. */
static bool q_push(int w, struct np_skb *skb, bool wait)
{
	struct queue *q = &queues[w];

	pthread_mutex_lock(&q->lock);
	while (q->count == QSIZE) {
		if (!wait) {
			pthread_mutex_unlock(&q->lock);
			return false;
		}
		pthread_mutex_unlock(&q->lock);
		t_sleep_ms(0);
		sched_yield();
		pthread_mutex_lock(&q->lock);
	}
	q->q[(q->head + q->count++) % QSIZE] = skb;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
	return true;
}

/* Next skb for worker @w, or NULL once stopped and empty. */
static struct np_skb *q_pop(int w)
{
	struct queue *q = &queues[w];
	struct np_skb *skb = NULL;

	pthread_mutex_lock(&q->lock);
	while (!q->count && !q->stop)
		pthread_cond_wait(&q->cond, &q->lock);
	if (q->count) {
		skb = q->q[q->head];
		q->head = (q->head + 1) % QSIZE;
		q->count--;
	}
	pthread_mutex_unlock(&q->lock);
	return skb;
}

static void free_any(struct np_skb *skb, uint64_t r)
{
	/* kfree, consume, napi_consume without a budget, and with one (but no
	 * napi of this thread: no direct) */
	static const unsigned how[4] = { 0, 1, 3, 2 };

	free_skb(skb, how[r % 4]);
}

static void *worker(void *arg)
{
	int w = (int)(intptr_t)arg;
	uint64_t rng = 0x1234567ull * (uint64_t)(w + 1);
	struct np_skb *keep = NULL, *skb;

	while ((skb = q_pop(w))) {
		uint64_t r = t_xorshift(&rng);

		verify(skb, "worker");
		switch (r % 8) {
		case 0: {	/* a tap: a clone goes on to another worker */
			struct np_skb *c = np_skb_clone(skb);

			if (c && !q_push((w + 1 + (int)(r >> 8) % (NWORKERS - 1)) % NWORKERS, c, false))
				np_kfree_skb(c);
			free_any(skb, r >> 16);
			break;
		}
		case 1:		/* a private head (page references when cloned) */
			if ((page_refs || !np_skb_cloned(skb)) &&
			    np_pskb_expand_head(skb, (uint32_t)(r >> 8) % 128, 0) == 0)
				verify(skb, "worker expand");
			free_any(skb, r >> 16);
			break;
		case 2: {	/* trimmed (bytes still a prefix of the pattern) */
			uint32_t len = skb->len ? (uint32_t)(r >> 8) % skb->len : 0;

			if ((page_refs || !np_skb_cloned(skb)) && np_pskb_trim(skb, len) == 0 &&
			    tag_of(skb)->len)
				tag_of(skb)->len = len;
			verify(skb, "worker trim");
			free_any(skb, r >> 16);
			break;
		}
		case 3:
		case 4: {	/* a socket queue: coalesce into the packet kept */
			bool stolen;
			int delta;

			if (keep && keep->len + skb->len < 60000 &&
			    np_skb_try_coalesce(keep, skb, &stolen, &delta)) {
				tag_of(keep)->len = 0;
				np_kfree_skb_partial(skb, stolen);
			} else {
				if (keep)
					free_any(keep, r >> 16);
				keep = skb;
			}
			break;
		}
		default:
			free_any(skb, r >> 16);
			break;
		}
	}
	if (keep)
		np_kfree_skb(keep);
	np_skb_thread_flush();
	return NULL;
}

/* ---- the owner ---- */

static uint64_t orng = 0x9e3779b97f4a7c15ull;

static uint32_t orand(uint32_t n)
{
	return (uint32_t)(t_xorshift(&orng) % n);
}

static void add_frags(struct np_skb *skb, uint32_t id)
{
	for (unsigned n = orand(4); n; n--) {
		struct np_skb_shared_info *sh = np_skb_shinfo(skb);
		uint32_t len = 1 + orand(2000), off = 0;
		struct np_page *page;
		unsigned int foff;

		if (sh->nr_frags >= NP_MAX_SKB_FRAGS)
			return;
		if (skb->pp_recycle && orand(3)) {
			if (orand(2)) {
				page = np_pool_alloc_pages(pool);
			} else {
				page = np_pool_alloc_frag(pool, &foff, len);
				off = foff;
			}
		} else {
			page = np_page_alloc(prov, 0, NP_NUMA_NO_NODE, 0);
		}
		CHECK(page);
		if (off + len > np_page_size(page))
			len = (uint32_t)np_page_size(page) - off;
		fill_pat((uint8_t *)np_page_address(page) + off, id, skb->len, len);
		np_skb_add_rx_frag(skb, sh->nr_frags, page, off, len, len);
	}
}

static struct np_skb *owner_build(uint32_t id)
{
	uint32_t headlen = orand(1200);
	struct np_skb *skb;
	unsigned int off;
	struct np_page *page;
	void *p;

	switch (orand(4)) {
	case 0:
		page = np_pool_alloc_pages(pool);
		CHECK(page);
		skb = np_napi_build_skb(np_page_address(page), (uint32_t)np_page_size(page));
		CHECK(skb);
		np_skb_mark_for_recycle(skb);
		break;
	case 1:
		page = np_pool_alloc_frag(pool, &off, 2048);
		CHECK(page);
		skb = np_napi_build_skb((char *)np_page_address(page) + off, 2048);
		CHECK(skb);
		np_skb_mark_for_recycle(skb);
		break;
	case 2:
		skb = np_napi_alloc_skb(headlen);
		CHECK(skb);
		break;
	default:
		skb = np_alloc_skb(headlen + 64);
		CHECK(skb);
		break;
	}
	if (np_skb_headroom(skb) < 64 && np_skb_tailroom(skb) > 64 + headlen)
		np_skb_reserve(skb, 64);
	if (headlen > np_skb_tailroom(skb))
		headlen = np_skb_tailroom(skb);
	p = np_skb_put(skb, headlen);
	CHECK(p);
	fill_pat(p, id, 0, headlen);
	add_frags(skb, id);
	tag_of(skb)->id = id;
	tag_of(skb)->len = skb->len;
	if (!skb->len)
		tag_of(skb)->len = 0;
	return skb;
}

int main(void)
{
	unsigned long packets = getenv("NP_MODEL_MT_PACKETS") ?
		strtoul(getenv("NP_MODEL_MT_PACKETS"), NULL, 0) :
#ifdef T_SANITIZED
		30000;
#else
		100000;
#endif
	struct np_pool_params pp = { .nid = NP_NUMA_NO_NODE, .napi = &napi, .pool_size = 512 };
	struct np_skb *kept[64] = { 0 };
	pthread_t th[NWORKERS];
	struct np_napi_ctx *prev;
	struct np_pool_stats st;
	uint32_t id;

	page_refs = !getenv("NP_MODEL_MT_PAGEREFS") || atoi(getenv("NP_MODEL_MT_PAGEREFS"));
	if (getenv("NP_MODEL_MT_SEED"))
		orng = strtoull(getenv("NP_MODEL_MT_SEED"), NULL, 0) | 1;
	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	np_skb_set_provider(prov);
	np_napi_ctx_init(&napi);
	pp.provider = prov;
	CHECK_EQ(np_pool_create(&pp, &pool), 0);
	id = pool->id;
	for (int i = 0; i < NWORKERS; i++) {
		pthread_mutex_init(&queues[i].lock, NULL);
		pthread_cond_init(&queues[i].cond, NULL);
		CHECK_EQ(pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i), 0);
	}

	prev = np_napi_ctx_enter(&napi);
	for (uint32_t n = 1; n <= packets && !atomic_load(&failed); n++) {
		struct np_skb *skb = owner_build(n), *c = NULL;
		unsigned k = orand(64);

		switch (orand(6)) {
		case 0:
		case 1:		/* a clone to one worker, the original to another */
			c = np_skb_clone(skb);
			break;
		case 2:
			if (page_refs)
				c = np_pskb_copy(skb);
			break;
		default:
			break;
		}
		if (c)
			q_push((int)orand(NWORKERS), c, true);
		if (orand(3) == 0) {
			/* the owner keeps it a while; the one it replaces goes back, direct */
			verify(skb, "owner");
			if (kept[k]) {
				verify(kept[k], "owner");
				np_napi_consume_skb(kept[k], 64);
			}
			kept[k] = skb;
		} else {
			q_push((int)orand(NWORKERS), skb, true);
		}
	}
	for (int i = 0; i < NWORKERS; i++) {
		pthread_mutex_lock(&queues[i].lock);
		queues[i].stop = true;
		pthread_cond_signal(&queues[i].cond);
		pthread_mutex_unlock(&queues[i].lock);
	}
	for (int i = 0; i < 64; i++)
		if (kept[i])
			np_napi_consume_skb(kept[i], 64);
	for (int i = 0; i < NWORKERS; i++)
		CHECK_EQ(pthread_join(th[i], NULL), 0);
	/* a worker may have forwarded a clone to one that had already stopped */
	for (int i = 0; i < NWORKERS; i++)
		for (; queues[i].count; queues[i].count--) {
			np_kfree_skb(queues[i].q[queues[i].head]);
			queues[i].head = (queues[i].head + 1) % QSIZE;
		}
	np_napi_ctx_leave(prev);
	CHECK(!atomic_load(&failed));

	CHECK_EQ(np_skb_live(), 0);
	st = t_pool_stats(pool);
	CHECK(st.inflight >= 0);
	/* every page that is not idle in the pool came back: in use by none */
	CHECK_EQ(st.inflight, pool_idle(pool));
	CHECK_EQ(st.hold - st.release, (uint64_t)st.inflight);
	CHECK(st.recycle.ring > 0 && st.recycle.cached > 0);
	CHECK_EQ(np_pool_audit(pool), 0);
	np_pool_destroy(pool);
	CHECK(t_wait_pool_freed(id, 10000));
	prov_done(prov, true);
	printf("%lu packets through %d workers: recycled %llu cached + %llu ring, released %llu\n",
	       packets, NWORKERS, (unsigned long long)st.recycle.cached,
	       (unsigned long long)st.recycle.ring, (unsigned long long)st.recycle.released_refcnt);
	return 0;
}
