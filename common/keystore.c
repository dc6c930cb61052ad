/* SPDX-License-Identifier: ISC */
/*
 * keystore.c: reads the manual's keyStore and trustStore files.  Formats are
 * told apart by content, never by name: PEM (what certs/mkkeys.sh writes),
 * PKCS#12 (what keytool writes since Java 9), a bare DER certificate (what
 * "keytool -export" writes, accepted as a trustStore), JKS (what keytool
 * wrote up to Java 8: see jks.c).  A JCEKS file is refused with the keytool
 * command that converts it.  Every failure says why in words an admin can
 * act on.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>

#include "jks.h"
#include "keystore.h"
#include "readfile.h"
#include "log.h"

#define JKS_MAGIC	0xfeedfeedU
#define JCEKS_MAGIC	0xcecececeU	/* jks_parse refuses it with a hint */

enum kind { K_PEM, K_PKCS12, K_DER, K_JKS, K_UNKNOWN };

static enum kind
detect(const unsigned char *buf, size_t len)
{
	const unsigned char	*p = buf;
	PKCS12			*p12;
	X509			*x;
	unsigned		 magic;

	magic = len < 4 ? 0 : ((unsigned)buf[0] << 24 |
	    (unsigned)buf[1] << 16 | (unsigned)buf[2] << 8 | buf[3]);
	if (magic == JKS_MAGIC || magic == JCEKS_MAGIC)
		return K_JKS;
	if (memmem(buf, len, "-----BEGIN ", 11) != NULL)
		return K_PEM;
	if (len > LONG_MAX)
		return K_UNKNOWN;
	if ((p12 = d2i_PKCS12(NULL, &p, (long)len)) != NULL) {
		PKCS12_free(p12);
		return K_PKCS12;
	}
	p = buf;
	if ((x = d2i_X509(NULL, &p, (long)len)) != NULL) {
		X509_free(x);
		return K_DER;
	}
	ERR_clear_error();
	return K_UNKNOWN;
}

/*
 * asked: the key is encrypted.  A wrong password then fails to decode in one
 * of two ways: bad CBC padding (BAD_DECRYPT), or, about one time in 300,
 * padding that happens to look right around garbage (an ASN.1 error).
 */
struct pem_pw {
	const char	*pw;
	int		 asked;
};

static int
pem_password(char *out, int size, int rwflag, void *u)
{
	struct pem_pw	*p = u;
	const char	*pw = p->pw;
	size_t		 n;

	(void)rwflag;
	p->asked = 1;
	if (pw == NULL || (n = strlen(pw)) == 0 || n > (size_t)size)
		return 0;
	memcpy(out, pw, n);
	return (int)n;
}

/* Whether the last OpenSSL error means a wrong or missing password. */
static int
is_password_error(void)
{
	unsigned long	e;

	while ((e = ERR_get_error()) != 0) {
		int lib = ERR_GET_LIB(e), reason = ERR_GET_REASON(e);

		if ((lib == ERR_LIB_PEM && (reason == PEM_R_BAD_DECRYPT ||
		    reason == PEM_R_BAD_PASSWORD_READ ||
		    reason == PEM_R_PROBLEMS_GETTING_PASSWORD)) ||
		    (lib == ERR_LIB_EVP && reason == EVP_R_BAD_DECRYPT) ||
		    (lib == ERR_LIB_PKCS12 &&
		    reason == PKCS12_R_PKCS12_CIPHERFINAL_ERROR)) {
			ERR_clear_error();
			return 1;
		}
	}
	return 0;
}

static int
refuse(char *err, size_t errlen, int r, const char *why)
{
	snprintf(err, errlen, "%s", why);
	ERR_clear_error();
	return r;
}

/* The BEGIN lines of certificates in buf, as PEM_read_bio_X509 takes them. */
static int
pem_cert_lines(const unsigned char *buf, size_t len)
{
	static const char *const begins[] = {
		"-----BEGIN CERTIFICATE-----",
		"-----BEGIN X509 CERTIFICATE-----",
	};
	const unsigned char	*p, *end = buf + len;
	size_t			 i, n;
	int			 count = 0;

	for (i = 0; i < sizeof(begins) / sizeof(begins[0]); i++) {
		n = strlen(begins[i]);
		for (p = buf; (p = memmem(p, (size_t)(end - p), begins[i],
		    n)) != NULL; p += n)
			count++;
	}
	return count;
}

/*
 * Certificates of a PEM buffer, in file order.  NULL, with the reason in
 * err, when there are none, too many, or one is damaged: a file cut off
 * mid-certificate (a copy that ran out of space) must not quietly trust
 * only the certificates before the cut.  The reader's end is the one clean
 * ending: no further BEGIN line.  A damaged block of another kind (a PGP
 * signature after the certificates) is skipped as before, when every
 * certificate's BEGIN line was read.
 */
static STACK_OF(X509) *
pem_certs(const unsigned char *buf, size_t len, char *err, size_t errlen)
{
	STACK_OF(X509)	*sk;
	BIO		*bio;
	X509		*x;
	unsigned long	 e;
	int		 too_many = 0, damaged;

	if ((sk = sk_X509_new_null()) == NULL ||
	    (bio = BIO_new_mem_buf(buf, (int)len)) == NULL) {
		sk_X509_free(sk);
		refuse(err, errlen, 0, "out of memory");
		return NULL;
	}
	ERR_clear_error();
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (sk_X509_num(sk) >= KEYSTORE_MAX_CERTS) {
			X509_free(x);
			too_many = 1;
			break;
		}
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			break;
		}
	}
	BIO_free(bio);
	e = ERR_peek_last_error();
	damaged = !too_many && !(ERR_GET_LIB(e) == ERR_LIB_PEM &&
	    ERR_GET_REASON(e) == PEM_R_NO_START_LINE) &&
	    pem_cert_lines(buf, len) > sk_X509_num(sk);
	ERR_clear_error();
	if (too_many)
		snprintf(err, errlen, "too many certificates");
	else if (damaged)
		snprintf(err, errlen, "certificate %d is damaged or cut off",
		    sk_X509_num(sk) + 1);
	else if (sk_X509_num(sk) == 0)
		snprintf(err, errlen, "no certificate");
	else
		return sk;
	sk_X509_pop_free(sk, X509_free);
	return NULL;
}

/* Moves the certificate matching key out of sk into id->cert. */
static int
pick_leaf(struct identity *id, STACK_OF(X509) *sk, char *err, size_t errlen)
{
	int	i;

	for (i = 0; i < sk_X509_num(sk); i++) {
		X509 *x = sk_X509_value(sk, i);

		if (X509_check_private_key(x, id->key) == 1) {
			id->cert = sk_X509_delete(sk, i);
			id->chain = sk;
			ERR_clear_error();
			return 0;
		}
	}
	sk_X509_pop_free(sk, X509_free);
	return refuse(err, errlen, -EINVAL,
	    "private key does not match its certificate");
}

static OSSL_PROVIDER	*prov_default, *prov_legacy;
static int		 unload_registered;

/*
 * Drops the references taken below before OpenSSL's own exit handler runs
 * (atexit handlers run last registered first): a provider still referenced
 * then is never torn down, and the legacy one leaks its library context.
 */
static void
unload_legacy(void)
{
	if (prov_legacy != NULL)
		OSSL_PROVIDER_unload(prov_legacy);
	if (prov_default != NULL)
		OSSL_PROVIDER_unload(prov_default);
	prov_legacy = prov_default = NULL;
}

/*
 * PKCS#12 files from older tools use RC2 or 3DES, and their PEM keys DES or
 * PBE-MD5-DES, which OpenSSL 3 keeps in its legacy provider: load it (with
 * the default one, which loading any provider explicitly would otherwise
 * displace) only when a file needs it.
 */
static int
load_legacy(void)
{
	if (OSSL_PROVIDER_available(NULL, "legacy"))
		return 0;
	if (!unload_registered) {
		if (atexit(unload_legacy) != 0)
			return -1;
		unload_registered = 1;
	}
	if ((prov_default == NULL &&
	    (prov_default = OSSL_PROVIDER_load(NULL, "default")) == NULL) ||
	    (prov_legacy = OSSL_PROVIDER_load(NULL, "legacy")) == NULL) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

static int
pem_identity(const unsigned char *buf, size_t len, const char *password,
    struct identity *id, char *err, size_t errlen)
{
	STACK_OF(X509)	*sk;
	BIO		*bio;
	struct pem_pw	 pw = { password, 0 };
	int		 attempt;

	if (memmem(buf, len, "PRIVATE KEY-----", 16) == NULL)
		return refuse(err, errlen, -EINVAL, "no private key");
	for (attempt = 0; attempt < 2; attempt++) {
		if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL)
			return refuse(err, errlen, -ENOMEM, "out of memory");
		ERR_clear_error();
		pw.asked = 0;
		id->key = PEM_read_bio_PrivateKey(bio, NULL, pem_password,
		    &pw);
		BIO_free(bio);
		/* An encrypted key that did not decrypt may need the
		 * legacy provider: tried again with it, once. */
		if (id->key != NULL || !pw.asked || attempt == 1 ||
		    OSSL_PROVIDER_available(NULL, "legacy") ||
		    load_legacy() != 0)
			break;
	}
	if (id->key == NULL) {
		if (is_password_error() || pw.asked)
			return refuse(err, errlen, -EACCES, "bad password");
		return refuse(err, errlen, -EINVAL, "unreadable private key");
	}
	if ((sk = pem_certs(buf, len, err, errlen)) == NULL)
		return -EINVAL;
	return pick_leaf(id, sk, err, errlen);
}

static int
p12_open(const unsigned char *buf, size_t len, const char *password,
    EVP_PKEY **key, X509 **cert, STACK_OF(X509) **ca, char *err, size_t errlen)
{
	const unsigned char	*p = buf;
	const char		*pw = password != NULL ? password : "";
	PKCS12			*p12;
	int			 ok, attempt;

	if ((p12 = d2i_PKCS12(NULL, &p, (long)len)) == NULL)
		return refuse(err, errlen, -EINVAL, "damaged PKCS#12 file");
	if (PKCS12_mac_present(p12)) {
		const ASN1_INTEGER	*iter = NULL;
		int64_t			 n = 1;	/* DER's default */

		PKCS12_get0_mac(NULL, NULL, NULL, &iter, p12);
		if (iter != NULL && !ASN1_INTEGER_get_int64(&n, iter)) {
			PKCS12_free(p12);
			return refuse(err, errlen, -EINVAL, "its MAC iteration "
			    "count is too large to read (a damaged file?)");
		}
		if (n < 1 || n > KEYSTORE_MAX_ITER) {
			PKCS12_free(p12);
			ERR_clear_error();
			snprintf(err, errlen, "its MAC iteration count %lld "
			    "is not in 1..%d (a damaged file?)", (long long)n,
			    KEYSTORE_MAX_ITER);
			return -EINVAL;
		}
		if (!PKCS12_verify_mac(p12, pw, -1) &&
		    !(*pw == '\0' && PKCS12_verify_mac(p12, NULL, 0))) {
			PKCS12_free(p12);
			return refuse(err, errlen, -EACCES, "bad password");
		}
		if (*pw == '\0' && !PKCS12_verify_mac(p12, pw, -1))
			pw = NULL;
	}
	for (attempt = 0; attempt < 2; attempt++) {
		ERR_clear_error();
		ok = PKCS12_parse(p12, pw, key, cert, ca);
		if (ok || attempt == 1 || load_legacy() != 0)
			break;
	}
	PKCS12_free(p12);
	if (!ok) {
		if (is_password_error())
			return refuse(err, errlen, -EACCES, "bad password");
		return refuse(err, errlen, -EINVAL, "unsupported PKCS#12 "
		    "encryption (convert it with openssl pkcs12 -legacy)");
	}
	ERR_clear_error();
	return 0;
}

int
keystore_parse_identity(const unsigned char *buf, size_t len,
    const char *password, struct identity *id, char *err, size_t errlen)
{
	STACK_OF(X509)	*ca = NULL;
	int		 r;

	memset(id, 0, sizeof(*id));
	if (len > KEYSTORE_MAX_FILE)
		return refuse(err, errlen, -EFBIG, "file too large");
	switch (detect(buf, len)) {
	case K_PEM:
		r = pem_identity(buf, len, password, id, err, errlen);
		break;
	case K_PKCS12:
		r = p12_open(buf, len, password, &id->key, &id->cert, &ca,
		    err, errlen);
		if (r != 0)
			break;
		if (id->key == NULL)
			r = refuse(err, errlen, -EINVAL, "no private key");
		else if (id->cert == NULL)	/* none of ca matched the key */
			r = refuse(err, errlen, -EINVAL, sk_X509_num(ca) > 0 ?
			    "private key does not match its certificate" :
			    "no certificate");
		else if (X509_check_private_key(id->cert, id->key) != 1)
			r = refuse(err, errlen, -EINVAL,
			    "private key does not match its certificate");
		id->chain = ca;
		break;
	case K_DER:
		r = refuse(err, errlen, -EINVAL, "no private key (a lone "
		    "certificate belongs in a trustStore)");
		break;
	case K_JKS:
		/* jks_parse checks that the key matches its certificate. */
		r = jks_parse(buf, len, password, &id->key, &id->cert,
		    &id->chain, NULL, err, errlen);
		if (r == 0 && id->key == NULL)
			r = refuse(err, errlen, -EINVAL, "no private key");
		break;
	default:
		r = refuse(err, errlen, -EINVAL, "not a PEM or PKCS#12 file");
		break;
	}
	if (r != 0)
		identity_free(id);
	return r;
}

/*
 * Whether a PKCS#12 file shows a private key without its password: the
 * key bags of its unencrypted parts (where keytool and openssl pkcs12 put
 * the shrouded key; the certificates are in the encrypted part).
 */
static int
p12_has_key(const unsigned char *buf, size_t len)
{
	const unsigned char		*p = buf;
	PKCS12				*p12;
	STACK_OF(PKCS7)			*safes;
	STACK_OF(PKCS12_SAFEBAG)	*bags;
	int				 i, j, nid, found = 0;

	if ((p12 = d2i_PKCS12(NULL, &p, (long)len)) == NULL)
		return 0;
	if ((safes = PKCS12_unpack_authsafes(p12)) != NULL) {
		for (i = 0; !found && i < sk_PKCS7_num(safes); i++) {
			PKCS7 *p7 = sk_PKCS7_value(safes, i);

			if (OBJ_obj2nid(p7->type) != NID_pkcs7_data ||
			    (bags = PKCS12_unpack_p7data(p7)) == NULL)
				continue;
			for (j = 0; j < sk_PKCS12_SAFEBAG_num(bags); j++) {
				nid = PKCS12_SAFEBAG_get_nid(
				    sk_PKCS12_SAFEBAG_value(bags, j));
				if (nid == NID_pkcs8ShroudedKeyBag ||
				    nid == NID_keyBag)
					found = 1;
			}
			sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
		}
		sk_PKCS7_pop_free(safes, PKCS7_free);
	}
	PKCS12_free(p12);
	ERR_clear_error();
	return found;
}

int
keystore_parse_trust(const unsigned char *buf, size_t len,
    const char *password, STACK_OF(X509) **certs, char *err, size_t errlen)
{
	STACK_OF(X509)	*sk = NULL;
	EVP_PKEY	*key = NULL;
	X509		*cert = NULL;
	const unsigned char *p = buf;
	int		 r;

	*certs = NULL;
	if (len > KEYSTORE_MAX_FILE)
		return refuse(err, errlen, -EFBIG, "file too large");
	switch (detect(buf, len)) {
	case K_PEM:
		/* cmapp_mkkeys's client.private named by mistake: it would
		 * trust this side's own certificate, not the other side's. */
		if (memmem(buf, len, "PRIVATE KEY-----", 16) != NULL)
			return refuse(err, errlen, -EINVAL,
			    KEYSTORE_PRIVATE_AS_TRUST);
		if ((sk = pem_certs(buf, len, err, errlen)) == NULL)
			return -EINVAL;
		break;
	case K_PKCS12:
		r = p12_open(buf, len, password, &key, &cert, &sk, err,
		    errlen);
		/* Its password is the keyStore's: not "bad password". */
		if (r == -EACCES && p12_has_key(buf, len))
			return refuse(err, errlen, -EINVAL,
			    KEYSTORE_PRIVATE_AS_TRUST);
		if (r != 0)
			return r;
		/* A trustStore trusts certificates; a key there is unused. */
		EVP_PKEY_free(key);
		if (sk == NULL && (sk = sk_X509_new_null()) == NULL) {
			X509_free(cert);
			return refuse(err, errlen, -ENOMEM, "out of memory");
		}
		if (cert != NULL && !sk_X509_push(sk, cert))
			X509_free(cert);
		if (sk_X509_num(sk) == 0) {
			sk_X509_free(sk);
			return refuse(err, errlen, -EINVAL, "no certificate");
		}
		if (sk_X509_num(sk) > KEYSTORE_MAX_CERTS) {
			sk_X509_pop_free(sk, X509_free);
			return refuse(err, errlen, -EINVAL,
			    "too many certificates");
		}
		break;
	case K_DER:
		if ((sk = sk_X509_new_null()) == NULL ||
		    (cert = d2i_X509(NULL, &p, (long)len)) == NULL ||
		    !sk_X509_push(sk, cert)) {
			X509_free(cert);
			sk_X509_free(sk);
			return refuse(err, errlen, -ENOMEM, "out of memory");
		}
		/* Two DER files put together: the second would be silently
		 * not trusted. */
		if (p != buf + len) {
			sk_X509_pop_free(sk, X509_free);
			snprintf(err, errlen, "%zu bytes after its DER "
			    "certificate: a DER file holds one certificate "
			    "(several go in one PEM file)",
			    len - (size_t)(p - buf));
			ERR_clear_error();
			return -EINVAL;
		}
		break;
	case K_JKS:
		if ((r = jks_parse(buf, len, password, NULL, &cert, NULL, &sk,
		    err, errlen)) != 0)
			return r;
		/* Java's trust manager also trusts a key entry's own leaf. */
		if (cert != NULL && !sk_X509_push(sk, cert)) {
			X509_free(cert);
			sk_X509_pop_free(sk, X509_free);
			return refuse(err, errlen, -ENOMEM, "out of memory");
		}
		/* At most JKS_MAX_ENTRIES (= KEYSTORE_MAX_CERTS) certificates. */
		if (sk_X509_num(sk) == 0) {
			sk_X509_free(sk);
			return refuse(err, errlen, -EINVAL, "no certificate");
		}
		break;
	default:
		return refuse(err, errlen, -EINVAL,
		    "not a PEM, PKCS#12 or DER certificate file");
	}
	*certs = sk;
	ERR_clear_error();
	return 0;
}

static const char *
file_error(int r)
{
	switch (r) {
	case -EFBIG:
		return "file too large (over 1 MiB)";
	case -EISDIR:
		return "not a regular file";
	default:
		return strerror(-r);
	}
}

int
keystore_read_identity(const char *path, const char *password,
    struct identity *id, char *err, size_t errlen)
{
	struct stat	 st;
	char		*buf, why[256];
	size_t		 len;
	int		 r;

	memset(id, 0, sizeof(*id));
	if ((r = readfile(path, KEYSTORE_MAX_FILE, READFILE_REGULAR, &buf, &len,
	    &st)) != 0) {
		snprintf(err, errlen, "cannot read keyStore %s: %s", path,
		    file_error(r));
		return r;
	}
	if (st.st_mode & (S_IRGRP | S_IROTH))
		log_warnx("keyStore %s is readable by others than its owner "
		    "(chmod 600 it)", path);
	else if (st.st_mode & (S_IRWXG | S_IRWXO))
		log_warnx("keyStore %s is writable by others than its owner, "
		    "mode %03o (chmod 600 it)", path,
		    (unsigned)(st.st_mode & 0777));
	r = keystore_parse_identity((unsigned char *)buf, len, password, id,
	    why, sizeof(why));
	explicit_bzero(buf, len);
	free(buf);
	if (r != 0)
		snprintf(err, errlen, "cannot read keyStore %s: %s", path, why);
	return r;
}

int
keystore_read_trust(const char *path, const char *password,
    STACK_OF(X509) **certs, char *err, size_t errlen)
{
	struct stat	 st;
	char		*buf, why[256];
	size_t		 len;
	int		 r;

	*certs = NULL;
	if ((r = readfile(path, KEYSTORE_MAX_FILE, READFILE_REGULAR, &buf, &len,
	    &st)) != 0) {
		snprintf(err, errlen, KEYSTORE_TRUST_ERR "%s: %s", path,
		    file_error(r));
		return r;
	}
	/* Public, but whoever may write it chooses whom we trust. */
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		log_warnx("trustStore %s is writable by others than its owner, "
		    "mode %03o: whoever can write it decides which peers are "
		    "trusted (chmod 644 it)", path,
		    (unsigned)(st.st_mode & 0777));
	r = keystore_parse_trust((unsigned char *)buf, len, password, certs,
	    why, sizeof(why));
	free(buf);
	if (r != 0)
		snprintf(err, errlen, KEYSTORE_TRUST_ERR "%s: %s", path,
		    why);
	return r;
}

void
identity_free(struct identity *id)
{
	EVP_PKEY_free(id->key);
	X509_free(id->cert);
	if (id->chain != NULL)
		sk_X509_pop_free(id->chain, X509_free);
	memset(id, 0, sizeof(*id));
}
