/* SPDX-License-Identifier: ISC */
/*
 * slog.h: syslog records that wait for syslog 100 ms a second at most.  See
 * slog.c.
 */
#ifndef CMAPP_SLOG_H
#define CMAPP_SLOG_H

#include <stddef.h>
#include <stdint.h>

#define SLOG_PATH	"/dev/log"	/* glibc's _PATH_LOG */
#define SLOG_MSG_MAX	8192		/* bytes of a record's message */
#define SLOG_WAIT_MS	100		/* for room in syslog's queue, a second */

struct slog {
	const char	*ident;
	const char	*path;		/* SLOG_PATH, but in tests */
	int		 fd;		/* -1: not connected */
	int		 stream;	/* a SOCK_STREAM /dev/log */
	unsigned long	 dropped;	/* not sent since the last count */
	int		 wait_ms;	/* SLOG_WAIT_MS, but in tests */
	int64_t		 allow;		/* ms it may wait now */
	int64_t		 last;		/* ms: when allow last grew */
};

/* Sets s up for ident (daemon facility, with the pid) and connects. */
void	slog_open(struct slog *s, const char *ident);
/* The same with another socket than SLOG_PATH (tests). */
void	slog_open_at(struct slog *s, const char *ident, const char *path);
/* Sends one record of priority pri; dropped, and counted, when syslog is
 * not reading or cannot be reached. */
void	slog_send(struct slog *s, int pri, const char *msg);
void	slog_printf(struct slog *s, int pri, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	slog_close(struct slog *s);
/* The record as sent: "<PRI>Mmm dd hh:mm:ss IDENT[PID]: MSG" in buf. */
size_t	slog_format(char *buf, size_t len, int pri, long when,
	    const char *ident, long pid, const char *msg);

#endif
