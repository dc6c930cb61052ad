# SPDX-License-Identifier: ISC
# Shims outlive the cmappserver binary that started them: an upgraded
# server adopts the shims of every older link version it knows (here a
# stand-in of version 1, the first), its managers attach and -stop_all
# reaches them, and a shim of a version it does not know is refused with
# a log line, never misread (docs/restart.md).
# cost: 15
mkdir -p -m 700 "$T/run"
"$BIN/tests/oldshim" "$T/run" 00000000000000a1 1 /opt/app/v1 -x 2>"$T/s1.err" & s1=$!
"$BIN/tests/oldshim" "$T/run" 00000000000000a9 99 /opt/app/v99 2>"$T/s9.err" & s9=$!
wait_for 5 test -S "$T/run/00000000000000a1.sock" -a -S "$T/run/00000000000000a9.sock" ||
	fail "the stand-in shims did not listen: $(cat "$T"/s?.err)"
expect "cmappserver starts" start_server
wait_for $((5 * SLOW)) grep -q "found /opt/app/v1 -x (pid $s1, run 00000000000000a1) running" "$T/server.log" ||
	fail "the version 1 shim was not adopted"
expect_grep "cannot adopt the shim of run 00000000000000a9" "$T/server.log"
grep -q "found /opt/app/v99" "$T/server.log" && fail "a shim of link version 99 was adopted"
mgr -t $((5 * SLOW)) /opt/app/v1 -x 2>"$T/e" & m=$!
wait_for $((5 * SLOW)) grep -q "already running on localhost (pid $s1): attached" "$T/e" ||
	fail "the manager did not attach to the adopted service" "$T/e"
"$BIN/cmappserver" -stop_all -rundir "$T/run" >"$T/stop.out" 2>&1
wait $m; expect_eq $? 143 "the manager of the adopted service stopped by -stop_all" "$T/e" "$T/stop.out"
wait_for 5 eval '! kill -0 $s1 2>/dev/null' || fail "the adopted shim was not released"
kill $s9 2>/dev/null
