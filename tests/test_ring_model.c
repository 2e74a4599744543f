/* SPDX-License-Identifier: MIT */
/*
 * The return ring, model-checked: every interleaving, within bounds, of
 * include/netpool/ring.h's produce/consume protocol with two or three
 * producers and the consumer. ring.h itself runs, its shared accesses made
 * scheduling points; a stateless depth-first search with dynamic
 * partial-order reduction explores every trace. Checked in each schedule:
 * every object consumed exactly once and in its producer's order, the index
 * invariants at every step, np_ring_count() <= size, no deadlock, no
 * livelock; three broken copies of ring functions must be caught.
 * docs/reliability.md ("The return ring, model-checked") says how.
 *
 * Environment: NP_RING_MODEL_ONLY=substring (configurations whose name has
 * it), NP_RING_MODEL_DEEP=1 (the larger ones, minutes), NP_RING_MODEL_XCHECK=N
 * (cross-check each with at most N preemptions), NP_RING_MODEL_PRODUCER_COUNT=1
 * (np_ring_count() from the producers too: docs/regressions.md R24, 80 s),
 * NP_RING_MODEL_CFG="size nprod nobj0 nobj1 nobj2 bulk0 bulk1 bulk2 cbulk
 * count" (one configuration of your own).
 */
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "netpool/compiler.h"
#include "netpool/atomic.h"

/* ---------------------------------------------------------------------------
 * Instrumenting ring.h
 */

enum mc_op { MC_LOAD, MC_STORE, MC_CAS, MC_SLOT, MC_SPIN, MC_WAIT };

static void mc_point(enum mc_op op, const void *addr);

static uint64_t mc_load(np_atomic_u64 *p, memory_order mo)
{
	mc_point(MC_LOAD, (const void *)p);
	return atomic_load_explicit(p, mo);
}

static void mc_store(np_atomic_u64 *p, uint64_t v, memory_order mo)
{
	mc_point(MC_STORE, (const void *)p);
	atomic_store_explicit(p, v, mo);
}

/* Strong: a spurious failure would make a schedule unrepeatable. */
static bool mc_cas(np_atomic_u64 *p, uint64_t *expected, uint64_t desired, memory_order s,
		   memory_order f)
{
	mc_point(MC_CAS, (const void *)p);
	return atomic_compare_exchange_strong_explicit(p, expected, desired, s, f);
}

static void mc_cpu_relax(void)
{
	mc_point(MC_SPIN, NULL);
}

static int mc_sched_yield(void)
{
	mc_point(MC_SPIN, NULL);
	return 0;
}

/* Returns the index of the mask in struct np_ring's one-element mask_[] array. */
static unsigned mc_slot_point(void)
{
	mc_point(MC_SLOT, NULL);
	return 0;
}

#pragma push_macro("atomic_load_explicit")
#pragma push_macro("atomic_store_explicit")
#pragma push_macro("atomic_compare_exchange_weak_explicit")
#undef atomic_load_explicit
#undef atomic_store_explicit
#undef atomic_compare_exchange_weak_explicit
#define atomic_load_explicit(p, mo)	mc_load((p), (mo))
#define atomic_store_explicit(p, v, mo)	mc_store((p), (v), (mo))
#define atomic_compare_exchange_weak_explicit(p, e, d, s, f) mc_cas((p), (e), (d), (s), (f))
#define np_cpu_relax()			mc_cpu_relax()
#define sched_yield()			mc_sched_yield()

/*
 * ring.h reads ring->mask only to index a slot, right before writing or
 * reading it. `mask` becomes `mask_[X]`, where X is 1 in the struct (a
 * one-element array, the same layout as the library's uint32_t) and, in the
 * functions, a call to mc_slot_point() that returns 0. _Generic tells the
 * two apart by the type of `ring`: this int at file scope, the functions'
 * struct np_ring * parameter inside them (hence -Wshadow off here).
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
enum { ring = 0 };
#define mask	mask_[_Generic(ring, int: 1, default: mc_slot_point())]

#include "netpool/ring.h"

/*
 * Broken variants for the self-check, instrumented the same way: ring.h's
 * functions, each with one deliberate mistake.
 */
enum mc_variant { MC_REAL, MC_PRODUCE_NOWAIT, MC_PRODUCE_OVERFILL, MC_CONSUME_PAST_TAIL };

/*
 * np_ring_produce_bulk() with MC_PRODUCE_NOWAIT: no wait for earlier
 * reservations to publish; MC_PRODUCE_OVERFILL: room for size + 1.
 */
static unsigned mc_produce_broken(struct np_ring *ring, void *const *objs, unsigned n,
				  enum mc_variant bug)
{
	uint64_t head = atomic_load_explicit(&ring->prod_head, memory_order_relaxed);
	uint64_t cons, size = ring->size + (bug == MC_PRODUCE_OVERFILL);
	unsigned i;

	if (!n)
		return 0;
	for (;;) {
		unsigned want = n;
		uint64_t used;

		cons = atomic_load_explicit(&ring->prod_cons_cache, memory_order_acquire);
		used = head - cons;
		if (used + want > size) {
			cons = atomic_load_explicit(&ring->cons_tail, memory_order_acquire);
			atomic_store_explicit(&ring->prod_cons_cache, cons, memory_order_release);
			used = head - cons;
			if (used > size) {
				head = atomic_load_explicit(&ring->prod_head, memory_order_relaxed);
				continue;
			}
			if (used == size)
				return 0;
			if (used + want > size)
				want = (unsigned)(size - used);
		}
		if (atomic_compare_exchange_weak_explicit(&ring->prod_head, &head, head + want,
							  memory_order_relaxed,
							  memory_order_relaxed)) {
			n = want;
			break;
		}
	}
	for (i = 0; i < n; i++)
		ring->slots[(head + i) & ring->mask] = objs[i];
	while (bug != MC_PRODUCE_NOWAIT &&
	       atomic_load_explicit(&ring->prod_tail, memory_order_acquire) != head)
		np_cpu_relax();
	atomic_store_explicit(&ring->prod_tail, head + n, memory_order_release);
	return n;
}

/* np_ring_consume_bulk() trusting prod_head (reserved) instead of prod_tail (published). */
static unsigned mc_consume_past_tail(struct np_ring *ring, void **objs, unsigned n)
{
	uint64_t cons = atomic_load_explicit(&ring->cons_tail, memory_order_relaxed);
	uint64_t avail = ring->cons_prod_cache - cons;
	unsigned i;

	if (avail < n) {
		/* BROKEN: prod_head, not prod_tail */
		ring->cons_prod_cache = atomic_load_explicit(&ring->prod_head, memory_order_acquire);
		avail = ring->cons_prod_cache - cons;
		if (avail == 0)
			return 0;
		if (avail < n)
			n = (unsigned)avail;
	}
	for (i = 0; i < n; i++)
		objs[i] = ring->slots[(cons + i) & ring->mask];
	atomic_store_explicit(&ring->cons_tail, cons + n, memory_order_release);
	return n;
}

#undef mask
#undef np_cpu_relax
#undef sched_yield
#undef atomic_load_explicit
#undef atomic_store_explicit
#undef atomic_compare_exchange_weak_explicit
#pragma pop_macro("atomic_load_explicit")
#pragma pop_macro("atomic_store_explicit")
#pragma pop_macro("atomic_compare_exchange_weak_explicit")

#include "testutil.h"
#pragma GCC diagnostic pop

_Static_assert(sizeof(((struct np_ring *)0)->mask_) == sizeof(uint32_t),
	       "instrumented struct np_ring must keep the library's layout");

/* ---------------------------------------------------------------------------
 * Configurations
 */

#define MC_MAX_THREADS	4		/* up to 3 producers and the consumer */
#define MC_MAX_PROD	3
#define MC_MAX_OBJS	3		/* per producer */
#define MC_MAX_TOTAL	(MC_MAX_PROD * MC_MAX_OBJS)
#define MC_MAX_SIZE	4
#define MC_MAX_BULK	4
#define MC_MAX_STEPS	400		/* per schedule: longer is a livelock */
#define MC_TOKEN_BASE	0x1000u

struct mc_cfg {
	const char *name;
	unsigned size;			/* asked of np_ring_init() */
	unsigned nprod;
	unsigned nobj[MC_MAX_PROD];	/* objects each producer produces */
	unsigned pbulk[MC_MAX_PROD];	/* per call: 1 = np_ring_produce() */
	unsigned cbulk;			/* per call: 1 = np_ring_consume() */
	bool count;			/* consumer checks np_ring_count() after each take */
	enum mc_variant variant;	/* not MC_REAL: a violation must be found */
	bool xcheck;			/* also cross-check the reduction (see main) */
	bool deep;			/* only with NP_RING_MODEL_DEEP=1 (seconds to minutes) */
	bool observed;			/* only what the threads see: no index or slot checks */
};

/* Producers' objects and calls, e.g. "bulk3+single" = P0 one bulk of 3, P1 one single. */
static const struct mc_cfg mc_cfgs[] = {
	/* name                                   size np nobj         bulk        cbulk count */
	{ "2p single; single; size 2",               2, 2, { 1, 1 },    { 1, 1 },    1, true,
	  .xcheck = true },
	{ "2p single; single; size 1 (full)",        1, 2, { 1, 1 },    { 1, 1 },    1, true,
	  .xcheck = true },
	{ "2p single; bulk2; size 2",                2, 2, { 1, 1 },    { 1, 1 },    2, false,
	  .xcheck = true },
	{ "2p 2 singles+single; single; size 2",     2, 2, { 2, 1 },    { 1, 1 },    1, false,
	  .variant = MC_REAL },
	{ "2p bulk2+single; single; size 2",         2, 2, { 2, 1 },    { 2, 1 },    1, true,
	  .variant = MC_REAL },
	{ "2p bulk2+single; bulk2; size 2",          2, 2, { 2, 1 },    { 2, 1 },    2, true,
	  .variant = MC_REAL },
	{ "2p 2 bulk2 each; bulk2; size 2",          2, 2, { 2, 2 },    { 2, 2 },    2, true,
	  .variant = MC_REAL },
	{ "2p bulk3+bulk2; bulk4; size 4",           4, 2, { 3, 2 },    { 3, 2 },    4, true,
	  .variant = MC_REAL },
	{ "2p 2 singles+single; single; size 1",     1, 2, { 2, 1 },    { 1, 1 },    1, false,
	  .variant = MC_REAL },	/* the only one with a stale head */
	{ "3p single each; bulk2; size 2",           2, 3, { 1, 1, 1 }, { 1, 1, 1 }, 2, false,
	  .variant = MC_REAL },
	/* NP_RING_MODEL_DEEP=1 */
	{ "2p bulk3+2 singles; single; size 4",      4, 2, { 3, 2 },    { 3, 1 },    1, false,
	  .deep = true },
	{ "2p bulk3 (partial)+single; bulk2; size 2", 2, 2, { 3, 1 },   { 3, 1 },    2, false,
	  .deep = true },
	{ "2p 2 singles each; bulk4; size 4",        4, 2, { 2, 2 },    { 1, 1 },    4, true,
	  .deep = true },
	{ "3p single+bulk2+single; single; size 4",  4, 3, { 1, 2, 1 }, { 1, 2, 1 }, 1, false,
	  .deep = true },
	{ "3p single each; single; size 1",          1, 3, { 1, 1, 1 }, { 1, 1, 1 }, 1, true,
	  .deep = true },
	{ "2p 2 singles each; bulk2; size 2",        2, 2, { 2, 2 },    { 1, 1 },    2, false,
	  .deep = true },
	/* self-check: each must be caught */
	{ "BROKEN produce, no publish-order wait",   2, 2, { 1, 1 },    { 1, 1 },    1, false,
	  .variant = MC_PRODUCE_NOWAIT },
	{ "BROKEN produce, room for size + 1",       1, 2, { 1, 1 },    { 1, 1 },    1, false,
	  .variant = MC_PRODUCE_OVERFILL },
	{ "BROKEN consume, reads up to prod_head",   2, 2, { 1, 1 },    { 1, 1 },    1, false,
	  .variant = MC_CONSUME_PAST_TAIL },
	/* the same, caught by what the consumer gets and the calls return */
	{ "BROKEN produce, no publish-order wait (observed)", 2, 2, { 1, 1 }, { 1, 1 }, 1, false,
	  .variant = MC_PRODUCE_NOWAIT, .observed = true },
	{ "BROKEN produce, room for size + 1 (observed)",     1, 2, { 1, 1 }, { 1, 1 }, 1, false,
	  .variant = MC_PRODUCE_OVERFILL, .observed = true },
	{ "BROKEN consume, reads up to prod_head (observed)", 2, 2, { 1, 1 }, { 1, 1 }, 1, false,
	  .variant = MC_CONSUME_PAST_TAIL, .observed = true },
};

/* ---------------------------------------------------------------------------
 * Checker state. Only the thread holding the baton (main or one model thread)
 * touches it: the baton passes by sem_post/sem_wait, which orders it all.
 */

/* Corners of the protocol a schedule went through, counted per configuration. */
enum { PATH_CAS_FAIL, PATH_STALE_HEAD, PATH_FULL, PATH_PARTIAL, PATH_PUBLISH_WAIT, PATH_EMPTY,
       MC_NPATH };
static const char *const mc_path_name[MC_NPATH] = {
	"CAS lost", "stale head", "full", "partial", "publish wait", "empty",
};

enum { L_PROD_HEAD, L_PROD_TAIL, L_PROD_CACHE, L_CONS_TAIL, L_SLOT0, MC_NLOC = L_SLOT0 + MC_MAX_SIZE };

static const char *const mc_loc_name[MC_NLOC] = {
	"prod_head", "prod_tail", "prod_cons_cache", "cons_tail",
	"slot[0]", "slot[1]", "slot[2]", "slot[3]",
};
static const char *const mc_op_name[] = { "load", "store", "cas", "slot", "spin", "wait" };

struct mc_trans {			/* one step: a thread's next or executed access */
	int8_t tid;
	uint8_t op;
	int8_t loc;			/* -1: spin or wait */
	bool ran;			/* executed (else about to be) */
	uint16_t rmask, wmask;		/* locations read, written */
	uint64_t pos;			/* slot: absolute ring position */
	uint64_t before, after;		/* value at loc around the step */
};

struct mc_node {			/* the state before step k of the schedule */
	uint8_t enabled, backtrack, done, sleep, chosen;
	uint8_t preempts;		/* plain search: preemptions before this state */
	struct mc_trans tr;		/* step k as executed */
	uint16_t clock[MC_MAX_THREADS];	/* its vector clock: steps happening before it */
};

struct mc_thread {
	pthread_t th;
	sem_t baton;			/* posted: this thread runs next */
	jmp_buf jb;
	int id;				/* producers 0.., the consumer last */
	bool consumer;
	/* checker state */
	bool parked;			/* stopped at a scheduling point */
	bool finished;
	struct mc_trans pending;	/* what it does when next run */
	uint64_t obs[MC_NLOC];		/* value it last saw or wrote at each location */
	uint16_t rs_spin;		/* locations read since its last write or spin */
	uint16_t rs_call;		/* locations accessed since its ring call began */
	uint64_t cursor;		/* slot position of its first slot access in the call */
	unsigned slot_k;		/* slot accesses since then */
	void *const *call_objs;		/* producer: the call's objects */
	void *read_vals[MC_MAX_BULK];	/* consumer: what each slot read returned */
	bool woken;			/* spin/wait: a location it read has changed */
	bool in_produce;
	unsigned min_free;		/* fewest free slots seen during the produce call */
};

static struct {
	sem_t baton;			/* main's: the run is over */
	const struct mc_cfg *cfg;
	unsigned nthreads, total;
	bool quit, startup, abort;
	int running;
	/* the schedule */
	unsigned depth, len, replay_len;
	struct mc_node stack[MC_MAX_STEPS];
	uint16_t tc[MC_MAX_THREADS][MC_MAX_THREADS];
	/* ghost state of the run */
	int8_t reserved_by[MC_MAX_TOTAL + MC_MAX_SIZE];
	bool written[MC_MAX_TOTAL + MC_MAX_SIZE];
	uint64_t last_head, last_tail, last_cons;
	unsigned accepted, consumed, next_seq[MC_MAX_PROD];
	/* results */
	unsigned long runs, pruned, steps, states, max_depth, traces;
	unsigned paths;			/* this schedule's, by bit */
	unsigned long path_runs[MC_NPATH];
	bool producer_count;		/* producers check np_ring_count() too */
	bool plain;			/* no reduction: every interleaving ... */
	unsigned preempt_bound;		/* ... with at most this many preemptions */
	bool lookup;			/* count traces not found by the previous search */
	unsigned long missing;
	bool violated;
	char msg[512];
} mc;

static struct mc_thread mc_thr[MC_MAX_THREADS];
static _Thread_local struct mc_thread *mc_self;
static struct np_ring mc_ring;

static uint16_t mc_bit(int loc)
{
	return (uint16_t)(1u << loc);
}

static int mc_lowest(unsigned set)
{
	return __builtin_ctz(set);
}

static int mc_loc_of(const void *addr)
{
	if (addr == (const void *)&mc_ring.prod_head)
		return L_PROD_HEAD;
	if (addr == (const void *)&mc_ring.prod_tail)
		return L_PROD_TAIL;
	if (addr == (const void *)&mc_ring.prod_cons_cache)
		return L_PROD_CACHE;
	if (addr == (const void *)&mc_ring.cons_tail)
		return L_CONS_TAIL;
	fprintf(stderr, "FAIL test_ring_model: ring.h touched an unknown location %p\n", addr);
	exit(1);
}

static uint64_t mc_loc_value(int loc)
{
	switch (loc) {
	case L_PROD_HEAD:
		return atomic_load_explicit(&mc_ring.prod_head, memory_order_relaxed);
	case L_PROD_TAIL:
		return atomic_load_explicit(&mc_ring.prod_tail, memory_order_relaxed);
	case L_PROD_CACHE:
		return atomic_load_explicit(&mc_ring.prod_cons_cache, memory_order_relaxed);
	case L_CONS_TAIL:
		return atomic_load_explicit(&mc_ring.cons_tail, memory_order_relaxed);
	default:
		return (uint64_t)(uintptr_t)mc_ring.slots[loc - L_SLOT0];
	}
}

static const char *mc_tname(int tid)
{
	static const char *const names[] = { "P0", "P1", "P2", "P3" };

	return mc_thr[tid].consumer ? "C " : names[tid];
}

static void mc_print_schedule(FILE *f)
{
	fprintf(f, "  schedule (thread per step):");
	for (unsigned k = 0; k < mc.depth; k++)
		fprintf(f, "%s%s", k % 20 ? " " : "\n   ", mc_tname(mc.stack[k].tr.tid));
	fprintf(f, "\n  trace:\n");
	for (unsigned k = 0; k < mc.depth; k++) {
		const struct mc_trans *tr = &mc.stack[k].tr;

		fprintf(f, "   %3u %s %-5s", k, mc_tname(tr->tid), mc_op_name[tr->op]);
		if (tr->loc < 0) {
			fprintf(f, "\n");
			continue;
		}
		fprintf(f, " %-15s", mc_loc_name[tr->loc]);
		if (tr->op == MC_SLOT)
			fprintf(f, " pos %llu", (unsigned long long)tr->pos);
		if (!tr->ran)
			fprintf(f, " (about to run)\n");
		else if (tr->op == MC_STORE || tr->op == MC_CAS || (tr->op == MC_SLOT && tr->wmask))
			fprintf(f, " %#llx -> %#llx\n", (unsigned long long)tr->before,
				(unsigned long long)tr->after);
		else
			fprintf(f, " = %#llx\n", (unsigned long long)tr->before);
	}
}

/*
 * Abandon the run: each parked thread in turn is woken, unwinds (longjmp)
 * and passes the baton on; the last hands it back to main.
 */
static void mc_abort_run(void)
{
	mc.abort = true;
}

static void mc_pass_abort(void)
{
	for (unsigned i = 0; i < mc.nthreads; i++)
		if (mc_thr[i].parked) {
			sem_post(&mc_thr[i].baton);
			return;
		}
	sem_post(&mc.baton);
}

/* A property failed. Expected in a broken variant: stop its search; else fail the test. */
__attribute__((format(printf, 1, 2)))
static void mc_violation(const char *fmt, ...)
{
	va_list ap;

	if (mc.abort)
		return;
	va_start(ap, fmt);
	vsnprintf(mc.msg, sizeof(mc.msg), fmt, ap);
	va_end(ap);
	mc.violated = true;
	if (mc.cfg->variant != MC_REAL) {
		mc_abort_run();
		return;
	}
	fflush(stdout);
	fprintf(stderr, "FAIL test_ring_model: configuration \"%s\", schedule #%lu, step %u: %s\n",
		mc.cfg->name, mc.runs + 1, mc.depth, mc.msg);
	mc_print_schedule(stderr);
	fflush(stderr);
	exit(1);
}

/* The checker itself went wrong (its view of ring.h is out of step). */
__attribute__((noreturn))
static void mc_internal(const char *what)
{
	fflush(stdout);
	fprintf(stderr, "FAIL test_ring_model: checker: %s (configuration \"%s\", schedule #%lu)\n",
		what, mc.cfg->name, mc.runs + 1);
	mc_print_schedule(stderr);
	exit(1);
}

/* ---------------------------------------------------------------------------
 * Partial-order reduction
 */

static bool mc_dep(const struct mc_trans *a, const struct mc_trans *b)
{
	return (a->wmask & (b->rmask | b->wmask)) || (b->wmask & a->rmask);
}

/*
 * A thread spinning or waiting is blocked until a location it read is
 * changed by someone else (t->woken): re-running its loop before that would
 * only repeat itself. Once woken it stays enabled, so no step disables
 * another.
 */
static bool mc_enabled(const struct mc_thread *t)
{
	const struct mc_trans *p = &t->pending;

	if (t->finished)
		return false;
	if (p->op != MC_SPIN && p->op != MC_WAIT)
		return true;
	return t->woken;
}

static bool mc_hb(unsigned i, unsigned j)	/* step i happens before step j */
{
	return mc.stack[j].clock[mc.stack[i].tr.tid] >= i + 1;
}

/*
 * Source-set DPOR (Abdulla, Aronis, Jonsson, Sagonas, POPL 2014): for each
 * step i in a race with the new step k (dependent, other thread, no step
 * ordered between them), the reversed order must be tried from the state
 * before i: v is the steps after i that do not depend on it, then k; one of
 * v's initials (threads whose first step in v waits for nothing in v) must
 * be in the backtrack set there. Initials not enabled before i mean the race
 * cannot be reversed (k's thread was woken by i).
 */
static void mc_races(unsigned k)
{
	const struct mc_trans *tk = &mc.stack[k].tr;
	unsigned p = (unsigned)tk->tid;
	int prev_p = -1;
	unsigned dep[MC_MAX_STEPS], ndep = 0;

	for (int j = (int)k - 1; j >= 0; j--)
		if ((unsigned)mc.stack[j].tr.tid == p) {
			prev_p = j;
			break;
		}
	for (unsigned j = 0; j < k; j++)
		if ((unsigned)mc.stack[j].tr.tid != p && mc_dep(&mc.stack[j].tr, tk))
			dep[ndep++] = j;
	for (unsigned c = 0; c < ndep; c++) {
		unsigned i = dep[c], first[MC_MAX_THREADS], init = 0, ok = 1;
		struct mc_node *ni = &mc.stack[i];
		bool later_dep = false;

		/* immediate: i is ordered before k by no other step */
		if (prev_p > (int)i && mc_hb(i, (unsigned)prev_p))
			continue;
		for (unsigned d = c + 1; d < ndep && ok; d++)
			if (mc_hb(i, dep[d]))
				ok = 0;
		if (!ok)
			continue;
		for (unsigned q = 0; q < MC_MAX_THREADS; q++)
			first[q] = MC_MAX_STEPS;
		for (unsigned j = i + 1; j < k; j++) {
			unsigned q = (unsigned)mc.stack[j].tr.tid;

			if (mc_hb(i, j))
				continue;
			if (first[q] == MC_MAX_STEPS)
				first[q] = j;
			if (mc_dep(&mc.stack[j].tr, tk))
				later_dep = true;
		}
		if (first[p] == MC_MAX_STEPS) {
			first[p] = k;
			if (!later_dep)
				init |= 1u << p;
		}
		for (unsigned q = 0; q < mc.nthreads; q++) {
			bool pred = false;

			if (first[q] >= k)
				continue;
			for (unsigned r = 0; r < mc.nthreads && !pred; r++)
				if (r != q && first[r] < first[q] && mc_hb(first[r], first[q]))
					pred = true;
			if (!pred)
				init |= 1u << q;
		}
		init &= ni->enabled;
		if (init && !(init & ni->backtrack))
			ni->backtrack |= (uint8_t)(1u << mc_lowest(init));
	}
}

/* Sleep set of the state after step k: threads already covered and unaffected by the step. */
static uint8_t mc_child_sleep(unsigned k)
{
	const struct mc_node *nd = &mc.stack[k];
	unsigned cand = (nd->sleep | nd->done) & ~(1u << nd->chosen);
	uint8_t s = 0;

	for (unsigned p = 0; p < mc.nthreads; p++)
		if ((cand & (1u << p)) && !mc_thr[p].finished &&
		    !mc_dep(&mc_thr[p].pending, &nd->tr))
			s |= (uint8_t)(1u << p);
	return s;
}

/* ---------------------------------------------------------------------------
 * Properties
 */

static void mc_check_state(void)
{
	uint64_t head = mc_loc_value(L_PROD_HEAD), tail = mc_loc_value(L_PROD_TAIL);
	uint64_t cons = mc_loc_value(L_CONS_TAIL);
	unsigned size = mc_ring.size;

	if (mc.cfg->observed)
		;
	else if (head < mc.last_head || tail < mc.last_tail || cons < mc.last_cons)
		mc_violation("an index went back: prod_head %llu->%llu prod_tail %llu->%llu "
			     "cons_tail %llu->%llu",
			     (unsigned long long)mc.last_head, (unsigned long long)head,
			     (unsigned long long)mc.last_tail, (unsigned long long)tail,
			     (unsigned long long)mc.last_cons, (unsigned long long)cons);
	else if (!(cons <= tail && tail <= head))
		mc_violation("indexes out of order: cons_tail %llu prod_tail %llu prod_head %llu",
			     (unsigned long long)cons, (unsigned long long)tail,
			     (unsigned long long)head);
	else if (head - cons > size)
		mc_violation("%llu slots reserved or full in a ring of %u",
			     (unsigned long long)(head - cons), size);
	mc.last_head = head;
	mc.last_tail = tail;
	mc.last_cons = cons;
	for (unsigned p = 0; p < mc.nthreads; p++) {
		struct mc_thread *t = &mc_thr[p];
		unsigned free_now = head - cons > size ? 0 : size - (unsigned)(head - cons);

		if (t->in_produce && free_now < t->min_free)
			t->min_free = free_now;
	}
}

/* A slot access about to run (the state now is the state it runs in). */
static void mc_check_slot(const struct mc_thread *t, const struct mc_trans *tr)
{
	uint64_t cons = mc_loc_value(L_CONS_TAIL), tail = mc_loc_value(L_PROD_TAIL);
	unsigned long long pos = (unsigned long long)tr->pos;

	if (mc.cfg->observed)
		return;
	if (tr->pos >= MC_MAX_TOTAL + MC_MAX_SIZE) {
		mc_violation("%s accesses ring position %llu, past every object", mc_tname(t->id),
			     pos);
		return;
	}
	if (t->consumer) {
		if (tr->pos >= tail)
			mc_violation("consumer reads position %llu (%s) at or past prod_tail %llu",
				     pos, mc_loc_name[tr->loc], (unsigned long long)tail);
		else if (!mc.written[tr->pos])
			mc_violation("consumer reads position %llu (%s) before its producer "
				     "wrote it", pos, mc_loc_name[tr->loc]);
		else if (tr->pos < cons)
			mc_violation("consumer reads position %llu, already consumed (cons_tail %llu)",
				     pos, (unsigned long long)cons);
		return;
	}
	if (mc.reserved_by[tr->pos] != t->id)
		mc_violation("%s writes position %llu, reserved by %d", mc_tname(t->id), pos,
			     mc.reserved_by[tr->pos]);
	else if (mc.written[tr->pos])
		mc_violation("%s writes position %llu a second time", mc_tname(t->id), pos);
	else if (tr->pos - cons >= mc_ring.size)
		mc_violation("%s overwrites %s (position %llu) before position %llu was consumed "
			     "(cons_tail %llu)", mc_tname(t->id), mc_loc_name[tr->loc], pos,
			     pos - mc_ring.size, (unsigned long long)cons);
}

/* ---------------------------------------------------------------------------
 * The scheduler
 */

static void mc_set_pending(struct mc_thread *t, enum mc_op op, const void *addr)
{
	struct mc_trans *p = &t->pending;

	memset(p, 0, sizeof(*p));
	p->tid = (int8_t)t->id;
	p->op = (uint8_t)op;
	p->loc = -1;
	switch (op) {
	case MC_LOAD:
		p->loc = (int8_t)mc_loc_of(addr);
		p->rmask = mc_bit(p->loc);
		break;
	case MC_STORE:
		p->loc = (int8_t)mc_loc_of(addr);
		p->wmask = mc_bit(p->loc);
		break;
	case MC_CAS:
		p->loc = (int8_t)mc_loc_of(addr);
		p->rmask = p->wmask = mc_bit(p->loc);
		break;
	case MC_SLOT:
		p->pos = t->cursor + t->slot_k;
		p->loc = (int8_t)(L_SLOT0 + (p->pos & (mc_ring.size - 1)));
		if (t->consumer)
			p->rmask = mc_bit(p->loc);
		else
			p->wmask = mc_bit(p->loc);
		break;
	case MC_SPIN:
		p->rmask = t->rs_spin;
		break;
	case MC_WAIT:
		p->rmask = t->rs_call;
		break;
	}
	t->woken = false;
	for (int loc = 0; loc < MC_NLOC; loc++)
		if ((p->rmask & mc_bit(loc)) && mc_loc_value(loc) != t->obs[loc])
			t->woken = true;
}

/* The step thread t was given has run: record its effect, clock and ghost state. */
static void mc_complete(struct mc_thread *t)
{
	unsigned k = mc.depth - 1;
	struct mc_node *nd = &mc.stack[k];
	struct mc_trans *tr = &nd->tr;
	uint16_t c[MC_MAX_THREADS];

	tr->ran = true;
	if (tr->loc >= 0) {
		uint64_t now = mc_loc_value(tr->loc);

		tr->after = now;
		if (tr->op == MC_CAS && now == tr->before) {
			tr->wmask = 0;		/* failed: a read */
			mc.paths |= 1u << PATH_CAS_FAIL;
		}
		if (tr->op == MC_LOAD && tr->loc == L_PROD_HEAD && (t->rs_call & mc_bit(L_PROD_CACHE)))
			mc.paths |= 1u << PATH_STALE_HEAD;	/* read again in the same call */
		t->obs[tr->loc] = now;
		t->rs_call |= mc_bit(tr->loc);
		if (tr->wmask)
			t->rs_spin = 0;
		else
			t->rs_spin |= mc_bit(tr->loc);
		if (tr->op == MC_CAS && tr->wmask) {
			if (now > MC_MAX_TOTAL + MC_MAX_SIZE || now < tr->before) {
				mc_violation("%s reserved [%llu, %llu)", mc_tname(t->id),
					     (unsigned long long)tr->before,
					     (unsigned long long)now);
				return;
			}
			for (uint64_t pos = tr->before; pos < now; pos++)
				mc.reserved_by[pos] = (int8_t)t->id;
			t->cursor = tr->before;
			t->slot_k = 0;
		}
		if (tr->op == MC_LOAD && tr->loc == L_CONS_TAIL && t->consumer) {
			t->cursor = now;
			t->slot_k = 0;
		}
		if (tr->op == MC_SLOT) {
			if (t->consumer) {
				if (t->slot_k >= MC_MAX_BULK)
					mc_internal("more slot reads than the consumer asked for");
				t->read_vals[t->slot_k] = (void *)(uintptr_t)now;
			} else {
				if (!t->call_objs || now != (uint64_t)(uintptr_t)t->call_objs[t->slot_k])
					mc_internal("a slot write is not where the checker expected it");
				if (tr->pos < MC_MAX_TOTAL + MC_MAX_SIZE)
					mc.written[tr->pos] = true;
			}
			t->slot_k++;
		}
	} else if (tr->op == MC_SPIN) {
		t->rs_spin = 0;
		mc.paths |= 1u << PATH_PUBLISH_WAIT;
	}

	memcpy(c, mc.tc[t->id], sizeof(c));
	for (unsigned i = 0; i < k; i++) {
		const struct mc_node *ni = &mc.stack[i];

		if (ni->tr.tid != t->id && mc_dep(&ni->tr, tr))
			for (unsigned j = 0; j < MC_MAX_THREADS; j++)
				if (ni->clock[j] > c[j])
					c[j] = ni->clock[j];
	}
	c[t->id] = (uint16_t)(k + 1);
	memcpy(nd->clock, c, sizeof(c));
	memcpy(mc.tc[t->id], c, sizeof(c));
	if (tr->wmask && tr->before != tr->after)
		for (unsigned p = 0; p < mc.nthreads; p++) {
			struct mc_thread *w = &mc_thr[p];

			if (w != t && (w->pending.op == MC_SPIN || w->pending.op == MC_WAIT) &&
			    (w->pending.rmask & tr->wmask))
				w->woken = true;
		}
	if (!mc.plain && k + 1 >= mc.replay_len)
		mc_races(k);
	mc_check_state();
}

/*
 * What each thread saw, step by step: schedules that only reorder
 * independent steps see the same, so the reduced search must find as many
 * distinct ones as the plain search (checked on the small configurations).
 */
#define MC_SIG_BITS	20
static uint64_t mc_sigs[1u << MC_SIG_BITS];

static void mc_record_trace(void)
{
	uint64_t h[MC_MAX_THREADS], sig = 0;
	unsigned slot;

	for (unsigned i = 0; i < MC_MAX_THREADS; i++)
		h[i] = 1469598103934665603ull;
	for (unsigned k = 0; k < mc.depth; k++) {
		const struct mc_trans *tr = &mc.stack[k].tr;
		uint64_t *x = &h[tr->tid];
		uint64_t v[4] = { tr->op, (uint64_t)(tr->loc + 1), tr->before, tr->after };

		for (unsigned j = 0; j < 4; j++)
			*x = (*x ^ v[j]) * 1099511628211ull;
	}
	for (unsigned i = 0; i < MC_MAX_THREADS; i++)
		sig = (sig ^ h[i]) * 0x9e3779b97f4a7c15ull + i;
	sig |= 1;				/* 0 marks an empty entry */
	for (slot = (unsigned)(sig >> (64 - MC_SIG_BITS));; slot = (slot + 1) & ((1u << MC_SIG_BITS) - 1)) {
		if (mc_sigs[slot] == sig)
			return;
		if (!mc_sigs[slot] && mc.lookup) {
			if (!mc.missing++) {
				fprintf(stderr, "reduced search missed this schedule's trace:\n");
				mc_print_schedule(stderr);
			}
			return;
		}
		if (!mc_sigs[slot]) {
			mc_sigs[slot] = sig;
			mc.traces++;
			if (mc.traces > (1u << MC_SIG_BITS) / 2)
				mc_internal("too many distinct traces to count");
			return;
		}
	}
}

static void mc_check_end(void)
{
	uint64_t head = mc_loc_value(L_PROD_HEAD), tail = mc_loc_value(L_PROD_TAIL);
	uint64_t cons = mc_loc_value(L_CONS_TAIL);

	for (unsigned p = 0; p < mc.cfg->nprod; p++)
		if (mc.next_seq[p] != mc.cfg->nobj[p]) {
			mc_violation("P%u: %u of its %u objects consumed", p, mc.next_seq[p],
				     mc.cfg->nobj[p]);
			return;
		}
	if (head != mc.total || tail != mc.total || cons != mc.total)
		mc_violation("at the end prod_head %llu prod_tail %llu cons_tail %llu, %u objects",
			     (unsigned long long)head, (unsigned long long)tail,
			     (unsigned long long)cons, mc.total);
}

/* Pick the thread for step mc.depth: its index, or -1 when the run is over or abandoned. */
static int mc_decide(void)
{
	unsigned k = mc.depth, enabled = 0, unfinished = 0, avail;
	struct mc_node *nd = &mc.stack[k];
	int q;

	if (mc.abort)
		return -1;
	for (unsigned p = 0; p < mc.nthreads; p++) {
		if (mc_thr[p].finished)
			continue;
		unfinished |= 1u << p;
		if (mc_enabled(&mc_thr[p]))
			enabled |= 1u << p;
	}
	if (!unfinished) {
		mc_record_trace();
		mc_check_end();
		return -1;
	}
	if (k >= MC_MAX_STEPS) {
		mc_violation("livelock: still running after %u steps", k);
		return -1;
	}
	if (k < mc.replay_len) {
		q = nd->chosen;
		if (!(enabled & (1u << q)))
			mc_internal("a replayed schedule went another way (nondeterminism)");
	} else {
		nd->enabled = (uint8_t)enabled;
		nd->backtrack = nd->done = 0;
		mc.states++;
		if (mc.plain) {
			int r = mc.running;
			bool r_on = r >= 0 && (enabled & (1u << r));

			nd->preempts = 0;
			if (k) {
				const struct mc_node *pn = &mc.stack[k - 1];

				nd->preempts = pn->preempts;
				if (k >= 2 && pn->chosen != mc.stack[k - 2].chosen &&
				    (pn->enabled & (1u << mc.stack[k - 2].chosen)))
					nd->preempts++;
			}
			nd->sleep = 0;
			nd->backtrack = (uint8_t)(r_on && nd->preempts >= mc.preempt_bound ?
						  1u << r : enabled);
		} else {
			nd->sleep = k ? mc_child_sleep(k - 1) : 0;
		}
		mc.len = k;
		if (!enabled) {
			char who[64] = "";

			for (unsigned p = 0; p < mc.nthreads; p++)
				if (unfinished & (1u << p))
					snprintf(who + strlen(who), sizeof(who) - strlen(who),
						 " %s(%s)", mc_tname((int)p),
						 mc_op_name[mc_thr[p].pending.op]);
			mc_violation("deadlock: nobody can move, still running:%s; %u of %u "
				     "objects consumed", who, mc.consumed, mc.total);
			return -1;
		}
		avail = enabled & ~nd->sleep;
		if (!avail) {		/* every way on was covered by another schedule */
			mc.pruned++;
			mc_abort_run();
			return -1;
		}
		q = mc.running >= 0 && (avail & (1u << mc.running)) ? mc.running :
								       mc_lowest(avail);
		nd->chosen = (uint8_t)q;
		nd->backtrack |= (uint8_t)(1u << q);
		nd->done |= (uint8_t)(1u << q);
		mc.len = k + 1;
	}
	nd->tr = mc_thr[q].pending;
	if (nd->tr.loc >= 0)
		nd->tr.before = mc_loc_value(nd->tr.loc);
	mc.depth = k + 1;
	mc.running = q;
	mc.steps++;
	if (nd->tr.op == MC_SLOT) {
		mc_check_slot(&mc_thr[q], &nd->tr);
		if (mc.abort)
			return -1;
	}
	return q;
}

/* Record the effect of t's last step, if it has not been yet. */
static void mc_sync(struct mc_thread *t)
{
	if (!mc.abort && mc.running == t->id && !mc.stack[mc.depth - 1].tr.ran)
		mc_complete(t);
}

static void mc_point(enum mc_op op, const void *addr)
{
	struct mc_thread *t = mc_self;

	mc_sync(t);
	if (!mc.abort) {
		mc_set_pending(t, op, addr);
		t->parked = true;
		if (mc.startup) {		/* the next thread runs to its first step */
			sem_post((unsigned)t->id + 1 < mc.nthreads ? &mc_thr[t->id + 1].baton :
								      &mc.baton);
			sem_wait(&t->baton);
		} else {
			int q = mc_decide();

			if (q != t->id && !mc.abort) {
				sem_post(&mc_thr[q].baton);
				sem_wait(&t->baton);
			}
		}
		t->parked = false;
	}
	if (mc.abort)
		longjmp(t->jb, 1);
}

/* ---------------------------------------------------------------------------
 * The model threads
 */

static void *mc_token(unsigned p, unsigned s)
{
	return (void *)(uintptr_t)(MC_TOKEN_BASE + p * 256u + s);
}

static void mc_call_begin(struct mc_thread *t, void *const *objs)
{
	mc_sync(t);
	t->rs_call = 0;
	t->call_objs = objs;
	t->slot_k = 0;
	if (!t->consumer) {
		uint64_t used = mc_loc_value(L_PROD_HEAD) - mc_loc_value(L_CONS_TAIL);

		t->in_produce = true;
		t->min_free = used > mc_ring.size ? 0 : mc_ring.size - (unsigned)used;
	}
}

static void mc_produce_end(struct mc_thread *t, unsigned want, unsigned got)
{
	uint64_t cons;

	mc_sync(t);
	cons = mc_loc_value(L_CONS_TAIL);
	t->in_produce = false;
	t->call_objs = NULL;
	if (got > want)
		mc_violation("%s: produce of %u returned %u", mc_tname(t->id), want, got);
	else if (got < want && t->min_free > got && !mc.cfg->observed)
		mc_violation("%s: produce of %u took %u, but at least %u slots were free "
			     "throughout the call", mc_tname(t->id), want, got, t->min_free);
	if (got < want)
		mc.paths |= 1u << (got ? PATH_PARTIAL : PATH_FULL);
	mc.accepted += got;
	if (!mc.cfg->observed && mc.accepted > mc_ring.size + cons)
		mc_violation("%u objects accepted, ring of %u, %llu consumed", mc.accepted,
			     mc_ring.size, (unsigned long long)cons);
}

static void mc_consume_end(struct mc_thread *t, void **out, unsigned asked, unsigned got)
{
	mc_sync(t);
	if (!got)
		mc.paths |= 1u << PATH_EMPTY;
	if (got > asked || got != t->slot_k) {
		mc_violation("consume of %u returned %u after reading %u slots%s", asked, got,
			     t->slot_k, got < t->slot_k ? " (a NULL slot: garbage)" : "");
		goto out;
	}
	for (unsigned i = 0; i < got; i++) {
		uintptr_t v = (uintptr_t)out[i];
		unsigned p = (unsigned)((v - MC_TOKEN_BASE) / 256), s = (unsigned)(v & 255);

		if (out[i] != t->read_vals[i])
			mc_internal("consumed object differs from the slot read");
		if (v < MC_TOKEN_BASE || p >= mc.cfg->nprod || s >= mc.cfg->nobj[p]) {
			mc_violation("consumer got %p, which nobody produced", out[i]);
			goto out;
		}
		if (s != mc.next_seq[p]) {
			mc_violation("consumer got P%u's object %u, expected its object %u (%s)", p,
				     s, mc.next_seq[p],
				     s < mc.next_seq[p] ? "duplicate" : "lost or out of order");
			goto out;
		}
		mc.next_seq[p]++;
		mc.consumed++;
	}
out:
	return;
}

static void mc_count_end(struct mc_thread *t, unsigned count)
{
	mc_sync(t);
	if (count > mc_ring.size)
		mc_violation("np_ring_count() = %u in a ring of %u", count, mc_ring.size);
}

static void mc_producer(struct mc_thread *t)
{
	const struct mc_cfg *cfg = mc.cfg;
	unsigned p = (unsigned)t->id, nobj = cfg->nobj[p], chunk = cfg->pbulk[p], sent = 0;
	void *objs[MC_MAX_OBJS];

	for (unsigned s = 0; s < nobj; s++)
		objs[s] = mc_token(p, s);
	while (sent < nobj) {
		unsigned want = NP_MIN(chunk, nobj - sent), got;

		mc_call_begin(t, objs + sent);
		if (cfg->variant == MC_PRODUCE_NOWAIT || cfg->variant == MC_PRODUCE_OVERFILL)
			got = mc_produce_broken(&mc_ring, objs + sent, want, cfg->variant);
		else if (chunk == 1)
			got = np_ring_produce(&mc_ring, objs[sent]) == 0;
		else
			got = np_ring_produce_bulk(&mc_ring, objs + sent, want);
		mc_produce_end(t, want, got);
		sent += got;
		if (!got)
			mc_point(MC_WAIT, NULL);	/* full: until something it read changes */
		else if (mc.producer_count)
			mc_count_end(t, np_ring_count(&mc_ring));
	}
}

static void mc_consumer(struct mc_thread *t)
{
	const struct mc_cfg *cfg = mc.cfg;
	unsigned seen = 0;
	void *out[MC_MAX_BULK];

	while (seen < mc.total) {
		unsigned got;

		mc_call_begin(t, NULL);
		if (cfg->variant == MC_CONSUME_PAST_TAIL) {
			got = mc_consume_past_tail(&mc_ring, out, cfg->cbulk);
		} else if (cfg->cbulk == 1) {
			out[0] = np_ring_consume(&mc_ring);
			got = out[0] != NULL;
		} else {
			got = np_ring_consume_bulk(&mc_ring, out, cfg->cbulk);
		}
		mc_consume_end(t, out, cfg->cbulk, got);
		if (!got) {
			mc_point(MC_WAIT, NULL);	/* empty: until prod_tail moves */
			continue;
		}
		seen += got;
		if (cfg->count)
			mc_count_end(t, np_ring_count(&mc_ring));
	}
}

/* False when the run was abandoned (longjmp from a scheduling point). */
static bool mc_run_body(struct mc_thread *t)
{
	if (setjmp(t->jb))
		return false;
	if (t->consumer)
		mc_consumer(t);
	else
		mc_producer(t);
	return true;
}

static void *mc_worker(void *arg)
{
	struct mc_thread *t = arg;

	mc_self = t;
	for (;;) {
		sem_wait(&t->baton);		/* main starts a run (or ends the search) */
		if (mc.quit)
			break;
		if (mc_run_body(t) && !mc.abort) {
			mc_sync(t);
			if (!mc.abort) {
				int q;

				t->finished = true;
				q = mc_decide();
				if (!mc.abort) {
					sem_post(q >= 0 ? &mc_thr[q].baton : &mc.baton);
					continue;
				}
			}
		}
		mc_pass_abort();
	}
	return NULL;
}

/* ---------------------------------------------------------------------------
 * Driving the search
 */

static void mc_run_one(void)
{
	int q;

	np_ring_cleanup(&mc_ring);
	CHECK_EQ(np_ring_init(&mc_ring, mc.cfg->size), 0);
	CHECK(mc_ring.size <= MC_MAX_SIZE && mc_ring.mask_[0] == mc_ring.size - 1);
	for (unsigned i = 0; i < mc.nthreads; i++) {
		struct mc_thread *t = &mc_thr[i];

		t->finished = t->parked = false;
		memset(t->obs, 0, sizeof(t->obs));
		t->rs_spin = t->rs_call = 0;
		t->cursor = 0;
		t->slot_k = 0;
		t->call_objs = NULL;
		t->in_produce = false;
	}
	memset(mc.tc, 0, sizeof(mc.tc));
	memset(mc.reserved_by, -1, sizeof(mc.reserved_by));
	memset(mc.written, 0, sizeof(mc.written));
	memset(mc.next_seq, 0, sizeof(mc.next_seq));
	mc.last_head = mc.last_tail = mc.last_cons = 0;
	mc.accepted = mc.consumed = 0;
	mc.paths = 0;
	mc.depth = 0;
	mc.running = -1;
	mc.abort = false;
	mc.startup = true;
	sem_post(&mc_thr[0].baton);		/* each runs to its first step in turn */
	sem_wait(&mc.baton);
	mc.startup = false;
	q = mc_decide();
	if (q >= 0 && !mc.abort)
		sem_post(&mc_thr[q].baton);
	else
		mc_pass_abort();
	sem_wait(&mc.baton);			/* the run is over */
	for (unsigned i = 0; i < MC_NPATH; i++)
		if (mc.paths & (1u << i))
			mc.path_runs[i]++;
	mc.runs++;
	if (mc.depth > mc.max_depth)
		mc.max_depth = mc.depth;
}

/* Next schedule: the deepest state with a thread still to try. False when all are done. */
static bool mc_backtrack(void)
{
	for (int k = (int)mc.len - 1; k >= 0; k--) {
		struct mc_node *nd = &mc.stack[k];
		unsigned avail = nd->backtrack & ~nd->done & ~nd->sleep & nd->enabled;

		if (avail) {
			int q = mc_lowest(avail);

			nd->chosen = (uint8_t)q;
			nd->done |= (uint8_t)(1u << q);
			mc.len = mc.replay_len = (unsigned)k + 1;
			return true;
		}
	}
	return false;
}

static double mc_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Explore one configuration. Returns whether a violation was found (only a broken one may). */
static bool mc_explore(const struct mc_cfg *cfg)
{
	double t0 = mc_now();

	mc.cfg = cfg;
	mc.nthreads = cfg->nprod + 1;
	mc.total = 0;
	for (unsigned p = 0; p < cfg->nprod; p++)
		mc.total += cfg->nobj[p];
	mc.len = mc.replay_len = 0;
	memset(mc.path_runs, 0, sizeof(mc.path_runs));
	mc.runs = mc.pruned = mc.steps = mc.states = mc.max_depth = mc.traces = 0;
	mc.missing = 0;
	if (!mc.lookup)
		memset(mc_sigs, 0, sizeof(mc_sigs));
	mc.violated = false;
	mc.quit = false;
	mc.msg[0] = 0;
	for (unsigned i = 0; i < mc.nthreads; i++) {
		struct mc_thread *t = &mc_thr[i];

		t->id = (int)i;
		t->consumer = i == cfg->nprod;
		CHECK_EQ(sem_init(&t->baton, 0, 0), 0);
		CHECK_EQ(pthread_create(&t->th, NULL, mc_worker, t), 0);
	}
	do
		mc_run_one();
	while (!mc.violated && mc_backtrack());

	mc.quit = true;
	for (unsigned i = 0; i < mc.nthreads; i++)
		sem_post(&mc_thr[i].baton);
	for (unsigned i = 0; i < mc.nthreads; i++) {
		CHECK_EQ(pthread_join(mc_thr[i].th, NULL), 0);
		sem_destroy(&mc_thr[i].baton);
	}
	if (mc.plain)
		printf("    cross-check, plain search with <= %u preemptions: %lu schedules, %.2f s: "
		       "%s\n", mc.preempt_bound, mc.runs, mc_now() - t0,
		       mc.missing ? "traces MISSED by the reduced search" :
				    "no trace the reduced search missed");
	else
		printf("  %-48s %6lu schedules (%lu sleep-set blocked), %5lu traces, %7lu states, "
		       "%8lu steps, longest %lu, %.2f s\n", cfg->name, mc.runs, mc.pruned,
		       mc.traces, mc.states, mc.steps, mc.max_depth, mc_now() - t0);
	if (!mc.plain && cfg->variant == MC_REAL) {
		printf("    schedules with");
		for (unsigned i = 0; i < MC_NPATH; i++)
			printf("%s %s %lu", i ? "," : "", mc_path_name[i], mc.path_runs[i]);
		printf("\n");
	}
	return mc.violated;
}

/* NP_RING_MODEL_CFG="size nprod nobj0 nobj1 nobj2 bulk0 bulk1 bulk2 cbulk count": one ad-hoc configuration. */
static bool mc_parse_cfg(const char *s, struct mc_cfg *cfg)
{
	unsigned v[10], count;

	memset(cfg, 0, sizeof(*cfg));
	if (sscanf(s, "%u %u %u %u %u %u %u %u %u %u", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &v[6], &v[7], &v[8], &v[9]) != 10)
		return false;
	cfg->name = "NP_RING_MODEL_CFG";
	cfg->size = v[0];
	cfg->nprod = v[1];
	for (unsigned p = 0; p < MC_MAX_PROD; p++) {
		cfg->nobj[p] = v[2 + p];
		cfg->pbulk[p] = v[5 + p];
	}
	cfg->cbulk = v[8];
	count = v[9];
	cfg->count = count != 0;
	if (cfg->size < 1 || cfg->size > MC_MAX_SIZE || cfg->nprod < 1 || cfg->nprod > MC_MAX_PROD ||
	    cfg->cbulk < 1 || cfg->cbulk > MC_MAX_BULK)
		return false;
	for (unsigned p = 0; p < cfg->nprod; p++)
		if (cfg->nobj[p] < 1 || cfg->nobj[p] > MC_MAX_OBJS || cfg->pbulk[p] < 1)
			return false;
	return true;
}

/* The plain search, preemption-bounded, must find no trace that the reduced search missed. */
static void mc_xcheck(const struct mc_cfg *cfg, unsigned bound)
{
	unsigned long traces = mc.traces;

	mc.plain = mc.lookup = true;
	mc.preempt_bound = bound;
	mc_explore(cfg);
	mc.plain = mc.lookup = false;
	if (mc.missing) {
		fprintf(stderr, "FAIL test_ring_model: \"%s\": the plain search with <= %u "
			"preemptions found %lu traces the reduced search (%lu traces) did not\n",
			cfg->name, bound, mc.missing, traces);
		exit(1);
	}
}

int main(void)
{
	const char *only = getenv("NP_RING_MODEL_ONLY"), *xc = getenv("NP_RING_MODEL_XCHECK");
	bool deep = getenv("NP_RING_MODEL_DEEP") && atoi(getenv("NP_RING_MODEL_DEEP"));
	const struct mc_cfg *list = mc_cfgs;
	size_t n = NP_ARRAY_SIZE(mc_cfgs);
	unsigned long schedules = 0;
	struct mc_cfg adhoc;
	double t0 = mc_now();

	memset(&mc_ring, 0, sizeof(mc_ring));
	CHECK_EQ(sem_init(&mc.baton, 0, 0), 0);
	mc.producer_count = getenv("NP_RING_MODEL_PRODUCER_COUNT") &&
			    atoi(getenv("NP_RING_MODEL_PRODUCER_COUNT"));
	if (getenv("NP_RING_MODEL_CFG")) {
		CHECK(mc_parse_cfg(getenv("NP_RING_MODEL_CFG"), &adhoc));
		list = &adhoc;
		n = 1;
	}
	printf("test_ring_model: every sequentially consistent interleaving of ring.h, "
	       "up to the order of independent steps\n");
	for (size_t i = 0; i < n; i++) {
		const struct mc_cfg *cfg = &list[i];
		bool bad;

		if ((only && !strstr(cfg->name, only)) || (cfg->deep && !deep))
			continue;
		bad = mc_explore(cfg);
		schedules += mc.runs;
		if (cfg->variant == MC_REAL) {
			if (cfg->xcheck || xc)
				mc_xcheck(cfg, xc ? (unsigned)atoi(xc) : 2);
			continue;
		}
		if (!bad) {
			fprintf(stderr, "FAIL test_ring_model: self-check: \"%s\" was not caught in "
				"%lu schedules\n", cfg->name, mc.runs);
			return 1;
		}
		printf("    caught, as it must be, in schedule #%lu: %s\n", mc.runs, mc.msg);
	}
	np_ring_cleanup(&mc_ring);
	sem_destroy(&mc.baton);
	printf("test_ring_model: ok, %lu schedules in %.2f s\n", schedules, mc_now() - t0);
	return 0;
}
