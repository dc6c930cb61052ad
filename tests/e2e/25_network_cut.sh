# SPDX-License-Identifier: ISC
# A network cut between host and guest, made with a network namespace for
# the guest and its veth link taken down: shorter than the timeout, the
# manager rides it out and the code still comes through; longer, the
# manager fails with exit 1 while the application keeps running, and once
# the link is back the server has freed the dead manager's connection and
# a new manager of the service attaches to it (one copy) and gets its
# exit code.
# cost: 8
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
expect "a veth pair made" ip link add "$hv" type veth peer name "$gv"
ip link set "$gv" netns "$ns"
ip addr add "$hip/30" dev "$hv"; ip link set "$hv" up
ip -n "$ns" addr add "$gip/30" dev "$gv"; ip -n "$ns" link set "$gv" up; ip -n "$ns" link set lo up
wait_for 5 eval 'ip -n "$ns" -br link show "$gv" | grep -q "UP "' || fail "veth link does not come up"
ip netns exec "$ns" ${SERVER_WRAP:-} "$BIN/cmappserver" -f -conf "$KEYS/localhost/cmappserver.conf" \
	-listen "$gip" -port "$PORT" -rundir "$T/run" >>"$T/server.log" 2>&1 &
SERVER_PID=$!
wait_for $((10 * SLOW)) eval 'ip netns exec "$ns" ss -Htln "sport = :$PORT" | grep -q .' || fail "server did not start"
# The guest's certificate pinned for its address.
printf 'keyStore=%s\ntrustStore=%s:%s\n' "$KEYS/host/client.private" "$gip" \
	"$KEYS/host/server_localhost.public" >"$T/mgr.conf"
mgrn() { local t=$1; shift; exec "$BIN/cmappmgr" -node "$gip" -port "$PORT" -conf "$T/mgr.conf" -cmappserver_timeout "$t" -service "$@"; }

# 1. A 2 s cut under a 6 s timeout: survived.
mgrn 6 $(app c1 17) 2>"$T/e1" & m1=$!
wait_for 10 grep -q started "$T/e1" || fail "not started" "$T/e1"
ip link set "$hv" down; sleep 2; ip link set "$hv" up
sleep 2
kill -0 $m1 2>/dev/null || fail "manager gave up on a 2 s cut" "$T/e1"
go c1
wait $m1; expect_eq $? 17 "exit code after a short cut" "$T/e1"

# 2. A cut longer than a 3 s timeout: exit 1 with a message, app untouched.
mgrn 3 $(app c2 23) 2>"$T/e2" & m2=$!
wait_for 10 grep -q started "$T/e2" || fail "second not started"
ip link set "$hv" down
start=$SECONDS
wait $m2; rc=$?
took=$((SECONDS - start))
# The server cannot know yet: its end of the connection is still open.
conns() { ip netns exec "$ns" ss -Htn "sport = :$PORT" | wc -l; }
half=$(conns)
ip link set "$hv" up
expect_eq $rc 1 "exit code after a long cut" "$T/e2"
[ $took -le 8 ] || fail "took $took s to notice a cut under a 3 s timeout"
expect_grep "$gip" "$T/e2"
expect_eq "$(children "app.sh $T/go.c2")" 1 "application after the manager failed"

# 3. The link is back: the server frees the dead manager's connection (its
# FIN, resent by the host's kernel once the link is up, or at worst the
# 60 s idle deadline: SERVER_IDLE_MS), and the service is still served.
expect_eq "$half" 1 "server-side connections while the link was down"
start=$SECONDS
wait_for $((70 * SLOW)) eval '[ "$(conns)" -eq 0 ]' ||
	fail "the server still has $(conns) connection(s) of the dead manager: $(ip netns exec "$ns" ss -Htn "sport = :$PORT")"
freed=$((SECONDS - start))
echo "the server freed the dead manager's connection $freed s after the link came back"
mgrn 6 $(app c2 23) 2>"$T/e3" & m3=$!
wait_for $((10 * SLOW)) grep -q "was already running on $gip (pid [0-9]*): attached" "$T/e3" ||
	fail "a new manager did not attach to the service after the cut" "$T/e3"
expect_eq "$(children "app.sh $T/go.c2")" 1 "copies of the application with a new manager attached"
go c2
wait $m3; expect_eq $? 23 "exit code to a new manager after the long cut" "$T/e3"
echo "figures: network cut: 2 s cut survived under a 6 s timeout; a cut past a 3 s timeout failed the manager after $took s;" \
	"its connection freed $freed s after the link came back, and a new manager got the service's code"
