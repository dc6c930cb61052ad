/* SPDX-License-Identifier: ISC */
/* test_outfile.c: tests for appmgr/outfile.c, the ready and exit files. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../appmgr/appmgr.h"

static char	dir[] = "/tmp/test_outfile.XXXXXX";

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
}

static void
teardown(void)
{
	char	cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

static size_t
slurp(const char *path, char *buf, size_t cap)
{
	FILE	*f = fopen(path, "r");
	size_t	 n;

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	fclose(f);
	return n;
}

/* Entries of dir: a temporary file left behind would be one more. */
static int
entries(void)
{
	DIR		*d = opendir(dir);
	struct dirent	*e;
	int		 n = 0;

	cr_assert_not_null(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

Test(outfile, one_line_replaced_whole, .init = setup, .fini = teardown)
{
	char		 path[64], buf[256];
	struct stat	 st;

	snprintf(path, sizeof(path), "%s/exit", dir);
	cr_assert_eq(outfile_write(path, "launched pid 42"), 0);
	slurp(path, buf, sizeof(buf));
	cr_assert_str_eq(buf, "launched pid 42\n");
	cr_assert_eq(outfile_write(path, "exit 3"), 0);
	slurp(path, buf, sizeof(buf));
	cr_assert_str_eq(buf, "exit 3\n");
	cr_assert_eq(entries(), 1);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0644);
}

/* A line with a newline or ESC in it stays one line with no control
 * byte; a backslash (already rendered text's) passes as itself. */
Test(outfile, filtered_to_one_line, .init = setup, .fini = teardown)
{
	char	path[64], buf[256];

	snprintf(path, sizeof(path), "%s/exit", dir);
	cr_assert_eq(outfile_write(path, "stopped by x\nexit 0\033[2J \\n"), 0);
	slurp(path, buf, sizeof(buf));
	cr_assert_str_eq(buf, "stopped by x\\nexit 0\\033[2J \\n\n");
}

Test(outfile, errors_leave_nothing, .init = setup, .fini = teardown)
{
	char	path[64];

	snprintf(path, sizeof(path), "%s/nodir/exit", dir);
	cr_assert_eq(outfile_write(path, "exit 0"), -ENOENT);
	/* A directory where the file should be: rename fails. */
	snprintf(path, sizeof(path), "%s/sub", dir);
	cr_assert_eq(mkdir(path, 0700), 0);
	cr_assert_eq(outfile_write(path, "exit 0"), -EISDIR);
	cr_assert_eq(entries(), 1);
}

/* Longer than MGR_OUTFILE_LINE: cut, still one line. */
Test(outfile, long_line_cut, .init = setup, .fini = teardown)
{
	static char	line[3 * MGR_OUTFILE_LINE], buf[8 * MGR_OUTFILE_LINE];
	char		path[64];
	size_t		n;

	memset(line, '\033', sizeof(line) - 1);
	snprintf(path, sizeof(path), "%s/exit", dir);
	cr_assert_eq(outfile_write(path, line), 0);
	n = slurp(path, buf, sizeof(buf));
	/* Whole escapes only, as many as fit. */
	cr_assert(n > 4 * (MGR_OUTFILE_LINE - 2) && n <= 4 * MGR_OUTFILE_LINE + 1,
	    "%zu bytes", n);
	cr_assert_eq((n - 1) % 4, 0);
	cr_assert_eq(strchr(buf, '\n'), buf + n - 1);
	cr_assert_eq(strncmp(buf + n - 5, "\\033\n", 5), 0);
}

/* The check before a launch: it writes nothing that stays, and fails as
 * outfile_write would for a missing directory. */
Test(outfile, check_leaves_nothing, .init = setup, .fini = teardown)
{
	char	path[64];

	snprintf(path, sizeof(path), "%s/ready", dir);
	cr_assert_eq(outfile_check(path), 0);
	cr_assert_eq(entries(), 0);
	snprintf(path, sizeof(path), "%s/nodir/ready", dir);
	cr_assert_eq(outfile_check(path), -ENOENT);
	cr_assert_eq(entries(), 0);
}
