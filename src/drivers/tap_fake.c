/* SPDX-License-Identifier: MIT */
/*
 * tap_fake: a tap netdev over socket pairs instead of /dev/net/tun (see
 * tap_fake.h). Test archive only.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "tap_fake.h"
#include "tap_priv.h"

int np_tap_fake_create(const struct np_tap_params *p, int *wire, struct np_netdev **out)
{
	struct np_tap_params fp;
	struct tap *tap;

	if (!p || !wire || !out || p->nqueues > NP_NETDEV_MAX_QUEUES ||
	    (p->ifname && strlen(p->ifname) >= IFNAMSIZ) || (p->offloads & ~NP_TAP_OFFLOAD_ALL))
		return -EINVAL;
	fp = *p;
	if (!fp.ifname || !fp.ifname[0])
		fp.ifname = "tapfake";
	tap = tap_alloc(&fp);
	if (!tap)
		return -ENOMEM;
	for (unsigned int i = 0; i < tap->nqueues; i++) {
		int sp[2];

		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sp)) {
			int err = -errno;

			for (unsigned int k = 0; k < i; k++)
				close(wire[k]);
			tap_free(tap);
			return err;
		}
		tap->q[i].fd = sp[0];
		wire[i] = sp[1];
	}
	if (tap->vnet)
		tap->offloads = p->offloads ? p->offloads : NP_TAP_OFFLOAD_ALL;
	return tap_netdev_create(tap, &fp, out);
}
