/* SPDX-License-Identifier: MIT */
/*
 * Statistics export, in process: the published snapshot holds every pool
 * (a standalone one with its registry facts, a vnic's with their counters),
 * every queue and the drop counters; while queue threads run, each figure
 * lies between the library's own getters read just before and just after,
 * and never goes back; once traffic stops the figures are equal. A destroyed
 * pool is shown as such until freed, then gone. Stop removes the object. The
 * reader rejects an empty, truncated, wrong-magic, wrong-version, oversized
 * and random file with -EINVAL, a writer stuck mid-snapshot with -EAGAIN.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "testutil.h"

#define INTERVAL_MS	10
#define HDR_VERSION_OFF	4	/* the header starts with magic, then version */
#define HDR_POOL_MAX_OFF 24	/* pool_max */
#define HDR_GEN_OFF	128	/* the seqlock generation */

static char path[128];

static void read_snap(const char *p, struct np_stats_snapshot *s)
{
	int err = np_stats_snapshot_read(p, s);

	if (err) {
		fprintf(stderr, "reading %s: %s\n", p, strerror(-err));
		exit(1);
	}
	CHECK_EQ(s->generation & 1, 0);
}

/* A snapshot whose collection began after this call. */
static void read_fresh(struct np_stats_snapshot *s)
{
	uint64_t g;

	read_snap(path, s);
	g = s->generation;
	for (int i = 0; i < 5000; i++) {
		np_stats_snapshot_free(s);
		read_snap(path, s);
		if (s->generation >= g + 4)
			return;
		t_sleep_ms(1);
	}
	fprintf(stderr, "the publisher stalled at generation %llu\n",
		(unsigned long long)s->generation);
	exit(1);
}

static const struct np_stats_pool *snap_pool(const struct np_stats_snapshot *s, uint32_t id)
{
	for (unsigned int i = 0; i < s->nr_pools; i++)
		if (s->pools[i].info.id == id)
			return &s->pools[i];
	return NULL;
}

static const struct np_stats_queue *snap_queue(const struct np_stats_snapshot *s,
					       const struct np_netdev *dev, unsigned int q)
{
	for (unsigned int i = 0; i < s->nr_queues; i++)
		if (s->queues[i].ifindex == dev->ifindex && s->queues[i].queue == q)
			return &s->queues[i];
	return NULL;
}

static uint64_t snap_drop(const struct np_stats_snapshot *s, enum np_skb_drop_reason r)
{
	for (unsigned int i = 0; i < s->nr_drops; i++)
		if (!strcmp(s->drops[i].reason, np_skb_drop_reason_name(r)))
			return s->drops[i].count;
	fprintf(stderr, "no drop reason %s\n", np_skb_drop_reason_name(r));
	exit(1);
}

/* The library's own figures of @dev, to compare with a snapshot. */
struct figures {
	struct np_pool_stats ps[2];
	struct np_netdev_qstats qs[2];
};

static void figures_get(struct np_netdev *dev, struct figures *f)
{
	for (unsigned int q = 0; q < 2; q++) {
		f->ps[q] = t_pool_stats(dev->q[q].pool);
		np_netdev_get_qstats(dev, (int)q, &f->qs[q]);
	}
}

/* Counters of a snapshot: pool values (inflight excluded: a level), then qstats. */
#define NV (2 * (NP_POOL_STATS_NR - 1) + 2 * (int)NP_NETDEV_QSTATS_NR)

static void flatten(const struct np_pool_stats *ps, const struct np_netdev_qstats *qs,
		    uint64_t out[NV])
{
	int k = 0;

	for (int q = 0; q < 2; q++) {
		int64_t v[NP_POOL_STATS_NR];

		np_pool_stats_values(&ps[q], v);
		for (int i = 0; i < NP_POOL_STATS_NR - 1; i++)
			out[k++] = (uint64_t)v[i];
	}
	for (int q = 0; q < 2; q++)
		for (size_t i = 0; i < NP_NETDEV_QSTATS_NR; i++)
			out[k++] = ((const uint64_t *)&qs[q])[i];
}

static void flatten_figures(const struct figures *f, uint64_t out[NV])
{
	flatten(f->ps, f->qs, out);
}

static void flatten_snap(const struct np_stats_snapshot *s, struct np_netdev *dev,
			 uint64_t out[NV])
{
	struct np_pool_stats ps[2];
	struct np_netdev_qstats qs[2];

	for (unsigned int q = 0; q < 2; q++) {
		const struct np_stats_pool *p = snap_pool(s, dev->q[q].pool->id);
		const struct np_stats_queue *sq = snap_queue(s, dev, q);

		CHECK(p && sq);
		CHECK(p->has_stats);
		CHECK_EQ(sq->pool_id, dev->q[q].pool->id);
		CHECK_EQ(sq->napi_id, dev->q[q].napi.ctx.id);
		CHECK_EQ(p->info.napi_id, dev->q[q].napi.ctx.id);
		CHECK_EQ(p->info.queue, q);
		CHECK_EQ(p->info.ifindex, dev->ifindex);
		CHECK(!strcmp(p->info.ifname, dev->name));
		CHECK(!p->info.orphaned);
		CHECK(!strcmp(sq->kind, "vnic"));
		CHECK(!strcmp(sq->dev, dev->name));
		ps[q] = p->stats;
		qs[q] = sq->st;
	}
	flatten(ps, qs, out);
}

static void write_file(const char *p, const void *buf, size_t len)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	CHECK(fd >= 0);
	CHECK_EQ(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

static unsigned char *read_file(const char *p, size_t *len)
{
	struct stat st;
	unsigned char *buf;
	int fd = open(p, O_RDONLY);

	CHECK(fd >= 0);
	CHECK_EQ(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size);
	CHECK(buf);
	CHECK_EQ(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

/* The reader on damaged copies of a real object. */
static void test_bad_files(const unsigned char *good, size_t len)
{
	char tmp[] = "/tmp/netpool-statsXXXXXX";
	struct np_stats_snapshot s;
	unsigned char *buf = malloc(len);
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	int fd = mkstemp(tmp);

	CHECK(fd >= 0 && buf);
	close(fd);

	/* the intact copy reads */
	write_file(tmp, good, len);
	read_snap(tmp, &s);
	CHECK_EQ(s.pid, getpid());
	np_stats_snapshot_free(&s);

	write_file(tmp, good, 0);
	CHECK_EQ(np_stats_snapshot_read(tmp, &s), -EINVAL);
	CHECK(!s.pools && !s.queues);
	write_file(tmp, good, 100);			/* inside the header */
	CHECK_EQ(np_stats_snapshot_read(tmp, &s), -EINVAL);
	write_file(tmp, good, len / 2);			/* records cut off */
	CHECK_EQ(np_stats_snapshot_read(tmp, &s), -EINVAL);

	memcpy(buf, good, len);
	buf[0] ^= 0xff;					/* magic */
	write_file(tmp, buf, len);
	CHECK_EQ(np_stats_snapshot_read(tmp, &s), -EINVAL);

	memcpy(buf, good, len);
	buf[HDR_VERSION_OFF] = 99;
	write_file(tmp, buf, len);
	CHECK_EQ(np_stats_snapshot_read(tmp, &s), -EINVAL);

	memcpy(buf, good, len);
	memset(buf + HDR_POOL_MAX_OFF, 0xff, 4);	/* more records than the file holds */
	write_file(tmp, buf, len);
	CHECK_EQ(np_stats_snapshot_read(tmp, &s), -EINVAL);

	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)t_xorshift(&seed);
	write_file(tmp, buf, len);
	CHECK_EQ(np_stats_snapshot_read(tmp, &s), -EINVAL);
	write_file(tmp, buf, 300);
	CHECK_EQ(np_stats_snapshot_read(tmp, &s), -EINVAL);

	/* a publisher that died mid-snapshot: odd for ever */
	memcpy(buf, good, len);
	buf[HDR_GEN_OFF] |= 1;
	write_file(tmp, buf, len);
	CHECK_EQ(np_stats_snapshot_read(tmp, &s), -EAGAIN);

	CHECK_EQ(np_stats_snapshot_read("/tmp", &s), -EINVAL);
	CHECK_EQ(np_stats_snapshot_read("/nonexistent/netpool.1", &s), -ENOENT);
	unlink(tmp);
	free(buf);
}

int main(void)
{
	struct np_vnic_params vp = { .nqueues = 2, .ring_size = 128 };
	struct np_vnic_gen gen = { .len_min = 60, .len_max = 1500 };
	struct np_pool_params pp = { .nid = NP_NUMA_NO_NODE, .name = "t-standalone",
				     .ifindex = 77, .queue = 5 };
	struct np_stats_snapshot s, prev;
	struct np_page *pages[3];
	struct np_netdev *dev;
	struct np_pool *pool;
	struct figures a, b;
	uint64_t va[NV], vb[NV], vs[NV], vp_[NV];
	const struct np_stats_pool *sp;
	unsigned char *copy;
	size_t copy_len;
	uint32_t sid;

	np_set_print(t_log_capture);
	np_pool_set_release_timing(5, 0);
	CHECK_EQ(np_pool_create(&pp, &pool), 0);
	sid = pool->id;
	for (int i = 0; i < 3; i++)
		CHECK((pages[i] = np_pool_alloc_pages(pool)));
	CHECK_EQ(np_vnic_create(&vp, &dev), 0);
	CHECK_EQ(np_netdev_open(dev), 0);

	CHECK_EQ(np_stats_export_path(getpid(), path, sizeof(path)), 0);
	CHECK_EQ(np_stats_export_start("t-export", INTERVAL_MS), 0);
	CHECK_EQ(np_stats_export_start("t-export", INTERVAL_MS), -EBUSY);
	CHECK_EQ(access(path, R_OK), 0);

	/* the first snapshot is there at once */
	read_snap(path, &s);
	CHECK_EQ(s.pid, getpid());
	CHECK(!strcmp(s.name, "t-export"));
	CHECK_EQ(s.version, 2);
	CHECK_EQ(s.interval_ms, INTERVAL_MS);
	CHECK(s.nr_pools >= 3 && s.nr_pools == s.pools_total);
	CHECK(s.nr_queues >= 2 && s.nr_queues == s.queues_total);
	CHECK_EQ(s.nr_drops, NP_SKB_DROP_MAX);
	sp = snap_pool(&s, sid);
	CHECK(sp);
	CHECK(!strcmp(sp->info.name, "t-standalone"));
	CHECK_EQ(sp->info.ifindex, 77);
	CHECK(!sp->info.ifname[0]);	/* an owner without a name */
	CHECK_EQ(sp->info.queue, 5);
	/* the slow path brought a bulk into the cache: all of it is in the pool's charge */
	CHECK(sp->info.inflight >= 3);
	CHECK_EQ(sp->info.inflight, np_pool_inflight(pool));
	CHECK_EQ(sp->info.inflight_bytes, (uint64_t)sp->info.inflight * NP_PAGE_SIZE);
	CHECK(!sp->info.destroyed);
	/* no netdev queue owns it: its counters come from the registry by id */
	CHECK(sp->has_stats);
	{
		struct np_pool_stats st = { .size = sizeof(st) };

		CHECK_EQ(np_pool_get_stats(pool, &st), 0);
		CHECK_EQ(sp->stats.alloc.slow, st.alloc.slow);
		CHECK_EQ(sp->stats.alloc.fast, st.alloc.fast);
		CHECK(sp->stats.alloc.slow > 0);
	}
	np_stats_snapshot_free(&s);

	/* traffic on both queues from their threads: every figure between before and after */
	for (unsigned int q = 0; q < 2; q++)
		CHECK_EQ(np_vnic_gen_start(dev, q, &gen), 0);
	CHECK_EQ(np_netdev_start(dev, NULL), 0);
	memset(&prev, 0, sizeof(prev));
	for (int round = 0; round < 8; round++) {
		figures_get(dev, &a);
		read_fresh(&s);
		figures_get(dev, &b);
		flatten_figures(&a, va);
		flatten_figures(&b, vb);
		flatten_snap(&s, dev, vs);
		for (int k = 0; k < NV; k++) {
			if (va[k] > vs[k] || vs[k] > vb[k]) {
				fprintf(stderr, "round %d counter %d: %llu <= %llu <= %llu fails\n",
					round, k, (unsigned long long)va[k],
					(unsigned long long)vs[k], (unsigned long long)vb[k]);
				return 1;
			}
		}
		if (round) {
			CHECK(s.generation > prev.generation);
			CHECK(s.time_ns > prev.time_ns);
			flatten_snap(&prev, dev, vp_);
			for (int k = 0; k < NV; k++)
				CHECK(vs[k] >= vp_[k]);
			np_stats_snapshot_free(&prev);
		}
		prev = s;
	}
	flatten_snap(&prev, dev, vs);
	CHECK(snap_queue(&prev, dev, 0)->st.rx_packets > 0);
	CHECK(snap_queue(&prev, dev, 1)->st.rx_packets > 0);
	np_stats_snapshot_free(&prev);

	/* traffic stopped: equal */
	np_netdev_stop(dev);
	for (unsigned int q = 0; q < 2; q++)
		np_vnic_gen_stop(dev, q);
	figures_get(dev, &a);
	read_fresh(&s);
	flatten_figures(&a, va);
	flatten_snap(&s, dev, vs);
	for (int k = 0; k < NV; k++)
		CHECK_EQ(vs[k], va[k]);
	for (unsigned int q = 0; q < 2; q++) {
		sp = snap_pool(&s, dev->q[q].pool->id);
		CHECK_EQ(sp->stats.inflight, a.ps[q].inflight);
		CHECK_EQ(sp->info.inflight, np_pool_inflight(dev->q[q].pool));
	}
	CHECK_EQ(s.skb_live, np_skb_live());
	for (int r = 0; r < NP_SKB_DROP_MAX; r++)
		CHECK_EQ(snap_drop(&s, (enum np_skb_drop_reason)r),
			 np_skb_drop_count((enum np_skb_drop_reason)r));
	CHECK(snap_drop(&s, NP_SKB_DROP_CONSUMED) > 0);
	np_stats_snapshot_free(&s);

	/* a destroyed pool waiting for its pages is shown so, then it is gone */
	np_pool_destroy(pool);
	read_fresh(&s);
	sp = snap_pool(&s, sid);
	CHECK(sp && sp->info.destroyed);
	CHECK_EQ(sp->info.inflight, 3);	/* the idle pages left, the three out keep it */
	np_stats_snapshot_free(&s);
	for (int i = 0; i < 3; i++)
		np_pool_put_page(pool, pages[i], 0, false);
	CHECK(t_wait_pool_freed(sid, 5000));
	read_fresh(&s);
	CHECK(!snap_pool(&s, sid));
	np_stats_snapshot_free(&s);

	/* the reader against damaged copies of this very object */
	copy = read_file(path, &copy_len);
	test_bad_files(copy, copy_len);
	free(copy);

	/* stop removes the object; stop again is a no-op; start works again */
	np_stats_export_stop();
	CHECK(access(path, F_OK) && errno == ENOENT);
	CHECK_EQ(np_stats_snapshot_read(path, &s), -ENOENT);
	np_stats_export_stop();
	CHECK_EQ(np_stats_export_start(NULL, 0), 0);
	read_snap(path, &s);
	CHECK_EQ(s.interval_ms, NP_STATS_INTERVAL_MS);
	CHECK(s.name[0]);	/* the program's name */
	np_stats_snapshot_free(&s);
	np_stats_export_stop();
	CHECK(access(path, F_OK) && errno == ENOENT);

	{
		struct np_stats_proc procs[64];
		int n = np_stats_export_list(procs, 64);

		CHECK(n >= 0);
		for (int i = 0; i < n && i < 64; i++)
			CHECK(procs[i].pid != getpid());
	}
	np_netdev_destroy(dev);
	CHECK_EQ(t_log_level_count(NP_LOG_ERROR), 0);
	return 0;
}
