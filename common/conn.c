/* SPDX-License-Identifier: ISC */
/*
 * conn.c: TLS over libuv with memory BIOs (see shared notes: flush the write
 * BIO after every SSL call, also after the final handshake flight and before
 * reporting a failure; loop SSL_read until it wants more; clear the error
 * queue before every SSL call).  Frames are decoded here, by proto_take(),
 * so that both sides get the same checks: header size first, then the exact
 * body layout.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/err.h>

#include "conn.h"
#include "tls.h"

enum { C_CONNECTING, C_HANDSHAKE, C_OPEN, C_CLOSING };

struct wreq {
	uv_write_t	req;
	size_t		len;
	char		data[];
};

static void	pump(struct conn *);

static void
handle_closed(uv_handle_t *h)
{
	struct conn	*c = h->data;

	if (--c->handles > 0)
		return;
	if (c->ops->closed != NULL)
		c->ops->closed(c, c->why, c->reason);
	SSL_free(c->ssl);
	reader_free(&c->in);
	free(c);
}

static void
close_now(struct conn *c)
{
	uv_timer_stop(&c->timer);
	if (!uv_is_closing((uv_handle_t *)&c->timer))
		uv_close((uv_handle_t *)&c->timer, handle_closed);
	if (!uv_is_closing((uv_handle_t *)&c->tcp))
		uv_close((uv_handle_t *)&c->tcp, handle_closed);
}

/*
 * Records why the connection ends; the first reason wins.  A dead socket is
 * closed at once; after a TLS or protocol failure the alert or ERROR frame
 * already queued is flushed first so the peer learns why.
 */
static void
end_with(struct conn *c, enum conn_why why, const char *reason)
{
	if (c->state == C_CLOSING)
		return;
	if (why == CONN_TLS || why == CONN_AUTH || why == CONN_PROTO) {
		conn_close(c, why, "%s", reason);
		return;
	}
	c->state = C_CLOSING;
	c->why = why;
	/* timer_fired passes c->reason itself: do not copy it onto itself. */
	if (reason != c->reason)
		snprintf(c->reason, sizeof(c->reason), "%s", reason);
	uv_read_stop((uv_stream_t *)&c->tcp);
	close_now(c);
}

static void
write_done(uv_write_t *req, int status)
{
	struct conn	*c = req->handle->data;

	free(req->data);
	if (status < 0 && status != UV_ECANCELED)
		end_with(c, CONN_IO, uv_strerror(status));
}

/* Moves whatever OpenSSL wrote into the memory BIO onto the socket. */
static int
flush(struct conn *c)
{
	struct wreq	*w;
	uv_buf_t	 b;
	size_t		 n;
	int		 r;

	while ((n = BIO_ctrl_pending(c->wbio)) > 0) {
		if ((w = malloc(sizeof(*w) + n)) == NULL)
			return -ENOMEM;
		w->len = (size_t)BIO_read(c->wbio, w->data, (int)n);
		w->req.data = w;
		b = uv_buf_init(w->data, (unsigned)w->len);
		if ((r = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1,
		    write_done)) != 0) {
			free(w);
			return r;
		}
	}
	return 0;
}

static void
timer_fired(uv_timer_t *t)
{
	struct conn	*c = t->data;

	if (c->state == C_CLOSING) {
		close_now(c);	/* the peer did not take our last bytes */
		return;
	}
	end_with(c, CONN_TIMEOUT, c->reason[0] ? c->reason : "timed out");
}

struct conn *
conn_new(uv_loop_t *loop, SSL_CTX *ctx, const struct conn_ops *ops,
    void *data)
{
	struct conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->ssl = SSL_new(ctx)) == NULL ||
	    (c->rbio = BIO_new(BIO_s_mem())) == NULL ||
	    (c->wbio = BIO_new(BIO_s_mem())) == NULL) {
		BIO_free(c->rbio);
		SSL_free(c->ssl);
		free(c);
		return NULL;
	}
	/* A memory BIO at EOF must say "retry", not "end of stream". */
	BIO_set_mem_eof_return(c->rbio, -1);
	SSL_set_bio(c->ssl, c->rbio, c->wbio);
	c->ops = ops;
	c->data = data;
	reader_init(&c->in, CONN_RBUF_MIN, PROTO_MAX_BODY);
	uv_tcp_init(loop, &c->tcp);
	uv_timer_init(loop, &c->timer);
	c->tcp.data = c->timer.data = c;
	c->handles = 2;
	snprintf(c->peer, sizeof(c->peer), "?");
	return c;
}

static void
alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct conn	*c = h->data;

	(void)hint;
	*b = uv_buf_init(c->chunk, sizeof(c->chunk));
}

static void
read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct conn	*c = s->data;

	if (n == UV_EOF) {
		/* A frame cut short is a bad peer, said as such; a clean
		 * end between frames is not. */
		if (c->state == C_OPEN && reader_held(&c->in) > 0)
			end_with(c, CONN_PROTO, "connection closed in the "
			    "middle of a frame");
		else
			end_with(c, CONN_EOF, "connection closed by the peer");
		return;
	}
	if (n < 0) {
		end_with(c, CONN_IO, uv_strerror((int)n));
		return;
	}
	if (n > 0 && BIO_write(c->rbio, b->base, (int)n) != (int)n) {
		end_with(c, CONN_IO, "out of memory");
		return;
	}
	pump(c);
}

void
conn_peer_text(uv_tcp_t *t, char *buf, size_t cap)
{
	struct sockaddr_storage	ss;
	int			len = sizeof(ss);
	char			host[INET6_ADDRSTRLEN];
	int			port = 0;

	if (uv_tcp_getpeername(t, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		uv_ip6_name(s6, host, sizeof(host));
		port = ntohs(s6->sin6_port);
		/* Show v4-mapped peers of a dual-stack listener as v4. */
		if (strncmp(host, "::ffff:", 7) == 0 && strchr(host + 7, ':')
		    == NULL)
			memmove(host, host + 7, strlen(host + 7) + 1);
		else {
			snprintf(buf, cap, "[%s]:%d", host, port);
			return;
		}
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		uv_ip4_name(s4, host, sizeof(host));
		port = ntohs(s4->sin_port);
	}
	snprintf(buf, cap, "%s:%d", host, port);
}

static void
start(struct conn *c)
{
	int	r;

	uv_tcp_nodelay(&c->tcp, 1);
	conn_peer_text(&c->tcp, c->peer, sizeof(c->peer));
	c->state = C_HANDSHAKE;
	if ((r = uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb))
	    != 0) {
		end_with(c, CONN_IO, uv_strerror(r));
		return;
	}
	pump(c);
}

int
conn_open_fd(struct conn *c, int fd)
{
	int	r;

	if ((r = uv_tcp_open(&c->tcp, fd)) != 0)
		return r;
	SSL_set_accept_state(c->ssl);
	start(c);
	return 0;
}

static void
connect_cb(uv_connect_t *req, int status)
{
	struct conn	*c = req->data;

	if (c->state == C_CLOSING)
		return;
	if (status < 0) {
		end_with(c, CONN_IO, uv_strerror(status));
		return;
	}
	/* A deadline set while connecting was for the connect alone. */
	conn_deadline(c, c->tls_ms, c->tls_what);
	SSL_set_connect_state(c->ssl);
	start(c);
}

void
conn_tls_deadline(struct conn *c, unsigned ms, const char *what)
{
	c->tls_ms = ms;
	c->tls_what = what;
}

int
conn_connect(struct conn *c, const struct sockaddr *sa)
{
	c->state = C_CONNECTING;
	c->creq.data = c;
	return uv_tcp_connect(&c->creq, &c->tcp, sa, connect_cb);
}

void
conn_deadline(struct conn *c, unsigned ms, const char *what)
{
	if (c->state == C_CLOSING)
		return;
	if (ms == 0) {
		uv_timer_stop(&c->timer);
		c->reason[0] = '\0';
		return;
	}
	snprintf(c->reason, sizeof(c->reason), "%s", what);
	uv_timer_start(&c->timer, timer_fired, ms, 0);
}

void
conn_idle(struct conn *c, unsigned ms)
{
	c->idle_ms = ms;
	if (ms > 0)
		conn_deadline(c, ms, "idle deadline passed");
}

/* Tells the peer what was wrong with its frame, then drops it. */
static void
bad_frame(struct conn *c, const char *why)
{
	struct proto_msg	m;

	proto_error(&m, PERR_BADMSG, why);
	conn_send(c, &m);
	end_with(c, CONN_PROTO, why);
}

/* Hands every complete frame read to the owner. */
static void
frames(struct conn *c)
{
	struct proto_msg	m;
	ssize_t			n;
	char			why[128];

	while (c->state == C_OPEN) {
		n = reader_take(&c->in, NULL, &m, why, sizeof(why));
		if (n == 0)
			break;
		if (n < 0) {
			bad_frame(c, why);
			return;
		}
		if (c->idle_ms > 0)
			conn_deadline(c, c->idle_ms, "idle deadline passed");
		c->ops->frame(c, &m);
	}
}

static void
tls_fail(struct conn *c, int ret)
{
	char	why[TLS_MAX_ERROR];
	int	auth;

	auth = tls_error(c->ssl, ret, why, sizeof(why));
	flush(c);	/* the alert tells the peer why */
	end_with(c, auth ? CONN_AUTH : CONN_TLS, why);
}

static void
pump(struct conn *c)
{
	uint8_t	*room;
	size_t	 cap;
	int	 r, e;

	if (c->state == C_HANDSHAKE) {
		ERR_clear_error();
		r = SSL_do_handshake(c->ssl);
		if (flush(c) != 0) {
			end_with(c, CONN_IO, "cannot write");
			return;
		}
		if (r != 1) {
			e = SSL_get_error(c->ssl, r);
			if (e == SSL_ERROR_WANT_READ)
				return;
			tls_fail(c, r);
			return;
		}
		c->state = C_OPEN;
		if (c->tls_ms > 0)
			conn_deadline(c, 0, NULL);
		c->ops->ready(c);
	}
	while (c->state == C_OPEN) {
		/* Room for the rest of the frame that begins (its header
		 * checked against PROTO_MAX_BODY), at least CONN_RBUF_MIN. */
		if (reader_room(&c->in, &room, &cap) != 0) {
			end_with(c, CONN_IO, "out of memory");
			return;
		}
		ERR_clear_error();
		r = SSL_read(c->ssl, room, (int)cap);
		if (r > 0) {
			reader_wrote(&c->in, (size_t)r);
			frames(c);
			continue;
		}
		e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_READ)
			break;
		if (e == SSL_ERROR_ZERO_RETURN) {
			end_with(c, CONN_EOF, "connection closed by the peer");
			return;
		}
		tls_fail(c, r);
		return;
	}
	if (c->state != C_CLOSING && flush(c) != 0)
		end_with(c, CONN_IO, "cannot write");
}

/*
 * Frames up to the largest OUTPUT are encoded on the stack; a bigger one
 * (a START or LIST_ENTRY of a long command) on the heap, so that no
 * process keeps 64 KiB of stack dirty for the rare big frame.
 */
#define CONN_STACK_FRAME	(PROTO_HDR_LEN + 9 + PROTO_MAX_OUTPUT)

int
conn_send(struct conn *c, const struct proto_msg *m)
{
	uint8_t	small[CONN_STACK_FRAME], *buf = small;
	ssize_t	n;
	int	r = 0;

	if (c->state != C_OPEN)
		return -ENOTCONN;
	/* The owner asks proto_has() first; this keeps a slip off the wire,
	 * where an older peer would drop us for an unknown type. */
	if (c->version != 0 && !proto_has(c->version, m->type))
		return -ENOTSUP;
	if (conn_queued(c) > CONN_MAX_QUEUED) {
		conn_close(c, CONN_PROTO, "it does not read what it asks for: "
		    "over %d bytes queued for it", CONN_MAX_QUEUED);
		return -ENOBUFS;
	}
	if ((n = proto_encode(m, small, sizeof(small))) == -EMSGSIZE) {
		if ((buf = malloc(PROTO_MAX_FRAME)) == NULL)
			return -ENOMEM;
		n = proto_encode(m, buf, PROTO_MAX_FRAME);
	}
	if (n < 0)
		r = (int)n;
	else {
		ERR_clear_error();
		if ((r = SSL_write(c->ssl, buf, (int)n)) != (int)n) {
			tls_fail(c, r);
			r = -EIO;
		} else if ((r = flush(c)) != 0)
			end_with(c, CONN_IO, "cannot write");
	}
	if (buf != small)
		free(buf);
	return r;
}

size_t
conn_queued(const struct conn *c)
{
	return uv_stream_get_write_queue_size((const uv_stream_t *)&c->tcp);
}

int
conn_is_open(const struct conn *c)
{
	return c->state == C_OPEN;
}

int
conn_in_handshake(const struct conn *c)
{
	return c->state == C_HANDSHAKE;
}

void
conn_abort(struct conn *c, enum conn_why why, const char *reason)
{
	struct linger	l = { 1, 0 };
	uv_os_fd_t	fd;

	if (c->state != C_CLOSING) {
		c->state = C_CLOSING;
		c->why = why;
		snprintf(c->reason, sizeof(c->reason), "%s", reason);
	}
	uv_read_stop((uv_stream_t *)&c->tcp);
	/* A reset: nothing for the kernel to keep (no TIME_WAIT), and a
	 * flooding peer learns at once. */
	if (uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close_now(c);
}

static void
shutdown_cb(uv_shutdown_t *req, int status)
{
	struct conn	*c = req->data;

	(void)status;
	close_now(c);
}

void
conn_close(struct conn *c, enum conn_why why, const char *fmt, ...)
{
	va_list	ap;
	int	was = c->state;

	if (c->state == C_CLOSING)
		return;
	c->state = C_CLOSING;
	c->why = why;
	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
	va_end(ap);
	uv_read_stop((uv_stream_t *)&c->tcp);
	if (was == C_OPEN) {
		ERR_clear_error();
		SSL_shutdown(c->ssl);
		ERR_clear_error();
		flush(c);
	}
	if (was == C_CONNECTING) {
		close_now(c);
		return;
	}
	/* Let queued frames (an ERROR, an EXIT) reach the peer first. */
	c->sreq.data = c;
	if (uv_shutdown(&c->sreq, (uv_stream_t *)&c->tcp, shutdown_cb) != 0) {
		close_now(c);
		return;
	}
	uv_timer_start(&c->timer, timer_fired, CONN_CLOSE_GRACE_MS, 0);
}
