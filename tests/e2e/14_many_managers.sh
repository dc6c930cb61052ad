# SPDX-License-Identifier: ISC
# Several managers attached to one service are each told when it ends.
# cost: 2
expect "cmappserver starts" start_server
cmd=$(app m 12)
pids=()
for i in 1 2 3; do mgr $cmd 2>"$T/e$i" & pids+=($!); sleep 0.3; done
wait_for 5 eval 'test "$(grep -l -e started -e "already running" "$T"/e[123] | wc -l)" = 3' || fail "not all attached"
expect_eq "$(children "app.sh $T/go.m")" 1 "copies"
go m
for p in "${pids[@]}"; do wait $p; expect_eq $? 12 "exit code of manager $p"; done
