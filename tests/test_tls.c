/* SPDX-License-Identifier: ISC */
/* test_tls.c: tests for common/tls.c's table of refusal reasons, which
 * words a refused peer's TLS error in a process without OpenSSL's own
 * error strings (cmappserver), and for the key types it takes. */
#include <criterion/criterion.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "conf.h"
#include "keyfix.h"
#include "tls.h"

#define SSL_ERR(r)	ERR_PACK(ERR_LIB_SSL, 0, (r))

/* A scanner's or an old client's refusals get words, not a code. */
Test(tls, common_refusals_have_words)
{
	static const int	 common[] = {
		SSL_R_VERSION_TOO_LOW, SSL_R_UNSUPPORTED_PROTOCOL,
		SSL_R_NO_SHARED_CIPHER, SSL_R_WRONG_VERSION_NUMBER,
		SSL_R_HTTP_REQUEST, SSL_R_HTTPS_PROXY_REQUEST,
		SSL_R_NO_PROTOCOLS_AVAILABLE, SSL_R_NO_SHARED_GROUPS,
		SSL_R_TLSV1_ALERT_PROTOCOL_VERSION,
		SSL_R_TLSV1_ALERT_INAPPROPRIATE_FALLBACK,
		SSL_R_UNEXPECTED_EOF_WHILE_READING,
		SSL_R_CERTIFICATE_VERIFY_FAILED,
	};
	size_t			 i;

	cr_assert_str_eq(tls_reason_words(0x0A00018CUL), "version too low");
	for (i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		cr_assert_not_null(tls_reason_words(SSL_ERR(common[i])),
		    "reason %d has no words", common[i]);
	/* Not an SSL library error: not ours to name. */
	cr_assert_null(tls_reason_words(ERR_PACK(ERR_LIB_X509, 0,
	    SSL_R_VERSION_TOO_LOW)));
}

/* The table says what OpenSSL itself says, word for word. */
Test(tls, words_are_openssls)
{
	const char	*ours, *theirs;
	int		 r, named = 0;

	OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS |
	    OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL);
	for (r = 1; r < 4096; r++) {
		if ((ours = tls_reason_words(SSL_ERR(r))) == NULL)
			continue;
		named++;
		theirs = ERR_reason_error_string(SSL_ERR(r));
		cr_assert_not_null(theirs, "reason %d", r);
		cr_assert_str_eq(ours, theirs, "reason %d: ours \"%s\", OpenSSL's \"%s\"", r, ours, theirs);
	}
	cr_assert_geq(named, 40);
}

static void
setup(void)
{
	kf_setup("test_tls");
}

TestSuite(tls_keys, .init = setup, .fini = kf_teardown);

/* A 1024-bit RSA keyStore (keytool's default before Java 8) is refused by
 * the security level of Debian 12's OpenSSL conf (2): the message says so
 * and how to make one that serves, not an OpenSSL error number. */
Test(tls_keys, small_rsa_keystore_is_refused_with_the_remedy)
{
	struct conf_store	 key = { 0 }, trust = { 0 };
	char			 err[1024];
	SSL_CTX			*ctx, *probe;
	int			 level;

	tls_init(0);
	cr_assert_not_null(probe = SSL_CTX_new(TLS_method()));
	level = SSL_CTX_get_security_level(probe);
	SSL_CTX_free(probe);
	sh("openssl req -x509 -newkey rsa:1024 -nodes -keyout k1.pem "
	    "-subj /CN=x -days 2 -out c1.pem 2>/dev/null && "
	    "cat k1.pem c1.pem >rsa1024.private && chmod 600 rsa1024.private");
	gen("ec", "y");
	snprintf(key.path, sizeof(key.path), "%s", P("rsa1024.private"));
	snprintf(trust.path, sizeof(trust.path), "%s", P("ec.crt"));
	ctx = tls_ctx_new(TLS_SERVER, &key, &trust, err, sizeof(err));
	if (level < 2) {
		/* Level 1 (80 bits) takes it: nothing to refuse. */
		cr_assert_not_null(ctx, "level %d: %s", level, err);
		SSL_CTX_free(ctx);
		return;
	}
	cr_assert_null(ctx);
	cr_assert(strstr(err, "its 1024-bit key is too small for OpenSSL's "
	    "security level") != NULL, "%s", err);
	cr_assert(strstr(err, "keytool -genkeypair -keyalg RSA -keysize 2048")
	    != NULL, "%s", err);
	cr_assert(strstr(err, key.path) != NULL, "%s", err);
	no_leaks();
}

/* A DSA keyStore (keytool's default before Java 9) reads, but no TLS 1.2
 * suite can use it: refused at once, naming the file and the remedy,
 * rather than loaded and failing every handshake with "no shared cipher". */
Test(tls_keys, dsa_keystore_is_refused_with_the_remedy)
{
	struct conf_store	 key = { 0 }, trust = { 0 };
	char			 err[1024];
	SSL_CTX			*ctx;

	tls_init(0);
	sh("openssl genpkey -genparam -algorithm DSA -pkeyopt "
	    "dsa_paramgen_bits:2048 -out p.pem && openssl genpkey -paramfile "
	    "p.pem -out k.pem && openssl req -new -x509 -key k.pem -subj /CN=x "
	    "-days 2 -out c.pem && cat k.pem c.pem >dsa.private");
	gen("ec", "y");
	sh("cat ec.key ec.crt >ec.private && chmod 600 dsa.private ec.private");
	snprintf(key.path, sizeof(key.path), "%s", P("dsa.private"));
	snprintf(trust.path, sizeof(trust.path), "%s", P("ec.crt"));
	ctx = tls_ctx_new(TLS_SERVER, &key, &trust, err, sizeof(err));
	cr_assert_null(ctx);
	cr_assert(strstr(err, "its key is DSA") != NULL, "%s", err);
	cr_assert(strstr(err, "keytool -genkey -keyalg RSA") != NULL, "%s",
	    err);
	cr_assert(strstr(err, key.path) != NULL, "%s", err);
	/* The same set-up with an EC key loads. */
	snprintf(key.path, sizeof(key.path), "%s", P("ec.private"));
	ctx = tls_ctx_new(TLS_SERVER, &key, &trust, err, sizeof(err));
	cr_assert_not_null(ctx, "%s", err);
	SSL_CTX_free(ctx);
	no_leaks();
}
