# The host log's disk is full (/dev/full answers every write with ENOSPC):
# cmappmgr says so once, drops the records, and the monitoring goes on to
# deliver the exit code.
start_server || exit 1
mon='for i in 1 2 3 4 5; do echo "record $i" >&3; echo "line $i"; done; exit 6'
mgr /bin/sh -c "$mon" sh --host_logfile /dev/full >"$T/o" 2>"$T/e"
expect_eq $? 6 "exit code with a full host-log disk" || exit 1
expect_eq "$(grep -c 'cannot write the host log /dev/full' "$T/e")" 1 "warnings about the full disk" || { cat "$T/e"; exit 1; }
expect_eq "$(grep -c ']: line' "$T/o")" 5 "service output lines" || exit 1
