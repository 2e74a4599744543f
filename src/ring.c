/* SPDX-License-Identifier: MIT */
/* Return ring set-up; produce and consume are inline in ring.h. */
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "netpool/ring.h"

int np_ring_init(struct np_ring *ring, unsigned size)
{
	uint32_t n;

	if (!ring || size == 0 || size > (1u << 24))
		return -EINVAL;
	n = np_roundup_pow2_u32(size);
	memset(ring, 0, sizeof(*ring));
	ring->slots = calloc(n, sizeof(void *));
	if (!ring->slots)
		return -ENOMEM;
	ring->size = n;
	ring->mask = n - 1;
	return 0;
}

void np_ring_cleanup(struct np_ring *ring)
{
	if (!ring)
		return;
	free(ring->slots);
	ring->slots = NULL;
	ring->size = 0;
	ring->mask = 0;
}
