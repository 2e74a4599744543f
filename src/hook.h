/* SPDX-License-Identifier: MIT */
/*
 * Test hooks: points in the library where a test may run code of its own to
 * force one interleaving of threads (for instance, finish a pool's final
 * release the very instant a returning thread has published its page).
 *
 * Compiled in only with NP_DEBUG >= 1; in a release build a hook point is
 * nothing at all (no load, no branch) and np_hook_set() answers -EOPNOTSUPP.
 * Not public API. The points and their table (hook.c) are the library's;
 * np_hook_set() is in the test archive (hook_inject.c, libnetpool_test.a),
 * which tests link with -Isrc.
 *
 * A hook runs on the thread that reached the point, with the object the point
 * names as an opaque value: it may compare it, never dereference it (at
 * NP_HOOK_POOL_PUBLISHED the pool may already be gone).
 */
#ifndef NETPOOL_HOOK_H
#define NETPOOL_HOOK_H

#include "netpool/compiler.h"
#include "netpool/atomic.h"

enum np_hook_point {
	/*
	 * A returning thread has just published a page of @obj (the pool) to a
	 * lane or the shared ring. From here on that thread must not touch the
	 * pool: the owner may consume the page and free the pool at once.
	 */
	NP_HOOK_POOL_PUBLISHED = 0,
	NP_HOOK_NR,
};

typedef void (*np_hook_fn)(enum np_hook_point point, const void *obj);

/**
 * np_hook_set() - run @fn(@point, obj) each time a thread reaches @point;
 * @fn NULL removes it.
 * Context: any thread; a thread already inside the old hook finishes it.
 * Return: 0, -EINVAL (unknown @point), -EOPNOTSUPP (a release build: the
 * points are compiled out).
 */
int np_hook_set(enum np_hook_point point, np_hook_fn fn);

#if NP_DEBUG >= 1
extern _Atomic(np_hook_fn) np_hooks[NP_HOOK_NR];

static inline void np_hook_run(enum np_hook_point point, const void *obj)
{
	np_hook_fn fn = atomic_load_explicit(&np_hooks[point], memory_order_acquire);

	if (np_unlikely(fn))
		fn(point, obj);
}
#define NP_HOOK(point, obj)	np_hook_run((point), (obj))
#else
#define NP_HOOK(point, obj)	do { } while (0)
#endif

#endif /* NETPOOL_HOOK_H */
