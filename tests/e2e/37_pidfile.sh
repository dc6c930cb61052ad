# SPDX-License-Identifier: ISC
# -pidfile in a directory others may write: a symbolic link (or a hard
# link) planted there must not make the daemon truncate the file it leads
# to, and a directory or a FIFO is refused, each with the reason; a
# regular file of our own is written, whatever it held before, and one
# that cannot be created says why.  Three signals at once stop the daemon
# once, cleanly.  A second daemon on the same run directory, or on the
# same pidfile, is told so, and a pidfile is removed only if it is ours;
# a listen name is shown with its address, a loopback one warned about.
# cost: 1
CONF=$KEYS/localhost/cmappserver.conf
# server_with PIDFILE [ARGS...]: cmappserver with -pidfile PIDFILE, in the
# foreground; its stderr in $T/pid.err, its exit status returned.  (With a
# -logfile of its own: detached where syslog cannot be reached, it would
# log to this machine's /var/log/cmappserver.log.)
server_with() {
	local p=$1; shift
	timeout 10 "$BIN/cmappserver" -conf "$CONF" -listen 127.0.0.1 -port "$PORT" \
		-rundir "$T/run" -pidfile "$p" -logfile "$T/guest.log" "$@" >"$T/pid.err" 2>&1
}
refused() {	# PIDFILE WHY [ARGS...]
	local p=$1 why=$2; shift 2
	server_with "$p" "$@"; local r=$?
	expect_eq "$r" 1 "exit status for $p ($why)" "$T/pid.err"
	expect_grep "cannot write pidfile $p: $why" "$T/pid.err"
}

echo "--- a symbolic link to a victim file: refused, the victim unchanged"
printf 'precious\n' >"$T/victim"
ln -s "$T/victim" "$T/link.pid"
refused "$T/link.pid" "it is a symbolic link" -f
expect_eq "$(cat "$T/victim")" precious "victim file"
# Detached, as the boot script starts it: the same refusal, exit 1.
refused "$T/link.pid" "it is a symbolic link"
expect_eq "$(cat "$T/victim")" precious "victim file (detached)"
# A dangling link is not followed to create its target either.
ln -s "$T/created" "$T/dangling.pid"
refused "$T/dangling.pid" "it is a symbolic link" -f
[ ! -e "$T/created" ] || fail "a dangling link's target was created"

echo "--- a hard link to a file of ours: refused"
ln "$T/victim" "$T/hard.pid"
refused "$T/hard.pid" "it has other hard links" -f
expect_eq "$(cat "$T/victim")" precious "victim file (hard link)"

echo "--- a directory, a FIFO: refused"
mkdir "$T/dir.pid"
refused "$T/dir.pid" "it is a directory, not a regular file" -f
mkfifo "$T/fifo.pid"
refused "$T/fifo.pid" "it is not a regular file" -f

if [ "$(id -u)" = 0 ]; then
	echo "--- a file of another user's: refused, not truncated"
	printf 'theirs\n' >"$T/other.pid"
	chown 65534 "$T/other.pid"
	refused "$T/other.pid" "it is owned by uid 65534, not by us (uid 0)" -f
	expect_eq "$(cat "$T/other.pid")" theirs "another user's file"
else
	untested "a pid file of another user's (needs root)"
fi

echo "--- a read-only directory: refused with its own reason"
# (Not "No such file or directory", which a later lstat's errno said.)
mkdir -p "$T/ro"
unshare -m sh -c 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"' \
	"$T/ro" timeout 10 "$BIN/cmappserver" -conf "$CONF" -listen 127.0.0.1 -port "$PORT" \
	-rundir "$T/run" -pidfile "$T/ro/p.pid" -logfile "$T/guest.log" -f >"$T/pid.err" 2>&1
expect_eq $? 1 "exit status for a pid file on a read-only file system" "$T/pid.err"
expect_grep "cannot write pidfile $T/ro/p.pid: Read-only file system" "$T/pid.err"

echo "--- a regular file of ours: written, its old content gone"
printf 'a much longer line than any pid\n' >"$T/ok.pid"
expect "cmappserver starts" start_server -pidfile "$T/ok.pid"
expect_eq "$(cat "$T/ok.pid")" "$SERVER_PID" "pidfile content"
stop_server
[ ! -e "$T/ok.pid" ] || fail "pidfile left after the stop"
echo "--- a new one: created"
expect "cmappserver starts" start_server -pidfile "$T/new.pid"
expect_eq "$(cat "$T/new.pid")" "$SERVER_PID" "new pidfile content"
# Signals that come together (an admin's kill during systemctl stop): one
# stop, a clean end, the pidfile gone; libuv hands them over in one loop
# turn, and a second stop aborted on a handle already closing.
n=$(grep -c "stopping on signal" "$T/server.log")
kill -TERM "$SERVER_PID"; kill -TERM "$SERVER_PID"; kill -INT "$SERVER_PID"
wait "$SERVER_PID"; rc=$?
SERVER_PID=
expect_eq $rc 0 "exit status after SIGTERM, SIGTERM and SIGINT at once" "$T/server.log"
[ ! -e "$T/new.pid" ] || fail "pidfile left after the signals"
expect_eq "$(grep -c "stopping on signal" "$T/server.log")" $((n + 1)) "stops logged for the three signals"

echo "--- a second cmappserver on the same run directory and port: told why"
expect "cmappserver starts" start_server
"$BIN/cmappserver" -f -conf "$CONF" -listen 127.0.0.1 -port "$PORT" -rundir "$T/run" >"$T/second.err" 2>&1
expect_eq $? 1 "exit status of a second cmappserver" "$T/second.err"
expect_grep "another cmappserver runs with the run directory $T/run" "$T/second.err"
stop_server

echo "--- another cmappserver's pidfile: not overwritten, not removed"
# A second daemon with a run directory of its own but the same pidfile
# (the default one, left as it is) would have the init script lose the
# first; nor does a daemon remove a pidfile that names another process.
expect "cmappserver starts" start_server -pidfile "$T/shared.pid"
p2=$(free_port)
"$BIN/cmappserver" -f -conf "$CONF" -listen 127.0.0.1 -port "$p2" -rundir "$T/run2" \
	-pidfile "$T/shared.pid" >"$T/shared.err" 2>&1
expect_eq $? 1 "exit status of a second cmappserver on the same pidfile" "$T/shared.err"
expect_grep "cannot write pidfile $T/shared.pid: cmappserver (pid $SERVER_PID) writes it (give this one -pidfile FILE)" "$T/shared.err"
expect_eq "$(cat "$T/shared.pid")" "$SERVER_PID" "the first one's pidfile"
echo "$$" >"$T/shared.pid"	# as if another daemon had written it
stop_server
expect_eq "$(cat "$T/shared.pid" 2>&1)" "$$" "a pidfile naming another process, after the stop"

echo "--- a listen name: the address shown; a loopback one warned about"
# "localhost" is expected to be loopback; another name that resolves
# there (Debian's /etc/hosts gives the host's name 127.0.1.1) is not.
expect "cmappserver starts on -listen localhost" start_server -listen localhost
expect_grep "listening on localhost (127\.0\.0\.1) port $PORT" "$T/server.log"
expect_no_grep "is the loopback address" "$T/server.log"
stop_server
printf '127.0.1.1 cmapp-e2e-guest\n' >"$T/hosts"
unshare -m sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$T/hosts" \
	timeout 3 "$BIN/cmappserver" -f -conf "$CONF" -listen cmapp-e2e-guest -port "$PORT" \
	-rundir "$T/run" >"$T/name.err" 2>&1
expect_grep "listen cmapp-e2e-guest is the loopback address 127\.0\.1\.1: no VM host can reach it" "$T/name.err"
expect_grep "listening on cmapp-e2e-guest (127\.0\.1\.1) port $PORT" "$T/name.err"
