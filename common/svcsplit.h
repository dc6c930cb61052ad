/* SPDX-License-Identifier: ISC */
/*
 * svcsplit.h: a service command given as one string (a cluster's resource
 * parameter holds one value), split into the argument vector cmappmgr
 * sends.  One rule, documented in cmappmgr(8): words are separated by
 * blanks (space, tab); a word with blanks or quotes in it is quoted, with
 * '...' (everything literal) or "..." (where \" and \\ are a quote and a
 * backslash, and any other backslash stays).  Outside quotes a backslash
 * takes the next byte as it is.  Quoted and plain parts next to each other
 * make one word.  All as in sh(1), which also reads svc_display's lines
 * so; but nothing is expanded.
 */
#ifndef CMAPP_SVCSPLIT_H
#define CMAPP_SVCSPLIT_H

#include <stddef.h>

/*
 * Splits len bytes of s.  0 and *out a NULL-terminated vector in one
 * allocation (free(*out) frees it all); -EINVAL with the reason in why
 * (a quote not closed, a backslash at the end, a NUL byte, no word), or -ENOMEM.  The protocol's limits are the caller's to check.
 */
int	svc_split(const char *s, size_t len, char ***out, char *why,
	    size_t whylen);

#endif
