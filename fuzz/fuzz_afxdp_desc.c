/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the afxdp driver's RX descriptor path and TX completion
 * path, fed by a kernel that writes whatever the input says. The netdev is
 * the driver's own code over rings in plain memory (afxdp_fake.h: no socket,
 * no privilege); this target is the kernel side of those rings:
 *
 *   fill ring --take--> frames the kernel holds (their data area written with
 *                       a pattern, as a NIC would DMA a frame)
 *   RX ring  <--put---  descriptors: a held frame at any offset/length/option
 *                       bits, raw addresses (outside the UMEM, in the arena
 *                       descriptors, unaligned), another queue's frame, the
 *                       same frame twice, stale slots republished
 *   TX ring  --take-->  what the driver sent (checked: inside one frame,
 *                       sane length, no options, the bytes of the frame sent)
 *   comp ring <--put--  completions: of taken descriptors, raw, near misses,
 *                       duplicates, another queue's, stale slots, never-posted
 *
 * and, between the driver's polls, the stack: received skbs are held,
 * cloned, pushed, pulled, coalesced into nonlinear ones, sent back (zero-copy
 * or copied), XDP programs drop, pass, move, TX and redirect; the netdev is
 * closed and opened again; provider pages and DMA mappings fail now and then.
 *
 * Input: one configuration byte (bit 0: two queues; bits 1-2 both set: no
 * recycling; bit 7: rings of 256 instead of 64, the RX ring then longer than
 * a poll's budget; bits 3-7: what the RX handler does), then operations, each
 * an opcode byte, a queue byte and the operation's own bytes (run()).
 *
 * The oracle, besides the sanitizers:
 * - every RX descriptor is counted under exactly the reason the driver's
 *   rules give (a model of posted frames, kept from the fill ring), a good one
 *   reaches the XDP hook at exactly its address and length, in a pool frame
 *   of its queue;
 * - the fill ring never offers a frame that is already posted or that a held
 *   skb uses (a frame returns to the pool exactly once);
 * - the driver's frames_posted gauge is the model's count at every step; its
 *   completions add up (completed + not in flight = consumed); every
 *   completion of a descriptor the kernel took frees one transmission, every
 *   one outside the UMEM or in the arena descriptors is refused (exact when
 *   no completion of uncertain address was written); in flight = sent -
 *   completed; UMEM frames out = the pools' + the TX reserves';
 * - after close and destroy: nothing posted or in flight, every frame idle
 *   in a pool, no skb alive, both pools freed, no error reported.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "netpool.h"
#include "../src/drivers/afxdp_fake.h"
#include "../src/drivers/afxdp_inject.h"

#define NQ		2
#define RING		64u	/* rings of 64 (= the napi budget) or RING_MAX entries */
#define RING_MAX	256u
#define BUDGET		NP_NAPI_WEIGHT	/* RX descriptors one poll reads */
#define FRAMES_PER_Q	64u	/* the least: fill_target 24, TX reserve 16 per queue */
#define HOLD_MAX	24
#define TXK_MAX		(2 * RING_MAX)
#define RECENT		8

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fuzz_afxdp_desc: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

#define CHECK(c)                                                                \
	do {                                                                    \
		if (!(c))                                                       \
			fail("line %d: %s", __LINE__, #c);                      \
	} while (0)
#define CHECK_EQ(a, b)                                                          \
	do {                                                                    \
		unsigned long long _a = (a), _b = (b);                          \
		if (_a != _b)                                                   \
			fail("line %d: %s == %llu, want %s == %llu", __LINE__, #a, \
			     _a, #b, _b);                                       \
	} while (0)

/* ---- input ---- */

#include "fuzz_input.h"
#include "fuzz_route.h"

#define take8(in)	take(in)
#define take16(in)	((uint32_t)take_n(in, 2))
#define take32(in)	((uint32_t)take_n(in, 4))
#define take64(in)	take_n(in, 8)

/* ---- the pattern every frame's bytes follow: b[i + 1] = b[i] * 5 + 1 (one 256-cycle) ---- */

static uint8_t cyc[512];	/* the cycle from 0, twice */
static uint8_t cyc_pos[256];	/* where each value sits in it */

static void pattern_init(void)
{
	uint8_t v = 0;

	for (int i = 0; i < 256; i++) {
		cyc[i] = cyc[i + 256] = v;
		cyc_pos[v] = (uint8_t)i;
		v = (uint8_t)(v * 5 + 1);
	}
}

/* @len bytes of the pattern at @p, starting with value @first */
static void pattern_write(uint8_t *p, size_t len, uint8_t first)
{
	unsigned k = cyc_pos[first];

	while (len) {
		size_t n = len < 256 ? len : 256;

		memcpy(p, cyc + k, n);
		p += n;
		len -= n;
	}
}

static bool pattern_ok(const uint8_t *p, size_t len)
{
	for (size_t i = 1; i < len; i++)
		if (p[i] != (uint8_t)(p[i - 1] * 5 + 1))
			return false;
	return true;
}

/* Each piece of @skb (its head, each frag: a frame's bytes each) follows the pattern. */
static bool skb_pattern_ok(const struct np_skb *skb)
{
	const struct np_skb_shared_info *sh = np_skb_shinfo(skb);

	if (!pattern_ok(skb->data, np_skb_headlen(skb)))
		return false;
	for (unsigned int i = 0; i < sh->nr_frags; i++)
		if (!pattern_ok(np_skb_frag_address(&sh->frags[i]), sh->frags[i].len))
			return false;
	return true;
}

#define CONTD		1u	/* XDP_PKT_CONTD: the frame goes on in the next descriptor */
#define CHAIN_MAX	(NP_MAX_SKB_FRAGS + 1)
#define OFF_SHIFT	48	/* an unaligned chunk's data offset rides in an address's top bits */

/* Where an RX descriptor's data is: the base plus the offset in the top bits. */
static uint64_t rx_data(uint64_t addr)
{
	return (addr & ((1ull << OFF_SHIFT) - 1)) + (addr >> OFF_SHIFT);
}

/* ---- the model ---- */

enum { W_BAD_ADDR, W_UNPOSTED, W_HEADROOM, W_TRUNCATED, W_OVERSIZED, W_OPTIONS, W_NR, W_OK = W_NR };

struct mq {
	uint32_t held[RING_MAX];		/* chunks posted by this queue (fill + RX rings) */
	unsigned int nheld;
	struct np_afxdp_fake_desc rx[RING_MAX];	/* published, not yet read by the driver */
	unsigned int nrx;
	struct np_afxdp_fake_desc last;		/* the last one published */
	uint64_t why[W_NR], accepted;
	/* chains: the frame being received, or the rest of a dropped one */
	struct np_afxdp_fake_desc chain0;	/* its first buffer (data address) */
	unsigned int nchain;
	bool discard;
	bool chain_loose;			/* it holds a frame injected with no pattern */
	uint64_t broken, clong, multibuf;
	uint32_t txframe;			/* bytes of the frame the kernel is taking */
	struct np_afxdp_fake_desc txk[TXK_MAX];	/* taken by the kernel, not completed */
	unsigned int ntxk;
	uint64_t recent[RECENT];		/* addresses completed */
	unsigned int nrecent;
	uint64_t comp_put, comp_good, comp_bad, comp_uncertain;
	uint64_t dirty;				/* uncertain completions since the queue opened */
	uint64_t retired;			/* transmissions a close retired uncompleted */
};

struct expect {		/* the frames the XDP hook must see next, in order */
	uint64_t addr;		/* the first buffer's data */
	uint32_t len;		/* the first buffer's length */
	unsigned int q;
	unsigned int nbufs;
	bool loose;		/* a buffer of it was injected: address and bytes unknown */
};

struct fz {
	struct np_netdev *dev;
	struct np_afxdp_fake_info info;
	unsigned int nq;
	bool no_recycle;
	uint8_t *owner;				/* per chunk: posting queue + 1 */
	uint32_t nchunks;
	struct mq m[NQ];
	struct expect exp[BUDGET + 1];
	unsigned int nexp, iexp;
	/* the XDP program and the RX handler */
	unsigned int verdict, move, route;
	bool loose;			/* np_afxdp_inject_rx() of a frame it takes itself */
	bool model_loose;		/* model_count() of such a frame */
	struct np_skb *hold[HOLD_MAX];
	unsigned int nhold;
	uint8_t seed;
};

static unsigned int log_errors;

static int log_cb(enum np_log_level level, const char *fmt, va_list ap)
{
	if (level == NP_LOG_ERROR) {
		log_errors++;
		fprintf(stderr, "netpool error: ");
		vfprintf(stderr, fmt, ap);
	}
	return 0;
}

static bool meta_chunk(const struct fz *f, uint64_t chunk)
{
	return chunk % f->info.arena_frames < f->info.arena_meta;
}

static uint32_t chunk_of(const struct fz *f, const void *p)
{
	return (uint32_t)(((const uint8_t *)p - (const uint8_t *)f->info.umem) /
			  f->info.frame_size);
}

static bool in_umem(const struct fz *f, const void *p)
{
	const uint8_t *u = f->info.umem;

	return (const uint8_t *)p >= u && (const uint8_t *)p < u + f->info.umem_size;
}

/* Whether @skb's head or a fragment lies in UMEM frame @chunk. */
static bool skb_uses(const struct fz *f, const struct np_skb *skb, uint32_t chunk)
{
	const struct np_skb_shared_info *sh = np_skb_shinfo(skb);

	if (in_umem(f, skb->head) && chunk_of(f, skb->head) == chunk)
		return true;
	for (unsigned int i = 0; i < sh->nr_frags; i++) {
		const void *a = np_skb_frag_address(&sh->frags[i]);

		if (in_umem(f, a) && chunk_of(f, a) == chunk)
			return true;
	}
	return false;
}

static void held_del(struct mq *m, uint32_t chunk)
{
	for (unsigned int i = 0; i < m->nheld; i++)
		if (m->held[i] == chunk) {
			m->held[i] = m->held[--m->nheld];
			return;
		}
	fail("chunk %u not held", chunk);
}

/* A descriptor's own verdict, after the driver's rules (the frame's offset @off in it, its length). */
static int model_why_frame(const struct fz *f, const struct mq *m, uint64_t off,
			   const struct np_afxdp_fake_desc *d)
{
	if ((d->options & ~CONTD) || ((d->options & CONTD) && !f->info.multibuf))
		return W_OPTIONS;
	if (off < f->info.headroom)
		return W_HEADROOM;
	if (!d->len || (!m->nchain && !m->discard && d->len < 14))
		return W_TRUNCATED;
	if (off + d->len > (uint64_t)f->info.headroom + f->info.buf_len)
		return W_OVERSIZED;
	return W_OK;
}

/* The driver's rules, restated: the verdict on @d of queue @q alone (updates posted). */
static int model_rx(struct fz *f, unsigned int q, const struct np_afxdp_fake_desc *d)
{
	uint64_t data = rx_data(d->addr);
	uint32_t chunk;

	if (data >= f->info.umem_size)
		return W_BAD_ADDR;
	chunk = (uint32_t)(data / f->info.frame_size);
	if (f->owner[chunk] != q + 1)
		return W_UNPOSTED;
	f->owner[chunk] = 0;
	held_del(&f->m[q], chunk);
	return model_why_frame(f, &f->m[q], data % f->info.frame_size, d);
}

/*
 * What a descriptor of verdict @w does to its queue's chain, as the driver
 * does it; a frame complete goes on the hook's list. Return: what
 * np_afxdp_inject_rx() says of it.
 */
static int model_count(struct fz *f, unsigned int q, const struct np_afxdp_fake_desc *d, int w)
{
	struct mq *m = &f->m[q];
	bool more = d->options & CONTD;

	if (w != W_OK) {
		m->why[w]++;
		if (m->discard) {
			m->discard = more;
		} else if (m->nchain || more) {
			m->broken++;
			m->nchain = 0;
			m->discard = more;
		}
		return -EBADMSG;
	}
	if (m->discard) {
		m->discard = more;
		return 0;
	}
	if (m->nchain == CHAIN_MAX) {
		m->clong++;
		m->nchain = 0;
		m->discard = more;
		return -EMSGSIZE;
	}
	if (!m->nchain++) {
		m->chain0 = (struct np_afxdp_fake_desc){ rx_data(d->addr), d->len, 0 };
		m->chain_loose = false;
	}
	m->chain_loose |= f->model_loose;
	if (more)
		return 0;
	if (m->nchain > 1)
		m->multibuf++;
	m->accepted++;
	CHECK(f->nexp < NP_ARRAY_SIZE(f->exp));
	f->exp[f->nexp++] = (struct expect){ m->chain0.addr, m->chain0.len, q, m->nchain,
					     m->chain_loose };
	m->nchain = 0;
	return 0;
}

/* ---- checks ---- */

static struct np_afxdp_stats xstats(struct fz *f, int q)
{
	struct np_afxdp_stats st;

	CHECK_EQ(np_afxdp_get_stats(f->dev, q, &st), 0);
	return st;
}

static struct np_afxdp_fake_pending pending(struct fz *f, unsigned int q)
{
	struct np_afxdp_fake_pending p;

	CHECK_EQ(np_afxdp_fake_pending(f->dev, q, &p), 0);
	return p;
}

static void check_queue(struct fz *f, unsigned int q)
{
	struct np_afxdp_stats st = xstats(f, (int)q);
	struct np_afxdp_fake_pending p = pending(f, q);
	struct np_netdev_qstats qs;
	struct mq *m = &f->m[q];
	uint64_t invalid = 0;

	for (int w = 0; w < W_NR; w++)
		invalid += m->why[w];
	CHECK_EQ(st.rx_bad_addr, m->why[W_BAD_ADDR]);
	CHECK_EQ(st.rx_unposted, m->why[W_UNPOSTED]);
	CHECK_EQ(st.rx_bad_headroom, m->why[W_HEADROOM]);
	CHECK_EQ(st.rx_truncated, m->why[W_TRUNCATED]);
	CHECK_EQ(st.rx_oversized, m->why[W_OVERSIZED]);
	CHECK_EQ(st.rx_bad_options, m->why[W_OPTIONS]);
	CHECK_EQ(st.rx_invalid, invalid);
	CHECK_EQ(st.rx_chain_broken, m->broken);
	CHECK_EQ(st.rx_chain_long, m->clong);
	CHECK_EQ(st.rx_multibuf, m->multibuf);
	np_netdev_get_qstats(f->dev, (int)q, &qs);
	CHECK_EQ(qs.rx_bad_desc, invalid);
	CHECK_EQ(qs.rx_packets, m->accepted);
	/* posted: what the kernel holds (RX ring included) and what waits in the fill ring */
	CHECK_EQ(st.frames_posted, m->nheld + p.fill);
	CHECK(p.rx == m->nrx);
	/* completions add up; in flight = sent - completed */
	CHECK_EQ(st.tx_completed + st.tx_bad_completion, m->comp_put - p.comp);
	CHECK_EQ(st.frames_tx, st.tx_descs - st.tx_completed - m->retired);
	CHECK(st.frames_tx <= f->info.tx_size);
	CHECK(st.tx_multibuf <= st.tx_zerocopy + st.tx_copied);
	CHECK(st.tx_reserve_free <= st.tx_reserve);
}

static void check_all(struct fz *f)
{
	struct np_afxdp_stats st = xstats(f, -1);
	struct np_pool_stats ps = { .size = sizeof(ps) };
	int64_t in_pools;

	for (unsigned int q = 0; q < f->nq; q++)
		check_queue(f, q);
	/* every pool of the netdev: this open's, and earlier ones that frames still hold */
	CHECK_EQ(np_netdev_get_pool_stats(f->dev, &ps), 0);
	in_pools = ps.inflight;
	/* without recycling, frames in skbs left their pool but not the provider */
	if (f->no_recycle)
		CHECK(st.umem_frames_out >= (uint64_t)in_pools + st.tx_reserve);
	else
		CHECK_EQ(st.umem_frames_out, (uint64_t)in_pools + st.tx_reserve);
	CHECK(st.umem_frames_out <= st.umem_frames);
}

/* ---- the kernel ---- */

/* Take every fill address: each must be a real frame, posted once, used by no held skb. */
static void kernel_fill(struct fz *f, unsigned int q)
{
	uint64_t a[RING];
	int n;

	while ((n = np_afxdp_fake_fill_take(f->dev, q, a, RING)) > 0) {
		for (int i = 0; i < n; i++) {
			uint32_t chunk = (uint32_t)(a[i] / f->info.frame_size);
			uint8_t *frame;

			CHECK(a[i] < f->info.umem_size);
			CHECK(a[i] % f->info.frame_size == 0);
			CHECK(!meta_chunk(f, chunk));
			if (f->owner[chunk])
				fail("frame %u posted by queue %u while queue %u holds it", chunk,
				     q, f->owner[chunk] - 1);
			for (unsigned int h = 0; h < f->nhold; h++)
				if (skb_uses(f, f->hold[h], chunk))
					fail("frame %u posted while a held skb uses it", chunk);
			for (unsigned int k = 0; k < f->nq; k++)
				for (unsigned int t = 0; !f->m[k].dirty && t < f->m[k].ntxk; t++)
					if (f->m[k].txk[t].addr / f->info.frame_size == chunk)
						fail("frame %u posted while queue %u sends it", chunk, k);
			CHECK(f->m[q].nheld < RING_MAX);
			f->owner[chunk] = (uint8_t)(q + 1);
			f->m[q].held[f->m[q].nheld++] = chunk;
			/* a frame arrives in it: its whole data area follows the pattern */
			frame = (uint8_t *)f->info.umem + a[i];
			pattern_write(frame, f->info.headroom + f->info.buf_len, f->seed);
			f->seed = (uint8_t)(f->seed * 13 + 7);
		}
	}
	CHECK(n == 0);
}

static void kernel_rx(struct fz *f, unsigned int q, const struct np_afxdp_fake_desc *d)
{
	struct mq *m = &f->m[q];

	if (np_afxdp_fake_rx_put(f->dev, q, d, 1) == 1) {
		CHECK(m->nrx < RING_MAX);
		m->rx[m->nrx++] = *d;
		m->last = *d;
	}
}

static void kernel_tx(struct fz *f, unsigned int q, unsigned int max)
{
	struct np_afxdp_fake_desc d[RING];
	struct mq *m = &f->m[q];
	int n;

	if (max > TXK_MAX - m->ntxk)	/* more than in flight: uncertain completions freed some */
		max = TXK_MAX - m->ntxk;
	n = np_afxdp_fake_tx_take(f->dev, q, d, max);
	CHECK(n >= 0);
	for (int i = 0; i < n; i++) {
		const uint8_t *p = (const uint8_t *)f->info.umem + d[i].addr;
		uint64_t off = d[i].addr % f->info.frame_size;

		CHECK(d[i].addr < f->info.umem_size);
		CHECK(!meta_chunk(f, d[i].addr / f->info.frame_size));
		CHECK(d[i].len >= 1 && d[i].len <= f->info.chunk_size);
		CHECK(off + d[i].len <= f->info.frame_size);
		CHECK(d[i].options == 0 || (d[i].options == CONTD && f->info.multibuf));
		/* a frame: its descriptors up to one without CONTD, within the port's size */
		m->txframe += d[i].len;
		if (!d[i].options) {
			CHECK(m->txframe >= 14 && m->txframe <= f->info.max_tx_len);
			m->txframe = 0;
		}
		/* every byte sent is a byte of a frame, not posted: nothing freed under the
		 * kernel (unless a completion of uncertain address may have freed it) */
		if (!m->dirty) {
			CHECK(!f->owner[d[i].addr / f->info.frame_size]);
			if (!pattern_ok(p, d[i].len))
				fail("queue %u sent %u bytes at %#llx that are no frame's", q,
				     d[i].len, (unsigned long long)d[i].addr);
		}
		CHECK(m->ntxk < TXK_MAX);
		m->txk[m->ntxk++] = d[i];
	}
}

static void kernel_comp(struct fz *f, unsigned int q, uint64_t addr, int kind)
{
	struct mq *m = &f->m[q];

	if (np_afxdp_fake_comp_put(f->dev, q, &addr, 1) != 1)
		return;
	m->comp_put++;
	if (kind > 0)
		m->comp_good++;
	else if (kind < 0)
		m->comp_bad++;
	else
		m->comp_uncertain++, m->dirty++;
	m->recent[m->nrecent++ % RECENT] = addr;
}

/*
 * A frame of several buffers (2..20, from the input) the way the kernel
 * writes one: every held frame filled to its room from the headroom, the
 * last one shorter, CONTD on all but the last; with @spoil, one of them
 * replaced by another queue's frame or given a bad length.
 */
static void kernel_chain(struct fz *f, unsigned int q, struct in *in, bool spoil)
{
	unsigned int n = take8(in) % 19 + 2, bad = spoil ? take8(in) % n : n;
	struct mq *m = &f->m[q];

	kernel_fill(f, q);
	for (unsigned int i = 0; i < n && m->nheld; i++) {
		uint32_t chunk = m->held[(i * 7u + take8(in)) % m->nheld];
		struct np_afxdp_fake_desc d = {
			.addr = (uint64_t)chunk * f->info.frame_size,
			.len = i + 1 < n ? f->info.buf_len : 14 + take8(in) * 9u,
			.options = i + 1 < n ? CONTD : 0,
		};

		/* in the unaligned form the kernel gives: the offset in the top bits */
		d.addr += take8(in) & 1 ? (uint64_t)f->info.headroom << OFF_SHIFT : f->info.headroom;
		if (i == bad) {
			if (f->nq > 1 && f->m[q ^ 1].nheld)
				d.addr = (uint64_t)f->m[q ^ 1].held[0] * f->info.frame_size +
					 f->info.headroom;
			else
				d.len = f->info.buf_len + 1;
		}
		kernel_rx(f, q, &d);
	}
}

/* Whether no transmission can ever use @addr: outside the UMEM, or in the arena descriptors. */
static int comp_kind(const struct fz *f, uint64_t addr)
{
	return addr >= f->info.umem_size || meta_chunk(f, addr / f->info.frame_size) ? -1 : 0;
}

/* ---- the stack ---- */

static enum np_xdp_action prog(struct np_xdp_buff *xdp, void *arg)
{
	struct fz *f = arg;
	struct expect *e;

	if (f->iexp >= f->nexp)
		fail("the XDP hook saw a frame no good descriptor gave");
	e = &f->exp[f->iexp++];
	CHECK_EQ(xdp->queue, e->q);
	CHECK_EQ((uint64_t)(xdp->data_end - xdp->data), e->len);
	CHECK_EQ(xdp->nr_frags + 1, e->nbufs);
	CHECK(xdp->page == np_virt_to_page(xdp->data));
	CHECK(np_page_is_pp(xdp->page) && xdp->page->pp == f->dev->q[e->q].pool);
	if (f->loose)	/* a frame the driver took from its pool: bytes of no pattern */
		return f->verdict & 1 ? NP_XDP_DROP : NP_XDP_PASS;
	if (e->loose)	/* one of its buffers was such a frame: never up the stack */
		return NP_XDP_DROP;
	CHECK_EQ((uint64_t)(xdp->data - (unsigned char *)f->info.umem), e->addr);
	CHECK(pattern_ok(xdp->data, e->len));
	if (f->move & 0x10)
		fuzz_xdp_nudge(xdp, f->move);
	return fuzz_xdp_verdict(xdp, f->verdict % 8, f->dev);
}

/*
 * A frame of several buffers carries one pattern per buffer: rewrite the
 * frags to continue the head's, so that a copy of the whole frame (one run
 * of bytes in a TX reserve frame) still follows one pattern. Each piece
 * keeps following it, for a clone that shares them too.
 */
static void pattern_join(struct np_skb *skb)
{
	const struct np_skb_shared_info *sh = np_skb_shinfo(skb);
	uint32_t headlen = np_skb_headlen(skb);
	uint8_t next = headlen ? (uint8_t)(skb->data[headlen - 1] * 5 + 1) : 0;

	for (unsigned int i = 0; i < sh->nr_frags; i++) {
		uint8_t *p = np_skb_frag_address(&sh->frags[i]);
		uint32_t len = sh->frags[i].len;

		if (!len)
			continue;
		pattern_write(p, len, next);
		next = (uint8_t)(p[len - 1] * 5 + 1);
	}
}

static void rx(struct np_netdev *dev, unsigned int q, struct np_skb *skb, void *arg)
{
	struct fz *f = arg;

	if (f->loose) {
		np_napi_consume_skb(skb, 0);
		return;
	}
	CHECK(skb_pattern_ok(skb));
	if (!f->no_recycle)
		CHECK(skb->pp_recycle);
	pattern_join(skb);
	switch (f->route % 4) {
	case 0:
	case 1:
		if (f->nhold < HOLD_MAX) {
			f->hold[f->nhold++] = skb;
			return;
		}
		np_napi_consume_skb(skb, NP_NAPI_WEIGHT);
		return;
	case 2:
		np_netdev_xmit(dev, (q + (f->route >> 2)) % f->nq, skb);	/* echo, from the poll */
		return;
	default:
		np_napi_consume_skb(skb, NP_NAPI_WEIGHT);
	}
}

static struct np_skb *unhold(struct fz *f, unsigned int i)
{
	struct np_skb *skb = f->hold[i];

	f->hold[i] = f->hold[--f->nhold];
	return skb;
}

/* @skb's first @n bytes pushed, continuing the pattern backwards. */
static bool push_pattern(struct np_skb *skb, uint32_t n)
{
	uint8_t first;

	if (!n || !skb->len)
		return true;
	if (np_skb_cow_head(skb, n))
		return false;
	first = skb->data[0];
	np_skb_push(skb, n);
	for (uint32_t i = n; i-- > 0;) {
		first = (uint8_t)((first - 1) * 205);	/* 5 * 205 = 1 mod 256 */
		skb->data[i] = first;
	}
	return true;
}

static void xmit(struct fz *f, unsigned int q, struct np_skb *skb)
{
	CHECK(skb_pattern_ok(skb));
	np_netdev_xmit(f->dev, q, skb);
}

/* What the stack does with a held skb. */
static void stack_op(struct fz *f, struct in *in)
{
	unsigned int i, mode = take8(in), q = take8(in) % f->nq, arg = take8(in);
	struct np_skb *skb, *clone, *from;
	bool stolen;
	int delta;

	if (!f->nhold)
		return;
	i = arg % f->nhold;
	switch (mode % 8) {
	case 0:	/* as it is: zero-copy */
		xmit(f, q, unhold(f, i));
		return;
	case 1:	/* a clone too: one frame, two transmissions */
		skb = unhold(f, i);
		clone = np_skb_clone(skb);
		xmit(f, q, skb);
		if (clone)
			xmit(f, (q + (arg >> 7)) % f->nq, clone);
		return;
	case 2:	/* pulled: zero-copy from further in the frame */
		skb = unhold(f, i);
		if (skb->len > (arg & 0x3f))
			np_skb_pull(skb, arg & 0x3f);
		xmit(f, q, skb);
		return;
	case 3:	/* pushed: into the headroom (or a new head when cloned) */
		skb = unhold(f, i);
		if (!push_pattern(skb, arg & 0x3f)) {
			np_kfree_skb(skb);
			return;
		}
		xmit(f, q, skb);
		return;
	case 4:	/* the head leaves the UMEM: copied */
		skb = unhold(f, i);
		if (np_pskb_expand_head(skb, 0, 0)) {
			np_kfree_skb(skb);
			return;
		}
		xmit(f, q, skb);
		return;
	case 5:	/* two coalesced: nonlinear, copied */
		if (f->nhold < 2)
			return;
		skb = f->hold[i];
		from = f->hold[(i + 1 + (arg >> 4)) % f->nhold];
		if (from == skb || np_skb_cloned(from) || np_skb_is_nonlinear(from) ||
		    np_skb_is_nonlinear(skb) || !skb->len || !from->len)
			return;
		/* from continues skb's pattern */
		pattern_write(from->data, from->len, (uint8_t)(skb->data[skb->len - 1] * 5 + 1));
		if (!np_skb_try_coalesce(skb, from, &stolen, &delta))
			return;
		for (unsigned int k = 0; k < f->nhold; k++)
			if (f->hold[k] == from) {
				unhold(f, k);
				break;
			}
		np_kfree_skb_partial(from, stolen);
		return;
	case 6:	/* a clone kept, the original sent */
		skb = f->hold[i];
		clone = np_skb_clone(skb);
		if (!clone)
			return;
		f->hold[i] = clone;
		xmit(f, q, skb);
		return;
	default:
		np_kfree_skb(unhold(f, i));
	}
}

static void foreign_xmit(struct fz *f, unsigned int q, uint32_t len, uint8_t first)
{
	struct np_skb *skb = np_alloc_skb(len ? len : 1);

	if (!skb)
		return;
	pattern_write(np_skb_put(skb, len), len, first);
	xmit(f, q, skb);
}

/* ---- the driver's side ---- */

static void poll_queue(struct fz *f, unsigned int q)
{
	static struct mq saved;
	static uint8_t saved_owner[1 << 16];
	struct mq *m = &f->m[q];
	unsigned int k = m->nrx < BUDGET ? m->nrx : BUDGET, done;

	/* the model's posted frames = the driver's: take what the fill ring offers */
	kernel_fill(f, q);
	/*
	 * The poll reads up to a budget's worth, in order, maybe fewer (the ring
	 * helpers' cached producer): what the hook must see is worked out on a
	 * copy of the model, then the model takes the descriptors actually read.
	 */
	CHECK(f->nchunks <= sizeof(saved_owner));
	saved = *m;
	memcpy(saved_owner, f->owner, f->nchunks);
	f->nexp = f->iexp = 0;
	for (unsigned int i = 0; i < k; i++)
		model_count(f, q, &m->rx[i], model_rx(f, q, &m->rx[i]));
	*m = saved;
	memcpy(f->owner, saved_owner, f->nchunks);
	np_netdev_poll(f->dev, q);
	done = m->nrx - pending(f, q).rx;
	CHECK(done <= k);
	CHECK(done || !k);	/* something waits: the poll reads some */
	f->nexp = 0;
	for (unsigned int i = 0; i < done; i++)
		model_count(f, q, &m->rx[i], model_rx(f, q, &m->rx[i]));
	CHECK_EQ(f->iexp, f->nexp);	/* the hook saw exactly the good ones read */
	m->nrx -= done;
	memmove(m->rx, m->rx + done, m->nrx * sizeof(m->rx[0]));
}

static void inject(struct fz *f, unsigned int q, struct in *in)
{
	unsigned int how = take8(in);
	struct np_afxdp_fake_desc d;
	uint64_t addr;
	int w, err, want;

	d.len = take16(in);
	d.options = how & 0x80 ? take8(in) : 0;
	kernel_fill(f, q);
	f->nexp = f->iexp = 0;
	if (how & 1) {
		/* a fresh frame of the queue's pool, posted for the purpose */
		uint32_t off = take16(in) & 0x1fff;

		addr = NP_AFXDP_INJECT_POSTED | off;
		if (off >= f->info.frame_size) {
			CHECK_EQ(np_afxdp_inject_rx(f->dev, q, addr, d.len, d.options), -EINVAL);
			return;
		}
		d.addr = off;	/* the frame's offset: the model sees a posted frame */
		w = model_why_frame(f, &f->m[q], off, &d);
		/* which frame is not known before, nor its bytes: the hook checks it loosely */
		{
			static struct mq saved;

			saved = f->m[q];
			f->nexp = f->iexp = 0;
			f->model_loose = true;
			want = model_count(f, q, &d, w);
			f->model_loose = false;
			f->loose = true;
			err = np_afxdp_inject_rx(f->dev, q, addr, d.len, d.options);
			f->loose = false;
			if (err == -ENOMEM) {
				/* no frame: nothing happened */
				f->m[q] = saved;
				CHECK_EQ(f->iexp, 0);
				return;
			}
		}
		CHECK_EQ(err, want);
		CHECK_EQ(f->iexp, f->nexp);
		return;
	}
	d.addr = take64(in) & ~NP_AFXDP_INJECT_POSTED;	/* that bit asks for a fresh frame */
	if (how & 2)
		d.addr %= f->info.umem_size + f->info.frame_size;
	w = model_rx(f, q, &d);
	want = model_count(f, q, &d, w);
	err = np_afxdp_inject_rx(f->dev, q, d.addr, d.len, d.options);
	CHECK_EQ(err, want);
	CHECK_EQ(f->iexp, f->nexp);
}

/* Close with whatever is held, posted or in flight, and open again: fresh rings. */
static void reopen(struct fz *f)
{
	for (unsigned int q = 0; q < f->nq; q++)
		poll_queue(f, q);	/* no completion left unread (RX may be) */
	/* (after every poll: one queue's may send on another) */
	for (unsigned int q = 0; q < f->nq; q++) {
		CHECK_EQ(pending(f, q).comp, 0);
		f->m[q].retired += xstats(f, (int)q).frames_tx;
	}
	np_netdev_close(f->dev);
	CHECK_EQ(xstats(f, -1).frames_posted, 0);
	CHECK_EQ(xstats(f, -1).frames_tx, 0);
	memset(f->owner, 0, f->nchunks);
	for (unsigned int q = 0; q < f->nq; q++) {
		f->m[q].nheld = f->m[q].nrx = f->m[q].ntxk = 0;
		f->m[q].dirty = 0;
		/* a frame half received went back; the kernel's half-taken one is gone */
		f->m[q].nchain = 0;
		f->m[q].discard = false;
		f->m[q].txframe = 0;
	}
	CHECK_EQ(np_netdev_open(f->dev), 0);
}

/* Allocations fail now and then: the provider's pages, the pools' DMA mappings. */
static void faults(struct in *in)
{
	unsigned int how = take8(in);
	struct np_fault_spec spec = { 0 };

	if (how & 0x40)
		spec.every = how % 8 + 1;
	else
		spec.nth = how % 16 + 1;
	np_fault_set(how & 0x80 ? NP_FAULT_DMA_MAP : NP_FAULT_PAGE_ALLOC, &spec);
}

/* ---- one input ---- */

static void run(struct fz *f, struct in *in)
{
	while (in->n) {
		unsigned int op = take8(in), q = take8(in) % f->nq;
		struct mq *m = &f->m[q];
		struct np_afxdp_fake_desc d;
		unsigned int k;

		switch (op % 24) {
		case 0:
		case 1:	/* a frame the kernel holds, at an offset and length of the input */
			if (!m->nheld)
				kernel_fill(f, q);
			if (!m->nheld)
				break;
			k = take8(in);
			d.addr = (uint64_t)m->held[k % m->nheld] * f->info.frame_size;
			d.addr += k & 0x80 ? take16(in) % f->info.frame_size : f->info.headroom;
			d.len = take8(in) & 0x80 ? take16(in) : 14 + take8(in) * 5u;
			d.options = take8(in) & 0x80 ? 1u << (take8(in) % 32) : 0;
			kernel_rx(f, q, &d);
			break;
		case 2:	/* raw */
			d.addr = take64(in);
			d.len = take32(in);
			d.options = take32(in);
			kernel_rx(f, q, &d);
			break;
		case 3:	/* an address near the UMEM, any alignment */
			d.addr = take32(in) % (f->info.umem_size + 2 * f->info.frame_size);
			d.len = take16(in);
			d.options = 0;
			kernel_rx(f, q, &d);
			break;
		case 4:	/* another queue's frame */
			if (f->nq < 2 || !f->m[q ^ 1].nheld)
				break;
			d.addr = (uint64_t)f->m[q ^ 1].held[take8(in) % f->m[q ^ 1].nheld] *
					 f->info.frame_size + f->info.headroom;
			d.len = 60;
			d.options = 0;
			kernel_rx(f, q, &d);
			break;
		case 5:	/* the last one again */
			if (m->last.len || m->last.addr)
				kernel_rx(f, q, &m->last);
			break;
		case 6: {	/* stale slots published again */
			struct np_afxdp_fake_desc s[8];
			int n = np_afxdp_fake_rx_republish(f->dev, q, s, take8(in) % 8 + 1);

			CHECK(n >= 0);
			for (int i = 0; i < n; i++) {
				CHECK(m->nrx < RING_MAX);
				m->rx[m->nrx++] = s[i];
			}
			break;
		}
		case 7:
		case 8:
			poll_queue(f, q);
			break;
		case 9:
			inject(f, q, in);
			break;
		case 10:
		case 11:
			stack_op(f, in);
			break;
		case 12:
			k = take16(in);
			/* up to a jumbo frame: copied into a chain of reserve frames */
			foreign_xmit(f, q, k & 0x8000 ? k % 9100 : k % 1600, (uint8_t)(k >> 11));
			break;
		case 13:	/* the kernel sends */
			kernel_tx(f, q, take8(in) % 16 + 1);
			break;
		case 14:	/* completions of descriptors it took */
			for (k = take8(in) % 4 + 1; k-- > 0 && m->ntxk;) {
				unsigned int i = take8(in) % m->ntxk;

				kernel_comp(f, q, m->txk[i].addr, 1);
				m->txk[i] = m->txk[--m->ntxk];
			}
			break;
		case 15: {	/* a raw completion */
			uint64_t a = take64(in);

			if (take8(in) & 1)
				a %= f->info.umem_size + f->info.frame_size;
			kernel_comp(f, q, a, comp_kind(f, a));
			break;
		}
		case 16: {	/* near a real one, a duplicate, or stale slots */
			unsigned int how = take8(in);

			if ((how & 3) == 0 && m->ntxk) {
				uint64_t a = m->txk[take8(in) % m->ntxk].addr;
				int delta = (int)(int16_t)take16(in);

				kernel_comp(f, q, a + (uint64_t)(int64_t)delta, 0);
			} else if ((how & 3) == 1 && m->nrecent) {
				kernel_comp(f, q, m->recent[take8(in) % NP_MIN(m->nrecent, RECENT)], 0);
			} else if ((how & 3) == 2) {
				uint64_t s[8];
				int n = np_afxdp_fake_comp_republish(f->dev, q, s, take8(in) % 8 + 1);

				CHECK(n >= 0);
				m->comp_put += (unsigned int)n;
				m->comp_uncertain += (unsigned int)n;
				m->dirty += (unsigned int)n;
			} else if (f->nq > 1 && m->ntxk) {
				/* completed on the other queue: never in flight there */
				unsigned int i = take8(in) % m->ntxk;

				kernel_comp(f, q ^ 1, m->txk[i].addr, 0);
				m->txk[i] = m->txk[--m->ntxk];
			}
			break;
		}
		case 17:
			f->verdict = take8(in);
			f->move = take8(in);
			break;
		case 18:
			f->route = take8(in);
			break;
		case 19:
			reopen(f);
			break;
		case 20:
			faults(in);
			break;
		case 21:	/* a chain of held frames: full buffers, then the rest */
			kernel_chain(f, q, in, false);
			break;
		case 22:	/* a chain with a frame of the other queue's (or a bad length) inside */
			kernel_chain(f, q, in, true);
			break;
		default:
			kernel_fill(f, q);
			break;
		}
		check_all(f);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz f;
	struct in in = { data, size };
	unsigned int cfg = take8(&in);
	struct np_afxdp_params p = { .ring_size = cfg & 0x80 ? RING_MAX : RING };
	struct np_afxdp_stats st;
	uint32_t ids[NQ];
	int64_t live0 = np_skb_live();
	int64_t in_pools = 0;
	int err;

	if (!cyc[1]) {
		pattern_init();
		np_set_print(log_cb);
	}
	memset(&f, 0, sizeof(f));
	f.nq = 1 + (cfg & 1);
	f.no_recycle = (cfg & 6) == 6;
	f.route = cfg >> 3;
	p.nqueues = f.nq;
	p.frame_count = FRAMES_PER_Q * f.nq;
	p.no_recycle = f.no_recycle;
	/* bits 1-2: 01 a kernel without multi-buffer (chains refused) */
	err = np_afxdp_fake_create_caps(&p, (cfg & 6) == 4 ? NP_AFXDP_FAKE_NO_MULTIBUF : 0, &f.dev);
	if (err == -EOPNOTSUPP)
		return 0;	/* built without libxdp: no driver to fuzz */
	CHECK_EQ(err, 0);
	CHECK_EQ(np_afxdp_fake_info(f.dev, &f.info), 0);
	f.nchunks = (uint32_t)(f.info.umem_size / f.info.frame_size);
	f.owner = calloc(f.nchunks, 1);
	CHECK(f.owner);
	np_netdev_set_xdp(f.dev, prog, &f);
	np_netdev_set_rx_handler(f.dev, rx, &f);
	f.verdict = 4;	/* PASS */
	CHECK_EQ(np_netdev_open(f.dev), 0);
	CHECK_EQ(np_afxdp_fake_info(f.dev, &f.info), 0);	/* what it bound with */
	for (unsigned int q = 0; q < f.nq; q++)
		ids[q] = f.dev->q[q].pool->id;
	check_all(&f);

	run(&f, &in);

	/* the driver reads what is left; the kernel completes what it took */
	for (unsigned int q = 0; q < f.nq; q++) {
		struct mq *m = &f.m[q];

		do
			poll_queue(&f, q);
		while (m->nrx);
		while (pending(&f, q).tx && m->ntxk < TXK_MAX)
			kernel_tx(&f, q, RING);
		while (m->ntxk) {
			if (pending(&f, q).comp == f.info.comp_size)
				poll_queue(&f, q);
			kernel_comp(&f, q, m->txk[m->ntxk - 1].addr, 1);
			m->ntxk--;
		}
		poll_queue(&f, q);
		CHECK_EQ(pending(&f, q).comp, 0);
	}
	check_all(&f);
	np_fault_reset();
	for (unsigned int q = 0; q < f.nq; q++) {
		struct mq *m = &f.m[q];

		st = xstats(&f, (int)q);
		/* a completion of a taken descriptor frees one transmission (an uncertain
		 * one may have freed it first); one no transmission can use never does */
		CHECK(st.tx_completed >= m->comp_good);
		CHECK(st.tx_bad_completion >= m->comp_bad);
		if (!m->comp_uncertain) {
			CHECK_EQ(st.tx_completed, m->comp_good);
			CHECK_EQ(st.tx_bad_completion, m->comp_bad);
		}
	}

	if (getenv("FUZZ_AFXDP_VERBOSE"))	/* what a seed reached */
		for (unsigned int q = 0; q < f.nq; q++) {
			st = xstats(&f, (int)q);
			fprintf(stderr, "q%u: rx invalid %llu (addr %llu unposted %llu headroom %llu "
				"truncated %llu oversized %llu options %llu) accepted %llu | fill "
				"posted %llu empty %llu | tx zc %llu copied %llu completed %llu "
				"bad %llu no_frame %llu | chains rx %llu broken %llu long %llu tx %llu "
				"| held %u\n", q,
				(unsigned long long)st.rx_invalid, (unsigned long long)st.rx_bad_addr,
				(unsigned long long)st.rx_unposted,
				(unsigned long long)st.rx_bad_headroom,
				(unsigned long long)st.rx_truncated,
				(unsigned long long)st.rx_oversized,
				(unsigned long long)st.rx_bad_options,
				(unsigned long long)f.m[q].accepted, (unsigned long long)st.fill_posted,
				(unsigned long long)st.fill_empty, (unsigned long long)st.tx_zerocopy,
				(unsigned long long)st.tx_copied, (unsigned long long)st.tx_completed,
				(unsigned long long)st.tx_bad_completion,
				(unsigned long long)st.tx_no_frame, (unsigned long long)st.rx_multibuf,
				(unsigned long long)st.rx_chain_broken,
				(unsigned long long)st.rx_chain_long, (unsigned long long)st.tx_multibuf,
				f.nhold);
		}
	np_netdev_close(f.dev);
	while (f.nhold)
		np_kfree_skb(unhold(&f, 0));
	np_skb_thread_flush();
	st = xstats(&f, -1);
	CHECK_EQ(st.frames_posted, 0);
	CHECK_EQ(st.frames_tx, 0);
	CHECK_EQ(st.tx_reserve, 0);
	/* the pools went with the close: every frame back in the UMEM, none in a pool */
	{
		struct np_pool_stats ps = { .size = sizeof(ps) };

		CHECK_EQ(np_netdev_get_pool_stats(f.dev, &ps), 0);
		in_pools = ps.inflight;
	}
	CHECK_EQ(in_pools, 0);
	CHECK_EQ(st.umem_frames_out, 0);
	for (unsigned int q = 0; q < f.nq; q++)
		ids[q] = f.dev->q[q].pool_id;	/* the last open's */
	CHECK_EQ(np_skb_live(), live0);
	np_netdev_destroy(f.dev);
	for (unsigned int q = 0; q < f.nq; q++) {
		struct np_pool_info info;

		/* a pool a held frame kept after the close: the reaper frees it */
		for (int i = 0; i < 5000 && np_pool_info_get(ids[q], &info) == 0; i++)
			nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
		if (np_pool_info_get(ids[q], &info) != -ENOENT)
			fail("pool %u kept %lld pages", ids[q], (long long)info.inflight);
	}
	CHECK_EQ(log_errors, 0);
	free(f.owner);
	return 0;
}
