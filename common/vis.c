/* SPDX-License-Identifier: ISC */
/*
 * vis.c: the one filter that makes bytes from the other side harmless on a
 * terminal and in a log (see vis.h and docs/output-filter.md).  A pure
 * function over a byte buffer: every record it renders stays one line.
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
