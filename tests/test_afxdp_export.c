/* SPDX-License-Identifier: MIT */
/*
 * The afxdp driver's own counters reach the statistics export and
 * netpool-stat (like ethtool -S): two fake afxdp netdevs (afxdp_fake.h, no
 * privilege), one bound zero-copy, one not; bad descriptors and a chain
 * handed to them; then the snapshot this process publishes shows, per
 * queue, the driver's counters by name with the values np_afxdp_get_stats()
 * gives, and "zerocopy" 1 for the first and 0 for the second; netpool-stat
 * --json prints them under "driver" and its table under "driver counters".
 */
#include <sys/wait.h>
#include "testutil.h"
#include "drivers/afxdp_fake.h"
#include "drivers/afxdp_inject.h"

/* The value named @name among a snapshot queue's driver counters (the test fails without). */
static uint64_t drv_val(const struct np_stats_queue *q, const char *name)
{
	for (unsigned int k = 0; k < q->drv_nr; k++)
		if (!strcmp(q->drv_names[k], name))
			return q->drv[k];
	fprintf(stderr, "FAIL: queue %s/%u has no driver counter %s\n", q->dev, q->queue, name);
	exit(1);
}

static const struct np_stats_queue *snap_queue(const struct np_stats_snapshot *s, const char *dev)
{
	for (unsigned int i = 0; i < s->nr_queues; i++)
		if (!strcmp(s->queues[i].dev, dev))
			return &s->queues[i];
	return NULL;
}

/* A published snapshot in which @dev's rx_invalid is @want (the publisher's interval passes). */
static void snap_wait(struct np_stats_snapshot *s, const char *path, const char *dev,
		      uint64_t want)
{
	for (int i = 0; i < 300; i++) {
		const struct np_stats_queue *q;

		CHECK_EQ(np_stats_snapshot_read(path, s), 0);
		q = snap_queue(s, dev);
		if (q && q->drv_nr && drv_val(q, "rx_invalid") == want)
			return;
		np_stats_snapshot_free(s);
		t_sleep_ms(10);
	}
	fprintf(stderr, "FAIL: no snapshot with %s's rx_invalid at %llu\n", dev,
		(unsigned long long)want);
	exit(1);
}

static bool run_has(const char *cmd, const char *needle)
{
	char line[65536];
	bool found = false;
	FILE *p = popen(cmd, "r");

	CHECK(p);
	while (fgets(line, sizeof(line), p))
		if (strstr(line, needle))
			found = true;
	CHECK_EQ(pclose(p), 0);
	return found;
}

int main(int argc, char **argv)
{
	struct np_afxdp_params p = { .ring_size = 64, .frame_count = 128 };
	struct np_netdev *zc, *copy;
	struct np_stats_snapshot s = { 0 };
	const struct np_stats_queue *q;
	struct np_afxdp_stats st;
	char path[64], tool[4096], cmd[4300];
	int err;

	(void)argc;
	setvbuf(stdout, NULL, _IONBF, 0);
	np_set_print(t_log_capture);
	p.ifname = "npx-zc";
	p.bind = NP_AFXDP_BIND_ZEROCOPY;
	err = np_afxdp_fake_create_caps(&p, NP_AFXDP_FAKE_ZEROCOPY, &zc);
	if (err == -EOPNOTSUPP)
		SKIP("no libxdp in this build: no afxdp driver");
	CHECK_EQ(err, 0);
	p.ifname = "npx-copy";
	p.bind = NP_AFXDP_BIND_AUTO;
	CHECK_EQ(np_afxdp_fake_create(&p, &copy), 0);
	CHECK_EQ(np_netdev_open(zc), 0);
	CHECK_EQ(np_netdev_open(copy), 0);
	/* three refused descriptors on the first, one on the second */
	CHECK_EQ(np_afxdp_inject_rx(zc, 0, 1ull << 40, 60, 0), -EBADMSG);
	CHECK_EQ(np_afxdp_inject_rx(zc, 0, NP_AFXDP_INJECT_POSTED | 0, 60, 0), -EBADMSG);
	CHECK_EQ(np_afxdp_inject_rx(zc, 0, NP_AFXDP_INJECT_POSTED | 256, 60, 1u << 30), -EBADMSG);
	CHECK_EQ(np_afxdp_inject_rx(copy, 0, NP_AFXDP_INJECT_POSTED | 256, 5, 0), -EBADMSG);

	CHECK_EQ(np_stats_export_start("test_afxdp_export", 20), 0);
	CHECK_EQ(np_stats_export_path(getpid(), path, sizeof(path)), 0);
	snap_wait(&s, path, "npx-zc", 3);
	q = snap_queue(&s, "npx-zc");
	CHECK(q);
	CHECK(!strcmp(q->kind, "afxdp"));
	CHECK_EQ(np_afxdp_get_stats(zc, 0, &st), 0);
	CHECK_EQ(drv_val(q, "rx_bad_addr"), st.rx_bad_addr);
	CHECK_EQ(drv_val(q, "rx_bad_headroom"), 1);
	CHECK_EQ(drv_val(q, "rx_bad_options"), 1);
	CHECK_EQ(drv_val(q, "frames_posted"), st.frames_posted);
	CHECK_EQ(drv_val(q, "umem_frames"), st.umem_frames);
	CHECK_EQ(drv_val(q, "zerocopy"), 1);
	CHECK_EQ(drv_val(q, "multibuf"), 1);
	CHECK_EQ(q->drv_nr, NP_AFXDP_STATS_NR + 2);
	np_stats_snapshot_free(&s);
	snap_wait(&s, path, "npx-copy", 1);
	q = snap_queue(&s, "npx-copy");
	CHECK_EQ(drv_val(q, "rx_truncated"), 1);
	CHECK_EQ(drv_val(q, "zerocopy"), 0);
	np_stats_snapshot_free(&s);

	/* netpool-stat shows them, like ethtool -S */
	t_tool_path(argv[0], "netpool-stat", tool, sizeof(tool));
	snprintf(cmd, sizeof(cmd), "%s --pid %d --json", tool, (int)getpid());
	CHECK(run_has(cmd, "\"driver\": {\"rx_invalid\": 3"));
	CHECK(run_has(cmd, "\"zerocopy\": 1"));
	snprintf(cmd, sizeof(cmd), "%s --pid %d", tool, (int)getpid());
	CHECK(run_has(cmd, "driver counters (ethtool -S):"));
	CHECK(run_has(cmd, "npx-zc queue 0 (afxdp):"));

	np_stats_export_stop();
	np_netdev_destroy(zc);
	np_netdev_destroy(copy);
	CHECK_EQ(t_log_level_count(NP_LOG_ERROR), 0);
	printf("the export and netpool-stat show each afxdp queue's counters, zero-copy or not\n");
	printf("PASS\n");
	return 0;
}
