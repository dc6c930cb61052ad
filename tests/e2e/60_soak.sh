# Soak: 10,000 attach/detach cycles and 1,000 managers killed -9 against one
# server.  Afterwards its RSS and open fds are back near where they started
# and every application is still there, its manager still served.
# limit: 600
[ -n "${SERVER_WRAP:-}${CMAPP_SLOW:-}" ] && { echo "soak skipped with sanitizers or valgrind: far too slow there; it runs in the plain suite"; exit 77; }
start_server || exit 1
rss() { awk '/^VmRSS/ {print $2}' /proc/$SERVER_PID/status; }
fds() { ls /proc/$SERVER_PID/fd | wc -l; }
soak() { "$BIN/tests/tools/soak" -port "$PORT" -key "$KEYS/host/client.private" \
	-keypw clientpw -trust "$KEYS/host/server_localhost.public" "$@"; }
pids=()
for i in 1 2 3; do mgr -t 30 $(app "k$i" $((60 + i))) >/dev/null 2>"$T/e$i" & pids+=($!); done
wait_for 10 eval 'test "$(grep -l started "$T"/e[123] | wc -l)" = 3' || fail "services not started" || exit 1
cmd=$(app k1 61)
# batch: 50 real cmappmgr processes attached at once, then killed -9.
batch() {
	local b=() before j
	before=$(grep -c "attached to" "$T/server.log")
	for j in $(seq 1 50); do mgr -t 30 $cmd >/dev/null 2>&1 & b+=($!); done
	wait_for 20 eval 'test $(( $(grep -c "attached to" "$T/server.log") - before )) -ge 50' ||
		fail "not all 50 managers attached" || return 1
	kill -9 "${b[@]}"; wait "${b[@]}" 2>/dev/null
	return 0
}
# Warm up (TLS and heap caches), then take the baseline.
idle_fds=$(fds)
soak -n 200 $cmd >/dev/null || fail "warm-up cycles failed" || exit 1
batch || exit 1
wait_for 30 eval 'test "$(fds)" -le "$idle_fds"' || fail "server fds after the warm-up: $(fds), $idle_fds before" || exit 1
sleep 1.5	# the server trims its heap 1 s after the last connection
rss0=$(rss) fds0=$(fds)
start=$SECONDS
half=$(( ${SOAK_CYCLES:-10000} / 2 ))
soak -n $half $cmd >"$T/c1" & s1=$!
soak -n $half $cmd >"$T/c2" & s2=$!
wait $s1 && wait $s2 || fail "attach/detach cycles failed after $(cat "$T/c1") + $(cat "$T/c2")" || exit 1
cycles=$(( $(cat "$T/c1") + $(cat "$T/c2") ))
cycle_s=$((SECONDS - start))
# 1,000 real cmappmgr processes, 50 at a time, killed -9 once attached.
start=$SECONDS killed=0
batches=$(( ${SOAK_KILLS:-1000} / 50 ))
for i in $(seq 1 $batches); do
	batch || exit 1
	killed=$((killed + 50))
	if [ "$i" = $((batches / 2)) ]; then
		wait_for 30 eval 'test "$(fds)" -le "$fds0"'; sleep 1.5; rss_mid=$(rss)
	fi
done
kill_s=$((SECONDS - start))
# Let the server notice the dead connections (EOF) before measuring.
wait_for 30 eval 'test "$(fds)" -le "$fds0"' || fail "server fds: $(fds), $fds0 before the soak" || exit 1
sleep 1.5
rss1=$(rss)
echo "figures: soak: $cycles attach/detach cycles in ${cycle_s} s; $killed managers killed -9 in ${kill_s} s;" \
	"server RSS ${rss0} -> ${rss_mid} (half way) -> ${rss1} KiB, fds ${fds0} -> $(fds)"
# glibc's heap keeps some high-water pages after bursts of 50 TLS
# connections; a leak would keep growing in the second half.
[ $((rss1 - rss0)) -le 3072 ] || fail "server RSS grew by $((rss1 - rss0)) KiB" || exit 1
[ $((rss1 - rss_mid)) -le 512 ] || fail "server RSS grew by $((rss1 - rss_mid)) KiB in the second half" || exit 1
expect_eq "$(children "app.sh $T/go.k")" 3 "applications after the soak" || exit 1
for i in 1 2 3; do go "k$i"; done
for i in 1 2 3; do wait "${pids[$((i - 1))]}"; expect_eq $? $((60 + i)) "exit code of service $i" || exit 1; done
