# SPDX-License-Identifier: ISC
# cmappmgr -status and -stop (issue 14): one line and an exit code each.
# -status: 0 "running pid P", 7 "not running", 10 "ended while unwatched:
# exit code N" (asked twice: never collected), 1 "cmappmgr: REASON".
# -stop: of a running service with a watcher attached (the watcher exits
# 0 saying who stopped it, its exit file "stopped by WHO"; -stop says
# "stopped: signal 15"); of one that ignores SIGTERM (-stop_timeout 1:
# "stopped: signal 9", also with a SIGHUP meanwhile); of one whose child
# ignores SIGTERM (SIGKILL reaches it, the answer waits for its end); of
# one that ended on its own leaving such a child, delivered or kept, and
# after a restart of cmappserver during such a wait ("ended earlier",
# once the SIGKILL reached the child); of nothing ("not running"); of a kept status
# ("ended earlier: exit code 5, status collected", and -status then says
# not running); refused by allow_command; unreachable.  Against a guest
# of protocol version 1 (tests/tools/oldserver): -status, -stop and
# -instance say it is too old and exit 1; nothing is started.
# cost: 20
old=$BIN/tests/tools/oldserver
[ -x "$old" ] || fail "no $old: run make first"
# verb NAME WANT-CODE WANT-LINE ARGS...: cmappmgr ARGS prints WANT-LINE
# (a regex) on stdout, or on stderr with exit code 1, and exits WANT-CODE.
verb() {
	local name=$1 code=$2 line=$3 rc
	shift 3
	mgr_cmd "$@" >"$T/$name.out" 2>"$T/$name.err"; rc=$?
	sed "s/^/    $name: /" "$T/$name.out" "$T/$name.err"
	expect_eq "$rc" "$code" "$name: exit code" "$T/$name.out" "$T/$name.err"
	if [ "$code" = 1 ]; then
		expect_grep "^cmappmgr: $line\$" "$T/$name.err" "$name"
	else
		expect_eq "$(wc -l <"$T/$name.out")" 1 "$name: lines on stdout" "$T/$name.out"
		expect_grep "^$line\$" "$T/$name.out" "$name"
	fi
}
conf=$T/server.conf
cp "$KEYS/localhost/cmappserver.conf" "$conf"
printf 'allow_command=%s\nallow_command=/bin/sh\n' "$T/app.sh" >>"$conf"
SERVER_CONF=$conf
expect "cmappserver starts" start_server
cmd=$(app a 3)

echo "=== -status"
verb st_none 7 'not running' -status -service $cmd
mgr_cmd -ready_file "$T/ready" -exit_file "$T/exit" -service $cmd >"$T/w.out" 2>"$T/w.err" & w=$!
expect_wait 5 "watcher ready" test -s "$T/ready"
pid=$(sed 's/^launched pid //' "$T/ready")
verb st_run 0 "running pid $pid" -status -service $cmd
# The same vector as one string, and an instance that does not run.
verb st_one 0 "running pid $pid" -status -service "$cmd"
verb st_inst 7 'not running' -instance other -status -service $cmd

echo "=== -stop of a watched service"
verb stop_run 0 'stopped: signal 15' -stop -service $cmd
wait $w; expect_eq $? 0 "the watcher's exit code after a stop on request" "$T/w.err"
expect_grep "^cmappmgr\[[0-9]*\]: .*app.sh .* stopped on request by cmappmgr [^ ]* at 127.0.0.1:[0-9]*\$" "$T/w.err"
expect_grep '^stopped by cmappmgr [^ ]* at 127.0.0.1:[0-9]*$' "$T/exit"
expect_eq "$(children "app.sh $T/go.a")" 0 "services left after the stop"
verb st_after 7 'not running' -status -service $cmd

echo "=== -stop of what is not running"
verb stop_none 0 'not running' -stop -service $cmd

echo "=== -stop of a service that ignores SIGTERM"
stubborn="trap '' TERM; echo up; while :; do sleep 0.1; done"
mgr_cmd -service /bin/sh -c "$stubborn" >"$T/s.out" 2>"$T/s.err" & s=$!
expect_wait 5 "stubborn service up" grep -q up "$T/s.out"
t0=$(ms)
verb stop_kill 0 'stopped: signal 9' -stop -stop_timeout 1 -service /bin/sh -c "$stubborn"
dt=$(($(ms) - t0))
[ "$dt" -ge 900 ] && [ "$dt" -lt $((6000 * SLOW)) ] || fail "-stop_timeout 1 took $dt ms"
wait $s; expect_eq $? 0 "the stubborn service's watcher after the stop" "$T/s.err"

echo "=== logrotate's SIGHUP (pkill -HUP -x cmappmgr) does not end a -stop"
mgr_cmd -service /bin/sh -c "$stubborn" >"$T/s2.out" 2>"$T/s2.err" & s=$!
expect_wait 5 "stubborn service up again" grep -q up "$T/s2.out"
n=$(grep -c "SIGKILL after 2 s" "$T/server.log")
mgr_cmd -stop -stop_timeout 2 -service /bin/sh -c "$stubborn" >"$T/hup.out" 2>"$T/hup.err" & h=$!
# Sent while it waits for the guest's answer.
expect_wait 5 "the stop asked" eval '[ "$(grep -c "SIGKILL after 2 s" "$T/server.log")" -gt "$n" ]'
kill -HUP $h
wait $h; expect_eq $? 0 "-stop's exit code, SIGHUP sent while it waited" "$T/hup.out" "$T/hup.err"
expect_grep "^stopped: signal 9$" "$T/hup.out"
wait $s; expect_eq $? 0 "the stubborn service's watcher after the stop" "$T/s2.err"

echo "=== -stop of a service whose child ignores SIGTERM"
# The service ends on SIGTERM, a child in its process group does not: the
# stop's SIGKILL reaches the child at -stop_timeout, and -stop answers once
# it is gone (a new start would otherwise run beside it).
grp="( trap '' TERM; exec sleep 30967 ) & echo up; exec sleep 30968"
mgr_cmd -service /bin/sh -c "$grp" >"$T/g.out" 2>"$T/g.err" & g=$!
expect_wait 5 "the service and its child up" eval 'grep -q up "$T/g.out" && pgrep -f "^sleep 30967$" >/dev/null'
child=$(mine "^sleep 30967$")
# The SIGKILL time leaves the second -stop room to come (a sanitized
# cmappmgr on a loaded machine takes seconds to connect).
kt=$((2 * SLOW))
t0=$(ms)
mgr_cmd -stop -stop_timeout "$kt" -service /bin/sh -c "$grp" >"$T/stop_grp.out" 2>"$T/stop_grp.err" & s1=$!
# A second -stop meanwhile (a cmappmgr that lost its connection asks
# again) waits for the same end, not answered early.
# (This service's line: the stubborn one above may have logged its own.)
expect_wait 5 "the first stop held for what the service left" grep -q "exec sleep 30968.* the stop waits for the 1 process it left" "$T/server.log"
verb stop_grp2 0 'stopped: signal 15' -stop -stop_timeout "$kt" -service /bin/sh -c "$grp"
dt=$(($(ms) - t0))
[ "$dt" -ge $((kt * 1000 - 100)) ] || fail "the second -stop answered after $dt ms, before the SIGKILL time ($kt s)"
wait $s1; expect_eq $? 0 "the first -stop's exit code" "$T/stop_grp.out" "$T/stop_grp.err"
expect_grep "^stopped: signal 15$" "$T/stop_grp.out"
# (Gone, or a zombie its new parent has not reaped yet.)
st=$(sed 's/.*) //' "/proc/$child/stat" 2>/dev/null | cut -c1)
[ -z "$st" ] || [ "$st" = Z ] || fail "the child $child that ignores SIGTERM outlived the stop (state $st)"
wait $g; expect_eq $? 0 "the watcher of the stopped service" "$T/g.err"
expect_grep "stopped on request by .*: was killed by signal 15 (Terminated); told 1 manager; the stop waits for the 1 process it left" "$T/server.log"
expect_grep "already stopping on request by .* (the 1 process it left)" "$T/server.log"
expect_grep "the 1 process it left still run after SIGTERM: SIGKILL" "$T/server.log"
expect_grep "the stop on request by .* answered (2 requesters): what it left has ended" "$T/server.log"

echo "=== -stop of a service that ended on its own, its child still running"
# The run's end was delivered (its watcher exited 4) or kept (its watcher
# killed -9): either way a child that ignores SIGTERM is left, and the
# cluster's stop must not answer before the SIGKILL has reached it.
# (2 s to the SIGKILL: no second -stop has to come meanwhile here.)
kt=2
for how in delivered kept; do
	code=4; [ $how = kept ] && code=6
	late="( trap '' TERM; exec sleep 3097$code ) & echo up; while [ ! -e $T/go.late$code ]; do sleep 0.1; done; exit $code"
	mgr_cmd -service /bin/sh -c "$late" >"$T/l$code.out" 2>"$T/l$code.err" & w=$!
	expect_wait 5 "the $how service and its child up" eval 'grep -q up "$T/l$code.out" && pgrep -f "^sleep 3097$code$" >/dev/null'
	child=$(mine "^sleep 3097$code$")
	if [ $how = kept ]; then
		kill -9 $w; wait $w 2>/dev/null
		touch "$T/go.late$code"
		expect_wait 5 "the unwatched service ended" grep -q "exited with code $code and left 1 process" "$T/server.log"
	else
		touch "$T/go.late$code"
		wait $w; expect_eq $? $code "the watcher of the service that ended" "$T/l$code.err"
	fi
	t0=$(ms)
	verb stop_late$code 0 "ended earlier: exit code $code, status collected" -stop -stop_timeout "$kt" -service /bin/sh -c "$late"
	dt=$(($(ms) - t0))
	[ "$dt" -ge $((kt * 1000 - 100)) ] || fail "-stop of the $how run answered after $dt ms, before the SIGKILL time ($kt s)"
	st=$(sed 's/.*) //' "/proc/$child/stat" 2>/dev/null | cut -c1)
	[ -z "$st" ] || [ "$st" = Z ] || fail "the child $child of the $how run outlived the stop (state $st)"
	expect_grep "it had ended (exited with code $code) and left 1 process: SIGTERM, SIGKILL after $kt s" "$T/server.log"
done
# Not "stopped on request": the run ended on its own.
expect_no_grep "stopped on request by .*: exited with code [46]" "$T/server.log" "server log"

echo "=== a restart of cmappserver while a stop waits for what the service left"
# The new server adopts the ended run and its shim, but not the stop: the
# cluster's next -stop must still get the child its SIGKILL.
grp3="( trap '' TERM; exec sleep 30982 ) & echo up; exec sleep 30983"
mgr_cmd -service /bin/sh -c "$grp3" >"$T/r.out" 2>"$T/r.err" & w=$!
expect_wait 5 "the service and its child up" eval 'grep -q up "$T/r.out" && pgrep -f "^sleep 30982$" >/dev/null'
child=$(mine "^sleep 30982$")
mgr_cmd -stop -stop_timeout 600 -service /bin/sh -c "$grp3" >/dev/null 2>&1 & s1=$!
expect_wait 5 "the stop held for what the service left" grep -q "exec sleep 30983.* the stop waits for the 1 process it left" "$T/server.log"
wait $w; expect_eq $? 0 "the watcher of the stopped service" "$T/r.err"
kill -9 $s1; wait $s1 2>/dev/null
stop_server
expect "cmappserver starts again" start_server
expect_wait $((5 * SLOW)) "the ended run adopted with what it left" grep -q "found .*exec sleep 30983.* ended, its status delivered, processes it left still running" "$T/server.log"
# -list shows the delivered run and what it left.
wait_for 5 eval 'mgr_cmd -list 2>&1 | grep -A3 "sleep 30983" | grep -q "left 1 process running"' ||
	{ mgr_cmd -list; fail "-list after the restart does not show what the run left"; }
t0=$(ms)
verb stop_restart 0 "ended earlier: signal 15, status collected" -stop -stop_timeout "$kt" -service /bin/sh -c "$grp3"
dt=$(($(ms) - t0))
[ "$dt" -ge $((kt * 1000 - 100)) ] || fail "-stop after the restart answered after $dt ms, before the SIGKILL time ($kt s)"
st=$(sed 's/.*) //' "/proc/$child/stat" 2>/dev/null | cut -c1)
[ -z "$st" ] || [ "$st" = Z ] || fail "the child $child outlived the stop after the restart (state $st)"

echo "=== a kept status: -status twice, then -stop collects it"
cmd=$(app k 5)
mgr_cmd -service $cmd 2>"$T/k.err" & k=$!
expect_wait 5 "service started" grep -q started "$T/k.err"
kill -9 $k; wait $k 2>/dev/null
go k
expect_wait 5 "the unwatched service ended" eval '[ "$(children "app.sh $T/go.k")" = 0 ]'
verb st_kept 10 'ended while unwatched: exit code 5' -status -service $cmd
verb st_kept2 10 'ended while unwatched: exit code 5' -status -service $cmd
verb stop_kept 0 'ended earlier: exit code 5, status collected' -stop -service $cmd
verb st_collected 7 'not running' -status -service $cmd

echo "=== refused by allow_command, unreachable"
verb stop_denied 1 'cmappserver on localhost refused -stop of /bin/sleep 100: .*' -stop -service /bin/sleep 100
port=$PORT; PORT=$(free_port)
verb st_unreach 1 'Could not connect to the node localhost: .*' -t 1 -status -service $cmd
verb stop_unreach 1 'Could not connect to the node localhost: .*' -t 1 -stop -service $cmd
# A timeout longer than the retries' 2 s backoff: refused attempts must not
# restart it (an agent's start must fail within cmappserver_timeout).
s=$SECONDS
timeout 20 "$BIN/cmappmgr" -node localhost -port "$PORT" -conf "$KEYS/host/cmappmgr.conf" \
	-cmappserver_timeout 4 -status -service $cmd >/dev/null 2>"$T/st4.err"
expect_eq "$?" 1 "-status of an unreachable guest, 4 s timeout: exit code" "$T/st4.err"
echo "    unreachable, -cmappserver_timeout 4: gave up after $((SECONDS - s)) s"
expect "-status gives up within its 4 s (and a second's slack), not later" test $((SECONDS - s)) -le 6
PORT=$port
# A key file that cannot be read: said in the verbs' form, which the
# Pacemaker agent reads (no [PID] in its reason).
sed 's/^keyStorePassword=.*/keyStorePassword=wrong/' "$KEYS/host/cmappmgr.conf" >"$T/badpw.conf"
MGR_CONF=$T/badpw.conf verb st_badpw 1 'cannot read keyStore .*: bad password' -status -service $cmd
MGR_CONF=$T/badpw.conf verb stop_badpw 1 'cannot read keyStore .*: bad password' -stop -service $cmd
end_test

echo "=== a cmappserver of version 1"
PORT=$(free_port)
"$old" -port "$PORT" -key "$KEYS/localhost/server.private" -keypw serverpw \
	-trust "$KEYS/localhost/client.public" -code 9 >"$T/old.out" 2>&1 & oldpid=$!
trap 'kill $oldpid 2>/dev/null; wait $oldpid 2>/dev/null; end_test' EXIT
wait_for $((5 * SLOW)) grep -q '^listening' "$T/old.out" || fail "oldserver did not start" "$T/old.out"
verb old_stop 1 'the cmappserver on localhost speaks protocol version 1; -stop needs 4' -stop -service /bin/true
verb old_status 1 'the cmappserver on localhost speaks protocol version 1; -status needs 4' -status -service /bin/true
mgr_cmd -instance two -exit_file "$T/old_exit" -service /bin/true >"$T/old_i.out" 2>"$T/old_i.err"
expect_eq $? 1 "exit code of -instance against version 1" "$T/old_i.err"
expect_grep 'the cmappserver on localhost speaks protocol version 1; -instance needs 4$' "$T/old_i.err"
expect_grep '^cmappmgr: the cmappserver on localhost speaks protocol version 1; -instance needs 4$' "$T/old_exit"
expect_no_grep 'the old server ran' "$T/old_i.out" "nothing started"
sed 's/^/    oldserver: /' "$T/old.out"
