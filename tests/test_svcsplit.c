/* SPDX-License-Identifier: ISC */
/* test_svcsplit.c: tests for common/svcsplit.c, -service as one string. */
#include <errno.h>
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "svc.h"
#include "svcsplit.h"
#include "argvfix.h"

/* Splits s, which must succeed, and compares with the words given. */
static void
same(const char *s, char **want)
{
	char	**v = NULL, why[256] = "";

	cr_assert_eq(svc_split(s, strlen(s), &v, why, sizeof(why)), 0,
	    "%s: %s", s, why);
	cr_assert(svc_argv_equal(v, want), "[%s] split otherwise", s);
	free(v);
}

static void
refused(const char *s, size_t len, const char *reason)
{
	char	**v = NULL, why[256] = "";

	cr_assert_eq(svc_split(s, len, &v, why, sizeof(why)), -EINVAL, "%s", s);
	cr_assert_null(v);
	cr_assert(strstr(why, reason) != NULL, "[%s]: '%s' lacks '%s'", s, why,
	    reason);
}

Test(svcsplit, blanks_separate_words)
{
	same("/apps/mon -i 5 /dev/sda", ARGV("/apps/mon", "-i", "5",
	    "/dev/sda"));
	same("  \t/apps/mon\t\t-x   y  ", ARGV("/apps/mon", "-x", "y"));
	same("/bin/true", ARGV("/bin/true"));
}

Test(svcsplit, single_quotes_are_literal)
{
	same("/bin/sh -c 'echo \"hi\" \\ $HOME; exit 3'",
	    ARGV("/bin/sh", "-c", "echo \"hi\" \\ $HOME; exit 3"));
	same("a '' b", ARGV("a", "", "b"));
	same("'/opt/my app/bin/run' x", ARGV("/opt/my app/bin/run", "x"));
}

Test(svcsplit, double_quotes_take_two_escapes_only)
{
	same("/bin/sh -c \"say \\\"it's\\\" \\\\ \\n\"",
	    ARGV("/bin/sh", "-c", "say \"it's\" \\ \\n"));
	same("\"\"", ARGV(""));
	same("x \"a\tb\"", ARGV("x", "a\tb"));
}

Test(svcsplit, a_backslash_outside_quotes_takes_the_next_byte)
{
	same("a\\ b c\\'d \\\\", ARGV("a b", "c'd", "\\"));
}

Test(svcsplit, adjacent_parts_make_one_word)
{
	same("it'\"s'\" a\"'b c'", ARGV("it\"s ab c"));
	same("--opt='a b'", ARGV("--opt=a b"));
}

/* The manual's "add a space": a trailing blank inside quotes stays. */
Test(svcsplit, a_quoted_trailing_blank_is_kept)
{
	char	**a = NULL, **b = NULL, why[64];

	same("/apps/mon 'x '", ARGV("/apps/mon", "x "));
	cr_assert_eq(svc_split("/apps/mon x ", 12, &a, why, sizeof(why)), 0);
	cr_assert_eq(svc_split("/apps/mon 'x '", 14, &b, why, sizeof(why)), 0);
	cr_assert_not(svc_argv_equal(a, b));
	free(a);
	free(b);
}

Test(svcsplit, the_same_vector_as_separate_words)
{
	char	**w = ARGV("/bin/sh", "-c", "echo 'a  b' \"$1\"", "x y", "",
	    "it's", "\\");
	char	  line[512], **v = NULL, why[64];

	/* svc_display's rendering, for words without control bytes, reads
	 * back under this rule to the very vector. */
	svc_display(w, line, sizeof(line));
	cr_assert_eq(svc_split(line, strlen(line), &v, why, sizeof(why)), 0,
	    "%s: %s", line, why);
	cr_assert(svc_argv_equal(v, w), "%s", line);
	free(v);
}

Test(svcsplit, errors_are_named)
{
	refused("a 'b c", 6, "the ' quote at byte 3 is not closed");
	refused("a \"b\\\"", 6, "the \" quote at byte 3 is not closed");
	refused("it's x", 6, "the ' quote at byte 3 is not closed");
	refused("a b\\", 4, "a backslash at the end");
	refused("a\\\0b", 4, "a NUL byte at byte 3");
	refused(" \t ", 3, "no command");
	refused("", 0, "no command");
	refused("a\0b c", 5, "a NUL byte at byte 2");
	refused("a '\0' c", 7, "a NUL byte at byte 4");
}

/* Only the len bytes given are read: no NUL needed at the end. */
Test(svcsplit, reads_len_bytes_only)
{
	char	  buf[] = { 'a', ' ', 'b', 'X' }, **v = NULL, why[64];

	cr_assert_eq(svc_split(buf, 3, &v, why, sizeof(why)), 0);
	cr_assert(svc_argv_equal(v, ARGV("a", "b")));
	free(v);
}

/* The worst case of words per byte fits what was allocated. */
Test(svcsplit, many_empty_words)
{
	char	  s[601], **v = NULL, why[64];
	size_t	  i;

	for (i = 0; i + 3 <= 600; i += 3)
		memcpy(s + i, "'' ", 3);
	s[600] = '\0';
	cr_assert_eq(svc_split(s, 599, &v, why, sizeof(why)), 0);
	for (i = 0; i < 200; i++)
		cr_assert_str_eq(v[i], "");
	cr_assert_null(v[200]);
	free(v);
}
