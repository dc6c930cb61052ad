# SPDX-License-Identifier: ISC
# 51_slow_handshake.sh (load): clients that trickle a TLS ClientHello one
# byte a second (the Pacemaker CVE-2013-0281 pattern) from another peer
# (127.0.0.2).  The server goes on serving real managers meanwhile, and
# closes each slow client at its handshake deadline (SERVER_HANDSHAKE_MS,
# 4 s, README "Connections"), after about 4 of its bytes.  Under
# sanitizers or valgrind (SLOW) the same, with the time bounds scaled.  The
# figures go to $T/figures for the README.  Sanitized, it takes 2-6 s of
# CPU in 6-13 s, and beside the plain suite's heavy tests (the soak, the
# packages, the TLS scan) it passed ten runs of ten under ASan and
# valgrind (2026-12-05: managers served in 2.3 s at worst of their 6 s,
# the slow clients closed 4.03-4.44 s in): light beside other tests.
# cost: 5 heavy sanitized-light
N=100
DEADLINE=4

use_sockhold $N

expect "cmappserver starts" start_server
"$hold" -p "$PORT" -b 127.0.0.2 -n $N -s 1000 -d $((DEADLINE + 8 * SLOW)) -r "$T/ready" \
	>"$T/hold.out" 2>&1 & h=$!
t_hold=$SECONDS
wait_for $((10 * SLOW)) test -s "$T/ready" || fail "the slow clients were not up in time"
cat "$T/ready"
eval "$(cat "$T/ready")"
expect_eq "$failed" 0 "slow clients that never got up"
# The per-address limit (64 before HELLO) evicts the oldest to make room
# for the newest; the rest are held, none lost (the server's own count
# below).  In a plain run the evictions come at once (the holder's
# "refused": within 1 s of its connect); a slow server, valgrind's on a
# loaded machine, may take a few seconds to reach the last of the 100
# (ci15, 2026-12-05: 26 of 36 evicted after 1 s).
[ "$SLOW" -gt 1 ] || expect_eq $((open + refused)) $N "slow clients held or evicted at once"
[ "$open" -gt 0 ] || fail "the server held no slow client"

# Real managers, one after another, while the slow clients trickle.
managers_served "during the slow handshakes"
[ $worst -lt $((1000 * SLOW)) ] ||
	fail "a manager took $worst ms during the slow handshakes (limit $((1000 * SLOW)) ms)"
# (Slow managers under valgrind may take past the deadline; then the ages
# below tell.)
[ $((SECONDS - t_hold)) -ge $((DEADLINE - 1)) ] || kill -0 $h 2>/dev/null ||
	fail "the slow clients were all closed before the deadline"

wait $h
cat "$T/hold.out"
eval "$(tail -1 "$T/hold.out")"
expect_eq "$still_open" 0 "slow clients still open $((DEADLINE + 8 * SLOW)) s later"
expect_eq $((refused + closed)) $N "slow clients refused at once or closed at the deadline"
# Some may go earlier (refused, or evicted to make room); none outlives the
# deadline, and those held that long go at it, not before.
awk -v b="$close_max" -v d=$DEADLINE -v s="$SLOW" 'BEGIN { exit !(b >= d - 0.5 && b <= d + 2 * s) }' ||
	fail "slow clients closed after $close_min..$close_max s, the deadline is $DEADLINE s"
[ "$sent_max" -le $((DEADLINE + 2 * SLOW)) ] ||
	fail "a slow client got $sent_max bytes in before its deadline"
# Every one held was closed by the deadline, and the server says why.
FROM='127\.0\.0\.2'
if [ "$SLOW" -eq 1 ]; then
	wait_for 2 eval '[ "$(at_deadline "$FROM" "$DEADLINE")" -ge "$open" ]'
	expect_eq "$(at_deadline "$FROM" "$DEADLINE")" "$open" "slow clients the server closed at its deadline, of those it held" \
		"$T/server.log"
else
	# A slow server may evict after the holder's snapshot, which then
	# counts more held than were: the server's own account instead, every
	# client closed at the deadline or evicted and counted in its log (a
	# line per address and 10 s, 10 s after the first eviction).
	wait_for $((12 * SLOW)) eval '[ "$(handled "$FROM" "$DEADLINE")" -ge $N ]'
	expect_eq "$(handled "$FROM" "$DEADLINE")" $N "slow clients evicted ($(evicted "$FROM")) or closed at the deadline ($(at_deadline "$FROM" "$DEADLINE"))" \
		"$T/server.log"
	[ "$(at_deadline "$FROM" "$DEADLINE")" -gt 0 ] || fail "the server closed no slow client at its deadline" "$T/server.log"
fi
reduced=
[ "$SLOW" -gt 1 ] && reduced=" (under sanitizers or valgrind)"
echo "slow handshakes: $N clients at 1 byte/s, $refused refused at once, $closed closed after $close_min..$close_max s" \
	"($sent_max bytes sent at most); managers meanwhile served in $worst ms at worst$reduced" |
	tee "$T/figures"
# Show the figures in the suite output (e2e.sh prints "figures:" lines).
sed "s/^/figures: /" "$T/figures" 2>/dev/null
true
