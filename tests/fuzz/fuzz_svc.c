/* SPDX-License-Identifier: ISC */
/*
 * fuzz_svc.c: libFuzzer target for common/svc.c, which turns a START's argv
 * from the wire into the strings cmappserver execs, matches services by
 * them, and renders them for logs and listings.  Each input is used twice:
 *
 *  1. as a START body: what decodes must convert without loss;
 *  2. split at 0xff bytes into raw wire strings (which may hold NUL bytes,
 *     or be too many): svc_argv_from_wire must refuse exactly the bad ones.
 *
 * Every argv that converts is then compared with itself and near copies,
 * and rendered by svc_display at many sizes: the line never overflows, has
 * none of the bytes vis.c escapes (one log line, nothing a terminal acts
 * on), is a prefix of the whole rendering ending in "..." when cut, and,
 * uncut, reads back through POSIX shell quoting rules ('...', and $'...'
 * with vis.c's escapes for an argument with control bytes) to the very
 * argv.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "svc.h"
#include "vis.h"

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_svc: %s:%d: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
		abort();						\
	}								\
} while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The characters svc.c quotes besides blanks and control characters. */
static const char special[] = " \t\n'\"\\$`!*?[]{}()<>|&;#~";

static size_t
argv_count(char *const *argv)
{
	size_t	n = 0;

	while (argv[n] != NULL)
		n++;
	return n;
}

/* $'...' at s (past the $): decodes vis.c's escapes and \' into w; the
 * closing quote, or NULL if the text is not what svc.c writes. */
static const char *
dollar_quote(const char *s, char *w, size_t *wl)
{
	int	v;

	for (s++; *s != '\'' && *s != '\0'; s++) {
		if (*s != '\\') {
			w[(*wl)++] = *s;
			continue;
		}
		s++;
		if (*s == '\\' || *s == '\'')
			w[(*wl)++] = *s;
		else if (*s == 'n' || *s == 'r')
			w[(*wl)++] = *s == 'n' ? '\n' : '\r';
		else if (s[0] >= '0' && s[0] <= '3' && s[1] >= '0' &&
		    s[1] <= '7' && s[2] >= '0' && s[2] <= '7') {
			v = (s[0] - '0') * 64 + (s[1] - '0') * 8 + s[2] - '0';
			if (!vis_is_ctl((uint8_t)v))
				return NULL;	/* vis.c escapes no other */
			w[(*wl)++] = (char)v;
			s += 2;
		} else
			return NULL;
	}
	return *s == '\'' ? s : NULL;
}

/*
 * Reads a rendering back as a POSIX shell would split it: words apart at
 * unquoted blanks, '...' literal, $'...' with escapes, a backslash quoting
 * the next character.
 * Outside quotes, only plain characters may appear: anything a shell would
 * expand or split on must have been quoted.  Returns the words, or NULL
 * when the line is not valid.
 */
static char **
unquote(const char *line)
{
	char	**words, *w;
	size_t	  n = 0, cap = 8, wl = 0, len = strlen(line);
	int	  in_word = 0;
	const char *s;

	words = calloc(cap + 1, sizeof(*words));
	w = malloc(len + 1);
	CHECK(words != NULL && w != NULL);
	for (s = line; ; s++) {
		if (*s == ' ' || *s == '\0') {
			if (in_word) {
				if (n == cap) {
					words = realloc(words,
					    (2 * cap + 1) * sizeof(*words));
					CHECK(words != NULL);
					cap *= 2;
				}
				w[wl] = '\0';
				words[n] = strdup(w);
				CHECK(words[n] != NULL);
				n++;
				words[n] = NULL;
				wl = 0;
				in_word = 0;
			} else if (*s == ' ')
				goto bad;	/* svc.c puts one blank */
			if (*s == '\0')
				break;
			continue;
		}
		in_word = 1;
		if (*s == '$' && s[1] == '\'') {
			if ((s = dollar_quote(s + 1, w, &wl)) == NULL)
				goto bad;
			continue;
		}
		if (*s == '\'') {
			for (s++; *s != '\'' && *s != '\0'; s++)
				w[wl++] = *s;
			if (*s == '\0')
				goto bad;	/* unbalanced quote */
			continue;
		}
		if (*s == '\\') {
			if (s[1] != '\'')
				goto bad;	/* svc.c escapes only quotes */
			w[wl++] = *++s;
			continue;
		}
		if (strchr(special, *s) != NULL)
			goto bad;		/* unquoted special character */
		w[wl++] = *s;
	}
	free(w);
	return words;
bad:
	free(w);
	svc_argv_free(words);
	return NULL;
}


static void
check_display(char *const *argv, size_t extra_cap)
{
	static const size_t caps[] = { 1, 2, 3, 4, 5, 6, 8, 16, 64, 256 };
	char		*full, *buf, **back;
	size_t		 i, need = 1, len, cap, k;
	unsigned char	 canary;

	/* Worst case: every byte 4 (\ooo, or '\'' quoted), plus $''
	 * and a blank. */
	for (i = 0; argv[i] != NULL; i++)
		need += 4 * strlen(argv[i]) + 4;
	full = malloc(need);
	CHECK(full != NULL);
	CHECK(svc_display(argv, full, need) == full);
	len = strlen(full);
	CHECK(len < need);
	for (i = 0; i < len; i++)
		CHECK(!vis_is_ctl((unsigned char)full[i]));

	back = unquote(full);
	CHECK(back != NULL);
	CHECK(argv_count(back) == argv_count(argv));
	for (i = 0; argv[i] != NULL; i++)
		CHECK(strcmp(back[i], argv[i]) == 0);
	svc_argv_free(back);

	/* cap 0 writes nothing at all. */
	canary = 0xa5;
	CHECK(svc_display(argv, (char *)&canary, 0) == (char *)&canary);
	CHECK(canary == 0xa5);

	for (k = 0; k <= sizeof(caps) / sizeof(caps[0]); k++) {
		cap = k < sizeof(caps) / sizeof(caps[0]) ? caps[k] :
		    1 + extra_cap % (need + 8);
		buf = malloc(cap);		/* exact: ASan sees overruns */
		CHECK(buf != NULL);
		CHECK(svc_display(argv, buf, cap) == buf);
		CHECK(memchr(buf, '\0', cap) != NULL);
		if (len < cap)
			CHECK(strcmp(buf, full) == 0);
		else if (cap > 4) {
			CHECK(strlen(buf) == cap - 1);
			CHECK(memcmp(buf, full, cap - 4) == 0);
			CHECK(strcmp(buf + cap - 4, "...") == 0);
		} else {
			CHECK(strlen(buf) == cap - 1);
			CHECK(memcmp(buf, full, cap - 1) == 0);
		}
		free(buf);
	}
	free(full);
}

/* argv equals itself and a copy, and differs from any near copy. */
static void
check_equal(char *const *argv)
{
	size_t	  n = argv_count(argv), i;
	char	**copy, *saved, *longer;

	CHECK(svc_argv_equal(argv, argv));
	copy = calloc(n + 2, sizeof(*copy));
	CHECK(copy != NULL);
	for (i = 0; i < n; i++)
		CHECK((copy[i] = strdup(argv[i])) != NULL);
	CHECK(svc_argv_equal(argv, copy) && svc_argv_equal(copy, argv));

	/* One argument more or fewer. */
	copy[n] = strdup("");
	CHECK(copy[n] != NULL);
	CHECK(!svc_argv_equal(argv, copy) && !svc_argv_equal(copy, argv));
	free(copy[n]);
	copy[n] = NULL;
	if (n > 1) {
		saved = copy[n - 1];
		copy[n - 1] = NULL;
		CHECK(!svc_argv_equal(argv, copy));
		copy[n - 1] = saved;
	}
	/* The last argument one byte longer. */
	longer = malloc(strlen(copy[n - 1]) + 2);
	CHECK(longer != NULL);
	sprintf(longer, "%s%c", copy[n - 1], 'x');
	saved = copy[n - 1];
	copy[n - 1] = longer;
	CHECK(!svc_argv_equal(argv, copy) && !svc_argv_equal(copy, argv));
	copy[n - 1] = saved;
	free(longer);
	svc_argv_free(copy);
}

static void
check_argv(char **argv, const struct proto_str *v, unsigned argc,
    size_t extra_cap)
{
	unsigned	i;

	CHECK(argv[argc] == NULL);
	for (i = 0; i < argc; i++) {
		CHECK(argv[i] != NULL);
		CHECK(strlen(argv[i]) == v[i].len);
		CHECK(v[i].len == 0 || memcmp(argv[i], v[i].p, v[i].len) == 0);
	}
	check_equal(argv);
	check_display(argv, extra_cap);
}

/* 1: a START body, through the decoder as cmappserver gets it. */
static void
as_start(const uint8_t *data, size_t size)
{
	static struct proto_msg	 m;
	uint8_t			*body;
	char			**argv;
	int			  r;

	body = malloc(size > 0 ? size : 1);
	CHECK(body != NULL);
	if (size > 0)
		memcpy(body, data, size);
	if (proto_decode(MSG_START, body, size, &m) == 0) {
		r = svc_argv_from_wire(m.u.start.argv, m.u.start.argc, &argv);
		CHECK(r == 0);
		check_argv(argv, m.u.start.argv, m.u.start.argc, size);
		svc_argv_free(argv);
	}
	free(body);
}

/* 2: raw wire strings, each its own heap block, split at 0xff. */
static void
as_pieces(const uint8_t *data, size_t size)
{
	static struct proto_str	 v[PROTO_MAX_ARGS + 8];
	static uint8_t		*block[PROTO_MAX_ARGS + 8];
	char			**argv = NULL;
	size_t			 start = 0, i, len;
	unsigned		 argc = 0, k;
	int			 has_nul = 0, r;

	for (i = 0; i <= size && argc < PROTO_MAX_ARGS + 8; i++) {
		if (i < size && data[i] != 0xff)
			continue;
		len = i - start;
		if (len > PROTO_MAX_ARG)
			len = PROTO_MAX_ARG;
		block[argc] = malloc(len > 0 ? len : 1);
		CHECK(block[argc] != NULL);
		if (len > 0)
			memcpy(block[argc], data + start, len);
		if (memchr(data + start, '\0', len) != NULL)
			has_nul = 1;
		v[argc].p = block[argc];
		v[argc].len = (uint16_t)len;
		argc++;
		start = i + 1;
	}
	/* An input without 0xff is one argument; with a leading one, none. */
	if (size > 0 && data[0] == 0xff)
		argc = 0;
	r = svc_argv_from_wire(v, argc, &argv);
	if (argc == 0 || argc > PROTO_MAX_ARGS || has_nul)
		CHECK(r == -EINVAL);
	else {
		CHECK(r == 0);
		/* svc.c takes what the decoder passed: an empty argv[0] too. */
		check_argv(argv, v, argc, size);
		svc_argv_free(argv);
	}
	for (k = 0; k < PROTO_MAX_ARGS + 8 && block[k] != NULL; k++) {
		free(block[k]);
		block[k] = NULL;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	as_start(data, size);
	as_pieces(data, size);
	return 0;
}
