/* SPDX-License-Identifier: ISC */
/*
 * hostlog.c: writes a monitor's host-log records (OUTPUT stream 3) to the
 * file named on cmappmgr's own command line.  Each record is appended with
 * one write(2) so that lines from several monitors sharing a file do not
 * interleave.  A full disk or a bad path costs the log, never the
 * monitoring: the failure is logged once and the records are counted; a
 * record the disk cut short stays as written, and the next one starts a
 * line of its own (a newline first, in the same write); and
 * a path that cannot be opened is tried again at most every
 * HOSTLOG_RETRY_S seconds (a run may last months), and at once on SIGHUP.
 * The bytes come from the guest: they go through vis.c's filter (control
 * characters but tab written as \ooo escapes, docs/output-filter.md), so
 * that none acts on a terminal or log viewer on the host, and a file past
 * HOSTLOG_FILE_MAX takes no more until it is rotated or truncated.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "hostlog.h"
#include "hostlog_arg.h"
#include "log.h"
#include "logpath.h"
#include "vis.h"

static const char *
base(const char *p)
{
	const char	*s = strrchr(p, '/');

	return s != NULL ? s + 1 : p;
}

static const char *
opt_value(char *const *argv, int i, const char *name)
{
	size_t	n = strlen(name);

	if (strcmp(argv[i], name) == 0)
		return argv[i + 1];	/* NULL at the end: no value */
	if (strncmp(argv[i], name, n) == 0 && argv[i][n] == '=')
		return argv[i] + n + 1;
	return NULL;
}

/*
 * The monitors' own spellings come from common/hostlog_arg.c, which is
 * held to their parsers by tests; any other command may name a host log
 * with --host_logfile F or --host_logfile=F.
 */
const char *
hostlog_path(char *const *argv)
{
	const char	*b, *v, *path = NULL;
	int		 i;

	if (argv == NULL || argv[0] == NULL)
		return NULL;
	if ((path = hostlog_arg(argv)) != NULL)
		return path;
	b = base(argv[0]);
	if (strncmp(b, "cmapp_net_mon", 13) == 0 ||
	    strncmp(b, "cmapp_disk_mon", 14) == 0)
		return NULL;
	for (i = 1; argv[i] != NULL; i++) {
		if ((v = opt_value(argv, i, "--host_logfile")) == NULL)
			continue;
		path = v;
		if (v == argv[i + 1])
			i++;
	}
	return path != NULL && path[0] != '\0' ? path : NULL;
}

void
hostlog_init(struct hostlog *h, const char *path)
{
	memset(h, 0, sizeof(*h));
	h->path = path;
	h->fd = -1;
	h->retry_s = HOSTLOG_RETRY_S;
	h->size_max = HOSTLOG_FILE_MAX;
}

/*
 * Whether the regular file just opened on h->fd ends inside a record (cut
 * by a full disk, before a SIGHUP or cmappmgr's restart): read through a
 * descriptor of its own, as h->fd is write-only; 0 if it cannot be read.
 */
static int
ends_cut(struct hostlog *h)
{
	struct stat	st, rst;
	char		c;
	int		fd, cut = 0;

	if (fstat(h->fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size == 0 ||
	    (fd = open(h->path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return 0;
	if (fstat(fd, &rst) == 0 && rst.st_dev == st.st_dev &&
	    rst.st_ino == st.st_ino && rst.st_size > 0 &&
	    pread(fd, &c, 1, rst.st_size - 1) == 1)
		cut = c != '\n';
	close(fd);
	return cut;
}

/* 0 with h->fd open, or -1: not now, or open() failed (logged once). */
static int
open_file(struct hostlog *h)
{
	uint64_t	now = now_ms();
	char		why[CMAPP_LOGPATH_WHY];

	if (h->fd != -1)
		return 0;
	if (now < h->retry_at)
		return -1;
	h->fd = open(h->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOCTTY, 0644);
	if (h->fd != -1) {
		h->cut = ends_cut(h);
		return 0;
	}
	if (!h->warned)
		log_warnx("cannot open the host log %s: %s; its records are "
		    "dropped, and it is tried again every %u s and on SIGHUP",
		    h->path, logpath_why(h->path, errno, why, sizeof(why)),
		    h->retry_s);
	h->warned = 1;
	h->retry_at = now + (uint64_t)h->retry_s * 1000;
	return -1;
}

/* The file has no room for n more bytes (a regular file only: not
 * /dev/full, a FIFO or a terminal). */
static int
over_limit(struct hostlog *h, size_t n)
{
	struct stat	st;

	if (fstat(h->fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size + n <= h->size_max)
		return 0;
	if (!h->full)
		log_warnx("the host log %s has reached its limit of %llu bytes; "
		    "its records are dropped until it is rotated (then SIGHUP "
		    "cmappmgr) or truncated", h->path,
		    (unsigned long long)h->size_max);
	h->full = 1;
	return 1;
}

/*
 * Writes n bytes; a short write (the disk filled up in the middle) is
 * followed by one for the rest, whose error, if it fails too, is the
 * reason.  The bytes written, errno set when fewer than n.
 */
static size_t
write_out(int fd, const char *p, size_t n)
{
	size_t	done = 0;
	ssize_t	r;

	while (done < n) {
		if ((r = write(fd, p + done, n - done)) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (r == 0) {
			errno = ENOSPC;
			break;
		}
		done += (size_t)r;
	}
	return done;
}

static void
put(struct hostlog *h)
{
	/* A newline before (a record cut short), the record rendered, its
	 * newline and vis_bytes's NUL. */
	char	out[1 + VIS_LEN(HOSTLOG_LINE_MAX) + 1];
	size_t	n, done, cut;

	if (open_file(h) == -1) {
		h->dropped++;
		h->len = 0;
		return;
	}
	/* A record cut short before gets its line ended first. */
	cut = h->cut ? 1 : 0;
	out[0] = '\n';
	n = cut + vis_bytes(out + cut, sizeof(out) - cut - 1,
	    (const uint8_t *)h->buf, h->len, 0);
	out[n++] = '\n';
	if (over_limit(h, n)) {
		h->dropped++;
		h->len = 0;
		return;
	}
	done = write_out(h->fd, out, n);
	if (done > 0)
		h->cut = done > cut && done < n;
	if (done < n) {
		if (!h->warned)
			log_warn("cannot write the host log %s; monitoring "
			    "goes on", h->path);
		h->warned = 1;
		h->dropped++;
	} else if (h->warned || h->full) {
		log_info("the host log %s is writable again (%llu records "
		    "lost)", h->path, (unsigned long long)h->dropped);
		h->warned = h->full = 0;
	}
	h->len = 0;
}

void
hostlog_feed(struct hostlog *h, const uint8_t *p, size_t n)
{
	size_t	i;

	if (h->path == NULL) {
		h->dropped += n > 0;
		return;
	}
	for (i = 0; i < n; i++) {
		if (p[i] == '\n') {
			put(h);
			continue;
		}
		if (h->len == sizeof(h->buf) - 1)
			put(h);
		h->buf[h->len++] = (char)p[i];
	}
}

void
hostlog_reopen(struct hostlog *h)
{
	int	was;

	if (h->path == NULL) {
		log_debug("SIGHUP: no host log to reopen");
		return;
	}
	if (h->fd != -1)
		close(h->fd);
	h->fd = -1;
	h->retry_at = 0;
	/* Said again if it still fails: the admin asked. */
	was = h->warned;
	h->warned = 0;
	if (open_file(h) == -1)
		return;
	if (was)
		log_info("SIGHUP: reopened the host log %s (%llu records lost "
		    "before)", h->path, (unsigned long long)h->dropped);
	else
		log_info("SIGHUP: reopened the host log %s", h->path);
}

void
hostlog_close(struct hostlog *h)
{
	if (h->path != NULL && h->len > 0)
		put(h);
	if (h->fd != -1)
		close(h->fd);
	h->fd = -1;
}
