/* SPDX-License-Identifier: ISC */
/*
 * conf.h: cmappserver.conf and cmappmgr.conf, in the manual's format
 * (key=value lines, '#' comments, an empty value meaning the default).
 * conf_parse is a pure function over a buffer; conf_load reads a file.
 */
#ifndef CMAPP_CONF_H
#define CMAPP_CONF_H

#include <stddef.h>
#include <stdint.h>

#define CONF_MAX_FILE		65536	/* bytes in a conf file */
#define CONF_MAX_LINE		200	/* inih's buffer: key lines <= 198 */
#define CONF_MAX_NODES		256	/* node-pinned trustStore entries */
#define CONF_MAX_PATH		1024
#define CONF_MAX_PASSWORD	256
#define CONF_MAX_NODE		256	/* a host name or an IPv6 address */
#define CONF_MAX_PROCESSES	1024	/* highest max_processes accepted */
#define CONF_DEFAULT_PROCESSES	30
#define CONF_MAX_ALLOW		64	/* allow_command lines */
#define CONF_MAX_PATTERN	200	/* bytes in one, NUL included */

#define CONF_SERVER_PATH	"/opt/hp/cmappserver/cmappserver.conf"
#define CONF_MANAGER_PATH	"/etc/cmappmgr.conf"
/* cmappserver's log where syslog cannot be reached, when detached. */
#define CONF_LOG_FILE		"/var/log/cmappserver.log"

enum conf_role { CONF_SERVER, CONF_MANAGER };

struct conf_store {
	char	path[CONF_MAX_PATH];
	char	password[CONF_MAX_PASSWORD];
};

struct conf_node {
	char			node[CONF_MAX_NODE];
	struct conf_store	trust;
};

struct conf {
	enum conf_role		role;
	struct conf_store	key;		/* keyStore, keyStorePassword */
	struct conf_store	trust;		/* the fallback trustStore */
	struct conf_node	*nodes;		/* NODE-pinned trustStores */
	size_t			n_nodes;
	/* cmappserver only */
	uint16_t		port;		/* 0: not set in the file */
	char			listen[CONF_MAX_NODE];	/* "": not set */
	unsigned		max_processes;
	char			log_file[CONF_MAX_PATH];	/* "": not set */
	/* allow_command patterns; none: any command may be launched.
	 * CONF_MAX_ALLOW of them, allocated with the first (conf_free). */
	char			(*allow)[CONF_MAX_PATTERN];
	size_t			n_allow;
};

/* Fills in the manual's defaults for the role; nodes empty. */
void	conf_defaults(struct conf *c, enum conf_role role);

/*
 * conf_parse: applies the text of a conf file over c (which holds defaults).
 * fname only names the file in messages.  0 on success; -EINVAL with a
 * message "FILE:LINE: ..." naming the key in err on the first bad line.
 */
int	conf_parse(struct conf *c, const char *text, size_t len,
	    const char *fname, char *err, size_t errlen);

/* conf_load: reads path (at most CONF_MAX_FILE bytes) and parses it; a
 * relative keyStore or trustStore is then taken from path's directory. */
int	conf_load(struct conf *c, const char *path, char *err, size_t errlen);

/*
 * The trustStore pinned for node, else the fallback.  Host names match
 * without case, IPv6 addresses (without brackets) by value: ::1 is 0:0::1.
 */
const struct conf_store *conf_trust_for(const struct conf *c,
	    const char *node);

/*
 * conf_pinned_nodes: the nodes with a pinned trustStore, in file order, as
 * "a, b, [::1]" in buf ("" when none), cut with "..." when it does not fit
 * in cap bytes.  Returns how many there are.
 */
size_t	conf_pinned_nodes(const struct conf *c, char *buf, size_t cap);

/*
 * conf_node_arg: the node that cmappmgr -node ARG names, for connecting
 * and for conf_trust_for: ARG, or the IPv6 address of "[ADDR]".  0, or
 * -EINVAL with the reason in err (a bracket out of place, not an IPv6
 * address in brackets, longer than CONF_MAX_NODE - 1 bytes).
 */
int	conf_node_arg(const char *arg, char *node, size_t size, char *err,
	    size_t errlen);

/*
 * Whether cmappserver may launch the command argv0: always when no
 * allow_command is set; else argv0 must be an absolute path without "."
 * or ".." parts matching a pattern: exact, a prefix ending in '/', or a
 * glob (fnmatch, '*' stops at '/').
 */
int	conf_allows(const struct conf *c, const char *argv0);

void	conf_free(struct conf *c);

#endif
