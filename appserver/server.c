/* SPDX-License-Identifier: ISC */
/*
 * server.c: cmappserver's listener and manager sessions.  Every connection
 * gets a TLS handshake deadline, must say HELLO with a version we speak,
 * then may START (or ATTACH to) one service, LIST, send heartbeats and
 * DETACH; from protocol version 4 also ask a service's STATUS or STOP it.
 * Anything else drops that one connection, never the daemon.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "appserver.h"
#include "log.h"
#include "svc.h"
#include "tls.h"
#include "version.h"
#include "vis.h"

static void	session_ready(struct conn *);
static void	session_frame(struct conn *, const struct proto_msg *);
static void	session_closed(struct conn *, enum conn_why, const char *);
static void	trim_cb(uv_timer_t *);
static void	on_listener(uv_poll_t *, int, int);
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
	/* Who a STOP names to the managers and in the log: the peer's
	 * words, filtered, then its address. */
	vis_bytes(sess->who, sizeof(sess->who) - sizeof(sess->peer) - 4,
	    m->u.hello.agent.p, m->u.hello.agent.len, 0);
	snprintf(sess->who + strlen(sess->who), sizeof(sess->who) -
	    strlen(sess->who), "%s at %s", sess->who[0] == '\0' ? "?" : "",
	    sess->peer);
	conn_idle(sess->conn, SERVER_IDLE_MS);
	proto_hello(&reply, v, agent);
	conn_send(sess->conn, &reply);
	sess->conn->version = v;
	if (v < PROTO_VERSION_MAX)
		log_debug("manager %s speaks protocol version %u", sess->peer,
		    v);
}

/* Attaches to the service (argv, instance) names, or launches it; takes
 * argv. */
static void
start_argv(struct session *sess, char **argv, const char *instance)
{
	struct server	*srv = sess->srv;
	struct service	*s;
	char		 err[PROTO_MAX_TEXT], disp[256];
	int		 r;

	if ((s = sup_find_argv(srv, argv, instance)) != NULL) {
		svc_argv_free(argv);
		log_info("manager %s attached to %s", sess->peer,
		    sup_display(s));
		sup_attach(srv, s, sess, 0);
		return;
	}
	svc_display_id(argv, instance, disp, sizeof(disp));
	if ((r = sup_launch(srv, argv, instance, &s, err, sizeof(err))) != 0) {
		log_warnx("refused START of %s from %s: %s", disp, sess->peer,
		    err);
		refuse(sess, r == -EAGAIN ? PERR_LIMIT : r == -ENOEXEC ?
		    PERR_EXEC : PERR_INTERNAL, err);
		return;
	}
	log_info("launched %s for manager %s", disp, sess->peer);
	sup_attach(srv, s, sess, 1);
}

/* STATUS: the service as it is, without touching it. */
static void
status_argv(struct session *sess, char **argv, const char *instance)
{
	struct proto_msg	m;

	sup_fill_status(sup_find_argv(sess->srv, argv, instance), &m);
	svc_argv_free(argv);
	conn_send(sess->conn, &m);
}

/* STOP: the service answers through svc_stopping(); none, "not running". */
static void
stop_argv(struct session *sess, char **argv, const char *instance,
    uint32_t timeout)
{
	struct service		*s;
	struct proto_msg	 m;
	char			 disp[256];

	/* A delivered run is not running, but its STOP cell SIGTERMs what
	 * it left behind. */
	if ((s = sup_find_argv(sess->srv, argv, instance)) == NULL)
		s = sup_find_delivered(sess->srv, argv, instance);
	if (s == NULL) {
		log_info("stop of %s asked by %s: not running",
		    svc_display_id(argv, instance, disp, sizeof(disp)),
		    sess->who);
		sup_fill_status(NULL, &m);
		conn_send(sess->conn, &m);
	} else if (sup_stop(sess->srv, s, sess, timeout) != 0)
		refuse(sess, PERR_INTERNAL, "the service cannot be stopped in "
		    "its state");
	svc_argv_free(argv);
}

/* Takes argv.  Checked against allow_command here, when it comes and
 * again when a request held while adopting runs: a SIGHUP may have
 * taken the command off the list meanwhile. */
static void
request(struct session *sess, uint16_t type, char **argv,
    const char *instance, uint32_t timeout)
{
	char	err[PROTO_MAX_TEXT], disp[256];

	/* A stop is refused as a start is: whoever may not run a command
	 * may not end it either. */
	if (type != MSG_STATUS && !conf_allows(&sess->srv->conf, argv[0])) {
		svc_display(argv, disp, sizeof(disp));
		snprintf(err, sizeof(err), "%s is not allowed by the "
		    "allow_command lines of cmappserver.conf", argv[0]);
		log_warnx("refused %s of %s from %s: not an allowed command",
		    type == MSG_STOP ? "STOP" : "START", disp,
		    type == MSG_STOP ? sess->who : sess->peer);
		refuse(sess, PERR_DENIED, err);
		svc_argv_free(argv);
		return;
	}
	/* Until the previous server's shims are known, any of them may be
	 * this very command: launching now could run a second copy, and a
	 * STATUS or STOP would miss it. */
	if (sup_adopting(sess->srv) > 0) {
		sess->deferred = argv;
		sess->deferred_type = type;
		sess->deferred_timeout = timeout;
		snprintf(sess->deferred_instance,
		    sizeof(sess->deferred_instance), "%s", instance);
		return;
	}
	switch (type) {
	case MSG_STATUS:
		status_argv(sess, argv, instance);
		break;
	case MSG_STOP:
		stop_argv(sess, argv, instance, timeout);
		break;
	default:
		start_argv(sess, argv, instance);
		break;
	}
}

/* START, START_INSTANCE, STATUS, STOP: a service's identity. */
static void
on_identity(struct session *sess, const struct proto_msg *m)
{
	char		**argv;
	char		 instance[PROTO_MAX_INSTANCE + 1];
	int		 r;

	if ((r = svc_argv_from_wire(m->u.start.argv, m->u.start.argc,
	    &argv)) != 0) {
		if (r == -ENOMEM)
			drop(sess, "out of memory");
		else
			drop(sess, "malformed %s frame",
			    proto_type_name(m->type));
		return;
	}
	/* proto.c let through [A-Za-z0-9._-] only.  An empty one may have
	 * no bytes at all (p NULL), which memcpy must not be given. */
	instance[0] = '\0';
	if (m->u.start.instance.len > 0) {
		memcpy(instance, m->u.start.instance.p,
		    m->u.start.instance.len);
		instance[m->u.start.instance.len] = '\0';
	}
	request(sess, m->type == MSG_START_INSTANCE ? MSG_START : m->type,
	    argv, instance, m->u.start.timeout);
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
			request(sess, sess->deferred_type, argv,
			    sess->deferred_instance, sess->deferred_timeout);
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
	sess->reattached = 1;
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
	/* A peer speaks the version it settled on, no newer. */
	if (!proto_has(c->version, m->type)) {
		drop(sess, "unexpected %s frame in a session of protocol "
		    "version %u", proto_type_name(m->type), c->version);
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
	case MSG_START_INSTANCE:
	case MSG_ATTACH:
	case MSG_STOP:
	case MSG_STATUS:
		if (sess->deferred != NULL || sess->stop_svc != NULL ||
		    (sess->svc != NULL && m->type != MSG_STATUS)) {
			drop(sess, "unexpected %s: %s",
			    proto_type_name(m->type), sess->svc != NULL ?
			    "already attached" : "a request is under way");
			return;
		}
		if (m->type == MSG_ATTACH)
			on_attach(sess, m);
		else
			on_identity(sess, m);
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
	char		 what[64];

	/* One deadline from accept covers the handshake and the HELLO:
	 * a slow handshake must not buy another one. */
	snprintf(what, sizeof(what), "no HELLO within %d s of connecting",
	    SERVER_HANDSHAKE_MS / 1000);
	conn_deadline(c, spent >= SERVER_HANDSHAKE_MS ? 1 :
	    (unsigned)(SERVER_HANDSHAKE_MS - spent), what);
}

static void
session_closed(struct conn *c, enum conn_why why, const char *reason)
{
	struct session	*sess = c->data;
	struct server	*srv = sess->srv;
	size_t		 n;

	/* An eviction is counted in the flood log, not logged one by one. */
	switch (sess->evicted ? CONN_LOCAL : why) {
	case CONN_AUTH:
		/* Which trustStore it is not in: the admin's next look. */
		if ((n = strlen(reason)) >= sizeof(TLS_NOT_IN_TRUST) - 1 &&
		    strcmp(reason + n - (sizeof(TLS_NOT_IN_TRUST) - 1),
		    TLS_NOT_IN_TRUST) == 0)
			log_warnx("refused %s: %s %s", sess->peer, reason,
			    srv->conf.trust.path);
		else
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
	srv->n_conns--;
	/* Attached managers may stay for weeks: a flood's heap is given
	 * back once it is over, not only once nobody is connected. */
	if ((srv->n_conns == 0 || (srv->peak_conns >= TRIM_PEAK_MIN &&
	    srv->n_conns <= srv->peak_conns / 4)) &&
	    !uv_is_active((uv_handle_t *)&srv->trim))
		uv_timer_start(&srv->trim, trim_cb, TRIM_DELAY_MS, 0);
	free(sess);
}

/*
 * A burst of connections leaves glibc's heap high (TLS state is ~100 KB a
 * handshake); give it back once they have gone, so that the daemon stays
 * small.
 */
static void
trim_cb(uv_timer_t *t)
{
	struct server	*srv = t->data;

	if (srv->n_conns > srv->peak_conns / 4)
		return;		/* a new burst: trim after it */
	malloc_trim(0);
	srv->peak_conns = srv->n_conns;
}

/*
 * One line per peer per FLOOD_LOG_MS for what it had refused or evicted:
 * a flood of connects must not become a flood of log lines.
 */
static void
flood_log_cb(uv_timer_t *t)
{
	struct server		*srv = t->data;
	struct flood_peer	*f;
	size_t			 i;

	for (i = 0; i <= FLOOD_LOG_PEERS; i++) {
		f = &srv->flood[i];
		if (f->refused + f->evicted > 0)
			log_warnx("%s%s: evicted %lu and refused %lu "
			    "connections in %d s (%u open, at most %u, %d "
			    "per address before HELLO)", i == FLOOD_LOG_PEERS ?
			    "other addresses than those above" : "from ",
			    i == FLOOD_LOG_PEERS ? "" : f->addr, f->evicted,
			    f->refused, FLOOD_LOG_MS / 1000, srv->n_conns,
			    srv->max_conns, SERVER_MAX_PEER_PENDING);
		f->refused = f->evicted = 0;
		if (i < FLOOD_LOG_PEERS)
			f->addr[0] = '\0';
	}
}

static void
flood_count(struct server *srv, const char *addr, int refused)
{
	struct flood_peer	*f = NULL;
	size_t			 i;

	for (i = 0; i < FLOOD_LOG_PEERS && f == NULL; i++)
		if (srv->flood[i].addr[0] == '\0' ||
		    strcmp(srv->flood[i].addr, addr) == 0)
			f = &srv->flood[i];
	if (f == NULL)
		f = &srv->flood[FLOOD_LOG_PEERS];
	else if (f->addr[0] == '\0')
		snprintf(f->addr, sizeof(f->addr), "%s", addr);
	if (refused)
		f->refused++;
	else
		f->evicted++;
	srv->refused_conns += refused;
	if (!uv_is_active((uv_handle_t *)&srv->flood_log))
		uv_timer_start(&srv->flood_log, flood_log_cb, FLOOD_LOG_MS, 0);
}

/*
 * Room for one more: the oldest connection that has not said HELLO yet
 * (an unauthenticated one), from addr or, with addr NULL, from anyone, is
 * closed at once.  One that never sent a byte goes before one that is
 * handshaking, so that a flood of bare connects from the manager's own
 * address does not push out the manager.  Sessions past HELLO are never
 * evicted.  0 if one was evicted.
 */
static int
evict_pending(struct server *srv, const char *addr)
{
	struct session	*s, *silent = NULL, *oldest = NULL;

	/* The list is newest first: the last match is the oldest. */
	LIST_FOREACH(s, &srv->sessions, link) {
		if (s->hello || s->evicted ||
		    (addr != NULL && strcmp(s->addr, addr) != 0))
			continue;
		oldest = s;
		if (BIO_number_written(s->conn->rbio) == 0)
			silent = s;
	}
	if (silent != NULL)
		oldest = silent;
	if (oldest == NULL)
		return -1;
	oldest->evicted = 1;
	srv->n_evicting++;
	flood_count(srv, oldest->addr, 0);
	conn_abort(oldest->conn, CONN_LOCAL, "evicted before its HELLO");
	return 0;
}

/*
 * Whom the per-peer limit counts: an IPv4 address, or an IPv6 /64, which
 * one site gets whole and can spread a flood over.
 */
static void
peer_key(const struct sockaddr_storage *sa, char *buf, size_t cap)
{
	struct sockaddr_storage	ss = *sa;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in	*s4 = (struct sockaddr_in *)&ss;
	char			 a[INET6_ADDRSTRLEN];

	snprintf(buf, cap, "?");
	if (ss.ss_family == AF_INET6 &&
	    !IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		memset(s6->sin6_addr.s6_addr + 8, 0, 8);
		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(buf, cap, "%s/64", a);
	} else if (ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET, s6->sin6_addr.s6_addr + 12, a, sizeof(a));
		snprintf(buf, cap, "%s", a);
	} else if (ss.ss_family == AF_INET) {
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

/* Refused: a reset at once, before anything is allocated for it. */
static void
reset_fd(int fd)
{
	struct linger	l = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

/*
 * A connection just accepted: the caps are checked on its address alone,
 * making room by eviction, and only one that fits gets a session and an
 * SSL object.  Those being evicted still hold their descriptors until
 * this turn's close callbacks: at most SERVER_ACCEPT_TURN more than the
 * cap, whatever RLIMIT_NOFILE is.
 */
static void
admit(struct server *srv, int fd, const struct sockaddr_storage *sa)
{
	struct session	*sess;
	char		 addr[sizeof(sess->addr)], what[64];
	int		 r;

	peer_key(sa, addr, sizeof(addr));
	if (pending_from(srv, addr) >= SERVER_MAX_PEER_PENDING)
		evict_pending(srv, addr);
	if (srv->n_conns - srv->n_evicting >= srv->max_conns)
		evict_pending(srv, NULL);
	if (srv->n_conns - srv->n_evicting >= srv->max_conns ||
	    srv->n_conns >= srv->max_conns + SERVER_ACCEPT_TURN ||
	    (sess = calloc(1, sizeof(*sess))) == NULL) {
		reset_fd(fd);
		flood_count(srv, addr, 1);
		return;
	}
	if ((sess->conn = conn_new(&srv->loop, srv->ctx, &session_ops, sess))
	    == NULL) {
		free(sess);
		reset_fd(fd);
		flood_count(srv, addr, 1);
		return;
	}
	sess->srv = srv;
	snprintf(sess->addr, sizeof(sess->addr), "%s", addr);
	sess->accepted = uv_now(&srv->loop);
	if (++srv->n_conns > srv->peak_conns)
		srv->peak_conns = srv->n_conns;
	LIST_INSERT_HEAD(&srv->sessions, sess, link);
	if ((r = conn_open_fd(sess->conn, fd)) != 0) {
		close(fd);
		conn_abort(sess->conn, CONN_IO, uv_strerror(r));
		return;
	}
	snprintf(sess->peer, sizeof(sess->peer), "%s", sess->conn->peer);
	snprintf(what, sizeof(what), "no TLS handshake within %d s",
	    SERVER_HANDSHAKE_MS / 1000);
	conn_deadline(sess->conn, SERVER_HANDSHAKE_MS, what);
}

static void
accept_resume(uv_timer_t *t)
{
	struct server	*srv = t->data;

	uv_poll_start(&srv->listen_poll, UV_READABLE, on_listener);
}

/*
 * At most SERVER_ACCEPT_TURN connections a loop turn: the poll is level
 * triggered, so the rest wait for the next turn, after the sessions'
 * reads and timers (libuv's own listener accepts until the queue is
 * empty, and a storm of connects then starves every session).
 */
static void
on_listener(uv_poll_t *p, int status, int events)
{
	struct server		*srv = p->data;
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 fd, n;

	(void)events;
	if (status < 0) {
		log_warnx("listener: %s", uv_strerror(status));
		return;
	}
	for (n = 0; n < SERVER_ACCEPT_TURN; n++) {
		len = sizeof(ss);
		memset(&ss, 0, sizeof(ss));
		if ((fd = accept4(srv->listen_fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1) {
			admit(srv, fd, &ss);
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM) {
			/* Level triggered: it would spin until one closes. */
			flood_count(srv, "?", 1);
			uv_poll_stop(&srv->listen_poll);
			uv_timer_start(&srv->accept_pause, accept_resume,
			    SERVER_ACCEPT_PAUSE_MS, 0);
			return;
		}
		/* ECONNABORTED and the like: that one is gone, go on. */
	}
}

/* Every service may have a manager or two attached (a live migration
 * hands over), and attached ones are never evicted: the connection cap
 * follows max_processes, at start-up and on a reload. */
void
server_set_caps(struct server *srv)
{
	srv->max_conns = SERVER_MAX_CONNS;
	if (srv->max_conns < 2 * srv->conf.max_processes + 64)
		srv->max_conns = 2 * srv->conf.max_processes + 64;
}

int
server_listen(struct server *srv, int fd)
{
	int	r;

	LIST_INIT(&srv->sessions);
	server_set_caps(srv);
	uv_timer_init(&srv->loop, &srv->trim);
	srv->trim.data = srv;
	uv_unref((uv_handle_t *)&srv->trim);
	uv_timer_init(&srv->loop, &srv->flood_log);
	srv->flood_log.data = srv;
	uv_unref((uv_handle_t *)&srv->flood_log);
	uv_timer_init(&srv->loop, &srv->accept_pause);
	srv->accept_pause.data = srv;
	uv_unref((uv_handle_t *)&srv->accept_pause);
	srv->listen_fd = fd;
	if ((r = uv_tcp_init(&srv->loop, &srv->listener)) != 0 ||
	    (r = uv_tcp_open(&srv->listener, fd)) != 0 ||
	    (r = uv_poll_init(&srv->loop, &srv->listen_poll, fd)) != 0)
		return r;
	srv->listen_poll.data = srv;
	return uv_poll_start(&srv->listen_poll, UV_READABLE, on_listener);
}

/* The session leaves the service it was attached to or whose stop it
 * waited for, if any. */
static void
detach(struct session *sess)
{
	if (sess->svc == NULL && sess->stop_svc == NULL)
		return;
	LIST_REMOVE(sess, svc_link);
	sess->svc = NULL;
	sess->stop_svc = NULL;
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

/* STOPPED, who stopped s on request, to sess: never to a manager older
 * than version 4, which gets the EXIT alone. */
static void
send_stopped(struct service *s, struct session *sess, const char *who)
{
	struct proto_msg	m;

	if (!proto_has(sess->conn->version, MSG_STOPPED))
		return;
	memset(&m, 0, sizeof(m));
	m.type = MSG_STOPPED;
	m.u.stopped.run_id = sup_run_id(s);
	m.u.stopped.who.p = (const uint8_t *)who;
	m.u.stopped.who.len = (uint16_t)strnlen(who, PROTO_MAX_TEXT);
	conn_send(sess->conn, &m);
}

static unsigned
svc_exited(struct server *srv, struct service *s, const char *who,
    int hold_stoppers)
{
	struct session		*sess;
	struct proto_msg	 m;
	unsigned		 n = 0;
	int			 stopper;

	(void)srv;
	sup_fill_exit(s, &m);
	for (;;) {
		if ((sess = LIST_FIRST(sup_sessions(s))) != NULL)
			stopper = 0;
		else if (!hold_stoppers &&
		    (sess = LIST_FIRST(sup_stoppers(s))) != NULL)
			stopper = 1;
		else
			break;
		if (!stopper)
			say_dropped(s, sess);
		detach(sess);
		sess->exit_run = sup_run_id(s);
		if (who != NULL)
			send_stopped(s, sess, who);
		if (conn_send(sess->conn, &m) == 0)
			n++;
	}
	return n;
}

static void
svc_stopping(struct server *srv, struct service *s, struct session *sess)
{
	struct proto_msg	m;

	(void)srv;
	sup_fill_stop_reply(s, &m);
	conn_send(sess->conn, &m);
	/* Live, or ended but waiting for what it left: the EXIT comes at
	 * the stop's end.  Ended: now. */
	if (sup_stop_holds(s) || m.u.status.state == STATUS_STARTING ||
	    m.u.status.state == STATUS_RUNNING) {
		sess->stop_svc = s;
		LIST_INSERT_HEAD(sup_stoppers(s), sess, svc_link);
	} else if (m.u.status.state == STATUS_ENDED) {
		sup_fill_exit(s, &m);
		sess->exit_run = sup_run_id(s);
		conn_send(sess->conn, &m);
	}
}

static void
svc_stop_failed(struct server *srv, struct service *s, const char *text)
{
	struct session	*sess;

	(void)srv;
	while ((sess = LIST_FIRST(sup_stoppers(s))) != NULL) {
		detach(sess);
		refuse(sess, PERR_INTERNAL, text);
	}
}

/* STARTED (and EXIT, if it has ended) to one session.  A manager that
 * re-attaches to its run after a stop on request (its link was down
 * then) hears who stopped it, as the attached ones did; a START that
 * finds such an end kept gets the EXIT alone, as before. */
static void
started_one(struct service *s, struct session *sess)
{
	struct proto_msg	 m;
	const char		*who;

	sup_fill_started(s, &m, sess->launched);
	conn_send(sess->conn, &m);
	if (m.u.started.how != STARTED_EXITED)
		return;
	detach(sess);
	if (sess->reattached && (who = sup_stopped_by(s)) != NULL)
		send_stopped(s, sess, who);
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
	while ((sess = LIST_FIRST(sup_sessions(s))) != NULL ||
	    (sess = LIST_FIRST(sup_stoppers(s))) != NULL) {
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
	.stopping = svc_stopping,
	.stop_failed = svc_stop_failed,
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

	/* The poll first: the listener's close closes the socket. */
	uv_close((uv_handle_t *)&srv->listen_poll, NULL);
	uv_close((uv_handle_t *)&srv->listener, NULL);
	uv_timer_stop(&srv->accept_pause);
	uv_timer_stop(&srv->flood_log);
	flood_log_cb(&srv->flood_log);
	LIST_FOREACH(sess, &srv->sessions, link)
		conn_close(sess->conn, CONN_LOCAL, "cmappserver stopping");
}
