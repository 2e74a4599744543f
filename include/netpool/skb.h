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

NP_EXTERN_C_BEGIN

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
#define NP_SKB_GSO_TCP_ECN	0x20u	/* TCP with ECN: CWR stays on the first segment only */
#define NP_SKB_GSO_DODGY	0x40u	/* from outside (a TAP): gso fields checked, not trusted */
#define NP_SKB_GSO_TCP_FIXEDID	0x80u	/* IPv4 with DF: each segment keeps the first's ID (TCP, UDP) */

/* gso_size: every frag_list member is one segment, whatever its length (SCTP's use) */
#define NP_GSO_BY_FRAGS		0xffffu

/* What an egress can take, for np_skb_segment() (the kernel's netdev features). */
typedef uint64_t np_netdev_features_t;
#define NP_NETIF_F_SG		(1ull << 0)	/* scatter-gather: page frags */
#define NP_NETIF_F_GSO_PARTIAL	(1ull << 1)	/* finishes segmentation itself (with SG) */
#define NP_NETIF_F_HW_CSUM	(1ull << 2)	/* completes partial checksums (any protocol) */
#define NP_NETIF_F_TSO		(1ull << 3)	/* takes NP_SKB_GSO_TCPV4 whole */
#define NP_NETIF_F_TSO6		(1ull << 4)	/* takes NP_SKB_GSO_TCPV6 whole */
#define NP_NETIF_F_TSO_ECN	(1ull << 5)	/* takes NP_SKB_GSO_TCP_ECN with TSO/TSO6 */
#define NP_NETIF_F_GSO_UDP_L4	(1ull << 6)	/* takes NP_SKB_GSO_UDP_L4 whole (USO) */
#define NP_NETIF_F_TSO_MANGLEID	(1ull << 7)	/* takes NP_SKB_GSO_TCP_FIXEDID whole (IDs may count up) */

/* ip_summed: what is known of the packet's L4 checksum (the kernel's CHECKSUM_*). */
#define NP_CHECKSUM_NONE	0u	/* nothing: whoever needs it verifies it */
#define NP_CHECKSUM_UNNECESSARY	1u	/* the device verified it */
#define NP_CHECKSUM_COMPLETE	2u	/* (not produced by netpool's drivers) */
#define NP_CHECKSUM_PARTIAL	3u	/* to be completed: csum_start, csum_offset say where */

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
	/*
	 * With ip_summed NP_CHECKSUM_PARTIAL: the checksum covers the bytes from
	 * csum_start (an offset from head, as the header offsets) to the end,
	 * and goes at csum_start + csum_offset. Copies and expands keep them.
	 */
	uint16_t csum_start;
	uint16_t csum_offset;
	char cb[40] __attribute__((aligned(8)));	/* owner's scratch space (kernel: skb->cb) */
};
NP_STATIC_ASSERT(sizeof(struct np_skb) <= 128, "an skb struct fits the 128-byte class");

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

/**
 * np_skb_shinfo() - the shared info at the end of @skb's head.
 * Context: any thread holding @skb (a reference to it); reads only, no lock.
 * Return: the shared info (frags, frag_list, dataref, gso fields).
 */
NP_INLINE struct np_skb_shared_info *np_skb_shinfo(const struct np_skb *skb)
{
	return (struct np_skb_shared_info *)(skb->head + skb->end);
}

/**
 * np_skb_tail_pointer() - the first byte past the linear data.
 * Context: any thread holding @skb (a reference to it); reads only, no lock.
 * Return: head + tail.
 */
NP_INLINE unsigned char *np_skb_tail_pointer(const struct np_skb *skb)
{
	return skb->head + skb->tail;
}

/**
 * np_skb_end_pointer() - the end of the head's room (where the shared info starts).
 * Context: any thread holding @skb (a reference to it); reads only, no lock.
 * Return: head + end.
 */
NP_INLINE unsigned char *np_skb_end_pointer(const struct np_skb *skb)
{
	return skb->head + skb->end;
}

/**
 * np_skb_headlen() - bytes of the packet in the head.
 * Context: any thread holding @skb (a reference to it); reads only, no lock.
 * Return: len - data_len.
 */
NP_INLINE uint32_t np_skb_headlen(const struct np_skb *skb)
{
	return skb->len - skb->data_len;
}

/**
 * np_skb_is_nonlinear() - whether part of the packet is outside the head.
 * Context: any thread holding @skb (a reference to it); reads only, no lock.
 * Return: true when data_len is not 0 (frags or frag_list hold bytes).
 */
NP_INLINE bool np_skb_is_nonlinear(const struct np_skb *skb)
{
	return skb->data_len != 0;
}

/**
 * np_skb_headroom() - bytes free in front of the data.
 * Context: any thread holding @skb (a reference to it); reads only, no lock.
 * Return: data - head.
 */
NP_INLINE uint32_t np_skb_headroom(const struct np_skb *skb)
{
	return (uint32_t)(skb->data - skb->head);
}

/**
 * np_skb_tailroom() - bytes free after the linear data.
 * Context: any thread holding @skb (a reference to it); reads only, no lock.
 * Return: end - tail, or 0 for a nonlinear skb (its tail is not the packet's end).
 */
NP_INLINE uint32_t np_skb_tailroom(const struct np_skb *skb)
{
	return np_skb_is_nonlinear(skb) ? 0 : skb->end - skb->tail;
}

/**
 * np_skb_cloned() - whether @skb's data is shared with a clone right now.
 * Context: any thread holding @skb; one acquire load. Another holder may let go at
 * any time, so true may turn false, never the reverse.
 * Return: true when another skb still holds a share of the data.
 */
NP_INLINE bool np_skb_cloned(const struct np_skb *skb)
{
	return skb->cloned &&
	       (atomic_load_explicit(&np_skb_shinfo(skb)->dataref, memory_order_acquire) &
		NP_SKB_DATAREF_MASK) != 1;
}

/**
 * np_skb_shared() - whether the skb struct itself has more than one user.
 * Context: any thread holding @skb; one relaxed load.
 * Return: true when users is not 1 (np_skb_get() was called on it).
 */
NP_INLINE bool np_skb_shared(const struct np_skb *skb)
{
	return atomic_load_explicit(&((struct np_skb *)skb)->users, memory_order_relaxed) != 1;
}

/**
 * np_skb_frag_page() - the page a frag slot refers to.
 * Context: any thread holding the slot's skb; no lock.
 * Return: the head descriptor of the block.
 */
NP_INLINE struct np_page *np_skb_frag_page(const struct np_skb_frag *frag)
{
	return frag->page;
}

/**
 * np_skb_frag_address() - the first byte of a frag slot's data.
 * Context: any thread holding the slot's skb; no lock.
 * Return: the address.
 */
NP_INLINE void *np_skb_frag_address(const struct np_skb_frag *frag)
{
	return (char *)np_page_address(frag->page) + frag->offset;
}

/**
 * np_skb_has_frag_list() - whether further skbs hang off @skb's data.
 * Context: any thread holding @skb (a reference to it); reads only, no lock.
 * Return: true when the shared info's frag_list is set.
 */
NP_INLINE bool np_skb_has_frag_list(const struct np_skb *skb)
{
	return np_skb_shinfo(skb)->frag_list != NULL;
}

/* ---- data operations (inline; they never touch references) ---- */

/**
 * np_skb_reserve() - make @len bytes of headroom in an empty skb.
 * @skb: an skb with no data yet.
 * @len: bytes to move data and tail by; must fit the tailroom.
 * Context: the thread that holds @skb (an skb has no lock: one thread at a time);
 * no lock, no atomic.
 * A non-empty skb or too little room is caught in debug builds.
 */
NP_INLINE void np_skb_reserve(struct np_skb *skb, uint32_t len)
{
	NP_ASSERT_MISUSE(skb->len == 0 && skb->tail + len <= skb->end);
	skb->data += len;
	skb->tail += len;
}

/**
 * np_skb_put() - extend the linear data at the tail by @len bytes.
 * @skb: the skb.
 * @len: bytes to add.
 * Context: the thread that holds @skb (an skb has no lock: one thread at a time);
 * no lock, no atomic.
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

/**
 * np_skb_put_data() - np_skb_put() and copy @len bytes from @src.
 * @skb: the skb.
 * @src: the bytes.
 * @len: how many.
 * Context: the thread that holds @skb (an skb has no lock: one thread at a time);
 * no lock, no atomic.
 * Return: as np_skb_put().
 */
NP_INLINE void *np_skb_put_data(struct np_skb *skb, const void *src, uint32_t len)
{
	void *p = np_skb_put(skb, len);

	if (p)
		memcpy(p, src, len);
	return p;
}

/**
 * np_skb_push() - extend the data at the front by @len bytes.
 * @skb: the skb.
 * @len: bytes to add.
 * Context: the thread that holds @skb (an skb has no lock: one thread at a time);
 * no lock, no atomic.
 * Return: the new data start, or NULL (skb untouched) when the headroom is short.
 */
NP_INLINE void *np_skb_push(struct np_skb *skb, uint32_t len)
{
	if (np_unlikely(len > np_skb_headroom(skb)))
		return NULL;
	skb->data -= len;
	skb->len += len;
	return skb->data;
}

/**
 * np_skb_pull() - drop @len bytes from the front of the linear data.
 * @skb: the skb.
 * @len: bytes to drop, at most np_skb_headlen().
 * Context: the thread that holds @skb (an skb has no lock: one thread at a time);
 * no lock, no atomic.
 * Return: the new data start, or NULL (skb untouched) when the head holds fewer
 * than @len bytes (np_pskb_may_pull() first for data in the frags).
 */
NP_INLINE void *np_skb_pull(struct np_skb *skb, uint32_t len)
{
	if (np_unlikely(len > np_skb_headlen(skb)))
		return NULL;
	skb->len -= len;
	skb->data += len;
	return skb->data;
}

/**
 * np_skb_trim() - cut a linear skb to @len bytes (no-op when already shorter).
 * @skb: a linear skb (np_pskb_trim() for others; caught in debug builds).
 * @len: the new length.
 * Context: the thread that holds @skb (an skb has no lock: one thread at a time);
 * no lock, no atomic.
 */
NP_INLINE void np_skb_trim(struct np_skb *skb, uint32_t len)
{
	NP_ASSERT_MISUSE(!np_skb_is_nonlinear(skb));
	if (skb->len > len) {
		skb->len = len;
		skb->tail = (uint32_t)(skb->data - skb->head) + len;
	}
}

/**
 * np_skb_get() - take a reference to the skb itself.
 * Context: any thread holding a reference to @skb; one relaxed atomic. The struct
 * is then shared: writers of its fields must agree among themselves.
 * Return: @skb.
 */
NP_INLINE struct np_skb *np_skb_get(struct np_skb *skb)
{
	atomic_fetch_add_explicit(&skb->users, 1, memory_order_relaxed);
	return skb;
}

/**
 * np_skb_mark_for_recycle() - the driver opts in: pool pages go back to their pool.
 * Context: the thread that holds @skb, right after building it (before it holds a
 * page reference of the other kind or is cloned); a plain bit store.
 */
NP_INLINE void np_skb_mark_for_recycle(struct np_skb *skb)
{
	skb->pp_recycle = 1;
}

/**
 * np_skb_fill_page_desc() - set frag slot @i (the caller's page reference moves in).
 * @skb: the skb.
 * @i: the slot, below NP_MAX_SKB_FRAGS (caught in debug builds); nr_frags becomes @i + 1.
 * @page: the page (head of its block); its reference must be of the kind
 *   skb->pp_recycle selects (the reference rule).
 * @off: offset of the data in the block.
 * @size: bytes.
 * Context: the thread that holds @skb (an skb has no lock: one thread at a time);
 * no lock, no atomic.
 */
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

/**
 * np_skb_add_rx_frag() - append a received fragment: slot @i, lengths and truesize.
 * @skb: the skb.
 * @i: the slot, as for np_skb_fill_page_desc().
 * @page: as for np_skb_fill_page_desc().
 * @off: offset of the data in the block.
 * @size: bytes received.
 * @truesize: the buffer's size, charged to skb->truesize.
 * Context: the thread that holds @skb (an skb has no lock: one thread at a time);
 * no lock, no atomic.
 */
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
 * Context: any thread but a signal handler (skb structs come from a per-thread
 * cache; its refill takes a small-object class lock).
 * Return: the skb with all of the buffer as headroom+tailroom, or NULL
 * (no memory, @data NULL, or @frag_size too small for the shared info; the
 * buffer stays the caller's).
 */
NP_API struct np_skb *np_build_skb(void *data, uint32_t frag_size);
/**
 * np_napi_build_skb() - np_build_skb() for a napi poll (same per-thread cache).
 * @data: as for np_build_skb().
 * @frag_size: as for np_build_skb().
 * Context: as np_build_skb().
 * Return: as np_build_skb().
 */
NP_API struct np_skb *np_napi_build_skb(void *data, uint32_t frag_size);

/**
 * np_build_skb_bulk() - np_build_skb() for @n buffers of @frag_size bytes at
 * once (a driver's RX batch): the structs come from the per-thread cache,
 * which refills from the small-object allocator in bulk.
 * @data: @n buffers, as for np_build_skb().
 * @frag_size: each buffer's size, shared info included.
 * @skbs: room for @n skbs.
 * @n: buffers in @data.
 * Context: as np_build_skb().
 * Return: how many skbs were built (a prefix of @data; fewer when memory ran
 * out or a NULL buffer ends the batch; the rest stay the caller's; 0 when
 * @frag_size is too small for the shared info). Data path: @data or @skbs
 * NULL with @n > 0 is caught in debug builds.
 */
NP_API unsigned int np_build_skb_bulk(void *const *data, uint32_t frag_size, struct np_skb **skbs,
				      unsigned int n);

/**
 * np_alloc_skb() - an skb whose head comes from the small-object allocator
 * (head_frag = 0), @size bytes of room.
 * Context: any thread but a signal handler (the per-thread struct cache); takes a
 * small-object class lock (and the provider's for a large head).
 * Return: the skb, or NULL (no memory, @size too large for a 2 MiB block with the
 * shared info).
 */
NP_API struct np_skb *np_alloc_skb(uint32_t size);

/**
 * np_netdev_alloc_skb() - an skb for a received frame of up to @len bytes,
 * with NP_SKB_PAD headroom; the head comes from the per-thread page-fragment
 * allocator (head_frag = 1, a page reference) when it fits in a page, else
 * from the small-object allocator.
 * Context: any thread but a signal handler (per-thread caches); a new fragment
 * block takes the provider's lock.
 * Return: the skb, or NULL (no memory, or @len too large, as np_alloc_skb()).
 */
NP_API struct np_skb *np_netdev_alloc_skb(uint32_t len);
/**
 * np_napi_alloc_skb() - np_netdev_alloc_skb() for a napi poll (same caches).
 * Context: as np_netdev_alloc_skb().
 * Return: as np_netdev_alloc_skb().
 */
NP_API struct np_skb *np_napi_alloc_skb(uint32_t len);

/**
 * np_alloc_skb_fclone() - as np_alloc_skb(), with a companion struct kept
 * beside it so the first np_skb_clone() of it needs no allocation.
 * Context: any thread but a signal handler; the pair and the head come from the
 * small-object allocator (its class locks), not the per-thread cache.
 * Return: the skb, or NULL (as np_alloc_skb()).
 */
NP_API struct np_skb *np_alloc_skb_fclone(uint32_t size);

/**
 * np_page_frag_alloc() - @size bytes (64-byte aligned) of a page shared with
 * other fragments, outside any pool; each fragment holds one page reference
 * (free with np_page_put(np_virt_to_page(p)), from any thread).
 * Context: any thread but a signal handler (the fragment cache is per thread);
 * a new block takes the provider's lock.
 * Return: the memory, or NULL (no memory, @size 0 or above the fragment cache's
 * block).
 */
NP_API void *np_page_frag_alloc(uint32_t size);

/**
 * np_skb_set_provider() - where skb structs, small heads and page fragments
 * come from; NULL: np_provider_default() again. Set it before any skb is
 * allocated: the library cannot tell a provider that is gone.
 * Context: any thread, before any thread allocates an skb; one atomic store.
 */
NP_API void np_skb_set_provider(struct np_provider *prov);
/**
 * np_skb_provider() - that provider (the default one unless set).
 * Context: any thread; one atomic load (and the default's creation on first use).
 * Return: the provider; NULL only when the default one could not be created.
 */
NP_API struct np_provider *np_skb_provider(void);

/**
 * np_skb_thread_flush() - give this thread's cached skb structs and its
 * page-fragment block back (also done at thread exit).
 * Context: any thread, for its own caches only, not from a signal handler; takes
 * small-object class locks (and the provider's when the block is freed).
 */
NP_API void np_skb_thread_flush(void);

/* ---- references ---- */

/**
 * np_napi_pp_put_page() - return one pool reference of a pool page (napi-local
 * detection decides direct recycling).
 * Context: any thread but a signal handler, as np_pool_put_page() with
 * allow_direct false: direct recycling only inside the owning napi's poll.
 * Return: true when the reference went back to the pool; false (nothing done)
 * when @page is not a pool page (checked always: the signature decides).
 */
NP_API bool np_napi_pp_put_page(struct np_page *page);

/**
 * np_skb_page_unref() - drop a reference of the kind @recycle selects (the reference rule).
 * @page: the page (head of its block).
 * @recycle: the holder's pp_recycle: a pool reference when @page is a pool page.
 * Context: any thread holding the reference, but not a signal handler (as
 * np_napi_pp_put_page(); a page reference may free the page: the provider's lock).
 */
NP_INLINE void np_skb_page_unref(struct np_page *page, bool recycle)
{
	if (recycle && np_napi_pp_put_page(page))
		return;
	(np_page_put)(page);
}

/**
 * np_skb_frag_unref() - release frag slot @i's reference (kind from skb->pp_recycle).
 * @skb: an skb holding its data alone (the slot's reference is its own).
 * @i: the slot, below nr_frags; the caller clears or reuses it.
 * Context: the thread that holds @skb, as np_skb_page_unref().
 */
NP_INLINE void np_skb_frag_unref(struct np_skb *skb, unsigned i)
{
	np_skb_page_unref(np_skb_shinfo(skb)->frags[i].page, skb->pp_recycle);
}

/**
 * np_skb_frag_ref() - take a page reference on frag slot @i's page (never a pool reference).
 * @skb: the skb.
 * @i: the slot, below nr_frags.
 * Context: any thread holding @skb; one atomic, no lock.
 */
NP_INLINE void np_skb_frag_ref(struct np_skb *skb, unsigned i)
{
	np_page_get(np_skb_shinfo(skb)->frags[i].page);
}

/**
 * np_skb_pp_frag_ref() - take one reference of the kind @skb's slots hold:
 * a pool reference for a pool page when skb->pp_recycle, else a page reference.
 * @skb: the skb whose kind decides.
 * @page: a page the caller already holds a reference to (of that kind).
 * Context: any thread holding @skb; one atomic, no lock.
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
 * (an unknown reason counts as NOT_SPECIFIED). NULL: nothing. A double free is
 * caught in debug builds.
 * @skb: the skb, or NULL.
 * @reason: why it is dropped.
 * Context: any thread but a signal handler: the struct goes to this thread's
 * cache, pool pages back through np_napi_pp_put_page() (into the pool's cache only
 * inside the owning napi's poll); may take small-object and provider locks.
 */
NP_API void np_kfree_skb_reason(struct np_skb *skb, enum np_skb_drop_reason reason);

/**
 * np_kfree_skb() - np_kfree_skb_reason() with NP_SKB_DROP_NOT_SPECIFIED.
 * Context: as np_kfree_skb_reason().
 */
NP_INLINE void np_kfree_skb(struct np_skb *skb)
{
	np_kfree_skb_reason(skb, NP_SKB_DROP_NOT_SPECIFIED);
}

/**
 * np_consume_skb() - free a packet that was used, not dropped (counted as
 * CONSUMED). NULL: nothing.
 * Context: as np_kfree_skb_reason().
 */
NP_API void np_consume_skb(struct np_skb *skb);

/**
 * np_napi_consume_skb() - np_consume_skb() from a napi poll; @budget 0 means
 * not from a poll (no napi caches). Pool pages recycle directly when the
 * thread runs the owning napi. NULL: nothing.
 * @skb: the skb, or NULL.
 * @budget: the poll's budget, 0 outside a poll (both behave alike here).
 * Context: any thread but a signal handler: the struct goes to this thread's
 * cache, pool pages back through np_napi_pp_put_page() (into the pool's cache only
 * inside the owning napi's poll); may take small-object and provider locks.
 */
NP_API void np_napi_consume_skb(struct np_skb *skb, int budget);

/**
 * np_napi_consume_skb_bulk() - np_napi_consume_skb() of @n skbs (a TX
 * completion batch); their structs go to this thread's cache, which flushes
 * to the allocator in bulk. NULL entries are skipped; @skbs NULL with @n > 0
 * is caught in debug builds.
 * @skbs: the skbs.
 * @n: how many @skbs holds.
 * @budget: as for np_napi_consume_skb().
 * Context: as np_napi_consume_skb().
 */
NP_API void np_napi_consume_skb_bulk(struct np_skb *const *skbs, unsigned int n, int budget);

/**
 * np_skb_attempt_defer_free() - np_consume_skb() for a thread that did not
 * build @skb (an application thread reading what a napi received): when
 * this is the last reference and @skb holds pages of a pool owned by another
 * napi, the skb is handed to that pool's owner, which frees it on its own
 * thread the next time its alloc cache runs empty, so the pages go straight
 * back into that cache and the struct into the owner's struct cache (the
 * kernel's skb_attempt_defer_free()); a netdev's poll frees what waits before
 * each driver poll, and an owner running its own napi calls
 * np_pool_flush_deferred() once per poll. Freed here instead when it holds no
 * pool page, when this thread runs the owning napi, when the pool has no
 * napi or is destroyed, and when 64 skbs already wait on that
 * pool (counted in the pool's defer_refused). A waiting skb keeps its page
 * references; np_pool_destroy() frees what still waits. NULL: nothing.
 * @skb: the skb, or NULL.
 * Context: any thread but a signal handler; lock-free (one compare-and-swap
 * on the pool's list).
 */
NP_API void np_skb_attempt_defer_free(struct np_skb *skb);

/**
 * np_kfree_skb_partial() - free an skb whose head was stolen (coalescing) or not.
 * NULL: nothing.
 * @skb: the skb, or NULL.
 * @head_stolen: *fragstolen from np_skb_try_coalesce(): only the struct goes.
 * Context: as np_kfree_skb_reason().
 */
NP_API void np_kfree_skb_partial(struct np_skb *skb, bool head_stolen);

/**
 * np_kfree_skb_list() - free a chain linked through ->next (NULL: nothing).
 * Context: as np_kfree_skb_reason().
 */
NP_API void np_kfree_skb_list(struct np_skb *skb);

/**
 * np_skb_drop_count() - packets freed with @reason since start.
 * Context: any thread; takes the lock of the per-thread counters' list and sums them.
 * Return: the count (0 for an unknown reason).
 */
NP_API uint64_t np_skb_drop_count(enum np_skb_drop_reason reason);
/**
 * np_skb_drop_reason_name() - the reason's name.
 * Context: any thread.
 * Return: "NOT_SPECIFIED", ... (a static string), or NULL for an unknown reason.
 */
NP_API const char *np_skb_drop_reason_name(enum np_skb_drop_reason reason);

/**
 * np_skb_live() - skb structs handed out and not yet freed (all threads).
 * Context: any thread; as np_skb_drop_count() (a sum, not one instant).
 * Return: the count.
 */
NP_API int64_t np_skb_live(void);

/* ---- data movement that may touch references (skb.c) ---- */

/**
 * np_skb_copy_bits() - copy @len bytes at @offset (head, frags, frag_list) to @to.
 * The range is always checked (offsets often come from a parsed frame); @to
 * NULL with @len > 0 is caught in debug builds.
 * @skb: the packet.
 * @offset: from the data start.
 * @to: room for @len bytes.
 * @len: bytes to copy.
 * Context: any thread holding @skb; reads only, no lock.
 * Return: 0, or -EFAULT when the range is outside the packet.
 */
NP_API int np_skb_copy_bits(const struct np_skb *skb, uint32_t offset, void *to, uint32_t len);

/**
 * np_pskb_may_pull() - make sure the first @len bytes are in the head, pulling
 * them out of the frags (and frag_list) when needed. The head may be
 * reallocated: pointers into it are stale afterwards.
 * @skb: the packet.
 * @len: bytes wanted in the head.
 * Context: the thread that holds @skb (no lock: one thread at a time), not a signal
 * handler (it may allocate from or free to per-thread caches).
 * Return: true, or false when the packet is shorter or memory ran out.
 */
NP_API bool np_pskb_may_pull(struct np_skb *skb, uint32_t len);

/**
 * np_skb_linearize() - bring every byte into the head (a new one).
 * Context: the thread that holds @skb (no lock: one thread at a time), not a signal
 * handler (it may allocate from or free to per-thread caches).
 * Return: 0, -ENOMEM (no memory, or more than a 2 MiB block; skb unchanged), or
 * -EFAULT (the skb's lengths disagree with its data: a broken skb; unchanged).
 */
NP_API int np_skb_linearize(struct np_skb *skb);

/**
 * np_pskb_trim() - cut the packet to @len bytes, releasing what falls off.
 * @skb: the packet; cloned data is made private first.
 * @len: the new length; not below it is a no-op.
 * Context: the thread that holds @skb (no lock: one thread at a time), not a signal
 * handler (it may allocate from or free to per-thread caches).
 * Return: 0 or -ENOMEM (no private head, or no clone of a shared frag_list member).
 */
NP_API int np_pskb_trim(struct np_skb *skb, uint32_t len);

/* ---- sharing (skb_share.c) ---- */

/**
 * np_skb_clone() - a new skb sharing @skb's data (dataref + 1).
 * Context: the thread that holds @skb (no lock: one thread at a time), not a signal
 * handler (it may allocate from or free to per-thread caches).
 * The clone may then go to another thread; each holder writes only its own struct.
 * Return: the clone, or NULL (no memory).
 */
NP_API struct np_skb *np_skb_clone(struct np_skb *skb);

/**
 * np_skb_copy() - a private linear copy (fresh head, no frags).
 * Context: any thread holding @skb (it is only read), not a signal handler.
 * Return: the copy, or NULL (no memory, or headroom + len past 4 GiB).
 */
NP_API struct np_skb *np_skb_copy(const struct np_skb *skb);

/**
 * np_pskb_copy() - copy the head privately, share the frags by taking page
 * references (never pool references).
 * Context: the thread that holds @skb (no lock: one thread at a time), not a signal
 * handler (it may allocate from or free to per-thread caches).
 * Return: the copy, or NULL (no memory).
 */
NP_API struct np_skb *np_pskb_copy(struct np_skb *skb);

/**
 * np_pskb_expand_head() - reallocate the head (small-object allocator) with
 * @nhead more headroom and @ntail more tailroom. A cloned skb takes page
 * references on its frags and gives up its data share; an uncloned one frees
 * only its old head and keeps pp_recycle.
 * @skb: not shared (users 1; caught in debug builds).
 * @nhead: headroom to add.
 * @ntail: tailroom to add.
 * Context: the thread that holds @skb (no lock: one thread at a time), not a signal
 * handler (it may allocate from or free to per-thread caches).
 * Return: 0, or -ENOMEM (skb unchanged).
 */
NP_API int np_pskb_expand_head(struct np_skb *skb, uint32_t nhead, uint32_t ntail);

/**
 * np_skb_cow_head() - make the head private and give it @headroom.
 * @skb: not shared, as for np_pskb_expand_head().
 * @headroom: headroom wanted.
 * Context: the thread that holds @skb (no lock: one thread at a time), not a signal
 * handler (it may allocate from or free to per-thread caches).
 * Return: 0 or -ENOMEM (skb unchanged).
 */
NP_API int np_skb_cow_head(struct np_skb *skb, uint32_t headroom);

/**
 * np_skb_unshare() - a private copy when cloned (freeing @skb's share).
 * Context: the thread that holds @skb (no lock: one thread at a time), not a signal
 * handler (it may allocate from or free to per-thread caches).
 * Return: @skb when not cloned, the copy, or NULL when no copy could be made
 * (@skb is freed then too, counted as NP_SKB_DROP_NOMEM).
 */
NP_API struct np_skb *np_skb_unshare(struct np_skb *skb);

/**
 * np_skb_cow_data_for_xdp() - copy @*pskb into pages of @pool (head and frags)
 * when its data is not all pool-owned and private; *@pskb is replaced.
 * @pool: the pool to copy into.
 * @pskb: the packet; the old one is consumed when replaced.
 * Context: the owner of @pool (it allocates from it: its napi's poll), holding the
 * skb; not a signal handler.
 * Return: 0, or -ENOMEM (*@pskb unchanged).
 */
NP_API int np_skb_cow_data_for_xdp(struct np_pool *pool, struct np_skb **pskb);

/* ---- merging and splitting (skb_merge.c) ---- */

/**
 * np_skb_try_coalesce() - append @from's data to @to without copying.
 * Refused when @to is cloned or the two differ in pp_recycle.
 * @to: the packet that grows (a socket queue's tail).
 * @from: the packet whose data moves; another holder of its data may let go
 *   meanwhile on another thread.
 * @fragstolen: set when @from's head was taken as a fragment.
 * @delta_truesize: truesize moved to @to.
 * Context: the thread that holds both skbs (no lock: one thread at a time), not a
 * signal handler (it may allocate and free).
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
 * @shiftlen: bytes to move.
 * Context: the thread that holds both skbs (no lock: one thread at a time), not a
 * signal handler (it may allocate and free).
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
 * @len: bytes @skb keeps, at most its len (caught in debug builds).
 * Context: the thread that holds both skbs (no lock: one thread at a time), not a
 * signal handler (it may allocate and free).
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
 * gso_segs counts the merged segments; a @head without gso_size takes the
 * first merged @skb's length as its segment size (np_gro_receive() sets it
 * to the held packet's own payload before, as the kernel's GRO does).
 * @head: the packet being built (a GRO context's held packet).
 * @skb: the next segment; not @head and not shared (caught in debug builds).
 * Context: the thread that holds both (one GRO context per napi: its poll), not a
 * signal handler (it may clone and free).
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
 * Context: any thread holding @skb (it is only read; the segments take page
 * references), not a signal handler (it allocates).
 * Return: the list (linked through ->next), or NULL: gso_size 0, @hdr_len
 * out of range, or no memory (nothing left behind).
 */
NP_API struct np_skb *np_skb_segment(struct np_skb *skb, uint32_t hdr_len,
				     np_netdev_features_t features);

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

NP_EXTERN_C_END

#endif /* NETPOOL_SKB_H */
