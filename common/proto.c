/* SPDX-License-Identifier: ISC */
/*
 * proto.c: the codec of the cmapp wire protocol (docs/protocol.md).  This is
 * the only place where wire integers are packed or unpacked, and where a
 * byte stream is cut into frames (proto_take()).  The decoder sees bytes
 * from an untrusted peer: every read is bounds checked, every length from
 * the wire is checked against both the bytes left and its PROTO_MAX_*
 * limit, and a body must be consumed exactly.  The encoder and
 * the decoder share one validity check so that whatever is encoded decodes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"

/* A cursor over received bytes; the first failure sticks. */
struct rd {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
	int		 err;
};

/* A cursor over an output buffer; the first failure sticks. */
struct wr {
	uint8_t		*p;
	size_t		 cap;
	size_t		 off;
	int		 err;
};

/* Every type, and the protocol version that brought it (proto_has()). */
static const struct {
	uint16_t	 type;
	uint16_t	 since;
	const char	*name;
} types[] = {
	{ MSG_HELLO,		1, "HELLO" },
	{ MSG_HEARTBEAT,	1, "HEARTBEAT" },
	{ MSG_HEARTBEAT_ACK,	1, "HEARTBEAT_ACK" },
	{ MSG_ERROR,		1, "ERROR" },
	{ MSG_START,		1, "START" },
	{ MSG_ATTACH,		1, "ATTACH" },
	{ MSG_STARTED,		1, "STARTED" },
	{ MSG_OUTPUT,		1, "OUTPUT" },
	{ MSG_EXIT,		1, "EXIT" },
	{ MSG_DETACH,		1, "DETACH" },
	{ MSG_EXIT_ACK,		1, "EXIT_ACK" },
	{ MSG_STOP,		4, "STOP" },
	{ MSG_STATUS,		4, "STATUS" },
	{ MSG_STATUS_REPLY,	4, "STATUS_REPLY" },
	{ MSG_STOPPED,		4, "STOPPED" },
	{ MSG_START_INSTANCE,	4, "START_INSTANCE" },
	{ MSG_LIST,		1, "LIST" },
	{ MSG_LIST_ENTRY,	1, "LIST_ENTRY" },
	{ MSG_LIST_END,		1, "LIST_END" },
	{ MSG_LIST_MANAGER,	2, "LIST_MANAGER" },
	{ MSG_LIST_LEFT,	3, "LIST_LEFT" },
	{ MSG_LIST_INSTANCE,	4, "LIST_INSTANCE" },
	/* The shim link's: versioned by SHIM_LINK_VERSION instead. */
	{ MSG_SHIM_HELLO,	1, "SHIM_HELLO" },
	{ MSG_SHIM_RELEASE,	1, "SHIM_RELEASE" },
	{ MSG_SHIM_SIGNAL,	1, "SHIM_SIGNAL" },
	{ MSG_SHIM_LEFT,	1, "SHIM_LEFT" },	/* link version 3 */
	{ MSG_SHIM_VERSION,	1, "SHIM_VERSION" },	/* link version 3 */
};

static int
type_index(uint16_t type)
{
	size_t	i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == type)
			return (int)i;
	return -1;
}

static const char *
type_name(uint16_t type)
{
	int	i = type_index(type);

	return i < 0 ? NULL : types[i].name;
}

/* Written as a difference so that a huge n cannot wrap past the end. */
static int
rd_need(struct rd *r, size_t n)
{
	if (r->err != 0)
		return 0;
	if (n > r->len - r->off) {
		r->err = -EBADMSG;
		return 0;
	}
	return 1;
}

static uint8_t
get_u8(struct rd *r)
{
	if (!rd_need(r, 1))
		return 0;
	return r->p[r->off++];
}

static uint16_t
get_u16(struct rd *r)
{
	const uint8_t	*b;

	if (!rd_need(r, 2))
		return 0;
	b = r->p + r->off;
	r->off += 2;
	return (uint16_t)((unsigned)b[0] << 8 | b[1]);
}

static uint32_t
get_u32(struct rd *r)
{
	const uint8_t	*b;

	if (!rd_need(r, 4))
		return 0;
	b = r->p + r->off;
	r->off += 4;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
}

static uint64_t
get_u64(struct rd *r)
{
	uint64_t	hi;

	hi = get_u32(r);
	return hi << 32 | get_u32(r);
}

/* Converting an out-of-range value to int32_t is implementation-defined. */
static int32_t
get_i32(struct rd *r)
{
	uint32_t	v = get_u32(r);

	if (v <= INT32_MAX)
		return (int32_t)v;
	return -(int32_t)(~v) - 1;
}

/* The limit is enforced here too, before anything trusts the length. */
static void
get_str(struct rd *r, struct proto_str *s, size_t max)
{
	uint16_t	n;

	s->p = NULL;
	s->len = 0;
	n = get_u16(r);
	if (r->err != 0)
		return;
	if (n > max) {
		r->err = -EBADMSG;
		return;
	}
	if (!rd_need(r, n))
		return;
	/* Even an empty string points into the body: callers memchr() it. */
	s->p = r->p + r->off;
	s->len = n;
	r->off += n;
}

/* START and LIST_ENTRY: the count is checked before argv[] is filled. */
static void
get_argv(struct rd *r, uint16_t *argc, struct proto_str *argv)
{
	uint16_t	i, n;

	*argc = 0;
	n = get_u16(r);
	if (r->err != 0)
		return;
	if (n == 0 || n > PROTO_MAX_ARGS) {
		r->err = -EBADMSG;
		return;
	}
	for (i = 0; i < n && r->err == 0; i++)
		get_str(r, &argv[i], PROTO_MAX_ARG);
	*argc = n;
}

static int
wr_need(struct wr *w, size_t n)
{
	if (w->err != 0)
		return 0;
	if (n > w->cap - w->off) {
		w->err = -EMSGSIZE;
		return 0;
	}
	return 1;
}

static void
put_u8(struct wr *w, uint8_t v)
{
	if (wr_need(w, 1))
		w->p[w->off++] = v;
}

static void
put_u16(struct wr *w, uint16_t v)
{
	if (!wr_need(w, 2))
		return;
	w->p[w->off++] = (uint8_t)(v >> 8);
	w->p[w->off++] = (uint8_t)v;
}

static void
put_u32(struct wr *w, uint32_t v)
{
	if (!wr_need(w, 4))
		return;
	w->p[w->off++] = (uint8_t)(v >> 24);
	w->p[w->off++] = (uint8_t)(v >> 16);
	w->p[w->off++] = (uint8_t)(v >> 8);
	w->p[w->off++] = (uint8_t)v;
}

static void
put_u64(struct wr *w, uint64_t v)
{
	put_u32(w, (uint32_t)(v >> 32));
	put_u32(w, (uint32_t)v);
}

/* Two's complement on the wire whatever the host's representation. */
static void
put_i32(struct wr *w, int32_t v)
{
	put_u32(w, v < 0 ? ~(uint32_t)(-(v + 1)) : (uint32_t)v);
}

static void
put_bytes(struct wr *w, const uint8_t *p, size_t n)
{
	if (n == 0 || !wr_need(w, n))
		return;
	memcpy(w->p + w->off, p, n);
	w->off += n;
}

static void
put_str(struct wr *w, const struct proto_str *s)
{
	put_u16(w, s->len);
	put_bytes(w, s->p, s->len);
}

static void
put_argv(struct wr *w, uint16_t argc, const struct proto_str *argv)
{
	uint16_t	i;

	put_u16(w, argc);
	for (i = 0; i < argc; i++)
		put_str(w, &argv[i]);
}

/*
 * The validity rules, shared by both directions.  A decoded message is
 * checked after parsing so that the decoder can never accept what the
 * encoder refuses, nor the reverse.
 */
static int
check_str(const struct proto_str *s, size_t max)
{
	if (s->len > max)
		return -EMSGSIZE;
	if (s->len > 0 && s->p == NULL)
		return -EINVAL;
	return 0;
}

/*
 * The strings become exec arguments: a NUL would silently cut one short.
 * extra: bytes that count toward PROTO_MAX_ARGV_BYTES beside the argv (an
 * instance name's).
 */
static int
check_argv(uint16_t argc, const struct proto_str *argv, size_t extra)
{
	size_t		bytes = 2 + extra;
	uint16_t	i;
	int		r;

	if (argc == 0)
		return -EINVAL;
	if (argc > PROTO_MAX_ARGS)
		return -EMSGSIZE;
	if (argv[0].len == 0)
		return -EINVAL;
	for (i = 0; i < argc; i++) {
		if ((r = check_str(&argv[i], PROTO_MAX_ARG)) != 0)
			return r;
		if (argv[i].len > 0 &&
		    memchr(argv[i].p, '\0', argv[i].len) != NULL)
			return -EINVAL;
		bytes += 2 + (size_t)argv[i].len;
	}
	return bytes > PROTO_MAX_ARGV_BYTES ? -EMSGSIZE : 0;
}

static int
check_exit(uint8_t how, int32_t value)
{
	switch (how) {
	case EXIT_CODE:
		return value >= 0 && value <= 255 ? 0 : -EINVAL;
	case EXIT_SIGNAL:
		return value >= 1 && value <= 127 ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

static int
check_msg(const struct proto_msg *m)
{
	int	r;

	switch (m->type) {
	case MSG_HELLO:
		return check_str(&m->u.hello.agent, PROTO_MAX_TEXT);
	case MSG_ERROR:
		return check_str(&m->u.error.text, PROTO_MAX_TEXT);
	case MSG_START:
		/* A v1-3 START has no instance: one is never dropped. */
		if (m->u.start.instance.len != 0)
			return -EINVAL;
		return check_argv(m->u.start.argc, m->u.start.argv, 0);
	case MSG_STOP:
		if (m->u.start.timeout < 1 ||
		    m->u.start.timeout > PROTO_MAX_STOP_TIMEOUT)
			return -EINVAL;
		/* FALLTHROUGH */
	case MSG_STATUS:
	case MSG_START_INSTANCE:
		if ((r = check_str(&m->u.start.instance,
		    PROTO_MAX_INSTANCE)) != 0)
			return r;
		if ((r = proto_instance_ok(m->u.start.instance.p,
		    m->u.start.instance.len)) != 0)
			return r;
		return check_argv(m->u.start.argc, m->u.start.argv,
		    m->u.start.instance.len);
	case MSG_STATUS_REPLY:
		if (m->u.status.state > STATUS_ENDED)
			return -EINVAL;
		if (m->u.status.state == STATUS_ENDED)
			return check_exit(m->u.status.exit_how,
			    m->u.status.exit_value);
		return m->u.status.exit_how == 0 &&
		    m->u.status.exit_value == 0 ? 0 : -EINVAL;
	case MSG_STOPPED:
		if (m->u.stopped.who.len == 0)
			return -EINVAL;
		return check_str(&m->u.stopped.who, PROTO_MAX_TEXT);
	case MSG_LIST_INSTANCE:
		if (m->u.instance.name.len == 0)
			return -EINVAL;
		if ((r = check_str(&m->u.instance.name,
		    PROTO_MAX_INSTANCE)) != 0)
			return r;
		return proto_instance_ok(m->u.instance.name.p,
		    m->u.instance.name.len);
	case MSG_STARTED:
		return m->u.started.how <= STARTED_EXITED ? 0 : -EINVAL;
	case MSG_OUTPUT:
		if (m->u.output.stream < STREAM_STDOUT ||
		    m->u.output.stream > STREAM_HOSTLOG)
			return -EINVAL;
		return check_str(&m->u.output.data, PROTO_MAX_OUTPUT);
	case MSG_EXIT:
		return check_exit(m->u.exit.how, m->u.exit.value);
	case MSG_LIST_ENTRY:
		if (m->u.entry.state > RUN_DELIVERED)
			return -EINVAL;
		return check_argv(m->u.entry.argc, m->u.entry.argv, 0);
	case MSG_LIST_MANAGER:
		/* Every session has a peer, if only "?": empty is a bug. */
		if (m->u.manager.peer.len == 0)
			return -EINVAL;
		return check_str(&m->u.manager.peer, PROTO_MAX_PEER);
	case MSG_SHIM_HELLO:
		if (m->u.shim.state != RUN_RUNNING &&
		    m->u.shim.state != RUN_EXITED &&
		    m->u.shim.state != RUN_STARTING)
			return -EINVAL;
		if (m->u.shim.state == RUN_EXITED &&
		    check_exit(m->u.shim.exit_how, m->u.shim.exit_value) != 0)
			return -EINVAL;
		return check_argv(m->u.shim.argc, m->u.shim.argv, 0);
	case MSG_SHIM_SIGNAL:
		return m->u.signal.sig >= 1 && m->u.signal.sig <= 64 ? 0 :
		    -EINVAL;
	case MSG_SHIM_LEFT:
	case MSG_LIST_LEFT:
		return m->u.left.where <= LEFT_CGROUP ? 0 : -EINVAL;
	case MSG_SHIM_VERSION:
		return m->u.shim_version.version >= 1 ? 0 : -EINVAL;
	case MSG_HEARTBEAT:
	case MSG_HEARTBEAT_ACK:
	case MSG_ATTACH:
	case MSG_DETACH:
	case MSG_EXIT_ACK:
	case MSG_LIST:
	case MSG_LIST_END:
	case MSG_SHIM_RELEASE:
		return 0;
	default:
		return -EINVAL;
	}
}

/* OUTPUT data has no length prefix: it is the rest of the body. */
static void
get_rest(struct rd *r, struct proto_str *s, size_t max)
{
	size_t	n;

	s->p = NULL;
	s->len = 0;
	if (r->err != 0)
		return;
	n = r->len - r->off;
	if (n > max) {
		r->err = -EBADMSG;
		return;
	}
	s->p = r->p + r->off;
	s->len = (uint16_t)n;
	r->off += n;
}

static void
get_body(struct rd *r, struct proto_msg *m)
{
	switch (m->type) {
	case MSG_HELLO:
		m->u.hello.version = get_u16(r);
		get_str(r, &m->u.hello.agent, PROTO_MAX_TEXT);
		break;
	case MSG_HEARTBEAT:
	case MSG_HEARTBEAT_ACK:
		m->u.heartbeat.seq = get_u64(r);
		break;
	case MSG_ERROR:
		m->u.error.code = get_u16(r);
		get_str(r, &m->u.error.text, PROTO_MAX_TEXT);
		break;
	case MSG_START:
		get_argv(r, &m->u.start.argc, m->u.start.argv);
		m->u.start.instance.p = NULL;
		m->u.start.instance.len = 0;
		m->u.start.timeout = 0;
		break;
	case MSG_STOP:
	case MSG_STATUS:
	case MSG_START_INSTANCE:
		m->u.start.timeout = m->type == MSG_STOP ? get_u32(r) : 0;
		get_str(r, &m->u.start.instance, PROTO_MAX_INSTANCE);
		get_argv(r, &m->u.start.argc, m->u.start.argv);
		break;
	case MSG_STATUS_REPLY:
		m->u.status.run_id = get_u64(r);
		m->u.status.pid = get_u32(r);
		m->u.status.state = get_u8(r);
		m->u.status.exit_how = get_u8(r);
		m->u.status.exit_value = get_i32(r);
		break;
	case MSG_STOPPED:
		m->u.stopped.run_id = get_u64(r);
		get_str(r, &m->u.stopped.who, PROTO_MAX_TEXT);
		break;
	case MSG_LIST_INSTANCE:
		m->u.instance.run_id = get_u64(r);
		get_str(r, &m->u.instance.name, PROTO_MAX_INSTANCE);
		break;
	case MSG_ATTACH:
	case MSG_DETACH:
	case MSG_EXIT_ACK:
	case MSG_SHIM_RELEASE:
		m->u.attach.run_id = get_u64(r);
		break;
	case MSG_SHIM_HELLO:
		m->u.shim.version = get_u16(r);
		m->u.shim.run_id = get_u64(r);
		m->u.shim.pid = get_u32(r);
		m->u.shim.state = get_u8(r);
		m->u.shim.exit_how = get_u8(r);
		m->u.shim.exit_value = get_i32(r);
		m->u.shim.started = get_u64(r);
		m->u.shim.ended = get_u64(r);
		get_argv(r, &m->u.shim.argc, m->u.shim.argv);
		break;
	case MSG_SHIM_SIGNAL:
		m->u.signal.run_id = get_u64(r);
		m->u.signal.sig = get_i32(r);
		break;
	case MSG_SHIM_LEFT:
	case MSG_LIST_LEFT:
		m->u.left.run_id = get_u64(r);
		m->u.left.count = get_u32(r);
		m->u.left.where = get_u8(r);
		break;
	case MSG_SHIM_VERSION:
		m->u.shim_version.version = get_u16(r);
		break;
	case MSG_STARTED:
		m->u.started.run_id = get_u64(r);
		m->u.started.pid = get_u32(r);
		m->u.started.how = get_u8(r);
		break;
	case MSG_OUTPUT:
		m->u.output.run_id = get_u64(r);
		m->u.output.stream = get_u8(r);
		get_rest(r, &m->u.output.data, PROTO_MAX_OUTPUT);
		break;
	case MSG_EXIT:
		m->u.exit.run_id = get_u64(r);
		m->u.exit.how = get_u8(r);
		m->u.exit.value = get_i32(r);
		break;
	case MSG_LIST:
		break;
	case MSG_LIST_ENTRY:
		m->u.entry.run_id = get_u64(r);
		m->u.entry.pid = get_u32(r);
		m->u.entry.state = get_u8(r);
		m->u.entry.exit_how = get_u8(r);
		m->u.entry.exit_value = get_i32(r);
		m->u.entry.since = get_u64(r);
		m->u.entry.managers = get_u16(r);
		get_argv(r, &m->u.entry.argc, m->u.entry.argv);
		break;
	case MSG_LIST_END:
		m->u.list_end.count = get_u16(r);
		break;
	case MSG_LIST_MANAGER:
		m->u.manager.run_id = get_u64(r);
		m->u.manager.since = get_u64(r);
		get_str(r, &m->u.manager.peer, PROTO_MAX_PEER);
		break;
	}
}

static void
put_body(struct wr *w, const struct proto_msg *m)
{
	switch (m->type) {
	case MSG_HELLO:
		put_u16(w, m->u.hello.version);
		put_str(w, &m->u.hello.agent);
		break;
	case MSG_HEARTBEAT:
	case MSG_HEARTBEAT_ACK:
		put_u64(w, m->u.heartbeat.seq);
		break;
	case MSG_ERROR:
		put_u16(w, m->u.error.code);
		put_str(w, &m->u.error.text);
		break;
	case MSG_START:
		put_argv(w, m->u.start.argc, m->u.start.argv);
		break;
	case MSG_STOP:
	case MSG_STATUS:
	case MSG_START_INSTANCE:
		if (m->type == MSG_STOP)
			put_u32(w, m->u.start.timeout);
		put_str(w, &m->u.start.instance);
		put_argv(w, m->u.start.argc, m->u.start.argv);
		break;
	case MSG_STATUS_REPLY:
		put_u64(w, m->u.status.run_id);
		put_u32(w, m->u.status.pid);
		put_u8(w, m->u.status.state);
		put_u8(w, m->u.status.exit_how);
		put_i32(w, m->u.status.exit_value);
		break;
	case MSG_STOPPED:
		put_u64(w, m->u.stopped.run_id);
		put_str(w, &m->u.stopped.who);
		break;
	case MSG_LIST_INSTANCE:
		put_u64(w, m->u.instance.run_id);
		put_str(w, &m->u.instance.name);
		break;
	case MSG_ATTACH:
	case MSG_DETACH:
	case MSG_EXIT_ACK:
	case MSG_SHIM_RELEASE:
		put_u64(w, m->u.attach.run_id);
		break;
	case MSG_SHIM_HELLO:
		put_u16(w, m->u.shim.version);
		put_u64(w, m->u.shim.run_id);
		put_u32(w, m->u.shim.pid);
		put_u8(w, m->u.shim.state);
		put_u8(w, m->u.shim.exit_how);
		put_i32(w, m->u.shim.exit_value);
		put_u64(w, m->u.shim.started);
		put_u64(w, m->u.shim.ended);
		put_argv(w, m->u.shim.argc, m->u.shim.argv);
		break;
	case MSG_SHIM_SIGNAL:
		put_u64(w, m->u.signal.run_id);
		put_i32(w, m->u.signal.sig);
		break;
	case MSG_SHIM_LEFT:
	case MSG_LIST_LEFT:
		put_u64(w, m->u.left.run_id);
		put_u32(w, m->u.left.count);
		put_u8(w, m->u.left.where);
		break;
	case MSG_SHIM_VERSION:
		put_u16(w, m->u.shim_version.version);
		break;
	case MSG_STARTED:
		put_u64(w, m->u.started.run_id);
		put_u32(w, m->u.started.pid);
		put_u8(w, m->u.started.how);
		break;
	case MSG_OUTPUT:
		put_u64(w, m->u.output.run_id);
		put_u8(w, m->u.output.stream);
		put_bytes(w, m->u.output.data.p, m->u.output.data.len);
		break;
	case MSG_EXIT:
		put_u64(w, m->u.exit.run_id);
		put_u8(w, m->u.exit.how);
		put_i32(w, m->u.exit.value);
		break;
	case MSG_LIST:
		break;
	case MSG_LIST_ENTRY:
		put_u64(w, m->u.entry.run_id);
		put_u32(w, m->u.entry.pid);
		put_u8(w, m->u.entry.state);
		put_u8(w, m->u.entry.exit_how);
		put_i32(w, m->u.entry.exit_value);
		put_u64(w, m->u.entry.since);
		put_u16(w, m->u.entry.managers);
		put_argv(w, m->u.entry.argc, m->u.entry.argv);
		break;
	case MSG_LIST_END:
		put_u16(w, m->u.list_end.count);
		break;
	case MSG_LIST_MANAGER:
		put_u64(w, m->u.manager.run_id);
		put_u64(w, m->u.manager.since);
		put_str(w, &m->u.manager.peer);
		break;
	}
}

/*
 * *h is filled even on -EMSGSIZE so that the caller can say how big the
 * refused frame claimed to be.
 */
int
proto_decode_header(const uint8_t *buf, size_t len, struct proto_hdr *h)
{
	struct rd	r = { buf, len, 0, 0 };
	uint16_t	reserved;

	if (len < PROTO_HDR_LEN)
		return -EAGAIN;
	h->len = get_u32(&r);
	h->type = get_u16(&r);
	reserved = get_u16(&r);
	if (h->len > PROTO_MAX_BODY)
		return -EMSGSIZE;
	if (reserved != 0)
		return -EPROTO;
	return 0;
}

int
proto_decode(uint16_t type, const uint8_t *body, size_t len,
    struct proto_msg *m)
{
	struct rd	r = { body, len, 0, 0 };

	if (type_name(type) == NULL)
		return -ENOTSUP;
	if (len > PROTO_MAX_BODY)
		return -EBADMSG;
	m->type = type;
	get_body(&r, m);
	if (r.err != 0 || r.off != r.len)
		return -EBADMSG;
	if (check_msg(m) != 0)
		return -EBADMSG;
	return 0;
}

static ssize_t	refuse(int, char *, size_t, const char *, ...)
		    __attribute__((format(printf, 4, 5)));

/* Says why a frame is refused, for the caller that wants to know. */
static ssize_t
refuse(int err, char *why, size_t whylen, const char *fmt, ...)
{
	va_list	ap;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return err;
}

ssize_t
proto_take(const uint8_t *buf, size_t len, size_t max_body,
    struct proto_hdr *hp, struct proto_msg *m, char *why, size_t whylen)
{
	struct proto_hdr	h;
	int			r;

	if (max_body > PROTO_MAX_BODY)
		max_body = PROTO_MAX_BODY;
	r = proto_decode_header(buf, len, &h);
	if (r == -EAGAIN)
		return 0;
	if (hp != NULL)
		*hp = h;
	/* Over the protocol's limit wins over a bad reserved field, as it
	 * always did; over a small reader's limit does not. */
	if (r == -EMSGSIZE || (r == 0 && h.len > max_body))
		return refuse(-EMSGSIZE, why, whylen, "frame of %lu bytes "
		    "exceeds the limit of %lu", (unsigned long)h.len,
		    (unsigned long)max_body);
	if (r != 0)
		return refuse(-EPROTO, why, whylen, "malformed frame header");
	if (len - PROTO_HDR_LEN < h.len)
		return 0;
	r = proto_decode(h.type, buf + PROTO_HDR_LEN, h.len, m);
	if (r == -ENOTSUP)
		return refuse(r, why, whylen, "unknown frame type %u",
		    (unsigned)h.type);
	if (r != 0)
		return refuse(-EBADMSG, why, whylen, "malformed %s frame",
		    proto_type_name(h.type));
	return (ssize_t)(PROTO_HDR_LEN + h.len);
}

ssize_t
proto_encode(const struct proto_msg *m, uint8_t *buf, size_t cap)
{
	struct wr	w;
	size_t		body;
	int		r;

	if (m == NULL)
		return -EINVAL;
	if ((r = check_msg(m)) != 0)
		return r;
	if (buf == NULL || cap < PROTO_HDR_LEN)
		return -EMSGSIZE;
	/* Capping the writer enforces PROTO_MAX_BODY with the same check. */
	w.p = buf + PROTO_HDR_LEN;
	w.cap = cap - PROTO_HDR_LEN;
	if (w.cap > PROTO_MAX_BODY)
		w.cap = PROTO_MAX_BODY;
	w.off = 0;
	w.err = 0;
	put_body(&w, m);
	if (w.err != 0)
		return w.err;
	body = w.off;

	w.p = buf;
	w.cap = PROTO_HDR_LEN;
	w.off = 0;
	put_u32(&w, (uint32_t)body);
	put_u16(&w, m->type);
	put_u16(&w, 0);
	return (ssize_t)(PROTO_HDR_LEN + body);
}

const char *
proto_type_name(uint16_t type)
{
	const char	*name = type_name(type);

	return name != NULL ? name : "unknown";
}

int
proto_has(uint16_t version, uint16_t type)
{
	int	i = type_index(type);

	return i >= 0 && version >= types[i].since;
}

uint16_t
proto_since(uint16_t type)
{
	int	i = type_index(type);

	return i >= 0 ? types[i].since : 0;
}

int
proto_settle(uint16_t peer_newest, uint16_t *out)
{
	uint16_t	v;

	v = peer_newest < PROTO_VERSION_MAX ? peer_newest : PROTO_VERSION_MAX;
	if (v < PROTO_VERSION_MIN)
		return -EPROTONOSUPPORT;
	*out = v;
	return 0;
}

int
proto_settled(uint16_t offered, uint16_t answer)
{
	return answer >= PROTO_VERSION_MIN && answer <= PROTO_VERSION_MAX &&
	    answer <= offered;
}

void
proto_hello(struct proto_msg *m, uint16_t version, const char *agent)
{
	memset(m, 0, sizeof(*m));
	m->type = MSG_HELLO;
	m->u.hello.version = version;
	m->u.hello.agent.p = (const uint8_t *)agent;
	m->u.hello.agent.len = (uint16_t)strnlen(agent, PROTO_MAX_TEXT);
}

/* A name that ends up in logs, -list and file names: no surprises. */
int
proto_instance_ok(const uint8_t *name, size_t len)
{
	size_t	i;
	uint8_t	c;

	if (len > PROTO_MAX_INSTANCE)
		return -EMSGSIZE;
	for (i = 0; i < len; i++) {
		c = name[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-'))
			return -EINVAL;
	}
	return 0;
}

void
proto_error(struct proto_msg *m, uint16_t code, const char *text)
{
	memset(m, 0, sizeof(*m));
	m->type = MSG_ERROR;
	m->u.error.code = code;
	m->u.error.text.p = (const uint8_t *)text;
	m->u.error.text.len = (uint16_t)strnlen(text, PROTO_MAX_TEXT);
}
