/* SPDX-License-Identifier: ISC */
/*
 * test_jks.c: jks_parse (common/jks.c) against JKS files made at test time,
 * in a fresh directory under /tmp, by Java's keytool run as the manual runs
 * it, and against stores this file writes itself for what keytool will not
 * write (version 1, a Latin-1 or empty password, foreign key protection,
 * hostile lengths, damage under a valid digest).  Every store this file
 * writes as valid is first read back by keytool, so the writer is checked
 * against Java and not only against jks.c.  Nothing binary is kept in the
 * tree.  Refusals are checked word for word: those words reach the log.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "jks.h"
#include "keystore.h"
#include "ciskip.h"
#include "keyfix.h"

#define KEY_PROTECTOR	"1.3.6.1.4.1.42.2.17.1.1"
#define JCEKS_PROTECTOR	"1.3.6.1.4.1.42.2.19.1"	/* PBEWithMD5AndTripleDES */

/* --- fixture directory ------------------------------------------------ */

static void
setup(void)
{
	kf_setup("test_jks");
}

TestSuite(jks, .init = setup, .fini = kf_teardown);

static void
need_keytool(void)
{
	if (!have("keytool")) {
		kf_teardown();		/* a skip does not run .fini */
		skip_test("keytool not installed");
	}
}

/* A DER certificate file, as keytool -export writes it. */
static X509 *
der_cert_of(const char *name)
{
	const unsigned char	*p;
	unsigned char		*buf;
	size_t			 len;
	X509			*x;

	buf = slurp(name, &len);
	p = buf;
	x = d2i_X509(NULL, &p, (long)len);
	free(buf);
	cr_assert_not_null(x, "no DER certificate in %s", name);
	return x;
}

/* --- calling jks_parse ------------------------------------------------ */

struct res {
	int		 r;
	EVP_PKEY	*key;
	X509		*cert;
	STACK_OF(X509)	*chain;
	STACK_OF(X509)	*trusted;
	char		 err[512];
};

/* Proves that a failure really sets every out pointer to NULL. */
static long	poison[4];

/*
 * jks_parse over an exact-size copy of buf (so ASan sees any overread),
 * asking for everything, and the contract checked whatever the outcome.
 */
static int
parse(const unsigned char *buf, size_t len, const char *password,
    struct res *res)
{
	unsigned char	*copy;

	cr_assert_not_null(copy = malloc(len > 0 ? len : 1));
	if (len > 0)
		memcpy(copy, buf, len);
	memset(res, 0, sizeof(*res));
	res->key = (EVP_PKEY *)(void *)poison;
	res->cert = (X509 *)(void *)poison;
	res->chain = (STACK_OF(X509) *)(void *)poison;
	res->trusted = (STACK_OF(X509) *)(void *)poison;
	strcpy(res->err, "(not set)");
	res->r = jks_parse(copy, len, password, &res->key, &res->cert,
	    &res->chain, &res->trusted, res->err, sizeof(res->err));
	free(copy);
	cr_assert_eq(ERR_peek_error(), 0, "OpenSSL error queue left dirty");
	if (res->r != 0) {
		cr_assert(res->r == -EINVAL || res->r == -EACCES ||
		    res->r == -ENOMEM, "r = %d", res->r);
		cr_assert(res->key == NULL && res->cert == NULL &&
		    res->chain == NULL && res->trusted == NULL,
		    "a failure handed something out");
		cr_assert(res->err[0] != '\0' &&
		    strcmp(res->err, "(not set)") != 0, "no reason given");
		return res->r;
	}
	cr_assert_not_null(res->chain);
	cr_assert_not_null(res->trusted);
	cr_assert_eq(res->key == NULL, res->cert == NULL,
	    "a key without its certificate or the reverse");
	if (res->key != NULL)
		cr_assert_eq(X509_check_private_key(res->cert, res->key), 1);
	ERR_clear_error();
	return 0;
}

static int
parse_file(const char *name, const char *password, struct res *res)
{
	unsigned char	*buf;
	size_t		 len;
	int		 r;

	buf = slurp(name, &len);
	r = parse(buf, len, password, res);
	free(buf);
	return r;
}

static void
res_free(struct res *res)
{
	EVP_PKEY_free(res->key);
	X509_free(res->cert);
	if (res->chain != NULL)
		sk_X509_pop_free(res->chain, X509_free);
	if (res->trusted != NULL)
		sk_X509_pop_free(res->trusted, X509_free);
	memset(res, 0, sizeof(*res));
}

static void
expect_fail(const unsigned char *buf, size_t len, const char *password,
    int want_r, const char *want_err)
{
	struct res	res;

	cr_assert_eq(parse(buf, len, password, &res), want_r, "got %d: %s",
	    res.r, res.err);
	cr_assert_str_eq(res.err, want_err);
}

static void
expect_file_fails(const char *name, const char *password, int want_r,
    const char *want_err)
{
	unsigned char	*buf;
	size_t		 len;

	buf = slurp(name, &len);
	expect_fail(buf, len, password, want_r, want_err);
	free(buf);
}

/* --- keytool, as the manual runs it ----------------------------------- */

/*
 * The manual's three client-side commands, with what modern keytool needs
 * to run without prompts and to write JKS; KEYALG is e.g. "-keyalg RSA
 * -keysize 2048".
 */
static void
keytool_client(const char *keyalg, const char *storetype)
{
	sh("keytool -genkey -alias clientprivate -keystore client.private "
	    "-storepass clientpw -keypass clientpw -validity 400 %s "
	    "-dname CN=x -storetype %s", keyalg, storetype);
	sh("keytool -export -alias clientprivate -keystore client.private "
	    "-file temp.key -storepass clientpw");
	sh("keytool -import -noprompt -alias clientpublic "
	    "-keystore client.public -file temp.key -storepass public "
	    "-storetype %s", storetype);
}

/* client.private and client.public read as cmappmgr would read them. */
static void
check_client(int key_type)
{
	struct res	 id, tr;
	X509		*der = der_cert_of("temp.key");

	cr_assert_eq(parse_file("client.private", "clientpw", &id), 0, "%s",
	    id.err);
	cr_assert_not_null(id.key);
	cr_assert_eq(EVP_PKEY_get_base_id(id.key), key_type);
	cr_assert_eq(X509_check_private_key(id.cert, id.key), 1);
	cr_assert(has_cn(id.cert, "x"));
	cr_assert_eq(X509_cmp(id.cert, der), 0, "not temp.key's certificate");
	cr_assert_eq(sk_X509_num(id.chain), 0);		/* self-signed */
	cr_assert_eq(sk_X509_num(id.trusted), 0);

	cr_assert_eq(parse_file("client.public", "public", &tr), 0, "%s",
	    tr.err);
	cr_assert_null(tr.key);
	cr_assert_null(tr.cert);
	cr_assert_eq(sk_X509_num(tr.chain), 0);
	cr_assert_eq(sk_X509_num(tr.trusted), 1);
	cr_assert_eq(X509_cmp(sk_X509_value(tr.trusted, 0), id.cert), 0);

	res_free(&tr);
	res_free(&id);
	X509_free(der);
}

Test(jks, keytool_manual_commands_rsa)
{
	need_keytool();
	keytool_client("-keyalg RSA -keysize 2048", "JKS");
	check_client(EVP_PKEY_RSA);
	no_leaks();
}

Test(jks, keytool_manual_commands_ec)
{
	need_keytool();
	keytool_client("-keyalg EC", "JKS");
	check_client(EVP_PKEY_EC);
	no_leaks();
}

/*
 * What the manual's commands gave on Java 1.4 to 6, whose keytool defaulted
 * to -keyalg DSA -keysize 1024 -sigalg SHA1withDSA: the stores HP-UX admins
 * carry.  (Reading them is this file's job; whether TLS accepts so weak a
 * key is tls.c's.)
 */
Test(jks, keytool_old_default_dsa)
{
	need_keytool();
	keytool_client("-keyalg DSA -keysize 1024 -sigalg SHA1withDSA", "JKS");
	check_client(EVP_PKEY_DSA);
	no_leaks();
}

Test(jks, wrong_password_is_bad_password)
{
	need_keytool();
	keytool_client("-keyalg EC", "JKS");
	expect_file_fails("client.private", "serverpw", -EACCES,
	    "bad password");
	expect_file_fails("client.private", "", -EACCES, "bad password");
	expect_file_fails("client.private", NULL, -EACCES, "bad password");
	/* A near miss: the whole password counts, not a prefix. */
	expect_file_fails("client.private", "clientp", -EACCES,
	    "bad password");
	expect_file_fails("client.private", "clientpw ", -EACCES,
	    "bad password");
	expect_file_fails("client.public", "clientpw", -EACCES,
	    "bad password");
	no_leaks();
}

/* keytool's keyStore named as a trustStore (read as keystore.c reads one):
 * said to be a keyStore, not "bad password"; a trustStore's own wrong
 * password stays "bad password". */
Test(jks, keystore_as_truststore_is_named)
{
	STACK_OF(X509)	*sk;
	X509		*cert;
	unsigned char	*buf;
	size_t		 len;
	char		 err[512];

	need_keytool();
	keytool_client("-keyalg EC", "JKS");
	buf = slurp("client.private", &len);
	cr_assert_eq(jks_parse(buf, len, "public", NULL, &cert, NULL, &sk,
	    err, sizeof(err)), -EINVAL, "%s", err);
	cr_assert_str_eq(err, KEYSTORE_PRIVATE_AS_TRUST);
	free(buf);
	buf = slurp("client.public", &len);
	cr_assert_eq(jks_parse(buf, len, "clientpw", NULL, &cert, NULL, &sk,
	    err, sizeof(err)), -EACCES, "%s", err);
	cr_assert_str_eq(err, "bad password");
	free(buf);
	no_leaks();
}

/* Every proper prefix is "truncated file": no crash, no "bad password". */
Test(jks, every_truncation_fails_cleanly)
{
	static const char *const files[] = {
		"client.private", "client.public"
	};
	unsigned char	*buf;
	size_t		 len, n, f;

	need_keytool();
	keytool_client("-keyalg EC", "JKS");
	for (f = 0; f < 2; f++) {
		buf = slurp(files[f], &len);
		for (n = 0; n < len; n++)
			expect_fail(buf, n, "clientpw", -EINVAL,
			    "truncated file");
		free(buf);
	}
	no_leaks();
}

/* Any one flipped bit, anywhere, is refused (the digest covers all). */
Test(jks, flipped_bytes_fail)
{
	static const char *const files[] = {
		"client.private", "client.public"
	};
	static const char *const pws[] = { "clientpw", "public" };
	static const unsigned char masks[] = { 0x01, 0x80, 0xff };
	unsigned char	*buf;
	struct res	 res;
	size_t		 len, i, f, m;

	need_keytool();
	keytool_client("-keyalg RSA -keysize 2048", "JKS");
	for (f = 0; f < 2; f++) {
		buf = slurp(files[f], &len);
		for (i = 0; i < len; i++) {
			for (m = 0; m < sizeof(masks); m++) {
				buf[i] ^= masks[m];
				cr_assert_neq(parse(buf, len, pws[f], &res), 0,
				    "%s: byte %zu ^ 0x%02x accepted", files[f],
				    i, masks[m]);
				buf[i] ^= masks[m];
			}
		}
		/* And unflipped, it still reads. */
		cr_assert_eq(parse(buf, len, pws[f], &res), 0, "%s", res.err);
		res_free(&res);
		free(buf);
	}
	no_leaks();
}

Test(jks, keytool_jceks_is_refused_with_the_conversion)
{
	unsigned char	*buf;
	struct res	 res;
	size_t		 len;

	need_keytool();
	keytool_client("-keyalg EC", "JCEKS");
	buf = slurp("client.private", &len);
	cr_assert(len >= 4 && memcmp(buf, "\xce\xce\xce\xce", 4) == 0,
	    "keytool did not write a JCEKS file");
	cr_assert_eq(parse(buf, len, "clientpw", &res), -EINVAL);
	free(buf);
	cr_assert_str_eq(res.err, "a JCEKS file, which cmapp does not read: "
	    "convert it with keytool -importkeystore -srckeystore FILE "
	    "-srcstoretype JCEKS -destkeystore FILE.p12 "
	    "-deststoretype PKCS12");
	expect_file_fails("client.public", "public", -EINVAL, res.err);

	/* The command the message gives works, made non-interactive. */
	sh("keytool -importkeystore -srckeystore client.private "
	    "-srcstoretype JCEKS -destkeystore client.private.p12 "
	    "-deststoretype PKCS12 -srcstorepass clientpw "
	    "-deststorepass clientpw");
	no_leaks();
}

/* A key whose -keypass differs from -storepass: cmapp has one password. */
Test(jks, keytool_other_key_password)
{
	unsigned char	*buf;
	X509		*cert;
	STACK_OF(X509)	*trusted;
	char		 err[256];
	size_t		 len;

	need_keytool();
	sh("keytool -genkey -alias clientprivate -keystore client.private "
	    "-storepass clientpw -keypass otherpw -keyalg EC -dname CN=x "
	    "-storetype JKS");
	expect_file_fails("client.private", "clientpw", -EACCES,
	    "bad key password (the key's -keypass must equal the -storepass)");
	expect_file_fails("client.private", "otherpw", -EACCES,
	    "bad password");

	/* Without the key (a trustStore's use), the store still reads. */
	buf = slurp("client.private", &len);
	cr_assert_eq(jks_parse(buf, len, "clientpw", NULL, &cert, NULL,
	    &trusted, err, sizeof(err)), 0, "%s", err);
	cr_assert(has_cn(cert, "x"));
	cr_assert_eq(sk_X509_num(trusted), 0);
	cr_assert_eq(ERR_peek_error(), 0);
	X509_free(cert);
	sk_X509_free(trusted);
	free(buf);
	no_leaks();
}

/* A CA-signed key, its reply imported as keytool documents it. */
Test(jks, keytool_signed_chain)
{
	struct res	 res;
	X509		*ca;

	need_keytool();
	sh("keytool -genkeypair -alias ca -keystore ca.jks -storepass capass "
	    "-keypass capass -keyalg EC -dname CN=ca -ext bc:c -storetype JKS");
	sh("keytool -exportcert -rfc -alias ca -keystore ca.jks "
	    "-storepass capass -file ca.crt");
	sh("keytool -genkeypair -alias clientprivate -keystore client.private "
	    "-storepass clientpw -keypass clientpw -keyalg EC -dname CN=x "
	    "-storetype JKS");
	sh("keytool -importcert -noprompt -alias root -file ca.crt "
	    "-keystore client.private -storepass clientpw");
	sh("keytool -certreq -alias clientprivate -keystore client.private "
	    "-storepass clientpw -file x.csr");
	sh("keytool -gencert -alias ca -keystore ca.jks -storepass capass "
	    "-infile x.csr -outfile x.crt");
	sh("keytool -importcert -noprompt -alias clientprivate -file x.crt "
	    "-keystore client.private -storepass clientpw");

	ca = cert_of("ca.crt");
	cr_assert_eq(parse_file("client.private", "clientpw", &res), 0, "%s",
	    res.err);
	cr_assert(has_cn(res.cert, "x"));
	cr_assert_eq(X509_check_issued(ca, res.cert), X509_V_OK);
	cr_assert_eq(sk_X509_num(res.chain), 1);
	cr_assert_eq(X509_cmp(sk_X509_value(res.chain, 0), ca), 0);
	cr_assert_eq(sk_X509_num(res.trusted), 1);
	cr_assert_eq(X509_cmp(sk_X509_value(res.trusted, 0), ca), 0);
	res_free(&res);
	X509_free(ca);
	no_leaks();
}

/*
 * Non-ASCII passwords as keytool reads them in a UTF-8 locale: Java hashes
 * UTF-16 code units, so a character beyond the BMP is a surrogate pair.
 */
Test(jks, keytool_non_ascii_passwords)
{
	static const char *const pws[] = {
		/* "p", a-umlaut, "ssw", o-umlaut, "rt", euro sign: the BMP */
		"p\xc3\xa4ssw\xc3\xb6rt\xe2\x82\xac",
		/* "cl", e-acute, U+1F600 (beyond the BMP), "!" */
		"cl\xc3\xa9\xf0\x9f\x98\x80!",
	};
	struct res	res;
	char		name[32];
	size_t		i;

	need_keytool();
	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "u%zu.jks", i);
		sh("LC_ALL=C.UTF-8 keytool -genkey -alias k -keystore %s "
		    "-storepass '%s' -keypass '%s' -keyalg EC -dname CN=u "
		    "-storetype JKS", name, pws[i], pws[i]);
		cr_assert_eq(parse_file(name, pws[i], &res), 0, "%s: %s",
		    name, res.err);
		cr_assert(has_cn(res.cert, "u"));
		res_free(&res);
		expect_file_fails(name, "passwort", -EACCES, "bad password");
	}
	no_leaks();
}

/* --- stores written here ---------------------------------------------- */

/* A growing buffer holding a store as Java's DataOutputStream writes it. */
struct jw {
	unsigned char	*p;
	size_t		 len, cap;
};

/* A password as Java hashes it: UTF-16BE code units. */
struct pw16 {
	unsigned char	b[256];
	size_t		len;
};

static struct pw16
pw_units(const uint16_t *u, size_t n)
{
	struct pw16	pw;
	size_t		i;

	cr_assert_leq(2 * n, sizeof(pw.b));
	for (i = 0; i < n; i++) {
		pw.b[2 * i] = (unsigned char)(u[i] >> 8);
		pw.b[2 * i + 1] = (unsigned char)u[i];
	}
	pw.len = 2 * n;
	return pw;
}

static struct pw16
pw_ascii(const char *s)
{
	uint16_t	u[128];
	size_t		i, n = strlen(s);

	cr_assert_leq(n, 128);
	for (i = 0; i < n; i++)
		u[i] = (unsigned char)s[i];
	return pw_units(u, n);
}

static void
put(struct jw *w, const void *d, size_t n)
{
	if (w->len + n > w->cap) {
		w->cap = (w->len + n) * 2 + 64;
		cr_assert_not_null(w->p = realloc(w->p, w->cap));
	}
	if (n > 0)
		memcpy(w->p + w->len, d, n);
	w->len += n;
}

static void
put_u16(struct jw *w, uint32_t v)
{
	unsigned char	b[2] = { (unsigned char)(v >> 8), (unsigned char)v };

	put(w, b, 2);
}

static void
put_u32(struct jw *w, uint32_t v)
{
	unsigned char	b[4] = { (unsigned char)(v >> 24),
	    (unsigned char)(v >> 16), (unsigned char)(v >> 8),
	    (unsigned char)v };

	put(w, b, 4);
}

static void
put_str(struct jw *w, const char *s)
{
	put_u16(w, (uint32_t)strlen(s));
	put(w, s, strlen(s));
}

/* A tag, an alias and a timestamp: what every entry starts with. */
static void
put_entry(struct jw *w, uint32_t tag, const char *alias)
{
	static const unsigned char	when[8] =
	    { 0, 0, 0x01, 0x8c, 0x00, 0x00, 0x00, 0x00 };

	put_u32(w, tag);
	put_str(w, alias);
	put(w, when, sizeof(when));
}

static void
put_header(struct jw *w, uint32_t version, uint32_t count)
{
	put_u32(w, 0xfeedfeedU);
	put_u32(w, version);
	put_u32(w, count);
}

static void
put_der(struct jw *w, uint32_t version, const void *der, size_t len)
{
	if (version == 2)
		put_str(w, "X.509");
	put_u32(w, (uint32_t)len);
	put(w, der, len);
}

static void
put_cert(struct jw *w, uint32_t version, X509 *x)
{
	unsigned char	*der = NULL;
	int		 len;

	cr_assert_gt(len = i2d_X509(x, &der), 0);
	put_der(w, version, der, (size_t)len);
	OPENSSL_free(der);
}

static void
put_trusted(struct jw *w, uint32_t version, const char *alias, X509 *x)
{
	put_entry(w, 2, alias);
	put_cert(w, version, x);
}

static void
sha1(const void *a, size_t alen, const void *b, size_t blen,
    unsigned char out[20])
{
	EVP_MD_CTX	*ctx = EVP_MD_CTX_new();

	cr_assert_not_null(ctx);
	cr_assert(EVP_DigestInit_ex(ctx, EVP_sha1(), NULL));
	cr_assert(EVP_DigestUpdate(ctx, a, alen));
	cr_assert(EVP_DigestUpdate(ctx, b, blen));
	cr_assert(EVP_DigestFinal_ex(ctx, out, NULL));
	EVP_MD_CTX_free(ctx);
}

/*
 * PLAIN protected as Sun's KeyProtector.protect does it, as the DER of an
 * EncryptedPrivateKeyInfo naming OID (normally KEY_PROTECTOR).
 */
static unsigned char *
protect(const struct pw16 *pw, const unsigned char *plain, size_t plen,
    const char *oid, size_t *outlen)
{
	unsigned char		*prot, *der = NULL, d[20];
	ASN1_OCTET_STRING	*oct;
	X509_ALGOR		*alg;
	X509_SIG		*sig;
	size_t			 off, k;
	int			 len;

	cr_assert_not_null(prot = malloc(20 + plen + 20));
	cr_assert_eq(RAND_bytes(prot, 20), 1);
	memcpy(d, prot, 20);
	for (off = 0; off < plen; off += 20) {
		sha1(pw->b, pw->len, d, 20, d);
		for (k = 0; k < 20 && off + k < plen; k++)
			prot[20 + off + k] = plain[off + k] ^ d[k];
	}
	sha1(pw->b, pw->len, plain, plen, prot + 20 + plen);

	cr_assert_not_null(sig = X509_SIG_new());
	X509_SIG_getm(sig, &alg, &oct);
	cr_assert(X509_ALGOR_set0(alg, OBJ_txt2obj(oid, 1), V_ASN1_NULL,
	    NULL));
	cr_assert(ASN1_OCTET_STRING_set(oct, prot, (int)(20 + plen + 20)));
	cr_assert_gt(len = i2d_X509_SIG(sig, &der), 0);
	X509_SIG_free(sig);
	free(prot);
	*outlen = (size_t)len;
	return der;
}

/* The PKCS#8 PrivateKeyInfo of key, as Java's getEncoded() gives it. */
static unsigned char *
pkcs8_of(EVP_PKEY *key, size_t *len)
{
	PKCS8_PRIV_KEY_INFO	*p8 = EVP_PKEY2PKCS8(key);
	unsigned char		*der = NULL;
	int			 n;

	cr_assert_not_null(p8);
	cr_assert_gt(n = i2d_PKCS8_PRIV_KEY_INFO(p8, &der), 0);
	PKCS8_PRIV_KEY_INFO_free(p8);
	*len = (size_t)n;
	return der;
}

/* A key entry whose protected key is the given DER, then its chain. */
static void
put_key_der(struct jw *w, uint32_t version, const char *alias,
    const unsigned char *der, size_t len, X509 **chain, int n)
{
	int	i;

	put_entry(w, 1, alias);
	put_u32(w, (uint32_t)len);
	put(w, der, len);
	put_u32(w, (uint32_t)n);
	for (i = 0; i < n; i++)
		put_cert(w, version, chain[i]);
}

static void
put_key(struct jw *w, uint32_t version, const char *alias,
    const struct pw16 *pw, EVP_PKEY *key, X509 **chain, int n)
{
	unsigned char	*plain, *der;
	size_t		 plen, len;

	plain = pkcs8_of(key, &plen);
	der = protect(pw, plain, plen, KEY_PROTECTOR, &len);
	put_key_der(w, version, alias, der, len, chain, n);
	OPENSSL_clear_free(plain, plen);
	OPENSSL_free(der);
}

/* The store's integrity digest, which ends it. */
static void
put_digest(struct jw *w, const struct pw16 *pw)
{
	static const char	whitener[] = "Mighty Aphrodite";
	unsigned char		*pre, d[20];

	cr_assert_not_null(pre = malloc(pw->len + 16));
	memcpy(pre, pw->b, pw->len);
	memcpy(pre + pw->len, whitener, 16);
	sha1(pre, pw->len + 16, w->p, w->len, d);
	free(pre);
	put(w, d, sizeof(d));
}

/*
 * keytool reads the store and, with_keys, decrypts its keys into
 * written.p12 (password "converted": Java's PKCS#12 wants ASCII).
 */
static void
keytool_reads(const struct jw *w, const char *password, int with_keys)
{
	write_file("written.jks", w->p, w->len, 0600);
	sh("LC_ALL=C.UTF-8 keytool -list -v -keystore written.jks "
	    "-storetype JKS -storepass '%s'", password);
	if (!with_keys)
		return;
	sh("rm -f written.p12 && LC_ALL=C.UTF-8 keytool -importkeystore "
	    "-srckeystore written.jks -srcstoretype JKS -srcstorepass '%s' "
	    "-destkeystore written.p12 -deststoretype PKCS12 "
	    "-deststorepass converted -noprompt", password);
}

/* The key Java recovered from our protector is leaf.key itself. */
static void
java_recovered_leaf_key(void)
{
	sh("openssl pkcs12 -in written.p12 -passin pass:converted -nocerts "
	    "-nodes | openssl pkey -pubout >java.pub && "
	    "openssl pkey -in leaf.key -pubout >leaf.pub && "
	    "cmp java.pub leaf.pub");
}

/* The key material the written stores hold. */
struct mat {
	EVP_PKEY	*key, *key2;
	X509		*cert, *cert2, *ca, *other;
};

static void
mat_make(struct mat *m)
{
	gen("ca", "ca");
	gen_signed("leaf", "leaf");
	gen("two", "two");
	gen("other", "other");
	m->key = key_of("leaf.key");
	m->cert = cert_of("leaf.crt");
	m->ca = cert_of("ca.crt");
	m->key2 = key_of("two.key");
	m->cert2 = cert_of("two.crt");
	m->other = cert_of("other.crt");
}

static void
mat_free(struct mat *m)
{
	EVP_PKEY_free(m->key);
	EVP_PKEY_free(m->key2);
	X509_free(m->cert);
	X509_free(m->cert2);
	X509_free(m->ca);
	X509_free(m->other);
}

/* trusted "other", key "leaf" with chain [leaf, ca], trusted "ca". */
static void
write_store(struct jw *w, uint32_t version, const struct pw16 *pw,
    struct mat *m)
{
	X509	*chain[2] = { m->cert, m->ca };

	put_header(w, version, 3);
	put_trusted(w, version, "other", m->other);
	put_key(w, version, "leaf", pw, m->key, chain, 2);
	put_trusted(w, version, "ca", m->ca);
	put_digest(w, pw);
}

static void
check_store(const struct jw *w, const char *password, struct mat *m)
{
	struct res	res;

	cr_assert_eq(parse(w->p, w->len, password, &res), 0, "%s", res.err);
	cr_assert_eq(EVP_PKEY_eq(res.key, m->key), 1);
	cr_assert_eq(X509_cmp(res.cert, m->cert), 0);
	cr_assert_eq(sk_X509_num(res.chain), 1);
	cr_assert_eq(X509_cmp(sk_X509_value(res.chain, 0), m->ca), 0);
	cr_assert_eq(sk_X509_num(res.trusted), 2);
	cr_assert_eq(X509_cmp(sk_X509_value(res.trusted, 0), m->other), 0);
	cr_assert_eq(X509_cmp(sk_X509_value(res.trusted, 1), m->ca), 0);
	res_free(&res);
}

Test(jks, written_version_2_store_as_java_reads_it)
{
	struct pw16	pw = pw_ascii("clientpw");
	struct jw	w = { NULL, 0, 0 };
	struct mat	m;

	need_keytool();
	mat_make(&m);
	write_store(&w, 2, &pw, &m);
	keytool_reads(&w, "clientpw", 1);
	java_recovered_leaf_key();
	check_store(&w, "clientpw", &m);
	free(w.p);
	mat_free(&m);
	no_leaks();
}

/* Version 1 (JDK 1.2): no certificate type before each certificate. */
Test(jks, written_version_1_store)
{
	struct pw16	pw = pw_ascii("clientpw");
	struct jw	w = { NULL, 0, 0 };
	struct mat	m;

	need_keytool();
	mat_make(&m);
	write_store(&w, 1, &pw, &m);
	cr_assert_eq(w.p[7], 1);
	keytool_reads(&w, "clientpw", 1);
	java_recovered_leaf_key();
	check_store(&w, "clientpw", &m);
	free(w.p);
	mat_free(&m);
	no_leaks();
}

/*
 * An HP-UX conf file written in a Latin-1 locale holds e-acute as the one
 * byte E9, the char Java read there; in UTF-8 it is the two bytes C3 A9.
 */
Test(jks, latin1_and_utf8_passwords_meet)
{
	static const uint16_t	u[] = { 'p', 'a', 's', 's', 0xe9, 'w', 'd' };
	struct pw16		pw = pw_units(u, 7);
	struct jw		w = { NULL, 0, 0 };
	struct mat		m;

	need_keytool();
	mat_make(&m);
	write_store(&w, 2, &pw, &m);
	keytool_reads(&w, "pass\xc3\xa9wd", 1);
	java_recovered_leaf_key();
	check_store(&w, "pass\xc3\xa9wd", &m);		/* UTF-8 */
	check_store(&w, "pass\xe9wd", &m);		/* Latin-1 */
	expect_fail(w.p, w.len, "passewd", -EACCES, "bad password");
	free(w.p);
	mat_free(&m);
	no_leaks();
}

/* Invalid UTF-8 of every kind is read byte per char, never half-decoded. */
Test(jks, invalid_utf8_passwords_are_latin1)
{
	static const char *const pws[] = {
		"\xc0\xaf",		/* overlong "/", in two bytes */
		"\xe0\x80\xaf",		/* in three */
		"\xf0\x80\x80\xaf",	/* in four */
		"\xed\xa0\x80",		/* a lone surrogate */
		"\xf4\x90\x80\x80",	/* beyond U+10FFFF */
		"ab\xc3",		/* cut short */
		"\xe2\x82x",		/* bad continuation */
	};
	struct res	res;
	uint16_t	u[8];
	size_t		i, k, n;

	for (i = 0; i < sizeof(pws) / sizeof(pws[0]); i++) {
		struct jw	w = { NULL, 0, 0 };
		struct pw16	pw;

		n = strlen(pws[i]);
		for (k = 0; k < n; k++)
			u[k] = (unsigned char)pws[i][k];
		pw = pw_units(u, n);
		put_header(&w, 2, 0);
		put_digest(&w, &pw);
		cr_assert_eq(parse(w.p, w.len, pws[i], &res), 0,
		    "password %zu: %s", i, res.err);
		res_free(&res);
		free(w.p);
	}
	no_leaks();
}

/* Java keeps a character beyond the BMP as two chars: a surrogate pair. */
Test(jks, supplementary_character_is_a_surrogate_pair)
{
	/* "k", U+1F600 (an emoji), "y" */
	static const uint16_t	u[] = { 'k', 0xd83d, 0xde00, 'y' };
	struct pw16		pw = pw_units(u, 4);
	struct jw		w = { NULL, 0, 0 };
	struct res		res;

	put_header(&w, 2, 0);
	put_digest(&w, &pw);
	cr_assert_eq(parse(w.p, w.len, "k\xf0\x9f\x98\x80y", &res), 0, "%s",
	    res.err);
	res_free(&res);
	free(w.p);
	no_leaks();
}

/* An empty store is valid: nothing to hand out, but empty stacks. */
Test(jks, empty_store_and_empty_password)
{
	struct pw16	pw = pw_ascii("");
	struct jw	w = { NULL, 0, 0 };
	struct res	res;

	put_header(&w, 2, 0);
	put_digest(&w, &pw);
	cr_assert_eq(parse(w.p, w.len, NULL, &res), 0, "%s", res.err);
	cr_assert_null(res.key);
	cr_assert_null(res.cert);
	cr_assert_eq(sk_X509_num(res.chain), 0);
	cr_assert_eq(sk_X509_num(res.trusted), 0);
	res_free(&res);
	cr_assert_eq(parse(w.p, w.len, "", &res), 0, "%s", res.err);
	res_free(&res);
	expect_fail(w.p, w.len, "x", -EACCES, "bad password");
	free(w.p);
	no_leaks();
}

/* "The first PrivateKeyEntry" is the first in the file, whatever follows. */
Test(jks, first_key_in_file_order)
{
	struct pw16	pw = pw_ascii("clientpw");
	struct mat	m;
	struct res	res;
	X509		*chain1[1], *chain2[2];
	int		order;

	need_keytool();
	mat_make(&m);
	chain1[0] = m.cert2;
	chain2[0] = m.cert;
	chain2[1] = m.ca;
	for (order = 0; order < 2; order++) {
		struct jw	w = { NULL, 0, 0 };

		put_header(&w, 2, 3);
		put_trusted(&w, 2, "other", m.other);
		if (order == 0) {
			put_key(&w, 2, "two", &pw, m.key2, chain1, 1);
			put_key(&w, 2, "leaf", &pw, m.key, chain2, 2);
		} else {
			put_key(&w, 2, "leaf", &pw, m.key, chain2, 2);
			put_key(&w, 2, "two", &pw, m.key2, chain1, 1);
		}
		put_digest(&w, &pw);
		keytool_reads(&w, "clientpw", 1);
		cr_assert_eq(parse(w.p, w.len, "clientpw", &res), 0, "%s",
		    res.err);
		cr_assert_eq(EVP_PKEY_eq(res.key, order == 0 ? m.key2 : m.key),
		    1);
		cr_assert_eq(X509_cmp(res.cert, order == 0 ? m.cert2 : m.cert),
		    0);
		cr_assert_eq(sk_X509_num(res.chain), order == 0 ? 0 : 1);
		cr_assert_eq(sk_X509_num(res.trusted), 1);
		res_free(&res);
		free(w.p);
	}
	mat_free(&m);
	no_leaks();
}

/* Each out pointer may be NULL; so may err. */
Test(jks, out_pointers_are_optional)
{
	struct pw16	pw = pw_ascii("clientpw");
	struct jw	w = { NULL, 0, 0 };
	struct mat	m;
	EVP_PKEY	*key;
	X509		*cert;
	STACK_OF(X509)	*chain, *trusted;

	mat_make(&m);
	write_store(&w, 2, &pw, &m);
	cr_assert_eq(jks_parse(w.p, w.len, "clientpw", NULL, NULL, NULL, NULL,
	    NULL, 0), 0);
	cr_assert_eq(jks_parse(w.p, w.len, "public", NULL, NULL, NULL, NULL,
	    NULL, 0), -EACCES);
	cr_assert_eq(jks_parse(w.p, 10, "clientpw", NULL, NULL, NULL, NULL,
	    NULL, 0), -EINVAL);

	cr_assert_eq(jks_parse(w.p, w.len, "clientpw", &key, NULL, NULL, NULL,
	    NULL, 0), 0);
	cr_assert_eq(EVP_PKEY_eq(key, m.key), 1);
	EVP_PKEY_free(key);

	cr_assert_eq(jks_parse(w.p, w.len, "clientpw", NULL, &cert, &chain,
	    NULL, NULL, 0), 0);
	cr_assert_eq(X509_cmp(cert, m.cert), 0);
	cr_assert_eq(sk_X509_num(chain), 1);
	X509_free(cert);
	sk_X509_pop_free(chain, X509_free);

	cr_assert_eq(jks_parse(w.p, w.len, "clientpw", NULL, NULL, NULL,
	    &trusted, NULL, 0), 0);
	cr_assert_eq(sk_X509_num(trusted), 2);
	sk_X509_pop_free(trusted, X509_free);
	cr_assert_eq(ERR_peek_error(), 0);
	free(w.p);
	mat_free(&m);
	no_leaks();
}

/* err is always terminated, however short. */
Test(jks, short_err_buffer)
{
	char	err[4] = "xxx";

	cr_assert_eq(jks_parse((const unsigned char *)"\xfe\xed", 2, "pw",
	    NULL, NULL, NULL, NULL, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "tru");
	cr_assert_eq(jks_parse((const unsigned char *)"\xfe\xed", 2, "pw",
	    NULL, NULL, NULL, NULL, err, 0), -EINVAL);
	cr_assert_str_eq(err, "tru");		/* untouched */
	no_leaks();
}

/* --- refusals --------------------------------------------------------- */

Test(jks, not_jks)
{
	static const char	pem[] = "-----BEGIN CERTIFICATE-----\n";

	expect_fail((const unsigned char *)pem, sizeof(pem) - 1, "pw",
	    -EINVAL, "not a JKS file");
	expect_fail((const unsigned char *)"\0\0\0\0\0\0\0\2", 8, "pw",
	    -EINVAL, "not a JKS file");
	expect_fail((const unsigned char *)"", 0, "pw", -EINVAL,
	    "truncated file");
	expect_fail((const unsigned char *)"\xce\xce\xce\xce", 4, "pw",
	    -EINVAL, "a JCEKS file, which cmapp does not read: convert it "
	    "with keytool -importkeystore -srckeystore FILE -srcstoretype "
	    "JCEKS -destkeystore FILE.p12 -deststoretype PKCS12");
	no_leaks();
}

/* Every length is checked against its limit before the bytes left. */
Test(jks, limits_and_lies)
{
	static const uint32_t	 versions[] = { 0, 3, 0xfeedfeedU };
	struct jw		 w;
	size_t			 i;

	for (i = 0; i < 3; i++) {
		w = (struct jw){ NULL, 0, 0 };
		put_header(&w, versions[i], 0);
		expect_fail(w.p, w.len, "pw", -EINVAL,
		    "unsupported JKS version");
		free(w.p);
	}

	w = (struct jw){ NULL, 0, 0 };
	put_header(&w, 2, JKS_MAX_ENTRIES + 1);
	expect_fail(w.p, w.len, "pw", -EINVAL, "too many entries");
	free(w.p);
	w = (struct jw){ NULL, 0, 0 };
	put_header(&w, 2, 0xffffffffU);
	expect_fail(w.p, w.len, "pw", -EINVAL, "too many entries");
	free(w.p);

	/* A certificate claiming more than the limit, or than is there. */
	w = (struct jw){ NULL, 0, 0 };
	put_header(&w, 2, 1);
	put_entry(&w, 2, "big");
	put_str(&w, "X.509");
	put_u32(&w, JKS_MAX_CERT_LEN + 1);
	expect_fail(w.p, w.len, "pw", -EINVAL, "certificate too large");
	w.len -= 4;
	put_u32(&w, 0xffffffffU);
	expect_fail(w.p, w.len, "pw", -EINVAL, "certificate too large");
	w.len -= 4;
	put_u32(&w, 100);
	put(&w, "0123456789", 10);
	expect_fail(w.p, w.len, "pw", -EINVAL, "truncated file");
	free(w.p);

	/* A type other than X.509 (version 2 names it). */
	w = (struct jw){ NULL, 0, 0 };
	put_header(&w, 2, 1);
	put_entry(&w, 2, "odd");
	put_str(&w, "X.5090");
	put_u32(&w, 0);
	expect_fail(w.p, w.len, "pw", -EINVAL,
	    "unsupported certificate type (not X.509)");
	free(w.p);

	/* A private key over the limit; chains empty or too long. */
	w = (struct jw){ NULL, 0, 0 };
	put_header(&w, 2, 1);
	put_entry(&w, 1, "key");
	put_u32(&w, JKS_MAX_KEY_LEN + 1);
	expect_fail(w.p, w.len, "pw", -EINVAL, "private key too large");
	w.len -= 4;
	put_u32(&w, 3);
	put(&w, "abc", 3);
	put_u32(&w, JKS_MAX_CHAIN + 1);
	expect_fail(w.p, w.len, "pw", -EINVAL, "certificate chain too long");
	w.len -= 4;
	put_u32(&w, 0xffffffffU);
	expect_fail(w.p, w.len, "pw", -EINVAL, "certificate chain too long");
	w.len -= 4;
	put_u32(&w, 0);
	expect_fail(w.p, w.len, "pw", -EINVAL,
	    "damaged file (private key without certificate)");
	free(w.p);

	/* JCEKS's secret key entries, or any tag but 1 and 2. */
	for (i = 0; i < 3; i++) {
		static const uint32_t tags[] = { 0, 3, 0x80000001U };

		w = (struct jw){ NULL, 0, 0 };
		put_header(&w, 2, 1);
		put_entry(&w, tags[i], "secret");
		put_u32(&w, 0);
		expect_fail(w.p, w.len, "pw", -EINVAL,
		    "damaged file (unknown entry type)");
		free(w.p);
	}
	no_leaks();
}

/* The limits themselves are allowed: 64 entries, a chain of 16. */
Test(jks, at_the_limits)
{
	struct pw16	pw = pw_ascii("clientpw");
	struct jw	w = { NULL, 0, 0 };
	struct mat	m;
	struct res	res;
	X509		*chain[JKS_MAX_CHAIN];
	int		i;

	need_keytool();
	mat_make(&m);
	chain[0] = m.cert;
	for (i = 1; i < JKS_MAX_CHAIN; i++)
		chain[i] = m.ca;
	put_header(&w, 2, JKS_MAX_ENTRIES);
	put_key(&w, 2, "leaf", &pw, m.key, chain, JKS_MAX_CHAIN);
	for (i = 1; i < JKS_MAX_ENTRIES; i++) {
		char	alias[16];

		snprintf(alias, sizeof(alias), "t%d", i);
		put_trusted(&w, 2, alias, m.other);
	}
	put_digest(&w, &pw);
	keytool_reads(&w, "clientpw", 0);
	cr_assert_eq(parse(w.p, w.len, "clientpw", &res), 0, "%s", res.err);
	cr_assert_eq(sk_X509_num(res.chain), JKS_MAX_CHAIN - 1);
	cr_assert_eq(sk_X509_num(res.trusted), JKS_MAX_ENTRIES - 1);
	res_free(&res);
	free(w.p);
	mat_free(&m);
	no_leaks();
}

Test(jks, data_after_the_digest)
{
	struct pw16	pw = pw_ascii("clientpw");
	struct jw	w = { NULL, 0, 0 };
	struct mat	m;

	mat_make(&m);
	write_store(&w, 2, &pw, &m);
	put(&w, "\n", 1);
	expect_fail(w.p, w.len, "clientpw", -EINVAL,
	    "damaged file (data after the digest)");
	free(w.p);
	mat_free(&m);
	no_leaks();
}

/* --- damage under a valid digest (a buggy writer, not a transfer) ----- */

static void
expect_written_fails(struct jw *w, const struct pw16 *pw, int want_r,
    const char *want_err)
{
	put_digest(w, pw);
	expect_fail(w->p, w->len, "clientpw", want_r, want_err);
	free(w->p);
	*w = (struct jw){ NULL, 0, 0 };
}

Test(jks, damaged_certificates)
{
	struct pw16	 pw = pw_ascii("clientpw");
	struct jw	 w = { NULL, 0, 0 };
	struct mat	 m;
	unsigned char	*der = NULL;
	int		 len;

	mat_make(&m);
	put_header(&w, 2, 1);
	put_entry(&w, 2, "junk");
	put_der(&w, 2, "junk", 4);
	expect_written_fails(&w, &pw, -EINVAL, "damaged certificate");

	/* A certificate followed by a byte its length includes. */
	cr_assert_gt(len = i2d_X509(m.ca, &der), 0);
	cr_assert_not_null(der = OPENSSL_realloc(der, (size_t)len + 1));
	der[len] = 0;
	put_header(&w, 2, 1);
	put_entry(&w, 2, "long");
	put_der(&w, 2, der, (size_t)len + 1);
	expect_written_fails(&w, &pw, -EINVAL, "damaged certificate");

	/* In a chain, too. */
	put_header(&w, 1, 1);
	put_entry(&w, 1, "key");
	put_u32(&w, 0);
	put_u32(&w, 2);
	put_cert(&w, 1, m.cert);
	put_der(&w, 1, der, (size_t)len + 1);
	expect_written_fails(&w, &pw, -EINVAL, "damaged certificate");
	OPENSSL_free(der);
	mat_free(&m);
	no_leaks();
}

Test(jks, damaged_and_foreign_keys)
{
	static const unsigned char	junk[] = { 0x30, 3, 2, 1, 0 };
	struct pw16	 pw = pw_ascii("clientpw"), other = pw_ascii("otherpw");
	struct jw	 w = { NULL, 0, 0 };
	struct mat	 m;
	unsigned char	*plain, *der;
	size_t		 plen, len;
	X509		*chain[1];

	mat_make(&m);
	chain[0] = m.cert;

	/* Not an EncryptedPrivateKeyInfo at all. */
	put_header(&w, 2, 1);
	put_key_der(&w, 2, "key", junk, sizeof(junk), chain, 1);
	expect_written_fails(&w, &pw, -EINVAL, "damaged private key");

	/* JCEKS's protection, or any other, in a JKS file. */
	plain = pkcs8_of(m.key, &plen);
	der = protect(&pw, plain, plen, JCEKS_PROTECTOR, &len);
	put_header(&w, 2, 1);
	put_key_der(&w, 2, "key", der, len, chain, 1);
	expect_written_fails(&w, &pw, -EINVAL,
	    "unsupported key protection (JCEKS?)");
	OPENSSL_free(der);
	der = protect(&pw, plain, plen, "1.2.840.113549.1.5.13", &len);
	put_header(&w, 2, 1);
	put_key_der(&w, 2, "key", der, len, chain, 1);
	expect_written_fails(&w, &pw, -EINVAL,
	    "unsupported key protection (JCEKS?)");
	OPENSSL_free(der);

	/* Protected with another password than the store's. */
	der = protect(&other, plain, plen, KEY_PROTECTOR, &len);
	put_header(&w, 2, 1);
	put_key_der(&w, 2, "key", der, len, chain, 1);
	expect_written_fails(&w, &pw, -EACCES,
	    "bad key password (the key's -keypass must equal the -storepass)");
	OPENSSL_free(der);

	/* Decrypts and checks, but is no PKCS#8 (or has bytes after it). */
	der = protect(&pw, junk, sizeof(junk), KEY_PROTECTOR, &len);
	put_header(&w, 2, 1);
	put_key_der(&w, 2, "key", der, len, chain, 1);
	expect_written_fails(&w, &pw, -EINVAL, "damaged private key");
	OPENSSL_free(der);
	cr_assert_not_null(plain = OPENSSL_realloc(plain, plen + 1));
	plain[plen] = 0;
	der = protect(&pw, plain, plen + 1, KEY_PROTECTOR, &len);
	put_header(&w, 2, 1);
	put_key_der(&w, 2, "key", der, len, chain, 1);
	expect_written_fails(&w, &pw, -EINVAL, "damaged private key");
	OPENSSL_free(der);

	/* Protected data too short to hold a salt and a check. */
	der = protect(&pw, plain, 0, KEY_PROTECTOR, &len);
	put_header(&w, 2, 1);
	put_key_der(&w, 2, "key", der, len, chain, 1);
	expect_written_fails(&w, &pw, -EINVAL, "damaged private key");
	OPENSSL_free(der);
	OPENSSL_clear_free(plain, plen + 1);

	/* A sound key, but not the one of its certificate. */
	chain[0] = m.cert2;
	put_header(&w, 2, 1);
	put_key(&w, 2, "key", &pw, m.key, chain, 1);
	expect_written_fails(&w, &pw, -EINVAL,
	    "private key does not match its certificate");
	mat_free(&m);
	no_leaks();
}
