# SPDX-License-Identifier: ISC
# A connection cut shorter than the timeout is survived: cmappmgr reconnects
# and re-attaches to the same run, with no second copy.
# cost: 1
expect "cmappserver starts" start_server
cmd=$(app c 8)
mgr -t 10 $cmd 2>"$T/e" & m=$!
wait_for 5 grep -q started "$T/e" || fail "not started"
ss -K dst 127.0.0.1 dport = "$PORT" >/dev/null 2>&1
ss -K src 127.0.0.1 sport = "$PORT" >/dev/null 2>&1
wait_for 5 grep -q "re-attached" "$T/e" || fail "did not re-attach"
expect_eq "$(children "app.sh $T/go.c")" 1 "copies"
go c
wait $m; expect_eq $? 8 "exit code after the cut"
