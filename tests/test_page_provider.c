/* SPDX-License-Identifier: MIT */
/*
 * The page provider: block allocation of every order, descriptor lookup from
 * any address, page references, statistics, the memory limit and emergency
 * reserve, node tags, growth, caller-provided regions, destroy, injected
 * faults and zeroing.
 */
#include <sys/mman.h>
#include "testutil.h"

static struct np_provider_stats stats(struct np_provider *prov)
{
	struct np_provider_stats st;

	memset(&st, 0xa5, sizeof(st));
	np_provider_get_stats(prov, &st);
	return st;
}

/* Every address in the block maps back to its head descriptor. */
static void check_block(struct np_provider *prov, struct np_page *pg, unsigned order)
{
	size_t size = NP_PAGE_SIZE << order;
	char *addr = np_page_address(pg);

	CHECK(pg != NULL);
	CHECK_EQ(pg->order, order);
	CHECK_EQ(np_page_size(pg), size);
	CHECK_EQ(np_page_ref_count(pg), 1);
	CHECK_EQ((uintptr_t)addr & (size - 1), 0);
	CHECK(np_page_provider(pg) == prov);
	CHECK(!np_page_is_pp(pg));
	CHECK(!np_page_is_reserve(pg));
	CHECK(np_virt_to_page(addr) == pg);
	CHECK(np_virt_to_page(addr + size / 2) == pg);
	CHECK(np_virt_to_page(addr + size - 1) == pg);
	for (size_t off = 0; off < size; off += NP_PAGE_SIZE) {
		CHECK(np_virt_to_page(addr + off) == pg);
		CHECK(np_virt_to_page(addr + off + 123) == pg);
	}
	CHECK(np_provider_contains(prov, addr));
	CHECK(np_provider_contains(prov, addr + size - 1));
}

static void test_orders(void)
{
	struct np_provider *prov = NULL;
	struct np_page *pg[NP_PAGE_MAX_ORDER + 1];
	struct np_provider_stats st;
	uint64_t pages = 0;

	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	CHECK(prov != NULL);
	st = stats(prov);
	CHECK_EQ(st.alloc, 0);
	CHECK_EQ(st.free, 0);
	CHECK_EQ(st.alloc_fail, 0);
	CHECK_EQ(st.pages_out, 0);

	for (unsigned order = 0; order <= NP_PAGE_MAX_ORDER; order++) {
		size_t size = NP_PAGE_SIZE << order;
		unsigned char *addr;

		pg[order] = np_page_alloc(prov, order, NP_NUMA_NO_NODE, 0);
		check_block(prov, pg[order], order);
		CHECK_EQ(pg[order]->node, 0);
		addr = np_page_address(pg[order]);
		memset(addr, (int)order + 1, size);
		pages += 1ull << order;
		st = stats(prov);
		CHECK_EQ(st.alloc, order + 1);
		CHECK_EQ(st.pages_out, pages);
	}
	CHECK(np_page_alloc(prov, NP_PAGE_MAX_ORDER + 1, NP_NUMA_NO_NODE, 0) == NULL);

	/* no block overwrote another */
	for (unsigned order = 0; order <= NP_PAGE_MAX_ORDER; order++) {
		unsigned char *addr = np_page_address(pg[order]);
		size_t size = NP_PAGE_SIZE << order;

		CHECK_EQ(addr[0], order + 1);
		CHECK_EQ(addr[size / 2], order + 1);
		CHECK_EQ(addr[size - 1], order + 1);
	}

	/* references: only the last put frees */
	np_page_get(pg[3]);
	CHECK_EQ(np_page_ref_count(pg[3]), 2);
	np_page_get(pg[3]);
	CHECK_EQ(np_page_ref_count(pg[3]), 3);
	CHECK(!np_page_put(pg[3]));
	CHECK(!np_page_put(pg[3]));
	CHECK_EQ(np_page_ref_count(pg[3]), 1);
	st = stats(prov);
	CHECK_EQ(st.free, 0);
	CHECK_EQ(st.pages_out, pages);
	CHECK(np_page_put(pg[3]));
	pages -= 8;
	st = stats(prov);
	CHECK_EQ(st.free, 1);
	CHECK_EQ(st.pages_out, pages);

	for (unsigned order = 0; order <= NP_PAGE_MAX_ORDER; order++) {
		if (order == 3)
			continue;
		CHECK(np_page_put(pg[order]));
	}
	st = stats(prov);
	CHECK_EQ(st.alloc, NP_PAGE_MAX_ORDER + 1);
	CHECK_EQ(st.free, NP_PAGE_MAX_ORDER + 1);
	CHECK_EQ(st.pages_out, 0);

	/* freed blocks merge again: the largest order is still available */
	pg[0] = np_page_alloc(prov, NP_PAGE_MAX_ORDER, NP_NUMA_NO_NODE, 0);
	check_block(prov, pg[0], NP_PAGE_MAX_ORDER);
	CHECK_EQ(stats(prov).arenas, 1);
	CHECK(np_page_put(pg[0]));
	CHECK_EQ(np_provider_destroy(prov), 0);
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a, y = (uintptr_t)*(void *const *)b;

	return x < y ? -1 : x > y;
}

/* @n blocks of @size bytes at @addrs do not overlap. Sorts @addrs. */
static void check_disjoint(void **addrs, size_t n, size_t size)
{
	qsort(addrs, n, sizeof(*addrs), cmp_ptr);
	for (size_t i = 1; i < n; i++)
		CHECK((uintptr_t)addrs[i - 1] + size <= (uintptr_t)addrs[i]);
}

static void test_bulk(void)
{
	enum { N = 64 };
	struct np_provider *prov;
	struct np_page *pg[N];
	void *addr[N];

	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	CHECK_EQ(np_page_alloc_bulk(prov, 0, NP_NUMA_NO_NODE, 0, pg, N), N);
	for (int i = 0; i < N; i++) {
		check_block(prov, pg[i], 0);
		addr[i] = np_page_address(pg[i]);
		memset(addr[i], i, NP_PAGE_SIZE);
	}
	check_disjoint(addr, N, NP_PAGE_SIZE);
	CHECK_EQ(stats(prov).alloc, N);
	CHECK_EQ(stats(prov).pages_out, N);

	CHECK_EQ(np_page_alloc_bulk(prov, 0, NP_NUMA_NO_NODE, 0, pg, 0), 0);
	CHECK_EQ(stats(prov).alloc, N);

	for (int i = 0; i < N; i++)
		CHECK(np_page_put(np_virt_to_page(addr[i])));
	CHECK_EQ(stats(prov).pages_out, 0);

	/* bulk of a higher order */
	CHECK_EQ(np_page_alloc_bulk(prov, 2, NP_NUMA_NO_NODE, 0, pg, 8), 8);
	for (int i = 0; i < 8; i++) {
		check_block(prov, pg[i], 2);
		addr[i] = np_page_address(pg[i]);
	}
	check_disjoint(addr, 8, NP_PAGE_SIZE << 2);
	CHECK_EQ(stats(prov).pages_out, 32);
	for (int i = 0; i < 8; i++)
		CHECK(np_page_put(pg[i]));
	CHECK_EQ(np_provider_destroy(prov), 0);
}

static void test_mem_limit(void)
{
	enum { LIMIT = 64 };
	struct np_provider_params params = { .mem_limit = LIMIT * NP_PAGE_SIZE, .name = "limit" };
	struct np_provider *prov;
	struct np_page *pg[LIMIT], *extra[4];
	struct np_provider_stats st;
	int got;

	CHECK_EQ(np_provider_create(&params, &prov), 0);
	for (int i = 0; i < LIMIT; i++) {
		pg[i] = np_page_alloc(prov, 0, NP_NUMA_NO_NODE, 0);
		CHECK(pg[i] != NULL);
	}
	CHECK(np_page_alloc(prov, 0, NP_NUMA_NO_NODE, 0) == NULL);
	st = stats(prov);
	CHECK_EQ(st.alloc, LIMIT);
	CHECK_EQ(st.alloc_fail, 1);
	CHECK_EQ(st.pages_out, LIMIT);
	CHECK_EQ(np_page_alloc_bulk(prov, 0, NP_NUMA_NO_NODE, 0, extra, 4), 0);
	CHECK(stats(prov).alloc_fail >= 2);

	/* a free makes room for exactly one more page */
	CHECK(np_page_put(pg[LIMIT - 1]));
	pg[LIMIT - 1] = np_page_alloc(prov, 0, NP_NUMA_NO_NODE, 0);
	CHECK(pg[LIMIT - 1] != NULL);
	CHECK(np_page_alloc(prov, 0, NP_NUMA_NO_NODE, 0) == NULL);

	/* the limit counts pages, not blocks: one free page is no room for two */
	CHECK(np_page_put(pg[LIMIT - 1]));
	CHECK(np_page_alloc(prov, 1, NP_NUMA_NO_NODE, 0) == NULL);
	CHECK(np_page_put(pg[LIMIT - 2]));
	pg[LIMIT - 2] = np_page_alloc(prov, 1, NP_NUMA_NO_NODE, 0);
	CHECK(pg[LIMIT - 2] != NULL);
	CHECK_EQ(stats(prov).pages_out, LIMIT);
	CHECK(np_page_put(pg[LIMIT - 2]));

	/* a bulk request near the limit gets what fits */
	got = np_page_alloc_bulk(prov, 0, NP_NUMA_NO_NODE, 0, extra, 4);
	CHECK(got >= 0 && got <= 2);
	for (int i = 0; i < got; i++)
		CHECK(np_page_put(extra[i]));

	for (int i = 0; i < LIMIT - 2; i++)
		CHECK(np_page_put(pg[i]));
	st = stats(prov);
	CHECK_EQ(st.pages_out, 0);
	CHECK_EQ(st.alloc, st.free);
	CHECK_EQ(np_provider_destroy(prov), 0);
}

static void test_reserve(void)
{
	enum { LIMIT = 64, RESERVE = 4 };
	struct np_provider_params params = {
		.mem_limit = LIMIT * NP_PAGE_SIZE,
		.reserve_pages = RESERVE,
	};
	struct np_provider *prov;
	struct np_page *pg[LIMIT + 1], *rsv[RESERVE];
	struct np_provider_stats st;
	int n = 0;

	CHECK_EQ(np_provider_create(&params, &prov), 0);
	/* plain allocations never touch the reserve, and stop at the limit */
	while (n <= LIMIT && (pg[n] = np_page_alloc(prov, 0, NP_NUMA_NO_NODE, 0)) != NULL) {
		CHECK(!np_page_is_reserve(pg[n]));
		n++;
	}
	CHECK(n >= LIMIT - RESERVE && n <= LIMIT);
	st = stats(prov);
	CHECK_EQ(st.reserve_alloc, 0);
	CHECK_EQ(st.alloc_fail, 1);

	/* at the limit, NP_GFP_RESERVE dips into the reserve */
	for (int i = 0; i < RESERVE; i++) {
		rsv[i] = np_page_alloc(prov, 0, NP_NUMA_NO_NODE, NP_GFP_RESERVE);
		CHECK(rsv[i] != NULL);
		CHECK(np_page_is_reserve(rsv[i]));
		CHECK(!np_page_is_pp(rsv[i]));
		CHECK_EQ(np_page_ref_count(rsv[i]), 1);
		CHECK_EQ(rsv[i]->order, 0);
		CHECK(np_virt_to_page(np_page_address(rsv[i])) == rsv[i]);
		CHECK(np_provider_contains(prov, np_page_address(rsv[i])));
		memset(np_page_address(rsv[i]), 0x5a, NP_PAGE_SIZE);
		/* ... while plain allocations still fail */
		CHECK(np_page_alloc(prov, 0, NP_NUMA_NO_NODE, 0) == NULL);
	}
	st = stats(prov);
	CHECK_EQ(st.reserve_alloc, RESERVE);
	CHECK_EQ(st.pages_out, (uint64_t)n + RESERVE);
	/* the reserve is spent */
	CHECK(np_page_alloc(prov, 0, NP_NUMA_NO_NODE, NP_GFP_RESERVE) == NULL);
	CHECK_EQ(stats(prov).reserve_alloc, RESERVE);

	/* the reserve bit is outside the signature mask */
	rsv[0]->pp_magic |= NP_PP_SIGNATURE;
	CHECK(np_page_is_pp(rsv[0]));
	CHECK(np_page_is_reserve(rsv[0]));
	rsv[0]->pp_magic &= NP_PAGE_ALLOC_BITS;
	CHECK(!np_page_is_pp(rsv[0]));
	CHECK(np_page_is_reserve(rsv[0]));
	pg[0]->pp_magic |= NP_PP_SIGNATURE;
	CHECK(np_page_is_pp(pg[0]));
	CHECK(!np_page_is_reserve(pg[0]));
	pg[0]->pp_magic &= NP_PAGE_ALLOC_BITS;
	CHECK(!np_page_is_pp(pg[0]));

	/* a freed reserve page can be taken again */
	CHECK(np_page_put(rsv[RESERVE - 1]));
	rsv[RESERVE - 1] = np_page_alloc(prov, 0, NP_NUMA_NO_NODE, NP_GFP_RESERVE);
	CHECK(rsv[RESERVE - 1] != NULL);
	CHECK(np_page_is_reserve(rsv[RESERVE - 1]));

	for (int i = 0; i < RESERVE; i++)
		CHECK(np_page_put(rsv[i]));
	for (int i = 0; i < n; i++)
		CHECK(np_page_put(pg[i]));
	CHECK_EQ(stats(prov).pages_out, 0);

	/* after everything came back, plain allocations carry no reserve bit */
	for (int i = 0; i < n; i++) {
		pg[i] = np_page_alloc(prov, 0, NP_NUMA_NO_NODE, 0);
		CHECK(pg[i] != NULL);
		CHECK(!np_page_is_reserve(pg[i]));
	}
	for (int i = 0; i < n; i++)
		CHECK(np_page_put(pg[i]));
	CHECK_EQ(np_provider_destroy(prov), 0);
}

/*
 * The reserve is carved out at creation and kept apart from the limit: a
 * reserve larger than the limit is accepted, one larger than an arena is not.
 */
static void test_reserve_over_limit(void)
{
	struct np_provider_params params = {
		.mem_limit = 4 * NP_PAGE_SIZE,
		.reserve_pages = 8,
	};
	struct np_provider *prov = NULL;
	struct np_page *pg[16];
	int n = 0;

	CHECK_EQ(np_provider_create(&params, &prov), 0);
	while (n < 16 && (pg[n] = np_page_alloc(prov, 0, 0, NP_GFP_RESERVE)))
		n++;
	CHECK_EQ(n, 12);	/* 4 within the limit, then the 8 reserve pages */
	CHECK(!np_page_is_reserve(pg[0]) && np_page_is_reserve(pg[11]));
	while (n)
		np_page_put(pg[--n]);
	CHECK_EQ(np_provider_destroy(prov), 0);

	params.mem_limit = 0;
	params.reserve_pages = NP_ARENA_PAGES;
	CHECK_EQ(np_provider_create(&params, &prov), -EINVAL);
}

static void test_node(void)
{
	struct np_provider *prov;
	struct np_page *a, *b, *c;

	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	a = np_page_alloc(prov, 0, 3, 0);
	CHECK(a != NULL);
	CHECK_EQ(a->node, 3);
	b = np_page_alloc(prov, 2, 1, 0);
	check_block(prov, b, 2);
	CHECK_EQ(b->node, 1);
	c = np_page_alloc(prov, 0, NP_NUMA_NO_NODE, 0);
	CHECK(c != NULL);
	CHECK_EQ(c->node, 0);
	CHECK(np_page_put(a));
	CHECK(np_page_put(b));
	CHECK(np_page_put(c));
	CHECK_EQ(np_provider_destroy(prov), 0);
}

/* More pages than one arena holds: the provider maps another. */
static void test_growth(void)
{
	const size_t n = NP_ARENA_PAGES + 1;
	struct np_provider *prov;
	struct np_provider_stats st;
	struct np_page **pg = calloc(n, sizeof(*pg));
	void **addr = calloc(n, sizeof(*addr));

	CHECK(pg && addr);
	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	for (size_t i = 0; i < n; i++) {
		pg[i] = np_page_alloc(prov, 0, NP_NUMA_NO_NODE, 0);
		CHECK(pg[i] != NULL);
		addr[i] = np_page_address(pg[i]);
		*(size_t *)addr[i] = i;
	}
	st = stats(prov);
	CHECK(st.arenas >= 2);
	CHECK(st.bytes_mapped >= 2 * NP_ARENA_SIZE);
	CHECK_EQ(st.pages_out, n);
	for (size_t i = 0; i < n; i++) {
		CHECK_EQ(*(size_t *)addr[i], i);
		CHECK(np_virt_to_page(addr[i]) == pg[i]);
		CHECK(np_provider_contains(prov, addr[i]));
	}
	check_disjoint(addr, n, NP_PAGE_SIZE);
	for (size_t i = 0; i < n; i++)
		CHECK(np_page_put(pg[i]));
	CHECK_EQ(stats(prov).pages_out, 0);
	CHECK_EQ(np_provider_destroy(prov), 0);
	free(pg);
	free(addr);
}

static void test_contains(void)
{
	struct np_provider *p1, *p2;
	struct np_page *a, *b;
	int local = 0;
	void *heap = malloc(64);

	CHECK(heap != NULL);
	CHECK_EQ(np_provider_create(NULL, &p1), 0);
	CHECK_EQ(np_provider_create(NULL, &p2), 0);
	a = np_page_alloc(p1, 1, NP_NUMA_NO_NODE, 0);
	b = np_page_alloc(p2, 0, NP_NUMA_NO_NODE, 0);
	CHECK(a && b);
	CHECK(np_provider_contains(p1, np_page_address(a)));
	CHECK(np_provider_contains(p1, (char *)np_page_address(a) + 2 * NP_PAGE_SIZE - 1));
	CHECK(!np_provider_contains(p1, np_page_address(b)));
	CHECK(np_provider_contains(p2, np_page_address(b)));
	CHECK(!np_provider_contains(p2, np_page_address(a)));
	CHECK(np_page_provider(a) == p1);
	CHECK(np_page_provider(b) == p2);
	CHECK(!np_provider_contains(p1, &local));
	CHECK(!np_provider_contains(p1, heap));
	CHECK(!np_provider_contains(p1, NULL));
	CHECK(np_page_put(a));
	CHECK(np_page_put(b));
	CHECK_EQ(np_provider_destroy(p1), 0);
	CHECK_EQ(np_provider_destroy(p2), 0);
	free(heap);
}

static void test_fixed(void)
{
	const size_t maplen = 2 * NP_ARENA_SIZE;
	const size_t max = NP_ARENA_PAGES;
	struct np_provider_params params = { .fixed_size = NP_ARENA_SIZE, .name = "umem" };
	struct np_provider *prov = NULL;
	struct np_provider_stats st;
	struct np_page **pg = calloc(max, sizeof(*pg));
	char *map, *base;
	size_t n = 0;

	CHECK(pg != NULL);
	map = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(map != MAP_FAILED);
	base = (char *)NP_ALIGN((uintptr_t)map, NP_ARENA_SIZE);

	/* misaligned or badly sized regions are refused */
	params.fixed_base = base + NP_PAGE_SIZE;
	CHECK_EQ(np_provider_create(&params, &prov), -EINVAL);
	params.fixed_base = base;
	params.fixed_size = NP_ARENA_SIZE / 2;
	CHECK_EQ(np_provider_create(&params, &prov), -EINVAL);
	params.fixed_size = 0;
	CHECK_EQ(np_provider_create(&params, &prov), -EINVAL);
	CHECK(prov == NULL);

	params.fixed_size = NP_ARENA_SIZE;
	CHECK_EQ(np_provider_create(&params, &prov), 0);
	CHECK(np_provider_base(prov) == base);

	/* pages come from the region only, until it is full */
	while (n < max && (pg[n] = np_page_alloc(prov, 0, NP_NUMA_NO_NODE, 0)) != NULL) {
		char *addr = np_page_address(pg[n]);

		CHECK(addr >= base && addr + NP_PAGE_SIZE <= base + NP_ARENA_SIZE);
		CHECK(np_provider_contains(prov, addr));
		CHECK(np_virt_to_page(addr) == pg[n]);
		addr[0] = 1;
		n++;
	}
	CHECK(n < max);			/* part of the region holds the descriptors */
	CHECK(n >= max * 9 / 10);
	st = stats(prov);
	CHECK_EQ(st.arenas, 1);		/* never grows */
	CHECK_EQ(st.pages_out, n);
	CHECK_EQ(st.alloc_fail, 1);
	CHECK(np_page_alloc(prov, 0, NP_NUMA_NO_NODE, 0) == NULL);
	CHECK(np_page_alloc(prov, 3, NP_NUMA_NO_NODE, 0) == NULL);
	CHECK_EQ(stats(prov).arenas, 1);
	CHECK(np_provider_base(prov) == base);

	CHECK(np_page_put(pg[n / 2]));
	pg[n / 2] = np_page_alloc(prov, 0, NP_NUMA_NO_NODE, 0);
	CHECK(pg[n / 2] != NULL);

	CHECK_EQ(np_provider_destroy(prov), -EBUSY);
	for (size_t i = 0; i < n; i++)
		CHECK(np_page_put(pg[i]));

	/* large blocks from the emptied region, still inside it */
	pg[0] = np_page_alloc(prov, NP_PAGE_MAX_ORDER, NP_NUMA_NO_NODE, 0);
	check_block(prov, pg[0], NP_PAGE_MAX_ORDER);
	CHECK((char *)np_page_address(pg[0]) >= base);
	CHECK((char *)np_page_address(pg[0]) < base + NP_ARENA_SIZE);
	CHECK(np_page_put(pg[0]));

	CHECK_EQ(stats(prov).pages_out, 0);
	CHECK_EQ(np_provider_destroy(prov), 0);
	CHECK_EQ(munmap(map, maplen), 0);
	free(pg);
}

static void test_destroy_busy(void)
{
	struct np_provider *prov;
	struct np_page *pg;

	CHECK_EQ(np_provider_destroy(NULL), 0);
	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	pg = np_page_alloc(prov, 2, NP_NUMA_NO_NODE, 0);
	CHECK(pg != NULL);
	CHECK_EQ(np_provider_destroy(prov), -EBUSY);
	/* nothing was done: the provider and its page still work */
	memset(np_page_address(pg), 1, np_page_size(pg));
	check_block(prov, pg, 2);
	np_page_get(pg);
	CHECK(!np_page_put(pg));
	CHECK_EQ(np_provider_destroy(prov), -EBUSY);
	CHECK(np_page_put(pg));
	CHECK_EQ(np_provider_destroy(prov), 0);
}

static void test_fault(void)
{
	struct np_provider *prov;
	struct np_page *a, *b, *c;

	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	CHECK_EQ(np_fault_set(NP_FAULT_PAGE_ALLOC, &(struct np_fault_spec){ .nth = 2 }), 0);
	a = np_page_alloc(prov, 0, NP_NUMA_NO_NODE, 0);
	b = np_page_alloc(prov, 0, NP_NUMA_NO_NODE, 0);
	c = np_page_alloc(prov, 0, NP_NUMA_NO_NODE, 0);
	CHECK(a != NULL);
	CHECK(b == NULL);
	CHECK(c != NULL);
	CHECK_EQ(np_fault_injected(NP_FAULT_PAGE_ALLOC), 1);
	CHECK_EQ(stats(prov).alloc_fail, 1);
	CHECK_EQ(stats(prov).alloc, 2);
	CHECK_EQ(stats(prov).pages_out, 2);
	np_fault_reset();
	b = np_page_alloc(prov, 0, NP_NUMA_NO_NODE, 0);
	CHECK(b != NULL);
	CHECK(np_page_put(a));
	CHECK(np_page_put(b));
	CHECK(np_page_put(c));
	CHECK_EQ(np_provider_destroy(prov), 0);
}

static void test_zero(void)
{
	enum { N = 16, ORDER = 2 };
	const size_t size = NP_PAGE_SIZE << ORDER;
	struct np_provider *prov;
	struct np_page *pg[N];

	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	/* dirty some blocks and give them back ... */
	for (int i = 0; i < N; i++) {
		pg[i] = np_page_alloc(prov, ORDER, NP_NUMA_NO_NODE, 0);
		CHECK(pg[i] != NULL);
		memset(np_page_address(pg[i]), 0xab, size);
	}
	for (int i = 0; i < N; i++)
		CHECK(np_page_put(pg[i]));
	/* ... then zeroed allocations see none of it */
	for (int i = 0; i < N; i++) {
		const unsigned char *p;

		pg[i] = np_page_alloc(prov, ORDER, NP_NUMA_NO_NODE, NP_GFP_ZERO);
		CHECK(pg[i] != NULL);
		p = np_page_address(pg[i]);
		for (size_t j = 0; j < size; j++)
			CHECK(p[j] == 0);
		memset(np_page_address(pg[i]), 0xcd, size);
	}
	for (int i = 0; i < N; i++)
		CHECK(np_page_put(pg[i]));
	/* the bulk form zeroes too */
	CHECK_EQ(np_page_alloc_bulk(prov, ORDER, NP_NUMA_NO_NODE, NP_GFP_ZERO, pg, N), N);
	for (int i = 0; i < N; i++) {
		const unsigned char *p = np_page_address(pg[i]);

		for (size_t j = 0; j < size; j++)
			CHECK(p[j] == 0);
	}
	for (int i = 0; i < N; i++)
		CHECK(np_page_put(pg[i]));
	CHECK_EQ(np_provider_destroy(prov), 0);
}

int main(void)
{
	np_fault_reset();
	test_orders();
	test_bulk();
	test_mem_limit();
	test_reserve();
	test_node();
	test_growth();
	test_contains();
	test_fixed();
	test_destroy_busy();
	test_fault();
	test_zero();
	test_reserve_over_limit();
	printf("test_page_provider: ok\n");
	return 0;
}
