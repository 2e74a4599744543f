/* SPDX-License-Identifier: MIT */
/*
 * End-to-end test helpers (tests/lib/e2e.c): netpool-fwd run inside a
 * network namespace of the test's own (netns.h makes them and removes them on
 * every exit path), a kernel-side UDP sender and receiver in the others
 * (sockets opened inside a namespace, so the test process itself talks from
 * both sides), hand-built frames, and what the forwarder counted. Traffic
 * only ever goes to the test's own interfaces.
 */
#ifndef NETPOOL_TEST_E2E_H
#define NETPOOL_TEST_E2E_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <libgen.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testutil.h"
#include "netns.h"

/*
 * A check that records a failure and goes on, so that one run reports every
 * way an end-to-end test failed (and its cleanup still runs): the test ends
 * with a failing status when e2e_fails is not 0.
 */
extern int e2e_fails;
#define EXPECT(cond, ...)                                                          \
	do {                                                                       \
		if (!(cond)) {                                                     \
			fprintf(stderr, "FAIL: " __VA_ARGS__);                     \
			fprintf(stderr, "\n");                                     \
			e2e_fails++;                                               \
		}                                                                  \
	} while (0)

/* ---- shell commands, namespaces, the tool ---- */

/* Run a shell command; fail the test when it fails. */
void e2e_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Run a shell command. Return: its exit status (-1: it did not exit). */
int e2e_sh_rc(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Skip unless root with the ip tool. */
void e2e_require(void);
/* A new namespace "np<tag><pid>" with lo up (skip when the kernel refuses). Return: its name. */
const char *e2e_ns_new(const char *tag);

/* The running tool's pid (0: none). */
extern pid_t e2e_tool_pid;

/*
 * Start "ip netns exec @ns @cmd" (a shell command line) with stdout+stderr
 * into @log; the child is killed on every exit path until it is reaped
 * (netns_untrack_pid()). Return: its pid.
 */
pid_t e2e_spawn_in(const char *ns, const char *cmd, const char *log);
/* Start "ip netns exec @ns @tool @args" with stdout+stderr into @log. */
void e2e_tool_start(const char *ns, const char *tool, const char *args, const char *log);
/* Stop the tool with SIGTERM (a clean stop). Return: its exit status. */
int e2e_tool_stop(void);
/* Whether the tool still runs (once it exited it is reaped, e2e_tool_pid 0). */
bool e2e_tool_alive(void);
/*
 * kill -9 the tool and reap it; the statistics object the kill left is
 * removed while the pid is still its (a zombie's), never another process's.
 */
void e2e_tool_kill(void);
/* Wait until the tool publishes its statistics: its devices are open. */
bool e2e_tool_wait_ready(unsigned int ms);
/* The last lines of @log on stderr. */
void e2e_dump(const char *log);

/* ---- kernel-side UDP ---- */

/* A socket of @type made inside namespace @ns (the test fails if it cannot). */
int e2e_socket_in(const char *ns, int domain, int type, int proto);
/* A UDP socket in @ns bound to @addr:@port, with a large receive buffer. */
int e2e_udp_bound(const char *ns, const char *addr, uint16_t port);

/* Payload i: its index then bytes derived from it, @len bytes. */
void e2e_payload(unsigned char *p, uint32_t len, uint32_t i);
/* Whether @p is one payload, intact; its index into *@idx. */
bool e2e_payload_ok(const unsigned char *p, uint32_t len, uint32_t *idx);

struct e2e_udp_result {
	uint32_t sent, received, corrupt, dup;
};

/*
 * Wait up to @poll_ms for one datagram or frame on @fd into @buf.
 * Return: its length, 0 when none came in time (*@waited advanced), -1 on a
 * failed receive.
 */
ssize_t e2e_recv_one(int fd, unsigned char *buf, size_t len, int poll_ms, unsigned int *waited);

/*
 * Send @n datagrams (lengths cycling through @lens) from @src to @dst_addr:@port
 * and receive them on @rx, paced so a small ring is not overrun; wait up to
 * @wait_ms for stragglers.
 */
struct e2e_udp_result e2e_udp_run(int src, int rx, const char *dst_addr, uint16_t port,
				  uint32_t n, const uint32_t *lens, unsigned int nlens,
				  unsigned int wait_ms);

/* ---- what the forwarder and the kernel counted ---- */

/* The "total" JSON line of a netpool-fwd log into @buf. Return: it, or NULL. */
const char *e2e_total_line(const char *log, char *buf, size_t len);
/* The number after "@key" on @line, 0 when it is not there (drop_* appear only when non-zero). */
uint64_t e2e_json_u64_or0(const char *line, const char *key);
/*
 * Every "drop_REASON": N of @line, summed; the ones not in @allowed (a list
 * of reasons, e.g. "NOT_SPECIFIED FULL_RING") are written into @other
 * ("REASON=N ...", empty when none).
 */
uint64_t e2e_json_drops(const char *line, const char *allowed, char *other, size_t len);
/* Kernel-counted drops on an interface (the TAP queue overflows under a burst). */
uint64_t e2e_link_drops(const char *ns, const char *ifname);
/* Frames on @fd (a packet socket) that carry one of our datagrams behind the encap header. */
uint32_t e2e_count_encap(int fd, uint32_t want, unsigned int wait_ms);
/*
 * Each record of the pcap file @path to @fn (NULL: none): its bytes, its
 * captured and its original length. Return: the number of records.
 */
uint64_t e2e_pcap_each(const char *path,
		       void (*fn)(const unsigned char *data, uint32_t caplen, uint32_t len, void *arg),
		       void *arg);
/* Records in the pcap file @path. */
uint64_t e2e_pcap_count(const char *path);

/*
 * The live counters of netpool-fwd (pid @pid) from its statistics export,
 * read with netpool-stat @stat: of device @dev's queues, summed. Return:
 * false when there is no snapshot (yet).
 */
struct e2e_qstats {
	uint64_t rx_packets, rx_bad_desc, rx_nomem, tx_packets, tx_busy, tx_dropped;
};

bool e2e_fwd_qstats(const char *stat, pid_t pid, const char *dev, struct e2e_qstats *q);

/* ---- raw frames ---- */

/* Send one whole frame on a packet socket. Return: 0 or -errno (what the kernel refused). */
int e2e_raw_send(int fd, const void *frame, size_t len);

/*
 * Wait up to @poll_ms for one frame on packet socket @fd; frames this host
 * sent (PACKET_OUTGOING) are skipped when @outgoing is NULL, kept otherwise
 * (and *@outgoing says which it was). Return: its length, 0 when none came
 * in time (*@waited advanced), -1 on a failed receive.
 */
ssize_t e2e_recv_frame(int fd, unsigned char *buf, size_t len, int poll_ms, unsigned int *waited,
		       bool *outgoing);

/* The Internet checksum of @len bytes, @sum carried in; folded by e2e_csum_fold(). */
uint32_t e2e_csum_add(uint32_t sum, const unsigned char *p, size_t len);
uint16_t e2e_csum_fold(uint32_t sum);

static inline void e2e_put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/* Who a hand-built frame is from and to. */
struct e2e_flow {
	unsigned char dst[6], src[6];
	unsigned char sip[4], dip[4];
	uint16_t sport, dport;
};

/*
 * An Ethernet + IPv4 + UDP frame of @fl carrying @plen bytes of @payload,
 * with both checksums right (a receiving kernel checks them: these frames
 * arrive intact or not at all). Return: the frame's length.
 */
uint32_t e2e_frame_udp(unsigned char *f, const struct e2e_flow *fl, const unsigned char *payload,
		       uint32_t plen);

/* ---- every netpool-fwd mode between two hosts ---- */

struct e2e_topo {
	const char *driver;		/* netpool-fwd --driver */
	const char *ns_a, *ns_b, *ns_f;
	char if_a[IFNAMSIZ], if_b[IFNAMSIZ];	/* host sides, in A and B */
	char fwd_in[IFNAMSIZ], fwd_out[IFNAMSIZ];	/* the forwarder's, in F */
	char ip_a[32], ip_b[32];
	/* after the forwarder started (TAP: move its devices to the hosts); may be NULL */
	void (*started)(struct e2e_topo *t);
};

#define E2E_NSEND	1500u
#define E2E_PORT	5001

/*
 * netpool-fwd's tunnel where a test only looks at the encapsulated frames
 * (no peer endpoint): addresses nobody owns and a given next hop, so no ARP.
 */
#define E2E_VXLAN_ARGS	"--vxlan-local 192.0.2.1 --vxlan-remote 192.0.2.2 --vni 42 " \
			"--vxlan-dmac 02:00:00:00:00:0b"

/*
 * The forwarder's two links: veth pairs A-F and F-B (@if_a..@fwd_in,
 * @fwd_out..@if_b), IPv6 off on F's ends, which come up with MTUs
 * @mtu_in and @mtu_out (0: as they are). The test fails if ip does.
 */
void e2e_veths(struct e2e_topo *t, unsigned mtu_in, unsigned mtu_out);

/*
 * The names of a two-port topology, each with @tag and this process's pid:
 * namespaces <tag>a, <tag>b, <tag>f; host veths np<tag>a<pid> and
 * np<tag>b<pid>, the forwarder's np<tag>c<pid> and np<tag>d<pid>; the hosts
 * 10.@net.S.1 and .2 (S from the pid). Nothing is made but the namespaces.
 */
void e2e_topo_names(struct e2e_topo *t, char tag, unsigned int net);
/*
 * The hosts' ends: IPv6 off, fixed MACs, MTUs @mtu_a, @mtu_b (0: as they are),
 * up, addresses; static neighbours when @neigh (the modes that are no
 * bridge carry no ARP).
 */
void e2e_hosts_config(struct e2e_topo *t, unsigned mtu_a, unsigned mtu_b, bool neigh);
/* Addresses, fixed MACs and static neighbours on the host sides. */
void e2e_hosts_up(struct e2e_topo *t);
/*
 * The forwarder's TAP devices @fwd_in, @fwd_out (made in @ns_f when it
 * started) moved to the hosts, @ns_a and @ns_b. Return: false when they did
 * not appear within 5 s (nothing moved).
 */
bool e2e_taps_to_hosts(const char *ns_f, const char *fwd_in, const char *ns_a,
		       const char *fwd_out, const char *ns_b);

/*
 * netpool-fwd in F in every mode, UDP from A to B through it:
 *   fwd, capture  every datagram arrives intact (only drops the counters name
 *                 are allowed); capture's pcap file holds what it captured
 *                 (and tcpdump reads it when installed)
 *   encap         B's interface sees each datagram behind the 50-byte outer
 *                 header (with a packet socket: the frames are not for B's MAC)
 *   sockq, drop   the forwarder receives every datagram, none leaves
 * and netpool-fwd stops on SIGTERM with exit 0 (every buffer came back).
 * Return: 0, or 1 after printing what failed.
 */
int e2e_run_modes(struct e2e_topo *t, const char *tool);

#endif /* NETPOOL_TEST_E2E_H */
