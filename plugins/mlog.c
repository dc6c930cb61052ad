/* SPDX-License-Identifier: ISC */
/*
 * mlog.c: the monitors' logging.  A record is one line,
 *
 *   2025-11-25T08:43:12+0100 cmapp_net_mon[1234]: err: lan0 is down
 *
 * at most MLOG_LINE_MAX bytes, appended to the guest log file (always a
 * file in the guest) and the host log (a file on the VM host).  Under
 * cmappserver the host log is the pipe named by CMAPP_HOSTLOG_FD and
 * cmappmgr writes the file; run by hand, the monitor appends to the named
 * file itself.  The same record goes to syslog (daemon facility, ident the
 * command) and to stderr as "cmd: message", or, under cmappserver, as the
 * bare message, which cmappmgr relays into the package log after its own
 * "node cmd[pid]: " (mlog_stderr).  A log file that cannot be opened is warned about once and
 * done without (see open_failed).  Records above the level are dropped, except "always" ones:
 * the message that makes a monitor exit is logged whatever the level.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "logpath.h"
#include "mlog.h"

const char *
mlog_level_name(int priority)
{
	static const char *const names[] = { "emerg", "alert", "crit", "err",
	    "warning", "notice", "info", "debug" };

	return names[priority & 7];
}

int
mlog_wanted(int priority, int max, int always)
{
	return always || priority <= max;
}

/* The record's line, '\n'-terminated and NUL-terminated in buf, with
 * control characters of msg made spaces and msg cut to fit len - 1 bytes.
 * Returns the line's length. */
size_t
mlog_format(char *buf, size_t len, time_t t, const char *cmd, long pid,
    int priority, const char *msg)
{
	struct tm	 tm;
	size_t		 n = 0, i;
	int		 k;

	if (len < 2) {
		if (len == 1)
			buf[0] = '\0';
		return 0;
	}
	if (localtime_r(&t, &tm) != NULL)
		n = strftime(buf, len - 1, "%Y-%m-%dT%H:%M:%S%z ", &tm);
	k = snprintf(buf + n, len - 1 - n, "%s[%ld]: %s: ", cmd, pid,
	    mlog_level_name(priority));
	n += k < 0 ? 0 : (size_t)k;
	if (n > len - 2)
		n = len - 2;
	for (i = 0; msg[i] != '\0' && n < len - 2; i++)
		buf[n++] = ((unsigned char)msg[i] < ' ' || msg[i] == 0x7f) ?
		    ' ' : msg[i];
	buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}

/* CMAPP_HOSTLOG_FD's value: a decimal fd above stderr's. */
int
mlog_parse_fd(const char *s, int *fd)
{
	long	 v;
	char	*end;

	if (s == NULL || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end != '\0' || errno != 0 || v < 3 || v > 65535)
		return -EINVAL;
	*fd = (int)v;
	return 0;
}

static int
open_log(const char *path)
{
	int	fd;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
	    0644);
	return fd < 0 ? -errno : fd;
}

void
mlog_stderr(const char *cmd, const char *fmt, ...)
{
	va_list	ap;

	if (getenv(MLOG_HOSTFD_ENV) == NULL)
		fprintf(stderr, "%s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	putc('\n', stderr);
	fflush(stderr);
}

static int
same_file(int a, int b)
{
	struct stat	sa, sb;

	return a >= 0 && b >= 0 && fstat(a, &sa) == 0 && fstat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* A local log file that cannot be opened: said once (stderr, syslog and
 * whatever log is open), and the monitor goes on without it.  Stopping
 * for it would fail the very package the monitor guards, and the manual's
 * own service lines name /var/adm/..., which Linux guests lack.  It is
 * tried again only on SIGHUP: a record per attempt would flood syslog. */
static void
open_failed(struct mlog *L, const char *what, const char *path, int e,
    int kept)
{
	char	why[CMAPP_LOGPATH_WHY];

	mlog(L, LOG_WARNING, 1, "cannot open the %s %s: %s; monitoring goes on "
	    "%s", what, path, logpath_why(path, e, why, sizeof(why)), kept ?
	    "writing to the one opened before" : "without it");
}

/* The local files, (re)opened; the pipe is left alone.  A file that cannot
 * be opened keeps its old descriptor, if any (a rotated file is better than
 * none), and is warned about once both were tried, so that the warning
 * reaches the other one. */
static void
open_files(struct mlog *L)
{
	int	gfd = -1, hfd = -1;

	if (L->guest_path != NULL && (gfd = open_log(L->guest_path)) >= 0) {
		if (L->guest_fd >= 0)
			close(L->guest_fd);
		L->guest_fd = gfd;
	}
	if (L->host_path != NULL && !L->host_pipe &&
	    (hfd = open_log(L->host_path)) >= 0) {
		if (L->host_fd >= 0)
			close(L->host_fd);
		L->host_fd = hfd;
	}
	/* The manual's example names one path for both. */
	L->host_same = !L->host_pipe && same_file(L->guest_fd, L->host_fd);
	if (gfd < 0 && L->guest_path != NULL)
		open_failed(L, "guest log file", L->guest_path, -gfd,
		    L->guest_fd >= 0);
	if (hfd < 0 && L->host_path != NULL && !L->host_pipe)
		open_failed(L, "host log file", L->host_path, -hfd,
		    L->host_fd >= 0);
}

static int
open_pipe(struct mlog *L, const char *val, char *err, size_t errlen)
{
	int	fd, fl, rc;

	if ((rc = mlog_parse_fd(val, &fd)) < 0) {
		snprintf(err, errlen, "%s=%s: not a file descriptor number",
		    MLOG_HOSTFD_ENV, val);
		return rc;
	}
	if ((fl = fcntl(fd, F_GETFL)) < 0 || (fl & O_ACCMODE) == O_RDONLY) {
		rc = fl < 0 ? -errno : -EBADF;
		snprintf(err, errlen, "%s=%s: %s", MLOG_HOSTFD_ENV, val,
		    fl < 0 ? strerror(errno) : "not open for writing");
		return rc;
	}
	/* A full pipe must never stall the monitor: such records are
	 * counted and dropped. */
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	L->host_fd = fd;
	L->host_pipe = 1;
	return 0;
}

int
mlog_open(struct mlog *L, const char *cmd, const struct cmapp_config *cfg,
    int quiet, char *err, size_t errlen)
{
	const char	*env;
	int		 rc, fd;

	memset(L, 0, sizeof(*L));
	snprintf(L->cmd, sizeof(L->cmd), "%s", cmd);
	L->max = cfg->log_max;
	L->quiet = quiet;
	L->guest_path = cfg->guest_log;
	L->host_path = cfg->host_log;
	L->guest_fd = L->host_fd = -1;
	/* A bad pipe is cmappserver's set-up gone wrong, not a file an admin
	 * named: that one stops the start. */
	env = getenv(MLOG_HOSTFD_ENV);
	if (L->host_path != NULL && env != NULL &&
	    (rc = open_pipe(L, env, err, errlen)) < 0)
		return rc;
	/* cmappserver hands the pipe over whether or not a host log is
	 * named.  Unused, it is closed: the probe's workers would inherit it,
	 * and one stuck in a read of a hung disk would hold it for good, so
	 * that the shim reading it never saw its end. */
	if (L->host_path == NULL && env != NULL &&
	    mlog_parse_fd(env, &fd) == 0)
		close(fd);
	if (!quiet)
		slog_open(&L->sl, L->cmd);
	open_files(L);
	return 0;
}

void
mlog_reopen(struct mlog *L)
{
	L->warned = 0;
	open_files(L);
}

void
mlog_close(struct mlog *L)
{
	if (L->guest_fd >= 0)
		close(L->guest_fd);
	if (L->host_fd >= 0)
		close(L->host_fd);
	L->guest_fd = L->host_fd = -1;
	if (!L->quiet)
		slog_close(&L->sl);
}

/* Complains once per sink (bit), on stderr and syslog only. */
static void
sink_failed(struct mlog *L, int bit, const char *what, const char *path,
    int e)
{
	if (L->quiet || (L->warned & bit))
		return;
	L->warned |= bit;
	mlog_stderr(L->cmd, "cannot write the %s %s: %s", what, path,
	    strerror(e));
	slog_printf(&L->sl, LOG_WARNING, "cannot write the %s %s: %s", what,
	    path, strerror(e));
}

static void
write_host(struct mlog *L, const char *line, size_t n)
{
	char	note[128];
	int	k;

	if (L->host_dropped > 0) {
		k = snprintf(note, sizeof(note), "%s[%ld]: warning: %lu host "
		    "log records dropped: the pipe to cmappserver was full\n",
		    L->cmd, (long)getpid(), L->host_dropped);
		if (write(L->host_fd, note, (size_t)k) == k)
			L->host_dropped = 0;
	}
	if (write(L->host_fd, line, n) == (ssize_t)n)
		return;
	if (L->host_pipe && errno == EAGAIN) {
		L->host_dropped++;
		return;
	}
	sink_failed(L, 2, "host log", L->host_pipe ? MLOG_HOSTFD_ENV :
	    L->host_path, errno);
}

void
mlog(struct mlog *L, int priority, int always, const char *fmt, ...)
{
	char	msg[CMAPP_MSG_MAX + 256], line[MLOG_LINE_MAX];
	size_t	n;
	va_list	ap;

	if (!mlog_wanted(priority, L->max, always))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!L->quiet) {
		mlog_stderr(L->cmd, "%s", msg);
		slog_send(&L->sl, priority, msg);
	}
	n = mlog_format(line, sizeof(line), time(NULL), L->cmd,
	    (long)getpid(), priority, msg);
	if (L->guest_fd >= 0 && write(L->guest_fd, line, n) != (ssize_t)n)
		sink_failed(L, 1, "guest log file", L->guest_path, errno);
	if (L->host_fd >= 0 && !L->host_same)
		write_host(L, line, n);
}
