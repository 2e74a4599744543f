/* SPDX-License-Identifier: MIT */
/*
 * netpool-fwd on vnic, every mode: the tool runs as a user would run it
 * (--count so it stops by itself, --json), and its totals must say that
 * every generated frame was received and, where the mode sends, sent; the
 * capture file must hold one record per frame; the exit status must be 0
 * (every buffer came back). The command line as getopt_long reads it:
 * --opt=value, --opt value and abbreviations give the same run; --version
 * and --help (a usage line, the man page named). Bad options, and options
 * that do nothing with the others given, must give exit 2 and a message.
 * The human totals line says packets and bytes; every --json line is one
 * JSON object with each key once. The endings: a reader that goes away
 * (a pipe closed) ends it cleanly and early, SIGTERM and SIGHUP stop it
 * cleanly, SIGUSR1 and a SIGSEGV sent with kill end it by that signal, and
 * none of them leaves its statistics object in /dev/shm.
 */
#include <sys/wait.h>
#include <unistd.h>
#include "e2e.h"
#include "jsoncheck.h"

static char tool[4096];

static int run_tool(const char *args, char *out, size_t len)
{
	return t_run_tool(tool, args, out, len);
}

/* Every line of @out is a JSON object with each key once (the test fails otherwise). */
static int check_json_lines(const char *out, const char *args)
{
	char why[512];
	int n = t_json_check_lines(out, why, sizeof(why));

	if (n < 0) {
		fprintf(stderr, "netpool-fwd %s: %s\n", args, why);
		exit(1);
	}
	return n;
}

/* The environment variable @name with ":@opt" added (for the child only). */
static void env_append(const char *name, const char *opt)
{
	const char *old = getenv(name);
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s%s%s", old ? old : "", old && *old ? ":" : "", opt);
	setenv(name, buf, 1);
}

/* Children of ours that ended (reaped): a failed check removes what they left. */
static pid_t ended[16];
static unsigned int nended;

/* At exit: the objects our ended children left (only while no process has their pid). */
static void remove_left(void)
{
	for (unsigned int i = 0; i < nended; i++) {
		char path[128], tmp[160];

		if (!kill(ended[i], 0) || errno != ESRCH)
			continue;
		np_stats_export_path(ended[i], path, sizeof(path));
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		unlink(path);
		unlink(tmp);
	}
}

/*
 * Start netpool-fwd with @args (after its name, NULL-terminated) as a shell
 * starts it: SIGPIPE and the signals the tests send at their defaults and
 * unblocked, so what the tool does with them is its own doing; stdout into
 * a pipe whose read end goes to *@rd, or to /dev/null when @rd is NULL;
 * stderr the test's. A sanitizer's SEGV handler is turned off: a SIGSEGV
 * then ends the tool by that signal, as it does without one.
 */
static pid_t spawn_fwd(const char *const *args, int *rd)
{
	static const int sigs[] = { SIGPIPE, SIGTERM, SIGHUP, SIGINT, SIGUSR1, SIGSEGV };
	char *argv[32];
	int fds[2] = { -1, -1 }, sync[2];
	unsigned int n = 0;
	pid_t pid;

	argv[n++] = tool;
	while (*args && n < NP_ARRAY_SIZE(argv) - 1)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	if (rd)
		CHECK_EQ(pipe(fds), 0);
	fflush(NULL);
	t_exec_pipe(sync);
	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		int out = rd ? fds[1] : open("/dev/null", O_WRONLY);
		sigset_t none;

		if (out < 0 || dup2(out, 1) < 0)
			_exit(127);
		if (out != 1)
			close(out);
		if (rd)
			close(fds[0]);
		for (unsigned int i = 0; i < NP_ARRAY_SIZE(sigs); i++)
			signal(sigs[i], SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		env_append("ASAN_OPTIONS", "handle_segv=0");
		env_append("TSAN_OPTIONS", "handle_segv=0");
		env_append("UBSAN_OPTIONS", "handle_segv=0");
		t_exec_child(sync);
		execv(tool, argv);
		_exit(127);
	}
	t_exec_wait(sync);
	if (rd) {
		close(fds[1]);
		*rd = fds[0];
	}
	return pid;
}

/* Wait up to @ms for the child @pid to end. Return: whether it did (its status in *@st). */
static bool wait_end(pid_t pid, int *st, unsigned int ms)
{
	for (unsigned int t = 0; t <= ms; t += 10) {
		pid_t r = waitpid(pid, st, WNOHANG);

		CHECK(r >= 0);
		if (r == pid)
			return true;
		t_sleep_ms(10);
	}
	return false;
}

/* Reap @pid, killing it when it runs past @ms; the test fails then. Return: its status. */
static int reap_fwd(pid_t pid, unsigned int ms, const char *what)
{
	int st;

	if (nended < NP_ARRAY_SIZE(ended))
		ended[nended++] = pid;
	if (!wait_end(pid, &st, ms)) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		fprintf(stderr, "%s: netpool-fwd still ran after %u ms\n", what, ms);
		exit(1);
	}
	return st;
}

/* Whether @pid's statistics object, or its temporary name, is in /dev/shm. */
static bool shm_left(pid_t pid)
{
	char path[128], tmp[160];

	np_stats_export_path(pid, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	return !access(path, F_OK) || !access(tmp, F_OK);
}

/* Wait up to @ms for @pid's own statistics object (not one of an earlier owner of the pid). */
static bool wait_shm(pid_t pid, unsigned int ms)
{
	for (unsigned int t = 0; t <= ms; t += 5) {
		if (!np_stats_export_check(pid))
			return true;
		t_sleep_ms(5);
	}
	return false;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * "netpool-fwd ... | head -c 1": the reader takes one byte and goes away.
 * The tool must notice at its next write (SIGPIPE ignored: EPIPE), stop
 * cleanly long before --duration (it would run the whole duration if
 * it went on, and die by SIGPIPE if it did not ignore it), and remove its
 * statistics object.
 */
static void test_pipe_closed(void)
{
	static const char *const args[] = { "--driver", "vnic", "--in", "tp0", "--mode", "drop",
					    "--duration", "20", NULL };
	double t0 = mono_s(), secs;
	char c;
	int rd, st;
	pid_t pid = spawn_fwd(args, &rd);

	CHECK_EQ(read(rd, &c, 1), 1);
	close(rd);
	st = reap_fwd(pid, 30000, "pipe closed");
	secs = mono_s() - t0;
	if (!WIFEXITED(st) || (WEXITSTATUS(st) != 0 && WEXITSTATUS(st) != 1)) {
		fprintf(stderr, "pipe closed: netpool-fwd %s %d, want exit 0 or 1\n",
			WIFSIGNALED(st) ? "killed by signal" : "exit",
			WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
		exit(1);
	}
	if (secs >= 20) {
		fprintf(stderr, "pipe closed: netpool-fwd ran %.1f s, its whole duration\n", secs);
		exit(1);
	}
	CHECK(!shm_left(pid));
	printf("pipe closed after 1 byte: exit %d after %.1f s (--duration 20), no "
	       "/dev/shm/netpool.%d: ok\n", WEXITSTATUS(st), secs, (int)pid);
}

/*
 * The signals that end it, sent once its statistics object is there:
 * SIGTERM and SIGHUP stop it cleanly (exit 0); SIGUSR1 and a SIGSEGV sent
 * with kill end it by that signal. None leaves the object behind.
 */
static void test_signals(void)
{
	static const char *const args[] = { "--driver", "vnic", "--in", "ts0", "--mode", "drop",
					    "--duration", "10", NULL };
	static const struct {
		int sig;
		const char *name;
		bool clean;	/* a clean stop, exit 0; else the signal ends it */
	} cases[] = {
		{ SIGTERM, "SIGTERM", true }, { SIGHUP, "SIGHUP", true },
		{ SIGUSR1, "SIGUSR1", false }, { SIGSEGV, "SIGSEGV", false },
	};

	for (unsigned int i = 0; i < NP_ARRAY_SIZE(cases); i++) {
		pid_t pid = spawn_fwd(args, NULL);
		int st;

		if (!wait_shm(pid, 8000)) {
			kill(pid, SIGKILL);
			reap_fwd(pid, 8000, cases[i].name);
			fprintf(stderr, "%s: no statistics object of netpool-fwd %d\n",
				cases[i].name, (int)pid);
			exit(1);
		}
		CHECK_EQ(kill(pid, cases[i].sig), 0);
		st = reap_fwd(pid, 8000, cases[i].name);
		if (cases[i].clean ? !(WIFEXITED(st) && WEXITSTATUS(st) == 0) :
				     !(WIFSIGNALED(st) && WTERMSIG(st) == cases[i].sig)) {
			fprintf(stderr, "%s: netpool-fwd %s %d, want %s\n", cases[i].name,
				WIFSIGNALED(st) ? "killed by signal" : "exit",
				WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st),
				cases[i].clean ? "exit 0" : "the same signal");
			exit(1);
		}
		if (shm_left(pid)) {
			fprintf(stderr, "%s: /dev/shm/netpool.%d left behind\n", cases[i].name,
				(int)pid);
			exit(1);
		}
		printf("%-7s %s, no /dev/shm/netpool.%d: ok\n", cases[i].name,
		       cases[i].clean ? "clean stop, exit 0" : "ended by that signal", (int)pid);
	}
}

static const char *total_line(const char *out)
{
	const char *p = strstr(out, "{\"type\": \"total\"");

	if (!p) {
		fprintf(stderr, "no total line in:\n%s\n", out);
		exit(1);
	}
	return p;
}

/* Exit 2 and @msg in the output, for @args. */
static void expect_refused(const char *args, const char *msg, char *out, size_t len)
{
	int rc = run_tool(args, out, len);

	if (rc != 2 || !strstr(out, msg) || !strstr(out, "try 'netpool-fwd --help'")) {
		fprintf(stderr, "'%s': exit %d, want 2 and '%s':\n%s\n", args, rc, msg, out);
		exit(1);
	}
}

/*
 * The same run written four ways: --opt value, --opt=value, abbreviated,
 * and -- at the end; each receives and sends every frame.
 */
static void test_forms(char *out, size_t len)
{
	static const char *const forms[] = {
		"--driver vnic --in tf0 --out tf1 --mode fwd --queues 2 --count 3000 --len 60-900 "
		"--json",
		"--driver=vnic --in=tf0 --out=tf1 --mode=fwd --queues=2 --count=3000 --len=60-900 "
		"--json",
		"--dr vnic --in tf0 --ou=tf1 --mo fwd --q 2 --cou 3000 --le=60-900 --j",
		"--in=vnic:tf0 --out vnic:tf1 --mode fwd --queues 2 --count=3000 --len 60-900 --json "
		"--",
	};

	for (unsigned int i = 0; i < NP_ARRAY_SIZE(forms); i++) {
		const char *line;

		if (run_tool(forms[i], out, len) != 0) {
			fprintf(stderr, "netpool-fwd %s failed:\n%s\n", forms[i], out);
			exit(1);
		}
		line = total_line(out);
		CHECK_EQ(t_json_u64(line, "rx_packets"), 6000);
		CHECK_EQ(t_json_u64(line, "tx_packets"), 6000);
		CHECK_EQ(t_json_u64(line, "inflight"), 0);
	}
	printf("forms: --opt value, --opt=value, abbreviations, --: ok\n");
}

/* What getopt_long refuses, and the options that do nothing with the others given. */
static void test_refused(char *out, size_t len)
{
	static const char *const bad[][2] = {
		/* the command line itself */
		{ "--d vnic --in a --mode drop", "ambiguous option '--d' (--driver, --duration)" },
		{ "--driver vnic --in a --mode drop --no", "ambiguous option '--no'" },
		{ "--driver vnic --in a --mode drop --json=1", "--json takes no value" },
		{ "--driver vnic --in a --mode drop --queues=", "bad --queues value ''" },
		{ "--driver vnic --in= --mode drop", "--in needs a value" },
		{ "--driver vnic --in a --mode drop --count", "--count needs a value" },
		{ "--driver vnic --in a --mode drop -x", "unknown option '-x'" },
		{ "--driver vnic --in a --mode drop --frob=1", "unknown option '--frob=1'" },
		{ "--driver vnic --in a --mode drop extra", "unexpected argument 'extra'" },
		{ "--driver vnic --in a --mode drop -- --json", "unexpected argument '--json'" },
		/* options that do nothing here */
		{ "--driver tap --in a --mode drop --len 60-100", "--len needs a vnic --in" },
		{ "--in tap:a --out vnic:b --mode fwd --count 5", "--count needs a vnic --in" },
		{ "--driver tap --in a --out b --mode fwd --iommu", "--iommu needs a vnic port" },
		/* a null port: one frame length, its own port, no ARP */
		{ "--driver null --in a --mode drop --len 60-100",
		  "--len 60-100: a null --in takes one frame length, not a range" },
		{ "--driver null --in a --mode drop --len 3521", "a null --in takes 60..3520" },
		{ "--in tap:a --out null:b --mode fwd --len 64", "--len needs a vnic --in" },
		{ "--in tap:a --out null:b --mode fwd --count 5", "--count needs a vnic --in" },
		{ "--in null:a --out null:a --mode fwd", "--out must differ from --in" },
		{ "--driver null --in a --out b --mode fwd --iommu", "--iommu needs a vnic port" },
		{ "--in null:a --out null:b --mode encap --vxlan-local 192.0.2.1 --vxlan-remote "
		  "192.0.2.2 --vni 42", "a null --out with --mode encap needs --vxlan-dmac" },
		{ "--in nul:a --mode drop", "unknown driver in --in 'nul:a' (vnic, afxdp, tap or null)" },
		{ "--driver vnic --in a --out b --mode fwd --pcap /tmp/x", "--pcap needs --mode capture" },
		{ "--driver vnic --in a --mode drop --mac-swap", "--mac-swap needs --mode fwd" },
		{ "--driver vnic --in a --out b --mode encap " E2E_VXLAN_ARGS " --mac-swap",
		  "--mac-swap needs --mode fwd" },
		{ "--driver vnic --in a --mode sockq --gro", "--gro needs --mode fwd or capture" },
		{ "--driver vnic --in a --out b --mode fwd --tap-offloads none",
		  "--tap-offloads needs a tap port" },
		{ "--driver vnic --in a --out b --mode fwd --copy", "--copy needs an afxdp port" },
		{ "--driver vnic --in a --out b --mode fwd --zero", "--zerocopy needs an afxdp port" },
		{ "--in tap:a --out tap:b --mode fwd --busy-poll 50", "--busy-poll needs an afxdp" },
		{ "--driver vnic --in a --out b --mode fwd --xdp-prog /x.o", "--xdp-prog needs an afxdp" },
		{ "--driver afxdp --in a --out b --mode fwd --xdp-multiprog",
		  "--xdp-multiprog needs --xdp-prog" },
		{ "--driver vnic --in a --out b --mode fwd --ring-size 512", "--ring-size needs an afxdp" },
		{ "--driver vnic --in a --out b --mode fwd --rx-ring 512", "--rx-ring needs an afxdp" },
		{ "--driver vnic --in a --out b --mode fwd --frame-size 2048",
		  "--frame-size needs an afxdp" },
		{ "--driver vnic --in a --out b --mode fwd --frames 4096", "--frames needs an afxdp" },
		{ "--driver vnic --in a --out b --mode fwd --xdp-skb", "--xdp-skb needs an afxdp" },
		{ "--driver afxdp --in a --mode drop --no-shared-umem",
		  "--no-shared-umem needs two afxdp ports" },
		{ "--in afxdp:a --out tap:b --mode fwd --no-shared-umem",
		  "--no-shared-umem needs two afxdp ports" },
		{ "--driver vnic --in a --out b --mode fwd --vxlan-port 8472",
		  "--vxlan-port needs --mode encap" },
		{ "--driver vnic --in a --out b --mode capture --pcap /tmp/x --vni 5",
		  "--vni needs --mode encap" },
	};

	for (unsigned int i = 0; i < NP_ARRAY_SIZE(bad); i++)
		expect_refused(bad[i][0], bad[i][1], out, len);
	printf("refused: %u command lines, each with its message: ok\n",
	       (unsigned int)NP_ARRAY_SIZE(bad));
}

/* --version and -V name the tool and the library's version; --help its usage and man page. */
static void test_help_version(char *out, size_t len)
{
	char want[64];

	snprintf(want, sizeof(want), "netpool-fwd (netpool) %s\n", np_version(NULL, NULL, NULL));
	CHECK_EQ(run_tool("--version", out, len), 0);
	CHECK(!strcmp(out, want));
	CHECK_EQ(run_tool("-V", out, len), 0);
	CHECK(!strcmp(out, want));
	CHECK_EQ(run_tool("--vers", out, len), 0);
	CHECK(!strcmp(out, want));
	/* the first of the options decides: --version before a bad one */
	CHECK_EQ(run_tool("--version --frobnicate", out, len), 0);
	CHECK(!strcmp(out, want));
	CHECK_EQ(run_tool("--help", out, len), 0);
	CHECK(!strncmp(out, "usage: netpool-fwd ", 19));
	CHECK(strstr(out, "netpool-fwd(1)"));
	CHECK(!strstr(out, "manual above"));
	CHECK(strstr(out, "--no-shared-umem") && strstr(out, "--vxlan-dmac") &&
	      strstr(out, "--tap-offloads") && strstr(out, "--cpus"));
	CHECK_EQ(run_tool("-h", out, len), 0);
	CHECK(!strncmp(out, "usage: netpool-fwd ", 19));
	printf("--version, -V, --help, -h: ok\n");
}

/* The human totals: packets and bytes besides the rates. */
static void test_human_totals(char *out, size_t len)
{
	char want[96];
	const char *p;

	if (run_tool("--driver vnic --in th0 --out th1 --mode fwd --count 2000 --len 100",
		     out, len) != 0) {
		fprintf(stderr, "netpool-fwd failed:\n%s\n", out);
		exit(1);
	}
	/* 2000 frames of 100 bytes each way */
	snprintf(want, sizeof(want), "total rx 2000 packets 200000 bytes (");
	p = strstr(out, want);
	if (!p) {
		fprintf(stderr, "no '%s' in:\n%s\n", want, out);
		exit(1);
	}
	CHECK(strstr(p, "pps, ") && strstr(p, "Mbit/s)"));
	CHECK(strstr(p, "tx 2000 packets 200000 bytes ("));
	CHECK(strstr(out, "every buffer came back"));
	printf("human totals with packets and bytes: ok\n");
}

int main(int argc, char **argv)
{
	static char out[1 << 20];
	static const char *const modes[] = { "drop", "fwd", "capture", "sockq", "encap" };
	char pcap[] = "/tmp/netpool-fwdXXXXXX";
	char args[1024];
#ifdef T_SANITIZED
	const uint64_t count = 4000, queues = 2;
#else
	const uint64_t count = 20000, queues = 2;
#endif
	int fd;

	(void)argc;
	t_tool_path(argv[0], "netpool-fwd", tool, sizeof(tool));
	fd = mkstemp(pcap);
	CHECK(fd >= 0);
	close(fd);

	for (unsigned int m = 0; m < NP_ARRAY_SIZE(modes); m++) {
		for (int variant = 0; variant < 3; variant++) {
			const char *extra = variant == 0 ? "" : variant == 1 ? "--no-recycle" : "--iommu";
			const char *line;
			int nlines;
			bool sends = strcmp(modes[m], "drop") && strcmp(modes[m], "sockq");

			snprintf(args, sizeof(args),
				 "--driver vnic --in tv0 %s --mode %s --queues %llu --count %llu "
				 "--len 60-3000 --json --duration 60 %s %s %s %s",
				 sends ? "--out tv1" : "", modes[m], (unsigned long long)queues,
				 (unsigned long long)count, extra,
				 !strcmp(modes[m], "capture") ? "--pcap" : "",
				 !strcmp(modes[m], "capture") ? pcap : "",
				 !strcmp(modes[m], "encap") ? E2E_VXLAN_ARGS : "");
			if (run_tool(args, out, sizeof(out)) != 0) {
				fprintf(stderr, "netpool-fwd %s failed:\n%s\n", args, out);
				return 1;
			}
			line = total_line(out);
			nlines = check_json_lines(out, args);
			CHECK(nlines >= 1);
			CHECK_EQ(t_json_u64(line, "rx_packets"), count * queues);
			CHECK_EQ(t_json_u64(line, "rx_bad_desc"), 0);
			if (sends)
				CHECK_EQ(t_json_u64(line, "tx_packets"), count * queues);
			if (!strcmp(modes[m], "encap"))
				CHECK_EQ(t_json_u64(line, "vxlan_encap"), count * queues);
			if (!strcmp(modes[m], "capture")) {
				/* a capture drops (and counts) what its writer cannot keep up with */
				uint64_t cap = t_json_u64(line, "captured");

				CHECK_EQ(cap + t_json_u64(line, "cap_dropped"), count * queues);
				CHECK(cap > 0);
				CHECK_EQ(t_json_u64(line, "cap_written"), cap);
				CHECK_EQ(e2e_pcap_count(pcap), cap);
			}
			/*
			 * With recycling the pages come back to the pools (a return ring that
			 * overflows releases a few: a capture writer frees in bursts), without
			 * they are all released.
			 */
			if (variant == 1) {
				CHECK(t_json_u64(line, "pool_released") >= count * queues);
			} else {
				uint64_t back = t_json_u64(line, "pool_cached") + t_json_u64(line, "pool_ring");

				CHECK(back + t_json_u64(line, "pool_released") >= count * queues);
				CHECK(back >= count * queues / 2);
			}
			printf("%-8s %-13s ok; --json: %d line%s, each one object, no key twice\n",
			       modes[m], extra, nlines, nlines == 1 ? "" : "s");
		}
	}
	unlink(pcap);

	/*
	 * Ports named with their drivers, and GRO on input: what GRO merges,
	 * the vnic egress (no TSO) gets cut again, frame for frame.
	 */
	{
		const char *line;

		snprintf(args, sizeof(args),
			 "--in vnic:tv0 --out vnic:tv1 --mode fwd --gro --queues %llu --count %llu "
			 "--len 60-1500 --json --duration 60", (unsigned long long)queues,
			 (unsigned long long)count);
		if (run_tool(args, out, sizeof(out)) != 0) {
			fprintf(stderr, "netpool-fwd %s failed:\n%s\n", args, out);
			return 1;
		}
		line = total_line(out);
		CHECK(check_json_lines(out, args) >= 1);
		CHECK_EQ(t_json_u64(line, "rx_packets"), count * queues);
		CHECK_EQ(t_json_u64(line, "tx_packets"), count * queues);
		CHECK_EQ(t_json_u64(line, "gso_segments"),
			 t_json_u64(line, "gro_merged") + t_json_u64(line, "gso_segmented"));
		/* GRO looked at them (the vnic's frames carry no valid IPv4 checksum: passed) */
		CHECK(t_json_u64(line, "gro_merged") + t_json_u64(line, "gro_csum_bad") > 0);
		printf("fwd      --gro, vnic:  ok\n");
	}

	/* bad usage: exit 2 and a message naming the problem */
	{
		static const char *const bad[][2] = {
			{ "", "--driver is required" },
			{ "--driver foo --in a --mode drop", "unknown driver" },
			{ "--driver vnic --mode drop", "--in is required" },
			{ "--driver vnic --in a", "--mode is required" },
			{ "--driver vnic --in a --mode bogus", "unknown mode" },
			{ "--driver vnic --in a --mode fwd", "needs --out" },
			{ "--driver vnic --in a --mode capture", "needs --pcap" },
			{ "--driver vnic --in a --mode drop --queues 0", "bad --queues" },
			{ "--driver vnic --in a --mode drop --queues 65", "bad --queues" },
			{ "--driver vnic --in a --mode drop --duration -1", "bad --duration" },
			{ "--driver vnic --in a --mode drop --len 10", "bad --len" },
			{ "--driver vnic --in a --mode drop --len 100-50", "bad --len" },
			{ "--driver vnic --in a --mode drop --count x", "bad --count" },
			{ "--driver vnic --in a --mode drop --frobnicate", "unknown option" },
			{ "--driver vnic --in a --out a --mode fwd", "must differ" },
			{ "--driver vnic --in a --mode drop --queues", "needs a value" },
			{ "--driver vnic --in a --out b --mode encap", "needs --vxlan-local" },
			{ "--driver vnic --in a --out b --mode encap --vxlan-local 10.0.0.1 "
			  "--vxlan-remote 10.0.0.2", "needs --vni" },
			{ "--driver vnic --in a --out b --mode encap --vxlan-local 10.0.0.1 "
			  "--vxlan-remote 10.0.0.2 --vni 1", "needs --vxlan-dmac" },
			{ "--driver vnic --in a --mode drop --vni 5", "--vni needs --mode encap" },
			{ "--driver vnic --in a --out b --mode encap --vxlan-local 10.0.0.1 "
			  "--vxlan-remote 10.0.0.2 --vni 16777216", "bad --vni" },
			{ "--driver vnic --in a --out b --mode encap --vxlan-local 10.0.0.256 "
			  "--vxlan-remote 10.0.0.2 --vni 1", "bad --vxlan-local" },
			{ "--driver vnic --in a --out b --mode encap --vxlan-local 10.0.0.1 "
			  "--vxlan-remote 10.0.0.1 --vni 1", "must differ" },
			{ "--driver vnic --in a --out b --mode encap --vxlan-local 10.0.0.1 "
			  "--vxlan-remote 10.0.0.2 --vni 1 --vxlan-dmac ff:ff:ff:ff:ff:ff",
			  "bad --vxlan-dmac" },
			{ "--driver vnic --in a --out b --mode encap --vxlan-local 10.0.0.1 "
			  "--vxlan-remote 10.0.0.2 --vni 1 --vxlan-port 65536",
			  "bad --vxlan-port" },
			/* per-port drivers, GRO, TAP offloads */
			{ "--in foo:a --mode drop", "unknown driver in --in" },
			{ "--in tap: --mode drop", "bad --in" },
			{ "--in tap:a:b --mode drop", "bad --in" },
			{ "--in tap:a --out b --mode fwd", "--out b needs a driver" },
			{ "--in tap:a --out afxdp:a --mode fwd", "must differ" },
			{ "--driver vnic --in a --mode drop --gro", "--gro needs --mode fwd" },
			{ "--driver vnic --in a --mode drop --tap-offloads all", "needs a tap port" },
			{ "--driver tap --in a --mode drop --tap-offloads tso4", "bad --tap-offloads" },
			{ "--driver tap --in a --mode drop --tap-offloads csum,csum",
			  "bad --tap-offloads" },
			{ "--driver tap --in a --mode drop --tap-offloads csum,", "bad --tap-offloads" },
			{ "--driver tap --in a --mode drop --tap-offloads gso", "bad --tap-offloads" },
			/* AF_XDP options */
			{ "--driver vnic --in a --mode drop --zerocopy", "needs an afxdp port" },
			{ "--driver afxdp --in a --mode drop --copy --zerocopy",
			  "exclude each other" },
			{ "--driver afxdp --in a --mode drop --ring-size 100", "bad --ring-size" },
			{ "--driver afxdp --in a --mode drop --fill-ring 32768", "bad --fill-ring" },
			{ "--driver afxdp --in a --mode drop --frame-size 4096", "bad --frame-size" },
			{ "--driver afxdp --in a --mode drop --frames 10", "bad --frames" },
			{ "--driver afxdp --in a --mode drop --busy-poll 0", "bad --busy-poll" },
			{ "--driver afxdp --in a --mode drop --busy-poll 50,0", "bad --busy-poll" },
			{ "--driver afxdp --in a --mode drop --xdp-prog", "needs a value" },
			{ "--driver vnic --in a --mode drop --cpus 3-1", "bad --cpus" },
			{ "--driver vnic --in a --mode drop --cpus 0,", "bad --cpus" },
		};

		for (unsigned int i = 0; i < NP_ARRAY_SIZE(bad); i++) {
			CHECK_EQ(run_tool(bad[i][0], out, sizeof(out)), 2);
			if (!strstr(out, bad[i][1])) {
				fprintf(stderr, "'%s': message lacks '%s':\n%s\n", bad[i][0], bad[i][1],
					out);
				return 1;
			}
		}
		CHECK_EQ(run_tool("--help", out, sizeof(out)), 0);
		CHECK(strstr(out, "usage: netpool-fwd"));
	}
	test_forms(out, sizeof(out));
	test_refused(out, sizeof(out));
	test_help_version(out, sizeof(out));
	test_human_totals(out, sizeof(out));
	if (access(NP_STATS_SHM_DIR, W_OK)) {
		printf("endings: not checked, no writable %s\n", NP_STATS_SHM_DIR);
		return 0;
	}
	atexit(remove_left);
	test_pipe_closed();
	test_signals();
	return 0;
}
