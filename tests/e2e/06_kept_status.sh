# SPDX-License-Identifier: ISC
# An exit that happens while no manager is attached is kept and delivered to
# the next START of the same command; only the START after that launches.
# cost: 1
expect "cmappserver starts" start_server
cmd=$(app b 9)
mgr $cmd & m1=$!
wait_for 5 eval 'test "$(children "app.sh $T/go.b")" = 1' || fail "app not started"
kill -9 $m1; wait $m1 2>/dev/null
go b
wait_for 5 grep -q 'no manager attached, status kept' "$T/server.log" || fail "exit not seen"
mgr $cmd 2>"$T/e"; expect_eq $? 9 "kept exit code"
expect_grep 'had ended' "$T/e"
rm -f "$T/go.b"
mgr $cmd & m3=$!
wait_for 5 eval 'test "$(children "app.sh $T/go.b")" = 1' || fail "third START did not launch afresh"
go b
wait $m3; expect_eq $? 9 "exit code of the fresh run"
