/* SPDX-License-Identifier: MIT */
/*
 * netpool/dma.h - the DMA layer: what a device may touch, and where.
 *
 * A struct np_dma_dev stands for a device behind a DMA API. Buffers are mapped
 * before the device may access them and unmapped when it must no longer do so;
 * between CPU and device ownership they are synced. Backends implement a const
 * ops table:
 *
 *   identity  the DMA address is the CPU address; nothing is checked.
 *   iommu     a checking IOMMU: an IOVA allocator and an I/O page table. The
 *             device side (np_dma_dev_access()) can reach only mapped memory
 *             with the mapped direction; double maps, unmaps or syncs of
 *             unknown addresses and mappings left at teardown are refused,
 *             counted and reported (like CONFIG_DMA_API_DEBUG).
 *   umem      AF_XDP: the DMA address is the offset inside one registered
 *             region (the UMEM); nothing outside it can be mapped.
 *
 * Simulated devices read and write memory only through np_dma_dev_access().
 */
#ifndef NETPOOL_DMA_H
#define NETPOOL_DMA_H

#include <stddef.h>
#include "compiler.h"
#include "atomic.h"
#include "page.h"

NP_EXTERN_C_BEGIN

#define NP_DMA_MAPPING_ERROR	(~(np_dma_addr_t)0)

enum np_dma_dir {
	NP_DMA_BIDIRECTIONAL = 0,
	NP_DMA_TO_DEVICE = 1,
	NP_DMA_FROM_DEVICE = 2,
};

struct np_dma_dev;

struct np_dma_ops {
	const char *name;
	int (*map)(struct np_dma_dev *dev, void *cpu, size_t len, enum np_dma_dir dir,
		   np_dma_addr_t *out);
	int (*unmap)(struct np_dma_dev *dev, np_dma_addr_t addr, size_t len, enum np_dma_dir dir);
	int (*sync_for_device)(struct np_dma_dev *dev, np_dma_addr_t addr, size_t len,
			       enum np_dma_dir dir);
	int (*sync_for_cpu)(struct np_dma_dev *dev, np_dma_addr_t addr, size_t len,
			    enum np_dma_dir dir);
	/* device-side access: CPU pointer for [addr, addr+len) or NULL if refused */
	void *(*access)(struct np_dma_dev *dev, np_dma_addr_t addr, size_t len, bool write);
	/* release backend state; return mappings still live (each reported) */
	long (*teardown)(struct np_dma_dev *dev);
};

/* Counters; any thread may update them (atomic). Error kinds are never lost. */
struct np_dma_stats {
	uint64_t map;
	uint64_t unmap;
	uint64_t sync_for_device;
	uint64_t sync_for_cpu;
	uint64_t access;
	uint64_t map_fail;	/* out of IOVA space, outside the UMEM, injected fault */
	uint64_t access_fault;	/* device touched unmapped memory or against direction */
	uint64_t double_map;	/* a CPU range mapped again while still mapped */
	uint64_t bad_unmap;	/* unmap of an unknown address or with a wrong size */
	uint64_t bad_sync;	/* sync of an unknown address */
	uint64_t leaked;	/* mappings still live at teardown */
	uint64_t live;		/* mappings live now */
};

/*
 * Counters written on every packet (device accesses, syncs), one set per
 * shard on its own cache line: threads spread over the shards, so queues
 * polled on different CPUs do not contend on one line. Summed by readers.
 */
#define NP_DMA_SHARDS	8

struct np_dma_shard {
	np_atomic_u64 access, sync_for_device, sync_for_cpu;
} NP_CACHE_ALIGNED;

struct np_dma_dev {
	const struct np_dma_ops *ops;
	char name[32];
	bool need_sync;		/* syncs do work (non-coherent or checked); pools skip them if not */
	struct {
		np_atomic_u64 map, unmap;
		np_atomic_u64 map_fail, access_fault, double_map, bad_unmap, bad_sync, leaked;
		np_atomic_u64 live;
	} st;
	void *priv;		/* backend state */
	struct np_dma_shard shard[NP_DMA_SHARDS];
};

/* This thread's shard (assigned round robin on first use). */
extern NP_API NP_THREAD_LOCAL unsigned int np_dma_tls_shard;
/**
 * np_dma_shard_assign() - give the calling thread its counter shard, round robin.
 * Context: any thread; one relaxed atomic and a thread-local store. Called by
 * np_dma_shard_of() on a thread's first count.
 * Return: the shard, 1-based (1..NP_DMA_SHARDS).
 */
NP_API unsigned int np_dma_shard_assign(void);

/**
 * np_dma_shard_of() - the calling thread's counter shard of @dev.
 * Context: any thread; reads a thread-local, no lock.
 * Return: the shard, never NULL.
 */
NP_INLINE struct np_dma_shard *np_dma_shard_of(struct np_dma_dev *dev)
{
	unsigned int i = np_dma_tls_shard;

	if (np_unlikely(!i))
		i = np_dma_shard_assign();
	return &dev->shard[(i - 1) % NP_DMA_SHARDS];
}

/* Count one per-packet event (access, sync_for_device, sync_for_cpu) on @dev. */
#define np_dma_count(dev, field)	np_atomic_inc_relaxed(&np_dma_shard_of(dev)->field)

struct np_dma_iommu_params {
	np_dma_addr_t iova_base;	/* first IOVA handed out; 0: 1 MiB */
	uint64_t iova_size;		/* bytes of IOVA space; 0: 4 GiB */
};

/**
 * np_dma_identity_create() - DMA address == CPU address.
 * @name: NULL for the backend's; copied, truncated to 31 characters.
 * @out: the new device.
 * Context: any thread; allocates.
 * Return: 0, -EINVAL (@out NULL), -ENOMEM.
 */
NP_API int np_dma_identity_create(const char *name, struct np_dma_dev **out);

/**
 * np_dma_iommu_create() - checking IOMMU.
 * @name: as for np_dma_identity_create().
 * @params: the IOVA space; NULL for the defaults (1 MiB, 4 GiB).
 * @out: the new device.
 * Context: any thread; allocates (the page tables are reserved, filled lazily).
 * Return: 0, -EINVAL (@out NULL, iova_base or iova_size not a multiple of
 * the 4 KiB page, base + size past 2^64, more than 2^28 pages), -ENOMEM.
 */
NP_API int np_dma_iommu_create(const char *name, const struct np_dma_iommu_params *params,
			       struct np_dma_dev **out);

/**
 * np_dma_umem_create() - DMA address == offset inside [@base, @base + @size).
 * @name: as for np_dma_identity_create().
 * @base: the region's start (the UMEM).
 * @size: its length in bytes.
 * @out: the new device.
 * Context: any thread; allocates.
 * Return: 0, -EINVAL (NULL @base, zero @size, @base + @size wrapping around,
 * @out NULL), -ENOMEM.
 */
NP_API int np_dma_umem_create(const char *name, void *base, size_t size, struct np_dma_dev **out);

/**
 * np_dma_dev_destroy() - tear the device down; every mapping still live is a
 * leak: reported through the print callback and counted.
 * Context: any thread, once nothing maps, syncs or accesses through @dev any more
 * (destroy its pools and netdevs first); frees @dev.
 * Return: the number of leaked mappings (0 when clean, and for a NULL @dev).
 */
NP_API long np_dma_dev_destroy(struct np_dma_dev *dev);

/**
 * np_dma_get_stats() - @dev's counters.
 * @dev: the device.
 * @st: filled with the counters, the shards summed.
 * Context: any thread, while @dev lives; lock-free, each counter read atomically.
 * Return: 0, or -EINVAL (@dev or @st NULL).
 */
NP_API int np_dma_get_stats(const struct np_dma_dev *dev, struct np_dma_stats *st);

/**
 * np_dma_map() - map [@cpu, @cpu + @len) for the device.
 * @dev: the device.
 * @cpu: the first byte.
 * @len: bytes.
 * @dir: the direction the device may use it in.
 * @out: the DMA address (NP_DMA_MAPPING_ERROR on failure).
 * Context: any thread; the checking IOMMU takes its device lock (and may allocate),
 * the other backends take none. Data path (a pool maps each page once): a NULL @dev
 * or @out is caught in debug builds; the range and direction are always
 * checked (refusals counted in map_fail).
 * Return: 0 and *@out, or -ENOMEM (no IOVA space), -EINVAL (NULL @cpu, zero
 * @len, unknown @dir, a range that wraps or lies outside the UMEM), -EEXIST
 * (checking IOMMU: range already mapped), -EIO (injected).
 */
NP_API int np_dma_map(struct np_dma_dev *dev, void *cpu, size_t len, enum np_dma_dir dir,
		      np_dma_addr_t *out);
/**
 * np_dma_unmap() - end the mapping at @addr. Data path: a NULL @dev is caught
 * in debug builds.
 * @dev: the device.
 * @addr: the DMA address np_dma_map() gave.
 * @len: the mapped length.
 * @dir: the mapped direction.
 * Context: any thread; the checking IOMMU takes its device lock, the other backends
 * take none.
 * Return: 0, or -ENOENT (unknown address or wrong size, counted as bad_unmap;
 * identity: no mapping live at all).
 */
NP_API int np_dma_unmap(struct np_dma_dev *dev, np_dma_addr_t addr, size_t len,
			enum np_dma_dir dir);

/**
 * np_dma_sync_for_device() - hand [@addr, @addr + @len) to the device.
 * @dev: the device (not NULL).
 * @addr: inside a live mapping.
 * @len: bytes from @addr.
 * @dir: the direction of the sync.
 * Context: any thread; lock-free (the IOMMU walks its table without its lock).
 * Return: 0, or -ENOENT (checking IOMMU, UMEM: outside a live mapping or the
 * region, or against the mapping's direction; counted as bad_sync).
 */
NP_INLINE int np_dma_sync_for_device(struct np_dma_dev *dev, np_dma_addr_t addr, size_t len,
				     enum np_dma_dir dir)
{
	return dev->ops->sync_for_device ? dev->ops->sync_for_device(dev, addr, len, dir) : 0;
}

/**
 * np_dma_sync_for_cpu() - hand [@addr, @addr + @len) back to the CPU.
 * @dev: the device (not NULL).
 * @addr: inside a live mapping.
 * @len: bytes from @addr.
 * @dir: the direction of the sync.
 * Context: any thread; lock-free, as np_dma_sync_for_device().
 * Return: 0, or -ENOENT (as np_dma_sync_for_device()).
 */
NP_INLINE int np_dma_sync_for_cpu(struct np_dma_dev *dev, np_dma_addr_t addr, size_t len,
				  enum np_dma_dir dir)
{
	return dev->ops->sync_for_cpu ? dev->ops->sync_for_cpu(dev, addr, len, dir) : 0;
}

/**
 * np_dma_dev_access() - the device side: reach [@addr, @addr + @len) through
 * the DMA layer, for reading or (@write) writing.
 * @dev: the device (not NULL).
 * @addr: a DMA address.
 * @len: bytes from @addr.
 * @write: true for a device write, false for a read.
 * Context: any thread (a simulated device's engine); lock-free, the IOMMU walks its
 * table without its lock.
 * Return: the CPU address, or NULL when the access is refused (counted as
 * access_fault and reported).
 */
NP_INLINE void *np_dma_dev_access(struct np_dma_dev *dev, np_dma_addr_t addr, size_t len,
				  bool write)
{
	return dev->ops->access(dev, addr, len, write);
}

NP_EXTERN_C_END

#endif /* NETPOOL_DMA_H */
