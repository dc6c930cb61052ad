/* SPDX-License-Identifier: ISC */
/*
 * fuzz_keystore.c: libFuzzer target for common/keystore.c, the readers of
 * the keyStore and trustStore files (PEM, PKCS#12, DER, JKS).  The
 * files are the local admin's, not a peer's, but a damaged or hostile file
 * must still be refused with a reason, never crash or leak.  Each input is
 * read as an identity and as a trustStore, with the passwords of
 * certs/mkkeys.sh (whose key sets are the seeds), and:
 *  - success: a key with its matching certificate; 1..64 trusted certs;
 *  - failure: nothing handed out, a reason in err, the code one of those
 *    documented;
 *  - either way: OpenSSL's error queue left empty (conn.c relies on it) and
 *    nothing leaked (LeakSanitizer).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "keystore.h"

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_keystore: %s:%d: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
		abort();						\
	}								\
} while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
identity(const unsigned char *buf, size_t len, const char *pw)
{
	struct identity	id;
	char		err[256];
	int		r;

	memset(err, 0, sizeof(err));
	r = keystore_parse_identity(buf, len, pw, &id, err, sizeof(err));
	CHECK(ERR_peek_error() == 0);
	if (r == 0) {
		CHECK(id.key != NULL && id.cert != NULL);
		CHECK(X509_check_private_key(id.cert, id.key) == 1);
		identity_free(&id);
		CHECK(id.key == NULL && id.cert == NULL && id.chain == NULL);
	} else {
		CHECK(r == -EINVAL || r == -EACCES || r == -ENOMEM ||
		    r == -EFBIG);
		CHECK(id.key == NULL && id.cert == NULL && id.chain == NULL);
		CHECK(err[0] != '\0');
	}
	ERR_clear_error();
}

static void
trust(const unsigned char *buf, size_t len, const char *pw)
{
	STACK_OF(X509)	*certs = (STACK_OF(X509) *)&certs;	/* not NULL */
	char		 err[256];
	int		 r, i;

	memset(err, 0, sizeof(err));
	r = keystore_parse_trust(buf, len, pw, &certs, err, sizeof(err));
	CHECK(ERR_peek_error() == 0);
	if (r == 0) {
		CHECK(certs != NULL);
		CHECK(sk_X509_num(certs) >= 1 &&
		    sk_X509_num(certs) <= KEYSTORE_MAX_CERTS);
		for (i = 0; i < sk_X509_num(certs); i++)
			CHECK(sk_X509_value(certs, i) != NULL);
		sk_X509_pop_free(certs, X509_free);
	} else {
		CHECK(r == -EINVAL || r == -EACCES || r == -ENOMEM ||
		    r == -EFBIG);
		CHECK(certs == NULL);
		CHECK(err[0] != '\0');
	}
	ERR_clear_error();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char	*buf;

	buf = malloc(size > 0 ? size : 1);	/* exact: ASan sees overruns */
	CHECK(buf != NULL);
	if (size > 0)
		memcpy(buf, data, size);
	identity(buf, size, "serverpw");
	identity(buf, size, "");
	trust(buf, size, "public");
	trust(buf, size, NULL);
	free(buf);
	return 0;
}
