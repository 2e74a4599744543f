/* SPDX-License-Identifier: MIT */
/* Private helpers shared by the library's source files. */
#ifndef NETPOOL_INTERNAL_H
#define NETPOOL_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <time.h>
#include "netpool/compiler.h"
#include "netpool/log.h"

struct np_provider;

__attribute__((format(printf, 2, 3)))
void np_log(enum np_log_level level, const char *fmt, ...);

/* Report a fatal misuse (through the print callback, else stderr) and abort. */
__attribute__((format(printf, 1, 2), noreturn))
NP_COLD void np_die(const char *fmt, ...);

#define np_err(...)	np_log(NP_LOG_ERROR, __VA_ARGS__)
#define np_warn(...)	np_log(NP_LOG_WARN, __VA_ARGS__)
#define np_info(...)	np_log(NP_LOG_INFO, __VA_ARGS__)
#define np_dbg(...)	np_log(NP_LOG_DEBUG, __VA_ARGS__)

static inline uint64_t np_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A 64-bit Internet checksum accumulator folded to 32 bits (csum.c, gso.c). */
static inline uint32_t np_csum_fold64(uint64_t acc)
{
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

static inline uint32_t np_roundup_pow2_u32(uint32_t v)
{
	return v <= 1 ? 1 : 1u << (32 - __builtin_clz(v - 1));
}

/*
 * thread.c: pthread_create() for the library's own threads, named @name (at
 * most 15 characters): asynchronous signals stay blocked on them (the fault
 * signals do not). Return: 0 or an errno value, as pthread_create().
 */
int np_thread_create(pthread_t *thread, const pthread_attr_t *attr, const char *name,
		     void *(*fn)(void *), void *arg);

/* numa.c */
int np_numa_local_node(void);

/*
 * page.c: a user of a provider's pages that keeps idle blocks of its own
 * (the small-object allocator's empty slabs) registers how to give them back;
 * np_provider_destroy() calls it first (the kernel's shrinker, so the page
 * layer never calls up into its users).
 */
typedef void (*np_provider_shrink_fn)(struct np_provider *prov);
void np_provider_set_shrinker(struct np_provider *prov, np_provider_shrink_fn fn);

/*
 * pool.c: objects handed to a pool's owner to free there (the skb layer's
 * deferred free). An object's first word links the list. @release frees a
 * list the owner took and returns how many it freed; the pool layer keeps
 * the last one named and calls it, so it never calls up by name.
 */
struct np_pool;
typedef unsigned int (*np_pool_defer_release_fn)(void *list);
#define NP_POOL_DEFER_MAX	64	/* waiting per pool; more are freed where they are */
/* Return: true when @obj waits for the owner; false (counted) when the caller must free it. */
bool np_pool_defer_push(struct np_pool *pool, void *obj, np_pool_defer_release_fn release);

#endif /* NETPOOL_INTERNAL_H */
