/* SPDX-License-Identifier: ISC */
/* test_slog.c: tests for common/slog.c, syslog records that never wait for
 * syslog.  A datagram socket of the test's own stands for /dev/log. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "slog.h"

static char	dir[] = "/tmp/test_slog.XXXXXX", path[64];

/* A datagram socket bound at path, as syslog's /dev/log. */
static int
listener(void)
{
	struct sockaddr_un	sa = { .sun_family = AF_UNIX };
	int			fd;

	cr_assert_lt(strlen(path), sizeof(sa.sun_path));
	strcpy(sa.sun_path, path);
	unlink(path);
	cr_assert_geq(fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0,
	    "bind %s: %s", path, strerror(errno));
	return fd;
}

/* The next record on fd, NUL-terminated; its message after "]: ". */
static const char *
next_msg(int fd, char *buf, size_t len)
{
	ssize_t		 n;
	const char	*m;

	cr_assert_gt(n = recv(fd, buf, len - 1, MSG_DONTWAIT), 0,
	    "no record: %s", strerror(errno));
	buf[n] = '\0';
	cr_assert_not_null(m = strstr(buf, "]: "), "%s", buf);
	return m + 3;
}

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/log", dir);
	setenv("TZ", "UTC", 1);
	tzset();
}

static void
teardown(void)
{
	unlink(path);
	rmdir(dir);
}

TestSuite(slog, .init = setup, .fini = teardown);

Test(slog, records_are_glibc_syslog_records)
{
	char	buf[128];
	size_t	n;

	n = slog_format(buf, sizeof(buf), LOG_ERR, 0, "cmapp_net_mon", 42,
	    "interface lo is down");
	cr_assert_str_eq(buf, "<27>Jan  1 00:00:00 cmapp_net_mon[42]: "
	    "interface lo is down");
	cr_assert_eq(n, strlen(buf));
	/* Facility daemon whatever the caller passed, day padded. */
	slog_format(buf, sizeof(buf), LOG_DAEMON | LOG_INFO, 1764979199, "s",
	    7, "m");
	cr_assert_str_eq(buf, "<30>Dec  5 23:59:59 s[7]: m");
	/* Cut to the buffer, still a string. */
	n = slog_format(buf, 12, LOG_ERR, 0, "ident", 1, "message");
	cr_assert_eq(n, 11);
	cr_assert_str_eq(buf, "<27>Jan  1 ");
}

Test(slog, a_record_reaches_the_socket)
{
	struct slog	s;
	char		buf[256];
	int		fd = listener();

	slog_open_at(&s, "cmappserver", path);
	cr_assert_geq(s.fd, 0);
	slog_printf(&s, LOG_WARNING, "run %d ended", 7);
	cr_assert_str_eq(next_msg(fd, buf, sizeof(buf)), "run 7 ended");
	cr_assert_eq(strncmp(buf, "<28>", 4), 0, "%s", buf);
	cr_assert_eq(s.dropped, 0);
	slog_close(&s);
	close(fd);
}

/* The point of the module: a syslog that does not read costs records and
 * a tenth of the time in waits, never more, and the count comes before
 * the next record through.  (The timeout: 1000 waits of 100 ms would far
 * outlast it.) */
Test(slog, a_syslog_not_reading_drops_and_counts, .timeout = 20)
{
	struct slog	s;
	char		buf[256];
	unsigned long	sent = 0, got = 0;
	int		fd = listener(), i;

	slog_open_at(&s, "cmappserver", path);
	s.wait_ms = 100;
	while (s.dropped == 0 && sent < 100000) {
		slog_send(&s, LOG_INFO, "filler");
		sent++;
	}
	cr_assert_gt(s.dropped, 0, "%lu records and none dropped", sent);
	for (i = 0; i < 1000; i++)
		slog_send(&s, LOG_INFO, "filler");
	cr_assert_eq(s.dropped, 1001);
	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		got++;
	cr_assert_eq(got, sent - 1);
	slog_send(&s, LOG_ERR, "after");
	cr_assert_str_eq(next_msg(fd, buf, sizeof(buf)),
	    "1001 syslog records dropped: syslog was not reading");
	cr_assert_eq(strncmp(buf, "<28>", 4), 0, "%s", buf);
	cr_assert_str_eq(next_msg(fd, buf, sizeof(buf)), "after");
	cr_assert_eq(s.dropped, 0);
	slog_close(&s);
	close(fd);
}

/* A syslog that reads gets every record of a burst, however short its
 * queue (10 records where systemd does not raise it): the sender waits
 * for room.  The reader is a child process. */
Test(slog, a_burst_to_a_reading_syslog_loses_nothing, .timeout = 60)
{
	enum { N = 3000 };
	struct slog	s;
	char		buf[256];
	pid_t		pid;
	int		fd = listener(), st, i, n = 0;

	cr_assert_geq(pid = fork(), 0);
	if (pid == 0) {
		/* Records lost: it ends once none came for 3 s. */
		struct timeval tv = { 3, 0 };

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		while (n < N && recv(fd, buf, sizeof(buf), 0) > 0)
			n++;
		_exit(n == N ? 0 : 1);
	}
	slog_open_at(&s, "cmappserver", path);
	s.wait_ms = 10000;	/* a loaded machine may run the reader late */
	for (i = 0; i < N; i++)
		slog_printf(&s, LOG_INFO, "record %d", i);
	cr_assert_eq(s.dropped, 0);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the reader got "
	    "fewer than %d records", N);
	slog_close(&s);
	close(fd);
}

Test(slog, a_restarted_syslog_is_reconnected)
{
	struct slog	s;
	char		buf[256];
	int		fd = listener();

	slog_open_at(&s, "x", path);
	close(fd);
	fd = listener();	/* a new socket at the same path */
	slog_send(&s, LOG_ERR, "to the new one");
	cr_assert_str_eq(next_msg(fd, buf, sizeof(buf)), "to the new one");
	cr_assert_eq(s.dropped, 0);
	slog_close(&s);
	close(fd);
}

Test(slog, no_syslog_counts_without_error)
{
	struct slog	s;
	char		buf[256];
	int		fd;

	slog_open_at(&s, "x", path);	/* nothing bound there yet */
	cr_assert_eq(s.fd, -1);
	slog_send(&s, LOG_ERR, "lost");
	cr_assert_eq(s.dropped, 1);
	fd = listener();
	slog_send(&s, LOG_ERR, "found");
	cr_assert_str_eq(next_msg(fd, buf, sizeof(buf)),
	    "1 syslog record dropped: syslog was not reading");
	cr_assert_str_eq(next_msg(fd, buf, sizeof(buf)), "found");
	slog_close(&s);
	close(fd);
}

/* An old syslogd's stream /dev/log, as glibc falls back to it: each record
 * ends with its NUL, and a stream that stops reading drops and counts as
 * a datagram one does, without blocking the sender. */
Test(slog, a_stream_syslog_gets_nul_framed_records, .timeout = 20)
{
	struct sockaddr_un	sa = { .sun_family = AF_UNIX };
	struct slog		s;
	char			buf[512], *m;
	ssize_t			n;
	unsigned long		sent = 0;
	int			lfd, fd;

	strcpy(sa.sun_path, path);
	cr_assert_geq(lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), 0);
	cr_assert_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(lfd, 1), 0);
	slog_open_at(&s, "x", path);
	cr_assert_geq(s.fd, 0);
	cr_assert_eq(s.stream, 1);
	cr_assert_geq(fd = accept(lfd, NULL, NULL), 0);
	slog_send(&s, LOG_ERR, "one");
	slog_send(&s, LOG_ERR, "two");
	cr_assert_gt(n = recv(fd, buf, sizeof(buf) - 1, 0), 0);
	buf[n] = '\0';
	cr_assert_not_null(m = strstr(buf, "]: "), "%s", buf);
	cr_assert_str_eq(m + 3, "one");
	m += strlen(m) + 1;	/* past the record's NUL */
	cr_assert_lt(m - buf, n, "one record of two came: %s", buf);
	cr_assert_not_null(m = strstr(m, "]: "));
	cr_assert_str_eq(m + 3, "two");
	cr_assert_eq((size_t)(m + 3 + 4 - buf), (size_t)n, "more than two "
	    "records, or no NUL after the second");

	s.wait_ms = 100;
	while (s.dropped == 0 && sent < 1000000) {
		slog_send(&s, LOG_INFO, "filler");
		sent++;
	}
	cr_assert_gt(s.dropped, 0, "%lu records and none dropped", sent);
	cr_assert_geq(s.fd, 0, "a full stream is not a broken one");
	slog_close(&s);
	close(fd);
	close(lfd);
}
