/* SPDX-License-Identifier: MIT */
/*
 * afxdp_inject.h without libxdp: there is no afxdp netdev to inject into,
 * every call is -EINVAL. In libnetpool_test.a only, as afxdp_inject.c is
 * where there is libxdp.
 */
#include <errno.h>
#include "afxdp_inject.h"

int np_afxdp_inject_rx(struct np_netdev *dev, unsigned int q, uint64_t addr, uint32_t len,
		       uint32_t options)
{
	(void)dev;
	(void)q;
	(void)addr;
	(void)len;
	(void)options;
	return -EINVAL;
}
