/* SPDX-License-Identifier: MIT */
/*
 * fuzz_input.h - the fuzz targets' reader of their input: bytes taken one at
 * a time from the front, zeros once it runs out (so every input decodes).
 */
#ifndef NETPOOL_FUZZ_INPUT_H
#define NETPOOL_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

struct in {
	const uint8_t *p;
	size_t n;
};

static inline unsigned take(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

/* @bytes (at most 8) little-endian bytes, first taken first. */
static inline uint64_t take_n(struct in *in, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)take(in) << (8 * i);
	return v;
}

#endif /* NETPOOL_FUZZ_INPUT_H */
