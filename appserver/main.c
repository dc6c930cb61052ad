/* SPDX-License-Identifier: ISC */
/*
 * main.c: cmappserver start-up.  Everything that can fail for a reason the
 * admin must fix (conf, key files, the listening port, the pidfile) fails
 * here, before the daemon detaches, with the reason on stderr and exit 1.
 *
 * The conf and key files are read by reload.c, here and on SIGHUP.
 *
 * cmappserver [-f] [-conf FILE] [-listen ADDR] [-port N] [-pidfile FILE]
 *             [-rundir DIR] [-logfile FILE] [-version] [-help]
 * cmappserver -stop_all [-drop_kept] [-rundir DIR]
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <unistd.h>

#include "appserver.h"
#include "certcheck.h"
#include "log.h"
#include "shim.h"
#include "tls.h"
#include "version.h"

#define DEFAULT_PIDFILE	"/run/cmappserver.pid"
#define STOP_GRACE_S	10

struct opts {
	int		 foreground;
	int		 debug;
	const char	*conf;
	const char	*listen;
	long		 port;
	const char	*pidfile;
	const char	*rundir;
	const char	*logfile;
	int		 stop_all;
	int		 drop_kept;
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: cmappserver [-f] [-d] [-conf FILE] [-listen ADDR] [-port N]\n"
"                   [-pidfile FILE] [-rundir DIR] [-logfile FILE]\n"
"                   [-version] [-help]\n"
"       cmappserver -stop_all [-drop_kept] [-rundir DIR]\n"
"  -f             stay in the foreground and log to stderr too\n"
"  -d             also log debug messages\n"
"  -conf FILE     configuration (default " CONF_SERVER_PATH ")\n"
"  -listen ADDR   listen on ADDR only (default: all IPv4 and IPv6)\n"
"  -port N        TCP port (default 5315)\n"
"  -pidfile FILE  pid file (default " DEFAULT_PIDFILE " when detached)\n"
"  -rundir DIR    where the services' shims listen (default " SHIM_RUNDIR ")\n"
"  -logfile FILE  where to log if syslog (/dev/log) cannot be reached\n"
"                 (default: log_file in the conf, else " CONF_LOG_FILE "\n"
"                 when detached)\n"
"  -stop_all      stop every service (SIGTERM, SIGKILL after 10 s), for a\n"
"                 guest shutdown; stopping cmappserver itself leaves them\n"
"                 running; it says how many exit statuses stay kept\n"
"                 for the services' managers\n"
"  -drop_kept     with -stop_all: drop those statuses too (no shim stays)\n"
"  -version       print the version and exit\n"
"  -help          print this help and exit\n");
}

static const char *
optarg_of(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		fprintf(stderr, "cmappserver: option %s needs a value\n",
		    argv[*i]);
		usage(stderr);
		exit(2);
	}
	return argv[++*i];
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	char	*end;
	int	 i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] == '-' && a[1] == '-')	/* accept --help as -help */
			a++;
		if (strcmp(a, "-f") == 0)
			o->foreground = 1;
		else if (strcmp(a, "-d") == 0)
			o->debug = 1;
		else if (strcmp(a, "-conf") == 0)
			o->conf = optarg_of(argc, argv, &i);
		else if (strcmp(a, "-listen") == 0)
			o->listen = optarg_of(argc, argv, &i);
		else if (strcmp(a, "-pidfile") == 0)
			o->pidfile = optarg_of(argc, argv, &i);
		else if (strcmp(a, "-rundir") == 0)
			o->rundir = optarg_of(argc, argv, &i);
		else if (strcmp(a, "-logfile") == 0)
			o->logfile = optarg_of(argc, argv, &i);
		else if (strcmp(a, "-stop_all") == 0)
			o->stop_all = 1;
		else if (strcmp(a, "-drop_kept") == 0)
			o->drop_kept = 1;
		else if (strcmp(a, "-port") == 0) {
			const char *v = optarg_of(argc, argv, &i);
			errno = 0;
			o->port = strtol(v, &end, 10);
			if (errno || *end || o->port < 1 || o->port > 65535) {
				fprintf(stderr, "cmappserver: -port: '%s' is "
				    "not a port number (1-65535)\n", v);
				exit(2);
			}
		} else if (strcmp(a, "-version") == 0) {
			printf("cmappserver %s (protocol %d-%d)\n",
			    CMAPP_VERSION, PROTO_VERSION_MIN,
			    PROTO_VERSION_MAX);
			exit(0);
		} else if (strcmp(a, "-help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			exit(0);
		} else {
			fprintf(stderr, "cmappserver: unknown option %s\n",
			    argv[i]);
			usage(stderr);
			exit(2);
		}
	}
}

/* Binds before detaching so that a busy port is reported to the admin.
 * *naddr: how many addresses addr resolved to (the first that binds is
 * used). */
static int
bind_listener(const char *addr, int port, int *naddr)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	char		 portstr[8], where[300];
	int		 fd = -1, on = 1, off = 0, r;

	*naddr = 0;

	snprintf(portstr, sizeof(portstr), "%d", port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if (addr == NULL) {
		/* One dual-stack socket; IPv4 alone where IPv6 is off. */
		hints.ai_family = AF_INET6;
		if (getaddrinfo(NULL, portstr, &hints, &res) != 0 ||
		    (fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0))
		    < 0) {
			if (res != NULL)
				freeaddrinfo(res);
			res = NULL;
			hints.ai_family = AF_INET;
		} else
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off,
			    sizeof(off));
		if (fd < 0 && (r = getaddrinfo(NULL, portstr, &hints, &res))
		    != 0)
			fatalx("cannot listen on port %s: %s", portstr,
			    gai_strerror(r));
	} else if ((r = getaddrinfo(addr, portstr, &hints, &res)) != 0)
		fatalx("cannot listen on %s: %s", addr, gai_strerror(r));
	for (ai = res; ai != NULL; ai = ai->ai_next)
		(*naddr)++;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (fd < 0 && (fd = socket(ai->ai_family, SOCK_STREAM |
		    SOCK_CLOEXEC, 0)) < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		/* The kernel's own cap (net.core.somaxconn), not 128: a
		 * backlog under the connection cap made a connect storm's
		 * overflow wait for the kernel's SYN-ACK retries (seconds,
		 * doubling) instead of for our paced accept. */
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, SOMAXCONN) == 0)
			break;
		snprintf(where, sizeof(where), "%s port %s",
		    addr ? addr : "all addresses", portstr);
		r = errno;
		close(fd);
		fd = -1;
		errno = r;
		if (ai->ai_next == NULL)
			fatal("cannot listen on %s", where);
	}
	freeaddrinfo(res);
	if (fd < 0)
		fatalx("cannot listen on %s port %s: no usable address",
		    addr ? addr : "all addresses", portstr);
	return fd;
}

/*
 * "NAME (ADDRESS)" for a -listen or listen= name, the address fd is bound
 * to, in buf: the log then says where it listens.  A name that resolved
 * to a loopback address (Debian's /etc/hosts names the host 127.0.1.1) or
 * to several, of which one is used, is warned about.
 */
static const char *
listen_shown(const char *name, int fd, int naddr, char *buf, size_t cap)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	char			 host[NI_MAXHOST];
	int			 loop;

	if (name == NULL)
		return "all addresses";
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0 ||
	    getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), NULL,
	    0, NI_NUMERICHOST) != 0 || strcmp(host, name) == 0)
		return name;
	snprintf(buf, cap, "%s (%s)", name, host);
	loop = ss.ss_family == AF_INET ? (ntohl(((struct sockaddr_in *)
	    (void *)&ss)->sin_addr.s_addr) >> 24) == 127 :
	    IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)(void *)&ss)->
	    sin6_addr);
	if (loop && strcmp(name, "localhost") != 0)
		log_warnx("listen %s is the loopback address %s: no VM host "
		    "can reach it (give the guest's address, or no listen "
		    "for all)", name, host);
	else if (naddr > 1)
		log_warnx("listen %s resolves to %d addresses: listening on "
		    "%s alone (give one address, or no listen for all)", name,
		    naddr, host);
	return buf;
}

/* What a pidfile path names that we refuse to write through, or NULL. */
static const char *
not_ours(const struct stat *st)
{
	static char	why[64];

	if (S_ISLNK(st->st_mode))
		return "it is a symbolic link";
	if (S_ISDIR(st->st_mode))
		return "it is a directory, not a regular file";
	if (!S_ISREG(st->st_mode))
		return "it is not a regular file";
	if (st->st_uid != geteuid()) {
		snprintf(why, sizeof(why), "it is owned by uid %u, not by us "
		    "(uid %u)", (unsigned)st->st_uid, (unsigned)geteuid());
		return why;
	}
	if (st->st_nlink != 1)
		return "it has other hard links";
	return NULL;
}

/* The pid a pidfile holds (read from fd's start), or -1. */
static long
pidfile_pid(int fd)
{
	char	buf[32], *end;
	ssize_t	n;
	long	pid;

	if ((n = pread(fd, buf, sizeof(buf) - 1, 0)) <= 0)
		return -1;
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	return end != buf && (*end == '\n' || *end == '\0') && pid > 0 ?
	    pid : -1;
}

/* Whether pid runs cmappserver: a word of its command line names it
 * (under a wrapper too, valgrind's or a debugger's). */
static int
is_cmappserver(long pid)
{
	char		 path[64], cmd[4096];
	const char	*w, *base;
	ssize_t		 n;
	int		 fd;

	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, cmd, sizeof(cmd) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	cmd[n] = '\0';
	for (w = cmd; w < cmd + n; w += strlen(w) + 1) {
		base = strrchr(w, '/') != NULL ? strrchr(w, '/') + 1 : w;
		if (strcmp(base, "cmappserver") == 0)
			return 1;
	}
	return 0;
}

/* Removes the pidfile at exit if it is still ours. */
static void
remove_pidfile(const char *path)
{
	int	fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return;
	if (pidfile_pid(fd) == (long)getpid())
		unlink(path);
	close(fd);
}

/*
 * The pidfile often lies in a directory others may write (/tmp, or a
 * /run/... made by hand): a symbolic link or a hard link planted there
 * must not make the root daemon truncate the file it leads to.  So no
 * symlink is followed, nothing is truncated before fstat has shown a
 * regular file of our own with no other name, and O_NONBLOCK keeps a
 * FIFO from hanging the start.
 */
static void
write_pidfile(const char *path)
{
	struct stat	 st;
	const char	*why;
	char		 line[32];
	long		 other;
	int		 fd, n;

	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC | O_NOCTTY, 0644);
	if (fd == -1) {
		int	e = errno;	/* open's: lstat's would say ENOENT */

		if (lstat(path, &st) == 0 && (why = not_ours(&st)) != NULL)
			fatalx("cannot write pidfile %s: %s", path, why);
		errno = e;
		fatal("cannot write pidfile %s", path);
	}
	if (fstat(fd, &st) == -1)
		fatal("cannot write pidfile %s", path);
	if ((why = not_ours(&st)) != NULL)
		fatalx("cannot write pidfile %s: %s", path, why);
	/* Another cmappserver's (one with a run directory of its own, the
	 * default pidfile left as it is): overwritten, the init script
	 * would lose the daemon it started. */
	if ((other = pidfile_pid(fd)) > 0 && other != (long)getpid() &&
	    is_cmappserver(other))
		fatalx("cannot write pidfile %s: cmappserver (pid %ld) writes "
		    "it (give this one -pidfile FILE)", path, other);
	n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || write(fd, line, (size_t)n) != n ||
	    close(fd) != 0)
		fatal("cannot write pidfile %s", path);
}

/*
 * Detaches; the parent exits only when the child has written its pidfile,
 * so a boot script that reads the pidfile right after finds it.
 */
static void
daemonize(const char *pidfile)
{
	int	p[2], fd;
	char	c;
	pid_t	pid;

	if (pipe(p) != 0)
		fatal("pipe");
	if ((pid = fork()) < 0)
		fatal("fork");
	if (pid > 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) == 1 ? 0 : 1);
	}
	close(p[0]);
	if (setsid() < 0)
		fatal("setsid");
	if (chdir("/") != 0)
		fatal("chdir /");
	write_pidfile(pidfile);
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	log_set_stderr(0);
	c = 1;
	if (write(p[1], &c, 1) != 1)
		_exit(1);
	close(p[1]);
}

/*
 * The run directory holds the shims' sockets; one cmappserver at a time
 * owns it, so a second instance cannot adopt the first one's services.
 * Whoever can write there could plant a fake shim: it must be ours alone.
 */
static int
lock_rundir(const char *dir)
{
	char		path[PATH_MAX];
	struct stat	st;
	int		fd;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		fatal("cannot create the run directory %s", dir);
	if (lstat(dir, &st) == -1)
		fatal("cannot use the run directory %s", dir);
	if (!S_ISDIR(st.st_mode))
		fatalx("run directory %s: not a directory", dir);
	if (st.st_uid != geteuid() || (st.st_mode & 022) != 0)
		fatalx("run directory %s: owned by uid %u with mode %04o; it "
		    "must be owned by uid %u and writable by its owner only",
		    dir, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777),
		    (unsigned)geteuid());
	if (snprintf(path, sizeof(path), "%s/cmappserver.lock", dir) >=
	    (int)sizeof(path) || strlen(dir) > 80)
		fatalx("run directory %s: path too long (80 bytes at most, "
		    "for its sockets)", dir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1)
		fatal("cannot open %s", path);
	if (flock(fd, LOCK_EX | LOCK_NB) == -1)
		fatalx("another cmappserver runs with the run directory %s",
		    dir);
	return fd;
}

/* cmapp-shim lives next to our own binary, installed or in the build. */
static void
find_shim(char *out, size_t cap)
{
	char	self[PATH_MAX], *slash;
	ssize_t	n;

	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
		fatal("cannot find my own binary");
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) != NULL)
		*slash = '\0';
	if (snprintf(out, cap, "%s/%s", self, SHIM_NAME) >= (int)cap)
		fatalx("%s/%s: path too long", self, SHIM_NAME);
	if (access(out, X_OK) != 0)
		fatal("cannot run %s", out);
}

/* path made absolute against the current directory, into out. */
static void
absolute(const char *path, char *out, size_t cap, const char *opt)
{
	char	cwd[PATH_MAX];

	if (path[0] == '/') {
		if (snprintf(out, cap, "%s", path) >= (int)cap)
			fatalx("%s %s: path too long", opt, path);
		return;
	}
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		fatal("%s %s: cannot tell the current directory", opt, path);
	if (snprintf(out, cap, "%s/%s", cwd, path) >= (int)cap)
		fatalx("%s %s: path too long", opt, path);
}

/*
 * Where syslog cannot be reached (no /dev/log: a container, a minimal
 * image), glibc would drop every message: they go to a file instead,
 * -logfile's, else the conf's log_file, else, once detached, CONF_LOG_FILE.
 * In the foreground stderr has them all: a file only if one is named.
 * Said once, on stderr, before detaching.  A file named by the admin that
 * cannot be opened stops the start; the default one only warns.
 */
static void
log_target(const struct opts *o, const struct conf *c, char *path,
    size_t cap)
{
	int	named = o->logfile != NULL || c->log_file[0] != '\0';
	int	r;

	if (log_syslog_reachable())
		return;
	if (o->logfile != NULL)
		absolute(o->logfile, path, cap, "-logfile");
	else if (snprintf(path, cap, "%s", c->log_file[0] != '\0' ?
	    c->log_file : o->foreground ? "" : CONF_LOG_FILE) >= (int)cap)
		fatalx("log_file %s: path too long", c->log_file);
	if (path[0] == '\0') {
		log_info("syslog (/dev/log) cannot be reached: messages go to "
		    "stderr only (-logfile FILE or log_file= in the conf names "
		    "a file for them)");
		return;
	}
	if ((r = log_set_file(path)) == 0) {
		log_info("syslog (/dev/log) cannot be reached: logging to %s",
		    path);
		return;
	}
	if (named)
		fatalx("syslog (/dev/log) cannot be reached, and the log file "
		    "%s cannot be opened: %s", path, strerror(-r));
	log_warnx("syslog (/dev/log) cannot be reached, and the log file %s "
	    "cannot be opened: %s; once detached, messages are lost "
	    "(-logfile FILE names another file)", path, strerror(-r));
}

static void
on_signal(uv_signal_t *h, int sig)
{
	struct server	*srv = h->data;

	/* Signals that came together are handed over in one loop turn:
	 * the first stops the server, the others find it stopping. */
	if (uv_is_closing((uv_handle_t *)&srv->listen_poll))
		return;
	log_info("stopping on signal %d; %u running service%s keep%s running",
	    sig, srv->n_running, srv->n_running == 1 ? "" : "s",
	    srv->n_running == 1 ? "s" : "");
	server_stop(srv);
	sup_fini(srv);
	uv_stop(&srv->loop);
}

int
main(int argc, char **argv)
{
	static struct server	 srv;	/* the daemon's one context */
	struct opts		 o = { 0 };
	char			 pidfile[PATH_MAX], logfile[PATH_MAX];
	char			 err[1024], where[NI_MAXHOST + 300];
	const char		*shown;
	int			 naddr;
	int			 fd;

	/* Whatever the boot script or shell left open must not reach the
	 * shims and the services. */
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	/* The guest daemon must stay small: no OpenSSL error tables. */
	tls_init(0);
	parse_args(argc, argv, &o);
	log_init("cmappserver", 1, o.debug);
	signal(SIGPIPE, SIG_IGN);
	/* A reload sent while we start must not end us; reload_init
	 * handles it from then on (shims get the default back). */
	signal(SIGHUP, SIG_IGN);
	if (o.rundir == NULL)
		o.rundir = SHIM_RUNDIR;
	if (o.drop_kept && !o.stop_all) {
		fprintf(stderr, "cmappserver: -drop_kept goes with "
		    "-stop_all\n");
		usage(stderr);
		exit(2);
	}
	if (o.stop_all)
		return stop_all(o.rundir, STOP_GRACE_S, o.drop_kept);
	/* The daemon and its shims run in "/": relative paths would move. */
	absolute(o.rundir, srv.rundir, sizeof(srv.rundir), "-rundir");
	if (o.pidfile != NULL) {
		absolute(o.pidfile, pidfile, sizeof(pidfile), "-pidfile");
		o.pidfile = pidfile;
	}
	find_shim(srv.shim_path, sizeof(srv.shim_path));

	/* Absolute too: a SIGHUP re-reads it after the chdir to "/". */
	if (o.conf != NULL)
		absolute(o.conf, srv.conf_path, sizeof(srv.conf_path),
		    "-conf");
	/* The default conf found now is the daemon's from now on: moved
	 * aside, a reload keeps the one in use, not the defaults (which
	 * allow any command).  None now: a reload looks for it again. */
	else if (access(CONF_SERVER_PATH, F_OK) == 0)
		snprintf(srv.conf_path, sizeof(srv.conf_path), "%s",
		    CONF_SERVER_PATH);
	srv.listen_arg = o.listen;
	srv.port_arg = o.port;
	if (reload_read(&srv, &srv.conf, &srv.ctx, err, sizeof(err)) != 0)
		fatalx("%s", err);
	reload_where(&srv, &srv.conf, &o.listen, &o.port);
	log_target(&o, &srv.conf, logfile, sizeof(logfile));
	/* Said before detaching: on the admin's terminal too. */
	certcheck_log(srv.ctx, srv.conf.key.path, srv.conf.trust.path);
	/* The run directory's lock first: a second cmappserver is told
	 * so, not that the port is in use. */
	lock_rundir(srv.rundir);
	fd = bind_listener(o.listen, (int)o.port, &naddr);
	shown = listen_shown(o.listen, fd, naddr, where, sizeof(where));

	if (!o.foreground)
		daemonize(o.pidfile ? o.pidfile : DEFAULT_PIDFILE);
	else if (o.pidfile != NULL)
		write_pidfile(o.pidfile);

	if (uv_loop_init(&srv.loop) != 0)
		fatalx("cannot start the event loop");
	server_init(&srv);
	if (server_listen(&srv, fd) != 0)
		fatalx("cannot listen");
	/* Managers may connect meanwhile; their STARTs wait for it. */
	if (sup_adopt(&srv) != 0)
		log_warn("cannot read the run directory %s", srv.rundir);
	uv_signal_init(&srv.loop, &srv.sigterm);
	uv_signal_init(&srv.loop, &srv.sigint);
	srv.sigterm.data = srv.sigint.data = &srv;
	uv_signal_start(&srv.sigterm, on_signal, SIGTERM);
	uv_signal_start(&srv.sigint, on_signal, SIGINT);
	reload_init(&srv);
	log_info("cmappserver %s listening on %s port %ld (max_processes %u)",
	    CMAPP_VERSION, shown, o.port, srv.conf.max_processes);

	/* What start-up read and parsed (conf, key files) goes back. */
	malloc_trim(0);
	uv_run(&srv.loop, UV_RUN_DEFAULT);
	if (o.pidfile != NULL || !o.foreground)
		remove_pidfile(o.pidfile ? o.pidfile : DEFAULT_PIDFILE);
	return 0;
}
