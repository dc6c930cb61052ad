/* SPDX-License-Identifier: ISC */
/*
 * ciskip.h: skip_test(FORMAT, ...), Criterion's cr_skip_test for a test
 * that cannot run on this machine (no keytool, no network namespace, no
 * root), but with CI=true in the environment it fails instead, saying
 * why: CI must never pass with tests that did not run.  FORMAT is a
 * string literal.
 */
#ifndef CMAPP_CISKIP_H
#define CMAPP_CISKIP_H

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#define skip_test(...)	do {						\
	const char *ci_ = getenv("CI");					\
									\
	if (ci_ != NULL && strcmp(ci_, "true") == 0)			\
		cr_assert_fail("CI=true, and this test cannot run here: "	\
		    __VA_ARGS__);						\
	cr_skip_test(__VA_ARGS__);					\
} while (0)

#endif
