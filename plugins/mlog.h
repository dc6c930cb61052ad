/* SPDX-License-Identifier: ISC */
/*
 * mlog.h: the monitors' log records.  One record goes, if its priority is
 * wanted, to stderr, syslog, the guest log file and the host log; a failure
 * that ends the monitor goes everywhere whatever the level.
 */
#ifndef CMAPP_MLOG_H
#define CMAPP_MLOG_H

#include <stddef.h>
#include <time.h>

#include "plugin.h"
#include "slog.h"

#define MLOG_LINE_MAX	1024	/* a record's line, '\n' included */
#define MLOG_HOSTFD_ENV	"CMAPP_HOSTLOG_FD"

struct mlog {
	char		 cmd[64];	/* ident: cmapp_net_mon */
	int		 max;		/* records up to this priority */
	int		 quiet;		/* no stderr, no syslog (tests) */
	const char	*guest_path, *host_path;
	int		 guest_fd;	/* -1: none */
	int		 host_fd;	/* -1: none; a file, or the pipe */
	int		 host_pipe;	/* host_fd came from MLOG_HOSTFD_ENV */
	int		 host_same;	/* host_path is the guest log file */
	unsigned long	 host_dropped;	/* records the pipe had no room for */
	int		 warned;	/* sinks already complained about */
	struct slog	 sl;		/* syslog, waited for briefly */
};

int	mlog_open(struct mlog *, const char *cmd, const struct cmapp_config *,
	    int quiet, char *err, size_t errlen);
void	mlog_reopen(struct mlog *);
void	mlog_close(struct mlog *);
void	mlog(struct mlog *, int priority, int always, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));

/*
 * One line on stderr: "cmd: message" when run by hand; the bare message
 * under cmappserver (MLOG_HOSTFD_ENV set), where cmappmgr relays it after
 * a prefix of its own that names the command already.
 */
void	mlog_stderr(const char *cmd, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

int	mlog_wanted(int priority, int max, int always);
size_t	mlog_format(char *buf, size_t len, time_t t, const char *cmd,
	    long pid, int priority, const char *msg);
int	mlog_parse_fd(const char *s, int *fd);
const char *mlog_level_name(int priority);

#endif
