/* SPDX-License-Identifier: ISC */
/*
 * test_runner.c: tests for the monitors' runner (plugins/runner.c) and log
 * records (plugins/mlog.c).  They run the real loader on the test probes
 * the build puts in build/tests/plugins/ (test.so, the runner's own test
 * probe, run as cmapp_test_mon; badabi.so, built for another interface
 * version), found beside this binary as an installed monitor finds its own.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "ciskip.h"
#include "hostlog_arg.h"
#include "../plugins/mlog.h"
#include "../plugins/runner.h"
#include "argvfix.h"

static const struct runner_opts quiet = { 0, 1 };

static char *
tmpdir(void)
{
	static char	d[64];

	snprintf(d, sizeof(d), "/tmp/cmapp-runner.XXXXXX");
	cr_assert_not_null(mkdtemp(d));
	return d;
}

/* The whole file, NUL-terminated ("" when missing). */
static char *
slurp(const char *path)
{
	static char	buf[1 << 16];
	FILE		*f = fopen(path, "r");
	size_t		 n = 0;

	if (f != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

static int
count(const char *hay, const char *needle)
{
	int	n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* cmapp_test_mon ARGS... through runner_main, ending after polls. */
static int
run_test_mon(unsigned polls, const char *a0, ...)
{
	struct runner_opts	 ro = { polls, 1 };
	const char		*argv[32];
	const char		*a;
	va_list			 ap;
	int			 argc = 0;

	argv[argc++] = "cmapp_test_mon";
	va_start(ap, a0);
	for (a = a0; a != NULL && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	return runner_main(argc, argvfix(argv), &ro);
}

static void
plugin_path(const char *rel, char *out, size_t len)
{
	char	exe[PATH_MAX - 64];
	ssize_t	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	cr_assert_gt(n, 0);
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	snprintf(out, len, "%s/%s", exe, rel);
}

Test(runner, probe_name_from_the_command_name)
{
	char	n[32];

	cr_assert_eq(runner_probe_name("cmapp_net_mon", n, sizeof(n)), 0);
	cr_assert_str_eq(n, "net");
	cr_assert_eq(runner_probe_name("/opt/hp/cmappserver/cmapp_net_mon.pl",
	    n, sizeof(n)), 0);
	cr_assert_str_eq(n, "net");
	cr_assert_eq(runner_probe_name("./cmapp_disk_mon", n, sizeof(n)), 0);
	cr_assert_str_eq(n, "disk");
	cr_assert_eq(runner_probe_name("cmapp_fc_link_mon", n, sizeof(n)), 0);
	cr_assert_str_eq(n, "fc_link");
}

Test(runner, probe_name_refuses_other_names)
{
	const char	*bad[] = { "unit", "cmapp_mon", "cmapp__mon",
	    "cmapp_net", "net_mon", "cmapp_Net_mon", "cmapp_../x_mon",
	    "cmapp_a.b_mon", "cmapp_net_mon.sh", "" };
	char		 n[32];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_lt(runner_probe_name(bad[i], n, sizeof(n)), 0,
		    "%s", bad[i]);
	cr_assert_lt(runner_probe_name(NULL, n, sizeof(n)), 0);
	cr_assert_eq(runner_probe_name("cmapp_abcdef_mon", n, 6),
	    -ENAMETOOLONG);
}

Test(runner, plugins_are_looked_for_beside_the_executable)
{
	char	a[PATH_MAX], b[PATH_MAX];

	cr_assert_eq(runner_plugin_paths("/opt/hp/cmappserver/cmapp_net_mon",
	    "net", a, b, sizeof(a)), 0);
	cr_assert_str_eq(a, "/opt/hp/cmappserver/plugins/net.so");
	cr_assert_str_eq(b, "/opt/hp/cmappserver/../lib/cmapp/net.so");
	cr_assert_eq(runner_plugin_paths("cmapp_disk_mon", "disk", a, b,
	    sizeof(a)), 0);
	cr_assert_str_eq(a, "./plugins/disk.so");
	cr_assert_eq(runner_plugin_paths("/cmapp_disk_mon", "disk", a, b,
	    sizeof(a)), 0);
	cr_assert_str_eq(a, "/plugins/disk.so");
	cr_assert_eq(runner_plugin_paths("/x/cmapp_disk_mon", "disk", a, b,
	    10), -ENAMETOOLONG);
}

Test(runner, exit_codes)
{
	cr_assert_eq(runner_exit_code(CMAPP_OK), 0);
	cr_assert_eq(runner_exit_code(CMAPP_SHOW_HELP), 0);
	cr_assert_eq(runner_exit_code(CMAPP_SHOW_VERSION), 0);
	cr_assert_eq(runner_exit_code(CMAPP_FAIL), 1);
	cr_assert_eq(runner_exit_code(CMAPP_USAGE), 2);
	cr_assert_eq(runner_exit_code(CMAPP_ERROR), 3);
}

Test(runner, wrong_interface_version_is_refused, .init = cr_redirect_stderr)
{
	const struct cmapp_probe	*p = NULL;
	char				 path[PATH_MAX], err[PATH_MAX + 256];
	char				 out[2 * PATH_MAX + 512];
	size_t				 n;

	plugin_path("plugins/badabi.so", path, sizeof(path));
	cr_assert_eq(runner_load(path, &p, err, sizeof(err)), -EPROTO);
	cr_assert_null(p);
	cr_assert(strstr(err, path) != NULL, "%s", err);
	cr_assert(strstr(err, "version 99") != NULL, "%s", err);
	cr_assert(strstr(err, "this runner has version 1") != NULL, "%s", err);
	/* And by its command name, through the whole start-up: status 3,
	 * and the user is told both versions, not just that it failed. */
	{
		struct runner_opts	 loud = { 0, 0 };
		char			**argv = ARGV("cmapp_badabi_mon");

		cr_assert_eq(runner_main(1, argv, &loud), RUNNER_EXIT_ERROR);
	}
	fflush(stderr);
	rewind(cr_get_redirected_stderr());
	n = fread(out, 1, sizeof(out) - 1, cr_get_redirected_stderr());
	out[n] = '\0';
	snprintf(err, sizeof(err), "cmapp_badabi_mon: refusing the probe %s: "
	    "it was built for probe interface version 99, this runner has "
	    "version 1 (rebuild it against this cmapp's plugins/plugin.h)\n",
	    path);
	cr_assert_str_eq(out, err);
}

Test(runner, load_errors_name_the_file_and_say_why)
{
	const struct cmapp_probe	*p;
	char				*d = tmpdir(), path[PATH_MAX];
	char				 err[PATH_MAX + 256];
	FILE				*f;

	snprintf(path, sizeof(path), "%s/none.so", d);
	cr_assert_lt(runner_load(path, &p, err, sizeof(err)), 0);
	cr_assert(strstr(err, path) && strstr(err, "No such file"), "%s", err);

	snprintf(path, sizeof(path), "%s/text.so", d);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs("not an ELF file\n", f);
	fclose(f);
	cr_assert_eq(runner_load(path, &p, err, sizeof(err)), -ENOEXEC);
	cr_assert(strstr(err, "cannot load the probe") && strstr(err, path),
	    "%s", err);

	chmod(path, 0666);
	cr_assert_eq(runner_load(path, &p, err, sizeof(err)), -EPERM);
	cr_assert(strstr(err, "it may be written by anyone"), "%s", err);
	unlink(path);
	rmdir(d);

	/* A shared object without the descriptor. */
	cr_assert_lt(runner_load("/lib/x86_64-linux-gnu/libc.so.6", &p, err,
	    sizeof(err)), 0);
	cr_assert(strstr(err, "is no cmapp probe"), "%s", err);

	{
		char	**argv = ARGV("cmapp_nosuch_mon");

		cr_assert_eq(runner_main(1, argv, &quiet), RUNNER_EXIT_ERROR);
	}
}

/* A copy of build/tests/plugins/test.so as DIR/test.so, mode 0644. */
static void
copy_test_probe(const char *dir, char *out, size_t len)
{
	char	src[PATH_MAX], buf[1 << 14];
	FILE	*in, *o;
	size_t	 n;

	plugin_path("plugins/test.so", src, sizeof(src));
	snprintf(out, len, "%s/test.so", dir);
	cr_assert_not_null(in = fopen(src, "rb"), "%s", src);
	cr_assert_not_null(o = fopen(out, "wb"), "%s", out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		cr_assert_eq(fwrite(buf, 1, n, o), n);
	fclose(in);
	fclose(o);
	cr_assert_eq(chmod(out, 0644), 0);
}

/* The probe runs as root: a file or directory that others may change is
 * refused, naming the file and why. */
static void
refused(const char *path, const char *why)
{
	const struct cmapp_probe	*p = NULL;
	char				 err[PATH_MAX + 256];

	cr_assert_eq(runner_load(path, &p, err, sizeof(err)), -EPERM,
	    "%s was not refused (%s)", path, why);
	cr_assert_null(p);
	cr_assert(strstr(err, "refusing the probe ") && strstr(err, path) &&
	    strstr(err, why), "%s", err);
}

Test(runner, a_probe_others_may_change_is_refused)
{
	const struct cmapp_probe	*p = NULL;
	char				*d = tmpdir(), path[PATH_MAX];
	char				 err[PATH_MAX + 256], why[PATH_MAX];
	char				 link[PATH_MAX + 16];

	copy_test_probe(d, path, sizeof(path));
	cr_assert_eq(chmod(d, 0755), 0);
	cr_assert_eq(runner_load(path, &p, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(p->name, "test");

	chmod(path, 0664);
	refused(path, "it may be written by its group (chmod go-w ");
	chmod(path, 0646);
	refused(path, "it may be written by anyone (chmod go-w ");
	chmod(path, 0644);
	snprintf(why, sizeof(why), "its directory %s may be written by its "
	    "group (chmod go-w %s)", d, d);
	chmod(d, 0775);
	refused(path, why);
	/* Sticky or not: the directory's owner and group may still swap the
	 * file. */
	chmod(d, 01777);
	refused(path, "may be written by anyone");
	chmod(d, 0755);
	/* A link is judged by what it points to, and the directory of that. */
	snprintf(link, sizeof(link), "%s.link", d);
	cr_assert_eq(symlink(path, link), 0);
	chmod(d, 0775);
	refused(link, why);
	chmod(d, 0755);
	cr_assert_eq(runner_load(link, &p, err, sizeof(err)), 0, "%s", err);
	unlink(link);
	if (geteuid() == 0) {
		cr_assert_eq(chown(path, 65534, 0), 0);
		refused(path, "it is owned by uid 65534, neither root nor this "
		    "monitor's uid 0 (chown root ");
		cr_assert_eq(chown(path, 0, 0), 0);
		cr_assert_eq(chown(d, 65534, 0), 0);
		snprintf(why, sizeof(why), "its directory %s is owned by uid "
		    "65534", d);
		refused(path, why);
		cr_assert_eq(chown(d, 0, 0), 0);
	}
	unlink(path);
	rmdir(d);
	if (geteuid() != 0)
		skip_test("not root: ownership not tested");
}

Test(runner, a_third_probe_runs_without_runner_changes)
{
	char	*d = tmpdir(), log[128], *s;

	snprintf(log, sizeof(log), "%s/g.log", d);
	cr_assert_eq(run_test_mon(3, "-n", "3", "-D", "7", "-g", log, NULL), 0);
	s = slurp(log);
	cr_assert_eq(count(s, "notice: testing 3 targets"), 1, "%s", s);
	cr_assert_eq(count(s, "target0 step "), 3, "%s", s);
	cr_assert_eq(count(s, "target1 step "), 3, "%s", s);
	cr_assert_eq(count(s, "target2 step 3\n"), 1, "%s", s);
	cr_assert(strstr(s, "cmapp_test_mon["), "%s", s);
	unlink(log);
	rmdir(d);
}

Test(runner, command_line_outcomes, .init = cr_redirect_stdout)
{
	char	**help = ARGV("cmapp_test_mon", "-h");
	char	**bad = ARGV("cmapp_test_mon", "-x");

	cr_assert_eq(runner_main(2, help, &quiet), 0);
	cr_assert_eq(runner_main(2, bad, &quiet), RUNNER_EXIT_USAGE);
	cr_assert_eq(run_test_mon(1, "-i", "0", NULL), RUNNER_EXIT_ERROR);
}

Test(runner, a_step_that_blocks_for_ever_fails_at_its_deadline,
    .timeout = 10)
{
	char	*d = tmpdir(), log[128], *s;
	double	 t0 = now(), took;

	snprintf(log, sizeof(log), "%s/g.log", d);
	/* Two targets: the first answers, the second hangs at its 2nd step. */
	cr_assert_eq(run_test_mon(0, "-n", "2", "-H", "2", "-T", "300", "-i",
	    "100", "-g", log, NULL), RUNNER_EXIT_FAIL);
	took = now() - t0;
	s = slurp(log);
	cr_assert(strstr(s, "err: target1: step not done within 0.3 s\n"),
	    "%s", s);
	cr_assert(took > 0.35 && took < 2, "took %.2f s", took);
	unlink(log);
	rmdir(d);
}

/* One hung target must not stop the others being probed: the first one
 * hangs (a runner waiting for its targets in turn would then probe none
 * after it), the second is still probed and logged, and the hang is told
 * at its deadline. */
Test(runner, a_hung_first_target_does_not_stop_the_second, .timeout = 10)
{
	char	*d = tmpdir(), log[128], *s, *hung, *other;

	snprintf(log, sizeof(log), "%s/g.log", d);
	cr_assert_eq(run_test_mon(0, "-n", "2", "-t", "0", "-H", "2", "-T",
	    "500", "-i", "100", "-D", "7", "-g", log, NULL), RUNNER_EXIT_FAIL);
	s = slurp(log);
	hung = strstr(s, "err: target0: step not done within 0.5 s\n");
	other = strstr(s, "crit: target1 step 2\n");
	cr_assert(hung != NULL, "%s", s);
	cr_assert(other != NULL && other < hung, "target1 not probed while "
	    "target0 hung:\n%s", s);
	cr_assert_null(strstr(s, "target0 step 2"), "%s", s);
	unlink(log);
	rmdir(d);
}

Test(runner, a_failure_ends_the_run_and_is_logged_at_any_level)
{
	char	*d = tmpdir(), log[128], *s;

	snprintf(log, sizeof(log), "%s/g.log", d);
	cr_assert_eq(run_test_mon(0, "-f", "3", "-D", "0", "-g", log, NULL),
	    RUNNER_EXIT_FAIL);
	s = slurp(log);
	cr_assert_eq(count(s, "\n"), 1, "%s", s);
	cr_assert(strstr(s, "err: target0 step 3 failed\n"), "%s", s);
	unlink(log);
	rmdir(d);
}

/* Targets that fail in one poll are each named, not only the first to
 * answer: a zoning or NPIV loss takes every LUN at once. */
Test(runner, every_target_failing_in_one_poll_is_named)
{
	char	*d = tmpdir(), log[128], *s;

	snprintf(log, sizeof(log), "%s/g.log", d);
	cr_assert_eq(run_test_mon(0, "-n", "3", "-F", "2", "-D", "0", "-g",
	    log, NULL), RUNNER_EXIT_FAIL);
	s = slurp(log);
	cr_assert(strstr(s, "err: target0 step 2 failed\n"), "%s", s);
	cr_assert(strstr(s, "err: target1 step 2 failed\n"), "%s", s);
	cr_assert(strstr(s, "err: target2 step 2 failed\n"), "%s", s);
	unlink(log);
	rmdir(d);
}

Test(runner, log_level_filters_records)
{
	char	*d = tmpdir(), log[128], *s;

	snprintf(log, sizeof(log), "%s/g.log", d);
	/* Step K says so at priority K mod 8: at level 3, steps 1-3 and 8. */
	cr_assert_eq(run_test_mon(8, "-D", "3", "-i", "1", "-g", log, NULL), 0);
	s = slurp(log);
	cr_assert_eq(count(s, "\n"), 4, "%s", s);
	cr_assert(strstr(s, "alert: target0 step 1\n"), "%s", s);
	cr_assert(strstr(s, "crit: target0 step 2\n"), "%s", s);
	cr_assert(strstr(s, "err: target0 step 3\n"), "%s", s);
	cr_assert(strstr(s, "emerg: target0 step 8\n"), "%s", s);
	cr_assert_null(strstr(s, "testing"), "%s", s);
	unlink(log);
	rmdir(d);
}

/* A disk that turns out to be a FIFO is a usage error found by a step:
 * status 2, the reason and the usage on stderr, as at start. */
Test(runner, a_usage_error_from_a_step_is_status_2,
    .init = cr_redirect_stderr, .timeout = 10)
{
	struct runner_opts	 loud = { 5, 0 };
	char			**argv = ARGV("cmapp_test_mon", "-U", "2");
	char			 err[4096];
	size_t			 n;

	cr_assert_eq(runner_main(3, argv, &loud), RUNNER_EXIT_USAGE);
	fflush(stderr);
	rewind(cr_get_redirected_stderr());
	n = fread(err, 1, sizeof(err) - 1, cr_get_redirected_stderr());
	err[n] = '\0';
	cr_assert(strstr(err, "cmapp_test_mon: target0 is no target\n"
	    "usage: cmapp_test_mon "), "%s", err);
}

Test(runner, a_dead_worker_is_an_error, .timeout = 10)
{
	char	*d = tmpdir(), log[128], *s;

	snprintf(log, sizeof(log), "%s/g.log", d);
	cr_assert_eq(run_test_mon(0, "-k", "2", "-g", log, NULL),
	    RUNNER_EXIT_ERROR);
	s = slurp(log);
	cr_assert(strstr(s, "target0: the worker died of signal 9"), "%s", s);
	unlink(log);
	rmdir(d);
}

Test(runner, sigterm_stops_with_status_0, .timeout = 10)
{
	char	*d = tmpdir(), log[128], *s;

	snprintf(log, sizeof(log), "%s/g.log", d);
	cr_assert_eq(run_test_mon(0, "-S", "2", "-D", "5", "-g", log, NULL), 0);
	s = slurp(log);
	cr_assert(strstr(s, "notice: stopped by signal TERM\n"), "%s", s);
	unlink(log);
	rmdir(d);
}

/* The message that ends a monitor is logged whatever the level: at 0 too,
 * where the stop is its only record. */
Test(runner, sigterm_stop_is_logged_at_level_0, .timeout = 10)
{
	char	*d = tmpdir(), log[128], *s;

	snprintf(log, sizeof(log), "%s/g.log", d);
	cr_assert_eq(run_test_mon(0, "-S", "2", "-D", "0", "-g", log, NULL), 0);
	s = slurp(log);
	cr_assert_eq(count(s, "\n"), 1, "%s", s);
	cr_assert(strstr(s, "notice: stopped by signal TERM\n"), "%s", s);
	unlink(log);
	rmdir(d);
}

Test(runner, host_log_goes_to_the_pipe_under_cmappserver)
{
	char	*d = tmpdir(), host[128], env[16], buf[4096];
	int	 p[2];
	ssize_t	 n;

	snprintf(host, sizeof(host), "%s/host.log", d);
	cr_assert_eq(pipe(p), 0);
	snprintf(env, sizeof(env), "%d", p[1]);
	setenv(MLOG_HOSTFD_ENV, env, 1);
	cr_assert_eq(run_test_mon(2, "-D", "7", "-O", host, NULL), 0);
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	cr_assert_gt(n, 0);
	buf[n] = '\0';
	cr_assert(strstr(buf, "notice: testing 1 targets\n"), "%s", buf);
	cr_assert(strstr(buf, "alert: target0 step 1\n"), "%s", buf);
	cr_assert(strstr(buf, "crit: target0 step 2\n"), "%s", buf);
	cr_assert_neq(access(host, F_OK), 0, "the guest wrote the host file");
	rmdir(d);

	/* A bad fd is an error at start, not silence. */
	setenv(MLOG_HOSTFD_ENV, "77", 1);
	cr_assert_eq(run_test_mon(1, "-O", host, NULL), RUNNER_EXIT_ERROR);
	unsetenv(MLOG_HOSTFD_ENV);
}

Test(runner, host_log_is_a_local_file_when_run_by_hand)
{
	char	*d = tmpdir(), host[128], *s;

	unsetenv(MLOG_HOSTFD_ENV);
	snprintf(host, sizeof(host), "%s/host.log", d);
	cr_assert_eq(run_test_mon(2, "-D", "7", "-O", host, NULL), 0);
	s = slurp(host);
	cr_assert_eq(count(s, "\n"), 3, "%s", s);
	/* The manual's example names one file for both logs: each record
	 * is there once. */
	cr_assert_eq(run_test_mon(2, "-D", "7", "-O", host, "-g", host, NULL),
	    0);
	s = slurp(host);
	cr_assert_eq(count(s, "\n"), 6, "%s", s);
	unlink(host);
	rmdir(d);
}

/* The manual's service line names /var/adm/..., which Linux lacks: the
 * monitor must go on, saying once (on stderr, in syslog and in the other
 * log) which file it cannot open and why. */
Test(runner, a_log_file_that_cannot_be_opened_is_warned_about_once,
    .init = cr_redirect_stderr)
{
	struct runner_opts	 loud = { 3, 0 };
	char			*d = tmpdir(), host[128], err[8192], *s;
	char			**argv;
	size_t			 n;

	unsetenv(MLOG_HOSTFD_ENV);
	snprintf(host, sizeof(host), "%s/host.log", d);
	argv = ARGV("cmapp_test_mon", "-D", "7", "-g", "/nonexistent/adm/g.log",
	    "-O", host);
	cr_assert_eq(runner_main(7, argv, &loud), RUNNER_EXIT_OK,
	    "the monitor stopped for want of its guest log file");
	fflush(stderr);
	rewind(cr_get_redirected_stderr());
	n = fread(err, 1, sizeof(err) - 1, cr_get_redirected_stderr());
	err[n] = '\0';
	cr_assert_eq(count(err, "cmapp_test_mon: cannot open the guest log "
	    "file /nonexistent/adm/g.log: the directory /nonexistent/adm "
	    "does not exist; monitoring goes on without it\n"), 1, "%s",
	    err);
	cr_assert_eq(count(err, "target0 step 3"), 1, "%s", err);
	s = slurp(host);
	cr_assert_eq(count(s, "warning: cannot open the guest log file "
	    "/nonexistent/adm/g.log"), 1, "%s", s);
	cr_assert_eq(count(s, "target0 step "), 3, "%s", s);
	unlink(host);

	/* Neither file: still running, a warning each, whatever the level. */
	cr_assert_eq(run_test_mon(2, "-D", "0", "-g", "/nonexistent/adm/g.log",
	    "-O", "/nonexistent/adm/h.log", NULL), RUNNER_EXIT_OK);
	rmdir(d);
}

/* By hand, "cmd: message"; under cmappserver the bare message, which
 * cmappmgr relays as "node cmd[pid]: message": the name once. */
Test(mlog, stderr_names_the_monitor_once, .init = cr_redirect_stderr)
{
	unsetenv(MLOG_HOSTFD_ENV);
	mlog_stderr("cmapp_disk_mon", "%s: read the blocks", "/dev/sdb");
	setenv(MLOG_HOSTFD_ENV, "3", 1);
	mlog_stderr("cmapp_disk_mon", "%s: read the blocks", "/dev/sdc");
	unsetenv(MLOG_HOSTFD_ENV);
	fflush(stderr);
	cr_assert_stderr_eq_str("cmapp_disk_mon: /dev/sdb: read the blocks\n"
	    "/dev/sdc: read the blocks\n");
}

Test(mlog, line_format)
{
	char	buf[MLOG_LINE_MAX];
	size_t	n;

	n = mlog_format(buf, sizeof(buf), 0, "cmapp_net_mon", 42, LOG_ERR,
	    "lan0 is down");
	cr_assert_eq(n, strlen(buf));
	cr_assert(strstr(buf, "cmapp_net_mon[42]: err: lan0 is down\n"), "%s",
	    buf);
	cr_assert(buf[4] == '-' && buf[10] == 'T', "%s", buf);
	n = mlog_format(buf, sizeof(buf), 0, "c", 1, LOG_DEBUG, "a\nb\tc");
	cr_assert(strstr(buf, "c[1]: debug: a b c\n"), "%s", buf);
}

Test(mlog, a_line_is_at_most_1024_bytes)
{
	char	buf[MLOG_LINE_MAX], msg[3000];
	size_t	n;

	memset(msg, 'x', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	n = mlog_format(buf, sizeof(buf), time(NULL), "cmapp_disk_mon", 1, 7,
	    msg);
	cr_assert_eq(n, MLOG_LINE_MAX - 1);
	cr_assert_eq(buf[n - 1], '\n');
	cr_assert_eq(buf[n], '\0');
	cr_assert_eq(strchr(buf, '\n'), buf + n - 1);
}

Test(mlog, wanted_and_fd_parsing)
{
	int	fd = -1;

	cr_assert(mlog_wanted(LOG_ERR, LOG_ERR, 0));
	cr_assert_not(mlog_wanted(LOG_WARNING, LOG_ERR, 0));
	cr_assert(mlog_wanted(LOG_ERR, LOG_EMERG, 1));
	cr_assert_eq(mlog_parse_fd("5", &fd), 0);
	cr_assert_eq(fd, 5);
	cr_assert_lt(mlog_parse_fd("2", &fd), 0);
	cr_assert_lt(mlog_parse_fd("5x", &fd), 0);
	cr_assert_lt(mlog_parse_fd("", &fd), 0);
	cr_assert_lt(mlog_parse_fd("-4", &fd), 0);
	cr_assert_lt(mlog_parse_fd("99999999999", &fd), 0);
	cr_assert_str_eq(mlog_level_name(LOG_WARNING), "warning");
}

/* The probe NAME.so beside this binary. */
static const struct cmapp_probe *
probe(const char *name)
{
	const struct cmapp_probe	*p;
	char				 rel[64], path[PATH_MAX];
	char				 err[PATH_MAX + 256];

	snprintf(rel, sizeof(rel), "../plugins/%s.so", name);
	plugin_path(rel, path, sizeof(path));
	cr_assert_eq(runner_load(path, &p, err, sizeof(err)), 0, "%s", err);
	return p;
}

/* hostlog_arg(argv) is what the probe's own parser takes for the host
 * log, and want; an argv the probe refuses needs no agreement. */
static void
agree(const char *want, char **argv)
{
	const struct cmapp_probe	*p;
	struct cmapp_config		 cfg;
	struct cmapp_result		 r;
	const char			*got = hostlog_arg(argv);
	void				*state = NULL;
	int				 argc = 0;

	while (argv[argc] != NULL)
		argc++;
	p = probe(strstr(argv[0], "disk") ? "disk" : "net");
	memset(&cfg, 0, sizeof(cfg));
	memset(&r, 0, sizeof(r));
	p->parse_args(argc, argv, &cfg, &state, &r);
	if (r.status == CMAPP_OK) {
		cr_assert((got == NULL) == (cfg.host_log == NULL) &&
		    (got == NULL || strcmp(got, cfg.host_log) == 0),
		    "%s %s: cmappmgr would read %s, the monitor %s", argv[1],
		    argv[2], got ? got : "none", cfg.host_log ? cfg.host_log :
		    "none");
	}
	p->fini(state);
	if (want == NULL)
		cr_assert_null(got, "%s %s: %s", argv[1], argv[2], got);
	else if (strcmp(want, "-") != 0)
		cr_assert(got != NULL && strcmp(got, want) == 0, "%s %s: %s",
		    argv[1], argv[2], got ? got : "none");
}

#define NET(...)	ARGV("/opt/hp/cmappserver/cmapp_net_mon.pl", \
			    "--lan", "lo", "--ip", "127.0.0.1", __VA_ARGS__)
#define DISK(...)	ARGV("/opt/hp/cmappserver/cmapp_disk_mon", \
			    __VA_ARGS__)

Test(hostlog_arg, net_mon_spellings)
{
	agree(NULL, NET("--log_level", "1"));
	agree("/h", NET("--host_logfile", "/h"));
	agree("/h", NET("--host_logfile=/h"));
	agree("/h", NET("-host_logfile", "/h"));
	agree("/h", NET("-host_logfile=/h", "-probe_count", "5"));
	agree("/h", NET("\xe2\x80\x93host_logfile", "/h"));
	agree("/h", NET("\xe2\x80\x94-host_logfile=/h"));
	agree("/b", NET("--host_logfile", "/a", "--host_logfile", "/b"));
	agree(NULL, NET("--guest_logfile", "--host_logfile"));
	agree("/v/g", NET("--guest_logfile", "/v/g", "--host_logfile", "/v/g"));
	/* Refused by the monitor: no agreement needed, none given. */
	agree("-", NET("--host", "/h"));
	agree("-", NET("--host_logfile", ""));
	agree(NULL, NET("--", "--host_logfile", "/h"));
	agree(NULL, ARGV("/bin/cmapp_net_mon_x", "--host_logfile",
	    "/h"));
}

Test(hostlog_arg, disk_mon_spellings)
{
	agree(NULL, DISK("/dev/sdb"));
	agree("/h", DISK("-O", "/h", "/dev/sdb"));
	agree("/h", DISK("-O/h", "/dev/sdb"));
	agree("/h", DISK("/dev/sdb", "--log-file", "/h"));
	agree("/h", DISK("/dev/sdb", "--log-file=/h"));
	agree("/h", DISK("/dev/sdb", "--log_file", "/h"));
	agree("/h", DISK("/dev/sdb", "--log_level", "3",
	    "\xe2\x80\x93log_file", "/h"));
	agree("/h", DISK("\xe2\x80\x93-log-file=/h", "/dev/sdb"));
	agree("/h", DISK("-t", "5", "-D7", "-O", "/h", "/dev/sdb"));
	agree("/h", DISK("-D", "7", "-O/h", "-t", "1", "/dev/sdb"));
	agree(NULL, DISK("/dev/sdb", "--", "-O", "/h"));
	agree(NULL, DISK("-D", "-O", "/dev/sdb"));
	agree(NULL, DISK("--io-timeout", "30", "/dev/sdb"));
	agree("/h", DISK("--io-timeout", "30", "-O", "/h", "/dev/sdb"));
	agree("/h", DISK("--io_timeout=30", "--log-file", "/h", "/dev/sdb"));
	agree("-", DISK("--log-f", "/h", "/dev/sdb"));
	agree("-", DISK("-O", "", "/dev/sdb"));
	agree(NULL, ARGV("/usr/bin/gcc", "-O", "/h"));
	cr_assert_null(hostlog_arg(NULL));
}

/* cmappserver passes its environment on, POSIXLY_CORRECT too: cmappmgr
 * and the monitor must still read the same host log from options given
 * after the disks or a stray word. */
Test(hostlog_arg, posixly_correct_changes_nothing)
{
	setenv("POSIXLY_CORRECT", "1", 1);
	agree("/h", DISK("/dev/sdb", "--log-file", "/h"));
	agree("/h", DISK("/dev/sdb", "-O", "/h", "/dev/sdc"));
	agree("/h", DISK("/dev/sdb", "--log_level", "3",
	    "\xe2\x80\x93log_file", "/h"));
	agree(NULL, DISK("/dev/sdb", "--", "-O", "/h"));
	agree("/h", NET("--host_logfile", "/h", "-probe_count", "5"));
	unsetenv("POSIXLY_CORRECT");
}
