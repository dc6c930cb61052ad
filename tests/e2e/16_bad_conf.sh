# SPDX-License-Identifier: ISC
# A bad conf or key file fails at start, naming the file and the reason.
# cost: 1
printf 'keyStore=/x\nkeystorepassword=a\nbogus=1\n' >"$T/bad.conf"
"$BIN/cmappserver" -f -conf "$T/bad.conf" -port "$PORT" 2>"$T/e1"; expect_eq $? 1 "server exit code"
expect_grep "$T/bad.conf:3: unknown key 'bogus'" "$T/e1"
MGR_CONF=$T/bad.conf mgr /bin/true 2>"$T/e2"; expect_eq $? 1 "manager exit code"
expect_grep "$T/bad.conf:3: unknown key 'bogus'" "$T/e2"
cat >"$T/pw.conf" <<EOC
keyStore=$KEYS/host/client.private
keyStorePassword=wrong
trustStore=$KEYS/host/server_localhost.public
EOC
MGR_CONF=$T/pw.conf mgr /bin/true 2>"$T/e3"; expect_eq $? 1 "wrong password exit code"
expect_grep "cannot read keyStore $KEYS/host/client.private: bad password" "$T/e3"
MGR_CONF=$T/missing.conf mgr /bin/true 2>"$T/e4"; expect_eq $? 1 "missing conf"
expect_grep "$T/missing.conf" "$T/e4"
# A certificate given as keyStore is the keyStore's fault, though its
# message names a trustStore: not the node's, nor the fallback's.
openssl x509 -in "$KEYS/host/server_localhost.public" -outform DER -out "$T/cert.der" ||
	fail "cannot make a DER certificate"
chmod 600 "$T/cert.der"
cat >"$T/cert.conf" <<EOC
keyStore=$T/cert.der
trustStore=$KEYS/host/server_localhost.public
EOC
MGR_CONF=$T/cert.conf mgr /bin/true 2>"$T/e5"; expect_eq $? 1 "a certificate as keyStore"
expect_grep "cannot read keyStore $T/cert.der: no private key (a lone certificate belongs in a trustStore)" "$T/e5"
expect_no_grep "no trustStore is pinned" "$T/e5"

# cmappmgr -check: the same loading, offline, said plainly (what the OCF
# agent's validate-all runs): one line when usable, "cmappmgr: REASON" on
# stderr when not, exit 0 or 1, nothing connected.
mgr_cmd -check -service /bin/sh -c 'a b' >"$T/c1" 2>"$T/c1.e"; expect_eq $? 0 "-check of the test's keys" "$T/c1.e"
expect_grep "^cmappmgr: node localhost: keyStore $KEYS/host/client.private and trustStore $KEYS/host/server_localhost.public (pinned for the node in $KEYS/host/cmappmgr.conf) loaded\$" "$T/c1"
expect_grep "^cmappmgr: service /bin/sh -c 'a b': 3 words\$" "$T/c1"
[ ! -s "$T/c1.e" ] || fail "-check wrote to stderr" "$T/c1.e"
MGR_CONF=$T/pw.conf mgr_cmd -check >"$T/c2" 2>"$T/c2.e"; expect_eq $? 1 "-check with a wrong password"
expect_eq "$(cat "$T/c2.e")" "cmappmgr: cannot read keyStore $KEYS/host/client.private: bad password" "-check's message"
[ ! -s "$T/c2" ] || fail "a failed -check wrote to stdout" "$T/c2"
MGR_CONF=$T/bad.conf mgr_cmd -check 2>"$T/c3.e"; expect_eq $? 1 "-check of a bad conf"
expect_grep "^cmappmgr: $T/bad.conf:3: unknown key 'bogus'" "$T/c3.e"
mgr_cmd -check -status -service /bin/true 2>"$T/c4.e"; expect_eq $? 1 "-check with -status"
expect_grep "^cmappmgr: -check and -status exclude each other" "$T/c4.e"
mgr_cmd -check -ready_file "$T/r" 2>"$T/c5.e"; expect_eq $? 1 "-check with -ready_file"
expect_grep "^cmappmgr: -ready_file goes with a watching -service only, not with -check" "$T/c5.e"
# An option given twice: the last one counts, as it always did, and the
# admin who pasted a second -node into a service_cmd is told.
mgr_cmd -node localhost -check >"$T/c6" 2>"$T/c6.e"; expect_eq $? 0 "-check with -node twice" "$T/c6.e"
expect_grep "^cmappmgr: warning: -node is given more than once: the last one counts\$" "$T/c6"
expect_grep "^cmappmgr: node localhost: keyStore" "$T/c6"
MGR_CONF=$T/pw.conf mgr_cmd -conf "$T/pw.conf" -status -service /bin/true 2>"$T/c7.e"; expect_eq $? 1 "-status with -conf twice"
expect_grep "^cmappmgr\[[0-9]*\]: -conf is given more than once: the last one counts\$" "$T/c7.e"
expect_grep "^cmappmgr: cannot read keyStore $KEYS/host/client.private: bad password\$" "$T/c7.e"
# A conf's control bytes (an escape sequence typed into a key, a path)
# are shown as escapes by -check and -status: they never act on the
# admin's terminal.
printf 'key\033[31mRED\033[0mStore=/x\n' >"$T/esc.conf"
"$BIN/cmappmgr" -node localhost -conf "$T/esc.conf" -check >"$T/c8" 2>&1; expect_eq $? 1 "-check of a conf with an escape sequence" "$T/c8"
expect_grep "unknown key 'key\\\\033\[31mRED\\\\033\[0mStore'" "$T/c8"
printf 'keyStore=%s/ab\033]2;TITLE\007c\n' "$T" >"$T/esc2.conf"
MGR_CONF=$T/esc2.conf mgr_cmd -status -service /bin/true >"$T/c9" 2>&1; expect_eq $? 1 "-status with an escape sequence in the keyStore path" "$T/c9"
expect_grep "ab\\\\033\]2;TITLE\\\\007c" "$T/c9"
! grep -q "$(printf '\033')" "$T/c8" "$T/c9" || fail "a raw escape byte reached the terminal" "$T/c8" "$T/c9"
