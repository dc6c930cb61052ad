/* SPDX-License-Identifier: ISC */
/*
 * hostlog.h: a monitor's host-side log file (cmapp_net_mon --host_logfile,
 * cmapp_disk_mon -O/--log-file).  The monitor runs in the guest and sends
 * its records as OUTPUT stream 3; cmappmgr writes them to the file its own
 * command line names.  The guest never chooses a file on the host.
 */
#ifndef CMAPP_HOSTLOG_H
#define CMAPP_HOSTLOG_H

#include <stddef.h>
#include <stdint.h>

#define HOSTLOG_LINE_MAX	1024	/* a longer record is split */
/* A path that cannot be opened is tried again at most this often (on the
 * next record), and at once on SIGHUP. */
#define HOSTLOG_RETRY_S		60
/* The guest chooses how much it logs: past this size the file takes no
 * more records until it is rotated (then SIGHUP) or truncated. */
#define HOSTLOG_FILE_MAX	(512ULL * 1024 * 1024)

struct hostlog {
	const char	*path;		/* NULL: records are discarded */
	int		 fd;
	int		 warned;	/* a failure was logged */
	int		 full;		/* size_max was reached, and logged */
	int		 cut;		/* the file ends inside a record */
	uint64_t	 dropped;	/* records not written */
	uint64_t	 retry_at;	/* ms, monotonic: no open() before */
	unsigned	 retry_s;	/* HOSTLOG_RETRY_S (tests lower it) */
	uint64_t	 size_max;	/* HOSTLOG_FILE_MAX (tests lower it) */
	size_t		 len;
	char		 buf[HOSTLOG_LINE_MAX];
};

/*
 * The host log named in the service's own argv, or NULL: --host_logfile F
 * (or =F) for any command; -O F, -OF, --log-file F (or =F) for
 * cmapp_disk_mon, whose other options must not be mistaken for it.
 */
const char *hostlog_path(char *const *argv);
void	hostlog_init(struct hostlog *, const char *path);
/* Appends the records in p, rendered by vis.c's filter; a failure is
 * logged once, never fatal. */
void	hostlog_feed(struct hostlog *, const uint8_t *p, size_t n);
/* SIGHUP: closes the file and opens its path anew (after logrotate). */
void	hostlog_reopen(struct hostlog *);
/* Writes out a last unterminated record and closes the file. */
void	hostlog_close(struct hostlog *);

#endif
