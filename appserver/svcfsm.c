/* SPDX-License-Identifier: ISC */
/*
 * svcfsm.c: the table of a supervised service's life cycle (svcfsm.h).
 * Each cell names what supervise.c does and the state it moves to; an
 * empty cell is an event the state does not expect, which sup_event()
 * logs and refuses (from a shim, the link is then dropped as before).
 *
 * Reading it: the hellos come from the shim, as its SHIM_HELLO's state
 * says; a LAUNCHING service takes only "running" (its exec worked), an
 * ADOPTING one takes each, as a previous server left it ("delivered":
 * an ended run's shim that the previous server released while processes
 * it left still ran, its socket RUN_ID.left).  GONE means the
 * service was forgotten and freed: whoever was attached got an ERROR
 * first.  EXPIRE is the 24 h / 10 min sweep or KEEP_MAX.
 *
 * STOP is a manager's STOP (protocol version 4, `cmappmgr -stop`),
 * through sup_stop().  A live service's process group gets SIGTERM
 * through the shim's SHIM_SIGNAL and the state stays until its EXIT (or,
 * launching, its hello or launch ERROR); STOP_TIMER is then its SIGKILL
 * time, and after that how long its end is waited for.  An ended one's
 * kept status goes to the requester (its EXIT_ACK delivers it, as any
 * manager's), a delivered one is not running; either's SIGTERM reaches
 * what it left in its group or cgroup, if anything.  An adopting service
 * is not known yet: refused (STOPs wait for the adoption as STARTs do).
 * A stopped service that ended but left processes in its group (a child
 * that ignores SIGTERM) keeps its STOP_TIMER: the SIGKILL reaches them,
 * and its requesters wait for their end (supervise.c, stop_answer).  So
 * does a STOP of an ended one that left some (act_stop_late).
 */
#include <errno.h>

#include "svcfsm.h"

#define C(a, n)	{ SV_A_##a, SV_##n }

static const struct cell {
	unsigned char	act, next;
} table[SV_NSTATES][SV_NEVENTS] = {
	[SV_LAUNCHING] = {
		[SV_EV_HELLO_RUNNING]	= C(STARTED, RUNNING),
		[SV_EV_LAUNCH_ERROR]	= C(EXEC_FAILED, GONE),
		[SV_EV_OUTPUT]		= C(DISCARD, LAUNCHING),
		[SV_EV_ATTACH]		= C(WAIT, LAUNCHING),
		[SV_EV_LINK_LOST]	= C(LAUNCH_LOST, GONE),
		[SV_EV_SLOW]		= C(SLOW, LAUNCHING),
		[SV_EV_STOP]		= C(STOP, LAUNCHING),
		[SV_EV_STOP_TIMER]	= C(STOP_TIMER, LAUNCHING),
	},
	[SV_ADOPTING] = {
		[SV_EV_HELLO_RUNNING]	= C(ADOPT_RUNNING, RUNNING),
		[SV_EV_HELLO_STARTING]	= C(ADOPT_STARTING, LAUNCHING),
		[SV_EV_HELLO_EXITED]	= C(ADOPT_EXITED, EXITED),
		[SV_EV_HELLO_DELIVERED]	= C(ADOPT_EXITED, DELIVERED),
		[SV_EV_OUTPUT]		= C(DISCARD, ADOPTING),
		[SV_EV_ATTACH]		= C(WAIT, ADOPTING),
		[SV_EV_LINK_LOST]	= C(ADOPT_LOST, GONE),
		[SV_EV_ADOPT_TIMEOUT]	= C(ADOPT_GIVE_UP, GONE),
	},
	[SV_RUNNING] = {
		[SV_EV_OUTPUT]		= C(OUTPUT, RUNNING),
		[SV_EV_EXIT]		= C(EXITED, EXITED),
		[SV_EV_ATTACH]		= C(JOIN, RUNNING),
		[SV_EV_LINK_LOST]	= C(RUN_LOST, GONE),
		[SV_EV_STOP]		= C(STOP, RUNNING),
		[SV_EV_STOP_TIMER]	= C(STOP_TIMER, RUNNING),
	},
	[SV_EXITED] = {
		[SV_EV_OUTPUT]		= C(DISCARD, EXITED),
		[SV_EV_ATTACH]		= C(SEND_STATUS, EXITED),
		[SV_EV_ACK]		= C(DELIVER, DELIVERED),
		[SV_EV_LINK_LOST]	= C(KEEP, EXITED),
		[SV_EV_EXPIRE]		= C(FORGET_KEPT, GONE),
		[SV_EV_STOP]		= C(STOP_KEPT, EXITED),
		/* A stop's SIGKILL for what the service left. */
		[SV_EV_STOP_TIMER]	= C(STOP_TIMER, EXITED),
	},
	[SV_DELIVERED] = {
		[SV_EV_OUTPUT]		= C(DISCARD, DELIVERED),
		[SV_EV_ATTACH]		= C(SEND_STATUS, DELIVERED),
		/* Another manager's, told the same EXIT. */
		[SV_EV_ACK]		= C(NONE, DELIVERED),
		/* Released: the shim's normal end. */
		[SV_EV_LINK_LOST]	= C(NONE, DELIVERED),
		[SV_EV_EXPIRE]		= C(FORGET_DELIVERED, GONE),
		[SV_EV_STOP]		= C(STOP_NONE, DELIVERED),
		[SV_EV_STOP_TIMER]	= C(STOP_TIMER, DELIVERED),
	},
	/* SV_GONE expects nothing. */
};

int
svcfsm_next(enum sv_state st, enum sv_event ev, enum sv_action *act,
    enum sv_state *next)
{
	const struct cell	*c;

	if ((unsigned)st >= SV_NSTATES || (unsigned)ev >= SV_NEVENTS)
		return -EPERM;
	c = &table[st][ev];
	if (c->act == SV_A_REFUSE)
		return -EPERM;
	*act = (enum sv_action)c->act;
	*next = (enum sv_state)c->next;
	return 0;
}

const char *
svcfsm_state_name(enum sv_state st)
{
	static const char *const names[] = {
		"LAUNCHING", "ADOPTING", "RUNNING", "EXITED", "DELIVERED",
		"GONE"
	};

	_Static_assert(sizeof(names) / sizeof(names[0]) == SV_NSTATES,
	    "a name for each");
	return (unsigned)st < SV_NSTATES ? names[st] : "?";
}

const char *
svcfsm_event_name(enum sv_event ev)
{
	static const char *const names[] = {
		"HELLO(running)", "HELLO(starting)", "HELLO(exited)",
		"HELLO(delivered)", "launch ERROR", "OUTPUT", "EXIT", "ATTACH", "EXIT_ACK",
		"LINK LOST", "SLOW", "EXPIRE", "ADOPT TIMEOUT", "STOP",
		"STOP TIMER"
	};

	_Static_assert(sizeof(names) / sizeof(names[0]) == SV_NEVENTS,
	    "a name for each");
	return (unsigned)ev < SV_NEVENTS ? names[ev] : "?";
}

const char *
svcfsm_action_name(enum sv_action a)
{
	static const char *const names[] = {
		"refuse", "none", "started", "adopt running", "adopt starting",
		"adopt exited", "exec failed", "output", "discard", "exited",
		"wait", "join", "send status", "deliver", "launch lost",
		"adopt lost", "run lost", "keep", "slow", "forget kept",
		"forget delivered", "adopt give up", "stop", "stop kept",
		"stop none", "stop timer"
	};

	_Static_assert(sizeof(names) / sizeof(names[0]) == SV_NACTIONS,
	    "a name for each");
	return (unsigned)a < SV_NACTIONS ? names[a] : "?";
}
