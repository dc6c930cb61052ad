# SPDX-License-Identifier: ISC
# The monitors as a user meets them: -h, -v, no options, usage errors, by
# hand and as services; the probe found beside the program in the build
# tree and in installed trees; the host log written locally when run by
# hand, and into CMAPP_HOSTLOG_FD when cmappserver hands one over.
# cost: 12
DISK_MON=$BIN/cmapp_disk_mon NET_MON=$BIN/cmapp_net_mon

echo "--- cmapp_disk_mon -h / --help / -v / --version"
for o in -h --help; do
	"$DISK_MON" $o >"$T/o" 2>"$T/e"; expect_eq $? 0 "status of $o"
	expect_grep "^usage: cmapp_disk_mon \[-h|--help\] \[-v|--version\] \[-O|--log-file FILE\]" "$T/o"
	expect_grep "^  -t, --poll-interval SECONDS seconds between polls, above 0 (default 60)" "$T/o"
	expect_grep "^      --io-timeout SECONDS    how long a disk's open and reads may take" "$T/o"
	expect_eq "$(cat "$T/e")" "" "stderr of $o"
done
for o in -v --version; do
	"$DISK_MON" $o >"$T/o" 2>"$T/e"; expect_eq $? 0 "status of $o"
	expect_grep "^cmapp_disk_mon [0-9][0-9.]* (cmapp, probe interface 1)$" "$T/o"
done

echo "--- usage errors: status 2, the reason and the usage on stderr"
"$DISK_MON" >"$T/o" 2>"$T/e"; expect_eq $? 2 "status without a disk"
expect_eq "$(head -1 "$T/e")" "cmapp_disk_mon: no DISK to monitor" "no disk"
expect_grep "^usage: cmapp_disk_mon" "$T/e"
expect_eq "$(cat "$T/o")" "" "stdout of a usage error"
"$DISK_MON" -t 0 /dev/null 2>"$T/e"; expect_eq $? 2 "status of -t 0"
expect_grep "takes a whole number of seconds from 1 to 86400, not \"0\"" "$T/e"
"$DISK_MON" --io-timeout 0 /dev/null 2>"$T/e"; expect_eq $? 2 "status of --io-timeout 0"
expect_grep "^cmapp_disk_mon: --io-timeout takes a whole number of seconds from 1 to 3600, not \"0\"$" "$T/e"
for mon in "$NET_MON" "$BIN/cmapp_net_mon.pl"; do
	"$mon" >"$T/o" 2>"$T/e"; expect_eq $? 2 "status of $mon alone"
	expect_eq "$(head -1 "$T/e")" "cmapp_net_mon: --lan and --ip are required" "$mon alone"
	expect_grep "^usage: cmapp_net_mon --lan NAME --ip ADDRESS \[--guest_logfile FILE\]" "$T/e"
done
"$NET_MON" --lan lo --ip 127.0.0.1 --log_level 3 2>"$T/e"; expect_eq $? 2 "status of --log_level 3"
expect_grep "cmapp_net_mon: --log_level takes a whole number from 0 to 2, not \"3\"" "$T/e"
"$NET_MON" --lan nosuch0 --ip 127.0.0.1 2>"$T/e"; expect_eq $? 2 "status of an unknown interface"
expect_grep "cmapp_net_mon: unknown interface nosuch0 (--lan)" "$T/e"
"$NET_MON" --help >"$T/o"; expect_eq $? 0 "status of --help"
expect_grep "  --probe_count N            lost pings in a row that fail the LAN (default 4)" "$T/o"

echo "--- the same through cmappmgr and cmappserver"
expect "cmappserver starts" start_server
mgr "$DISK_MON" -v >"$T/o" 2>"$T/e"; expect_eq $? 0 "status of -v as a service"
expect_grep "^localhost cmapp_disk_mon\[[0-9]*\]: cmapp_disk_mon [0-9.]* (cmapp" "$T/o"
mgr "$NET_MON" >"$T/o" 2>"$T/e"; expect_eq $? 2 "status of cmapp_net_mon alone as a service"
expect_grep "^localhost cmapp_net_mon\[[0-9]*\]: --lan and --ip are required" "$T/e"

echo "--- installed trees: plugins/ beside the program, or ../lib/cmapp/"
mkdir -p "$T/opt/hp/cmappserver/plugins" "$T/usr/sbin" "$T/usr/lib/cmapp"
cp "$DISK_MON" "$T/opt/hp/cmappserver/"
cp "$BIN/plugins/disk.so" "$T/opt/hp/cmappserver/plugins/"
"$T/opt/hp/cmappserver/cmapp_disk_mon" -v >"$T/o" || fail "the /opt tree does not run"
cp "$NET_MON" "$T/usr/sbin/"
ln -s cmapp_net_mon "$T/usr/sbin/cmapp_net_mon.pl"
cp "$BIN/plugins/net.so" "$T/usr/lib/cmapp/"
"$T/usr/sbin/cmapp_net_mon.pl" --version >"$T/o" || fail "the lib/cmapp tree does not run"
expect_grep "^cmapp_net_mon " "$T/o"
# No probe: status 3, naming where it looked.
cp "$DISK_MON" "$T/usr/sbin/"
"$T/usr/sbin/cmapp_disk_mon" -v 2>"$T/e"; expect_eq $? 3 "status without the probe"
expect_grep "cannot find the disk probe: neither $T/usr/sbin/plugins/disk.so nor $T/usr/sbin/../lib/cmapp/disk.so exists" "$T/e"
# Another name: no such monitor.
cp "$DISK_MON" "$T/usr/sbin/mon"
"$T/usr/sbin/mon" 2>"$T/e"; expect_eq $? 3 "status under another name"
expect_grep "cannot tell which monitor to be" "$T/e"

echo "--- by hand: the host log is a local file; SIGTERM ends with 0"
truncate -s 1M "$T/disk.img"
"$DISK_MON" -D 7 -t 1 -O "$T/h.log" "$T/disk.img" 2>"$T/e" & p=$!
wait_for 5 grep -q "read the blocks" "$T/h.log" || fail "no host log"
kill -TERM $p; wait $p; expect_eq $? 0 "status after SIGTERM"
expect_grep "cmapp_disk_mon\[$p\]: notice: monitoring 1 disk every 1 s: $T/disk.img" "$T/h.log"
expect_grep "cmapp_disk_mon\[$p\]: debug: $T/disk.img: read the blocks at 0 and 1044480 of 1048576 bytes" "$T/h.log"
expect_grep "cmapp_disk_mon\[$p\]: notice: stopped by signal TERM" "$T/h.log"
expect_grep "^cmapp_disk_mon: notice\|^cmapp_disk_mon: monitoring 1 disk" "$T/e"

echo "--- a DISK that is a FIFO: refused at once (its open would wait for a writer)"
mkfifo "$T/fifo"
T0=${EPOCHREALTIME/./}
timeout $((6 * SLOW)) "$DISK_MON" -D 7 -t 1 "$T/disk.img" "$T/fifo" >"$T/o" 2>"$T/e"
expect_eq $? 2 "status of a FIFO as a disk" "$T/e"
took=$(( (${EPOCHREALTIME/./} - T0) / 1000 ))
[ "$took" -lt $((2000 * SLOW)) ] || fail "refusing the FIFO took $took ms"
expect_grep "^cmapp_disk_mon: $T/fifo: not a disk: it is a FIFO (give a block device or a file)$" "$T/e"
expect_grep "^usage: cmapp_disk_mon" "$T/e"

echo "--- a DISK the monitor may not read: status 3 (set-up), not 1 (a failed disk)"
# Root without the capabilities that let it read any file, as under an
# LSM denial; the file's mode lets no one read it.
truncate -s 1M "$T/locked.img"
chmod 0 "$T/locked.img"
if setpriv --bounding-set -dac_override,-dac_read_search true 2>/dev/null; then
	setpriv --bounding-set -dac_override,-dac_read_search \
		"$DISK_MON" -t 1 "$T/disk.img" "$T/locked.img" 2>"$T/e"
	expect_eq $? 3 "status of a disk it may not read" "$T/e"
	expect_grep "^cmapp_disk_mon: $T/locked.img: cannot open it: Permission denied (the monitor may not read it: " "$T/e"
else
	untested "a disk the monitor may not read (setpriv cannot drop capabilities)"
fi

echo "--- with CMAPP_HOSTLOG_FD the records go there, not to a local file"
CMAPP_HOSTLOG_FD=9 "$DISK_MON" -D 7 -t 1 -O "$T/h2.log" "$T/disk.img" 9>"$T/fd9" 2>/dev/null & p=$!
wait_for 5 grep -q "read the blocks" "$T/fd9" || fail "nothing on fd 9"
kill -TERM $p; wait $p
[ ! -e "$T/h2.log" ] || fail "the guest wrote the host's file itself"
CMAPP_HOSTLOG_FD=9 "$DISK_MON" -O "$T/h2.log" "$T/disk.img" 2>"$T/e"
expect_eq $? 3 "status with a closed CMAPP_HOSTLOG_FD"
# Set, the variable says stderr is relayed under a prefix naming the
# monitor: the line is the bare message.
expect_grep "^CMAPP_HOSTLOG_FD=9: Bad file descriptor" "$T/e"

echo "--- the manual's net line names one file for both logs: each record once"
# Pinging lo in a network namespace of its own.
unshare -n true 2>/dev/null || { echo "no network namespace: the rest is not tested"; exit 77; }
unshare -n sh -c 'ip link set lo up && exec "$@"' sh "$BIN/cmapp_net_mon.pl" --lan lo \
	--ip 127.0.0.1 --guest_logfile "$T/same.log" --host_logfile "$T/same.log" \
	--log_level 2 --polling_interval 1 2>/dev/null & p=$!
wait_for 5 grep -q "seq 2," "$T/same.log" || fail "no pings logged"
kill -TERM $p; wait $p; expect_eq $? 0 "status after SIGTERM"
expect_eq "$(sort "$T/same.log" | uniq -d)" "" "records written twice"
expect_eq "$(grep -c "reply from 127.0.0.1, seq 1," "$T/same.log")" 1 "seq 1 lines"

echo "--- the manual's net line as printed, where /var/adm does not exist"
# Linux guests have no /var/adm, so the manual's log files cannot be
# opened: the monitor must warn, once, naming the file, and keep watching.
# An empty /var in a mount namespace of its own makes it so whatever this
# machine has, and the host's cmappmgr gets one too, so that nothing of
# this test lands in the real /var.  The manual's lan0 and 192.168.1.154
# are lo and 127.0.0.1 here.
MANUAL_NET="--lan lo --ip 127.0.0.1 --guest_logfile /var/adm/vm1_lan0.log --host_logfile /var/adm/vm1_lan0.log --log_level 1 -probe_count 5 --polling_interval 3"
cat >"$T/novar" <<'EOS'
#!/bin/sh
# novar COMMAND...: COMMAND with an empty tmpfs over /var, in a private
# mount namespace that ends with it.
exec unshare -m --propagation private sh -c 'mount -t tmpfs cmapp-novar /var && exec "$@"' sh "$@"
EOS
chmod +x "$T/novar"
# Their command lines do not name $T: e2e.sh's clean-up would miss them.
NOVAR_PIDS=
trap 'kill $NOVAR_PIDS 2>/dev/null; end_test; true' EXIT
still_running() { sleep "$2"; kill -0 "$1" 2>/dev/null; }
"$T/novar" true 2>"$T/e" || { echo "no mount namespace ($(cat "$T/e")): the rest is not tested"; exit 77; }
# The missing directory named, the monitor's name once: its own prefix by
# hand, cmappmgr's under cmappserver.
warned() { grep -c "^\(cmapp_net_mon: \|localhost cmapp_net_mon\.pl\[[0-9]*\]: \)cannot open the $1 log file /var/adm/vm1_lan0.log: the directory /var/adm does not exist; monitoring goes on without it$" "$2"; }
# By hand, in a network namespace of its own for lo.
"$T/novar" unshare -n sh -c 'ip link set lo up && exec "$@"' sh \
	"$BIN/cmapp_net_mon.pl" $MANUAL_NET 2>"$T/e" & p=$!
NOVAR_PIDS=$p
still_running $p 4 || fail "the manual's line by hand ended" "$T/e"
expect_eq "$(warned guest "$T/e")" 1 "warnings about the guest log by hand" "$T/e"
expect_eq "$(warned host "$T/e")" 1 "warnings about the host log by hand"
kill -TERM $p; wait $p; expect_eq $? 0 "status after SIGTERM"
# As the package's service: cmappserver and cmappmgr each with no /var/adm.
stop_server
SERVER_WRAP=$T/novar expect "cmappserver starts" start_server
"$T/novar" "$BIN/cmappmgr" -node localhost -port "$PORT" -conf "$KEYS/host/cmappmgr.conf" \
	-cmappserver_timeout 10 -service "$BIN/cmapp_net_mon.pl" $MANUAL_NET \
	>"$T/o" 2>"$T/e" & m=$!
NOVAR_PIDS=$m
still_running $m 5 || fail "the manual's service ended" "$T/e"
expect_eq "$(warned guest "$T/e")" 1 "warnings about the guest log as a service" "$T/e"
# cmappmgr writes the host log, and says once that it cannot.
expect_grep "cannot open the host log /var/adm/vm1_lan0.log: the directory /var/adm does not exist;" "$T/e"
expect_eq "$(grep -c "cannot open the host log" "$T/e")" 1 "warnings about the host log by cmappmgr" "$T/e"
# Stopped as the guest's shutdown would: the service, then its cmappmgr.
"$BIN/cmappserver" -stop_all -rundir "$T/run" >"$T/stop.out" 2>&1 ||
	fail "-stop_all" "$T/stop.out"
wait $m; expect_eq $? 0 "status of the service stopped by SIGTERM (the monitor exits 0)"
