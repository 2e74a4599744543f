/* SPDX-License-Identifier: MIT */
/*
 * netpool/stack.h - small consumers of skbs that exercise every free path,
 * as the kernel's stack does: GRO (merge a flow's packets), a socket-like
 * receive queue with coalescing, an encapsulation push, and a capture tap
 * that clones every packet into a pcap file written on another thread.
 *
 * Each owns the skbs handed to it. None is thread-safe unless it says so:
 * a GRO context and a receive queue belong to one thread (a queue's poll).
 */
#ifndef NETPOOL_STACK_H
#define NETPOOL_STACK_H

#include <stdio.h>
#include "compiler.h"
#include "skb.h"

/* ---- GRO ---- */

#define NP_GRO_HOLD	8	/* flows held at once */
#define NP_GRO_TUPLE	13	/* protocol, addresses, ports */

/* Where a GRO context delivers packets: merged ones at flush, others at once. */
typedef void (*np_gro_deliver_fn)(struct np_skb *skb, void *arg);

struct np_gro {
	struct np_skb *held[NP_GRO_HOLD];
	uint32_t key[NP_GRO_HOLD];
	unsigned char tuple[NP_GRO_HOLD][NP_GRO_TUPLE];
	unsigned int n;
	np_gro_deliver_fn deliver;
	void *arg;
	uint64_t merged;		/* packets merged into a held one */
	uint64_t held_total;		/* packets that started a held packet */
	uint64_t passed;		/* delivered as they came (not IPv4 UDP/TCP, too short) */
	uint64_t flushed;		/* held packets delivered */
};

/** np_gro_init() - a GRO context delivering to @deliver. Return: 0, -EINVAL (@gro or @deliver NULL). */
NP_API int np_gro_init(struct np_gro *gro, np_gro_deliver_fn deliver, void *arg);

/**
 * np_gro_receive() - merge @skb into the held packet of its flow (IPv4 UDP or
 * TCP, by addresses and ports), or hold it as a new one (flushing the oldest
 * when NP_GRO_HOLD are held), or deliver it at once. Packets of a flow merge
 * only when they agree in pp_recycle (np_skb_gro_receive() refuses otherwise,
 * and the held one is flushed first). Takes @skb. The headers are always
 * checked (a frame from outside): anything that is not a well-formed IPv4
 * UDP/TCP packet is delivered as it came. Data path: a NULL @gro or @skb is
 * caught in debug builds.
 */
NP_API void np_gro_receive(struct np_gro *gro, struct np_skb *skb);

/** np_gro_flush() - deliver every held packet (at the end of a poll). */
NP_API void np_gro_flush(struct np_gro *gro);

/* ---- a socket-like receive queue ---- */

struct np_sockq {
	struct np_skb *head, *tail;	/* linked through ->next */
	uint32_t head_off;		/* bytes of head already read */
	uint64_t bytes;			/* queued, unread */
	uint64_t limit;			/* the receive buffer: over it, packets are dropped */
	uint64_t queued, coalesced, stolen, dropped, read_bytes;
};

/** np_sockq_init() - an empty queue of at most @limit bytes (0: 4 MiB). Return: 0, -EINVAL (@q NULL). */
NP_API int np_sockq_init(struct np_sockq *q, uint64_t limit);

/**
 * np_sockq_queue() - add @skb: coalesced into the last skb when
 * np_skb_try_coalesce() allows (the loser freed with np_kfree_skb_partial()),
 * else appended. Over the limit it is dropped (NP_SKB_DROP_QUEUE_FULL).
 * Takes @skb. Return: 0 or -ENOBUFS (dropped).
 */
NP_API int np_sockq_queue(struct np_sockq *q, struct np_skb *skb);

/**
 * np_sockq_read() - copy up to @len bytes out (NULL @buf: discard them),
 * freeing every skb read to its end. Return: bytes read.
 */
NP_API size_t np_sockq_read(struct np_sockq *q, void *buf, size_t len);

/** np_sockq_purge() - free everything queued. NULL: nothing. */
NP_API void np_sockq_purge(struct np_sockq *q);

/* ---- encapsulation ---- */

/**
 * np_skb_encap_push() - put @len bytes of @hdr in front of the packet,
 * making the head private and reallocating it (np_skb_cow_head(), which
 * takes np_pskb_expand_head()) when it is cloned or short of headroom.
 * Data path: @hdr NULL with @len > 0 is caught in debug builds.
 * Return: 0, -EINVAL (@len over 256, always checked), -ENOMEM (skb unchanged).
 */
NP_API int np_skb_encap_push(struct np_skb *skb, const void *hdr, uint32_t len);

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
 * Return: 0, -EINVAL (@path or @out NULL, @snaplen above
 * NP_CAPTURE_MAX_SNAPLEN; no file created), -ENOMEM, -EIO (the file header
 * could not be written), or -errno from opening the file or starting the thread.
 */
NP_API int np_capture_open(const char *path, uint32_t snaplen, struct np_capture **out);

/**
 * np_capture_skb() - clone @skb (the caller keeps it) and queue the clone for
 * the writer thread, which writes it and frees it there.
 * Context: any thread. Return: 0, or -ENOBUFS (not captured; counted).
 */
NP_API int np_capture_skb(struct np_capture *cap, struct np_skb *skb);

/** np_capture_get_stats() - counters so far. Any thread. Return: 0, -EINVAL (@cap or @st NULL). */
NP_API int np_capture_get_stats(struct np_capture *cap, struct np_capture_stats *st);

/**
 * np_capture_close() - write what is queued, stop the writer, close the file;
 * the final counters into @st when not NULL. Nothing happens for a NULL @cap.
 * Return: 0 (also for a NULL @cap), or -errno when writing failed (records
 * may be missing).
 */
NP_API int np_capture_close(struct np_capture *cap, struct np_capture_stats *st);

#endif /* NETPOOL_STACK_H */
