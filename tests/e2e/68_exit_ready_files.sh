# SPDX-License-Identifier: ISC
# -ready_file and -exit_file, what a cluster agent reads instead of log
# text (issue 14): the ready file says "launched pid P" or "attached pid P"
# once the service runs and is watched, and is not written for a kept
# status; the exit file says how cmappmgr ended: "exit N", "signal N",
# "detached", "cmappmgr: REASON" (a failure of cmappmgr's own, also a
# usage error), each one line, written whole (no temporary file left), a
# stale one removed at start; a ready file that cannot be written is a
# usage error before anything is launched.  ("stopped by WHO": 67_mgr_status_stop.sh.)
# cost: 4
# one FILE WANT WHAT: FILE holds exactly the line WANT (a regex).
one() {
	[ -f "$1" ] || fail "$3: no ${1#"$T"/}"
	expect_eq "$(wc -l <"$1")" 1 "$3: lines in ${1#"$T"/}" "$1"
	expect_grep "^$2\$" "$1" "$3"
}
F=$T/files; mkdir -p "$F"
expect "cmappserver starts" start_server

echo "--- launched, then its exit code"
cmd=$(app a 3)
mgr_cmd -ready_file "$F/ready" -exit_file "$F/exit" -service $cmd >"$T/a.out" 2>"$T/a.err" & m=$!
expect_wait 5 "ready file written" test -s "$F/ready"
one "$F/ready" 'launched pid [0-9][0-9]*' "launch"
pid=$(sed 's/^launched pid //' "$F/ready")
expect_eq "$(pgrep -f "app.sh $T/go.a" | grep -cx "$pid")" 1 "the pid in the ready file is the service's"
[ ! -e "$F/exit" ] || fail "exit file written while the service runs" "$F/exit"

echo "--- a second watcher attaches: same pid"
mgr_cmd -ready_file "$F/ready2" -exit_file "$F/exit2" -service $cmd >/dev/null 2>"$T/a2.err" & m2=$!
expect_wait 5 "second ready file written" test -s "$F/ready2"
one "$F/ready2" "attached pid $pid" "attach"
go a
wait $m; expect_eq $? 3 "exit code of the first watcher" "$T/a.err"
wait $m2; expect_eq $? 3 "exit code of the second watcher" "$T/a2.err"
one "$F/exit" 'exit 3' "exit code"
one "$F/exit2" 'exit 3' "exit code, second watcher"

echo "--- a signal"
mgr_cmd -exit_file "$F/exit" -service /bin/sh -c 'kill -9 $$' 2>"$T/s.err"
expect_eq $? 137 "exit code for signal 9" "$T/s.err"
one "$F/exit" 'signal 9' "signal"

echo "--- SIGTERM detaches"
cmd=$(app d 4)
rm -f "$F/ready"	# not the first run's: this one's is waited for
mgr_cmd -ready_file "$F/ready" -exit_file "$F/exit" -service $cmd 2>"$T/d.err" & m=$!
expect_wait 5 "ready file written" grep -q '^launched pid' "$F/ready"
kill -TERM $m; wait $m; expect_eq $? 0 "exit code after SIGTERM" "$T/d.err"
one "$F/exit" 'detached' "detach"

echo "--- the kept status: no ready file (the last one removed), its exit code"
go d
expect_wait 5 "the detached service ended" eval '[ "$(children "app.sh $T/go.d")" = 0 ]'
mgr_cmd -ready_file "$F/ready" -exit_file "$F/exit" -service $cmd 2>"$T/k.err"
expect_eq $? 4 "exit code of the kept status" "$T/k.err"
[ ! -e "$F/ready" ] || fail "ready file written for a kept status (and not removed at start)" "$F/ready"
one "$F/exit" 'exit 4' "kept status"

echo "--- cmappmgr's own failure"
port=$(free_port)
"$BIN/cmappmgr" -node localhost -port "$port" -conf "$KEYS/host/cmappmgr.conf" \
	-cmappserver_timeout 1 -ready_file "$F/ready" -exit_file "$F/exit" -service /bin/true 2>"$T/f.err"
expect_eq $? 1 "exit code without a server" "$T/f.err"
one "$F/exit" 'cmappmgr: Could not connect to the node localhost: .*' "no server"
[ ! -e "$F/ready" ] || fail "ready file written without a server"
mgr_cmd -exit_file "$F/exit" -service /nonexistent/prog 2>"$T/x.err"
expect_eq $? 1 "exit code of a command that cannot start" "$T/x.err"
one "$F/exit" 'cmappmgr: cmappserver on localhost could not start /nonexistent/prog: .*' "exec failure"
mgr_cmd -exit_file "$F/exit" -bogus -service /bin/true 2>"$T/u.err"
expect_eq $? 1 "exit code of a usage error" "$T/u.err"
one "$F/exit" 'cmappmgr: unknown option -bogus' "usage error"
"$BIN/cmappmgr" -node localhost -conf "$T/nonexistent.conf" -exit_file "$F/exit" -service /bin/true 2>"$T/c.err"
expect_eq $? 1 "exit code of a missing conf" "$T/c.err"
one "$F/exit" 'cmappmgr: .*nonexistent.conf.*' "missing conf"

echo "--- written whole: nothing else in the directory"
ls -A "$F" >"$T/ls"
expect_eq "$(tr '\n' ' ' <"$T/ls")" "exit exit2 ready2 " "files in the directory" "$T/ls"
mgr_cmd -exit_file "$T/nodir/exit" -service /bin/true 2>"$T/n.err"
expect_eq $? 0 "an exit file that cannot be written does not change the exit code" "$T/n.err"
expect_grep "cannot write the exit file $T/nodir/exit: No such file or directory" "$T/n.err"
# A ready file that cannot be written is a usage error before anything is
# launched: written once the service runs, its failure had left it
# running unwatched.
cmd=$(app r 0)
mgr_cmd -ready_file "$T/nodir/ready" -exit_file "$F/exit" -service $cmd 2>"$T/r.err"
expect_eq $? 1 "exit code of a ready file that cannot be written" "$T/r.err"
expect_grep "^cmappmgr: -ready_file $T/nodir/ready: cannot write it: No such file or directory$" "$T/r.err"
one "$F/exit" "cmappmgr: -ready_file $T/nodir/ready: cannot write it: No such file or directory" "ready file not writable"
mgr_cmd -t 5 -status -service $cmd >"$T/r.status" 2>&1
expect_eq $? 7 "-status of the service whose ready file could not be written" "$T/r.status"
