/* SPDX-License-Identifier: MIT */
/*
 * skb sharing: np_skb_copy, np_pskb_copy, np_skb_cow_head, np_skb_unshare,
 * np_skb_cow_data_for_xdp.
 *   - every copy holds the same bytes (np_skb_copy_bits) and the metadata;
 *   - np_skb_copy: one private linear head, no frags, pp_recycle 0, the
 *     source's pages untouched;
 *   - np_pskb_copy: private head, frags shared by page references (refcount
 *     + 1, pp_ref_count unchanged), pp_recycle 0, frag_list members shared;
 *   - freeing copies, clones and originals in every order returns each pool
 *     page exactly once: recycled when the pool reference is the last user,
 *     released when a page reference still holds it;
 *   - np_skb_cow_head: expands only when cloned or short of headroom;
 *   - np_skb_unshare: the original back when not cloned, else a private copy;
 *   - np_skb_cow_data_for_xdp: a private skb of the pool's pages stays; any
 *     other (shared, cloned, small or foreign head, frags outside the pool,
 *     frag_list) is rebuilt in the pool's pages and marked for recycle; on
 *     failure the skb is left as it was.
 * Each part ends with no skb, no page and no pool left over.
 */
#include "testutil.h"

#define MAXLEN		(256 * 1024)
#define FOREIGN_LEN	500
#include "skbtest.h"

/* ---- building packets; @want collects the bytes in packet order ---- */

/* An skb on a pool page (pool reference, marked for recycle) with @headlen bytes. */
static struct np_skb *rx_skb(struct np_pool *pool, uint32_t headlen, uint8_t *want)
{
	struct np_page *page = np_pool_alloc_pages(pool);
	struct np_skb *skb;
	void *p;

	CHECK(page);
	skb = np_build_skb(np_page_address(page), (uint32_t)np_page_size(page));
	CHECK(skb);
	np_skb_reserve(skb, NP_SKB_PAD);
	p = np_skb_put(skb, headlen);
	CHECK(p);
	fill(p, headlen);
	memcpy(want, p, headlen);
	np_skb_mark_for_recycle(skb);
	return skb;
}

static struct np_page *add_foreign_frag(struct np_skb *skb, struct np_provider *prov,
					unsigned order, uint32_t len, uint8_t *want)
{
	struct np_page *page = np_page_alloc(prov, order, NP_NUMA_NO_NODE, 0);

	CHECK(page);
	append_frag(skb, page, 0, len, want);
	return page;
}

/* Chain @m at the end of @skb's frag_list; its bytes follow @skb's. */
static void add_list(struct np_skb *skb, struct np_skb *m, const uint8_t *mwant, uint8_t *want)
{
	struct np_skb **pp = &np_skb_shinfo(skb)->frag_list;

	while (*pp)
		pp = &(*pp)->next;
	*pp = m;
	memcpy(want + skb->len, mwant, m->len);
	skb->len += m->len;
	skb->data_len += m->len;
	skb->truesize += m->truesize;
}

static void set_meta(struct np_skb *skb)
{
	skb->mac_header = (uint16_t)np_skb_headroom(skb);
	skb->network_header = (uint16_t)(skb->mac_header + 14);
	skb->transport_header = (uint16_t)(skb->network_header + 20);
	skb->protocol = 0x0008;
	skb->hash = 0xabcdef01u;
	skb->mark = 77;
	skb->queue_mapping = 3;
	memcpy(skb->cb, "scratch", 8);
	np_skb_shinfo(skb)->gso_size = 1448;
	np_skb_shinfo(skb)->gso_type = NP_SKB_GSO_TCPV4;
}

/* @n carries @skb's metadata with header offsets moved by @off. */
static void check_meta(const struct np_skb *n, const struct np_skb *skb, int off)
{
	CHECK_EQ(n->mac_header, skb->mac_header + off);
	CHECK_EQ(n->network_header, skb->network_header + off);
	CHECK_EQ(n->transport_header, skb->transport_header + off);
	CHECK_EQ(n->protocol, skb->protocol);
	CHECK_EQ(n->hash, skb->hash);
	CHECK_EQ(n->mark, skb->mark);
	CHECK_EQ(n->queue_mapping, skb->queue_mapping);
	CHECK(memcmp(n->cb, skb->cb, sizeof(n->cb)) == 0);
	CHECK_EQ(np_skb_shinfo(n)->gso_size, np_skb_shinfo(skb)->gso_size);
	CHECK_EQ(np_skb_shinfo(n)->gso_type, np_skb_shinfo(skb)->gso_type);
	CHECK_EQ(atomic_load(&n->users), 1);
	CHECK(!n->cloned);
}

/*
 * The test packet: a pool head, three pool frags, one frag of a page outside
 * any pool, and a frag_list member with a pool head and a pool frag.
 * Six pool pages, one foreign page.
 */
struct pkt {
	struct np_skb *skb;
	struct np_page *frag[4];	/* [3] is the foreign page */
	uint32_t len;
	uint8_t want[MAXLEN];
};

#define PKT_POOL_PAGES	6

static void pkt_build(struct pkt *p, struct env *e)
{
	static uint8_t mwant[MAXLEN];
	struct np_skb *m;

	p->skb = rx_skb(e->pool, 200, p->want);
	set_meta(p->skb);
	for (int i = 0; i < 3; i++)
		p->frag[i] = append_pool_page(e->pool, p->skb, 1000 + 10 * (uint32_t)i, p->want);
	p->frag[3] = add_foreign_frag(p->skb, e->prov, 0, FOREIGN_LEN, p->want);
	m = rx_skb(e->pool, 300, mwant);
	append_pool_page(e->pool, m, 700, mwant);
	add_list(p->skb, m, mwant, p->want);
	p->len = p->skb->len;
	CHECK_EQ(p->len, 200 + 1000 + 1010 + 1020 + FOREIGN_LEN + 300 + 700);
}

static struct pkt pa;

/* np_skb_copy: a private linear copy; the source's pages are not touched. */
static void test_copy(void)
{
	for (int order = 0; order < 2; order++) {
		struct env e;
		struct fate f0;
		struct np_skb *n;
		int ref[4];
		long ppref[3];

		env_init_pool_only(&e);
		pkt_build(&pa, &e);
		for (int i = 0; i < 4; i++)
			ref[i] = np_page_ref_count(pa.frag[i]);
		for (int i = 0; i < 3; i++)
			ppref[i] = atomic_load(&pa.frag[i]->pp_ref_count);

		n = np_skb_copy(pa.skb);
		CHECK(n);
		CHECK(!np_skb_is_nonlinear(n) && !n->pp_recycle && !n->head_frag);
		CHECK_EQ(np_skb_shinfo(n)->nr_frags, 0);
		CHECK(!np_skb_has_frag_list(n));
		CHECK_EQ(np_skb_headroom(n), np_skb_headroom(pa.skb));
		check_meta(n, pa.skb, 0);
		check_bytes(n, pa.want, pa.len);
		check_bytes(pa.skb, pa.want, pa.len);
		for (int i = 0; i < 4; i++)
			CHECK_EQ(np_page_ref_count(pa.frag[i]), ref[i]);
		for (int i = 0; i < 3; i++)
			CHECK_EQ(atomic_load(&pa.frag[i]->pp_ref_count), ppref[i]);
		CHECK(!np_skb_cloned(pa.skb));

		/* the copy is writable without touching the source */
		memset(n->data, 0x5a, np_skb_headlen(n));
		check_bytes(pa.skb, pa.want, pa.len);

		f0 = fate_now(e.pool);
		if (order == 0) {
			np_kfree_skb(n);
			CHECK_FATE(e.pool, &f0, 0, 0);
			np_kfree_skb(pa.skb);
		} else {
			np_kfree_skb(pa.skb);
			CHECK_FATE(e.pool, &f0, PKT_POOL_PAGES, 0);
			np_kfree_skb(n);
		}
		CHECK_FATE(e.pool, &f0, PKT_POOL_PAGES, 0);
		env_fini(&e);
	}
}

/*
 * np_pskb_copy: the head is private; the frags are shared with page
 * references; the frag_list members are shared whole.
 *   copy freed first: its page references go, the original recycles all six;
 *   original first: its head recycles, the three shared pool frags are
 *   released (still referenced by the copy), the member stays with the copy
 *   and recycles when the copy goes.
 */
static void test_pskb_copy(void)
{
	for (int order = 0; order < 2; order++) {
		struct env e;
		struct fate f0;
		struct np_skb *n, *m;
		int ref[4];
		long ppref[3];

		env_init_pool_only(&e);
		pkt_build(&pa, &e);
		m = np_skb_shinfo(pa.skb)->frag_list;
		for (int i = 0; i < 4; i++)
			ref[i] = np_page_ref_count(pa.frag[i]);
		for (int i = 0; i < 3; i++)
			ppref[i] = atomic_load(&pa.frag[i]->pp_ref_count);

		n = np_pskb_copy(pa.skb);
		CHECK(n);
		CHECK(!n->pp_recycle && !n->head_frag);
		CHECK(pa.skb->pp_recycle && !np_skb_cloned(pa.skb));
		CHECK(n->head != pa.skb->head);
		CHECK_EQ(n->len, pa.skb->len);
		CHECK_EQ(n->data_len, pa.skb->data_len);
		CHECK_EQ(np_skb_headroom(n), np_skb_headroom(pa.skb));
		CHECK_EQ(np_skb_shinfo(n)->nr_frags, 4);
		for (int i = 0; i < 4; i++) {
			const struct np_skb_frag *a = &np_skb_shinfo(pa.skb)->frags[i];
			const struct np_skb_frag *b = &np_skb_shinfo(n)->frags[i];

			CHECK(a->page == b->page && a->offset == b->offset && a->len == b->len);
			/* one page reference more, never a pool reference */
			CHECK_EQ(np_page_ref_count(pa.frag[i]), ref[i] + 1);
		}
		for (int i = 0; i < 3; i++)
			CHECK_EQ(atomic_load(&pa.frag[i]->pp_ref_count), ppref[i]);
		CHECK(np_skb_shinfo(n)->frag_list == m);
		CHECK_EQ(atomic_load(&m->users), 2);
		check_meta(n, pa.skb, 0);
		check_bytes(n, pa.want, pa.len);

		/* the heads are separate */
		memset(n->data, 0xa5, np_skb_headlen(n));
		check_bytes(pa.skb, pa.want, pa.len);
		memcpy(n->data, pa.want, np_skb_headlen(n));

		f0 = fate_now(e.pool);
		if (order == 0) {
			np_kfree_skb(n);
			CHECK_FATE(e.pool, &f0, 0, 0);
			for (int i = 0; i < 4; i++)
				CHECK_EQ(np_page_ref_count(pa.frag[i]), ref[i]);
			CHECK_EQ(atomic_load(&m->users), 1);
			check_bytes(pa.skb, pa.want, pa.len);
			np_kfree_skb(pa.skb);
			CHECK_FATE(e.pool, &f0, PKT_POOL_PAGES, 0);
		} else {
			np_kfree_skb(pa.skb);
			CHECK_FATE(e.pool, &f0, 1, 3);
			CHECK_EQ(atomic_load(&m->users), 1);
			check_bytes(n, pa.want, pa.len);
			np_kfree_skb(n);
			CHECK_FATE(e.pool, &f0, 3, 3);
		}
		env_fini(&e);
	}
}

/*
 * A, its clone B and a pskb copy C of A, freed in all six orders. The head
 * page recycles when the last of A and B goes. A pool frag page recycles if
 * the copy (page references) was gone by then, else it is released and the
 * copy's put frees it: exactly one of the two, never both.
 */
static void test_pskb_copy_clone_orders(void)
{
	static const int orders[6][3] = {
		{ 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 }, { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 },
	};

	for (int o = 0; o < 6; o++) {
		struct np_skb *s[3];
		struct env e;
		struct fate f0;
		int last_ab = 0, pos_c = 0;

		env_init_pool_only(&e);
		s[0] = rx_skb(e.pool, 150, pa.want);
		append_pool_page(e.pool, s[0], 900, pa.want);
		append_pool_page(e.pool, s[0], 1900, pa.want);
		pa.len = s[0]->len;
		s[1] = np_skb_clone(s[0]);
		CHECK(s[1] && s[1]->pp_recycle);
		s[2] = np_pskb_copy(s[1]);
		CHECK(s[2] && !s[2]->pp_recycle);
		for (int i = 0; i < 3; i++)
			if (orders[o][i] == 2)
				pos_c = i;
			else
				last_ab = i;

		f0 = fate_now(e.pool);
		for (int i = 0; i < 3; i++) {
			np_kfree_skb(s[orders[o][i]]);
			s[orders[o][i]] = NULL;
			for (int j = 0; j < 3; j++)
				if (s[j])
					check_bytes(s[j], pa.want, pa.len);
			(void)fate_now(e.pool);		/* inflight never negative */
		}
		if (pos_c < last_ab)
			CHECK_FATE(e.pool, &f0, 3, 0);
		else
			CHECK_FATE(e.pool, &f0, 1, 2);
		env_fini(&e);
	}
}

/* np_skb_cow_head: nothing to do, short headroom, cloned. */
static void test_cow_head(void)
{
	struct env e;
	struct fate f0;
	struct np_skb *a, *b;
	unsigned char *head;
	uint32_t len;

	env_init_pool_only(&e);

	/* private with room: untouched */
	a = rx_skb(e.pool, 100, pa.want);
	append_pool_page(e.pool, a, 600, pa.want);
	len = a->len;
	head = a->head;
	f0 = fate_now(e.pool);
	CHECK_EQ(np_skb_cow_head(a, NP_SKB_PAD), 0);
	CHECK(a->head == head && a->pp_recycle && a->head_frag);
	CHECK_FATE(e.pool, &f0, 0, 0);

	/* short of headroom: a new head, the pool head recycles, pp_recycle stays */
	CHECK_EQ(np_skb_cow_head(a, 200), 0);
	CHECK(a->head != head && !a->head_frag && a->pp_recycle);
	CHECK(np_skb_headroom(a) >= 200);
	CHECK_FATE(e.pool, &f0, 1, 0);
	check_bytes(a, pa.want, len);
	CHECK(np_skb_push(a, 200));
	CHECK(np_skb_pull(a, 200));
	np_kfree_skb(a);
	CHECK_FATE(e.pool, &f0, 2, 0);

	/* cloned: the clone gets its own head even with room; page references */
	for (int order = 0; order < 2; order++) {
		struct np_page *fp;

		a = rx_skb(e.pool, 100, pa.want);
		fp = append_pool_page(e.pool, a, 600, pa.want);
		len = a->len;
		b = np_skb_clone(a);
		CHECK(b);
		CHECK_EQ(np_skb_cow_head(b, 0), 0);
		CHECK(b->head != a->head && !b->pp_recycle && !np_skb_cloned(b));
		CHECK(!np_skb_cloned(a) && a->pp_recycle);
		CHECK_EQ(np_page_ref_count(fp), 2);
		memset(b->data, 0, np_skb_headlen(b));	/* writable: a keeps its bytes */
		check_bytes(a, pa.want, len);
		memcpy(b->data, pa.want, np_skb_headlen(b));
		check_bytes(b, pa.want, len);
		f0 = fate_now(e.pool);
		np_kfree_skb(order ? a : b);
		np_kfree_skb(order ? b : a);
		/* b gone first: all recycle; a first: its frag page is released */
		CHECK_FATE(e.pool, &f0, order ? 1 : 2, order ? 1 : 0);
	}
	env_fini(&e);
}

/* np_skb_unshare: the skb itself when private, else a copy (the share freed). */
static void test_unshare(void)
{
	struct env e;
	struct fate f0;
	struct np_skb *a, *b, *n;
	uint32_t len;

	env_init_pool_only(&e);
	a = rx_skb(e.pool, 300, pa.want);
	append_pool_page(e.pool, a, 1200, pa.want);
	len = a->len;
	f0 = fate_now(e.pool);
	CHECK(np_skb_unshare(a) == a);
	CHECK_FATE(e.pool, &f0, 0, 0);

	b = np_skb_clone(a);
	CHECK(b);
	set_meta(b);
	n = np_skb_unshare(b);		/* b is freed */
	CHECK(n && n != a);
	CHECK(!np_skb_is_nonlinear(n) && !n->pp_recycle && !n->head_frag);
	CHECK(!np_skb_cloned(a));
	CHECK_EQ(n->mark, 77);
	check_bytes(n, pa.want, len);
	check_bytes(a, pa.want, len);
	CHECK_EQ(np_skb_live(), e.live0 + 2);
	CHECK_FATE(e.pool, &f0, 0, 0);
	np_kfree_skb(a);
	CHECK_FATE(e.pool, &f0, 2, 0);
	check_bytes(n, pa.want, len);
	np_kfree_skb(n);
	CHECK_FATE(e.pool, &f0, 2, 0);
	env_fini(&e);
}

/* The skb's head and frags are buffers of @pool, marked for recycle. */
static void check_in_pool(const struct np_skb *skb, const struct np_pool *pool)
{
	const struct np_skb_shared_info *sh = np_skb_shinfo(skb);
	struct np_page *hp = np_virt_to_page(skb->head);

	CHECK(skb->pp_recycle && skb->head_frag && !np_skb_has_frag_list(skb));
	CHECK(np_page_is_pp(hp) && hp->pp == pool);
	for (unsigned i = 0; i < sh->nr_frags; i++)
		CHECK(np_page_is_pp(sh->frags[i].page) && sh->frags[i].page->pp == pool);
}

/* Rebuild @skb for XDP; it must be replaced by a pool copy of the same bytes. */
static struct np_skb *xdp_copied(struct np_pool *pool, struct np_skb *skb, uint32_t len)
{
	struct np_skb *old = skb;
	int off = 256 - (int)np_skb_headroom(skb);
	uint32_t mark = skb->mark;
	uint16_t mac = skb->mac_header;

	CHECK_EQ(np_skb_cow_data_for_xdp(pool, &skb), 0);
	CHECK(skb != old);
	check_in_pool(skb, pool);
	CHECK_EQ(np_skb_headroom(skb), 256);
	CHECK_EQ(skb->mark, mark);
	if (mac != NP_SKB_HDR_UNSET)
		CHECK_EQ(skb->mac_header, mac + off);
	check_bytes(skb, pa.want, len);
	CHECK(!np_skb_cloned(skb) && !np_skb_shared(skb));
	return skb;
}

static void test_cow_data_for_xdp(void)
{
	struct np_skb *a, *b, *keep;
	struct np_pool *other;
	struct env e;
	uint32_t len;
	void *p;

	env_init_pool_only(&e);
	other = pool_new(e.prov, 0, NULL);

	/* already private pool data: left alone */
	a = rx_skb(e.pool, 100, pa.want);
	append_pool_page(e.pool, a, 2000, pa.want);
	keep = a;
	CHECK_EQ(np_skb_cow_data_for_xdp(e.pool, &a), 0);
	CHECK(a == keep);
	check_in_pool(a, e.pool);

	/* the same skb checked against another pool: copied into that one */
	set_meta(a);
	len = a->len;
	a = xdp_copied(other, a, len);
	np_kfree_skb(a);

	/* small-object head and a foreign frag */
	a = np_alloc_skb(NP_SKB_PAD + 400);
	CHECK(a);
	np_skb_reserve(a, NP_SKB_PAD);
	p = np_skb_put(a, 400);
	fill(p, 400);
	memcpy(pa.want, p, 400);
	add_foreign_frag(a, e.prov, 0, 3500, pa.want);
	set_meta(a);
	len = a->len;	/* 3900: more than a head holds, the rest in one frag */
	a = xdp_copied(e.pool, a, len);
	CHECK_EQ(np_skb_shinfo(a)->nr_frags, 1);
	np_kfree_skb(a);

	/* page-fragment head, frags from order-1 foreign pages: many pool frags */
	a = np_netdev_alloc_skb(1000);
	CHECK(a);
	p = np_skb_put(a, 1000);
	fill(p, 1000);
	memcpy(pa.want, p, 1000);
	for (int i = 0; i < 4; i++)
		add_foreign_frag(a, e.prov, 1, 8000, pa.want);
	len = a->len;
	a = xdp_copied(e.pool, a, len);
	CHECK(np_skb_shinfo(a)->nr_frags >= 8);
	np_kfree_skb(a);

	/* a pool skb with a foreign frag */
	a = rx_skb(e.pool, 100, pa.want);
	add_foreign_frag(a, e.prov, 0, 100, pa.want);
	len = a->len;
	a = xdp_copied(e.pool, a, len);
	np_kfree_skb(a);

	/* cloned: the copy replaces b, a keeps the data */
	a = rx_skb(e.pool, 500, pa.want);
	append_pool_page(e.pool, a, 1500, pa.want);
	len = a->len;
	b = np_skb_clone(a);
	CHECK(b);
	b = xdp_copied(e.pool, b, len);
	CHECK(!np_skb_cloned(a));
	check_bytes(a, pa.want, len);
	np_kfree_skb(a);
	np_kfree_skb(b);

	/* shared (users 2): the caller's reference moves to the copy */
	a = rx_skb(e.pool, 500, pa.want);
	len = a->len;
	keep = np_skb_get(a);
	a = xdp_copied(e.pool, a, len);
	CHECK_EQ(atomic_load(&keep->users), 1);
	check_bytes(keep, pa.want, len);
	np_kfree_skb(keep);
	np_kfree_skb(a);

	/* a frag_list: flattened into head and frags */
	{
		static uint8_t mwant[4096];
		struct np_skb *m;

		a = rx_skb(e.pool, 100, pa.want);
		append_pool_page(e.pool, a, 100, pa.want);
		m = rx_skb(e.pool, 200, mwant);
		add_list(a, m, mwant, pa.want);
		len = a->len;
		a = xdp_copied(e.pool, a, len);
		CHECK_EQ(np_skb_shinfo(a)->nr_frags, 0);
		np_kfree_skb(a);
	}

	/* too long for a head and NP_MAX_SKB_FRAGS pool pages: refused, unchanged */
	a = np_alloc_skb(64);
	CHECK(a);
	for (int i = 0; i < NP_MAX_SKB_FRAGS; i++)
		add_foreign_frag(a, e.prov, 1, 8192, pa.want);
	keep = a;
	len = a->len;
	CHECK_EQ(np_skb_cow_data_for_xdp(e.pool, &a), -ENOMEM);
	CHECK(a == keep);
	check_bytes(a, pa.want, len);
	np_kfree_skb(a);

	pool_done(other);
	env_fini(&e);
}

/* No page to be had (first the head, then a frag): -ENOMEM, the skb as it was. */
static void test_cow_data_for_xdp_nomem(void)
{
	struct np_fault_spec spec = { 0 };
	struct np_skb *a, *keep;
	struct np_pool *big;
	struct env e;
	uint32_t len;
	void *p;

	env_init_pool_only(&e);
	/* order-1 pages come one at a time from the provider: each alloc is a page alloc */
	big = pool_new(e.prov, 1, NULL);
	a = np_alloc_skb(NP_SKB_PAD + 1000);
	CHECK(a);
	np_skb_reserve(a, NP_SKB_PAD);
	p = np_skb_put(a, 1000);
	fill(p, 1000);
	memcpy(pa.want, p, 1000);
	add_foreign_frag(a, e.prov, 1, 7000, pa.want);
	len = a->len;
	/* skb structs for the attempt come from this thread's cache, not the provider */
	np_kfree_skb(np_alloc_skb(64));

	for (uint64_t nth = 1; nth <= 2; nth++) {
		struct np_pool_stats st0 = t_pool_stats(big), st;

		spec.nth = nth;
		CHECK_EQ(np_fault_set(NP_FAULT_PAGE_ALLOC, &spec), 0);
		keep = a;
		CHECK_EQ(np_skb_cow_data_for_xdp(big, &a), -ENOMEM);
		CHECK_EQ(np_fault_injected(NP_FAULT_PAGE_ALLOC), 1);
		np_fault_reset();
		CHECK(a == keep);
		check_bytes(a, pa.want, len);
		/* a head taken before the frag failed went back to the pool */
		st = t_pool_stats(big);
		CHECK_EQ(st.inflight, (int64_t)big->alloc.count + (int64_t)np_pool_ring_count(big) +
					      (big->frag_page != NULL));
		CHECK(st.hold - st0.hold == nth - 1);
	}
	/* with pages to be had it works */
	a = xdp_copied(big, a, len);
	np_kfree_skb(a);
	pool_done(big);
	env_fini(&e);
}

int main(void)
{
	skbt_seed(0x9e3779b97f4a7c15ull);
	test_copy();
	test_pskb_copy();
	test_pskb_copy_clone_orders();
	test_cow_head();
	test_unshare();
	test_cow_data_for_xdp();
	test_cow_data_for_xdp_nomem();
	np_skb_thread_flush();
	return 0;
}
