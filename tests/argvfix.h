/* SPDX-License-Identifier: ISC */
/*
 * argvfix.h: argument vectors for the tests of parsers that take argv as
 * main() gets it, char **, which getopt permutes.  The tests write their
 * vectors as string literals, which are const: ARGV("prog", "-x", s) is a
 * NULL-terminated char ** of writable copies of its words.
 */
#ifndef CMAPP_ARGVFIX_H
#define CMAPP_ARGVFIX_H

/* A copy of the NULL-terminated V, kept until the test process ends. */
char	**argvfix(const char *const *v);

#define ARGV(...)	argvfix((const char *const []){ __VA_ARGS__, NULL })

#endif
