/* SPDX-License-Identifier: ISC */
/*
 * svcfsm.h: the life cycle of a supervised service as a table, states x
 * events -> action and next state (after s6-supervise's actions[][]).
 * supervise.c applies it through its one entry point, sup_event(); this
 * module is the pure table, without libuv, so that tests read it alone.
 */
#ifndef CMAPP_SVCFSM_H
#define CMAPP_SVCFSM_H

/* The order matters: the first three are live (count to max_processes). */
enum sv_state {
	SV_LAUNCHING,	/* our shim started, its hello not yet read */
	SV_ADOPTING,	/* a previous server's shim, its hello not yet read */
	SV_RUNNING,
	SV_EXITED,	/* ended, status not yet acknowledged */
	SV_DELIVERED,	/* ended, status acknowledged by a manager */
	SV_GONE,	/* forgotten: freed once its handles close */
	SV_NSTATES
};

enum sv_event {
	SV_EV_HELLO_RUNNING,	/* the shim says running: "started" */
	SV_EV_HELLO_STARTING,	/* ... its exec not yet returned */
	SV_EV_HELLO_EXITED,	/* ... ended, its status kept */
	SV_EV_HELLO_DELIVERED,	/* ... ended, delivered: a lingering
				   shim, the handle of what it left */
	SV_EV_LAUNCH_ERROR,	/* ERROR from the shim: the exec failed */
	SV_EV_OUTPUT,		/* OUTPUT from the shim */
	SV_EV_EXIT,		/* EXIT from the shim */
	SV_EV_ATTACH,		/* a manager's START or ATTACH found it */
	SV_EV_ACK,		/* a manager's EXIT_ACK of its run */
	SV_EV_LINK_LOST,	/* the shim closed the link or misbehaved */
	SV_EV_SLOW,		/* sweep: still launching after SWEEP_MS */
	SV_EV_EXPIRE,		/* sweep or KEEP_MAX: its status goes */
	SV_EV_ADOPT_TIMEOUT,	/* no hello within SUP_ADOPT_MS */
	SV_EV_STOP,		/* a manager's STOP (sup_stop()) */
	SV_EV_STOP_TIMER,	/* a stop's SIGKILL time, or its wait after */
	SV_NEVENTS
};

enum sv_action {
	SV_A_REFUSE,		/* not expected here: logged, not applied */
	SV_A_NONE,		/* expected, nothing to do */
	SV_A_STARTED,		/* STARTED to the waiting managers */
	SV_A_ADOPT_RUNNING,	/* took over a previous server's service */
	SV_A_ADOPT_STARTING,	/* ... still launching: wait like our own */
	SV_A_ADOPT_EXITED,	/* ... ended: its status kept, or
				   delivered */
	SV_A_EXEC_FAILED,	/* ERROR to the waiting managers; forget */
	SV_A_OUTPUT,		/* to the attached managers */
	SV_A_DISCARD,		/* output nobody may get */
	SV_A_EXITED,		/* EXIT to the attached managers */
	SV_A_WAIT,		/* the manager waits for the hello */
	SV_A_JOIN,		/* the manager joins, STARTED to it */
	SV_A_SEND_STATUS,	/* STARTED and EXIT to it, kept status */
	SV_A_DELIVER,		/* release the shim */
	SV_A_LAUNCH_LOST,	/* ERROR to the waiting managers; forget */
	SV_A_ADOPT_LOST,	/* ERROR to those attached by run id; forget */
	SV_A_RUN_LOST,		/* ERROR: status unknowable; forget */
	SV_A_KEEP,		/* the status is ours now */
	SV_A_SLOW,		/* log that its exec hangs */
	SV_A_FORGET_KEPT,	/* log, release the shim, forget */
	SV_A_FORGET_DELIVERED,	/* log, forget */
	SV_A_ADOPT_GIVE_UP,	/* ERROR to those attached by run id; forget */
	SV_A_STOP,		/* answer; SIGTERM and the SIGKILL timer
				   (the first STOP); the requester waits
				   for the EXIT, STOPPED before it */
	SV_A_STOP_KEPT,		/* answer, the kept status to the
				   requester; with processes left, SIGTERM
				   and the timer, and it waits for them */
	SV_A_STOP_NONE,		/* answer "not running"; or, with processes
				   left, as STOP_KEPT */
	SV_A_STOP_TIMER,	/* SIGKILL; or, after it, tell the
				   requesters it does not end */
	SV_NACTIONS
};

/* The cell for (st, ev): 0, or -EPERM when st does not expect ev. */
int		 svcfsm_next(enum sv_state st, enum sv_event ev,
		    enum sv_action *act, enum sv_state *next);
const char	*svcfsm_state_name(enum sv_state);
const char	*svcfsm_event_name(enum sv_event);
const char	*svcfsm_action_name(enum sv_action);

#endif
