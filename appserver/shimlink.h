/* SPDX-License-Identifier: ISC */
/*
 * shimlink.h: blocking helpers for cmappserver's side of the link to a
 * cmapp-shim: finding the shims of a run directory, connecting, reading one
 * frame with a deadline, writing one frame.  Used at start-up (adopting the
 * shims of a previous cmappserver), at launch, and by -stop_all.
 */
#ifndef CMAPP_SHIMLINK_H
#define CMAPP_SHIMLINK_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "reader.h"

#define SHIMLINK_TIMEOUT_MS	5000	/* a shim answers at once */

/* Calls fn for every NAME.sock of rundir (NAME: a 16-digit run id). */
int	shimlink_each(const char *rundir,
	    void (*fn)(void *arg, const char *path, uint64_t run_id),
	    void *arg);
/* ... and for every NAME.left: a shim released while processes its
 * service left run, kept as their handle (shim.c, linger). */
int	shimlink_each_lingering(const char *rundir,
	    void (*fn)(void *arg, const char *path, uint64_t run_id),
	    void *arg);
/* ... and for every NAME.inst: the instance name of a service launched
 * with one (supervise.c), for the next cmappserver to adopt it by. */
int	shimlink_each_instance(const char *rundir,
	    void (*fn)(void *arg, const char *path, uint64_t run_id),
	    void *arg);
/* A connected socket, or -errno. */
int	shimlink_connect(const char *path);
/*
 * Reads one whole frame, and not a byte more, into rd and decodes it into
 * *m (its strings point into rd's buffer); 0, or -ETIMEDOUT, -EPIPE
 * (closed), -EBADMSG, -ENOMEM.
 */
int	shimlink_read(int fd, struct reader *rd, struct proto_msg *m,
	    int timeout_ms);
int	shimlink_write(int fd, const struct proto_msg *m);

#endif
