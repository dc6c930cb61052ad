# A server whose certificate is not the one pinned for the node is refused
# by cmappmgr at once, and nothing is launched.
make_keys "$T/rogue" localhost || exit 1
cat >"$T/srv.conf" <<EOC
keyStore=$T/rogue/localhost/server.private
trustStore=$KEYS/localhost/client.public
EOC
SERVER_CONF=$T/srv.conf start_server || exit 1
start=$SECONDS
mgr -t 20 /bin/touch "$T/launched" 2>"$T/e"; rc=$?
expect_eq $rc 1 "exit code" || exit 1
[ $((SECONDS - start)) -lt 5 ] || fail "not refused at once" || exit 1
expect_grep "Could not connect to the node localhost: its certificate is not trusted" "$T/e" || exit 1
expect_grep "server_localhost.public" "$T/e" || exit 1
sleep 0.5
[ ! -e "$T/launched" ] || fail "the command was launched" || exit 1
