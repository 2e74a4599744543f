/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the vnic driver's RX reap and TX completion paths fed
 * raw device-written fields, the way a buggy or hostile device would write
 * them. The harness plays the device (src/drivers/vnic_inject.h, a test-only hook):
 *
 *   RX   it completes posted descriptors with any address (right, a bit
 *        flipped, off by a few bytes, another posted buffer's - a duplicated
 *        id -, the previous completion's, raw 64 bits), any length (in the
 *        buffer, past it, raw), any status and flags, multi-buffer chains
 *        (EOP or not, longer than an skb can hold), publishes them a part at
 *        a time, or completes descriptors it never wrote; with a checking
 *        IOMMU it also tries to write where it was not given a buffer.
 *        Besides, the vnic's own traffic source (np_vnic_gen_start, with or
 *        without corrupt_ppm) sends frames, and NP_FAULT_DESC_POST, page
 *        and DMA map faults starve the refill.
 *   TX   frames sent by the harness and by the XDP-like hook (TX, REDIRECT,
 *        PASS then forwarded) have their completions held back and released
 *        later; the device also publishes done indexes past what was posted
 *        (completions for descriptors never posted) or behind what was
 *        cleaned, on both rings: the driver must ignore them (bad_index).
 *
 * The oracle, beyond the sanitizers: after every poll, an independent model
 * of the driver's documented rules (a descriptor whose status, address or
 * length is wrong, and the rest of its frame, is dropped and counted in
 * rx_bad_desc; a frame is reaped only once its EOP is published; good
 * frames reach the hook whole) must agree exactly with
 * rx_bad_desc, rx_packets, rx_bytes and the frames the hook saw; the
 * driver's ring indexes must stay possible (post - clean within the ring);
 * the device side must never fault on what the driver posted. At the end the
 * netdev is closed and destroyed, every pool is freed (inflight 0), no skb is
 * live, the IOMMU has no mapping left and its refusals are exactly the
 * harness's own stray writes, and the provider has no page more out than
 * before. Any failure: abort().
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "netpool.h"
#include "../src/drivers/vnic_inject.h"

#define MAXQ		2
#define RING_MAX	64
#define LOG_MAX		256
#define FRAG_BUFS	(NP_MAX_SKB_FRAGS + 1)	/* buffers of one frame the driver accepts */

#include "fuzz_input.h"
#include "fuzz_route.h"

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...);

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_vnic_desc: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

/* One completion as the model sees it. */
struct rec {
	bool valid;
	bool eop;
	uint32_t len;
};

/* A frame the hook saw, or the model expects it to see. */
struct frame {
	uint32_t first_len;
	uint32_t nbufs;
	uint64_t bytes;
};

struct fq {
	/* written by the device, not yet published (slots done .. done + nstaged) */
	struct rec staged[RING_MAX];
	struct np_vnic_raw_rxd orig[RING_MAX];	/* what the driver had posted there */
	unsigned nstaged;
	/* published, not yet reaped by the driver */
	struct rec pend[2 * RING_MAX + FRAG_BUFS * RING_MAX];
	unsigned npend;
	bool unknown;		/* a wild index was published: no exact accounting until resync */
	bool skip;		/* the driver drops the rest of a chain longer than an skb holds */
	uint64_t last_addr;
	struct np_gro gro;
	struct np_sockq sq;
};

struct fz {
	struct np_netdev *dev;
	unsigned nq;
	uint32_t buf_len;
	bool iommu, corrupt;
	struct fq q[MAXQ];
	/* the hook's and the stack's behaviour, set by the input */
	unsigned verdict, vstep, move, route, k;
	/* what the hook saw during the current poll */
	struct frame log[LOG_MAX];
	unsigned nlog, log_q;
	bool log_overflow;
	uint64_t my_faults;	/* device writes the IOMMU must have refused */
};

static enum np_xdp_action prog(struct np_xdp_buff *xdp, void *arg)
{
	struct fz *f = arg;
	unsigned v;

	if (xdp->queue != f->log_q)
		die("hook called for queue %u during a poll of queue %u", xdp->queue, f->log_q);
	if (f->nlog < LOG_MAX) {
		struct frame *fr = &f->log[f->nlog++];

		fr->first_len = (uint32_t)(xdp->data_end - xdp->data);
		fr->nbufs = xdp->nr_frags + 1;
	} else {
		f->log_overflow = true;
	}
	if (xdp->data - xdp->data_hard_start != NP_XDP_HEADROOM)
		die("frame data at %td from the buffer start",
		    (ptrdiff_t)(xdp->data - xdp->data_hard_start));
	v = (f->verdict + f->k++ * f->vstep) % 8;
	if (v == 4) {		/* pass, the start moved (out of the buffer sometimes: refused) */
		fuzz_xdp_nudge(xdp, f->move);
		return NP_XDP_PASS;
	}
	if (v == 5) {		/* or far out of it */
		xdp->data -= NP_XDP_HEADROOM + 1 + f->move;
		return NP_XDP_PASS;
	}
	return fuzz_xdp_verdict(xdp, v, f->dev);
}

static void rx(struct np_netdev *dev, unsigned int q, struct np_skb *skb, void *arg)
{
	struct fz *f = arg;

	fuzz_route(skb, (enum fuzz_route)((f->route + f->k) % FUZZ_NROUTES), &f->q[q].gro, dev, q);
}

/* ---- the model of the driver's reap (vnic.h: the rules, not the code) ---- */

struct expect {
	struct frame fr[LOG_MAX];
	unsigned nfr;
	uint64_t bad, bytes;
};

/*
 * Reap q's published completions as the driver must, with @budget frames
 * at most. A frame is the records up to the first EOP and is reaped whole,
 * once its EOP is published; one with an invalid record, or longer than an
 * skb holds, is dropped, every record of it counted bad (a chain too long to
 * see its end goes a piece of FRAG_BUFS at a time, on to its EOP).
 */
static void model_reap(struct fq *mq, int budget, struct expect *e)
{
	unsigned i = 0;
	int work = 0;

	memset(e, 0, sizeof(*e));
	while (i < mq->npend && work < budget) {
		unsigned avail = mq->npend - i, n = 0;
		bool eop = false, bad;
		uint64_t bytes = 0;

		while (n < avail && n < FRAG_BUFS)
			if (mq->pend[i + n++].eop) {
				eop = true;
				break;
			}
		if (!eop && n == avail && n < FRAG_BUFS && !mq->skip)
			break;	/* waits for the rest of its frame */
		bad = mq->skip || !eop;
		for (unsigned k = 0; k < n; k++) {
			bad |= !mq->pend[i + k].valid;
			bytes += mq->pend[i + k].len;
		}
		if (bad) {
			e->bad += n;
		} else {
			if (e->nfr == LOG_MAX)
				die("model: too many frames in one poll");
			e->fr[e->nfr++] = (struct frame){ mq->pend[i].len, n, bytes };
			e->bytes += bytes;
		}
		mq->skip = !eop;
		i += n;
		if (eop)
			work++;
	}
	memmove(mq->pend, mq->pend + i, (mq->npend - i) * sizeof(mq->pend[0]));
	mq->npend -= i;
}

static void pend_push(struct fq *mq, struct rec r)
{
	if (mq->npend == NP_ARRAY_SIZE(mq->pend))
		die("model: pending list full");
	mq->pend[mq->npend++] = r;
}

static void rx_state(struct fz *f, unsigned q, struct np_vnic_ring_state *st)
{
	int err = np_vnic_inject_rx_state(f->dev, q, st);

	if (err)
		die("np_vnic_inject_rx_state: %d", err);
}

static void tx_state(struct fz *f, unsigned q, struct np_vnic_ring_state *st)
{
	int err = np_vnic_inject_tx_state(f->dev, q, st);

	if (err)
		die("np_vnic_inject_tx_state: %d", err);
}

/* The driver's indexes after a poll: nothing reaped or completed past what the device published. */
static void check_rings(struct fz *f, unsigned q, const char *after)
{
	struct np_vnic_ring_state rs, ts;
	int err;

	rx_state(f, q, &rs);
	tx_state(f, q, &ts);
	if (rs.post - rs.clean > rs.size)
		die("after %s: RX ring q%u: post %u clean %u (more outstanding than the ring holds)",
		    after, q, rs.post, rs.clean);
	if (ts.post - ts.clean > ts.size)
		die("after %s: TX ring q%u: post %u clean %u done %u: the driver completed "
		    "descriptors it never posted", after, q, ts.post, ts.clean, ts.done);
	for (unsigned i = 0; i < f->nq; i++)
		if (f->q[i].nstaged)
			return;	/* unpublished writes: the check would see them */
	if ((err = np_vnic_inject_check(f->dev)))
		die("after %s: np_vnic_inject_check: %d (an impossible driver state)", after, err);
}

/*
 * After a wild index: the device starts over where the driver stands, with
 * what the driver posted (what it wrote into slots the driver never reaped goes).
 */
static void rx_resync(struct fz *f, unsigned q)
{
	struct fq *mq = &f->q[q];
	struct np_vnic_ring_state rs;

	rx_state(f, q, &rs);
	for (uint32_t k = rs.clean; k != rs.post; k++) {
		struct np_vnic_raw_rxd d = { .len = f->buf_len };

		if (!np_vnic_inject_rx_posted(f->dev, q, k, &d.addr))
			np_vnic_inject_rx_write(f->dev, q, k, &d);
	}
	np_vnic_inject_rx_set_done(f->dev, q, rs.clean);
	mq->npend = 0;
	mq->unknown = false;
	mq->skip = rs.skip;
}

/* NP_FUZZ_VNIC_VERBOSE=1: a line per poll (to see what a seed does). */
static bool verbose(void)
{
	static int v = -1;

	if (v < 0) {
		const char *s = getenv("NP_FUZZ_VNIC_VERBOSE");

		v = s && *s && strcmp(s, "0");
	}
	return v;
}

/* One poll of @q with the exact accounting; @gen_len: frames the traffic source sends, or 0. */
static void poll_q(struct fz *f, unsigned q, uint32_t gen_len, const char *what)
{
	struct np_netdev_qstats a, b;
	struct np_vnic_stats va, vb;
	struct np_dma_stats da, db;
	struct fq *mq = &f->q[q];
	struct expect e;
	int budget = f->dev->q[q].napi.weight;

	np_netdev_get_qstats(f->dev, (int)q, &a);
	np_vnic_get_stats(f->dev, (int)q, &va);
	np_dma_get_stats(np_vnic_dma(f->dev), &da);
	f->nlog = 0;
	f->log_overflow = false;
	f->log_q = q;
	np_netdev_poll(f->dev, q);
	np_netdev_get_qstats(f->dev, (int)q, &b);
	np_vnic_get_stats(f->dev, (int)q, &vb);
	np_dma_get_stats(np_vnic_dma(f->dev), &db);
	if (db.double_map != da.double_map || db.bad_unmap != da.bad_unmap ||
	    db.bad_sync != da.bad_sync)
		die("%s: q%u: DMA API misuse by the driver: double_map +%llu bad_unmap +%llu "
		    "bad_sync +%llu", what, q, (unsigned long long)(db.double_map - da.double_map),
		    (unsigned long long)(db.bad_unmap - da.bad_unmap),
		    (unsigned long long)(db.bad_sync - da.bad_sync));
	check_rings(f, q, what);
	if (mq->unknown) {
		/* after a wild index: the driver ignored it and reaped nothing */
		if (vb.bad_index == va.bad_index || b.rx_packets != a.rx_packets ||
		    b.rx_bad_desc != a.rx_bad_desc)
			die("%s: q%u: a wild RX done index was not refused (bad_index +%llu, "
			    "rx_packets +%llu, rx_bad_desc +%llu)", what, q,
			    (unsigned long long)(vb.bad_index - va.bad_index),
			    (unsigned long long)(b.rx_packets - a.rx_packets),
			    (unsigned long long)(b.rx_bad_desc - a.rx_bad_desc));
		rx_resync(f, q);
		return;
	}
	if (gen_len && f->corrupt) {
		/* a corrupt completion is at least one bad descriptor; the rest is not modelled */
		if (b.rx_bad_desc - a.rx_bad_desc < vb.corrupt - va.corrupt)
			die("%s: %llu corrupt completions but %llu bad descriptors counted", what,
			    (unsigned long long)(vb.corrupt - va.corrupt),
			    (unsigned long long)(b.rx_bad_desc - a.rx_bad_desc));
		rx_resync(f, q);	/* the rest is not modelled: start over from the driver's state */
		return;
	}
	for (uint64_t n = vb.gen_frames - va.gen_frames; n; n--) {
		for (uint32_t off = 0; off < gen_len; off += f->buf_len) {
			uint32_t len = NP_MIN(gen_len - off, f->buf_len);

			pend_push(mq, (struct rec){ .valid = true, .eop = off + len == gen_len,
						    .len = len });
		}
	}
	if (verbose()) {
		struct np_vnic_ring_state rs;

		rx_state(f, q, &rs);
		fprintf(stderr, "fuzz_vnic_desc: %s: q%u: ring post %u done %u clean %u, model skip %d,"
			" pending:", what, q, rs.post, rs.done, rs.clean, mq->skip);
		for (unsigned i = 0; i < mq->npend; i++)
			fprintf(stderr, " %c%s%u", mq->pend[i].valid ? '+' : '-',
				mq->pend[i].eop ? "e" : "", mq->pend[i].len);
		fprintf(stderr, "\n");
	}
	model_reap(mq, budget, &e);
	if (b.rx_bad_desc - a.rx_bad_desc != e.bad)
		die("%s: q%u: rx_bad_desc went up by %llu, the model counts %llu bad descriptors",
		    what, q, (unsigned long long)(b.rx_bad_desc - a.rx_bad_desc),
		    (unsigned long long)e.bad);
	if (b.rx_packets - a.rx_packets != e.nfr || b.rx_bytes - a.rx_bytes != e.bytes)
		die("%s: q%u: rx_packets +%llu rx_bytes +%llu, the model: %u frames %llu bytes",
		    what, q, (unsigned long long)(b.rx_packets - a.rx_packets),
		    (unsigned long long)(b.rx_bytes - a.rx_bytes), e.nfr,
		    (unsigned long long)e.bytes);
	if (f->log_overflow || f->nlog != e.nfr)
		die("%s: q%u: the hook saw %u frames, the model expects %u", what, q, f->nlog,
		    e.nfr);
	for (unsigned i = 0; i < e.nfr; i++)
		if (f->log[i].first_len != e.fr[i].first_len || f->log[i].nbufs != e.fr[i].nbufs)
			die("%s: q%u: frame %u: the hook saw %u bytes in %u buffers, the model "
			    "%u bytes in %u", what, q, i, f->log[i].first_len, f->log[i].nbufs,
			    e.fr[i].first_len, e.fr[i].nbufs);
	if (vb.dma_faults != va.dma_faults)
		die("%s: q%u: the device faulted on what the driver posted or sent", what, q);
	if (verbose())
		fprintf(stderr, "fuzz_vnic_desc: %s: q%u: %u frames, %llu bytes, %llu bad; "
			"%u pending\n", what, q, e.nfr, (unsigned long long)e.bytes,
			(unsigned long long)e.bad, mq->npend);
}

static void end_of_poll(struct fz *f, unsigned q)
{
	np_gro_flush(&f->q[q].gro);
	np_sockq_read(&f->q[q].sq, NULL, (size_t)-1);
}

/* ---- the device's RX side ---- */

/* The device writes one completion into the next posted descriptor. */
static void rx_complete_one(struct fz *f, unsigned q, struct in *in)
{
	struct fq *mq = &f->q[q];
	struct np_vnic_ring_state st;
	struct np_vnic_raw_rxd posted, d, other;
	unsigned m = take(in), lmode = (m >> 6) & 3, smode = (m >> 4) & 3;
	uint32_t lenv = (uint32_t)take_n(in, 2), idx;
	unsigned npay = take(in) & 63;
	uint8_t pay[64];
	uint32_t wlen;

	for (unsigned i = 0; i < npay; i++)
		pay[i] = (uint8_t)take(in);
	if (mq->unknown)
		return;	/* the device writes again once a poll refused its wild index */
	rx_state(f, q, &st);
	if (st.post - st.done <= mq->nstaged)
		return;		/* nothing posted left to complete */
	idx = st.done + mq->nstaged;
	if (np_vnic_inject_rx_read(f->dev, q, idx, &posted))
		die("rx_read");
	d.flags = (m & 8) ? NP_VNIC_RXD_EOP : 0;
	switch (m & 7) {
	case 3:	/* one bit off */
		d.addr = posted.addr ^ (1ull << (take(in) & 63));
		break;
	case 4:	/* another posted buffer (a duplicated id), or this one again */
		np_vnic_inject_rx_read(f->dev, q, idx + 1 + take(in) % st.size, &other);
		d.addr = other.addr;
		break;
	case 5:	/* the buffer just completed, again */
		d.addr = mq->last_addr;
		break;
	case 6:	/* anything */
		d.addr = take_n(in, 8);
		break;
	case 7:	/* a few bytes off (or not) */
		d.addr = posted.addr + (uint64_t)(int64_t)((int)take(in) - 128);
		break;
	default:
		d.addr = posted.addr;
		break;
	}
	switch (lmode) {
	case 0:
	case 1:
		d.len = lenv % (f->buf_len + 1);
		break;
	case 2:
		d.len = f->buf_len + lenv % 4096;
		break;
	default:
		d.len = lenv | (uint32_t)take_n(in, 2) << 16;
		break;
	}
	switch (smode) {
	case 0:
	case 1:
		d.status = NP_VNIC_RXS_OK;
		break;
	case 2:
		d.status = NP_VNIC_RXS_ERR;
		break;
	default:
		d.status = (uint16_t)take_n(in, 2);
		d.flags |= (uint16_t)(take(in) & 0xfe);	/* flags the driver must ignore */
		break;
	}
	/* the frame's bytes, written where the device was told to (or tries to) */
	wlen = NP_MIN(d.len, f->buf_len);
	if (wlen && d.addr == posted.addr) {
		uint8_t *p = np_dma_dev_access(np_vnic_dma(f->dev), d.addr, wlen, true);

		if (!p)
			die("the DMA layer refused a write into a posted buffer");
		for (uint32_t i = 0; i < wlen; i++)
			p[i] = i < npay ? pay[i] : (uint8_t)(i + idx);
	} else if (wlen && f->iommu) {
		/*
		 * Elsewhere: the checking IOMMU must refuse it unless it is mapped memory
		 * (another pool page); even then nothing is written there - a device can
		 * scribble over any page it has mapped, which no driver can prevent.
		 */
		if (!np_dma_dev_access(np_vnic_dma(f->dev), d.addr, wlen, true))
			f->my_faults++;
	}
	if (np_vnic_inject_rx_write(f->dev, q, idx, &d))
		die("rx_write");
	mq->orig[mq->nstaged] = posted;
	mq->staged[mq->nstaged++] = (struct rec){
		.valid = d.status == NP_VNIC_RXS_OK && d.addr == posted.addr && d.len &&
			 d.len <= f->buf_len,
		.eop = d.flags & NP_VNIC_RXD_EOP,
		.len = d.len,
	};
	mq->last_addr = d.addr;
}

/*
 * The device publishes what it wrote, and @extra more: descriptors it never
 * wrote (still as the driver posted them: status 0, a bad descriptor) or,
 * with wild indexes, past what was posted, or behind.
 */
static void rx_publish(struct fz *f, unsigned q, struct in *in)
{
	struct fq *mq = &f->q[q];
	struct np_vnic_ring_state st;
	unsigned x = take(in);
	uint32_t done;

	if (mq->unknown)
		return;	/* a wild index stays published until a poll refuses it */
	rx_state(f, q, &st);
	done = st.done + mq->nstaged;
	for (unsigned i = 0; i < mq->nstaged; i++)
		pend_push(mq, mq->staged[i]);
	mq->nstaged = 0;
	if (x & 0x80) {
		/* a wild index: past the posted descriptors, or behind the cleaned ones */
		done = (x & 0x40) ? st.post + 1 + (x & 0x3f) : st.clean - 1 - (x & 0x3f);
		mq->unknown = true;
	} else if (x & 0x40) {
		uint32_t room = st.post - done, n = room ? (x & 0x3f) % (room + 1) : 0;

		for (uint32_t i = 0; i < n; i++) {
			struct np_vnic_raw_rxd d;

			uint64_t posted = 0;

			/* as the driver posted it, or as the device left it before a resync */
			np_vnic_inject_rx_read(f->dev, q, done + i, &d);
			np_vnic_inject_rx_posted(f->dev, q, done + i, &posted);
			pend_push(mq, (struct rec){
				.valid = d.status == NP_VNIC_RXS_OK && d.addr == posted && d.len &&
					 d.len <= f->buf_len,
				.eop = d.flags & NP_VNIC_RXD_EOP, .len = d.len });
		}
		done += n;
	}
	np_vnic_inject_rx_set_done(f->dev, q, done);
}

/* Unpublished writes are scratch: the device puts the posted descriptors back. */
static void rx_unstage(struct fz *f, unsigned q)
{
	struct fq *mq = &f->q[q];
	struct np_vnic_ring_state st;

	rx_state(f, q, &st);
	for (unsigned i = 0; i < mq->nstaged; i++)
		np_vnic_inject_rx_write(f->dev, q, st.done + i, &mq->orig[i]);
	mq->nstaged = 0;
}

/* The vnic's own traffic source: @count frames of one length, then quiet. */
static void gen_burst(struct fz *f, unsigned q, struct in *in)
{
	struct np_vnic_gen g = { .count = 1 + take(in) % 16, .fill = take(in) & 1 };
	unsigned polls;

	g.len_min = g.len_max = 60 + (uint32_t)take_n(in, 2) % (9000 - 60 + 1);
	g.burst = take(in) % 8;
	rx_unstage(f, q);
	if (f->q[q].unknown)
		rx_resync(f, q);	/* the traffic source starts from a sane ring */
	if (np_vnic_gen_start(f->dev, q, &g))
		die("np_vnic_gen_start");
	polls = (unsigned)g.count + 2;
	for (unsigned i = 0; i < polls; i++) {
		poll_q(f, q, g.len_min, "a traffic source poll");
		end_of_poll(f, q);
	}
	np_vnic_gen_stop(f->dev, q);
	poll_q(f, q, 0, "the poll after a traffic source");
	end_of_poll(f, q);
}

/* ---- the TX side ---- */

static void tx_send(struct fz *f, unsigned q, struct in *in)
{
	uint32_t len = 14 + take(in) * 8u;
	struct np_skb *skb = np_netdev_alloc_skb(len);

	if (!skb)
		return;
	memset(np_skb_put(skb, len), (int)len, len);
	np_netdev_xmit(f->dev, q, skb);
}

/*
 * The device reports TX completions late (part of what it sent), or, with
 * wild indexes, for descriptors never posted; then it catches up (it did
 * send everything at the doorbell).
 */
static void tx_done(struct fz *f, unsigned q, struct in *in)
{
	struct np_vnic_ring_state st, now;
	struct np_vnic_stats v0, v1;
	unsigned x = take(in);
	uint32_t done;

	tx_state(f, q, &st);
	if (x & 0x80) {
		/* past the posted descriptors, or behind the cleaned ones */
		done = (x & 0x40) ? st.post + 1 + (x & 0x3f) : st.clean - 1 - (x & 0x3f);
	} else {
		done = st.clean + (x & 0x7f) % (st.post - st.clean + 1);
	}
	np_vnic_get_stats(f->dev, (int)q, &v0);
	np_vnic_inject_tx_set_done(f->dev, q, done);
	poll_q(f, q, 0, "a TX completion index");
	end_of_poll(f, q);
	tx_state(f, q, &now);
	np_vnic_get_stats(f->dev, (int)q, &v1);
	if ((x & 0x80) && v1.bad_index == v0.bad_index)
		die("TX ring q%u: a done index of %u (post %u, clean %u) was not refused", q, done,
		    st.post, st.clean);
	/* the driver's clean moves forward, and not past what it has posted since */
	if (now.clean - st.clean > now.post - st.clean)
		die("TX ring q%u: clean went from %u to %u (post %u, done published %u): "
		    "completions behind the cleaned or past the posted descriptors were taken",
		    q, st.clean, now.clean, now.post, done);
	np_vnic_inject_tx_set_done(f->dev, q, now.post);
}

/* Refill under injected faults: descriptor posts, page allocations or DMA maps fail. */
static void fault_poll(struct fz *f, unsigned q, struct in *in)
{
	static const enum np_fault_point pts[] = { NP_FAULT_DESC_POST, NP_FAULT_PAGE_ALLOC,
						   NP_FAULT_DMA_MAP };
	unsigned x = take(in);
	struct np_fault_spec spec = { .every = 1 + (x >> 2) % 4 };

	if (np_fault_set(pts[x % 3], &spec))
		die("np_fault_set");
	poll_q(f, q, 0, "a poll under faults");
	np_fault_reset();
	end_of_poll(f, q);
}

/* ---- the run ---- */

static void run(struct fz *f, struct in *in)
{
	unsigned ops = 0;

	while (in->n && ops++ < 2000) {
		unsigned b = take(in), q = (b >> 4) % f->nq;

		switch (b & 15) {
		case 0:
		case 1:
		case 2:
		case 3:
			rx_complete_one(f, q, in);
			break;
		case 4:
			rx_publish(f, q, in);
			/* fall through */
		case 5:
			if (f->q[q].nstaged)
				rx_unstage(f, q);
			poll_q(f, q, 0, "a poll");
			end_of_poll(f, q);
			break;
		case 6:
			rx_publish(f, q, in);
			break;
		case 7:
			poll_q(f, q, 0, "a poll");	/* unpublished writes stay where they are */
			end_of_poll(f, q);
			break;
		case 8:
		case 9:
			tx_send(f, q, in);
			break;
		case 10:
			tx_done(f, q, in);
			break;
		case 11:
			gen_burst(f, q, in);
			break;
		case 12:
			fault_poll(f, q, in);
			break;
		default:
			f->verdict = take(in);
			f->vstep = take(in);
			f->move = take(in);
			f->route = take(in);
			break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint32_t max_buf = NP_PAGE_SIZE - NP_XDP_HEADROOM - NP_SKB_SHINFO_SIZE;
	static struct fz f;
	struct in in = { data, size };
	unsigned c = take(&in), bl = (unsigned)take_n(&in, 2);
	struct np_vnic_params vp = {
		.ring_size = 8u << (c & 3),
		.nqueues = 1 + ((c >> 3) & 1),
		.no_recycle = c & 0x10,
		.corrupt_ppm = (c & 0x20) ? 50000 : 0,
		.seed = 1 + (c >> 6),
	};
	struct np_provider_stats ps0, ps1;
	struct np_dma_dev *dma = NULL;
	struct np_dma_stats ds;
	uint32_t ids[MAXQ];
	int64_t live0;
	int err;

	memset(&f, 0, sizeof(f));
	if (verbose())
		np_set_print(np_print_stderr);	/* the DMA layer's reports too */
	f.iommu = c & 4;
	f.corrupt = vp.corrupt_ppm;
	/* mostly a valid buffer size; now and then any 15-bit one (refused past the page) */
	vp.buf_len = (bl & 0x8000) ? (bl & 0x7fff) : 64 + bl % (max_buf - 64 + 1);
	if (f.iommu) {
		if (np_dma_iommu_create("fuzz", NULL, &dma))
			die("iommu");
		vp.dma = dma;
	}
	np_skb_thread_flush();
	np_small_trim(np_provider_default());
	np_provider_get_stats(np_provider_default(), &ps0);
	live0 = np_skb_live();
	err = np_vnic_create(&vp, &f.dev);
	if (!vp.buf_len)
		vp.buf_len = 2048;	/* the default */
	if (vp.buf_len < 64 || vp.buf_len > max_buf) {
		if (err != -EINVAL)
			die("np_vnic_create(buf_len %u): %d, not -EINVAL", vp.buf_len, err);
		if (dma && np_dma_dev_destroy(dma))
			die("iommu destroy");
		return 0;
	}
	if (err)
		die("np_vnic_create: %d", err);
	f.nq = vp.nqueues;
	f.buf_len = vp.buf_len;
	for (unsigned q = 0; q < f.nq; q++) {
		np_sockq_init(&f.q[q].sq, 1 << 20);
		np_gro_init(&f.q[q].gro, fuzz_to_sockq, &f.q[q].sq);
	}
	np_netdev_set_xdp(f.dev, prog, &f);
	np_netdev_set_rx_handler(f.dev, rx, &f);
	if (np_netdev_open(f.dev))
		die("open");
	for (unsigned q = 0; q < f.nq; q++)
		ids[q] = f.dev->q[q].pool_id;	/* the pools live from the open */
	if ((err = np_vnic_inject_check(f.dev)))
		die("np_vnic_inject_check: %d: vnic.c's layout no longer matches the mirror in "
		    "src/drivers/vnic_inject.c", err);

	run(&f, &in);

	for (unsigned q = 0; q < f.nq; q++) {
		rx_unstage(&f, q);
		check_rings(&f, q, "the input");
		np_gro_flush(&f.q[q].gro);
		np_sockq_purge(&f.q[q].sq);
	}
	np_fault_reset();
	{
		struct np_vnic_stats vs;

		np_vnic_get_stats(f.dev, -1, &vs);
		if (vs.dma_faults)
			die("the device faulted %llu times on what the driver posted or sent",
			    (unsigned long long)vs.dma_faults);
	}
	np_netdev_close(f.dev);
	np_netdev_destroy(f.dev);
	np_skb_thread_flush();
	for (unsigned q = 0; q < f.nq; q++) {
		struct np_pool_info info;

		if (np_pool_info_get(ids[q], &info) != -ENOENT)
			die("pool %u kept %lld pages after the netdev went", ids[q],
			    (long long)info.inflight);
	}
	if (np_skb_live() != live0)
		die("%lld skbs live after teardown", (long long)(np_skb_live() - live0));
	if (dma) {
		np_dma_get_stats(dma, &ds);
		if (ds.access_fault != f.my_faults)
			die("the IOMMU refused %llu device accesses, the harness made %llu stray ones",
			    (unsigned long long)ds.access_fault, (unsigned long long)f.my_faults);
		if (ds.double_map || ds.bad_unmap || ds.bad_sync)
			die("DMA API misuse: double_map %llu bad_unmap %llu bad_sync %llu",
			    (unsigned long long)ds.double_map, (unsigned long long)ds.bad_unmap,
			    (unsigned long long)ds.bad_sync);
		if (np_dma_dev_destroy(dma))
			die("DMA mappings left after teardown");
	}
	np_small_trim(np_provider_default());
	np_provider_get_stats(np_provider_default(), &ps1);
	if (ps1.pages_out > ps0.pages_out)
		die("provider: %llu pages out before, %llu after",
		    (unsigned long long)ps0.pages_out, (unsigned long long)ps1.pages_out);
	return 0;
}
