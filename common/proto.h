/* SPDX-License-Identifier: ISC */
/*
 * proto.h: the cmapp wire protocol, the one codec shared by cmappmgr and
 * cmappserver.  Every frame is an 8-byte header (u32 body length, u16 type,
 * u16 reserved = 0, all big-endian) followed by the body.  The decoder is a
 * pure function over a byte buffer so that it can be fuzzed.
 *
 * Types are in numbered ranges: 1xx session, 2xx services, 3xx admin,
 * 4xx the local link between cmappserver and its per-service shims (a unix
 * socket in the run directory; refused on the TCP port).
 * docs/protocol.md documents every layout.
 */
#ifndef CMAPP_PROTO_H
#define CMAPP_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The window of TCP protocol versions this build speaks (docs/protocol.md,
 * "Versions").  Bump these when they change: PROTO_VERSION_MAX whenever a
 * message type, a body layout or a validity rule below changes (and give
 * the new types their version in proto.c's table); PROTO_VERSION_MIN only
 * to stop speaking to peers that old.  HELLO settles on the highest
 * version both sides speak, and a peer is never sent a type its version
 * lacks (proto_has()).  1: the first release; 2: LIST_MANAGER; 3:
 * LIST_LEFT; 4: STOP, STATUS, STATUS_REPLY, STOPPED, START_INSTANCE,
 * LIST_INSTANCE.
 */
#define PROTO_VERSION_MIN	1
#define PROTO_VERSION_MAX	4
#define PROTO_VERSION		PROTO_VERSION_MAX	/* the newest */
#define PROTO_PORT		5315
#define PROTO_HDR_LEN		8
#define PROTO_MAX_BODY		65536	/* a larger length drops the peer */
#define PROTO_MAX_FRAME		(PROTO_HDR_LEN + PROTO_MAX_BODY)
#define PROTO_MAX_ARGS		256	/* argv entries in START / LIST_ENTRY */
#define PROTO_MAX_ARG		4096	/* bytes in one argv entry */
#define PROTO_MAX_TEXT		1024	/* ERROR text, HELLO agent */
#define PROTO_MAX_OUTPUT	16384	/* data bytes in one OUTPUT frame */
#define PROTO_MAX_PEER		64	/* LIST_MANAGER peer: "[v6]:port" */
#define PROTO_MAX_INSTANCE	64	/* instance name: [A-Za-z0-9._-] */
#define PROTO_MAX_STOP_TIMEOUT	86400	/* STOP: seconds before SIGKILL */
/*
 * An encoded argv (count and strings) in any frame.  It leaves room in one
 * body for the fixed fields that SHIM_HELLO and LIST_ENTRY carry beside
 * it, so that every START the server accepts can be echoed back whole.
 * An instance name's bytes count toward it too (START_INSTANCE, STOP,
 * STATUS), so that a STOP can name every service a START can make.
 */
#define PROTO_MAX_ARGV_BYTES	(PROTO_MAX_BODY - 64)

enum proto_type {
	/* 1xx: session */
	MSG_HELLO		= 100,
	MSG_HEARTBEAT		= 101,
	MSG_HEARTBEAT_ACK	= 102,
	MSG_ERROR		= 103,
	/* 2xx: services */
	MSG_START		= 200,
	MSG_ATTACH		= 201,
	MSG_STARTED		= 202,
	MSG_OUTPUT		= 203,
	MSG_EXIT		= 204,
	MSG_DETACH		= 205,
	MSG_EXIT_ACK		= 206,	/* manager: EXIT received */
	/* version 4 */
	MSG_STOP		= 207,	/* manager: stop a service */
	MSG_STATUS		= 208,	/* manager: how is a service? */
	MSG_STATUS_REPLY	= 209,	/* server: answer to STATUS or STOP */
	MSG_STOPPED		= 210,	/* server: before EXIT, stopped by whom */
	MSG_START_INSTANCE	= 211,	/* manager: START with an instance */
	/* 3xx: admin */
	MSG_LIST		= 300,
	MSG_LIST_ENTRY		= 301,
	MSG_LIST_END		= 302,
	MSG_LIST_MANAGER	= 303,	/* after a LIST_ENTRY: one attached */
	MSG_LIST_LEFT		= 304,	/* after a LIST_ENTRY: what its ended
					   service left running */
	MSG_LIST_INSTANCE	= 305,	/* after a LIST_ENTRY (version 4):
					   its service's instance name */
	/* 4xx: cmappserver <-> cmapp-shim (also OUTPUT, EXIT, ERROR) */
	MSG_SHIM_HELLO		= 400,	/* shim: who and how it is */
	MSG_SHIM_RELEASE	= 401,	/* server: status delivered, go */
	MSG_SHIM_SIGNAL		= 402,	/* server: signal the process group */
	MSG_SHIM_LEFT		= 403,	/* shim (link version 3): processes
					   left by the ended service */
	MSG_SHIM_VERSION	= 404,	/* server (to a shim of link version
					   3 or later): the version it reads */
};

/* ERROR codes */
enum proto_err {
	PERR_VERSION	= 1,	/* protocol version not spoken */
	PERR_BADMSG	= 2,	/* malformed or unexpected frame */
	PERR_LIMIT	= 3,	/* max_processes reached */
	PERR_EXEC	= 4,	/* the command could not be executed */
	PERR_NORUN	= 5,	/* ATTACH to a run the server does not know */
	PERR_DENIED	= 6,	/* refused by the server's policy */
	PERR_INTERNAL	= 7,
};

enum proto_started_how {
	STARTED_LAUNCHED	= 0,	/* a new process was launched */
	STARTED_ATTACHED	= 1,	/* attached to the running one */
	STARTED_EXITED		= 2,	/* it had ended; an EXIT follows */
};

enum proto_exit_how {
	EXIT_CODE	= 0,	/* value is the exit code, 0..255 */
	EXIT_SIGNAL	= 1,	/* value is the signal number */
};

enum proto_stream {
	STREAM_STDOUT	= 1,
	STREAM_STDERR	= 2,
	STREAM_HOSTLOG	= 3,	/* log records for a file on the VM host */
};

enum proto_left_where {
	LEFT_PGRP	= 0,	/* counted in the service's process group */
	LEFT_CGROUP	= 1,	/* ... in its cgroup (which also holds those
				   that left the group) */
};

enum proto_run_state {
	RUN_RUNNING	= 0,
	RUN_EXITED	= 1,	/* ended, status kept until delivered */
	RUN_DELIVERED	= 2,	/* ended, status delivered, kept for late re-attach */
	RUN_STARTING	= 3,	/* SHIM_HELLO only (link version 2): its exec
				   has not returned yet */
};

/* STATUS_REPLY: what the server has for a service identity. */
enum proto_status {
	STATUS_NONE	= 0,	/* not running, no status kept */
	STATUS_STARTING	= 1,	/* being launched: its exec not done */
	STATUS_RUNNING	= 2,
	STATUS_ENDED	= 3,	/* ended while unwatched: status kept */
};

/* A string inside a frame: not NUL-terminated, points into the buffer. */
struct proto_str {
	const uint8_t	*p;
	uint16_t	 len;
};

struct proto_hdr {
	uint32_t	len;	/* body length */
	uint16_t	type;
};

struct proto_msg {
	uint16_t	type;
	union {
		struct { uint16_t version; struct proto_str agent; } hello;
		struct { uint64_t seq; } heartbeat;	/* and HEARTBEAT_ACK */
		struct { uint16_t code; struct proto_str text; } error;
		/*
		 * A service identity: START (instance empty),
		 * START_INSTANCE, STATUS, STOP (timeout: STOP only).
		 */
		struct {
			uint16_t		argc;
			struct proto_str	argv[PROTO_MAX_ARGS];
			struct proto_str	instance; /* may be empty */
			uint32_t		timeout;  /* s before SIGKILL */
		} start;
		/* also DETACH, EXIT_ACK, SHIM_RELEASE */
		struct { uint64_t run_id; } attach;
		struct { uint64_t run_id; uint32_t pid; uint8_t how; } started;
		struct {
			uint64_t		run_id;
			uint8_t			stream;
			struct proto_str	data;
		} output;
		struct { uint64_t run_id; uint8_t how; int32_t value; } exit;
		struct {
			uint64_t		run_id;
			uint32_t		pid;
			uint8_t			state;	/* enum proto_run_state */
			uint8_t			exit_how;
			int32_t			exit_value;
			uint64_t		since;	/* unix time: start or end */
			uint16_t		managers;
			uint16_t		argc;
			struct proto_str	argv[PROTO_MAX_ARGS];
		} entry;
		struct { uint16_t count; } list_end;
		struct {
			uint64_t		run_id;	/* its LIST_ENTRY's */
			uint64_t		since;	/* unix time: attached */
			struct proto_str	peer;	/* "addr:port" */
		} manager;
		struct {
			uint16_t		version;	/* SHIM_LINK_VERSION */
			uint64_t		run_id;
			uint32_t		pid;
			uint8_t			state;	/* RUNNING or EXITED */
			uint8_t			exit_how;
			int32_t			exit_value;
			uint64_t		started;	/* unix time */
			uint64_t		ended;		/* 0: running */
			uint16_t		argc;
			struct proto_str	argv[PROTO_MAX_ARGS];
		} shim;
		struct { uint64_t run_id; int32_t sig; } signal; /* SHIM_SIGNAL */
		/* SHIM_LEFT and LIST_LEFT */
		struct {
			uint64_t		run_id;
			uint32_t		count;
			uint8_t			where;	/* proto_left_where */
		} left;
		struct { uint16_t version; } shim_version; /* SHIM_VERSION */
		struct {
			uint64_t		run_id;	/* 0 with STATUS_NONE */
			uint32_t		pid;	/* 0 unless running */
			uint8_t			state;	/* enum proto_status */
			uint8_t			exit_how;   /* STATUS_ENDED */
			int32_t			exit_value; /* only, else 0 */
		} status;				/* STATUS_REPLY */
		struct {
			uint64_t		run_id;
			struct proto_str	who;	/* printable */
		} stopped;				/* STOPPED */
		struct {
			uint64_t		run_id;	/* its LIST_ENTRY's */
			struct proto_str	name;	/* not empty */
		} instance;				/* LIST_INSTANCE */
	} u;
};

/*
 * proto_decode_header: 0 and *h filled when buf holds a whole header;
 * -EAGAIN when fewer than PROTO_HDR_LEN bytes; -EMSGSIZE when the body length
 * exceeds PROTO_MAX_BODY (*h is filled, so the length can be logged);
 * -EPROTO when the reserved field is not zero.
 */
int	proto_decode_header(const uint8_t *buf, size_t len, struct proto_hdr *h);

/*
 * proto_decode: decodes one body of the given type.  Strings in *m point
 * into body.  0 on success; -ENOTSUP for an unknown type; -EBADMSG when the
 * body does not have exactly the layout of its type or breaks a limit.
 */
int	proto_decode(uint16_t type, const uint8_t *body, size_t len,
	    struct proto_msg *m);

/*
 * proto_take: the next frame of a byte stream, as every reader of a stream
 * (a TLS session, the shim link) reassembles it.  Returns 0 while buf holds
 * less than a whole frame; the frame's length (header and body, at most
 * PROTO_HDR_LEN + max_body) when it decoded the frame into *m, whose
 * strings point into buf; or -errno when the frame is refused, and with it
 * the stream (only a reader that passes over frames longer than its small
 * max_body, as -stop_all, goes on after -EMSGSIZE, by the length in *h):
 *   -EMSGSIZE	the body length exceeds max_body (a reader with a small
 *		buffer passes less than PROTO_MAX_BODY; more counts as
 *		PROTO_MAX_BODY)
 *   -EPROTO	the header is malformed (its reserved field is not zero)
 *   -ENOTSUP	the type is unknown
 *   -EBADMSG	the body does not have the layout of its type
 * The header is judged as soon as its 8 bytes are in, before the body.
 * h, when not NULL, receives the header as soon as buf holds one, also
 * when 0 or an error is returned.  why, when not NULL, receives on an error
 * the reason worded for a log line and an ERROR frame (cut to whylen).
 */
ssize_t	proto_take(const uint8_t *buf, size_t len, size_t max_body,
	    struct proto_hdr *h, struct proto_msg *m, char *why, size_t whylen);

/*
 * proto_encode: writes header and body of *m into buf.  Returns the frame
 * length, -EMSGSIZE when it does not fit cap or breaks a limit, -EINVAL for
 * an unknown type or an invalid field.
 */
ssize_t	proto_encode(const struct proto_msg *m, uint8_t *buf, size_t cap);

const char *proto_type_name(uint16_t type);

/*
 * proto_has: 1 when version (a settled TCP protocol version) has the
 * message type, 0 when a peer of that version does not know it (or the
 * type is unknown).  The 4xx types belong to the shim link, which has a
 * version of its own (SHIM_LINK_VERSION): they count as in every version.
 */
int	proto_has(uint16_t version, uint16_t type);
/* proto_since: the oldest version that has the type (0: unknown type). */
uint16_t proto_since(uint16_t type);

/*
 * proto_settle: the server's side of HELLO.  A manager says the newest
 * version it speaks; the session speaks the highest both speak.  0 and
 * *out = min(peer_newest, PROTO_VERSION_MAX) when that is at least
 * PROTO_VERSION_MIN; -EPROTONOSUPPORT when the manager is too old.
 */
int	proto_settle(uint16_t peer_newest, uint16_t *out);

/*
 * proto_settled: the manager's side.  1 when the server's HELLO answer to
 * our HELLO of version offered is one we speak and no newer than offered;
 * 0 when the server is broken or too old (then drop it).
 */
int	proto_settled(uint16_t offered, uint16_t answer);

/*
 * The two messages every part builds: HELLO, and ERROR with its text cut
 * at PROTO_MAX_TEXT (agent likewise).  The strings are not copied: they
 * must live until the message is encoded.
 */
void	proto_hello(struct proto_msg *, uint16_t version, const char *agent);
/*
 * proto_instance_ok: 0 when name (len bytes) may be an instance name:
 * 0..PROTO_MAX_INSTANCE bytes of [A-Za-z0-9._-] (empty: no instance);
 * -EINVAL or -EMSGSIZE otherwise.  The same rule the codec applies.
 */
int	proto_instance_ok(const uint8_t *name, size_t len);
void	proto_error(struct proto_msg *, uint16_t code, const char *text);

#endif
