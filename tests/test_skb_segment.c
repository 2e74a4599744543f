/* SPDX-License-Identifier: MIT */
/*
 * np_skb_segment() under the reference rule (SPEC 4, 7 item 10):
 *   - segments of gso_size payload, each with the first hdr_len bytes copied
 *     in front; payload bytes intact and in order; lengths consistent;
 *   - segments are pp_recycle = 0 and share pages by page references (pool
 *     references untouched); the original's linear part, small heads and
 *     nested frag_lists are copied;
 *   - the original and the segments freed in any order: every pool page
 *     leaves the pool's use exactly once -- recycled when the segments went
 *     first, released (still page-referenced) when the original went first --
 *     never both, inflight 0, nothing leaked;
 *   - a GRO'd pp skb whose frag_list member is cloned (a tap) and which is
 *     trimmed into its frag_list, then segmented: nothing leaks.
 */
#include "testutil.h"

#define MAXLEN		(128 * 1024)

static uint64_t rng = 0x2545f4914f6cdd1dull;

struct env {
	struct np_provider *prov;
	struct np_pool *pool;
	int64_t live0;
};

/* The bytes an skb should hold, in packet order. */
struct exp {
	uint32_t len;
	uint8_t b[MAXLEN];
};

static struct np_pool *pool_new(struct np_provider *prov)
{
	struct np_pool_params pp = { .nid = NP_NUMA_NO_NODE, .provider = prov };
	struct np_pool *pool;

	CHECK_EQ(np_pool_create(&pp, &pool), 0);
	return pool;
}

/* No page of @pool is out: every page it holds is idle (or its fragment page). */
static void pool_done(struct np_pool *pool)
{
	struct np_pool_stats st = t_pool_stats(pool);
	uint32_t id = pool->id;

	CHECK(st.inflight >= 0);
	CHECK_EQ(st.inflight, (int64_t)pool->alloc.count + (int64_t)np_pool_ring_count(pool) +
				      (pool->frag_page != NULL));
	np_pool_destroy(pool);
	CHECK(t_wait_pool_freed(id, 10000));
}

/* skb structs, small heads and page fragments come from the test's provider. */
static void env_init(struct env *e)
{
	CHECK_EQ(np_provider_create(NULL, &e->prov), 0);
	np_skb_set_provider(e->prov);
	e->pool = pool_new(e->prov);
	e->live0 = np_skb_live();
}

static void env_fini(struct env *e)
{
	CHECK_EQ(np_skb_live(), e->live0);
	pool_done(e->pool);
	np_skb_thread_flush();
	np_small_trim(e->prov);
	CHECK_EQ(t_pages_out(e->prov), 0);
	np_skb_set_provider(NULL);
	CHECK_EQ(np_provider_destroy(e->prov), 0);
}

static void fill(void *p, uint32_t n)
{
	unsigned char *c = p;

	for (uint32_t i = 0; i < n; i++)
		c[i] = (unsigned char)t_xorshift(&rng);
}

static void exp_add(struct exp *x, const void *p, uint32_t n)
{
	CHECK(x->len + n <= MAXLEN);
	memcpy(x->b + x->len, p, n);
	x->len += n;
}

/* Fill @n fresh bytes of the linear part at @p and expect them. */
static void put_bytes(struct np_skb *skb, uint32_t n, struct exp *x)
{
	void *p = np_skb_put(skb, n);

	CHECK(p);
	fill(p, n);
	exp_add(x, p, n);
}

/* An skb on a whole pool page (pool reference, marked for recycle). */
static struct np_skb *pp_skb(struct env *e, uint32_t headlen, struct exp *x)
{
	struct np_page *page = np_pool_alloc_pages(e->pool);
	struct np_skb *skb;

	CHECK(page);
	skb = np_build_skb(np_page_address(page), (uint32_t)np_page_size(page));
	CHECK(skb);
	np_skb_reserve(skb, NP_SKB_PAD);
	x->len = 0;
	put_bytes(skb, headlen, x);
	np_skb_mark_for_recycle(skb);
	return skb;
}

/* A non-pp skb whose head is a non-pool page fragment (head_frag, page reference). */
static struct np_skb *pf_skb(uint32_t room, uint32_t headlen, struct exp *x)
{
	struct np_skb *skb = np_netdev_alloc_skb(room);

	CHECK(skb && skb->head_frag && !skb->pp_recycle);
	x->len = 0;
	put_bytes(skb, headlen, x);
	return skb;
}

/* A non-pp skb with a small-object head (head_frag 0). */
static struct np_skb *small_skb(uint32_t room, uint32_t headlen, struct exp *x)
{
	struct np_skb *skb = np_alloc_skb(room);

	CHECK(skb && !skb->head_frag && !skb->pp_recycle);
	x->len = 0;
	put_bytes(skb, headlen, x);
	return skb;
}

/* Append a frag (the caller's reference moves in) with fresh bytes. */
static void add_frag(struct np_skb *skb, struct np_page *page, uint32_t off, uint32_t len,
		     uint32_t truesize, struct exp *x)
{
	void *p = (char *)np_page_address(page) + off;

	CHECK(!np_skb_has_frag_list(skb));
	fill(p, len);
	exp_add(x, p, len);
	np_skb_add_rx_frag(skb, np_skb_shinfo(skb)->nr_frags, page, off, len, truesize);
}

/* A whole pool page as a frag. */
static struct np_page *add_pool_page(struct env *e, struct np_skb *skb, uint32_t len,
				     struct exp *x)
{
	struct np_page *page = np_pool_alloc_pages(e->pool);

	CHECK(page && np_page_is_pp(page));
	add_frag(skb, page, 0, len, (uint32_t)np_page_size(page), x);
	return page;
}

/* A fragment of the pool's shared frag page. */
static struct np_page *add_pool_frag(struct env *e, struct np_skb *skb, uint32_t len,
				     struct exp *x)
{
	unsigned int off;
	struct np_page *page = np_pool_alloc_frag(e->pool, &off, len);

	CHECK(page && np_page_is_pp(page));
	add_frag(skb, page, off, len, (uint32_t)NP_ALIGN(len, NP_POOL_FRAG_ALIGN), x);
	return page;
}

/* A page outside any pool (page reference). */
static struct np_page *add_foreign(struct env *e, struct np_skb *skb, uint32_t len,
				   struct exp *x)
{
	struct np_page *page = np_page_alloc(e->prov, 0, NP_NUMA_NO_NODE, 0);

	CHECK(page && !np_page_is_pp(page));
	add_frag(skb, page, 0, len, (uint32_t)np_page_size(page), x);
	return page;
}

/* A non-pool page fragment (np_page_frag_alloc(), page reference). */
static struct np_page *add_page_frag(struct np_skb *skb, uint32_t len, struct exp *x)
{
	void *p = np_page_frag_alloc(len);
	struct np_page *page;

	CHECK(p);
	page = np_virt_to_page(p);
	CHECK(!np_page_is_pp(page));
	add_frag(skb, page, (uint32_t)((char *)p - (char *)np_page_address(page)), len,
		 (uint32_t)NP_SKB_DATA_ALIGN(len), x);
	return page;
}

/* Move the pool to a new frag page: the old one gets back its unused bias. */
static void frag_flush(struct env *e)
{
	unsigned int off;
	struct np_page *page = np_pool_alloc_frag(e->pool, &off, NP_PAGE_SIZE);

	CHECK(page);
	np_pool_put_page(e->pool, page, NP_POOL_SYNC_FULL, true);
}

static long pp_ref(struct np_page *page)
{
	return atomic_load(&page->pp_ref_count);
}

/* The length fields agree with the frags, the frag_list and the head. */
static void check_lens(const struct np_skb *skb)
{
	const struct np_skb_shared_info *sh = np_skb_shinfo(skb);
	uint32_t paged = 0;

	CHECK(sh->nr_frags <= NP_MAX_SKB_FRAGS);
	for (unsigned i = 0; i < sh->nr_frags; i++) {
		CHECK(sh->frags[i].len > 0);
		CHECK(sh->frags[i].offset + sh->frags[i].len <= np_page_size(sh->frags[i].page));
		paged += sh->frags[i].len;
	}
	for (const struct np_skb *l = sh->frag_list; l; l = l->next) {
		check_lens(l);
		paged += l->len;
	}
	CHECK_EQ(skb->data_len, paged);
	CHECK(skb->len >= skb->data_len);
	CHECK(skb->tail <= skb->end);
	CHECK_EQ((uint32_t)(skb->data - skb->head) + np_skb_headlen(skb), skb->tail);
	CHECK(skb->truesize >= skb->len);
}

static void check_skb(const struct np_skb *skb, const struct exp *x)
{
	static uint8_t got[MAXLEN];

	check_lens(skb);
	CHECK_EQ(skb->len, x->len);
	memset(got, 0, x->len);
	CHECK_EQ(np_skb_copy_bits(skb, 0, got, x->len), 0);
	CHECK(memcmp(got, x->b, x->len) == 0);
	CHECK_EQ(np_skb_copy_bits(skb, 0, got, x->len + 1), -EFAULT);
}

/* ---- what happened to pool pages ---- */

struct fate {
	uint64_t recycled;	/* cache + ring */
	uint64_t released;	/* left the pool while still referenced */
	uint64_t left;		/* left the pool for any reason */
};

static struct fate fate_now(struct np_pool *pool)
{
	struct np_pool_stats st = t_pool_stats(pool);

	CHECK(st.inflight >= 0);
	return (struct fate){ st.recycle.cached + st.recycle.ring, st.recycle.released_refcnt,
			      st.release };
}

static void check_fate(struct np_pool *pool, const struct fate *before, uint64_t recycled,
		       uint64_t released, int line)
{
	struct fate now = fate_now(pool);

	if (now.recycled - before->recycled != recycled ||
	    now.released - before->released != released ||
	    now.left - before->left != released) {
		fprintf(stderr, "FAIL %s:%d: recycled %llu released %llu left %llu; want %llu %llu\n",
			__FILE__, line, (unsigned long long)(now.recycled - before->recycled),
			(unsigned long long)(now.released - before->released),
			(unsigned long long)(now.left - before->left), (unsigned long long)recycled,
			(unsigned long long)released);
		exit(1);
	}
}

#define CHECK_FATE(pool, before, rec, rel) check_fate(pool, before, rec, rel, __LINE__)

static struct exp xo, xm, xn, xtap;

/* Chain @m at the end of @skb's frag_list. */
static void add_list(struct np_skb *skb, struct np_skb *m, const struct exp *mx, struct exp *x)
{
	struct np_skb **pp = &np_skb_shinfo(skb)->frag_list;

	while (*pp)
		pp = &(*pp)->next;
	*pp = m;
	exp_add(x, mx->b, mx->len);
	skb->len += m->len;
	skb->data_len += m->len;
	skb->truesize += m->truesize;
}

#define MAXPG	64

/* Pages the segments may reference, with their counts before segmenting. */
struct pgset {
	int n;
	struct np_page *pg[MAXPG];
	int ref[MAXPG];
	long ppref[MAXPG];
	int segrefs[MAXPG];
};

static void pgset_add(struct pgset *s, struct np_page *page)
{
	for (int i = 0; i < s->n; i++)
		if (s->pg[i] == page)
			return;
	CHECK(s->n < MAXPG);
	s->pg[s->n] = page;
	s->ref[s->n] = np_page_ref_count(page);
	s->ppref[s->n] = pp_ref(page);
	s->segrefs[s->n] = 0;
	s->n++;
}

/* Every page of @skb (heads of members, frags of all). */
static void pgset_collect(struct pgset *s, const struct np_skb *skb, bool top)
{
	const struct np_skb_shared_info *sh = np_skb_shinfo(skb);

	if (!top && skb->head_frag)
		pgset_add(s, np_virt_to_page(skb->head));
	for (unsigned i = 0; i < sh->nr_frags; i++)
		pgset_add(s, sh->frags[i].page);
	for (const struct np_skb *l = sh->frag_list; l; l = l->next)
		pgset_collect(s, l, false);
}

/* Check the segment list against the original's bytes @x; count page references. */
static int check_segs(struct np_skb *segs, const struct np_skb *orig, uint32_t hdr, uint32_t mss,
		      const struct exp *x, struct pgset *ps)
{
	uint32_t pos = hdr;
	int n = 0;

	for (struct np_skb *s = segs; s; s = s->next, n++) {
		uint32_t len = NP_MIN(mss, x->len - pos);
		const struct np_skb_shared_info *sh = np_skb_shinfo(s);

		CHECK(pos < x->len);
		xn.len = 0;
		exp_add(&xn, x->b, hdr);
		exp_add(&xn, x->b + pos, len);
		check_skb(s, &xn);
		CHECK(!s->pp_recycle && !np_skb_cloned(s) && !np_skb_shared(s));
		CHECK(!np_skb_has_frag_list(s));
		CHECK(np_skb_headlen(s) >= hdr);
		CHECK_EQ(s->mark, orig->mark);
		CHECK_EQ(s->network_header, orig->network_header);
		CHECK_EQ(np_skb_headroom(s), np_skb_headroom(orig));
		for (unsigned i = 0; i < sh->nr_frags; i++) {
			int k;

			for (k = 0; k < ps->n; k++)
				if (ps->pg[k] == sh->frags[i].page)
					break;
			CHECK(k < ps->n);	/* a page of the original, never a new one */
			ps->segrefs[k]++;
		}
		pos += len;
	}
	CHECK_EQ(pos, x->len);
	/* one page reference per segment frag; pool references untouched */
	for (int k = 0; k < ps->n; k++) {
		CHECK_EQ(np_page_ref_count(ps->pg[k]), ps->ref[k] + ps->segrefs[k]);
		CHECK_EQ(pp_ref(ps->pg[k]), ps->ppref[k]);
	}
	return n;
}

/* Pool pages the segments reference (released if the original goes first). */
static int shared_pool_pages(const struct pgset *ps)
{
	int n = 0;

	for (int k = 0; k < ps->n; k++)
		n += ps->segrefs[k] && np_page_is_pp(ps->pg[k]);
	return n;
}

/* Free segments and original: 0 segments first, 1 original first, 2 interleaved. */
static void free_all(struct np_skb *orig, struct np_skb *segs, int order)
{
	struct np_skb *s = segs, *next;
	int i = 0;

	if (order == 1)
		np_kfree_skb(orig);
	for (; s; s = next, i++) {
		next = s->next;
		if (order == 2 && i == 1)
			np_kfree_skb(orig);
		s->next = NULL;
		np_consume_skb(s);
	}
	if (order == 0 || (order == 2 && i <= 1))
		np_kfree_skb(orig);
}

static void set_gso(struct np_skb *skb, uint16_t mss)
{
	np_skb_shinfo(skb)->gso_size = mss;
	np_skb_shinfo(skb)->gso_type = NP_SKB_GSO_TCPV4;
	skb->mark = 42;
	skb->network_header = (uint16_t)(np_skb_headroom(skb) + 14);
}

/* Head with header and some payload; pool page, two frags of one frag page, foreign, page frag. */
static struct np_skb *build_plain(struct env *e, int *pool_pages)
{
	struct np_skb *skb = pp_skb(e, 54 + 300, &xo);

	add_pool_page(e, skb, 1000, &xo);
	add_pool_frag(e, skb, 700, &xo);
	add_pool_frag(e, skb, 900, &xo);
	add_foreign(e, skb, 500, &xo);
	add_page_frag(skb, 400, &xo);
	frag_flush(e);
	*pool_pages = 3;
	return skb;
}

/* A GRO-style packet: pool head and frags, then members of each kind. */
static struct np_skb *build_listed(struct env *e, int *pool_pages)
{
	struct np_skb *skb = pp_skb(e, 54 + 100, &xo), *m, *inner;

	add_pool_page(e, skb, 1500, &xo);
	/* a pool-head member: its head page is shared like a frag */
	m = pp_skb(e, 600, &xm);
	add_pool_page(e, m, 1300, &xm);
	add_list(skb, m, &xm, &xo);
	/* a small-head member: copied */
	m = small_skb(800, 700, &xm);
	add_foreign(e, m, 900, &xm);
	add_list(skb, m, &xm, &xo);
	/* a member with a frag_list of its own: copied whole */
	m = pp_skb(e, 200, &xm);
	inner = pp_skb(e, 300, &xn);
	add_pool_page(e, inner, 400, &xn);
	add_list(m, inner, &xn, &xm);
	add_list(skb, m, &xm, &xo);
	/* a page-fragment head member */
	m = pf_skb(1200, 1100, &xm);
	add_list(skb, m, &xm, &xo);
	*pool_pages = 2 + 2 + 3;
	return skb;
}

static void test_segment(void)
{
	static const uint16_t msss[] = { 100, 536, 1000, 1448, 3000 };

	for (int kind = 0; kind < 2; kind++) {
		for (unsigned mi = 0; mi < sizeof(msss) / sizeof(msss[0]); mi++) {
			for (int order = 0; order < 3; order++) {
				uint32_t hdr = 54;
				struct np_skb *skb, *segs;
				struct pgset ps = { 0 };
				int pool_pages, nseg, shared;
				struct fate f0;
				struct env e;

				env_init(&e);
				skb = kind ? build_listed(&e, &pool_pages) :
					     build_plain(&e, &pool_pages);
				set_gso(skb, msss[mi]);
				pgset_collect(&ps, skb, true);
				f0 = fate_now(e.pool);
				segs = np_skb_segment(skb, hdr);
				CHECK(segs);
				nseg = check_segs(segs, skb, hdr, msss[mi], &xo, &ps);
				CHECK_EQ(nseg, (xo.len - hdr + msss[mi] - 1) / msss[mi]);
				check_skb(skb, &xo);	/* the original is untouched */
				CHECK(skb->pp_recycle);
				shared = shared_pool_pages(&ps);
				CHECK(shared > 0);
				CHECK_FATE(e.pool, &f0, 0, 0);
				free_all(skb, segs, order);
				if (order == 0)
					CHECK_FATE(e.pool, &f0, pool_pages, 0);
				else if (order == 1)
					CHECK_FATE(e.pool, &f0, pool_pages - shared, shared);
				else {
					struct fate now = fate_now(e.pool);

					/* each page once, one way or the other */
					CHECK_EQ(now.recycled - f0.recycled + now.released - f0.released,
						 pool_pages);
					CHECK_EQ(now.left - f0.left, now.released - f0.released);
				}
				env_fini(&e);
			}
		}
	}
}

/* The header reaches into the frags; refusals. */
static void test_segment_edges(void)
{
	struct np_skb *skb, *segs;
	struct pgset ps = { 0 };
	struct env e;
	int pool_pages;

	env_init(&e);
	skb = pp_skb(&e, 40, &xo);
	add_pool_page(&e, skb, 2000, &xo);
	add_pool_page(&e, skb, 2000, &xo);
	set_gso(skb, 700);
	pgset_collect(&ps, skb, true);
	segs = np_skb_segment(skb, 100);
	CHECK(segs);
	CHECK_EQ(check_segs(segs, skb, 100, 700, &xo, &ps), 6);
	free_all(skb, segs, 1);

	skb = build_plain(&e, &pool_pages);
	np_skb_shinfo(skb)->gso_size = 0;
	CHECK(!np_skb_segment(skb, 54));
	set_gso(skb, 1000);
	CHECK(!np_skb_segment(skb, skb->len));
	CHECK(!np_skb_segment(skb, skb->len + 1));
	/* the last byte alone */
	segs = np_skb_segment(skb, skb->len - 1);
	CHECK(segs && !segs->next && segs->len == skb->len);
	free_all(skb, segs, 0);
	env_fini(&e);
}

/*
 * SPEC 7 item 10: merge pp skbs with GRO until the frag_list is used, clone
 * the last member (a tap), trim the packet into that member, segment it,
 * free everything in a few orders: nothing leaks, inflight ends at 0.
 */
static void test_gro_tap_trim_segment(void)
{
	for (int order = 0; order < 3; order++) {
		struct np_skb *head, *s, *last, *tap, *segs;
		struct pgset ps = { 0 };
		struct env e;
		uint32_t cut;
		int nseg;

		env_init(&e);
		head = pp_skb(&e, 54 + 100, &xo);
		set_gso(head, 1000);
		for (int i = 0; i < 8; i++) {
			s = pp_skb(&e, 300, &xm);
			add_pool_page(&e, s, 1000, &xm);
			add_pool_frag(&e, s, 600, &xm);
			CHECK_EQ(np_skb_gro_receive(head, s), 0);
			exp_add(&xo, xm.b, xm.len);
		}
		frag_flush(&e);
		CHECK(np_skb_has_frag_list(head));
		check_skb(head, &xo);
		last = np_skb_shinfo(head)->frag_list;
		while (last->next)
			last = last->next;
		tap = np_skb_clone(last);
		CHECK(tap);
		xtap.len = last->len;	/* what the tap must keep */
		memcpy(xtap.b, xo.b + xo.len - last->len, last->len);

		cut = xo.len - last->len / 2;
		CHECK_EQ(np_pskb_trim(head, cut), 0);
		xo.len = cut;
		check_skb(head, &xo);
		check_skb(tap, &xtap);
		np_skb_shinfo(head)->gso_size = 1000;

		pgset_collect(&ps, head, true);
		segs = np_skb_segment(head, 54);
		CHECK(segs);
		nseg = check_segs(segs, head, 54, 1000, &xo, &ps);
		CHECK(nseg > 1);
		check_skb(tap, &xtap);
		if (order == 0)
			np_kfree_skb(tap);
		free_all(head, segs, order);
		if (order != 0) {
			check_skb(tap, &xtap);
			np_kfree_skb(tap);
		}
		env_fini(&e);
	}
}

int main(void)
{
	test_segment();
	test_segment_edges();
	test_gro_tap_trim_segment();
	np_skb_thread_flush();
	CHECK_EQ(np_skb_live(), 0);
	return 0;
}
