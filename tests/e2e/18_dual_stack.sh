# SPDX-License-Identifier: ISC
# By default the server listens on all addresses, IPv4 and IPv6.
# cost: 1
${SERVER_WRAP:-} "$BIN/cmappserver" -f -conf "$KEYS/localhost/cmappserver.conf" -port "$PORT" \
	-rundir "$T/run" >>"$T/server.log" 2>&1 &
SERVER_PID=$!
wait_for $((10 * SLOW)) listening "$PORT" || fail "not listening"
cat >"$T/m.conf" <<EOC
keyStore=$KEYS/host/client.private
trustStore=$KEYS/host/server_localhost.public
EOC
for node in 127.0.0.1 ::1 localhost; do
	"$BIN/cmappmgr" -node "$node" -port "$PORT" -conf "$T/m.conf" -service /bin/sh -c 'exit 2'
	expect_eq $? 2 "exit code via $node"
done
