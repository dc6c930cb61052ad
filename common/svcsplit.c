/* SPDX-License-Identifier: ISC */
/*
 * svcsplit.c: -service "CMD ARG..." as one string, into the words that
 * separate arguments would have given (svcsplit.h has the rule).  A pure
 * function over bytes: the identity of a service is its exact vector, so
 * the rule is strict, and what it cannot read is refused with the reason
 * rather than guessed at.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svcsplit.h"

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int
svc_split(const char *s, size_t len, char ***out, char *why, size_t whylen)
{
	char	**v, *b;
	size_t	  i = 0, n = 0, k = 0, start, nmax;
	char	  q;

	/* Each word but the last takes a byte and a blank at least. */
	nmax = len / 2 + 2;
	if (len > SIZE_MAX / 4)
		return -ENOMEM;
	if ((v = malloc(nmax * sizeof(*v) + len + 1)) == NULL)
		return -ENOMEM;
	b = (char *)(v + nmax);
	for (;;) {
		while (i < len && is_blank(s[i]))
			i++;
		if (i == len)
			break;
		v[n++] = &b[k];
		while (i < len && !is_blank(s[i])) {
			if (s[i] == '\0') {
				snprintf(why, whylen, "a NUL byte at byte %zu",
				    i + 1);
				goto bad;
			}
			/* As in sh(1): what svc_display shows reads back. */
			if (s[i] == '\\') {
				if (++i == len) {
					snprintf(why, whylen, "a backslash at "
					    "the end: quote the word with "
					    "'...'");
					goto bad;
				}
				if (s[i] == '\0')
					continue;	/* the NUL above */
				b[k++] = s[i++];
				continue;
			}
			if (s[i] != '\'' && s[i] != '"') {
				b[k++] = s[i++];
				continue;
			}
			q = s[i];
			start = i++;
			for (; i < len && s[i] != q; i++) {
				if (s[i] == '\0') {
					snprintf(why, whylen, "a NUL byte at "
					    "byte %zu", i + 1);
					goto bad;
				}
				if (q == '"' && s[i] == '\\' && i + 1 < len &&
				    (s[i + 1] == '"' || s[i + 1] == '\\'))
					i++;
				b[k++] = s[i];
			}
			if (i == len) {
				snprintf(why, whylen, "the %c quote at byte "
				    "%zu is not closed", q, start + 1);
				goto bad;
			}
			i++;
		}
		b[k++] = '\0';
	}
	if (n == 0) {
		snprintf(why, whylen, "no command in it, only blanks");
		goto bad;
	}
	v[n] = NULL;
	*out = v;
	return 0;
bad:
	free(v);
	return -EINVAL;
}
