/* SPDX-License-Identifier: MIT */
/*
 * afxdp_fake.h without libxdp: no driver, so no fake of its kernel either.
 * np_afxdp_fake_create() says -EOPNOTSUPP (tests and fuzz targets skip that
 * part), every other call -EINVAL. In libnetpool_test.a only, as
 * afxdp_fake.c is where there is libxdp.
 */
#include <errno.h>
#include "afxdp_fake.h"

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

int np_afxdp_fake_create_caps(const struct np_afxdp_params *p, unsigned int caps,
			      struct np_netdev **out)
{
	(void)p;
	(void)caps;
	(void)out;
	return -EOPNOTSUPP;
}

int np_afxdp_fake_set_wakeup(struct np_netdev *dev, unsigned int q, bool tx, bool fill)
{
	(void)dev;
	(void)q;
	(void)tx;
	(void)fill;
	return -EINVAL;
}
