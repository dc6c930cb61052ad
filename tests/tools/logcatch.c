/* SPDX-License-Identifier: ISC */
/*
 * logcatch.c: the end-to-end tests' syslog daemon.  It receives the
 * datagrams syslog(3) sends to /dev/log (tests/lib.sh's syslog_capture
 * binds its socket over /dev/log in a mount namespace of its own) and
 * appends each to FILE as one line,
 *
 *   FACILITY.PRIORITY IDENT[PID]: MESSAGE
 *
 * such as "daemon.err cmapp_net_mon[1234]: interface lo is down": the
 * timestamp syslog(3) puts first is left out, control characters are
 * written as \ooo (a trailing newline dropped).  A datagram of another
 * form is written as it came, after "? ".
 *
 *   logcatch SOCKET FILE     (until SIGTERM or SIGINT; SOCKET is removed)
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define DGRAM_MAX	65536
#define LINE_MAX_OUT	(DGRAM_MAX * 4 + 64)	/* every byte as \ooo */

static volatile sig_atomic_t	stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static const char *
facility(unsigned f)
{
	static const char *const names[] = { "kern", "user", "mail", "daemon",
	    "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv",
	    "ftp", "ntp", "security", "console", "solaris-cron", "local0",
	    "local1", "local2", "local3", "local4", "local5", "local6",
	    "local7" };

	return f < sizeof(names) / sizeof(names[0]) ? names[f] : "?";
}

static const char *
priority(unsigned p)
{
	static const char *const names[] = { "emerg", "alert", "crit", "err",
	    "warning", "notice", "info", "debug" };

	return names[p & 7];
}

/* syslog(3)'s "Mmm dd hh:mm:ss ", 16 bytes. */
static int
stamp(const char *p, size_t n)
{
	return n >= 16 && p[3] == ' ' && p[6] == ' ' && p[9] == ':' &&
	    p[12] == ':' && p[15] == ' ';
}

/* The line for one datagram into out; its length. */
static size_t
format(const char *d, size_t n, char *out)
{
	size_t		 i = 0, k = 0;
	unsigned	 pri = 0;
	int		 ok = 0;

	if (n > 2 && d[0] == '<') {
		for (i = 1; i < n && i < 5 && d[i] >= '0' && d[i] <= '9'; i++)
			pri = pri * 10 + (unsigned)(d[i] - '0');
		ok = i > 1 && i < n && d[i] == '>' && pri < 24 * 8;
	}
	if (ok) {
		i++;
		k = (size_t)sprintf(out, "%s.%s ", facility(pri >> 3),
		    priority(pri));
		if (stamp(d + i, n - i))
			i += 16;
	} else {
		i = 0;
		k = (size_t)sprintf(out, "? ");
	}
	if (n > i && d[n - 1] == '\n')
		n--;
	for (; i < n; i++) {
		unsigned char c = (unsigned char)d[i];

		if (c < ' ' || c == 0x7f)
			k += (size_t)sprintf(out + k, "\\%03o", c);
		else
			out[k++] = (char)c;
	}
	out[k++] = '\n';
	return k;
}

int
main(int argc, char **argv)
{
	struct sockaddr_un	 sa;
	struct sigaction	 act;
	static char		 d[DGRAM_MAX], line[LINE_MAX_OUT];
	ssize_t			 n;
	size_t			 k;
	int			 s, out;

	if (argc != 3) {
		fprintf(stderr, "usage: logcatch SOCKET FILE\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "logcatch: %s: path too long for a socket\n",
		    argv[1]);
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	if ((out = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0644)) < 0) {
		fprintf(stderr, "logcatch: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	if ((s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    (unlink(argv[1]) < 0 && errno != ENOENT) ||
	    bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(argv[1], 0666) < 0) {
		fprintf(stderr, "logcatch: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	/* No SA_RESTART: the signal ends the recv() and the loop. */
	memset(&act, 0, sizeof(act));
	act.sa_handler = on_signal;
	sigemptyset(&act.sa_mask);
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	while (!stop) {
		if ((n = recv(s, d, sizeof(d), 0)) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "logcatch: recv: %s\n", strerror(errno));
			break;
		}
		k = format(d, (size_t)n, line);
		/* One write a record: the file may be read meanwhile. */
		if (write(out, line, k) != (ssize_t)k) {
			fprintf(stderr, "logcatch: %s: %s\n", argv[2],
			    strerror(errno));
			break;
		}
	}
	unlink(argv[1]);
	return stop ? 0 : 1;
}
