/* SPDX-License-Identifier: MIT */
/*
 * afxdp: the names of its counters, struct np_afxdp_stats' uint64_t fields
 * in order. Needs no libxdp: built with the driver or with its stub.
 */
#include "../internal.h"
#include "netpool/afxdp.h"

const char *const np_afxdp_stats_names[] = {
	"rx_invalid", "rx_bad_addr", "rx_unposted", "rx_bad_headroom", "rx_truncated",
	"rx_oversized", "rx_bad_options",
	"fill_posted", "fill_empty",
	"tx_zerocopy", "tx_copied", "tx_completed", "tx_bad_completion", "tx_no_frame",
	"tx_kicks", "tx_kick_busy", "bind_retries",
	"rx_multibuf", "rx_chain_broken", "rx_chain_long", "tx_multibuf", "tx_descs",
	"tx_kick_skipped", "busy_polls",
	"frames_posted", "frames_tx", "tx_reserve", "tx_reserve_free",
	"umem_bytes", "umem_frames", "umem_frames_out",
	"kern_rx_dropped", "kern_rx_invalid", "kern_tx_invalid",
	"kern_rx_ring_full", "kern_fill_empty", "kern_tx_ring_empty",
};
_Static_assert(NP_ARRAY_SIZE(np_afxdp_stats_names) == NP_AFXDP_STATS_NR,
	       "a name per uint64_t field of struct np_afxdp_stats");
