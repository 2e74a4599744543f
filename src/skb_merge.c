/* SPDX-License-Identifier: MIT */
/*
 * skb merging and splitting: coalescing into a socket queue's last skb,
 * shifting and splitting frags between two skbs, and GRO's merge (GSO's
 * segmentation is in skb_gso.c).
 *
 * Every operation here moves frag references from one skb to another or takes
 * new ones, so each keeps the reference rule: a slot holds a pool reference
 * iff its skb has pp_recycle and the page is a pool page. A reference that
 * moves keeps its kind, so it may only move between skbs with equal
 * pp_recycle; a new reference is taken with the kind of the skb that will
 * hold it (np_skb_pp_frag_ref()); a reference dropped is dropped with the
 * bit of the skb that held it.
 */
#include <string.h>
#include "internal.h"
#include "netpool/skb.h"

/* A GRO packet stays below 64 KiB, the IPv4 length limit. */
#define NP_GRO_MAX_SIZE		65536u

/* What an skb costs without its frags: head (shared info included) and struct. */
static uint32_t np_skb_head_truesize(const struct np_skb *skb)
{
	return skb->end + (uint32_t)NP_SKB_SHINFO_SIZE + (uint32_t)sizeof(struct np_skb);
}

/* @total - @keep, never negative (truesize is an estimate, not an invariant). */
static uint32_t np_truesize_sub(uint32_t total, uint32_t keep)
{
	return total > keep ? total - keep : 0;
}

/* Whether frag slot @i - 1 of @skb ends where @page + @off starts. */
static bool np_skb_can_coalesce(const struct np_skb *skb, unsigned i, const struct np_page *page,
				uint32_t off)
{
	const struct np_skb_frag *f;

	if (!i)
		return false;
	f = &np_skb_shinfo(skb)->frags[i - 1];
	return f->page == page && f->offset + f->len == off;
}

/* ---- coalescing (TCP receive queue) ---- */

bool np_skb_try_coalesce(struct np_skb *to, struct np_skb *from, bool *fragstolen,
			 int *delta_truesize)
{
	struct np_skb_shared_info *tsh, *fsh;
	uint32_t len = from->len, headlen = np_skb_headlen(from), delta;
	bool from_cloned, copy_head = false, steal = false;
	unsigned nr, base;

	*fragstolen = false;
	*delta_truesize = 0;
	if (np_skb_cloned(to))
		return false;
	/*
	 * Mixed pp_recycle never merges (review point (e), as mainline): the
	 * moved references would be released with the wrong kind.
	 */
	if (to->pp_recycle != from->pp_recycle)
		return false;
	/*
	 * Decided once. Another holder of @from's data may let go at any time
	 * from another thread; moving references and taking new ones must both
	 * follow this one answer, or a slot ends up with no reference or two.
	 */
	from_cloned = np_skb_cloned(from);

	if (len <= np_skb_tailroom(to)) {
		/* everything fits in to's head: a copy, no reference changes hands */
		if (len) {
			int err = np_skb_copy_bits(from, 0, np_skb_put(to, len), len);

			NP_ASSERT(!err);
			(void)err;
		}
		return true;
	}

	tsh = np_skb_shinfo(to);
	fsh = np_skb_shinfo(from);
	if (tsh->frag_list || fsh->frag_list)
		return false;
	if (headlen) {
		if (headlen <= np_skb_tailroom(to))
			copy_head = true;
		else if (from->head_frag && !from_cloned)
			steal = true;
		else
			return false;	/* a small-object head, or one still shared */
	}
	nr = fsh->nr_frags;
	if (tsh->nr_frags + (unsigned)steal + nr > NP_MAX_SKB_FRAGS)
		return false;

	/* committed from here on */
	if (steal)
		delta = np_truesize_sub(from->truesize, (uint32_t)sizeof(struct np_skb));
	else
		delta = np_truesize_sub(from->truesize, np_skb_head_truesize(from));
	if (copy_head) {
		/* to is linear (it has tailroom): its head grows, then the frags follow */
		memcpy(np_skb_put(to, headlen), from->data, headlen);
		len -= headlen;
	}
	base = tsh->nr_frags;
	if (steal) {
		/* the head's reference moves with its kind (both skbs have the same bit) */
		struct np_page *page = np_virt_to_page(from->head);

		np_skb_fill_page_desc(to, base++, page,
				      (uint32_t)(from->data - (unsigned char *)np_page_address(page)),
				      headlen);
		*fragstolen = true;
	}
	memcpy(&tsh->frags[base], fsh->frags, nr * sizeof(fsh->frags[0]));
	if (from_cloned) {
		/* the other holders keep theirs: to takes new references of its own kind */
		for (unsigned i = 0; i < nr; i++)
			np_skb_pp_frag_ref(to, fsh->frags[i].page);
	} else {
		/* the references move: from must not release them */
		fsh->nr_frags = 0;
	}
	tsh->nr_frags = (uint8_t)(base + nr);
	to->truesize += delta;
	to->len += len;
	to->data_len += len;
	*delta_truesize = (int)delta;
	return true;
}

/* ---- shifting and splitting (TCP SACK collapse, TSO fragmentation) ---- */

/* A cloned skb gets data of its own before its frags are rearranged. */
static int np_skb_prepare_for_shift(struct np_skb *skb)
{
	return np_skb_cloned(skb) ? np_pskb_expand_head(skb, 0, 0) : 0;
}

int np_skb_shift(struct np_skb *tgt, struct np_skb *skb, int shiftlen)
{
	struct np_skb_shared_info *ssh = np_skb_shinfo(skb), *tsh = np_skb_shinfo(tgt);
	struct np_skb_frag *ffrom, *fto;
	int from = 0, to, merge, todo = shiftlen;
	uint32_t frag_bytes = 0;

	NP_ASSERT_MISUSE(shiftlen >= 0 && (uint32_t)shiftlen <= skb->len);
	/*
	 * Only paged data moves, and only between skbs whose slots hold the
	 * same kind. Never onto a target with a frag_list: the moved bytes end
	 * its frags, which come before its frag_list, so they would land in
	 * the middle of its packet instead of at its end.
	 */
	if (shiftlen <= 0 || np_skb_headlen(skb) || tgt->pp_recycle != skb->pp_recycle ||
	    np_skb_shinfo(tgt)->frag_list)
		return 0;
	for (unsigned i = 0; i < ssh->nr_frags; i++)
		frag_bytes += ssh->frags[i].len;
	if ((uint32_t)shiftlen > frag_bytes)
		return 0;

	to = tsh->nr_frags;
	ffrom = &ssh->frags[0];
	/* the merge with tgt's last frag is done last, once nothing can fail */
	if (!np_skb_can_coalesce(tgt, (unsigned)to, ffrom->page, ffrom->offset)) {
		merge = -1;
	} else {
		merge = to - 1;
		todo -= (int)ffrom->len;
		if (todo < 0) {
			/* only part of the first frag: two slots now cover one page, each with its reference */
			if (np_skb_prepare_for_shift(skb) || np_skb_prepare_for_shift(tgt))
				return 0;
			/* an unclone gives up a data share, and with it pp_recycle */
			if (tgt->pp_recycle != skb->pp_recycle)
				return 0;
			ssh = np_skb_shinfo(skb);
			tsh = np_skb_shinfo(tgt);
			tsh->frags[merge].len += (uint32_t)shiftlen;
			ssh->frags[0].len -= (uint32_t)shiftlen;
			ssh->frags[0].offset += (uint32_t)shiftlen;
			goto onlymerged;
		}
		from++;
	}

	/* a whole skb that cannot fit: give up before the expensive part */
	if ((uint32_t)shiftlen == skb->len && ssh->nr_frags - from > NP_MAX_SKB_FRAGS - to)
		return 0;
	if (np_skb_prepare_for_shift(skb) || np_skb_prepare_for_shift(tgt))
		return 0;
	if (tgt->pp_recycle != skb->pp_recycle)
		return 0;
	ssh = np_skb_shinfo(skb);
	tsh = np_skb_shinfo(tgt);

	while (todo > 0 && from < ssh->nr_frags) {
		if (to == NP_MAX_SKB_FRAGS)
			return 0;	/* nothing committed yet: tgt's nr_frags is unchanged */
		ffrom = &ssh->frags[from];
		fto = &tsh->frags[to];
		if ((uint32_t)todo >= ffrom->len) {
			/* a whole frag: its reference moves (same kind on both sides) */
			*fto = *ffrom;
			todo -= (int)ffrom->len;
			from++;
			to++;
		} else {
			/*
			 * Part of a frag: tgt's slot needs a reference of its own,
			 * of the kind both skbs' slots hold.
			 */
			np_skb_pp_frag_ref(skb, ffrom->page);
			fto->page = ffrom->page;
			fto->offset = ffrom->offset;
			fto->len = (uint32_t)todo;
			ffrom->offset += (uint32_t)todo;
			ffrom->len -= (uint32_t)todo;
			todo = 0;
			to++;
			break;
		}
	}
	tsh->nr_frags = (uint8_t)to;

	if (merge >= 0) {
		/* skb's first frag joined tgt's last: skb's reference is one too many */
		ffrom = &ssh->frags[0];
		tsh->frags[merge].len += ffrom->len;
		np_skb_page_unref(ffrom->page, skb->pp_recycle);
	}

	/* close the gap at the front of skb's frags */
	to = 0;
	while (from < ssh->nr_frags)
		ssh->frags[to++] = ssh->frags[from++];
	ssh->nr_frags = (uint8_t)to;
	NP_ASSERT(todo == 0);

onlymerged:
	skb->len -= (uint32_t)shiftlen;
	skb->data_len -= (uint32_t)shiftlen;
	skb->truesize = np_truesize_sub(skb->truesize, (uint32_t)shiftlen);
	tgt->len += (uint32_t)shiftlen;
	tgt->data_len += (uint32_t)shiftlen;
	tgt->truesize += (uint32_t)shiftlen;
	return shiftlen;
}

/*
 * Whether @skb1 may hold references of @skb's kind once the cut moves frags
 * into it. @skb1's own head fixes its bit when it is a pool page (that
 * reference was taken with skb1's kind, and no input may change the kind of
 * a reference already held); any other head (a small object, a non-pool
 * page) reads the same under either bit, so skb1 takes skb's bit and every
 * frag that moves keeps its kind. With the bits left different, a frag may
 * move only when it reads the same under both: a page outside any pool.
 */
static bool np_skb_split_kinds_ok(const struct np_skb *skb, const struct np_skb *skb1, uint32_t len)
{
	const struct np_skb_shared_info *sh = np_skb_shinfo(skb);
	uint32_t pos = np_skb_headlen(skb);

	if (skb1->pp_recycle == skb->pp_recycle || !skb1->head_frag ||
	    !np_page_is_pp(np_virt_to_page(skb1->head)))
		return true;
	for (unsigned i = 0; i < sh->nr_frags; i++) {
		if (pos + sh->frags[i].len > len && np_page_is_pp(sh->frags[i].page))
			return false;
		pos += sh->frags[i].len;
	}
	return true;
}

/*
 * The frags that move keep their kind (see np_skb_split_kinds_ok()), and the
 * one frag cut in two gets a second reference of that same kind
 * (np_skb_pp_frag_ref()): a pool reference for a pool page of a pp skb, else
 * a page reference. Each half is then released with the kind it holds.
 */
int np_skb_split(struct np_skb *skb, struct np_skb *skb1, uint32_t len)
{
	struct np_skb_shared_info *sh = np_skb_shinfo(skb), *sh1 = np_skb_shinfo(skb1);
	uint32_t pos = np_skb_headlen(skb);
	unsigned nfrags = sh->nr_frags, k = 0;

	NP_ASSERT_MISUSE(len <= skb->len);
	NP_ASSERT_MISUSE(!np_skb_cloned(skb) && !sh->frag_list);
	NP_ASSERT_MISUSE(skb1->len == 0 && !sh1->nr_frags && !sh1->frag_list);
	if (!np_skb_split_kinds_ok(skb, skb1, len))
		return -EINVAL;
	if (len < pos && pos - len > skb1->end - skb1->tail)
		return -EMSGSIZE;	/* the rest of the head does not fit skb1's room */
	if (!skb1->head_frag || !np_page_is_pp(np_virt_to_page(skb1->head)))
		skb1->pp_recycle = skb->pp_recycle;

	if (len < pos) {
		/* the cut is in the head: copy its rest, every frag moves */
		memcpy(np_skb_put(skb1, pos - len), skb->data + len, pos - len);
		memcpy(sh1->frags, sh->frags, nfrags * sizeof(sh->frags[0]));
		sh1->nr_frags = (uint8_t)nfrags;
		sh->nr_frags = 0;
		skb1->data_len = skb->data_len;
		skb1->len += skb1->data_len;
		skb->data_len = 0;
		skb->len = len;
		skb->tail = (uint32_t)(skb->data - skb->head) + len;
		return 0;
	}

	/* the cut is in the frags: the head stays, frags past the cut move */
	sh->nr_frags = 0;
	skb1->len = skb1->data_len = skb->len - len;
	skb->len = len;
	skb->data_len = len - pos;
	for (unsigned i = 0; i < nfrags; i++) {
		struct np_skb_frag *f = &sh->frags[i];
		uint32_t size = f->len;

		if (pos + size > len) {
			sh1->frags[k] = *f;
			if (pos < len) {
				/* cut through this frag: both halves need a reference */
				np_skb_pp_frag_ref(skb, f->page);
				sh1->frags[0].offset += len - pos;
				sh1->frags[0].len -= len - pos;
				f->len = len - pos;
				sh->nr_frags++;
			}
			k++;
		} else {
			sh->nr_frags++;
		}
		pos += size;
	}
	sh1->nr_frags = (uint8_t)k;
	return 0;
}

/* ---- GRO ---- */

/*
 * The skb whose frags receive the next merge: the last frag_list member, or
 * @head; NULL when memory ran out.
 *
 * The chain must be @head's alone before GRO changes a member or a link.
 * np_pskb_copy() and the expand of a cloned skb share frag_list members
 * whole (users + 1 on each), so another holder walks the same members and
 * the same next links: a merge into a member's frags would change bytes it
 * reads, a link after the last member would chain an skb it later frees.
 * Every shared member is replaced in @head's chain by a clone of its own
 * (its data still shared, so no frag moves into it: the next skb is chained
 * after it instead), as np_pskb_trim() does on its way to a cut.
 */
static struct np_skb *np_gro_last(struct np_skb *head)
{
	struct np_skb **pp = &np_skb_shinfo(head)->frag_list, *l = head;

	while (*pp) {
		l = *pp;
		if (np_unlikely(np_skb_shared(l))) {
			struct np_skb *c = np_skb_clone(l);

			if (!c)
				return NULL;
			c->next = l->next;
			*pp = c;
			np_kfree_skb(l);	/* our reference; the other holder keeps it */
			l = c;
		}
		pp = &l->next;
	}
	return l;
}

int np_skb_gro_receive(struct np_skb *head, struct np_skb *skb)
{
	struct np_skb_shared_info *hsh = np_skb_shinfo(head), *ssh = np_skb_shinfo(skb), *lsh;
	uint32_t len = skb->len, headlen = np_skb_headlen(skb), delta;
	unsigned nr = ssh->nr_frags;
	uint16_t segs = ssh->gso_segs ? ssh->gso_segs : 1;
	struct np_skb *lp;
	bool frags_ok;

	NP_ASSERT_MISUSE(skb != head && !np_skb_shared(skb));
	/*
	 * pp and non-pp never mix (SPEC 7 item 7): the pages of one would be
	 * released with the other's kind. A head shared with a clone cannot
	 * take more data either.
	 */
	if (head->pp_recycle != skb->pp_recycle || np_skb_cloned(head))
		return -EINVAL;
	if (head->len + len >= NP_GRO_MAX_SIZE)
		return -E2BIG;

	lp = np_gro_last(head);
	if (np_unlikely(!lp))
		return -ENOMEM;
	lsh = np_skb_shinfo(lp);
	/* frags move only out of private data, into a private skb of the same kind */
	frags_ok = !np_skb_cloned(skb) && !ssh->frag_list &&
		   (lp == head || (!np_skb_cloned(lp) && lp->pp_recycle == skb->pp_recycle &&
				   !lsh->frag_list));
	/* (a last member with a frag_list of its own would get the bytes before that list) */

	if (frags_ok && !headlen && lsh->nr_frags + nr <= NP_MAX_SKB_FRAGS) {
		/* payload all in frags: their references move, skb's head is freed */
		memcpy(&lsh->frags[lsh->nr_frags], ssh->frags, nr * sizeof(ssh->frags[0]));
		lsh->nr_frags = (uint8_t)(lsh->nr_frags + nr);
		ssh->nr_frags = 0;
		delta = np_truesize_sub(skb->truesize, np_skb_head_truesize(skb));
		skb->truesize -= delta;
		skb->len = skb->data_len = 0;
		np_consume_skb(skb);
	} else if (frags_ok && headlen && skb->head_frag &&
		   lsh->nr_frags + 1 + nr <= NP_MAX_SKB_FRAGS) {
		/* the head page becomes a frag (its reference moves), then skb's frags */
		struct np_page *page = np_virt_to_page(skb->head);
		struct np_skb_frag *f = &lsh->frags[lsh->nr_frags];

		f->page = page;
		f->offset = (uint32_t)(skb->data - (unsigned char *)np_page_address(page));
		f->len = headlen;
		memcpy(f + 1, ssh->frags, nr * sizeof(ssh->frags[0]));
		lsh->nr_frags = (uint8_t)(lsh->nr_frags + 1 + nr);
		delta = np_truesize_sub(skb->truesize, (uint32_t)sizeof(struct np_skb));
		np_kfree_skb_partial(skb, true);
	} else {
		/* no room in the frags (or data not ours to move): chain the skb whole */
		skb->next = NULL;
		if (lp == head)
			hsh->frag_list = skb;
		else
			lp->next = skb;
		delta = skb->truesize;
		lp = head;
	}

	hsh->gso_segs = (uint16_t)((hsh->gso_segs ? hsh->gso_segs : 1) + segs);
	if (!hsh->gso_size)
		hsh->gso_size = (uint16_t)len;	/* segment size: the first merged payload */
	head->len += len;
	head->data_len += len;
	head->truesize += delta;
	if (lp != head) {
		lp->len += len;
		lp->data_len += len;
		lp->truesize += delta;
	}
	return 0;
}
