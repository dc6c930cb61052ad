/* test_hostlog.c: appmgr/hostlog.c, a monitor's host-side log file. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
