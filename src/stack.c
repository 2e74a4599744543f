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

int np_gro_init(struct np_gro *gro, np_gro_deliver_fn deliver, void *arg)
{
	if (!gro || !deliver)
		return -EINVAL;
	memset(gro, 0, sizeof(*gro));
	gro->deliver = deliver;
	gro->arg = arg;
	return 0;
}

/*
 * The flow of an IPv4 UDP/TCP packet (protocol, addresses, ports into
 * @tuple), a hash of it, and the length of its headers. A packet whose IPv4
 * total length disagrees with its bytes (padding, truncation) is no GRO
 * candidate.
 */
static bool np_gro_flow(const struct np_skb *skb, uint32_t *key, uint32_t *hdr_len,
			unsigned char tuple[NP_GRO_TUPLE])
{
	const unsigned char *p = skb->data;
	uint32_t headlen = np_skb_headlen(skb), ihl, l4, hl, h = 2166136261u;
	unsigned char proto;

	if (headlen < ETH_HLEN + IP4_MIN + 8 || p[12] != 0x08 || p[13] != 0x00 ||
	    (p[ETH_HLEN] >> 4) != 4)
		return false;
	ihl = (p[ETH_HLEN] & 0x0fu) * 4u;
	proto = p[ETH_HLEN + 9];
	l4 = ETH_HLEN + ihl;
	if (ihl < IP4_MIN || (proto != 17 && proto != 6) || headlen < l4 + 8)
		return false;
	if (((uint32_t)p[ETH_HLEN + 2] << 8 | p[ETH_HLEN + 3]) != skb->len - ETH_HLEN)
		return false;
	if (proto == 17) {
		hl = 8;
	} else {
		if (headlen < l4 + 20)
			return false;
		hl = (uint32_t)(p[l4 + 12] >> 4) * 4u;
		if (hl < 20 || headlen < l4 + hl)
			return false;
	}
	tuple[0] = proto;
	memcpy(tuple + 1, p + ETH_HLEN + 12, 8);	/* addresses */
	memcpy(tuple + 9, p + l4, 4);			/* ports */
	/* FNV-1a over the tuple */
	for (unsigned int i = 0; i < NP_GRO_TUPLE; i++)
		h = (h ^ tuple[i]) * 16777619u;
	*key = h;
	*hdr_len = l4 + hl;
	return true;
}

static void np_gro_deliver_slot(struct np_gro *gro, unsigned int i)
{
	struct np_skb *skb = gro->held[i];

	gro->n--;
	memmove(&gro->held[i], &gro->held[i + 1], (gro->n - i) * sizeof(gro->held[0]));
	memmove(&gro->key[i], &gro->key[i + 1], (gro->n - i) * sizeof(gro->key[0]));
	memmove(&gro->tuple[i], &gro->tuple[i + 1], (gro->n - i) * sizeof(gro->tuple[0]));
	gro->flushed++;
	gro->deliver(skb, gro->arg);
}

void np_gro_receive(struct np_gro *gro, struct np_skb *skb)
{
	unsigned char tuple[NP_GRO_TUPLE];
	uint32_t key, hdr_len;
	unsigned int i;

	NP_MISUSE_IF(!gro || !skb, "np_gro_receive", "skb %p into GRO context %p", (void *)skb,
		     (void *)gro);
	if (!np_gro_flow(skb, &key, &hdr_len, tuple) || np_skb_shared(skb)) {
		gro->passed++;
		gro->deliver(skb, gro->arg);
		return;
	}
	for (i = 0; i < gro->n; i++) {
		if (gro->key[i] != key || memcmp(gro->tuple[i], tuple, NP_GRO_TUPLE))
			continue;
		/* the held packet keeps its headers; this one adds its payload */
		np_skb_pull(skb, hdr_len);
		if (np_skb_gro_receive(gro->held[i], skb) == 0) {
			gro->merged++;
			return;
		}
		/* full, or of the other recycling kind: the held one goes, this one is held */
		np_skb_push(skb, hdr_len);
		np_gro_deliver_slot(gro, i);
		break;
	}
	if (gro->n == NP_GRO_HOLD)
		np_gro_deliver_slot(gro, 0);
	/*
	 * The segment size is the held packet's own payload (the kernel's
	 * dev_gro_receive), not that of whatever merges first: a short packet
	 * merged second must not make a later np_skb_segment() cut small ones.
	 * A clone shares the shared info: its gso fields stay as they are.
	 */
	if (!np_skb_shinfo(skb)->gso_size && !np_skb_cloned(skb) && skb->len > hdr_len)
		np_skb_shinfo(skb)->gso_size = (uint16_t)NP_MIN(skb->len - hdr_len, 0xffffu - 1u);
	gro->held[gro->n] = skb;
	gro->key[gro->n] = key;
	memcpy(gro->tuple[gro->n], tuple, NP_GRO_TUPLE);
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
			np_consume_skb(skb);
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
	np_consume_skb(skb);	/* on this thread: the pages go back through their rings */
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
	err = -pthread_create(&cap->thread, NULL, np_capture_thread, cap);
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
