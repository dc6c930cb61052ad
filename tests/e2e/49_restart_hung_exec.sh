# SPDX-License-Identifier: ISC
# cmappserver restarted while a launch's exec hangs (a program on a dead
# NFS mount; here a FUSE file whose opens block): the new server finds the
# shim still starting and waits for it like its own launch.  The manager,
# which never got STARTED, re-sends its START and attaches to that launch:
# one shim, no second copy; other STARTs are not held up; when the exec
# fails at last, the manager and a second one are told why.
# cost: 1
hung_exec_mount

echo hangopen >"$T/mnt/ctl"
expect "cmappserver starts" start_server
mgr -t $((30 * SLOW)) "$T/mnt/disk" 2>"$T/e1" & m1=$!
wait_for $((5 * SLOW)) grep -q "launched $T/mnt/disk" "$T/server.log" || fail "hung launch not begun"
# Its shim has forked the service, whose exec now hangs.  (Killed before
# that, the shim would not launch at all: the re-sent START would.)
wait_for $((10 * SLOW)) eval '[ -n "$(pgrep -P "$(pgrep -o -f "cmapp-shim $T/run")")" ]' ||
	fail "the shim did not fork the service"
kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
expect "cmappserver starts" start_server
wait_for $((10 * SLOW)) grep -q "found $T/mnt/disk (run [0-9a-f]*) still starting" "$T/server.log" ||
	fail "the new server did not find the starting shim"
# Adoption is over: another command is served at once.
mgr /bin/echo meanwhile >"$T/o" 2>&1; expect_eq $? 0 "a START after the restart" "$T/o"
wait_for $((10 * SLOW)) grep -q "attached to $T/mnt/disk" "$T/server.log" ||
	fail "the first manager did not attach to the starting launch" "$T/e1"
mgr -t $((30 * SLOW)) "$T/mnt/disk" 2>"$T/e2" & m2=$!
wait_for $((10 * SLOW)) eval '[ "$(grep -c "attached to $T/mnt/disk" "$T/server.log")" -ge 2 ]' ||
	fail "a second manager did not attach"
expect_eq "$(shims "$T/mnt/disk")" 1 "shims for the hung command"
kill -0 $m1 2>/dev/null && kill -0 $m2 2>/dev/null || fail "a manager of the hung launch gave up"

echo ok >"$T/mnt/ctl"	# the exec goes on, and fails: not a program
wait $m1; expect_eq $? 1 "the first manager of the failed launch" "$T/e1"
wait $m2; expect_eq $? 1 "the second manager of the failed launch" "$T/e2"
for e in "$T/e1" "$T/e2"; do
	expect_grep "could not start $T/mnt/disk: cannot execute $T/mnt/disk: Exec format error" "$e"
done
wait_for 5 eval '[ "$(shims "$T/mnt/disk")" = 0 ]' || fail "the shim of the failed launch stayed"
