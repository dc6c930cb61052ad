/* SPDX-License-Identifier: ISC */
/*
 * shimfsm.h: the life cycle of cmapp-shim as a table, states x events ->
 * action and next state.  shim.c applies it through its one entry point,
 * sh_event(); this module is the pure table, so that tests read it alone.
 */
#ifndef CMAPP_SHIMFSM_H
#define CMAPP_SHIMFSM_H

enum sh_state {
	SH_LAUNCHING,		/* forked, the exec's result not yet read */
	SH_LAUNCH_REAPED,	/* ... and already reaped */
	SH_RUNNING,		/* exec done, not yet reaped */
	SH_DRAINING,		/* reaped, its output not yet at EOF */
	SH_EXITED,		/* EXIT sent, status kept until released */
	/* Asked to stop (SIGTERM, SIGINT, SIGHUP to the shim): the same,
	 * but the shim goes once the EXIT is out. */
	SH_LAUNCHING_STOP,
	SH_LAUNCH_REAPED_STOP,
	SH_RUNNING_STOP,
	SH_DRAINING_STOP,
	SH_LEAVING,		/* EXIT sent; going once it is out, or 1 s */
	SH_LINGERING,		/* released, but processes it left run:
				   kept as their handle until they end */
	SH_DONE,		/* the loop ends: 0 */
	SH_FAILED,		/* the exec failed, ERROR sent: 1 */
	SH_NSTATES
};

enum sh_event {
	SH_EV_EXEC_OK,		/* the exec's pipe at EOF: it ran */
	SH_EV_EXEC_FAILED,	/* the exec's pipe gave an errno */
	SH_EV_REAPED,		/* waitpid returned the service */
	SH_EV_DRAINED,		/* its pipes at EOF, or DRAIN_MS passed */
	SH_EV_OUTPUT,		/* a pipe gave bytes */
	SH_EV_STOP,		/* SIGTERM, SIGINT or SIGHUP to the shim */
	SH_EV_SIGNAL,		/* SHIM_SIGNAL from a server */
	SH_EV_RELEASE,		/* SHIM_RELEASE from a server */
	SH_EV_RELEASE_LEFT,	/* ... while processes it left run */
	SH_EV_EMPTY,		/* nothing it left runs any more */
	SH_EV_LEFT,		/* leaving: the EXIT is out, or the grace over */
	SH_EV_KEEP_EXPIRED,	/* nobody released it in SHIM_KEEP_S */
	SH_NEVENTS
};

enum sh_action {
	SH_A_REFUSE,		/* not expected here: logged, not applied */
	SH_A_NONE,		/* expected, nothing to do */
	SH_A_HELLO,		/* the hello to every link */
	SH_A_EXEC_ERROR,	/* ERROR to every link */
	SH_A_STATUS,		/* keep the exit status, start draining */
	SH_A_FINISH,		/* EXIT to every link */
	SH_A_FINISH_LEAVE,	/* EXIT to every link, then leave */
	SH_A_FORWARD,		/* OUTPUT to every link */
	SH_A_DISCARD,		/* a grandchild's, after the EXIT */
	SH_A_PASS_SIGNAL,	/* the signal to the service's group (and
				   cgroup), or to what it left there */
	SH_A_LEAVE,		/* the grace for the EXIT to go out */
	SH_A_RELEASED,
	SH_A_LEFT,		/* logged: asked to stop */
	SH_A_FORGET,		/* logged: never collected */
	SH_A_LINGER,		/* logged; the socket renamed *.left */
	SH_NACTIONS
};

/* The cell for (st, ev): 0, or -EPERM when st does not expect ev. */
int		 shimfsm_next(enum sh_state st, enum sh_event ev,
		    enum sh_action *act, enum sh_state *next);
const char	*shimfsm_state_name(enum sh_state);
const char	*shimfsm_event_name(enum sh_event);
const char	*shimfsm_action_name(enum sh_action);

#endif
