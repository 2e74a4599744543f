/* SPDX-License-Identifier: MIT */
/*
 * Command-line helpers the netpool tools share: the bad-usage message, the
 * messages for what getopt_long() refuses, --version, and number parsing.
 */
#ifndef NETPOOL_TOOLUTIL_H
#define NETPOOL_TOOLUTIL_H

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "netpool/version.h"

/* "PROG: <message>" and a pointer to --help on @f. */
__attribute__((format(printf, 3, 0))) static inline void np_tool_vbad_usage_to(FILE *f,
									       const char *prog,
									       const char *fmt,
									       va_list ap)
{
	fprintf(f, "%s: ", prog);
	vfprintf(f, fmt, ap);
	fprintf(f, "\ntry '%s --help'\n", prog);
}

/* The same with the arguments. Return: 2, the usage exit status. */
__attribute__((format(printf, 3, 4))) static inline int np_tool_bad_usage_to(FILE *f,
									     const char *prog,
									     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	np_tool_vbad_usage_to(f, prog, fmt, ap);
	va_end(ap);
	return 2;
}

/* "PROG (netpool) X.Y.Z": the library the tool runs with. */
static inline void np_tool_version(FILE *f, const char *prog)
{
	fprintf(f, "%s (netpool) %s\n", prog, np_version(NULL, NULL, NULL));
}

/*
 * getopt_long() keeps its scan in globals: start a fresh one (glibc: optind
 * 0 also forgets what it kept of an earlier argv), with its own messages off
 * (the tools write theirs, on the stream they are given). Every parser
 * starts with this, so it can be called again, on another argv too; the
 * parsers are not thread-safe.
 */
static inline void np_tool_getopt_reset(void)
{
	optind = 0;
	opterr = 0;
	optopt = 0;
	optarg = NULL;
}

/* The long option whose value is @val, NULL: none. */
static inline const struct option *np_tool_opt_by_val(const struct option *opts, int val)
{
	for (; opts->name; opts++)
		if (opts->val == val)
			return opts;
	return NULL;
}

/*
 * What getopt_long() refused (@c: '?', or ':' for a missing value with an
 * optstring that starts with ':'), as a bad-usage message on @err. A long
 * option it could not place (optopt 0) is argv[optind - 1]: unknown, or an
 * abbreviation of several (named). Return: -EINVAL.
 */
static inline int np_tool_getopt_bad(FILE *err, const char *prog, const struct option *opts,
				     int c, char *const *argv)
{
	const char *word = optind > 0 ? argv[optind - 1] : "";
	const struct option *o = optopt ? np_tool_opt_by_val(opts, optopt) : NULL;
	char cands[512] = "";
	size_t len, n = 0, used = 0;

	if (c == ':') {
		if (o)
			np_tool_bad_usage_to(err, prog, "--%s needs a value", o->name);
		else
			np_tool_bad_usage_to(err, prog, "-%c needs a value", optopt);
		return -EINVAL;
	}
	if (optopt) {
		/* a known long option given a value it does not take, or an unknown letter */
		if (o && !strncmp(word, "--", 2))
			np_tool_bad_usage_to(err, prog, "--%s takes no value", o->name);
		else if (optopt > 0 && optopt < 0x7f && optopt > 0x20)
			np_tool_bad_usage_to(err, prog, "unknown option '-%c'", optopt);
		else
			np_tool_bad_usage_to(err, prog, "unknown option '%s'", word);
		return -EINVAL;
	}
	if (strncmp(word, "--", 2)) {
		np_tool_bad_usage_to(err, prog, "unknown option '%s'", word);
		return -EINVAL;
	}
	len = strcspn(word + 2, "=");
	for (const struct option *p = opts; p->name; p++) {
		if (strncmp(p->name, word + 2, len))
			continue;
		n++;
		if (used + strlen(p->name) + 5 < sizeof(cands))
			used += (size_t)snprintf(cands + used, sizeof(cands) - used, "%s--%s",
						 used ? ", " : "", p->name);
	}
	if (n > 1)
		np_tool_bad_usage_to(err, prog, "ambiguous option '%.*s' (%s)", (int)len + 2, word,
				     cands);
	else
		np_tool_bad_usage_to(err, prog, "unknown option '%s'", word);
	return -EINVAL;
}

/* A decimal number of at most @max, digits only (no sign, no trailing text). */
static inline bool np_tool_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

#endif /* NETPOOL_TOOLUTIL_H */
