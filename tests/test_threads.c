/* SPDX-License-Identifier: MIT */
/*
 * The threads the library starts (a netdev's queue threads, the stats
 * exporter, the pool reaper, the capture writer) block the asynchronous
 * signals, so an application's handler for SIGTERM, SIGINT, SIGHUP, SIGUSR1
 * or SIGPIPE never runs on them (nor on a thread still being set up), and
 * keep the fault signals open, so a fault in library code still reaches the
 * application's SIGSEGV handler; each is named np-... . Read from
 * /proc/self/task/<tid>/status.
 * Mutation it catches: np_thread_create() without the mask (every library
 * thread then shows SIGTERM unblocked).
 */
#include <dirent.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/syscall.h>
#include "testutil.h"

/* This task's name and blocked-signal mask, from its status file. */
static bool sig_blocked_mask(pid_t tid, char name[32], uint64_t *mask)
{
	char path[64], line[256];
	FILE *f;
	bool found = false;

	name[0] = '\0';
	snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Name: %31s", name) == 1)
			continue;
		else if (sscanf(line, "SigBlk: %" SCNx64, mask) == 1) {
			found = true;
			break;
		}
	fclose(f);
	return found;
}

#define BIT(sig)	(1ull << ((sig) - 1))

/*
 * Every thread the library started (named np-...; a sanitizer's runtime may
 * have threads of its own): the asynchronous signals blocked, the faults not.
 * Return: threads seen; *@bad: those that were not so.
 */
static unsigned int check_threads(unsigned int *bad)
{
	static const int async_sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGPIPE,
					  SIGALRM, SIGCHLD };
	static const int fault_sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL };
	pid_t self = (pid_t)syscall(SYS_gettid);
	unsigned int n = 0;
	struct dirent *d;
	DIR *dir = opendir("/proc/self/task");

	CHECK(dir);
	while ((d = readdir(dir))) {
		pid_t tid = (pid_t)atoi(d->d_name);
		uint64_t mask;
		char name[32];
		bool ok = true;

		if (tid <= 0 || tid == self || !sig_blocked_mask(tid, name, &mask) ||
		    strncmp(name, "np-", 3) != 0)
			continue;
		for (unsigned int i = 0; i < NP_ARRAY_SIZE(async_sigs); i++)
			if (!(mask & BIT(async_sigs[i])))
				fprintf(stderr, "thread %d: signal %d not blocked (SigBlk %016" PRIx64
					")\n", (int)tid, async_sigs[i], mask), ok = false;
		for (unsigned int i = 0; i < NP_ARRAY_SIZE(fault_sigs); i++)
			if (mask & BIT(fault_sigs[i]))
				fprintf(stderr, "thread %d: fault signal %d blocked (SigBlk %016"
					PRIx64 ")\n", (int)tid, fault_sigs[i], mask), ok = false;
		*bad += !ok;
		n++;
	}
	closedir(dir);
	return n;
}

int main(void)
{
	struct np_vnic_params vp = { .ring_size = 64, .nqueues = 2 };
	struct np_pool_params pp = { .nid = NP_NUMA_NO_NODE };
	char pcap[64];
	struct np_capture_stats cs;
	struct np_capture *cap;
	struct np_netdev *dev;
	struct np_pool *pool;
	struct np_page *held;
	sigset_t before, after;
	unsigned int n, bad = 0;
	uint32_t id;

	np_set_print(t_log_capture);
	CHECK_EQ(pthread_sigmask(SIG_SETMASK, NULL, &before), 0);
	/* queue threads */
	CHECK_EQ(np_vnic_create(&vp, &dev), 0);
	CHECK_EQ(np_netdev_open(dev), 0);
	CHECK_EQ(np_netdev_start(dev, NULL), 0);
	/* the stats exporter */
	CHECK_EQ(np_stats_export_start("test_threads", 50), 0);
	/* the capture writer */
	snprintf(pcap, sizeof(pcap), "/tmp/netpool-test-threads-%d.pcap", (int)getpid());
	CHECK_EQ(np_capture_open(pcap, 0, &cap), 0);
	/* the reaper: a pool destroyed with a page still out */
	CHECK_EQ(np_pool_create(&pp, &pool), 0);
	id = pool->id;
	held = np_pool_alloc_pages(pool);
	CHECK(held);
	np_pool_destroy(pool);
	t_sleep_ms(100);

	n = check_threads(&bad);
	printf("%u threads the library started: %u with an asynchronous signal open or a fault "
	       "signal blocked\n", n, bad);
	CHECK(n >= 5);		/* two queue threads, exporter, writer, reaper */
	CHECK_EQ(bad, 0);
	/* the caller's own mask is as it was */
	CHECK_EQ(pthread_sigmask(SIG_SETMASK, NULL, &after), 0);
	for (int sig = 1; sig < 32; sig++)
		CHECK_EQ(sigismember(&before, sig), sigismember(&after, sig));

	np_pool_put_full_page(pool, held, false);
	CHECK(t_wait_pool_freed(id, 10000));
	CHECK_EQ(np_capture_close(cap, &cs), 0);
	unlink(pcap);
	np_stats_export_stop();
	np_netdev_stop(dev);
	np_netdev_close(dev);
	np_netdev_destroy(dev);
	return 0;
}
