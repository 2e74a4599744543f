/* SPDX-License-Identifier: MIT */
/*
 * vnic_inject.h - TEST AND DEBUG ONLY: play a misbehaving vnic device.
 *
 * The vnic's driver side trusts nothing the device writes: every RX
 * descriptor it reaps is checked against what it posted there, and the ring
 * indexes the device publishes drive its RX reap and TX completion loops.
 * These calls let a test or a fuzz target write those device-owned fields
 * raw (any address, length, flags, status; any done index), between the
 * driver's polls, the way a buggy or hostile device could. They are not part
 * of the library: they live in libnetpool_test.a (vnic_inject.c, beside the
 * driver, with vnic_priv.h's structures), which tests and fuzz targets link
 * before libnetpool.a; no stability.
 *
 * Context: the thread serving queue @q, between polls (never while a queue
 * thread runs: np_netdev_start()), and not on a linked vnic's RX ring while
 * the peer transmits. Indexes are the free-running 32-bit ring indexes;
 * slot = index & (ring size - 1).
 */
#ifndef NETPOOL_VNIC_INJECT_H
#define NETPOOL_VNIC_INJECT_H

#include <stdint.h>
#include "netpool/vnic.h"

/* The device-written RX descriptor fields: flags NP_VNIC_RXD_*, status NP_VNIC_RXS_* (vnic.h). */
struct np_vnic_raw_rxd {
	uint64_t addr;		/* the driver posts the buffer's DMA address + NP_XDP_HEADROOM */
	uint32_t len;		/* the driver posts the buffer size; the device writes bytes written */
	uint16_t flags;
	uint16_t status;
};

/* One ring's indexes: the driver writes post and clean, the device done. */
struct np_vnic_ring_state {
	uint32_t post, done, clean;
	uint32_t size;		/* descriptors */
	uint32_t buf_len;	/* bytes per RX buffer */
	bool skip;		/* RX: the driver is dropping the rest of a chain too long for an skb */
};

/**
 * np_vnic_inject_check() - the driver's own state of @dev is possible: on
 * every ring post - clean within the ring size, every posted RX slot holding
 * a page of the queue's pool. Cheap enough to call after every poll.
 * Return: 0, -EINVAL (not a vnic), -EPROTO (an impossible state).
 */
int np_vnic_inject_check(struct np_netdev *dev);

/** np_vnic_inject_rx_state() / _tx_state() - queue @q's ring indexes. Return: 0 or -errno. */
int np_vnic_inject_rx_state(struct np_netdev *dev, unsigned int q, struct np_vnic_ring_state *st);
int np_vnic_inject_tx_state(struct np_netdev *dev, unsigned int q, struct np_vnic_ring_state *st);

/** np_vnic_inject_rx_read() - the RX descriptor in slot @idx & mask, as it is now. */
int np_vnic_inject_rx_read(struct np_netdev *dev, unsigned int q, uint32_t idx,
			   struct np_vnic_raw_rxd *d);

/**
 * np_vnic_inject_rx_posted() - the address the driver posted in slot @idx
 * (its buffer's DMA address + NP_XDP_HEADROOM), whatever the device wrote
 * over it since. Return: 0, -ENOENT (no buffer posted there), or -errno.
 */
int np_vnic_inject_rx_posted(struct np_netdev *dev, unsigned int q, uint32_t idx, uint64_t *addr);

/** np_vnic_inject_rx_write() - the device writes every field of the RX descriptor in slot @idx. */
int np_vnic_inject_rx_write(struct np_netdev *dev, unsigned int q, uint32_t idx,
			    const struct np_vnic_raw_rxd *d);

/**
 * np_vnic_inject_rx_set_done() / _tx_set_done() - the device publishes @done
 * as its RX (completed frames) or TX (sent) index, whatever the driver
 * posted: the driver's next poll reaps or completes up to it.
 */
int np_vnic_inject_rx_set_done(struct np_netdev *dev, unsigned int q, uint32_t done);
int np_vnic_inject_tx_set_done(struct np_netdev *dev, unsigned int q, uint32_t done);

#endif /* NETPOOL_VNIC_INJECT_H */
