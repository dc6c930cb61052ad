# SPDX-License-Identifier: ISC
# Without a cgroup for services (cgroup v1, containers), a shim keeping the
# exit status of a service counts and signals what the service left by its
# process group.  Once that group is found empty its id may be reused by a
# new group: a process of someone else's, which -stop_all must not touch.
# The server runs in a mount namespace where /sys/fs/cgroup is an empty
# tmpfs, and the reaped service's pid is handed to a new session leader
# through /proc/sys/kernel/ns_last_pid.
# cost: 2
[ "$(id -u)" = 0 ] || { echo "needs root (mount namespace, ns_last_pid)"; exit 77; }
[ -w /proc/sys/kernel/ns_last_pid ] || { echo "needs a writable /proc/sys/kernel/ns_last_pid"; exit 77; }
VICTIM=
trap '[ -z "$VICTIM" ] || { kill $VICTIM; wait $VICTIM; } 2>/dev/null; end_test' EXIT
unshare -m --propagation private sh -c 'mount -t tmpfs none /sys/fs/cgroup && exec "$@"' sh \
	${SERVER_WRAP:-} "$BIN/cmappserver" -f -conf "$KEYS/localhost/cmappserver.conf" \
	-listen 127.0.0.1 -port "$PORT" -rundir "$T/run" >>"$T/server.log" 2>&1 &
SERVER_PID=$!
wait_for $((20 * SLOW)) grep -q " listening on " "$T/server.log" || fail "cmappserver did not start" "$T/server.log"
expect_grep "no cgroup for services" "$T/server.log"
mgr /bin/sh -c "echo \$\$ >$T/svcpid; exec sleep 1" >"$T/m.out" 2>&1 & m=$!
wait_for $((5 * SLOW)) test -s "$T/svcpid" || fail "the service did not start" "$T/m.out"
kill -9 $m; wait $m 2>/dev/null
wait_for $((5 * SLOW)) grep -q "exited with code 0; no manager attached" "$T/server.log" ||
	fail "the server kept no status" "$T/server.log"
# The shim has counted the empty group once (the EXIT's own count).
read -r P <"$T/svcpid"
i=0
while [ $i -lt 500 ]; do
	echo $((P - 1)) >/proc/sys/kernel/ns_last_pid
	setsid sleep 300 &
	VICTIM=$!
	[ "$VICTIM" = "$P" ] && break
	kill $VICTIM; wait $VICTIM 2>/dev/null
	VICTIM=
	i=$((i + 1))
done
[ -n "$VICTIM" ] || { echo "pid $P not had again in 500 forks (a busy machine)"; exit 77; }
expect_eq "$(ps -o pgid= -p "$VICTIM" | tr -d ' ')" "$P" "the new process group's id"
"$BIN/cmappserver" -stop_all -rundir "$T/run" >"$T/stop_all.out" 2>&1
nap 0.5
kill -0 "$VICTIM" 2>/dev/null || fail "-stop_all killed process group $P, no longer the service's" "$T/stop_all.out" "$T/server.log"
