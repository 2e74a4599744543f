/* SPDX-License-Identifier: MIT */
/*
 * AF_XDP's XDP program and the processes that die, end to end (kernel
 * hosts A and B, netpool-fwd --mode fwd between two AF_XDP ports in F):
 *   - kill -9 and restart, twenty times, with nothing done in between: each
 *     new process attaches at once (the BPF link went with the old one) and
 *     forwards UDP from A to B; after the last kill no XDP program is left
 *     on either interface;
 *   - a second process on a port the first one holds is refused, and the
 *     message names the holder's pid and program;
 *   - a program of someone else's, attached through netlink (as ip or a
 *     libxdp tool without bpffs leaves one), is never replaced: netpool-fwd
 *     exits 1 naming it and the command that removes it; that very command
 *     run in the namespace frees the interface, and netpool-fwd starts;
 *   - a program of the user's (--xdp-prog: libxdp's own xsk_def_xdp_prog.o
 *     where libxdp is installed, an object with an XSKMAP) steers the
 *     frames, and it too goes with a kill -9, bpffs mounted or not; with
 *     --xdp-multiprog it goes through libxdp's dispatcher, and a clean stop
 *     leaves nothing.
 * Skips (77) when the kernel refuses AF_XDP or BPF here.
 */
#include <signal.h>
#include "e2e.h"
#if __has_include(<bpf/bpf.h>)
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#define HAVE_BPF 1
#endif

#define RESTARTS	20

static struct e2e_topo t = { .driver = "afxdp" };

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
static char tool[4096], stat_tool[4096];

static void fwd_args(char *args, size_t len)
{
	snprintf(args, len, "--driver afxdp --in %s --out %s --mode fwd --json", t.fwd_in,
		 t.fwd_out);
}

/* The first line of @log into @buf. */
static void first_line(const char *log, char *buf, size_t len)
{
	FILE *f = fopen(log, "r");

	buf[0] = '\0';
	if (f) {
		if (!fgets(buf, (int)len, f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
}

/* Whether @log has @needle (a fixed string). */
static bool log_has(const char *log, const char *needle)
{
	char line[4096];
	bool found = false;
	FILE *f = fopen(log, "r");

	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	if (f)
		fclose(f);
	return found;
}

/* Whether @ifname in F has an XDP program (ip shows "prog/xdp"). */
static bool has_xdp(const char *ifname)
{
	return e2e_sh_rc("ip -n %s link show dev %s | grep -q 'prog/xdp'", t.ns_f, ifname) == 0;
}

/* Host A's link: what its veth dropped on the way to the forwarder's port. */
static uint64_t a_drops(void)
{
	return e2e_link_drops(t.ns_a, t.if_a);
}

/*
 * 30 datagrams A -> B through the forwarder, every one intact. On failure,
 * what the running forwarder counted and the kernel's drops on each link.
 */
static bool udp_ok(int src, int rx)
{
	static const uint32_t lens[] = { 60, 700, 1400 };
	uint64_t d0 = a_drops();
	struct e2e_udp_result u = e2e_udp_run(src, rx, t.ip_b, E2E_PORT, 30, lens, 3, 1000);
	bool ok = u.received == u.sent && !u.corrupt;

	if (!ok) {
		uint64_t d1 = a_drops();
		char cmd[4200];

		fprintf(stderr, "UDP: sent %u received %u corrupt %u dup %u; link drops: A %llu "
			"(+%llu), %s %llu, %s %llu\n", u.sent, u.received, u.corrupt, u.dup,
			(unsigned long long)d1, (unsigned long long)(d1 - d0), t.fwd_in,
			(unsigned long long)e2e_link_drops(t.ns_f, t.fwd_in), t.fwd_out,
			(unsigned long long)e2e_link_drops(t.ns_f, t.fwd_out));
		snprintf(cmd, sizeof(cmd), "%s --pid %d --json >&2", stat_tool, (int)e2e_tool_pid);
		if (system(cmd) != 0)
			fprintf(stderr, "UDP: netpool-stat found no statistics of %d\n",
				(int)e2e_tool_pid);
	}
	return ok;
}

#ifdef HAVE_BPF
/* An XDP_PASS program named np_other attached to @ifname in F through netlink (generic mode). */
static int foreign_prog_attach(const char *ifname)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int self = netns_enter(t.ns_f), fd, err;

	CHECK(self >= 0);
	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "np_other", "GPL", insns, 2, NULL);
	err = fd < 0 ? fd : bpf_xdp_attach((int)if_nametoindex(ifname), fd, XDP_FLAGS_SKB_MODE,
					   NULL);
	CHECK_EQ(netns_leave(self), 0);
	if (fd >= 0)
		close(fd);	/* netlink holds it now */
	return err;
}
#endif

int main(int argc, char **argv)
{
	char log[128], log2[128], args[512], cmd[4800], line[1024], want[256];
	int pid = (int)getpid(), src, rx, rc;
	uint64_t t0, worst = 0;

	(void)argc;
	setvbuf(stdout, NULL, _IONBF, 0);
	e2e_require();
	if (!netns_have_ethtool())
		SKIP("ethtool is not installed (needed to turn veth checksum offload off)");
	t_tool_path(argv[0], "netpool-fwd", tool, sizeof(tool));
	t_tool_path(argv[0], "netpool-stat", stat_tool, sizeof(stat_tool));
	e2e_topo_names(&t, 'k', 204);
	e2e_veths(&t, 0, 0);
	CHECK_EQ(netns_offloads_off(t.ns_a, t.if_a), 0);
	CHECK_EQ(netns_offloads_off(t.ns_b, t.if_b), 0);
	e2e_hosts_config(&t, 0, 0, true);
	snprintf(log, sizeof(log), "/tmp/netpool-e2e-restart-%d.log", pid);
	snprintf(log2, sizeof(log2), "/tmp/netpool-e2e-restart2-%d.log", pid);
	src = e2e_socket_in(t.ns_a, AF_INET, SOCK_DGRAM, 0);
	rx = e2e_udp_bound(t.ns_b, t.ip_b, E2E_PORT);
	fwd_args(args, sizeof(args));

	/* kill -9 and start again at once, twenty times */
	for (int i = 0; i <= RESTARTS; i++) {
		t0 = mono_ns();
		e2e_tool_start(t.ns_f, tool, args, log);
		if (!e2e_tool_wait_ready(10000)) {
			first_line(log, line, sizeof(line));
			if (i == 0 && log_has(log, "cannot open afxdp")) {
				unlink(log);
				SKIP("the kernel refuses AF_XDP here: %s", line);
			}
			fprintf(stderr, "FAIL: start %d after kill -9: %s\n", i, line);
			e2e_dump(log);
			return 1;
		}
		worst = NP_MAX(worst, mono_ns() - t0);
		EXPECT(udp_ok(src, rx), "start %d: UDP did not pass", i);
		if (i == RESTARTS)
			break;
		e2e_tool_kill();
	}
	printf("%d kills and restarts: each start ready within %.0f ms, traffic through each\n",
	       RESTARTS, (double)worst / 1e6);

	/* a second process on the ports the running one holds: refused, the holder named */
	snprintf(cmd, sizeof(cmd), "%s %s", tool, args);
	{
		pid_t p2 = e2e_spawn_in(t.ns_f, cmd, log2);
		int st;

		CHECK_EQ(waitpid(p2, &st, 0), p2);
		netns_untrack_pid(p2);
		EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 1, "a second forwarder did not exit 1");
		snprintf(want, sizeof(want), "of process %d (netpool-fwd)", (int)e2e_tool_pid);
		EXPECT(log_has(log2, "already has an XDP program: 'np_xsk_redir'") &&
		       log_has(log2, want), "the refusal does not name the holder (%s)", want);
		if (e2e_fails)
			e2e_dump(log2);
	}
	/* the last one killed too: nothing left behind */
	e2e_tool_kill();
	EXPECT(!has_xdp(t.fwd_in) && !has_xdp(t.fwd_out), "an XDP program outlived kill -9");

#ifdef HAVE_BPF
	/* someone else's program, through netlink: named, with the command that removes it */
	rc = foreign_prog_attach(t.fwd_in);
	if (rc) {
		printf("cannot attach a program of our own through netlink (%s): that part "
		       "skipped\n", strerror(-rc));
	} else {
		char *q, *end;

		e2e_tool_start(t.ns_f, tool, args, log);
		while (e2e_tool_alive())
			t_sleep_ms(5);
		first_line(log, line, sizeof(line));
		snprintf(want, sizeof(want), "'ip link set dev %s xdpgeneric off'", t.fwd_in);
		EXPECT(log_has(log, "already has an XDP program: 'np_other'") &&
		       log_has(log, "attached through netlink") && log_has(log, want),
		       "the refusal does not name the program and its remedy: %s", line);
		EXPECT(has_xdp(t.fwd_in), "the other program was replaced or removed");
		/* the command the message gives, run where the interface is */
		q = strstr(line, "remove it with '");
		end = q ? strchr(q + 16, '\'') : NULL;
		if (q && end) {
			*end = '\0';
			EXPECT(e2e_sh_rc("ip netns exec %s %s", t.ns_f, q + 16) == 0,
			       "the suggested command failed: %s", q + 16);
		} else {
			EXPECT(false, "no command in the message: %s", line);
		}
		EXPECT(!has_xdp(t.fwd_in), "the suggested command left the program");
		e2e_tool_start(t.ns_f, tool, args, log);
		EXPECT(e2e_tool_wait_ready(10000), "no start once the interface was free");
		EXPECT(udp_ok(src, rx), "UDP did not pass after the other program went");
		rc = e2e_tool_stop();
		EXPECT(rc == 0, "netpool-fwd exited %d", rc);
		EXPECT(!has_xdp(t.fwd_in) && !has_xdp(t.fwd_out), "a program stayed after a stop");
	}
#else
	printf("no libbpf headers in this build: the foreign-program part skipped\n");
#endif

	/* the user's own program object */
	{
		static const char *const objs[] = {
			"/usr/lib/x86_64-linux-gnu/bpf/xsk_def_xdp_prog.o",
			"/usr/lib/aarch64-linux-gnu/bpf/xsk_def_xdp_prog.o",
			"/usr/lib64/bpf/xsk_def_xdp_prog.o", "/usr/lib/bpf/xsk_def_xdp_prog.o",
		};
		const char *obj = NULL;

		for (size_t i = 0; i < NP_ARRAY_SIZE(objs) && !obj; i++)
			if (!access(objs[i], R_OK))
				obj = objs[i];
		if (!obj) {
			printf("no xsk_def_xdp_prog.o (libxdp) here: the --xdp-prog part skipped\n");
		} else {
			char bpffs_tool[8800];

			snprintf(args + strlen(args), sizeof(args) - strlen(args), " --xdp-prog %s",
				 obj);
			/*
			 * bpffs mounted where it runs (ip netns exec gives it a
			 * mount namespace of its own): the program still goes
			 * through a BPF link unless --xdp-multiprog asks for
			 * libxdp's dispatcher
			 */
			snprintf(bpffs_tool, sizeof(bpffs_tool),
				 "sh -c 'mount -t bpf bpf /sys/fs/bpf && exec %s %s'", tool, args);
			e2e_tool_start(t.ns_f, bpffs_tool, "", log);
			EXPECT(e2e_tool_wait_ready(10000), "no start with --xdp-prog %s", obj);
			EXPECT(udp_ok(src, rx), "UDP did not pass with --xdp-prog %s", obj);
			EXPECT(e2e_sh_rc("ip -n %s link show dev %s | grep -q 'name xsk_def_prog'",
					 t.ns_f, t.fwd_in) == 0, "the user's program is not the one on %s",
			       t.fwd_in);
			e2e_tool_kill();
			EXPECT(!has_xdp(t.fwd_in) && !has_xdp(t.fwd_out),
			       "the user's program outlived kill -9 (bpffs mounted)");

			/* asked for: libxdp's dispatcher, gone after a clean stop */
			snprintf(bpffs_tool, sizeof(bpffs_tool),
				 "sh -c 'mount -t bpf bpf /sys/fs/bpf && exec %s %s --xdp-multiprog'",
				 tool, args);
			e2e_tool_start(t.ns_f, bpffs_tool, "", log);
			EXPECT(e2e_tool_wait_ready(10000), "no start with --xdp-multiprog");
			EXPECT(udp_ok(src, rx), "UDP did not pass with --xdp-multiprog");
			if (log_has(log, "dispatcher is not available")) {
				printf("libxdp's dispatcher is refused here: --xdp-multiprog fell back to "
				       "a BPF link\n");
			} else {
				EXPECT(e2e_sh_rc("ip -n %s link show dev %s | grep -q "
						 "'name xdp_dispatcher'", t.ns_f, t.fwd_in) == 0,
				       "--xdp-multiprog: no dispatcher on %s", t.fwd_in);
				printf("--xdp-multiprog: %s through libxdp's dispatcher\n", obj);
			}
			rc = e2e_tool_stop();
			EXPECT(rc == 0, "netpool-fwd --xdp-multiprog exited %d", rc);
			EXPECT(!has_xdp(t.fwd_in) && !has_xdp(t.fwd_out),
			       "a program stayed after a clean stop with --xdp-multiprog");
		}
	}
	close(src);
	close(rx);
	if (e2e_fails) {
		e2e_dump(log);
		return 1;
	}
	unlink(log);
	unlink(log2);
	printf("PASS\n");
	return 0;
}
