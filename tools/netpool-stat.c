/* SPDX-License-Identifier: MIT */
/*
 * netpool-stat - the live pool, queue and drop statistics of a running
 * netpool process, like ethtool -S or the kernel's page-pool netlink dump.
 *
 *   netpool-stat [--pid PID] [--json] [--watch[=SECS]] [--count N]
 *   netpool-stat --list [--json]
 *   netpool-stat --prune [--pid PID] [--json]
 *
 * A process publishes with np_stats_export_start() (netpool-fwd does): a
 * snapshot every 200 ms in /dev/shm/netpool.<pid>. This tool only reads it
 * (np_stats_snapshot_read(): never torn, never stopping the datapath); the
 * one thing it removes, with --prune, is the object of a process that is
 * gone (killed with SIGKILL, say). The manual is man/netpool-stat.1
 * (netpool-stat(1)).
 * Exit status: 0 done, 1 no such process, a stale or unreadable object, an
 * object --prune could not remove, 2 bad usage.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "netpool.h"
#include "toolutil.h"
#include "stat_opts.h"

#define MAX_PROCS	256

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* ---- usage ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: netpool-stat [--pid PID] [--json] [--watch[=SECS]] [--count N]\n"
		"       netpool-stat --list [--json]\n"
		"       netpool-stat --prune [--pid PID] [--json]\n"
		"       netpool-stat --help | --version\n"
		"The live statistics of a netpool process; see netpool-stat(1).\n"
		"Options take their value as --opt=VALUE or --opt VALUE (--watch=SECS only),\n"
		"and may be abbreviated.\n"
		"\n"
		"  --pid PID      the process to read (default: the one running netpool process)\n"
		"  --json         one JSON object per line\n"
		"  --watch[=SECS] report again every SECS seconds (default 1), with rates\n"
		"  --count N      with --watch: stop after N reports\n"
		"  --list         list the processes publishing statistics (live or stale)\n"
		"  --prune        remove the objects of processes that are gone (with --pid:\n"
		"                 that one's), saying which\n"
		"  -h, --help     this text\n"
		"  -V, --version  the version, and exit\n");
}

/* ---- output helpers ---- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A string from another process, as a JSON string. */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* A string from another process, for a table: printable ASCII only. */
static void clean_str(char *dst, size_t len, const char *s)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < len; i++)
		dst[i] = (s[i] > 0x20 && s[i] < 0x7f) ? s[i] : '?';
	dst[i] = '\0';
	if (!i && len > 1)
		snprintf(dst, len, "-");
}

/* A table of string cells, printed with each column as wide as its widest cell. */
struct table {
	unsigned int ncols, nrows, cap;
	char (*cells)[24];	/* (nrows + 1) * ncols, the header first */
};

static void table_init(struct table *t, unsigned int ncols, const char *const *hdr)
{
	t->ncols = ncols;
	t->nrows = 0;
	t->cap = 16;
	t->cells = calloc((size_t)(t->cap + 1) * ncols, sizeof(*t->cells));
	if (!t->cells) {
		fprintf(stderr, "netpool-stat: out of memory\n");
		exit(1);
	}
	for (unsigned int c = 0; c < ncols; c++)
		snprintf(t->cells[c], sizeof(t->cells[c]), "%s", hdr[c]);
}

static char (*table_row(struct table *t))[24]
{
	if (t->nrows == t->cap) {
		size_t n = (size_t)(2 * t->cap + 1) * t->ncols;
		void *p = realloc(t->cells, n * sizeof(*t->cells));

		if (!p) {
			fprintf(stderr, "netpool-stat: out of memory\n");
			exit(1);
		}
		t->cells = p;
		t->cap *= 2;
	}
	t->nrows++;
	return &t->cells[(size_t)t->nrows * t->ncols];
}

static void table_print(struct table *t, unsigned int left_cols)
{
	size_t width[64] = { 0 };

	for (unsigned int r = 0; r <= t->nrows; r++)
		for (unsigned int c = 0; c < t->ncols && c < 64; c++)
			width[c] = NP_MAX(width[c], strlen(t->cells[(size_t)r * t->ncols + c]));
	for (unsigned int r = 0; r <= t->nrows; r++) {
		printf(" ");
		for (unsigned int c = 0; c < t->ncols && c < 64; c++)
			printf(c < left_cols ? " %-*s" : " %*s", (int)width[c],
			       t->cells[(size_t)r * t->ncols + c]);
		printf("\n");
	}
	free(t->cells);
	t->cells = NULL;
}

/* A counter cell: the total, or with a previous snapshot the rate per second. */
static void counter_cell(char *cell, uint64_t v, const uint64_t *prev, double dt)
{
	if (!prev)
		snprintf(cell, 24, "%" PRIu64, v);
	else
		snprintf(cell, 24, "%.0f", dt > 0 && v >= *prev ? (double)(v - *prev) / dt : 0.0);
}

/* ---- the report ---- */

/* The pool counters netpool-stat shows, as in the kernel's page-pool dump. */
enum { PS_FAST, PS_SLOW, PS_REFILL, PS_EMPTY, PS_WAIVE, PS_CACHED, PS_CACHE_FULL, PS_RING,
       PS_RING_FULL, PS_RELEASED_REFCNT, PS_RELEASE, PS_NR };
static const char *const pool_cols[PS_NR] = {
	"fast", "slow", "refill", "empty", "waive", "cached", "cache_full", "ring", "ring_full",
	"released_refcnt", "release",
};

static void pool_values(const struct np_pool_stats *st, uint64_t v[PS_NR])
{
	v[PS_FAST] = st->alloc.fast;
	v[PS_SLOW] = st->alloc.slow;
	v[PS_REFILL] = st->alloc.refill;
	v[PS_EMPTY] = st->alloc.empty;
	v[PS_WAIVE] = st->alloc.waive;
	v[PS_CACHED] = st->recycle.cached;
	v[PS_CACHE_FULL] = st->recycle.cache_full;
	v[PS_RING] = st->recycle.ring;
	v[PS_RING_FULL] = st->recycle.ring_full;
	v[PS_RELEASED_REFCNT] = st->recycle.released_refcnt;
	v[PS_RELEASE] = st->release;
}

static const struct np_stats_pool *find_pool(const struct np_stats_snapshot *s, uint32_t id)
{
	for (unsigned int i = 0; s && i < s->nr_pools; i++)
		if (s->pools[i].info.id == id)
			return &s->pools[i];
	return NULL;
}

static const struct np_stats_queue *find_queue(const struct np_stats_snapshot *s,
					       const struct np_stats_queue *q)
{
	for (unsigned int i = 0; s && i < s->nr_queues; i++)
		if (s->queues[i].ifindex == q->ifindex && s->queues[i].queue == q->queue)
			return &s->queues[i];
	return NULL;
}

/*
 * A pool's state as the page-pool dump tells it: live (its netdev is open),
 * destroyed (the netdev closed, pages of it still out: detached), orphaned
 * (its netdev is gone too), broken (a negative inflight).
 */
static const char *pool_state(const struct np_pool_info *info)
{
	return info->broken ? "broken" : info->orphaned ? "orphaned" :
	       info->destroyed ? "destroyed" : "live";
}

/* Seconds since the pool was destroyed, as of the snapshot; "-" while live. */
static void detach_cell(char *cell, const struct np_stats_snapshot *s,
			const struct np_pool_info *info)
{
	if (!info->detach_time_ns)
		snprintf(cell, 24, "-");
	else
		snprintf(cell, 24, "%.1fs", s->time_ns > info->detach_time_ns ?
			 (double)(s->time_ns - info->detach_time_ns) / 1e9 : 0.0);
}

/* The value named @name among @q's driver counters, NULL: none. */
static const uint64_t *drv_find(const struct np_stats_queue *q, const char *name)
{
	for (unsigned int k = 0; q && k < q->drv_nr; k++)
		if (!strcmp(q->drv_names[k], name))
			return &q->drv[k];
	return NULL;
}

/* The drivers' own counters of each queue that has some, as ethtool -S lists them. */
static void print_drv_table(const struct np_stats_snapshot *s,
			    const struct np_stats_snapshot *prev, double dt)
{
	bool any = false;

	for (unsigned int i = 0; i < s->nr_queues; i++) {
		const struct np_stats_queue *q = &s->queues[i];
		const struct np_stats_queue *pq = prev ? find_queue(prev, q) : NULL;
		char dev[NP_IFNAMSIZ], kind[24];

		if (!q->drv_nr)
			continue;
		if (!any)
			printf("driver counters (ethtool -S):\n");
		any = true;
		clean_str(dev, sizeof(dev), q->dev);
		clean_str(kind, sizeof(kind), q->kind);
		printf("  %s queue %" PRIu32 " (%s):\n", dev, q->queue, kind);
		for (unsigned int k = 0; k < q->drv_nr; k++) {
			char name[NP_STATS_NAME_LEN], cell[24];

			clean_str(name, sizeof(name), q->drv_names[k]);
			counter_cell(cell, q->drv[k], drv_find(pq, q->drv_names[k]), dt);
			printf("    %-20s %s\n", name, cell);
		}
	}
	if (any)
		printf("\n");
}

static void print_table(const struct np_stats_snapshot *s, const struct np_stats_snapshot *prev,
			double dt)
{
	static const char *const fixed[] = { "id", "name", "dev", "ifindex", "queue", "napi",
					     "inflight", "state", "detached" };
	const char *hdr[NP_ARRAY_SIZE(fixed) + PS_NR];
	const char *qhdr[5 + NP_NETDEV_QSTATS_NR];
	struct table t;
	char name[NP_STATS_NAME_LEN];
	uint64_t age = now_ns() > s->time_ns ? now_ns() - s->time_ns : 0;

	clean_str(name, sizeof(name), s->name);
	printf("pid %d (%s): snapshot %" PRIu64 " ms old, generation %" PRIu64
	       ", skb live %" PRId64 "\n",
	       (int)s->pid, name, age / 1000000, s->generation, s->skb_live);
	if (prev)
		printf("counters: per second over the last %.2f s\n", dt);

	memcpy(hdr, fixed, sizeof(fixed));
	memcpy(hdr + NP_ARRAY_SIZE(fixed), pool_cols, sizeof(pool_cols));
	printf("pools (%u%s):\n", s->pools_total,
	       s->nr_pools < s->pools_total ? ", truncated" : "");
	table_init(&t, NP_ARRAY_SIZE(hdr), hdr);
	for (unsigned int i = 0; i < s->nr_pools; i++) {
		const struct np_stats_pool *p = &s->pools[i];
		const struct np_stats_pool *pp = prev ? find_pool(prev, p->info.id) : NULL;
		char (*row)[24] = table_row(&t);
		uint64_t v[PS_NR], pv[PS_NR];

		snprintf(row[0], 24, "%" PRIu32, p->info.id);
		clean_str(row[1], 24, p->info.name);
		/* an orphan's netdev is gone: no device, as the kernel's dump shows no ifindex */
		if (p->info.ifname[0])
			clean_str(row[2], 24, p->info.ifname);
		else
			snprintf(row[2], 24, "%s", p->info.orphaned ? "(gone)" : "-");
		snprintf(row[3], 24, "%d", p->info.ifindex);
		snprintf(row[4], 24, "%" PRIu32, p->info.queue);
		snprintf(row[5], 24, "%" PRIu32, p->info.napi_id);
		snprintf(row[6], 24, "%" PRId64, p->info.inflight);
		snprintf(row[7], 24, "%s", pool_state(&p->info));
		detach_cell(row[8], s, &p->info);
		pool_values(&p->stats, v);
		if (pp)
			pool_values(&pp->stats, pv);
		for (unsigned int c = 0; c < PS_NR; c++) {
			if (!p->has_stats)
				snprintf(row[9 + c], 24, "-");
			else
				counter_cell(row[9 + c], v[c], pp && pp->has_stats ? &pv[c] : NULL,
					     dt);
		}
	}
	table_print(&t, 3);

	qhdr[0] = "dev";
	qhdr[1] = "kind";
	qhdr[2] = "ifindex";
	qhdr[3] = "queue";
	qhdr[4] = "pool";
	for (unsigned int c = 0; c < NP_NETDEV_QSTATS_NR; c++)
		qhdr[5 + c] = np_netdev_qstats_names[c];
	printf("queues (%u%s):\n", s->queues_total,
	       s->nr_queues < s->queues_total ? ", truncated" : "");
	table_init(&t, NP_ARRAY_SIZE(qhdr), qhdr);
	for (unsigned int i = 0; i < s->nr_queues; i++) {
		const struct np_stats_queue *q = &s->queues[i];
		const struct np_stats_queue *pq = prev ? find_queue(prev, q) : NULL;
		const uint64_t *v = (const uint64_t *)&q->st;
		const uint64_t *pv = pq ? (const uint64_t *)&pq->st : NULL;
		char (*row)[24] = table_row(&t);

		clean_str(row[0], 24, q->dev);
		clean_str(row[1], 24, q->kind);
		snprintf(row[2], 24, "%" PRIu32, q->ifindex);
		snprintf(row[3], 24, "%" PRIu32, q->queue);
		if (q->pool_id)
			snprintf(row[4], 24, "%" PRIu32, q->pool_id);
		else
			snprintf(row[4], 24, "-");	/* the netdev is closed: no pool */
		for (unsigned int c = 0; c < NP_NETDEV_QSTATS_NR; c++)
			counter_cell(row[5 + c], v[c], pv ? &pv[c] : NULL, dt);
	}
	table_print(&t, 2);
	print_drv_table(s, prev, dt);

	printf("drops by reason:\n");
	for (unsigned int i = 0; i < s->nr_drops; i++) {
		char reason[NP_STATS_NAME_LEN], cell[24];
		const uint64_t *pv = prev && i < prev->nr_drops ? &prev->drops[i].count : NULL;

		clean_str(reason, sizeof(reason), s->drops[i].reason);
		counter_cell(cell, s->drops[i].count, pv, dt);
		printf("  %-16s %s\n", reason, cell);
	}
}

static void json_rate(const char *key, uint64_t v, uint64_t pv, double dt, bool *first)
{
	printf("%s\"%s\": %.1f", *first ? "" : ", ", key,
	       dt > 0 && v >= pv ? (double)(v - pv) / dt : 0.0);
	*first = false;
}

static void print_json(const struct np_stats_snapshot *s, const struct np_stats_snapshot *prev,
		       double dt)
{
	uint64_t age = now_ns() > s->time_ns ? now_ns() - s->time_ns : 0;

	printf("{\"type\": \"snapshot\", \"pid\": %d, \"name\": ", (int)s->pid);
	json_str(s->name);
	printf(", \"generation\": %" PRIu64 ", \"time_ns\": %" PRIu64 ", \"realtime_ns\": %" PRIu64
	       ", \"age_ms\": %" PRIu64 ", \"interval_ms\": %" PRIu32 ", \"skb_live\": %" PRId64
	       ", \"pools\": %u, \"pools_total\": %u, \"queues\": %u, \"queues_total\": %u",
	       s->generation, s->time_ns, s->realtime_ns, age / 1000000, s->interval_ms,
	       s->skb_live, s->nr_pools, s->pools_total, s->nr_queues, s->queues_total);
	if (prev)
		printf(", \"rate_interval_s\": %.3f", dt);
	printf("}\n");

	for (unsigned int i = 0; i < s->nr_pools; i++) {
		const struct np_stats_pool *p = &s->pools[i];
		const struct np_stats_pool *pp = prev ? find_pool(prev, p->info.id) : NULL;
		int64_t v[NP_POOL_STATS_NR], pv[NP_POOL_STATS_NR];

		printf("{\"type\": \"pool\", \"pid\": %d, \"id\": %" PRIu32 ", \"name\": ",
		       (int)s->pid, p->info.id);
		json_str(p->info.name);
		printf(", \"ifname\": ");
		json_str(p->info.ifname);
		printf(", \"ifindex\": %d, \"queue\": %" PRIu32 ", \"napi_id\": %" PRIu32
		       ", \"order\": %" PRIu32 ", \"inflight\": %" PRId64 ", \"inflight_bytes\": %"
		       PRIu64 ", \"state\": \"%s\", \"destroyed\": %s, \"orphaned\": %s, "
		       "\"broken\": %s, \"detach_time_ns\": %" PRIu64 ", \"has_stats\": %s",
		       p->info.ifindex, p->info.queue, p->info.napi_id, p->info.order,
		       p->info.inflight, p->info.inflight_bytes, pool_state(&p->info),
		       p->info.destroyed ? "true" : "false", p->info.orphaned ? "true" : "false",
		       p->info.broken ? "true" : "false", p->info.detach_time_ns,
		       p->has_stats ? "true" : "false");
		if (p->has_stats) {
			np_pool_stats_values(&p->stats, v);
			/* inflight is the pool's own, above: a key once per object */
			for (int k = 0; k < NP_POOL_STATS_NR; k++)
				if (strcmp(np_pool_stats_names[k], "inflight"))
					printf(", \"%s\": %" PRId64, np_pool_stats_names[k], v[k]);
			if (pp && pp->has_stats) {
				bool first = true;

				np_pool_stats_values(&pp->stats, pv);
				printf(", \"rate\": {");
				/* the last value is inflight, a level rather than a counter */
				for (int k = 0; k < NP_POOL_STATS_NR - 1; k++)
					json_rate(np_pool_stats_names[k], (uint64_t)v[k],
						  (uint64_t)pv[k], dt, &first);
				printf("}");
			}
		}
		printf("}\n");
	}

	for (unsigned int i = 0; i < s->nr_queues; i++) {
		const struct np_stats_queue *q = &s->queues[i];
		const struct np_stats_queue *pq = prev ? find_queue(prev, q) : NULL;
		const uint64_t *v = (const uint64_t *)&q->st;

		printf("{\"type\": \"queue\", \"pid\": %d, \"dev\": ", (int)s->pid);
		json_str(q->dev);
		printf(", \"kind\": ");
		json_str(q->kind);
		printf(", \"ifindex\": %" PRIu32 ", \"queue\": %" PRIu32 ", \"pool_id\": %" PRIu32
		       ", \"napi_id\": %" PRIu32,
		       q->ifindex, q->queue, q->pool_id, q->napi_id);
		for (unsigned int k = 0; k < NP_NETDEV_QSTATS_NR; k++)
			printf(", \"%s\": %" PRIu64, np_netdev_qstats_names[k], v[k]);
		if (pq) {
			const uint64_t *pv = (const uint64_t *)&pq->st;
			bool first = true;

			printf(", \"rate\": {");
			for (unsigned int k = 0; k < NP_NETDEV_QSTATS_NR; k++)
				json_rate(np_netdev_qstats_names[k], v[k], pv[k], dt, &first);
			printf("}");
		}
		if (q->drv_nr) {
			printf(", \"driver\": {");
			for (unsigned int k = 0; k < q->drv_nr; k++) {
				printf("%s", k ? ", " : "");
				json_str(q->drv_names[k]);
				printf(": %" PRIu64, q->drv[k]);
			}
			printf("}");
		}
		printf("}\n");
	}

	printf("{\"type\": \"drops\", \"pid\": %d", (int)s->pid);
	for (unsigned int i = 0; i < s->nr_drops; i++) {
		printf(", ");
		json_str(s->drops[i].reason);
		printf(": %" PRIu64, s->drops[i].count);
	}
	printf("}\n");
}

/* ---- finding the process ---- */

static bool pid_gone(pid_t pid)
{
	return kill(pid, 0) && errno == ESRCH;
}

/*
 * Whether the object named @name of @pid is stale: its process is gone, or
 * the pid now belongs to a process started after the object was written. A
 * half-made one (.tmp): when the pid is gone.
 */
static bool object_stale(const char *name, pid_t pid)
{
	return strstr(name, ".tmp") ? pid_gone(pid) : np_stats_export_check(pid) == -ESRCH;
}

/* How many of the @n objects listed are stale. */
static int stale_count(const struct np_stats_proc *procs, int n)
{
	int stale = 0;

	for (int i = 0; i < n && i < MAX_PROCS; i++)
		stale += procs[i].stale;
	return stale;
}

/*
 * The pid of an object of ours in /dev/shm: "netpool.<pid>", or
 * "netpool.<pid>.tmp" (a start that died before the object was complete);
 * else 0.
 */
static pid_t object_pid(const char *name)
{
	size_t plen = strlen(NP_STATS_SHM_PREFIX);
	const char *p = name + plen;
	char *end;
	long v;

	if (strncmp(name, NP_STATS_SHM_PREFIX, plen) || *p < '1' || *p > '9')
		return 0;
	errno = 0;
	v = strtol(p, &end, 10);
	if (errno || v <= 0 || v > 0x7fffffff || (*end && strcmp(end, ".tmp")))
		return 0;
	return (pid_t)v;
}

/*
 * --prune: remove the objects whose process is gone (no such process, or
 * the pid taken by a later one; a process of another user counts as there),
 * each named; with --pid only that process's. Return: 0, or 1 when one could
 * not be removed or --pid's object is its running publisher's.
 */
static int prune(const struct stat_opts *o)
{
	DIR *dir = opendir(NP_STATS_SHM_DIR);
	struct dirent *de;
	int rc = 0, removed = 0;

	if (!dir) {
		fprintf(stderr, "netpool-stat: cannot read %s: %s\n", NP_STATS_SHM_DIR,
			strerror(errno));
		return 1;
	}
	while ((de = readdir(dir))) {
		pid_t pid = object_pid(de->d_name);
		char path[sizeof(NP_STATS_SHM_DIR) + 256];

		if (!pid || (o->pid && pid != o->pid) || !object_stale(de->d_name, pid))
			continue;
		snprintf(path, sizeof(path), "%s/%s", NP_STATS_SHM_DIR, de->d_name);
		if (unlink(path)) {
			if (errno == ENOENT)
				continue;	/* removed by someone else meanwhile */
			fprintf(stderr, "netpool-stat: cannot remove %s: %s\n", path,
				strerror(errno));
			rc = 1;
			continue;
		}
		removed++;
		if (o->json) {
			printf("{\"type\": \"pruned\", \"pid\": %d, \"object\": ", (int)pid);
			json_str(path);
			printf("}\n");
		} else if (pid_gone(pid)) {
			printf("removed %s (process %d is gone)\n", path, (int)pid);
		} else {
			printf("removed %s (the process that wrote it is gone; pid %d is another "
			       "process's now)\n", path, (int)pid);
		}
	}
	closedir(dir);
	if (o->pid && np_stats_export_check(o->pid) == 0) {
		fprintf(stderr, "netpool-stat: process %d is running: its object is not stale "
				"(nothing removed)\n", (int)o->pid);
		return 1;
	}
	if (!o->json && !removed && !rc) {
		if (o->pid)
			printf("nothing to prune: no object of process %d in %s\n", (int)o->pid,
			       NP_STATS_SHM_DIR);
		else
			printf("nothing to prune: no stale object in %s\n", NP_STATS_SHM_DIR);
	}
	return rc;
}

static int list_procs(const struct stat_opts *o)
{
	struct np_stats_proc procs[MAX_PROCS];
	int n = np_stats_export_list(procs, MAX_PROCS);

	if (n < 0) {
		fprintf(stderr, "netpool-stat: cannot read %s: %s\n", NP_STATS_SHM_DIR,
			strerror(-n));
		return 1;
	}
	if (!o->json)
		printf("%-8s %-7s %-20s %s\n", "pid", "state", "name", "object");
	for (int i = 0; i < n && i < MAX_PROCS; i++) {
		struct np_stats_snapshot s;
		const char *state = procs[i].stale ? "stale" : "live";
		int err = 0;
		char name[NP_STATS_NAME_LEN] = "-";

		if (!procs[i].stale) {
			err = np_stats_snapshot_read(procs[i].path, &s);
			if (err)
				state = "unreadable";
			else
				snprintf(name, sizeof(name), "%s", s.name);
			np_stats_snapshot_free(&s);
		}
		if (o->json) {
			printf("{\"type\": \"process\", \"pid\": %d, \"state\": \"%s\", \"name\": ",
			       (int)procs[i].pid, state);
			json_str(name);
			printf(", \"object\": ");
			json_str(procs[i].path);
			printf("}\n");
		} else {
			char clean[NP_STATS_NAME_LEN];

			clean_str(clean, sizeof(clean), name);
			printf("%-8d %-7s %-20s %s\n", (int)procs[i].pid, state, clean,
			       procs[i].path);
		}
	}
	if (!o->json && !n)
		printf("(no netpool process publishes statistics)\n");
	if (!o->json && stale_count(procs, n))
		printf("(stale: the process is gone; netpool-stat --prune removes the object)\n");
	return 0;
}

/* The pid to read: --pid, else the only live publisher. Return: 0, or an exit status. */
static int pick_pid(struct stat_opts *o)
{
	struct np_stats_proc procs[MAX_PROCS];
	int n, live = 0;
	pid_t found = 0;

	if (o->pid)
		return 0;
	n = np_stats_export_list(procs, MAX_PROCS);
	if (n < 0) {
		fprintf(stderr, "netpool-stat: cannot read %s: %s\n", NP_STATS_SHM_DIR,
			strerror(-n));
		return 1;
	}
	for (int i = 0; i < n && i < MAX_PROCS; i++)
		if (!procs[i].stale) {
			live++;
			found = procs[i].pid;
		}
	if (live == 1) {
		o->pid = found;
		return 0;
	}
	if (!live) {
		int stale = stale_count(procs, n);

		fprintf(stderr, "netpool-stat: no running netpool process publishes statistics "
				"(no live %s/%s<pid>)\n", NP_STATS_SHM_DIR, NP_STATS_SHM_PREFIX);
		if (stale)
			fprintf(stderr, "netpool-stat: %d stale object%s of processes that are gone: "
					"netpool-stat --prune removes them\n", stale,
				stale > 1 ? "s" : "");
		return 1;
	}
	fprintf(stderr, "netpool-stat: %d netpool processes are running; pick one with --pid:\n",
		live);
	for (int i = 0; i < n && i < MAX_PROCS; i++)
		if (!procs[i].stale)
			fprintf(stderr, "  %d\n", (int)procs[i].pid);
	return 1;
}

/* Read @pid's snapshot. Return: 0, or an exit status after a message. */
static int read_snapshot(pid_t pid, struct np_stats_snapshot *s)
{
	char path[64];
	int err;

	np_stats_export_path(pid, path, sizeof(path));
	err = np_stats_export_check(pid);
	if (err == -ESRCH || (err == -ENOENT && pid_gone(pid))) {
		if (err == -ENOENT)
			fprintf(stderr, "netpool-stat: no process %d\n", (int)pid);
		else if (pid_gone(pid))
			fprintf(stderr, "netpool-stat: process %d is gone: %s is stale "
					"(not read; netpool-stat --prune removes it)\n", (int)pid, path);
		else
			fprintf(stderr, "netpool-stat: %s is stale: the process %d that wrote it is "
					"gone, and its pid is another process's now (not read; "
					"netpool-stat --prune removes it)\n", path, (int)pid);
		return 1;
	}
	err = np_stats_snapshot_read(path, s);
	if (!err)
		return 0;
	if (err == -ENOENT)
		fprintf(stderr, "netpool-stat: process %d publishes no statistics (no %s)\n",
			(int)pid, path);
	else if (err == -EINVAL)
		fprintf(stderr, "netpool-stat: %s is not a netpool statistics object of this "
				"version\n", path);
	else
		fprintf(stderr, "netpool-stat: cannot read %s: %s\n", path, strerror(-err));
	return 1;
}

static void sleep_s(double secs)
{
	struct timespec ts = { .tv_sec = (time_t)secs,
			       .tv_nsec = (long)((secs - (double)(time_t)secs) * 1e9) };

	nanosleep(&ts, NULL);	/* a signal ends it early */
}

int main(int argc, char **argv)
{
	struct np_stats_snapshot cur, prev;
	struct sigaction sa = { .sa_handler = on_signal };
	struct stat_opts o;
	uint64_t reports = 0;
	int rc;

	rc = stat_opts_parse(argc, argv, &o, stderr);
	if (rc == STAT_OPTS_HELP) {
		usage(stdout);
		return 0;
	}
	if (rc == STAT_OPTS_VERSION) {
		np_tool_version(stdout, "netpool-stat");
		return 0;
	}
	if (rc)
		return 2;
	if (o.list)
		return list_procs(&o);
	if (o.prune)
		return prune(&o);
	rc = pick_pid(&o);
	if (rc)
		return rc;
	rc = read_snapshot(o.pid, &cur);
	if (rc)
		return rc;
	if (o.json)
		print_json(&cur, NULL, 0);
	else
		print_table(&cur, NULL, 0);
	fflush(stdout);
	if (!o.watch) {
		np_stats_snapshot_free(&cur);
		return 0;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!stop_flag && (!o.count || ++reports < o.count)) {
		char path[64];
		double dt;
		int err;

		sleep_s(o.watch);
		if (stop_flag)
			break;
		prev = cur;
		np_stats_export_path(o.pid, path, sizeof(path));
		/* gone, or killed and its pid given to another process: it exited */
		err = np_stats_export_check(o.pid);
		err = err == -ESRCH ? -ENOENT : err ? err : np_stats_snapshot_read(path, &cur);
		if (err) {
			np_stats_snapshot_free(&prev);
			if (err == -ENOENT) {
				fprintf(stderr, "netpool-stat: process %d exited\n", (int)o.pid);
				return 0;
			}
			fprintf(stderr, "netpool-stat: cannot read %s: %s\n", path, strerror(-err));
			return 1;
		}
		dt = (double)(cur.time_ns - prev.time_ns) / 1e9;
		if (o.json) {
			print_json(&cur, &prev, dt);
		} else {
			printf("\n");
			print_table(&cur, &prev, dt);
		}
		fflush(stdout);
		np_stats_snapshot_free(&prev);
	}
	np_stats_snapshot_free(&cur);
	return 0;
}
