/* SPDX-License-Identifier: ISC */
/*
 * reader.h: the one reader of a framed byte stream (a TLS session, the
 * link between cmappserver and a shim).  It gathers bytes and cuts them
 * into frames with proto_take(), so that every reader judges frames alike.
 * Its buffer stays small while frames are small, since every idle
 * connection pays for it, and grows up to its bound only for a frame whose
 * header says it is big.
 *
 *	reader_init(&r, SMALL, MAX_BODY);
 *	while (bytes come) {
 *		reader_feed(&r, p, n) (or reader_room, read, reader_wrote);
 *		while ((n = reader_take(&r, ...)) > 0)
 *			handle the frame;
 *	}
 *	reader_free(&r);
 */
#ifndef CMAPP_READER_H
#define CMAPP_READER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto.h"

struct reader {
	uint8_t	*buf;
	size_t	 cap;		/* allocated */
	size_t	 off;		/* where the next frame starts */
	size_t	 len;		/* bytes held, from buf */
	size_t	 skip;		/* bytes of a passed-over frame yet to come */
	size_t	 small;		/* capacity kept while frames are small */
	size_t	 max_body;	/* the bound: a longer body is refused */
};

/*
 * An empty reader that refuses a body longer than max_body (at most
 * PROTO_MAX_BODY, which it counts as when given more) and keeps small
 * bytes of buffer while frames fit them (0: gives its buffer back whenever
 * it holds nothing, for a stream mostly idle).  Allocates nothing.
 */
void	reader_init(struct reader *r, size_t small, size_t max_body);
void	reader_free(struct reader *r);

/*
 * Copies what fits of the n bytes at p: as much as the buffer takes while
 * frames are small, up to the whole of the frame that begins, or of the
 * bound.  Returns the bytes used (fewer than n: take frames, then feed
 * the rest), or -ENOMEM.
 */
ssize_t	reader_feed(struct reader *r, const uint8_t *p, size_t n);

/*
 * For reading into the buffer itself: *p and *n the room after what it
 * holds, at least what the frame that begins still lacks (reader_want);
 * then reader_wrote() says how much was put there.  0, or -ENOMEM.
 */
int	reader_room(struct reader *r, uint8_t **p, size_t *n);
void	reader_wrote(struct reader *r, size_t n);

/*
 * The next frame, as proto_take() answers (with the reader's max_body):
 * 0 while no whole frame is held, its length when *m is filled, or -errno
 * when it is refused.  Strings in *m point into the reader's buffer and
 * stay valid until the next call on the reader.
 */
ssize_t	reader_take(struct reader *r, struct proto_hdr *h, struct proto_msg *m,
	    char *why, size_t whylen);

/*
 * After reader_take() said -EMSGSIZE: passes over that frame, its body
 * dropped as it comes, so that the next frame can be read (for a reader
 * that only needs small frames, as -stop_all).
 */
void	reader_pass(struct reader *r);

/* Bytes held of a frame not yet whole (0 between frames). */
size_t	reader_held(const struct reader *r);
/* Bytes the next frame still lacks, its header first (0: take it). */
size_t	reader_want(const struct reader *r);

#endif
