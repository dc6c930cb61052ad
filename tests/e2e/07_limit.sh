# SPDX-License-Identifier: ISC
# The 31st service is refused with the limit named; the 30 keep running.
# cost: 4
expect "cmappserver starts" start_server
pids=()
for i in $(seq 1 30); do mgr -t $((10 * SLOW)) $(app "l$i" $((i % 200))) >/dev/null 2>&1 & pids+=($!); done
wait_for 90 eval 'test "$(children "app.sh $T/go.l")" = 30' || fail "30 apps not running: $(children "app.sh $T/go.l")"
mgr $(app l31 0) 2>"$T/e"; expect_eq $? 1 "exit code of the 31st"
expect_grep 'max_processes 30' "$T/e"
expect_eq "$(children "app.sh $T/go.l")" 30 "running after the refusal"
for i in $(seq 1 30); do go "l$i"; done
for i in $(seq 1 30); do wait "${pids[$((i - 1))]}"; expect_eq $? $((i % 200)) "exit code of service $i"; done
