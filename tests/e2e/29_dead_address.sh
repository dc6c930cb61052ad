# SPDX-License-Identifier: ISC
# A guest name with two addresses, the first of which does not answer (a
# dead route: its SYNs go nowhere): cmappmgr gives each address 3 s to
# connect, then tries the next, instead of spending its whole
# -cmappserver_timeout on the first.  The same when the first address
# accepts the connection but its server never answers (a stopped
# cmappserver): with several addresses, each gets 5 s for the TLS
# handshake; a manager that lost its connection starts over from the first.
# All in a network namespace of the test's own, with a private /etc/hosts
# and /etc/gai.conf (mount namespace) that put the bad address first.
# cost: 6
[ "$(id -u)" = 0 ] || { echo "needs root (network and mount namespaces)"; exit 77; }
command -v ip >/dev/null && command -v unshare >/dev/null || { echo "needs ip and unshare"; exit 77; }
NS=cmapp$BASHPID
ip netns add "$NS" 2>"$T/ns.err" || { echo "cannot make a network namespace: $(cat "$T/ns.err")"; exit 77; }
FROZEN=
trap 'end_test; [ -z "$FROZEN" ] || { kill -CONT $FROZEN; kill $FROZEN; wait $FROZEN; } 2>/dev/null
	ip netns del "$NS" 2>/dev/null; true' EXIT
ip -n "$NS" link set lo up
# 10.9.9.1 is ours; 10.9.9.9 is on the link, but the link's other end is
# down, so nothing ever answers it.
ip -n "$NS" link add va type veth peer name vb
ip -n "$NS" addr add 10.9.9.1/24 dev va
ip -n "$NS" addr add 10.9.9.2/24 dev va
ip -n "$NS" link set va up
# A known neighbour: no ARP failure to report, the SYNs just vanish.
ip -n "$NS" neigh add 10.9.9.9 lladdr 02:00:00:00:00:09 dev va nud permanent
printf '10.9.9.9 guestx\n10.9.9.1 guestx\n10.9.9.2 guesty\n10.9.9.1 guesty\n' >"$T/hosts"
printf 'precedence ::ffff:%s/128 100\n' 10.9.9.9 10.9.9.2 >"$T/gai.conf"
printf 'precedence ::ffff:0:0/96 10\n' >>"$T/gai.conf"
cat >"$T/m.conf" <<EOC
keyStore=$KEYS/host/client.private
trustStore=$KEYS/host/server_localhost.public
EOC
# serve: the server on 10.9.9.1 (again).
serve() {
	local n
	n=$(grep -c " listening on " "$T/server.log" 2>/dev/null)
	ip netns exec "$NS" ${SERVER_WRAP:-} "$BIN/cmappserver" -f -conf "$KEYS/localhost/cmappserver.conf" \
		-listen 10.9.9.1 -port "$PORT" -rundir "$T/run" >>"$T/server.log" 2>&1 &
	SERVER_PID=$!
	wait_for $((10 * SLOW)) eval '[ "$(grep -c " listening on " "$T/server.log")" -gt "${n:-0}" ]' ||
		fail "server did not start" "$T/server.log"
}
serve
# mgr_via NAME TIMEOUT COMMAND...: cmappmgr -node NAME runs COMMAND, with
# $T/hosts and $T/gai.conf; the resolver's order in $T/order.
mgr_via() {
	ip netns exec "$NS" unshare -m sh -c 'mount --bind "$1/hosts" /etc/hosts && mount --bind "$1/gai.conf" /etc/gai.conf &&
		getent ahosts "$4" | grep STREAM >"$1/order" && t=$1 m=$2 p=$3 n=$4 s=$5 && shift 5 &&
		exec "$m" -node "$n" -port "$p" -conf "$t/m.conf" -cmappserver_timeout "$s" -service "$@"' \
		sh "$T" "$BIN/cmappmgr" "$PORT" "$@"
}
# via NAME TIMEOUT CODE: mgr_via runs "exit CODE"; its exit code in $rc,
# its time in $took (ms).
via() {
	local t0=$(ms)
	mgr_via "$1" "$2" /bin/sh -c "exit $3" 2>"$T/e"
	rc=$?
	took=$(($(ms) - t0))
}
via guestx 10 6
head -1 "$T/order" | grep -q '^10\.9\.9\.9 ' || { echo "the resolver did not put the dead address first: $(cat "$T/order")"; exit 77; }
expect_eq $rc 6 "exit code through the second address" "$T/e"
[ $took -ge 2500 ] && [ $took -lt $((6000 * SLOW)) ] ||
	fail "took $took ms; expected about 3 s for the dead address, then the live one"
echo "figures: dead first address: skipped after $took ms in all (3 s a dead address)"

# A stopped cmappserver on the first address: the kernel accepts the
# connection, nothing answers the handshake.
ip netns exec "$NS" "$BIN/cmappserver" -f -conf "$KEYS/localhost/cmappserver.conf" \
	-listen 10.9.9.2 -port "$PORT" -rundir "$T/run2" >>"$T/frozen.log" 2>&1 &
FROZEN=$!
wait_for $((10 * SLOW)) grep -q " listening on " "$T/frozen.log" || fail "the second server did not start" "$T/frozen.log"
kill -STOP $FROZEN
# A timeout far past the 5 s: without the handshake's own deadline the
# manager would wait it out on the stopped server and fail.
via guesty 30 7
head -1 "$T/order" | grep -q '^10\.9\.9\.2 ' || { echo "the resolver did not put the stopped server's address first: $(cat "$T/order")"; exit 77; }
expect_eq $rc 7 "exit code through the second address, the first one's server stopped" "$T/e"
[ $took -ge 4500 ] && [ $took -lt $((5000 + 4000 * SLOW)) ] ||
	fail "took $took ms; expected about 5 s for the stopped server's handshake, then the live one"
echo "figures: stopped server on the first address: skipped after $took ms in all (5 s a silent handshake)"

# A service watched through the first address, the stopped server second:
# when the connection is cut, the manager reconnects through the first at
# once, not after 5 s on the second; when the server restarts (adopting
# the service), it does not wait out its timeout on the second's silence.
printf '10.9.9.1 guestz\n10.9.9.2 guestz\n' >"$T/hosts"
printf 'precedence ::ffff:10.9.9.1/128 100\nprecedence ::ffff:0:0/96 10\n' >"$T/gai.conf"
cmd=$(app z 8)
mgr_via guestz 20 $cmd >"$T/ez" 2>&1 & m=$!
wait_for $((5 * SLOW)) grep -q "launched .*go\.z" "$T/server.log" || fail "not started" "$T/ez" "$T/server.log"
head -1 "$T/order" | grep -q '^10\.9\.9\.1 ' || { echo "the resolver did not put the live address first: $(cat "$T/order")"; exit 77; }
# Both ends of that one connection, by its manager's port, in one call:
# cut by address alone, a second call could catch the manager's new
# connection in its handshake and send it on to the stopped server's 5 s.
mport=$(ip netns exec "$NS" ss -Htn state established dst 10.9.9.1 dport = "$PORT" |
	awk '{ sub(/.*:/, "", $3); print $3; exit }')
[ -n "$mport" ] || fail "no connection from the manager to 10.9.9.1 port $PORT" "$T/ez"
t0=$(ms)
ip netns exec "$NS" ss -K "( sport = :$mport and dport = :$PORT ) or ( sport = :$PORT and dport = :$mport )" >/dev/null 2>&1
wait_for $((10 * SLOW)) grep -q "re-attached" "$T/ez" || fail "no re-attach after the cut" "$T/ez"
took=$(($(ms) - t0))
[ $took -lt $((2500 + 500 * SLOW)) ] ||
	fail "re-attached $took ms after the cut: not through the first address at once" "$T/ez"
echo "figures: connection cut, two addresses: re-attached through the first in $took ms"
kill "$SERVER_PID"; wait "$SERVER_PID"
serve
go z
wait $m; rc=$?
expect_eq $rc 8 "exit code after the server's restart, the second address's server stopped" "$T/ez"
