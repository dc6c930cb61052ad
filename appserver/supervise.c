/*
 * supervise.c: the services cmappserver launched.  Each is an explicit state
 * machine (after s6-supervise):
 *
 *   state \ event   EXIT            DRAINED             ATTACH            EXPIRE
 *   RUNNING         -> DRAINING     -                   attach            -
 *   DRAINING        -               push EXIT to the    attach (gets the  -
 *                                   attached; ->        EXIT when
 *                                   DELIVERED if any    drained)
 *                                   got it, else EXITED
 *   EXITED          -               -                   STARTED+EXIT,     forget
 *                                                       -> DELIVERED      (logged)
 *   DELIVERED       -               -                   same (by run id   forget
 *                                                       only)
 *
 * DRAINING lasts until the service's stdout and stderr reach EOF, at most
 * EXIT_DRAIN_MS, so that a manager sees the last lines before the EXIT.  A
 * service is found by its argv while RUNNING, DRAINING or EXITED (so the next
 * START after an unseen exit collects the status, and only the one after
 * that launches afresh); DELIVERED ones only by run id, for a manager that
 * lost its connection at the wrong moment.  libuv's exit callback reaps each
 * child: nothing here calls waitpid.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "appserver.h"
#include "log.h"
#include "svc.h"

enum sv_state { SV_RUNNING, SV_DRAINING, SV_EXITED, SV_DELIVERED };

struct outpipe {
	uv_pipe_t	 pipe;
	struct server	*srv;
	struct service	*svc;	/* NULL once the service is gone */
	uint8_t		 stream;
};

struct service {
	TAILQ_ENTRY(service)	 link;
	struct server		*srv;
	char			**argv;
	char			 display[256];
	uint64_t		 run_id;
	uint32_t		 pid;
	enum sv_state		 state;
	uv_process_t		 proc;
	uv_timer_t		 drain;
	int			 handles;	/* open: freed at 0 */
	struct outpipe		*out[2];
	uint8_t			 exit_how;
	int32_t			 exit_value;
	time_t			 started, ended, delivered;
	unsigned		 managers;
};

static void	drained(struct service *);

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

static void
service_closed(uv_handle_t *h)
{
	struct service	*s = h->data;

	if (--s->handles == 0) {
		svc_argv_free(s->argv);
		free(s);
	}
}

static void
outpipe_closed(uv_handle_t *h)
{
	free(h->data);
}

/* The pipe lives on until EOF even without its service: a grandchild that
 * kept the service's stdout must not get SIGPIPE. */
static void
outpipe_release(struct outpipe *op)
{
	struct service	*s = op->svc;

	if (s != NULL) {
		s->out[op->stream - 1] = NULL;
		op->svc = NULL;
	}
}

static void
service_free(struct server *srv, struct service *s)
{
	int	i;

	TAILQ_REMOVE(&srv->services, s, link);
	if (s->state == SV_EXITED || s->state == SV_DELIVERED)
		srv->n_kept--;
	for (i = 0; i < 2; i++)
		if (s->out[i] != NULL)
			outpipe_release(s->out[i]);
	uv_close((uv_handle_t *)&s->drain, service_closed);
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
expire(struct server *srv, struct service *s, const char *why)
{
	char	st[96];

	if (s->state == SV_EXITED)
		log_warnx("forgetting the exit status of %s (run %016llx, "
		    "%s), never collected: %s", s->display,
		    (unsigned long long)s->run_id,
		    status_text(s, st, sizeof(st)), why);
	else
		log_debug("forgetting delivered run %016llx of %s: %s",
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
			TAILQ_FOREACH(s, &srv->services, link)
				if (s->state == (pass == 0 ? SV_DELIVERED :
				    SV_EXITED)) {
					victim = s;
					break;
				}
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
	}
}

void
sup_init(struct server *srv)
{
	TAILQ_INIT(&srv->services);
	uv_timer_init(&srv->loop, &srv->sweep);
	srv->sweep.data = srv;
	uv_timer_start(&srv->sweep, sweep_cb, SWEEP_MS, SWEEP_MS);
	uv_unref((uv_handle_t *)&srv->sweep);
}

struct service *
sup_find_argv(struct server *srv, char *const *argv)
{
	struct service	*s;

	TAILQ_FOREACH(s, &srv->services, link)
		if (s->state != SV_DELIVERED && svc_argv_equal(s->argv, argv))
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

static void
out_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct outpipe	*op = h->data;

	(void)hint;
	*b = uv_buf_init(op->srv->readbuf, sizeof(op->srv->readbuf));
}

static void
out_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
	struct outpipe	*op = st->data;
	struct service	*s = op->svc;

	if (n > 0) {
		if (s != NULL)
			server_send_output(op->srv, s, op->stream, b->base,
			    (size_t)n);
		return;
	}
	if (n == 0)
		return;
	outpipe_release(op);
	uv_close((uv_handle_t *)&op->pipe, outpipe_closed);
	if (s != NULL && s->state == SV_DRAINING && s->out[0] == NULL &&
	    s->out[1] == NULL)
		drained(s);
}

static void
drain_timeout(uv_timer_t *t)
{
	struct service	*s = t->data;
	int		 i;

	for (i = 0; i < 2; i++)
		if (s->out[i] != NULL)
			outpipe_release(s->out[i]);
	drained(s);
}

/* EVENT DRAINED: the status goes to every attached manager now. */
static void
drained(struct service *s)
{
	struct server	*srv = s->srv;
	unsigned	 n;
	char		 st[96];

	if (s->state != SV_DRAINING)
		return;
	uv_timer_stop(&s->drain);
	n = server_send_exit(srv, s);
	s->managers = 0;
	srv->n_kept++;
	if (n > 0) {
		s->state = SV_DELIVERED;
		s->delivered = time(NULL);
		log_info("%s (pid %u, run %016llx) %s; told %u manager%s",
		    s->display, s->pid, (unsigned long long)s->run_id,
		    status_text(s, st, sizeof(st)), n, n == 1 ? "" : "s");
	} else {
		s->state = SV_EXITED;
		log_info("%s (pid %u, run %016llx) %s; no manager attached, "
		    "status kept for the next one", s->display, s->pid,
		    (unsigned long long)s->run_id,
		    status_text(s, st, sizeof(st)));
	}
	enforce_keep_max(srv);
}

/* EVENT EXIT, from libuv's SIGCHLD handling. */
static void
proc_exit(uv_process_t *p, int64_t status, int sig)
{
	struct service	*s = p->data;

	s->exit_how = sig != 0 ? EXIT_SIGNAL : EXIT_CODE;
	s->exit_value = sig != 0 ? sig : (int32_t)(status & 0xff);
	s->ended = time(NULL);
	s->state = SV_DRAINING;
	s->srv->n_running--;
	uv_close((uv_handle_t *)p, service_closed);
	if (s->out[0] == NULL && s->out[1] == NULL)
		drained(s);
	else
		uv_timer_start(&s->drain, drain_timeout, EXIT_DRAIN_MS, 0);
}

static struct outpipe *
outpipe_new(struct server *srv, struct service *s, uint8_t stream)
{
	struct outpipe	*op;

	if ((op = calloc(1, sizeof(*op))) == NULL)
		return NULL;
	uv_pipe_init(&srv->loop, &op->pipe, 0);
	op->pipe.data = op;
	op->srv = srv;
	op->svc = s;
	op->stream = stream;
	return op;
}

int
sup_launch(struct server *srv, char **argv, struct service **out, char *err,
    size_t errlen)
{
	uv_process_options_t	 o;
	uv_stdio_container_t	 stdio[3];
	struct service		*s;
	int			 i, r;

	if (srv->n_running >= srv->conf.max_processes) {
		snprintf(err, errlen, "cmappserver already runs %u services, "
		    "its limit (max_processes %u)", srv->n_running,
		    srv->conf.max_processes);
		svc_argv_free(argv);
		return -EAGAIN;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		svc_argv_free(argv);
		return -ENOMEM;
	}
	s->srv = srv;
	s->argv = argv;
	svc_display(argv, s->display, sizeof(s->display));
	uv_timer_init(&srv->loop, &s->drain);
	s->drain.data = s;
	s->proc.data = s;
	s->handles = 2;		/* drain timer and process */
	for (i = 0; i < 2; i++)
		if ((s->out[i] = outpipe_new(srv, s, (uint8_t)(i + 1))) ==
		    NULL) {
			r = -ENOMEM;
			snprintf(err, errlen, "out of memory");
			goto fail;
		}

	memset(&o, 0, sizeof(o));
	memset(stdio, 0, sizeof(stdio));
	stdio[0].flags = UV_IGNORE;	/* libuv makes it /dev/null */
	for (i = 0; i < 2; i++) {
		stdio[i + 1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
		stdio[i + 1].data.stream = (uv_stream_t *)&s->out[i]->pipe;
	}
	o.exit_cb = proc_exit;
	o.file = argv[0];
	o.args = argv;
	o.cwd = "/";
	/* Its own session and process group: a signal to the daemon's
	 * group, or the daemon's death, does not reach it. */
	o.flags = UV_PROCESS_DETACHED;
	o.stdio = stdio;
	o.stdio_count = 3;
	if ((r = uv_spawn(&srv->loop, &s->proc, &o)) != 0) {
		snprintf(err, errlen, "cannot execute %s: %s", argv[0],
		    strerror(-r));
		goto fail;
	}
	for (i = 0; i < 2; i++)
		uv_read_start((uv_stream_t *)&s->out[i]->pipe, out_alloc,
		    out_read);
	s->pid = (uint32_t)s->proc.pid;
	s->run_id = new_run_id(srv);
	s->started = time(NULL);
	s->state = SV_RUNNING;
	srv->n_running++;
	TAILQ_INSERT_TAIL(&srv->services, s, link);
	*out = s;
	return 0;
fail:
	for (i = 0; i < 2; i++)
		if (s->out[i] != NULL) {
			struct outpipe *op = s->out[i];
			outpipe_release(op);
			uv_close((uv_handle_t *)&op->pipe, outpipe_closed);
		}
	uv_close((uv_handle_t *)&s->proc, service_closed);
	uv_close((uv_handle_t *)&s->drain, service_closed);
	return r;
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

/* EVENT ATTACH. */
void
sup_attach(struct server *srv, struct service *s, struct session *sess,
    int launched)
{
	struct proto_msg	m;

	(void)srv;
	memset(&m, 0, sizeof(m));
	m.type = MSG_STARTED;
	m.u.started.run_id = s->run_id;
	m.u.started.pid = s->pid;
	switch (s->state) {
	case SV_RUNNING:
	case SV_DRAINING:
		m.u.started.how = launched ? STARTED_LAUNCHED :
		    STARTED_ATTACHED;
		sess->svc = s;
		s->managers++;
		conn_send(sess->conn, &m);
		break;
	case SV_EXITED:
	case SV_DELIVERED:
		m.u.started.how = STARTED_EXITED;
		conn_send(sess->conn, &m);
		sup_fill_exit(s, &m);
		conn_send(sess->conn, &m);
		if (s->state == SV_EXITED)
			log_info("delivered the kept status of %s (run "
			    "%016llx) to %s", s->display,
			    (unsigned long long)s->run_id, sess->peer);
		s->state = SV_DELIVERED;
		s->delivered = time(NULL);
		break;
	}
}

void
sup_detach(struct server *srv, struct session *sess)
{
	(void)srv;
	if (sess->svc != NULL) {
		sess->svc->managers--;
		sess->svc = NULL;
	}
}

void
sup_list(struct server *srv, struct session *sess)
{
	struct proto_msg	 m;
	struct service		*s;
	uint16_t		 n = 0;
	int			 i;

	TAILQ_FOREACH(s, &srv->services, link) {
		memset(&m, 0, sizeof(m));
		m.type = MSG_LIST_ENTRY;
		m.u.entry.run_id = s->run_id;
		m.u.entry.pid = s->pid;
		m.u.entry.state = s->state == SV_RUNNING ? RUN_RUNNING :
		    s->state == SV_DELIVERED ? RUN_DELIVERED : RUN_EXITED;
		m.u.entry.exit_how = s->exit_how;
		m.u.entry.exit_value = s->exit_value;
		m.u.entry.since = (uint64_t)(s->state == SV_RUNNING ?
		    s->started : s->ended);
		m.u.entry.managers = (uint16_t)s->managers;
		for (i = 0; s->argv[i] != NULL && i < PROTO_MAX_ARGS; i++) {
			m.u.entry.argv[i].p = (const uint8_t *)s->argv[i];
			m.u.entry.argv[i].len = (uint16_t)strlen(s->argv[i]);
		}
		m.u.entry.argc = (uint16_t)i;
		if (conn_send(sess->conn, &m) == 0)
			n++;
	}
	memset(&m, 0, sizeof(m));
	m.type = MSG_LIST_END;
	m.u.list_end.count = n;
	conn_send(sess->conn, &m);
}
