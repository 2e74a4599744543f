/* SPDX-License-Identifier: MIT */
/* NAPI: one poll with a budget, run inside the napi's context. */
#include <string.h>
#include "internal.h"
#include "netpool/napi.h"

int np_napi_init(struct np_napi *napi, np_napi_poll_fn poll, int weight, void *priv)
{
	if (!napi || !poll || weight < 0)
		return -EINVAL;
	memset(napi, 0, sizeof(*napi));
	np_napi_ctx_init(&napi->ctx);
	napi->poll = poll;
	napi->weight = weight ? weight : NP_NAPI_WEIGHT;
	napi->priv = priv;
	return 0;
}

int np_napi_poll(struct np_napi *napi)
{
	struct np_napi_ctx *prev;
	int work;

	NP_MISUSE_IF(!napi || !napi->poll, "np_napi_poll", "poll of napi %p: NULL or not "
		     "initialised (np_napi_init())", (void *)napi);
	prev = np_napi_ctx_enter(&napi->ctx);
	work = napi->poll(napi, napi->weight);
	np_napi_ctx_leave(prev);
	NP_MISUSE_IF(work < 0 || work > napi->weight, "np_napi_poll", "napi %u: the poll "
		     "returned %d, outside 0..%d (its budget)", napi->ctx.id, work, napi->weight);
	np_stat_inc_owner(napi->polls);
	np_stat_add_owner(napi->work, (uint64_t)work);
	if (work >= napi->weight)
		np_stat_inc_owner(napi->full);
	return work;
}
