/* SPDX-License-Identifier: MIT */
/*
 * What the skb files (skb.c, skb_share.c, skb_merge.c, skb_gso.c) share and
 * no user of the library calls: the struct cache and the release steps. Not
 * exported from the shared library; in-tree benchmarks and tests that need
 * one include this header (-Isrc).
 */
#ifndef NETPOOL_SKB_PRIV_H
#define NETPOOL_SKB_PRIV_H

#include "netpool/skb.h"

/**
 * np_skb_struct_alloc() - a zeroed skb struct from this thread's cache (no head).
 * Context: any thread but a signal handler; the cache's refill takes a small-object
 * class lock.
 * Return: the struct, counted as live, or NULL (no memory).
 */
struct np_skb *np_skb_struct_alloc(void);
/**
 * np_skb_struct_free() - an skb struct back to this thread's cache (its data is
 * not touched: release it first).
 * Context: any thread but a signal handler, whichever thread allocated it.
 */
void np_skb_struct_free(struct np_skb *skb);
/**
 * np_skb_release_data() - give up @skb's share of its data; the last share
 * releases head, frags and frag_list by the reference rule. pp_recycle is cleared.
 * Context: the thread that holds @skb, as np_kfree_skb_reason().
 */
void np_skb_release_data(struct np_skb *skb);
/**
 * np_skb_free_head() - release @skb's head alone (a page reference of the kind
 * pp_recycle selects, or a small object).
 * Context: the thread that holds @skb and its data alone, as np_kfree_skb_reason().
 */
void np_skb_free_head(struct np_skb *skb);
/**
 * np_skb_init_head() - give a fresh struct its head: data at @head, no
 * length, the shared info at the end, dataref 1.
 * @skb: a struct from np_skb_struct_alloc().
 * @head: the buffer; a reference to it moves into the skb.
 * @size: the buffer's size, shared info included (must exceed it; caught in
 *   debug builds).
 * @head_frag: true for a page buffer, false for a small object.
 * Context: the thread that holds @skb; no lock.
 */
void np_skb_init_head(struct np_skb *skb, void *head, uint32_t size, bool head_frag);

#endif /* NETPOOL_SKB_PRIV_H */
