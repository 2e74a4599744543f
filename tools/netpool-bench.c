/* SPDX-License-Identifier: MIT */
/*
 * netpool-bench - netpool's benchmarks.
 *
 *   netpool-bench pool [--json] [--runs N] [--quick]
 *   netpool-bench skb [--json] [--runs N] [--quick]
 *   netpool-bench fwd [--json] [--runs N] [--quick]
 *   netpool-bench --help
 *
 * Each subcommand prints in-run baselines and peers first, then netpool's
 * paths, as a table or (--json) one JSON object per line.
 * Exit: 0 done, 1 a benchmark failed (leak, allocation failure), 2 bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netpool.h"
#include "toolutil.h"
#include "bench.h"

struct bench_cmd {
	const char *name;
	const char *summary;
	int (*run)(const struct np_bench_opts *opts);
};

static const struct bench_cmd bench_cmds[] = {
	{ "pool", "page_pool fast, ring, slow, bulk and cross-thread paths vs rte_mempool",
	  np_bench_pool_main },
	{ "skb", "skb RX lifecycle with and without recycling, clone, coalesce, GRO vs rte_mbuf",
	  np_bench_skb_main },
	{ "fwd", "vnic forwarding Mpps on one and two cores, with and without recycling, vs testpmd",
	  np_bench_fwd_main },
	{ "tap", "iperf3 TCP through netpool-fwd on TAP (offloads, AF_XDP) vs a kernel bridge",
	  np_bench_tap_main },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: netpool-bench SUBCOMMAND [--json] [--runs N] [--quick]\n"
		   "       netpool-bench --help\n\nsubcommands:\n");
	for (size_t i = 0; i < NP_ARRAY_SIZE(bench_cmds); i++)
		fprintf(f, "  %-8s %s\n", bench_cmds[i].name, bench_cmds[i].summary);
	fprintf(f, "\noptions:\n"
		   "  --json     one JSON object per line instead of a table\n"
		   "  --runs N   timed repetitions per benchmark, median reported "
		   "(default %d, %d..%d)\n"
		   "  --quick    iteration counts / 10 (smoke test)\n"
		   "  --help     this text\n",
		NP_BENCH_RUNS_DEFAULT, NP_BENCH_RUNS_MIN, NP_BENCH_RUNS_MAX);
}

static int bad_usage(const char *fmt, const char *arg)
{
	return np_tool_bad_usage("netpool-bench", fmt, arg);
}

static int parse_runs(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < NP_BENCH_RUNS_MIN || v > NP_BENCH_RUNS_MAX)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

int main(int argc, char **argv)
{
	struct np_bench_opts opts = { .runs = NP_BENCH_RUNS_DEFAULT };
	const struct bench_cmd *cmd = NULL;
	int i;

	if (argc < 2)
		return bad_usage("%s", "missing subcommand");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	for (size_t k = 0; k < NP_ARRAY_SIZE(bench_cmds); k++)
		if (!strcmp(argv[1], bench_cmds[k].name))
			cmd = &bench_cmds[k];
	if (!cmd)
		return bad_usage(argv[1][0] == '-' ? "unknown option '%s'" :
				 "unknown subcommand '%s'", argv[1]);

	for (i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--json")) {
			opts.json = true;
		} else if (!strcmp(a, "--quick")) {
			opts.quick = true;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--runs")) {
			if (i + 1 >= argc)
				return bad_usage("%s", "--runs needs a number");
			if (parse_runs(argv[++i], &opts.runs))
				return bad_usage("bad --runs value '%s'", argv[i]);
		} else if (!strncmp(a, "--runs=", 7)) {
			if (parse_runs(a + 7, &opts.runs))
				return bad_usage("bad --runs value '%s'", a + 7);
		} else {
			return bad_usage("unknown option '%s'", a);
		}
	}

	np_set_print(np_print_stderr);
	opts.tsc_ghz = np_bench_tsc_calibrate();
	return cmd->run(&opts);
}
