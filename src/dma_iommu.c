/* SPDX-License-Identifier: MIT */
/*
 * The checking IOMMU: the device reaches only what is mapped, in the mapped
 * direction, and every misuse of the DMA API is refused, counted and reported.
 *
 * Three structures; map and unmap change them under one mutex:
 *
 *   IOVA allocator  [iova_base, iova_base + iova_size) in 4 KiB IOVA pages. A
 *                   mapping that needs n pages takes a run of 2^k >= n pages,
 *                   aligned to its size within the space. Free runs sit on
 *                   per-order lists and merge with their buddy when it is free
 *                   too; fresh space comes from a bump pointer, which moves
 *                   back down when the run just below it is freed.
 *   page table      one 64-bit PTE per IOVA page in a lazily populated
 *                   anonymous mapping over the whole space. Only the n pages
 *                   a mapping needs are valid: the rest of its run guards it.
 *                   A side table, also one entry per IOVA page, keeps what a
 *                   PTE has no room for: on a mapping's first page its length,
 *                   direction, run order and the offset of its first byte; on
 *                   its last page where its last byte is. Free runs keep their
 *                   list links in the side entry of their first page.
 *   reverse map     CPU page -> IOVA page, open addressing with linear probing
 *                   and backward-shift deletion; a CPU page may be mapped only
 *                   once at a time (a second map is a double map).
 *
 * PTE layout:
 *
 *   63                                12 11      5   4     3     2     1     0
 *   +-----------------------------------+---------+-----+-----+-----+-----+-----+
 *   | CPU address of the page           | 0       | LAST|FIRST|WRITE| READ|VALID|
 *   +-----------------------------------+---------+-----+-----+-----+-----+-----+
 *
 * READ: the device may read the page (TO_DEVICE, BIDIRECTIONAL); WRITE: it
 * may write it (FROM_DEVICE, BIDIRECTIONAL).
 *
 * The device side (access, and the range check of a sync) takes no lock: map
 * fills the side entries and then publishes each PTE with a release store;
 * the walk loads PTEs with acquire and only then reads side entries. Unmap
 * clears the PTEs (release) before the run can be handed out again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "internal.h"
#include "netpool/dma.h"
#include "netpool/fault.h"

#define NP_IOMMU_PTE_VALID	(1ULL << 0)
#define NP_IOMMU_PTE_READ	(1ULL << 1)
#define NP_IOMMU_PTE_WRITE	(1ULL << 2)
#define NP_IOMMU_PTE_FIRST	(1ULL << 3)
#define NP_IOMMU_PTE_LAST	(1ULL << 4)
#define NP_IOMMU_PTE_FRAME	(~(uint64_t)(NP_PAGE_SIZE - 1))
#define NP_IOMMU_PAGE_MASK	((uint64_t)NP_PAGE_SIZE - 1)

#define NP_IOMMU_DEF_BASE	(1ULL << 20)	/* 1 MiB */
#define NP_IOMMU_DEF_SIZE	(1ULL << 32)	/* 4 GiB */
#define NP_IOMMU_MAX_ORDER	28		/* at most 2^28 IOVA pages: 1 TiB */

#define NP_IOVA_NIL		UINT32_MAX
#define NP_IOVA_FREE		1		/* np_iova_meta.state of a free run's head */

#define NP_RMAP_MIN_SHIFT	10		/* initial reverse-map slots: 1024 */
#define NP_RMAP_MULT		0x9e3779b97f4a7c15ULL

/* The side entry of one IOVA page. */
struct np_iova_meta {
	np_atomic_u32 first;	/* mapping's first page: offset of its first byte */
	np_atomic_u32 end;	/* mapping's last page: offset one past its last byte */
	uint64_t len;		/* mapping's first page: length mapped */
	uint32_t next;		/* free run's first page: free-list links */
	uint32_t prev;
	uint8_t order;		/* first page of a run (mapped or free): 2^order pages */
	uint8_t state;		/* NP_IOVA_FREE on the first page of a free run, else 0 */
	uint8_t dir;		/* mapping's first page: enum np_dma_dir */
};

struct np_rmap_ent {
	uint64_t frame;		/* CPU address >> NP_PAGE_SHIFT; 0: empty slot */
	uint32_t iova_page;	/* IOVA page index (from iova_base) it is mapped at */
	uint32_t pad;
};

struct np_dma_iommu {
	struct np_dma_dev dev;

	/* set at creation, read by every walk */
	np_dma_addr_t base NP_CACHE_ALIGNED;
	uint64_t size;
	uint32_t npages;
	unsigned int max_order;
	np_atomic_u64 *pte;
	struct np_iova_meta *meta;
	size_t pte_bytes;
	size_t meta_bytes;

	/* map and unmap, under the lock */
	pthread_mutex_t lock NP_CACHE_ALIGNED;
	uint32_t bump;		/* pages below are in a mapped run or a free run */
	uint32_t free_head[NP_IOMMU_MAX_ORDER + 1];
	struct np_rmap_ent *rmap;
	size_t rmap_mask;
	size_t rmap_used;
	unsigned int rmap_shift;
};

static inline struct np_dma_iommu *to_iommu(struct np_dma_dev *dev)
{
	return NP_CONTAINER_OF(dev, struct np_dma_iommu, dev);
}

static const char *dir_name(unsigned int dir)
{
	switch (dir) {
	case NP_DMA_BIDIRECTIONAL:
		return "bidirectional";
	case NP_DMA_TO_DEVICE:
		return "to-device";
	case NP_DMA_FROM_DEVICE:
		return "from-device";
	}
	return "?";
}

/* What the device may do to a page mapped in direction @dir. */
static uint64_t dir_perm(enum np_dma_dir dir)
{
	switch (dir) {
	case NP_DMA_TO_DEVICE:
		return NP_IOMMU_PTE_READ;
	case NP_DMA_FROM_DEVICE:
		return NP_IOMMU_PTE_WRITE;
	default:
		return NP_IOMMU_PTE_READ | NP_IOMMU_PTE_WRITE;
	}
}

static enum np_dma_dir pte_dir(uint64_t pte)
{
	switch (pte & (NP_IOMMU_PTE_READ | NP_IOMMU_PTE_WRITE)) {
	case NP_IOMMU_PTE_READ:
		return NP_DMA_TO_DEVICE;
	case NP_IOMMU_PTE_WRITE:
		return NP_DMA_FROM_DEVICE;
	default:
		return NP_DMA_BIDIRECTIONAL;
	}
}

/* ---- IOVA allocator (under the lock) ---- */

static void iova_list_add(struct np_dma_iommu *io, uint32_t idx, unsigned int order)
{
	struct np_iova_meta *m = &io->meta[idx];

	m->state = NP_IOVA_FREE;
	m->order = (uint8_t)order;
	m->prev = NP_IOVA_NIL;
	m->next = io->free_head[order];
	if (m->next != NP_IOVA_NIL)
		io->meta[m->next].prev = idx;
	io->free_head[order] = idx;
}

static void iova_list_del(struct np_dma_iommu *io, uint32_t idx)
{
	struct np_iova_meta *m = &io->meta[idx];

	NP_ASSERT(m->state == NP_IOVA_FREE);
	if (m->prev != NP_IOVA_NIL)
		io->meta[m->prev].next = m->next;
	else
		io->free_head[m->order] = m->next;
	if (m->next != NP_IOVA_NIL)
		io->meta[m->next].prev = m->prev;
	m->state = 0;
}

/* Whether a free run of exactly 2^@order pages starts at @idx (below the bump). */
static inline bool iova_is_free_run(const struct np_dma_iommu *io, uint64_t idx,
				    unsigned int order)
{
	return idx < io->bump && io->meta[idx].state == NP_IOVA_FREE &&
	       io->meta[idx].order == order;
}

/* Pull the bump pointer down over free runs that end where it stands. */
static void iova_lower_bump(struct np_dma_iommu *io)
{
	unsigned int o;

again:
	for (o = 0; o <= io->max_order && (1U << o) <= io->bump; o++) {
		uint32_t cand = io->bump - (1U << o);

		if (cand & ((1U << o) - 1))
			break;	/* larger runs cannot end here either */
		if (iova_is_free_run(io, cand, o)) {
			iova_list_del(io, cand);
			io->bump = cand;
			goto again;
		}
	}
}

/* Free the run of 2^@order pages at @idx, merging it with free buddies. */
static void iova_free(struct np_dma_iommu *io, uint32_t idx, unsigned int order)
{
	while (order < io->max_order) {
		uint32_t buddy = idx ^ (1U << order);

		if (!iova_is_free_run(io, buddy, order))
			break;
		iova_list_del(io, buddy);
		idx &= ~(1U << order);
		order++;
	}
	if ((uint64_t)idx + (1U << order) == io->bump) {
		io->bump = idx;
		iova_lower_bump(io);
		return;
	}
	iova_list_add(io, idx, order);
}

/* Allocate a run of 2^@order IOVA pages aligned to its size. Return: 0 or -ENOMEM. */
static int iova_alloc(struct np_dma_iommu *io, unsigned int order, uint32_t *out)
{
	uint64_t start, gap;
	unsigned int o;

	for (o = order; o <= io->max_order; o++) {
		uint32_t idx = io->free_head[o];

		if (idx == NP_IOVA_NIL)
			continue;
		iova_list_del(io, idx);
		while (o > order) {	/* split: keep the low half, free the high */
			o--;
			iova_list_add(io, idx + (1U << o), o);
		}
		*out = idx;
		return 0;
	}

	start = NP_ALIGN((uint64_t)io->bump, 1ULL << order);
	if (start + (1ULL << order) > io->npages)
		return -ENOMEM;
	gap = io->bump;
	io->bump = (uint32_t)(start + (1ULL << order));
	/* The alignment gap becomes free runs, each as large as its address allows. */
	while (gap < start) {
		o = (unsigned int)__builtin_ctzll(gap);
		while (gap + (1ULL << o) > start)
			o--;
		iova_free(io, (uint32_t)gap, o);
		gap += 1ULL << o;
	}
	*out = (uint32_t)start;
	return 0;
}

/* ---- reverse map: CPU page -> IOVA page (under the lock) ---- */

static inline size_t rmap_slot(const struct np_dma_iommu *io, uint64_t frame)
{
	return (size_t)((frame * NP_RMAP_MULT) >> io->rmap_shift);
}

static struct np_rmap_ent *rmap_find(struct np_dma_iommu *io, uint64_t frame)
{
	size_t i;

	for (i = rmap_slot(io, frame);; i = (i + 1) & io->rmap_mask) {
		struct np_rmap_ent *e = &io->rmap[i];

		if (e->frame == frame)
			return e;
		if (!e->frame)
			return NULL;
	}
}

static void rmap_insert(struct np_dma_iommu *io, uint64_t frame, uint32_t iova_page)
{
	size_t i = rmap_slot(io, frame);

	while (io->rmap[i].frame)
		i = (i + 1) & io->rmap_mask;
	io->rmap[i].frame = frame;
	io->rmap[i].iova_page = iova_page;
	io->rmap_used++;
}

static void rmap_delete(struct np_dma_iommu *io, uint64_t frame)
{
	struct np_rmap_ent *e = rmap_find(io, frame);
	size_t hole, j;

	NP_ASSERT(e);
	if (!e)
		return;
	hole = (size_t)(e - io->rmap);
	/* Move back every later entry of the cluster that may live in the hole. */
	for (j = (hole + 1) & io->rmap_mask; io->rmap[j].frame; j = (j + 1) & io->rmap_mask) {
		size_t home = rmap_slot(io, io->rmap[j].frame);

		if (((j - home) & io->rmap_mask) >= ((j - hole) & io->rmap_mask)) {
			io->rmap[hole] = io->rmap[j];
			hole = j;
		}
	}
	io->rmap[hole].frame = 0;
	io->rmap_used--;
}

/* Make room for @more entries at a load factor of at most 1/2. Return: 0 or -ENOMEM. */
static int rmap_reserve(struct np_dma_iommu *io, uint64_t more)
{
	struct np_rmap_ent *old = io->rmap, *ent;
	size_t old_slots = io->rmap_mask + 1, slots = old_slots, i;
	unsigned int shift = io->rmap_shift;

	while ((io->rmap_used + more) * 2 > slots) {
		slots *= 2;
		shift--;
	}
	if (slots == old_slots)
		return 0;
	ent = calloc(slots, sizeof(*ent));
	if (!ent)
		return -ENOMEM;
	io->rmap = ent;
	io->rmap_mask = slots - 1;
	io->rmap_shift = shift;
	io->rmap_used = 0;
	for (i = 0; i < old_slots; i++)
		if (old[i].frame)
			rmap_insert(io, old[i].frame, old[i].iova_page);
	free(old);
	return 0;
}

/* ---- the device side: walking the page table without the lock ---- */

enum np_iommu_fault {
	NP_IOMMU_OK = 0,
	NP_IOMMU_F_EMPTY,
	NP_IOMMU_F_RANGE,
	NP_IOMMU_F_UNMAPPED,
	NP_IOMMU_F_PERM,
	NP_IOMMU_F_BEFORE,
	NP_IOMMU_F_PAST,
	NP_IOMMU_F_DIR,
};

static const char *const np_iommu_fault_msg[] = {
	[NP_IOMMU_OK] = "ok",
	[NP_IOMMU_F_EMPTY] = "zero length",
	[NP_IOMMU_F_RANGE] = "outside the IOVA space",
	[NP_IOMMU_F_UNMAPPED] = "page not mapped",
	[NP_IOMMU_F_PERM] = "direction of the mapping forbids it",
	[NP_IOMMU_F_BEFORE] = "starts before the mapping",
	[NP_IOMMU_F_PAST] = "runs past the end of the mapping",
	[NP_IOMMU_F_DIR] = "direction differs from the mapping's",
};

/*
 * Check that [@addr, @addr + @len) lies inside one live mapping whose pages
 * all allow @need (PTE permission bits). On success *@pte0 is the PTE of the
 * first page; on failure *@at is the IOVA where the check failed.
 */
static enum np_iommu_fault iommu_walk(const struct np_dma_iommu *io, np_dma_addr_t addr,
				      size_t len, uint64_t need, uint64_t *pte0,
				      np_dma_addr_t *at)
{
	uint64_t rel, last_byte, p, p0, p1, pte = 0, first = 0;

	*at = addr;
	if (!len)
		return NP_IOMMU_F_EMPTY;
	if (addr < io->base || addr - io->base >= io->size || len > io->size - (addr - io->base))
		return NP_IOMMU_F_RANGE;
	rel = addr - io->base;
	last_byte = rel + len - 1;
	p0 = rel >> NP_PAGE_SHIFT;
	p1 = last_byte >> NP_PAGE_SHIFT;
	for (p = p0; p <= p1; p++) {
		pte = np_load_acquire(&io->pte[p]);
		if (p != p0)
			*at = io->base + (p << NP_PAGE_SHIFT);
		if (!(pte & NP_IOMMU_PTE_VALID))
			return NP_IOMMU_F_UNMAPPED;
		if ((pte & need) != need)
			return NP_IOMMU_F_PERM;
		if (p == p0) {
			first = pte;
			if ((pte & NP_IOMMU_PTE_FIRST) &&
			    (rel & NP_IOMMU_PAGE_MASK) <
				    atomic_load_explicit(&io->meta[p].first, memory_order_relaxed))
				return NP_IOMMU_F_BEFORE;
		} else if ((pte & NP_IOMMU_PTE_FIRST) ||
			   (pte & NP_IOMMU_PTE_FRAME) !=
				   (first & NP_IOMMU_PTE_FRAME) + ((p - p0) << NP_PAGE_SHIFT)) {
			/* crossed into another mapping */
			return NP_IOMMU_F_PAST;
		}
		if (p != p1 && (pte & NP_IOMMU_PTE_LAST)) {
			*at = io->base + ((p + 1) << NP_PAGE_SHIFT);
			return NP_IOMMU_F_PAST;
		}
	}
	if ((pte & NP_IOMMU_PTE_LAST) &&
	    (last_byte & NP_IOMMU_PAGE_MASK) >=
		    atomic_load_explicit(&io->meta[p1].end, memory_order_relaxed)) {
		*at = io->base + last_byte;
		return NP_IOMMU_F_PAST;
	}
	*pte0 = first;
	return NP_IOMMU_OK;
}

static void *iommu_access(struct np_dma_dev *dev, np_dma_addr_t addr, size_t len, bool write)
{
	struct np_dma_iommu *io = to_iommu(dev);
	uint64_t need = write ? NP_IOMMU_PTE_WRITE : NP_IOMMU_PTE_READ;
	enum np_iommu_fault f;
	uint64_t pte0 = 0;
	np_dma_addr_t at;

	f = iommu_walk(io, addr, len, need, &pte0, &at);
	if (np_unlikely(f != NP_IOMMU_OK)) {
		np_atomic_inc_relaxed(&dev->st.access_fault);
		np_err("dma %s: device %s of iova %#llx len %zu refused at iova %#llx: %s\n",
		       dev->name, write ? "write" : "read", (unsigned long long)addr, len,
		       (unsigned long long)at, np_iommu_fault_msg[f]);
		return NULL;
	}
	np_dma_count(dev, access);
	return (void *)(uintptr_t)((pte0 & NP_IOMMU_PTE_FRAME) + (addr & NP_IOMMU_PAGE_MASK));
}

static int iommu_sync(struct np_dma_dev *dev, np_dma_addr_t addr, size_t len,
		      enum np_dma_dir dir, np_atomic_u64 *ctr, const char *what)
{
	struct np_dma_iommu *io = to_iommu(dev);
	enum np_iommu_fault f;
	uint64_t pte0 = 0;
	np_dma_addr_t at;

	f = iommu_walk(io, addr, len, 0, &pte0, &at);
	/* A bidirectional mapping may be synced either way; others only their own. */
	if (f == NP_IOMMU_OK && pte_dir(pte0) != NP_DMA_BIDIRECTIONAL && pte_dir(pte0) != dir) {
		f = NP_IOMMU_F_DIR;
		at = addr;
	}
	if (np_unlikely(f != NP_IOMMU_OK)) {
		np_atomic_inc_relaxed(&dev->st.bad_sync);
		np_err("dma %s: sync for %s of iova %#llx len %zu %s refused at iova %#llx: %s\n",
		       dev->name, what, (unsigned long long)addr, len, dir_name(dir),
		       (unsigned long long)at, np_iommu_fault_msg[f]);
		return -ENOENT;
	}
	np_atomic_inc_relaxed(ctr);
	return 0;
}

static int iommu_sync_for_device(struct np_dma_dev *dev, np_dma_addr_t addr, size_t len,
				 enum np_dma_dir dir)
{
	return iommu_sync(dev, addr, len, dir, &np_dma_shard_of(dev)->sync_for_device, "device");
}

static int iommu_sync_for_cpu(struct np_dma_dev *dev, np_dma_addr_t addr, size_t len,
			      enum np_dma_dir dir)
{
	return iommu_sync(dev, addr, len, dir, &np_dma_shard_of(dev)->sync_for_cpu, "cpu");
}

/* ---- map and unmap ---- */

static int iommu_map(struct np_dma_dev *dev, void *cpu, size_t len, enum np_dma_dir dir,
		     np_dma_addr_t *out)
{
	struct np_dma_iommu *io = to_iommu(dev);
	uintptr_t a = (uintptr_t)cpu;
	uint64_t off = a & NP_IOMMU_PAGE_MASK;
	uint64_t frame = a >> NP_PAGE_SHIFT;
	uint64_t perm = dir_perm(dir);
	uint64_t npages, i, dup_frame = 0;
	uint32_t idx = 0, dup_iova = 0;
	const char *why = "out of memory";
	struct np_iova_meta *m;
	struct np_rmap_ent *e;
	unsigned int order;
	int err;

	if (np_unlikely(a < NP_PAGE_SIZE || a + len < a)) {
		np_err("dma %s: map of %p len %zu refused: not a CPU range\n", dev->name, cpu, len);
		return -EINVAL;
	}
	if (np_unlikely(len > io->size)) {
		np_warn("dma %s: map of %p len %zu refused: larger than the IOVA space\n",
			dev->name, cpu, len);
		return -ENOMEM;
	}
	npages = (off + len + NP_IOMMU_PAGE_MASK) >> NP_PAGE_SHIFT;
	order = npages == 1 ? 0 : 64 - (unsigned int)__builtin_clzll(npages - 1);
	if (np_unlikely(order > io->max_order)) {
		np_warn("dma %s: map of %p len %zu refused: larger than the IOVA space\n",
			dev->name, cpu, len);
		return -ENOMEM;
	}

	pthread_mutex_lock(&io->lock);
	for (i = 0; i < npages; i++) {
		e = rmap_find(io, frame + i);
		if (np_unlikely(e)) {
			dup_frame = e->frame;
			dup_iova = e->iova_page;
			err = -EEXIST;
			goto unlock;
		}
	}
	err = rmap_reserve(io, npages);
	if (!err) {
		why = "out of IOVA space";
		err = iova_alloc(io, order, &idx);
	}
	if (np_unlikely(err))
		goto unlock;
	for (i = 0; i < npages; i++)
		rmap_insert(io, frame + i, idx + (uint32_t)i);

	m = &io->meta[idx];
	m->len = len;
	m->order = (uint8_t)order;
	m->dir = (uint8_t)dir;
	atomic_store_explicit(&m->first, (uint32_t)off, memory_order_relaxed);
	atomic_store_explicit(&io->meta[idx + npages - 1].end,
			      (uint32_t)(((off + len - 1) & NP_IOMMU_PAGE_MASK) + 1),
			      memory_order_relaxed);
	for (i = 0; i < npages; i++) {
		uint64_t pte = ((frame + i) << NP_PAGE_SHIFT) | NP_IOMMU_PTE_VALID | perm;

		if (i == 0)
			pte |= NP_IOMMU_PTE_FIRST;
		if (i == npages - 1)
			pte |= NP_IOMMU_PTE_LAST;
		np_store_release(&io->pte[idx + i], pte);
	}
unlock:
	pthread_mutex_unlock(&io->lock);

	if (np_unlikely(err == -EEXIST)) {
		np_err("dma %s: double map of %p len %zu %s: CPU page %#llx is already mapped at iova %#llx\n",
		       dev->name, cpu, len, dir_name(dir),
		       (unsigned long long)(dup_frame << NP_PAGE_SHIFT),
		       (unsigned long long)(io->base + ((uint64_t)dup_iova << NP_PAGE_SHIFT)));
		return err;
	}
	if (np_unlikely(err)) {
		np_warn("dma %s: map of %p len %zu refused: %s\n", dev->name, cpu, len, why);
		return err;
	}
	*out = io->base + ((uint64_t)idx << NP_PAGE_SHIFT) + off;
	return 0;
}

static int iommu_unmap(struct np_dma_dev *dev, np_dma_addr_t addr, size_t len,
		       enum np_dma_dir dir)
{
	struct np_dma_iommu *io = to_iommu(dev);
	uint64_t rel, off, pte, frame, npages, i, mapped_len = 0;
	unsigned int mapped_dir = 0;
	const char *why = NULL;
	struct np_iova_meta *m;
	uint32_t idx;

	if (np_unlikely(addr < io->base || addr - io->base >= io->size)) {
		why = "outside the IOVA space";
		goto bad;
	}
	rel = addr - io->base;
	idx = (uint32_t)(rel >> NP_PAGE_SHIFT);
	off = rel & NP_IOMMU_PAGE_MASK;
	m = &io->meta[idx];

	pthread_mutex_lock(&io->lock);
	pte = atomic_load_explicit(&io->pte[idx], memory_order_relaxed);
	if (!(pte & NP_IOMMU_PTE_VALID)) {
		why = "not mapped";
	} else if (!(pte & NP_IOMMU_PTE_FIRST) ||
		   atomic_load_explicit(&m->first, memory_order_relaxed) != off) {
		why = "not the start of a mapping";
	} else if (m->len != len || m->dir != (uint8_t)dir) {
		why = m->len != len ? "wrong length" : "wrong direction";
		mapped_len = m->len;
		mapped_dir = m->dir;
	}
	if (np_unlikely(why)) {
		pthread_mutex_unlock(&io->lock);
		if (mapped_len) {
			np_err("dma %s: unmap of iova %#llx len %zu %s refused: %s (mapped len %llu %s)\n",
			       dev->name, (unsigned long long)addr, len, dir_name(dir), why,
			       (unsigned long long)mapped_len, dir_name(mapped_dir));
			return -ENOENT;
		}
		goto bad;
	}

	frame = pte >> NP_PAGE_SHIFT;
	npages = (off + len + NP_IOMMU_PAGE_MASK) >> NP_PAGE_SHIFT;
	for (i = 0; i < npages; i++) {
		np_store_release(&io->pte[idx + i], 0);
		rmap_delete(io, frame + i);
	}
	m->len = 0;
	iova_free(io, idx, m->order);
	pthread_mutex_unlock(&io->lock);
	return 0;

bad:
	np_err("dma %s: unmap of iova %#llx len %zu %s refused: %s\n", dev->name,
	       (unsigned long long)addr, len, dir_name(dir), why);
	return -ENOENT;
}

/* ---- creation and teardown ---- */

static long iommu_teardown(struct np_dma_dev *dev)
{
	struct np_dma_iommu *io = to_iommu(dev);
	long leaked = 0;
	uint64_t p;

	pthread_mutex_lock(&io->lock);
	for (p = 0; p < io->bump;) {
		struct np_iova_meta *m = &io->meta[p];
		uint64_t pte = atomic_load_explicit(&io->pte[p], memory_order_relaxed);

		if (pte & NP_IOMMU_PTE_FIRST) {
			leaked++;
			np_err("dma %s: leaked mapping: iova %#llx cpu %p len %llu %s\n", dev->name,
			       (unsigned long long)(io->base + (p << NP_PAGE_SHIFT) +
						    atomic_load_explicit(&m->first,
									 memory_order_relaxed)),
			       (void *)(uintptr_t)((pte & NP_IOMMU_PTE_FRAME) +
						   atomic_load_explicit(&m->first,
									memory_order_relaxed)),
			       (unsigned long long)m->len, dir_name(m->dir));
			p += 1ULL << m->order;
		} else if (m->state == NP_IOVA_FREE) {
			p += 1ULL << m->order;
		} else {
			p++;
		}
	}
	pthread_mutex_unlock(&io->lock);

	munmap(io->pte, io->pte_bytes);
	munmap(io->meta, io->meta_bytes);
	free(io->rmap);
	pthread_mutex_destroy(&io->lock);
	return leaked;
}

static const struct np_dma_ops np_dma_iommu_ops = {
	.name = "iommu",
	.map = iommu_map,
	.unmap = iommu_unmap,
	.sync_for_device = iommu_sync_for_device,
	.sync_for_cpu = iommu_sync_for_cpu,
	.access = iommu_access,
	.teardown = iommu_teardown,
};

static void *iommu_table_alloc(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int np_dma_iommu_create(const char *name, const struct np_dma_iommu_params *params,
			struct np_dma_dev **out)
{
	uint64_t base = params && params->iova_base ? params->iova_base : NP_IOMMU_DEF_BASE;
	uint64_t size = params && params->iova_size ? params->iova_size : NP_IOMMU_DEF_SIZE;
	size_t bytes = NP_ALIGN(sizeof(struct np_dma_iommu), (size_t)NP_CACHE_LINE);
	struct np_dma_iommu *io;
	unsigned int o;

	if (!out || (base | size) & NP_IOMMU_PAGE_MASK || size > UINT64_MAX - base ||
	    (size >> NP_PAGE_SHIFT) > (1ULL << NP_IOMMU_MAX_ORDER))
		return -EINVAL;
	io = aligned_alloc(NP_CACHE_LINE, bytes);
	if (!io)
		return -ENOMEM;
	memset(io, 0, bytes);
	io->dev.ops = &np_dma_iommu_ops;
	snprintf(io->dev.name, sizeof(io->dev.name), "%s", name ? name : np_dma_iommu_ops.name);
	io->dev.need_sync = true;	/* every sync is checked against the mappings */
	io->dev.priv = io;

	io->base = base;
	io->size = size;
	io->npages = (uint32_t)(size >> NP_PAGE_SHIFT);
	io->max_order = 63 - (unsigned int)__builtin_clzll(io->npages);
	for (o = 0; o <= NP_IOMMU_MAX_ORDER; o++)
		io->free_head[o] = NP_IOVA_NIL;
	io->pte_bytes = NP_ALIGN((size_t)io->npages * sizeof(*io->pte), (size_t)NP_PAGE_SIZE);
	io->meta_bytes = NP_ALIGN((size_t)io->npages * sizeof(*io->meta), (size_t)NP_PAGE_SIZE);
	io->pte = iommu_table_alloc(io->pte_bytes);
	if (!io->pte)
		goto err_free;
	io->meta = iommu_table_alloc(io->meta_bytes);
	if (!io->meta)
		goto err_pte;
	io->rmap_shift = 64 - NP_RMAP_MIN_SHIFT;
	io->rmap_mask = (1UL << NP_RMAP_MIN_SHIFT) - 1;
	io->rmap = calloc(io->rmap_mask + 1, sizeof(*io->rmap));
	if (!io->rmap)
		goto err_meta;
	if (pthread_mutex_init(&io->lock, NULL))
		goto err_rmap;
	*out = &io->dev;
	return 0;

err_rmap:
	free(io->rmap);
err_meta:
	munmap(io->meta, io->meta_bytes);
err_pte:
	munmap(io->pte, io->pte_bytes);
err_free:
	free(io);
	return -ENOMEM;
}
