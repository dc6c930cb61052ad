/* SPDX-License-Identifier: ISC */
/*
 * reload.c: cmappserver's conf and key files over the daemon's life.  They
 * are read at start-up (main.c) and again on SIGHUP, the same way, and the
 * certificates in use are checked then and once a day (certcheck.c).
 *
 * A reload builds a new SSL_CTX and swaps it in for the connections
 * accepted from then on; each open connection keeps the context it was
 * made with (its SSL holds a reference), so no session or service is
 * dropped.  Of the conf, allow_command and max_processes apply at once;
 * the address and port listened on, and log_file, take a restart.  The
 * log file in syslog's place, if any, is opened again (logrotate).  A conf
 * or key file that does not load keeps the old ones, and the log says why.
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "appserver.h"
#include "certcheck.h"
#include "log.h"
#include "tls.h"

/* The conf file to read: -conf's, else the default one if it exists,
 * else NULL (the default key files). */
static const char *
conf_file(const struct server *srv)
{
	struct stat	st;

	if (srv->conf_path[0] != '\0')
		return srv->conf_path;
	return stat(CONF_SERVER_PATH, &st) == 0 ? CONF_SERVER_PATH : NULL;
}

int
reload_read(const struct server *srv, struct conf *c, SSL_CTX **ctx,
    char *err, size_t errlen)
{
	const char	*path = conf_file(srv);
	int		 r;

	*ctx = NULL;
	conf_defaults(c, CONF_SERVER);
	if (path == NULL)
		log_info("no %s; using the default key files",
		    CONF_SERVER_PATH);
	else if ((r = conf_load(c, path, err, errlen)) != 0) {
		conf_free(c);
		return r;
	}
	if ((*ctx = tls_ctx_new(TLS_SERVER, &c->key, &c->trust, err,
	    errlen)) == NULL) {
		conf_free(c);
		return -EINVAL;
	}
	return 0;
}

void
reload_where(const struct server *srv, const struct conf *c,
    const char **listen, long *port)
{
	*listen = srv->listen_arg != NULL ? srv->listen_arg :
	    c->listen[0] != '\0' ? c->listen : NULL;
	*port = srv->port_arg != 0 ? srv->port_arg : c->port != 0 ? c->port :
	    PROTO_PORT;
}

static void
daily(uv_timer_t *t)
{
	struct server	*srv = t->data;

	certcheck_log(srv->ctx, srv->conf.key.path, srv->conf.trust.path);
}

static void
on_sighup(uv_signal_t *h, int sig)
{
	(void)sig;
	reload(h->data);
}

void
reload_init(struct server *srv)
{
	uv_signal_init(&srv->loop, &srv->sighup);
	srv->sighup.data = srv;
	uv_signal_start(&srv->sighup, on_sighup, SIGHUP);
	uv_timer_init(&srv->loop, &srv->certcheck);
	srv->certcheck.data = srv;
	uv_timer_start(&srv->certcheck, daily, CERTCHECK_PERIOD_MS,
	    CERTCHECK_PERIOD_MS);
	/* A daily check does not keep a stopping server running. */
	uv_unref((uv_handle_t *)&srv->certcheck);
}

/* What changed in the conf, said before the old one goes. */
static void
say_changes(const struct server *srv, const struct conf *c,
    const char *path)
{
	const char	*was_at, *now_at;
	long		 was_port, now_port;

	reload_where(srv, &srv->conf, &was_at, &was_port);
	reload_where(srv, c, &now_at, &now_port);
	if (was_port != now_port || (was_at == NULL) != (now_at == NULL) ||
	    (was_at != NULL && strcmp(was_at, now_at) != 0))
		log_warnx("%s asks to listen on %s port %ld: that takes a "
		    "restart; still listening on %s port %ld", path,
		    now_at ? now_at : "all addresses", now_port,
		    was_at ? was_at : "all addresses", was_port);
	if (strcmp(c->log_file, srv->conf.log_file) != 0)
		log_warnx("%s names the log_file '%s': that takes a restart",
		    path, c->log_file);
	if (c->max_processes != srv->conf.max_processes)
		log_info("max_processes %u (was %u)", c->max_processes,
		    srv->conf.max_processes);
	if (c->n_allow != srv->conf.n_allow ||
	    (c->n_allow > 0 && memcmp(c->allow, srv->conf.allow,
	    c->n_allow * sizeof(*c->allow)) != 0))
		log_info("allow_command: %zu pattern%s (was %zu)%s",
		    c->n_allow, c->n_allow == 1 ? "" : "s", srv->conf.n_allow,
		    c->n_allow == 0 ? ", any command may be launched" : "");
}

int
reload(struct server *srv)
{
	struct conf	 c;
	SSL_CTX		*ctx;
	const char	*path = conf_file(srv);
	char		 err[1024];
	int		 r;

	/* First: what follows goes to a file rotated away meanwhile. */
	if ((r = log_reopen()) != 0)
		log_warnx("cannot open the log file again: %s; still writing "
		    "to the one open", strerror(-r));
	if ((r = reload_read(srv, &c, &ctx, err, sizeof(err))) != 0) {
		log_warnx("%s; keeping the conf and keys in use", err);
		return r;
	}
	say_changes(srv, &c, path ? path : CONF_SERVER_PATH);
	/* What takes a restart stays as it is in effect: the next reload
	 * compares with that, not with a value never applied. */
	c.port = srv->conf.port;
	memcpy(c.listen, srv->conf.listen, sizeof(c.listen));
	memcpy(c.log_file, srv->conf.log_file, sizeof(c.log_file));
	/* Open connections hold a reference to the old one. */
	SSL_CTX_free(srv->ctx);
	srv->ctx = ctx;
	conf_free(&srv->conf);
	srv->conf = c;
	server_set_caps(srv);
	if (path != NULL)
		log_info("reloaded conf %s and keys", path);
	else
		log_info("reloaded keys (no conf %s: the default key files)",
		    CONF_SERVER_PATH);
	certcheck_log(srv->ctx, srv->conf.key.path, srv->conf.trust.path);
	/* What the files' reading and parsing took goes back. */
	malloc_trim(0);
	return 0;
}
