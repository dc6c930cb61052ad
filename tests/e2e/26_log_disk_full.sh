# SPDX-License-Identifier: ISC
# The host log's disk is full (/dev/full answers every write with ENOSPC):
# cmappmgr says so once, drops the records, and the monitoring goes on to
# deliver the exit code.
# cost: 4
expect "cmappserver starts" start_server
mon='for i in 1 2 3 4 5; do echo "record $i" >&3; echo "line $i"; done; exit 6'
mgr /bin/sh -c "$mon" sh --host_logfile /dev/full >"$T/o" 2>"$T/e"
expect_eq $? 6 "exit code with a full host-log disk"
expect_eq "$(grep -c 'cannot write the host log /dev/full' "$T/e")" 1 "warnings about the full disk" "$T/e"
expect_eq "$(grep -c ']: line' "$T/o")" 5 "service output lines"

# A real small file system: a 64 KiB tmpfs, in a mount namespace of the
# manager's own (it goes with it), holds the host log and a 16 KiB file.
# The records fill it: cmappmgr warns once and drops the records, while
# the service and cmappmgr go on.  Once the file is removed, the next
# record is written and cmappmgr says how many were lost (appmgr/
# hostlog.c: a failed write is retried with each record; no SIGHUP needed
# once the file is open), and each record is on a line of its own.
hl=$T/hl log=$T/hl/host.log
mkdir -p "$hl"
# logger.sh DIR: on each DIR/step.N (N = 1, 2, ...), writes the records it
# names ("LABEL COUNT"), 101 bytes each, to fd 3; a second later (the
# shim has read them by then) "step N done" to stdout.  Exits 5 once
# DIR/step.end appears.
cat >"$T/logger.sh" <<'EOS'
#!/bin/sh
pad=$(printf '%090d' 0 | tr 0 x)
n=1
while [ ! -e "$1/step.end" ]; do
	if [ -e "$1/step.$n" ]; then
		read -r label count <"$1/step.$n"
		i=1
		while [ "$i" -le "$count" ]; do
			printf '%s %04d %s\n' "$label" "$i" "$pad" >&3
			i=$((i + 1))
		done
		sleep 1
		echo "step $n done"
		n=$((n + 1))
	fi
	sleep 0.05
done
exit 5
EOS
chmod +x "$T/logger.sh"
unshare -m --propagation private sh -c 'mount -t tmpfs -o size=64k cmapp-hostlog "$0" && exec "$@"' "$hl" \
	"$BIN/cmappmgr" -node localhost -port "$PORT" -conf "$KEYS/host/cmappmgr.conf" -cmappserver_timeout 10 \
	-service "$T/logger.sh" "$T" --host_logfile "$log" >"$T/o2" 2>"$T/e2" & m=$!
in_ns() { nsenter -t "$m" -m -- "$@"; }
wait_for $((5 * SLOW)) grep -q " $hl tmpfs " "/proc/$m/mounts" ||
	{ kill $m 2>/dev/null; echo "cannot mount a tmpfs in a mount namespace: $(cat "$T/e2")"; exit 77; }
wait_for $((5 * SLOW)) grep -q started "$T/e2" || fail "the service did not start" "$T/e2"
! grep -q " $hl " /proc/self/mounts || fail "the manager's tmpfs shows outside its namespace"
in_ns dd if=/dev/zero of="$hl/other" bs=1k count=16 status=none || fail "cannot write 16 KiB into the tmpfs"
# step N LABEL COUNT: the service writes COUNT records; back when it said so.
step() {
	# Written aside and renamed: the logger must not read it half made.
	echo "$2 $3" >"$T/step.$1.new" && mv "$T/step.$1.new" "$T/step.$1"
	wait_for $((10 * SLOW)) grep -q "step $1 done" "$T/o2" ||
		fail "the service did not finish step $1" "$T/e2"
}
warnings() { grep -c "cannot write the host log $log" "$T/e2"; }
# 700 records of 101 bytes: 48 KiB of room takes 486 and a bit.
step 1 fill 700
expect_eq "$(warnings)" 1 "warnings about the full file system" "$T/e2"
expect_grep "cannot write the host log $log; monitoring goes on: No space left on device" "$T/e2"
avail=$(in_ns df -k --output=avail "$hl" | tail -1 | tr -d ' ')
expect_eq "$avail" 0 "KiB left on the host log's file system"
# Full: more records are dropped, not said again; both go on.
step 2 full 50
expect_eq "$(warnings)" 1 "warnings after more records on the full file system" "$T/e2"
kill -0 $m 2>/dev/null || fail "cmappmgr ended on a full file system"
expect_eq "$(children "$T/logger.sh $T")" 1 "services running on a full host-log file system"
# Room again: the next record goes in, and cmappmgr says how many it lost.
in_ns rm "$hl/other"
step 3 after 5
wait_for $((5 * SLOW)) eval 'in_ns grep -q "^after 0005 " "$log"' ||
	{ in_ns tail -3 "$log"; cat "$T/e2"; fail "no record written after room was made"; }
expect_grep "the host log $log is writable again ([0-9]* records lost)" "$T/e2"
lost=$(sed -n "s/.*the host log .* is writable again (\([0-9]*\) records lost).*/\1/p" "$T/e2")
[ "$lost" -ge 50 ] || fail "$lost records lost, 50 at least were sent while full"
in_ns grep -q "^full " "$log" && fail "records sent while full were written later"
expect_eq "$(in_ns grep -c "^after " "$log")" 5 "records written once room was made"
# A line a record: the one the full disk cut short (if any: the room may
# have ended between two) stays as written, and the next record does not
# run into it.
bad=$(in_ns grep -vE '^(fill|after) [0-9]{4} x{90}$' "$log")
case $(printf '%s' "$bad" | grep -c .) in
0) ;;
1)	printf '%s\n' "$bad" | grep -qE '^(f|fi|fil|fill|fill [0-9]{1,4}|fill [0-9]{4} x{0,89})$' ||
		fail "a line of the host log that is no record, nor a cut one: $bad" ;;
*)	fail "lines of the host log that are not whole records: $bad" ;;
esac
touch "$T/step.end"
wait $m; expect_eq $? 5 "exit code with the host log's file system full, then freed" "$T/e2"
