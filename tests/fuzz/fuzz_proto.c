/* SPDX-License-Identifier: ISC */
/*
 * fuzz_proto.c: libFuzzer target for the wire codec (common/proto.c), the
 * code that sees a peer's bytes first.  Each input is tried three ways:
 *
 *  1. as a byte stream, frame after frame, through proto_take(), the reader
 *     of conn.c, the shim link, cmapp-shim and -stop_all: once over the
 *     whole input, each answer checked against the raw header bytes; then
 *     cut into pieces at points chosen by the input, by a generator and
 *     byte by byte, fed the way those readers feed it (taking frames from
 *     each read in place and keeping a partial frame, as cmappserver's
 *     link_feed(); or through a small fixed buffer, as cmapp-shim), and
 *     through common/reader.c, which all of them now use; each must take
 *     the same frames and stop at the same refusal;
 *  2. everything after the first 8 bytes as the body of every message type,
 *     known or not;
 *  3. as a recipe for a struct proto_msg that is handed to proto_encode.
 *
 * Whatever decodes must obey docs/protocol.md (sizes, limits, ranges, strings
 * inside the body) and must re-encode to the very same bytes, and whatever
 * encodes must decode to the same message.  Bodies, reads and output buffers
 * are heap copies of the exact size so that ASan sees any access past their
 * end.  A broken property calls abort(), which libFuzzer reports as a crash.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "reader.h"

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_proto: %s:%d: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
		abort();						\
	}								\
} while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Every type the codec knows, then some it must refuse. */
static const uint16_t known[] = {
	MSG_HELLO, MSG_HEARTBEAT, MSG_HEARTBEAT_ACK, MSG_ERROR, MSG_START,
	MSG_ATTACH, MSG_STARTED, MSG_OUTPUT, MSG_EXIT, MSG_DETACH,
	MSG_EXIT_ACK, MSG_LIST,
	MSG_LIST_ENTRY, MSG_LIST_END, MSG_LIST_MANAGER, MSG_SHIM_HELLO,
	MSG_SHIM_RELEASE,
	MSG_SHIM_SIGNAL, MSG_LIST_LEFT, MSG_SHIM_LEFT, MSG_SHIM_VERSION,
	MSG_STOP, MSG_STATUS, MSG_STATUS_REPLY, MSG_STOPPED,
	MSG_START_INSTANCE, MSG_LIST_INSTANCE,
};
static const uint16_t unknown[] = {
	0, 1, 99, 104, 199, 212, 299, 306, 399, 405, 500, 0x8000, 0xffff,
};
#define NKNOWN		(sizeof(known) / sizeof(known[0]))
#define NUNKNOWN	(sizeof(unknown) / sizeof(unknown[0]))

static int
is_known(uint16_t type)
{
	size_t	i;

	for (i = 0; i < NKNOWN; i++)
		if (known[i] == type)
			return 1;
	return 0;
}

static int
str_eq(const struct proto_str *a, const struct proto_str *b)
{
	return a->len == b->len &&
	    (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

static int
argv_eq(uint16_t ac, const struct proto_str *a, uint16_t bc,
    const struct proto_str *b)
{
	uint16_t	i;

	if (ac != bc)
		return 0;
	for (i = 0; i < ac; i++)
		if (!str_eq(&a[i], &b[i]))
			return 0;
	return 1;
}

/* Field by field: the union has padding and pointers into other buffers. */
static int
msg_eq(const struct proto_msg *a, const struct proto_msg *b)
{
	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case MSG_HELLO:
		return a->u.hello.version == b->u.hello.version &&
		    str_eq(&a->u.hello.agent, &b->u.hello.agent);
	case MSG_HEARTBEAT:
	case MSG_HEARTBEAT_ACK:
		return a->u.heartbeat.seq == b->u.heartbeat.seq;
	case MSG_ERROR:
		return a->u.error.code == b->u.error.code &&
		    str_eq(&a->u.error.text, &b->u.error.text);
	case MSG_START:
	case MSG_STOP:
	case MSG_STATUS:
	case MSG_START_INSTANCE:
		return argv_eq(a->u.start.argc, a->u.start.argv,
		    b->u.start.argc, b->u.start.argv) &&
		    str_eq(&a->u.start.instance, &b->u.start.instance) &&
		    (a->type != MSG_STOP ||
		    a->u.start.timeout == b->u.start.timeout);
	case MSG_STATUS_REPLY:
		return a->u.status.run_id == b->u.status.run_id &&
		    a->u.status.pid == b->u.status.pid &&
		    a->u.status.state == b->u.status.state &&
		    a->u.status.exit_how == b->u.status.exit_how &&
		    a->u.status.exit_value == b->u.status.exit_value;
	case MSG_STOPPED:
		return a->u.stopped.run_id == b->u.stopped.run_id &&
		    str_eq(&a->u.stopped.who, &b->u.stopped.who);
	case MSG_LIST_INSTANCE:
		return a->u.instance.run_id == b->u.instance.run_id &&
		    str_eq(&a->u.instance.name, &b->u.instance.name);
	case MSG_ATTACH:
	case MSG_DETACH:
	case MSG_EXIT_ACK:
	case MSG_SHIM_RELEASE:
		return a->u.attach.run_id == b->u.attach.run_id;
	case MSG_STARTED:
		return a->u.started.run_id == b->u.started.run_id &&
		    a->u.started.pid == b->u.started.pid &&
		    a->u.started.how == b->u.started.how;
	case MSG_OUTPUT:
		return a->u.output.run_id == b->u.output.run_id &&
		    a->u.output.stream == b->u.output.stream &&
		    str_eq(&a->u.output.data, &b->u.output.data);
	case MSG_EXIT:
		return a->u.exit.run_id == b->u.exit.run_id &&
		    a->u.exit.how == b->u.exit.how &&
		    a->u.exit.value == b->u.exit.value;
	case MSG_LIST:
		return 1;
	case MSG_LIST_ENTRY:
		return a->u.entry.run_id == b->u.entry.run_id &&
		    a->u.entry.pid == b->u.entry.pid &&
		    a->u.entry.state == b->u.entry.state &&
		    a->u.entry.exit_how == b->u.entry.exit_how &&
		    a->u.entry.exit_value == b->u.entry.exit_value &&
		    a->u.entry.since == b->u.entry.since &&
		    a->u.entry.managers == b->u.entry.managers &&
		    argv_eq(a->u.entry.argc, a->u.entry.argv,
		    b->u.entry.argc, b->u.entry.argv);
	case MSG_LIST_END:
		return a->u.list_end.count == b->u.list_end.count;
	case MSG_LIST_MANAGER:
		return a->u.manager.run_id == b->u.manager.run_id &&
		    a->u.manager.since == b->u.manager.since &&
		    str_eq(&a->u.manager.peer, &b->u.manager.peer);
	case MSG_SHIM_HELLO:
		return a->u.shim.version == b->u.shim.version &&
		    a->u.shim.run_id == b->u.shim.run_id &&
		    a->u.shim.pid == b->u.shim.pid &&
		    a->u.shim.state == b->u.shim.state &&
		    a->u.shim.exit_how == b->u.shim.exit_how &&
		    a->u.shim.exit_value == b->u.shim.exit_value &&
		    a->u.shim.started == b->u.shim.started &&
		    a->u.shim.ended == b->u.shim.ended &&
		    argv_eq(a->u.shim.argc, a->u.shim.argv,
		    b->u.shim.argc, b->u.shim.argv);
	case MSG_SHIM_SIGNAL:
		return a->u.signal.run_id == b->u.signal.run_id &&
		    a->u.signal.sig == b->u.signal.sig;
	case MSG_LIST_LEFT:
	case MSG_SHIM_LEFT:
		return a->u.left.run_id == b->u.left.run_id &&
		    a->u.left.count == b->u.left.count &&
		    a->u.left.where == b->u.left.where;
	case MSG_SHIM_VERSION:
		return a->u.shim_version.version == b->u.shim_version.version;
	}
	return 0;
}

/* A decoded string lies inside the body and keeps its limit. */
static void
check_in(const struct proto_str *s, const uint8_t *body, size_t len,
    size_t max)
{
	CHECK(s->len <= max);
	CHECK(s->p != NULL);	/* proto.c: even an empty one points in */
	CHECK(s->p >= body && s->p <= body + len);
	CHECK((size_t)(body + len - s->p) >= s->len);
}

/* The rules of docs/protocol.md for START and LIST_ENTRY argv. */
static void
check_argv(uint16_t argc, const struct proto_str *argv, const uint8_t *body,
    size_t len)
{
	size_t		bytes = 2;
	uint16_t	i;

	CHECK(argc >= 1 && argc <= PROTO_MAX_ARGS);
	CHECK(argv[0].len > 0);
	for (i = 0; i < argc; i++)
		bytes += 2 + (size_t)argv[i].len;
	CHECK(bytes <= PROTO_MAX_ARGV_BYTES);
	for (i = 0; i < argc; i++) {
		check_in(&argv[i], body, len, PROTO_MAX_ARG);
		CHECK(argv[i].len == 0 ||
		    memchr(argv[i].p, '\0', argv[i].len) == NULL);
	}
}

/* An argv's bytes as encoded: its count and each length and string. */
static size_t
argv_bytes(uint16_t argc, const struct proto_str *argv)
{
	size_t		bytes = 2;
	uint16_t	i;

	for (i = 0; i < argc; i++)
		bytes += 2 + (size_t)argv[i].len;
	return bytes;
}

/* Version 4's instance name: [A-Za-z0-9._-], its bytes in the argv's. */
static void
check_instance(const struct proto_str *s, const uint8_t *body, size_t len)
{
	uint16_t	i;
	uint8_t		c;

	check_in(s, body, len, PROTO_MAX_INSTANCE);
	for (i = 0; i < s->len; i++) {
		c = s->p[i];
		CHECK((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-');
	}
}

static void
check_exit(uint8_t how, int32_t value)
{
	CHECK(how == EXIT_CODE || how == EXIT_SIGNAL);
	if (how == EXIT_CODE)
		CHECK(value >= 0 && value <= 255);
	else
		CHECK(value >= 1 && value <= 127);
}

/* What a successful decode promises, checked against the spec. */
static void
check_decoded(const struct proto_msg *m, const uint8_t *body, size_t len)
{
	CHECK(len <= PROTO_MAX_BODY);
	switch (m->type) {
	case MSG_HELLO:
		CHECK(len >= 4 && len <= 4 + PROTO_MAX_TEXT);
		check_in(&m->u.hello.agent, body, len, PROTO_MAX_TEXT);
		break;
	case MSG_ERROR:
		CHECK(len >= 4 && len <= 4 + PROTO_MAX_TEXT);
		check_in(&m->u.error.text, body, len, PROTO_MAX_TEXT);
		break;
	case MSG_HEARTBEAT:
	case MSG_HEARTBEAT_ACK:
	case MSG_ATTACH:
	case MSG_DETACH:
	case MSG_EXIT_ACK:
	case MSG_SHIM_RELEASE:
		CHECK(len == 8);
		break;
	case MSG_START:
		check_argv(m->u.start.argc, m->u.start.argv, body, len);
		CHECK(len >= 2u + 2u * m->u.start.argc + 1);
		CHECK(m->u.start.instance.len == 0);
		break;
	case MSG_STOP:
	case MSG_STATUS:
	case MSG_START_INSTANCE:
		check_argv(m->u.start.argc, m->u.start.argv, body, len);
		check_instance(&m->u.start.instance, body, len);
		CHECK(len == (m->type == MSG_STOP ? 4u : 0u) + 2u +
		    m->u.start.instance.len + argv_bytes(m->u.start.argc,
		    m->u.start.argv));
		CHECK(m->u.start.instance.len + argv_bytes(m->u.start.argc,
		    m->u.start.argv) <= PROTO_MAX_ARGV_BYTES);
		if (m->type == MSG_STOP)
			CHECK(m->u.start.timeout >= 1 &&
			    m->u.start.timeout <= PROTO_MAX_STOP_TIMEOUT);
		break;
	case MSG_STATUS_REPLY:
		CHECK(len == 18);
		CHECK(m->u.status.state <= STATUS_ENDED);
		if (m->u.status.state == STATUS_ENDED)
			check_exit(m->u.status.exit_how,
			    m->u.status.exit_value);
		else
			CHECK(m->u.status.exit_how == 0 &&
			    m->u.status.exit_value == 0);
		break;
	case MSG_STOPPED:
		CHECK(len >= 11 && len <= 10 + PROTO_MAX_TEXT);
		check_in(&m->u.stopped.who, body, len, PROTO_MAX_TEXT);
		CHECK(m->u.stopped.who.len == len - 10);
		break;
	case MSG_LIST_INSTANCE:
		CHECK(len >= 11 && len <= 10 + PROTO_MAX_INSTANCE);
		check_instance(&m->u.instance.name, body, len);
		CHECK(m->u.instance.name.len == len - 10);
		break;
	case MSG_STARTED:
		CHECK(len == 13);
		CHECK(m->u.started.how <= STARTED_EXITED);
		break;
	case MSG_OUTPUT:
		CHECK(len >= 9 && len <= 9 + PROTO_MAX_OUTPUT);
		CHECK(m->u.output.stream >= STREAM_STDOUT &&
		    m->u.output.stream <= STREAM_HOSTLOG);
		check_in(&m->u.output.data, body, len, PROTO_MAX_OUTPUT);
		CHECK(m->u.output.data.len == len - 9);
		break;
	case MSG_EXIT:
		CHECK(len == 13);
		check_exit(m->u.exit.how, m->u.exit.value);
		break;
	case MSG_LIST:
		CHECK(len == 0);
		break;
	case MSG_LIST_ENTRY:
		CHECK(m->u.entry.state <= RUN_DELIVERED);
		check_argv(m->u.entry.argc, m->u.entry.argv, body, len);
		break;
	case MSG_LIST_END:
		CHECK(len == 2);
		break;
	case MSG_LIST_MANAGER:
		CHECK(len >= 19 && len <= 18 + PROTO_MAX_PEER);
		check_in(&m->u.manager.peer, body, len, PROTO_MAX_PEER);
		CHECK(m->u.manager.peer.len >= 1);
		CHECK(m->u.manager.peer.len == len - 18);
		break;
	case MSG_SHIM_HELLO:
		/* RUN_STARTING: link version 2, its exec not yet returned */
		CHECK(m->u.shim.state == RUN_RUNNING ||
		    m->u.shim.state == RUN_EXITED ||
		    m->u.shim.state == RUN_STARTING);
		if (m->u.shim.state == RUN_EXITED)
			check_exit(m->u.shim.exit_how, m->u.shim.exit_value);
		check_argv(m->u.shim.argc, m->u.shim.argv, body, len);
		break;
	case MSG_SHIM_SIGNAL:
		CHECK(len == 12);
		CHECK(m->u.signal.sig >= 1 && m->u.signal.sig <= 64);
		break;
	case MSG_LIST_LEFT:
	case MSG_SHIM_LEFT:
		CHECK(len == 13);
		CHECK(m->u.left.where <= LEFT_CGROUP);
		break;
	case MSG_SHIM_VERSION:
		CHECK(len == 2);
		CHECK(m->u.shim_version.version >= 1);
		break;
	default:
		CHECK(!"decoded an unknown type");
	}
	CHECK(strcmp(proto_type_name(m->type), "unknown") != 0);
}

/*
 * A decoded message re-encodes to exactly the bytes it came from, refuses a
 * buffer one byte short, and decodes again to the same message.
 */
static void
roundtrip(const struct proto_msg *m, const uint8_t *body, size_t len)
{
	static struct proto_msg	 again;
	struct proto_hdr	 h;
	uint8_t			*frame, *small;
	size_t			 flen = PROTO_HDR_LEN + len;
	ssize_t			 n;

	frame = malloc(flen);
	small = malloc(flen - 1);
	CHECK(frame != NULL && small != NULL);
	n = proto_encode(m, frame, flen);
	CHECK(n == (ssize_t)flen);
	CHECK(frame[0] == (uint8_t)(len >> 24) &&
	    frame[1] == (uint8_t)(len >> 16) &&
	    frame[2] == (uint8_t)(len >> 8) && frame[3] == (uint8_t)len);
	CHECK(frame[4] == (uint8_t)(m->type >> 8) &&
	    frame[5] == (uint8_t)m->type);
	CHECK(frame[6] == 0 && frame[7] == 0);
	CHECK(len == 0 || memcmp(frame + PROTO_HDR_LEN, body, len) == 0);
	CHECK(proto_encode(m, small, flen - 1) == -EMSGSIZE);
	CHECK(proto_decode_header(frame, flen, &h) == 0);
	CHECK(h.len == len && h.type == m->type);
	CHECK(proto_decode(h.type, frame + PROTO_HDR_LEN, h.len, &again) == 0);
	CHECK(msg_eq(m, &again));
	free(small);
	free(frame);
}

/* Decodes a heap copy of exactly len bytes, then checks what came out. */
static int
decode_copy(uint16_t type, const uint8_t *p, size_t len)
{
	static struct proto_msg	 m;
	uint8_t			*body;
	int			 r;

	body = malloc(len > 0 ? len : 1);
	CHECK(body != NULL);
	if (len > 0)
		memcpy(body, p, len);
	r = proto_decode(type, body, len, &m);
	if (!is_known(type))
		CHECK(r == -ENOTSUP);
	else
		CHECK(r == 0 || r == -EBADMSG);
	if (r == 0) {
		CHECK(m.type == type);
		check_decoded(&m, body, len);
		roundtrip(&m, body, len);
	}
	free(body);
	return r;
}

/* 1: the input as a stream of frames, through proto_take(). */
#define WHY_LEN		128
#define SMALL_BODY	64	/* cmapp-shim's and -stop_all's readers */

/* Where a walk over a stream ended: after how many frames, and why. */
struct outcome {
	size_t	frames;
	size_t	end;		/* stream offset after the last frame */
	ssize_t	err;		/* 0: the rest is a partial frame */
	char	why[WHY_LEN];
};

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/*
 * proto_take() of the bytes at p, with each answer checked against what
 * the raw header says and what proto_decode() makes of a heap copy of the
 * body: the limits, then the body once it is all in, and the reason worded
 * as the e2e tests and the peers' logs expect it.
 */
static ssize_t
take_checked(const uint8_t *p, size_t len, size_t max_body,
    struct proto_msg *m, char *why)
{
	struct proto_hdr	h = { 0xdeadbeef, 0xbeef };
	size_t			lim, raw_len;
	uint16_t		raw_type;
	int			reserved, r;
	ssize_t			n, expect;
	char			want[WHY_LEN];

	lim = max_body < PROTO_MAX_BODY ? max_body : PROTO_MAX_BODY;
	snprintf(why, WHY_LEN, "-");
	n = proto_take(p, len, max_body, &h, m, why, WHY_LEN);
	if (len < PROTO_HDR_LEN) {
		CHECK(n == 0);
		CHECK(h.len == 0xdeadbeef && h.type == 0xbeef);
		CHECK(strcmp(why, "-") == 0);
		return 0;
	}
	raw_len = be32(p);
	raw_type = (uint16_t)((unsigned)p[4] << 8 | p[5]);
	reserved = p[6] != 0 || p[7] != 0;
	CHECK(h.len == raw_len && h.type == raw_type);
	want[0] = '\0';
	if (raw_len > PROTO_MAX_BODY || (!reserved && raw_len > lim)) {
		expect = -EMSGSIZE;
		snprintf(want, sizeof(want), "frame of %lu bytes exceeds the "
		    "limit of %lu", (unsigned long)raw_len,
		    (unsigned long)lim);
	} else if (reserved) {
		expect = -EPROTO;
		snprintf(want, sizeof(want), "malformed frame header");
	} else if (len - PROTO_HDR_LEN < raw_len)
		expect = 0;		/* the body is not all in */
	else if ((r = decode_copy(raw_type, p + PROTO_HDR_LEN, raw_len))
	    == 0)
		expect = (ssize_t)(PROTO_HDR_LEN + raw_len);
	else if (r == -ENOTSUP) {
		expect = -ENOTSUP;
		snprintf(want, sizeof(want), "unknown frame type %u",
		    (unsigned)raw_type);
	} else {
		expect = -EBADMSG;
		snprintf(want, sizeof(want), "malformed %s frame",
		    proto_type_name(raw_type));
	}
	CHECK(n == expect);
	CHECK(strcmp(why, n < 0 ? want : "-") == 0);
	if (n > 0) {
		CHECK(m->type == raw_type);
		check_decoded(m, p + PROTO_HDR_LEN, raw_len);
		roundtrip(m, p + PROTO_HDR_LEN, raw_len);
	}
	return n;
}

/* The whole input at once: the answer every way of cutting it must give. */
static void
walk(const uint8_t *data, size_t size, size_t max_body, struct outcome *o)
{
	static struct proto_msg	m;
	char			cut[48];
	size_t			wl;
	ssize_t			n;

	memset(o, 0, sizeof(*o));
	for (;;) {
		n = take_checked(data + o->end, size - o->end, max_body, &m,
		    o->why);
		if (n <= 0)
			break;
		o->frames++;
		o->end += (size_t)n;
	}
	o->err = n;
	if (n == 0)
		return;
	/* A reason cut to a small room is its start, terminated. */
	wl = 1 + data[size - 1] % sizeof(cut);
	memset(cut, 'x', sizeof(cut));
	CHECK(proto_take(data + o->end, size - o->end, max_body, NULL, &m,
	    cut, wl) == n);
	CHECK(strlen(cut) == (strlen(o->why) < wl - 1 ? strlen(o->why) :
	    wl - 1));
	CHECK(strncmp(cut, o->why, strlen(cut)) == 0);
}

/* How a stream is cut into reads. */
enum { SPLIT_BYTES, SPLIT_DATA, SPLIT_RANDOM };

struct split {
	const uint8_t	*data;
	size_t		 size;
	int		 kind;
	size_t		 i;
	uint64_t	 x;
};

static void
split_init(struct split *s, const uint8_t *data, size_t size, int kind)
{
	size_t	i;

	s->data = data;
	s->size = size;
	s->kind = kind;
	s->i = 0;
	/* FNV-1a: another input, other cuts. */
	s->x = 0xcbf29ce484222325ULL;
	for (i = 0; i < size; i++)
		s->x = (s->x ^ data[i]) * 0x100000001b3ULL;
	s->x |= 1;
}

static size_t
next_read(struct split *s)
{
	switch (s->kind) {
	case SPLIT_BYTES:
		return 1;
	case SPLIT_DATA:	/* the fuzzer chooses the cuts with the bytes */
		return 1 + s->data[s->i++ % s->size];
	default:		/* xorshift64: mostly short, some over a frame */
		s->x ^= s->x << 13;
		s->x ^= s->x >> 7;
		s->x ^= s->x << 17;
		return 1 + (size_t)(s->x >> 8) % ((s->x & 3) != 0 ? 512 :
		    2 * PROTO_MAX_FRAME);
	}
}

/* The frame a reader took at stream offset off is the one the walk took. */
static void
same_frame(const uint8_t *data, size_t size, size_t off, ssize_t n,
    size_t max_body, const struct proto_msg *m)
{
	static struct proto_msg	ref;

	CHECK(proto_take(data + off, size - off, max_body, NULL, &ref, NULL, 0)
	    == n);
	CHECK(msg_eq(m, &ref));
}

/* A reader stopped where the walk did, for the same reason. */
static void
same_end(const struct outcome *o, size_t frames, size_t consumed, ssize_t err,
    const char *why)
{
	CHECK(frames == o->frames && consumed == o->end && err == o->err);
	if (err < 0)
		CHECK(strcmp(why, o->why) == 0);
}

/*
 * As cmappserver's link_feed() reads the shim link: frames are taken in
 * place from each read, a partial frame is kept in a heap buffer and the
 * next read appended to it.  What is kept stays under PROTO_MAX_FRAME, the
 * bound link_feed() relies on.
 */
static void
feed_in_place(const uint8_t *data, size_t size, int kind,
    const struct outcome *o)
{
	static struct proto_msg	 m;
	struct split		 sp;
	uint8_t			*kept = NULL, *rd, *p, *nb;
	size_t			 kept_len = 0, pos = 0, consumed = 0;
	size_t			 frames = 0, len, used, k;
	ssize_t			 n = 0;
	char			 why[WHY_LEN] = "";

	split_init(&sp, data, size, kind);
	while (pos < size) {
		k = next_read(&sp);
		if (k > size - pos)
			k = size - pos;
		rd = NULL;
		if (kept_len > 0) {
			nb = realloc(kept, kept_len + k);
			CHECK(nb != NULL);
			kept = nb;
			memcpy(kept + kept_len, data + pos, k);
			kept_len += k;
			p = kept;
			len = kept_len;
		} else {
			rd = malloc(k);
			CHECK(rd != NULL);
			memcpy(rd, data + pos, k);
			p = rd;
			len = k;
		}
		pos += k;
		used = 0;
		while ((n = proto_take(p + used, len - used, PROTO_MAX_BODY,
		    NULL, &m, why, sizeof(why))) > 0) {
			same_frame(data, size, consumed, n, PROTO_MAX_BODY, &m);
			consumed += (size_t)n;
			used += (size_t)n;
			frames++;
		}
		if (n < 0) {
			free(rd);
			break;
		}
		CHECK(len - used < PROTO_MAX_FRAME);
		nb = NULL;
		if (len > used) {
			nb = malloc(len - used);
			CHECK(nb != NULL);
			memcpy(nb, p + used, len - used);
		}
		free(kept);
		free(rd);
		kept = nb;
		kept_len = len - used;
	}
	free(kept);
	same_end(o, frames, consumed, n, why);
	if (n == 0)
		CHECK(consumed + kept_len == size);
}

/*
 * As cmapp-shim reads a link (and -stop_all a shim): into a fixed buffer
 * of a header and SMALL_BODY, each read at most its free room, taken
 * frames moved out.  Such a reader never stalls: a full buffer always
 * holds a frame or a refusal.  Each take sees an exact heap copy.
 */
static void
feed_small(const uint8_t *data, size_t size, int kind, const struct outcome *o)
{
	static struct proto_msg	 m;
	struct split		 sp;
	uint8_t			 buf[PROTO_HDR_LEN + SMALL_BODY], *copy;
	size_t			 in_len = 0, pos = 0, consumed = 0, frames = 0;
	size_t			 k;
	ssize_t			 n;
	char			 why[WHY_LEN] = "";

	split_init(&sp, data, size, kind);
	for (;;) {
		do {
			copy = malloc(in_len > 0 ? in_len : 1);
			CHECK(copy != NULL);
			memcpy(copy, buf, in_len);
			n = proto_take(copy, in_len, SMALL_BODY, NULL, &m, why,
			    sizeof(why));
			if (n > 0) {
				same_frame(data, size, consumed, n, SMALL_BODY,
				    &m);
				memmove(buf, buf + n, in_len - (size_t)n);
				in_len -= (size_t)n;
				consumed += (size_t)n;
				frames++;
			}
			free(copy);
		} while (n > 0);
		if (n < 0)
			break;
		CHECK(in_len < sizeof(buf));
		if (pos == size)
			break;
		k = next_read(&sp);
		if (k > sizeof(buf) - in_len)
			k = sizeof(buf) - in_len;
		if (k > size - pos)
			k = size - pos;
		memcpy(buf + in_len, data + pos, k);
		in_len += k;
		pos += k;
	}
	same_end(o, frames, consumed, n, why);
	if (n == 0)
		CHECK(consumed + in_len == size);
}

/*
 * Through common/reader.c, as its users drive it: fed each read (link_feed,
 * -stop_all) or read into its room (conn.c, cmapp-shim).  It takes the
 * walk's frames, stops at its refusal, never stalls, and its buffer never
 * passes its bound.
 */
static void
feed_reader(const uint8_t *data, size_t size, int kind, size_t small,
    size_t max_body, int into_room, const struct outcome *o)
{
	static struct proto_msg	 m;
	struct reader		 r;
	struct split		 sp;
	size_t			 pos = 0, consumed = 0, frames = 0, k, cap;
	size_t			 bound = PROTO_HDR_LEN + max_body;
	uint8_t			*room;
	ssize_t			 n, fed;
	char			 why[WHY_LEN] = "";

	if (small > bound)
		bound = small;
	split_init(&sp, data, size, kind);
	reader_init(&r, small, max_body);
	for (;;) {
		while ((n = reader_take(&r, NULL, &m, why, sizeof(why))) > 0) {
			same_frame(data, size, consumed, n, max_body, &m);
			consumed += (size_t)n;
			frames++;
		}
		if (n < 0 || pos == size)
			break;
		k = next_read(&sp);
		if (k > size - pos)
			k = size - pos;
		if (into_room) {
			CHECK(reader_room(&r, &room, &cap) == 0 && cap > 0);
			if (k > cap)
				k = cap;
			memcpy(room, data + pos, k);
			reader_wrote(&r, k);
		} else {
			fed = reader_feed(&r, data + pos, k);
			CHECK(fed > 0);
			k = (size_t)fed;
		}
		pos += k;
		CHECK(r.cap <= bound);
	}
	same_end(o, frames, consumed, n, why);
	if (n == 0)
		CHECK(consumed + reader_held(&r) == size);
	reader_free(&r);
}

static void
as_stream(const uint8_t *data, size_t size)
{
	struct outcome	whole, small;

	if (size == 0)
		return;
	walk(data, size, PROTO_MAX_BODY, &whole);
	walk(data, size, SMALL_BODY, &small);
	feed_in_place(data, size, SPLIT_DATA, &whole);
	feed_in_place(data, size, SPLIT_RANDOM, &whole);
	feed_small(data, size, SPLIT_BYTES, &small);
	feed_small(data, size, SPLIT_DATA, &small);
	feed_reader(data, size, SPLIT_RANDOM, 4096, PROTO_MAX_BODY, 1, &whole);
	feed_reader(data, size, SPLIT_DATA, 0, PROTO_MAX_BODY, 0, &whole);
	feed_reader(data, size, SPLIT_BYTES, PROTO_HDR_LEN + SMALL_BODY,
	    SMALL_BODY, 1, &small);
	feed_reader(data, size, SPLIT_RANDOM, PROTO_HDR_LEN + SMALL_BODY,
	    SMALL_BODY, 0, &small);
}

/* 2: the bytes after a header's worth, as the body of every type. */
static void
as_every_type(const uint8_t *data, size_t size)
{
	size_t	i;

	if (size < PROTO_HDR_LEN)
		return;
	for (i = 0; i < NKNOWN; i++)
		decode_copy(known[i], data + PROTO_HDR_LEN,
		    size - PROTO_HDR_LEN);
	for (i = 0; i < NUNKNOWN; i++)
		decode_copy(unknown[i], data + PROTO_HDR_LEN,
		    size - PROTO_HDR_LEN);
}

/* 3: a message built from the input for the encoder. */
struct recipe {
	const uint8_t	*p;
	size_t		 len, off;
};

static uint64_t
take(struct recipe *r, unsigned bytes)
{
	uint64_t	v = 0;

	while (bytes-- > 0)
		v = v << 8 | (r->off < r->len ? r->p[r->off++] : 0);
	return v;
}

/* Long strings come from here when the input has too few bytes left. */
static uint8_t	filler[PROTO_MAX_BODY + 8];

/* A string of up to max + 2 bytes: limits are tried from both sides. */
static struct proto_str
take_str(struct recipe *r, size_t max)
{
	struct proto_str	s;
	size_t			n = (size_t)take(r, 2) % (max + 3);

	s.len = (uint16_t)n;
	if (n == 0) {
		s.p = (r->off & 1) ? NULL : r->p;	/* both are allowed */
		return s;
	}
	if (n <= r->len - r->off) {
		s.p = r->p + r->off;
		r->off += n;
	} else
		s.p = filler;
	return s;
}

static uint16_t
take_argv(struct recipe *r, struct proto_str *argv)
{
	uint16_t	argc, i;

	/* 0 and PROTO_MAX_ARGS + 1 are refused; both are tried. */
	argc = (uint16_t)(take(r, 2) % (PROTO_MAX_ARGS + 2));
	for (i = 0; i < argc && i < PROTO_MAX_ARGS; i++)
		argv[i] = take_str(r, PROTO_MAX_ARG);
	for (; i < argc && i < PROTO_MAX_ARGS; i++)
		argv[i].p = filler, argv[i].len = 1;
	return argc;
}

static void
as_recipe(const uint8_t *data, size_t size)
{
	static struct proto_msg	 m, back;
	struct recipe		 r = { data, size, 0 };
	struct proto_hdr	 h;
	uint8_t			*buf;
	size_t			 cap;
	ssize_t			 n, n2;
	unsigned		 pick;

	memset(&m, 0, sizeof(m));
	pick = (unsigned)take(&r, 1);
	m.type = pick < 240 ? known[pick % NKNOWN] : unknown[pick % NUNKNOWN];
	switch (m.type) {
	case MSG_HELLO:
		m.u.hello.version = (uint16_t)take(&r, 2);
		m.u.hello.agent = take_str(&r, PROTO_MAX_TEXT);
		break;
	case MSG_HEARTBEAT:
	case MSG_HEARTBEAT_ACK:
		m.u.heartbeat.seq = take(&r, 8);
		break;
	case MSG_ERROR:
		m.u.error.code = (uint16_t)take(&r, 2);
		m.u.error.text = take_str(&r, PROTO_MAX_TEXT);
		break;
	case MSG_START:
		m.u.start.argc = take_argv(&r, m.u.start.argv);
		break;
	case MSG_STOP:
	case MSG_STATUS:
	case MSG_START_INSTANCE:
		m.u.start.timeout = (uint32_t)take(&r, 4);
		m.u.start.instance = take_str(&r, PROTO_MAX_INSTANCE);
		m.u.start.argc = take_argv(&r, m.u.start.argv);
		break;
	case MSG_STATUS_REPLY:
		m.u.status.run_id = take(&r, 8);
		m.u.status.pid = (uint32_t)take(&r, 4);
		m.u.status.state = (uint8_t)take(&r, 1);
		m.u.status.exit_how = (uint8_t)take(&r, 1);
		m.u.status.exit_value = (int32_t)(uint32_t)take(&r, 4);
		break;
	case MSG_STOPPED:
		m.u.stopped.run_id = take(&r, 8);
		m.u.stopped.who = take_str(&r, PROTO_MAX_TEXT);
		break;
	case MSG_LIST_INSTANCE:
		m.u.instance.run_id = take(&r, 8);
		m.u.instance.name = take_str(&r, PROTO_MAX_INSTANCE);
		break;
	case MSG_ATTACH:
	case MSG_DETACH:
	case MSG_EXIT_ACK:
	case MSG_SHIM_RELEASE:
		m.u.attach.run_id = take(&r, 8);
		break;
	case MSG_STARTED:
		m.u.started.run_id = take(&r, 8);
		m.u.started.pid = (uint32_t)take(&r, 4);
		m.u.started.how = (uint8_t)take(&r, 1);
		break;
	case MSG_OUTPUT:
		m.u.output.run_id = take(&r, 8);
		m.u.output.stream = (uint8_t)take(&r, 1);
		m.u.output.data = take_str(&r, PROTO_MAX_OUTPUT);
		break;
	case MSG_EXIT:
		m.u.exit.run_id = take(&r, 8);
		m.u.exit.how = (uint8_t)take(&r, 1);
		m.u.exit.value = (int32_t)(uint32_t)take(&r, 4);
		break;
	case MSG_LIST_ENTRY:
		m.u.entry.run_id = take(&r, 8);
		m.u.entry.pid = (uint32_t)take(&r, 4);
		m.u.entry.state = (uint8_t)take(&r, 1);
		m.u.entry.exit_how = (uint8_t)take(&r, 1);
		m.u.entry.exit_value = (int32_t)(uint32_t)take(&r, 4);
		m.u.entry.since = take(&r, 8);
		m.u.entry.managers = (uint16_t)take(&r, 2);
		m.u.entry.argc = take_argv(&r, m.u.entry.argv);
		break;
	case MSG_LIST_END:
		m.u.list_end.count = (uint16_t)take(&r, 2);
		break;
	case MSG_LIST_MANAGER:
		m.u.manager.run_id = take(&r, 8);
		m.u.manager.since = take(&r, 8);
		m.u.manager.peer = take_str(&r, PROTO_MAX_PEER);
		break;
	case MSG_SHIM_HELLO:
		m.u.shim.version = (uint16_t)take(&r, 2);
		m.u.shim.run_id = take(&r, 8);
		m.u.shim.pid = (uint32_t)take(&r, 4);
		m.u.shim.state = (uint8_t)take(&r, 1);
		m.u.shim.exit_how = (uint8_t)take(&r, 1);
		m.u.shim.exit_value = (int32_t)(uint32_t)take(&r, 4);
		m.u.shim.started = take(&r, 8);
		m.u.shim.ended = take(&r, 8);
		m.u.shim.argc = take_argv(&r, m.u.shim.argv);
		break;
	case MSG_SHIM_SIGNAL:
		m.u.signal.run_id = take(&r, 8);
		m.u.signal.sig = (int32_t)(uint32_t)take(&r, 4);
		break;
	case MSG_LIST_LEFT:
	case MSG_SHIM_LEFT:
		m.u.left.run_id = take(&r, 8);
		m.u.left.count = (uint32_t)take(&r, 4);
		m.u.left.where = (uint8_t)take(&r, 1);
		break;
	case MSG_SHIM_VERSION:
		m.u.shim_version.version = (uint16_t)take(&r, 2);
		break;
	default:
		break;
	}
	/* Any capacity, from none to more than a frame can need. */
	cap = (size_t)take(&r, 3) % (PROTO_MAX_FRAME + 64);
	buf = malloc(cap > 0 ? cap : 1);
	CHECK(buf != NULL);
	n = proto_encode(&m, cap > 0 ? buf : NULL, cap);
	free(buf);
	if (!is_known(m.type))
		CHECK(n == -EINVAL);
	else
		CHECK(n == -EINVAL || n == -EMSGSIZE ||
		    (n >= PROTO_HDR_LEN && (size_t)n <= cap &&
		    n <= PROTO_MAX_FRAME));
	if (n == -EMSGSIZE) {
		/* Refused for room: a full frame buffer must do, or refuse. */
		cap = PROTO_MAX_FRAME;
		buf = malloc(cap);
		CHECK(buf != NULL);
		n = proto_encode(&m, buf, cap);
		free(buf);
		CHECK(n == -EMSGSIZE || n >= PROTO_HDR_LEN);
	}
	if (n < 0)
		return;
	/* It encodes: into exactly its size, and it decodes the same. */
	buf = malloc((size_t)n);
	CHECK(buf != NULL);
	n2 = proto_encode(&m, buf, (size_t)n);
	CHECK(n2 == n);
	CHECK(proto_decode_header(buf, (size_t)n, &h) == 0);
	CHECK(h.type == m.type && h.len == (size_t)n - PROTO_HDR_LEN);
	CHECK(proto_decode(h.type, buf + PROTO_HDR_LEN, h.len, &back) == 0);
	check_decoded(&back, buf + PROTO_HDR_LEN, h.len);
	CHECK(msg_eq(&m, &back));
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (filler[0] == 0)
		memset(filler, 'a', sizeof(filler));
	as_stream(data, size);
	as_every_type(data, size);
	as_recipe(data, size);
	return 0;
}
