/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the command lines of netpool-fwd and netpool-stat. The
 * input, split on NUL bytes, is an argv vector; its first string names the
 * tool (ending in "fwd" or "stat"; anything else: both parsers get it). The
 * oracle, beyond the sanitizers:
 *   accepted  the options satisfy what the tool relies on: netpool-fwd has a
 *             known driver for each port (its DRV: prefix, else --driver),
 *             --in, a mode, --out where the mode sends (different from --in
 *             unless one is a vnic), --pcap for capture, --gro only with fwd
 *             or capture, --tap-offloads only with a tap port (segmentation
 *             only with csum), 1..64 queues, a
 *             duration of 0 (none) or in (0, 1e7], 60 <= len min <= max <=
 *             9000; encap (and only encap) with a VXLAN tunnel: unicast IPv4
 *             local and remote that differ, a VNI below 2^24, a port in
 *             1..65535 (4789 unless given), a unicast MAC when given (and
 *             given with vnic); netpool-stat a pid in 0..INT_MAX, --watch of 0 or in
 *             [0.01, 86400], --count only with --watch, --list alone. Every
 *             value is the one of the last occurrence of its option, by an
 *             independent scan of argv, and every string points into argv;
 *   rejected  the message is "PROG: <something>" and the pointer to --help,
 *             on the error stream only;
 *   --help    nothing written;
 * and a second parse of the same argv gives the same answer (no state kept).
 * fuzz.sh-sources: tools/fwd_opts.c tools/stat_opts.c
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../tools/fwd_opts.h"
#include "../tools/stat_opts.h"

#define MAX_ARGS 1024

__attribute__((noreturn)) static void die(const char *tool, const char *what, int argc,
					  char **argv)
{
	fprintf(stderr, "fuzz_tool_cli: %s: %s; argv:", tool, what);
	for (int i = 0; i < argc; i++)
		fprintf(stderr, " '%s'", argv[i]);
	fprintf(stderr, "\n");
	abort();
}

/* What a parser wrote on its error stream. */
struct errbuf {
	char *buf;
	size_t len;
	FILE *f;
};

static void err_open(struct errbuf *e)
{
	e->buf = NULL;
	e->len = 0;
	e->f = open_memstream(&e->buf, &e->len);
	if (!e->f)
		abort();
}

static void err_close(struct errbuf *e)
{
	fclose(e->f);
}

/* "PROG: <message>\ntry 'PROG --help'\n", the message not empty. */
static bool usage_message_ok(const struct errbuf *e, const char *prog)
{
	char head[32], tail[48];
	size_t hl, tl;

	hl = (size_t)snprintf(head, sizeof(head), "%s: ", prog);
	tl = (size_t)snprintf(tail, sizeof(tail), "\ntry '%s --help'\n", prog);
	return e->len > hl + tl && !memcmp(e->buf, head, hl) &&
	       !memcmp(e->buf + e->len - tl, tail, tl) && strlen(e->buf) == e->len;
}

static bool in_argv(const char *s, int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (s == argv[i])
			return true;
	return false;
}

/* ---- netpool-fwd ---- */

static bool fwd_takes_value(const char *a)
{
	static const char *const v[] = { "--driver", "--in", "--out", "--mode", "--queues",
					 "--duration", "--pcap", "--len", "--count",
					 "--vxlan-local", "--vxlan-remote", "--vni", "--vxlan-port",
					 "--vxlan-dmac", "--tap-offloads" };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (!strcmp(a, v[i]))
			return true;
	return false;
}

/* netpool-fwd's AF_XDP options (and --cpus): those with a value, and the flags. */
static bool fwd_afxdp_takes_value(const char *a)
{
	static const char *const v[] = { "--busy-poll", "--ring-size", "--rx-ring", "--tx-ring",
					 "--fill-ring", "--comp-ring", "--frame-size", "--frames",
					 "--xdp-prog", "--cpus" };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (!strcmp(a, v[i]))
			return true;
	return false;
}

static bool fwd_afxdp_flag(const char *a)
{
	return !strcmp(a, "--copy") || !strcmp(a, "--zerocopy") || !strcmp(a, "--xdp-skb") ||
	       !strcmp(a, "--no-shared-umem");
}

static bool ring_ok(unsigned int v)
{
	return !v || (v >= 64 && v <= 16384 && !(v & (v - 1)));
}

/* The AF_XDP options as the parser took them: an afxdp port, sizes in range. */
static void fwd_check_afxdp(const struct opts *o, int argc, char **argv)
{
	bool any = o->xdp_first || o->xdp_bind || o->xdp_skb || o->no_shared_umem ||
		   o->busy_poll_us || o->ring_size || o->rx_ring || o->tx_ring || o->fill_ring ||
		   o->comp_ring || o->frame_size || o->frames || o->xdp_prog;

	if (any && (!o->xdp_first || (strcmp(o->in_driver, "afxdp") &&
				      strcmp(o->out_driver, "afxdp"))))
		die("netpool-fwd", "an AF_XDP option accepted without an afxdp port", argc, argv);
	if (o->xdp_bind > 2 || !ring_ok(o->ring_size) || !ring_ok(o->rx_ring) ||
	    !ring_ok(o->tx_ring) || !ring_ok(o->fill_ring) || !ring_ok(o->comp_ring) ||
	    (o->frame_size && (o->frame_size < 2048 || o->frame_size > 3776)) ||
	    (o->frames && (o->frames < 64 || o->frames > (1u << 22))) ||
	    (o->busy_poll_us > 1000000 || o->busy_poll_budget > 1024 ||
	     (o->busy_poll_budget && !o->busy_poll_us)) || o->ncpus > 64)
		die("netpool-fwd", "an AF_XDP option out of its range", argc, argv);
	for (unsigned int i = 0; i < o->ncpus; i++)
		if (o->cpus[i] < 0 || o->cpus[i] > 1023)
			die("netpool-fwd", "a CPU out of 0..1023", argc, argv);
}

static bool fwd_afxdp_eq(const struct opts *a, const struct opts *b)
{
	return a->xdp_first == b->xdp_first && a->xdp_bind == b->xdp_bind &&
	       a->xdp_skb == b->xdp_skb && a->no_shared_umem == b->no_shared_umem &&
	       a->busy_poll_us == b->busy_poll_us && a->busy_poll_budget == b->busy_poll_budget &&
	       a->ring_size == b->ring_size && a->rx_ring == b->rx_ring &&
	       a->tx_ring == b->tx_ring && a->fill_ring == b->fill_ring &&
	       a->comp_ring == b->comp_ring && a->frame_size == b->frame_size &&
	       a->frames == b->frames && a->xdp_prog == b->xdp_prog && a->ncpus == b->ncpus &&
	       !memcmp(a->cpus, b->cpus, sizeof(a->cpus[0]) * a->ncpus);
}

/* A unicast IPv4 address in network byte order (the parser's rule, written again). */
static bool ip4_unicast(const char *s, uint32_t *out)
{
	struct in_addr a;
	uint32_t first;

	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return false;
	first = ntohl(a.s_addr) >> 24;
	*out = a.s_addr;
	return first != 0 && first != 127 && first < 224;
}

/* The tunnel's values against the last ones given on the command line. */
static void fwd_check_vxlan(const struct opts *o, const char *local, const char *remote,
			    const char *vni, const char *port, const char *dmac, int argc,
			    char **argv)
{
	unsigned int m[6];
	uint32_t l, r;
	char tail;

	if (o->mode != M_ENCAP) {
		if (local || remote || vni || port || dmac || o->vx_first)
			die("netpool-fwd", "a tunnel option accepted outside encap", argc, argv);
		return;
	}
	if (!o->vx_first || !in_argv(o->vx_first, argc, argv))
		die("netpool-fwd", "the first tunnel option is not in argv", argc, argv);
	if (!ip4_unicast(local, &l) || !ip4_unicast(remote, &r) || l == r ||
	    o->vx_local != l || o->vx_remote != r || !o->vx_local_set || !o->vx_remote_set)
		die("netpool-fwd", "tunnel addresses missing, not unicast, equal or not the last",
		    argc, argv);
	if (!vni || !o->vx_vni_set || strtoull(vni, NULL, 10) != o->vx_vni ||
	    o->vx_vni > 0xffffff)
		die("netpool-fwd", "the VNI missing, out of range or not the last", argc, argv);
	if (port ? strtoull(port, NULL, 10) != o->vx_port : o->vx_port != 4789)
		die("netpool-fwd", "the tunnel port is not the last given (or 4789)", argc, argv);
	if (!o->vx_port)
		die("netpool-fwd", "tunnel port 0", argc, argv);
	if (!dmac != !o->vx_dmac_set || (!strcmp(o->out_driver, "vnic") && !dmac))
		die("netpool-fwd", "--vxlan-dmac set without being given, or vnic without it", argc,
		    argv);
	if (dmac) {
		if (strlen(dmac) != 17 ||
		    sscanf(dmac, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3], &m[4],
			   &m[5], &tail) != 6)
			die("netpool-fwd", "a MAC accepted in another form", argc, argv);
		for (int i = 0; i < 6; i++)
			if (o->vx_dmac[i] != m[i])
				die("netpool-fwd", "the MAC is not the last given", argc, argv);
		if ((m[0] & 1) || !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]))
			die("netpool-fwd", "a group or zero MAC accepted", argc, argv);
	}
}

static bool known_driver(const char *d)
{
	return d && (!strcmp(d, "vnic") || !strcmp(d, "afxdp") || !strcmp(d, "tap"));
}

/*
 * A port as given (NAME or DRV:NAME) against what the parser made of it:
 * the name right after the prefix, in argv; the prefix's driver, or --driver.
 */
static void fwd_check_port(const char *given, const char *name, const char *drv,
			   const char *driver, int argc, char **argv)
{
	const char *colon = strchr(given, ':');

	if (name != (colon ? colon + 1 : given) || !in_argv(given, argc, argv) ||
	    (colon && !*name))
		die("netpool-fwd", "a port's name is not the text after its prefix", argc, argv);
	if (!known_driver(drv) ||
	    (colon ? strlen(drv) != (size_t)(colon - given) || strncmp(drv, given, strlen(drv)) :
		     drv != driver))
		die("netpool-fwd", "a port's driver is not its prefix or --driver", argc, argv);
}

/* --tap-offloads as the parser took it: none, all, or a list with csum. */
static void fwd_check_offloads(const struct opts *o, const char *off, int argc, char **argv)
{
	if (!off) {
		if (o->tap_offloads_set || o->tap_plain || o->tap_offloads)
			die("netpool-fwd", "TAP offloads set without --tap-offloads", argc, argv);
		return;
	}
	if (!o->tap_offloads_set || (strcmp(o->in_driver, "tap") && strcmp(o->out_driver, "tap")))
		die("netpool-fwd", "--tap-offloads accepted without a tap port", argc, argv);
	if (o->tap_plain != !strcmp(off, "none") ||
	    (!strcmp(off, "none") || !strcmp(off, "all") ? o->tap_offloads != 0 :
		!(o->tap_offloads & 1) || (o->tap_offloads & ~0x1fu)))
		die("netpool-fwd", "--tap-offloads taken as something else", argc, argv);
}

/* The last value given to each option, and the flags, by a scan of its own. */
static void fwd_check_accepted(const struct opts *o, int argc, char **argv)
{
	const char *driver = NULL, *in = NULL, *out = NULL, *pcap = NULL, *mode = NULL;
	const char *queues = NULL, *count = NULL, *duration = NULL;
	const char *vx_local = NULL, *vx_remote = NULL, *vni = NULL, *vx_port = NULL;
	const char *vx_dmac = NULL, *tap_off = NULL;
	bool flags[5] = { 0 };
	static const char *const flag_names[5] = { "--no-recycle", "--json", "--mac-swap",
						   "--iommu", "--gro" };

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool known = false;

		for (int k = 0; k < 5; k++)
			if (!strcmp(a, flag_names[k]))
				flags[k] = known = true;
		if (known || fwd_afxdp_flag(a))
			continue;
		if (!(fwd_takes_value(a) || fwd_afxdp_takes_value(a)) || i + 1 >= argc)
			die("netpool-fwd", "accepted an unknown option or one without its value",
			    argc, argv);
		i++;
		if (!strcmp(a, "--driver"))
			driver = argv[i];
		else if (!strcmp(a, "--in"))
			in = argv[i];
		else if (!strcmp(a, "--out"))
			out = argv[i];
		else if (!strcmp(a, "--pcap"))
			pcap = argv[i];
		else if (!strcmp(a, "--mode"))
			mode = argv[i];
		else if (!strcmp(a, "--queues"))
			queues = argv[i];
		else if (!strcmp(a, "--count"))
			count = argv[i];
		else if (!strcmp(a, "--duration"))
			duration = argv[i];
		else if (!strcmp(a, "--vxlan-local"))
			vx_local = argv[i];
		else if (!strcmp(a, "--vxlan-remote"))
			vx_remote = argv[i];
		else if (!strcmp(a, "--vni"))
			vni = argv[i];
		else if (!strcmp(a, "--vxlan-port"))
			vx_port = argv[i];
		else if (!strcmp(a, "--vxlan-dmac"))
			vx_dmac = argv[i];
		else if (!strcmp(a, "--tap-offloads"))
			tap_off = argv[i];
	}
	if (o->driver != driver || !o->in != !in || !o->out != !out || o->pcap != pcap)
		die("netpool-fwd", "a string option is not the last one given", argc, argv);
	if (o->no_recycle != flags[0] || o->json != flags[1] || o->mac_swap != flags[2] ||
	    o->iommu != flags[3] || o->gro != flags[4])
		die("netpool-fwd", "a flag differs from the command line", argc, argv);
	if (o->driver && !known_driver(o->driver))
		die("netpool-fwd", "accepted an unknown --driver", argc, argv);
	if (!o->in || (o->pcap && !in_argv(o->pcap, argc, argv)))
		die("netpool-fwd", "a string does not point into argv", argc, argv);
	fwd_check_port(in, o->in, o->in_driver, driver, argc, argv);
	if (out)
		fwd_check_port(out, o->out, o->out_driver, driver, argc, argv);
	else if (o->out_driver != o->in_driver)
		die("netpool-fwd", "no --out, but its driver is not --in's", argc, argv);
	if (o->gro && o->mode != M_FWD && o->mode != M_CAPTURE)
		die("netpool-fwd", "--gro accepted outside fwd and capture", argc, argv);
	fwd_check_offloads(o, tap_off, argc, argv);
	if (!mode || (unsigned)o->mode >= FWD_MODES || strcmp(mode_names[o->mode], mode))
		die("netpool-fwd", "the mode is not the one given last", argc, argv);
	if (o->queues < 1 || o->queues > 64 ||
	    (queues ? strtoull(queues, NULL, 10) != o->queues : o->queues != 1))
		die("netpool-fwd", "queues out of 1..64 or not the last given", argc, argv);
	if (isnan(o->duration) || o->duration < 0 || o->duration > 1e7 ||
	    o->duration != (duration ? strtod(duration, NULL) : 0))
		die("netpool-fwd", "duration out of range or not the last given", argc, argv);
	if (o->len_min < 60 || o->len_min > o->len_max || o->len_max > 9000)
		die("netpool-fwd", "frame lengths out of 60..9000", argc, argv);
	if (count ? (!o->count || strtoull(count, NULL, 10) != o->count) : o->count != 0)
		die("netpool-fwd", "count is not the last given", argc, argv);
	if (o->mode == M_CAPTURE && !o->pcap)
		die("netpool-fwd", "capture without --pcap", argc, argv);
	if ((o->mode == M_FWD && !o->out && !o->mac_swap) || (o->mode == M_ENCAP && !o->out))
		die("netpool-fwd", "a sending mode without --out", argc, argv);
	if (o->out && !strcmp(o->out, o->in) &&
	    !strcmp(o->in_driver, "vnic") == !strcmp(o->out_driver, "vnic"))
		die("netpool-fwd", "--out is --in", argc, argv);
	fwd_check_vxlan(o, vx_local, vx_remote, vni, vx_port, vx_dmac, argc, argv);
	fwd_check_afxdp(o, argc, argv);
}

static bool fwd_opts_eq(const struct opts *a, const struct opts *b)
{
	return a->driver == b->driver && a->in == b->in && a->out == b->out &&
	       a->pcap == b->pcap && a->mode == b->mode && a->queues == b->queues &&
	       a->duration == b->duration && a->no_recycle == b->no_recycle &&
	       a->json == b->json && a->mac_swap == b->mac_swap && a->iommu == b->iommu &&
	       a->len_min == b->len_min && a->len_max == b->len_max && a->count == b->count &&
	       a->vx_first == b->vx_first && a->vx_local_set == b->vx_local_set &&
	       a->vx_remote_set == b->vx_remote_set && a->vx_vni_set == b->vx_vni_set &&
	       a->vx_dmac_set == b->vx_dmac_set && a->vx_local == b->vx_local &&
	       a->vx_remote == b->vx_remote && a->vx_vni == b->vx_vni &&
	       a->vx_port == b->vx_port && !memcmp(a->vx_dmac, b->vx_dmac, 6) &&
	       a->in_driver == b->in_driver && a->out_driver == b->out_driver &&
	       a->gro == b->gro && a->tap_plain == b->tap_plain &&
	       a->tap_offloads == b->tap_offloads && a->tap_offloads_set == b->tap_offloads_set;
}

static void fuzz_fwd(int argc, char **argv)
{
	struct opts o, o2;
	struct errbuf e, e2;
	int rc, rc2;

	err_open(&e);
	rc = fwd_opts_parse(argc, argv, &o, e.f);
	err_close(&e);
	err_open(&e2);
	rc2 = fwd_opts_parse(argc, argv, &o2, e2.f);
	err_close(&e2);
	if (rc != rc2 || e.len != e2.len || memcmp(e.buf, e2.buf, e.len) ||
	    (!rc && (!fwd_opts_eq(&o, &o2) || !fwd_afxdp_eq(&o, &o2))))
		die("netpool-fwd", "a second parse differs", argc, argv);
	switch (rc) {
	case 0:
		if (e.len)
			die("netpool-fwd", "accepted with a message", argc, argv);
		fwd_check_accepted(&o, argc, argv);
		break;
	case FWD_OPTS_HELP:
		if (e.len)
			die("netpool-fwd", "--help wrote on the error stream", argc, argv);
		break;
	case -EINVAL:
		if (!usage_message_ok(&e, "netpool-fwd"))
			die("netpool-fwd", "rejected without a proper message", argc, argv);
		break;
	default:
		die("netpool-fwd", "an unexpected return value", argc, argv);
	}
	free(e.buf);
	free(e2.buf);
}

/* ---- netpool-stat ---- */

static void stat_check_accepted(const struct stat_opts *o, int argc, char **argv)
{
	bool json = false, list = false, watch = false, counted = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--json"))
			json = true;
		else if (!strcmp(a, "--list"))
			list = true;
		else if (!strncmp(a, "--watch", 7) && (!a[7] || a[7] == '='))
			watch = true;
		else if (!strcmp(a, "--pid") || !strcmp(a, "--count"))
			counted |= !strcmp(argv[i++], "--count");	/* the value follows */
		else if (!strncmp(a, "--count=", 8))
			counted = true;
		else if (strncmp(a, "--pid=", 6))
			die("netpool-stat", "accepted an unknown option", argc, argv);
	}
	if (o->json != json || o->list != list || (o->watch != 0) != watch ||
	    (o->count != 0) != counted)
		die("netpool-stat", "a flag differs from the command line", argc, argv);
	if (o->pid < 0)
		die("netpool-stat", "a negative pid", argc, argv);
	if (isnan(o->watch) || (o->watch != 0 && (o->watch < 0.01 || o->watch > 86400)))
		die("netpool-stat", "--watch out of range", argc, argv);
	if (o->count && !o->watch)
		die("netpool-stat", "--count without --watch", argc, argv);
	if (o->list && (o->pid || o->watch))
		die("netpool-stat", "--list with --pid or --watch", argc, argv);
}

static bool stat_opts_eq(const struct stat_opts *a, const struct stat_opts *b)
{
	return a->pid == b->pid && a->json == b->json && a->list == b->list &&
	       a->watch == b->watch && a->count == b->count;
}

static void fuzz_stat(int argc, char **argv)
{
	struct stat_opts o, o2;
	struct errbuf e, e2;
	int rc, rc2;

	err_open(&e);
	rc = stat_opts_parse(argc, argv, &o, e.f);
	err_close(&e);
	err_open(&e2);
	rc2 = stat_opts_parse(argc, argv, &o2, e2.f);
	err_close(&e2);
	if (rc != rc2 || e.len != e2.len || memcmp(e.buf, e2.buf, e.len) ||
	    (!rc && !stat_opts_eq(&o, &o2)))
		die("netpool-stat", "a second parse differs", argc, argv);
	switch (rc) {
	case 0:
		if (e.len)
			die("netpool-stat", "accepted with a message", argc, argv);
		stat_check_accepted(&o, argc, argv);
		break;
	case STAT_OPTS_HELP:
		if (e.len)
			die("netpool-stat", "--help wrote on the error stream", argc, argv);
		break;
	case -EINVAL:
		if (!usage_message_ok(&e, "netpool-stat"))
			die("netpool-stat", "rejected without a proper message", argc, argv);
		break;
	default:
		die("netpool-stat", "an unexpected return value", argc, argv);
	}
	free(e.buf);
	free(e2.buf);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *argv[MAX_ARGS + 1];
	char *buf = malloc(size + 1);
	int argc = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	/* every NUL ends a string; a trailing NUL does not start an empty one */
	for (size_t i = 0; i < size && argc < MAX_ARGS;) {
		argv[argc++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	if (!argc)
		argv[argc++] = buf;	/* an empty input: argv[0] = "" */
	argv[argc] = NULL;
	if (!ends_with(argv[0], "stat"))
		fuzz_fwd(argc, argv);
	if (!ends_with(argv[0], "fwd"))
		fuzz_stat(argc, argv);
	free(buf);
	return 0;
}
