/* SPDX-License-Identifier: ISC */
/* test_leftover.c: tests for appserver/leftover.c's process checks. */
#include <criterion/criterion.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../appserver/leftover.h"

/* A child stopped in pause() until killed; the caller reaps it. */
static pid_t
child(void)
{
	pid_t	pid = fork();

	cr_assert_neq(pid, -1);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	return pid;
}

Test(leftover, a_running_process_has_not_ended)
{
	pid_t	pid = child();

	cr_expect_eq(left_ended(getpid()), 0);
	cr_expect_eq(left_ended(pid), 0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

Test(leftover, a_zombie_has_ended_and_so_has_a_reaped_process)
{
	pid_t	pid = child();
	int	i;

	kill(pid, SIGKILL);
	/* A zombie once the kill is through: waitid with WNOWAIT leaves it. */
	cr_assert_eq(waitid(P_PID, (id_t)pid, &(siginfo_t){ 0 },
	    WEXITED | WNOWAIT), 0);
	cr_expect_eq(left_ended(pid), 1, "a zombie is not a running process");
	waitpid(pid, NULL, 0);
	for (i = 0; i < 100 && !left_ended(pid); i++)
		usleep(1000);
	cr_expect_eq(left_ended(pid), 1, "a reaped process is gone");
}

Test(leftover, a_group_counts_its_live_processes_not_its_zombies)
{
	pid_t	a = child(), b = child();

	setpgid(a, a);
	setpgid(b, a);
	cr_expect_eq(left_count_pgrp(a), 2);
	kill(b, SIGKILL);
	cr_assert_eq(waitid(P_PID, (id_t)b, &(siginfo_t){ 0 },
	    WEXITED | WNOWAIT), 0);
	cr_expect_eq(left_count_pgrp(a), 1, "the zombie is not counted");
	kill(a, SIGKILL);
	waitpid(a, NULL, 0);
	waitpid(b, NULL, 0);
}
