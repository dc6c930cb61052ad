# A client whose certificate the guest does not trust is refused at once,
# and nothing is launched.
make_keys "$T/rogue" localhost || exit 1
cat >"$T/mgr.conf" <<EOC
keyStore=$T/rogue/host/client.private
trustStore=localhost:$KEYS/host/server_localhost.public
EOC
start_server || exit 1
start=$SECONDS
MGR_CONF=$T/mgr.conf mgr -t 20 /bin/touch "$T/launched" 2>"$T/e"; rc=$?
expect_eq $rc 1 "exit code" || exit 1
[ $((SECONDS - start)) -lt 5 ] || fail "not refused at once" || exit 1
expect_grep "Could not connect to the node localhost: cmappserver refused our certificate" "$T/e" || exit 1
[ ! -e "$T/launched" ] || fail "the command was launched" || exit 1
wait_for 3 grep -q "refused 127.0.0.1:[0-9]*: .*certificate" "$T/server.log" || fail "no log line naming the peer" || exit 1
