/* SPDX-License-Identifier: MIT */
/*
 * Use after recycle is caught: a write to a page after it went back to its
 * pool is reported by AddressSanitizer (pages idle in a pool are poisoned for
 * it) or, in NP_DEBUG builds, when the page leaves the pool again (poison
 * fill and check). The misuse runs in a child process; the parent checks the
 * child died with the report. Without either mechanism the test skips.
 */
#include <sys/wait.h>
#include <unistd.h>
#include "testutil.h"

#if defined(NP_HAVE_ASAN)
#define EXPECT "use-after-poison"
#elif NP_DEBUG >= 1
#define EXPECT "use after recycle"
#endif

static struct np_pool *make_pool(struct np_provider **prov)
{
	struct np_pool_params pp = { .nid = NP_NUMA_NO_NODE };
	struct np_pool *pool;

	CHECK_EQ(np_provider_create(NULL, prov), 0);
	pp.provider = *prov;
	CHECK_EQ(np_pool_create(&pp, &pool), 0);
	return pool;
}

/* The misuse: keep a pointer into an skb-like buffer after freeing it. */
static void child_misuse(bool via_ring)
{
	struct np_provider *prov;
	struct np_pool *pool = make_pool(&prov);
	struct np_page *page = np_pool_alloc_pages(pool);
	volatile unsigned char *data = np_page_address(page);

	data[100] = 1;
	np_pool_put_full_page(pool, page, !via_ring);
	data[100] = 2;			/* the bug */
	page = np_pool_alloc_pages(pool);	/* debug builds check here */
	np_pool_recycle_direct(pool, page);
	np_pool_destroy(pool);
	_exit(0);
}

static void child_misuse_arg(int via_ring)
{
	child_misuse(via_ring != 0);
}

static bool run_child(bool via_ring, char *out, size_t len)
{
	return t_run_child(child_misuse_arg, via_ring, out, len);
}

#ifndef EXPECT
int main(void)
{
	(void)run_child;
	SKIP("use-after-recycle detection needs an ASan or NP_DEBUG>=1 build");
}
#else
int main(void)
{
	static char report[65536];
	struct np_provider *prov;
	struct np_pool *pool;
	struct np_page *page;

	/* correct use: no report */
	pool = make_pool(&prov);
	for (int i = 0; i < 1000; i++) {
		page = np_pool_alloc_pages(pool);
		memset(np_page_address(page), i, NP_PAGE_SIZE);
		np_pool_put_full_page(pool, page, i & 1);
	}
	np_pool_destroy(pool);
	CHECK_EQ(np_provider_destroy(prov), 0);

	for (int via_ring = 0; via_ring <= 1; via_ring++) {
		CHECK(run_child(via_ring, report, sizeof(report)));
		if (!strstr(report, EXPECT)) {
			fprintf(stderr, "child report lacks '%s':\n%s\n", EXPECT, report);
			return 1;
		}
	}
	return 0;
}
#endif
