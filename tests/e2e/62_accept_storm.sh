# SPDX-License-Identifier: ISC
# 62_accept_storm.sh (load): an accept storm (issue 13, items 2 and 8).
# For 12 s one address, the manager's own (127.0.0.1), connects and resets
# as fast as it can (tests/tools/storm.c), with the server's open-file
# limit raised to 20,000.  A manager attached before goes on running (its
# heartbeats are answered between the accepts), a new manager is served
# meanwhile, the server's RSS stays under 64 MB and its descriptors under
# the connection cap, and it logs the storm in a few lines per interval.
# Once the storm is over the heap it left is given back although a manager
# is still attached.  Under sanitizers or valgrind (SLOW) the same with
# fewer connects in flight and no bound on RSS (their own heaps), and no
# timing asserted beyond the managers' timeout.
# cost: 17 heavy
# limit: 120
DUR=12
CONC=256
[ "$SLOW" -gt 1 ] && CONC=32
MAX_CONNS=256
TURN=16

storm=$BIN/tests/storm
[ -x "$storm" ] || fail "no $storm: run make first"
ulimit -n "$(ulimit -Hn)" 2>/dev/null
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge 20000 ] ||
	{ echo "needs 20000 file descriptors, ulimit -n is $(ulimit -n)"; exit 77; }
ulimit -n 20000

rss() { awk '/^VmRSS:/ { print $2 }' /proc/"$SERVER_PID"/status; }	# KiB
fds() { ls /proc/"$SERVER_PID"/fd | wc -l; }

expect "cmappserver starts" start_server
mgr -t 10 $(app long 6) >"$T/long.out" 2>&1 & long=$!
wait_for $((10 * SLOW)) grep -q "launched" "$T/server.log" || fail "the first manager did not attach"
sleep 1
rss0=$(rss) fds0=$(fds) lines0=$(wc -l <"$T/server.log")

"$storm" -p "$PORT" -b 127.0.0.1 -c $CONC -d $DUR >"$T/storm.out" 2>&1 & st=$!
rss_max=0 fds_max=0 t_end=$((SECONDS + DUR))
# Sampled all along; a manager comes once the storm is on.
sample() {
	local r f
	r=$(rss) f=$(fds)
	[ "${r:-0}" -gt $rss_max ] && rss_max=$r
	[ "${f:-0}" -gt $fds_max ] && fds_max=$f
}
sleep 2; sample
t0=$(ms)
mgr -t 10 /bin/sh -c 'exit 4' 2>"$T/mgr.err" & m=$!
while kill -0 $m 2>/dev/null; do sample; sleep 0.1; done
wait $m; rc=$?
during=$(($(ms) - t0))
echo "manager served in $during ms during the storm"
expect_eq $rc 4 "a new manager's exit code during the storm" "$T/mgr.err"
while [ $SECONDS -lt $t_end ]; do sample; sleep 0.2; done
wait $st
cat "$T/storm.out"
eval "$(tail -1 "$T/storm.out")"
[ "$connects" -ge $((1000 / SLOW)) ] || fail "only $connects connects in $DUR s: no storm"
kill -0 $long 2>/dev/null || fail "the attached manager is gone: $(cat "$T/long.out")"
kill -0 "$SERVER_PID" || fail "cmappserver died"
echo "server RSS ${rss0} -> max ${rss_max} KiB, fds ${fds0} -> max ${fds_max}"
[ "$SLOW" -gt 1 ] || [ $rss_max -lt $((64 * 1024)) ] ||
	fail "the server's RSS reached $rss_max KiB during the storm (limit 64 MiB)"
[ $fds_max -le $((fds0 + MAX_CONNS + TURN + 8)) ] ||
	fail "the server held $fds_max descriptors during the storm, $fds0 before (cap $MAX_CONNS connections)"

# The log: a line per address and interval, however many connects.  (The
# reduced storm of SLOW fills no table: no such line to wait for.)
[ "$SLOW" -gt 1 ] ||
	wait_for 12 eval '[ "$(grep -c ": evicted [0-9]* and refused" "$T/server.log")" -gt 0 ]'
lines=$(($(wc -l <"$T/server.log") - lines0))
intervals=$(( (DUR + 9) / 10 + 1 ))
[ $lines -le $((2 * intervals + 6)) ] ||
	fail "the server logged $lines lines during a $DUR s storm" "$T/server.log"

# The heap the storm left is given back, the attached manager still there.
wait_for $((5 * SLOW)) eval '[ "$(fds)" -le $((fds0 + 2)) ]' ||
	fail "the server holds $(fds) descriptors after the storm, $fds0 before"
sleep 2
rss1=$(rss)
echo "server RSS after the storm: $rss1 KiB"
[ "$SLOW" -gt 1 ] || [ $((rss1 - rss0)) -le $(( (rss_max - rss0) / 2 + 512 )) ] ||
	fail "the server's RSS went $rss0 -> $rss_max -> $rss1 KiB: the storm's heap was not given back"

# The attached manager noticed nothing.
go long
wait $long; rc=$?
expect_eq $rc 6 "the attached manager's exit code" "$T/long.out"
t0=$(ms)
mgr -t 10 /bin/sh -c 'exit 3'; rc=$?
after=$(($(ms) - t0))
expect_eq $rc 3 "a manager after the storm"
reduced=
[ "$SLOW" -gt 1 ] && reduced=" (reduced run: sanitizers or valgrind, $CONC in flight)"
echo "accept storm: $connects connects and resets in $DUR s ($rate/s) from the manager's address, open-file limit 20,000:" \
	"server RSS $((rss0 / 1024)).$((rss0 % 1024 * 10 / 1024)) -> at most $((rss_max / 1024)).$((rss_max % 1024 * 10 / 1024)) MiB, $((rss1 / 1024)).$((rss1 % 1024 * 10 / 1024)) MiB after," \
	"fds $fds0 -> at most $fds_max, $lines log lines; a manager served in $during ms during it, $after ms after, the attached one unaffected$reduced" |
	tee "$T/figures"
sed "s/^/figures: /" "$T/figures" 2>/dev/null
true
