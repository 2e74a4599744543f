/* SPDX-License-Identifier: MIT */
/*
 * docs/regressions.md R5: np_skb_try_coalesce(to, from), `from` a cloned pp
 * skb, while another thread frees the other clone, thousands of rounds: a
 * non-pp `to` is always refused; a pp `to` merges, and after each round
 * every frag page holds exactly the references its slots say. Both outcomes
 * of the race must be seen. Clean under TSan.
 *
 * Caught, with the bug put back:
 *   - "cloned" decided twice (read once to take references, again to move
 *     them): "FAIL round 10059 (pp to, merged 1): frag 0: pp 1 pp_ref 2
 *     refcount 1; slots: pool 1 page 0" (round 2054 under TSan);
 *   - that, and mixing allowed while `from` looks cloned (the idea mainline
 *     rejected): "recycled 1 released 2; want 3 0".
 */
#include <sched.h>
#include "testutil.h"

#include "skbtest.h"

#define FROM_HEAD	100u
#define FRAG_LEN	1000u
#define NONPP_TO_LEN	800u
#define PP_TO_LEN	3000u

#ifdef T_SANITIZED
#define ROUNDS_MIN	2000u
#define ROUNDS_MAX	20000u
#else
#define ROUNDS_MIN	10000u
#define ROUNDS_MAX	200000u
#endif
#define OUTCOME_MIN	50u	/* rounds of each outcome wanted */

static uint8_t want_to[8192], want_from[4096];

/* the handoff to the freeing thread */
static np_atomic_u64 go_round, done_round;
static _Atomic(struct np_skb *) victim;
static np_atomic_int victim_delay, stop;

static void spin(int n)
{
	for (volatile int i = 0; i < n; i++)
		;
}

/* The other thread: frees the clone it is handed as soon as the round starts. */
static void *freer(void *arg)
{
	uint64_t seen = *(const uint64_t *)arg;	/* the round before this run's first */
	for (;;) {
		uint64_t r;

		while ((r = atomic_load_explicit(&go_round, memory_order_acquire)) == seen) {
			if (atomic_load_explicit(&stop, memory_order_acquire))
				goto out;
		}
		seen = r;
		spin(atomic_load_explicit(&victim_delay, memory_order_relaxed));
		np_kfree_skb(atomic_load_explicit(&victim, memory_order_relaxed));
		atomic_store_explicit(&done_round, r, memory_order_release);
	}
out:
	np_skb_thread_flush();
	return NULL;
}

/* Slots of @skb pointing at @page. */
static int slots(const struct np_skb *skb, const struct np_page *page)
{
	const struct np_skb_shared_info *sh = np_skb_shinfo(skb);
	int n = 0;

	for (unsigned i = 0; i < sh->nr_frags; i++)
		n += sh->frags[i].page == page;
	return n;
}

struct counts {
	uint64_t rounds, merged, refs_taken, refs_moved;
};

/* One round. Return: through @c, what happened. */
static void round_once(struct env *e, bool pp_to, uint64_t r, uint64_t *rng, struct counts *c)
{
	struct np_skb *orig, *cl, *from, *other, *to;
	struct np_page *fp[2];
	struct fate f0 = fate_now(e->pool);
	uint32_t from_len, to_len = pp_to ? PP_TO_LEN : NONPP_TO_LEN;
	uint64_t x = t_xorshift(rng);
	bool stolen, merged;
	int delta;

	orig = pool_skb(e->pool, NULL, FROM_HEAD, want_from, rng);
	for (int i = 0; i < 2; i++) {
		fp[i] = np_pool_alloc_pages(e->pool);
		CHECK(fp[i]);
		fill_rng(np_page_address(fp[i]), FRAG_LEN, rng);
		memcpy(want_from + orig->len, np_page_address(fp[i]), FRAG_LEN);
		np_skb_add_rx_frag(orig, (unsigned)i, fp[i], 0, FRAG_LEN, 4096);
	}
	from_len = orig->len;
	cl = np_skb_clone(orig);
	CHECK(cl);
	from = x & 1 ? cl : orig;
	other = from == orig ? cl : orig;

	if (pp_to) {
		to = pool_skb(e->pool, NULL, to_len, want_to, rng);
	} else {
		void *d;

		to = np_alloc_skb(1024);
		CHECK(to);
		d = np_skb_put(to, to_len);
		CHECK(d);
		fill_rng(d, to_len, rng);
		memcpy(want_to, d, to_len);
	}
	CHECK(np_skb_tailroom(to) >= FROM_HEAD && np_skb_tailroom(to) < from_len);
	memcpy(want_to + to_len, want_from, from_len);

	/* go: the other thread frees `other` while this one coalesces */
	atomic_store_explicit(&victim, other, memory_order_relaxed);
	atomic_store_explicit(&victim_delay, x & 2 ? (int)((x >> 8) % 300) : 0,
			      memory_order_relaxed);
	atomic_store_explicit(&go_round, r, memory_order_release);
	if (!(x & 2))
		spin((int)((x >> 8) % 1500));	/* the freer takes a while to see the flag */
	merged = np_skb_try_coalesce(to, from, &stolen, &delta);
	while (atomic_load_explicit(&done_round, memory_order_acquire) != r)
		;

	CHECK(!stolen);		/* a head that may be shared is never stolen */
	c->rounds++;
	c->merged += merged;
	for (int i = 0; i < 2; i++) {
		int pool_slots = slots(from, fp[i]), page_slots = 0;

		/* from holds the data alone now, with pool references (it is pp) */
		CHECK(from->pp_recycle && !np_skb_cloned(from));
		if (to->pp_recycle)
			pool_slots += slots(to, fp[i]);
		else
			page_slots += slots(to, fp[i]);
		if (!np_page_is_pp(fp[i]) || pp_ref(fp[i]) != pool_slots ||
		    np_page_ref_count(fp[i]) != 1 + page_slots) {
			fprintf(stderr, "FAIL round %llu (%s to, merged %d): frag %d: pp %d pp_ref %ld "
				"refcount %d; slots: pool %d page %d\n", (unsigned long long)r,
				pp_to ? "pp" : "non-pp", merged, i, np_page_is_pp(fp[i]),
				pp_ref(fp[i]), np_page_ref_count(fp[i]), pool_slots, page_slots);
			exit(1);
		}
	}
	if (merged) {
		check_bytes(to, want_to, to_len + from_len);
		if (np_skb_shinfo(from)->nr_frags)
			c->refs_taken++;
		else
			c->refs_moved++;
	} else {
		check_bytes(to, want_to, to_len);
	}
	if (!merged || np_skb_shinfo(from)->nr_frags)
		check_bytes(from, want_from, from_len);	/* moved: from is only a shell */

	np_kfree_skb_partial(from, stolen);
	np_kfree_skb(to);
	/* from's head and two frags, and to's head when it is a pool page: once each */
	CHECK_FATE(e->pool, &f0, 3 + pp_to, 0);
}

static void run(bool pp_to)
{
	uint64_t rng = pp_to ? 0x3c6ef372fe94f82bull : 0xa54ff53a5f1d36f1ull;
	struct counts c = { 0 };
	struct env e;
	pthread_t th;
	uint64_t r = atomic_load(&go_round), r0 = r;

	env_init_napi(&e, NULL);
	atomic_store(&stop, 0);
	CHECK_EQ(pthread_create(&th, NULL, freer, &r0), 0);
	while (c.rounds < ROUNDS_MAX) {
		round_once(&e, pp_to, ++r, &rng, &c);
		if (c.rounds >= ROUNDS_MIN &&
		    (!pp_to || (c.refs_taken >= OUTCOME_MIN && c.refs_moved >= OUTCOME_MIN)))
			break;
	}
	atomic_store_explicit(&stop, 1, memory_order_release);
	CHECK_EQ(pthread_join(th, NULL), 0);
	printf("%s to: %llu rounds, %llu merged (%llu took references, %llu moved them)\n",
	       pp_to ? "pp" : "non-pp", (unsigned long long)c.rounds,
	       (unsigned long long)c.merged, (unsigned long long)c.refs_taken,
	       (unsigned long long)c.refs_moved);
	if (pp_to) {
		CHECK_EQ(c.merged, c.rounds);
		/* the race was run: the clone was seen both still there and gone */
		CHECK(c.refs_taken > 0 && c.refs_moved > 0);
	} else {
		/* mixed pp_recycle never merges */
		CHECK_EQ(c.merged, 0);
	}
	env_fini(&e);
}

int main(void)
{
	run(false);
	run(true);
	np_skb_thread_flush();
	return 0;
}
