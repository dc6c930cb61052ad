/* SPDX-License-Identifier: ISC */
/*
 * test_shim.c: tests for cmapp-shim (appserver/shim.c), the built binary
 * next to the unit runner, driven over its fd-3 link as the cmappserver
 * that launched it would: which frames it sends, in which order.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "../appserver/shim.h"
#include "../common/proto.h"
#include "../common/reader.h"

/* The launching server's end of one shim's link. */
struct drive {
	int		fd;
	uint64_t	run_id;		/* its cgroup's name: one per test */
	char		rundir[64];
	struct reader	in;
	uint8_t		frame[PROTO_MAX_FRAME];
};

static struct drive	d = { .fd = -1 };

/* Starts cmapp-shim as cmappserver's spawn_shim does: fd 3 its link. */
static void
launch(const char *script)
{
	char	exe[PATH_MAX - 32], shim[PATH_MAX], id[17];
	ssize_t	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int	sv[2], st;
	pid_t	pid;

	cr_assert_gt(n, 0);
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	snprintf(shim, sizeof(shim), "%s/../cmapp-shim", exe);
	cr_assert_eq(access(shim, X_OK), 0, "no %s: make all first", shim);
	snprintf(d.rundir, sizeof(d.rundir), "/tmp/cmapp-shimtest.XXXXXX");
	cr_assert_neq(mkdtemp(d.rundir), NULL);
	d.run_id = 0x5e1f000000000000ULL | (uint64_t)getpid();
	snprintf(id, sizeof(id), "%016" PRIx64, d.run_id);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	if ((pid = fork()) == 0) {
		/* dup2 onto itself would leave it close-on-exec. */
		if (sv[1] == SHIM_LINK_FD)
			fcntl(sv[1], F_SETFD, 0);
		else
			dup2(sv[1], SHIM_LINK_FD);
		execl(shim, shim, d.rundir, id, "--", "/bin/sh", "-c", script,
		    (char *)NULL);
		_exit(127);
	}
	cr_assert_neq(pid, -1);
	close(sv[1]);
	/* Its first process exits at once, the shim living on. */
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	d.fd = sv[0];
	reader_init(&d.in, 4096, PROTO_MAX_BODY);
}

/* The next frame's type, *m filled; 0 after ms without one; -1 at EOF. */
static int
next(struct proto_msg *m, int ms)
{
	struct pollfd	pfd = { d.fd, POLLIN, 0 };
	struct proto_hdr h;
	uint8_t		buf[4096];
	char		why[128];
	ssize_t		n, k;

	for (;;) {
		n = reader_take(&d.in, &h, m, why, sizeof(why));
		cr_assert_geq(n, 0, "a bad frame from the shim: %s", why);
		if (n > 0)
			return m->type;
		if (poll(&pfd, 1, ms) <= 0)
			return 0;
		if ((n = read(d.fd, buf, sizeof(buf))) <= 0)
			return -1;
		cr_assert_eq(k = reader_feed(&d.in, buf, (size_t)n), n);
	}
}

/* The next frame that is no OUTPUT. */
static int
next_but_output(struct proto_msg *m, int ms)
{
	int	t;

	while ((t = next(m, ms)) == MSG_OUTPUT)
		;
	return t;
}

static void
send_msg(const struct proto_msg *m)
{
	ssize_t	n = proto_encode(m, d.frame, sizeof(d.frame));

	cr_assert_gt(n, 0);
	cr_assert_eq(write(d.fd, d.frame, (size_t)n), n);
}

static void
send_version(void)
{
	struct proto_msg m = { .type = MSG_SHIM_VERSION };

	m.u.shim_version.version = SHIM_LINK_VERSION;
	send_msg(&m);
}

/* The shim's pid, from its title, which names the run directory. */
static pid_t
shim_pid(void)
{
	char		 path[300], buf[512];
	DIR		*dir;
	struct dirent	*e;
	pid_t		 pid = -1;
	int		 fd;
	ssize_t		 n;

	if ((dir = opendir("/proc")) == NULL)
		return -1;
	while (pid == -1 && (e = readdir(dir)) != NULL) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		if ((fd = open(path, O_RDONLY)) == -1)
			continue;
		n = read(fd, buf, sizeof(buf));
		close(fd);
		if (n > 0 && memmem(buf, (size_t)n, d.rundir,
		    strlen(d.rundir)) != NULL)
			pid = atoi(e->d_name);
	}
	closedir(dir);
	return pid;
}

/* Ends what a test left: what the service left is killed as a server
 * would have it (SHIM_SIGNAL), then the shim is told to go. */
static void
teardown(void)
{
	struct proto_msg m = { .type = MSG_SHIM_SIGNAL };
	char	cmd[128];
	ssize_t	n;
	pid_t	pid;
	int	i;

	if (d.fd == -1)
		return;
	m.u.signal.run_id = d.run_id;
	m.u.signal.sig = SIGKILL;
	/* Not send_msg: a teardown asserts nothing (the shim may be gone). */
	if ((n = proto_encode(&m, d.frame, sizeof(d.frame))) > 0 &&
	    write(d.fd, d.frame, (size_t)n) == n)
		usleep(200 * 1000);
	for (i = 0; i < 50 && (pid = shim_pid()) > 0; i++) {
		kill(pid, i < 30 ? SIGTERM : SIGKILL);
		usleep(100000);
	}
	close(d.fd);
	d.fd = -1;
	reader_free(&d.in);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", d.rundir);
	(void)system(cmd);
}

TestSuite(shim, .fini = teardown, .timeout = 30);

/*
 * A service that forks a daemon and exits at once may end before the
 * launching server's SHIM_VERSION is read: the EXIT waits for it, so that
 * the server gets what was left first and logs it with the exit.
 */
Test(shim, the_exit_waits_for_the_server_version_when_something_was_left)
{
	struct proto_msg	m;

	launch("sleep 3091 & exit 3");
	cr_assert_eq(next(&m, 5000), MSG_SHIM_HELLO);
	cr_assert_eq(m.u.shim.version, SHIM_LINK_VERSION);
	/* A slow server: well past the drain's 100 ms. */
	usleep(500 * 1000);
	send_version();
	/* A count of 0 is the answer of a shim whose service had not ended
	 * yet (a slow machine): the count that matters comes at the end. */
	do
		cr_assert_eq(next_but_output(&m, 5000), MSG_SHIM_LEFT,
		    "no SHIM_LEFT before the EXIT (got %s)",
		    proto_type_name(m.type));
	while (m.u.left.count == 0);
	cr_assert_eq(m.u.left.count, 1, "the sleep it left: %u", m.u.left.count);
	cr_assert_eq(next_but_output(&m, 5000), MSG_EXIT);
	cr_assert_eq(m.u.exit.how, EXIT_CODE);
	cr_assert_eq(m.u.exit.value, 3);
}

/* A server older than link version 3 never says its version: it gets the
 * EXIT all the same, and no SHIM_LEFT, which it would not know. */
Test(shim, a_server_that_never_says_its_version_still_gets_the_exit)
{
	struct proto_msg	m;

	launch("sleep 3092 & exit 4");
	cr_assert_eq(next(&m, 5000), MSG_SHIM_HELLO);
	cr_assert_eq(next_but_output(&m, 15000), MSG_EXIT,
	    "got %s", proto_type_name(m.type));
	cr_assert_eq(m.u.exit.value, 4);
}

/* With nothing left there is nothing to wait for. */
Test(shim, an_exit_that_left_nothing_is_sent_without_the_version)
{
	struct proto_msg	m;

	launch("exit 5");
	cr_assert_eq(next(&m, 5000), MSG_SHIM_HELLO);
	cr_assert_eq(next_but_output(&m, 2000), MSG_EXIT,
	    "no EXIT within 2 s (got %d)", m.type);
	cr_assert_eq(m.u.exit.value, 5);
}
