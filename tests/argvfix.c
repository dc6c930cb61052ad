/* SPDX-License-Identifier: ISC */
/*
 * argvfix.c: writable argument vectors for the tests (argvfix.h).  Each
 * copy stays reachable from a static list until the process ends: a
 * Criterion test is a process of its own, and a parsed configuration may
 * point into its argv, so nothing is freed early and no leak is reported.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "argvfix.h"

struct kept {
	struct kept	*next;
	char		*argv[];	/* then the words' bytes */
};

static struct kept	*kept;

char **
argvfix(const char *const *v)
{
	struct kept	*k;
	size_t		 n, i, len = 0;
	char		*p;

	for (n = 0; v[n] != NULL; n++)
		len += strlen(v[n]) + 1;
	k = malloc(sizeof(*k) + (n + 1) * sizeof(k->argv[0]) + len);
	cr_assert_not_null(k);
	p = (char *)&k->argv[n + 1];
	for (i = 0; i < n; i++) {
		k->argv[i] = p;
		p = stpcpy(p, v[i]) + 1;
	}
	k->argv[n] = NULL;
	k->next = kept;
	kept = k;
	return k->argv;
}
