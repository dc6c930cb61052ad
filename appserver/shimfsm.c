/* SPDX-License-Identifier: ISC */
/*
 * shimfsm.c: the table of cmapp-shim's life cycle (shimfsm.h).  Each cell
 * names what shim.c does and the state it moves to; an empty cell is an
 * event the state does not expect, which sh_event() logs and refuses (a
 * link that sent it is dropped, as for any bad frame).
 *
 * Reading it: the service is forked in LAUNCHING; its exec's result and
 * its death may come in either order (a child killed before its exec
 * closes the pipe too), hence LAUNCH_REAPED.  Its status is final once
 * its output is drained: EXIT goes out and the shim keeps the status
 * until a server releases it or SHIM_KEEP_S pass.  A shim asked to stop
 * passes the signal on to a live service and goes once the EXIT is out
 * (the _STOP states, then LEAVING) rather than keep the status for a
 * server that may never come: nothing holds up a guest's shutdown.  A
 * SHIM_SIGNAL reaches the service itself only while it is unreaped, so a
 * reused pid is never signalled; once reaped, it reaches what the service
 * left in its group or cgroup (shim.c, signal_service).  A shim released
 * while such processes run stays as their handle (LINGERING), for
 * -stop_all, until they end.
 */
#include <errno.h>

#include "shimfsm.h"

#define C(a, n)	{ SH_A_##a, SH_##n }

static const struct cell {
	unsigned char	act, next;
} table[SH_NSTATES][SH_NEVENTS] = {
	[SH_LAUNCHING] = {
		[SH_EV_EXEC_OK]		= C(HELLO, RUNNING),
		[SH_EV_EXEC_FAILED]	= C(EXEC_ERROR, FAILED),
		[SH_EV_REAPED]		= C(STATUS, LAUNCH_REAPED),
		[SH_EV_OUTPUT]		= C(FORWARD, LAUNCHING),
		[SH_EV_STOP]		= C(PASS_SIGNAL, LAUNCHING_STOP),
		[SH_EV_SIGNAL]		= C(PASS_SIGNAL, LAUNCHING),
	},
	[SH_LAUNCH_REAPED] = {
		[SH_EV_EXEC_OK]		= C(HELLO, DRAINING),
		[SH_EV_EXEC_FAILED]	= C(EXEC_ERROR, FAILED),
		[SH_EV_OUTPUT]		= C(FORWARD, LAUNCH_REAPED),
		[SH_EV_STOP]		= C(NONE, LAUNCH_REAPED_STOP),
		[SH_EV_SIGNAL]		= C(NONE, LAUNCH_REAPED),
	},
	[SH_RUNNING] = {
		[SH_EV_REAPED]		= C(STATUS, DRAINING),
		[SH_EV_OUTPUT]		= C(FORWARD, RUNNING),
		[SH_EV_STOP]		= C(PASS_SIGNAL, RUNNING_STOP),
		[SH_EV_SIGNAL]		= C(PASS_SIGNAL, RUNNING),
	},
	[SH_DRAINING] = {
		[SH_EV_DRAINED]		= C(FINISH, EXITED),
		[SH_EV_OUTPUT]		= C(FORWARD, DRAINING),
		[SH_EV_STOP]		= C(NONE, DRAINING_STOP),
		[SH_EV_SIGNAL]		= C(PASS_SIGNAL, DRAINING),
	},
	[SH_EXITED] = {
		[SH_EV_OUTPUT]		= C(DISCARD, EXITED),
		[SH_EV_STOP]		= C(LEAVE, LEAVING),
		[SH_EV_SIGNAL]		= C(PASS_SIGNAL, EXITED),
		[SH_EV_RELEASE]		= C(RELEASED, DONE),
		[SH_EV_RELEASE_LEFT]	= C(LINGER, LINGERING),
		[SH_EV_EMPTY]		= C(NONE, EXITED),
		[SH_EV_KEEP_EXPIRED]	= C(FORGET, DONE),
	},
	[SH_LAUNCHING_STOP] = {
		[SH_EV_EXEC_OK]		= C(HELLO, RUNNING_STOP),
		[SH_EV_EXEC_FAILED]	= C(EXEC_ERROR, FAILED),
		[SH_EV_REAPED]		= C(STATUS, LAUNCH_REAPED_STOP),
		[SH_EV_OUTPUT]		= C(FORWARD, LAUNCHING_STOP),
		[SH_EV_STOP]		= C(PASS_SIGNAL, LAUNCHING_STOP),
		[SH_EV_SIGNAL]		= C(PASS_SIGNAL, LAUNCHING_STOP),
	},
	[SH_LAUNCH_REAPED_STOP] = {
		[SH_EV_EXEC_OK]		= C(HELLO, DRAINING_STOP),
		[SH_EV_EXEC_FAILED]	= C(EXEC_ERROR, FAILED),
		[SH_EV_OUTPUT]		= C(FORWARD, LAUNCH_REAPED_STOP),
		[SH_EV_STOP]		= C(NONE, LAUNCH_REAPED_STOP),
		[SH_EV_SIGNAL]		= C(NONE, LAUNCH_REAPED_STOP),
	},
	[SH_RUNNING_STOP] = {
		[SH_EV_REAPED]		= C(STATUS, DRAINING_STOP),
		[SH_EV_OUTPUT]		= C(FORWARD, RUNNING_STOP),
		[SH_EV_STOP]		= C(PASS_SIGNAL, RUNNING_STOP),
		[SH_EV_SIGNAL]		= C(PASS_SIGNAL, RUNNING_STOP),
	},
	[SH_DRAINING_STOP] = {
		[SH_EV_DRAINED]		= C(FINISH_LEAVE, LEAVING),
		[SH_EV_OUTPUT]		= C(FORWARD, DRAINING_STOP),
		[SH_EV_STOP]		= C(NONE, DRAINING_STOP),
		[SH_EV_SIGNAL]		= C(PASS_SIGNAL, DRAINING_STOP),
	},
	[SH_LEAVING] = {
		[SH_EV_OUTPUT]		= C(DISCARD, LEAVING),
		[SH_EV_STOP]		= C(NONE, LEAVING),
		[SH_EV_SIGNAL]		= C(NONE, LEAVING),
		[SH_EV_RELEASE]		= C(RELEASED, DONE),
		[SH_EV_RELEASE_LEFT]	= C(RELEASED, DONE),
		[SH_EV_EMPTY]		= C(NONE, LEAVING),
		[SH_EV_LEFT]		= C(LEFT, DONE),
	},
	[SH_LINGERING] = {
		[SH_EV_OUTPUT]		= C(DISCARD, LINGERING),
		[SH_EV_STOP]		= C(PASS_SIGNAL, DONE),
		[SH_EV_SIGNAL]		= C(PASS_SIGNAL, LINGERING),
		[SH_EV_RELEASE]		= C(NONE, LINGERING),
		[SH_EV_RELEASE_LEFT]	= C(NONE, LINGERING),
		[SH_EV_EMPTY]		= C(RELEASED, DONE),
	},
	/* SH_DONE and SH_FAILED expect nothing: the loop has ended. */
};

int
shimfsm_next(enum sh_state st, enum sh_event ev, enum sh_action *act,
    enum sh_state *next)
{
	const struct cell	*c;

	if ((unsigned)st >= SH_NSTATES || (unsigned)ev >= SH_NEVENTS)
		return -EPERM;
	c = &table[st][ev];
	if (c->act == SH_A_REFUSE)
		return -EPERM;
	*act = (enum sh_action)c->act;
	*next = (enum sh_state)c->next;
	return 0;
}

const char *
shimfsm_state_name(enum sh_state st)
{
	static const char *const names[] = {
		"LAUNCHING", "LAUNCH_REAPED", "RUNNING", "DRAINING", "EXITED",
		"LAUNCHING_STOP", "LAUNCH_REAPED_STOP", "RUNNING_STOP",
		"DRAINING_STOP", "LEAVING", "LINGERING", "DONE", "FAILED"
	};

	_Static_assert(sizeof(names) / sizeof(names[0]) == SH_NSTATES,
	    "a name for each");
	return (unsigned)st < SH_NSTATES ? names[st] : "?";
}

const char *
shimfsm_event_name(enum sh_event ev)
{
	static const char *const names[] = {
		"exec done", "exec failed", "reaped", "drained", "output",
		"stop", "SHIM_SIGNAL", "SHIM_RELEASE", "SHIM_RELEASE, processes left",
		"emptied", "left", "keep expired"
	};

	_Static_assert(sizeof(names) / sizeof(names[0]) == SH_NEVENTS,
	    "a name for each");
	return (unsigned)ev < SH_NEVENTS ? names[ev] : "?";
}

const char *
shimfsm_action_name(enum sh_action a)
{
	static const char *const names[] = {
		"refuse", "none", "hello", "exec error", "status", "finish",
		"finish and leave", "forward", "discard", "pass signal",
		"leave", "released", "left", "forget", "linger"
	};

	_Static_assert(sizeof(names) / sizeof(names[0]) == SH_NACTIONS,
	    "a name for each");
	return (unsigned)a < SH_NACTIONS ? names[a] : "?";
}
