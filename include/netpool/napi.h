/* SPDX-License-Identifier: MIT */
/*
 * netpool/napi.h - NAPI: a poll function with a budget that owns an RX queue.
 *
 * A driver gives each RX queue a struct np_napi with its poll function. One
 * np_napi_poll() runs the poll once with the napi's weight as budget; while
 * it runs, the calling thread is inside the napi (np_napi_ctx_current() is
 * its context), which is what lets the queue's page_pool recycle into its
 * lockless cache. A poll returns the work it did (packets received, at most
 * the budget); a poll that used its whole budget has more to do.
 *
 * The pool layer sees only the embedded struct np_napi_ctx; a pool created
 * with .napi = &napi->ctx is owned by that napi.
 */
#ifndef NETPOOL_NAPI_H
#define NETPOOL_NAPI_H

#include "compiler.h"
#include "atomic.h"
#include "napi_ctx.h"

NP_EXTERN_C_BEGIN

#define NP_NAPI_WEIGHT	64	/* the kernel's NAPI_POLL_WEIGHT */

struct np_napi;

/**
 * np_napi_poll_fn - a driver's poll: receive up to @budget packets, complete
 * transmissions, refill. Return: packets received (0..@budget).
 */
typedef int (*np_napi_poll_fn)(struct np_napi *napi, int budget);

struct np_napi {
	struct np_napi_ctx ctx;		/* what the queue's pool sees */
	np_napi_poll_fn poll;
	int weight;
	unsigned int queue;		/* the queue it serves */
	void *priv;			/* the driver's */
	/* written by the polling thread only, read by anyone */
	np_atomic_u64 polls;		/* np_napi_poll() calls */
	np_atomic_u64 work;		/* packets the polls reported */
	np_atomic_u64 full;		/* polls that used their whole budget */
};

/**
 * np_napi_init() - set up @napi with its poll function.
 * @napi: the napi to set up (its memory is the caller's; zeroed first).
 * @poll: the driver's poll.
 * @weight: the budget of one poll; 0 means NP_NAPI_WEIGHT.
 * @priv: the driver's pointer, kept in napi->priv.
 * Context: any thread, before @napi is polled or named by a pool, never while it is
 * polled; no lock.
 * Return: 0, or -EINVAL (@napi NULL, no poll function, negative weight;
 * @napi untouched).
 */
NP_API int np_napi_init(struct np_napi *napi, np_napi_poll_fn poll, int weight, void *priv);

/**
 * np_napi_poll() - run @napi's poll once from this thread, inside the napi.
 * Context: one thread at a time per napi (the one serving its queue); no lock of
 * its own, the poll may take what it needs. Nests: the caller's napi is restored. Data
 * path: a NULL or uninitialised @napi, and a poll returning more than its
 * budget, are caught in debug builds.
 * Return: the work the poll did.
 */
NP_API int np_napi_poll(struct np_napi *napi);

NP_EXTERN_C_END

#endif /* NETPOOL_NAPI_H */
