# SPDX-License-Identifier: ISC
# A restarted cmappserver whose previous shim does not answer (stopped):
# STARTs wait for it, a manager re-attaching by run id waits for it, and
# when the shim dies at last that manager is told its run is gone (exit 1)
# while the STARTs held meanwhile go on.
# cost: 2
expect "cmappserver starts" start_server
cmd=$(app a 3)
mgr -t $((20 * SLOW)) $cmd 2>"$T/e1" & m1=$!
wait_for $((5 * SLOW)) grep -q "started .* on localhost" "$T/e1" || fail "a not started"
shim=$(pgrep -f "cmapp-shim $T/run .* $T/go.a")
[ -n "$shim" ] || fail "no shim for a"
kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
kill -STOP "$shim"
expect "cmappserver starts" start_server
# The manager re-attaches; another START is held: both wait for the shim.
wait_for $((10 * SLOW)) grep -q "re-attached to run" "$T/server.log" || fail "no re-attach"
mgr -t $((20 * SLOW)) /bin/sh -c 'exit 4' 2>"$T/e2" & m2=$!
sleep 1
kill -0 "$m2" 2>/dev/null || fail "a START went on while a shim had not answered" "$T/e2"
# The shim and its service die without a word.
kill_shim "$shim"
wait_for $((10 * SLOW)) eval '! kill -0 "$m1" 2>/dev/null' ||
	fail "the manager that re-attached was never told its run is gone"
wait "$m1"; expect_eq $? 1 "the manager whose run could not be adopted"
expect_grep "is gone, not relaunching it" "$T/e1"
wait "$m2"; expect_eq $? 4 "the START held during the adoption" "$T/e2"
kill -0 "$SERVER_PID" || fail "cmappserver died"
