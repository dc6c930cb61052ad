# SPDX-License-Identifier: ISC
# A trustStore pinned to an IPv6 address, written in brackets in any of the
# three forms, is the one cmappmgr uses for -node ::1, -node [::1] or
# another spelling of the address: a wrong certificate pinned for ::1 is
# refused even though the fallback trustStore would trust the server.
# cost: 2
grep -q '^00000000000000000000000000000001 .* lo$' /proc/net/if_inet6 2>/dev/null ||
	{ echo "no IPv6 loopback (::1) here"; exit 77; }
if ! start_server -listen ::1; then
	grep -q "cannot listen" "$T/server.log" && { echo "cannot listen on ::1 here"; exit 77; }
	fail "cmappserver did not start on ::1" "$T/server.log"
fi
expect "a rogue key set made" make_keys "$T/rogue" localhost
good=$KEYS/host/server_localhost.public
bad=$T/rogue/host/server_localhost.public

# run CONF NODE: cmappmgr for a service that exits 3; its stderr in $T/e.
run() {
	"$BIN/cmappmgr" -node "$2" -port "$PORT" -conf "$1" -cmappserver_timeout 10 \
		-service /bin/sh -c 'exit 3' 2>"$T/e"
}
# conf NAME LINE...: a cmappmgr.conf with the host's keyStore and LINEs.
conf() {
	local f=$T/$1.conf; shift
	{ echo "keyStore=$KEYS/host/client.private"; printf '%s\n' "$@"; } >"$f"
	echo "$f"
}

# The right certificate pinned, a wrong fallback: only the pin lets it in.
c=$(conf line "trustStore=$bad" "[::1]:" "trustStore=$good")
for node in ::1 '[::1]' 0:0::1 '[0:0:0:0:0:0:0:1]'; do
	run "$c" "$node"; expect_eq $? 3 "pinned by a [::1]: line, -node $node" "$T/e"
done
c=$(conf value "trustStore=$bad" "trustStore=[0:0::1]:$good")
run "$c" '[::1]'; expect_eq $? 3 "pinned by trustStore=[0:0::1]:PATH" "$T/e"
c=$(conf key "trustStore=$bad" "[::1]:trustStore=$good")
run "$c" ::1; expect_eq $? 3 "pinned by [::1]:trustStore=PATH" "$T/e"

# A wrong certificate pinned, the right fallback: refused at once, nothing
# launched, the message naming the pinned trustStore.
c=$(conf wrong "trustStore=$good" "trustStore=[::1]:$bad")
for node in ::1 '[::1]'; do
	start=$SECONDS
	"$BIN/cmappmgr" -node "$node" -port "$PORT" -conf "$c" -cmappserver_timeout 20 \
		-service /bin/touch "$T/launched" 2>"$T/e"
	expect_eq $? 1 "wrong pin, -node $node"
	[ $((SECONDS - start)) -lt 5 ] || fail "not refused at once"
	expect_grep "Could not connect to the node ::1: its certificate is not trusted" "$T/e"
	expect_grep "(trustStore $bad)" "$T/e"
done
sleep 0.5
[ ! -e "$T/launched" ] || fail "the command was launched"
# The control: without the pin, the fallback lets the same server in.
c=$(conf fallback "trustStore=$good")
run "$c" ::1; expect_eq $? 3 "fallback only" "$T/e"

# What a user gets wrong is named: the file and line, or the option.
c=$(conf nobrackets "trustStore=::1:$good")
run "$c" ::1; expect_eq $? 1 "unbracketed address in the conf"
expect_grep "$c:2: trustStore: '::1' is an IPv6 address: write it in brackets, as trustStore=\[::1\]:PATH" "$T/e"
c=$(conf unbalanced "[::1:" "trustStore=$good")
run "$c" ::1; expect_eq $? 1 "unbalanced bracket in the conf"
expect_grep "$c:2: a '\[' without its '\]'" "$T/e"
run "$T/line.conf" '[::1'; expect_eq $? 1 "unbalanced -node"
expect_grep "cmappmgr: -node: '\[::1': an IPv6 address is written \[ADDR\]" "$T/e"
true
