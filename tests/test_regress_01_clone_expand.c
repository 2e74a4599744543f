/* SPDX-License-Identifier: MIT */
/*
 * docs/regressions.md R1: clone A -> B, B gives up its share of the data
 * (expand, trim or linearize its head), then A, B and a second clone C freed
 * in every order; after each step a reference-level model checks every
 * page's refcount and pp_ref_count, B's pp_recycle, the pool's counters and
 * the bytes of every live skb.
 *
 * Caught, with the bug put back:
 *   - np_skb_release_data() not clearing pp_recycle: "B pp_recycle 1, want
 *     0"; without that check, "page 1: pp 0 pp_ref 0 refcount 1, want pp 1
 *     ..." (B's page references returned as pool references);
 *   - np_pskb_expand_head() clearing pp_recycle of an uncloned skb (review
 *     point (d) reversed): "B pp_recycle 0, want 1";
 *   - np_pskb_expand_head() on a clone taking no page references on its
 *     frags: "page 1: ... refcount 1, want ... refcount 2".
 */
#include "testutil.h"

#include "skbtest.h"

/* ---- the packet: pool head H, frags F0, G (foreign), F1, F2 ---- */

enum { PG_H, PG_F0, PG_G, PG_F1, PG_F2, NPG };
static const uint32_t frag_len[NPG] = { 0, 1000, 500, 1200, 900 };
#define HEADLEN		200u
#define TRIM_LEN	(HEADLEN + 1000u + 500u + 1200u)	/* F2 falls off */

enum op { OP_EXPAND, OP_TRIM, OP_LINEARIZE, NOPS };
static const char *const op_name[NOPS] = { "expand", "trim", "linearize" };
enum ev { EV_OP, EV_FREE_A, EV_FREE_B, EV_FREE_C, NEV };

static uint8_t want[16384];

enum { LIVE = 0, RECYCLED, RELEASED };

struct model {
	bool a_alive, c_alive, b_in_d;	/* holders of the original data D */
	bool d_has[NPG];		/* D still holds this page's reference */
	bool b_page[NPG];		/* B holds a page reference of its own */
	int fate[NPG];
	uint64_t recycled, released;
	int b_pp;			/* B's pp_recycle */
	uint32_t b_len;
};

struct scen {
	struct env e;
	struct np_skb *a, *b, *c;
	struct np_page *pg[NPG];
	struct fate f0;
	struct model m;
	uint32_t len;
};

static void build(struct scen *s)
{
	struct np_page *h = np_pool_alloc_pages(s->e.pool);
	struct np_skb *a;
	void *p;

	CHECK(h);
	a = np_build_skb(np_page_address(h), (uint32_t)np_page_size(h));
	CHECK(a);
	np_skb_reserve(a, NP_SKB_PAD);
	p = np_skb_put(a, HEADLEN);
	CHECK(p);
	fill(p, HEADLEN);
	memcpy(want, p, HEADLEN);
	np_skb_mark_for_recycle(a);
	s->pg[PG_H] = h;
	for (int i = PG_F0; i < NPG; i++) {
		struct np_page *pg = i == PG_G ?
			np_page_alloc(s->e.prov, 0, NP_NUMA_NO_NODE, 0) : np_pool_alloc_pages(s->e.pool);
		void *d;

		CHECK(pg);
		d = np_page_address(pg);
		fill(d, frag_len[i]);
		memcpy(want + a->len, d, frag_len[i]);
		np_skb_add_rx_frag(a, np_skb_shinfo(a)->nr_frags, pg, 0, frag_len[i], 4096);
		s->pg[i] = pg;
	}
	s->a = a;
	s->len = a->len;
	CHECK_EQ(s->len, HEADLEN + 1000 + 500 + 1200 + 900);
}

static bool is_pool_page(int i)
{
	return i != PG_G;
}

static unsigned d_holders(const struct model *m)
{
	return (unsigned)m->a_alive + (unsigned)m->c_alive + (unsigned)m->b_in_d;
}

static void model_drop_pool(struct model *m, int i)
{
	CHECK(m->fate[i] == LIVE);
	if (m->b_page[i]) {
		m->fate[i] = RELEASED;
		m->released++;
	} else {
		m->fate[i] = RECYCLED;
		m->recycled++;
	}
}

/* The last holder of D let go: every reference D still has is dropped. */
static void model_release_d(struct model *m)
{
	for (int i = 0; i < NPG; i++) {
		if (!m->d_has[i])
			continue;
		m->d_has[i] = false;
		if (is_pool_page(i))
			model_drop_pool(m, i);
	}
}

/* The library's state against the model. */
static void check_model(struct scen *s, int line)
{
	const struct model *m = &s->m;

	for (int i = 0; i < NPG; i++) {
		struct np_page *pg = s->pg[i];
		int held = (int)m->d_has[i] + (int)m->b_page[i];

		if (!is_pool_page(i)) {
			if (held && np_page_ref_count(pg) != held) {
				fprintf(stderr, "FAIL line %d: foreign page refcount %d, want %d\n",
					line, np_page_ref_count(pg), held);
				exit(1);
			}
			continue;
		}
		if (m->fate[i] == LIVE) {
			/* one pool reference (D's); page references: the pool's + B's */
			if (!np_page_is_pp(pg) || pg->pp != s->e.pool || pp_ref(pg) != 1 ||
			    np_page_ref_count(pg) != 1 + (int)m->b_page[i]) {
				fprintf(stderr, "FAIL line %d: page %d: pp %d pp_ref %ld refcount %d, "
					"want pp 1 pp_ref 1 refcount %d\n", line, i, np_page_is_pp(pg),
					pp_ref(pg), np_page_ref_count(pg), 1 + (int)m->b_page[i]);
				exit(1);
			}
		} else if (m->fate[i] == RELEASED && m->b_page[i]) {
			/* left the pool; only B's page reference holds it now */
			if (np_page_is_pp(pg) || np_page_ref_count(pg) != 1) {
				fprintf(stderr, "FAIL line %d: released page %d: pp %d refcount %d\n",
					line, i, np_page_is_pp(pg), np_page_ref_count(pg));
				exit(1);
			}
		} else if (m->fate[i] == RECYCLED) {
			if (!np_page_is_pp(pg) || np_page_ref_count(pg) != 1 || pp_ref(pg) != IDLE_REF) {
				fprintf(stderr, "FAIL line %d: recycled page %d: pp %d refcount %d "
					"pp_ref %ld\n", line, i, np_page_is_pp(pg),
					np_page_ref_count(pg), pp_ref(pg));
				exit(1);
			}
		}
	}
	check_fate(s->e.pool, &s->f0, m->recycled, m->released, __FILE__, line);
	if (s->a && m->a_alive) {
		CHECK(s->a->pp_recycle);
		check_bytes(s->a, want, s->len);
	}
	if (s->c && m->c_alive) {
		CHECK(s->c->pp_recycle);
		check_bytes(s->c, want, s->len);
	}
	if (s->b) {
		if (s->b->pp_recycle != m->b_pp) {
			fprintf(stderr, "FAIL line %d: B pp_recycle %d, want %d\n", line,
				s->b->pp_recycle, m->b_pp);
			exit(1);
		}
		check_bytes(s->b, want, m->b_len);
	}
}

static void do_op(struct scen *s, enum op op)
{
	struct model *m = &s->m;
	bool shared = d_holders(m) > 1;
	uint32_t headroom = np_skb_headroom(s->b);

	switch (op) {
	case OP_EXPAND:
		CHECK_EQ(np_pskb_expand_head(s->b, 64, 0), 0);
		CHECK_EQ(np_skb_headroom(s->b), headroom + 64);
		CHECK(!s->b->head_frag);
		break;
	case OP_TRIM:
		CHECK_EQ(np_pskb_trim(s->b, TRIM_LEN), 0);
		m->b_len = TRIM_LEN;
		break;
	default:
		CHECK_EQ(np_skb_linearize(s->b), 0);
		CHECK(!np_skb_is_nonlinear(s->b));
		break;
	}
	if (shared) {
		/* B had to leave the shared data: page references of its own, no recycling */
		m->b_in_d = false;
		if (op == OP_EXPAND) {
			for (int i = PG_F0; i < NPG; i++)
				m->b_page[i] = true;
		} else if (op == OP_TRIM) {
			for (int i = PG_F0; i < PG_F2; i++)
				m->b_page[i] = true;
		}
		m->b_pp = 0;
		return;
	}
	/* B holds the data alone: no clone left to protect */
	if (op == OP_EXPAND) {
		m->d_has[PG_H] = false;		/* only the old head goes */
		model_drop_pool(m, PG_H);
		m->b_pp = 1;
	} else if (op == OP_TRIM) {
		m->d_has[PG_F2] = false;
		model_drop_pool(m, PG_F2);
		m->b_pp = 1;
	} else {
		m->b_in_d = false;
		model_release_d(m);
		m->b_pp = 0;
	}
}

static void do_free(struct scen *s, enum ev ev)
{
	struct model *m = &s->m;

	switch (ev) {
	case EV_FREE_A:
		np_kfree_skb(s->a);
		s->a = NULL;
		m->a_alive = false;
		break;
	case EV_FREE_C:
		np_kfree_skb(s->c);
		s->c = NULL;
		m->c_alive = false;
		break;
	default:
		np_kfree_skb(s->b);
		s->b = NULL;
		if (m->b_in_d) {
			m->b_in_d = false;
		} else {
			for (int i = 0; i < NPG; i++)
				m->b_page[i] = false;
		}
		break;
	}
	if (!d_holders(m))
		model_release_d(m);
}

static void run(enum op op, const unsigned *order)
{
	struct scen s;

	memset(&s, 0, sizeof(s));
	env_init_napi(&s.e, NULL);
	build(&s);
	s.b = np_skb_clone(s.a);
	s.c = np_skb_clone(s.a);
	CHECK(s.b && s.c);
	CHECK(s.b->pp_recycle && s.c->pp_recycle);
	CHECK_EQ(atomic_load(&np_skb_shinfo(s.a)->dataref), 3);
	s.m.a_alive = s.m.c_alive = s.m.b_in_d = true;
	for (int i = 0; i < NPG; i++)
		s.m.d_has[i] = true;
	s.m.b_pp = 1;
	s.m.b_len = s.len;
	s.f0 = fate_now(s.e.pool);
	check_model(&s, __LINE__);

	for (int k = 0; k < NEV; k++) {
		if (order[k] == EV_OP)
			do_op(&s, op);
		else
			do_free(&s, order[k]);
		if (getenv("T_VERBOSE"))
			fprintf(stderr, "%s: step %d (event %d)\n", op_name[op], k, order[k]);
		check_model(&s, __LINE__);
	}
	/* every pool page came back exactly once */
	CHECK_EQ(s.m.recycled + s.m.released, 4);
	for (int i = 0; i < NPG; i++)
		CHECK(!is_pool_page(i) || s.m.fate[i] != LIVE);
	env_fini(&s.e);
}

/* B's operation comes before B's free. */
static bool op_before_free_b(const unsigned *order, void *arg)
{
	(void)arg;
	for (int i = 0; i < NEV; i++) {
		if (order[i] == EV_FREE_B)
			return false;
		if (order[i] == EV_OP)
			break;
	}
	return true;
}

static void run_order(const unsigned *order, void *op)
{
	run((enum op)*(int *)op, order);
}

int main(void)
{
	skbt_seed(0x2545f4914f6cdd1dull);
	/* every order of the four events with B's operation before B's free */
	for (int op = 0; op < NOPS; op++)
		CHECK_EQ(t_each_order(NEV, op_before_free_b, run_order, &op), 12);
	np_skb_thread_flush();
	return 0;
}
