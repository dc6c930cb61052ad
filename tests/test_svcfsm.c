/* SPDX-License-Identifier: ISC */
/*
 * test_svcfsm.c: tests for appserver/svcfsm.c, the table of a service's
 * life cycle.  CELLS is the life cycle written out again, one test each;
 * every cell not in it must be refused.
 */
#include <errno.h>
#include <criterion/criterion.h>

#include "../appserver/svcfsm.h"

#define CELLS(X) \
	X(LAUNCHING, HELLO_RUNNING, STARTED, RUNNING) \
	X(LAUNCHING, LAUNCH_ERROR, EXEC_FAILED, GONE) \
	X(LAUNCHING, OUTPUT, DISCARD, LAUNCHING) \
	X(LAUNCHING, ATTACH, WAIT, LAUNCHING) \
	X(LAUNCHING, LINK_LOST, LAUNCH_LOST, GONE) \
	X(LAUNCHING, SLOW, SLOW, LAUNCHING) \
	X(LAUNCHING, STOP, STOP, LAUNCHING) \
	X(LAUNCHING, STOP_TIMER, STOP_TIMER, LAUNCHING) \
	X(ADOPTING, HELLO_RUNNING, ADOPT_RUNNING, RUNNING) \
	X(ADOPTING, HELLO_STARTING, ADOPT_STARTING, LAUNCHING) \
	X(ADOPTING, HELLO_EXITED, ADOPT_EXITED, EXITED) \
	X(ADOPTING, HELLO_DELIVERED, ADOPT_EXITED, DELIVERED) \
	X(ADOPTING, OUTPUT, DISCARD, ADOPTING) \
	X(ADOPTING, ATTACH, WAIT, ADOPTING) \
	X(ADOPTING, LINK_LOST, ADOPT_LOST, GONE) \
	X(ADOPTING, ADOPT_TIMEOUT, ADOPT_GIVE_UP, GONE) \
	X(RUNNING, OUTPUT, OUTPUT, RUNNING) \
	X(RUNNING, EXIT, EXITED, EXITED) \
	X(RUNNING, ATTACH, JOIN, RUNNING) \
	X(RUNNING, LINK_LOST, RUN_LOST, GONE) \
	X(RUNNING, STOP, STOP, RUNNING) \
	X(RUNNING, STOP_TIMER, STOP_TIMER, RUNNING) \
	X(EXITED, OUTPUT, DISCARD, EXITED) \
	X(EXITED, ATTACH, SEND_STATUS, EXITED) \
	X(EXITED, ACK, DELIVER, DELIVERED) \
	X(EXITED, LINK_LOST, KEEP, EXITED) \
	X(EXITED, EXPIRE, FORGET_KEPT, GONE) \
	X(EXITED, STOP, STOP_KEPT, EXITED) \
	X(EXITED, STOP_TIMER, STOP_TIMER, EXITED) \
	X(DELIVERED, OUTPUT, DISCARD, DELIVERED) \
	X(DELIVERED, ATTACH, SEND_STATUS, DELIVERED) \
	X(DELIVERED, ACK, NONE, DELIVERED) \
	X(DELIVERED, LINK_LOST, NONE, DELIVERED) \
	X(DELIVERED, EXPIRE, FORGET_DELIVERED, GONE) \
	X(DELIVERED, STOP, STOP_NONE, DELIVERED) \
	X(DELIVERED, STOP_TIMER, STOP_TIMER, DELIVERED)

static void
expect(enum sv_state st, enum sv_event ev, enum sv_action act,
    enum sv_state next)
{
	enum sv_action	a = SV_A_REFUSE;
	enum sv_state	n = SV_NSTATES;

	cr_assert_eq(svcfsm_next(st, ev, &a, &n), 0, "%s on %s refused",
	    svcfsm_event_name(ev), svcfsm_state_name(st));
	cr_assert_eq(a, act, "%s on %s: %s, not %s", svcfsm_event_name(ev),
	    svcfsm_state_name(st), svcfsm_action_name(a),
	    svcfsm_action_name(act));
	cr_assert_eq(n, next, "%s on %s: to %s, not %s",
	    svcfsm_event_name(ev), svcfsm_state_name(st),
	    svcfsm_state_name(n), svcfsm_state_name(next));
}

#define TEST_CELL(st, ev, act, next) \
	Test(svcfsm, st##_on_##ev) \
	{ \
		expect(SV_##st, SV_EV_##ev, SV_A_##act, SV_##next); \
	}
CELLS(TEST_CELL)

#define ROW(st, ev, act, next) { SV_##st, SV_EV_##ev },
static const struct {
	enum sv_state	st;
	enum sv_event	ev;
} legal[] = { CELLS(ROW) };

static int
is_legal(enum sv_state st, enum sv_event ev)
{
	size_t	i;

	for (i = 0; i < sizeof(legal) / sizeof(legal[0]); i++)
		if (legal[i].st == st && legal[i].ev == ev)
			return 1;
	return 0;
}

Test(svcfsm, exit_while_launching_is_refused_and_untouched)
{
	enum sv_action	a = SV_A_WAIT;
	enum sv_state	n = SV_EXITED;

	cr_assert_eq(svcfsm_next(SV_LAUNCHING, SV_EV_EXIT, &a, &n), -EPERM);
	cr_assert_eq(a, SV_A_WAIT);
	cr_assert_eq(n, SV_EXITED);
}

/* A service not known yet (adopting) cannot be stopped: STOPs wait for
 * the adoption, as STARTs do. */
Test(svcfsm, stop_of_an_unknown_service_is_refused)
{
	enum sv_action	a;
	enum sv_state	n;

	cr_assert_eq(svcfsm_next(SV_ADOPTING, SV_EV_STOP, &a, &n), -EPERM);
	cr_assert_eq(svcfsm_next(SV_ADOPTING, SV_EV_STOP_TIMER, &a, &n),
	    -EPERM);
}

/*
 * A stop never changes the state by itself: only the service's EXIT (or
 * its shim's loss) ends a live one, and only an EXIT_ACK delivers a kept
 * status, so that the requester's ACK is what collects it.  Its timer
 * has nothing to do once the service has ended.
 */
Test(svcfsm, stop_waits_for_the_exit_and_the_ack)
{
	static const enum sv_state	live[] = { SV_LAUNCHING, SV_RUNNING };
	enum sv_action			a;
	enum sv_state			n;
	size_t				i;

	for (i = 0; i < 2; i++) {
		cr_assert_eq(svcfsm_next(live[i], SV_EV_STOP, &a, &n), 0);
		cr_expect_eq(n, live[i]);
		cr_assert_eq(svcfsm_next(live[i], SV_EV_STOP_TIMER, &a, &n),
		    0);
		cr_expect_eq(n, live[i]);
	}
	cr_assert_eq(svcfsm_next(SV_RUNNING, SV_EV_EXIT, &a, &n), 0);
	cr_assert_eq(svcfsm_next(n, SV_EV_STOP, &a, &n), 0);
	cr_expect_eq(a, SV_A_STOP_KEPT);
	cr_expect_eq(n, SV_EXITED);
	cr_assert_eq(svcfsm_next(n, SV_EV_ACK, &a, &n), 0);
	cr_expect_eq(a, SV_A_DELIVER);
	cr_expect_eq(n, SV_DELIVERED);
	/* A stopped service that ended keeps its timer for what it left
	 * in its group: its SIGKILL time comes in either ended state. */
	cr_assert_eq(svcfsm_next(SV_EXITED, SV_EV_STOP_TIMER, &a, &n), 0);
	cr_expect_eq(a, SV_A_STOP_TIMER);
	cr_expect_eq(n, SV_EXITED);
	cr_assert_eq(svcfsm_next(SV_DELIVERED, SV_EV_STOP_TIMER, &a, &n), 0);
	cr_expect_eq(a, SV_A_STOP_TIMER);
	cr_expect_eq(n, SV_DELIVERED);
}

Test(svcfsm, every_other_cell_is_refused)
{
	enum sv_action	a;
	enum sv_state	n;
	int		st, ev, legal_n = 0;

	for (st = 0; st < SV_NSTATES; st++)
		for (ev = 0; ev < SV_NEVENTS; ev++) {
			if (is_legal(st, ev)) {
				legal_n++;
				continue;
			}
			cr_expect_eq(svcfsm_next(st, ev, &a, &n), -EPERM,
			    "%s on %s is not refused", svcfsm_event_name(ev),
			    svcfsm_state_name(st));
		}
	cr_assert_eq(legal_n, (int)(sizeof(legal) / sizeof(legal[0])),
	    "CELLS names a cell twice or out of range");
}

Test(svcfsm, gone_expects_nothing_and_out_of_range_is_refused)
{
	enum sv_action	a;
	enum sv_state	n;
	int		ev;

	for (ev = 0; ev < SV_NEVENTS; ev++)
		cr_assert_eq(svcfsm_next(SV_GONE, ev, &a, &n), -EPERM);
	cr_assert_eq(svcfsm_next(SV_NSTATES, SV_EV_EXIT, &a, &n), -EPERM);
	cr_assert_eq(svcfsm_next(SV_RUNNING, SV_NEVENTS, &a, &n), -EPERM);
	cr_assert_eq(svcfsm_next((enum sv_state)-1, SV_EV_EXIT, &a, &n),
	    -EPERM);
}

Test(svcfsm, every_state_event_and_action_has_a_name)
{
	int	i;

	for (i = 0; i < SV_NSTATES; i++)
		cr_assert_str_neq(svcfsm_state_name(i), "?");
	for (i = 0; i < SV_NEVENTS; i++)
		cr_assert_str_neq(svcfsm_event_name(i), "?");
	for (i = 0; i < SV_NACTIONS; i++)
		cr_assert_str_neq(svcfsm_action_name(i), "?");
	cr_assert_str_eq(svcfsm_state_name(SV_NSTATES), "?");
}
