/* SPDX-License-Identifier: MIT */
/* netpool-stat's option parser (see stat_opts.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "toolutil.h"
#include "stat_opts.h"

__attribute__((format(printf, 2, 3))) static int bad_usage(FILE *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	np_tool_vbad_usage_to(err, "netpool-stat", fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool parse_secs(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !(v >= 0.01) || v > 86400)
		return false;
	*out = v;
	return true;
}

enum stat_opt { O_PID = 256, O_JSON, O_WATCH, O_COUNT, O_LIST, O_PRUNE };

static const struct option stat_longopts[] = {
	{ "pid", required_argument, NULL, O_PID },
	{ "json", no_argument, NULL, O_JSON },
	{ "watch", optional_argument, NULL, O_WATCH },
	{ "count", required_argument, NULL, O_COUNT },
	{ "list", no_argument, NULL, O_LIST },
	{ "prune", no_argument, NULL, O_PRUNE },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

int stat_opts_parse(int argc, char *const *argv, struct stat_opts *o, FILE *err)
{
	bool counted = false;
	int c, last = 0;
	uint64_t v;

	*o = (struct stat_opts){ 0 };
	np_tool_getopt_reset();
	/* '+': no reordering of argv, the first word that is no option ends them */
	while ((c = getopt_long(argc, argv, "+:hV", stat_longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return STAT_OPTS_HELP;
		case 'V':
			return STAT_OPTS_VERSION;
		case '?':
		case ':':
			return np_tool_getopt_bad(err, "netpool-stat", stat_longopts, c, argv);
		case O_JSON:
			o->json = true;
			break;
		case O_LIST:
			o->list = true;
			break;
		case O_PRUNE:
			o->prune = true;
			break;
		case O_WATCH:
			o->watch = 1.0;
			if (optarg && !parse_secs(optarg, &o->watch))
				return bad_usage(err, "bad --watch value '%s' (seconds, 0.01..86400)",
						 optarg);
			break;
		case O_PID:
			if (!np_tool_parse_u64(optarg, 0x7fffffff, &v) || !v)
				return bad_usage(err, "bad --pid value '%s'", optarg);
			o->pid = (pid_t)v;
			break;
		case O_COUNT:
			if (!np_tool_parse_u64(optarg, UINT64_MAX, &o->count) || !o->count)
				return bad_usage(err, "bad --count value '%s' (1 or more)", optarg);
			counted = true;
			break;
		}
		last = c;
	}
	if (optind < argc) {
		/* an optional value is only ever --watch=SECS: a word after --watch is not it */
		if (last == O_WATCH && !strchr(argv[optind - 1], '='))
			return bad_usage(err, "unexpected argument '%s' (an interval is written "
					      "--watch=SECS)", argv[optind]);
		return bad_usage(err, "unexpected argument '%s' (netpool-stat takes options only)",
				 argv[optind]);
	}
	if (counted && !o->watch)
		return bad_usage(err, "%s", "--count needs --watch");
	if (o->list && (o->pid || o->watch || o->prune))
		return bad_usage(err, "%s", "--list takes no --pid, --watch or --prune");
	if (o->prune && o->watch)
		return bad_usage(err, "%s", "--prune takes no --watch");
	return 0;
}
