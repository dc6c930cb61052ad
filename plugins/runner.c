/* SPDX-License-Identifier: ISC */
/*
 * runner.c: the common runner of the monitors.  It finds and loads the probe
 * (NAME.so for cmapp_NAME_mon), lets it parse the command line, then owns
 * the poll loop:
 *
 *   every interval_ms: each target's worker process is told to run one step;
 *   a result is logged at its priority; a FAIL, or a worker that has not
 *   answered within timeout_ms, is logged whatever the level (naming the
 *   target) and ends the monitor with exit 1.
 *
 * Steps run in worker processes, not threads, because a read from a hung
 * disk can sleep uninterruptibly for ever: a thread stuck so would keep the
 * whole process from exiting, and cmappserver would never see the failure.
 * A stuck worker is sent SIGKILL and left behind; the monitor exits.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "mlog.h"
#include "runner.h"
#include "slog.h"
#include "version.h"

#define PROBE_SYMBOL	"cmapp_probe"
#define REAP_MS		200	/* how long to wait for killed workers */
/* After a target failed, how long the poll still waits for the others'
 * answers: a zoning or NPIV loss takes every LUN at once, and each one's
 * failure is named, not only the first's. */
#define FAIL_GRACE_MS	200

struct worker {
	pid_t		 pid;		/* 0 once reaped */
	int		 fd;		/* our end of its socket, or -1 */
	int		 busy;		/* a step was asked for, no answer yet */
	uint64_t	 deadline;	/* ms, monotonic */
};

struct run {
	const struct cmapp_probe	*p;
	void				*state;
	const struct cmapp_config	*cfg;
	struct mlog			 L;
	struct worker			*w;
	unsigned			 n;
	sigset_t			 waitmask;
	int				 code;	/* exit code once known, or -1 */
};

static volatile sig_atomic_t	got_term, got_hup;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = sig;
}

static struct timespec
ms_ts(uint64_t ms)
{
	struct timespec	ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };

	return ts;
}

/* "2 s", "0.25 s" */
static const char *
secs(unsigned ms, char *buf, size_t len)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%u s", ms / 1000);
	else
		snprintf(buf, len, "%g s", ms / 1000.0);
	return buf;
}

int
runner_exit_code(int status)
{
	switch (status) {
	case CMAPP_OK:
	case CMAPP_SHOW_HELP:
	case CMAPP_SHOW_VERSION:
		return RUNNER_EXIT_OK;
	case CMAPP_FAIL:
		return RUNNER_EXIT_FAIL;
	case CMAPP_USAGE:
		return RUNNER_EXIT_USAGE;
	default:
		return RUNNER_EXIT_ERROR;
	}
}

/* "/opt/hp/cmappserver/cmapp_net_mon.pl" -> "net": the basename, less a
 * ".pl", must be cmapp_NAME_mon with NAME of [a-z0-9_]. */
int
runner_probe_name(const char *argv0, char *name, size_t len)
{
	const char	*b, *s;
	size_t		 n, m;

	if (argv0 == NULL)
		return -EINVAL;
	b = (s = strrchr(argv0, '/')) != NULL ? s + 1 : argv0;
	n = strlen(b);
	if (n > 3 && strcmp(b + n - 3, ".pl") == 0)
		n -= 3;
	if (n <= 10 || strncmp(b, "cmapp_", 6) != 0 ||
	    strncmp(b + n - 4, "_mon", 4) != 0)
		return -EINVAL;
	m = n - 10;
	if (m >= len)
		return -ENAMETOOLONG;
	for (s = b + 6; s < b + 6 + m; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '_'))
			return -EINVAL;
	memcpy(name, b + 6, m);
	name[m] = '\0';
	return 0;
}

/* Where the probe NAME is looked for, in order, given the executable. */
int
runner_plugin_paths(const char *exe, const char *name, char *a, char *b,
    size_t len)
{
	const char	*s = strrchr(exe, '/');
	int		 d = s == NULL ? 1 : (int)(s - exe);
	const char	*dir = s == NULL ? "." : exe;
	int		 ka, kb;

	if (s == exe)		/* "/cmapp_net_mon" */
		d = 0;
	ka = snprintf(a, len, "%.*s/plugins/%s.so", d, dir, name);
	kb = snprintf(b, len, "%.*s/../lib/cmapp/%s.so", d, dir, name);
	if (ka < 0 || kb < 0 || (size_t)ka >= len || (size_t)kb >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* The probe runs as root in every monitor: whoever may change it, or may
 * replace it in its directory, may run code as root.  So the file and its
 * directory are each owned by root or by us and writable by no one else;
 * a sticky directory (/tmp) is no exception, its owner may still swap the
 * file.  what is "it" or "its directory DIR". */
static int
check_perms(const char *probe, const char *what, const char *chpath,
    const struct stat *st, char *err, size_t errlen)
{
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		snprintf(err, errlen, "refusing the probe %s: %s is owned by "
		    "uid %lu, neither root nor this monitor's uid %lu (chown "
		    "root %s)", probe, what, (unsigned long)st->st_uid,
		    (unsigned long)geteuid(), chpath);
		return -EPERM;
	}
	if (st->st_mode & (S_IWOTH | S_IWGRP)) {
		snprintf(err, errlen, "refusing the probe %s: %s may be "
		    "written by %s (chmod go-w %s)", probe, what,
		    st->st_mode & S_IWOTH ? "anyone" : "its group", chpath);
		return -EPERM;
	}
	return 0;
}

int
runner_load(const char *path, const struct cmapp_probe **out, char *err,
    size_t errlen)
{
	const struct cmapp_probe	*p;
	struct stat			 st;
	char				 real[PATH_MAX], file[PATH_MAX];
	char				 what[PATH_MAX + 32], *slash;
	void				*h;
	int				 rc;

	/* The file dlopen() will map and the directory it is in, not those
	 * of a symbolic link to it. */
	if (realpath(path, real) == NULL || stat(real, &st) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot load the probe %s: %s", path,
		    strerror(-rc));
		return rc;
	}
	if ((rc = check_perms(path, "it", real, &st, err, errlen)) < 0)
		return rc;
	memcpy(file, real, sizeof(file));
	slash = strrchr(real, '/');	/* realpath() is absolute */
	if (slash == real)
		slash[1] = '\0';
	else
		*slash = '\0';
	snprintf(what, sizeof(what), "its directory %s", real);
	if (stat(real, &st) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot load the probe %s: %s: %s", path,
		    real, strerror(-rc));
		return rc;
	}
	if ((rc = check_perms(path, what, real, &st, err, errlen)) < 0)
		return rc;
	/* The file checked, even if a link to it changes meanwhile. */
	if ((h = dlopen(file, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(err, errlen, "cannot load the probe %s: %s", path,
		    dlerror());
		return -ENOEXEC;
	}
	if ((p = dlsym(h, PROBE_SYMBOL)) == NULL) {
		snprintf(err, errlen, "%s is no cmapp probe: %s", path,
		    dlerror());
		dlclose(h);
		return -ENOEXEC;
	}
	if (p->abi != CMAPP_PLUGIN_ABI) {
		snprintf(err, errlen, "refusing the probe %s: it was built for "
		    "probe interface version %u, this runner has version %u "
		    "(rebuild it against this cmapp's plugins/plugin.h)", path,
		    p->abi, CMAPP_PLUGIN_ABI);
		dlclose(h);
		return -EPROTO;
	}
	if (p->name == NULL || p->usage == NULL || p->help == NULL ||
	    p->step_name == NULL ||
	    p->parse_args == NULL || p->init == NULL || p->target == NULL ||
	    p->step == NULL || p->fini == NULL) {
		snprintf(err, errlen, "refusing the probe %s: its descriptor "
		    "lacks a field", path);
		dlclose(h);
		return -EPROTO;
	}
	*out = p;		/* the handle stays open for good */
	return 0;
}

/* Before the log is set up: stderr and syslog. */
static void __attribute__((format(printf, 3, 4)))
early_error(const char *cmd, int quiet, const char *fmt, ...)
{
	char		msg[PATH_MAX * 2 + 256];
	struct slog	sl;
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (quiet)
		return;
	mlog_stderr(cmd, "%s", msg);
	slog_open(&sl, cmd);
	slog_send(&sl, LOG_ERR, msg);
	slog_close(&sl);
}

static void __attribute__((noreturn))
worker_main(struct run *R, unsigned i, int fd, pid_t parent)
{
	struct cmapp_result	r;
	sigset_t		all;
	unsigned		k;
	ssize_t			got;
	char			c;
	int			null;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	/* The runner ends its workers: a ^C or a SIGHUP to the group must
	 * not kill one first and pass for a failure. */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	/* Nothing of the runner's stays open here: a worker stuck for good
	 * must not hold cmappserver's output pipes or the log files. */
	for (k = 0; k < i; k++)
		close(R->w[k].fd);
	if (R->L.guest_fd >= 0)
		close(R->L.guest_fd);
	if (R->L.host_fd >= 0)
		close(R->L.host_fd);
	if ((null = open("/dev/null", O_RDWR)) >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	for (;;) {
		if ((got = recv(fd, &c, 1, 0)) < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			_exit(0);
		memset(&r, 0, sizeof(r));
		r.priority = LOG_DEBUG;
		R->p->step(R->state, i, &r);
		if (send(fd, &r, sizeof(r), MSG_NOSIGNAL) < 0)
			_exit(0);
	}
}

static int
spawn(struct run *R, unsigned i)
{
	pid_t	parent = getpid();
	int	sv[2], e;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	if ((R->w[i].pid = fork()) < 0) {
		e = -errno;
		R->w[i].pid = 0;
		close(sv[0]);
		close(sv[1]);
		return e;
	}
	if (R->w[i].pid == 0) {
		close(sv[0]);
		worker_main(R, i, sv[1], parent);
	}
	close(sv[1]);
	R->w[i].fd = sv[0];
	return 0;
}

/* Waits at most ms for the worker's exit status: 1 reaped, 0 not yet. */
static int
reap(struct worker *w, int *status, unsigned ms)
{
	int64_t		end = now_ms() + ms;
	struct timespec	ts = ms_ts(5);

	while (w->pid > 0) {
		if (waitpid(w->pid, status, WNOHANG) == w->pid ||
		    errno == ECHILD) {
			w->pid = 0;
			return 1;
		}
		if (now_ms() >= end)
			return 0;
		nanosleep(&ts, NULL);
	}
	return 1;
}

static void
stop_workers(struct run *R)
{
	int64_t		end;
	unsigned	i, left;
	int		st;

	for (i = 0; i < R->n; i++) {
		if (R->w[i].fd >= 0)
			close(R->w[i].fd);
		R->w[i].fd = -1;
		if (R->w[i].pid > 0)
			kill(R->w[i].pid, SIGKILL);
	}
	end = now_ms() + REAP_MS;
	do {
		for (i = left = 0; i < R->n; i++)
			if (!reap(&R->w[i], &st, 0))
				left++;
		if (left > 0) {
			struct timespec ts = ms_ts(5);
			nanosleep(&ts, NULL);
		}
	} while (left > 0 && now_ms() < end);
	for (i = 0; i < R->n; i++)
		if (R->w[i].pid > 0)
			mlog(&R->L, LOG_DEBUG, 0, "%s: left the stuck worker "
			    "%ld behind", R->p->target(R->state, i),
			    (long)R->w[i].pid);
}

static void
set_code(struct run *R, int code)
{
	if (R->code < 0)
		R->code = code;
}

/* A worker answered (or hung up): log its result. */
static void
collect(struct run *R, unsigned i)
{
	struct worker		*w = &R->w[i];
	struct cmapp_result	 r;
	const char		*t = R->p->target(R->state, i);
	ssize_t			 got;
	int			 st = 0;

	w->busy = 0;
	memset(&r, 0, sizeof(r));
	while ((got = recv(w->fd, &r, sizeof(r), 0)) < 0 && errno == EINTR)
		;
	if (got != (ssize_t)sizeof(r)) {
		if (got < 0)
			mlog(&R->L, LOG_ERR, 1, "%s: the worker's answer is "
			    "lost: %s", t, strerror(errno));
		else if (reap(w, &st, 100) && WIFSIGNALED(st))
			mlog(&R->L, LOG_ERR, 1, "%s: the worker died of "
			    "signal %d", t, WTERMSIG(st));
		else
			mlog(&R->L, LOG_ERR, 1, "%s: the worker ended", t);
		set_code(R, RUNNER_EXIT_ERROR);
		return;
	}
	r.msg[sizeof(r.msg) - 1] = '\0';
	if (r.status == CMAPP_OK) {
		if (r.msg[0] != '\0')
			mlog(&R->L, r.priority & 7, 0, "%s", r.msg);
		return;
	}
	mlog(&R->L, r.status == CMAPP_FAIL ? r.priority & 7 : LOG_ERR, 1,
	    "%s", r.msg[0] != '\0' ? r.msg : t);
	/* A step may find the command line wrong only once it looks at a
	 * target (a DISK that is a FIFO): that is told as at start. */
	if (r.status == CMAPP_USAGE && !R->L.quiet && R->code < 0)
		fputs(R->p->usage, stderr);
	set_code(R, r.status == CMAPP_FAIL ? RUNNER_EXIT_FAIL :
	    r.status == CMAPP_USAGE ? RUNNER_EXIT_USAGE : RUNNER_EXIT_ERROR);
}

static void
signals(struct run *R)
{
	if (got_hup) {
		got_hup = 0;
		mlog_reopen(&R->L);
	}
	if (got_term && R->code < 0) {
		/* It ends the monitor: said at any level, as a failure is. */
		mlog(&R->L, LOG_NOTICE, 1, "stopped by signal %s",
		    got_term == SIGINT ? "INT" : "TERM");
		R->code = RUNNER_EXIT_OK;
	}
}

/* The signals a monitor's loop takes, only inside ppoll: SIGTERM and
 * SIGINT stop it, SIGHUP (a logrotate's) has its logs reopened. */
static void
stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

/* One poll: a step of every target, waited for until each answered or
 * its deadline passed. */
static void
poll_once(struct run *R)
{
	struct pollfd	*pfd;
	unsigned	*idx, i, k, pending = 0;
	uint64_t	 now = now_ms(), first, grace = 0;
	char		 t[32];

	pfd = calloc(R->n, sizeof(*pfd));
	idx = calloc(R->n, sizeof(*idx));
	if (pfd == NULL || idx == NULL) {
		mlog(&R->L, LOG_ERR, 1, "out of memory");
		set_code(R, RUNNER_EXIT_ERROR);
		goto out;
	}
	for (i = 0; i < R->n; i++) {
		if (send(R->w[i].fd, "s", 1, MSG_NOSIGNAL) != 1) {
			collect(R, i);		/* it is gone: says why */
			goto out;
		}
		R->w[i].busy = 1;
		R->w[i].deadline = now + R->cfg->timeout_ms;
		pending++;
	}
	/* A failure ends the poll FAIL_GRACE_MS later (grace), a stop or
	 * an error at once. */
	while (pending > 0 && (R->code < 0 || (R->code == RUNNER_EXIT_FAIL &&
	    (uint64_t)now_ms() < grace))) {
		first = R->code < 0 ? UINT64_MAX : grace;
		for (i = k = 0; i < R->n; i++) {
			if (!R->w[i].busy)
				continue;
			pfd[k].fd = R->w[i].fd;
			pfd[k].events = POLLIN;
			pfd[k].revents = 0;
			idx[k++] = i;
			if (R->w[i].deadline < first)
				first = R->w[i].deadline;
		}
		now = now_ms();
		struct timespec ts = ms_ts(first > now ? first - now : 0);
		if (ppoll(pfd, k, &ts, &R->waitmask) < 0 && errno != EINTR) {
			mlog(&R->L, LOG_ERR, 1, "ppoll: %s", strerror(errno));
			set_code(R, RUNNER_EXIT_ERROR);
			break;
		}
		signals(R);
		for (i = 0; i < k; i++)
			if (pfd[i].revents != 0) {
				collect(R, idx[i]);
				pending--;
			}
		now = now_ms();
		for (i = 0; i < R->n; i++)
			if (R->w[i].busy && R->w[i].deadline <= now) {
				R->w[i].busy = 0;
				pending--;
				mlog(&R->L, LOG_ERR, 1, "%s: %s not done within "
				    "%s", R->p->target(R->state, i),
				    R->p->step_name, secs(R->cfg->timeout_ms,
				    t, sizeof(t)));
				set_code(R, RUNNER_EXIT_FAIL);
			}
		if (R->code == RUNNER_EXIT_FAIL && grace == 0)
			grace = (uint64_t)now_ms() + FAIL_GRACE_MS;
	}
out:
	free(pfd);
	free(idx);
}

int
runner_run(const struct cmapp_probe *p, void *state,
    const struct cmapp_config *cfg, const char *cmd,
    const struct runner_opts *ro)
{
	static const struct runner_opts	 none;
	struct run			 R;
	struct cmapp_result		 r;
	struct sigaction		 sa, old[4];
	sigset_t			 block, orig;
	char				 err[PATH_MAX + 128];
	uint64_t			 t0, now;
	unsigned			 i, polls = 0;
	int				 e;

	if (ro == NULL)
		ro = &none;
	memset(&R, 0, sizeof(R));
	R.p = p;
	R.state = state;
	R.cfg = cfg;
	R.code = -1;
	if (mlog_open(&R.L, cmd, cfg, ro->quiet, err, sizeof(err)) < 0) {
		early_error(cmd, ro->quiet, "%s", err);
		return RUNNER_EXIT_ERROR;
	}
	memset(&r, 0, sizeof(r));
	r.priority = LOG_NOTICE;
	p->init(state, &R.n, &r);
	if (r.status != CMAPP_OK) {
		mlog(&R.L, r.status == CMAPP_FAIL ? r.priority & 7 : LOG_ERR, 1,
		    "%s", r.msg);
		if (r.status == CMAPP_USAGE && !ro->quiet)
			fputs(p->usage, stderr);
		mlog_close(&R.L);
		return runner_exit_code(r.status);
	}
	if (r.msg[0] != '\0')
		mlog(&R.L, r.priority & 7, 0, "%s", r.msg);
	if (R.n == 0 || (R.w = calloc(R.n, sizeof(*R.w))) == NULL) {
		mlog(&R.L, LOG_ERR, 1, "%s", R.n == 0 ? "nothing to monitor" :
		    "out of memory");
		mlog_close(&R.L);
		return RUNNER_EXIT_ERROR;
	}
	for (i = 0; i < R.n; i++)
		R.w[i].fd = -1;

	got_term = got_hup = 0;
	stop_signals(&block);
	sigprocmask(SIG_BLOCK, &block, &orig);
	R.waitmask = orig;
	sigdelset(&R.waitmask, SIGTERM);
	sigdelset(&R.waitmask, SIGINT);
	sigdelset(&R.waitmask, SIGHUP);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, &old[0]);
	sigaction(SIGINT, &sa, &old[1]);
	sigaction(SIGHUP, &sa, &old[2]);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &old[3]);

	for (i = 0; i < R.n; i++)
		if ((e = spawn(&R, i)) < 0) {
			mlog(&R.L, LOG_ERR, 1, "cannot start a worker for %s: "
			    "%s", p->target(state, i), strerror(-e));
			set_code(&R, RUNNER_EXIT_ERROR);
			break;
		}
	while (R.code < 0) {
		t0 = now_ms();
		poll_once(&R);
		if (R.code >= 0)
			break;
		if (ro->polls > 0 && ++polls >= ro->polls) {
			set_code(&R, RUNNER_EXIT_OK);
			break;
		}
		while (R.code < 0 && (now = now_ms()) < t0 + cfg->interval_ms) {
			struct timespec ts = ms_ts(t0 + cfg->interval_ms - now);

			ppoll(NULL, 0, &ts, &R.waitmask);
			signals(&R);
		}
	}
	stop_workers(&R);
	free(R.w);
	mlog_close(&R.L);
	sigaction(SIGTERM, &old[0], NULL);
	sigaction(SIGINT, &old[1], NULL);
	sigaction(SIGHUP, &old[2], NULL);
	sigaction(SIGPIPE, &old[3], NULL);
	sigprocmask(SIG_SETMASK, &orig, NULL);
	return R.code;
}

static int
main_body(int argc, char **argv, const struct runner_opts *ro)
{
	static const struct runner_opts	 none;
	const struct cmapp_probe	*p;
	struct cmapp_config		 cfg;
	struct cmapp_result		 r;
	char				 name[32], cmd[64], exe[PATH_MAX];
	char				 a[PATH_MAX], b[PATH_MAX];
	char				 err[PATH_MAX + 256];
	const char			*path;
	void				*state = NULL;
	ssize_t				 n;
	int				 rc;

	if (ro == NULL)
		ro = &none;
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) < 0) {
		early_error(argc > 0 ? argv[0] : "cmapp", ro->quiet,
		    "cannot read /proc/self/exe: %s", strerror(errno));
		return RUNNER_EXIT_ERROR;
	}
	exe[n] = '\0';
	if ((argc < 1 || runner_probe_name(argv[0], name, sizeof(name)) < 0) &&
	    runner_probe_name(exe, name, sizeof(name)) < 0) {
		early_error(argc > 0 ? argv[0] : exe, ro->quiet, "cannot tell "
		    "which monitor to be: run me as cmapp_NAME_mon, such as "
		    "cmapp_net_mon or cmapp_disk_mon");
		return RUNNER_EXIT_ERROR;
	}
	snprintf(cmd, sizeof(cmd), "cmapp_%s_mon", name);
	if (runner_plugin_paths(exe, name, a, b, sizeof(a)) < 0) {
		early_error(cmd, ro->quiet, "%s: path too long", exe);
		return RUNNER_EXIT_ERROR;
	}
	path = access(a, F_OK) == 0 ? a : access(b, F_OK) == 0 ? b : NULL;
	if (path == NULL) {
		early_error(cmd, ro->quiet, "cannot find the %s probe: neither "
		    "%s nor %s exists", name, a, b);
		return RUNNER_EXIT_ERROR;
	}
	if (runner_load(path, &p, err, sizeof(err)) < 0) {
		early_error(cmd, ro->quiet, "%s", err);
		return RUNNER_EXIT_ERROR;
	}
	if (strcmp(p->name, name) != 0) {
		early_error(cmd, ro->quiet, "refusing the probe %s: it is the "
		    "%s probe, not %s", path, p->name, name);
		return RUNNER_EXIT_ERROR;
	}

	memset(&cfg, 0, sizeof(cfg));
	cfg.interval_ms = 60000;
	cfg.timeout_ms = 10000;
	cfg.log_max = LOG_ERR;
	memset(&r, 0, sizeof(r));
	p->parse_args(argc, argv, &cfg, &state, &r);
	switch (r.status) {
	case CMAPP_SHOW_HELP:
		printf("%s\n%s", p->usage, p->help);
		rc = RUNNER_EXIT_OK;
		break;
	case CMAPP_SHOW_VERSION:
		printf("%s %s (cmapp, probe interface %d)\n", cmd,
		    CMAPP_VERSION, CMAPP_PLUGIN_ABI);
		rc = RUNNER_EXIT_OK;
		break;
	case CMAPP_USAGE:
		if (!ro->quiet) {
			mlog_stderr(cmd, "%s", r.msg);
			fputs(p->usage, stderr);
		}
		rc = RUNNER_EXIT_USAGE;
		break;
	case CMAPP_OK:
		if (cfg.interval_ms == 0 || cfg.timeout_ms == 0) {
			early_error(cmd, ro->quiet, "the %s probe set no poll "
			    "interval or step bound", name);
			rc = RUNNER_EXIT_ERROR;
			break;
		}
		rc = runner_run(p, state, &cfg, cmd, ro);
		break;
	default:
		early_error(cmd, ro->quiet, "%s", r.msg);
		rc = RUNNER_EXIT_ERROR;
		break;
	}
	fflush(stdout);
	p->fini(state);
	return rc;
}

/*
 * A stop that comes while the probe loads and starts (a package halted
 * at once, a logrotate's SIGHUP) is held until runner_run's loop takes it
 * and ends cleanly, rather than killing the monitor by its default action.
 */
int
runner_main(int argc, char **argv, const struct runner_opts *ro)
{
	sigset_t	early, before;
	int		rc;

	stop_signals(&early);
	sigprocmask(SIG_BLOCK, &early, &before);
	rc = main_body(argc, argv, ro);
	sigprocmask(SIG_SETMASK, &before, NULL);
	return rc;
}
