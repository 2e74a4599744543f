/* SPDX-License-Identifier: MIT */
/*
 * The reference model of the skb layer: random sequences of skb operations,
 * checked against a shadow after every step.
 *
 * Each seed builds skbs from every kind of head (a pool page, a pool
 * fragment, the page-fragment allocator, the small-object allocator), marks
 * them for recycle or not, adds frags of pool and non-pool pages, and then
 * clones, expands, coalesces, shifts, splits, GRO-merges, segments, copies,
 * trims, pulls, linearizes and frees them in random order, inside and
 * outside the pools' napi contexts.
 *
 * The shadow:
 *   - every top-level skb has a copy of the bytes it must hold, kept by the
 *     model from what each operation means (never read back from the skb);
 *   - every page the test touched has the model's view of it: a pool page
 *     in use (one life, from the pool handing it out to its last pool
 *     reference), an idle one, or a non-pool page; and the references the
 *     test itself holds outside any skb (raw references, the unused bias of
 *     the pool's and the page-fragment allocator's current fragment pages).
 *
 * After every step, a walk over every live skb (top-level, frag_list
 * members, clones sharing data) applies the reference rule of SPEC section 4
 * to what it finds: each head_frag head and each frag slot of a data owns one
 * reference, a pool reference iff the data's pp_recycle is set and the model
 * holds the page to be a pool page in use, else a page reference; clones
 * share them. From that and the raw references it derives each page's
 * expected refcount and pp_ref_count and compares them with the real ones.
 * It also checks: users of every skb struct = the places that hold it;
 * dataref = the structs sharing the data, all with one pp_recycle; the
 * length fields; no slot on a page the model holds free; no page in a pool's
 * alloc cache while in use; a pool page whose last pool reference went was
 * recycled (still in the pool, nothing else referencing it) or released
 * (out of the pool), exactly once, and the pool's counters moved by exactly
 * those events (recycled = cached + ring, released = released_refcnt +
 * ring_full, release = released + waive); inflight = pages in use + idle;
 * every live skb's bytes (np_skb_copy_bits) equal its shadow.
 * At the end of a seed everything is freed: np_skb_live() 0, every pool back
 * to idle pages only and freed at destroy, the provider with no page out.
 *
 * Environment: NP_MODEL_SEEDS (default 3000), NP_MODEL_STEPS (per seed,
 * default 200), NP_MODEL_SEED=N (only that seed; with NP_MODEL_TRACE=1 each
 * step is printed as it runs), NP_MODEL_FIRST (first seed),
 * NP_MODEL_SKIP=op,op (operations left out; see op_names), NP_MODEL_WATCH=h
 * (dump that skb after each step), NP_MODEL_STATS=1 (how often each op ran),
 * NP_MODEL_GRO_NESTED=0 (never GRO an skb that has a frag_list of its own).
 */
#include <signal.h>
#include <limits.h>
#include "testutil.h"
#include "skbtest.h"
#include "pool_internal.h"	/* NP_POOL_FRAG_BIAS: the pool's fragment-page bias */

#define MAX_H		20		/* top-level skbs at once */
#define SHADOW_CAP	(72 * 1024)
#define MAX_PKT		65000u		/* the model keeps packets below this */
#define MAX_RAW		64
#define MAX_POOLS	2
#define PTAB_SIZE	16384		/* page table (power of two) */
#define SET_SIZE	1024		/* per-walk sets (power of two) */
#if defined(__SANITIZE_THREAD__)
#define DEFAULT_SEEDS	300		/* single-threaded: TSan adds nothing but time */
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define DEFAULT_SEEDS	300
#endif
#endif
#ifndef DEFAULT_SEEDS
#define DEFAULT_SEEDS	3000
#endif
#define DEFAULT_STEPS	200

enum {
	OP_NEW_POOLPAGE, OP_NEW_POOLFRAG, OP_NEW_NETDEV, OP_NEW_PAGEFRAG, OP_NEW_SMALL,
	OP_ADD_FRAG, OP_CLONE, OP_EXPAND, OP_COALESCE, OP_SHIFT, OP_SPLIT, OP_GRO,
	OP_SEGMENT, OP_COPY, OP_PSKB_COPY, OP_TRIM, OP_MAY_PULL, OP_LINEARIZE, OP_PULL,
	OP_COW_HEAD, OP_UNSHARE, OP_FREE, OP_RAW_REF, OP_RAW_PUT, OP_NAPI, OP_MAX
};

static const char *const op_names[OP_MAX] = {
	"new_poolpage", "new_poolfrag", "new_netdev", "new_pagefrag", "new_small",
	"add_frag", "clone", "expand", "coalesce", "shift", "split", "gro",
	"segment", "copy", "pskb_copy", "trim", "may_pull", "linearize", "pull",
	"cow_head", "unshare", "free", "raw_ref", "raw_put", "napi",
};

static const unsigned op_weight[OP_MAX] = {
	[OP_NEW_POOLPAGE] = 6, [OP_NEW_POOLFRAG] = 5, [OP_NEW_NETDEV] = 3,
	[OP_NEW_PAGEFRAG] = 2, [OP_NEW_SMALL] = 3, [OP_ADD_FRAG] = 8, [OP_CLONE] = 6,
	[OP_EXPAND] = 3, [OP_COALESCE] = 5, [OP_SHIFT] = 3, [OP_SPLIT] = 3, [OP_GRO] = 5,
	[OP_SEGMENT] = 2, [OP_COPY] = 2, [OP_PSKB_COPY] = 3, [OP_TRIM] = 3,
	[OP_MAY_PULL] = 3, [OP_LINEARIZE] = 1, [OP_PULL] = 2, [OP_COW_HEAD] = 2,
	[OP_UNSHARE] = 1, [OP_FREE] = 14, [OP_RAW_REF] = 2, [OP_RAW_PUT] = 4, [OP_NAPI] = 3,
};

static bool op_off[OP_MAX];

/* ---- the run's state ---- */

struct handle {
	struct np_skb *skb;		/* NULL: free slot */
	uint32_t len;			/* shadow length */
	uint8_t *want;			/* shadow bytes */
};

/* What the model knows of one page. */
struct pent {
	struct np_page *page;		/* key; NULL: empty slot */
	bool active;			/* the model holds it referenced (or in use in a pool) */
	bool alive;			/* pool page in use: a life is open */
	int pool;			/* pool index, or -1: not a pool page */
	long bias;			/* pool frag page: unused pool references */
	long calib;			/* non-pool: page references outside any tracked holder */
	int raw_pp, raw_pg;		/* references the test holds itself */
	/* derived by the walk */
	uint32_t gen;
	int hp, hg;			/* slots holding a pool / a page reference */
};

struct raw {
	struct np_page *page;
	bool pool;			/* a pool reference (else a page reference) */
};

struct pset_ent {
	const void *key;
	uint32_t gen;
	int count;			/* structs: places holding it; data: structs sharing it */
	int pp;				/* data: its pp_recycle */
	uint32_t data_len;		/* data: its paged bytes */
};

static struct np_provider *prov;
static struct np_pool *pools[MAX_POOLS];
static struct np_napi_ctx napis[MAX_POOLS];
static int npools;
static int in_napi = -1;
static struct np_napi_ctx *napi_prev;
static struct np_pool_stats st_prev[MAX_POOLS];
static int ev_recycled[MAX_POOLS];	/* lives ended (recycled) inside the current op */

static struct handle H[MAX_H];
static struct pent ptab[PTAB_SIZE];
static int pused[PTAB_SIZE];		/* indices of slots ever used this seed */
static int npused;
static struct raw raws[MAX_RAW];
static int nraw;
static struct pent *pool_frag[MAX_POOLS];	/* the model's view of each pool's frag page */
static struct pent *fc_page;		/* the page-fragment allocator's current block */

static struct pset_ent sset[SET_SIZE], dset[SET_SIZE];
static uint32_t gen;

static uint64_t rng;
static uint64_t cur_seed;
static unsigned cur_step;
static bool trace;
static bool gro_nested;		/* NP_MODEL_GRO_NESTED=1: GRO an skb that has a frag_list */
static int watch = -1;		/* NP_MODEL_WATCH=h: dump that skb after each step */
static char *steplog;
static size_t steplog_len, steplog_cap;
static uint8_t scratch[SHADOW_CAP];
static uint64_t total_steps;
static bool took;			/* the current op changed something */
static uint64_t op_ran[OP_MAX], op_took[OP_MAX];	/* attempted with a target / changed something */

/* ---- failure reporting ---- */

static void dump_steps(void)
{
	fprintf(stderr, "seed %llu, steps so far:\n%.*s", (unsigned long long)cur_seed,
		(int)steplog_len, steplog ? steplog : "");
	fprintf(stderr, "replay: NP_MODEL_SEED=%llu NP_MODEL_TRACE=1 %s\n",
		(unsigned long long)cur_seed, "test_skb_model");
}

__attribute__((format(printf, 1, 2), noreturn))
static void fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL seed %llu step %u: ", (unsigned long long)cur_seed, cur_step);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	dump_steps();
	exit(1);
}

static void on_abort(int sig)
{
	(void)sig;
	fprintf(stderr, "ABORT seed %llu step %u\n", (unsigned long long)cur_seed, cur_step);
	dump_steps();
	signal(SIGABRT, SIG_DFL);
	abort();
}

__attribute__((format(printf, 4, 5), noreturn))
static void fail_at(const char *file, int line, const char *expr, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail("%s:%d: %s: %s", file, line, expr, msg);
}

#define MCHECK(cond, ...)                                                        \
	do {                                                                     \
		if (!(cond))                                                     \
			fail_at(__FILE__, __LINE__, #cond, __VA_ARGS__);         \
	} while (0)

__attribute__((format(printf, 1, 2)))
static void logstep(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (steplog_len + (size_t)n + 16 > steplog_cap) {
		steplog_cap = steplog_cap ? steplog_cap * 2 : 65536;
		steplog = realloc(steplog, steplog_cap);
		CHECK(steplog);
	}
	steplog_len += (size_t)snprintf(steplog + steplog_len, steplog_cap - steplog_len,
					"%u: %s\n", cur_step, line);
	if (trace)
		fprintf(stderr, "%u: %s\n", cur_step, line);
}

/* ---- random numbers ---- */

static uint32_t rnd(uint32_t n)	/* 0..n-1 */
{
	return n ? (uint32_t)(t_xorshift(&rng) % n) : 0;
}

static bool chance(unsigned pct)
{
	return rnd(100) < pct;
}

static void fill(void *p, uint32_t n)
{
	unsigned char *c = p;

	for (uint32_t i = 0; i < n; i++)
		c[i] = (unsigned char)(t_xorshift(&rng) >> 24);
}

/* ---- the page table ---- */

static size_t phash(const void *p)
{
	return (size_t)(((uintptr_t)p >> 6) * 0x9e3779b97f4a7c15ull >> 40) & (PTAB_SIZE - 1);
}

static struct pent *pfind(const struct np_page *page)
{
	for (size_t i = phash(page);; i = (i + 1) & (PTAB_SIZE - 1)) {
		if (ptab[i].page == page)
			return &ptab[i];
		if (!ptab[i].page)
			return NULL;
	}
}

static struct pent *pget(struct np_page *page)
{
	struct pent *e = pfind(page);
	size_t i;

	if (e)
		return e;
	MCHECK(npused < PTAB_SIZE / 2, "page table full");
	for (i = phash(page); ptab[i].page; i = (i + 1) & (PTAB_SIZE - 1))
		;
	memset(&ptab[i], 0, sizeof(ptab[i]));
	ptab[i].page = page;
	ptab[i].pool = -1;
	pused[npused++] = (int)i;
	return &ptab[i];
}

static long pool_total(const struct pent *e)
{
	return e->hp + e->raw_pp + e->bias;
}

static long page_total(const struct pent *e)
{
	return e->hg + e->raw_pg + e->calib;
}

/*
 * A page handed out by pool @pi with one pool reference the test now holds.
 * If the model still had it in use, its life must have ended in this very
 * operation (a fragment page drained into the cache and popped again).
 */
static struct pent *birth_pool(struct np_page *page, int pi)
{
	struct pent *e = pget(page);

	if (e->active && e->alive) {
		MCHECK(e->pool == pi && e->hp + e->hg + e->raw_pp + e->raw_pg == 0,
		       "pool %d handed out page %p still in use (hp %d hg %d raw %d/%d)", pi,
		       (void *)page, e->hp, e->hg, e->raw_pp, e->raw_pg);
		ev_recycled[pi]++;
	} else if (e->active) {
		MCHECK(e->pool >= 0 || page_total(e) == 0,
		       "pool %d handed out non-pool page %p still referenced", pi, (void *)page);
	}
	MCHECK(np_page_is_pp(page) && page->pp == pools[pi], "fresh page %p not of pool %d",
	       (void *)page, pi);
	MCHECK(np_page_ref_count(page) == 1, "fresh pool page refcount %d",
	       np_page_ref_count(page));
	e->active = true;
	e->alive = true;
	e->pool = pi;
	e->bias = 0;
	e->calib = 0;
	e->raw_pp = 1;
	e->raw_pg = 0;
	e->hp = e->hg = 0;
	e->gen = gen;
	return e;
}

/* A non-pool page the test now holds one page reference to, beside @calib others. */
static struct pent *birth_plain(struct np_page *page, long calib)
{
	struct pent *e = pget(page);

	MCHECK(!e->active || (!e->alive && (e->pool >= 0 || page_total(e) == 0)),
	       "provider handed out page %p the model holds referenced", (void *)page);
	MCHECK(!np_page_is_pp(page), "fresh plain page %p has the pool signature", (void *)page);
	e->active = true;
	e->alive = false;
	e->pool = -1;
	e->bias = 0;
	e->calib = calib;
	e->raw_pp = 0;
	e->raw_pg = 1;
	e->hp = e->hg = 0;
	e->gen = gen;
	return e;
}

/* ---- sources of buffers (each returns with one reference held raw by the test) ---- */

static struct pent *get_pool_page(int pi)
{
	struct np_page *page = np_pool_alloc_pages(pools[pi]);

	MCHECK(page, "pool alloc failed");
	return birth_pool(page, pi);
}

/* A fragment of pool @pi: page, *@off, @size bytes. */
static struct pent *get_pool_frag(int pi, uint32_t size, unsigned *off, bool widen, uint32_t *got)
{
	struct pent *old = pool_frag[pi], *e;
	unsigned int sz = size;
	uint32_t max = (uint32_t)(NP_PAGE_SIZE << pools[pi]->order);
	struct np_page *page;

	if (widen)
		page = np_pool_alloc(pools[pi], off, &sz);
	else
		page = np_pool_alloc_frag(pools[pi], off, size);
	MCHECK(page, "pool frag alloc failed");
	*got = sz;
	if (widen && size > max / 2) {
		/* a whole page */
		MCHECK(*off == 0 && sz == max, "np_pool_alloc whole page off %u size %u", *off, sz);
		return birth_pool(page, pi);
	}
	if (*off == 0) {
		/* a new fragment page: the old one's bias went back */
		if (old)
			old->bias = 0;
		e = birth_pool(page, pi);
		e->bias = NP_POOL_FRAG_BIAS - 1;
		pool_frag[pi] = e;
	} else {
		MCHECK(old && old->page == page, "frag at offset %u of a page not the frag page", *off);
		e = old;
		e->bias--;
		e->raw_pp++;
	}
	return e;
}

static struct pent *note_pagefrag(void *p)
{
	struct np_page *page = np_virt_to_page(p);
	struct pent *e;

	if (fc_page && fc_page->page == page) {
		fc_page->calib--;
		fc_page->raw_pg++;
		return fc_page;
	}
	if (fc_page)
		fc_page->calib = 0;	/* the old block's bias was given back */
	e = birth_plain(page, np_page_ref_count(page) - 1);
	MCHECK(e->calib > 1000, "page-fragment block with refcount %d", np_page_ref_count(page));
	fc_page = e;
	return e;
}

static void raw_add(struct np_page *page, bool pool);

/* Put back one raw reference the test holds. */
static void raw_release(struct np_page *page, bool pool)
{
	struct pent *e = pfind(page);

	MCHECK(e && e->active, "raw ref on untracked page");
	if (pool) {
		int pi = e->pool;
		bool direct = in_napi == pi;

		MCHECK(e->raw_pp > 0, "no raw pool ref");
		e->raw_pp--;
		switch (rnd(3)) {
		case 0:
			np_pool_put_page(pools[pi], page, NP_POOL_SYNC_FULL, direct);
			break;
		case 1:
			MCHECK(np_napi_pp_put_page(page), "pool page not recognised");
			break;
		default:
			np_skb_page_unref(page, true);
			break;
		}
	} else {
		MCHECK(e->raw_pg > 0, "no raw page ref");
		e->raw_pg--;
		np_page_put(page);
	}
}

static void raw_add(struct np_page *page, bool pool)
{
	if (nraw == MAX_RAW) {
		int i = (int)rnd(MAX_RAW);

		raw_release(raws[i].page, raws[i].pool);
		raws[i] = raws[--nraw];
	}
	raws[nraw].page = page;
	raws[nraw].pool = pool;
	nraw++;
}

/*
 * The caller's raw reference to @e moves into a slot of an skb with
 * @pp_recycle: as it is when its kind matches, else the slot gets a page
 * reference and the test keeps the pool reference raw.
 */
static void move_in(struct pent *e, bool pp_recycle)
{
	bool pool_ref = e->alive && e->pool >= 0;

	if (pool_ref && pp_recycle) {
		e->raw_pp--;
		if (chance(10)) {
			/* a driver keeping a second pool reference of its own */
			np_pool_ref_page(e->page);
			e->raw_pp++;
			raw_add(e->page, true);
		}
	} else if (pool_ref) {
		np_page_get(e->page);	/* the slot's page reference; the pool one stays raw */
		raw_add(e->page, true);
	} else {
		e->raw_pg--;
	}
}

/* ---- handles ---- */

static int h_free_slot(void)
{
	for (int i = 0; i < MAX_H; i++)
		if (!H[i].skb)
			return i;
	return -1;
}

static int h_count(void)
{
	int n = 0;

	for (int i = 0; i < MAX_H; i++)
		n += H[i].skb != NULL;
	return n;
}

static int h_pick(void)
{
	int n = h_count(), k;

	if (!n)
		return -1;
	k = (int)rnd((uint32_t)n);
	for (int i = 0; i < MAX_H; i++)
		if (H[i].skb && k-- == 0)
			return i;
	return -1;
}

static int h_pick_other(int not)
{
	int n = h_count() - (not >= 0), k;

	if (n <= 0)
		return -1;
	k = (int)rnd((uint32_t)n);
	for (int i = 0; i < MAX_H; i++)
		if (H[i].skb && i != not && k-- == 0)
			return i;
	return -1;
}

static void h_set(int i, struct np_skb *skb, const uint8_t *want, uint32_t len)
{
	H[i].skb = skb;
	H[i].len = len;
	if (want && len)
		memmove(H[i].want, want, len);
}

static void h_drop(int i)
{
	H[i].skb = NULL;
	H[i].len = 0;
}

/* ---- the walk and the checks ---- */

static struct pset_ent *set_get(struct pset_ent *set, const void *key, bool *fresh)
{
	for (size_t i = phash(key) & (SET_SIZE - 1);; i = (i + 1) & (SET_SIZE - 1)) {
		if (set[i].gen != gen) {
			memset(&set[i], 0, sizeof(set[i]));
			set[i].key = key;
			set[i].gen = gen;
			*fresh = true;
			return &set[i];
		}
		if (set[i].key == key) {
			*fresh = false;
			return &set[i];
		}
	}
}

static void count_slot(struct np_page *page, bool pp, const char *what, const struct np_skb *skb)
{
	struct pent *e = pfind(page);

	MCHECK(e && e->active, "%s of skb %p on page %p the model holds free", what,
	       (const void *)skb, (void *)page);
	if (e->gen != gen) {
		e->gen = gen;
		e->hp = e->hg = 0;
	}
	if (pp && e->alive && e->pool >= 0)
		e->hp++;
	else
		e->hg++;
}

static int nstructs;
static const struct np_skb *structs[SET_SIZE / 2];

static void visit(const struct np_skb *skb, int depth)
{
	struct pset_ent *s, *d;
	const struct np_skb_shared_info *sh;
	uint32_t paged = 0;
	bool fresh;

	MCHECK(depth < 16, "frag_list nesting too deep");
	s = set_get(sset, skb, &fresh);
	s->count++;
	if (!fresh)
		return;
	MCHECK(nstructs < SET_SIZE / 2, "too many skbs");
	structs[nstructs++] = skb;
	MCHECK(skb->head && skb->data >= skb->head && skb->tail <= skb->end &&
	       skb->data <= skb->head + skb->tail, "bad pointers in skb %p", (const void *)skb);
	MCHECK(skb->len >= skb->data_len &&
	       np_skb_headlen(skb) == (uint32_t)(skb->head + skb->tail - skb->data),
	       "skb %p len %u data_len %u headlen mismatch", (const void *)skb, skb->len,
	       skb->data_len);
	MCHECK(!skb->nohdr, "nohdr set");
	sh = np_skb_shinfo(skb);
	d = set_get(dset, skb->head, &fresh);
	d->count++;
	if (!fresh) {
		MCHECK(d->pp == skb->pp_recycle, "skbs sharing data %p differ in pp_recycle",
		       (const void *)skb->head);
		MCHECK(d->data_len == skb->data_len, "skbs sharing data differ in data_len");
		return;
	}
	d->pp = skb->pp_recycle;
	MCHECK(sh->nr_frags <= NP_MAX_SKB_FRAGS, "nr_frags %u", sh->nr_frags);
	if (skb->head_frag)
		count_slot(np_virt_to_page(skb->head), skb->pp_recycle, "head", skb);
	for (unsigned i = 0; i < sh->nr_frags; i++) {
		const struct np_skb_frag *f = &sh->frags[i];

		MCHECK(f->len > 0 && f->offset + f->len <= np_page_size(f->page),
		       "frag %u off %u len %u outside its page", i, f->offset, f->len);
		count_slot(f->page, skb->pp_recycle, "frag", skb);
		paged += f->len;
	}
	for (const struct np_skb *l = sh->frag_list; l; l = l->next) {
		paged += l->len;
		visit(l, depth + 1);
	}
	d->data_len = paged;
	MCHECK(skb->data_len == paged, "skb %p data_len %u but frags+list hold %u",
	       (const void *)skb, skb->data_len, paged);
}

static void check_pool_counters(int pi, int recycled, int released)
{
	struct np_pool_stats st = t_pool_stats(pools[pi]);
	const struct np_pool_stats *o = &st_prev[pi];
	uint64_t rec = (st.recycle.cached + st.recycle.ring) - (o->recycle.cached + o->recycle.ring);
	uint64_t rel = (st.recycle.released_refcnt + st.recycle.ring_full) -
		       (o->recycle.released_refcnt + o->recycle.ring_full);

	MCHECK(rec == (uint64_t)recycled && rel == (uint64_t)released,
	       "pool %d: %llu recycled %llu released, the model expects %d and %d", pi,
	       (unsigned long long)rec, (unsigned long long)rel, recycled, released);
	MCHECK(st.release - o->release == rel + (st.alloc.waive - o->alloc.waive),
	       "pool %d: release moved by %llu", pi, (unsigned long long)(st.release - o->release));
	MCHECK(st.inflight >= 0, "pool %d inflight %lld", pi, (long long)st.inflight);
	st_prev[pi] = st;
}

static void dump_skb(const struct np_skb *skb, int depth)
{
	const struct np_skb_shared_info *sh = np_skb_shinfo(skb);

	fprintf(stderr, "%*sskb %p users %d head %p data +%u headlen %u len %u data_len %u "
		"pp %d cloned %d head_frag %d dataref %d nr_frags %u\n", depth * 2, "",
		(const void *)skb, atomic_load(&skb->users), (void *)skb->head,
		np_skb_headroom(skb), np_skb_headlen(skb), skb->len, skb->data_len, skb->pp_recycle,
		skb->cloned, skb->head_frag, atomic_load(&sh->dataref), sh->nr_frags);
	for (unsigned i = 0; i < sh->nr_frags; i++)
		fprintf(stderr, "%*s  frag %u page %p off %u len %u\n", depth * 2, "", i,
			(void *)sh->frags[i].page, sh->frags[i].offset, sh->frags[i].len);
	for (const struct np_skb *l = sh->frag_list; l; l = l->next)
		dump_skb(l, depth + 1);
}

static void model_check(void)
{
	int recycled[MAX_POOLS] = { 0 }, released[MAX_POOLS] = { 0 }, in_use[MAX_POOLS] = { 0 };

	gen++;
	nstructs = 0;
	for (int i = 0; i < MAX_H; i++) {
		if (!H[i].skb)
			continue;
		MCHECK(!H[i].skb->next, "top-level skb %d is chained", i);
		visit(H[i].skb, 0);
	}
	for (int i = 0; i < nstructs; i++) {
		bool fresh;
		const struct np_skb *skb = structs[i];
		struct pset_ent *s = set_get(sset, skb, &fresh);
		struct pset_ent *d = set_get(dset, skb->head, &fresh);
		int dref = atomic_load(&np_skb_shinfo(skb)->dataref);

		MCHECK(atomic_load(&skb->users) == s->count, "skb %p users %d, held in %d places",
		       (const void *)skb, atomic_load(&skb->users), s->count);
		MCHECK(dref == d->count, "data %p dataref %#x, shared by %d skbs",
		       (const void *)skb->head, dref, d->count);
		MCHECK(d->count == 1 || skb->cloned, "skb sharing data not marked cloned");
	}

	for (int k = 0; k < npused; k++) {
		struct pent *e = &ptab[pused[k]];
		struct np_page *page = e->page;
		int R = np_page_ref_count(page);
		long P = atomic_load(&page->pp_ref_count);

		if (!e->active)
			continue;
		if (e->gen != gen) {
			e->gen = gen;
			e->hp = e->hg = 0;
		}
		if (e->pool >= 0 && e->alive) {
			int pi = e->pool;

			if (pool_total(e) > 0) {
				in_use[pi]++;
				MCHECK(np_page_is_pp(page) && page->pp == pools[pi],
				       "page %p in use of pool %d lost its pool signature", (void *)page, pi);
				MCHECK(P == pool_total(e) && R == 1 + e->hg + e->raw_pg,
				       "page %p of pool %d: pp_ref_count %ld refcount %d, model %ld %d "
				       "(slots: %d pool, %d page; raw %d/%d; bias %ld)", (void *)page, pi,
				       P, R, pool_total(e), 1 + e->hg + e->raw_pg, e->hp,
				       e->hg, e->raw_pp, e->raw_pg, e->bias);
				continue;
			}
			/* its last pool reference went in this step: recycled or released, once */
			e->alive = false;
			if (np_page_is_pp(page) && page->pp == pools[pi]) {
				MCHECK(e->hg + e->raw_pg == 0 && R == 1,
				       "page %p recycled into pool %d while referenced (refcount %d, "
				       "%d page-reference slots, %d raw)", (void *)page, pi, R, e->hg,
				       e->raw_pg);
				recycled[pi]++;
				continue;	/* idle in its pool */
			}
			released[pi]++;
			e->pool = -1;
			e->calib = 0;
		} else if (e->pool >= 0) {
			/* idle in its pool: nothing may hold it */
			MCHECK(e->hp + e->hg + e->raw_pp + e->raw_pg == 0,
			       "idle page %p of pool %d held by %d slots", (void *)page, e->pool,
			       e->hp + e->hg);
			e->active = false;
			continue;
		}
		/* a page outside any pool */
		MCHECK(e->hp == 0, "pool-kind slot on plain page");
		if (page_total(e) == 0) {
			e->active = false;	/* freed: the provider may reuse it at once */
			continue;
		}
		MCHECK(!np_page_is_pp(page), "page %p outside any pool (model) has the signature",
		       (void *)page);
		MCHECK(R == page_total(e) && P == 0,
		       "plain page %p refcount %d pp_ref_count %ld, model %ld (slots %d raw %d "
		       "other %ld)", (void *)page, R, P, page_total(e), e->hg, e->raw_pg, e->calib);
	}

	for (int pi = 0; pi < npools; pi++) {
		struct np_pool *pool = pools[pi];
		struct np_pool_stats st;

		for (uint32_t c = 0; c < pool->alloc.count; c++) {
			struct np_page *page = pool->alloc.cache[c];
			struct pent *e = pfind(page);

			MCHECK(!e || !e->active || !e->alive,
			       "page %p in pool %d's cache while in use", (void *)page, pi);
			MCHECK(np_page_is_pp(page) && page->pp == pool && np_page_ref_count(page) == 1,
			       "cached page %p: signature, owner or refcount wrong", (void *)page);
		}
		check_pool_counters(pi, recycled[pi] + ev_recycled[pi], released[pi]);
		ev_recycled[pi] = 0;
		st = st_prev[pi];
		MCHECK(st.inflight == (int64_t)in_use[pi] + pool->alloc.count +
					      np_pool_ring_count(pool),
		       "pool %d inflight %lld, the model has %d in use + %u cached + %u in the ring",
		       pi, (long long)st.inflight, in_use[pi], pool->alloc.count,
		       np_pool_ring_count(pool));
	}

	for (int i = 0; i < MAX_H; i++) {
		const struct np_skb *skb = H[i].skb;

		if (!skb)
			continue;
		MCHECK(skb->len == H[i].len, "skb %d len %u, model %u", i, skb->len, H[i].len);
		MCHECK(np_skb_copy_bits(skb, 0, scratch, skb->len) == 0, "copy_bits failed");
		if (memcmp(scratch, H[i].want, H[i].len)) {
			uint32_t at = 0;

			while (scratch[at] == H[i].want[at])
				at++;
			dump_skb(skb, 0);
			fail("skb %d (%p): byte %u of %u is %#x, model %#x", i, (const void *)skb, at,
			     H[i].len, scratch[at], H[i].want[at]);
		}
	}
}

/* ---- building skbs ---- */

static void put_head_bytes(int hi, uint32_t n)
{
	struct np_skb *skb = H[hi].skb;
	void *p;

	if (n > np_skb_tailroom(skb))
		n = np_skb_tailroom(skb);
	if (!n)
		return;
	p = np_skb_put(skb, n);
	MCHECK(p, "np_skb_put");
	fill(p, n);
	memcpy(H[hi].want + H[hi].len, p, n);
	H[hi].len += n;
}

static uint32_t rnd_len(void)
{
	switch (rnd(4)) {
	case 0:
		return 1 + rnd(64);
	case 1:
		return 1 + rnd(600);
	case 2:
		return 1 + rnd(1500);
	default:
		return 1 + rnd(4096);
	}
}

static bool add_frag(int hi)
{
	struct np_skb *skb = H[hi].skb;
	struct np_skb_shared_info *sh = np_skb_shinfo(skb);
	int pi = (int)rnd((uint32_t)npools);
	uint32_t max = (uint32_t)(NP_PAGE_SIZE << pools[pi]->order), len = rnd_len(), got;
	unsigned off = 0, src = rnd(6);
	struct pent *e;
	void *p;

	if (np_skb_cloned(skb) || np_skb_shared(skb) || sh->frag_list ||
	    sh->nr_frags >= NP_MAX_SKB_FRAGS || H[hi].len + 8192 > MAX_PKT)
		return false;
	switch (src) {
	case 0:		/* a whole pool page */
		e = get_pool_page(pi);
		if (len > max)
			len = max;
		off = rnd(max - len + 1);
		break;
	case 1:		/* a pool fragment */
	case 2: {	/* np_pool_alloc: a fragment or a whole page */
		uint32_t sz = len + rnd(256);

		if (sz > max)
			sz = max;

		e = get_pool_frag(pi, sz, &off, src == 2, &got);
		len = NP_MIN(len, got);
		break;
	}
	case 3:
	case 4: {	/* a page outside any pool, order 0 or 1 */
		unsigned order = src - 3;
		struct np_page *page = np_page_alloc(prov, order, NP_NUMA_NO_NODE, 0);

		MCHECK(page, "np_page_alloc");
		e = birth_plain(page, 0);
		max = (uint32_t)(NP_PAGE_SIZE << order);
		if (len > max)
			len = max;
		off = rnd(max - len + 1);
		break;
	}
	default:	/* the page-fragment allocator */
		if (len > 2048)
			len = 2048;
		p = np_page_frag_alloc(len);
		MCHECK(p, "np_page_frag_alloc");
		e = note_pagefrag(p);
		off = (uint32_t)((char *)p - (char *)np_page_address(e->page));
		break;
	}
	p = (char *)np_page_address(e->page) + off;
	fill(p, len);
	memcpy(H[hi].want + H[hi].len, p, len);
	H[hi].len += len;
	move_in(e, skb->pp_recycle);
	np_skb_add_rx_frag(skb, sh->nr_frags, e->page, off, len, len);
	logstep("  frag src %u pool %d page %p off %u len %u", src, pi, (void *)e->page, off, len);
	return true;
}

static void op_new(int op)
{
	int hi = h_free_slot(), pi = (int)rnd((uint32_t)npools);
	bool mark = chance(op <= OP_NEW_POOLFRAG ? 65 : 30);
	uint32_t headlen = chance(20) ? 0 : rnd_len(), sz, got;
	struct np_skb *skb = NULL;
	struct pent *e = NULL;
	unsigned off;
	void *p;

	if (hi < 0)
		return;
	switch (op) {
	case OP_NEW_POOLPAGE:
		e = get_pool_page(pi);
		skb = chance(50) ? np_build_skb(np_page_address(e->page), (uint32_t)np_page_size(e->page))
				 : np_napi_build_skb(np_page_address(e->page),
						     (uint32_t)np_page_size(e->page));
		break;
	case OP_NEW_POOLFRAG:
		sz = 512 + rnd(1800);
		e = get_pool_frag(pi, sz, &off, chance(30), &got);
		/* the fragment spans its size rounded up to a cache line: the shared info aligned */
		skb = np_build_skb((char *)np_page_address(e->page) + off,
				   (uint32_t)NP_SKB_DATA_ALIGN(got));
		break;
	case OP_NEW_NETDEV:
		skb = chance(50) ? np_netdev_alloc_skb(headlen + rnd(200))
				 : np_napi_alloc_skb(headlen + rnd(200));
		MCHECK(skb, "netdev_alloc_skb");
		if (skb->head_frag)
			e = note_pagefrag(skb->head);
		break;
	case OP_NEW_PAGEFRAG:
		sz = 512 + rnd(2048);
		p = np_page_frag_alloc(sz);
		MCHECK(p, "np_page_frag_alloc");
		e = note_pagefrag(p);
		skb = np_build_skb(p, (uint32_t)NP_SKB_DATA_ALIGN(sz));
		break;
	default:
		sz = headlen + rnd(300) + 64;
		skb = chance(25) ? np_alloc_skb_fclone(sz) : np_alloc_skb(sz);
		break;
	}
	MCHECK(skb, "skb build failed (%s)", op_names[op]);
	if (mark)
		np_skb_mark_for_recycle(skb);
	if (e)
		move_in(e, skb->pp_recycle);
	if (op != OP_NEW_NETDEV && np_skb_tailroom(skb) > 64 && chance(70))
		np_skb_reserve(skb, 64);
	h_set(hi, skb, NULL, 0);
	put_head_bytes(hi, headlen);
	logstep("%s h%d skb %p pp %d head %p headlen %u", op_names[op], hi, (void *)skb, mark,
		(void *)skb->head, H[hi].len);
	for (unsigned n = chance(50) ? rnd(4) : 0; n; n--)
		add_frag(hi);
}

/* ---- the operations (free_skb(): skbtest.h) ---- */

static void do_op(int op)
{
	int a, b, slot;
	struct np_skb *sa, *sb, *n;

	switch (op) {
	case OP_NEW_POOLPAGE:
	case OP_NEW_POOLFRAG:
	case OP_NEW_NETDEV:
	case OP_NEW_PAGEFRAG:
	case OP_NEW_SMALL:
		op_new(op);
		return;
	case OP_NAPI:
		if (in_napi >= 0) {
			np_napi_ctx_leave(napi_prev);
			logstep("napi leave %d", in_napi);
			in_napi = -1;
		} else {
			in_napi = (int)rnd((uint32_t)npools);
			napi_prev = np_napi_ctx_enter(&napis[in_napi]);
			logstep("napi enter %d", in_napi);
		}
		return;
	case OP_RAW_PUT:
		if (!nraw)
			return;
		a = (int)rnd((uint32_t)nraw);
		logstep("raw_put %s page %p", raws[a].pool ? "pool" : "page", (void *)raws[a].page);
		raw_release(raws[a].page, raws[a].pool);
		raws[a] = raws[--nraw];
		return;
	default:
		break;
	}

	a = h_pick();
	if (a < 0)
		return;
	sa = H[a].skb;
	switch (op) {
	case OP_ADD_FRAG:
		logstep("add_frag h%d", a);
		add_frag(a);
		break;
	case OP_CLONE:
		slot = h_free_slot();
		if (slot < 0)
			break;
		n = np_skb_clone(sa);
		MCHECK(n, "clone");
		MCHECK(n->pp_recycle == sa->pp_recycle && n->head == sa->head,
		       "clone differs in pp_recycle or head");
		h_set(slot, n, H[a].want, H[a].len);
		logstep("clone h%d -> h%d (%p)", a, slot, (void *)n);
		break;
	case OP_EXPAND: {
		uint32_t nhead = chance(50) ? rnd(200) : 0, ntail = rnd(300);
		bool cloned = np_skb_cloned(sa);
		int pp = sa->pp_recycle;
		uint32_t hr = np_skb_headroom(sa);

		logstep("expand h%d nhead %u ntail %u (cloned %d pp %d)", a, nhead, ntail, cloned, pp);
		MCHECK(np_pskb_expand_head(sa, nhead, ntail) == 0, "expand failed");
		MCHECK(!sa->head_frag && !np_skb_cloned(sa), "expanded head still shared");
		MCHECK(np_skb_headroom(sa) == hr + nhead, "headroom %u, want %u",
		       np_skb_headroom(sa), hr + nhead);
		/* a clone gives its share up and stops recycling; a private skb keeps the bit */
		MCHECK(sa->pp_recycle == (cloned ? 0 : pp), "pp_recycle %d after expand (cloned %d)",
		       sa->pp_recycle, cloned);
		break;
	}
	case OP_COW_HEAD: {
		uint32_t want = rnd(300);

		logstep("cow_head h%d %u", a, want);
		MCHECK(np_skb_cow_head(sa, want) == 0, "cow_head");
		MCHECK(np_skb_headroom(sa) >= want && !np_skb_cloned(sa), "cow_head result");
		break;
	}
	case OP_UNSHARE:
		logstep("unshare h%d (cloned %d)", a, np_skb_cloned(sa));
		n = np_skb_unshare(sa);
		MCHECK(n, "unshare");
		H[a].skb = n;
		MCHECK(!np_skb_cloned(n), "unshared skb cloned");
		break;
	case OP_COALESCE: {
		bool stolen, ok, refuse;
		int delta;

		b = h_pick_other(a);
		if (b < 0)
			break;
		sb = H[b].skb;
		if (H[a].len + H[b].len > MAX_PKT)
			break;
		refuse = np_skb_cloned(sa) || sa->pp_recycle != sb->pp_recycle;
		logstep("coalesce to h%d from h%d (to cloned %d, pp %d/%d, from cloned %d)", a, b,
			np_skb_cloned(sa), sa->pp_recycle, sb->pp_recycle, np_skb_cloned(sb));
		ok = np_skb_try_coalesce(sa, sb, &stolen, &delta);
		MCHECK(!(ok && refuse), "coalesce merged what it must refuse");
		if (!ok)
			break;
		memcpy(H[a].want + H[a].len, H[b].want, H[b].len);
		H[a].len += H[b].len;
		logstep("  merged, stolen %d", stolen);
		took = true;
		np_kfree_skb_partial(sb, stolen);
		h_drop(b);
		break;
	}
	case OP_SHIFT: {
		int moved, len;

		b = h_pick_other(a);	/* tgt a, skb b */
		if (b < 0)
			break;
		sb = H[b].skb;
		if (np_skb_has_frag_list(sa) || H[a].len + H[b].len > MAX_PKT || !sb->len)
			break;
		if (np_skb_headlen(sb) && chance(60)) {
			/* only paged bytes shift: make the head empty first */
			uint32_t hl = np_skb_headlen(sb);

			logstep("pull h%d %u (for shift)", b, hl);
			MCHECK(np_skb_pull(sb, hl), "pull");
			memmove(H[b].want, H[b].want + hl, H[b].len - hl);
			H[b].len -= hl;
			if (!sb->len)
				break;
		}
		len = (int)rnd(sb->len + 1);
		logstep("shift tgt h%d skb h%d len %d (pp %d/%d, headlen %u, cloned %d/%d)", a, b,
			len, sa->pp_recycle, sb->pp_recycle, np_skb_headlen(sb), np_skb_cloned(sa),
			np_skb_cloned(sb));
		moved = np_skb_shift(sa, sb, len);
		MCHECK(moved == 0 || moved == len, "shift moved %d of %d", moved, len);
		MCHECK(!moved || sa->pp_recycle == sb->pp_recycle, "shift between pp and non-pp");
		if (!moved)
			break;
		took = true;
		memcpy(H[a].want + H[a].len, H[b].want, (size_t)moved);
		H[a].len += (uint32_t)moved;
		memmove(H[b].want, H[b].want + moved, H[b].len - (uint32_t)moved);
		H[b].len -= (uint32_t)moved;
		break;
	}
	case OP_SPLIT: {
		uint32_t len;

		slot = h_free_slot();
		if (slot < 0 || np_skb_cloned(sa) || np_skb_has_frag_list(sa))
			break;
		len = rnd(sa->len + 1);
		n = np_alloc_skb(np_skb_headlen(sa) + 64);
		MCHECK(n, "alloc for split");
		logstep("split h%d at %u -> h%d (%p)", a, len, slot, (void *)n);
		np_skb_split(sa, n, len);
		MCHECK(n->pp_recycle == sa->pp_recycle, "split halves differ in pp_recycle");
		h_set(slot, n, H[a].want + len, H[a].len - len);
		H[a].len = len;
		break;
	}
	case OP_GRO: {
		int err, want;

		b = h_pick_other(a);	/* head a, skb b */
		if (b < 0)
			break;
		sb = H[b].skb;
		/* a GRO packet in the making is private, its members too */
		for (const struct np_skb *l = np_skb_shinfo(sa)->frag_list; l; l = l->next)
			if (np_skb_shared(l))
				return;
		/*
		 * An skb with a frag_list of its own, once chained, is the last
		 * member; the next merge must chain after it, not append frags to
		 * it (its bytes would land before its frag_list).
		 */
		if (np_skb_has_frag_list(sb) && !gro_nested)
			return;
		if (sa->pp_recycle != sb->pp_recycle || np_skb_cloned(sa))
			want = -EINVAL;
		else if (sa->len + sb->len >= 65536)
			want = -E2BIG;
		else
			want = 0;
		logstep("gro head h%d skb h%d (pp %d/%d, cloned %d/%d) want %d", a, b,
			sa->pp_recycle, sb->pp_recycle, np_skb_cloned(sa), np_skb_cloned(sb), want);
		err = np_skb_gro_receive(sa, sb);
		MCHECK(err == want, "gro_receive %d, the model wants %d", err, want);
		if (err)
			break;
		took = true;
		memcpy(H[a].want + H[a].len, H[b].want, H[b].len);
		H[a].len += H[b].len;
		h_drop(b);
		break;
	}
	case OP_SEGMENT: {
		uint32_t hdr, mss, nseg, pos, free_slots = (uint32_t)(MAX_H - h_count());
		struct np_skb *segs, *next;

		if (sa->len < 2 || !free_slots)
			break;
		hdr = rnd(NP_MIN(sa->len - 1, 128u));
		mss = 1 + rnd(NP_MIN(sa->len - hdr, 4000u));
		nseg = (sa->len - hdr + mss - 1) / mss;
		if (nseg > free_slots) {
			mss = (sa->len - hdr + free_slots - 1) / free_slots;
			nseg = (sa->len - hdr + mss - 1) / mss;
		}
		if (mss > 0xffff)
			break;
		np_skb_shinfo(sa)->gso_size = (uint16_t)mss;
		logstep("segment h%d hdr %u mss %u -> %u segs", a, hdr, mss, nseg);
		segs = np_skb_segment(sa, hdr);
		MCHECK(segs, "segment failed");
		for (pos = hdr; segs; segs = next, pos += mss) {
			uint32_t plen = NP_MIN(mss, sa->len - pos);

			next = segs->next;
			segs->next = NULL;
			MCHECK(pos < sa->len, "more segments than bytes");
			MCHECK(!segs->pp_recycle, "a segment has pp_recycle");
			slot = h_free_slot();
			MCHECK(slot >= 0, "no slot for segment");
			h_set(slot, segs, H[a].want, hdr);
			memcpy(H[slot].want + hdr, H[a].want + pos, plen);
			H[slot].len = hdr + plen;
		}
		MCHECK(pos >= sa->len, "segments cover %u of %u", pos, sa->len);
		if (chance(50)) {
			logstep("  free original");
			free_skb(sa, rnd(6));
			h_drop(a);
		}
		break;
	}
	case OP_COPY:
	case OP_PSKB_COPY:
		slot = h_free_slot();
		if (slot < 0)
			break;
		n = op == OP_COPY ? np_skb_copy(sa) : np_pskb_copy(sa);
		MCHECK(n, "copy");
		MCHECK(!n->pp_recycle && !n->cloned, "a copy with pp_recycle or cloned");
		MCHECK(op == OP_PSKB_COPY || !np_skb_is_nonlinear(n), "skb_copy not linear");
		h_set(slot, n, H[a].want, H[a].len);
		logstep("%s h%d -> h%d (%p)", op_names[op], a, slot, (void *)n);
		break;
	case OP_TRIM: {
		uint32_t len = rnd(sa->len + 2);

		logstep("pskb_trim h%d to %u (len %u)", a, len, sa->len);
		MCHECK(np_pskb_trim(sa, len) == 0, "pskb_trim");
		if (len < H[a].len)
			H[a].len = len;
		break;
	}
	case OP_MAY_PULL: {
		uint32_t len = rnd(sa->len + 8);
		bool ok;

		logstep("may_pull h%d %u (len %u headlen %u)", a, len, sa->len, np_skb_headlen(sa));
		ok = np_pskb_may_pull(sa, len);
		MCHECK(ok == (len <= H[a].len), "may_pull returned %d", ok);
		MCHECK(!ok || np_skb_headlen(sa) >= len, "may_pull left headlen %u < %u",
		       np_skb_headlen(sa), len);
		break;
	}
	case OP_LINEARIZE:
		logstep("linearize h%d (len %u)", a, sa->len);
		MCHECK(np_skb_linearize(sa) == 0, "linearize");
		MCHECK(!np_skb_is_nonlinear(sa), "still nonlinear");
		break;
	case OP_PULL: {
		uint32_t len = rnd(np_skb_headlen(sa) + 1);

		logstep("pull h%d %u", a, len);
		MCHECK(np_skb_pull(sa, len), "pull");
		memmove(H[a].want, H[a].want + len, H[a].len - len);
		H[a].len -= len;
		break;
	}
	case OP_FREE: {
		unsigned how = rnd(6);

		logstep("free h%d how %u", a, how);
		free_skb(sa, how);
		h_drop(a);
		break;
	}
	case OP_RAW_REF: {
		const struct np_skb_shared_info *sh = np_skb_shinfo(sa);
		struct np_page *page;

		if (!sh->nr_frags)
			break;
		/* a tap keeping a frag page: a page reference, never a pool one */
		page = sh->frags[rnd(sh->nr_frags)].page;
		np_page_get(page);
		pfind(page)->raw_pg++;
		raw_add(page, false);
		logstep("raw_ref page %p of h%d", (void *)page, a);
		break;
	}
	default:
		break;
	}
}

/* ---- a seed ---- */

static int pick_op(void)
{
	static unsigned total;
	unsigned r;

	if (!total)
		for (int i = 0; i < OP_MAX; i++)
			total += op_off[i] ? 0 : op_weight[i];
	r = rnd(total);
	for (int i = 0; i < OP_MAX; i++) {
		if (op_off[i])
			continue;
		if (r < op_weight[i])
			return i;
		r -= op_weight[i];
	}
	return OP_FREE;
}

static void run_seed(uint64_t seed, unsigned steps)
{
	uint32_t ids[MAX_POOLS];

	cur_seed = seed;
	cur_step = 0;
	steplog_len = 0;
	rng = seed * 0x9e3779b97f4a7c15ull + 0x2545f4914f6cdd1dull;
	if (!rng)
		rng = 1;
	for (int k = 0; k < npused; k++)
		memset(&ptab[pused[k]], 0, sizeof(ptab[0]));
	npused = 0;
	nraw = 0;
	fc_page = NULL;
	npools = chance(30) ? 2 : 1;
	for (int i = 0; i < npools; i++) {
		struct np_pool_params pp = {
			.nid = NP_NUMA_NO_NODE,
			.provider = prov,
			.order = i ? rnd(2) : 0,
			.pool_size = chance(20) ? 16 : 0,	/* a small ring: ring_full happens */
			.napi = &napis[i],
		};

		CHECK_EQ(np_pool_create(&pp, &pools[i]), 0);
		ids[i] = pools[i]->id;
		st_prev[i] = t_pool_stats(pools[i]);
		pool_frag[i] = NULL;
		ev_recycled[i] = 0;
	}
	logstep("seed %llu: %d pools, order %u/%u", (unsigned long long)seed, npools,
		pools[0]->order, npools > 1 ? pools[1]->order : 0);

	for (cur_step = 1; cur_step <= steps; cur_step++) {
		int op = pick_op();
		size_t log0 = steplog_len;

		took = false;
		do_op(op);
		op_ran[op] += steplog_len != log0;
		op_took[op] += took;
		if (watch >= 0 && H[watch].skb)
			dump_skb(H[watch].skb, 1);
		model_check();
	}
	total_steps += steps;

	/* everything goes, in random order and ways */
	logstep("teardown");
	while (h_count()) {
		int a = h_pick();

		free_skb(H[a].skb, rnd(6));
		h_drop(a);
		model_check();
	}
	while (nraw) {
		raw_release(raws[nraw - 1].page, raws[nraw - 1].pool);
		nraw--;
		model_check();
	}
	if (in_napi >= 0) {
		np_napi_ctx_leave(napi_prev);
		in_napi = -1;
	}
	np_skb_thread_flush();
	if (fc_page)
		fc_page->calib = 0;
	model_check();
	for (int k = 0; k < npused; k++) {
		struct pent *e = &ptab[pused[k]];

		MCHECK(!e->active || (e->pool >= 0 && !e->alive) ||
		       (e->pool >= 0 && e->alive && e->bias > 0 && e->hp + e->hg + e->raw_pp == 0),
		       "page %p still held at the end", (void *)e->page);
	}
	MCHECK(np_skb_live() == 0, "np_skb_live() %lld", (long long)np_skb_live());
	for (int i = 0; i < npools; i++) {
		struct np_pool_stats st = t_pool_stats(pools[i]);

		MCHECK(st.inflight == pool_idle(pools[i]),
		       "pool %d: inflight %lld with %u cached, %u in the ring", i,
		       (long long)st.inflight, pools[i]->alloc.count, np_pool_ring_count(pools[i]));
		MCHECK(np_pool_audit(pools[i]) == 0, "pool %d audit", i);
		np_pool_destroy(pools[i]);
		MCHECK(t_wait_pool_freed(ids[i], 10000), "pool %d not freed", i);
	}
	np_small_trim(prov);
	MCHECK(t_pages_out(prov) == 0, "%llu pages still out of the provider",
	       (unsigned long long)t_pages_out(prov));
}

static unsigned long env_ul(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

static void parse_skip(void)
{
	const char *v = getenv("NP_MODEL_SKIP");
	char buf[512], *tok, *save;

	if (!v)
		return;
	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int i;

		for (i = 0; i < OP_MAX; i++)
			if (!strcmp(tok, op_names[i]))
				break;
		if (i == OP_MAX) {
			fprintf(stderr, "NP_MODEL_SKIP: unknown operation %s\n", tok);
			exit(1);
		}
		op_off[i] = true;
		printf("operation %s left out\n", tok);
	}
}

int main(void)
{
	static uint8_t shadow[MAX_H][SHADOW_CAP];
	unsigned long seeds = env_ul("NP_MODEL_SEEDS", DEFAULT_SEEDS);
	unsigned long steps = env_ul("NP_MODEL_STEPS", DEFAULT_STEPS);
	unsigned long first = env_ul("NP_MODEL_FIRST", 1);
	struct timespec t0, t1;
	double secs;

	if (getenv("NP_MODEL_SEED")) {
		first = env_ul("NP_MODEL_SEED", 1);
		seeds = 1;
	}
	trace = env_ul("NP_MODEL_TRACE", 0) != 0;
	gro_nested = env_ul("NP_MODEL_GRO_NESTED", 1) != 0;
	if (getenv("NP_MODEL_WATCH"))
		watch = (int)env_ul("NP_MODEL_WATCH", 0) % MAX_H;
	parse_skip();
	for (int i = 0; i < MAX_H; i++)
		H[i].want = shadow[i];
	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	np_skb_set_provider(prov);
	for (int i = 0; i < MAX_POOLS; i++)
		np_napi_ctx_init(&napis[i]);
	signal(SIGABRT, on_abort);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long s = first; s < first + seeds; s++)
		run_seed(s, (unsigned)steps);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	np_skb_set_provider(NULL);
	np_skb_thread_flush();
	CHECK_EQ(np_provider_destroy(prov), 0);
	free(steplog);
	if (getenv("NP_MODEL_STATS"))
		for (int i = 0; i < OP_MAX; i++)
			printf("%-14s ran %10llu  merged/moved %10llu\n", op_names[i],
			       (unsigned long long)op_ran[i], (unsigned long long)op_took[i]);
	printf("%lu seeds x %lu steps: %llu steps in %.2f s (%.0f steps/s)\n", seeds, steps,
	       (unsigned long long)total_steps, secs, secs > 0 ? (double)total_steps / secs : 0.0);
	return 0;
}
