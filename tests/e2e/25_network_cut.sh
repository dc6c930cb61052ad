# A network cut between host and guest, made with a network namespace for
# the guest and its veth link taken down: shorter than the timeout, the
# manager rides it out and the code still comes through; longer, the
# manager fails with exit 1 while the application keeps running.
ip netns add "cmg$$" 2>/dev/null || { echo "cannot create a network namespace here"; exit 77; }
ns=cmg$$ hv=cmh$$ gv=cmv$$
n=$(( $$ % 200 + 20 ))
hip=10.213.$n.1 gip=10.213.$n.2
cleanup_ns() {
	ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
	ip link del "$hv" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
}
trap 'end_test; cleanup_ns; true' EXIT
ip link add "$hv" type veth peer name "$gv" || exit 1
ip link set "$gv" netns "$ns"
ip addr add "$hip/30" dev "$hv"; ip link set "$hv" up
ip -n "$ns" addr add "$gip/30" dev "$gv"; ip -n "$ns" link set "$gv" up; ip -n "$ns" link set lo up
wait_for 5 eval 'ip -n "$ns" -br link show "$gv" | grep -q "UP "' || fail "veth link does not come up" || exit 1
ip netns exec "$ns" ${SERVER_WRAP:-} "$BIN/cmappserver" -f -conf "$KEYS/localhost/cmappserver.conf" \
	-listen "$gip" -port "$PORT" -rundir "$T/run" >>"$T/server.log" 2>&1 &
SERVER_PID=$!
wait_for $((10 * SLOW)) eval 'ip netns exec "$ns" ss -Htln "sport = :$PORT" | grep -q .' || fail "server did not start" || exit 1
# The guest's certificate pinned for its address.
printf 'keyStore=%s\ntrustStore=%s:%s\n' "$KEYS/host/client.private" "$gip" \
	"$KEYS/host/server_localhost.public" >"$T/mgr.conf"
mgrn() { local t=$1; shift; exec "$BIN/cmappmgr" -node "$gip" -port "$PORT" -conf "$T/mgr.conf" -cmappserver_timeout "$t" -service "$@"; }

# 1. A 2 s cut under a 6 s timeout: survived.
mgrn 6 $(app c1 17) 2>"$T/e1" & m1=$!
wait_for 10 grep -q started "$T/e1" || fail "not started" || { cat "$T/e1"; exit 1; }
ip link set "$hv" down; sleep 2; ip link set "$hv" up
sleep 2
kill -0 $m1 2>/dev/null || fail "manager gave up on a 2 s cut" || { cat "$T/e1"; exit 1; }
go c1
wait $m1; expect_eq $? 17 "exit code after a short cut" || { cat "$T/e1"; exit 1; }

# 2. A cut longer than a 3 s timeout: exit 1 with a message, app untouched.
mgrn 3 $(app c2 0) 2>"$T/e2" & m2=$!
wait_for 10 grep -q started "$T/e2" || fail "second not started" || exit 1
ip link set "$hv" down
start=$SECONDS
wait $m2; rc=$?
took=$((SECONDS - start))
ip link set "$hv" up
expect_eq $rc 1 "exit code after a long cut" || { cat "$T/e2"; exit 1; }
[ $took -le 8 ] || fail "took $took s to notice a cut under a 3 s timeout" || exit 1
expect_grep "$gip" "$T/e2" || exit 1
expect_eq "$(children "app.sh $T/go.c2")" 1 "application after the manager failed" || exit 1
echo "figures: network cut: 2 s cut survived under a 6 s timeout; a cut past a 3 s timeout failed the manager after $took s"
