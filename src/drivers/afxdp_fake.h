/* SPDX-License-Identifier: MIT */
/*
 * afxdp_fake.h - TEST AND FUZZ ONLY: an afxdp netdev with no kernel behind
 * it, and calls that play the kernel's side of its rings.
 *
 * np_afxdp_fake_create() builds the netdev exactly as np_afxdp_create()
 * does (the UMEM, its page provider and DMA device, the pools, the TX slots
 * and reserve) but names no interface and needs no privilege. Opening it
 * gives each queue its four rings in plain memory, laid out as the kernel
 * lays them out, and a placeholder descriptor instead of a socket (the
 * driver's wake-ups fail on it, counted in tx_kick_busy); everything else,
 * RX validation and receive, refill, TX zero-copy and copy, completions,
 * teardown, is the driver's own code. Between the driver's calls, the test
 * or fuzz target is the kernel: it takes fill addresses and TX descriptors,
 * and writes RX descriptors and completion addresses, raw (any address,
 * length, option bits), or republishes whatever stale entries the ring
 * slots still hold.
 *
 * Not part of the library: it lives in libnetpool_test.a (afxdp_fake.c),
 * which tests and fuzz targets link before libnetpool.a; no stability.
 * Without libxdp every call fails (create: -EOPNOTSUPP, the others -EINVAL:
 * afxdp_stub_fake.c). Needs no libxdp header itself.
 *
 * Context: the thread serving queue @q, between its polls (no queue thread:
 * np_netdev_start()). Indexes are the rings' free-running 32-bit ones.
 */
#ifndef NETPOOL_AFXDP_FAKE_H
#define NETPOOL_AFXDP_FAKE_H

#include <stdbool.h>
#include <stdint.h>
#include "netpool/afxdp.h"

/* An RX or TX descriptor as the kernel's struct xdp_desc holds it. */
struct np_afxdp_fake_desc {
	uint64_t addr;		/* UMEM offset of the data */
	uint32_t len;
	uint32_t options;
};

/* The geometry a kernel would know, and what the driver chose. */
struct np_afxdp_fake_info {
	void *umem;		/* UMEM offset 0 */
	uint64_t umem_size;	/* bytes: whole 16 MiB arenas */
	uint32_t frame_size;	/* a UMEM frame: one page */
	uint32_t chunk_size;	/* what the kernel may use of one (np_afxdp_params.frame_size) */
	uint32_t headroom;	/* where the kernel puts data in a chunk (NP_XDP_HEADROOM) */
	uint32_t buf_len;	/* data room after the headroom */
	uint32_t arena_frames;	/* chunks per arena */
	uint32_t arena_meta;	/* first chunks of each arena: page descriptors, never posted */
	uint32_t ring_size;	/* the rings' default */
	uint32_t rx_size, tx_size, fill_size, comp_size;	/* each ring of every queue */
	uint32_t nqueues;
	uint32_t fill_target;	/* frames a queue keeps posted */
	uint32_t reserve_frames;/* TX reserve per queue */
	uint32_t max_tx_len;	/* once open */
	bool multibuf;		/* bound for multi-buffer (chains), once open */
};

/* Entries waiting in queue @q's rings for the other side to take. */
struct np_afxdp_fake_pending {
	uint32_t fill;		/* posted by the driver, not taken by the kernel */
	uint32_t rx;		/* published by the kernel, not yet read by the driver */
	uint32_t tx;		/* posted by the driver, not taken by the kernel */
	uint32_t comp;		/* published by the kernel, not yet reaped by the driver */
};

/**
 * np_afxdp_fake_create() - an afxdp netdev of @p (ifname: only its name,
 * NULL: "afxdp-fake"; skb_mode, busy polling and xdp_prog have nothing to
 * act on; share_umem: another fake one) with no kernel. Open it with
 * np_netdev_open(). Return: 0, -EINVAL, -ENOMEM, -EOPNOTSUPP (no libxdp).
 */
int np_afxdp_fake_create(const struct np_afxdp_params *p, struct np_netdev **out);

/* The MTU of a fake netdev's "interface": frames above a buffer travel as chains. */
#define NP_AFXDP_FAKE_MTU		9000u

/* What the fake kernel offers, np_afxdp_fake_create_caps(): */
#define NP_AFXDP_FAKE_ZEROCOPY		1u	/* zero-copy binds (else refused: -EOPNOTSUPP) */
#define NP_AFXDP_FAKE_NO_MULTIBUF	2u	/* no multi-buffer: one buffer a frame */
#define NP_AFXDP_FAKE_TX_NO_WAKEUP	4u	/* the TX ring never asks to be woken */

/* np_afxdp_fake_create() of a kernel with @caps (NP_AFXDP_FAKE_*). */
int np_afxdp_fake_create_caps(const struct np_afxdp_params *p, unsigned int caps,
			      struct np_netdev **out);

/* Queue @q's TX and fill rings ask to be woken (need_wakeup flags), or not. */
int np_afxdp_fake_set_wakeup(struct np_netdev *dev, unsigned int q, bool tx, bool fill);

/* Return of every call below: the entries moved (>= 0), or -EINVAL (not an
 * open fake afxdp netdev, no such queue). */

int np_afxdp_fake_info(struct np_netdev *dev, struct np_afxdp_fake_info *info);
int np_afxdp_fake_pending(struct np_netdev *dev, unsigned int q,
			  struct np_afxdp_fake_pending *pending);

/* The kernel takes up to @max addresses from the fill ring. */
int np_afxdp_fake_fill_take(struct np_netdev *dev, unsigned int q, uint64_t *addr,
			    unsigned int max);
/* The kernel writes and publishes up to @n RX descriptors (as many as the ring has room for). */
int np_afxdp_fake_rx_put(struct np_netdev *dev, unsigned int q,
			 const struct np_afxdp_fake_desc *d, unsigned int n);
/* The kernel publishes up to @n RX slots unwritten: @d gets what they held. */
int np_afxdp_fake_rx_republish(struct np_netdev *dev, unsigned int q,
			       struct np_afxdp_fake_desc *d, unsigned int n);
/* The kernel takes up to @max TX descriptors. */
int np_afxdp_fake_tx_take(struct np_netdev *dev, unsigned int q, struct np_afxdp_fake_desc *d,
			  unsigned int max);
/* The kernel publishes up to @n completion addresses. */
int np_afxdp_fake_comp_put(struct np_netdev *dev, unsigned int q, const uint64_t *addr,
			   unsigned int n);
/* The kernel publishes up to @n completion slots unwritten: @addr gets what they held. */
int np_afxdp_fake_comp_republish(struct np_netdev *dev, unsigned int q, uint64_t *addr,
				 unsigned int n);

#endif /* NETPOOL_AFXDP_FAKE_H */
