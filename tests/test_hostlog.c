/* SPDX-License-Identifier: ISC */
/* test_hostlog.c: appmgr/hostlog.c, a monitor's host-side log file. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../appmgr/hostlog.h"

static const char *
path_of(const char *a0, const char *a1, const char *a2, const char *a3)
{
	static char	*argv[5];

	argv[0] = (char *)a0;
	argv[1] = (char *)a1;
	argv[2] = (char *)a2;
	argv[3] = (char *)a3;
	argv[4] = NULL;
	return hostlog_path(argv);
}

Test(hostlog, net_mon_option)
{
	cr_expect_str_eq(path_of("/opt/hp/cmappserver/cmapp_net_mon.pl",
	    "--host_logfile", "/var/log/h", NULL), "/var/log/h");
	cr_expect_str_eq(path_of("cmapp_net_mon", "--host_logfile",
	    "/var/log/net.log", "--lan"), "/var/log/net.log");
	cr_expect_str_eq(path_of("cmapp_net_mon", "--host_logfile=/a/b",
	    NULL, NULL), "/a/b");
	/* A missing value names no file. */
	cr_expect_null(path_of("cmapp_net_mon", "--lan", "eth0",
	    "--host_logfile"));
	cr_expect_null(path_of("cmapp_net_mon", "--host_logfile=", NULL,
	    NULL));
}

Test(hostlog, disk_mon_options_only_for_disk_mon)
{
	cr_expect_str_eq(path_of("/opt/hp/cmappserver/cmapp_disk_mon", "-O",
	    "/var/log/disk.log", "/dev/sdb"), "/var/log/disk.log");
	cr_expect_str_eq(path_of("cmapp_disk_mon", "-O/x", "/dev/sdb", NULL),
	    "/x");
	cr_expect_str_eq(path_of("cmapp_disk_mon", "--log-file", "/y",
	    "/dev/sdb"), "/y");
	cr_expect_str_eq(path_of("cmapp_disk_mon", "--log-file=/z",
	    "/dev/sdb", NULL), "/z");
	/* The manual's own spellings. */
	cr_expect_str_eq(path_of("cmapp_disk_mon", "--log_file", "/m",
	    "/dev/sdb"), "/m");
	cr_expect_str_eq(path_of("cmapp_disk_mon", "\xe2\x80\x93log_file",
	    "/t", "/dev/sdb"), "/t");
	cr_expect_str_eq(path_of("cmapp_net_mon.pl", "-host_logfile", "/n",
	    NULL), "/n");
	/* A monitor's other options are not taken for it. */
	cr_expect_null(path_of("cmapp_net_mon", "--guest_logfile", "/g",
	    NULL));
	/* -O means something else to other commands. */
	cr_expect_null(path_of("/usr/bin/gcc", "-O", "/tmp/x", NULL));
	cr_expect_null(path_of("/bin/app", "--log-file", "/tmp/x", NULL));
	cr_expect_null(path_of("/bin/app", NULL, NULL, NULL));
	cr_expect_null(hostlog_path(NULL));
}

Test(hostlog, records_are_lines_in_the_file)
{
	char		 path[] = "/tmp/test_hostlog.XXXXXX", buf[256];
	struct hostlog	 h;
	FILE		*f;
	size_t		 n;
	int		 fd;

	cr_assert_neq(fd = mkstemp(path), -1);
	close(fd);
	hostlog_init(&h, path);
	hostlog_feed(&h, (const uint8_t *)"one\ntw", 6);
	hostlog_feed(&h, (const uint8_t *)"o\nthree", 7);
	hostlog_close(&h);
	cr_assert_not_null(f = fopen(path, "r"));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(path);
	cr_expect_str_eq(buf, "one\ntwo\nthree\n");
}

Test(hostlog, unwritable_path_is_not_fatal)
{
	struct hostlog	h;

	hostlog_init(&h, "/nonexistent-dir/host.log");
	hostlog_feed(&h, (const uint8_t *)"a\nb\n", 4);
	hostlog_close(&h);
	cr_expect_eq(h.dropped, 2);
	cr_expect_eq(h.warned, 1);
}

Test(hostlog, no_path_discards)
{
	struct hostlog	h;

	hostlog_init(&h, NULL);
	hostlog_feed(&h, (const uint8_t *)"a\n", 2);
	hostlog_close(&h);
	cr_expect_eq(h.dropped, 1);
	cr_expect_eq(h.fd, -1);
}

static char	dir[64];

static void
mkdir_tmp(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_hostlog.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	cr_redirect_stderr();
}

static void
rm_tmp(void)
{
	char	cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		cr_log_warn("cannot remove %s", dir);
}

/* The whole file ("" when missing). */
static const char *
slurp(const char *path)
{
	static char	 buf[4096];
	FILE		*f = fopen(path, "r");
	size_t		 n = 0;

	if (f != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

/* What cmappmgr said on stderr so far (read from a pipe: what is read
 * is kept). */
static const char *
said(void)
{
	static char	 buf[8192];
	static size_t	 len;
	FILE		*f = cr_get_redirected_stderr();
	int		 fd = fileno(f), fl;
	ssize_t		 n;

	fflush(stderr);
	fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	while (len < sizeof(buf) - 1 &&
	    (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	fcntl(fd, F_SETFL, fl);
	buf[len] = '\0';
	return buf;
}

static void
feed(struct hostlog *h, const char *s)
{
	hostlog_feed(h, (const uint8_t *)s, strlen(s));
}

/* The guest chooses these bytes: none may act on a terminal or a log
 * viewer on the host (vis.c's escapes, C1 included).  Tabs and UTF-8
 * stay. */
Test(hostlog, control_characters_are_written_as_escapes,
    .init = mkdir_tmp, .fini = rm_tmp)
{
	struct hostlog	h;
	char		path[128];

	snprintf(path, sizeof(path), "%s/h.log", dir);
	hostlog_init(&h, path);
	feed(&h, "a\x1b[2Jb\tc\r\x7f\x01\x9b\\\xc3\xa9\nnext\n");
	hostlog_close(&h);
	cr_assert_str_eq(slurp(path),
	    "a\\033[2Jb\tc\\r\\177\\001\\233\\\\\xc3\xa9\nnext\n");
}

/* A record of control characters only, at the longest: rendered whole,
 * one line. */
Test(hostlog, longest_record_of_escapes_stays_one_line,
    .init = mkdir_tmp, .fini = rm_tmp)
{
	struct hostlog	h;
	char		path[128];
	const char	*got;
	uint8_t		rec[HOSTLOG_LINE_MAX - 1];
	size_t		i;

	snprintf(path, sizeof(path), "%s/h.log", dir);
	hostlog_init(&h, path);
	memset(rec, 0x9b, sizeof(rec));
	hostlog_feed(&h, rec, sizeof(rec));
	hostlog_feed(&h, (const uint8_t *)"\n", 1);
	hostlog_close(&h);
	got = slurp(path);
	cr_assert_eq(strlen(got), 4 * sizeof(rec) + 1);
	for (i = 0; i < sizeof(rec); i++)
		cr_assert(memcmp(got + 4 * i, "\\233", 4) == 0);
	cr_assert_eq(got[4 * sizeof(rec)], '\n');
}

/* A path that cannot be opened (its directory not mounted yet) is tried
 * again now and then, not given up for a run that may last months, nor
 * tried for every record. */
Test(hostlog, an_unwritable_path_is_tried_again_later, .init = mkdir_tmp,
    .fini = rm_tmp, .timeout = 10)
{
	struct hostlog	h;
	char		sub[96], path[128];
	struct timespec	ts = { 1, 200 * 1000 * 1000 };

	snprintf(sub, sizeof(sub), "%s/sub", dir);
	snprintf(path, sizeof(path), "%s/h.log", sub);
	hostlog_init(&h, path);
	cr_assert_eq(h.retry_s, HOSTLOG_RETRY_S);
	cr_assert_eq(HOSTLOG_RETRY_S, 60);
	h.retry_s = 1;
	feed(&h, "lost 1\n");
	cr_assert_eq(mkdir(sub, 0755), 0);
	feed(&h, "lost 2\n");
	cr_assert_str_eq(slurp(path), "", "tried again before retry_s");
	nanosleep(&ts, NULL);
	feed(&h, "kept\n");
	hostlog_close(&h);
	cr_assert_str_eq(slurp(path), "kept\n");
	cr_assert_eq(h.dropped, 2);
	cr_assert(strstr(said(), "cannot open the host log "), "%s", said());
	cr_assert(strstr(said(), "h.log is writable again (2 records lost)"),
	    "%s", said());
}

/* logrotate moves the file away and sends SIGHUP: the records go to a
 * new file of the name, and a path that failed is tried at once. */
Test(hostlog, reopen_starts_a_new_file, .init = mkdir_tmp, .fini = rm_tmp)
{
	struct hostlog	h;
	char		path[128], old[140], sub[96], path2[128];

	snprintf(path, sizeof(path), "%s/h.log", dir);
	snprintf(old, sizeof(old), "%s.1", path);
	hostlog_init(&h, path);
	feed(&h, "one\n");
	cr_assert_eq(rename(path, old), 0);
	feed(&h, "two\n");
	hostlog_reopen(&h);
	feed(&h, "three\n");
	hostlog_close(&h);
	cr_assert_str_eq(slurp(old), "one\ntwo\n");
	cr_assert_str_eq(slurp(path), "three\n");

	snprintf(sub, sizeof(sub), "%s/sub", dir);
	snprintf(path2, sizeof(path2), "%s/h.log", sub);
	hostlog_init(&h, path2);
	feed(&h, "lost\n");
	cr_assert_eq(mkdir(sub, 0755), 0);
	hostlog_reopen(&h);
	feed(&h, "kept\n");
	hostlog_close(&h);
	cr_assert_str_eq(slurp(path2), "kept\n");
}

/* The guest chooses how much: past size_max the records are dropped,
 * said once, until the file is rotated or truncated. */
Test(hostlog, a_full_file_takes_no_more, .init = mkdir_tmp, .fini = rm_tmp)
{
	struct hostlog	h;
	char		path[128];
	int		i;

	snprintf(path, sizeof(path), "%s/h.log", dir);
	hostlog_init(&h, path);
	cr_assert_eq(h.size_max, HOSTLOG_FILE_MAX);
	h.size_max = 10;
	feed(&h, "12345\n");
	for (i = 0; i < 3; i++)
		feed(&h, "67890\n");
	cr_assert_str_eq(slurp(path), "12345\n");
	cr_assert_eq(h.dropped, 3);
	cr_assert_eq(truncate(path, 0), 0);
	feed(&h, "again\n");
	hostlog_close(&h);
	cr_assert_str_eq(slurp(path), "again\n");
	cr_assert(strstr(said(), "h.log has reached its limit of 10 bytes"),
	    "%s", said());
	cr_assert_eq(strstr(strstr(said(), "its limit") + 1, "its limit"), NULL,
	    "said more than once: %s", said());
	cr_assert(strstr(said(), "h.log is writable again (3 records lost)"),
	    "%s", said());
}

/*
 * A file system that fills up in the middle of a record (here the file
 * size limit, RLIMIT_FSIZE, cuts the write short as a full disk does):
 * what was written stays, and the next record written once there is room
 * again starts a line of its own.  The warning names the error.
 */
Test(hostlog, a_record_cut_by_a_full_disk_ends_its_line, .init = mkdir_tmp,
    .fini = rm_tmp)
{
	struct hostlog	h;
	struct rlimit	rl, small;
	char		path[128];

	signal(SIGXFSZ, SIG_IGN);	/* EFBIG instead */
	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &rl), 0);
	small = rl;
	small.rlim_cur = 10;
	snprintf(path, sizeof(path), "%s/h.log", dir);
	hostlog_init(&h, path);
	feed(&h, "first\n");
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
	feed(&h, "second\n");	/* 4 of its 7 bytes fit */
	feed(&h, "third\n");	/* none */
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	feed(&h, "fourth\n");
	feed(&h, "fifth\n");
	hostlog_close(&h);
	cr_assert_str_eq(slurp(path), "first\nseco\nfourth\nfifth\n");
	cr_assert_eq(h.dropped, 2);
	cr_assert(strstr(said(), "h.log; monitoring goes on: File too large"),
	    "%s", said());
	cr_assert(strstr(said(), "h.log is writable again (2 records lost)"),
	    "%s", said());
}

/* A file that already ends inside a record (cut by a full disk before a
 * restart, or reopened on SIGHUP) gets its line ended first too. */
Test(hostlog, a_file_ending_in_a_cut_record_gets_its_line_ended,
    .init = mkdir_tmp, .fini = rm_tmp)
{
	struct hostlog	h;
	char		path[128];
	FILE		*f;

	snprintf(path, sizeof(path), "%s/h.log", dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs("old\ncu", f);
	fclose(f);
	hostlog_init(&h, path);
	feed(&h, "new\n");
	hostlog_reopen(&h);
	feed(&h, "newer\n");
	hostlog_close(&h);
	cr_assert_str_eq(slurp(path), "old\ncu\nnew\nnewer\n");
}
