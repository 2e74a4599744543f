/* SPDX-License-Identifier: MIT */
/*
 * What the mains of the skb reference model use (tests/lib/skbmodel.c):
 * test_skb_model runs it plain, test_skb_model_fault under injected faults.
 * A main sets fault_mode (and, for faults, model_dma_dev), calls
 * model_init(), then run_seed() for each seed, and model_fini() at the end;
 * the counters say what the run met.
 */
#ifndef NETPOOL_SKBMODEL_H
#define NETPOOL_SKBMODEL_H

#include <stdio.h>
#include "skbtest.h"

/* The operations, in the order of the table that weighs them and names them. */
enum {
	OP_NEW_POOLPAGE, OP_NEW_POOLFRAG, OP_NEW_NETDEV, OP_NEW_PAGEFRAG, OP_NEW_SMALL,
	OP_ADD_FRAG, OP_CLONE, OP_EXPAND, OP_COALESCE, OP_SHIFT, OP_SPLIT, OP_GRO,
	OP_SEGMENT, OP_COPY, OP_PSKB_COPY, OP_TRIM, OP_MAY_PULL, OP_LINEARIZE, OP_PULL,
	OP_COW_HEAD, OP_UNSHARE, OP_FREE, OP_RAW_REF, OP_RAW_PUT, OP_NAPI,
	OP_COW_XDP,	/* fault mode only: the plain model's sequences stay as they were */
	OP_MAX
};

/* Return: the name of operation @op (as NP_MODEL_SKIP takes it). */
const char *model_op_name(int op);

/* ---- injected faults (test_skb_model_fault) ---- */

enum { FAULT_OFF, FAULT_RATE, FAULT_NTH };

#define NFAULT_POINTS		3u
#define MODEL_REPLAY_MAX	160

/* the points the model arms: what an skb operation can meet */
extern const enum np_fault_point fault_points[NFAULT_POINTS];
extern int fault_mode;			/* FAULT_*: set by the main before the first seed */
extern struct np_fault_spec fault_spec[NP_FAULT_NR];	/* armed once a seed's pools exist */
extern char fault_replay[MODEL_REPLAY_MAX];	/* the environment that replays the current seed */
extern uint64_t fault_seed_inj[NP_FAULT_NR];	/* injected during the last seed */
extern uint64_t fault_total[NP_FAULT_NR];	/* injected over the run */
extern uint64_t op_failed[OP_MAX];	/* steps of each operation that failed under a fault */
extern uint64_t fault_runs;		/* seeds run with faults armed */
extern struct np_dma_dev *model_dma_dev;	/* fault mode: the pools map their pages through it */

/* ---- what the run met ---- */

extern uint64_t total_steps;
extern uint64_t n_rehanded;		/* a life ended and the page handed out again in one op */
extern uint64_t n_rehanded_reserve;	/* ... a reserve page: released */
extern uint64_t n_rehanded_other;	/* ... released by another pool, handed out by this one */
extern uint64_t n_frag_drained;		/* a pool fragment page drained by a failed allocation */
extern uint64_t n_block_drained;	/* a page-fragment block drained by a failed allocation */
extern uint64_t n_block_reborn;		/* ... freed and back as the next block */
extern uint64_t n_xdp_copied;		/* np_skb_cow_data_for_xdp() copies */

/*
 * The run's provider (@reserve order-0 pages of emergency reserve) for the
 * pools and the skb layer, the napis, the shadows; the NP_MODEL_* knobs every
 * mode shares; @prog names the binary in the replay line.
 */
void model_init(const char *prog, size_t reserve);
/* One seed of @steps steps, then everything freed and checked. */
void run_seed(uint64_t seed, unsigned steps);
/* Seconds since model_init(). */
double model_secs(void);
/*
 * The reach table: for each operation, how many calls found its operand in
 * each shape, then the second operands, then which operation followed which
 * on the same skb. A 0 is a gap the model never reached.
 */
void model_reach_print(FILE *f);
/* Everything back: the provider goes (it fails while a page is out). */
void model_fini(void);

#endif /* NETPOOL_SKBMODEL_H */
