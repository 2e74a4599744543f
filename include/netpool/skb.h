/* SPDX-License-Identifier: MIT */
/*
 * netpool/skb.h - packet buffers: the sk_buff with page_pool recycling.
 *
 * An skb describes a packet: a linear head buffer [head, head + end) with
 * the packet's first bytes at [data, head + tail), up to NP_MAX_SKB_FRAGS page
 * fragments, and a list of further skbs (frag_list). The shared info at
 * head + end (dataref, frags, frag_list, gso fields) belongs to the data, not
 * to the skb: clones share it and count themselves in dataref.
 *
 *   head        data                tail            end
 *   |-headroom--|====linear data====|--tailroom-----|shared info|
 *
 * Heads come from a page_pool buffer (np_build_skb(), head_frag = 1), from
 * the non-pool page-fragment allocator (np_netdev_alloc_skb(), head_frag = 1)
 * or from the small-object allocator (np_alloc_skb(), head_frag = 0).
 *
 * Recycling (the reference rule). Every head_frag head and every frag slot
 * owns exactly one reference to its page. It is a pool reference iff
 * skb->pp_recycle is set and the page is a pool page, else a page reference;
 * it is released with the matching kind. Drivers opt in with
 * np_skb_mark_for_recycle(); recycling is never on by default. The holder of
 * the last dataref releases the data; every skb clears its own pp_recycle as
 * it gives its share up, so a clone that let go can never recycle later. No
 * operation changes the kind of a reference already held: where the kinds of
 * two skbs cannot be kept, it refuses.
 *
 * Sharing. Clones share the data (head, frags and frag_list) through
 * dataref; np_pskb_copy() and the expand of a cloned skb share frag_list
 * members whole, each member's users counting its holders. What another
 * holder can see is never changed in place: data is made private first
 * (np_pskb_expand_head()), a shared member is replaced by a clone of its own
 * before its links or frags change (np_pskb_trim(), np_skb_gro_receive()).
 *
 * The length fields: len = bytes in head + frags + frag_list; data_len = the
 * part outside the head; headlen = len - data_len.
 */
#ifndef NETPOOL_SKB_H
#define NETPOOL_SKB_H

#include <string.h>
#include "compiler.h"
#include "atomic.h"
#include "page.h"
#include "pool.h"

#define NP_MAX_SKB_FRAGS	17
#define NP_SKB_PAD		64	/* headroom np_netdev_alloc_skb() reserves */
#define NP_SKB_DATA_ALIGN(x)	NP_ALIGN((size_t)(x), NP_CACHE_LINE)
#define NP_SKB_HDR_UNSET	0xffffu

struct np_skb;

struct np_skb_frag {
	struct np_page *page;	/* head page of the block */
	uint32_t offset;	/* from the block's first byte */
	uint32_t len;
};

/* dataref: low 16 bits count every holder, high 16 those holding the payload only */
#define NP_SKB_DATAREF_SHIFT	16
#define NP_SKB_DATAREF_MASK	((1 << NP_SKB_DATAREF_SHIFT) - 1)

/* gso_type */
#define NP_SKB_GSO_TCPV4	0x1u
#define NP_SKB_GSO_TCPV6	0x2u
#define NP_SKB_GSO_UDP_L4	0x4u
#define NP_SKB_GSO_FRAGLIST	0x8u
#define NP_SKB_GSO_PARTIAL	0x10u	/* set by np_skb_segment() with NP_NETIF_F_GSO_PARTIAL */

/* gso_size: every frag_list member is one segment, whatever its length (SCTP's use) */
#define NP_GSO_BY_FRAGS		0xffffu

/* What an egress can take, for np_skb_segment() (the kernel's netdev features). */
typedef uint64_t np_netdev_features_t;
#define NP_NETIF_F_SG		(1ull << 0)	/* scatter-gather: page frags */
#define NP_NETIF_F_GSO_PARTIAL	(1ull << 1)	/* finishes segmentation itself (with SG) */

struct np_skb_shared_info {
	uint8_t flags;
	uint8_t nr_frags;
	uint16_t gso_size;
	uint16_t gso_segs;
	uint16_t gso_type;
	np_atomic_int dataref;
	uint32_t reserved;
	struct np_skb *frag_list;
	struct np_skb_frag frags[NP_MAX_SKB_FRAGS];
};

#define NP_SKB_SHINFO_SIZE	NP_SKB_DATA_ALIGN(sizeof(struct np_skb_shared_info))

/* np_skb.fclone */
enum {
	NP_SKB_FCLONE_UNAVAILABLE = 0,	/* not from an fclone pair */
	NP_SKB_FCLONE_ORIG,		/* the first of a pair */
	NP_SKB_FCLONE_CLONE,		/* the companion */
};

struct np_skb {
	struct np_skb *next;
	struct np_skb *prev;
	unsigned char *head;
	unsigned char *data;
	uint32_t tail;			/* offset from head */
	uint32_t end;			/* offset from head; shared info there */
	uint32_t len;
	uint32_t data_len;
	uint32_t truesize;
	np_atomic_int users;
	uint16_t mac_header;		/* offsets from head, NP_SKB_HDR_UNSET when unset */
	uint16_t network_header;
	uint16_t transport_header;
	uint16_t protocol;		/* network byte order, as on the wire */
	uint8_t cloned : 1;
	uint8_t nohdr : 1;
	uint8_t head_frag : 1;
	uint8_t pp_recycle : 1;
	uint8_t fclone : 2;
	uint8_t ip_summed : 2;
	uint8_t pkt_type;
	uint16_t queue_mapping;
	uint32_t hash;
	uint32_t mark;
	uint32_t napi_id;		/* napi that received it (GRO, deferred free) */
	char cb[48] __attribute__((aligned(8)));	/* owner's scratch space (kernel: skb->cb) */
};
_Static_assert(sizeof(struct np_skb) <= 128, "an skb struct fits the 128-byte class");

/* Why a packet was dropped: counted per reason (np_skb_drop_count()). */
enum np_skb_drop_reason {
	NP_SKB_DROP_NOT_SPECIFIED = 0,
	NP_SKB_DROP_CONSUMED,		/* not a drop: consume_skb() */
	NP_SKB_DROP_PKT_TOO_SMALL,
	NP_SKB_DROP_PKT_TOO_BIG,
	NP_SKB_DROP_HDR_TRUNC,
	NP_SKB_DROP_NOMEM,
	NP_SKB_DROP_FULL_RING,
	NP_SKB_DROP_QUEUE_FULL,
	NP_SKB_DROP_XDP,
	NP_SKB_DROP_BAD_DESC,		/* descriptor from the device failed validation */
	NP_SKB_DROP_DUP_FRAG,
	NP_SKB_DROP_MAX,
};

/* ---- the shared info and the length helpers ---- */

NP_INLINE struct np_skb_shared_info *np_skb_shinfo(const struct np_skb *skb)
{
	return (struct np_skb_shared_info *)(skb->head + skb->end);
}

NP_INLINE unsigned char *np_skb_tail_pointer(const struct np_skb *skb)
{
	return skb->head + skb->tail;
}

NP_INLINE unsigned char *np_skb_end_pointer(const struct np_skb *skb)
{
	return skb->head + skb->end;
}

NP_INLINE uint32_t np_skb_headlen(const struct np_skb *skb)
{
	return skb->len - skb->data_len;
}

NP_INLINE bool np_skb_is_nonlinear(const struct np_skb *skb)
{
	return skb->data_len != 0;
}

NP_INLINE uint32_t np_skb_headroom(const struct np_skb *skb)
{
	return (uint32_t)(skb->data - skb->head);
}

NP_INLINE uint32_t np_skb_tailroom(const struct np_skb *skb)
{
	return np_skb_is_nonlinear(skb) ? 0 : skb->end - skb->tail;
}

NP_INLINE bool np_skb_cloned(const struct np_skb *skb)
{
	return skb->cloned &&
	       (atomic_load_explicit(&np_skb_shinfo(skb)->dataref, memory_order_acquire) &
		NP_SKB_DATAREF_MASK) != 1;
}

NP_INLINE bool np_skb_shared(const struct np_skb *skb)
{
	return atomic_load_explicit(&((struct np_skb *)skb)->users, memory_order_relaxed) != 1;
}

NP_INLINE struct np_page *np_skb_frag_page(const struct np_skb_frag *frag)
{
	return frag->page;
}

NP_INLINE void *np_skb_frag_address(const struct np_skb_frag *frag)
{
	return (char *)np_page_address(frag->page) + frag->offset;
}

NP_INLINE bool np_skb_has_frag_list(const struct np_skb *skb)
{
	return np_skb_shinfo(skb)->frag_list != NULL;
}

/* ---- data operations (inline; they never touch references) ---- */

/** np_skb_reserve() - make @len bytes of headroom in an empty skb. */
NP_INLINE void np_skb_reserve(struct np_skb *skb, uint32_t len)
{
	NP_ASSERT_MISUSE(skb->len == 0 && skb->tail + len <= skb->end);
	skb->data += len;
	skb->tail += len;
}

/**
 * np_skb_put() - extend the linear data at the tail by @len bytes.
 * Return: the first added byte, or NULL (skb untouched) when the tailroom is
 * short or the skb is nonlinear.
 */
NP_INLINE void *np_skb_put(struct np_skb *skb, uint32_t len)
{
	unsigned char *tmp = np_skb_tail_pointer(skb);

	if (np_unlikely(np_skb_is_nonlinear(skb) || len > skb->end - skb->tail))
		return NULL;
	skb->tail += len;
	skb->len += len;
	return tmp;
}

/** np_skb_put_data() - np_skb_put() and copy @len bytes from @src. NULL as np_skb_put(). */
NP_INLINE void *np_skb_put_data(struct np_skb *skb, const void *src, uint32_t len)
{
	void *p = np_skb_put(skb, len);

	if (p)
		memcpy(p, src, len);
	return p;
}

/** np_skb_push() - extend the data at the front. Return: new data, or NULL when the headroom is short. */
NP_INLINE void *np_skb_push(struct np_skb *skb, uint32_t len)
{
	if (np_unlikely(len > np_skb_headroom(skb)))
		return NULL;
	skb->data -= len;
	skb->len += len;
	return skb->data;
}

/** np_skb_pull() - drop @len bytes from the front of the linear data. Return: new data, or NULL. */
NP_INLINE void *np_skb_pull(struct np_skb *skb, uint32_t len)
{
	if (np_unlikely(len > np_skb_headlen(skb)))
		return NULL;
	skb->len -= len;
	skb->data += len;
	return skb->data;
}

/** np_skb_trim() - cut a linear skb to @len bytes (no-op when already shorter). */
NP_INLINE void np_skb_trim(struct np_skb *skb, uint32_t len)
{
	NP_ASSERT_MISUSE(!np_skb_is_nonlinear(skb));
	if (skb->len > len) {
		skb->len = len;
		skb->tail = (uint32_t)(skb->data - skb->head) + len;
	}
}

/** np_skb_get() - take a reference to the skb itself. Return: @skb. */
NP_INLINE struct np_skb *np_skb_get(struct np_skb *skb)
{
	atomic_fetch_add_explicit(&skb->users, 1, memory_order_relaxed);
	return skb;
}

/** np_skb_mark_for_recycle() - the driver opts in: pool pages go back to their pool. */
NP_INLINE void np_skb_mark_for_recycle(struct np_skb *skb)
{
	skb->pp_recycle = 1;
}

/** np_skb_fill_page_desc() - set frag slot @i (the caller's page reference moves in). */
NP_INLINE void np_skb_fill_page_desc(struct np_skb *skb, unsigned i, struct np_page *page,
				     uint32_t off, uint32_t size)
{
	struct np_skb_frag *f = &np_skb_shinfo(skb)->frags[i];

	NP_ASSERT_MISUSE(i < NP_MAX_SKB_FRAGS);
	f->page = page;
	f->offset = off;
	f->len = size;
	np_skb_shinfo(skb)->nr_frags = (uint8_t)(i + 1);
}

/** np_skb_add_rx_frag() - append a received fragment: slot @i, lengths and truesize. */
NP_INLINE void np_skb_add_rx_frag(struct np_skb *skb, unsigned i, struct np_page *page,
				  uint32_t off, uint32_t size, uint32_t truesize)
{
	np_skb_fill_page_desc(skb, i, page, off, size);
	skb->len += size;
	skb->data_len += size;
	skb->truesize += truesize;
}

/* ---- allocation ---- */

/**
 * np_build_skb() - wrap a buffer into an skb; the shared info goes at its end.
 * @data: start of the buffer (a pool page or page fragment); the caller's
 *   reference to its page moves into the skb (head_frag = 1).
 * @frag_size: the buffer's size, shared info included.
 * Context: any thread (skb structs come from a per-thread cache).
 * Return: the skb with all of the buffer as headroom+tailroom, or NULL
 * (no memory, or @frag_size too small for the shared info).
 */
NP_API struct np_skb *np_build_skb(void *data, uint32_t frag_size);
/** np_napi_build_skb() - np_build_skb() for a napi poll (same per-thread cache). */
NP_API struct np_skb *np_napi_build_skb(void *data, uint32_t frag_size);

/**
 * np_build_skb_bulk() - np_build_skb() for @n buffers of @frag_size bytes at
 * once (a driver's RX batch): the structs come from the per-thread cache,
 * which refills from the small-object allocator in bulk.
 * Return: how many skbs were built (a prefix of @data; fewer when memory ran
 * out or a NULL buffer ends the batch; the rest stay the caller's; 0 when
 * @frag_size is too small for the shared info). Data path: @data or @skbs
 * NULL with @n > 0 is caught in debug builds.
 */
NP_API unsigned int np_build_skb_bulk(void *const *data, uint32_t frag_size, struct np_skb **skbs,
				      unsigned int n);

/**
 * np_alloc_skb() - an skb whose head comes from the small-object allocator
 * (head_frag = 0), @size bytes of room. Return: the skb, or NULL (no memory,
 * @size too large for a 2 MiB block with the shared info).
 */
NP_API struct np_skb *np_alloc_skb(uint32_t size);

/**
 * np_netdev_alloc_skb() - an skb for a received frame of up to @len bytes,
 * with NP_SKB_PAD headroom; the head comes from the per-thread page-fragment
 * allocator (head_frag = 1, a page reference) when it fits in a page, else
 * from the small-object allocator. Return: the skb, or NULL (no memory, or
 * @len too large, as np_alloc_skb()).
 */
NP_API struct np_skb *np_netdev_alloc_skb(uint32_t len);
NP_API struct np_skb *np_napi_alloc_skb(uint32_t len);

/**
 * np_alloc_skb_fclone() - as np_alloc_skb(), with a companion struct kept
 * beside it so the first np_skb_clone() of it needs no allocation.
 */
NP_API struct np_skb *np_alloc_skb_fclone(uint32_t size);

/**
 * np_page_frag_alloc() - @size bytes (64-byte aligned) of a page shared with
 * other fragments, outside any pool; each fragment holds one page reference
 * (free with np_page_put(np_virt_to_page(p))). Context: any thread (the
 * fragment cache is per thread). Return: the memory, or NULL (no memory,
 * @size 0 or above the fragment cache's block).
 */
NP_API void *np_page_frag_alloc(uint32_t size);

/**
 * np_skb_set_provider() - where skb structs, small heads and page fragments
 * come from; NULL: np_provider_default() again. Set it before any skb is
 * allocated: the library cannot tell a provider that is gone.
 */
NP_API void np_skb_set_provider(struct np_provider *prov);
/** np_skb_provider() - that provider (the default one unless set). */
NP_API struct np_provider *np_skb_provider(void);

/**
 * np_skb_thread_flush() - give this thread's cached skb structs and its
 * page-fragment block back (also done at thread exit).
 */
NP_API void np_skb_thread_flush(void);

/* ---- references ---- */

/**
 * np_napi_pp_put_page() - return one pool reference of a pool page (napi-local
 * detection decides direct recycling). Return: false (nothing done) when
 * @page is not a pool page (checked always: the signature decides).
 */
NP_API bool np_napi_pp_put_page(struct np_page *page);

/** np_skb_page_unref() - drop a reference of the kind @recycle selects (the reference rule). */
NP_INLINE void np_skb_page_unref(struct np_page *page, bool recycle)
{
	if (recycle && np_napi_pp_put_page(page))
		return;
	(np_page_put)(page);
}

/** np_skb_frag_unref() - release frag slot @i's reference (kind from skb->pp_recycle). */
NP_INLINE void np_skb_frag_unref(struct np_skb *skb, unsigned i)
{
	np_skb_page_unref(np_skb_shinfo(skb)->frags[i].page, skb->pp_recycle);
}

/** np_skb_frag_ref() - take a page reference on frag slot @i's page (never a pool reference). */
NP_INLINE void np_skb_frag_ref(struct np_skb *skb, unsigned i)
{
	np_page_get(np_skb_shinfo(skb)->frags[i].page);
}

/**
 * np_skb_pp_frag_ref() - take one reference of the kind @skb's slots hold:
 * a pool reference for a pool page when skb->pp_recycle, else a page reference.
 */
NP_INLINE void np_skb_pp_frag_ref(const struct np_skb *skb, struct np_page *page)
{
	if (skb->pp_recycle && np_page_is_pp(page))
		np_pool_ref_page(page);
	else
		np_page_get(page);
}

/* ---- freeing ---- */

/**
 * np_kfree_skb_reason() - drop a reference; the last frees, counting @reason
 * (an unknown reason counts as NOT_SPECIFIED). NULL: nothing. Any thread. A
 * double free is caught in debug builds.
 */
NP_API void np_kfree_skb_reason(struct np_skb *skb, enum np_skb_drop_reason reason);

/** np_kfree_skb() - np_kfree_skb_reason() with NP_SKB_DROP_NOT_SPECIFIED. */
NP_INLINE void np_kfree_skb(struct np_skb *skb)
{
	np_kfree_skb_reason(skb, NP_SKB_DROP_NOT_SPECIFIED);
}

/** np_consume_skb() - free a packet that was used, not dropped. NULL: nothing. */
NP_API void np_consume_skb(struct np_skb *skb);

/**
 * np_napi_consume_skb() - np_consume_skb() from a napi poll; @budget 0 means
 * not from a poll (no napi caches). Pool pages recycle directly when the
 * thread runs the owning napi. NULL: nothing.
 */
NP_API void np_napi_consume_skb(struct np_skb *skb, int budget);

/**
 * np_napi_consume_skb_bulk() - np_napi_consume_skb() of @n skbs (a TX
 * completion batch); their structs go to this thread's cache, which flushes
 * to the allocator in bulk. NULL entries are skipped; @skbs NULL with @n > 0
 * is caught in debug builds.
 */
NP_API void np_napi_consume_skb_bulk(struct np_skb *const *skbs, unsigned int n, int budget);

/** np_kfree_skb_partial() - free an skb whose head was stolen (coalescing) or not. NULL: nothing. */
NP_API void np_kfree_skb_partial(struct np_skb *skb, bool head_stolen);

/** np_kfree_skb_list() - free a chain linked through ->next (NULL: nothing). */
NP_API void np_kfree_skb_list(struct np_skb *skb);

/** np_skb_drop_count() - packets freed with @reason since start (0: unknown reason). */
NP_API uint64_t np_skb_drop_count(enum np_skb_drop_reason reason);
/** np_skb_drop_reason_name() - "NOT_SPECIFIED", ... or NULL. */
NP_API const char *np_skb_drop_reason_name(enum np_skb_drop_reason reason);

/** np_skb_live() - skb structs handed out and not yet freed (all threads). */
NP_API int64_t np_skb_live(void);

/* ---- data movement that may touch references (skb.c) ---- */

/**
 * np_skb_copy_bits() - copy @len bytes at @offset (head, frags, frag_list) to @to.
 * The range is always checked (offsets often come from a parsed frame); @to
 * NULL with @len > 0 is caught in debug builds.
 * Return: 0, or -EFAULT when the range is outside the packet.
 */
NP_API int np_skb_copy_bits(const struct np_skb *skb, uint32_t offset, void *to, uint32_t len);

/**
 * np_pskb_may_pull() - make sure the first @len bytes are in the head, pulling
 * them out of the frags (and frag_list) when needed.
 * Return: true, or false when the packet is shorter or memory ran out.
 */
NP_API bool np_pskb_may_pull(struct np_skb *skb, uint32_t len);

/** np_skb_linearize() - bring every byte into the head. Return: 0 or -ENOMEM. */
NP_API int np_skb_linearize(struct np_skb *skb);

/** np_pskb_trim() - cut the packet to @len bytes, releasing what falls off. Return: 0 or -ENOMEM. */
NP_API int np_pskb_trim(struct np_skb *skb, uint32_t len);

/* ---- sharing (skb_share.c) ---- */

/** np_skb_clone() - a new skb sharing @skb's data (dataref + 1). Return: the clone or NULL. */
NP_API struct np_skb *np_skb_clone(struct np_skb *skb);

/** np_skb_copy() - a private linear copy (fresh head, no frags). Return: the copy or NULL. */
NP_API struct np_skb *np_skb_copy(const struct np_skb *skb);

/**
 * np_pskb_copy() - copy the head privately, share the frags by taking page
 * references (never pool references). Return: the copy or NULL.
 */
NP_API struct np_skb *np_pskb_copy(struct np_skb *skb);

/**
 * np_pskb_expand_head() - reallocate the head (small-object allocator) with
 * @nhead more headroom and @ntail more tailroom. A cloned skb takes page
 * references on its frags and gives up its data share; an uncloned one frees
 * only its old head and keeps pp_recycle.
 * Return: 0, or -ENOMEM (skb unchanged).
 */
NP_API int np_pskb_expand_head(struct np_skb *skb, uint32_t nhead, uint32_t ntail);

/** np_skb_cow_head() - make the head private and give it @headroom. Return: 0 or -ENOMEM. */
NP_API int np_skb_cow_head(struct np_skb *skb, uint32_t headroom);

/**
 * np_skb_unshare() - a private copy when cloned (freeing @skb's share).
 * Return: @skb when not cloned, the copy, or NULL when no copy could be made
 * (@skb is freed then too, counted as NP_SKB_DROP_NOMEM).
 */
NP_API struct np_skb *np_skb_unshare(struct np_skb *skb);

/**
 * np_skb_cow_data_for_xdp() - copy @*pskb into pages of @pool (head and frags)
 * when its data is not all pool-owned and private; *@pskb is replaced.
 * Return: 0, or -ENOMEM (*@pskb unchanged).
 */
NP_API int np_skb_cow_data_for_xdp(struct np_pool *pool, struct np_skb **pskb);

/* ---- merging and splitting (skb_merge.c) ---- */

/**
 * np_skb_try_coalesce() - append @from's data to @to without copying.
 * Refused when @to is cloned or the two differ in pp_recycle.
 * @fragstolen: set when @from's head was taken as a fragment.
 * @delta_truesize: truesize moved to @to.
 * Return: true when merged (free @from with np_kfree_skb_partial(from, *fragstolen)).
 */
NP_API bool np_skb_try_coalesce(struct np_skb *to, struct np_skb *from, bool *fragstolen,
				int *delta_truesize);

/**
 * np_skb_shift() - move the first @shiftlen bytes of @skb (all in its frags:
 * @skb has no linear data) to the end of @tgt's frags. A cloned skb of the
 * two gets data of its own first (np_pskb_expand_head()).
 * @tgt: receives the bytes; it must have no frag_list (they would land before it).
 * @skb: gives them; @shiftlen must not exceed its len (caught in debug builds).
 * Return: @shiftlen (all moved), or 0 when nothing moved: @shiftlen 0 or more
 * than @skb's frags hold, @skb has linear data, the two differ in pp_recycle
 * (the references would change kind), @tgt has a frag_list, @tgt's frags are
 * full, or memory ran out.
 */
NP_API int np_skb_shift(struct np_skb *tgt, struct np_skb *skb, int shiftlen);

/**
 * np_skb_split() - move everything past @len from @skb into the empty @skb1.
 * @skb: not cloned, no frag_list (caught in debug builds).
 * @skb1: no data yet. Its head, when it is a pool page, keeps skb1's
 *   pp_recycle (that reference was taken with its kind); otherwise skb1 takes
 *   @skb's bit, so the frags that move keep theirs.
 * Return: 0, -EINVAL (the bits stay different and a pool page would move:
 * its reference would change kind), -EMSGSIZE (a cut in @skb's head whose
 * rest does not fit @skb1's room). Both skbs are unchanged on an error.
 */
NP_API int np_skb_split(struct np_skb *skb, struct np_skb *skb1, uint32_t len);

/**
 * np_skb_gro_receive() - merge @skb into the GRO packet @head (frags, else
 * frag_list). Refused when they differ in pp_recycle or @head is cloned.
 *
 * GRO never changes a frag_list member or a link another holder can see:
 * members shared with an np_pskb_copy() of @head, or with a clone that gave
 * its data up to an expand, are first replaced in @head's chain by clones of
 * their own (as np_pskb_trim() does), so the other holder keeps its packet.
 * Return: 0 (merged, @skb consumed), -E2BIG (@head full), -EINVAL (refused),
 * -ENOMEM (no clone of a shared member could be made; @skb is still the
 * caller's and @head's bytes are unchanged).
 */
NP_API int np_skb_gro_receive(struct np_skb *head, struct np_skb *skb);

/* ---- segmentation (skb_gso.c) ---- */

/**
 * np_skb_segment() - cut a GSO/GRO skb into segments of gso_size payload
 * after @hdr_len bytes of header copied into each (the kernel's
 * skb_segment(); @hdr_len is its doffset: @skb->data at the MAC header, the
 * payload from @hdr_len on). Segments start with pp_recycle = 0 and hold
 * page references; @skb is left as it was.
 * @skb: gso_size set: the payload per segment, or NP_GSO_BY_FRAGS (each
 *   frag_list member one segment, the payload of @skb's own after the
 *   headers one more).
 * @hdr_len: header bytes, below @skb->len (with NP_GSO_BY_FRAGS, within
 *   @skb's own bytes).
 * @features: NP_NETIF_F_SG: segments share pages as frags (without it each
 *   is linear); NP_NETIF_F_GSO_PARTIAL (with SG): one segment of every whole
 *   multiple of gso_size, then the remainder, each keeping gso_size and
 *   gso_type | NP_SKB_GSO_PARTIAL with gso_segs counted (a remainder of at
 *   most gso_size is no GSO packet: gso fields 0). Other bits are ignored.
 * Context: any thread.
 * Return: the list (linked through ->next), or NULL: gso_size 0, @hdr_len
 * out of range, or no memory (nothing left behind).
 */
NP_API struct np_skb *np_skb_segment(struct np_skb *skb, uint32_t hdr_len,
				     np_netdev_features_t features);

/* ---- internals the other skb files share ---- */

NP_API struct np_skb *np_skb_struct_alloc(void);
NP_API void np_skb_struct_free(struct np_skb *skb);
NP_API void np_skb_release_data(struct np_skb *skb);
NP_API void np_skb_free_head(struct np_skb *skb);
NP_API void np_skb_init_head(struct np_skb *skb, void *head, uint32_t size, bool head_frag);

/* Debug builds of a program record where it calls these (see np_misuse()). */
#ifdef NP_CALL_SITES
#define np_kfree_skb(skb)	NP_AT_CALL_SITE_VOID("np_kfree_skb", np_kfree_skb(skb))
#define np_kfree_skb_reason(skb, reason) \
	NP_AT_CALL_SITE_VOID("np_kfree_skb_reason", np_kfree_skb_reason(skb, reason))
#define np_consume_skb(skb)	NP_AT_CALL_SITE_VOID("np_consume_skb", np_consume_skb(skb))
#define np_napi_consume_skb(skb, budget) \
	NP_AT_CALL_SITE_VOID("np_napi_consume_skb", np_napi_consume_skb(skb, budget))
#define np_napi_consume_skb_bulk(skbs, n, budget) \
	NP_AT_CALL_SITE_VOID("np_napi_consume_skb_bulk", np_napi_consume_skb_bulk(skbs, n, budget))
#define np_kfree_skb_list(skb)	NP_AT_CALL_SITE_VOID("np_kfree_skb_list", np_kfree_skb_list(skb))
#endif

#endif /* NETPOOL_SKB_H */
