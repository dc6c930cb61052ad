# SPDX-License-Identifier: ISC
# A status counts as delivered only once a manager acknowledges its EXIT.
# A manager that was frozen when its service ended and then killed -9 (the
# EXIT was queued for it, never read) leaves the status kept: the next
# START of the command gets it, and only the START after that launches.
# The same when cmappserver itself is killed -9 in that window.
# cost: 2
expect "cmappserver starts" start_server
cmd=$(app k 11)
mgr $cmd 2>"$T/e1" & m1=$!
wait_for 5 grep -q started "$T/e1" || fail "k not started"
kill -STOP $m1
go k
wait_for 5 grep -q "exited with code 11; told 1 manager" "$T/server.log" || fail "exit not pushed"
sleep 0.2
kill -9 $m1; wait $m1 2>/dev/null
mgr $cmd 2>"$T/e2"; expect_eq $? 11 "the status the killed manager never read" "$T/e2"
expect_grep 'had ended' "$T/e2"
rm -f "$T/go.k"
mgr $cmd 2>"$T/e3" & m3=$!
wait_for 5 eval 'test "$(children "app.sh $T/go.k")" = 1' || fail "the START after did not launch afresh"
go k
wait $m3; expect_eq $? 11 "exit code of the fresh run"

# The server killed -9 after pushing the EXIT, before the frozen manager
# read it: the shim still has the status for the next server.
cmd=$(app r 12)
mgr -t $((10 * SLOW)) $cmd 2>"$T/e4" & m4=$!
wait_for 5 grep -q started "$T/e4" || fail "r not started"
kill -STOP $m4
go r
wait_for 5 grep -q "exited with code 12; told 1 manager" "$T/server.log" || fail "exit of r not pushed"
kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
kill -9 $m4; wait $m4 2>/dev/null
expect "cmappserver starts" start_server
wait_for $((5 * SLOW)) grep -q "took over 0 running and 1 ended service" "$T/server.log" || fail "status of r not taken over"
mgr $cmd 2>"$T/e5"; expect_eq $? 12 "the status across a server restart" "$T/e5"
# Delivered now: the shim is released and goes.
wait_for 5 eval 'test "$(pgrep -f "cmapp-shim $T/run" | wc -l)" = 0' || fail "shims left: $(pgrep -af "cmapp-shim $T/run")"

# A manager exits only once the server closed after its EXIT_ACK, so the
# ACK was read: the next START of the same command, straight after (a
# cluster restarting the service), launches afresh every time and never
# gets the old status again.
for i in $(seq 1 30); do
	mgr /bin/sh -c 'exit 5' 2>"$T/e6"; rc=$?
	expect_eq $rc 5 "run $i of a service restarted at once" "$T/e6"
	expect_grep "started /bin/sh -c 'exit 5' on localhost" "$T/e6"
done
expect_eq "$(grep -c "sent the kept status of /bin/sh -c 'exit 5'" "$T/server.log")" 0 "old statuses sent again"
