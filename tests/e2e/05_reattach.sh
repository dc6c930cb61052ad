# SPDX-License-Identifier: ISC
# A manager killed -9 leaves the application running; a new manager with the
# same command attaches to it (one copy only) and gets its exit code.
# cost: 1
expect "cmappserver starts" start_server
cmd=$(app a 7)
mgr $cmd & m1=$!
wait_for 5 eval 'test "$(children "app.sh $T/go.a")" = 1' || fail "app not started"
kill -9 $m1; wait $m1 2>/dev/null
sleep 0.3
expect_eq "$(children "app.sh $T/go.a")" 1 "copies after the manager died"
mgr $cmd >"$T/o" 2>"$T/e" & m2=$!
wait_for 5 grep -q 'already running' "$T/e" || fail "second manager did not attach"
expect_eq "$(children "app.sh $T/go.a")" 1 "copies after the second manager attached"
go a
wait $m2; expect_eq $? 7 "exit code seen by the second manager"
expect_grep "app $T/go.a done" "$T/o"
