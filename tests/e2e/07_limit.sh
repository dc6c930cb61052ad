# The 31st service is refused with the limit named; the 30 keep running.
start_server || exit 1
pids=()
for i in $(seq 1 30); do mgr -t $((10 * SLOW)) $(app "l$i" $((i % 200))) >/dev/null 2>&1 & pids+=($!); done
wait_for 90 eval 'test "$(children "app.sh $T/go.l")" = 30' || fail "30 apps not running: $(children "app.sh $T/go.l")" || exit 1
mgr $(app l31 0) 2>"$T/e"; expect_eq $? 1 "exit code of the 31st" || exit 1
expect_grep 'max_processes 30' "$T/e" || exit 1
expect_eq "$(children "app.sh $T/go.l")" 30 "running after the refusal" || exit 1
for i in $(seq 1 30); do go "l$i"; done
for i in $(seq 1 30); do wait "${pids[$((i - 1))]}"; expect_eq $? $((i % 200)) "exit code of service $i" || exit 1; done
