/* SPDX-License-Identifier: ISC */
/*
 * oldserver.c: stands in for the cmappserver of the first release, which
 * speaks protocol version 1 only, for tests/e2e/35_version_window.sh: a
 * new cmappmgr must still serve a guest not upgraded yet.  It answers a
 * HELLO of any other version as that release's on_hello() does (ERROR
 * PERR_VERSION "protocol version V is not spoken here (cmappserver
 * VERSION speaks version 1)", then the close), and after a HELLO of
 * version 1 serves, with version 1's frames only:
 *   START      STARTED (launched, pid 4242), a line of OUTPUT, EXIT with
 *              the exit code of -code; the close once EXIT_ACK is read
 *   LIST       one LIST_ENTRY (running, 2 managers attached), LIST_END;
 *              with -managers also the LIST_MANAGER frames, which that
 *              release sent without a version of their own; -peer
 *              names the first manager so (any bytes, for -list -json)
 *   HEARTBEAT  HEARTBEAT_ACK
 * With -hangup it answers a HELLO of any version with that version and
 * closes the connection (a server that fails right after its HELLO).
 * No process is run: the test is about what the manager makes of the
 * link.  One connection at a time, on 127.0.0.1.
 *
 *   oldserver -port N -key FILE -keypw PW -trust FILE [-code N] [-managers]
 *             [-peer PEER] [-hangup]
 *
 * Prints "listening" once it accepts, then "HELLO version=V" for each
 * HELLO it gets and "closed" for each connection it ends.  Runs until
 * killed; exits 2 on a usage or set-up error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "proto.h"
#include "tls.h"

#define OLD_AGENT	"cmappserver 0.1.0"	/* a release of version 1 */
#define OLD_RUN		0x0123456789abcdefULL
#define OLD_PID		4242
#define OLD_IDLE_S	10	/* a silent manager is closed */

static uint8_t	in[PROTO_MAX_FRAME];

static int
send_msg(SSL *ssl, const struct proto_msg *m)
{
	static uint8_t	buf[PROTO_MAX_FRAME];
	ssize_t		n = proto_encode(m, buf, sizeof(buf));

	if (n < 0)
		return -1;
	return SSL_write(ssl, buf, (int)n) == (int)n ? 0 : -1;
}

/* Reads exactly len bytes; -1 on the end of the stream or an error. */
static int
read_full(SSL *ssl, uint8_t *p, size_t len)
{
	size_t	off = 0;
	int	r;

	while (off < len) {
		if ((r = SSL_read(ssl, p + off, (int)(len - off))) <= 0)
			return -1;
		off += (size_t)r;
	}
	return 0;
}

/* The next frame into *m (strings point into in[]); -1 when there is
 * none, or it is not one of the protocol's. */
static int
recv_msg(SSL *ssl, struct proto_msg *m)
{
	struct proto_hdr	h;

	if (read_full(ssl, in, PROTO_HDR_LEN) != 0 ||
	    proto_decode_header(in, PROTO_HDR_LEN, &h) != 0 ||
	    read_full(ssl, in + PROTO_HDR_LEN, h.len) != 0 ||
	    proto_decode(h.type, in + PROTO_HDR_LEN, h.len, m) != 0)
		return -1;
	return 0;
}

static void
send_list(SSL *ssl, int managers, const char *peer)
{
	static struct proto_msg	m;	/* large: keep it off the stack */
	static const char	*argv[] = { "/bin/sleep", "100" };
	const char		*peers[] = { "127.0.0.1:40001",
				    "127.0.0.1:40002" };
	int			 i;

	memset(&m, 0, sizeof(m));
	m.type = MSG_LIST_ENTRY;
	m.u.entry.run_id = OLD_RUN;
	m.u.entry.pid = OLD_PID;
	m.u.entry.state = RUN_RUNNING;
	m.u.entry.since = (uint64_t)time(NULL) - 65;
	m.u.entry.managers = 2;
	m.u.entry.argc = 2;
	for (i = 0; i < 2; i++) {
		m.u.entry.argv[i].p = (const uint8_t *)argv[i];
		m.u.entry.argv[i].len = (uint16_t)strlen(argv[i]);
	}
	send_msg(ssl, &m);
	if (peer != NULL)
		peers[0] = peer;
	for (i = 0; managers && i < 2; i++) {
		memset(&m, 0, sizeof(m));
		m.type = MSG_LIST_MANAGER;
		m.u.manager.run_id = OLD_RUN;
		m.u.manager.since = (uint64_t)time(NULL) - 60 - i;
		m.u.manager.peer.p = (const uint8_t *)peers[i];
		m.u.manager.peer.len = (uint16_t)strlen(peers[i]);
		send_msg(ssl, &m);
	}
	memset(&m, 0, sizeof(m));
	m.type = MSG_LIST_END;
	m.u.list_end.count = 1;
	send_msg(ssl, &m);
}

static void
send_run(SSL *ssl, const struct proto_msg *start, int code)
{
	struct proto_msg	m;
	char			line[256];

	memset(&m, 0, sizeof(m));
	m.type = MSG_STARTED;
	m.u.started.run_id = OLD_RUN;
	m.u.started.pid = OLD_PID;
	m.u.started.how = STARTED_LAUNCHED;
	send_msg(ssl, &m);
	snprintf(line, sizeof(line), "the old server ran %.*s\n",
	    (int)start->u.start.argv[0].len,
	    (const char *)start->u.start.argv[0].p);
	memset(&m, 0, sizeof(m));
	m.type = MSG_OUTPUT;
	m.u.output.run_id = OLD_RUN;
	m.u.output.stream = STREAM_STDOUT;
	m.u.output.data.p = (const uint8_t *)line;
	m.u.output.data.len = (uint16_t)strlen(line);
	send_msg(ssl, &m);
	memset(&m, 0, sizeof(m));
	m.type = MSG_EXIT;
	m.u.exit.run_id = OLD_RUN;
	m.u.exit.how = EXIT_CODE;
	m.u.exit.value = code;
	send_msg(ssl, &m);
}

/* One manager's connection, until it or we end it. */
static void
serve(SSL *ssl, int code, int managers, const char *peer, int hangup)
{
	static struct proto_msg	m;
	struct proto_msg	reply;
	char			why[PROTO_MAX_TEXT];
	int			hello = 0;

	while (recv_msg(ssl, &m) == 0) {
		if (!hello && m.type != MSG_HELLO) {
			snprintf(why, sizeof(why), "expected HELLO, got %s",
			    proto_type_name(m.type));
			proto_error(&reply, PERR_BADMSG, why);
			send_msg(ssl, &reply);
			return;
		}
		switch (m.type) {
		case MSG_HELLO:
			printf("HELLO version=%u\n", m.u.hello.version);
			if (hangup) {
				proto_hello(&reply, m.u.hello.version,
				    OLD_AGENT);
				send_msg(ssl, &reply);
				return;
			}
			if (m.u.hello.version != 1) {
				snprintf(why, sizeof(why), "protocol version "
				    "%u is not spoken here (%s speaks version "
				    "1)", m.u.hello.version, OLD_AGENT);
				proto_error(&reply, PERR_VERSION, why);
				send_msg(ssl, &reply);
				return;
			}
			hello = 1;
			proto_hello(&reply, 1, OLD_AGENT);
			send_msg(ssl, &reply);
			break;
		case MSG_HEARTBEAT:
			memset(&reply, 0, sizeof(reply));
			reply.type = MSG_HEARTBEAT_ACK;
			reply.u.heartbeat.seq = m.u.heartbeat.seq;
			send_msg(ssl, &reply);
			break;
		case MSG_START:
			send_run(ssl, &m, code);
			break;
		case MSG_EXIT_ACK:
			return;		/* delivered: the close says so */
		case MSG_LIST:
			send_list(ssl, managers, peer);
			break;
		case MSG_DETACH:
			break;
		default:
			snprintf(why, sizeof(why), "unexpected %s frame",
			    proto_type_name(m.type));
			proto_error(&reply, PERR_BADMSG, why);
			send_msg(ssl, &reply);
			return;
		}
	}
}

int
main(int argc, char **argv)
{
	struct conf_store	 key = { 0 }, trust = { 0 };
	struct sockaddr_in	 sa = { .sin_family = AF_INET };
	struct timeval		 tv = { OLD_IDLE_S, 0 };
	SSL_CTX			*ctx;
	SSL			*ssl;
	char			 err[512];
	int			 port = 0, code = 0, managers = 0, lfd, fd;
	int			 hangup = 0;
	const char		*peer = NULL;
	int			 on = 1, a;

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "-managers") == 0)
			managers = 1;
		else if (strcmp(argv[a], "-hangup") == 0)
			hangup = 1;
		else if (strcmp(argv[a], "-peer") == 0 && a + 1 < argc) {
			peer = argv[++a];
			managers = 1;
		} else if (a + 1 >= argc)
			break;
		else if (strcmp(argv[a], "-port") == 0)
			port = atoi(argv[++a]);
		else if (strcmp(argv[a], "-code") == 0)
			code = atoi(argv[++a]);
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
	if (a < argc || port <= 0 || port > 65535 || code < 0 || code > 255) {
		fprintf(stderr, "usage: oldserver -port N -key FILE -keypw PW "
		    "-trust FILE [-code N] [-managers] [-peer PEER] "
		    "[-hangup]\n");
		return 2;
	}
	tls_init(1);
	if ((ctx = tls_ctx_new(TLS_SERVER, &key, &trust, err, sizeof(err)))
	    == NULL) {
		fprintf(stderr, "oldserver: %s\n", err);
		return 2;
	}
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(lfd, 16) == -1) {
		fprintf(stderr, "oldserver: cannot listen on port %d: %s\n",
		    port, strerror(errno));
		return 2;
	}
	printf("listening\n");
	for (;;) {
		if ((fd = accept(lfd, NULL, NULL)) == -1)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		ERR_clear_error();
		if ((ssl = SSL_new(ctx)) != NULL && SSL_set_fd(ssl, fd) &&
		    SSL_accept(ssl) == 1) {
			serve(ssl, code, managers, peer, hangup);
			SSL_shutdown(ssl);
		}
		printf("closed\n");
		SSL_free(ssl);
		close(fd);
	}
}
