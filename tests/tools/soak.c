/* SPDX-License-Identifier: ISC */
/*
 * soak.c: the soak test's client.  Without a process per cycle, it runs
 * cycles against cmappserver, each a full TLS connection with HELLO, START
 * (attaching to the running service) and DETACH, then a clean close; with
 * -abort, it drops the connection without DETACH or TLS close, as a killed
 * manager does.  With -launch CODE, each cycle launches the command
 * instead, a short one that is not running (another run of it must have
 * been released): START, STARTED (launched), EXIT with exit code CODE,
 * EXIT_ACK, then the server's close, as cmappmgr ends a run; the server
 * spawns a cmapp-shim per cycle and releases it after the ACK.  Prints the
 * cycles done; exits 1 at the first failure.
 * With -flood N, one connection attaches, then sends N LIST requests with
 * a tiny receive buffer and never reads the answers, as a peer that tries
 * to make the server queue without bound; it prints "dropped" when the
 * server hung up on it before all were sent, else holds the connection
 * for 30 s and prints "kept".
 *
 *   soak [-abort | -launch CODE | -flood N] -n CYCLES -port N -key FILE
 *        -keypw PW -trust FILE CMD...
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "proto.h"
#include "tls.h"

static uint8_t	frame[PROTO_MAX_FRAME];

static int
send_msg(SSL *ssl, const struct proto_msg *m)
{
	ssize_t	n = proto_encode(m, frame, sizeof(frame));

	return n > 0 && SSL_write(ssl, frame, (int)n) == (int)n ? 0 : -1;
}

static int
read_full(SSL *ssl, uint8_t *p, size_t n)
{
	int	r;

	while (n > 0) {
		if ((r = SSL_read(ssl, p, (int)n)) <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Reads frames until one of type want; OUTPUT frames are skipped. */
static int
recv_msg(SSL *ssl, uint16_t want, struct proto_msg *m)
{
	struct proto_hdr	h;

	for (;;) {
		if (read_full(ssl, frame, PROTO_HDR_LEN) != 0 ||
		    proto_decode_header(frame, PROTO_HDR_LEN, &h) != 0 ||
		    read_full(ssl, frame + PROTO_HDR_LEN, h.len) != 0 ||
		    proto_decode(h.type, frame + PROTO_HDR_LEN, h.len, m) != 0)
			return -1;
		if (m->type == want)
			return 0;
		if (m->type != MSG_OUTPUT) {
			fprintf(stderr, "soak: got %s, wanted %s\n",
			    proto_type_name(m->type), proto_type_name(want));
			return -1;
		}
	}
}

/*
 * Sends LIST requests and reads nothing, until n are sent or the server
 * hangs up, then holds the connection (without reading) for 30 s so that
 * the test can look at the server meanwhile.  0: the server hung up.
 */
static int
flood(SSL *ssl, long n)
{
	struct proto_msg	m = { .type = MSG_LIST };
	long			i;

	for (i = 0; i < n; i++)
		if (send_msg(ssl, &m) != 0)
			return 0;
	sleep(30);
	return 1;
}

/*
 * After a launch's STARTED: its EXIT must carry exit code code; then the
 * ACK, and the server's close, which tells that the ACK was read.  0 if
 * all went so.
 */
static int
run_to_end(SSL *ssl, uint64_t run_id, int code)
{
	struct proto_msg	m;
	uint8_t			c;
	int			r;

	if (recv_msg(ssl, MSG_EXIT, &m) != 0)
		return -1;
	if (m.u.exit.run_id != run_id || m.u.exit.how != EXIT_CODE ||
	    m.u.exit.value != code) {
		fprintf(stderr, "soak: EXIT of run %016llx: how %u value %d, "
		    "wanted run %016llx exit code %d\n",
		    (unsigned long long)m.u.exit.run_id, m.u.exit.how,
		    (int)m.u.exit.value, (unsigned long long)run_id, code);
		return -1;
	}
	memset(&m, 0, sizeof(m));
	m.type = MSG_EXIT_ACK;
	m.u.attach.run_id = run_id;
	if (send_msg(ssl, &m) != 0)
		return -1;
	if ((r = SSL_read(ssl, &c, 1)) > 0) {
		fprintf(stderr, "soak: the server sent more after the EXIT\n");
		return -1;
	}
	/* A close_notify or a bare EOF: both are the server's close. */
	r = SSL_get_error(ssl, r);
	if (r != SSL_ERROR_ZERO_RETURN && r != SSL_ERROR_SYSCALL) {
		fprintf(stderr, "soak: no close after the EXIT_ACK (%d)\n", r);
		return -1;
	}
	ERR_clear_error();
	return 0;
}

static int
cycle(SSL_CTX *ctx, int port, char **argv, int argc, int abort_conn,
    long flood_n, int launch_code)
{
	struct sockaddr_in	 sa = { .sin_family = AF_INET };
	struct proto_msg	 m;
	SSL			*ssl = NULL;
	int			 fd, on = 1, i, r = -1, small = 4096;

	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		goto out;
	if (flood_n > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1)
		goto out;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	if ((ssl = SSL_new(ctx)) == NULL || !SSL_set_fd(ssl, fd) ||
	    SSL_connect(ssl) != 1)
		goto out;
	proto_hello(&m, PROTO_VERSION, "soak");
	if (send_msg(ssl, &m) != 0 || recv_msg(ssl, MSG_HELLO, &m) != 0)
		goto out;
	memset(&m, 0, sizeof(m));
	m.type = MSG_START;
	m.u.start.argc = (uint16_t)argc;
	for (i = 0; i < argc; i++) {
		m.u.start.argv[i].p = (const uint8_t *)argv[i];
		m.u.start.argv[i].len = (uint16_t)strlen(argv[i]);
	}
	if (send_msg(ssl, &m) != 0 || recv_msg(ssl, MSG_STARTED, &m) != 0)
		goto out;
	if (launch_code >= 0) {
		if (m.u.started.how != STARTED_LAUNCHED) {
			fprintf(stderr, "soak: START was answered with how %u, "
			    "not launched: a run of it was not released\n",
			    m.u.started.how);
			goto out;
		}
		r = run_to_end(ssl, m.u.started.run_id, launch_code);
		goto out;
	}
	if (m.u.started.how != STARTED_ATTACHED &&
	    m.u.started.how != STARTED_LAUNCHED) {
		fprintf(stderr, "soak: the service is not running\n");
		goto out;
	}
	if (flood_n > 0) {
		r = flood(ssl, flood_n);
		printf("%s\n", r == 0 ? "dropped" : "kept");
		goto out;
	}
	if (!abort_conn) {
		uint64_t id = m.u.started.run_id;

		memset(&m, 0, sizeof(m));
		m.type = MSG_DETACH;
		m.u.attach.run_id = id;
		if (send_msg(ssl, &m) != 0)
			goto out;
		SSL_shutdown(ssl);
	} else {
		struct linger lg = { 1, 0 };	/* RST, as a killed peer */
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	r = 0;
out:
	if (r != 0)
		ERR_print_errors_fp(stderr);
	SSL_free(ssl);
	if (fd != -1)
		close(fd);
	return r;
}

int
main(int argc, char **argv)
{
	struct conf_store	 key = { 0 }, trust = { 0 };
	SSL_CTX			*ctx;
	char			 err[512];
	long			 n = 0, i, flood_n = 0;
	int			 port = 0, abort_conn = 0, launch_code = -1, a, r;

	signal(SIGPIPE, SIG_IGN);	/* a server hanging up is a result */
	for (a = 1; a < argc && argv[a][0] == '-'; a++) {
		if (strcmp(argv[a], "-abort") == 0)
			abort_conn = 1;
		else if (a + 1 >= argc)
			break;
		else if (strcmp(argv[a], "-launch") == 0)
			launch_code = atoi(argv[++a]);
		else if (strcmp(argv[a], "-flood") == 0)
			flood_n = atol(argv[++a]);
		else if (strcmp(argv[a], "-n") == 0)
			n = atol(argv[++a]);
		else if (strcmp(argv[a], "-port") == 0)
			port = atoi(argv[++a]);
		else if (strcmp(argv[a], "-key") == 0)
			snprintf(key.path, sizeof(key.path), "%s", argv[++a]);
		else if (strcmp(argv[a], "-keypw") == 0)
			snprintf(key.password, sizeof(key.password), "%s",
			    argv[++a]);
		else if (strcmp(argv[a], "-trust") == 0)
			snprintf(trust.path, sizeof(trust.path), "%s",
			    argv[++a]);
	}
	if (n <= 0 || port <= 0 || a >= argc || argc - a > PROTO_MAX_ARGS ||
	    launch_code > 255 || (launch_code >= 0 && (abort_conn ||
	    flood_n > 0))) {
		fprintf(stderr, "usage: soak [-abort | -launch CODE | -flood N] "
		    "-n CYCLES -port N -key FILE -keypw PW -trust FILE "
		    "CMD...\n");
		return 2;
	}
	if ((ctx = tls_ctx_new(TLS_CLIENT, &key, &trust, err, sizeof(err)))
	    == NULL) {
		fprintf(stderr, "soak: %s\n", err);
		return 2;
	}
	if (flood_n > 0)
		r = cycle(ctx, port, argv + a, argc - a, 0, flood_n, -1) != 0;
	else {
		for (i = 0; i < n; i++)
			if (cycle(ctx, port, argv + a, argc - a, abort_conn, 0,
			    launch_code) != 0) {
				fprintf(stderr, "soak: cycle %ld failed\n",
				    i + 1);
				break;
			}
		printf("%ld\n", i);	/* the cycles done */
		r = i < n;
	}
	/* One way out, freeing ctx: under ASan a leak at exit is a report,
	 * which fails the test (48's flood ends here when it is dropped
	 * before the test kills it). */
	SSL_CTX_free(ctx);
	return r;
}
