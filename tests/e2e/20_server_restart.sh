# cmappserver killed -9 and started again within the managers' timeout: ten
# managers carry on, a service that ended meanwhile has its code delivered,
# the others' codes come through later, and nothing leaks.
start_server || exit 1
base_fds=$(ls /proc/$SERVER_PID/fd | wc -l)
pids=()
for i in $(seq 1 10); do
	mgr -t $((10 * SLOW)) $(app "s$i" $((20 + i))) >"$T/o$i" 2>"$T/e$i" & pids+=($!)
done
wait_for $((10 * SLOW)) eval 'test "$(children "app.sh $T/go.s")" = 10' || fail "10 services not running" || exit 1
wait_for $((5 * SLOW)) eval 'test "$(grep -l started "$T"/e* | wc -l)" = 10' || fail "not all managers started" || exit 1
kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
# Service 10 ends while no cmappserver runs.
go s10
sleep 1
expect_eq "$(children "app.sh $T/go.s")" 9 "services running while the server is down" || exit 1
start_server || exit 1
# It binds its port before it adopts the shims: wait for the log line.
wait_for $((5 * SLOW)) grep -q "took over 9 running and 1 ended service" "$T/server.log" || fail "server did not find the services" || { cat "$T/server.log"; exit 1; }
wait "${pids[9]}"; expect_eq $? 30 "code of the service that ended while the server was down" || exit 1
for i in $(seq 1 9); do
	kill -0 "${pids[$((i - 1))]}" 2>/dev/null || fail "manager $i exited during the restart" || { cat "$T/e$i"; exit 1; }
done
expect_eq "$(children "app.sh $T/go.s")" 9 "copies after the restart" || exit 1
for i in $(seq 1 9); do go "s$i"; done
for i in $(seq 1 9); do
	wait "${pids[$((i - 1))]}"; expect_eq $? $((20 + i)) "exit code of manager $i" || { cat "$T/e$i"; exit 1; }
done
expect_grep "app $T/go.s3 done" "$T/o3" || exit 1
grep -q -e "is gone" -e "lost the supervisor" "$T"/e* && { fail "a manager reported a failure"; cat "$T"/e*; exit 1; }
# No leaks: every shim released, the new server back to its idle fds.
wait_for 5 eval 'test "$(pgrep -f "cmapp-shim $T/run" | wc -l)" = 0' || fail "shims left: $(pgrep -af "cmapp-shim $T/run")" || exit 1
wait_for 5 eval 'test "$(ls /proc/$SERVER_PID/fd | wc -l)" = "$base_fds"' || fail "server fds: $(ls /proc/$SERVER_PID/fd | wc -l), $base_fds when idle" || exit 1
expect_eq "$(ls "$T/run" | grep -c sock)" 0 "sockets left in the run directory" || exit 1
