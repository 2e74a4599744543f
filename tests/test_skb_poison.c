/* SPDX-License-Identifier: MIT */
/*
 * Use after recycle through an skb: a driver keeps a pointer into a packet
 * (its head, or one of its frags), frees the skb, the page goes back to its
 * pool, and the driver then touches the stale pointer. Pages idle in a pool
 * are poisoned for AddressSanitizer, which reports the access on the spot
 * (reads too); NP_DEBUG builds fill idle pages with a pattern and report a
 * write when the page leaves the pool again. A freed skb struct is poisoned
 * for ASan as well, so reading one after free is caught there.
 *
 * Each misuse runs in a child process; the parent checks that the child
 * died with the report. The same sequences without the stale access must run
 * clean (checked first, in this process), so a report can only come from the
 * bug. Without ASan or NP_DEBUG the test skips.
 */
#include <sys/wait.h>
#include <unistd.h>
#include "skbtest.h"

#if defined(NP_HAVE_ASAN)
#define EXPECT "use-after-poison"
#elif NP_DEBUG >= 1
#define EXPECT "use after recycle"
#endif

enum misuse {
	M_NONE,
	M_HEAD_WRITE_DIRECT,	/* consumed inside the owning napi: page in the cache */
	M_HEAD_WRITE_RING,	/* freed outside it: page in the return ring */
	M_CLONE_WRITE,		/* original and clone freed, written through the clone's data */
	M_FRAG_WRITE,		/* a pool frag of a multi-buffer skb */
	M_HEAD_READ,		/* ASan only: reads leave no trace in the pattern */
	M_STRUCT_READ,		/* ASan only: the skb struct itself, after free */
	M_NR,
};

static const char *const misuse_names[M_NR] = {
	"none", "head write (direct)", "head write (ring)", "clone write", "frag write",
	"head read", "struct read",
};

static struct np_skb *rx_skb(struct env *e, uint32_t len)
{
	struct np_page *page = np_pool_alloc_pages(e->pool);
	struct np_skb *skb;

	CHECK(page);
	skb = np_build_skb(np_page_address(page), NP_PAGE_SIZE);
	CHECK(skb);
	np_skb_reserve(skb, NP_SKB_PAD);
	CHECK(np_skb_put(skb, len));
	memset(skb->data, 0x5a, len);
	np_skb_mark_for_recycle(skb);
	return skb;
}

/* Take the pool's pages back out, so that the debug check looks at each. */
static void drain_cache(struct env *e)
{
	struct np_page *pages[256];
	unsigned n = 0;

	while (n < 256 && (pages[n] = np_pool_alloc_pages(e->pool)))
		n++;
	while (n)
		np_pool_recycle_direct(e->pool, pages[--n]);
}

/* One RX skb's life with the stale access @m at the end; M_NONE is the correct use. */
static void scenario(enum misuse m)
{
	struct env e;
	struct np_napi_ctx *prev;
	struct np_skb *skb, *clone;
	volatile unsigned char *stale;
	struct np_page *fpage;
	volatile unsigned sink = 0;

	env_init_flags(&e, NULL, ENV_OWN_NAPI);
	skb = rx_skb(&e, 300);
	stale = skb->data + 10;
	switch (m) {
	case M_NONE:
	case M_HEAD_WRITE_DIRECT:
	case M_HEAD_READ:
		prev = np_napi_ctx_enter(&e.napi);
		np_napi_consume_skb(skb, 64);
		np_napi_ctx_leave(prev);
		if (m == M_HEAD_WRITE_DIRECT)
			stale[0] = 1;
		else if (m == M_HEAD_READ)
			sink += stale[0];
		break;
	case M_HEAD_WRITE_RING:
		np_consume_skb(skb);	/* not inside the napi: through the ring */
		stale[0] = 2;
		break;
	case M_CLONE_WRITE:
		clone = np_skb_clone(skb);
		CHECK(clone);
		stale = clone->data + 20;
		np_kfree_skb(skb);
		stale[0] = 3;		/* still fine: the clone holds the data */
		np_kfree_skb(clone);
		stale[0] = 4;		/* the bug */
		break;
	case M_FRAG_WRITE:
		fpage = np_pool_alloc_pages(e.pool);
		CHECK(fpage);
		np_skb_add_rx_frag(skb, 0, fpage, 0, 1000, NP_PAGE_SIZE);
		stale = (unsigned char *)np_page_address(fpage) + 500;
		prev = np_napi_ctx_enter(&e.napi);
		np_napi_consume_skb(skb, 64);
		np_napi_ctx_leave(prev);
		stale[0] = 5;
		break;
	case M_STRUCT_READ:
		np_consume_skb(skb);
		sink += ((volatile struct np_skb *)skb)->len;
		break;
	case M_NR:
		break;
	}
	(void)sink;
	drain_cache(&e);
	np_skb_thread_flush();
	CHECK_EQ(np_skb_live(), 0);
	np_pool_destroy(e.pool);
	CHECK_EQ(np_provider_destroy(e.prov), 0);
}

static void scenario_arg(int m)
{
	scenario((enum misuse)m);
}

static bool run_child(enum misuse m, char *out, size_t len)
{
	return t_run_child(scenario_arg, (int)m, out, len);
}

#ifndef EXPECT
int main(void)
{
	(void)run_child;
	(void)misuse_names;
	SKIP("use-after-recycle detection needs an ASan or NP_DEBUG>=1 build");
}
#else
int main(void)
{
	static char report[65536];

	scenario(M_NONE);
	for (int m = M_NONE + 1; m < M_NR; m++) {
#if !defined(NP_HAVE_ASAN)
		if (m == M_HEAD_READ || m == M_STRUCT_READ)
			continue;
#endif
		CHECK(run_child((enum misuse)m, report, sizeof(report)));
		if (!strstr(report, EXPECT)) {
			fprintf(stderr, "%s: child report lacks '%s':\n%s\n", misuse_names[m], EXPECT,
				report);
			return 1;
		}
		printf("%-22s caught\n", misuse_names[m]);
	}
	return 0;
}
#endif
