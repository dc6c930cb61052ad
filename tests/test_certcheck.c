/* SPDX-License-Identifier: ISC */
/* test_certcheck.c: tests for common/certcheck.c, on certificates made
 * here with the OpenSSL API whose dates are set against a fixed "now". */
#include <criterion/criterion.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "certcheck.h"

#define NOW	((time_t)1798848000)	/* 2027-01-02 00:00:00 UTC */
#define DAY	86400L

/* A self-signed certificate for CN, valid from a year before NOW to NOW
 * plus secs (negative: already expired). */
static X509 *
cert(const char *cn, long secs)
{
	static EVP_PKEY	*key;
	X509		*x;
	X509_NAME	*name;
	time_t		 now = NOW;

	if (key == NULL)
		cr_assert_not_null(key = EVP_EC_gen("P-256"));
	cr_assert_not_null(x = X509_new());
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"cmapp", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, name);
	cr_assert_not_null(X509_time_adj_ex(X509_getm_notBefore(x), -365, 0,
	    &now));
	cr_assert_not_null(X509_time_adj_ex(X509_getm_notAfter(x), 0, secs,
	    &now));
	X509_set_pubkey(x, key);
	cr_assert(X509_sign(x, key, EVP_sha256()) > 0);
	return x;
}

Test(certcheck, expiring_in_ten_days)
{
	X509			*x = cert("soon", 10 * DAY + 3600);
	struct cert_finding	 f[2];
	char			 date[11];
	long long		 left;

	cr_assert_eq(certcheck_one(x, NOW, 30, date, &left), CERT_EXPIRING);
	cr_assert_str_eq(date, "2027-01-12");
	cr_assert_eq(left, 10 * DAY + 3600);
	cr_assert_eq(certcheck_certs(&x, 1, "keyStore /etc/k", NOW, 30, f,
	    2), 1);
	cr_assert_eq(f[0].state, CERT_EXPIRING);
	cr_assert_eq(f[0].days, 10);
	cr_assert_str_eq(f[0].text, "the certificate O=cmapp, CN=soon in "
	    "keyStore /etc/k expires on 2027-01-12 (in 10 days)");
	X509_free(x);
}

Test(certcheck, already_expired)
{
	X509			*x = cert("old", -3 * DAY - 60);
	struct cert_finding	 f;
	char			 date[11];
	long long		 left;

	cr_assert_eq(certcheck_one(x, NOW, 30, date, &left), CERT_EXPIRED);
	cr_assert_lt(left, 0);
	cr_assert_eq(certcheck_certs(&x, 1, "trustStore /t", NOW, 30, &f, 1),
	    1);
	cr_assert_eq(f.state, CERT_EXPIRED);
	cr_assert_eq(f.days, 3);
	cr_assert_str_eq(f.text, "the certificate O=cmapp, CN=old in "
	    "trustStore /t has EXPIRED on 2026-12-29 (3 days ago)");
	X509_free(x);
}

/* The very second of notAfter is past: OpenSSL refuses it then too. */
Test(certcheck, boundaries)
{
	X509		*x;
	char		 date[11];
	long long	 left;

	x = cert("edge", 0);
	cr_assert_eq(certcheck_one(x, NOW, 30, date, &left), CERT_EXPIRED);
	X509_free(x);
	x = cert("one", 1);
	cr_assert_eq(certcheck_one(x, NOW, 30, date, &left), CERT_EXPIRING);
	X509_free(x);
	x = cert("thirty", 30 * DAY);
	cr_assert_eq(certcheck_one(x, NOW, 30, date, &left), CERT_EXPIRING);
	X509_free(x);
	x = cert("later", 30 * DAY + 1);
	cr_assert_eq(certcheck_one(x, NOW, 30, date, &left), CERT_VALID);
	cr_assert_eq(certcheck_certs(&x, 1, "keyStore /k", NOW, 30, NULL, 0),
	    0);
	X509_free(x);
}

/* More findings than room: all counted, only cap written. */
Test(certcheck, counts_beyond_cap)
{
	X509			*x[4];
	struct cert_finding	 f[2];
	size_t			 i;

	x[0] = cert("a", -DAY);
	x[1] = cert("b", 400 * DAY);
	x[2] = cert("c", 2 * DAY);
	x[3] = cert("d", 5 * DAY);
	memset(f, 0, sizeof(f));
	cr_assert_eq(certcheck_certs(x, 4, "trustStore /t", NOW, 30, f, 2), 3);
	cr_assert(strstr(f[0].text, "CN=a ") != NULL);
	cr_assert(strstr(f[1].text, "CN=c ") != NULL);
	for (i = 0; i < 4; i++)
		X509_free(x[i]);
}

/* What a TLS context holds: its own certificate and the trusted ones,
 * each named with its file. */
Test(certcheck, from_a_tls_context)
{
	SSL_CTX			*ctx;
	X509			*own = cert("own", 20 * DAY);
	X509			*t1 = cert("trusted-old", -40 * DAY);
	X509			*t2 = cert("trusted-fine", 300 * DAY);
	struct cert_finding	 f[4];
	int			 own_seen = 0, old_seen = 0;
	size_t			 n, i;

	cr_assert_not_null(ctx = SSL_CTX_new(TLS_server_method()));
	cr_assert_eq(certcheck_ctx(ctx, "/k", "/t", NOW, 30, f, 4), 0);
	cr_assert_eq(SSL_CTX_use_certificate(ctx, own), 1);
	X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), t1);
	X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), t2);
	n = certcheck_ctx(ctx, "/etc/server.private", "/etc/client.public",
	    NOW, 30, f, 4);
	cr_assert_eq(n, 2);
	for (i = 0; i < n; i++) {
		if (strcmp(f[i].text, "the certificate O=cmapp, CN=own in "
		    "keyStore /etc/server.private expires on 2027-01-22 (in 20 "
		    "days)") == 0)
			own_seen = 1;
		if (f[i].state == CERT_EXPIRED && strstr(f[i].text,
		    "CN=trusted-old in trustStore /etc/client.public has "
		    "EXPIRED on 2026-11-23 (40 days ago)") != NULL)
			old_seen = 1;
	}
	cr_assert(own_seen && old_seen, "%s / %s", f[0].text, f[1].text);
	SSL_CTX_free(ctx);
	X509_free(own);
	X509_free(t1);
	X509_free(t2);
}

/* A name's control characters do not reach a log line raw. */
Test(certcheck, subject_escaped)
{
	X509	*x = cert("evil\n\033]0;x\007", 5 * DAY);
	char	 s[CERTCHECK_MAX_SUBJECT];
	size_t	 i;

	certcheck_subject(x, s, sizeof(s));
	cr_assert_str_eq(s, "O=cmapp, CN=\"evil\\0A\\1B]0;x\\07\"");
	for (i = 0; s[i] != '\0'; i++)
		cr_assert((unsigned char)s[i] >= 0x20 &&
		    (unsigned char)s[i] < 0x7f, "byte %zu of %s", i, s);
	/* Cut to the room given, still terminated. */
	certcheck_subject(x, s, 8);
	cr_assert_eq(strlen(s), 7);
	X509_free(x);
}
