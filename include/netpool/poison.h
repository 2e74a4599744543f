/* SPDX-License-Identifier: MIT */
/*
 * netpool/poison.h - every poison value in one place.
 *
 * With NP_DEBUG >= 1 a page is filled with NP_POISON_RECYCLED while it sits in
 * a pool (alloc cache or return ring) and checked when it leaves: a write in
 * between is a use after recycle, reported with the page and the pool. Under
 * AddressSanitizer the same pages are also poisoned for the sanitizer, which
 * reports the faulting access itself.
 */
#ifndef NETPOOL_POISON_H
#define NETPOOL_POISON_H

#define NP_POISON_RECYCLED	0x6bu	/* page idle in a pool */
#define NP_POISON_FREED_SMALL	0x5au	/* freed small object (debug) */

#endif /* NETPOOL_POISON_H */
