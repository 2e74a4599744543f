/* SPDX-License-Identifier: MIT */
/*
 * netpool.h - umbrella header: page provider, DMA layer, return ring,
 * page_pool, statistics, fault injection, the print callback, skbs, NAPI,
 * the netdev and the vnic driver.
 */
#ifndef NETPOOL_H
#define NETPOOL_H

#include "netpool/compiler.h"
#include "netpool/atomic.h"
#include "netpool/log.h"
#include "netpool/poison.h"
#include "netpool/fault.h"
#include "netpool/page.h"
#include "netpool/dma.h"
#include "netpool/ring.h"
#include "netpool/napi_ctx.h"
#include "netpool/stats.h"
#include "netpool/pool.h"
#include "netpool/skb.h"
#include "netpool/napi.h"
#include "netpool/dev.h"
#include "netpool/vnic.h"
#include "netpool/afxdp.h"
#include "netpool/tap.h"
#include "netpool/stack.h"
#include "netpool/export.h"

#define NETPOOL_VERSION_MAJOR	0
#define NETPOOL_VERSION_MINOR	1

#endif /* NETPOOL_H */
