/* SPDX-License-Identifier: ISC */
/*
 * test_conf.c: cmappmgr.conf and cmappserver.conf.  The manual's two
 * samples verbatim, the keys and their defaults, the three ways to pin a
 * trustStore to a node, and each refusal with its message; a refused file
 * must leave the conf as it was.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "conf.h"

#define FNAME	"test.conf"

/* The manual's cmappmgr.conf sample, as printed. */
static const char manager_sample[] =
	"###############################################################\n"
	"# (C) Copyright 2008 Hewlett-Packard Development Company, L.P.\n"
	"# @(#) SG cmappmgr Configuration File\n"
	"# @(#) Product Name : HP SG cmappmgr conf file\n"
	"# @(#) Product Version : %%SG_VERSION%%\n"
	"# @(#) Patch Name : %%SG_PATCH%%\n"
	"#\n"
	"###############################################################\n"
	"keyStore=/etc/cmcluster/cmappmgr/client.private\n"
	"# If unspecified, the default value is /etc/client.private\n"
	"keyStorePassword=\n"
	"# If unspecified, the default value is clientpw\n"
	"# Specify node name where the trustStore comes from, followed by a \":\", e.g.,\n"
	"mmpf121:\n"
	"trustStore=/etc/cmcluster/cmappmgr/server_mmpf121.public\n"
	"trustStorePassword=public\n"
	"# If unspecified, the default value is /etc/server.public\n"
	"# If unspecified, the default value is public\n";

/* The manual's cmappserver.conf sample, as printed. */
static const char server_sample[] =
	"###############################################################\n"
	"# (C) Copyright 2008 Hewlett-Packard Development Company, L.P.\n"
	"#\n"
	"# Serviceguard cmappserver Configuration File\n"
	"# cmappserver.conf version 1.0\n"
	"###############################################################\n"
	"keyStore=\n"
	"# If unspecified, the default value is /opt/hp/cmappserver/server.private on\n"
	"# HP-UX and Linux systems, Program Files\\Hewlett-Packard\\cmappserver\\server.private\n"
	"# on Windows.\n"
	"keyStorePassword=\n"
	"# If unspecified, the default value is serverpw\n"
	"trustStore=\n"
	"# If unspecified, the default value is /opt/hp/cmappserver/client.public on\n"
	"# HP-UX and Linux systems, Program Files\\Hewlett-Packard\\cmappserver\\client.public\n"
	"# on Windows.\n"
	"trustStorePassword=\n"
	"# If unspecified, the default value is public\n";

static char	err[512];

/* Parses text over the role's defaults; the error, if any, is in err. */
static int
parse(struct conf *c, enum conf_role role, const char *text)
{
	conf_defaults(c, role);
	memset(err, 0, sizeof(err));
	return conf_parse(c, text, strlen(text), FNAME, err, sizeof(err));
}

/* Parses text over what c already holds. */
static int
reparse(struct conf *c, const char *text)
{
	memset(err, 0, sizeof(err));
	return conf_parse(c, text, strlen(text), FNAME, err, sizeof(err));
}

#define assert_err_has(want)						\
	cr_assert(strstr(err, (want)) != NULL,				\
	    "error \"%s\" lacks \"%s\"", err, (want))

/*
 * text (len bytes) must be refused with an error that starts with
 * "test.conf:LINE: " and contains msg, and must leave the conf untouched.
 */
static void
expect_refused_n(enum conf_role role, const char *text, size_t len,
    unsigned line, const char *msg)
{
	struct conf	c, def;
	char		loc[64];
	int		r;

	conf_defaults(&def, role);
	conf_defaults(&c, role);
	memset(err, 0, sizeof(err));
	r = conf_parse(&c, text, len, FNAME, err, sizeof(err));
	cr_assert_eq(r, -EINVAL, "accepted (r=%d): %s", r, text);
	snprintf(loc, sizeof(loc), "%s:%u: ", FNAME, line);
	cr_assert(strncmp(err, loc, strlen(loc)) == 0,
	    "error \"%s\" does not start with \"%s\"", err, loc);
	assert_err_has(msg);
	cr_assert(memcmp(&c, &def, sizeof(c)) == 0,
	    "a refused file changed the conf");
	conf_free(&c);
}

static void
expect_refused(enum conf_role role, const char *text, unsigned line,
    const char *msg)
{
	expect_refused_n(role, text, strlen(text), line, msg);
}

/* A temporary file under /tmp holding len bytes of data. */
static void
write_tmp(char *path, size_t size, const void *data, size_t len)
{
	int	fd;

	snprintf(path, size, "/tmp/test_conf.XXXXXX");
	fd = mkstemp(path);
	cr_assert_neq(fd, -1, "mkstemp: %s", strerror(errno));
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	cr_assert_eq(close(fd), 0);
}

/* A valid conf of exactly size bytes: a keyStore line, then comments. */
static char *
sized_conf(size_t size)
{
	static const char	head[] = "keyStore=/big.private\n";
	char			*b;
	size_t			 i, col = 0;

	cr_assert_geq(size, sizeof(head));
	cr_assert_not_null(b = malloc(size));
	memcpy(b, head, sizeof(head) - 1);
	for (i = sizeof(head) - 1; i < size; i++) {
		if (col == 0)
			b[i] = '#';
		else if (col == 99 || i == size - 1)
			b[i] = '\n';
		else
			b[i] = 'x';
		col = b[i] == '\n' ? 0 : col + 1;
	}
	return b;
}

/* Defaults */

Test(conf, defaults_manager)
{
	struct conf	c;

	memset(&c, 0xa5, sizeof(c));
	conf_defaults(&c, CONF_MANAGER);
	cr_assert_eq(c.role, CONF_MANAGER);
	cr_assert_str_eq(c.key.path, "/etc/client.private");
	cr_assert_str_eq(c.key.password, "clientpw");
	cr_assert_str_eq(c.trust.path, "/etc/server.public");
	cr_assert_str_eq(c.trust.password, "public");
	cr_assert_null(c.nodes);
	cr_assert_eq(c.n_nodes, 0);
	conf_free(&c);
}

Test(conf, defaults_server)
{
	struct conf	c;

	memset(&c, 0xa5, sizeof(c));
	conf_defaults(&c, CONF_SERVER);
	cr_assert_eq(c.role, CONF_SERVER);
	cr_assert_str_eq(c.key.path, "/opt/hp/cmappserver/server.private");
	cr_assert_str_eq(c.key.password, "serverpw");
	cr_assert_str_eq(c.trust.path, "/opt/hp/cmappserver/client.public");
	cr_assert_str_eq(c.trust.password, "public");
	cr_assert_eq(c.max_processes, 30);
	cr_assert_eq(c.max_processes, CONF_DEFAULT_PROCESSES);
	cr_assert_eq(c.port, 0);
	cr_assert_str_eq(c.listen, "");
	cr_assert_null(c.nodes);
	cr_assert_eq(c.n_nodes, 0);
	conf_free(&c);
}

/* The manual's samples */

Test(conf, manual_manager_sample)
{
	struct conf		 c;
	const struct conf_store	*t;

	cr_assert_eq(parse(&c, CONF_MANAGER, manager_sample), 0, "%s", err);
	cr_assert_str_eq(err, "");
	cr_assert_str_eq(c.key.path, "/etc/cmcluster/cmappmgr/client.private");
	cr_assert_str_eq(c.key.password, "clientpw");
	/* The trustStore went to mmpf121: the fallback keeps its default. */
	cr_assert_str_eq(c.trust.path, "/etc/server.public");
	cr_assert_str_eq(c.trust.password, "public");
	cr_assert_eq(c.n_nodes, 1);
	cr_assert_str_eq(c.nodes[0].node, "mmpf121");
	cr_assert_str_eq(c.nodes[0].trust.path,
	    "/etc/cmcluster/cmappmgr/server_mmpf121.public");
	cr_assert_str_eq(c.nodes[0].trust.password, "public");
	t = conf_trust_for(&c, "mmpf121");
	cr_assert_eq(t, &c.nodes[0].trust);
	t = conf_trust_for(&c, "mmpf122");
	cr_assert_eq(t, &c.trust);
	conf_free(&c);
	cr_assert_null(c.nodes);
	cr_assert_eq(c.n_nodes, 0);
}

Test(conf, manual_server_sample)
{
	struct conf	c;

	cr_assert_eq(parse(&c, CONF_SERVER, server_sample), 0, "%s", err);
	cr_assert_str_eq(c.key.path, "/opt/hp/cmappserver/server.private");
	cr_assert_str_eq(c.key.password, "serverpw");
	cr_assert_str_eq(c.trust.path, "/opt/hp/cmappserver/client.public");
	cr_assert_str_eq(c.trust.password, "public");
	cr_assert_eq(c.max_processes, CONF_DEFAULT_PROCESSES);
	cr_assert_eq(c.port, 0);
	cr_assert_str_eq(c.listen, "");
	cr_assert_eq(c.n_nodes, 0);
	conf_free(&c);
}

/* The manual's "NODE:" form with a password other than the default. */
Test(conf, manual_node_line_takes_the_next_password)
{
	struct conf	c;

	cr_assert_eq(parse(&c, CONF_MANAGER,
	    "mmpf121:\n"
	    "trustStore=/k/server_mmpf121.public\n"
	    "trustStorePassword=guestpw\n"), 0, "%s", err);
	cr_assert_eq(c.n_nodes, 1);
	cr_assert_str_eq(c.nodes[0].trust.path, "/k/server_mmpf121.public");
	cr_assert_str_eq(c.nodes[0].trust.password, "guestpw");
	cr_assert_str_eq(c.trust.path, "/etc/server.public");
	cr_assert_str_eq(c.trust.password, "public");
	conf_free(&c);
}

/* Comments and blank lines may come between "NODE:" and its trustStore. */
Test(conf, node_line_skips_comments_and_other_keys)
{
	struct conf	c;

	cr_assert_eq(parse(&c, CONF_MANAGER,
	    "mmpf121:\n"
	    "# the guest's key\n"
	    "\n"
	    "keyStore=/k/client.private\n"
	    "trustStore=/k/s.public\n"), 0, "%s", err);
	cr_assert_str_eq(c.key.path, "/k/client.private");
	cr_assert_eq(c.n_nodes, 1);
	cr_assert_str_eq(c.nodes[0].node, "mmpf121");
	cr_assert_str_eq(c.nodes[0].trust.path, "/k/s.public");
	cr_assert_str_eq(c.trust.path, "/etc/server.public");
	conf_free(&c);
}

/* Keys and values */

Test(conf, manager_keys_set_values)
{
	struct conf	c;

	cr_assert_eq(parse(&c, CONF_MANAGER,
	    "keyStore=/a/client.private\n"
	    "keyStorePassword=kpw\n"
	    "trustStore=/a/server.public\n"
	    "trustStorePassword=tpw\n"), 0, "%s", err);
	cr_assert_str_eq(c.key.path, "/a/client.private");
	cr_assert_str_eq(c.key.password, "kpw");
	cr_assert_str_eq(c.trust.path, "/a/server.public");
	cr_assert_str_eq(c.trust.password, "tpw");
	cr_assert_eq(c.n_nodes, 0);
	conf_free(&c);
}

Test(conf, keys_are_case_insensitive)
{
	struct conf	c;

	cr_assert_eq(parse(&c, CONF_SERVER,
	    "KEYSTORE=/a/server.private\n"
	    "keystorepassword=kpw\n"
	    "TrustStore=/a/client.public\n"
	    "TRUSTSTOREPASSWORD=tpw\n"
	    "PORT=1234\n"
	    "Listen=127.0.0.1\n"
	    "MAX_PROCESSES=7\n"), 0, "%s", err);
	cr_assert_str_eq(c.key.path, "/a/server.private");
	cr_assert_str_eq(c.key.password, "kpw");
	cr_assert_str_eq(c.trust.path, "/a/client.public");
	cr_assert_str_eq(c.trust.password, "tpw");
	cr_assert_eq(c.port, 1234);
	cr_assert_str_eq(c.listen, "127.0.0.1");
	cr_assert_eq(c.max_processes, 7);
	conf_free(&c);
}

Test(conf, server_keys)
{
	struct conf	c;

	cr_assert_eq(parse(&c, CONF_SERVER,
	    "port=8443\nlisten=::1\nmax_processes=100\n"), 0, "%s", err);
	cr_assert_eq(c.port, 8443);
	cr_assert_str_eq(c.listen, "::1");
	cr_assert_eq(c.max_processes, 100);
	conf_free(&c);
}

Test(conf, number_bounds_accepted)
{
	struct conf	c;

	cr_assert_eq(parse(&c, CONF_SERVER, "port=1\nmax_processes=1\n"), 0,
	    "%s", err);
	cr_assert_eq(c.port, 1);
	cr_assert_eq(c.max_processes, 1);
	conf_free(&c);
	cr_assert_eq(parse(&c, CONF_SERVER,
	    "port=65535\nmax_processes=1024\n"), 0, "%s", err);
	cr_assert_eq(c.port, 65535);
	cr_assert_eq(c.max_processes, CONF_MAX_PROCESSES);
	conf_free(&c);
}

Test(conf, port_out_of_range_refused)
{
	expect_refused(CONF_SERVER, "port=0\n", 1,
	    "port: '0' is not a number from 1 to 65535");
	expect_refused(CONF_SERVER, "#\nport=65536\n", 2, "port: '65536'");
	expect_refused(CONF_SERVER, "port=99999999999999999999999\n", 1,
	    "port: '99999999999999999999999'");
	expect_refused(CONF_SERVER, "port=-1\n", 1, "port: '-1'");
	expect_refused(CONF_SERVER, "port=+80\n", 1, "port: '+80'");
	expect_refused(CONF_SERVER, "port=http\n", 1, "port: 'http'");
	expect_refused(CONF_SERVER, "port=80 443\n", 1, "port: '80 443'");
	expect_refused(CONF_SERVER, "port=0x50\n", 1, "port: '0x50'");
}

Test(conf, max_processes_out_of_range_refused)
{
	expect_refused(CONF_SERVER, "max_processes=0\n", 1,
	    "max_processes: '0' is not a number from 1 to 1024");
	expect_refused(CONF_SERVER, "max_processes=1025\n", 1,
	    "max_processes: '1025'");
	expect_refused(CONF_SERVER, "max_processes=ten\n", 1,
	    "max_processes: 'ten'");
}

/* An empty value puts the default back, even over an earlier setting. */
Test(conf, empty_value_means_default)
{
	struct conf	c;

	conf_defaults(&c, CONF_SERVER);
	cr_assert_eq(reparse(&c,
	    "keyStore=/x/k\nkeyStorePassword=a\ntrustStore=/x/t\n"
	    "trustStorePassword=b\nport=99\nlisten=10.0.0.1\n"
	    "max_processes=5\n"), 0, "%s", err);
	cr_assert_str_eq(c.key.path, "/x/k");
	cr_assert_eq(c.port, 99);
	/* A second file over the first: its empty values mean the defaults. */
	cr_assert_eq(conf_parse(&c, server_sample, strlen(server_sample),
	    FNAME, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(c.key.path, "/opt/hp/cmappserver/server.private");
	cr_assert_str_eq(c.key.password, "serverpw");
	cr_assert_str_eq(c.trust.path, "/opt/hp/cmappserver/client.public");
	cr_assert_str_eq(c.trust.password, "public");
	cr_assert_eq(c.port, 99);		/* not in the sample */
	cr_assert_eq(reparse(&c, "port=\nlisten=\nmax_processes=\n"), 0,
	    "%s", err);
	cr_assert_eq(c.port, 0);
	cr_assert_str_eq(c.listen, "");
	cr_assert_eq(c.max_processes, CONF_DEFAULT_PROCESSES);
	conf_free(&c);
}

Test(conf, manager_empty_values_mean_default)
{
	struct conf	c;

	conf_defaults(&c, CONF_MANAGER);
	strcpy(c.key.path, "/changed");
	strcpy(c.key.password, "changed");
	strcpy(c.trust.path, "/changed");
	strcpy(c.trust.password, "changed");
	cr_assert_eq(reparse(&c, "keyStore=\nkeyStorePassword=\n"
	    "trustStore=\ntrustStorePassword=\n"), 0, "%s", err);
	cr_assert_str_eq(c.key.path, "/etc/client.private");
	cr_assert_str_eq(c.key.password, "clientpw");
	cr_assert_str_eq(c.trust.path, "/etc/server.public");
	cr_assert_str_eq(c.trust.password, "public");
	conf_free(&c);
}

Test(conf, blanks_around_keys_and_values_are_cut)
{
	struct conf	c;

	cr_assert_eq(parse(&c, CONF_MANAGER,
	    "keyStore = /a/client.private \t\n"
	    "keyStorePassword\t=\tp w\n"
	    "\n"
	    "   \n"
	    "  # an indented comment is still a comment\n"
	    "; so is this\n"), 0, "%s", err);
	cr_assert_str_eq(c.key.path, "/a/client.private");
	cr_assert_str_eq(c.key.password, "p w");
	conf_free(&c);
}

/* Java properties also take ':' between key and value. */
Test(conf, colon_separates_a_known_key)
{
	struct conf	c;

	cr_assert_eq(parse(&c, CONF_SERVER,
	    "keyStore:/a/server.private\nport: 81\n"), 0, "%s", err);
	cr_assert_str_eq(c.key.path, "/a/server.private");
	cr_assert_eq(c.port, 81);
	conf_free(&c);
}

/* Only the first '=' separates: a password may hold '=', ':' and '#'. */
Test(conf, value_keeps_later_separators)
{
	struct conf	c;

	cr_assert_eq(parse(&c, CONF_MANAGER,
	    "keyStorePassword=a=b:c#d\n"
	    "trustStorePassword=x;y\n"), 0, "%s", err);
	cr_assert_str_eq(c.key.password, "a=b:c#d");
	cr_assert_str_eq(c.trust.password, "x;y");
	conf_free(&c);
}

Test(conf, later_line_wins)
{
	struct conf	c;

	cr_assert_eq(parse(&c, CONF_MANAGER,
	    "keyStore=/first\nkeyStore=/second\n"), 0, "%s", err);
	cr_assert_str_eq(c.key.path, "/second");
	conf_free(&c);
}

Test(conf, empty_text)
{
	struct conf	c, def;

	conf_defaults(&def, CONF_SERVER);
	cr_assert_eq(parse(&c, CONF_SERVER, ""), 0, "%s", err);
	cr_assert(memcmp(&c, &def, sizeof(c)) == 0);
	conf_free(&c);
}

Test(conf, utf8_bom_is_skipped)
{
	struct conf	c;

	cr_assert_eq(parse(&c, CONF_MANAGER,
	    "\xef\xbb\xbfkeyStore=/bom/client.private\n"), 0, "%s", err);
	cr_assert_str_eq(c.key.path, "/bom/client.private");
	conf_free(&c);
	cr_assert_eq(parse(&c, CONF_MANAGER,
	    "\xef\xbb\xbf# a comment after the BOM\nkeyStore=/b\n"), 0, "%s",
	    err);
	cr_assert_str_eq(c.key.path, "/b");
	conf_free(&c);
	/* Only at the start of the file. */
	expect_refused(CONF_MANAGER, "#\n\xef\xbb\xbfkeyStore=/a\n", 2,
	    "unknown key");
}

/* A file written on Windows, and one without a final newline. */
Test(conf, crlf_line_endings)
{
	struct conf	c;

	cr_assert_eq(parse(&c, CONF_MANAGER,
	    "# edited on Windows\r\n"
	    "\r\n"
	    "keyStore=/w/client.private\r\n"
	    "keyStorePassword=kpw\r\n"
	    "mmpf121:\r\n"
	    "trustStore=/w/server_mmpf121.public\r\n"
	    "trustStorePassword=gpw\r\n"
	    "trustStore=g2:/w/g2.public\r\n"
	    "g3:trustStore=/w/g3.public\r\n"
	    "trustStorePassword=\r\n"), 0, "%s", err);
	cr_assert_str_eq(c.key.path, "/w/client.private");
	cr_assert_str_eq(c.key.password, "kpw");
	cr_assert_eq(c.n_nodes, 3);
	cr_assert_str_eq(c.nodes[0].node, "mmpf121");
	cr_assert_str_eq(c.nodes[0].trust.path, "/w/server_mmpf121.public");
	cr_assert_str_eq(c.nodes[0].trust.password, "gpw");
	cr_assert_str_eq(c.nodes[1].node, "g2");
	cr_assert_str_eq(c.nodes[1].trust.path, "/w/g2.public");
	cr_assert_str_eq(c.nodes[2].node, "g3");
	cr_assert_str_eq(c.nodes[2].trust.path, "/w/g3.public");
	cr_assert_str_eq(c.nodes[2].trust.password, "public");
	conf_free(&c);

	cr_assert_eq(parse(&c, CONF_SERVER,
	    "port=4242\r\nlisten=0.0.0.0\r\nmax_processes=12\r\n"
	    "keyStorePassword=spw"), 0, "%s", err);
	cr_assert_eq(c.port, 4242);
	cr_assert_str_eq(c.listen, "0.0.0.0");
	cr_assert_eq(c.max_processes, 12);
	cr_assert_str_eq(c.key.password, "spw");
	conf_free(&c);
}

Test(conf, manual_samples_with_crlf)
{
	char		buf[2 * sizeof(manager_sample)];
	const char	*s;
	size_t		 n = 0;
	struct conf	 c;

	for (s = manager_sample; *s != '\0'; s++) {
		if (*s == '\n')
			buf[n++] = '\r';
		buf[n++] = *s;
	}
	buf[n] = '\0';
	cr_assert_eq(parse(&c, CONF_MANAGER, buf), 0, "%s", err);
	cr_assert_str_eq(c.key.path, "/etc/cmcluster/cmappmgr/client.private");
	cr_assert_str_eq(c.key.password, "clientpw");
	cr_assert_eq(c.n_nodes, 1);
	cr_assert_str_eq(c.nodes[0].node, "mmpf121");
	cr_assert_str_eq(c.nodes[0].trust.path,
	    "/etc/cmcluster/cmappmgr/server_mmpf121.public");
	cr_assert_str_eq(c.nodes[0].trust.password, "public");
	conf_free(&c);
}

/* Unknown keys */

Test(conf, unknown_key_names_file_line_and_key)
{
	struct conf	c, def;

	conf_defaults(&def, CONF_MANAGER);
	cr_assert_eq(parse(&c, CONF_MANAGER,
	    "# comment\nkeyStore=/a\nkeyStorPassword=x\n"), -EINVAL);
	cr_assert_str_eq(err, "test.conf:3: unknown key 'keyStorPassword'");
	cr_assert(memcmp(&c, &def, sizeof(c)) == 0);
	conf_free(&c);
	expect_refused(CONF_SERVER, "bogus=1\n", 1, "unknown key 'bogus'");
	expect_refused(CONF_SERVER, "=1\n", 1, "unknown key ''");
	/* "key:value" with an unknown key is not a node line. */
	expect_refused(CONF_MANAGER, "\nbogus:1\n", 2, "unknown key 'bogus'");
}

Test(conf, server_keys_refused_in_manager_conf)
{
	expect_refused(CONF_MANAGER, "port=80\n", 1,
	    "unknown key 'port' (it is a cmappserver.conf key)");
	expect_refused(CONF_MANAGER, "#\n#\nlisten=127.0.0.1\n", 3,
	    "unknown key 'listen'");
	expect_refused(CONF_MANAGER, "Max_Processes=3\n", 1,
	    "unknown key 'Max_Processes'");
}

/* The first bad line is the one named. */
Test(conf, first_error_wins)
{
	expect_refused(CONF_MANAGER, "a=1\nb=2\n", 1, "unknown key 'a'");
	expect_refused(CONF_MANAGER, "keyStore=/a\nb=2\n  indented\n", 2,
	    "unknown key 'b'");
	expect_refused(CONF_MANAGER, "keyStore=/a\n  indented\nb=2\n", 2,
	    "starts with a blank");
}

/* Node pinning */

Test(conf, pin_in_the_value)
{
	struct conf	c;

	cr_assert_eq(parse(&c, CONF_MANAGER,
	    "trustStore=/fallback.public\n"
	    "trustStorePassword=fpw\n"
	    "trustStore=mmpf121:/k/server_mmpf121.public\n"
	    "trustStore=mmpf122 : /k/server_mmpf122.public\n"
	    "trustStorePassword=pw122\n"), 0, "%s", err);
	cr_assert_str_eq(c.trust.path, "/fallback.public");
	cr_assert_str_eq(c.trust.password, "fpw");
	cr_assert_eq(c.n_nodes, 2);
	cr_assert_str_eq(c.nodes[0].node, "mmpf121");
	cr_assert_str_eq(c.nodes[0].trust.path, "/k/server_mmpf121.public");
	cr_assert_str_eq(c.nodes[0].trust.password, "public");
	cr_assert_str_eq(c.nodes[1].node, "mmpf122");
	cr_assert_str_eq(c.nodes[1].trust.path, "/k/server_mmpf122.public");
	cr_assert_str_eq(c.nodes[1].trust.password, "pw122");
	conf_free(&c);
}

Test(conf, pin_before_the_key)
{
	struct conf	c;

	cr_assert_eq(parse(&c, CONF_MANAGER,
	    "mmpf121:trustStore=/k/a.public\n"
	    "mmpf122: truststore = /k/b.public\n"
	    "mmpf121:trustStorePassword=pwa\n"
	    "trustStorePassword=pwb\n"), 0, "%s", err);
	cr_assert_eq(c.n_nodes, 2);
	cr_assert_str_eq(c.nodes[0].node, "mmpf121");
	cr_assert_str_eq(c.nodes[0].trust.path, "/k/a.public");
	cr_assert_str_eq(c.nodes[0].trust.password, "pwa");
	cr_assert_str_eq(c.nodes[1].node, "mmpf122");
	cr_assert_str_eq(c.nodes[1].trust.path, "/k/b.public");
	/* A plain trustStorePassword goes to the latest trustStore. */
	cr_assert_str_eq(c.nodes[1].trust.password, "pwb");
	cr_assert_str_eq(c.trust.password, "public");
	cr_assert_str_eq(c.trust.path, "/etc/server.public");
	conf_free(&c);
}

Test(conf, pinned_empty_password_means_public)
{
	struct conf	c;

	cr_assert_eq(parse(&c, CONF_MANAGER,
	    "g1:trustStore=/k/a.public\n"
	    "g1:trustStorePassword=other\n"
	    "g1:trustStorePassword=\n"), 0, "%s", err);
	cr_assert_str_eq(c.nodes[0].trust.password, "public");
	conf_free(&c);
}

/* A password before any trustStore line, or after the fallback's, is its. */
Test(conf, password_follows_the_latest_trust_store)
{
	struct conf	c;

	cr_assert_eq(parse(&c, CONF_MANAGER,
	    "trustStorePassword=early\n"
	    "trustStore=g1:/k/a.public\n"
	    "trustStore=/k/fallback.public\n"
	    "trustStorePassword=late\n"), 0, "%s", err);
	cr_assert_str_eq(c.trust.path, "/k/fallback.public");
	cr_assert_str_eq(c.trust.password, "late");
	cr_assert_str_eq(c.nodes[0].trust.password, "public");
	conf_free(&c);
	cr_assert_eq(parse(&c, CONF_MANAGER, "trustStorePassword=early\n"), 0,
	    "%s", err);
	cr_assert_str_eq(c.trust.password, "early");
	conf_free(&c);
}

/* A ':' after a '/' is part of a path, not a node. */
Test(conf, colon_in_a_path_is_not_a_node)
{
	struct conf	c;

	cr_assert_eq(parse(&c, CONF_MANAGER,
	    "trustStore=/k/odd:name.public\n"), 0, "%s", err);
	cr_assert_eq(c.n_nodes, 0);
	cr_assert_str_eq(c.trust.path, "/k/odd:name.public");
	conf_free(&c);
	cr_assert_eq(parse(&c, CONF_MANAGER,
	    "g1:\ntrustStore=/k/odd:name.public\n"), 0, "%s", err);
	cr_assert_eq(c.n_nodes, 1);
	cr_assert_str_eq(c.nodes[0].trust.path, "/k/odd:name.public");
	cr_assert_str_eq(c.trust.path, "/etc/server.public");
	conf_free(&c);
}

Test(conf, trust_for_is_case_insensitive_with_fallback)
{
	struct conf		 c;
	const struct conf_store	*t;

	cr_assert_eq(parse(&c, CONF_MANAGER,
	    "MmPf121:trustStore=/k/a.public\n"
	    "trustStore=other:/k/b.public\n"
	    "trustStore=/k/fallback.public\n"), 0, "%s", err);
	t = conf_trust_for(&c, "mmpf121");
	cr_assert_str_eq(t->path, "/k/a.public");
	cr_assert_eq(conf_trust_for(&c, "MMPF121"), t);
	cr_assert_str_eq(conf_trust_for(&c, "OTHER")->path, "/k/b.public");
	cr_assert_eq(conf_trust_for(&c, "mmpf12"), &c.trust);
	cr_assert_eq(conf_trust_for(&c, "mmpf1211"), &c.trust);
	cr_assert_eq(conf_trust_for(&c, ""), &c.trust);
	cr_assert_eq(conf_trust_for(&c, NULL), &c.trust);
	cr_assert_str_eq(conf_trust_for(&c, "x")->path, "/k/fallback.public");
	conf_free(&c);
}

/* What cmappmgr lists when a node has no pinned trustStore. */
Test(conf, pinned_nodes_listed_in_file_order)
{
	struct conf	c;
	char		buf[64];

	cr_assert_eq(parse(&c, CONF_MANAGER, "trustStore=/k/f\n"), 0, "%s",
	    err);
	cr_assert_eq(conf_pinned_nodes(&c, buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "");
	conf_free(&c);
	cr_assert_eq(parse(&c, CONF_MANAGER,
	    "mmpf121:\ntrustStore=/k/a\n"
	    "[::1]:\ntrustStore=/k/b\n"
	    "trustStore=localhost:/k/c\n"), 0, "%s", err);
	cr_assert_eq(conf_pinned_nodes(&c, buf, sizeof(buf)), 3);
	cr_assert_str_eq(buf, "mmpf121, [::1], localhost");
	/* Cut at a whole name, marked. */
	cr_assert_eq(conf_pinned_nodes(&c, buf, 22), 3);
	cr_assert_str_eq(buf, "mmpf121, [::1], ...");
	cr_assert_eq(conf_pinned_nodes(&c, buf, 14), 3);
	cr_assert_str_eq(buf, "mmpf121, ...");
	cr_assert_eq(conf_pinned_nodes(&c, buf, 8), 3);
	cr_assert_str_eq(buf, "...");
	cr_assert_eq(conf_pinned_nodes(&c, buf, 3), 3);
	cr_assert_str_eq(buf, "");
	conf_free(&c);
}

Test(conf, duplicate_node_refused)
{
	expect_refused(CONF_MANAGER,
	    "g1:trustStore=/a\ng1:trustStore=/b\n", 2,
	    "a second trustStore for node 'g1'");
	/* Node names are compared without case, in every form. */
	expect_refused(CONF_MANAGER,
	    "mmpf121:\ntrustStore=/a\n#\ntrustStore=MMPF121:/b\n", 4,
	    "a second trustStore for node 'MMPF121'");
	expect_refused(CONF_MANAGER,
	    "trustStore=g1:/a\nG1:\ntrustStore=/b\n", 3,
	    "a second trustStore for node 'G1'");
}

Test(conf, dangling_node_line_refused)
{
	/* At the end: the error names the "NODE:" line. */
	expect_refused(CONF_MANAGER, "keyStore=/a\nmmpf121:\n#\n", 2,
	    "'mmpf121:' is not followed by a trustStore line");
	/* Followed by another "NODE:" line. */
	expect_refused(CONF_MANAGER, "g1:\ng2:\ntrustStore=/a\n", 1,
	    "'g1:' is not followed by a trustStore line");
	/* Followed by a password: whose would it be? */
	expect_refused(CONF_MANAGER, "g1:\ntrustStorePassword=x\n", 2,
	    "'g1:' on line 1 must be followed by its trustStore line");
	/* Followed by a trustStore pinned to another node. */
	expect_refused(CONF_MANAGER, "g1:\ntrustStore=g2:/a\n", 2,
	    "'g1:' on line 1 must be followed by a plain trustStore=PATH");
	expect_refused(CONF_MANAGER, "g1:\ng2:trustStore=/a\n", 2,
	    "'g1:' on line 1 must be followed by a plain trustStore=PATH");
}

Test(conf, pinned_path_must_not_be_empty)
{
	expect_refused(CONF_MANAGER, "g1:\ntrustStore=\n", 2,
	    "an empty path for node 'g1'");
	expect_refused(CONF_MANAGER, "trustStore=g1:\n", 1,
	    "an empty path for node 'g1'");
	expect_refused(CONF_MANAGER, "g1:trustStore=\n", 1,
	    "an empty path for node 'g1'");
}

Test(conf, bad_node_names_refused)
{
	expect_refused(CONF_MANAGER, "trustStore=:/a\n", 1,
	    "an empty node name");
	expect_refused(CONF_MANAGER, "trustStore=g 1:/a\n", 1,
	    "'g 1' is not a node name");
	expect_refused(CONF_MANAGER, "g 1:\ntrustStore=/a\n", 1,
	    "'g 1' is not a node name");
}

Test(conf, node_password_needs_its_trust_store_first)
{
	expect_refused(CONF_MANAGER, "g1:trustStorePassword=x\n", 1,
	    "no trustStore for node 'g1' before this line");
	expect_refused(CONF_MANAGER,
	    "g1:trustStore=/a\ng2:trustStorePassword=x\n", 2,
	    "no trustStore for node 'g2'");
}

Test(conf, only_trust_keys_after_a_node)
{
	expect_refused(CONF_MANAGER, "g1:keyStore=/a\n", 1,
	    "unknown key 'keyStore' after 'g1:'");
	expect_refused(CONF_MANAGER, "g1:bogus=/a\n", 1,
	    "unknown key 'bogus' after 'g1:'");
}

Test(conf, pinning_refused_in_server_conf)
{
	expect_refused(CONF_SERVER, "keyStore=\nmmpf121:\ntrustStore=/a\n", 2,
	    "'mmpf121:' pins a trustStore to a node, which only "
	    "cmappmgr.conf can do");
	expect_refused(CONF_SERVER, "trustStore=mmpf121:/a\n", 1,
	    "'mmpf121:' pins a trustStore");
	expect_refused(CONF_SERVER, "mmpf121:trustStore=/a\n", 1,
	    "'mmpf121:' pins a trustStore");
	expect_refused(CONF_SERVER, "mmpf121:trustStorePassword=x\n", 1,
	    "'mmpf121:' pins a trustStore");
}

/* IPv6 nodes: "[ADDR]" in each of the three forms */

Test(conf, ipv6_node_in_brackets_all_forms)
{
	struct conf	c;

	cr_assert_eq(parse(&c, CONF_MANAGER,
	    "trustStore=/k/fallback.public\n"
	    "[fe80::1]:\n"
	    "trustStore=/k/a.public\n"
	    "trustStorePassword=pwa\n"
	    "trustStore=[::1]:/k/b.public\n"
	    "[2001:db8::5]:trustStore=/k/c.public\n"
	    "[2001:db8::5]:trustStorePassword=pwc\n"
	    "trustStore = [fe80::2%eth0] : /k/d.public\r\n"
	    "[::ffff:10.0.0.1] : trustStore=/k/e.public\n"), 0, "%s", err);
	cr_assert_str_eq(c.trust.path, "/k/fallback.public");
	cr_assert_eq(c.n_nodes, 5);
	cr_assert_str_eq(c.nodes[0].node, "fe80::1");
	cr_assert_str_eq(c.nodes[0].trust.path, "/k/a.public");
	cr_assert_str_eq(c.nodes[0].trust.password, "pwa");
	/* Not the node "[" with the path ":1]:/k/b.public". */
	cr_assert_str_eq(c.nodes[1].node, "::1");
	cr_assert_str_eq(c.nodes[1].trust.path, "/k/b.public");
	cr_assert_str_eq(c.nodes[1].trust.password, "public");
	cr_assert_str_eq(c.nodes[2].node, "2001:db8::5");
	cr_assert_str_eq(c.nodes[2].trust.path, "/k/c.public");
	cr_assert_str_eq(c.nodes[2].trust.password, "pwc");
	cr_assert_str_eq(c.nodes[3].node, "fe80::2%eth0");
	cr_assert_str_eq(c.nodes[3].trust.path, "/k/d.public");
	cr_assert_str_eq(c.nodes[4].node, "::ffff:10.0.0.1");
	cr_assert_str_eq(c.nodes[4].trust.path, "/k/e.public");
	conf_free(&c);
}

/* An address matches by value, in the file and from -node alike. */
Test(conf, ipv6_node_matches_by_value)
{
	struct conf	c;

	cr_assert_eq(parse(&c, CONF_MANAGER,
	    "trustStore=[0:0::1]:/k/lo.public\n"
	    "trustStore=[FE80::2%eth0]:/k/ll.public\n"
	    "trustStore=[2001:db8::1]:/k/g.public\n"
	    "trustStore=/k/fallback.public\n"), 0, "%s", err);
	cr_assert_str_eq(conf_trust_for(&c, "::1")->path, "/k/lo.public");
	cr_assert_str_eq(conf_trust_for(&c, "0:0::1")->path, "/k/lo.public");
	cr_assert_str_eq(conf_trust_for(&c,
	    "0000:0000:0000:0000:0000:0000:0000:0001")->path, "/k/lo.public");
	cr_assert_str_eq(conf_trust_for(&c, "fe80::2%eth0")->path,
	    "/k/ll.public");
	cr_assert_str_eq(conf_trust_for(&c, "2001:DB8:0::1")->path,
	    "/k/g.public");
	/* Another address, zone or none, or a name: the fallback. */
	cr_assert_eq(conf_trust_for(&c, "::2"), &c.trust);
	cr_assert_eq(conf_trust_for(&c, "fe80::2"), &c.trust);
	cr_assert_eq(conf_trust_for(&c, "fe80::2%eth1"), &c.trust);
	cr_assert_eq(conf_trust_for(&c, "::ffff:0.0.0.1"), &c.trust);
	cr_assert_eq(conf_trust_for(&c, "localhost"), &c.trust);
	/* conf_node_arg() takes the brackets off first. */
	cr_assert_eq(conf_trust_for(&c, "[::1]"), &c.trust);
	conf_free(&c);

	/* So two spellings of one address are one node twice. */
	expect_refused(CONF_MANAGER,
	    "[::1]:trustStore=/k/a\ntrustStore=[0:0::1]:/k/b\n", 2,
	    "trustStore: a second trustStore for node '0:0::1' (the same "
	    "address as '::1')");
	expect_refused(CONF_MANAGER,
	    "[::1]:trustStore=/k/a\n[::1]:\ntrustStore=/k/b\n", 3,
	    "a second trustStore for node '::1'");
	expect_refused(CONF_MANAGER,
	    "[::1]:trustStore=/k/a\n[0::1]:trustStorePassword=x\n"
	    "[::2]:trustStorePassword=x\n", 3,
	    "no trustStore for node '::2' before this line");
}

/* An address without brackets would be cut at its first ':'. */
Test(conf, ipv6_node_without_brackets_refused)
{
	expect_refused(CONF_MANAGER, "::1:\ntrustStore=/k/a\n", 1,
	    "'::1' is an IPv6 address: write it in brackets, as [::1]:");
	expect_refused(CONF_MANAGER, "#\ntrustStore=::1:/path\n", 2,
	    "trustStore: '::1' is an IPv6 address: write it in brackets, as "
	    "trustStore=[::1]:PATH");
	expect_refused(CONF_MANAGER, "::1:trustStore=/k/a\n", 1,
	    "'::1' is an IPv6 address: write it in brackets, as [::1]:");
	expect_refused(CONF_MANAGER, "fe80::1:trustStore=/k/a\n", 1,
	    "'fe80::1' is an IPv6 address");
	/* Read as the node "fe80" and the path ":1:/k/a" before. */
	expect_refused(CONF_MANAGER, "trustStore=fe80::1:/k/a\n", 1,
	    "trustStore: 'fe80::1' is an IPv6 address");
	expect_refused(CONF_MANAGER, "fe80::1%eth0:\ntrustStore=/k/a\n", 1,
	    "'fe80::1%eth0' is an IPv6 address: write it in brackets, as "
	    "[fe80::1%eth0]:");
	expect_refused(CONF_MANAGER, "1:2:3:4:5:6:7:8:trustStore=/k/a\n", 1,
	    "'1:2:3:4:5:6:7:8' is an IPv6 address");
	expect_refused(CONF_MANAGER, "trustStore=::1\n", 1,
	    "trustStore: '::1' is an IPv6 address");
}

/* What is not an address in brackets stays as it was. */
Test(conf, node_names_and_ipv4_unchanged)
{
	struct conf	c;

	cr_assert_eq(parse(&c, CONF_MANAGER,
	    "10.0.0.3:\ntrustStore=/k/a\n"
	    "trustStore=10.0.0.4:/k/b\n"
	    "cafe:trustStore=/k/c\n"
	    "trustStore=/k/odd:name.public\n"
	    "trustStore=g1:/k/x]y\n"), 0, "%s", err);
	cr_assert_eq(c.n_nodes, 4);
	cr_assert_str_eq(c.nodes[0].node, "10.0.0.3");
	cr_assert_str_eq(c.nodes[1].node, "10.0.0.4");
	cr_assert_str_eq(c.nodes[2].node, "cafe");
	cr_assert_str_eq(c.nodes[3].node, "g1");
	cr_assert_str_eq(c.nodes[3].trust.path, "/k/x]y");
	cr_assert_str_eq(c.trust.path, "/k/odd:name.public");
	cr_assert_eq(conf_trust_for(&c, "CAFE"), &c.nodes[2].trust);
	conf_free(&c);
}

Test(conf, ipv6_brackets_unbalanced_refused)
{
	expect_refused(CONF_MANAGER, "keyStore=/a\n[::1:\ntrustStore=/k/a\n", 2,
	    "a '[' without its ']'; an IPv6 node is written [ADDR]:");
	expect_refused(CONF_MANAGER, "#\ntrustStore=[::1:/k/a\n", 2,
	    "trustStore: a '[' without its ']'; an IPv6 node is written "
	    "trustStore=[ADDR]:PATH");
	expect_refused(CONF_MANAGER, "trustStore=[::1]/k/a\n", 1,
	    "trustStore: '[::1]' must be followed by ':' and the path");
	expect_refused(CONF_MANAGER, "trustStore=::1]:/k/a\n", 1,
	    "trustStore: '::1]': a '[' or ']' out of place");
	expect_refused(CONF_MANAGER, "::1]:\ntrustStore=/k/a\n", 1,
	    "'::1]': a '[' or ']' out of place; an IPv6 node is written "
	    "[ADDR]:");
	expect_refused(CONF_MANAGER, "x[::1]:trustStore=/k/a\n", 1,
	    "'x[': a '[' or ']' out of place");
	expect_refused(CONF_MANAGER, "trustStore=g[1:/k/a\n", 1,
	    "'g[': a '[' or ']' out of place");
	/* No ':' after the ']': a section, or a forgotten ':'. */
	expect_refused(CONF_MANAGER, "[::1]\ntrustStore=/k/a\n", 1,
	    "sections ('[...]') are not used in this file; an IPv6 node is "
	    "written [ADDR]:");
	expect_refused(CONF_MANAGER, "[::1] trustStore=/k/a\n", 1,
	    "sections");
}

Test(conf, ipv6_brackets_only_for_addresses)
{
	expect_refused(CONF_MANAGER, "[mmpf121]:trustStore=/k/a\n", 1,
	    "'[mmpf121]' is not an IPv6 address; only those are written in "
	    "brackets");
	expect_refused(CONF_MANAGER, "trustStore=[10.0.0.1]:/k/a\n", 1,
	    "trustStore: '[10.0.0.1]' is not an IPv6 address");
	expect_refused(CONF_MANAGER, "[]:\ntrustStore=/k/a\n", 1,
	    "'[]' is not an IPv6 address");
	expect_refused(CONF_MANAGER, "[ ::1]:\ntrustStore=/k/a\n", 1,
	    "'[ ::1]' is not an IPv6 address");
	expect_refused(CONF_MANAGER, "[fe80::1%]:\ntrustStore=/k/a\n", 1,
	    "'[fe80::1%]' is not an IPv6 address");
	expect_refused(CONF_MANAGER, "[fe80::1%a/b]:trustStore=/k/a\n", 1,
	    "is not an IPv6 address");
	expect_refused(CONF_MANAGER, "[[::1]]:trustStore=/k/a\n", 1,
	    "an IPv6 node is written [ADDR]:");
	expect_refused(CONF_MANAGER, "trustStore=[[::1]]:/k/a\n", 1,
	    "trustStore: '[[::1]' is not an IPv6 address");
}

/* Messages write an IPv6 node as the file does: in brackets. */
Test(conf, ipv6_node_messages)
{
	expect_refused(CONF_MANAGER, "keyStore=/a\n[::1]:\n#\n", 2,
	    "'[::1]:' is not followed by a trustStore line");
	expect_refused(CONF_MANAGER, "[::1]:\ntrustStorePassword=x\n", 2,
	    "'[::1]:' on line 1 must be followed by its trustStore line");
	expect_refused(CONF_MANAGER, "[::1]:\ntrustStore=[::2]:/k/a\n", 2,
	    "'[::1]:' on line 1 must be followed by a plain trustStore=PATH");
	expect_refused(CONF_MANAGER, "[::1]:keyStore=/a\n", 1,
	    "unknown key 'keyStore' after '[::1]:'");
	expect_refused(CONF_MANAGER, "[::1]:bogus\n", 1,
	    "'[::1]:' must be alone on its line or followed by "
	    "trustStore=PATH");
	expect_refused(CONF_MANAGER, "[::1]:trustStore=\n", 1,
	    "an empty path for node '::1'");
	expect_refused(CONF_SERVER, "[::1]:\ntrustStore=/a\n", 1,
	    "'[::1]:' pins a trustStore to a node, which only cmappmgr.conf "
	    "can do");
	expect_refused(CONF_SERVER, "trustStore=[::1]:/a\n", 1,
	    "'[::1]:' pins a trustStore");
}

/* cmappmgr -node */
Test(conf, node_arg)
{
	char	node[CONF_MAX_NODE], e[256], *big;

	cr_assert_eq(conf_node_arg("slvm1", node, sizeof(node), e,
	    sizeof(e)), 0);
	cr_assert_str_eq(node, "slvm1");
	cr_assert_eq(conf_node_arg("::1", node, sizeof(node), e, sizeof(e)),
	    0);
	cr_assert_str_eq(node, "::1");
	cr_assert_eq(conf_node_arg("[::1]", node, sizeof(node), e,
	    sizeof(e)), 0);
	cr_assert_str_eq(node, "::1");
	cr_assert_eq(conf_node_arg("[fe80::1%eth0]", node, sizeof(node), e,
	    sizeof(e)), 0);
	cr_assert_str_eq(node, "fe80::1%eth0");
	cr_assert_eq(conf_node_arg("10.0.0.1", node, sizeof(node), e,
	    sizeof(e)), 0);
	cr_assert_str_eq(node, "10.0.0.1");

	cr_assert_eq(conf_node_arg("[::1", node, sizeof(node), e, sizeof(e)),
	    -EINVAL);
	cr_assert_str_eq(e, "'[::1': an IPv6 address is written [ADDR], and "
	    "the port with -port");
	cr_assert_eq(conf_node_arg("[::1]:5315", node, sizeof(node), e,
	    sizeof(e)), -EINVAL);
	cr_assert_not_null(strstr(e, "the port with -port"), "%s", e);
	cr_assert_eq(conf_node_arg("[slvm1]", node, sizeof(node), e,
	    sizeof(e)), -EINVAL);
	cr_assert_str_eq(e, "'[slvm1]' is not an IPv6 address; only those "
	    "are written in brackets");
	cr_assert_eq(conf_node_arg("[]", node, sizeof(node), e, sizeof(e)),
	    -EINVAL);
	cr_assert_eq(conf_node_arg("::1]", node, sizeof(node), e, sizeof(e)),
	    -EINVAL);
	cr_assert_str_eq(e, "'::1]': a '[' or ']' out of place; an IPv6 "
	    "address is written [ADDR] or ADDR");
	cr_assert_eq(conf_node_arg("", node, sizeof(node), e, sizeof(e)),
	    -EINVAL);
	cr_assert_str_eq(e, "the node is empty");
	big = malloc(CONF_MAX_NODE + 1);
	memset(big, 'h', CONF_MAX_NODE);
	big[CONF_MAX_NODE] = '\0';
	cr_assert_eq(conf_node_arg(big, node, sizeof(node), e, sizeof(e)),
	    -EINVAL);
	cr_assert_str_eq(e, "the node is longer than 255 bytes");
	big[CONF_MAX_NODE - 1] = '\0';
	cr_assert_eq(conf_node_arg(big, node, sizeof(node), e, sizeof(e)), 0);
	cr_assert_str_eq(node, big);
	free(big);
}

/* More nodes than the first allocation holds, up to the limit. */
Test(conf, many_nodes)
{
	struct conf	c;
	char		*text, *p, lower[16], upper[16];
	size_t		 i;

	cr_assert_not_null(text = malloc(CONF_MAX_FILE));
	for (p = text, i = 0; i < CONF_MAX_NODES; i++)
		p += sprintf(p, "g%zu:trustStore=/k/g%zu.public\n", i, i);
	cr_assert_eq(parse(&c, CONF_MANAGER, text), 0, "%s", err);
	cr_assert_eq(c.n_nodes, CONF_MAX_NODES);
	for (i = 0; i < CONF_MAX_NODES; i++) {
		snprintf(lower, sizeof(lower), "g%zu", i);
		snprintf(upper, sizeof(upper), "G%zu", i);
		cr_assert_str_eq(c.nodes[i].node, lower);
		cr_assert_eq(conf_trust_for(&c, upper), &c.nodes[i].trust);
	}
	conf_free(&c);

	sprintf(p, "one:\ntrustStore=/k/one_more.public\n");
	expect_refused(CONF_MANAGER, text, CONF_MAX_NODES + 2,
	    "more than 256 node-pinned trustStores");
	free(text);
}

/* A second file adds to the nodes of the first; a bad one changes none. */
Test(conf, parse_over_earlier_nodes)
{
	struct conf	c;
	void		*nodes;

	cr_assert_eq(parse(&c, CONF_MANAGER, "g1:trustStore=/k/1\n"), 0,
	    "%s", err);
	cr_assert_eq(reparse(&c, "g2:trustStore=/k/2\ng3:trustStore=/k/3\n"),
	    0, "%s", err);
	cr_assert_eq(c.n_nodes, 3);
	cr_assert_str_eq(conf_trust_for(&c, "g1")->path, "/k/1");
	cr_assert_str_eq(conf_trust_for(&c, "g3")->path, "/k/3");

	nodes = c.nodes;
	cr_assert_eq(reparse(&c, "keyStore=/new\ng4:trustStore=/k/4\n"
	    "g1:trustStore=/k/again\n"), -EINVAL);
	assert_err_has("test.conf:3: trustStore: a second trustStore for "
	    "node 'g1'");
	cr_assert_eq(c.nodes, nodes);
	cr_assert_eq(c.n_nodes, 3);
	cr_assert_str_eq(c.key.path, "/etc/client.private");
	cr_assert_str_eq(conf_trust_for(&c, "g1")->path, "/k/1");
	cr_assert_eq(conf_trust_for(&c, "g4"), &c.trust);
	conf_free(&c);
}

/* A file is applied whole or not at all. */
Test(conf, refused_file_changes_nothing)
{
	struct conf	c, before;

	conf_defaults(&c, CONF_SERVER);
	strcpy(c.key.path, "/set/before");
	c.port = 7;
	memcpy(&before, &c, sizeof(c));
	cr_assert_eq(reparse(&c,
	    "keyStore=/new\nkeyStorePassword=new\nport=9\nmax_processes=2\n"
	    "listen=1.2.3.4\nport=0\n"), -EINVAL);
	assert_err_has("test.conf:6: port: '0'");
	cr_assert(memcmp(&c, &before, sizeof(c)) == 0);
	conf_free(&c);
}

/* Long lines */

/* A text of n bytes: head, then fill up to n, then tail. */
static char *
filled(const char *head, int fill, size_t n, const char *tail)
{
	size_t	h = strlen(head), t = strlen(tail);
	char	*b;

	cr_assert_geq(n, h);
	cr_assert_not_null(b = malloc(n + t + 1));
	memcpy(b, head, h);
	memset(b + h, fill, n - h);
	memcpy(b + n, tail, t + 1);
	return b;
}

/* Java properties have no line limit: admins write long comments. */
Test(conf, comments_of_any_length_accepted)
{
	struct conf	c;
	char		*text, *big;

	text = filled("#", 'x', 300, "\nkeyStore=/k/client.private\n");
	cr_assert_eq(parse(&c, CONF_MANAGER, text), 0, "%s", err);
	cr_assert_str_eq(c.key.path, "/k/client.private");
	conf_free(&c);
	free(text);

	/* Every kind of comment line, over the key line limit, CRLF too. */
	big = filled("", 'y', 3 * CONF_MAX_LINE, "");
	cr_assert_not_null(text = malloc(4 * strlen(big) + 128));
	sprintf(text, "; %s\r\n  # %s\n\xef\xbb\xbf\n#%s\nport=81\n#%s", big,
	    big, big, big);
	/* A BOM is skipped on line 1 only: on line 3 it is not a comment. */
	expect_refused(CONF_SERVER, text, 3, "not a key=value line");
	sprintf(text, "\xef\xbb\xbf; %s\r\n  # %s\n\n#%s\nport=81\n#%s",
	    big, big, big, big);
	cr_assert_eq(parse(&c, CONF_SERVER, text), 0, "%s", err);
	cr_assert_eq(c.port, 81);
	conf_free(&c);
	free(text);
	free(big);
}

/*
 * inih reads a line into CONF_MAX_LINE bytes with its '\n' and a NUL: the
 * longest key line.
 */
#define KEY_LINE_MAX	(CONF_MAX_LINE - 2)

/* A key line of KEY_LINE_MAX bytes, whatever the form. */
Test(conf, longest_key_line_accepted)
{
	struct conf	c;
	char		*text;
	size_t		n;

	text = filled("keyStore=/", 'p', KEY_LINE_MAX, "\n");
	cr_assert_eq(parse(&c, CONF_MANAGER, text), 0, "%s", err);
	cr_assert_eq(strlen(c.key.path), KEY_LINE_MAX - strlen("keyStore="));
	cr_assert_eq(c.key.path[0], '/');
	conf_free(&c);
	/* Nor does a final line need its '\n'. */
	text[KEY_LINE_MAX] = '\0';
	cr_assert_eq(parse(&c, CONF_MANAGER, text), 0, "%s", err);
	cr_assert_eq(strlen(c.key.path), KEY_LINE_MAX - strlen("keyStore="));
	conf_free(&c);
	free(text);
	/* The '\r' of a CRLF file does not count. */
	text = filled("keyStore=/", 'p', KEY_LINE_MAX, "\r\nport=1\r\n");
	cr_assert_eq(parse(&c, CONF_SERVER, text), 0, "%s", err);
	cr_assert_eq(strlen(c.key.path), KEY_LINE_MAX - strlen("keyStore="));
	cr_assert_eq(c.port, 1);
	conf_free(&c);
	free(text);

	/* Blanks count, and are cut. */
	text = filled("keyStorePassword  = ", 'w', KEY_LINE_MAX - 2, "  \n");
	cr_assert_eq(parse(&c, CONF_MANAGER, text), 0, "%s", err);
	cr_assert_eq(strlen(c.key.password), KEY_LINE_MAX - 2 -
	    strlen("keyStorePassword  = "));
	conf_free(&c);
	free(text);

	/* Each node form, an IPv6 one included. */
	text = filled("trustStore=slvm1:/", 'a', KEY_LINE_MAX, "\n");
	cr_assert_eq(parse(&c, CONF_MANAGER, text), 0, "%s", err);
	cr_assert_eq(c.n_nodes, 1);
	cr_assert_str_eq(c.nodes[0].node, "slvm1");
	cr_assert_eq(strlen(c.nodes[0].trust.path), KEY_LINE_MAX -
	    strlen("trustStore=slvm1:"));
	conf_free(&c);
	free(text);
	text = filled("[fd00::13]:trustStore=/", 'b', KEY_LINE_MAX, "\n");
	cr_assert_eq(parse(&c, CONF_MANAGER, text), 0, "%s", err);
	cr_assert_eq(c.n_nodes, 1);
	cr_assert_str_eq(c.nodes[0].node, "fd00::13");
	cr_assert_eq(strlen(c.nodes[0].trust.path), KEY_LINE_MAX -
	    strlen("[fd00::13]:trustStore="));
	conf_free(&c);
	free(text);
	text = filled("[fd00::13]  :", ' ', KEY_LINE_MAX, "\ntrustStore=/c\n");
	cr_assert_eq(parse(&c, CONF_MANAGER, text), 0, "%s", err);
	cr_assert_eq(c.n_nodes, 1);
	cr_assert_str_eq(c.nodes[0].node, "fd00::13");
	cr_assert_str_eq(c.nodes[0].trust.path, "/c");
	conf_free(&c);
	free(text);
	text = filled("trustStore=[fd00::13]:/", 'd', KEY_LINE_MAX, "\n");
	cr_assert_eq(parse(&c, CONF_MANAGER, text), 0, "%s", err);
	cr_assert_eq(c.n_nodes, 1);
	cr_assert_str_eq(c.nodes[0].node, "fd00::13");
	conf_free(&c);
	free(text);

	/* After long comments, the lines are still counted right. */
	text = filled("#", 'x', 3 * CONF_MAX_LINE, "\nkeyStore=/a\n");
	n = strlen(text);
	cr_assert_not_null(text = realloc(text, 2 * n + 16));
	memcpy(text + n, text, n);
	strcpy(text + 2 * n, "bogus=1\n");
	expect_refused(CONF_MANAGER, text, 5, "unknown key 'bogus'");
	free(text);
}

/* inih would read the tail of a long comment as a line: it does not. */
Test(conf, long_comment_tail_is_not_a_key)
{
	struct conf	c;
	char		*text;

	text = filled("# ", 'x', CONF_MAX_LINE - 1, "keyStore=/tail\n");
	cr_assert_eq(parse(&c, CONF_MANAGER, text), 0, "%s", err);
	cr_assert_str_eq(c.key.path, "/etc/client.private");
	conf_free(&c);
	free(text);
	text = filled(";", 'y', 2 * CONF_MAX_LINE - 1, "[::1]:\n");
	cr_assert_eq(parse(&c, CONF_MANAGER, text), 0, "%s", err);
	cr_assert_eq(c.n_nodes, 0);
	conf_free(&c);
	free(text);
}

/* The token inih reads for "[ADDR]" is no node a file can name. */
Test(conf, node_token_is_not_a_node_name)
{
	struct conf	 c;

	cr_assert_eq(parse(&c, CONF_MANAGER, "@:trustStore=/at\n"
	    "[::1]:trustStore=/v6\n@x:\ntrustStore=/atx\n"), 0, "%s", err);
	cr_assert_eq(c.n_nodes, 3);
	cr_assert_str_eq(c.nodes[0].node, "@");
	cr_assert_str_eq(c.nodes[0].trust.path, "/at");
	cr_assert_str_eq(c.nodes[1].node, "::1");
	cr_assert_str_eq(c.nodes[1].trust.path, "/v6");
	cr_assert_str_eq(c.nodes[2].node, "@x");
	conf_free(&c);
	expect_refused(CONF_MANAGER, "[::1]:\n@:\n", 1,
	    "'[::1]:' is not followed by a trustStore line");
	expect_refused(CONF_MANAGER, "@:trustStore=/a\n[::1]:bogus=1\n", 2,
	    "unknown key 'bogus' after '[::1]:'");
	expect_refused(CONF_SERVER, "[::1]:\n", 1, "'[::1]:' pins a "
	    "trustStore to a node, which only cmappmgr.conf can do");
}

/*
 * The values have limits of their own (a path 1023 bytes, ...), but a key
 * line stops sooner: the line is refused, naming its key.
 */
Test(conf, long_values_refused)
{
	char	*text;

	text = filled("#\nkeyStore=/", 'p', strlen("#\nkeyStore=") +
	    CONF_MAX_PATH, "\n");
	expect_refused(CONF_MANAGER, text, 2,
	    "keyStore: the line is longer than 198 bytes");
	free(text);
	text = filled("keyStorePassword=", 'w', strlen("keyStorePassword=") +
	    CONF_MAX_PASSWORD, "\n");
	expect_refused(CONF_MANAGER, text, 1,
	    "keyStorePassword: the line is longer than 198 bytes");
	free(text);
	text = filled("allow_command=/", 'a', strlen("allow_command=") +
	    CONF_MAX_PATTERN, "\n");
	expect_refused(CONF_SERVER, text, 1,
	    "allow_command: the line is longer than 198 bytes");
	free(text);
	text = filled("trustStore=", 'n', strlen("trustStore=") +
	    CONF_MAX_NODE, ":/k\n");
	expect_refused(CONF_MANAGER, text, 1,
	    "trustStore: the line is longer than 198 bytes");
	free(text);
}

Test(conf, long_line_refused)
{
	char	*text;

	/* One byte more than the longest line, on line 2, names its key. */
	text = filled("# first\nkeyStore=/", 'a', strlen("# first\n") +
	    KEY_LINE_MAX + 1, "\nkeyStore=/b\n");
	expect_refused(CONF_MANAGER, text, 2,
	    "keyStore: the line is longer than 198 bytes");
	free(text);
	/* CRLF: the '\r' is not counted, the byte before it is. */
	text = filled("keyStore=/", 'a', KEY_LINE_MAX + 1, "\r\n");
	expect_refused(CONF_MANAGER, text, 1,
	    "keyStore: the line is longer than 198 bytes");
	free(text);

	/* The last line, without its '\n'; ':' separates too. */
	text = filled("keyStore=/a\ntrustStore : /", 'a',
	    strlen("keyStore=/a\n") + KEY_LINE_MAX + 1, "");
	expect_refused(CONF_MANAGER, text, 2,
	    "trustStore: the line is longer than 198 bytes");
	free(text);

	/* Node lines name their node, in its brackets. */
	text = filled("[::1]:trustStore=/", 'a', KEY_LINE_MAX + 1, "\n");
	expect_refused(CONF_MANAGER, text, 1,
	    "[::1]: the line is longer than 198 bytes");
	free(text);
	text = filled("slvm1:trustStore=/", 'a', KEY_LINE_MAX + 1, "\n");
	expect_refused(CONF_MANAGER, text, 1,
	    "slvm1: the line is longer than 198 bytes");
	free(text);

	/* No key to name. */
	text = filled("", 'x', KEY_LINE_MAX + 1, "\n");
	expect_refused(CONF_MANAGER, text, 1, "the line is longer than 198");
	cr_assert_str_eq(err, "test.conf:1: the line is longer than 198 "
	    "bytes");
	free(text);
	text = filled("=", 'x', KEY_LINE_MAX + 1, "\n");
	expect_refused(CONF_MANAGER, text, 1, "the line is longer than 198");
	cr_assert_str_eq(err, "test.conf:1: the line is longer than 198 "
	    "bytes");
	free(text);

	/* A long name is shown cut. */
	text = filled("", 'k', KEY_LINE_MAX + 1, "=v\n");
	expect_refused(CONF_MANAGER, text, 1, "kkk...: the line is longer "
	    "than 198 bytes");
	cr_assert_eq(strlen(err), strlen("test.conf:1: ") + 64 +
	    strlen("...: the line is longer than 198 bytes"), "%s", err);
	free(text);

	/* An indented key line is still a key line. */
	text = filled("  keyStore=", 'a', KEY_LINE_MAX + 1, "\n");
	expect_refused(CONF_MANAGER, text, 1,
	    "keyStore: the line is longer than 198 bytes");
	free(text);

	/* An earlier bad key wins over a later long line. */
	text = filled("bogus=1\nkeyStore=/", 'a', strlen("bogus=1\n") +
	    KEY_LINE_MAX + 1, "\n");
	expect_refused(CONF_MANAGER, text, 1, "unknown key 'bogus'");
	free(text);
}

/* One BOM, then the manual's keyStore line, is read as usual. */
static void
expect_ok_bom(void)
{
	static const char	text[] = "\xef\xbb\xbfkeyStore=/k/x.private\n";
	struct conf		c;

	conf_defaults(&c, CONF_MANAGER);
	cr_assert_eq(conf_parse(&c, text, sizeof(text) - 1, "bom.conf", err,
	    sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(c.key.path, "/k/x.private");
	conf_free(&c);
}

/* Lines that INI readers and Java read differently */

Test(conf, nul_byte_refused)
{
	static const char	text[] = "keyStore=/a\nkeyStorePassword=ab\0cd\n";
	static const char	comment[] = "#\n#\n# a\0b\n";

	expect_refused_n(CONF_MANAGER, text, sizeof(text) - 1, 2,
	    "the line has a NUL byte");
	expect_refused_n(CONF_MANAGER, comment, sizeof(comment) - 1, 3,
	    "NUL byte");
	expect_refused_n(CONF_MANAGER, "\0", 1, 1, "NUL byte");
}

/* Found by fuzz_conf: inih drops a BOM at the start of what it reads, so
 * a second one would vanish from the name of line 1. */
Test(conf, second_bom_refused)
{
	expect_refused(CONF_MANAGER, "\xef\xbb\xbf\xef\xbb\xbfkeyStore=/a\n", 1,
	    "the file starts with two byte-order marks");
	expect_ok_bom();
}

Test(conf, indented_continuation_refused)
{
	expect_refused(CONF_MANAGER,
	    "keyStorePassword=abc\n  def\n", 2,
	    "the line starts with a blank, which would continue the "
	    "previous value");
	expect_refused(CONF_MANAGER, "#\n\tkeyStore=/a\n", 2,
	    "starts with a blank");
	expect_refused(CONF_MANAGER, "keyStorePassword=a\r\n b\r\n", 2,
	    "starts with a blank");
}

/* INI readers cut a value at " ;" as a comment: a password, silently. */
Test(conf, inline_comment_refused)
{
	expect_refused(CONF_MANAGER, "#\nkeyStorePassword=pass ;word\n", 2,
	    "a ';' after a blank would start a comment and cut the value");
	expect_refused(CONF_MANAGER, "keyStorePassword= ;x\n", 1,
	    "would start a comment");
	expect_refused(CONF_SERVER, "port=80\t; the port\n", 1,
	    "would start a comment");
	expect_refused(CONF_MANAGER, "mmpf121: ; the guest\n", 1,
	    "would start a comment");
	expect_refused(CONF_MANAGER, "g1:trustStore=/a ;b\n", 1,
	    "would start a comment");
}

Test(conf, other_lines_refused)
{
	expect_refused(CONF_MANAGER, "keyStore=/a\n[main]\n", 2,
	    "sections ('[...]') are not used");
	expect_refused(CONF_MANAGER, "keyStore /a\n", 1,
	    "not a key=value line");
	expect_refused(CONF_MANAGER, "#\nkeyStore ;=/a\n", 2,
	    "not a key=value line");
}

/* Error reporting */

Test(conf, error_buffer_may_be_small_or_absent)
{
	struct conf	c, def;
	char		small[10];

	conf_defaults(&def, CONF_MANAGER);
	conf_defaults(&c, CONF_MANAGER);
	memset(small, 'z', sizeof(small));
	cr_assert_eq(conf_parse(&c, "bogus=1\n", 8, FNAME, small,
	    sizeof(small)), -EINVAL);
	cr_assert_str_eq(small, "test.conf");
	cr_assert_eq(conf_parse(&c, "bogus=1\n", 8, FNAME, NULL, 0), -EINVAL);
	cr_assert_eq(conf_parse(&c, "bogus=1\n", 8, FNAME, small, 0), -EINVAL);
	cr_assert_eq(conf_parse(&c, "keyStore=/a\n", 12, FNAME, NULL, 0), 0);
	cr_assert_str_eq(c.key.path, "/a");
	conf_free(&c);
}

Test(conf, error_without_file_name)
{
	struct conf	c;

	conf_defaults(&c, CONF_MANAGER);
	cr_assert_eq(conf_parse(&c, "bogus=1\n", 8, NULL, err, sizeof(err)),
	    -EINVAL);
	cr_assert_str_eq(err, "conf:1: unknown key 'bogus'");
	conf_free(&c);
}

Test(conf, success_clears_error)
{
	struct conf	c;

	strcpy(err, "stale");
	conf_defaults(&c, CONF_MANAGER);
	cr_assert_eq(conf_parse(&c, "keyStore=/a\n", 12, FNAME, err,
	    sizeof(err)), 0);
	cr_assert_str_eq(err, "");
	conf_free(&c);
}

Test(conf, parse_refuses_too_much_text)
{
	struct conf	c, def;
	char		*text = sized_conf(CONF_MAX_FILE + 1);

	conf_defaults(&def, CONF_MANAGER);
	conf_defaults(&c, CONF_MANAGER);
	cr_assert_eq(conf_parse(&c, text, CONF_MAX_FILE + 1, FNAME, err,
	    sizeof(err)), -EFBIG);
	cr_assert_str_eq(err, "test.conf: larger than 65536 bytes");
	cr_assert(memcmp(&c, &def, sizeof(c)) == 0);
	cr_assert_eq(conf_parse(&c, text, CONF_MAX_FILE, FNAME, err,
	    sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(c.key.path, "/big.private");
	conf_free(&c);
	free(text);
}

/* conf_load */

Test(conf, load_file)
{
	struct conf	c;
	char		path[64];

	write_tmp(path, sizeof(path), manager_sample, strlen(manager_sample));
	conf_defaults(&c, CONF_MANAGER);
	cr_assert_eq(conf_load(&c, path, err, sizeof(err)), 0, "%s", err);
	unlink(path);
	cr_assert_str_eq(c.key.path, "/etc/cmcluster/cmappmgr/client.private");
	cr_assert_eq(c.n_nodes, 1);
	cr_assert_str_eq(conf_trust_for(&c, "mmpf121")->path,
	    "/etc/cmcluster/cmappmgr/server_mmpf121.public");
	conf_free(&c);
}

/* Relative key paths come from the conf's directory, not from the
 * working directory (cmappserver's is "/" once detached). */
Test(conf, load_relative_paths_from_the_conf_directory)
{
	static const char text[] = "keyStore=server.private\n"
	    "trustStore=keys/client.public\n"
	    "guest1:\ntrustStore=server_guest1.public\n";
	struct conf	c;
	char		path[64];

	write_tmp(path, sizeof(path), text, strlen(text));
	conf_defaults(&c, CONF_MANAGER);
	cr_assert_eq(conf_load(&c, path, err, sizeof(err)), 0, "%s", err);
	unlink(path);
	/* write_tmp puts it in /tmp. */
	cr_assert_str_eq(c.key.path, "/tmp/server.private");
	cr_assert_str_eq(c.trust.path, "/tmp/keys/client.public");
	cr_assert_str_eq(conf_trust_for(&c, "guest1")->path,
	    "/tmp/server_guest1.public");
	conf_free(&c);

	/* conf_parse itself (the fuzzed one) leaves them as written. */
	conf_defaults(&c, CONF_MANAGER);
	cr_assert_eq(conf_parse(&c, text, strlen(text), "x.conf", err,
	    sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(c.key.path, "server.private");
	conf_free(&c);
}

Test(conf, load_error_names_the_file)
{
	struct conf	c, def;
	char		path[64], want[128];
	static const char text[] = "keyStore=/a\nport=80\n";

	write_tmp(path, sizeof(path), text, strlen(text));
	conf_defaults(&def, CONF_MANAGER);
	conf_defaults(&c, CONF_MANAGER);
	cr_assert_eq(conf_load(&c, path, err, sizeof(err)), -EINVAL);
	unlink(path);
	snprintf(want, sizeof(want), "%s:2: unknown key 'port'", path);
	assert_err_has(want);
	cr_assert(memcmp(&c, &def, sizeof(c)) == 0);
	conf_free(&c);
}

Test(conf, load_missing_file)
{
	struct conf	c, def;
	char		path[64], want[128];

	write_tmp(path, sizeof(path), "", 0);
	cr_assert_eq(unlink(path), 0);
	conf_defaults(&def, CONF_SERVER);
	conf_defaults(&c, CONF_SERVER);
	cr_assert_eq(conf_load(&c, path, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "cannot read %s: No such file or "
	    "directory", path);
	cr_assert_str_eq(err, want);
	cr_assert(memcmp(&c, &def, sizeof(c)) == 0);
	cr_assert_eq(conf_load(&c, path, NULL, 0), -ENOENT);
	conf_free(&c);
}

Test(conf, load_too_large_file)
{
	struct conf	c, def;
	char		path[64], want[128];
	char		*text = sized_conf(CONF_MAX_FILE + 1);

	write_tmp(path, sizeof(path), text, CONF_MAX_FILE + 1);
	conf_defaults(&def, CONF_MANAGER);
	conf_defaults(&c, CONF_MANAGER);
	cr_assert_eq(conf_load(&c, path, err, sizeof(err)), -EFBIG);
	unlink(path);
	snprintf(want, sizeof(want), "cannot read %s: larger than 65536 bytes",
	    path);
	cr_assert_str_eq(err, want);
	cr_assert(memcmp(&c, &def, sizeof(c)) == 0);
	conf_free(&c);
	free(text);
}

/* Not a regular file: the size shows only in the reading. */
Test(conf, load_endless_device)
{
	struct conf	c, def;

	cr_assert_eq(access("/dev/zero", R_OK), 0);
	conf_defaults(&def, CONF_MANAGER);
	conf_defaults(&c, CONF_MANAGER);
	cr_assert_eq(conf_load(&c, "/dev/zero", err, sizeof(err)), -EFBIG);
	cr_assert_str_eq(err, "cannot read /dev/zero: larger than 65536 bytes");
	cr_assert(memcmp(&c, &def, sizeof(c)) == 0);
	conf_free(&c);
}

Test(conf, load_largest_file)
{
	struct conf	c;
	char		path[64];
	char		*text = sized_conf(CONF_MAX_FILE);

	write_tmp(path, sizeof(path), text, CONF_MAX_FILE);
	conf_defaults(&c, CONF_MANAGER);
	cr_assert_eq(conf_load(&c, path, err, sizeof(err)), 0, "%s", err);
	unlink(path);
	cr_assert_str_eq(c.key.path, "/big.private");
	conf_free(&c);
	free(text);
}

Test(conf, load_directory_refused)
{
	struct conf	c, def;
	char		dir[] = "/tmp/test_conf.XXXXXX", want[128];

	cr_assert_not_null(mkdtemp(dir));
	conf_defaults(&def, CONF_SERVER);
	conf_defaults(&c, CONF_SERVER);
	cr_assert_eq(conf_load(&c, dir, err, sizeof(err)), -EISDIR);
	rmdir(dir);
	snprintf(want, sizeof(want), "cannot read %s: Is a directory", dir);
	cr_assert_str_eq(err, want);
	cr_assert(memcmp(&c, &def, sizeof(c)) == 0);
	conf_free(&c);
}

Test(conf, load_crlf_file)
{
	struct conf	c;
	char		path[64];
	static const char text[] =
	    "keyStore=/w/server.private\r\nport=8080\r\nmax_processes=\r\n";

	write_tmp(path, sizeof(path), text, strlen(text));
	conf_defaults(&c, CONF_SERVER);
	cr_assert_eq(conf_load(&c, path, err, sizeof(err)), 0, "%s", err);
	unlink(path);
	cr_assert_str_eq(c.key.path, "/w/server.private");
	cr_assert_eq(c.port, 8080);
	cr_assert_eq(c.max_processes, CONF_DEFAULT_PROCESSES);
	conf_free(&c);
}

static void
allow_conf(struct conf *c, const char *text)
{
	conf_defaults(c, CONF_SERVER);
	cr_assert_eq(conf_parse(c, text, strlen(text), "a.conf", err,
	    sizeof(err)), 0, "%s", err);
}

Test(conf, allow_command_none_allows_all)
{
	struct conf	c;

	allow_conf(&c, "keyStore=\n");
	cr_expect_eq(c.n_allow, 0);
	cr_expect(conf_allows(&c, "/bin/sh"));
	cr_expect(conf_allows(&c, "relative"));
	conf_free(&c);
}

Test(conf, allow_command_exact_prefix_glob)
{
	struct conf	c;

	allow_conf(&c, "allow_command=/apps/ping_mon\n"
	    "ALLOW_COMMAND=/opt/app/bin/\n"
	    "allow_command=/opt/hp/cmappserver/cmapp_*\n");
	cr_expect_eq(c.n_allow, 3);
	cr_expect(conf_allows(&c, "/apps/ping_mon"));
	cr_expect_not(conf_allows(&c, "/apps/ping_mon2"));
	cr_expect_not(conf_allows(&c, "/apps/ping"));
	cr_expect(conf_allows(&c, "/opt/app/bin/run"));
	cr_expect(conf_allows(&c, "/opt/app/bin/sub/run"));
	cr_expect(conf_allows(&c, "/opt/hp/cmappserver/cmapp_net_mon.pl"));
	/* '*' does not cross a '/'. */
	cr_expect_not(conf_allows(&c, "/opt/hp/cmappserver/cmapp_x/../sh"));
	cr_expect_not(conf_allows(&c, "/opt/hp/cmappserver/cmapp_x/y"));
	/* Dot parts could walk out of a prefix. */
	cr_expect_not(conf_allows(&c, "/opt/app/bin/../../../bin/sh"));
	cr_expect_not(conf_allows(&c, "/opt/app/bin/./run"));
	cr_expect_not(conf_allows(&c, "/opt/app/bin//run"));
	cr_expect_not(conf_allows(&c, "/opt/app/bin/.."));
	/* No PATH search: a bare name is refused. */
	cr_expect_not(conf_allows(&c, "ping_mon"));
	cr_expect_not(conf_allows(&c, "/bin/sh"));
	cr_expect_not(conf_allows(&c, NULL));
	/* Names with dots that are not dot parts are fine. */
	conf_free(&c);
	allow_conf(&c, "allow_command=/opt/.app/x..y\n");
	cr_expect(conf_allows(&c, "/opt/.app/x..y"));
	conf_free(&c);
}

/*
 * What cmappserver.conf(5) says the list does not do: a '*' takes any
 * characters of its component, and only argv[0] is ever seen.
 */
Test(conf, allow_command_scope_as_documented)
{
	struct conf	c;

	allow_conf(&c, "allow_command=/bin/tru*\n"
	    "allow_command=/usr/bin/python3\n"
	    "allow_command=/opt/m?n/[ab]*\n");
	cr_expect(conf_allows(&c, "/bin/true"));
	cr_expect(conf_allows(&c, "/bin/truncate"));
	cr_expect(conf_allows(&c, "/bin/tru"));
	cr_expect_not(conf_allows(&c, "/bin/tr"));
	cr_expect_not(conf_allows(&c, "/bin/tru/x"));
	cr_expect(conf_allows(&c, "/usr/bin/python3"));
	cr_expect_not(conf_allows(&c, "/usr/bin/python3.11"));
	cr_expect(conf_allows(&c, "/opt/mon/a"));
	cr_expect(conf_allows(&c, "/opt/man/b.sh"));
	cr_expect_not(conf_allows(&c, "/opt/mon/c"));
	cr_expect_not(conf_allows(&c, "/opt/mn/a"));
	conf_free(&c);
}

/* An empty line after real entries must not switch the list off. */
Test(conf, allow_command_empty_refused)
{
	expect_refused(CONF_SERVER, "allow_command=/a\n#\nallow_command=\n",
	    3, "allow_command: an empty value; to allow every command, "
	    "remove all allow_command lines");
	expect_refused(CONF_SERVER, "allow_command=\n", 1,
	    "allow_command: an empty value");
	expect_refused(CONF_SERVER, "allow_command = \t\n", 1,
	    "allow_command: an empty value");
}

Test(conf, allow_command_errors)
{
	struct conf	c;
	char		text[CONF_MAX_ALLOW * 20 + 64];
	size_t		i, off = 0;

	conf_defaults(&c, CONF_SERVER);
	cr_expect_eq(conf_parse(&c, "allow_command=bin/sh\n", 20, "a.conf",
	    err, sizeof(err)), -EINVAL);
	cr_expect_not_null(strstr(err, "a.conf:1: allow_command: 'bin/sh' is "
	    "not an absolute path"), "%s", err);
	for (i = 0; i <= CONF_MAX_ALLOW; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "allow_command=/a%zu\n", i);
	cr_expect_eq(conf_parse(&c, text, off, "a.conf", err, sizeof(err)),
	    -EINVAL);
	cr_expect_not_null(strstr(err, "more than 64 lines"), "%s", err);
	cr_expect_eq(c.n_allow, 0);
	conf_free(&c);
	conf_defaults(&c, CONF_MANAGER);
	cr_expect_eq(conf_parse(&c, "allow_command=/a\n", 16, "m.conf", err,
	    sizeof(err)), -EINVAL);
	cr_expect_not_null(strstr(err, "unknown key 'allow_command'"), "%s",
	    err);
	conf_free(&c);
}

/* Line numbers: every line counts, whatever it is and however long. */

Test(conf, lines_counted_across_every_kind)
{
	char	*big, *text;

	big = filled(";", 'c', 2 * CONF_MAX_LINE, "");
	cr_assert_not_null(text = malloc(strlen(big) + 256));
	sprintf(text, "\xef\xbb\xbf# one\r\n\r\n[::1]:\r\n%s\r\n"
	    "trustStore=/a\n  \n\t# six\nmmpf121:trustStore=/b\n"
	    "mmpf121:trustStorePassword=pw\nbogus=1\n", big);
	expect_refused(CONF_MANAGER, text, 10, "unknown key 'bogus'");
	/* A pending "NODE:" is named on its own line, not the last one. */
	sprintf(text, "#\n\nslvm1:\n%s\n#\n", big);
	expect_refused(CONF_MANAGER, text, 3,
	    "'slvm1:' is not followed by a trustStore line");
	free(text);
	free(big);
}

/*
 * inih drops a BOM at the start of its line 1 only: a BOM starting a
 * later line, after comments or blank lines, stays part of the key.
 */
Test(conf, bom_on_a_later_line_is_not_dropped)
{
	expect_refused(CONF_SERVER, "#\n\n\xef\xbb\xbfport=1\n", 3,
	    "unknown key '\xef\xbb\xbfport'");
	expect_refused(CONF_SERVER, "\n\xef\xbb\xbfport=1\n", 2,
	    "unknown key '\xef\xbb\xbfport'");
}

/* log_file: cmappserver's log where syslog cannot be reached. */
Test(conf, log_file)
{
	struct conf	c;

	cr_assert_eq(parse(&c, CONF_SERVER, "port=1\n"), 0, "%s", err);
	cr_assert_str_eq(c.log_file, "", "set without a log_file line");
	cr_assert_eq(parse(&c, CONF_SERVER, "log_file = /var/log/x.log\n"), 0,
	    "%s", err);
	cr_assert_str_eq(c.log_file, "/var/log/x.log");
	/* An empty value puts the default ("": CONF_LOG_FILE) back. */
	cr_assert_eq(reparse(&c, "log_file=\n"), 0, "%s", err);
	cr_assert_str_eq(c.log_file, "");
	conf_free(&c);
	expect_refused(CONF_SERVER, "#\nlog_file=cmappserver.log\n", 2,
	    "log_file: 'cmappserver.log' is not an absolute path");
	expect_refused(CONF_MANAGER, "log_file=/tmp/x\n", 1,
	    "unknown key 'log_file' (it is a cmappserver.conf key)");
}
