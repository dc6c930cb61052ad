# SPDX-License-Identifier: ISC
# cmappserver -stop_all (a guest shutdown script) stops every service,
# SIGKILL for one that ignores SIGTERM; attached managers get 128+signal.
# One of those writes output without pause: -stop_all reads past its big
# and small OUTPUT frames to the EXIT, or it would miss that it needs the
# SIGKILL.
# cost: 11
expect "cmappserver starts" start_server
mgr -t 10 $(app a 0) 2>"$T/e1" & m1=$!
printf '#!/bin/sh\ntrap "" TERM\nwhile :; do sleep 0.1; done\n' >"$T/stubborn.sh"; chmod +x "$T/stubborn.sh"
mgr -t 10 "$T/stubborn.sh" 2>"$T/e2" & m2=$!
printf '#!/bin/sh\ntrap "" TERM\nwhile :; do head -c 40000 /dev/zero; echo small; done\n' >"$T/flood.sh"; chmod +x "$T/flood.sh"
mgr -t 10 "$T/flood.sh" >/dev/null 2>"$T/e3" & m3=$!
wait_for 5 eval 'test "$(grep -l started "$T"/e1 "$T"/e2 "$T"/e3 | wc -l)" = 3' || fail "not started"
"$BIN/cmappserver" -stop_all -rundir "$T/run" >"$T/stop.out" 2>&1; expect_eq $? 0 "-stop_all exit code" "$T/stop.out"
expect_grep "stopping 3 services" "$T/stop.out"
expect_grep "2 services still running after" "$T/stop.out"
expect_eq "$(children "$T/flood.sh")" 0 "flooding services left"
wait $m1; expect_eq $? 143 "manager of the service stopped by SIGTERM"
wait $m2; expect_eq $? 137 "manager of the service that needed SIGKILL"
wait $m3; expect_eq $? 137 "manager of the flooding service that needed SIGKILL"
expect_eq "$(children "$T/stubborn.sh")" 0 "services left"
kill -0 "$SERVER_PID" || fail "cmappserver itself stopped"
