# SPDX-License-Identifier: ISC
# A client whose certificate the guest does not trust is refused at once,
# and nothing is launched.
# cost: 1
expect "a rogue key set made" make_keys "$T/rogue" localhost
cat >"$T/mgr.conf" <<EOC
keyStore=$T/rogue/host/client.private
trustStore=localhost:$KEYS/host/server_localhost.public
EOC
expect "cmappserver starts" start_server
start=$SECONDS
MGR_CONF=$T/mgr.conf mgr -t 20 /bin/touch "$T/launched" 2>"$T/e"; rc=$?
expect_eq $rc 1 "exit code"
[ $((SECONDS - start)) -lt 5 ] || fail "not refused at once"
expect_grep "Could not connect to the node localhost: cmappserver refused our certificate" "$T/e"
[ ! -e "$T/launched" ] || fail "the command was launched"
wait_for 3 grep -q "refused 127.0.0.1:[0-9]*: .*certificate" "$T/server.log" || fail "no log line naming the peer"
