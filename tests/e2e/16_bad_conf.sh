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
