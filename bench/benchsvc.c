/* SPDX-License-Identifier: ISC */
/*
 * benchsvc.c: the service of make bench's latency runs (bench/run.sh).
 *
 *   benchsvc FILE MS [N]
 *
 * Reads CLOCK_REALTIME as its first instruction, sleeps MS milliseconds (N
 * times, default once), then writes "START_NS EXIT_NS" to FILE, EXIT_NS
 * read just before the write and _exit(0).  START_NS against the start of
 * cmappmgr is the launch latency; EXIT_NS against cmappmgr's exit is the
 * exit detection.  "benchsvc /dev/null 15000 10" is the idle minute's
 * control: a process that only wakes up every 15 s, and outlives the
 * minute (run.sh kills it at the minute's end).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long
ns(const struct timespec *t)
{
	return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

int
main(int argc, char **argv)
{
	struct timespec	start, end, nap;
	char		buf[64];
	int		fd, n;
	long		ms, times;

	clock_gettime(CLOCK_REALTIME, &start);
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: benchsvc FILE MS [N]\n");
		return 2;
	}
	ms = atol(argv[2]);
	for (times = argc == 4 ? atol(argv[3]) : 1; times > 0; times--) {
		nap.tv_sec = ms / 1000;
		nap.tv_nsec = ms % 1000 * 1000000L;
		while (nanosleep(&nap, &nap) == -1)
			;
	}
	if ((fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1) {
		perror(argv[1]);
		return 2;
	}
	clock_gettime(CLOCK_REALTIME, &end);
	n = snprintf(buf, sizeof(buf), "%lld %lld\n", ns(&start), ns(&end));
	if (write(fd, buf, (size_t)n) != n)
		return 2;
	_exit(0);
}
