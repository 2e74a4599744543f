/* SPDX-License-Identifier: MIT */
/*
 * afxdp without libxdp: the build found no libxdp (pkg-config), so the driver
 * is absent and its entry points say so (afxdp_stub_fake.c and
 * afxdp_stub_inject.c do for the test archive's).
 */
#include "../internal.h"
#include "netpool/afxdp.h"

int np_afxdp_create(const struct np_afxdp_params *p, struct np_netdev **out)
{
	if (!p || !p->ifname || !out)
		return -EINVAL;
	np_err("afxdp %s: this netpool was built without libxdp (install libxdp-dev libbpf-dev)\n",
	       p && p->ifname ? p->ifname : "?");
	return -EOPNOTSUPP;
}

int np_afxdp_get_stats(struct np_netdev *dev, int q, struct np_afxdp_stats *st)
{
	(void)dev;
	(void)q;
	(void)st;
	return -EINVAL;
}
