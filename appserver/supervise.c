/*
 * supervise.c: the services cmappserver supervises.  Each runs under its own
 * cmapp-shim (shim.c), which owns the process, drains its output and keeps
 * its exit status, so that cmappserver can restart without a service
 * noticing (docs/restart.md).  Here each service is an explicit state
 * machine (after s6-supervise), driven by its shim and its managers:
 *
 *   state \ event  HELLO       EXIT         ATTACH        EXIT_ACK   LINK LOST
 *   LAUNCHING      RUNNING,    -            wait for      -          ERROR to
 *   (our shim)     STARTED to                HELLO                   waiting;
 *                  waiting                                            forget
 *   ADOPTING       RUNNING or  -            wait (by run  -          forget
 *   (a previous    EXITED, as                id only)
 *   server's)      it says
 *   RUNNING        -           push EXIT    STARTED       -          ERROR to
 *                              to attached;                          attached;
 *                              EXITED                                forget
 *   EXITED         -           -            STARTED +     DELIVERED, keep (in
 *                                            EXIT         release    memory)
 *                                                         the shim
 *   DELIVERED      -           -            same (by run  -          -
 *                                            id only)
 *
 *   EXPIRE (sweep): EXITED after 24 h, DELIVERED after 10 min, or the
 *   oldest beyond 64 kept: release the shim, forget (logged).  ADOPTING
 *   past SUP_ADOPT_MS: forget (logged).  An ERROR from a LAUNCHING shim
 *   (the exec failed) goes to the waiting managers; forget.
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
#include "log.h"
#include "reader.h"
#include "shim.h"
#include "shimlink.h"
#include "svc.h"
#include "vis.h"

enum sv_state {
	SV_LAUNCHING,	/* our shim started, its hello not yet read */
	SV_ADOPTING,	/* a previous server's shim, its hello not yet read */
	SV_RUNNING,
	SV_EXITED,	/* ended, status not yet acknowledged */
	SV_DELIVERED,	/* ended, status acknowledged by a manager */
};

/* The states that count against max_processes. */
#define SV_LIVE(st)	((st) <= SV_RUNNING)
#define SV_PENDING(st)	((st) == SV_LAUNCHING || (st) == SV_ADOPTING)

struct service {
	TAILQ_ENTRY(service)	 link;
	struct server		*srv;
	char			**argv;		/* NULL while ADOPTING */
	char			 display[256];
	uint64_t		 run_id;
	uint32_t		 pid;
	enum sv_state		 state;
	uv_pipe_t		 shim;		/* the link to its cmapp-shim */
	int			 shim_open;
	int			 handles;	/* open handles */
	int			 listed;	/* in srv->services */
	struct reader		 in;		/* a partial frame */
	uint8_t			 exit_how;
	int32_t			 exit_value;
	time_t			 started, ended, delivered;
	int			 slow_logged;	/* "still starting" said */
};

struct release_req {
	uv_write_t	req;
	uint8_t		buf[64];
};

static void	link_lost(struct service *, const char *);

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

unsigned
sup_adopting(const struct server *srv)
{
	return srv->n_adopting;
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

/* Moves s to st, keeping the counts. */
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

static void
close_link(struct service *s)
{
	if (!s->shim_open)
		return;
	s->shim_open = 0;
	uv_close((uv_handle_t *)&s->shim, handle_closed);
}

static void	adoption_check(struct server *);

static void
service_free(struct server *srv, struct service *s)
{
	int	was_adopting = s->state == SV_ADOPTING;

	TAILQ_REMOVE(&srv->services, s, link);
	count(srv, s->state, -1);
	s->listed = 0;
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
release_done(uv_write_t *req, int status)
{
	(void)status;
	free(req->data);
}

/* Tells the shim its status is no longer needed: it exits. */
static void
release(struct service *s)
{
	struct proto_msg	 m = { .type = MSG_SHIM_RELEASE };
	struct release_req	*rr;
	ssize_t			 n;
	uv_buf_t		 b;

	if (!s->shim_open || (rr = calloc(1, sizeof(*rr))) == NULL)
		return;
	m.u.attach.run_id = s->run_id;
	if ((n = proto_encode(&m, rr->buf, sizeof(rr->buf))) < 0) {
		free(rr);
		return;
	}
	rr->req.data = rr;
	b = uv_buf_init((char *)rr->buf, (unsigned)n);
	if (uv_write(&rr->req, (uv_stream_t *)&s->shim, &b, 1,
	    release_done) != 0)
		free(rr);
}

static void
expire(struct server *srv, struct service *s, const char *why)
{
	char	st[96];

	if (s->state == SV_EXITED) {
		log_warnx("forgetting the exit status of %s (run %016llx, "
		    "%s), never collected: %s", s->display,
		    (unsigned long long)s->run_id,
		    status_text(s, st, sizeof(st)), why);
		release(s);
	} else
		log_info("forgetting delivered run %016llx of %s: %s",
		    (unsigned long long)s->run_id, s->display, why);
	service_free(srv, s);
}

/* Bounds the kept statuses: delivered ones go first, oldest first. */
static void
enforce_keep_max(struct server *srv)
{
	struct service	*s, *victim;
	int		 pass;

	for (pass = 0; pass < 2 && srv->n_kept > KEEP_MAX; pass++) {
		do {
			victim = NULL;
			/* The list is in launch order, not end order. */
			TAILQ_FOREACH(s, &srv->services, link)
				if (s->state == (pass == 0 ? SV_DELIVERED :
				    SV_EXITED) && (victim == NULL ||
				    s->ended < victim->ended))
					victim = s;
			if (victim != NULL)
				expire(srv, victim, "more than 64 ended "
				    "services are kept");
		} while (victim != NULL && srv->n_kept > KEEP_MAX);
	}
}

static void
sweep_cb(uv_timer_t *t)
{
	struct server	*srv = t->data;
	struct service	*s, *next;
	time_t		 now = time(NULL);

	for (s = TAILQ_FIRST(&srv->services); s != NULL; s = next) {
		next = TAILQ_NEXT(s, link);
		if (s->state == SV_EXITED && now - s->ended >
		    KEEP_UNDELIVERED_S)
			expire(srv, s, "older than 24 hours");
		else if (s->state == SV_DELIVERED && now - s->delivered >
		    KEEP_DELIVERED_S)
			expire(srv, s, "delivered over 10 minutes ago");
		else if (s->state == SV_LAUNCHING && !s->slow_logged &&
		    now - s->started >= SWEEP_MS / 1000) {
			s->slow_logged = 1;
			log_warnx("%s is still starting after %lld s: its exec "
			    "does not return (a hung file system?)",
			    s->display, (long long)(now - s->started));
		}
	}
}

struct service *
sup_find_argv(struct server *srv, char *const *argv)
{
	struct service	*s;

	TAILQ_FOREACH(s, &srv->services, link)
		if (s->state != SV_DELIVERED && s->argv != NULL &&
		    svc_argv_equal(s->argv, argv))
			return s;
	return NULL;
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

/* EVENT EXIT: the status goes to every attached manager now. */
static void
on_exit_msg(struct service *s, const struct proto_msg *m)
{
	struct server	*srv = s->srv;
	unsigned	 n;
	char		 st[96];

	s->exit_how = m->u.exit.how;
	s->exit_value = m->u.exit.value;
	s->ended = time(NULL);
	set_state(s, SV_EXITED);
	n = server_send_exit(srv, s);
	if (n > 0)
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

/* EVENT HELLO of a LAUNCHING or ADOPTING shim; -1 drops the link. */
static int
on_hello(struct service *s, const struct proto_msg *m)
{
	struct server	*srv = s->srv;
	char		**argv;

	if (m->u.shim.run_id != s->run_id ||
	    m->u.shim.version < SHIM_LINK_OLDEST ||
	    m->u.shim.version > SHIM_LINK_VERSION)
		return -1;
	if (s->state == SV_LAUNCHING) {
		if (m->u.shim.state != RUN_RUNNING)
			return -1;
		s->pid = m->u.shim.pid;
		s->started = time(NULL);
		set_state(s, SV_RUNNING);
		server_send_started(srv, s);
		return 0;
	}
	if (svc_argv_from_wire(m->u.shim.argv, m->u.shim.argc, &argv) != 0)
		return -1;
	s->argv = argv;
	svc_display(argv, s->display, sizeof(s->display));
	s->started = (time_t)m->u.shim.started;
	if (m->u.shim.state == RUN_STARTING) {
		/* Launched by the previous server, its exec still hanging:
		 * ours to wait for like our own launch.  A START of it
		 * attaches, and its hello or ERROR follows. */
		set_state(s, SV_LAUNCHING);
		log_info("found %s (run %016llx) still starting: its exec has "
		    "not returned", s->display, (unsigned long long)s->run_id);
		adoption_check(srv);
		return 0;
	}
	s->pid = m->u.shim.pid;
	if (m->u.shim.state == RUN_EXITED) {
		s->exit_how = m->u.shim.exit_how;
		s->exit_value = m->u.shim.exit_value;
		s->ended = (time_t)m->u.shim.ended;
		set_state(s, SV_EXITED);
	} else
		set_state(s, SV_RUNNING);
	log_info("found %s (pid %u, run %016llx) %s", s->display, s->pid,
	    (unsigned long long)s->run_id, s->state == SV_RUNNING ?
	    "running" : "ended, its status kept");
	/* Managers that re-attached by run id while we waited. */
	server_send_started(srv, s);
	adoption_check(srv);
	return 0;
}

/* EVENT ERROR of a LAUNCHING shim: the command could not be run. */
static void
on_launch_error(struct service *s, const struct proto_msg *m)
{
	char	text[PROTO_MAX_TEXT], shown[VIS_LEN(PROTO_MAX_TEXT)];

	snprintf(text, sizeof(text), "%.*s", (int)m->u.error.text.len,
	    (const char *)m->u.error.text.p);
	/* The shim's "cannot execute ARGV0": the argument is a peer's. */
	log_warnx("could not start %s: %s", s->display,
	    vis_str(shown, sizeof(shown), text));
	server_send_error(s->srv, s, m->u.error.code == PERR_EXEC ? PERR_EXEC :
	    PERR_INTERNAL, text);
	service_free(s->srv, s);
}

/* One frame from a shim; -1 when the link must be dropped. */
static int
link_frame(struct service *s, const struct proto_msg *m)
{
	switch (m->type) {
	case MSG_SHIM_HELLO:
		if (!SV_PENDING(s->state))
			return -1;
		return on_hello(s, m);
	case MSG_ERROR:
		if (s->state != SV_LAUNCHING)
			return -1;
		on_launch_error(s, m);
		return 0;
	case MSG_OUTPUT:
		if (m->u.output.run_id != s->run_id)
			return -1;
		if (s->state == SV_RUNNING)
			server_send_output(s->srv, s, m->u.output.stream,
			    (const char *)m->u.output.data.p,
			    m->u.output.data.len);
		return 0;
	case MSG_EXIT:
		if (m->u.exit.run_id != s->run_id || s->state != SV_RUNNING)
			return -1;
		on_exit_msg(s, m);
		return 0;
	default:
		return -1;
	}
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

/* EVENT LINK LOST: the shim died or misbehaved. */
static void
link_lost(struct service *s, const char *why)
{
	struct server	*srv = s->srv;
	char		 text[PROTO_MAX_TEXT];

	close_link(s);
	switch (s->state) {
	case SV_LAUNCHING:
		snprintf(text, sizeof(text), "could not start %s: its %s "
		    "ended before it started it (%s)", s->display, SHIM_NAME,
		    why);
		log_warnx("%s", text);
		server_send_error(srv, s, PERR_INTERNAL, text);
		service_free(srv, s);
		break;
	case SV_ADOPTING:
		snprintf(text, sizeof(text), "cannot adopt the shim of run "
		    "%016llx: %s", (unsigned long long)s->run_id, why);
		log_warnx("%s", text);
		/* Managers that re-attached by run id meanwhile. */
		server_send_error(srv, s, PERR_NORUN, text);
		service_free(srv, s);
		break;
	case SV_RUNNING:
		snprintf(text, sizeof(text), "lost the supervisor of %s (pid "
		    "%u): %s; its exit status cannot be known", s->display,
		    s->pid, why);
		log_warnx("%s", text);
		server_send_error(srv, s, PERR_NORUN, text);
		service_free(srv, s);
		break;
	case SV_EXITED:
		/* The status is ours now: kept here until delivered. */
		log_debug("the shim of %s (run %016llx) went away: %s",
		    s->display, (unsigned long long)s->run_id, why);
		break;
	case SV_DELIVERED:
		break;		/* released: the shim's normal end */
	}
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
	if (argv != NULL)
		svc_display(argv, s->display, sizeof(s->display));
	uv_pipe_init(&srv->loop, &s->shim, 0);
	s->shim.data = s;
	s->shim_open = 1;
	s->handles = 1;
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
sup_launch(struct server *srv, char **argv, struct service **out, char *err,
    size_t errlen)
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
	args[3] = "--";
	for (i = 0; i < n; i++)
		args[4 + i] = argv[i];
	r = spawn_shim(srv, args, &fd);
	free(args);
	if (r == 0 && (r = uv_pipe_open(&s->shim, fd)) != 0)
		close(fd);	/* the shim sees EOF and launches nothing */
	if (r != 0) {
		snprintf(err, errlen, "cannot start %s: %s", srv->shim_path,
		    strerror(-r));
		close_link(s);
		return r;
	}
	/* Its hello (or why the exec failed) arrives as a frame. */
	s->started = time(NULL);
	service_add(srv, s, SV_LAUNCHING);
	*out = s;
	return 0;
}

/* Connects to the shim listening at path, left by a previous cmappserver. */
static void
adopt_one(void *arg, const char *path, uint64_t run_id)
{
	struct server	*srv = arg;
	struct service	*s;
	int		 fd;

	if ((fd = shimlink_connect(path)) < 0) {
		if (fd == -ECONNREFUSED) {
			log_info("removing %s: its shim is gone", path);
			unlink(path);
		} else
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
	service_add(srv, s, SV_ADOPTING);
}

/* EVENT ADOPT TIMEOUT: shims that never said hello are given up. */
static void
adopt_timeout(uv_timer_t *t)
{
	struct server	*srv = t->data;
	struct service	*s, *next;
	char		 text[PROTO_MAX_TEXT];

	for (s = TAILQ_FIRST(&srv->services); s != NULL; s = next) {
		next = TAILQ_NEXT(s, link);
		if (s->state == SV_ADOPTING) {
			snprintf(text, sizeof(text), "cannot adopt the shim of "
			    "run %016llx: no hello in %d s", (unsigned long
			    long)s->run_id, SUP_ADOPT_MS / 1000);
			log_warnx("%s; a START of its command will run a "
			    "second copy", text);
			server_send_error(srv, s, PERR_NORUN, text);
			service_free(srv, s);
		}
	}
}

/* Once every shim has answered, the STARTs held meanwhile go on. */
static void
adoption_check(struct server *srv)
{
	if (!srv->adopting || srv->n_adopting > 0)
		return;
	srv->adopting = 0;
	uv_timer_stop(&srv->adopt);
	if (srv->n_running + srv->n_kept > 0)
		log_info("took over %u running and %u ended service%s from a "
		    "previous cmappserver", srv->n_running, srv->n_kept,
		    srv->n_running + srv->n_kept == 1 ? "" : "s");
	server_adopted(srv);
}

int
sup_adopt(struct server *srv)
{
	int	r;

	srv->adopting = 1;
	r = shimlink_each(srv->rundir, adopt_one, srv);
	uv_timer_start(&srv->adopt, adopt_timeout, SUP_ADOPT_MS, 0);
	adoption_check(srv);
	return r;
}

void
sup_init(struct server *srv)
{
	TAILQ_INIT(&srv->services);
	uv_timer_init(&srv->loop, &srv->sweep);
	srv->sweep.data = srv;
	uv_timer_start(&srv->sweep, sweep_cb, SWEEP_MS, SWEEP_MS);
	uv_unref((uv_handle_t *)&srv->sweep);
	uv_timer_init(&srv->loop, &srv->adopt);
	srv->adopt.data = srv;
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

/* EVENT ATTACH. */
void
sup_attach(struct server *srv, struct service *s, struct session *sess,
    int launched)
{
	struct proto_msg	m;

	(void)srv;
	if (SV_LIVE(s->state)) {
		/* STARTED now, or when the pending hello arrives. */
		sess->svc = s;
		sess->attached = time(NULL);
		sess->launched = launched;
		if (s->state == SV_RUNNING) {
			sup_fill_started(s, &m, launched);
			conn_send(sess->conn, &m);
		}
		return;
	}
	sup_fill_started(s, &m, 0);
	conn_send(sess->conn, &m);
	sup_fill_exit(s, &m);
	sess->exit_run = s->run_id;
	conn_send(sess->conn, &m);
	if (s->state == SV_EXITED)
		log_info("sent the kept status of %s (run %016llx) to %s",
		    s->display, (unsigned long long)s->run_id, sess->peer);
}

/* EVENT EXIT_ACK: a manager has the status; the shim may go. */
void
sup_ack(struct server *srv, struct session *sess, uint64_t run_id)
{
	struct service	*s = sup_find_run(srv, run_id);

	if (s == NULL || s->state != SV_EXITED || sess->exit_run != run_id)
		return;
	set_state(s, SV_DELIVERED);
	s->delivered = time(NULL);
	release(s);
	log_debug("%s (run %016llx): status delivered to %s", s->display,
	    (unsigned long long)run_id, sess->peer);
}

void
sup_detach(struct server *srv, struct session *sess)
{
	(void)srv;
	sess->svc = NULL;
}

void
sup_list(struct server *srv, struct session *sess)
{
	struct proto_msg	 m;
	struct service		*s;
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
		m.u.entry.managers = (uint16_t)server_managers(srv, s);
		for (i = 0; s->argv[i] != NULL && i < PROTO_MAX_ARGS; i++) {
			m.u.entry.argv[i].p = (const uint8_t *)s->argv[i];
			m.u.entry.argv[i].len = (uint16_t)strlen(s->argv[i]);
		}
		m.u.entry.argc = (uint16_t)i;
		if (conn_send(sess->conn, &m) != 0)
			continue;
		n++;
		/* Apart from the entry: its argv may fill a frame alone. */
		server_list_managers(srv, s, sess);
	}
	memset(&m, 0, sizeof(m));
	m.type = MSG_LIST_END;
	m.u.list_end.count = n;
	conn_send(sess->conn, &m);
}
