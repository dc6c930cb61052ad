/* SPDX-License-Identifier: ISC */
/*
 * main.c: cmappmgr's command line, conf and keys.
 *
 * cmappmgr -node NODE [-port N] [-conf FILE] [-cmappserver_timeout SECONDS]
 *          [-instance NAME] [-ready_file F] [-exit_file F]
 *          [-status | -stop [-stop_timeout S]] -service COMMAND [ARG...]
 * cmappmgr -node NODE [-port N] [-conf FILE] [-cmappserver_timeout SECONDS]
 *          -list [-all] [-json]
 * cmappmgr -node NODE [-port N] [-conf FILE] [-instance NAME] -check
 *          [-service COMMAND [ARG...]]
 *
 * Everything after -service is the command, verbatim, also words that start
 * with '-'.  Any failure of cmappmgr itself exits 1.
 */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "appmgr.h"
#include "certcheck.h"
#include "keystore.h"
#include "svcsplit.h"
#include "log.h"
#include "slog.h"
#include "tls.h"
#include "version.h"
#include "vis.h"

static void
usage(FILE *f)
{
	fprintf(f,
"usage: cmappmgr -node NODE [-port N] [-conf FILE]\n"
"                [-cmappserver_timeout SECONDS] [-instance NAME]\n"
"                [-ready_file FILE] [-exit_file FILE] -service COMMAND [ARG...]\n"
"       cmappmgr -node NODE [...] [-instance NAME] -status -service COMMAND...\n"
"       cmappmgr -node NODE [...] [-instance NAME] -stop [-stop_timeout SECONDS]\n"
"                -service COMMAND [ARG...]\n"
"       cmappmgr -node NODE [-port N] [-conf FILE]\n"
"                [-cmappserver_timeout SECONDS] -list [-all] [-json]\n"
"       cmappmgr -node NODE [-conf FILE] [...] -check [-service COMMAND...]\n"
"       cmappmgr -version | -help\n"
"  -node NODE       the guest: host name, IPv4 or IPv6 address ([ADDR] too)\n"
"  -port N          cmappserver's TCP port (default 5315)\n"
"  -conf FILE       key configuration (default " CONF_MANAGER_PATH ")\n"
"  -cmappserver_timeout SECONDS\n"
"                   how long to keep trying to reach cmappserver, and how\n"
"                   long it may stay silent while watching (default %d)\n"
"  -service COMMAND [ARG...]\n"
"                   the command to run in the guest; the rest of the line.\n"
"                   One word with blanks is split: words are separated by\n"
"                   blanks, a word with blanks or quotes is quoted with\n"
"                   '...' or \"...\" (\\\" and \\\\ in it), as in sh\n"
"  -instance NAME   a second copy of the same command: part of its identity\n"
"                   (1 to %d of A-Z a-z 0-9 . _ -)\n"
"  -ready_file FILE once launched or attached, FILE says \"launched pid P\"\n"
"                   or \"attached pid P\"\n"
"  -exit_file FILE  at the end, FILE says how: \"exit N\", \"signal N\",\n"
"                   \"stopped by WHO\", \"detached\" or \"cmappmgr: REASON\"\n"
"  -status          print whether the service runs, then exit: 0 running,\n"
"                   7 not running, 10 ended while unwatched (status kept),\n"
"                   1 the guest could not be asked\n"
"  -stop            stop the service: SIGTERM, SIGKILL after -stop_timeout\n"
"                   SECONDS (default %d), and collect its status; exit 0\n"
"                   when stopped or not running, 1 otherwise\n"
"  -list            list the guest's services that run, start, or ended\n"
"                   with a status kept; exit 0 once the guest answered\n"
"  -all             with -list: delivered runs too\n"
"  -json            with -list: one JSON object a line per service\n"
"  -check           check the command line, the conf and the key files for\n"
"                   NODE without connecting; exit 0 when usable, 1 if not\n"
"Exit status: the command's own; 128+N if a signal N killed it; 0 if it was\n"
"stopped on request or cmappmgr detached on SIGTERM or SIGINT; 1 if\n"
"cmappmgr failed (no connection, refused keys, the command not started).\n",
	    MGR_DEFAULT_TIMEOUT, PROTO_MAX_INSTANCE, MGR_STOP_DEFAULT);
}

static struct mgr	 m;	/* the process's one context */

/* One line of ours, "cmappmgr: " first, on f: what a conf file or the
 * command line put in it (a path, a node name) shows its control bytes
 * as escapes, as log.c's lines do, and never acts on a terminal. */
static void __attribute__((format(printf, 2, 3)))
say(FILE *f, const char *fmt, ...)
{
	static char	line[4096], shown[VIS_LEN(4096)];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	vis_bytes(shown, sizeof(shown), (const uint8_t *)line, strlen(line),
	    VIS_NOSLASH);
	fprintf(f, "cmappmgr: %s\n", shown);
}

/* A typo in a package's service_cmd: syslog hears of it too, and an
 * agent's exit file, if it was named before the typo. */
static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	char		msg[1024];
	struct slog	sl;
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	say(stderr, "%s", msg);
	usage(stderr);
	slog_open(&sl, "cmappmgr");
	slog_printf(&sl, LOG_ERR, "usage error: %s", msg);
	slog_close(&sl);
	mgr_exit_file(&m, "cmappmgr: %s", msg);
	exit(1);
}

/* A failure before the first connection: a bad conf or key file.  For
 * -status, -stop and -check, said as verbs.c says their failures:
 * "cmappmgr: REASON" on stderr, which the OCF agent reads, and a failed
 * status (a monitor's, every few seconds) or check not to syslog. */
static void __attribute__((noreturn))
fail(const char *msg)
{
	if (m.verb != 0) {
		if (m.verb == 2) {
			mgr_display(&m);
			log_set_stderr(0);
			log_warnx("-stop of %s: %s", m.display, msg);
		}
		say(stderr, "%s", msg);
		exit(1);
	}
	log_warnx("%s", msg);
	mgr_exit_file(&m, "cmappmgr: %s", msg);
	exit(1);
}

/* -instance NAME: the rule the guest applies (proto.c), and not empty. */
static int
instance_ok(const char *s)
{
	size_t	n = strlen(s);

	return n >= 1 && proto_instance_ok((const uint8_t *)s, n) == 0;
}

/*
 * "-service 'CMD ARG...'": exactly one word with a blank in it is the
 * whole command as one string, split by svcsplit.c's rule.  A command of
 * one word without blanks is that word, as it always was.
 */
static void
split_service(void)
{
	char	**v, why[256];

	if (m.argv[0] == NULL || m.argv[1] != NULL ||
	    strpbrk(m.argv[0], " \t") == NULL)
		return;
	if (svc_split(m.argv[0], strlen(m.argv[0]), &v, why,
	    sizeof(why)) != 0)
		usage_error("-service as one string: %s", why);
	m.argv = v;	/* kept until exit */
}

static long
number(const char *opt, const char *v, long lo, long hi)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < lo || n > hi)
		usage_error("%s: '%s' is not a number from %ld to %ld", opt,
		    v, lo, hi);
	return n;
}

/*
 * The node's pinned trustStore, or the fallback, which the log names: an
 * admin who forgot the node's pin, or mistyped the node, is told so, not
 * just that the fallback file (often absent) cannot be read.  file is the
 * conf read, NULL when none.
 */
static void
load_keys(const struct conf *conf, const char *file)
{
	const struct conf_store	*trust = conf_trust_for(conf, m.node);
	struct addrinfo		 hints, *res;
	char			 err[1024], pinned[512], msg[2048];
	int			 r;

	m.key_path = conf->key.path;
	m.trust_path = trust->path;
	if (conf_pinned_nodes(conf, pinned, sizeof(pinned)) == 0)
		snprintf(pinned, sizeof(pinned), "none");
	if ((m.ctx = tls_ctx_new(TLS_CLIENT, &conf->key, trust, err,
	    sizeof(err))) != NULL) {
		/* -check says which trustStore in its own report. */
		if (trust != &conf->trust || m.verb == 3)
			return;
		if (file != NULL)
			log_info("no trustStore is pinned for node %s in %s "
			    "(pinned: %s): using the fallback trustStore %s",
			    m.node, file, pinned, trust->path);
		else
			log_info("no %s: using the default trustStore %s for "
			    "node %s", CONF_MANAGER_PATH, trust->path, m.node);
		return;
	}
	/* Only the fallback trustStore's own failure may be the node's
	 * fault; a keyStore's message may name a trustStore too. */
	if (trust != &conf->trust || strncmp(err, KEYSTORE_TRUST_ERR,
	    strlen(KEYSTORE_TRUST_ERR)) != 0)
		fail(err);
	/* A mistyped node: its name is what is wrong, not the file. */
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((r = getaddrinfo(m.node, m.port, &hints, &res)) == 0)
		freeaddrinfo(res);
	if (r == EAI_NONAME || r == EAI_FAIL
#ifdef EAI_NODATA
	    || r == EAI_NODATA
#endif
	    )
		snprintf(msg, sizeof(msg), "cannot resolve the node %s: %s "
		    "(the nodes with a pinned trustStore in %s: %s)", m.node,
		    gai_strerror(r), file != NULL ? file : CONF_MANAGER_PATH,
		    pinned);
	else if (file == NULL)
		snprintf(msg, sizeof(msg), "no %s, and the default trustStore "
		    "for node %s: %s", CONF_MANAGER_PATH, m.node, err);
	else
		snprintf(msg, sizeof(msg), "no trustStore is pinned for node "
		    "%s in %s (pinned: %s), and the fallback trustStore: %s",
		    m.node, file, pinned, err);
	fail(msg);
}

/*
 * -check: what a start would load, loaded, and said on stdout.  Our own
 * certificate expired, or not valid yet, is a failure; any other
 * certificate's expiry is a warning (a trustStore may hold an expired one
 * beside its successor).  A failed check is not logged to syslog
 * (fail()): an agent's validate-all runs it, and an admin by hand.
 */
static int
check_report(const struct conf *conf, const char *file)
{
	struct cert_finding	 f[CERTCHECK_MAX_FINDINGS];
	const struct conf_store	*trust = conf_trust_for(conf, m.node);
	X509			*own = SSL_CTX_get0_certificate(m.ctx);
	const ASN1_TIME		*from;
	char			 where[32 + 1024], day[16];
	struct tm		 tm;
	size_t			 n, i;

	/* Our own certificate expired, or not valid yet (a clock behind
	 * the CA's): every start fails at the guest. */
	if (own != NULL) {
		snprintf(where, sizeof(where), "keyStore %s", m.key_path);
		if (certcheck_certs(&own, 1, where, time(NULL),
		    CERTCHECK_WARN_DAYS, f, 1) == 1 &&
		    f[0].state == CERT_EXPIRED)
			fail(f[0].text);
		from = X509_get0_notBefore(own);
		if (X509_cmp_current_time(from) > 0) {
			if (!ASN1_TIME_to_tm(from, &tm) || strftime(day,
			    sizeof(day), "%Y-%m-%d", &tm) == 0)
				snprintf(day, sizeof(day), "a later date");
			snprintf(f[0].text, sizeof(f[0].text), "the "
			    "certificate of keyStore %s is not valid before "
			    "%s (is this host's clock right?)", m.key_path,
			    day);
			fail(f[0].text);
		}
	}
	say(stdout, "node %s: keyStore %s and trustStore %s (%s%s%s) "
	    "loaded", m.node, m.key_path, m.trust_path,
	    trust != &conf->trust ? "pinned for the node in " :
	    file != NULL ? "the fallback: none is pinned for the node in " :
	    "the default: no ", file != NULL ? file : CONF_MANAGER_PATH,
	    trust != &conf->trust || file != NULL ? "" : " file");
	n = certcheck_ctx(m.ctx, m.key_path, m.trust_path, time(NULL),
	    CERTCHECK_WARN_DAYS, f, CERTCHECK_MAX_FINDINGS);
	for (i = 0; i < n && i < CERTCHECK_MAX_FINDINGS; i++)
		say(stdout, "warning: %s", f[i].text);
	if (n > CERTCHECK_MAX_FINDINGS)
		say(stdout, "warning: %zu more certificates expire within "
		    "%d days or have expired", n - CERTCHECK_MAX_FINDINGS,
		    CERTCHECK_WARN_DAYS);
	if (m.argv != NULL) {
		for (i = 0; m.argv[i] != NULL; i++)
			;
		mgr_display(&m);
		say(stdout, "service %s: %zu word%s", m.display, i,
		    i == 1 ? "" : "s");
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	static char		 node[CONF_MAX_NODE];
	struct conf		 conf;
	const char		*conf_path = NULL, *stop_timeout = NULL;
	char			 err[1024];
	struct stat		 st;
	long			 port = PROTO_PORT;
	size_t			 body = 2;
	int			 i, j, list = 0, list_flags = 0, status = 0, stop = 0;
	int			 check = 0;
	/* The options that take a value. */
	static const char *const valued[] = { "-node", "-port", "-conf",
	    "-cmappserver_timeout", "-stop_timeout", "-instance",
	    "-ready_file", "-exit_file" };
#define NVALUED (sizeof(valued) / sizeof(valued[0]))
	const char		*repeated = NULL;
	unsigned		 seen = 0;
	size_t			 k;

	mgr_hold_signals(1);
	/* Short-lived, and its errors are read by people: all of
	 * OpenSSL's words for them. */
	tls_init(1);
	m.timeout_s = MGR_DEFAULT_TIMEOUT;
	m.stop_timeout_s = MGR_STOP_DEFAULT;
	for (i = 1; i < argc && m.argv == NULL; i++) {
		const char *a = argv[i];
		if (a[0] == '-' && a[1] == '-')
			a++;
		if (strcmp(a, "-help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(a, "-version") == 0) {
			printf("cmappmgr %s (protocol %d-%d)\n", CMAPP_VERSION,
			    PROTO_VERSION_MIN, PROTO_VERSION_MAX);
			return 0;
		}
		if (strcmp(a, "-service") == 0) {
			if (i + 1 >= argc)
				usage_error("-service needs a command");
			m.argv = &argv[i + 1];
			break;
		}
		if (strcmp(a, "-list") == 0 || strcmp(a, "-status") == 0 ||
		    strcmp(a, "-stop") == 0 || strcmp(a, "-check") == 0) {
			list |= strcmp(a, "-list") == 0;
			status |= strcmp(a, "-status") == 0;
			stop |= strcmp(a, "-stop") == 0;
			check |= strcmp(a, "-check") == 0;
			continue;
		}
		if (strcmp(a, "-all") == 0 || strcmp(a, "-json") == 0) {
			list_flags |= a[1] == 'a' ? LIST_ALL : LIST_JSON;
			continue;
		}
		/* An unknown word is that, also as the last one. */
		for (k = 0; k < NVALUED && strcmp(a, valued[k]) != 0; k++)
			;
		if (k == NVALUED)
			usage_error("unknown option %s", argv[i]);
		if (i + 1 >= argc)
			usage_error("option %s needs a value", argv[i]);
		/* The last one counts, as it always did; but an admin who
		 * pasted a second -node into a service_cmd hears of it. */
		if (seen & (1u << k))
			repeated = valued[k];
		seen |= 1u << k;
		if (strcmp(a, "-node") == 0)
			m.node = argv[++i];
		else if (strcmp(a, "-port") == 0)
			port = number("-port", argv[++i], 1, 65535);
		else if (strcmp(a, "-conf") == 0)
			conf_path = argv[++i];
		else if (strcmp(a, "-stop_timeout") == 0)
			stop_timeout = argv[++i];
		else if (strcmp(a, "-instance") == 0)
			m.instance = argv[++i];
		else if (strcmp(a, "-ready_file") == 0)
			m.ready_file = argv[++i];
		else if (strcmp(a, "-exit_file") == 0)
			m.exit_file = argv[++i];
		else
			m.timeout_s = (unsigned)number("-cmappserver_timeout",
			    argv[++i], 1, MGR_MAX_TIMEOUT);
	}
	if (check && list + status + stop > 0)
		usage_error("-check and %s exclude each other", list ?
		    "-list" : status ? "-status" : "-stop");
	if (list + status + stop > 1)
		usage_error("%s exclude each other", list && status && stop ?
		    "-list, -status and -stop" : !list ? "-status and -stop" :
		    status ? "-list and -status" : "-list and -stop");
	if ((list || status || stop || check) && (m.ready_file ||
	    m.exit_file))
		usage_error("%s goes with a watching -service only, not with "
		    "%s", m.ready_file ? "-ready_file" : "-exit_file",
		    list ? "-list" : status ? "-status" : stop ? "-stop" :
		    "-check");
	if (stop_timeout != NULL && !stop)
		usage_error("-stop_timeout goes with -stop only");
	m.verb = status ? 1 : stop ? 2 : check ? 3 : 0;
	/* A check watches nothing: ^C ends it, also in a slow lookup of a
	 * node without a pinned trustStore (load_keys).  logrotate's SIGHUP
	 * (the man page's "pkill -HUP -x cmappmgr") is for the watching
	 * ones: a check, a verb or a listing ignores it, where its default
	 * would end it (a stop of the cluster's agent failed so). */
	if (check || list || status || stop)
		signal(SIGHUP, SIG_IGN);
	if (check)
		mgr_hold_signals(0);
	if (stop_timeout != NULL)
		m.stop_timeout_s = (unsigned)number("-stop_timeout",
		    stop_timeout, 1, MGR_MAX_TIMEOUT);
	if (m.instance != NULL && list)
		usage_error("-instance goes with -service, -status or -stop, "
		    "not with -list");
	if (m.instance != NULL && !instance_ok(m.instance))
		usage_error("-instance: '%s' is not 1 to %d of the characters "
		    "A-Z a-z 0-9 . _ -", m.instance, PROTO_MAX_INSTANCE);
	if (m.node == NULL || m.node[0] == '\0')
		usage_error("-node is required");
	/*
	 * "[ADDR]" as in URLs: getaddrinfo() and the pinned trustStores
	 * take the address without its brackets.
	 */
	if (conf_node_arg(m.node, node, sizeof(node), err, sizeof(err)) != 0)
		usage_error("-node: %s", err);
	m.node = node;
	if (list && m.argv != NULL)
		usage_error("-list and -service exclude each other");
	if (m.argv == NULL && !list && !check)
		usage_error("-service%s is required", status || stop ? "" :
		    " or -list");
	if (m.argv != NULL)
		split_service();
	if (list_flags != 0 && !list)
		usage_error("%s goes with -list", list_flags & LIST_ALL ?
		    "-all" : "-json");
	if (m.argv != NULL && m.argv[0][0] == '\0')
		usage_error("-service: the command is empty");
	for (j = 0; m.argv != NULL && m.argv[j] != NULL; j++) {
		if (j >= PROTO_MAX_ARGS || strlen(m.argv[j]) > PROTO_MAX_ARG)
			usage_error("-service: more than %d arguments or an "
			    "argument over %d bytes", PROTO_MAX_ARGS,
			    PROTO_MAX_ARG);
		body += 2 + strlen(m.argv[j]);
	}
	/* The instance's name counts in the same limit (proto.c): beyond
	 * it, the request could not be sent, and a run would wait for an
	 * answer to nothing. */
	if (m.instance != NULL)
		body += strlen(m.instance);
	if (body > PROTO_MAX_ARGV_BYTES)
		usage_error("-service: the command line is over %d bytes%s",
		    PROTO_MAX_ARGV_BYTES, m.instance != NULL ?
		    " with -instance's name" : "");
	snprintf(m.port, sizeof(m.port), "%ld", port);
	/* A file left by an earlier cmappmgr must not speak for this one.
	 * A ready file that cannot be written (no such directory, a
	 * read-only file system) is said now, before anything is launched:
	 * written once the service runs, its failure ended the watch and
	 * left the service unwatched, at every restart of the cluster's.
	 * (An exit file's failure at the end only warns: the exit code is
	 * the command's all the same.) */
	if (m.ready_file != NULL && ((unlink(m.ready_file) == -1 &&
	    errno != ENOENT) || (errno = -outfile_check(m.ready_file)) != 0))
		usage_error("-ready_file %s: cannot write it: %s", m.ready_file,
		    strerror(errno));
	if (m.exit_file != NULL && unlink(m.exit_file) == -1 &&
	    errno != ENOENT)
		usage_error("-exit_file %s: %s", m.exit_file, strerror(errno));

	log_init("cmappmgr", 1, getenv("CMAPPMGR_DEBUG") != NULL);
	if (repeated != NULL && check)
		say(stdout, "warning: %s is given more than once: the "
		    "last one counts", repeated);
	else if (repeated != NULL)
		log_warnx("%s is given more than once: the last one counts",
		    repeated);
	/* One resolver thread is plenty for one node; libuv starts 4. */
	setenv("UV_THREADPOOL_SIZE", "1", 0);
	signal(SIGPIPE, SIG_IGN);
	conf_defaults(&conf, CONF_MANAGER);
	if (conf_path == NULL && stat(CONF_MANAGER_PATH, &st) == 0)
		conf_path = CONF_MANAGER_PATH;
	if (conf_path != NULL && conf_load(&conf, conf_path, err,
	    sizeof(err)) != 0)
		fail(err);
	load_keys(&conf, conf_path);
	if (check)
		return check_report(&conf, conf_path);
	/* Each start says it, a monitor's every day too (manager.c). */
	certcheck_log(m.ctx, m.key_path, m.trust_path);
	/* A verb or a listing is a command run by hand or by a monitor:
	 * a signal ends it as it ends any command. */
	if (status || stop || list)
		mgr_hold_signals(0);
	if (status || stop)
		return mgr_verb(&m, stop);
	return list ? mgr_list(&m, list_flags) : mgr_run(&m);
}
