/* SPDX-License-Identifier: ISC */
/*
 * log.h: logging for both daemons, after OpenBSD's log.c.  syslog (daemon
 * facility), or a file in its place where syslog cannot be reached; stderr
 * too when in the foreground.  fatal/fatalx only at start-up or for a
 * broken invariant: a bad peer is warned about.
 */
#ifndef CMAPP_LOG_H
#define CMAPP_LOG_H

#include <stdarg.h>

void	log_init(const char *ident, int to_stderr, int debug);
void	log_set_stderr(int to_stderr);
/* Whether log_init's connection to syslog (/dev/log) is up. */
int	log_syslog_reachable(void);
/*
 * log_set_file: from now on messages go to path (appended, created 0640,
 * a regular file only) in syslog's place.  0, or
 * -errno with nothing changed.  log_reopen opens the same path again (a
 * log rotated away); 0, or -errno with the old file kept.
 */
int	log_set_file(const char *path);
int	log_reopen(void);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
/* At error level: what will fail unless someone acts (an expired
 * certificate), though the daemon goes on. */
void	log_errx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/* To stderr only, in the same form: what a waiting cmappmgr says now and
 * then, which would flood syslog at every retry. */
void	log_note(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
