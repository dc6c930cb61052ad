# SPDX-License-Identifier: ISC
# A launch whose exec hangs (a program on a dead NFS mount; here a FUSE
# file whose opens block) holds up its own managers only: cmappserver
# serves every other manager meanwhile, a manager watching another service
# sees no false failure, a second START of the same command waits for the
# same launch (one shim, no second copy), and when the exec fails at last
# both managers are told why.
# cost: 5
hung_exec_mount
expect "cmappserver starts" start_server
mgr -t 3 /bin/sleep 60 2>"$T/ew" & mw=$!
wait_for 5 grep -q "started .* on localhost" "$T/ew" || fail "watched service not started"

echo hangopen >"$T/mnt/ctl"
mgr -t 30 "$T/mnt/disk" 2>"$T/e1" & m1=$!
wait_for 5 grep -q "launched $T/mnt/disk" "$T/server.log" || fail "hung launch not begun"
t0=$(ms)
mgr /bin/echo meanwhile >"$T/o" 2>&1; rc=$?
t1=$(ms)
expect_eq $rc 0 "a START during the hung launch" "$T/o"
[ $((t1 - t0)) -lt $((1000 * SLOW)) ] || fail "a START took $((t1 - t0)) ms during the hung launch"
mgr -t 30 "$T/mnt/disk" 2>"$T/e2" & m2=$!
sleep 4		# past the watcher's 3 s timeout
kill -0 $mw 2>/dev/null || fail "the manager of another service failed during the hung launch: $(cat "$T/ew")"
expect_eq "$(shims "$T/mnt/disk")" 1 "shims for the hung command"
kill -0 $m1 2>/dev/null && kill -0 $m2 2>/dev/null || fail "a manager of the hung launch gave up"

echo ok >"$T/mnt/ctl"	# the exec goes on, and fails: not a program
wait $m1; expect_eq $? 1 "first manager of the failed launch"
wait $m2; expect_eq $? 1 "second manager of the failed launch"
for e in "$T/e1" "$T/e2"; do
	expect_grep "could not start $T/mnt/disk: cannot execute $T/mnt/disk: Exec format error" "$e"
done
echo "figures: hung exec: another START served in $((t1 - t0)) ms meanwhile"
kill $mw; wait $mw 2>/dev/null
