/* SPDX-License-Identifier: ISC */
/*
 * list.c: cmappmgr -list, the admins' status view of one guest.
 *
 * cmappmgr -node NODE [-port N] [-conf FILE] [-cmappserver_timeout S] -list
 *          [-all] [-json]
 *
 * Connects to cmappserver with cmappmgr's own keys and trust pinning (so only
 * a host whose certificate the guest trusts can look), says HELLO, sends
 * LIST and, once LIST_END has come, prints one line per service the guest
 * supervises: pid, run id, state, uptime or exit status, the number of
 * attached managers and the command, and under it a line for each attached
 * manager: its address and port, and for how long (a cmappserver of
 * protocol version 1 need not name them: a line after the table says so),
 * and for an ended service, the processes it left running (LIST_LEFT,
 * version 3).
 * By default only what needs an eye: services running or starting, ended
 * ones whose status is kept for a manager, and delivered ones that left
 * processes running; the header counts the delivered runs left out, which
 * -all shows.  -json prints the same rows as JSON Lines instead, one
 * object per service with the same fields (print_json), for scripts.
 * Like a service's cmappmgr it keeps trying to reach the guest for
 * -cmappserver_timeout seconds, and reports a refused certificate at once.
 * Exit status: 0 when the guest answered and its list was printed, 1
 * otherwise, with the reason on stderr.
 */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "appmgr.h"
#include "certcheck.h"
#include "log.h"
#include "svc.h"
#include "version.h"
#include "vis.h"

#define LIST_CMD_MAX	4096	/* bytes of a rendered command line */

enum list_phase {
	LP_CONNECTING,	/* resolving, connecting, TLS handshake */
	LP_HELLO,	/* HELLO sent */
	LP_LISTING,	/* LIST sent, entries arriving */
};

/* A manager attached to a service, from a LIST_MANAGER. */
struct attached {
	uint64_t	 since;
	char		 peer[VIS_LEN(PROTO_MAX_PEER)];	/* vis.c's */
	uint8_t		 raw[PROTO_MAX_PEER];		/* as sent, for JSON */
	uint16_t	 raw_len;
};

struct row {
	struct attached	*mgrs;
	uint16_t	 nmgrs, mgrs_cap;
	uint64_t	 run_id;
	uint64_t	 since;
	uint32_t	 pid;
	int32_t		 exit_value;
	uint16_t	 managers;
	uint8_t		 state;
	uint8_t		 exit_how;
	uint32_t	 left;		/* LIST_LEFT: processes it left */
	uint8_t		 left_where;
	char		*cmd;
	char		 instance[PROTO_MAX_INSTANCE + 1];	/* v4, or "" */
	char		**argv;		/* for -json */
};

struct lister {
	struct mgr		*m;
	uv_timer_t		 deadline;
	enum list_phase		 phase;	/* the connection is l->m->conn */
	char			 agent[VIS_LEN(PROTO_MAX_TEXT)];
	uint16_t		 version;	/* the session's, from HELLO */
	/* "guest certificate SUBJECT, expires DATE (in N days)", vis.c's */
	char			 cert[VIS_LEN(CERTCHECK_MAX_SUBJECT) + 96];
	struct row		*rows;
	size_t			 n, cap;
	int			 flags;		/* LIST_ALL, LIST_JSON */
};

static void	list_ready(struct conn *);
static void	list_frame(struct conn *, const struct proto_msg *);
static void	list_closed(struct conn *, enum conn_why, const char *);

static const struct conn_ops list_ops = {
	list_ready, list_frame, list_closed
};

static void __attribute__((noreturn, format(printf, 2, 3)))
die(struct lister *l, const char *fmt, ...)
{
	char	msg[1024];
	va_list	ap;

	(void)l;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s", msg);
	/* Not exit(): libuv's destructor would wait for a name lookup
	 * still hung in its thread, past -cmappserver_timeout. */
	fflush(stdout);
	fflush(stderr);
	_exit(1);
}

static void
clear_rows(struct lister *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++) {
		free(l->rows[i].cmd);
		free(l->rows[i].mgrs);
		svc_argv_free(l->rows[i].argv);
	}
	l->n = 0;
}

/* Keeps one LIST_ENTRY; 0, -EINVAL for a bad argv, -ENOMEM. */
static int
add_row(struct lister *l, const struct proto_msg *msg)
{
	struct row	*r;
	char		**argv, *cmd;
	size_t		 cap;
	int		 e;

	if ((e = svc_argv_from_wire(msg->u.entry.argv, msg->u.entry.argc,
	    &argv)) != 0)
		return e;
	cmd = malloc(LIST_CMD_MAX);
	if (cmd == NULL) {
		svc_argv_free(argv);
		return -ENOMEM;
	}
	svc_display(argv, cmd, LIST_CMD_MAX);
	if (l->n == l->cap) {
		cap = l->cap == 0 ? 16 : l->cap * 2;
		if ((r = reallocarray(l->rows, cap, sizeof(*r))) == NULL) {
			free(cmd);
			svc_argv_free(argv);
			return -ENOMEM;
		}
		l->rows = r;
		l->cap = cap;
	}
	r = &l->rows[l->n++];
	r->mgrs = NULL;
	r->nmgrs = r->mgrs_cap = 0;
	r->run_id = msg->u.entry.run_id;
	r->since = msg->u.entry.since;
	r->pid = msg->u.entry.pid;
	r->exit_value = msg->u.entry.exit_value;
	r->managers = msg->u.entry.managers;
	r->state = msg->u.entry.state;
	r->exit_how = msg->u.entry.exit_how;
	r->left = 0;
	r->left_where = LEFT_PGRP;
	r->cmd = cmd;
	r->instance[0] = '\0';
	r->argv = argv;
	return 0;
}

/* Keeps a LIST_INSTANCE (version 4) on the entry it follows: 0, or
 * -EPROTO with why.  The decoder checked the name's bytes and length. */
static int
add_instance(struct lister *l, const struct proto_msg *msg, char *why,
    size_t whylen)
{
	struct row	*r = l->n > 0 ? &l->rows[l->n - 1] : NULL;
	size_t		 n = msg->u.instance.name.len;

	if (r == NULL || r->run_id != msg->u.instance.run_id ||
	    r->instance[0] != '\0' || n == 0 || n > PROTO_MAX_INSTANCE) {
		snprintf(why, whylen, "a LIST_INSTANCE of run %016llx that "
		    "does not follow its LIST_ENTRY",
		    (unsigned long long)msg->u.instance.run_id);
		return -EPROTO;
	}
	memcpy(r->instance, msg->u.instance.name.p, n);
	r->instance[n] = '\0';
	return 0;
}

/*
 * Keeps one LIST_MANAGER under the entry it follows.  That entry counted
 * its managers: more frames than that are a broken server, refused rather
 * than kept, so that memory stays bounded by the count.  0, -EPROTO with
 * the reason in why, or -ENOMEM.
 */
static int
add_manager(struct lister *l, const struct proto_msg *msg, char *why,
    size_t whylen)
{
	const struct proto_str	*p = &msg->u.manager.peer;
	struct row		*r;
	struct attached		*a;
	size_t			 cap;
	uint16_t		 j;

	r = l->n > 0 ? &l->rows[l->n - 1] : NULL;
	if (r == NULL || r->run_id != msg->u.manager.run_id) {
		snprintf(why, whylen, "a LIST_MANAGER of run %016llx that "
		    "does not follow its LIST_ENTRY",
		    (unsigned long long)msg->u.manager.run_id);
		return -EPROTO;
	}
	if (r->nmgrs >= r->managers) {
		snprintf(why, whylen, "more LIST_MANAGER frames for run "
		    "%016llx than the %u managers its LIST_ENTRY counted",
		    (unsigned long long)r->run_id, (unsigned)r->managers);
		return -EPROTO;
	}
	if (r->nmgrs == r->mgrs_cap) {
		cap = r->mgrs_cap == 0 ? 2 : 2 * (size_t)r->mgrs_cap;
		if (cap > r->managers)
			cap = r->managers;
		if ((a = reallocarray(r->mgrs, cap, sizeof(*a))) == NULL)
			return -ENOMEM;
		r->mgrs = a;
		r->mgrs_cap = (uint16_t)cap;
	}
	/* Longest attached first, as the handover from one host to the
	 * next reads; the server sends them in no order. */
	for (j = r->nmgrs; j > 0 && r->mgrs[j - 1].since > msg->u.manager.since;
	    j--)
		r->mgrs[j] = r->mgrs[j - 1];
	r->nmgrs++;
	a = &r->mgrs[j];
	a->since = msg->u.manager.since;
	/* The decoder bounded the length by PROTO_MAX_PEER. */
	vis_bytes(a->peer, sizeof(a->peer), p->p, p->len, 0);
	a->raw_len = p->len <= sizeof(a->raw) ? p->len : sizeof(a->raw);
	memcpy(a->raw, p->p, a->raw_len);
	return 0;
}

/* Keeps a LIST_LEFT on the entry it follows: 0, or -EPROTO with why. */
static int
add_left(struct lister *l, const struct proto_msg *msg, char *why,
    size_t whylen)
{
	struct row	*r = l->n > 0 ? &l->rows[l->n - 1] : NULL;

	if (r == NULL || r->run_id != msg->u.left.run_id || r->left != 0) {
		snprintf(why, whylen, "a LIST_LEFT of run %016llx that does "
		    "not follow its LIST_ENTRY",
		    (unsigned long long)msg->u.left.run_id);
		return -EPROTO;
	}
	r->left = msg->u.left.count;
	r->left_where = msg->u.left.where;
	return 0;
}

/* "45s", "12m03s", "3h04m", "2d03h": a duration in two units at most. */
static void
duration(char *buf, size_t cap, uint64_t s)
{
	if (s < 60)
		snprintf(buf, cap, "%us", (unsigned)s);
	else if (s < 3600)
		snprintf(buf, cap, "%um%02us", (unsigned)(s / 60),
		    (unsigned)(s % 60));
	else if (s < 86400)
		snprintf(buf, cap, "%uh%02um", (unsigned)(s / 3600),
		    (unsigned)(s % 3600 / 60));
	else
		snprintf(buf, cap, "%llud%02uh", (unsigned long long)(s / 86400),
		    (unsigned)(s % 86400 / 3600));
}

/*
 * A RUNNING entry with pid 0 is a launch not done yet: cmappserver learns
 * the pid from the shim once the exec has succeeded, and an exec that
 * hangs (a program on a dead NFS mount) stays so.  Derived here rather
 * than sent as a state of its own, which would change the protocol.
 */
static int
starting(const struct row *r)
{
	return r->state == RUN_RUNNING && r->pid == 0;
}

static const char *
state_name(const struct row *r)
{
	if (starting(r))
		return "starting";
	switch (r->state) {
	case RUN_RUNNING:
		return "running";
	case RUN_EXITED:
		return "exited";	/* status kept for the next START */
	case RUN_DELIVERED:
		return "delivered";
	default:
		return "unknown";
	}
}

/*
 * Whether a row is for daily use, shown without -all: running or starting,
 * or ended with its status kept for a manager (undelivered), or delivered
 * but with processes it left still running.  A delivered run with nothing
 * left is history.
 */
static int
shown(const struct lister *l, const struct row *r)
{
	return (l->flags & LIST_ALL) || r->state == RUN_RUNNING ||
	    r->state == RUN_EXITED || r->left > 0;
}

/* Writes len bytes as a JSON string (vis_json); 0, or -ENOMEM. */
static int
json_str(const void *p, size_t len)
{
	char	*buf = malloc(VIS_JSON_LEN(len));

	if (buf == NULL)
		return -ENOMEM;
	vis_json(buf, VIS_JSON_LEN(len), p, len);
	fputs(buf, stdout);
	free(buf);
	return 0;
}

/* One row as one JSON object on a line of its own: print_json. */
static int
json_row(const struct lister *l, const struct row *r)
{
	const char	*where = r->left_where == LEFT_CGROUP ? "cgroup" :
	    "process group";
	size_t		 j;
	int		 e = 0;

	printf("{\"node\":");
	e |= json_str(l->m->node, strlen(l->m->node));
	printf(",\"run_id\":\"%016llx\",\"pid\":",
	    (unsigned long long)r->run_id);
	if (starting(r))
		printf("null");
	else
		printf("%u", (unsigned)r->pid);
	printf(",\"state\":\"%s\",\"since\":%llu,", state_name(r),
	    (unsigned long long)r->since);
	if (r->state == RUN_RUNNING)
		printf("\"exit_code\":null,\"signal\":null,");
	else if (r->exit_how == EXIT_SIGNAL)
		printf("\"exit_code\":null,\"signal\":%d,", (int)r->exit_value);
	else
		printf("\"exit_code\":%d,\"signal\":null,", (int)r->exit_value);
	printf("\"managers\":%u,\"attached\":[", (unsigned)r->managers);
	for (j = 0; j < r->nmgrs; j++) {
		printf("%s{\"peer\":", j > 0 ? "," : "");
		e |= json_str(r->mgrs[j].raw, r->mgrs[j].raw_len);
		printf(",\"since\":%llu}",
		    (unsigned long long)r->mgrs[j].since);
	}
	printf("],\"left\":%u,\"left_in\":", (unsigned)r->left);
	if (r->left > 0)
		printf("\"%s\"", where);
	else
		printf("null");
	printf(",\"command\":");
	e |= json_str(r->cmd, strlen(r->cmd));
	printf(",\"argv\":[");
	for (j = 0; r->argv[j] != NULL; j++) {
		printf("%s", j > 0 ? "," : "");
		e |= json_str(r->argv[j], strlen(r->argv[j]));
	}
	/* The instance's bytes are [A-Za-z0-9._-]: the decoder checked. */
	if (r->instance[0] != '\0')
		printf("],\"instance\":\"%s\"}\n", r->instance);
	else
		printf("],\"instance\":null}\n");
	return e;
}

/*
 * -json: JSON Lines, one object per service shown, with the table's fields
 * and the guest's own times (seconds since the epoch): "since" is when the
 * run started (running, starting) or ended.  Nothing else on stdout, also
 * for a guest without services.  Exits 0, or 1 if stdout cannot be written.
 */
static void __attribute__((noreturn))
print_json(struct lister *l, unsigned count)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (shown(l, &l->rows[i]) && json_row(l, &l->rows[i]) != 0)
			die(l, "cannot list the services of %s: out of memory",
			    l->m->node);
	if (count != l->n)
		log_warnx("cmappserver on %s announced %u services but sent "
		    "%zu", l->m->node, count, l->n);
	if (fflush(stdout) != 0 || ferror(stdout))
		die(l, "cannot write the listing: %s", strerror(errno));
	exit(0);
}

/* Prints the table; exits 0, or 1 if stdout cannot be written. */
static void __attribute__((noreturn))
print_table(struct lister *l, unsigned count)
{
	struct mgr	*m = l->m;
	time_t		 now = time(NULL);
	char		 ago[32], what[64], runid[20], pid[12];
	size_t		 i, j, running = 0, nstarting = 0, unnamed = 0;
	size_t		 hidden = 0;
	uint64_t	 d;

	if (l->flags & LIST_JSON)
		print_json(l, count);
	for (i = 0; i < l->n; i++) {
		if (!shown(l, &l->rows[i])) {
			hidden++;
			continue;
		}
		unnamed += l->rows[i].nmgrs < l->rows[i].managers;
		nstarting += starting(&l->rows[i]);
		running += l->rows[i].state == RUN_RUNNING &&
		    !starting(&l->rows[i]);
	}
	printf("%s (%s): %zu service%s, %zu running", m->node,
	    l->agent[0] ? l->agent : "cmappserver", l->n, l->n == 1 ? "" : "s",
	    running);
	if (nstarting > 0)
		printf(", %zu starting", nstarting);
	if (hidden > 0)
		printf(", %zu delivered not shown (-all shows them)", hidden);
	printf("\n");
	printf("%s\n", l->cert);
	printf("%-7s  %-16s  %-9s  %-20s  %4s  %s\n", "PID", "RUN ID",
	    "STATE", "UPTIME/EXIT", "MGRS", "COMMAND");
	for (i = 0; i < l->n; i++) {
		const struct row *r = &l->rows[i];

		if (!shown(l, r))
			continue;
		/* Times are the guest's: a host clock behind it reads 0 s. */
		d = (uint64_t)now > r->since ? (uint64_t)now - r->since : 0;
		duration(ago, sizeof(ago), d);
		if (starting(r))
			snprintf(what, sizeof(what), "for %s", ago);
		else if (r->state == RUN_RUNNING)
			snprintf(what, sizeof(what), "up %s", ago);
		else if (r->exit_how == EXIT_SIGNAL)
			snprintf(what, sizeof(what), "signal %d, %s ago",
			    (int)r->exit_value, ago);
		else
			snprintf(what, sizeof(what), "exit %d, %s ago",
			    (int)r->exit_value, ago);
		snprintf(runid, sizeof(runid), "%016llx",
		    (unsigned long long)r->run_id);
		if (starting(r))
			snprintf(pid, sizeof(pid), "-");
		else
			snprintf(pid, sizeof(pid), "%u", (unsigned)r->pid);
		/* The instance after the command: part of its identity. */
		printf("%-7s  %-16s  %-9s  %-20s  %4u  %s%s%s%s\n", pid, runid,
		    state_name(r), what, (unsigned)r->managers, r->cmd,
		    r->instance[0] ? "  [instance " : "", r->instance,
		    r->instance[0] ? "]" : "");
		/* Under the row, not in it: the command stays last and whole,
		 * and a handover's two managers each get a line. */
		if (r->left > 0)
			printf("%9sleft %u process%s running in its %s\n", "",
			    (unsigned)r->left, r->left == 1 ? "" : "es",
			    r->left_where == LEFT_CGROUP ? "cgroup" :
			    "process group");
		for (j = 0; j < r->nmgrs; j++) {
			d = (uint64_t)now > r->mgrs[j].since ?
			    (uint64_t)now - r->mgrs[j].since : 0;
			duration(ago, sizeof(ago), d);
			printf("%9smanager %s, attached for %s\n", "",
			    r->mgrs[j].peer, ago);
		}
	}
	/* Said once, after the table: the counts above are right, only the
	 * names are missing.  (Some version 1 servers named them all the
	 * same: what they sent is shown.) */
	if (unnamed > 0 && !proto_has(l->version, MSG_LIST_MANAGER))
		printf("The cmappserver of %s is too old to name the attached "
		    "managers (it speaks protocol version %u).\n", m->node,
		    (unsigned)l->version);
	if (count != l->n)
		log_warnx("cmappserver on %s announced %u services but sent %zu",
		    m->node, count, l->n);
	if (fflush(stdout) != 0 || ferror(stdout))
		die(l, "cannot write the listing: %s", strerror(errno));
	exit(0);
}

static void	heard(struct lister *);

static void
deadline_passed(uv_timer_t *t)
{
	struct lister	*l = t->data;
	struct mgr	*m = l->m;

	if (!m->ever_connected)
		die(l, "Could not connect to the node %s: %s", m->node,
		    dial_why(m, "Connection timed out"));
	die(l, "cmappserver on the node %s did not send its list within "
	    "%u s (%s)", m->node, m->timeout_s, dial_why(m, "not connected"));
}

/* Any frame re-arms the deadline, as for a service's cmappmgr. */
static void
heard(struct lister *l)
{
	uv_timer_start(&l->deadline, deadline_passed,
	    (uint64_t)l->m->timeout_s * 1000, 0);
}

/*
 * The line about the certificate the guest showed in the handshake: its
 * expiry is the date at which every manager of this guest will fail.
 * The subject came from the guest: it goes through vis.c.
 */
static void
set_cert(struct lister *l, SSL *ssl)
{
	X509		*x = SSL_get1_peer_certificate(ssl);
	char		 subject[CERTCHECK_MAX_SUBJECT], date[11];
	char		 shown[VIS_LEN(CERTCHECK_MAX_SUBJECT)];
	long long	 left;
	long		 days;

	if (x == NULL) {
		snprintf(l->cert, sizeof(l->cert), "guest certificate unknown");
		return;
	}
	certcheck_subject(x, subject, sizeof(subject));
	vis_str(shown, sizeof(shown), subject);
	if (certcheck_one(x, time(NULL), CERTCHECK_WARN_DAYS, date, &left) ==
	    CERT_EXPIRED) {
		days = (long)(-left / 86400);
		snprintf(l->cert, sizeof(l->cert), "guest certificate %s, "
		    "EXPIRED on %s (%ld day%s ago)", shown, date, days,
		    days == 1 ? "" : "s");
	} else {
		days = (long)(left / 86400);
		snprintf(l->cert, sizeof(l->cert), "guest certificate %s, "
		    "expires %s (in %ld day%s)", shown, date, days,
		    days == 1 ? "" : "s");
	}
	X509_free(x);
}

static void
list_ready(struct conn *c)
{
	struct lister		*l = c->data;
	struct proto_msg	 msg;
	static const char	 agent[] = "cmappmgr " CMAPP_VERSION " -list";

	set_cert(l, c->ssl);
	proto_hello(&msg, l->m->version, agent);
	l->phase = LP_HELLO;
	conn_send(c, &msg);
}

/* The server's HELLO agent, e.g. "cmappserver 0.1.0", as vis.c shows it. */
static void
set_agent(struct lister *l, const struct proto_str *a)
{
	vis_bytes(l->agent, sizeof(l->agent), a->p, a->len, 0);
}

static void
on_error(struct lister *l, const struct proto_msg *msg)
{
	char	t[VIS_LEN(PROTO_MAX_TEXT)];

	vis_bytes(t, sizeof(t), msg->u.error.text.p, msg->u.error.text.len, 0);
	if (msg->u.error.code == PERR_VERSION) {
		if (l->phase == LP_HELLO && dial_version_refused(l->m) == 0)
			return;
		die(l, "Could not connect to the node %s: %s (this cmappmgr "
		    "speaks protocol versions %u to %u)", l->m->node, t,
		    PROTO_VERSION_MIN, PROTO_VERSION_MAX);
	}
	die(l, "cmappserver on %s refused to list its services: %s",
	    l->m->node, t);
}

static void
list_frame(struct conn *c, const struct proto_msg *msg)
{
	struct lister		*l = c->data;
	struct proto_msg	 req = { .type = MSG_LIST };
	char			 text[PROTO_MAX_TEXT];
	int			 r;

	if (dial_heard(l->m, msg->type))
		heard(l);
	switch (msg->type) {
	case MSG_HELLO:
		if (l->phase != LP_HELLO)
			break;
		if (dial_hello_mismatch(l->m, msg, text, sizeof(text)) != 0)
			die(l, "%s", text);
		dial_connected(l->m);
		l->version = msg->u.hello.version;
		set_agent(l, &msg->u.hello.agent);
		clear_rows(l);
		l->phase = LP_LISTING;
		conn_send(c, &req);
		return;
	case MSG_ERROR:
		on_error(l, msg);
		return;
	case MSG_LIST_ENTRY:
		if (l->phase != LP_LISTING)
			break;
		if ((r = add_row(l, msg)) == -ENOMEM)
			die(l, "cannot list the services of %s: out of memory",
			    l->m->node);
		if (r != 0) {
			conn_close(c, CONN_PROTO, "malformed LIST_ENTRY frame "
			    "from cmappserver (a NUL byte in an argument)");
			return;
		}
		return;
	case MSG_LIST_MANAGER:
		if (l->phase != LP_LISTING)
			break;
		if ((r = add_manager(l, msg, text, sizeof(text))) == -ENOMEM)
			die(l, "cannot list the services of %s: out of memory",
			    l->m->node);
		if (r != 0)
			conn_close(c, CONN_PROTO, "cmappserver sent %s", text);
		return;
	case MSG_LIST_LEFT:
		if (l->phase != LP_LISTING)
			break;
		if (add_left(l, msg, text, sizeof(text)) != 0)
			conn_close(c, CONN_PROTO, "cmappserver sent %s", text);
		return;
	case MSG_LIST_INSTANCE:
		if (l->phase != LP_LISTING)
			break;
		if (add_instance(l, msg, text, sizeof(text)) != 0)
			conn_close(c, CONN_PROTO, "cmappserver sent %s", text);
		return;
	case MSG_LIST_END:
		if (l->phase != LP_LISTING)
			break;
		print_table(l, msg->u.list_end.count);
		/* NOTREACHED */
	case MSG_HEARTBEAT_ACK:
		return;
	}
	conn_close(c, CONN_PROTO, "unexpected %s frame from cmappserver",
	    proto_type_name(msg->type));
}

static void
list_closed(struct conn *c, enum conn_why why, const char *reason)
{
	struct lister	*l = c->data;
	struct mgr	*m = l->m;

	char		 text[1024];

	m->conn = NULL;
	if (why == CONN_AUTH) {
		dial_auth_text(m, reason, text, sizeof(text));
		die(l, "%s", text);
	}
	if (why == CONN_PROTO)
		die(l, "cannot list the services of %s: %s", m->node, reason);
	if (l->phase >= LP_HELLO)
		log_debug("connection to %s lost: %s; trying again", m->node,
		    reason);
	l->phase = LP_CONNECTING;
	dial_lost(m, reason);
}

int
mgr_list(struct mgr *m, int flags)
{
	static struct lister	l;	/* the process's one listing */

	l.m = m;
	l.flags = flags;
	if (uv_loop_init(&m->loop) != 0)
		die(&l, "cannot start the event loop");
	uv_timer_init(&m->loop, &l.deadline);
	l.deadline.data = &l;
	heard(&l);
	dial_start(m, &list_ops, &l);
	uv_run(&m->loop, UV_RUN_DEFAULT);
	die(&l, "internal error: event loop ended");
}
