/* SPDX-License-Identifier: ISC */
/*
 * test_reader.c: the stream reader (common/reader.c).  Whole frames,
 * frames fed byte by byte and several in one feed, refusals judged on the
 * header before the body arrives, the bound on its buffer (small while
 * frames are small, grown only for a big one, given back after it),
 * -stop_all's passing over long frames, and the exact reads of
 * shimlink_read().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "proto.h"
#include "reader.h"

#define SMALL	4096

static uint8_t	frame[4 * PROTO_MAX_FRAME];

/* An OUTPUT frame of len data bytes ('a' + run_id) at frame + off; its
 * length. */
static size_t
put_output(size_t off, uint64_t run_id, size_t len)
{
	static uint8_t		data[PROTO_MAX_OUTPUT];
	struct proto_msg	m = { .type = MSG_OUTPUT };
	ssize_t			n;

	memset(data, 'a' + (int)run_id, len);
	m.u.output.run_id = run_id;
	m.u.output.stream = STREAM_STDOUT;
	m.u.output.data.p = data;
	m.u.output.data.len = (uint16_t)len;
	n = proto_encode(&m, frame + off, sizeof(frame) - off);
	cr_assert_gt(n, 0);
	return (size_t)n;
}

/* A START of argc arguments of arglen bytes each (a big frame). */
static size_t
put_start(size_t off, int argc, size_t arglen)
{
	static char		arg[PROTO_MAX_ARG + 1];
	struct proto_msg	m = { .type = MSG_START };
	ssize_t			n;
	int			i;

	memset(arg, 'x', arglen);
	arg[arglen] = '\0';
	m.u.start.argc = (uint16_t)argc;
	for (i = 0; i < argc; i++) {
		m.u.start.argv[i].p = (const uint8_t *)arg;
		m.u.start.argv[i].len = (uint16_t)arglen;
	}
	n = proto_encode(&m, frame + off, sizeof(frame) - off);
	cr_assert_gt(n, 0);
	return (size_t)n;
}

/* Feeds all n bytes, taking frames as they are whole; the count taken.
 * Each frame's output data is checked to be run_id's letter. */
static int
feed_all(struct reader *r, const uint8_t *p, size_t n, size_t chunk)
{
	struct proto_msg	m;
	ssize_t			k, t;
	size_t			c;
	int			got = 0;

	while (n > 0) {
		c = n < chunk ? n : chunk;
		k = reader_feed(r, p, c);
		cr_assert_geq(k, 0);
		cr_assert_leq(r->cap, PROTO_HDR_LEN + r->max_body > r->small ?
		    PROTO_HDR_LEN + r->max_body : r->small, "bound kept");
		p += k;
		n -= (size_t)k;
		while ((t = reader_take(r, NULL, &m, NULL, 0)) > 0) {
			if (m.type == MSG_OUTPUT && m.u.output.data.len > 0)
				cr_expect_eq(m.u.output.data.p[0],
				    'a' + (int)m.u.output.run_id);
			got++;
		}
		cr_assert_eq(t, 0);
	}
	return got;
}

Test(reader, whole_frame)
{
	struct reader		r;
	struct proto_msg	m;
	struct proto_hdr	h;
	size_t			n = put_output(0, 3, 100);

	reader_init(&r, SMALL, PROTO_MAX_BODY);
	cr_expect_null(r.buf, "nothing allocated before a byte comes");
	cr_assert_eq(reader_feed(&r, frame, n), (ssize_t)n);
	cr_assert_eq(reader_take(&r, &h, &m, NULL, 0), (ssize_t)n);
	cr_expect_eq(h.type, MSG_OUTPUT);
	cr_expect_eq(m.u.output.run_id, 3);
	cr_expect_eq(m.u.output.data.len, 100);
	cr_expect_eq(memcmp(m.u.output.data.p, frame + n - 100, 100), 0);
	cr_expect_eq(reader_take(&r, NULL, &m, NULL, 0), 0);
	cr_expect_eq(reader_held(&r), 0);
	cr_expect_eq(r.cap, SMALL, "a small buffer is kept");
	reader_free(&r);
	cr_expect_null(r.buf);
}

Test(reader, byte_by_byte)
{
	struct reader	r;
	size_t		n = put_output(0, 1, 40);

	n += put_start(n, 3, 1000);
	n += put_output(n, 2, 0);
	reader_init(&r, SMALL, PROTO_MAX_BODY);
	cr_expect_eq(feed_all(&r, frame, n, 1), 3);
	cr_expect_eq(reader_held(&r), 0);
	reader_free(&r);
}

Test(reader, two_frames_in_one_feed)
{
	struct reader		r;
	struct proto_msg	m;
	size_t			a = put_output(0, 1, 10);
	size_t			b = put_output(a, 2, 20);

	reader_init(&r, SMALL, PROTO_MAX_BODY);
	cr_assert_eq(reader_feed(&r, frame, a + b), (ssize_t)(a + b));
	cr_assert_eq(reader_take(&r, NULL, &m, NULL, 0), (ssize_t)a);
	cr_expect_eq(m.u.output.run_id, 1);
	cr_assert_eq(reader_take(&r, NULL, &m, NULL, 0), (ssize_t)b);
	cr_expect_eq(m.u.output.run_id, 2);
	cr_expect_eq(m.u.output.data.len, 20);
	cr_expect_eq(reader_take(&r, NULL, &m, NULL, 0), 0);
	reader_free(&r);
}

/* One frame and the start of the next: the rest is kept across feeds. */
Test(reader, partial_frame_kept)
{
	struct reader		r;
	struct proto_msg	m;
	size_t			a = put_output(0, 1, 10);
	size_t			b = put_output(a, 2, 30);

	reader_init(&r, SMALL, PROTO_MAX_BODY);
	cr_assert_eq(reader_feed(&r, frame, a + 5), (ssize_t)(a + 5));
	cr_assert_eq(reader_take(&r, NULL, &m, NULL, 0), (ssize_t)a);
	cr_assert_eq(reader_take(&r, NULL, &m, NULL, 0), 0);
	cr_expect_eq(reader_held(&r), 5);
	cr_expect_eq(reader_want(&r), PROTO_HDR_LEN - 5);
	cr_assert_eq(reader_feed(&r, frame + a + 5, 10), 10);
	cr_expect_eq(reader_want(&r), b - 15);
	cr_assert_eq(reader_feed(&r, frame + a + 15, b - 15),
	    (ssize_t)(b - 15));
	cr_assert_eq(reader_take(&r, NULL, &m, NULL, 0), (ssize_t)b);
	cr_expect_eq(m.u.output.run_id, 2);
	reader_free(&r);
}

/* A header over the bound is refused before any of its body is in. */
Test(reader, oversized_header_refused_first)
{
	struct reader		r;
	struct proto_msg	m;
	struct proto_hdr	h;
	char			why[128], want[128];
	size_t			n = put_output(0, 1, 200);

	reader_init(&r, SMALL, 64);
	cr_assert_eq(reader_feed(&r, frame, PROTO_HDR_LEN), PROTO_HDR_LEN);
	cr_expect_eq(reader_want(&r), 0, "nothing more is awaited");
	cr_expect_eq(reader_take(&r, &h, &m, why, sizeof(why)), -EMSGSIZE);
	cr_expect_eq(h.len, n - PROTO_HDR_LEN);
	snprintf(want, sizeof(want), "frame of %zu bytes exceeds the limit "
	    "of 64", n - PROTO_HDR_LEN);
	cr_expect_str_eq(why, want);
	reader_free(&r);

	/* Over the protocol's own limit, with its four bytes of length. */
	reader_init(&r, SMALL, PROTO_MAX_BODY);
	memcpy(frame, "\x7f\xff\xff\xff\x00\x64\x00\x00", PROTO_HDR_LEN);
	cr_assert_eq(reader_feed(&r, frame, PROTO_HDR_LEN), PROTO_HDR_LEN);
	cr_expect_eq(reader_take(&r, &h, &m, NULL, 0), -EMSGSIZE);
	cr_expect_leq(r.cap, SMALL, "no room made for a refused frame");
	reader_free(&r);
}

Test(reader, malformed_header)
{
	struct reader		r;
	struct proto_msg	m;
	char			why[128];
	uint8_t			bad[] = { 0, 0, 0, 0, 0, 101, 0, 1 };

	reader_init(&r, SMALL, PROTO_MAX_BODY);
	cr_assert_eq(reader_feed(&r, bad, sizeof(bad)), sizeof(bad));
	cr_expect_eq(reader_take(&r, NULL, &m, why, sizeof(why)), -EPROTO);
	cr_expect_str_eq(why, "malformed frame header");
	reader_free(&r);

	/* An unknown type and a body of the wrong layout. */
	reader_init(&r, SMALL, PROTO_MAX_BODY);
	memcpy(bad, "\0\0\0\0\x03\xe7\0\0", sizeof(bad));
	cr_assert_eq(reader_feed(&r, bad, sizeof(bad)), sizeof(bad));
	cr_expect_eq(reader_take(&r, NULL, &m, NULL, 0), -ENOTSUP);
	reader_free(&r);
	reader_init(&r, SMALL, PROTO_MAX_BODY);
	memcpy(bad, "\0\0\0\0\0\x65\0\0", sizeof(bad));	/* HEARTBEAT, no seq */
	cr_assert_eq(reader_feed(&r, bad, sizeof(bad)), sizeof(bad));
	cr_expect_eq(reader_take(&r, NULL, &m, NULL, 0), -EBADMSG);
	reader_free(&r);
}

/*
 * The buffer: small for small frames however many come at once, grown to
 * exactly a big frame's length while it arrives, small again after it.
 */
Test(reader, bound_respected)
{
	struct reader		r;
	struct proto_msg	m;
	size_t			n = 0, big, over;
	int			i;

	for (i = 0; i < 200; i++)
		n += put_output(n, (uint64_t)(i % 20), 100);
	reader_init(&r, SMALL, PROTO_MAX_BODY);
	cr_expect_eq(feed_all(&r, frame, n, 16384), 200);
	cr_expect_eq(r.cap, SMALL, "never more than small for small frames");

	big = put_start(0, 15, PROTO_MAX_ARG);
	cr_assert_gt(big, SMALL);
	cr_assert_eq(reader_feed(&r, frame, SMALL), SMALL);
	cr_expect_eq(reader_take(&r, NULL, &m, NULL, 0), 0);
	cr_expect_eq(reader_feed(&r, frame + SMALL, 1), 1);
	cr_expect_eq(r.cap, big, "grown to the frame's length, no more");
	cr_expect_eq(feed_all(&r, frame + SMALL + 1, big - SMALL - 1, 100000),
	    1);
	cr_expect_null(r.buf, "a big buffer is given back once empty");
	reader_free(&r);

	/* The bound: a frame just over it is refused, one at it taken. */
	over = put_output(0, 1, 0) - PROTO_HDR_LEN;	/* body of no data */
	reader_init(&r, 0, 100);
	n = put_output(0, 1, 100 - over);
	cr_expect_eq(feed_all(&r, frame, n, 7), 1);
	n = put_output(0, 1, 101 - over);
	cr_assert_eq(reader_feed(&r, frame, n), PROTO_HDR_LEN + 100,
	    "no more than the bound is held");
	cr_expect_eq(r.cap, PROTO_HDR_LEN + 100);
	cr_expect_eq(reader_take(&r, NULL, &m, NULL, 0), -EMSGSIZE);
	reader_free(&r);
}

/* With no buffer of its own (a shim link) an idle reader holds nothing. */
Test(reader, idle_holds_nothing)
{
	struct reader	r;
	size_t		n = 0, one = 0;
	int		i;

	for (i = 0; i < 10; i++)
		n += one = put_output(n, 1, 1000);
	reader_init(&r, 0, PROTO_MAX_BODY);
	cr_expect_eq(feed_all(&r, frame, n - 500, 16384), 9);
	cr_expect_eq(r.cap, one, "room for the partial frame only");
	cr_expect_eq(feed_all(&r, frame + n - 500, 500, 16384), 1);
	cr_expect_null(r.buf);
	cr_expect_eq(r.cap, 0);
	reader_free(&r);
}

/* -stop_all: frames longer than its small bound are passed over. */
Test(reader, pass_over_long_frames)
{
	struct reader		r;
	struct proto_hdr	h;
	struct proto_msg	m;
	size_t			n = 0, i;
	ssize_t			k, t;
	int			got = 0, passed = 0;

	n += put_output(n, 1, 5000);
	n += put_output(n, 2, 10);
	n += put_output(n, 3, 300);
	n += put_output(n, 4, 0);
	reader_init(&r, PROTO_HDR_LEN + 64, 64);
	for (i = 0; i < n; i += (size_t)k) {
		k = reader_feed(&r, frame + i, n - i < 50 ? n - i : 50);
		cr_assert_geq(k, 0);
		cr_assert_leq(r.cap, PROTO_HDR_LEN + 64);
		while ((t = reader_take(&r, &h, &m, NULL, 0)) != 0) {
			if (t == -EMSGSIZE) {
				reader_pass(&r);
				passed++;
				continue;
			}
			cr_assert_gt(t, 0);
			cr_expect(m.u.output.run_id == 2 ||
			    m.u.output.run_id == 4);
			got++;
		}
	}
	cr_expect_eq(passed, 2);
	cr_expect_eq(got, 2);
	reader_free(&r);
}

/* shimlink_read: reading exactly what reader_want asks for never reads
 * into the next frame. */
Test(reader, want_reads_exactly_one_frame)
{
	struct reader		r;
	struct proto_msg	m;
	uint8_t			*room;
	size_t			cap, want, used = 0;
	size_t			a = put_start(0, 2, 3000);
	ssize_t			t;

	put_output(a, 1, 10);
	reader_init(&r, 0, PROTO_MAX_BODY);
	while ((t = reader_take(&r, NULL, &m, NULL, 0)) == 0) {
		want = reader_want(&r);
		cr_assert_gt(want, 0);
		cr_assert_eq(reader_room(&r, &room, &cap), 0);
		cr_assert_geq(cap, want);
		memcpy(room, frame + used, want);
		reader_wrote(&r, want);
		used += want;
	}
	cr_expect_eq(t, (ssize_t)a);
	cr_expect_eq(used, a, "not a byte of the next frame");
	cr_expect_eq(m.type, MSG_START);
	cr_expect_eq(m.u.start.argc, 2);
	reader_free(&r);
}
