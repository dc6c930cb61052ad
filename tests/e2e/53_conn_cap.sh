# 53_conn_cap.sh (load): the global connection cap and its eviction.  Five
# peers (127.0.0.2-6) each open 64 idle connections, the most one address
# may hold before HELLO: 320 in all, over the cap of 256 (SERVER_MAX_CONNS).
# The server never holds more than 256; when full it closes the oldest
# connection that has not said HELLO, so a real manager is still served,
# and every idle one is gone by the 10 s deadline.  Under sanitizers or
# valgrind (SLOW) the same, with the time bounds scaled.
# cost: 15 heavy
PER=64
MAX_CONNS=256
use_sockhold $((5 * PER))
expect "cmappserver starts" start_server
fds0=$(ls /proc/"$SERVER_PID"/fd | wc -l)
hs=()
for i in 2 3 4 5 6; do
	"$hold" -p "$PORT" -b 127.0.0.$i -n $PER -B $PER -d $((10 + 8 * SLOW)) -r "$T/ready.$i" >"$T/hold.$i" 2>&1 & hs+=($!)
	wait_for $((10 * SLOW)) test -s "$T/ready.$i" || fail "holder 127.0.0.$i not up"
	held=$(($(ls /proc/"$SERVER_PID"/fd | wc -l) - fds0))
	[ "$held" -le $MAX_CONNS ] || fail "the server holds $held connections, the cap is $MAX_CONNS"
done
evicted() { grep -c "evicted before its HELLO" "$T/server.log"; }
wait_for $((5 * SLOW)) eval '[ "$(evicted)" -ge $((5 * PER - MAX_CONNS)) ]'
held=$(($(ls /proc/"$SERVER_PID"/fd | wc -l) - fds0))
[ "$held" -le $MAX_CONNS ] || fail "the server holds $held connections, the cap is $MAX_CONNS"
t0=$(ms)
mgr -t 10 /bin/sh -c 'exit 4' 2>"$T/mgr.err"; rc=$?
during=$(($(ms) - t0))
expect_eq $rc 4 "a manager with the table full" "$T/mgr.err"
[ $during -lt $((1000 * SLOW)) ] || fail "the manager took $during ms with the table full"
evicted=$(evicted)
[ "$evicted" -ge $((5 * PER - MAX_CONNS)) ] ||
	fail "only $evicted connections evicted to make room for $((5 * PER)) in $MAX_CONNS"
for h in "${hs[@]}"; do wait "$h"; done
still=0 cmax=0
for i in 2 3 4 5 6; do
	eval "$(tail -1 "$T/hold.$i")"; still=$((still + still_open))
	cmax=$(awk -v a="$cmax" -v b="$close_max" 'BEGIN { print (b > a ? b : a) }')
done
expect_eq $still 0 "idle connections still open after the deadline"
# Those held that long went at the 10 s deadline, none later.
awk -v b="$cmax" -v s="$SLOW" 'BEGIN { exit !(b >= 9.5 && b <= 10 + 2 * s) }' ||
	fail "idle connections closed after $cmax s at most, the deadline is 10 s"
wait_for $((5 * SLOW)) eval '[ "$(ls /proc/$SERVER_PID/fd | wc -l)" -le $((fds0 + 4)) ]' ||
	fail "the server holds $(ls /proc/"$SERVER_PID"/fd | wc -l) descriptors, $fds0 before"
reduced=
[ "$SLOW" -gt 1 ] && reduced=" (under sanitizers or valgrind)"
echo "figures: connection cap: $((5 * PER)) idle from 5 peers, at most $held held (cap $MAX_CONNS), $evicted evicted; a manager served in $during ms meanwhile$reduced"
