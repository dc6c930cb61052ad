/* SPDX-License-Identifier: ISC */
/*
 * readfile.c: reads a conf or key file whole.  One byte more than allowed
 * is read, to tell a file that grew past the limit after fstat; what was
 * read is wiped on failure, since key files hold secrets.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "readfile.h"

int
readfile(const char *path, size_t max, int flags, char **bufp, size_t *lenp,
    struct stat *st)
{
	char	*buf = NULL;
	size_t	 len = 0;
	ssize_t	 n;
	int	 fd, r = 0;

	/* O_NONBLOCK: a FIFO is refused below instead of waited on. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    (flags & READFILE_REGULAR ? O_NONBLOCK : 0))) == -1)
		return -errno;
	if (fstat(fd, st) == -1)
		r = -errno;
	else if (S_ISDIR(st->st_mode) || (flags & READFILE_REGULAR &&
	    !S_ISREG(st->st_mode)))
		r = -EISDIR;
	else if (S_ISREG(st->st_mode) && (size_t)st->st_size > max)
		r = -EFBIG;
	else if ((buf = malloc(max + 2)) == NULL)
		r = -ENOMEM;
	if (r != 0) {
		close(fd);
		return r;
	}
	while (len < max + 1) {
		if ((n = read(fd, buf + len, max + 1 - len)) == -1 &&
		    errno == EINTR)
			continue;
		if (n == -1) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (r == 0 && len > max)
		r = -EFBIG;
	if (r != 0) {
		explicit_bzero(buf, len);
		free(buf);
		return r;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
}
