# SPDX-License-Identifier: ISC
# What goes to syslog, as an admin reading /var/log/syslog (or the journal)
# would find it: each program's own ident, facility daemon, and a failure
# at err.  The records are caught by tests/lib.sh's syslog_capture, which
# runs the programs with a socket of its own over /dev/log.
# cost: 1
syslog_capture

# syslogged PATTERN: a record of $SYSLOG_OUT matches the extended regular
# expression PATTERN (whole line), waiting a little for it to arrive.
syslogged() {
	wait_for 5 grep -Eq "^$1\$" "$SYSLOG_OUT" ||
		fail "no syslog record matching '$1':" "$SYSLOG_OUT"
}

echo "--- a failing cmapp_net_mon, run by hand at the default level 0"
# lo is down in a network namespace of its own: the monitor fails at once.
unshare -n true 2>/dev/null || { echo "no network namespace"; exit 77; }
in_syslog unshare -n "$BIN/cmapp_net_mon.pl" --lan lo --ip 127.0.0.1 2>"$T/net.err"
expect_eq $? 1 "status of cmapp_net_mon on a down lo" "$T/net.err"
syslogged "daemon\.err cmapp_net_mon\[[0-9]+\]: interface lo is down"
# Level 0: nothing else of it.
expect_eq "$(grep -c 'cmapp_net_mon\[' "$SYSLOG_OUT")" 1 "syslog records of cmapp_net_mon at level 0" \
	"$SYSLOG_OUT"

echo "--- cmappserver and, under it, cmapp_disk_mon on a missing disk"
SERVER_WRAP=$SYSLOG_WRAP expect "cmappserver starts" start_server
syslogged "daemon\.info cmappserver\[$SERVER_PID\]: cmappserver [0-9.]+ listening on 127\.0\.0\.1 port $PORT .*"
mgr "$BIN/cmapp_disk_mon" -t 1 "$T/no-such-disk" >"$T/disk.out" 2>"$T/disk.err"
expect_eq $? 2 "status of cmapp_disk_mon on a missing disk" "$T/disk.err"
syslogged "daemon\.err cmapp_disk_mon\[[0-9]+\]: $T/no-such-disk: no such disk \(No such file or directory at start: a wrong DISK argument\)"
# cmappserver says the run ended, under its own name.
syslogged "daemon\.[a-z]+ cmappserver\[$SERVER_PID\]: .*cmapp_disk_mon -t 1 $T/no-such-disk .*exited with code 2.*"
stop_server

echo "--- cmappmgr to a port where nothing listens"
port=$(free_port)
in_syslog "$BIN/cmappmgr" -node localhost -port "$port" -conf "$KEYS/host/cmappmgr.conf" \
	-cmappserver_timeout 1 -service /bin/true 2>"$T/mgr.err"
expect_eq $? 1 "status of cmappmgr with nothing listening" "$T/mgr.err"
syslogged "daemon\.warning cmappmgr\[[0-9]+\]: Could not connect to the node localhost: connection refused"

# Only what ran in the namespace was caught: nothing of this shell.
grep -v -E '^daemon\.[a-z]+ (cmappserver|cmapp-shim|cmappmgr|cmapp_net_mon|cmapp_disk_mon)\[[0-9]+\]: ' "$SYSLOG_OUT" &&
	fail "records of other origin caught"
syslog_stop
true
