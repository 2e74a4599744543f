/* SPDX-License-Identifier: MIT */
/*
 * netpool-stat against a running netpool-fwd: the tool finds the
 * forwarder's object, reports its pools and queues (JSON and table), and
 * rx_packets grows between two reads; --watch reports rates; --list shows
 * the process live. A process that died without removing its object is
 * listed as stale and not read, and the object is left alone. Once the
 * forwarder exits its object is gone. Bad usage exits 2 with a message.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testutil.h"

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

static pid_t start_fwd(void)
{
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (!pid) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		execl(fwd_tool, fwd_tool, "--driver", "vnic", "--in", "a", "--mode", "drop",
		      "--queues", "2", "--duration", "3", "--json", (char *)NULL);
		_exit(127);
	}
	return pid;
}

static bool wait_path(const char *path, unsigned ms)
{
	for (unsigned i = 0; i < ms; i += 5) {
		if (!access(path, R_OK))
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
	pid_t pid = start_fwd();
	int n, st;

	np_stats_export_path(pid, path, sizeof(path));
	CHECK(wait_path(path, 10000));
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
	pid_t pid = fork();
	int st;

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
		{ "--json=1", "unknown option" },
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
	test_usage();
	test_stale();
	test_live();
	printf("netpool-stat ok\n");
	return 0;
}
