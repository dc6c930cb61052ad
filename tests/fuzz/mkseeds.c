/* SPDX-License-Identifier: ISC */
/*
 * mkseeds.c: writes the fuzzers' seed corpus of valid frames with the real
 * encoder, so that the seeds follow common/proto.c when a layout changes.
 *
 *   mkseeds DIR      writes DIR/proto/ (whole frames and sessions: the input
 *                    of fuzz_proto) and DIR/svc/ (START bodies: the input of
 *                    fuzz_svc)
 *
 * "make fuzz-seeds" runs it over tests/fuzz/corpus/; the files are committed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "proto.h"
#include "../../appserver/shim.h"

static uint8_t	frame[PROTO_MAX_FRAME];
static uint8_t	session[4 * PROTO_MAX_FRAME];
static size_t	session_len;
static char	dir[4096];
static char	big[PROTO_MAX_OUTPUT];

static struct proto_str
S(const char *s)
{
	struct proto_str	ps = { (const uint8_t *)s, (uint16_t)strlen(s) };

	return ps;
}

static void
write_file(const char *sub, const char *name, const uint8_t *p, size_t n)
{
	char	path[4200];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	if ((f = fopen(path, "wb")) == NULL || fwrite(p, 1, n, f) != n ||
	    fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* Encodes m; writes the frame, and a START's body as an svc seed too. */
static void
seed(const char *name, const struct proto_msg *m)
{
	char	fname[256];
	ssize_t	n;

	if ((n = proto_encode(m, frame, sizeof(frame))) < 0) {
		fprintf(stderr, "mkseeds: cannot encode %s: %s\n", name,
		    strerror((int)-n));
		exit(1);
	}
	snprintf(fname, sizeof(fname), "%s.bin", name);
	write_file("proto", fname, frame, (size_t)n);
	if (m->type == MSG_START)
		write_file("svc", fname, frame + PROTO_HDR_LEN,
		    (size_t)n - PROTO_HDR_LEN);
}

/* Appends m to the session being built. */
static void
add(const struct proto_msg *m)
{
	ssize_t	n = proto_encode(m, session + session_len,
	    sizeof(session) - session_len);

	if (n < 0) {
		fprintf(stderr, "mkseeds: cannot encode a session frame\n");
		exit(1);
	}
	session_len += (size_t)n;
}

static void
end_session(const char *name)
{
	char	fname[256];

	snprintf(fname, sizeof(fname), "%s.bin", name);
	write_file("proto", fname, session, session_len);
	session_len = 0;
}

static void
start(struct proto_msg *m, const char *const *argv)
{
	memset(m, 0, sizeof(*m));
	m->type = MSG_START;
	for (m->u.start.argc = 0; argv[m->u.start.argc] != NULL;
	    m->u.start.argc++)
		m->u.start.argv[m->u.start.argc] = S(argv[m->u.start.argc]);
}

int
main(int argc, char **argv)
{
	static struct proto_msg	 m;
	static const char *const sh[] = { "/bin/sh", "-c", "exit 3", NULL };
	static const char *const ping[] = { "/apps/ping_mon", NULL };
	static const char *const dash[] = { "/usr/bin/app", "-service", "",
	    "--", "-x", NULL };
	static const char *const quoting[] = { "/opt/my app/run", "it's",
	    "$HOME", "a b", "\t", "~user", "#x", "*?[a]", "\xc3\xbc\x7f",
	    "line\nbreak", "back\\slash", "\"q\"", "semi;colon&", NULL };
	static char		 args[PROTO_MAX_ARGS][4];
	static char		 longarg[PROTO_MAX_ARG + 1];
	static const uint16_t	 codes[] = { PERR_VERSION, PERR_BADMSG,
	    PERR_LIMIT, PERR_EXEC, PERR_NORUN, PERR_DENIED, PERR_INTERNAL };
	char			 name[64], sub[sizeof(dir) + 8];
	unsigned		 i;

	if (argc != 2) {
		fprintf(stderr, "usage: mkseeds DIR\n");
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	mkdir(dir, 0755);
	snprintf(sub, sizeof(sub), "%s/proto", dir);
	if (mkdir(sub, 0755) == -1 && errno != EEXIST) {
		perror(sub);
		return 1;
	}
	snprintf(sub, sizeof(sub), "%s/svc", dir);
	if (mkdir(sub, 0755) == -1 && errno != EEXIST) {
		perror(sub);
		return 1;
	}
	memset(big, 'x', sizeof(big));

	memset(&m, 0, sizeof(m));
	m.type = MSG_HELLO;
	m.u.hello.version = PROTO_VERSION;
	m.u.hello.agent = S("cmappmgr 1.0");
	seed("100_hello", &m);
	m.u.hello.version = 2;
	m.u.hello.agent = S("");
	seed("100_hello_v2", &m);

	memset(&m, 0, sizeof(m));
	m.type = MSG_HEARTBEAT;
	m.u.heartbeat.seq = 1;
	seed("101_heartbeat", &m);
	m.type = MSG_HEARTBEAT_ACK;
	m.u.heartbeat.seq = UINT64_MAX;
	seed("102_heartbeat_ack", &m);

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		memset(&m, 0, sizeof(m));
		m.type = MSG_ERROR;
		m.u.error.code = codes[i];
		m.u.error.text = S("the max_processes limit (30) is reached");
		snprintf(name, sizeof(name), "103_error_%u", codes[i]);
		seed(name, &m);
	}

	start(&m, sh);
	seed("200_start_sh", &m);
	start(&m, ping);
	seed("200_start_ping_mon", &m);
	start(&m, dash);
	seed("200_start_dash_args", &m);
	start(&m, quoting);
	seed("200_start_quoting", &m);
	memset(&m, 0, sizeof(m));
	m.type = MSG_START;
	for (i = 0; i < PROTO_MAX_ARGS; i++) {
		snprintf(args[i], sizeof(args[i]), "%u", i);
		m.u.start.argv[i] = S(args[i]);
	}
	m.u.start.argc = PROTO_MAX_ARGS;
	seed("200_start_max_args", &m);
	memset(longarg, 'a', PROTO_MAX_ARG);
	longarg[0] = '/';
	m.u.start.argc = 1;
	m.u.start.argv[0] = S(longarg);
	seed("200_start_max_arg", &m);

	memset(&m, 0, sizeof(m));
	m.type = MSG_ATTACH;
	m.u.attach.run_id = 0x0123456789abcdefULL;
	seed("201_attach", &m);
	m.type = MSG_DETACH;
	seed("205_detach", &m);
	m.type = MSG_EXIT_ACK;
	seed("206_exit_ack", &m);

	for (i = STARTED_LAUNCHED; i <= STARTED_EXITED; i++) {
		memset(&m, 0, sizeof(m));
		m.type = MSG_STARTED;
		m.u.started.run_id = 0x0123456789abcdefULL;
		m.u.started.pid = 4242;
		m.u.started.how = (uint8_t)i;
		snprintf(name, sizeof(name), "202_started_%u", i);
		seed(name, &m);
	}

	memset(&m, 0, sizeof(m));
	m.type = MSG_OUTPUT;
	m.u.output.run_id = 7;
	m.u.output.stream = STREAM_STDOUT;
	m.u.output.data = S("PING 10.0.0.1: 64 bytes\n");
	seed("203_output_stdout", &m);
	m.u.output.stream = STREAM_STDERR;
	m.u.output.data.p = (const uint8_t *)"\0\xff\x1b[0m\r\n";
	m.u.output.data.len = 7;
	seed("203_output_stderr_binary", &m);
	m.u.output.stream = STREAM_HOSTLOG;
	m.u.output.data = S("");
	seed("203_output_hostlog_empty", &m);
	m.u.output.stream = STREAM_STDOUT;
	m.u.output.data.p = (const uint8_t *)big;
	m.u.output.data.len = PROTO_MAX_OUTPUT;
	seed("203_output_max", &m);

	memset(&m, 0, sizeof(m));
	m.type = MSG_EXIT;
	m.u.exit.run_id = 7;
	m.u.exit.how = EXIT_CODE;
	m.u.exit.value = 0;
	seed("204_exit_0", &m);
	m.u.exit.value = 255;
	seed("204_exit_255", &m);
	m.u.exit.how = EXIT_SIGNAL;
	m.u.exit.value = 15;	/* docs/protocol.md's example */
	seed("204_exit_sigterm", &m);
	m.u.exit.value = 127;
	seed("204_exit_sig127", &m);

	memset(&m, 0, sizeof(m));
	m.type = MSG_LIST;
	seed("300_list", &m);
	for (i = RUN_RUNNING; i <= RUN_DELIVERED; i++) {
		memset(&m, 0, sizeof(m));
		m.type = MSG_LIST_ENTRY;
		m.u.entry.run_id = 100 + i;
		m.u.entry.pid = 300 + i;
		m.u.entry.state = (uint8_t)i;
		m.u.entry.exit_how = i == RUN_RUNNING ? 0 : EXIT_SIGNAL;
		m.u.entry.exit_value = i == RUN_RUNNING ? 0 : 9;
		m.u.entry.since = 1700000000;
		m.u.entry.managers = (uint16_t)i;
		m.u.entry.argc = 3;
		m.u.entry.argv[0] = S("/bin/sh");
		m.u.entry.argv[1] = S("-c");
		m.u.entry.argv[2] = S("sleep 1000");
		snprintf(name, sizeof(name), "301_list_entry_%u", i);
		seed(name, &m);
	}
	memset(&m, 0, sizeof(m));
	m.type = MSG_LIST_END;
	m.u.list_end.count = 3;
	seed("302_list_end", &m);
	memset(&m, 0, sizeof(m));
	m.type = MSG_LIST_MANAGER;
	m.u.manager.run_id = 100;
	m.u.manager.since = 1700000000;
	m.u.manager.peer = S("10.0.0.1:40212");
	seed("303_list_manager", &m);
	/* The longest peer a session can have: an IPv6 address in full. */
	m.u.manager.peer = S("[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]"
	    ":65535");
	seed("303_list_manager_v6", &m);
	memset(&m, 0, sizeof(m));
	m.type = MSG_LIST_LEFT;
	m.u.left.run_id = 100;
	m.u.left.count = 2;
	m.u.left.where = LEFT_CGROUP;
	seed("304_list_left", &m);
	memset(&m, 0, sizeof(m));
	m.type = MSG_LIST_INSTANCE;
	m.u.instance.run_id = 100;
	m.u.instance.name = S("copy-2.old_A");
	seed("305_list_instance", &m);

	/* Version 4: a service's identity is its argv and an instance. */
	start(&m, sh);
	m.type = MSG_START_INSTANCE;
	m.u.start.instance = S("second");
	seed("211_start_instance", &m);
	m.u.start.instance = S("");
	seed("211_start_instance_empty", &m);
	m.type = MSG_STATUS;
	seed("208_status", &m);
	m.u.start.instance = S("b.2");
	seed("208_status_instance", &m);
	m.type = MSG_STOP;
	m.u.start.timeout = 10;
	seed("207_stop_instance", &m);
	m.u.start.instance = S("");
	m.u.start.timeout = PROTO_MAX_STOP_TIMEOUT;
	seed("207_stop", &m);
	for (i = STATUS_NONE; i <= STATUS_ENDED; i++) {
		memset(&m, 0, sizeof(m));
		m.type = MSG_STATUS_REPLY;
		m.u.status.state = (uint8_t)i;
		m.u.status.run_id = i == STATUS_NONE ? 0 : 7;
		m.u.status.pid = i == STATUS_RUNNING ? 4242 : 0;
		m.u.status.exit_how = i == STATUS_ENDED ? EXIT_SIGNAL : 0;
		m.u.status.exit_value = i == STATUS_ENDED ? 15 : 0;
		snprintf(name, sizeof(name), "209_status_reply_%u", i);
		seed(name, &m);
	}
	memset(&m, 0, sizeof(m));
	m.type = MSG_STOPPED;
	m.u.stopped.run_id = 7;
	m.u.stopped.who = S("cmappmgr 0.1.0 at 127.0.0.1:40212");
	seed("210_stopped", &m);

	memset(&m, 0, sizeof(m));
	m.type = MSG_SHIM_HELLO;
	m.u.shim.version = SHIM_LINK_VERSION;
	m.u.shim.run_id = 9;
	m.u.shim.pid = 999;
	m.u.shim.state = RUN_RUNNING;
	m.u.shim.started = 1700000000;
	m.u.shim.argc = 1;
	m.u.shim.argv[0] = S("/apps/ping_mon");
	seed("400_shim_hello_running", &m);
	m.u.shim.state = RUN_EXITED;
	m.u.shim.exit_how = EXIT_CODE;
	m.u.shim.exit_value = 3;
	m.u.shim.ended = 1700000100;
	seed("400_shim_hello_exited", &m);
	memset(&m, 0, sizeof(m));
	m.type = MSG_SHIM_RELEASE;
	m.u.attach.run_id = 9;
	seed("401_shim_release", &m);
	memset(&m, 0, sizeof(m));
	m.type = MSG_SHIM_SIGNAL;
	m.u.signal.run_id = 9;
	m.u.signal.sig = 15;
	seed("402_shim_signal", &m);
	memset(&m, 0, sizeof(m));
	m.type = MSG_SHIM_LEFT;
	m.u.left.run_id = 9;
	m.u.left.count = 2;
	m.u.left.where = LEFT_PGRP;
	seed("403_shim_left", &m);
	memset(&m, 0, sizeof(m));
	m.type = MSG_SHIM_VERSION;
	m.u.shim_version.version = SHIM_LINK_VERSION;
	seed("404_shim_version", &m);

	/* Whole conversations, as one side's stream. */
	memset(&m, 0, sizeof(m));
	m.type = MSG_HELLO;
	m.u.hello.version = PROTO_VERSION;
	m.u.hello.agent = S("cmappmgr 1.0");
	add(&m);
	start(&m, sh);
	add(&m);
	memset(&m, 0, sizeof(m));
	m.type = MSG_HEARTBEAT;
	m.u.heartbeat.seq = 1;
	add(&m);
	m.type = MSG_DETACH;
	m.u.attach.run_id = 1;
	add(&m);
	end_session("session_manager");

	memset(&m, 0, sizeof(m));
	m.type = MSG_HELLO;
	m.u.hello.version = PROTO_VERSION;
	m.u.hello.agent = S("cmappserver 1.0");
	add(&m);
	memset(&m, 0, sizeof(m));
	m.type = MSG_STARTED;
	m.u.started.run_id = 1;
	m.u.started.pid = 4242;
	add(&m);
	memset(&m, 0, sizeof(m));
	m.type = MSG_OUTPUT;
	m.u.output.run_id = 1;
	m.u.output.stream = STREAM_STDOUT;
	m.u.output.data = S("hello\n");
	add(&m);
	m.u.output.stream = STREAM_STDERR;
	add(&m);
	memset(&m, 0, sizeof(m));
	m.type = MSG_HEARTBEAT_ACK;
	m.u.heartbeat.seq = 1;
	add(&m);
	memset(&m, 0, sizeof(m));
	m.type = MSG_EXIT;
	m.u.exit.run_id = 1;
	m.u.exit.value = 3;
	add(&m);
	end_session("session_server");

	memset(&m, 0, sizeof(m));
	m.type = MSG_HELLO;
	m.u.hello.version = PROTO_VERSION;
	m.u.hello.agent = S("cmappmgr 1.0");
	add(&m);
	memset(&m, 0, sizeof(m));
	m.type = MSG_LIST;
	add(&m);
	end_session("session_list");

	/* The answer: each entry, then the managers attached to it. */
	memset(&m, 0, sizeof(m));
	m.type = MSG_HELLO;
	m.u.hello.version = PROTO_VERSION;
	m.u.hello.agent = S("cmappserver 1.0");
	add(&m);
	for (i = 0; i < 2; i++) {
		memset(&m, 0, sizeof(m));
		m.type = MSG_LIST_ENTRY;
		m.u.entry.run_id = 100 + i;
		m.u.entry.pid = 300 + i;
		m.u.entry.since = 1700000000;
		m.u.entry.managers = (uint16_t)(2 - i);
		m.u.entry.argc = 1;
		m.u.entry.argv[0] = S(ping[0]);
		add(&m);
		memset(&m, 0, sizeof(m));
		m.type = MSG_LIST_MANAGER;
		m.u.manager.run_id = 100 + i;
		m.u.manager.since = 1700000001;
		m.u.manager.peer = S("10.0.0.1:40212");
		add(&m);
		if (i > 0)
			continue;
		m.u.manager.peer = S("10.0.0.2:50000");
		add(&m);
	}
	memset(&m, 0, sizeof(m));
	m.type = MSG_LIST_END;
	m.u.list_end.count = 2;
	add(&m);
	end_session("session_list_answer");
	return 0;
}
