/*
 * svc.c: service identity.  The server matches a START against running
 * services by the whole vector, byte for byte, as the manual requires ("all
 * service command strings sent to the guest must be unique").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "svc.h"

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
		    (unsigned char)*s < 0x20)
			return 1;
	return 0;
}

char *
svc_display(char *const *argv, char *buf, size_t cap)
{
	size_t	 n = 0;
	int	 cut = 0;
	char	*const *a;
	const char *s;

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
		PUT('\'');
		for (s = *a; *s != '\0'; s++) {
			if (*s == '\'') {
				PUT('\''); PUT('\\'); PUT('\''); PUT('\'');
			} else if ((unsigned char)*s < 0x20)
				PUT('?');	/* keep log lines single */
			else
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
