/* SPDX-License-Identifier: MIT */
/*
 * A first program against an installed netpool: a pool, a page, an skb
 * built on it and marked for recycle, a clone, both freed; the page comes
 * back to the pool. Built by scripts/check-install.sh with pkg-config,
 * dynamically and statically, from C and from C++.
 */
#include <netpool.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	struct np_pool_params pp;
	struct np_pool_stats st;
	struct np_provider *prov;
	struct np_pool *pool;
	struct np_page *page;
	struct np_skb *skb, *clone;

	memset(&pp, 0, sizeof(pp));	/* the same from C and C++ */
	memset(&st, 0, sizeof(st));
	if (np_provider_create(NULL, &prov))
		return 1;
	pp.nid = NP_NUMA_NO_NODE;
	pp.provider = prov;
	if (np_pool_create(&pp, &pool))
		return 1;
	page = np_pool_alloc_pages(pool);
	skb = page ? np_build_skb(np_page_address(page), (uint32_t)np_page_size(page)) : NULL;
	if (!skb)
		return 1;
	np_skb_reserve(skb, NP_SKB_PAD);
	if (!np_skb_put(skb, 64))
		return 1;
	np_skb_mark_for_recycle(skb);
	clone = np_skb_clone(skb);
	np_kfree_skb(skb);
	np_kfree_skb(clone);
	st.size = sizeof(st);
	np_pool_get_stats(pool, &st);
	printf("netpool %s: %llu page recycled\n", np_version(NULL, NULL, NULL),
	       (unsigned long long)(st.recycle.cached + st.recycle.ring));
	np_pool_destroy(pool);
	np_skb_thread_flush();
	return np_provider_destroy(prov) == 0 && st.recycle.cached + st.recycle.ring == 1 ? 0 : 1;
}
