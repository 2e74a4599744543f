/* SPDX-License-Identifier: MIT */
/* Tiny test harness: exit 0 pass, 1 fail, 77 skip. */
#ifndef NETPOOL_TESTUTIL_H
#define NETPOOL_TESTUTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "netpool.h"

#define T_SKIP 77

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

/* Collects library messages so a test can assert that one was (not) issued. */
static char t_log_buf[16384];
static size_t t_log_len;
static int t_log_count[4];

static inline int t_log_capture(enum np_log_level level, const char *fmt, va_list ap)
{
	va_list copy;
	int n;

	va_copy(copy, ap);
	if ((unsigned)level < 4)
		t_log_count[level]++;
	if (t_log_len >= sizeof(t_log_buf) - 1)
		return 0;
	n = vsnprintf(t_log_buf + t_log_len, sizeof(t_log_buf) - t_log_len, fmt, ap);
	if (n > 0)
		t_log_len += (size_t)n < sizeof(t_log_buf) - t_log_len ? (size_t)n
							: sizeof(t_log_buf) - t_log_len - 1;
	if (getenv("T_VERBOSE"))
		vfprintf(stderr, fmt, copy);
	va_end(copy);
	return n;
}

static inline void t_log_reset(void)
{
	t_log_len = 0;
	t_log_buf[0] = '\0';
	memset(t_log_count, 0, sizeof(t_log_count));
}

static inline bool t_log_has(const char *needle)
{
	return strstr(t_log_buf, needle) != NULL;
}

#endif /* NETPOOL_TESTUTIL_H */
