# SPDX-License-Identifier: ISC
# A guest name with two addresses, the first of which does not answer (a
# dead route: its SYNs go nowhere): cmappmgr gives each address but the
# last 3 s to connect, then tries the next, instead of spending its whole
# -cmappserver_timeout on the first.  All in a network namespace of the
# test's own, with a private /etc/hosts and /etc/gai.conf (mount namespace)
# that put the dead address first.
# cost: 4
[ "$(id -u)" = 0 ] || { echo "needs root (network and mount namespaces)"; exit 77; }
command -v ip >/dev/null && command -v unshare >/dev/null || { echo "needs ip and unshare"; exit 77; }
NS=cmapp$BASHPID
ip netns add "$NS" 2>"$T/ns.err" || { echo "cannot make a network namespace: $(cat "$T/ns.err")"; exit 77; }
trap 'end_test; ip netns del "$NS" 2>/dev/null; true' EXIT
ip -n "$NS" link set lo up
# 10.9.9.1 is ours; 10.9.9.9 is on the link, but the link's other end is
# down, so nothing ever answers it.
ip -n "$NS" link add va type veth peer name vb
ip -n "$NS" addr add 10.9.9.1/24 dev va
ip -n "$NS" link set va up
# A known neighbour: no ARP failure to report, the SYNs just vanish.
ip -n "$NS" neigh add 10.9.9.9 lladdr 02:00:00:00:00:09 dev va nud permanent
printf '10.9.9.9 guestx\n10.9.9.1 guestx\n' >"$T/hosts"
printf 'precedence ::ffff:10.9.9.9/128 100\nprecedence ::ffff:0:0/96 10\n' >"$T/gai.conf"
cat >"$T/m.conf" <<EOC
keyStore=$KEYS/host/client.private
trustStore=$KEYS/host/server_localhost.public
EOC
ip netns exec "$NS" ${SERVER_WRAP:-} "$BIN/cmappserver" -f -conf "$KEYS/localhost/cmappserver.conf" \
	-listen 10.9.9.1 -port "$PORT" -rundir "$T/run" >>"$T/server.log" 2>&1 &
SERVER_PID=$!
wait_for $((10 * SLOW)) grep -q " listening on " "$T/server.log" || fail "server did not start"
t0=$(ms)
ip netns exec "$NS" unshare -m sh -c 'mount --bind "$1/hosts" /etc/hosts && mount --bind "$1/gai.conf" /etc/gai.conf &&
	getent ahosts guestx | grep STREAM >"$1/order" && exec "$2" -node guestx -port "$3" -conf "$1/m.conf" \
	-cmappserver_timeout 10 -service /bin/sh -c "exit 6"' sh "$T" "$BIN/cmappmgr" "$PORT" 2>"$T/e"
rc=$?
took=$(($(ms) - t0))
head -1 "$T/order" | grep -q '^10\.9\.9\.9 ' || { echo "the resolver did not put the dead address first: $(cat "$T/order")"; exit 77; }
expect_eq $rc 6 "exit code through the second address" "$T/e"
[ $took -ge 2500 ] && [ $took -lt $((6000 * SLOW)) ] ||
	fail "took $took ms; expected about 3 s for the dead address, then the live one"
echo "figures: dead first address: skipped after $took ms in all (3 s a dead address)"
