/* SPDX-License-Identifier: MIT */
/*
 * The reference model of the skb layer: random sequences of skb operations
 * over pp and non-pp skbs of every head kind, inside and outside the pools'
 * napis, checked against a shadow after every step: each skb's bytes, each
 * page's refcount and pp_ref_count as the reference rule derives them from
 * every live skb, each pool page's life ending recycled or released exactly
 * once, and under injected faults each failure explained and documented.
 * docs/reliability.md ("The reference model") describes the shadow and the
 * checks; skbmodel.h what the mains (test_skb_model, test_skb_model_fault)
 * use.
 *
 * Environment both mains read: NP_MODEL_SEEDS, NP_MODEL_STEPS (per seed),
 * NP_MODEL_SEED=N (only that seed; with NP_MODEL_TRACE=1 each step is printed
 * as it runs), NP_MODEL_FIRST (first seed), NP_MODEL_SKIP=op,op (operations
 * left out; see model_ops), NP_MODEL_WATCH=h (dump that skb after each step),
 * NP_MODEL_STATS=1 (how often each op ran, merged and failed),
 * NP_MODEL_GRO_NESTED=0 (never GRO an skb that has a frag_list of its own).
 */
#include <signal.h>
#include <limits.h>
#include "skbmodel.h"
#include "pool_priv.h"	/* NP_POOL_FRAG_BIAS: the pool's fragment-page bias */

#define MAX_H		20		/* top-level skbs at once */
#define SHADOW_CAP	(72 * 1024)
#define MAX_PKT		65000u		/* the model keeps packets below this */
#define MAX_RAW		64
#define MAX_POOLS	2
#define PTAB_SIZE	16384		/* page table (power of two) */
#define SET_SIZE	1024		/* per-walk sets (power of two) */

/* One operation of the model: its name, its weight, its handler (the table is with the handlers). */
struct model_op {
	const char *name;
	unsigned weight;		/* in the random choice of the next operation */
	void (*run)(int a);		/* on the skb of handle a, picked at random */
	void (*run_any)(int op);	/* or without one (it makes its own choices) */
};

static const struct model_op model_ops[OP_MAX];

static bool op_off[OP_MAX];

/* ---- the run's state ---- */

struct handle {
	struct np_skb *skb;		/* NULL: free slot */
	uint32_t len;			/* shadow length */
	uint8_t *want;			/* shadow bytes */
	int last_op;			/* the last operation that ran on it (or made it) */
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
/* lives that ended inside the current op, the page handed out again in it */
static int ev_recycled[MAX_POOLS];	/* recycled */
static int ev_released[MAX_POOLS];	/* released (a reserve page), then allocated again */
static int ev_either[MAX_POOLS];	/* one or the other: see birth_pool() */
static bool ev_unseen[MAX_POOLS];	/* pages lived and went inside the op, unseen: any number */

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
uint64_t total_steps;
static bool took;			/* the current op changed something */
static uint64_t op_ran[OP_MAX], op_took[OP_MAX];	/* attempted with a target / changed something */
static int cur_op = -1;			/* the operation of the current step */
static const char *model_prog = "test_skb_model";	/* for the replay line */

/* ---- injected faults (test_skb_model_fault) ---- */

/* the points the model arms: what an skb operation can meet */
const enum np_fault_point fault_points[NFAULT_POINTS] = {
	NP_FAULT_PAGE_ALLOC, NP_FAULT_DMA_MAP, NP_FAULT_RING_PRODUCE,
};

int fault_mode;			/* FAULT_*: set by the main before the first seed */
struct np_fault_spec fault_spec[NP_FAULT_NR];	/* armed once a seed's pools exist */
char fault_replay[MODEL_REPLAY_MAX];	/* the environment that replays the current seed */
uint64_t fault_seed_inj[NP_FAULT_NR];	/* injected during the last seed */
uint64_t fault_total[NP_FAULT_NR];	/* injected over the run */
uint64_t op_failed[OP_MAX];	/* steps of each operation that failed under a fault */

/*
 * The model's reach: on which shape of skb each operation was called, and
 * which operation followed which on the same skb. A shape is a set of
 * these properties of the operand when the library was called.
 */
enum {
	SH_CLONED,		/* its data shared with a clone (np_skb_cloned) */
	SH_FRAGS,		/* page frags */
	SH_LIST,		/* a frag_list */
	SH_SHARED_MEMBER,	/* a frag_list member another packet holds too (users > 1) */
	SH_CLONED_MEMBER,	/* a frag_list member whose data a clone shares */
	SH_PP,			/* marked for recycle */
	SH_HEAD_POOL,		/* head on a pool page */
	SH_HEAD_PAGE,		/* head on a page outside any pool (page-fragment allocator) */
	SH_HEAD_SMALL,		/* head from the small-object allocator */
	SH_MAX
};

static const char *const shape_names[SH_MAX] = {
	"cloned", "frags", "list", "shmemb", "clmemb", "pp", "hpool", "hpage", "hsmall",
};

static uint64_t reach_a[OP_MAX][SH_MAX + 1];	/* the first operand; [SH_MAX]: every call */
static uint64_t reach_t[OP_MAX][SH_MAX + 1];	/* the same, calls that merged, moved or cut */
static uint64_t reach_b[OP_MAX][SH_MAX + 1];	/* the second (GRO's skb, coalesce's from, shift's skb) */
static uint64_t follows[OP_MAX][OP_MAX];	/* [previous op on the skb][this op] */
static unsigned shape_a, shape_b;		/* of the current step's operands; 0: none */
static uint64_t seg_modes[4][2];		/* segment: [sg, linear, partial, by_frags][member list?] */
static int step_a = -1, prev_a = -1;		/* the current step's first operand, its last op */

static unsigned skb_shape(const struct np_skb *skb)
{
	const struct np_skb_shared_info *sh = np_skb_shinfo(skb);
	unsigned m = 1u << SH_MAX;	/* valid */

	if (np_skb_cloned(skb))
		m |= 1u << SH_CLONED;
	if (sh->nr_frags)
		m |= 1u << SH_FRAGS;
	for (const struct np_skb *l = sh->frag_list; l; l = l->next) {
		m |= 1u << SH_LIST;
		if (np_skb_shared(l))
			m |= 1u << SH_SHARED_MEMBER;
		if (np_skb_cloned(l))
			m |= 1u << SH_CLONED_MEMBER;
	}
	if (skb->pp_recycle)
		m |= 1u << SH_PP;
	if (!skb->head_frag)
		m |= 1u << SH_HEAD_SMALL;
	else if (np_page_is_pp(np_virt_to_page(skb->head)))
		m |= 1u << SH_HEAD_POOL;
	else
		m |= 1u << SH_HEAD_PAGE;
	return m;
}

static void reach_count(uint64_t row[SH_MAX + 1], unsigned shape)
{
	if (!shape)
		return;
	row[SH_MAX]++;
	for (int k = 0; k < SH_MAX; k++)
		if (shape & (1u << k))
			row[k]++;
}
uint64_t fault_runs;		/* seeds run with faults armed */
struct np_dma_dev *model_dma_dev;	/* fault mode: the pools map their pages through it */
static struct np_dma_stats dma_prev;
static struct np_provider_stats prov_prev;
static uint64_t ring_inj_prev;		/* ring_produce injections at the last check */
static uint64_t ring_full_step;		/* pages released for a full (or refusing) ring since */
/* how often the model met the rarer turns a failure takes (for coverage and regression seeds) */
uint64_t n_rehanded;		/* a life ended and the page handed out again in one op */
uint64_t n_rehanded_reserve;	/* ... a reserve page: released */
uint64_t n_rehanded_other;	/* ... released by another pool, handed out by this one */
uint64_t n_frag_drained;	/* a pool fragment page drained by a failed allocation */
uint64_t n_block_drained;	/* a page-fragment block drained by a failed allocation */
uint64_t n_block_reborn;	/* ... freed and back as the next block */
uint64_t n_xdp_copied;		/* np_skb_cow_data_for_xdp() copies */

/* ---- failure reporting ---- */

static void dump_steps(void)
{
	fprintf(stderr, "seed %llu, steps so far:\n%.*s", (unsigned long long)cur_seed,
		(int)steplog_len, steplog ? steplog : "");
	fprintf(stderr, "replay: %sNP_MODEL_SEED=%llu NP_MODEL_TRACE=1 %s\n", fault_replay,
		(unsigned long long)cur_seed, model_prog);
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

/* ---- failures under injected faults ---- */

/* Injected failures that can make an allocation fail: a provider page, a DMA map. */
static uint64_t alloc_inj(void)
{
	if (fault_mode == FAULT_OFF)
		return 0;
	return np_fault_injected(NP_FAULT_PAGE_ALLOC) + np_fault_injected(NP_FAULT_DMA_MAP);
}

/*
 * An operation (or a buffer the model asked for) failed; @inj0 is
 * alloc_inj() from before the call. Only an injected fault may explain a
 * failure: the model never runs out of memory by itself.
 */
static void failed(uint64_t inj0, const char *what)
{
	MCHECK(alloc_inj() > inj0, "%s failed with no fault injected (%s)", what,
	       fault_mode == FAULT_OFF ? "faults off" : "none during the call");
	logstep("  %s: %s failed (injected fault)", cur_op >= 0 ? model_ops[cur_op].name : "teardown",
		what);
	if (cur_op >= 0)
		op_failed[cur_op]++;
}

/*
 * What an operation documented to leave its skb unchanged on failure must
 * leave: every field the reference rule and the lengths depend on, the
 * shared info, and the frag_list members with their users.
 */
#define SNAP_LIST	64

struct snap {
	const struct np_skb *skb;
	const unsigned char *head, *data;
	uint32_t tail, end, len, data_len, truesize;
	int users, dataref;
	unsigned bits;			/* cloned, nohdr, head_frag, pp_recycle, fclone */
	uint16_t mac, net, trans;
	uint8_t nr_frags;
	uint16_t gso_size, gso_segs, gso_type;
	struct np_skb_frag frags[NP_MAX_SKB_FRAGS];
	const struct np_skb *frag_list;
	int nlist;
	const struct np_skb *list[SNAP_LIST];
	int list_users[SNAP_LIST];
	uint32_t list_len[SNAP_LIST];
};

static void snap_take(struct snap *n, const struct np_skb *skb)
{
	const struct np_skb_shared_info *sh = np_skb_shinfo(skb);

	memset(n, 0, sizeof(*n));
	n->skb = skb;
	n->head = skb->head;
	n->data = skb->data;
	n->tail = skb->tail;
	n->end = skb->end;
	n->len = skb->len;
	n->data_len = skb->data_len;
	n->truesize = skb->truesize;
	n->users = atomic_load(&skb->users);
	n->dataref = atomic_load(&sh->dataref);
	n->bits = skb->cloned | skb->nohdr << 1 | skb->head_frag << 2 | skb->pp_recycle << 3 |
		  (unsigned)skb->fclone << 4;
	n->mac = skb->mac_header;
	n->net = skb->network_header;
	n->trans = skb->transport_header;
	n->nr_frags = sh->nr_frags;
	n->gso_size = sh->gso_size;
	n->gso_segs = sh->gso_segs;
	n->gso_type = sh->gso_type;
	memcpy(n->frags, sh->frags, sh->nr_frags * sizeof(sh->frags[0]));
	n->frag_list = sh->frag_list;
	for (const struct np_skb *l = sh->frag_list; l && n->nlist < SNAP_LIST; l = l->next) {
		n->list[n->nlist] = l;
		n->list_users[n->nlist] = atomic_load(&l->users);
		n->list_len[n->nlist++] = l->len;
	}
}

/* @skb is as snap_take() saw it (@what failed and must have changed nothing). */
static void snap_check(const struct snap *was, const struct np_skb *skb, const char *what)
{
	struct snap now;
	const char *diff = NULL;

	snap_take(&now, skb);
#define SNAP_FIELD(f)                                       \
	do {                                                \
		if (!diff && memcmp(&was->f, &now.f, sizeof(now.f))) \
			diff = #f;                          \
	} while (0)
	SNAP_FIELD(head);
	SNAP_FIELD(data);
	SNAP_FIELD(tail);
	SNAP_FIELD(end);
	SNAP_FIELD(len);
	SNAP_FIELD(data_len);
	SNAP_FIELD(truesize);
	SNAP_FIELD(users);
	SNAP_FIELD(dataref);
	SNAP_FIELD(bits);
	SNAP_FIELD(mac);
	SNAP_FIELD(net);
	SNAP_FIELD(trans);
	SNAP_FIELD(nr_frags);
	SNAP_FIELD(gso_size);
	SNAP_FIELD(gso_segs);
	SNAP_FIELD(gso_type);
	SNAP_FIELD(frags);
	SNAP_FIELD(frag_list);
	SNAP_FIELD(nlist);
	SNAP_FIELD(list);
	SNAP_FIELD(list_users);
	SNAP_FIELD(list_len);
#undef SNAP_FIELD
	MCHECK(!diff, "%s failed but changed skb %p (%s)", what, (const void *)skb, diff);
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

static void fill_bytes(void *p, uint32_t n)
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
 * operation: a fragment page drained into the cache and popped again; or,
 * under faults, released (a reserve page always is; any page whose ring
 * produce was refused) and handed out again by the provider, which only the
 * pool's counters tell apart. The pools share one provider: a page another
 * pool released may come back as this pool's, and then its old pool
 * released it (no pool recycles into another's cache).
 */
static struct pent *birth_pool(struct np_page *page, int pi)
{
	struct pent *e = pget(page);

	if (e->active && e->alive) {
		MCHECK(e->pool >= 0 && e->hp + e->hg + e->raw_pp + e->raw_pg == 0,
		       "pool %d handed out page %p still in use (pool %d, hp %d hg %d raw %d/%d)",
		       pi, (void *)page, e->pool, e->hp, e->hg, e->raw_pp, e->raw_pg);
		if (e->pool != pi || np_page_is_reserve(page))
			ev_released[e->pool]++;
		else if (fault_mode != FAULT_OFF)
			ev_either[pi]++;
		else
			ev_recycled[pi]++;
		logstep("  page %p of pool %d ended its life and was handed out again by pool %d%s",
			(void *)page, e->pool, pi,
			e->pool != pi ? " (released)" :
			np_page_is_reserve(page) ? " (reserve: released)" : "");
		n_rehanded++;
		n_rehanded_reserve += np_page_is_reserve(page);
		n_rehanded_other += e->pool != pi;
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

/* NULL: the allocation failed under an injected fault (nothing changed). */
static struct pent *get_pool_page(int pi)
{
	uint64_t inj0 = alloc_inj();
	struct np_page *page = np_pool_alloc_pages(pools[pi]);

	if (!page) {
		failed(inj0, "np_pool_alloc_pages");
		return NULL;
	}
	return birth_pool(page, pi);
}

/*
 * A fragment of pool @pi: page, *@off, @size bytes. NULL: the allocation
 * failed under an injected fault; a fragment page too full for @size was
 * drained first all the same (np_pool_alloc_frag() gives the unused bias back
 * before it asks for a new page, as the kernel's page_pool_alloc_frag()).
 */
static struct pent *get_pool_frag(int pi, uint32_t size, unsigned *off, bool widen, uint32_t *got)
{
	struct pent *old = pool_frag[pi], *e;
	unsigned int sz = size;
	uint32_t max = (uint32_t)(NP_PAGE_SIZE << pools[pi]->order);
	struct np_page *page;
	uint64_t inj0 = alloc_inj();

	if (widen)
		page = np_pool_alloc(pools[pi], off, &sz);
	else
		page = np_pool_alloc_frag(pools[pi], off, size);
	if (!page) {
		failed(inj0, widen ? "np_pool_alloc" : "np_pool_alloc_frag");
		if (old && pools[pi]->frag_page != old->page) {
			MCHECK(!pools[pi]->frag_page, "failed frag alloc left a new frag page");
			logstep("  frag page %p drained", (void *)old->page);
			old->bias = 0;
			pool_frag[pi] = NULL;
			n_frag_drained++;
		}
		return NULL;
	}
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

/*
 * np_page_frag_alloc() (or np_netdev_alloc_skb() on top of it) failed;
 * @ref0 was the current block's refcount before. A failed allocation drains
 * the block it could not use (its bias goes back; fragments still out keep
 * it, else it is freed and may come straight back as the next block, with
 * a fresh bias); one whose fragment was taken and then given back
 * (np_build_skb() failed) is one reference lighter. A block the allocator
 * took in the call is unknown to the model until it hands out a fragment.
 */
static void pagefrag_failed(long ref0)
{
	long ref;

	if (!fc_page)
		return;
	ref = np_page_ref_count(fc_page->page);
	if (ref0 - ref > 1000 || ref > ref0) {
		logstep("  page-fragment block %p drained%s", (void *)fc_page->page,
			ref > ref0 ? ", freed and back as the next block" : "");
		n_block_drained++;
		n_block_reborn += ref > ref0;
		fc_page->calib = 0;
		fc_page = NULL;
		return;
	}
	MCHECK(ref0 - ref >= 0 && ref0 - ref <= 1, "page-fragment block refcount %ld -> %ld",
	       ref0, ref);
	fc_page->calib -= ref0 - ref;
}

static long pagefrag_ref(void)
{
	return fc_page ? np_page_ref_count(fc_page->page) : 0;
}

/*
 * A fragment @p came out of the page-fragment allocator; @ref0 was the
 * current block's refcount before the call. Handing out a fragment of the
 * same block never changes the block's refcount (one of the allocator's
 * bias references moves to the caller). A block whose fragments had all come
 * back, too small for the request, is drained and freed; the provider may
 * hand the very same page straight back as the next block, of another order
 * and with a fresh bias (seed 556861515 of test_skb_model_fault: an order-0
 * fallback block re-born as an order-3 one). Then the refcount differs:
 * a fresh bias is always larger than what a used block kept.
 */
static struct pent *note_pagefrag(void *p, long ref0)
{
	struct np_page *page = np_virt_to_page(p);
	struct pent *e;

	if (fc_page && fc_page->page == page && np_page_ref_count(page) == ref0) {
		fc_page->calib--;
		fc_page->raw_pg++;
		return fc_page;
	}
	if (fc_page && fc_page->page == page) {
		logstep("  page-fragment block %p drained, freed and back as the next block",
			(void *)page);
		MCHECK(page_total(fc_page) == fc_page->calib,
		       "re-born block %p still had fragments out", (void *)page);
		n_block_reborn++;
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
	H[i].last_op = cur_op;
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

/* @either lives ended one way or the other (birth_pool()). */
static void check_pool_counters(int pi, int recycled, int released, int either)
{
	struct np_pool_stats st = t_pool_stats(pools[pi]);
	const struct np_pool_stats *o = &st_prev[pi];
	uint64_t rec = (st.recycle.cached + st.recycle.ring) - (o->recycle.cached + o->recycle.ring);
	uint64_t rel = (st.recycle.released_refcnt + st.recycle.ring_full) -
		       (o->recycle.released_refcnt + o->recycle.ring_full);

	MCHECK((rec + rel == (uint64_t)(recycled + released + either) || ev_unseen[pi]) &&
	       rec >= (uint64_t)recycled && rel >= (uint64_t)released,
	       "pool %d: %llu recycled %llu released, the model expects %d and %d (%d either)", pi,
	       (unsigned long long)rec, (unsigned long long)rel, recycled, released, either);
	MCHECK(st.release - o->release == rel + (st.alloc.waive - o->alloc.waive),
	       "pool %d: release moved by %llu", pi, (unsigned long long)(st.release - o->release));
	MCHECK(st.inflight >= 0, "pool %d inflight %lld", pi, (long long)st.inflight);
	ring_full_step += st.recycle.ring_full - o->recycle.ring_full;
	st_prev[pi] = st;
}

/*
 * A refused ring produce loses no page: each one released a page instead
 * (counted as ring_full, and seen leaving the pool by the walk above).
 */
static void check_ring_faults(void)
{
	uint64_t inj;

	if (fault_mode == FAULT_OFF)
		return;
	inj = np_fault_injected(NP_FAULT_RING_PRODUCE);
	MCHECK(ring_full_step >= inj - ring_inj_prev,
	       "%llu ring produces refused, %llu pages released for it",
	       (unsigned long long)(inj - ring_inj_prev), (unsigned long long)ring_full_step);
	ring_inj_prev = inj;
	ring_full_step = 0;
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
		check_pool_counters(pi, recycled[pi] + ev_recycled[pi], released[pi] + ev_released[pi],
				    ev_either[pi]);
		ev_recycled[pi] = ev_released[pi] = ev_either[pi] = 0;
		ev_unseen[pi] = false;
		st = st_prev[pi];
		MCHECK(st.inflight == (int64_t)in_use[pi] + pool->alloc.count +
					      np_pool_ring_count(pool),
		       "pool %d inflight %lld, the model has %d in use + %u cached + %u in the ring",
		       pi, (long long)st.inflight, in_use[pi], pool->alloc.count,
		       np_pool_ring_count(pool));
	}
	check_ring_faults();

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
	fill_bytes(p, n);
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

static bool model_add_frag(int hi)
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
		if (!e)
			return false;
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
		if (!e)
			return false;
		len = NP_MIN(len, got);
		break;
	}
	case 3:
	case 4: {	/* a page outside any pool, order 0 or 1 */
		unsigned order = src - 3;
		uint64_t inj0 = alloc_inj();
		struct np_page *page = np_page_alloc(prov, order, NP_NUMA_NO_NODE, 0);

		if (!page) {
			failed(inj0, "np_page_alloc");
			return false;
		}
		e = birth_plain(page, 0);
		max = (uint32_t)(NP_PAGE_SIZE << order);
		if (len > max)
			len = max;
		off = rnd(max - len + 1);
		break;
	}
	default: {	/* the page-fragment allocator */
		uint64_t inj0 = alloc_inj();
		long ref0 = pagefrag_ref();

		if (len > 2048)
			len = 2048;
		p = np_page_frag_alloc(len);
		if (!p) {
			failed(inj0, "np_page_frag_alloc");
			pagefrag_failed(ref0);
			return false;
		}
		e = note_pagefrag(p, ref0);
		off = (uint32_t)((char *)p - (char *)np_page_address(e->page));
		break;
	}
	}
	p = (char *)np_page_address(e->page) + off;
	fill_bytes(p, len);
	memcpy(H[hi].want + H[hi].len, p, len);
	H[hi].len += len;
	move_in(e, skb->pp_recycle);
	np_skb_add_rx_frag(skb, sh->nr_frags, e->page, off, len, len);
	logstep("  frag src %u pool %d page %p off %u len %u", src, pi, (void *)e->page, off, len);
	return true;
}

/*
 * The buffer @e (one reference the test holds raw) did not become an skb:
 * the reference goes back (np_build_skb() takes nothing on failure).
 */
static void build_failed(struct pent *e, uint64_t inj0, const char *what)
{
	failed(inj0, what);
	raw_release(e->page, e->alive && e->pool >= 0);
}

/*
 * A new skb in free slot @hi with a head of the kind @op names (of pool @pi
 * where it is a pool's), marked for recycle when @mark, @headlen bytes of
 * linear data; @dress: maybe some headroom reserved and frags added.
 * Return: false when an allocation failed (under an injected fault).
 */
static bool new_skb(int op, int hi, int pi, bool mark, uint32_t headlen, bool dress)
{
	struct np_skb *skb = NULL;
	struct pent *e = NULL;
	uint32_t sz, got;
	unsigned off;
	uint64_t inj0;
	long ref0;
	void *p;

	switch (op) {
	case OP_NEW_POOLPAGE:
		e = get_pool_page(pi);
		if (!e)
			return false;
		inj0 = alloc_inj();
		skb = chance(50) ? np_build_skb(np_page_address(e->page), (uint32_t)np_page_size(e->page))
				 : np_napi_build_skb(np_page_address(e->page),
						     (uint32_t)np_page_size(e->page));
		if (!skb) {
			build_failed(e, inj0, "np_build_skb");
			return false;
		}
		break;
	case OP_NEW_POOLFRAG:
		sz = 512 + rnd(1800);
		e = get_pool_frag(pi, sz, &off, chance(30), &got);
		if (!e)
			return false;
		inj0 = alloc_inj();
		/* the fragment spans its size rounded up to a cache line: the shared info aligned */
		skb = np_build_skb((char *)np_page_address(e->page) + off,
				   (uint32_t)NP_SKB_DATA_ALIGN(got));
		if (!skb) {
			build_failed(e, inj0, "np_build_skb");
			return false;
		}
		break;
	case OP_NEW_NETDEV: {
		bool napi = !chance(50);
		uint32_t len = headlen + rnd(200);

		inj0 = alloc_inj();
		ref0 = pagefrag_ref();
		skb = napi ? np_napi_alloc_skb(len) : np_netdev_alloc_skb(len);
		if (!skb) {
			logstep("%s len %u (page-fragment block %p, order %u, refcount %ld)",
				napi ? "np_napi_alloc_skb" : "np_netdev_alloc_skb", len,
				fc_page ? (void *)fc_page->page : NULL, fc_page ? fc_page->page->order : 0,
				ref0);
			failed(inj0, "np_netdev_alloc_skb");
			pagefrag_failed(ref0);
			return false;
		}
		if (skb->head_frag)
			e = note_pagefrag(skb->head, ref0);
		break;
	}
	case OP_NEW_PAGEFRAG:
		sz = 512 + rnd(2048);
		inj0 = alloc_inj();
		ref0 = pagefrag_ref();
		p = np_page_frag_alloc(sz);
		if (!p) {
			failed(inj0, "np_page_frag_alloc");
			pagefrag_failed(ref0);
			return false;
		}
		e = note_pagefrag(p, ref0);
		inj0 = alloc_inj();
		skb = np_build_skb(p, (uint32_t)NP_SKB_DATA_ALIGN(sz));
		if (!skb) {
			build_failed(e, inj0, "np_build_skb");
			return false;
		}
		break;
	default:
		sz = headlen + rnd(300) + 64;
		inj0 = alloc_inj();
		skb = chance(25) ? np_alloc_skb_fclone(sz) : np_alloc_skb(sz);
		if (!skb) {
			failed(inj0, "np_alloc_skb");
			return false;
		}
		break;
	}
	if (mark)
		np_skb_mark_for_recycle(skb);
	if (e)
		move_in(e, skb->pp_recycle);
	if (dress && op != OP_NEW_NETDEV && np_skb_tailroom(skb) > 64 && chance(70))
		np_skb_reserve(skb, 64);
	h_set(hi, skb, NULL, 0);
	put_head_bytes(hi, headlen);
	logstep("%s h%d skb %p pp %d head %p headlen %u", model_ops[op].name, hi, (void *)skb, mark,
		(void *)skb->head, H[hi].len);
	for (unsigned n = dress && chance(50) ? rnd(4) : 0; n; n--)
		model_add_frag(hi);
	return true;
}

static void op_new(int op)
{
	int hi = h_free_slot(), pi = (int)rnd((uint32_t)npools);
	bool mark = chance(op <= OP_NEW_POOLFRAG ? 65 : 30);
	uint32_t headlen = chance(20) ? 0 : rnd_len();

	if (hi >= 0)
		new_skb(op, hi, pi, mark, headlen, true);
}

/* ---- np_skb_cow_data_for_xdp() ---- */

/*
 * The model's view of pool @pi's fragment page after a call that may have
 * taken fragments of it, drained it or started a new one: the pool's own
 * state says which page it is and how many of its references are unused
 * (NP_POOL_FRAG_BIAS - frag_users). A new page the op left there without
 * handing out a fragment of it (a failed call) is born here.
 */
static void pool_frag_sync(int pi)
{
	struct np_pool *pool = pools[pi];
	struct pent *old = pool_frag[pi], *e;

	if (old && old->page != pool->frag_page) {
		logstep("  frag page %p drained", (void *)old->page);
		old->bias = 0;
		pool_frag[pi] = NULL;
	}
	if (!pool->frag_page)
		return;
	e = pfind(pool->frag_page);
	if (!e || !e->active || !e->alive || e->pool != pi) {
		e = birth_pool(pool->frag_page, pi);
		e->raw_pp = 0;	/* every reference it has is the pool's bias */
	}
	e->bias = NP_POOL_FRAG_BIAS - pool->frag_users;
	pool_frag[pi] = e;
}

/* XDP could run on @skb's buffers as they are (skb_share.c's np_skb_data_pool_private()). */
static bool xdp_private(const struct np_skb *skb, int pi)
{
	const struct np_skb_shared_info *sh = np_skb_shinfo(skb);
	const struct np_page *head = np_virt_to_page(skb->head);

	if (np_skb_shared(skb) || np_skb_cloned(skb) || !skb->pp_recycle || !skb->head_frag ||
	    sh->frag_list || !np_page_is_pp(head) || head->pp != pools[pi])
		return false;
	for (unsigned i = 0; i < sh->nr_frags; i++)
		if (!np_page_is_pp(sh->frags[i].page) || sh->frags[i].page->pp != pools[pi])
			return false;
	return true;
}

/*
 * Documented: 0 (the skb replaced by a copy in pages of the pool, marked
 * for recycle, or left as it is when already private and pool-owned), or
 * -ENOMEM with the skb unchanged; the pool's fragment page may have moved on
 * all the same (drained, a new one started), and pages the failed copy took
 * went back inside the call (the model sees their recycling only in the
 * pool's counters).
 */
static void op_cow_xdp(int a)
{
	static struct snap sn;
	int pi = (int)rnd((uint32_t)npools), err;
	struct np_skb *sa = H[a].skb, *n;
	struct np_page *born[NP_MAX_SKB_FRAGS + 1];
	unsigned nborn = 0;
	bool priv;
	uint64_t inj0;

	if (np_skb_shared(sa))
		return;
	priv = xdp_private(sa, pi);
	logstep("cow_xdp h%d pool %d (private %d, pp %d, cloned %d, head_frag %d, len %u)", a, pi,
		priv, sa->pp_recycle, np_skb_cloned(sa), sa->head_frag, sa->len);
	snap_take(&sn, sa);
	inj0 = alloc_inj();
	n = sa;
	err = np_skb_cow_data_for_xdp(pools[pi], &n);
	if (err) {
		MCHECK(err == -ENOMEM && n == sa, "np_skb_cow_data_for_xdp returned %d (skb %s)", err,
		       n == sa ? "kept" : "replaced");
		MCHECK(!priv, "a private pool-owned skb refused");
		failed(inj0, "np_skb_cow_data_for_xdp");
		snap_check(&sn, sa, "np_skb_cow_data_for_xdp");
		pool_frag_sync(pi);
		ev_unseen[pi] = true;
		return;
	}
	if (priv) {
		MCHECK(n == sa, "a private pool-owned skb was copied");
		snap_check(&sn, sa, "np_skb_cow_data_for_xdp (nothing to do)");
		return;
	}
	MCHECK(n != sa, "np_skb_cow_data_for_xdp kept an skb it must copy");
	MCHECK(n->pp_recycle && n->head_frag && !n->cloned && !np_skb_has_frag_list(n) &&
	       np_skb_headroom(n) == 256 && n->len == H[a].len && xdp_private(n, pi),
	       "the XDP copy is not a private skb of pool %d's pages", pi);
	took = true;
	/* the copy's buffers: one pool reference each, in fresh pages or fragments */
	for (int i = -1; i < (int)np_skb_shinfo(n)->nr_frags; i++) {
		const struct np_skb_frag *f = &np_skb_shinfo(n)->frags[i < 0 ? 0 : i];
		struct np_page *page = i < 0 ? np_virt_to_page(n->head) : f->page;
		size_t off = i < 0 ? (size_t)(n->head - (unsigned char *)np_page_address(page)) :
				     f->offset;
		struct pent *e = pfind(page);
		bool seen = false;

		for (unsigned k = 0; k < nborn; k++)
			seen |= born[k] == page;
		/*
		 * A further fragment of the fragment page the model has; but
		 * offset 0 of it is handed out only at a page's birth: that page
		 * was drained inside the call, its life ended, and it came back.
		 */
		if (seen || (e && e->active && e->alive && e->pool == pi && e == pool_frag[pi] && off))
			continue;
		e = birth_pool(page, pi);
		e->raw_pp = 0;		/* the reference is the slot's */
		born[nborn++] = page;
	}
	pool_frag_sync(pi);
	logstep("  -> %p (%u frags, %u pages new)", (void *)n, np_skb_shinfo(n)->nr_frags, nborn);
	n_xdp_copied++;
	H[a].skb = n;	/* the old one was consumed */
}

/* ---- the operations (free_skb(): skbtest.h) ---- */

static struct snap step_snap;

/* A frag of some kind appended. */
static void op_add_frag(int a)
{
	logstep("add_frag h%d", a);
	model_add_frag(a);
}

/* A clone in a free slot: shares the data and pp_recycle. */
static void op_clone(int a)
{
	struct np_skb *sa = H[a].skb;
	struct np_skb *n;
	int slot;
	uint64_t inj0;

	slot = h_free_slot();
	if (slot < 0)
		return;
	snap_take(&step_snap, sa);
	inj0 = alloc_inj();
	n = np_skb_clone(sa);
	if (!n) {
		logstep("clone h%d", a);
		failed(inj0, "np_skb_clone");
		snap_check(&step_snap, sa, "np_skb_clone");
		return;
	}
	MCHECK(n->pp_recycle == sa->pp_recycle && n->head == sa->head,
	       "clone differs in pp_recycle or head");
	h_set(slot, n, H[a].want, H[a].len);
	logstep("clone h%d -> h%d (%p)", a, slot, (void *)n);
}

/* np_pskb_expand_head(): a cloned skb gives its share up (and its bit), a private one keeps it. */
static void op_expand(int a)
{
	struct np_skb *sa = H[a].skb;
	int err;
	uint64_t inj0;
	uint32_t nhead = chance(50) ? rnd(200) : 0, ntail = rnd(300);
	bool cloned = np_skb_cloned(sa);
	int pp = sa->pp_recycle;
	uint32_t hr = np_skb_headroom(sa);

	logstep("expand h%d nhead %u ntail %u (cloned %d pp %d)", a, nhead, ntail, cloned, pp);
	snap_take(&step_snap, sa);
	inj0 = alloc_inj();
	err = np_pskb_expand_head(sa, nhead, ntail);
	if (err) {
		MCHECK(err == -ENOMEM, "np_pskb_expand_head returned %d", err);
		failed(inj0, "np_pskb_expand_head");
		snap_check(&step_snap, sa, "np_pskb_expand_head");
		return;
	}
	MCHECK(!sa->head_frag && !np_skb_cloned(sa), "expanded head still shared");
	MCHECK(np_skb_headroom(sa) == hr + nhead, "headroom %u, want %u",
	       np_skb_headroom(sa), hr + nhead);
	/* a clone gives its share up and stops recycling; a private skb keeps the bit */
	MCHECK(sa->pp_recycle == (cloned ? 0 : pp), "pp_recycle %d after expand (cloned %d)",
	       sa->pp_recycle, cloned);
}

/* np_skb_cow_head(): a private head with the headroom asked for. */
static void op_cow_head(int a)
{
	struct np_skb *sa = H[a].skb;
	int err;
	uint64_t inj0;
	uint32_t want = rnd(300);

	logstep("cow_head h%d %u", a, want);
	snap_take(&step_snap, sa);
	inj0 = alloc_inj();
	err = np_skb_cow_head(sa, want);
	if (err) {
		MCHECK(err == -ENOMEM, "np_skb_cow_head returned %d", err);
		failed(inj0, "np_skb_cow_head");
		snap_check(&step_snap, sa, "np_skb_cow_head");
		return;
	}
	MCHECK(np_skb_headroom(sa) >= want && !np_skb_cloned(sa), "cow_head result");
}

/* np_skb_unshare(): a private copy of a cloned skb (freed when none can be made). */
static void op_unshare(int a)
{
	struct np_skb *sa = H[a].skb;
	struct np_skb *n;
	uint64_t inj0;
	bool was_cloned;

	logstep("unshare h%d (cloned %d)", a, np_skb_cloned(sa));
	was_cloned = np_skb_cloned(sa);
	inj0 = alloc_inj();
	n = np_skb_unshare(sa);
	if (!n) {
		/* documented (skb_share.c): the skb is freed all the same */
		MCHECK(was_cloned, "np_skb_unshare of a private skb failed");
		failed(inj0, "np_skb_unshare");
		logstep("  h%d freed by the failed unshare", a);
		h_drop(a);
		return;
	}
	H[a].skb = n;
	MCHECK(!np_skb_cloned(n), "unshared skb cloned");
}

/* np_skb_try_coalesce() of another skb into this one. */
static void op_coalesce(int a)
{
	struct np_skb *sa = H[a].skb;
	struct np_skb *sb;
	int b;
	bool stolen, ok, refuse;
	int delta;

	b = h_pick_other(a);
	if (b < 0)
		return;
	sb = H[b].skb;
	if (H[a].len + H[b].len > MAX_PKT)
		return;
	shape_b = skb_shape(sb);
	refuse = np_skb_cloned(sa) || sa->pp_recycle != sb->pp_recycle;
	logstep("coalesce to h%d from h%d (to cloned %d, pp %d/%d, from cloned %d)", a, b,
		np_skb_cloned(sa), sa->pp_recycle, sb->pp_recycle, np_skb_cloned(sb));
	ok = np_skb_try_coalesce(sa, sb, &stolen, &delta);
	MCHECK(!(ok && refuse), "coalesce merged what it must refuse");
	if (!ok)
		return;
	memcpy(H[a].want + H[a].len, H[b].want, H[b].len);
	H[a].len += H[b].len;
	logstep("  merged, stolen %d", stolen);
	took = true;
	np_kfree_skb_partial(sb, stolen);
	h_drop(b);
}

/* np_skb_shift() of another skb's paged bytes onto this one (the target). */
static void op_shift(int a)
{
	struct np_skb *sa = H[a].skb;
	struct np_skb *sb;
	int b;
	bool list;
	int moved, len;

	b = h_pick_other(a);	/* tgt a, skb b */
	if (b < 0)
		return;
	sb = H[b].skb;
	if (H[a].len + H[b].len > MAX_PKT || !sb->len)
		return;
	if (np_skb_headlen(sb) && chance(60)) {
		/* only paged bytes shift: make the head empty first */
		uint32_t hl = np_skb_headlen(sb);

		logstep("pull h%d %u (for shift)", b, hl);
		MCHECK(np_skb_pull(sb, hl), "pull");
		memmove(H[b].want, H[b].want + hl, H[b].len - hl);
		H[b].len -= hl;
		if (!sb->len)
			return;
	}
	len = (int)rnd(sb->len + 1);
	logstep("shift tgt h%d skb h%d len %d (pp %d/%d, headlen %u, cloned %d/%d)", a, b,
		len, sa->pp_recycle, sb->pp_recycle, np_skb_headlen(sb), np_skb_cloned(sa),
		np_skb_cloned(sb));
	shape_b = skb_shape(sb);
	list = np_skb_has_frag_list(sa);
	moved = np_skb_shift(sa, sb, len);
	MCHECK(moved == 0 || moved == len, "shift moved %d of %d", moved, len);
	MCHECK(!moved || sa->pp_recycle == sb->pp_recycle, "shift between pp and non-pp");
	/* the bytes would land before the target's frag_list */
	MCHECK(!moved || !list, "shift onto a target with a frag_list");
	if (!moved)
		return;
	took = true;
	memcpy(H[a].want + H[a].len, H[b].want, (size_t)moved);
	H[a].len += (uint32_t)moved;
	memmove(H[b].want, H[b].want + moved, H[b].len - (uint32_t)moved);
	H[b].len -= (uint32_t)moved;
}

/* np_skb_split() into an empty skb of a random kind. */
static void op_split(int a)
{
	struct np_skb *sa = H[a].skb;
	struct np_skb *n;
	int slot, err;
	uint64_t inj0;
	static const int kinds[] = { OP_NEW_SMALL, OP_NEW_POOLPAGE, OP_NEW_POOLFRAG,
				     OP_NEW_NETDEV };
	uint32_t len, headlen = np_skb_headlen(sa), pos;
	int kind = kinds[rnd(4)], want, pp1;
	const struct np_skb_shared_info *sh = np_skb_shinfo(sa);
	bool fixed, pool_moves = false;

	slot = h_free_slot();
	if (slot < 0 || np_skb_cloned(sa) || np_skb_has_frag_list(sa))
		return;
	len = rnd(sa->len + 1);
	/*
	 * The empty skb1: a small head with room for the rest of the
	 * head (as before), or an empty skb of another kind, marked or
	 * not, whose room may be short.
	 */
	if (kind == OP_NEW_SMALL) {
		inj0 = alloc_inj();
		n = np_alloc_skb(headlen + 64);
		if (!n) {
			logstep("split h%d", a);
			failed(inj0, "np_alloc_skb for split");
			return;
		}
		h_set(slot, n, NULL, 0);
	} else {
		bool mark = chance(50);

		if (!new_skb(kind, slot, (int)rnd((uint32_t)npools), mark, 0, false))
			return;
		n = H[slot].skb;
		/*
		 * Taking skb1's head may have ended a page's life (the
		 * pool's fragment page drained): let the walk see that
		 * before a frag moves, as if skb1 had come a step earlier.
		 */
		model_check();
	}
	/*
	 * The documented rule: skb1's own head on a pool page keeps skb1's
	 * bit; where the bits then differ, no pool page may move. Which
	 * pages are pool pages: the signature (making skb1 may have
	 * released the pool's fragment page in this very step; the walk
	 * checks every signature against the model after each step).
	 */
	fixed = n->head_frag && np_page_is_pp(np_virt_to_page(n->head));
	pos = headlen;
	for (unsigned i = 0; i < sh->nr_frags; i++) {
		if (pos + sh->frags[i].len > len && np_page_is_pp(sh->frags[i].page))
			pool_moves = true;
		pos += sh->frags[i].len;
	}
	pp1 = fixed ? n->pp_recycle : sa->pp_recycle;
	if (pp1 != sa->pp_recycle && pool_moves)
		want = -EINVAL;
	else if (len < headlen && headlen - len > np_skb_tailroom(n))
		want = -EMSGSIZE;
	else
		want = 0;
	logstep("split h%d at %u -> h%d (%p, %s, pp %d/%d, fixed %d) want %d", a, len, slot,
		(void *)n, model_ops[kind].name, sa->pp_recycle, n->pp_recycle, fixed, want);
	shape_b = skb_shape(n);
	snap_take(&step_snap, sa);
	err = np_skb_split(sa, n, len);
	MCHECK(err == want, "split returned %d, the model wants %d", err, want);
	if (err) {
		snap_check(&step_snap, sa, "np_skb_split");
		MCHECK(n->len == 0, "a refused split filled skb1");
		return;
	}
	took = true;
	MCHECK(n->pp_recycle == pp1, "skb1's pp_recycle %d, want %d", n->pp_recycle, pp1);
	h_set(slot, n, H[a].want + len, H[a].len - len);
	H[a].len = len;
}

/* np_skb_gro_receive() of another skb into this one (the GRO packet). */
static void op_gro(int a)
{
	struct np_skb *sa = H[a].skb;
	struct np_skb *sb;
	int b, err;
	uint64_t inj0;
	int want;

	b = h_pick_other(a);	/* head a, skb b */
	if (b < 0)
		return;
	sb = H[b].skb;
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
	shape_b = skb_shape(sb);
	logstep("gro head h%d skb h%d (pp %d/%d, cloned %d/%d, shared member %d) want %d", a,
		b, sa->pp_recycle, sb->pp_recycle, np_skb_cloned(sa), np_skb_cloned(sb),
		!!(shape_a & (1u << SH_SHARED_MEMBER)), want);
	inj0 = alloc_inj();
	err = np_skb_gro_receive(sa, sb);
	if (err == -ENOMEM && want == 0 && (shape_a & (1u << SH_SHARED_MEMBER))) {
		/* no clone of a shared member: nothing merged, skb b still ours */
		failed(inj0, "np_skb_gro_receive");
		return;
	}
	MCHECK(err == want, "gro_receive %d, the model wants %d", err, want);
	if (err)
		return;
	/*
	 * The packet's chain is its own now: another holder of a member
	 * it had (a pskb_copy, a clone's expand) keeps its bytes, which
	 * the walk checks for every live skb.
	 */
	for (const struct np_skb *l = np_skb_shinfo(sa)->frag_list; l; l = l->next)
		MCHECK(l == sb || !np_skb_shared(l), "a GRO packet still shares a member");
	took = true;
	memcpy(H[a].want + H[a].len, H[b].want, H[b].len);
	H[a].len += H[b].len;
	h_drop(b);
}

/* np_skb_segment() with random features; the segments take free slots. */
static void op_segment(int a)
{
	struct np_skb *sa = H[a].skb;
	int slot;
	uint64_t inj0;
	static const char *const mode_names[] = { "sg", "linear", "partial", "by_frags" };
	uint32_t hdr, mss, nseg = 0, pos, free_slots = (uint32_t)(MAX_H - h_count());
	uint32_t own = sa->len, plen[MAX_H + 1], partial = 0;
	unsigned r = rnd(100), mode = r < 55 ? 0 : r < 70 ? 1 : r < 85 ? 2 : 3;
	np_netdev_features_t feat = mode == 1 ? 0 : NP_NETIF_F_SG;
	struct np_skb *segs, *next;
	const struct np_skb *l;

	if (sa->len < 2 || !free_slots)
		return;
	for (l = np_skb_shinfo(sa)->frag_list; l; l = l->next)
		own -= l->len;
	if (mode == 3 && (!np_skb_has_frag_list(sa) || own < 1))
		mode = 0;
	hdr = rnd(NP_MIN((mode == 3 ? own : sa->len) - 1, 128u) + (mode == 3));
	/*
	 * The segments the model expects, from the documented features:
	 * gso_size each; with GSO_PARTIAL one of every whole multiple and
	 * the rest; with GSO_BY_FRAGS the head's own payload, then each
	 * member whole.
	 */
	if (mode == 3) {
		mss = NP_GSO_BY_FRAGS;
		if (own > hdr)
			plen[nseg++] = own - hdr;
		for (l = np_skb_shinfo(sa)->frag_list; l && nseg <= free_slots; l = l->next)
			if (l->len && nseg < MAX_H)
				plen[nseg++] = l->len;
		if (nseg > free_slots || l)
			return;
	} else {
		mss = 1 + rnd(NP_MIN(sa->len - hdr, 4000u));
		if (mode == 2) {
			feat |= NP_NETIF_F_GSO_PARTIAL;
			partial = NP_MIN(sa->len - hdr, 65534u) / mss;
		}
		if ((sa->len - hdr + mss - 1) / mss > free_slots && partial <= 1)
			mss = (sa->len - hdr + free_slots - 1) / free_slots;
		if (mss > 0xfffe)
			return;
		partial = mode == 2 ? NP_MIN(sa->len - hdr, 65534u) / mss : 0;	/* an IP length */
		if (partial <= 1)
			partial = 0;
		for (pos = hdr; pos < sa->len && nseg <= free_slots; pos += plen[nseg++])
			plen[nseg] = NP_MIN(partial ? mss * partial : mss, sa->len - pos);
		if (nseg > free_slots)
			return;
	}
	np_skb_shinfo(sa)->gso_size = (uint16_t)mss;
	logstep("segment h%d hdr %u mss %u %s -> %u segs", a, hdr, mss, mode_names[mode], nseg);
	snap_take(&step_snap, sa);
	inj0 = alloc_inj();
	segs = np_skb_segment(sa, hdr, feat);
	if (!segs) {
		failed(inj0, "np_skb_segment");
		snap_check(&step_snap, sa, "np_skb_segment");
		return;
	}
	took = true;
	seg_modes[mode][np_skb_has_frag_list(sa)]++;
	pos = hdr;
	for (uint32_t k = 0; segs; segs = next, pos += plen[k++]) {
		const struct np_skb_shared_info *gsh = np_skb_shinfo(segs);

		next = segs->next;
		segs->next = NULL;
		MCHECK(k < nseg, "more segments than the model's %u", nseg);
		MCHECK(segs->len == hdr + plen[k], "segment %u of %u bytes, want %u", k, segs->len,
		       hdr + plen[k]);
		MCHECK(!segs->pp_recycle, "a segment has pp_recycle");
		MCHECK(feat & NP_NETIF_F_SG || !np_skb_is_nonlinear(segs),
		       "a segment without SG is nonlinear");
		if (partial && plen[k] > mss)
			MCHECK(gsh->gso_size == mss && (gsh->gso_type & NP_SKB_GSO_PARTIAL) &&
			       gsh->gso_segs == (k ? (plen[k] + mss - 1) / mss : partial),
			       "partial segment %u: gso_size %u type %#x segs %u", k,
			       gsh->gso_size, gsh->gso_type, gsh->gso_segs);
		else
			MCHECK(!gsh->gso_size, "segment %u keeps gso_size %u", k, gsh->gso_size);
		slot = h_free_slot();
		MCHECK(slot >= 0, "no slot for segment");
		h_set(slot, segs, H[a].want, hdr);
		memcpy(H[slot].want + hdr, H[a].want + pos, plen[k]);
		H[slot].len = hdr + plen[k];
	}
	MCHECK(pos >= sa->len, "segments cover %u of %u", pos, sa->len);
	if (chance(50)) {
		logstep("  free original");
		free_skb(sa, rnd(6));
		h_drop(a);
	}
}

/* np_skb_copy() (@op OP_COPY) or np_pskb_copy() into a free slot. */
static void op_copies(int op, int a)
{
	struct np_skb *sa = H[a].skb;
	struct np_skb *n;
	int slot;
	uint64_t inj0;

	slot = h_free_slot();
	if (slot < 0)
		return;
	snap_take(&step_snap, sa);
	inj0 = alloc_inj();
	n = op == OP_COPY ? np_skb_copy(sa) : np_pskb_copy(sa);
	if (!n) {
		logstep("%s h%d", model_ops[op].name, a);
		failed(inj0, model_ops[op].name);
		snap_check(&step_snap, sa, model_ops[op].name);
		return;
	}
	MCHECK(!n->pp_recycle && !n->cloned, "a copy with pp_recycle or cloned");
	MCHECK(op == OP_PSKB_COPY || !np_skb_is_nonlinear(n), "skb_copy not linear");
	h_set(slot, n, H[a].want, H[a].len);
	logstep("%s h%d -> h%d (%p)", model_ops[op].name, a, slot, (void *)n);
}

/* np_pskb_trim() to a random length. */
static void op_trim(int a)
{
	struct np_skb *sa = H[a].skb;
	int err;
	uint64_t inj0;
	bool list;
	uint32_t len = rnd(sa->len + 2);

	logstep("pskb_trim h%d to %u (len %u)", a, len, sa->len);
	list = np_skb_has_frag_list(sa);
	snap_take(&step_snap, sa);
	inj0 = alloc_inj();
	err = np_pskb_trim(sa, len);
	if (err) {
		MCHECK(err == -ENOMEM, "np_pskb_trim returned %d", err);
		failed(inj0, "np_pskb_trim");
		/*
		 * Not documented as leaving the skb unchanged: with a
		 * frag_list, the members passed on the way to the cut may
		 * already be private clones (and the head private). The
		 * bytes and the length stay (the walk checks them).
		 */
		if (!list)
			snap_check(&step_snap, sa, "np_pskb_trim");
		MCHECK(sa->len == H[a].len, "failed trim changed the length");
		return;
	}
	if (len < H[a].len)
		H[a].len = len;
}

/* np_pskb_may_pull() of a random length. */
static void op_may_pull(int a)
{
	struct np_skb *sa = H[a].skb;
	uint64_t inj0;
	uint32_t len = rnd(sa->len + 8);
	bool ok;

	logstep("may_pull h%d %u (len %u headlen %u)", a, len, sa->len, np_skb_headlen(sa));
	snap_take(&step_snap, sa);
	inj0 = alloc_inj();
	ok = np_pskb_may_pull(sa, len);
	if (!ok && len <= H[a].len) {
		failed(inj0, "np_pskb_may_pull");
		snap_check(&step_snap, sa, "np_pskb_may_pull");
		return;
	}
	MCHECK(ok == (len <= H[a].len), "may_pull returned %d", ok);
	MCHECK(!ok || np_skb_headlen(sa) >= len, "may_pull left headlen %u < %u",
	       np_skb_headlen(sa), len);
}

/* np_skb_linearize(). */
static void op_linearize(int a)
{
	struct np_skb *sa = H[a].skb;
	int err;
	uint64_t inj0;

	logstep("linearize h%d (len %u)", a, sa->len);
	snap_take(&step_snap, sa);
	inj0 = alloc_inj();
	err = np_skb_linearize(sa);
	if (err) {
		MCHECK(err == -ENOMEM, "np_skb_linearize returned %d", err);
		failed(inj0, "np_skb_linearize");
		snap_check(&step_snap, sa, "np_skb_linearize");
		return;
	}
	MCHECK(!np_skb_is_nonlinear(sa), "still nonlinear");
}

/* np_skb_pull() within the head. */
static void op_pull(int a)
{
	struct np_skb *sa = H[a].skb;
	uint32_t len = rnd(np_skb_headlen(sa) + 1);

	logstep("pull h%d %u", a, len);
	MCHECK(np_skb_pull(sa, len), "pull");
	memmove(H[a].want, H[a].want + len, H[a].len - len);
	H[a].len -= len;
}

/* A free of a random kind (free_skb()). */
static void op_free(int a)
{
	struct np_skb *sa = H[a].skb;
	unsigned how = rnd(6);

	logstep("free h%d how %u", a, how);
	free_skb(sa, how);
	h_drop(a);
}

/* A tap keeping a frag page: a page reference the test holds. */
static void op_raw_ref(int a)
{
	struct np_skb *sa = H[a].skb;
	const struct np_skb_shared_info *sh = np_skb_shinfo(sa);
	struct np_page *page;

	if (!sh->nr_frags)
		return;
	/* a tap keeping a frag page: a page reference, never a pool one */
	page = sh->frags[rnd(sh->nr_frags)].page;
	np_page_get(page);
	pfind(page)->raw_pg++;
	raw_add(page, false);
	logstep("raw_ref page %p of h%d", (void *)page, a);
}

static void op_copy(int a)
{
	op_copies(OP_COPY, a);
}

static void op_pskb_copy(int a)
{
	op_copies(OP_PSKB_COPY, a);
}

/* Enter a pool's napi context, or leave the one entered. */
static void op_napi(int op)
{
	(void)op;
	if (in_napi >= 0) {
		np_napi_ctx_leave(napi_prev);
		logstep("napi leave %d", in_napi);
		in_napi = -1;
	} else {
		in_napi = (int)rnd((uint32_t)npools);
		napi_prev = np_napi_ctx_enter(&napis[in_napi]);
		logstep("napi enter %d", in_napi);
	}
}

/* Put back a raw reference the test holds. */
static void op_raw_put(int op)
{
	int i;

	(void)op;
	if (!nraw)
		return;
	i = (int)rnd((uint32_t)nraw);
	logstep("raw_put %s page %p", raws[i].pool ? "pool" : "page", (void *)raws[i].page);
	raw_release(raws[i].page, raws[i].pool);
	raws[i] = raws[--nraw];
}

/*
 * The operations: name, weight in the random choice, and the handler; an
 * operation on an skb gets a picked handle (its skb in H[a]), the others
 * (the new_*, napi, raw_put) make their own choices.
 */
static const struct model_op model_ops[OP_MAX] = {
	[OP_NEW_POOLPAGE] = { "new_poolpage", 6, NULL, op_new },
	[OP_NEW_POOLFRAG] = { "new_poolfrag", 5, NULL, op_new },
	[OP_NEW_NETDEV] = { "new_netdev", 3, NULL, op_new },
	[OP_NEW_PAGEFRAG] = { "new_pagefrag", 2, NULL, op_new },
	[OP_NEW_SMALL] = { "new_small", 3, NULL, op_new },
	[OP_ADD_FRAG] = { "add_frag", 8, op_add_frag, NULL },
	[OP_CLONE] = { "clone", 6, op_clone, NULL },
	[OP_EXPAND] = { "expand", 3, op_expand, NULL },
	[OP_COALESCE] = { "coalesce", 5, op_coalesce, NULL },
	[OP_SHIFT] = { "shift", 3, op_shift, NULL },
	[OP_SPLIT] = { "split", 3, op_split, NULL },
	[OP_GRO] = { "gro", 5, op_gro, NULL },
	[OP_SEGMENT] = { "segment", 2, op_segment, NULL },
	[OP_COPY] = { "copy", 2, op_copy, NULL },
	[OP_PSKB_COPY] = { "pskb_copy", 3, op_pskb_copy, NULL },
	[OP_TRIM] = { "trim", 3, op_trim, NULL },
	[OP_MAY_PULL] = { "may_pull", 3, op_may_pull, NULL },
	[OP_LINEARIZE] = { "linearize", 1, op_linearize, NULL },
	[OP_PULL] = { "pull", 2, op_pull, NULL },
	[OP_COW_HEAD] = { "cow_head", 2, op_cow_head, NULL },
	[OP_UNSHARE] = { "unshare", 1, op_unshare, NULL },
	[OP_FREE] = { "free", 14, op_free, NULL },
	[OP_RAW_REF] = { "raw_ref", 2, op_raw_ref, NULL },
	[OP_RAW_PUT] = { "raw_put", 4, NULL, op_raw_put },
	[OP_NAPI] = { "napi", 3, NULL, op_napi },
	[OP_COW_XDP] = { "cow_xdp", 3, op_cow_xdp, NULL },
};

static void do_op(int op)
{
	const struct model_op *o = &model_ops[op];
	int a;

	if (o->run_any) {
		o->run_any(op);
		return;
	}
	a = h_pick();
	if (a < 0)
		return;
	shape_a = skb_shape(H[a].skb);
	step_a = a;
	prev_a = H[a].last_op;
	o->run(a);
}

/* ---- a seed ---- */

static int pick_op(void)
{
	static unsigned total;
	unsigned r;

	if (!total)
		for (int i = 0; i < OP_MAX; i++)
			total += op_off[i] ? 0 : model_ops[i].weight;
	r = rnd(total);
	for (int i = 0; i < OP_MAX; i++) {
		if (op_off[i])
			continue;
		if (r < model_ops[i].weight)
			return i;
		r -= model_ops[i].weight;
	}
	return OP_FREE;
}

/* Arm the points of fault_spec (counters from zero) once the seed's pools exist. */
static void fault_arm(void)
{
	np_dma_get_stats(model_dma_dev, &dma_prev);
	np_provider_get_stats(prov, &prov_prev);
	for (unsigned i = 0; i < NFAULT_POINTS; i++)
		CHECK_EQ(np_fault_set(fault_points[i], &fault_spec[fault_points[i]]), 0);
	ring_inj_prev = 0;
	ring_full_step = 0;
}

/* After the teardown: what was injected, and every point off for the final checks. */
static void fault_disarm(void)
{
	for (unsigned i = 0; i < NFAULT_POINTS; i++) {
		enum np_fault_point p = fault_points[i];

		fault_seed_inj[p] = np_fault_injected(p);
		fault_total[p] += fault_seed_inj[p];
	}
	np_fault_reset();
	ring_inj_prev = 0;
	fault_runs++;
}

/*
 * Each injected failure is counted where it happened: a provider page
 * refused (alloc_fail) or served from the emergency reserve instead, a DMA
 * map refused (map_fail); and nothing the faults touched is left mapped.
 */
static void fault_seed_check(void)
{
	struct np_dma_stats d;
	struct np_provider_stats ps;
	uint64_t pa = fault_seed_inj[NP_FAULT_PAGE_ALLOC], dm = fault_seed_inj[NP_FAULT_DMA_MAP];

	np_dma_get_stats(model_dma_dev, &d);
	np_provider_get_stats(prov, &ps);
	MCHECK(ps.alloc_fail - prov_prev.alloc_fail + ps.reserve_alloc - prov_prev.reserve_alloc == pa,
	       "provider: %llu refused + %llu from the reserve, %llu page_alloc faults injected",
	       (unsigned long long)(ps.alloc_fail - prov_prev.alloc_fail),
	       (unsigned long long)(ps.reserve_alloc - prov_prev.reserve_alloc),
	       (unsigned long long)pa);
	MCHECK(d.map_fail - dma_prev.map_fail == dm, "dma: %llu maps failed, %llu faults injected",
	       (unsigned long long)(d.map_fail - dma_prev.map_fail), (unsigned long long)dm);
	MCHECK(d.live == 0 && d.double_map == dma_prev.double_map &&
	       d.bad_unmap == dma_prev.bad_unmap && d.bad_sync == dma_prev.bad_sync &&
	       d.access_fault == dma_prev.access_fault,
	       "dma: %llu mappings live, double_map %llu bad_unmap %llu bad_sync %llu "
	       "access_fault %llu", (unsigned long long)d.live, (unsigned long long)d.double_map,
	       (unsigned long long)d.bad_unmap, (unsigned long long)d.bad_sync,
	       (unsigned long long)d.access_fault);
	MCHECK(d.map - dma_prev.map == d.unmap - dma_prev.unmap, "dma: %llu maps, %llu unmaps",
	       (unsigned long long)(d.map - dma_prev.map),
	       (unsigned long long)(d.unmap - dma_prev.unmap));
}

void run_seed(uint64_t seed, unsigned steps)
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

		if (fault_mode != FAULT_OFF && chance(75)) {
			/* pages mapped through a checking IOMMU: dma_map can fail */
			pp.flags = NP_POOL_F_DMA_MAP;
			pp.dma = model_dma_dev;
			pp.dma_dir = chance(50) ? NP_DMA_FROM_DEVICE : NP_DMA_BIDIRECTIONAL;
			if (chance(30)) {
				pp.flags |= NP_POOL_F_DMA_SYNC_DEV;
				pp.max_len = (uint32_t)(NP_PAGE_SIZE << pp.order);
			}
		}
		CHECK_EQ(np_pool_create(&pp, &pools[i]), 0);
		ids[i] = pools[i]->id;
		st_prev[i] = t_pool_stats(pools[i]);
		pool_frag[i] = NULL;
		ev_recycled[i] = ev_released[i] = ev_either[i] = 0;
		ev_unseen[i] = false;
	}
	logstep("seed %llu: %d pools, order %u/%u, dma %d/%d", (unsigned long long)seed, npools,
		pools[0]->order, npools > 1 ? pools[1]->order : 0, pools[0]->dma != NULL,
		npools > 1 && pools[1]->dma != NULL);
	if (fault_mode != FAULT_OFF)
		fault_arm();

	for (cur_step = 1; cur_step <= steps; cur_step++) {
		int op = pick_op();
		size_t log0 = steplog_len;

		took = false;
		cur_op = op;
		shape_a = shape_b = 0;
		step_a = prev_a = -1;
		do_op(op);
		cur_op = -1;
		if (steplog_len != log0) {
			reach_count(reach_a[op], shape_a);
			if (took)
				reach_count(reach_t[op], shape_a);
			reach_count(reach_b[op], shape_b);
			if (step_a >= 0 && prev_a >= 0)
				follows[prev_a][op]++;
			if (step_a >= 0 && H[step_a].skb)
				H[step_a].last_op = op;
		}
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
	if (fault_mode != FAULT_OFF)
		fault_disarm();
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
	if (fault_mode != FAULT_OFF)
		fault_seed_check();
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
			if (!strcmp(tok, model_ops[i].name))
				break;
		if (i == OP_MAX) {
			fprintf(stderr, "NP_MODEL_SKIP: unknown operation %s\n", tok);
			exit(1);
		}
		op_off[i] = true;
		printf("operation %s left out\n", tok);
	}
}

/* ---- what a main needs ---- */

static uint8_t model_shadow[MAX_H][SHADOW_CAP];
static struct timespec model_t0;

/*
 * The run's provider (@reserve order-0 pages of emergency reserve) for the
 * pools and the skb layer, the napis, the shadows; the NP_MODEL_* knobs every
 * mode shares; @prog names the binary in the replay line.
 */
void model_init(const char *prog, size_t reserve)
{
	struct np_provider_params pp = { .reserve_pages = reserve, .name = "model" };

	model_prog = prog;
	trace = t_env_ul("NP_MODEL_TRACE", 0) != 0;
	gro_nested = t_env_ul("NP_MODEL_GRO_NESTED", 1) != 0;
	if (getenv("NP_MODEL_WATCH"))
		watch = (int)t_env_ul("NP_MODEL_WATCH", 0) % MAX_H;
	parse_skip();
	if (fault_mode == FAULT_OFF)
		op_off[OP_COW_XDP] = true;
	for (int i = 0; i < MAX_H; i++)
		H[i].want = model_shadow[i];
	CHECK_EQ(np_provider_create(reserve ? &pp : NULL, &prov), 0);
	np_skb_set_provider(prov);
	for (int i = 0; i < MAX_POOLS; i++)
		np_napi_ctx_init(&napis[i]);
	signal(SIGABRT, on_abort);
	clock_gettime(CLOCK_MONOTONIC, &model_t0);
}

/* Seconds since model_init(). */
double model_secs(void)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - model_t0.tv_sec) +
	       (double)(t1.tv_nsec - model_t0.tv_nsec) / 1e9;
}

/*
 * The reach table: for each operation, how many calls found its operand in
 * each shape (a call counts in every column whose property held), then the
 * second operands, then which operation followed which on the same skb for
 * the operations that share, merge or cut. A 0 is a gap the model never
 * reached (docs/reliability.md says which are impossible by design).
 */
void model_reach_print(FILE *f)
{
	static const int seq_ops[] = { OP_CLONE, OP_PSKB_COPY, OP_EXPAND, OP_GRO, OP_SHIFT,
				       OP_SPLIT, OP_COALESCE, OP_SEGMENT, OP_TRIM, OP_FREE };
	const uint64_t (*tab)[SH_MAX + 1];

	static const char *const what[] = { "first operand, every call",
					    "first operand, calls that merged, moved or cut",
					    "second operand, every call" };

	for (int t = 0; t < 3; t++) {
		tab = t == 0 ? (const uint64_t (*)[SH_MAX + 1])reach_a :
		      t == 1 ? (const uint64_t (*)[SH_MAX + 1])reach_t :
			       (const uint64_t (*)[SH_MAX + 1])reach_b;
		fprintf(f, "reach, %s:\n%-12s %9s", what[t], "op", "calls");
		for (int k = 0; k < SH_MAX; k++)
			fprintf(f, " %8s", shape_names[k]);
		fputc('\n', f);
		for (int i = 0; i < OP_MAX; i++) {
			if (!tab[i][SH_MAX])
				continue;
			fprintf(f, "%-12s %9llu", model_ops[i].name, (unsigned long long)tab[i][SH_MAX]);
			for (int k = 0; k < SH_MAX; k++)
				fprintf(f, " %8llu", (unsigned long long)tab[i][k]);
			fputc('\n', f);
		}
	}
	fprintf(f, "segment by features (without / with a frag_list): sg %llu/%llu, linear "
		"%llu/%llu, partial %llu/%llu, by_frags %llu/%llu\n",
		(unsigned long long)seg_modes[0][0], (unsigned long long)seg_modes[0][1],
		(unsigned long long)seg_modes[1][0], (unsigned long long)seg_modes[1][1],
		(unsigned long long)seg_modes[2][0], (unsigned long long)seg_modes[2][1],
		(unsigned long long)seg_modes[3][0], (unsigned long long)seg_modes[3][1]);
	fprintf(f, "follows (row: the previous operation on the skb, column: the next):\n%-12s",
		"");
	for (size_t c = 0; c < NP_ARRAY_SIZE(seq_ops); c++)
		fprintf(f, " %9s", model_ops[seq_ops[c]].name);
	fputc('\n', f);
	for (size_t r = 0; r < NP_ARRAY_SIZE(seq_ops); r++) {
		fprintf(f, "%-12s", model_ops[seq_ops[r]].name);
		for (size_t c = 0; c < NP_ARRAY_SIZE(seq_ops); c++)
			fprintf(f, " %9llu", (unsigned long long)follows[seq_ops[r]][seq_ops[c]]);
		fputc('\n', f);
	}
}

/* Everything back: the provider goes (it fails while a page is out). */
void model_fini(void)
{
	np_skb_set_provider(NULL);
	np_skb_thread_flush();
	CHECK_EQ(np_provider_destroy(prov), 0);
	free(steplog);
	steplog = NULL;
	if (getenv("NP_MODEL_STATS"))
		for (int i = 0; i < OP_MAX; i++)
			printf("%-14s ran %10llu  merged/moved %10llu  failed %8llu\n", model_ops[i].name,
			       (unsigned long long)op_ran[i], (unsigned long long)op_took[i],
			       (unsigned long long)op_failed[i]);
}

const char *model_op_name(int op)
{
	return model_ops[op].name;
}
