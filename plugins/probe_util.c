/* SPDX-License-Identifier: ISC */
/*
 * probe_util.c: helpers every probe links in: filling a result, strict
 * number parsing, and the argv clean-up that lets the manual's service
 * lines through as printed (an en dash where "--" was meant).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe_util.h"

void
pu_result(struct cmapp_result *r, int status, int priority, const char *fmt,
    ...)
{
	va_list	ap;

	r->status = status;
	r->priority = priority;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
}

/* A decimal number in [min, max], nothing else: "", "3x", "-1", " 3" and
 * "0x10" are -EINVAL, a number out of range -ERANGE. */
int
pu_parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	unsigned long	 v;
	char		*end;

	if (s == NULL || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = (unsigned)v;
	return 0;
}

/* A copy of argv (NULL-terminated, for getopt to permute) in which a word
 * that starts with an en or em dash (the manual's "–log_file") starts with
 * "--" instead.  NULL when out of memory. */
char **
pu_argv_normalize(int argc, char **argv)
{
	static const char *const dashes[] = { "\xe2\x80\x93", "\xe2\x80\x94" };
	char	**v;
	int	  i;
	size_t	  k;

	if ((v = calloc((size_t)argc + 1, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *rest = NULL;

		for (k = 0; i > 0 && k < 2; k++)
			if (strncmp(a, dashes[k], 3) == 0)
				rest = a + 3;
		if (rest != NULL && (rest[0] == '-'))
			rest++;		/* "–-x" as well as "–x" */
		if (rest != NULL) {
			if ((v[i] = malloc(strlen(rest) + 3)) != NULL)
				sprintf(v[i], "--%s", rest);
		} else
			v[i] = strdup(a);
		if (v[i] == NULL) {
			pu_argv_free(v);
			return NULL;
		}
	}
	return v;
}

/* The word of the option getopt just returned: argv[optind - 1], or the
 * one before it when that is the option's value. */
const char *
pu_opt_word(char **argv, int optind, const char *optarg)
{
	if (optarg != NULL && optind >= 2 && optarg == argv[optind - 1])
		return argv[optind - 2];
	return argv[optind - 1];
}

/* 1 if word spells the long option name in full (-name, --name, either
 * with =value).  getopt takes abbreviations too; the monitors take none
 * for an option with a value, so that cmappmgr, which finds the host log
 * file in the same words, cannot read them otherwise. */
int
pu_long_exact(const char *word, const char *name)
{
	size_t	n = strlen(name);

	if (*word == '-')
		word++;
	if (*word == '-')
		word++;
	return strncmp(word, name, n) == 0 && (word[n] == '\0' ||
	    word[n] == '=');
}

void
pu_argv_free(char **argv)
{
	size_t	i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}
