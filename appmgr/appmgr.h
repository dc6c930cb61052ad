/* SPDX-License-Identifier: ISC */
/*
 * appmgr.h: cmappmgr's one context struct, shared by main.c (command line,
 * conf, keys) and manager.c (the connect, start, watch loop).
 */
#ifndef CMAPP_APPMGR_H
#define CMAPP_APPMGR_H

#include <stdint.h>
#include <uv.h>
#include <openssl/ssl.h>

#include "conf.h"
#include "conn.h"
#include "hostlog.h"
#include "vis.h"

#define MGR_DEFAULT_TIMEOUT	10	/* s; cmdeployvpkg's default too */
#define MGR_MAX_TIMEOUT		86400
#define MGR_RETRY_MIN_MS	100
#define MGR_RETRY_MAX_MS	2000
#define MGR_ADDR_MS		3000	/* to connect, per attempt */
#define MGR_ADDR_TLS_MS		5000	/* then the TLS handshake, when a node
					 * has several addresses: the
					 * server's own deadline is 4 s */
#define MGR_PROGRESS_MS		60000	/* a waiting cmappmgr says so, after
					   10 s, 30 s, then every minute */
#define MGR_HB_MIN_MS		250
#define MGR_HB_MAX_MS		15000	/* well under SERVER_IDLE_MS */
#define MGR_LINE_MAX		4096	/* a longer output line is split */
#define MGR_ACK_WAIT_MS		1000	/* for the server to close after our
					   EXIT_ACK: then it was read */
#define MGR_OUTFILE_LINE	1024	/* the line of a ready or exit file */
#define MGR_STOP_DEFAULT	10	/* s of -stop_timeout, as -stop_all's */
#define MGR_KILL_WAIT_S		10	/* s the guest waits after SIGKILL
					   (docs/protocol.md, STOP) */

/* -status and -stop exit codes: OCF's where it has one. */
#define MGR_EXIT_OK		0	/* running; stopped or not running */
#define MGR_EXIT_FAIL		1	/* the guest could not be asked */
#define MGR_EXIT_NOT_RUNNING	7	/* OCF_NOT_RUNNING */
#define MGR_EXIT_ENDED		10	/* ended unwatched, status kept */

enum mgr_phase {
	PH_CONNECTING,	/* resolving, connecting, TLS handshake */
	PH_HELLO,	/* HELLO sent */
	PH_STARTING,	/* START or ATTACH sent */
	PH_WATCHING,	/* STARTED received: waiting for EXIT */
	PH_DONE,	/* EXIT_ACK sent: waiting for the server's close */
};

struct linebuf {
	size_t	len;
	char	buf[MGR_LINE_MAX];
};

struct mgr {
	uv_loop_t		 loop;
	uv_timer_t		 deadline, heartbeat, retry;
	uv_timer_t		 certcheck;	/* daily, while watching */
	uv_signal_t		 sigterm, sigint, sighup;
	uv_getaddrinfo_t	 gai;
	struct addrinfo		*addrs, *next;
	struct addrinfo		*cur;		/* the address being tried */
	int			 conn_up;	/* m->conn got to HELLO */
	uint64_t		 up_t;		/* uv_now then */
	SSL_CTX			*ctx;
	struct conn		*conn;
	enum mgr_phase		 phase;
	const struct conn_ops	*ops;		/* the dialer's connections' */
	void			*ops_data;

	const char		*node;
	char			 port[8];
	unsigned		 timeout_s;
	char			**argv;		/* the service */
	char			 display[256];
	char			 label[128];	/* prefix of output lines */
	const char		*key_path, *trust_path;

	int			 have_run;	/* STARTED seen once */
	uint64_t		 run_id;
	uint32_t		 pid;
	int			 exit_code;	/* ours, once PH_DONE */
	uint64_t		 hb_seq;
	unsigned		 retry_ms;
	int			 ever_connected;
	uv_timer_t		 progress;	/* the first wait's lines */
	uint64_t		 dial_t0;	/* uv_now at dial_start */
	int			 said_waiting;	/* its first line said */
	uint16_t		 version;	/* said in HELLO: our newest, or
						   our oldest once refused */
	char			 last_error[512];
	struct linebuf		 out[2];
	char			 last_err[256];	/* the service's, for syslog */
	struct hostlog		 hostlog;	/* a monitor's host-side log */

	const char		*ready_file;	/* -ready_file, or NULL */
	const char		*exit_file;	/* -exit_file, or NULL */
	int			 exit_written;
	const char		*instance;	/* -instance, or NULL */
	unsigned		 stop_timeout_s;
	char			 stopped_by[VIS_LEN(PROTO_MAX_TEXT)];
	int			 verb;		/* -status 1, -stop 2, -check 3,
						   else 0: how main says its
						   failures */
};

/*
 * outfile.c: outfile_write replaces path with one line (temp + rename),
 * filtered by vis.c; 0 or -errno.  outfile_check: 0 when it could, by
 * making and removing such a temporary file.  mgr_exit_file writes
 * -exit_file's line ("exit 3", "cmappmgr: REASON"), once: the first end
 * wins.
 */
int	outfile_write(const char *path, const char *line);
int	outfile_check(const char *path);
void	mgr_exit_file(struct mgr *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * dial.c: reaching cmappserver.  dial_start resolves m->node and connects
 * (m->conn) with ops and data, retrying with a backoff; the owner calls
 * dial_connected once the peer answered, dial_lost when a connection
 * failed or closed (it tries the next address, or again later), and words
 * a refused certificate, never retried, with dial_auth_text.
 */
void	dial_start(struct mgr *, const struct conn_ops *, void *data);
void	dial_connected(struct mgr *);
void	dial_lost(struct mgr *, const char *reason);
/* Whether a frame of type is an answer that re-arms the caller's
 * -cmappserver_timeout deadline. */
int	dial_heard(const struct mgr *, uint16_t type);
/* Why nothing was heard yet or any more, for a message: how far the
 * connection got, else the last attempt's error; unset the one given. */
const char *dial_why(const struct mgr *, const char *unset);
void	dial_auth_text(const struct mgr *, const char *reason, char *buf,
	    size_t cap);
/* The server's HELLO: 0 when it answered a version we speak, which
 * m->conn keeps; else -EPROTO, the reason in buf, and the server told so
 * with an ERROR. */
int	dial_hello_mismatch(struct mgr *, const struct proto_msg *hello,
	    char *buf, size_t cap);
/* The server's ERROR PERR_VERSION to our HELLO: 0 when the connection is
 * closed to try again with our oldest version (a server older than us
 * speaks only that); -EPROTO when that was refused too. */
int	dial_version_refused(struct mgr *);
/* Never pretend: -EPROTONOSUPPORT, with "the cmappserver on N speaks
 * protocol version V; WHAT needs W" in text, when the guest's settled
 * version lacks type; else 0. */
int	dial_too_old(const struct mgr *, uint16_t version, uint16_t type,
	    const char *what, char *text, size_t cap);

/* manager.c: runs until the service ends; returns the exit code. */
int	mgr_run(struct mgr *);
/* SIGTERM, SIGINT and SIGHUP held (1) from main's start until mgr_run's
 * handlers take them, or given back (0) to -status, -stop and -list. */
void	mgr_hold_signals(int hold);
/* m->display: the command as logs show it, and its instance if any. */
void	mgr_display(struct mgr *);
/* The service's identity (argv, -instance) into msg->u.start, as START,
 * START_INSTANCE, STATUS and STOP carry it. */
void	mgr_identity(const struct mgr *, struct proto_msg *msg);
/* verbs.c: -status (stop 0) or -stop (1) of m->argv; returns the exit
 * code (MGR_EXIT_*). */
int	mgr_verb(struct mgr *, int stop);
/* list.c: -list, prints the guest's services; returns the exit code.
 * flags: LIST_ALL (delivered runs too), LIST_JSON (JSON Lines). */
#define LIST_ALL	0x1
#define LIST_JSON	0x2
int	mgr_list(struct mgr *, int flags);

#endif
