/*
 * sockhold.c: the load tests' client (tests/e2e/50_idle_sockets.sh and
 * 51_slow_handshake.sh).  Opens many TCP connections to a server and holds
 * them, idle or trickling a TLS ClientHello one byte at a time, and
 * measures when the server closes each one.
 *
 *   sockhold -p PORT -n N [-a ADDR] [-b SOURCE] [-B BATCH] [-d SECONDS]
 *            [-s MS] [-r READY_FILE]
 *
 *   -a ADDR    the server's IPv4 or IPv6 address (127.0.0.1)
 *   -b SOURCE  bind the connections to this source address, of the same
 *              family (e.g. 127.0.0.2, so that they come from another peer
 *              than the manager)
 *   -B BATCH   connect this many at a time (100), each batch once the one
 *              before is up: a burst larger than the listen backlog would
 *              leave connections half-open in the kernel, accepted by the
 *              server only seconds later as SYN-ACKs are resent
 *   -d SECONDS give up after this long (30); it ends sooner once the server
 *              has closed every connection
 *   -s MS      send the next byte of a ClientHello every MS milliseconds
 *              (without -s the connections stay silent)
 *   -r FILE    once the connections are up and settled (1 s), write a line
 *              "connected=C failed=F refused=R open=O" to FILE
 *
 * At the end it prints one line of key=value pairs:
 *   opened connected failed     connections tried, up, never up
 *   refused                     reset or closed by the server within 1 s
 *   closed close_min close_max  closed later, and their ages in seconds
 *   still_open                  not closed by the server when it gave up
 *   sent_max                    most bytes any connection sent
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SETTLE_S	1.0	/* a refusal comes within this of connecting */
#define CONNECT_S	5.0	/* per batch */

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
static struct sockaddr_storage dst, src;	/* IPv4 or IPv6 */
static socklen_t	addr_len;
static int		bind_src;

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

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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
	fprintf(stderr, "usage: sockhold -p PORT -n N [-a ADDR] [-b SOURCE] "
	    "[-B BATCH] [-d SECONDS] [-s MS] [-r READY_FILE]\n");
	exit(2);
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
	if (bind_src && bind(fd, (struct sockaddr *)&src, addr_len) == -1) {
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
}

static void
give_up(struct sock *s)
{
	close(s->fd);
	s->fd = -1;
	s->state = S_FAILED;
}

int
main(int argc, char **argv)
{
	struct rlimit		 rl;
	struct pollfd		*pfd;
	struct sock		*socks;
	const char		*addr = "127.0.0.1", *source = NULL;
	const char		*ready_file = NULL;
	double			 t0, t, duration = 30, next_byte = 0;
	double			 t_batch = 0, t_settled = 0, cmin = 0, cmax = 0;
	long			 n = 0, port = 0, slow_ms = 0, batch = 100;
	size_t			 i, k, np, next = 0, sent_max = 0;
	unsigned		 c_fail = 0, c_ref = 0, c_closed = 0;
	unsigned		 c_open = 0, c_pending;
	int			 opt, err, ready = 0;
	socklen_t		 len;
	char			 buf[4096];
	ssize_t			 r;
	FILE			*f;

	while ((opt = getopt(argc, argv, "a:b:B:d:n:p:r:s:")) != -1) {
		switch (opt) {
		case 'a': addr = optarg; break;
		case 'b': source = optarg; bind_src = 1; break;
		case 'B': batch = atol(optarg); break;
		case 'd': duration = atof(optarg); break;
		case 'n': n = atol(optarg); break;
		case 'p': port = atol(optarg); break;
		case 'r': ready_file = optarg; break;
		case 's': slow_ms = atol(optarg); break;
		default: usage();
		}
	}
	if (n <= 0 || port <= 0 || port > 65535 || duration <= 0 || batch <= 0)
		usage();
	if (set_addr(&dst, addr, port) != 0 ||
	    (bind_src && (set_addr(&src, source, 0) != 0 ||
	    src.ss_family != dst.ss_family)))
		usage();
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

	t0 = now();
	for (;;) {
		t = now();
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
				if (socks[i].state == S_CONNECTING)
					give_up(&socks[i]);
			c_pending = 0;
		}
		if (c_pending == 0 && next < (size_t)n) {
			t_batch = t;
			for (k = 0; k < (size_t)batch && next < (size_t)n; k++)
				try_connect(&socks[next++]);
			continue;
		}
		/* Say "ready" once all are up and settled. */
		if (c_pending == 0 && t_settled == 0)
			t_settled = t + SETTLE_S;
		if (!ready && t_settled > 0 && t >= t_settled) {
			ready = 1;
			c_fail = c_ref = 0;
			for (i = 0; i < (size_t)n; i++) {
				c_fail += socks[i].state == S_FAILED;
				c_ref += socks[i].state == S_REFUSED;
			}
			if (ready_file != NULL &&
			    (f = fopen(ready_file, "w")) != NULL) {
				fprintf(f, "connected=%ld failed=%u refused=%u "
				    "open=%u\n", n - (long)c_fail, c_fail, c_ref,
				    c_open);
				fclose(f);
			}
		}
		if ((ready && c_open == 0) || t - t0 >= duration)
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
		if (poll(pfd, np, 20) == -1 && errno != EINTR) {
			perror("sockhold: poll");
			return 1;
		}
		t = now();
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
	    "close_min=%.2f close_max=%.2f still_open=%u sent_max=%zu\n",
	    n, n - (long)c_fail, c_fail, c_ref, c_closed, cmin, cmax, c_open,
	    sent_max);
	free(socks);
	free(pfd);
	return 0;
}
