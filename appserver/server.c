/*
 * server.c: cmappserver's listener and manager sessions.  Every connection
 * gets a TLS handshake deadline, must say HELLO with a version we speak,
 * then may START (or ATTACH to) one service, LIST, send heartbeats and
 * DETACH.  Anything else drops that one connection, never the daemon.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appserver.h"
#include "log.h"
#include "svc.h"
#include "version.h"

static void	session_ready(struct conn *);
static void	session_frame(struct conn *, const struct proto_msg *);
static void	session_closed(struct conn *, enum conn_why, const char *);
static void	trim_cb(uv_timer_t *);
static void	detach(struct session *);

static const struct conn_ops session_ops = {
	session_ready, session_frame, session_closed
};

static void
send_error(struct session *sess, uint16_t code, const char *text)
{
	struct proto_msg	m;

	proto_error(&m, code, text);
	conn_send(sess->conn, &m);
}

/*
 * A request refused for good (the limit, the allowlist, an unknown run, an
 * exec that failed): the manager gives up on it, so the connection goes
 * too, and a peer repeating it pays a TLS handshake for every log line.
 */
static void
refuse(struct session *sess, uint16_t code, const char *text)
{
	send_error(sess, code, text);
	conn_close(sess->conn, CONN_LOCAL, "refused: %s", text);
}

static void __attribute__((format(printf, 2, 3)))
drop(struct session *sess, const char *fmt, ...)
{
	char	why[PROTO_MAX_TEXT];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	send_error(sess, PERR_BADMSG, why);
	conn_close(sess->conn, CONN_PROTO, "%s", why);
}

/*
 * The manager says the newest version it speaks; we answer with the
 * highest both speak, which the session keeps.  A manager newer than us
 * speaks ours too; one older than our oldest is refused with words that
 * name both, which a manager shows as they are.
 */
static void
on_hello(struct session *sess, const struct proto_msg *m)
{
	struct proto_msg	reply;
	char			why[PROTO_MAX_TEXT];
	uint16_t		v;
	static const char	agent[] = "cmappserver " CMAPP_VERSION;

	if (proto_settle(m->u.hello.version, &v) != 0) {
		snprintf(why, sizeof(why), "protocol version %u is not "
		    "spoken here (cmappserver %s speaks versions %u to %u)",
		    m->u.hello.version, CMAPP_VERSION, PROTO_VERSION_MIN,
		    PROTO_VERSION_MAX);
		send_error(sess, PERR_VERSION, why);
		conn_close(sess->conn, CONN_PROTO, "%s", why);
		return;
	}
	sess->hello = 1;
	conn_idle(sess->conn, SERVER_IDLE_MS);
	proto_hello(&reply, v, agent);
	conn_send(sess->conn, &reply);
	sess->conn->version = v;
	if (v < PROTO_VERSION_MAX)
		log_debug("manager %s speaks protocol version %u", sess->peer,
		    v);
}

/* Attaches to the service argv names, or launches it; takes argv. */
static void
start_argv(struct session *sess, char **argv)
{
	struct server	*srv = sess->srv;
	struct service	*s;
	char		 err[PROTO_MAX_TEXT], disp[256];
	int		 r;

	/* Until the previous server's shims are known, any of them may be
	 * this very command: launching now could run a second copy. */
	if (sup_adopting(srv) > 0) {
		sess->deferred = argv;
		return;
	}
	if ((s = sup_find_argv(srv, argv)) != NULL) {
		svc_argv_free(argv);
		log_info("manager %s attached to %s", sess->peer,
		    sup_display(s));
		sup_attach(srv, s, sess, 0);
		return;
	}
	svc_display(argv, disp, sizeof(disp));
	if ((r = sup_launch(srv, argv, &s, err, sizeof(err))) != 0) {
		log_warnx("refused START of %s from %s: %s", disp, sess->peer,
		    err);
		refuse(sess, r == -EAGAIN ? PERR_LIMIT : r == -ENOEXEC ?
		    PERR_EXEC : PERR_INTERNAL, err);
		return;
	}
	log_info("launched %s for manager %s", disp, sess->peer);
	sup_attach(srv, s, sess, 1);
}

static void
on_start(struct session *sess, const struct proto_msg *m)
{
	struct server	*srv = sess->srv;
	char		**argv, err[PROTO_MAX_TEXT], disp[256];
	int		 r;

	if ((r = svc_argv_from_wire(m->u.start.argv, m->u.start.argc,
	    &argv)) != 0) {
		drop(sess, "%s", r == -ENOMEM ? "out of memory" :
		    "malformed START frame");
		return;
	}
	if (!conf_allows(&srv->conf, argv[0])) {
		svc_display(argv, disp, sizeof(disp));
		snprintf(err, sizeof(err), "%s is not allowed by the "
		    "allow_command lines of cmappserver.conf", argv[0]);
		log_warnx("refused START of %s from %s: not an allowed command",
		    disp, sess->peer);
		refuse(sess, PERR_DENIED, err);
		svc_argv_free(argv);
		return;
	}
	start_argv(sess, argv);
}

static void
svc_adopted(struct server *srv)
{
	struct session	*sess;
	char		**argv;

	LIST_FOREACH(sess, &srv->sessions, link) {
		if ((argv = sess->deferred) == NULL)
			continue;
		sess->deferred = NULL;
		if (conn_is_open(sess->conn))
			start_argv(sess, argv);
		else
			svc_argv_free(argv);
	}
}

static void
on_attach(struct session *sess, const struct proto_msg *m)
{
	struct service	*s;
	char		 why[PROTO_MAX_TEXT];

	if ((s = sup_find_run(sess->srv, m->u.attach.run_id)) == NULL) {
		snprintf(why, sizeof(why), "no run %016llx here (cmappserver "
		    "restarted without it, or the guest rebooted)",
		    (unsigned long long)m->u.attach.run_id);
		log_warnx("manager %s: %s", sess->peer, why);
		refuse(sess, PERR_NORUN, why);
		return;
	}
	log_info("manager %s re-attached to %s (run %016llx)", sess->peer,
	    sup_display(s), (unsigned long long)sup_run_id(s));
	sup_attach(sess->srv, s, sess, 0);
}

static void
session_frame(struct conn *c, const struct proto_msg *m)
{
	struct session		*sess = c->data;
	struct proto_msg	 ack;

	if (!sess->hello) {
		if (m->type != MSG_HELLO)
			drop(sess, "expected HELLO, got %s",
			    proto_type_name(m->type));
		else
			on_hello(sess, m);
		return;
	}
	switch (m->type) {
	case MSG_HEARTBEAT:
		memset(&ack, 0, sizeof(ack));
		ack.type = MSG_HEARTBEAT_ACK;
		ack.u.heartbeat.seq = m->u.heartbeat.seq;
		conn_send(c, &ack);
		return;
	case MSG_START:
	case MSG_ATTACH:
		if (sess->svc != NULL || sess->deferred != NULL) {
			drop(sess, "unexpected %s: already attached",
			    proto_type_name(m->type));
			return;
		}
		if (m->type == MSG_START)
			on_start(sess, m);
		else
			on_attach(sess, m);
		return;
	case MSG_DETACH:
		detach(sess);
		return;
	case MSG_EXIT_ACK:
		if (sess->exit_run == 0 ||
		    m->u.attach.run_id != sess->exit_run)
			return;
		sup_ack(sess->srv, sess, m->u.attach.run_id);
		/* The session's work is done, and the manager waits for
		 * this close to know that its ACK was read before it exits:
		 * one lost with its last bytes would replay the status. */
		conn_close(c, CONN_LOCAL, "exit status delivered");
		return;
	case MSG_LIST:
		sup_list(sess->srv, sess);
		return;
	default:
		drop(sess, "unexpected %s frame", proto_type_name(m->type));
		return;
	}
}

static void
session_ready(struct conn *c)
{
	struct session	*sess = c->data;
	uint64_t	 spent = uv_now(&sess->srv->loop) - sess->accepted;

	/* One 10 s deadline from accept covers the handshake and the HELLO:
	 * a slow handshake must not buy another 10 s. */
	conn_deadline(c, spent >= SERVER_HANDSHAKE_MS ? 1 :
	    (unsigned)(SERVER_HANDSHAKE_MS - spent),
	    "no HELLO within 10 s of connecting");
}

static void
session_closed(struct conn *c, enum conn_why why, const char *reason)
{
	struct session	*sess = c->data;
	struct server	*srv = sess->srv;

	switch (why) {
	case CONN_AUTH:
		log_warnx("refused %s: %s", sess->peer, reason);
		break;
	case CONN_TLS:
	case CONN_PROTO:
		log_warnx("dropped %s: %s", sess->peer, reason);
		break;
	case CONN_TIMEOUT:
		log_info("closed %s: %s", sess->peer, reason);
		break;
	default:
		log_debug("connection %s closed: %s", sess->peer, reason);
		break;
	}
	if (sess->dropped > 0)
		log_warnx("%s read too slowly: %llu bytes of service output "
		    "were not sent to it", sess->peer,
		    (unsigned long long)sess->dropped);
	detach(sess);
	svc_argv_free(sess->deferred);
	LIST_REMOVE(sess, link);
	if (sess->evicted)
		srv->n_evicting--;
	if (--srv->n_conns == 0)
		uv_timer_start(&srv->trim, trim_cb, TRIM_DELAY_MS, 0);
	free(sess);
}

/*
 * A burst of managers leaves glibc's heap high (TLS state is ~100 KB a
 * connection); give it back once all have gone, so an idle daemon stays
 * small.
 */
static void
trim_cb(uv_timer_t *t)
{
	struct server	*srv = t->data;

	if (srv->n_conns == 0)
		malloc_trim(0);
}

/*
 * A full table must not lock the VM host out: the oldest connection that
 * has not said HELLO yet (an unauthenticated one) makes room.  Sessions
 * past HELLO are never evicted.  0 if one was evicted.
 */
static int
evict_pending(struct server *srv)
{
	struct session	*s, *oldest = NULL;

	/* The list is newest first: the last match is the oldest. */
	LIST_FOREACH(s, &srv->sessions, link)
		if (!s->hello && !s->evicted)
			oldest = s;
	if (oldest == NULL)
		return -1;
	oldest->evicted = 1;
	srv->n_evicting++;
	conn_close(oldest->conn, CONN_TIMEOUT, "evicted before its HELLO: "
	    "%u connections open", srv->max_conns);
	return 0;
}

/*
 * Whom the per-peer limit counts: an IPv4 address, or an IPv6 /64, which
 * one site gets whole and can spread a flood over.
 */
static void
peer_key(struct session *sess, char *buf, size_t cap)
{
	struct sockaddr_storage	ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in	*s4 = (struct sockaddr_in *)&ss;
	char			 a[INET6_ADDRSTRLEN];
	int			 len = sizeof(ss);

	snprintf(buf, cap, "?");
	if (uv_tcp_getpeername(&sess->conn->tcp, (struct sockaddr *)&ss,
	    &len) != 0)
		return;
	if (ss.ss_family == AF_INET6 &&
	    !IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		memset(s6->sin6_addr.s6_addr + 8, 0, 8);
		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(buf, cap, "%s/64", a);
	} else if (ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET, s6->sin6_addr.s6_addr + 12, a, sizeof(a));
		snprintf(buf, cap, "%s", a);
	} else {
		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(buf, cap, "%s", a);
	}
}

/* Connections from addr that have not said HELLO yet. */
static unsigned
pending_from(struct server *srv, const char *addr)
{
	struct session	*s;
	unsigned	 n = 0;

	LIST_FOREACH(s, &srv->sessions, link)
		if (!s->hello && !s->evicted && strcmp(s->addr, addr) == 0)
			n++;
	return n;
}

static void
on_connection(uv_stream_t *listener, int status)
{
	struct server	*srv = listener->data;
	struct session	*sess = NULL;
	uv_tcp_t	*reject;
	char		 who[64];

	if (status < 0) {
		log_warnx("accept: %s", uv_strerror(status));
		return;
	}
	if (srv->n_conns - srv->n_evicting >= srv->max_conns)
		evict_pending(srv);
	if (srv->n_conns - srv->n_evicting >= srv->max_conns ||
	    (sess = calloc(1, sizeof(*sess))) == NULL ||
	    (sess->conn = conn_new(&srv->loop, srv->ctx, &session_ops, sess))
	    == NULL) {
		free(sess);	/* conn_new failed */
		snprintf(who, sizeof(who), "a peer");
		/* Take it off the backlog so it does not stay pending. */
		if ((reject = malloc(sizeof(*reject))) != NULL) {
			uv_tcp_init(&srv->loop, reject);
			if (uv_accept(listener, (uv_stream_t *)reject) == 0) {
				conn_peer_text(reject, who, sizeof(who));
				uv_tcp_close_reset(reject,
				    (uv_close_cb)free);
			} else
				uv_close((uv_handle_t *)reject,
				    (uv_close_cb)free);
		}
		if (srv->refused_conns++ % 100 == 0)
			log_warnx("refusing %s: %u connections open, the limit "
			    "is %u (%lu refused so far)", who, srv->n_conns,
			    srv->max_conns, srv->refused_conns);
		return;
	}
	sess->srv = srv;
	srv->n_conns++;
	LIST_INSERT_HEAD(&srv->sessions, sess, link);
	if (conn_accept(sess->conn, listener) != 0) {
		conn_close(sess->conn, CONN_IO, "accept failed");
		return;
	}
	snprintf(sess->peer, sizeof(sess->peer), "%s", sess->conn->peer);
	peer_key(sess, sess->addr, sizeof(sess->addr));
	if (pending_from(srv, sess->addr) > SERVER_MAX_PEER_PENDING) {
		if (srv->refused_conns++ % 100 == 0)
			log_warnx("refusing %s: %d connections from %s have "
			    "not said HELLO yet (%lu refused so far)",
			    sess->peer, SERVER_MAX_PEER_PENDING, sess->addr,
			    srv->refused_conns);
		sess->evicted = 1;
		srv->n_evicting++;
		conn_close(sess->conn, CONN_LOCAL, "too many connections "
		    "before HELLO from %s", sess->addr);
		return;
	}
	sess->accepted = uv_now(&srv->loop);
	conn_deadline(sess->conn, SERVER_HANDSHAKE_MS,
	    "no TLS handshake within 10 s");
}

int
server_listen(struct server *srv, int fd)
{
	int	r;

	LIST_INIT(&srv->sessions);
	/* Every service may have a manager or two attached (a live
	 * migration hands over), and attached ones are never evicted. */
	srv->max_conns = SERVER_MAX_CONNS;
	if (srv->max_conns < 2 * srv->conf.max_processes + 64)
		srv->max_conns = 2 * srv->conf.max_processes + 64;
	uv_timer_init(&srv->loop, &srv->trim);
	srv->trim.data = srv;
	uv_unref((uv_handle_t *)&srv->trim);
	if ((r = uv_tcp_init(&srv->loop, &srv->listener)) != 0 ||
	    (r = uv_tcp_open(&srv->listener, fd)) != 0)
		return r;
	srv->listener.data = srv;
	return uv_listen((uv_stream_t *)&srv->listener, 128, on_connection);
}

/* The session leaves the service it was attached to, if any. */
static void
detach(struct session *sess)
{
	if (sess->svc == NULL)
		return;
	LIST_REMOVE(sess, svc_link);
	sess->svc = NULL;
}

static void
svc_join(struct server *srv, struct service *s, struct session *sess,
    int launched)
{
	(void)srv;
	sess->svc = s;
	sess->attached = time(NULL);
	sess->launched = launched;
	LIST_INSERT_HEAD(sup_sessions(s), sess, svc_link);
}

/*
 * Tells a manager what output it lost under the SERVER_OUT_HIGH rule, as
 * one stderr line of the service's that lands in its package log
 * (docs/protocol.md): once its queue is below the mark again, or before
 * the EXIT.
 */
static void
say_dropped(struct service *s, struct session *sess)
{
	struct proto_msg	m;
	struct tm		tm;
	char			text[200], t0[16], t1[16];
	int			n;

	if (sess->drop_unsaid == 0)
		return;
	localtime_r(&sess->drop_first, &tm);
	strftime(t0, sizeof(t0), "%H:%M:%S", &tm);
	localtime_r(&sess->drop_last, &tm);
	strftime(t1, sizeof(t1), "%H:%M:%S", &tm);
	n = snprintf(text, sizeof(text), "cmappserver: %llu bytes of output "
	    "were dropped here between %s and %s (the host did not read them "
	    "fast enough)\n", (unsigned long long)sess->drop_unsaid, t0, t1);
	memset(&m, 0, sizeof(m));
	m.type = MSG_OUTPUT;
	m.u.output.run_id = sup_run_id(s);
	m.u.output.stream = STREAM_STDERR;
	m.u.output.data.p = (const uint8_t *)text;
	m.u.output.data.len = (uint16_t)(n < (int)sizeof(text) ? n :
	    (int)sizeof(text) - 1);
	conn_send(sess->conn, &m);
	sess->drop_unsaid = 0;
}

static void
svc_output(struct server *srv, struct service *s, uint8_t stream,
    const char *data, size_t len)
{
	struct session		*sess;
	struct proto_msg	 m;

	(void)srv;
	memset(&m, 0, sizeof(m));
	m.type = MSG_OUTPUT;
	m.u.output.stream = stream;
	m.u.output.data.p = (const uint8_t *)data;
	m.u.output.data.len = (uint16_t)len;
	m.u.output.run_id = sup_run_id(s);
	LIST_FOREACH(sess, sup_sessions(s), svc_link) {
		/* A slow manager loses output, never the others' or the
		 * service's progress. */
		if (conn_queued(sess->conn) > SERVER_OUT_HIGH) {
			sess->dropped += len;
			if (sess->drop_unsaid == 0)
				sess->drop_first = time(NULL);
			sess->drop_last = time(NULL);
			sess->drop_unsaid += len;
			continue;
		}
		say_dropped(s, sess);
		conn_send(sess->conn, &m);
	}
}

static unsigned
svc_exited(struct server *srv, struct service *s)
{
	struct session		*sess;
	struct proto_msg	 m;
	unsigned		 n = 0;

	(void)srv;
	sup_fill_exit(s, &m);
	while ((sess = LIST_FIRST(sup_sessions(s))) != NULL) {
		say_dropped(s, sess);
		detach(sess);
		sess->exit_run = sup_run_id(s);
		if (conn_send(sess->conn, &m) == 0)
			n++;
	}
	return n;
}

/* STARTED (and EXIT, if it has ended) to one session. */
static void
started_one(struct service *s, struct session *sess)
{
	struct proto_msg	 m;

	sup_fill_started(s, &m, sess->launched);
	conn_send(sess->conn, &m);
	if (m.u.started.how != STARTED_EXITED)
		return;
	detach(sess);
	sup_fill_exit(s, &m);
	sess->exit_run = sup_run_id(s);
	conn_send(sess->conn, &m);
}

static void
svc_started(struct server *srv, struct service *s, struct session *sess)
{
	struct session	*next;

	(void)srv;
	if (sess != NULL) {
		started_one(s, sess);
		return;
	}
	/* started_one may take sess off the list. */
	for (sess = LIST_FIRST(sup_sessions(s)); sess != NULL; sess = next) {
		next = LIST_NEXT(sess, svc_link);
		started_one(s, sess);
	}
}

static void
svc_error(struct server *srv, struct service *s, uint16_t code,
    const char *text)
{
	struct session	*sess;

	(void)srv;
	while ((sess = LIST_FIRST(sup_sessions(s))) != NULL) {
		detach(sess);
		refuse(sess, code, text);
	}
}

/* A session's peer always fits the frame whole. */
_Static_assert(sizeof(((struct session *)0)->peer) <= PROTO_MAX_PEER + 1,
    "struct session's peer is longer than PROTO_MAX_PEER");

static void
svc_list_managers(struct server *srv, struct service *s,
    struct session *lister)
{
	struct session		*sess;
	struct proto_msg	 m;

	/* Its LIST_ENTRY counted them all the same. */
	if (!proto_has(lister->conn->version, MSG_LIST_MANAGER))
		return;
	(void)srv;
	LIST_FOREACH(sess, sup_sessions(s), svc_link) {
		memset(&m, 0, sizeof(m));
		m.type = MSG_LIST_MANAGER;
		m.u.manager.run_id = sup_run_id(s);
		m.u.manager.since = (uint64_t)sess->attached;
		m.u.manager.peer.p = (const uint8_t *)sess->peer;
		m.u.manager.peer.len = (uint16_t)strnlen(sess->peer,
		    PROTO_MAX_PEER);
		if (conn_send(lister->conn, &m) != 0)
			return;
	}
}

static const struct sup_ops sup_ops = {
	.join = svc_join,
	.started = svc_started,
	.output = svc_output,
	.exited = svc_exited,
	.error = svc_error,
	.list_managers = svc_list_managers,
	.adopted = svc_adopted,
};

void
server_init(struct server *srv)
{
	sup_init(srv, &sup_ops);
}

void
server_stop(struct server *srv)
{
	struct session	*sess;

	uv_close((uv_handle_t *)&srv->listener, NULL);
	LIST_FOREACH(sess, &srv->sessions, link)
		conn_close(sess->conn, CONN_LOCAL, "cmappserver stopping");
}
