/* SPDX-License-Identifier: MIT */
/*
 * netpool/csum.h - the Internet checksum over bytes in memory, for every
 * layer that writes or checks a header: the stack's segmentation and
 * checksum completion (stack.h), the drivers' offload paths.
 *
 * Checksums here are of 16-bit words as they lie in memory (network order),
 * summed in 32 bits: np_csum_fold() gives the complemented 16 bits, stored
 * as is (memcpy) in the header.
 */
#ifndef NETPOOL_CSUM_H
#define NETPOOL_CSUM_H

#include <stddef.h>
#include <stdint.h>
#include "compiler.h"

NP_EXTERN_C_BEGIN

/**
 * np_csum_fold() - the 16-bit Internet checksum of a 32-bit sum: folded and
 * complemented, to be stored as it is (memcpy) in a header.
 * @sum: a sum from np_csum_partial(), np_skb_checksum() or np_csum_pseudo4/6().
 * Context: any thread; pure.
 * Return: the checksum, in memory order.
 */
NP_INLINE uint16_t np_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)~sum;
}

/**
 * np_csum_partial() - add @len bytes at @p to the running sum @sum (the
 * kernel's csum_partial()); @p may be unaligned, @len odd (the last byte
 * counts as the high byte of a word, as on the wire).
 * @p: the bytes.
 * @len: how many.
 * @sum: the sum so far (0 to start).
 * Context: any thread; pure.
 * Return: the new sum.
 */
NP_API uint32_t np_csum_partial(const void *p, size_t len, uint32_t sum);

/**
 * np_csum_pseudo4() - the IPv4 pseudo header (addresses as they lie in the
 * header, @proto, @len) added to @sum (the kernel's csum_tcpudp_nofold()).
 * @saddr: the source address, network order (as read from the header).
 * @daddr: the destination address, network order.
 * @len: the L4 length (header and payload), host order.
 * @proto: the IP protocol (6 TCP, 17 UDP).
 * @sum: the sum so far.
 * Context: any thread; pure.
 * Return: the new sum.
 */
NP_API uint32_t np_csum_pseudo4(uint32_t saddr, uint32_t daddr, uint32_t len, uint8_t proto,
				uint32_t sum);

/**
 * np_csum_pseudo6() - the IPv6 pseudo header added to @sum (the kernel's
 * csum_ipv6_magic() before the fold).
 * @saddr: the 16 bytes of the source address (as in the header).
 * @daddr: the 16 bytes of the destination address.
 * @len: the upper-layer length, host order.
 * @proto: the upper-layer protocol.
 * @sum: the sum so far.
 * Context: any thread; pure.
 * Return: the new sum.
 */
NP_API uint32_t np_csum_pseudo6(const void *saddr, const void *daddr, uint32_t len, uint8_t proto,
				uint32_t sum);

NP_EXTERN_C_END

#endif /* NETPOOL_CSUM_H */
