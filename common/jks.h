/* SPDX-License-Identifier: ISC */
/*
 * jks.h: reads Java's JKS keystores (what keytool wrote by default up to
 * Java 8, and what admins migrating from HP-UX still carry) as a drop-in
 * for the manual's keyStore and trustStore files.  A pure function over a
 * buffer, so that it can be fuzzed; keystore.c tells the format apart and
 * reads the file.
 */
#ifndef CMAPP_JKS_H
#define CMAPP_JKS_H

#include <stddef.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

/* Limits on what a file may claim, each checked before it is believed. */
#define JKS_MAX_ENTRIES		64		/* entries in the store */
#define JKS_MAX_CERT_LEN	(64 * 1024)	/* bytes of one certificate */
#define JKS_MAX_KEY_LEN		(64 * 1024)	/* bytes of one protected key */
#define JKS_MAX_CHAIN		16		/* certificates in one chain */

/*
 * Parses a JKS keystore (magic FEEDFEED, version 1 or 2).  Verifies the
 * store's SHA-1 integrity digest with password (UTF-16BE bytes of it +
 * "Mighty Aphrodite" + the data); a mismatch is -EACCES "bad password".
 * The password is UTF-8; one that is not valid UTF-8 is read as ISO-8859-1,
 * as Java read it in a Latin-1 locale.  NULL is the empty password.
 *
 * *key: the first PrivateKeyEntry's key (in file order), decrypted with
 * password (Sun's JKS key protector, OID 1.3.6.1.4.1.42.2.17.1.1), or NULL
 * if there is none; *cert its leaf certificate (checked to match the key
 * when both are asked for), *chain the rest of its chain (an empty stack
 * when there is no key or no rest); *trusted every trustedCertEntry's
 * certificate, in file order (may be an empty stack).  Any out pointer may
 * be NULL if the caller does not want it; the key is decrypted only when
 * key is not NULL.  On failure every out pointer is set to NULL.
 *
 * 0, or -EINVAL, -EACCES or -ENOMEM with a short reason in err ("bad
 * password", "truncated file", "unsupported key protection (JCEKS?)", ...).
 * OpenSSL's error queue is left empty either way.
 */
int	jks_parse(const unsigned char *buf, size_t len, const char *password,
	    EVP_PKEY **key, X509 **cert, STACK_OF(X509) **chain,
	    STACK_OF(X509) **trusted, char *err, size_t errlen);

#endif
