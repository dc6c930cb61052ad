# SPDX-License-Identifier: ISC
# A server whose certificate is not the one pinned for the node is refused
# by cmappmgr at once, and nothing is launched.
# cost: 1
expect "a rogue key set made" make_keys "$T/rogue" localhost
cat >"$T/srv.conf" <<EOC
keyStore=$T/rogue/localhost/server.private
trustStore=$KEYS/localhost/client.public
EOC
SERVER_CONF=$T/srv.conf expect "cmappserver starts" start_server
start=$SECONDS
mgr -t 20 /bin/touch "$T/launched" 2>"$T/e"; rc=$?
expect_eq $rc 1 "exit code"
[ $((SECONDS - start)) -lt 5 ] || fail "not refused at once"
expect_grep "Could not connect to the node localhost: its certificate is not trusted" "$T/e"
expect_grep "server_localhost.public" "$T/e"
sleep 0.5
[ ! -e "$T/launched" ] || fail "the command was launched"
