/* SPDX-License-Identifier: MIT */
/*
 * np_netdev_receive_burst() against np_netdev_receive() one frame at a time:
 * two vnic ports fed the same random frames (sane, and some whose buffer
 * check fails: offset inside the headroom, past the shared info, length too
 * long), bursts of 0..150 frames (so bursts of more than NP_NETDEV_RX_BURST
 * are cut), end with equal queue counters, and their RX handlers see the same
 * frames in the same order (length, bytes, queue, napi, recycle mark).
 * Without a handler every skb is consumed; with an XDP program every frame
 * gets its own verdict; with no skb struct to be had (the skb provider's
 * page allocation failing) every frame counts in rx_nomem and its page comes
 * back. Every run ends with no skb live and both pools freed.
 * Mutations it catches: the buffer check left out of the burst (the bad
 * frames pass: rx_bad_desc differs); the burst's frames handed up in another
 * order (the handler's sequences differ); rx_nomem not counted.
 */
#include "testutil.h"

#define MAX_FRAMES	150u
#define SEEN_MAX	(64u * 1024u)

struct seen {
	uint32_t len[SEEN_MAX];
	uint32_t sum[SEEN_MAX];
	unsigned int n;
	uint32_t napi_id;
	bool bad;
};

static uint32_t bytes_sum(const struct np_skb *skb)
{
	uint32_t s = 0;

	for (uint32_t i = 0; i < skb->len; i++)
		s = s * 31 + skb->data[i];
	return s;
}

static void handler(struct np_netdev *dev, unsigned int q, struct np_skb *skb, void *arg)
{
	struct seen *s = arg;

	(void)dev;
	if (skb->queue_mapping != q || skb->napi_id != s->napi_id || !skb->pp_recycle ||
	    np_skb_is_nonlinear(skb) || s->n >= SEEN_MAX)
		s->bad = true;
	else {
		s->len[s->n] = skb->len;
		s->sum[s->n] = bytes_sum(skb);
		s->n++;
	}
	np_napi_consume_skb(skb, NP_NAPI_WEIGHT);
}

struct port {
	struct np_netdev *dev;
	struct np_napi_ctx *prev;
	uint32_t pool_id;
};

static void port_open(struct port *p, struct seen *s)
{
	struct np_vnic_params vp = { .ring_size = 256 };

	CHECK_EQ(np_vnic_create(&vp, &p->dev), 0);
	if (s)
		CHECK_EQ(np_netdev_set_rx_handler(p->dev, handler, s), 0);
	CHECK_EQ(np_netdev_open(p->dev), 0);
	p->pool_id = p->dev->q[0].pool->id;
	if (s)
		s->napi_id = p->dev->q[0].napi.ctx.id;
}

static void port_close(struct port *p)
{
	np_netdev_close(p->dev);
	np_netdev_destroy(p->dev);
	CHECK(t_wait_pool_freed(p->pool_id, 10000));
}

/* One frame's description, applied to a page of either port. */
struct frame {
	uint32_t offset, len;
	uint8_t fill;
};

static struct frame random_frame(uint64_t *rng)
{
	uint64_t r = t_xorshift(rng);
	struct frame f = { NP_XDP_HEADROOM, 60 + (uint32_t)(r % 1400), (uint8_t)(r >> 32) };

	switch ((r >> 40) % 16) {
	case 0:
		f.offset = NP_XDP_HEADROOM - 8;		/* into the headroom */
		break;
	case 1:
		f.len = NP_PAGE_SIZE;			/* over the shared info */
		break;
	case 2:
		f.offset = NP_PAGE_SIZE - 64;		/* data starting past the end */
		break;
	default:
		break;
	}
	return f;
}

static struct np_rx_buf make_buf(struct np_netdev *dev, const struct frame *f)
{
	struct np_page *page = np_pool_alloc_pages(dev->q[0].pool);
	struct np_rx_buf b;

	CHECK(page);
	b.page = page;
	b.offset = f->offset;
	b.len = f->len;
	if ((uint64_t)f->offset + f->len <= NP_PAGE_SIZE)
		memset((unsigned char *)np_page_address(page) + f->offset, f->fill, f->len);
	return b;
}

static void check_same_qstats(struct np_netdev *a, struct np_netdev *b)
{
	struct np_netdev_qstats qa, qb;

	CHECK_EQ(np_netdev_get_qstats(a, 0, &qa), 0);
	CHECK_EQ(np_netdev_get_qstats(b, 0, &qb), 0);
	CHECK_EQ(qa.rx_packets, qb.rx_packets);
	CHECK_EQ(qa.rx_bytes, qb.rx_bytes);
	CHECK_EQ(qa.rx_bad_desc, qb.rx_bad_desc);
	CHECK_EQ(qa.rx_nomem, qb.rx_nomem);
	CHECK(qa.rx_bad_desc > 0);
}

static void test_same_as_one_at_a_time(uint64_t seed)
{
	static struct seen sa, sb;
	struct np_rx_buf bufs[MAX_FRAMES];
	struct port a, b;
	uint64_t rng = seed;
	int64_t live0 = np_skb_live();
	unsigned int frames = 0, passed = 0;

	memset(&sa, 0, sizeof(sa));
	memset(&sb, 0, sizeof(sb));
	port_open(&a, &sa);
	port_open(&b, &sb);
	for (int round = 0; round < 200; round++) {
		unsigned int n = (unsigned int)(t_xorshift(&rng) % (MAX_FRAMES + 1));
		struct frame f[MAX_FRAMES];
		struct np_napi_ctx *prev;

		for (unsigned int i = 0; i < n; i++)
			f[i] = random_frame(&rng);
		prev = np_napi_ctx_enter(&a.dev->q[0].napi.ctx);
		for (unsigned int i = 0; i < n; i++) {
			struct np_rx_buf one = make_buf(a.dev, &f[i]);

			np_netdev_receive(a.dev, 0, &one, 1);
		}
		np_napi_ctx_leave(prev);
		prev = np_napi_ctx_enter(&b.dev->q[0].napi.ctx);
		for (unsigned int i = 0; i < n; i++)
			bufs[i] = make_buf(b.dev, &f[i]);
		passed += np_netdev_receive_burst(b.dev, 0, bufs, n);
		np_napi_ctx_leave(prev);
		frames += n;
	}
	CHECK(!sa.bad && !sb.bad);
	CHECK_EQ(sa.n, sb.n);
	CHECK_EQ(passed, sb.n);
	for (unsigned int i = 0; i < sa.n && i < sb.n; i++) {
		CHECK_EQ(sa.len[i], sb.len[i]);
		CHECK_EQ(sa.sum[i], sb.sum[i]);
	}
	check_same_qstats(a.dev, b.dev);
	printf("seed %llu: %u frames, %u passed, the rest failed the buffer check\n",
	       (unsigned long long)seed, frames, passed);
	port_close(&a);
	port_close(&b);
	np_skb_thread_flush();
	CHECK_EQ(np_skb_live(), live0);
}

/* No handler: consumed in one batch; the pages straight back into the cache. */
static void test_no_handler(void)
{
	struct np_rx_buf bufs[100];
	struct np_pool_stats st0, st;
	struct np_napi_ctx *prev;
	struct frame f = { NP_XDP_HEADROOM, 100, 7 };
	struct port p;
	int64_t live0 = np_skb_live();

	port_open(&p, NULL);
	prev = np_napi_ctx_enter(&p.dev->q[0].napi.ctx);
	for (unsigned int i = 0; i < 100; i++)
		bufs[i] = make_buf(p.dev, &f);
	st0 = t_pool_stats(p.dev->q[0].pool);
	CHECK_EQ(np_netdev_receive_burst(p.dev, 0, bufs, 100), 100);
	CHECK_EQ(np_netdev_receive_burst(p.dev, 0, bufs, 0), 0);
	st = t_pool_stats(p.dev->q[0].pool);
	np_napi_ctx_leave(prev);
	CHECK_EQ(st.recycle.cached + st.recycle.ring - st0.recycle.cached - st0.recycle.ring, 100);
	CHECK_EQ(np_skb_live(), live0);
	port_close(&p);
}

static int xdp_calls;

/* Every third frame dropped. */
static enum np_xdp_action drop_third(struct np_xdp_buff *xdp, void *arg)
{
	(void)xdp;
	(void)arg;
	return ++xdp_calls % 3 == 0 ? NP_XDP_DROP : NP_XDP_PASS;
}

static void test_with_hook(void)
{
	static struct seen s;
	struct np_rx_buf bufs[90];
	struct np_netdev_qstats qs;
	struct np_napi_ctx *prev;
	struct frame f = { NP_XDP_HEADROOM, 200, 9 };
	struct port p;
	int64_t live0 = np_skb_live();

	memset(&s, 0, sizeof(s));
	port_open(&p, &s);
	CHECK_EQ(np_netdev_set_xdp(p.dev, drop_third, NULL), 0);
	prev = np_napi_ctx_enter(&p.dev->q[0].napi.ctx);
	for (unsigned int i = 0; i < 90; i++)
		bufs[i] = make_buf(p.dev, &f);
	xdp_calls = 0;
	CHECK_EQ(np_netdev_receive_burst(p.dev, 0, bufs, 90), 60);
	np_napi_ctx_leave(prev);
	CHECK_EQ(xdp_calls, 90);
	CHECK_EQ(s.n, 60);
	CHECK_EQ(np_netdev_get_qstats(p.dev, 0, &qs), 0);
	CHECK_EQ(qs.xdp_drop, 30);
	CHECK_EQ(qs.xdp_pass, 60);
	CHECK_EQ(np_skb_live(), live0);
	port_close(&p);
}

/* No skb struct to be had: every frame counted in rx_nomem, its page back. */
static void test_nomem(void)
{
	struct np_fault_spec always = { .every = 1 };
	struct np_rx_buf bufs[40];
	struct np_netdev_qstats qs;
	struct np_pool_stats st0, st;
	struct np_provider *prov;
	struct np_napi_ctx *prev;
	struct frame f = { NP_XDP_HEADROOM, 300, 3 };
	struct port p;
	int64_t live0 = np_skb_live();

	port_open(&p, NULL);
	prev = np_napi_ctx_enter(&p.dev->q[0].napi.ctx);
	for (unsigned int i = 0; i < 40; i++)
		bufs[i] = make_buf(p.dev, &f);
	/* structs from a fresh provider whose page allocations all fail */
	CHECK_EQ(np_provider_create(NULL, &prov), 0);
	np_skb_thread_flush();
	np_skb_set_provider(prov);
	st0 = t_pool_stats(p.dev->q[0].pool);
	CHECK_EQ(np_fault_set(NP_FAULT_PAGE_ALLOC, &always), 0);
	CHECK_EQ(np_netdev_receive_burst(p.dev, 0, bufs, 40), 0);
	np_fault_reset();
	st = t_pool_stats(p.dev->q[0].pool);
	np_napi_ctx_leave(prev);
	np_skb_set_provider(NULL);
	CHECK_EQ(np_netdev_get_qstats(p.dev, 0, &qs), 0);
	CHECK_EQ(qs.rx_nomem, 40);
	CHECK_EQ(qs.rx_packets, 40);
	CHECK_EQ(st.recycle.cached + st.recycle.ring - st0.recycle.cached - st0.recycle.ring, 40);
	CHECK_EQ(np_skb_live(), live0);
	port_close(&p);
	CHECK_EQ(t_pages_out(prov), 0);
	CHECK_EQ(np_provider_destroy(prov), 0);
}

int main(void)
{
	uint64_t seed = t_env_ul("NP_TEST_SEED", 0);

	if (!seed)
		seed = (uint64_t)time(NULL) | 1;
	np_set_print(t_log_capture);
	test_same_as_one_at_a_time(0x9e3779b97f4a7c15ull);
	test_same_as_one_at_a_time(seed);
	test_no_handler();
	test_with_hook();
	test_nomem();
	return 0;
}
