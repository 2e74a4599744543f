/* SPDX-License-Identifier: MIT */
/*
 * stat_opts.h - netpool-stat's command line, parsed into a struct stat_opts
 * (see netpool-stat(1), man/netpool-stat.1). Separate from the tool so the
 * parser can be tested and fuzzed: no exit(), nothing printed but the
 * bad-usage message; getopt_long()'s globals are reset on each call (not
 * thread-safe).
 */
#ifndef NETPOOL_STAT_OPTS_H
#define NETPOOL_STAT_OPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct stat_opts {
	pid_t pid;		/* 0: the one running netpool process */
	bool json, list;
	bool prune;		/* remove the objects of processes that are gone */
	double watch;		/* seconds; 0: once */
	uint64_t count;		/* watch reports; 0: unlimited */
};

/* stat_opts_parse() returned this: --help or -h was given (print the usage, exit 0). */
#define STAT_OPTS_HELP		1
/* stat_opts_parse() returned this: --version or -V was given (print it, exit 0). */
#define STAT_OPTS_VERSION	2

/**
 * stat_opts_parse() - parse argv[1..argc-1] into @o (zeroed first), with
 * getopt_long(): --opt=value or --opt value (--watch's optional value only
 * as --watch=SECS), unambiguous abbreviations, argv left in its order.
 * On bad usage writes "netpool-stat: <what is wrong>" and a pointer to
 * --help to @err.
 * Return: 0, STAT_OPTS_HELP or STAT_OPTS_VERSION (at the first --help/-h or
 * --version/-V, nothing written), or -EINVAL (bad usage: the tool exits 2).
 */
int stat_opts_parse(int argc, char *const *argv, struct stat_opts *o, FILE *err);

#endif /* NETPOOL_STAT_OPTS_H */
