# SPDX-License-Identifier: ISC
# What cmappmgr says before it reaches a guest (issue 15, items 1 and 2):
# a node without a pinned trustStore is named with the nodes that have
# one, a mistyped node is a resolver failure, a fallback trustStore in use
# is logged; a wait says why at once, then how long is left, on stderr
# only: syslog hears the outcome, not every retry.
# cost: 13
syslog_capture
conf=$KEYS/host/cmappmgr.conf

echo "--- a node with no pinned trustStore, the fallback absent"
"$BIN/cmappmgr" -node 127.0.0.1 -port "$PORT" -conf "$conf" -cmappserver_timeout 1 \
	-service /bin/true 2>"$T/e1"
expect_eq $? 1 "exit code, unpinned node" "$T/e1"
expect_grep "no trustStore is pinned for node 127\.0\.0\.1 in $conf (pinned: localhost), and the fallback trustStore: cannot read trustStore /etc/server\.public: No such file or directory" "$T/e1"

echo "--- a node that does not resolve: the resolver's words, not the file's"
"$BIN/cmappmgr" -node no-such-node.invalid -port "$PORT" -conf "$conf" -cmappserver_timeout 1 \
	-service /bin/true 2>"$T/e2"
expect_eq $? 1 "exit code, unknown node" "$T/e2"
expect_grep "cannot resolve the node no-such-node\.invalid: .* (the nodes with a pinned trustStore in $conf: localhost)" "$T/e2"
expect_no_grep "cannot read trustStore" "$T/e2"

echo "--- a fallback trustStore that is used is named; the wait is said on stderr"
cat >"$T/fb.conf" <<EOC
keyStore=$KEYS/host/client.private
trustStore=$KEYS/host/server_localhost.public
other:
trustStore=/nonexistent/other.public
EOC
port=$(free_port)
start=$SECONDS
in_syslog "$BIN/cmappmgr" -node 127.0.0.1 -port "$port" -conf "$T/fb.conf" -cmappserver_timeout 12 \
	-service /bin/true 2>"$T/e3"
expect_eq $? 1 "exit code, nothing listening" "$T/e3"
[ $((SECONDS - start)) -ge 11 ] || fail "gave up before the timeout" "$T/e3"
expect_grep "^cmappmgr\[[0-9]*\]: no trustStore is pinned for node 127\.0\.0\.1 in $T/fb\.conf (pinned: other): using the fallback trustStore $KEYS/host/server_localhost\.public$" "$T/e3"
# The first failure at once, then at 10 s with the time left, then the end.
sed -n 2p "$T/e3" | grep -q "^cmappmgr\[[0-9]*\]: cannot reach cmappserver on 127\.0\.0\.1 yet: connection refused; trying again for 1[12] s$" ||
	fail "no first line with the reason" "$T/e3"
sed -n 3p "$T/e3" | grep -q "^cmappmgr\[[0-9]*\]: still no answer from cmappserver on 127\.0\.0\.1 after 10 s: connection refused; giving up in [12] s$" ||
	fail "no progress line at 10 s" "$T/e3"
sed -n 4p "$T/e3" | grep -q "Could not connect to the node 127\.0\.0\.1: connection refused$" ||
	fail "no final line" "$T/e3"
expect_eq "$(wc -l <"$T/e3")" 4 "lines of cmappmgr" "$T/e3"
wait_for 5 grep -q "Could not connect to the node 127\.0\.0\.1" "$SYSLOG_OUT" ||
	fail "the outcome is not in syslog" "$SYSLOG_OUT"
expect_no_grep "cannot reach cmappserver\|still no answer" "$SYSLOG_OUT" "syslog"

echo "--- an unknown node with a pinned trustStore: the resolver's reason at once"
printf 'keyStore=%s\nghost.invalid:\ntrustStore=%s\n' "$KEYS/host/client.private" \
	"$KEYS/host/server_localhost.public" >"$T/ghost.conf"
"$BIN/cmappmgr" -node ghost.invalid -port "$port" -conf "$T/ghost.conf" -cmappserver_timeout 2 \
	-service /bin/true 2>"$T/e4"
expect_eq $? 1 "exit code, unresolvable pinned node" "$T/e4"
expect_grep "^cmappmgr\[[0-9]*\]: cannot reach cmappserver on ghost\.invalid yet: cannot resolve ghost\.invalid: " "$T/e4"
expect_grep "Could not connect to the node ghost\.invalid: cannot resolve ghost\.invalid" "$T/e4"
syslog_stop
true
