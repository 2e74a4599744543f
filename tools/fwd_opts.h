/* SPDX-License-Identifier: MIT */
/*
 * fwd_opts.h - netpool-fwd's command line, parsed into a struct opts (see
 * netpool-fwd(1), man/netpool-fwd.1). Separate from the tool so the parser
 * can be tested and fuzzed: no exit(), nothing printed but the bad-usage
 * message; getopt_long()'s globals are reset on each call (not thread-safe).
 */
#ifndef NETPOOL_FWD_OPTS_H
#define NETPOOL_FWD_OPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum mode { M_DROP, M_FWD, M_CAPTURE, M_SOCKQ, M_ENCAP };
#define FWD_MODES	5
extern const char *const mode_names[FWD_MODES];

struct opts {
	const char *driver, *in, *out, *pcap;	/* point into argv; in, out: the names */
	/* each port's driver: its DRV: prefix (--in tap:NAME), else --driver */
	const char *in_driver, *out_driver;
	bool gro;				/* GRO on input (fwd, capture) */
	bool tap_plain;				/* --tap-offloads none: no virtio-net header */
	unsigned int tap_offloads;		/* NP_TAP_OFFLOAD_*; 0: all the kernel has */
	bool tap_offloads_set;			/* --tap-offloads was given */
	enum mode mode;
	unsigned int queues;
	double duration;			/* 0: until a signal */
	bool no_recycle, json, mac_swap, iommu;
	uint32_t len_min, len_max;
	bool len_set;				/* --len was given */
	uint64_t count;				/* 0: unlimited */
	/* --mode encap: the VXLAN tunnel (required: local, remote, vni) */
	const char *vx_first;			/* "--vxlan-..." or "--vni": the first given */
	bool vx_local_set, vx_remote_set, vx_vni_set, vx_dmac_set;
	uint32_t vx_local, vx_remote;		/* IPv4, network byte order */
	uint32_t vx_vni;			/* 0..2^24-1 */
	uint16_t vx_port;			/* UDP destination port, 1..65535 (default 4789) */
	unsigned char vx_dmac[6];		/* the next hop's MAC when given (no ARP) */
	/* AF_XDP ports (need one): 0 for what the driver picks */
	const char *xdp_first;			/* the first AF_XDP option's "--name" */
	unsigned int xdp_bind;			/* enum np_afxdp_bind: --copy, --zerocopy */
	bool xdp_skb;				/* --xdp-skb: generic (skb) XDP */
	bool no_shared_umem;			/* --no-shared-umem: a UMEM per port */
	unsigned int busy_poll_us, busy_poll_budget;	/* --busy-poll US[,BUDGET] */
	unsigned int ring_size, rx_ring, tx_ring, fill_ring, comp_ring;
	unsigned int frame_size, frames;	/* --frame-size, --frames */
	const char *xdp_prog;			/* --xdp-prog FILE */
	bool xdp_multiprog;			/* --xdp-multiprog */
	/* --cpus LIST: queue i's thread on cpus[i % ncpus] */
	int cpus[64];
	unsigned int ncpus;
};

/* fwd_opts_parse() returned this: --help or -h was given (print the usage, exit 0). */
#define FWD_OPTS_HELP		1
/* fwd_opts_parse() returned this: --version or -V was given (print it, exit 0). */
#define FWD_OPTS_VERSION	2

/**
 * fwd_opts_parse() - parse argv[1..argc-1] into @o (defaults first), with
 * getopt_long(): --opt=value or --opt value, unambiguous abbreviations, argv
 * left in its order. Options that do nothing with the others given (--len
 * without a vnic or null --in, --pcap outside capture, ...) are refused.
 * On bad usage writes "netpool-fwd: <what is wrong>" and a pointer to --help
 * to @err. The strings in @o point into @argv's.
 * Return: 0, FWD_OPTS_HELP or FWD_OPTS_VERSION (at the first --help/-h or
 * --version/-V, nothing written), or -EINVAL (bad usage: the tool exits 2).
 */
int fwd_opts_parse(int argc, char *const *argv, struct opts *o, FILE *err);

#endif /* NETPOOL_FWD_OPTS_H */
