/* SPDX-License-Identifier: ISC */
/*
 * icmp.h: ICMP and ICMPv6 echo packets for the net probe, as pure
 * functions over byte buffers (no socket here).
 */
#ifndef CMAPP_ICMP_H
#define CMAPP_ICMP_H

#include <stddef.h>
#include <stdint.h>

#define ICMP_ECHO_LEN	24	/* header 8, cookie 8, send time 8 */

uint16_t icmp_checksum(const void *buf, size_t len);
size_t	icmp_echo_build(uint8_t *buf, size_t len, int v6, uint16_t id,
	    uint16_t seq, uint64_t cookie, uint64_t stamp);
int	icmp_echo_match(const uint8_t *pkt, size_t len, int v6, int iphdr,
	    int check_id, uint16_t id, uint16_t seq, uint64_t cookie);

#endif
