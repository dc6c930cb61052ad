/* SPDX-License-Identifier: ISC */
/*
 * keyfix.c: the key-file tests' fixture (keyfix.h).  Test code: it fails
 * the running Criterion test on any surprise.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "keyfix.h"

/* Under ASan, each test also fails on what it leaked: see no_leaks(). */
#if defined(__SANITIZE_ADDRESS__)
#define HAVE_LSAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_LSAN	1
#endif
#endif
#ifdef HAVE_LSAN
#include <sanitizer/lsan_interface.h>
#endif

static char	tmpdir[64];		/* this test's directory, or "" */

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

void
kf_teardown(void)
{
	if (tmpdir[0] == '\0')
		return;
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	tmpdir[0] = '\0';
}

void
kf_setup(const char *prefix)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/%s.XXXXXX", prefix);
	cr_assert_not_null(mkdtemp(tmpdir), "mkdtemp: %s", strerror(errno));
}

const char *
kf_dir(void)
{
	return tmpdir;
}

/*
 * Under ASan, fails the test if it leaked.  Called last in every test: a
 * report at exit, or an assertion in .fini, would not fail it in Criterion.
 */
void
no_leaks(void)
{
#ifdef HAVE_LSAN
	cr_assert_eq(__lsan_do_recoverable_leak_check(), 0,
	    "memory leaked: see the LeakSanitizer report on stderr");
#endif
}

/* NAME's path in the test directory (a few stay valid at once). */
const char *
P(const char *name)
{
	static char	ring[8][PATH_MAX];
	static int	next;
	char		*p = ring[next++ % 8];

	snprintf(p, PATH_MAX, "%s/%s", tmpdir, name);
	return p;
}

/* The end of the test directory's "log", for a failure message. */
static const char *
log_tail(void)
{
	static char	buf[2048];
	FILE		*f;
	size_t		 n;
	long		 size;

	buf[0] = '\0';
	if ((f = fopen(P("log"), "r")) == NULL)
		return buf;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0)
		fseek(f, size > (long)sizeof(buf) - 1 ?
		    size - (long)sizeof(buf) + 1 : 0, SEEK_SET);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
run(const char *cmd, const char *shown)
{
	int	st = system(cmd);

	if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return;
	cr_assert_fail("command failed (status %d): %s\n%s", st, shown,
	    log_tail());
}

/*
 * The keytool cache.  Each keytool is a JVM start, about half a second of
 * CPU, and the unit runs (plain and sanitized, run after run) would repeat
 * the same ones.  A command that names keytool is a function of the test
 * directory's files before it (but "log") to those after it: the files
 * after it are kept in the cache under a digest of the command, the day
 * (keytool's certificates age) and the files before it, and a later run
 * with the same digest gets them copied in instead of running it.  Only
 * what succeeded is kept; where a file before it was made at random (an
 * openssl key), the digest never repeats and keytool runs.  The cache is
 * $CMAPP_KEYTOOL_CACHE, or keytool-cache/ beside this program.
 */
static int
kt_cache_dir(char *buf, size_t len)
{
	const char	*env = getenv("CMAPP_KEYTOOL_CACHE");
	char		 exe[PATH_MAX];
	ssize_t		 n;

	if (env != NULL && env[0] != '\0')
		return snprintf(buf, len, "%s", env) < (int)len ? 0 : -1;
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		return -1;
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	return snprintf(buf, len, "%s/keytool-cache", exe) < (int)len ? 0 : -1;
}

static int
not_dot(const struct dirent *d)
{
	return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

/* The digest, in hex, of CMD, today and the test directory's files but
 * "log" (names, modes, bytes); -1 if it holds anything but files. */
static int
kt_digest(const char *cmd, char hex[65])
{
	unsigned char	 md[EVP_MAX_MD_SIZE], buf[8192];
	unsigned int	 mdlen;
	struct dirent	**ents;
	struct stat	 st;
	EVP_MD_CTX	*ctx;
	char		 day[16];
	time_t		 now = time(NULL);
	size_t		 k;
	FILE		*f;
	int		 n, i, r = 0;

	strftime(day, sizeof(day), "%Y-%m-%d", gmtime(&now));
	if ((n = scandir(tmpdir, &ents, not_dot, alphasort)) < 0)
		return -1;
	cr_assert_not_null(ctx = EVP_MD_CTX_new());
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, cmd, strlen(cmd) + 1);
	EVP_DigestUpdate(ctx, day, strlen(day) + 1);
	for (i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;

		if (r == 0 && strcmp(name, "log") != 0) {
			if (lstat(P(name), &st) != 0 || !S_ISREG(st.st_mode) ||
			    (f = fopen(P(name), "rb")) == NULL) {
				r = -1;
			} else {
				EVP_DigestUpdate(ctx, name, strlen(name) + 1);
				EVP_DigestUpdate(ctx, &st.st_mode,
				    sizeof(st.st_mode));
				while ((k = fread(buf, 1, sizeof(buf), f)) > 0)
					EVP_DigestUpdate(ctx, buf, k);
				fclose(f);
			}
		}
		free(ents[i]);
	}
	free(ents);
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return r;
}

/* Runs a shell command in the test directory; its output goes to "log". */
void
sh(const char *fmt, ...)
{
	char	cmd[4096], full[3 * PATH_MAX + 4096], cache[PATH_MAX];
	char	hex[65];
	va_list	ap;
	int	cached;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	cached = strstr(cmd, "keytool ") != NULL &&
	    kt_cache_dir(cache, sizeof(cache)) == 0 && kt_digest(cmd, hex) == 0;
	if (cached) {
		snprintf(full, sizeof(full), "%s/%s", cache, hex);
		if (access(full, F_OK) == 0) {
			snprintf(full, sizeof(full), "cd '%s' && "
			    "find . -mindepth 1 -maxdepth 1 ! -name log -exec rm -f {} + && "
			    "cp -p '%s/%s'/* . && echo 'cached: %s' >>log",
			    tmpdir, cache, hex, hex);
			run(full, cmd);
			return;
		}
	}
	/*
	 * keytool as the manual runs it, in a JVM that starts cheaper: the
	 * first compiler tier and one GC thread halve its CPU (0.9 s to
	 * 0.45 s here), and keytool does the same with its files.
	 */
	snprintf(full, sizeof(full), "keytool() { command keytool "
	    "-J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC \"$@\"; }; "
	    "cd '%s' && { %s ; } >>log 2>&1 </dev/null", tmpdir, cmd);
	run(full, cmd);
	if (!cached)
		return;
	/* Kept whole or not at all: runs at once may make the same entry. */
	snprintf(full, sizeof(full), "mkdir -p '%s' && t=$(mktemp -d '%s/.new.XXXXXX') && "
	    "cd '%s' && find . -mindepth 1 -maxdepth 1 ! -name log -exec cp -p {} \"$t\" \\; && "
	    "{ mv -T \"$t\" '%s/%s' 2>/dev/null || rm -rf \"$t\"; }",
	    cache, cache, tmpdir, cache, hex);
	run(full, full);
}

int
have(const char *prog)
{
	char	cmd[256];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", prog);
	return system(cmd) == 0;
}

void
write_file(const char *name, const void *buf, size_t len, mode_t mode)
{
	FILE	*f = fopen(P(name), "wb");

	cr_assert_not_null(f, "%s: %s", P(name), strerror(errno));
	cr_assert_eq(fwrite(buf, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(chmod(P(name), mode), 0);
}

/* The file's bytes in a buffer of exactly its size, so ASan sees overreads. */
unsigned char *
slurp(const char *name, size_t *len)
{
	unsigned char	*buf;
	struct stat	 st;
	FILE		*f;

	cr_assert_eq(stat(P(name), &st), 0, "%s: %s", P(name), strerror(errno));
	*len = (size_t)st.st_size;
	cr_assert_not_null(buf = malloc(*len > 0 ? *len : 1));
	cr_assert_not_null(f = fopen(P(name), "rb"));
	cr_assert_eq(fread(buf, 1, *len, f), *len);
	fclose(f);
	return buf;
}

X509 *
cert_of(const char *name)
{
	FILE	*f = fopen(P(name), "r");
	X509	*x;

	cr_assert_not_null(f, "%s: %s", P(name), strerror(errno));
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	cr_assert_not_null(x, "no certificate in %s", name);
	return x;
}

EVP_PKEY *
key_of(const char *name)
{
	FILE		*f = fopen(P(name), "r");
	EVP_PKEY	*k;

	cr_assert_not_null(f, "%s: %s", P(name), strerror(errno));
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	cr_assert_not_null(k, "no private key in %s", name);
	return k;
}

int
has_cn(const X509 *x, const char *cn)
{
	char	buf[256];

	if (X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName,
	    buf, sizeof(buf)) < 0)
		return 0;
	return strcmp(buf, cn) == 0;
}

/* NAME.key (unencrypted PKCS#8, P-256) and NAME.crt, self-signed for CN. */
void
gen(const char *name, const char *cn)
{
	sh("openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
	    "-nodes -keyout %s.key -out %s.crt -days 30 -subj /O=test/CN=%s",
	    name, name, cn);
}

/* NAME.key and NAME.crt, signed by ca.key (made by gen("ca", ...)). */
void
gen_signed(const char *name, const char *cn)
{
	sh("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
	    "-nodes -keyout %s.key -out %s.csr -subj /O=test/CN=%s && "
	    "openssl x509 -req -in %s.csr -CA ca.crt -CAkey ca.key "
	    "-CAcreateserial -days 30 -out %s.crt", name, name, cn, name, name);
}

