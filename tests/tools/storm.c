/* SPDX-License-Identifier: ISC */
/*
 * storm.c: the accept-storm client (tests/e2e/62_accept_storm.sh).  Opens
 * TCP connections to a server on loopback as fast as it can and resets
 * each one (SO_LINGER 0) once it is up: the server's kernel queues every
 * one for accept, and the storm never waits for an answer.
 *
 *   storm -p PORT [-a ADDR] [-b SOURCE] [-d SECONDS] [-c CONCURRENT]
 *
 *   -a ADDR    the server's address (127.0.0.1); loopback only, IPv4 or
 *              IPv6, so that the tool cannot be pointed at another host
 *   -b SOURCE  bind the connections to this source address
 *   -d SECONDS how long (10)
 *   -c N       connects in flight at once (256); one that is not up
 *              within 1 s (its SYN dropped by a full backlog) is given up
 *
 * At the end it prints one line of key=value pairs:
 *   connects   connections that got up (and were reset)
 *   failed     never up (given up, refused)
 *   rate       connects a second
 */
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"

#define MAX_FLIGHT	4096
#define GIVE_UP_S	1.0

struct flight {
	int	fd;
	double	t;
};

static struct sockaddr_storage	dst, src;
static socklen_t		alen;
static int			have_src;

/* a into *ss with port; -1 unless a loopback address. */
static int
set_addr(struct sockaddr_storage *ss, const char *a, long port)
{
	struct sockaddr_in	*s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, a, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)port);
		return (ntohl(s4->sin_addr.s_addr) >> 24) == 127 ? 0 : -1;
	}
	if (inet_pton(AF_INET6, a, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)port);
		return IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr) ? 0 : -1;
	}
	return -1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: storm -p PORT [-a ADDR] [-b SOURCE] "
	    "[-d SECONDS] [-c CONCURRENT]\n");
	exit(2);
}

/* Closes with a reset: no TIME_WAIT, and the port is free again. */
static void
reset(int fd)
{
	struct linger	l = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

/* A new non-blocking connect, or -1. */
static int
dial(void)
{
	int	fd;

	if ((fd = socket(dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (have_src && bind(fd, (struct sockaddr *)&src, alen) == -1) {
		close(fd);
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&dst, alen) == -1 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

int
main(int argc, char **argv)
{
	static struct flight	fl[MAX_FLIGHT];
	static struct pollfd	pfd[MAX_FLIGHT];
	struct rlimit		rl;
	const char		*addr = "127.0.0.1", *source = NULL;
	double			 t0, t, duration = 10;
	long			 port = 0, conc = 256;
	unsigned long		 ups = 0, failed = 0;
	int			 opt, i, n = 0, err;
	socklen_t		 len;

	while ((opt = getopt(argc, argv, "a:b:c:d:p:")) != -1) {
		switch (opt) {
		case 'a': addr = optarg; break;
		case 'b': source = optarg; break;
		case 'c': conc = atol(optarg); break;
		case 'd': duration = atof(optarg); break;
		case 'p': port = atol(optarg); break;
		default: usage();
		}
	}
	if (port <= 0 || port > 65535 || duration <= 0 || conc <= 0 ||
	    conc > MAX_FLIGHT || set_addr(&dst, addr, port) != 0)
		usage();
	if (source != NULL) {
		if (set_addr(&src, source, 0) != 0 ||
		    src.ss_family != dst.ss_family)
			usage();
		have_src = 1;
	}
	alen = dst.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)conc + 16) {
		fprintf(stderr, "storm: %ld connects need %ld descriptors, the "
		    "limit is %lu\n", conc, conc + 16,
		    (unsigned long)rl.rlim_cur);
		return 3;
	}

	t0 = now_ms() / 1e3;
	while ((t = now_ms() / 1e3) - t0 < duration) {
		while (n < conc) {
			if ((fl[n].fd = dial()) == -1) {
				failed++;
				break;
			}
			fl[n].t = t;
			pfd[n].fd = fl[n].fd;
			pfd[n].events = POLLOUT;
			pfd[n].revents = 0;
			n++;
		}
		if (poll(pfd, (nfds_t)n, 1) == -1 && errno != EINTR) {
			perror("storm: poll");
			return 1;
		}
		t = now_ms() / 1e3;
		for (i = 0; i < n; ) {
			if (pfd[i].revents == 0 && t - fl[i].t < GIVE_UP_S) {
				i++;
				continue;
			}
			len = sizeof(err);
			if (pfd[i].revents != 0 && getsockopt(fl[i].fd,
			    SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
				ups++;
			else
				failed++;
			reset(fl[i].fd);
			fl[i] = fl[--n];
			pfd[i] = pfd[n];
		}
	}
	for (i = 0; i < n; i++)
		reset(fl[i].fd);
	t = now_ms() / 1e3 - t0;
	printf("connects=%lu failed=%lu rate=%.0f\n", ups, failed,
	    (double)ups / t);
	return 0;
}
