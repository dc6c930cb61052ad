/* SPDX-License-Identifier: ISC */
/*
 * certcheck.h: which certificates of a process's key files expire soon or
 * have expired.  A shared client certificate that expires fails every
 * cmappmgr of a cluster at once; both daemons say so ahead, at start-up
 * and once a day.  The checks are pure functions of the certificates and
 * of "now"; certcheck_log says what they found.
 */
#ifndef CMAPP_CERTCHECK_H
#define CMAPP_CERTCHECK_H

#include <stddef.h>
#include <time.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#define CERTCHECK_WARN_DAYS	30	/* warn when fewer days are left */
#define CERTCHECK_PERIOD_MS	(24UL * 3600 * 1000)	/* checked again */
#define CERTCHECK_MAX_FINDINGS	16	/* said one by one, the rest counted */
#define CERTCHECK_MAX_SUBJECT	256	/* bytes of a rendered subject */
#define CERTCHECK_MAX_TEXT	(CERTCHECK_MAX_SUBJECT + 1400)

enum cert_state { CERT_VALID, CERT_EXPIRING, CERT_EXPIRED };

struct cert_finding {
	enum cert_state	 state;		/* CERT_EXPIRING or CERT_EXPIRED */
	long		 days;		/* whole days left, or since expiry */
	/* "the certificate CN=x in keyStore F expires on 2027-01-02 (in 29
	 * days)" or "... has EXPIRED on 2027-01-02 (3 days ago)" */
	char		 text[CERTCHECK_MAX_TEXT];
};

/*
 * The state of x at now, with warn_days of warning: its notAfter as
 * "YYYY-MM-DD" (UTC) in date (11 bytes) and the seconds left in *left
 * (negative once expired).  CERT_EXPIRED also for a certificate whose
 * date cannot be read: it cannot be trusted either.
 */
enum cert_state certcheck_one(const X509 *x, time_t now, int warn_days,
	    char date[11], long long *left);

/* x's subject, e.g. "O=cmapp, CN=node1", controls and non-ASCII bytes
 * escaped, cut to cap; returns buf. */
const char *certcheck_subject(const X509 *x, char *buf, size_t cap);

/*
 * Adds a finding to out (cap entries) for each of the n certificates that
 * expires within warn_days of now or has expired; where names their file,
 * e.g. "keyStore /etc/x".  Returns how many were found, also beyond cap
 * (only cap are written), so that the caller can say how many more.
 */
size_t	certcheck_certs(X509 *const *certs, size_t n, const char *where,
	    time_t now, int warn_days, struct cert_finding *out, size_t cap);

/*
 * The same for what ctx holds: its own certificate and chain (keyStore
 * key_path) and the certificates it trusts (trustStore trust_path).
 * Returns how many were found; 0 also if ctx holds nothing.
 */
size_t	certcheck_ctx(SSL_CTX *ctx, const char *key_path,
	    const char *trust_path, time_t now, int warn_days,
	    struct cert_finding *out, size_t cap);

/* Checks ctx now and logs each finding: log_warnx for one that expires
 * soon, log_errx for one that has expired.  Returns how many. */
size_t	certcheck_log(SSL_CTX *ctx, const char *key_path,
	    const char *trust_path);

#endif
