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

NP_EXTERN_C_BEGIN

enum np_log_level {
	NP_LOG_ERROR = 0,
	NP_LOG_WARN,
	NP_LOG_INFO,
	NP_LOG_DEBUG,
};

typedef int (*np_print_fn_t)(enum np_log_level level, const char *fmt, va_list ap);

/**
 * np_set_print() - install the print callback.
 * @fn: the new callback, or NULL to silence the library. The library calls it from
 *   whichever of its threads has something to say (a poll, a destroy retry, the
 *   statistics publisher), so it must be thread-safe.
 *
 * Context: any thread; one atomic exchange, no lock, does not sleep. Takes effect
 * for messages issued after it returns.
 * Return: the previous callback.
 */
NP_API np_print_fn_t np_set_print(np_print_fn_t fn);

/**
 * np_print_stderr() - a ready-made callback printing WARN and above to stderr.
 * @level: the message's level; INFO and DEBUG are dropped.
 * @fmt: printf format.
 * @ap: its arguments.
 *
 * Context: any thread (stdio locks the stream); meant to be handed to np_set_print().
 * Return: the characters written (0 for a dropped level), or negative on an output error.
 */
NP_API int np_print_stderr(enum np_log_level level, const char *fmt, va_list ap);

NP_EXTERN_C_END

#endif /* NETPOOL_LOG_H */
