# A binary upgrade: a rebuilt cmappserver and cmapp-shim are installed over
# the running ones and cmappserver restarted; services and managers carry on.
mkdir -p "$T/bin"
install -m 755 "$BIN/cmappserver" "$BIN/cmapp-shim" "$T/bin/"
BIN_SAVE=$BIN
"$T/bin/cmappserver" -f -conf "$KEYS/localhost/cmappserver.conf" -listen 127.0.0.1 \
	-port "$PORT" -rundir "$T/run" >>"$T/server.log" 2>&1 &
SERVER_PID=$!
wait_for $((20 * SLOW)) listening "$PORT" || fail "server did not start" || exit 1
pids=()
for i in 1 2 3; do mgr -t 10 $(app "u$i" $((40 + i))) 2>"$T/e$i" & pids+=($!); done
wait_for 10 eval 'test "$(children "app.sh $T/go.u")" = 3' || fail "services not running" || exit 1
# "make install": install(1) replaces the files, the running ones keep
# their old inodes.  A rebuilt binary differs: append a byte to mark it.
cp "$BIN_SAVE/cmappserver" "$T/new-cmappserver"; printf '\n# rebuilt\n' >>"$T/new-cmappserver"
install -m 755 "$T/new-cmappserver" "$T/bin/cmappserver" || fail "cannot install over the running server" || exit 1
install -m 755 "$BIN_SAVE/cmapp-shim" "$T/bin/cmapp-shim" || fail "cannot install over running shims" || exit 1
kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null
"$T/bin/cmappserver" -f -conf "$KEYS/localhost/cmappserver.conf" -listen 127.0.0.1 \
	-port "$PORT" -rundir "$T/run" >>"$T/server.log" 2>&1 &
SERVER_PID=$!
wait_for $((20 * SLOW)) listening "$PORT" || fail "upgraded server did not start" || exit 1
wait_for $((5 * SLOW)) grep -q "took over 3 running" "$T/server.log" || fail "upgraded server did not take over" || exit 1
go u2
wait "${pids[1]}"; expect_eq $? 42 "exit code after the upgrade" || exit 1
# A service started by the new server runs under the new shim.
mgr -t 10 $(app u4 44) 2>"$T/e4" & p4=$!
wait_for 5 grep -q started "$T/e4" || fail "new service not started" || exit 1
for i in 1 3 4; do go "u$i"; done
wait "${pids[0]}"; expect_eq $? 41 "exit code of u1" || exit 1
wait "${pids[2]}"; expect_eq $? 43 "exit code of u3" || exit 1
wait "$p4"; expect_eq $? 44 "exit code of u4" || exit 1
