/* SPDX-License-Identifier: ISC */
/* test_svc.c: tests for common/svc.c, service identity and display. */
#include <errno.h>
#include <criterion/criterion.h>
#include <string.h>

#include "svc.h"
#include "argvfix.h"

static struct proto_str
S(const char *s)
{
	struct proto_str r = { (const uint8_t *)s, (uint16_t)strlen(s) };
	return r;
}

Test(svc, argv_from_wire_copies_and_terminates)
{
	struct proto_str v[3] = { S("/bin/sh"), S("-c"), S("") };
	char **argv;

	cr_assert_eq(svc_argv_from_wire(v, 3, &argv), 0);
	cr_assert_str_eq(argv[0], "/bin/sh");
	cr_assert_str_eq(argv[1], "-c");
	cr_assert_str_eq(argv[2], "");
	cr_assert_null(argv[3]);
	svc_argv_free(argv);
}

Test(svc, argv_from_wire_refuses_nul_and_empty_vector)
{
	struct proto_str v[1] = { { (const uint8_t *)"a\0b", 3 } };
	char **argv = NULL;

	cr_assert_eq(svc_argv_from_wire(v, 1, &argv), -EINVAL);
	cr_assert_eq(svc_argv_from_wire(v, 0, &argv), -EINVAL);
	cr_assert_null(argv);
}

Test(svc, identity_is_the_exact_vector)
{
	char **a = ARGV("/apps/mon", "x");
	char **b = ARGV("/apps/mon", "x");
	char **c = ARGV("/apps/mon", "x ");	/* the manual's extra space */
	char **d = ARGV("/apps/mon");
	char **e = ARGV("/apps/mon x");

	cr_assert(svc_argv_equal(a, b));
	cr_assert_not(svc_argv_equal(a, c));
	cr_assert_not(svc_argv_equal(a, d));
	cr_assert_not(svc_argv_equal(d, a));
	cr_assert_not(svc_argv_equal(a, e));
}

Test(svc, display_quotes_what_a_shell_would_split)
{
	char **a = ARGV("/bin/sh", "-c", "exit 3", "it's", "");
	char buf[128];

	cr_assert_str_eq(svc_display(a, buf, sizeof(buf)),
	    "/bin/sh -c 'exit 3' 'it'\\''s' ''");
}

Test(svc, display_truncates_and_stays_on_one_line)
{
	char **a = ARGV("/bin/echo", "line1\nline2", "0123456789012345678901234567890123456789");
	char buf[32];

	svc_display(a, buf, sizeof(buf));
	cr_assert_eq(strlen(buf), sizeof(buf) - 1);
	cr_assert_str_eq(buf + sizeof(buf) - 4, "...");
	cr_assert_null(strchr(buf, '\n'));
}

/* A peer's control bytes (C0, DEL, C1) cannot act on a terminal nor
 * forge a log line: such an argument is shown as $'...' with vis.c's
 * escapes, which a shell reads back to the very bytes. */
Test(svc, display_escapes_control_bytes_as_dollar_quotes)
{
	char **a = ARGV("/apps/x\ncmappmgr[1]: exited", "\033]0;t\007", "\x9b"
	    "2J", "\x7f", "it's\r\\", "tab\there", "caf\xc3\xa9");
	char buf[256];

	cr_assert_str_eq(svc_display(a, buf, sizeof(buf)),
	    "$'/apps/x\\ncmappmgr[1]: exited' $'\\033]0;t\\007' $'\\2332J' "
	    "$'\\177' $'it\\'s\\r\\\\' 'tab\there' caf\xc3\xa9");
}

Test(svc, display_id_names_the_instance_after_the_command)
{
	char	**a = ARGV("/bin/sh", "-c", "exit 3");
	char	  buf[64];

	cr_assert_str_eq(svc_display_id(a, "two", buf, sizeof(buf)),
	    "/bin/sh -c 'exit 3' [instance two]");
	cr_assert_str_eq(svc_display_id(a, "", buf, sizeof(buf)),
	    "/bin/sh -c 'exit 3'");
	cr_assert_str_eq(svc_display_id(a, NULL, buf, sizeof(buf)),
	    "/bin/sh -c 'exit 3'");
	/* Cut, and still a string. */
	cr_assert_eq(strlen(svc_display_id(a, "two", buf, 24)), 23);
}
