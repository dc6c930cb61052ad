/* SPDX-License-Identifier: ISC */
/*
 * sockhold.c: the load tests' client (tests/e2e/50_idle_sockets.sh,
 * 51_slow_handshake.sh, 53_conn_cap.sh, 54_peer_v6.sh, 61_idle_flood.sh).
 * Opens many TCP connections to a server and holds them, idle or trickling a TLS ClientHello one byte at a time, and
 * measures when the server closes each one.
 *
 *   sockhold -p PORT -n N [-a ADDR] [-b SOURCE] [-B BATCH] [-d SECONDS]
 *            [-s MS] [-r READY_FILE] [-R]
 *
 *   -a ADDR    the server's IPv4 or IPv6 address (127.0.0.1)
 *   -b SOURCE[,SOURCE...]
 *              bind the connections to this source address, of the same
 *              family (e.g. 127.0.0.2, so that they come from another peer
 *              than the manager); with several, the connections take them
 *              in turn (at most MAX_SRC)
 *   -B BATCH   connect this many at a time (100), each batch once the one
 *              before is up and the server has taken it from its listen
 *              queue (seen in /proc/net/tcp*, if the server's socket shows
 *              there; CONNECT_S at most): a burst larger than the listen
 *              backlog would leave connections half-open in the kernel,
 *              accepted by the server only seconds later as SYN-ACKs are
 *              resent, and out of the order they were made in
 *   -d SECONDS give up after this long (30); without -R it ends sooner
 *              once the server has closed every connection
 *   -R         reopen each connection the server closes, at once (an idle
 *              flood that outlasts the server's deadline,
 *              tests/e2e/61_idle_flood.sh); it ends after -d SECONDS
 *   -s MS      send the next byte of a ClientHello every MS milliseconds
 *              (without -s the connections stay silent)
 *   -r FILE    once the connections are up, taken from the listen queue
 *              and settled (1 s), write a line
 *              "connected=C failed=F refused=R open=O oldest_open=I
 *              newest_gone=J" to FILE, and again, as of then, on each
 *              SIGUSR1: I is the number (1.., in connecting order) of the
 *              oldest connection still open, J that of the newest the server
 *              has closed (0: none)
 *
 * At the end it prints one line of key=value pairs:
 *   opened connected failed     connections tried, up, never up
 *   refused                     reset or closed by the server within 1 s
 *   closed close_min close_max  closed later, and their ages in seconds
 *   still_open                  not closed by the server when it gave up
 *   sent_max                    most bytes any connection sent
 *   reopened                    connections reopened (-R)
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"

#define SETTLE_S	1.0	/* a refusal comes within this of connecting */
#define CONNECT_S	5.0	/* per batch */
#define MAX_SRC		64	/* source addresses */

enum state { S_UNTRIED, S_CONNECTING, S_OPEN, S_FAILED, S_REFUSED, S_CLOSED };

struct sock {
	int		fd;
	enum state	state;
	double		t_conn;		/* when the connect completed */
	double		age;		/* at the server's close */
	size_t		sent;
};

static unsigned char	hello[512];
static size_t		hello_len;
static struct sockaddr_storage dst, src[MAX_SRC];	/* IPv4 or IPv6 */
static socklen_t	addr_len;
static int		n_src, next_src;
static volatile sig_atomic_t snapshot;	/* SIGUSR1 */
static int		reopen;		/* -R */
static unsigned long	reopened;

/* An IPv4 or IPv6 address and port into *ss; -1 if a is neither. */
static int
set_addr(struct sockaddr_storage *ss, const char *a, long port)
{
	struct sockaddr_in	*s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, a, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)port);
		return 0;
	}
	if (inet_pton(AF_INET6, a, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)port);
		return 0;
	}
	return -1;
}

static void
put16(unsigned char *p, size_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/* A plausible TLS 1.2/1.3 ClientHello: record, handshake header, body. */
static void
make_hello(void)
{
	static const unsigned char suites[] = { 0x13, 0x01, 0x13, 0x02,
	    0xc0, 0x2b, 0xc0, 0x2f };
	static const unsigned char exts[] = {
		0x00, 0x0a, 0x00, 0x06, 0x00, 0x04, 0x00, 0x1d, 0x00, 0x17,
		0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,
		0x00, 0x0d, 0x00, 0x08, 0x00, 0x06, 0x04, 0x03, 0x08, 0x04,
		0x04, 0x01,
		0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03,
	};
	unsigned char	*p = hello + 9;		/* record 5 + handshake 4 */
	size_t		 body, i;

	*p++ = 0x03, *p++ = 0x03;
	for (i = 0; i < 32; i++)
		*p++ = (unsigned char)(i * 7 + 1);
	*p++ = 0;				/* session id */
	put16(p, sizeof(suites)), p += 2;
	memcpy(p, suites, sizeof(suites)), p += sizeof(suites);
	*p++ = 1, *p++ = 0;			/* compression: null */
	put16(p, sizeof(exts)), p += 2;
	memcpy(p, exts, sizeof(exts)), p += sizeof(exts);
	hello_len = (size_t)(p - hello);
	body = hello_len - 9;
	hello[0] = 0x16, hello[1] = 0x03, hello[2] = 0x01;
	put16(hello + 3, body + 4);
	hello[5] = 0x01;
	hello[6] = 0, hello[7] = (unsigned char)(body >> 8);
	hello[8] = (unsigned char)body;
}

static void
usage(void)
{
	fprintf(stderr, "usage: sockhold -p PORT -n N [-a ADDR] "
	    "[-b SOURCE[,SOURCE...]] [-B BATCH] [-d SECONDS] [-s MS] "
	    "[-r READY_FILE] [-R]\n");
	exit(2);
}

/*
 * Connections in the server's listen queue, not yet accepted: the
 * rx_queue of the listening sockets on the server's port in
 * /proc/net/tcp and tcp6; -1 if none shows there (another network
 * namespace).
 */
static long
listen_queue(void)
{
	static const char *const files[] = { "/proc/net/tcp",
	    "/proc/net/tcp6" };
	unsigned	port = ntohs(dst.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&dst)->sin6_port :
	    ((struct sockaddr_in *)&dst)->sin_port);
	unsigned	lport, st;
	unsigned long	txq, rxq;
	long		total = -1;
	char		line[512], *colon;
	size_t		i;
	FILE		*f;

	for (i = 0; i < 2; i++) {
		if ((f = fopen(files[i], "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL) {
			/* "sl: local_addr:port rem_addr:port st tx:rx ..." */
			if ((colon = strchr(line, ':')) == NULL ||
			    (colon = strchr(colon + 1, ':')) == NULL ||
			    sscanf(colon + 1, "%x %*s %x %lx:%lx", &lport, &st,
			    &txq, &rxq) != 4)
				continue;
			if (st != 0x0a || lport != port)	/* LISTEN */
				continue;
			total = (total < 0 ? 0 : total) + (long)rxq;
		}
		fclose(f);
	}
	return total;
}

/* Starts a non-blocking connect; the socket is S_FAILED if it cannot. */
static void
try_connect(struct sock *s)
{
	int	fd, one = 1;

	s->fd = -1;
	s->state = S_FAILED;
	if ((fd = socket(dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		perror("sockhold: socket");
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (n_src > 0 && bind(fd, (struct sockaddr *)&src[next_src++ % n_src],
	    addr_len) == -1) {
		perror("sockhold: bind");
		close(fd);
		return;
	}
	if (connect(fd, (struct sockaddr *)&dst, addr_len) == -1 &&
	    errno != EINPROGRESS) {
		close(fd);
		return;
	}
	s->fd = fd;
	s->state = S_CONNECTING;
}

/* The server closed s (EOF or reset). */
static void
server_closed(struct sock *s, double t)
{
	s->age = t - s->t_conn;
	s->state = s->age < SETTLE_S ? S_REFUSED : S_CLOSED;
	close(s->fd);
	s->fd = -1;
	if (reopen) {
		reopened++;
		try_connect(s);
		s->t_conn = t;
	}
}

static void
give_up(struct sock *s)
{
	close(s->fd);
	s->fd = -1;
	s->state = S_FAILED;
}

static void
on_usr1(int sig)
{
	(void)sig;
	snapshot = 1;
}

/* -b's list into src[]; -1 if an address is bad or there are too many. */
static int
set_sources(char *list)
{
	char	*a;

	for (a = strtok(list, ","); a != NULL; a = strtok(NULL, ",")) {
		if (n_src == MAX_SRC || set_addr(&src[n_src], a, 0) != 0 ||
		    src[n_src].ss_family != dst.ss_family)
			return -1;
		n_src++;
	}
	return n_src > 0 ? 0 : -1;
}

/*
 * The ready line, as of now, written aside and renamed so that a reader
 * never sees half of it.
 */
static void
write_ready(const char *file, const struct sock *socks, size_t n)
{
	char		 tmp[4096];
	unsigned	 c_fail = 0, c_ref = 0, c_open = 0;
	size_t		 i, oldest_open = 0, newest_gone = 0;
	FILE		*f;

	for (i = 0; i < n; i++) {
		switch (socks[i].state) {
		case S_UNTRIED:
		case S_FAILED:
			c_fail++;
			break;
		case S_REFUSED:
		case S_CLOSED:
			c_ref += socks[i].state == S_REFUSED;
			newest_gone = i + 1;
			break;
		case S_OPEN:
			c_open++;
			if (oldest_open == 0)
				oldest_open = i + 1;
			break;
		default:
			break;
		}
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	if ((f = fopen(tmp, "w")) == NULL) {
		perror(tmp);
		return;
	}
	fprintf(f, "connected=%ld failed=%u refused=%u open=%u oldest_open=%zu "
	    "newest_gone=%zu\n", (long)n - (long)c_fail, c_fail, c_ref,
	    c_open, oldest_open, newest_gone);
	if (fclose(f) != 0 || rename(tmp, file) != 0)
		perror(file);
}

int
main(int argc, char **argv)
{
	struct rlimit		 rl;
	struct pollfd		*pfd;
	struct sock		*socks;
	struct sigaction	 sa;
	const char		*addr = "127.0.0.1";
	char			*sources = NULL;
	const char		*ready_file = NULL;
	double			 t0, t, duration = 30, next_byte = 0;
	double			 t_batch = 0, t_settled = 0, cmin = 0, cmax = 0;
	long			 n = 0, port = 0, slow_ms = 0, batch = 100;
	size_t			 i, k, np, next = 0, sent_max = 0;
	unsigned		 c_fail = 0, c_ref = 0, c_closed = 0;
	unsigned		 c_open = 0, c_pending;
	int			 opt, err, ready = 0, snap_now = 0, queued;
	socklen_t		 len;
	char			 buf[4096];
	ssize_t			 r;

	while ((opt = getopt(argc, argv, "a:b:B:d:n:p:r:Rs:")) != -1) {
		switch (opt) {
		case 'a': addr = optarg; break;
		case 'b': sources = optarg; break;
		case 'B': batch = atol(optarg); break;
		case 'd': duration = atof(optarg); break;
		case 'n': n = atol(optarg); break;
		case 'p': port = atol(optarg); break;
		case 'r': ready_file = optarg; break;
		case 'R': reopen = 1; break;
		case 's': slow_ms = atol(optarg); break;
		default: usage();
		}
	}
	if (n <= 0 || port <= 0 || port > 65535 || duration <= 0 || batch <= 0)
		usage();
	if (set_addr(&dst, addr, port) != 0 ||
	    (sources != NULL && set_sources(sources) != 0))
		usage();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;	/* no SA_RESTART: poll returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	addr_len = dst.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in);

	/* One descriptor per connection, and a few to spare. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)n + 16) {
		fprintf(stderr, "sockhold: %ld connections need %ld file "
		    "descriptors, the limit is %lu\n", n, n + 16,
		    (unsigned long)rl.rlim_cur);
		return 3;
	}
	make_hello();
	socks = calloc((size_t)n, sizeof(*socks));
	pfd = calloc((size_t)n, sizeof(*pfd));
	if (socks == NULL || pfd == NULL) {
		perror("sockhold");
		return 1;
	}
	for (i = 0; i < (size_t)n; i++)
		socks[i].fd = -1;

	t0 = now_ms() / 1e3;
	for (;;) {
		t = now_ms() / 1e3;
		c_pending = c_open = 0;
		for (i = 0; i < next; i++) {
			if (socks[i].state == S_CONNECTING)
				c_pending++;
			else if (socks[i].state == S_OPEN)
				c_open++;
		}
		/* A batch that does not get up in time has failed. */
		if (c_pending > 0 && t - t_batch > CONNECT_S) {
			for (i = 0; i < next; i++)
				if (socks[i].state == S_CONNECTING &&
				    (!reopen || t - socks[i].t_conn > CONNECT_S))
					give_up(&socks[i]);
			c_pending = 0;
		}
		/* The next batch once the server has taken this one; the
		 * sockets are watched meanwhile. */
		queued = c_pending == 0 && t - t_batch < CONNECT_S &&
		    listen_queue() > 0;
		if (c_pending == 0 && !queued && next < (size_t)n) {
			t_batch = t;
			for (k = 0; k < (size_t)batch && next < (size_t)n; k++)
				try_connect(&socks[next++]);
			continue;
		}
		/* Say "ready" once all are up and settled. */
		if (c_pending == 0 && !queued && next == (size_t)n &&
		    t_settled == 0)
			t_settled = t + SETTLE_S;
		if (!ready && t_settled > 0 && t >= t_settled) {
			ready = 1;
			if (ready_file != NULL)
				write_ready(ready_file, socks, (size_t)n);
		}
		/* With -R, a turn may find every connection closed and
		 * reopened (the server closed them all at one deadline while
		 * this process waited for a CPU): none is open, all are
		 * connecting, and the flood goes on. */
		if ((ready && c_open == 0 && !reopen) || t - t0 >= duration)
			break;

		/* Trickle the ClientHello, one byte to each per tick. */
		if (slow_ms > 0 && t >= next_byte) {
			next_byte = t + (double)slow_ms / 1000;
			for (i = 0; i < next; i++) {
				struct sock *s = &socks[i];

				if (s->state != S_OPEN || s->sent >= hello_len)
					continue;
				if (send(s->fd, hello + s->sent, 1,
				    MSG_NOSIGNAL | MSG_DONTWAIT) == 1)
					s->sent++;
				else if (errno != EAGAIN)
					server_closed(s, t);
			}
		}

		np = 0;
		for (i = 0; i < next; i++) {
			if (socks[i].state != S_CONNECTING &&
			    socks[i].state != S_OPEN)
				continue;
			pfd[np].fd = socks[i].fd;
			pfd[np].events = socks[i].state == S_CONNECTING ?
			    POLLOUT : POLLIN;
			pfd[np].revents = 0;
			np++;
		}
		if (poll(pfd, np, snap_now ? 0 : 20) == -1 && errno != EINTR) {
			perror("sockhold: poll");
			return 1;
		}
		t = now_ms() / 1e3;
		for (i = 0, k = 0; i < next && k < np; i++) {
			struct sock *s = &socks[i];

			if (s->state != S_CONNECTING && s->state != S_OPEN)
				continue;
			if (pfd[k++].revents == 0)
				continue;
			if (s->state == S_CONNECTING) {
				len = sizeof(err);
				if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR,
				    &err, &len) == -1)
					err = errno;
				if (err == ECONNRESET) {
					/* accepted and reset at once */
					s->t_conn = t;
					server_closed(s, t);
					continue;
				}
				if (err != 0) {
					give_up(s);
					continue;
				}
				s->state = S_OPEN;
				s->t_conn = t;
				continue;
			}
			/* Anything the server says is drained; EOF is a close. */
			while ((r = recv(s->fd, buf, sizeof(buf),
			    MSG_DONTWAIT)) > 0)
				;
			if (r == 0 || (errno != EAGAIN && errno != EINTR))
				server_closed(s, t);
		}
		/* A SIGUSR1's snapshot is written after a poll begun after
		 * it: what the server did before it is in. */
		if (snap_now && ready_file != NULL)
			write_ready(ready_file, socks, (size_t)n);
		snap_now = 0;
		if (ready && snapshot) {
			snapshot = 0;
			snap_now = 1;
		}
	}

	c_fail = c_ref = c_closed = c_open = 0;
	for (i = 0; i < (size_t)n; i++) {
		struct sock *s = &socks[i];

		if (s->sent > sent_max)
			sent_max = s->sent;
		switch (s->state) {
		case S_UNTRIED:
		case S_FAILED:
			c_fail++;
			break;
		case S_REFUSED:
			c_ref++;
			break;
		case S_CLOSED:
			if (c_closed == 0 || s->age < cmin)
				cmin = s->age;
			if (c_closed == 0 || s->age > cmax)
				cmax = s->age;
			c_closed++;
			break;
		default:
			c_open++;
			break;
		}
	}
	printf("opened=%ld connected=%ld failed=%u refused=%u closed=%u "
	    "close_min=%.2f close_max=%.2f still_open=%u sent_max=%zu "
	    "reopened=%lu\n", n, n - (long)c_fail, c_fail, c_ref, c_closed,
	    cmin, cmax, c_open, sent_max, reopened);
	free(socks);
	free(pfd);
	return 0;
}
