/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the command lines of netpool-fwd and netpool-stat. The
 * input, split on NUL bytes, is an argv vector; its first string names the
 * tool (ending in "fwd" or "stat"; anything else: both parsers get it). The
 * oracle, beyond the sanitizers:
 *   accepted  an independent scan of argv as getopt_long() reads it (each
 *             word an option of the tool, exact or the only one it begins,
 *             its value after '=' or in the next word, a flag without one,
 *             --watch's only after '=', "--" ending them with nothing after,
 *             no --help or --version) finds every value the last given to
 *             its option (the very characters in argv), and the options
 *             satisfy what the tool relies on: netpool-fwd has a known
 *             driver for each port (its DRV: prefix, else --driver), --in, a
 *             mode, --out where the mode sends (different from --in unless
 *             one is a vnic), --pcap for capture and only there, --mac-swap
 *             only in fwd, --gro only with fwd or capture, --len and --count
 *             only with a vnic --in, --iommu only with a vnic port,
 *             --tap-offloads only with a tap port (segmentation only with
 *             csum), the AF_XDP options only with an afxdp port
 *             (--no-shared-umem with two), 1..64 queues, a duration of 0
 *             (none) or in (0, 1e7], 60 <= len min <= max <= 9000; encap
 *             (and only encap) with a VXLAN tunnel: unicast IPv4 local and
 *             remote that differ, a VNI below 2^24, a port in 1..65535 (4789
 *             unless given), a unicast MAC when given (and given with vnic);
 *             the first tunnel and AF_XDP options named by their full names;
 *             netpool-stat a pid in 0..INT_MAX, --watch of 0 or in [0.01,
 *             86400], --count only with --watch, --list alone (but
 *             --json), --prune without --watch;
 *   rejected  the message is "PROG: <something>" and the pointer to --help,
 *             on the error stream only;
 *   --help, --version  nothing written;
 * and a second parse of the same argv gives the same answer (getopt_long's
 * state reset by each parse), argv left as it was (no reordering).
 * fuzz.sh-sources: tools/fwd_opts.c tools/stat_opts.c
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "netpool/null.h"
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

/* Whether @s points into one of argv[1..]'s strings (its start, or after a '='). */
static bool in_argv(const char *s, int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (s >= argv[i] && s <= argv[i] + strlen(argv[i]))
			return true;
	return false;
}

/* ---- getopt_long, read again ---- */

/* An option as the oracle knows it: its name, and whether it takes a value. */
enum { ARG_NONE, ARG_REQUIRED, ARG_OPTIONAL };

struct cli_opt {
	const char *name;
	int arg;
};

/* What the scan found of each option: the last value (or the word of a flag), when first. */
struct cli_seen {
	const char *val;	/* NULL: not given, or an optional value left out */
	bool given;
	int first;		/* the index of the word that gave it first */
};

/* The option @len bytes of @word name: exact, else the only one they begin; -1: none. */
static int cli_find(const struct cli_opt *t, int n, const char *word, size_t len)
{
	int found = -1;

	for (int k = 0; k < n; k++)
		if (strlen(t[k].name) == len && !strncmp(t[k].name, word, len))
			return k;
	for (int k = 0; k < n; k++) {
		if (strncmp(t[k].name, word, len))
			continue;
		if (found >= 0)
			return -1;	/* ambiguous */
		found = k;
	}
	return found;
}

/*
 * An accepted command line, scanned: @seen[k] for option k. Dies when the
 * parser accepted a word that is no option of the tool (or an ambiguous
 * one), an option without its value, a flag with one, a short option, a
 * word after the options, or the option numbered @help or @version.
 */
static void cli_scan(const char *tool, const struct cli_opt *t, int n, int help, int version,
		     struct cli_seen *seen, int argc, char **argv)
{
	memset(seen, 0, sizeof(*seen) * (size_t)n);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *name, *val = NULL;
		size_t len;
		int k;

		if (!strcmp(a, "--")) {
			if (i + 1 < argc)
				die(tool, "accepted a word after --", argc, argv);
			break;
		}
		if (strncmp(a, "--", 2))
			die(tool, "accepted a word that is no long option", argc, argv);
		name = a + 2;
		len = strcspn(name, "=");
		k = cli_find(t, n, name, len);
		if (k < 0)
			die(tool, "accepted an unknown or ambiguous option", argc, argv);
		if (k == help || k == version)
			die(tool, "accepted a command line with --help or --version", argc, argv);
		if (name[len] == '=') {
			if (t[k].arg == ARG_NONE)
				die(tool, "accepted a flag with a value", argc, argv);
			val = name + len + 1;
		} else if (t[k].arg == ARG_REQUIRED) {
			if (i + 1 >= argc)
				die(tool, "accepted an option without its value", argc, argv);
			val = argv[++i];
		} else if (t[k].arg == ARG_NONE) {
			val = a;
		}
		if (!seen[k].given)
			seen[k].first = i;
		seen[k].given = true;
		seen[k].val = val;
	}
}

/* Of options @from..@to, the one given first (-1: none). */
static int cli_first(const struct cli_seen *seen, int from, int to)
{
	int best = -1;

	for (int k = from; k <= to; k++)
		if (seen[k].given && (best < 0 || seen[k].first < seen[best].first))
			best = k;
	return best;
}

/* A copy of argv's pointers, to see that a parse left their order alone. */
static bool argv_same(char **a, char **b, int argc)
{
	return !memcmp(a, b, sizeof(*a) * (size_t)argc);
}

/* ---- netpool-fwd ---- */

enum {
	F_DRIVER, F_IN, F_OUT, F_MODE, F_QUEUES, F_DURATION, F_NO_RECYCLE, F_PCAP, F_MAC_SWAP,
	F_JSON, F_GRO, F_TAP_OFFLOADS, F_LEN, F_COUNT, F_IOMMU,
	F_VXLAN_LOCAL, F_VXLAN_REMOTE, F_VNI, F_VXLAN_PORT, F_VXLAN_DMAC,	/* the tunnel */
	F_COPY, F_ZEROCOPY, F_XDP_SKB, F_NO_SHARED_UMEM, F_BUSY_POLL, F_RING_SIZE,	/* AF_XDP */
	F_RX_RING, F_TX_RING, F_FILL_RING, F_COMP_RING, F_FRAME_SIZE, F_FRAMES, F_XDP_PROG,
	F_CPUS, F_HELP, F_VERSION, F_NR
};

static const struct cli_opt fwd_cli[F_NR] = {
	[F_DRIVER] = { "driver", ARG_REQUIRED }, [F_IN] = { "in", ARG_REQUIRED },
	[F_OUT] = { "out", ARG_REQUIRED }, [F_MODE] = { "mode", ARG_REQUIRED },
	[F_QUEUES] = { "queues", ARG_REQUIRED }, [F_DURATION] = { "duration", ARG_REQUIRED },
	[F_NO_RECYCLE] = { "no-recycle", ARG_NONE }, [F_PCAP] = { "pcap", ARG_REQUIRED },
	[F_MAC_SWAP] = { "mac-swap", ARG_NONE }, [F_JSON] = { "json", ARG_NONE },
	[F_GRO] = { "gro", ARG_NONE }, [F_TAP_OFFLOADS] = { "tap-offloads", ARG_REQUIRED },
	[F_LEN] = { "len", ARG_REQUIRED }, [F_COUNT] = { "count", ARG_REQUIRED },
	[F_IOMMU] = { "iommu", ARG_NONE }, [F_VXLAN_LOCAL] = { "vxlan-local", ARG_REQUIRED },
	[F_VXLAN_REMOTE] = { "vxlan-remote", ARG_REQUIRED }, [F_VNI] = { "vni", ARG_REQUIRED },
	[F_VXLAN_PORT] = { "vxlan-port", ARG_REQUIRED },
	[F_VXLAN_DMAC] = { "vxlan-dmac", ARG_REQUIRED }, [F_COPY] = { "copy", ARG_NONE },
	[F_ZEROCOPY] = { "zerocopy", ARG_NONE }, [F_XDP_SKB] = { "xdp-skb", ARG_NONE },
	[F_NO_SHARED_UMEM] = { "no-shared-umem", ARG_NONE },
	[F_BUSY_POLL] = { "busy-poll", ARG_REQUIRED }, [F_RING_SIZE] = { "ring-size", ARG_REQUIRED },
	[F_RX_RING] = { "rx-ring", ARG_REQUIRED }, [F_TX_RING] = { "tx-ring", ARG_REQUIRED },
	[F_FILL_RING] = { "fill-ring", ARG_REQUIRED }, [F_COMP_RING] = { "comp-ring", ARG_REQUIRED },
	[F_FRAME_SIZE] = { "frame-size", ARG_REQUIRED }, [F_FRAMES] = { "frames", ARG_REQUIRED },
	[F_XDP_PROG] = { "xdp-prog", ARG_REQUIRED }, [F_CPUS] = { "cpus", ARG_REQUIRED },
	[F_HELP] = { "help", ARG_NONE }, [F_VERSION] = { "version", ARG_NONE },
};

/* The full name, "--" and all, that the parser should report for option @k (-1: NULL). */
static bool full_name_is(const char *got, int k)
{
	if (k < 0)
		return !got;
	return got && !strncmp(got, "--", 2) && !strcmp(got + 2, fwd_cli[k].name);
}

static bool ring_ok(unsigned int v)
{
	return !v || (v >= 64 && v <= 16384 && !(v & (v - 1)));
}

static bool has_port(const struct opts *o, const char *drv)
{
	return !strcmp(o->in_driver, drv) || (o->out && !strcmp(o->out_driver, drv));
}

/* The AF_XDP options as the parser took them: an afxdp port, sizes in range. */
static void fwd_check_afxdp(const struct opts *o, const struct cli_seen *seen, int argc,
			    char **argv)
{
	bool any = o->xdp_first || o->xdp_bind || o->xdp_skb || o->no_shared_umem ||
		   o->busy_poll_us || o->ring_size || o->rx_ring || o->tx_ring || o->fill_ring ||
		   o->comp_ring || o->frame_size || o->frames || o->xdp_prog;

	if (!full_name_is(o->xdp_first, cli_first(seen, F_COPY, F_XDP_PROG)))
		die("netpool-fwd", "the first AF_XDP option is not the one given first", argc,
		    argv);
	if (any && (!o->xdp_first || !has_port(o, "afxdp")))
		die("netpool-fwd", "an AF_XDP option accepted without an afxdp port", argc, argv);
	if (o->no_shared_umem != seen[F_NO_SHARED_UMEM].given || o->xdp_skb != seen[F_XDP_SKB].given ||
	    (o->xdp_bind == 1) != seen[F_COPY].given || (o->xdp_bind == 2) != seen[F_ZEROCOPY].given)
		die("netpool-fwd", "an AF_XDP flag differs from the command line", argc, argv);
	if (o->no_shared_umem && !(o->out && !strcmp(o->in_driver, "afxdp") &&
				   !strcmp(o->out_driver, "afxdp")))
		die("netpool-fwd", "--no-shared-umem accepted without two afxdp ports", argc, argv);
	if (o->xdp_prog != seen[F_XDP_PROG].val || (o->xdp_prog && !*o->xdp_prog))
		die("netpool-fwd", "--xdp-prog is not the last given, or empty", argc, argv);
	if (o->xdp_bind > 2 || !ring_ok(o->ring_size) || !ring_ok(o->rx_ring) ||
	    !ring_ok(o->tx_ring) || !ring_ok(o->fill_ring) || !ring_ok(o->comp_ring) ||
	    (o->frame_size && (o->frame_size < 2048 || o->frame_size > 3776)) ||
	    (o->frames && (o->frames < 64 || o->frames > (1u << 22))) ||
	    (o->busy_poll_us > 1000000 || o->busy_poll_budget > 1024 ||
	     (o->busy_poll_budget && !o->busy_poll_us)) || o->ncpus > 64)
		die("netpool-fwd", "an AF_XDP option out of its range", argc, argv);
	if ((seen[F_RING_SIZE].val && strtoull(seen[F_RING_SIZE].val, NULL, 10) != o->ring_size) ||
	    (seen[F_FRAMES].val && strtoull(seen[F_FRAMES].val, NULL, 10) != o->frames) ||
	    (seen[F_FRAME_SIZE].val &&
	     strtoull(seen[F_FRAME_SIZE].val, NULL, 10) != o->frame_size))
		die("netpool-fwd", "an AF_XDP size is not the last given", argc, argv);
	if (!seen[F_CPUS].given != !o->ncpus)
		die("netpool-fwd", "CPUs without --cpus, or --cpus without CPUs", argc, argv);
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
static void fwd_check_vxlan(const struct opts *o, const struct cli_seen *seen, int argc,
			    char **argv)
{
	const char *local = seen[F_VXLAN_LOCAL].val, *remote = seen[F_VXLAN_REMOTE].val;
	const char *vni = seen[F_VNI].val, *port = seen[F_VXLAN_PORT].val;
	const char *dmac = seen[F_VXLAN_DMAC].val;
	unsigned int m[6];
	uint32_t l, r;
	char tail;

	if (!full_name_is(o->vx_first, cli_first(seen, F_VXLAN_LOCAL, F_VXLAN_DMAC)))
		die("netpool-fwd", "the first tunnel option is not the one given first", argc,
		    argv);
	if (o->mode != M_ENCAP) {
		if (local || remote || vni || port || dmac || o->vx_first)
			die("netpool-fwd", "a tunnel option accepted outside encap", argc, argv);
		return;
	}
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
	if (!dmac != !o->vx_dmac_set ||
	    ((!strcmp(o->out_driver, "vnic") || !strcmp(o->out_driver, "null")) && !dmac))
		die("netpool-fwd", "--vxlan-dmac set without being given, or vnic/null without it",
		    argc, argv);
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
	return d && (!strcmp(d, "vnic") || !strcmp(d, "afxdp") || !strcmp(d, "tap") ||
		     !strcmp(d, "null"));
}

/*
 * A port as given (NAME or DRV:NAME) against what the parser made of it:
 * the name right after the prefix, in argv; the prefix's driver, or --driver.
 */
static void fwd_check_port(const char *given, const char *name, const char *drv,
			   const char *driver, int argc, char **argv)
{
	const char *colon = strchr(given, ':');

	if (name != (colon ? colon + 1 : given) || !in_argv(given, argc, argv) || !*name)
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
	if (!o->tap_offloads_set || !has_port(o, "tap"))
		die("netpool-fwd", "--tap-offloads accepted without a tap port", argc, argv);
	if (o->tap_plain != !strcmp(off, "none") ||
	    (!strcmp(off, "none") || !strcmp(off, "all") ? o->tap_offloads != 0 :
		!(o->tap_offloads & 1) || (o->tap_offloads & ~0x1fu)))
		die("netpool-fwd", "--tap-offloads taken as something else", argc, argv);
}

/* --len as given, MIN[-MAX], against what the parser took (60-1500 when not given). */
static void fwd_check_len(const struct opts *o, const char *len, int argc, char **argv)
{
	unsigned long lo = 60, hi = 1500;

	if (len) {
		char *end;

		lo = strtoul(len, &end, 10);
		hi = *end == '-' ? strtoul(end + 1, NULL, 10) : lo;
	}
	if (o->len_set != !!len || o->len_min != lo || o->len_max != hi || lo < 60 || lo > hi ||
	    hi > 9000)
		die("netpool-fwd", "frame lengths out of 60..9000 or not the last given", argc,
		    argv);
	if (len && strcmp(o->in_driver, "vnic") && strcmp(o->in_driver, "null"))
		die("netpool-fwd", "--len accepted without a vnic or null --in", argc, argv);
	/* a null --in: one length, in one buffer */
	if (len && !strcmp(o->in_driver, "null") && (lo != hi || hi > NP_NULL_FRAME_MAX))
		die("netpool-fwd", "a null --in accepted a range or a length over a buffer", argc,
		    argv);
}

/* The values given last, and the flags, against an independent scan of argv. */
static void fwd_check_accepted(const struct opts *o, int argc, char **argv)
{
	struct cli_seen seen[F_NR];
	const char *queues, *count, *duration, *mode;

	cli_scan("netpool-fwd", fwd_cli, F_NR, F_HELP, F_VERSION, seen, argc, argv);
	queues = seen[F_QUEUES].val;
	count = seen[F_COUNT].val;
	duration = seen[F_DURATION].val;
	mode = seen[F_MODE].val;
	if (o->driver != seen[F_DRIVER].val || !o->in != !seen[F_IN].given ||
	    !o->out != !seen[F_OUT].given || o->pcap != seen[F_PCAP].val)
		die("netpool-fwd", "a string option is not the last one given", argc, argv);
	if (o->no_recycle != seen[F_NO_RECYCLE].given || o->json != seen[F_JSON].given ||
	    o->mac_swap != seen[F_MAC_SWAP].given || o->iommu != seen[F_IOMMU].given ||
	    o->gro != seen[F_GRO].given)
		die("netpool-fwd", "a flag differs from the command line", argc, argv);
	if (o->driver && !known_driver(o->driver))
		die("netpool-fwd", "accepted an unknown --driver", argc, argv);
	if (!o->in || (o->pcap && (!in_argv(o->pcap, argc, argv) || !*o->pcap)))
		die("netpool-fwd", "a string does not point into argv, or is empty", argc, argv);
	fwd_check_port(seen[F_IN].val, o->in, o->in_driver, seen[F_DRIVER].val, argc, argv);
	if (seen[F_OUT].given)
		fwd_check_port(seen[F_OUT].val, o->out, o->out_driver, seen[F_DRIVER].val, argc,
			       argv);
	else if (o->out_driver != o->in_driver)
		die("netpool-fwd", "no --out, but its driver is not --in's", argc, argv);
	if (!mode || (unsigned)o->mode >= FWD_MODES || strcmp(mode_names[o->mode], mode))
		die("netpool-fwd", "the mode is not the one given last", argc, argv);
	/* what applies where */
	if (o->gro && o->mode != M_FWD && o->mode != M_CAPTURE)
		die("netpool-fwd", "--gro accepted outside fwd and capture", argc, argv);
	if (o->pcap ? o->mode != M_CAPTURE : o->mode == M_CAPTURE)
		die("netpool-fwd", "--pcap outside capture, or capture without it", argc, argv);
	if (o->mac_swap && o->mode != M_FWD)
		die("netpool-fwd", "--mac-swap accepted outside fwd", argc, argv);
	if (o->iommu && !has_port(o, "vnic"))
		die("netpool-fwd", "--iommu accepted without a vnic port", argc, argv);
	if (count && strcmp(o->in_driver, "vnic") && strcmp(o->in_driver, "null"))
		die("netpool-fwd", "--count accepted without a vnic or null --in", argc, argv);
	fwd_check_offloads(o, seen[F_TAP_OFFLOADS].val, argc, argv);
	if (o->queues < 1 || o->queues > 64 ||
	    (queues ? strtoull(queues, NULL, 10) != o->queues : o->queues != 1))
		die("netpool-fwd", "queues out of 1..64 or not the last given", argc, argv);
	if (isnan(o->duration) || o->duration < 0 || o->duration > 1e7 ||
	    o->duration != (duration ? strtod(duration, NULL) : 0))
		die("netpool-fwd", "duration out of range or not the last given", argc, argv);
	fwd_check_len(o, seen[F_LEN].val, argc, argv);
	if (count ? (!o->count || strtoull(count, NULL, 10) != o->count) : o->count != 0)
		die("netpool-fwd", "count is not the last given", argc, argv);
	if ((o->mode == M_FWD && !o->out && !o->mac_swap) || (o->mode == M_ENCAP && !o->out))
		die("netpool-fwd", "a sending mode without --out", argc, argv);
	if (o->out && !strcmp(o->out, o->in) &&
	    !strcmp(o->in_driver, "vnic") == !strcmp(o->out_driver, "vnic"))
		die("netpool-fwd", "--out is --in", argc, argv);
	fwd_check_vxlan(o, seen, argc, argv);
	fwd_check_afxdp(o, seen, argc, argv);
}

static bool fwd_opts_eq(const struct opts *a, const struct opts *b)
{
	return a->driver == b->driver && a->in == b->in && a->out == b->out &&
	       a->pcap == b->pcap && a->mode == b->mode && a->queues == b->queues &&
	       a->duration == b->duration && a->no_recycle == b->no_recycle &&
	       a->json == b->json && a->mac_swap == b->mac_swap && a->iommu == b->iommu &&
	       a->len_min == b->len_min && a->len_max == b->len_max && a->len_set == b->len_set &&
	       a->count == b->count && a->vx_first == b->vx_first &&
	       a->vx_local_set == b->vx_local_set && a->vx_remote_set == b->vx_remote_set &&
	       a->vx_vni_set == b->vx_vni_set && a->vx_dmac_set == b->vx_dmac_set &&
	       a->vx_local == b->vx_local && a->vx_remote == b->vx_remote &&
	       a->vx_vni == b->vx_vni && a->vx_port == b->vx_port &&
	       !memcmp(a->vx_dmac, b->vx_dmac, 6) && a->in_driver == b->in_driver &&
	       a->out_driver == b->out_driver && a->gro == b->gro && a->tap_plain == b->tap_plain &&
	       a->tap_offloads == b->tap_offloads && a->tap_offloads_set == b->tap_offloads_set;
}

static void fuzz_fwd(int argc, char **argv)
{
	static char *copy[MAX_ARGS + 1];
	struct opts o, o2;
	struct errbuf e, e2;
	int rc, rc2;

	memcpy(copy, argv, sizeof(*argv) * (size_t)argc);
	err_open(&e);
	rc = fwd_opts_parse(argc, argv, &o, e.f);
	err_close(&e);
	if (!argv_same(argv, copy, argc))
		die("netpool-fwd", "the parse reordered argv", argc, argv);
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
	case FWD_OPTS_VERSION:
		if (e.len)
			die("netpool-fwd", "--help or --version wrote on the error stream", argc,
			    argv);
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

enum { S_PID, S_JSON, S_WATCH, S_COUNT, S_LIST, S_PRUNE, S_HELP, S_VERSION, S_NR };

static const struct cli_opt stat_cli[S_NR] = {
	[S_PID] = { "pid", ARG_REQUIRED }, [S_JSON] = { "json", ARG_NONE },
	[S_WATCH] = { "watch", ARG_OPTIONAL }, [S_COUNT] = { "count", ARG_REQUIRED },
	[S_LIST] = { "list", ARG_NONE }, [S_PRUNE] = { "prune", ARG_NONE },
	[S_HELP] = { "help", ARG_NONE }, [S_VERSION] = { "version", ARG_NONE },
};

static void stat_check_accepted(const struct stat_opts *o, int argc, char **argv)
{
	struct cli_seen seen[S_NR];
	const char *pid, *watch, *count;

	cli_scan("netpool-stat", stat_cli, S_NR, S_HELP, S_VERSION, seen, argc, argv);
	pid = seen[S_PID].val;
	watch = seen[S_WATCH].val;
	count = seen[S_COUNT].val;
	if (o->json != seen[S_JSON].given || o->list != seen[S_LIST].given ||
	    o->prune != seen[S_PRUNE].given || (o->watch != 0) != seen[S_WATCH].given ||
	    (o->count != 0) != seen[S_COUNT].given || (o->pid != 0) != seen[S_PID].given)
		die("netpool-stat", "an option differs from the command line", argc, argv);
	if ((pid && strtoull(pid, NULL, 10) != (unsigned long long)o->pid) ||
	    (count && strtoull(count, NULL, 10) != o->count) ||
	    (seen[S_WATCH].given && o->watch != (watch ? strtod(watch, NULL) : 1.0)))
		die("netpool-stat", "a value is not the last given", argc, argv);
	if (o->pid < 0)
		die("netpool-stat", "a negative pid", argc, argv);
	if (isnan(o->watch) || (o->watch != 0 && (o->watch < 0.01 || o->watch > 86400)))
		die("netpool-stat", "--watch out of range", argc, argv);
	if (o->count && !o->watch)
		die("netpool-stat", "--count without --watch", argc, argv);
	if ((o->list && (o->pid || o->watch || o->prune)) || (o->prune && o->watch))
		die("netpool-stat", "--list with --pid, --watch or --prune, or --prune with --watch",
		    argc, argv);
}

static bool stat_opts_eq(const struct stat_opts *a, const struct stat_opts *b)
{
	return a->pid == b->pid && a->json == b->json && a->list == b->list &&
	       a->prune == b->prune && a->watch == b->watch && a->count == b->count;
}

static void fuzz_stat(int argc, char **argv)
{
	static char *copy[MAX_ARGS + 1];
	struct stat_opts o, o2;
	struct errbuf e, e2;
	int rc, rc2;

	memcpy(copy, argv, sizeof(*argv) * (size_t)argc);
	err_open(&e);
	rc = stat_opts_parse(argc, argv, &o, e.f);
	err_close(&e);
	if (!argv_same(argv, copy, argc))
		die("netpool-stat", "the parse reordered argv", argc, argv);
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
	case STAT_OPTS_VERSION:
		if (e.len)
			die("netpool-stat", "--help or --version wrote on the error stream", argc,
			    argv);
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
