/* SPDX-License-Identifier: MIT */
/* The Internet checksum over bytes in memory (netpool/csum.h). */
#include <string.h>
#include <arpa/inet.h>
#include "internal.h"
#include "netpool/csum.h"

uint32_t np_csum_partial(const void *p, size_t len, uint32_t sum)
{
	const unsigned char *b = p;
	uint64_t acc = sum, v0, v1;

	while (len >= 16) {
		memcpy(&v0, b, 8);
		memcpy(&v1, b + 8, 8);
		acc += (v0 & 0xffffffffu) + (v0 >> 32) + (v1 & 0xffffffffu) + (v1 >> 32);
		b += 16;
		len -= 16;
	}
	if (len >= 8) {
		memcpy(&v0, b, 8);
		acc += (v0 & 0xffffffffu) + (v0 >> 32);
		b += 8;
		len -= 8;
	}
	if (len >= 4) {
		uint32_t w;

		memcpy(&w, b, 4);
		acc += w;
		b += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t w;

		memcpy(&w, b, 2);
		acc += w;
		b += 2;
		len -= 2;
	}
	if (len) {
		/* the odd byte is the first of a word whose second is 0 */
		unsigned char t[2] = { b[0], 0 };
		uint16_t w;

		memcpy(&w, t, 2);
		acc += w;
	}
	return np_csum_fold64(acc);
}

uint32_t np_csum_pseudo4(uint32_t saddr, uint32_t daddr, uint32_t len, uint8_t proto,
			 uint32_t sum)
{
	uint64_t acc = (uint64_t)sum + saddr + daddr + htonl(len) + htons(proto);

	return np_csum_fold64(acc);
}

uint32_t np_csum_pseudo6(const void *saddr, const void *daddr, uint32_t len, uint8_t proto,
			 uint32_t sum)
{
	uint64_t acc = (uint64_t)np_csum_partial(saddr, 16, sum) + np_csum_partial(daddr, 16, 0) +
		       htonl(len) + htonl(proto);

	return np_csum_fold64(acc);
}
