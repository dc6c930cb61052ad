# SPDX-License-Identifier: ISC
# The server restarts without the run (as after a guest reboot): the
# manager reconnects, finds its run gone and fails; it never relaunches.
# cost: 1
expect "cmappserver starts" start_server
cmd=$(app r 0)
mgr -t 10 $cmd 2>"$T/e" & m=$!
wait_for 5 grep -q started "$T/e" || fail "not started"
reboot_guest
expect "cmappserver starts" start_server
wait $m; expect_eq $? 1 "exit code"
expect_grep "is gone, not relaunching it" "$T/e"
expect_eq "$(children "app.sh $T/go.r")" 0 "copies launched by the new server"
