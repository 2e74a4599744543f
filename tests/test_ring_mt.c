/* SPDX-License-Identifier: MIT */
/*
 * Return ring, many producers and one consumer: every object arrives exactly
 * once and each producer's objects arrive in the order it produced them.
 */
#include <pthread.h>
#include <sched.h>
#include "testutil.h"

#ifdef T_SANITIZED
#define PER_PRODUCER	50000
#else
#define PER_PRODUCER	200000
#endif
#define PRODUCERS	4
#define RING_SIZE	64
#define MAX_BULK	32

static struct np_ring ring;
static np_atomic_int go;

struct producer {
	pthread_t thread;
	uint64_t id;		/* 1-based, so no token is NULL */
	uint64_t seed;
	uint64_t full;		/* produce calls that found the ring full */
};

static void *token(uint64_t id, uint64_t seq)
{
	return (void *)(uintptr_t)(id << 32 | seq);
}

static void *producer_main(void *arg)
{
	struct producer *p = arg;
	void *batch[MAX_BULK];
	uint64_t seq = 0;

	while (!atomic_load_explicit(&go, memory_order_acquire))
		sched_yield();
	while (seq < PER_PRODUCER) {
		uint64_t r = t_xorshift(&p->seed);
		unsigned n = 1 + (unsigned)(r % MAX_BULK), done;

		if (n > PER_PRODUCER - seq)
			n = (unsigned)(PER_PRODUCER - seq);
		if (r & (1ull << 40)) {
			done = np_ring_produce(&ring, token(p->id, seq)) == 0;
		} else {
			for (unsigned i = 0; i < n; i++)
				batch[i] = token(p->id, seq + i);
			done = np_ring_produce_bulk(&ring, batch, n);
		}
		seq += done;
		if (!done) {
			p->full++;
			sched_yield();
		}
	}
	return NULL;
}

int main(void)
{
	struct producer prod[PRODUCERS];
	uint64_t next[PRODUCERS + 1] = { 0 };
	uint64_t total = 0, want = (uint64_t)PRODUCERS * PER_PRODUCER, seed = 42;
	void *out[MAX_BULK * 2];

	if (sizeof(void *) < sizeof(uint64_t))
		SKIP("tokens need 64-bit pointers");
	CHECK_EQ(np_ring_init(&ring, RING_SIZE), 0);
	for (int i = 0; i < PRODUCERS; i++) {
		prod[i].id = (uint64_t)i + 1;
		prod[i].seed = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
		prod[i].full = 0;
		CHECK_EQ(pthread_create(&prod[i].thread, NULL, producer_main, &prod[i]), 0);
	}
	atomic_store_explicit(&go, 1, memory_order_release);

	while (total < want) {
		uint64_t r = t_xorshift(&seed);
		unsigned n;

		if (r % 64 == 0) {	/* let the ring fill now and then */
			sched_yield();
			continue;
		}
		if (r & 1) {
			out[0] = np_ring_consume(&ring);
			n = out[0] != NULL;
		} else {
			n = np_ring_consume_bulk(&ring, out, 1 + (unsigned)(r >> 1) % NP_ARRAY_SIZE(out));
		}
		if (!n) {
			sched_yield();
			continue;
		}
		for (unsigned i = 0; i < n; i++) {
			uint64_t t = (uint64_t)(uintptr_t)out[i];
			uint64_t id = t >> 32, seq = t & 0xffffffffu;

			if (id < 1 || id > PRODUCERS || seq != next[id]) {
				fprintf(stderr, "bad token %#llx (producer %llu expects %llu)\n",
					(unsigned long long)t, (unsigned long long)id,
					(unsigned long long)(id >= 1 && id <= PRODUCERS ? next[id] : 0));
				CHECK(0);
			}
			next[id]++;
		}
		total += n;
	}
	for (int i = 0; i < PRODUCERS; i++)
		CHECK_EQ(pthread_join(prod[i].thread, NULL), 0);
	for (int i = 1; i <= PRODUCERS; i++)
		CHECK_EQ(next[i], PER_PRODUCER);
	CHECK_EQ(np_ring_count(&ring), 0);
	CHECK(np_ring_consume(&ring) == NULL);
	CHECK_EQ(np_ring_produced(&ring), want);
	np_ring_cleanup(&ring);

	printf("test_ring_mt: %d producers x %d objects ok (full:", PRODUCERS, PER_PRODUCER);
	for (int i = 0; i < PRODUCERS; i++)
		printf(" %llu", (unsigned long long)prod[i].full);
	printf(")\n");
	return 0;
}
