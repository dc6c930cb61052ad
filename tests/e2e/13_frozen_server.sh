# SPDX-License-Identifier: ISC
# A guest frozen for 2 s under a 10 s timeout is no failure; frozen past the
# timeout it is detected, and once resumed the server serves again: the
# status of the service whose manager gave up goes to the next START of
# it, a new service runs and its code arrives, and the connection of the
# manager that gave up is freed.  A manager that comes while it is frozen
# names the unanswered TLS handshake.
# cost: 7
expect "cmappserver starts" start_server
fds() { ls /proc/"$SERVER_PID"/fd | wc -l; }
fds0=$(fds)
cmd=$(app f 5)
mgr -t 10 $cmd 2>"$T/e1" & m=$!
wait_for 5 grep -q started "$T/e1" || fail "not started"
kill -STOP "$SERVER_PID"; sleep 2; kill -CONT "$SERVER_PID"
sleep 1
kill -0 $m || fail "the manager gave up after a 2 s freeze"
go f
wait $m; expect_eq $? 5 "exit code after the freeze"

cmd=$(app g 4)
mgr -t 3 $cmd 2>"$T/e2" & m=$!
wait_for 5 grep -q started "$T/e2" || fail "not started"
kill -STOP "$SERVER_PID"
start=$SECONDS
wait $m; rc=$?
took=$((SECONDS - start))	# before the -status below, which adds its own 2 s
# A manager that comes meanwhile: the kernel accepts its TCP connection,
# and it says that the TLS handshake is what got no answer, not the
# network.
mgr_cmd -t 2 -status -service $cmd >"$T/s5" 2>&1; rc5=$?
kill -CONT "$SERVER_PID"
expect_eq $rc5 1 "-status while the server is frozen" "$T/s5"
expect_grep "^cmappmgr: Could not connect to the node localhost: its TCP port accepted the connection, but cmappserver did not answer the TLS handshake (is it stopped or overloaded?)$" "$T/s5"
expect_eq $rc 1 "exit code when frozen past the timeout"
[ "$took" -le 6 ] || fail "took $took s to notice"
expect_grep "Lost contact with cmappserver on the node localhost: no answer for 3 s" "$T/e2"
go g

# Resumed: the service ends with no manager attached, its status kept.
wait_for $((5 * SLOW)) grep -q "go.g 4 (pid [0-9]*, run [0-9a-f]*) exited with code 4; no manager attached" "$T/server.log" ||
	fail "the server did not keep the status of the service after the freeze" "$T/server.log"
mgr -t 10 $cmd 2>"$T/e3"; rc=$?
expect_eq $rc 4 "exit code of the next START of it, after the freeze" "$T/e3"
expect_grep "sent the kept status of $T/app.sh $T/go.g 4" "$T/server.log"
# A new service, start to end.
cmd=$(app h 9)
mgr -t 10 $cmd 2>"$T/e4" & m=$!
wait_for $((5 * SLOW)) grep -q started "$T/e4" || fail "a new service did not start after the freeze" "$T/e4"
go h
wait $m; expect_eq $? 9 "exit code of a new service after the freeze" "$T/e4"
# Every connection and shim link is given back, the frozen-out manager's too.
wait_for $((5 * SLOW)) eval '[ "$(fds)" -le "$fds0" ]' ||
	fail "the server holds $(fds) descriptors, $fds0 before: $(ls -l /proc/"$SERVER_PID"/fd | sed -n 's/.*-> //p' | sort | uniq -c | xargs)"
