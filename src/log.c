/* SPDX-License-Identifier: MIT */
/* The print callback: the only way the library talks. */
#include <stdio.h>
#include <stdlib.h>
#include "internal.h"

static _Atomic(np_print_fn_t) np_print_fn;

np_print_fn_t np_set_print(np_print_fn_t fn)
{
	return atomic_exchange(&np_print_fn, fn);
}

int np_print_stderr(enum np_log_level level, const char *fmt, va_list ap)
{
	if (level > NP_LOG_WARN)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void np_log(enum np_log_level level, const char *fmt, ...)
{
	np_print_fn_t fn = atomic_load(&np_print_fn);
	va_list ap;

	if (!fn)
		return;
	va_start(ap, fmt);
	fn(level, fmt, ap);
	va_end(ap);
}

void np_assert_fail(const char *expr, const char *file, int line, const char *func)
{
	fprintf(stderr, "netpool: assertion '%s' failed at %s:%d in %s()\n", expr, file, line, func);
	fflush(stderr);
	abort();
}

void np_die(const char *fmt, ...)
{
	np_print_fn_t fn = atomic_load(&np_print_fn);
	va_list ap;

	va_start(ap, fmt);
	if (fn)
		fn(NP_LOG_ERROR, fmt, ap);
	else
		vfprintf(stderr, fmt, ap);	/* about to abort: say why */
	va_end(ap);
	fflush(stderr);
	abort();
}
