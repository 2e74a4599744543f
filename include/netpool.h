/* SPDX-License-Identifier: MIT */
/*
 * netpool.h - umbrella header: page provider, DMA layer, return ring,
 * page_pool, statistics, fault injection, the print callback, skbs, NAPI,
 * the netdev, its drivers (vnic, AF_XDP, TAP, null), the stack pieces and the
 * statistics export.
 *
 * Which thread may call what is the library's central contract; each entry
 * point's comment says it on its Context: line, in these terms:
 *   the owner      the thread polling a pool's napi (for a pool without a napi,
 *                  the one thread that drives it): allocation, direct
 *                  recycling, destroy; no lock or atomic on a cache hit.
 *   a queue's      inside that queue's napi (np_netdev_poll() or the queue's
 *   poll           thread): receive, RX drops, a GRO context, a receive queue.
 *   the holder     of an skb: an skb has no lock, one thread works on it at a time.
 *   the control    the one thread that opens, starts, stops, closes and destroys
 *   thread         a netdev; never a poll (it joins the queue threads).
 *   any thread     with the locks it takes named, or lock-free.
 *   not a signal   per-thread caches (skb structs, page fragments) and a
 *   handler        thread's own return lanes must not be re-entered.
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
#include "netpool/null.h"
#include "netpool/csum.h"
#include "netpool/stack.h"
#include "netpool/export.h"
#include "netpool/version.h"

#endif /* NETPOOL_H */
