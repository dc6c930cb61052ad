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
