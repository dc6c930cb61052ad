/* SPDX-License-Identifier: ISC */
/*
 * plugin.h: the interface between the monitors' runner (runner.c) and a
 * probe.  A probe is a shared object NAME.so that exports one descriptor,
 * cmapp_probe; the runner installed as cmapp_NAME_mon loads it (see runner.h
 * for where from) and owns everything else: the poll loop, each step's
 * deadline, the log levels and files, syslog and the exit codes.
 *
 * Each target (a disk, a LAN) gets a worker process of its own, forked after
 * init: step() runs there and may block; the runner gives it timeout_ms and
 * reports the target as failed when it has not answered by then.  Results and
 * messages come back as struct cmapp_result; a probe never logs by itself.
 *
 * Change anything below and bump CMAPP_PLUGIN_ABI: the runner refuses a
 * probe built against another version.
 */
#ifndef CMAPP_PLUGIN_H
#define CMAPP_PLUGIN_H

#define CMAPP_PLUGIN_ABI	1
#define CMAPP_MSG_MAX		512

enum cmapp_status {
	CMAPP_OK,	/* carry on; msg (if any) is logged at its priority */
	CMAPP_FAIL,	/* the monitored LAN or disk failed: exit 1 */
	CMAPP_USAGE,	/* a bad command line, from any call (a step may
			   find a DISK is a FIFO): usage on stderr, exit 2 */
	CMAPP_ERROR,	/* the monitor itself cannot work: exit 3 */
	CMAPP_SHOW_HELP,	/* from parse_args only: help on stdout, exit 0 */
	CMAPP_SHOW_VERSION, /* from parse_args only: version on stdout, exit 0 */
};

struct cmapp_result {
	int	status;			/* enum cmapp_status */
	int	priority;		/* syslog priority of msg */
	char	msg[CMAPP_MSG_MAX];	/* "" when there is nothing to say */
};

/* What parse_args tells the runner; the runner sets defaults first. */
struct cmapp_config {
	unsigned	 interval_ms;	/* from one poll's start to the next */
	unsigned	 timeout_ms;	/* bound on one step of one target */
	int		 log_max;	/* log records up to this priority */
	const char	*guest_log;	/* a file in the guest, or NULL */
	const char	*host_log;	/* a file on the VM host, or NULL */
};

struct cmapp_probe {
	unsigned	 abi;		/* CMAPP_PLUGIN_ABI */
	const char	*name;		/* "net" for cmapp_net_mon */
	const char	*usage;		/* synopsis: "usage: cmapp_net_mon ..." */
	const char	*help;		/* what each option means */
	const char	*step_name;	/* "read": "DISK: read not done ..." */
	/* argv[0] is the command; *state is the probe's, freed by fini. */
	void		(*parse_args)(int argc, char **argv,
			    struct cmapp_config *cfg, void **state,
			    struct cmapp_result *r);
	/* Sets up what the steps need, in the runner's process before any
	 * worker, with no deadline: it must not block, so nothing here may
	 * touch a target that can hang (a step does, under its bound). */
	void		(*init)(void *state, unsigned *ntargets,
			    struct cmapp_result *r);
	/* The name of target i (< ntargets), for the runner's messages. */
	const char	*(*target)(void *state, unsigned i);
	/* One probe of target i, in its worker: may block. */
	void		(*step)(void *state, unsigned i, struct cmapp_result *r);
	void		(*fini)(void *state);	/* state may be NULL */
};

#endif
