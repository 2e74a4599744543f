/* SPDX-License-Identifier: MIT */
/*
 * afxdp_l2fwd - a two-port L2 forwarder over AF_XDP on the netdev API.
 *
 * Every frame received on one interface leaves through the other, unchanged
 * (a bridge with no learning: hosts on either side talk through it). Both
 * netdevs use one UMEM (share_umem), so a received frame is sent in place:
 * the skb built on its UMEM frame goes to the other port's TX ring as it is,
 * and its page returns to the pool it came from when the transmission
 * completes. One thread per queue polls both ports; SIGINT or SIGTERM
 * stops it, or a duration. The frames forwarded and the copies made (none,
 * with a shared UMEM) are printed at the end.
 *
 *   afxdp_l2fwd IF_A IF_B [SECONDS]       (needs CAP_NET_ADMIN, CAP_BPF)
 *
 * Hosts on a veth must send with TX checksum offload off (ethtool -K IF tx
 * off): AF_XDP does not carry a partial checksum across.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <netpool.h>

static struct np_netdev *port[2];
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Whatever arrives on one port leaves through the other (TX frees it when done). */
static void rx(struct np_netdev *dev, unsigned int q, struct np_skb *skb, void *arg)
{
	(void)arg;
	np_netdev_xmit(dev == port[0] ? port[1] : port[0], q, skb);
}

int main(int argc, char **argv)
{
	struct np_afxdp_params ap = { .nqueues = 1 };
	struct np_afxdp_stats st[2];
	struct np_netdev_qstats qs[2];
	double secs = argc > 3 ? strtod(argv[3], NULL) : 0;
	struct timespec t0, t;
	int err;

	if (argc < 3) {
		fprintf(stderr, "usage: afxdp_l2fwd IF_A IF_B [SECONDS]\n");
		return 2;
	}
	ap.ifname = argv[1];
	err = np_afxdp_create(&ap, &port[0]);
	if (!err) {
		ap.ifname = argv[2];
		ap.share_umem = port[0];	/* one UMEM: frames forwarded in place */
		err = np_afxdp_create(&ap, &port[1]);
	}
	for (int i = 0; i < 2 && !err; i++) {
		np_netdev_set_rx_handler(port[i], rx, NULL);
		err = np_netdev_open(port[i]);
	}
	if (err) {
		fprintf(stderr, "afxdp_l2fwd: %s / %s: %d\n", argv[1], argv[2], err);
		np_netdev_destroy(port[1]);
		np_netdev_destroy(port[0]);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("afxdp_l2fwd: forwarding between %s and %s\n", argv[1], argv[2]);
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!stop) {
		/* one queue each: this thread is both ports' queue 0 napi */
		int work = np_netdev_poll(port[0], 0) + np_netdev_poll(port[1], 0);

		if (!work)
			usleep(50);	/* idle (np_netdev_rx_fd() and poll(2) would sleep better) */
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (secs > 0 && (double)(t.tv_sec - t0.tv_sec) +
					(double)(t.tv_nsec - t0.tv_nsec) / 1e9 >= secs)
			break;
	}
	for (int i = 0; i < 2; i++) {
		np_netdev_get_qstats(port[i], -1, &qs[i]);
		np_afxdp_get_stats(port[i], -1, &st[i]);
	}
	np_netdev_close(port[1]);
	np_netdev_close(port[0]);
	np_netdev_destroy(port[1]);	/* the port that borrows the UMEM goes first */
	np_netdev_destroy(port[0]);
	np_skb_thread_flush();
	printf("afxdp_l2fwd: %s -> %s %llu frames, %s -> %s %llu frames; copies made %llu\n",
	       argv[1], argv[2], (unsigned long long)qs[1].tx_packets, argv[2], argv[1],
	       (unsigned long long)qs[0].tx_packets,
	       (unsigned long long)(st[0].tx_copied + st[1].tx_copied));
	return 0;
}
