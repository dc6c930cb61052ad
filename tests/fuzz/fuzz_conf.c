/* SPDX-License-Identifier: ISC */
/*
 * fuzz_conf.c: libFuzzer target for common/conf.c, the parser of
 * cmappserver.conf and cmappmgr.conf.  Each input is parsed as both files:
 * over the role's defaults, a second time (the same answer), and once more
 * over the first result (the copy-on-write of the node table).  Whatever
 * the outcome, the conf must stay one the daemons can use: strings ended
 * within their arrays, no blank ends, the role's keys only, valid and
 * unique node names (with a ':' only if an IPv6 address).  A refused file
 * must leave the conf exactly as it was and name the file and a line that
 * exists; an accepted one clears err.  The allow_command list of
 * cmappserver.conf is then matched against paths the input offers,
 * checking conf_allows against a reference matcher.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "conf.h"

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_conf: %s:%d: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
		abort();						\
	}								\
} while (0)

#define FNAME	"fuzz.conf"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A C string within its array, non-empty if asked, without blank ends. */
static void
check_text(const char *s, size_t size, int nonempty)
{
	size_t	n = strnlen(s, size);

	CHECK(n < size);
	if (nonempty)
		CHECK(n > 0);
	if (n > 0) {
		CHECK(!isspace((unsigned char)s[0]));
		CHECK(!isspace((unsigned char)s[n - 1]));
		CHECK(memchr(s, '\n', n) == NULL);
	}
}

/* An IPv6 address, with an optional "%zone". */
static int
is_v6(const char *node)
{
	struct in6_addr	a;
	char		buf[INET6_ADDRSTRLEN];
	size_t		n = strcspn(node, "%");

	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, node, n);
	buf[n] = '\0';
	return inet_pton(AF_INET6, buf, &a) == 1;
}

static void
check_store(const struct conf_store *st)
{
	check_text(st->path, sizeof(st->path), 1);
	check_text(st->password, sizeof(st->password), 1);
}

static void
check_conf(const struct conf *c, enum conf_role role)
{
	size_t	i, j;

	CHECK(c->role == role);
	check_store(&c->key);
	check_store(&c->trust);
	check_text(c->listen, sizeof(c->listen), 0);
	CHECK(c->n_nodes <= CONF_MAX_NODES);
	CHECK(c->n_nodes == 0 || c->nodes != NULL);
	if (role == CONF_SERVER) {
		CHECK(c->n_nodes == 0);
		CHECK(c->max_processes >= 1 &&
		    c->max_processes <= CONF_MAX_PROCESSES);
	} else {
		CHECK(c->port == 0 && c->listen[0] == '\0');
		CHECK(c->max_processes == 0);
	}
	for (i = 0; i < c->n_nodes; i++) {
		const char *node = c->nodes[i].node, *s;

		check_text(node, sizeof(c->nodes[i].node), 1);
		for (s = node; *s != '\0'; s++)
			CHECK(!isspace((unsigned char)*s) && *s != '/' &&
			    *s != '[' && *s != ']');
		/* A ':' only in an IPv6 address, which came in brackets. */
		if (strchr(node, ':') != NULL)
			CHECK(is_v6(node));
		check_store(&c->nodes[i].trust);
		/* Host names are one node whatever their case; IPv6
		 * addresses go by value, their zones (interface names) by
		 * case too, as the kernel's: the lookup below checks both. */
		for (j = 0; j < i && !is_v6(node); j++)
			if (!is_v6(c->nodes[j].node))
				CHECK(strcasecmp(c->nodes[j].node, node) != 0);
		CHECK(conf_trust_for(c, node) == &c->nodes[i].trust);
	}
	CHECK(conf_trust_for(c, NULL) == &c->trust);
	CHECK(conf_trust_for(c, "no such node/") == &c->trust);
}

static int
store_eq(const struct conf_store *a, const struct conf_store *b)
{
	return strcmp(a->path, b->path) == 0 &&
	    strcmp(a->password, b->password) == 0;
}

static int
conf_eq(const struct conf *a, const struct conf *b)
{
	size_t	i;

	if (a->role != b->role || !store_eq(&a->key, &b->key) ||
	    !store_eq(&a->trust, &b->trust) || a->n_nodes != b->n_nodes ||
	    a->port != b->port || strcmp(a->listen, b->listen) != 0 ||
	    a->max_processes != b->max_processes)
		return 0;
	for (i = 0; i < a->n_nodes; i++)
		if (strcmp(a->nodes[i].node, b->nodes[i].node) != 0 ||
		    !store_eq(&a->nodes[i].trust, &b->nodes[i].trust))
			return 0;
	if (a->n_allow != b->n_allow)
		return 0;
	for (i = 0; i < a->n_allow; i++)
		if (strcmp(a->allow[i], b->allow[i]) != 0)
			return 0;
	return 1;
}

/* A deep copy, to compare with after a refused parse. */
static void
conf_copy(struct conf *dst, const struct conf *src)
{
	*dst = *src;
	dst->nodes = NULL;
	if (src->n_nodes > 0) {
		dst->nodes = malloc(src->n_nodes * sizeof(*src->nodes));
		CHECK(dst->nodes != NULL);
		memcpy(dst->nodes, src->nodes,
		    src->n_nodes * sizeof(*src->nodes));
	}
}

/* Lines as an editor counts them: a last line needs no '\n'. */
static unsigned long
count_lines(const char *text, size_t len)
{
	unsigned long	n = 0;
	size_t		i;

	for (i = 0; i < len; i++)
		if (text[i] == '\n')
			n++;
	if (len > 0 && text[len - 1] != '\n')
		n++;
	return n;
}

/*
 * The reference reading of an accepted file, for the keys that take their
 * value as it stands (keyStore, keyStorePassword; port, listen and
 * max_processes in cmappserver.conf): the last "KEY=VALUE" or "KEY:VALUE"
 * line wins, VALUE being everything after the first '=' or ':' without the
 * blanks at its ends, an empty VALUE meaning the default.  The manual's
 * format has comments only as whole lines.  c must hold exactly that.
 */
static void
check_simple_keys(const struct conf *c, const struct conf *base,
    const char *text, size_t len)
{
	const char	*line = text, *end = text + len, *nl, *e, *d, *v;
	char		 name[CONF_MAX_LINE + 2], value[CONF_MAX_LINE + 2];
	struct conf	 want = *base;
	size_t		 n;
	int		 first = 1;

	for (; line < end; line = nl + 1, first = 0) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		e = nl;
		if (first && e - line >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0)
			line += 3;
		while (line < e && isspace((unsigned char)*line))
			line++;
		if (line == e || *line == '#' || *line == ';')
			continue;
		for (d = line; d < e && *d != '=' && *d != ':'; d++)
			;
		CHECK(d < e);	/* an accepted file has only key lines */
		/* Each fits inih's buffer with its '\n' and a NUL. */
		n = (size_t)(e - line) - (e[-1] == '\r');
		CHECK(n <= CONF_MAX_LINE - 2);
		for (v = d; v > line && isspace((unsigned char)v[-1]); v--)
			;
		n = (size_t)(v - line);
		CHECK(n < sizeof(name));
		memcpy(name, line, n);
		name[n] = '\0';
		for (v = d + 1; v < e && isspace((unsigned char)*v); v++)
			;
		while (e > v && isspace((unsigned char)e[-1]))
			e--;
		n = (size_t)(e - v);
		CHECK(n < sizeof(value));
		memcpy(value, v, n);
		value[n] = '\0';
		if (strcasecmp(name, "keyStore") == 0)
			strcpy(want.key.path, n > 0 ? value :
			    c->role == CONF_SERVER ?
			    "/opt/hp/cmappserver/server.private" :
			    "/etc/client.private");
		else if (strcasecmp(name, "keyStorePassword") == 0)
			strcpy(want.key.password, n > 0 ? value :
			    c->role == CONF_SERVER ? "serverpw" : "clientpw");
		else if (strcasecmp(name, "listen") == 0)
			strcpy(want.listen, value);
		else if (strcasecmp(name, "port") == 0)
			want.port = (uint16_t)strtoul(value, NULL, 10);
		else if (strcasecmp(name, "max_processes") == 0)
			want.max_processes = n > 0 ?
			    (unsigned)strtoul(value, NULL, 10) :
			    CONF_DEFAULT_PROCESSES;
	}
	if (strcmp(c->key.path, want.key.path) != 0 ||
	    strcmp(c->key.password, want.key.password) != 0 ||
	    strcmp(c->listen, want.listen) != 0 || c->port != want.port ||
	    c->max_processes != want.max_processes) {
		fprintf(stderr, "fuzz_conf: read keyStore '%s' keyStorePassword "
		    "'%s' listen '%s' port %u max_processes %u, the file says "
		    "'%s' '%s' '%s' %u %u\n", c->key.path, c->key.password,
		    c->listen, c->port, c->max_processes, want.key.path,
		    want.key.password, want.listen, want.port,
		    want.max_processes);
		CHECK(!"a value was misread");
	}
}

/* Parses text over c; checks the result and the message either way. */
static int
parse(struct conf *c, enum conf_role role, const char *text, size_t len,
    size_t errlen)
{
	struct conf	 before;
	char		*err, *end;
	unsigned long	 line;
	int		 r;

	conf_copy(&before, c);
	err = malloc(errlen > 0 ? errlen : 1);	/* exact: ASan sees overruns */
	CHECK(err != NULL);
	memset(err, 'x', errlen > 0 ? errlen : 1);
	r = conf_parse(c, text, len, FNAME, errlen > 0 ? err : NULL, errlen);
	CHECK(r == 0 || r == -EINVAL || r == -EFBIG || r == -ENOMEM);
	if (errlen > 0)
		CHECK(memchr(err, '\0', errlen) != NULL);
	check_conf(c, role);
	if (r == 0) {
		if (errlen > 0)
			CHECK(err[0] == '\0');
		check_simple_keys(c, &before, text, len);
	} else {
		CHECK(conf_eq(c, &before));
		if (errlen > sizeof(FNAME ":4294967295: ")) {
			CHECK(strncmp(err, FNAME ":", sizeof(FNAME)) == 0);
			if (r == -EINVAL) {
				line = strtoul(err + sizeof(FNAME), &end, 10);
				CHECK(*end == ':');
				CHECK(line >= 1 && line <= count_lines(text, len));
				/* conf.c's "cannot happen": the pre-scan and
				 * inih disagree on a line. */
				CHECK(strncmp(end, ": internal error", 16) != 0);
			}
		}
	}
	free(before.nodes);
	free(err);
	return r;
}

/*
 * The allowlist's reference, written apart from conf.c's fnmatch() so
 * that the two can disagree: with '*' kept within a component, a path
 * matches when it has the pattern's components and each matches its own,
 * '*' there being any run of characters (the greedy two-pointer match,
 * linear where naive backtracking is exponential in the stars).
 */
static int
component_match(const char *p, size_t pn, const char *s, size_t sn)
{
	size_t	pi = 0, si = 0, star = (size_t)-1, mark = 0;

	while (si < sn) {
		if (pi < pn && p[pi] == '*') {
			star = pi++;
			mark = si;
		} else if (pi < pn && p[pi] == s[si]) {
			pi++;
			si++;
		} else if (star != (size_t)-1) {
			pi = star + 1;
			si = ++mark;
		} else
			return 0;
	}
	while (pi < pn && p[pi] == '*')
		pi++;
	return pi == pn;
}

static int
star_match(const char *p, const char *s)
{
	size_t	pn, sn;

	for (;;) {
		pn = strcspn(p, "/");
		sn = strcspn(s, "/");
		if (!component_match(p, pn, s, sn))
			return 0;
		if (p[pn] == '\0' || s[sn] == '\0')
			return p[pn] == s[sn];
		p += pn + 1;
		s += sn + 1;
	}
}

/* What conf.h promises a command path must be, with a list. */
static int
plain_path(const char *s)
{
	return s[0] == '/' && strstr(s, "//") == NULL &&
	    strstr(s, "/./") == NULL && strstr(s, "/../") == NULL &&
	    !(strlen(s) >= 2 && strcmp(s + strlen(s) - 2, "/.") == 0) &&
	    !(strlen(s) >= 3 && strcmp(s + strlen(s) - 3, "/..") == 0);
}

/* Whether the reference can judge s against every pattern of c. */
static int
reference_allows(const struct conf *c, const char *s, int *sure)
{
	size_t	i, n;
	int	yes = 0;

	*sure = 1;
	for (i = 0; i < c->n_allow; i++) {
		n = strlen(c->allow[i]);
		if (c->allow[i][n - 1] == '/')
			yes |= strncmp(s, c->allow[i], n) == 0;
		else if (strpbrk(c->allow[i], "?[\\") != NULL)
			*sure = 0;	/* fnmatch's other syntax: not modelled */
		else
			yes |= star_match(c->allow[i], s);
	}
	return yes;
}

static void
check_allows_one(const struct conf *c, const char *s)
{
	int	r = conf_allows(c, s), want, sure;

	CHECK(r == 0 || r == 1);
	CHECK(conf_allows(c, s) == r);
	if (c->n_allow == 0) {
		CHECK(r == 1);
		return;
	}
	if (r)
		CHECK(plain_path(s));
	want = reference_allows(c, s, &sure);
	if (plain_path(s) && (sure || want))
		CHECK(r == want);
}

/*
 * conf_allows over what the input offers as command paths: each of its
 * lines (a comment line minus its '#'), each pattern, and each pattern
 * one step further (a character, a component, a '*' spanning a '/').
 */
static void
check_allows(const struct conf *c, const char *text, size_t len)
{
	char		 buf[CONF_MAX_LINE + 8], *star;
	const char	*line = text, *end = text + len, *nl;
	size_t		 i, n, lines = 0;

	if (c->n_allow > 0)
		CHECK(conf_allows(c, NULL) == 0);
	for (; line < end && lines < 256; line = nl + 1, lines++) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		n = (size_t)(nl - line);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n >= sizeof(buf) || memchr(line, '\0', n) != NULL)
			continue;
		memcpy(buf, line, n);
		buf[n] = '\0';
		check_allows_one(c, buf);
		if (buf[0] == '#' || buf[0] == ';')
			check_allows_one(c, buf + 1 + strspn(buf + 1, " \t"));
	}
	for (i = 0; i < c->n_allow; i++) {
		const char *pat = c->allow[i];

		n = strlen(pat);
		check_allows_one(c, pat);
		/* An exact path allows itself; a prefix, what is under it. */
		if (plain_path(pat) && strpbrk(pat, "*?[\\") == NULL)
			CHECK(conf_allows(c, pat));
		snprintf(buf, sizeof(buf), "%sx", pat);
		check_allows_one(c, buf);
		if (pat[n - 1] == '/' && plain_path(buf))
			CHECK(conf_allows(c, buf));
		snprintf(buf, sizeof(buf), "%s/x", pat);
		check_allows_one(c, buf);
		if ((star = strchr(pat, '*')) != NULL) {
			snprintf(buf, sizeof(buf), "%.*sa/b%s",
			    (int)(star - pat), pat, star + 1);
			check_allows_one(c, buf);
			snprintf(buf, sizeof(buf), "%.*s%s", (int)(star - pat),
			    pat, star + 1);
			check_allows_one(c, buf);
		}
	}
}

static void
both_ways(enum conf_role role, const char *text, size_t len)
{
	struct conf	a, b;
	int		ra, rb;

	conf_defaults(&a, role);
	ra = parse(&a, role, text, len, 512);
	conf_defaults(&b, role);
	rb = parse(&b, role, text, len, 1 + len % 64);
	CHECK(ra == rb);
	CHECK(conf_eq(&a, &b));
	conf_free(&b);
	if (role == CONF_SERVER)
		check_allows(&a, text, len);
	/* Over a conf that has nodes already: refused or applied whole. */
	parse(&a, role, text, len, 512);
	conf_free(&a);
	CHECK(a.nodes == NULL && a.n_nodes == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*text;

	/* An exact copy: conf_parse takes a length, not a C string. */
	text = malloc(size > 0 ? size : 1);
	CHECK(text != NULL);
	if (size > 0)
		memcpy(text, data, size);
	both_ways(CONF_SERVER, text, size);
	both_ways(CONF_MANAGER, text, size);
	free(text);
	return 0;
}
