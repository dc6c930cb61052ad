/* SPDX-License-Identifier: ISC */
/*
 * leftover.c: what a service leaves behind when its main process ends:
 * the processes still in its process group (the shim made it a session
 * and group of its own) and, where cgroup v2 is writable, in a cgroup of
 * its own, which also holds those that left the group (setsid, a double
 * fork).  Used by cmapp-shim, which owns the service, to count and signal
 * them, and by cmappserver to say once whether cgroups are used.  Plain
 * libc, no logging: the callers say what they make of it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "leftover.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC	0x63677270
#endif

/* The unified hierarchy alone, or beside the v1 ones (hybrid). */
static const char *const mounts[] = {
	"/sys/fs/cgroup", "/sys/fs/cgroup/unified"
};

/* Reads a small file whole into buf, NUL-terminated: its length or -errno. */
static ssize_t
read_small(const char *path, char *buf, size_t cap)
{
	ssize_t	n;
	size_t	off = 0;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -errno;
	while (off + 1 < cap && (n = read(fd, buf + off, cap - 1 - off)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return n;
		}
		off += (size_t)n;
	}
	close(fd);
	buf[off] = '\0';
	return (ssize_t)off;
}

int
left_cgroup_base(char *base, size_t cap, char *why, size_t whylen)
{
	struct statfs	 sf;
	const char	*mnt = NULL;
	char		 self[4096], *p, *nl;
	size_t		 i;

	for (i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++)
		if (statfs(mounts[i], &sf) == 0 &&
		    sf.f_type == CGROUP2_SUPER_MAGIC) {
			mnt = mounts[i];
			break;
		}
	if (mnt == NULL) {
		snprintf(why, whylen, "no cgroup v2 hierarchy at /sys/fs/cgroup "
		    "or /sys/fs/cgroup/unified");
		return -ENOENT;
	}
	/* Our own cgroup there: the "0::" line.  Under systemd it is the
	 * unit's, which needs Delegate=yes to be ours to divide. */
	if (read_small("/proc/self/cgroup", self, sizeof(self)) < 0 ||
	    ((p = strstr(self, "\n0::")) == NULL && strncmp(self, "0::", 3)
	    != 0)) {
		snprintf(why, whylen, "no cgroup v2 entry in /proc/self/cgroup");
		return -ENOENT;
	}
	p = p == NULL ? self + 3 : p + 4;
	if ((nl = strchr(p, '\n')) != NULL)
		*nl = '\0';
	if (strcmp(p, "/") == 0)
		*p = '\0';
	if (snprintf(base, cap, "%s%s", mnt, p) >= (int)cap) {
		snprintf(why, whylen, "the cgroup path is too long");
		return -ENAMETOOLONG;
	}
	if (access(base, W_OK) != 0) {
		snprintf(why, whylen, "%s is not writable: %s", base,
		    strerror(errno));
		return -EACCES;
	}
	return 0;
}

int
left_cgroup_make(const char *base, uint64_t run_id, char *dir, size_t cap)
{
	if (snprintf(dir, cap, "%s/" LEFT_CGROUP_PREFIX "%016" PRIx64, base,
	    run_id) >= (int)cap)
		return -ENAMETOOLONG;
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return -errno;
	return 0;
}

/* The pids in dir's cgroup.procs into pids (up to max): how many there
 * are (also beyond max), or -errno. */
static int
cgroup_pids(const char *dir, pid_t *pids, int max)
{
	char		 path[PATH_MAX], buf[8192], *p, *end;
	ssize_t		 n;
	long		 v;
	int		 count = 0;

	if (snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	/* More than fits is counted as what fits: the count only says
	 * whether anything is left, and how much roughly. */
	if ((n = read_small(path, buf, sizeof(buf))) < 0)
		return (int)n;
	for (p = buf; *p != '\0'; p = end) {
		v = strtol(p, &end, 10);
		if (end == p)
			break;
		if (v > 0) {
			if (count < max)
				pids[count] = (pid_t)v;
			count++;
		}
		while (*end == '\n')
			end++;
	}
	return count;
}

int
left_count_cgroup(const char *dir)
{
	return cgroup_pids(dir, NULL, 0);
}

/*
 * The state and process group of process pid (a /proc name) from
 * /proc/PID/stat: 0, or -1 where it is gone.  The fields after the
 * command's closing parenthesis (which a command may itself contain,
 * hence the last one) are: state ppid pgrp.
 */
static int
proc_stat(const char *pid, char *state, long *pgrp)
{
	char	path[64], buf[1024], *p;
	long	ppid;

	snprintf(path, sizeof(path), "/proc/%.20s/stat", pid);
	if (read_small(path, buf, sizeof(buf)) <= 0 ||
	    (p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %c %ld %ld", state, &ppid, pgrp) != 3)
		return -1;
	return 0;
}

/*
 * Scans /proc for the live (not zombie) processes of group pgid: how many,
 * or -errno; *outside: those of them not among pids[0..npids).
 */
static int
scan_pgrp(pid_t pgid, const pid_t *pids, int npids, int *outside)
{
	DIR		*d;
	struct dirent	*e;
	char		 state;
	long		 pgrp, pid;
	int		 n = 0, i;

	*outside = 0;
	if ((d = opendir("/proc")) == NULL)
		return -errno;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9' ||
		    proc_stat(e->d_name, &state, &pgrp) != 0 ||
		    pgrp != (long)pgid || state == 'Z' || state == 'X')
			continue;
		n++;
		pid = strtol(e->d_name, NULL, 10);
		for (i = 0; i < npids && pids[i] != (pid_t)pid; i++)
			;
		if (i == npids)
			(*outside)++;
	}
	closedir(d);
	return n;
}

int
left_count_pgrp(pid_t pgid)
{
	int	outside;

	return scan_pgrp(pgid, NULL, 0, &outside);
}

int
left_count_both(const char *dir, pid_t pgid, int *in_pgrp)
{
	pid_t	pids[1024];
	int	n, outside;

	*in_pgrp = 0;
	if ((n = cgroup_pids(dir, pids, 1024)) < 0)
		return n;
	if (pgid <= 0)
		return n;
	if ((*in_pgrp = scan_pgrp(pgid, pids, n < 1024 ? n : 1024,
	    &outside)) < 0)
		return *in_pgrp;
	return n + outside;
}

int
left_ended(pid_t pid)
{
	char	id[24], state;
	long	pgrp;

	snprintf(id, sizeof(id), "%ld", (long)pid);
	return proc_stat(id, &state, &pgrp) != 0 || state == 'Z' ||
	    state == 'X';
}

int
left_kill_cgroup(const char *dir, int sig, pid_t skip)
{
	char	path[PATH_MAX];
	pid_t	pids[1024];
	int	i, n, fd, e;

	if (sig == SIGKILL && snprintf(path, sizeof(path), "%s/cgroup.kill",
	    dir) < (int)sizeof(path) &&
	    (fd = open(path, O_WRONLY | O_CLOEXEC)) != -1) {
		e = write(fd, "1", 1) == 1 ? 0 : -errno;
		close(fd);
		if (e == 0)
			return 0;
	}
	/* Before 5.14, or another signal: each one by its pid.  One read
	 * may miss a process forked meanwhile; the caller signals again
	 * while the count is not 0. */
	if ((n = cgroup_pids(dir, pids, 1024)) < 0)
		return n;
	/* What the caller signalled already must not get it twice: a
	 * second SIGTERM kills a program whose handler is still ending it. */
	for (i = 0; i < n && i < 1024; i++)
		if (skip <= 0 || (pids[i] != skip && getpgid(pids[i]) != skip))
			kill(pids[i], sig);
	return 0;
}

int
left_cgroup_remove(const char *dir)
{
	return rmdir(dir) == 0 || errno == ENOENT ? 0 : -errno;
}

/* A shim killed by SIGKILL (an admin, the OOM killer) cannot remove its
 * service's cgroup: the next server, finding its socket dead, does. */
int
left_cgroup_drop(uint64_t run_id, char *dir, size_t cap)
{
	char	base[PATH_MAX], why[PATH_MAX + 64];

	dir[0] = '\0';
	if (left_cgroup_base(base, sizeof(base), why, sizeof(why)) != 0)
		return 0;
	if (snprintf(dir, cap, "%s/" LEFT_CGROUP_PREFIX "%016" PRIx64, base,
	    run_id) >= (int)cap)
		return -ENAMETOOLONG;
	return left_cgroup_remove(dir);
}
