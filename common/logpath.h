/* SPDX-License-Identifier: ISC */
/*
 * logpath.h: why a log file could not be opened, in words an admin can act
 * on.  The manual's service lines name /var/adm/..., which Linux lacks:
 * "No such file or directory" says neither that nor which directory.
 */
#ifndef CMAPP_LOGPATH_H
#define CMAPP_LOGPATH_H

#include <stddef.h>

#define CMAPP_LOGPATH_WHY	1200	/* a buffer for the longest reason */

/*
 * The reason open(path) failed with errno e: "the directory D does not
 * exist" when e is ENOENT and path's directory D is missing, else
 * strerror(e).  Written to buf (cap bytes), which is returned.
 */
const char	*logpath_why(const char *path, int e, char *buf, size_t cap);

#endif
