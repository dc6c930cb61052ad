/* SPDX-License-Identifier: ISC */
/*
 * keyfix.h: the fixture shared by the key-file tests (test_keystore.c,
 * test_jks.c): a fresh directory under /tmp per test, shell commands run
 * in it, files read and written there, key material made with the openssl
 * command line, and a leak check that fails the test under ASan.
 */
#ifndef CMAPP_KEYFIX_H
#define CMAPP_KEYFIX_H

#include <stddef.h>
#include <sys/types.h>
#include <openssl/x509.h>

void	kf_setup(const char *prefix);	/* .init: makes the directory */
void	kf_teardown(void);		/* .fini: removes it */
/* The test's directory ("" outside a test). */
const char *kf_dir(void);
void	no_leaks(void);			/* called last in every test */
/* NAME's path in the test directory (a few stay valid at once). */
const char *P(const char *name);
/* Runs a shell command in the test directory; output goes to "log". */
void	sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int	have(const char *prog);
void	write_file(const char *name, const void *buf, size_t len, mode_t mode);
/* The file's bytes in a buffer of exactly its size, so ASan sees overreads. */
unsigned char *slurp(const char *name, size_t *len);
X509	*cert_of(const char *name);		/* a PEM certificate file */
EVP_PKEY *key_of(const char *name);		/* an unencrypted PEM key */
int	 has_cn(const X509 *x, const char *cn);
/* NAME.key (unencrypted PKCS#8, P-256) and NAME.crt, self-signed for CN. */
void	gen(const char *name, const char *cn);
/* NAME.key and NAME.crt, signed by ca.key (made by gen("ca", ...)). */
void	gen_signed(const char *name, const char *cn);

#endif
