/* SPDX-License-Identifier: MIT */
/*
 * docs/regressions.md R4: a pool page P split into two RX buffers (skb1
 * carries the first as a frag, skb2 is built on the second); a tap's clone
 * T of skb1 coalesced into another pp skb `to`; T, skb1, to and skb2 freed
 * in all 24 orders. P is recycled once, after its last user, and is never
 * handed out while a buffer of it is held.
 *
 * Caught, with the bug put back:
 *   - np_skb_try_coalesce() taking page references for a cloned `from` (the
 *     historic bug): "pp_ref(p) == 3 (2 != 3)" after the coalesce; without
 *     the count checks, "P pp 0 pp_ref 0 refcount 1; want pp 1 pp_ref 1" (P
 *     left the pool while skb2 still held buffer 2);
 *   - try_coalesce moving the references of a cloned `from`:
 *     np_skb_copy_bits() on skb1 fails (-EFAULT).
 */
#include "testutil.h"

#include "skbtest.h"

#define BUF		2048u	/* two RX buffers per page */
#define FRAME1		1500u
#define HDR1		64u
#define FRAME2		1500u
#define TO_LEN		3000u

enum ev { EV_FREE_T, EV_FREE_SKB1, EV_FREE_TO, EV_FREE_SKB2, NEV };

static uint8_t want_to[8192], want2[4096];
static uint64_t extra_recycles;	/* pages given back by the reallocation probe */

/*
 * @page is not idle in @pool: not in the alloc cache, and allocating every
 * idle page (cache and return ring) never hands it out.
 */
static void check_not_reallocatable(struct np_pool *pool, struct np_page *page)
{
	struct np_page *pages[NP_POOL_CACHE_SIZE + 64];
	unsigned n = pool->alloc.count + np_pool_ring_count(pool), got_n;

	for (unsigned i = 0; i < pool->alloc.count; i++)
		CHECK(pool->alloc.cache[i] != page);
	CHECK(n <= NP_ARRAY_SIZE(pages));
	got_n = np_pool_alloc_pages_bulk(pool, pages, n);
	CHECK_EQ(got_n, n);
	for (unsigned i = 0; i < got_n; i++)
		CHECK(pages[i] != page);
	for (unsigned i = 0; i < got_n; i++)
		np_pool_recycle_direct(pool, pages[i]);
	extra_recycles += got_n;
}

struct scen {
	struct env e;
	struct np_page *p, *q;
	struct np_skb *skb1, *skb2, *t, *to;
	bool fragstolen;
	struct fate f0;
	bool alive[NEV];
};

static void setup(struct scen *s)
{
	unsigned int o1, o2, o3;
	struct np_page *p, *x, *q;
	struct np_skb *skb;
	int delta;
	void *d;

	memset(s, 0, sizeof(*s));
	env_init_napi(&s->e, NULL);

	/* the driver splits P between two RX buffers, then moves on to page X */
	p = np_pool_alloc_frag(s->e.pool, &o1, BUF);
	CHECK(p);
	CHECK(np_pool_alloc_frag(s->e.pool, &o2, BUF) == p);
	CHECK_EQ(o1, 0);
	CHECK_EQ(o2, BUF);
	x = np_pool_alloc_frag(s->e.pool, &o3, BUF);
	CHECK(x && x != p);
	np_pool_put_page(s->e.pool, x, NP_POOL_SYNC_FULL, false);
	CHECK_EQ(pp_ref(p), 2);		/* one pool reference per buffer */
	CHECK_EQ(np_page_ref_count(p), 1);
	s->p = p;

	/* the device wrote frame 1 into buffer 1: headers copied into a head, the rest a frag */
	d = (char *)np_page_address(p) + o1;
	fill(d, FRAME1);
	skb = np_napi_alloc_skb(128);
	CHECK(skb);
	CHECK(np_skb_put_data(skb, d, HDR1));
	np_skb_add_rx_frag(skb, 0, p, o1 + HDR1, FRAME1 - HDR1, BUF);
	np_skb_mark_for_recycle(skb);
	s->skb1 = skb;

	/* frame 2 in buffer 2, built in place */
	skb = np_napi_build_skb((char *)np_page_address(p) + o2, BUF);
	CHECK(skb);
	np_skb_reserve(skb, NP_SKB_PAD);
	d = np_skb_put(skb, FRAME2);
	CHECK(d);
	fill(d, FRAME2);
	memcpy(want2, d, FRAME2);
	np_skb_mark_for_recycle(skb);
	s->skb2 = skb;

	/* the socket queue's last skb, on a pool page of its own */
	q = np_pool_alloc_pages(s->e.pool);
	CHECK(q);
	skb = np_build_skb(np_page_address(q), (uint32_t)np_page_size(q));
	CHECK(skb);
	np_skb_reserve(skb, NP_SKB_PAD);
	d = np_skb_put(skb, TO_LEN);
	CHECK(d);
	fill(d, TO_LEN);
	memcpy(want_to, d, TO_LEN);
	np_skb_mark_for_recycle(skb);
	CHECK(np_skb_tailroom(skb) >= HDR1 && np_skb_tailroom(skb) < FRAME1);
	s->to = skb;
	s->q = q;

	/* a tap clones skb1; the clone is queued and coalesced into to */
	s->t = np_skb_clone(s->skb1);
	CHECK(s->t);
	CHECK(np_skb_try_coalesce(s->to, s->t, &s->fragstolen, &delta));
	CHECK(!s->fragstolen);
	CHECK(delta > 0);
	CHECK_EQ(np_skb_copy_bits(s->skb1, 0, want_to + TO_LEN, FRAME1), 0);
	check_bytes(s->to, want_to, TO_LEN + FRAME1);
	CHECK_EQ(np_skb_shinfo(s->to)->nr_frags, 1);
	CHECK(np_skb_shinfo(s->to)->frags[0].page == p);
	/* the page now has three users: skb1's data (shared with T), to, skb2 */
	CHECK_EQ(pp_ref(p), 3);
	CHECK_EQ(np_page_ref_count(p), 1);
	for (int i = 0; i < NEV; i++)
		s->alive[i] = true;
	extra_recycles = 0;
	s->f0 = fate_now(s->e.pool);
}

static long p_users(const struct scen *s)
{
	return (long)(s->alive[EV_FREE_T] || s->alive[EV_FREE_SKB1]) + s->alive[EV_FREE_TO] +
	       s->alive[EV_FREE_SKB2];
}

static void check_state(struct scen *s, int line)
{
	long users = p_users(s);
	uint64_t rec = !s->alive[EV_FREE_TO] + (users == 0) + extra_recycles;

	if (users) {
		if (!np_page_is_pp(s->p) || s->p->pp != s->e.pool || pp_ref(s->p) != users ||
		    np_page_ref_count(s->p) != 1) {
			fprintf(stderr, "FAIL line %d: P pp %d pp_ref %ld refcount %d; want pp 1 "
				"pp_ref %ld refcount 1\n", line, np_page_is_pp(s->p), pp_ref(s->p),
				np_page_ref_count(s->p), users);
			exit(1);
		}
		check_fate(s->e.pool, &s->f0, rec, 0, __FILE__, line);
		check_not_reallocatable(s->e.pool, s->p);
	} else {
		/* recycled once, idle in the pool */
		CHECK(np_page_is_pp(s->p) && s->p->pp == s->e.pool);
		CHECK_EQ(np_page_ref_count(s->p), 1);
		CHECK_EQ(pp_ref(s->p), IDLE_REF);
		check_fate(s->e.pool, &s->f0, rec, 0, __FILE__, line);
	}
	if (s->alive[EV_FREE_SKB2]) {
		/* the stack still writes into buffer 2 */
		void *d = s->skb2->data;

		check_bytes(s->skb2, want2, FRAME2);
		fill(d, FRAME2);
		memcpy(want2, d, FRAME2);
	}
	if (s->alive[EV_FREE_TO])
		check_bytes(s->to, want_to, TO_LEN + FRAME1);
}

static void do_free(struct scen *s, enum ev ev)
{
	switch (ev) {
	case EV_FREE_T:
		np_kfree_skb_partial(s->t, s->fragstolen);
		break;
	case EV_FREE_SKB1:
		np_kfree_skb(s->skb1);
		break;
	case EV_FREE_TO:
		np_kfree_skb(s->to);
		break;
	default:
		np_kfree_skb(s->skb2);
		break;
	}
	s->alive[ev] = false;
}

static void run(const unsigned *order)
{
	struct scen s;

	setup(&s);
	check_state(&s, __LINE__);
	for (int k = 0; k < NEV; k++) {
		do_free(&s, order[k]);
		check_state(&s, __LINE__);
	}
	env_fini(&s.e);
}

static void run_order(const unsigned *order, void *arg)
{
	(void)arg;
	run(order);
}

int main(void)
{
	skbt_seed(0x9e3779b97f4a7c15ull);
	CHECK_EQ(t_each_order(NEV, NULL, run_order, NULL), 24);
	np_skb_thread_flush();
	return 0;
}
