/* SPDX-License-Identifier: MIT */
/* Fault injection: config parsing, nth / every / ppm semantics, counters, reset. */
#include "testutil.h"

/* Calls @point @calls times; returns how many of them failed. */
static uint64_t hits(enum np_fault_point point, uint64_t calls)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < calls; i++)
		n += np_fault_hit(point);
	return n;
}

/* No point is armed: nothing fails, nothing is counted. */
static void check_all_disarmed(void)
{
	for (int p = 0; p < NP_FAULT_NR; p++) {
		CHECK_EQ(hits((enum np_fault_point)p, 1000), 0);
		CHECK_EQ(np_fault_injected((enum np_fault_point)p), 0);
	}
}

static void test_names(void)
{
	CHECK(!strcmp(np_fault_name(NP_FAULT_PAGE_ALLOC), "page_alloc"));
	CHECK(!strcmp(np_fault_name(NP_FAULT_DMA_MAP), "dma_map"));
	CHECK(!strcmp(np_fault_name(NP_FAULT_RING_PRODUCE), "ring_produce"));
	CHECK(!strcmp(np_fault_name(NP_FAULT_DESC_POST), "desc_post"));
	CHECK(np_fault_name(NP_FAULT_NR) == NULL);
	CHECK(np_fault_name((enum np_fault_point)-1) == NULL);
}

static void test_set(void)
{
	struct np_fault_spec spec = { .nth = 1 };

	CHECK_EQ(np_fault_set(NP_FAULT_NR, &spec), -EINVAL);
	CHECK_EQ(np_fault_set((enum np_fault_point)-1, &spec), -EINVAL);
	check_all_disarmed();

	/* a zeroed spec and NULL both disarm */
	CHECK_EQ(np_fault_set(NP_FAULT_DMA_MAP, &(struct np_fault_spec){ .every = 1 }), 0);
	CHECK(np_fault_hit(NP_FAULT_DMA_MAP));
	CHECK_EQ(np_fault_set(NP_FAULT_DMA_MAP, &(struct np_fault_spec){ 0 }), 0);
	CHECK_EQ(hits(NP_FAULT_DMA_MAP, 100), 0);
	CHECK_EQ(np_fault_set(NP_FAULT_DMA_MAP, &(struct np_fault_spec){ .every = 1 }), 0);
	CHECK(np_fault_hit(NP_FAULT_DMA_MAP));
	CHECK_EQ(np_fault_set(NP_FAULT_DMA_MAP, NULL), 0);
	CHECK_EQ(hits(NP_FAULT_DMA_MAP, 100), 0);
	CHECK_EQ(np_fault_injected(NP_FAULT_DMA_MAP), 0);
	np_fault_reset();
}

static void test_nth(void)
{
	CHECK_EQ(np_fault_set(NP_FAULT_PAGE_ALLOC, &(struct np_fault_spec){ .nth = 3 }), 0);
	CHECK(!np_fault_hit(NP_FAULT_PAGE_ALLOC));
	CHECK(!np_fault_hit(NP_FAULT_PAGE_ALLOC));
	CHECK(np_fault_hit(NP_FAULT_PAGE_ALLOC));
	CHECK_EQ(np_fault_injected(NP_FAULT_PAGE_ALLOC), 1);
	/* exactly once */
	CHECK_EQ(hits(NP_FAULT_PAGE_ALLOC, 10000), 0);
	CHECK_EQ(np_fault_injected(NP_FAULT_PAGE_ALLOC), 1);
	/* other points are unaffected */
	CHECK_EQ(hits(NP_FAULT_DMA_MAP, 100), 0);
	CHECK_EQ(hits(NP_FAULT_RING_PRODUCE, 100), 0);

	/* setting again restarts the count */
	CHECK_EQ(np_fault_set(NP_FAULT_PAGE_ALLOC, &(struct np_fault_spec){ .nth = 1 }), 0);
	CHECK_EQ(np_fault_injected(NP_FAULT_PAGE_ALLOC), 0);
	CHECK(np_fault_hit(NP_FAULT_PAGE_ALLOC));
	CHECK_EQ(hits(NP_FAULT_PAGE_ALLOC, 100), 0);
	CHECK_EQ(np_fault_injected(NP_FAULT_PAGE_ALLOC), 1);
	np_fault_reset();
}

static void test_every(void)
{
	CHECK_EQ(np_fault_set(NP_FAULT_RING_PRODUCE, &(struct np_fault_spec){ .every = 4 }), 0);
	for (int i = 1; i <= 100; i++)
		CHECK_EQ(np_fault_hit(NP_FAULT_RING_PRODUCE), i % 4 == 0);
	CHECK_EQ(np_fault_injected(NP_FAULT_RING_PRODUCE), 25);

	CHECK_EQ(np_fault_set(NP_FAULT_RING_PRODUCE, &(struct np_fault_spec){ .every = 1 }), 0);
	CHECK_EQ(hits(NP_FAULT_RING_PRODUCE, 50), 50);
	CHECK_EQ(np_fault_injected(NP_FAULT_RING_PRODUCE), 50);
	np_fault_reset();
}

static void test_ppm(void)
{
	const uint64_t calls = 1000000;
	uint64_t n, again;

	CHECK_EQ(np_fault_set(NP_FAULT_DMA_MAP, &(struct np_fault_spec){ .ppm = 10000 }), 0);
	n = hits(NP_FAULT_DMA_MAP, calls);
	CHECK_EQ(np_fault_injected(NP_FAULT_DMA_MAP), n);
	CHECK(n >= 8000 && n <= 12000);

	/* one thread, same seed: the same sequence */
	CHECK_EQ(np_fault_set(NP_FAULT_DMA_MAP, &(struct np_fault_spec){ .ppm = 10000 }), 0);
	again = hits(NP_FAULT_DMA_MAP, calls);
	CHECK_EQ(again, n);

	CHECK_EQ(np_fault_set(NP_FAULT_DMA_MAP,
			      &(struct np_fault_spec){ .ppm = 250000, .seed = 12345 }), 0);
	n = hits(NP_FAULT_DMA_MAP, calls);
	CHECK(n >= 200000 && n <= 300000);

	CHECK_EQ(np_fault_set(NP_FAULT_DMA_MAP, &(struct np_fault_spec){ .ppm = 1000000 }), 0);
	CHECK_EQ(hits(NP_FAULT_DMA_MAP, 1000), 1000);
	np_fault_reset();
}

static void test_parse_valid(void)
{
	CHECK_EQ(np_fault_parse("page_alloc=nth:5"), 0);
	for (int i = 1; i <= 4; i++)
		CHECK(!np_fault_hit(NP_FAULT_PAGE_ALLOC));
	CHECK(np_fault_hit(NP_FAULT_PAGE_ALLOC));
	CHECK_EQ(hits(NP_FAULT_PAGE_ALLOC, 1000), 0);
	CHECK_EQ(np_fault_injected(NP_FAULT_PAGE_ALLOC), 1);
	CHECK_EQ(hits(NP_FAULT_DMA_MAP, 1000), 0);
	np_fault_reset();

	CHECK_EQ(np_fault_parse("dma_map=ppm:10000,ring_produce=every:3"), 0);
	for (int i = 1; i <= 30; i++)
		CHECK_EQ(np_fault_hit(NP_FAULT_RING_PRODUCE), i % 3 == 0);
	CHECK_EQ(np_fault_injected(NP_FAULT_RING_PRODUCE), 10);
	{
		uint64_t n = hits(NP_FAULT_DMA_MAP, 1000000);

		CHECK(n >= 8000 && n <= 12000);
	}
	CHECK_EQ(hits(NP_FAULT_PAGE_ALLOC, 1000), 0);
	CHECK_EQ(hits(NP_FAULT_DESC_POST, 1000), 0);
	np_fault_reset();

	CHECK_EQ(np_fault_parse("desc_post=every:1"), 0);
	CHECK_EQ(hits(NP_FAULT_DESC_POST, 10), 10);
	np_fault_reset();
}

static void test_parse_invalid(void)
{
	static const char *const bad[] = {
		"x=nth:1",
		"page_alloc=nth:0",
		"page_alloc=foo:1",
		"page_alloc",
		"page_alloc=",
		"page_alloc=nth",
		"page_alloc=nth:",
		"page_alloc=nth:5x",
		"page_alloc=nth:-1",	/* not a huge count */
		"dma_map=ppm:2000000",
		"",
		",",
		/* one bad entry rejects the whole string, the good one included */
		"page_alloc=nth:1,x=nth:1",
		"page_alloc=nth:1,dma_map=every:0",
	};

	for (size_t i = 0; i < NP_ARRAY_SIZE(bad); i++) {
		int rc = np_fault_parse(bad[i]);

		if (rc != -EINVAL)
			fprintf(stderr, "np_fault_parse(\"%s\") = %d\n", bad[i], rc);
		CHECK_EQ(rc, -EINVAL);
		check_all_disarmed();
	}
	CHECK_EQ(np_fault_parse(NULL), -EINVAL);
	check_all_disarmed();
}

static void test_reset(void)
{
	CHECK_EQ(np_fault_parse("page_alloc=every:1,dma_map=every:2,ring_produce=nth:1,"
				"desc_post=ppm:1000000"), 0);
	CHECK(np_fault_hit(NP_FAULT_PAGE_ALLOC));
	CHECK(np_fault_hit(NP_FAULT_RING_PRODUCE));
	CHECK(np_fault_hit(NP_FAULT_DESC_POST));
	CHECK_EQ(hits(NP_FAULT_DMA_MAP, 4), 2);
	np_fault_reset();
	check_all_disarmed();
}

int main(void)
{
	np_fault_reset();	/* ignore anything armed from the environment */
	test_names();
	test_set();
	test_nth();
	test_every();
	test_ppm();
	test_parse_valid();
	test_parse_invalid();
	test_reset();
	printf("test_fault: ok\n");
	return 0;
}
