# SPDX-License-Identifier: ISC
# cmapp_disk_mon on disks that fail the hard way, through cmappmgr (host
# namespace) and cmappserver (guest namespace): a loop device over the
# file of tests/fusefail, whose reads can be made to fail with EIO, to
# hang or to end short, and whose opens can hang.  A hung read sleeps in
# the kernel for good; the monitor must still fail the disk within its
# bound (min(-t, 10 s), or --io-timeout), and go on checking the other
# disks meanwhile.  Also the FUSE file itself, opened with O_DIRECT.
# cost: 27
. "$TOP/tests/e2e/39_netns.inc"
[ -x "$BIN/tests/fusefail" ] || skip "no $BIN/tests/fusefail (make $BIN/tests/unit builds it; needs libfuse3-dev)"
[ -c /dev/fuse ] || skip "no /dev/fuse"
ns_setup
command -v losetup >/dev/null || skip "no losetup"

# Mounted before cmappserver starts: "ip netns exec" gives it a mount
# namespace of its own, which need not see later mounts.
mkdir -p "$T/mnt"
"$BIN/tests/fusefail" -s 4194304 "$T/mnt" 2>"$T/fusefail.log" &
FUSE_PID=$!
fuse_up() { [ -e "$T/mnt/ctl" ]; }
wait_for 5 fuse_up || skip "cannot mount FUSE: $(cat "$T/fusefail.log")"
# Hung reads are let go first, so that the stuck workers can die.
unhang() { [ -n "${FUSE_PID:-}" ] && echo ok >"$T/mnt/ctl" 2>/dev/null; sleep 0.2; }
unmount() {
	umount "$T/mnt" 2>/dev/null || umount -l "$T/mnt" 2>/dev/null
	[ -n "${FUSE_PID:-}" ] && { kill "$FUSE_PID" 2>/dev/null; wait "$FUSE_PID" 2>/dev/null; }
	FUSE_PID=
}
PRE_CLEANUP=unhang POST_CLEANUP=unmount
ctl() { echo "$1" >"$T/mnt/ctl"; }

loop_dev "$T/mnt/disk" -r
fd=$LOOP
truncate -s 1M "$T/good.img"
loop_dev "$T/good.img"
good=$LOOP
expect "cmappserver starts in the guest" guest_server

echo "--- a hung disk fails within the bound; the other disk is still read"
# The hung disk first: a monitor that read its disks in turn would then
# read no other.
host_mgr hang "$BIN/cmapp_disk_mon" -D 7 -t 2 -O "$T/h1.log" "$fd" "$good"
m=$MGR
wait_for 15 grep -q "debug: $fd: read the blocks" "$T/h1.log" ||
	fail "no read of $fd" "$T/hang.err"
still_running $m 2 || fail "ended while healthy" "$T/hang.err"
before=$(lines "debug: $good: read the blocks" "$T/h1.log")
pid=$(mon_pid "$T/h1.log")
ctl hang
T0=$(ms)
gone "$pid" 15 || fail "still running $TOOK ms after the disk hung"
# The next poll within 2 s, then its 2 s bound.
took_at_most 4000 "failing the hung disk"
wait_exit $m 15 || fail "cmappmgr did not end"
expect_eq "$RC" 1 "exit status of a hung disk"
expect_grep "err: $fd: read not done within 2 s" "$T/h1.log"
expect_grep "$fd: read not done within 2 s" "$T/hang.err"
after=$(lines "debug: $good: read the blocks" "$T/h1.log")
[ "$after" -gt "$before" ] || fail "$good was not read while $fd hung"
ctl ok

echo "--- a disk already hung at start-up fails within the bound, the other one is read"
# Its open() hangs: the monitor must not wait for it before its workers
# run, nor for ever; the healthy disk is read meanwhile.
ctl hangopen
T0=$(ms)
host_mgr hungstart "$BIN/cmapp_disk_mon" -D 7 -t 2 -O "$T/h4.log" "$T/mnt/disk" "$good"
m=$MGR
wait_exit $m 15 || fail "still running $TOOK ms after it started on a hung disk"
# The connection, then the first poll's 2 s bound.
took_at_most 3000 "failing a disk hung at start-up (with the connection)"
expect_eq "$RC" 1 "exit status of a disk hung at start-up"
expect_grep "err: $T/mnt/disk: read not done within 2 s" "$T/h4.log"
expect_grep "cmapp_disk_mon\[[0-9]*\]: $T/mnt/disk: read not done within 2 s" "$T/hungstart.err"
expect_grep "debug: $good: read the blocks" "$T/h4.log"
ctl ok

echo "--- a disk whose reads fail with EIO fails within a poll"
host_mgr eio "$BIN/cmapp_disk_mon" -D 5 -t 1 -O "$T/h2.log" "$fd" "$good"
m=$MGR
wait_for 15 grep -q "notice: monitoring 2 disks" "$T/h2.log" || fail "not started"
still_running $m 1 || fail "ended while healthy" "$T/eio.err"
pid=$(mon_pid "$T/h2.log")
ctl eio
T0=$(ms)
gone "$pid" 15 || fail "still running $TOOK ms after EIO"
took_at_most 1000 "failing on EIO"
wait_exit $m 15 || fail "cmappmgr did not end"
expect_eq "$RC" 1 "exit status of EIO"
expect_grep "err: $fd: read at offset 0 failed: Input/output error" "$T/h2.log"
ctl ok

echo "--- the FUSE file itself, opened with O_DIRECT: EIO, then a hang"
host_mgr file "$BIN/cmapp_disk_mon" -t 1 "$T/mnt/disk"
m=$MGR
still_running $m 2 || fail "ended while healthy" "$T/file.err"
ctl eio
wait_exit $m 15 || fail "still running $TOOK ms after EIO"
expect_eq "$RC" 1 "exit status of EIO on the file"
expect_grep "$T/mnt/disk: read at offset 0 failed: Input/output error" "$T/file.err"
ctl ok
host_mgr file2 "$BIN/cmapp_disk_mon" -D 5 -t 1 -O "$T/h3.log" "$T/mnt/disk"
m=$MGR
wait_for 15 grep -q "notice: monitoring 1 disk" "$T/h3.log" || fail "not started"
still_running $m 1 || fail "ended while healthy" "$T/file2.err"
pid=$(mon_pid "$T/h3.log")
ctl hang
T0=$(ms)
gone "$pid" 15 || fail "still running $TOOK ms after the hang"
took_at_most 2000 "failing the hung file"
wait_exit $m 15 || fail "cmappmgr did not end"
expect_eq "$RC" 1 "exit status of a hung file"
expect_grep "$T/mnt/disk: read not done within 1 s" "$T/file2.err"
ctl ok

echo "--- a short read (the disk ends before its size says) fails, naming the disk"
# The file's size stays 4 MiB, its reads end at 2 MiB: the read of the
# last block gets nothing.  (A loop device over it would fill the gap with
# zeros, hence the file itself.)
host_mgr short "$BIN/cmapp_disk_mon" -D 5 -t 1 -O "$T/h6.log" "$T/mnt/disk"
m=$MGR
wait_for 15 grep -q "notice: monitoring 1 disk" "$T/h6.log" || fail "not started"
still_running $m 1 || fail "ended while healthy" "$T/short.err"
ctl short
T0=$(ms)
wait_exit $m 15 || fail "still running $TOOK ms after reads became short"
took_at_most 1000 "failing on a short read"
expect_eq "$RC" 1 "exit status of a short read"
expect_grep "err: $T/mnt/disk: short read at offset 4190208: 0 of 4096 bytes (the disk shrank or went away)" "$T/h6.log"
expect_grep "cmapp_disk_mon\[[0-9]*\]: $T/mnt/disk: short read at offset 4190208: 0 of 4096 bytes" "$T/short.err"
ctl ok

echo "--- a worker stuck in a hung read keeps no host-log pipe open, a log named or not"
# cmappserver hands every service CMAPP_HOSTLOG_FD; a disk worker stuck in
# the kernel for good that kept it would keep the shim reading it from
# ever seeing its end.  By hand here: the pipe is a FIFO read by cat,
# which ends once no one holds the FIFO's writing end.
mkfifo "$T/hl.fifo"
cat "$T/hl.fifo" >"$T/hl.out" & cat_pid=$!
CMAPP_HOSTLOG_FD=9 "$BIN/cmapp_disk_mon" -D 7 -t 1 "$T/mnt/disk" 9>"$T/hl.fifo" 2>"$T/nolog.err" & m=$!
wait_for 15 grep -q "read the blocks" "$T/nolog.err" || { kill $cat_pid; fail "no read"; }
ctl hang
T0=$(ms)
wait_exit $m 15 || { kill $cat_pid; fail "still running $TOOK ms after the hang"; }
[ "$RC" = 1 ] || { kill $cat_pid; expect_eq "$RC" 1 "exit status of a hung disk by hand"; }
stuck=$(sed -n 's/.*left the stuck worker \([0-9]*\) behind$/\1/p' "$T/nolog.err")
[ -n "$stuck" ] && kill -0 "$stuck" 2>/dev/null ||
	{ cat "$T/nolog.err"; kill $cat_pid; fail "no stuck worker left behind: nothing tested"; }
wait_for 2 eval '! kill -0 $cat_pid' ||
	{ ls -l /proc/$stuck/fd; kill $cat_pid; fail "the stuck worker $stuck holds the host-log pipe"; }
[ ! -s "$T/hl.out" ] || fail "records went to CMAPP_HOSTLOG_FD with no host log named"
ctl ok

echo "--- --io-timeout: a hung read fails after it, not after the poll interval"
# As a SAN path failover would want: polls every second, reads given 3 s.
host_mgr iot "$BIN/cmapp_disk_mon" -D 5 -t 1 --io-timeout 3 -O "$T/h5.log" "$T/mnt/disk"
m=$MGR
wait_for 15 grep -q "notice: monitoring 1 disk" "$T/h5.log" || fail "not started"
still_running $m 1 || fail "ended while healthy" "$T/iot.err"
pid=$(mon_pid "$T/h5.log")
ctl hang
T0=$(ms)
gone "$pid" 15 || fail "still running $TOOK ms after the hang"
# The hang may start up to a poll (1 s) before the read that sees it.
[ "$TOOK" -ge 2500 ] || fail "failed after $TOOK ms: before the 3 s I/O timeout"
took_at_most 4000 "failing the hung file with --io-timeout 3"
wait_exit $m 15 || fail "cmappmgr did not end"
expect_eq "$RC" 1 "exit status of a hung file with --io-timeout"
expect_grep "$T/mnt/disk: read not done within 3 s" "$T/iot.err"
