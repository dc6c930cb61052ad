# SPDX-License-Identifier: ISC
# 61_idle_flood.sh (load): an idle flood from the manager's own address
# (issue 13, item 1).  A user of the VM host opens 64 idle TCP connections
# from 127.0.0.1, the most one address may have before HELLO
# (SERVER_MAX_PEER_PENDING), and reopens each one the server closes; another
# 64 come the same way from 127.0.0.2.  A manager attached before goes on
# running, and new managers from 127.0.0.1 (the flooding address; for the
# flood of 127.0.0.2, another one) are served in under a second: the new
# connection pushes out the oldest idle one of its address.  The server
# logs the evictions as one count per address and interval, not a line
# each.  Under sanitizers or valgrind (SLOW) the same, with time bounds
# scaled and no timing asserted beyond the managers' own timeout.
# Sanitized, it holds the same 128 sockets at a slower pace, in about a
# sixth of a core (3-7 s of CPU in 30-40 s): light beside other tests.
# (Its one failure so, ci13, was the holder's: tests/tools/sockhold.c.)
# cost: 20 heavy sanitized-light
PER=64
# The flood outlasts the handshake deadline (4 s, which no sanitizer
# scales) and the managers served during it; under SLOW a few seconds
# more for the server's slower pace, not six times the whole flood.  The
# holders still running once the managers are served show it outlasted
# them (about 11 s in plain runs, 20 s sanitized, where valgrind's
# managers beside a soak may take a few seconds more).
DUR=18 SETTLE=5
[ "$SLOW" -gt 1 ] && DUR=36 SETTLE=12

use_sockhold $((2 * PER))
expect "cmappserver starts" start_server
mgr -t 30 $(app long 5) >"$T/long.out" 2>&1 & long=$!
wait_for $((10 * SLOW)) grep -q "launched" "$T/server.log" || fail "the first manager did not attach"

hs=()
for a in 127.0.0.1 127.0.0.2; do
	"$hold" -p "$PORT" -b $a -n $PER -B $PER -R -d $DUR -r "$T/ready.$a" >"$T/hold.$a" 2>&1 & hs+=($!)
	wait_for $((10 * SLOW)) test -s "$T/ready.$a" || fail "holder $a not up"
	cat "$T/ready.$a"
	eval "$(cat "$T/ready.$a")"
	expect_eq "$open" $PER "idle connections open from $a"
done
# Past the handshake deadline: each has been closed and reopened once.
sleep $SETTLE

managers_served "during the flood"
[ "$SLOW" -gt 1 ] || [ $worst -lt 1000 ] ||
	fail "a manager took $worst ms during the idle flood (limit 1000 ms)"
kill -0 $long 2>/dev/null || fail "the attached manager is gone: $(cat "$T/long.out")"
for h in "${hs[@]}"; do
	kill -0 "$h" 2>/dev/null || fail "a holder ended before the managers were served: the flood ($DUR s) was too short"
done

for h in "${hs[@]}"; do wait "$h"; done
reopened=0
for a in 127.0.0.1 127.0.0.2; do
	cat "$T/hold.$a"
	r=$(sed -n 's/.* reopened=\([0-9]*\).*/\1/p' "$T/hold.$a" | tail -1)
	[ "${r:-0}" -ge $PER ] || fail "holder $a reopened only ${r:-0} connections: the flood did not outlast the deadline"
	reopened=$((reopened + r))
done

# The attached manager noticed nothing: its service ends as it would have.
go long
wait $long; rc=$?
expect_eq $rc 5 "the attached manager's exit code" "$T/long.out"
grep -q "no answer" "$T/long.out" && fail "the attached manager missed answers: $(cat "$T/long.out")"

# One line per address and interval about evictions, not one each.
wait_for $((12 * SLOW)) eval '! grep -q "evicted before its HELLO" "$T/server.log" && grep -q "^.*from 127.0.0.1: evicted" "$T/server.log"' ||
	fail "no eviction count for 127.0.0.1 in the server's log"
evicted=$(evicted)
lines=$(grep -c ": evicted [0-9]* and refused" "$T/server.log")
intervals=$(( (DUR + 9) / 10 + 1 ))
[ "$lines" -le $((2 * intervals)) ] ||
	fail "$lines log lines about evictions in $DUR s (2 addresses, a line each per 10 s)"
reduced=
[ "$SLOW" -gt 1 ] && reduced=" (reduced run: sanitizers or valgrind)"
echo "idle flood: $PER idle connections from the manager's address and $PER from another, reopened as closed ($reopened reopens in $DUR s);" \
	"managers served in $worst ms at worst, the attached one unaffected; $evicted evicted, logged in $lines lines$reduced" |
	tee "$T/figures"
sed "s/^/figures: /" "$T/figures" 2>/dev/null
true
