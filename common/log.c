/* SPDX-License-Identifier: ISC */
/*
 * log.c: the one logger of both daemons, after OpenBSD's log.c.  Messages go
 * to syslog (daemon facility) and, in the foreground, to stderr as
 * "ident[pid]: message", the form the manual's troubleshooting table shows.
 * Whatever a message carries, it stays one line of printable text: its
 * control characters go through vis.c's filter (the callers have already
 * rendered a peer's bytes with it; this is the last guard).
 *
 * Where syslog cannot be reached (no /dev/log: a container, a minimal
 * image), glibc drops every message without a word; a daemon may then name
 * a file (log_set_file), which takes each message in syslog's place, one
 * line per write(2) with O_APPEND, so that a line is never torn.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "slog.h"
#include "vis.h"

static struct {
	const char	*ident;
	int		 to_stderr;
	int		 debug;
	int		 fd;		/* the file in syslog's place, or -1 */
	char		 path[PATH_MAX];
	struct slog	 sl;		/* syslog, waited for briefly */
} L = { "cmapp", 1, 0, -1, "", { .ident = "cmapp", .path = SLOG_PATH,
    .fd = -1, .wait_ms = SLOG_WAIT_MS, .allow = SLOG_WAIT_MS } };

void
log_init(const char *ident, int to_stderr, int debug)
{
	L.ident = ident;
	L.to_stderr = to_stderr;
	L.debug = debug;
	slog_close(&L.sl);
	slog_open(&L.sl, ident);
}

void
log_set_stderr(int to_stderr)
{
	L.to_stderr = to_stderr;
}

/* Whether log_init reached syslog (its connection is kept open). */
int
log_syslog_reachable(void)
{
	return L.sl.fd >= 0;
}

/*
 * Opens path for appending, root's own: not through a symbolic link, and
 * only a regular file (O_NONBLOCK: a FIFO planted there cannot hang us).
 */
static int
open_log(const char *path)
{
	struct stat	st;
	int		fd, e;

	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0640)) == -1)
		return -errno;
	e = fstat(fd, &st) == -1 ? errno : !S_ISREG(st.st_mode) ? EINVAL : 0;
	if (e != 0) {
		close(fd);
		return -e;
	}
	return fd;
}

int
log_set_file(const char *path)
{
	int	fd;

	if (strlen(path) >= sizeof(L.path))
		return -ENAMETOOLONG;
	if ((fd = open_log(path)) < 0)
		return fd;
	if (L.fd != -1)
		close(L.fd);
	L.fd = fd;
	strcpy(L.path, path);
	return 0;
}

int
log_reopen(void)
{
	int	fd;

	if (L.fd == -1)
		return 0;
	if ((fd = open_log(L.path)) < 0)
		return fd;	/* the old one goes on */
	close(L.fd);
	L.fd = fd;
	return 0;
}

/* One line to the file: "2026-12-03T14:05:09+0000 ident[pid]: msg". */
static void
file_line(const char *msg, const char *suffix)
{
	char		line[4096 + 64], when[40];
	struct tm	tm;
	time_t		now = time(NULL);
	int		n;

	if (localtime_r(&now, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z", &tm) == 0)
		strcpy(when, "-");
	n = snprintf(line, sizeof(line), "%s %s[%ld]: %s%s%s\n", when, L.ident,
	    (long)getpid(), msg, suffix ? ": " : "", suffix ? suffix : "");
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {	/* cut, but still a line */
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	/* A full disk loses the line, as syslog would. */
	(void)!write(L.fd, line, (size_t)n);
}

/* pri -1: stderr only (log_note). */
static void __attribute__((format(printf, 2, 0)))
vlog(int pri, const char *fmt, va_list ap, const char *suffix)
{
	char	raw[2048], msg[VIS_LEN(sizeof(raw))];

	if ((pri == LOG_DEBUG && !L.debug) || (pri == -1 && !L.to_stderr))
		return;
	vsnprintf(raw, sizeof(raw), fmt, ap);
	/* No slash escaping: text rendered before, and every local
	 * message, is left as it is. */
	vis_bytes(msg, sizeof(msg), (const uint8_t *)raw, strlen(raw),
	    VIS_NOSLASH);
	if (L.to_stderr) {
		fprintf(stderr, "%s[%ld]: %s%s%s\n", L.ident, (long)getpid(),
		    msg, suffix ? ": " : "", suffix ? suffix : "");
		fflush(stderr);
	}
	if (pri == -1)
		return;
	if (L.fd != -1)
		file_line(msg, suffix);
	else
		slog_printf(&L.sl, pri, "%s%s%s", msg, suffix ? ": " : "",
		    suffix ? suffix : "");
}

#define LOGFN(name, pri, witherr)				\
void								\
name(const char *fmt, ...)					\
{								\
	int	saved = errno;					\
	va_list	ap;						\
								\
	va_start(ap, fmt);					\
	vlog(pri, fmt, ap, witherr ? strerror(saved) : NULL);	\
	va_end(ap);						\
	errno = saved;						\
}

LOGFN(log_warn, LOG_WARNING, 1)
LOGFN(log_warnx, LOG_WARNING, 0)
LOGFN(log_errx, LOG_ERR, 0)
LOGFN(log_info, LOG_INFO, 0)
LOGFN(log_debug, LOG_DEBUG, 0)
LOGFN(log_note, -1, 0)

void
fatal(const char *fmt, ...)
{
	int	saved = errno;
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
