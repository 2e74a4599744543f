/* SPDX-License-Identifier: MIT */
/*
 * netpool/export.h - publish a process's live statistics in shared memory,
 * and read them from another process (netpool-stat), like the kernel's
 * page-pool netlink dump or ethtool -S.
 *
 * A publisher thread wakes every interval and snapshots, without stopping or
 * locking the datapath beyond what the stats getters already do:
 *   - every registered pool (np_pool_info_list(): id, name, the owning
 *     netdev's ifindex and name, queue, napi id, inflight pages and bytes,
 *     destroyed/broken/orphaned state, detach time) with its counters
 *     (np_pool_get_stats_by_id()): a netdev's pools from its open to its
 *     close, and after that as long as pages of them are out (destroyed;
 *     orphaned once the netdev itself is gone);
 *   - every netdev queue's counters (np_netdev_for_each(), np_netdev_get_qstats())
 *     and its pool's id (0 while the netdev is closed), with the driver's own
 *     counters by name where it has some (np_netdev_ops.get_ethtool_stats:
 *     AF_XDP's zero-copy or not, copies, the kernel's XDP drops; TAP's);
 *   - the skb drop counters by reason and np_skb_live().
 * It writes them into the POSIX shared memory object "/netpool.<pid>"
 * (/dev/shm/netpool.<pid>), which appears complete (created under a temporary
 * name, then renamed) and is removed by np_stats_export_stop() or at normal
 * process exit.
 *
 * The object opens with a versioned header (magic, version, its own size,
 * record sizes, capacities and offsets, pid, process name, a generation
 * counter, timestamps). The generation is a seqlock: odd while the publisher
 * writes, even when a snapshot is complete; a reader copies the object and
 * keeps the copy only when it saw the same even generation before and after.
 * Readers never map the object: they pread() it, so a foreign, truncated or
 * shrinking file can give -EINVAL but never a SIGBUS. The layout is private
 * to src/export.c; readers use np_stats_snapshot_read().
 */
#ifndef NETPOOL_EXPORT_H
#define NETPOOL_EXPORT_H

#include <sys/types.h>
#include "compiler.h"
#include "dev.h"
#include "pool.h"
#include "stats.h"

NP_EXTERN_C_BEGIN

#define NP_STATS_SHM_DIR	"/dev/shm"
#define NP_STATS_SHM_PREFIX	"netpool."
#define NP_STATS_INTERVAL_MS	200	/* the default publishing interval */
#define NP_STATS_MAX_POOLS	1024	/* pools one snapshot holds at most */
#define NP_STATS_MAX_QUEUES	1024	/* netdev queues one snapshot holds at most */
#define NP_STATS_MAX_DROPS	32	/* drop reasons one snapshot holds at most */
#define NP_STATS_NAME_LEN	32
#define NP_STATS_MAX_DRV	48	/* driver counters of one queue a snapshot holds at most */

/* ---- publishing ---- */

/**
 * np_stats_export_start() - start publishing this process's statistics in
 * /dev/shm/netpool.<pid>.
 * @name: the process name readers show (truncated to NP_STATS_NAME_LEN - 1);
 *   NULL: the program's short name.
 * @interval_ms: time between snapshots; 0: NP_STATS_INTERVAL_MS.
 *
 * The first snapshot is written before this returns. A stale object with
 * this pid (left by a dead process whose pid was reused) is replaced. The
 * object is removed at normal exit (atexit) if np_stats_export_stop() was
 * not called; a forked child neither publishes nor removes its parent's.
 * Context: any thread but the publisher's (a print callback runs there); takes
 * the export lock (start and stop are serialized), allocates, creates the object
 * and the publisher thread.
 * Return: 0, -EBUSY (already publishing), -ENOMEM, or the -errno of
 * shm_open/ftruncate/mmap/rename/pthread_create. Every @name and
 * @interval_ms is valid: nothing to reject.
 */
NP_API int np_stats_export_start(const char *name, unsigned int interval_ms);

/**
 * np_stats_export_stop() - stop the publisher thread (joined) and remove the
 * object. Nothing happens when not publishing, or in a forked child.
 * Context: any thread but the publisher's (a print callback runs there); takes the
 * export lock and sleeps until the publisher has finished its current snapshot.
 */
NP_API void np_stats_export_stop(void);

/* ---- reading ---- */

/* One pool of a snapshot. */
struct np_stats_pool {
	struct np_pool_info info;
	bool has_stats;			/* stats read (false: the pool was freed meanwhile) */
	struct np_pool_stats stats;	/* zero unless has_stats */
};

/* One netdev queue of a snapshot. */
struct np_stats_queue {
	char dev[NP_IFNAMSIZ];		/* the netdev's name */
	char kind[16];			/* its driver: "vnic", "afxdp", "tap" */
	uint32_t ifindex;
	uint32_t queue;
	uint32_t pool_id;		/* the queue's page_pool; 0: the netdev is closed */
	uint32_t napi_id;
	struct np_netdev_qstats st;
	/* the driver's own counters (its ethtool -S): drv_nr of them, 0 when it has none */
	unsigned int drv_nr;
	char drv_names[NP_STATS_MAX_DRV][NP_STATS_NAME_LEN];
	uint64_t drv[NP_STATS_MAX_DRV];
};

/* One drop reason of a snapshot. */
struct np_stats_drop {
	char reason[NP_STATS_NAME_LEN];	/* np_skb_drop_reason_name() of the publisher */
	uint64_t count;
};

/* A complete snapshot, as np_stats_snapshot_read() returns it. */
struct np_stats_snapshot {
	pid_t pid;
	char name[NP_STATS_NAME_LEN];
	uint32_t version;		/* layout version of the object */
	uint32_t interval_ms;
	uint64_t generation;		/* even; advances by 2 per snapshot */
	uint64_t time_ns;		/* CLOCK_MONOTONIC when it was taken */
	uint64_t realtime_ns;		/* CLOCK_REALTIME when it was taken */
	uint64_t start_ns;		/* CLOCK_MONOTONIC when publishing started */
	int64_t skb_live;
	unsigned int nr_pools;		/* entries in pools[] */
	unsigned int pools_total;	/* pools that existed (more than nr_pools: truncated) */
	unsigned int nr_queues;
	unsigned int queues_total;
	unsigned int nr_drops;
	struct np_stats_pool *pools;	/* allocated; np_stats_snapshot_free() */
	struct np_stats_queue *queues;
	struct np_stats_drop drops[NP_STATS_MAX_DROPS];
};

/**
 * np_stats_snapshot_read() - read one complete snapshot from a published
 * object (a path such as "/dev/shm/netpool.1234").
 * @path: the object's file (np_stats_export_path(), np_stats_export_list()).
 * @snap: filled; its arrays are allocated, release them with
 *   np_stats_snapshot_free() (also after an error: then they are NULL).
 *
 * Retries while the publisher is writing; the result is never torn.
 * Context: any thread, any process with read access to the file; takes no lock
 * of the publisher's, allocates, may sleep briefly between retries.
 * Return: 0; -EINVAL (@path or @snap NULL: @snap untouched; or not a netpool
 * statistics object: not a regular file, too short, wrong magic, version or
 * sizes, inconsistent counts); -EAGAIN (the publisher
 * kept writing: it died mid-snapshot or is starved); -ENOMEM; the -errno of
 * open/pread (-ENOENT: no such object).
 */
NP_API int np_stats_snapshot_read(const char *path, struct np_stats_snapshot *snap);

/**
 * np_stats_snapshot_free() - release @snap's arrays.
 * @snap: a snapshot from np_stats_snapshot_read(), a zeroed or already freed one, or NULL.
 * Context: any thread (the one that owns @snap).
 */
NP_API void np_stats_snapshot_free(struct np_stats_snapshot *snap);

/* A publishing process found by np_stats_export_list(). */
struct np_stats_proc {
	pid_t pid;
	char path[64];			/* /dev/shm/netpool.<pid> */
	bool stale;			/* its process is gone: see np_stats_export_check() */
};

/**
 * np_stats_export_check() - whether /dev/shm/netpool.<pid> is the object of
 * the process now running as @pid.
 * @pid: the publisher's pid.
 *
 * A process killed before it could remove its object leaves it behind, and
 * its pid is given to a later process: an object counts as that process's
 * only when the start time it records is the running process's (from
 * /proc/PID/stat; where /proc cannot tell, or the object is of an older
 * layout, a running @pid is taken as its owner). So "the object exists" is
 * never mistaken for "the process has published".
 * Context: any thread, any process; opens the object and /proc/PID/stat,
 * takes no lock.
 * Return: 0 (the running process's), -ESRCH (stale: the process is gone,
 * whatever the file holds, or @pid now belongs to a process that started after
 * the object was written), -ENOENT (no object), -EINVAL (@pid not positive, or
 * the file of a running @pid is not an object of netpool's), or the -errno of
 * open/pread (-EACCES).
 */
NP_API int np_stats_export_check(pid_t pid);

/**
 * np_stats_export_list() - the objects in /dev/shm, live or stale, sorted by
 * pid; nothing is removed.
 * @out: up to @max entries (may be NULL with @max 0, to count).
 * @max: room in @out.
 *
 * An entry is stale when np_stats_export_check() says -ESRCH.
 * Context: any thread, any process; reads the directory and, for each entry
 * filled, the object's header and /proc/PID/stat; takes no lock.
 * Return: how many objects exist (may exceed @max), or -errno of opendir.
 */
NP_API int np_stats_export_list(struct np_stats_proc *out, unsigned int max);

/**
 * np_stats_export_path() - "/dev/shm/netpool.<pid>" into @buf of @len bytes.
 * @pid: the publishing process.
 * @buf: where to write the path.
 * @len: the size of @buf; 64 is always enough.
 * Context: any thread; pure.
 * Return: 0, -EINVAL (@buf NULL, @len 0, @pid not positive; @buf untouched),
 * -ENAMETOOLONG (cut short; still NUL-terminated).
 */
NP_API int np_stats_export_path(pid_t pid, char *buf, size_t len);

NP_EXTERN_C_END

#endif /* NETPOOL_EXPORT_H */
