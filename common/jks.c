/* SPDX-License-Identifier: ISC */
/*
 * jks.c: reads a JKS keystore (Sun's sun.security.provider.JavaKeyStore),
 * the format of the manual's keytool commands on the Java versions the
 * product shipped with.  Layout, all integers big-endian:
 *
 *   u32 magic FEEDFEED, u32 version (1 or 2), u32 count, count entries of
 *     u32 tag 1 (private key): alias (u16 length + modified UTF-8),
 *         u64 timestamp, u32 length + EncryptedPrivateKeyInfo DER,
 *         u32 chain length, per certificate: [version 2: type as u16
 *         length + UTF-8, "X.509"] u32 length + DER
 *     u32 tag 2 (trusted certificate): alias, u64 timestamp,
 *         [version 2: type] u32 length + DER
 *   20 bytes: SHA-1(password as UTF-16BE || "Mighty Aphrodite" || the above)
 *
 * The file is walked twice.  The first walk checks only lengths, so that a
 * truncated or hostile file is refused before anything is allocated and
 * before a password is blamed for what is damage.  The second, once the
 * digest has matched, decodes only what the caller asked for.  The file is
 * the local admin's, not a peer's, but a damaged one must still be refused
 * with a reason, never crash or leak.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "jks.h"
#include "keystore.h"

#define JKS_MAGIC	0xfeedfeedU
#define JCEKS_MAGIC	0xcecececeU	/* keytool -storetype JCEKS */
#define TAG_KEY		1
#define TAG_TRUSTED	2
#define SHA1_LEN	20
#define SALT_LEN	20		/* key protector: salt, ciphertext */
#define WHITENER	"Mighty Aphrodite"
#define KEY_PROTECTOR	"1.3.6.1.4.1.42.2.17.1.1"
#define CERT_TYPE	"X.509"

static int
refuse(char *err, size_t errlen, int r, const char *why)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", why);
	return r;
}

/* --- reading the file ------------------------------------------------- */

/* A cursor over the bytes not yet read: every read checks what is left. */
struct rd {
	const unsigned char	*p;
	size_t			 left;
};

static int
take(struct rd *r, size_t n, const unsigned char **out)
{
	if (n > r->left)
		return -1;
	if (out != NULL)
		*out = r->p;
	r->p += n;
	r->left -= n;
	return 0;
}

static int
get_u16(struct rd *r, uint32_t *v)
{
	const unsigned char	*p;

	if (take(r, 2, &p) != 0)
		return -1;
	*v = (uint32_t)p[0] << 8 | p[1];
	return 0;
}

static int
get_u32(struct rd *r, uint32_t *v)
{
	const unsigned char	*p;

	if (take(r, 4, &p) != 0)
		return -1;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	return 0;
}

/*
 * A Java writeUTF string.  Its u16 length is its own limit (64 KiB), and
 * the content is never decoded: aliases are only skipped, the certificate
 * type only compared.
 */
static int
get_utf(struct rd *r, const unsigned char **s, size_t *n)
{
	uint32_t	len;

	if (get_u16(r, &len) != 0 || take(r, len, s) != 0)
		return -1;
	*n = len;
	return 0;
}

/* Where the decoded certificates go; NULL members are not wanted. */
struct out {
	X509		**cert;		/* the first key entry's leaf */
	STACK_OF(X509)	 *chain;	/* the rest of that chain */
	STACK_OF(X509)	 *trusted;	/* every trusted certificate entry */
};

/* What the first walk learns. */
struct layout {
	size_t			 end;		/* offset of the digest */
	const unsigned char	*key;		/* first key entry's */
	size_t			 keylen;	/* EncryptedPrivateKeyInfo */
};

/* DER that must be one X.509 certificate and nothing more. */
static X509 *
decode_cert(const unsigned char *der, size_t len)
{
	const unsigned char	*p = der;
	X509			*x;

	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL)
		return NULL;
	if (p != der + len) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/*
 * One certificate of an entry.  On the second walk (o != NULL) it is
 * decoded into *dst or pushed onto sk, whichever the caller wanted.
 */
static int
read_cert(struct rd *r, uint32_t version, const struct out *o, X509 **dst,
    STACK_OF(X509) *sk, char *err, size_t errlen)
{
	const unsigned char	*type, *der;
	size_t			 typelen;
	uint32_t		 len;
	X509			*x;

	if (version == 2) {
		if (get_utf(r, &type, &typelen) != 0)
			return refuse(err, errlen, -EINVAL, "truncated file");
		/* The only type Java's JKS ever held; anything else is not. */
		if (typelen != strlen(CERT_TYPE) ||
		    memcmp(type, CERT_TYPE, typelen) != 0)
			return refuse(err, errlen, -EINVAL,
			    "unsupported certificate type (not X.509)");
	}
	if (get_u32(r, &len) != 0)
		return refuse(err, errlen, -EINVAL, "truncated file");
	if (len > JKS_MAX_CERT_LEN)
		return refuse(err, errlen, -EINVAL, "certificate too large");
	if (take(r, len, &der) != 0)
		return refuse(err, errlen, -EINVAL, "truncated file");
	if (o == NULL || (dst == NULL && sk == NULL))
		return 0;
	if ((x = decode_cert(der, len)) == NULL)
		return refuse(err, errlen, -EINVAL, "damaged certificate");
	if (dst != NULL)
		*dst = x;
	else if (!sk_X509_push(sk, x)) {
		X509_free(x);
		return refuse(err, errlen, -ENOMEM, "out of memory");
	}
	return 0;
}

/*
 * Walks the entries.  The first walk (o == NULL) fills lay and checks every
 * length against the bytes left and its limit; the second decodes into o.
 */
static int
walk(const unsigned char *buf, size_t len, struct layout *lay,
    const struct out *o, char *err, size_t errlen)
{
	struct rd		 r = { buf, len };
	const unsigned char	*alias, *key;
	size_t			 aliaslen;
	uint32_t		 magic, version, count, tag, klen, nchain, i, j;
	int			 first_key = 1, rc;

	if (get_u32(&r, &magic) != 0 || get_u32(&r, &version) != 0)
		return refuse(err, errlen, -EINVAL, "truncated file");
	/* The magic was checked by the caller; the version is checked here. */
	if (version != 1 && version != 2)
		return refuse(err, errlen, -EINVAL, "unsupported JKS version");
	if (get_u32(&r, &count) != 0)
		return refuse(err, errlen, -EINVAL, "truncated file");
	if (count > JKS_MAX_ENTRIES)
		return refuse(err, errlen, -EINVAL, "too many entries");
	for (i = 0; i < count; i++) {
		if (get_u32(&r, &tag) != 0 ||
		    get_utf(&r, &alias, &aliaslen) != 0 ||
		    take(&r, 8, NULL) != 0)		/* timestamp */
			return refuse(err, errlen, -EINVAL, "truncated file");
		if (tag == TAG_TRUSTED) {
			rc = read_cert(&r, version, o, NULL,
			    o != NULL ? o->trusted : NULL, err, errlen);
			if (rc != 0)
				return rc;
			continue;
		}
		/* JCEKS's secret keys (tag 3) never appear in a JKS file. */
		if (tag != TAG_KEY)
			return refuse(err, errlen, -EINVAL,
			    "damaged file (unknown entry type)");
		if (get_u32(&r, &klen) != 0)
			return refuse(err, errlen, -EINVAL, "truncated file");
		if (klen > JKS_MAX_KEY_LEN)
			return refuse(err, errlen, -EINVAL,
			    "private key too large");
		if (take(&r, klen, &key) != 0 || get_u32(&r, &nchain) != 0)
			return refuse(err, errlen, -EINVAL, "truncated file");
		/* Java refuses to store a private key without its chain. */
		if (nchain == 0)
			return refuse(err, errlen, -EINVAL,
			    "damaged file (private key without certificate)");
		if (nchain > JKS_MAX_CHAIN)
			return refuse(err, errlen, -EINVAL,
			    "certificate chain too long");
		if (first_key && o == NULL) {
			lay->key = key;
			lay->keylen = klen;
		}
		for (j = 0; j < nchain; j++) {
			/* Only the first key's chain is handed out. */
			rc = read_cert(&r, version, o,
			    first_key && j == 0 && o != NULL ? o->cert : NULL,
			    first_key && j > 0 && o != NULL ? o->chain : NULL,
			    err, errlen);
			if (rc != 0)
				return rc;
		}
		first_key = 0;
	}
	if (o != NULL)
		return 0;
	lay->end = len - r.left;
	if (take(&r, SHA1_LEN, NULL) != 0)
		return refuse(err, errlen, -EINVAL, "truncated file");
	/*
	 * Java ignores what follows the digest; keytool never writes any, so
	 * bytes there mean the file was damaged in transit.
	 */
	if (r.left != 0)
		return refuse(err, errlen, -EINVAL,
		    "damaged file (data after the digest)");
	return 0;
}

/* --- the password and SHA-1 ------------------------------------------- */

/*
 * The password as Java hashed it: its char[] (UTF-16 code units) as
 * big-endian byte pairs.  Our configuration is UTF-8; a password that is
 * not valid UTF-8 most likely comes from an HP-UX conf file written in a
 * Latin-1 locale, where Java read each byte as one char, so it is read so.
 * Each UTF-8 byte yields at most one code unit, hence 2 * n bytes.
 */
static unsigned char *
utf16be(const char *password, size_t *outlen)
{
	static const uint32_t	 min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	const unsigned char	*s = (const unsigned char *)password;
	unsigned char		*out, *o;
	size_t			 n = strlen(password), i, k, len;
	uint32_t		 cp;

	if (n > SIZE_MAX / 2 - 1 || (out = malloc(2 * n + 1)) == NULL)
		return NULL;
	o = out;
	for (i = 0; i < n; i += len) {
		if (s[i] < 0x80) {
			cp = s[i];
			len = 1;
		} else if (s[i] >= 0xc2 && s[i] <= 0xdf) {
			cp = s[i] & 0x1f;
			len = 2;
		} else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			cp = s[i] & 0x0f;
			len = 3;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			cp = s[i] & 0x07;
			len = 4;
		} else
			goto latin1;
		if (len > n - i)
			goto latin1;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				goto latin1;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		/* Overlong forms, surrogates and beyond Unicode are invalid. */
		if (cp < min[len] || (cp >= 0xd800 && cp <= 0xdfff) ||
		    cp > 0x10ffff)
			goto latin1;
		if (cp >= 0x10000) {	/* a surrogate pair, as Java holds it */
			cp -= 0x10000;
			*o++ = (unsigned char)(0xd8 | cp >> 18);
			*o++ = (unsigned char)(cp >> 10);
			*o++ = (unsigned char)(0xdc | (cp >> 8 & 0x03));
			*o++ = (unsigned char)cp;
		} else {
			*o++ = (unsigned char)(cp >> 8);
			*o++ = (unsigned char)cp;
		}
	}
	*outlen = (size_t)(o - out);
	return out;
latin1:
	for (i = 0, o = out; i < n; i++) {
		*o++ = 0;
		*o++ = s[i];
	}
	*outlen = 2 * n;
	return out;
}

/* SHA-1 of a || b || c (c may be empty), with one context reused. */
static int
sha1(EVP_MD_CTX *ctx, const EVP_MD *md, const void *a, size_t alen,
    const void *b, size_t blen, const void *c, size_t clen,
    unsigned char out[SHA1_LEN])
{
	unsigned int	n;

	if (!EVP_DigestInit_ex(ctx, md, NULL) ||
	    !EVP_DigestUpdate(ctx, a, alen) ||
	    !EVP_DigestUpdate(ctx, b, blen) ||
	    (clen > 0 && !EVP_DigestUpdate(ctx, c, clen)) ||
	    !EVP_DigestFinal_ex(ctx, out, &n) || n != SHA1_LEN)
		return -1;
	return 0;
}

/* --- the key protector ------------------------------------------------ */

/*
 * Sun's JKS key protector (KeyProtector.recover): the protected bytes are
 * salt || ciphertext || check; the keystream is d1 = SHA-1(pw || salt),
 * d2 = SHA-1(pw || d1), ...; the plaintext is a PKCS#8 PrivateKeyInfo
 * whose SHA-1(pw || plaintext) must equal check.
 */
static int
recover_key(EVP_MD_CTX *ctx, const EVP_MD *md, const unsigned char *pw,
    size_t pwlen, const unsigned char *der, size_t derlen, EVP_PKEY **key,
    char *err, size_t errlen)
{
	PKCS8_PRIV_KEY_INFO	*p8 = NULL;
	const X509_ALGOR	*alg;
	const ASN1_OCTET_STRING	*oct;
	const ASN1_OBJECT	*oid;
	const unsigned char	*p = der, *data, *ct;
	unsigned char		*plain = NULL, d[SHA1_LEN], check[SHA1_LEN];
	X509_SIG		*sig;
	char			 txt[64];
	size_t			 n, ctlen = 0, off, k;
	int			 r;

	/* EncryptedPrivateKeyInfo has X509_SIG's shape: AlgorithmId, octets. */
	if ((sig = d2i_X509_SIG(NULL, &p, (long)derlen)) == NULL ||
	    p != der + derlen) {
		r = refuse(err, errlen, -EINVAL, "damaged private key");
		goto out;
	}
	X509_SIG_get0(sig, &alg, &oct);
	X509_ALGOR_get0(&oid, NULL, NULL, alg);
	/* JCEKS protects keys with PBEWithMD5AndTripleDES (...42.2.19.1). */
	if (OBJ_obj2txt(txt, sizeof(txt), oid, 1) <= 0 ||
	    strcmp(txt, KEY_PROTECTOR) != 0) {
		r = refuse(err, errlen, -EINVAL,
		    "unsupported key protection (JCEKS?)");
		goto out;
	}
	data = ASN1_STRING_get0_data(oct);
	n = (size_t)ASN1_STRING_length(oct);
	if (n <= SALT_LEN + SHA1_LEN) {
		r = refuse(err, errlen, -EINVAL, "damaged private key");
		goto out;
	}
	ct = data + SALT_LEN;
	ctlen = n - SALT_LEN - SHA1_LEN;
	if ((plain = malloc(ctlen)) == NULL) {
		r = refuse(err, errlen, -ENOMEM, "out of memory");
		goto out;
	}
	memcpy(d, data, SALT_LEN);
	for (off = 0; off < ctlen; off += SHA1_LEN) {
		if (sha1(ctx, md, pw, pwlen, d, SHA1_LEN, NULL, 0, d) != 0) {
			r = refuse(err, errlen, -ENOMEM, "SHA-1 failed");
			goto out;
		}
		for (k = 0; k < SHA1_LEN && off + k < ctlen; k++)
			plain[off + k] = ct[off + k] ^ d[k];
	}
	if (sha1(ctx, md, pw, pwlen, plain, ctlen, NULL, 0, check) != 0) {
		r = refuse(err, errlen, -ENOMEM, "SHA-1 failed");
		goto out;
	}
	/*
	 * The store's digest matched, so the store password is right: the
	 * key was protected with another one (keytool -keypass), which cmapp,
	 * like the manual, takes to be the same.
	 */
	if (CRYPTO_memcmp(check, ct + ctlen, SHA1_LEN) != 0) {
		r = refuse(err, errlen, -EACCES, "bad key password (the key's "
		    "-keypass must equal the -storepass)");
		goto out;
	}
	p = plain;
	if ((p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)ctlen)) == NULL ||
	    p != plain + ctlen) {
		r = refuse(err, errlen, -EINVAL, "damaged private key");
		goto out;
	}
	if ((*key = EVP_PKCS82PKEY(p8)) == NULL) {
		r = refuse(err, errlen, -EINVAL,
		    "unsupported private key type");
		goto out;
	}
	r = 0;
out:
	PKCS8_PRIV_KEY_INFO_free(p8);	/* frees its key bytes cleansed */
	if (plain != NULL) {
		OPENSSL_cleanse(plain, ctlen);
		free(plain);
	}
	OPENSSL_cleanse(d, sizeof(d));
	X509_SIG_free(sig);
	return r;
}

/* --- the API ---------------------------------------------------------- */

int
jks_parse(const unsigned char *buf, size_t len, const char *password,
    EVP_PKEY **key, X509 **cert, STACK_OF(X509) **chain,
    STACK_OF(X509) **trusted, char *err, size_t errlen)
{
	struct layout	 lay = { 0, NULL, 0 };
	struct out	 o = { NULL, NULL, NULL };
	EVP_MD		*md = NULL;
	EVP_MD_CTX	*ctx = NULL;
	EVP_PKEY	*pkey = NULL;
	X509		*leaf = NULL;
	unsigned char	*pw = NULL, digest[SHA1_LEN];
	size_t		 pwlen = 0;
	uint32_t	 magic;
	int		 r;

	if (key != NULL)
		*key = NULL;
	if (cert != NULL)
		*cert = NULL;
	if (chain != NULL)
		*chain = NULL;
	if (trusted != NULL)
		*trusted = NULL;
	if (err != NULL && errlen > 0)
		err[0] = '\0';

	if (len < 4)
		return refuse(err, errlen, -EINVAL, "truncated file");
	magic = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 |
	    (uint32_t)buf[2] << 8 | buf[3];
	if (magic == JCEKS_MAGIC)
		return refuse(err, errlen, -EINVAL, "a JCEKS file, which cmapp "
		    "does not read: convert it with keytool -importkeystore "
		    "-srckeystore FILE -srcstoretype JCEKS -destkeystore "
		    "FILE.p12 -deststoretype PKCS12");
	if (magic != JKS_MAGIC)
		return refuse(err, errlen, -EINVAL, "not a JKS file");
	if ((r = walk(buf, len, &lay, NULL, err, errlen)) != 0)
		return r;

	if ((pw = utf16be(password != NULL ? password : "", &pwlen)) ==
	    NULL) {
		r = refuse(err, errlen, -ENOMEM, "out of memory");
		goto out;
	}
	/* Fetched per call: no global state, and a call is rare. */
	if ((md = EVP_MD_fetch(NULL, "SHA1", NULL)) == NULL ||
	    (ctx = EVP_MD_CTX_new()) == NULL) {
		r = refuse(err, errlen, -ENOMEM, "SHA-1 unavailable");
		goto out;
	}
	if (sha1(ctx, md, pw, pwlen, WHITENER, strlen(WHITENER), buf, lay.end,
	    digest) != 0) {
		r = refuse(err, errlen, -ENOMEM, "SHA-1 failed");
		goto out;
	}
	if (CRYPTO_memcmp(digest, buf + lay.end, SHA1_LEN) != 0) {
		/* Read as a trustStore, a store with a key entry is a
		 * keyStore named by mistake, under its own password. */
		if (trusted != NULL && key == NULL && lay.key != NULL)
			r = refuse(err, errlen, -EINVAL,
			    KEYSTORE_PRIVATE_AS_TRUST);
		else
			r = refuse(err, errlen, -EACCES, "bad password");
		goto out;
	}

	if ((chain != NULL && (o.chain = sk_X509_new_null()) == NULL) ||
	    (trusted != NULL && (o.trusted = sk_X509_new_null()) == NULL)) {
		r = refuse(err, errlen, -ENOMEM, "out of memory");
		goto out;
	}
	/* The leaf is needed to check the key against even if not wanted. */
	if (cert != NULL || key != NULL)
		o.cert = &leaf;
	if ((r = walk(buf, len, &lay, &o, err, errlen)) != 0)
		goto out;
	if (key != NULL && lay.key != NULL) {
		if ((r = recover_key(ctx, md, pw, pwlen, lay.key, lay.keylen,
		    &pkey, err, errlen)) != 0)
			goto out;
		if (X509_check_private_key(leaf, pkey) != 1) {
			r = refuse(err, errlen, -EINVAL,
			    "private key does not match its certificate");
			goto out;
		}
	}

	if (key != NULL) {
		*key = pkey;
		pkey = NULL;
	}
	if (cert != NULL) {
		*cert = leaf;
		leaf = NULL;
	}
	if (chain != NULL) {
		*chain = o.chain;
		o.chain = NULL;
	}
	if (trusted != NULL) {
		*trusted = o.trusted;
		o.trusted = NULL;
	}
	r = 0;
out:
	if (pw != NULL) {
		OPENSSL_cleanse(pw, pwlen);
		free(pw);
	}
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(md);
	EVP_PKEY_free(pkey);
	X509_free(leaf);
	if (o.chain != NULL)
		sk_X509_pop_free(o.chain, X509_free);
	if (o.trusted != NULL)
		sk_X509_pop_free(o.trusted, X509_free);
	/* keystore.c's callers (conn.c) rely on an empty error queue. */
	ERR_clear_error();
	return r;
}
