/* SPDX-License-Identifier: MIT */
/*
 * netpool-fwd - a packet forwarder over netpool's drivers.
 *
 *   netpool-fwd --driver vnic|afxdp|tap --in IFACE [--out IFACE]
 *               --mode drop|fwd|capture|sockq|encap [--queues N] [--duration S]
 *               [--no-recycle] [--pcap FILE] [--mac-swap] [--json]
 *               [--len MIN[-MAX]] [--count N] [--iommu]      (vnic only)
 *
 * Frames received on --in go through one of the stack pieces:
 *   drop     the skb is freed as soon as it is built
 *   fwd      sent unchanged out of --out, and what arrives on --out out of
 *            --in (a two-port bridge: hosts on either side talk through it);
 *            --mac-swap reflects frames out of --in instead
 *   capture  every skb (both ways) is cloned into a pcap file (--pcap) written
 *            on a thread of its own, then forwarded like fwd (or freed without --out)
 *   sockq    GRO, then a socket-like receive queue with coalescing, read out
 *            after every poll
 *   encap    a 50-byte outer header (Ethernet, IPv4, UDP, VXLAN) is pushed,
 *            reallocating the head when headroom is short, then sent out of
 *            --out (the way back passes unchanged)
 * With --driver vnic, --in and --out name simulated NICs created here: --in
 * gets a traffic source on every queue, --out sends onto the wire.
 *
 * One thread per queue polls queue i of --in and of --out. A line of live
 * figures each second; SIGINT or SIGTERM stops cleanly and prints totals.
 * Faults injected through NETPOOL_FAULT (see netpool/fault.h) are counted in
 * the figures. Exit status: 0 when every buffer came back (every pool freed, inflight 0),
 * 3 when buffers were lost, 1 on a runtime error, 2 on bad usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "netpool.h"
#include "toolutil.h"
#include "fwd_opts.h"
#if __has_include("netpool/afxdp.h")
#include "netpool/afxdp.h"
#define HAVE_AFXDP_H 1
#endif
#if __has_include("netpool/tap.h")
#include "netpool/tap.h"
#define HAVE_TAP_H 1
#endif

struct fwd_queue {
	unsigned int index;
	pthread_t thread;
	struct np_gro gro;
	struct np_sockq sockq;
	uint64_t encap_fail;
} __attribute__((aligned(64)));

struct fwd {
	struct opts o;
	struct np_netdev *in, *out, *tx;	/* tx: where fwd/encap/capture send */
	struct np_capture *cap;
	struct np_capture_stats cap_final;	/* once the capture is closed */
	bool cap_closed;
	struct fwd_queue *q;
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static const unsigned char encap_hdr[50] = {
	/* Ethernet */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x08, 0x00,
	/* IPv4 192.0.2.1 -> 192.0.2.2, UDP */
	0x45, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00,
	0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02,
	/* UDP 4789 -> 4789 */
	0x12, 0xb5, 0x12, 0xb5, 0x00, 0x00, 0x00, 0x00,
	/* VXLAN, VNI 42 */
	0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x00,
};

/* ---- usage ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: netpool-fwd --driver vnic|afxdp|tap --in IFACE [--out IFACE]\n"
		"                   --mode drop|fwd|capture|sockq|encap [--queues N] [--duration S]\n"
		"                   [--no-recycle] [--pcap FILE] [--mac-swap] [--json]\n"
		"                   [--len MIN[-MAX]] [--count N] [--iommu]   (vnic only)\n"
		"\n"
		"  --driver     vnic (simulated NICs made here), afxdp or tap (real interfaces)\n"
		"  --in         the interface to receive on\n"
		"  --out        the interface to send on (fwd, capture, encap)\n"
		"  --mode       what happens to each received packet (see the manual above main)\n"
		"  --queues N   queues (and threads) per interface, 1..64 (default 1)\n"
		"  --duration S stop after S seconds (default: until SIGINT/SIGTERM)\n"
		"  --no-recycle drivers do not mark skbs for page_pool recycling\n"
		"  --pcap FILE  capture file (mode capture)\n"
		"  --mac-swap   fwd: send back out of --in with the MAC addresses swapped\n"
		"  --json       one JSON object per line\n"
		"  --len        vnic traffic source frame lengths, 60..9000 (default 60-1500)\n"
		"  --count N    vnic: frames per queue, then stop (default: unlimited)\n"
		"  --iommu      vnic: checking IOMMU instead of identity DMA\n");
}

/* ---- the stack pieces ---- */

static void swap_mac(struct np_skb *skb)
{
	unsigned char tmp[6];

	if (np_skb_headlen(skb) < 12 || (np_skb_cloned(skb) && np_skb_cow_head(skb, 0)))
		return;
	memcpy(tmp, skb->data, 6);
	memcpy(skb->data, skb->data + 6, 6);
	memcpy(skb->data + 6, tmp, 6);
}

static void sockq_deliver(struct np_skb *skb, void *arg)
{
	np_sockq_queue(arg, skb);
}

static void rx_handler(struct np_netdev *dev, unsigned int qi, struct np_skb *skb, void *arg)
{
	struct fwd *f = arg;
	struct fwd_queue *q = &f->q[qi];

	/* the way back of the bridge: what arrives on --out goes out of --in unchanged */
	if (dev != f->in) {
		if (f->o.mode == M_CAPTURE)
			np_capture_skb(f->cap, skb);
		np_netdev_xmit(f->in, qi, skb);
		return;
	}
	switch (f->o.mode) {
	case M_DROP:
		np_napi_consume_skb(skb, NP_NAPI_WEIGHT);
		return;
	case M_CAPTURE:
		np_capture_skb(f->cap, skb);
		if (!f->tx) {
			np_napi_consume_skb(skb, NP_NAPI_WEIGHT);
			return;
		}
		break;
	case M_SOCKQ:
		np_gro_receive(&q->gro, skb);
		return;
	case M_ENCAP:
		if (np_skb_encap_push(skb, encap_hdr, sizeof(encap_hdr))) {
			q->encap_fail++;
			np_kfree_skb_reason(skb, NP_SKB_DROP_NOMEM);
			return;
		}
		break;
	case M_FWD:
		if (f->o.mac_swap)
			swap_mac(skb);
		break;
	}
	np_netdev_xmit(f->tx, qi, skb);
}

struct thread_arg {
	struct fwd *f;
	unsigned int qi;
};

static _Atomic bool running = true;

/*
 * Nothing came for a while: sleep until a port's queue has input (its
 * descriptor polls readable: TAP, AF_XDP) or 1 ms passed, as NAPI goes back
 * to interrupts; a port without one (vnic) gets a 20 µs nap instead. So the
 * CPU the forwarder uses follows the load, and its time per packet means
 * something at a fixed offered rate.
 */
static void idle_wait(struct fwd *f, unsigned int qi)
{
	struct pollfd pfd[2];
	nfds_t n = 0;
	int fd = np_netdev_rx_fd(f->in, qi);

	if (fd >= 0)
		pfd[n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (f->out && (fd = np_netdev_rx_fd(f->out, qi)) >= 0)
		pfd[n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (n && n == (f->out ? 2u : 1u)) {
		(void)poll(pfd, n, 1);
	} else {
		struct timespec ts = { 0, 20000 };

		nanosleep(&ts, NULL);
	}
}

/* One queue: poll it on --in and on --out (TX completions), then the stack's end of poll. */
static void *queue_thread(void *arg)
{
	struct thread_arg *ta = arg;
	struct fwd *f = ta->f;
	struct fwd_queue *q = &f->q[ta->qi];
	unsigned int idle = 0;

	while (atomic_load_explicit(&running, memory_order_acquire)) {
		int work = np_netdev_poll(f->in, ta->qi);

		if (f->out)
			work += np_netdev_poll(f->out, ta->qi);
		if (f->o.mode == M_SOCKQ) {
			np_gro_flush(&q->gro);
			np_sockq_read(&q->sockq, NULL, SIZE_MAX);	/* the reader */
		}
		if (work)
			idle = 0;
		else if (++idle > 64)
			idle_wait(f, ta->qi);
	}
	np_gro_flush(&q->gro);
	np_sockq_purge(&q->sockq);
	np_skb_thread_flush();
	return NULL;
}

/* ---- devices ---- */

static int open_dev(const struct opts *o, const char *name, bool source, struct np_netdev **out)
{
	int err = -EOPNOTSUPP;

	if (!strcmp(o->driver, "vnic")) {
		struct np_vnic_params vp = {
			.name = name, .nqueues = o->queues, .iommu = o->iommu,
			.no_recycle = o->no_recycle,
		};

		err = np_vnic_create(&vp, out);
		(void)source;
	}
#ifdef HAVE_AFXDP_H
	else if (!strcmp(o->driver, "afxdp")) {
		struct np_afxdp_params ap = {
			.ifname = name, .nqueues = o->queues, .no_recycle = o->no_recycle,
		};

		err = np_afxdp_create(&ap, out);
	}
#endif
#ifdef HAVE_TAP_H
	else if (!strcmp(o->driver, "tap")) {
		struct np_tap_params tp = {
			.ifname = name, .nqueues = o->queues, .no_recycle = o->no_recycle,
		};

		err = np_tap_create(&tp, out);
	}
#endif
	if (err)
		fprintf(stderr, "netpool-fwd: cannot open %s %s: %s\n", o->driver, name,
			strerror(-err));
	return err;
}

/* ---- figures ---- */

struct totals {
	struct np_netdev_qstats in, out;
	uint64_t fast, slow, ring, cached, released, inflight;
	uint64_t drops[NP_SKB_DROP_MAX];
	struct np_capture_stats cap;
	uint64_t coalesced, gro_merged;
	double cpu_s;		/* CPU time of the process (totals only) */
};

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void pool_sum(struct np_netdev *dev, struct totals *t)
{
	for (unsigned int i = 0; dev && i < dev->nqueues; i++) {
		struct np_pool_stats st = { .size = sizeof(st) };

		np_pool_get_stats(dev->q[i].pool, &st);
		t->fast += st.alloc.fast;
		t->slow += st.alloc.slow;
		t->ring += st.recycle.ring;
		t->cached += st.recycle.cached;
		t->released += st.release;
		t->inflight += (uint64_t)st.inflight;
	}
}

static void totals_get(struct fwd *f, struct totals *t)
{
	memset(t, 0, sizeof(*t));
	np_netdev_get_qstats(f->in, -1, &t->in);
	if (f->out)
		np_netdev_get_qstats(f->out, -1, &t->out);
	pool_sum(f->in, t);
	pool_sum(f->out, t);
	for (unsigned int r = 0; r < NP_SKB_DROP_MAX; r++)
		t->drops[r] = np_skb_drop_count((enum np_skb_drop_reason)r);
	if (f->cap_closed)
		t->cap = f->cap_final;
	else if (f->cap)
		np_capture_get_stats(f->cap, &t->cap);
}

static void print_line(struct fwd *f, const struct totals *t, const struct totals *p, double secs,
		       const char *kind)
{
	const struct np_netdev_qstats *tx = f->out ? &t->out : &t->in;
	const struct np_netdev_qstats *ptx = f->out ? &p->out : &p->in;
	double pps = (double)(t->in.rx_packets - p->in.rx_packets) / secs;
	double mbit = (double)(t->in.rx_bytes - p->in.rx_bytes) * 8 / secs / 1e6;
	double txpps = (double)(tx->tx_packets - ptx->tx_packets) / secs;

	if (f->o.json) {
		printf("{\"type\": \"%s\", \"rx_pps\": %.0f, \"rx_mbit\": %.1f, \"tx_pps\": %.0f, "
		       "\"rx_packets\": %" PRIu64 ", \"tx_packets\": %" PRIu64 ", "
		       "\"rx_bad_desc\": %" PRIu64 ", \"rx_nomem\": %" PRIu64 ", "
		       "\"tx_busy\": %" PRIu64 ", \"pool_fast\": %" PRIu64 ", \"pool_slow\": %" PRIu64
		       ", \"pool_cached\": %" PRIu64 ", \"pool_ring\": %" PRIu64
		       ", \"pool_released\": %" PRIu64 ", \"inflight\": %" PRIu64,
		       kind, pps, mbit, txpps, t->in.rx_packets, tx->tx_packets, t->in.rx_bad_desc,
		       t->in.rx_nomem, tx->tx_busy, t->fast, t->slow, t->cached, t->ring, t->released,
		       t->inflight);
		for (unsigned int r = 0; r < NP_SKB_DROP_MAX; r++)
			if (r != NP_SKB_DROP_CONSUMED && t->drops[r])
				printf(", \"drop_%s\": %" PRIu64, np_skb_drop_reason_name(r), t->drops[r]);
		for (unsigned int k = 0; k < NP_FAULT_NR; k++)
			if (np_fault_injected((enum np_fault_point)k))
				printf(", \"fault_%s\": %" PRIu64, np_fault_name((enum np_fault_point)k),
				       np_fault_injected((enum np_fault_point)k));
		if (t->cpu_s > 0)
			printf(", \"cpu_ms\": %.1f, \"cpu_ns_per_pkt\": %.1f", t->cpu_s * 1e3,
			       t->in.rx_packets ? t->cpu_s * 1e9 / (double)t->in.rx_packets : 0.0);
		if (f->cap || f->cap_closed)
			printf(", \"captured\": %" PRIu64 ", \"cap_written\": %" PRIu64
			       ", \"cap_dropped\": %" PRIu64, t->cap.captured, t->cap.written,
			       t->cap.dropped);
		printf("}\n");
	} else {
		printf("%s rx %9.0f pps %8.1f Mbit/s  tx %9.0f pps | pool fast %" PRIu64 " slow %" PRIu64
		       " cached %" PRIu64 " ring %" PRIu64 " released %" PRIu64 " inflight %" PRIu64
		       " | bad %" PRIu64 " nomem %" PRIu64 " txbusy %" PRIu64,
		       kind, pps, mbit, txpps, t->fast, t->slow, t->cached, t->ring, t->released,
		       t->inflight, t->in.rx_bad_desc, t->in.rx_nomem, tx->tx_busy);
		for (unsigned int r = 0; r < NP_SKB_DROP_MAX; r++)
			if (r != NP_SKB_DROP_CONSUMED && t->drops[r])
				printf(" %s %" PRIu64, np_skb_drop_reason_name(r), t->drops[r]);
		for (unsigned int k = 0; k < NP_FAULT_NR; k++)
			if (np_fault_injected((enum np_fault_point)k))
				printf(" | fault %s %" PRIu64, np_fault_name((enum np_fault_point)k),
				       np_fault_injected((enum np_fault_point)k));
		if (t->cpu_s > 0)
			printf(" | cpu %.1f ms, %.0f ns/pkt", t->cpu_s * 1e3,
			       t->in.rx_packets ? t->cpu_s * 1e9 / (double)t->in.rx_packets : 0.0);
		if (f->cap || f->cap_closed)
			printf(" | captured %" PRIu64 " written %" PRIu64 " dropped %" PRIu64,
			       t->cap.captured, t->cap.written, t->cap.dropped);
		printf("\n");
	}
	fflush(stdout);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* vnic: every source done (with --count) and nothing left in the rings. */
static bool vnic_sources_done(struct fwd *f, uint64_t *last_rx, int *quiet)
{
	struct np_vnic_stats vs;
	struct np_netdev_qstats qs;

	if (strcmp(f->o.driver, "vnic") || !f->o.count)
		return false;
	np_vnic_get_stats(f->in, -1, &vs);
	np_netdev_get_qstats(f->in, -1, &qs);
	if (vs.gen_frames < f->o.count * f->in->nqueues || qs.rx_packets != *last_rx) {
		*last_rx = qs.rx_packets;
		*quiet = 0;
		return false;
	}
	return ++*quiet > 2;
}

/* Destroy @dev and say whether every page of its pools came back. */
static bool destroy_dev(struct np_netdev *dev, int64_t *lost)
{
	uint32_t ids[NP_NETDEV_MAX_QUEUES];
	unsigned int n;
	bool ok = true;

	if (!dev)
		return true;
	n = dev->nqueues;
	for (unsigned int i = 0; i < n; i++)
		ids[i] = dev->q[i].pool->id;
	np_netdev_destroy(dev);
	for (unsigned int i = 0; i < n; i++) {
		struct np_pool_info info;
		int tries = 0;

		while (np_pool_info_get(ids[i], &info) == 0 && tries++ < 300) {
			struct timespec ts = { 0, 10000000 };

			nanosleep(&ts, NULL);
		}
		if (np_pool_info_get(ids[i], &info) == 0) {
			*lost += info.inflight;
			ok = false;
		}
	}
	return ok;
}

int main(int argc, char **argv)
{
	struct fwd f = { 0 };
	struct thread_arg ta[NP_NETDEV_MAX_QUEUES];
	struct totals t0 = { 0 }, t, prev;
	struct sigaction sa = { .sa_handler = on_signal };
	double start = now_s(), last, end = 0, cpu0 = 0, cpu1 = 0;
	uint64_t last_rx = 0;
	int64_t lost = 0;
	int rc, quiet = 0;
	bool ok;

	rc = fwd_opts_parse(argc, argv, &f.o, stderr);
	if (rc == FWD_OPTS_HELP) {
		usage(stdout);
		return 0;
	}
	if (rc)
		return 2;
	np_set_print(np_print_stderr);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (open_dev(&f.o, f.o.in, true, &f.in))
		return 1;
	if (f.o.out && open_dev(&f.o, f.o.out, false, &f.out)) {
		np_netdev_destroy(f.in);
		return 1;
	}
	f.tx = f.o.out ? f.out : (f.o.mac_swap ? f.in : NULL);
	f.q = aligned_alloc(64, f.o.queues * sizeof(*f.q));
	if (!f.q)
		return 1;
	memset(f.q, 0, f.o.queues * sizeof(*f.q));
	for (unsigned int i = 0; i < f.o.queues; i++) {
		f.q[i].index = i;
		np_sockq_init(&f.q[i].sockq, 0);
		np_gro_init(&f.q[i].gro, sockq_deliver, &f.q[i].sockq);
	}
	if (f.o.mode == M_CAPTURE && (rc = np_capture_open(f.o.pcap, 0, &f.cap))) {
		fprintf(stderr, "netpool-fwd: cannot open %s: %s\n", f.o.pcap, strerror(-rc));
		rc = 1;
		goto out;
	}
	np_netdev_set_rx_handler(f.in, rx_handler, &f);
	if (f.out)
		np_netdev_set_rx_handler(f.out, rx_handler, &f);
	if ((rc = np_netdev_open(f.in)) || (f.out && (rc = np_netdev_open(f.out)))) {
		fprintf(stderr, "netpool-fwd: cannot open the interfaces: %s\n", strerror(-rc));
		rc = 1;
		goto out;
	}
	np_stats_export_start("netpool-fwd", 0);
	if (!strcmp(f.o.driver, "vnic")) {
		struct np_vnic_gen gen = { .len_min = f.o.len_min, .len_max = f.o.len_max,
					   .count = f.o.count };

		for (unsigned int i = 0; i < f.o.queues; i++)
			np_vnic_gen_start(f.in, i, &gen);
	}
	if (!f.o.json)
		printf("netpool-fwd: %s %s -> %s, mode %s, %u queue%s, recycling %s\n", f.o.driver,
		       f.o.in, f.o.out ? f.o.out : (f.tx ? f.o.in : "-"), mode_names[f.o.mode],
		       f.o.queues, f.o.queues > 1 ? "s" : "", f.o.no_recycle ? "off" : "on");
	for (unsigned int i = 0; i < f.o.queues; i++) {
		ta[i] = (struct thread_arg){ .f = &f, .qi = i };
		if (pthread_create(&f.q[i].thread, NULL, queue_thread, &ta[i])) {
			fprintf(stderr, "netpool-fwd: cannot start a thread\n");
			atomic_store(&running, false);
			for (unsigned int k = 0; k < i; k++)
				pthread_join(f.q[k].thread, NULL);
			rc = 1;
			goto out;
		}
	}

	start = last = now_s();
	cpu0 = cpu_seconds();
	end = f.o.duration > 0 ? start + f.o.duration : 0;
	prev = t0;
	while (!stop_flag) {
		struct timespec ts = { 0, 50000000 };
		double now;

		nanosleep(&ts, NULL);
		now = now_s();
		if (end && now >= end)
			break;
		if (vnic_sources_done(&f, &last_rx, &quiet))
			break;
		if (now - last >= 1.0) {
			totals_get(&f, &t);
			print_line(&f, &t, &prev, now - last, "rate");
			prev = t;
			last = now;
		}
	}
	atomic_store(&running, false);
	for (unsigned int i = 0; i < f.o.queues; i++)
		pthread_join(f.q[i].thread, NULL);
	end = now_s();
	cpu1 = cpu_seconds();
	rc = 0;
out:
	/* the ports first (TX rings hold pages of the other port's pools), then the capture */
	if (f.in)
		np_netdev_close(f.in);
	if (f.out)
		np_netdev_close(f.out);
	if (f.cap) {
		if (np_capture_close(f.cap, &f.cap_final)) {
			fprintf(stderr, "netpool-fwd: writing %s failed\n", f.o.pcap);
			rc = 1;
		}
		f.cap = NULL;
		f.cap_closed = true;
	}
	if (!rc) {
		/* the totals once everything came back from the rings and the capture */
		totals_get(&f, &t);
		t.cpu_s = cpu1 - cpu0;
		print_line(&f, &t, &t0, end - start, "total");
	}
	np_skb_thread_flush();
	np_stats_export_stop();
	ok = destroy_dev(f.out, &lost);
	ok = destroy_dev(f.in, &lost) && ok;
	free(f.q);
	if (!ok) {
		fprintf(stderr, "netpool-fwd: %" PRId64 " buffers did not come back\n", lost);
		return 3;
	}
	if (!f.o.json && !rc)
		printf("netpool-fwd: every buffer came back (inflight 0)\n");
	return rc;
}
