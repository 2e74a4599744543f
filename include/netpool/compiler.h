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

/*
 * What C and C++ spell differently, so the headers serve both: thread-local
 * storage, static assertions, and C linkage for every declaration.
 */
#ifdef __cplusplus
#define NP_THREAD_LOCAL		thread_local
#define NP_STATIC_ASSERT(e, m)	static_assert(e, m)
#define NP_EXTERN_C_BEGIN	extern "C" {
#define NP_EXTERN_C_END		}
#else
#define NP_THREAD_LOCAL		_Thread_local
#define NP_STATIC_ASSERT(e, m)	_Static_assert(e, m)
#define NP_EXTERN_C_BEGIN
#define NP_EXTERN_C_END
#endif

#define np_likely(x)	__builtin_expect(!!(x), 1)
#define np_unlikely(x)	__builtin_expect(!!(x), 0)

#define NP_CACHE_LINE		64
#define NP_CACHE_ALIGNED	__attribute__((aligned(NP_CACHE_LINE)))

/*
 * One mark per role. NP_INLINE: a fast path, always inlined (the cache
 * pop/push, ring ops, skb data ops in the public headers, and the hot
 * helpers of a .c). NP_NOINLINE: the out-of-line slow path of such a fast
 * path (a refill, a flush), kept out of its caller's body. NP_COLD: errors,
 * misuse reports and setup, moved out of the way. Anything else is plain
 * static inline, and the compiler decides.
 */
#define NP_INLINE	static inline __attribute__((always_inline))
#define NP_NOINLINE	__attribute__((noinline))
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

NP_EXTERN_C_BEGIN

/**
 * np_assert_fail() - report a failed NP_CHECK_LEVEL() assertion on stderr and abort.
 * @expr: the assertion's text.
 * @file: the source file.
 * @line: the line in @file.
 * @func: the function that asserted.
 * Context: any thread; writes to stderr directly (not through the print callback) and
 * does not return. Called by the assertion macros, not directly.
 */
NP_API NP_COLD void np_assert_fail(const char *expr, const char *file, int line, const char *func)
	__attribute__((noreturn));

#define NP_CHECK_LEVEL(level, expr)                                             \
	do {                                                                    \
		if (NP_DEBUG >= (level) && np_unlikely(!(expr)))                \
			np_assert_fail(#expr, __FILE__, __LINE__, __func__);    \
	} while (0)

/* Misuse by the caller (level 1), internal invariant (level 2), full walk (level 3). */
#define NP_ASSERT_MISUSE(expr)		NP_CHECK_LEVEL(1, expr)

/*
 * Misuse of a buffer (double free, wrong pool, use after recycle): reported
 * with the buffer, the check that caught it and where the caller called the
 * library, then abort. A program compiled with NP_DEBUG >= 1 records its
 * call site of the freeing and allocating entry points (NP_AT_CALL_SITE
 * below); the report also carries a backtrace.
 */
struct np_call_site {
	const char *file;
	int line;
	const char *func;	/* the caller's function */
	const char *api;	/* the entry point it called */
};

extern NP_API NP_THREAD_LOCAL const struct np_call_site *np_tls_call_site;

/**
 * np_misuse() - report a caller's misuse of a buffer on stderr and abort.
 * @check: the name of the check that caught it (usually the entry point).
 * @fmt: printf format of what went wrong.
 * @...: its arguments.
 * Context: any thread; reads the thread's recorded call site (np_tls_call_site),
 * writes to stderr directly with a backtrace, and does not return. Called through
 * NP_MISUSE_IF() at NP_DEBUG >= 1.
 */
NP_API NP_COLD void np_misuse(const char *check, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));

#define NP_MISUSE_IF(cond, check, ...)                                          \
	do {                                                                    \
		if (NP_DEBUG >= 1 && np_unlikely(cond))                         \
			np_misuse(check, __VA_ARGS__);                          \
	} while (0)

#define NP__SITE_SET(name)                                                      \
	__extension__({                                                         \
		static const struct np_call_site np__site = {                   \
			__FILE__, __LINE__, __func__, name };                   \
		np_tls_call_site = &np__site;                                   \
	})

/* Wrap a call of a void entry point, or one returning @call's value. */
#define NP_AT_CALL_SITE_VOID(name, call)                                        \
	__extension__({ NP__SITE_SET(name); call; np_tls_call_site = NULL; (void)0; })
#define NP_AT_CALL_SITE(name, call)                                             \
	__extension__({                                                         \
		NP__SITE_SET(name);                                             \
		__typeof__(call) np__ret = (call);                              \
		np_tls_call_site = NULL;                                        \
		np__ret;                                                        \
	})

/* Programs built with NP_DEBUG >= 1 name their call sites; the library itself does not. */
#if NP_DEBUG >= 1 && !defined(NETPOOL_BUILD) && !defined(NP_NO_CALL_SITES)
#define NP_CALL_SITES 1
#endif
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

NP_EXTERN_C_END

#endif /* NETPOOL_COMPILER_H */
