/* SPDX-License-Identifier: MIT */
/*
 * A TAP port bridged to an AF_XDP port, end to end: host A on a TAP device
 * with the kernel's offloads, host B behind a veth whose other end is an
 * AF_XDP port (copy mode) of netpool-fwd in F: --in tap:... --out afxdp:...
 * --gro. From A come 64 KiB TSO and USO frames with partial checksums; AF_XDP
 * takes neither, so the forwarder cuts every one of them in software and
 * completes every checksum: B receives no frame longer than its MTU, and
 * B's kernel checks each (nstat: no checksum or header error; the TCP bytes
 * and UDP datagrams arrive intact), as does tshark on a capture of what B
 * received. From B come MTU-sized frames with complete checksums (its veth
 * computes them); GRO merges them and they reach A's TAP as GSO frames with
 * a seeded partial checksum, which A's kernel takes and a packet socket on
 * A checks. netpool-fwd stops with exit 0: every buffer came back. Skips
 * (77) when the kernel refuses AF_XDP.
 */
#include "e2e.h"
#include "e2e_flow.h"

#ifdef T_SANITIZED
#define TCP_BYTES	(8ull << 20)
#else
#define TCP_BYTES	(48ull << 20)
#endif

#define TSHARK_BAD                                                                         \
	"ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0 || " \
	"_ws.malformed || _ws.expert.severity == error"

/* tshark's verdict on the capture @pcap: frames with a bad IPv4/TCP/UDP checksum, and good ones. */
static bool tshark_check(const char *pcap, uint64_t *bad, uint64_t *good)
{
	char cmd[768], buf[64];
	FILE *p;

	if (e2e_sh_rc("command -v tshark >/dev/null 2>&1"))
		return false;
	for (int k = 0; k < 2; k++) {
		snprintf(cmd, sizeof(cmd),
			 "tshark -n -r %s -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE "
			 "-o udp.check_checksum:TRUE -Y '%s' 2>/dev/null | wc -l", pcap,
			 k ? "tcp.checksum.status == 1 || udp.checksum.status == 1" : TSHARK_BAD);
		p = popen(cmd, "r");
		if (!p || !fgets(buf, sizeof(buf), p)) {
			if (p)
				pclose(p);
			return false;
		}
		pclose(p);
		*(k ? good : bad) = strtoull(buf, NULL, 10);
	}
	return true;
}

/* The first bad frames of @pcap as tshark sees them (what it says of each), on stderr. */
static void tshark_show_bad(const char *pcap)
{
	char cmd[900];

	snprintf(cmd, sizeof(cmd),
		 "tshark -n -r %s -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE "
		 "-o udp.check_checksum:TRUE -Y '%s' -T fields -E separator=' ' "
		 "-e frame.number -e frame.len -e ip.len -e ip.id -e ip.proto -e tcp.seq -e tcp.len "
		 "-e tcp.flags -e udp.length -e _ws.expert.message 2>&1 | head -12 >&2",
		 pcap, TSHARK_BAD);
	if (e2e_sh_rc("%s", cmd))
		fprintf(stderr, "tshark could not show them\n");
}

int main(int argc, char **argv)
{
	static const uint32_t lens[] = { 18, 200, 1000, 1472 };
	struct e2e_topo t = { .driver = "tap+afxdp" };
	char tool[4096], log[128], pcap[128], args[512], line[8192], why[256], other[256];
	int pid = (int)getpid(), sub = pid % 200 + 20, src, rx, rc;
	struct e2e_wire wa, wb;
	struct e2e_tcp_result r;
	struct e2e_udp_result u;
	struct e2e_udp_gso_result g;
	uint64_t bad = 0, good = 0, segmented, segments;
	pid_t dump;

	(void)argc;
	setvbuf(stdout, NULL, _IONBF, 0);
	e2e_require();
	if (access("/dev/net/tun", R_OK | W_OK))
		SKIP("/dev/net/tun is not available");
	if (!netns_have_ethtool())
		SKIP("ethtool is not installed (needed to turn veth checksum offload off)");
	t_tool_path(argv[0], "netpool-fwd", tool, sizeof(tool));
	t.ns_a = e2e_ns_new("ya");
	t.ns_b = e2e_ns_new("yb");
	t.ns_f = e2e_ns_new("yf");
	snprintf(t.fwd_in, sizeof(t.fwd_in), "npya%d", pid);	/* the TAP, moved to A */
	memcpy(t.if_a, t.fwd_in, sizeof(t.if_a));
	snprintf(t.if_b, sizeof(t.if_b), "npyb%d", pid);
	snprintf(t.fwd_out, sizeof(t.fwd_out), "npyc%d", pid);	/* the AF_XDP port */
	snprintf(t.ip_a, sizeof(t.ip_a), "10.204.%d.1", sub);
	snprintf(t.ip_b, sizeof(t.ip_b), "10.204.%d.2", sub);
	snprintf(log, sizeof(log), "/tmp/netpool-e2e-tapxdp-%d.log", pid);
	snprintf(pcap, sizeof(pcap), "/tmp/netpool-e2e-tapxdp-%d.pcap", pid);

	CHECK_EQ(netns_veth(t.if_b, t.ns_b, t.fwd_out, t.ns_f, 0), 0);
	CHECK_EQ(netns_ipv6_off(t.ns_f, t.fwd_out), 0);
	CHECK_EQ(netns_link_up(t.ns_f, t.fwd_out, 0), 0);
	/* B's veth computes its checksums: AF_XDP carries no checksum state */
	CHECK_EQ(netns_offloads_off(t.ns_b, t.if_b), 0);

	snprintf(args, sizeof(args), "--in tap:%s --out afxdp:%s --mode fwd --gro --json", t.fwd_in,
		 t.fwd_out);
	e2e_tool_start(t.ns_f, tool, args, log);
	if (!e2e_tool_wait_ready(10000)) {
		if (e2e_sh_rc("grep -q 'cannot open afxdp' %s", log) == 0) {
			e2e_dump(log);
			SKIP("the kernel refuses AF_XDP here");
		}
		e2e_dump(log);
		SKIP("netpool-fwd did not start");
	}
	CHECK(netns_wait_link(t.ns_f, t.fwd_in, 5000));
	CHECK_EQ(netns_link_move(t.ns_f, t.fwd_in, t.ns_a), 0);
	e2e_hosts_up(&t);
	e2e_wire_start(&wa, t.ns_a, t.if_a, 1500);
	e2e_wire_start(&wb, t.ns_b, t.if_b, 1500);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "tcpdump -n -s 0 -c 6000 -U -Q in -i %s -w %s", t.if_b,
			 pcap);
		dump = e2e_spawn_in(t.ns_b, cmd, "/dev/null");
		t_sleep_ms(500);
	}

	/* A -> B: TSO frames cut here, every checksum completed; B checks them */
	r = e2e_tcp_run(t.ns_a, t.ns_b, t.ip_b, 5201, TCP_BYTES, 60000);
	printf("TCP A->B (TAP to AF_XDP): %" PRIu64 " bytes in %.2f s (%.2f Gbit/s)\n", r.received,
	       r.secs, (double)r.received * 8 / r.secs / 1e9);
	EXPECT(r.connected && r.received == TCP_BYTES && r.bad_at < 0,
	       "TCP A->B: %" PRIu64 " bytes, first bad at %" PRId64, r.received, r.bad_at);
	/* B -> A: MTU frames, merged by GRO, to A as GSO frames */
	r = e2e_tcp_run(t.ns_b, t.ns_a, t.ip_a, 5202, TCP_BYTES / 2, 60000);
	printf("TCP B->A (AF_XDP to TAP, GRO): %" PRIu64 " bytes in %.2f s (%.2f Gbit/s)\n",
	       r.received, r.secs, (double)r.received * 8 / r.secs / 1e9);
	EXPECT(r.connected && r.received == TCP_BYTES / 2 && r.bad_at < 0,
	       "TCP B->A: %" PRIu64 " bytes, first bad at %" PRId64, r.received, r.bad_at);

	/* UDP and UDP GSO A -> B: USO frames cut into their datagrams */
	rx = e2e_udp_bound(t.ns_b, t.ip_b, 5301);
	src = e2e_socket_in(t.ns_a, AF_INET, SOCK_DGRAM, 0);
	u = e2e_udp_run(src, rx, t.ip_b, 5301, 1000, lens, NP_ARRAY_SIZE(lens), 3000);
	g = e2e_udp_gso_run(src, rx, t.ip_b, 5301, 100, 1400, 20, 3000);
	printf("UDP: %u of %u; UDP GSO: %u of %u datagrams%s\n", u.received, u.sent, g.received,
	       g.sent_dgrams, g.refused ? " (no UDP_SEGMENT here)" : "");
	EXPECT(!u.corrupt && !u.dup && u.received > u.sent * 9 / 10, "UDP: %u of %u, %u corrupt",
	       u.received, u.sent, u.corrupt);
	EXPECT(g.refused || (!g.corrupt && !g.dup && g.received > g.sent_dgrams * 9 / 10),
	       "UDP GSO: %u of %u, %u corrupt, %u twice", g.received, g.sent_dgrams, g.corrupt,
	       g.dup);
	close(src);
	close(rx);

	EXPECT(!e2e_wire_stop(&wb), "B received a bad frame: %s", wb.first_bad);
	EXPECT(!e2e_wire_stop(&wa), "A received a bad frame: %s", wa.first_bad);
	printf("B received %" PRIu64 " frames (largest %" PRIu64 " bytes, %" PRIu64
	       " complete checksums); A received %" PRIu64 " frames, %" PRIu64
	       " GSO, %" PRIu64 " partial\n", wb.frames, wb.max_len, wb.complete, wa.frames, wa.gso,
	       wa.partial);
	EXPECT(wb.gso == 0 && wb.max_len <= 1514, "a frame longer than B's MTU reached B (%" PRIu64
	       " bytes)", wb.max_len);
	EXPECT(wb.complete > 0 && wb.partial == 0, "B: %" PRIu64 " partial checksums", wb.partial);
	EXPECT(wa.gso > 0 && wa.partial > 0, "GRO sent A no GSO frame");
	EXPECT(!e2e_nstat_errors(t.ns_b, why, sizeof(why)), "B's kernel counted errors: %s", why);
	EXPECT(!e2e_nstat_errors(t.ns_a, why, sizeof(why)), "A's kernel counted errors: %s", why);

	kill(dump, SIGINT);
	waitpid(dump, NULL, 0);
	netns_untrack_pid(dump);
	if (tshark_check(pcap, &bad, &good)) {
		printf("tshark: %" PRIu64 " frames with a good TCP/UDP checksum, %" PRIu64 " bad\n",
		       good, bad);
		EXPECT(bad == 0 && good > 0, "tshark: %" PRIu64 " bad, %" PRIu64 " good", bad, good);
		if (bad)
			tshark_show_bad(pcap);
	} else {
		printf("note: no tshark: the capture is not read\n");
	}
	unlink(pcap);

	rc = e2e_tool_stop();
	if (rc)
		e2e_dump(log);
	EXPECT(rc == 0, "netpool-fwd exited %d (3: buffers lost)", rc);
	CHECK(e2e_total_line(log, line, sizeof(line)));
	segmented = e2e_json_u64_or0(line, "gso_segmented");
	segments = e2e_json_u64_or0(line, "gso_segments");
	printf("forwarder: %" PRIu64 " GSO frames cut into %" PRIu64 " packets, %" PRIu64
	       " checksums completed, %" PRIu64 " packets merged by GRO\n", segmented, segments,
	       e2e_json_u64_or0(line, "csum_sw"), e2e_json_u64_or0(line, "gro_merged"));
	EXPECT(segmented > 0 && segments > segmented, "nothing was segmented: %s", line);
	EXPECT(!e2e_json_u64_or0(line, "gso_bad") && !e2e_json_u64_or0(line, "gso_nomem"),
	       "GSO failures: %s", line);
	EXPECT(e2e_json_u64_or0(line, "gro_merged") > 0, "GRO merged nothing: %s", line);
	e2e_json_drops(line, "NOT_SPECIFIED FULL_RING", other, sizeof(other));
	EXPECT(!other[0], "drops the test did not expect: %s", other);
	unlink(log);
	if (e2e_fails)
		return 1;
	printf("ok\n");
	return 0;
}
