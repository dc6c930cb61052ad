# SPDX-License-Identifier: ISC
# SIGTERM (the cluster halting the service) detaches cmappmgr; the
# application keeps running for the next manager.
# cost: 1
expect "cmappserver starts" start_server
cmd=$(app s 3)
mgr $cmd 2>"$T/e" & m=$!
wait_for 5 grep -q started "$T/e" || fail "not started"
kill -TERM $m; wait $m
expect_grep "keeps running" "$T/e"
sleep 0.3
expect_eq "$(children "app.sh $T/go.s")" 1 "application after SIGTERM"
go s
mgr $cmd; expect_eq $? 3 "exit code for the next manager"
