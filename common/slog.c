/* SPDX-License-Identifier: ISC */
/*
 * slog.c: syslog records that wait for syslog SLOG_WAIT_MS a second at most,
 * for every program of cmapp.  glibc's syslog(3) sends on a blocking socket:
 * once syslog stops reading (journald hung on a slow disk, or restarting)
 * and its queue is full, the caller blocks until it reads again.  A
 * cmappserver blocked so serves no manager, whose -cmappserver_timeout
 * then runs out and fails the package over; a monitor blocked so neither
 * fails nor stops.  Here a full queue is waited for, but SLOG_WAIT_MS in
 * a second at most: a syslog that reads (its queue holds 10 records where
 * systemd does not raise the sysctl net.unix.max_dgram_qlen) gets every
 * record of a burst, as it makes room in microseconds; one that stopped,
 * or reads a record now and then, costs a tenth of the time at most, and
 * the records it has no room for are dropped.
 * What was dropped is counted, and the count is sent, as a record of its
 * own, before the next record that goes through.  The records are those
 * glibc sends (daemon facility, the pid after the ident), so syslog files
 * them alike.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "slog.h"

/* Connects s to SLOG_PATH as glibc does: a datagram socket, else (an old
 * syslogd) a stream one.  0, or -1 where syslog cannot be reached. */
static int
slog_connect(struct slog *s)
{
	struct sockaddr_un	sa = { .sun_family = AF_UNIX };
	int			type;

	if (strlen(s->path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, s->path, strlen(s->path) + 1);
	for (type = SOCK_DGRAM; ; type = SOCK_STREAM) {
		s->fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (s->fd < 0)
			return -1;
		if (connect(s->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			s->stream = type == SOCK_STREAM;
			return 0;
		}
		close(s->fd);
		s->fd = -1;
		if (errno != EPROTOTYPE || type == SOCK_STREAM)
			return -1;
	}
}

void
slog_open(struct slog *s, const char *ident)
{
	slog_open_at(s, ident, SLOG_PATH);
}

void
slog_open_at(struct slog *s, const char *ident, const char *path)
{
	s->ident = ident;
	s->path = path;
	s->fd = -1;
	s->stream = 0;
	s->dropped = 0;
	s->wait_ms = SLOG_WAIT_MS;
	s->allow = s->wait_ms;
	s->last = now_ms();
	(void)slog_connect(s);
}

void
slog_close(struct slog *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

size_t
slog_format(char *buf, size_t len, int pri, long when, const char *ident,
    long pid, const char *msg)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	time_t		t = (time_t)when;
	struct tm	tm;
	int		n;

	/* The C locale's "%h %e %T", whatever the locale. */
	if (localtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	n = snprintf(buf, len, "<%d>%.3s %2d %02d:%02d:%02d %s[%ld]: %.*s",
	    LOG_DAEMON | (pri & LOG_PRIMASK), months + 3 * (tm.tm_mon % 12),
	    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ident, pid,
	    SLOG_MSG_MAX, msg);
	if (n < 0)
		return 0;
	return (size_t)n < len ? (size_t)n : len - 1;
}

/* Waits for room in syslog's queue, within what it may wait: wait_ms
 * every second, accrued as time passes (a wait included) up to wait_ms,
 * so that waits take a tenth of the time at most.  1 room (or a wait
 * cut short by a signal: send tries again), 0 none in time. */
static int
slog_wait(struct slog *s)
{
	struct pollfd	pfd = { .fd = s->fd, .events = POLLOUT };
	int64_t		t0 = now_ms(), gain;
	int		r;

	if ((gain = (t0 - s->last) * s->wait_ms / 1000) > 0) {
		s->allow = s->allow + gain < s->wait_ms ? s->allow + gain :
		    s->wait_ms;
		s->last = t0;
	}
	if (s->allow <= 0)
		return 0;
	r = poll(&pfd, 1, (int)s->allow);
	s->allow -= now_ms() - t0;
	if (r < 0)
		return errno == EINTR;
	return r > 0 && (pfd.revents & POLLOUT) != 0;
}

/* 1 sent, 0 syslog is not reading (or cannot be reached), -1 the socket
 * is broken (syslog restarted: a new one may take it). */
static int
slog_put(struct slog *s, const char *rec, size_t n)
{
	ssize_t	r;

	for (;;) {
		/* A stream record ends with its NUL, as glibc frames it. */
		r = send(s->fd, rec, n + (size_t)s->stream, MSG_DONTWAIT |
		    MSG_NOSIGNAL);
		if (r == (ssize_t)(n + (size_t)s->stream))
			return 1;
		/* ENOBUFS: the kernel is short of memory; no wait helps. */
		if (r < 0 && errno == ENOBUFS)
			return 0;
		if (r >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			break;
		if (!slog_wait(s))
			return 0;
	}
	/* Elsewhere, or part of a stream record: the framing is lost. */
	slog_close(s);
	return -1;
}

/* One record through, reconnecting once if the socket broke. */
static int
slog_record(struct slog *s, int pri, const char *msg)
{
	char	rec[SLOG_MSG_MAX + 128];
	size_t	n;
	int	r, tries;

	n = slog_format(rec, sizeof(rec), pri, (long)time(NULL), s->ident,
	    (long)getpid(), msg);
	for (tries = 0; tries < 2; tries++) {
		if (s->fd < 0 && slog_connect(s) < 0)
			return 0;
		if ((r = slog_put(s, rec, n)) >= 0)
			return r;
	}
	return 0;
}

void
slog_send(struct slog *s, int pri, const char *msg)
{
	char	note[96];

	if (s->dropped > 0) {
		snprintf(note, sizeof(note), "%lu syslog record%s dropped: "
		    "syslog was not reading", s->dropped,
		    s->dropped == 1 ? "" : "s");
		if (!slog_record(s, LOG_WARNING, note)) {
			s->dropped++;
			return;
		}
		s->dropped = 0;
	}
	if (!slog_record(s, pri, msg))
		s->dropped++;
}

void
slog_printf(struct slog *s, int pri, const char *fmt, ...)
{
	char	msg[SLOG_MSG_MAX + 1];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	slog_send(s, pri, msg);
}
