/*
 * conf.c: reads cmappserver.conf and cmappmgr.conf, the manual's
 * Java-properties-like files.  inih splits the key lines into keys and
 * values, but from a sanitized copy of the file, not the file itself,
 * because of two ways it reads lines:
 *  - into a buffer fixed when it is built (INI_MAX_LINE, 200 bytes in
 *    Debian's libinih, whatever ini_max_line says), taking the tail of a
 *    longer line for a line of its own: a long comment would stop
 *    start-up, or worse, its tail be read as a key;
 *  - a line starting with '[' as a [section], the rest of the line
 *    dropped: the "[ADDR]:" lines that pin IPv6 nodes would vanish.
 * So sanitize() copies the file line for line: comment and blank lines
 * become empty, so that comments may be of any length and every line
 * keeps its number, and the "[ADDR]" that starts a node line becomes a
 * plain name, which the handler maps back to the file's line.  It refuses
 * the first line that inih would still misread, or that INI readers and
 * Java read differently: a key line over 198 bytes, a NUL byte (the end of
 * inih's string), an indented line (a continuation to inih, not to Java),
 * a ';' after a blank in a value (a comment to inih, part of the value to
 * Java), a [section].  This inih build has no INI_HANDLER_LINENO: the
 * handler finds its line by walking the file alongside.  A file is applied
 * whole or not at all.
 */
#include <ctype.h>
#include <fnmatch.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ini.h>

#include "conf.h"
#include "readfile.h"

/*
 * inih reads a line into CONF_MAX_LINE bytes, which must also hold its
 * '\n' and a NUL: a longer line would be cut and its tail read as a line
 * of its own.
 */
#define LINE_MAX_TEXT		(CONF_MAX_LINE - 2)

/*
 * What inih reads in place of the "[ADDR]" starting a node line: a name
 * with neither ':' nor '[', no longer than the shortest such token ("[]"),
 * so that no sanitized line is longer than the file's.
 */
#define NODE_TOKEN		"@"

#define NODE_PASSWORD		"public"	/* the manual's trustStorePassword */
#define NODE_ARRAY_START	8

enum key {
	K_KEYSTORE,
	K_KEYSTORE_PASSWORD,
	K_TRUSTSTORE,
	K_TRUSTSTORE_PASSWORD,
	K_PORT,
	K_LISTEN,
	K_MAX_PROCESSES,
	K_ALLOW_COMMAND,
};

static const struct {
	const char	*name;
	int		 server_only;
} keys[] = {
	[K_KEYSTORE] =			{ "keyStore", 0 },
	[K_KEYSTORE_PASSWORD] =		{ "keyStorePassword", 0 },
	[K_TRUSTSTORE] =		{ "trustStore", 0 },
	[K_TRUSTSTORE_PASSWORD] =	{ "trustStorePassword", 0 },
	[K_PORT] =			{ "port", 1 },
	[K_LISTEN] =			{ "listen", 1 },
	[K_MAX_PROCESSES] =		{ "max_processes", 1 },
	[K_ALLOW_COMMAND] =		{ "allow_command", 1 },
};

enum line_kind {
	L_BLANK,	/* empty, or a '#' or ';' comment, of any length */
	L_PAIR,		/* name=value or name:value */
	L_INDENTED,	/* INI readers append it to the previous value */
	L_SECTION,	/* [section] */
	L_UNBALANCED,	/* a '[' without its ']' */
	L_NO_VALUE,	/* neither '=' nor ':' before any comment */
	L_INLINE_COMMENT, /* a value INI readers cut at " ;" */
	L_NUL,
	L_BOM,		/* a second BOM, which inih would drop as the first */
	L_LONG,		/* a key line over LINE_MAX_TEXT bytes */
};

/* A line of the file, as classify() found it. */
struct line {
	const char	*s;		/* after a UTF-8 BOM on line 1 */
	size_t		 len;
	size_t		 delim;		/* of the '=' or ':' after the name */
	int		 has_delim;
};

struct parse {
	struct conf	 c;		/* the result, copied out on success */
	struct conf	 def;		/* the role's defaults: what "" means */
	size_t		 cap;		/* of c.nodes */
	const char	*fname;
	char		*err;
	size_t		 errlen;
	int		 failed;
	/* The file, walked alongside inih to find the line of each key. */
	const char	*next;
	const char	*end;
	unsigned	 lineno;
	/* Where a trustStorePassword line goes: a node, or -1: the fallback. */
	long		 last;
	/* A "NODE:" line waiting for its trustStore line. */
	char		 pending[CONF_MAX_NODE];
	unsigned	 pending_line;
};

void
conf_defaults(struct conf *c, enum conf_role role)
{
	memset(c, 0, sizeof(*c));
	c->role = role;
	if (role == CONF_MANAGER) {
		strcpy(c->key.path, "/etc/client.private");
		strcpy(c->key.password, "clientpw");
		strcpy(c->trust.path, "/etc/server.public");
		strcpy(c->trust.password, "public");
	} else {
		strcpy(c->key.path, "/opt/hp/cmappserver/server.private");
		strcpy(c->key.password, "serverpw");
		strcpy(c->trust.path, "/opt/hp/cmappserver/client.public");
		strcpy(c->trust.password, "public");
		c->max_processes = CONF_DEFAULT_PROCESSES;
	}
}

static int
bad_line(struct parse *p, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
bad_line(struct parse *p, unsigned line, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	p->failed = 1;
	if (p->err == NULL || p->errlen == 0)
		return -EINVAL;
	n = snprintf(p->err, p->errlen, "%s:%u: ", p->fname, line);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* The line at *pos, without its '\n'; moves *pos past it. */
static const char *
next_line(const char **pos, const char *end, size_t *len)
{
	const char	*s = *pos, *nl;

	if (s >= end)
		return NULL;
	nl = memchr(s, '\n', (size_t)(end - s));
	*len = (size_t)((nl != NULL ? nl : end) - s);
	*pos = nl != NULL ? nl + 1 : end;
	return s;
}

/*
 * How inih r55 reads a line (ini.c: BOM, comment, continuation, section,
 * then find_chars_or_comment), but for "[ADDR]:", which is a node; a
 * comment is blank whatever its length.
 */
static enum line_kind
classify(const char *s, size_t len, int first, struct line *l)
{
	const char	*p, *e = s + len;
	size_t		 text;
	int		 was_space;

	memset(l, 0, sizeof(*l));
	if (memchr(s, '\0', len) != NULL)
		return L_NUL;
	if (first && len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		/* Sanitized, the line would start the text with a BOM, and
		 * inih would read a name without it. */
		if (e - s >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
			return L_BOM;
	}
	l->s = s;
	l->len = (size_t)(e - s);
	for (p = s; p < e && isspace((unsigned char)*p); p++)
		;
	if (p == e || *p == '#' || *p == ';')
		return L_BLANK;
	/* A CRLF file has the same limit as an LF one. */
	text = l->len - (e[-1] == '\r');
	/* "[ADDR]:" pins to an IPv6 address, whose ':'s are not the end. */
	if (*s == '[') {
		if ((p = memchr(s, ']', l->len)) == NULL)
			return text > LINE_MAX_TEXT ? L_LONG : L_UNBALANCED;
		for (p++; p < e && isspace((unsigned char)*p); p++)
			;
		if (p == e || *p != ':')
			return text > LINE_MAX_TEXT ? L_LONG : L_SECTION;
	} else
		p = s;
	for (was_space = 0; p < e; p++) {
		if (*p == '=' || *p == ':') {
			l->delim = (size_t)(p - s);
			l->has_delim = 1;
			break;
		}
		/* INI readers end the line at a ';' that follows a blank. */
		if (was_space && *p == ';')
			break;
		was_space = isspace((unsigned char)*p);
	}
	if (text > LINE_MAX_TEXT)
		return L_LONG;
	if (isspace((unsigned char)*s))
		return L_INDENTED;
	if (!l->has_delim)
		return L_NO_VALUE;
	/* And the value at a ';' after a blank. */
	for (p = s + l->delim + 1, was_space = 0; p < e; p++) {
		if (was_space && *p == ';')
			return L_INLINE_COMMENT;
		was_space = isspace((unsigned char)*p);
	}
	return L_PAIR;
}

/* sanitize() writes at most a '\n' more than the text, and a NUL. */
#define SANITIZED_SIZE(len)	((len) + 2)

/*
 * The text inih reads, into out (size bytes, at least SANITIZED_SIZE(len)):
 * the file's lines in order, each comment or blank line empty, each key
 * line as it is but for a BOM and a final '\r', with NODE_TOKEN for the
 * "[ADDR]" of a node line.  It stops before the first line inih would
 * misread: *bad is its number, *why and *l what it is; *bad is 0 if there
 * is none.  -ENOBUFS if out is too small, which is a bug of the caller.
 */
static int
sanitize(const char *text, size_t len, char *out, size_t size,
    unsigned *bad, enum line_kind *why, struct line *l)
{
	const char	*pos = text, *line, *s, *close;
	char		*o = out;
	size_t		 n;
	unsigned	 lineno = 0;

	*bad = 0;
	*why = L_BLANK;
	memset(l, 0, sizeof(*l));
	if (size < SANITIZED_SIZE(len))
		return -ENOBUFS;
	while ((line = next_line(&pos, text + len, &n)) != NULL) {
		lineno++;
		*why = classify(line, n, lineno == 1, l);
		if (*why != L_BLANK && *why != L_PAIR) {
			*bad = lineno;
			break;
		}
		if (*why == L_PAIR) {
			/* Without a '\r', it fits inih's buffer with its '\n'. */
			s = l->s;
			n = l->len - (s[l->len - 1] == '\r');
			if (*s == '[') {
				/* classify() found the ']', then ':'. */
				close = memchr(s, ']', n);
				memcpy(o, NODE_TOKEN, sizeof(NODE_TOKEN) - 1);
				o += sizeof(NODE_TOKEN) - 1;
				n -= (size_t)(close + 1 - s);
				s = close + 1;
			}
			memcpy(o, s, n);
			o += n;
		}
		*o++ = '\n';
	}
	*o = '\0';
	return 0;
}

/* The name of a too-long line, if it has one, goes into the message. */
#define LONG_NAME_SHOWN		64

static int
syntax_error(struct parse *p, enum line_kind why, const struct line *l)
{
	size_t	n;

	switch (why) {
	case L_NUL:
		return bad_line(p, p->lineno, "the line has a NUL byte");
	case L_BOM:
		return bad_line(p, p->lineno, "the file starts with two "
		    "byte-order marks; remove the second");
	case L_LONG:
		for (n = l->delim; n > 0 && isspace((unsigned char)l->s[n - 1]);
		    n--)
			;
		if (!l->has_delim || n == 0)
			return bad_line(p, p->lineno, "the line is longer than "
			    "%d bytes", LINE_MAX_TEXT);
		return bad_line(p, p->lineno, "%.*s%s: the line is longer "
		    "than %d bytes",
		    (int)(n < LONG_NAME_SHOWN ? n : LONG_NAME_SHOWN),
		    l->s, n > LONG_NAME_SHOWN ? "..." : "", LINE_MAX_TEXT);
	case L_INDENTED:
		return bad_line(p, p->lineno, "the line starts with a blank, "
		    "which would continue the previous value; remove the "
		    "indent");
	case L_SECTION:
		return bad_line(p, p->lineno, "sections ('[...]') are not used "
		    "in this file; an IPv6 node is written [ADDR]:");
	case L_UNBALANCED:
		return bad_line(p, p->lineno, "a '[' without its ']'; an IPv6 "
		    "node is written [ADDR]:");
	case L_INLINE_COMMENT:
		return bad_line(p, p->lineno, "a ';' after a blank would start "
		    "a comment and cut the value; a value cannot hold \" ;\"");
	default:
		return bad_line(p, p->lineno, "not a key=value line");
	}
}

static int
find_key(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcasecmp(name, keys[i].name) == 0)
			return (int)i;
	return -1;
}

static int
set_str(struct parse *p, enum key k, char *dst, size_t size, const char *v)
{
	size_t	n = strlen(v);

	if (n >= size)
		return bad_line(p, p->lineno, "%s: the value is longer than "
		    "%zu bytes", keys[k].name, size - 1);
	memcpy(dst, v, n + 1);
	return 0;
}

/* 0 and the number in *out if s is decimal digits from lo to hi. */
static int
parse_number(const char *s, unsigned long lo, unsigned long hi,
    unsigned long *out)
{
	unsigned long	v = 0;

	if (*s == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*s - '0');
		/* hi is small: stopping here also stops an overflow. */
		if (v > hi)
			return -EINVAL;
	}
	if (v < lo)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Cuts blanks from both ends of s in place. */
static char *
trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/*
 * Whether s (n bytes) is an IPv6 address, with an optional "%zone" as
 * getaddrinfo() takes it; *a gets the address, *zone the offset of '%'
 * (n without one).
 */
static int
v6_addr(const char *s, size_t n, struct in6_addr *a, size_t *zone)
{
	char		 buf[INET6_ADDRSTRLEN];
	const char	*pct = memchr(s, '%', n);
	size_t		 an = pct != NULL ? (size_t)(pct - s) : n, i;

	if (an == 0 || an >= sizeof(buf))
		return 0;
	memcpy(buf, s, an);
	buf[an] = '\0';
	if (inet_pton(AF_INET6, buf, a) != 1)
		return 0;
	if (pct != NULL) {
		if (an + 1 == n)
			return 0;
		/* What interface names are made of. */
		for (i = an + 1; i < n; i++)
			if (!isalnum((unsigned char)s[i]) && s[i] != '.' &&
			    s[i] != '_' && s[i] != '-')
				return 0;
	}
	*zone = an;
	return 1;
}

/*
 * Host names match without case; IPv6 addresses by value, so that ::1 and
 * 0:0::1 are one node (a zone, if any, must be the same).
 */
static int
node_eq(const char *a, const char *b)
{
	struct in6_addr	x, y;
	size_t		na = strlen(a), nb = strlen(b), za, zb;

	if (v6_addr(a, na, &x, &za) && v6_addr(b, nb, &y, &zb))
		return memcmp(&x, &y, sizeof(x)) == 0 && na - za == nb - zb &&
		    memcmp(a + za, b + zb, na - za) == 0;
	return strcasecmp(a, b) == 0;
}

/* How a node is written in messages: an IPv6 address in its brackets. */
struct shown {
	char	s[CONF_MAX_NODE + 2];
};

static const char *
shown(struct shown *b, const char *node)
{
	if (strchr(node, ':') != NULL)
		snprintf(b->s, sizeof(b->s), "[%s]", node);
	else
		snprintf(b->s, sizeof(b->s), "%s", node);
	return b->s;
}

/*
 * "[ADDR]..." at s: cuts the address out in place, *rest is what follows
 * the ']'.  The caller found the ']'.
 */
static int
bracket_node(struct parse *p, const char *key, char *s, char **rest)
{
	struct in6_addr	 a;
	char		*close = strchr(s, ']');
	size_t		 zone;

	*close = '\0';
	*rest = close + 1;
	if (!v6_addr(s + 1, strlen(s + 1), &a, &zone))
		return bad_line(p, p->lineno, "%s'[%s]' is not an IPv6 "
		    "address; only those are written in brackets", key, s + 1);
	return 0;
}

/*
 * What comes before a NODE's ':' (n bytes at s) when it has no brackets:
 * an IPv6 address there would be cut at its first ':' ("::1:" reads as
 * the node "", "fe80::1:" as "fe80"), and a bracket is out of place.
 */
static int
check_plain_node(struct parse *p, const char *key, const char *s, size_t n,
    const char *pre, const char *post)
{
	struct in6_addr	a;
	size_t		end, i, zone;

	for (end = 0; end < n && s[end] != '=' && s[end] != '/' &&
	    !isspace((unsigned char)s[end]); end++)
		if (s[end] == '[' || s[end] == ']')
			return bad_line(p, p->lineno, "%s'%.*s': a '[' or ']' "
			    "out of place; an IPv6 node is written "
			    "%s[ADDR]%s", key,
			    (int)end + 1, s, pre, post);
	for (i = end < CONF_MAX_NODE ? end : CONF_MAX_NODE; i > 0; i--)
		if ((i == end || s[i] == ':') && v6_addr(s, i, &a, &zone))
			return bad_line(p, p->lineno, "%s'%.*s' is an IPv6 "
			    "address: write it in brackets, as "
			    "%s[%.*s]%s", key, (int)i,
			    s, pre, (int)i, s, post);
	return 0;
}

static int
check_node(struct parse *p, const char *node)
{
	struct shown	 b;
	const char	*s;

	if (p->c.role != CONF_MANAGER)
		return bad_line(p, p->lineno, "'%s:' pins a trustStore to a "
		    "node, which only cmappmgr.conf can do", shown(&b, node));
	if (*node == '\0')
		return bad_line(p, p->lineno, "trustStore: an empty node name "
		    "before ':'");
	if (strlen(node) >= CONF_MAX_NODE)
		return bad_line(p, p->lineno, "trustStore: a node name is "
		    "longer than %d bytes", CONF_MAX_NODE - 1);
	for (s = node; *s != '\0'; s++)
		if (isspace((unsigned char)*s) || *s == '/' || *s == '[' ||
		    *s == ']')
			return bad_line(p, p->lineno, "trustStore: '%s' is not "
			    "a node name", node);
	return 0;
}

static long
find_node(const struct conf *c, const char *node)
{
	size_t	i;

	for (i = 0; i < c->n_nodes; i++)
		if (node_eq(c->nodes[i].node, node))
			return (long)i;
	return -1;
}

/* A trustStore line: for node, or for the fallback when node is NULL. */
static int
set_trust(struct parse *p, const char *node, const char *path)
{
	struct conf_node	*n;
	struct shown		 b;
	const char		*first;
	size_t			 cap;
	long			 i;
	int			 r;

	if (p->pending[0] != '\0') {
		if (node != NULL)
			return bad_line(p, p->lineno, "'%s:' on line %u must "
			    "be followed by a plain trustStore=PATH line",
			    shown(&b, p->pending), p->pending_line);
		node = p->pending;
	}
	if (node == NULL) {
		p->last = -1;
		return set_str(p, K_TRUSTSTORE, p->c.trust.path,
		    sizeof(p->c.trust.path), *path != '\0' ? path :
		    p->def.trust.path);
	}
	if ((r = check_node(p, node)) != 0)
		return r;
	if (*path == '\0')
		return bad_line(p, p->lineno, "trustStore: an empty path for "
		    "node '%s'", node);
	if ((i = find_node(&p->c, node)) >= 0) {
		first = p->c.nodes[i].node;
		if (strchr(node, ':') == NULL || strcmp(first, node) == 0)
			return bad_line(p, p->lineno, "trustStore: a second "
			    "trustStore for node '%s'", node);
		return bad_line(p, p->lineno, "trustStore: a second trustStore "
		    "for node '%s' (the same address as '%s')", node, first);
	}
	if (p->c.n_nodes == CONF_MAX_NODES)
		return bad_line(p, p->lineno, "trustStore: more than %d "
		    "node-pinned trustStores", CONF_MAX_NODES);
	if (p->c.n_nodes == p->cap) {
		cap = p->cap == 0 ? NODE_ARRAY_START : p->cap * 2;
		if (cap > CONF_MAX_NODES)
			cap = CONF_MAX_NODES;
		if ((n = reallocarray(p->c.nodes, cap, sizeof(*n))) == NULL)
			return bad_line(p, p->lineno, "out of memory");
		p->c.nodes = n;
		p->cap = cap;
	}
	n = &p->c.nodes[p->c.n_nodes];
	memset(n, 0, sizeof(*n));
	strcpy(n->node, node);		/* check_node checked its length */
	strcpy(n->trust.password, NODE_PASSWORD);
	if ((r = set_str(p, K_TRUSTSTORE, n->trust.path,
	    sizeof(n->trust.path), path)) != 0)
		return r;
	p->last = (long)p->c.n_nodes++;
	p->pending[0] = '\0';
	return 0;
}

/* A trustStorePassword line: for node, or for the latest trustStore. */
static int
set_trust_password(struct parse *p, const char *node, const char *pw)
{
	struct conf_store	*st;
	struct shown		 b;
	long			 i;

	if (node != NULL) {
		if ((i = find_node(&p->c, node)) < 0)
			return bad_line(p, p->lineno, "trustStorePassword: no "
			    "trustStore for node '%s' before this line", node);
		st = &p->c.nodes[i].trust;
	} else if (p->pending[0] != '\0')
		/* It would be unclear which trustStore it is for. */
		return bad_line(p, p->lineno, "trustStorePassword: '%s:' on "
		    "line %u must be followed by its trustStore line first",
		    shown(&b, p->pending), p->pending_line);
	else
		st = p->last < 0 ? &p->c.trust : &p->c.nodes[p->last].trust;
	return set_str(p, K_TRUSTSTORE_PASSWORD, st->password,
	    sizeof(st->password), *pw != '\0' ? pw : NODE_PASSWORD);
}

/*
 * trustStore=PATH, trustStore=NODE:PATH or trustStore=[ADDR]:PATH; what
 * comes before a ':' is a path, not a node, if it has a '/'.
 */
static int
trust_value(struct parse *p, char *value)
{
	static const char	 written[] = "trustStore=[ADDR]:PATH";
	char			*colon, *rest;
	int			 r;

	if (value[0] == '[') {
		if (strchr(value, ']') == NULL)
			return bad_line(p, p->lineno, "trustStore: a '[' "
			    "without its ']'; an IPv6 node is written "
			    "%s", written);
		if ((r = bracket_node(p, "trustStore: ", value, &rest)) != 0)
			return r;
		while (isspace((unsigned char)*rest))
			rest++;
		if (*rest != ':')
			return bad_line(p, p->lineno, "trustStore: '[%s]' must "
			    "be followed by ':' and the path, as in "
			    "%s", value + 1,
			    written);
		return set_trust(p, value + 1, trim(rest + 1));
	}
	colon = strchr(value, ':');
	if (colon == NULL || memchr(value, '/', (size_t)(colon - value)))
		return set_trust(p, NULL, value);
	if ((r = check_plain_node(p, "trustStore: ", value, strlen(value),
	    "trustStore=", ":PATH")) != 0)
		return r;
	*colon = '\0';
	return set_trust(p, trim(value), trim(colon + 1));
}

static int
set_key(struct parse *p, const char *name, char *value)
{
	unsigned long	 n;
	int		 k = find_key(name);

	if (k < 0 || (keys[k].server_only && p->c.role != CONF_SERVER))
		return bad_line(p, p->lineno, "unknown key '%s'%s", name,
		    k >= 0 ? " (it is a cmappserver.conf key)" : "");
	switch ((enum key)k) {
	case K_KEYSTORE:
		return set_str(p, K_KEYSTORE, p->c.key.path,
		    sizeof(p->c.key.path), *value != '\0' ? value :
		    p->def.key.path);
	case K_KEYSTORE_PASSWORD:
		return set_str(p, K_KEYSTORE_PASSWORD, p->c.key.password,
		    sizeof(p->c.key.password), *value != '\0' ? value :
		    p->def.key.password);
	case K_TRUSTSTORE:
		return trust_value(p, value);
	case K_TRUSTSTORE_PASSWORD:
		return set_trust_password(p, NULL, value);
	case K_PORT:
		if (*value == '\0') {
			p->c.port = p->def.port;
			return 0;
		}
		if (parse_number(value, 1, 65535, &n) != 0)
			return bad_line(p, p->lineno, "port: '%s' is not a "
			    "number from 1 to 65535", value);
		p->c.port = (uint16_t)n;
		return 0;
	case K_LISTEN:
		return set_str(p, K_LISTEN, p->c.listen, sizeof(p->c.listen),
		    *value != '\0' ? value : p->def.listen);
	case K_MAX_PROCESSES:
		if (*value == '\0') {
			p->c.max_processes = p->def.max_processes;
			return 0;
		}
		if (parse_number(value, 1, CONF_MAX_PROCESSES, &n) != 0)
			return bad_line(p, p->lineno, "max_processes: '%s' is "
			    "not a number from 1 to "
			    "%d", value, CONF_MAX_PROCESSES);
		p->c.max_processes = (unsigned)n;
		return 0;
	case K_ALLOW_COMMAND:
		/*
		 * Not "the default" as elsewhere: an empty line after real
		 * entries would silently switch the list off.
		 */
		if (*value == '\0')
			return bad_line(p, p->lineno, "allow_command: an empty "
			    "value; to allow every command, remove all "
			    "allow_command lines");
		if (*value != '/')
			return bad_line(p, p->lineno, "allow_command: '%s' is "
			    "not an absolute path", value);
		if (p->c.n_allow == CONF_MAX_ALLOW)
			return bad_line(p, p->lineno, "allow_command: more "
			    "than %d lines", CONF_MAX_ALLOW);
		if (strlen(value) >= CONF_MAX_PATTERN)
			return bad_line(p, p->lineno, "allow_command: the "
			    "value is longer than %d "
			    "bytes", CONF_MAX_PATTERN - 1);
		if (p->c.allow == NULL && (p->c.allow = calloc(CONF_MAX_ALLOW,
		    sizeof(*p->c.allow))) == NULL)
			return bad_line(p, p->lineno, "out of memory");
		strcpy(p->c.allow[p->c.n_allow++], value);
		return 0;
	}
	return bad_line(p, p->lineno, "unknown key '%s'", name);
}

/*
 * A "NODE:..." line: "NODE:" alone pins the next trustStore line, and
 * "NODE:trustStore=PATH" or "NODE:trustStorePassword=PW" set node's entry.
 */
static int
set_node_line(struct parse *p, const char *node, int bracketed, char *value)
{
	struct shown	 b;
	char		*eq, *key, *v;
	int		 k, r;

	if (*value == '\0') {
		if ((r = check_node(p, node)) != 0)
			return r;
		if (p->pending[0] != '\0')
			return bad_line(p, p->pending_line, "'%s:' is not "
			    "followed by a trustStore line",
			    shown(&b, p->pending));
		strcpy(p->pending, node);	/* check_node: it fits */
		p->pending_line = p->lineno;
		return 0;
	}
	if ((eq = strchr(value, '=')) == NULL) {
		if (bracketed)
			return bad_line(p, p->lineno, "'[%s]:' must be alone "
			    "on its line or followed by trustStore=PATH", node);
		/* "bogus:1" is most likely a key given with ':'. */
		return bad_line(p, p->lineno, "unknown key '%s'", node);
	}
	*eq = '\0';
	key = trim(value);
	v = trim(eq + 1);
	k = find_key(key);
	if (k != K_TRUSTSTORE && k != K_TRUSTSTORE_PASSWORD)
		return bad_line(p, p->lineno, "unknown key '%s' after '%s:' "
		    "(only trustStore and trustStorePassword are set per "
		    "node)", key,
		    shown(&b, node));
	if ((r = check_node(p, node)) != 0)
		return r;
	if (k == K_TRUSTSTORE)
		return set_trust(p, node, v);
	return set_trust_password(p, node, v);
}

/*
 * The name inih read on the file's key line l: NODE_TOKEN for an "[ADDR]",
 * else the text before the '=' or ':' without its trailing blanks.
 */
static int
inih_name_is(const struct line *l, const char *name)
{
	size_t	n = l->delim;

	if (l->s[0] == '[')
		return strcmp(name, NODE_TOKEN) == 0;
	while (n > 0 && isspace((unsigned char)l->s[n - 1]))
		n--;
	return strlen(name) == n && memcmp(name, l->s, n) == 0;
}

/*
 * A key line (l in the file): inih's name and value, the node of an
 * "[ADDR]" taken back from the file's line.
 */
static int
on_pair(struct parse *p, const struct line *l, const char *name,
    const char *value)
{
	char	buf[CONF_MAX_LINE], node[CONF_MAX_LINE], *rest;
	size_t	n = strlen(value);
	int	r;

	/* sanitize() bounded the line, and so what inih read of it. */
	if (n >= sizeof(buf) || l->delim >= sizeof(node) ||
	    !inih_name_is(l, name))
		return bad_line(p, p->lineno, "internal error: inih read the "
		    "line differently");
	/* Set the value's parts apart in place. */
	memcpy(buf, value, n + 1);
	if (l->s[0] == '[') {
		memcpy(node, l->s, l->delim);
		node[l->delim] = '\0';
		if ((r = bracket_node(p, "", node, &rest)) == 0)
			r = set_node_line(p, node + 1, 1, buf);
	} else if (l->s[l->delim] != ':' || find_key(name) >= 0)
		r = set_key(p, name, buf);
	else if ((r = check_plain_node(p, "", l->s, l->len, "", ":")) == 0)
		r = set_node_line(p, name, 0, buf);
	explicit_bzero(buf, sizeof(buf));	/* it may hold a password */
	return r;
}

/* inih's handler, called for each key line of the sanitized text. */
static int
on_ini(void *user, const char *section, const char *name, const char *value)
{
	struct parse	*p = user;
	struct line	 l;
	enum line_kind	 why = L_BLANK;
	const char	*line;
	size_t		 n;

	if (p->failed)
		return 1;	/* the first error is the one reported */
	/* The sanitized lines are the file's: find the next key line. */
	while (why == L_BLANK) {
		if ((line = next_line(&p->next, p->end, &n)) == NULL) {
			bad_line(p, p->lineno, "internal error: inih read a "
			    "line the pre-scan did not see");
			return 0;
		}
		p->lineno++;
		why = classify(line, n, p->lineno == 1, &l);
	}
	if (why != L_PAIR || *section != '\0') {
		bad_line(p, p->lineno, "internal error: inih read the line "
		    "differently");
		return 0;
	}
	return on_pair(p, &l, name, value) == 0;
}

int
conf_parse(struct conf *c, const char *text, size_t len, const char *fname,
    char *err, size_t errlen)
{
	struct parse	*p;
	struct line	 l;
	struct shown	 b;
	enum line_kind	 why;
	char		*buf = NULL;
	size_t		 size = SANITIZED_SIZE(len);
	unsigned	 bad;
	int		 line, r;

	if (fname == NULL)
		fname = "conf";
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (len > CONF_MAX_FILE) {
		if (err != NULL)
			snprintf(err, errlen, "%s: larger than %d bytes", fname,
			    CONF_MAX_FILE);
		return -EFBIG;
	}
	/* Two whole confs: on the heap, not 32 KiB of a daemon's stack. */
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		if (err != NULL)
			snprintf(err, errlen, "%s: out of memory", fname);
		return -ENOMEM;
	}
	p->fname = fname;
	p->err = err;
	p->errlen = err != NULL ? errlen : 0;
	p->last = -1;
	p->c = *c;
	conf_defaults(&p->def, c->role);
	/* Work on copies of the nodes and patterns: a bad file changes
	 * nothing. */
	p->c.nodes = NULL;
	p->c.allow = NULL;
	if (c->allow != NULL) {
		if ((p->c.allow = calloc(CONF_MAX_ALLOW, sizeof(*c->allow))) ==
		    NULL)
			goto nomem;
		memcpy(p->c.allow, c->allow, c->n_allow * sizeof(*c->allow));
	}
	if (c->n_nodes > 0) {
		if ((p->c.nodes = calloc(c->n_nodes, sizeof(*c->nodes))) ==
		    NULL)
			goto nomem;
		memcpy(p->c.nodes, c->nodes, c->n_nodes * sizeof(*c->nodes));
		p->cap = c->n_nodes;
	}

	/* inih reads the sanitized lines before the first bad one, if any. */
	if ((buf = malloc(size)) == NULL)
		goto nomem;
	r = -EINVAL;
	if (sanitize(text, len, buf, size, &bad, &why, &l) != 0) {
		if (err != NULL)
			snprintf(err, errlen, "%s: internal error: no room "
			    "to sanitize", fname);
		goto out;
	}
	p->next = text;
	p->end = text + len;
	if ((line = ini_parse_string(buf, on_ini, p)) < 0)
		goto nomem;
	if (p->failed)
		goto out;
	if (line > 0) {
		/* Not expected: the pre-scan refuses what inih refuses. */
		bad_line(p, (unsigned)line, "internal error: inih refused the "
		    "line");
		goto out;
	}
	if (bad != 0) {
		p->lineno = bad;
		syntax_error(p, why, &l);
		goto out;
	}
	if (p->pending[0] != '\0') {
		bad_line(p, p->pending_line, "'%s:' is not followed by a "
		    "trustStore line", shown(&b, p->pending));
		goto out;
	}
	conf_free(c);
	*c = p->c;
	p->c.nodes = NULL;
	p->c.allow = NULL;
	r = 0;
	goto out;
nomem:
	r = -ENOMEM;
	if (err != NULL)
		snprintf(err, errlen, "%s: out of memory", fname);
out:
	if (buf != NULL) {
		explicit_bzero(buf, size);	/* it may hold passwords */
		free(buf);
	}
	if (p->c.nodes != NULL) {
		explicit_bzero(p->c.nodes, p->cap * sizeof(*p->c.nodes));
		free(p->c.nodes);
	}
	free(p->c.allow);
	explicit_bzero(p, sizeof(*p));
	free(p);
	return r;
}

int
conf_load(struct conf *c, const char *path, char *err, size_t errlen)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 len = 0;
	int		 r;

	if ((r = readfile(path, CONF_MAX_FILE, 0, &buf, &len, &st)) != 0) {
		if (err == NULL)
			return r;
		if (r == -EFBIG)
			snprintf(err, errlen, "cannot read %s: larger than %d "
			    "bytes", path, CONF_MAX_FILE);
		else
			snprintf(err, errlen, "cannot read %s: %s", path,
			    strerror(-r));
		return r;
	}
	r = conf_parse(c, buf, len, path, err, errlen);
	explicit_bzero(buf, len);
	free(buf);
	return r;
}

const struct conf_store *
conf_trust_for(const struct conf *c, const char *node)
{
	long	i;

	if (node == NULL || (i = find_node(c, node)) < 0)
		return &c->trust;
	return &c->nodes[i].trust;
}

int
conf_node_arg(const char *arg, char *node, size_t size, char *err,
    size_t errlen)
{
	struct in6_addr	 a;
	const char	*s = arg, *close;
	size_t		 n = strlen(arg), zone;

	if (arg[0] == '[') {
		if ((close = strchr(arg, ']')) == NULL || close[1] != '\0') {
			snprintf(err, errlen, "'%s': an IPv6 address is "
			    "written [ADDR], and the port with -port", arg);
			return -EINVAL;
		}
		s = arg + 1;
		n = (size_t)(close - s);
		if (!v6_addr(s, n, &a, &zone)) {
			snprintf(err, errlen, "'%s' is not an IPv6 address; "
			    "only those are written in brackets", arg);
			return -EINVAL;
		}
	} else if (strpbrk(arg, "[]") != NULL) {
		snprintf(err, errlen, "'%s': a '[' or ']' out of place; an "
		    "IPv6 address is written [ADDR] or ADDR", arg);
		return -EINVAL;
	}
	if (n == 0) {
		snprintf(err, errlen, "the node is empty");
		return -EINVAL;
	}
	if (n >= size || n >= CONF_MAX_NODE) {
		snprintf(err, errlen, "the node is longer than %d bytes",
		    CONF_MAX_NODE - 1);
		return -EINVAL;
	}
	memcpy(node, s, n);
	node[n] = '\0';
	return 0;
}

/* "/a/./b", "/a/../b", "/a/..": a prefix or glob would be fooled. */
static int
canonical(const char *path)
{
	const char	*p;

	if (path[0] != '/')
		return 0;
	for (p = path; (p = strchr(p, '/')) != NULL; p++)
		if (p[1] == '.' && (p[2] == '/' || p[2] == '\0' ||
		    (p[2] == '.' && (p[3] == '/' || p[3] == '\0'))))
			return 0;
	return strstr(path, "//") == NULL;
}

int
conf_allows(const struct conf *c, const char *argv0)
{
	size_t	i, n;

	if (c->n_allow == 0)
		return 1;
	if (argv0 == NULL || !canonical(argv0))
		return 0;
	for (i = 0; i < c->n_allow; i++) {
		n = strlen(c->allow[i]);
		if (c->allow[i][n - 1] == '/') {
			if (strncmp(argv0, c->allow[i], n) == 0)
				return 1;
		} else if (fnmatch(c->allow[i], argv0, FNM_PATHNAME) == 0)
			return 1;
	}
	return 0;
}

void
conf_free(struct conf *c)
{
	if (c->nodes != NULL) {
		explicit_bzero(c->nodes, c->n_nodes * sizeof(*c->nodes));
		free(c->nodes);
	}
	c->nodes = NULL;
	c->n_nodes = 0;
	free(c->allow);
	c->allow = NULL;
	c->n_allow = 0;
}
