/* SPDX-License-Identifier: MIT */
/*
 * afxdp_inject.h - TEST AND FUZZ ONLY: hand the afxdp driver an RX
 * descriptor as if the kernel had returned it, on a real or a fake netdev
 * (afxdp_fake.h), without a packet on any wire.
 *
 * Not part of the library: it lives in libnetpool_test.a (afxdp_inject.c;
 * afxdp_stub_inject.c without libxdp, where every call is -EINVAL), which
 * tests and fuzz targets link before libnetpool.a; no stability.
 */
#ifndef NETPOOL_AFXDP_INJECT_H
#define NETPOOL_AFXDP_INJECT_H

#include <stdint.h>
#include "netpool/afxdp.h"

/* np_afxdp_inject_rx(): instead of a real address, a frame taken for the purpose */
#define NP_AFXDP_INJECT_POSTED	(1ull << 63)

/**
 * np_afxdp_inject_rx() - run one RX descriptor through queue @q's
 * validation and receive path as if the kernel had returned it.
 * @dev: an open afxdp netdev.
 * @q: the queue.
 * @addr: a UMEM address; or NP_AFXDP_INJECT_POSTED | offset: the driver takes
 *   a frame from the queue's pool, marks it posted (as if in the fill ring)
 *   and uses that frame's address + offset.
 * @len: the descriptor's length.
 * @options: the descriptor's option bits.
 * Context: queue @q's poll thread, or any thread while none polls (it runs inside
 * the queue's napi and allocates from its pool).
 * Return: 0 (accepted and received), -EBADMSG (refused and counted; the
 * frame, when ours, recycled), -ENOMEM (no frame for NP_AFXDP_INJECT_POSTED),
 * -EINVAL (not an open afxdp netdev, no such queue, NP_AFXDP_INJECT_POSTED
 * with an offset of a frame or more). The descriptor itself is outside input:
 * every field is validated as a kernel one would be.
 */
int np_afxdp_inject_rx(struct np_netdev *dev, unsigned int q, uint64_t addr, uint32_t len,
		       uint32_t options);

#endif /* NETPOOL_AFXDP_INJECT_H */
