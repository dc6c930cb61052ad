/* SPDX-License-Identifier: ISC */
/*
 * supervise.c: the services cmappserver supervises.  Each runs under its own
 * cmapp-shim (shim.c), which owns the process, drains its output and keeps
 * its exit status, so that cmappserver can restart without a service
 * noticing (docs/restart.md).  Each service is an explicit state
 * machine (after s6-supervise), driven by its shim, its managers and the
 * sweep: the table of states x events, each cell an action and the next
 * state, is svcfsm.c, and sup_event() is the one place that applies it.
 * Here are the actions; supervise.c tells the managers through the
 * struct sup_ops server.c registered, never touching a session itself.
 *
 * A status is delivered only when a manager acknowledges its EXIT: a
 * manager killed or cut off after the EXIT was queued leaves it EXITED,
 * for the next START of the same command or a re-attach by run id.  The
 * shim sends EXIT only after the service's output reached EOF (or 100 ms),
 * so a manager sees the last lines first.  A service is found by its argv
 * while LAUNCHING, RUNNING or EXITED (so the next START after an unseen
 * exit collects the status, and only the one after that launches afresh);
 * DELIVERED ones only by run id.  A shim's hello is read like any other
 * frame, never waited for: an exec that hangs (a dead NFS mount) holds up
 * its own managers only.  No shim is a child of cmappserver for longer
 * than its start (spawn_shim): all are reaped by init.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "appserver.h"
#include "leftover.h"
#include "log.h"
#include "reader.h"
#include "readfile.h"
#include "shim.h"
#include "shimlink.h"
#include "svc.h"
#include "svcfsm.h"
#include "vis.h"

/* The states that count against max_processes. */
#define SV_LIVE(st)	((st) <= SV_RUNNING)

struct service {
	TAILQ_ENTRY(service)	 link;
	struct server		*srv;
	char			**argv;		/* NULL while ADOPTING */
	char			 display[256];
	uint64_t		 run_id;
	uint32_t		 pid;
	enum sv_state		 state;
	uv_pipe_t		 shim;		/* the link to its cmapp-shim */
	int			 shim_open;	/* it and stop_timer */
	int			 handles;	/* open handles */
	int			 listed;	/* in srv->services */
	struct reader		 in;		/* a partial frame */
	uint8_t			 exit_how;
	int32_t			 exit_value;
	time_t			 started, ended, delivered;
	int			 slow_logged;	/* "still starting" said */
	uint16_t		 link_version;	/* its SHIM_HELLO's */
	uint32_t		 left;		/* processes it left (SHIM_LEFT) */
	uint8_t			 left_where;	/* proto_left_where */
	struct session_list	 sessions;	/* attached, server.c's */
	char			 instance[PROTO_MAX_INSTANCE + 1];
	/* A stop on request (a manager's STOP): */
	struct session_list	 stoppers;	/* requesters, server.c's */
	uv_timer_t		 stop_timer;	/* SIGKILL, then give up */
	int			 stopping;	/* SIGTERM sent */
	int			 stop_killed;	/* SIGKILL sent */
	int			 stop_held;	/* ended; its stoppers wait
						   for what it left */
	int			 stop_late;	/* the stop came after the
						   end: not who ended it */
	int			 lingering;	/* adopted from RUN_ID.left */
	int			 left_pending;	/* adopted ended: its first
						   SHIM_LEFT not read yet */
	char			 stop_who[PROTO_MAX_TEXT]; /* the first */
};

/* What an event carries, as its action needs. */
struct sv_arg {
	const struct proto_msg	*msg;		/* a frame from the shim */
	struct session		*sess;		/* ATTACH, ACK */
	int			 launched;	/* ATTACH: its START launched */
	const char		*why;		/* LINK LOST, EXPIRE */
	uint32_t		 timeout;	/* STOP: s to SIGKILL */
};

struct shim_req {
	uv_write_t	req;
	uint8_t		buf[64];
};

static void	link_lost(struct service *, const char *);
static void	inst_remove(const struct service *);
static int	sup_event(struct service *, enum sv_event,
		    const struct sv_arg *);

const char *
sup_display(const struct service *s)
{
	return s->display;
}

uint64_t
sup_run_id(const struct service *s)
{
	return s->run_id;
}

const char *
sup_stopped_by(const struct service *s)
{
	return (s->state == SV_EXITED || s->state == SV_DELIVERED) &&
	    s->stopping && !s->stop_late ? s->stop_who : NULL;
}

int
sup_stop_holds(const struct service *s)
{
	return s->stop_held;
}

unsigned
sup_adopting(const struct server *srv)
{
	return srv->n_adopting;
}

struct session_list *
sup_sessions(struct service *s)
{
	return &s->sessions;
}

struct session_list *
sup_stoppers(struct service *s)
{
	return &s->stoppers;
}

/* The server's counts of live, kept and adopting services: +1 or -1. */
static void
count(struct server *srv, enum sv_state st, int d)
{
	if (SV_LIVE(st))
		srv->n_running += d;
	else
		srv->n_kept += d;
	if (st == SV_ADOPTING)
		srv->n_adopting += d;
}

/* Moves s to st, keeping the counts: for sup_event() alone. */
static void
set_state(struct service *s, enum sv_state st)
{
	if (s->listed) {
		count(s->srv, s->state, -1);
		count(s->srv, st, 1);
	}
	s->state = st;
}

static void
maybe_free(struct service *s)
{
	if (s->listed || s->handles > 0)
		return;
	reader_free(&s->in);
	svc_argv_free(s->argv);
	free(s);
}

static void
handle_closed(uv_handle_t *h)
{
	struct service	*s = h->data;

	s->handles--;
	maybe_free(s);
}

static void	stop_answer(struct service *, const char *);

/* Without its shim a service cannot be signalled: its stop timer goes
 * with the link. */
static void
close_link(struct service *s)
{
	if (!s->shim_open)
		return;
	/* Without the shim, what the service left is out of reach. */
	if (s->stop_held)
		stop_answer(s, "its shim went away");
	s->shim_open = 0;
	uv_close((uv_handle_t *)&s->stop_timer, handle_closed);
	uv_close((uv_handle_t *)&s->shim, handle_closed);
}

static void	adoption_check(struct server *);

static void
service_free(struct server *srv, struct service *s)
{
	int	was_adopting = s->state == SV_ADOPTING || s->left_pending;

	s->left_pending = 0;
	/* Every action that forgets a live service tells its managers
	 * first (ops->error), and an ended one has none attached but the
	 * requesters of a stop waiting for what it left, answered here. */
	if (s->stop_held)
		stop_answer(s, "its status is forgotten");
	if (!LIST_EMPTY(&s->sessions) || !LIST_EMPTY(&s->stoppers))
		fatalx("%s (run %016llx): forgotten with managers attached",
		    s->display, (unsigned long long)s->run_id);
	TAILQ_REMOVE(&srv->services, s, link);
	/* A shim given up on while adopting may answer the next server,
	 * which adopts it by its instance too (inst_sweep removes the file
	 * once the shim's socket is gone). */
	if (!was_adopting)
		inst_remove(s);
	count(srv, s->state, -1);
	s->listed = 0;
	s->state = SV_GONE;
	close_link(s);
	maybe_free(s);
	if (was_adopting)
		adoption_check(srv);
}

static const char *
status_text(const struct service *s, char *buf, size_t cap)
{
	if (s->exit_how == EXIT_SIGNAL)
		snprintf(buf, cap, "was killed by signal %d (%s)",
		    (int)s->exit_value, strsignal((int)s->exit_value));
	else
		snprintf(buf, cap, "exited with code %d", (int)s->exit_value);
	return buf;
}

static void
shim_sent(uv_write_t *req, int status)
{
	(void)status;
	free(req->data);
}

/* Queues one small frame to the shim: 0, or -1 if it cannot. */
static int
shim_send(struct service *s, const struct proto_msg *m)
{
	struct shim_req	*rr;
	ssize_t		 n;
	uv_buf_t	 b;

	if (!s->shim_open || (rr = calloc(1, sizeof(*rr))) == NULL)
		return -1;
	if ((n = proto_encode(m, rr->buf, sizeof(rr->buf))) < 0) {
		free(rr);
		return -1;
	}
	rr->req.data = rr;
	b = uv_buf_init((char *)rr->buf, (unsigned)n);
	if (uv_write(&rr->req, (uv_stream_t *)&s->shim, &b, 1,
	    shim_sent) != 0) {
		free(rr);
		return -1;
	}
	return 0;
}

/* Tells the shim its status is no longer needed: it exits. */
static void
release(struct service *s)
{
	struct proto_msg	 m = { .type = MSG_SHIM_RELEASE };

	m.u.attach.run_id = s->run_id;
	shim_send(s, &m);
}

static void
expire(struct service *s, const char *why)
{
	struct sv_arg	a = { .why = why };

	sup_event(s, SV_EV_EXPIRE, &a);
}

/* An ended run whose stop waits for what it left, or a delivered one
 * whose shim lingers as the handle of what it left: forgotten, a STOP of
 * its command would find nothing to signal. */
static int
held_for_left(const struct service *s)
{
	return s->stop_held || (s->state == SV_DELIVERED && s->left > 0 &&
	    s->shim_open);
}

/* Bounds the kept statuses: delivered ones go first, oldest first. */
static void
enforce_keep_max(struct server *srv)
{
	struct service	*s, *victim;
	unsigned	 held = 0;
	int		 pass;

	/* Those are not statuses kept but handles: they never push a kept
	 * status out. */
	TAILQ_FOREACH(s, &srv->services, link)
		if (!SV_LIVE(s->state) && held_for_left(s))
			held++;
	for (pass = 0; pass < 2 && srv->n_kept > KEEP_MAX + held; pass++) {
		do {
			victim = NULL;
			/* The list is in launch order, not end order. */
			TAILQ_FOREACH(s, &srv->services, link)
				if (s->state == (pass == 0 ? SV_DELIVERED :
				    SV_EXITED) && !held_for_left(s) &&
				    (victim == NULL || s->ended < victim->ended))
					victim = s;
			if (victim != NULL)
				expire(victim, "more than 64 ended "
				    "services are kept");
		} while (victim != NULL && srv->n_kept > KEEP_MAX + held);
	}
}

static void
sweep_cb(uv_timer_t *t)
{
	struct server	*srv = t->data;
	struct service	*s, *next;
	struct sv_arg	 a = { 0 };
	time_t		 now = time(NULL);

	/* Which timer is due depends on the state; what it does, on the
	 * table. */
	for (s = TAILQ_FIRST(&srv->services); s != NULL; s = next) {
		next = TAILQ_NEXT(s, link);
		if (held_for_left(s))
			continue;
		if (s->state == SV_EXITED && now - s->ended >
		    KEEP_UNDELIVERED_S)
			expire(s, "older than 24 hours");
		else if (s->state == SV_DELIVERED && now - s->delivered >
		    KEEP_DELIVERED_S)
			expire(s, "delivered over 10 minutes ago");
		else if (s->state == SV_LAUNCHING && !s->slow_logged &&
		    now - s->started >= SWEEP_MS / 1000)
			sup_event(s, SV_EV_SLOW, &a);
	}
}

/* The first service of identity (argv, instance) that is delivered, or
 * that is not. */
static struct service *
find_argv(struct server *srv, char *const *argv, const char *instance,
    int delivered)
{
	struct service	*s;

	TAILQ_FOREACH(s, &srv->services, link)
		if ((s->state == SV_DELIVERED) == delivered &&
		    s->argv != NULL && strcmp(s->instance, instance) == 0 &&
		    svc_argv_equal(s->argv, argv))
			return s;
	return NULL;
}

struct service *
sup_find_argv(struct server *srv, char *const *argv, const char *instance)
{
	return find_argv(srv, argv, instance, 0);
}

struct service *
sup_find_delivered(struct server *srv, char *const *argv,
    const char *instance)
{
	return find_argv(srv, argv, instance, 1);
}

struct service *
sup_find_run(struct server *srv, uint64_t run_id)
{
	struct service	*s;

	TAILQ_FOREACH(s, &srv->services, link)
		if (s->run_id == run_id)
			return s;
	return NULL;
}

static uint64_t
new_run_id(struct server *srv)
{
	uint64_t	id = 0;

	while (id == 0 || sup_find_run(srv, id) != NULL)
		if (getrandom(&id, sizeof(id), 0) != sizeof(id))
			id = ((uint64_t)time(NULL) << 32) ^ (uint64_t)rand();
	return id;
}

/* EXIT from a running service: the status goes to every attached
 * manager now. */
static void
act_exited(struct service *s, const struct proto_msg *m)
{
	struct server	*srv = s->srv;
	unsigned	 n;
	char		 st[96];

	s->exit_how = m->u.exit.how;
	s->exit_value = m->u.exit.value;
	s->ended = time(NULL);
	/* Stopped on request, it may leave processes in its group (a child
	 * that ignores SIGTERM): the stop's timer goes on, so that its
	 * SIGKILL reaches them, and its requesters are answered once they
	 * ended (stop_answer), as -stop_all waits for them.  The watchers
	 * hear the EXIT now. */
	s->stop_held = s->stopping && s->left > 0 && s->shim_open;
	if (s->shim_open && !s->stop_held)
		uv_timer_stop(&s->stop_timer);
	/* Its shim's SHIM_LEFT came just before the EXIT. */
	if (s->left > 0)
		log_warnx("run %016llx (%s) %s and left %u process%s in its "
		    "process group %u%s", (unsigned long long)s->run_id,
		    s->argv != NULL ? s->argv[0] : s->display,
		    status_text(s, st, sizeof(st)), s->left,
		    s->left == 1 ? "" : "es", s->pid,
		    s->left_where == LEFT_CGROUP ? " and cgroup" : "");
	n = srv->sup_ops->exited(srv, s, s->stopping ? s->stop_who : NULL,
	    s->stop_held);
	if (s->stop_held)
		log_info("%s (pid %u, run %016llx) stopped on request by %s: "
		    "%s; told %u manager%s; the stop waits for the %u "
		    "process%s it left", s->display, s->pid,
		    (unsigned long long)s->run_id, s->stop_who,
		    status_text(s, st, sizeof(st)), n, n == 1 ? "" : "s",
		    s->left, s->left == 1 ? "" : "es");
	else if (s->stopping)
		log_info("%s (pid %u, run %016llx) stopped on request by %s: "
		    "%s; told %u manager%s (requesters included)", s->display,
		    s->pid, (unsigned long long)s->run_id, s->stop_who,
		    status_text(s, st, sizeof(st)), n, n == 1 ? "" : "s");
	else if (n > 0)
		log_info("%s (pid %u, run %016llx) %s; told %u manager%s",
		    s->display, s->pid, (unsigned long long)s->run_id,
		    status_text(s, st, sizeof(st)), n, n == 1 ? "" : "s");
	else
		log_info("%s (pid %u, run %016llx) %s; no manager attached, "
		    "status kept for the next one", s->display, s->pid,
		    (unsigned long long)s->run_id,
		    status_text(s, st, sizeof(st)));
	enforce_keep_max(srv);
}

/* The hello of a previous server's shim: what it runs, and how. */
static void
act_adopt(struct service *s, const struct proto_msg *m, char **argv)
{
	struct server	*srv = s->srv;

	s->argv = argv;
	/* With inst_read()'s instance, if any. */
	svc_display_id(argv, s->instance, s->display, sizeof(s->display));
	s->started = (time_t)m->u.shim.started;
	if (s->state == SV_LAUNCHING) {
		/* Launched by the previous server, its exec still hanging:
		 * ours to wait for like our own launch.  A START of it
		 * attaches, and its hello or ERROR follows. */
		log_info("found %s (run %016llx) still starting: its exec has "
		    "not returned", s->display, (unsigned long long)s->run_id);
		adoption_check(srv);
		return;
	}
	s->pid = m->u.shim.pid;
	if (!SV_LIVE(s->state)) {
		s->exit_how = m->u.shim.exit_how;
		s->exit_value = m->u.shim.exit_value;
		s->ended = (time_t)m->u.shim.ended;
	}
	/* Its delivery time went with the previous server: the sweep's
	 * 10 minutes count from now. */
	if (s->state == SV_DELIVERED)
		s->delivered = time(NULL);
	/* A STOP held for the adoption must know what the run left: the
	 * adoption waits for the shim's count, which answers our
	 * SHIM_VERSION (link version 3 on). */
	if (!SV_LIVE(s->state) && m->u.shim.version >= 3)
		s->left_pending = 1;
	log_info("found %s (pid %u, run %016llx) %s", s->display, s->pid,
	    (unsigned long long)s->run_id, s->state == SV_RUNNING ?
	    "running" : s->state == SV_DELIVERED ? "ended, its status "
	    "delivered, processes it left still running" :
	    "ended, its status kept");
	/* Managers that re-attached by run id while we waited. */
	srv->sup_ops->started(srv, s, NULL);
	adoption_check(srv);
}

static void
cgroup_stays(uint64_t run_id, const char *cg, int r)
{
	log_warnx("run %016llx: its shim is gone, but its cgroup %s stays: %s",
	    (unsigned long long)run_id, cg, r == -EBUSY ? "processes still "
	    "run there" : strerror(-r));
}

static void	orphans_cb(uv_timer_t *);

/*
 * A cgroup busy just after its shim's death most often holds a service
 * killed with it and still exiting: it is tried again every
 * ORPHAN_RETRY_MS, ORPHAN_TRIES times, before the log says it stays.
 */
static void
orphans_try(struct server *srv, int last)
{
	char		 cg[PATH_MAX];
	unsigned	 i, n = 0;
	int		 r;

	for (i = 0; i < srv->n_orphans; i++) {
		r = left_cgroup_drop(srv->orphan[i].run_id, cg, sizeof(cg));
		if (r == -EBUSY && !last &&
		    ++srv->orphan[i].tries < ORPHAN_TRIES)
			srv->orphan[n++] = srv->orphan[i];
		else if (r != 0)
			cgroup_stays(srv->orphan[i].run_id, cg, r);
	}
	srv->n_orphans = n;
	if (n > 0)
		uv_timer_start(&srv->orphans, orphans_cb, ORPHAN_RETRY_MS, 0);
}

static void
orphans_cb(uv_timer_t *t)
{
	orphans_try(t->data, 0);
}

/*
 * The shim of run_id, whose socket is at path, is dead: killed by SIGKILL
 * (an admin, the OOM killer), since one that exits removes both its
 * socket and its service's cgroup.  They go now, or the log says why the
 * cgroup stays.
 */
static void
drop_dead(struct server *srv, const char *path, uint64_t run_id)
{
	char	cg[PATH_MAX];
	int	r;

	log_info("removing %s: its shim is gone", path);
	unlink(path);
	if ((r = left_cgroup_drop(run_id, cg, sizeof(cg))) == 0)
		return;
	if (r != -EBUSY || srv->n_orphans == ORPHAN_MAX) {
		cgroup_stays(run_id, cg, r);
		return;
	}
	srv->orphan[srv->n_orphans].run_id = run_id;
	srv->orphan[srv->n_orphans++].tries = 0;
	if (!uv_is_active((uv_handle_t *)&srv->orphans))
		uv_timer_start(&srv->orphans, orphans_cb, ORPHAN_RETRY_MS, 0);
}

/* The shim whose socket is at path is dead if it refuses: drop_dead. */
static void
drop_if_dead(void *srv, const char *path, uint64_t run_id)
{
	int	fd;

	if ((fd = shimlink_connect(path)) >= 0)
		close(fd);
	else if (fd == -ECONNREFUSED)
		drop_dead(srv, path, run_id);
}

/* RUN_ID.sock, where run_id's shim listens, into path; RUN_ID.left once
 * it lingers (the handle of what a delivered run left). */
static void
sock_path(const struct server *srv, uint64_t run_id, int lingering,
    char *path, size_t cap)
{
	snprintf(path, cap, "%s/%016llx.%s", srv->rundir,
	    (unsigned long long)run_id, lingering ? "left" : "sock");
}

/* The shim's link was lost: it may be dead. */
static void
check_dead(const struct service *s)
{
	char	path[PATH_MAX + 32];

	sock_path(s->srv, s->run_id, s->lingering, path, sizeof(path));
	drop_if_dead(s->srv, path, s->run_id);
}

/* The service is forgotten: its managers get code and text first. */
static void
act_forget(struct service *s, uint16_t code, const char *text)
{
	struct server	*srv = s->srv;

	srv->sup_ops->error(srv, s, code, text);
	service_free(srv, s);
}

static void
act_lost(struct service *s, enum sv_action act, const char *why)
{
	char	text[PROTO_MAX_TEXT];

	check_dead(s);
	switch (act) {
	case SV_A_LAUNCH_LOST:
		snprintf(text, sizeof(text), "could not start %s: its %s "
		    "ended before it started it (%s)", s->display, SHIM_NAME,
		    why);
		log_warnx("%s", text);
		act_forget(s, PERR_INTERNAL, text);
		break;
	case SV_A_ADOPT_LOST:
		snprintf(text, sizeof(text), "cannot adopt the shim of run "
		    "%016llx: %s", (unsigned long long)s->run_id, why);
		log_warnx("%s", text);
		/* Managers that re-attached by run id meanwhile. */
		act_forget(s, PERR_NORUN, text);
		break;
	default:	/* SV_A_RUN_LOST */
		snprintf(text, sizeof(text), "lost the supervisor of %s (pid "
		    "%u): %s; its exit status cannot be known", s->display,
		    s->pid, why);
		log_warnx("%s", text);
		act_forget(s, PERR_NORUN, text);
		break;
	}
}

static void	stop_timer_cb(uv_timer_t *);

static void
act_signal(struct service *s, int sig)
{
	struct proto_msg	m;

	memset(&m, 0, sizeof(m));
	m.type = MSG_SHIM_SIGNAL;
	m.u.signal.run_id = s->run_id;
	m.u.signal.sig = sig;
	if (shim_send(s, &m) == 0)
		log_info("sent signal %d to %s (pid %u, run %016llx)", sig,
		    s->display, s->pid, (unsigned long long)s->run_id);
	else
		log_warnx("cannot signal %s (run %016llx): its %s is not "
		    "reachable", s->display, (unsigned long long)s->run_id,
		    SHIM_NAME);
}

/* The first STOP's SIGTERM, and its SIGKILL timer. */
static void
stop_begin(struct service *s, const struct sv_arg *a)
{
	s->stopping = 1;
	snprintf(s->stop_who, sizeof(s->stop_who), "%s", a->sess->who);
	act_signal(s, SIGTERM);
	if (s->shim_open)
		uv_timer_start(&s->stop_timer, stop_timer_cb,
		    (uint64_t)a->timeout * 1000, 0);
}

/*
 * A manager's STOP of a live service: the first one sends SIGTERM and
 * starts the SIGKILL timer; each requester waits for the EXIT (STOPPED
 * before it), which every attached manager gets too.
 */
static void
act_stop(struct service *s, const struct sv_arg *a)
{
	struct server	*srv = s->srv;

	srv->sup_ops->stopping(srv, s, a->sess);
	if (s->stopping) {
		log_info("stop of %s (run %016llx) asked by %s: already "
		    "stopping on request by %s", s->display,
		    (unsigned long long)s->run_id, a->sess->who, s->stop_who);
		return;
	}
	log_info("stop of %s (pid %u, run %016llx) asked by %s: SIGTERM, "
	    "SIGKILL after %u s", s->display, s->pid,
	    (unsigned long long)s->run_id, a->sess->who, a->timeout);
	stop_begin(s, a);
}

/*
 * The requesters of a stop whose service ended, held while what it left
 * ran (act_exited), get its STOPPED and EXIT: those processes ended, or
 * why not.
 */
static void
stop_answer(struct service *s, const char *why)
{
	struct server	*srv = s->srv;
	unsigned	 n;

	if (!s->stop_held)
		return;
	s->stop_held = 0;
	s->stop_killed = 0;
	if (s->shim_open)
		uv_timer_stop(&s->stop_timer);
	/* A stop that came after the end did not end the run: no STOPPED,
	 * and the next STOP starts over. */
	n = srv->sup_ops->exited(srv, s, s->stop_late ? NULL : s->stop_who,
	    0);
	log_info("run %016llx (%s): the stop on request by %s answered "
	    "(%u requester%s): %s", (unsigned long long)s->run_id,
	    s->display, s->stop_who, n, n == 1 ? "" : "s", why);
	if (s->stop_late) {
		s->stop_late = 0;
		s->stopping = 0;
		s->stop_who[0] = '\0';
	}
}

/*
 * A STOP of a run that had ended, in whose process group (or cgroup)
 * processes it left still run: they get the stop's SIGTERM and, at its
 * time, SIGKILL, and the requester is answered once they ended, as for a
 * stop of a live run.  Answered at once, the cluster's next start ran a
 * second copy beside a child that ignores SIGTERM.  Not after a stop that
 * gave up, nor without the shim, which alone can signal them.
 */
static int
act_stop_late(struct service *s, const struct sv_arg *a)
{
	struct server	*srv = s->srv;
	char		 st[96];

	if (s->stop_held || s->left == 0 || !s->shim_open || s->stopping)
		return 0;
	s->stop_late = 1;
	s->stop_held = 1;
	s->stop_killed = 0;
	/* Held: told "ended", its EXIT once what was left has ended. */
	srv->sup_ops->stopping(srv, s, a->sess);
	log_info("stop of %s (run %016llx) asked by %s: it had ended (%s) and "
	    "left %u process%s: SIGTERM, SIGKILL after %u s", s->display,
	    (unsigned long long)s->run_id, a->sess->who,
	    status_text(s, st, sizeof(st)), s->left, s->left == 1 ? "" : "es",
	    a->timeout);
	stop_begin(s, a);
	return 1;
}

/* The stop's SIGKILL, and how long its end is waited for after it. */
static void
stop_sigkill(struct service *s)
{
	s->stop_killed = 1;
	act_signal(s, SIGKILL);
	uv_timer_start(&s->stop_timer, stop_timer_cb,
	    (uint64_t)STOP_KILL_WAIT_S * 1000, 0);
}

/* What an ended service left, at its stop's SIGKILL time and after. */
static void
stop_timer_left(struct service *s)
{
	char	text[PROTO_MAX_TEXT];

	if (s->left == 0) {
		stop_answer(s, "what it left has ended");
		return;
	}
	if (!s->stop_killed) {
		log_warnx("run %016llx (%s): the %u process%s it left still "
		    "run after SIGTERM: SIGKILL", (unsigned long long)s->run_id,
		    s->display, s->left, s->left == 1 ? "" : "es");
		stop_sigkill(s);
		return;
	}
	snprintf(text, sizeof(text), "%u process%s it left still run%s %d s "
	    "after SIGKILL (uninterruptible sleep?)", s->left,
	    s->left == 1 ? "" : "es", s->left == 1 ? "s" : "",
	    STOP_KILL_WAIT_S);
	log_warnx("run %016llx (%s): %s", (unsigned long long)s->run_id,
	    s->display, text);
	stop_answer(s, text);
}

/* The stop's SIGKILL time; after it, how long its end is waited for. */
static void
act_stop_timer(struct service *s)
{
	struct server	*srv = s->srv;
	char		 text[PROTO_MAX_TEXT];

	if (!SV_LIVE(s->state)) {
		stop_timer_left(s);
		return;
	}
	if (!s->stop_killed) {
		log_warnx("%s (pid %u, run %016llx) still runs after SIGTERM: "
		    "SIGKILL", s->display, s->pid,
		    (unsigned long long)s->run_id);
		stop_sigkill(s);
		return;
	}
	snprintf(text, sizeof(text), "%s (pid %u) still runs %d s after "
	    "SIGKILL (a process in uninterruptible sleep?)", s->display,
	    s->pid, STOP_KILL_WAIT_S);
	log_warnx("%s; its stop on request by %s gives up", text,
	    s->stop_who);
	/* A later STOP starts over, SIGTERM and timer, rather than join
	 * a stop that no timer ends. */
	s->stopping = 0;
	s->stop_killed = 0;
	s->stop_who[0] = '\0';
	srv->sup_ops->stop_failed(srv, s, text);
}

static void
stop_timer_cb(uv_timer_t *t)
{
	struct service	*s = t->data;
	struct sv_arg	 a = { 0 };

	sup_event(s, SV_EV_STOP_TIMER, &a);
}

/*
 * The one way a service changes: the cell of svcfsm.c's table for its
 * state and ev names the action and the next state.  An event its state
 * does not expect is logged and refused: -EPERM, nothing changed; a hello
 * whose argv is unusable: -EBADMSG, nothing changed either.  On 0 s may
 * be forgotten (GONE); its memory stays until its handles close.
 */
static int
sup_event(struct service *s, enum sv_event ev, const struct sv_arg *a)
{
	struct server		*srv = s->srv;
	const struct proto_msg	*m = a->msg;
	enum sv_action		 act;
	enum sv_state		 next, prev = s->state;
	char			**argv = NULL, text[PROTO_MAX_TEXT];
	char			 shown[VIS_LEN(PROTO_MAX_TEXT)];

	if (svcfsm_next(prev, ev, &act, &next) != 0) {
		log_warnx("%s (run %016llx): refused %s in state %s",
		    s->display, (unsigned long long)s->run_id,
		    svcfsm_event_name(ev), svcfsm_state_name(prev));
		return -EPERM;
	}
	/* The one action that can fail on what its frame says does so
	 * before anything changes. */
	if ((act == SV_A_ADOPT_RUNNING || act == SV_A_ADOPT_STARTING ||
	    act == SV_A_ADOPT_EXITED) && svc_argv_from_wire(m->u.shim.argv,
	    m->u.shim.argc, &argv) != 0)
		return -EBADMSG;
	if (next != SV_GONE)
		set_state(s, next);
	switch (act) {
	case SV_A_REFUSE:
	case SV_A_NONE:
	case SV_A_DISCARD:
	case SV_NACTIONS:
		break;
	case SV_A_STARTED:
		s->pid = m->u.shim.pid;
		s->started = time(NULL);
		srv->sup_ops->started(srv, s, NULL);
		break;
	case SV_A_ADOPT_RUNNING:
	case SV_A_ADOPT_STARTING:
	case SV_A_ADOPT_EXITED:
		act_adopt(s, m, argv);
		break;
	case SV_A_EXEC_FAILED:
		snprintf(text, sizeof(text), "%.*s", (int)m->u.error.text.len,
		    (const char *)m->u.error.text.p);
		/* The shim's "cannot execute ARGV0": the argument is a
		 * peer's. */
		log_warnx("could not start %s: %s", s->display,
		    vis_str(shown, sizeof(shown), text));
		act_forget(s, m->u.error.code == PERR_EXEC ? PERR_EXEC :
		    PERR_INTERNAL, text);
		break;
	case SV_A_OUTPUT:
		srv->sup_ops->output(srv, s, m->u.output.stream,
		    (const char *)m->u.output.data.p, m->u.output.data.len);
		break;
	case SV_A_EXITED:
		act_exited(s, m);
		break;
	case SV_A_WAIT:
		/* STARTED when the pending hello arrives. */
		srv->sup_ops->join(srv, s, a->sess, a->launched);
		break;
	case SV_A_JOIN:
		srv->sup_ops->join(srv, s, a->sess, a->launched);
		srv->sup_ops->started(srv, s, a->sess);
		break;
	case SV_A_SEND_STATUS:
		srv->sup_ops->started(srv, s, a->sess);
		if (prev == SV_EXITED)
			log_info("sent the kept status of %s (run %016llx) to "
			    "%s", s->display, (unsigned long long)s->run_id,
			    a->sess->peer);
		break;
	case SV_A_DELIVER:
		s->delivered = time(NULL);
		release(s);
		log_debug("%s (run %016llx): status delivered to %s",
		    s->display, (unsigned long long)s->run_id, a->sess->peer);
		break;
	case SV_A_LAUNCH_LOST:
	case SV_A_ADOPT_LOST:
	case SV_A_RUN_LOST:
		act_lost(s, act, a->why);
		break;
	case SV_A_KEEP:
		/* The status is ours now: kept here until delivered. */
		log_debug("the shim of %s (run %016llx) went away: %s",
		    s->display, (unsigned long long)s->run_id, a->why);
		break;
	case SV_A_SLOW:
		s->slow_logged = 1;
		log_warnx("%s is still starting after %lld s: its exec does "
		    "not return (a hung file system?)", s->display,
		    (long long)(time(NULL) - s->started));
		break;
	case SV_A_FORGET_KEPT:
		log_warnx("forgetting the exit status of %s (run %016llx, "
		    "%s), never collected: %s", s->display,
		    (unsigned long long)s->run_id,
		    status_text(s, text, sizeof(text)), a->why);
		release(s);
		service_free(srv, s);
		break;
	case SV_A_FORGET_DELIVERED:
		log_info("forgetting delivered run %016llx of %s: %s",
		    (unsigned long long)s->run_id, s->display, a->why);
		service_free(srv, s);
		break;
	case SV_A_ADOPT_GIVE_UP:
		snprintf(text, sizeof(text), "cannot adopt the shim of run "
		    "%016llx: no hello in %d s", (unsigned long long)s->run_id,
		    SUP_ADOPT_MS / 1000);
		log_warnx("%s; a START of its command will run a second copy",
		    text);
		act_forget(s, PERR_NORUN, text);
		break;
	case SV_A_STOP:
		act_stop(s, a);
		break;
	case SV_A_STOP_KEPT:
	case SV_A_STOP_NONE:
		/* What the ended run left still runs: stopped as a live
		 * run's group is. */
		if (act_stop_late(s, a))
			break;
		/* Otherwise answered as it is: the kept status goes to the
		 * requester, whose EXIT_ACK delivers it.  A stop still held
		 * for what the service left takes the requester among its
		 * own, as a STOP of a live one does. */
		srv->sup_ops->stopping(srv, s, a->sess);
		if (s->stop_held) {
			log_info("stop of %s (run %016llx) asked by %s: already "
			    "stopping on request by %s (the %u process%s it "
			    "left)", s->display, (unsigned long long)s->run_id,
			    a->sess->who, s->stop_who, s->left,
			    s->left == 1 ? "" : "es");
			break;
		}
		if (act == SV_A_STOP_KEPT)
			log_info("stop of %s (run %016llx) asked by %s: it had "
			    "ended (%s); its kept status sent", s->display,
			    (unsigned long long)s->run_id, a->sess->who,
			    status_text(s, text, sizeof(text)));
		else
			log_info("stop of %s asked by %s: not running",
			    s->display, a->sess->who);
		if (s->left > 0)
			act_signal(s, SIGTERM);	/* what it left */
		break;
	case SV_A_STOP_TIMER:
		act_stop_timer(s);
		break;
	}
	return 0;
}

/* What the service left changed: kept for -list and the exit's log line,
 * not an event (the state is the same). */
static int
on_left(struct service *s, const struct proto_msg *m)
{
	if (m->u.left.run_id != s->run_id || s->link_version < 3)
		return -1;
	if (s->left > 0 && m->u.left.count == 0 && !SV_LIVE(s->state))
		log_info("run %016llx (%s): the processes it left have ended",
		    (unsigned long long)s->run_id, s->display);
	s->left = m->u.left.count;
	s->left_where = m->u.left.where;
	if (s->stop_held && s->left == 0)
		stop_answer(s, "what it left has ended");
	if (s->left_pending) {
		s->left_pending = 0;
		adoption_check(s->srv);
	}
	return 0;
}

/* A shim of link version 3 or later is told ours: it then sends
 * SHIM_LEFT, which older ones do not know. */
static void
tell_version(struct service *s)
{
	struct proto_msg	m = { .type = MSG_SHIM_VERSION };

	if (s->link_version < 3)
		return;
	m.u.shim_version.version = SHIM_LINK_VERSION;
	shim_send(s, &m);
}

/* One frame from a shim, checked and made an event; -1 when the link
 * must be dropped. */
static int
link_frame(struct service *s, const struct proto_msg *m)
{
	struct sv_arg	a = { .msg = m };
	enum sv_event	ev;

	switch (m->type) {
	case MSG_SHIM_LEFT:
		return on_left(s, m);
	case MSG_SHIM_HELLO:
		if (m->u.shim.run_id != s->run_id ||
		    m->u.shim.version < SHIM_LINK_OLDEST ||
		    m->u.shim.version > SHIM_LINK_VERSION)
			return -1;
		/* proto.c admits no other state in a SHIM_HELLO.  A
		 * lingering shim's run has ended: any other is refused. */
		ev = m->u.shim.state == RUN_STARTING ? SV_EV_HELLO_STARTING :
		    m->u.shim.state == RUN_EXITED ? SV_EV_HELLO_EXITED :
		    SV_EV_HELLO_RUNNING;
		if (s->lingering)
			ev = ev == SV_EV_HELLO_EXITED ? SV_EV_HELLO_DELIVERED :
			    SV_NEVENTS;
		if (sup_event(s, ev, &a) != 0)
			return -1;
		s->link_version = m->u.shim.version;
		tell_version(s);
		return 0;
	case MSG_ERROR:
		ev = SV_EV_LAUNCH_ERROR;
		break;
	case MSG_OUTPUT:
		if (m->u.output.run_id != s->run_id)
			return -1;
		ev = SV_EV_OUTPUT;
		break;
	case MSG_EXIT:
		if (m->u.exit.run_id != s->run_id)
			return -1;
		ev = SV_EV_EXIT;
		break;
	default:
		return -1;
	}
	return sup_event(s, ev, &a) == 0 ? 0 : -1;
}

static void
link_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct service	*s = h->data;

	(void)hint;
	*b = uv_buf_init(s->srv->readbuf, sizeof(s->srv->readbuf));
}

/*
 * Feeds bytes from the shim; complete frames are handled as they are
 * whole.  A frame may free s (an exec error): s->listed is checked before
 * each.  Returns -1 for a malformed frame, 1 when s is gone.
 */
static int
link_feed(struct service *s, const uint8_t *data, size_t n)
{
	struct proto_msg	 m;
	ssize_t			 k, r;

	while (n > 0 && s->listed) {
		if ((k = reader_feed(&s->in, data, n)) < 0)
			return -1;
		data += k;
		n -= (size_t)k;
		while (s->listed && (r = reader_take(&s->in, NULL, &m, NULL,
		    0)) != 0)
			if (r < 0 || link_frame(s, &m) != 0)
				return -1;
	}
	if (!s->listed)
		return 1;	/* freed once its handles close */
	return 0;
}

static void
link_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
	struct service	*s = st->data;

	if (n == 0 || !s->listed)
		return;
	if (n < 0) {
		link_lost(s, n == UV_EOF ? "it closed the link" :
		    uv_strerror((int)n));
		return;
	}
	if (link_feed(s, (const uint8_t *)b->base, (size_t)n) < 0)
		link_lost(s, "it sent a malformed frame");
}

/* The shim died or misbehaved. */
static void
link_lost(struct service *s, const char *why)
{
	struct server	*srv = s->srv;
	struct sv_arg	 a = { .why = why };
	int		 pending = s->left_pending;

	s->left_pending = 0;
	close_link(s);
	sup_event(s, SV_EV_LINK_LOST, &a);
	if (pending)
		adoption_check(srv);
}

/*
 * Starts cmapp-shim with args, fd 3 on a new socket whose other end is
 * *link.  0 or -errno.  posix_spawn, not uv_spawn: that one forks the
 * daemon, whose every page the daemon then writes again is a copy-on-write
 * fault, and posix_spawn shares the address space until the exec (vfork):
 * 2.2 ms a launch instead of 8.3 on a VM whose page faults are dear.  Its
 * exec is of our own binary, which does not hang.  The shim we start
 * forks at once and its first process exits, reaped here: the shim is
 * then no child of ours, like those a previous cmappserver left, and none
 * is ever left unreaped, whatever becomes of its service here.
 */
static int
spawn_shim(struct server *srv, char **args, int *link)
{
	pid_t				 pid;
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 at;
	sigset_t			 none, all;
	int				 sv[2], e, child;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		return -errno;
	/* dup2 onto itself would leave it close-on-exec. */
	child = sv[1];
	if (child == SHIM_LINK_FD &&
	    (child = fcntl(sv[1], F_DUPFD_CLOEXEC, SHIM_LINK_FD + 1)) == -1) {
		e = errno;
		close(sv[0]);
		close(sv[1]);
		return -e;
	}
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	posix_spawn_file_actions_adddup2(&fa, child, SHIM_LINK_FD);
	posix_spawn_file_actions_addchdir_np(&fa, "/");
	posix_spawnattr_init(&at);
	/* Its own session: the daemon's death or its group's signals do
	 * not reach it; and our ignored SIGPIPE is not its. */
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	e = posix_spawn(&pid, srv->shim_path, &fa, &at, args, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(sv[1]);
	if (child != sv[1])
		close(child);
	if (e != 0) {
		close(sv[0]);
		return -e;
	}
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		;
	*link = sv[0];
	return 0;
}

/*
 * A shim's hello says the argv only, so the instance name of a service
 * that has one is kept beside its socket, RUN_ID.inst in the run
 * directory, for a restarted cmappserver to adopt it by the same
 * identity; removed when the service is forgotten, or by the next
 * adoption once its shim is gone.
 */
static void
inst_path(const struct service *s, char *buf, size_t cap, const char *tail)
{
	snprintf(buf, cap, "%s/%016llx.inst%s", s->srv->rundir,
	    (unsigned long long)s->run_id, tail);
}

static void
inst_write(const struct service *s)
{
	char	path[PATH_MAX + 32], tmp[PATH_MAX + 32];
	FILE	*f;
	int	 e = 0;

	if (s->instance[0] == '\0')
		return;
	inst_path(s, path, sizeof(path), "");
	inst_path(s, tmp, sizeof(tmp), ".tmp");
	if ((f = fopen(tmp, "we")) == NULL) {
		e = errno;
	} else {
		if (fprintf(f, "%s\n", s->instance) < 0)
			e = errno != 0 ? errno : EIO;
		if (fclose(f) != 0 && e == 0)
			e = errno;
		if (e == 0 && rename(tmp, path) != 0)
			e = errno;
		if (e != 0)
			unlink(tmp);
	}
	if (e != 0)
		log_warnx("cannot keep the instance name of %s in %s: %s; "
		    "a restarted cmappserver will not know it", s->display,
		    path, strerror(e));
}

/* Its instance from RUN_ID.inst, if it has one; a bad file is none. */
static void
inst_read(struct service *s)
{
	char		 path[PATH_MAX + 32], *buf = NULL;
	size_t		 n = 0;
	struct stat	 st;
	int		 r;

	inst_path(s, path, sizeof(path), "");
	/* The name and its newline; longer is no name (-EFBIG). */
	r = readfile(path, PROTO_MAX_INSTANCE + 1, READFILE_REGULAR, &buf, &n,
	    &st);
	if (r == -ENOENT)
		return;
	if (r == 0 && n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (r != 0 || n == 0 || proto_instance_ok((const uint8_t *)buf, n) != 0)
		log_warnx("%s: not an instance name; run %016llx is adopted "
		    "without one", path, (unsigned long long)s->run_id);
	else
		memcpy(s->instance, buf, n + 1);
	free(buf);
}

static void
inst_remove(const struct service *s)
{
	char	path[PATH_MAX + 32];

	if (s->instance[0] == '\0')
		return;
	inst_path(s, path, sizeof(path), "");
	unlink(path);
}

/* A RUN_ID.inst whose shim was not found, nor its socket: one that did
 * not answer now (stopped, its backlog full) keeps its instance for the
 * next start-up, or a START with that instance would run a second copy. */
static void
inst_sweep(void *arg, const char *path, uint64_t run_id)
{
	struct server	*srv = arg;
	char		 sock[PATH_MAX + 32];

	if (sup_find_run(srv, run_id) != NULL)
		return;
	sock_path(srv, run_id, 0, sock, sizeof(sock));
	if (access(sock, F_OK) == 0)
		return;
	/* A lingering shim's: adopted by a later server with its instance. */
	sock_path(srv, run_id, 1, sock, sizeof(sock));
	if (access(sock, F_OK) == 0)
		return;
	unlink(path);
}

static struct service *
service_new(struct server *srv, char **argv)
{
	struct service	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->srv = srv;
	s->argv = argv;
	/* No buffer while idle: most links are, most of the time. */
	reader_init(&s->in, 0, PROTO_MAX_BODY);
	LIST_INIT(&s->sessions);
	LIST_INIT(&s->stoppers);
	if (argv != NULL)
		svc_display(argv, s->display, sizeof(s->display));
	uv_pipe_init(&srv->loop, &s->shim, 0);
	s->shim.data = s;
	s->shim_open = 1;
	uv_timer_init(&srv->loop, &s->stop_timer);
	s->stop_timer.data = s;
	s->handles = 2;
	return s;
}

static void
service_add(struct server *srv, struct service *s, enum sv_state st)
{
	s->state = st;
	s->listed = 1;
	TAILQ_INSERT_TAIL(&srv->services, s, link);
	count(srv, st, 1);
	uv_read_start((uv_stream_t *)&s->shim, link_alloc, link_read);
}

int
sup_launch(struct server *srv, char **argv, const char *instance,
    struct service **out, char *err, size_t errlen)
{
	struct service		*s;
	char			 idhex[17], **args = NULL;
	int			 i, n, r, fd;

	if (srv->n_running >= srv->conf.max_processes) {
		snprintf(err, errlen, "cmappserver already runs %u services, "
		    "its limit (max_processes %u)", srv->n_running,
		    srv->conf.max_processes);
		svc_argv_free(argv);
		return -EAGAIN;
	}
	if ((s = service_new(srv, argv)) == NULL) {
		snprintf(err, errlen, "out of memory");
		svc_argv_free(argv);
		return -ENOMEM;
	}
	s->run_id = new_run_id(srv);
	snprintf(s->instance, sizeof(s->instance), "%s", instance);
	svc_display_id(argv, s->instance, s->display, sizeof(s->display));
	snprintf(idhex, sizeof(idhex), "%016" PRIx64, s->run_id);
	for (n = 0; argv[n] != NULL; n++)
		;
	if ((args = calloc((size_t)n + 5, sizeof(*args))) == NULL) {
		snprintf(err, errlen, "out of memory");
		close_link(s);
		return -ENOMEM;
	}
	args[0] = srv->shim_path;
	args[1] = srv->rundir;
	args[2] = idhex;
	args[3] = (char *)"--";	/* execv takes char *const[] */
	for (i = 0; i < n; i++)
		args[4 + i] = argv[i];
	inst_write(s);
	r = spawn_shim(srv, args, &fd);
	free(args);
	if (r == 0 && (r = uv_pipe_open(&s->shim, fd)) != 0)
		close(fd);	/* the shim sees EOF and launches nothing */
	if (r != 0) {
		snprintf(err, errlen, "cannot start %s: %s", srv->shim_path,
		    strerror(-r));
		inst_remove(s);
		close_link(s);
		return r;
	}
	/* Its hello (or why the exec failed) arrives as a frame. */
	s->started = time(NULL);
	service_add(srv, s, SV_LAUNCHING);
	*out = s;
	return 0;
}

/* Connects to the shim listening at path, left by a previous cmappserver;
 * lingering: at RUN_ID.left, its status delivered already. */
static void
adopt_path(struct server *srv, const char *path, uint64_t run_id,
    int lingering)
{
	struct service	*s;
	int		 fd;

	if ((fd = shimlink_connect(path)) < 0) {
		if (fd == -ECONNREFUSED)
			drop_dead(srv, path, run_id);
		else
			log_warnx("cannot reach the shim at %s: %s", path,
			    fd == -EAGAIN ? "it does not accept connections "
			    "(stopped?)" : strerror(-fd));
		return;
	}
	if ((s = service_new(srv, NULL)) == NULL) {
		close(fd);
		return;
	}
	snprintf(s->display, sizeof(s->display), "run %016llx",
	    (unsigned long long)run_id);
	if (uv_pipe_open(&s->shim, fd) != 0) {
		close(fd);
		close_link(s);
		return;
	}
	s->run_id = run_id;
	s->lingering = lingering;
	inst_read(s);
	service_add(srv, s, SV_ADOPTING);
}

static void
adopt_one(void *srv, const char *path, uint64_t run_id)
{
	adopt_path(srv, path, run_id, 0);
}

/* The handle of what a delivered run left: a STOP of its command gets
 * them their SIGTERM and SIGKILL, as before the restart, and -list
 * shows them. */
static void
adopt_lingering(void *srv, const char *path, uint64_t run_id)
{
	adopt_path(srv, path, run_id, 1);
}

/* Shims that never said hello are given up. */
static void
adopt_timeout(uv_timer_t *t)
{
	struct server	*srv = t->data;
	struct service	*s, *next;
	struct sv_arg	 a = { 0 };

	for (s = TAILQ_FIRST(&srv->services); s != NULL; s = next) {
		next = TAILQ_NEXT(s, link);
		if (s->state == SV_ADOPTING)
			sup_event(s, SV_EV_ADOPT_TIMEOUT, &a);
	}
	/* A count never sent: what those runs left is taken as none. */
	TAILQ_FOREACH(s, &srv->services, link)
		s->left_pending = 0;
	adoption_check(srv);
}

/* Once every shim has answered, the STARTs held meanwhile go on. */
static void
adoption_check(struct server *srv)
{
	struct service	*s;

	if (!srv->adopting || srv->n_adopting > 0)
		return;
	TAILQ_FOREACH(s, &srv->services, link)
		if (s->left_pending)
			return;
	srv->adopting = 0;
	uv_timer_stop(&srv->adopt);
	if (srv->n_running + srv->n_kept > 0)
		log_info("took over %u running and %u ended service%s from a "
		    "previous cmappserver", srv->n_running, srv->n_kept,
		    srv->n_running + srv->n_kept == 1 ? "" : "s");
	srv->sup_ops->adopted(srv);
}

int
sup_adopt(struct server *srv)
{
	int	r;

	srv->adopting = 1;
	r = shimlink_each(srv->rundir, adopt_one, srv);
	if (r == 0)
		r = shimlink_each_lingering(srv->rundir, adopt_lingering, srv);
	shimlink_each_instance(srv->rundir, inst_sweep, srv);
	uv_timer_start(&srv->adopt, adopt_timeout, SUP_ADOPT_MS, 0);
	adoption_check(srv);
	return r;
}

void
sup_init(struct server *srv, const struct sup_ops *ops)
{
	char	base[PATH_MAX], why[PATH_MAX + 64];

	/* Said once: each shim makes its service's cgroup, or falls back
	 * to the process group alone, by the same rule. */
	if (left_cgroup_base(base, sizeof(base), why, sizeof(why)) == 0)
		log_info("services get a cgroup of their own under %s: what "
		    "leaves a service's process group is still found", base);
	else
		log_info("no cgroup for services (%s): what a service leaves "
		    "behind is found by its process group only", why);
	srv->sup_ops = ops;
	TAILQ_INIT(&srv->services);
	uv_timer_init(&srv->loop, &srv->sweep);
	srv->sweep.data = srv;
	uv_timer_start(&srv->sweep, sweep_cb, SWEEP_MS, SWEEP_MS);
	uv_unref((uv_handle_t *)&srv->sweep);
	uv_timer_init(&srv->loop, &srv->adopt);
	srv->adopt.data = srv;
	uv_timer_init(&srv->loop, &srv->orphans);
	srv->orphans.data = srv;
	uv_unref((uv_handle_t *)&srv->orphans);
}

/* Stopping: the cgroups of dead shims still busy are tried a last time. */
void
sup_fini(struct server *srv)
{
	uv_timer_stop(&srv->orphans);
	orphans_try(srv, 1);
}

void
sup_fill_exit(const struct service *s, struct proto_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = MSG_EXIT;
	m->u.exit.run_id = s->run_id;
	m->u.exit.how = s->exit_how;
	m->u.exit.value = s->exit_value;
}

void
sup_fill_started(const struct service *s, struct proto_msg *m, int launched)
{
	memset(m, 0, sizeof(*m));
	m->type = MSG_STARTED;
	m->u.started.run_id = s->run_id;
	m->u.started.pid = s->pid;
	m->u.started.how = s->state == SV_RUNNING ? (launched ?
	    STARTED_LAUNCHED : STARTED_ATTACHED) : STARTED_EXITED;
}

/* A manager attaches. */
void
sup_attach(struct server *srv, struct service *s, struct session *sess,
    int launched)
{
	struct sv_arg	a = { .sess = sess, .launched = launched };

	(void)srv;
	sup_event(s, SV_EV_ATTACH, &a);
}

/* A manager has the status; the shim may go. */
void
sup_ack(struct server *srv, struct session *sess, uint64_t run_id)
{
	struct service	*s = sup_find_run(srv, run_id);
	struct sv_arg	 a = { .sess = sess };

	if (s == NULL || sess->exit_run != run_id)
		return;
	sup_event(s, SV_EV_ACK, &a);
}

int
sup_stop(struct server *srv, struct service *s, struct session *sess,
    uint32_t timeout_s)
{
	struct sv_arg	a = { .sess = sess, .timeout = timeout_s };

	(void)srv;
	return sup_event(s, SV_EV_STOP, &a) == 0 ? 0 : -EPERM;
}

void
sup_fill_status(const struct service *s, struct proto_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = MSG_STATUS_REPLY;
	m->u.status.state = STATUS_NONE;
	if (s == NULL || s->state == SV_GONE)
		return;
	/* Its stop waits for what it left: running until that ended.  (Not
	 * when the stop came after the end: that end is what it is.) */
	if (s->stop_held && !s->stop_late) {
		m->u.status.run_id = s->run_id;
		m->u.status.state = STATUS_RUNNING;
		m->u.status.pid = s->pid;
		return;
	}
	if (s->state == SV_DELIVERED)
		return;
	m->u.status.run_id = s->run_id;
	switch (s->state) {
	case SV_RUNNING:
		m->u.status.state = STATUS_RUNNING;
		m->u.status.pid = s->pid;
		break;
	case SV_EXITED:
		m->u.status.state = STATUS_ENDED;
		m->u.status.exit_how = s->exit_how;
		m->u.status.exit_value = s->exit_value;
		break;
	default:	/* launching, or adopting: its exec not known done */
		m->u.status.state = STATUS_STARTING;
		break;
	}
}

/* A STOP's first answer: a STATUS's, but a run that had ended and whose
 * stop waits for what it left is told as ended, a delivered one too: its
 * EXIT follows once they ended. */
void
sup_fill_stop_reply(const struct service *s, struct proto_msg *m)
{
	sup_fill_status(s, m);
	if (s == NULL || !s->stop_held || !s->stop_late)
		return;
	m->u.status.run_id = s->run_id;
	m->u.status.state = STATUS_ENDED;
	m->u.status.exit_how = s->exit_how;
	m->u.status.exit_value = s->exit_value;
}

void
sup_list(struct server *srv, struct session *sess)
{
	struct proto_msg	 m;
	struct service		*s;
	struct session		*att;
	uint16_t		 n = 0;
	int			 i;

	TAILQ_FOREACH(s, &srv->services, link) {
		if (s->argv == NULL)
			continue;	/* adopting: not known yet */
		memset(&m, 0, sizeof(m));
		m.type = MSG_LIST_ENTRY;
		m.u.entry.run_id = s->run_id;
		/* 0 while launching (no hello from the shim yet, its exec
		 * perhaps hung): cmappmgr -list shows "starting". */
		m.u.entry.pid = s->pid;
		m.u.entry.state = SV_LIVE(s->state) ? RUN_RUNNING :
		    s->state == SV_DELIVERED ? RUN_DELIVERED : RUN_EXITED;
		m.u.entry.exit_how = s->exit_how;
		m.u.entry.exit_value = s->exit_value;
		m.u.entry.since = (uint64_t)(SV_LIVE(s->state) ?
		    s->started : s->ended);
		/* Counted, not kept: the LIST_MANAGER frames that follow
		 * must match it. */
		LIST_FOREACH(att, &s->sessions, svc_link)
			m.u.entry.managers++;
		for (i = 0; s->argv[i] != NULL && i < PROTO_MAX_ARGS; i++) {
			m.u.entry.argv[i].p = (const uint8_t *)s->argv[i];
			m.u.entry.argv[i].len = (uint16_t)strlen(s->argv[i]);
		}
		m.u.entry.argc = (uint16_t)i;
		if (conn_send(sess->conn, &m) != 0)
			continue;
		n++;
		if (s->instance[0] != '\0' && proto_has(sess->conn->version,
		    MSG_LIST_INSTANCE)) {
			memset(&m, 0, sizeof(m));
			m.type = MSG_LIST_INSTANCE;
			m.u.instance.run_id = s->run_id;
			m.u.instance.name.p = (const uint8_t *)s->instance;
			m.u.instance.name.len = (uint16_t)strlen(s->instance);
			conn_send(sess->conn, &m);
		}
		if (s->left > 0 && proto_has(sess->conn->version,
		    MSG_LIST_LEFT)) {
			memset(&m, 0, sizeof(m));
			m.type = MSG_LIST_LEFT;
			m.u.left.run_id = s->run_id;
			m.u.left.count = s->left;
			m.u.left.where = s->left_where;
			conn_send(sess->conn, &m);
		}
		/* Apart from the entry: its argv may fill a frame alone. */
		srv->sup_ops->list_managers(srv, s, sess);
	}
	memset(&m, 0, sizeof(m));
	m.type = MSG_LIST_END;
	m.u.list_end.count = n;
	conn_send(sess->conn, &m);
}
