/* SPDX-License-Identifier: ISC */
/*
 * vis.h: the one filter for bytes from the other side (a service's output,
 * a peer's texts and arguments) on their way into a log, a terminal or a
 * listing.  Like vis(3) with VIS_CSTYLE|VIS_OCTAL: C0 controls but tab,
 * DEL and the C1 bytes 0x80-0x9f become escapes (\n, \r, else \ooo), a
 * backslash becomes \\, anything else passes.  Bytes, not characters: a
 * C1 byte is escaped even inside what looks like UTF-8, as a terminal in a
 * Latin-1 locale would act on it.  See docs/output-filter.md.
 */
#ifndef CMAPP_VIS_H
#define CMAPP_VIS_H

#include <stddef.h>
#include <stdint.h>

/* The worst case: each byte as \ooo.  A whole rendering of n bytes
 * needs VIS_LEN(n) bytes, its NUL included. */
#define VIS_EXPAND	4
#define VIS_LEN(n)	((size_t)(n) * VIS_EXPAND + 1)

/* A backslash passes as itself: for log.c's last guard, which must leave
 * text already rendered (and any local message) as it is. */
#define VIS_NOSLASH	0x1

/* Whether byte c is one the filter escapes (a backslash aside). */
static inline int
vis_is_ctl(uint8_t c)
{
	return (c < 0x20 && c != '\t') || (c >= 0x7f && c < 0xa0);
}

/*
 * Renders len bytes of src into dst, NUL-terminated when cap > 0; stops
 * before the first byte whose rendering does not fit whole, so an escape
 * is never cut.  Returns the length written, NUL excluded.
 */
size_t	vis_bytes(char *dst, size_t cap, const uint8_t *src, size_t len,
	    int flags);
/* The same for a C string; returns dst, for a log call's argument. */
const char *vis_str(char *dst, size_t cap, const char *s);

/*
 * vis_json: len bytes of src as one JSON string, quotes included, for
 * cmappmgr -list -json: '"' and '\' escaped, and as \u00XX every control
 * (C0, DEL, and C1 U+0080-U+009F) without a short escape (\n \r \t \b
 * \f); well-formed UTF-8 passes, and a byte that is not part of it is
 * taken as Latin-1 (0xE9 -> \u00e9), so that the output is valid UTF-8
 * and has no raw control byte.  Like vis_bytes, stops before what does not
 * fit whole, but always closes the string.  VIS_JSON_LEN(n) bytes hold a
 * whole rendering with its NUL; cap must be at least 3.  Returns the
 * length written, NUL excluded.
 */
#define VIS_JSON_LEN(n)	((size_t)(n) * 6 + 3)
size_t	vis_json(char *dst, size_t cap, const uint8_t *src, size_t len);

#endif
