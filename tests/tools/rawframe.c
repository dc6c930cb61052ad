/* SPDX-License-Identifier: ISC */
/*
 * rawframe.c: a test client that completes the mutual TLS handshake with
 * cmappserver as a manager does, then writes whatever bytes it is given,
 * so that the end-to-end tests can send the frames no real cmappmgr sends:
 * a frame before HELLO, another version, an unknown type, an oversized
 * header, a body cut short.  It then prints each frame the server sent,
 * decoded with the protocol's own decoder, and whether the server closed
 * the connection.
 *
 *   rawframe -port N -key FILE -keypw PW -trust FILE [-nocert] [-hello]
 *            [-version V] [-eof] [-ack] [-wait MS] [-until TYPE[:N]] [HEX...]
 *
 * -hello sends a valid HELLO first, of protocol version V (by default our
 * newest; 1 plays a manager of the first release), and waits for the
 * server's; each HEX
 * argument is written as it is, one TLS record each; -eof then ends the
 * TCP stream (no TLS close_notify, as a peer that dies); -nocert presents
 * no client certificate; -ack answers each EXIT with its EXIT_ACK, as a
 * manager does; -until stops reading once the N-th (1st) frame of TYPE
 * (its name as printed, e.g. LIST_END) came, after 300 ms more for a
 * close that follows it, instead of waiting out -wait: a reply that comes
 * needs no fixed wait, which under valgrind is scaled six times.
 * Output lines:
 *   local ADDR:PORT             the address the server sees as its peer
 *   HELLO version=V agent=TEXT  (and ERROR code=C text=TEXT, STARTED
 *                               run=ID pid=P how=H, EXIT ..., LIST_ENTRY
 *                               run=ID managers=N, LIST_MANAGER run=ID
 *                               peer=P, LIST_END count=N, STATUS_REPLY
 *                               run=ID pid=P state=S how=H value=V,
 *                               STOPPED run=ID who=TEXT, LIST_INSTANCE
 *                               run=ID name=NAME, other types by name;
 *                               BAD HEX for an undecodable frame)
 *   closed: REASON              the server ended the connection
 *   open                        it was still open after -wait MS
 * Exits 0 once it has reported, 1 when the handshake or a write failed
 * (also printed), 2 on a usage or set-up error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "clock.h"
#include "proto.h"
#include "tls.h"

#define RAW_MAX_BYTES	(2 * PROTO_MAX_FRAME)	/* one HEX argument */

static uint8_t	in[PROTO_MAX_FRAME];
static size_t	in_len;
static SSL	*ack_ssl;	/* -ack: EXIT_ACK each EXIT on it */
static const char *until_type;	/* -until: the type that ends the wait */
static long	 until_left;	/* ... and how many more of it */

#define RAW_LINGER_MS	300	/* -until: a close right after the frame */

static int
hexdigit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* HEX into out; the byte count, or -1 for a bad digit, an odd length or
 * more than cap bytes. */
static long
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t	n = strlen(s), i;
	int	hi, lo;

	if (n % 2 != 0 || n / 2 > cap)
		return -1;
	for (i = 0; i < n / 2; i++) {
		if ((hi = hexdigit(s[2 * i])) < 0 ||
		    (lo = hexdigit(s[2 * i + 1])) < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(n / 2);
}

static void
print_str(const char *label, struct proto_str s)
{
	uint16_t	i;

	printf(" %s=", label);
	for (i = 0; i < s.len; i++)
		putchar(s.p[i] >= 0x20 && s.p[i] < 0x7f ? s.p[i] : '?');
}

static void
print_frame(const uint8_t *f, size_t len)
{
	struct proto_hdr	h;
	static struct proto_msg	m;
	size_t			i;

	if (proto_decode_header(f, len, &h) != 0 ||
	    proto_decode(h.type, f + PROTO_HDR_LEN, h.len, &m) != 0) {
		printf("BAD ");
		for (i = 0; i < len && i < 64; i++)
			printf("%02x", f[i]);
		printf("\n");
		return;
	}
	printf("%s", proto_type_name(m.type));
	if (until_type != NULL && until_left > 0 &&
	    strcmp(proto_type_name(m.type), until_type) == 0)
		until_left--;
	switch (m.type) {
	case MSG_HELLO:
		printf(" version=%u", m.u.hello.version);
		print_str("agent", m.u.hello.agent);
		break;
	case MSG_ERROR:
		printf(" code=%u", m.u.error.code);
		print_str("text", m.u.error.text);
		break;
	case MSG_STARTED:
		printf(" run=%016llx pid=%u how=%u",
		    (unsigned long long)m.u.started.run_id, m.u.started.pid,
		    m.u.started.how);
		break;
	case MSG_EXIT:
		printf(" run=%016llx how=%u value=%d",
		    (unsigned long long)m.u.exit.run_id, m.u.exit.how,
		    m.u.exit.value);
		if (ack_ssl != NULL) {
			static uint8_t		ack[PROTO_HDR_LEN + 8];
			struct proto_msg	a = { .type = MSG_EXIT_ACK };

			a.u.attach.run_id = m.u.exit.run_id;
			if (proto_encode(&a, ack, sizeof(ack)) ==
			    (ssize_t)sizeof(ack) && SSL_write(ack_ssl, ack,
			    (int)sizeof(ack)) == (int)sizeof(ack))
				printf(" (acknowledged)");
		}
		break;
	case MSG_STATUS_REPLY:
		printf(" run=%016llx pid=%u state=%u how=%u value=%d",
		    (unsigned long long)m.u.status.run_id, m.u.status.pid,
		    m.u.status.state, m.u.status.exit_how,
		    m.u.status.exit_value);
		break;
	case MSG_STOPPED:
		printf(" run=%016llx", (unsigned long long)m.u.stopped.run_id);
		print_str("who", m.u.stopped.who);
		break;
	case MSG_LIST_INSTANCE:
		printf(" run=%016llx", (unsigned long long)m.u.instance.run_id);
		print_str("name", m.u.instance.name);
		break;
	case MSG_LIST_ENTRY:
		printf(" run=%016llx managers=%u",
		    (unsigned long long)m.u.entry.run_id, m.u.entry.managers);
		break;
	case MSG_LIST_MANAGER:
		printf(" run=%016llx", (unsigned long long)m.u.manager.run_id);
		print_str("peer", m.u.manager.peer);
		break;
	case MSG_LIST_END:
		printf(" count=%u", m.u.list_end.count);
		break;
	default:
		break;
	}
	printf("\n");
	fflush(stdout);
}

/* Prints the whole frames gathered in in[]; -1 for a header that cannot
 * be a frame (it is printed as BAD and the rest is dropped). */
static int
drain_frames(void)
{
	struct proto_hdr	h;
	size_t			n;

	while (in_len >= PROTO_HDR_LEN) {
		if (proto_decode_header(in, in_len, &h) != 0) {
			print_frame(in, in_len);
			in_len = 0;
			return -1;
		}
		n = PROTO_HDR_LEN + h.len;
		if (in_len < n)
			break;
		print_frame(in, n);
		memmove(in, in + n, in_len - n);
		in_len -= n;
	}
	return 0;
}

/*
 * Reads and prints frames until the server closes, the deadline passes,
 * or (first) the first whole frames came, such as the answer to HELLO.
 * 1: closed, printed; 0: still open.
 */
static int
read_frames(SSL *ssl, int fd, int64_t deadline, int first)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	char		why[256];
	int		r, e, left;

	for (;;) {
		/* Once set, the earlier deadline is never moved again. */
		if (!first && until_type != NULL && until_left == 0 &&
		    deadline > now_ms() + RAW_LINGER_MS)
			deadline = now_ms() + RAW_LINGER_MS;
		if (SSL_pending(ssl) == 0) {
			left = (int)(deadline - now_ms());
			if (left <= 0)
				return 0;
			if (poll(&pfd, 1, left) == -1 && errno != EINTR)
				return 0;
			if (pfd.revents == 0)
				continue;
		}
		ERR_clear_error();
		r = SSL_read(ssl, in + in_len, (int)(sizeof(in) - in_len));
		if (r > 0) {
			in_len += (size_t)r;
			if (drain_frames() != 0) {
				printf("closed: not a frame header\n");
				return 1;
			}
			if (first && in_len == 0)
				return 0;
			continue;
		}
		e = SSL_get_error(ssl, r);
		if (e == SSL_ERROR_WANT_READ)
			continue;
		if (e == SSL_ERROR_ZERO_RETURN)
			snprintf(why, sizeof(why), "TLS close_notify");
		else if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
			snprintf(why, sizeof(why), "%s", r == 0 || errno == 0 ?
			    "end of stream" : strerror(errno));
		else
			tls_error(ssl, r, why, sizeof(why));
		if (in_len > 0)
			printf("partial frame of %zu bytes\n", in_len);
		printf("closed: %s\n", why);
		return 1;
	}
}

int
main(int argc, char **argv)
{
	struct conf_store	 key = { 0 }, trust = { 0 };
	struct sockaddr_in	 sa = { .sin_family = AF_INET }, me;
	socklen_t		 melen = sizeof(me);
	struct proto_msg	 m;
	static uint8_t		 buf[RAW_MAX_BYTES];
	SSL_CTX			*ctx;
	SSL			*ssl;
	char			 err[512], addr[INET_ADDRSTRLEN];
	long			 n;
	int			 port = 0, nocert = 0, hello = 0, eof = 0;
	int			 ack = 0;
	int			 wait_ms = 3000, fd, on = 1, a, r;
	long			 version = PROTO_VERSION;

	signal(SIGPIPE, SIG_IGN);	/* a server hanging up is a result */
	/* Each line out at once: LeakSanitizer's exit does not flush stdio,
	 * and the last line is the result. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (a = 1; a < argc && argv[a][0] == '-'; a++) {
		if (strcmp(argv[a], "-nocert") == 0)
			nocert = 1;
		else if (strcmp(argv[a], "-hello") == 0)
			hello = 1;
		else if (strcmp(argv[a], "-eof") == 0)
			eof = 1;
		else if (strcmp(argv[a], "-ack") == 0)
			ack = 1;
		else if (a + 1 >= argc)
			break;
		else if (strcmp(argv[a], "-port") == 0)
			port = atoi(argv[++a]);
		else if (strcmp(argv[a], "-wait") == 0)
			wait_ms = atoi(argv[++a]);
		else if (strcmp(argv[a], "-until") == 0) {
			char	*count;

			until_type = argv[++a];
			until_left = 1;
			if ((count = strchr(argv[a], ':')) != NULL) {
				*count++ = '\0';
				until_left = atol(count);
			}
		} else if (strcmp(argv[a], "-version") == 0)
			version = atol(argv[++a]);
		else if (strcmp(argv[a], "-key") == 0)
			snprintf(key.path, sizeof(key.path), "%s", argv[++a]);
		else if (strcmp(argv[a], "-keypw") == 0)
			snprintf(key.password, sizeof(key.password), "%s",
			    argv[++a]);
		else if (strcmp(argv[a], "-trust") == 0)
			snprintf(trust.path, sizeof(trust.path), "%s",
			    argv[++a]);
		else
			break;
	}
	if (port <= 0 || port > 65535 || wait_ms < 0 || version < 0 ||
	    (until_type != NULL && until_left <= 0) ||
	    version > UINT16_MAX || (a < argc && argv[a][0] == '-')) {
		fprintf(stderr, "usage: rawframe -port N -key FILE -keypw PW "
		    "-trust FILE [-nocert] [-hello] [-version V] [-eof] "
		    "[-ack] [-wait MS] [-until TYPE[:N]] [HEX...]\n");
		return 2;
	}
	if ((ctx = tls_ctx_new(TLS_CLIENT, &key, &trust, err, sizeof(err)))
	    == NULL) {
		fprintf(stderr, "rawframe: %s\n", err);
		return 2;
	}
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		printf("cannot connect: %s\n", strerror(errno));
		return 1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	getsockname(fd, (struct sockaddr *)&me, &melen);
	printf("local %s:%u\n", inet_ntop(AF_INET, &me.sin_addr, addr,
	    sizeof(addr)), ntohs(me.sin_port));
	fflush(stdout);
	if ((ssl = SSL_new(ctx)) == NULL || !SSL_set_fd(ssl, fd)) {
		fprintf(stderr, "rawframe: SSL_new failed\n");
		return 2;
	}
	if (nocert)
		SSL_certs_clear(ssl);
	ERR_clear_error();
	if ((r = SSL_connect(ssl)) != 1) {
		tls_error(ssl, r, err, sizeof(err));
		printf("handshake failed: %s\n", err);
		return 1;
	}
	printf("handshake done\n");
	fflush(stdout);
	if (ack)
		ack_ssl = ssl;
	if (hello) {
		proto_hello(&m, (uint16_t)version, "rawframe");
		n = proto_encode(&m, buf, sizeof(buf));
		if (n <= 0 || SSL_write(ssl, buf, (int)n) != (int)n) {
			printf("cannot write HELLO\n");
			return 1;
		}
		if (read_frames(ssl, fd, now_ms() + wait_ms, 1))
			goto out;
	}
	for (; a < argc; a++) {
		if ((n = unhex(argv[a], buf, sizeof(buf))) < 0) {
			fprintf(stderr, "rawframe: not hex: %.40s\n", argv[a]);
			return 2;
		}
		ERR_clear_error();
		if (n > 0 && SSL_write(ssl, buf, (int)n) != (int)n) {
			tls_error(ssl, -1, err, sizeof(err));
			printf("write failed: %s\n", err);
			read_frames(ssl, fd, now_ms() + wait_ms, 0);
			return 1;
		}
	}
	if (eof)
		shutdown(fd, SHUT_WR);
	if (!read_frames(ssl, fd, now_ms() + wait_ms, 0))
		printf("open\n");
out:
	/* Under ASan a leak is a report, which fails the test. */
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	return 0;
}
