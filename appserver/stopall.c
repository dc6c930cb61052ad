/* SPDX-License-Identifier: ISC */
/*
 * stopall.c: "cmappserver -stop_all", for a guest's shutdown script.  A
 * plain stop of cmappserver leaves every service running (so a restart or
 * an upgrade is invisible); this stops the services themselves: SIGTERM to
 * each service's process group through its shim, SIGKILL to those still
 * running after the grace period.  It talks to the shims directly, so it
 * works whether or not cmappserver runs; a running cmappserver sees the
 * exits and tells its managers as usual.  What an ended service left in
 * its process group or cgroup is stopped the same way: a shim of link
 * version 3 or later says how many processes are left (SHIM_LEFT), and
 * its service is stopped when it has ended and that count is 0.
 *
 * A shim keeps the exit status of its ended service for a cmappserver to
 * deliver; -stop_all says how many such statuses are left, and with
 * -drop_kept releases those shims (SHIM_RELEASE, as a delivery does) and
 * waits for their processes to end, so that no shim stays behind; a
 * running cmappserver has read each status too and keeps its own copy
 * until it is delivered or the server stops.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "appserver.h"
#include "leftover.h"
#include "log.h"
#include "reader.h"
#include "shim.h"
#include "shimlink.h"

#define STOP_MAX	1024
#define STOP_FRAME_MAX	64	/* the EXIT or ERROR bodies we read */

struct target {
	int		fd;
	pid_t		pid;		/* the shim's, from SO_PEERCRED; 0: unknown */
	uint64_t	run_id;
	int		done;
	int		exited;		/* its EXIT seen, or said in the hello */
	int		lingering;	/* RUN_ID.left: its status delivered */
	int		gone;		/* the shim closed the link */
	int		counted;	/* in count_kept's answer */
	int64_t		left;		/* SHIM_LEFT's count; -1: unknown */
	struct reader	in;		/* frames up to STOP_FRAME_MAX */
};

struct stop {
	struct target	t[STOP_MAX];
	int		n;
	int		unreachable;	/* shims that did not answer */
	int		lingering;	/* collect() reads the *.left ones */
	uint8_t		buf[PROTO_MAX_FRAME];
};

static void
collect(void *arg, const char *path, uint64_t run_id)
{
	struct stop		*st = arg;
	struct proto_msg	 m;
	struct reader		 rd;
	struct ucred		 cred;
	socklen_t		 credlen = sizeof(cred);
	int			 fd, r;

	if (st->n == STOP_MAX) {
		fprintf(stderr, "cmappserver: %s: more than %d services, not "
		    "stopped\n", path, STOP_MAX);
		st->unreachable++;
		return;
	}
	if ((fd = shimlink_connect(path)) < 0) {
		if (fd != -ECONNREFUSED) {	/* refused: a stale socket */
			fprintf(stderr, "cmappserver: cannot reach the shim "
			    "at %s: %s\n", path, fd == -EAGAIN ? "it does not "
			    "accept connections (stopped?)" : strerror(-fd));
			st->unreachable++;
		}
		return;
	}
	reader_init(&rd, 0, PROTO_MAX_BODY);
	if ((r = shimlink_read(fd, &rd, &m, SHIMLINK_TIMEOUT_MS)) != 0 ||
	    m.type != MSG_SHIM_HELLO) {
		fprintf(stderr, "cmappserver: the shim at %s did not say "
		    "hello: %s\n", path, r != 0 ? strerror(-r) :
		    proto_type_name(m.type));
		reader_free(&rd);
		st->unreachable++;
		close(fd);
		return;
	}
	reader_free(&rd);	/* only m's numbers are used below */
	if (m.u.shim.version >= 3) {
		struct proto_msg v = { .type = MSG_SHIM_VERSION };

		v.u.shim_version.version = SHIM_LINK_VERSION;
		if (shimlink_write(fd, &v) != 0)
			m.u.shim.version = 0;	/* then as an old one */
	}
	st->t[st->n].fd = fd;
	st->t[st->n].pid = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred,
	    &credlen) == 0 ? cred.pid : 0;
	reader_init(&st->t[st->n].in, PROTO_HDR_LEN + STOP_FRAME_MAX,
	    STOP_FRAME_MAX);
	st->t[st->n].run_id = run_id;
	st->t[st->n].lingering = st->lingering;
	/* RUN_STARTING too: its exec may yet return, so it is signalled. */
	st->t[st->n].exited = m.u.shim.state == RUN_EXITED;
	/* An older shim cannot say what its service left. */
	st->t[st->n].left = m.u.shim.version >= 3 ? -1 : 0;
	st->t[st->n].done = st->t[st->n].exited && st->t[st->n].left == 0;
	st->n++;
}

/* Signals every target not done; returns how many of those were still
 * running (an ended service's shim is signalled for what it may have left
 * running, not counted as a service to stop). */
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
			n += !st->t[i].exited;
		else
			st->t[i].done = 1;
	}
	return n;
}

/*
 * Takes what a shim sent: OUTPUT is passed over without being kept, an
 * EXIT (or the link's end) marks the target done.  A frame may arrive in
 * pieces, so a short one is gathered across reads; a longer one (OUTPUT)
 * is refused by its header, and its body passed over as it comes.
 */
static void
feed(struct target *t, const uint8_t *p, size_t n)
{
	struct proto_hdr	h;
	struct proto_msg	m;
	ssize_t			r, k;

	while (n > 0 && !t->done) {
		if ((k = reader_feed(&t->in, p, n)) < 0) {
			t->done = 1;
			return;
		}
		p += k;
		n -= (size_t)k;
		while (!t->done && (r = reader_take(&t->in, &h, &m, NULL,
		    0)) != 0) {
			if (r == -EMSGSIZE && h.len <= PROTO_MAX_BODY)
				reader_pass(&t->in);
			else if (r < 0 || m.type == MSG_ERROR)
				t->done = 1;	/* r < 0: not a shim we know */
			else if (m.type == MSG_EXIT)
				t->exited = 1;
			else if (m.type == MSG_SHIM_LEFT)
				t->left = m.u.left.count;
			if (t->exited && t->left == 0)
				t->done = 1;
		}
	}
}

/* Waits until every target reported its EXIT (or went), or the deadline;
 * returns how many are left. */
static int
wait_all(struct stop *st, int seconds)
{
	static struct pollfd	pfd[STOP_MAX];
	int			idx[STOP_MAX];
	time_t			end = time(NULL) + seconds;
	ssize_t			r;
	int			i, n;

	for (;;) {
		for (i = n = 0; i < st->n; i++)
			if (!st->t[i].done) {
				pfd[n] = (struct pollfd){ st->t[i].fd, POLLIN,
				    0 };
				idx[n++] = i;
			}
		if (n == 0 || time(NULL) >= end)
			return n;
		if (poll(pfd, (nfds_t)n, 200) == -1 && errno != EINTR)
			return n;
		for (i = 0; i < n; i++) {
			struct target *t = &st->t[idx[i]];

			if (pfd[i].revents == 0)
				continue;
			r = recv(t->fd, st->buf, sizeof(st->buf),
			    MSG_DONTWAIT);
			if (r == -1 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (r <= 0)
				t->done = t->gone = 1;	/* the shim went */
			else
				feed(t, st->buf, (size_t)r);
		}
	}
}

/*
 * Whether the shim of t is still there, keeping its status: what it sent
 * meanwhile (OUTPUT of a grandchild, SHIM_LEFT) is read past to see
 * whether its link ended; waits up to ms for that.
 */
static int
kept(struct stop *st, struct target *t, int ms)
{
	struct pollfd	pfd = { t->fd, POLLIN, 0 };
	ssize_t		r;

	if (t->gone || t->lingering || !t->exited)
		return 0;
	for (;;) {
		r = recv(t->fd, st->buf, sizeof(st->buf), MSG_DONTWAIT);
		if (r == 0 || (r == -1 && errno != EINTR && errno != EAGAIN)) {
			t->gone = 1;
			return 0;
		}
		if (r > 0)
			continue;
		if (r == -1 && errno == EINTR)
			continue;
		if (ms <= 0 || poll(&pfd, 1, ms) <= 0)
			return 1;
		ms = 0;
	}
}

/*
 * Counts the statuses kept, after a moment (KEEP_SETTLE_MS) for a running
 * cmappserver to deliver those of the services just stopped to their
 * attached managers; drop: releases them, and counts the shims that went.
 */
#define KEEP_SETTLE_MS	200
#define DROP_WAIT_S	5

static int
count_kept(struct stop *st, int settle)
{
	int	i, n, waited = 0;

	for (;;) {
		for (i = n = 0; i < st->n; i++)
			n += st->t[i].counted = kept(st, &st->t[i], 0);
		if (!settle || n == 0 || waited >= KEEP_SETTLE_MS)
			return n;
		poll(NULL, 0, 50);
		waited += 50;
	}
}

/*
 * Whether the shim of t went: its link closed, and then its process ended.
 * The link closes first, and a slow exit (a sanitizer's leak check) would
 * leave "no shim stays" untrue for a moment after we said it.  A zombie
 * has ended: the shim's parent may be an init that reaps late.
 */
static int
went(const struct target *t, time_t end)
{
	if (!t->gone)
		return 0;
	while (t->pid > 0 && !left_ended(t->pid)) {
		if (time(NULL) >= end)
			return 0;
		poll(NULL, 0, 20);
	}
	return 1;
}

static int
drop_kept(struct stop *st)
{
	struct proto_msg	m = { .type = MSG_SHIM_RELEASE };
	time_t			end = time(NULL) + DROP_WAIT_S;
	int			i, n = 0;

	for (i = 0; i < st->n; i++) {
		if (!kept(st, &st->t[i], 0))
			continue;
		m.u.attach.run_id = st->t[i].run_id;
		(void)shimlink_write(st->t[i].fd, &m);
	}
	/* Those counted: one a running cmappserver delivered meanwhile went
	 * on its own, and is no longer kept either. */
	for (i = 0; i < st->n; i++) {
		struct target *t = &st->t[i];

		if (!t->counted)
			continue;
		while (kept(st, t, 100) && time(NULL) < end)
			;
		n += went(t, end);
	}
	return n;
}

int
stop_all(const char *rundir, int grace_s, int drop)
{
	static struct stop	st;
	int			i, n, left, r, k, dropped = 0;

	if ((r = shimlink_each(rundir, collect, &st)) != 0 ||
	    (st.lingering = 1, r = shimlink_each_lingering(rundir, collect,
	    &st)) != 0) {
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
	k = count_kept(&st, n > 0);
	if (drop && k > 0) {
		dropped = drop_kept(&st);
		printf("%d exit status%s dropped (-drop_kept)\n", dropped,
		    dropped == 1 ? "" : "es");
		if (dropped < k)
			fprintf(stderr, "cmappserver: %d exit status%s not "
			    "dropped: %s shim%s did not go\n", k - dropped,
			    k - dropped == 1 ? "" : "es", k - dropped == 1 ?
			    "its" : "their", k - dropped == 1 ? "" : "s");
	} else if (k > 0)
		printf("%d exit status%s kept for %s manager%s (-drop_kept "
		    "drops them)\n", k, k == 1 ? "" : "es", k == 1 ? "its" :
		    "their", k == 1 ? "" : "s");
	else
		printf("no exit status kept\n");
	for (i = 0; i < st.n; i++) {
		close(st.t[i].fd);
		reader_free(&st.t[i].in);
	}
	if (left > 0 || st.unreachable > 0) {
		fprintf(stderr, "cmappserver: %d service%s did not stop, %d "
		    "could not be reached\n", left, left == 1 ? "" : "s",
		    st.unreachable);
		return 1;
	}
	printf("all services stopped\n");
	return drop && dropped < k ? 1 : 0;
}
