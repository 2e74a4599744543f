/* SPDX-License-Identifier: MIT */
/* netpool-fwd's option parser (see fwd_opts.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "netpool.h"
#include "toolutil.h"
#include "fwd_opts.h"

const char *const mode_names[FWD_MODES] = { "drop", "fwd", "capture", "sockq", "encap" };

__attribute__((format(printf, 2, 3))) static int bad_usage(FILE *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	np_tool_vbad_usage_to(err, "netpool-fwd", fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool parse_len(const char *s, uint32_t *lo, uint32_t *hi)
{
	char buf[32], *dash;
	uint64_t a, b;

	if (!s || strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash++ = '\0';
	if (!np_tool_parse_u64(buf, 9000, &a) || a < 60)
		return false;
	b = a;
	if (dash && (!np_tool_parse_u64(dash, 9000, &b) || b < a))
		return false;
	*lo = (uint32_t)a;
	*hi = (uint32_t)b;
	return true;
}

/* A unicast IPv4 address a host may own: not 0/8, loopback, multicast, reserved or broadcast. */
static bool parse_ip4(const char *s, uint32_t *out)
{
	struct in_addr a;
	uint32_t h;

	if (inet_pton(AF_INET, s, &a) != 1)
		return false;
	h = ntohl(a.s_addr);
	if ((h >> 24) == 0 || (h >> 24) == 127 || (h >> 28) >= 0xe)
		return false;
	*out = a.s_addr;
	return true;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* xx:xx:xx:xx:xx:xx, a unicast address other than 0. */
static bool parse_mac(const char *s, unsigned char mac[6])
{
	unsigned char m[6];

	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 6; i++) {
		int hi = hex_digit(s[3 * i]), lo = hex_digit(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return false;
		m[i] = (unsigned char)(hi << 4 | lo);
	}
	if ((m[0] & 1) || !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]))
		return false;
	memcpy(mac, m, 6);
	return true;
}

static bool is_driver(const char *d, size_t n)
{
	static const char *const drivers[] = { "vnic", "afxdp", "tap", "null" };

	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		if (strlen(drivers[i]) == n && !strncmp(d, drivers[i], n))
			return true;
	return false;
}

/*
 * A port, NAME or DRV:NAME (no interface name holds a ':'), into its driver
 * and its name. Return: 0 or -EINVAL (message written).
 */
static int parse_port(const char *opt, const char *val, const char *driver, const char **drv,
		      const char **name, FILE *err)
{
	const char *colon = strchr(val, ':');

	if (!colon) {
		if (!driver)
			return bad_usage(err, "%s %s needs a driver: --driver D or %s D:NAME", opt,
					 val, opt);
		*drv = driver;
		*name = val;
		return 0;
	}
	if (!is_driver(val, (size_t)(colon - val)))
		return bad_usage(err, "unknown driver in %s '%s' (vnic, afxdp, tap or null)", opt,
				 val);
	if (!colon[1] || strchr(colon + 1, ':'))
		return bad_usage(err, "bad %s '%s' (DRIVER:NAME)", opt, val);
	/* the driver's name as one of the table's, so later compares see it */
	*drv = !strncmp(val, "vnic", 4) ? "vnic" : !strncmp(val, "afxdp", 5) ? "afxdp" :
	       !strncmp(val, "null", 4) ? "null" : "tap";
	*name = colon + 1;
	return 0;
}

/* --tap-offloads all | none | a list of csum,tso4,tso6,ecn,uso. */
static bool parse_tap_offloads(const char *s, struct opts *o)
{
	static const struct {
		const char *name;
		unsigned int bit;
	} offs[] = { { "csum", NP_TAP_OFFLOAD_CSUM }, { "tso4", NP_TAP_OFFLOAD_TSO4 },
		     { "tso6", NP_TAP_OFFLOAD_TSO6 }, { "ecn", NP_TAP_OFFLOAD_TSO_ECN },
		     { "uso", NP_TAP_OFFLOAD_USO } };
	unsigned int bits = 0;

	if (!strcmp(s, "all")) {
		o->tap_offloads = 0;
		o->tap_plain = false;
		return true;
	}
	if (!strcmp(s, "none")) {
		o->tap_offloads = 0;
		o->tap_plain = true;
		return true;
	}
	while (*s) {
		size_t n = strcspn(s, ",");
		unsigned int i;

		for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++)
			if (strlen(offs[i].name) == n && !strncmp(s, offs[i].name, n))
				break;
		if (i == sizeof(offs) / sizeof(offs[0]) || (bits & offs[i].bit))
			return false;
		bits |= offs[i].bit;
		s += n;
		if (*s == ',' && !*++s)
			return false;
	}
	/* segmentation needs the checksum offload */
	if (!bits || ((bits & ~NP_TAP_OFFLOAD_CSUM) && !(bits & NP_TAP_OFFLOAD_CSUM)))
		return false;
	o->tap_offloads = bits;
	o->tap_plain = false;
	return true;
}

/* A ring size: a power of two, 64..16384. */
static bool parse_ring(const char *s, unsigned int *out)
{
	uint64_t v;

	if (!np_tool_parse_u64(s, 16384, &v) || v < 64 || (v & (v - 1)))
		return false;
	*out = (unsigned int)v;
	return true;
}

/* US[,BUDGET]: busy-poll time 1..1000000 us, budget 1..1024. */
static bool parse_busy_poll(const char *s, struct opts *o)
{
	char buf[32], *comma;
	uint64_t us, budget = 0;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	comma = strchr(buf, ',');
	if (comma)
		*comma++ = '\0';
	if (!np_tool_parse_u64(buf, 1000000, &us) || !us)
		return false;
	if (comma && (!np_tool_parse_u64(comma, 1024, &budget) || !budget))
		return false;
	o->busy_poll_us = (unsigned int)us;
	o->busy_poll_budget = (unsigned int)budget;
	return true;
}

/* LIST: CPUs 0..1023, comma-separated, ranges A-B; at most 64 entries. */
static bool parse_cpus(const char *s, struct opts *o)
{
	o->ncpus = 0;
	while (*s) {
		char buf[16], *dash;
		size_t n = strcspn(s, ",");
		uint64_t a, b;

		if (!n || n >= sizeof(buf))
			return false;
		memcpy(buf, s, n);
		buf[n] = '\0';
		dash = strchr(buf, '-');
		if (dash)
			*dash++ = '\0';
		if (!np_tool_parse_u64(buf, 1023, &a))
			return false;
		b = a;
		if (dash && (!np_tool_parse_u64(dash, 1023, &b) || b < a))
			return false;
		for (uint64_t c = a; c <= b; c++) {
			if (o->ncpus == sizeof(o->cpus) / sizeof(o->cpus[0]))
				return false;
			o->cpus[o->ncpus++] = (int)c;
		}
		s += n;
		if (*s == ',' && !*++s)
			return false;
	}
	return o->ncpus > 0;
}

/* The options, each with a value of its own; -h and -V are --help's and --version's. */
enum fwd_opt {
	O_DRIVER = 256, O_IN, O_OUT, O_MODE, O_QUEUES, O_DURATION, O_NO_RECYCLE, O_PCAP,
	O_MAC_SWAP, O_JSON, O_GRO, O_TAP_OFFLOADS, O_LEN, O_COUNT, O_IOMMU,
	O_VXLAN_LOCAL, O_VXLAN_REMOTE, O_VNI, O_VXLAN_PORT, O_VXLAN_DMAC,
	O_COPY, O_ZEROCOPY, O_XDP_SKB, O_NO_SHARED_UMEM, O_BUSY_POLL, O_RING_SIZE, O_RX_RING,
	O_TX_RING, O_FILL_RING, O_COMP_RING, O_FRAME_SIZE, O_FRAMES, O_XDP_PROG, O_XDP_MULTIPROG,
	O_CPUS,
};

static const struct option fwd_longopts[] = {
	{ "driver", required_argument, NULL, O_DRIVER },
	{ "in", required_argument, NULL, O_IN },
	{ "out", required_argument, NULL, O_OUT },
	{ "mode", required_argument, NULL, O_MODE },
	{ "queues", required_argument, NULL, O_QUEUES },
	{ "duration", required_argument, NULL, O_DURATION },
	{ "no-recycle", no_argument, NULL, O_NO_RECYCLE },
	{ "pcap", required_argument, NULL, O_PCAP },
	{ "mac-swap", no_argument, NULL, O_MAC_SWAP },
	{ "json", no_argument, NULL, O_JSON },
	{ "gro", no_argument, NULL, O_GRO },
	{ "tap-offloads", required_argument, NULL, O_TAP_OFFLOADS },
	{ "len", required_argument, NULL, O_LEN },
	{ "count", required_argument, NULL, O_COUNT },
	{ "iommu", no_argument, NULL, O_IOMMU },
	{ "vxlan-local", required_argument, NULL, O_VXLAN_LOCAL },
	{ "vxlan-remote", required_argument, NULL, O_VXLAN_REMOTE },
	{ "vni", required_argument, NULL, O_VNI },
	{ "vxlan-port", required_argument, NULL, O_VXLAN_PORT },
	{ "vxlan-dmac", required_argument, NULL, O_VXLAN_DMAC },
	{ "copy", no_argument, NULL, O_COPY },
	{ "zerocopy", no_argument, NULL, O_ZEROCOPY },
	{ "xdp-skb", no_argument, NULL, O_XDP_SKB },
	{ "no-shared-umem", no_argument, NULL, O_NO_SHARED_UMEM },
	{ "busy-poll", required_argument, NULL, O_BUSY_POLL },
	{ "ring-size", required_argument, NULL, O_RING_SIZE },
	{ "rx-ring", required_argument, NULL, O_RX_RING },
	{ "tx-ring", required_argument, NULL, O_TX_RING },
	{ "fill-ring", required_argument, NULL, O_FILL_RING },
	{ "comp-ring", required_argument, NULL, O_COMP_RING },
	{ "frame-size", required_argument, NULL, O_FRAME_SIZE },
	{ "frames", required_argument, NULL, O_FRAMES },
	{ "xdp-prog", required_argument, NULL, O_XDP_PROG },
	{ "xdp-multiprog", no_argument, NULL, O_XDP_MULTIPROG },
	{ "cpus", required_argument, NULL, O_CPUS },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* "--NAME" of option @val, as messages and the opts' *_first fields name it. */
static const char *opt_name(int val)
{
	static const char *const names[] = {
		[O_DRIVER - O_DRIVER] = "--driver", [O_IN - O_DRIVER] = "--in",
		[O_OUT - O_DRIVER] = "--out", [O_MODE - O_DRIVER] = "--mode",
		[O_QUEUES - O_DRIVER] = "--queues", [O_DURATION - O_DRIVER] = "--duration",
		[O_NO_RECYCLE - O_DRIVER] = "--no-recycle", [O_PCAP - O_DRIVER] = "--pcap",
		[O_MAC_SWAP - O_DRIVER] = "--mac-swap", [O_JSON - O_DRIVER] = "--json",
		[O_GRO - O_DRIVER] = "--gro", [O_TAP_OFFLOADS - O_DRIVER] = "--tap-offloads",
		[O_LEN - O_DRIVER] = "--len", [O_COUNT - O_DRIVER] = "--count",
		[O_IOMMU - O_DRIVER] = "--iommu", [O_VXLAN_LOCAL - O_DRIVER] = "--vxlan-local",
		[O_VXLAN_REMOTE - O_DRIVER] = "--vxlan-remote", [O_VNI - O_DRIVER] = "--vni",
		[O_VXLAN_PORT - O_DRIVER] = "--vxlan-port",
		[O_VXLAN_DMAC - O_DRIVER] = "--vxlan-dmac", [O_COPY - O_DRIVER] = "--copy",
		[O_ZEROCOPY - O_DRIVER] = "--zerocopy", [O_XDP_SKB - O_DRIVER] = "--xdp-skb",
		[O_NO_SHARED_UMEM - O_DRIVER] = "--no-shared-umem",
		[O_BUSY_POLL - O_DRIVER] = "--busy-poll", [O_RING_SIZE - O_DRIVER] = "--ring-size",
		[O_RX_RING - O_DRIVER] = "--rx-ring", [O_TX_RING - O_DRIVER] = "--tx-ring",
		[O_FILL_RING - O_DRIVER] = "--fill-ring", [O_COMP_RING - O_DRIVER] = "--comp-ring",
		[O_FRAME_SIZE - O_DRIVER] = "--frame-size", [O_FRAMES - O_DRIVER] = "--frames",
		[O_XDP_PROG - O_DRIVER] = "--xdp-prog",
		[O_XDP_MULTIPROG - O_DRIVER] = "--xdp-multiprog", [O_CPUS - O_DRIVER] = "--cpus",
	};

	return names[val - O_DRIVER];
}

/* One AF_XDP option (@val: its value, when it takes one). Return: 0 or -EINVAL (message written). */
static int parse_afxdp_opt(struct opts *o, int opt, const char *val, FILE *err)
{
	uint64_t v;

	if (!o->xdp_first)
		o->xdp_first = opt_name(opt);
	switch (opt) {
	case O_COPY:
	case O_ZEROCOPY: {
		unsigned int bind = opt == O_COPY ? 1 : 2;

		if (o->xdp_bind && o->xdp_bind != bind)
			return bad_usage(err, "%s", "--copy and --zerocopy exclude each other");
		o->xdp_bind = bind;
		break;
	}
	case O_XDP_SKB:
		o->xdp_skb = true;
		break;
	case O_NO_SHARED_UMEM:
		o->no_shared_umem = true;
		break;
	case O_BUSY_POLL:
		if (!parse_busy_poll(val, o))
			return bad_usage(err, "bad --busy-poll value '%s' (US[,BUDGET]: 1..1000000 "
					      "us, budget 1..1024)", val);
		break;
	case O_XDP_PROG:
		if (!*val)
			return bad_usage(err, "%s", "--xdp-prog needs a file");
		o->xdp_prog = val;
		break;
	case O_XDP_MULTIPROG:
		o->xdp_multiprog = true;
		break;
	case O_FRAME_SIZE:
		if (!np_tool_parse_u64(val, NP_AFXDP_FRAME_MAX, &v) || v < NP_AFXDP_FRAME_MIN)
			return bad_usage(err, "bad --frame-size value '%s' (2048..3776)", val);
		o->frame_size = (unsigned int)v;
		break;
	case O_FRAMES:
		if (!np_tool_parse_u64(val, 1u << 22, &v) || v < 64)
			return bad_usage(err, "bad --frames value '%s' (64..4194304)", val);
		o->frames = (unsigned int)v;
		break;
	default: {
		unsigned int *ring = opt == O_RING_SIZE ? &o->ring_size :
				     opt == O_RX_RING ? &o->rx_ring :
				     opt == O_TX_RING ? &o->tx_ring :
				     opt == O_FILL_RING ? &o->fill_ring : &o->comp_ring;

		if (!parse_ring(val, ring))
			return bad_usage(err, "bad %s value '%s' (a power of two, 64..16384)",
					 opt_name(opt), val);
	}
	}
	return 0;
}

/* One of the tunnel's options and its value. Return: 0 or -EINVAL (message written). */
static int parse_vxlan_opt(struct opts *o, int opt, const char *val, FILE *err)
{
	uint64_t v;

	if (!o->vx_first)
		o->vx_first = opt_name(opt);
	switch (opt) {
	case O_VXLAN_LOCAL:
		if (!parse_ip4(val, &o->vx_local))
			return bad_usage(err, "bad --vxlan-local value '%s' (a unicast IPv4 "
					      "address)", val);
		o->vx_local_set = true;
		break;
	case O_VXLAN_REMOTE:
		if (!parse_ip4(val, &o->vx_remote))
			return bad_usage(err, "bad --vxlan-remote value '%s' (a unicast IPv4 "
					      "address)", val);
		o->vx_remote_set = true;
		break;
	case O_VNI:
		if (!np_tool_parse_u64(val, NP_VXLAN_VNI_MAX, &v))
			return bad_usage(err, "bad --vni value '%s' (0..16777215)", val);
		o->vx_vni = (uint32_t)v;
		o->vx_vni_set = true;
		break;
	case O_VXLAN_PORT:
		if (!np_tool_parse_u64(val, 65535, &v) || !v)
			return bad_usage(err, "bad --vxlan-port value '%s' (1..65535)", val);
		o->vx_port = (uint16_t)v;
		break;
	default:
		if (!parse_mac(val, o->vx_dmac))
			return bad_usage(err, "bad --vxlan-dmac value '%s' (a unicast MAC address, "
					      "xx:xx:xx:xx:xx:xx)", val);
		o->vx_dmac_set = true;
	}
	return 0;
}

/* What the tunnel's options need of each other and of the mode. */
static int check_vxlan(const struct opts *o, FILE *err)
{
	if (o->mode != M_ENCAP) {
		if (o->vx_first)
			return bad_usage(err, "%s needs --mode encap", o->vx_first);
		return 0;
	}
	if (!o->vx_local_set)
		return bad_usage(err, "%s", "--mode encap needs --vxlan-local IP");
	if (!o->vx_remote_set)
		return bad_usage(err, "%s", "--mode encap needs --vxlan-remote IP");
	if (!o->vx_vni_set)
		return bad_usage(err, "%s", "--mode encap needs --vni N");
	if (o->vx_local == o->vx_remote)
		return bad_usage(err, "%s", "--vxlan-local and --vxlan-remote must differ");
	if (!strcmp(o->out_driver, "vnic") && !o->vx_dmac_set)
		return bad_usage(err, "%s", "--driver vnic --mode encap needs --vxlan-dmac MAC "
					    "(nothing answers ARP on a simulated wire)");
	if (!strcmp(o->out_driver, "null") && !o->vx_dmac_set)
		return bad_usage(err, "%s", "a null --out with --mode encap needs --vxlan-dmac MAC "
					    "(nothing answers ARP on a null port)");
	return 0;
}

static bool has_port(const struct opts *o, const char *drv)
{
	return !strcmp(o->in_driver, drv) || (o->out && !strcmp(o->out_driver, drv));
}

/*
 * Options given where they do nothing are refused, so that a command line
 * says what the forwarder does: the traffic source's options without a vnic
 * --in, the capture file outside capture, the MAC swap outside fwd, GRO
 * where nothing runs it, a driver's options without a port of it.
 */
static int check_applies(const struct opts *o, FILE *err)
{
	bool src = !strcmp(o->in_driver, "vnic") || !strcmp(o->in_driver, "null");

	if (o->len_set && !src)
		return bad_usage(err, "%s", "--len needs a vnic --in (its traffic source) or a null "
					    "--in (its frame length)");
	if (o->count && !src)
		return bad_usage(err, "%s", "--count needs a vnic --in (its traffic source) or a "
					    "null --in");
	/* a null port's frames are all alike: one length, in one buffer */
	if (o->len_set && !strcmp(o->in_driver, "null") && o->len_min != o->len_max)
		return bad_usage(err, "--len %u-%u: a null --in takes one frame length, not a range",
				 o->len_min, o->len_max);
	if (o->len_set && !strcmp(o->in_driver, "null") && o->len_max > NP_NULL_FRAME_MAX)
		return bad_usage(err, "--len %u: a null --in takes %u..%u (one buffer)", o->len_max,
				 NP_NULL_FRAME_MIN, (unsigned int)NP_NULL_FRAME_MAX);
	if (o->iommu && !has_port(o, "vnic"))
		return bad_usage(err, "%s", "--iommu needs a vnic port");
	if (o->pcap && o->mode != M_CAPTURE)
		return bad_usage(err, "%s", "--pcap needs --mode capture");
	if (o->mac_swap && o->mode != M_FWD)
		return bad_usage(err, "%s", "--mac-swap needs --mode fwd");
	if (o->gro && o->mode != M_FWD && o->mode != M_CAPTURE)
		return bad_usage(err, "%s", o->mode == M_SOCKQ ?
				 "--gro needs --mode fwd or capture (sockq always merges)" :
				 "--gro needs --mode fwd or capture");
	if (o->tap_offloads_set && !has_port(o, "tap"))
		return bad_usage(err, "%s", "--tap-offloads needs a tap port");
	if (o->xdp_first && !has_port(o, "afxdp"))
		return bad_usage(err, "%s needs an afxdp port", o->xdp_first);
	if (o->xdp_multiprog && !o->xdp_prog)
		return bad_usage(err, "%s", "--xdp-multiprog needs --xdp-prog (libxdp's dispatcher "
					    "takes a program of your own)");
	if (o->no_shared_umem && !(o->out && !strcmp(o->in_driver, "afxdp") &&
				   !strcmp(o->out_driver, "afxdp")))
		return bad_usage(err, "%s", "--no-shared-umem needs two afxdp ports (--in and "
					    "--out)");
	return 0;
}

/* One option's value that is not a driver's. Return: 0 or -EINVAL (message written). */
static int parse_value(struct opts *o, int opt, const char *val, bool *have_mode, FILE *err)
{
	uint64_t v;

	switch (opt) {
	case O_DRIVER:
		if (strcmp(val, "vnic") && strcmp(val, "afxdp") && strcmp(val, "tap") &&
		    strcmp(val, "null"))
			return bad_usage(err, "unknown driver '%s' (vnic, afxdp, tap or null)", val);
		o->driver = val;
		break;
	case O_IN:
	case O_OUT:
	case O_PCAP:
		if (!*val)
			return bad_usage(err, "%s needs a value", opt_name(opt));
		*(opt == O_IN ? &o->in : opt == O_OUT ? &o->out : &o->pcap) = val;
		break;
	case O_MODE: {
		unsigned int m;

		for (m = 0; m < FWD_MODES; m++)
			if (!strcmp(val, mode_names[m]))
				break;
		if (m == FWD_MODES)
			return bad_usage(err, "unknown mode '%s' (drop, fwd, capture, sockq or "
					      "encap)", val);
		o->mode = (enum mode)m;
		*have_mode = true;
		break;
	}
	case O_QUEUES:
		if (!np_tool_parse_u64(val, NP_NETDEV_MAX_QUEUES, &v) || !v)
			return bad_usage(err, "bad --queues value '%s' (1..64)", val);
		o->queues = (unsigned int)v;
		break;
	case O_DURATION: {
		char *end;

		errno = 0;
		o->duration = strtod(val, &end);
		if (errno || *end || end == val || !(o->duration > 0) || o->duration > 1e7)
			return bad_usage(err, "bad --duration value '%s' (seconds, up to 1e7)",
					 val);
		break;
	}
	case O_LEN:
		if (!parse_len(val, &o->len_min, &o->len_max))
			return bad_usage(err, "bad --len value '%s' (MIN[-MAX], 60..9000)", val);
		o->len_set = true;
		break;
	case O_COUNT:
		if (!np_tool_parse_u64(val, UINT64_MAX, &o->count) || !o->count)
			return bad_usage(err, "bad --count value '%s' (1 or more)", val);
		break;
	case O_TAP_OFFLOADS:
		if (!parse_tap_offloads(val, o))
			return bad_usage(err, "bad --tap-offloads value '%s' (all, none, or "
					      "csum,tso4,tso6,ecn,uso with csum)", val);
		o->tap_offloads_set = true;
		break;
	case O_CPUS:
		if (!parse_cpus(val, o))
			return bad_usage(err, "bad --cpus value '%s' (CPUs 0..1023: 0,2,4-7; at "
					      "most 64)", val);
		break;
	case O_VXLAN_LOCAL:
	case O_VXLAN_REMOTE:
	case O_VNI:
	case O_VXLAN_PORT:
	case O_VXLAN_DMAC:
		return parse_vxlan_opt(o, opt, val, err);
	default:
		return parse_afxdp_opt(o, opt, val, err);
	}
	return 0;
}

int fwd_opts_parse(int argc, char *const *argv, struct opts *o, FILE *err)
{
	bool have_mode = false;
	int c, rc;

	*o = (struct opts){ .queues = 1, .len_min = 60, .len_max = 1500,
			    .vx_port = NP_VXLAN_PORT };
	np_tool_getopt_reset();
	/* '+': no reordering of argv, the first word that is no option ends them */
	while ((c = getopt_long(argc, argv, "+:hV", fwd_longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return FWD_OPTS_HELP;
		case 'V':
			return FWD_OPTS_VERSION;
		case '?':
		case ':':
			return np_tool_getopt_bad(err, "netpool-fwd", fwd_longopts, c, argv);
		case O_NO_RECYCLE:
			o->no_recycle = true;
			break;
		case O_JSON:
			o->json = true;
			break;
		case O_MAC_SWAP:
			o->mac_swap = true;
			break;
		case O_IOMMU:
			o->iommu = true;
			break;
		case O_GRO:
			o->gro = true;
			break;
		default:
			rc = parse_value(o, c, optarg, &have_mode, err);
			if (rc)
				return rc;
		}
	}
	if (optind < argc)
		return bad_usage(err, "unexpected argument '%s' (netpool-fwd takes options only)",
				 argv[optind]);
	if (!o->driver && !(o->in && strchr(o->in, ':')))
		return bad_usage(err, "%s", "--driver is required (or --in DRIVER:IFACE)");
	if (!o->in)
		return bad_usage(err, "%s", "--in is required");
	if (parse_port("--in", o->in, o->driver, &o->in_driver, &o->in, err) ||
	    (o->out && parse_port("--out", o->out, o->driver, &o->out_driver, &o->out, err)))
		return -EINVAL;
	if (!o->out)
		o->out_driver = o->in_driver;
	if (!have_mode)
		return bad_usage(err, "%s", "--mode is required");
	if (o->mode == M_CAPTURE && !o->pcap)
		return bad_usage(err, "%s", "--mode capture needs --pcap FILE");
	if (o->mode == M_FWD && !o->out && !o->mac_swap)
		return bad_usage(err, "%s", "--mode fwd needs --out IFACE (or --mac-swap)");
	if (o->mode == M_ENCAP && !o->out)
		return bad_usage(err, "%s", "--mode encap needs --out IFACE");
	if (o->out && !strcmp(o->out, o->in) && strcmp(o->in_driver, "vnic") &&
	    strcmp(o->out_driver, "vnic"))
		return bad_usage(err, "%s", "--out must differ from --in (use --mac-swap to reflect)");
	if (o->out && !strcmp(o->in_driver, "vnic") && !strcmp(o->out_driver, "vnic") &&
	    !strcmp(o->out, o->in))
		return bad_usage(err, "%s", "--out must differ from --in");
	rc = check_applies(o, err);
	return rc ? rc : check_vxlan(o, err);
}
