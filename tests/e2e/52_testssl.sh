# SPDX-License-Identifier: ISC
# 52_testssl.sh (TLS scan): Debian's testssl.sh scans a cmappserver on
# loopback.  Only TLS 1.2 and 1.3 may be offered, and only forward-secret
# (ECDHE/DHE, or TLS 1.3) AEAD suites (GCM, CCM, ChaCha20-Poly1305), as
# README "Keys" promises.  The server asks for a client certificate that
# testssl does not have, but its ServerHello already tells the protocol and
# suite it accepts.  The scan takes one to four minutes (testssl is a shell
# script); docs/tls-scan.md records a run.  Outputs: $T/testssl.txt, the
# flat JSON $T/testssl.json, and the summary in $T/figures.  e2e.sh allows
# it 600 s, the scan itself 540 s (TESTSSL_TIMEOUT), so that a slow scan
# fails with its own message.
# cost: 32 heavy untimed
# limit: 600
[ -n "${SERVER_WRAP:-}${CMAPP_SLOW:-}" ] && { echo "timing test skipped with sanitizers or valgrind (it runs in the plain suite)"; exit 77; }
command -v testssl >/dev/null 2>&1 || {
	echo "testssl is not installed: add the Debian package testssl.sh to .ci/deps.sh's test list"
	exit 77
}
expect "cmappserver starts" start_server

# -p protocols, -E every suite per protocol.  Not -f (forward secrecy):
# every suite -E finds is checked for a forward-secret key exchange below,
# which says more than -f's "offered", and -f's curves and groups, which
# nothing here asserts, were a third of the scan's CPU (13 s of 43 s).
# --warnings off: never stop to ask.
timeout "${TESTSSL_TIMEOUT:-540}" testssl --quiet --color 0 --warnings off \
	-p -E --jsonfile "$T/testssl.json" "127.0.0.1:$PORT" >"$T/testssl.txt" 2>&1
rc=$?
[ $rc -ne 124 ] || fail "testssl took more than ${TESTSSL_TIMEOUT:-540} s"
[ -s "$T/testssl.json" ] || fail "testssl wrote no findings (exit $rc)" "$T/testssl.txt"

# The flat JSON as "id|finding" lines.
awk -F'"' '$2 == "id" { id = $4 } $2 == "finding" { print id "|" $4 }' \
	"$T/testssl.json" >"$T/findings"
finding() { sed -n "s/^$1|//p" "$T/findings" | head -1; }

for p in SSLv2 SSLv3 TLS1 TLS1_1; do
	case $(finding $p) in
	"not offered"*) ;;
	*) fail "$p: testssl says '$(finding $p)', expected 'not offered'" ;;
	esac
done
for p in TLS1_2 TLS1_3; do
	case $(finding $p) in
	offered*) ;;
	*) fail "$p: testssl says '$(finding $p)', expected 'offered'" ;;
	esac
done

# Every suite testssl got accepted: "TLS 1.2 xc02c NAME ECDH 253 AESGCM 256 IANA".
n12=0 n13=0 bad=
while IFS='|' read -r id line; do
	case $id in cipher-*) ;; *) continue ;; esac
	read -r _ proto hex name kx _ enc bits _ <<<"$line"
	case $id:$proto in
	cipher-tls1_2_*:1.2) n12=$((n12 + 1)) ;;
	cipher-tls1_3_*:1.3) n13=$((n13 + 1)) ;;
	*) bad="$bad; $line (protocol)"; continue ;;
	esac
	case $kx in ECDH|DH) ;; *) bad="$bad; $line (key exchange not forward-secret)" ;; esac
	case $enc in AESGCM|AESCCM|ChaCha20|ARIAGCM) ;; *) bad="$bad; $line (not AEAD)" ;; esac
	case $name in *PSK*|*NULL*|*anon*|*ADH*|*AECDH*) bad="$bad; $line (no authentication)" ;; esac
	echo "offered: TLS $proto $hex $name $kx $enc $bits"
done <"$T/findings"
[ -z "$bad" ] || fail "testssl found suites outside the policy${bad}"
[ $n12 -gt 0 ] && [ $n13 -gt 0 ] ||
	fail "testssl found $n12 TLS 1.2 and $n13 TLS 1.3 suites; it did not get through"

kill -0 "$SERVER_PID" || fail "cmappserver died during the scan"
mgr /bin/sh -c 'exit 4'; expect_eq $? 4 "a manager after the scan"
echo "testssl $(testssl --version 2>/dev/null | sed -n 's/.*testssl *\([0-9][^ ]*\).*/\1/p' | head -1):" \
	"only TLS 1.2 ($n12 suites) and TLS 1.3 ($n13 suites), all forward-secret AEAD" | tee "$T/figures"
# Show the figures in the suite output (e2e.sh prints "figures:" lines).
sed "s/^/figures: /" "$T/figures" 2>/dev/null
true
