/* SPDX-License-Identifier: ISC */
/*
 * reader.c: gathers a byte stream and cuts it into frames (see reader.h).
 * The buffer is sized by what the frame that begins needs, read from its
 * header, never by what the peer merely sends: a peer cannot make it grow
 * past the bound, and it shrinks back once a big frame is taken.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"

void
reader_init(struct reader *r, size_t small, size_t max_body)
{
	memset(r, 0, sizeof(*r));
	r->small = small;
	r->max_body = max_body > PROTO_MAX_BODY ? PROTO_MAX_BODY : max_body;
}

void
reader_free(struct reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = r->off = r->len = r->skip = 0;
}

/* What the frame that begins needs in the buffer: its header, then, once
 * the header is in and within the bound, the whole frame. */
static size_t
frame_need(const struct reader *r)
{
	struct proto_hdr	h;

	if (r->len - r->off >= PROTO_HDR_LEN &&
	    proto_decode_header(r->buf + r->off, r->len - r->off, &h) == 0 &&
	    h.len <= r->max_body)
		return PROTO_HDR_LEN + (size_t)h.len;
	return PROTO_HDR_LEN;
}

static size_t
max_size(size_t a, size_t b)
{
	return a > b ? a : b;
}

/* The most the buffer may hold: the bound's frame, or small if more. */
static size_t
bound(const struct reader *r)
{
	return max_size(r->small, PROTO_HDR_LEN + r->max_body);
}

/* Moves what is held to the front; gives back a big buffer. */
static void
compact(struct reader *r)
{
	size_t	 keep;
	uint8_t	*nb;

	if (r->off == r->len) {
		r->off = r->len = 0;
		if (r->cap > r->small) {
			free(r->buf);
			r->buf = NULL;
			r->cap = 0;
		}
		return;
	}
	if (r->off > 0) {
		memmove(r->buf, r->buf + r->off, r->len - r->off);
		r->len -= r->off;
		r->off = 0;
	}
	keep = max_size(r->small, frame_need(r));
	if (r->cap > keep && (nb = realloc(r->buf, keep)) != NULL) {
		r->buf = nb;
		r->cap = keep;
	}
}

/* Grows the buffer to want bytes (within the bound); 0 or -ENOMEM. */
static int
grow(struct reader *r, size_t want)
{
	uint8_t	*nb;

	if (want > bound(r))
		want = bound(r);
	if (want <= r->cap)
		return 0;
	if ((nb = realloc(r->buf, want)) == NULL)
		return -ENOMEM;
	r->buf = nb;
	r->cap = want;
	return 0;
}

int
reader_room(struct reader *r, uint8_t **p, size_t *n)
{
	int	e;

	compact(r);
	if ((e = grow(r, max_size(r->small, frame_need(r)))) != 0)
		return e;
	*p = r->buf + r->len;
	*n = r->cap - r->len;
	return 0;
}

void
reader_wrote(struct reader *r, size_t n)
{
	size_t	k = n < r->skip ? n : r->skip;

	/* Bytes of a frame passed over are dropped as they come. */
	if (k > 0) {
		memmove(r->buf + r->len, r->buf + r->len + k, n - k);
		r->skip -= k;
		n -= k;
	}
	r->len += n;
}

ssize_t
reader_feed(struct reader *r, const uint8_t *p, size_t n)
{
	size_t	want, k;
	int	e;

	if (r->skip > 0) {
		k = n < r->skip ? n : r->skip;
		r->skip -= k;
		return (ssize_t)k;
	}
	compact(r);
	want = max_size(r->small, frame_need(r));
	/* Without a buffer of its own (an idle link costs nothing) the
	 * reader takes a feed whole, within the bound, rather than
	 * allocating frame by frame; compact() gives it back. */
	if (r->small == 0 && r->len + n > want)
		want = r->len + n;
	if ((e = grow(r, want)) != 0)
		return e;
	k = r->cap - r->len;
	if (k > n)
		k = n;
	if (k > 0)
		memcpy(r->buf + r->len, p, k);
	r->len += k;
	return (ssize_t)k;
}

ssize_t
reader_take(struct reader *r, struct proto_hdr *h, struct proto_msg *m,
    char *why, size_t whylen)
{
	ssize_t	n = 0;

	if (r->off < r->len)
		n = proto_take(r->buf + r->off, r->len - r->off, r->max_body,
		    h, m, why, whylen);
	if (n > 0)
		r->off += (size_t)n;
	else if (n == 0)
		compact(r);
	return n;
}

void
reader_pass(struct reader *r)
{
	struct proto_hdr	h;
	size_t			held = r->len - r->off, flen;

	if (held < PROTO_HDR_LEN)
		return;
	(void)proto_decode_header(r->buf + r->off, held, &h);
	flen = PROTO_HDR_LEN + (size_t)h.len;
	if (held >= flen) {
		r->off += flen;
		return;
	}
	r->skip = flen - held;
	r->off = r->len = 0;
}

size_t
reader_held(const struct reader *r)
{
	return r->len - r->off;
}

size_t
reader_want(const struct reader *r)
{
	size_t	held = r->len - r->off, need;

	if (r->skip > 0)
		return r->skip;
	if (held < PROTO_HDR_LEN)
		return PROTO_HDR_LEN - held;
	need = frame_need(r);
	if (need == PROTO_HDR_LEN)
		return 0;	/* refused by its header, or a bare header */
	return need > held ? need - held : 0;
}
