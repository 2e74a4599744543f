/* SPDX-License-Identifier: MIT */
/*
 * Kernel traffic across a forwarder and what the kernels say of it
 * (tests/lib/e2e_flow.c; the end-to-end tests of offloads and GSO use it):
 * a TCP stream whose every byte the receiver checks; UDP GSO sends (one
 * sendmsg, many datagrams, UDP_SEGMENT) whose every datagram is checked;
 * the receiving host's error counters (nstat); and a packet socket on a
 * host's interface that parses every IPv4 frame the kernel received there,
 * as a receiving kernel or tshark would: IPv4 header checksum and total
 * length, the TCP/UDP checksum (complete), or the pseudo header seeded for
 * a checksum the kernel left partial (TP_STATUS_CSUMNOTREADY).
 */
#ifndef NETPOOL_TEST_E2E_FLOW_H
#define NETPOOL_TEST_E2E_FLOW_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct e2e_tcp_result {
	uint64_t sent, received;
	int64_t bad_at;		/* the first byte that differed, -1: none */
	double secs;
	bool connected;
};

/*
 * Connect from namespace @ns_src to @dst_ip:@port (listening in @ns_dst),
 * send @bytes of a pattern of their offsets, receive and check every byte;
 * give up after @timeout_ms. Both ends in this thread, non-blocking.
 */
struct e2e_tcp_result e2e_tcp_run(const char *ns_src, const char *ns_dst, const char *dst_ip,
				  uint16_t port, uint64_t bytes, unsigned int timeout_ms);

struct e2e_udp_gso_result {
	uint32_t sends, sent_dgrams, received, corrupt, dup;
	bool refused;		/* the kernel has no UDP_SEGMENT */
};

/*
 * @nsend sends of @nseg datagrams of @seg bytes each (one sendto with
 * UDP_SEGMENT @seg) from @src to @dst_ip:@port, received on @rx, each
 * datagram e2e_payload() of its own index; stragglers waited for @wait_ms.
 */
struct e2e_udp_gso_result e2e_udp_gso_run(int src, int rx, const char *dst_ip, uint16_t port,
					  uint32_t nsend, uint16_t seg, uint32_t nseg,
					  unsigned int wait_ms);

/* The receiving host's counter @name in namespace @ns (nstat -az), 0 when absent. */
uint64_t e2e_nstat(const char *ns, const char *name);
/*
 * The error counters of a host that parses what it receives (IpInHdrErrors,
 * IpExtInCsumErrors, TcpInCsumErrors, UdpInCsumErrors): their sum; the
 * non-zero ones named in @why.
 */
uint64_t e2e_nstat_errors(const char *ns, char *why, size_t len);

/* A packet socket's view of the frames a host receives on one interface. */
struct e2e_wire {
	int fd;
	pthread_t thread;
	_Atomic bool stop;
	uint8_t *buf;
	uint32_t mtu;			/* frames past mtu + 14 are counted as GSO */
	/* filled by the thread; read after e2e_wire_stop() */
	uint64_t frames, ipv4, gso, partial, complete, max_len;
	uint64_t bad_ip_csum, bad_len, bad_l4_csum, bad_seed;
	char first_bad[160];
};

/* Start checking what @ifname in @ns receives (the test fails if it cannot). */
void e2e_wire_start(struct e2e_wire *w, const char *ns, const char *ifname, uint32_t mtu);
/* Stop; then the counters hold. Return: the number of bad frames. */
uint64_t e2e_wire_stop(struct e2e_wire *w);

#endif /* NETPOOL_TEST_E2E_FLOW_H */
