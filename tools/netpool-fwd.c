/* SPDX-License-Identifier: MIT */
/*
 * netpool-fwd - a packet forwarder over netpool's drivers: frames received
 * on --in go through one of the stack pieces (drop, fwd, capture, sockq,
 * encap) and out of --out; ports of different drivers (vnic, afxdp, tap,
 * null) may be joined. One thread per queue; a line of live figures each second,
 * totals at the end. The manual is man/netpool-fwd.1 (netpool-fwd(1)): the
 * options, what applies where, the endings and the exit statuses.
 *
 * The endings: SIGINT, SIGTERM and SIGHUP stop cleanly (totals, every
 * buffer back, the statistics object removed), and so does a reader that
 * went away (SIGPIPE is ignored: the next write fails with EPIPE); a second
 * such signal, and every other signal that ends a process by default, ends
 * it at once, by that signal, after removing the statistics object.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "netpool.h"
#include "toolutil.h"
#include "fwd_opts.h"
#if __has_include("netpool/afxdp.h")
#include "netpool/afxdp.h"
#define HAVE_AFXDP_H 1
#endif
#if __has_include("netpool/tap.h")
#include "netpool/tap.h"
#define HAVE_TAP_H 1
#endif

/* The tunnel endpoint's counters (per queue, summed in the figures). */
enum vx_stat {
	VX_ENCAP, VX_ENCAP_FAIL, VX_DECAP, VX_PASSED, VX_RX_BAD, VX_RX_VNI, VX_RX_OTHER,
	VX_RX_FRAG, VX_RX_NOMEM, ARP_REQUEST_TX, ARP_REPLY_TX, ARP_LEARNED, ARP_BAD, ARP_HELD,
	ARP_UNRESOLVED, VX_NSTATS
};

static const char *const vx_stat_names[VX_NSTATS] = {
	"vxlan_encap", "vxlan_encap_fail", "vxlan_decap", "vxlan_passed", "vxlan_rx_bad",
	"vxlan_rx_vni", "vxlan_rx_other", "vxlan_rx_frag", "vxlan_rx_nomem", "arp_request_tx",
	"arp_reply_tx", "arp_learned", "arp_bad", "arp_held", "arp_unresolved",
};

#define FWD_HOLD	64u		/* frames a queue keeps while the next hop is unknown */

/* Software GSO and checksums, GRO on input: counters published by each queue thread. */
enum gso_stat { GS_SEGMENTED, GS_SEGMENTS, GS_CSUM, GS_BAD, GS_NOMEM, GS_GRO_MERGED,
	GS_GRO_CSUM_BAD, GS_NSTATS };

static const char *const gso_stat_names[GS_NSTATS] = {
	"gso_segmented", "gso_segments", "csum_sw", "gso_bad", "gso_nomem", "gro_merged",
	"gro_csum_bad",
};

struct fwd;

/* What a GRO context of one direction delivers to. */
struct fwd_gro_arg {
	struct fwd *f;
	unsigned int qi;
	bool from_in;
};

struct fwd_queue {
	unsigned int index;
	pthread_t thread;
	struct np_gro gro;
	struct np_gro gro_dir[2];	/* --gro: what --in [0] and --out [1] receive */
	struct fwd_gro_arg gro_arg[2];
	struct np_gso_stats gso;	/* this thread's; published in gs[] */
	np_stat_t gs[GS_NSTATS];
	struct np_sockq sockq;
	/* encap: this thread's copy of the tunnel (dst_mac follows the neighbour) */
	struct np_vxlan_cfg vx;
	uint64_t vx_mac;		/* the neighbour word vx.dst_mac was set from */
	struct np_skb *hold[FWD_HOLD];	/* frames waiting for the next hop's MAC */
	unsigned int nhold;
	uint64_t hold_since;		/* when the oldest of them came (CLOCK_MONOTONIC ns) */
	np_stat_t vxs[VX_NSTATS];	/* written by this queue's thread only */
	np_stat_t csum_checked, csum_bad;	/* capture, sockq: TCP/UDP frames received */
} __attribute__((aligned(64)));

/* The next hop toward the remote endpoint, shared by every queue thread. */
struct fwd_neigh {
	_Atomic uint64_t mac;		/* the MAC in bits 0..47, NEIGH_VALID once known */
	_Atomic uint64_t next_probe;	/* when the next ARP request may go (monotonic ns) */
	_Atomic unsigned int probes;	/* requests since the last answer */
};

struct fwd {
	struct opts o;
	struct np_netdev *in, *out, *tx;	/* tx: where fwd/encap/capture send */
	struct np_capture *cap;
	struct np_capture_stats cap_final;	/* once the capture is closed */
	bool cap_closed;
	struct fwd_queue *q;
	struct np_vxlan_cfg vx;			/* encap: the tunnel (dst_mac: see neigh) */
	struct fwd_neigh neigh;
	bool afx_zc[2][NP_NETDEV_MAX_QUEUES];	/* afxdp ports: each queue bound zero-copy */
};

/* ---- endings ---- */

/*
 * Set by a stop signal, which may land on any thread (a queue thread too),
 * read by the main loop: a lock-free atomic, safe in a handler and free of
 * a data race.
 */
static atomic_int stop_flag;
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "a handler may only touch lock-free atomics");

/* The statistics object and the name it is made under, removed by an ending signal. */
static char shm_path[96], shm_tmp_path[112];
/* Each signal's disposition before ours, given back before it ends the process. */
static struct sigaction old_action[NSIG];

/*
 * Every signal that ends a process by default, but SIGKILL and SIGSTOP
 * (they cannot be caught) and SIGINT, SIGTERM, SIGHUP, SIGPIPE (a clean
 * stop); the real-time ones are added at run time. The first group are the
 * faults: a handler someone installed before (a sanitizer's) is kept for
 * them, chained after ours.
 */
static const int fault_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS };
static const int ending_signals[] = {
	SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ, SIGIO,
#ifdef SIGSTKFLT
	SIGSTKFLT,
#endif
#ifdef SIGPWR
	SIGPWR,
#endif
};

/*
 * An ending signal: the statistics object goes (unlink(2) is
 * async-signal-safe), then the signal does what it did before, now or, for
 * a fault, when the instruction runs again.
 */
static void on_ending_signal(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;

	(void)uc;
	unlink(shm_path);
	unlink(shm_tmp_path);
	sigaction(sig, &old_action[sig], NULL);
	errno = saved;
	if ((sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL) && si &&
	    si->si_code > 0)
		return;		/* raised by the fault itself: it happens again */
	raise(sig);		/* blocked while we run: delivered on return */
}

/* SIGINT, SIGTERM, SIGHUP: a clean stop; a second one ends at once. */
static void on_stop_signal(int sig, siginfo_t *si, void *uc)
{
	if (atomic_exchange(&stop_flag, 1)) {
		on_ending_signal(sig, si, uc);
		return;
	}
}

static void catch_signal(int sig, void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa = { .sa_sigaction = fn, .sa_flags = SA_SIGINFO };

	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, &old_action[sig]);
}

/*
 * No ending leaves the statistics object behind (kill -9 excepted:
 * netpool-stat --prune). A signal ignored when the tool started (SIGHUP
 * under nohup) stays ignored, and one another part of the process handles
 * (a profiler's SIGPROF) stays its; old_action keeps what was there.
 */
static void catch_endings(void)
{
	struct sigaction cur;

	np_stats_export_path(getpid(), shm_path, sizeof(shm_path));
	snprintf(shm_tmp_path, sizeof(shm_tmp_path), "%s.tmp", shm_path);
	catch_signal(SIGINT, on_stop_signal);
	catch_signal(SIGTERM, on_stop_signal);
	if (!sigaction(SIGHUP, NULL, &cur) && cur.sa_handler != SIG_IGN)
		catch_signal(SIGHUP, on_stop_signal);
	/* a reader that went away: EPIPE on the next write, and a clean stop */
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < NP_ARRAY_SIZE(fault_signals); i++)
		if (!sigaction(fault_signals[i], NULL, &cur) && cur.sa_handler != SIG_IGN)
			catch_signal(fault_signals[i], on_ending_signal);
	for (size_t i = 0; i < NP_ARRAY_SIZE(ending_signals); i++)
		if (!sigaction(ending_signals[i], NULL, &cur) && cur.sa_handler == SIG_DFL &&
		    !(cur.sa_flags & SA_SIGINFO))
			catch_signal(ending_signals[i], on_ending_signal);
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		if (!sigaction(sig, NULL, &cur) && cur.sa_handler == SIG_DFL &&
		    !(cur.sa_flags & SA_SIGINFO))
			catch_signal(sig, on_ending_signal);
}

/* 0, or the errno of the first failed write of the figures (EPIPE: the reader went away). */
static int out_err;

/* The figures written so far out of stdio: a failure stops the forwarder. */
static void out_flush(void)
{
	if (out_err)
		return;
	errno = 0;
	if (fflush(stdout) == EOF || ferror(stdout))
		out_err = errno ? errno : EIO;
}

/* ---- usage ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: netpool-fwd [--driver vnic|afxdp|tap|null] --in [DRV:]IFACE\n"
		"                   [--out [DRV:]IFACE]\n"
		"                   --mode drop|fwd|capture|sockq|encap [OPTION...]\n"
		"       netpool-fwd --help | --version\n"
		"A packet forwarder over netpool's drivers; see netpool-fwd(1).\n"
		"Options take their value as --opt=VALUE or --opt VALUE, and may be abbreviated.\n"
		"\n"
		"  --driver D         vnic (simulated NICs made here), afxdp, tap or null (no\n"
		"                     device: RX hands out pool pages, TX frees): the driver of\n"
		"                     a port named without a DRV: prefix\n"
		"  --in [DRV:]IFACE   the port to receive on (tap:vm0, afxdp:eth1, or a name)\n"
		"  --out [DRV:]IFACE  the port to send on; what it receives goes out of --in\n"
		"  --mode M           drop: free each packet; fwd: send it out of --out;\n"
		"                     capture: clone it into --pcap, then as fwd; sockq: GRO and a\n"
		"                     socket receive queue; encap: a VXLAN tunnel endpoint on --out\n"
		"  --queues N         queues (and threads) per port, 1..64 (default 1)\n"
		"  --duration S       stop after S seconds (default: at SIGINT, SIGTERM or SIGHUP)\n"
		"  --no-recycle       the drivers do not mark skbs for page_pool recycling\n"
		"  --json             one JSON object per line\n"
		"  --cpus LIST        pin queue i's thread to the i-th CPU of LIST (0,2,4-7)\n"
		"  -h, --help         this text\n"
		"  -V, --version      the version, and exit\n"
		"mode fwd:\n"
		"  --mac-swap         swap the MAC addresses (without --out: back out of --in)\n"
		"  --gro              merge TCP/UDP flows of each port before sending (capture too)\n"
		"mode capture:\n"
		"  --pcap FILE        the capture file (required)\n"
		"mode encap:\n"
		"  --vxlan-local IP   this tunnel endpoint's IPv4 address on --out (required)\n"
		"  --vxlan-remote IP  the other endpoint, on --out's link (required)\n"
		"  --vni N            the VXLAN network, 0..16777215 (required)\n"
		"  --vxlan-port P     UDP port of both endpoints (default 4789)\n"
		"  --vxlan-dmac MAC   the next hop's MAC (default: by ARP; required with vnic or null)\n"
		"a vnic --in (its traffic source), a null --in, a vnic port:\n"
		"  --len MIN[-MAX]    frame lengths, 60..9000 (default 60-1500); a null --in:\n"
		"                     one length, 60..3520 (default 64)\n"
		"  --count N          frames per queue, then stop (default: unlimited)\n"
		"  --iommu            a checking IOMMU instead of identity DMA (any vnic port)\n"
		"a tap port:\n"
		"  --tap-offloads all|none|LIST  the kernel's offloads: all it has (default), none\n"
		"                     (plain frames), or csum,tso4,tso6,ecn,uso (with csum)\n"
		"an afxdp port:\n"
		"  --copy, --zerocopy bind in copy or zero-copy mode (default: the kernel's)\n"
		"  --xdp-skb          generic (skb) XDP instead of native\n"
		"  --busy-poll US[,BUDGET]  busy polling (SO_BUSY_POLL US, budget default 64)\n"
		"  --ring-size N      every ring (default 2048); --rx-ring, --tx-ring, --fill-ring,\n"
		"                     --comp-ring N: one ring (powers of two, 64..16384)\n"
		"  --frame-size N     bytes the kernel uses of a 4 KiB frame, 2048..3776\n"
		"  --frames N         UMEM frames (default: full rings on every port)\n"
		"  --xdp-prog FILE    an XDP object of your own with an XSKMAP\n"
		"  --xdp-multiprog    --xdp-prog through libxdp's dispatcher (bpffs), beside\n"
		"                     other programs; it stays after a crash\n"
		"  --no-shared-umem   two afxdp ports: a UMEM each (forwarding then copies)\n"
		"Options that do nothing with the others given are refused.\n"
		"Exit status: 0 every buffer came back, 1 a runtime error, 2 bad usage,\n"
		"3 buffers were lost.\n");
}

/* ---- the stack pieces ---- */

static void swap_mac(struct np_skb *skb)
{
	unsigned char tmp[6];

	if (np_skb_headlen(skb) < 12 || (np_skb_cloned(skb) && np_skb_cow_head(skb, 0)))
		return;
	memcpy(tmp, skb->data, 6);
	memcpy(skb->data, skb->data + 6, 6);
	memcpy(skb->data + 6, tmp, 6);
}

static void sockq_deliver(struct np_skb *skb, void *arg)
{
	np_sockq_queue(arg, skb);
}

/*
 * Send @skb out of @dev as its features allow (the kernel's
 * validate_xmit_skb()): whole, or cut into packets and completed in
 * software first; each of them out.
 */
static void fwd_xmit(struct fwd_queue *q, struct np_netdev *dev, unsigned int qi,
		     struct np_skb *skb)
{
	skb = np_validate_xmit_skb(skb, dev->features, &q->gso);
	while (skb) {
		struct np_skb *next = skb->next;

		skb->next = NULL;
		np_netdev_xmit(dev, qi, skb);
		skb = next;
	}
}

/* This queue's software GSO and GRO counters, for the figures (another thread reads them). */
static void gso_publish(struct fwd_queue *q)
{
	const uint64_t v[GS_NSTATS] = {
		[GS_SEGMENTED] = q->gso.segmented, [GS_SEGMENTS] = q->gso.segments,
		[GS_CSUM] = q->gso.csum_help, [GS_BAD] = q->gso.bad, [GS_NOMEM] = q->gso.nomem,
		[GS_GRO_MERGED] = q->gro_dir[0].merged + q->gro_dir[1].merged,
		[GS_GRO_CSUM_BAD] = q->gro_dir[0].csum_bad + q->gro_dir[1].csum_bad,
	};

	for (unsigned int k = 0; k < GS_NSTATS; k++)
		atomic_store_explicit(&q->gs[k], v[k], memory_order_relaxed);
}

/* ---- the VXLAN tunnel endpoint (--mode encap) ---- */

#define ARP_RETRANS_NS	1000000000ull	/* between requests (Linux: retrans_time, 1 s) */
#define ARP_PROBES	3u		/* unanswered requests before waiting frames go */
#define NEIGH_VALID	(1ull << 48)
#define ETH_TYPE_ARP	0x0806u

static const unsigned char mac_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const unsigned char mac_zero[6];

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static uint64_t mac_word(const unsigned char *m)
{
	uint64_t w = 0;

	for (int i = 0; i < 6; i++)
		w = w << 8 | m[i];
	return w;
}

static void word_mac(uint64_t w, unsigned char *m)
{
	for (int i = 5; i >= 0; i--, w >>= 8)
		m[i] = (unsigned char)w;
}

static void vx_inc(struct fwd_queue *q, enum vx_stat s)
{
	np_stat_inc_owner(q->vxs[s]);
}

/*
 * Send an ARP @op (1 request, 2 reply) from the tunnel's address on --out,
 * to Ethernet @dst, about @tha/@tpa. Without memory nothing goes: a request
 * is sent again a second later, a peer asks again.
 */
static void arp_send(struct fwd *f, struct fwd_queue *q, unsigned int qi, uint16_t op,
		     const unsigned char *dst, const unsigned char *tha, uint32_t tpa)
{
	struct np_skb *skb = np_alloc_skb(64);
	unsigned char *p;

	p = skb ? np_skb_put(skb, 60) : NULL;	/* the shortest Ethernet frame */
	if (!p) {
		np_kfree_skb(skb);
		return;
	}
	memset(p, 0, 60);
	memcpy(p, dst, 6);
	memcpy(p + 6, f->vx.src_mac, 6);
	put16(p + 12, ETH_TYPE_ARP);
	put16(p + 14, 1);			/* Ethernet */
	put16(p + 16, 0x0800);			/* IPv4 */
	p[18] = 6;
	p[19] = 4;
	put16(p + 20, op);
	memcpy(p + 22, f->vx.src_mac, 6);
	memcpy(p + 28, &f->vx.local, 4);
	memcpy(p + 32, tha, 6);
	memcpy(p + 38, &tpa, 4);
	vx_inc(q, op == 1 ? ARP_REQUEST_TX : ARP_REPLY_TX);
	np_netdev_xmit(f->out, qi, skb);
}

/* The remote endpoint's address spoke from @mac: the next hop (unless --vxlan-dmac fixed it). */
static void neigh_learn(struct fwd *f, struct fwd_queue *q, const unsigned char *mac)
{
	uint64_t w = mac_word(mac) | NEIGH_VALID;

	if (f->o.vx_dmac_set)
		return;
	if (atomic_exchange_explicit(&f->neigh.mac, w, memory_order_acq_rel) != w)
		vx_inc(q, ARP_LEARNED);
	atomic_store_explicit(&f->neigh.probes, 0, memory_order_relaxed);
}

/*
 * An ARP frame from --out: whatever the remote endpoint's address says
 * teaches its MAC; a request for the tunnel's address is answered. Return:
 * true when the frame was for this endpoint or malformed (it is gone),
 * false to pass it on. ARP of other hardware or protocols is not looked at.
 */
static bool arp_in(struct fwd *f, struct fwd_queue *q, unsigned int qi, struct np_skb *skb)
{
	unsigned char a[42];
	uint32_t spa, tpa;
	uint16_t op;

	if (np_skb_copy_bits(skb, 0, a, sizeof(a)))
		goto bad;				/* truncated */
	if (get16(a + 14) != 1 || get16(a + 16) != 0x0800 || a[18] != 6 || a[19] != 4)
		return false;
	op = get16(a + 20);
	if ((op != 1 && op != 2) || (a[22] & 1) || !memcmp(a + 22, mac_zero, 6))
		goto bad;
	memcpy(&spa, a + 28, 4);
	memcpy(&tpa, a + 38, 4);
	if (spa == f->vx.remote)
		neigh_learn(f, q, a + 22);
	if (tpa != f->vx.local)
		return false;
	/* for us: a request is answered (an address probe from 0.0.0.0 too), a reply taken */
	if (op == 1 && spa != f->vx.local)
		arp_send(f, q, qi, 2, a + 22, a + 22, spa);
	np_consume_skb(skb);
	return true;
bad:
	vx_inc(q, ARP_BAD);
	np_kfree_skb_reason(skb, NP_SKB_DROP_HDR_TRUNC);
	return true;
}

/* The neighbour's MAC into this queue's copy. Return: whether the next hop is known. */
static bool neigh_sync(struct fwd *f, struct fwd_queue *q)
{
	uint64_t w = atomic_load_explicit(&f->neigh.mac, memory_order_acquire);

	if (!(w & NEIGH_VALID))
		return false;
	if (w != q->vx_mac) {
		word_mac(w, q->vx.dst_mac);
		q->vx_mac = w;
	}
	return true;
}

/* Encapsulate @skb with this queue's copy of the tunnel and send it out of --out. */
static void tunnel_send_one(struct fwd *f, struct fwd_queue *q, unsigned int qi,
			    struct np_skb *skb)
{
	int err = np_vxlan_encap(skb, &q->vx);

	if (err) {
		vx_inc(q, VX_ENCAP_FAIL);
		np_kfree_skb_reason(skb, err == -ENOMEM ? NP_SKB_DROP_NOMEM :
					 err == -EMSGSIZE ? NP_SKB_DROP_PKT_TOO_BIG :
							    NP_SKB_DROP_PKT_TOO_SMALL);
		return;
	}
	vx_inc(q, VX_ENCAP);
	np_netdev_xmit(f->out, qi, skb);
}

/*
 * The tunnel carries whole packets: a GSO frame (from a TAP with offloads)
 * is cut and a partial checksum completed before each gets its outer headers.
 */
static void tunnel_send(struct fwd *f, struct fwd_queue *q, unsigned int qi, struct np_skb *skb)
{
	skb = np_validate_xmit_skb(skb, NP_NETIF_F_SG, &q->gso);
	while (skb) {
		struct np_skb *next = skb->next;

		skb->next = NULL;
		tunnel_send_one(f, q, qi, skb);
		skb = next;
	}
}

static void hold_flush(struct fwd *f, struct fwd_queue *q, unsigned int qi)
{
	for (unsigned int i = 0; i < q->nhold; i++)
		tunnel_send(f, q, qi, q->hold[i]);
	q->nhold = 0;
}

static void hold_drop(struct fwd_queue *q)
{
	for (unsigned int i = 0; i < q->nhold; i++) {
		vx_inc(q, ARP_UNRESOLVED);
		np_kfree_skb(q->hold[i]);
	}
	q->nhold = 0;
}

/* A frame from --in: into the tunnel, or kept until the next hop is known. */
static void tunnel_out(struct fwd *f, struct fwd_queue *q, unsigned int qi, struct np_skb *skb)
{
	if (neigh_sync(f, q)) {
		if (q->nhold)
			hold_flush(f, q, qi);
		tunnel_send(f, q, qi, skb);
		return;
	}
	if (q->nhold == FWD_HOLD) {
		vx_inc(q, ARP_UNRESOLVED);
		np_kfree_skb_reason(skb, NP_SKB_DROP_QUEUE_FULL);
		return;
	}
	if (!q->nhold)
		q->hold_since = mono_ns();
	q->hold[q->nhold++] = skb;
	vx_inc(q, ARP_HELD);
}

/*
 * Between polls: once the next hop is known, send what waited for it;
 * until then ask for it (once at start, then every second while frames
 * wait; one queue thread at a time), and drop what waited through
 * ARP_PROBES requests.
 */
static void tunnel_tick(struct fwd *f, struct fwd_queue *q, unsigned int qi)
{
	uint64_t now, next;

	if (neigh_sync(f, q)) {
		if (q->nhold)
			hold_flush(f, q, qi);
		return;
	}
	now = mono_ns();
	if (q->nhold && now - q->hold_since > ARP_PROBES * ARP_RETRANS_NS)
		hold_drop(q);
	next = atomic_load_explicit(&f->neigh.next_probe, memory_order_relaxed);
	if ((q->nhold || !atomic_load_explicit(&f->neigh.probes, memory_order_relaxed)) &&
	    now >= next &&
	    atomic_compare_exchange_strong(&f->neigh.next_probe, &next, now + ARP_RETRANS_NS)) {
		atomic_fetch_add_explicit(&f->neigh.probes, 1, memory_order_relaxed);
		arp_send(f, q, qi, 1, mac_bcast, mac_zero, f->vx.remote);
	}
}

/*
 * A frame from --out: ARP for this endpoint answered or taken, VXLAN for it
 * decapsulated and sent out of --in, malformed ones counted and dropped,
 * anything else passed out of --in unchanged.
 */
static void tunnel_in(struct fwd *f, struct fwd_queue *q, unsigned int qi, struct np_skb *skb)
{
	unsigned char eth[14];
	int err;

	if (!np_skb_copy_bits(skb, 0, eth, sizeof(eth)) && get16(eth + 12) == ETH_TYPE_ARP &&
	    arp_in(f, q, qi, skb))
		return;
	err = np_vxlan_decap(skb, &q->vx);
	if (err && err != -ENOENT) {
		vx_inc(q, err == -ENXIO ? VX_RX_VNI : err == -EPROTO ? VX_RX_OTHER :
			  err == -EOPNOTSUPP ? VX_RX_FRAG : err == -ENOMEM ? VX_RX_NOMEM :
			  VX_RX_BAD);
		np_kfree_skb_reason(skb, err == -ENOMEM ? NP_SKB_DROP_NOMEM :
					 NP_SKB_DROP_NOT_SPECIFIED);
		return;
	}
	vx_inc(q, err ? VX_PASSED : VX_DECAP);
	fwd_xmit(q, f->in, qi, skb);
}

/*
 * The tunnel's source MAC: AF_XDP sends as --out itself, so its address;
 * a TAP interface is the far end of the link (the kernel host's), so this
 * end takes a random locally administered one; a vnic or null port a fixed one.
 * Return: 0, or -errno (message written).
 */
static int tunnel_src_mac(const struct opts *o, unsigned char *mac)
{
	struct ifreq ifr = { 0 };
	int fd, err = 0;

	if (!strcmp(o->out_driver, "vnic") || !strcmp(o->out_driver, "null")) {
		memcpy(mac, "\x02\x00\x00\x00\x00\x0a", 6);
		return 0;
	}
	if (!strcmp(o->out_driver, "tap")) {
		if (getrandom(mac, 6, 0) != 6) {
			fprintf(stderr, "netpool-fwd: no random bytes for a MAC address\n");
			return -EIO;
		}
		mac[0] = (unsigned char)((mac[0] & 0xfe) | 0x02);
		return 0;
	}
	if (strlen(o->out) >= sizeof(ifr.ifr_name))
		return -ENAMETOOLONG;
	memcpy(ifr.ifr_name, o->out, strlen(o->out) + 1);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else if (ifr.ifr_hwaddr.sa_family != 1)		/* ARPHRD_ETHER */
		err = -EAFNOSUPPORT;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (fd >= 0)
		close(fd);
	if (err)
		fprintf(stderr, "netpool-fwd: no Ethernet address for %s: %s\n", o->out,
			strerror(-err));
	return err;
}

static void fmt_mac(const unsigned char *m, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* The tunnel from the options, copied to every queue. Return: 0 or -errno. */
static int tunnel_init(struct fwd *f)
{
	struct np_vxlan_cfg *vx = &f->vx;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], m[18], d[18];
	int err;

	memset(vx, 0, sizeof(*vx));
	err = tunnel_src_mac(&f->o, vx->src_mac);
	if (err)
		return err;
	vx->local = f->o.vx_local;
	vx->remote = f->o.vx_remote;
	vx->vni = f->o.vx_vni;
	vx->dst_port = f->o.vx_port;
	if (f->o.vx_dmac_set)
		atomic_store(&f->neigh.mac, mac_word(f->o.vx_dmac) | NEIGH_VALID);
	for (unsigned int i = 0; i < f->o.queues; i++)
		f->q[i].vx = *vx;
	if (!f->o.json) {
		inet_ntop(AF_INET, &vx->local, a, sizeof(a));
		inet_ntop(AF_INET, &vx->remote, b, sizeof(b));
		fmt_mac(vx->src_mac, m, sizeof(m));
		fmt_mac(f->o.vx_dmac, d, sizeof(d));
		printf("netpool-fwd: vxlan %s -> %s, vni %u, port %u, MAC %s, next hop %s\n", a, b,
		       vx->vni, vx->dst_port, m, f->o.vx_dmac_set ? d : "by ARP");
	}
	return 0;
}

/* A frame for the other port (fwd, capture): captured, reflected or sent on. */
static void fwd_deliver(struct fwd *f, unsigned int qi, bool from_in, struct np_skb *skb)
{
	struct fwd_queue *q = &f->q[qi];

	/* the way back of the bridge: what arrives on --out goes out of --in unchanged */
	if (!from_in) {
		if (f->o.mode == M_CAPTURE)
			np_capture_skb(f->cap, skb);
		fwd_xmit(q, f->in, qi, skb);
		return;
	}
	if (f->o.mode == M_CAPTURE) {
		np_capture_skb(f->cap, skb);
		if (!f->tx) {
			np_napi_consume_skb(skb, NP_NAPI_WEIGHT);
			return;
		}
	} else if (f->o.mac_swap) {
		swap_mac(skb);
	}
	fwd_xmit(q, f->tx, qi, skb);
}

/*
 * The TCP or UDP checksum of a received IPv4/IPv6 frame (one VLAN tag at
 * most, no IPv6 extension headers), as a receiving host would check it:
 * counted when checked, and when bad (a frame sent with TX checksum offload
 * reaches AF_XDP with its checksum still partial). A UDP checksum of 0 over
 * IPv4 means none.
 */
static void csum_count(struct fwd_queue *q, const struct np_skb *skb)
{
	unsigned char h[14 + 4 + 40];
	uint32_t off = 12, sum, l4len, avail = NP_MIN(skb->len, (uint32_t)sizeof(h));
	uint16_t type;
	uint8_t proto;

	if (np_skb_copy_bits(skb, 0, h, avail) || avail < 14)
		return;
	type = get16(h + off);
	if (type == 0x8100 && avail >= 18) {
		off += 4;
		type = get16(h + off);
	}
	off += 2;
	if (type == 0x0800 && avail >= off + 20 && (h[off] >> 4) == 4) {
		uint32_t ihl = (h[off] & 15u) * 4u, tot = get16(h + off + 2), sa, da;

		proto = h[off + 9];
		if (ihl < 20 || tot < ihl || off + tot > skb->len || (get16(h + off + 6) & 0x3fff))
			return;		/* short, or a fragment: no L4 checksum to check here */
		l4len = tot - ihl;
		memcpy(&sa, h + off + 12, 4);
		memcpy(&da, h + off + 16, 4);
		sum = np_csum_pseudo4(sa, da, l4len, proto, 0);
		off += ihl;
	} else if (type == 0x86dd && avail >= off + 40) {
		proto = h[off + 6];
		l4len = get16(h + off + 4);
		if (off + 40 + l4len > skb->len)
			return;
		sum = np_csum_pseudo6(h + off + 8, h + off + 24, l4len, proto, 0);
		off += 40;
	} else {
		return;
	}
	if ((proto != 6 && proto != 17) || l4len < (proto == 6 ? 20u : 8u))
		return;
	if (proto == 17 && type == 0x0800) {
		unsigned char uh[8];

		if (np_skb_copy_bits(skb, off, uh, 8) || !(uh[6] | uh[7]))
			return;		/* no checksum */
	}
	if (np_skb_checksum(skb, off, l4len, sum, &sum))
		return;
	np_stat_inc_owner(q->csum_checked);
	if (np_csum_fold(sum))
		np_stat_inc_owner(q->csum_bad);
}

static void gro_deliver(struct np_skb *skb, void *arg)
{
	struct fwd_gro_arg *a = arg;

	fwd_deliver(a->f, a->qi, a->from_in, skb);
}

static void rx_handler(struct np_netdev *dev, unsigned int qi, struct np_skb *skb, void *arg)
{
	struct fwd *f = arg;
	struct fwd_queue *q = &f->q[qi];
	bool from_in = dev == f->in;

	if (!from_in && f->o.mode == M_ENCAP) {
		tunnel_in(f, q, qi, skb);
		return;
	}
	if (f->o.mode == M_CAPTURE || (from_in && f->o.mode == M_SOCKQ))
		csum_count(q, skb);
	switch (from_in ? f->o.mode : M_FWD) {
	case M_DROP:
		np_napi_consume_skb(skb, NP_NAPI_WEIGHT);
		return;
	case M_SOCKQ:
		np_gro_receive(&q->gro, skb);
		return;
	case M_ENCAP:
		tunnel_out(f, q, qi, skb);
		return;
	case M_CAPTURE:
	case M_FWD:
		if (f->o.gro)
			np_gro_receive(&q->gro_dir[from_in ? 0 : 1], skb);
		else
			fwd_deliver(f, qi, from_in, skb);
		return;
	}
}

/*
 * What GRO holds goes at the end of each round, as the kernel flushes at
 * the end of a poll; inside the receiving queue's napi, so the pages it
 * frees go straight back into that queue's pool.
 */
static void gro_flush_dirs(struct fwd *f, struct fwd_queue *q, unsigned int qi)
{
	struct np_netdev *devs[2] = { f->in, f->out };

	for (unsigned int d = 0; d < 2; d++) {
		struct np_napi_ctx *prev;

		if (!devs[d] || !q->gro_dir[d].n)
			continue;
		prev = np_napi_ctx_enter(&devs[d]->q[qi].napi.ctx);
		np_gro_flush(&q->gro_dir[d]);
		np_napi_ctx_leave(prev);
	}
}

struct thread_arg {
	struct fwd *f;
	unsigned int qi;
};

static _Atomic bool running = true;

/*
 * Nothing came for a while: sleep until a port's queue has input (its
 * descriptor polls readable: TAP, AF_XDP) or 1 ms passed, as NAPI goes back
 * to interrupts; a port without one (vnic) gets a 20 µs nap instead. So the
 * CPU the forwarder uses follows the load, and its time per packet means
 * something at a fixed offered rate.
 */
static void idle_wait(struct fwd *f, unsigned int qi)
{
	struct pollfd pfd[2];
	nfds_t n = 0;
	int fd = np_netdev_rx_fd(f->in, qi);

	if (fd >= 0)
		pfd[n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (f->out && (fd = np_netdev_rx_fd(f->out, qi)) >= 0)
		pfd[n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (n && n == (f->out ? 2u : 1u)) {
		(void)poll(pfd, n, 1);
	} else {
		struct timespec ts = { 0, 20000 };

		nanosleep(&ts, NULL);
	}
}

/* One queue: poll it on --in and on --out (TX completions), then the stack's end of poll. */
static void *queue_thread(void *arg)
{
	struct thread_arg *ta = arg;
	struct fwd *f = ta->f;
	struct fwd_queue *q = &f->q[ta->qi];
	unsigned int idle = 0;
	sigset_t faults;

	/* started with every signal blocked (the main thread takes the others): faults again */
	sigemptyset(&faults);
	for (unsigned int i = 0; i < NP_ARRAY_SIZE(fault_signals); i++)
		sigaddset(&faults, fault_signals[i]);
	pthread_sigmask(SIG_UNBLOCK, &faults, NULL);
	while (atomic_load_explicit(&running, memory_order_acquire)) {
		int work = np_netdev_poll(f->in, ta->qi);

		if (f->out)
			work += np_netdev_poll(f->out, ta->qi);
		if (f->o.mode == M_SOCKQ) {
			np_gro_flush(&q->gro);
			np_sockq_read(&q->sockq, NULL, SIZE_MAX);	/* the reader */
		}
		if (f->o.mode == M_ENCAP)
			tunnel_tick(f, q, ta->qi);
		if (f->o.gro)
			gro_flush_dirs(f, q, ta->qi);
		gso_publish(q);
		if (work)
			idle = 0;
		else if (++idle > 64)
			idle_wait(f, ta->qi);
	}
	np_gro_flush(&q->gro);
	gro_flush_dirs(f, q, ta->qi);
	gso_publish(q);
	np_sockq_purge(&q->sockq);
	hold_drop(q);
	np_skb_thread_flush();
	return NULL;
}

/* ---- devices ---- */

#ifdef HAVE_AFXDP_H
/* The afxdp port opened first: a second one shares its UMEM (NULL: none, or --no-shared-umem). */
static struct np_netdev *afx_umem_of;

/* An afxdp port's parameters from the options. */
static void afxdp_params(const struct opts *o, const char *name, struct np_afxdp_params *ap)
{
	bool both = !strcmp(o->in_driver, "afxdp") && o->out && !strcmp(o->out_driver, "afxdp");

	*ap = (struct np_afxdp_params){
		.ifname = name, .nqueues = o->queues, .no_recycle = o->no_recycle,
		.skb_mode = o->xdp_skb, .ring_size = o->ring_size, .rx_size = o->rx_ring,
		.tx_size = o->tx_ring, .fill_size = o->fill_ring, .comp_size = o->comp_ring,
		.frame_size = o->frame_size, .frame_count = o->frames,
		.bind = (enum np_afxdp_bind)o->xdp_bind, .busy_poll_us = o->busy_poll_us,
		.busy_poll_budget = o->busy_poll_budget, .xdp_prog = o->xdp_prog,
		.xdp_multiprog = o->xdp_multiprog,
		.share_umem = afx_umem_of,
	};
	if (afx_umem_of) {
		ap->frame_count = 0;	/* the first port's, sized for both */
	} else if (both && !o->no_shared_umem && !o->frames) {
		/* one UMEM for both ports: full rings, as much in the stack, a TX reserve, each */
		unsigned int ring = o->ring_size ? o->ring_size : 2048;
		unsigned int need = o->queues * ((o->fill_ring ? o->fill_ring : ring) +
						 (o->rx_ring ? o->rx_ring : ring) +
						 NP_MIN(512u, o->tx_ring ? o->tx_ring : ring));

		ap->frame_count = NP_MIN(2 * need, 1u << 22);
	}
}
#endif

/* Port @name of driver @drv; @is_in: the --in port (a null one receives, --out's only sends). */
static int open_dev(const struct opts *o, const char *drv, const char *name, bool is_in,
		    struct np_netdev **out)
{
	int err = -EOPNOTSUPP;

	if (!strcmp(drv, "vnic")) {
		struct np_vnic_params vp = {
			.name = name, .nqueues = o->queues, .iommu = o->iommu,
			.no_recycle = o->no_recycle,
		};

		err = np_vnic_create(&vp, out);
	} else if (!strcmp(drv, "null")) {
		struct np_null_params np = {
			.name = name, .nqueues = o->queues, .no_recycle = o->no_recycle,
			.frame_len = o->len_set ? o->len_min : 0, .count = o->count,
			.no_rx = !is_in,
		};

		err = np_null_create(&np, out);
	}
#ifdef HAVE_AFXDP_H
	else if (!strcmp(drv, "afxdp")) {
		struct np_afxdp_params ap;

		afxdp_params(o, name, &ap);
		err = np_afxdp_create(&ap, out);
	}
#endif
#ifdef HAVE_TAP_H
	else if (!strcmp(drv, "tap")) {
		struct np_tap_params tp = {
			.ifname = name, .nqueues = o->queues, .no_recycle = o->no_recycle,
			.no_vnet_hdr = o->tap_plain, .offloads = o->tap_offloads,
		};

		err = np_tap_create(&tp, out);
	}
#endif
	if (err)
		fprintf(stderr, "netpool-fwd: cannot open %s %s: %s\n", drv, name, strerror(-err));
	return err;
}

/* ---- figures ---- */

/* The afxdp ports' counters, summed over both: what netpool copied and sent in place. */
struct afx_totals {
	unsigned int ports, queues, zc_queues;
	bool shared_umem, multibuf;
	uint64_t tx_zerocopy, tx_copied, rx_multibuf, tx_multibuf, rx_invalid;
	uint64_t rx_chain_dropped, kern_rx_dropped, kern_rx_ring_full, kern_fill_empty;
	uint64_t kern_invalid;
};

struct totals {
	struct np_netdev_qstats in, out;
	uint64_t fast, slow, ring, cached, released, inflight;
	uint64_t drops[NP_SKB_DROP_MAX];
	struct np_capture_stats cap;
	uint64_t coalesced, gro_merged;
	uint64_t vx[VX_NSTATS];
	uint64_t gs[GS_NSTATS];
	uint64_t csum_checked, csum_bad;
	struct afx_totals afx;	/* the afxdp ports' driver counters, summed */
	double cpu_s;		/* CPU time of the process (totals only) */
};

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Every pool @dev had, closed or not (the pools go with the close). */
static void pool_sum(struct np_netdev *dev, struct totals *t)
{
	if (dev) {
		struct np_pool_stats st = { .size = sizeof(st) };

		np_netdev_get_pool_stats(dev, &st);
		t->fast += st.alloc.fast;
		t->slow += st.alloc.slow;
		t->ring += st.recycle.ring;
		t->cached += st.recycle.cached;
		t->released += st.release;
		t->inflight += (uint64_t)st.inflight;
	}
}

/* Each afxdp queue's mode, as bound at open (the sockets go at close, the totals after). */
static void afxdp_zc_note(struct fwd *f)
{
#ifdef HAVE_AFXDP_H
	struct np_netdev *devs[2] = { f->in, f->out };

	for (unsigned int d = 0; d < 2; d++)
		for (unsigned int i = 0; devs[d] && i < devs[d]->nqueues; i++) {
			struct np_afxdp_stats st;

			if (!np_afxdp_get_stats(devs[d], (int)i, &st))
				f->afx_zc[d][i] = st.zerocopy;
		}
#else
	(void)f;
#endif
}

/* The afxdp ports' driver counters, summed. */
static void afxdp_totals(struct fwd *f, struct afx_totals *a)
{
	memset(a, 0, sizeof(*a));
#ifdef HAVE_AFXDP_H
	struct np_netdev *devs[2] = { f->in, f->out };

	for (unsigned int d = 0; d < 2; d++) {
		struct np_afxdp_stats st;

		if (!devs[d] || np_afxdp_get_stats(devs[d], -1, &st))
			continue;
		a->ports++;
		a->queues += devs[d]->nqueues;
		for (unsigned int i = 0; i < devs[d]->nqueues; i++)
			a->zc_queues += f->afx_zc[d][i];
		a->shared_umem |= st.shared_umem || (afx_umem_of && f->out &&
						     !strcmp(f->o.out_driver, "afxdp"));
		a->multibuf |= st.multibuf;
		a->tx_zerocopy += st.tx_zerocopy;
		a->tx_copied += st.tx_copied;
		a->rx_multibuf += st.rx_multibuf;
		a->tx_multibuf += st.tx_multibuf;
		a->rx_invalid += st.rx_invalid;
		a->rx_chain_dropped += st.rx_chain_broken + st.rx_chain_long;
		a->kern_rx_dropped += st.kern_rx_dropped;
		a->kern_rx_ring_full += st.kern_rx_ring_full;
		a->kern_fill_empty += st.kern_fill_empty;
		a->kern_invalid += st.kern_rx_invalid + st.kern_tx_invalid;
	}
#else
	(void)f;
#endif
}

/* The afxdp part of a JSON line: sums over the ports, each queue's mode. */
static void afxdp_json(const struct fwd *f, const struct afx_totals *a)
{
	if (!a->ports)
		return;
	printf(", \"afxdp_ports\": %u, \"afxdp_shared_umem\": %s, \"afxdp_multibuf\": %s, "
	       "\"afxdp_tx_zerocopy\": %" PRIu64 ", \"afxdp_tx_copied\": %" PRIu64
	       ", \"afxdp_rx_multibuf\": %" PRIu64 ", \"afxdp_tx_multibuf\": %" PRIu64
	       ", \"afxdp_rx_invalid\": %" PRIu64 ", \"afxdp_rx_chain_dropped\": %" PRIu64
	       ", \"afxdp_kern_rx_dropped\": %" PRIu64 ", \"afxdp_kern_rx_ring_full\": %" PRIu64
	       ", \"afxdp_kern_fill_empty\": %" PRIu64 ", \"afxdp_kern_invalid\": %" PRIu64
	       ", \"afxdp_zerocopy_queues\": %u, \"afxdp_queues\": %u",
	       a->ports, a->shared_umem ? "true" : "false", a->multibuf ? "true" : "false",
	       a->tx_zerocopy, a->tx_copied, a->rx_multibuf, a->tx_multibuf, a->rx_invalid,
	       a->rx_chain_dropped, a->kern_rx_dropped, a->kern_rx_ring_full, a->kern_fill_empty,
	       a->kern_invalid, a->zc_queues, a->queues);
	for (unsigned int d = 0; d < 2; d++) {
		const char *drv = d ? f->o.out_driver : f->o.in_driver;
		unsigned int n = d ? (f->out ? f->out->nqueues : 0) : f->in->nqueues;

		if (!drv || strcmp(drv, "afxdp") || !n)
			continue;
		printf(", \"afxdp_%s_zerocopy\": [", d ? "out" : "in");
		for (unsigned int i = 0; i < n; i++)
			printf("%s%s", i ? ", " : "", f->afx_zc[d][i] ? "true" : "false");
		printf("]");
	}
}

/* Queue @qi's thread onto @cpu (--cpus); a refusal is said, not fatal. */
static void pin_thread(pthread_t t, unsigned int qi, int cpu)
{
	cpu_set_t set;
	int err;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	err = pthread_setaffinity_np(t, sizeof(set), &set);
	if (err)
		fprintf(stderr, "netpool-fwd: cannot pin queue %u to CPU %d: %s\n", qi, cpu,
			strerror(err));
}

static void totals_get(struct fwd *f, struct totals *t)
{
	memset(t, 0, sizeof(*t));
	np_netdev_get_qstats(f->in, -1, &t->in);
	if (f->out)
		np_netdev_get_qstats(f->out, -1, &t->out);
	pool_sum(f->in, t);
	pool_sum(f->out, t);
	for (unsigned int r = 0; r < NP_SKB_DROP_MAX; r++)
		t->drops[r] = np_skb_drop_count((enum np_skb_drop_reason)r);
	for (unsigned int i = 0; i < f->o.queues; i++) {
		for (unsigned int k = 0; k < VX_NSTATS; k++)
			t->vx[k] += np_stat_read(f->q[i].vxs[k]);
		for (unsigned int k = 0; k < GS_NSTATS; k++)
			t->gs[k] += np_stat_read(f->q[i].gs[k]);
	}
	if (f->cap_closed)
		t->cap = f->cap_final;
	else if (f->cap)
		np_capture_get_stats(f->cap, &t->cap);
	for (unsigned int i = 0; i < f->o.queues; i++) {
		t->csum_checked += np_stat_read(f->q[i].csum_checked);
		t->csum_bad += np_stat_read(f->q[i].csum_bad);
	}
	afxdp_totals(f, &t->afx);
}

static void print_line(struct fwd *f, const struct totals *t, const struct totals *p, double secs,
		       const char *kind)
{
	const struct np_netdev_qstats *tx = f->out ? &t->out : &t->in;
	const struct np_netdev_qstats *ptx = f->out ? &p->out : &p->in;
	double per = secs > 0 ? 1 / secs : 0;	/* no time: no rate (and valid JSON) */
	double pps = (double)(t->in.rx_packets - p->in.rx_packets) * per;
	double mbit = (double)(t->in.rx_bytes - p->in.rx_bytes) * 8 * per / 1e6;
	double txpps = (double)(tx->tx_packets - ptx->tx_packets) * per;
	bool totals = !strcmp(kind, "total");

	if (f->o.json) {
		printf("{\"type\": \"%s\", \"rx_pps\": %.0f, \"rx_mbit\": %.1f, \"tx_pps\": %.0f, "
		       "\"rx_packets\": %" PRIu64 ", \"tx_packets\": %" PRIu64 ", "
		       "\"rx_bytes\": %" PRIu64 ", \"tx_bytes\": %" PRIu64 ", "
		       "\"rx_bad_desc\": %" PRIu64 ", \"rx_nomem\": %" PRIu64 ", "
		       "\"tx_busy\": %" PRIu64 ", \"pool_fast\": %" PRIu64 ", \"pool_slow\": %" PRIu64
		       ", \"pool_cached\": %" PRIu64 ", \"pool_ring\": %" PRIu64
		       ", \"pool_released\": %" PRIu64 ", \"inflight\": %" PRIu64,
		       kind, pps, mbit, txpps, t->in.rx_packets, tx->tx_packets, t->in.rx_bytes,
		       tx->tx_bytes, t->in.rx_bad_desc,
		       t->in.rx_nomem, tx->tx_busy, t->fast, t->slow, t->cached, t->ring, t->released,
		       t->inflight);
		for (unsigned int r = 0; r < NP_SKB_DROP_MAX; r++)
			if (r != NP_SKB_DROP_CONSUMED && t->drops[r])
				printf(", \"drop_%s\": %" PRIu64, np_skb_drop_reason_name(r), t->drops[r]);
		for (unsigned int k = 0; k < NP_FAULT_NR; k++)
			if (np_fault_injected((enum np_fault_point)k))
				printf(", \"fault_%s\": %" PRIu64, np_fault_name((enum np_fault_point)k),
				       np_fault_injected((enum np_fault_point)k));
		if (t->cpu_s > 0)
			printf(", \"cpu_ms\": %.1f, \"cpu_ns_per_pkt\": %.1f", t->cpu_s * 1e3,
			       t->in.rx_packets ? t->cpu_s * 1e9 / (double)t->in.rx_packets : 0.0);
		if (f->o.mode == M_ENCAP)
			for (unsigned int k = 0; k < VX_NSTATS; k++)
				printf(", \"%s\": %" PRIu64, vx_stat_names[k], t->vx[k]);
		for (unsigned int k = 0; k < GS_NSTATS; k++)
			printf(", \"%s\": %" PRIu64, gso_stat_names[k], t->gs[k]);
		if (f->cap || f->cap_closed)
			printf(", \"captured\": %" PRIu64 ", \"cap_written\": %" PRIu64
			       ", \"cap_dropped\": %" PRIu64, t->cap.captured, t->cap.written,
			       t->cap.dropped);
		if (f->o.mode == M_CAPTURE || f->o.mode == M_SOCKQ)
			printf(", \"rx_csum_checked\": %" PRIu64 ", \"rx_csum_bad\": %" PRIu64,
			       t->csum_checked, t->csum_bad);
		afxdp_json(f, &t->afx);
		printf("}\n");
	} else {
		if (totals)
			printf("%s rx %" PRIu64 " packets %" PRIu64 " bytes (%.0f pps, %.1f Mbit/s)  "
			       "tx %" PRIu64 " packets %" PRIu64 " bytes (%.0f pps)", kind,
			       t->in.rx_packets, t->in.rx_bytes, pps, mbit, tx->tx_packets,
			       tx->tx_bytes, txpps);
		else
			printf("%s rx %9.0f pps %8.1f Mbit/s  tx %9.0f pps", kind, pps, mbit, txpps);
		printf(" | pool fast %" PRIu64 " slow %" PRIu64 " cached %" PRIu64 " ring %" PRIu64
		       " released %" PRIu64 " inflight %" PRIu64 " | bad %" PRIu64 " nomem %" PRIu64
		       " txbusy %" PRIu64, t->fast, t->slow, t->cached, t->ring, t->released,
		       t->inflight, t->in.rx_bad_desc, t->in.rx_nomem, tx->tx_busy);
		for (unsigned int r = 0; r < NP_SKB_DROP_MAX; r++)
			if (r != NP_SKB_DROP_CONSUMED && t->drops[r])
				printf(" %s %" PRIu64, np_skb_drop_reason_name(r), t->drops[r]);
		for (unsigned int k = 0; k < NP_FAULT_NR; k++)
			if (np_fault_injected((enum np_fault_point)k))
				printf(" | fault %s %" PRIu64, np_fault_name((enum np_fault_point)k),
				       np_fault_injected((enum np_fault_point)k));
		if (t->cpu_s > 0)
			printf(" | cpu %.1f ms, %.0f ns/pkt", t->cpu_s * 1e3,
			       t->in.rx_packets ? t->cpu_s * 1e9 / (double)t->in.rx_packets : 0.0);
		if (f->o.mode == M_ENCAP) {
			printf(" | vxlan encap %" PRIu64 " decap %" PRIu64 " passed %" PRIu64,
			       t->vx[VX_ENCAP], t->vx[VX_DECAP], t->vx[VX_PASSED]);
			for (unsigned int k = VX_ENCAP_FAIL; k < VX_NSTATS; k++)
				if (t->vx[k] && k != VX_DECAP && k != VX_PASSED)
					printf(" %s %" PRIu64, vx_stat_names[k], t->vx[k]);
		}
		if (f->cap || f->cap_closed)
			printf(" | captured %" PRIu64 " written %" PRIu64 " dropped %" PRIu64,
			       t->cap.captured, t->cap.written, t->cap.dropped);
		for (unsigned int k = 0; k < GS_NSTATS; k++)
			if (t->gs[k])
				printf("%s%s %" PRIu64, k ? " " : " | ", gso_stat_names[k], t->gs[k]);
		if (f->o.mode == M_CAPTURE || f->o.mode == M_SOCKQ)
			printf(" | csum checked %" PRIu64 " bad %" PRIu64, t->csum_checked,
			       t->csum_bad);
		if (t->afx.ports)
			printf(" | afxdp in place %" PRIu64 " copied %" PRIu64 " zc queues %u/%u",
			       t->afx.tx_zerocopy, t->afx.tx_copied, t->afx.zc_queues,
			       t->afx.queues);
		printf("\n");
	}
	out_flush();
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * vnic, null: every source done (with --count) and nothing left in the rings
 * (a null port's frames are received as they are made).
 */
static bool vnic_sources_done(struct fwd *f, uint64_t *last_rx, int *quiet)
{
	struct np_vnic_stats vs = { 0 };
	struct np_netdev_qstats qs;
	bool null_in = !strcmp(f->o.in_driver, "null");

	if ((strcmp(f->o.in_driver, "vnic") && !null_in) || !f->o.count)
		return false;
	np_netdev_get_qstats(f->in, -1, &qs);
	if (null_in)
		vs.gen_frames = qs.rx_packets;
	else
		np_vnic_get_stats(f->in, -1, &vs);
	if (vs.gen_frames < f->o.count * f->in->nqueues || qs.rx_packets != *last_rx) {
		*last_rx = qs.rx_packets;
		*quiet = 0;
		return false;
	}
	return ++*quiet > 2;
}

/* Destroy @dev and say whether every page of its pools came back. */
static bool destroy_dev(struct np_netdev *dev, int64_t *lost)
{
	uint32_t ids[NP_NETDEV_MAX_QUEUES];
	unsigned int n;
	bool ok = true;

	if (!dev)
		return true;
	n = dev->nqueues;
	for (unsigned int i = 0; i < n; i++)
		ids[i] = dev->q[i].pool_id;	/* the pools of the last open */
	np_netdev_destroy(dev);
	for (unsigned int i = 0; i < n; i++) {
		struct np_pool_info info;
		int tries = 0;

		while (np_pool_info_get(ids[i], &info) == 0 && tries++ < 300) {
			struct timespec ts = { 0, 10000000 };

			nanosleep(&ts, NULL);
		}
		if (np_pool_info_get(ids[i], &info) == 0) {
			*lost += info.inflight;
			ok = false;
		}
	}
	return ok;
}

int main(int argc, char **argv)
{
	struct fwd f = { 0 };
	struct thread_arg ta[NP_NETDEV_MAX_QUEUES];
	struct totals t0 = { 0 }, t, prev;
	double start = now_s(), last, end = 0, cpu0 = 0, cpu1 = 0;
	uint64_t last_rx = 0;
	int64_t lost = 0;
	int rc, quiet = 0;
	sigset_t all_sigs, main_sigs;
	bool ok;

	rc = fwd_opts_parse(argc, argv, &f.o, stderr);
	if (rc == FWD_OPTS_HELP) {
		usage(stdout);
		return 0;
	}
	if (rc == FWD_OPTS_VERSION) {
		np_tool_version(stdout, "netpool-fwd");
		return 0;
	}
	if (rc)
		return 2;
	np_set_print(np_print_stderr);
	catch_endings();

	if (open_dev(&f.o, f.o.in_driver, f.o.in, true, &f.in))
		return 1;
#ifdef HAVE_AFXDP_H
	if (!strcmp(f.o.in_driver, "afxdp") && !f.o.no_shared_umem)
		afx_umem_of = f.in;
#endif
	if (f.o.out && open_dev(&f.o, f.o.out_driver, f.o.out, false, &f.out)) {
		np_netdev_destroy(f.in);
		return 1;
	}
	f.tx = f.o.out ? f.out : (f.o.mac_swap ? f.in : NULL);
	f.q = aligned_alloc(64, f.o.queues * sizeof(*f.q));
	if (!f.q)
		return 1;
	memset(f.q, 0, f.o.queues * sizeof(*f.q));
	for (unsigned int i = 0; i < f.o.queues; i++) {
		f.q[i].index = i;
		np_sockq_init(&f.q[i].sockq, 0);
		np_gro_init(&f.q[i].gro, sockq_deliver, &f.q[i].sockq);
		for (unsigned int d = 0; d < 2; d++) {
			f.q[i].gro_arg[d] = (struct fwd_gro_arg){ .f = &f, .qi = i, .from_in = !d };
			np_gro_init(&f.q[i].gro_dir[d], gro_deliver, &f.q[i].gro_arg[d]);
		}
	}
	if (f.o.mode == M_ENCAP && tunnel_init(&f)) {
		rc = 1;
		goto out;
	}
	if (f.o.mode == M_CAPTURE && (rc = np_capture_open(f.o.pcap, 0, &f.cap))) {
		fprintf(stderr, "netpool-fwd: cannot open %s: %s\n", f.o.pcap, strerror(-rc));
		rc = 1;
		goto out;
	}
	np_netdev_set_rx_handler(f.in, rx_handler, &f);
	if (f.out)
		np_netdev_set_rx_handler(f.out, rx_handler, &f);
	if ((rc = np_netdev_open(f.in)) || (f.out && (rc = np_netdev_open(f.out)))) {
		fprintf(stderr, "netpool-fwd: cannot open the interfaces: %s\n", strerror(-rc));
		rc = 1;
		goto out;
	}
	afxdp_zc_note(&f);
	np_stats_export_start("netpool-fwd", 0);
	if (!strcmp(f.o.in_driver, "vnic")) {
		struct np_vnic_gen gen = { .len_min = f.o.len_min, .len_max = f.o.len_max,
					   .count = f.o.count };

		for (unsigned int i = 0; i < f.o.queues; i++)
			np_vnic_gen_start(f.in, i, &gen);
	}
	if (!f.o.json) {
		printf("netpool-fwd: %s:%s -> %s:%s, mode %s, %u queue%s, recycling %s", f.o.in_driver,
		       f.o.in, f.o.out ? f.o.out_driver : f.o.in_driver,
		       f.o.out ? f.o.out : (f.tx ? f.o.in : "-"), mode_names[f.o.mode], f.o.queues,
		       f.o.queues > 1 ? "s" : "", f.o.no_recycle ? "off" : "on");
		if (!strcmp(f.o.in_driver, "tap") || (f.out && !strcmp(f.o.out_driver, "tap")))
			printf(", tap offloads 0x%x", (unsigned int)np_tap_offloads(
					!strcmp(f.o.in_driver, "tap") ? f.in : f.out));
		printf("%s\n", f.o.gro ? ", GRO" : "");
		out_flush();
	}
	/*
	 * Queue threads start with every signal blocked: the ending signals go to
	 * the main thread, never to a thread still being set up.
	 */
	sigfillset(&all_sigs);
	pthread_sigmask(SIG_SETMASK, &all_sigs, &main_sigs);
	for (unsigned int i = 0; i < f.o.queues; i++) {
		ta[i] = (struct thread_arg){ .f = &f, .qi = i };
		if (pthread_create(&f.q[i].thread, NULL, queue_thread, &ta[i])) {
			pthread_sigmask(SIG_SETMASK, &main_sigs, NULL);
			fprintf(stderr, "netpool-fwd: cannot start a thread\n");
			atomic_store(&running, false);
			for (unsigned int k = 0; k < i; k++)
				pthread_join(f.q[k].thread, NULL);
			rc = 1;
			goto out;
		}
		if (f.o.ncpus)
			pin_thread(f.q[i].thread, i, f.o.cpus[i % f.o.ncpus]);
	}
	pthread_sigmask(SIG_SETMASK, &main_sigs, NULL);

	start = last = now_s();
	cpu0 = cpu_seconds();
	end = f.o.duration > 0 ? start + f.o.duration : 0;
	prev = t0;
	while (!atomic_load(&stop_flag) && !out_err) {
		struct timespec ts = { 0, 50000000 };
		double now;

		nanosleep(&ts, NULL);
		now = now_s();
		if (end && now >= end)
			break;
		if (vnic_sources_done(&f, &last_rx, &quiet))
			break;
		if (now - last >= 1.0) {
			totals_get(&f, &t);
			print_line(&f, &t, &prev, now - last, "rate");
			prev = t;
			last = now;
		}
	}
	atomic_store(&running, false);
	for (unsigned int i = 0; i < f.o.queues; i++)
		pthread_join(f.q[i].thread, NULL);
	end = now_s();
	cpu1 = cpu_seconds();
	rc = 0;
out:
	/* the ports first (TX rings hold pages of the other port's pools), then the capture */
	if (f.in)
		np_netdev_close(f.in);
	if (f.out)
		np_netdev_close(f.out);
	if (f.cap) {
		if (np_capture_close(f.cap, &f.cap_final)) {
			fprintf(stderr, "netpool-fwd: writing %s failed\n", f.o.pcap);
			rc = 1;
		}
		f.cap = NULL;
		f.cap_closed = true;
	}
	if (!rc) {
		/* the totals once everything came back from the rings and the capture */
		totals_get(&f, &t);
		t.cpu_s = cpu1 - cpu0;
		print_line(&f, &t, &t0, end - start, "total");
	}
	np_skb_thread_flush();
	np_stats_export_stop();
	ok = destroy_dev(f.out, &lost);
	ok = destroy_dev(f.in, &lost) && ok;
	free(f.q);
	if (!ok) {
		fprintf(stderr, "netpool-fwd: %" PRId64 " buffers did not come back\n", lost);
		return 3;
	}
	if (!f.o.json && !rc)
		printf("netpool-fwd: every buffer came back (inflight 0)\n");
	out_flush();
	/* a reader that went away is an ending like SIGINT; another write error a failure */
	if (out_err && out_err != EPIPE) {
		fprintf(stderr, "netpool-fwd: cannot write the figures: %s\n", strerror(out_err));
		return rc ? rc : 1;
	}
	return rc;
}
