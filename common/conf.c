/* SPDX-License-Identifier: ISC */
/*
 * conf.c: reads cmappserver.conf and cmappmgr.conf, the manual's
 * Java-properties-like files.  inih splits the key lines into keys and
 * values, reading the file a line at a time through read_line(), which
 * numbers the lines and first refuses, with a message of its own, any
 * line that inih would misread or that INI readers and Java read apart:
 *  - inih reads a line into a buffer fixed when it is built (INI_MAX_LINE,
 *    200 bytes in Debian's libinih), taking the tail of a longer line for
 *    a line of its own: comments reach it empty, so that they may be of
 *    any length, and a key line over 198 bytes is refused;
 *  - a line starting with '[' is a [section] to inih, the rest dropped:
 *    the "[ADDR]" starting a line that pins an IPv6 node reaches it as
 *    NODE_TOKEN, and the handler takes the address from the file's line;
 *  - a NUL byte ends inih's string; an indented line continues the
 *    previous value, and a ';' after a blank starts a comment, to INI
 *    readers, not to Java; a [section] means nothing here.
 * Debian's inih has no INI_HANDLER_LINENO: the handler's line is the one
 * read_line() handed over last.  A file is applied whole or not at all.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ini.h>

#include "conf.h"
#include "readfile.h"

/* A key line, in inih's buffer with its '\n' and a NUL. */
#define LINE_MAX_TEXT		(CONF_MAX_LINE - 2)
#define LONG_NAME_SHOWN		64	/* of a line too long, in its message */

/*
 * What inih reads in place of the "[ADDR]" starting a node line: a name
 * with neither ':' nor '[', no longer than the shortest such token ("[]"),
 * so that the line still fits.
 */
#define NODE_TOKEN		'@'

#define NODE_PASSWORD		"public"	/* the manual's trustStorePassword */
#define NODE_ARRAY_START	8
#define BOM			"\xef\xbb\xbf"

/*
 * How a node is written in messages, for a "%s%s%s": an IPv6 address in
 * its brackets.
 */
#define SHOWN(node)	strchr((node), ':') != NULL ? "[" : "", (node), \
			strchr((node), ':') != NULL ? "]" : ""

/* cmappserver.conf's own keys come last, from K_PORT. */
enum key {
	K_KEYSTORE, K_KEYSTORE_PASSWORD, K_TRUSTSTORE, K_TRUSTSTORE_PASSWORD,
	K_PORT, K_LISTEN, K_MAX_PROCESSES, K_ALLOW_COMMAND, K_LOG_FILE, K_NONE
};

static const char *const keys[] = {
	[K_KEYSTORE] = "keyStore",
	[K_KEYSTORE_PASSWORD] = "keyStorePassword",
	[K_TRUSTSTORE] = "trustStore",
	[K_TRUSTSTORE_PASSWORD] = "trustStorePassword",
	[K_PORT] = "port",
	[K_LISTEN] = "listen",
	[K_MAX_PROCESSES] = "max_processes",
	[K_ALLOW_COMMAND] = "allow_command",
	[K_LOG_FILE] = "log_file",
};

/* What classify() finds a line to be; after L_PAIR, the line is refused. */
enum line_kind {
	L_BLANK,	/* empty, or a '#' or ';' comment */
	L_PAIR,		/* name=value or name:value */
	L_LONG,		/* a key line over LINE_MAX_TEXT bytes */
	L_NUL, L_BOM, L_INDENTED, L_SECTION, L_UNBALANCED, L_INLINE_COMMENT,
	L_NO_VALUE,
};

static const char *const refusal[] = {
	[L_NUL] = "the line has a NUL byte",
	/* inih drops a BOM that starts its text: the second one too. */
	[L_BOM] = "the file starts with two byte-order marks; remove the "
	    "second",
	[L_INDENTED] = "the line starts with a blank, which would continue "
	    "the previous value; remove the indent",
	[L_SECTION] = "sections ('[...]') are not used in this file; an IPv6 "
	    "node is written [ADDR]:",
	[L_UNBALANCED] = "a '[' without its ']'; an IPv6 node is written "
	    "[ADDR]:",
	[L_INLINE_COMMENT] = "a ';' after a blank would start a comment and "
	    "cut the value; a value cannot hold \" ;\"",
	[L_NO_VALUE] = "not a key=value line",
};

/* A line of the file, as classify() found it. */
struct line {
	const char	*s;		/* after a BOM on line 1 */
	size_t		 len;		/* without a final '\r' */
	size_t		 delim;		/* of the '=' or ':' after the name */
	size_t		 name;		/* its length, blanks cut; 0: none */
};

struct parse {
	struct conf	 c;		/* the result, copied out on success */
	struct conf	 def;		/* the role's defaults: what "" means */
	size_t		 cap;		/* of c.nodes */
	const char	*fname;
	char		*err;
	size_t		 errlen;
	int		 failed;
	/* read_line()'s place in the file, and the key line it handed. */
	const char	*pos, *end;
	unsigned	 lineno;
	struct line	 l;
	int		 handed;
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

/* "FILE:LINE: ..." in err, for the line being read. */
__attribute__((format(printf, 2, 3))) static int
bad_line(struct parse *p, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	p->failed = 1;
	n = snprintf(p->err, p->errlen, "%s:%u: ", p->fname, p->lineno);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/*
 * How inih r55 reads a line (ini.c: BOM, comment, continuation, section,
 * then find_chars_or_comment), but for "[ADDR]:", which is a node.
 */
static enum line_kind
classify(const char *s, size_t n, int first, struct line *l)
{
	const char	*p, *e = s + n;
	int		 was_space, delim;

	memset(l, 0, sizeof(*l));
	if (memchr(s, '\0', n) != NULL)
		return L_NUL;
	if (first && n >= 3 && memcmp(s, BOM, 3) == 0) {
		s += 3;
		if (e - s >= 3 && memcmp(s, BOM, 3) == 0)
			return L_BOM;
	}
	l->s = s;
	l->len = (size_t)(e - s);
	for (p = s; p < e && isspace((unsigned char)*p); p++)
		;
	if (p == e || *p == '#' || *p == ';')
		return L_BLANK;
	/* "[ADDR]:" pins to an IPv6 address, whose ':'s are not the end. */
	if (*(p = s) == '[') {
		if ((p = memchr(s, ']', l->len)) == NULL)
			return l->len > LINE_MAX_TEXT ? L_LONG : L_UNBALANCED;
		for (p++; p < e && isspace((unsigned char)*p); p++)
			;
		if (p == e || *p != ':')
			return l->len > LINE_MAX_TEXT ? L_LONG : L_SECTION;
	}
	/* INI readers end the line at a ';' that follows a blank. */
	for (was_space = 0; p < e && *p != '=' && *p != ':'; p++) {
		if (was_space && *p == ';')
			break;
		was_space = isspace((unsigned char)*p);
	}
	if ((delim = p < e && *p != ';')) {
		l->delim = l->name = (size_t)(p - s);
		while (l->name > 0 && isspace((unsigned char)s[l->name - 1]))
			l->name--;
	}
	if (l->len > LINE_MAX_TEXT)
		return L_LONG;
	if (isspace((unsigned char)*s))
		return L_INDENTED;
	if (!delim)
		return L_NO_VALUE;
	/* And the value at a ';' after a blank. */
	for (p++, was_space = 0; p < e; p++) {
		if (was_space && *p == ';')
			return L_INLINE_COMMENT;
		was_space = isspace((unsigned char)*p);
	}
	return L_PAIR;
}

/*
 * inih's reader, fgets() over the file: the next line, a comment as an
 * empty line (so that inih's line 1, where it drops a BOM, is the file's),
 * a key line as it is but for a BOM, its '\r' and NODE_TOKEN for its
 * "[ADDR]".  NULL at the end, or at the first line refused.
 */
static char *
read_line(char *buf, int size, void *user)
{
	struct parse	*p = user;
	const char	*s = p->pos, *nl, *close;
	char		*o;
	size_t		 n;
	enum line_kind	 why;

	if (p->failed || s == p->end)
		return NULL;
	if (p->handed) {
		bad_line(p, "internal error: inih read the line differently");
		return NULL;
	}
	nl = memchr(s, '\n', (size_t)(p->end - s));
	n = (size_t)((nl != NULL ? nl : p->end) - s);
	p->pos = nl != NULL ? nl + 1 : p->end;
	p->lineno++;
	why = classify(s, n - (n > 0 && s[n - 1] == '\r'), p->lineno == 1,
	    &p->l);
	n = why == L_PAIR ? p->l.len : 0;
	if (why == L_LONG && p->l.name > 0)
		bad_line(p, "%.*s%s: the line is longer than %d bytes",
		    (int)(p->l.name < LONG_NAME_SHOWN ? p->l.name :
		    LONG_NAME_SHOWN), p->l.s, p->l.name > LONG_NAME_SHOWN ?
		    "..." : "", LINE_MAX_TEXT);
	else if (why == L_LONG)
		bad_line(p, "the line is longer than %d bytes", LINE_MAX_TEXT);
	else if (why > L_PAIR)
		bad_line(p, "%s", refusal[why]);
	else if (size < 0 || n + 2 > (size_t)size)
		bad_line(p, "internal error: no room in inih's buffer");
	if (p->failed)
		return NULL;
	o = buf;
	if (why == L_PAIR && *(s = p->l.s) == '[') {
		close = memchr(s, ']', n);	/* classify() found it */
		*o++ = NODE_TOKEN;
		n -= (size_t)(close + 1 - s);
		s = close + 1;
	}
	memcpy(o, s, n);
	memcpy(o + n, "\n", 2);
	p->handed = why == L_PAIR;
	return buf;
}

static enum key
find_key(const char *name)
{
	int	k;

	for (k = 0; k < K_NONE; k++)
		if (strcasecmp(name, keys[k]) == 0)
			break;
	return (enum key)k;
}

static int
set_str(struct parse *p, enum key k, char *dst, size_t size, const char *v)
{
	size_t	n = strlen(v);

	if (n >= size)
		return bad_line(p, "%s: the value is longer than %zu bytes",
		    keys[k], size - 1);
	memcpy(dst, v, n + 1);
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
	if (inet_pton(AF_INET6, buf, a) != 1 || an + 1 == n)
		return 0;
	/* A zone is made of what interface names are made of. */
	for (i = an + 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' &&
		    s[i] != '_' && s[i] != '-')
			return 0;
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

static long
find_node(const struct conf *c, const char *node)
{
	size_t	i;

	for (i = 0; i < c->n_nodes; i++)
		if (node_eq(c->nodes[i].node, node))
			return (long)i;
	return -1;
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
		return bad_line(p, "%s'[%s]' is not an IPv6 address; only those "
		    "are written in brackets", key, s + 1);
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
			return bad_line(p, "%s'%.*s': a '[' or ']' out of place; "
			    "an IPv6 node is written %s[ADDR]%s", key,
			    (int)end + 1, s, pre, post);
	for (i = end < CONF_MAX_NODE ? end : CONF_MAX_NODE; i > 0; i--)
		if ((i == end || s[i] == ':') && v6_addr(s, i, &a, &zone))
			return bad_line(p, "%s'%.*s' is an IPv6 address: write it "
			    "in brackets, as %s[%.*s]%s", key, (int)i, s, pre,
			    (int)i, s, post);
	return 0;
}

static int
check_node(struct parse *p, const char *node)
{
	const char	*s;

	if (p->c.role != CONF_MANAGER)
		return bad_line(p, "'%s%s%s:' pins a trustStore to a node, which "
		    "only cmappmgr.conf can do", SHOWN(node));
	if (*node == '\0')
		return bad_line(p, "trustStore: an empty node name before ':'");
	if (strlen(node) >= CONF_MAX_NODE)
		return bad_line(p, "trustStore: a node name is longer than %d "
		    "bytes", CONF_MAX_NODE - 1);
	for (s = node; *s != '\0'; s++)
		if (isspace((unsigned char)*s) || strchr("/[]", *s) != NULL)
			return bad_line(p, "trustStore: '%s' is not a node name",
			    node);
	return 0;
}

/* A "NODE:" line not followed by its trustStore line. */
static int
dangling(struct parse *p)
{
	p->lineno = p->pending_line;
	return bad_line(p, "'%s%s%s:' is not followed by a trustStore line",
	    SHOWN(p->pending));
}

/* A trustStore line: for node, or for the fallback when node is NULL. */
static int
set_trust(struct parse *p, const char *node, const char *path)
{
	struct conf_node	*n;
	size_t			 cap;
	long			 i;
	int			 r;

	if (p->pending[0] != '\0' && node != NULL)
		return bad_line(p, "'%s%s%s:' on line %u must be followed by a "
		    "plain trustStore=PATH line", SHOWN(p->pending),
		    p->pending_line);
	if (p->pending[0] != '\0')
		node = p->pending;
	if (node == NULL) {
		p->last = -1;
		return set_str(p, K_TRUSTSTORE, p->c.trust.path,
		    sizeof(p->c.trust.path), *path != '\0' ? path :
		    p->def.trust.path);
	}
	if ((r = check_node(p, node)) != 0)
		return r;
	if (*path == '\0')
		return bad_line(p, "trustStore: an empty path for node '%s'", node);
	if ((i = find_node(&p->c, node)) >= 0 && (strchr(node, ':') == NULL ||
	    strcmp(p->c.nodes[i].node, node) == 0))
		return bad_line(p, "trustStore: a second trustStore for node "
		    "'%s'", node);
	if (i >= 0)
		return bad_line(p, "trustStore: a second trustStore for node '%s' "
		    "(the same address as '%s')", node, p->c.nodes[i].node);
	if (p->c.n_nodes == CONF_MAX_NODES)
		return bad_line(p, "trustStore: more than %d node-pinned "
		    "trustStores", CONF_MAX_NODES);
	if (p->c.n_nodes == p->cap) {
		cap = p->cap == 0 ? NODE_ARRAY_START : p->cap * 2;
		cap = cap < CONF_MAX_NODES ? cap : CONF_MAX_NODES;
		if ((n = reallocarray(p->c.nodes, cap, sizeof(*n))) == NULL)
			return bad_line(p, "out of memory");
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
	long			 i;

	if (node != NULL) {
		if ((i = find_node(&p->c, node)) < 0)
			return bad_line(p, "trustStorePassword: no trustStore for "
			    "node '%s' before this line", node);
		st = &p->c.nodes[i].trust;
	} else if (p->pending[0] != '\0')
		/* It would be unclear which trustStore it is for. */
		return bad_line(p, "trustStorePassword: '%s%s%s:' on line %u must "
		    "be followed by its trustStore line first",
		    SHOWN(p->pending), p->pending_line);
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
			return bad_line(p, "trustStore: a '[' without its ']'; an "
			    "IPv6 node is written %s", written);
		if ((r = bracket_node(p, "trustStore: ", value, &rest)) != 0)
			return r;
		while (isspace((unsigned char)*rest))
			rest++;
		if (*rest != ':')
			return bad_line(p, "trustStore: '[%s]' must be followed by "
			    "':' and the path, as in %s", value + 1, written);
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

/* port or max_processes: decimal digits making 1 to hi, or "": def. */
static int
set_number(struct parse *p, enum key k, const char *v, unsigned long def,
    unsigned long hi, unsigned long *n)
{
	*n = def;
	/* strtoul() makes too large a number ULONG_MAX, which is above hi. */
	if (*v == '\0' || (v[strspn(v, "0123456789")] == '\0' &&
	    (*n = strtoul(v, NULL, 10)) >= 1 && *n <= hi))
		return 0;
	return bad_line(p, "%s: '%s' is not a number from 1 to %lu", keys[k], v,
	    hi);
}

static int
set_key(struct parse *p, const char *name, char *value)
{
	enum key	 k = find_key(name);
	unsigned long	 n;
	int		 r;

	if (k == K_NONE || (k >= K_PORT && p->c.role != CONF_SERVER))
		return bad_line(p, "unknown key '%s'%s", name, k != K_NONE ?
		    " (it is a cmappserver.conf key)" : "");
	switch (k) {
	case K_KEYSTORE:
		return set_str(p, k, p->c.key.path, sizeof(p->c.key.path),
		    *value != '\0' ? value : p->def.key.path);
	case K_KEYSTORE_PASSWORD:
		return set_str(p, k, p->c.key.password,
		    sizeof(p->c.key.password), *value != '\0' ? value :
		    p->def.key.password);
	case K_TRUSTSTORE:
		return trust_value(p, value);
	case K_TRUSTSTORE_PASSWORD:
		return set_trust_password(p, NULL, value);
	case K_PORT:
		r = set_number(p, k, value, p->def.port, 65535, &n);
		p->c.port = (uint16_t)n;
		return r;
	case K_LISTEN:			/* the default is "" */
		return set_str(p, k, p->c.listen, sizeof(p->c.listen), value);
	case K_MAX_PROCESSES:
		r = set_number(p, k, value, p->def.max_processes,
		    CONF_MAX_PROCESSES, &n);
		p->c.max_processes = (unsigned)n;
		return r;
	case K_LOG_FILE:		/* the default is "": CONF_LOG_FILE */
		/* The daemon runs in "/", and re-opens it there on SIGHUP. */
		if (*value != '\0' && *value != '/')
			return bad_line(p, "log_file: '%s' is not an absolute "
			    "path", value);
		return set_str(p, k, p->c.log_file, sizeof(p->c.log_file),
		    value);
	case K_ALLOW_COMMAND:
	case K_NONE:			/* refused above */
		break;
	}
	/*
	 * Not "the default" as elsewhere: an empty line after real entries
	 * would silently switch the list off.
	 */
	if (*value == '\0')
		return bad_line(p, "allow_command: an empty value; to allow every "
		    "command, remove all allow_command lines");
	if (*value != '/')
		return bad_line(p, "allow_command: '%s' is not an absolute path",
		    value);
	if (p->c.n_allow == CONF_MAX_ALLOW)
		return bad_line(p, "allow_command: more than %d lines",
		    CONF_MAX_ALLOW);
	if (strlen(value) >= CONF_MAX_PATTERN)
		return bad_line(p, "allow_command: the value is longer than %d "
		    "bytes", CONF_MAX_PATTERN - 1);
	if (p->c.allow == NULL && (p->c.allow = calloc(CONF_MAX_ALLOW,
	    sizeof(*p->c.allow))) == NULL)
		return bad_line(p, "out of memory");
	strcpy(p->c.allow[p->c.n_allow++], value);
	return 0;
}

/*
 * A "NODE:..." line: "NODE:" alone pins the next trustStore line, and
 * "NODE:trustStore=PATH" or "NODE:trustStorePassword=PW" set node's entry.
 */
static int
set_node_line(struct parse *p, const char *node, int bracketed, char *value)
{
	char		*eq, *key;
	enum key	 k;
	int		 r;

	if (*value == '\0') {
		if ((r = check_node(p, node)) != 0)
			return r;
		if (p->pending[0] != '\0')
			return dangling(p);
		strcpy(p->pending, node);	/* check_node: it fits */
		p->pending_line = p->lineno;
		return 0;
	}
	if ((eq = strchr(value, '=')) == NULL && bracketed)
		return bad_line(p, "'[%s]:' must be alone on its line or followed "
		    "by trustStore=PATH", node);
	if (eq == NULL)		/* "bogus:1" is most likely a key and ':' */
		return bad_line(p, "unknown key '%s'", node);
	*eq = '\0';
	key = trim(value);
	if ((k = find_key(key)) != K_TRUSTSTORE && k != K_TRUSTSTORE_PASSWORD)
		return bad_line(p, "unknown key '%s' after '%s%s%s:' (only "
		    "trustStore and trustStorePassword are set per node)", key,
		    SHOWN(node));
	if ((r = check_node(p, node)) != 0)
		return r;
	if (k == K_TRUSTSTORE)
		return set_trust(p, node, trim(eq + 1));
	return set_trust_password(p, node, trim(eq + 1));
}

/*
 * inih's handler, for the key line read_line() handed it: name and value
 * as inih read them, the address of an "[ADDR]" from the file's line.
 */
static int
on_pair(void *user, const char *section, const char *name, const char *value)
{
	struct parse	*p = user;
	const struct line *l = &p->l;
	char		 buf[CONF_MAX_LINE], node[CONF_MAX_LINE], *rest;
	size_t		 n = strlen(value);
	int		 r;

	if (!p->handed || *section != '\0' || n >= sizeof(buf)) {
		bad_line(p, "internal error: inih read the line differently");
		return 0;
	}
	p->handed = 0;
	memcpy(buf, value, n + 1);	/* its parts are set apart in place */
	if (l->s[0] == '[') {
		memcpy(node, l->s, l->delim);
		node[l->delim] = '\0';
		if ((r = bracket_node(p, "", node, &rest)) == 0)
			r = set_node_line(p, node + 1, 1, buf);
	} else if (l->s[l->delim] != ':' || find_key(name) != K_NONE)
		r = set_key(p, name, buf);
	else if ((r = check_plain_node(p, "", l->s, l->len, "", ":")) == 0)
		r = set_node_line(p, name, 0, buf);
	explicit_bzero(buf, sizeof(buf));	/* it may hold a password */
	return r == 0;
}

/* A copy of the n items of size bytes at a; NULL if none, or no memory. */
static void *
copy_of(const void *a, size_t n, size_t size)
{
	void	*b = a != NULL && n > 0 ? calloc(n, size) : NULL;

	return b != NULL ? memcpy(b, a, n * size) : NULL;
}

int
conf_parse(struct conf *c, const char *text, size_t len, const char *fname,
    char *err, size_t errlen)
{
	struct parse	*p;
	int		 line, r = -ENOMEM;

	if (fname == NULL)
		fname = "conf";
	if (err == NULL)
		errlen = 0;
	if (errlen > 0)
		err[0] = '\0';
	if (len > CONF_MAX_FILE) {
		snprintf(err, errlen, "%s: larger than %d bytes", fname,
		    CONF_MAX_FILE);
		return -EFBIG;
	}
	/* Two whole confs: on the heap, not 32 KiB of a daemon's stack. */
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", fname);
		return -ENOMEM;
	}
	p->fname = fname;
	p->err = err;
	p->errlen = errlen;
	p->pos = text;
	p->end = text + len;
	p->last = -1;
	conf_defaults(&p->def, c->role);
	/* Work on copies of the nodes and patterns: a bad file changes
	 * nothing. */
	p->c = *c;
	p->cap = c->n_nodes;
	p->c.nodes = copy_of(c->nodes, c->n_nodes, sizeof(*c->nodes));
	p->c.allow = copy_of(c->allow, CONF_MAX_ALLOW, sizeof(*c->allow));
	if ((p->c.nodes == NULL && c->n_nodes > 0) ||
	    (p->c.allow == NULL && c->allow != NULL) ||
	    (line = ini_parse_stream(read_line, p, on_pair, p)) < 0) {
		snprintf(err, errlen, "%s: out of memory", fname);
		goto out;
	}
	if (!p->failed && (line > 0 || p->handed)) {
		/* Not expected: read_line() refuses what inih refuses. */
		if (line > 0)
			p->lineno = (unsigned)line;
		bad_line(p, "internal error: inih refused the line");
	} else if (!p->failed && p->pending[0] != '\0')
		dangling(p);
	r = -EINVAL;
	if (!p->failed) {
		conf_free(c);
		*c = p->c;
		p->c.nodes = NULL;
		p->c.allow = NULL;
		r = 0;
	}
out:
	if (p->c.nodes != NULL)
		explicit_bzero(p->c.nodes, p->cap * sizeof(*p->c.nodes));
	free(p->c.nodes);
	free(p->c.allow);
	explicit_bzero(p, sizeof(*p));
	free(p);
	return r;
}

/*
 * A relative keyStore or trustStore is taken from the conf file's
 * directory, where the manual keeps the keys: cmappserver works in "/"
 * once detached (at boot, and at each SIGHUP), where such a name found
 * nothing, or another file.
 */
static int
from_conf_dir(const char *conf_path, const char *key, char *p, size_t cap,
    char *err, size_t errlen)
{
	const char	*slash = strrchr(conf_path, '/');
	char		 tmp[CONF_MAX_PATH];
	int		 n;

	if (p[0] == '\0' || p[0] == '/' || slash == NULL)
		return 0;
	n = snprintf(tmp, sizeof(tmp), "%.*s/%s", (int)(slash - conf_path),
	    conf_path, p);
	if (n < 0 || (size_t)n >= sizeof(tmp) || (size_t)n >= cap) {
		snprintf(err, errlen, "%s: %s: %s in the conf's directory is "
		    "longer than %d bytes", conf_path, key, p,
		    CONF_MAX_PATH - 1);
		return -ENAMETOOLONG;
	}
	memcpy(p, tmp, (size_t)n + 1);
	return 0;
}

int
conf_load(struct conf *c, const char *path, char *err, size_t errlen)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 len = 0, i;
	int		 r;

	if (err == NULL)
		errlen = 0;
	r = readfile(path, CONF_MAX_FILE, 0, &buf, &len, &st);
	if (r == -EFBIG)
		snprintf(err, errlen, "cannot read %s: larger than %d bytes",
		    path, CONF_MAX_FILE);
	else if (r != 0)
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(-r));
	if (r != 0)
		return r;
	r = conf_parse(c, buf, len, path, err, errlen);
	explicit_bzero(buf, len);
	free(buf);
	if (r == 0)
		r = from_conf_dir(path, "keyStore", c->key.path,
		    sizeof(c->key.path), err, errlen);
	if (r == 0)
		r = from_conf_dir(path, "trustStore", c->trust.path,
		    sizeof(c->trust.path), err, errlen);
	for (i = 0; r == 0 && i < c->n_nodes; i++)
		r = from_conf_dir(path, "trustStore", c->nodes[i].trust.path,
		    sizeof(c->nodes[i].trust.path), err, errlen);
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

size_t
conf_pinned_nodes(const struct conf *c, char *buf, size_t cap)
{
	static const char	 more[] = ", ...";
	size_t			 i, n = 0;
	int			 w;

	if (cap == 0)
		return c->n_nodes;
	buf[0] = '\0';
	for (i = 0; i < c->n_nodes; i++) {
		w = snprintf(buf + n, cap - n, "%s%s%s%s", i > 0 ? ", " : "",
		    SHOWN(c->nodes[i].node));
		if (w >= 0 && (size_t)w < cap - n) {
			n += (size_t)w;
			continue;
		}
		/* Whole names only, and room for the mark after them. */
		while (n > 0 && cap - n < sizeof(more))
			while (n > 0 && buf[--n] != ',')
				;
		if (n == 0)
			snprintf(buf, cap, "%s", cap > 3 ? "..." : "");
		else
			memcpy(buf + n, more, sizeof(more));
		break;
	}
	return c->n_nodes;
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
		snprintf(err, errlen, "'%s': a '[' or ']' out of place; an IPv6 "
		    "address is written [ADDR] or ADDR", arg);
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
	if (c->nodes != NULL)
		explicit_bzero(c->nodes, c->n_nodes * sizeof(*c->nodes));
	free(c->nodes);
	free(c->allow);
	c->nodes = NULL;
	c->allow = NULL;
	c->n_nodes = c->n_allow = 0;
}
