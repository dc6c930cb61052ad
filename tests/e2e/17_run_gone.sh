# The server restarts without the run (as after a guest reboot): the
# manager reconnects, finds its run gone and fails; it never relaunches.
start_server || exit 1
cmd=$(app r 0)
mgr -t 10 $cmd 2>"$T/e" & m=$!
wait_for 5 grep -q started "$T/e" || fail "not started" || exit 1
reboot_guest
start_server || exit 1
wait $m; expect_eq $? 1 "exit code" || exit 1
expect_grep "is gone, not relaunching it" "$T/e" || exit 1
expect_eq "$(children "app.sh $T/go.r")" 0 "copies launched by the new server" || exit 1
