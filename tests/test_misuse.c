/* SPDX-License-Identifier: MIT */
/*
 * Misuse reports name the buffer and the call site. Each misuse runs in a
 * child process that first prints the buffer's address and the line of its
 * bad call, then commits it; the parent checks that the child died with a
 * report that says what went wrong, names that buffer and points at that
 * line of this file:
 *   - a pool page returned twice (double free)
 *   - a page of one pool returned to another (wrong pool)
 *   - an skb freed twice
 *   - a page reference dropped twice
 *   - a pool page written after it was recycled (use after recycle)
 * Debug builds (NP_DEBUG >= 1) report through np_misuse(), with the call site
 * this program recorded. Under AddressSanitizer a freed skb struct and an idle
 * page are poisoned, so ASan may catch the access first: its report names the
 * line in its stack trace, which is accepted for those two. Each sequence
 * without its bad step runs clean first, so a report can come only from the
 * bug. A release build has no such checks and skips.
 */
#include <sys/wait.h>
#include <unistd.h>
#include "testutil.h"

enum misuse {
	M_POOL_DOUBLE_FREE,
	M_WRONG_POOL,
	M_SKB_DOUBLE_FREE,
	M_PAGE_DOUBLE_PUT,
	M_USE_AFTER_RECYCLE,
	M_NR,
};

static const struct {
	const char *name;
	const char *says;	/* in np_misuse()'s report */
	bool asan_may_catch;	/* the buffer is poisoned for ASan when misused */
} cases[M_NR] = {
	{ "pool page double free", "double free", false },
	{ "wrong pool", "wrong pool", false },
	{ "skb double free", "double free", true },
	{ "page reference double put", "double free", true },
	{ "use after recycle", "use after recycle", true },
};

/* What the child says before its bad call: the buffer, and the line ASan and we should name. */
static void announce(const void *buf, int line_ours, int line_asan)
{
	fprintf(stderr, "MISUSE buffer=%p ours=%d asan=%d\n", buf, line_ours, line_asan);
	fflush(stderr);
}

static struct np_pool *make_pool(struct np_provider *prov)
{
	struct np_pool_params pp = { .nid = NP_NUMA_NO_NODE, .provider = prov };
	struct np_pool *pool;

	CHECK_EQ(np_pool_create(&pp, &pool), 0);
	return pool;
}

/* Run case @m; with @bad false, everything but the misuse (must end clean). */
static void scenario(enum misuse m, bool bad)
{
	struct np_provider *prov;
	struct np_pool *a, *b;
	struct np_page *page;
	struct np_skb *skb;
	volatile unsigned char *data;

	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	a = make_pool(prov);
	b = make_pool(prov);
	switch (m) {
	case M_POOL_DOUBLE_FREE:
		page = np_pool_alloc_pages(a);
		CHECK(page);
		np_pool_recycle_direct(a, page);
		if (bad) {
			announce(page, __LINE__ + 1, 0);
			np_pool_recycle_direct(a, page);
		}
		break;
	case M_WRONG_POOL:
		page = np_pool_alloc_pages(a);
		CHECK(page);
		if (bad) {
			announce(page, __LINE__ + 1, 0);
			np_pool_recycle_direct(b, page);
		}
		np_pool_recycle_direct(a, page);
		break;
	case M_SKB_DOUBLE_FREE:
		skb = np_alloc_skb(200);
		CHECK(skb);
		np_kfree_skb(skb);
		if (bad) {
			announce(skb, __LINE__ + 1, __LINE__ + 1);
			np_kfree_skb(skb);
		}
		break;
	case M_PAGE_DOUBLE_PUT:
		page = np_page_alloc(prov, 0, NP_NUMA_NO_NODE, 0);
		CHECK(page);
		CHECK(np_page_put(page));
		if (bad) {
			announce(page, __LINE__ + 1, __LINE__ + 1);
			np_page_put(page);
		}
		break;
	case M_USE_AFTER_RECYCLE:
		page = np_pool_alloc_pages(a);
		CHECK(page);
		data = np_page_address(page);
		np_pool_recycle_direct(a, page);
		if (bad) {
			/* ASan sees the write; the debug pattern is checked when the page leaves */
			announce(page, __LINE__ + 2, __LINE__ + 1);
			data[64] = 1;
			page = np_pool_alloc_pages(a);
		} else {
			(void)data;
			page = np_pool_alloc_pages(a);
		}
		np_pool_recycle_direct(a, page);
		break;
	default:
		break;
	}
	np_skb_thread_flush();
	CHECK_EQ(np_skb_live(), 0);
	np_pool_destroy(a);
	np_pool_destroy(b);
	CHECK_EQ(np_provider_destroy(prov), 0);
}

static void child(int m)
{
	scenario((enum misuse)m, true);
}

#if !defined(NP_HAVE_ASAN) && NP_DEBUG < 1
int main(void)
{
	(void)child;
	(void)cases;
	SKIP("misuse reports need an NP_DEBUG>=1 or ASan build");
}
#else
/* The report must name the buffer and the line; ours also says what happened. */
static bool check_report(enum misuse m, const char *report)
{
	const char *ann = strstr(report, "MISUSE buffer=");
	char buf[64], site[64];
	int ours = 0, asan = 0;
	void *p = NULL;

	if (!ann || sscanf(ann, "MISUSE buffer=%p ours=%d asan=%d", &p, &ours, &asan) != 3) {
		fprintf(stderr, "%s: the child never reached its misuse\n", cases[m].name);
		return false;
	}
	snprintf(buf, sizeof(buf), "%p", p);
	if (strstr(report, "netpool: misuse: ")) {
		snprintf(site, sizeof(site), "test_misuse.c:%d in scenario()", ours);
		if (!strstr(report, cases[m].says) || !strstr(strstr(report, "netpool: misuse"), buf) ||
		    !strstr(report, site)) {
			fprintf(stderr, "%s: report lacks '%s', the buffer %s or '%s'\n",
				cases[m].name, cases[m].says, buf, site);
			return false;
		}
		return true;
	}
#ifdef NP_HAVE_ASAN
	if (cases[m].asan_may_catch && strstr(report, "ERROR: AddressSanitizer")) {
		snprintf(site, sizeof(site), "test_misuse.c:%d", asan);
		if (!strstr(report, site)) {
			fprintf(stderr, "%s: ASan's report lacks '%s'\n", cases[m].name, site);
			return false;
		}
		return true;
	}
#endif
	fprintf(stderr, "%s: no misuse report\n", cases[m].name);
	return false;
}

int main(void)
{
	static char report[65536];

	for (int m = 0; m < M_NR; m++)
		scenario((enum misuse)m, false);
	for (int m = 0; m < M_NR; m++) {
		CHECK(t_run_child(child, m, report, sizeof(report)));
		if (!check_report((enum misuse)m, report)) {
			fprintf(stderr, "--- child's output:\n%s\n", report);
			return 1;
		}
		printf("%-28s reported with buffer and call site:\n", cases[m].name);
		/* the report's first lines, as a user sees them */
		{
			const char *r = strstr(report, "netpool: misuse");
			int lines = 0;

			if (!r)
				r = strstr(report, "ERROR: AddressSanitizer");
			for (; r && *r && lines < 3; r++) {
				putchar(*r);
				if (*r == '\n')
					lines++;
			}
		}
	}
	return 0;
}
#endif
