/* SPDX-License-Identifier: ISC */
/*
 * test_keystore.c: the keyStore and trustStore readers against files made
 * at test time, in a fresh directory under /tmp, by the tools an admin uses:
 * certs/mkkeys.sh, the openssl command line, OpenSSL's C API and, when it is
 * installed, Java's keytool run as the manual runs it.  Nothing binary is
 * kept in the tree.  Every refusal is checked word for word, since those
 * words are what an admin reads in the log.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include "ciskip.h"
#include "keyfix.h"
#include "keystore.h"

#define JKS_HINT	"keytool -importkeystore"

static char	mkkeys[PATH_MAX];	/* certs/mkkeys.sh, absolute */

/* --- fixture directory ------------------------------------------------ */

static void
setup(void)
{
	char	src[PATH_MAX], *slash;

	kf_setup("test_keystore");

	/* certs/mkkeys.sh, found from this file's name or the current dir. */
	snprintf(src, sizeof(src), "%s", __FILE__);
	if ((slash = strrchr(src, '/')) != NULL)
		snprintf(slash, sizeof(src) - (size_t)(slash - src),
		    "/../certs/mkkeys.sh");
	else
		snprintf(src, sizeof(src), "../certs/mkkeys.sh");
	if (realpath(src, mkkeys) == NULL &&
	    realpath("certs/mkkeys.sh", mkkeys) == NULL)
		mkkeys[0] = '\0';
}

TestSuite(keystore, .init = setup, .fini = kf_teardown);

static int
same_cert(const X509 *x, const char *name)
{
	X509	*want = cert_of(name);
	int	 same = X509_cmp(x, want) == 0;

	X509_free(want);
	return same;
}

/* --- key material ----------------------------------------------------- */

/* NAME.enc: NAME.key as encrypted PKCS#8, as certs/mkkeys.sh writes it. */
static void
encrypt_key(const char *name, const char *password)
{
	sh("openssl pkcs8 -topk8 -v2 aes-256-cbc -in %s.key -passout pass:%s "
	    "-out %s.enc", name, password, name);
}

static void
run_mkkeys(const char *opts)
{
	cr_assert(mkkeys[0] != '\0', "certs/mkkeys.sh not found from %s or %s",
	    __FILE__, "the current directory");
	sh("sh '%s' -o mk %s g1", mkkeys, opts);
}

/* p12 written to OUT, then freed. */
static void
p12_write(PKCS12 *p12, const char *out, mode_t mode)
{
	unsigned char	*der = NULL;
	int		 len;

	cr_assert_gt(len = i2d_PKCS12(p12, &der), 0);
	write_file(out, der, (size_t)len, mode);
	OPENSSL_free(der);
	PKCS12_free(p12);
}

/* A PKCS#12 of a.key and a.crt under password, via the C API. */
static PKCS12 *
p12_of_a(const char *password)
{
	EVP_PKEY	*key = key_of("a.key");
	X509		*x = cert_of("a.crt");
	PKCS12		*p12;

	p12 = PKCS12_create(password, "a", key, x, NULL, 0, 0, 0, 0, 0);
	cr_assert_not_null(p12);
	X509_free(x);
	EVP_PKEY_free(key);
	return p12;
}

/* A PKCS#12 of ncerts copies of NAME.crt and no key, via the C API. */
static void
p12_of_copies(const char *out, const char *name, int ncerts,
    const char *password)
{
	STACK_OF(X509)	*ca = sk_X509_new_null();
	X509		*x = cert_of(name);
	PKCS12		*p12;
	int		 i;

	cr_assert_not_null(ca);
	for (i = 0; i < ncerts; i++) {
		cr_assert(X509_up_ref(x));
		cr_assert(sk_X509_push(ca, x));
	}
	p12 = PKCS12_create(password, NULL, NULL, NULL, ca, 0, 0, 0, 0, 0);
	cr_assert_not_null(p12);
	p12_write(p12, out, 0644);
	sk_X509_pop_free(ca, X509_free);
	X509_free(x);
}

/* A PEM file holding NAME.crt ncopies times. */
static void
pem_of_copies(const char *out, const char *name, int ncopies)
{
	unsigned char	*one, *all;
	size_t		 len;
	int		 i;

	one = slurp(name, &len);
	cr_assert_not_null(all = malloc(len * (size_t)ncopies));
	for (i = 0; i < ncopies; i++)
		memcpy(all + len * (size_t)i, one, len);
	write_file(out, all, len * (size_t)ncopies, 0644);
	free(all);
	free(one);
}

/* --- calling the readers ---------------------------------------------- */

static int
parse_id(const char *name, const char *password, struct identity *id,
    char *err, size_t errlen)
{
	unsigned char	*buf;
	size_t		 len;
	int		 r;

	buf = slurp(name, &len);
	r = keystore_parse_identity(buf, len, password, id, err, errlen);
	free(buf);
	cr_expect_eq(ERR_peek_error(), 0, "OpenSSL error queue left dirty");
	return r;
}

static int
parse_trust(const char *name, const char *password, STACK_OF(X509) **sk,
    char *err, size_t errlen)
{
	unsigned char	*buf;
	size_t		 len;
	int		 r;

	buf = slurp(name, &len);
	r = keystore_parse_trust(buf, len, password, sk, err, errlen);
	free(buf);
	cr_expect_eq(ERR_peek_error(), 0, "OpenSSL error queue left dirty");
	return r;
}

/* NAME read as a keyStore with PASSWORD: a key and the cert matching it. */
static void
id_ok(const char *name, const char *password, const char *certname)
{
	struct identity	id;
	char		err[512] = "";
	int		r;

	r = parse_id(name, password, &id, err, sizeof(err));
	cr_assert_eq(r, 0, "%s with password %s: %d %s", name,
	    password ? password : "(null)", r, err);
	cr_assert_not_null(id.key);
	cr_assert_not_null(id.cert);
	cr_assert_eq(X509_check_private_key(id.cert, id.key), 1,
	    "%s: key does not match the certificate returned", name);
	if (certname != NULL)
		cr_assert(same_cert(id.cert, certname), "%s: not the cert of %s",
		    name, certname);
	cr_assert(id.chain == NULL || sk_X509_num(id.chain) == 0,
	    "%s: unexpected chain", name);
	identity_free(&id);
	cr_assert_null(id.key);
	cr_assert_null(id.cert);
	cr_assert_null(id.chain);
}

/* NAME refused as a keyStore with PASSWORD: r and err exactly, id empty. */
static void
id_fails(const char *name, const char *password, int want_r,
    const char *want_err)
{
	struct identity	id;
	char		err[512] = "unset";
	int		r;

	memset(&id, 0xa5, sizeof(id));
	r = parse_id(name, password, &id, err, sizeof(err));
	cr_assert_eq(r, want_r, "%s with password %s: got %d (%s), want %d",
	    name, password ? password : "(null)", r, err, want_r);
	cr_assert_str_eq(err, want_err, "%s with password %s: \"%s\"",
	    name, password ? password : "(null)", err);
	cr_assert_null(id.key);
	cr_assert_null(id.cert);
	cr_assert_null(id.chain);
}

/* NAME read as a trustStore: its certificates, which the caller frees. */
static STACK_OF(X509) *
trust_ok(const char *name, const char *password, int want_n)
{
	STACK_OF(X509)	*sk = NULL;
	char		 err[512] = "";
	int		 r;

	r = parse_trust(name, password, &sk, err, sizeof(err));
	cr_assert_eq(r, 0, "%s with password %s: %d %s", name,
	    password ? password : "(null)", r, err);
	cr_assert_not_null(sk);
	cr_assert_eq(sk_X509_num(sk), want_n, "%s: %d certificates, want %d",
	    name, sk_X509_num(sk), want_n);
	return sk;
}

static void
trust_fails(const char *name, const char *password, int want_r,
    const char *want_err)
{
	STACK_OF(X509)	*sk = (STACK_OF(X509) *)&sk;	/* not NULL */
	char		 err[512] = "unset";
	int		 r;

	r = parse_trust(name, password, &sk, err, sizeof(err));
	cr_assert_eq(r, want_r, "%s with password %s: got %d (%s), want %d",
	    name, password ? password : "(null)", r, err, want_r);
	cr_assert_str_eq(err, want_err, "%s with password %s: \"%s\"",
	    name, password ? password : "(null)", err);
	cr_assert_null(sk);
}

/* The err of keystore_read_identity(P(name)) and its result in *r. */
static void
read_id_err(const char *name, const char *password, int *r, char *err,
    size_t errlen)
{
	struct identity	id;

	memset(&id, 0xa5, sizeof(id));
	*r = keystore_read_identity(P(name), password, &id, err, errlen);
	cr_assert_neq(*r, 0, "%s read as a keyStore", name);
	cr_assert_null(id.key);
	cr_assert_null(id.cert);
	cr_assert_null(id.chain);
}

static void
read_trust_err(const char *name, const char *password, int *r, char *err,
    size_t errlen)
{
	STACK_OF(X509)	*sk = (STACK_OF(X509) *)&sk;

	*r = keystore_read_trust(P(name), password, &sk, err, errlen);
	cr_assert_neq(*r, 0, "%s read as a trustStore", name);
	cr_assert_null(sk);
}

/* "cannot read keyStore PATH: WHY" for name, formatted into buf. */
static const char *
prefixed(char *buf, size_t len, const char *store, const char *name,
    const char *why)
{
	snprintf(buf, len, "cannot read %s %s: %s", store, P(name), why);
	return buf;
}

/* --- keyStore: PEM ---------------------------------------------------- */

Test(keystore, mkkeys_pem_keystores_read_with_their_passwords)
{
	run_mkkeys("");
	id_ok("mk/host/client.private", "clientpw", "mk/host/client.public");
	id_ok("mk/g1/server.private", "serverpw", "mk/host/server_g1.public");
	id_ok("mk/g1/server.private", "serverpw", "mk/g1/server.public");

	{
		struct identity	id;
		char		err[256];

		cr_assert_eq(parse_id("mk/host/client.private", "clientpw",
		    &id, err, sizeof(err)), 0, "%s", err);
		cr_expect(has_cn(id.cert, "cmappmgr"));
		identity_free(&id);
	}
	no_leaks();
}

Test(keystore, pem_wrong_password_is_bad_password)
{
	run_mkkeys("");
	id_fails("mk/host/client.private", "serverpw", -EACCES, "bad password");
	id_fails("mk/host/client.private", "clientpW", -EACCES, "bad password");
	id_fails("mk/host/client.private", "clientpwclientpw", -EACCES,
	    "bad password");
	id_fails("mk/g1/server.private", "clientpw", -EACCES, "bad password");
	no_leaks();
}

Test(keystore, pem_empty_password_on_encrypted_key_is_bad_password)
{
	run_mkkeys("");
	id_fails("mk/host/client.private", "", -EACCES, "bad password");
	id_fails("mk/host/client.private", NULL, -EACCES, "bad password");
	no_leaks();
}

Test(keystore, pem_traditional_encrypted_key)
{
	gen("a", "a");
	sh("openssl ec -in a.key -aes256 -passout pass:secret -out a.trad && "
	    "grep -q 'Proc-Type: 4,ENCRYPTED' a.trad && cat a.crt >>a.trad");
	id_ok("a.trad", "secret", "a.crt");
	id_fails("a.trad", "wrong", -EACCES, "bad password");
	id_fails("a.trad", "", -EACCES, "bad password");
	no_leaks();
}

/*
 * Keys of older tools, DES (traditional PEM, "openssl genrsa -des") and
 * PBE-MD5-DES (PKCS#8 v1): OpenSSL 3 keeps those ciphers in its legacy
 * provider, which the reader loads for them; a right password is not
 * "bad".
 */
Test(keystore, pem_legacy_des_keys)
{
	gen("a", "a");
	sh("openssl ec -in a.key -des -passout pass:old -out a.des "
	    "-provider legacy -provider default 2>/dev/null && "
	    "grep -q 'DEK-Info: DES-CBC' a.des && cat a.crt >>a.des");
	sh("openssl pkcs8 -topk8 -v1 PBE-MD5-DES -in a.key -passout pass:old "
	    "-out a.p8 -provider legacy -provider default && "
	    "cat a.crt >>a.p8");
	cr_assert(!OSSL_PROVIDER_available(NULL, "legacy"),
	    "the legacy provider is loaded before the test: it tests nothing");
	id_ok("a.des", "old", "a.crt");
	id_fails("a.des", "wrong", -EACCES, "bad password");
	id_ok("a.p8", "old", "a.crt");
	id_fails("a.p8", "wrong", -EACCES, "bad password");
	no_leaks();
}

/*
 * Each wrong password must say "bad password".  About one wrong password in
 * 300 decrypts to garbage with valid CBC padding, which OpenSSL reports as
 * an ASN.1 error, not a decryption one: try enough of them that a reader
 * taking those for a damaged key fails here nearly every run.
 */
static void
many_wrong_passwords(const char *name, int tries)
{
	struct identity	 id;
	unsigned char	*buf;
	char		 pw[32], err[256];
	size_t		 len;
	int		 i, r, bad = 0;

	buf = slurp(name, &len);
	for (i = 0; i < tries; i++) {
		snprintf(pw, sizeof(pw), "wrong%d", i);
		r = keystore_parse_identity(buf, len, pw, &id, err,
		    sizeof(err));
		if (r != -EACCES || strcmp(err, "bad password") != 0) {
			if (bad++ == 0)
				cr_log_error("%s with password %s: %d %s",
				    name, pw, r, err);
			if (r == 0)
				identity_free(&id);
		}
	}
	free(buf);
	cr_assert_eq(bad, 0, "%s: %d of %d wrong passwords not taken for "
	    "a bad password", name, bad, tries);
}

Test(keystore, pem_pkcs8_every_wrong_password_is_bad_password)
{
	gen("a", "a");
	/* One PBKDF2 iteration, to try thousands of passwords quickly. */
	sh("openssl pkcs8 -topk8 -v2 aes-256-cbc -iter 1 -in a.key "
	    "-passout pass:pw -out a.private && cat a.crt >>a.private");
	id_ok("a.private", "pw", "a.crt");
	many_wrong_passwords("a.private", 4000);
	no_leaks();
}

Test(keystore, pem_traditional_every_wrong_password_is_bad_password)
{
	gen("a", "a");
	sh("openssl ec -in a.key -aes256 -passout pass:pw -out a.private && "
	    "cat a.crt >>a.private");
	id_ok("a.private", "pw", "a.crt");
	many_wrong_passwords("a.private", 3000);
	no_leaks();
}

Test(keystore, pem_rsa_encrypted_key)
{
	sh("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 "
	    "-aes-256-cbc -pass pass:rsapw -out r.key && "
	    "openssl req -x509 -new -key r.key -passin pass:rsapw -out r.crt "
	    "-days 30 -subj /CN=rsa && cat r.key r.crt >r.private");
	id_ok("r.private", "rsapw", "r.crt");
	id_fails("r.private", "nope", -EACCES, "bad password");
	no_leaks();
}

Test(keystore, pem_unencrypted_key_takes_any_password)
{
	gen("a", "a");
	sh("cat a.key a.crt >a.private");
	id_ok("a.private", "clientpw", "a.crt");
	id_ok("a.private", "anything at all", "a.crt");
	id_ok("a.private", "", "a.crt");
	id_ok("a.private", NULL, "a.crt");
	no_leaks();
}

Test(keystore, pem_certificate_before_key)
{
	gen("a", "a");
	encrypt_key("a", "pw");
	sh("cat a.crt a.enc >a.private");
	id_ok("a.private", "pw", "a.crt");
	no_leaks();
}

Test(keystore, pem_cert_only_has_no_private_key)
{
	run_mkkeys("");
	id_fails("mk/host/client.public", "clientpw", -EINVAL,
	    "no private key");
	id_fails("mk/host/client.public", NULL, -EINVAL, "no private key");
	no_leaks();
}

Test(keystore, pem_key_only_has_no_certificate)
{
	gen("a", "a");
	encrypt_key("a", "pw");
	id_fails("a.key", "pw", -EINVAL, "no certificate");
	id_fails("a.enc", "pw", -EINVAL, "no certificate");
	/* The password is checked before the missing certificate. */
	id_fails("a.enc", "wrong", -EACCES, "bad password");
	no_leaks();
}

Test(keystore, pem_key_with_another_keys_certificate)
{
	gen("a", "a");
	gen("b", "b");
	encrypt_key("a", "pw");
	sh("cat a.enc b.crt >ab.private && cat b.crt a.key >ba.private");
	id_fails("ab.private", "pw", -EINVAL,
	    "private key does not match its certificate");
	id_fails("ba.private", NULL, -EINVAL,
	    "private key does not match its certificate");
	no_leaks();
}

Test(keystore, pem_damaged_key_is_unreadable)
{
	static const char	hdr[] = "-----BEGIN PRIVATE KEY-----\n";
	unsigned char		*buf;
	size_t			 len, i;

	gen("a", "a");
	sh("cat a.key a.crt >a.private");
	/* Zero the key's first line of base64: its DER no longer parses. */
	buf = slurp("a.private", &len);
	cr_assert(len > sizeof(hdr) + 64);
	cr_assert_eq(memcmp(buf, hdr, sizeof(hdr) - 1), 0);
	for (i = sizeof(hdr) - 1; buf[i] != '\n'; i++)
		buf[i] = 'A';
	write_file("bad.private", buf, len, 0600);
	free(buf);
	id_fails("bad.private", "pw", -EINVAL, "unreadable private key");
	no_leaks();
}

/* The file holds leaf.key/enc and leaf.crt plus ca.crt, in the given order. */
static void
check_chain(const char *name, const char *password)
{
	struct identity	id;
	char		err[512] = "";
	int		r;

	r = parse_id(name, password, &id, err, sizeof(err));
	cr_assert_eq(r, 0, "%s: %s", name, err);
	cr_assert(same_cert(id.cert, "leaf.crt"), "%s: leaf not picked", name);
	cr_assert(has_cn(id.cert, "leaf"));
	cr_assert_eq(X509_check_private_key(id.cert, id.key), 1);
	cr_assert_not_null(id.chain, "%s: no chain", name);
	cr_assert_eq(sk_X509_num(id.chain), 1, "%s: chain of %d", name,
	    sk_X509_num(id.chain));
	cr_assert(same_cert(sk_X509_value(id.chain, 0), "ca.crt"));
	identity_free(&id);
}

Test(keystore, pem_chain_leaf_first)
{
	gen("ca", "ca");
	gen_signed("leaf", "leaf");
	sh("cat leaf.key leaf.crt ca.crt >leaf.private");
	check_chain("leaf.private", NULL);
	no_leaks();
}

Test(keystore, pem_chain_ca_first)
{
	gen("ca", "ca");
	gen_signed("leaf", "leaf");
	encrypt_key("leaf", "pw");
	sh("cat ca.crt leaf.enc leaf.crt >cafirst.private && "
	    "cat ca.crt leaf.crt leaf.enc >cafirst2.private");
	check_chain("cafirst.private", "pw");
	check_chain("cafirst2.private", "pw");
	no_leaks();
}

/* --- keyStore: PKCS#12 ------------------------------------------------ */

Test(keystore, pkcs12_export_right_and_wrong_password)
{
	gen("a", "a");
	sh("openssl pkcs12 -export -inkey a.key -in a.crt -name a "
	    "-passout pass:clientpw -out a.p12");
	id_ok("a.p12", "clientpw", "a.crt");
	id_fails("a.p12", "serverpw", -EACCES, "bad password");
	id_fails("a.p12", "", -EACCES, "bad password");
	id_fails("a.p12", NULL, -EACCES, "bad password");
	no_leaks();
}

Test(keystore, mkkeys_pkcs12_keystores)
{
	run_mkkeys("-pkcs12");
	id_ok("mk/host/client.private", "clientpw", "mk/host/client.public");
	id_ok("mk/g1/server.private", "serverpw", "mk/host/server_g1.public");
	id_fails("mk/host/client.private", "serverpw", -EACCES,
	    "bad password");
	id_fails("mk/g1/server.private", "clientpw", -EACCES, "bad password");
	id_fails("mk/g1/server.private", NULL, -EACCES, "bad password");
	no_leaks();
}

/* A keyStore named as a trustStore is said to be one, not "bad password"
 * (its password is the keyStore's); a trustStore's wrong password stays
 * that. */
Test(keystore, pkcs12_keystore_as_truststore_is_named)
{
	run_mkkeys("-pkcs12");
	trust_fails("mk/host/client.private", "public", -EINVAL,
	    KEYSTORE_PRIVATE_AS_TRUST);
	trust_fails("mk/g1/server.private", NULL, -EINVAL,
	    KEYSTORE_PRIVATE_AS_TRUST);
	gen("t", "t");
	sh("openssl pkcs12 -export -nokeys -in t.crt -passout pass:other "
	    "-out t.p12");
	trust_fails("t.p12", "public", -EACCES, "bad password");
	no_leaks();
}

Test(keystore, pkcs12_chain)
{
	struct identity	id;
	char		err[512] = "";

	gen("ca", "ca");
	gen_signed("leaf", "leaf");
	sh("openssl pkcs12 -export -inkey leaf.key -in leaf.crt "
	    "-certfile ca.crt -passout pass:pw -out leaf.p12");
	cr_assert_eq(parse_id("leaf.p12", "pw", &id, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert(same_cert(id.cert, "leaf.crt"));
	cr_assert_eq(X509_check_private_key(id.cert, id.key), 1);
	cr_assert_not_null(id.chain);
	cr_assert_eq(sk_X509_num(id.chain), 1);
	cr_assert(same_cert(sk_X509_value(id.chain, 0), "ca.crt"));
	identity_free(&id);
	no_leaks();
}

Test(keystore, pkcs12_legacy_rc2_3des)
{
	int	before;

	gen("a", "a");
	sh("openssl pkcs12 -export -legacy -inkey a.key -in a.crt "
	    "-passout pass:pw -out a.p12 && "
	    "openssl pkcs12 -legacy -info -noout -in a.p12 -passin pass:pw "
	    "2>&1 | grep -q 'RC2\\|3-KeyTripleDES'");
	before = OSSL_PROVIDER_available(NULL, "legacy");
	id_fails("a.p12", "nope", -EACCES, "bad password");
	id_ok("a.p12", "pw", "a.crt");
	/* Unless the system configuration loads it, the reader had to. */
	if (!before)
		cr_expect(OSSL_PROVIDER_available(NULL, "legacy"));
	/* And the default provider still works alongside it. */
	sh("openssl pkcs12 -export -inkey a.key -in a.crt -passout pass:pw "
	    "-out modern.p12");
	id_ok("modern.p12", "pw", "a.crt");
	id_fails("modern.p12", "nope", -EACCES, "bad password");
	no_leaks();
}

Test(keystore, pkcs12_empty_password)
{
	gen("a", "a");
	sh("openssl pkcs12 -export -inkey a.key -in a.crt -passout pass: "
	    "-out cli.p12");
	id_ok("cli.p12", "", "a.crt");
	id_ok("cli.p12", NULL, "a.crt");
	id_fails("cli.p12", "x", -EACCES, "bad password");

	/* PKCS12_create with a NULL password MACs with no password at all. */
	p12_write(p12_of_a(NULL), "api.p12", 0600);
	id_ok("api.p12", NULL, "a.crt");
	id_ok("api.p12", "", "a.crt");
	id_fails("api.p12", "x", -EACCES, "bad password");
	no_leaks();
}

/* A MAC iteration count past KEYSTORE_MAX_ITER is refused before any
 * password is tried: a crafted one stalled the start for minutes. */
Test(keystore, pkcs12_huge_mac_iteration_count)
{
	PKCS12			*p12;
	const ASN1_INTEGER	*iter = NULL;

	gen("a", "a");
	p12 = p12_of_a("pw");
	PKCS12_get0_mac(NULL, NULL, NULL, &iter, p12);
	cr_assert_not_null(iter);
	cr_assert(ASN1_INTEGER_set_int64((ASN1_INTEGER *)iter,
	    (int64_t)KEYSTORE_MAX_ITER + 1));
	p12_write(p12, "huge.p12", 0600);
	id_fails("huge.p12", "pw", -EINVAL,
	    "its MAC iteration count 2000001 is not in 1..2000000 (a damaged "
	    "file?)");
	no_leaks();
}

Test(keystore, pkcs12_without_key_or_certificate)
{
	gen("a", "a");
	sh("openssl pkcs12 -export -nokeys -in a.crt -passout pass:public "
	    "-out nokey.p12 && openssl pkcs12 -export -nocerts -inkey a.key "
	    "-passout pass:pw -out nocert.p12");
	id_fails("nokey.p12", "public", -EINVAL, "no private key");
	id_fails("nocert.p12", "pw", -EINVAL, "no certificate");
	id_fails("nocert.p12", "wrong", -EACCES, "bad password");
	no_leaks();
}

/*
 * A PKCS#12 pairing KEYNAME's key with CERTNAME's certificate under one
 * localKeyID, which "openssl pkcs12 -export" and PKCS12_create refuse to
 * write: bags in a plain safe, with a MAC under password.  (OpenSSL 3's
 * PKCS12_parse then hands the certificate back as a CA one, not as the
 * key's: the reader must still say the key does not match.)
 */
static void
p12_mismatched(const char *out, const char *keyname, const char *certname,
    const char *password)
{
	STACK_OF(PKCS12_SAFEBAG) *bags = NULL;
	STACK_OF(PKCS7)	*safes = NULL;
	PKCS12_SAFEBAG	*bag;
	EVP_PKEY	*key = key_of(keyname);
	X509		*x = cert_of(certname);
	PKCS12		*p12;
	unsigned char	lkid[] = "same id";

	cr_assert_not_null(bag = PKCS12_add_cert(&bags, x));
	cr_assert(PKCS12_add_localkeyid(bag, lkid, sizeof(lkid) - 1));
	cr_assert_not_null(bag = PKCS12_add_key(&bags, key, 0, 0, -1, NULL));
	cr_assert(PKCS12_add_localkeyid(bag, lkid, sizeof(lkid) - 1));
	cr_assert(PKCS12_add_safe(&safes, bags, -1, 0, NULL));
	cr_assert_not_null(p12 = PKCS12_add_safes(safes, 0));
	cr_assert(PKCS12_set_mac(p12, password, -1, NULL, 0, 2048, NULL));
	p12_write(p12, out, 0600);
	sk_PKCS7_pop_free(safes, PKCS7_free);
	sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
	X509_free(x);
	EVP_PKEY_free(key);
}

Test(keystore, pkcs12_key_with_another_keys_certificate)
{
	gen("a", "a");
	gen("b", "b");
	/* The hand-made file is sound: with a's own cert it reads. */
	p12_mismatched("aa.p12", "a.key", "a.crt", "pw");
	id_ok("aa.p12", "pw", "a.crt");
	p12_mismatched("ab.p12", "a.key", "b.crt", "pw");
	id_fails("ab.p12", "pw", -EINVAL,
	    "private key does not match its certificate");
	id_fails("ab.p12", "wrong", -EACCES, "bad password");
	no_leaks();
}

/* --- keyStore: other formats and file errors -------------------------- */

Test(keystore, der_certificate_is_no_keystore)
{
	gen("a", "a");
	sh("openssl x509 -in a.crt -outform DER -out a.der");
	id_fails("a.der", "pw", -EINVAL, "no private key (a lone certificate "
	    "belongs in a trustStore)");
	no_leaks();
}

Test(keystore, garbage_is_not_pem_or_pkcs12)
{
	unsigned char	rnd[4096];
	uint32_t	s = 12345;
	size_t		i, len;
	unsigned char	*buf;

	for (i = 0; i < sizeof(rnd); i++) {
		s = s * 1103515245u + 12345u;
		rnd[i] = (unsigned char)(s >> 16);
	}
	write_file("random", rnd, sizeof(rnd), 0600);
	write_file("text", "just some text\n", 15, 0600);
	write_file("empty", "", 0, 0600);
	write_file("one", "\x30", 1, 0600);
	id_fails("random", "pw", -EINVAL, "not a PEM or PKCS#12 file");
	id_fails("text", "pw", -EINVAL, "not a PEM or PKCS#12 file");
	id_fails("empty", "pw", -EINVAL, "not a PEM or PKCS#12 file");
	id_fails("one", "pw", -EINVAL, "not a PEM or PKCS#12 file");

	/* A truncated PKCS#12 is garbage too. */
	gen("a", "a");
	sh("openssl pkcs12 -export -inkey a.key -in a.crt -passout pass:pw "
	    "-out a.p12");
	buf = slurp("a.p12", &len);
	write_file("half.p12", buf, len / 2, 0600);
	free(buf);
	id_fails("half.p12", "pw", -EINVAL, "not a PEM or PKCS#12 file");
	no_leaks();
}

/* A JCEKS store's start: JKS itself is read (tests/test_jks.c). */
static const unsigned char jks[] = {
	0xce, 0xce, 0xce, 0xce, 0x00, 0x00, 0x00, 0x02,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x0d, 'c', 'l', 'i', 'e', 'n', 't', 'p', 'r', 'i', 'v', 'a', 't',
	'e', 0x00, 0x00, 0x01, 0x8b,
};

static void
expect_jks_refusal(const char *err)
{
	cr_assert_not_null(strstr(err, "JCEKS"), "%s", err);
	cr_assert_not_null(strstr(err, JKS_HINT), "%s", err);
}

Test(keystore, jks_magic_is_refused_with_keytool_hint)
{
	struct identity	id;
	STACK_OF(X509)	*sk;
	char		err[512] = "";

	cr_assert_eq(keystore_parse_identity(jks, sizeof(jks), "clientpw",
	    &id, err, sizeof(err)), -EINVAL);
	expect_jks_refusal(err);
	cr_assert_null(id.key);

	err[0] = '\0';
	cr_assert_eq(keystore_parse_trust(jks, sizeof(jks), "public", &sk,
	    err, sizeof(err)), -EINVAL);
	expect_jks_refusal(err);
	cr_assert_null(sk);

	/* Just the magic is enough. */
	err[0] = '\0';
	cr_assert_eq(keystore_parse_identity(jks, 4, NULL, &id, err,
	    sizeof(err)), -EINVAL);
	expect_jks_refusal(err);
	no_leaks();
}

Test(keystore, parse_refuses_oversized_buffers)
{
	struct identity	 id;
	STACK_OF(X509)	*sk;
	unsigned char	*big;
	char		 err[128];

	cr_assert_not_null(big = calloc(1, KEYSTORE_MAX_FILE + 1));
	cr_assert_eq(keystore_parse_identity(big, KEYSTORE_MAX_FILE + 1,
	    "pw", &id, err, sizeof(err)), -EFBIG);
	cr_assert_str_eq(err, "file too large");
	cr_assert_eq(keystore_parse_trust(big, KEYSTORE_MAX_FILE + 1,
	    "pw", &sk, err, sizeof(err)), -EFBIG);
	cr_assert_str_eq(err, "file too large");
	cr_assert_null(sk);
	free(big);
	no_leaks();
}

Test(keystore, read_identity_ok_and_prefixes_errors)
{
	struct identity	id;
	char		err[PATH_MAX + 256], want[PATH_MAX + 256];
	int		r;

	run_mkkeys("");
	r = keystore_read_identity(P("mk/host/client.private"), "clientpw",
	    &id, err, sizeof(err));
	cr_assert_eq(r, 0, "%s", err);
	cr_assert(same_cert(id.cert, "mk/host/client.public"));
	cr_assert_eq(X509_check_private_key(id.cert, id.key), 1);
	identity_free(&id);

	read_id_err("mk/host/client.private", "wrong", &r, err, sizeof(err));
	cr_assert_eq(r, -EACCES);
	cr_assert_str_eq(err, prefixed(want, sizeof(want), "keyStore",
	    "mk/host/client.private", "bad password"));

	read_id_err("mk/host/client.public", "clientpw", &r, err, sizeof(err));
	cr_assert_eq(r, -EINVAL);
	cr_assert_str_eq(err, prefixed(want, sizeof(want), "keyStore",
	    "mk/host/client.public", "no private key"));

	write_file("jks", jks, sizeof(jks), 0600);
	read_id_err("jks", "clientpw", &r, err, sizeof(err));
	cr_assert_eq(r, -EINVAL);
	snprintf(want, sizeof(want), "cannot read keyStore %s: ", P("jks"));
	cr_assert_eq(strncmp(err, want, strlen(want)), 0, "%s", err);
	expect_jks_refusal(err);
	no_leaks();
}

Test(keystore, read_identity_missing_file)
{
	struct identity	id;
	char		err[PATH_MAX + 256], want[PATH_MAX + 256];
	int		r;

	read_id_err("no-such-file", "clientpw", &r, err, sizeof(err));
	cr_assert_eq(r, -ENOENT);
	cr_assert_str_eq(err, prefixed(want, sizeof(want), "keyStore",
	    "no-such-file", "No such file or directory"));

	r = keystore_read_identity(P("no-such-dir/client.private"), "pw", &id,
	    err, sizeof(err));
	cr_assert_eq(r, -ENOENT);
	cr_assert_str_eq(err, prefixed(want, sizeof(want), "keyStore",
	    "no-such-dir/client.private", "No such file or directory"));
	no_leaks();
}

Test(keystore, read_identity_not_a_regular_file)
{
	struct identity	id;
	char		err[PATH_MAX + 256], want[PATH_MAX + 256];
	int		r;

	cr_assert_eq(mkdir(P("dir"), 0700), 0);
	read_id_err("dir", "pw", &r, err, sizeof(err));
	cr_assert_eq(r, -EISDIR);
	cr_assert_str_eq(err, prefixed(want, sizeof(want), "keyStore", "dir",
	    "not a regular file"));

	r = keystore_read_identity("/dev/null", "pw", &id, err, sizeof(err));
	cr_assert_eq(r, -EISDIR);
	cr_assert_str_eq(err,
	    "cannot read keyStore /dev/null: not a regular file");
	no_leaks();
}

/* A FIFO nobody writes to must be refused, not waited on forever. */
Test(keystore, read_fifo_is_refused_without_blocking, .timeout = 20)
{
	char	err[PATH_MAX + 256], want[PATH_MAX + 256];
	int	r;

	cr_assert_eq(mkfifo(P("fifo"), 0600), 0, "%s", strerror(errno));
	read_id_err("fifo", "pw", &r, err, sizeof(err));
	cr_assert_eq(r, -EISDIR);
	cr_assert_str_eq(err, prefixed(want, sizeof(want), "keyStore", "fifo",
	    "not a regular file"));
	read_trust_err("fifo", "public", &r, err, sizeof(err));
	cr_assert_eq(r, -EISDIR);
	cr_assert_str_eq(err, prefixed(want, sizeof(want), "trustStore",
	    "fifo", "not a regular file"));
	no_leaks();
}

Test(keystore, read_size_limit)
{
	unsigned char	*big;
	char		 err[PATH_MAX + 256], want[PATH_MAX + 256];
	int		 r;

	cr_assert_not_null(big = malloc(KEYSTORE_MAX_FILE + 1));
	memset(big, 'x', KEYSTORE_MAX_FILE + 1);
	write_file("big", big, KEYSTORE_MAX_FILE + 1, 0600);
	write_file("max", big, KEYSTORE_MAX_FILE, 0600);
	free(big);

	read_id_err("big", "pw", &r, err, sizeof(err));
	cr_assert_eq(r, -EFBIG);
	cr_assert_str_eq(err, prefixed(want, sizeof(want), "keyStore", "big",
	    "file too large (over 1 MiB)"));
	read_trust_err("big", "public", &r, err, sizeof(err));
	cr_assert_eq(r, -EFBIG);
	cr_assert_str_eq(err, prefixed(want, sizeof(want), "trustStore", "big",
	    "file too large (over 1 MiB)"));

	/* Exactly the limit is read, and found to be garbage. */
	read_id_err("max", "pw", &r, err, sizeof(err));
	cr_assert_eq(r, -EINVAL);
	cr_assert_str_eq(err, prefixed(want, sizeof(want), "keyStore", "max",
	    "not a PEM or PKCS#12 file"));
	read_trust_err("max", "public", &r, err, sizeof(err));
	cr_assert_eq(r, -EINVAL);
	cr_assert_str_eq(err, prefixed(want, sizeof(want), "trustStore", "max",
	    "not a PEM, PKCS#12 or DER certificate file"));
	no_leaks();
}

Test(keystore, read_error_truncated_to_errlen)
{
	struct identity	id;
	char		err[16];
	int		r;

	memset(err, 'z', sizeof(err));
	r = keystore_read_identity(P("no-such-file"), "pw", &id, err, 12);
	cr_assert_eq(r, -ENOENT);
	cr_assert_str_eq(err, "cannot read");
	cr_assert_eq(err[12], 'z', "wrote past errlen");
	no_leaks();
}

/* What keystore_read_identity or _trust logs on stderr for NAME. */
static char *
logged(int trust, const char *name, const char *password)
{
	struct identity	 id;
	STACK_OF(X509)	*sk;
	char		 err[PATH_MAX + 256];
	unsigned char	*out;
	size_t		 len;
	int		 saved, fd, r;

	fflush(stderr);
	cr_assert_geq(saved = dup(2), 0);
	fd = open(P("stderr"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(dup2(fd, 2), 2);
	close(fd);
	if (trust)
		r = keystore_read_trust(P(name), password, &sk, err,
		    sizeof(err));
	else
		r = keystore_read_identity(P(name), password, &id, err,
		    sizeof(err));
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	cr_assert_eq(r, 0, "%s", err);
	if (trust)
		sk_X509_pop_free(sk, X509_free);
	else
		identity_free(&id);
	out = slurp("stderr", &len);
	out = realloc(out, len + 1);
	cr_assert_not_null(out);
	out[len] = '\0';
	return (char *)out;
}

/* name made mode (0: as it is) logs want when read, or nothing (NULL). */
static void
expect_logged(int trust, const char *name, const char *password,
    mode_t mode, const char *want)
{
	char	*log;

	if (mode != 0)
		cr_assert_eq(chmod(P(name), mode), 0);
	log = logged(trust, name, password);
	if (want == NULL)
		cr_expect_str_empty(log, "%s: unexpected: %s", name, log);
	else
		cr_expect_not_null(strstr(log, want), "%s logged: %s", name,
		    log);
	free(log);
}

Test(keystore, read_identity_warns_when_others_can_read)
{
	char	want[PATH_MAX + 128];

	run_mkkeys("");
	snprintf(want, sizeof(want), "keyStore %s is readable by others than "
	    "its owner (chmod 600 it)", P("mk/host/client.private"));
	/* mkkeys.sh makes it 0600: no warning. */
	expect_logged(0, "mk/host/client.private", "clientpw", 0, NULL);
	expect_logged(0, "mk/host/client.private", "clientpw", 0640, want);
	expect_logged(0, "mk/host/client.private", "clientpw", 0604, want);
	/* A trustStore is public: 0644 is its normal mode. */
	expect_logged(1, "mk/host/client.public", "public", 0, NULL);
	no_leaks();
}

/* Whoever may write a trustStore decides whom we trust. */
Test(keystore, read_trust_warns_when_others_can_write)
{
	char	want[PATH_MAX + 160];

	run_mkkeys("");
	snprintf(want, sizeof(want), "trustStore %s is writable by others "
	    "than its owner, mode 664: whoever can write it decides which "
	    "peers are trusted (chmod 644 it)", P("mk/host/client.public"));
	expect_logged(1, "mk/host/client.public", "public", 0664, want);
	expect_logged(1, "mk/host/client.public", "public", 0646, "mode 646");
	no_leaks();
}

/* --- trustStore ------------------------------------------------------- */

Test(keystore, trust_pem_one_certificate)
{
	STACK_OF(X509)	*sk;

	run_mkkeys("");
	sk = trust_ok("mk/host/client.public", "public", 1);
	cr_assert(same_cert(sk_X509_value(sk, 0), "mk/host/client.public"));
	sk_X509_pop_free(sk, X509_free);
	/* The password of a PEM trustStore is not used. */
	sk = trust_ok("mk/host/server_g1.public", NULL, 1);
	cr_assert(same_cert(sk_X509_value(sk, 0), "mk/g1/server.public"));
	sk_X509_pop_free(sk, X509_free);
	sk = trust_ok("mk/host/server_g1.public", "whatever", 1);
	sk_X509_pop_free(sk, X509_free);
	no_leaks();
}

Test(keystore, trust_pem_several_certificates_in_order)
{
	STACK_OF(X509)	*sk;

	gen("a", "a");
	gen("b", "b");
	gen("c", "c");
	sh("cat a.crt b.crt c.crt >abc.pem && "
	    "{ echo 'Bag Attributes: some text'; cat c.crt; echo; "
	    "echo 'more text'; cat a.crt; } >mixed.pem");
	sk = trust_ok("abc.pem", "public", 3);
	cr_assert(same_cert(sk_X509_value(sk, 0), "a.crt"));
	cr_assert(same_cert(sk_X509_value(sk, 1), "b.crt"));
	cr_assert(same_cert(sk_X509_value(sk, 2), "c.crt"));
	sk_X509_pop_free(sk, X509_free);

	/* Text around the certificates is skipped. */
	sk = trust_ok("mixed.pem", "public", 2);
	cr_assert(same_cert(sk_X509_value(sk, 0), "c.crt"));
	cr_assert(same_cert(sk_X509_value(sk, 1), "a.crt"));
	sk_X509_pop_free(sk, X509_free);
	no_leaks();
}

/* cmapp_mkkeys's client.private named as trustStore= by mistake would
 * trust this side's own certificate: refused, as a PKCS#12 keyStore is,
 * with the words of the README's troubleshooting row. */
Test(keystore, trust_pem_keystore_refused)
{
	run_mkkeys("");
	trust_fails("mk/host/client.private", "public", -EINVAL,
	    KEYSTORE_PRIVATE_AS_TRUST);
	no_leaks();
}

Test(keystore, trust_der_certificate)
{
	STACK_OF(X509)	*sk;
	char		 err[PATH_MAX + 256];
	int		 r;

	gen("a", "a");
	sh("openssl x509 -in a.crt -outform DER -out temp.key");
	sk = trust_ok("temp.key", "public", 1);
	cr_assert(same_cert(sk_X509_value(sk, 0), "a.crt"));
	sk_X509_pop_free(sk, X509_free);

	r = keystore_read_trust(P("temp.key"), NULL, &sk, err, sizeof(err));
	cr_assert_eq(r, 0, "%s", err);
	cr_assert_eq(sk_X509_num(sk), 1);
	sk_X509_pop_free(sk, X509_free);
	no_leaks();
}

/* Two DER certificates put together (cat a.der b.der): the second was
 * silently not trusted; now the file is refused, saying why. */
Test(keystore, trust_der_with_bytes_after_refused)
{
	struct stat	st;
	char		want[256];

	gen("a", "a");
	gen("b", "b");
	sh("openssl x509 -in a.crt -outform DER -out a.der && "
	    "openssl x509 -in b.crt -outform DER -out b.der && "
	    "cat a.der b.der >ab.der");
	cr_assert_eq(stat(P("b.der"), &st), 0);
	snprintf(want, sizeof(want), "%lld bytes after its DER certificate: a "
	    "DER file holds one certificate (several go in one PEM file)",
	    (long long)st.st_size);
	trust_fails("ab.der", NULL, -EINVAL, want);
	no_leaks();
}

Test(keystore, trust_pkcs12_certificates_only)
{
	STACK_OF(X509)	*sk;

	gen("a", "a");
	gen("b", "b");
	sh("openssl pkcs12 -export -nokeys -in a.crt -passout pass:public "
	    "-out a.public && cat a.crt b.crt >ab.pem && "
	    "openssl pkcs12 -export -nokeys -in ab.pem -passout pass:public "
	    "-out ab.public");
	sk = trust_ok("a.public", "public", 1);
	cr_assert(same_cert(sk_X509_value(sk, 0), "a.crt"));
	sk_X509_pop_free(sk, X509_free);

	sk = trust_ok("ab.public", "public", 2);
	cr_assert(same_cert(sk_X509_value(sk, 0), "a.crt") ||
	    same_cert(sk_X509_value(sk, 1), "a.crt"));
	cr_assert(same_cert(sk_X509_value(sk, 0), "b.crt") ||
	    same_cert(sk_X509_value(sk, 1), "b.crt"));
	sk_X509_pop_free(sk, X509_free);

	trust_fails("a.public", "publix", -EACCES, "bad password");
	trust_fails("a.public", "", -EACCES, "bad password");
	trust_fails("a.public", NULL, -EACCES, "bad password");
	no_leaks();
}

Test(keystore, trust_pkcs12_keystore_gives_its_certificates)
{
	STACK_OF(X509)	*sk;

	gen("ca", "ca");
	gen_signed("leaf", "leaf");
	sh("openssl pkcs12 -export -inkey leaf.key -in leaf.crt "
	    "-certfile ca.crt -passout pass:pw -out leaf.p12");
	sk = trust_ok("leaf.p12", "pw", 2);
	cr_assert(same_cert(sk_X509_value(sk, 0), "leaf.crt") ||
	    same_cert(sk_X509_value(sk, 1), "leaf.crt"));
	sk_X509_pop_free(sk, X509_free);
	/* Under another password, it is said to be a keyStore. */
	trust_fails("leaf.p12", "public", -EINVAL, KEYSTORE_PRIVATE_AS_TRUST);
	no_leaks();
}

Test(keystore, trust_pkcs12_legacy)
{
	STACK_OF(X509)	*sk;

	gen("a", "a");
	sh("openssl pkcs12 -export -legacy -nokeys -in a.crt "
	    "-passout pass:public -out a.public");
	sk = trust_ok("a.public", "public", 1);
	cr_assert(same_cert(sk_X509_value(sk, 0), "a.crt"));
	sk_X509_pop_free(sk, X509_free);
	trust_fails("a.public", "x", -EACCES, "bad password");
	no_leaks();
}

Test(keystore, trust_empty_or_garbage)
{
	static const char	junk_pem[] = "-----BEGIN CERTIFICATE-----\n"
	    "AAAAAAAAAAAAAAAA\n-----END CERTIFICATE-----\n";

	write_file("empty", "", 0, 0644);
	write_file("text", "not a certificate\n", 18, 0644);
	write_file("junk.pem", junk_pem, sizeof(junk_pem) - 1, 0644);
	gen("a", "a");

	trust_fails("empty", "public", -EINVAL,
	    "not a PEM, PKCS#12 or DER certificate file");
	trust_fails("text", "public", -EINVAL,
	    "not a PEM, PKCS#12 or DER certificate file");
	trust_fails("junk.pem", "public", -EINVAL,
	    "certificate 1 is damaged or cut off");
	trust_fails("a.key", "public", -EINVAL, KEYSTORE_PRIVATE_AS_TRUST);
	no_leaks();
}

/* A copy that ran out of space must not quietly trust only the
 * certificates before the cut, nor a keyStore lose its chain's end. */
Test(keystore, pem_cut_off_mid_certificate)
{
	STACK_OF(X509)	*sk;

	gen("a", "a");
	gen("b", "b");
	gen("c", "c");
	sh("cat a.crt b.crt c.crt >abc.pem && head -c -200 abc.pem >cut.pem && "
	    "head -n -1 abc.pem >noend.pem && cat a.crt b.crt >ab.pem && "
	    "echo '-----BEGIN CERTIFICATE-----' >>ab.pem && "
	    "{ cat a.crt b.crt; echo 'comment after the end'; } >tail.pem && "
	    "cat a.key a.crt b.crt >akey.pem && head -c -100 akey.pem >akeycut.pem && "
	    "{ cat a.crt b.crt; printf -- '-----BEGIN PGP SIGNATURE-----\\n\\n"
	    "iQEzBAEBCAAdFiEE\\n=abcd\\n-----END PGP SIGNATURE-----\\n'; } >pgp.pem");
	trust_fails("cut.pem", "public", -EINVAL,
	    "certificate 3 is damaged or cut off");
	trust_fails("noend.pem", "public", -EINVAL,
	    "certificate 3 is damaged or cut off");
	trust_fails("ab.pem", "public", -EINVAL,
	    "certificate 3 is damaged or cut off");
	id_fails("akeycut.pem", "pw", -EINVAL,
	    "certificate 2 is damaged or cut off");
	/* Text after the last certificate is no damage, nor is a damaged
	 * block of another kind there. */
	sk = trust_ok("tail.pem", "public", 2);
	sk_X509_pop_free(sk, X509_free);
	sk = trust_ok("pgp.pem", "public", 2);
	sk_X509_pop_free(sk, X509_free);
	no_leaks();
}

Test(keystore, trust_pem_certificate_limit)
{
	STACK_OF(X509)	*sk;

	gen("a", "a");
	pem_of_copies("max.pem", "a.crt", KEYSTORE_MAX_CERTS);
	pem_of_copies("over.pem", "a.crt", KEYSTORE_MAX_CERTS + 1);
	sk = trust_ok("max.pem", "public", KEYSTORE_MAX_CERTS);
	sk_X509_pop_free(sk, X509_free);
	trust_fails("over.pem", "public", -EINVAL, "too many certificates");
	no_leaks();
}

Test(keystore, trust_pkcs12_certificate_limit)
{
	STACK_OF(X509)	*sk;

	gen("a", "a");
	p12_of_copies("max.p12", "a.crt", KEYSTORE_MAX_CERTS, "public");
	p12_of_copies("over.p12", "a.crt", KEYSTORE_MAX_CERTS + 1, "public");
	sk = trust_ok("max.p12", "public", KEYSTORE_MAX_CERTS);
	sk_X509_pop_free(sk, X509_free);
	trust_fails("over.p12", "public", -EINVAL, "too many certificates");
	no_leaks();
}

Test(keystore, read_trust_errors_are_prefixed)
{
	char	err[PATH_MAX + 256], want[PATH_MAX + 256];
	int	r;

	read_trust_err("no-such-file", "public", &r, err, sizeof(err));
	cr_assert_eq(r, -ENOENT);
	cr_assert_str_eq(err, prefixed(want, sizeof(want), "trustStore",
	    "no-such-file", "No such file or directory"));

	cr_assert_eq(mkdir(P("dir"), 0700), 0);
	read_trust_err("dir", "public", &r, err, sizeof(err));
	cr_assert_eq(r, -EISDIR);
	cr_assert_str_eq(err, prefixed(want, sizeof(want), "trustStore", "dir",
	    "not a regular file"));

	write_file("empty", "", 0, 0644);
	read_trust_err("empty", "public", &r, err, sizeof(err));
	cr_assert_eq(r, -EINVAL);
	cr_assert_str_eq(err, prefixed(want, sizeof(want), "trustStore",
	    "empty", "not a PEM, PKCS#12 or DER certificate file"));

	gen("a", "a");
	sh("openssl pkcs12 -export -nokeys -in a.crt -passout pass:public "
	    "-out a.public");
	read_trust_err("a.public", "wrong", &r, err, sizeof(err));
	cr_assert_eq(r, -EACCES);
	cr_assert_str_eq(err, prefixed(want, sizeof(want), "trustStore",
	    "a.public", "bad password"));

	write_file("jks", jks, sizeof(jks), 0644);
	read_trust_err("jks", "public", &r, err, sizeof(err));
	cr_assert_eq(r, -EINVAL);
	snprintf(want, sizeof(want), "cannot read trustStore %s: ", P("jks"));
	cr_assert_eq(strncmp(err, want, strlen(want)), 0, "%s", err);
	expect_jks_refusal(err);
	no_leaks();
}

/* --- Java keytool, as the manual runs it ------------------------------ */

static void
need_keytool(void)
{
	if (!have("keytool")) {
		kf_teardown();		/* a skip does not run .fini */
		skip_test("keytool not installed");
	}
}

/* The key algorithm the manual's commands get: modern keytool requires
 * one, and README "Keys" names RSA. */
#define KEYTOOL_RSA	"-keyalg RSA"
#define KEYTOOL_EC	"-keyalg EC -groupname secp256r1"

/*
 * The manual's three client-side commands, with what modern keytool needs
 * to run without prompts; JOPT goes to the JVM, STORETYPE to -storetype,
 * KEYALG is KEYTOOL_RSA or KEYTOOL_EC.
 */
static void
keytool_client(const char *jopt, const char *storetype, const char *keyalg)
{
	sh("keytool %s -genkey -alias clientprivate -keystore client.private "
	    "-storepass clientpw -keypass clientpw -validity 400 "
	    "%s -dname CN=x -storetype %s", jopt, keyalg, storetype);
	sh("chmod 600 client.private");
	sh("keytool %s -export -alias clientprivate -keystore client.private "
	    "-file temp.key -storepass clientpw", jopt);
	sh("keytool %s -import -noprompt -alias clientpublic "
	    "-keystore client.public -file temp.key -storepass public "
	    "-storetype %s", jopt, storetype);
}

/* client.private, client.public and temp.key read as cmappmgr reads them;
 * the key is of KEYTYPE (EVP_PKEY_RSA, EVP_PKEY_EC). */
static void
check_keytool_client(int keytype)
{
	struct identity	 id;
	STACK_OF(X509)	*sk;
	X509		*der;
	unsigned char	*buf;
	const unsigned char *p;
	char		 err[PATH_MAX + 256], want[PATH_MAX + 256];
	size_t		 len;
	int		 r;

	r = keystore_read_identity(P("client.private"), "clientpw", &id, err,
	    sizeof(err));
	cr_assert_eq(r, 0, "%s", err);
	cr_assert_eq(X509_check_private_key(id.cert, id.key), 1);
	cr_assert(has_cn(id.cert, "x"));
	cr_assert_eq(EVP_PKEY_get_base_id(id.key), keytype);

	/* temp.key is the DER of that certificate. */
	buf = slurp("temp.key", &len);
	p = buf;
	der = d2i_X509(NULL, &p, (long)len);
	free(buf);
	cr_assert_not_null(der);
	cr_assert_eq(X509_cmp(der, id.cert), 0);

	r = keystore_read_trust(P("client.public"), "public", &sk, err,
	    sizeof(err));
	cr_assert_eq(r, 0, "%s", err);
	cr_assert_eq(sk_X509_num(sk), 1);
	cr_assert_eq(X509_cmp(sk_X509_value(sk, 0), id.cert), 0);
	sk_X509_pop_free(sk, X509_free);

	r = keystore_read_trust(P("temp.key"), "public", &sk, err,
	    sizeof(err));
	cr_assert_eq(r, 0, "%s", err);
	cr_assert_eq(sk_X509_num(sk), 1);
	cr_assert_eq(X509_cmp(sk_X509_value(sk, 0), id.cert), 0);
	sk_X509_pop_free(sk, X509_free);
	X509_free(der);
	identity_free(&id);

	read_id_err("client.private", "serverpw", &r, err, sizeof(err));
	cr_assert_eq(r, -EACCES);
	cr_assert_str_eq(err, prefixed(want, sizeof(want), "keyStore",
	    "client.private", "bad password"));
	read_trust_err("client.public", "clientpw", &r, err, sizeof(err));
	cr_assert_eq(r, -EACCES);
	cr_assert_str_eq(err, prefixed(want, sizeof(want), "trustStore",
	    "client.public", "bad password"));
	read_id_err("client.public", "public", &r, err, sizeof(err));
	cr_assert_eq(r, -EINVAL);
	cr_assert_str_eq(err, prefixed(want, sizeof(want), "keyStore",
	    "client.public", "no private key"));
}

Test(keystore, keytool_manual_commands_pkcs12)
{
	need_keytool();
	keytool_client("", "PKCS12", KEYTOOL_RSA);
	check_keytool_client(EVP_PKEY_RSA);
	no_leaks();
}

/* An admin who prefers EC keys gets working stores too. */
Test(keystore, keytool_manual_commands_pkcs12_ec)
{
	need_keytool();
	keytool_client("", "PKCS12", KEYTOOL_EC);
	check_keytool_client(EVP_PKEY_EC);
	no_leaks();
}

/* What keytool before Java 8u301/11.0.12 wrote: RC2 and 3DES. */
Test(keystore, keytool_legacy_pkcs12)
{
	need_keytool();
	keytool_client("-J-Dkeystore.pkcs12.legacy", "PKCS12", KEYTOOL_RSA);
	check_keytool_client(EVP_PKEY_RSA);
	no_leaks();
}

Test(keystore, keytool_jks_is_read)
{
	/* What keytool wrote by default up to Java 8: the manual's stores. */
	need_keytool();
	keytool_client("", "JKS", KEYTOOL_RSA);
	check_keytool_client(EVP_PKEY_RSA);
	no_leaks();
}
