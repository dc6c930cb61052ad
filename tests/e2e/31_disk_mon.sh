# SPDX-License-Identifier: ISC
# cmapp_disk_mon as a cluster service: cmappmgr in a host namespace runs it
# through cmappserver in a guest namespace, on a loop device over a file:
# healthy (logging every read on the host at -D 7), then the file cut to 0
# bytes and the device's size re-read (losetup -c), as a LUN that shrank
# or went away; and a disk path that does not exist.  The host logs are
# in a directory that the guest's mount namespace covers with a tmpfs of
# its own (guest_hides): seen on the host, they were written there.
# cost: 4
. "$TOP/tests/e2e/39_netns.inc"
ns_setup
command -v losetup >/dev/null || skip "no losetup"
# The host logs go to $HL, which the guest cannot see into.
HL=$T/hostlogs
guest_hides "$HL"
expect "cmappserver starts in the guest" guest_server
truncate -s 4M "$T/disk.img"
loop_dev "$T/disk.img"
d=$LOOP
truncate -s 1M "$T/other.img"
loop_dev "$T/other.img"
other=$LOOP

echo "--- two healthy disks keep running, each read logged on the host at -D 7"
host_mgr ok "$BIN/cmapp_disk_mon" -D 7 -t 1 -O "$HL/h1.log" "$d" "$other"
m=$MGR
wait_for 15 grep -q "debug: $d: read the blocks" "$HL/h1.log" ||
	fail "no read logged" "$T/ok.err"
still_running $m 3 || fail "the monitor of healthy disks ended" "$T/ok.err"
[ "$(lines "debug: $d: read the blocks at 0 and [0-9]* of 4194304 bytes" "$HL/h1.log")" -ge 3 ] ||
	fail "too few reads of $d logged" "$HL/h1.log"
[ "$(lines "debug: $other: read the blocks" "$HL/h1.log")" -ge 3 ] ||
	fail "too few reads of $other logged" "$HL/h1.log"
expect_grep "cmapp_disk_mon\[[0-9]*\]: notice: monitoring 2 disks every 1 s" "$HL/h1.log"
expect_grep "cmapp_disk_mon\[[0-9]*\]: $d: read the blocks" "$T/ok.err"
expect_no_grep "cmapp_disk_mon\[[0-9]*\]: cmapp_disk_mon: " "$T/ok.err" "its name twice"
# Only cmappmgr can have written it: the guest sees an empty $HL.
guest_sees_empty "$HL"

echo "--- the disk's file cut to 0 bytes (losetup -c) fails within a poll or two"
pid=$(mon_pid "$HL/h1.log")
# The file cut and its size re-read are two steps: a read between them
# finds a device of the old size whose file is gone (an I/O error, as the
# ASan run of ci22 found, 2026-12-05).  So right after a read of $d, while
# its worker waits for the next, the monitor is stopped across them: its
# next read sees the new size.
n=$(grep -c "debug: $d: read the blocks" "$HL/h1.log")
wait_for 5 eval '[ "$(grep -c "debug: $d: read the blocks" "$HL/h1.log")" -gt "$n" ]' ||
	fail "no read of $d logged" "$HL/h1.log"
kill -STOP "$pid"
truncate -s 0 "$T/disk.img"
losetup -c "$d"
kill -CONT "$pid"
T0=$(ms)
gone "$pid" 15 || fail "still running $TOOK ms after the disk shrank"
took_at_most 2000 "noticing the shrunk disk"
wait_exit $m 15 || fail "cmappmgr did not end"
expect_eq "$RC" 1 "exit status when a disk shrank"
expect_grep "err: $d: its size fell from 4194304 to 0 bytes" "$HL/h1.log"
expect_grep "$d: its size fell from 4194304 to 0 bytes" "$T/ok.err"

echo "--- a disk that is not there at start is a usage error, at once, naming it"
# At once: from cmappmgr's start, connection included, well within the
# 60 s poll interval.  Status 2, as plugin.h defines a wrong DISK: not 1,
# which would send an admin after a failed disk.
T0=$(ms)
host_mgr gone "$BIN/cmapp_disk_mon" -t 60 "$other" "$T/no/such/disk"
wait_exit $MGR 15 || fail "still running after $TOOK ms"
expect_eq "$RC" 2 "exit status of a missing disk"
took_at_most 3000 "refusing a missing disk (with the connection)"
expect_grep "$T/no/such/disk: no such disk (No such file or directory at start: a wrong DISK argument)" "$T/gone.err"

echo "--- the manual's service line: disks first, --log_level, an en dash"
# Under cmappserver the monitor sends its host log through the pipe, so
# the file is cmappmgr's, found in its own command line as the monitor
# reads "–log_file" (common/hostlog_arg.c).
host_mgr manual "$BIN/cmapp_disk_mon" "$other" --log_level 7 "–log_file" "$HL/h2.log" --poll-interval 1
m=$MGR
wait_for 15 grep -q "cmapp_disk_mon\[[0-9]*\]: $other: read the blocks" "$T/manual.err" ||
	fail "the manual's line does not work" "$T/manual.err"
wait_for 15 grep -q "debug: $other: read the blocks" "$HL/h2.log" ||
	fail "the manual's line: no host log"
guest_sees_empty "$HL"
kill -0 $m || fail "the monitor ended"
