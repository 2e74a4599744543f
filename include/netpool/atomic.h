/* SPDX-License-Identifier: MIT */
/*
 * netpool/atomic.h - C11 atomics behind kernel-style names.
 *
 * Every variable shared between threads is _Atomic and accessed through
 * these wrappers, so ThreadSanitizer sees every access and the memory order
 * of each one is spelled out at the call site.
 */
#ifndef NETPOOL_ATOMIC_H
#define NETPOOL_ATOMIC_H

#include <stdint.h>

/*
 * NP_ATOMIC(T): C11's _Atomic(T), or std::atomic<T> when a C++ program
 * includes the headers (same size and alignment for every type used here,
 * so the structs keep one layout); the C11 generic functions are then
 * std's, under the same names.
 */
#ifdef __cplusplus
#include <atomic>
#define NP_ATOMIC(T)	std::atomic<T>
using std::memory_order_relaxed;
using std::memory_order_consume;
using std::memory_order_acquire;
using std::memory_order_release;
using std::memory_order_acq_rel;
using std::memory_order_seq_cst;
using std::atomic_load;
using std::atomic_store;
using std::atomic_load_explicit;
using std::atomic_store_explicit;
using std::atomic_exchange_explicit;
using std::atomic_fetch_add_explicit;
using std::atomic_fetch_sub_explicit;
using std::atomic_fetch_or_explicit;
using std::atomic_fetch_and_explicit;
using std::atomic_compare_exchange_strong_explicit;
using std::atomic_compare_exchange_weak_explicit;
using std::atomic_thread_fence;
#else
#include <stdatomic.h>
#define NP_ATOMIC(T)	_Atomic(T)
#endif

typedef NP_ATOMIC(int)		np_atomic_int;
typedef NP_ATOMIC(long)		np_atomic_long;
typedef NP_ATOMIC(uint32_t)	np_atomic_u32;
typedef NP_ATOMIC(uint64_t)	np_atomic_u64;

#define NP_READ_ONCE(x)		atomic_load_explicit(&(x), memory_order_relaxed)
#define NP_WRITE_ONCE(x, v)	atomic_store_explicit(&(x), (v), memory_order_relaxed)
#define np_load_acquire(p)	atomic_load_explicit((p), memory_order_acquire)
#define np_store_release(p, v)	atomic_store_explicit((p), (v), memory_order_release)

#define np_atomic_add_return(p, v) \
	(atomic_fetch_add_explicit((p), (v), memory_order_acq_rel) + (v))
#define np_atomic_sub_return(p, v) \
	(atomic_fetch_sub_explicit((p), (v), memory_order_acq_rel) - (v))
#define np_atomic_inc_relaxed(p) \
	((void)atomic_fetch_add_explicit((p), 1, memory_order_relaxed))
#define np_atomic_add_relaxed(p, v) \
	((void)atomic_fetch_add_explicit((p), (v), memory_order_relaxed))

/*
 * A counter with a single writer that others may read: a relaxed load and
 * store, which compiles to a plain increment but is not a data race.
 */
typedef NP_ATOMIC(uint64_t) np_stat_t;
#define np_stat_add_owner(c, v) \
	atomic_store_explicit(&(c), atomic_load_explicit(&(c), memory_order_relaxed) + (v), \
			      memory_order_relaxed)
#define np_stat_inc_owner(c)	np_stat_add_owner(c, 1)
#define np_stat_read(c)		atomic_load_explicit(&(c), memory_order_relaxed)

static inline void np_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

#endif /* NETPOOL_ATOMIC_H */
