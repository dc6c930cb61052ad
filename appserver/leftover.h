/* SPDX-License-Identifier: ISC */
/*
 * leftover.h: counting and signalling what a service left behind when its
 * main process ended: its process group, and its cgroup where cgroup v2
 * is writable (leftover.c).
 */
#ifndef CMAPP_LEFTOVER_H
#define CMAPP_LEFTOVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A service's cgroup: BASE/cmapp-run-RUNID (RUNID as its socket's). */
#define LEFT_CGROUP_PREFIX	"cmapp-run-"

/*
 * The cgroup under which services get theirs: our own in the cgroup v2
 * hierarchy (at /sys/fs/cgroup, or /sys/fs/cgroup/unified beside v1), if
 * we may write there.  0, or -errno with the reason in why.
 */
int	 left_cgroup_base(char *base, size_t cap, char *why, size_t whylen);
/* Makes BASE/cmapp-run-RUNID into dir (an existing one is taken): 0 or
 * -errno. */
int	 left_cgroup_make(const char *base, uint64_t run_id, char *dir,
	    size_t cap);
/* Removes it: 0, or -errno (-EBUSY while it holds a process). */
int	 left_cgroup_remove(const char *dir);
/* Removes run_id's cgroup, whose shim is gone, into dir: 0 (or none
 * there), or -errno (-EBUSY while it holds a process). */
int	 left_cgroup_drop(uint64_t run_id, char *dir, size_t cap);
/* The processes in the cgroup, or -errno. */
int	 left_count_cgroup(const char *dir);
/* The live (not zombie) processes of process group pgid, or -errno. */
int	 left_count_pgrp(pid_t pgid);
/* The processes of the cgroup and those of process group pgid (0: none)
 * outside it, which a member that moved to another cgroup is: how many,
 * or -errno; the group's own live members in *in_pgrp. */
int	 left_count_both(const char *dir, pid_t pgid, int *in_pgrp);
/* Whether process pid has ended: gone, or a zombie not reaped yet. */
int	 left_ended(pid_t pid);
/* sig to every process of the cgroup (cgroup.kill for SIGKILL where the
 * kernel has it) but skip, the leader of a process group the caller
 * signalled already, and that group (0: none): 0 or -errno. */
int	 left_kill_cgroup(const char *dir, int sig, pid_t skip);

#endif
