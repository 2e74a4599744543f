/* SPDX-License-Identifier: MIT */
/*
 * The netdev core: queues with their napis and pools, the XDP-like verdict
 * hook, the receive path every driver hands its frames to, transmission, and
 * the queue threads.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "netpool/dev.h"

const char *const np_netdev_qstats_names[NP_NETDEV_QSTATS_NR] = {
	"rx_packets", "rx_bytes", "rx_dropped", "rx_bad_desc", "rx_nomem",
	"tx_packets", "tx_bytes", "tx_busy", "tx_dropped",
	"xdp_drop", "xdp_pass", "xdp_tx", "xdp_redirect", "xdp_aborted",
	"polls",
};

static np_atomic_u32 np_netdev_next_ifindex = 1;

/* Whether @dev is open: a closed one transmits nothing (its queues are down). */
static inline bool np_netdev_up(struct np_netdev *dev)
{
	return atomic_load_explicit(&dev->open, memory_order_relaxed);
}

/* Every netdev between create and destroy, for introspection (np_netdev_for_each). */
static pthread_mutex_t np_netdev_list_lock = PTHREAD_MUTEX_INITIALIZER;
static struct np_netdev *np_netdev_list;

static void np_netdev_list_add(struct np_netdev *dev)
{
	pthread_mutex_lock(&np_netdev_list_lock);
	dev->next_dev = np_netdev_list;
	np_netdev_list = dev;
	pthread_mutex_unlock(&np_netdev_list_lock);
}

static void np_netdev_list_del(struct np_netdev *dev)
{
	pthread_mutex_lock(&np_netdev_list_lock);
	for (struct np_netdev **pp = &np_netdev_list; *pp; pp = &(*pp)->next_dev)
		if (*pp == dev) {
			*pp = dev->next_dev;
			break;
		}
	pthread_mutex_unlock(&np_netdev_list_lock);
}

int np_netdev_for_each(int (*fn)(struct np_netdev *dev, void *arg), void *arg)
{
	int ret = 0;

	if (!fn)
		return -EINVAL;
	pthread_mutex_lock(&np_netdev_list_lock);
	for (struct np_netdev *d = np_netdev_list; d && !ret; d = d->next_dev)
		ret = fn(d, arg);
	pthread_mutex_unlock(&np_netdev_list_lock);
	return ret;
}

/*
 * Transmissions gathered inside a netdev poll: a few target queues per
 * thread, each with up to NP_NETDEV_XMIT_BULK skbs, all handed to their
 * drivers before the outermost poll returns.
 */
#define NP_XMIT_BQS	4u

struct np_xmit_bq {
	struct np_netdev *dev;
	unsigned int q;
	unsigned int n;
	struct np_skb *skbs[NP_NETDEV_XMIT_BULK];
};

static _Thread_local struct {
	unsigned int depth;		/* netdev polls this thread is inside */
	unsigned int nbq;
	struct np_xmit_bq *hot;		/* where the last transmit went; NULL after a flush */
	struct np_xmit_bq bq[NP_XMIT_BQS];
} np_tls_xmit;

static int np_netdev_xmit_one(struct np_netdev *dev, unsigned int qi, struct np_skb *skb);

static void np_xmit_bq_flush(struct np_xmit_bq *bq)
{
	const struct np_netdev_ops *ops = bq->dev->ops;
	unsigned int i = 0, n = bq->n;

	bq->n = 0;
	while (i < n) {
		i += ops->xmit_bulk(bq->dev, bq->q, bq->skbs + i, n - i);
		/* the one it did not take goes alone, to be sent or counted with its reason */
		if (i < n)
			np_netdev_xmit_one(bq->dev, bq->q, bq->skbs[i++]);
	}
}

static void np_xmit_flush_all(void)
{
	for (unsigned int i = 0; i < np_tls_xmit.nbq; i++)
		np_xmit_bq_flush(&np_tls_xmit.bq[i]);
	np_tls_xmit.nbq = 0;
	np_tls_xmit.hot = NULL;
}

/* Gather @skb for its queue; a full batch goes at once. */
static void np_xmit_defer(struct np_netdev *dev, unsigned int qi, struct np_skb *skb)
{
	struct np_xmit_bq *bq = NULL;

	for (unsigned int i = 0; i < np_tls_xmit.nbq; i++)
		if (np_tls_xmit.bq[i].dev == dev && np_tls_xmit.bq[i].q == qi) {
			bq = &np_tls_xmit.bq[i];
			break;
		}
	if (!bq) {
		if (np_tls_xmit.nbq == NP_XMIT_BQS)
			np_xmit_flush_all();
		bq = &np_tls_xmit.bq[np_tls_xmit.nbq++];
		bq->dev = dev;
		bq->q = qi;
		bq->n = 0;
	}
	np_tls_xmit.hot = bq;
	bq->skbs[bq->n++] = skb;
	if (bq->n == NP_NETDEV_XMIT_BULK)
		np_xmit_bq_flush(bq);
}

static int np_netdev_napi_poll(struct np_napi *napi, int budget)
{
	struct np_netdev_queue *q = napi->priv;
	int work;

	np_netdev_qstat_add(q, NP_QSTAT(polls), 1);
	/* skbs readers on other threads handed back: their pages refill the cache first */
	if (q->pool)
		np_pool_flush_deferred(q->pool);
	np_tls_xmit.depth++;
	work = q->dev->ops->poll(q->dev, q->index, budget);
	/* inside the napi still: completions freed by the drivers recycle directly */
	if (np_tls_xmit.nbq)
		np_xmit_flush_all();
	np_tls_xmit.depth--;
	return work;
}

int np_netdev_create(const struct np_netdev_ops *ops, const struct np_netdev_params *params,
		     void *priv, struct np_netdev **out)
{
	struct np_netdev *dev;
	unsigned int n;

	if (!ops || !ops->poll || !ops->xmit || !params || !out)
		return -EINVAL;
	n = params->nqueues;
	/* no sum of buf_len: a huge one would wrap around and pass */
	if (n < 1 || n > NP_NETDEV_MAX_QUEUES || !params->buf_len ||
	    params->buf_len > NP_PAGE_SIZE - NP_XDP_HEADROOM - NP_SKB_SHINFO_SIZE)
		return -EINVAL;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->q = aligned_alloc(NP_CACHE_LINE, n * sizeof(*dev->q));
	if (!dev->q) {
		free(dev);
		return -ENOMEM;
	}
	memset(dev->q, 0, n * sizeof(*dev->q));
	dev->ops = ops;
	dev->params = *params;
	dev->params.name = NULL;
	dev->features = params->features | NP_NETIF_F_SG;
	snprintf(dev->name, sizeof(dev->name), "%s",
		 params->name ? params->name : ops->kind ? ops->kind : "netdev");
	dev->ifindex = atomic_fetch_add(&np_netdev_next_ifindex, 1);
	dev->nqueues = n;
	dev->priv = priv;

	/* the pools come with the open (np_netdev_open()), as a driver's ndo_open makes them */
	for (unsigned int i = 0; i < n; i++) {
		struct np_netdev_queue *q = &dev->q[i];

		q->dev = dev;
		q->index = i;
		q->cpu = -1;
		np_napi_init(&q->napi, np_netdev_napi_poll, NP_NAPI_WEIGHT, q);
		q->napi.queue = i;
	}
	np_netdev_list_add(dev);
	*out = dev;
	return 0;
}

/* Queue @i's page_pool, owned by its napi and, for introspection, by @dev. */
static int np_netdev_pool_create(struct np_netdev *dev, unsigned int i, struct np_pool **out)
{
	char pname[NP_IFNAMSIZ + 16];
	struct np_pool_params pp = {
		.pool_size = dev->params.pool_size,
		.nid = NP_NUMA_NO_NODE,
		.provider = dev->params.provider,
		.offset = NP_XDP_HEADROOM,
		.max_len = dev->params.buf_len,
		.napi = &dev->q[i].napi.ctx,
		.name = pname,
		.ifindex = (int)dev->ifindex,
		.ifname = dev->name,
		.queue = i,
	};

	if (dev->params.dma) {
		/* bidirectional: an XDP_TX sends the page it received into */
		pp.flags = NP_POOL_F_DMA_MAP | NP_POOL_F_DMA_SYNC_DEV;
		pp.dma = dev->params.dma;
		pp.dma_dir = NP_DMA_BIDIRECTIONAL;
	}
	snprintf(pname, sizeof(pname), "%s-rx%u", dev->name, i);
	return np_pool_create(&pp, out);
}

static struct np_pool *const np_no_pools[NP_NETDEV_MAX_QUEUES];

/*
 * Publish the open state and the queues' pools (NULL: none) under the list
 * lock, so that np_netdev_for_each() callbacks (the stats export) read them
 * consistently; the datapath reads them only while the device is open.
 * @ids: the pool ids to keep (NULL: those of @pools, else the current ones).
 */
static void np_netdev_set_pools(struct np_netdev *dev, struct np_pool *const *pools,
				const uint32_t *ids, bool open)
{
	pthread_mutex_lock(&np_netdev_list_lock);
	for (unsigned int i = 0; i < dev->nqueues; i++) {
		dev->q[i].pool = pools[i];
		if (ids)
			dev->q[i].pool_id = ids[i];
		else if (pools[i])
			dev->q[i].pool_id = pools[i]->id;
	}
	atomic_store_explicit(&dev->open, open, memory_order_release);
	pthread_mutex_unlock(&np_netdev_list_lock);
}

/* Queues [0, @n) give back what they posted, inside their napis; then their pools go. */
static void np_netdev_queues_down(struct np_netdev *dev, unsigned int n, struct np_pool **pools)
{
	for (unsigned int i = 0; i < n; i++) {
		/* inside the queue's napi: what the driver takes back recycles directly */
		struct np_napi_ctx *prev = np_napi_ctx_enter(&dev->q[i].napi.ctx);

		if (dev->ops->queue_close)
			dev->ops->queue_close(dev, i);
		np_napi_ctx_leave(prev);
	}
	/*
	 * Every queue first, then the pools: a queue's pending transmissions may
	 * hold pages of another queue's pool, which can still take them back.
	 * Pages still out (in skbs the stack holds) keep their pool, detached,
	 * until they return; the pools unmap them all now.
	 */
	for (unsigned int i = 0; i < n; i++)
		np_pool_destroy(pools[i]);
}

int np_netdev_open(struct np_netdev *dev)
{
	struct np_pool *pools[NP_NETDEV_MAX_QUEUES] = { NULL };
	uint32_t old_ids[NP_NETDEV_MAX_QUEUES];
	unsigned int i;
	int err = 0;

	if (!dev)
		return -EINVAL;
	if (atomic_load_explicit(&dev->open, memory_order_acquire))
		return 0;
	for (i = 0; i < dev->nqueues && !err; i++)
		err = np_netdev_pool_create(dev, i, &pools[i]);
	if (err) {
		while (i--)
			np_pool_destroy(pools[i]);
		return err;
	}
	/* the drivers find their pools through dev->q[i].pool */
	for (i = 0; i < dev->nqueues; i++)
		old_ids[i] = dev->q[i].pool_id;
	np_netdev_set_pools(dev, pools, NULL, false);
	for (i = 0; i < dev->nqueues; i++) {
		err = dev->ops->queue_open ? dev->ops->queue_open(dev, i) : 0;
		if (err)
			break;
	}
	if (err) {
		np_netdev_queues_down(dev, i, pools);
		for (unsigned int k = i; k < dev->nqueues; k++)
			np_pool_destroy(pools[k]);
		np_netdev_set_pools(dev, np_no_pools, old_ids, false);
		return err;
	}
	np_netdev_set_pools(dev, pools, NULL, true);
	return 0;
}

void np_netdev_close(struct np_netdev *dev)
{
	struct np_pool *pools[NP_NETDEV_MAX_QUEUES] = { NULL };

	if (!dev || !atomic_load_explicit(&dev->open, memory_order_acquire))
		return;
	np_netdev_stop(dev);
	for (unsigned int i = 0; i < dev->nqueues; i++)
		pools[i] = dev->q[i].pool;
	/* closed first (no transmission is taken now), the pools there for the drivers' close */
	np_netdev_set_pools(dev, pools, NULL, false);
	np_netdev_queues_down(dev, dev->nqueues, pools);
	np_netdev_set_pools(dev, np_no_pools, NULL, false);
}

void np_netdev_destroy(struct np_netdev *dev)
{
	if (!dev)
		return;
	np_netdev_list_del(dev);
	np_netdev_close(dev);
	/* pools of an earlier open still waiting for pages stay listed, as orphans */
	np_pool_unreg_owner((int)dev->ifindex);
	if (dev->ops->destroy)
		dev->ops->destroy(dev);
	free(dev->q);
	free(dev);
}

int np_netdev_get_pool_stats(struct np_netdev *dev, struct np_pool_stats *st)
{
	if (!dev)
		return -EINVAL;
	return np_pool_owner_stats((int)dev->ifindex, st);
}

int np_netdev_rx_fd(struct np_netdev *dev, unsigned int q)
{
	if (!dev || q >= dev->nqueues || !dev->open)
		return -EINVAL;
	if (!dev->ops->rx_fd)
		return -EOPNOTSUPP;
	return dev->ops->rx_fd(dev, q);
}

/*
 * The hook and its argument as a pair, under a sequence count: a writer makes
 * it odd (one writer at a time), stores both, makes it even again; a reader
 * retries while it was odd or moved. The stores of the pair are releases and
 * its loads acquires (no fences: ThreadSanitizer does not model them): a
 * reader that sees a new value then sees the count the writer made odd.
 */
int np_netdev_set_xdp(struct np_netdev *dev, np_xdp_prog_fn prog, void *arg)
{
	uint32_t seq;

	if (!dev)
		return -EINVAL;
	for (;;) {
		seq = atomic_load_explicit(&dev->xdp_seq, memory_order_relaxed);
		if (!(seq & 1) && atomic_compare_exchange_weak_explicit(&dev->xdp_seq, &seq, seq + 1,
									 memory_order_relaxed,
									 memory_order_relaxed))
			break;
		np_cpu_relax();
	}
	atomic_store_explicit(&dev->xdp_prog, prog, memory_order_release);
	atomic_store_explicit(&dev->xdp_arg, arg, memory_order_release);
	atomic_store_explicit(&dev->xdp_seq, seq + 2, memory_order_release);
	return 0;
}

/* The hook and its argument, read as one pair. */
static np_xdp_prog_fn np_netdev_xdp_get(struct np_netdev *dev, void **arg)
{
	np_xdp_prog_fn prog;
	uint32_t seq;

	for (;;) {
		seq = atomic_load_explicit(&dev->xdp_seq, memory_order_acquire);
		prog = atomic_load_explicit(&dev->xdp_prog, memory_order_acquire);
		*arg = atomic_load_explicit(&dev->xdp_arg, memory_order_acquire);
		if (!(seq & 1) && atomic_load_explicit(&dev->xdp_seq, memory_order_relaxed) == seq)
			return prog;
		np_cpu_relax();
	}
}

int np_netdev_set_rx_handler(struct np_netdev *dev, np_rx_handler_fn fn, void *arg)
{
	if (!dev)
		return -EINVAL;
	dev->rx_handler = fn;
	dev->rx_arg = arg;
	return 0;
}

int np_netdev_poll(struct np_netdev *dev, unsigned int q)
{
	NP_MISUSE_IF(!dev || q >= dev->nqueues || !dev->open, "np_netdev_poll",
		     "poll of queue %u of netdev %p (%s): %s", q, (void *)dev,
		     dev ? dev->name : "-", !dev ? "no netdev" : q >= dev->nqueues ?
		     "no such queue" : "not open");
	return np_napi_poll(&dev->q[q].napi);
}

int np_netdev_get_qstats(struct np_netdev *dev, int q, struct np_netdev_qstats *st)
{
	uint64_t *out = (uint64_t *)st;

	if (!dev || !st || q < -1 || q >= (int)dev->nqueues)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	for (unsigned int i = 0; i < dev->nqueues; i++) {
		if (q >= 0 && (unsigned int)q != i)
			continue;
		for (size_t k = 0; k < NP_NETDEV_QSTATS_NR; k++)
			out[k] += np_stat_read(dev->q[i].cnt[k]);
	}
	return 0;
}

/* ---- queue threads ---- */

static void *np_netdev_queue_thread(void *arg)
{
	struct np_netdev_queue *q = arg;
	struct np_netdev *dev = q->dev;
	unsigned int idle = 0;

	if (q->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(q->cpu, &set);
		if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
			np_warn("netdev %s: queue %u: cannot pin to CPU %d\n", dev->name, q->index,
				q->cpu);
	}
	while (atomic_load_explicit(&dev->running, memory_order_acquire)) {
		if (np_napi_poll(&q->napi)) {
			idle = 0;
			continue;
		}
		/* nothing to do: spin a while, then yield the CPU */
		if (++idle < 64)
			np_cpu_relax();
		else
			sched_yield();
	}
	np_skb_thread_flush();
	return NULL;
}

int np_netdev_start(struct np_netdev *dev, const int *cpus)
{
	if (!dev || !dev->open)
		return -EINVAL;
	for (unsigned int i = 0; cpus && i < dev->nqueues; i++)
		if (cpus[i] < -1 || cpus[i] >= CPU_SETSIZE)
			return -EINVAL;
	if (atomic_exchange(&dev->running, true))
		return -EBUSY;
	for (unsigned int i = 0; i < dev->nqueues; i++) {
		struct np_netdev_queue *q = &dev->q[i];
		int err;

		q->cpu = cpus ? cpus[i] : -1;
		err = np_thread_create(&q->thread, NULL, "np-queue", np_netdev_queue_thread, q);
		if (err) {
			np_netdev_stop(dev);
			return -err;
		}
		q->has_thread = true;
	}
	return 0;
}

void np_netdev_stop(struct np_netdev *dev)
{
	if (!dev)
		return;
	atomic_store_explicit(&dev->running, false, memory_order_release);
	for (unsigned int i = 0; i < dev->nqueues; i++) {
		struct np_netdev_queue *q = &dev->q[i];

		if (q->has_thread) {
			pthread_join(q->thread, NULL);
			q->has_thread = false;
		}
	}
}

/* ---- receive ---- */

void np_netdev_rx_drop(struct np_netdev *dev, unsigned int q, struct np_page *page, size_t counter)
{
	NP_MISUSE_IF(!dev || !page || q >= dev->nqueues || counter >= NP_NETDEV_QSTATS_NR,
		     "np_netdev_rx_drop", "netdev %p: drop of page %p on queue %u (of %u), "
		     "counter %zu (of %zu)", (void *)dev, (void *)page, q, dev ? dev->nqueues : 0,
		     counter, (size_t)NP_NETDEV_QSTATS_NR);
	np_netdev_qstat_add(&dev->q[q], counter, 1);
	np_pool_recycle_direct(dev->q[q].pool, page);
}

/* Every buffer of a dropped frame back to its pool (directly: we are in its napi). */
static void np_netdev_drop_bufs(const struct np_rx_buf *bufs, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		np_pool_put_full_page(bufs[i].page->pp, bufs[i].page, false);
}

/* An XDP frame out of @to's queue @qi (the same index, folded onto its queues). */
static bool np_netdev_xmit_frame(struct np_netdev *to, unsigned int qi, struct np_xdp_buff *xdp)
{
	struct np_xdp_frame f = {
		.page = xdp->page,
		.data = xdp->data,
		.len = (uint32_t)(xdp->data_end - xdp->data),
	};
	int err;

	if (!to->ops->xmit_frame || np_unlikely(!np_netdev_up(to)))
		return false;
	if (np_unlikely(qi >= to->nqueues))
		qi %= to->nqueues;
	err = to->ops->xmit_frame(to, qi, &f);
	/* a failure is counted once, by the caller, on the receiving queue */
	return err == 0;
}

/* PASS: an skb around the first buffer, the rest as frags, marked for recycling. */
/* A driver's validation slipped: never build an skb past its buffer. @first: a frame's first. */
NP_INLINE bool np_rx_buf_bad(const struct np_rx_buf *b, bool first)
{
	return (uint64_t)b->offset + b->len > (first ? NP_PAGE_SIZE - NP_SKB_SHINFO_SIZE :
						  NP_PAGE_SIZE) ||
	       (first && b->offset < NP_XDP_HEADROOM);
}

/*
 * An skb just built on the first buffer's page: its data (@headroom, @len),
 * the other buffers as frags, and the kind of its references.
 */
NP_INLINE void np_netdev_fill(struct np_netdev *dev, struct np_skb *skb, uint32_t headroom,
			      uint32_t len, const struct np_rx_buf *bufs, unsigned int n)
{
	np_skb_reserve(skb, headroom);
	np_skb_put(skb, len);
	for (unsigned int i = 1; i < n; i++)
		np_skb_add_rx_frag(skb, i - 1, bufs[i].page, bufs[i].offset, bufs[i].len,
				   (uint32_t)NP_PAGE_SIZE);
	if (np_likely(!dev->params.no_recycle)) {
		np_skb_mark_for_recycle(skb);
	} else {
		/* a driver without recycling: the pages leave the pool, the skb holds page references */
		for (unsigned int i = 0; i < n; i++)
			np_pool_release_page(bufs[i].page->pp, bufs[i].page);
	}
}

/* What the stack learns of where @skb came in: queue, napi, the driver's offload results. */
NP_INLINE void np_netdev_stamp(struct np_netdev *dev, const struct np_netdev_queue *q,
			       unsigned int qi, struct np_skb *skb)
{
	skb->queue_mapping = (uint16_t)qi;
	skb->napi_id = q->napi.ctx.id;
	if (dev->ops->rx_offload)
		dev->ops->rx_offload(dev, qi, skb);
}

static struct np_skb *np_netdev_build(struct np_netdev *dev, const struct np_xdp_buff *xdp,
				      const struct np_rx_buf *bufs, unsigned int n)
{
	struct np_skb *skb = np_napi_build_skb(xdp->data_hard_start, xdp->frame_sz);

	if (skb)
		np_netdev_fill(dev, skb, (uint32_t)(xdp->data - xdp->data_hard_start),
			       (uint32_t)(xdp->data_end - xdp->data), bufs, n);
	return skb;
}

enum np_xdp_action np_netdev_receive(struct np_netdev *dev, unsigned int qi,
				     const struct np_rx_buf *bufs, unsigned int n)
{
	struct np_netdev_queue *q;
	np_xdp_prog_fn prog;
	void *prog_arg = NULL;
	unsigned char *start;
	struct np_xdp_buff xdp;
	enum np_xdp_action act = NP_XDP_PASS;
	uint64_t bytes = 0;
	struct np_skb *skb;

	NP_MISUSE_IF(!dev || !bufs || qi >= dev->nqueues || n < 1 || n > NP_MAX_SKB_FRAGS + 1,
		     "np_netdev_receive", "netdev %p (%s): queue %u, %u buffers at %p",
		     (void *)dev, dev ? dev->name : "-", qi, n, (const void *)bufs);
	q = &dev->q[qi];
	prog = atomic_load_explicit(&dev->xdp_prog, memory_order_relaxed);
	if (prog)
		prog = np_netdev_xdp_get(dev, &prog_arg);
	start = np_page_address(bufs[0].page);
	xdp = (struct np_xdp_buff){
		.data_hard_start = start,
		.data = start + bufs[0].offset,
		.data_end = start + bufs[0].offset + bufs[0].len,
		.frame_sz = (uint32_t)NP_PAGE_SIZE,
		.nr_frags = n - 1,
		.page = bufs[0].page,
		.dev = dev,
		.queue = qi,
	};
	for (unsigned int i = 0; i < n; i++) {
		if (np_unlikely(np_rx_buf_bad(&bufs[i], i == 0))) {
			np_netdev_qstat_add(q, NP_QSTAT(rx_bad_desc), 1);
			np_netdev_drop_bufs(bufs, n);
			return NP_XDP_DROP;
		}
		bytes += bufs[i].len;
	}
	np_netdev_qstat_add(q, NP_QSTAT(rx_packets), 1);
	np_netdev_qstat_add(q, NP_QSTAT(rx_bytes), bytes);

	if (prog && np_unlikely(dev->ops->rx_skip_xdp) && dev->ops->rx_skip_xdp(dev, qi))
		prog = NULL;	/* a GSO frame: no raw-buffer verdict, the skb path cuts it */
	if (prog) {
		act = prog(&xdp, prog_arg);
		/* a program may move data, but not outside the buffer */
		if (xdp.data < start || xdp.data > xdp.data_end ||
		    xdp.data_end > start + NP_PAGE_SIZE - NP_SKB_SHINFO_SIZE)
			act = NP_XDP_ABORTED;
		/* TX and REDIRECT take single-buffer frames; a longer one goes up as an skb */
		if ((act == NP_XDP_TX || act == NP_XDP_REDIRECT) && n > 1)
			act = NP_XDP_PASS;
	}
	switch (act) {
	case NP_XDP_DROP:
		np_netdev_qstat_add(q, NP_QSTAT(xdp_drop), 1);
		np_netdev_drop_bufs(bufs, n);
		return act;
	case NP_XDP_TX:
		if (np_netdev_xmit_frame(dev, qi, &xdp)) {
			np_netdev_qstat_add(q, NP_QSTAT(xdp_tx), 1);
			return act;
		}
		np_netdev_qstat_add(q, NP_QSTAT(tx_dropped), 1);
		np_netdev_drop_bufs(bufs, n);
		return NP_XDP_DROP;
	case NP_XDP_REDIRECT:
		if (xdp.redirect_dev && np_netdev_xmit_frame(xdp.redirect_dev, qi, &xdp)) {
			np_netdev_qstat_add(q, NP_QSTAT(xdp_redirect), 1);
			return act;
		}
		np_netdev_qstat_add(q, NP_QSTAT(tx_dropped), 1);
		np_netdev_drop_bufs(bufs, n);
		return NP_XDP_DROP;
	case NP_XDP_PASS:
		break;
	default:
		np_netdev_qstat_add(q, NP_QSTAT(xdp_aborted), 1);
		np_netdev_drop_bufs(bufs, n);
		return NP_XDP_ABORTED;
	}

	if (prog)
		np_netdev_qstat_add(q, NP_QSTAT(xdp_pass), 1);
	skb = np_netdev_build(dev, &xdp, bufs, n);
	if (!skb) {
		np_netdev_qstat_add(q, NP_QSTAT(rx_nomem), 1);
		np_netdev_drop_bufs(bufs, n);
		return NP_XDP_DROP;
	}
	np_netdev_stamp(dev, q, qi, skb);
	if (dev->rx_handler)
		dev->rx_handler(dev, qi, skb, dev->rx_arg);
	else
		np_napi_consume_skb(skb, NP_NAPI_WEIGHT);
	return NP_XDP_PASS;
}

/*
 * One frame of np_netdev_receive_burst() that failed the buffer check: counted
 * and dropped, as np_netdev_receive() would.
 */
static NP_NOINLINE void np_netdev_rx_bad(struct np_netdev_queue *q, const struct np_rx_buf *buf)
{
	np_netdev_qstat_add(q, NP_QSTAT(rx_bad_desc), 1);
	np_netdev_drop_bufs(buf, 1);
}

unsigned int np_netdev_receive_burst(struct np_netdev *dev, unsigned int qi,
				     const struct np_rx_buf *bufs, unsigned int n)
{
	struct np_skb *skbs[NP_NETDEV_RX_BURST];
	void *data[NP_NETDEV_RX_BURST];
	uint8_t idx[NP_NETDEV_RX_BURST];
	struct np_netdev_queue *q;
	np_rx_handler_fn handler;
	unsigned int passed = 0;
	void *arg;

	NP_MISUSE_IF(!dev || (n && !bufs) || qi >= dev->nqueues, "np_netdev_receive_burst",
		     "netdev %p (%s): queue %u, %u frames at %p", (void *)dev,
		     dev ? dev->name : "-", qi, n, (const void *)bufs);
	/* a hook gives each frame its own verdict: the one-frame path */
	if (atomic_load_explicit(&dev->xdp_prog, memory_order_acquire)) {
		for (unsigned int i = 0; i < n; i++)
			passed += np_netdev_receive(dev, qi, &bufs[i], 1) == NP_XDP_PASS;
		return passed;
	}
	q = &dev->q[qi];
	handler = dev->rx_handler;
	arg = dev->rx_arg;
	while (n) {
		unsigned int chunk = NP_MIN(n, (unsigned int)NP_NETDEV_RX_BURST);
		unsigned int ok = 0, built;
		uint64_t bytes = 0;

		/* the same buffer checks as one frame at a time; bad ones leave the batch */
		for (unsigned int i = 0; i < chunk; i++) {
			if (np_unlikely(np_rx_buf_bad(&bufs[i], true))) {
				np_netdev_rx_bad(q, &bufs[i]);
				continue;
			}
			bytes += bufs[i].len;
			idx[ok] = (uint8_t)i;
			data[ok++] = np_page_address(bufs[i].page);
		}
		np_netdev_qstat_add(q, NP_QSTAT(rx_packets), ok);
		np_netdev_qstat_add(q, NP_QSTAT(rx_bytes), bytes);
		built = np_build_skb_bulk(data, (uint32_t)NP_PAGE_SIZE, skbs, ok);
		for (unsigned int k = 0; k < ok; k++) {
			const struct np_rx_buf *b = &bufs[idx[k]];
			struct np_skb *skb;

			if (np_unlikely(k >= built)) {
				np_netdev_qstat_add(q, NP_QSTAT(rx_nomem), 1);
				np_netdev_drop_bufs(b, 1);
				continue;
			}
			skb = skbs[k];
			np_netdev_fill(dev, skb, b->offset, b->len, b, 1);
			np_netdev_stamp(dev, q, qi, skb);
			if (handler)
				handler(dev, qi, skb, arg);
		}
		if (!handler)
			np_napi_consume_skb_bulk(skbs, built, NP_NAPI_WEIGHT);
		passed += built;
		bufs += chunk;
		n -= chunk;
	}
	return passed;
}

/* ---- transmit ---- */

static int np_netdev_xmit_one(struct np_netdev *dev, unsigned int qi, struct np_skb *skb)
{
	int err = np_likely(np_netdev_up(dev)) ? dev->ops->xmit(dev, qi, skb) : -ENETDOWN;

	if (np_unlikely(err)) {
		/* any thread transmitting on the queue may get here: an atomic add */
		np_netdev_qstat_add_any(&dev->q[qi],
				    err == -ENOSPC ? NP_QSTAT(tx_busy) : NP_QSTAT(tx_dropped), 1);
		np_kfree_skb_reason(skb, err == -ENOSPC ? NP_SKB_DROP_FULL_RING :
					 err == -EMSGSIZE ? NP_SKB_DROP_PKT_TOO_BIG :
							    NP_SKB_DROP_NOT_SPECIFIED);
		return err;
	}
	return 0;
}

static NP_NOINLINE int np_netdev_xmit_slow(struct np_netdev *dev, unsigned int qi,
					   struct np_skb *skb)
{
	if (np_unlikely(qi >= dev->nqueues))
		qi %= dev->nqueues;
	if (np_tls_xmit.depth && dev->ops->xmit_bulk && np_likely(np_netdev_up(dev))) {
		np_xmit_defer(dev, qi, skb);
		return 0;
	}
	return np_netdev_xmit_one(dev, qi, skb);
}

int np_netdev_xmit(struct np_netdev *dev, unsigned int qi, struct np_skb *skb)
{
	struct np_xmit_bq *bq = np_tls_xmit.hot;

	NP_MISUSE_IF(!dev || !skb, "np_netdev_xmit", "transmit of skb %p on netdev %p",
		     (void *)skb, (void *)dev);
	/* inside a poll, to the queue the last transmit went to: the batch is there */
	if (np_likely(bq && bq->dev == dev && bq->q == qi && np_netdev_up(dev))) {
		bq->skbs[bq->n++] = skb;
		if (np_unlikely(bq->n == NP_NETDEV_XMIT_BULK))
			np_xmit_bq_flush(bq);
		return 0;
	}
	return np_netdev_xmit_slow(dev, qi, skb);
}
