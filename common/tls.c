/* SPDX-License-Identifier: ISC */
/*
 * tls.c: builds the one SSL_CTX of a process from the conf's key files and
 * classifies TLS failures, so that a refused certificate (a configuration
 * error) can be told from a network error (worth retrying).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "certcheck.h"
#include "keystore.h"
#include "tls.h"

/* TLS 1.2 suites: ECDHE (forward secrecy) with AEAD only. */
#define TLS12_SUITES \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:" \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256"

void
tls_init(int with_strings)
{
	OPENSSL_init_ssl(with_strings ? 0 : OPENSSL_INIT_NO_LOAD_SSL_STRINGS |
	    OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS, NULL);
}

/* What a refused or broken peer's TLS errors say (OpenSSL's own words),
 * for a process that did not load OpenSSL's tables. */
static const struct tls_reason {
	int		 reason;
	const char	*text;
	int		 auth;	/* a certificate refused, by us or the peer */
} reasons[] = {
	{ SSL_R_CERTIFICATE_VERIFY_FAILED, "certificate verify failed", 1 },
	{ SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE,
	    "peer did not return a certificate", 1 },
	{ SSL_R_SSLV3_ALERT_BAD_CERTIFICATE, "sslv3 alert bad certificate", 1 },
	{ SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE,
	    "sslv3 alert unsupported certificate", 1 },
	{ SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED,
	    "sslv3 alert certificate revoked", 1 },
	{ SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED,
	    "sslv3 alert certificate expired", 1 },
	{ SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN,
	    "sslv3 alert certificate unknown", 1 },
	{ SSL_R_TLSV1_ALERT_UNKNOWN_CA, "tlsv1 alert unknown ca", 1 },
	{ SSL_R_TLSV1_ALERT_ACCESS_DENIED, "tlsv1 alert access denied", 1 },
	{ SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED,
	    "tlsv13 alert certificate required", 1 },
	{ SSL_R_WRONG_VERSION_NUMBER, "wrong version number", 0 },
	{ SSL_R_HTTP_REQUEST, "http request", 0 },
	{ SSL_R_HTTPS_PROXY_REQUEST, "https proxy request", 0 },
	{ SSL_R_UNSUPPORTED_PROTOCOL, "unsupported protocol", 0 },
	{ SSL_R_TLSV1_ALERT_PROTOCOL_VERSION, "tlsv1 alert protocol version",
	    0 },
	{ SSL_R_NO_SHARED_CIPHER, "no shared cipher", 0 },
	{ SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM,
	    "no suitable signature algorithm", 0 },
	{ SSL_R_UNEXPECTED_EOF_WHILE_READING, "unexpected eof while reading",
	    0 },
	{ SSL_R_PACKET_LENGTH_TOO_LONG, "packet length too long", 0 },
	{ SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC,
	    "decryption failed or bad record mac", 0 },
	{ SSL_R_UNEXPECTED_MESSAGE, "unexpected message", 0 },
	{ SSL_R_UNEXPECTED_RECORD, "unexpected record", 0 },
	{ SSL_R_BAD_PACKET_LENGTH, "bad packet length", 0 },
	{ SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE, "sslv3 alert handshake failure",
	    0 },
	{ SSL_R_TLSV1_ALERT_DECODE_ERROR, "tlsv1 alert decode error", 0 },
	{ SSL_R_TLSV1_ALERT_INTERNAL_ERROR, "tlsv1 alert internal error", 0 },
	/* What scanners and old or misconfigured clients get refused for
	 * (tests/e2e/52_testssl.sh): a version or suite we do not speak. */
	{ SSL_R_VERSION_TOO_LOW, "version too low", 0 },
	{ SSL_R_VERSION_TOO_HIGH, "version too high", 0 },
	{ SSL_R_UNSUPPORTED_SSL_VERSION, "unsupported ssl version", 0 },
	{ SSL_R_NO_PROTOCOLS_AVAILABLE, "no protocols available", 0 },
	{ SSL_R_NO_CIPHERS_AVAILABLE, "no ciphers available", 0 },
	{ SSL_R_NO_SHARED_GROUPS, "no shared groups", 0 },
	{ SSL_R_NO_SHARED_SIGNATURE_ALGORITHMS,
	    "no shared signature algorithms", 0 },
	{ SSL_R_MISSING_SIGALGS_EXTENSION, "missing sigalgs extension", 0 },
	{ SSL_R_INAPPROPRIATE_FALLBACK, "inappropriate fallback", 0 },
	{ SSL_R_TLSV1_ALERT_INAPPROPRIATE_FALLBACK,
	    "tlsv1 alert inappropriate fallback", 0 },
	{ SSL_R_TLSV1_ALERT_INSUFFICIENT_SECURITY,
	    "tlsv1 alert insufficient security", 0 },
	{ SSL_R_SSLV3_ALERT_ILLEGAL_PARAMETER, "sslv3 alert illegal parameter",
	    0 },
	{ SSL_R_SSLV3_ALERT_UNEXPECTED_MESSAGE,
	    "sslv3 alert unexpected message", 0 },
	{ SSL_R_SSLV3_ALERT_BAD_RECORD_MAC, "sslv3 alert bad record mac", 0 },
	{ SSL_R_TLSV1_ALERT_DECRYPT_ERROR, "tlsv1 alert decrypt error", 0 },
	{ SSL_R_TLSV1_ALERT_RECORD_OVERFLOW, "tlsv1 alert record overflow", 0 },
	{ SSL_R_TLSV1_ALERT_USER_CANCELLED, "tlsv1 alert user cancelled", 0 },
	{ SSL_R_BAD_KEY_SHARE, "bad key share", 0 },
	{ SSL_R_BAD_SIGNATURE, "bad signature", 0 },
	{ SSL_R_WRONG_SIGNATURE_TYPE, "wrong signature type", 0 },
	{ SSL_R_BAD_EXTENSION, "bad extension", 0 },
	{ SSL_R_BAD_RECORD_TYPE, "bad record type", 0 },
	{ SSL_R_RECORD_LENGTH_MISMATCH, "record length mismatch", 0 },
	{ SSL_R_LENGTH_MISMATCH, "length mismatch", 0 },
	{ SSL_R_RECORD_TOO_SMALL, "record too small", 0 },
};

/* Our entry for error e, or NULL. */
static const struct tls_reason *
known_reason(unsigned long e)
{
	size_t	i;

	if (ERR_GET_LIB(e) == ERR_LIB_SSL)
		for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
			if (reasons[i].reason == ERR_GET_REASON(e))
				return &reasons[i];
	return NULL;
}

const char *
tls_reason_words(unsigned long e)
{
	const struct tls_reason	*k = known_reason(e);

	return k != NULL ? k->text : NULL;
}

/* The words for error e: OpenSSL's if loaded, else ours, else its code
 * in the form `openssl errstr` takes. */
static void
reason_text(unsigned long e, char *buf, size_t cap)
{
	const struct tls_reason	*k;
	const char		*r = ERR_reason_error_string(e);

	if (r == NULL && (k = known_reason(e)) != NULL)
		r = k->text;
	if (r != NULL)
		snprintf(buf, cap, "%s", r);
	else
		snprintf(buf, cap, "OpenSSL error %08lX (openssl errstr "
		    "%08lX says what it is)", e, e);
}

static int
use_identity(SSL_CTX *ctx, const struct conf_store *key, char *err,
    size_t errlen)
{
	struct identity	id = { 0 };
	unsigned long	e;
	char		why[256];
	int		i, r;

	if ((r = keystore_read_identity(key->path, key->password, &id, err,
	    errlen)) != 0)
		return r;
	r = -EINVAL;
	/* keytool's default before Java 9 (the manual's -genkey without
	 * -keyalg) reads fine, but no TLS 1.2 suite signs with DSA: every
	 * handshake would fail later with "no shared cipher". */
	if (EVP_PKEY_get_base_id(id.key) == EVP_PKEY_DSA) {
		snprintf(err, errlen, "cannot use keyStore %s: its key is "
		    "DSA (keytool's default before Java 9), which TLS 1.2 "
		    "cannot use: make it again with keytool -genkey -keyalg "
		    "RSA -keysize 2048", key->path);
		goto out;
	}
	if (SSL_CTX_use_certificate(ctx, id.cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, id.key) != 1) {
		e = ERR_peek_last_error();
		/* keytool's 1024-bit RSA before Java 8, or SHA-1: refused
		 * by the security level that the system's OpenSSL conf
		 * sets (2 on Debian 12). */
		if (ERR_GET_REASON(e) == SSL_R_EE_KEY_TOO_SMALL)
			snprintf(why, sizeof(why), "its %d-bit key is too "
			    "small for OpenSSL's security level %d: make it "
			    "again with keytool -genkeypair -keyalg RSA "
			    "-keysize 2048", EVP_PKEY_get_bits(id.key),
			    SSL_CTX_get_security_level(ctx));
		else if (ERR_GET_REASON(e) == SSL_R_CA_MD_TOO_WEAK)
			snprintf(why, sizeof(why), "its certificate's "
			    "signature digest is too weak for OpenSSL's "
			    "security level %d: make it again with keytool "
			    "-genkeypair -keyalg RSA -keysize 2048 -sigalg "
			    "SHA256withRSA", SSL_CTX_get_security_level(ctx));
		else
			reason_text(e, why, sizeof(why));
		snprintf(err, errlen, "cannot use keyStore %s: %s", key->path,
		    why);
		goto out;
	}
	for (i = 0; id.chain != NULL && i < sk_X509_num(id.chain); i++)
		if (SSL_CTX_add1_chain_cert(ctx, sk_X509_value(id.chain, i))
		    != 1) {
			snprintf(err, errlen, "cannot use the chain of "
			    "keyStore %s", key->path);
			goto out;
		}
	r = 0;
out:
	ERR_clear_error();
	identity_free(&id);
	return r;
}

static int
use_trust(SSL_CTX *ctx, const struct conf_store *trust, char *err,
    size_t errlen)
{
	STACK_OF(X509)	*certs = NULL;
	X509_STORE	*st;
	int		 i, r;

	if ((r = keystore_read_trust(trust->path, trust->password, &certs,
	    err, errlen)) != 0)
		return r;
	if ((st = X509_STORE_new()) == NULL) {
		sk_X509_pop_free(certs, X509_free);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < sk_X509_num(certs); i++)
		X509_STORE_add_cert(st, sk_X509_value(certs, i));
	/* The manual pins self-made certificates: trust them as given. */
	X509_STORE_set_flags(st, X509_V_FLAG_PARTIAL_CHAIN);
	SSL_CTX_set_cert_store(ctx, st);
	sk_X509_pop_free(certs, X509_free);
	ERR_clear_error();
	return 0;
}

/*
 * The subject of a peer certificate our trustStore refused, kept on the
 * SSL (ex_data) for tls_error: on the server side OpenSSL drops the
 * client's certificate when its verification fails, and "self-signed
 * certificate" alone does not say whose.  The index is registered once,
 * as OpenSSL's own are.
 */
static int	refused_idx = -1;

/* The peer's certificate, or its issuer, is none of the trustStore's: not
 * a certificate that is there but expired, say. */
static int
tls_not_trusted(long vr)
{
	return vr == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
	    vr == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
	    vr == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
	    vr == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
	    vr == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE;
}

static void
free_refused(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
    long argl, void *argp)
{
	(void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
	free(ptr);
}

static int
verify_cb(int ok, X509_STORE_CTX *x)
{
	SSL	*ssl;
	X509	*leaf;
	char	 subject[CERTCHECK_MAX_SUBJECT];

	if (ok || refused_idx < 0)
		return ok;
	ssl = X509_STORE_CTX_get_ex_data(x,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	if (ssl == NULL || (leaf = X509_STORE_CTX_get0_cert(x)) == NULL ||
	    SSL_get_ex_data(ssl, refused_idx) != NULL)
		return ok;
	certcheck_subject(leaf, subject, sizeof(subject));
	/* Out of memory, the reason is said without the subject. */
	SSL_set_ex_data(ssl, refused_idx, strdup(subject));
	return ok;
}

SSL_CTX *
tls_ctx_new(enum tls_role role, const struct conf_store *key,
    const struct conf_store *trust, char *err, size_t errlen)
{
	SSL_CTX	*ctx;
	int	 verify = SSL_VERIFY_PEER;

	ERR_clear_error();
	ctx = SSL_CTX_new(role == TLS_SERVER ? TLS_server_method() :
	    TLS_client_method());
	if (ctx == NULL) {
		snprintf(err, errlen, "cannot create a TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_cipher_list(ctx, TLS12_SUITES);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
	    SSL_OP_NO_TICKET | SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* No tickets: nothing is resumed, and nothing is written late. */
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	/* Idle connections, nearly all of them, give back their 34 KiB of
	 * TLS record buffers. */
	SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
	    SSL_MODE_RELEASE_BUFFERS);
	if (role == TLS_SERVER)
		verify |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
	if (refused_idx < 0)
		refused_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL,
		    free_refused);
	SSL_CTX_set_verify(ctx, verify, verify_cb);
	if (use_identity(ctx, key, err, errlen) != 0 ||
	    use_trust(ctx, trust, err, errlen) != 0) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

int
tls_error(SSL *ssl, int ret, char *buf, size_t cap)
{
	const struct tls_reason	*k;
	unsigned long		 e = ERR_peek_last_error();
	const char		*subject;
	char			 reason[160];
	long			 vr;
	int			 auth = 0, code;

	code = SSL_get_error(ssl, ret);
	if (e == 0) {
		snprintf(buf, cap, "%s", code == SSL_ERROR_SYSCALL ?
		    "connection closed during the TLS exchange" :
		    "TLS error");
		ERR_clear_error();
		return 0;
	}
	reason_text(e, reason, sizeof(reason));
	auth = (k = known_reason(e)) != NULL && k->auth;
	vr = SSL_get_verify_result(ssl);
	subject = refused_idx < 0 ? NULL : SSL_get_ex_data(ssl, refused_idx);
	if (ERR_GET_REASON(e) == SSL_R_CERTIFICATE_VERIFY_FAILED &&
	    vr != X509_V_OK)
		snprintf(buf, cap, "%s (%s)%s%s%s%s", reason,
		    X509_verify_cert_error_string(vr), subject != NULL ?
		    ": the certificate \"" : "", subject != NULL ? subject : "",
		    subject != NULL ? "\"" : "", subject == NULL ? "" :
		    tls_not_trusted(vr) ? " " TLS_NOT_IN_TRUST : "");
	else
		snprintf(buf, cap, "%s", reason);
	ERR_clear_error();
	return auth;
}
