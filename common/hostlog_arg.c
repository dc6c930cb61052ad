/* SPDX-License-Identifier: ISC */
/*
 * hostlog_arg.c: the host log file named in a monitor's argv, or NULL.
 * Pure, self-contained (it may be linked into cmappmgr as is), and held to
 * the monitors' own parsers by tests/test_runner.c.  The spellings:
 *
 *   cmapp_net_mon[.pl]: --host_logfile F, --host_logfile=F, and the same
 *       with one dash (-host_logfile F), as the manual's -probe_count;
 *   cmapp_disk_mon: -O F, -OF, --log-file F, --log-file=F, --log_file F,
 *       --log_file=F (the manual's example).
 *
 * A leading en or em dash (the manual's typeset "–log_file"), alone or
 * followed by one '-', counts as "--".  Long options are never
 * abbreviated.  The value of every option that takes one is skipped, so
 * that "-D -O" is no log file; options end at "--".  The last one wins.
 */
#include <string.h>

#include "hostlog_arg.h"

struct opt {
	const char	*name;	/* a long name, or one letter for a short one */
	int		 arg;	/* takes a value */
	int		 log;	/* the host log */
};

static const struct opt net_opts[] = {
	{ "lan", 1, 0 }, { "ip", 1, 0 }, { "guest_logfile", 1, 0 },
	{ "host_logfile", 1, 1 }, { "log_level", 1, 0 },
	{ "probe_count", 1, 0 }, { "polling_interval", 1, 0 },
	{ "help", 0, 0 }, { "version", 0, 0 }, { NULL, 0, 0 }
};

static const struct opt disk_opts[] = {
	{ "log-file", 1, 1 }, { "log_file", 1, 1 }, { "log-level", 1, 0 },
	{ "log_level", 1, 0 }, { "poll-interval", 1, 0 },
	{ "poll_interval", 1, 0 }, { "io-timeout", 1, 0 },
	{ "io_timeout", 1, 0 }, { "help", 0, 0 }, { "version", 0, 0 },
	{ "O", 1, 1 }, { "D", 1, 0 }, { "t", 1, 0 }, { "h", 0, 0 },
	{ "v", 0, 0 }, { NULL, 0, 0 }
};

/* The word past its dashes; *n: 0 none, 1 "-", 2 "--" or a typeset dash. */
static const char *
undash(const char *w, int *n)
{
	if (strncmp(w, "\xe2\x80\x93", 3) == 0 ||
	    strncmp(w, "\xe2\x80\x94", 3) == 0) {
		*n = 2;
		return w + 3 + (w[3] == '-');
	}
	*n = w[0] != '-' ? 0 : w[1] != '-' ? 1 : 2;
	return w + *n;
}

static const struct opt *
find_long(const struct opt *t, const char *w, const char **eq)
{
	size_t	n;

	*eq = strchr(w, '=');
	n = *eq != NULL ? (size_t)(*eq - w) : strlen(w);
	for (; t->name != NULL; t++)
		if (t->name[1] != '\0' && strlen(t->name) == n &&
		    strncmp(t->name, w, n) == 0)
			return t;
	return NULL;
}

static const struct opt *
find_short(const struct opt *t, char c)
{
	for (; t->name != NULL; t++)
		if (t->name[0] == c && t->name[1] == '\0')
			return t;
	return NULL;
}

const char *
hostlog_arg(char *const *argv)
{
	const struct opt	*t, *o;
	const char		*b, *w, *eq, *v, *path = NULL;
	size_t			 n;
	int			 i, d, net;

	if (argv == NULL || argv[0] == NULL)
		return NULL;
	b = (b = strrchr(argv[0], '/')) != NULL ? b + 1 : argv[0];
	n = strlen(b);
	if (n > 3 && strcmp(b + n - 3, ".pl") == 0)
		n -= 3;
	if (n == 13 && strncmp(b, "cmapp_net_mon", 13) == 0)
		net = 1;
	else if (n == 14 && strncmp(b, "cmapp_disk_mon", 14) == 0)
		net = 0;
	else
		return NULL;
	t = net ? net_opts : disk_opts;
	for (i = 1; argv[i] != NULL; i++) {
		w = undash(argv[i], &d);
		if (d == 0 || *w == '\0') {
			if (d == 2)
				break;		/* "--": the end of options */
			continue;		/* a disk, or a stray word */
		}
		if (d == 2 || net) {
			if ((o = find_long(t, w, &eq)) == NULL || !o->arg)
				continue;
			v = eq != NULL ? eq + 1 : argv[++i];
		} else {
			/* -hv..., then at most one option with a value. */
			while (*w != '\0' && (o = find_short(t, *w)) != NULL &&
			    !o->arg)
				w++;
			if (*w == '\0' || o == NULL)
				continue;
			v = w[1] != '\0' ? w + 1 : argv[++i];
		}
		if (v == NULL)
			break;
		if (o->log)
			path = v;
	}
	return path != NULL && *path != '\0' ? path : NULL;
}
