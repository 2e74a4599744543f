/* SPDX-License-Identifier: MIT */
/*
 * null: a port with no device (netpool/null.h). RX hands the queue's pool
 * pages up as frames of a fixed length, a burst per poll; TX frees what it
 * is given. Nothing is posted and nothing is pending, so a queue has no
 * open or close work: np_netdev_open() makes its pool, the poll takes pages
 * from it, and every page is in an skb the stack holds or back in the pool.
 */
#include <stdlib.h>
#include <string.h>
#include "../internal.h"
#include "netpool/null.h"
#include "netpool/csum.h"

#define NULL_HDR_LEN	42u	/* Ethernet (14), IPv4 (20), UDP (8) */
/* np_page.owner_data of a page whose header is written: the tag and the frame length */
#define NULL_HDR_TAG	0x6e756c6c00000000ull

/* A queue's counters, in the order of struct np_null_stats (np_null_stats_names). */
enum null_counter {
	NULL_RX_HEADERS, NULL_TX_COMPLETED, NULL_TX_XDP_COMPLETED, NULL_TX_BATCHES,
	NULL_NR_COUNTERS
};
_Static_assert(NULL_NR_COUNTERS == NP_NULL_STATS_NR &&
		       offsetof(struct np_null_stats, tx_batches) == NULL_TX_BATCHES * 8,
	       "the counters mirror struct np_null_stats");
_Static_assert(NP_NULL_FRAME_MAX >= NP_NULL_FRAME_MIN && NP_NULL_FRAME_MIN >= NULL_HDR_LEN,
	       "a frame holds the header, and one buffer holds a frame");

const char *const np_null_stats_names[] = {
	[NULL_RX_HEADERS] = "rx_headers",
	[NULL_TX_COMPLETED] = "tx_completed",
	[NULL_TX_XDP_COMPLETED] = "tx_xdp_completed",
	[NULL_TX_BATCHES] = "tx_batches",
};
_Static_assert(NP_ARRAY_SIZE(np_null_stats_names) == NULL_NR_COUNTERS, "a name per counter");

struct null_queue {
	/* RX: the queue's poll only */
	uint64_t rx_left;		/* frames still to hand out, with a count */
	/* TX: any transmitting thread, under tx_lock (rx_headers: the poll, without) */
	pthread_spinlock_t tx_lock;
	np_atomic_u64 cnt[NULL_NR_COUNTERS];
} NP_CACHE_ALIGNED;

struct null_dev {
	struct np_netdev *dev;
	uint32_t frame_len;
	unsigned int burst;		/* frames per poll at most */
	bool no_rx;
	bool counted;			/* a count was given: rx_left applies */
	uint64_t hdr_tag;		/* owner_data of a page with our header */
	unsigned char hdr[NULL_HDR_LEN];
	struct null_queue *q;
};

static np_atomic_u32 null_next_id;

static inline struct null_dev *to_null(struct np_netdev *dev)
{
	return dev->priv;
}

#define null_count(nq, c, n)	np_stat_add_owner((nq)->cnt[c], (n))

/* ---- RX ---- */

/* The frame header of every page: addresses and ports fixed, lengths of @len. */
static void null_hdr_init(unsigned char *h, uint32_t len)
{
	static const unsigned char tmpl[NULL_HDR_LEN] = {
		/* Ethernet: locally administered unicast addresses (valid either way round) */
		0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
		/* IPv4: 10.0.0.1 -> 10.0.0.2, DF, TTL 64, UDP */
		0x45, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00,
		0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
		/* UDP 9 -> 9 (discard), no checksum */
		0x00, 0x09, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00,
	};
	uint32_t ip = len - 14, udp = len - 34;
	uint16_t csum;

	memcpy(h, tmpl, sizeof(tmpl));
	h[16] = (unsigned char)(ip >> 8);
	h[17] = (unsigned char)ip;
	h[38] = (unsigned char)(udp >> 8);
	h[39] = (unsigned char)udp;
	csum = np_csum_fold(np_csum_partial(h + 14, 20, 0));
	memcpy(h + 24, &csum, sizeof(csum));
}

/*
 * Whether @page needs the header: in release builds once per life in the
 * pool (a page fresh from the provider has owner_data 0); in debug builds
 * always, as the pool poisons each page while it sits idle.
 */
static inline bool null_hdr_needed(const struct null_dev *nl, struct np_page *page)
{
#if NP_DEBUG >= 1
	(void)nl;
	(void)page;
	return true;
#else
	return page->owner_data != nl->hdr_tag;
#endif
}

static int null_poll(struct np_netdev *dev, unsigned int q, int budget)
{
	struct null_dev *nl = to_null(dev);
	struct null_queue *nq = &nl->q[q];
	struct np_page *pages[NP_NAPI_WEIGHT];
	struct np_rx_buf bufs[NP_NAPI_WEIGHT];
	unsigned int want, got, hdrs = 0;

	if (nl->no_rx || budget <= 0)
		return 0;
	want = NP_MIN((unsigned int)budget, nl->burst);
	if (nl->counted && nq->rx_left < want)
		want = (unsigned int)nq->rx_left;
	if (!want)
		return 0;
	got = np_pool_alloc_pages_bulk(dev->q[q].pool, pages, want);
	if (np_unlikely(got < want))
		np_netdev_qstat_add(&dev->q[q], NP_QSTAT(rx_nomem), 1);
	for (unsigned int i = 0; i < got; i++) {
		if (null_hdr_needed(nl, pages[i])) {
			memcpy((unsigned char *)np_page_address(pages[i]) + NP_XDP_HEADROOM, nl->hdr,
			       NULL_HDR_LEN);
			pages[i]->owner_data = nl->hdr_tag;
			hdrs++;
		}
		bufs[i] = (struct np_rx_buf){ .page = pages[i], .offset = NP_XDP_HEADROOM,
					      .len = nl->frame_len };
	}
	np_netdev_receive_burst(dev, q, bufs, got);
	if (hdrs)
		null_count(nq, NULL_RX_HEADERS, hdrs);
	if (nl->counted)
		nq->rx_left -= got;
	return (int)got;
}

/* ---- TX ---- */

/* One hand-over of @pkts transmissions (@xdp of them XDP frames), @bytes in all. */
static void null_tx_account(struct np_netdev *dev, unsigned int q, uint64_t pkts, uint64_t bytes,
			    uint64_t xdp)
{
	struct null_queue *nq = &to_null(dev)->q[q];

	pthread_spin_lock(&nq->tx_lock);
	np_netdev_qstat_add(&dev->q[q], NP_QSTAT(tx_packets), pkts);
	np_netdev_qstat_add(&dev->q[q], NP_QSTAT(tx_bytes), bytes);
	null_count(nq, NULL_TX_COMPLETED, pkts);
	if (xdp)
		null_count(nq, NULL_TX_XDP_COMPLETED, xdp);
	null_count(nq, NULL_TX_BATCHES, 1);
	pthread_spin_unlock(&nq->tx_lock);
}

/* Every skb taken and freed at once: the device has sent it. */
static unsigned int null_xmit_bulk(struct np_netdev *dev, unsigned int q,
				   struct np_skb *const *skbs, unsigned int n)
{
	uint64_t bytes = 0;

	for (unsigned int i = 0; i < n; i++)
		bytes += skbs[i]->len;
	null_tx_account(dev, q, n, bytes, 0);
	/* inside a poll: the napi caches, and direct recycling into the pool of that napi */
	np_napi_consume_skb_bulk(skbs, n, np_napi_ctx_current() ? NP_NAPI_WEIGHT : 0);
	return n;
}

static int null_xmit(struct np_netdev *dev, unsigned int q, struct np_skb *skb)
{
	null_xmit_bulk(dev, q, &skb, 1);
	return 0;
}

static int null_xmit_frame(struct np_netdev *dev, unsigned int q, struct np_xdp_frame *f)
{
	null_tx_account(dev, q, 1, f->len, 1);
	np_xdp_frame_free(f);
	return 0;
}

/* ---- the netdev ---- */

/* Queue @q's counters for the statistics export (ethtool -S): relaxed loads. */
static unsigned int null_get_ethtool_stats(struct np_netdev *dev, unsigned int q,
					   const char **names, uint64_t *vals, unsigned int max)
{
	const struct null_queue *nq = &to_null(dev)->q[q];
	unsigned int n = NP_MIN(max, (unsigned int)NULL_NR_COUNTERS);

	for (unsigned int k = 0; k < n; k++) {
		names[k] = np_null_stats_names[k];
		vals[k] = np_stat_read(nq->cnt[k]);
	}
	return n;
}

static void null_free(struct null_dev *nl, unsigned int nqueues)
{
	for (unsigned int i = 0; i < nqueues; i++)
		pthread_spin_destroy(&nl->q[i].tx_lock);
	free(nl->q);
	free(nl);
}

static void null_destroy(struct np_netdev *dev)
{
	null_free(to_null(dev), dev->nqueues);
}

static const struct np_netdev_ops null_ops = {
	.kind = "null",
	.poll = null_poll,
	.xmit = null_xmit,
	.xmit_bulk = null_xmit_bulk,
	.xmit_frame = null_xmit_frame,
	.get_ethtool_stats = null_get_ethtool_stats,
	.destroy = null_destroy,
};

int np_null_create(const struct np_null_params *params, struct np_netdev **out)
{
	struct np_null_params p = params ? *params : (struct np_null_params){ 0 };
	struct np_netdev_params np = { 0 };
	char name[NP_IFNAMSIZ];
	struct null_dev *nl;
	int err;

	if (!out)
		return -EINVAL;
	if (!p.nqueues)
		p.nqueues = 1;
	if (!p.frame_len)
		p.frame_len = NP_NULL_FRAME_DEFAULT;
	if (p.nqueues > NP_NETDEV_MAX_QUEUES || p.frame_len < NP_NULL_FRAME_MIN ||
	    p.frame_len > NP_NULL_FRAME_MAX || p.burst > NP_NAPI_WEIGHT)
		return -EINVAL;
	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->q = aligned_alloc(NP_CACHE_LINE, p.nqueues * sizeof(*nl->q));
	if (!nl->q) {
		free(nl);
		return -ENOMEM;
	}
	memset(nl->q, 0, p.nqueues * sizeof(*nl->q));
	for (unsigned int i = 0; i < p.nqueues; i++) {
		pthread_spin_init(&nl->q[i].tx_lock, PTHREAD_PROCESS_PRIVATE);
		nl->q[i].rx_left = p.count;
	}
	nl->frame_len = p.frame_len;
	nl->burst = p.burst ? p.burst : NP_NAPI_WEIGHT;
	nl->no_rx = p.no_rx;
	nl->counted = p.count != 0;
	nl->hdr_tag = NULL_HDR_TAG | p.frame_len;
	null_hdr_init(nl->hdr, p.frame_len);
	if (p.name)
		snprintf(name, sizeof(name), "%s", p.name);
	else
		snprintf(name, sizeof(name), "null%u", atomic_fetch_add(&null_next_id, 1));
	np.name = name;
	np.nqueues = p.nqueues;
	np.buf_len = p.frame_len;
	np.no_recycle = p.no_recycle;
	err = np_netdev_create(&null_ops, &np, nl, &nl->dev);
	if (err) {
		null_free(nl, p.nqueues);
		return err;
	}
	*out = nl->dev;
	return 0;
}

int np_null_get_stats(struct np_netdev *dev, int q, struct np_null_stats *st)
{
	struct null_dev *nl;

	if (!dev || dev->ops != &null_ops || !st || q < -1 || q >= (int)dev->nqueues)
		return -EINVAL;
	nl = to_null(dev);
	memset(st, 0, sizeof(*st));
	for (unsigned int i = 0; i < dev->nqueues; i++)
		if (q < 0 || (unsigned int)q == i)
			np_netdev_counters_sum((uint64_t *)st, nl->q[i].cnt, NULL_NR_COUNTERS);
	return 0;
}
