# A monitor's host-log records (what it writes to fd $CMAPP_HOSTLOG_FD in the
# guest) land in the file named by --host_logfile on cmappmgr's own command
# line, and nowhere when the command line names none.
start_server || exit 1
mon='echo "net mon: eth1 down" >&"$CMAPP_HOSTLOG_FD"; echo "to stdout"; printf "no newline" >&3; exit 5'
mgr /bin/sh -c "$mon" sh --host_logfile "$T/host.log" >"$T/o" 2>"$T/e"
expect_eq $? 5 "exit code" || exit 1
expect_eq "$(cat "$T/host.log")" "net mon: eth1 down
no newline" "host log" || exit 1
expect_grep "to stdout" "$T/o" || exit 1
grep -q "]: net mon: eth1 down" "$T/o" "$T/e" && { fail "host-log record also on stdout/stderr"; exit 1; }
# No option: the records are dropped, no file is made anywhere.
mgr /bin/sh -c 'echo "x" >&3; echo "$CMAPP_HOSTLOG_FD" >"'"$T"'/fd"' >/dev/null 2>&1
expect_eq $? 0 "exit code without a host log" || exit 1
expect_eq "$(cat "$T/fd")" 3 "CMAPP_HOSTLOG_FD in the service" || exit 1
expect_eq "$(ls "$T" | grep -c '^host')" 1 "files named host*" || exit 1
