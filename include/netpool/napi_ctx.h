/* SPDX-License-Identifier: MIT */
/*
 * netpool/napi_ctx.h - which NAPI context the calling thread is in.
 *
 * The pool layer needs one fact from the NAPI layer above it: is this thread
 * running the poll of the napi that owns a pool right now? Only then may it
 * recycle into the pool's lockless cache. A napi embeds a struct np_napi_ctx;
 * its poll loop brackets each poll with np_napi_ctx_enter()/np_napi_ctx_leave().
 */
#ifndef NETPOOL_NAPI_CTX_H
#define NETPOOL_NAPI_CTX_H

#include "compiler.h"

NP_EXTERN_C_BEGIN

struct np_napi_ctx {
	uint32_t id;		/* napi id, for introspection */
	uint32_t reserved;
};

extern NP_API NP_THREAD_LOCAL struct np_napi_ctx *np_tls_napi_current;

/**
 * np_napi_ctx_current() - the napi whose poll this thread is running.
 * Context: any thread; reads a thread-local, no lock.
 * Return: the context, or NULL outside any poll.
 */
NP_INLINE struct np_napi_ctx *np_napi_ctx_current(void)
{
	return np_tls_napi_current;
}

/**
 * np_napi_ctx_enter() - this thread starts running @ctx's poll.
 * @ctx: the napi's context, or NULL to run outside any napi for a while.
 * Context: the thread about to run the poll; at most one thread may be inside a
 * given @ctx at a time (the owning pool's lockless cache relies on it). Sets a
 * thread-local, no lock.
 * Return: the context it was in before, to hand to np_napi_ctx_leave().
 */
NP_INLINE struct np_napi_ctx *np_napi_ctx_enter(struct np_napi_ctx *ctx)
{
	struct np_napi_ctx *prev = np_tls_napi_current;

	np_tls_napi_current = ctx;
	return prev;
}

/**
 * np_napi_ctx_leave() - the poll ended; restore @prev from np_napi_ctx_enter().
 * @prev: what the matching np_napi_ctx_enter() returned.
 * Context: the thread that entered, before it does anything else outside the poll.
 */
NP_INLINE void np_napi_ctx_leave(struct np_napi_ctx *prev)
{
	np_tls_napi_current = prev;
}

/**
 * np_napi_ctx_init() - give @ctx a process-unique id.
 * Context: any thread, before @ctx is entered or named by a pool; one atomic increment.
 * Return: 0, or -EINVAL (@ctx NULL).
 */
NP_API int np_napi_ctx_init(struct np_napi_ctx *ctx);

NP_EXTERN_C_END

#endif /* NETPOOL_NAPI_CTX_H */
