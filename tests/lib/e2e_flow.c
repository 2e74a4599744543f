/* SPDX-License-Identifier: MIT */
/*
 * Kernel traffic across a forwarder and what the kernels say of it (see
 * e2e_flow.h): a checked TCP stream, checked UDP GSO sends, nstat, and a
 * packet socket that parses every IPv4 frame a host receives.
 */
#include <stdatomic.h>
#include "e2e.h"
#include "e2e_flow.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT	103
#endif
#ifndef SOL_UDP
#define SOL_UDP		17
#endif

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- TCP ---- */

static inline uint8_t tcp_pat(uint64_t off)
{
	return (uint8_t)(off * 131 + (off >> 9) * 7 + (off >> 17));
}

static void set_nonblock(int fd)
{
	CHECK_EQ(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
}

struct e2e_tcp_result e2e_tcp_run(const char *ns_src, const char *ns_dst, const char *dst_ip,
				  uint16_t port, uint64_t bytes, unsigned int timeout_ms)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct e2e_tcp_result r = { .bad_at = -1 };
	static uint8_t out[256 * 1024], in[256 * 1024];
	int ls = e2e_socket_in(ns_dst, AF_INET, SOCK_STREAM, 0);
	int cs = e2e_socket_in(ns_src, AF_INET, SOCK_STREAM, 0);
	int as = -1, one = 1;
	double t0 = now_s(), end = t0 + timeout_ms / 1000.0;

	CHECK_EQ(inet_pton(AF_INET, dst_ip, &sa.sin_addr), 1);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	CHECK_EQ(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_EQ(listen(ls, 1), 0);
	set_nonblock(cs);
	if (connect(cs, (struct sockaddr *)&sa, sizeof(sa)) && errno != EINPROGRESS)
		goto out;
	while (now_s() < end && (r.received < bytes || as < 0)) {
		struct pollfd pf[2] = { { .fd = as >= 0 ? as : ls, .events = POLLIN },
					{ .fd = cs, .events = r.sent < bytes ? POLLOUT : 0 } };

		if (poll(pf, 2, 100) <= 0)
			continue;
		if (as < 0 && (pf[0].revents & POLLIN)) {
			as = accept(ls, NULL, NULL);
			if (as >= 0) {
				set_nonblock(as);
				r.connected = true;
			}
			continue;
		}
		if (r.sent < bytes && (pf[1].revents & POLLOUT)) {
			size_t n = (size_t)NP_MIN((uint64_t)sizeof(out), bytes - r.sent);
			ssize_t w;

			for (size_t i = 0; i < n; i++)
				out[i] = tcp_pat(r.sent + i);
			w = send(cs, out, n, MSG_NOSIGNAL);
			if (w > 0)
				r.sent += (uint64_t)w;
			else if (w < 0 && errno != EAGAIN)
				break;
		}
		if (as >= 0 && (pf[0].revents & (POLLIN | POLLHUP))) {
			ssize_t n = recv(as, in, sizeof(in), 0);

			if (n <= 0 && (n == 0 || errno != EAGAIN))
				break;
			for (ssize_t i = 0; i < n; i++)
				if (in[i] != tcp_pat(r.received + (uint64_t)i) && r.bad_at < 0)
					r.bad_at = (int64_t)(r.received + (uint64_t)i);
			if (n > 0)
				r.received += (uint64_t)n;
		}
	}
out:
	r.secs = now_s() - t0;
	if (as >= 0)
		close(as);
	close(cs);
	close(ls);
	return r;
}

/* ---- UDP GSO ---- */

/* One datagram received (@n bytes at @got, @seg expected): counted intact, twice or corrupt. */
static void udp_gso_take(struct e2e_udp_gso_result *r, uint8_t *seen, uint32_t total,
			 const uint8_t *got, ssize_t n, uint16_t seg)
{
	uint32_t idx;

	if (!e2e_payload_ok(got, (uint32_t)n, &idx) || idx >= total || n != seg)
		r->corrupt++;
	else if (seen[idx]++)
		r->dup++;
	else
		r->received++;
}

struct e2e_udp_gso_result e2e_udp_gso_run(int src, int rx, const char *dst_ip, uint16_t port,
					  uint32_t nsend, uint16_t seg, uint32_t nseg,
					  unsigned int wait_ms)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct e2e_udp_gso_result r = { 0 };
	uint32_t total = nsend * nseg;
	uint8_t *seen = calloc(total, 1);
	static uint8_t buf[65536], got[65536];
	int s = seg;
	ssize_t n;

	CHECK(seen);
	CHECK((uint32_t)seg * nseg <= sizeof(buf));
	CHECK_EQ(inet_pton(AF_INET, dst_ip, &to.sin_addr), 1);
	if (setsockopt(src, SOL_UDP, UDP_SEGMENT, &s, sizeof(s))) {
		r.refused = true;
		free(seen);
		return r;
	}
	for (uint32_t i = 0; i < nsend; i++) {
		for (uint32_t k = 0; k < nseg; k++)
			e2e_payload(buf + k * seg, seg, i * nseg + k);
		if (sendto(src, buf, (size_t)seg * nseg, 0, (struct sockaddr *)&to, sizeof(to)) ==
		    (ssize_t)seg * nseg) {
			r.sends++;
			r.sent_dgrams += nseg;
		}
		while ((n = e2e_recv_one(rx, got, sizeof(got), 1, NULL)) > 0)
			udp_gso_take(&r, seen, total, got, n, seg);
	}
	for (unsigned int waited = 0; waited < wait_ms && r.received + r.corrupt < r.sent_dgrams;)
		if ((n = e2e_recv_one(rx, got, sizeof(got), 50, &waited)) > 0)
			udp_gso_take(&r, seen, total, got, n, seg);
	s = 0;
	setsockopt(src, SOL_UDP, UDP_SEGMENT, &s, sizeof(s));
	free(seen);
	return r;
}

/* ---- nstat ---- */

uint64_t e2e_nstat(const char *ns, const char *name)
{
	char cmd[256], line[256], key[64];
	uint64_t v = 0, x;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ip netns exec %s nstat -az %s 2>/dev/null", ns, name);
	p = popen(cmd, "r");
	if (!p)
		return 0;
	while (fgets(line, sizeof(line), p))
		if (sscanf(line, "%63s %" SCNu64, key, &x) == 2 && !strcmp(key, name))
			v = x;
	pclose(p);
	return v;
}

uint64_t e2e_nstat_errors(const char *ns, char *why, size_t len)
{
	static const char *const names[] = { "IpInHdrErrors", "IpExtInCsumErrors",
					     "TcpInCsumErrors", "UdpInCsumErrors" };
	uint64_t sum = 0;

	why[0] = '\0';
	for (unsigned int i = 0; i < NP_ARRAY_SIZE(names); i++) {
		uint64_t v = e2e_nstat(ns, names[i]);

		if (v)
			snprintf(why + strlen(why), len - strlen(why), "%s%s=%" PRIu64,
				 why[0] ? " " : "", names[i], v);
		sum += v;
	}
	return sum;
}

/* ---- what a host receives, parsed ---- */

static void wire_bad(struct e2e_wire *w, uint64_t *ctr, const char *what, uint32_t len)
{
	(*ctr)++;
	if (!w->first_bad[0])
		snprintf(w->first_bad, sizeof(w->first_bad), "%s (a frame of %u bytes)", what, len);
}

/* One received frame of @len bytes at @f; @partial: the kernel left its checksum to be done. */
static void wire_check(struct e2e_wire *w, const uint8_t *f, uint32_t len, bool partial)
{
	uint32_t ihl, tot, l4, l4len, sum;
	uint8_t proto;

	w->frames++;
	if (len > w->max_len)
		w->max_len = len;
	if (len > w->mtu + 14)
		w->gso++;
	if (len < 34 || f[12] != 0x08 || f[13] != 0x00 || (f[14] >> 4) != 4)
		return;
	w->ipv4++;
	ihl = (f[14] & 0x0fu) * 4u;
	tot = (uint32_t)(f[16] << 8 | f[17]);
	if (ihl < 20 || len < 14 + ihl) {
		wire_bad(w, &w->bad_len, "IPv4 header length", len);
		return;
	}
	if (t_csum_add(f + 14, ihl, 0) != 0xffff)
		wire_bad(w, &w->bad_ip_csum, "IPv4 header checksum", len);
	/* short frames are padded to 60 bytes */
	if (tot < ihl || 14 + tot > len || (14 + tot < len && len > 60)) {
		wire_bad(w, &w->bad_len, "IPv4 total length", len);
		return;
	}
	proto = f[23];
	l4 = 14 + ihl;
	l4len = tot - ihl;
	if ((proto != 6 && proto != 17) || (f[20] & 0x3f) || f[21])
		return;	/* another protocol, or a fragment: its checksum spans fragments */
	if (l4len < (proto == 6 ? 20u : 8u)) {
		wire_bad(w, &w->bad_len, "L4 header past the datagram", len);
		return;
	}
	sum = t_csum_add(f + 26, 8, 0) + proto + l4len;
	if (partial) {
		/* the checksum field holds the folded pseudo header, not complemented */
		uint32_t field = l4 + (proto == 6 ? 16u : 6u);

		w->partial++;
		while (sum >> 16)
			sum = (sum & 0xffffu) + (sum >> 16);
		if ((uint32_t)(f[field] << 8 | f[field + 1]) != sum)
			wire_bad(w, &w->bad_seed, "partial checksum's pseudo header seed", len);
		return;
	}
	w->complete++;
	if (proto == 17 && !f[l4 + 6] && !f[l4 + 7])
		return;		/* UDP without a checksum */
	if (t_csum_add(f + l4, l4len, sum) != 0xffff)
		wire_bad(w, &w->bad_l4_csum, proto == 6 ? "TCP checksum" : "UDP checksum", len);
}

#define E2E_WIRE_BUF	70000u

static void *wire_thread(void *arg)
{
	struct e2e_wire *w = arg;
	uint8_t *buf = w->buf;
	char cbuf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];

	while (!atomic_load(&w->stop)) {
		struct sockaddr_ll from;
		struct iovec iov = { buf, E2E_WIRE_BUF };
		struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
				     .msg_iovlen = 1, .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		struct pollfd pf = { .fd = w->fd, .events = POLLIN };
		bool partial = false;
		ssize_t n;

		if (poll(&pf, 1, 50) <= 0)
			continue;
		n = recvmsg(w->fd, &mh, MSG_DONTWAIT | MSG_TRUNC);
		if (n <= 0 || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			struct tpacket_auxdata aux;

			if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA)
				continue;
			memcpy(&aux, CMSG_DATA(c), sizeof(aux));
			partial = aux.tp_status & TP_STATUS_CSUMNOTREADY;
		}
		if ((size_t)n > E2E_WIRE_BUF) {
			w->frames++;
			wire_bad(w, &w->bad_len, "a frame larger than the capture buffer", (uint32_t)n);
			continue;
		}
		wire_check(w, buf, (uint32_t)n, partial);
	}
	return NULL;
}

void e2e_wire_start(struct e2e_wire *w, const char *ns, const char *ifname, uint32_t mtu)
{
	int one = 1;

	memset(w, 0, sizeof(*w));
	w->mtu = mtu;
	w->buf = malloc(E2E_WIRE_BUF);
	CHECK(w->buf);
	w->fd = netns_packet_open(&(struct netns_packet){ .ns = ns, .ifname = ifname,
							   .proto = ETH_P_ALL, .rcvbuf = 32 << 20,
							   .force = true });
	CHECK(w->fd >= 0);
	CHECK_EQ(setsockopt(w->fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)), 0);
	CHECK_EQ(pthread_create(&w->thread, NULL, wire_thread, w), 0);
}

uint64_t e2e_wire_stop(struct e2e_wire *w)
{
	t_sleep_ms(100);	/* what is still in the socket's queue */
	atomic_store(&w->stop, true);
	CHECK_EQ(pthread_join(w->thread, NULL), 0);
	close(w->fd);
	free(w->buf);
	return w->bad_ip_csum + w->bad_len + w->bad_l4_csum + w->bad_seed;
}
