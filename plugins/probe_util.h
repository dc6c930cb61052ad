/* SPDX-License-Identifier: ISC */
/*
 * probe_util.h: small helpers compiled into each probe (and the unit tests):
 * results, numbers and the manual's option spellings.
 */
#ifndef CMAPP_PROBE_UTIL_H
#define CMAPP_PROBE_UTIL_H

#include "plugin.h"

void	pu_result(struct cmapp_result *, int status, int priority,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int	pu_parse_uint(const char *s, unsigned min, unsigned max, unsigned *out);
char  **pu_argv_normalize(int argc, char **argv);
const char *pu_opt_word(char **argv, int optind, const char *optarg);
int	pu_long_exact(const char *word, const char *name);
void	pu_argv_free(char **argv);

#endif
