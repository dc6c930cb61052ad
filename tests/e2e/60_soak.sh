# SPDX-License-Identifier: ISC
# Soak: 10,000 attach/detach cycles, 1,000 managers killed -9, then 1,000
# launches of a short command run to their end (START, EXIT, ACK, the
# shim released), against one server.  Afterwards its RSS and open fds are
# back near where they started, no shim of the launches is left, and every
# application is still there, its manager still served.  Under sanitizers
# or valgrind (SLOW) it runs 600 cycles, 100 kills and 100 launches
# (SOAK_CYCLES, SOAK_KILLS, SOAK_LAUNCHES set them), with the same checks
# but one: under valgrind, whose own allocator and shadow memory make up
# most of the RSS, memcheck's leak report at the server's exit stands for
# the RSS bounds.
# cost: 50 heavy
# limit: 600
reduced=
if [ "$SLOW" -gt 1 ]; then
	reduced=" (reduced run: sanitizers or valgrind)"
	CYCLES=${SOAK_CYCLES:-600} KILLS=${SOAK_KILLS:-100} LAUNCHES=${SOAK_LAUNCHES:-100}
	# ASan keeps freed memory aside (256 MiB by default) to catch a use
	# after free, which RSS would show as growth: 1 MiB still catches
	# one within the next few connections.  Its allocator keeps more of
	# a burst's high-water than glibc's heap after malloc_trim: twice
	# the plain bounds for a phase.
	export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=1"
	phase_kib=1024
else
	CYCLES=${SOAK_CYCLES:-10000} KILLS=${SOAK_KILLS:-1000} LAUNCHES=${SOAK_LAUNCHES:-1000}
	phase_kib=512
fi
expect "cmappserver starts" start_server
rss() { awk '/^VmRSS/ {print $2}' /proc/$SERVER_PID/status; }
fds() { ls /proc/$SERVER_PID/fd | wc -l; }
soak() { "$BIN/tests/tools/soak" -port "$PORT" -key "$KEYS/host/client.private" \
	-keypw clientpw -trust "$KEYS/host/server_localhost.public" "$@"; }
pids=()
for i in 1 2 3; do mgr -t 30 $(app "k$i" $((60 + i))) >/dev/null 2>"$T/e$i" & pids+=($!); done
wait_for $((10 * SLOW)) eval 'test "$(grep -l started "$T"/e[123] | wc -l)" = 3' || fail "services not started"
cmd=$(app k1 61)
# batch: 50 real cmappmgr processes attached at once, then killed -9.
batch() {
	local b=() before j
	before=$(grep -c "attached to" "$T/server.log")
	for j in $(seq 1 50); do mgr -t 30 $cmd >/dev/null 2>&1 & b+=($!); done
	wait_for $((20 * SLOW)) eval 'test $(( $(grep -c "attached to" "$T/server.log") - before )) -ge 50' ||
		fail "not all 50 managers attached"
	kill -9 "${b[@]}"; wait "${b[@]}" 2>/dev/null
	return 0
}
# launches N: N launches of a command that exits 7 at once, each run to
# its end (soak -launch: STARTED as launched, EXIT 7, ACK, the server's
# close), by two clients at once with a command each ("a" and "b", its $0):
# a START of a command whose last run was not released would attach to it
# and fail the client.
short='exit 7'
launches() {
	soak -launch 7 -n $(($1 / 2)) /bin/sh -c "$short" a >"$T/l1" & l1=$!
	soak -launch 7 -n $(($1 - $1 / 2)) /bin/sh -c "$short" b >"$T/l2" & l2=$!
	wait $l1 && wait $l2 ||
		fail "launch cycles failed after $(cat "$T/l1") + $(cat "$T/l2")"
}
# The shims of those launches (their command lines end in the command);
# a released shim exits.
short_shims() { pgrep -f "cmapp-shim $T/run [0-9a-f]+ -- /bin/sh -c $short [ab]\$"; }
# Warm up (TLS and heap caches, and the 64 ended runs the server keeps),
# then take the baseline.
idle_fds=$(fds)
soak -n 200 $cmd >/dev/null || fail "warm-up cycles failed"
batch
launches 100
wait_for $((30 * SLOW)) eval 'test "$(fds)" -le "$idle_fds"' || fail "server fds after the warm-up: $(fds), $idle_fds before"
sleep 1.5	# the server trims its heap 1 s after the last connection
rss0=$(rss) fds0=$(fds)
start=$SECONDS
half=$(( CYCLES / 2 ))
soak -n $half $cmd >"$T/c1" & s1=$!
soak -n $half $cmd >"$T/c2" & s2=$!
wait $s1 && wait $s2 || fail "attach/detach cycles failed after $(cat "$T/c1") + $(cat "$T/c2")"
cycles=$(( $(cat "$T/c1") + $(cat "$T/c2") ))
cycle_s=$((SECONDS - start))
echo "$cycles attach/detach cycles in $cycle_s s"
# Real cmappmgr processes, 50 at a time, killed -9 once attached.
start=$SECONDS killed=0
batches=$(( KILLS / 50 ))
for i in $(seq 1 $batches); do
	batch
	killed=$((killed + 50))
	if [ "$i" = $((batches / 2)) ]; then
		wait_for $((30 * SLOW)) eval 'test "$(fds)" -le "$fds0"'; sleep 1.5; rss_mid=$(rss)
	fi
done
kill_s=$((SECONDS - start))
echo "$killed managers killed -9 in $kill_s s"
wait_for $((30 * SLOW)) eval 'test "$(fds)" -le "$fds0"' || fail "server fds after the kills: $(fds), $fds0 before the soak"
sleep 1.5
rss_kill=$(rss)
# Launches, each one a cmapp-shim spawned, its link, its process handle,
# its release after the ACK and its exit.
start=$SECONDS
launches "$LAUNCHES"
launched=$(( $(cat "$T/l1") + $(cat "$T/l2") ))
launch_s=$((SECONDS - start))
echo "$launched launches in $launch_s s"
# Each was released after its ACK: no shim of them is left (the last
# ones may take a moment to exit), nor a socket of theirs in the run
# directory (3: the applications'), nor a child the server did not reap.
wait_for $((5 * SLOW)) eval '[ -z "$(short_shims)" ]' ||
	fail "$(short_shims | wc -l) shims of the launches left after their ACK: $(short_shims | head -5 | xargs)"
ls -l "$T/run" >"$T/run.ls"
expect_eq "$(grep -c '\.sock$' "$T/run.ls")" 3 "shim sockets in the run directory after the launches" "$T/run.ls"
zombies=$(ps --ppid "$SERVER_PID" -o stat= | grep -c '^Z')
expect_eq "$zombies" 0 "unreaped children of the server"
# Let the server notice the dead connections (EOF) before measuring.
wait_for $((30 * SLOW)) eval 'test "$(fds)" -le "$fds0"' || fail "server fds: $(fds), $fds0 before the soak"
sleep 1.5
rss1=$(rss)
echo "figures: soak: $cycles attach/detach cycles in ${cycle_s} s; $killed managers killed -9 in ${kill_s} s;" \
	"$launched launches to their end in ${launch_s} s; server RSS ${rss0} -> ${rss_mid} (half way)" \
	"-> ${rss_kill} (kills done) -> ${rss1} KiB, fds ${fds0} -> $(fds)$reduced"
# glibc's heap keeps some high-water pages after bursts of 50 TLS
# connections; a leak would keep growing in the second half, and in the
# launches.
case ${SERVER_WRAP:-} in
*valgrind*) ;;
*)
	[ $((rss1 - rss0)) -le 3072 ] || fail "server RSS grew by $((rss1 - rss0)) KiB"
	[ $((rss_kill - rss_mid)) -le $phase_kib ] ||
		fail "server RSS grew by $((rss_kill - rss_mid)) KiB in the second half of the kills (bound $phase_kib)"
	[ $((rss1 - rss_kill)) -le $phase_kib ] ||
		fail "server RSS grew by $((rss1 - rss_kill)) KiB in the launches (bound $phase_kib)"
	;;
esac
expect_eq "$(children "app.sh $T/go.k")" 3 "applications after the soak"
for i in 1 2 3; do go "k$i"; done
for i in 1 2 3; do wait "${pids[$((i - 1))]}"; expect_eq $? $((60 + i)) "exit code of service $i"; done
