# SPDX-License-Identifier: ISC
# A guest with no syslog daemon (issue 15, item 3): where /dev/log cannot
# be reached, cmappserver logs to a file in syslog's place, -logfile's,
# else the conf's log_file, else /var/log/cmappserver.log once detached,
# and says so once on stderr at start; in the foreground without a file it
# says that stderr alone has the messages.  A file named by the admin that
# cannot be opened stops the start; SIGHUP opens the file again (logrotate).
# Where syslog is reachable, nothing of this happens.
# The guest without syslog is a private mount namespace (unshare -m) where
# an empty file is bound over /dev/log and a tmpfs over /var/log: this
# machine's own are untouched.
# cost: 6
unshare -m --propagation private true 2>/dev/null || { echo "no mount namespace"; exit 77; }
[ -d /var/log ] || { echo "no /var/log to mount a tmpfs on"; exit 77; }

# $T/nosyslog.sh COMMAND...: COMMAND (exec'd: the same pid) in a mount
# namespace of its own without syslog and with an empty /var/log.
cat >"$T/nosyslog.sh" <<'EOS'
#!/bin/bash
if [ -e /dev/log ] || [ -L /dev/log ]; then
	: >"$T/not-a-socket" && mount --bind "$T/not-a-socket" /dev/log || exit 99
fi
mount -t tmpfs -o size=1m,mode=0755 cmapp-varlog /var/log || exit 99
exec "$@"
EOS
chmod +x "$T/nosyslog.sh"
nosyslog() { unshare -m --propagation private "$T/nosyslog.sh" "$@"; }
# The real /var/log/cmappserver.log gets nothing of the test's server.  Not
# "unchanged": 90_packages' installed cmappserver may log there meanwhile.
# Only what it got since the test began: an old line may bear the pid.
real_log=/var/log/cmappserver.log
real_start=$(stat -c %s "$real_log" 2>/dev/null || echo 0)
real_ours() {
	local from=$((real_start + 1))
	# Rotated or truncated meanwhile: all of it is new.
	[ "$(stat -c %s "$real_log" 2>/dev/null || echo 0)" -ge "$real_start" ] || from=1
	tail -c "+$from" "$real_log" 2>/dev/null | grep -E "cmappserver\[$dpid\]: |port $PORT( |\$)"
}

NOTICE='syslog (/dev/log) cannot be reached'
STAMP='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{4} cmappserver\[[0-9]+\]: '

echo "--- detached, nothing named: /var/log/cmappserver.log, said once on stderr"
nosyslog "$BIN/cmappserver" -conf "$KEYS/localhost/cmappserver.conf" -listen 127.0.0.1 \
	-port "$PORT" -rundir "$T/run" -pidfile "$T/d.pid" >"$T/d.out" 2>"$T/d.err"
expect_eq $? 0 "exit code of the detaching start" "$T/d.err"
dpid=$(cat "$T/d.pid")
trap 'kill "$dpid" 2>/dev/null; end_test' EXIT
expect_eq "$(grep -c "$NOTICE" "$T/d.err")" 1 "notices on stderr" "$T/d.err"
expect_grep "^cmappserver\[[0-9]*\]: $NOTICE: logging to /var/log/cmappserver.log\$" "$T/d.err"
wait_for 5 listening "$PORT" || fail "the detached cmappserver does not listen"
mgr /bin/sh -c 'exit 5' 2>"$T/m.e"; expect_eq $? 5 "exit code of a service" "$T/m.e"
guestlog() { nsenter -t "$dpid" -m cat /var/log/cmappserver.log; }
wait_for 5 eval 'guestlog | grep -q "exited with code 5"' || fail "no exit report in the log file: $(guestlog)"
guestlog >"$T/d.log"
# Said before detaching: by the process that started, whose pid it was.
expect_grep "cmappserver\[[0-9]*\]: $NOTICE: logging to /var/log/cmappserver.log\$" "$T/d.log"
expect_grep "cmappserver\[$dpid\]: cmappserver [0-9.]* listening on 127.0.0.1 port $PORT" "$T/d.log"
expect_grep "cmappserver\[$dpid\]: launched /bin/sh -c 'exit 5' for manager 127.0.0.1:" "$T/d.log"
grep -Evq "$STAMP" "$T/d.log" && fail "a line of the log file without its time and ident" "$T/d.log"
expect_eq "$(nsenter -t "$dpid" -m stat -c '%a' /var/log/cmappserver.log)" 640 "mode of the log file"
kill -TERM "$dpid"
wait_for 5 eval '! kill -0 "$dpid"' || fail "cmappserver did not stop"
[ -z "$(real_ours)" ] || fail "this machine's /var/log/cmappserver.log has the test server's lines: $(real_ours | head -3)"

echo "--- -f and -logfile: stderr and the file; SIGHUP opens it again"
nosyslog true || { echo "cannot bind over /dev/log or mount a tmpfs on /var/log"; exit 77; }
WRAP="unshare -m --propagation private $T/nosyslog.sh ${SERVER_WRAP:-}"
cd "$T" || fail "cannot cd to $T"
SERVER_WRAP=$WRAP expect "cmappserver starts" start_server -logfile guest.log
expect_eq "$(grep -c "$NOTICE" "$T/server.log")" 1 "notices on stderr" "$T/server.log"
# Made absolute against where it was started: the daemon runs in "/".
expect_grep "^cmappserver\[$SERVER_PID\]: $NOTICE: logging to $T/guest.log\$" "$T/server.log"
grep -F "$NOTICE: logging to $T/guest.log" "$T/guest.log" | grep -Eq "${STAMP}syslog" ||
	fail "no notice in the log file" "$T/guest.log"
# Rotated away (logrotate's create): SIGHUP, and the new file has what follows.
mv guest.log guest.log.1
kill -HUP "$SERVER_PID"
wait_for 5 grep -Eq "${STAMP}reloaded conf" "$T/guest.log" || fail "no reload in the reopened log file" "$T/guest.log.1"
expect_no_grep "reloaded conf" "$T/guest.log.1" "the rotated file"
# A symbolic link put in its place is not followed: the open file goes on.
mv guest.log guest.log.2 && ln -s /dev/null guest.log
kill -HUP "$SERVER_PID"
wait_for 5 eval '[ "$(grep -c "reloaded conf" "$T/guest.log.2")" = 2 ]' || fail "no second reload logged" "$T/guest.log.2"
expect_grep "cannot open the log file again: Too many levels of symbolic links; still writing to the one open" "$T/guest.log.2"
rm -f guest.log
stop_server

echo "--- the conf's log_file, and -logfile over it"
cp "$KEYS/localhost/cmappserver.conf" "$T/srv.conf"
echo "log_file=$T/conf.log" >>"$T/srv.conf"
SERVER_WRAP=$WRAP SERVER_CONF=$T/srv.conf expect "cmappserver starts" start_server
expect_grep "$NOTICE: logging to $T/conf.log\$" "$T/server.log"
expect_grep "listening on" "$T/conf.log"
stop_server
SERVER_WRAP=$WRAP SERVER_CONF=$T/srv.conf expect "cmappserver starts" start_server -logfile "$T/opt.log"
expect_grep "$NOTICE: logging to $T/opt.log\$" "$T/server.log"
[ "$(grep -c listening "$T/conf.log")" = 1 ] || fail "the conf's log_file was written despite -logfile" "$T/conf.log"
stop_server

echo "--- a file named that cannot be opened stops the start"
nosyslog "$BIN/cmappserver" -f -conf "$KEYS/localhost/cmappserver.conf" -listen 127.0.0.1 \
	-port "$PORT" -rundir "$T/run" -logfile "$T/no/such/dir.log" >"$T/n.out" 2>"$T/n.err"
expect_eq $? 1 "exit code with a log file that cannot be opened" "$T/n.err"
expect_grep "$NOTICE, and the log file $T/no/such/dir.log cannot be opened: No such file or directory\$" "$T/n.err"

echo "--- in the foreground without a file: stderr alone, said so"
: >"$T/server.log"
SERVER_WRAP=$WRAP expect "cmappserver starts" start_server
expect_eq "$(grep -c "$NOTICE" "$T/server.log")" 1 "notices on stderr" "$T/server.log"
expect_grep "$NOTICE: messages go to stderr only (-logfile FILE or log_file= in the conf names a file for them)\$" "$T/server.log"
stop_server

echo "--- where syslog is reachable: syslog, no file, no notice"
syslog_capture
: >"$T/server.log"
SERVER_WRAP=$SYSLOG_WRAP expect "cmappserver starts" start_server -logfile "$T/never.log"
wait_for 5 grep -q "cmappserver\[$SERVER_PID\]: cmappserver [0-9.]* listening" "$SYSLOG_OUT" ||
	fail "nothing in syslog" "$SYSLOG_OUT"
expect_no_grep "$NOTICE" "$T/server.log"
[ ! -e "$T/never.log" ] || fail "a log file where syslog is reachable" "$T/never.log"
stop_server
syslog_stop
true
