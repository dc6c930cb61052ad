# SPDX-License-Identifier: ISC
# A monitor's host-log records (what it writes to fd $CMAPP_HOSTLOG_FD in the
# guest) land in the file named by --host_logfile on cmappmgr's own command
# line, and nowhere when the command line names none; control characters
# the guest sends are written as vis.c's escapes (\033).  SIGHUP
# (logrotate's) makes cmappmgr reopen the file, and does not end it.
# cost: 1
expect "cmappserver starts" start_server
mon='echo "net mon: eth1 down" >&"$CMAPP_HOSTLOG_FD"; echo "to stdout"; printf "no newline" >&3; exit 5'
mgr /bin/sh -c "$mon" sh --host_logfile "$T/host.log" >"$T/o" 2>"$T/e"
expect_eq $? 5 "exit code"
expect_eq "$(cat "$T/host.log")" "net mon: eth1 down
no newline" "host log"
expect_grep "to stdout" "$T/o"
grep -q "]: net mon: eth1 down" "$T/o" "$T/e" && fail "host-log record also on stdout/stderr"
# No option: the records are dropped, no file is made anywhere.
mgr /bin/sh -c 'echo "x" >&3; echo "$CMAPP_HOSTLOG_FD" >"'"$T"'/fd"' >/dev/null 2>&1
expect_eq $? 0 "exit code without a host log"
expect_eq "$(cat "$T/fd")" 3 "CMAPP_HOSTLOG_FD in the service"
expect_eq "$(ls "$T" | grep -c '^host')" 1 "files named host*"

echo "--- control characters from the guest are written as escapes"
mgr /bin/sh -c 'printf "red \033[31m bell \007 cr \r tab \t end\n" >&3' sh \
	--host_logfile "$T/ctl.log" >/dev/null 2>&1
expect_eq $? 0 "exit code"
expect_eq "$(cat "$T/ctl.log")" 'red \033[31m bell \007 cr \r tab 	 end' "host log with control characters"

echo "--- SIGHUP after logrotate's mv: a new file; cmappmgr goes on"
# A record every 0.1 s until the go file.
mon='i=0; while [ ! -e "$1" ]; do echo "rec $i" >&3; i=$((i + 1)); sleep 0.1; done; exit 7'
mgr /bin/sh -c "$mon" sh "$T/go.hup" --host_logfile "$T/rot.log" >"$T/hup.out" 2>"$T/hup.err" & m=$!
wait_for 10 grep -q "rec 2" "$T/rot.log" || fail "no records"
mv "$T/rot.log" "$T/rot.log.1"
kill -HUP $m
wait_for 10 grep -q "rec" "$T/rot.log" || fail "no new file after SIGHUP" "$T/hup.err"
kill -0 $m 2>/dev/null || fail "SIGHUP ended cmappmgr" "$T/hup.err"
expect_grep "SIGHUP: reopened the host log $T/rot.log" "$T/hup.err"
# Nothing lost nor written twice across the two files.
cat "$T/rot.log.1" "$T/rot.log" | sed 's/rec //' >"$T/seq"
expect_eq "$(head -1 "$T/seq")" 0 "first record"
awk 'NR > 1 && $1 != prev + 1 { bad = 1 } { prev = $1 } END { exit bad }' "$T/seq" ||
	fail "records lost or repeated across the rotation" "$T/seq"

echo "--- a host log whose directory appears later: picked up on SIGHUP"
mv "$T/rot.log" "$T/rot.log.2"
rmdir "$T/later" 2>/dev/null
mgr /bin/sh -c "$mon" sh "$T/go.later" --host_logfile "$T/later/h.log" >/dev/null 2>"$T/later.err" & m2=$!
wait_for 10 grep -q "cannot open the host log $T/later/h.log: the directory $T/later does not exist; its records are dropped, and it is tried again every 60 s and on SIGHUP" "$T/later.err" ||
	fail "no warning about the missing directory" "$T/later.err"
mkdir "$T/later"
kill -HUP $m2
wait_for 10 grep -q "rec" "$T/later/h.log" || fail "not picked up after SIGHUP" "$T/later.err"
expect_grep "SIGHUP: reopened the host log $T/later/h.log ([1-9][0-9]* records lost before)" "$T/later.err"
touch "$T/go.hup" "$T/go.later"
wait $m; expect_eq $? 7 "exit code of the service rotated under"
wait $m2; expect_eq $? 7 "exit code of the service whose log came later"
