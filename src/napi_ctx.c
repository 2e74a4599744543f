/* SPDX-License-Identifier: MIT */
/* The thread's current NAPI context: what makes direct recycling legal. */
#include "internal.h"
#include "netpool/napi_ctx.h"
#include "netpool/atomic.h"

_Thread_local struct np_napi_ctx *np_tls_napi_current;

static np_atomic_u32 np_napi_next_id = 1;

int np_napi_ctx_init(struct np_napi_ctx *ctx)
{
	if (!ctx)
		return -EINVAL;
	ctx->id = atomic_fetch_add(&np_napi_next_id, 1);
	ctx->reserved = 0;
	return 0;
}
