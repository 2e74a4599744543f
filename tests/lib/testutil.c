/* SPDX-License-Identifier: MIT */
/*
 * The test harness: the message capture, counter readers, child processes
 * and the order driver of testutil.h.
 */
#include <fcntl.h>
#include <libgen.h>
#include "testutil.h"

/* ---- the library's messages ---- */

char t_log_buf[16384];
static size_t t_log_len;
static int t_log_count[4];
static pthread_mutex_t t_log_lock = PTHREAD_MUTEX_INITIALIZER;

int t_log_capture(enum np_log_level level, const char *fmt, va_list ap)
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

void t_log_reset(void)
{
	pthread_mutex_lock(&t_log_lock);
	t_log_len = 0;
	t_log_buf[0] = '\0';
	memset(t_log_count, 0, sizeof(t_log_count));
	pthread_mutex_unlock(&t_log_lock);
}

bool t_log_has(const char *needle)
{
	bool found;

	pthread_mutex_lock(&t_log_lock);
	found = strstr(t_log_buf, needle) != NULL;
	pthread_mutex_unlock(&t_log_lock);
	return found;
}

int t_log_count_of(const char *needle)
{
	const char *p;
	int n = 0;

	pthread_mutex_lock(&t_log_lock);
	for (p = t_log_buf; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	pthread_mutex_unlock(&t_log_lock);
	return n;
}

int t_log_level_count(enum np_log_level level)
{
	int n;

	pthread_mutex_lock(&t_log_lock);
	n = (unsigned)level < 4 ? t_log_count[level] : 0;
	pthread_mutex_unlock(&t_log_lock);
	return n;
}

/* ---- time, numbers, counters ---- */

void t_sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

bool t_wait_pool_freed(uint32_t id, unsigned ms)
{
	struct np_pool_info info;

	for (unsigned i = 0; i < ms; i++) {
		if (np_pool_info_get(id, &info) == -ENOENT)
			return true;
		t_sleep_ms(1);
	}
	return np_pool_info_get(id, &info) == -ENOENT;
}

unsigned long t_env_ul(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

uint64_t t_pages_out(struct np_provider *prov)
{
	struct np_provider_stats st;

	np_provider_get_stats(prov, &st);
	return st.pages_out;
}

struct np_pool_stats t_pool_stats(struct np_pool *pool)
{
	struct np_pool_stats st = { .size = sizeof(st) };

	CHECK_EQ(np_pool_get_stats(pool, &st), 0);
	return st;
}

struct np_dma_stats t_dma_stats(struct np_dma_dev *dev)
{
	struct np_dma_stats st;

	np_dma_get_stats(dev, &st);
	return st;
}

/* ---- other processes ---- */

int t_run_tool(const char *tool, const char *args, char *out, size_t len)
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

void t_exec_pipe(int fds[2])
{
	CHECK_EQ(pipe2(fds, O_CLOEXEC), 0);
}

void t_exec_child(int fds[2])
{
	char path[64];

	close(fds[0]);
	if (!np_stats_export_path(getpid(), path, sizeof(path)))
		unlink(path);
	/* fds[1] closes at exec: the parent's read sees the end then */
}

void t_exec_wait(int fds[2])
{
	char c;

	close(fds[1]);
	while (read(fds[0], &c, 1) < 0 && errno == EINTR)
		;
	close(fds[0]);
}

void t_tool_path(const char *argv0, const char *name, char *out, size_t len)
{
	char self[4096];

	snprintf(self, sizeof(self), "%s", argv0);
	snprintf(out, len, "%s/../tools/%s", dirname(self), name);
	if (access(out, X_OK))
		SKIP("%s not built", out);
	/* an absolute path: a tool may run under ip netns exec */
	if (out[0] != '/') {
		char *abs = realpath(out, NULL);

		CHECK(abs && strlen(abs) < len);
		memcpy(out, abs, strlen(abs) + 1);
		free(abs);
	}
}

const char *t_json_at(const char *line, const char *key)
{
	const char *p, *end = strchr(line, '\n');
	char k[128];

	snprintf(k, sizeof(k), "\"%s\": ", key);
	p = strstr(line, k);
	return !p || (end && p > end) ? NULL : p + strlen(k);
}

uint64_t t_json_u64(const char *line, const char *key)
{
	const char *p = t_json_at(line, key), *end = strchr(line, '\n');

	if (!p) {
		fprintf(stderr, "no %s in: %.*s\n", key, end ? (int)(end - line) : 200, line);
		exit(1);
	}
	return strtoull(p, NULL, 10);
}

bool t_run_child(void (*fn)(int), int arg, char *out, size_t len)
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

/* ---- every order of a few events ---- */

struct order_walk {
	unsigned n;
	unsigned ord[T_ORDER_MAX];
	bool (*keep)(const unsigned *ord, void *arg);
	void (*run)(const unsigned *ord, void *arg);
	void *arg;
};

static unsigned order_next(struct order_walk *w, unsigned k, unsigned used)
{
	unsigned runs = 0;

	if (k == w->n) {
		if (w->keep && !w->keep(w->ord, w->arg))
			return 0;
		w->run(w->ord, w->arg);
		return 1;
	}
	for (unsigned e = 0; e < w->n; e++) {
		if (used & (1u << e))
			continue;
		w->ord[k] = e;
		runs += order_next(w, k + 1, used | (1u << e));
	}
	return runs;
}

unsigned t_each_order(unsigned n, bool (*keep)(const unsigned *ord, void *arg),
		      void (*run)(const unsigned *ord, void *arg), void *arg)
{
	struct order_walk w = { .n = n, .keep = keep, .run = run, .arg = arg };

	CHECK(n >= 1 && n <= T_ORDER_MAX);
	return order_next(&w, 0, 0);
}

uint32_t t_csum_add(const void *p, uint32_t len, uint32_t sum)
{
	const uint8_t *b = p;

	for (uint32_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	return sum;
}
