/* SPDX-License-Identifier: MIT */
/*
 * End to end over TAP: a kernel UDP sender in namespace A -> TAP -> netpool-fwd
 * (in namespace F, every mode) -> TAP -> kernel receiver in namespace B.
 * netpool-fwd creates both TAP devices in F; the test moves one into A and
 * one into B while the forwarder keeps their descriptors.
 *
 *   fwd, capture  every datagram arrives intact (only drops the counters name
 *                 are allowed); capture's pcap file holds what it captured
 *                 (and tcpdump reads it when installed)
 *   encap         what arrives on B's TAP is each datagram behind a 50-byte
 *                 outer header (seen with a packet socket: the kernel drops
 *                 such frames, they are not for its MAC)
 *   sockq, drop   every datagram is received by the forwarder, none leaves
 * In every mode netpool-fwd must stop cleanly on SIGTERM with exit 0: every
 * buffer came back.
 */
#include <inttypes.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include "e2e.h"

#define NSEND	1500u
#define UDP_PORT 5001

static const uint32_t lens[] = { 18, 100, 512, 1000, 1400, 1472 };

/* Kernel-counted drops on an interface (the TAP queue overflows under a burst). */
static uint64_t link_drops(const char *ns, const char *ifname)
{
	char path[256], cmd[512];
	uint64_t rx = 0, tx = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "ip netns exec %s cat /sys/class/net/%s/statistics/rx_dropped "
		 "/sys/class/net/%s/statistics/tx_dropped 2>/dev/null",
		 ns, ifname, ifname);
	(void)path;
	p = popen(cmd, "r");
	if (!p)
		return 0;
	if (fscanf(p, "%" SCNu64 " %" SCNu64, &rx, &tx) != 2)
		rx = tx = 0;
	pclose(p);
	return rx + tx;
}

/* Frames on @fd (a packet socket) that carry one of our datagrams behind the encap header. */
static uint32_t count_encap(int fd, uint32_t want, unsigned int wait_ms)
{
	static unsigned char buf[65536];
	uint32_t n = 0;

	for (unsigned int waited = 0; waited < wait_ms && n < want;) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		ssize_t got;
		uint32_t idx;

		if (poll(&pf, 1, 50) <= 0) {
			waited += 50;
			continue;
		}
		got = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		/* outer: Ethernet, IPv4, UDP to 4789, VXLAN; inner: Ethernet, IPv4, UDP, payload */
		if (got < 50 + 42 + 4 || buf[12] != 0x08 || buf[13] != 0x00 || buf[23] != 17 ||
		    buf[36] != 0x12 || buf[37] != 0xb5)
			continue;
		if (e2e_payload_ok(buf + 92, (uint32_t)got - 92, &idx))
			n++;
	}
	return n;
}

static uint64_t pcap_count(const char *path)
{
	uint32_t hdr[6], rec[4];
	static unsigned char buf[70000];
	uint64_t n = 0;
	FILE *f = fopen(path, "rb");

	CHECK(f);
	CHECK_EQ(fread(hdr, sizeof(hdr), 1, f), 1);
	CHECK_EQ(hdr[0], 0xa1b2c3d4u);
	while (fread(rec, sizeof(rec), 1, f) == 1) {
		CHECK(rec[2] <= sizeof(buf));
		CHECK_EQ(fread(buf, 1, rec[2], f), rec[2]);
		n++;
	}
	fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	static const char *const modes[] = { "fwd", "capture", "encap", "sockq", "drop" };
	char tool[4096], log[128], pcap[128], args[1024], line[8192];
	char tap_a[IFNAMSIZ], tap_b[IFNAMSIZ], ip_a[32], ip_b[32];
	const char *ns_a, *ns_b, *ns_f;
	int sub = (int)(getpid() % 200) + 20;

	(void)argc;
	e2e_require();
	if (access("/dev/net/tun", R_OK | W_OK))
		SKIP("/dev/net/tun is not available");
	e2e_tool_path(argv[0], "netpool-fwd", tool, sizeof(tool));
	ns_a = e2e_ns_new("ta");
	ns_b = e2e_ns_new("tb");
	ns_f = e2e_ns_new("tf");
	snprintf(tap_a, sizeof(tap_a), "npta%d", (int)getpid());
	snprintf(tap_b, sizeof(tap_b), "nptb%d", (int)getpid());
	snprintf(ip_a, sizeof(ip_a), "10.201.%d.1", sub);
	snprintf(ip_b, sizeof(ip_b), "10.201.%d.2", sub);
	snprintf(log, sizeof(log), "/tmp/netpool-e2e-tap-%d.log", (int)getpid());
	snprintf(pcap, sizeof(pcap), "/tmp/netpool-e2e-tap-%d.pcap", (int)getpid());

	for (unsigned int m = 0; m < NP_ARRAY_SIZE(modes); m++) {
		const char *mode = modes[m];
		bool bridge = !strcmp(mode, "fwd") || !strcmp(mode, "capture");
		bool encap = !strcmp(mode, "encap");
		struct e2e_udp_result r;
		uint64_t drops, tool_drops;
		const char *tot;
		int src, rx, pkt = -1, rc;

		snprintf(args, sizeof(args), "--driver tap --in %s --out %s --mode %s --json %s %s",
			 tap_a, tap_b, mode, !strcmp(mode, "capture") ? "--pcap" : "",
			 !strcmp(mode, "capture") ? pcap : "");
		e2e_tool_start(ns_f, tool, args, log);
		if (!e2e_wait_link(ns_f, tap_a, 5000) || !e2e_wait_link(ns_f, tap_b, 5000)) {
			e2e_dump(log);
			if (!e2e_tool_alive())
				SKIP("netpool-fwd could not create TAP devices here");
			CHECK(0);
		}
		e2e_sh("ip -n %s link set %s netns %s", ns_f, tap_a, ns_a);
		e2e_sh("ip -n %s link set %s netns %s", ns_f, tap_b, ns_b);
		e2e_sh("ip -n %s link set %s address 02:00:00:aa:00:01 up", ns_a, tap_a);
		e2e_sh("ip -n %s link set %s address 02:00:00:bb:00:02 up", ns_b, tap_b);
		e2e_sh("ip -n %s addr add %s/24 dev %s", ns_a, ip_a, tap_a);
		e2e_sh("ip -n %s addr add %s/24 dev %s", ns_b, ip_b, tap_b);
		/* static neighbours: the modes that are no bridge carry no ARP */
		e2e_sh("ip -n %s neigh replace %s lladdr 02:00:00:bb:00:02 dev %s", ns_a, ip_b, tap_a);
		e2e_sh("ip -n %s neigh replace %s lladdr 02:00:00:aa:00:01 dev %s", ns_b, ip_a, tap_b);

		src = e2e_udp_bound(ns_a, ip_a, 0);
		rx = e2e_udp_bound(ns_b, ip_b, UDP_PORT);
		if (encap) {
			struct sockaddr_ll sll = { .sll_family = AF_PACKET,
						   .sll_protocol = htons(ETH_P_ALL) };
			int big = 8 << 20;

			pkt = e2e_socket_in(ns_b, AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
			setsockopt(pkt, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
			{
				char path[128];
				int self = open("/proc/self/ns/net", O_RDONLY), target;

				snprintf(path, sizeof(path), "/var/run/netns/%s", ns_b);
				target = open(path, O_RDONLY);
				CHECK_EQ(setns(target, CLONE_NEWNET), 0);
				sll.sll_ifindex = (int)if_nametoindex(tap_b);
				CHECK_EQ(setns(self, CLONE_NEWNET), 0);
				close(self);
				close(target);
			}
			CHECK(sll.sll_ifindex > 0);
			CHECK_EQ(bind(pkt, (struct sockaddr *)&sll, sizeof(sll)), 0);
		}
		r = e2e_udp_run(src, rx, ip_b, UDP_PORT, NSEND, lens, NP_ARRAY_SIZE(lens),
				bridge ? 2000 : 300);
		CHECK_EQ(r.sent, NSEND);
		CHECK_EQ(r.corrupt, 0);
		CHECK_EQ(r.dup, 0);
		drops = link_drops(ns_a, tap_a) + link_drops(ns_b, tap_b);
		if (bridge) {
			if (r.received + drops < r.sent) {
				fprintf(stderr, "%s: sent %u received %u, kernel drops %llu\n", mode,
					r.sent, r.received, (unsigned long long)drops);
				e2e_dump(log);
				return 1;
			}
		} else {
			CHECK_EQ(r.received, 0);
		}
		if (encap) {
			uint32_t seen = count_encap(pkt, r.sent, 2000);

			if (seen + drops < r.sent) {
				fprintf(stderr, "encap: %u of %u seen behind the outer header\n", seen,
					r.sent);
				return 1;
			}
			close(pkt);
		}
		close(src);
		close(rx);
		t_sleep_ms(100);
		rc = e2e_tool_stop();
		tot = e2e_total_line(log, line, sizeof(line));
		if (rc != 0 || !tot) {
			fprintf(stderr, "%s: netpool-fwd exit %d\n", mode, rc);
			e2e_dump(log);
			return 1;
		}
		tool_drops = e2e_json_u64(tot, "rx_nomem") + e2e_json_u64(tot, "tx_busy");
		/* every datagram reached the forwarder (the kernel may add ARP/ND of its own) */
		CHECK(e2e_json_u64(tot, "rx_packets") + drops + tool_drops >= NSEND);
		CHECK_EQ(e2e_json_u64(tot, "rx_bad_desc"), 0);
		if (!strcmp(mode, "capture")) {
			uint64_t cap = e2e_json_u64(tot, "captured");

			CHECK(cap >= r.received);
			CHECK_EQ(pcap_count(pcap), cap);
			if (!access("/usr/bin/tcpdump", X_OK) || !access("/usr/sbin/tcpdump", X_OK))
				CHECK_EQ(e2e_sh_rc("tcpdump -nn -r %s 2>/dev/null | grep -c 'UDP' "
						   ">/dev/null",
						   pcap),
					 0);
			unlink(pcap);
		}
		printf("%-8s sent %u received %u (kernel drops %llu), forwarder rx %llu\n", mode,
		       r.sent, r.received, (unsigned long long)drops,
		       (unsigned long long)e2e_json_u64(tot, "rx_packets"));
		/* the TAP devices went with the forwarder's descriptors */
		CHECK(!e2e_wait_link(ns_a, tap_a, 50));
	}
	unlink(log);
	return 0;
}
