/* SPDX-License-Identifier: ISC */
/*
 * benchrun.c: runs a command N times in a row and times each run from just
 * before fork() to just after waitpid() returned, in CLOCK_REALTIME
 * nanoseconds, so that the times compare with those a service writes
 * (bench/benchsvc.c).  Used by make bench (bench/run.sh).
 *
 *   benchrun [-w TEXT] N OUT COMMAND [ARG...]
 *
 * OUT gets one line per run: "INDEX START_NS END_NS STATUS", STATUS being
 * the exit code, or 128+N for signal N.  A "{}" in an argument becomes the
 * run's index, so that each run can have a service of its own.  The
 * command's stdin, stdout and stderr are /dev/null.  With -w, its stderr is
 * read instead, END_NS is when a line holding TEXT arrived, and then the
 * command gets SIGTERM (cmappmgr detaches and exits 0) and is reaped;
 * STATUS is -1 if TEXT never came.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long
now(void)
{
	struct timespec	t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* ARG with each "{}" replaced by INDEX. */
static char *
subst(const char *arg, int index)
{
	char		 num[16], *out, *o;
	const char	*p;
	size_t		 n = strlen(arg) + 1;

	snprintf(num, sizeof(num), "%d", index);
	for (p = arg; (p = strstr(p, "{}")) != NULL; p += 2)
		n += strlen(num);
	if ((out = o = malloc(n)) == NULL) {
		perror("benchrun");
		exit(2);
	}
	for (p = arg; *p != '\0';) {
		if (p[0] == '{' && p[1] == '}') {
			o = stpcpy(o, num);
			p += 2;
		} else
			*o++ = *p++;
	}
	*o = '\0';
	return out;
}

/* With -w: reads the child's stderr until a line holds TEXT. */
static int
await_text(int fd, const char *text)
{
	FILE	*f = fdopen(fd, "r");
	char	*line = NULL;
	size_t	 cap = 0;
	int	 found = 0;

	while (!found && getline(&line, &cap, f) != -1)
		found = strstr(line, text) != NULL;
	free(line);
	fclose(f);
	return found;
}

int
main(int argc, char **argv)
{
	const char	*text = NULL;
	char		**cmd;
	FILE		*out;
	long long	 start, end;
	int		 i, j, n, status, null, pipefd[2], found, code;
	pid_t		 pid;

	if (argc > 2 && strcmp(argv[1], "-w") == 0) {
		text = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc < 4 || (n = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: benchrun [-w TEXT] N OUT COMMAND [ARG...]\n");
		return 2;
	}
	if ((out = fopen(argv[2], "w")) == NULL ||
	    (null = open("/dev/null", O_RDWR)) == -1) {
		perror("benchrun");
		return 2;
	}
	if ((cmd = calloc((size_t)argc, sizeof(*cmd))) == NULL)
		return 2;
	for (i = 0; i < n; i++) {
		for (j = 3; j < argc; j++)
			cmd[j - 3] = subst(argv[j], i);
		if (text != NULL && pipe(pipefd) == -1) {
			perror("benchrun: pipe");
			return 2;
		}
		start = now();
		if ((pid = fork()) == -1) {
			perror("benchrun: fork");
			return 2;
		}
		if (pid == 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(text != NULL ? pipefd[1] : null, 2);
			execv(cmd[0], cmd);
			_exit(127);
		}
		found = 0;
		if (text != NULL) {
			close(pipefd[1]);
			found = await_text(pipefd[0], text);
			end = now();
			kill(pid, SIGTERM);
		}
		while (waitpid(pid, &status, 0) == -1)
			;
		if (text == NULL)
			end = now();
		code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) :
		    WEXITSTATUS(status);
		fprintf(out, "%d %lld %lld %d\n", i, start, end,
		    text != NULL && !found ? -1 : code);
		for (j = 3; j < argc; j++)
			free(cmd[j - 3]);
	}
	return fclose(out) == 0 ? 0 : 2;
}
