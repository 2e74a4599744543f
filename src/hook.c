/* SPDX-License-Identifier: MIT */
/* Test hooks (hook.h): present in debug builds only. */
#include <errno.h>
#include "hook.h"

#if NP_DEBUG >= 1
_Atomic(np_hook_fn) np_hooks[NP_HOOK_NR];
#endif

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
