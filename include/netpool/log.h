/* SPDX-License-Identifier: MIT */
/*
 * netpool/log.h - the library's only output channel.
 *
 * netpool prints nothing unless asked: messages (warnings about stalled pool
 * destruction, DMA API violations, debug reports) go to a print callback that
 * is unset by default.
 */
#ifndef NETPOOL_LOG_H
#define NETPOOL_LOG_H

#include <stdarg.h>
#include "compiler.h"

enum np_log_level {
	NP_LOG_ERROR = 0,
	NP_LOG_WARN,
	NP_LOG_INFO,
	NP_LOG_DEBUG,
};

typedef int (*np_print_fn_t)(enum np_log_level level, const char *fmt, va_list ap);

/**
 * np_set_print() - install the print callback.
 * @fn: the new callback, or NULL to silence the library.
 *
 * Context: any thread; takes effect for messages issued after it returns.
 * Return: the previous callback.
 */
NP_API np_print_fn_t np_set_print(np_print_fn_t fn);

/**
 * np_print_stderr() - a ready-made callback printing WARN and above to stderr.
 */
NP_API int np_print_stderr(enum np_log_level level, const char *fmt, va_list ap);

#endif /* NETPOOL_LOG_H */
