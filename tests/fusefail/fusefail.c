/* SPDX-License-Identifier: ISC */
/*
 * fusefail.c: a FUSE file system for the disk monitor's tests.  It serves
 * two files:
 *
 *   /disk  SIZE bytes of a repeated pattern, read-only, direct I/O (no page
 *          cache, so every read reaches this program); mode 0555, so that
 *          an exec of it can be made to hang too
 *   /ctl   "ok", "eio", "hang", "hangopen" or "short": write one to
 *          switch what /disk does: reads succeed, fail with EIO, or block
 *          until switched back; or opens of it block until switched back
 *          (a disk already hung when its monitor starts), reads
 *          succeeding; or reads end at half its size while its size stays
 *          SIZE (a LUN cut short under a size not yet re-read: short reads)
 *
 *   fusefail [-s SIZE] MOUNTPOINT     (stays in the foreground; SIGTERM or
 *                                      umount ends it)
 *
 * Multithreaded, so that /ctl is served while a read of /disk hangs.
 */
#define FUSE_USE_VERSION 31

#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum mode { M_OK, M_EIO, M_HANG, M_HANGOPEN, M_SHORT, M_MODES };

static const char *const mode_names[M_MODES] = { "ok", "eio", "hang",
    "hangopen", "short" };
static _Atomic int	mode = M_OK;
static off_t		disk_size = 1 << 20;

static int
ff_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	if (strcmp(path, "/") == 0) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else if (strcmp(path, "/disk") == 0) {
		/* Executable too: cmappserver's tests exec it to have an
		 * exec hang (hangopen) and then fail (not a program). */
		st->st_mode = S_IFREG | 0555;
		st->st_nlink = 1;
		st->st_size = disk_size;
	} else if (strcmp(path, "/ctl") == 0) {
		st->st_mode = S_IFREG | 0644;
		st->st_nlink = 1;
		st->st_size = 16;	/* "hangopen\n" fits */
	} else
		return -ENOENT;
	return 0;
}

static int
ff_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
    struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	(void)off;
	(void)fi;
	(void)flags;
	if (strcmp(path, "/") != 0)
		return -ENOENT;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	fill(buf, "disk", NULL, 0, 0);
	fill(buf, "ctl", NULL, 0, 0);
	return 0;
}

static int
ff_open(const char *path, struct fuse_file_info *fi)
{
	struct timespec	ts = { 0, 20 * 1000 * 1000 };

	if (strcmp(path, "/disk") == 0) {
		/* Only open blocks: no lock of the directory is held then, so
		 * that /ctl can still be written to end it. */
		while (mode == M_HANGOPEN)
			nanosleep(&ts, NULL);
		if ((fi->flags & O_ACCMODE) != O_RDONLY)
			return -EROFS;
		fi->direct_io = 1;
		return 0;
	}
	if (strcmp(path, "/ctl") == 0) {
		fi->direct_io = 1;
		return 0;
	}
	return -ENOENT;
}

static int
ff_read(const char *path, char *buf, size_t len, off_t off,
    struct fuse_file_info *fi)
{
	struct timespec	ts = { 0, 20 * 1000 * 1000 };
	size_t		i;
	off_t		end;

	(void)fi;
	if (strcmp(path, "/ctl") == 0) {
		char	s[16];
		int	n = snprintf(s, sizeof(s), "%s\n", mode_names[mode]);

		if (off >= n)
			return 0;
		if (len > (size_t)(n - off))
			len = (size_t)(n - off);
		memcpy(buf, s + off, len);
		return (int)len;
	}
	/* A thread cancelled at nanosleep holds no lock. */
	while (mode == M_HANG)
		nanosleep(&ts, NULL);
	if (mode == M_EIO)
		return -EIO;
	end = mode == M_SHORT ? disk_size / 2 : disk_size;
	if (off >= end)
		return 0;
	if (len > (size_t)(end - off))
		len = (size_t)(end - off);
	for (i = 0; i < len; i++)
		buf[i] = (char)((off + (off_t)i) & 0xff);
	return (int)len;
}

static int
ff_write(const char *path, const char *buf, size_t len, off_t off,
    struct fuse_file_info *fi)
{
	size_t	n;
	int	m;

	(void)off;
	(void)fi;
	if (strcmp(path, "/ctl") != 0)
		return -EROFS;
	for (m = 0; m < M_MODES; m++) {
		n = strlen(mode_names[m]);
		if (len >= n && memcmp(buf, mode_names[m], n) == 0 &&
		    (len == n || buf[n] == '\n')) {
			mode = m;
			fprintf(stderr, "fusefail: reads now %s\n",
			    mode_names[m]);
			return (int)len;
		}
	}
	return -EINVAL;
}

static int
ff_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	(void)size;
	(void)fi;
	return strcmp(path, "/ctl") == 0 ? 0 : -EROFS;
}

static const struct fuse_operations ops = {
	.getattr = ff_getattr,
	.readdir = ff_readdir,
	.open = ff_open,
	.read = ff_read,
	.write = ff_write,
	.truncate = ff_truncate,
};

int
main(int argc, char **argv)
{
	/* fuse_main() takes char *argv[], as main() gets it. */
	static char	opt_f[] = "-f", opt_o[] = "-o",
			opt_fs[] = "fsname=fusefail,default_permissions";
	char	*fargv[6], *end;
	int	 c, fargc = 0;

	while ((c = getopt(argc, argv, "s:")) != -1) {
		if (c != 's' || (disk_size = strtoll(optarg, &end, 10)) <= 0 ||
		    *end != '\0') {
			fprintf(stderr, "usage: fusefail [-s SIZE] MOUNTPOINT\n");
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: fusefail [-s SIZE] MOUNTPOINT\n");
		return 2;
	}
	fargv[fargc++] = argv[0];
	fargv[fargc++] = opt_f;
	fargv[fargc++] = opt_o;
	fargv[fargc++] = opt_fs;
	fargv[fargc++] = argv[optind];
	fargv[fargc] = NULL;
	return fuse_main(fargc, fargv, &ops, NULL);
}
