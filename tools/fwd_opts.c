/* SPDX-License-Identifier: MIT */
/* netpool-fwd's option parser (see fwd_opts.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "netpool.h"
#include "toolutil.h"
#include "fwd_opts.h"

const char *const mode_names[FWD_MODES] = { "drop", "fwd", "capture", "sockq", "encap" };

__attribute__((format(printf, 2, 0))) static int bad_usage(FILE *err, const char *fmt,
							    const char *arg)
{
	np_tool_bad_usage_to(err, "netpool-fwd", fmt, arg);
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
	static const char *const drivers[] = { "vnic", "afxdp", "tap" };

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
	char msg[96];

	if (!colon) {
		if (!driver) {
			snprintf(msg, sizeof(msg), "%s %%s needs a driver: --driver D or %s D:NAME",
				 opt, opt);
			return bad_usage(err, msg, val);
		}
		*drv = driver;
		*name = val;
		return 0;
	}
	if (!is_driver(val, (size_t)(colon - val))) {
		snprintf(msg, sizeof(msg), "unknown driver in %s '%%s' (vnic, afxdp or tap)", opt);
		return bad_usage(err, msg, val);
	}
	if (!colon[1] || strchr(colon + 1, ':')) {
		snprintf(msg, sizeof(msg), "bad %s '%%s' (DRIVER:NAME)", opt);
		return bad_usage(err, msg, val);
	}
	/* the driver's name as one of the table's, so later compares see it */
	*drv = !strncmp(val, "vnic", 4) ? "vnic" : !strncmp(val, "afxdp", 5) ? "afxdp" : "tap";
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

static bool is_afxdp_opt(const char *a)
{
	static const char *const names[] = {
		"--copy", "--zerocopy", "--xdp-skb", "--no-shared-umem", "--busy-poll",
		"--ring-size", "--rx-ring", "--tx-ring", "--fill-ring", "--comp-ring",
		"--frame-size", "--frames", "--xdp-prog",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(a, names[i]))
			return true;
	return false;
}

/* Whether an AF_XDP option @a takes a value. */
static bool afxdp_opt_has_value(const char *a)
{
	return strcmp(a, "--copy") && strcmp(a, "--zerocopy") && strcmp(a, "--xdp-skb") &&
	       strcmp(a, "--no-shared-umem");
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

/* One AF_XDP option (@val: its value, when it takes one). Return: 0 or -EINVAL (message written). */
static int parse_afxdp_opt(struct opts *o, const char *a, const char *val, FILE *err)
{
	uint64_t v;

	if (!o->xdp_first)
		o->xdp_first = a;
	if (!strcmp(a, "--copy") || !strcmp(a, "--zerocopy")) {
		unsigned int bind = !strcmp(a, "--copy") ? 1 : 2;

		if (o->xdp_bind && o->xdp_bind != bind)
			return bad_usage(err, "%s", "--copy and --zerocopy exclude each other");
		o->xdp_bind = bind;
	} else if (!strcmp(a, "--xdp-skb")) {
		o->xdp_skb = true;
	} else if (!strcmp(a, "--no-shared-umem")) {
		o->no_shared_umem = true;
	} else if (!strcmp(a, "--busy-poll")) {
		if (!parse_busy_poll(val, o))
			return bad_usage(err, "bad --busy-poll value '%s' (US[,BUDGET]: 1..1000000 "
					      "us, budget 1..1024)", val);
	} else if (!strcmp(a, "--xdp-prog")) {
		if (!*val)
			return bad_usage(err, "%s", "--xdp-prog needs a file");
		o->xdp_prog = val;
	} else if (!strcmp(a, "--frame-size")) {
		if (!np_tool_parse_u64(val, NP_AFXDP_FRAME_MAX, &v) || v < NP_AFXDP_FRAME_MIN)
			return bad_usage(err, "bad --frame-size value '%s' (2048..3776)", val);
		o->frame_size = (unsigned int)v;
	} else if (!strcmp(a, "--frames")) {
		if (!np_tool_parse_u64(val, 1u << 22, &v) || v < 64)
			return bad_usage(err, "bad --frames value '%s' (64..4194304)", val);
		o->frames = (unsigned int)v;
	} else {
		unsigned int *ring = !strcmp(a, "--ring-size") ? &o->ring_size :
				     !strcmp(a, "--rx-ring") ? &o->rx_ring :
				     !strcmp(a, "--tx-ring") ? &o->tx_ring :
				     !strcmp(a, "--fill-ring") ? &o->fill_ring : &o->comp_ring;

		if (!parse_ring(val, ring))
			return bad_usage(err, "bad %s value (a power of two, 64..16384)", a);
	}
	return 0;
}

static bool is_vxlan_opt(const char *a)
{
	return !strcmp(a, "--vxlan-local") || !strcmp(a, "--vxlan-remote") || !strcmp(a, "--vni") ||
	       !strcmp(a, "--vxlan-port") || !strcmp(a, "--vxlan-dmac");
}

/* One of the tunnel's options and its value. Return: 0 or -EINVAL (message written). */
static int parse_vxlan_opt(struct opts *o, const char *a, const char *val, FILE *err)
{
	uint64_t v;

	if (!o->vx_first)
		o->vx_first = a;
	if (!strcmp(a, "--vxlan-local")) {
		if (!parse_ip4(val, &o->vx_local))
			return bad_usage(err, "bad --vxlan-local value '%s' (a unicast IPv4 "
					      "address)", val);
		o->vx_local_set = true;
	} else if (!strcmp(a, "--vxlan-remote")) {
		if (!parse_ip4(val, &o->vx_remote))
			return bad_usage(err, "bad --vxlan-remote value '%s' (a unicast IPv4 "
					      "address)", val);
		o->vx_remote_set = true;
	} else if (!strcmp(a, "--vni")) {
		if (!np_tool_parse_u64(val, NP_VXLAN_VNI_MAX, &v))
			return bad_usage(err, "bad --vni value '%s' (0..16777215)", val);
		o->vx_vni = (uint32_t)v;
		o->vx_vni_set = true;
	} else if (!strcmp(a, "--vxlan-port")) {
		if (!np_tool_parse_u64(val, 65535, &v) || !v)
			return bad_usage(err, "bad --vxlan-port value '%s' (1..65535)", val);
		o->vx_port = (uint16_t)v;
	} else {
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
	return 0;
}

int fwd_opts_parse(int argc, char *const *argv, struct opts *o, FILE *err)
{
	bool have_mode = false;
	uint64_t v;

	*o = (struct opts){ .queues = 1, .len_min = 60, .len_max = 1500,
			    .vx_port = NP_VXLAN_PORT };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			return FWD_OPTS_HELP;
		} else if (!strcmp(a, "--no-recycle")) {
			o->no_recycle = true;
		} else if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "--mac-swap")) {
			o->mac_swap = true;
		} else if (!strcmp(a, "--iommu")) {
			o->iommu = true;
		} else if (!strcmp(a, "--gro")) {
			o->gro = true;
		} else if (!strcmp(a, "--tap-offloads")) {
			if (!val)
				return bad_usage(err, "%s needs a value", a);
			i++;
			if (!parse_tap_offloads(val, o))
				return bad_usage(err, "bad --tap-offloads value '%s' (all, none, or "
						      "csum,tso4,tso6,ecn,uso with csum)", val);
			o->tap_offloads_set = true;
		} else if (!strcmp(a, "--driver") || !strcmp(a, "--in") || !strcmp(a, "--out") ||
			   !strcmp(a, "--mode") || !strcmp(a, "--queues") ||
			   !strcmp(a, "--duration") || !strcmp(a, "--pcap") || !strcmp(a, "--len") ||
			   !strcmp(a, "--count")) {
			if (!val)
				return bad_usage(err, "%s needs a value", a);
			i++;
			if (!strcmp(a, "--driver")) {
				if (strcmp(val, "vnic") && strcmp(val, "afxdp") && strcmp(val, "tap"))
					return bad_usage(err, "unknown driver '%s'", val);
				o->driver = val;
			} else if (!strcmp(a, "--in")) {
				o->in = val;
			} else if (!strcmp(a, "--out")) {
				o->out = val;
			} else if (!strcmp(a, "--pcap")) {
				o->pcap = val;
			} else if (!strcmp(a, "--mode")) {
				unsigned int m;

				for (m = 0; m < FWD_MODES; m++)
					if (!strcmp(val, mode_names[m]))
						break;
				if (m == FWD_MODES)
					return bad_usage(err, "unknown mode '%s'", val);
				o->mode = (enum mode)m;
				have_mode = true;
			} else if (!strcmp(a, "--queues")) {
				if (!np_tool_parse_u64(val, NP_NETDEV_MAX_QUEUES, &v) || !v)
					return bad_usage(err, "bad --queues value '%s' (1..64)", val);
				o->queues = (unsigned int)v;
			} else if (!strcmp(a, "--duration")) {
				char *end;

				errno = 0;
				o->duration = strtod(val, &end);
				if (errno || *end || !(o->duration > 0) || o->duration > 1e7)
					return bad_usage(err, "bad --duration value '%s'", val);
			} else if (!strcmp(a, "--len")) {
				if (!parse_len(val, &o->len_min, &o->len_max))
					return bad_usage(err,
							 "bad --len value '%s' (MIN[-MAX], 60..9000)",
							 val);
			} else if (!strcmp(a, "--count")) {
				if (!np_tool_parse_u64(val, UINT64_MAX, &o->count) || !o->count)
					return bad_usage(err, "bad --count value '%s'", val);
			}
		} else if (is_afxdp_opt(a)) {
			int rc;

			if (afxdp_opt_has_value(a)) {
				if (!val)
					return bad_usage(err, "%s needs a value", a);
				i++;
			}
			rc = parse_afxdp_opt(o, a, val, err);
			if (rc)
				return rc;
		} else if (!strcmp(a, "--cpus")) {
			if (!val)
				return bad_usage(err, "%s needs a value", a);
			i++;
			if (!parse_cpus(val, o))
				return bad_usage(err, "bad --cpus value '%s' (CPUs 0..1023: 0,2,4-7; at "
						      "most 64)", val);
		} else if (is_vxlan_opt(a)) {
			int rc;

			if (!val)
				return bad_usage(err, "%s needs a value", a);
			i++;
			rc = parse_vxlan_opt(o, a, val, err);
			if (rc)
				return rc;
		} else {
			return bad_usage(err, "unknown option '%s'", a);
		}
	}
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
	if (o->gro && o->mode != M_FWD && o->mode != M_CAPTURE)
		return bad_usage(err, "%s", "--gro needs --mode fwd or capture");
	if (o->tap_offloads_set && strcmp(o->in_driver, "tap") && strcmp(o->out_driver, "tap"))
		return bad_usage(err, "%s", "--tap-offloads needs a tap port");
	if (o->xdp_first && strcmp(o->in_driver, "afxdp") && strcmp(o->out_driver, "afxdp"))
		return bad_usage(err, "%s needs an afxdp port", o->xdp_first);
	return check_vxlan(o, err);
}
