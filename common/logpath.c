/* SPDX-License-Identifier: ISC */
/*
 * logpath.c: the reason a log file cannot be opened, naming the missing
 * directory (see logpath.h).  Shared by cmappmgr's host log and the
 * monitors' own log files.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "logpath.h"

const char *
logpath_why(const char *path, int e, char *buf, size_t cap)
{
	const char	*slash = strrchr(path, '/');
	struct stat	 st;
	char		 dir[4096];
	size_t		 n;

	if (cap == 0)
		return buf;
	if (e == ENOENT && slash != NULL && slash != path &&
	    (n = (size_t)(slash - path)) < sizeof(dir)) {
		memcpy(dir, path, n);
		dir[n] = '\0';
		if (stat(dir, &st) == -1 && (errno == ENOENT ||
		    errno == ENOTDIR)) {
			snprintf(buf, cap, "the directory %s does not exist",
			    dir);
			return buf;
		}
	}
	snprintf(buf, cap, "%s", strerror(e));
	return buf;
}
