/* SPDX-License-Identifier: MIT */
/*
 * The small-object allocator, one thread: sizes up to and past NP_SMALL_MAX,
 * alignment, usable size, many mixed objects freed in random order, and every
 * page back to the provider at the end.
 */
#include "testutil.h"

/* A fresh object of @size bytes: aligned, big enough, writable in full, ours. */
static void *alloc_checked(struct np_provider *prov, size_t size)
{
	void *p = np_small_alloc(prov, size);
	size_t usable;

	CHECK(p != NULL);
	CHECK_EQ((uintptr_t)p % 64, 0);
	usable = np_small_usable_size(p);
	CHECK(usable >= size);
	if (size <= NP_SMALL_MAX)
		CHECK(usable <= NP_SMALL_MAX);
	CHECK(np_provider_contains(prov, p));
	memset(p, 0x77, usable);
	return p;
}

static void test_sizes(void)
{
	static const size_t sizes[] = {
		1, 63, 64, 65, 100, 500, 1024, 2047, 2048, 2049, 4096, 5000, 20000, 100000,
	};
	void *obj[NP_ARRAY_SIZE(sizes)];
	struct np_provider *prov;
	uint64_t start;

	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	start = t_pages_out(prov);
	for (size_t i = 0; i < NP_ARRAY_SIZE(sizes); i++) {
		obj[i] = alloc_checked(prov, sizes[i]);
		memset(obj[i], (int)i, sizes[i]);
	}
	for (size_t i = 0; i < NP_ARRAY_SIZE(sizes); i++) {
		const unsigned char *p = obj[i];

		for (size_t j = 0; j < sizes[i]; j++)
			CHECK_EQ(p[j], i);
	}
	CHECK(t_pages_out(prov) > start);
	for (size_t i = 0; i < NP_ARRAY_SIZE(sizes); i++)
		np_small_free(obj[i]);
	/* each class keeps at most one empty slab (10 pages over all classes) */
	CHECK(t_pages_out(prov) <= start + 10);
	np_small_trim(prov);
	CHECK_EQ(t_pages_out(prov), start);

	/* an alloc/free loop reuses the kept slab instead of churning pages */
	for (int i = 0; i < 1000; i++) {
		obj[0] = alloc_checked(prov, 100);
		np_small_free(obj[0]);
		CHECK_EQ(t_pages_out(prov), start + 1);
	}
	np_small_trim(prov);
	CHECK_EQ(t_pages_out(prov), start);

	/* the same object size twice in a row: two distinct objects */
	obj[0] = alloc_checked(prov, 64);
	obj[1] = alloc_checked(prov, 64);
	CHECK(obj[0] != obj[1]);
	np_small_free(obj[1]);
	np_small_free(obj[0]);
	np_small_trim(prov);
	CHECK_EQ(t_pages_out(prov), start);
	CHECK_EQ(np_provider_destroy(prov), 0);
}

struct obj {
	unsigned char *p;
	size_t size;
	size_t usable;
};

static int cmp_obj(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct obj *)a)->p;
	uintptr_t y = (uintptr_t)((const struct obj *)b)->p;

	return x < y ? -1 : x > y;
}

static size_t random_size(uint64_t *seed)
{
	uint64_t r = t_xorshift(seed);

	if (r % 100 == 0)	/* 1%: past the slab sizes */
		return NP_SMALL_MAX + 1 + (size_t)(r >> 8) % 30000;
	return 1 + (size_t)(r >> 8) % NP_SMALL_MAX;
}

static void test_many(void)
{
	enum { N = 10000 };
	struct obj *o = calloc(N, sizeof(*o));
	struct np_provider *prov;
	uint64_t seed = 0xfeedface, start;

	CHECK(o != NULL);
	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	start = t_pages_out(prov);
	for (size_t i = 0; i < N; i++) {
		o[i].size = random_size(&seed);
		o[i].p = alloc_checked(prov, o[i].size);
		o[i].usable = np_small_usable_size(o[i].p);
		memset(o[i].p, (int)(i & 0xff), o[i].usable);
	}
	/* every object kept its contents: nothing overlaps */
	for (size_t i = 0; i < N; i++) {
		CHECK_EQ(o[i].p[0], i & 0xff);
		CHECK_EQ(o[i].p[o[i].size - 1], i & 0xff);
		CHECK_EQ(o[i].p[o[i].usable - 1], i & 0xff);
	}
	qsort(o, N, sizeof(*o), cmp_obj);
	for (size_t i = 1; i < N; i++)
		CHECK(o[i - 1].p + o[i - 1].usable <= o[i].p);

	/* free in random order, reallocating now and then */
	for (size_t i = N - 1; i > 0; i--) {
		size_t j = (size_t)(t_xorshift(&seed) % (i + 1));
		struct obj t = o[i];

		o[i] = o[j];
		o[j] = t;
	}
	for (size_t i = 0; i < N; i++) {
		np_small_free(o[i].p);
		o[i].p = NULL;
		if (i % 7 == 0) {
			void *p = alloc_checked(prov, random_size(&seed));

			np_small_free(p);
		}
	}
	np_small_trim(prov);
	CHECK_EQ(t_pages_out(prov), start);
	CHECK_EQ(np_provider_destroy(prov), 0);
	free(o);
}

/* The allocator draws from the provider it is given, and gives back to it. */
static void test_two_providers(void)
{
	struct np_provider *p1, *p2;
	void *a, *b, *c, *d;

	CHECK_EQ(np_provider_create(NULL, &p1), 0);
	CHECK_EQ(np_provider_create(NULL, &p2), 0);
	a = alloc_checked(p1, 200);
	b = alloc_checked(p2, 200);
	c = alloc_checked(p1, 10000);
	d = alloc_checked(p2, 10000);
	CHECK(!np_provider_contains(p2, a));
	CHECK(!np_provider_contains(p1, b));
	CHECK(!np_provider_contains(p2, c));
	CHECK(!np_provider_contains(p1, d));
	np_small_free(a);
	np_small_free(b);
	np_small_free(c);
	np_small_free(d);
	np_small_trim(p1);
	np_small_trim(p2);
	CHECK_EQ(t_pages_out(p1), 0);
	CHECK_EQ(t_pages_out(p2), 0);
	CHECK_EQ(np_provider_destroy(p1), 0);
	CHECK_EQ(np_provider_destroy(p2), 0);
}

/*
 * Destroy without a trim first: the empty slab each class keeps goes back
 * through the shrinker the allocator registered, so the provider has no
 * page out and can go (the page layer never calls the allocator itself).
 */
static void test_destroy_shrinks(void)
{
	struct np_provider *prov;
	void *a, *b;

	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	a = alloc_checked(prov, 100);
	b = alloc_checked(prov, 1500);
	np_small_free(a);
	np_small_free(b);
	CHECK(t_pages_out(prov) > 0);		/* the empty slabs, kept against churn */
	CHECK_EQ(np_provider_destroy(prov), 0);
}

int main(void)
{
	test_sizes();
	test_many();
	test_two_providers();
	test_destroy_shrinks();
	printf("test_small_alloc: ok\n");
	return 0;
}
