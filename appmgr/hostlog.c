/*
 * hostlog.c: writes a monitor's host-log records (OUTPUT stream 3) to the
 * file named on cmappmgr's own command line.  Each record is appended with
 * one write(2) so that lines from several monitors sharing a file do not
 * interleave.  A full disk or a bad path costs the log, never the
 * monitoring: the failure is logged once and the records are counted.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "hostlog.h"
#include "hostlog_arg.h"
#include "log.h"

static const char *
base(const char *p)
{
	const char	*s = strrchr(p, '/');

	return s != NULL ? s + 1 : p;
}

static const char *
opt_value(char *const *argv, int i, const char *name)
{
	size_t	n = strlen(name);

	if (strcmp(argv[i], name) == 0)
		return argv[i + 1];	/* NULL at the end: no value */
	if (strncmp(argv[i], name, n) == 0 && argv[i][n] == '=')
		return argv[i] + n + 1;
	return NULL;
}

/*
 * The monitors' own spellings come from plugins/hostlog_arg.c, which is
 * held to their parsers by tests; any other command may name a host log
 * with --host_logfile F or --host_logfile=F.
 */
const char *
hostlog_path(char *const *argv)
{
	const char	*b, *v, *path = NULL;
	int		 i;

	if (argv == NULL || argv[0] == NULL)
		return NULL;
	if ((path = hostlog_arg(argv)) != NULL)
		return path;
	b = base(argv[0]);
	if (strncmp(b, "cmapp_net_mon", 13) == 0 ||
	    strncmp(b, "cmapp_disk_mon", 14) == 0)
		return NULL;
	for (i = 1; argv[i] != NULL; i++) {
		if ((v = opt_value(argv, i, "--host_logfile")) == NULL)
			continue;
		path = v;
		if (v == argv[i + 1])
			i++;
	}
	return path != NULL && path[0] != '\0' ? path : NULL;
}

void
hostlog_init(struct hostlog *h, const char *path)
{
	memset(h, 0, sizeof(*h));
	h->path = path;
	h->fd = -1;
}

static void
put(struct hostlog *h)
{
	ssize_t	n;

	h->buf[h->len++] = '\n';
	if (h->fd == -1 && !h->warned) {
		h->fd = open(h->path, O_WRONLY | O_APPEND | O_CREAT |
		    O_CLOEXEC | O_NOCTTY, 0644);
		if (h->fd == -1) {
			log_warn("cannot open the host log %s; its records "
			    "are dropped", h->path);
			h->warned = 1;
		}
	}
	if (h->fd != -1) {
		while ((n = write(h->fd, h->buf, h->len)) == -1 &&
		    errno == EINTR)
			;
		if (n != (ssize_t)h->len) {
			if (!h->warned)
				log_warn("cannot write the host log %s; "
				    "monitoring goes on", h->path);
			h->warned = 1;
			h->dropped++;
		} else if (h->warned) {
			log_info("the host log %s is writable again (%llu "
			    "records lost)", h->path,
			    (unsigned long long)h->dropped);
			h->warned = 0;
		}
	} else
		h->dropped++;
	h->len = 0;
}

void
hostlog_feed(struct hostlog *h, const uint8_t *p, size_t n)
{
	size_t	i;

	if (h->path == NULL) {
		h->dropped += n > 0;
		return;
	}
	for (i = 0; i < n; i++) {
		if (p[i] == '\n') {
			put(h);
			continue;
		}
		if (h->len == sizeof(h->buf) - 1)
			put(h);
		h->buf[h->len++] = (char)p[i];
	}
}

void
hostlog_close(struct hostlog *h)
{
	if (h->path != NULL && h->len > 0)
		put(h);
	if (h->fd != -1)
		close(h->fd);
	h->fd = -1;
}
