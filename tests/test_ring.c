/* SPDX-License-Identifier: MIT */
/* Return ring, one thread: init, single and bulk produce/consume, full, empty, wrap. */
#include "testutil.h"

/* Object tokens are small non-NULL integers, so order is easy to check. */
static void *tok(uint64_t v)
{
	return (void *)(uintptr_t)(v + 1);
}

static uint64_t untok(void *p)
{
	return (uint64_t)(uintptr_t)p - 1;
}

static void test_init(void)
{
	struct np_ring r;

	memset(&r, 0xa5, sizeof(r));	/* init must not rely on a zeroed struct */
	CHECK_EQ(np_ring_init(&r, 1000), 0);
	CHECK_EQ(r.size, 1024);
	CHECK_EQ(r.mask, 1023);
	CHECK(r.slots != NULL);
	CHECK_EQ(np_ring_count(&r), 0);
	CHECK_EQ(np_ring_produced(&r), 0);
	CHECK(np_ring_consume(&r) == NULL);
	np_ring_cleanup(&r);

	CHECK_EQ(np_ring_init(&r, 1), 0);
	CHECK_EQ(r.size, 1);
	CHECK_EQ(np_ring_produce(&r, tok(0)), 0);
	CHECK_EQ(np_ring_produce(&r, tok(1)), -ENOBUFS);
	CHECK(np_ring_consume(&r) == tok(0));
	np_ring_cleanup(&r);

	CHECK_EQ(np_ring_init(&r, 1024), 0);
	CHECK_EQ(r.size, 1024);
	np_ring_cleanup(&r);
	CHECK_EQ(np_ring_init(&r, 1025), 0);
	CHECK_EQ(r.size, 2048);
	np_ring_cleanup(&r);

	CHECK_EQ(np_ring_init(&r, 0), -EINVAL);
	CHECK_EQ(np_ring_init(&r, (1u << 24) + 1), -EINVAL);
	CHECK_EQ(np_ring_init(&r, 1u << 31), -EINVAL);
	CHECK_EQ(np_ring_init(&r, ~0u), -EINVAL);
}

static void test_single(void)
{
	struct np_ring r;

	CHECK_EQ(np_ring_init(&r, 8), 0);
	CHECK_EQ(np_ring_produce(&r, tok(0)), 0);
	CHECK_EQ(np_ring_count(&r), 1);
	CHECK_EQ(np_ring_produced(&r), 1);
	CHECK(np_ring_consume(&r) == tok(0));
	CHECK_EQ(np_ring_count(&r), 0);
	CHECK_EQ(np_ring_produced(&r), 1);
	CHECK(np_ring_consume(&r) == NULL);

	/* fill: FIFO order, then full */
	for (uint64_t i = 0; i < 8; i++) {
		CHECK_EQ(np_ring_produce(&r, tok(i)), 0);
		CHECK_EQ(np_ring_count(&r), i + 1);
	}
	CHECK_EQ(np_ring_produce(&r, tok(99)), -ENOBUFS);
	CHECK_EQ(np_ring_count(&r), 8);
	CHECK_EQ(np_ring_produced(&r), 9);
	for (uint64_t i = 0; i < 8; i++)
		CHECK_EQ(untok(np_ring_consume(&r)), i);
	CHECK(np_ring_consume(&r) == NULL);
	CHECK_EQ(np_ring_count(&r), 0);

	/* one slot freed by the consumer is usable again */
	for (uint64_t i = 0; i < 8; i++)
		CHECK_EQ(np_ring_produce(&r, tok(i)), 0);
	CHECK_EQ(np_ring_produce(&r, tok(8)), -ENOBUFS);
	CHECK_EQ(untok(np_ring_consume(&r)), 0);
	CHECK_EQ(np_ring_produce(&r, tok(8)), 0);
	CHECK_EQ(np_ring_produce(&r, tok(9)), -ENOBUFS);
	for (uint64_t i = 1; i <= 8; i++)
		CHECK_EQ(untok(np_ring_consume(&r)), i);
	CHECK(np_ring_consume(&r) == NULL);
	CHECK_EQ(np_ring_produced(&r), 18);
	np_ring_cleanup(&r);
}

static void test_bulk(void)
{
	struct np_ring r;
	void *in[16], *out[16];

	for (uint64_t i = 0; i < 16; i++)
		in[i] = tok(i);
	CHECK_EQ(np_ring_init(&r, 8), 0);

	CHECK_EQ(np_ring_produce_bulk(&r, in, 0), 0);
	CHECK_EQ(np_ring_consume_bulk(&r, out, 4), 0);	/* empty */
	CHECK_EQ(np_ring_produce_bulk(&r, in, 5), 5);
	CHECK_EQ(np_ring_count(&r), 5);
	/* nearly full: the prefix that fits */
	CHECK_EQ(np_ring_produce_bulk(&r, in + 5, 5), 3);
	CHECK_EQ(np_ring_count(&r), 8);
	CHECK_EQ(np_ring_produced(&r), 8);
	/* full */
	CHECK_EQ(np_ring_produce_bulk(&r, in + 8, 4), 0);
	CHECK_EQ(np_ring_produce_bulk(&r, in + 8, 1), 0);
	CHECK_EQ(np_ring_produced(&r), 8);

	/* consume more than there is: what there is, oldest first */
	memset(out, 0, sizeof(out));
	CHECK_EQ(np_ring_consume_bulk(&r, out, 3), 3);
	for (uint64_t i = 0; i < 3; i++)
		CHECK(out[i] == in[i]);
	CHECK_EQ(np_ring_count(&r), 5);
	CHECK_EQ(np_ring_consume_bulk(&r, out, 16), 5);
	for (uint64_t i = 0; i < 5; i++)
		CHECK(out[i] == in[3 + i]);
	CHECK(out[5] == NULL);	/* nothing written past the count */
	CHECK_EQ(np_ring_consume_bulk(&r, out, 16), 0);
	CHECK_EQ(np_ring_count(&r), 0);

	/* a bulk larger than the ring */
	CHECK_EQ(np_ring_produce_bulk(&r, in, 16), 8);
	CHECK_EQ(np_ring_consume_bulk(&r, out, 16), 8);
	for (uint64_t i = 0; i < 8; i++)
		CHECK(out[i] == in[i]);

	/* single and bulk interleave in one FIFO */
	CHECK_EQ(np_ring_produce(&r, tok(100)), 0);
	CHECK_EQ(np_ring_produce_bulk(&r, in, 3), 3);
	CHECK_EQ(np_ring_produce(&r, tok(101)), 0);
	CHECK(np_ring_consume(&r) == tok(100));
	CHECK_EQ(np_ring_consume_bulk(&r, out, 2), 2);
	CHECK(out[0] == in[0] && out[1] == in[1]);
	CHECK(np_ring_consume(&r) == in[2]);
	CHECK(np_ring_consume(&r) == tok(101));
	CHECK(np_ring_consume(&r) == NULL);
	CHECK_EQ(np_ring_produced(&r), 8 + 8 + 5);
	np_ring_cleanup(&r);
}

/* Many laps with random bulk sizes: indexes wrap the slot array thousands of times. */
static void test_wrap(void)
{
	enum { SIZE = 16, LAPS = 5000 };
	struct np_ring r;
	void *buf[SIZE * 2];
	uint64_t next_in = 0, next_out = 0, seed = 0x1234567;
	unsigned count = 0;

	CHECK_EQ(np_ring_init(&r, SIZE), 0);
	while (next_in < (uint64_t)SIZE * LAPS) {
		unsigned want = 1 + (unsigned)(t_xorshift(&seed) % (SIZE + 4));
		unsigned fits = SIZE - count, done;

		for (unsigned i = 0; i < want; i++)
			buf[i] = tok(next_in + i);
		if (want == 1 && (seed & 1))
			done = np_ring_produce(&r, buf[0]) == 0;
		else
			done = np_ring_produce_bulk(&r, buf, want);
		CHECK_EQ(done, NP_MIN(want, fits));
		next_in += done;
		count += done;
		CHECK_EQ(np_ring_count(&r), count);
		CHECK_EQ(np_ring_produced(&r), next_in);

		want = 1 + (unsigned)(t_xorshift(&seed) % (SIZE + 4));
		if (want == 1 && (seed & 1)) {
			void *p = np_ring_consume(&r);

			done = p != NULL;
			buf[0] = p;
		} else {
			done = np_ring_consume_bulk(&r, buf, want);
		}
		CHECK_EQ(done, NP_MIN(want, count));
		for (unsigned i = 0; i < done; i++)
			CHECK_EQ(untok(buf[i]), next_out + i);
		next_out += done;
		count -= done;
		CHECK_EQ(np_ring_count(&r), count);
	}
	while (count) {
		unsigned done = np_ring_consume_bulk(&r, buf, 3);

		CHECK(done > 0);
		for (unsigned i = 0; i < done; i++)
			CHECK_EQ(untok(buf[i]), next_out + i);
		next_out += done;
		count -= done;
	}
	CHECK_EQ(next_out, next_in);
	CHECK_EQ(np_ring_count(&r), 0);
	CHECK_EQ(np_ring_produced(&r), next_in);
	CHECK(np_ring_consume(&r) == NULL);
	np_ring_cleanup(&r);
}

int main(void)
{
	test_init();
	test_single();
	test_bulk();
	test_wrap();
	printf("test_ring: ok\n");
	return 0;
}
