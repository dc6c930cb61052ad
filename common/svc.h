/* SPDX-License-Identifier: ISC */
/*
 * svc.h: a service is known by its exact argument vector.  These helpers turn
 * an argv from the wire into NUL-terminated strings, compare two, and render
 * one as a single shell-quoted line for logs and listings.
 */
#ifndef CMAPP_SVC_H
#define CMAPP_SVC_H

#include <stddef.h>

#include "proto.h"

/* A NULL-terminated copy of argc wire strings; 0, -EINVAL or -ENOMEM. */
int	svc_argv_from_wire(const struct proto_str *v, unsigned argc,
	    char ***out);
void	svc_argv_free(char **argv);
int	svc_argv_equal(char *const *a, char *const *b);

/*
 * Renders argv as one line, quoting arguments that need it, e.g.
 * /bin/sh -c 'exit 3', and one with control bytes as $'...' with vis.c's
 * escapes, e.g. $'a\nb'.  Truncates with "..." to fit cap.  Returns buf.
 */
char	*svc_display(char *const *argv, char *buf, size_t cap);
/* The same, then " [instance NAME]" when instance is not empty (NULL is
 * none): a service's identity as logs name it. */
char	*svc_display_id(char *const *argv, const char *instance, char *buf,
	    size_t cap);

#endif
