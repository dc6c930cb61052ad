/*
 * stopall.c: "cmappserver -stop_all", for a guest's shutdown script.  A
 * plain stop of cmappserver leaves every service running (so a restart or
 * an upgrade is invisible); this stops the services themselves: SIGTERM to
 * each service's process group through its shim, SIGKILL to those still
 * running after the grace period.  It talks to the shims directly, so it
 * works whether or not cmappserver runs; a running cmappserver sees the
 * exits and tells its managers as usual.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "appserver.h"
#include "log.h"
#include "shimlink.h"

#define STOP_MAX	1024

struct target {
	int		fd;
	uint64_t	run_id;
	int		done;
};

struct stop {
	struct target	t[STOP_MAX];
	int		n;
	uint8_t		buf[PROTO_MAX_FRAME];
};

static void
collect(void *arg, const char *path, uint64_t run_id)
{
	struct stop		*st = arg;
	struct proto_msg	 m;
	int			 fd;

	if (st->n == STOP_MAX)
		return;
	if ((fd = shimlink_connect(path)) < 0)
		return;
	if (shimlink_read(fd, st->buf, sizeof(st->buf), &m,
	    SHIMLINK_TIMEOUT_MS) != 0 || m.type != MSG_SHIM_HELLO) {
		close(fd);
		return;
	}
	st->t[st->n].fd = fd;
	st->t[st->n].run_id = run_id;
	st->t[st->n].done = m.u.shim.state != RUN_RUNNING;
	st->n++;
}

static int
signal_all(struct stop *st, int sig)
{
	struct proto_msg	m = { .type = MSG_SHIM_SIGNAL };
	int			i, n = 0;

	for (i = 0; i < st->n; i++) {
		if (st->t[i].done)
			continue;
		m.u.signal.run_id = st->t[i].run_id;
		m.u.signal.sig = sig;
		if (shimlink_write(st->t[i].fd, &m) == 0)
			n++;
		else
			st->t[i].done = 1;
	}
	return n;
}

/* Waits until every target reported its EXIT (or went), or the deadline. */
static int
wait_all(struct stop *st, int seconds)
{
	struct proto_msg	m;
	time_t			end = time(NULL) + seconds;
	int			i, left, r;

	do {
		left = 0;
		for (i = 0; i < st->n; i++) {
			if (st->t[i].done)
				continue;
			r = shimlink_read(st->t[i].fd, st->buf,
			    sizeof(st->buf), &m, 50);
			if (r == -ETIMEDOUT) {
				left++;
				continue;
			}
			if (r != 0 || m.type == MSG_EXIT)
				st->t[i].done = 1;
			else
				left++;	/* output: read on */
		}
	} while (left > 0 && time(NULL) < end);
	return left;
}

int
stop_all(const char *rundir, int grace_s)
{
	static struct stop	st;
	int			i, n, left, r;

	if ((r = shimlink_each(rundir, collect, &st)) != 0) {
		fprintf(stderr, "cmappserver: cannot read %s: %s\n", rundir,
		    strerror(-r));
		return 1;
	}
	n = signal_all(&st, SIGTERM);
	printf("stopping %d service%s in %s\n", n, n == 1 ? "" : "s", rundir);
	left = wait_all(&st, grace_s);
	if (left > 0) {
		printf("%d service%s still running after %d s: SIGKILL\n", left,
		    left == 1 ? "" : "s", grace_s);
		signal_all(&st, SIGKILL);
		left = wait_all(&st, 5);
	}
	for (i = 0; i < st.n; i++)
		close(st.t[i].fd);
	if (left > 0) {
		fprintf(stderr, "cmappserver: %d service%s did not stop\n",
		    left, left == 1 ? "" : "s");
		return 1;
	}
	printf("all services stopped\n");
	return 0;
}
