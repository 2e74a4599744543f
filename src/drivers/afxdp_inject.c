/* SPDX-License-Identifier: MIT */
/*
 * afxdp: one RX descriptor through a queue's validation and receive path
 * (afxdp_rx.c) as if the kernel had returned it (afxdp_inject.h). Built
 * into libnetpool_test.a only, never into the library.
 */
#include "afxdp_priv.h"
#include "afxdp_inject.h"

int np_afxdp_inject_rx(struct np_netdev *dev, unsigned int q, uint64_t addr, uint32_t len,
		       uint32_t options)
{
	struct np_napi_ctx *prev;
	struct afx_queue *aq;
	int err;

	if (!dev || dev->ops != &afx_ops || q >= dev->nqueues || !dev->open)
		return -EINVAL;
	aq = &to_afx(dev)->q[q];
	if ((addr & NP_AFXDP_INJECT_POSTED) && (addr & ~NP_AFXDP_INJECT_POSTED) >= AFX_FRAME_SIZE)
		return -EINVAL;
	prev = np_napi_ctx_enter(&dev->q[q].napi.ctx);
	if (addr & NP_AFXDP_INJECT_POSTED) {
		struct np_page *page = np_pool_alloc_pages(dev->q[q].pool);
		uint64_t frame;

		if (!page) {
			np_napi_ctx_leave(prev);
			return -ENOMEM;
		}
		frame = np_pool_get_dma_addr(page);
		atomic_store_explicit(&aq->ax->posted[frame >> AFX_FRAME_SHIFT],
				      (uint8_t)(q + 1), memory_order_relaxed);
		np_stat_add_owner(aq->posted, 1);
		addr = frame + (addr & ~NP_AFXDP_INJECT_POSTED);
	}
	err = afx_rx_desc(dev, aq, addr, len, options);
	afx_rx_flush(dev, aq);	/* one descriptor in, its frame up at once */
	np_napi_ctx_leave(prev);
	return err;
}
