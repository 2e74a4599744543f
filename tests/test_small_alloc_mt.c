/* SPDX-License-Identifier: MIT */
/*
 * The small-object allocator, many threads: each allocates, writes and frees
 * objects, and hands some to another thread to check and free, so objects are
 * freed by threads other than the one that allocated them.
 */
#include <pthread.h>
#include "testutil.h"

#ifdef T_SANITIZED
#define ITERS		20000
#else
#define ITERS		200000
#endif
#define THREADS		4
#define LOCAL_MAX	256
#define MAILBOX_MAX	512

/* Objects handed from one thread to another. */
struct mailbox {
	pthread_mutex_t lock;
	unsigned n;
	void *obj[MAILBOX_MAX];
};

struct worker {
	pthread_t thread;
	unsigned id;
	uint64_t seed;
	uint64_t allocs, frees, sent, received;
};

static struct np_provider *prov;
static struct mailbox box[THREADS];

/* Byte @i of an object of @size bytes at @p: depends on where it lives. */
static unsigned char pattern(const void *p, size_t size, size_t i)
{
	return (unsigned char)(((uintptr_t)p >> 6) ^ size ^ i);
}

static void *obj_new(uint64_t *seed)
{
	uint64_t r = t_xorshift(seed);
	size_t size = r % 100 == 0 ? NP_SMALL_MAX + 1 + (size_t)(r >> 8) % 10000
				   : sizeof(uint64_t) + (size_t)(r >> 8) % (NP_SMALL_MAX - 7);
	unsigned char *p = np_small_alloc(prov, size);

	CHECK(p != NULL);
	CHECK_EQ((uintptr_t)p % 64, 0);
	CHECK(np_small_usable_size(p) >= size);
	memcpy(p, &(uint64_t){ size }, sizeof(uint64_t));
	for (size_t i = sizeof(uint64_t); i < size; i++)
		p[i] = pattern(p, size, i);
	return p;
}

static void obj_free(void *obj)
{
	const unsigned char *p = obj;
	uint64_t size;

	memcpy(&size, p, sizeof(size));
	CHECK(size >= sizeof(uint64_t) && size <= NP_SMALL_MAX + 10000);
	for (size_t i = sizeof(uint64_t); i < size; i++)
		if (p[i] != pattern(p, size, i)) {
			fprintf(stderr, "object %p (%llu bytes) corrupt at %zu\n", obj,
				(unsigned long long)size, i);
			CHECK(0);
		}
	np_small_free(obj);
}

static bool mailbox_put(struct mailbox *m, void *obj)
{
	bool ok;

	pthread_mutex_lock(&m->lock);
	ok = m->n < MAILBOX_MAX;
	if (ok)
		m->obj[m->n++] = obj;
	pthread_mutex_unlock(&m->lock);
	return ok;
}

static unsigned mailbox_drain(struct mailbox *m)
{
	void *got[MAILBOX_MAX];
	unsigned n;

	pthread_mutex_lock(&m->lock);
	n = m->n;
	memcpy(got, m->obj, n * sizeof(got[0]));
	m->n = 0;
	pthread_mutex_unlock(&m->lock);
	for (unsigned i = 0; i < n; i++)
		obj_free(got[i]);
	return n;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	void *local[LOCAL_MAX];
	unsigned n = 0;

	for (unsigned it = 0; it < ITERS; it++) {
		/* few objects live (slabs empty and refill often), then many */
		unsigned cap = (it / 4096) % 2 ? LOCAL_MAX : 8;
		uint64_t r = t_xorshift(&w->seed);

		if (n < cap && (n == 0 || r % 8 < 5)) {
			local[n++] = obj_new(&w->seed);
			w->allocs++;
		} else {
			unsigned k = (unsigned)(r >> 8) % n;
			void *obj = local[k];

			local[k] = local[--n];
			if (r & 0x10000) {
				unsigned to = (w->id + 1 + (unsigned)(r >> 20) % (THREADS - 1)) % THREADS;

				if (mailbox_put(&box[to], obj)) {
					w->sent++;
					continue;
				}
			}
			obj_free(obj);
			w->frees++;
		}
		if (it % 64 == 0)
			w->received += mailbox_drain(&box[w->id]);
	}
	while (n)
		obj_free(local[--n]);
	w->received += mailbox_drain(&box[w->id]);
	return NULL;
}

int main(void)
{
	struct worker w[THREADS];
	uint64_t sent = 0, received = 0, start;

	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	start = t_pages_out(prov);
	for (unsigned i = 0; i < THREADS; i++) {
		pthread_mutex_init(&box[i].lock, NULL);
		box[i].n = 0;
	}
	for (unsigned i = 0; i < THREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].id = i;
		w[i].seed = 0x2545f4914f6cdd1dull * (i + 1);
		CHECK_EQ(pthread_create(&w[i].thread, NULL, worker_main, &w[i]), 0);
	}
	for (unsigned i = 0; i < THREADS; i++)
		CHECK_EQ(pthread_join(w[i].thread, NULL), 0);
	/* objects sent after their receiver finished */
	for (unsigned i = 0; i < THREADS; i++)
		received += mailbox_drain(&box[i]);
	for (unsigned i = 0; i < THREADS; i++) {
		sent += w[i].sent;
		received += w[i].received;
		CHECK(w[i].allocs > 0);
	}
	CHECK_EQ(received, sent);
	CHECK(sent > 0);

	np_small_trim(prov);
	CHECK_EQ(t_pages_out(prov), start);
	CHECK_EQ(np_provider_destroy(prov), 0);
	for (unsigned i = 0; i < THREADS; i++)
		pthread_mutex_destroy(&box[i].lock);
	printf("test_small_alloc_mt: %d threads, %llu objects crossed threads\n", THREADS,
	       (unsigned long long)sent);
	return 0;
}
