/* SPDX-License-Identifier: ISC */
/*
 * vis.c: the one filter that makes bytes from the other side harmless on a
 * terminal and in a log (see vis.h and docs/output-filter.md).  A pure
 * function over a byte buffer: every record it renders stays one line.
 * vis_json renders the same bytes as a JSON string, for -list -json.
 */
#include <string.h>

#include "vis.h"

/* The rendering of byte c in out (no NUL); its length, 1 to 4. */
static size_t
render(uint8_t c, int flags, char out[VIS_EXPAND])
{
	if (c == '\\' && !(flags & VIS_NOSLASH)) {
		out[0] = out[1] = '\\';
		return 2;
	}
	if (!vis_is_ctl(c)) {
		out[0] = (char)c;
		return 1;
	}
	out[0] = '\\';
	if (c == '\n' || c == '\r') {
		out[1] = c == '\n' ? 'n' : 'r';
		return 2;
	}
	/* Always three digits: a digit that follows stays apart. */
	out[1] = (char)('0' + (c >> 6));
	out[2] = (char)('0' + ((c >> 3) & 7));
	out[3] = (char)('0' + (c & 7));
	return 4;
}

size_t
vis_bytes(char *dst, size_t cap, const uint8_t *src, size_t len, int flags)
{
	char	one[VIS_EXPAND];
	size_t	n = 0, i, k;

	if (cap == 0)
		return 0;
	for (i = 0; i < len; i++) {
		k = render(src[i], flags, one);
		if (k > cap - 1 - n)
			break;
		memcpy(dst + n, one, k);
		n += k;
	}
	dst[n] = '\0';
	return n;
}

const char *
vis_str(char *dst, size_t cap, const char *s)
{
	vis_bytes(dst, cap, (const uint8_t *)s, strlen(s), 0);
	return dst;
}

/*
 * The length of the well-formed UTF-8 sequence at s (n bytes left) of a
 * code point from U+0080 on, its value in *cp; 0 if it is not one:
 * overlong forms, surrogates and what lies beyond U+10FFFF are not.
 */
static size_t
utf8_seq(const uint8_t *s, size_t n, uint32_t *cp)
{
	static const uint32_t	min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t			k, i;
	uint32_t		c;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		k = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		k = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		k = 4, c = s[0] & 0x07;
	else
		return 0;
	if (k > n)
		return 0;
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min[k] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return k;
}

/* The controls JSON has a short escape for, in the order of "nrtbf". */
#define JSON_SHORT	"\n\r\t\b\f"

size_t
vis_json(char *dst, size_t cap, const uint8_t *src, size_t len)
{
	static const char	hex[] = "0123456789abcdef";
	char			one[6];
	const char		*esc;
	size_t			n = 1, i, k, w;
	uint32_t		cp;

	if (cap < 3) {
		if (cap > 0)
			dst[0] = '\0';
		return 0;
	}
	dst[0] = '"';
	for (i = 0; i < len; i += k) {
		k = 1;
		cp = src[i];
		if (src[i] >= 0x80 &&
		    (k = utf8_seq(src + i, len - i, &cp)) == 0)
			k = 1;		/* not UTF-8: the byte as Latin-1 */
		if (cp == '"' || cp == '\\') {
			one[0] = '\\';
			one[1] = (char)cp;
			w = 2;
		} else if (cp != 0 && cp < 0x20 &&
		    (esc = strchr(JSON_SHORT, (int)cp)) != NULL) {
			one[0] = '\\';
			one[1] = "nrtbf"[esc - JSON_SHORT];
			w = 2;
		} else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||
		    (k == 1 && cp >= 0x80)) {
			memcpy(one, "\\u00", 4);
			one[4] = hex[cp >> 4];
			one[5] = hex[cp & 15];
			w = 6;
		} else {
			memcpy(one, src + i, k);	/* ASCII, or UTF-8 */
			w = k;
		}
		if (w > cap - 2 - n)	/* the closing quote and the NUL */
			break;
		memcpy(dst + n, one, w);
		n += w;
	}
	dst[n++] = '"';
	dst[n] = '\0';
	return n;
}
