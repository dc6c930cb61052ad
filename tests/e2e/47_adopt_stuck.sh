# SPDX-License-Identifier: ISC
# A restarted cmappserver whose previous shim does not answer (stopped):
# STARTs wait for it, a manager re-attaching by run id waits for it, and
# when the shim dies at last that manager is told its run is gone (exit 1)
# while the STARTs held meanwhile go on, each checked against
# allow_command as it is then: a SIGHUP may have taken it off the list.
# cost: 2
conf=$T/cmappserver.conf
allow() {
	{ cat "$KEYS/localhost/cmappserver.conf"; printf 'allow_command=%s\n' "$@"; } >"$conf.new"
	mv "$conf.new" "$conf"
}
allow "$T/app.sh" /bin/sh /bin/true
export SERVER_CONF=$conf
expect "cmappserver starts" start_server
cmd=$(app a 3)
mgr -t $((20 * SLOW)) $cmd 2>"$T/e1" & m1=$!
wait_for $((5 * SLOW)) grep -q "started .* on localhost" "$T/e1" || fail "a not started"
shim=$(pgrep -f "cmapp-shim $T/run .* $T/go.a")
[ -n "$shim" ] || fail "no shim for a"
kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
kill -STOP "$shim"
expect "cmappserver starts" start_server
# The manager re-attaches; another START is held: both wait for the shim.
wait_for $((10 * SLOW)) grep -q "re-attached to run" "$T/server.log" || fail "no re-attach"
mgr -t $((20 * SLOW)) /bin/sh -c 'exit 4' 2>"$T/e2" & m2=$!
mgr -t $((20 * SLOW)) /bin/true 2>"$T/e3" & m3=$!
sleep 1
kill -0 "$m2" 2>/dev/null || fail "a START went on while a shim had not answered" "$T/e2"
kill -0 "$m3" 2>/dev/null || fail "a START went on while a shim had not answered" "$T/e3"
# The admin takes /bin/true off the list meanwhile.
allow "$T/app.sh" /bin/sh
kill -HUP "$SERVER_PID"
expect_wait $((5 * SLOW)) "the reload" grep -q "reloaded conf $conf" "$T/server.log"
# The shim and its service die without a word.
kill_shim "$shim"
wait_for $((10 * SLOW)) eval '! kill -0 "$m1" 2>/dev/null' ||
	fail "the manager that re-attached was never told its run is gone"
wait "$m1"; expect_eq $? 1 "the manager whose run could not be adopted"
expect_grep "is gone, not relaunching it" "$T/e1"
wait "$m2"; expect_eq $? 4 "the START held during the adoption" "$T/e2"
wait "$m3"; expect_eq $? 1 "a held START whose command a reload disallowed" "$T/e3"
expect_grep "/bin/true is not allowed by the allow_command lines" "$T/e3"
expect_grep "refused START of /bin/true from .*: not an allowed command" "$T/server.log"
kill -0 "$SERVER_PID" || fail "cmappserver died"
