/* SPDX-License-Identifier: MIT */
/* Command-line helpers the netpool tools share: the bad-usage message and number parsing. */
#ifndef NETPOOL_TOOLUTIL_H
#define NETPOOL_TOOLUTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* "PROG: <message>" and a pointer to --help on @f. Return: 2, the usage exit status. */
__attribute__((format(printf, 3, 0))) static inline int np_tool_bad_usage_to(FILE *f,
									     const char *prog,
									     const char *fmt,
									     const char *arg)
{
	fprintf(f, "%s: ", prog);
	fprintf(f, fmt, arg);
	fprintf(f, "\ntry '%s --help'\n", prog);
	return 2;
}

/* The same on stderr. */
__attribute__((format(printf, 2, 0))) static inline int np_tool_bad_usage(const char *prog,
									  const char *fmt,
									  const char *arg)
{
	return np_tool_bad_usage_to(stderr, prog, fmt, arg);
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
