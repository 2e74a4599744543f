/* SPDX-License-Identifier: MIT */
/*
 * netpool/dev.h - the netdev: queues served by napis, an XDP-like verdict
 * hook, and the receive and transmit paths every driver shares.
 *
 * A driver (vnic, afxdp, tap, null) fills a const struct np_netdev_ops and creates
 * a netdev with N queues. Queue i has one napi, an RX and a TX side, and
 * while the netdev is open one page_pool owned by that napi: the pools live
 * from np_netdev_open() to np_netdev_close(), as a kernel driver creates its
 * page pools in ndo_open and destroys them in ndo_stop. A poll of queue i
 * (np_netdev_poll(), or the queue's thread after np_netdev_start()) calls
 * the driver's poll, which completes transmissions and hands each received
 * frame to np_netdev_receive():
 *
 *   frame in a pool buffer ──▶ XDP hook ──DROP──▶ recycled into the cache
 *                                 │ ├──TX────▶ sent on the same port
 *                                 │ └─REDIRECT▶ sent on another port
 *                                 └─PASS──▶ np_build_skb + mark for recycle
 *                                            ──▶ the RX handler ("the stack")
 *
 * The RX handler owns the skb: it may consume it, queue it, or transmit it
 * with np_netdev_xmit() on any port (a forwarder). TX completions free with
 * np_napi_consume_skb() inside the transmitting queue's napi.
 *
 * Counters are per queue, written by the queue's polling thread and read by
 * anyone (np_netdev_get_qstats()).
 */
#ifndef NETPOOL_DEV_H
#define NETPOOL_DEV_H

#include <pthread.h>
#include "compiler.h"
#include "atomic.h"
#include "napi.h"
#include "pool.h"
#include "skb.h"

NP_EXTERN_C_BEGIN

#define NP_IFNAMSIZ	32
#define NP_NETDEV_MAX_QUEUES	64
#define NP_XDP_HEADROOM	256u	/* headroom a driver leaves before each frame */
#define NP_NETDEV_XMIT_BULK	16u	/* skbs gathered per TX queue inside a poll */

struct np_netdev;

/* ---- the XDP-like hook ---- */

enum np_xdp_action {
	NP_XDP_ABORTED = 0,	/* a program error: dropped and counted as such */
	NP_XDP_DROP,
	NP_XDP_PASS,
	NP_XDP_TX,
	NP_XDP_REDIRECT,
};

/* The raw first buffer of a frame, before any skb exists. */
struct np_xdp_buff {
	unsigned char *data_hard_start;	/* start of the buffer (headroom begins here) */
	unsigned char *data;		/* the frame; the program may move it (push/pull) */
	unsigned char *data_end;
	uint32_t frame_sz;		/* the whole buffer, room for the shared info included */
	uint32_t nr_frags;		/* further buffers of a multi-buffer frame */
	struct np_page *page;		/* the pool page holding the buffer */
	struct np_netdev *dev;		/* received on */
	unsigned int queue;
	struct np_netdev *redirect_dev;	/* set with NP_XDP_REDIRECT */
};

typedef enum np_xdp_action (*np_xdp_prog_fn)(struct np_xdp_buff *xdp, void *arg);

/**
 * np_xdp_redirect() - in a program: send the frame out of @to.
 * @xdp: the frame the program was given.
 * @to: the netdev to send it out of (its queue of the same index, folded).
 * Context: an XDP program, in the receiving queue's poll.
 * Return: NP_XDP_REDIRECT, for the program to return.
 */
NP_INLINE enum np_xdp_action np_xdp_redirect(struct np_xdp_buff *xdp, struct np_netdev *to)
{
	xdp->redirect_dev = to;
	return NP_XDP_REDIRECT;
}

/*
 * A frame handed to a driver for transmission without an skb (XDP TX and
 * REDIRECT): one pool buffer; the driver returns it with np_xdp_frame_free()
 * when the transmission completes.
 */
struct np_xdp_frame {
	struct np_page *page;
	unsigned char *data;
	uint32_t len;
};

/**
 * np_xdp_frame_free() - a transmitted XDP frame's buffer back to its pool.
 * Context: any thread but a signal handler, as np_pool_put_page() (directly into
 * the pool's cache only inside its napi's poll).
 */
NP_INLINE void np_xdp_frame_free(struct np_xdp_frame *f)
{
	(np_pool_put_full_page)(f->page->pp, f->page, false);
}

/* ---- the driver's side ---- */

struct np_netdev_ops {
	const char *kind;	/* "vnic", "afxdp", "tap", "null" */
	/*
	 * set up queue @q's rings and post its buffers from dev->q[q].pool,
	 * just created; 0 or -errno (then nothing of the queue is left set up)
	 */
	int (*queue_open)(struct np_netdev *dev, unsigned int q);
	/*
	 * take everything back from queue @q, inside its napi: every posted
	 * buffer into dev->q[q].pool (destroyed right after), pending TX freed
	 */
	void (*queue_close)(struct np_netdev *dev, unsigned int q);
	/* the napi poll of queue @q: TX completions, RX up to @budget, refill */
	int (*poll)(struct np_netdev *dev, unsigned int q, int budget);
	/*
	 * queue @skb on TX queue @q: 0 (the driver owns it now), -ENOSPC (ring
	 * full) or another -errno (cannot be sent); on an error the caller keeps it
	 */
	int (*xmit)(struct np_netdev *dev, unsigned int q, struct np_skb *skb);
	/*
	 * optional: queue several skbs with one doorbell; takes a prefix of @skbs
	 * and returns its length, stopping at the first it cannot take (the core
	 * then sends that one through ->xmit, which says why)
	 */
	unsigned int (*xmit_bulk)(struct np_netdev *dev, unsigned int q, struct np_skb *const *skbs,
				  unsigned int n);
	/* queue an XDP frame on TX queue @q: 0, -ENOSPC or another -errno (caller keeps it) */
	int (*xmit_frame)(struct np_netdev *dev, unsigned int q, struct np_xdp_frame *f);
	/* optional: a descriptor that polls readable (POLLIN) when queue @q has input */
	int (*rx_fd)(struct np_netdev *dev, unsigned int q);
	/*
	 * optional: queue @q's driver counters (ethtool -S) for the statistics
	 * export: up to @max values into @vals, each one's name (a static
	 * string) into @names; returns how many. Called by the export's thread
	 * under the netdev list lock while the queue runs, opened or closed:
	 * relaxed loads and no system call; at most a short lock of the slow
	 * path (a page provider's counters), never one the poll holds long.
	 */
	unsigned int (*get_ethtool_stats)(struct np_netdev *dev, unsigned int q, const char **names,
					  uint64_t *vals, unsigned int max);
	/*
	 * optional: inside np_netdev_receive(), once the skb of the frame the
	 * driver handed over is built and before the RX handler has it, set
	 * what the device said about that frame (ip_summed and the checksum
	 * offsets, the gso fields), as the driver validated it before the hand-over
	 */
	void (*rx_offload)(struct np_netdev *dev, unsigned int q, struct np_skb *skb);
	/*
	 * optional: inside np_netdev_receive(), true when the frame being handed
	 * over carries state a program on the raw buffer cannot honour (a GSO
	 * frame, to be cut later): it goes up as an skb, the program not run
	 * (as the kernel's tun does for GSO frames)
	 */
	bool (*rx_skip_xdp)(struct np_netdev *dev, unsigned int q);
	/* the driver's state goes (after every queue closed) */
	void (*destroy)(struct np_netdev *dev);
};

/* Per-queue counters. */
struct np_netdev_qstats {
	uint64_t rx_packets, rx_bytes;
	uint64_t rx_dropped;		/* by the stack or for lack of memory */
	uint64_t rx_bad_desc;		/* descriptors that failed validation */
	uint64_t rx_nomem;		/* no skb could be built, or no buffer to refill */
	uint64_t tx_packets, tx_bytes;
	uint64_t tx_busy;		/* transmissions refused with a full ring */
	uint64_t tx_dropped;		/* frames that could not be sent */
	uint64_t xdp_drop, xdp_pass, xdp_tx, xdp_redirect, xdp_aborted;
	uint64_t polls;
};

#define NP_NETDEV_QSTATS_NR	(sizeof(struct np_netdev_qstats) / sizeof(uint64_t))
extern NP_API const char *const np_netdev_qstats_names[NP_NETDEV_QSTATS_NR];

struct np_netdev_queue {
	struct np_napi napi;
	/*
	 * The queue's page_pool while the netdev is open, NULL while it is
	 * closed: only the datapath and the drivers' open and close use it.
	 */
	struct np_pool *pool;
	/*
	 * Its id, kept after close (the pool may still be listed, destroyed,
	 * while pages of it are out); 0 before the first open. Changes only
	 * under the netdev list lock: np_netdev_for_each() callbacks may read it.
	 */
	uint32_t pool_id;
	struct np_netdev *dev;
	unsigned int index;
	int cpu;			/* the queue thread's CPU, -1: not pinned */
	void *priv;			/* the driver's per-queue state */
	pthread_t thread;
	bool has_thread;
	/* owner-written counters, as np_atomic_u64 so readers do not race */
	np_atomic_u64 cnt[NP_NETDEV_QSTATS_NR];
} NP_CACHE_ALIGNED;

/* Index of a counter in np_netdev_queue.cnt. */
#define NP_QSTAT(field)	(offsetof(struct np_netdev_qstats, field) / sizeof(uint64_t))

/**
 * np_netdev_qstat_add() - add @n to queue @q's counter @idx.
 * @q: the queue.
 * @idx: an NP_QSTAT() index.
 * @n: the amount.
 * Context: the thread polling @q only (one writer: a relaxed load and store).
 */
NP_INLINE void np_netdev_qstat_add(struct np_netdev_queue *q, size_t idx, uint64_t n)
{
	np_stat_add_owner(q->cnt[idx], n);
}

/**
 * np_netdev_qstat_add_any() - a counter several threads may bump at once (a TX
 * queue without a lock, error paths).
 * @q: the queue.
 * @idx: an NP_QSTAT() index.
 * @n: the amount.
 * Context: any thread; one relaxed atomic add.
 */
NP_INLINE void np_netdev_qstat_add_any(struct np_netdev_queue *q, size_t idx, uint64_t n)
{
	np_atomic_add_relaxed(&q->cnt[idx], n);
}

/**
 * np_netdev_counters_sum() - add one queue's block of driver counters to
 * totals: a driver's get_stats calls it for the queue asked for, or for each
 * queue in turn. A driver keeps its counters as an np_atomic_u64 array per
 * queue, indexed by an enum in the order of its public stats struct.
 * @sum: @n totals (the stats struct's leading uint64_t fields).
 * @cnt: the queue's counters.
 * @n: how many.
 * Context: any thread; each counter is read once, relaxed, while its
 * writers may go on (each value is whole, the set is no snapshot).
 */
NP_INLINE void np_netdev_counters_sum(uint64_t *sum, const np_atomic_u64 *cnt, size_t n)
{
	for (size_t k = 0; k < n; k++)
		sum[k] += np_stat_read(cnt[k]);
}

/* The RX handler: receives every PASS skb and owns it. */
typedef void (*np_rx_handler_fn)(struct np_netdev *dev, unsigned int q, struct np_skb *skb,
				 void *arg);

struct np_netdev_params {
	const char *name;		/* interface-like name, for stats and the registry */
	unsigned int nqueues;		/* 1..NP_NETDEV_MAX_QUEUES */
	unsigned int pool_size;		/* each queue's pool ring; 0: the pool default */
	struct np_provider *provider;	/* page memory (the AF_XDP UMEM); NULL: default */
	struct np_dma_dev *dma;		/* the device's DMA; NULL: no mapping */
	uint32_t buf_len;		/* bytes the device may write in one buffer after the headroom */
	bool no_recycle;		/* drivers leave skbs unmarked (for comparison) */
	/*
	 * what the device takes on transmit beyond page frags (NP_NETIF_F_SG,
	 * which every driver takes, is added): NP_NETIF_F_HW_CSUM, NP_NETIF_F_TSO, ...
	 */
	np_netdev_features_t features;
};

struct np_netdev {
	const struct np_netdev_ops *ops;
	char name[NP_IFNAMSIZ];
	uint32_t ifindex;
	unsigned int nqueues;
	/*
	 * What its transmit takes (the kernel's dev->features): params.features
	 * and NP_NETIF_F_SG. Whoever sends a GSO skb or a partial checksum to a
	 * device without the matching bit makes it fit first
	 * (np_validate_xmit_skb()).
	 */
	np_netdev_features_t features;
	struct np_netdev_params params;
	struct np_netdev_queue *q;
	/* the hook and its argument, published as one pair: odd xdp_seq while they change */
	NP_ATOMIC(np_xdp_prog_fn) xdp_prog;
	NP_ATOMIC(void *) xdp_arg;
	NP_ATOMIC(uint32_t) xdp_seq;
	np_rx_handler_fn rx_handler;
	void *rx_arg;
	NP_ATOMIC(bool) running;		/* queue threads keep polling while set */
	NP_ATOMIC(bool) open;		/* between np_netdev_open() and np_netdev_close() */
	void *priv;			/* the driver's */
	struct np_netdev *next_dev;	/* the list of netdevs (np_netdev_for_each) */
};

/* ---- life cycle ---- */

/**
 * np_netdev_create() - a netdev of @ops with its queues and napis, closed:
 * no page_pool yet (np_netdev_open() makes them). The name is params->name,
 * else ops->kind, else "netdev" (cut to NP_IFNAMSIZ - 1); the ifindex is new
 * (never reused in the process).
 * @ops: the driver's operations; must outlive the netdev.
 * @params: the parameters; copied (the name too).
 * @priv: the driver's pointer, kept in dev->priv.
 * @out: the new netdev.
 * Context: any thread; allocates and takes the netdev list lock.
 * Return: 0, -EINVAL (@ops, @params or @out NULL, no ops->poll or ops->xmit,
 * nqueues 0 or above NP_NETDEV_MAX_QUEUES, buf_len 0 or too long for
 * NP_XDP_HEADROOM + buf_len + the shared info to fit a page), -ENOMEM.
 * Nothing is left behind on an error.
 */
NP_API int np_netdev_create(const struct np_netdev_ops *ops, const struct np_netdev_params *params,
			    void *priv, struct np_netdev **out);

/**
 * np_netdev_open() - bring @dev up: a fresh page_pool for each queue (owned
 * by the queue's napi, mapping with params->dma when given, from
 * NP_XDP_HEADROOM, syncing params->buf_len for the device; listed with the
 * netdev's ifindex and name), then the driver's queue_open, which posts
 * buffers from it. Already open: 0, nothing changes.
 * Context: the control thread (not concurrently with close, destroy or another
 * open of @dev); allocates, takes the registry and netdev list locks.
 * Return: 0, -EINVAL (@dev NULL), -ENOMEM (a pool), or the first
 * queue_open's -errno. On an error @dev stays closed: the queues opened
 * before are closed again and every pool made for this open is destroyed.
 */
NP_API int np_netdev_open(struct np_netdev *dev);

/**
 * np_netdev_close() - bring @dev down: stop the queue threads, then each
 * queue's queue_close inside its napi takes back every buffer the queue
 * posted and frees its pending transmissions, then every queue's pool is
 * destroyed. A pool whose pages are all back is freed at once; one with
 * pages still out (in skbs the stack holds) stays listed, destroyed and
 * detached (detach time set, inflight > 0), every such page unmapped, until
 * the last one comes back (np_pool_destroy()). dev->q[i].pool is NULL from
 * now on; dev->q[i].pool_id keeps the id. Transmissions on a closed @dev are
 * refused (-ENETDOWN, counted as tx_dropped). A later open makes fresh pools.
 * Nothing happens for a NULL or closed @dev.
 * Context: the control thread, not a queue's thread or poll (it joins them); no
 * other thread may still transmit on @dev. Sleeps while the queue threads stop.
 */
NP_API void np_netdev_close(struct np_netdev *dev);

/**
 * np_netdev_destroy() - close (see np_netdev_close()), unregister and free
 * @dev, then the driver's state. Pools of @dev still waiting for pages stay
 * listed as orphans (no ifindex or name, orphaned set: the kernel shows such
 * pools against the loopback device) until their last page returns; @dev's
 * tally of pool counters (np_netdev_get_pool_stats()) goes. Nothing happens
 * for a NULL @dev.
 * Context: the control thread, as np_netdev_close(); nothing may use @dev after.
 */
NP_API void np_netdev_destroy(struct np_netdev *dev);

/**
 * np_netdev_get_pool_stats() - the page_pool counters of every pool @dev's
 * queues had since it was created, summed: the pools of this open, those of
 * earlier opens still waiting for pages, and those already freed
 * (np_pool_owner_stats() of dev->ifindex). Open or closed.
 * @dev: the netdev.
 * @st: st->size set by the caller, as for np_pool_get_stats().
 * Context: any thread while @dev exists; takes the pool registry lock.
 * Return: 0, or -EINVAL (@dev or @st NULL, @st->size below
 * NP_POOL_STATS_V1_SIZE; @st untouched).
 */
NP_API int np_netdev_get_pool_stats(struct np_netdev *dev, struct np_pool_stats *st);

/**
 * np_netdev_set_xdp() - install (or with NULL remove) the verdict hook.
 * @dev: the netdev.
 * @prog: the program, run in each queue's poll; NULL: every frame passes.
 * @arg: handed to @prog.
 * Context: any thread, also while queues poll: @prog and @arg change as one
 * (each frame runs a program with its own argument, never one with the
 * other's). A frame whose program was read before the change may still run
 * the old pair after this returns: keep the old @arg valid until every queue
 * has polled once more (np_netdev_stop() waits for them). Concurrent calls
 * are serialized.
 * Return: 0, -EINVAL (@dev NULL).
 */
NP_API int np_netdev_set_xdp(struct np_netdev *dev, np_xdp_prog_fn prog, void *arg);

/**
 * np_netdev_set_rx_handler() - where PASS skbs go; NULL: they are consumed.
 * @dev: the netdev.
 * @fn: the handler, called in the receiving queue's poll; or NULL.
 * @arg: handed to @fn.
 * Context: the control thread, while no queue of @dev polls (before
 * np_netdev_start() or after np_netdev_stop()): plain stores the polls read.
 * Return: 0, -EINVAL (@dev NULL).
 */
NP_API int np_netdev_set_rx_handler(struct np_netdev *dev, np_rx_handler_fn fn, void *arg);

/**
 * np_netdev_poll() - one napi poll of queue @q from the calling thread.
 * @dev: an open netdev.
 * @q: the queue.
 * Context: the thread serving @q, one at a time (not while np_netdev_start()'s
 * threads run); while it runs the thread is inside @q's napi and owns its pool.
 * Not a signal handler. Data path: a NULL or closed @dev and @q out of range are
 * caught in debug builds.
 * Return: work done (packets received, 0..NP_NAPI_WEIGHT).
 */
NP_API int np_netdev_poll(struct np_netdev *dev, unsigned int q);

/**
 * np_netdev_start() - one thread per queue, polling until np_netdev_stop().
 * @dev: an open netdev.
 * @cpus: CPU of each queue's thread (dev->nqueues entries), or NULL (not
 *   pinned); -1 entries unpinned.
 * Context: the control thread, after np_netdev_open(); creates the threads.
 * Return: 0, -EINVAL (@dev NULL or not open, a @cpus entry below -1 or not
 * below CPU_SETSIZE), -EBUSY (already started), or pthread_create's -errno
 * (no thread left running then).
 */
NP_API int np_netdev_start(struct np_netdev *dev, const int *cpus);

/**
 * np_netdev_rx_fd() - a file descriptor that poll(2) reports readable when
 * RX queue @q has input (a TAP descriptor, an AF_XDP socket), so a poll loop
 * can sleep while the queue is idle instead of spinning (the interrupt side
 * of NAPI). The netdev keeps owning it.
 * @dev: an open netdev.
 * @q: the queue.
 * Context: any thread while @dev is open (the descriptor goes at close); no lock.
 * Return: the descriptor, -EINVAL (no device, queue out of range, not open),
 * or -EOPNOTSUPP (the driver has none: the vnic's device runs in the poll).
 */
NP_API int np_netdev_rx_fd(struct np_netdev *dev, unsigned int q);

/**
 * np_netdev_stop() - the queue threads finish their poll and exit (joined). NULL: nothing.
 * Context: the control thread, not a queue's thread or poll (it joins them);
 * sleeps until each thread has finished its current poll.
 */
NP_API void np_netdev_stop(struct np_netdev *dev);

/**
 * np_netdev_for_each() - call @fn for every netdev between create and destroy,
 * under the list's lock (@fn must not create, open, close or destroy
 * netdevs; it may read each queue's pool_id and the open state, which
 * change only under that lock), until it returns non-zero.
 * @fn: called with each netdev and @arg.
 * @arg: handed to @fn.
 * Context: any thread but a queue's poll; holds the netdev list lock for the walk.
 * Return: the last value @fn returned, 0 when none, -EINVAL (@fn NULL).
 */
NP_API int np_netdev_for_each(int (*fn)(struct np_netdev *dev, void *arg), void *arg);

/**
 * np_netdev_get_qstats() - queue @q's counters (@q == -1: all queues summed),
 * since create: they go on across close and open.
 * @dev: the netdev.
 * @q: the queue, or -1 for all.
 * @st: filled with the counters.
 * Context: any thread while @dev exists; relaxed loads, no lock (each counter
 * exact, the set not one instant).
 * Return: 0, or -EINVAL (@dev or @st NULL, @q below -1 or not below
 * dev->nqueues; @st untouched).
 */
NP_API int np_netdev_get_qstats(struct np_netdev *dev, int q, struct np_netdev_qstats *st);

/* ---- for drivers ---- */

/* One received buffer of a frame, as the driver validated it. */
struct np_rx_buf {
	struct np_page *page;	/* pool page; its pool reference moves to the stack */
	uint32_t offset;	/* the frame's bytes start here, from the page's first byte */
	uint32_t len;
};

/**
 * np_netdev_receive() - a received frame of @n buffers (the first one with at
 * least NP_XDP_HEADROOM before its data and room for the shared info after
 * params.buf_len) through the hook and into the stack. Every buffer's pool
 * reference is consumed, whatever happens. The buffers' offsets and lengths
 * are always checked (a driver's validation slipped: rx_bad_desc, dropped);
 * a NULL @dev or @bufs, @q out of range and @n outside 1..NP_MAX_SKB_FRAGS + 1
 * are caught in debug builds.
 * @dev: the netdev.
 * @q: the receiving queue.
 * @bufs: the frame's buffers, pages of queue @q's pool.
 * @n: buffers in @bufs.
 * Context: queue @q's poll (inside its napi: dropped buffers recycle directly into
 * its pool's cache); runs the XDP program and the RX handler on this thread.
 * Return: the verdict carried out.
 */
NP_API enum np_xdp_action np_netdev_receive(struct np_netdev *dev, unsigned int q,
					     const struct np_rx_buf *bufs, unsigned int n);

#define NP_NETDEV_RX_BURST	64	/* frames np_netdev_receive_burst() builds at once */

/**
 * np_netdev_receive_burst() - np_netdev_receive() of @n frames of one buffer
 * each, built and handed up in bursts of up to NP_NETDEV_RX_BURST: the buffer
 * checks, then the queue's counters once, the skb structs from the per-thread
 * cache at once (np_build_skb_bulk()), the RX handler called for each skb in
 * order, or without one every skb consumed in one batch. With an XDP program
 * attached every frame goes through np_netdev_receive() for its own verdict.
 * Every buffer's pool reference is consumed, whatever happens; a frame that
 * fails the buffer check (rx_bad_desc) or finds no skb struct (rx_nomem) is
 * dropped alone. A burst's skbs are all built before the first goes up, so a
 * driver whose rx_offload or rx_skip_xdp reads the queue's current frame (TAP's
 * virtio-net header) must use np_netdev_receive(). A NULL @dev, @bufs NULL with
 * @n > 0, and @q out of range are caught in debug builds.
 * @dev: the netdev.
 * @q: the receiving queue.
 * @bufs: @n frames, one buffer each, pages of queue @q's pool.
 * @n: frames in @bufs (any number; 0 does nothing).
 * Context: as np_netdev_receive().
 * Return: frames passed up as skbs.
 */
NP_API unsigned int np_netdev_receive_burst(struct np_netdev *dev, unsigned int q,
					    const struct np_rx_buf *bufs, unsigned int n);

/**
 * np_netdev_xmit() - send @skb on @dev's TX queue @q; on a full ring the skb
 * is dropped and counted (tx_busy), on another error too (tx_dropped).
 * Takes @skb in every case.
 *
 * Inside a netdev's poll (an RX handler, a forwarder), transmissions to a
 * driver with a bulk op are gathered per target queue and handed over
 * NP_NETDEV_XMIT_BULK at a time, or when the poll ends: one ring lock and
 * one doorbell per batch, as the kernel's xmit_more and XDP bulk queues do.
 * The call then returns 0 at once; a refusal at the hand-over is counted
 * and freed as above, before the poll returns.
 * @dev: the netdev to send on.
 * @q: the TX queue.
 * @skb: the packet, now @dev's.
 * Context: any thread, several at once on one queue: each driver serialises its
 * TX queues (vnic, afxdp and null under a per-queue TX lock, tap with one writev
 * per frame); not concurrently with np_netdev_close(), not a signal handler (it may
 * free). Inside a netdev poll the batch is the thread's own. @q past the queues
 * is folded onto them; a NULL @dev or @skb is caught in debug builds.
 * Return: 0, -ENOSPC, -ENETDOWN (@dev is closed; counted as tx_dropped) or
 * the driver's -errno.
 */
NP_API int np_netdev_xmit(struct np_netdev *dev, unsigned int q, struct np_skb *skb);

/**
 * np_netdev_rx_drop() - a driver drops a buffer it received (bad descriptor):
 * recycled, counted in @counter (an NP_QSTAT() index). @q or @counter out of
 * range is caught in debug builds.
 * @dev: the netdev.
 * @q: the receiving queue.
 * @page: the buffer's page, of queue @q's pool, with the driver's pool reference.
 * @counter: an NP_QSTAT() index.
 * Context: queue @q's poll only (it recycles directly into the pool's cache).
 */
NP_API void np_netdev_rx_drop(struct np_netdev *dev, unsigned int q, struct np_page *page,
			      size_t counter);

NP_EXTERN_C_END

#endif /* NETPOOL_DEV_H */
