/* SPDX-License-Identifier: ISC */
/*
 * dial.c: how cmappmgr reaches cmappserver, for a service (manager.c) and
 * for -list (list.c) alike.  Resolve the node, try each address, and when
 * none answers try again with a backoff (100 ms doubling to 2 s): the
 * guest may still be booting.  The caller's deadline decides when to give
 * up; a refused certificate is not retried (dial_auth_text).  A server
 * that refuses our newest protocol version is asked again, once, with our
 * oldest (dial_version_refused).  Until the first connection, the wait is
 * said on stderr (the package log), never to syslog: once when the first
 * round of attempts failed, with why, then after 10 s, 30 s and every
 * minute with the time left.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "appmgr.h"
#include "log.h"

static void	resolve(struct mgr *);

static void
retry_cb(uv_timer_t *t)
{
	resolve(t->data);
}

/* Seconds left of the first wait, whose deadline started with dial_start. */
static unsigned
seconds_left(struct mgr *m)
{
	uint64_t	spent = uv_now(&m->loop) - m->dial_t0;
	uint64_t	all = (uint64_t)m->timeout_s * 1000;

	return spent >= all ? 0 : (unsigned)((all - spent + 999) / 1000);
}

/*
 * A server that accepts TCP but never answers (stopped, or swamped) is
 * no network fault: the admin is told which step hangs.
 */
static const char tls_silent[] = "its TCP port accepted the connection, "
    "but cmappserver did not answer the TLS handshake (is it stopped or "
    "overloaded?)";

const char *
dial_why(const struct mgr *m, const char *unset)
{
	if (m->conn != NULL && conn_is_open(m->conn))
		return "connected but silent";
	if (m->conn != NULL && conn_in_handshake(m->conn))
		return tls_silent;
	return m->last_error[0] ? m->last_error : unset;
}

static void
progress_cb(uv_timer_t *t)
{
	struct mgr	*m = t->data;
	uint64_t	 spent = uv_now(&m->loop) - m->dial_t0, next;
	unsigned	 left = seconds_left(m);

	if (m->ever_connected || left == 0)
		return;
	log_note("still no answer from cmappserver on %s after %u s: %s; "
	    "giving up in %u s", m->node, (unsigned)((spent + 500) / 1000),
	    dial_why(m, "Connection timed out"), left);
	/* 10 s, 30 s, then each whole minute. */
	next = spent < 30000 ? 30000 :
	    (spent / MGR_PROGRESS_MS + 1) * MGR_PROGRESS_MS;
	uv_timer_start(&m->progress, progress_cb, next - spent, 0);
}

static void
schedule_retry(struct mgr *m)
{
	/* One round failed: the first time, the admin hears why at once. */
	if (!m->ever_connected && !m->said_waiting) {
		m->said_waiting = 1;
		log_note("cannot reach cmappserver on %s yet: %s; trying again "
		    "for %u s", m->node, m->last_error[0] ? m->last_error :
		    "Connection timed out", seconds_left(m));
	}
	m->retry_ms = m->retry_ms == 0 ? MGR_RETRY_MIN_MS :
	    m->retry_ms * 2 > MGR_RETRY_MAX_MS ? MGR_RETRY_MAX_MS :
	    m->retry_ms * 2;
	uv_timer_start(&m->retry, retry_cb, m->retry_ms, 0);
}

static void
try_connect(struct mgr *m)
{
	struct addrinfo	*ai = m->next;
	int		 r;

	if (ai == NULL) {
		schedule_retry(m);
		return;
	}
	m->next = ai->ai_next;
	m->cur = ai;
	if ((m->conn = conn_new(&m->loop, m->ctx, m->ops, m->ops_data)) ==
	    NULL)
		fatalx("cannot reach %s: out of memory", m->node);
	if ((r = conn_connect(m->conn, ai->ai_addr)) != 0) {
		conn_close(m->conn, CONN_IO, "%s", uv_strerror(r));
		return;
	}
	/* A dead route to the first address (IPv6, say) must not use up
	 * the whole timeout before the next one is tried, and a cut path
	 * must not leave us in the kernel's SYN backoff (1, 3, 7, 15 s...)
	 * once it is back: each attempt gets MGR_ADDR_MS, then a fresh
	 * socket.  Nor must an address whose port accepts but whose server
	 * never answers (stopped, or a stale address of another machine)
	 * hold up the others: with several, each gets MGR_ADDR_TLS_MS for
	 * the handshake, and the round starts over.  A node's one address
	 * is the server's: a slow handshake there is waited for. */
	if (m->addrs->ai_next != NULL)
		conn_tls_deadline(m->conn, MGR_ADDR_TLS_MS, tls_silent);
	conn_deadline(m->conn, MGR_ADDR_MS, "Connection timed out");
}

static void
resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct mgr	*m = req->data;

	if (status < 0) {
		snprintf(m->last_error, sizeof(m->last_error),
		    "cannot resolve %s: %s", m->node, uv_strerror(status));
		schedule_retry(m);
		return;
	}
	if (m->addrs != NULL)
		uv_freeaddrinfo(m->addrs);
	m->addrs = m->next = res;
	m->cur = NULL;
	try_connect(m);
}

static void
resolve(struct mgr *m)
{
	struct addrinfo	hints, *res;
	int		r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	/* An address needs no resolver, nor libuv's resolver thread. */
	hints.ai_flags = AI_NUMERICHOST;
	m->gai.data = m;
	if (getaddrinfo(m->node, m->port, &hints, &res) == 0) {
		resolved(&m->gai, 0, res);
		return;
	}
	hints.ai_flags = 0;
	if ((r = uv_getaddrinfo(&m->loop, &m->gai, resolved, m->node, m->port,
	    &hints)) != 0) {
		snprintf(m->last_error, sizeof(m->last_error),
		    "cannot resolve %s: %s", m->node, uv_strerror(r));
		schedule_retry(m);
	}
}

void
dial_start(struct mgr *m, const struct conn_ops *ops, void *data)
{
	m->ops = ops;
	m->ops_data = data;
	m->version = PROTO_VERSION_MAX;
	uv_timer_init(&m->loop, &m->retry);
	m->retry.data = m;
	uv_timer_init(&m->loop, &m->progress);
	m->progress.data = m;
	m->dial_t0 = uv_now(&m->loop);
	uv_timer_start(&m->progress, progress_cb, 10000, 0);
	resolve(m);
}

void
dial_connected(struct mgr *m)
{
	m->ever_connected = 1;
	m->conn_up = 1;
	m->up_t = uv_now(&m->loop);
	uv_timer_stop(&m->progress);
}

void
dial_lost(struct mgr *m, const char *reason)
{
	m->conn = NULL;
	snprintf(m->last_error, sizeof(m->last_error), "%s", reason);
	/* The address that answered once comes first again: a guest's
	 * restarted server is back there, not on the next address. */
	if (m->conn_up) {
		m->conn_up = 0;
		m->next = NULL;
		/* A connection that lasted comes back at once; one that a
		 * server ends right after its HELLO, again and again, is
		 * tried ever less often (the backoff goes on). */
		if (uv_now(&m->loop) - m->up_t >= MGR_RETRY_MAX_MS)
			m->retry_ms = 0;
	}
	if (m->next != NULL)
		try_connect(m);
	else
		schedule_retry(m);
}

/*
 * A HELLO is no answer to our request: a server that says it and then
 * fails must not keep us trying past the timeout.  The first one does
 * count: a guest that came up late in the wait still gets the whole
 * timeout to answer.  (Called before dial_connected.)
 */
int
dial_heard(const struct mgr *m, uint16_t type)
{
	return type != MSG_HELLO || !m->ever_connected;
}

void
dial_auth_text(const struct mgr *m, const char *reason, char *buf,
    size_t cap)
{
	if (strstr(reason, "certificate verify failed") != NULL)
		snprintf(buf, cap, "Could not connect to the node %s: its "
		    "certificate is not trusted: %s (trustStore %s)", m->node,
		    reason, m->trust_path);
	else
		snprintf(buf, cap, "Could not connect to the node %s: "
		    "cmappserver refused our certificate: %s (is the "
		    "certificate of keyStore %s in its trustStore?)", m->node,
		    reason, m->key_path);
}

int
dial_hello_mismatch(struct mgr *m, const struct proto_msg *hello, char *buf,
    size_t cap)
{
	struct proto_msg	err;

	if (proto_settled(m->version, hello->u.hello.version)) {
		if (m->conn != NULL)
			m->conn->version = hello->u.hello.version;
		return 0;
	}
	snprintf(buf, cap, "Could not connect to the node %s: its "
	    "cmappserver answered protocol version %u, this cmappmgr speaks "
	    "versions %u to %u and asked for %u", m->node,
	    hello->u.hello.version, PROTO_VERSION_MIN, PROTO_VERSION_MAX,
	    m->version);
	/* Answered, as the server answers a manager it does not speak. */
	proto_error(&err, PERR_VERSION, buf);
	if (m->conn != NULL)
		conn_send(m->conn, &err);
	return -EPROTO;
}

/*
 * A server older than us refuses our newest version outright (version 1
 * servers demand their own); it speaks our oldest, if any.  Once lowered,
 * the version stays so for this process's reconnects: the guest's server
 * does not get newer while we talk to it, and if it does it speaks ours.
 */
int
dial_version_refused(struct mgr *m)
{
	if (m->version <= PROTO_VERSION_MIN || m->conn == NULL)
		return -EPROTO;
	log_info("cmappserver on %s does not speak protocol version %u: "
	    "trying again with version %u", m->node, m->version,
	    PROTO_VERSION_MIN);
	m->version = PROTO_VERSION_MIN;
	/* The same address, at once, asked again (dial_lost). */
	m->next = m->cur;
	conn_close(m->conn, CONN_LOCAL, "protocol version refused");
	return 0;
}

int
dial_too_old(const struct mgr *m, uint16_t version, uint16_t type,
    const char *what, char *text, size_t cap)
{
	if (proto_has(version, type))
		return 0;
	snprintf(text, cap, "the cmappserver on %s speaks protocol version "
	    "%u; %s needs %u", m->node, (unsigned)version, what,
	    (unsigned)proto_since(type));
	return -EPROTONOSUPPORT;
}
