# SPDX-License-Identifier: ISC
# A connection cut shorter than the timeout is survived: cmappmgr reconnects
# and re-attaches to the same run, with no second copy.  A watcher whose
# link is down while -stop runs re-attaches and exits 0, saying who
# stopped it, as an attached one does.
# cost: 1
# cut: both ends of every connection to the server, as a network cut.
cut() {
	ss -K dst 127.0.0.1 dport = "$PORT" >/dev/null 2>&1
	ss -K src 127.0.0.1 sport = "$PORT" >/dev/null 2>&1
}
expect "cmappserver starts" start_server
cmd=$(app c 8)
mgr -t 10 $cmd 2>"$T/e" & m=$!
wait_for 5 grep -q started "$T/e" || fail "not started"
cut
wait_for 5 grep -q "re-attached" "$T/e" || fail "did not re-attach"
expect_eq "$(children "app.sh $T/go.c")" 1 "copies"
go c
wait $m; expect_eq $? 8 "exit code after the cut"

echo "--- a watcher whose link is down while -stop runs hears who stopped it"
cmd=$(app d 0)
mgr_cmd -exit_file "$T/exit" -service $cmd 2>"$T/e2" & m=$!
wait_for 5 grep -q started "$T/e2" || fail "not started"
kill -STOP $m
cut
mgr_cmd -stop -service $cmd >"$T/stop" 2>&1; expect_eq $? 0 "-stop" "$T/stop"
expect_grep '^stopped: signal 15$' "$T/stop"
kill -CONT $m
wait $m; expect_eq $? 0 "the watcher's exit code after the stop, re-attached" "$T/e2"
expect_grep "re-attached" "$T/e2"
expect_grep "stopped on request by cmappmgr " "$T/e2"
expect_grep '^stopped by cmappmgr [^ ]* at 127.0.0.1:[0-9]*$' "$T/exit"
