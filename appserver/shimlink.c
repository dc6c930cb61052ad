/* SPDX-License-Identifier: ISC */
/*
 * shimlink.c: blocking, deadline-bound helpers for talking to cmapp-shim
 * processes over their unix sockets (see shimlink.h).  The event loop only
 * uses them where a shim answers at once: its hello after a launch or a
 * connect.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "shimlink.h"

static int
each(const char *rundir, const char *suffix,
    void (*fn)(void *, const char *, uint64_t), void *arg)
{
	DIR		*d;
	struct dirent	*e;
	char		 path[PATH_MAX], *end;
	uint64_t	 id;

	if ((d = opendir(rundir)) == NULL)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d)) != NULL) {
		if (strlen(e->d_name) != 21 ||
		    strcmp(e->d_name + 16, suffix) != 0)
			continue;
		errno = 0;
		id = strtoull(e->d_name, &end, 16);
		if (errno != 0 || end != e->d_name + 16 || id == 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", rundir, e->d_name)
		    >= (int)sizeof(path))
			continue;
		fn(arg, path, id);
	}
	closedir(d);
	return 0;
}

int
shimlink_each(const char *rundir,
    void (*fn)(void *, const char *, uint64_t), void *arg)
{
	return each(rundir, ".sock", fn, arg);
}

int
shimlink_each_lingering(const char *rundir,
    void (*fn)(void *, const char *, uint64_t), void *arg)
{
	return each(rundir, ".left", fn, arg);
}

int
shimlink_each_instance(const char *rundir,
    void (*fn)(void *, const char *, uint64_t), void *arg)
{
	return each(rundir, ".inst", fn, arg);
}

int
shimlink_connect(const char *path)
{
	struct sockaddr_un	sa;
	int			fd, e;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	/* Non-blocking: a shim that does not accept (stopped) must not
	 * hang our start-up or -stop_all; its full backlog is -EAGAIN. */
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

/* Reads exactly n bytes before the deadline. */
static int
read_full(int fd, uint8_t *p, size_t n, int64_t deadline)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	ssize_t		r;
	int64_t		left;

	while (n > 0) {
		if ((left = deadline - now_ms()) <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)left) == -1) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if ((r = recv(fd, p, n, MSG_DONTWAIT)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (r == 0)
			return -EPIPE;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int
shimlink_read(int fd, struct reader *rd, struct proto_msg *m, int timeout_ms)
{
	int64_t		 deadline = now_ms() + timeout_ms;
	uint8_t		*room;
	size_t		 cap, want;
	ssize_t		 n;
	int		 r;

	/* Exactly the frame's bytes are read, its header first: what
	 * follows it is the event loop's to read. */
	while ((n = reader_take(rd, NULL, m, NULL, 0)) == 0) {
		want = reader_want(rd);
		if ((r = reader_room(rd, &room, &cap)) != 0)
			return r;
		if ((r = read_full(fd, room, want, deadline)) != 0)
			return r;
		reader_wrote(rd, want);
	}
	return n < 0 ? -EBADMSG : 0;
}

int
shimlink_write(int fd, const struct proto_msg *m)
{
	uint8_t		buf[256];
	ssize_t		n, w;
	size_t		off = 0;

	if ((n = proto_encode(m, buf, sizeof(buf))) < 0)
		return (int)n;
	while (off < (size_t)n) {
		w = send(fd, buf + off, (size_t)n - off, MSG_NOSIGNAL);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -errno;
		off += (size_t)w;
	}
	return 0;
}
