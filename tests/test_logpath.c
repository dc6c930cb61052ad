/* SPDX-License-Identifier: ISC */
/*
 * test_logpath.c: common/logpath.c, the reason a log file cannot be
 * opened.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "logpath.h"

static char	dir[] = "/tmp/cmapp-logpath.XXXXXX";

static void
mk(void)
{
	cr_assert_not_null(mkdtemp(dir));
}

static void
rm(void)
{
	char	cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)system(cmd);
}

/* The manual's /var/adm/... on a machine without /var/adm. */
Test(logpath, a_missing_directory_is_named, .init = mk, .fini = rm)
{
	char	path[256], want[256], buf[256];

	snprintf(path, sizeof(path), "%s/adm/vm1_lan0.log", dir);
	snprintf(want, sizeof(want), "the directory %s/adm does not exist",
	    dir);
	cr_assert_str_eq(logpath_why(path, ENOENT, buf, sizeof(buf)), want);
	/* Deeper: the file's own directory, which is what to create. */
	snprintf(path, sizeof(path), "%s/a/b/c.log", dir);
	snprintf(want, sizeof(want), "the directory %s/a/b does not exist",
	    dir);
	cr_assert_str_eq(logpath_why(path, ENOENT, buf, sizeof(buf)), want);
}

Test(logpath, other_reasons_are_strerror, .init = mk, .fini = rm)
{
	char	path[256], buf[256];

	/* The directory is there: the file is what is missing. */
	snprintf(path, sizeof(path), "%s/x.log", dir);
	cr_assert_str_eq(logpath_why(path, ENOENT, buf, sizeof(buf)),
	    strerror(ENOENT));
	cr_assert_str_eq(logpath_why(path, EACCES, buf, sizeof(buf)),
	    strerror(EACCES));
	cr_assert_str_eq(logpath_why("x.log", ENOENT, buf, sizeof(buf)),
	    strerror(ENOENT));
	cr_assert_str_eq(logpath_why("/x.log", ENOENT, buf, sizeof(buf)),
	    strerror(ENOENT));
	/* Cut to fit. */
	cr_assert_str_eq(logpath_why(path, EACCES, buf, 4), "Per");
}
