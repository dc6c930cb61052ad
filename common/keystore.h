/* SPDX-License-Identifier: ISC */
/*
 * keystore.h: reads the manual's key files.  A keyStore is PEM (private key,
 * optionally encrypted with the password, plus its certificate and chain) or
 * PKCS#12 (what modern keytool writes).  A trustStore is PEM (one or more
 * certificates) or PKCS#12; both may also be JKS (old keytool, jks.c).
 * The *_parse functions work on a buffer (fuzzable); *_read read a file.
 */
#ifndef CMAPP_KEYSTORE_H
#define CMAPP_KEYSTORE_H

#include <stddef.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#define KEYSTORE_MAX_FILE	(1024 * 1024)	/* bytes in a key file */
#define KEYSTORE_MAX_CERTS	64		/* certificates in a trustStore */
/* A PKCS#12 MAC's iteration count: each password tried runs them all, and
 * a crafted count stalled the start for minutes.  keytool writes 10000,
 * openssl pkcs12 2048; today's advice for PBKDF2 is 600000.  (The counts
 * of the encrypted parts and keys are OpenSSL's to run, unchecked: with a
 * MAC, only once the password proved right.) */
#define KEYSTORE_MAX_ITER	2000000
/* Why a trustStore is refused that holds a private key under another
 * password (keytool's keyStore named by mistake): not "bad password". */
#define KEYSTORE_PRIVATE_AS_TRUST "a private keyStore (it holds a private " \
	"key), where a trustStore is expected: name the file with the " \
	"other side's certificate (client.public, server_GUEST.public)"

struct identity {
	EVP_PKEY	*key;
	X509		*cert;
	STACK_OF(X509)	*chain;		/* may be NULL */
};

/* 0, or -errno with "why" in err (e.g. "bad password", "no private key"). */
int	keystore_parse_identity(const unsigned char *buf, size_t len,
	    const char *password, struct identity *id, char *err, size_t errlen);
int	keystore_parse_trust(const unsigned char *buf, size_t len,
	    const char *password, STACK_OF(X509) **certs, char *err,
	    size_t errlen);

/*
 * The file readers prefix err with "cannot read keyStore PATH: " or
 * KEYSTORE_TRUST_ERR "PATH: ": a caller tells the trustStore's failures
 * by that prefix.  keystore_read_identity warns (log_warnx) when the file
 * is readable by group or others.
 */
#define KEYSTORE_TRUST_ERR	"cannot read trustStore "
int	keystore_read_identity(const char *path, const char *password,
	    struct identity *id, char *err, size_t errlen);
int	keystore_read_trust(const char *path, const char *password,
	    STACK_OF(X509) **certs, char *err, size_t errlen);

void	identity_free(struct identity *id);

#endif
