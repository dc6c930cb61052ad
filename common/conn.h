/* SPDX-License-Identifier: ISC */
/*
 * conn.h: one framed TLS connection on a libuv TCP stream, for both sides.
 * OpenSSL works over two memory BIOs; this module pumps ciphertext between
 * them and the socket, decodes frames with proto.c and hands each one to
 * its owner.  Any bad frame closes the connection with a reason.
 */
#ifndef CMAPP_CONN_H
#define CMAPP_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>
#include <openssl/ssl.h>

#include "proto.h"
#include "reader.h"

#define CONN_READ_CHUNK		4096	/* ciphertext read at a time */
#define CONN_RBUF_MIN		4096	/* plaintext buffer, grown for a
					   big frame up to PROTO_MAX_FRAME */
#define CONN_CLOSE_GRACE_MS	2000	/* time to flush a last frame */
/* Queued bytes beyond which the peer is dropped as not reading: replies
 * must not pile up without bound for a peer that only sends.  Above the
 * largest honest burst: a LIST of 94 entries of the longest argv. */
#define CONN_MAX_QUEUED		(8 * 1024 * 1024)

enum conn_why {
	CONN_EOF,	/* the peer closed the connection */
	CONN_IO,	/* a socket error: refused, reset, unreachable */
	CONN_AUTH,	/* a certificate was refused, by us or the peer */
	CONN_TLS,	/* any other TLS failure (e.g. plaintext on the port) */
	CONN_PROTO,	/* a malformed, oversized or unknown frame */
	CONN_TIMEOUT,	/* the deadline set with conn_deadline passed */
	CONN_LOCAL,	/* closed by conn_close */
};

struct conn;

struct conn_ops {
	void	(*ready)(struct conn *);	/* handshake complete */
	void	(*frame)(struct conn *, const struct proto_msg *);
	/* Last call: the connection is freed when this returns. */
	void	(*closed)(struct conn *, enum conn_why, const char *reason);
};

struct conn {
	uv_tcp_t		 tcp;
	uv_timer_t		 timer;
	uv_connect_t		 creq;
	uv_shutdown_t		 sreq;
	SSL			*ssl;
	BIO			*rbio, *wbio;
	const struct conn_ops	*ops;
	void			*data;		/* the owner's */
	int			 state;
	int			 handles;	/* open libuv handles */
	unsigned		 idle_ms;	/* re-armed on every frame */
	unsigned		 tls_ms;	/* client: the handshake's time */
	const char		*tls_what;	/* and what its end is called */
	uint16_t		 version;	/* settled at HELLO, 0 before */
	enum conn_why		 why;
	char			 reason[256];
	char			 peer[64];	/* "addr:port" */
	/* Small while frames are: every connection, idle or not, costs
	 * what this struct and its reader's buffer cost. */
	struct reader		 in;
	char			 chunk[CONN_READ_CHUNK];
};

/* Allocates a connection; NULL when out of memory. */
struct conn *conn_new(uv_loop_t *loop, SSL_CTX *ctx, const struct conn_ops *,
	    void *data);
/* Server side: takes fd, a connection accept(2)ed and found within the
 * caps, and starts the handshake; 0, or -errno and fd is the caller's. */
int	conn_open_fd(struct conn *c, int fd);
/* Client side: connect and start the handshake.  A deadline set before
 * the connection is up covers the TCP connect only. */
int	conn_connect(struct conn *c, const struct sockaddr *sa);
/* Client side, before conn_connect: once connected, the TLS handshake
 * gets ms (0: no limit), and then the connection ends, its reason what
 * (a string that outlives c). */
void	conn_tls_deadline(struct conn *c, unsigned ms, const char *what);
/* Closes after ms unless re-armed (0: no deadline); what names what was
 * awaited. */
void	conn_deadline(struct conn *c, unsigned ms, const char *what);
/* With ms > 0 every received frame re-arms a deadline of ms. */
void	conn_idle(struct conn *c, unsigned ms);
/* "addr:port" of t's peer ("[addr]:port" for IPv6, a v4-mapped one as
 * v4) into buf; buf is left alone when there is no peer. */
void	conn_peer_text(uv_tcp_t *t, char *buf, size_t cap);
/* Queues m; -ENOTSUP, and nothing sent, for a type that the peer's
 * settled version (c->version, once the owner set it) lacks. */
int	conn_send(struct conn *c, const struct proto_msg *m);
size_t	conn_queued(const struct conn *c);
int	conn_is_open(const struct conn *c);
/* The TCP connection is up, the TLS handshake not done yet. */
int	conn_in_handshake(const struct conn *c);
/* Closes at once with a reset, flushing nothing: for a peer that has not
 * authenticated and is pushed out to make room. */
void	conn_abort(struct conn *c, enum conn_why why, const char *reason);
/* Flushes what is queued (bounded by CONN_CLOSE_GRACE_MS), then closes. */
void	conn_close(struct conn *c, enum conn_why why, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
