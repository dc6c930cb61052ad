/* SPDX-License-Identifier: ISC */
/*
 * log.c: the one logger of both daemons, after OpenBSD's log.c.  Messages go
 * to syslog (daemon facility) and, in the foreground, to stderr as
 * "ident[pid]: message", the form the manual's troubleshooting table shows.
 * Whatever a message carries, it stays one line of printable text: its
 * control characters go through vis.c's filter (the callers have already
 * rendered a peer's bytes with it; this is the last guard).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "vis.h"

static struct {
	const char	*ident;
	int		 to_stderr;
	int		 debug;
} L = { "cmapp", 1, 0 };

void
log_init(const char *ident, int to_stderr, int debug)
{
	L.ident = ident;
	L.to_stderr = to_stderr;
	L.debug = debug;
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_stderr(int to_stderr)
{
	L.to_stderr = to_stderr;
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
	if (pri != -1)
		syslog(pri, "%s%s%s", msg, suffix ? ": " : "",
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
