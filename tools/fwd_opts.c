/* SPDX-License-Identifier: MIT */
/* netpool-fwd's option parser (see fwd_opts.h). */
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

int fwd_opts_parse(int argc, char *const *argv, struct opts *o, FILE *err)
{
	bool have_mode = false;
	uint64_t v;

	*o = (struct opts){ .queues = 1, .len_min = 60, .len_max = 1500 };
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
		} else {
			return bad_usage(err, "unknown option '%s'", a);
		}
	}
	if (!o->driver)
		return bad_usage(err, "%s", "--driver is required");
	if (!o->in)
		return bad_usage(err, "%s", "--in is required");
	if (!have_mode)
		return bad_usage(err, "%s", "--mode is required");
	if (o->mode == M_CAPTURE && !o->pcap)
		return bad_usage(err, "%s", "--mode capture needs --pcap FILE");
	if (o->mode == M_FWD && !o->out && !o->mac_swap)
		return bad_usage(err, "%s", "--mode fwd needs --out IFACE (or --mac-swap)");
	if (o->mode == M_ENCAP && !o->out)
		return bad_usage(err, "%s", "--mode encap needs --out IFACE");
	if (o->out && !strcmp(o->out, o->in) && strcmp(o->driver, "vnic"))
		return bad_usage(err, "%s", "--out must differ from --in (use --mac-swap to reflect)");
	if (o->out && !strcmp(o->driver, "vnic") && !strcmp(o->out, o->in))
		return bad_usage(err, "%s", "--out must differ from --in");
	return 0;
}
