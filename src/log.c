/* SPDX-License-Identifier: MIT */
/* The print callback: the only way the library talks. */
#include <execinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "internal.h"
#include "netpool/atomic.h"
#include "netpool/log.h"

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

_Thread_local const struct np_call_site *np_tls_call_site;

void np_misuse(const char *check, const char *fmt, ...)
{
	const struct np_call_site *site = np_tls_call_site;
	void *frames[32];
	va_list ap;
	int n;

	/* straight to stderr: the process is about to abort, a print callback may not return */
	fprintf(stderr, "netpool: misuse: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n  caught by %s\n", check);
	if (site)
		fprintf(stderr, "  in %s() called at %s:%d in %s()\n", site->api, site->file,
			site->line, site->func);
	else
		fprintf(stderr, "  call site not recorded (build the caller with NP_DEBUG >= 1)\n");
	fprintf(stderr, "  backtrace:\n");
	fflush(stderr);
	n = backtrace(frames, (int)NP_ARRAY_SIZE(frames));
	backtrace_symbols_fd(frames, n, STDERR_FILENO);
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
