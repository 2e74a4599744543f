/* SPDX-License-Identifier: MIT */
/*
 * netpool-stat against a running netpool-fwd: the tool finds the
 * forwarder's object, reports its pools and queues (JSON and table), and
 * rx_packets grows between two reads; --watch reports rates; --list shows
 * the process live. A process that died without removing its object is
 * listed as stale and not read, and the object is left alone. Once the
 * forwarder exits its object is gone. Bad usage exits 2 with a message.
 * --prune removes the object a kill -9 left, says so (or that there was
 * nothing to prune), in JSON too, and never the object of a live process.
 * An object under a pid that a later process has now is stale too: not
 * read, listed stale, pruned.
 * Every --json line (--watch and --list too) is one JSON object with no
 * key twice at any depth, as a strict checker (itself checked first) reads it.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testutil.h"
#include "jsoncheck.h"

static char stat_tool[4096], fwd_tool[4096];

static int run_stat(const char *args, char *out, size_t len)
{
	return t_run_tool(stat_tool, args, out, len);
}

/* Sum @key over the lines of @type; *@lines: how many such lines. */
static uint64_t json_sum(const char *out, const char *type, const char *key, int *lines)
{
	char t[64];
	uint64_t sum = 0;

	snprintf(t, sizeof(t), "{\"type\": \"%s\"", type);
	*lines = 0;
	for (const char *p = strstr(out, t); p; p = strstr(p + 1, t)) {
		sum += t_json_u64(p, key);
		(*lines)++;
	}
	return sum;
}

/* netpool-fwd on two vnic queues, dropping what its sources send, for @duration seconds. */
static pid_t start_fwd(const char *duration)
{
	int sync[2];
	pid_t pid;

	fflush(NULL);		/* a child's exit must not write our buffered lines again */
	t_exec_pipe(sync);
	pid = fork();

	CHECK(pid >= 0);
	if (!pid) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		t_exec_child(sync);
		execl(fwd_tool, fwd_tool, "--driver", "vnic", "--in", "a", "--mode", "drop",
		      "--queues", "2", "--duration", duration, "--json", (char *)NULL);
		_exit(127);
	}
	t_exec_wait(sync);
	return pid;
}

/* Wait up to @ms until @pid has published (not: an object of an earlier owner of the pid). */
static bool wait_published(pid_t pid, unsigned ms)
{
	for (unsigned i = 0; i < ms; i += 5) {
		if (!np_stats_export_check(pid))
			return true;
		t_sleep_ms(5);
	}
	return false;
}

static void test_live(void)
{
	static char out[1 << 18];
	char args[256], path[128];
	uint64_t rx1, rx2;
	pid_t pid = start_fwd("3");
	int n, st;

	np_stats_export_path(pid, path, sizeof(path));
	CHECK(wait_published(pid, 10000));
	snprintf(args, sizeof(args), "--pid %d --json", (int)pid);
	/* the first snapshot may predate the traffic */
	for (int i = 0; i < 100; i++) {
		CHECK_EQ(run_stat(args, out, sizeof(out)), 0);
		if (json_sum(out, "queue", "rx_packets", &n) > 0)
			break;
		t_sleep_ms(50);
	}
	CHECK(strstr(out, "{\"type\": \"snapshot\""));
	CHECK(strstr(out, "\"name\": \"netpool-fwd\""));
	CHECK(strstr(out, "\"name\": \"a-rx0\", \"ifname\": \"a\""));
	CHECK(strstr(out, "\"name\": \"a-rx1\", \"ifname\": \"a\""));
	CHECK(strstr(out, "\"state\": \"live\", \"destroyed\": false, \"orphaned\": false"));
	CHECK(strstr(out, "{\"type\": \"drops\""));
	json_sum(out, "pool", "alloc_fast", &n);
	CHECK(n >= 2);
	rx1 = json_sum(out, "queue", "rx_packets", &n);
	CHECK_EQ(n, 2);
	CHECK(rx1 > 0);
	t_sleep_ms(400);
	CHECK_EQ(run_stat(args, out, sizeof(out)), 0);
	rx2 = json_sum(out, "queue", "rx_packets", &n);
	CHECK_EQ(n, 2);
	if (rx2 <= rx1) {
		fprintf(stderr, "rx_packets did not grow: %llu then %llu\n",
			(unsigned long long)rx1, (unsigned long long)rx2);
		exit(1);
	}

	/* the table */
	snprintf(args, sizeof(args), "--pid %d", (int)pid);
	CHECK_EQ(run_stat(args, out, sizeof(out)), 0);
	CHECK(strstr(out, "netpool-fwd") && strstr(out, "pools (") && strstr(out, "queues ("));
	CHECK(strstr(out, "a-rx0") && strstr(out, "released_refcnt") && strstr(out, "rx_packets"));
	CHECK(strstr(out, "drops by reason") && strstr(out, "CONSUMED"));

	/* watch: two reports, the second with rates */
	snprintf(args, sizeof(args), "--pid %d --json --watch=0.25 --count 2", (int)pid);
	CHECK_EQ(run_stat(args, out, sizeof(out)), 0);
	json_sum(out, "snapshot", "generation", &n);
	CHECK_EQ(n, 2);
	CHECK(strstr(out, "\"rate\": {\"rx_packets\": "));
	CHECK(strstr(out, "\"rate_interval_s\": "));
	snprintf(args, sizeof(args), "--pid %d --watch=0.2 --count 2", (int)pid);
	CHECK_EQ(run_stat(args, out, sizeof(out)), 0);
	CHECK(strstr(out, "per second over the last"));

	/* the list shows it live */
	CHECK_EQ(run_stat("--list", out, sizeof(out)), 0);
	snprintf(args, sizeof(args), "%d", (int)pid);
	CHECK(strstr(out, args) && strstr(out, "live"));

	/* a clean stop removes the object */
	kill(pid, SIGINT);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st));
	CHECK_EQ(WEXITSTATUS(st), 0);
	CHECK(access(path, F_OK) && errno == ENOENT);
	snprintf(args, sizeof(args), "--pid %d", (int)pid);
	CHECK_EQ(run_stat(args, out, sizeof(out)), 1);
	CHECK(strstr(out, "no process"));
}

/* A process that died without removing its object: stale, not read, left alone. */
static void test_stale(void)
{
	static char out[1 << 16];
	char args[256], path[128], line[64];
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();

	CHECK(pid >= 0);
	if (!pid) {
		if (np_stats_export_start("t-stale", 1000))
			_exit(1);
		_exit(0);	/* no atexit handlers: the object stays */
	}
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	np_stats_export_path(pid, path, sizeof(path));
	CHECK_EQ(access(path, F_OK), 0);

	CHECK_EQ(run_stat("--list", out, sizeof(out)), 0);
	snprintf(line, sizeof(line), "%-8d stale", (int)pid);
	if (!strstr(out, line)) {
		fprintf(stderr, "--list lacks '%s':\n%s\n", line, out);
		exit(1);
	}
	CHECK_EQ(run_stat("--list --json", out, sizeof(out)), 0);
	snprintf(line, sizeof(line), "\"pid\": %d, \"state\": \"stale\"", (int)pid);
	CHECK(strstr(out, line));
	snprintf(args, sizeof(args), "--pid %d --json", (int)pid);
	CHECK_EQ(run_stat(args, out, sizeof(out)), 1);
	CHECK(strstr(out, "stale"));
	CHECK(!strstr(out, "{\"type\""));
	CHECK_EQ(access(path, F_OK), 0);	/* nothing removed */
	CHECK_EQ(unlink(path), 0);
}

/* The object's header: where the writer's pid is, and (its last field) its start time. */
#define HDR_SIZE_OFF	8
#define HDR_PID_OFF	44

/* Field 22 of /proc/@pid/stat (the start time, clock ticks after boot), low 32 bits. */
static uint32_t proc_start(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	CHECK(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	CHECK(p);
	/* after the name: the state (field 3) ... field 21, then the start time */
	CHECK_EQ(sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
			"%*d %*d %*d %llu", &v), 1);
	return (uint32_t)v;
}

/* A child that publishes, then exits without removing its object. Return: its pid. */
static pid_t publish_and_die(const char *name)
{
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	CHECK(pid >= 0);
	if (!pid)
		_exit(np_stats_export_start(name, 1000) ? 1 : 0);	/* no atexit: it stays */
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return pid;
}

/*
 * A pid given to another process after its publisher was killed: the object
 * there is not the new process's. Made here by copying a dead publisher's
 * object under the pid of a process started later (the pid field set to
 * it): np_stats_export_check() and the list call it stale, netpool-stat
 * neither reads it nor takes the process for a publisher, and --prune
 * removes it though the process runs. The object records the writer's start
 * time as /proc has it; our own object is ours.
 */
static void test_pid_reused(void)
{
	static char out[1 << 16];
	static unsigned char obj[1 << 22];
	char path[128], path2[128], args[128], want[256];
	struct np_stats_proc procs[256];
	uint32_t hdr_size, ticks;
	int32_t wpid;
	pid_t dead, later;
	ssize_t len;
	int fd, n, st;
	bool listed = false;

	dead = publish_and_die("t-reused");
	CHECK_EQ(np_stats_export_check(dead), -ESRCH);	/* gone */
	np_stats_export_path(dead, path, sizeof(path));
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	len = read(fd, obj, sizeof(obj));
	close(fd);
	CHECK(len > 256);
	memcpy(&wpid, obj + HDR_PID_OFF, sizeof(wpid));
	CHECK_EQ(wpid, dead);
	CHECK_EQ(unlink(path), 0);

	/* a process started at least a tick after the dead one */
	t_sleep_ms(50);
	fflush(NULL);
	later = fork();
	CHECK(later >= 0);
	if (!later) {
		pause();
		_exit(0);
	}
	wpid = later;
	memcpy(obj + HDR_PID_OFF, &wpid, sizeof(wpid));
	np_stats_export_path(later, path2, sizeof(path2));
	fd = open(path2, O_WRONLY | O_CREAT | O_EXCL, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, obj, (size_t)len), len);
	close(fd);

	CHECK_EQ(np_stats_export_check(later), -ESRCH);
	n = np_stats_export_list(procs, NP_ARRAY_SIZE(procs));
	CHECK(n > 0);
	for (int i = 0; i < n && i < (int)NP_ARRAY_SIZE(procs); i++)
		if (procs[i].pid == later) {
			CHECK(procs[i].stale);
			listed = true;
		}
	CHECK(listed);
	snprintf(args, sizeof(args), "--pid %d", (int)later);
	CHECK_EQ(run_stat(args, out, sizeof(out)), 1);
	if (!strstr(out, "its pid is another process's now")) {
		fprintf(stderr, "%s: a reused pid not said:\n%s\n", args, out);
		exit(1);
	}
	snprintf(args, sizeof(args), "--prune --pid %d", (int)later);
	CHECK_EQ(run_stat(args, out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "removed %s (the process that wrote it is gone; pid %d is "
		 "another process's now)\n", path2, (int)later);
	if (!strstr(out, want)) {
		fprintf(stderr, "%s: no '%s' in:\n%s\n", args, want, out);
		exit(1);
	}
	CHECK(access(path2, F_OK) && errno == ENOENT);
	CHECK_EQ(np_stats_export_check(later), -ENOENT);
	kill(later, SIGKILL);
	CHECK_EQ(waitpid(later, &st, 0), later);

	/* our own: the start time /proc gives, and the object is ours */
	CHECK_EQ(np_stats_export_start("t-self", 1000), 0);
	CHECK_EQ(np_stats_export_check(getpid()), 0);
	np_stats_export_path(getpid(), path, sizeof(path));
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	CHECK_EQ(pread(fd, &hdr_size, sizeof(hdr_size), HDR_SIZE_OFF), (ssize_t)sizeof(hdr_size));
	CHECK(hdr_size > HDR_PID_OFF + 4 && hdr_size < 4096);
	CHECK_EQ(pread(fd, &ticks, sizeof(ticks), hdr_size - 4), (ssize_t)sizeof(ticks));
	close(fd);
	CHECK_EQ(ticks, proc_start(getpid()));
	CHECK(ticks != 0);
	np_stats_export_stop();
	CHECK_EQ(np_stats_export_check(getpid()), -ENOENT);
	printf("a pid reused after its publisher died: its object stale (check, list, "
	       "netpool-stat), pruned though the process runs; our own object ours: ok\n");
}

/* Every line of @out one JSON object with each key once; the test fails otherwise. */
static int check_json_lines(const char *out, const char *args)
{
	char why[512];
	int n = t_json_check_lines(out, why, sizeof(why));

	if (n < 0) {
		fprintf(stderr, "netpool-stat %s: %s\n", args, why);
		exit(1);
	}
	return n;
}

/* The checker itself: what it must take, and what it must refuse (a key twice above all). */
static void test_json_checker(void)
{
	static const char *const good[] = {
		"{}",
		"{\"a\": 1}",
		" {\"a\": {\"a\": {\"a\": []}}, \"b\": [{\"a\": 1}, {\"a\": 2}], \"c\": \"a\"} ",
		("{\"n\": [0, -0, 12, -3.25, 1e9, 2E-3, 4.5e+10], \"t\": true, \"f\": false, "
		 "\"z\": null}"),
		"{\"s\": \"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9 \\ud83d\\ude00 \xc3\xa9\"}",
		"{\"a\": 1, \"A\": 2, \"a \": 3, \"\": 4}",
	};
	static const char *const bad[] = {
		"{\"a\": 1, \"a\": 2}",				/* the case that matters */
		"{\"x\": {\"b\": 1, \"c\": 2, \"b\": 3}}",	/* nested */
		"{\"x\": [1, {\"y\": [{\"k\": 1, \"k\": 1}]}]}",	/* inside arrays */
		"{\"a\": 1, \"\\u0061\": 2}",			/* the same key, escaped */
		"{\"\": 1, \"\": 2}",
		"{\"a\": 1,}", "{\"a\" 1}", "{a: 1}", "{'a': 1}", "[1, 2,]", "{\"a\": 01}",
		"{\"a\": 1.}", "{\"a\": .5}", "{\"a\": -}", "{\"a\": 1e}", "{\"a\": +1}",
		"{\"a\": tru}", "{\"a\": nul}", "{\"a\": \"x}", "{\"a\": \"\\x\"}",
		"{\"a\": \"\\u12\"}", "{\"a\": \"\\udc00\"}", "{\"a\": \"\\ud800x\"}",
		"{\"a\": \"tab\there\"}", "{\"a\": \"\xc3\"}", "{\"a\": \"\xc0\xaf\"}",
		"{\"a\": 1} {\"b\": 2}", "{\"a\": 1}}", "", "  ",
	};
	char why[256];
	int n;

	for (unsigned int i = 0; i < NP_ARRAY_SIZE(good); i++)
		if (!t_json_check(good[i], strlen(good[i]), why, sizeof(why))) {
			fprintf(stderr, "json checker refused %s: %s\n", good[i], why);
			exit(1);
		}
	for (unsigned int i = 0; i < NP_ARRAY_SIZE(bad); i++)
		if (t_json_check(bad[i], strlen(bad[i]), why, sizeof(why))) {
			fprintf(stderr, "json checker took %s\n", bad[i]);
			exit(1);
		}
	CHECK(!t_json_check("{\"a\": 1, \"a\": 2}", 16, why, sizeof(why)));
	CHECK(strstr(why, "a key twice"));
	/* 65 nested arrays are refused, 64 taken */
	{
		char deep[200];

		memset(deep, '[', 65);
		memset(deep + 65, ']', 65);
		CHECK(!t_json_check(deep, 130, why, sizeof(why)));
		CHECK(t_json_check(deep + 1, 128, why, sizeof(why)));
	}
	CHECK_EQ(t_json_check_lines("{\"a\": 1}\n{\"a\": 2}\n", why, sizeof(why)), 2);
	CHECK_EQ(t_json_check_lines("", why, sizeof(why)), 0);
	CHECK_EQ(t_json_check_lines("{\"a\": 1}\n[1]\n", why, sizeof(why)), -1);
	CHECK_EQ(t_json_check_lines("{\"a\": 1}\n\n{\"a\": 2}\n", why, sizeof(why)), -1);
	n = t_json_check_lines("{\"a\": 1}\n{\"b\": {\"c\": 1, \"c\": 2}}\n", why, sizeof(why));
	CHECK_EQ(n, -1);
	CHECK(strstr(why, "line 2"));
	printf("json checker: %u texts taken, %u refused (a key twice, nested too): ok\n",
	       (unsigned int)NP_ARRAY_SIZE(good), (unsigned int)NP_ARRAY_SIZE(bad));
}

/*
 * --json against a live forwarder, once, with --watch (rates in nested
 * objects) and --list: each line one JSON object, each key once per object.
 */
static void test_json_strict(void)
{
	static char out[1 << 18];
	char args[256], path[128];
	int n, lines, st;
	pid_t pid = start_fwd("20");

	np_stats_export_path(pid, path, sizeof(path));
	CHECK(wait_published(pid, 10000));
	snprintf(args, sizeof(args), "--pid %d --json", (int)pid);
	CHECK_EQ(run_stat(args, out, sizeof(out)), 0);
	lines = check_json_lines(out, args);
	json_sum(out, "pool", "inflight", &n);
	CHECK(n >= 2);
	CHECK(lines >= 1 + 2 + 2 + 1);		/* snapshot, pools, queues, drops */

	snprintf(args, sizeof(args), "--pid %d --json --watch=0.2 --count 2", (int)pid);
	CHECK_EQ(run_stat(args, out, sizeof(out)), 0);
	CHECK(strstr(out, "\"rate\": {"));
	n = check_json_lines(out, args);
	CHECK(n >= 2 * (1 + 2 + 2 + 1));
	lines += n;

	CHECK_EQ(run_stat("--list --json", out, sizeof(out)), 0);
	n = check_json_lines(out, "--list --json");
	CHECK(n >= 1);
	lines += n;

	kill(pid, SIGINT);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	printf("--json, --json --watch, --list --json: %d lines, each one object, no key twice: "
	       "ok\n", lines);
}

/* The stale objects of ours: a failed check removes them (a pruned one is gone already). */
static pid_t stale_pids[4];
static unsigned int nstale;

/* At exit: our killed children's objects, while no process has their pid. */
static void remove_stale(void)
{
	for (unsigned int i = 0; i < nstale; i++) {
		char path[128], tmp[160];

		if (!kill(stale_pids[i], 0) || errno != ESRCH)
			continue;
		np_stats_export_path(stale_pids[i], path, sizeof(path));
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		unlink(path);
		unlink(tmp);
	}
}

/* A netpool-fwd killed with SIGKILL and reaped: its object stays behind, stale. Return: its pid. */
static pid_t make_stale(void)
{
	char path[128];
	pid_t pid = start_fwd("20");
	int st;

	np_stats_export_path(pid, path, sizeof(path));
	if (!wait_published(pid, 10000)) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		fprintf(stderr, "no %s from netpool-fwd\n", path);
		exit(1);
	}
	CHECK_EQ(kill(pid, SIGKILL), 0);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	if (nstale < NP_ARRAY_SIZE(stale_pids))
		stale_pids[nstale++] = pid;
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	CHECK_EQ(access(path, F_OK), 0);
	return pid;
}

/* Neither @pid's object nor its temporary name is there. */
static bool object_gone(pid_t pid)
{
	char path[128], tmp[160];

	np_stats_export_path(pid, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	return access(path, F_OK) && errno == ENOENT && access(tmp, F_OK) && errno == ENOENT;
}

/*
 * --prune, only ever with --pid and a child of ours: the object a kill -9
 * left is removed and named, a second run finds nothing; in JSON a
 * "pruned" object; a live process's object is left alone (exit 1).
 */
static void test_prune(void)
{
	static char out[1 << 16];
	char args[256], want[256], path[128];
	pid_t pid = make_stale(), live;
	int st;

	np_stats_export_path(pid, path, sizeof(path));
	snprintf(args, sizeof(args), "--prune --pid %d", (int)pid);
	CHECK_EQ(run_stat(args, out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "removed %s (process %d is gone)\n", path, (int)pid);
	if (!strstr(out, want)) {
		fprintf(stderr, "%s: no '%s' in:\n%s\n", args, want, out);
		exit(1);
	}
	CHECK(object_gone(pid));
	CHECK_EQ(run_stat(args, out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "nothing to prune: no object of process %d in %s\n",
		 (int)pid, NP_STATS_SHM_DIR);
	if (strcmp(out, want)) {
		fprintf(stderr, "%s again: want '%s', got:\n%s\n", args, want, out);
		exit(1);
	}

	/* the same in JSON */
	pid = make_stale();
	np_stats_export_path(pid, path, sizeof(path));
	snprintf(args, sizeof(args), "--prune --pid %d --json", (int)pid);
	CHECK_EQ(run_stat(args, out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "{\"type\": \"pruned\", \"pid\": %d, \"object\": \"%s\"}\n",
		 (int)pid, path);
	if (!strstr(out, want)) {
		fprintf(stderr, "%s: no '%s' in:\n%s\n", args, want, out);
		exit(1);
	}
	CHECK(check_json_lines(out, args) >= 1);
	CHECK(object_gone(pid));
	CHECK_EQ(run_stat(args, out, sizeof(out)), 0);
	CHECK_EQ(out[0], '\0');		/* nothing pruned: no object printed */

	/* a live process: refused, its object stays */
	live = start_fwd("20");
	np_stats_export_path(live, path, sizeof(path));
	CHECK(wait_published(live, 10000));
	snprintf(args, sizeof(args), "--prune --pid %d", (int)live);
	CHECK_EQ(run_stat(args, out, sizeof(out)), 1);
	CHECK(strstr(out, "is running"));
	CHECK_EQ(access(path, F_OK), 0);
	kill(live, SIGINT);
	CHECK_EQ(waitpid(live, &st, 0), live);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(object_gone(live));
	printf("--prune: a kill -9's object removed and named, then nothing to prune; "
	       "--json \"pruned\"; a live one's kept (exit 1): ok\n");
}

static void test_usage(void)
{
	static char out[1 << 16];
	static const char *const bad[][2] = {
		{ "--frobnicate", "unknown option" },
		{ "--pid", "needs a value" },
		{ "--pid x", "bad --pid" },
		{ "--pid 0", "bad --pid" },
		{ "--pid -5", "bad --pid" },
		{ "--pid=", "bad --pid" },
		{ "--watch=0", "bad --watch" },
		{ "--watch=x", "bad --watch" },
		{ "--watch=-1", "bad --watch" },
		{ "--count 3", "--count needs --watch" },
		{ "--watch --count 0", "bad --count" },
		{ "--list --pid 1", "--list takes no" },
		{ "--list --prune", "--list takes no" },
		{ "--prune --watch", "--prune takes no --watch" },
		{ "--json=1", "--json takes no value" },
	};

	for (unsigned int i = 0; i < NP_ARRAY_SIZE(bad); i++) {
		CHECK_EQ(run_stat(bad[i][0], out, sizeof(out)), 2);
		if (!strstr(out, bad[i][1])) {
			fprintf(stderr, "'%s': message lacks '%s':\n%s\n", bad[i][0], bad[i][1],
				out);
			exit(1);
		}
	}
	CHECK_EQ(run_stat("--help", out, sizeof(out)), 0);
	CHECK(strstr(out, "usage: netpool-stat"));
}

int main(int argc, char **argv)
{
	(void)argc;
	t_tool_path(argv[0], "netpool-stat", stat_tool, sizeof(stat_tool));
	t_tool_path(argv[0], "netpool-fwd", fwd_tool, sizeof(fwd_tool));
	if (access(NP_STATS_SHM_DIR, W_OK))
		SKIP("no writable %s", NP_STATS_SHM_DIR);
	test_json_checker();
	test_usage();
	test_stale();
	test_pid_reused();
	test_live();
	test_json_strict();
	atexit(remove_stale);
	test_prune();
	printf("netpool-stat ok\n");
	return 0;
}
