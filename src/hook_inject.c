/* SPDX-License-Identifier: MIT */
/*
 * np_hook_set() (hook.h): a test puts its code at a hook point. Built into
 * libnetpool_test.a only, never into the library, which holds just the
 * points and their table (hook.c).
 */
#include <errno.h>
#include "hook.h"

int np_hook_set(enum np_hook_point point, np_hook_fn fn)
{
	if ((unsigned)point >= NP_HOOK_NR)
		return -EINVAL;
#if NP_DEBUG >= 1
	atomic_store_explicit(&np_hooks[point], fn, memory_order_release);
	return 0;
#else
	(void)fn;
	return -EOPNOTSUPP;
#endif
}
