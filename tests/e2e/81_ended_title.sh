# SPDX-License-Identifier: ISC
# Processes that look like running services (issue 15, item 5): once a
# service has ended, its shim's process title says so in place of the
# command ("/opt/hp/cmappserver/cmapp-shim RUNDIR RUN_ID: app.sh exited 1, status kept"),
# killed by a signal and delivered-with-leftovers too; -stop_all says how
# many exit statuses stay kept, and -stop_all -drop_kept drops them: no
# shim stays, and a cmappserver started afterwards launches the command
# afresh instead of answering with the old status.
# cost: 8
trap 'kill -KILL $(mine "^sleep 3081\$") 2>/dev/null; end_test' EXIT

# title PID: the process title of PID, as ps(1) and pgrep -f read it.
title() { tr '\0' '\n' <"/proc/$1/cmdline"; }
# shim_of GOFILE: the pid of the shim whose service waits for GOFILE.
shim_of() { pgrep -f "cmapp-shim $T/run [0-9a-f]+ -- .* $1( |\$)"; }
runid() { title "$1" | sed -n 3p; }

expect "cmappserver starts" start_server

echo "--- an ended service's shim says so, and no longer shows the command"
cmd=$(app k 1)
mgr $cmd >/dev/null 2>"$T/mk.e" & mk=$!
wait_for 5 grep -q started "$T/mk.e" || fail "app k not started" "$T/mk.e"
sk=$(shim_of "$T/go.k"); [ -n "$sk" ] || fail "no shim for app k: $(pgrep -af cmapp-shim)"
rk=$(runid "$sk")
expect_eq "$(title "$sk" | wc -l)" 7 "words of a running service's shim (its argv)"
kill -TERM $mk; wait $mk
go k
wait_for 5 grep -q "no manager attached, status kept" "$T/server.log" || fail "exit of k not seen" "$T/server.log"
want="$BIN/cmapp-shim $T/run $rk: app.sh exited 1, status kept"
wait_for 5 eval '[ "$(title "$sk")" = "$want" ]' || fail "title of the shim of app k: '$(title "$sk" | cat -A)'"
# One string, no padding: what ps shows is that title alone.
expect_eq "$(ps -o args= -p "$sk")" "$want" "ps of the shim of app k"
pgrep -f "$T/go.k" >/dev/null && fail "pgrep still finds the ended app k: $(pgrep -af "$T/go.k")"

echo "--- killed by a signal while nobody watched"
mgr /bin/sh -c 'echo $$ >"$1"; exec sleep 3080' sh "$T/pid.s" >/dev/null 2>"$T/ms.e" & ms=$!
wait_for 5 test -s "$T/pid.s" || fail "sleep not started" "$T/ms.e"
ss=$(pgrep -f "cmapp-shim $T/run [0-9a-f]+ -- /bin/sh -c .* $T/pid.s")
kill -TERM $ms; wait $ms
kill -KILL "$(cat "$T/pid.s")"
wait_for 5 eval 'title "$ss" | grep -q "^$BIN/cmapp-shim $T/run [0-9a-f]*: sh killed by signal 9, status kept\$"' ||
	fail "title of the shim of the killed service: '$(title "$ss")'"

echo "--- status delivered, with a process left behind: the title says both"
mgr sh -c 'sleep 3081 & exit 3' 2>"$T/ml.e"; expect_eq $? 3 "exit code of the service that leaves a sleep" "$T/ml.e"
wait_for 5 eval '[ -n "$(pgrep -f "^$BIN/cmapp-shim $T/run [0-9a-f]*: sh exited 3, status delivered, 1 process left\$")" ]' ||
	fail "no lingering shim titled so: $(pgrep -af "cmapp-shim $T/run")"

echo "--- -stop_all says how many statuses stay kept"
cmd_r=$(app r 0)
mgr $cmd_r >/dev/null 2>"$T/mr.e" & mr=$!
wait_for 5 grep -q started "$T/mr.e" || fail "app r not started" "$T/mr.e"
kill -TERM $mr; wait $mr	# it runs on, unwatched
"$BIN/cmappserver" -stop_all -rundir "$T/run" >"$T/stop1.out" 2>&1
expect_eq $? 0 "-stop_all exit code" "$T/stop1.out"
# k's, the killed sleep's, and r's, stopped just now (no manager).
expect_grep "^stopping 1 service in $T/run\$" "$T/stop1.out"
expect_grep "^3 exit statuses kept for their managers (-drop_kept drops them)\$" "$T/stop1.out"
expect_grep "^all services stopped\$" "$T/stop1.out"
gone() { [ -z "$(mine "^sleep 3081\$")" ]; }
wait_for 5 gone || fail "-stop_all left the sleep running"
expect_eq "$(pgrep -cf "^$BIN/cmapp-shim $T/run [0-9a-f]*: .*status kept\$")" 3 "shims that keep a status"
# -drop_kept alone is a usage error.
"$BIN/cmappserver" -drop_kept >"$T/o" 2>&1; expect_eq $? 2 "-drop_kept without -stop_all" "$T/o"
expect_grep "^cmappserver: -drop_kept goes with -stop_all\$" "$T/o"

echo "--- -stop_all -drop_kept: no shim stays, and no old status is replayed"
stop_server
"$BIN/cmappserver" -stop_all -drop_kept -rundir "$T/run" >"$T/stop2.out" 2>&1
expect_eq $? 0 "-stop_all -drop_kept exit code" "$T/stop2.out"
expect_grep "^stopping 0 services in $T/run\$" "$T/stop2.out"
expect_grep "^3 exit statuses dropped (-drop_kept)\$" "$T/stop2.out"
expect_eq "$(pgrep -cf "cmapp-shim $T/run")" 0 "shims left after -drop_kept"
"$BIN/cmappserver" -stop_all -rundir "$T/run" >"$T/stop3.out" 2>&1
expect_grep "^no exit status kept\$" "$T/stop3.out"
expect "cmappserver starts again" start_server
rm -f "$T/go.k"
mgr $cmd >/dev/null 2>"$T/mk2.e" & mk=$!
wait_for 5 grep -q "started" "$T/mk2.e" || fail "app k not launched anew" "$T/mk2.e"
grep -q "had ended" "$T/mk2.e" && fail "the dropped status of k was replayed" "$T/mk2.e"
go k
wait $mk; expect_eq $? 1 "exit code of the new run of app k" "$T/mk2.e"
