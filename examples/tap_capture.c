/* SPDX-License-Identifier: MIT */
/*
 * tap_capture - every frame a TAP device carries, into a pcap file.
 *
 * Creates (or attaches to) the TAP device IFNAME and writes each frame the
 * host sends into it to FILE: the skb is cloned for the capture's writer
 * thread, which writes it and frees the clone there, while this thread
 * frees its own reference; the pool page comes back when the later of the
 * two lets go. Stops after N frames or S seconds, whichever comes first.
 * Read the file with tcpdump -r FILE.
 *
 *   tap_capture IFNAME FILE [N [S]]        (needs CAP_NET_ADMIN)
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <netpool.h>

struct state {
	struct np_capture *cap;
	unsigned long frames;
};

static void rx(struct np_netdev *dev, unsigned int q, struct np_skb *skb, void *arg)
{
	struct state *s = arg;

	(void)dev;
	(void)q;
	np_capture_skb(s->cap, skb);	/* a clone for the writer; the skb stays ours */
	np_napi_consume_skb(skb, NP_NAPI_WEIGHT);
	s->frames++;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct np_tap_params tp = { 0 };
	struct np_capture_stats cs;
	struct state s = { 0 };
	struct np_netdev *dev;
	unsigned long max;
	double secs, t0;
	int err;

	if (argc < 3) {
		fprintf(stderr, "usage: tap_capture IFNAME FILE [N [S]]\n");
		return 2;
	}
	max = argc > 3 ? strtoul(argv[3], NULL, 0) : 100;
	secs = argc > 4 ? strtod(argv[4], NULL) : 10.0;
	tp.ifname = argv[1];
	err = np_tap_create(&tp, &dev);
	if (err) {
		fprintf(stderr, "tap_capture: np_tap_create(%s): %d\n", argv[1], err);
		return 1;
	}
	err = np_capture_open(argv[2], 0, &s.cap);
	if (!err) {
		np_netdev_set_rx_handler(dev, rx, &s);
		err = np_netdev_open(dev);
	}
	if (err) {
		fprintf(stderr, "tap_capture: %d\n", err);
		np_capture_close(s.cap, NULL);
		np_netdev_destroy(dev);
		return 1;
	}
	printf("tap_capture: capturing %s into %s\n", argv[1], argv[2]);
	fflush(stdout);
	for (t0 = now(); s.frames < max && now() - t0 < secs;) {
		struct pollfd pfd = { .fd = np_netdev_rx_fd(dev, 0), .events = POLLIN };

		if (!np_netdev_poll(dev, 0))
			poll(&pfd, 1, 10);	/* idle: sleep until the device has a frame */
	}
	np_netdev_close(dev);
	err = np_capture_close(s.cap, &cs);
	np_netdev_destroy(dev);
	np_skb_thread_flush();
	printf("tap_capture: %lu frames, %llu written (%llu bytes), %llu not captured\n", s.frames,
	       (unsigned long long)cs.written, (unsigned long long)cs.bytes,
	       (unsigned long long)cs.dropped);
	return err || cs.written != s.frames ? 1 : 0;
}
