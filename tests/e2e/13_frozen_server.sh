# A guest frozen for 2 s under a 10 s timeout is no failure; frozen past the
# timeout it is detected.
start_server || exit 1
cmd=$(app f 5)
mgr -t 10 $cmd 2>"$T/e1" & m=$!
wait_for 5 grep -q started "$T/e1" || fail "not started" || exit 1
kill -STOP "$SERVER_PID"; sleep 2; kill -CONT "$SERVER_PID"
sleep 1
kill -0 $m || fail "the manager gave up after a 2 s freeze" || exit 1
go f
wait $m; expect_eq $? 5 "exit code after the freeze" || exit 1

cmd=$(app g 0)
mgr -t 3 $cmd 2>"$T/e2" & m=$!
wait_for 5 grep -q started "$T/e2" || fail "not started" || exit 1
kill -STOP "$SERVER_PID"
start=$SECONDS
wait $m; rc=$?
kill -CONT "$SERVER_PID"
expect_eq $rc 1 "exit code when frozen past the timeout" || exit 1
[ $((SECONDS - start)) -le 6 ] || fail "took $((SECONDS - start)) s to notice" || exit 1
expect_grep "Lost contact with cmappserver on the node localhost: no answer for 3 s" "$T/e2" || exit 1
go g
