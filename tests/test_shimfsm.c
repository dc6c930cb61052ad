/* SPDX-License-Identifier: ISC */
/*
 * test_shimfsm.c: tests for appserver/shimfsm.c, the table of cmapp-shim's
 * life cycle.  CELLS is the life cycle written out again, one test each;
 * every cell not in it must be refused.
 */
#include <errno.h>
#include <criterion/criterion.h>

#include "../appserver/shimfsm.h"

#define CELLS(X) \
	X(LAUNCHING, EXEC_OK, HELLO, RUNNING) \
	X(LAUNCHING, EXEC_FAILED, EXEC_ERROR, FAILED) \
	X(LAUNCHING, REAPED, STATUS, LAUNCH_REAPED) \
	X(LAUNCHING, OUTPUT, FORWARD, LAUNCHING) \
	X(LAUNCHING, STOP, PASS_SIGNAL, LAUNCHING_STOP) \
	X(LAUNCHING, SIGNAL, PASS_SIGNAL, LAUNCHING) \
	X(LAUNCH_REAPED, EXEC_OK, HELLO, DRAINING) \
	X(LAUNCH_REAPED, EXEC_FAILED, EXEC_ERROR, FAILED) \
	X(LAUNCH_REAPED, OUTPUT, FORWARD, LAUNCH_REAPED) \
	X(LAUNCH_REAPED, STOP, NONE, LAUNCH_REAPED_STOP) \
	X(LAUNCH_REAPED, SIGNAL, NONE, LAUNCH_REAPED) \
	X(RUNNING, REAPED, STATUS, DRAINING) \
	X(RUNNING, OUTPUT, FORWARD, RUNNING) \
	X(RUNNING, STOP, PASS_SIGNAL, RUNNING_STOP) \
	X(RUNNING, SIGNAL, PASS_SIGNAL, RUNNING) \
	X(DRAINING, DRAINED, FINISH, EXITED) \
	X(DRAINING, OUTPUT, FORWARD, DRAINING) \
	X(DRAINING, STOP, NONE, DRAINING_STOP) \
	X(DRAINING, SIGNAL, PASS_SIGNAL, DRAINING) \
	X(EXITED, OUTPUT, DISCARD, EXITED) \
	X(EXITED, STOP, LEAVE, LEAVING) \
	X(EXITED, SIGNAL, PASS_SIGNAL, EXITED) \
	X(EXITED, RELEASE, RELEASED, DONE) \
	X(EXITED, RELEASE_LEFT, LINGER, LINGERING) \
	X(EXITED, EMPTY, NONE, EXITED) \
	X(EXITED, KEEP_EXPIRED, FORGET, DONE) \
	X(LAUNCHING_STOP, EXEC_OK, HELLO, RUNNING_STOP) \
	X(LAUNCHING_STOP, EXEC_FAILED, EXEC_ERROR, FAILED) \
	X(LAUNCHING_STOP, REAPED, STATUS, LAUNCH_REAPED_STOP) \
	X(LAUNCHING_STOP, OUTPUT, FORWARD, LAUNCHING_STOP) \
	X(LAUNCHING_STOP, STOP, PASS_SIGNAL, LAUNCHING_STOP) \
	X(LAUNCHING_STOP, SIGNAL, PASS_SIGNAL, LAUNCHING_STOP) \
	X(LAUNCH_REAPED_STOP, EXEC_OK, HELLO, DRAINING_STOP) \
	X(LAUNCH_REAPED_STOP, EXEC_FAILED, EXEC_ERROR, FAILED) \
	X(LAUNCH_REAPED_STOP, OUTPUT, FORWARD, LAUNCH_REAPED_STOP) \
	X(LAUNCH_REAPED_STOP, STOP, NONE, LAUNCH_REAPED_STOP) \
	X(LAUNCH_REAPED_STOP, SIGNAL, NONE, LAUNCH_REAPED_STOP) \
	X(RUNNING_STOP, REAPED, STATUS, DRAINING_STOP) \
	X(RUNNING_STOP, OUTPUT, FORWARD, RUNNING_STOP) \
	X(RUNNING_STOP, STOP, PASS_SIGNAL, RUNNING_STOP) \
	X(RUNNING_STOP, SIGNAL, PASS_SIGNAL, RUNNING_STOP) \
	X(DRAINING_STOP, DRAINED, FINISH_LEAVE, LEAVING) \
	X(DRAINING_STOP, OUTPUT, FORWARD, DRAINING_STOP) \
	X(DRAINING_STOP, STOP, NONE, DRAINING_STOP) \
	X(DRAINING_STOP, SIGNAL, PASS_SIGNAL, DRAINING_STOP) \
	X(LEAVING, OUTPUT, DISCARD, LEAVING) \
	X(LEAVING, STOP, NONE, LEAVING) \
	X(LEAVING, SIGNAL, NONE, LEAVING) \
	X(LEAVING, RELEASE, RELEASED, DONE) \
	X(LEAVING, RELEASE_LEFT, RELEASED, DONE) \
	X(LEAVING, EMPTY, NONE, LEAVING) \
	X(LEAVING, LEFT, LEFT, DONE) \
	X(LINGERING, OUTPUT, DISCARD, LINGERING) \
	X(LINGERING, STOP, PASS_SIGNAL, DONE) \
	X(LINGERING, SIGNAL, PASS_SIGNAL, LINGERING) \
	X(LINGERING, RELEASE, NONE, LINGERING) \
	X(LINGERING, RELEASE_LEFT, NONE, LINGERING) \
	X(LINGERING, EMPTY, RELEASED, DONE)

static void
expect(enum sh_state st, enum sh_event ev, enum sh_action act,
    enum sh_state next)
{
	enum sh_action	a = SH_A_REFUSE;
	enum sh_state	n = SH_NSTATES;

	cr_assert_eq(shimfsm_next(st, ev, &a, &n), 0, "%s on %s refused",
	    shimfsm_event_name(ev), shimfsm_state_name(st));
	cr_assert_eq(a, act, "%s on %s: %s, not %s", shimfsm_event_name(ev),
	    shimfsm_state_name(st), shimfsm_action_name(a),
	    shimfsm_action_name(act));
	cr_assert_eq(n, next, "%s on %s: to %s, not %s",
	    shimfsm_event_name(ev), shimfsm_state_name(st),
	    shimfsm_state_name(n), shimfsm_state_name(next));
}

#define TEST_CELL(st, ev, act, next) \
	Test(shimfsm, st##_on_##ev) \
	{ \
		expect(SH_##st, SH_EV_##ev, SH_A_##act, SH_##next); \
	}
CELLS(TEST_CELL)

#define ROW(st, ev, act, next) { SH_##st, SH_EV_##ev },
static const struct {
	enum sh_state	st;
	enum sh_event	ev;
} legal[] = { CELLS(ROW) };

static int
is_legal(enum sh_state st, enum sh_event ev)
{
	size_t	i;

	for (i = 0; i < sizeof(legal) / sizeof(legal[0]); i++)
		if (legal[i].st == st && legal[i].ev == ev)
			return 1;
	return 0;
}

Test(shimfsm, release_before_the_exit_is_refused_and_untouched)
{
	enum sh_action	a = SH_A_HELLO;
	enum sh_state	n = SH_RUNNING;

	cr_assert_eq(shimfsm_next(SH_RUNNING, SH_EV_RELEASE, &a, &n), -EPERM);
	cr_assert_eq(a, SH_A_HELLO);
	cr_assert_eq(n, SH_RUNNING);
}

/* A reaped service's SHIM_SIGNAL goes to what it left (shim.c checks
 * that something is, so a reused pid is never signalled); a stop of the
 * shim itself passes nothing on but from LINGERING, where it goes. */
Test(shimfsm, a_reaped_service_is_never_signalled_on_stop)
{
	enum sh_state	reaped[] = { SH_LAUNCH_REAPED, SH_DRAINING,
	    SH_EXITED, SH_LAUNCH_REAPED_STOP, SH_DRAINING_STOP, SH_LEAVING };
	enum sh_action	a;
	enum sh_state	n;
	size_t		i;

	for (i = 0; i < sizeof(reaped) / sizeof(reaped[0]); i++) {
		cr_assert_eq(shimfsm_next(reaped[i], SH_EV_SIGNAL, &a, &n), 0);
		cr_assert_eq(shimfsm_next(reaped[i], SH_EV_STOP, &a, &n), 0);
		cr_assert_neq(a, SH_A_PASS_SIGNAL);
		cr_assert_eq(shimfsm_next(reaped[i], SH_EV_REAPED, &a, &n),
		    -EPERM);
	}
}

Test(shimfsm, every_other_cell_is_refused)
{
	enum sh_action	a;
	enum sh_state	n;
	int		st, ev, legal_n = 0;

	for (st = 0; st < SH_NSTATES; st++)
		for (ev = 0; ev < SH_NEVENTS; ev++) {
			if (is_legal(st, ev)) {
				legal_n++;
				continue;
			}
			cr_expect_eq(shimfsm_next(st, ev, &a, &n), -EPERM,
			    "%s on %s is not refused", shimfsm_event_name(ev),
			    shimfsm_state_name(st));
		}
	cr_assert_eq(legal_n, (int)(sizeof(legal) / sizeof(legal[0])),
	    "CELLS names a cell twice or out of range");
}

Test(shimfsm, ended_loops_expect_nothing_and_out_of_range_is_refused)
{
	enum sh_action	a;
	enum sh_state	n;
	int		ev;

	for (ev = 0; ev < SH_NEVENTS; ev++) {
		cr_assert_eq(shimfsm_next(SH_DONE, ev, &a, &n), -EPERM);
		cr_assert_eq(shimfsm_next(SH_FAILED, ev, &a, &n), -EPERM);
	}
	cr_assert_eq(shimfsm_next(SH_NSTATES, SH_EV_STOP, &a, &n), -EPERM);
	cr_assert_eq(shimfsm_next(SH_RUNNING, SH_NEVENTS, &a, &n), -EPERM);
	cr_assert_eq(shimfsm_next((enum sh_state)-1, SH_EV_STOP, &a, &n),
	    -EPERM);
}

Test(shimfsm, every_state_event_and_action_has_a_name)
{
	int	i;

	for (i = 0; i < SH_NSTATES; i++)
		cr_assert_str_neq(shimfsm_state_name(i), "?");
	for (i = 0; i < SH_NEVENTS; i++)
		cr_assert_str_neq(shimfsm_event_name(i), "?");
	for (i = 0; i < SH_NACTIONS; i++)
		cr_assert_str_neq(shimfsm_action_name(i), "?");
	cr_assert_str_eq(shimfsm_state_name(SH_NSTATES), "?");
}
