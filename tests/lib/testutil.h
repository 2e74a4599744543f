/* SPDX-License-Identifier: MIT */
/*
 * The test harness every test links (tests/lib/testutil.c): exit 0 pass, 1
 * fail, 77 skip; checks that report file and line; a capture of the
 * library's messages; small readers of pool, provider and DMA counters; a
 * child process and a tool run with their output captured; every order of a
 * few events.
 */
#ifndef NETPOOL_TESTUTIL_H
#define NETPOOL_TESTUTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>
#include "netpool.h"

#define T_SKIP 77

/* Defined under the address or thread sanitizer: stress tests run fewer rounds. */
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define T_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define T_SANITIZED 1
#endif
#endif

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			exit(1);                                                 \
		}                                                                \
	} while (0)

#define CHECK_EQ(a, b)                                                           \
	do {                                                                     \
		long long _a = (long long)(a), _b = (long long)(b);              \
		if (_a != _b) {                                                  \
			fprintf(stderr, "FAIL %s:%d: %s == %s (%lld != %lld)\n", \
				__FILE__, __LINE__, #a, #b, _a, _b);             \
			exit(1);                                                 \
		}                                                                \
	} while (0)

#define SKIP(...)                                                                \
	do {                                                                     \
		printf("SKIP: " __VA_ARGS__);                                    \
		printf("\n");                                                    \
		exit(T_SKIP);                                                    \
	} while (0)

/* ---- the library's messages: np_set_print(t_log_capture) ---- */

/* What was captured since the last t_log_reset() (read it for a message, unlocked). */
extern char t_log_buf[16384];

/* An np_set_print() callback: counts by level and keeps the text; safe from any thread. */
int t_log_capture(enum np_log_level level, const char *fmt, va_list ap);
void t_log_reset(void);

/*
 * The ones' complement sum of @len bytes read as big-endian 16-bit words (an
 * odd last byte as the high half), added to @sum and folded to 16 bits: the
 * tests' own Internet checksum, written apart from the library's.
 */
uint32_t t_csum_add(const void *p, uint32_t len, uint32_t sum);
/* Return: whether @needle was captured. */
bool t_log_has(const char *needle);
/* Return: how often @needle was captured. */
int t_log_count_of(const char *needle);
/* Return: messages of @level so far. */
int t_log_level_count(enum np_log_level level);

/* ---- time, numbers, counters ---- */

void t_sleep_ms(unsigned ms);
/* Wait up to @ms for the pool with @id to be freed. Return: whether it was. */
bool t_wait_pool_freed(uint32_t id, unsigned ms);
/* Return: the number in environment variable @name, or @def when unset or empty. */
unsigned long t_env_ul(const char *name, unsigned long def);

/* xorshift64: a cheap pseudo-random sequence; @s must not be 0. */
static inline uint64_t t_xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

uint64_t t_pages_out(struct np_provider *prov);
struct np_pool_stats t_pool_stats(struct np_pool *pool);
struct np_dma_stats t_dma_stats(struct np_dma_dev *dev);

/* ---- other processes ---- */

/*
 * Run "@tool @args" with stdout and stderr into @out (NUL-terminated, cut at
 * @len). Return: the exit status (the test fails if it did not exit).
 */
int t_run_tool(const char *tool, const char *args, char *out, size_t len);

/*
 * The tool next to the test, as an absolute path: build/X/tests/test_* ->
 * build/X/tools/@name (the test skips when it is not built).
 */
void t_tool_path(const char *argv0, const char *name, char *out, size_t len);
/*
 * Starting a tool that publishes statistics, so that the object under its
 * pid is known to be its own (a killed process leaves its object, and its
 * pid is given to a later process; an object of an older layout does not
 * say whose it is): t_exec_pipe() before fork(); in the child
 * t_exec_child() just before exec (the object left under this pid is
 * removed); in the parent t_exec_wait(), which returns once the child has
 * exec'd (or died). Only then may the parent look for the object.
 */
void t_exec_pipe(int fds[2]);
void t_exec_child(int fds[2]);
void t_exec_wait(int fds[2]);

/* Where the value of "@key" starts on @line (up to its end), or NULL. */
const char *t_json_at(const char *line, const char *key);
/* The number after "@key" on @line (up to its end); the test fails when it is not there. */
uint64_t t_json_u64(const char *line, const char *key);

/*
 * Run @fn(@arg) in a child process with its stderr captured into @out (for a
 * misuse the library must catch). Return: true when the child did not exit 0.
 */
bool t_run_child(void (*fn)(int), int arg, char *out, size_t len);

/* ---- every order of a few events ---- */

#define T_ORDER_MAX	8

/*
 * Call @run(@ord, @arg) once for each order of the events 0..@n-1 (@ord[k]
 * is the k-th event), in lexicographic order; orders @keep (when not NULL)
 * refuses are left out. Return: how many orders ran.
 */
unsigned t_each_order(unsigned n, bool (*keep)(const unsigned *ord, void *arg),
		      void (*run)(const unsigned *ord, void *arg), void *arg);

#endif /* NETPOOL_TESTUTIL_H */
