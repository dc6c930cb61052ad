# SPDX-License-Identifier: ISC
# 54_peer_v6.sh (load): the per-peer limit before HELLO (64) counts an IPv6
# /64 as one peer, since one site gets a whole /64 and could spread a flood
# over it.  Three addresses of one /64 open 40 idle connections each: 64
# are held, and each one past them evicts the oldest of the /64 (logged as
# a count per peer and 10 s); a manager from another /64 is served.  In a
# network namespace of the test's own.  Under sanitizers or valgrind
# (SLOW) the same; what the holders count as refused "at once" (within 1 s)
# is then the server log's to tell.
# cost: 11 heavy
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)"; exit 77; }
use_sockhold 120
NS=cmapp$BASHPID
ip netns add "$NS" 2>"$T/ns.err" || { echo "cannot make a network namespace: $(cat "$T/ns.err")"; exit 77; }
trap 'end_test; ip netns del "$NS" 2>/dev/null; true' EXIT
ip -n "$NS" link set lo up
for a in fd00:77::2 fd00:77::3 fd00:77::4 fd00:78::1; do
	ip -n "$NS" -6 addr add "$a/128" dev lo nodad 2>"$T/ip.err" ||
		{ echo "no IPv6 in the namespace: $(cat "$T/ip.err")"; exit 77; }
done
ip netns exec "$NS" ${SERVER_WRAP:-} "$BIN/cmappserver" -f -conf "$KEYS/localhost/cmappserver.conf" \
	-listen fd00:78::1 -port "$PORT" -rundir "$T/run" >>"$T/server.log" 2>&1 &
SERVER_PID=$!
wait_for $((10 * SLOW)) grep -q " listening on " "$T/server.log" || fail "server did not start"
hs=()
for a in 2 3 4; do
	ip netns exec "$NS" "$hold" -a fd00:78::1 -b fd00:77::$a -p "$PORT" -n 40 -B 40 -d $((4 + 4 * SLOW)) \
		-r "$T/ready.$a" >"$T/hold.$a" 2>&1 & hs+=($!)
	wait_for $((10 * SLOW)) test -s "$T/ready.$a" || fail "holder fd00:77::$a not up"
done
cat >"$T/m.conf" <<EOC
keyStore=$KEYS/host/client.private
trustStore=$KEYS/host/server_localhost.public
EOC
t0=$(ms)
ip netns exec "$NS" "$BIN/cmappmgr" -node fd00:78::1 -port "$PORT" -conf "$T/m.conf" \
	-cmappserver_timeout 10 -service /bin/sh -c 'exit 5' 2>"$T/e"; rc=$?
took=$(($(ms) - t0))
expect_eq $rc 5 "a manager from another /64 during the flood" "$T/e"
for h in "${hs[@]}"; do wait "$h"; done
tot_refused=0 tot_closed=0
for a in 2 3 4; do
	eval "$(tail -1 "$T/hold.$a")"
	tot_refused=$((tot_refused + refused)); tot_closed=$((tot_closed + closed))
done
expect_eq $((tot_refused + tot_closed)) 120 "connections of the /64 refused or closed" "$T"/hold.*
# The server closed 64 at the handshake deadline: those it held.
FROM='\[fd00:77::[234]\]' NET=fd00:77::/64
wait_for $((2 * SLOW)) eval '[ "$(at_deadline "$FROM" 4)" -ge 64 ]'
expect_eq "$(at_deadline "$FROM" 4)" 64 "connections of the /64 held, then closed at the deadline (server log)"
# The other 56 were evicted, counted for the /64 as one peer.
wait_for $((12 * SLOW)) eval '[ "$(evicted "$NET")" -ge 56 ]'
expect_eq "$(evicted "$NET")" 56 "connections of the /64 evicted (120 - 64, server log)"
reduced=
[ "$SLOW" -gt 1 ] && reduced=" (under sanitizers or valgrind)"
echo "figures: IPv6 /64 limit: 120 idle from 3 addresses of one /64, 64 held, $(evicted "$NET") of the oldest evicted; a manager from another /64 served in $took ms$reduced"
