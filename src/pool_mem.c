/* SPDX-License-Identifier: MIT */
/*
 * page_pool: the memory of a pool (its struct, private part and lanes).
 * Release builds take it from the C allocator; debug builds keep a freed
 * pool's memory unreadable for a while, so a late touch faults at once.
 * The bottom of the pool files: it calls nothing of theirs.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "pool_priv.h"

#if NP_DEBUG >= 1
/*
 * Debug builds never give a freed pool's memory back at once: it sits in a
 * quarantine of the last NP_POOL_QUARANTINE blocks, unreadable (poisoned for
 * the address sanitizer, else mapped PROT_NONE), so a thread that touches a
 * pool after its final release faults at the touch instead of reading memory
 * that a new pool may already be using.
 */
#define NP_POOL_QUARANTINE	192

static pthread_mutex_t np_quar_lock = PTHREAD_MUTEX_INITIALIZER;
static struct np_quar_entry {
	void *mem;
	size_t len;
} np_quar[NP_POOL_QUARANTINE];
static unsigned np_quar_next;

#ifdef NP_HAVE_ASAN
/* Heap memory, so that the leak checker still sees what a live pool points to. */
static size_t np_pool_mem_len(size_t size)
{
	return NP_ALIGN(size, NP_CACHE_LINE);
}

static void *np_pool_mem_map(size_t len)
{
	void *mem = aligned_alloc(NP_CACHE_LINE, len);

	if (mem)
		memset(mem, 0, len);
	return mem;
}

static void np_pool_mem_seal(void *mem, size_t len)
{
	np_track_poison(mem, len);
}

static void np_pool_mem_unmap(void *mem, size_t len)
{
	np_track_unpoison(mem, len);
	free(mem);
}
#else
static size_t np_pool_mem_len(size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (size + page - 1) / page * page;
}

static void *np_pool_mem_map(size_t len)
{
	void *mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return mem == MAP_FAILED ? NULL : mem;
}

static void np_pool_mem_seal(void *mem, size_t len)
{
	if (mprotect(mem, len, PROT_NONE))
		np_err("netpool: cannot seal a freed pool's memory: %s\n", strerror(errno));
}

static void np_pool_mem_unmap(void *mem, size_t len)
{
	munmap(mem, len);
}
#endif

void *np_pool_mem_alloc(size_t size)
{
	return np_pool_mem_map(np_pool_mem_len(size));
}

void np_pool_mem_free(void *mem, size_t size)
{
	struct np_quar_entry old;
	size_t len = np_pool_mem_len(size);

	if (!mem)
		return;
	np_pool_mem_seal(mem, len);
	pthread_mutex_lock(&np_quar_lock);
	old = np_quar[np_quar_next];
	np_quar[np_quar_next].mem = mem;
	np_quar[np_quar_next].len = len;
	np_quar_next = (np_quar_next + 1) % NP_POOL_QUARANTINE;
	pthread_mutex_unlock(&np_quar_lock);
	if (old.mem)
		np_pool_mem_unmap(old.mem, old.len);
}
#else
void *np_pool_mem_alloc(size_t size)
{
	size_t len = NP_ALIGN(size, NP_CACHE_LINE);
	void *mem = aligned_alloc(NP_CACHE_LINE, len);

	if (mem)
		memset(mem, 0, len);
	return mem;
}

void np_pool_mem_free(void *mem, size_t size)
{
	(void)size;
	free(mem);
}
#endif
