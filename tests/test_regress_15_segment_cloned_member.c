/* SPDX-License-Identifier: MIT */
/*
 * docs/regressions.md R15: a segment of a GRO packet never shares by page
 * reference the head of a frag_list member that is a clone: once the packet
 * is freed the other holder of that head may write its tailroom again, and
 * the segment's bytes must not change. Found by the model soak, seed
 * 197993422.
 *
 * Caught, with the bug put back: np_seg_iter_piece() sharing every member's
 * head_frag page (its `!s->cloned` test removed): the segment's bytes read
 * back 0xee after the original's tailroom is written.
 */
#include "testutil.h"

static struct np_skb *pool_skb(struct np_pool *pool, uint32_t len, uint8_t seed)
{
	struct np_page *page = np_pool_alloc_pages(pool);
	struct np_skb *skb;
	unsigned char *p;

	CHECK(page);
	skb = np_build_skb(np_page_address(page), NP_PAGE_SIZE);
	CHECK(skb);
	np_skb_reserve(skb, 128);
	p = np_skb_put(skb, len);
	CHECK(p);
	for (uint32_t i = 0; i < len; i++)
		p[i] = (unsigned char)(seed + i);
	np_skb_mark_for_recycle(skb);
	return skb;
}

int main(void)
{
	struct np_pool_params pp = { .nid = NP_NUMA_NO_NODE };
	static unsigned char want[8192], got[8192];
	struct np_provider *prov;
	struct np_pool *pool;
	struct np_skb *orig, *clone, *head, *segs, *s;
	unsigned char fill[400];
	uint32_t id, total, off;

	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	pp.provider = prov;
	CHECK_EQ(np_pool_create(&pp, &pool), 0);
	id = pool->id;

	orig = pool_skb(pool, 600, 7);
	clone = np_skb_clone(orig);
	CHECK(clone);
	head = pool_skb(pool, 100, 1);
	/* a cloned skb cannot give up its head or frags: GRO chains it whole */
	CHECK_EQ(np_skb_gro_receive(head, clone), 0);
	CHECK(np_skb_shinfo(head)->frag_list == clone);
	np_skb_shinfo(head)->gso_size = 200;
	total = head->len;
	CHECK_EQ(np_skb_copy_bits(head, 0, want, total), 0);

	segs = np_skb_segment(head, 42, NP_NETIF_F_SG);
	CHECK(segs);
	np_kfree_skb(head);		/* the clone goes with it: orig is alone again */
	CHECK(!np_skb_cloned(orig));

	/* orig's owner trims it and writes into what is now its tailroom */
	np_skb_trim(orig, 10);
	memset(fill, 0xee, sizeof(fill));
	CHECK(np_skb_put_data(orig, fill, sizeof(fill)));

	/* every segment still carries the packet's bytes: header, then its share of the payload */
	off = 42;
	for (s = segs; s; s = s->next) {
		uint32_t pay = s->len - 42;

		CHECK_EQ(np_skb_copy_bits(s, 0, got, s->len), 0);
		CHECK(!memcmp(got, want, 42));
		if (memcmp(got + 42, want + off, pay)) {
			fprintf(stderr, "FAIL: a segment's payload changed when the original's "
					"tailroom was written\n");
			return 1;
		}
		off += pay;
	}
	CHECK_EQ(off, total);

	np_kfree_skb_list(segs);
	np_kfree_skb(orig);
	np_skb_thread_flush();
	CHECK_EQ(np_skb_live(), 0);
	np_pool_destroy(pool);
	CHECK(t_wait_pool_freed(id, 10000));
	CHECK_EQ(np_provider_destroy(prov), 0);
	return 0;
}
