/* SPDX-License-Identifier: ISC */
/*
 * shim.c: cmapp-shim, the small parent of one supervised service.
 *
 *   cmapp-shim RUNDIR RUN_ID -- COMMAND [ARG...]     (run by cmappserver)
 *
 * cmappserver starts one shim per service with fd 3 connected to itself.
 * The shim launches the command in its own process group, drains its stdout,
 * stderr and host-log pipe, reaps it and keeps its exit status until a
 * cmappserver says the status was delivered (SHIM_RELEASE).  It listens on
 * RUNDIR/RUN_ID.sock, so a restarted or upgraded cmappserver finds it again:
 * cmappserver can exit for any reason without stopping an application or
 * losing its status (docs/restart.md).  It is a plain poll() loop with no
 * dependency beyond libc and the protocol codec, to stay small per service.
 * Its life cycle is the table of shimfsm.c, applied by sh_event() alone.
 *
 * Once its service has ended, its process title says so in place of the
 * command ("cmapp-shim RUNDIR RUN_ID: disk_mon exited 1, status kept"): an
 * admin grepping ps(1) for the command must not take it for the service.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "leftover.h"
#include "proto.h"
#include "reader.h"
#include "slog.h"
#include "shim.h"
#include "shimfsm.h"
#include "version.h"
#include "vis.h"

#define SHIM_MAX_LINKS	4		/* cmappserver, cmappserver -stop_all */
#define LINK_OUT_MAX	(256 * 1024)	/* queued bytes per link */
#define LINK_RESERVE	256		/* kept free for an EXIT */
#define DRAIN_MS	100		/* last output after the exit */
#define VERSION_WAIT_MS	3000		/* a server's SHIM_VERSION, after it */
#define STOP_GRACE_MS	1000		/* asked to stop: last EXIT out */
#define LINK_MAX_BODY	64		/* the frames a link sends us */
#define LINK_IN_MAX	(PROTO_HDR_LEN + LINK_MAX_BODY)
#define LEFT_POLL_MS	500		/* recounting what a service left, */
#define LEFT_POLL_MAX_MS 30000		/* backing off while nothing changes */
#define DEFAULT_PATH	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

enum { P_SIG, P_EXEC, P_LISTEN, P_OUT, P_ERR = P_OUT + 1, P_LOG, P_LINK };

struct link {
	int		 fd;
	uint8_t		*out;		/* queued frames, LINK_OUT_MAX */
	size_t		 out_off, out_len;
	struct reader	 in;		/* LINK_IN_MAX, frames up to
					   LINK_MAX_BODY */
	uint64_t	 dropped;
	uint16_t	 version;	/* its SHIM_VERSION; 0: not said */
};

/* The shim's one context. */
struct shim {
	uint64_t	 run_id;
	char		 sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char		**argv;
	int		 argc;
	pid_t		 pid;
	enum sh_state	 state;		/* for sh_event() alone to change */
	int		 epfd;		/* the exec's result, while launching */
	uint8_t		 exit_how;
	int32_t		 exit_value;
	time_t		 started, ended;
	int64_t		 drain_deadline;	/* ms, while draining */
	int64_t		 version_deadline; /* ms: see version_awaited() */
	int64_t		 keep_until;	/* ms, once exited */
	int64_t		 leave_deadline;	/* ms, while leaving */
	mode_t		 umask;		/* ours, before the socket's */
	int		 sigfd, lfd;
	int		 pipes[3];	/* stdout, stderr, host log; -1 at EOF */
	struct link	 links[SHIM_MAX_LINKS];
	uint8_t		 frame[PROTO_MAX_FRAME];
	char		 arg0[256];	/* argv[0] as arg0() shows it */
	int		 reaped;	/* the service's pid is not its own */
	/* Reaped, without a cgroup, its process group was once found
	 * empty: its id may be a new group's now, never counted again. */
	int		 pgrp_gone;
	uint32_t	 left;		/* processes it left, once reaped */
	int		 emptied;	/* left fell to 0: EMPTY is due */
	int64_t		 left_check;	/* ms: the next recount */
	int		 left_poll;	/* ms until the one after */
	char		 cg[PATH_MAX];	/* its cgroup, or "" */
	int		 cg_fd;		/* its cgroup.procs, until the fork */
	/* Our argument area, which ps(1) shows: rewritten once the service
	 * ended (show_ended), its first words kept, "cmapp-shim RUNDIR
	 * RUN_ID", by which scripts find the shims of a run directory. */
	char		*title;
	size_t		 title_cap;
	char		*title_prefix;
	struct slog	 log;		/* syslog, waited for briefly */
};

/* The service's argv[0] for a syslog line: a manager chose it, so it
 * goes through vis.c.  One buffer: each line names it once. */
static const char *
arg0(struct shim *sh)
{
	return vis_str(sh->arg0, sizeof(sh->arg0), sh->argv[0]);
}

/*
 * The process title of a shim whose service ended: "exited N" or "killed
 * by signal N", whether its status is kept (for a cmappserver to collect)
 * or was delivered, and the processes it left that still run.  The title
 * is written over the argument area, cut if longer, and ended by a NUL; a
 * non-NUL last byte tells Linux that the area holds a title of its own
 * (setproctitle), so that /proc/PID/cmdline ends at that NUL rather than
 * show the padding.
 */
static void
show_ended(struct shim *sh)
{
	char		 how[32], left[64], name[VIS_LEN(64)];
	const char	*base = strrchr(sh->argv[0], '/');
	size_t		 n;

	if (sh->title == NULL || sh->title_cap < 2)
		return;
	base = base != NULL && base[1] != '\0' ? base + 1 : sh->argv[0];
	vis_bytes(name, sizeof(name), (const uint8_t *)base,
	    strnlen(base, 64), 0);
	if (sh->exit_how == EXIT_SIGNAL)
		snprintf(how, sizeof(how), "killed by signal %d",
		    (int)sh->exit_value);
	else
		snprintf(how, sizeof(how), "exited %d", (int)sh->exit_value);
	left[0] = '\0';
	if (sh->left > 0)
		snprintf(left, sizeof(left), ", %u process%s left", sh->left,
		    sh->left == 1 ? "" : "es");
	memset(sh->title, ' ', sh->title_cap);
	snprintf(sh->title, sh->title_cap, "%s: %s %s, status %s%s",
	    sh->title_prefix, name, how, sh->state == SH_LINGERING ?
	    "delivered" : "kept", left);
	n = strlen(sh->title);
	/* snprintf's NUL at the very end: nothing to tell apart. */
	if (n + 1 < sh->title_cap)
		sh->title[sh->title_cap - 1] = ' ';
}

static void
link_close(struct shim *sh, struct link *l)
{
	if (l->fd == -1)
		return;
	/* A frozen or slow cmappserver: its managers saw a gap. */
	if (l->dropped > 0)
		slog_printf(&sh->log, LOG_WARNING, "run %016" PRIx64 " (%s): "
		    "%" PRIu64 " bytes of output were not sent to a "
		    "cmappserver that did not read them", sh->run_id, arg0(sh),
		    l->dropped);
	close(l->fd);
	free(l->out);
	reader_free(&l->in);
	memset(l, 0, sizeof(*l));
	l->fd = -1;
}

static void
link_flush(struct shim *sh, struct link *l)
{
	ssize_t	n;

	while (l->fd != -1 && l->out_len > l->out_off) {
		n = send(l->fd, l->out + l->out_off, l->out_len - l->out_off,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			link_close(sh, l);
			return;
		}
		l->out_off += (size_t)n;
	}
	l->out_off = l->out_len = 0;
}

/*
 * Queues a frame for every link.  Output is dropped for a link that is
 * not reading (a frozen cmappserver), so that the service never blocks on
 * its stdout; status frames always have room kept for them.
 */
static void
broadcast(struct shim *sh, const struct proto_msg *m, int droppable)
{
	ssize_t	 n;
	size_t	 room;
	int	 i;

	if ((n = proto_encode(m, sh->frame, sizeof(sh->frame))) < 0) {
		slog_printf(&sh->log, LOG_ERR, "cannot encode %s: %s",
		    proto_type_name(m->type), strerror((int)-n));
		return;
	}
	for (i = 0; i < SHIM_MAX_LINKS; i++) {
		struct link *l = &sh->links[i];

		if (l->fd == -1)
			continue;
		if (l->out_off > 0 && l->out_off == l->out_len)
			l->out_off = l->out_len = 0;
		if (l->out_off > 0) {
			memmove(l->out, l->out + l->out_off,
			    l->out_len - l->out_off);
			l->out_len -= l->out_off;
			l->out_off = 0;
		}
		room = LINK_OUT_MAX - l->out_len;
		if ((size_t)n > room || (droppable &&
		    (size_t)n + LINK_RESERVE > room)) {
			l->dropped += (size_t)n;
			continue;
		}
		memcpy(l->out + l->out_len, sh->frame, (size_t)n);
		l->out_len += (size_t)n;
		link_flush(sh, l);
	}
}

/* What a hello says of the state: the exec's result not yet known. */
static int
launching(const struct shim *sh)
{
	switch (sh->state) {
	case SH_LAUNCHING:
	case SH_LAUNCH_REAPED:
	case SH_LAUNCHING_STOP:
	case SH_LAUNCH_REAPED_STOP:
		return 1;
	default:
		return 0;
	}
}

/* ... and the status final: EXIT sent. */
static int
exited(const struct shim *sh)
{
	return sh->state == SH_EXITED || sh->state == SH_LEAVING ||
	    sh->state == SH_LINGERING;
}

static void
fill_hello(const struct shim *sh, struct proto_msg *m)
{
	int	i;

	memset(m, 0, sizeof(*m));
	m->type = MSG_SHIM_HELLO;
	m->u.shim.version = SHIM_LINK_VERSION;
	m->u.shim.run_id = sh->run_id;
	m->u.shim.pid = (uint32_t)sh->pid;
	m->u.shim.state = exited(sh) ? RUN_EXITED : launching(sh) ?
	    RUN_STARTING : RUN_RUNNING;
	m->u.shim.exit_how = sh->exit_how;
	m->u.shim.exit_value = sh->exit_value;
	m->u.shim.started = (uint64_t)sh->started;
	m->u.shim.ended = exited(sh) ? (uint64_t)sh->ended : 0;
	for (i = 0; i < sh->argc && i < PROTO_MAX_ARGS; i++) {
		m->u.shim.argv[i].p = (const uint8_t *)sh->argv[i];
		m->u.shim.argv[i].len = (uint16_t)strlen(sh->argv[i]);
	}
	m->u.shim.argc = (uint16_t)i;
}

static void
send_exit(struct shim *sh)
{
	struct proto_msg	m;

	memset(&m, 0, sizeof(m));
	m.type = MSG_EXIT;
	m.u.exit.run_id = sh->run_id;
	m.u.exit.how = sh->exit_how;
	m.u.exit.value = sh->exit_value;
	broadcast(sh, &m, 0);
}

/* SHIM_LEFT to one link, or to every link that said it reads it. */
static void
send_left(struct shim *sh, struct link *one)
{
	struct proto_msg	m;
	ssize_t			n;
	int			i;

	memset(&m, 0, sizeof(m));
	m.type = MSG_SHIM_LEFT;
	m.u.left.run_id = sh->run_id;
	m.u.left.count = sh->left;
	m.u.left.where = sh->cg[0] != '\0' ? LEFT_CGROUP : LEFT_PGRP;
	if ((n = proto_encode(&m, sh->frame, sizeof(sh->frame))) < 0)
		return;
	for (i = 0; i < SHIM_MAX_LINKS; i++) {
		struct link *l = &sh->links[i];

		if (l->fd == -1 || l->version < 3 || (one != NULL && l != one))
			continue;
		if (l->out_off > 0) {
			memmove(l->out, l->out + l->out_off,
			    l->out_len - l->out_off);
			l->out_len -= l->out_off;
			l->out_off = 0;
		}
		if ((size_t)n > LINK_OUT_MAX - l->out_len)
			continue;	/* the next change says it again */
		memcpy(l->out + l->out_len, sh->frame, (size_t)n);
		l->out_len += (size_t)n;
		link_flush(sh, l);
	}
}

/*
 * What the service left: once it is reaped, the processes still in its
 * cgroup and in its process group (a member may have moved to another
 * cgroup: systemd-run --scope), or, without a cgroup, in its process
 * group.  A change goes to the links that read SHIM_LEFT.  Any recount
 * may be the one that sees the last go (a SHIM_SIGNAL's, a new link's):
 * the EMPTY it makes due is left to loop(), not to an action under way.
 */
static void
recount(struct shim *sh)
{
	uint32_t	n = 0;
	int		c, grp;

	if (sh->reaped) {
		if (sh->cg[0] != '\0' && (c = left_count_both(sh->cg,
		    sh->pgrp_gone ? 0 : sh->pid, &grp)) >= 0) {
			n = (uint32_t)c;
			if (grp == 0)
				sh->pgrp_gone = 1;
		} else if (sh->pgrp_gone)
			n = 0;
		else if ((c = left_count_pgrp(sh->pid)) < 0)
			n = sh->left;	/* cannot tell: as it was */
		else if ((n = (uint32_t)c) == 0)
			sh->pgrp_gone = 1;
	}
	/*
	 * A daemon a service left may run for days: each unchanged count
	 * doubles the wait (a scan of /proc without a cgroup), a change or
	 * a signal (signal_service: left_poll 0) brings it back to LEFT_POLL_MS.
	 */
	if (n != sh->left || sh->left_poll == 0)
		sh->left_poll = LEFT_POLL_MS;
	else if ((sh->left_poll *= 2) > LEFT_POLL_MAX_MS)
		sh->left_poll = LEFT_POLL_MAX_MS;
	sh->left_check = now_ms() + sh->left_poll;
	if (n == sh->left)
		return;
	if (n == 0)
		sh->emptied = 1;
	sh->left = n;
	send_left(sh, NULL);
	if (sh->state == SH_EXITED || sh->state == SH_LINGERING)
		show_ended(sh);
}

/* Takes fd as a new link; hello: tell it at once who and how we are. */
static int
link_add(struct shim *sh, int fd, int hello)
{
	struct proto_msg	 m;
	struct link		*l;
	ssize_t			 n;
	int			 i;

	for (i = 0; i < SHIM_MAX_LINKS; i++)
		if (sh->links[i].fd == -1)
			break;
	if (i == SHIM_MAX_LINKS || (sh->links[i].out = malloc(LINK_OUT_MAX))
	    == NULL) {
		close(fd);
		return -EMFILE;
	}
	l = &sh->links[i];
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	l->fd = fd;
	reader_init(&l->in, LINK_IN_MAX, LINK_MAX_BODY);
	if (!hello)
		return 0;
	/* Only the new link needs the hello: queue it there alone. */
	fill_hello(sh, &m);
	if ((n = proto_encode(&m, l->out, LINK_OUT_MAX)) < 0) {
		link_close(sh, l);
		return (int)n;
	}
	l->out_len = (size_t)n;
	link_flush(sh, l);
	return 0;
}

/*
 * Signals the service's process group, and the service itself when that
 * fails (not yet its own group, just after the fork) or when it moved to
 * another group and would miss it; and every process of its cgroup, which
 * also holds those that left the group.  Once it is reaped, its pid may
 * be another's: then only what is left, and the group only while it has
 * a member (which keeps its id from being reused): once found empty, its
 * id may be a new group's (pgrp_gone).  The group is signalled with a
 * cgroup too: a member may have moved to another cgroup.
 */
static void
signal_service(struct shim *sh, int sig)
{
	int	grp = 0;

	if (!sh->reaped) {
		if (kill(-sh->pid, sig) == -1 || getpgid(sh->pid) != sh->pid)
			kill(sh->pid, sig);
		grp = 1;
	} else if (!sh->pgrp_gone && left_count_pgrp(sh->pid) > 0) {
		kill(-sh->pid, sig);
		grp = 1;
	}
	/* The cgroup catches what left the group; the service and its
	 * group, signalled above, are skipped. */
	if (sh->cg[0] != '\0')
		left_kill_cgroup(sh->cg, sig, grp ? sh->pid : 0);
	/* What was signalled should end soon: count at the short period. */
	sh->left_poll = 0;
	if (sh->reaped)
		recount(sh);
}

/* What an event carries, as its action needs. */
struct sh_arg {
	int			 v;	/* signal, errno, wait status */
	const struct proto_msg	*msg;	/* OUTPUT */
};

static int	sh_event(struct shim *, enum sh_event, const struct sh_arg *);

/* Handles one frame from a link; -1 drops the link, 1: released. */
static int
link_frame(struct shim *sh, struct link *l, const struct proto_msg *m)
{
	struct sh_arg	a = { 0, NULL };

	switch (m->type) {
	case MSG_SHIM_RELEASE:
		if (m->u.attach.run_id != sh->run_id)
			return -1;
		recount(sh);
		if (sh_event(sh, sh->left > 0 ? SH_EV_RELEASE_LEFT :
		    SH_EV_RELEASE, &a) != 0)
			return -1;
		return sh->state == SH_DONE ? 1 : 0;
	case MSG_SHIM_VERSION:
		/* It reads SHIM_LEFT: the count now, and each change. */
		l->version = m->u.shim_version.version;
		if (l->version >= 3) {
			recount(sh);
			send_left(sh, l);
		}
		return 0;
	case MSG_SHIM_SIGNAL:
		if (m->u.signal.run_id != sh->run_id)
			return -1;
		a.v = m->u.signal.sig;
		return sh_event(sh, SH_EV_SIGNAL, &a) == 0 ? 0 : -1;
	default:
		return -1;
	}
}

/* Reads what a link sent; 1 when released. */
static int
link_read(struct shim *sh, struct link *l)
{
	struct proto_hdr	 h;
	struct proto_msg	 m;
	uint8_t			*room;
	size_t			 cap;
	ssize_t			 n;
	int			 r;

	/* A frame longer than LINK_MAX_BODY is refused by its header, so
	 * the room is never 0: a full buffer always holds a frame. */
	if (reader_room(&l->in, &room, &cap) != 0) {
		link_close(sh, l);
		return 0;
	}
	n = recv(l->fd, room, cap, MSG_DONTWAIT);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		link_close(sh, l);
		return 0;
	}
	reader_wrote(&l->in, (size_t)n);
	for (;;) {
		n = reader_take(&l->in, &h, &m, NULL, 0);
		if (n == 0)
			return 0;
		if (n == -EMSGSIZE || n == -EPROTO) {
			link_close(sh, l);
			return 0;
		}
		r = n > 0 ? link_frame(sh, l, &m) : -1;
		if (r == 1)
			return 1;
		if (r < 0) {
			slog_printf(&sh->log, LOG_WARNING, "run %016" PRIx64
			    ": dropped a link that sent a bad %s frame",
			    sh->run_id,
			    proto_type_name(h.type));
			link_close(sh, l);
			return 0;
		}
	}
}

static void
read_pipe(struct shim *sh, int i)
{
	struct proto_msg	m;
	struct sh_arg		a = { 0, &m };
	static uint8_t		buf[PROTO_MAX_OUTPUT];
	ssize_t			n;

	n = read(sh->pipes[i], buf, sizeof(buf));
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close(sh->pipes[i]);
		sh->pipes[i] = -1;
		return;
	}
	memset(&m, 0, sizeof(m));
	m.type = MSG_OUTPUT;
	m.u.output.run_id = sh->run_id;
	m.u.output.stream = (uint8_t)(STREAM_STDOUT + i);
	m.u.output.data.p = buf;
	m.u.output.data.len = (uint16_t)n;
	sh_event(sh, SH_EV_OUTPUT, &a);
}

/* The status is final: EXIT to every link, kept until released. */
static void
finish(struct shim *sh)
{
	int	i;

	sh->ended = time(NULL);
	sh->keep_until = now_ms() + (int64_t)SHIM_KEEP_S * 1000;
	/* A grandchild may keep the pipes: read on and discard until EOF. */
	for (i = 0; i < 3; i++)
		if (sh->pipes[i] != -1)
			fcntl(sh->pipes[i], F_SETFL, O_NONBLOCK);
	/* What it left goes first: the server logs it with the exit. */
	recount(sh);
	send_exit(sh);
	if (sh->state == SH_EXITED)
		show_ended(sh);
}

/*
 * Asked to stop (a guest shutdown's SIGTERM to every process, or an
 * admin): pass it on to the service, then go once its EXIT is out.  An
 * ended service's shim goes at once: staying for a release that no server
 * may send would hold up the shutdown until SIGKILL.
 */
static void
on_signal(struct shim *sh)
{
	struct signalfd_siginfo	si;
	struct sh_arg		a = { 0, NULL };
	pid_t			p;

	while (read(sh->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			continue;
		a.v = (int)si.ssi_signo;
		sh_event(sh, SH_EV_STOP, &a);
	}
	/* Once reaped, ECHILD: the shim has no other child. */
	while ((p = waitpid(sh->pid, &a.v, WNOHANG)) == -1 &&
	    errno == EINTR)
		;
	if (p == sh->pid)
		sh_event(sh, SH_EV_REAPED, &a);
}

/*
 * execvp without its fallback: a file that exec refuses (no "#!", a
 * corrupt binary) is an error to report, never a script for /bin/sh.
 */
static void
exec_command(char **argv)
{
	const char	*path, *p, *end;
	char		 file[PATH_MAX];
	size_t		 dirlen, len = strlen(argv[0]);
	int		 denied = 0;

	if (strchr(argv[0], '/') != NULL) {
		execv(argv[0], argv);
		return;
	}
	if ((path = getenv("PATH")) == NULL || *path == '\0')
		path = DEFAULT_PATH;
	for (p = path; ; p = end + 1) {
		if ((end = strchr(p, ':')) == NULL)
			end = p + strlen(p);
		dirlen = (size_t)(end - p);
		if (dirlen == 0)		/* an empty entry is "." */
			snprintf(file, sizeof(file), "%s", argv[0]);
		else if (dirlen + 1 + len < sizeof(file))
			snprintf(file, sizeof(file), "%.*s/%s", (int)dirlen, p,
			    argv[0]);
		else
			file[0] = '\0';
		if (file[0] != '\0') {
			execv(file, argv);
			if (errno == EACCES)
				denied = 1;
			else if (errno != ENOENT && errno != ENOTDIR)
				return;
		}
		if (*end == '\0')
			break;
	}
	errno = denied ? EACCES : ENOENT;
}

/* In the child: becomes the service.  Never returns. */
static void __attribute__((noreturn))
exec_service(struct shim *sh, int pw[3][2], int errfd)
{
	sigset_t	all;
	int		i, e;

	/* Its own session and process group: no terminal of ours, and a
	 * signal to the group reaches the service and its children only. */
	setsid();
	/* Its own cgroup, before it can fork: what leaves the group stays
	 * in it.  Failing that, the group alone is watched. */
	if (sh->cg_fd != -1 && write(sh->cg_fd, "0", 1) != 1)
		(void)!write(sh->cg_fd, "0", 1);
	for (i = 0; i < 3; i++)
		if (dup2(pw[i][1], i + 1) == -1)
			goto fail;
	for (i = 0; i < 3; i++) {
		close(pw[i][0]);
		if (pw[i][1] > 3)
			close(pw[i][1]);
	}
	/* Nothing of ours or of whoever started cmappserver leaks in:
	 * errfd is close-on-exec and still needed if exec fails. */
	if (errfd > 4)
		close_range(4, (unsigned)errfd - 1, 0);
	close_range((unsigned)errfd + 1, ~0U, 0);
	umask(sh->umask);
	setenv("CMAPP_HOSTLOG_FD", "3", 1);
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	exec_command(sh->argv);
fail:
	e = errno;
	(void)!write(errfd, &e, sizeof(e));
	_exit(127);
}

/*
 * The service's cgroup, where cgroup v2 is ours to write (cmappserver
 * says once in its log when it is not); its cgroup.procs is opened here
 * for the child to move itself in before its exec.
 */
static void
open_cgroup(struct shim *sh)
{
	char	base[PATH_MAX], why[256], path[PATH_MAX + 16];

	sh->cg[0] = '\0';
	if (left_cgroup_base(base, sizeof(base), why, sizeof(why)) != 0 ||
	    left_cgroup_make(base, sh->run_id, sh->cg, sizeof(sh->cg)) != 0) {
		sh->cg[0] = '\0';
		return;
	}
	snprintf(path, sizeof(path), "%s/cgroup.procs", sh->cg);
	if ((sh->cg_fd = open(path, O_WRONLY | O_CLOEXEC)) == -1) {
		left_cgroup_remove(sh->cg);
		sh->cg[0] = '\0';
	}
}

/*
 * Forks the service; 0, or an errno.  Whether its exec worked is known
 * later, on epfd (exec_done): an exec that hangs (a dead NFS mount) must
 * not stop us answering a restarted cmappserver meanwhile.
 */
static int
launch(struct shim *sh)
{
	int	pw[3][2], ep[2], i;

	for (i = 0; i < 3; i++)
		if (pipe2(pw[i], O_CLOEXEC) == -1)
			return errno;
	if (pipe2(ep, O_CLOEXEC) == -1)
		return errno;
	open_cgroup(sh);
	/* Not CLOEXEC in the child: dup2 clears the flag on 1, 2, 3. */
	if ((sh->pid = fork()) == -1)
		return errno;
	if (sh->pid == 0)
		exec_service(sh, pw, ep[1]);
	if (sh->cg_fd != -1) {
		close(sh->cg_fd);
		sh->cg_fd = -1;
	}
	close(ep[1]);
	sh->epfd = ep[0];
	for (i = 0; i < 3; i++) {
		close(pw[i][1]);
		sh->pipes[i] = pw[i][0];
	}
	sh->state = SH_LAUNCHING;
	sh->started = time(NULL);
	return 0;
}

/*
 * The exec's pipe is readable: EOF means it worked (close-on-exec), an
 * errno means it failed (FAILED: the shim goes, the error sent).
 */
static void
exec_done(struct shim *sh)
{
	struct sh_arg	a = { 0, NULL };
	ssize_t		n;
	int		e = 0;

	while ((n = read(sh->epfd, &e, sizeof(e))) == -1 && errno == EINTR)
		;
	close(sh->epfd);
	sh->epfd = -1;
	if (n != 0) {
		a.v = n == (ssize_t)sizeof(e) && e ? e : EIO;
		sh_event(sh, SH_EV_EXEC_FAILED, &a);
	} else
		sh_event(sh, SH_EV_EXEC_OK, &a);
}

/*
 * Binds RUNDIR/RUN_ID.sock: bound and listening under a temporary name,
 * then renamed into place, so that a cmappserver scanning the directory
 * never finds the socket refusing (it would remove it as stale).
 */
static int
listen_on(struct shim *sh, const char *rundir)
{
	struct sockaddr_un	sa;
	int			fd, e;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (snprintf(sh->sock_path, sizeof(sh->sock_path), "%s/%016" PRIx64
	    ".sock", rundir, sh->run_id) >= (int)sizeof(sh->sock_path) ||
	    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s.new",
	    sh->sock_path) >= (int)sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		return -errno;
	unlink(sa.sun_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(fd, SHIM_MAX_LINKS) == -1 ||
	    rename(sa.sun_path, sh->sock_path) == -1) {
		e = errno;
		unlink(sa.sun_path);
		close(fd);
		return -e;
	}
	sh->lfd = fd;
	return 0;
}

/*
 * Whether the cmappserver that started us is already gone.  Checked once
 * our socket is in place and before the fork: a server started after it
 * died (it holds the run directory's lock until then) scans after this
 * point and finds us; one that died before it is not there to tell the
 * manager, whose START goes to the next server: launching now would be
 * a copy nobody watches.
 */
static int
launcher_gone(void)
{
	struct pollfd	pfd = { SHIM_LINK_FD, POLLRDHUP, 0 };

	return poll(&pfd, 1, 0) == 1 &&
	    (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

static void
send_exec_error(struct shim *sh, int e)
{
	struct proto_msg	m;
	char			text[PROTO_MAX_TEXT];

	/* ENOEXEC is most often a script whose first line is not "#!":
	 * a shell runs it by hand, execve() does not.  Not read here to
	 * tell: the file may sit on a hung mount. */
	snprintf(text, sizeof(text), "cannot execute %s: %s%s", sh->argv[0],
	    strerror(e), e == ENOEXEC ? " (a script needs a first line such "
	    "as #!/bin/sh; else it is not a program for this machine)" : "");
	proto_error(&m, PERR_EXEC, text);
	broadcast(sh, &m, 0);
}

/* Whether some link still has bytes to send (an EXIT, say). */
static int
links_pending(const struct shim *sh)
{
	int	i;

	for (i = 0; i < SHIM_MAX_LINKS; i++)
		if (sh->links[i].fd != -1 &&
		    sh->links[i].out_len > sh->links[i].out_off)
			return 1;
	return 0;
}

/*
 * Released while processes the service left run: the shim stays as their
 * handle, for -stop_all, until they end.  Its socket is renamed
 * RUN_ID.left so that a restarted cmappserver does not adopt a status
 * already delivered; -stop_all looks for both names.
 */
static void
linger(struct shim *sh)
{
	char	path[sizeof(sh->sock_path)];
	size_t	len = strlen(sh->sock_path);

	slog_printf(&sh->log, LOG_INFO, "run %016" PRIx64 " (%s): status "
	    "delivered; %u process%s it left in its %s still run%s, kept as "
	    "their handle",
	    sh->run_id, arg0(sh), sh->left, sh->left == 1 ? "" : "es",
	    sh->cg[0] != '\0' ? "cgroup" : "process group",
	    sh->left == 1 ? "s" : "");
	if (len >= 5 && strcmp(sh->sock_path + len - 5, ".sock") == 0) {
		memcpy(path, sh->sock_path, len - 5);
		memcpy(path + len - 5, ".left", 6);
		if (rename(sh->sock_path, path) == 0)
			memcpy(sh->sock_path, path, len + 1);
	}
	show_ended(sh);
}

/*
 * The one way the shim changes: the cell of shimfsm.c's table for its
 * state and ev names the action and the next state.  An event its state
 * does not expect is logged and refused: -EPERM, nothing changed.
 */
static int
sh_event(struct shim *sh, enum sh_event ev, const struct sh_arg *a)
{
	struct proto_msg	m;
	enum sh_action		act;
	enum sh_state		next;

	if (shimfsm_next(sh->state, ev, &act, &next) != 0) {
		slog_printf(&sh->log, LOG_WARNING, "run %016" PRIx64 " (%s): "
		    "refused %s in state %s", sh->run_id, arg0(sh),
		    shimfsm_event_name(ev), shimfsm_state_name(sh->state));
		return -EPERM;
	}
	/* First: a hello says the new state. */
	sh->state = next;
	switch (act) {
	case SH_A_REFUSE:
	case SH_A_NONE:
	case SH_A_DISCARD:	/* a grandchild's, after the EXIT */
	case SH_A_RELEASED:
	case SH_NACTIONS:
		break;
	case SH_A_HELLO:
		/* To the launching cmappserver, and again to any that
		 * adopted us meanwhile (they were told RUN_STARTING). */
		fill_hello(sh, &m);
		broadcast(sh, &m, 0);
		break;
	case SH_A_EXEC_ERROR:
		send_exec_error(sh, a->v);
		break;
	case SH_A_STATUS:
		if (WIFSIGNALED(a->v)) {
			sh->exit_how = EXIT_SIGNAL;
			sh->exit_value = WTERMSIG(a->v);
		} else {
			sh->exit_how = EXIT_CODE;
			sh->exit_value = WEXITSTATUS(a->v);
		}
		sh->reaped = 1;
		sh->drain_deadline = now_ms() + DRAIN_MS;
		sh->version_deadline = now_ms() + VERSION_WAIT_MS;
		sh->left_check = 0;	/* a count before the reap is none */
		break;
	case SH_A_FINISH:
		finish(sh);
		break;
	case SH_A_FINISH_LEAVE:
		finish(sh);
		sh->leave_deadline = now_ms() + STOP_GRACE_MS;
		break;
	case SH_A_FORWARD:
		broadcast(sh, a->msg, 1);
		break;
	case SH_A_PASS_SIGNAL:
		signal_service(sh, a->v);
		break;
	case SH_A_LEAVE:
		sh->leave_deadline = now_ms() + STOP_GRACE_MS;
		break;
	case SH_A_LEFT:
		slog_printf(&sh->log, LOG_INFO, "run %016" PRIx64 " (%s) "
		    "ended; asked to stop, not keeping its status",
		    sh->run_id, arg0(sh));
		break;
	case SH_A_LINGER:
		linger(sh);
		break;
	case SH_A_FORGET:
		slog_printf(&sh->log, LOG_WARNING, "forgetting the exit "
		    "status of run %016" PRIx64 " (%s): no cmappserver "
		    "collected it in %d hours", sh->run_id, arg0(sh), SHIM_KEEP_S / 3600);
		break;
	}
	return 0;
}

/*
 * Takes the command out of the argument area (argv points into it) for
 * show_ended to write over: 0, or -ENOMEM.  The area is what runs on from
 * argv[0] without a gap.  A short command leaves too little of it for the
 * title, so the environment that follows moves to the heap (execv and
 * getenv read environ) and its area is the title's too, as setproctitle
 * does: else the title's room would hang on the length of the shim's own
 * path.
 */
static int
take_args(struct shim *sh, int argc, char **argv)
{
	extern char	**environ;
	char		**env;
	size_t		  n, len, k, nenv;
	int		  i;

	if ((sh->argv = calloc((size_t)argc - 3, sizeof(*sh->argv))) == NULL)
		return -ENOMEM;
	for (i = 4; i < argc; i++)
		if ((sh->argv[i - 4] = strdup(argv[i])) == NULL)
			return -ENOMEM;
	sh->argc = argc - 4;
	n = strlen(argv[0]) + strlen(argv[1]) + strlen(argv[2]) + 3;
	if ((sh->title_prefix = malloc(n)) == NULL)
		return -ENOMEM;
	/* argv[0] whole: pgrep -f "^/opt/hp/cmappserver/cmapp-shim " still
	 * finds every shim, its service ended or not. */
	snprintf(sh->title_prefix, n, "%s %s %s", argv[0], argv[1], argv[2]);
	for (i = 0, len = 0; i < argc; i++) {
		if (argv[i] != argv[0] + len)
			break;
		len += strlen(argv[i]) + 1;
	}
	if (i == argc && environ != NULL) {
		for (nenv = 0; environ[nenv] != NULL; nenv++)
			;
		if ((env = calloc(nenv + 1, sizeof(*env))) == NULL)
			return -ENOMEM;
		for (k = 0; k < nenv; k++) {
			if (environ[k] == argv[0] + len)
				len += strlen(environ[k]) + 1;
			if ((env[k] = strdup(environ[k])) == NULL)
				return -ENOMEM;
		}
		environ = env;
	}
	sh->title = argv[0];
	sh->title_cap = len;
	return 0;
}

/*
 * Whether the EXIT waits for a server's SHIM_VERSION: a service that ends
 * at once (it forks a daemon and exits) may do so before the launching
 * server's answer to our hello is read, and that server would log the
 * exit without what the service left, which goes only to links known to
 * read SHIM_LEFT.  Only when something was left, and for a while: a
 * server older than link version 3 never answers.
 */
static int
version_awaited(struct shim *sh, int64_t now)
{
	int	i;

	if (sh->state != SH_DRAINING || now >= sh->version_deadline)
		return 0;
	for (i = 0; i < SHIM_MAX_LINKS; i++)
		if (sh->links[i].fd != -1 && sh->links[i].version == 0)
			break;
	if (i == SHIM_MAX_LINKS)
		return 0;
	/* Counted once here; loop() recounts while something is left. */
	if (sh->left_check == 0)
		recount(sh);
	return sh->left > 0;
}

/* Runs until released or asked to stop (0), or the exec failed (1). */
static int
loop(struct shim *sh)
{
	struct pollfd	pfd[P_LINK + SHIM_MAX_LINKS];
	struct sh_arg	a = { 0, NULL };
	int64_t		now;
	int		i, timeout, fd, draining;

	for (;;) {
		/* Which deadline is due depends on the state; what it does,
		 * on the table.  Until the exec's result is read, a dead
		 * child is one that never ran: exec_done says which. */
		now = now_ms();
		draining = sh->state == SH_DRAINING ||
		    sh->state == SH_DRAINING_STOP;
		if (draining && ((sh->pipes[0] == -1 && sh->pipes[1] == -1 &&
		    sh->pipes[2] == -1) || now >= sh->drain_deadline) &&
		    !version_awaited(sh, now))
			sh_event(sh, SH_EV_DRAINED, &a);
		if (sh->state == SH_LEAVING && (now >= sh->leave_deadline ||
		    !links_pending(sh)))
			sh_event(sh, SH_EV_LEFT, &a);
		if (sh->state == SH_EXITED && now >= sh->keep_until)
			sh_event(sh, SH_EV_KEEP_EXPIRED, &a);
		/* What it left is counted again while some of it runs. */
		if (sh->left > 0 && now >= sh->left_check)
			recount(sh);
		/* Whichever recount saw it empty: a lingering shim
		 * waits for nothing else. */
		if (sh->emptied && sh->left == 0 && exited(sh)) {
			sh->emptied = 0;
			sh_event(sh, SH_EV_EMPTY, &a);
		}
		if (sh->state == SH_DONE)
			return 0;
		timeout = -1;
		if (sh->state == SH_DRAINING || sh->state == SH_DRAINING_STOP)
			timeout = now < sh->drain_deadline ?
			    (int)(sh->drain_deadline - now) :
			    (int)(sh->version_deadline - now);
		else if (sh->state == SH_LEAVING)
			timeout = (int)(sh->leave_deadline - now);
		else if (sh->state == SH_EXITED)
			timeout = (int)((sh->keep_until - now) > INT_MAX ?
			    INT_MAX : sh->keep_until - now);
		if (sh->left > 0 && (timeout < 0 || timeout > (int)(
		    sh->left_check - now)))
			timeout = sh->left_check > now ? (int)(sh->left_check -
			    now) : 0;
		pfd[P_SIG] = (struct pollfd){ sh->sigfd, POLLIN, 0 };
		pfd[P_EXEC] = (struct pollfd){ sh->epfd, POLLIN, 0 };
		pfd[P_LISTEN] = (struct pollfd){ sh->lfd, POLLIN, 0 };
		for (i = 0; i < 3; i++)
			pfd[P_OUT + i] = (struct pollfd){ sh->pipes[i], POLLIN,
			    0 };
		for (i = 0; i < SHIM_MAX_LINKS; i++) {
			struct link *l = &sh->links[i];
			pfd[P_LINK + i] = (struct pollfd){ l->fd, POLLIN |
			    (l->out_len > l->out_off ? POLLOUT : 0), 0 };
		}
		if (poll(pfd, P_LINK + SHIM_MAX_LINKS, timeout) == -1) {
			if (errno == EINTR)
				continue;
			slog_printf(&sh->log, LOG_ERR, "poll: %s",
			    strerror(errno));
			sleep(1);
			continue;
		}
		/* Before the child's exit is seen: an exec error is said
		 * as such, never as an exit with code 127. */
		if (pfd[P_EXEC].revents) {
			exec_done(sh);
			if (sh->state == SH_FAILED)
				return 1;
		}
		if (pfd[P_SIG].revents)
			on_signal(sh);
		for (i = 0; i < 3; i++)
			if (pfd[P_OUT + i].revents)
				read_pipe(sh, i);
		for (i = 0; i < SHIM_MAX_LINKS; i++) {
			short re = pfd[P_LINK + i].revents;
			struct link *l = &sh->links[i];

			if (l->fd == -1 || re == 0)
				continue;
			if (re & POLLOUT)
				link_flush(sh, l);
			if (l->fd != -1 && (re & (POLLIN | POLLHUP | POLLERR))
			    && link_read(sh, l) == 1) {
				link_flush(sh, l);
				return 0;	/* released */
			}
		}
		if (pfd[P_LISTEN].revents &&
		    (fd = accept4(sh->lfd, NULL, NULL, SOCK_CLOEXEC)) != -1)
			link_add(sh, fd, 1);
	}
}

int
main(int argc, char **argv)
{
	static struct shim	 sh;
	sigset_t		 set;
	char			*end;
	int			 i, e, rc, linked;

	/* Before anything opens a descriptor: one that took the free fd 3
	 * of a shim started by hand would pass for the link. */
	linked = fcntl(SHIM_LINK_FD, F_GETFD) != -1;
	slog_open(&sh.log, "cmapp-shim");
	if (argc == 2 && (strcmp(argv[1], "-version") == 0 ||
	    strcmp(argv[1], "--version") == 0)) {
		printf("cmapp-shim %s (link version %d)\n", CMAPP_VERSION,
		    SHIM_LINK_VERSION);
		return 0;
	}
	if (argc == 2 && (strcmp(argv[1], "-help") == 0 ||
	    strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: cmapp-shim RUNDIR RUN_ID -- COMMAND [ARG...]\n"
		    "The parent of one service that cmappserver supervises: "
		    "cmappserver starts it,\nnot the admin (cmappserver(8), "
		    "docs/restart.md).\n");
		return 0;
	}
	if (argc < 5 || strcmp(argv[3], "--") != 0) {
		fprintf(stderr, "usage: cmapp-shim RUNDIR RUN_ID -- COMMAND "
		    "[ARG...]\n(started by cmappserver, not by hand)\n");
		return 2;
	}
	errno = 0;
	sh.run_id = strtoull(argv[2], &end, 16);
	if (errno != 0 || *end != '\0' || sh.run_id == 0) {
		fprintf(stderr, "cmapp-shim: bad run id %s\n", argv[2]);
		return 2;
	}
	if (!linked) {
		fprintf(stderr, "cmapp-shim: fd %d is not open (started by "
		    "cmappserver, not by hand)\n", SHIM_LINK_FD);
		return 2;
	}
	/* Not cmappserver's child beyond this point: it reaps this first
	 * process at once, and the shim lives on like those a previous
	 * server left, reaped by init (supervise.c, spawn_shim). */
	switch (fork()) {
	case -1:
		fprintf(stderr, "cmapp-shim: fork: %s\n", strerror(errno));
		return 1;
	case 0:
		break;
	default:
		_exit(0);
	}
	if (take_args(&sh, argc, argv) != 0) {
		fprintf(stderr, "cmapp-shim: out of memory\n");
		return 1;
	}
	sh.lfd = sh.epfd = sh.cg_fd = -1;
	for (i = 0; i < SHIM_MAX_LINKS; i++)
		sh.links[i].fd = -1;
	for (i = 0; i < 3; i++)
		sh.pipes[i] = -1;
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((sh.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		return 2;
	/* fd 3: the cmappserver that started us. */
	if (link_add(&sh, SHIM_LINK_FD, 0) != 0) {
		fprintf(stderr, "cmapp-shim: fd %d is not open (started by "
		    "cmappserver, not by hand)\n", SHIM_LINK_FD);
		return 2;
	}
	/* The socket is root's alone; the service gets our umask back. */
	sh.umask = umask(077);
	if ((e = listen_on(&sh, argv[1])) != 0) {
		struct proto_msg m;
		char text[PROTO_MAX_TEXT];

		snprintf(text, sizeof(text), "cannot listen on %s/%s.sock: %s",
		    argv[1], argv[2], strerror(-e));
		proto_error(&m, PERR_INTERNAL, text);
		broadcast(&sh, &m, 0);
		return 1;
	}
	if (launcher_gone()) {
		slog_printf(&sh.log, LOG_WARNING, "run %016" PRIx64 " (%s): "
		    "the cmappserver that started it is gone; not launching "
		    "it", sh.run_id, arg0(&sh));
		unlink(sh.sock_path);
		return 1;
	}
	if ((e = launch(&sh)) != 0) {
		send_exec_error(&sh, e);
		rc = 1;
	} else
		rc = loop(&sh);
	if (rc != 0 && sh.pid > 0)
		while (waitpid(sh.pid, NULL, 0) == -1 && errno == EINTR)
			;
	unlink(sh.sock_path);
	/* Its cgroup goes with it when empty (EBUSY otherwise: what runs
	 * there stays findable by its name). */
	if (sh.cg[0] != '\0')
		left_cgroup_remove(sh.cg);
	for (i = 0; i < SHIM_MAX_LINKS; i++) {
		if (sh.links[i].fd != -1) {
			/* Best effort: let a pending EXIT go out. */
			fcntl(sh.links[i].fd, F_SETFL, 0);
			link_flush(&sh, &sh.links[i]);
		}
		link_close(&sh, &sh.links[i]);
	}
	return rc;
}
