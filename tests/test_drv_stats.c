/* SPDX-License-Identifier: MIT */
/*
 * The drivers' counter names (np_vnic_stats_names, np_tap_stats_names,
 * np_afxdp_stats_names): one for each uint64_t field of the driver's stats
 * struct, at that field's index, all distinct; and a name leads to the
 * value get_stats fills, per queue and summed over the queues
 * (np_netdev_counters_sum): a vnic traffic source of N frames on queue 1
 * shows N under "gen_frames" for queue 1 and the sum, 0 for queue 0; bad
 * descriptors handed to a fake afxdp netdev's two queues show under
 * "rx_invalid" and "rx_bad_addr", one per queue, two in the sum.
 */
#include <stddef.h>
#include "testutil.h"
#include "drivers/afxdp_fake.h"
#include "drivers/afxdp_inject.h"

struct field {
	const char *name;
	size_t off;
};

#define F(type, f)	{ #f, offsetof(struct type, f) }

static const struct field vnic_fields[] = {
	F(np_vnic_stats, gen_frames), F(np_vnic_stats, wire_frames), F(np_vnic_stats, rx_missed),
	F(np_vnic_stats, corrupt), F(np_vnic_stats, tx_wire), F(np_vnic_stats, tx_unmapped),
	F(np_vnic_stats, dma_faults), F(np_vnic_stats, bad_index),
};

static const struct field tap_fields[] = {
	F(np_tap_stats, rx_runt), F(np_tap_stats, rx_oversize), F(np_tap_stats, rx_multi),
	F(np_tap_stats, rx_errors), F(np_tap_stats, tx_linearized), F(np_tap_stats, tx_errors),
	F(np_tap_stats, rx_gso), F(np_tap_stats, rx_csum_partial), F(np_tap_stats, rx_bad_vnet_hdr),
	F(np_tap_stats, tx_gso), F(np_tap_stats, tx_csum_partial), F(np_tap_stats, tx_no_offload),
	F(np_tap_stats, rx_csum_xdp),
};

static const struct field afxdp_fields[] = {
	F(np_afxdp_stats, rx_invalid), F(np_afxdp_stats, rx_bad_addr),
	F(np_afxdp_stats, rx_unposted), F(np_afxdp_stats, rx_bad_headroom),
	F(np_afxdp_stats, rx_truncated), F(np_afxdp_stats, rx_oversized),
	F(np_afxdp_stats, rx_bad_options), F(np_afxdp_stats, fill_posted),
	F(np_afxdp_stats, fill_empty), F(np_afxdp_stats, tx_zerocopy),
	F(np_afxdp_stats, tx_copied), F(np_afxdp_stats, tx_completed),
	F(np_afxdp_stats, tx_bad_completion), F(np_afxdp_stats, tx_no_frame),
	F(np_afxdp_stats, tx_kicks), F(np_afxdp_stats, tx_kick_busy),
	F(np_afxdp_stats, bind_retries), F(np_afxdp_stats, rx_multibuf),
	F(np_afxdp_stats, rx_chain_broken), F(np_afxdp_stats, rx_chain_long),
	F(np_afxdp_stats, tx_multibuf), F(np_afxdp_stats, tx_descs),
	F(np_afxdp_stats, tx_kick_skipped), F(np_afxdp_stats, busy_polls),
	F(np_afxdp_stats, frames_posted),
	F(np_afxdp_stats, frames_tx), F(np_afxdp_stats, tx_reserve),
	F(np_afxdp_stats, tx_reserve_free), F(np_afxdp_stats, umem_bytes),
	F(np_afxdp_stats, umem_frames), F(np_afxdp_stats, umem_frames_out),
	F(np_afxdp_stats, kern_rx_dropped), F(np_afxdp_stats, kern_rx_invalid),
	F(np_afxdp_stats, kern_tx_invalid), F(np_afxdp_stats, kern_rx_ring_full),
	F(np_afxdp_stats, kern_fill_empty), F(np_afxdp_stats, kern_tx_ring_empty),
};

/* @names holds @nr names: each field's own, at its index, none twice. */
static void check_names(const char *drv, const char *const *names, size_t nr,
			const struct field *fields, size_t nfields)
{
	CHECK_EQ(nr, nfields);
	for (size_t i = 0; i < nfields; i++) {
		size_t k = fields[i].off / sizeof(uint64_t);

		CHECK_EQ(fields[i].off % sizeof(uint64_t), 0);
		CHECK(k < nr);
		CHECK(names[k] != NULL);
		if (strcmp(names[k], fields[i].name)) {
			fprintf(stderr, "FAIL %s: name %zu is \"%s\", the field there is %s\n", drv, k,
				names[k], fields[i].name);
			exit(1);
		}
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(names[j], names[i]));
	}
}

/* The value under @name in a stats struct seen as @nr uint64_t. */
static uint64_t by_name(const char *const *names, size_t nr, const void *st, const char *name)
{
	for (size_t k = 0; k < nr; k++)
		if (!strcmp(names[k], name))
			return ((const uint64_t *)st)[k];
	fprintf(stderr, "FAIL: no counter named %s\n", name);
	exit(1);
}

static void test_vnic_values(void)
{
	struct np_vnic_params vp = { .nqueues = 2, .ring_size = 64 };
	struct np_vnic_gen gen = { .len_min = 60, .count = 100 };
	struct np_vnic_stats vs[3];
	struct np_netdev *dev;
	int64_t live0 = np_skb_live();

	CHECK_EQ(np_vnic_create(&vp, &dev), 0);
	CHECK_EQ(np_netdev_open(dev), 0);
	CHECK_EQ(np_vnic_gen_start(dev, 1, &gen), 0);
	for (int i = 0; i < 100; i++)
		np_netdev_poll(dev, 1);
	CHECK_EQ(np_vnic_get_stats(dev, 0, &vs[0]), 0);
	CHECK_EQ(np_vnic_get_stats(dev, 1, &vs[1]), 0);
	CHECK_EQ(np_vnic_get_stats(dev, -1, &vs[2]), 0);
	CHECK_EQ(vs[1].gen_frames, gen.count);
	CHECK_EQ(by_name(np_vnic_stats_names, NP_VNIC_STATS_NR, &vs[0], "gen_frames"), 0);
	CHECK_EQ(by_name(np_vnic_stats_names, NP_VNIC_STATS_NR, &vs[1], "gen_frames"), gen.count);
	CHECK_EQ(by_name(np_vnic_stats_names, NP_VNIC_STATS_NR, &vs[2], "gen_frames"), gen.count);
	CHECK_EQ(by_name(np_vnic_stats_names, NP_VNIC_STATS_NR, &vs[2], "rx_missed"),
		 vs[2].rx_missed);
	np_netdev_destroy(dev);
	CHECK_EQ(np_skb_live(), live0);
}

static void test_afxdp_values(void)
{
	struct np_afxdp_params p = { .nqueues = 2, .ring_size = 64, .frame_count = 128 };
	struct np_afxdp_stats st[3];
	struct np_netdev *dev;
	int err = np_afxdp_fake_create(&p, &dev);

	if (err == -EOPNOTSUPP) {
		printf("afxdp: built without libxdp, values not checked\n");
		return;
	}
	CHECK_EQ(err, 0);
	CHECK_EQ(np_netdev_open(dev), 0);
	/* an address past the UMEM: refused and counted, nothing of ours to give back */
	for (unsigned int q = 0; q < 2; q++)
		CHECK_EQ(np_afxdp_inject_rx(dev, q, ~0ull >> 1, 60, 0), -EBADMSG);
	for (int q = -1; q < 2; q++)
		CHECK_EQ(np_afxdp_get_stats(dev, q, &st[q + 1]), 0);
	for (int i = 0; i < 3; i++) {
		uint64_t want = i ? 1 : 2;

		CHECK_EQ(by_name(np_afxdp_stats_names, NP_AFXDP_STATS_NR, &st[i], "rx_invalid"),
			 want);
		CHECK_EQ(by_name(np_afxdp_stats_names, NP_AFXDP_STATS_NR, &st[i], "rx_bad_addr"),
			 want);
		CHECK_EQ(by_name(np_afxdp_stats_names, NP_AFXDP_STATS_NR, &st[i], "rx_unposted"),
			 0);
		CHECK_EQ(by_name(np_afxdp_stats_names, NP_AFXDP_STATS_NR, &st[i], "umem_bytes"),
			 st[i].umem_bytes);
	}
	np_netdev_destroy(dev);
}

int main(void)
{
	check_names("vnic", np_vnic_stats_names, NP_VNIC_STATS_NR, vnic_fields,
		    NP_ARRAY_SIZE(vnic_fields));
	check_names("tap", np_tap_stats_names, NP_TAP_STATS_NR, tap_fields,
		    NP_ARRAY_SIZE(tap_fields));
	check_names("afxdp", np_afxdp_stats_names, NP_AFXDP_STATS_NR, afxdp_fields,
		    NP_ARRAY_SIZE(afxdp_fields));
	test_vnic_values();
	test_afxdp_values();
	printf("PASS\n");
	return 0;
}
