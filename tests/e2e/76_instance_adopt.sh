# SPDX-License-Identifier: ISC
# A service launched with -instance, whose shim does not answer when a
# restarted cmappserver looks for it (stopped, its listen backlog full):
# the shim's RUN_ID.inst stays, so that the next cmappserver adopts it with
# its instance, and a START of that instance attaches to it rather than
# running a second copy.
# cost: 2
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || { echo "no python3 to fill a socket's backlog"; exit 77; }
FILLER=
trap '[ -z "$FILLER" ] || { touch "$T/fill.done"; wait $FILLER; } 2>/dev/null
	[ -z "${shim:-}" ] || kill -CONT "$shim" 2>/dev/null; end_test' EXIT
expect "cmappserver starts" start_server
cmd=$(app k 5)
mgr_cmd -instance keep -ready_file "$T/r1" -service $cmd 2>"$T/m1.err" & m=$!
expect_wait 5 "launched" grep -q '^launched pid ' "$T/r1"
read -r _ _ pid <"$T/r1"
inst=$(ls "$T"/run/*.inst 2>/dev/null)
[ -n "$inst" ] || fail "no RUN_ID.inst for the instance" "$T/server.log"
sock=${inst%.inst}.sock
shim=$(pgrep -f "cmapp-shim $T/run .*go\.k")
[ -n "$shim" ] || fail "no shim for k"
kill -9 $m "$SERVER_PID"; wait $m "$SERVER_PID" 2>/dev/null; SERVER_PID=
# The shim stopped, its backlog (4) filled: the next server's connect
# gets EAGAIN, as from a shim that does not accept connections.
kill -STOP "$shim"
"$PY" - "$sock" "$T/fill.done" <<'PYEOF' >"$T/fill.out" 2>&1 &
import os, socket, sys, time
held = []
for i in range(12):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.connect(sys.argv[1])
    except BlockingIOError:
        print("full after", i, flush=True)
        break
    held.append(s)
while not os.path.exists(sys.argv[2]):
    time.sleep(0.05)
PYEOF
FILLER=$!
expect_wait 5 "the shim's backlog filled" grep -q "^full after" "$T/fill.out"
expect "cmappserver starts" start_server
expect_grep "cannot reach the shim at $sock: it does not accept connections" "$T/server.log"
[ -e "$inst" ] || fail "$inst removed while its shim only did not answer" "$T/server.log"
# The shim answers again; the next server adopts it, instance and all.
touch "$T/fill.done"; wait $FILLER; FILLER=
kill -CONT "$shim"
stop_server
expect "cmappserver starts" start_server
expect_wait 5 "the adoption" grep -q "took over 1 running" "$T/server.log"
mgr_cmd -instance keep -ready_file "$T/r2" -service $cmd 2>"$T/m2.err" & m=$!
expect_wait 5 "ready" test -s "$T/r2"
expect_eq "$(cat "$T/r2")" "attached pid $pid" "the START of instance keep after the adoption" "$T/m2.err"
expect_eq "$(children "app.sh $T/go.k")" 1 "copies of k"
go k
wait $m; expect_eq $? 5 "exit code through the adopted instance" "$T/m2.err"
