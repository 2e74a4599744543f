/* SPDX-License-Identifier: MIT */
/*
 * netpool/ring.h - bounded multi-producer / single-consumer ring of pointers.
 *
 * The return path of a page_pool: any thread produces, the pool's owner
 * consumes. Producers reserve slots by compare-and-swap on prod_head, fill
 * them, then publish in reservation order through prod_tail (release). The
 * consumer reads up to prod_tail (acquire) and frees the slots by advancing
 * cons_tail (release). Indexes are 64-bit and never wrap in practice, so
 * prod_tail also counts every object ever produced.
 *
 * Producer and consumer state sit on separate cache lines; each side keeps a
 * cached copy of the other side's index so the shared line is read only when
 * the cached value says the ring looks full (producer) or empty (consumer).
 */
#ifndef NETPOOL_RING_H
#define NETPOOL_RING_H

#include <sched.h>
#include "compiler.h"
#include "atomic.h"

NP_EXTERN_C_BEGIN

struct np_ring {
	/* producers */
	NP_CACHE_ALIGNED np_atomic_u64 prod_head;
	np_atomic_u64 prod_tail;
	np_atomic_u64 prod_cons_cache;	/* producers' last view of cons_tail */
	/* consumer */
	NP_CACHE_ALIGNED np_atomic_u64 cons_tail;
	uint64_t cons_prod_cache;	/* consumer's last view of prod_tail */
	/* read-only after init */
	NP_CACHE_ALIGNED uint32_t size;
	uint32_t mask;
	void **slots;
};

/**
 * np_ring_init() - set up @ring for @size objects (rounded up to a power of two).
 * @ring: the ring to set up (its memory is the caller's).
 * @size: capacity wanted, 1..2^24.
 * Context: any thread, before any other thread can see @ring; allocates (calloc).
 * Return: 0, -EINVAL (@ring NULL, @size 0 or above 2^24; @ring untouched), -ENOMEM.
 */
NP_API int np_ring_init(struct np_ring *ring, unsigned size);
/**
 * np_ring_cleanup() - free the slots. The ring must be empty or its objects
 * owned elsewhere. Nothing happens for a NULL @ring.
 * @ring: the ring, or NULL.
 * Context: any thread, once no producer or consumer uses @ring any more.
 */
NP_API void np_ring_cleanup(struct np_ring *ring);

/**
 * np_ring_produce_bulk() - append up to @n objects.
 * @ring: the ring.
 * @objs: the objects; a prefix of them is appended.
 * @n: how many @objs holds.
 * Context: any thread, several at once; lock-free reservation, then it may spin
 * (and yield) until earlier producers have published. Not from a signal handler
 * that may interrupt a producer of the same ring.
 * Return: how many of @objs (a prefix) were appended; fewer than @n when full.
 */
NP_INLINE unsigned np_ring_produce_bulk(struct np_ring *ring, void *const *objs, unsigned n)
{
	uint64_t head = atomic_load_explicit(&ring->prod_head, memory_order_relaxed);
	uint64_t cons;
	unsigned i, spins = 0;

	if (np_unlikely(!n))
		return 0;
	for (;;) {
		unsigned want = n;
		uint64_t used;

		cons = atomic_load_explicit(&ring->prod_cons_cache, memory_order_acquire);
		used = head - cons;
		if (np_unlikely(used + want > ring->size)) {
			cons = atomic_load_explicit(&ring->cons_tail, memory_order_acquire);
			atomic_store_explicit(&ring->prod_cons_cache, cons, memory_order_release);
			used = head - cons;
			if (np_unlikely(used > ring->size)) {
				/* head went stale while others produced and the consumer ran */
				head = atomic_load_explicit(&ring->prod_head, memory_order_relaxed);
				continue;
			}
			if (used == ring->size)
				return 0;
			if (used + want > ring->size)
				want = (unsigned)(ring->size - used);
		}
		if (atomic_compare_exchange_weak_explicit(&ring->prod_head, &head, head + want,
							  memory_order_relaxed,
							  memory_order_relaxed)) {
			n = want;
			break;
		}
	}
	/*
	 * The acquire of cons_tail, direct or through the release/acquire pair on
	 * prod_cons_cache, orders these slot writes after the consumer's reads.
	 */
	for (i = 0; i < n; i++)
		ring->slots[(head + i) & ring->mask] = objs[i];

	/* publish in reservation order */
	while (atomic_load_explicit(&ring->prod_tail, memory_order_acquire) != head) {
		if (++spins < 128)
			np_cpu_relax();
		else
			sched_yield();
	}
	atomic_store_explicit(&ring->prod_tail, head + n, memory_order_release);
	return n;
}

/**
 * np_ring_produce() - append one object.
 * @ring: the ring.
 * @obj: the object (any pointer; NULL is stored too, but reads back as "empty" to
 *   np_ring_consume()).
 * Context: any thread, as np_ring_produce_bulk().
 * Return: 0, or -ENOBUFS when full.
 */
NP_INLINE int np_ring_produce(struct np_ring *ring, void *obj)
{
	return np_ring_produce_bulk(ring, &obj, 1) ? 0 : -105 /* -ENOBUFS */;
}

/**
 * np_ring_consume_bulk() - take up to @n objects, oldest first.
 * @ring: the ring.
 * @objs: where to store them.
 * @n: room in @objs.
 * Context: the ring's single consumer only (for a pool's return ring, the pool's
 * owner), one call at a time; lock-free, never waits.
 * Return: how many were stored in @objs (0 when empty).
 */
NP_INLINE unsigned np_ring_consume_bulk(struct np_ring *ring, void **objs, unsigned n)
{
	uint64_t cons = atomic_load_explicit(&ring->cons_tail, memory_order_relaxed);
	uint64_t avail = ring->cons_prod_cache - cons;
	unsigned i;

	if (avail < n) {
		ring->cons_prod_cache = atomic_load_explicit(&ring->prod_tail, memory_order_acquire);
		avail = ring->cons_prod_cache - cons;
		if (avail == 0)
			return 0;
		if (avail < n)
			n = (unsigned)avail;
	}
	for (i = 0; i < n; i++)
		objs[i] = ring->slots[(cons + i) & ring->mask];
	atomic_store_explicit(&ring->cons_tail, cons + n, memory_order_release);
	return n;
}

/**
 * np_ring_consume() - take the oldest object.
 * Context: the ring's single consumer only, as np_ring_consume_bulk().
 * Return: the object, or NULL when the ring is empty.
 */
NP_INLINE void *np_ring_consume(struct np_ring *ring)
{
	void *obj;

	return np_ring_consume_bulk(ring, &obj, 1) ? obj : NULL;
}

/**
 * np_ring_count() - objects published and not yet consumed (a snapshot).
 * Context: any thread; lock-free, may retry while the consumer moves.
 * Return: the count, at most the ring's size.
 */
NP_INLINE unsigned np_ring_count(struct np_ring *ring)
{
	uint64_t cons, prod;

	/*
	 * Both move while we read: prod_tail read after a cons_tail that has not
	 * moved since is a snapshot of one moment, so the count never exceeds size.
	 */
	do {
		cons = atomic_load_explicit(&ring->cons_tail, memory_order_acquire);
		prod = atomic_load_explicit(&ring->prod_tail, memory_order_acquire);
	} while (cons != atomic_load_explicit(&ring->cons_tail, memory_order_acquire));
	return (unsigned)(prod - cons);
}

/**
 * np_ring_produced() - objects ever published (monotonic).
 * Context: any thread; one relaxed load.
 * Return: the count since np_ring_init().
 */
NP_INLINE uint64_t np_ring_produced(struct np_ring *ring)
{
	return atomic_load_explicit(&ring->prod_tail, memory_order_relaxed);
}

NP_EXTERN_C_END

#endif /* NETPOOL_RING_H */
