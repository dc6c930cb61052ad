/* SPDX-License-Identifier: ISC */
/*
 * outfile.c: the files an agent reads instead of cmappmgr's log text
 * (-ready_file, -exit_file).  Each holds one line and is replaced whole
 * (a temporary file in the same directory, then rename(2)), so a reader
 * sees the old file or the new one, never a part.  The line is filtered
 * here once more (vis.c, backslashes kept): what came from the guest in
 * it was rendered already, and it stays one line whatever it holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "appmgr.h"
#include "log.h"
#include "vis.h"

/* A temporary file beside path, its name in tmp: the fd, or -errno. */
static int
tmp_beside(const char *path, char *tmp, size_t cap)
{
	int	fd;

	if (snprintf(tmp, cap, "%s.XXXXXX", path) >= (int)cap)
		return -ENAMETOOLONG;
	return (fd = mkstemp(tmp)) == -1 ? -errno : fd;
}

int
outfile_write(const char *path, const char *line)
{
	static char	 shown[VIS_LEN(MGR_OUTFILE_LINE)];
	char		 tmp[PATH_MAX];
	size_t		 n;
	ssize_t		 w;
	int		 fd, e = 0;

	n = vis_bytes(shown, sizeof(shown) - 1, (const uint8_t *)line,
	    strnlen(line, MGR_OUTFILE_LINE), VIS_NOSLASH);
	shown[n++] = '\n';
	if ((fd = tmp_beside(path, tmp, sizeof(tmp))) < 0)
		return fd;
	/* Read by an agent that may run as another user; it says nothing
	 * secret.  mkstemp made it 0600. */
	if (fchmod(fd, 0644) == -1 || (w = write(fd, shown, n)) == -1)
		e = -errno;
	else if ((size_t)w != n)
		e = -EIO;	/* errno says nothing of a short write */
	if (close(fd) == -1 && e == 0)
		e = -errno;
	if (e == 0 && rename(tmp, path) == -1)
		e = -errno;
	if (e != 0)
		unlink(tmp);
	return e;
}

int
outfile_check(const char *path)
{
	char	tmp[PATH_MAX];
	int	fd;

	if ((fd = tmp_beside(path, tmp, sizeof(tmp))) < 0)
		return fd;
	close(fd);
	unlink(tmp);
	return 0;
}

/* Written at most once, by the end that came first. */
void
mgr_exit_file(struct mgr *m, const char *fmt, ...)
{
	char	line[MGR_OUTFILE_LINE];
	va_list	ap;
	int	e;

	if (m->exit_file == NULL || m->exit_written)
		return;
	m->exit_written = 1;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if ((e = outfile_write(m->exit_file, line)) != 0)
		log_warnx("cannot write the exit file %s: %s", m->exit_file,
		    strerror(-e));
}
