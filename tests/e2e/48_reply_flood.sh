# SPDX-License-Identifier: ISC
# A manager that asks and never reads (LIST after LIST, its receive buffer
# full) must not make cmappserver queue replies without bound: it is
# dropped once 8 MiB are queued for it, the server's memory stays bounded,
# and other managers are served meanwhile.
# cost: 3
expect "cmappserver starts" start_server
# A long command line makes each LIST answer big: 16 KiB an entry.
p=$(printf 'x%.0s' $(seq 1 4000))
pad="$p $p $p $p"
mgr /bin/sh -c 'sleep 60' $pad 2>"$T/e0" & m0=$!
wait_for 5 grep -q "started .* on localhost" "$T/e0" || fail "service not started" "$T/e0"
rss0=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status")
"$BIN/tests/tools/soak" -flood 20000 -n 1 -port "$PORT" -key "$KEYS/host/client.private" \
	-keypw clientpw -trust "$KEYS/host/server_localhost.public" /bin/sh -c 'sleep 60' $pad \
	>"$T/flood" 2>&1 & f=$!
wait_for $((20 * SLOW)) grep -q "it does not read what it asks for" "$T/server.log" ||
	{ kill $f; fail "the flooding manager was not dropped" "$T/e0" "$T/flood"; }
rss1=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status")
# 8 MiB queued at most, plus TLS buffers and heap slack.  Not under
# ASan (its quarantine keeps freed memory) or valgrind: only the drop is
# checked there.
if [ -z "${SERVER_WRAP:-}${CMAPP_SLOW:-}" ]; then
	[ $((rss1 - rss0)) -lt 20480 ] || { kill $f; fail "server RSS grew from $rss0 to $rss1 kB"; }
fi
mgr /bin/echo still served >"$T/o" 2>&1; rc=$?; [ $rc = 0 ] || { kill $f; expect_eq $rc 0 "a manager during the flood" "$T/o"; }
kill $f 2>/dev/null; wait $f 2>/dev/null
echo "figures: reply flood: dropped after 8 MiB queued; server RSS $rss0 -> $rss1 kB"
kill $m0; wait $m0 2>/dev/null
