/* SPDX-License-Identifier: MIT */
/* Tiny test harness: exit 0 pass, 1 fail, 77 skip. */
#ifndef NETPOOL_TESTUTIL_H
#define NETPOOL_TESTUTIL_H

#include <stdarg.h>
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

/*
 * Collects library messages so a test can assert that one was (not) issued.
 * Safe to use from several threads (the reaper logs from its own).
 */
static char t_log_buf[16384];
static size_t t_log_len;
static int t_log_count[4];
static pthread_mutex_t t_log_lock = PTHREAD_MUTEX_INITIALIZER;

static inline int t_log_capture(enum np_log_level level, const char *fmt, va_list ap)
{
	va_list copy;
	int n = 0;

	va_copy(copy, ap);
	pthread_mutex_lock(&t_log_lock);
	if ((unsigned)level < 4)
		t_log_count[level]++;
	if (t_log_len < sizeof(t_log_buf) - 1) {
		n = vsnprintf(t_log_buf + t_log_len, sizeof(t_log_buf) - t_log_len, fmt, ap);
		if (n > 0)
			t_log_len += (size_t)n < sizeof(t_log_buf) - t_log_len ?
					(size_t)n : sizeof(t_log_buf) - t_log_len - 1;
	}
	pthread_mutex_unlock(&t_log_lock);
	if (getenv("T_VERBOSE"))
		vfprintf(stderr, fmt, copy);
	va_end(copy);
	return n;
}

static inline void t_log_reset(void)
{
	pthread_mutex_lock(&t_log_lock);
	t_log_len = 0;
	t_log_buf[0] = '\0';
	memset(t_log_count, 0, sizeof(t_log_count));
	pthread_mutex_unlock(&t_log_lock);
}

static inline bool t_log_has(const char *needle)
{
	bool found;

	pthread_mutex_lock(&t_log_lock);
	found = strstr(t_log_buf, needle) != NULL;
	pthread_mutex_unlock(&t_log_lock);
	return found;
}

/* Messages of @level so far. */
static inline int t_log_level_count(enum np_log_level level)
{
	int n;

	pthread_mutex_lock(&t_log_lock);
	n = (unsigned)level < 4 ? t_log_count[level] : 0;
	pthread_mutex_unlock(&t_log_lock);
	return n;
}

static inline void t_sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Wait up to @ms for the pool with @id to be freed. Return: whether it was. */
static inline bool t_wait_pool_freed(uint32_t id, unsigned ms)
{
	struct np_pool_info info;

	for (unsigned i = 0; i < ms; i++) {
		if (np_pool_info_get(id, &info) == -ENOENT)
			return true;
		t_sleep_ms(1);
	}
	return np_pool_info_get(id, &info) == -ENOENT;
}

/* xorshift64: a cheap pseudo-random sequence; @s must not be 0. */
static inline uint64_t t_xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static inline uint64_t t_pages_out(struct np_provider *prov)
{
	struct np_provider_stats st;

	np_provider_get_stats(prov, &st);
	return st.pages_out;
}

static inline struct np_pool_stats t_pool_stats(struct np_pool *pool)
{
	struct np_pool_stats st = { .size = sizeof(st) };

	CHECK_EQ(np_pool_get_stats(pool, &st), 0);
	return st;
}

static inline struct np_dma_stats t_dma_stats(struct np_dma_dev *dev)
{
	struct np_dma_stats st;

	np_dma_get_stats(dev, &st);
	return st;
}


/*
 * Run "@tool @args" with stdout and stderr into @out (NUL-terminated, cut at
 * @len). Return: the exit status (the test fails if it did not exit).
 */
static inline int t_run_tool(const char *tool, const char *args, char *out, size_t len)
{
	char cmd[8192];
	size_t n;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "%s %s 2>&1", tool, args);
	p = popen(cmd, "r");
	CHECK(p);
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	st = pclose(p);
	CHECK(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* The number after "@key": on @line (up to its end); the test fails when it is not there. */
static inline uint64_t t_json_u64(const char *line, const char *key)
{
	const char *p, *end = strchr(line, '\n');
	char k[128];

	snprintf(k, sizeof(k), "\"%s\": ", key);
	p = strstr(line, k);
	if (!p || (end && p > end)) {
		fprintf(stderr, "no %s in: %.*s\n", key, end ? (int)(end - line) : 200, line);
		exit(1);
	}
	return strtoull(p + strlen(k), NULL, 10);
}


/*
 * Run @fn(@arg) in a child process with its stderr captured into @out (for a
 * misuse the library must catch). Return: true when the child did not exit 0.
 */
static inline bool t_run_child(void (*fn)(int), int arg, char *out, size_t len)
{
	int fds[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	CHECK_EQ(pipe(fds), 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		fn(arg);
		_exit(0);
	}
	close(fds[1]);
	while ((n = read(fds[0], out + got, len - 1 - (size_t)got)) > 0)
		got += n;
	out[got] = '\0';
	close(fds[0]);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

#endif /* NETPOOL_TESTUTIL_H */
