/* SPDX-License-Identifier: ISC */
/*
 * test_disk_probe.c: tests for the disk probe (build/plugins/disk.so,
 * loaded through the runner's loader): its command line, the manual's
 * service line among them, and its steps on files standing in for disks
 * (block devices, I/O errors and hangs are in tests/e2e/31_* and 32_*).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "../plugins/runner.h"
#include "argvfix.h"

struct parsed {
	const struct cmapp_probe	*p;
	struct cmapp_config		 cfg;
	struct cmapp_result		 r;
	void				*state;
	unsigned			 n;
};

static const struct cmapp_probe *
disk_probe(void)
{
	const struct cmapp_probe	*p;
	char				 exe[PATH_MAX], path[PATH_MAX + 32];
	char				 err[PATH_MAX + 256];
	ssize_t				 n;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	cr_assert_gt(n, 0);
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	snprintf(path, sizeof(path), "%s/../plugins/disk.so", exe);
	cr_assert_eq(runner_load(path, &p, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(p->name, "disk");
	return p;
}

static struct parsed
parse(char **argv)
{
	struct parsed	x;
	int		argc = 0;

	memset(&x, 0, sizeof(x));
	x.p = disk_probe();
	while (argv[argc] != NULL)
		argc++;
	x.p->parse_args(argc, argv, &x.cfg, &x.state, &x.r);
	return x;
}

static void
done(struct parsed *x)
{
	x->p->fini(x->state);
}

static char dir[64];

static void
mkdir_tmp(void)
{
	snprintf(dir, sizeof(dir), "/tmp/cmapp-disk.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void
rm_tmp(void)
{
	char	cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (dir[0] != '\0' && system(cmd) != 0)
		cr_log_warn("cannot remove %s", dir);
}

/* DIR/NAME of SIZE bytes; its path. */
static char *
mkfile(const char *name, off_t size)
{
	static char	path[128];
	int		fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	cr_assert_geq(fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644), 0);
	cr_assert_eq(ftruncate(fd, size), 0);
	close(fd);
	return path;
}

/* Parses "cmapp_disk_mon -t 1 PATH" and inits it. */
static struct parsed
start(const char *path)
{
	char		**argv = ARGV("cmapp_disk_mon", "-t", "1", path);
	struct parsed	 x = parse(argv);

	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	x.p->init(x.state, &x.n, &x.r);
	return x;
}

Test(disk_probe, defaults)
{
	char		**argv = ARGV("cmapp_disk_mon", "/dev/sdb");
	struct parsed	 x = parse(argv);

	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	cr_assert_eq(x.cfg.interval_ms, 60000);
	cr_assert_eq(x.cfg.timeout_ms, 10000);
	cr_assert_eq(x.cfg.log_max, 0);
	cr_assert_null(x.cfg.host_log);
	cr_assert_null(x.cfg.guest_log);
	done(&x);
}

/* As the manual prints it: disks first, --log_level, and an en dash
 * where "--log_file" was meant. */
Test(disk_probe, the_manuals_service_line)
{
	char		**argv = ARGV("/opt/hp/cmappserver/cmapp_disk_mon",
	    "/dev/disk/disk12", "/dev/rdisk/disk13", "/dev/disk/disk14",
	    "--log_level", "3", "\xe2\x80\x93log_file",
	    "/var/adm/vm1_npiv_disk_mon.log");
	struct parsed	 x = parse(argv);

	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	cr_assert_eq(x.cfg.log_max, 3);
	cr_assert_str_eq(x.cfg.host_log, "/var/adm/vm1_npiv_disk_mon.log");
	cr_assert_str_eq(x.p->target(x.state, 0), "/dev/disk/disk12");
	cr_assert_str_eq(x.p->target(x.state, 2), "/dev/disk/disk14");
	done(&x);
}

/* cmappserver passes its environment on: with POSIXLY_CORRECT there,
 * getopt would stop at the first disk and take the manual's options after
 * the disks for more disks. */
Test(disk_probe, the_manuals_line_under_posixly_correct)
{
	char		**argv = ARGV("/opt/hp/cmappserver/cmapp_disk_mon",
	    "/dev/disk/disk12", "/dev/rdisk/disk13", "--log_level", "3",
	    "/dev/disk/disk14", "\xe2\x80\x93log_file",
	    "/var/adm/vm1_npiv_disk_mon.log", "-t", "5", "--", "-odd-name");
	struct parsed	 x;

	setenv("POSIXLY_CORRECT", "1", 1);
	x = parse(argv);
	unsetenv("POSIXLY_CORRECT");
	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	cr_assert_eq(x.cfg.log_max, 3);
	cr_assert_eq(x.cfg.interval_ms, 5000);
	cr_assert_str_eq(x.cfg.host_log, "/var/adm/vm1_npiv_disk_mon.log");
	x.p->init(x.state, &x.n, &x.r);
	cr_assert_eq(x.n, 4, "%s", x.r.msg);
	cr_assert_str_eq(x.p->target(x.state, 0), "/dev/disk/disk12");
	cr_assert_str_eq(x.p->target(x.state, 1), "/dev/rdisk/disk13");
	cr_assert_str_eq(x.p->target(x.state, 2), "/dev/disk/disk14");
	cr_assert_str_eq(x.p->target(x.state, 3), "-odd-name");
	done(&x);
}

Test(disk_probe, short_and_long_options)
{
	char		**a1 = ARGV("cmapp_disk_mon", "-O", "/h.log", "-D", "7",
	    "-t", "5", "/dev/sdb");
	char		**a2 = ARGV("cmapp_disk_mon", "--log-file=/h.log",
	    "--log-level", "0", "--poll-interval", "30", "/dev/sdb");
	char		**a3 = ARGV("cmapp_disk_mon", "--poll_interval", "1",
	    "/dev/sdb");
	struct parsed	 x;

	x = parse(a1);
	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	cr_assert_eq(x.cfg.log_max, 7);
	cr_assert_eq(x.cfg.interval_ms, 5000);
	cr_assert_eq(x.cfg.timeout_ms, 5000, "the bound: min(interval, 10)");
	cr_assert_str_eq(x.cfg.host_log, "/h.log");
	done(&x);
	x = parse(a2);
	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	cr_assert_eq(x.cfg.interval_ms, 30000);
	cr_assert_eq(x.cfg.timeout_ms, 10000);
	done(&x);
	x = parse(a3);
	cr_assert_eq(x.cfg.interval_ms, 1000);
	done(&x);
}

/* A SAN path failover can take 30 s and more: --io-timeout (long form
 * only) sets the bound, the manual's options untouched. */
Test(disk_probe, io_timeout)
{
	char		**a1 = ARGV("cmapp_disk_mon", "-t", "5", "--io-timeout",
	    "30", "/dev/sdb");
	char		**a2 = ARGV("cmapp_disk_mon", "/dev/sdb", "--io-timeout=45",
	    "--log_level", "3", "\xe2\x80\x93log_file", "/h.log");
	char		**a3 = ARGV("cmapp_disk_mon", "--io_timeout", "2",
	    "/dev/sdb");
	struct parsed	 x;

	x = parse(a1);
	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	cr_assert_eq(x.cfg.interval_ms, 5000);
	cr_assert_eq(x.cfg.timeout_ms, 30000, "longer than the poll is fine");
	done(&x);
	x = parse(a2);
	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	cr_assert_eq(x.cfg.interval_ms, 60000);
	cr_assert_eq(x.cfg.timeout_ms, 45000);
	cr_assert_eq(x.cfg.log_max, 3);
	cr_assert_str_eq(x.cfg.host_log, "/h.log");
	done(&x);
	x = parse(a3);
	cr_assert_eq(x.cfg.timeout_ms, 2000, "%s", x.r.msg);
	done(&x);
}

Test(disk_probe, help_and_version)
{
	char		**a1 = ARGV("cmapp_disk_mon", "-h");
	char		**a2 = ARGV("cmapp_disk_mon", "--version");
	char		**a3 = ARGV("cmapp_disk_mon", "/dev/sdb", "-v");
	struct parsed	 x;

	x = parse(a1);
	cr_assert_eq(x.r.status, CMAPP_SHOW_HELP);
	done(&x);
	x = parse(a2);
	cr_assert_eq(x.r.status, CMAPP_SHOW_VERSION);
	done(&x);
	x = parse(a3);
	cr_assert_eq(x.r.status, CMAPP_SHOW_VERSION);
	done(&x);
}

Test(disk_probe, usage_errors)
{
	const char	*cases[][3] = {
		{ "-t", "0", "/dev/sdb" }, { "-t", "-5", "/dev/sdb" },
		{ "-t", "1m", "/dev/sdb" }, { "-D", "8", "/dev/sdb" },
		{ "-D", "x", "/dev/sdb" }, { "-x", "/dev/sdb", NULL },
		{ "--bogus", "/dev/sdb", NULL }, { "-O", NULL, NULL },
		{ "-D", "3", NULL }, { "--log-f", "/h", "/dev/sdb" },
		{ "--poll", "5", "/dev/sdb" }, { "-O", "", "/dev/sdb" },
		{ "--log-file=", "/dev/sdb", NULL },
		{ "--io-timeout", "0", "/dev/sdb" },
		{ "--io-timeout", "3601", "/dev/sdb" },
		{ "--io-timeout", "1m", "/dev/sdb" },
		{ "--io-time", "5", "/dev/sdb" },
		{ "--io-timeout", NULL, NULL },
	};
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char		**argv = ARGV("cmapp_disk_mon",
		    cases[i][0], cases[i][1],
		    cases[i][2]);
		struct parsed	 x = parse(argv);

		cr_assert_eq(x.r.status, CMAPP_USAGE, "case %zu: %s", i,
		    x.r.msg);
		cr_assert_neq(x.r.msg[0], '\0');
		done(&x);
	}
}

Test(disk_probe, messages_of_usage_errors)
{
	char		**a1 = ARGV("cmapp_disk_mon");
	char		**a2 = ARGV("cmapp_disk_mon", "-t", "0", "/d");
	char		**a3 = ARGV("cmapp_disk_mon", "/d", "-O");
	struct parsed	 x;

	x = parse(a1);
	cr_assert_str_eq(x.r.msg, "no DISK to monitor");
	done(&x);
	x = parse(a2);
	cr_assert_str_eq(x.r.msg, "-t/--poll-interval takes a whole number of "
	    "seconds from 1 to 86400, not \"0\"");
	done(&x);
	x = parse(a3);
	cr_assert_str_eq(x.r.msg, "-O needs a value");
	done(&x);
	{
		char	**a4 = ARGV("cmapp_disk_mon", "--io-timeout", "0", "/d");

		x = parse(a4);
		cr_assert_str_eq(x.r.msg, "--io-timeout takes a whole number "
		    "of seconds from 1 to 3600, not \"0\"");
		done(&x);
	}
}

Test(disk_probe, a_healthy_disk, .init = mkdir_tmp, .fini = rm_tmp)
{
	/* Not a whole number of blocks: the last read is short on purpose. */
	struct parsed	x = start(mkfile("disk", 3 * 4096 + 100));

	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	cr_assert_eq(x.n, 1);
	x.p->step(x.state, 0, &x.r);
	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	cr_assert_eq(x.r.priority, LOG_DEBUG);
	cr_assert(strstr(x.r.msg, "read the blocks at 0 and 12288 of 12388 "
	    "bytes in "), "%s", x.r.msg);
	done(&x);
}

/* Init touches no disk (it runs before any worker, with no bound): a
 * missing disk starts, then is refused at its first step as a wrong
 * argument (status 2), naming it. */
Test(disk_probe, a_missing_disk_is_a_usage_error_at_the_first_step,
    .init = mkdir_tmp, .fini = rm_tmp)
{
	char		path[128];
	struct parsed	x;

	snprintf(path, sizeof(path), "%s/gone", dir);
	x = start(path);
	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	cr_assert_eq(x.n, 1);
	x.p->step(x.state, 0, &x.r);
	cr_assert_eq(x.r.status, CMAPP_USAGE);
	cr_assert_str_eq(x.r.msg, strcat(path, ": no such disk (No such file "
	    "or directory at start: a wrong DISK argument)"));
	done(&x);
}

/* Seen once, then gone: the disk failed (status 1). */
Test(disk_probe, a_disk_gone_later_fails, .init = mkdir_tmp, .fini = rm_tmp)
{
	const char	*path = mkfile("later", 8192);
	struct parsed	x = start(path);
	char		want[192];

	x.p->step(x.state, 0, &x.r);
	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	cr_assert_eq(unlink(path), 0);
	x.p->step(x.state, 0, &x.r);
	cr_assert_eq(x.r.status, CMAPP_FAIL, "%s", x.r.msg);
	snprintf(want, sizeof(want), "%s: cannot open it: No such file or "
	    "directory", path);
	cr_assert_str_eq(x.r.msg, want);
	done(&x);
}

Test(disk_probe, an_empty_disk_fails_at_the_first_step, .init = mkdir_tmp,
    .fini = rm_tmp)
{
	struct parsed	x = start(mkfile("empty", 0));

	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	x.p->step(x.state, 0, &x.r);
	cr_assert_eq(x.r.status, CMAPP_FAIL);
	cr_assert(strstr(x.r.msg, "its size is 0"), "%s", x.r.msg);
	done(&x);
}

Test(disk_probe, a_directory_is_no_disk, .init = mkdir_tmp, .fini = rm_tmp)
{
	struct parsed	x = start(dir);
	char		want[128];

	x.p->step(x.state, 0, &x.r);
	cr_assert_eq(x.r.status, CMAPP_USAGE, "%s", x.r.msg);
	snprintf(want, sizeof(want), "%s: not a disk: it is a directory (give "
	    "a block device or a file)", dir);
	cr_assert_str_eq(x.r.msg, want);
	done(&x);
}

/* A FIFO's open() waits for a writer: neither init nor a step may open
 * it, and it is refused at once as no disk (the timeout catches a hang). */
Test(disk_probe, a_fifo_is_refused_at_once, .init = mkdir_tmp,
    .fini = rm_tmp, .timeout = 5)
{
	char		path[128], want[192];
	struct parsed	x;

	snprintf(path, sizeof(path), "%s/fifo", dir);
	cr_assert_eq(mkfifo(path, 0600), 0);
	x = start(path);
	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	x.p->step(x.state, 0, &x.r);
	cr_assert_eq(x.r.status, CMAPP_USAGE, "%s", x.r.msg);
	snprintf(want, sizeof(want), "%s: not a disk: it is a FIFO (give a "
	    "block device or a file)", path);
	cr_assert_str_eq(x.r.msg, want);
	done(&x);
}

/* Character devices are not opened at all: some act on an open. */
Test(disk_probe, a_character_device_is_no_disk)
{
	struct parsed	x = start("/dev/null");

	x.p->step(x.state, 0, &x.r);
	cr_assert_eq(x.r.status, CMAPP_USAGE, "%s", x.r.msg);
	cr_assert_str_eq(x.r.msg, "/dev/null: not a disk: it is a character "
	    "device (give a block device or a file)");
	done(&x);
}

/* Not being allowed to read a disk is a set-up problem, not a failed
 * disk: CMAPP_ERROR, status 3, saying so. */
Test(disk_probe, a_disk_it_may_not_read_is_a_set_up_error, .init = mkdir_tmp,
    .fini = rm_tmp)
{
	char		path[128];
	struct parsed	x;

	snprintf(path, sizeof(path), "%s", mkfile("disk", 8192));
	cr_assert_eq(chmod(path, 0), 0);
	cr_assert_eq(chmod(dir, 0755), 0);
	x = start(path);
	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	/* Root reads anything: be nobody for the step. */
	if (geteuid() == 0)
		cr_assert_eq(seteuid(65534), 0);
	x.p->step(x.state, 0, &x.r);
	if (getuid() == 0)
		cr_assert_eq(seteuid(0), 0);
	cr_assert_eq(x.r.status, CMAPP_ERROR, "%s", x.r.msg);
	cr_assert_eq(runner_exit_code(x.r.status), 3);
	cr_assert(strncmp(x.r.msg, path, strlen(path)) == 0 && strstr(x.r.msg,
	    ": cannot open it: Permission denied (the monitor may not read "
	    "it: "), "%s", x.r.msg);
	done(&x);
}

Test(disk_probe, a_disk_that_shrinks_fails, .init = mkdir_tmp,
    .fini = rm_tmp)
{
	char		*path = mkfile("disk", 1 << 20);
	struct parsed	 x = start(path);

	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	x.p->step(x.state, 0, &x.r);
	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	cr_assert_eq(truncate(path, 0), 0);
	x.p->step(x.state, 0, &x.r);
	cr_assert_eq(x.r.status, CMAPP_FAIL);
	cr_assert(strstr(x.r.msg, "its size fell from 1048576 to 0 bytes"),
	    "%s", x.r.msg);
	done(&x);
}

Test(disk_probe, a_disk_that_grows_is_fine, .init = mkdir_tmp,
    .fini = rm_tmp)
{
	char		*path = mkfile("disk", 1 << 20);
	struct parsed	 x = start(path);

	x.p->step(x.state, 0, &x.r);
	cr_assert_eq(x.r.priority, LOG_DEBUG, "%s", x.r.msg);
	cr_assert_eq(truncate(path, 2 << 20), 0);
	x.p->step(x.state, 0, &x.r);
	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	cr_assert_eq(x.r.priority, LOG_NOTICE);
	cr_assert(strstr(x.r.msg, "grew from 1048576 to 2097152"), "%s",
	    x.r.msg);
	x.p->step(x.state, 0, &x.r);
	cr_assert_eq(x.r.priority, LOG_DEBUG, "%s", x.r.msg);
	done(&x);
}

Test(disk_probe, a_disk_that_vanishes_fails_naming_it, .init = mkdir_tmp,
    .fini = rm_tmp)
{
	char		*path = mkfile("disk", 1 << 20), copy[128];
	struct parsed	 x = start(path);

	snprintf(copy, sizeof(copy), "%s", path);
	x.p->step(x.state, 0, &x.r);
	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	cr_assert_eq(unlink(copy), 0);
	x.p->step(x.state, 0, &x.r);
	cr_assert_eq(x.r.status, CMAPP_FAIL);
	cr_assert(strstr(x.r.msg, copy) && strstr(x.r.msg, "cannot open"),
	    "%s", x.r.msg);
	done(&x);
}

Test(disk_probe, each_disk_is_a_target, .init = mkdir_tmp, .fini = rm_tmp)
{
	char		a[128], b[128];
	struct parsed	x;

	snprintf(a, sizeof(a), "%s", mkfile("a", 8192));
	snprintf(b, sizeof(b), "%s", mkfile("b", 8192));
	{
		char	**argv = ARGV("cmapp_disk_mon", a, "-t", "2", b);

		x = parse(argv);
	}
	x.p->init(x.state, &x.n, &x.r);
	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	cr_assert_eq(x.n, 2);
	cr_assert_str_eq(x.p->target(x.state, 1), b);
	cr_assert_eq(truncate(b, 0), 0);
	x.p->step(x.state, 0, &x.r);
	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	x.p->step(x.state, 1, &x.r);
	cr_assert_eq(x.r.status, CMAPP_FAIL, "%s", x.r.msg);
	cr_assert(strncmp(x.r.msg, b, strlen(b)) == 0, "%s", x.r.msg);
	done(&x);
}
