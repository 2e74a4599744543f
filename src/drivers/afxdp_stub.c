/* SPDX-License-Identifier: MIT */
/*
 * afxdp without libxdp: the build found no libxdp (pkg-config), so the driver
 * is absent and its entry points say so (afxdp_fake.h's too).
 */
#include "../internal.h"
#include "netpool/afxdp.h"
#include "afxdp_fake.h"

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

/* afxdp_fake.h: no driver, no fake either */

int np_afxdp_fake_create(const struct np_afxdp_params *p, struct np_netdev **out)
{
	(void)p;
	(void)out;
	return -EOPNOTSUPP;
}

int np_afxdp_fake_info(struct np_netdev *dev, struct np_afxdp_fake_info *info)
{
	(void)dev;
	(void)info;
	return -EINVAL;
}

int np_afxdp_fake_pending(struct np_netdev *dev, unsigned int q,
			  struct np_afxdp_fake_pending *pending)
{
	(void)dev;
	(void)q;
	(void)pending;
	return -EINVAL;
}

int np_afxdp_fake_fill_take(struct np_netdev *dev, unsigned int q, uint64_t *addr,
			    unsigned int max)
{
	(void)dev;
	(void)q;
	(void)addr;
	(void)max;
	return -EINVAL;
}

int np_afxdp_fake_rx_put(struct np_netdev *dev, unsigned int q,
			 const struct np_afxdp_fake_desc *d, unsigned int n)
{
	(void)dev;
	(void)q;
	(void)d;
	(void)n;
	return -EINVAL;
}

int np_afxdp_fake_rx_republish(struct np_netdev *dev, unsigned int q,
			       struct np_afxdp_fake_desc *d, unsigned int n)
{
	(void)dev;
	(void)q;
	(void)d;
	(void)n;
	return -EINVAL;
}

int np_afxdp_fake_tx_take(struct np_netdev *dev, unsigned int q, struct np_afxdp_fake_desc *d,
			  unsigned int max)
{
	(void)dev;
	(void)q;
	(void)d;
	(void)max;
	return -EINVAL;
}

int np_afxdp_fake_comp_put(struct np_netdev *dev, unsigned int q, const uint64_t *addr,
			   unsigned int n)
{
	(void)dev;
	(void)q;
	(void)addr;
	(void)n;
	return -EINVAL;
}

int np_afxdp_fake_comp_republish(struct np_netdev *dev, unsigned int q, uint64_t *addr,
				 unsigned int n)
{
	(void)dev;
	(void)q;
	(void)addr;
	(void)n;
	return -EINVAL;
}
