/* SPDX-License-Identifier: ISC */
/*
 * appserver.h: cmappserver's one context struct and the interface between
 * its parts: main.c (start-up), server.c (listener and manager sessions),
 * supervise.c (the supervised services and their state machine, whose
 * table is svcfsm.c).  supervise.c reaches the sessions only through the
 * struct sup_ops that server.c registers.
 */
#ifndef CMAPP_APPSERVER_H
#define CMAPP_APPSERVER_H

#include <limits.h>
#include <stdint.h>
#include <sys/queue.h>
#include <time.h>
#include <uv.h>
#include <openssl/ssl.h>

#include "conf.h"
#include "conn.h"
#include "proto.h"

#define SERVER_MAX_CONNS	256	/* concurrent connections, or
					   2 x max_processes + 64 if more */
#define SERVER_MAX_PEER_PENDING	64	/* per IPv4 address or IPv6 /64,
					   before HELLO: a host
					   starting all its services at once
					   stays well under it */
#define SERVER_HANDSHAKE_MS	4000	/* TLS handshake and HELLO: a whole
					   manager run takes 50-300 ms on a
					   loaded test VM, 0.15-0.45 s with
					   the server under valgrind */
#define SERVER_ACCEPT_TURN	16	/* accepts per loop turn: the
					   sessions are served between */
#define SERVER_ACCEPT_PAUSE_MS	100	/* out of descriptors: wait */
#define FLOOD_LOG_MS		10000	/* refusals, evictions: a line per
					   peer per interval */
#define FLOOD_LOG_PEERS		16	/* peers named; the rest summed */
#define SERVER_IDLE_MS		60000	/* no frame from a manager */
#define SERVER_OUT_HIGH		(1024 * 1024)	/* queued bytes per manager */
#define KEEP_MAX		64	/* ended services kept */
#define KEEP_UNDELIVERED_S	86400	/* status nobody has collected */
#define KEEP_DELIVERED_S	600	/* for a late re-attach by run id */
#define SWEEP_MS		30000
#define ORPHAN_MAX		32	/* cgroups of dead shims retried */
#define ORPHAN_RETRY_MS		200	/* ... so often, */
#define ORPHAN_TRIES		10	/* ... so many times */
#define SUP_ADOPT_MS		60000	/* for a previous server's shims to
					   answer; STARTs wait meanwhile */
#define TRIM_DELAY_MS		1000	/* after the last connection, or
					   the count fell to a quarter of
					   its peak */
#define TRIM_PEAK_MIN		32	/* a peak worth trimming after */
#define STOP_KILL_WAIT_S	10	/* a STOP waits this long for the end
					   after SIGKILL, then says so */

struct service;
struct sup_ops;
LIST_HEAD(session_list, session);

struct session {
	LIST_ENTRY(session)	 link;
	LIST_ENTRY(session)	 svc_link;	/* in sup_sessions(svc) */
	struct server		*srv;
	struct conn		*conn;
	struct service		*svc;		/* attached to, or NULL */
	struct service		*stop_svc;	/* its STOP waits for, or NULL
						   (in sup_stoppers(), by
						   svc_link) */
	time_t			 attached;	/* to svc, unix time */
	int			 launched;	/* its START launched svc */
	int			 reattached;	/* to svc by run id (ATTACH) */
	uint64_t		 exit_run;	/* the run whose EXIT it got */
	char			**deferred;	/* a request held while adopting:
						   its argv, */
	uint16_t		 deferred_type;	/* START, STATUS or STOP, */
	uint32_t		 deferred_timeout;	/* STOP's, */
	char			 deferred_instance[PROTO_MAX_INSTANCE + 1];
	int			 hello;		/* HELLO exchanged */
	int			 evicted;	/* closed to make room */
	char			 addr[64];	/* peer: IPv4 address, IPv6 /64 */
	uint64_t		 dropped;	/* output bytes not sent */
	uint64_t		 drop_unsaid;	/* ... not yet told to it */
	time_t			 drop_first, drop_last;	/* of those */
	uint64_t		 accepted;	/* loop time, ms */
	char			 peer[64];
	char			 who[PROTO_MAX_TEXT];	/* "AGENT at PEER", its
						   HELLO's agent filtered */
};

/* Connections refused or evicted from one peer in this FLOOD_LOG_MS. */
struct flood_peer {
	char			 addr[64];	/* as session.addr; "" free */
	unsigned long		 refused, evicted;
};

struct server {
	uv_loop_t		 loop;
	uv_tcp_t		 listener;	/* owns the socket; not listened
					   on by libuv, which would accept
					   until the queue is empty */
	uv_poll_t		 listen_poll;	/* we accept(2), a few a turn */
	int			 listen_fd;
	uv_timer_t		 accept_pause;	/* out of descriptors */
	uv_timer_t		 flood_log;
	struct flood_peer	 flood[FLOOD_LOG_PEERS + 1];	/* +1: others */
	unsigned		 peak_conns;	/* since the last trim */
	uv_signal_t		 sigterm, sigint;
	uv_signal_t		 sighup;	/* reload.c's */
	uv_timer_t		 certcheck;	/* reload.c's, daily */
	uv_timer_t		 sweep, trim, adopt;
	uv_timer_t		 orphans;	/* supervise.c's drop_dead */
	struct {
		uint64_t	 run_id;
		unsigned	 tries;
	}			 orphan[ORPHAN_MAX];
	unsigned		 n_orphans;
	SSL_CTX			*ctx;
	struct conf		 conf;
	char			 conf_path[PATH_MAX];	/* -conf, absolute;
							   "": the default */
	const char		*listen_arg;	/* -listen, or NULL */
	long			 port_arg;	/* -port, or 0 */
	const struct sup_ops	*sup_ops;	/* server.c's, for supervise.c */
	unsigned		 n_conns;
	unsigned		 max_conns;
	unsigned long		 refused_conns;
	unsigned		 n_evicting;	/* evicted, not yet closed */
	LIST_HEAD(, session)	 sessions;
	TAILQ_HEAD(, service)	 services;
	unsigned		 n_running;	/* live: counts to max_processes */
	unsigned		 n_kept;	/* ended, status kept */
	unsigned		 n_adopting;	/* shims yet to say hello */
	int			 adopting;	/* STARTs are held */
	char			 rundir[PATH_MAX];	/* the shims' sockets */
	char			 shim_path[PATH_MAX];
	char			 readbuf[PROTO_MAX_OUTPUT];	/* from the shims */
};

/*
 * What supervise.c tells the sessions, never touching one itself: the
 * sessions attached to a service are the list sup_sessions(service).
 */
struct sup_ops {
	/* sess attaches to s (its STARTED comes from started()). */
	void	 (*join)(struct server *, struct service *, struct session *sess,
		    int launched);
	/* STARTED to sess, or to every session attached to s if sess is
	 * NULL; if s has ended, its EXIT follows and they are detached. */
	void	 (*started)(struct server *, struct service *,
		    struct session *sess);
	void	 (*output)(struct server *, struct service *, uint8_t stream,
		    const char *data, size_t len);
	/* EXIT to the sessions attached to s, which are detached, and to
	 * its stoppers unless hold_stoppers: how many were told.  who: s
	 * was stopped on request by who, and sessions of version 4 or later
	 * get STOPPED first. */
	unsigned (*exited)(struct server *, struct service *,
		    const char *who, int hold_stoppers);
	/* The answer to sess's STOP of s: STATUS_REPLY of s as it is;
	 * live: sess waits among its stoppers; ended, status kept: its
	 * EXIT follows. */
	void	 (*stopping)(struct server *, struct service *,
		    struct session *sess);
	/* ERROR text to the stoppers of s, which are closed. */
	void	 (*stop_failed)(struct server *, struct service *,
		    const char *text);
	/* ERROR to the sessions attached to s and to its stoppers, which
	 * are detached and closed. */
	void	 (*error)(struct server *, struct service *, uint16_t code,
		    const char *text);
	/* LIST_MANAGER to lister, one for each session attached to s. */
	void	 (*list_managers)(struct server *, struct service *,
		    struct session *lister);
	/* Adoption is over: the STARTs held meanwhile go on. */
	void	 (*adopted)(struct server *);
};

/* server.c */
/* Registers server.c's sup_ops: sup_init. */
void	server_init(struct server *);
int	server_listen(struct server *, int fd);
/* max_conns from the conf's max_processes. */
void	server_set_caps(struct server *);
void	server_stop(struct server *);

/*
 * reload.c: the conf and key files, read at start-up and on SIGHUP.
 * reload_read reads the conf file (-conf's, the default one, or none) into
 * c and builds ctx from its key files: 0, or -errno with the reason, naming
 * the file, in err and nothing kept.  reload_where: the address (NULL: all)
 * and port listened on with conf c and the command line.  reload_init
 * starts the daily certificate check and the SIGHUP handler, which calls
 * reload: 0, or -errno with the conf and keys in use kept, and logged why.
 */
int	reload_read(const struct server *, struct conf *c, SSL_CTX **ctx,
	    char *err, size_t errlen);
void	reload_where(const struct server *, const struct conf *c,
	    const char **listen, long *port);
void	reload_init(struct server *);
int	reload(struct server *);

/* stopall.c: cmappserver -stop_all [-drop_kept] (drop: release the shims
 * that keep a status); the exit status of the command. */
int	stop_all(const char *rundir, int grace_s, int drop);

/* supervise.c */
void	sup_init(struct server *, const struct sup_ops *);
/* Stopping: what waits for a retry is tried a last time. */
void	sup_fini(struct server *);
/*
 * Connects to the shims a previous cmappserver left; they are known once
 * each has said hello (ops->adopted is called then).  0 or -errno.
 */
int	sup_adopt(struct server *);
unsigned sup_adopting(const struct server *);
/* The service of identity (argv, instance), instance "" for none, not
 * yet delivered. */
struct service *sup_find_argv(struct server *, char *const *argv,
	    const char *instance);
/* One whose status was delivered: what it left may still run. */
struct service *sup_find_delivered(struct server *, char *const *argv,
	    const char *instance);
struct service *sup_find_run(struct server *, uint64_t run_id);
/* Takes argv; *out waits for its shim's hello.  0, or -errno with the
 * reason in err. */
int	sup_launch(struct server *, char **argv, const char *instance,
	    struct service **, char *err, size_t errlen);
/* A manager attaches: answers STARTED (and EXIT if it had ended), now or
 * once the service's shim has said hello. */
void	sup_attach(struct server *, struct service *, struct session *,
	    int launched);
/* A manager acknowledged the EXIT of run_id. */
void	sup_ack(struct server *, struct session *, uint64_t run_id);
/* sess's STOP (svcfsm.c, STOP): answered through ops->stopping; live,
 * SIGTERM to the service's process group (and cgroup), SIGKILL after
 * timeout_s, its EXIT to follow; ended, SIGTERM to what it left there,
 * and SIGKILL after timeout_s, its EXIT once they ended.
 * 0, or -EPERM where the state does not take it (adopting). */
int	sup_stop(struct server *, struct service *, struct session *sess,
	    uint32_t timeout_s);
/* STATUS_REPLY for s, which may be NULL (none); to a STOP. */
void	sup_fill_status(const struct service *, struct proto_msg *);
void	sup_fill_stop_reply(const struct service *, struct proto_msg *);
/* A STOP's requesters wait for what s left. */
int	sup_stop_holds(const struct service *);
/* The sessions attached to the service; those whose STOP waits. */
struct session_list *sup_sessions(struct service *);
struct session_list *sup_stoppers(struct service *);
void	sup_list(struct server *, struct session *);
const char *sup_display(const struct service *);
uint64_t sup_run_id(const struct service *);
/* Who stopped s on request, once it has ended so; else NULL. */
const char *sup_stopped_by(const struct service *);
void	sup_fill_exit(const struct service *, struct proto_msg *);
void	sup_fill_started(const struct service *, struct proto_msg *,
	    int launched);

#endif
