/* SPDX-License-Identifier: ISC */
/*
 * readfile.h: reading a small file whole (a conf file, a key file), with
 * its size checked against the caller's limit before and while reading.
 */
#ifndef CMAPP_READFILE_H
#define CMAPP_READFILE_H

#include <stddef.h>
#include <sys/stat.h>

#define READFILE_REGULAR	1	/* refuse FIFOs, devices, ... too */

/*
 * 0 with a malloc'd *bufp of *lenp bytes (NUL-terminated, so a parser may
 * take it as a string) and the file's *st; or -errno: -EISDIR for a
 * directory (or, with READFILE_REGULAR, any file that is not regular),
 * -EFBIG past max bytes.
 */
int	readfile(const char *path, size_t max, int flags, char **bufp,
	    size_t *lenp, struct stat *st);

#endif
