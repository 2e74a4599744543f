/* SPDX-License-Identifier: MIT */
/*
 * A netdev's page_pools live from open to close, as a kernel driver's, seen
 * at every step of its life (created, open, a page held, closed, page back,
 * reopened, destroyed with a page held) from the registry, the statistics
 * export and netpool-stat, for a vnic and for a driver that posts nothing:
 * a closed device's held pool stays destroyed but visible, a destroyed
 * device's is an orphan, a failed queue_open leaves no pool, the device's
 * counters cover its freed pools. Every buffer back at the end
 * (docs/reliability.md, "Pool lifecycle").
 */
#include <unistd.h>
#include "testutil.h"

#define INTERVAL_MS	5
#define NQ		2

static char stat_tool[4096];
static char shm_path[128];
static char out[1 << 18];

enum state { GONE, LIVE, DETACHED, ORPHAN };
static const char *const state_names[] = { "gone", "live", "destroyed", "orphaned" };

struct want {
	uint32_t id;
	enum state state;
	int64_t inflight;	/* DETACHED and ORPHAN: exact; LIVE: not checked */
};

/* The device as the observers must show it: @ifindex, @ifname; @dev NULL once destroyed. */
struct devview {
	struct np_netdev *dev;
	int ifindex;
	char ifname[NP_IFNAMSIZ];
	bool up;
};

#define FAILF(...)                                                               \
	do {                                                                     \
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);             \
		fprintf(stderr, __VA_ARGS__);                                    \
		fprintf(stderr, "\n");                                           \
		exit(1);                                                         \
	} while (0)

/* ---- observer 1: the registry ---- */

static void check_info(const char *step, const struct devview *v, const struct want *w,
		       const struct np_pool_info *info)
{
	bool bad = false;

	switch (w->state) {
	case LIVE:
		bad = info->destroyed || info->orphaned || info->ifindex != v->ifindex ||
		      strcmp(info->ifname, v->ifname) || !info->napi_id || info->detach_time_ns;
		break;
	case DETACHED:
		bad = !info->destroyed || info->orphaned || info->ifindex != v->ifindex ||
		      strcmp(info->ifname, v->ifname) || info->napi_id || !info->detach_time_ns ||
		      info->inflight != w->inflight;
		break;
	case ORPHAN:
		bad = !info->destroyed || !info->orphaned || info->ifindex || info->ifname[0] ||
		      info->napi_id || !info->detach_time_ns || info->inflight != w->inflight;
		break;
	case GONE:
		bad = true;
		break;
	}
	bad |= info->broken;
	if (bad)
		FAILF("%s: pool %u should be %s (inflight %lld): destroyed %d orphaned %d "
		      "ifindex %d ifname '%s' napi %u detach %llu inflight %lld", step, w->id,
		      state_names[w->state], (long long)w->inflight, info->destroyed,
		      info->orphaned, info->ifindex, info->ifname, info->napi_id,
		      (unsigned long long)info->detach_time_ns, (long long)info->inflight);
}

/* Pools of @infos (@n) shown as the device's, and orphans among @w. */
static void check_membership(const char *step, const char *who, const struct devview *v,
			     const struct np_pool_info *infos, unsigned int n,
			     const struct want *w, unsigned int nw)
{
	unsigned int mine = 0, want_mine = 0;

	for (unsigned int i = 0; i < nw; i++)
		want_mine += w[i].state == LIVE || w[i].state == DETACHED;
	for (unsigned int i = 0; i < n; i++) {
		bool known = false;

		if (infos[i].ifindex != v->ifindex && strcmp(infos[i].ifname, v->ifname))
			continue;
		mine++;
		/* the device's pools are those wanted, nothing else */
		for (unsigned int k = 0; k < nw; k++)
			known |= w[k].id == infos[i].id;
		if (!known)
			FAILF("%s: %s shows pool %u of %s, not expected", step, who, infos[i].id,
			      v->ifname);
	}
	if (mine != want_mine)
		FAILF("%s: %s shows %u pools of %s, want %u", step, who, mine, v->ifname,
		      want_mine);
}

static void observe_registry(const char *step, const struct devview *v, const struct want *w,
			     unsigned int nw)
{
	struct np_pool_info infos[256], info;
	int n = np_pool_info_list(infos, 256);

	CHECK(n >= 0 && n <= 256);
	for (unsigned int i = 0; i < nw; i++) {
		int err = np_pool_info_get(w[i].id, &info);

		if (w[i].state == GONE) {
			if (err != -ENOENT)
				FAILF("%s: pool %u still registered", step, w[i].id);
			continue;
		}
		CHECK_EQ(err, 0);
		check_info(step, v, &w[i], &info);
	}
	check_membership(step, "the registry", v, infos, (unsigned int)n, w, nw);
	if (v->dev)
		for (unsigned int q = 0; q < NQ; q++)
			CHECK(v->up ? v->dev->q[q].pool != NULL : v->dev->q[q].pool == NULL);
}

/* ---- observer 2: the shared-memory export ---- */

/* A snapshot whose collection began after this call. */
static void read_fresh(struct np_stats_snapshot *s)
{
	uint64_t g;

	CHECK_EQ(np_stats_snapshot_read(shm_path, s), 0);
	g = s->generation;
	for (int i = 0; i < 5000; i++) {
		np_stats_snapshot_free(s);
		CHECK_EQ(np_stats_snapshot_read(shm_path, s), 0);
		if (s->generation >= g + 4)
			return;
		t_sleep_ms(1);
	}
	FAILF("the publisher stalled");
}

static void observe_export(const char *step, const struct devview *v, const struct want *w,
			   unsigned int nw)
{
	struct np_stats_snapshot s;
	struct np_pool_info infos[256];
	unsigned int nq = 0;

	read_fresh(&s);
	CHECK(s.nr_pools <= 256 && s.nr_pools == s.pools_total);
	for (unsigned int i = 0; i < s.nr_pools; i++)
		infos[i] = s.pools[i].info;
	for (unsigned int i = 0; i < nw; i++) {
		const struct np_stats_pool *p = NULL;

		for (unsigned int k = 0; k < s.nr_pools; k++)
			if (s.pools[k].info.id == w[i].id)
				p = &s.pools[k];
		if (w[i].state == GONE) {
			if (p)
				FAILF("%s: the export still shows pool %u", step, w[i].id);
			continue;
		}
		if (!p)
			FAILF("%s: the export lacks pool %u", step, w[i].id);
		check_info(step, v, &w[i], &p->info);
		CHECK(p->has_stats);
		CHECK_EQ(p->stats.inflight, p->info.inflight);
	}
	check_membership(step, "the export", v, infos, s.nr_pools, w, nw);
	/* the device's queues: a pool only while it is up; none once it is gone */
	for (unsigned int i = 0; i < s.nr_queues; i++) {
		const struct np_stats_queue *q = &s.queues[i];

		if ((int)q->ifindex != v->ifindex)
			continue;
		nq++;
		CHECK(v->dev);
		CHECK(!strcmp(q->dev, v->ifname));
		CHECK_EQ(q->pool_id, v->up ? v->dev->q[q->queue].pool_id : 0);
	}
	CHECK_EQ(nq, v->dev ? NQ : 0);
	np_stats_snapshot_free(&s);
}

/* ---- observer 3: netpool-stat --json ---- */

/* The line of @out that starts with @prefix (copied into @line), or NULL. */
static const char *find_line(const char *prefix, char *line, size_t len)
{
	const char *p = strstr(out, prefix), *end;
	size_t n;

	if (!p)
		return NULL;
	end = strchr(p, '\n');
	n = end ? (size_t)(end - p) : strlen(p);
	CHECK(n < len);
	memcpy(line, p, n);
	line[n] = '\0';
	return line;
}

static void want_in(const char *step, const char *line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void want_in(const char *step, const char *line, const char *fmt, ...)
{
	char s[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s, sizeof(s), fmt, ap);
	va_end(ap);
	if (!strstr(line, s))
		FAILF("%s: netpool-stat lacks '%s' in: %s", step, s, line);
}

static void observe_tool(const char *step, const struct devview *v, const struct want *w,
			 unsigned int nw)
{
	char args[64], prefix[96], line[4096];
	unsigned int mine = 0, want_mine = 0;
	int pid = (int)getpid();

	snprintf(args, sizeof(args), "--pid %d --json", pid);
	CHECK_EQ(t_run_tool(stat_tool, args, out, sizeof(out)), 0);
	for (unsigned int i = 0; i < nw; i++) {
		const char *l;

		snprintf(prefix, sizeof(prefix), "{\"type\": \"pool\", \"pid\": %d, \"id\": %u,",
			 pid, w[i].id);
		l = find_line(prefix, line, sizeof(line));
		if (w[i].state == GONE) {
			if (l)
				FAILF("%s: netpool-stat still shows pool %u", step, w[i].id);
			continue;
		}
		if (!l)
			FAILF("%s: netpool-stat lacks pool %u:\n%s", step, w[i].id, out);
		want_in(step, l, "\"state\": \"%s\"", state_names[w[i].state]);
		if (w[i].state == ORPHAN) {
			want_in(step, l, "\"ifname\": \"\", \"ifindex\": 0,");
			want_in(step, l, "\"orphaned\": true");
		} else {
			want_in(step, l, "\"ifname\": \"%s\", \"ifindex\": %d,", v->ifname,
				v->ifindex);
			want_in(step, l, "\"orphaned\": false");
		}
		want_in(step, l, "\"destroyed\": %s", w[i].state == LIVE ? "false" : "true");
		if (w[i].state != LIVE) {
			CHECK_EQ(t_json_u64(l, "inflight"), (uint64_t)w[i].inflight);
			CHECK(t_json_u64(l, "detach_time_ns") > 0);
			CHECK_EQ(t_json_u64(l, "napi_id"), 0);
		}
	}
	/* every pool line naming the device is one wanted */
	snprintf(prefix, sizeof(prefix), "\"ifname\": \"%s\", \"ifindex\": %d,", v->ifname,
		 v->ifindex);
	for (const char *p = strstr(out, prefix); p; p = strstr(p + 1, prefix))
		mine++;
	for (unsigned int i = 0; i < nw; i++)
		want_mine += w[i].state == LIVE || w[i].state == DETACHED;
	if (mine != want_mine)
		FAILF("%s: netpool-stat shows %u pools of %s, want %u:\n%s", step, mine, v->ifname,
		      want_mine, out);
	/* the queues: pool_id 0 while down, none once the device is gone */
	for (unsigned int q = 0; q < NQ; q++) {
		const char *l;

		snprintf(prefix, sizeof(prefix), "\"ifindex\": %d, \"queue\": %u, \"pool_id\": ",
			 v->ifindex, q);
		l = find_line(prefix, line, sizeof(line));
		if (!v->dev) {
			CHECK(!l);
			continue;
		}
		CHECK(l);
		CHECK_EQ(strtoul(l + strlen(prefix), NULL, 10), v->up ? v->dev->q[q].pool_id : 0);
	}
}

static void observe(const char *step, const struct devview *v, const struct want *w,
		    unsigned int nw)
{
	observe_registry(step, v, w, nw);
	observe_export(step, v, w, nw);
	observe_tool(step, v, w, nw);
}

/* ---- a driver that posts no buffer (as netdevsim) ---- */

static int nsim_fail_queue = -1;	/* queue_open of this queue fails */
static unsigned int nsim_open[NQ];

static int nsim_queue_open(struct np_netdev *dev, unsigned int q)
{
	/* its pool is there, new, empty: nothing taken from it yet */
	CHECK(dev->q[q].pool);
	CHECK_EQ(np_pool_inflight(dev->q[q].pool), 0);
	if ((int)q == nsim_fail_queue)
		return -EIO;
	nsim_open[q]++;
	return 0;
}

static void nsim_queue_close(struct np_netdev *dev, unsigned int q)
{
	CHECK(dev->q[q].pool);
	CHECK(nsim_open[q]--);
}

static int nsim_poll(struct np_netdev *dev, unsigned int q, int budget)
{
	(void)dev;
	(void)q;
	(void)budget;
	return 0;
}

static int nsim_xmit(struct np_netdev *dev, unsigned int q, struct np_skb *skb)
{
	(void)dev;
	(void)q;
	np_consume_skb(skb);
	return 0;
}

static const struct np_netdev_ops nsim_ops = {
	.kind = "nsim",
	.queue_open = nsim_queue_open,
	.queue_close = nsim_queue_close,
	.poll = nsim_poll,
	.xmit = nsim_xmit,
};

/* ---- what holds a page ---- */

struct holder {
	struct np_netdev *dev;
	bool vnic;
	struct np_skb *skb;	/* vnic: the first frame's skb, kept by the "stack" */
	struct np_page *page;	/* nsim: a page taken from queue 0's pool */
};

static void vnic_rx(struct np_netdev *dev, unsigned int q, struct np_skb *skb, void *arg)
{
	struct holder *h = arg;

	(void)dev;
	CHECK_EQ(q, 0);
	if (!h->skb)
		h->skb = skb;
	else
		np_napi_consume_skb(skb, NP_NAPI_WEIGHT);
}

static void hold_page(struct holder *h)
{
	if (h->vnic) {
		struct np_vnic_gen gen = { .len_min = 60, .len_max = 200, .count = 8 };
		struct np_netdev_qstats qs;

		CHECK_EQ(np_vnic_gen_start(h->dev, 0, &gen), 0);
		for (int i = 0; i < 1000; i++) {
			np_netdev_poll(h->dev, 0);
			np_netdev_get_qstats(h->dev, 0, &qs);
			if (qs.rx_packets >= gen.count)
				break;
		}
		CHECK(h->skb);
		CHECK(np_page_is_pp(np_virt_to_page(h->skb->data)));
		CHECK(np_virt_to_page(h->skb->data)->pp == h->dev->q[0].pool);
	} else {
		struct np_napi_ctx *prev = np_napi_ctx_enter(&h->dev->q[0].napi.ctx);

		h->page = np_pool_alloc_pages(h->dev->q[0].pool);
		np_napi_ctx_leave(prev);
		CHECK(h->page);
	}
}

static void return_page(struct holder *h)
{
	if (h->skb) {
		np_kfree_skb(h->skb);
		h->skb = NULL;
	}
	if (h->page) {
		/* the page's pool may be destroyed by now: still the way back */
		np_pool_put_full_page(h->page->pp, h->page, false);
		h->page = NULL;
	}
}

/* ---- the life ---- */

static int64_t dev_pool_inflight(struct np_netdev *dev, struct np_pool_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	CHECK_EQ(np_netdev_get_pool_stats(dev, st), 0);
	CHECK_EQ(st->inflight, (int64_t)(st->hold - st->release));
	return st->inflight;
}

static void refused_xmit(struct np_netdev *dev)
{
	struct np_netdev_qstats q0, q1;
	struct np_skb *skb = np_alloc_skb(128);
	int64_t live = np_skb_live();

	CHECK(skb);
	CHECK(np_skb_put(skb, 60));
	memset(skb->data, 0, 60);
	np_netdev_get_qstats(dev, 0, &q0);
	CHECK_EQ(np_netdev_xmit(dev, 0, skb), -ENETDOWN);
	np_netdev_get_qstats(dev, 0, &q1);
	CHECK_EQ(q1.tx_dropped, q0.tx_dropped + 1);
	CHECK_EQ(q1.tx_packets, q0.tx_packets);
	CHECK_EQ(np_skb_live(), live - 1);
}

static void life(bool vnic)
{
	struct np_vnic_params vp = { .nqueues = NQ, .ring_size = 64, .iommu = true };
	struct np_netdev_params np = { .name = "t-nsim", .nqueues = NQ, .buf_len = 2048 };
	struct holder h = { .vnic = vnic };
	struct np_provider *prov = NULL;
	struct np_pool_stats st, st2;
	struct devview v = { 0 };
	struct want w[2 * NQ];
	uint32_t a[NQ], b[NQ];
	const char *who = vnic ? "vnic" : "nsim";
	char step[64];

	if (vnic) {
		CHECK_EQ(np_vnic_create(&vp, &h.dev), 0);
		np_netdev_set_rx_handler(h.dev, vnic_rx, &h);
	} else {
		CHECK_EQ(np_provider_create(NULL, &prov), 0);
		np.provider = prov;
		CHECK_EQ(np_netdev_create(&nsim_ops, &np, NULL, &h.dev), 0);
	}
	v.dev = h.dev;
	v.ifindex = (int)h.dev->ifindex;
	snprintf(v.ifname, sizeof(v.ifname), "%s", h.dev->name);

	/* created, closed: no pool anywhere */
	snprintf(step, sizeof(step), "%s created", who);
	for (unsigned int q = 0; q < NQ; q++)
		CHECK(!h.dev->q[q].pool && !h.dev->q[q].pool_id);
	observe(step, &v, NULL, 0);
	CHECK_EQ(dev_pool_inflight(h.dev, &st), 0);
	CHECK_EQ(st.hold, 0);

	/* a queue_open that fails: still closed, no pool made for it is left */
	if (!vnic) {
		nsim_fail_queue = 1;
		CHECK_EQ(np_netdev_open(h.dev), -EIO);
		nsim_fail_queue = -1;
		CHECK(!h.dev->open);
		CHECK_EQ(nsim_open[0] + nsim_open[1], 0);
		for (unsigned int q = 0; q < NQ; q++)
			CHECK(!h.dev->q[q].pool && !h.dev->q[q].pool_id);
		observe("nsim open failed", &v, NULL, 0);
	}

	/* open: one live pool per queue */
	CHECK_EQ(np_netdev_open(h.dev), 0);
	v.up = true;
	for (unsigned int q = 0; q < NQ; q++) {
		a[q] = h.dev->q[q].pool_id;
		CHECK(a[q] && h.dev->q[q].pool->id == a[q]);
		w[q] = (struct want){ a[q], LIVE, 0 };
	}
	snprintf(step, sizeof(step), "%s open", who);
	observe(step, &v, w, NQ);

	/* a page held by the stack, then close */
	hold_page(&h);
	snprintf(step, sizeof(step), "%s open, page held", who);
	observe(step, &v, w, NQ);
	np_netdev_close(h.dev);
	v.up = false;
	w[0] = (struct want){ a[0], DETACHED, 1 };
	for (unsigned int q = 1; q < NQ; q++)
		w[q] = (struct want){ a[q], GONE, 0 };
	snprintf(step, sizeof(step), "%s closed, page held", who);
	for (unsigned int q = 0; q < NQ; q++)
		CHECK_EQ(h.dev->q[q].pool_id, a[q]);
	observe(step, &v, w, NQ);
	CHECK_EQ(dev_pool_inflight(h.dev, &st), 1);
	CHECK(st.hold > 0);
	refused_xmit(h.dev);
	CHECK_EQ(np_netdev_rx_fd(h.dev, 0), -EINVAL);

	/* the page returns: its pool goes */
	return_page(&h);
	CHECK(t_wait_pool_freed(a[0], 5000));
	w[0].state = GONE;
	snprintf(step, sizeof(step), "%s closed, page back", who);
	observe(step, &v, w, NQ);
	CHECK_EQ(dev_pool_inflight(h.dev, &st2), 0);
	CHECK_EQ(st2.hold, st.hold);		/* the freed pools' counters are kept */
	CHECK_EQ(st2.release, st.release + 1);

	/* open again: fresh pools */
	CHECK_EQ(np_netdev_open(h.dev), 0);
	v.up = true;
	for (unsigned int q = 0; q < NQ; q++) {
		b[q] = h.dev->q[q].pool_id;
		CHECK(b[q] && b[q] != a[0] && b[q] != a[1]);
		w[q] = (struct want){ a[q], GONE, 0 };
		w[NQ + q] = (struct want){ b[q], LIVE, 0 };
	}
	snprintf(step, sizeof(step), "%s open again", who);
	observe(step, &v, w, 2 * NQ);

	/* a page held, and the netdev destroyed: an orphan until it returns */
	hold_page(&h);
	dev_pool_inflight(h.dev, &st2);
	CHECK(st2.hold > st.hold);
	np_netdev_destroy(h.dev);
	h.dev = NULL;
	v.dev = NULL;
	v.up = false;
	w[NQ] = (struct want){ b[0], ORPHAN, 1 };
	for (unsigned int q = 1; q < NQ; q++)
		w[NQ + q] = (struct want){ b[q], GONE, 0 };
	snprintf(step, sizeof(step), "%s destroyed, page held", who);
	observe(step, &v, w, 2 * NQ);

	/* the text report says so too */
	{
		char args[64];

		snprintf(args, sizeof(args), "--pid %d", (int)getpid());
		CHECK_EQ(t_run_tool(stat_tool, args, out, sizeof(out)), 0);
		if (!strstr(out, "orphaned") || !strstr(out, "(gone)"))
			FAILF("%s: the table does not show the orphan:\n%s", step, out);
	}

	return_page(&h);
	CHECK(t_wait_pool_freed(b[0], 5000));
	w[NQ].state = GONE;
	snprintf(step, sizeof(step), "%s destroyed, page back", who);
	observe(step, &v, w, 2 * NQ);

	if (prov) {
		CHECK_EQ(t_pages_out(prov), 0);
		CHECK_EQ(np_provider_destroy(prov), 0);
	}
	printf("%s: created, open, closed with a page held (detached), page back, open again, "
	       "destroyed with a page held (orphaned), page back: as the registry, the export and "
	       "netpool-stat show\n", who);
}

int main(int argc, char **argv)
{
	int64_t live0;

	(void)argc;
	t_tool_path(argv[0], "netpool-stat", stat_tool, sizeof(stat_tool));
	if (access(NP_STATS_SHM_DIR, W_OK))
		SKIP("no writable %s", NP_STATS_SHM_DIR);
	np_set_print(t_log_capture);
	np_pool_set_release_timing(5, 0);
	live0 = np_skb_live();
	CHECK_EQ(np_stats_export_path(getpid(), shm_path, sizeof(shm_path)), 0);
	CHECK_EQ(np_stats_export_start("t-lifecycle", INTERVAL_MS), 0);

	life(false);
	life(true);

	np_stats_export_stop();
	np_skb_thread_flush();
	CHECK_EQ(np_skb_live(), live0);
	if (t_log_level_count(NP_LOG_ERROR) || t_log_level_count(NP_LOG_WARN))
		FAILF("the library said: %s", t_log_buf);
	return 0;
}
