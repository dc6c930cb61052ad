/* SPDX-License-Identifier: ISC */
/*
 * test_proto.c: the wire codec.  Round trips of every type, exact byte
 * layouts, the decoder's refusals of short, long and lying frames,
 * proto_take(), the stream reader, the version window (proto_has,
 * proto_settle, proto_settled), the HELLO and ERROR constructors, and the
 * committed fuzzing seeds
 * (tests/fuzz/corpus/proto), which must still be frames of today's codec.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "proto.h"

static uint8_t	frame[PROTO_MAX_FRAME + 64];
static struct proto_msg	in, out;

static struct proto_str
S(const char *s)
{
	struct proto_str	ps = { (const uint8_t *)s, (uint16_t)strlen(s) };

	return ps;
}

static void
expect_str(struct proto_str got, struct proto_str want)
{
	cr_assert_eq(got.len, want.len);
	if (want.len > 0)
		cr_expect_eq(memcmp(got.p, want.p, want.len), 0);
}

/* Encodes in, decodes the header and body into out. */
static void
roundtrip(void)
{
	struct proto_hdr	h;
	ssize_t			n;

	memset(&out, 0xa5, sizeof(out));
	n = proto_encode(&in, frame, sizeof(frame));
	cr_assert_geq(n, PROTO_HDR_LEN, "encode %s: %zd",
	    proto_type_name(in.type), n);
	cr_assert_eq(proto_decode_header(frame, (size_t)n, &h), 0);
	cr_assert_eq(h.type, in.type);
	cr_assert_eq(h.len, (size_t)n - PROTO_HDR_LEN);
	cr_assert_eq(proto_decode(h.type, frame + PROTO_HDR_LEN, h.len, &out),
	    0, "decode %s", proto_type_name(in.type));
	cr_assert_eq(out.type, in.type);
}

/* Decodes a body copied to the heap, so ASan sees any read past its end. */
static int
decode_exact(uint16_t type, const uint8_t *body, size_t len)
{
	uint8_t	*copy = malloc(len > 0 ? len : 1);
	int	 r;

	cr_assert_not_null(copy);
	if (len > 0)
		memcpy(copy, body, len);
	r = proto_decode(type, copy, len, &out);
	free(copy);
	return r;
}

/* The body length in the header of the frame last encoded. */
static size_t
h_len_of_frame(void)
{
	struct proto_hdr	h;

	cr_assert_eq(proto_decode_header(frame, PROTO_HDR_LEN, &h), 0);
	return h.len;
}

static void
setup(void)
{
	memset(&in, 0, sizeof(in));
}

TestSuite(proto, .init = setup);

Test(proto, roundtrip_hello)
{
	in.type = MSG_HELLO;
	in.u.hello.version = PROTO_VERSION;
	in.u.hello.agent = S("cmappmgr 1.0");
	roundtrip();
	cr_expect_eq(out.u.hello.version, PROTO_VERSION);
	expect_str(out.u.hello.agent, in.u.hello.agent);
}

Test(proto, roundtrip_heartbeat_and_ack)
{
	in.type = MSG_HEARTBEAT;
	in.u.heartbeat.seq = 0x0102030405060708ULL;
	roundtrip();
	cr_expect_eq(out.u.heartbeat.seq, in.u.heartbeat.seq);
	in.type = MSG_HEARTBEAT_ACK;
	in.u.heartbeat.seq = UINT64_MAX;
	roundtrip();
	cr_expect_eq(out.u.heartbeat.seq, UINT64_MAX);
}

Test(proto, roundtrip_error)
{
	in.type = MSG_ERROR;
	in.u.error.code = PERR_NORUN;
	in.u.error.text = S("no such run");
	roundtrip();
	cr_expect_eq(out.u.error.code, PERR_NORUN);
	expect_str(out.u.error.text, in.u.error.text);
}

Test(proto, roundtrip_error_empty_text)
{
	in.type = MSG_ERROR;
	in.u.error.code = PERR_INTERNAL;
	roundtrip();
	cr_expect_eq(out.u.error.code, PERR_INTERNAL);
	cr_expect_eq(out.u.error.text.len, 0);
}

Test(proto, roundtrip_start)
{
	int	i;

	in.type = MSG_START;
	in.u.start.argc = 3;
	in.u.start.argv[0] = S("/bin/sh");
	in.u.start.argv[1] = S("-c");
	in.u.start.argv[2] = S("exit 3");
	roundtrip();
	cr_assert_eq(out.u.start.argc, 3);
	for (i = 0; i < 3; i++)
		expect_str(out.u.start.argv[i], in.u.start.argv[i]);
}

Test(proto, roundtrip_attach_and_detach)
{
	in.type = MSG_ATTACH;
	in.u.attach.run_id = 0xdeadbeefcafef00dULL;
	roundtrip();
	cr_expect_eq(out.u.attach.run_id, in.u.attach.run_id);
	in.type = MSG_DETACH;
	in.u.attach.run_id = 42;
	roundtrip();
	cr_expect_eq(out.u.attach.run_id, 42);
	in.type = MSG_EXIT_ACK;
	in.u.attach.run_id = 43;
	roundtrip();
	cr_expect_eq(out.u.attach.run_id, 43);
	cr_expect_str_eq(proto_type_name(MSG_EXIT_ACK), "EXIT_ACK");
}

Test(proto, roundtrip_started)
{
	in.type = MSG_STARTED;
	in.u.started.run_id = 7;
	in.u.started.pid = 0xfffffffe;
	in.u.started.how = STARTED_EXITED;
	roundtrip();
	cr_expect_eq(out.u.started.run_id, 7);
	cr_expect_eq(out.u.started.pid, 0xfffffffe);
	cr_expect_eq(out.u.started.how, STARTED_EXITED);
}

Test(proto, roundtrip_output)
{
	in.type = MSG_OUTPUT;
	in.u.output.run_id = 9;
	in.u.output.stream = STREAM_STDERR;
	in.u.output.data = S("line one\n\0line two");
	in.u.output.data.len = 18;	/* binary data may hold NULs */
	roundtrip();
	cr_expect_eq(out.u.output.run_id, 9);
	cr_expect_eq(out.u.output.stream, STREAM_STDERR);
	expect_str(out.u.output.data, in.u.output.data);
}

Test(proto, roundtrip_output_empty)
{
	in.type = MSG_OUTPUT;
	in.u.output.stream = STREAM_STDOUT;
	roundtrip();
	cr_expect_eq(out.u.output.stream, STREAM_STDOUT);
	cr_expect_eq(out.u.output.data.len, 0);
}

Test(proto, roundtrip_exit)
{
	in.type = MSG_EXIT;
	in.u.exit.run_id = 11;
	in.u.exit.how = EXIT_SIGNAL;
	in.u.exit.value = 9;
	roundtrip();
	cr_expect_eq(out.u.exit.run_id, 11);
	cr_expect_eq(out.u.exit.how, EXIT_SIGNAL);
	cr_expect_eq(out.u.exit.value, 9);
	in.u.exit.how = EXIT_CODE;
	in.u.exit.value = 255;
	roundtrip();
	cr_expect_eq(out.u.exit.how, EXIT_CODE);
	cr_expect_eq(out.u.exit.value, 255);
}

Test(proto, roundtrip_list)
{
	ssize_t	n;

	in.type = MSG_LIST;
	roundtrip();
	n = proto_encode(&in, frame, sizeof(frame));
	cr_expect_eq(n, PROTO_HDR_LEN);
}

Test(proto, roundtrip_list_entry)
{
	in.type = MSG_LIST_ENTRY;
	in.u.entry.run_id = 0x8000000000000001ULL;
	in.u.entry.pid = 1234;
	in.u.entry.state = RUN_DELIVERED;
	in.u.entry.exit_how = EXIT_CODE;
	in.u.entry.exit_value = INT32_MIN;	/* proves the i32 sign */
	in.u.entry.since = 1700000000;
	in.u.entry.managers = 3;
	in.u.entry.argc = 2;
	in.u.entry.argv[0] = S("sleep");
	in.u.entry.argv[1] = S("");
	roundtrip();
	cr_expect_eq(out.u.entry.run_id, in.u.entry.run_id);
	cr_expect_eq(out.u.entry.pid, 1234);
	cr_expect_eq(out.u.entry.state, RUN_DELIVERED);
	cr_expect_eq(out.u.entry.exit_how, EXIT_CODE);
	cr_expect_eq(out.u.entry.exit_value, INT32_MIN);
	cr_expect_eq(out.u.entry.since, 1700000000);
	cr_expect_eq(out.u.entry.managers, 3);
	cr_assert_eq(out.u.entry.argc, 2);
	expect_str(out.u.entry.argv[0], in.u.entry.argv[0]);
	expect_str(out.u.entry.argv[1], in.u.entry.argv[1]);
}

Test(proto, roundtrip_list_entry_negative_value)
{
	in.type = MSG_LIST_ENTRY;
	in.u.entry.exit_value = -2;
	in.u.entry.argc = 1;
	in.u.entry.argv[0] = S("x");
	roundtrip();
	cr_expect_eq(out.u.entry.exit_value, -2);
	/* exit_value starts at header 8 + 8 run_id + 4 pid + 2 bytes */
	cr_expect_eq(memcmp(frame + 22, "\xff\xff\xff\xfe", 4), 0);
}

Test(proto, roundtrip_list_end)
{
	in.type = MSG_LIST_END;
	in.u.list_end.count = 65535;
	roundtrip();
	cr_expect_eq(out.u.list_end.count, 65535);
}

Test(proto, roundtrip_list_manager)
{
	in.type = MSG_LIST_MANAGER;
	in.u.manager.run_id = 0x8000000000000001ULL;
	in.u.manager.since = 1700000000;
	in.u.manager.peer = S("[2001:db8::1]:40212");
	roundtrip();
	cr_expect_eq(out.u.manager.run_id, in.u.manager.run_id);
	cr_expect_eq(out.u.manager.since, 1700000000);
	expect_str(out.u.manager.peer, in.u.manager.peer);
	cr_expect_eq(h_len_of_frame(), 8 + 8 + 2 + 19);
}

Test(proto, layout_list_manager)
{
	static const uint8_t	want[] = {
		0, 0, 0, 21,
		0x01, 0x2f,		/* MSG_LIST_MANAGER, 303 */
		0, 0,
		1, 2, 3, 4, 5, 6, 7, 8,	/* run_id */
		0, 0, 0, 0, 0x65, 0x53, 0xf1, 0x00,	/* since */
		0, 3, '1', ':', '2',	/* peer */
	};
	ssize_t	n;

	in.type = MSG_LIST_MANAGER;
	in.u.manager.run_id = 0x0102030405060708ULL;
	in.u.manager.since = 1700000000;
	in.u.manager.peer = S("1:2");
	n = proto_encode(&in, frame, sizeof(frame));
	cr_assert_eq(n, (ssize_t)sizeof(want));
	cr_expect_eq(memcmp(frame, want, sizeof(want)), 0);
}

/* 18 bytes and the peer, 1..PROTO_MAX_PEER of them: nothing else. */
Test(proto, list_manager_lengths)
{
	static char	peer[PROTO_MAX_PEER + 1];
	uint8_t		body[18 + PROTO_MAX_PEER + 2];
	size_t		len, n;

	memset(peer, '1', sizeof(peer));
	in.type = MSG_LIST_MANAGER;
	in.u.manager.run_id = 5;
	in.u.manager.peer.p = (const uint8_t *)peer;
	in.u.manager.peer.len = PROTO_MAX_PEER;
	cr_assert_eq(proto_encode(&in, frame, sizeof(frame)),
	    PROTO_HDR_LEN + 18 + PROTO_MAX_PEER);
	n = 18 + PROTO_MAX_PEER;
	for (len = 0; len < n; len++)
		cr_expect_eq(decode_exact(MSG_LIST_MANAGER,
		    frame + PROTO_HDR_LEN, len), -EBADMSG, "prefix %zu", len);
	cr_expect_eq(decode_exact(MSG_LIST_MANAGER, frame + PROTO_HDR_LEN, n),
	    0);
	cr_expect_eq(out.u.manager.peer.len, PROTO_MAX_PEER);
	memcpy(body, frame + PROTO_HDR_LEN, n);
	body[n] = 0;
	cr_expect_eq(decode_exact(MSG_LIST_MANAGER, body, n + 1), -EBADMSG,
	    "a trailing byte");

	/* One byte over the limit, as encoded and as received. */
	in.u.manager.peer.len = PROTO_MAX_PEER + 1;
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EMSGSIZE);
	body[16] = 0;
	body[17] = PROTO_MAX_PEER + 1;
	body[n] = '1';
	cr_expect_eq(decode_exact(MSG_LIST_MANAGER, body, n + 1), -EBADMSG);

	/* An empty peer names no one. */
	in.u.manager.peer.len = 0;
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EINVAL);
	body[17] = 0;
	cr_expect_eq(decode_exact(MSG_LIST_MANAGER, body, 18), -EBADMSG);

	/* A length that points past the end. */
	body[17] = 4;
	cr_expect_eq(decode_exact(MSG_LIST_MANAGER, body, 18 + 3), -EBADMSG);
	cr_expect_eq(decode_exact(MSG_LIST_MANAGER, body, 18 + 4), 0);
}

Test(proto, roundtrip_max_args)
{
	int	i;

	in.type = MSG_START;
	in.u.start.argc = PROTO_MAX_ARGS;
	for (i = 0; i < PROTO_MAX_ARGS; i++)
		in.u.start.argv[i] = S("arg");
	roundtrip();
	cr_expect_eq(out.u.start.argc, PROTO_MAX_ARGS);
	expect_str(out.u.start.argv[PROTO_MAX_ARGS - 1], S("arg"));
}

Test(proto, layout_hello)
{
	static const uint8_t	want[] = {
		0, 0, 0, 6,		/* body length */
		0, 100,			/* MSG_HELLO */
		0, 0,			/* reserved */
		0x01, 0x02,		/* version */
		0, 2, 'a', 'b',		/* agent */
	};
	ssize_t	n;

	in.type = MSG_HELLO;
	in.u.hello.version = 0x0102;
	in.u.hello.agent = S("ab");
	n = proto_encode(&in, frame, sizeof(frame));
	cr_assert_eq(n, (ssize_t)sizeof(want));
	cr_expect_eq(memcmp(frame, want, sizeof(want)), 0);
}

Test(proto, layout_exit)
{
	static const uint8_t	want[] = {
		0, 0, 0, 13,
		0, 204,			/* MSG_EXIT */
		0, 0,
		1, 2, 3, 4, 5, 6, 7, 8,	/* run_id */
		EXIT_SIGNAL,
		0, 0, 0, 15,		/* SIGTERM */
	};
	ssize_t	n;

	in.type = MSG_EXIT;
	in.u.exit.run_id = 0x0102030405060708ULL;
	in.u.exit.how = EXIT_SIGNAL;
	in.u.exit.value = 15;
	n = proto_encode(&in, frame, sizeof(frame));
	cr_assert_eq(n, (ssize_t)sizeof(want));
	cr_expect_eq(memcmp(frame, want, sizeof(want)), 0);
	cr_assert_eq(proto_decode(MSG_EXIT, want + 8, 13, &out), 0);
	cr_expect_eq(out.u.exit.run_id, 0x0102030405060708ULL);
	cr_expect_eq(out.u.exit.value, 15);
}

Test(proto, layout_type_above_255)
{
	in.type = MSG_LIST_END;
	in.u.list_end.count = 0x0304;
	cr_assert_eq(proto_encode(&in, frame, sizeof(frame)), 10);
	cr_expect_eq(memcmp(frame, "\0\0\0\2\x01\x2e\0\0\x03\x04", 10), 0);
}

Test(proto, header_truncated)
{
	static const uint8_t	hdr[PROTO_HDR_LEN] = { 0, 0, 0, 0, 0, 101 };
	struct proto_hdr	h;
	size_t			len;

	for (len = 0; len < PROTO_HDR_LEN; len++)
		cr_expect_eq(proto_decode_header(hdr, len, &h), -EAGAIN,
		    "len %zu", len);
	cr_expect_eq(proto_decode_header(hdr, PROTO_HDR_LEN, &h), 0);
}

Test(proto, header_body_limit)
{
	uint8_t			hdr[PROTO_HDR_LEN] = { 0, 0, 0, 0, 0, 203 };
	struct proto_hdr	h;

	hdr[1] = 0x01;	/* 65536 == PROTO_MAX_BODY */
	cr_assert_eq(proto_decode_header(hdr, sizeof(hdr), &h), 0);
	cr_expect_eq(h.len, PROTO_MAX_BODY);
	cr_expect_eq(h.type, MSG_OUTPUT);
	hdr[3] = 0x01;	/* 65537 */
	cr_expect_eq(proto_decode_header(hdr, sizeof(hdr), &h), -EMSGSIZE);
	cr_expect_eq(h.len, PROTO_MAX_BODY + 1, "length kept for the log");
	memset(hdr, 0xff, 4);
	cr_expect_eq(proto_decode_header(hdr, sizeof(hdr), &h), -EMSGSIZE);
}

Test(proto, header_reserved)
{
	uint8_t			hdr[PROTO_HDR_LEN] = { 0, 0, 0, 0, 0, 101 };
	struct proto_hdr	h;

	hdr[7] = 1;
	cr_expect_eq(proto_decode_header(hdr, sizeof(hdr), &h), -EPROTO);
	hdr[7] = 0;
	hdr[6] = 0x80;
	cr_expect_eq(proto_decode_header(hdr, sizeof(hdr), &h), -EPROTO);
}

Test(proto, unknown_type)
{
	static const uint8_t	hdr[PROTO_HDR_LEN] = { 0, 0, 0, 0, 0x01, 0xf4 };
	struct proto_hdr	h;

	/* The header decoder leaves the type to proto_decode. */
	cr_assert_eq(proto_decode_header(hdr, sizeof(hdr), &h), 0);
	cr_expect_eq(h.type, 500);
	cr_expect_eq(proto_decode(h.type, hdr, 0, &out), -ENOTSUP);
	cr_expect_eq(proto_decode(0, hdr, 0, &out), -ENOTSUP);
	cr_expect_eq(proto_decode(199, hdr, 0, &out), -ENOTSUP);
	cr_expect_eq(proto_decode(0xffff, hdr, 0, &out), -ENOTSUP);
	cr_expect_eq(proto_decode(306, hdr, 0, &out), -ENOTSUP);
	cr_expect_eq(proto_decode(212, hdr, 0, &out), -ENOTSUP);
}

Test(proto, type_names)
{
	cr_expect_str_eq(proto_type_name(MSG_HELLO), "HELLO");
	cr_expect_str_eq(proto_type_name(MSG_HEARTBEAT_ACK), "HEARTBEAT_ACK");
	cr_expect_str_eq(proto_type_name(MSG_START), "START");
	cr_expect_str_eq(proto_type_name(MSG_DETACH), "DETACH");
	cr_expect_str_eq(proto_type_name(MSG_LIST_ENTRY), "LIST_ENTRY");
	cr_expect_str_eq(proto_type_name(MSG_LIST_END), "LIST_END");
	cr_expect_str_eq(proto_type_name(MSG_LIST_MANAGER), "LIST_MANAGER");
	cr_expect_str_eq(proto_type_name(0), "unknown");
	cr_expect_str_eq(proto_type_name(999), "unknown");
}

Test(proto, fixed_sizes_exact)
{
	static const struct {
		uint16_t	type;
		size_t		len;
	} fixed[] = {
		{ MSG_HEARTBEAT, 8 }, { MSG_HEARTBEAT_ACK, 8 },
		{ MSG_ATTACH, 8 }, { MSG_DETACH, 8 }, { MSG_EXIT_ACK, 8 },
		{ MSG_STARTED, 13 },
		{ MSG_EXIT, 13 }, { MSG_LIST, 0 }, { MSG_LIST_END, 2 },
	};
	uint8_t	zero[16] = { 0 };	/* all zero is valid for each */
	size_t	i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		const char	*name = proto_type_name(fixed[i].type);

		cr_expect_eq(decode_exact(fixed[i].type, zero, fixed[i].len),
		    0, "%s exact", name);
		if (fixed[i].len > 0)
			cr_expect_eq(decode_exact(fixed[i].type, zero,
			    fixed[i].len - 1), -EBADMSG, "%s short", name);
		cr_expect_eq(decode_exact(fixed[i].type, zero,
		    fixed[i].len + 1), -EBADMSG, "%s long", name);
	}
}

Test(proto, trailing_bytes)
{
	static const uint8_t	hello[] = { 0, 1, 0, 1, 'x', 0 };
	static const uint8_t	start[] = { 0, 1, 0, 1, 'x', 0 };

	cr_expect_eq(decode_exact(MSG_HELLO, hello, 5), 0);
	cr_expect_eq(decode_exact(MSG_HELLO, hello, 6), -EBADMSG);
	cr_expect_eq(decode_exact(MSG_START, start, 5), 0);
	cr_expect_eq(decode_exact(MSG_START, start, 6), -EBADMSG);
}

Test(proto, start_bad_argc)
{
	static const uint8_t	zero[] = { 0, 0 };
	uint8_t			many[2 + (PROTO_MAX_ARGS + 1) * 3];
	size_t			i;

	cr_expect_eq(decode_exact(MSG_START, zero, sizeof(zero)), -EBADMSG);
	/* PROTO_MAX_ARGS + 1 well-formed one-byte arguments */
	many[0] = (PROTO_MAX_ARGS + 1) >> 8;
	many[1] = (PROTO_MAX_ARGS + 1) & 0xff;
	for (i = 0; i < PROTO_MAX_ARGS + 1; i++) {
		many[2 + i * 3] = 0;
		many[3 + i * 3] = 1;
		many[4 + i * 3] = 'a';
	}
	cr_expect_eq(decode_exact(MSG_START, many, sizeof(many)), -EBADMSG);
	/* the same with PROTO_MAX_ARGS is fine */
	many[0] = PROTO_MAX_ARGS >> 8;
	many[1] = PROTO_MAX_ARGS & 0xff;
	cr_expect_eq(decode_exact(MSG_START, many, sizeof(many) - 3), 0);
	cr_expect_eq(out.u.start.argc, PROTO_MAX_ARGS);
}

Test(proto, start_bad_args)
{
	static const uint8_t	past[] = { 0, 1, 0, 5, 'a', 'b' };
	static const uint8_t	nul[] = { 0, 2, 0, 1, 'a', 0, 3, 'b', 0, 'c' };
	static const uint8_t	empty0[] = { 0, 2, 0, 0, 0, 1, 'a' };
	static const uint8_t	missing[] = { 0, 2, 0, 1, 'a' };

	cr_expect_eq(decode_exact(MSG_START, past, sizeof(past)), -EBADMSG);
	cr_expect_eq(decode_exact(MSG_START, nul, sizeof(nul)), -EBADMSG);
	cr_expect_eq(decode_exact(MSG_START, empty0, sizeof(empty0)),
	    -EBADMSG);
	cr_expect_eq(decode_exact(MSG_START, missing, sizeof(missing)),
	    -EBADMSG);
}

Test(proto, start_arg_too_long)
{
	static uint8_t	body[2 + 2 + PROTO_MAX_ARG + 1];

	memset(body, 'a', sizeof(body));
	body[0] = 0;
	body[1] = 1;
	body[2] = (PROTO_MAX_ARG + 1) >> 8;
	body[3] = (PROTO_MAX_ARG + 1) & 0xff;
	cr_expect_eq(decode_exact(MSG_START, body, sizeof(body)), -EBADMSG);
	body[2] = PROTO_MAX_ARG >> 8;
	body[3] = PROTO_MAX_ARG & 0xff;
	cr_expect_eq(decode_exact(MSG_START, body, sizeof(body) - 1), 0);
	cr_expect_eq(out.u.start.argv[0].len, PROTO_MAX_ARG);
}

Test(proto, start_dash_and_empty_args)
{
	static const uint8_t	body[] = {
		0, 3,
		0, 4, 'e', 'c', 'h', 'o',
		0, 2, '-', 'n',
		0, 0,
	};

	cr_assert_eq(decode_exact(MSG_START, body, sizeof(body)), 0);
	cr_assert_eq(out.u.start.argc, 3);
	cr_expect_eq(out.u.start.argv[1].len, 2);
	cr_expect_eq(out.u.start.argv[2].len, 0);
	cr_expect_not_null(out.u.start.argv[2].p, "empty still points in");
}

Test(proto, string_length_lies)
{
	static const uint8_t	hello[] = { 0, 1, 0xff, 0xff, 'a', 'b' };
	static const uint8_t	error[] = { 0, 2, 0xff, 0xff, 'a' };
	static const uint8_t	start[] = { 0, 1, 0xff, 0xff, 'a' };

	cr_expect_eq(decode_exact(MSG_HELLO, hello, sizeof(hello)), -EBADMSG);
	cr_expect_eq(decode_exact(MSG_ERROR, error, sizeof(error)), -EBADMSG);
	cr_expect_eq(decode_exact(MSG_START, start, sizeof(start)), -EBADMSG);
}

Test(proto, text_limit)
{
	static uint8_t	body[2 + 2 + PROTO_MAX_TEXT + 1];

	memset(body, 'x', sizeof(body));
	body[0] = 0;
	body[1] = 1;
	body[2] = (PROTO_MAX_TEXT + 1) >> 8;
	body[3] = (PROTO_MAX_TEXT + 1) & 0xff;
	cr_expect_eq(decode_exact(MSG_HELLO, body, sizeof(body)), -EBADMSG);
	cr_expect_eq(decode_exact(MSG_ERROR, body, sizeof(body)), -EBADMSG);
	body[2] = PROTO_MAX_TEXT >> 8;
	body[3] = PROTO_MAX_TEXT & 0xff;
	cr_expect_eq(decode_exact(MSG_HELLO, body, sizeof(body) - 1), 0);
	cr_expect_eq(decode_exact(MSG_ERROR, body, sizeof(body) - 1), 0);
}

Test(proto, output_limit)
{
	static uint8_t	body[9 + PROTO_MAX_OUTPUT + 1];
	static char	data[PROTO_MAX_OUTPUT + 1];

	memset(body, 0, sizeof(body));
	body[8] = STREAM_STDOUT;
	cr_expect_eq(decode_exact(MSG_OUTPUT, body, sizeof(body) - 1), 0);
	cr_expect_eq(out.u.output.data.len, PROTO_MAX_OUTPUT);
	cr_expect_eq(decode_exact(MSG_OUTPUT, body, sizeof(body)), -EBADMSG);

	memset(data, 'o', sizeof(data));
	in.type = MSG_OUTPUT;
	in.u.output.stream = STREAM_STDOUT;
	in.u.output.data.p = (const uint8_t *)data;
	in.u.output.data.len = PROTO_MAX_OUTPUT;
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)),
	    PROTO_HDR_LEN + 9 + PROTO_MAX_OUTPUT);
	in.u.output.data.len = PROTO_MAX_OUTPUT + 1;
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EMSGSIZE);
}

Test(proto, output_bad_stream)
{
	uint8_t	body[10] = { 0 };

	cr_expect_eq(decode_exact(MSG_OUTPUT, body, sizeof(body)), -EBADMSG);
	body[8] = 4;	/* 1 stdout, 2 stderr, 3 host log */
	cr_expect_eq(decode_exact(MSG_OUTPUT, body, sizeof(body)), -EBADMSG);
	cr_expect_eq(decode_exact(MSG_OUTPUT, body, 8), -EBADMSG);
	in.type = MSG_OUTPUT;
	in.u.output.stream = 0;
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EINVAL);
}

Test(proto, exit_bad_how_or_value)
{
	static const struct {
		uint8_t		how;
		int32_t		value;
		int		ok;
	} cases[] = {
		{ EXIT_CODE, 0, 1 }, { EXIT_CODE, 255, 1 },
		{ EXIT_CODE, 256, 0 }, { EXIT_CODE, -1, 0 },
		{ EXIT_SIGNAL, 1, 1 }, { EXIT_SIGNAL, 127, 1 },
		{ EXIT_SIGNAL, 0, 0 }, { EXIT_SIGNAL, 128, 0 },
		{ EXIT_SIGNAL, -9, 0 }, { 2, 0, 0 }, { 0xff, 1, 0 },
	};
	uint8_t	body[13];
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t	v = (uint32_t)cases[i].value;

		memset(body, 0, sizeof(body));
		body[8] = cases[i].how;
		body[9] = (uint8_t)(v >> 24);
		body[10] = (uint8_t)(v >> 16);
		body[11] = (uint8_t)(v >> 8);
		body[12] = (uint8_t)v;
		cr_expect_eq(decode_exact(MSG_EXIT, body, sizeof(body)),
		    cases[i].ok ? 0 : -EBADMSG, "decode case %zu", i);
		in.type = MSG_EXIT;
		in.u.exit.how = cases[i].how;
		in.u.exit.value = cases[i].value;
		cr_expect_eq(proto_encode(&in, frame, sizeof(frame)),
		    cases[i].ok ? PROTO_HDR_LEN + 13 : -EINVAL,
		    "encode case %zu", i);
	}
}

Test(proto, started_and_entry_bad_enum)
{
	uint8_t	body[13] = { 0 };

	body[12] = STARTED_EXITED + 1;
	cr_expect_eq(decode_exact(MSG_STARTED, body, sizeof(body)), -EBADMSG);
	in.type = MSG_STARTED;
	in.u.started.how = STARTED_EXITED + 1;
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EINVAL);

	memset(&in, 0, sizeof(in));
	in.type = MSG_LIST_ENTRY;
	in.u.entry.argc = 1;
	in.u.entry.argv[0] = S("x");
	in.u.entry.state = RUN_DELIVERED + 1;
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EINVAL);
	in.u.entry.state = RUN_DELIVERED;
	cr_assert_eq(proto_encode(&in, frame, sizeof(frame)),
	    PROTO_HDR_LEN + 28 + 2 + 3);
	cr_expect_eq(proto_decode(MSG_LIST_ENTRY, frame + PROTO_HDR_LEN,
	    28 + 2 + 3, &out), 0);
	frame[PROTO_HDR_LEN + 12] = RUN_DELIVERED + 1;	/* the state byte */
	cr_expect_eq(proto_decode(MSG_LIST_ENTRY, frame + PROTO_HDR_LEN,
	    28 + 2 + 3, &out), -EBADMSG);
}

Test(proto, entry_argv_rules)
{
	in.type = MSG_LIST_ENTRY;
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EINVAL);
	in.u.entry.argc = 1;
	in.u.entry.argv[0] = S("");
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EINVAL);
}

Test(proto, encode_too_small)
{
	ssize_t	n;
	size_t	cap;

	in.type = MSG_START;
	in.u.start.argc = 2;
	in.u.start.argv[0] = S("/bin/true");
	in.u.start.argv[1] = S("--flag");
	n = proto_encode(&in, frame, sizeof(frame));
	cr_assert_eq(n, PROTO_HDR_LEN + 2 + 11 + 8);
	for (cap = 0; cap < (size_t)n; cap++)
		cr_expect_eq(proto_encode(&in, frame, cap), -EMSGSIZE,
		    "cap %zu", cap);
	cr_expect_eq(proto_encode(&in, frame, (size_t)n), n);
	cr_expect_eq(proto_encode(&in, NULL, 0), -EMSGSIZE);
}

Test(proto, encode_limits)
{
	static char	big[PROTO_MAX_ARG + 1];
	int		i;

	memset(big, 'a', sizeof(big));
	in.type = MSG_HELLO;
	in.u.hello.agent.p = (const uint8_t *)big;
	in.u.hello.agent.len = PROTO_MAX_TEXT + 1;
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EMSGSIZE);

	memset(&in, 0, sizeof(in));
	in.type = MSG_START;
	in.u.start.argc = 1;
	in.u.start.argv[0].p = (const uint8_t *)big;
	in.u.start.argv[0].len = PROTO_MAX_ARG + 1;
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EMSGSIZE);
	in.u.start.argc = PROTO_MAX_ARGS + 1;
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EMSGSIZE);

	/* each argument fits its limit but the body exceeds PROTO_MAX_BODY */
	in.u.start.argc = PROTO_MAX_ARGS;
	for (i = 0; i < PROTO_MAX_ARGS; i++) {
		in.u.start.argv[i].p = (const uint8_t *)big;
		in.u.start.argv[i].len = PROTO_MAX_ARG;
	}
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EMSGSIZE);
}

Test(proto, encode_invalid)
{
	in.type = 999;
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EINVAL);
	in.type = MSG_START;
	in.u.start.argc = 0;
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EINVAL);
	in.u.start.argc = 1;
	in.u.start.argv[0].p = (const uint8_t *)"a\0b";
	in.u.start.argv[0].len = 3;
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EINVAL);
	in.u.start.argv[0].p = NULL;
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EINVAL);
}

Test(proto, start_every_prefix)
{
	size_t	len, n;

	in.type = MSG_START;
	in.u.start.argc = 3;
	in.u.start.argv[0] = S("/usr/bin/env");
	in.u.start.argv[1] = S("-i");
	in.u.start.argv[2] = S("");
	n = (size_t)proto_encode(&in, frame, sizeof(frame)) - PROTO_HDR_LEN;
	cr_assert_eq(n, 2 + 14 + 4 + 2);
	for (len = 0; len < n; len++)
		cr_expect_eq(decode_exact(MSG_START, frame + PROTO_HDR_LEN,
		    len), -EBADMSG, "prefix %zu", len);
	cr_expect_eq(decode_exact(MSG_START, frame + PROTO_HDR_LEN, n), 0);
}

Test(proto, entry_every_prefix)
{
	size_t	len, n;

	in.type = MSG_LIST_ENTRY;
	in.u.entry.argc = 2;
	in.u.entry.argv[0] = S("sleep");
	in.u.entry.argv[1] = S("60");
	n = (size_t)proto_encode(&in, frame, sizeof(frame)) - PROTO_HDR_LEN;
	cr_assert_eq(n, 28 + 2 + 7 + 4);
	for (len = 0; len < n; len++)
		cr_expect_eq(decode_exact(MSG_LIST_ENTRY,
		    frame + PROTO_HDR_LEN, len), -EBADMSG, "prefix %zu", len);
	cr_expect_eq(decode_exact(MSG_LIST_ENTRY, frame + PROTO_HDR_LEN, n),
	    0);
}

Test(proto, shim_messages_round_trip)
{
	static const char	*args[] = { "/bin/sleep", "10" };
	struct proto_hdr	 h;
	ssize_t			 n;
	int			 i;

	memset(&in, 0, sizeof(in));
	in.type = MSG_SHIM_HELLO;
	in.u.shim.version = PROTO_VERSION;
	in.u.shim.run_id = 0x0123456789abcdefULL;
	in.u.shim.pid = 4242;
	in.u.shim.state = RUN_EXITED;
	in.u.shim.exit_how = EXIT_SIGNAL;
	in.u.shim.exit_value = 9;
	in.u.shim.started = 1700000000;
	in.u.shim.ended = 1700000100;
	in.u.shim.argc = 2;
	for (i = 0; i < 2; i++) {
		in.u.shim.argv[i].p = (const uint8_t *)args[i];
		in.u.shim.argv[i].len = (uint16_t)strlen(args[i]);
	}
	n = proto_encode(&in, frame, sizeof(frame));
	cr_assert_gt(n, 0);
	cr_assert_eq(proto_decode_header(frame, (size_t)n, &h), 0);
	cr_assert_eq(proto_decode(h.type, frame + PROTO_HDR_LEN, h.len, &out),
	    0);
	cr_expect_eq(out.u.shim.run_id, in.u.shim.run_id);
	cr_expect_eq(out.u.shim.pid, 4242);
	cr_expect_eq(out.u.shim.state, RUN_EXITED);
	cr_expect_eq(out.u.shim.exit_value, 9);
	cr_expect_eq(out.u.shim.ended, 1700000100);
	cr_expect_eq(out.u.shim.argc, 2);
	cr_expect_eq(memcmp(out.u.shim.argv[1].p, "10", 2), 0);

	/* An exited hello must carry a valid status. */
	in.u.shim.exit_value = 0;
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EINVAL);

	memset(&in, 0, sizeof(in));
	in.type = MSG_SHIM_SIGNAL;
	in.u.signal.run_id = 7;
	in.u.signal.sig = 15;
	n = proto_encode(&in, frame, sizeof(frame));
	cr_assert_eq(n, PROTO_HDR_LEN + 12);
	cr_assert_eq(proto_decode(MSG_SHIM_SIGNAL, frame + PROTO_HDR_LEN, 12,
	    &out), 0);
	cr_expect_eq(out.u.signal.sig, 15);
	in.u.signal.sig = 0;
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EINVAL);

	memset(&in, 0, sizeof(in));
	in.type = MSG_SHIM_RELEASE;
	in.u.attach.run_id = 7;
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), PROTO_HDR_LEN + 8);
	cr_expect_eq(proto_decode(MSG_SHIM_RELEASE, frame + PROTO_HDR_LEN, 7,
	    &out), -EBADMSG);
}

/* Fills in.u.start with argc arguments whose encoding takes bytes. */
static void
start_of_size(size_t bytes, uint16_t argc)
{
	static char	buf[PROTO_MAX_BODY];
	size_t		left = bytes - 2 - 2 * (size_t)argc, each, i;

	memset(buf, 'a', sizeof(buf));
	in.type = MSG_START;
	in.u.start.argc = argc;
	each = left / argc;
	for (i = 0; i < argc; i++) {
		in.u.start.argv[i].p = (const uint8_t *)buf;
		in.u.start.argv[i].len = (uint16_t)(i + 1 < argc ? each :
		    left - each * (argc - 1));
	}
}

/*
 * The largest START the server accepts must still fit once echoed with
 * the fixed fields of SHIM_HELLO and LIST_ENTRY: one byte more is refused
 * by encoder and decoder alike.
 */
Test(proto, start_argv_bytes_limit)
{
	struct proto_msg	echo;
	ssize_t			n;

	start_of_size(PROTO_MAX_ARGV_BYTES, 17);
	roundtrip();
	cr_expect_eq(h_len_of_frame(), PROTO_MAX_ARGV_BYTES);
	memset(&echo, 0, sizeof(echo));
	echo.type = MSG_SHIM_HELLO;
	echo.u.shim.version = 1;
	echo.u.shim.run_id = 1;
	echo.u.shim.argc = in.u.start.argc;
	memcpy(echo.u.shim.argv, in.u.start.argv, sizeof(echo.u.shim.argv));
	cr_expect_gt(proto_encode(&echo, frame, sizeof(frame)), 0,
	    "SHIM_HELLO of the largest START");
	memset(&echo, 0, sizeof(echo));
	echo.type = MSG_LIST_ENTRY;
	echo.u.entry.argc = in.u.start.argc;
	memcpy(echo.u.entry.argv, in.u.start.argv, sizeof(echo.u.entry.argv));
	cr_expect_gt(proto_encode(&echo, frame, sizeof(frame)), 0,
	    "LIST_ENTRY of the largest START");

	start_of_size(PROTO_MAX_ARGV_BYTES + 1, 17);
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EMSGSIZE);
	/* The same body built by hand: the decoder refuses it too. */
	start_of_size(PROTO_MAX_ARGV_BYTES, 17);
	n = proto_encode(&in, frame, sizeof(frame));
	cr_assert_gt(n, 0);
	frame[PROTO_HDR_LEN + 2 + 1] += 1;	/* argv[0] one byte longer */
	frame[n] = 'a';
	cr_expect_eq(decode_exact(MSG_START, frame + PROTO_HDR_LEN,
	    (size_t)n - PROTO_HDR_LEN + 1), -EBADMSG);
}

/*
 * proto_take: the stream reader every side uses (conn.c, the shim link,
 * -stop_all).  Frames are taken from heap copies of exactly the bytes a
 * reader holds, so ASan sees a read past what arrived.
 */
static char	why[128];

static ssize_t
take_exact(const uint8_t *p, size_t len, size_t max_body,
    struct proto_hdr *h)
{
	uint8_t	*copy = malloc(len > 0 ? len : 1);
	ssize_t	 n;

	cr_assert_not_null(copy);
	if (len > 0)
		memcpy(copy, p, len);
	memset(&out, 0xa5, sizeof(out));
	snprintf(why, sizeof(why), "untouched");
	n = proto_take(copy, len, max_body, h, &out, why, sizeof(why));
	free(copy);
	return n;
}

/* A HEARTBEAT of seq into frame + off; its length (16). */
static size_t
put_heartbeat(size_t off, uint64_t seq)
{
	struct proto_msg	m = { .type = MSG_HEARTBEAT };
	ssize_t			n;

	m.u.heartbeat.seq = seq;
	n = proto_encode(&m, frame + off, sizeof(frame) - off);
	cr_assert_eq(n, PROTO_HDR_LEN + 8);
	return (size_t)n;
}

Test(proto, take_complete_frame)
{
	struct proto_hdr	h;
	size_t			n = put_heartbeat(0, 42);

	cr_assert_eq(take_exact(frame, n, PROTO_MAX_BODY, &h), (ssize_t)n);
	cr_expect_eq(out.type, MSG_HEARTBEAT);
	cr_expect_eq(out.u.heartbeat.seq, 42);
	cr_expect_eq(h.type, MSG_HEARTBEAT);
	cr_expect_eq(h.len, 8);
	cr_expect_str_eq(why, "untouched", "no reason for a frame taken");
	/* h and why are optional. */
	cr_expect_eq(proto_take(frame, n, PROTO_MAX_BODY, NULL, &out, NULL,
	    0), (ssize_t)n);
}

/* Strings of the message point into the reader's buffer, past the header. */
Test(proto, take_strings_point_into_buffer)
{
	ssize_t	n;

	in.type = MSG_OUTPUT;
	in.u.output.run_id = 7;
	in.u.output.stream = STREAM_STDERR;
	in.u.output.data = S("some output");
	n = proto_encode(&in, frame, sizeof(frame));
	cr_assert_gt(n, 0);
	cr_assert_eq(proto_take(frame, (size_t)n, PROTO_MAX_BODY, NULL, &out,
	    why, sizeof(why)), n);
	cr_expect_eq(out.u.output.data.p, frame + PROTO_HDR_LEN + 9);
	expect_str(out.u.output.data, S("some output"));
}

Test(proto, take_partial_header)
{
	struct proto_hdr	h = { 0xdead, 0xbeef };
	size_t			len;

	put_heartbeat(0, 1);
	for (len = 0; len < PROTO_HDR_LEN; len++) {
		cr_expect_eq(take_exact(frame, len, PROTO_MAX_BODY, &h), 0,
		    "len %zu", len);
		cr_expect_str_eq(why, "untouched");
	}
	cr_expect_eq(h.len, 0xdead, "h is not filled before 8 bytes");
	cr_expect_eq(proto_take(NULL, 0, PROTO_MAX_BODY, &h, &out, why,
	    sizeof(why)), 0, "nothing yet");
}

Test(proto, take_partial_body)
{
	struct proto_hdr	h;
	size_t			len, n = put_heartbeat(0, 1);

	for (len = PROTO_HDR_LEN; len < n; len++) {
		memset(&h, 0, sizeof(h));
		cr_expect_eq(take_exact(frame, len, PROTO_MAX_BODY, &h), 0,
		    "len %zu", len);
		cr_expect_eq(h.len, 8, "the header is known at len %zu", len);
		cr_expect_eq(h.type, MSG_HEARTBEAT);
	}
	cr_expect_eq(take_exact(frame, n, PROTO_MAX_BODY, &h), (ssize_t)n);
}

Test(proto, take_two_frames_in_one_buffer)
{
	size_t	n1, n2;
	ssize_t	r;

	in.type = MSG_ATTACH;
	in.u.attach.run_id = 0x1122334455667788ULL;
	r = proto_encode(&in, frame, sizeof(frame));
	cr_assert_gt(r, 0);
	n1 = (size_t)r;
	n2 = put_heartbeat(n1, 9);
	frame[n1 + n2] = 0;	/* and a byte of a third */

	cr_assert_eq(take_exact(frame, n1 + n2 + 1, PROTO_MAX_BODY, NULL),
	    (ssize_t)n1, "the first frame only");
	cr_expect_eq(out.type, MSG_ATTACH);
	cr_expect_eq(out.u.attach.run_id, 0x1122334455667788ULL);
	cr_assert_eq(take_exact(frame + n1, n2 + 1, PROTO_MAX_BODY, NULL),
	    (ssize_t)n2);
	cr_expect_eq(out.type, MSG_HEARTBEAT);
	cr_expect_eq(out.u.heartbeat.seq, 9);
	cr_expect_eq(take_exact(frame + n1 + n2, 1, PROTO_MAX_BODY, NULL), 0);
}

/* Refused on the header alone: a reader need not wait for the body. */
Test(proto, take_oversized)
{
	uint8_t			hdr[PROTO_HDR_LEN] = { 0, 0x01, 0, 0x01, 0,
				    203 };
	struct proto_hdr	h;

	cr_expect_eq(take_exact(hdr, sizeof(hdr), PROTO_MAX_BODY, &h),
	    -EMSGSIZE);
	cr_expect_eq(h.len, PROTO_MAX_BODY + 1);
	cr_expect_str_eq(why, "frame of 65537 bytes exceeds the limit of "
	    "65536");
	/* Over the protocol's limit wins over a bad reserved field. */
	hdr[7] = 1;
	cr_expect_eq(take_exact(hdr, sizeof(hdr), PROTO_MAX_BODY, &h),
	    -EMSGSIZE);
	memset(hdr, 0xff, 4);
	hdr[7] = 0;
	cr_expect_eq(take_exact(hdr, sizeof(hdr), PROTO_MAX_BODY, &h),
	    -EMSGSIZE);
	cr_expect_str_eq(why, "frame of 4294967295 bytes exceeds the limit "
	    "of 65536");
	/* A larger max_body is the protocol's. */
	cr_expect_eq(take_exact(hdr, sizeof(hdr), (size_t)-1, &h),
	    -EMSGSIZE);
	cr_expect_str_eq(why, "frame of 4294967295 bytes exceeds the limit "
	    "of 65536");
}

/* A reader with a small buffer (the shim link, -stop_all). */
Test(proto, take_small_reader_limit)
{
	struct proto_hdr	h;
	ssize_t			n;

	in.type = MSG_OUTPUT;
	in.u.output.run_id = 1;
	in.u.output.stream = STREAM_STDOUT;
	in.u.output.data.p = (const uint8_t *)"0123456789012345678901234567"
	    "890123456789012345678901234567890123456789";
	in.u.output.data.len = 55;	/* a body of 64 */
	n = proto_encode(&in, frame, sizeof(frame));
	cr_assert_eq(n, PROTO_HDR_LEN + 64);
	cr_expect_eq(take_exact(frame, (size_t)n, 64, &h), n);
	cr_expect_eq(take_exact(frame, PROTO_HDR_LEN, 63, &h), -EMSGSIZE,
	    "refused before the body");
	cr_expect_eq(h.len, 64);
	cr_expect_str_eq(why, "frame of 64 bytes exceeds the limit of 63");
	/* Under the protocol's limit, a bad reserved field is said as such. */
	frame[6] = 1;
	cr_expect_eq(take_exact(frame, PROTO_HDR_LEN, 63, &h), -EPROTO);
	cr_expect_str_eq(why, "malformed frame header");
}

Test(proto, take_malformed_header)
{
	struct proto_hdr	h;
	size_t			n = put_heartbeat(0, 1);

	frame[7] = 1;
	cr_expect_eq(take_exact(frame, PROTO_HDR_LEN, PROTO_MAX_BODY, &h),
	    -EPROTO, "refused before the body");
	cr_expect_str_eq(why, "malformed frame header");
	cr_expect_eq(take_exact(frame, n, PROTO_MAX_BODY, &h), -EPROTO);
	cr_expect_eq(h.type, MSG_HEARTBEAT);
}

/* The type is judged with the body: a reader learns it from the header. */
Test(proto, take_unknown_type)
{
	static const uint8_t	f[] = { 0, 0, 0, 2, 0x03, 0xe7, 0, 0, 1, 2 };
	struct proto_hdr	h;

	cr_expect_eq(take_exact(f, sizeof(f) - 1, PROTO_MAX_BODY, &h), 0);
	cr_expect_eq(take_exact(f, sizeof(f), PROTO_MAX_BODY, &h), -ENOTSUP);
	cr_expect_eq(h.type, 999);
	cr_expect_str_eq(why, "unknown frame type 999");
}

Test(proto, take_malformed_body)
{
	struct proto_hdr	h;
	size_t			n = put_heartbeat(0, 1);

	frame[3] = 7;	/* a HEARTBEAT body of 7 bytes */
	cr_expect_eq(take_exact(frame, n - 2, PROTO_MAX_BODY, &h), 0);
	cr_expect_eq(take_exact(frame, n - 1, PROTO_MAX_BODY, &h), -EBADMSG);
	cr_expect_eq(h.type, MSG_HEARTBEAT);
	cr_expect_str_eq(why, "malformed HEARTBEAT frame");
	frame[3] = 9;	/* 9 bytes: one trailing */
	frame[n] = 0;
	cr_expect_eq(take_exact(frame, n + 1, PROTO_MAX_BODY, &h), -EBADMSG);
	cr_expect_str_eq(why, "malformed HEARTBEAT frame");
}

/* A reader refuses a bad one by name, as conn.c logs it. */
Test(proto, take_list_manager)
{
	ssize_t	n;

	in.type = MSG_LIST_MANAGER;
	in.u.manager.run_id = 9;
	in.u.manager.peer = S("127.0.0.1:40212");
	n = proto_encode(&in, frame, sizeof(frame));
	cr_assert_eq(n, PROTO_HDR_LEN + 18 + 15);
	cr_expect_eq(take_exact(frame, (size_t)n, PROTO_MAX_BODY, NULL), n);
	/* take_exact's copy is gone: the peer is read from frame itself. */
	cr_expect_eq(proto_take(frame, (size_t)n, PROTO_MAX_BODY, NULL, &out,
	    NULL, 0), n);
	cr_expect_eq(out.type, MSG_LIST_MANAGER);
	expect_str(out.u.manager.peer, in.u.manager.peer);
	cr_expect_eq(take_exact(frame, (size_t)n - 1, PROTO_MAX_BODY, NULL),
	    0);
	frame[3]--;	/* the body one byte short of its peer */
	cr_expect_eq(take_exact(frame, (size_t)n - 1, PROTO_MAX_BODY, NULL),
	    -EBADMSG);
	cr_expect_str_eq(why, "malformed LIST_MANAGER frame");
}

/* Exactly the frame, one byte short, an empty body and the largest START. */
Test(proto, take_exact_lengths)
{
	ssize_t	n;

	in.type = MSG_LIST;
	n = proto_encode(&in, frame, sizeof(frame));
	cr_assert_eq(n, PROTO_HDR_LEN, "an empty body");
	cr_expect_eq(take_exact(frame, PROTO_HDR_LEN, PROTO_MAX_BODY, NULL),
	    PROTO_HDR_LEN);
	cr_expect_eq(take_exact(frame, PROTO_HDR_LEN, 0, NULL),
	    PROTO_HDR_LEN, "max_body 0 still takes an empty body");

	start_of_size(PROTO_MAX_ARGV_BYTES, 17);
	n = proto_encode(&in, frame, sizeof(frame));
	cr_assert_gt(n, 0);
	cr_expect_eq(take_exact(frame, (size_t)n, PROTO_MAX_BODY, NULL), n);
	cr_expect_eq(out.u.start.argc, 17);
	cr_expect_eq(take_exact(frame, (size_t)n - 1, PROTO_MAX_BODY, NULL),
	    0);
	cr_expect_eq(take_exact(frame, (size_t)n,
	    (size_t)n - PROTO_HDR_LEN, NULL), n);
	cr_expect_eq(take_exact(frame, (size_t)n,
	    (size_t)n - PROTO_HDR_LEN - 1, NULL), -EMSGSIZE);
}

/* The reason is cut to the room given, and always terminated. */
Test(proto, take_reason_cut)
{
	static const uint8_t	f[] = { 0, 0, 0, 0, 0x03, 0xe7, 0, 0 };
	char			small[8];

	memset(small, 'x', sizeof(small));
	cr_expect_eq(proto_take(f, sizeof(f), PROTO_MAX_BODY, NULL, &out,
	    small, sizeof(small)), -ENOTSUP);
	cr_expect_str_eq(small, "unknown");
	cr_expect_eq(proto_take(f, sizeof(f), PROTO_MAX_BODY, NULL, &out,
	    small, 0), -ENOTSUP);
	cr_expect_eq(proto_take(f, sizeof(f), PROTO_MAX_BODY, NULL, &out,
	    NULL, 0), -ENOTSUP);
}

/* --- versions and the common messages ---------------------------------- */

/* The window the rest of this section is written for. */
Test(proto, version_window)
{
	cr_expect_eq(PROTO_VERSION_MIN, 1);
	cr_expect_geq(PROTO_VERSION_MAX, 2);
	cr_expect_eq(PROTO_VERSION, PROTO_VERSION_MAX);
}

/* Version 1 lacks LIST_MANAGER and has every other type of its time. */
Test(proto, has_by_version)
{
	static const uint16_t	v1[] = { MSG_HELLO, MSG_HEARTBEAT,
	    MSG_HEARTBEAT_ACK, MSG_ERROR, MSG_START, MSG_ATTACH, MSG_STARTED,
	    MSG_OUTPUT, MSG_EXIT, MSG_DETACH, MSG_EXIT_ACK, MSG_LIST,
	    MSG_LIST_ENTRY, MSG_LIST_END };
	static const uint16_t	v4[] = { MSG_STOP, MSG_STATUS,
	    MSG_STATUS_REPLY, MSG_STOPPED, MSG_START_INSTANCE,
	    MSG_LIST_INSTANCE };
	size_t			i;

	for (i = 0; i < sizeof(v1) / sizeof(v1[0]); i++) {
		cr_expect(proto_has(1, v1[i]), "%s in version 1",
		    proto_type_name(v1[i]));
		cr_expect(proto_has(PROTO_VERSION_MAX, v1[i]));
		cr_expect_not(proto_has(0, v1[i]), "%s in version 0",
		    proto_type_name(v1[i]));
	}
	cr_expect_not(proto_has(1, MSG_LIST_MANAGER));
	cr_expect(proto_has(2, MSG_LIST_MANAGER));
	cr_expect(proto_has(PROTO_VERSION_MAX, MSG_LIST_MANAGER));
	cr_expect(proto_has(UINT16_MAX, MSG_LIST_MANAGER));
	cr_expect_not(proto_has(2, MSG_LIST_LEFT));
	cr_expect(proto_has(3, MSG_LIST_LEFT));
	cr_expect(proto_has(PROTO_VERSION_MAX, MSG_LIST_LEFT));
	for (i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
		cr_expect_not(proto_has(3, v4[i]), "%s in version 3",
		    proto_type_name(v4[i]));
		cr_expect(proto_has(4, v4[i]), "%s not in version 4",
		    proto_type_name(v4[i]));
	}
	/* Unknown types are in no version. */
	cr_expect_not(proto_has(PROTO_VERSION_MAX, 999));
	cr_expect_not(proto_has(UINT16_MAX, 0));
	/* The shim link's types are versioned apart. */
	cr_expect(proto_has(1, MSG_SHIM_HELLO));
	cr_expect(proto_has(1, MSG_SHIM_SIGNAL));
	cr_expect(proto_has(1, MSG_SHIM_LEFT));
	cr_expect(proto_has(1, MSG_SHIM_VERSION));
}

/* LIST_LEFT and SHIM_LEFT: u64 run id, u32 count, u8 where; exactly. */
Test(proto, left)
{
	static const uint16_t	types[] = { MSG_LIST_LEFT, MSG_SHIM_LEFT };
	static const uint8_t	want[] = {
		0, 0, 0, 0, 0, 0, 0x12, 0x34,	/* run id */
		0, 0, 0, 2,			/* count */
		1,				/* LEFT_CGROUP */
	};
	uint8_t			body[16];
	ssize_t			n;
	size_t			i;

	for (i = 0; i < 2; i++) {
		memset(&in, 0, sizeof(in));
		in.type = types[i];
		in.u.left.run_id = 0x1234;
		in.u.left.count = 2;
		in.u.left.where = LEFT_CGROUP;
		n = proto_encode(&in, frame, sizeof(frame));
		cr_assert_eq(n, PROTO_HDR_LEN + 13);
		cr_expect_eq(frame[4], types[i] >> 8);
		cr_expect_eq(frame[5], types[i] & 0xff);
		cr_expect_eq(memcmp(frame + PROTO_HDR_LEN, want, 13), 0);
		cr_assert_eq(proto_decode(types[i], frame + PROTO_HDR_LEN, 13,
		    &out), 0);
		cr_expect_eq(out.u.left.run_id, 0x1234);
		cr_expect_eq(out.u.left.count, 2);
		cr_expect_eq(out.u.left.where, LEFT_CGROUP);
		cr_expect_eq(proto_decode(types[i], frame + PROTO_HDR_LEN, 12,
		    &out), -EBADMSG, "short");
		memcpy(body, want, 13);
		body[13] = 0;
		cr_expect_eq(proto_decode(types[i], body, 14, &out), -EBADMSG,
		    "trailing byte");
		body[12] = 2;
		cr_expect_eq(proto_decode(types[i], body, 13, &out), -EBADMSG,
		    "unknown where");
		in.u.left.where = 2;
		cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EINVAL);
	}
	cr_expect_str_eq(proto_type_name(MSG_LIST_LEFT), "LIST_LEFT");
	cr_expect_str_eq(proto_type_name(MSG_SHIM_LEFT), "SHIM_LEFT");

	memset(&in, 0, sizeof(in));
	in.type = MSG_SHIM_VERSION;
	in.u.shim_version.version = 3;
	n = proto_encode(&in, frame, sizeof(frame));
	cr_assert_eq(n, PROTO_HDR_LEN + 2);
	cr_assert_eq(proto_decode(MSG_SHIM_VERSION, frame + PROTO_HDR_LEN, 2,
	    &out), 0);
	cr_expect_eq(out.u.shim_version.version, 3);
	in.u.shim_version.version = 0;
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EINVAL);
}

/* Every type the codec knows has a version, and none is newer than ours:
 * a type added without one would be sent to every peer. */
Test(proto, has_every_type)
{
	unsigned	t;

	for (t = 0; t <= UINT16_MAX; t++) {
		if (strcmp(proto_type_name((uint16_t)t), "unknown") == 0)
			continue;
		cr_expect(proto_has(PROTO_VERSION_MAX, (uint16_t)t),
		    "%s is in no version we speak", proto_type_name((uint16_t)t));
	}
}

/* The server answers the highest version both speak. */
Test(proto, settle)
{
	uint16_t	v;

	v = 77;
	cr_expect_eq(proto_settle(0, &v), -EPROTONOSUPPORT);
	cr_expect_eq(v, 77, "left alone when refused");
	cr_expect_eq(proto_settle(1, &v), 0);
	cr_expect_eq(v, 1);
	cr_expect_eq(proto_settle(2, &v), 0);
	cr_expect_eq(v, 2);
	cr_expect_eq(proto_settle(PROTO_VERSION_MAX, &v), 0);
	cr_expect_eq(v, PROTO_VERSION_MAX);
	cr_expect_eq(proto_settle(PROTO_VERSION_MAX + 1, &v), 0);
	cr_expect_eq(v, PROTO_VERSION_MAX, "a newer manager speaks ours");
	cr_expect_eq(proto_settle(UINT16_MAX, &v), 0);
	cr_expect_eq(v, PROTO_VERSION_MAX);
}

/* The manager takes an answer in its window and no newer than it asked. */
Test(proto, settled)
{
	cr_expect(proto_settled(PROTO_VERSION_MAX, PROTO_VERSION_MAX));
	cr_expect(proto_settled(PROTO_VERSION_MAX, 1), "an older server");
	cr_expect(proto_settled(1, 1));
	cr_expect_not(proto_settled(1, 2), "newer than asked for");
	cr_expect_not(proto_settled(PROTO_VERSION_MAX, 0));
	cr_expect_not(proto_settled(PROTO_VERSION_MAX,
	    PROTO_VERSION_MAX + 1));
	cr_expect_not(proto_settled(UINT16_MAX, PROTO_VERSION_MAX + 1),
	    "outside our window whatever was asked");
}

/* What the constructors build encodes to the layout of version 1. */
Test(proto, hello_constructor)
{
	static const uint8_t	want[] = { 0, 0, 0, 6, 0, 100, 0, 0,
	    0, 1, 0, 2, 'h', 'i' };
	ssize_t			n;

	memset(&in, 0xa5, sizeof(in));
	proto_hello(&in, 1, "hi");
	cr_expect_eq(in.type, MSG_HELLO);
	n = proto_encode(&in, frame, sizeof(frame));
	cr_assert_eq(n, (ssize_t)sizeof(want));
	cr_expect_eq(memcmp(frame, want, sizeof(want)), 0);
	roundtrip();
	cr_expect_eq(out.u.hello.version, 1);
	expect_str(out.u.hello.agent, S("hi"));
	proto_hello(&in, PROTO_VERSION, "");
	roundtrip();
	cr_expect_eq(out.u.hello.agent.len, 0);
}

Test(proto, error_constructor)
{
	static char	big[PROTO_MAX_TEXT + 100];

	memset(&in, 0xa5, sizeof(in));
	proto_error(&in, PERR_VERSION, "not spoken");
	cr_expect_eq(in.type, MSG_ERROR);
	roundtrip();
	cr_expect_eq(out.u.error.code, PERR_VERSION);
	expect_str(out.u.error.text, S("not spoken"));

	/* A longer text is cut at the limit, and still goes out. */
	memset(big, 'e', sizeof(big) - 1);
	proto_error(&in, PERR_BADMSG, big);
	cr_expect_eq(in.u.error.text.len, PROTO_MAX_TEXT);
	roundtrip();
	cr_expect_eq(out.u.error.text.len, PROTO_MAX_TEXT);
	proto_hello(&in, 1, big);
	cr_expect_eq(in.u.hello.agent.len, PROTO_MAX_TEXT);
	roundtrip();
}

/* --- the fuzzing seeds ------------------------------------------------- */

#define SEED_DIR	"tests/fuzz/corpus/proto"
#define SEED_MIN	30	/* tests/fuzz/mkseeds.c writes more */

/*
 * The seed directory, from the current directory (the repo root, where
 * make unit and tests/all.sh run the runner) or else from this file's
 * name; "" if neither has it.
 */
static void
seed_dir(char *buf, size_t cap)
{
	char	src[PATH_MAX], *slash;

	cr_assert_geq(cap, PATH_MAX);
	if (realpath(SEED_DIR, buf) != NULL)
		return;
	snprintf(src, sizeof(src), "%s", __FILE__);
	if ((slash = strrchr(src, '/')) != NULL)
		snprintf(slash, sizeof(src) - (size_t)(slash - src),
		    "/fuzz/corpus/proto");
	if (slash == NULL || realpath(src, buf) == NULL)
		buf[0] = '\0';
}

/*
 * Decodes the frames of one seed file, one after another as conn.c reads
 * a stream, each re-encoded to the very same bytes; returns their count
 * and the first frame's type in *first.  A file that stops decoding fails.
 */
static int
decode_seed(const char *name, const uint8_t *p, size_t len, uint16_t *first)
{
	static uint8_t		again[PROTO_MAX_FRAME];
	struct proto_hdr	h;
	uint8_t			*body;
	size_t			off = 0, flen;
	int			n = 0, r;

	while (off < len) {
		r = proto_decode_header(p + off, len - off, &h);
		cr_assert_eq(r, 0, "%s: frame %d at byte %zu: bad header (%s)",
		    name, n + 1, off, strerror(-r));
		flen = PROTO_HDR_LEN + h.len;
		cr_assert_leq(flen, len - off, "%s: frame %d at byte %zu is cut "
		    "short: %zu bytes of %zu", name, n + 1, off, len - off,
		    flen);
		/* A heap copy of the exact size: ASan sees a read past it.
		 * out's strings point into it until re-encoded. */
		cr_assert_not_null(body = malloc(h.len > 0 ? h.len : 1));
		memcpy(body, p + off + PROTO_HDR_LEN, h.len);
		r = proto_decode(h.type, body, h.len, &out);
		cr_assert_eq(r, 0, "%s: frame %d (%s) does not decode: %s",
		    name, n + 1, proto_type_name(h.type), strerror(-r));
		cr_assert_eq(proto_encode(&out, again, sizeof(again)),
		    (ssize_t)flen, "%s: frame %d (%s) re-encodes to another "
		    "length", name, n + 1, proto_type_name(h.type));
		free(body);
		cr_assert_eq(memcmp(again, p + off, flen), 0, "%s: frame %d "
		    "(%s) re-encodes to other bytes", name, n + 1,
		    proto_type_name(h.type));
		if (n++ == 0)
			*first = h.type;
		off += flen;
	}
	return n;
}

/*
 * Every committed seed is made of frames today's codec decodes, so that a
 * layout change that left them stale fails here, not silently in the
 * fuzzer (which would start from garbage).  mkseeds names a single frame
 * TYPE_what.bin, TYPE its type number, and a session of several frames
 * session_what.bin.
 */
Test(proto, fuzz_seeds_decode)
{
	char		 dir[PATH_MAX], path[PATH_MAX + 256];
	struct dirent	*e;
	DIR		*d;
	FILE		*f;
	uint8_t		*buf;
	size_t		 cap = 8 * PROTO_MAX_FRAME, len, nl;
	uint16_t	 first = 0;
	unsigned long	 want;
	char		*end;
	int		 frames, files = 0, sessions = 0;

	seed_dir(dir, sizeof(dir));
	cr_assert(dir[0] != '\0', "%s not found from the current directory "
	    "or from %s", SEED_DIR, __FILE__);
	cr_assert_not_null(d = opendir(dir), "%s: %s", dir, strerror(errno));
	cr_assert_not_null(buf = malloc(cap));
	while ((e = readdir(d)) != NULL) {
		nl = strlen(e->d_name);
		if (nl < 5 || strcmp(e->d_name + nl - 4, ".bin") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		cr_assert_not_null(f = fopen(path, "rb"), "%s: %s", path,
		    strerror(errno));
		len = fread(buf, 1, cap, f);
		cr_assert(!ferror(f) && feof(f), "%s: unreadable, or larger "
		    "than %zu bytes", path, cap);
		fclose(f);
		cr_assert_gt(len, 0, "%s is empty", e->d_name);
		frames = decode_seed(e->d_name, buf, len, &first);
		files++;
		if (strncmp(e->d_name, "session_", 8) == 0) {
			cr_expect_gt(frames, 1, "%s: a session of %d frame",
			    e->d_name, frames);
			sessions++;
			continue;
		}
		want = strtoul(e->d_name, &end, 10);
		cr_assert(end != e->d_name && *end == '_', "%s: neither "
		    "TYPE_what.bin nor session_what.bin", e->d_name);
		cr_expect_eq(frames, 1, "%s: %d frames, a single one expected",
		    e->d_name, frames);
		cr_expect_eq(first, want, "%s holds a %s frame (type %u)",
		    e->d_name, proto_type_name(first), first);
	}
	closedir(d);
	free(buf);
	cr_expect_geq(files, SEED_MIN, "only %d seeds in %s", files, dir);
	cr_expect_gt(sessions, 0, "no session seed in %s", dir);
}

/*
 * Version 4.  The identity of STOP, STATUS and START_INSTANCE: [u32
 * timeout, STOP only] str instance, u16 argc, argc x str.
 */
static void
ident(uint16_t type, const char *instance, uint32_t timeout)
{
	memset(&in, 0, sizeof(in));
	in.type = type;
	in.u.start.timeout = timeout;
	in.u.start.instance = S(instance);
	in.u.start.argc = 2;
	in.u.start.argv[0] = S("/bin/app");
	in.u.start.argv[1] = S("-x");
}

Test(proto, layout_stop)
{
	static const uint8_t	want[] = {
		0, 0, 0, 0x18, 0, 207, 0, 0,	/* header: 24 bytes, STOP */
		0, 0, 0, 10,			/* timeout */
		0, 2, 'b', '2',			/* instance */
		0, 2,				/* argc */
		0, 8, '/', 'b', 'i', 'n', '/', 'a', 'p', 'p',
		0, 2, '-', 'x',
	};
	ssize_t			n;

	ident(MSG_STOP, "b2", 10);
	n = proto_encode(&in, frame, sizeof(frame));
	cr_assert_eq(n, (ssize_t)sizeof(want));
	cr_expect_eq(memcmp(frame, want, sizeof(want)), 0);
	roundtrip();
	cr_expect_eq(out.u.start.timeout, 10);
	expect_str(out.u.start.instance, S("b2"));
	cr_assert_eq(out.u.start.argc, 2);
	expect_str(out.u.start.argv[0], S("/bin/app"));
	expect_str(out.u.start.argv[1], S("-x"));
	cr_expect_eq(decode_exact(MSG_STOP, want + PROTO_HDR_LEN,
	    sizeof(want) - PROTO_HDR_LEN - 1), -EBADMSG, "short");
}

/* STATUS and START_INSTANCE: the same without the timeout. */
Test(proto, layout_status_and_start_instance)
{
	static const uint8_t	want[] = {
		0, 0, 0, 0x14, 0, 208, 0, 0,	/* header: 20 bytes, STATUS */
		0, 2, 'b', '2',
		0, 2,
		0, 8, '/', 'b', 'i', 'n', '/', 'a', 'p', 'p',
		0, 2, '-', 'x',
	};
	uint8_t			copy[sizeof(want)];
	ssize_t			n;

	ident(MSG_STATUS, "b2", 0);
	n = proto_encode(&in, frame, sizeof(frame));
	cr_assert_eq(n, (ssize_t)sizeof(want));
	cr_expect_eq(memcmp(frame, want, sizeof(want)), 0);
	roundtrip();
	expect_str(out.u.start.instance, S("b2"));
	cr_expect_eq(out.u.start.timeout, 0);

	ident(MSG_START_INSTANCE, "b2", 0);
	memcpy(copy, want, sizeof(want));
	copy[5] = 211;
	n = proto_encode(&in, frame, sizeof(frame));
	cr_assert_eq(n, (ssize_t)sizeof(copy));
	cr_expect_eq(memcmp(frame, copy, sizeof(copy)), 0);
	roundtrip();
	expect_str(out.u.start.instance, S("b2"));
	cr_assert_eq(out.u.start.argc, 2);

	/* An empty instance is today's identity, in every one of them. */
	ident(MSG_START_INSTANCE, "", 0);
	roundtrip();
	cr_expect_eq(out.u.start.instance.len, 0);
	ident(MSG_STATUS, "", 0);
	roundtrip();
	ident(MSG_STOP, "", 1);
	roundtrip();
	cr_expect_eq(out.u.start.timeout, 1);
}

/* A v1-3 START has no room for an instance: it can never be dropped. */
Test(proto, start_has_no_instance)
{
	ident(MSG_START, "b2", 0);
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EINVAL);
	ident(MSG_START, "", 0);
	roundtrip();
	cr_expect_eq(out.u.start.instance.len, 0);
	cr_expect_eq(out.u.start.timeout, 0);
}

Test(proto, instance_rules)
{
	static const char *const good[] = { "a", "A-Z_0.9", "..", "-x",
	    "1234567890123456789012345678901234567890123456789012345678901234",
	};
	static const char *const bad[] = { "a b", "a/b", "\xc3\xbc", "a\tb",
	    "a;b", "$x", "*", "a\nb",
	};
	size_t	i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cr_expect_eq(proto_instance_ok((const uint8_t *)good[i],
		    strlen(good[i])), 0, "%s", good[i]);
		ident(MSG_STATUS, good[i], 0);
		roundtrip();
		expect_str(out.u.start.instance, S(good[i]));
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(proto_instance_ok((const uint8_t *)bad[i],
		    strlen(bad[i])), -EINVAL, "%s", bad[i]);
		ident(MSG_STOP, bad[i], 5);
		cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EINVAL,
		    "%s", bad[i]);
	}
	cr_expect_eq(proto_instance_ok(NULL, 0), 0);
	cr_expect_eq(proto_instance_ok((const uint8_t *)"a\0b", 3), -EINVAL);
	/* 65 bytes: over PROTO_MAX_INSTANCE, by encoder and decoder. */
	ident(MSG_STATUS, "12345678901234567890123456789012345678901234567890"
	    "123456789012345", 0);
	cr_expect_eq(in.u.start.instance.len, PROTO_MAX_INSTANCE + 1);
	cr_expect_eq(proto_instance_ok(in.u.start.instance.p,
	    in.u.start.instance.len), -EMSGSIZE);
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EMSGSIZE);
	{
		uint8_t	body[2 + 65 + 2 + 2 + 1];

		memset(body, 'a', sizeof(body));
		body[0] = 0;
		body[1] = 65;
		body[67] = 0;
		body[68] = 1;
		body[69] = 0;
		body[70] = 1;
		cr_expect_eq(decode_exact(MSG_STATUS, body, sizeof(body)),
		    -EBADMSG);
		body[1] = 64;	/* the same bytes as a 64-byte name: */
		cr_expect_eq(decode_exact(MSG_STATUS, body, sizeof(body)),
		    -EBADMSG, "bytes left over");
		/* a 64-byte name with a bad byte in the middle */
		body[1] = 65;
		body[30] = ' ';
		cr_expect_eq(decode_exact(MSG_STATUS, body, sizeof(body)),
		    -EBADMSG);
	}
	/* The argv rules hold as in START. */
	ident(MSG_STATUS, "x", 0);
	in.u.start.argv[0] = S("");
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EINVAL);
	in.u.start.argc = 0;
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EINVAL);
}

Test(proto, stop_timeout_range)
{
	static const uint8_t	zero[] = { 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 'a' };
	uint8_t			body[sizeof(zero)];

	ident(MSG_STOP, "", 0);
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EINVAL);
	ident(MSG_STOP, "", PROTO_MAX_STOP_TIMEOUT + 1);
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EINVAL);
	ident(MSG_STOP, "", PROTO_MAX_STOP_TIMEOUT);
	roundtrip();
	cr_expect_eq(out.u.start.timeout, PROTO_MAX_STOP_TIMEOUT);
	cr_expect_eq(decode_exact(MSG_STOP, zero, sizeof(zero)), -EBADMSG);
	memcpy(body, zero, sizeof(body));
	body[3] = 1;
	cr_expect_eq(decode_exact(MSG_STOP, body, sizeof(body)), 0);
	cr_expect_eq(out.u.start.timeout, 1);
	body[0] = 0xff;
	cr_expect_eq(decode_exact(MSG_STOP, body, sizeof(body)), -EBADMSG);
	/* Without its timeout, the same bytes are a STATUS, not a STOP. */
	cr_expect_eq(decode_exact(MSG_STOP, zero + 4, sizeof(zero) - 4),
	    -EBADMSG);
	cr_expect_eq(decode_exact(MSG_STATUS, zero + 4, sizeof(zero) - 4), 0);
}

/* The instance counts toward PROTO_MAX_ARGV_BYTES: a STOP or a SHIM_HELLO
 * can name whatever START_INSTANCE made. */
Test(proto, instance_argv_bytes_limit)
{
	static const char	name[] = "abcdefghij";
	struct proto_str	inst = S(name);
	ssize_t			n;

	start_of_size(PROTO_MAX_ARGV_BYTES - inst.len, 17);
	in.type = MSG_START_INSTANCE;
	in.u.start.instance = inst;
	roundtrip();
	in.type = MSG_STOP;
	in.u.start.timeout = 10;
	n = proto_encode(&in, frame, sizeof(frame));
	cr_expect_gt(n, 0);
	cr_expect_leq(n, PROTO_MAX_FRAME);
	start_of_size(PROTO_MAX_ARGV_BYTES - inst.len + 1, 17);
	in.type = MSG_START_INSTANCE;
	in.u.start.instance = inst;
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EMSGSIZE);
	in.type = MSG_STATUS;
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EMSGSIZE);
	/* The same body built by hand: the decoder refuses it too. */
	in.u.start.argv[0].len--;
	n = proto_encode(&in, frame, sizeof(frame));
	cr_assert_gt(n, 0);
	frame[PROTO_HDR_LEN + 2 + inst.len + 2 + 1] += 1;
	frame[n] = 'a';
	cr_expect_eq(decode_exact(MSG_STATUS, frame + PROTO_HDR_LEN,
	    (size_t)n - PROTO_HDR_LEN + 1), -EBADMSG);
}

/* STATUS_REPLY: u64 run_id, u32 pid, u8 state, u8 exit how, i32 value. */
Test(proto, status_reply)
{
	static const uint8_t	want[] = {
		0, 0, 0, 18, 0, 209, 0, 0,
		0, 0, 0, 0, 0, 0, 0x12, 0x34,	/* run_id */
		0, 0, 0x10, 0x92,		/* pid 4242 */
		3,				/* STATUS_ENDED */
		1, 0, 0, 0, 15,			/* signal 15 */
	};
	uint8_t			body[18];
	ssize_t			n;
	unsigned		s;

	in.type = MSG_STATUS_REPLY;
	in.u.status.run_id = 0x1234;
	in.u.status.pid = 4242;
	in.u.status.state = STATUS_ENDED;
	in.u.status.exit_how = EXIT_SIGNAL;
	in.u.status.exit_value = 15;
	n = proto_encode(&in, frame, sizeof(frame));
	cr_assert_eq(n, (ssize_t)sizeof(want));
	cr_expect_eq(memcmp(frame, want, sizeof(want)), 0);
	roundtrip();
	cr_expect_eq(out.u.status.run_id, 0x1234);
	cr_expect_eq(out.u.status.pid, 4242);
	cr_expect_eq(out.u.status.state, STATUS_ENDED);
	cr_expect_eq(out.u.status.exit_how, EXIT_SIGNAL);
	cr_expect_eq(out.u.status.exit_value, 15);
	memcpy(body, want + PROTO_HDR_LEN, sizeof(body));
	body[12] = 4;
	cr_expect_eq(decode_exact(MSG_STATUS_REPLY, body, 18), -EBADMSG,
	    "unknown state");
	body[12] = STATUS_ENDED;
	body[17] = 0;
	cr_expect_eq(decode_exact(MSG_STATUS_REPLY, body, 18), -EBADMSG,
	    "signal 0");
	cr_expect_eq(decode_exact(MSG_STATUS_REPLY, want + PROTO_HDR_LEN, 17),
	    -EBADMSG, "short");
	/* Not ended: no exit status, so none may be sent. */
	for (s = STATUS_NONE; s < STATUS_ENDED; s++) {
		in.u.status.state = (uint8_t)s;
		cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EINVAL);
		in.u.status.exit_how = 0;
		in.u.status.exit_value = 0;
		roundtrip();
		cr_expect_eq(out.u.status.state, s);
		in.u.status.exit_how = EXIT_SIGNAL;
		in.u.status.exit_value = 15;
	}
	in.u.status.state = STATUS_ENDED;
	in.u.status.exit_how = EXIT_CODE;
	in.u.status.exit_value = 256;
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EINVAL);
}

/* STOPPED: u64 run_id, str who (1..PROTO_MAX_TEXT). */
Test(proto, stopped)
{
	static const uint8_t	want[] = {
		0, 0, 0, 13, 0, 210, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 7,
		0, 3, 'm', 'g', 'r',
	};
	static char		big[PROTO_MAX_TEXT + 2];
	ssize_t			n;

	in.type = MSG_STOPPED;
	in.u.stopped.run_id = 7;
	in.u.stopped.who = S("mgr");
	n = proto_encode(&in, frame, sizeof(frame));
	cr_assert_eq(n, (ssize_t)sizeof(want));
	cr_expect_eq(memcmp(frame, want, sizeof(want)), 0);
	roundtrip();
	cr_expect_eq(out.u.stopped.run_id, 7);
	expect_str(out.u.stopped.who, S("mgr"));
	in.u.stopped.who = S("");
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EINVAL);
	memset(big, 'w', sizeof(big) - 1);
	in.u.stopped.who = S(big);
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EMSGSIZE);
	in.u.stopped.who.len = PROTO_MAX_TEXT;
	roundtrip();
	cr_expect_eq(out.u.stopped.who.len, PROTO_MAX_TEXT);
	cr_expect_eq(decode_exact(MSG_STOPPED, want + PROTO_HDR_LEN, 10),
	    -EBADMSG, "empty who");
}

/* LIST_INSTANCE: u64 run_id, str name (1..PROTO_MAX_INSTANCE, the rule). */
Test(proto, list_instance)
{
	static const uint8_t	want[] = {
		0, 0, 0, 13, 0x01, 0x31, 0, 0,	/* 305 */
		0, 0, 0, 0, 0, 0, 0, 9,
		0, 3, 'b', '.', '2',
	};
	uint8_t			body[13];
	ssize_t			n;

	in.type = MSG_LIST_INSTANCE;
	in.u.instance.run_id = 9;
	in.u.instance.name = S("b.2");
	n = proto_encode(&in, frame, sizeof(frame));
	cr_assert_eq(n, (ssize_t)sizeof(want));
	cr_expect_eq(memcmp(frame, want, sizeof(want)), 0);
	roundtrip();
	cr_expect_eq(out.u.instance.run_id, 9);
	expect_str(out.u.instance.name, S("b.2"));
	in.u.instance.name = S("");
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EINVAL);
	in.u.instance.name = S("b 2");
	cr_expect_eq(proto_encode(&in, frame, sizeof(frame)), -EINVAL);
	memcpy(body, want + PROTO_HDR_LEN, sizeof(body));
	body[11] = '/';
	cr_expect_eq(decode_exact(MSG_LIST_INSTANCE, body, 13), -EBADMSG);
	cr_expect_str_eq(proto_type_name(MSG_LIST_INSTANCE), "LIST_INSTANCE");
	cr_expect_str_eq(proto_type_name(MSG_STOP), "STOP");
	cr_expect_str_eq(proto_type_name(MSG_STATUS), "STATUS");
	cr_expect_str_eq(proto_type_name(MSG_STATUS_REPLY), "STATUS_REPLY");
	cr_expect_str_eq(proto_type_name(MSG_STOPPED), "STOPPED");
	cr_expect_str_eq(proto_type_name(MSG_START_INSTANCE),
	    "START_INSTANCE");
}
