/* SPDX-License-Identifier: ISC */
/*
 * oldshim.c: stands in for a cmapp-shim of an older or newer binary, for
 * tests/e2e/57_old_shim.sh: an upgraded cmappserver must adopt every link
 * version it knows (docs/restart.md) and refuse one it does not.
 *
 *   oldshim RUNDIR RUN_ID VERSION COMMAND [ARG...]
 *
 * It listens on RUNDIR/RUN_ID.sock as a shim does and answers each
 * connection with a SHIM_HELLO of link VERSION: the command running, with
 * our pid.  A SHIM_SIGNAL ends "the service": the link gets its EXIT (by
 * that signal) and the shim goes when released.  No service is run: the
 * test is about what the server makes of the link.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "proto.h"

#define MAX_LINKS	4

static int
send_msg(int fd, const struct proto_msg *m)
{
	static uint8_t	buf[PROTO_MAX_FRAME];
	ssize_t		n = proto_encode(m, buf, sizeof(buf));

	if (n < 0)
		return -1;
	return send(fd, buf, (size_t)n, MSG_NOSIGNAL) == n ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct sockaddr_un	sa = { .sun_family = AF_UNIX };
	struct pollfd		pfd[1 + MAX_LINKS];
	struct proto_msg	m, hello;
	struct proto_hdr	h;
	uint8_t			in[PROTO_HDR_LEN + 64];
	uint64_t		run_id;
	int			lfd, i, n = 0, ended = 0, sig = 0;
	ssize_t			r;

	if (argc < 5) {
		fprintf(stderr, "usage: oldshim RUNDIR RUN_ID VERSION COMMAND "
		    "[ARG...]\n");
		return 2;
	}
	run_id = strtoull(argv[2], NULL, 16);
	memset(&hello, 0, sizeof(hello));
	hello.type = MSG_SHIM_HELLO;
	hello.u.shim.version = (uint16_t)atoi(argv[3]);
	hello.u.shim.run_id = run_id;
	hello.u.shim.pid = (uint32_t)getpid();
	hello.u.shim.state = RUN_RUNNING;
	hello.u.shim.started = (uint64_t)time(NULL);
	for (i = 4; i < argc && i - 4 < PROTO_MAX_ARGS; i++) {
		hello.u.shim.argv[i - 4].p = (const uint8_t *)argv[i];
		hello.u.shim.argv[i - 4].len = (uint16_t)strlen(argv[i]);
	}
	hello.u.shim.argc = (uint16_t)(i - 4);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s.sock", argv[1],
	    argv[2]);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(lfd, MAX_LINKS) == -1) {
		perror(sa.sun_path);
		return 1;
	}
	pfd[0] = (struct pollfd){ lfd, POLLIN, 0 };
	for (;;) {
		if (poll(pfd, (nfds_t)(1 + n), -1) == -1 && errno != EINTR)
			return 1;
		if (pfd[0].revents && n < MAX_LINKS) {
			pfd[1 + n] = (struct pollfd){ accept(lfd, NULL, NULL),
			    POLLIN, 0 };
			if (pfd[1 + n].fd != -1 &&
			    send_msg(pfd[1 + n].fd, &hello) == 0)
				n++;
		}
		for (i = 1; i <= n; i++) {
			if (pfd[i].revents == 0 || pfd[i].fd == -1)
				continue;
			/* One small frame a read: what a server sends us. */
			if ((r = recv(pfd[i].fd, in, sizeof(in), 0)) <= 0 ||
			    proto_decode_header(in, (size_t)r, &h) != 0 ||
			    (size_t)r < PROTO_HDR_LEN + h.len ||
			    proto_decode(h.type, in + PROTO_HDR_LEN, h.len,
			    &m) != 0) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				continue;
			}
			if (m.type == MSG_SHIM_RELEASE && ended) {
				unlink(sa.sun_path);
				return 0;
			}
			if (m.type == MSG_SHIM_SIGNAL && !ended) {
				ended = 1;
				sig = m.u.signal.sig;
				hello.u.shim.state = RUN_EXITED;
				hello.u.shim.exit_how = EXIT_SIGNAL;
				hello.u.shim.exit_value = sig;
				memset(&m, 0, sizeof(m));
				m.type = MSG_EXIT;
				m.u.exit.run_id = run_id;
				m.u.exit.how = EXIT_SIGNAL;
				m.u.exit.value = sig;
				for (int j = 1; j <= n; j++)
					if (pfd[j].fd != -1)
						send_msg(pfd[j].fd, &m);
			}
		}
	}
}
