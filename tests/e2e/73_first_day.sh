# SPDX-License-Identifier: ISC
# Messages a new admin met on the first day (issue 15 item 7), each now
# saying what to do: a refused certificate named by its subject and the
# trustStore it is not in, on both sides; a keyStore named as a trustStore
# said to be one; a script without "#!" given a hint.
# cost: 2
expect "a rogue key set made" make_keys "$T/rogue" localhost
expect "cmappserver starts" start_server

echo "--- the guest refuses a host whose certificate is not in its trustStore"
cat >"$T/rogue.conf" <<EOC
keyStore=$T/rogue/host/client.private
trustStore=localhost:$KEYS/host/server_localhost.public
EOC
MGR_CONF=$T/rogue.conf mgr /bin/true 2>"$T/e1"
expect_eq $? 1 "exit code, refused by the guest" "$T/e1"
wait_for 3 grep -q "refused 127\.0\.0\.1:[0-9]*: " "$T/server.log" || fail "no refusal logged" "$T/server.log"
expect_grep "refused 127\.0\.0\.1:[0-9]*: certificate verify failed (self-signed certificate): the certificate \"O=cmapp, CN=cmappmgr\" is not in the trustStore $KEYS/localhost/client\.public$" "$T/server.log"

echo "--- the host refuses a guest whose certificate is not pinned for it"
cat >"$T/wrongpin.conf" <<EOC
keyStore=$KEYS/host/client.private
trustStore=localhost:$T/rogue/host/server_localhost.public
EOC
MGR_CONF=$T/wrongpin.conf mgr /bin/true 2>"$T/e2"
expect_eq $? 1 "exit code, guest not trusted" "$T/e2"
expect_grep "its certificate is not trusted: certificate verify failed (self-signed certificate): the certificate \"O=cmapp, CN=localhost\" is not in the trustStore (trustStore $T/rogue/host/server_localhost\.public)$" "$T/e2"

echo "--- a keyStore named as the trustStore"
"$TOP/certs/mkkeys.sh" -in_place -pkcs12 -o "$T/p12" localhost >/dev/null || fail "mkkeys.sh -pkcs12"
cat >"$T/swap.conf" <<EOC
keyStore=$KEYS/host/client.private
trustStore=localhost:$T/p12/host/client.private
EOC
MGR_CONF=$T/swap.conf mgr /bin/true 2>"$T/e3"
expect_eq $? 1 "exit code, a keyStore as trustStore" "$T/e3"
expect_grep "cannot read trustStore $T/p12/host/client\.private: a private keyStore (it holds a private key), where a trustStore is expected" "$T/e3"
expect_no_grep "bad password" "$T/e3"
# The same with the PEM that cmapp_mkkeys writes by default, as -check
# (and validate-all) sees it before any connection.
cat >"$T/swap2.conf" <<EOC
keyStore=$KEYS/host/client.private
trustStore=localhost:$KEYS/host/client.private
EOC
"$BIN/cmappmgr" -node localhost -conf "$T/swap2.conf" -check -service /bin/true >"$T/o5" 2>"$T/e5"
expect_eq $? 1 "cmappmgr -check's exit code, a PEM keyStore as trustStore" "$T/e5"
expect_grep "cannot read trustStore $KEYS/host/client\.private: a private keyStore (it holds a private key), where a trustStore is expected" "$T/e5"

echo "--- a script without #!: Exec format error, with a hint"
printf 'echo ran-by-sh\n' >"$T/noshebang"; chmod 755 "$T/noshebang"
mgr "$T/noshebang" >"$T/o4" 2>"$T/e4"
expect_eq $? 1 "exit code, a script without #!" "$T/e4"
expect_grep "cmappserver on localhost could not start $T/noshebang: cannot execute $T/noshebang: Exec format error (a script needs a first line such as #!/bin/sh; else it is not a program for this machine)$" "$T/e4"
