# SPDX-License-Identifier: ISC
# A syslog that stops reading (journald hung on a slow disk, or busy
# restarting) must stop no daemon: glibc's syslog(3) blocks once the
# socket's queue is full, and a cmappserver blocked there let every
# manager's -cmappserver_timeout run out, which fails packages over.
# Each program sends its records without waiting, counts what it could not
# send, and says how many once syslog reads again.  logcatch (tests/lib.sh's
# syslog_capture) stands for syslog; SIGSTOP makes it stop reading.
# cost: 12
syslog_capture
# logcatch goes on at the end, even when a check failed while it stood.
trap 'kill -CONT "$SYSLOG_NS" 2>/dev/null; end_test; syslog_stop' EXIT
# In the valgrind suite, valgrind runs in the namespace too.
SERVER_WRAP="$SYSLOG_WRAP ${SERVER_WRAP:-}" expect "cmappserver starts" start_server
mgr $(app a 5) >/dev/null 2>"$T/a.err" & a=$!
wait_for $((10 * SLOW)) grep -q started "$T/a.err" || fail "service a not started" "$T/a.err"

echo "--- a shim run by hand (no fd 3) is refused, before its syslog socket can pass for the link"
mkdir "$T/hand"
(exec 3>&-; $SYSLOG_WRAP "$BIN/cmapp-shim" "$T/hand" 1a -- /bin/sh -c "echo ran >$T/hand/ran") 2>"$T/hand.err"
expect_eq $? 2 "exit status of cmapp-shim without fd 3" "$T/hand.err"
expect_grep "fd 3 is not open (started by cmappserver, not by hand)" "$T/hand.err"
nap 0.5
expect_eq "$(ls "$T/hand")" "" "files the refused shim made"

echo "--- syslog stops reading; the server goes on serving"
kill -STOP "$SYSLOG_NS"
# Each cycle logs its attach and detach: far more than the socket holds.
timeout $((20 * SLOW)) "$BIN/tests/tools/soak" -port "$PORT" -key "$KEYS/host/client.private" \
	-keypw clientpw -trust "$KEYS/host/server_localhost.public" -n 400 $(app a 5) >"$T/cycles" 2>&1 ||
	fail "attach cycles with syslog stuck failed or hung after $(head -c 200 "$T/cycles") cycles"
expect_eq "$(cat "$T/cycles")" 400 "attach cycles with syslog stuck"
touch "$T/go.a"
wait "$a"
expect_eq $? 5 "exit code of service a, ended with syslog stuck" "$T/a.err"

echo "--- a monitor logging every ping goes on, and stops on SIGTERM"
# (nsenter execs it: $! is the monitor.)
$SYSLOG_WRAP "$BIN/cmapp_net_mon" --lan lo --ip 127.0.0.1 --log_level 2 \
	--polling_interval 1 >/dev/null 2>"$T/mon.err" &
mon=$!
wait_for 10 eval '[ "$(grep -c "reply from" "$T/mon.err")" -ge 2 ]' ||
	fail "the monitor did not ping with syslog stuck" "$T/mon.err"
kill -TERM "$mon"
wait_for 3 eval '! kill -0 '"$mon" || fail "the monitor did not end on SIGTERM with syslog stuck" "$T/mon.err"
wait "$mon"
expect_eq $? 0 "exit status of the monitor stopped by SIGTERM"

echo "--- syslog reads again: the drops are counted, then records flow"
kill -CONT "$SYSLOG_NS"
# logcatch first drains the queue (some 400 records); a record sent before
# it is done could be dropped too.
settled() { local a; a=$(wc -l <"$SYSLOG_OUT"); nap 0.5; [ "$(wc -l <"$SYSLOG_OUT")" = "$a" ]; }
wait_for 10 settled || fail "logcatch still writing after 10 s"
mgr -t 10 /bin/sh -c 'exit 3' >/dev/null 2>&1
expect_eq $? 3 "exit code of a service run once syslog reads again"
wait_for 10 grep -Eq "^daemon\.warning cmappserver\[$SERVER_PID\]: [0-9]+ syslog records? dropped: syslog was not reading" "$SYSLOG_OUT" ||
	fail "no count of the dropped records" "$SYSLOG_OUT"
wait_for 10 grep -q "exited with code 3" "$SYSLOG_OUT" || fail "no record after the count" "$SYSLOG_OUT"
echo "figures: syslog stuck: $(grep -Eo "[0-9]+ syslog records? dropped" "$SYSLOG_OUT" | head -1) by the server, 400 attach cycles served meanwhile"
