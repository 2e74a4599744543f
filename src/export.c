/* SPDX-License-Identifier: MIT */
/*
 * Statistics export: a publisher thread snapshots pools, netdev queues and
 * skb drops into /dev/shm/netpool.<pid> under a seqlock; the reader copies
 * the object with pread() and keeps a copy only when the generation was the
 * same even number before and after.
 *
 * The object:
 *
 *   0          struct np_shm_hdr    static part, then the seqlock, then the
 *                                   per-snapshot part (times, counts)
 *   pool_off   pool_max  records of pool_size bytes:  struct np_shm_pool
 *                                   + int64 stats[pool_stats_nr]
 *   queue_off  queue_max records of queue_size bytes: struct np_shm_queue
 *                                   + uint64 cnt[qstats_nr]
 *                                   + struct np_shm_drv (drv_max > 0): the
 *                                     driver's counters, names and values
 *   drop_off   drop_max  records of drop_size bytes:  struct np_shm_drop
 *   total_size
 *
 * Counter arrays only grow at their end (the name tables' order), so a
 * reader takes the counters both sides know; records may grow at their end
 * within one version; anything else bumps NP_SHM_VERSION.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "internal.h"
#include "netpool/export.h"

#define NP_SHM_MAGIC	0x5453504eu	/* "NPST" in a little-endian file */
#define NP_SHM_VERSION	2
/* x 50 us: a writer that stays odd for 100 ms is dead */
#define NP_SHM_READ_TRIES	2000
#define NP_SHM_SANE_MAX	(1u << 20)	/* records of one kind, counters of one record */

struct np_shm_hdr {
	/* static: written once, before the object appears */
	uint32_t magic;
	uint32_t version;
	uint32_t hdr_size;
	uint32_t pool_size, queue_size, drop_size;
	uint32_t pool_max, queue_max, drop_max;
	uint32_t pool_stats_nr;		/* counters per pool record */
	uint32_t qstats_nr;		/* counters per queue record */
	int32_t pid;
	uint64_t pool_off, queue_off, drop_off;
	uint64_t total_size;
	uint64_t start_ns;
	uint32_t interval_ms;
	uint32_t drv_max;		/* driver counters per queue record, 0: none (older) */
	char name[NP_STATS_NAME_LEN];
	/* the seqlock: odd while a snapshot is written */
	_Atomic uint64_t gen;
	/* per snapshot */
	uint64_t time_ns, realtime_ns;
	int64_t skb_live;
	uint32_t nr_pools, pools_total;
	uint32_t nr_queues, queues_total;
	uint32_t nr_drops;
	/*
	 * the publisher's start time, clock ticks after boot (/proc/PID/stat's
	 * field 22), its low 32 bits; 0: unknown. A pid outlives its process:
	 * this tells the object of a dead process from one of the pid's new owner.
	 */
	uint32_t start_ticks;
};

#define NP_SHM_POOL_F_DESTROYED	1u
#define NP_SHM_POOL_F_BROKEN	2u
#define NP_SHM_POOL_F_STATS	4u
#define NP_SHM_POOL_F_ORPHANED	8u

struct np_shm_pool {
	uint32_t id;
	int32_t ifindex;
	uint32_t queue;
	uint32_t napi_id;
	uint32_t order;
	uint32_t flags;
	char name[32];
	char ifname[32];		/* the owner's; "" for none or an orphan */
	int64_t inflight;
	uint64_t inflight_bytes;
	uint64_t detach_time_ns;
	int64_t stats[];		/* np_pool_stats_values() order */
};

struct np_shm_queue {
	char dev[NP_IFNAMSIZ];
	char kind[16];
	uint32_t ifindex;
	uint32_t queue;
	uint32_t pool_id;
	uint32_t napi_id;
	uint64_t cnt[];			/* np_netdev_qstats_names order */
};

/* At the end of a queue record (drv_max entries): the driver's counters by name. */
struct np_shm_drv {
	uint32_t nr;
	uint32_t reserved;
	char names[NP_STATS_MAX_DRV][NP_STATS_NAME_LEN];
	uint64_t vals[NP_STATS_MAX_DRV];
};

struct np_shm_drop {
	char reason[NP_STATS_NAME_LEN];
	uint64_t count;
};

/* The layout is an ABI between processes: pin it. */
_Static_assert(offsetof(struct np_shm_hdr, gen) == 128, "shm header layout");
_Static_assert(sizeof(struct np_shm_hdr) == 184, "shm header layout");
_Static_assert(sizeof(struct np_shm_pool) == 112, "shm pool record layout");
_Static_assert(sizeof(struct np_shm_queue) == 64, "shm queue record layout");
_Static_assert(sizeof(struct np_shm_drop) == 40, "shm drop record layout");
_Static_assert(sizeof(((struct np_pool_info *)0)->name) == 32, "pool name length");
_Static_assert(sizeof(((struct np_pool_info *)0)->ifname) == 32, "pool owner name length");
_Static_assert(NP_SKB_DROP_MAX <= NP_STATS_MAX_DROPS, "more drop reasons than the export holds");

#define NP_SHM_POOL_SIZE	(sizeof(struct np_shm_pool) + NP_POOL_STATS_NR * sizeof(int64_t))
#define NP_SHM_QUEUE_BASE \
	(sizeof(struct np_shm_queue) + NP_NETDEV_QSTATS_NR * sizeof(uint64_t))
#define NP_SHM_QUEUE_SIZE	(NP_SHM_QUEUE_BASE + sizeof(struct np_shm_drv))

/*
 * The seqlock's barriers, as the kernel's smp_rmb()/smp_wmb(): the object's
 * data is also read by the kernel (pread), outside what C11 fences order,
 * and ThreadSanitizer does not model fences; x86 keeps loads after loads and
 * stores after stores by itself.
 */
static inline void np_shm_rmb(void)
{
#if defined(__aarch64__)
	__asm__ __volatile__("dmb ishld" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

static inline void np_shm_wmb(void)
{
#if defined(__aarch64__)
	__asm__ __volatile__("dmb ishst" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

static size_t np_shm_align(size_t v)
{
	return NP_ALIGN(v, (size_t)NP_CACHE_LINE);
}

/* ---- the publisher ---- */

static struct np_export {
	pthread_mutex_t lock;		/* start/stop */
	pthread_mutex_t wait_lock;	/* the publisher's sleep */
	pthread_cond_t wait_cond;
	bool stop;
	bool running;
	bool atexit_done;
	pid_t owner;			/* the process that started it */
	pthread_t thread;
	unsigned int interval_ms;
	char shm_name[48];		/* "/netpool.<pid>" */
	struct np_shm_hdr *shm;		/* the mapping */
	unsigned char *stage;		/* a private image of the object, built first */
	size_t size;
	struct np_pool_info *infos;
} np_export = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.wait_lock = PTHREAD_MUTEX_INITIALIZER,
};

static struct np_shm_pool *np_export_pool(struct np_export *ex, unsigned int i)
{
	struct np_shm_hdr *h = (struct np_shm_hdr *)ex->stage;

	return (struct np_shm_pool *)(ex->stage + h->pool_off + (size_t)i * h->pool_size);
}

static struct np_shm_queue *np_export_queue(struct np_export *ex, unsigned int i)
{
	struct np_shm_hdr *h = (struct np_shm_hdr *)ex->stage;

	return (struct np_shm_queue *)(ex->stage + h->queue_off + (size_t)i * h->queue_size);
}

/* Queue @qi's driver counters by name (the record was cleared). */
static void np_export_drv(struct np_netdev *dev, unsigned int qi, struct np_shm_drv *d)
{
	const char *names[NP_STATS_MAX_DRV] = { 0 };
	unsigned int n = dev->ops->get_ethtool_stats(dev, qi, names, d->vals, NP_STATS_MAX_DRV);

	d->nr = NP_MIN(n, (unsigned int)NP_STATS_MAX_DRV);
	for (unsigned int k = 0; k < d->nr; k++)
		snprintf(d->names[k], sizeof(d->names[k]), "%s", names[k] ? names[k] : "?");
}

/*
 * Under the netdev list lock, which open and close hold to change a queue's
 * pool and the open state: a closed netdev's queues show no pool.
 */
static int np_export_dev(struct np_netdev *dev, void *arg)
{
	struct np_export *ex = arg;
	struct np_shm_hdr *h = (struct np_shm_hdr *)ex->stage;

	for (unsigned int i = 0; i < dev->nqueues; i++) {
		struct np_netdev_qstats st;
		struct np_shm_queue *q;

		h->queues_total++;
		if (h->nr_queues >= h->queue_max)
			continue;
		q = np_export_queue(ex, h->nr_queues++);
		memset(q, 0, h->queue_size);
		snprintf(q->dev, sizeof(q->dev), "%s", dev->name);
		snprintf(q->kind, sizeof(q->kind), "%s", dev->ops->kind ? dev->ops->kind : "");
		q->ifindex = dev->ifindex;
		q->queue = i;
		q->pool_id = atomic_load(&dev->open) ? dev->q[i].pool_id : 0;
		q->napi_id = dev->q[i].napi.ctx.id;
		np_netdev_get_qstats(dev, (int)i, &st);
		memcpy(q->cnt, &st, NP_NETDEV_QSTATS_NR * sizeof(uint64_t));
		if (dev->ops->get_ethtool_stats)
			np_export_drv(dev, i, (struct np_shm_drv *)((unsigned char *)q +
								    NP_SHM_QUEUE_BASE));
	}
	return 0;
}

static void np_export_collect(struct np_export *ex)
{
	struct np_shm_hdr *h = (struct np_shm_hdr *)ex->stage;
	struct np_shm_drop *d = (struct np_shm_drop *)(ex->stage + h->drop_off);
	struct timespec rt;
	int n;

	n = np_pool_info_list(ex->infos, h->pool_max);
	h->pools_total = n > 0 ? (uint32_t)n : 0;
	h->nr_pools = NP_MIN(h->pools_total, h->pool_max);
	for (unsigned int i = 0; i < h->nr_pools; i++) {
		/* the registry lists the newest first: publish in creation order */
		const struct np_pool_info *info = &ex->infos[h->nr_pools - 1 - i];
		struct np_shm_pool *p = np_export_pool(ex, i);

		memset(p, 0, h->pool_size);
		p->id = info->id;
		p->ifindex = info->ifindex;
		p->queue = info->queue;
		p->napi_id = info->napi_id;
		p->order = info->order;
		p->flags = (info->destroyed ? NP_SHM_POOL_F_DESTROYED : 0) |
			   (info->broken ? NP_SHM_POOL_F_BROKEN : 0) |
			   (info->orphaned ? NP_SHM_POOL_F_ORPHANED : 0);
		memcpy(p->name, info->name, sizeof(p->name));
		p->name[sizeof(p->name) - 1] = '\0';
		memcpy(p->ifname, info->ifname, sizeof(p->ifname));
		p->ifname[sizeof(p->ifname) - 1] = '\0';
		p->inflight = info->inflight;
		p->inflight_bytes = info->inflight_bytes;
		p->detach_time_ns = info->detach_time_ns;
		{
			struct np_pool_stats st = { .size = sizeof(st) };

			/* by id: a pool freed since the listing is simply left without counters */
			if (np_pool_get_stats_by_id(info->id, &st) == 0) {
				np_pool_stats_values(&st, p->stats);
				p->flags |= NP_SHM_POOL_F_STATS;
			}
		}
	}
	h->nr_queues = 0;
	h->queues_total = 0;
	np_netdev_for_each(np_export_dev, ex);
	h->nr_drops = NP_SKB_DROP_MAX;
	for (unsigned int r = 0; r < NP_SKB_DROP_MAX; r++) {
		const char *name = np_skb_drop_reason_name((enum np_skb_drop_reason)r);

		memset(&d[r], 0, sizeof(d[r]));
		snprintf(d[r].reason, sizeof(d[r].reason), "%s", name ? name : "?");
		d[r].count = np_skb_drop_count((enum np_skb_drop_reason)r);
	}
	h->skb_live = np_skb_live();
	clock_gettime(CLOCK_REALTIME, &rt);
	h->realtime_ns = (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec;
	h->time_ns = np_now_ns();
}

/* Copy the staged snapshot into the object under the seqlock. Only the publisher writes. */
static void np_export_publish(struct np_export *ex)
{
	const struct np_shm_hdr *s = (const struct np_shm_hdr *)ex->stage;
	unsigned char *dst = (unsigned char *)ex->shm;
	uint64_t gen = atomic_load_explicit(&ex->shm->gen, memory_order_relaxed);
	size_t tail = offsetof(struct np_shm_hdr, time_ns);

	atomic_store_explicit(&ex->shm->gen, gen + 1, memory_order_relaxed);
	np_shm_wmb();	/* odd before any data */
	memcpy(dst + tail, ex->stage + tail, sizeof(*s) - tail);
	memcpy(dst + s->pool_off, ex->stage + s->pool_off, (size_t)s->nr_pools * s->pool_size);
	memcpy(dst + s->queue_off, ex->stage + s->queue_off, (size_t)s->nr_queues * s->queue_size);
	memcpy(dst + s->drop_off, ex->stage + s->drop_off, (size_t)s->nr_drops * s->drop_size);
	atomic_store_explicit(&ex->shm->gen, gen + 2, memory_order_release);
}

static void *np_export_thread(void *arg)
{
	struct np_export *ex = arg;
	struct timespec next;

	clock_gettime(CLOCK_MONOTONIC, &next);
	pthread_mutex_lock(&ex->wait_lock);
	while (!ex->stop) {
		next.tv_nsec += (long)(ex->interval_ms % 1000) * 1000000L;
		next.tv_sec += ex->interval_ms / 1000 + next.tv_nsec / 1000000000L;
		next.tv_nsec %= 1000000000L;
		while (!ex->stop &&
		       pthread_cond_timedwait(&ex->wait_cond, &ex->wait_lock, &next) == 0)
			;
		if (ex->stop)
			break;
		pthread_mutex_unlock(&ex->wait_lock);
		np_export_collect(ex);
		np_export_publish(ex);
		pthread_mutex_lock(&ex->wait_lock);
	}
	pthread_mutex_unlock(&ex->wait_lock);
	return NULL;
}

static void np_export_atexit(void)
{
	np_stats_export_stop();
}

static void np_export_release(struct np_export *ex)
{
	if (ex->shm)
		munmap(ex->shm, ex->size);
	ex->shm = NULL;
	free(ex->stage);
	ex->stage = NULL;
	free(ex->infos);
	ex->infos = NULL;
}

/* Where each region starts, and the object's size. */
#define NP_SHM_POOL_OFF		np_shm_align(sizeof(struct np_shm_hdr))
#define NP_SHM_QUEUE_OFF \
	np_shm_align(NP_SHM_POOL_OFF + NP_STATS_MAX_POOLS * NP_SHM_POOL_SIZE)
#define NP_SHM_DROP_OFF \
	np_shm_align(NP_SHM_QUEUE_OFF + NP_STATS_MAX_QUEUES * NP_SHM_QUEUE_SIZE)
#define NP_SHM_TOTAL_SIZE \
	np_shm_align(NP_SHM_DROP_OFF + NP_STATS_MAX_DROPS * sizeof(struct np_shm_drop))

/*
 * When process @pid started: field 22 of /proc/PID/stat (clock ticks after
 * boot), its low 32 bits; 0 where /proc cannot tell. The command name
 * (field 2) may hold spaces and parentheses: the fields are counted after
 * its last ')'.
 */
static uint32_t np_proc_start_ticks(pid_t pid)
{
	char path[40], buf[1024], *p;
	unsigned long long ticks;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	/* from ')' to the space before each field from 3 (the state) to 22 */
	for (int field = 3; p && field <= 22; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p, " %llu", &ticks) != 1)
		return 0;
	return (uint32_t)ticks;
}

/* Lay out the static header in the stage. */
static void np_export_layout(struct np_export *ex, const char *name, pid_t pid)
{
	struct np_shm_hdr *h = (struct np_shm_hdr *)ex->stage;

	h->magic = NP_SHM_MAGIC;
	h->version = NP_SHM_VERSION;
	h->hdr_size = sizeof(*h);
	h->pool_size = NP_SHM_POOL_SIZE;
	h->queue_size = NP_SHM_QUEUE_SIZE;
	h->drop_size = sizeof(struct np_shm_drop);
	h->pool_max = NP_STATS_MAX_POOLS;
	h->queue_max = NP_STATS_MAX_QUEUES;
	h->drop_max = NP_STATS_MAX_DROPS;
	h->pool_stats_nr = NP_POOL_STATS_NR;
	h->qstats_nr = NP_NETDEV_QSTATS_NR;
	h->drv_max = NP_STATS_MAX_DRV;
	h->pid = (int32_t)pid;
	h->pool_off = NP_SHM_POOL_OFF;
	h->queue_off = NP_SHM_QUEUE_OFF;
	h->drop_off = NP_SHM_DROP_OFF;
	h->total_size = ex->size;
	h->start_ns = np_now_ns();
	h->start_ticks = np_proc_start_ticks(pid);
	h->interval_ms = ex->interval_ms;
	snprintf(h->name, sizeof(h->name), "%s", name);
}

/* Create the object under a temporary name with a first snapshot, then rename it into place. */
static int np_export_create(struct np_export *ex, pid_t pid)
{
	char tmp[64], tmp_path[80], path[80];
	int fd, err = 0;
	void *map;

	snprintf(ex->shm_name, sizeof(ex->shm_name), "/" NP_STATS_SHM_PREFIX "%d", (int)pid);
	snprintf(tmp, sizeof(tmp), "%s.tmp", ex->shm_name);
	snprintf(tmp_path, sizeof(tmp_path), NP_STATS_SHM_DIR "%s", tmp);
	np_stats_export_path(pid, path, sizeof(path));
	shm_unlink(tmp);	/* left by a start that died half-way */
	fd = shm_open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)ex->size)) {
		err = -errno;
		goto fail;
	}
	map = mmap(NULL, ex->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		err = -errno;
		goto fail;
	}
	close(fd);
	fd = -1;
	ex->shm = map;
	memcpy(ex->shm, ex->stage, sizeof(struct np_shm_hdr));	/* gen 0 */
	np_export_collect(ex);
	np_export_publish(ex);
	/* shm objects are files of the shm mount: the complete object appears at once */
	if (rename(tmp_path, path)) {
		err = -errno;
		goto fail;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	shm_unlink(tmp);
	return err;
}

int np_stats_export_start(const char *name, unsigned int interval_ms)
{
	struct np_export *ex = &np_export;
	pthread_condattr_t ca;
	pid_t pid = getpid();
	int err;

	pthread_mutex_lock(&ex->lock);
	if (ex->running && ex->owner == pid) {
		pthread_mutex_unlock(&ex->lock);
		return -EBUSY;
	}
	/* a forked child inherits the parent's state but not its thread: start afresh */
	ex->running = false;
	ex->shm = NULL;
	ex->stage = NULL;
	ex->infos = NULL;
	ex->interval_ms = interval_ms ? interval_ms : NP_STATS_INTERVAL_MS;
	ex->stop = false;
	ex->size = NP_SHM_TOTAL_SIZE;
	ex->stage = calloc(1, ex->size);
	ex->infos = calloc(NP_STATS_MAX_POOLS, sizeof(*ex->infos));
	if (!ex->stage || !ex->infos) {
		np_export_release(ex);
		pthread_mutex_unlock(&ex->lock);
		return -ENOMEM;
	}
	np_export_layout(ex, name ? name : program_invocation_short_name, pid);
	err = np_export_create(ex, pid);
	if (err) {
		np_err("netpool: cannot publish statistics in %s: %s\n", ex->shm_name,
		       strerror(-err));
		np_export_release(ex);
		pthread_mutex_unlock(&ex->lock);
		return err;
	}
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ex->wait_cond, &ca);
	pthread_condattr_destroy(&ca);
	err = -np_thread_create(&ex->thread, NULL, "np-export", np_export_thread, ex);
	if (err) {
		shm_unlink(ex->shm_name);
		pthread_cond_destroy(&ex->wait_cond);
		np_export_release(ex);
		pthread_mutex_unlock(&ex->lock);
		return err;
	}
	ex->owner = pid;
	ex->running = true;
	if (!ex->atexit_done && atexit(np_export_atexit) == 0)
		ex->atexit_done = true;
	pthread_mutex_unlock(&ex->lock);
	return 0;
}

void np_stats_export_stop(void)
{
	struct np_export *ex = &np_export;

	pthread_mutex_lock(&ex->lock);
	/* in a forked child the object and the thread are the parent's */
	if (!ex->running || ex->owner != getpid()) {
		pthread_mutex_unlock(&ex->lock);
		return;
	}
	pthread_mutex_lock(&ex->wait_lock);
	ex->stop = true;
	pthread_cond_signal(&ex->wait_cond);
	pthread_mutex_unlock(&ex->wait_lock);
	pthread_join(ex->thread, NULL);
	pthread_cond_destroy(&ex->wait_cond);
	shm_unlink(ex->shm_name);
	np_export_release(ex);
	ex->running = false;
	pthread_mutex_unlock(&ex->lock);
}

/* ---- the reader ---- */

static int np_pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EINVAL;	/* past the end: truncated */
		done += (size_t)n;
	}
	return 0;
}

/* The static part of a header: is this a layout we can read, inside a file of @fsize bytes? */
static bool np_shm_hdr_valid(const struct np_shm_hdr *h, uint64_t fsize)
{
	if (h->magic != NP_SHM_MAGIC || h->version != NP_SHM_VERSION)
		return false;
	if (h->hdr_size < sizeof(*h) || h->total_size > fsize || h->hdr_size > h->total_size)
		return false;
	if (h->pool_stats_nr > NP_SHM_SANE_MAX || h->qstats_nr > NP_SHM_SANE_MAX ||
	    h->pool_max > NP_SHM_SANE_MAX || h->queue_max > NP_SHM_SANE_MAX ||
	    h->drop_max > NP_SHM_SANE_MAX)
		return false;
	if (h->pool_size < sizeof(struct np_shm_pool) + (uint64_t)h->pool_stats_nr * 8 ||
	    h->queue_size < sizeof(struct np_shm_queue) + (uint64_t)h->qstats_nr * 8 +
				    (h->drv_max ? 8 + (uint64_t)h->drv_max *
							  (NP_STATS_NAME_LEN + 8) : 0) ||
	    h->drv_max > NP_SHM_SANE_MAX ||
	    h->drop_size < sizeof(struct np_shm_drop))
		return false;
	if ((h->pool_size | h->queue_size | h->drop_size) & 7 ||
	    (h->pool_off | h->queue_off | h->drop_off) & 7)
		return false;
	/* each region inside the file (no overflow: every factor is below 2^32) */
	if (h->pool_off < h->hdr_size || h->queue_off < h->hdr_size || h->drop_off < h->hdr_size)
		return false;
	if (h->pool_off > h->total_size || h->queue_off > h->total_size ||
	    h->drop_off > h->total_size)
		return false;
	if ((uint64_t)h->pool_max * h->pool_size > h->total_size - h->pool_off ||
	    (uint64_t)h->queue_max * h->queue_size > h->total_size - h->queue_off ||
	    (uint64_t)h->drop_max * h->drop_size > h->total_size - h->drop_off)
		return false;
	return h->pid > 0;
}

/* The per-snapshot part, once known to be untorn. */
static bool np_shm_counts_valid(const struct np_shm_hdr *h)
{
	return h->nr_pools <= h->pool_max && h->nr_pools <= h->pools_total &&
	       h->nr_queues <= h->queue_max && h->nr_queues <= h->queues_total &&
	       h->nr_drops <= h->drop_max;
}

static void np_stats_from_values(struct np_pool_stats *st, const int64_t *v, unsigned int nr)
{
	int64_t x[NP_POOL_STATS_NR] = { 0 };

	memcpy(x, v, NP_MIN(nr, (unsigned int)NP_POOL_STATS_NR) * sizeof(int64_t));
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->version = NP_POOL_STATS_VERSION;
	st->alloc.fast = (uint64_t)x[0];
	st->alloc.slow = (uint64_t)x[1];
	st->alloc.slow_high_order = (uint64_t)x[2];
	st->alloc.empty = (uint64_t)x[3];
	st->alloc.refill = (uint64_t)x[4];
	st->alloc.waive = (uint64_t)x[5];
	st->recycle.cached = (uint64_t)x[6];
	st->recycle.cache_full = (uint64_t)x[7];
	st->recycle.ring = (uint64_t)x[8];
	st->recycle.ring_full = (uint64_t)x[9];
	st->recycle.released_refcnt = (uint64_t)x[10];
	st->hold = (uint64_t)x[11];
	st->release = (uint64_t)x[12];
	st->inflight = x[13];
	st->defer_skbs = (uint64_t)x[14];	/* 0 from an object of 14 values */
	st->defer_refused = (uint64_t)x[15];
}

static void np_copy_name(char *dst, size_t dlen, const char *src, size_t slen)
{
	size_t n = strnlen(src, NP_MIN(slen, dlen - 1));

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Untorn raw copies into @snap. */
static int np_snapshot_convert(const struct np_shm_hdr *h, const unsigned char *pools,
			       const unsigned char *queues, const unsigned char *drops,
			       struct np_stats_snapshot *snap)
{
	snap->pid = h->pid;
	np_copy_name(snap->name, sizeof(snap->name), h->name, sizeof(h->name));
	snap->version = h->version;
	snap->interval_ms = h->interval_ms;
	snap->generation = atomic_load_explicit(&h->gen, memory_order_relaxed);
	snap->time_ns = h->time_ns;
	snap->realtime_ns = h->realtime_ns;
	snap->start_ns = h->start_ns;
	snap->skb_live = h->skb_live;
	snap->pools_total = h->pools_total;
	snap->queues_total = h->queues_total;
	snap->pools = calloc(h->nr_pools ? h->nr_pools : 1, sizeof(*snap->pools));
	snap->queues = calloc(h->nr_queues ? h->nr_queues : 1, sizeof(*snap->queues));
	if (!snap->pools || !snap->queues)
		return -ENOMEM;
	for (unsigned int i = 0; i < h->nr_pools; i++) {
		const struct np_shm_pool *p = (const void *)(pools + (size_t)i * h->pool_size);
		struct np_stats_pool *o = &snap->pools[i];

		o->info.id = p->id;
		np_copy_name(o->info.name, sizeof(o->info.name), p->name, sizeof(p->name));
		o->info.ifindex = p->ifindex;
		np_copy_name(o->info.ifname, sizeof(o->info.ifname), p->ifname, sizeof(p->ifname));
		o->info.queue = p->queue;
		o->info.napi_id = p->napi_id;
		o->info.order = p->order;
		o->info.inflight = p->inflight;
		o->info.inflight_bytes = p->inflight_bytes;
		o->info.detach_time_ns = p->detach_time_ns;
		o->info.destroyed = p->flags & NP_SHM_POOL_F_DESTROYED;
		o->info.broken = p->flags & NP_SHM_POOL_F_BROKEN;
		o->info.orphaned = p->flags & NP_SHM_POOL_F_ORPHANED;
		o->has_stats = p->flags & NP_SHM_POOL_F_STATS;
		if (o->has_stats)
			np_stats_from_values(&o->stats, p->stats, h->pool_stats_nr);
		else
			np_stats_from_values(&o->stats, p->stats, 0);
	}
	snap->nr_pools = h->nr_pools;
	for (unsigned int i = 0; i < h->nr_queues; i++) {
		const struct np_shm_queue *q = (const void *)(queues + (size_t)i * h->queue_size);
		struct np_stats_queue *o = &snap->queues[i];

		np_copy_name(o->dev, sizeof(o->dev), q->dev, sizeof(q->dev));
		np_copy_name(o->kind, sizeof(o->kind), q->kind, sizeof(q->kind));
		o->ifindex = q->ifindex;
		o->queue = q->queue;
		o->pool_id = q->pool_id;
		o->napi_id = q->napi_id;
		memcpy(&o->st, q->cnt,
		       NP_MIN((size_t)h->qstats_nr, NP_NETDEV_QSTATS_NR) * sizeof(uint64_t));
		if (h->drv_max) {
			/* checked to fit the record: np_shm_hdr_valid() */
			const unsigned char *b = (const unsigned char *)q + sizeof(*q) +
						 (size_t)h->qstats_nr * sizeof(uint64_t);
			const char *names = (const char *)b + 8;
			const uint64_t *vals = (const uint64_t *)(const void *)
					       (names + (size_t)h->drv_max * NP_STATS_NAME_LEN);
			uint32_t nr;

			memcpy(&nr, b, sizeof(nr));
			o->drv_nr = NP_MIN(NP_MIN(nr, h->drv_max), (uint32_t)NP_STATS_MAX_DRV);
			for (unsigned int k = 0; k < o->drv_nr; k++) {
				np_copy_name(o->drv_names[k], sizeof(o->drv_names[k]),
					     names + (size_t)k * NP_STATS_NAME_LEN, NP_STATS_NAME_LEN);
				memcpy(&o->drv[k], &vals[k], sizeof(uint64_t));
			}
		}
	}
	snap->nr_queues = h->nr_queues;
	snap->nr_drops = NP_MIN(h->nr_drops, (uint32_t)NP_STATS_MAX_DROPS);
	for (unsigned int i = 0; i < snap->nr_drops; i++) {
		const struct np_shm_drop *d = (const void *)(drops + (size_t)i * h->drop_size);

		np_copy_name(snap->drops[i].reason, sizeof(snap->drops[i].reason), d->reason,
			     sizeof(d->reason));
		snap->drops[i].count = d->count;
	}
	return 0;
}

/*
 * One attempt: 0 with an untorn copy, -EAGAIN when the publisher wrote
 * meanwhile, -EINVAL for a file that is not ours.
 */
static int np_snapshot_try(int fd, uint64_t fsize, struct np_shm_hdr *h, unsigned char **bufs,
			   size_t *lens)
{
	const uint64_t gen_off = offsetof(struct np_shm_hdr, gen);
	uint64_t g1, g2, offs[3];
	size_t need[3];
	int err;

	err = np_pread_all(fd, &g1, sizeof(g1), gen_off);
	if (err)
		return err;
	np_shm_rmb();
	err = np_pread_all(fd, h, sizeof(*h), 0);
	if (err)
		return err;
	/* the static part never changes once the object is visible: judge it first */
	if (!np_shm_hdr_valid(h, fsize))
		return -EINVAL;
	if (g1 & 1)
		return -EAGAIN;
	/* counts may be torn here: bound the reads by the capacities, check them after */
	need[0] = (size_t)NP_MIN(h->nr_pools, h->pool_max) * h->pool_size;
	need[1] = (size_t)NP_MIN(h->nr_queues, h->queue_max) * h->queue_size;
	need[2] = (size_t)NP_MIN(h->nr_drops, h->drop_max) * h->drop_size;
	offs[0] = h->pool_off;
	offs[1] = h->queue_off;
	offs[2] = h->drop_off;
	for (int i = 0; i < 3; i++) {
		if (need[i] > lens[i]) {
			void *p = realloc(bufs[i], need[i]);

			if (!p)
				return -ENOMEM;
			bufs[i] = p;
			lens[i] = need[i];
		}
		err = np_pread_all(fd, bufs[i], need[i], offs[i]);
		if (err)
			return err;
	}
	np_shm_rmb();
	err = np_pread_all(fd, &g2, sizeof(g2), gen_off);
	if (err)
		return err;
	if (g1 != g2 || atomic_load_explicit(&h->gen, memory_order_relaxed) != g1)
		return -EAGAIN;
	if (g1 == 0 || !np_shm_counts_valid(h))
		return -EINVAL;	/* never published, or nonsense under a valid seqlock */
	return 0;
}

int np_stats_snapshot_read(const char *path, struct np_stats_snapshot *snap)
{
	struct np_shm_hdr h;
	unsigned char *bufs[3] = { NULL, NULL, NULL };
	size_t lens[3] = { 0, 0, 0 };
	struct stat st;
	int fd, err = -EAGAIN;

	if (!path || !snap)
		return -EINVAL;
	memset(snap, 0, sizeof(*snap));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(h)) {
		close(fd);
		return -EINVAL;
	}
	for (int tries = 0; tries < NP_SHM_READ_TRIES; tries++) {
		err = np_snapshot_try(fd, (uint64_t)st.st_size, &h, bufs, lens);
		if (err != -EAGAIN)
			break;
		if (tries > 10) {
			struct timespec ts = { 0, 50000 };

			nanosleep(&ts, NULL);
		}
	}
	close(fd);
	if (!err)
		err = np_snapshot_convert(&h, bufs[0], bufs[1], bufs[2], snap);
	for (int i = 0; i < 3; i++)
		free(bufs[i]);
	if (err)
		np_stats_snapshot_free(snap);
	return err;
}

void np_stats_snapshot_free(struct np_stats_snapshot *snap)
{
	if (!snap)
		return;
	free(snap->pools);
	free(snap->queues);
	snap->pools = NULL;
	snap->queues = NULL;
	snap->nr_pools = 0;
	snap->nr_queues = 0;
}

/* ---- finding publishers ---- */

int np_stats_export_path(pid_t pid, char *buf, size_t len)
{
	int n;

	if (!buf || !len || pid <= 0)
		return -EINVAL;
	n = snprintf(buf, len, NP_STATS_SHM_DIR "/" NP_STATS_SHM_PREFIX "%d", (int)pid);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* "netpool.<digits>" exactly: the pid, else 0 (temporary objects, other files). */
static pid_t np_export_name_pid(const char *name)
{
	const char *p = name + strlen(NP_STATS_SHM_PREFIX);
	long v = 0;

	if (strncmp(name, NP_STATS_SHM_PREFIX, strlen(NP_STATS_SHM_PREFIX)) || !*p)
		return 0;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || v > 100000000L)
			return 0;
		v = v * 10 + (*p - '0');
	}
	return (pid_t)v;
}

static int np_proc_cmp(const void *a, const void *b)
{
	const struct np_stats_proc *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

int np_stats_export_check(pid_t pid)
{
	struct np_shm_hdr h;
	uint32_t now;
	char path[64];
	ssize_t n;
	int fd;

	if (pid <= 0)
		return -EINVAL;
	np_stats_export_path(pid, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* its process gone: stale, whatever the file holds */
	if (kill(pid, 0) && errno == ESRCH) {
		close(fd);
		return -ESRCH;
	}
	n = pread(fd, &h, sizeof(h), 0);
	close(fd);
	if (n < 0)
		return -errno;
	if ((size_t)n < offsetof(struct np_shm_hdr, version) + sizeof(h.version) ||
	    h.magic != NP_SHM_MAGIC)
		return -EINVAL;
	/* one of an older layout has no start time: the pid lives, it counts as its */
	if (h.version != NP_SHM_VERSION || (size_t)n < sizeof(h) || h.hdr_size < sizeof(h))
		return 0;
	if (h.pid != pid)
		return -EINVAL;
	now = np_proc_start_ticks(pid);
	return h.start_ticks && now && now != h.start_ticks ? -ESRCH : 0;
}

int np_stats_export_list(struct np_stats_proc *out, unsigned int max)
{
	DIR *dir = opendir(NP_STATS_SHM_DIR);
	struct dirent *de;
	unsigned int n = 0;

	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		pid_t pid = np_export_name_pid(de->d_name);

		if (pid <= 0)
			continue;
		if (out && n < max) {
			out[n].pid = pid;
			np_stats_export_path(pid, out[n].path, sizeof(out[n].path));
			out[n].stale = np_stats_export_check(pid) == -ESRCH;
		}
		n++;
	}
	closedir(dir);
	if (out)
		qsort(out, NP_MIN(n, max), sizeof(*out), np_proc_cmp);
	return (int)n;
}
