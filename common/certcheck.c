/* SPDX-License-Identifier: ISC */
/*
 * certcheck.c: tells which certificates of the key files in use expire
 * within a few weeks or have expired, in words an admin can act on: the
 * file, the certificate's subject, the date and the days left.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "certcheck.h"
#include "log.h"

#define DAY_S	86400LL

enum cert_state
certcheck_one(const X509 *x, time_t now, int warn_days, char date[11],
    long long *left)
{
	const ASN1_TIME	*na = X509_get0_notAfter(x);
	struct tm	 tm;
	time_t		 end;

	memset(&tm, 0, sizeof(tm));
	if (na == NULL || ASN1_TIME_to_tm(na, &tm) != 1 ||
	    (end = timegm(&tm)) == (time_t)-1) {
		snprintf(date, 11, "unknown");
		*left = -1;
		return CERT_EXPIRED;
	}
	strftime(date, 11, "%Y-%m-%d", &tm);
	*left = (long long)end - (long long)now;
	if (*left <= 0)
		return CERT_EXPIRED;
	return *left <= warn_days * DAY_S ? CERT_EXPIRING : CERT_VALID;
}

const char *
certcheck_subject(const X509 *x, char *buf, size_t cap)
{
	BIO	*b;
	int	 n;

	if (cap == 0)
		return buf;
	buf[0] = '\0';
	/* One line, "O=cmapp, CN=x", with anything odd in a name escaped
	 * by OpenSSL (controls, bytes over 0x7f) as RFC 2253 does. */
	if ((b = BIO_new(BIO_s_mem())) == NULL ||
	    X509_NAME_print_ex(b, X509_get_subject_name(x), 0,
	    XN_FLAG_ONELINE & ~XN_FLAG_SPC_EQ) < 0 ||
	    (n = BIO_read(b, buf, (int)(cap - 1 > 4096 ? 4096 : cap - 1)))
	    < 0)
		snprintf(buf, cap, "(unreadable subject)");
	else
		buf[n] = '\0';
	BIO_free(b);
	ERR_clear_error();
	return buf;
}

/* The finding for x, or 0 when x is valid for warn_days more. */
static int
finding(const X509 *x, const char *where, time_t now, int warn_days,
    struct cert_finding *f)
{
	char		 date[11], subject[CERTCHECK_MAX_SUBJECT];
	long long	 left;
	enum cert_state	 st;

	if ((st = certcheck_one(x, now, warn_days, date, &left)) == CERT_VALID)
		return 0;
	if (f == NULL)
		return 1;
	certcheck_subject(x, subject, sizeof(subject));
	f->state = st;
	if (st == CERT_EXPIRING) {
		f->days = (long)(left / DAY_S);
		snprintf(f->text, sizeof(f->text), "the certificate %s in %s "
		    "expires on %s (in %ld day%s)", subject, where, date,
		    f->days, f->days == 1 ? "" : "s");
	} else {
		f->days = (long)(-left / DAY_S);
		snprintf(f->text, sizeof(f->text), "the certificate %s in %s "
		    "has EXPIRED on %s (%ld day%s ago)", subject,
		    where, date, f->days, f->days == 1 ? "" : "s");
	}
	return 1;
}

size_t
certcheck_certs(X509 *const *certs, size_t n, const char *where, time_t now,
    int warn_days, struct cert_finding *out, size_t cap)
{
	size_t	i, found = 0;

	for (i = 0; i < n; i++)
		if (certs[i] != NULL && finding(certs[i], where, now,
		    warn_days, found < cap ? &out[found] : NULL))
			found++;
	return found;
}

size_t
certcheck_ctx(SSL_CTX *ctx, const char *key_path, const char *trust_path,
    time_t now, int warn_days, struct cert_finding *out, size_t cap)
{
	STACK_OF(X509)		*chain = NULL;
	STACK_OF(X509_OBJECT)	*objs;
	X509_STORE		*st;
	X509			*x;
	char			 where[32 + 1024];
	size_t			 found = 0;
	int			 i;

	snprintf(where, sizeof(where), "keyStore %s", key_path);
	if ((x = SSL_CTX_get0_certificate(ctx)) != NULL)
		found += certcheck_certs(&x, 1, where, now, warn_days, out,
		    cap);
	if (SSL_CTX_get0_chain_certs(ctx, &chain) == 1 && chain != NULL)
		for (i = 0; i < sk_X509_num(chain); i++) {
			x = sk_X509_value(chain, i);
			found += certcheck_certs(&x, 1, where, now, warn_days,
			    found < cap ? out + found : NULL,
			    found < cap ? cap - found : 0);
		}
	snprintf(where, sizeof(where), "trustStore %s", trust_path);
	if ((st = SSL_CTX_get_cert_store(ctx)) != NULL &&
	    (objs = X509_STORE_get0_objects(st)) != NULL)
		for (i = 0; i < sk_X509_OBJECT_num(objs); i++) {
			x = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs,
			    i));
			found += certcheck_certs(&x, 1, where, now, warn_days,
			    found < cap ? out + found : NULL,
			    found < cap ? cap - found : 0);
		}
	return found;
}

size_t
certcheck_log(SSL_CTX *ctx, const char *key_path, const char *trust_path)
{
	struct cert_finding	f[CERTCHECK_MAX_FINDINGS];
	size_t			n, i;

	n = certcheck_ctx(ctx, key_path, trust_path, time(NULL),
	    CERTCHECK_WARN_DAYS, f, CERTCHECK_MAX_FINDINGS);
	for (i = 0; i < n && i < CERTCHECK_MAX_FINDINGS; i++)
		if (f[i].state == CERT_EXPIRED)
			log_errx("%s", f[i].text);
		else
			log_warnx("%s", f[i].text);
	if (n > CERTCHECK_MAX_FINDINGS)
		log_warnx("%zu more certificates in keyStore %s and trustStore "
		    "%s expire within %d days or have expired", n -
		    CERTCHECK_MAX_FINDINGS, key_path, trust_path,
		    CERTCHECK_WARN_DAYS);
	return n;
}
