# 50_idle_sockets.sh (load): 1,000 idle TCP connections against the server
# from another peer (127.0.0.2) than the VM host, which never start a TLS
# handshake.  The server holds at most SERVER_MAX_CONNS (256, README
# "Connections") and refuses or drops the rest; a real manager is still
# served within a second while they are held; the server closes every idle
# one by its handshake deadline (SERVER_HANDSHAKE_MS, 10 s) and then holds
# no more descriptors than before.  The figures go to $T/figures.
[ -n "${SERVER_WRAP:-}${CMAPP_SLOW:-}" ] && { echo "timing test skipped with sanitizers or valgrind (it runs in the plain suite)"; exit 77; }
N=1000
MAX_CONNS=256
DEADLINE=10

use_sockhold $N

start_server || exit 1
fds0=$(ls /proc/"$SERVER_PID"/fd | wc -l)

"$hold" -p "$PORT" -b 127.0.0.2 -n $N -d $((DEADLINE + 8)) -r "$T/ready" >"$T/hold.out" 2>&1 & h=$!
wait_for 20 test -s "$T/ready" || fail "the $N connections were not up in time" || exit 1
cat "$T/ready"
eval "$(cat "$T/ready")"
expect_eq "$failed" 0 "connections that never got up" || exit 1
held=$(($(ls /proc/"$SERVER_PID"/fd | wc -l) - fds0))
echo "the server holds $held of them"
[ "$open" -le $MAX_CONNS ] && [ "$held" -le $MAX_CONNS ] ||
	fail "$open idle connections open, $held held by the server, the cap is $MAX_CONNS" || exit 1
kill -0 "$SERVER_PID" || fail "cmappserver died" || exit 1

# A real manager, while the idle connections are held.
t0=$(ms)
mgr -t 10 /bin/sh -c 'exit 7' 2>"$T/mgr1.err"; rc=$?
during=$(($(ms) - t0))
echo "manager served in $during ms with $held idle connections held"
expect_eq $rc 7 "the manager's exit code under load" || { cat "$T/mgr1.err"; exit 1; }
[ $during -lt 1000 ] ||
	fail "the manager took $during ms with $held idle connections held (limit 1000 ms)" || exit 1

# The server closes them by its deadline; those held that long, at it.
wait $h
cat "$T/hold.out"
eval "$(tail -1 "$T/hold.out")"
expect_eq "$still_open" 0 "idle connections still open $((DEADLINE + 8)) s later" || exit 1
expect_eq $((refused + closed)) $N "connections refused or closed" || exit 1
awk -v b="$close_max" -v d=$DEADLINE 'BEGIN { exit !(b >= d - 0.5 && b <= d + 2) }' ||
	fail "idle connections closed after $close_min..$close_max s, the deadline is $DEADLINE s" || exit 1
grep -q "closed 127.0.0.2:[0-9]*: no TLS handshake within 10 s" "$T/server.log" ||
	fail "the server did not log why it closed the idle connections; it logged: $(grep -m1 'closed 127.0.0.2' "$T/server.log")" || exit 1

# Everything is given back: descriptors, and service to the next manager.
wait_for 5 eval '[ "$(ls /proc/$SERVER_PID/fd | wc -l)" -le $((fds0 + 4)) ]' ||
	fail "the server holds $(ls /proc/"$SERVER_PID"/fd | wc -l) descriptors, $fds0 before" || exit 1
t0=$(ms)
mgr -t 10 /bin/sh -c 'exit 3'; rc=$?
after=$(($(ms) - t0))
expect_eq $rc 3 "a manager after the load" || exit 1
echo "idle sockets: $N opened, $held held at once (cap $MAX_CONNS), $refused refused" \
	"or dropped within 1 s, $closed closed after $close_min..$close_max s (deadline" \
	"$DEADLINE s); a manager was served in $during ms during the load, $after ms after" |
	tee "$T/figures"
# Show the figures in the suite output (e2e.sh prints "figures:" lines).
sed "s/^/figures: /" "$T/figures" 2>/dev/null
true
