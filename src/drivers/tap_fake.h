/* SPDX-License-Identifier: MIT */
/*
 * tap_fake.h - TEST AND FUZZ ONLY: a tap netdev with no TAP device behind
 * it. Each queue's descriptor is one end of a SOCK_SEQPACKET socket pair,
 * the other end the caller's "wire": a message written to the wire is what
 * a read of the TAP returns (one frame, with its virtio-net header when the
 * netdev has one), and a message read from it is what the driver wrote.
 * Everything else, the header's checks, RX into pool pages, the skbs' offload
 * fields, TX, is the driver's own code; np_tap_create()'s only differences
 * are TUNSETIFF and TUNSETOFFLOAD (@offloads is taken as what the kernel
 * granted). Needs no privilege.
 *
 * Not part of the library: libnetpool_test.a (tap_fake.c); no stability.
 */
#ifndef NETPOOL_TAP_FAKE_H
#define NETPOOL_TAP_FAKE_H

#include "netpool/tap.h"

/*
 * np_tap_fake_create() - a tap netdev named @p->ifname (NULL: "tapfake")
 * whose queues read and write socket pairs; queue i's wire end into
 * @wire[i] (the caller closes them after np_netdev_destroy()).
 * @p: as for np_tap_create(); offloads 0 means NP_TAP_OFFLOAD_ALL.
 * @wire: room for the queue count's descriptors.
 * @out: the netdev.
 * Return: 0, -EINVAL (as np_tap_create()'s checks), -ENOMEM, -errno of socketpair().
 */
int np_tap_fake_create(const struct np_tap_params *p, int *wire, struct np_netdev **out);

#endif /* NETPOOL_TAP_FAKE_H */
