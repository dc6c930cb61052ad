/*
 * supervise.c: the services cmappserver supervises.  Each runs under its own
 * cmapp-shim (shim.c), which owns the process, drains its output and keeps
 * its exit status, so that cmappserver can restart without a service
 * noticing (docs/restart.md).  Here each service is an explicit state
 * machine (after s6-supervise), driven by what its shim reports:
 *
 *   state \ event   EXIT (from shim)   ATTACH             LINK LOST    EXPIRE
 *   RUNNING         push EXIT to the   attach             tell the     -
 *                   attached; ->                          attached;
 *                   DELIVERED (and                        forget
 *                   release the shim)
 *                   if any got it,
 *                   else EXITED
 *   EXITED          -                  STARTED+EXIT,      forget       release,
 *                                      release,           (logged)     forget
 *                                      -> DELIVERED                    (logged)
 *   DELIVERED       -                  same (by run id    -            forget
 *                                      only)
 *
 * The shim sends EXIT only after the service's output reached EOF (or
 * 100 ms), so a manager sees the last lines first.  A service is found by
 * its argv while RUNNING or EXITED (so the next START after an unseen exit
 * collects the status, and only the one after that launches afresh);
 * DELIVERED ones only by run id, for a manager that lost its connection at
 * the wrong moment.  libuv's exit callback reaps the shims this process
 * started; shims adopted from a previous cmappserver are reaped by init.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "appserver.h"
#include "log.h"
#include "shim.h"
#include "shimlink.h"
#include "svc.h"

enum sv_state { SV_RUNNING, SV_EXITED, SV_DELIVERED };

struct service {
	TAILQ_ENTRY(service)	 link;
	struct server		*srv;
	char			**argv;
	char			 display[256];
	uint64_t		 run_id;
	uint32_t		 pid;
	enum sv_state		 state;
	uv_pipe_t		 shim;		/* the link to its cmapp-shim */
	int			 shim_open;
	uv_process_t		 proc;		/* the shim, if we started it */
	int			 handles;	/* open handles */
	int			 listed;	/* in srv->services */
	uint8_t			*in;		/* a partial frame */
	size_t			 in_len;
	uint8_t			 exit_how;
	int32_t			 exit_value;
	time_t			 started, ended, delivered;
	unsigned		 managers;
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

static void
maybe_free(struct service *s)
{
	if (s->listed || s->handles > 0)
		return;
	free(s->in);
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

static void
service_free(struct server *srv, struct service *s)
{
	TAILQ_REMOVE(&srv->services, s, link);
	s->listed = 0;
	if (s->state == SV_RUNNING)
		srv->n_running--;
	else
		srv->n_kept--;
	close_link(s);
	maybe_free(s);
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
	srv->n_running--;
	srv->n_kept++;
	n = server_send_exit(srv, s);
	s->managers = 0;
	if (n > 0) {
		s->state = SV_DELIVERED;
		s->delivered = time(NULL);
		release(s);
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

/* One frame from a shim; -1 when the link must be dropped. */
static int
link_frame(struct service *s, uint16_t type, const uint8_t *body, size_t len)
{
	struct proto_msg	m;

	if (proto_decode(type, body, len, &m) != 0)
		return -1;
	switch (m.type) {
	case MSG_OUTPUT:
		if (m.u.output.run_id != s->run_id)
			return -1;
		if (s->state == SV_RUNNING)
			server_send_output(s->srv, s, m.u.output.stream,
			    (const char *)m.u.output.data.p,
			    m.u.output.data.len);
		return 0;
	case MSG_EXIT:
		if (m.u.exit.run_id != s->run_id || s->state != SV_RUNNING)
			return -1;
		on_exit_msg(s, &m);
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

/* Feeds bytes from the shim; complete frames are handled in place. */
static int
link_feed(struct service *s, const uint8_t *data, size_t n)
{
	struct proto_hdr	 h;
	const uint8_t		*p;
	size_t			 len, used = 0;
	uint8_t			*nb;
	int			 r;

	if (s->in_len > 0) {
		if (s->in_len + n > PROTO_MAX_FRAME + sizeof(s->srv->readbuf))
			return -1;
		if ((nb = realloc(s->in, s->in_len + n)) == NULL)
			return -1;
		memcpy(nb + s->in_len, data, n);
		s->in = nb;
		s->in_len += n;
		p = s->in;
		len = s->in_len;
	} else {
		p = data;
		len = n;
	}
	while (s->shim_open) {
		r = proto_decode_header(p + used, len - used, &h);
		if (r == -EAGAIN || (r == 0 && len - used < PROTO_HDR_LEN +
		    h.len))
			break;
		if (r != 0)
			return -1;
		if (link_frame(s, h.type, p + used + PROTO_HDR_LEN, h.len)
		    != 0)
			return -1;
		used += PROTO_HDR_LEN + h.len;
	}
	if (used == len) {
		free(s->in);
		s->in = NULL;
		s->in_len = 0;
		return 0;
	}
	/* Keep the partial frame. */
	if (p == s->in) {
		memmove(s->in, s->in + used, len - used);
		s->in_len = len - used;
	} else {
		if ((s->in = malloc(len - used)) == NULL)
			return -1;
		memcpy(s->in, p + used, len - used);
		s->in_len = len - used;
	}
	return 0;
}

static void
link_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
	struct service	*s = st->data;

	if (n == 0)
		return;
	if (n < 0) {
		link_lost(s, n == UV_EOF ? "it closed the link" :
		    uv_strerror((int)n));
		return;
	}
	if (link_feed(s, (const uint8_t *)b->base, (size_t)n) != 0)
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
	case SV_RUNNING:
		snprintf(text, sizeof(text), "lost the supervisor of %s (pid "
		    "%u): %s; its exit status cannot be known", s->display,
		    s->pid, why);
		log_warnx("%s", text);
		server_send_error(srv, s, PERR_NORUN, text);
		service_free(srv, s);
		break;
	case SV_EXITED:
		log_warnx("forgetting the exit status of %s (run %016llx): "
		    "its supervisor went away (%s)", s->display,
		    (unsigned long long)s->run_id, why);
		service_free(srv, s);
		break;
	case SV_DELIVERED:
		break;		/* released: the shim's normal end */
	}
}

static void
shim_exit(uv_process_t *p, int64_t status, int sig)
{
	(void)status;
	(void)sig;
	uv_close((uv_handle_t *)p, handle_closed);
}

static struct service *
service_new(struct server *srv, char **argv)
{
	struct service	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->srv = srv;
	s->argv = argv;
	svc_display(argv, s->display, sizeof(s->display));
	uv_pipe_init(&srv->loop, &s->shim, 0);
	s->shim.data = s;
	s->proc.data = s;
	s->shim_open = 1;
	s->handles = 1;
	return s;
}

static void
service_add(struct server *srv, struct service *s)
{
	s->listed = 1;
	TAILQ_INSERT_TAIL(&srv->services, s, link);
	if (s->state == SV_RUNNING)
		srv->n_running++;
	else
		srv->n_kept++;
	uv_read_start((uv_stream_t *)&s->shim, link_alloc, link_read);
}

int
sup_launch(struct server *srv, char **argv, struct service **out, char *err,
    size_t errlen)
{
	uv_process_options_t	 o;
	uv_stdio_container_t	 stdio[4];
	struct proto_msg	 m;
	struct service		*s;
	char			 idhex[17], **args = NULL;
	uv_os_fd_t		 fd;
	int			 i, n, r;

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
		r = -ENOMEM;
		goto fail;
	}
	args[0] = srv->shim_path;
	args[1] = srv->rundir;
	args[2] = idhex;
	args[3] = "--";
	for (i = 0; i < n; i++)
		args[4 + i] = argv[i];

	memset(&o, 0, sizeof(o));
	memset(stdio, 0, sizeof(stdio));
	for (i = 0; i < 3; i++)
		stdio[i].flags = UV_IGNORE;	/* /dev/null */
	stdio[SHIM_LINK_FD].flags = UV_CREATE_PIPE | UV_READABLE_PIPE |
	    UV_WRITABLE_PIPE;
	stdio[SHIM_LINK_FD].data.stream = (uv_stream_t *)&s->shim;
	o.exit_cb = shim_exit;
	o.file = srv->shim_path;
	o.args = args;
	o.cwd = "/";
	/* Its own session: the daemon's death or its group's signals do
	 * not reach it. */
	o.flags = UV_PROCESS_DETACHED;
	o.stdio = stdio;
	o.stdio_count = 4;
	s->handles++;
	if ((r = uv_spawn(&srv->loop, &s->proc, &o)) != 0) {
		snprintf(err, errlen, "cannot start %s: %s", srv->shim_path,
		    uv_strerror(r));
		uv_close((uv_handle_t *)&s->proc, handle_closed);
		goto fail;
	}
	free(args);
	args = NULL;
	/* The shim answers at once: its hello, or why the exec failed. */
	if ((r = uv_fileno((uv_handle_t *)&s->shim, &fd)) != 0 ||
	    (r = shimlink_read(fd, srv->framebuf, sizeof(srv->framebuf), &m,
	    SHIMLINK_TIMEOUT_MS)) != 0) {
		snprintf(err, errlen, "%s did not answer: %s", SHIM_NAME,
		    strerror(-r));
		goto fail;
	}
	if (m.type == MSG_ERROR) {
		snprintf(err, errlen, "%.*s", (int)m.u.error.text.len,
		    (const char *)m.u.error.text.p);
		r = m.u.error.code == PERR_EXEC ? -ENOEXEC : -EIO;
		goto fail;
	}
	if (m.type != MSG_SHIM_HELLO || m.u.shim.run_id != s->run_id) {
		snprintf(err, errlen, "%s sent %s instead of its hello",
		    SHIM_NAME, proto_type_name(m.type));
		r = -EPROTO;
		goto fail;
	}
	s->pid = m.u.shim.pid;
	s->started = time(NULL);
	s->state = SV_RUNNING;
	service_add(srv, s);
	*out = s;
	return 0;
fail:
	free(args);
	close_link(s);
	maybe_free(s);
	return r;
}

/* Adopts the shim listening at path, left by a previous cmappserver. */
static void
adopt_one(void *arg, const char *path, uint64_t run_id)
{
	struct server		*srv = arg;
	struct proto_msg	 m;
	struct service		*s;
	char			**argv;
	int			 fd, r;

	if ((fd = shimlink_connect(path)) < 0) {
		if (fd == -ECONNREFUSED) {
			log_info("removing %s: its shim is gone", path);
			unlink(path);
		} else
			log_warnx("cannot reach the shim at %s: %s", path,
			    strerror(-fd));
		return;
	}
	if ((r = shimlink_read(fd, srv->framebuf, sizeof(srv->framebuf), &m,
	    SHIMLINK_TIMEOUT_MS)) != 0 || m.type != MSG_SHIM_HELLO ||
	    m.u.shim.run_id != run_id || m.u.shim.version != PROTO_VERSION) {
		log_warnx("cannot adopt the shim at %s: %s", path, r != 0 ?
		    strerror(-r) : m.type != MSG_SHIM_HELLO ? "no hello" :
		    "it speaks another protocol version");
		close(fd);
		return;
	}
	if (svc_argv_from_wire(m.u.shim.argv, m.u.shim.argc, &argv) != 0 ||
	    (s = service_new(srv, argv)) == NULL) {
		log_warnx("cannot adopt the shim at %s: bad command", path);
		close(fd);
		return;
	}
	if (uv_pipe_open(&s->shim, fd) != 0) {
		close(fd);
		close_link(s);
		maybe_free(s);
		return;
	}
	s->run_id = run_id;
	s->pid = m.u.shim.pid;
	s->started = (time_t)m.u.shim.started;
	if (m.u.shim.state == RUN_EXITED) {
		s->state = SV_EXITED;
		s->exit_how = m.u.shim.exit_how;
		s->exit_value = m.u.shim.exit_value;
		s->ended = (time_t)m.u.shim.ended;
	} else
		s->state = SV_RUNNING;
	service_add(srv, s);
	log_info("found %s (pid %u, run %016llx) %s", s->display, s->pid,
	    (unsigned long long)run_id, s->state == SV_RUNNING ? "running" :
	    "ended, its status kept");
}

int
sup_adopt(struct server *srv)
{
	return shimlink_each(srv->rundir, adopt_one, srv);
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
		if (s->state == SV_EXITED) {
			log_info("delivered the kept status of %s (run "
			    "%016llx) to %s", s->display,
			    (unsigned long long)s->run_id, sess->peer);
			release(s);
		}
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
