/* SPDX-License-Identifier: ISC */
/*
 * manager.c: cmappmgr's loop.  Connect (retrying until -cmappserver_timeout
 * runs out, the guest may still be booting), HELLO, START the service (or
 * ATTACH to our run after a reconnect), then relay its output and wait for
 * the EXIT the server pushes.  Heartbeats keep a silent guest from going
 * unnoticed: no frame for -cmappserver_timeout seconds is a failure.
 * Exit code: the service's, 128+N for signal N, 0 when it was stopped on
 * request (STOPPED before its EXIT), 1 for our own failures.  An agent
 * reads the same from -ready_file and -exit_file (outfile.c).
 */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "appmgr.h"
#include "certcheck.h"
#include "log.h"
#include "svc.h"
#include "version.h"
#include "vis.h"

static void	mgr_ready(struct conn *);
static void	mgr_frame(struct conn *, const struct proto_msg *);
static void	mgr_closed(struct conn *, enum conn_why, const char *);

static const struct conn_ops mgr_ops = { mgr_ready, mgr_frame, mgr_closed };

/*
 * One line of the service's, after our own prefix: its bytes go through
 * vis.c's filter, so that none acts on the admin's terminal and a line
 * stays one record whatever it holds (docs/output-filter.md).
 */
static void
write_line(struct mgr *m, int stream, const char *p, size_t n)
{
	static char	 shown[VIS_LEN(MGR_LINE_MAX)];	/* off the stack */
	FILE		*f = stream == STREAM_STDERR ? stderr : stdout;
	size_t		 k;

	k = vis_bytes(shown, sizeof(shown), (const uint8_t *)p, n, 0);
	fprintf(f, "%s: ", m->label);
	fwrite(shown, 1, k, f);
	putc('\n', f);
	fflush(f);
	/* Rendered anew, so that the cut falls between two escapes. */
	if (stream == STREAM_STDERR && n > 0)
		vis_bytes(m->last_err, sizeof(m->last_err),
		    (const uint8_t *)p, n, 0);
}

/* Service output, one marked line at a time. */
static void
emit(struct mgr *m, int stream, const uint8_t *p, size_t n)
{
	struct linebuf	*lb = &m->out[stream == STREAM_STDERR];
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n') {
			write_line(m, stream, lb->buf, lb->len);
			lb->len = 0;
			continue;
		}
		if (lb->len == sizeof(lb->buf)) {
			write_line(m, stream, lb->buf, lb->len);
			lb->len = 0;
		}
		lb->buf[lb->len++] = (char)p[i];
	}
}

/* A last line without its newline is written as a line of its own. */
static void
flush_lines(struct mgr *m)
{
	int	i;

	for (i = 0; i < 2; i++)
		if (m->out[i].len > 0) {
			write_line(m, i + 1, m->out[i].buf, m->out[i].len);
			m->out[i].len = 0;
		}
}

static void __attribute__((noreturn))
finish(struct mgr *m, int code)
{
	flush_lines(m);
	hostlog_close(&m->hostlog);
	/*
	 * The cluster waits for this exit: skip OpenSSL's and libuv's
	 * teardown (its resolver threads are joined), which the kernel does
	 * faster.  Nothing buffered is lost: stdio is flushed above.
	 */
	fflush(stdout);
	fflush(stderr);
	_exit(code);
}

static void __attribute__((noreturn, format(printf, 2, 3)))
die(struct mgr *m, const char *fmt, ...)
{
	char	msg[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s", msg);
	mgr_exit_file(m, "cmappmgr: %s", msg);
	finish(m, 1);
}

static void
deadline_passed(uv_timer_t *t)
{
	struct mgr	*m = t->data;

	if (!m->ever_connected)
		die(m, "Could not connect to the node %s: %s", m->node,
		    dial_why(m, "Connection timed out"));
	die(m, "Lost contact with cmappserver on the node %s: no answer for "
	    "%u s (%s)", m->node, m->timeout_s, dial_why(m, "not connected"));
}

static void
heard(struct mgr *m)
{
	uv_timer_start(&m->deadline, deadline_passed,
	    (uint64_t)m->timeout_s * 1000, 0);
}

static void
send_msg(struct mgr *m, const struct proto_msg *msg)
{
	int	r;

	if (m->conn == NULL || (r = conn_send(m->conn, msg)) == 0)
		return;
	/* A request of ours the codec refuses would wait for an answer
	 * that never comes: main.c let through what it must not. */
	if (r == -EINVAL || r == -EMSGSIZE)
		die(m, "internal error: cannot encode %s for %s: %s",
		    proto_type_name(msg->type), m->display, strerror(-r));
	log_debug("cannot send %s", proto_type_name(msg->type));
}

static void
heartbeat(uv_timer_t *t)
{
	struct mgr		*m = t->data;
	struct proto_msg	 msg = { .type = MSG_HEARTBEAT };

	if (m->conn == NULL || !conn_is_open(m->conn) ||
	    m->phase < PH_STARTING)
		return;
	msg.u.heartbeat.seq = ++m->hb_seq;
	send_msg(m, &msg);
}

static void
mgr_ready(struct conn *c)
{
	struct mgr		*m = c->data;
	struct proto_msg	 msg;
	static const char	 agent[] = "cmappmgr " CMAPP_VERSION;

	proto_hello(&msg, m->version, agent);
	m->phase = PH_HELLO;
	send_msg(m, &msg);
}

void
mgr_identity(const struct mgr *m, struct proto_msg *msg)
{
	int	i;

	for (i = 0; m->argv[i] != NULL; i++) {
		msg->u.start.argv[i].p = (const uint8_t *)m->argv[i];
		msg->u.start.argv[i].len = (uint16_t)strlen(m->argv[i]);
	}
	msg->u.start.argc = (uint16_t)i;
	if (m->instance != NULL) {
		msg->u.start.instance.p = (const uint8_t *)m->instance;
		msg->u.start.instance.len = (uint16_t)strlen(m->instance);
	}
}

static void
send_start(struct mgr *m)
{
	static struct proto_msg	msg;	/* large: keep it off the stack */

	memset(&msg, 0, sizeof(msg));
	if (m->have_run) {
		msg.type = MSG_ATTACH;
		msg.u.attach.run_id = m->run_id;
	} else {
		/* Without an instance, the START every version knows. */
		msg.type = m->instance != NULL ? MSG_START_INSTANCE : MSG_START;
		mgr_identity(m, &msg);
	}
	m->phase = PH_STARTING;
	send_msg(m, &msg);
}

static void
on_error(struct mgr *m, const struct proto_msg *msg)
{
	char	t[VIS_LEN(PROTO_MAX_TEXT)];

	/* The guest's words: one line of printable text on our side. */
	vis_bytes(t, sizeof(t), msg->u.error.text.p, msg->u.error.text.len, 0);
	switch (msg->u.error.code) {
	case PERR_VERSION:
		if (m->phase == PH_HELLO && dial_version_refused(m) == 0)
			return;
		die(m, "Could not connect to the node %s: %s (this cmappmgr "
		    "speaks protocol versions %u to %u)", m->node, t,
		    PROTO_VERSION_MIN, PROTO_VERSION_MAX);
	case PERR_EXEC:
		die(m, "cmappserver on %s could not start %s: %s",
		    m->node, m->display, t);
	case PERR_LIMIT:
	case PERR_DENIED:
		die(m, "cmappserver on %s refused to start %s: %s",
		    m->node, m->display, t);
	case PERR_NORUN:
		die(m, "%s on %s is gone, not relaunching it: %s",
		    m->display, m->node, t);
	default:
		die(m, "cmappserver on %s reported an error: %s", m->node,
		    t);
	}
}

/* -ready_file: an agent's sign that the service runs and is watched. */
static void
write_ready(struct mgr *m, const struct proto_msg *msg)
{
	char	line[64];
	int	e;

	snprintf(line, sizeof(line), "%s pid %u",
	    msg->u.started.how == STARTED_LAUNCHED ? "launched" : "attached",
	    msg->u.started.pid);
	if ((e = outfile_write(m->ready_file, line)) != 0)
		die(m, "cannot write the ready file %s: %s (%s keeps running "
		    "on %s, unwatched)", m->ready_file, strerror(-e),
		    m->display, m->node);
}

static void
on_started(struct mgr *m, const struct proto_msg *msg)
{
	const char	*base = strrchr(m->argv[0], '/');

	base = base != NULL && base[1] != '\0' ? base + 1 : m->argv[0];
	snprintf(m->label, sizeof(m->label), "%s %s[%u]", m->node, base,
	    msg->u.started.pid);
	if (m->have_run)
		log_info("re-attached to %s on %s (pid %u)", m->display,
		    m->node, msg->u.started.pid);
	else if (msg->u.started.how == STARTED_LAUNCHED)
		log_info("started %s on %s (pid %u)", m->display, m->node,
		    msg->u.started.pid);
	else if (msg->u.started.how == STARTED_ATTACHED)
		log_info("%s was already running on %s (pid %u): attached",
		    m->display, m->node, msg->u.started.pid);
	else
		log_info("%s had ended on %s while nobody watched",
		    m->display, m->node);
	/* Once: a re-attach after a lost connection is the same watch. */
	if (m->ready_file != NULL && !m->have_run &&
	    msg->u.started.how != STARTED_EXITED)
		write_ready(m, msg);
	m->have_run = 1;
	m->run_id = msg->u.started.run_id;
	m->pid = msg->u.started.pid;
	m->phase = PH_WATCHING;
}

/* An older server does not close after our EXIT_ACK: it was sent. */
static void
ack_wait_over(uv_timer_t *t)
{
	struct mgr	*m = t->data;

	finish(m, m->exit_code);
}

static void
on_service_exit(struct mgr *m, const struct proto_msg *msg)
{
	struct proto_msg	ack = { .type = MSG_EXIT_ACK };
	int			code;

	/* The server keeps the status until a manager has it: say so
	 * before anything else can go wrong. */
	ack.u.attach.run_id = msg->u.exit.run_id;
	send_msg(m, &ack);

	flush_lines(m);
	/* A stop on request is the cluster's doing, not a failure. */
	if (m->stopped_by[0] != '\0') {
		code = 0;
		log_info("%s stopped on request by %s", m->display,
		    m->stopped_by);
		mgr_exit_file(m, "stopped by %s", m->stopped_by);
	/* A failure's reason is the service's last error line: syslog
	 * gets it too (a monitor's "disk /dev/x failed: ..."). */
	} else if (msg->u.exit.how == EXIT_SIGNAL) {
		code = 128 + msg->u.exit.value;
		log_warnx("%s on %s was killed by signal %d (%s)%s%s",
		    m->display, m->node, msg->u.exit.value,
		    strsignal(msg->u.exit.value), m->last_err[0] ?
		    "; its last error line: " : "", m->last_err);
	} else if ((code = msg->u.exit.value) != 0)
		log_warnx("%s on %s exited with code %d%s%s", m->display,
		    m->node, code, m->last_err[0] ? "; its last error line: " :
		    "", m->last_err);
	else
		log_info("%s on %s exited with code %d", m->display, m->node,
		    code);
	if (msg->u.exit.how == EXIT_SIGNAL)
		mgr_exit_file(m, "signal %d", msg->u.exit.value);
	else
		mgr_exit_file(m, "exit %d", msg->u.exit.value);
	m->exit_code = code;
	if (m->conn == NULL || !conn_is_open(m->conn))
		finish(m, code);
	/* The server closes once it has read the ACK (mgr_closed). */
	m->phase = PH_DONE;
	uv_timer_stop(&m->heartbeat);
	uv_timer_start(&m->deadline, ack_wait_over, MGR_ACK_WAIT_MS, 0);
}

static void
mgr_frame(struct conn *c, const struct proto_msg *msg)
{
	struct mgr	*m = c->data;
	char		 text[PROTO_MAX_TEXT];

	if (m->phase == PH_DONE)
		return;		/* only its close is awaited now */
	if (dial_heard(m, msg->type))
		heard(m);
	switch (msg->type) {
	case MSG_HELLO:
		if (m->phase != PH_HELLO)
			break;
		if (dial_hello_mismatch(m, msg, text, sizeof(text)) != 0)
			die(m, "%s", text);
		dial_connected(m);
		/* Never a START of another service to an older guest. */
		if (m->instance != NULL && dial_too_old(m,
		    msg->u.hello.version, MSG_START_INSTANCE, "-instance",
		    text, sizeof(text)) != 0)
			die(m, "%s", text);
		send_start(m);
		return;
	case MSG_ERROR:
		on_error(m, msg);
		return;
	case MSG_STARTED:
		if (m->phase != PH_STARTING)
			break;
		on_started(m, msg);
		return;
	case MSG_OUTPUT:
		if (m->phase != PH_WATCHING || msg->u.output.run_id !=
		    m->run_id)
			return;
		if (msg->u.output.stream == STREAM_HOSTLOG)
			hostlog_feed(&m->hostlog, msg->u.output.data.p,
			    msg->u.output.data.len);
		else
			emit(m, msg->u.output.stream, msg->u.output.data.p,
			    msg->u.output.data.len);
		return;
	case MSG_EXIT:
		if (m->phase != PH_WATCHING || msg->u.exit.run_id != m->run_id)
			break;
		on_service_exit(m, msg);
		return;
	case MSG_STOPPED:
		if (m->phase != PH_WATCHING ||
		    msg->u.stopped.run_id != m->run_id)
			break;
		vis_bytes(m->stopped_by, sizeof(m->stopped_by),
		    msg->u.stopped.who.p, msg->u.stopped.who.len, 0);
		if (m->stopped_by[0] == '\0')
			snprintf(m->stopped_by, sizeof(m->stopped_by),
			    "an unnamed manager");
		return;
	case MSG_HEARTBEAT_ACK:
		return;
	}
	conn_close(c, CONN_PROTO, "unexpected %s frame from cmappserver",
	    proto_type_name(msg->type));
}

static void
mgr_closed(struct conn *c, enum conn_why why, const char *reason)
{
	struct mgr	*m = c->data;

	char		 text[1024];

	m->conn = NULL;
	if (m->phase == PH_DONE)
		finish(m, m->exit_code);
	if (why == CONN_AUTH) {
		dial_auth_text(m, reason, text, sizeof(text));
		die(m, "%s", text);
	}
	if (m->phase >= PH_STARTING)
		log_warnx("connection to %s lost: %s; reconnecting", m->node,
		    reason);
	else
		log_debug("connection to %s failed: %s", m->node, reason);
	m->phase = PH_CONNECTING;
	dial_lost(m, reason);
}

static void
on_signal(uv_signal_t *h, int sig)
{
	struct mgr		*m = h->data;
	struct proto_msg	 msg = { .type = MSG_DETACH };

	if (m->phase == PH_DONE)
		finish(m, m->exit_code);	/* the service had ended */
	if (m->conn != NULL && conn_is_open(m->conn) &&
	    m->phase == PH_WATCHING) {
		msg.u.attach.run_id = m->run_id;
		send_msg(m, &msg);
	}
	log_info("detaching from %s on %s on signal %d; it keeps running",
	    m->display, m->node, sig);
	mgr_exit_file(m, "detached");
	finish(m, 0);
}

/* logrotate's SIGHUP: the host log is reopened; the service goes on. */
static void
on_sighup(uv_signal_t *h, int sig)
{
	struct mgr	*m = h->data;

	(void)sig;
	hostlog_reopen(&m->hostlog);
}

/* A monitor runs for months: its keys' expiry is said once a day too. */
static void
certcheck_daily(uv_timer_t *t)
{
	struct mgr	*m = t->data;

	certcheck_log(m->ctx, m->key_path, m->trust_path);
}

void
mgr_display(struct mgr *m)
{
	size_t	n;

	svc_display(m->argv, m->display, sizeof(m->display));
	n = strlen(m->display);
	if (m->instance != NULL)
		snprintf(m->display + n, sizeof(m->display) - n,
		    " (instance %s)", m->instance);
}

/*
 * A cluster may halt a service the moment it started it: a SIGTERM that
 * comes while the conf and keys are read must mean a detach too, not
 * death by 143 without an exit file.  Held until the loop's handlers are
 * there, it is then delivered to them.
 */
void
mgr_hold_signals(int hold)
{
	sigset_t	set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(hold ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

int
mgr_run(struct mgr *m)
{
	unsigned	hb;

	if (uv_loop_init(&m->loop) != 0)
		fatalx("cannot start the event loop");
	/* The host log's path comes from our own command line only. */
	hostlog_init(&m->hostlog, hostlog_path(m->argv));
	mgr_display(m);
	snprintf(m->label, sizeof(m->label), "%s", m->node);
	uv_timer_init(&m->loop, &m->deadline);
	uv_timer_init(&m->loop, &m->heartbeat);
	uv_signal_init(&m->loop, &m->sigterm);
	uv_signal_init(&m->loop, &m->sigint);
	uv_signal_init(&m->loop, &m->sighup);
	m->deadline.data = m->heartbeat.data = m;
	m->sigterm.data = m->sigint.data = m->sighup.data = m;
	uv_signal_start(&m->sigterm, on_signal, SIGTERM);
	uv_signal_start(&m->sigint, on_signal, SIGINT);
	uv_signal_start(&m->sighup, on_sighup, SIGHUP);
	mgr_hold_signals(0);

	hb = m->timeout_s * 1000 / 4;
	hb = hb < MGR_HB_MIN_MS ? MGR_HB_MIN_MS : hb > MGR_HB_MAX_MS ?
	    MGR_HB_MAX_MS : hb;
	uv_timer_start(&m->heartbeat, heartbeat, hb, hb);
	uv_timer_init(&m->loop, &m->certcheck);
	m->certcheck.data = m;
	uv_timer_start(&m->certcheck, certcheck_daily, CERTCHECK_PERIOD_MS,
	    CERTCHECK_PERIOD_MS);
	heard(m);
	dial_start(m, &mgr_ops, m);
	uv_run(&m->loop, UV_RUN_DEFAULT);
	die(m, "internal error: event loop ended");
}
