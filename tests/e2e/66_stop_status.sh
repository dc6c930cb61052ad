# SPDX-License-Identifier: ISC
# 66_stop_status.sh: protocol version 4's STATUS and STOP at the frame
# level (tests/tools/rawframe; cmappmgr's -status and -stop have tests of
# their own).  Against one cmappserver whose allow_command lines allow
# /bin/sleep and /bin/sh:
# (a) STATUS and STOP of a service that does not run: STATUS_REPLY state 0
#     (none), the session stays open; a command allow_command refuses is
#     refused for STOP (ERROR PERR_DENIED, logged with who asked), not for
#     STATUS;
# (b) STOP of a running service with a manager of version 3 and one of
#     version 4 attached: STATUS_REPLY state 2 to the requester, SIGTERM;
#     the version-4 manager and the requester get STOPPED (naming the
#     requester) before the EXIT, the version-3 one the EXIT alone; the
#     requester's EXIT_ACK collects the status (STATUS then says none);
# (c) a service that ignores SIGTERM gets SIGKILL after the STOP's timeout;
# (d) STOP of a service that ended while nobody watched: STATUS_REPLY
#     state 3 with its exit code, its EXIT, and once acknowledged the
#     status is gone (STATUS says none, and START launches afresh);
# (e) an instance name is part of the identity: START_INSTANCE runs a
#     second copy, LIST names it to version 4 only, and STOP of the
#     instance leaves the plain one running;
# (f) a session of version 3 that sends a STOP is dropped;
# (g) a restarted cmappserver adopts a service by its instance too.
# cost: 12
raw=$BIN/tests/tools/rawframe
[ -x "$raw" ] || fail "no $raw: run make first"

u16() { printf %04x "$1"; }
u32() { printf %08x "$1"; }
str() { printf %04x%s "${#1}" "$(printf %s "$1" | od -An -v -tx1 | tr -d ' \n')"; }
frame() { printf %s%s0000%s "$(u32 $((${#2} / 2)))" "$(u16 "$1")" "$2"; }
argv() { printf %s "$(u16 $#)"; for a in "$@"; do str "$a"; done; }
start_frame() { frame 200 "$(argv "$@")"; }
# start_inst_frame INSTANCE ARGV..., status_frame INSTANCE ARGV...,
# stop_frame TIMEOUT INSTANCE ARGV...
start_inst_frame() { local i=$1; shift; frame 211 "$(str "$i")$(argv "$@")"; }
status_frame() { local i=$1; shift; frame 208 "$(str "$i")$(argv "$@")"; }
stop_frame() { local t=$1 i=$2; shift 2; frame 207 "$(u32 "$t")$(str "$i")$(argv "$@")"; }
list_frame=$(frame 300 "")
rawcmd() {
	"$raw" -port "$PORT" -key "$KEYS/host/client.private" -keypw clientpw \
		-trust "$KEYS/host/server_localhost.public" "$@"
}
# raw NAME RAWFRAME_ARGS...: rawframe's output in $T/NAME.out, shown.
raw() {
	local name=$1; shift
	echo "--- $name"
	rawcmd "$@" >"$T/$name.out" 2>&1
	sed 's/^/    /' "$T/$name.out"
}
# status NAME INSTANCE ARGV...: the state in a STATUS_REPLY, on stdout.
status() {
	local name=$1 i=$2; shift 2
	raw "$name" -hello -wait $((500 * SLOW)) -until STATUS_REPLY "$(status_frame "$i" "$@")" >&2
	sed -n 's/^STATUS_REPLY .* state=\([0-9]\).*/\1/p' "$T/$name.out"
}

conf=$T/cmappserver.conf
cp "$KEYS/localhost/cmappserver.conf" "$conf"
printf 'allow_command=/bin/sleep\nallow_command=/bin/sh\n' >>"$conf"
SERVER_CONF=$conf expect "cmappserver starts" start_server

echo "=== (a) nothing to stop; allow_command"
raw none -hello -wait $((500 * SLOW)) -until STATUS_REPLY:2 "$(status_frame "" /bin/sleep 1001)" \
	"$(stop_frame 5 "" /bin/sleep 1001)"
expect_eq "$(grep -c '^STATUS_REPLY run=0000000000000000 pid=0 state=0 how=0 value=0$' "$T/none.out")" 2 \
	"STATUS and STOP of no service" "$T/none.out"
expect_grep '^open$' "$T/none.out"
expect_grep 'stop of /bin/sleep 1001 asked by rawframe at 127.0.0.1:[0-9]*: not running' "$T/server.log"
raw denied -hello -wait $((1000 * SLOW)) "$(stop_frame 5 "" /usr/bin/env sleep 1)"
expect_grep '^ERROR code=6 text=/usr/bin/env is not allowed by the allow_command' "$T/denied.out"
expect_grep '^closed' "$T/denied.out"
expect_grep 'refused STOP of /usr/bin/env sleep 1 from rawframe at 127.0.0.1:[0-9]*: not an allowed command' "$T/server.log"
expect_eq "$(status st_denied "" /usr/bin/env sleep 1)" 0 "STATUS of a command not allowed"

echo "=== (b) STOP of a running service, managers of version 3 and 4 attached"
rawcmd -hello -version 3 -ack -wait $((30000 * SLOW)) "$(start_frame /bin/sleep 1002)" >"$T/m3.out" 2>&1 & m3=$!
expect_wait $((5 * SLOW)) "v3 manager started" grep -q '^STARTED' "$T/m3.out"
rawcmd -hello -ack -wait $((30000 * SLOW)) "$(start_frame /bin/sleep 1002)" >"$T/m4.out" 2>&1 & m4=$!
expect_wait $((5 * SLOW)) "v4 manager attached" grep -q '^STARTED .* how=1$' "$T/m4.out"
expect_eq "$(status st_run "" /bin/sleep 1002)" 2 "STATUS of a running service"
pid=$(sed -n 's/^STATUS_REPLY .* pid=\([0-9]*\) .*/\1/p' "$T/st_run.out")
expect_eq "$(ps -o args= -p "$pid")" "/bin/sleep 1002" "STATUS_REPLY's pid"
raw stop -hello -ack -wait $((10000 * SLOW)) "$(stop_frame 5 "" /bin/sleep 1002)"
expect_grep "^STATUS_REPLY run=[0-9a-f]* pid=$pid state=2 " "$T/stop.out"
expect_grep '^STOPPED run=[0-9a-f]* who=rawframe at 127.0.0.1:[0-9]*$' "$T/stop.out"
expect_grep '^EXIT run=[0-9a-f]* how=1 value=15 (acknowledged)$' "$T/stop.out"
expect_grep '^closed' "$T/stop.out"
expect_eq "$(grep -A1 '^STOPPED' "$T/stop.out" | sed -n 2p | cut -d' ' -f1)" EXIT "STOPPED right before EXIT" "$T/stop.out"
wait $m3 $m4
sed 's/^/    m3: /' "$T/m3.out"; sed 's/^/    m4: /' "$T/m4.out"
expect_grep '^EXIT .* how=1 value=15' "$T/m3.out"
expect_no_grep '^STOPPED' "$T/m3.out" "a manager of version 3"
expect_grep '^STOPPED run=[0-9a-f]* who=rawframe at 127.0.0.1:' "$T/m4.out"
expect_eq "$(grep -A1 '^STOPPED' "$T/m4.out" | sed -n 2p | cut -d' ' -f1)" EXIT "the v4 manager's EXIT after STOPPED" "$T/m4.out"
kill -0 "$pid" 2>/dev/null && fail "the stopped service still runs"
expect_eq "$(status st_gone "" /bin/sleep 1002)" 0 "STATUS after the stop"
expect_grep 'stop of /bin/sleep 1002 (pid [0-9]*, run [0-9a-f]*) asked by rawframe at 127.0.0.1:[0-9]*: SIGTERM, SIGKILL after 5 s' "$T/server.log"
expect_grep '/bin/sleep 1002 (pid [0-9]*, run [0-9a-f]*) stopped on request by rawframe at 127.0.0.1:[0-9]*: was killed by signal 15' "$T/server.log"

echo "=== (c) SIGTERM ignored: SIGKILL after the timeout"
stubborn='trap "" TERM; while :; do sleep 0.1; done'
rawcmd -hello -ack -wait $((30000 * SLOW)) "$(start_frame /bin/sh -c "$stubborn")" >"$T/m_kill.out" 2>&1 & mk=$!
expect_wait $((5 * SLOW)) "stubborn service started" grep -q '^STARTED' "$T/m_kill.out"
raw kill -hello -ack -wait $((10000 * SLOW)) "$(stop_frame 1 "" /bin/sh -c "$stubborn")"
expect_grep '^STOPPED ' "$T/kill.out"
expect_grep '^EXIT .* how=1 value=9 (acknowledged)$' "$T/kill.out"
wait $mk
expect_grep '^EXIT .* how=1 value=9' "$T/m_kill.out"
expect_grep "still runs after SIGTERM: SIGKILL" "$T/server.log"

echo "=== (d) STOP of a service that ended unwatched: its kept status"
raw kept_run -hello -wait $((1000 * SLOW)) -until EXIT "$(start_frame /bin/sh -c 'exit 5')"
expect_grep '^EXIT .* how=0 value=5$' "$T/kept_run.out"
expect_eq "$(status st_kept "" /bin/sh -c 'exit 5')" 3 "STATUS of a kept status"
expect_grep '^STATUS_REPLY .* pid=0 state=3 how=0 value=5$' "$T/st_kept.out"
expect_eq "$(status st_kept2 "" /bin/sh -c 'exit 5')" 3 "a second STATUS: still kept (STATUS never collects)"
raw kept_stop -hello -ack -wait $((3000 * SLOW)) "$(stop_frame 5 "" /bin/sh -c 'exit 5')"
expect_grep '^STATUS_REPLY .* state=3 how=0 value=5$' "$T/kept_stop.out"
expect_grep '^EXIT .* how=0 value=5 (acknowledged)$' "$T/kept_stop.out"
expect_no_grep '^STOPPED' "$T/kept_stop.out"
expect_grep '^closed' "$T/kept_stop.out"
expect_grep "stop of /bin/sh -c 'exit 5' (run [0-9a-f]*) asked by rawframe at 127.0.0.1:[0-9]*: it had ended (exited with code 5); its kept status sent" "$T/server.log"
expect_eq "$(status st_collected "" /bin/sh -c 'exit 5')" 0 "STATUS after the kept status was collected"
raw kept_again -hello -ack -wait $((3000 * SLOW)) -until EXIT "$(start_frame /bin/sh -c 'exit 5')"
expect_grep '^STARTED .* how=0$' "$T/kept_again.out" "a START after the stop launches afresh"

echo "=== (e) instances"
rawcmd -hello -ack -wait $((30000 * SLOW)) "$(start_frame /bin/sleep 1003)" >"$T/plain.out" 2>&1 & mp=$!
rawcmd -hello -ack -wait $((30000 * SLOW)) "$(start_inst_frame b.2 /bin/sleep 1003)" >"$T/inst.out" 2>&1 & mi=$!
expect_wait $((5 * SLOW)) "plain copy started" grep -q '^STARTED .* how=0$' "$T/plain.out"
expect_wait $((5 * SLOW)) "instance b.2 launched, not attached" grep -q '^STARTED .* how=0$' "$T/inst.out"
expect_eq "$(mine '^/bin/sleep 1003$' | wc -l)" 2 "two copies of one command"
raw list4 -hello -wait $((500 * SLOW)) -until LIST_END "$list_frame"
expect_grep '^LIST_INSTANCE run=[0-9a-f]* name=b.2$' "$T/list4.out"
expect_eq "$(grep -c '^LIST_INSTANCE' "$T/list4.out")" 1 "one LIST_INSTANCE" "$T/list4.out"
raw list3 -hello -version 3 -wait $((500 * SLOW)) -until LIST_END "$list_frame"
expect_grep '^LIST_END count=' "$T/list3.out"
expect_no_grep '^LIST_INSTANCE' "$T/list3.out" "a LIST of version 3"
expect_eq "$(status st_inst b.2 /bin/sleep 1003)" 2 "STATUS of the instance"
expect_eq "$(status st_noinst c /bin/sleep 1003)" 0 "STATUS of another instance"
raw stop_inst -hello -ack -wait $((10000 * SLOW)) "$(stop_frame 5 b.2 /bin/sleep 1003)"
expect_grep '^EXIT .* how=1 value=15 (acknowledged)$' "$T/stop_inst.out"
wait $mi
expect_grep '^STOPPED ' "$T/inst.out"
expect_eq "$(status st_plain "" /bin/sleep 1003)" 2 "the plain copy runs on"
expect_eq "$(mine '^/bin/sleep 1003$' | wc -l)" 1 "one copy left"
raw stop_plain -hello -ack -wait $((10000 * SLOW)) "$(stop_frame 5 "" /bin/sleep 1003)"
expect_grep '^EXIT .* how=1 value=15 (acknowledged)$' "$T/stop_plain.out"
wait $mp

echo "=== (f) a STOP in a session of version 3"
raw v3stop -hello -version 3 -wait $((1000 * SLOW)) "$(stop_frame 5 "" /bin/sleep 1001)"
expect_grep '^ERROR code=2 text=unexpected STOP frame in a session of protocol version 3' "$T/v3stop.out"
expect_grep '^closed' "$T/v3stop.out"

echo "=== (g) the instance survives a restart of cmappserver"
raw inst_r -hello -wait $((1000 * SLOW)) -until STARTED "$(start_inst_frame r1 /bin/sleep 1004)"
expect_grep '^STARTED .* how=0$' "$T/inst_r.out"
ls "$T/run" | grep -q '\.inst$' || fail "no RUN_ID.inst kept in the run directory"
stop_server
expect "cmappserver starts again" start_server
expect_eq "$(status st_r1 r1 /bin/sleep 1004)" 2 "STATUS of the adopted instance"
expect_eq "$(status st_r0 "" /bin/sleep 1004)" 0 "STATUS of the same argv without the instance"
raw stop_r1 -hello -ack -wait $((10000 * SLOW)) "$(stop_frame 5 r1 /bin/sleep 1004)"
expect_grep '^EXIT .* how=1 value=15 (acknowledged)$' "$T/stop_r1.out"
true
