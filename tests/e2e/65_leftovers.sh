# SPDX-License-Identifier: ISC
# What a service leaves behind when its main process ends (issue 13, item
# 5): children still in its process group are counted in the server's log
# and in -list, and -stop_all stops them; where cgroup v2 is writable, a
# child that left the group (setsid) is caught by the service's cgroup,
# and one that left the cgroup but not the group by the group.
# The sleeps are told apart by their durations; the trap kills any that a
# failure leaves (the runner would not see them: they are in the
# service's session, reparented to init, not naming $WORK).
# cost: 16
gone() { [ -z "$(mine "^sleep $1\$")" ]; }
trap 'kill -KILL $(mine "^sleep 306[5-9]\$") 2>/dev/null; end_test' EXIT
list() {
	"$BIN/cmappmgr" -node localhost -port "$PORT" \
		-conf "$KEYS/host/cmappmgr.conf" -cmappserver_timeout 10 -list
}
expect "cmappserver starts" start_server
mgr -t 10 sh -c 'sleep 3065 & sleep 3065 & exit 3' 2>"$T/e1"; rc=$?
expect_eq $rc 3 "exit code of the service" "$T/e1"
expect_eq "$(mine '^sleep 3065$' | wc -l)" 2 "sleeps it left running"
wait_for 5 grep -q "ended with code 3\|exited with code 3 and left" "$T/server.log"
expect_grep "(sh) exited with code 3 and left 2 processes in its process group" "$T/server.log"
# The status is delivered, and the shim stays as their handle (its title
# no longer names the command: it is found by its run id).
run1=$(grep -o 'run [0-9a-f]* (sh) exited with code 3' "$T/server.log" | cut -d' ' -f2)
handle() { pgrep -cf "cmapp-shim $T/run $1: "; }
wait_for 5 eval '[ "$(handle "$run1")" = 1 ]' || fail "no lingering shim of run $run1"
wait_for 5 grep -q "left 2 processes running in its" <(list) ||
	{ list; fail "-list does not show the processes left"; }
list >"$T/list"; expect_grep "delivered" "$T/list"
"$BIN/cmappserver" -stop_all -rundir "$T/run" >"$T/stop.out" 2>&1
expect_eq $? 0 "-stop_all exit code" "$T/stop.out"
wait_for 5 gone 3065 || fail "-stop_all left the sleeps running"
# The server hears that they ended, and the shim goes.
wait_for 5 grep -q "the processes it left have ended" "$T/server.log" ||
	fail "the server did not hear that they ended"
wait_for 5 eval '[ "$(handle "$run1")" = 0 ]' || fail "the lingering shim did not go"
list >"$T/list"; grep -q "left 2" "$T/list" && fail "-list still shows them" "$T/list"

# A -stop of a delivered run: what it left gets SIGTERM, and the answer
# ("ended earlier", not "not running" while they ran) waits for their end.
mgr -t 10 sh -c 'sleep 3067 & exit 5' 2>"$T/e3"; expect_eq $? 5 "exit code of the third service" "$T/e3"
expect_eq "$(mine '^sleep 3067$' | wc -l)" 1 "the sleep the third service left"
mgr_cmd -stop -service sh -c 'sleep 3067 & exit 5' >"$T/stop3.out" 2>&1
expect_eq $? 0 "-stop of a delivered run: exit code" "$T/stop3.out"
expect_grep "^ended earlier: exit code 5, status collected\$" "$T/stop3.out"
gone 3067 || fail "-stop of the delivered run answered before its sleep ended"
# Nothing left now: a -stop finds it not running.
mgr_cmd -stop -service sh -c 'sleep 3067 & exit 5' >"$T/stop4.out" 2>&1
expect_eq $? 0 "a second -stop: exit code" "$T/stop4.out"
expect_grep "^not running\$" "$T/stop4.out"

# With a cgroup per service, a child that made a session of its own is
# caught too.
if ! grep -q "services get a cgroup of their own" "$T/server.log"; then
	echo "cgroup part skipped: $(grep -o 'no cgroup for services ([^)]*)' "$T/server.log") (/sys/fs/cgroup is $(stat -fc %T /sys/fs/cgroup))"
	exit 77
fi
mgr -t 10 sh -c 'setsid sleep 3066 & sleep 0.2; exit 4' 2>"$T/e2"; rc=$?
expect_eq $rc 4 "exit code of the service whose child left its group" "$T/e2"
expect_eq "$(mine '^sleep 3066$' | wc -l)" 1 "the setsid sleep runs"
expect_grep "(sh) exited with code 4 and left 1 process in its process group [0-9]* and cgroup" "$T/server.log"
run=$(grep -o 'run [0-9a-f]* (sh) exited with code 4' "$T/server.log" | cut -d' ' -f2)
cg=$(ls -d /sys/fs/cgroup/cmapp-run-$run /sys/fs/cgroup/unified/cmapp-run-$run 2>/dev/null | head -1)
[ -n "$cg" ] || fail "no cgroup cmapp-run-$run"
"$BIN/cmappserver" -stop_all -rundir "$T/run" >"$T/stop2.out" 2>&1
expect_eq $? 0 "-stop_all exit code" "$T/stop2.out"
wait_for 5 gone 3066 || fail "-stop_all left the setsid sleep running"
wait_for 5 eval '[ "$(handle "$run")" = 0 ]' || fail "the lingering shim did not go"
wait_for 5 eval '[ ! -d "$cg" ]' || fail "its cgroup $cg was not removed"

# A member of its group that moved to another cgroup (as systemd-run
# --scope moves one) is counted, and stopped, through the group.
root=/sys/fs/cgroup/unified
[ -f "$root/cgroup.procs" ] || root=/sys/fs/cgroup
mgr -t 10 sh -c "sleep 3065 & echo \$! >$T/esc.pid; while [ ! -e $T/esc.go ]; do sleep 0.1; done; exit 6" 2>"$T/e7" & m7=$!
wait_for 5 test -s "$T/esc.pid" || fail "the service did not start its sleep" "$T/e7"
p=$(cat "$T/esc.pid")
echo "$p" >"$root/cgroup.procs" || fail "cannot move sleep $p to $root"
grep -q "cmapp-run-" "/proc/$p/cgroup" && fail "sleep $p is still in the service's cgroup" "/proc/$p/cgroup"
touch "$T/esc.go"
wait $m7; expect_eq $? 6 "exit code of the service whose child left its cgroup" "$T/e7"
expect_grep "(sh) exited with code 6 and left 1 process in its process group [0-9]* and cgroup" "$T/server.log"
"$BIN/cmappserver" -stop_all -rundir "$T/run" >"$T/stop7.out" 2>&1
expect_eq $? 0 "-stop_all exit code" "$T/stop7.out"
wait_for 5 gone 3065 || { kill "$p" 2>/dev/null; fail "-stop_all left running the sleep that moved to another cgroup" "$T/stop7.out"; }

# A shim killed -9 (the OOM killer) cannot remove its service's cgroup:
# the server does once it finds the shim dead, as it runs or at its
# next start, or says why the cgroup stays.
mgr -t 30 sleep 3068 2>"$T/e5" & m5=$!
mgr -t 30 sleep 3069 2>"$T/e6" & m6=$!
wait_for 10 eval 'grep -q started "$T/e5" && grep -q started "$T/e6"' ||
	fail "the two sleeps did not start" "$T/e5" "$T/e6"
for s in 3068 3069; do
	shim=$(pgrep -f "cmapp-shim $T/run [0-9a-f]* -- sleep $s\$")
	[ -n "$shim" ] || fail "no shim of sleep $s"
	eval "shim$s=$shim run$s=$(ps -o args= -p "$shim" | cut -d' ' -f3)"
done
cg=$(dirname "$cg")
# As it runs: the shim and its service die at once.
kill_shim "$shim3069"
wait $m6; expect_eq $? 1 "the manager of the killed shim's service" "$T/e6"
expect_grep "lost the supervisor of sleep 3069" "$T/e6"
expect_grep "removing $T/run/$run3069.sock: its shim is gone" "$T/server.log"
# (Tried again for 2 s: the service may still be exiting.)
wait_for 5 eval '[ ! -d "$cg/cmapp-run-$run3069" ]' ||
	fail "the cgroup of the killed shim whose service ended stays" "$T/server.log"
expect_no_grep "run $run3069: its shim is gone, but" "$T/server.log"
# At its next start: the server was killed too, the service runs on.
kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
kill -9 "$shim3068"
expect "cmappserver starts again" start_server
expect_grep "removing $T/run/$run3068.sock: its shim is gone" "$T/server.log"
# (Said once it is still busy 2 s later.)
expect_wait 10 "the warning that the cgroup of the service still running stays" \
	grep -q "run $run3068: its shim is gone, but its cgroup $cg/cmapp-run-$run3068 stays: processes still run there" "$T/server.log"
kill $(mine "^sleep 3068\$")
wait_for 5 gone 3068 || fail "sleep 3068 did not end"
rmdir "$cg/cmapp-run-$run3068" || fail "cannot remove $cg/cmapp-run-$run3068"
wait $m5; expect_eq $? 1 "the manager whose run was not adopted" "$T/e5"
