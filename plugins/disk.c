/* SPDX-License-Identifier: ISC */
/*
 * disk.c: the disk probe, cmapp_disk_mon, for NPIV disks:
 *
 *   cmapp_disk_mon [-h|-help|--help] [-v|-version|--version] [-O|--log-file FILE]
 *       [-D|--log-level 0-7] [-t|--poll-interval SECONDS]
 *       [--io-timeout SECONDS] DISK [DISK...]
 *
 * Options and disks may come in any order (the manual's example puts the
 * options last, and spells them --log_level and, typeset, "–log_file").
 * Each poll opens every DISK afresh with O_DIRECT (no page cache), checks
 * its size (BLKGETSIZE64, or the file's size) has not shrunk, and reads its
 * first and its last block, all in the disk's own worker, the first poll's
 * included, so that a disk hung already at start-up is bounded like any
 * other.  An open or read error, a short read, a size that fell (a LUN that
 * shrank or went away), or a step not done within the runner's bound,
 * --io-timeout or else min(SECONDS, 10) seconds, fails that DISK.  A DISK that is no block device
 * nor file (a FIFO, a directory) is a usage error.  Log levels are syslog
 * priorities.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "probe_util.h"

#define MAX_DISKS	256
#define ALIGN		4096	/* O_DIRECT buffer alignment, file block */
#define BOUND_S		10	/* a step's default bound, at most */
#define OPT_IO_TIMEOUT	256	/* --io-timeout: a long option only */

struct disk {
	const char	*path;
	uint64_t	 size;		/* at the last good poll */
	int		 known;		/* size is set: a step got that far */
};

struct dstate {
	char		**argv;		/* normalised copy: owns the strings */
	struct disk	 *d;
	unsigned	  n, interval, level;
	unsigned	  io_timeout;	/* s, from --io-timeout; 0: the default */
	void		 *buf;		/* ALIGN bytes, ALIGN-aligned */
};

static const char usage[] =
"usage: cmapp_disk_mon [-h|--help] [-v|--version] [-O|--log-file FILE]\n"
"           [-D|--log-level 0-7] [-t|--poll-interval SECONDS]\n"
"           [--io-timeout SECONDS] DISK [DISK...]\n";

static const char help[] =
"Reads the first and last block of every DISK with O_DIRECT once per poll\n"
"and exits 1, naming the disk, when one fails: an I/O error, a short read\n"
"or a size that fell (a LUN that shrank or went away), or a disk not opened\n"
"and read within the I/O timeout: --io-timeout, by default the poll interval\n"
"but at most 10 seconds.\n"
"\n"
"  -h, -help, --help           this help\n"
"  -v, -version, --version     the version\n"
"  -O, --log-file FILE         a log file on the VM host (written there by\n"
"                              cmappmgr; run by hand, this machine's FILE)\n"
"  -D, --log-level 0-7         log up to this syslog priority (default 0;\n"
"                              the failure that ends the monitor is always\n"
"                              logged, each good read is at 7)\n"
"  -t, --poll-interval SECONDS seconds between polls, above 0 (default 60)\n"
"      --io-timeout SECONDS    how long a disk's open and reads may take\n"
"                              before it counts as failed, 1 to 3600 (default\n"
"                              min(poll interval, 10)); raise it above the\n"
"                              time a SAN path failover takes (often 30 s+)\n"
"\n"
"Exit status: 0 stopped by SIGTERM, 1 a disk failed, 2 usage error (also a\n"
"DISK that is no block device nor file), 3 the monitor cannot work (such as\n"
"a DISK it is not allowed to read).\n";

static void
disk_fini(void *state)
{
	struct dstate	*s = state;

	if (s == NULL)
		return;
	free(s->d);
	free(s->buf);
	pu_argv_free(s->argv);
	free(s);
}

/* The leading '-' hands each DISK over where it stands (as 1), in any
 * order with the options, whatever POSIXLY_CORRECT says: which cmappserver
 * may well have in the environment it passes on, and with which getopt
 * would stop at the first DISK and take the manual's options after the
 * disks for more disks.  hostlog_arg.c, cmappmgr's reading of the same
 * words, does not look at it either. */
static const char shortopts[] = "-:hvO:D:t:";
static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'v' },
	{ "log-file", required_argument, NULL, 'O' },
	{ "log_file", required_argument, NULL, 'O' },
	{ "log-level", required_argument, NULL, 'D' },
	{ "log_level", required_argument, NULL, 'D' },
	{ "poll-interval", required_argument, NULL, 't' },
	{ "poll_interval", required_argument, NULL, 't' },
	{ "io-timeout", required_argument, NULL, OPT_IO_TIMEOUT },
	{ "io_timeout", required_argument, NULL, OPT_IO_TIMEOUT },
	{ NULL, 0, NULL, 0 }
};

/* 1 if the option word a takes the next word as its value. */
static int
takes_next(const char *a)
{
	const char	*c, *eq;
	size_t		 len;
	int		 i;

	if (a[0] != '-' || a[1] == '\0')
		return 0;
	if (a[1] == '-') {
		eq = strchr(a + 2, '=');
		len = eq != NULL ? (size_t)(eq - a - 2) : strlen(a + 2);
		for (i = 0; longopts[i].name != NULL; i++)
			if (strlen(longopts[i].name) == len &&
			    strncmp(longopts[i].name, a + 2, len) == 0)
				return eq == NULL && longopts[i].has_arg;
		return 0;
	}
	/* A cluster such as -vO FILE: the first letter that takes a
	 * value takes the rest of the word, or else the next word. */
	for (c = a + 1; *c != '\0'; c++)
		if (*c != ':' && *c != '-' && strchr(shortopts, *c) != NULL &&
		    strchr(shortopts, *c)[1] == ':')
			return c[1] == '\0';
	return 0;
}

/*
 * "-help" and "-version", as every other cmapp command spells them, made
 * --help and --version: getopt_long would read them as -h or -v followed
 * by letters it never looks at, right only by accident.  A word that is
 * the value of the option before it is left alone; options end at "--".
 */
static int
one_dash_words(char **argv)
{
	char	*w;
	int	 i;

	for (i = 1; argv[i] != NULL && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "-help") == 0 ||
		    strcmp(argv[i], "-version") == 0) {
			if ((w = malloc(strlen(argv[i]) + 2)) == NULL)
				return -ENOMEM;
			sprintf(w, "-%s", argv[i]);
			free(argv[i]);
			argv[i] = w;
		} else if (takes_next(argv[i]) && argv[i + 1] != NULL)
			i++;
	}
	return 0;
}

static void
disk_parse_args(int argc, char **argv, struct cmapp_config *cfg,
    void **state, struct cmapp_result *r)
{
	struct dstate	*s;
	int		 c, li = -1;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->argv = pu_argv_normalize(argc, argv)) == NULL ||
	    (s->d = calloc((size_t)argc, sizeof(*s->d))) == NULL) {
		if (s != NULL)
			pu_argv_free(s->argv);
		free(s);
		pu_result(r, CMAPP_ERROR, LOG_ERR, "out of memory");
		return;
	}
	*state = s;
	if (one_dash_words(s->argv) < 0) {
		pu_result(r, CMAPP_ERROR, LOG_ERR, "out of memory");
		return;
	}
	s->interval = 60;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, s->argv, shortopts, longopts, &li)) !=
	    -1) {
		const char *opt;

		if (c == 1) {
			if (s->n < MAX_DISKS)
				s->d[s->n].path = optarg;
			s->n++;
			continue;
		}
		opt = pu_opt_word(s->argv, optind, optarg);

		if (c != ':' && c != '?' && li >= 0 &&
		    longopts[li].has_arg && !pu_long_exact(opt,
		    longopts[li].name)) {
			pu_result(r, CMAPP_USAGE, LOG_ERR, "unknown option %s "
			    "(write options out in full)", opt);
			return;
		}
		if (c == 'O' && *optarg == '\0') {
			pu_result(r, CMAPP_USAGE, LOG_ERR, "%s needs a file "
			    "name", opt);
			return;
		}
		li = -1;
		switch (c) {
		case 'h':
			r->status = CMAPP_SHOW_HELP;
			return;
		case 'v':
			r->status = CMAPP_SHOW_VERSION;
			return;
		case 'O':
			cfg->host_log = optarg;
			break;
		case 'D':
			if (pu_parse_uint(optarg, 0, 7, &s->level) < 0) {
				pu_result(r, CMAPP_USAGE, LOG_ERR, "-D/--log-level "
				    "takes a level from 0 to 7, not \"%s\"",
				    optarg);
				return;
			}
			break;
		case 't':
			if (pu_parse_uint(optarg, 1, 86400, &s->interval) < 0) {
				pu_result(r, CMAPP_USAGE, LOG_ERR, "-t/--poll-"
				    "interval takes a whole number of seconds "
				    "from 1 to 86400, not \"%s\"", optarg);
				return;
			}
			break;
		case OPT_IO_TIMEOUT:
			if (pu_parse_uint(optarg, 1, 3600, &s->io_timeout) <
			    0) {
				pu_result(r, CMAPP_USAGE, LOG_ERR, "--io-timeout "
				    "takes a whole number of seconds from 1 to "
				    "3600, not \"%s\"", optarg);
				return;
			}
			break;
		case ':':
			pu_result(r, CMAPP_USAGE, LOG_ERR, "%s needs a value",
			    opt);
			return;
		default:
			if (optopt)
				pu_result(r, CMAPP_USAGE, LOG_ERR, "unknown "
				    "option -%c", optopt);
			else
				pu_result(r, CMAPP_USAGE, LOG_ERR, "unknown "
				    "option %s", opt);
			return;
		}
	}
	/* After "--": disks only. */
	for (; optind < argc; optind++) {
		if (s->n < MAX_DISKS)
			s->d[s->n].path = s->argv[optind];
		s->n++;
	}
	if (s->n == 0) {
		pu_result(r, CMAPP_USAGE, LOG_ERR, "no DISK to monitor");
		return;
	}
	if (s->n > MAX_DISKS) {
		pu_result(r, CMAPP_USAGE, LOG_ERR, "%u disks: at most %d per "
		    "monitor", s->n, MAX_DISKS);
		return;
	}
	cfg->interval_ms = s->interval * 1000;
	/* A step never outlasting the poll keeps polls regular; a SAN path
	 * failover can take longer than that, hence --io-timeout. */
	cfg->timeout_ms = (s->io_timeout > 0 ? s->io_timeout :
	    s->interval < BOUND_S ? s->interval : BOUND_S) * 1000;
	cfg->log_max = (int)s->level;
	r->status = CMAPP_OK;
}

/* "a FIFO": what a path that is no disk is, for the message. */
static const char *
kind(mode_t m)
{
	return S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device" :
	    S_ISDIR(m) ? "a directory" : S_ISSOCK(m) ? "a socket" :
	    "neither a block device nor a file";
}

static int
not_a_disk(struct disk *d, mode_t m, struct cmapp_result *r)
{
	pu_result(r, CMAPP_USAGE, LOG_ERR, "%s: not a disk: it is %s (give a "
	    "block device or a file)", d->path, kind(m));
	return -ENOTBLK;
}

/* The disk could not be looked at or opened.  Not being allowed to (no
 * privilege, an LSM's denial) or a file system without O_DIRECT is how
 * the monitor was set up, not a disk that failed: status 3, not 1, so
 * that the package log does not send an admin after a healthy LUN. */
static int
open_failed(struct disk *d, int e, const char *how, struct cmapp_result *r)
{
	if (e == EACCES || e == EPERM)
		pu_result(r, CMAPP_ERROR, LOG_ERR, "%s: cannot open it: %s (the "
		    "monitor may not read it: check that it runs as root, the "
		    "device's mode and any SELinux or AppArmor denial)",
		    d->path, strerror(e));
	else
		pu_result(r, e == EINVAL ? CMAPP_ERROR : CMAPP_FAIL, LOG_ERR,
		    "%s: cannot open it%s: %s", d->path, how, strerror(e));
	return -e;
}

/* Opens DISK with O_DIRECT and reads its size and the block size its
 * reads must be aligned to.  0, or a result set.  Runs in the disk's
 * worker, under the step's deadline: any of these calls may hang on a
 * dead path. */
static int
disk_open(struct disk *d, int *fdp, uint64_t *size, size_t *bs,
    struct cmapp_result *r)
{
	struct stat	st;
	int		fd, fl, ssz;

	/* Looked at before it is opened: opening a character device may act
	 * on it (a tape rewinds, a watchdog arms), and a FIFO's open waits
	 * for a writer. */
	if (stat(d->path, &st) < 0) {
		int e = errno;

		/* Not there at the first look (its worker's first step): a
		 * wrong DISK on the command line, as plugin.h defines
		 * CMAPP_USAGE.  Gone later, the disk failed. */
		if (!d->known && (e == ENOENT || e == ENOTDIR)) {
			pu_result(r, CMAPP_USAGE, LOG_ERR, "%s: no such disk "
			    "(%s at start: a wrong DISK argument)", d->path,
			    strerror(e));
			return -e;
		}
		return open_failed(d, e, "", r);
	}
	if (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode))
		return not_a_disk(d, st.st_mode, r);
	/* O_NONBLOCK in case it became a FIFO since; cleared for the reads. */
	if ((fd = open(d->path, O_RDONLY | O_DIRECT | O_NONBLOCK | O_CLOEXEC |
	    O_NOCTTY)) < 0)
		return open_failed(d, errno, errno == EINVAL ? " with O_DIRECT" :
		    "", r);
	if (fstat(fd, &st) < 0) {
		int e = errno;

		pu_result(r, CMAPP_FAIL, LOG_ERR, "%s: fstat: %s", d->path,
		    strerror(e));
		close(fd);
		return -e;
	}
	if (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode)) {
		close(fd);
		return not_a_disk(d, st.st_mode, r);
	}
	if ((fl = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		int e = errno;

		pu_result(r, CMAPP_ERROR, LOG_ERR, "%s: fcntl: %s", d->path,
		    strerror(e));
		close(fd);
		return -e;
	}
	*bs = ALIGN;
	if (S_ISREG(st.st_mode))
		*size = (uint64_t)st.st_size;
	else if (ioctl(fd, BLKGETSIZE64, size) < 0 ||
	    ioctl(fd, BLKSSZGET, &ssz) < 0) {
		int e = errno;

		pu_result(r, CMAPP_FAIL, LOG_ERR, "%s: cannot read its size: %s",
		    d->path, strerror(e));
		close(fd);
		return -e;
	} else if (ssz > 0 && ssz <= ALIGN)
		*bs = (size_t)ssz;
	*fdp = fd;
	return 0;
}

/* Reads the block at off: the bytes expected are those before the end. */
static int
read_block(struct dstate *s, struct disk *d, int fd, uint64_t off,
    uint64_t size, size_t bs, struct cmapp_result *r)
{
	size_t	want = size - off < bs ? (size_t)(size - off) : bs;
	ssize_t	got;

	while ((got = pread(fd, s->buf, bs, (off_t)off)) < 0 && errno == EINTR)
		;
	if (got < 0) {
		int e = errno;

		pu_result(r, CMAPP_FAIL, LOG_ERR, "%s: read at offset %llu "
		    "failed: %s", d->path, (unsigned long long)off, strerror(e));
		return -e;
	}
	if ((size_t)got < want) {
		pu_result(r, CMAPP_FAIL, LOG_ERR, "%s: short read at offset "
		    "%llu: %zd of %zu bytes (the disk shrank or went away)",
		    d->path, (unsigned long long)off, got, want);
		return -EIO;
	}
	return 0;
}

/* Touches no disk: init runs in the runner's own process before any
 * worker, and an open(), an ioctl() or even a stat() of a hung disk (a
 * dead FC path, a hung NFS or FUSE file) would block the monitor there for
 * good, with nothing logged.  Each disk is first looked at, opened and
 * sized by its own worker, in its first step, under the read's bound. */
static void
disk_init(void *state, unsigned *ntargets, struct cmapp_result *r)
{
	struct dstate	*s = state;

	if ((s->buf = aligned_alloc(ALIGN, ALIGN)) == NULL) {
		pu_result(r, CMAPP_ERROR, LOG_ERR, "out of memory");
		return;
	}
	*ntargets = s->n;
	pu_result(r, CMAPP_OK, LOG_NOTICE, "monitoring %u disk%s every %u s: "
	    "%s%s", s->n, s->n == 1 ? "" : "s", s->interval, s->d[0].path,
	    s->n > 1 ? ", ..." : "");
}

static const char *
disk_target(void *state, unsigned i)
{
	return ((struct dstate *)state)->d[i].path;
}

static void
disk_step(void *state, unsigned i, struct cmapp_result *r)
{
	struct dstate	*s = state;
	struct disk	*d = &s->d[i];
	struct timespec	 t0, t1;
	uint64_t	 size, last;
	size_t		 bs;
	int		 fd = -1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (disk_open(d, &fd, &size, &bs, r) < 0)
		return;
	if (!d->known) {
		/* The first step of this worker: what later ones compare. */
		if (size == 0) {
			pu_result(r, CMAPP_FAIL, LOG_ERR, "%s: its size is 0",
			    d->path);
			close(fd);
			return;
		}
		d->size = size;
		d->known = 1;
	}
	if (size < d->size) {
		pu_result(r, CMAPP_FAIL, LOG_ERR, "%s: its size fell from %llu "
		    "to %llu bytes (the LUN shrank or went away)", d->path,
		    (unsigned long long)d->size, (unsigned long long)size);
		close(fd);
		return;
	}
	last = (size - 1) / bs * bs;
	if (read_block(s, d, fd, 0, size, bs, r) < 0 ||
	    read_block(s, d, fd, last, size, bs, r) < 0) {
		close(fd);
		return;
	}
	close(fd);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (size > d->size) {
		pu_result(r, CMAPP_OK, LOG_NOTICE, "%s: grew from %llu to %llu "
		    "bytes", d->path, (unsigned long long)d->size,
		    (unsigned long long)size);
		d->size = size;
		return;
	}
	pu_result(r, CMAPP_OK, LOG_DEBUG, "%s: read the blocks at 0 and %llu "
	    "of %llu bytes in %.3f ms", d->path, (unsigned long long)last,
	    (unsigned long long)size, (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
}

__attribute__((visibility("default")))
const struct cmapp_probe cmapp_probe = {
	.abi = CMAPP_PLUGIN_ABI,
	.name = "disk",
	.usage = usage,
	.help = help,
	.step_name = "read",
	.parse_args = disk_parse_args,
	.init = disk_init,
	.target = disk_target,
	.step = disk_step,
	.fini = disk_fini,
};
