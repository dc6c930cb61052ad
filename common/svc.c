/* SPDX-License-Identifier: ISC */
/*
 * svc.c: service identity.  The server matches a START against running
 * services by the whole vector, byte for byte, as the manual requires ("all
 * service command strings sent to the guest must be unique").  The vector
 * comes from a peer: its rendering for logs and listings is one line that
 * nothing in it can act on (vis.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "svc.h"
#include "vis.h"

int
svc_argv_from_wire(const struct proto_str *v, unsigned argc, char ***out)
{
	char		**argv;
	unsigned	  i;

	if (argc == 0 || argc > PROTO_MAX_ARGS)
		return -EINVAL;
	if ((argv = calloc(argc + 1, sizeof(*argv))) == NULL)
		return -ENOMEM;
	for (i = 0; i < argc; i++) {
		if (memchr(v[i].p, '\0', v[i].len) != NULL ||
		    (argv[i] = strndup((const char *)v[i].p, v[i].len)) ==
		    NULL) {
			svc_argv_free(argv);
			return memchr(v[i].p, '\0', v[i].len) ? -EINVAL :
			    -ENOMEM;
		}
	}
	*out = argv;
	return 0;
}

void
svc_argv_free(char **argv)
{
	char	**a;

	if (argv == NULL)
		return;
	for (a = argv; *a != NULL; a++)
		free(*a);
	free(argv);
}

int
svc_argv_equal(char *const *a, char *const *b)
{
	for (; *a != NULL && *b != NULL; a++, b++)
		if (strcmp(*a, *b) != 0)
			return 0;
	return *a == NULL && *b == NULL;
}

static int
needs_quotes(const char *s)
{
	if (*s == '\0')
		return 1;
	for (; *s != '\0'; s++)
		if (strchr(" \t\n'\"\\$`!*?[]{}()<>|&;#~", *s) != NULL ||
		    vis_is_ctl((unsigned char)*s))
			return 1;
	return 0;
}

/*
 * An argument with bytes vis.c escapes is shown as $'...' (POSIX.1-2024's
 * dollar-single-quotes, which bash, ksh and zsh read), whose escapes are
 * vis.c's own: the line still reads back to the very argument.
 */
static int
needs_escapes(const char *s)
{
	for (; *s != '\0'; s++)
		if (vis_is_ctl((unsigned char)*s))
			return 1;
	return 0;
}

char *
svc_display(char *const *argv, char *buf, size_t cap)
{
	size_t	 n = 0, k, i;
	int	 cut = 0;
	char	*const *a;
	const char *s;
	char	 one[VIS_LEN(1)];

	if (cap == 0)
		return buf;
#define PUT(c) do { if (n + 1 < cap) buf[n++] = (c); else cut = 1; } while (0)
	for (a = argv; *a != NULL && !cut; a++) {
		if (a != argv)
			PUT(' ');
		if (!needs_quotes(*a)) {
			for (s = *a; *s != '\0'; s++)
				PUT(*s);
			continue;
		}
		if (needs_escapes(*a)) {
			PUT('$'); PUT('\'');
			for (s = *a; *s != '\0'; s++) {
				if (*s == '\'') {
					PUT('\\'); PUT('\'');
					continue;
				}
				k = vis_bytes(one, sizeof(one),
				    (const uint8_t *)s, 1, 0);
				for (i = 0; i < k; i++)
					PUT(one[i]);
			}
			PUT('\'');
			continue;
		}
		PUT('\'');
		for (s = *a; *s != '\0'; s++) {
			if (*s == '\'') {
				PUT('\''); PUT('\\'); PUT('\''); PUT('\'');
			} else
				PUT(*s);
		}
		PUT('\'');
	}
#undef PUT
	buf[n] = '\0';
	if (cut && cap > 4)
		memcpy(buf + cap - 4, "...", 4);
	return buf;
}

char *
svc_display_id(char *const *argv, const char *instance, char *buf,
    size_t cap)
{
	size_t	n;

	if (cap == 0)
		return buf;
	svc_display(argv, buf, cap);
	if (instance != NULL && instance[0] != '\0' &&
	    (n = strlen(buf)) < cap)
		snprintf(buf + n, cap - n, " [instance %s]", instance);
	return buf;
}
