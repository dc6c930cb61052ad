/* SPDX-License-Identifier: ISC */
/*
 * tls.h: the TLS policy shared by both sides: TLS 1.2 minimum (1.3
 * preferred), forward-secret AEAD suites only, mutual authentication against
 * the trustStore's certificates (pinned: a trusted leaf need not be a CA).
 */
#ifndef CMAPP_TLS_H
#define CMAPP_TLS_H

#include <stddef.h>
#include <openssl/ssl.h>

#include "conf.h"

enum tls_role { TLS_SERVER, TLS_CLIENT };

/*
 * Before any other OpenSSL call.  Without strings, OpenSSL's error text
 * tables (64 KiB of heap for the life of the process) are never loaded:
 * a guest daemon stays small, and tls_error names the reasons a peer is
 * refused for from its own table, any other by its code.
 */
void	tls_init(int with_strings);

/* NULL with a message naming the file and the reason in err. */
SSL_CTX	*tls_ctx_new(enum tls_role role, const struct conf_store *key,
	    const struct conf_store *trust, char *err, size_t errlen);

/*
 * Describes the error behind a failed SSL call (the error queue and the
 * verify result) and says whether it is an authentication failure: a
 * certificate refused by us or by the peer.  A peer certificate we
 * refused is named by its subject, and, when neither it nor an issuer is
 * in our trustStore, the text ends with TLS_NOT_IN_TRUST (the caller may
 * add which file).  Clears the error queue.
 */
#define TLS_NOT_IN_TRUST	"is not in the trustStore"
#define TLS_MAX_ERROR		640	/* bytes of its text, NUL included */
int	tls_error(SSL *ssl, int ret, char *buf, size_t cap);

/* Our own words for OpenSSL error e (OpenSSL's, from tls.c's table of
 * the reasons a peer is refused for), or NULL if the table lacks it. */
const char *tls_reason_words(unsigned long e);

#endif
