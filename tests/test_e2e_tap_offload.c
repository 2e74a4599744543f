/* SPDX-License-Identifier: MIT */
/*
 * End to end over TAP with the kernel's offloads (the default): kernel hosts
 * in namespaces A and B, netpool-fwd in F bridging two TAP devices it made
 * (moved to the hosts while it keeps their descriptors). TCP both ways,
 * UDP datagrams (IP fragments among them) and UDP GSO sends (one sendmsg,
 * twenty datagrams) from A to B: every byte and every datagram checked by
 * its receiver. What the hosts receive is parsed on their interfaces (a
 * packet socket: IPv4 header checksum and length, the L4 checksum, or the
 * pseudo header seeded where the kernel left it partial), and their error
 * counters stay 0 (nstat). The TSO and USO frames cross whole: B sees frames
 * longer than its MTU, and the forwarder cut nothing in software. Then bad
 * virtio-net headers end to end: a packet socket on A sends frames whose
 * header the kernel takes but the forwarder cannot (a checksum field past
 * its head buffer); each is dropped and counted (rx_bad_desc) while good
 * ones with a right header pass. netpool-fwd stops with exit 0: every
 * buffer came back.
 */
#include <linux/virtio_net.h>
#include "e2e.h"
#include "e2e_flow.h"

#ifdef T_SANITIZED
#define TCP_BYTES	(8ull << 20)
#else
#define TCP_BYTES	(64ull << 20)
#endif
#define NBAD		7u
#define NGOOD		5u

static void tap_started(struct e2e_topo *t)
{
	if (!e2e_taps_to_hosts(t->ns_f, t->fwd_in, t->ns_a, t->fwd_out, t->ns_b)) {
		if (!e2e_tool_alive())
			SKIP("netpool-fwd could not create TAP devices here");
		CHECK(0);
	}
	e2e_hosts_up(t);
}

/*
 * From a packet socket on A's interface, frames of UDP datagrams to B with
 * a virtio-net header: @nbad whose checksum starts 4000 bytes in (the
 * kernel takes that, the forwarder's head buffer ends before), then @ngood
 * with the header a UDP sender's kernel would give them.
 */
static void inject(struct e2e_topo *t, int rx, uint32_t nbad, uint32_t ngood)
{
	static unsigned char pkt[sizeof(struct virtio_net_hdr) + 9000], buf[9000];
	struct e2e_flow fl = { .dst = { 2, 0, 0, 0xbb, 0, 2 }, .src = { 2, 0, 0, 0xaa, 0, 1 },
			       .sport = 40000, .dport = 5302 };
	struct virtio_net_hdr h = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 4000,
				    .csum_offset = 6 };
	int one = 1, got = 0, ifx, self, fd;
	uint32_t len, idx;

	inet_pton(AF_INET, t->ip_a, fl.sip);
	inet_pton(AF_INET, t->ip_b, fl.dip);
	CHECK_EQ(netns_ip(t->ns_a, "link set %s mtu 9000", t->if_a), 0);
	self = netns_enter(t->ns_a);
	CHECK(self >= 0);
	ifx = (int)if_nametoindex(t->if_a);
	CHECK_EQ(netns_leave(self), 0);
	fd = netns_packet_open(&(struct netns_packet){ .ns = t->ns_a, .ifindex = ifx });
	CHECK(fd >= 0);
	CHECK_EQ(setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)), 0);
	for (uint32_t i = 0; i < nbad + ngood; i++) {
		e2e_payload(buf, 6000, 1000 + i);
		len = e2e_frame_udp(pkt + sizeof(h), &fl, buf, 6000);
		if (i >= nbad) {
			/* a right header: the checksum left to the kernel, at UDP's offset */
			unsigned char *f = pkt + sizeof(h);
			uint32_t sum = e2e_csum_add(0, f + 26, 8) + 17 + (len - 34);

			h.csum_start = 34;
			h.hdr_len = 42;
			e2e_put16(f + 40, (uint16_t)~e2e_csum_fold(sum));	/* the seed */
		}
		memcpy(pkt, &h, sizeof(h));
		CHECK_EQ(e2e_raw_send(fd, pkt, sizeof(h) + len), 0);
	}
	close(fd);
	for (unsigned int waited = 0; waited < 3000 && got < (int)ngood;) {
		ssize_t n = e2e_recv_one(rx, buf, sizeof(buf), 50, &waited);

		if (n == 6000 && e2e_payload_ok(buf, 6000, &idx) && idx >= 1000 + nbad)
			got++;
		else if (n > 0)
			EXPECT(0, "a datagram that should not have come: %zd bytes", n);
	}
	EXPECT(got == (int)ngood, "%d of %u good injected datagrams arrived", got, ngood);
	CHECK_EQ(netns_ip(t->ns_a, "link set %s mtu 1500", t->if_a), 0);
}

int main(int argc, char **argv)
{
	static const uint32_t lens[] = { 18, 100, 512, 1000, 1472, 3000, 8000 };
	struct e2e_topo t = { .driver = "tap", .started = tap_started };
	char tool[4096], log[128], args[512], line[8192], why[256], other[256];
	int sub = (int)(getpid() % 200) + 20, src, rx, rc;
	struct e2e_wire wa, wb;
	struct e2e_tcp_result r;
	struct e2e_udp_result u;
	struct e2e_udp_gso_result g;
	uint64_t drops_a, drops_b;

	(void)argc;
	setvbuf(stdout, NULL, _IONBF, 0);
	e2e_require();
	if (access("/dev/net/tun", R_OK | W_OK))
		SKIP("/dev/net/tun is not available");
	t_tool_path(argv[0], "netpool-fwd", tool, sizeof(tool));
	t.ns_a = e2e_ns_new("oa");
	t.ns_b = e2e_ns_new("ob");
	t.ns_f = e2e_ns_new("of");
	snprintf(t.fwd_in, sizeof(t.fwd_in), "npoa%d", (int)getpid());
	snprintf(t.fwd_out, sizeof(t.fwd_out), "npob%d", (int)getpid());
	memcpy(t.if_a, t.fwd_in, sizeof(t.if_a));
	memcpy(t.if_b, t.fwd_out, sizeof(t.if_b));
	snprintf(t.ip_a, sizeof(t.ip_a), "10.203.%d.1", sub);
	snprintf(t.ip_b, sizeof(t.ip_b), "10.203.%d.2", sub);
	snprintf(log, sizeof(log), "/tmp/netpool-e2e-tapoff-%d.log", (int)getpid());

	snprintf(args, sizeof(args), "--driver tap --in %s --out %s --mode fwd --json", t.fwd_in,
		 t.fwd_out);
	e2e_tool_start(t.ns_f, tool, args, log);
	if (!e2e_tool_wait_ready(10000)) {
		e2e_dump(log);
		SKIP("netpool-fwd did not start over TAP here");
	}
	t.started(&t);
	e2e_wire_start(&wa, t.ns_a, t.if_a, 1500);
	e2e_wire_start(&wb, t.ns_b, t.if_b, 1500);

	/* TCP, both ways: the kernels send 64 KiB TSO frames, the forwarder passes them whole */
	r = e2e_tcp_run(t.ns_a, t.ns_b, t.ip_b, 5201, TCP_BYTES, 60000);
	printf("TCP A->B: %" PRIu64 " of %llu bytes in %.2f s (%.2f Gbit/s)\n", r.received,
	       TCP_BYTES, r.secs, (double)r.received * 8 / r.secs / 1e9);
	EXPECT(r.connected && r.received == TCP_BYTES && r.bad_at < 0,
	       "TCP A->B: %" PRIu64 " bytes, first bad at %" PRId64, r.received, r.bad_at);
	r = e2e_tcp_run(t.ns_b, t.ns_a, t.ip_a, 5202, TCP_BYTES / 4, 60000);
	EXPECT(r.connected && r.received == TCP_BYTES / 4 && r.bad_at < 0,
	       "TCP B->A: %" PRIu64 " bytes, first bad at %" PRId64, r.received, r.bad_at);

	/* UDP datagrams, IP fragments among them, and UDP GSO sends */
	rx = e2e_udp_bound(t.ns_b, t.ip_b, 5301);
	src = e2e_socket_in(t.ns_a, AF_INET, SOCK_DGRAM, 0);
	drops_a = e2e_link_drops(t.ns_a, t.if_a) + e2e_link_drops(t.ns_b, t.if_b);
	u = e2e_udp_run(src, rx, t.ip_b, 5301, 2000, lens, NP_ARRAY_SIZE(lens), 3000);
	g = e2e_udp_gso_run(src, rx, t.ip_b, 5301, 200, 1400, 20, 3000);
	drops_b = e2e_link_drops(t.ns_a, t.if_a) + e2e_link_drops(t.ns_b, t.if_b) - drops_a;
	printf("UDP: sent %u received %u; UDP GSO: %u sends, %u of %u datagrams%s; "
	       "kernel drops %" PRIu64 "\n", u.sent, u.received, g.sends, g.received, g.sent_dgrams,
	       g.refused ? " (no UDP_SEGMENT here)" : "", drops_b);
	EXPECT(!u.corrupt && !u.dup && u.received + drops_b >= u.sent && u.received > u.sent * 9 / 10,
	       "UDP: %u of %u received, %u corrupt, %u twice", u.received, u.sent, u.corrupt, u.dup);
	EXPECT(g.refused || (!g.corrupt && !g.dup && g.received + drops_b >= g.sent_dgrams &&
			     g.received > g.sent_dgrams * 9 / 10),
	       "UDP GSO: %u of %u datagrams, %u corrupt, %u twice", g.received, g.sent_dgrams,
	       g.corrupt, g.dup);

	/* bad virtio-net headers, end to end */
	inject(&t, e2e_udp_bound(t.ns_b, t.ip_b, 5302), NBAD, NGOOD);
	close(src);
	close(rx);

	/* what the hosts received, parsed; what their kernels counted */
	EXPECT(!e2e_wire_stop(&wb), "B received a bad frame: %s", wb.first_bad);
	EXPECT(!e2e_wire_stop(&wa), "A received a bad frame: %s", wa.first_bad);
	printf("B received %" PRIu64 " frames: %" PRIu64 " longer than the MTU (up to %" PRIu64
	       " bytes), %" PRIu64 " with a partial checksum, %" PRIu64 " complete\n", wb.frames,
	       wb.gso, wb.max_len, wb.partial, wb.complete);
	EXPECT(wb.gso > 0, "no TSO/USO frame reached B whole");
	EXPECT(wb.partial > 0, "no partial checksum reached B");
	EXPECT(!e2e_nstat_errors(t.ns_b, why, sizeof(why)), "B's kernel counted errors: %s", why);
	EXPECT(!e2e_nstat_errors(t.ns_a, why, sizeof(why)), "A's kernel counted errors: %s", why);

	rc = e2e_tool_stop();
	if (rc)
		e2e_dump(log);
	EXPECT(rc == 0, "netpool-fwd exited %d (3: buffers lost)", rc);
	if (!e2e_total_line(log, line, sizeof(line))) {
		e2e_dump(log);
		CHECK(0);
	}
	EXPECT(e2e_json_u64_or0(line, "rx_bad_desc") == NBAD, "rx_bad_desc %" PRIu64 ", %u injected",
	       e2e_json_u64_or0(line, "rx_bad_desc"), NBAD);
	EXPECT(!e2e_json_u64_or0(line, "gso_segmented") && !e2e_json_u64_or0(line, "csum_sw") &&
		       !e2e_json_u64_or0(line, "gso_bad"),
	       "TAP to TAP needs no software GSO: %s", line);
	EXPECT(e2e_json_u64_or0(line, "rx_bytes") / NP_MAX(e2e_json_u64_or0(line, "rx_packets"), 1) >
		       1514,
	       "the forwarder's frames average no more than an MTU: %s", line);
	e2e_json_drops(line, "NOT_SPECIFIED FULL_RING", other, sizeof(other));
	EXPECT(!other[0], "drops the test did not expect: %s", other);
	unlink(log);
	if (e2e_fails)
		return 1;
	printf("ok\n");
	return 0;
}
