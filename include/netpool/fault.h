/* SPDX-License-Identifier: MIT */
/*
 * netpool/fault.h - fault injection points built into each layer.
 *
 * Off by default and free when off: a point is tested only after one load of
 * a global mask. Each point can fail on the Nth call, on every Nth call, or at
 * a rate in parts per million; every injected failure is counted.
 *
 * The environment variable NETPOOL_FAULT configures points at start-up, e.g.
 *   NETPOOL_FAULT="page_alloc=nth:5,dma_map=ppm:10000,ring_produce=every:3"
 */
#ifndef NETPOOL_FAULT_H
#define NETPOOL_FAULT_H

#include "compiler.h"
#include "atomic.h"

NP_EXTERN_C_BEGIN

enum np_fault_point {
	NP_FAULT_PAGE_ALLOC = 0,	/* provider page allocation */
	NP_FAULT_DMA_MAP,		/* DMA mapping of a page */
	NP_FAULT_RING_PRODUCE,		/* return ring produce */
	NP_FAULT_DESC_POST,		/* driver posting an RX/TX descriptor */
	NP_FAULT_NR,
};

struct np_fault_spec {
	uint64_t nth;		/* fail exactly the nth call (1-based), 0: off */
	uint64_t every;		/* fail every nth call, 0: off */
	uint32_t ppm;		/* fail at this rate per million calls, 0: off */
	uint64_t seed;		/* random seed for ppm (0: fixed default) */
};

extern NP_API np_atomic_u32 np_fault_mask;
/**
 * np_fault_hit_slow() - the counting part of np_fault_hit(), for an armed point.
 * Context: any thread; atomics only, no lock. Called by np_fault_hit(), not directly.
 * Return: true when this call must fail.
 */
NP_API bool np_fault_hit_slow(enum np_fault_point point);

/**
 * np_fault_hit() - whether this call at @point must fail.
 * @point: a valid point below NP_FAULT_NR (not checked).
 * Context: any thread; one relaxed load when the point is off, atomics only when armed.
 * Return: true when the caller must fail as if the operation had failed, else false.
 */
NP_INLINE bool np_fault_hit(enum np_fault_point point)
{
	if (np_likely(!(NP_READ_ONCE(np_fault_mask) & (1u << point))))
		return false;
	return np_fault_hit_slow(point);
}

/**
 * np_fault_set() - arm (or with a zeroed or NULL spec, disarm) a point and
 * reset its counters.
 * @point: the point.
 * @spec: when and how often it fails; NULL disarms.
 * Context: any thread; atomics only, no lock. A thread hitting @point meanwhile
 * may see the old spec for that call.
 * Return: 0, or -EINVAL (unknown point, ppm above 1000000; nothing changed).
 */
NP_API int np_fault_set(enum np_fault_point point, const struct np_fault_spec *spec);
/**
 * np_fault_parse() - arm points from a NETPOOL_FAULT-style string
 * ("name=kind:value[,...]", kind nth, every or ppm, value 1.. (ppm up to
 * 1000000); entries for one point combine, the last of each kind counting).
 * @config: the string; points it does not name are left as they are.
 * Context: any thread (as np_fault_set()); also run at start-up for NETPOOL_FAULT.
 * Return: 0, or -EINVAL (@config NULL, empty or 256 characters or more, an
 * unknown point or kind, a missing or bad number, empty entries; nothing is
 * armed then).
 */
NP_API int np_fault_parse(const char *config);
/**
 * np_fault_injected() - failures injected at @point since it was last set.
 * Context: any thread; one atomic load.
 * Return: the count, or 0 for an unknown point.
 */
NP_API uint64_t np_fault_injected(enum np_fault_point point);
/**
 * np_fault_name() - the point's name as used in NETPOOL_FAULT.
 * Context: any thread.
 * Return: a static string, or NULL for an unknown point.
 */
NP_API const char *np_fault_name(enum np_fault_point point);
/**
 * np_fault_reset() - disarm every point and zero its counters.
 * Context: any thread (as np_fault_set()).
 */
NP_API void np_fault_reset(void);

NP_EXTERN_C_END

#endif /* NETPOOL_FAULT_H */
