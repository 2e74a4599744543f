/* SPDX-License-Identifier: MIT */
/*
 * netpool/stack.h - small consumers of skbs that exercise every free path,
 * as the kernel's stack does: GRO (merge a flow's packets), a socket-like
 * receive queue with coalescing, an encapsulation push, a VXLAN tunnel
 * endpoint's encapsulation and decapsulation, and a capture tap that clones
 * every packet into a pcap file written on another thread.
 *
 * Each owns the skbs handed to it. None is thread-safe unless it says so:
 * a GRO context and a receive queue belong to one thread (a queue's poll).
 */
#ifndef NETPOOL_STACK_H
#define NETPOOL_STACK_H

#include <stdio.h>
#include "compiler.h"
#include "skb.h"
#include "csum.h"

NP_EXTERN_C_BEGIN

/* ---- GRO ---- */

#define NP_GRO_HOLD	8	/* flows held at once */
#define NP_GRO_TUPLE	13	/* protocol, addresses, ports */

/* Where a GRO context delivers packets: merged ones at flush, others at once. */
typedef void (*np_gro_deliver_fn)(struct np_skb *skb, void *arg);

struct np_gro {
	struct np_skb *held[NP_GRO_HOLD];
	uint32_t key[NP_GRO_HOLD];
	unsigned char tuple[NP_GRO_HOLD][NP_GRO_TUPLE];
	uint32_t next_seq[NP_GRO_HOLD];	/* TCP: the sequence number that merges next */
	uint16_t hdr_len[NP_GRO_HOLD];	/* Ethernet, IPv4 and L4 headers of the held packet */
	uint8_t id_fixed[NP_GRO_HOLD];	/* 1: the flow's IPv4 ID stays (DF set); 0: it counts up */
	unsigned int n;
	np_gro_deliver_fn deliver;
	void *arg;
	uint64_t merged;		/* packets merged into a held one */
	uint64_t held_total;		/* packets that started a held packet */
	uint64_t passed;		/* delivered as they came (not IPv4 UDP/TCP, too short) */
	uint64_t flushed;		/* held packets delivered */
	uint64_t csum_bad;		/* passed: an L4 or IPv4 header checksum did not verify */
};

/**
 * np_gro_init() - a GRO context delivering to @deliver.
 * @gro: the context to set up (its memory is the caller's).
 * @deliver: called with each packet delivered, on the thread that receives or flushes.
 * @arg: handed to @deliver.
 * Context: any thread, before the context is used; no lock.
 * Return: 0, -EINVAL (@gro or @deliver NULL; @gro untouched).
 */
NP_API int np_gro_init(struct np_gro *gro, np_gro_deliver_fn deliver, void *arg);

/**
 * np_gro_receive() - merge @skb into the held packet of its flow (IPv4 UDP or
 * TCP, by addresses and ports), or hold it as a new one (flushing the oldest
 * when NP_GRO_HOLD are held), or deliver it at once. Packets of a flow merge
 * only when they agree in pp_recycle (np_skb_gro_receive() refuses otherwise,
 * and the held one is flushed first). A packet held gets its own payload
 * (after the IPv4 and UDP/TCP headers) as gso_size, the segment size a later
 * np_skb_segment() cuts at. Takes @skb. The headers are always
 * checked (a frame from outside): anything that is not a well-formed IPv4
 * UDP/TCP packet is delivered as it came. Data path: a NULL @gro or @skb is
 * caught in debug builds.
 *
 * What merges is what a later segmentation gives back unchanged, by the
 * kernel's rules (inet_gro_receive(), tcp_gro_receive(),
 * udp_gro_receive_segment()): an IPv4 header of 20 bytes with a good
 * checksum, no fragment, the held packet's TTL, TOS and DF, the next IPv4
 * ID (or, with DF, the same one: the first merge says which, and the train
 * keeps it; NP_SKB_GSO_TCP_FIXEDID then); an L4 checksum
 * that verifies (unless ip_summed says it was verified or is partial);
 * TCP with only ACK (and PSH) set, the held packet's ACK number, window,
 * header length and options, the next sequence number; a payload of at
 * most the held packet's gso_size. PSH or a shorter payload merges and ends
 * the train (the held packet is delivered). A packet of a held flow that
 * cannot merge (a FIN, a gap, a GSO skb) has the held one delivered first:
 * a flow's order is kept. A packet delivered with others merged into it is
 * complete, as napi_gro_complete() leaves it: IPv4 total length and header
 * checksum, UDP length, gso_type NP_SKB_GSO_TCPV4 (with NP_SKB_GSO_TCP_ECN
 * after CWR) or NP_SKB_GSO_UDP_L4, gso_segs, and a partial L4 checksum
 * (ip_summed NP_CHECKSUM_PARTIAL, the pseudo header seeded); one that merged
 * nothing leaves with gso_size 0.
 * @gro: the context.
 * @skb: the packet, now the context's.
 * Context: the context's one thread (a queue's poll); no lock; not a signal
 * handler (it merges and frees skbs). @deliver runs on this thread.
 */
NP_API void np_gro_receive(struct np_gro *gro, struct np_skb *skb);

/**
 * np_gro_flush() - deliver every held packet (at the end of a poll).
 * Context: the context's one thread, as np_gro_receive().
 */
NP_API void np_gro_flush(struct np_gro *gro);

/* ---- a socket-like receive queue ---- */

struct np_sockq {
	struct np_skb *head, *tail;	/* linked through ->next */
	uint32_t head_off;		/* bytes of head already read */
	uint64_t bytes;			/* queued, unread */
	uint64_t limit;			/* the receive buffer: over it, packets are dropped */
	uint64_t queued, coalesced, stolen, dropped, read_bytes;
};

/**
 * np_sockq_init() - an empty queue of at most @limit bytes (0: 4 MiB).
 * @q: the queue to set up (its memory is the caller's).
 * @limit: the receive buffer in bytes; 0: 4 MiB.
 * Context: any thread, before the queue is used; no lock.
 * Return: 0, -EINVAL (@q NULL).
 */
NP_API int np_sockq_init(struct np_sockq *q, uint64_t limit);

/**
 * np_sockq_queue() - add @skb: coalesced into the last skb when
 * np_skb_try_coalesce() allows (the loser freed with np_kfree_skb_partial()),
 * else appended. Over the limit it is dropped (NP_SKB_DROP_QUEUE_FULL).
 * Takes @skb.
 * @q: the queue.
 * @skb: the packet, now the queue's.
 * Context: the queue's one thread (no lock), not a signal handler (it frees skbs).
 * Return: 0 or -ENOBUFS (dropped).
 */
NP_API int np_sockq_queue(struct np_sockq *q, struct np_skb *skb);

/**
 * np_sockq_read() - copy up to @len bytes out (NULL @buf: discard them),
 * freeing every skb read to its end with np_skb_attempt_defer_free() (an
 * skb a napi on another thread built goes back to that napi's pool owner).
 * @q: the queue.
 * @buf: room for @len bytes, or NULL to discard.
 * @len: bytes wanted.
 * Context: the queue's one thread, as np_sockq_queue().
 * Return: bytes read (fewer than @len when the queue ran dry).
 */
NP_API size_t np_sockq_read(struct np_sockq *q, void *buf, size_t len);

/**
 * np_sockq_purge() - free everything queued. NULL: nothing.
 * Context: the queue's one thread, as np_sockq_queue().
 */
NP_API void np_sockq_purge(struct np_sockq *q);

/* ---- encapsulation ---- */

/**
 * np_skb_encap_push() - put @len bytes of @hdr in front of the packet,
 * making the head private and reallocating it (np_skb_cow_head(), which
 * takes np_pskb_expand_head()) when it is cloned or short of headroom.
 * Data path: @hdr NULL with @len > 0 is caught in debug builds.
 * @skb: the packet, not shared (users 1).
 * @hdr: the header bytes.
 * @len: how many, at most 256.
 * Context: the thread that holds @skb, not a signal handler (it may reallocate).
 * Return: 0, -EINVAL (@len over 256, always checked), -ENOMEM (skb unchanged).
 */
NP_API int np_skb_encap_push(struct np_skb *skb, const void *hdr, uint32_t len);

/* ---- checksums and GSO on the way out (gso.c) ---- */

/*
 * What a forwarder does for an egress that cannot take a packet as it is
 * (the kernel's validate_xmit_skb()): a GSO skb (a TSO/USO frame from a
 * TAP, a GRO packet) is cut into MTU-sized packets in software, each with
 * its own IPv4 total length, ID and header checksum (IPv6 payload length),
 * TCP sequence number, flags and checksum or UDP length and checksum; a
 * partial checksum is completed. IPv4 and IPv6 (no extension headers), TCP
 * and UDP, behind Ethernet and at most one VLAN tag.
 *
 * Checksums here are Internet checksums of 16-bit words as they lie in
 * memory (network order), summed in 32 bits: np_csum_fold() gives the
 * complemented 16 bits, stored as is (memcpy) in the header.
 */

/* The counters of np_validate_xmit_skb(), kept by its caller (one per thread). */
struct np_gso_stats {
	uint64_t segmented;	/* GSO skbs cut into packets in software */
	uint64_t segments;	/* the packets they gave */
	uint64_t csum_help;	/* partial checksums completed in software */
	uint64_t bad;		/* GSO skbs whose headers disagree with their gso fields: dropped */
	uint64_t nomem;		/* dropped for lack of memory */
};

/**
 * np_skb_checksum() - add @len bytes of @skb from @offset (head, frags and
 * frag_list, from the data start) to @sum (the kernel's skb_checksum()).
 * @skb: the packet; only read.
 * @offset: from skb->data.
 * @len: bytes.
 * @sum: the sum so far.
 * @out: the new sum.
 * Context: any thread holding @skb; reads only.
 * Return: 0, or -EFAULT (the range is outside the packet; *@out untouched).
 */
NP_API int np_skb_checksum(const struct np_skb *skb, uint32_t offset, uint32_t len, uint32_t sum,
			   uint32_t *out);

/**
 * np_skb_checksum_help() - complete @skb's partial checksum in software (the
 * kernel's skb_checksum_help()): the sum from csum_start to the end stored at
 * csum_start + csum_offset (a sum of 0 stored as 0xffff at a UDP offset, 6;
 * as 0 elsewhere), ip_summed NP_CHECKSUM_NONE.
 * The head is made private first when it is cloned, and the checksum field
 * pulled into it when it lies in a frag. Not partial: nothing to do.
 * @skb: the packet, not shared (users 1).
 * Context: the thread that holds @skb, not a signal handler (it may reallocate).
 * Return: 0, -EINVAL (csum_start or the field outside the packet: a broken
 * skb, unchanged), -ENOMEM (unchanged).
 */
NP_API int np_skb_checksum_help(struct np_skb *skb);

/**
 * np_netif_needs_gso() - whether an egress with @features must have @skb
 * segmented first (the kernel's netif_needs_gso()): a GSO skb whose type
 * it cannot take whole (NP_NETIF_F_TSO for TCPv4, TSO6, GSO_UDP_L4, and
 * TSO_ECN for ECN, each with NP_NETIF_F_HW_CSUM).
 * @skb: the packet; only read.
 * @features: the egress's dev->features.
 * Context: any thread holding @skb; pure.
 * Return: true when it must be segmented.
 */
NP_API bool np_netif_needs_gso(const struct np_skb *skb, np_netdev_features_t features);

/**
 * np_skb_gso_segment() - cut the GSO skb @skb into packets of gso_size
 * payload with their headers fixed (the kernel's skb_gso_segment() with
 * inet_gso_segment(), tcp4_gso_segment() / tcp6_gso_segment() and
 * __udp_gso_segment()): IPv4 total length, IDs counting up from @skb's
 * (all the same with NP_SKB_GSO_TCP_FIXEDID), header checksum; IPv6 payload length; TCP sequence numbers, CWR on the
 * first only, FIN and PSH on the last only; UDP length. L4 checksums are
 * complete, or left partial (pseudo header seeded, ip_summed
 * NP_CHECKSUM_PARTIAL) when @features has NP_NETIF_F_HW_CSUM. Segments hold
 * page references (np_skb_segment(); frags with NP_NETIF_F_SG); @skb is
 * left as it was (headers pulled into its head when they were in frags).
 * Everything is checked against the packet: the gso fields came from outside.
 * @skb: a GSO skb (gso_size set), not shared; skb->data at the Ethernet header.
 * @features: the egress's features (NP_NETIF_F_SG, NP_NETIF_F_HW_CSUM used).
 * @segs: the list (linked through ->next) on success.
 * Context: the thread that holds @skb, not a signal handler (it allocates).
 * Return: 0, -EINVAL (no gso_size, or gso_type not TCPv4/TCPv6/UDP_L4),
 * -EPROTO (headers that disagree with gso_type or with the packet's
 * length: not IPv4/IPv6, another protocol, IPv6 extension headers, an IPv4
 * fragment, a truncated header), -ENOMEM. @skb is the caller's in every case.
 */
NP_API int np_skb_gso_segment(struct np_skb *skb, np_netdev_features_t features,
			      struct np_skb **segs);

/**
 * np_validate_xmit_skb() - make @skb fit an egress with @features (the
 * kernel's validate_xmit_skb()): segmented with np_skb_gso_segment() when
 * np_netif_needs_gso() says so, a partial checksum completed with
 * np_skb_checksum_help() when @features lacks NP_NETIF_F_HW_CSUM; counted
 * in @st. Takes @skb.
 * @skb: the packet, not shared (users 1).
 * @features: the egress's dev->features.
 * @st: the caller's counters (one set per thread).
 * Context: the thread that holds @skb, not a signal handler (it may allocate
 * and free).
 * Return: what to transmit, @skb itself or a list of segments linked through
 * ->next (@skb freed), or NULL: dropped (freed, counted in @st->bad or
 * @st->nomem and as a drop reason).
 */
NP_API struct np_skb *np_validate_xmit_skb(struct np_skb *skb, np_netdev_features_t features,
					   struct np_gso_stats *st);

/* ---- VXLAN over IPv4 ---- */

#define NP_VXLAN_PORT		4789	/* the IANA port (Linux: dstport 4789) */
#define NP_VXLAN_HLEN		50u	/* outer Ethernet 14, IPv4 20, UDP 8, VXLAN 8 */
#define NP_VXLAN_VNI_MAX	0xffffffu
#define NP_VXLAN_PORT_MIN	32768	/* default source ports: Linux's ephemeral range */
#define NP_VXLAN_PORT_MAX	60999
#define NP_VXLAN_TTL		64	/* Linux's default hop limit */

/*
 * One tunnel: the endpoint's own addresses, its peer's, the network and the
 * knobs a Linux vxlan device has, each 0 meaning that device's default.
 * Addresses are IPv4 in network byte order (as struct in_addr holds them),
 * ports in host byte order.
 */
struct np_vxlan_cfg {
	unsigned char src_mac[6];	/* outer source: the sending interface; decap takes
					 * frames to it (or to a group address) only */
	unsigned char dst_mac[6];	/* outer destination: the next hop toward @remote */
	uint32_t local;			/* outer source; decap takes packets to it only */
	uint32_t remote;		/* outer destination */
	uint32_t vni;			/* 0..NP_VXLAN_VNI_MAX */
	uint16_t dst_port;		/* 0: NP_VXLAN_PORT */
	uint16_t port_min, port_max;	/* source port range; both 0: 32768..60999 */
	uint8_t ttl;			/* 0: NP_VXLAN_TTL */
	uint8_t tos;			/* DSCP of the outer header (its ECN bits come from
					 * the inner packet); default 0 */
	bool df;			/* set DF (Linux's "df set"); default clear ("df unset") */
	bool udp_csum;			/* compute the UDP checksum; default 0 (Linux's
					 * "noudpcsum", its IPv4 default) */
};

/**
 * np_vxlan_encap() - make @skb (an Ethernet frame) the payload of a VXLAN
 * packet from @cfg->local to @cfg->remote: outer Ethernet (@cfg's MACs),
 * IPv4 (total length from skb->len, so frags count; TTL, DF, DSCP from @cfg;
 * ECN copied from an inner IPv4/IPv6 header, CE as ECT(0); an ID from a
 * counter; its header checksum), UDP (to @cfg->dst_port, from
 * np_vxlan_src_port(); checksum 0 unless @cfg->udp_csum) and the VXLAN
 * header (the I flag, the VNI). The head is made private and given the
 * room with np_skb_cow_head() when it is cloned or short of headroom.
 * Data path: @skb or @cfg NULL is caught in debug builds.
 * @skb: the inner frame, not shared (users 1).
 * @cfg: the tunnel; only read.
 * Context: the thread that holds @skb, not a signal handler (it may reallocate);
 * the IPv4 ID is one relaxed atomic shared by all threads.
 * Return: 0, -EINVAL (a VNI above NP_VXLAN_VNI_MAX, port_min above
 * port_max, a frame shorter than 14 bytes; always checked), -EMSGSIZE (the
 * outer IPv4 packet would pass 65535 bytes), -ENOMEM. On an error @skb is
 * unchanged and still the caller's.
 */
NP_API int np_vxlan_encap(struct np_skb *skb, const struct np_vxlan_cfg *cfg);

/**
 * np_vxlan_decap() - if @skb is a VXLAN packet for this endpoint, check it
 * and leave its inner Ethernet frame: the outer headers pulled, padding past
 * the UDP length trimmed, an outer CE mark carried to an ECN-capable inner
 * IPv4/IPv6 header. For this endpoint means: IPv4 to @cfg->local in a frame
 * to @cfg->src_mac or a group address. Everything from outside is checked
 * in every build: the IPv4 header (version, IHL, header checksum, total
 * length within the frame, not a fragment), UDP (length within the IPv4
 * payload and room for the VXLAN and an inner Ethernet header, the checksum
 * unless 0), VXLAN (exactly the I flag, the reserved bits 0, @cfg->vni).
 * Any source address is taken, as a Linux vxlan device takes it.
 * Data path: @skb or @cfg NULL is caught in debug builds.
 * @skb: the received frame, not shared (users 1).
 * @cfg: the tunnel; only read.
 * Context: the thread that holds @skb, not a signal handler (it may reallocate).
 * Return: 0 (@skb is the inner frame), -ENOENT (not for this endpoint: @skb
 * unchanged, to be passed on), for this endpoint but not to be delivered:
 * -EPROTO (not UDP to @cfg->dst_port), -EOPNOTSUPP (an IPv4 fragment: no
 * reassembly), -EBADMSG (malformed: a length, a checksum, the VXLAN flags
 * or reserved bits, or an outer CE mark on an inner packet that is not
 * ECN-capable), -ENXIO (another VNI); -EINVAL (@cfg's VNI above
 * NP_VXLAN_VNI_MAX, always checked); -ENOMEM. After an error other than
 * -ENOENT the caller drops @skb (after -ENOMEM it may be trimmed or pulled).
 */
NP_API int np_vxlan_decap(struct np_skb *skb, const struct np_vxlan_cfg *cfg);

/**
 * np_vxlan_src_port() - the outer UDP source port np_vxlan_encap() gives
 * @skb: a hash of the inner flow (IPv4/IPv6 addresses, protocol and, when
 * not a fragment, TCP/UDP/SCTP ports; the same for both directions; else
 * the Ethernet addresses and type), spread over @cfg's range, so one flow
 * keeps one port and flows spread over the underlay's paths. A range with
 * port_min above port_max gives port_min.
 * Data path: @skb or @cfg NULL is caught in debug builds.
 * @skb: the inner frame; only read.
 * @cfg: the tunnel; only read.
 * Context: any thread holding @skb; pure.
 * Return: the port.
 */
NP_API uint16_t np_vxlan_src_port(const struct np_skb *skb, const struct np_vxlan_cfg *cfg);

/* ---- capture ---- */

struct np_capture;

#define NP_CAPTURE_MAX_SNAPLEN	262144u	/* libpcap's largest snapshot length */

struct np_capture_stats {
	uint64_t captured;	/* clones queued */
	uint64_t written;	/* records written */
	uint64_t dropped;	/* no clone could be made, or the queue was full */
	uint64_t bytes;		/* bytes written to the file */
};

/**
 * np_capture_open() - a capture into the pcap file @path (Ethernet,
 * @snaplen bytes per record at most; 0: 65535), with a writer thread.
 * @path: the file, created or truncated.
 * @snaplen: bytes kept of each packet.
 * @out: the new capture.
 * Context: any thread; allocates, opens the file, starts the writer thread.
 * Return: 0, -EINVAL (@path or @out NULL, @snaplen above
 * NP_CAPTURE_MAX_SNAPLEN; no file created), -ENOMEM, -EIO (the file header
 * could not be written), or -errno from opening the file or starting the thread.
 */
NP_API int np_capture_open(const char *path, uint32_t snaplen, struct np_capture **out);

/**
 * np_capture_skb() - clone @skb (the caller keeps it) and queue the clone for
 * the writer thread, which writes it and frees it with
 * np_skb_attempt_defer_free() (a last share of pool pages goes back to the
 * pool's owner).
 * @cap: the capture.
 * @skb: the packet; its data is shared with the clone until the writer frees it.
 * Context: any thread holding @skb, several at once, but not a signal handler;
 * takes the capture's lock.
 * Return: 0, or -ENOBUFS (not captured: no clone, or the queue full; counted).
 */
NP_API int np_capture_skb(struct np_capture *cap, struct np_skb *skb);

/**
 * np_capture_get_stats() - counters so far.
 * @cap: the capture.
 * @st: filled with the counters.
 * Context: any thread, until np_capture_close(); relaxed loads, no lock.
 * Return: 0, -EINVAL (@cap or @st NULL).
 */
NP_API int np_capture_get_stats(struct np_capture *cap, struct np_capture_stats *st);

/**
 * np_capture_close() - write what is queued, stop the writer, close the file;
 * the final counters into @st when not NULL. Nothing happens for a NULL @cap.
 * @cap: the capture, or NULL; freed.
 * @st: the final counters, or NULL.
 * Context: any thread, once no thread captures into @cap any more; sleeps until
 * the writer has written what is queued (joined).
 * Return: 0 (also for a NULL @cap), or -errno when writing failed (records
 * may be missing).
 */
NP_API int np_capture_close(struct np_capture *cap, struct np_capture_stats *st);

NP_EXTERN_C_END

#endif /* NETPOOL_STACK_H */
