/* SPDX-License-Identifier: MIT */
/* netpool-stat's option parser (see stat_opts.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "toolutil.h"
#include "stat_opts.h"

__attribute__((format(printf, 2, 0))) static int bad_usage(FILE *err, const char *fmt,
							    const char *arg)
{
	np_tool_bad_usage_to(err, "netpool-stat", fmt, arg);
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

int stat_opts_parse(int argc, char *const *argv, struct stat_opts *o, FILE *err)
{
	bool counted = false;
	uint64_t v;

	*o = (struct stat_opts){ 0 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *eq = strchr(a, '=');
		size_t alen = eq ? (size_t)(eq - a) : strlen(a);
		const char *val = eq ? eq + 1 : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			return STAT_OPTS_HELP;
		} else if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "--list")) {
			o->list = true;
		} else if (!strncmp(a, "--watch", alen) && alen == 7) {
			o->watch = 1.0;
			if (val && !parse_secs(val, &o->watch))
				return bad_usage(err, "bad --watch value '%s' (seconds, 0.01..86400)",
						 val);
		} else if ((!strncmp(a, "--pid", alen) && alen == 5) ||
			   (!strncmp(a, "--count", alen) && alen == 7)) {
			char name[8];

			snprintf(name, sizeof(name), "%.*s", (int)alen, a);
			if (!val) {
				if (i + 1 >= argc)
					return bad_usage(err, "%s needs a value", name);
				val = argv[++i];
			}
			if (!strcmp(name, "--pid")) {
				if (!np_tool_parse_u64(val, 0x7fffffff, &v) || !v)
					return bad_usage(err, "bad --pid value '%s'", val);
				o->pid = (pid_t)v;
			} else {
				if (!np_tool_parse_u64(val, UINT64_MAX, &o->count) || !o->count)
					return bad_usage(err, "bad --count value '%s'", val);
				counted = true;
			}
		} else {
			return bad_usage(err, "unknown option '%s'", a);
		}
	}
	if (counted && !o->watch)
		return bad_usage(err, "%s", "--count needs --watch");
	if (o->list && (o->pid || o->watch))
		return bad_usage(err, "%s", "--list takes no --pid or --watch");
	return 0;
}
