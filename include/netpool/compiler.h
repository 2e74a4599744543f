/* SPDX-License-Identifier: MIT */
/*
 * netpool/compiler.h - compiler helpers shared by every netpool header.
 *
 * Branch hints, cache-line alignment, the export macro, the inline rule for
 * fast paths, and the NP_DEBUG assertion levels:
 *   0  release: no checks
 *   1  misuse checks (double free, wrong pool, bad arguments) and poison fills
 *   2  internal invariants
 *   3  expensive full walks
 */
#ifndef NETPOOL_COMPILER_H
#define NETPOOL_COMPILER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define np_likely(x)	__builtin_expect(!!(x), 1)
#define np_unlikely(x)	__builtin_expect(!!(x), 0)

#define NP_CACHE_LINE		64
#define NP_CACHE_ALIGNED	__attribute__((aligned(NP_CACHE_LINE)))

/* Fast paths live in the public headers as static inline (cache pop/push, ring ops). */
#define NP_INLINE	static inline __attribute__((always_inline))
#define NP_NOINLINE	__attribute__((noinline))
#define NP_ALWAYS_INLINE	inline __attribute__((always_inline))
#define NP_COLD		__attribute__((cold, noinline))

#if defined(NETPOOL_BUILD)
#define NP_API		__attribute__((visibility("default")))
#else
#define NP_API
#endif

#define NP_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NP_ALIGN(x, a)		(((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define NP_MIN(a, b)		((a) < (b) ? (a) : (b))
#define NP_MAX(a, b)		((a) > (b) ? (a) : (b))
#define NP_CONTAINER_OF(p, type, member) \
	((type *)(void *)((char *)(p) - offsetof(type, member)))

#ifndef NP_DEBUG
#define NP_DEBUG 0
#endif

NP_API void np_assert_fail(const char *expr, const char *file, int line, const char *func)
	__attribute__((noreturn, cold));

#define NP_CHECK_LEVEL(level, expr)                                             \
	do {                                                                    \
		if (NP_DEBUG >= (level) && np_unlikely(!(expr)))                \
			np_assert_fail(#expr, __FILE__, __LINE__, __func__);    \
	} while (0)

/* Misuse by the caller (level 1), internal invariant (level 2), full walk (level 3). */
#define NP_ASSERT_MISUSE(expr)		NP_CHECK_LEVEL(1, expr)
#define NP_ASSERT(expr)			NP_CHECK_LEVEL(2, expr)
#define NP_ASSERT_EXPENSIVE(expr)	NP_CHECK_LEVEL(3, expr)

/* Address sanitizer: poison buffers while they sit in a pool (use-after-recycle). */
#if defined(__SANITIZE_ADDRESS__)
#define NP_HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NP_HAVE_ASAN 1
#endif
#endif
#ifdef NP_HAVE_ASAN
void __asan_poison_memory_region(void const volatile *addr, size_t size);
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
#define np_track_poison(p, n)	__asan_poison_memory_region((p), (n))
#define np_track_unpoison(p, n)	__asan_unpoison_memory_region((p), (n))
#else
#define np_track_poison(p, n)	((void)(p), (void)(n))
#define np_track_unpoison(p, n)	((void)(p), (void)(n))
#endif

#endif /* NETPOOL_COMPILER_H */
