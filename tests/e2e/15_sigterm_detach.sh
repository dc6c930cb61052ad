# SPDX-License-Identifier: ISC
# SIGTERM (the cluster halting the service) detaches cmappmgr, exit 0; the
# application keeps running for the next manager.  SIGINT does the same.
# cost: 1
expect "cmappserver starts" start_server
cmd=$(app s 3)
mgr $cmd 2>"$T/e" & m=$!
wait_for 5 grep -q started "$T/e" || fail "not started"
kill -TERM $m; wait $m; expect_eq $? 0 "cmappmgr's exit code on SIGTERM" "$T/e"
expect_grep "keeps running" "$T/e"
mgr $cmd 2>"$T/i" & m=$!
wait_for 5 grep -q attached "$T/i" || fail "not attached" "$T/i"
kill -INT $m; wait $m; expect_eq $? 0 "cmappmgr's exit code on SIGINT" "$T/i"
expect_grep "on signal 2; it keeps running" "$T/i"
sleep 0.3
expect_eq "$(children "app.sh $T/go.s")" 1 "application after SIGTERM"
go s
mgr $cmd; expect_eq $? 3 "exit code for the next manager"
