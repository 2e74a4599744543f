/* SPDX-License-Identifier: MIT */
/*
 * The DMA layer: the generic half and the two simple backends.
 *
 * The generic half checks the arguments of a map, consults the fault
 * injection point, and keeps the map/unmap counters and the live gauge, so a
 * backend only reports what went wrong (its return code) and keeps the
 * counters of the calls that reach it directly (sync, access).
 *
 *   identity  DMA address == CPU address; checks nothing but the live count.
 *   umem      DMA address == offset inside one registered region.
 *
 * The checking IOMMU is in dma_iommu.c.
 *
 * A backend allocates its device as the first member of its own state, in one
 * block, and sets dev->priv; np_dma_dev_destroy() calls ->teardown, which
 * releases whatever else the backend holds, and then frees that block.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "netpool/dma.h"
#include "netpool/fault.h"

/*
 * Allocate a device of @size bytes (a backend's state starting with a struct
 * np_dma_dev), zeroed, cache-line aligned, named @name or after the backend.
 * @need_sync: whether the backend's syncs do anything a pool must not skip.
 */
static struct np_dma_dev *dma_dev_alloc(size_t size, const char *name,
					const struct np_dma_ops *ops, bool need_sync)
{
	size_t bytes = NP_ALIGN(size, (size_t)NP_CACHE_LINE);
	struct np_dma_dev *dev = aligned_alloc(NP_CACHE_LINE, bytes);

	if (!dev)
		return NULL;
	memset(dev, 0, bytes);
	dev->ops = ops;
	snprintf(dev->name, sizeof(dev->name), "%s", name ? name : ops->name);
	dev->need_sync = need_sync;
	dev->priv = dev;
	return dev;
}

/* Teardown of a backend that tracks no mappings: the live gauge is the leak count. */
static long dma_report_live(struct np_dma_dev *dev)
{
	uint64_t live = atomic_load_explicit(&dev->st.live, memory_order_acquire);

	if (live)
		np_err("dma %s: %llu mapping(s) still live at teardown\n", dev->name,
		       (unsigned long long)live);
	return (long)live;
}

_Thread_local unsigned int np_dma_tls_shard;
static np_atomic_u32 np_dma_next_shard;

unsigned int np_dma_shard_assign(void)
{
	/* 1-based, so 0 means "not yet" */
	np_dma_tls_shard = atomic_fetch_add_explicit(&np_dma_next_shard, 1, memory_order_relaxed) %
				   NP_DMA_SHARDS + 1;
	return np_dma_tls_shard;
}

/* ---- the generic API ---- */

int np_dma_map(struct np_dma_dev *dev, void *cpu, size_t len, enum np_dma_dir dir,
	       np_dma_addr_t *out)
{
	int err;

	NP_MISUSE_IF(!dev || !out, "np_dma_map", "map of %p with device %p, result pointer %p",
		     cpu, (void *)dev, (void *)out);
	*out = NP_DMA_MAPPING_ERROR;
	if (np_unlikely(np_fault_hit(NP_FAULT_DMA_MAP))) {
		np_atomic_inc_relaxed(&dev->st.map_fail);
		return -EIO;
	}
	if (np_unlikely(!cpu || !len || (unsigned int)dir > NP_DMA_FROM_DEVICE)) {
		np_err("dma %s: map of %p len %zu dir %d refused: bad argument\n", dev->name,
		       cpu, len, (int)dir);
		err = -EINVAL;
	} else {
		err = dev->ops->map(dev, cpu, len, dir, out);
	}
	if (np_unlikely(err)) {
		*out = NP_DMA_MAPPING_ERROR;
		np_atomic_inc_relaxed(err == -EEXIST ? &dev->st.double_map : &dev->st.map_fail);
		return err;
	}
	np_atomic_inc_relaxed(&dev->st.map);
	np_atomic_inc_relaxed(&dev->st.live);
	return 0;
}

int np_dma_unmap(struct np_dma_dev *dev, np_dma_addr_t addr, size_t len, enum np_dma_dir dir)
{
	int err;

	NP_MISUSE_IF(!dev, "np_dma_unmap", "unmap of %#llx with a NULL device",
		     (unsigned long long)addr);
	err = dev->ops->unmap(dev, addr, len, dir);

	if (np_unlikely(err)) {
		np_atomic_inc_relaxed(&dev->st.bad_unmap);
		return err;
	}
	np_atomic_inc_relaxed(&dev->st.unmap);
	atomic_fetch_sub_explicit(&dev->st.live, 1, memory_order_release);
	return 0;
}

int np_dma_get_stats(const struct np_dma_dev *dev, struct np_dma_stats *st)
{
	struct np_dma_dev *d = (struct np_dma_dev *)dev;

	if (!dev || !st)
		return -EINVAL;
	st->map = np_stat_read(d->st.map);
	st->unmap = np_stat_read(d->st.unmap);
	st->sync_for_device = st->sync_for_cpu = st->access = 0;
	for (unsigned int i = 0; i < NP_DMA_SHARDS; i++) {
		st->sync_for_device += np_stat_read(d->shard[i].sync_for_device);
		st->sync_for_cpu += np_stat_read(d->shard[i].sync_for_cpu);
		st->access += np_stat_read(d->shard[i].access);
	}
	st->map_fail = np_stat_read(d->st.map_fail);
	st->access_fault = np_stat_read(d->st.access_fault);
	st->double_map = np_stat_read(d->st.double_map);
	st->bad_unmap = np_stat_read(d->st.bad_unmap);
	st->bad_sync = np_stat_read(d->st.bad_sync);
	st->leaked = np_stat_read(d->st.leaked);
	st->live = np_stat_read(d->st.live);
	return 0;
}

long np_dma_dev_destroy(struct np_dma_dev *dev)
{
	long leaked;

	if (!dev)
		return 0;
	leaked = dev->ops->teardown ? dev->ops->teardown(dev) : dma_report_live(dev);
	if (leaked > 0)
		np_atomic_add_relaxed(&dev->st.leaked, (uint64_t)leaked);
	free(dev);
	return leaked;
}

/* ---- identity: the DMA address is the CPU address ---- */

static int identity_map(struct np_dma_dev *dev, void *cpu, size_t len, enum np_dma_dir dir,
			np_dma_addr_t *out)
{
	(void)dev;
	(void)len;
	(void)dir;
	*out = (np_dma_addr_t)(uintptr_t)cpu;
	return 0;
}

static int identity_unmap(struct np_dma_dev *dev, np_dma_addr_t addr, size_t len,
			  enum np_dma_dir dir)
{
	(void)len;
	(void)dir;
	/* The one thing this backend can tell: nothing is mapped at all. */
	if (np_unlikely(!atomic_load_explicit(&dev->st.live, memory_order_relaxed))) {
		np_err("dma %s: unmap of %#llx with no mapping live\n", dev->name,
		       (unsigned long long)addr);
		return -ENOENT;
	}
	return 0;
}

static int identity_sync_for_device(struct np_dma_dev *dev, np_dma_addr_t addr, size_t len,
				    enum np_dma_dir dir)
{
	(void)addr;
	(void)len;
	(void)dir;
	np_dma_count(dev, sync_for_device);
	return 0;
}

static int identity_sync_for_cpu(struct np_dma_dev *dev, np_dma_addr_t addr, size_t len,
				 enum np_dma_dir dir)
{
	(void)addr;
	(void)len;
	(void)dir;
	np_dma_count(dev, sync_for_cpu);
	return 0;
}

static void *identity_access(struct np_dma_dev *dev, np_dma_addr_t addr, size_t len, bool write)
{
	if (np_unlikely(!addr || addr == NP_DMA_MAPPING_ERROR)) {
		np_atomic_inc_relaxed(&dev->st.access_fault);
		np_err("dma %s: device %s of %#llx len %zu refused: not an address\n", dev->name,
		       write ? "write" : "read", (unsigned long long)addr, len);
		return NULL;
	}
	np_dma_count(dev, access);
	return (void *)(uintptr_t)addr;
}

static const struct np_dma_ops np_dma_identity_ops = {
	.name = "identity",
	.map = identity_map,
	.unmap = identity_unmap,
	.sync_for_device = identity_sync_for_device,
	.sync_for_cpu = identity_sync_for_cpu,
	.access = identity_access,
	.teardown = dma_report_live,
};

int np_dma_identity_create(const char *name, struct np_dma_dev **out)
{
	struct np_dma_dev *dev;

	if (!out)
		return -EINVAL;
	/* coherent and unchecked: a sync would only count itself */
	dev = dma_dev_alloc(sizeof(*dev), name, &np_dma_identity_ops, false);
	if (!dev)
		return -ENOMEM;
	*out = dev;
	return 0;
}

/* ---- umem: the DMA address is the offset inside one region ---- */

struct np_dma_umem {
	struct np_dma_dev dev;
	uintptr_t base;
	size_t size;
};

static inline struct np_dma_umem *to_umem(struct np_dma_dev *dev)
{
	return NP_CONTAINER_OF(dev, struct np_dma_umem, dev);
}

/* Whether [@off, @off + @len) is a non-empty range inside the region. */
static inline bool umem_range_ok(const struct np_dma_umem *um, uint64_t off, size_t len)
{
	return len && off < um->size && len <= um->size - off;
}

static int umem_map(struct np_dma_dev *dev, void *cpu, size_t len, enum np_dma_dir dir,
		    np_dma_addr_t *out)
{
	struct np_dma_umem *um = to_umem(dev);
	uintptr_t a = (uintptr_t)cpu;

	(void)dir;
	if (np_unlikely(a < um->base || !umem_range_ok(um, a - um->base, len))) {
		np_err("dma %s: map of %p len %zu refused: outside the umem [%p, +%zu)\n",
		       dev->name, cpu, len, (void *)um->base, um->size);
		return -EINVAL;
	}
	*out = a - um->base;
	return 0;
}

static int umem_unmap(struct np_dma_dev *dev, np_dma_addr_t addr, size_t len,
		      enum np_dma_dir dir)
{
	(void)dir;
	if (np_unlikely(!umem_range_ok(to_umem(dev), addr, len))) {
		np_err("dma %s: unmap of %#llx len %zu refused: outside the umem\n", dev->name,
		       (unsigned long long)addr, len);
		return -ENOENT;
	}
	return 0;
}

static int umem_sync(struct np_dma_dev *dev, np_dma_addr_t addr, size_t len, np_atomic_u64 *ctr,
		     const char *what)
{
	if (np_unlikely(!umem_range_ok(to_umem(dev), addr, len))) {
		np_atomic_inc_relaxed(&dev->st.bad_sync);
		np_err("dma %s: sync for %s of %#llx len %zu refused: outside the umem\n",
		       dev->name, what, (unsigned long long)addr, len);
		return -ENOENT;
	}
	np_atomic_inc_relaxed(ctr);
	return 0;
}

static int umem_sync_for_device(struct np_dma_dev *dev, np_dma_addr_t addr, size_t len,
				enum np_dma_dir dir)
{
	(void)dir;
	return umem_sync(dev, addr, len, &np_dma_shard_of(dev)->sync_for_device, "device");
}

static int umem_sync_for_cpu(struct np_dma_dev *dev, np_dma_addr_t addr, size_t len,
			     enum np_dma_dir dir)
{
	(void)dir;
	return umem_sync(dev, addr, len, &np_dma_shard_of(dev)->sync_for_cpu, "cpu");
}

static void *umem_access(struct np_dma_dev *dev, np_dma_addr_t addr, size_t len, bool write)
{
	struct np_dma_umem *um = to_umem(dev);

	if (np_unlikely(!umem_range_ok(um, addr, len))) {
		np_atomic_inc_relaxed(&dev->st.access_fault);
		np_err("dma %s: device %s of umem offset %#llx len %zu refused: outside the umem (size %zu)\n",
		       dev->name, write ? "write" : "read", (unsigned long long)addr, len,
		       um->size);
		return NULL;
	}
	np_dma_count(dev, access);
	return (void *)(um->base + (uintptr_t)addr);
}

static const struct np_dma_ops np_dma_umem_ops = {
	.name = "umem",
	.map = umem_map,
	.unmap = umem_unmap,
	.sync_for_device = umem_sync_for_device,
	.sync_for_cpu = umem_sync_for_cpu,
	.access = umem_access,
	.teardown = dma_report_live,
};

int np_dma_umem_create(const char *name, void *base, size_t size, struct np_dma_dev **out)
{
	struct np_dma_dev *dev;
	struct np_dma_umem *um;

	if (!base || !size || (uintptr_t)base + size < (uintptr_t)base || !out)
		return -EINVAL;
	/* syncs check their range */
	dev = dma_dev_alloc(sizeof(*um), name, &np_dma_umem_ops, true);
	if (!dev)
		return -ENOMEM;
	um = to_umem(dev);
	um->base = (uintptr_t)base;
	um->size = size;
	*out = dev;
	return 0;
}
