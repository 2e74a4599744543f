/* SPDX-License-Identifier: MIT */
/*
 * Test hooks (hook.h): the table the hook points read, present in debug
 * builds only. np_hook_set(), which fills it, is a test's call and lives in
 * the test archive (hook_inject.c).
 */
#include "hook.h"

#if NP_DEBUG >= 1
_Atomic(np_hook_fn) np_hooks[NP_HOOK_NR];
#endif
