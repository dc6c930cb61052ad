#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/unit.sh BUILD [ARG...]: BUILD/tests/unit ARG..., the Criterion
# unit runner, as make unit, make check and make test run it.
#
# Debian's libcriterion links libgit2 (for the diffs of failed
# assertions), whose init in every test's process parses the system's CA
# bundle, for HTTPS that no test uses: 10 ms of the 37 ms of CPU a test
# costs, 19 ms of 121 ms sanitized (2026-12-06), some 14 s of make test's
# CPU.  Where it can (root, mount namespaces), the runner sees an empty
# bundle: /dev/null bound over it in a mount namespace of its own.
# Elsewhere it runs as it is, only slower.
set -u
b=$1
shift
ca=/etc/ssl/certs/ca-certificates.crt
if [ "$(id -u)" = 0 ] && [ -f "$ca" ] && unshare -m --propagation private true 2>/dev/null; then
	exec unshare -m --propagation private sh -c \
		'ca=$1; shift; mount --bind /dev/null "$ca" 2>/dev/null; exec "$@"' \
		sh "$ca" "$b/tests/unit" "$@"
fi
exec "$b/tests/unit" "$@"
