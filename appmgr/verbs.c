/* SPDX-License-Identifier: ISC */
/*
 * verbs.c: cmappmgr -status and -stop, one question about one service for
 * a cluster agent, answered with one line and an exit code.
 *
 * cmappmgr -node NODE [...] [-instance NAME] -status -service CMD...
 *   0 "running pid P" or "starting"; 7 "not running"; 10 "ended while
 *   unwatched: exit code N" (or "signal N"), the status still kept; 1
 *   "cmappmgr: REASON" when the guest could not be asked.  Never launches,
 *   never collects.
 * cmappmgr -node NODE [...] [-instance NAME] -stop [-stop_timeout S]
 *          -service CMD...
 *   The guest answers what it found (STATUS_REPLY), sends SIGTERM to the
 *   service's process group, SIGKILL after S seconds, waits for its end
 *   and hands us its status (STOPPED, EXIT), which we acknowledge
 *   (EXIT_ACK) so that nothing is left for the next start; a status kept
 *   from an unwatched end is handed over and acknowledged the same way.
 *   0 "stopped: exit code N" / "stopped: signal N", "not running", or
 *   "ended earlier: exit code N, status collected"; 1 "cmappmgr: REASON"
 *   (unreachable, refused by allow_command, still running, too old).
 *
 * Both need protocol version 4: an older guest is said to be too old,
 * never answered for.  A connection lost on the way is dialled again and
 * the question asked again: both are safe to repeat (a repeated STOP finds
 * the service ended, its status kept or collected).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "appmgr.h"
#include "log.h"
#include "version.h"
#include "vis.h"

enum verb_phase {
	VP_CONNECTING,	/* resolving, connecting, TLS handshake */
	VP_HELLO,	/* HELLO sent */
	VP_ASKED,	/* STATUS or STOP sent */
	VP_DONE,	/* EXIT_ACK sent: waiting for the server's close */
};

struct verb {
	struct mgr	*m;
	int		 stop;		/* -stop, else -status */
	uv_timer_t	 deadline;
	uv_timer_t	 heartbeat;	/* while asked: a stop may take long */
	uint64_t	 hb_seq;
	enum verb_phase	 phase;
	int		 found;		/* a STOP's STATUS_REPLY state, or -1 */
	uint64_t	 run_id;	/* its run */
	int		 stopped;	/* STOPPED seen */
	char		 line[128];	/* the answer, once VP_DONE */
};

static void	verb_ready(struct conn *);
static void	verb_frame(struct conn *, const struct proto_msg *);
static void	verb_closed(struct conn *, enum conn_why, const char *);

static const struct conn_ops verb_ops = {
	verb_ready, verb_frame, verb_closed
};

/* The answer: one line on stdout, the exit code. */
static void __attribute__((noreturn))
answer(int code, const char *line)
{
	printf("%s\n", line);
	if (fflush(stdout) != 0 || ferror(stdout))
		code = MGR_EXIT_FAIL;
	fflush(stderr);
	_exit(code);
}

/* "cmappmgr: REASON" on stderr as the contract has it; a failed stop
 * is worth syslog's line too, a failed status (every monitor) is not. */
static void __attribute__((noreturn, format(printf, 2, 3)))
die(struct verb *v, const char *fmt, ...)
{
	char	msg[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (v->stop) {
		log_set_stderr(0);
		log_warnx("-stop of %s: %s", v->m->display, msg);
	}
	fprintf(stderr, "cmappmgr: %s\n", msg);
	fflush(stdout);
	fflush(stderr);
	_exit(MGR_EXIT_FAIL);
}

static const char *
verb_name(const struct verb *v)
{
	return v->stop ? "-stop" : "-status";
}

static void
deadline_passed(uv_timer_t *t)
{
	struct verb	*v = t->data;
	struct mgr	*m = v->m;

	if (!m->ever_connected)
		die(v, "Could not connect to the node %s: %s", m->node,
		    dial_why(m, "Connection timed out"));
	die(v, "cmappserver on the node %s did not answer %s of %s (%s)",
	    m->node, verb_name(v), m->display, dial_why(m, "not connected"));
}

/*
 * Any frame re-arms the deadline.  While a stop runs the guest may be
 * silent for its whole -stop_timeout: SIGTERM, the wait, SIGKILL.
 */
static void
heard(struct verb *v)
{
	uint64_t	ms = (uint64_t)v->m->timeout_s * 1000;

	if (v->stop && v->found != -1)
		ms += ((uint64_t)v->m->stop_timeout_s + MGR_KILL_WAIT_S) * 1000;
	uv_timer_start(&v->deadline, deadline_passed, ms, 0);
}

static void
verb_ready(struct conn *c)
{
	struct verb		*v = c->data;
	struct proto_msg	 msg;
	static const char	 agent[] = "cmappmgr " CMAPP_VERSION;

	proto_hello(&msg, v->m->version, agent);
	v->phase = VP_HELLO;
	conn_send(c, &msg);
}

/*
 * A -stop waits out its -stop_timeout (up to a day) in silence: without a
 * frame now and then, the server's idle limit (a minute) closed the
 * connection, and the question was asked again on a new one.
 */
static void
verb_heartbeat(uv_timer_t *t)
{
	struct verb		*v = t->data;
	struct proto_msg	 msg = { .type = MSG_HEARTBEAT };

	if (v->phase != VP_ASKED || v->m->conn == NULL ||
	    !conn_is_open(v->m->conn))
		return;
	msg.u.heartbeat.seq = ++v->hb_seq;
	if (conn_send(v->m->conn, &msg) != 0)
		log_debug("cannot send HEARTBEAT");
}

static void
ask(struct verb *v)
{
	static struct proto_msg	 msg;	/* large: keep it off the stack */
	struct mgr		*m = v->m;
	int			 r;

	memset(&msg, 0, sizeof(msg));
	msg.type = v->stop ? MSG_STOP : MSG_STATUS;
	mgr_identity(m, &msg);
	msg.u.start.timeout = m->stop_timeout_s;
	v->phase = VP_ASKED;
	r = conn_send(m->conn, &msg);
	/* Refused by the codec, it would never be answered (send_msg). */
	if (r == -EINVAL || r == -EMSGSIZE)
		die(v, "internal error: cannot encode %s for %s: %s",
		    proto_type_name(msg.type), m->display, strerror(-r));
	if (r != 0)
		log_debug("cannot send %s", proto_type_name(msg.type));
}

static void
exit_text(char *buf, size_t cap, uint8_t how, int32_t value)
{
	if (how == EXIT_SIGNAL)
		snprintf(buf, cap, "signal %d", (int)value);
	else
		snprintf(buf, cap, "exit code %d", (int)value);
}

/*
 * STATUS_REPLY.  To a STATUS it is the answer.  To a STOP it says what the
 * server found: nothing (the answer), a kept status (its EXIT follows,
 * which we collect), or a running service (SIGTERM, SIGKILL, then STOPPED
 * and EXIT).
 */
static void
on_status(struct verb *v, const struct proto_msg *msg)
{
	char	st[48], line[96];

	switch (msg->u.status.state) {
	case STATUS_NONE:
		answer(v->stop ? MGR_EXIT_OK : MGR_EXIT_NOT_RUNNING,
		    "not running");
	case STATUS_ENDED:
		if (v->stop)
			break;
		exit_text(st, sizeof(st), msg->u.status.exit_how,
		    msg->u.status.exit_value);
		snprintf(line, sizeof(line), "ended while unwatched: %s", st);
		answer(MGR_EXIT_ENDED, line);
	case STATUS_STARTING:
	case STATUS_RUNNING:
		if (v->stop)
			break;
		if (msg->u.status.state == STATUS_STARTING)
			answer(MGR_EXIT_OK, "starting");
		snprintf(line, sizeof(line), "running pid %u",
		    (unsigned)msg->u.status.pid);
		answer(MGR_EXIT_OK, line);
	default:
		die(v, "cmappserver on %s answered %s with an unknown state "
		    "%u", v->m->node, verb_name(v),
		    (unsigned)msg->u.status.state);
	}
	v->found = msg->u.status.state;
	v->run_id = msg->u.status.run_id;
	/* The stop itself: SIGTERM, -stop_timeout, SIGKILL, the wait. */
	heard(v);
}

/* An older server does not close after our EXIT_ACK: it was sent. */
static void
ack_wait_over(uv_timer_t *t)
{
	struct verb	*v = t->data;

	answer(MGR_EXIT_OK, v->line);
}

/* The end of a stopped service: its status is ours to acknowledge. */
static void
on_exit_frame(struct verb *v, const struct proto_msg *msg)
{
	struct proto_msg	ack = { .type = MSG_EXIT_ACK };
	char			st[48];

	ack.u.attach.run_id = msg->u.exit.run_id;
	if (conn_send(v->m->conn, &ack) != 0)
		log_debug("cannot send EXIT_ACK");
	exit_text(st, sizeof(st), msg->u.exit.how, msg->u.exit.value);
	if (v->found == STATUS_ENDED)
		snprintf(v->line, sizeof(v->line), "ended earlier: %s, status "
		    "collected", st);
	else
		snprintf(v->line, sizeof(v->line), "stopped: %s", st);
	v->phase = VP_DONE;
	uv_timer_start(&v->deadline, ack_wait_over, MGR_ACK_WAIT_MS, 0);
}

static void
on_error(struct verb *v, const struct proto_msg *msg)
{
	char	t[VIS_LEN(PROTO_MAX_TEXT)];

	vis_bytes(t, sizeof(t), msg->u.error.text.p, msg->u.error.text.len, 0);
	switch (msg->u.error.code) {
	case PERR_VERSION:
		if (v->phase == VP_HELLO && dial_version_refused(v->m) == 0)
			return;
		die(v, "Could not connect to the node %s: %s (this cmappmgr "
		    "speaks protocol versions %u to %u)", v->m->node, t,
		    PROTO_VERSION_MIN, PROTO_VERSION_MAX);
	case PERR_DENIED:
		die(v, "cmappserver on %s refused %s of %s: %s", v->m->node,
		    verb_name(v), v->m->display, t);
	default:
		die(v, "cmappserver on %s could not %s %s: %s", v->m->node,
		    v->stop ? "stop" : "report on", v->m->display, t);
	}
}

static void
verb_frame(struct conn *c, const struct proto_msg *msg)
{
	struct verb	*v = c->data;
	struct mgr	*m = v->m;
	char		 text[PROTO_MAX_TEXT];
	uint16_t	 type = v->stop ? MSG_STOP : MSG_STATUS;

	if (v->phase == VP_DONE)
		return;		/* only its close is awaited now */
	/* Our heartbeats' answers keep the connection, not the question,
	 * alive: a stop that never ends still ends at the deadline. */
	if (msg->type != MSG_HEARTBEAT_ACK && dial_heard(m, msg->type))
		heard(v);
	switch (msg->type) {
	case MSG_HELLO:
		if (v->phase != VP_HELLO)
			break;
		if (dial_hello_mismatch(m, msg, text, sizeof(text)) != 0)
			die(v, "%s", text);
		dial_connected(m);
		/* Never pretend: an older guest cannot be asked. */
		if (dial_too_old(m, msg->u.hello.version, type, verb_name(v),
		    text, sizeof(text)) != 0)
			die(v, "%s", text);
		ask(v);
		return;
	case MSG_ERROR:
		on_error(v, msg);
		return;
	case MSG_STATUS_REPLY:
		if (v->phase != VP_ASKED || v->found != -1)
			break;
		on_status(v, msg);
		return;
	case MSG_STOPPED:
		if (v->phase != VP_ASKED || v->found == -1 ||
		    msg->u.stopped.run_id != v->run_id || v->stopped)
			break;
		v->stopped = 1;
		return;
	case MSG_OUTPUT:
		return;		/* a STOP's service still talking */
	case MSG_EXIT:
		if (v->phase != VP_ASKED || v->found == -1 ||
		    msg->u.exit.run_id != v->run_id)
			break;
		on_exit_frame(v, msg);
		return;
	case MSG_HEARTBEAT_ACK:
		return;
	}
	conn_close(c, CONN_PROTO, "unexpected %s frame from cmappserver",
	    proto_type_name(msg->type));
}

static void
verb_closed(struct conn *c, enum conn_why why, const char *reason)
{
	struct verb	*v = c->data;
	struct mgr	*m = v->m;
	char		 text[1024];

	m->conn = NULL;
	if (v->phase == VP_DONE)
		answer(MGR_EXIT_OK, v->line);
	if (why == CONN_AUTH) {
		dial_auth_text(m, reason, text, sizeof(text));
		die(v, "%s", text);
	}
	if (why == CONN_PROTO)
		die(v, "cannot ask %s about %s: %s", m->node, m->display,
		    reason);
	if (v->phase >= VP_HELLO)
		log_debug("connection to %s lost: %s; trying again", m->node,
		    reason);
	v->phase = VP_CONNECTING;
	v->found = -1;
	v->stopped = 0;
	/* No re-arming: a refused or lost connection is not the guest
	 * answering, and the retries come faster than any timeout. */
	dial_lost(m, reason);
}

int
mgr_verb(struct mgr *m, int stop)
{
	static struct verb	v;	/* the process's one question */

	v.m = m;
	v.stop = stop;
	v.found = -1;
	mgr_display(m);
	if (uv_loop_init(&m->loop) != 0)
		die(&v, "cannot start the event loop");
	uv_timer_init(&m->loop, &v.deadline);
	uv_timer_init(&m->loop, &v.heartbeat);
	v.deadline.data = v.heartbeat.data = &v;
	uv_timer_start(&v.heartbeat, verb_heartbeat, MGR_HB_MAX_MS,
	    MGR_HB_MAX_MS);
	heard(&v);
	dial_start(m, &verb_ops, &v);
	uv_run(&m->loop, UV_RUN_DEFAULT);
	die(&v, "internal error: event loop ended");
}
