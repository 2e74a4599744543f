/* SPDX-License-Identifier: MIT */
/*
 * AF_XDP at MTU 9000, end to end: kernel hosts in namespaces A and B (veths
 * with MTU 9000, TX checksum offload off: frames carry their checksums),
 * netpool-fwd --mode fwd between two AF_XDP ports in F. Jumbo frames arrive
 * as chains of UMEM frames (multi-buffer) and leave as chains; the two
 * ports share one UMEM, so nothing is copied by netpool. Checked:
 *   - UDP datagrams of 18 to 8972 bytes from A to B arrive, every byte
 *     intact (e2e_payload); TCP both ways, every byte checked by the
 *     receiver (e2e_tcp_run), the receiving hosts count no checksum or
 *     header error (nstat);
 *   - the totals: frames received as chains and sent as chains, no copy
 *     (afxdp_tx_copied 0, afxdp_tx_zerocopy = tx_packets), one shared
 *     UMEM, no refused descriptor, and exit 0: every buffer came back.
 * Then with --no-shared-umem the same UDP runs through copies (the
 * counters tell them apart). Last, A's TX checksum offload back on and
 * --mode sockq: netpool-fwd warns once at start naming A's interface and
 * the command that turns it off, and counts A's UDP datagrams as received
 * with a bad checksum (they arrive partial). Skips (77) when the kernel
 * refuses AF_XDP.
 */
#include "e2e.h"
#include "e2e_flow.h"

#ifdef T_SANITIZED
#define TCP_BYTES	(4ull << 20)
#else
#define TCP_BYTES	(32ull << 20)
#endif
#define MTU		9000u

/* netpool-fwd between the two AF_XDP ports with @extra; its log in @log. Return: started. */
static bool fwd_start(struct e2e_topo *t, const char *tool, const char *extra, const char *log)
{
	char args[512];

	snprintf(args, sizeof(args), "--driver afxdp --in %s --out %s --mode fwd --json %s",
		 t->fwd_in, t->fwd_out, extra);
	e2e_tool_start(t->ns_f, tool, args, log);
	if (e2e_tool_wait_ready(5000))
		return true;
	if (!e2e_tool_alive() && e2e_sh_rc("grep -q 'cannot open afxdp\\|refused\\|no AF_XDP' %s",
					   log) == 0) {
		char why[512] = "";
		FILE *f = fopen(log, "r");

		if (f) {
			if (!fgets(why, sizeof(why), f))
				why[0] = '\0';
			fclose(f);
		}
		unlink(log);
		SKIP("the kernel refuses AF_XDP here: %s", why);
	}
	e2e_dump(log);
	return false;
}

/* UDP of every length up to a jumbo frame, A to B: every datagram intact. */
static void udp_check(struct e2e_topo *t, int src, int rx, uint32_t n, const char *what)
{
	static const uint32_t lens[] = { 18, 1472, 3000, 3521, 4000, 7040, 8972 };
	struct e2e_udp_result u = e2e_udp_run(src, rx, t->ip_b, E2E_PORT, n, lens,
					      NP_ARRAY_SIZE(lens), 2000);

	printf("%s: UDP %u sent, %u received, %u corrupt, %u duplicated\n", what, u.sent,
	       u.received, u.corrupt, u.dup);
	EXPECT(u.received == u.sent && !u.corrupt && !u.dup, "%s: UDP lost or damaged", what);
}

/* The ifindex of @ifname in namespace @ns, or -1. */
static int ifindex_in(const char *ns, const char *ifname)
{
	char cmd[200], buf[32];
	FILE *p;
	int v = -1;

	snprintf(cmd, sizeof(cmd), "ip netns exec %s cat /sys/class/net/%s/ifindex 2>/dev/null",
		 ns, ifname);
	p = popen(cmd, "r");
	if (p && fgets(buf, sizeof(buf), p))
		v = atoi(buf);
	if (p)
		pclose(p);
	return v;
}

/*
 * A decoy: a veth pair across two other namespaces with the same two indexes
 * as A's veth and F's port (indexes repeat across namespaces; in fresh ones
 * both ends are often 2), its checksum offload on. The peer is the one the
 * kernel names (IFLA_LINK_NETNSID), never such a look-alike. Return:
 * whether it was made.
 */
static bool decoy_make(const struct e2e_topo *t)
{
	int peer = ifindex_in(t->ns_a, t->if_a), self = ifindex_in(t->ns_f, t->fwd_in);
	const char *x = e2e_ns_new("jx"), *y = e2e_ns_new("jy");

	return peer > 1 && self > 1 &&
	       netns_ip_try(x, "link add name npjx%d index %d type veth peer name npjy%d netns %s "
			    "index %d", (int)getpid(), peer, (int)getpid(), y, self) == 0;
}

int main(int argc, char **argv)
{
	struct e2e_topo t = { .driver = "afxdp" };
	char tool[4096], log[128], line[8192], why[256];
	int pid = (int)getpid(), src, rx, rc;
	struct e2e_tcp_result r;
	uint64_t tx, zc;

	(void)argc;
	setvbuf(stdout, NULL, _IONBF, 0);
	e2e_require();
	if (!netns_have_ethtool())
		SKIP("ethtool is not installed (needed to turn veth checksum offload off)");
	t_tool_path(argv[0], "netpool-fwd", tool, sizeof(tool));
	e2e_topo_names(&t, 'j', 203);
	e2e_veths(&t, MTU, MTU);
	CHECK_EQ(netns_offloads_off(t.ns_a, t.if_a), 0);
	CHECK_EQ(netns_offloads_off(t.ns_b, t.if_b), 0);
	e2e_hosts_config(&t, MTU, MTU, true);
	snprintf(log, sizeof(log), "/tmp/netpool-e2e-jumbo-%d.log", pid);

	/* one UMEM for both ports: chains in, chains out, in place */
	if (!fwd_start(&t, tool, "", log))
		return 1;
	EXPECT(e2e_sh_rc("grep -q 'TX checksum offload' %s", log) != 0,
	       "a warning about checksum offload that is off");
	src = e2e_socket_in(t.ns_a, AF_INET, SOCK_DGRAM, 0);
	rx = e2e_udp_bound(t.ns_b, t.ip_b, E2E_PORT);
	udp_check(&t, src, rx, 700, "shared UMEM");
	r = e2e_tcp_run(t.ns_a, t.ns_b, t.ip_b, 5201, TCP_BYTES, 30000);
	printf("TCP A->B: %llu of %llu bytes in %.2f s (%.2f Gbit/s)\n",
	       (unsigned long long)r.received, (unsigned long long)r.sent, r.secs,
	       r.secs > 0 ? (double)r.received * 8 / r.secs / 1e9 : 0.0);
	EXPECT(r.connected && r.received == TCP_BYTES && r.bad_at < 0,
	       "TCP A->B: connected %d, %llu bytes, first bad byte %lld", r.connected,
	       (unsigned long long)r.received, (long long)r.bad_at);
	r = e2e_tcp_run(t.ns_b, t.ns_a, t.ip_a, 5202, TCP_BYTES / 4, 30000);
	EXPECT(r.connected && r.received == TCP_BYTES / 4 && r.bad_at < 0,
	       "TCP B->A: connected %d, %llu bytes, first bad byte %lld", r.connected,
	       (unsigned long long)r.received, (long long)r.bad_at);
	EXPECT(!e2e_nstat_errors(t.ns_b, why, sizeof(why)), "B's kernel counted errors: %s", why);
	EXPECT(!e2e_nstat_errors(t.ns_a, why, sizeof(why)), "A's kernel counted errors: %s", why);
	rc = e2e_tool_stop();
	EXPECT(rc == 0, "netpool-fwd exited %d (3: buffers lost)", rc);
	if (!e2e_total_line(log, line, sizeof(line))) {
		e2e_dump(log);
		return 1;
	}
	tx = e2e_json_u64_or0(line, "tx_packets");
	zc = e2e_json_u64_or0(line, "afxdp_tx_zerocopy");
	printf("totals: rx %llu, tx %llu, in place %llu, copied %llu, chains in %llu out %llu\n",
	       (unsigned long long)e2e_json_u64_or0(line, "rx_packets"),
	       (unsigned long long)tx, (unsigned long long)zc,
	       (unsigned long long)e2e_json_u64_or0(line, "afxdp_tx_copied"),
	       (unsigned long long)e2e_json_u64_or0(line, "afxdp_rx_multibuf"),
	       (unsigned long long)e2e_json_u64_or0(line, "afxdp_tx_multibuf"));
	EXPECT(strstr(line, "\"afxdp_shared_umem\": true"), "the ports do not share their UMEM");
	EXPECT(strstr(line, "\"afxdp_multibuf\": true"), "not bound for multi-buffer");
	EXPECT(e2e_json_u64_or0(line, "afxdp_tx_copied") == 0, "netpool copied frames");
	EXPECT(tx > 0 && zc >= tx, "in place %llu of %llu sent", (unsigned long long)zc,
	       (unsigned long long)tx);
	EXPECT(e2e_json_u64_or0(line, "afxdp_rx_multibuf") >= 300,
	       "jumbo frames did not come as chains");
	EXPECT(e2e_json_u64_or0(line, "afxdp_tx_multibuf") >= 300,
	       "jumbo frames did not leave as chains");
	EXPECT(!e2e_json_u64_or0(line, "afxdp_rx_invalid") &&
	       !e2e_json_u64_or0(line, "rx_bad_desc"), "refused descriptors");
	EXPECT(!e2e_json_u64_or0(line, "inflight"), "buffers still out");

	/* a UMEM per port: the same traffic, through copies */
	if (!fwd_start(&t, tool, "--no-shared-umem", log))
		return 1;
	udp_check(&t, src, rx, 200, "a UMEM per port");
	rc = e2e_tool_stop();
	EXPECT(rc == 0, "netpool-fwd --no-shared-umem exited %d", rc);
	if (e2e_total_line(log, line, sizeof(line))) {
		EXPECT(strstr(line, "\"afxdp_shared_umem\": false"), "--no-shared-umem shared");
		EXPECT(e2e_json_u64_or0(line, "afxdp_tx_copied") > 0,
		       "no copies counted across two UMEMs");
	}
	/* the host's checksum offload on again: warned at start, bad checksums counted */
	CHECK_EQ(e2e_sh_rc("ip netns exec %s ethtool -K %s tx on >/dev/null 2>&1", t.ns_a, t.if_a),
		 0);
	if (!decoy_make(&t))
		printf("note: no decoy veth pair with the same indexes could be made\n");
	{
		char args[512], want[160];
		unsigned char payload[512];
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(E2E_PORT) };

		inet_pton(AF_INET, t.ip_b, &to.sin_addr);
		snprintf(args, sizeof(args), "--driver afxdp --in %s --out %s --mode sockq --json",
			 t.fwd_in, t.fwd_out);
		e2e_tool_start(t.ns_f, tool, args, log);
		EXPECT(e2e_tool_wait_ready(5000), "no start in sockq mode");
		for (uint32_t i = 0; i < 50; i++) {
			e2e_payload(payload, sizeof(payload), i);
			sendto(src, payload, sizeof(payload), 0, (struct sockaddr *)&to, sizeof(to));
			t_sleep_ms(2);
		}
		t_sleep_ms(300);
		rc = e2e_tool_stop();
		EXPECT(rc == 0, "netpool-fwd --mode sockq exited %d", rc);
		snprintf(want, sizeof(want), "ip netns exec %s ethtool -K %s tx off", t.ns_a, t.if_a);
		EXPECT(e2e_sh_rc("grep -q 'has TX checksum offload on' %s && grep -qF '%s' %s", log,
				 want, log) == 0, "no warning naming '%s'", want);
		EXPECT(e2e_sh_rc("[ $(grep -c 'TX checksum offload' %s) = 1 ]", log) == 0,
		       "the warning is not said once");
		if (e2e_total_line(log, line, sizeof(line))) {
			printf("sockq with A's offload on: %llu TCP/UDP frames checked, %llu bad\n",
			       (unsigned long long)e2e_json_u64_or0(line, "rx_csum_checked"),
			       (unsigned long long)e2e_json_u64_or0(line, "rx_csum_bad"));
			EXPECT(e2e_json_u64_or0(line, "rx_csum_bad") >= 45,
			       "A's partial checksums were not counted as bad");
		}
	}
	close(src);
	close(rx);
	if (e2e_fails) {
		e2e_dump(log);
		return 1;
	}
	unlink(log);
	printf("PASS\n");
	return 0;
}
