/* SPDX-License-Identifier: MIT */
/*
 * Stack pieces: GRO over IPv4 UDP/TCP flows, a socket-like receive queue
 * with coalescing, an encapsulation push, and a pcap capture tap whose
 * clones are written and freed on a thread of its own.
 */
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "netpool/stack.h"

/* ---- GRO ---- */

#define ETH_HLEN	14u
#define IP4_MIN		20u

#define TCP_FIN		0x01u
#define TCP_SYN		0x02u
#define TCP_RST		0x04u
#define TCP_PSH		0x08u
#define TCP_ACK		0x10u
#define TCP_URG		0x20u
#define TCP_CWR		0x80u

int np_gro_init(struct np_gro *gro, np_gro_deliver_fn deliver, void *arg)
{
	if (!gro || !deliver)
		return -EINVAL;
	memset(gro, 0, sizeof(*gro));
	gro->deliver = deliver;
	gro->arg = arg;
	return 0;
}

static uint16_t gro_rd16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t gro_rd32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* What np_gro_flow() found in a packet. */
struct np_gro_pkt {
	uint32_t key;
	uint32_t hdr_len;	/* Ethernet, IPv4 and L4 headers */
	uint32_t l4;		/* the L4 header, from the data start */
	uint32_t payload;	/* bytes after the headers */
	unsigned char proto;
	bool mergeable;		/* by the IPv4, checksum and flag rules */
	unsigned char tuple[NP_GRO_TUPLE];
};

/*
 * Whether the L4 checksum of @skb (an IPv4 packet, its L4 at @l4) verifies:
 * ip_summed may say so, a UDP checksum of 0 is none, else it is summed.
 */
static bool np_gro_csum_ok(const struct np_skb *skb, const unsigned char *p, uint32_t l4,
			   unsigned char proto)
{
	uint32_t s, d, sum;

	if (skb->ip_summed == NP_CHECKSUM_UNNECESSARY || skb->ip_summed == NP_CHECKSUM_PARTIAL)
		return true;
	if (proto == 17 && !gro_rd16(p + l4 + 6))
		return true;
	memcpy(&s, p + ETH_HLEN + 12, 4);
	memcpy(&d, p + ETH_HLEN + 16, 4);
	sum = np_csum_pseudo4(s, d, skb->len - l4, proto, 0);
	return !np_skb_checksum(skb, l4, skb->len - l4, sum, &sum) && !np_csum_fold(sum);
}

/*
 * The flow of an IPv4 UDP/TCP packet (protocol, addresses, ports into
 * @pk->tuple), a hash of it, the length of its headers, and whether it may
 * merge at all. A packet whose IPv4 total length disagrees with its bytes
 * (padding, truncation) is no GRO candidate. Return: false when it is no
 * IPv4 UDP/TCP packet with readable ports (no flow).
 */
static bool np_gro_flow(struct np_gro *gro, const struct np_skb *skb, struct np_gro_pkt *pk)
{
	const unsigned char *p = skb->data;
	uint32_t headlen = np_skb_headlen(skb), ihl, l4, hl, h = 2166136261u;
	unsigned char proto, fl = 0;

	if (headlen < ETH_HLEN + IP4_MIN + 8 || p[12] != 0x08 || p[13] != 0x00 ||
	    (p[ETH_HLEN] >> 4) != 4)
		return false;
	ihl = (p[ETH_HLEN] & 0x0fu) * 4u;
	proto = p[ETH_HLEN + 9];
	l4 = ETH_HLEN + ihl;
	if (ihl < IP4_MIN || (proto != 17 && proto != 6) || headlen < l4 + 8 ||
	    (gro_rd16(p + ETH_HLEN + 6) & 0x1fffu))
		return false;
	if (gro_rd16(p + ETH_HLEN + 2) != skb->len - ETH_HLEN)
		return false;
	if (proto == 17) {
		hl = 8;
	} else {
		if (headlen < l4 + 20)
			return false;
		hl = (uint32_t)(p[l4 + 12] >> 4) * 4u;
		if (hl < 20 || headlen < l4 + hl)
			return false;
		fl = p[l4 + 13];
	}
	pk->tuple[0] = proto;
	memcpy(pk->tuple + 1, p + ETH_HLEN + 12, 8);	/* addresses */
	memcpy(pk->tuple + 9, p + l4, 4);		/* ports */
	/* FNV-1a over the tuple */
	for (unsigned int i = 0; i < NP_GRO_TUPLE; i++)
		h = (h ^ pk->tuple[i]) * 16777619u;
	pk->key = h;
	pk->l4 = l4;
	pk->hdr_len = l4 + hl;
	pk->proto = proto;
	pk->payload = skb->len > pk->hdr_len ? skb->len - pk->hdr_len : 0;
	/* the rules a merge needs, cheapest first; the checksums last */
	pk->mergeable = ihl == IP4_MIN && !(gro_rd16(p + ETH_HLEN + 6) & 0x2000u) && pk->payload &&
			!np_skb_shinfo(skb)->gso_size && !np_skb_shared(skb) &&
			(proto == 17 || (fl & ~(TCP_PSH | TCP_CWR)) == TCP_ACK) &&
			pk->hdr_len <= 0xffffu;
	if (pk->mergeable && (np_csum_fold(np_csum_partial(p + ETH_HLEN, ihl, 0)) ||
			      !np_gro_csum_ok(skb, p, l4, proto))) {
		gro->csum_bad++;
		pk->mergeable = false;
	}
	return true;
}

/*
 * Whether @pk (a mergeable packet of held packet @i's flow) continues it:
 * the same IPv4 TTL, TOS and DF, the IPv4 ID of the flow's rule (*@fixed
 * set to it), the next TCP sequence number with the same ACK, window, flags
 * but PSH, header length and options; a payload of at most the held segment
 * size.
 */
static bool np_gro_continues(const struct np_gro *gro, unsigned int i, const struct np_skb *skb,
			     const struct np_gro_pkt *pk, uint8_t *fixed)
{
	const struct np_skb *held = gro->held[i];
	const unsigned char *a = held->data, *b = skb->data;
	uint32_t mss = np_skb_shinfo(held)->gso_size, segs;
	uint16_t ida, idb;

	if (!mss || pk->payload > mss || gro->hdr_len[i] != pk->hdr_len)
		return false;
	if (a[ETH_HLEN + 1] != b[ETH_HLEN + 1] || a[ETH_HLEN + 8] != b[ETH_HLEN + 8] ||
	    ((a[ETH_HLEN + 6] ^ b[ETH_HLEN + 6]) & 0x40u))
		return false;
	/*
	 * The IPv4 ID goes up by one a segment, or, with DF set, may stay the
	 * same (the kernel's flush_id): the first merge says which, and the
	 * rest of the train must keep it, so that np_skb_gso_segment() gives
	 * back the IDs that came in.
	 */
	segs = np_skb_shinfo(held)->gso_segs ? np_skb_shinfo(held)->gso_segs : 1u;
	ida = gro_rd16(a + ETH_HLEN + 4);
	idb = gro_rd16(b + ETH_HLEN + 4);
	if (idb == ida && (a[ETH_HLEN + 6] & 0x40u) && (segs == 1 || gro->id_fixed[i]))
		*fixed = 1;
	else if ((uint16_t)(ida + segs) == idb && !gro->id_fixed[i])
		*fixed = 0;
	else
		return false;
	if (pk->proto == 17)
		/* a checksum, or none, for all of them */
		return !gro_rd16(a + pk->l4 + 6) == !gro_rd16(b + pk->l4 + 6);
	if (gro_rd32(b + pk->l4 + 4) != gro->next_seq[i] || (b[pk->l4 + 13] & TCP_CWR))
		return false;
	/* ACK number, header length, flags but PSH, window; then the options */
	if (memcmp(a + pk->l4 + 8, b + pk->l4 + 8, 5) || ((a[pk->l4 + 13] ^ b[pk->l4 + 13]) &
							    (uint8_t)~TCP_PSH) ||
	    memcmp(a + pk->l4 + 14, b + pk->l4 + 14, 2))
		return false;
	return !memcmp(a + pk->l4 + 20, b + pk->l4 + 20, pk->hdr_len - pk->l4 - 20);
}

/*
 * A held packet that others merged into leaves complete (the kernel's
 * napi_gro_complete()): its headers say its whole length, its L4 checksum
 * is partial with the pseudo header seeded, its gso_type is set. One that
 * merged nothing leaves as it came, without the segment size it was given.
 */
static void np_gro_complete(struct np_skb *skb, bool id_fixed)
{
	struct np_skb_shared_info *sh = np_skb_shinfo(skb);
	unsigned char *p = skb->data, *ip = p + ETH_HLEN;
	uint32_t l4 = ETH_HLEN + IP4_MIN, len = skb->len - l4, s, d, hr = np_skb_headroom(skb);
	uint16_t c = 0;

	if (sh->gso_segs < 2) {
		if (!np_skb_cloned(skb))
			sh->gso_size = 0;
		return;
	}
	ip[2] = (unsigned char)((skb->len - ETH_HLEN) >> 8);
	ip[3] = (unsigned char)(skb->len - ETH_HLEN);
	memcpy(ip + 10, &c, 2);
	c = np_csum_fold(np_csum_partial(ip, IP4_MIN, 0));
	memcpy(ip + 10, &c, 2);
	memcpy(&s, ip + 12, 4);
	memcpy(&d, ip + 16, 4);
	if (ip[9] == 6) {
		sh->gso_type = (uint16_t)(NP_SKB_GSO_TCPV4 |
					  (p[l4 + 13] & TCP_CWR ? NP_SKB_GSO_TCP_ECN : 0) |
					  (id_fixed ? NP_SKB_GSO_TCP_FIXEDID : 0));
		skb->csum_offset = 16;
	} else {
		p[l4 + 4] = (unsigned char)(len >> 8);
		p[l4 + 5] = (unsigned char)len;
		sh->gso_type = (uint16_t)(NP_SKB_GSO_UDP_L4 | (id_fixed ? NP_SKB_GSO_TCP_FIXEDID : 0));
		skb->csum_offset = 6;
	}
	c = (uint16_t)~np_csum_fold(np_csum_pseudo4(s, d, len, ip[9], 0));
	memcpy(p + l4 + skb->csum_offset, &c, 2);
	skb->ip_summed = NP_CHECKSUM_PARTIAL;
	skb->csum_start = (uint16_t)(hr + l4);
	skb->mac_header = (uint16_t)hr;
	skb->network_header = (uint16_t)(hr + ETH_HLEN);
	skb->transport_header = (uint16_t)(hr + l4);
}

static void np_gro_deliver_slot(struct np_gro *gro, unsigned int i)
{
	struct np_skb *skb = gro->held[i];
	bool id_fixed = gro->id_fixed[i];

	gro->n--;
	memmove(&gro->held[i], &gro->held[i + 1], (gro->n - i) * sizeof(gro->held[0]));
	memmove(&gro->key[i], &gro->key[i + 1], (gro->n - i) * sizeof(gro->key[0]));
	memmove(&gro->tuple[i], &gro->tuple[i + 1], (gro->n - i) * sizeof(gro->tuple[0]));
	memmove(&gro->next_seq[i], &gro->next_seq[i + 1], (gro->n - i) * sizeof(gro->next_seq[0]));
	memmove(&gro->hdr_len[i], &gro->hdr_len[i + 1], (gro->n - i) * sizeof(gro->hdr_len[0]));
	memmove(&gro->id_fixed[i], &gro->id_fixed[i + 1], (gro->n - i) * sizeof(gro->id_fixed[0]));
	gro->flushed++;
	np_gro_complete(skb, id_fixed);
	gro->deliver(skb, gro->arg);
}

/* The held packet of @pk's flow, or -1. */
static int np_gro_find(const struct np_gro *gro, const struct np_gro_pkt *pk)
{
	for (unsigned int i = 0; i < gro->n; i++)
		if (gro->key[i] == pk->key && !memcmp(gro->tuple[i], pk->tuple, NP_GRO_TUPLE))
			return (int)i;
	return -1;
}

void np_gro_receive(struct np_gro *gro, struct np_skb *skb)
{
	struct np_gro_pkt pk;
	uint32_t mss;
	uint8_t fixed = 0;
	unsigned char fl;
	int i;

	NP_MISUSE_IF(!gro || !skb, "np_gro_receive", "skb %p into GRO context %p", (void *)skb,
		     (void *)gro);
	if (!np_gro_flow(gro, skb, &pk)) {
		gro->passed++;
		gro->deliver(skb, gro->arg);
		return;
	}
	i = np_gro_find(gro, &pk);
	if (!pk.mergeable) {
		/* what cannot merge still follows what its flow holds */
		if (i >= 0)
			np_gro_deliver_slot(gro, (unsigned int)i);
		gro->passed++;
		gro->deliver(skb, gro->arg);
		return;
	}
	fl = pk.proto == 6 ? skb->data[pk.l4 + 13] : 0;
	if (i >= 0 && np_gro_continues(gro, (unsigned int)i, skb, &pk, &fixed)) {
		struct np_skb *held = gro->held[i];

		mss = np_skb_shinfo(held)->gso_size;
		/* the held packet keeps its headers; this one adds its payload */
		np_skb_pull(skb, pk.hdr_len);
		if (np_skb_gro_receive(held, skb) == 0) {
			gro->merged++;
			gro->next_seq[i] += pk.payload;
			gro->id_fixed[i] = fixed;
			if (fl & TCP_PSH)
				held->data[pk.l4 + 13] |= TCP_PSH;	/* it ends here */
			/* PSH or a short one ends the train */
			if ((fl & TCP_PSH) || pk.payload < mss)
				np_gro_deliver_slot(gro, (unsigned int)i);
			return;
		}
		/* full, or of the other recycling kind: the held one goes, this one is held */
		np_skb_push(skb, pk.hdr_len);
	}
	if (i >= 0)
		np_gro_deliver_slot(gro, (unsigned int)i);
	if (fl & TCP_PSH) {
		/* nothing merges after a push: it goes as it is */
		gro->passed++;
		gro->deliver(skb, gro->arg);
		return;
	}
	if (gro->n == NP_GRO_HOLD)
		np_gro_deliver_slot(gro, 0);
	/*
	 * The segment size is the held packet's own payload (the kernel's
	 * dev_gro_receive), not that of whatever merges first: a short packet
	 * merged second must not make a later np_skb_segment() cut small ones.
	 * A clone shares the shared info: its gso fields stay as they are.
	 */
	if (!np_skb_cloned(skb))
		np_skb_shinfo(skb)->gso_size = (uint16_t)NP_MIN(pk.payload, 0xffffu - 1u);
	gro->held[gro->n] = skb;
	gro->key[gro->n] = pk.key;
	memcpy(gro->tuple[gro->n], pk.tuple, NP_GRO_TUPLE);
	gro->next_seq[gro->n] = pk.proto == 6 ? gro_rd32(skb->data + pk.l4 + 4) + pk.payload : 0;
	gro->hdr_len[gro->n] = (uint16_t)pk.hdr_len;
	gro->id_fixed[gro->n] = 0;
	gro->n++;
	gro->held_total++;
}

void np_gro_flush(struct np_gro *gro)
{
	while (gro->n)
		np_gro_deliver_slot(gro, 0);
}

/* ---- receive queue ---- */

int np_sockq_init(struct np_sockq *q, uint64_t limit)
{
	if (!q)
		return -EINVAL;
	memset(q, 0, sizeof(*q));
	q->limit = limit ? limit : 4u << 20;
	return 0;
}

int np_sockq_queue(struct np_sockq *q, struct np_skb *skb)
{
	bool stolen;
	int delta;

	if (q->bytes + skb->len > q->limit) {
		q->dropped++;
		np_kfree_skb_reason(skb, NP_SKB_DROP_QUEUE_FULL);
		return -ENOBUFS;
	}
	q->bytes += skb->len;
	q->queued++;
	if (q->tail && np_skb_try_coalesce(q->tail, skb, &stolen, &delta)) {
		q->coalesced++;
		q->stolen += stolen;
		np_kfree_skb_partial(skb, stolen);
		return 0;
	}
	skb->next = NULL;
	if (q->tail)
		q->tail->next = skb;
	else
		q->head = skb;
	q->tail = skb;
	return 0;
}

size_t np_sockq_read(struct np_sockq *q, void *buf, size_t len)
{
	size_t done = 0;

	while (q->head && done < len) {
		struct np_skb *skb = q->head;
		uint32_t n = (uint32_t)NP_MIN((size_t)(skb->len - q->head_off), len - done);

		if (buf)
			np_skb_copy_bits(skb, q->head_off, (char *)buf + done, n);
		q->head_off += n;
		done += n;
		if (q->head_off == skb->len) {
			q->head = skb->next;
			if (!q->head)
				q->tail = NULL;
			skb->next = NULL;
			q->head_off = 0;
			/* the reader is seldom the napi that built it: its owner frees it */
			np_skb_attempt_defer_free(skb);
		}
	}
	q->bytes -= done;
	q->read_bytes += done;
	return done;
}

void np_sockq_purge(struct np_sockq *q)
{
	if (!q)
		return;
	np_kfree_skb_list(q->head);
	q->head = q->tail = NULL;
	q->head_off = 0;
	q->bytes = 0;
}

/* ---- encapsulation ---- */

int np_skb_encap_push(struct np_skb *skb, const void *hdr, uint32_t len)
{
	NP_MISUSE_IF(!skb || (len && !hdr), "np_skb_encap_push", "push of %u bytes from %p "
		     "onto skb %p", len, hdr, (void *)skb);
	if (len > 256)
		return -EINVAL;
	if (np_skb_cloned(skb) || np_skb_headroom(skb) < len) {
		int err = np_skb_cow_head(skb, len);

		if (err)
			return err;
	}
	memcpy(np_skb_push(skb, len), hdr, len);
	return 0;
}

/* ---- capture ---- */

#define NP_CAPTURE_QUEUE	4096u

struct np_capture {
	FILE *f;
	uint32_t snaplen;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct np_skb **q;		/* ring of clones */
	uint64_t q_head, q_tail;	/* under lock */
	bool stop;
	int err;			/* first write error */
	np_atomic_u64 captured, written, dropped, bytes;
	unsigned char *buf;		/* the writer's record buffer */
};

struct np_pcap_hdr {
	uint32_t magic;
	uint16_t major, minor;
	int32_t thiszone;
	uint32_t sigfigs, snaplen, linktype;
};

struct np_pcap_rec {
	uint32_t sec, usec, incl, orig;
};

static void np_capture_write(struct np_capture *cap, struct np_skb *skb)
{
	struct timespec ts;
	struct np_pcap_rec r;
	uint32_t n = NP_MIN(skb->len, cap->snaplen);

	clock_gettime(CLOCK_REALTIME, &ts);
	r.sec = (uint32_t)ts.tv_sec;
	r.usec = (uint32_t)(ts.tv_nsec / 1000);
	r.incl = n;
	r.orig = skb->len;
	np_skb_copy_bits(skb, 0, cap->buf, n);
	if (!cap->err && (fwrite(&r, sizeof(r), 1, cap->f) != 1 ||
			  fwrite(cap->buf, 1, n, cap->f) != n))
		cap->err = -EIO;
	if (!cap->err) {
		np_atomic_inc_relaxed(&cap->written);
		np_atomic_add_relaxed(&cap->bytes, sizeof(r) + n);
	}
	np_skb_attempt_defer_free(skb);	/* the last share: freed by the pool's owner */
}

static void *np_capture_thread(void *arg)
{
	struct np_capture *cap = arg;

	pthread_mutex_lock(&cap->lock);
	for (;;) {
		while (cap->q_head == cap->q_tail && !cap->stop)
			pthread_cond_wait(&cap->wake, &cap->lock);
		if (cap->q_head == cap->q_tail)
			break;
		while (cap->q_head != cap->q_tail) {
			struct np_skb *skb = cap->q[cap->q_head++ % NP_CAPTURE_QUEUE];

			pthread_mutex_unlock(&cap->lock);
			np_capture_write(cap, skb);
			pthread_mutex_lock(&cap->lock);
		}
	}
	pthread_mutex_unlock(&cap->lock);
	np_skb_thread_flush();
	return NULL;
}

int np_capture_open(const char *path, uint32_t snaplen, struct np_capture **out)
{
	struct np_pcap_hdr h = { .magic = 0xa1b2c3d4u, .major = 2, .minor = 4, .linktype = 1 };
	struct np_capture *cap;
	int err;

	if (!path || !out || snaplen > NP_CAPTURE_MAX_SNAPLEN)
		return -EINVAL;
	cap = calloc(1, sizeof(*cap));
	if (!cap)
		return -ENOMEM;
	cap->snaplen = snaplen ? snaplen : 65535;
	h.snaplen = cap->snaplen;
	cap->q = calloc(NP_CAPTURE_QUEUE, sizeof(*cap->q));
	cap->buf = malloc(cap->snaplen);
	if (!cap->q || !cap->buf) {
		err = -ENOMEM;
		goto fail;
	}
	cap->f = fopen(path, "wb");
	if (!cap->f) {
		err = -errno;
		np_err("capture: cannot open %s: %s\n", path, strerror(errno));
		goto fail;
	}
	if (fwrite(&h, sizeof(h), 1, cap->f) != 1) {
		err = -EIO;
		goto fail;
	}
	pthread_mutex_init(&cap->lock, NULL);
	pthread_cond_init(&cap->wake, NULL);
	err = -np_thread_create(&cap->thread, NULL, "np-capture", np_capture_thread, cap);
	if (err) {
		pthread_mutex_destroy(&cap->lock);
		pthread_cond_destroy(&cap->wake);
		goto fail;
	}
	*out = cap;
	return 0;
fail:
	if (cap->f)
		fclose(cap->f);
	free(cap->buf);
	free(cap->q);
	free(cap);
	return err;
}

int np_capture_skb(struct np_capture *cap, struct np_skb *skb)
{
	struct np_skb *c;
	bool full;

	NP_MISUSE_IF(!cap || !skb, "np_capture_skb", "capture of skb %p into %p", (void *)skb,
		     (void *)cap);
	c = np_skb_clone(skb);
	if (!c) {
		np_atomic_inc_relaxed(&cap->dropped);
		return -ENOBUFS;
	}
	pthread_mutex_lock(&cap->lock);
	full = cap->q_tail - cap->q_head == NP_CAPTURE_QUEUE;
	if (!full) {
		cap->q[cap->q_tail++ % NP_CAPTURE_QUEUE] = c;
		pthread_cond_signal(&cap->wake);
	}
	pthread_mutex_unlock(&cap->lock);
	if (full) {
		np_atomic_inc_relaxed(&cap->dropped);
		np_kfree_skb_reason(c, NP_SKB_DROP_QUEUE_FULL);
		return -ENOBUFS;
	}
	np_atomic_inc_relaxed(&cap->captured);
	return 0;
}

int np_capture_get_stats(struct np_capture *cap, struct np_capture_stats *st)
{
	if (!cap || !st)
		return -EINVAL;
	st->captured = atomic_load_explicit(&cap->captured, memory_order_relaxed);
	st->written = atomic_load_explicit(&cap->written, memory_order_relaxed);
	st->dropped = atomic_load_explicit(&cap->dropped, memory_order_relaxed);
	st->bytes = atomic_load_explicit(&cap->bytes, memory_order_relaxed);
	return 0;
}

int np_capture_close(struct np_capture *cap, struct np_capture_stats *st)
{
	int err;

	if (!cap)
		return 0;
	pthread_mutex_lock(&cap->lock);
	cap->stop = true;
	pthread_cond_signal(&cap->wake);
	pthread_mutex_unlock(&cap->lock);
	pthread_join(cap->thread, NULL);
	if (fclose(cap->f) && !cap->err)
		cap->err = -EIO;
	if (st)
		np_capture_get_stats(cap, st);
	err = cap->err;
	pthread_mutex_destroy(&cap->lock);
	pthread_cond_destroy(&cap->wake);
	free(cap->buf);
	free(cap->q);
	free(cap);
	return err;
}
