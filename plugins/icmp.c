/* SPDX-License-Identifier: ISC */
/*
 * icmp.c: building an echo request and recognising its reply.  A reply is
 * ours when its type is echo reply and its sequence number and the 64-bit
 * cookie in its payload are the ones sent (its identifier too, where the
 * kernel does not rewrite it, as it does on ping sockets).  An IPv4 raw
 * socket hands over the IP header first; IPv6 sockets never do.
 */
#include <string.h>

#include "icmp.h"

#define ICMP4_ECHO_REPLY	0
#define ICMP4_ECHO_REQUEST	8
#define ICMP6_ECHO_REQ		128
#define ICMP6_ECHO_REP		129

uint16_t
icmp_checksum(const void *buf, size_t len)
{
	const uint8_t	*p = buf;
	uint32_t	 sum = 0;
	size_t		 i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The request into buf (len >= ICMP_ECHO_LEN); its length, or 0.  The
 * ICMPv6 checksum is left to the kernel, which always computes it. */
size_t
icmp_echo_build(uint8_t *buf, size_t len, int v6, uint16_t id, uint16_t seq,
    uint64_t cookie, uint64_t stamp)
{
	if (len < ICMP_ECHO_LEN)
		return 0;
	memset(buf, 0, ICMP_ECHO_LEN);
	buf[0] = v6 ? ICMP6_ECHO_REQ : ICMP4_ECHO_REQUEST;
	put16(buf + 4, id);
	put16(buf + 6, seq);
	memcpy(buf + 8, &cookie, 8);
	memcpy(buf + 16, &stamp, 8);
	if (!v6)
		put16(buf + 2, icmp_checksum(buf, ICMP_ECHO_LEN));
	return ICMP_ECHO_LEN;
}

/* 1 if pkt is the reply to the request (id, seq, cookie), else 0. */
int
icmp_echo_match(const uint8_t *pkt, size_t len, int v6, int iphdr,
    int check_id, uint16_t id, uint16_t seq, uint64_t cookie)
{
	size_t	hl = 0;

	if (iphdr && !v6) {
		if (len < 20 || (pkt[0] >> 4) != 4 || pkt[9] != 1)
			return 0;
		hl = (size_t)(pkt[0] & 0x0f) * 4;
		if (hl < 20)
			return 0;
	}
	if (len < hl + 16)
		return 0;
	pkt += hl;
	if (pkt[0] != (v6 ? ICMP6_ECHO_REP : ICMP4_ECHO_REPLY) || pkt[1] != 0)
		return 0;
	if ((check_id && get16(pkt + 4) != id) || get16(pkt + 6) != seq)
		return 0;
	return memcmp(pkt + 8, &cookie, 8) == 0;
}
