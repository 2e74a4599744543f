/* SPDX-License-Identifier: MIT */
/*
 * netpool-bench - netpool's benchmarks.
 *
 *   netpool-bench pool|skb|fwd|tap [--json] [--runs N] [--quick]
 *   netpool-bench --help | --version
 *
 * Each subcommand prints in-run baselines and peers first, then netpool's
 * paths, as a table or (--json) one JSON object per line. The manual is
 * man/netpool-bench.1 (netpool-bench(1)).
 * Exit: 0 done, 1 a benchmark failed (leak, allocation failure), 2 bad usage.
 */
#include <errno.h>
#include <stdarg.h>
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
	{ "fwd", "null and vnic forwarding Mpps, with and without recycling, vs testpmd; AF_XDP, TAP",
	  np_bench_fwd_main },
	{ "tap", "iperf3 TCP through netpool-fwd on TAP (offloads, AF_XDP) vs a kernel bridge",
	  np_bench_tap_main },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: netpool-bench SUBCOMMAND [--json] [--runs N] [--quick]\n"
		   "       netpool-bench --help | --version\n"
		   "netpool's benchmarks, with in-run baselines and DPDK peers; see "
		   "netpool-bench(1).\n\nsubcommands:\n");
	for (size_t i = 0; i < NP_ARRAY_SIZE(bench_cmds); i++)
		fprintf(f, "  %-8s %s\n", bench_cmds[i].name, bench_cmds[i].summary);
	fprintf(f, "\noptions (--opt=VALUE or --opt VALUE, abbreviations too):\n"
		   "  --json         one JSON object per line instead of a table\n"
		   "  --runs N       timed repetitions per benchmark, median reported "
		   "(default %d, %d..%d)\n"
		   "  --quick        iteration counts / 10 (smoke test)\n"
		   "  -h, --help     this text\n"
		   "  -V, --version  the version, and exit\n",
		NP_BENCH_RUNS_DEFAULT, NP_BENCH_RUNS_MIN, NP_BENCH_RUNS_MAX);
}

__attribute__((format(printf, 1, 2))) static int bad_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	np_tool_vbad_usage_to(stderr, "netpool-bench", fmt, ap);
	va_end(ap);
	return 2;
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

enum bench_opt { O_JSON = 256, O_RUNS, O_QUICK };

static const struct option bench_longopts[] = {
	{ "json", no_argument, NULL, O_JSON },
	{ "runs", required_argument, NULL, O_RUNS },
	{ "quick", no_argument, NULL, O_QUICK },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	struct np_bench_opts opts = { .runs = NP_BENCH_RUNS_DEFAULT };
	const struct bench_cmd *cmd = NULL;
	int c;

	np_tool_getopt_reset();
	/* the subcommand and the options in any order (getopt_long moves the options first) */
	while ((c = getopt_long(argc, argv, ":hV", bench_longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			np_tool_version(stdout, "netpool-bench");
			return 0;
		case O_JSON:
			opts.json = true;
			break;
		case O_QUICK:
			opts.quick = true;
			break;
		case O_RUNS:
			if (parse_runs(optarg, &opts.runs))
				return bad_usage("bad --runs value '%s' (%d..%d)", optarg,
						 NP_BENCH_RUNS_MIN, NP_BENCH_RUNS_MAX);
			break;
		default:
			np_tool_getopt_bad(stderr, "netpool-bench", bench_longopts, c, argv);
			return 2;
		}
	}
	if (optind >= argc)
		return bad_usage("%s", "missing subcommand (pool, skb, fwd or tap)");
	for (size_t k = 0; k < NP_ARRAY_SIZE(bench_cmds); k++)
		if (!strcmp(argv[optind], bench_cmds[k].name))
			cmd = &bench_cmds[k];
	if (!cmd)
		return bad_usage("unknown subcommand '%s' (pool, skb, fwd or tap)", argv[optind]);
	if (optind + 1 < argc)
		return bad_usage("unexpected argument '%s' (one subcommand at a time)",
				 argv[optind + 1]);

	np_set_print(np_print_stderr);
	opts.tsc_ghz = np_bench_tsc_calibrate();
	return cmd->run(&opts);
}
