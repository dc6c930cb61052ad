# SPDX-License-Identifier: ISC
# 55_bad_frames.sh: frames that no cmappmgr sends, each on a connection
# that completed the mutual TLS handshake with the host's keys
# (tests/tools/rawframe): a frame before HELLO, HELLO of a version too old,
# an unknown type, a header longer than PROTO_MAX_BODY, a reserved field
# set, a malformed body, a shim's frame, a second START on one session, a
# body cut short by the end of the stream; also a client with no
# certificate, and one that says nothing after its handshake (the 4 s
# deadline for HELLO).  Each time the server closes that one connection,
# after an ERROR where one is due (docs/protocol.md), and logs a line
# naming the peer and the reason; a manager attached to a running service
# all along keeps its connection and gets the exit code at the end, a new
# manager is served after every case, and the service runs on.
# cost: 5
raw=$BIN/tests/tools/rawframe
[ -x "$raw" ] || fail "no $raw: run make first"
max=$(sed -n 's/^#define PROTO_MAX_BODY[[:space:]]*\([0-9]*\).*/\1/p' "$TOP/common/proto.h")
[ -n "$max" ] || fail "no PROTO_MAX_BODY in common/proto.h"

# The wire format, in hex: u16, u32, a str (ASCII), a frame TYPE BODY.
u16() { printf %04x "$1"; }
u32() { printf %08x "$1"; }
str() { printf %04x%s "${#1}" "$(printf %s "$1" | od -An -v -tx1 | tr -d ' \n')"; }
frame() { printf %s%s0000%s "$(u32 $((${#2} / 2)))" "$(u16 "$1")" "$2"; }
raw() {
	"$raw" -port "$PORT" -key "$KEYS/host/client.private" -keypw clientpw \
		-trust "$KEYS/host/server_localhost.public" -wait $((3000 * SLOW)) "$@"
}

expect "cmappserver starts" start_server
# The service that runs through it all, and its manager.
mgr -t 30 $(app svc 42) >"$T/m.out" 2>"$T/m.err" & m=$!
wait_for $((5 * SLOW)) grep -q started "$T/m.err" || fail "service not started" "$T/m.err"
# Silent after its handshake, from the start: closed at the HELLO deadline.
"$raw" -port "$PORT" -key "$KEYS/host/client.private" -keypw clientpw \
	-trust "$KEYS/host/server_localhost.public" -wait $((20000 * SLOW)) >"$T/silent.out" 2>&1 & silent=$!
t_silent=$(ms)

# case NAME ERROR LOG RAWFRAME_ARGS...: rawframe's output must end with
# "closed:", hold an "ERROR ERROR" line (unless ERROR is empty), and the
# server must log a line with the peer's address and LOG (grep -E); then
# the server, the attached manager and the service must all still be there
# and a new manager served.
case_() {
	local name=$1 err=$2 log=$3 peer
	shift 3
	echo "--- $name"
	raw "$@" >"$T/$name.out" 2>&1
	sed 's/^/    /' "$T/$name.out"
	peer=$(sed -n 's/^local //p' "$T/$name.out")
	[ -n "$peer" ] || fail "$name: rawframe did not connect"
	tail -1 "$T/$name.out" | grep -q '^closed: ' ||
		fail "$name: the server did not close the connection"
	[ -z "$err" ] || grep -qE "^ERROR $err" "$T/$name.out" ||
		fail "$name: no 'ERROR $err' from the server"
	wait_for $((3 * SLOW)) eval 'grep -F "$peer" "$T/server.log" | grep -qE "$log"' ||
		{ grep -F "$peer" "$T/server.log"; fail "$name: no log line naming $peer and '$log'"; }
	grep -F "$peer" "$T/server.log" | sed 's/^/    log: /'
	kill -0 "$SERVER_PID" 2>/dev/null || fail "$name: cmappserver died"
	kill -0 "$m" 2>/dev/null || fail "$name: the attached manager ended"
	expect_eq "$(children "app.sh $T/go.svc")" 1 "services running after $name"
	mgr /bin/sh -c 'exit 5' 2>"$T/$name.mgr"
	expect_eq $? 5 "exit code of a manager after $name" "$T/$name.mgr"
}
try() { case_ "$@"; }

try before_hello 'code=2 text=expected HELLO, got HEARTBEAT' \
	'dropped .*expected HELLO, got HEARTBEAT' \
	"$(frame 101 "$(u32 0)$(u32 7)")"
# Older than the oldest version spoken (a newer one is answered with ours).
try version 'code=1 text=protocol version 0 is not spoken here' \
	'dropped .*protocol version 0 is not spoken' \
	"$(frame 100 "$(u16 0)$(str rawframe)")"
try unknown_type 'code=2 text=unknown frame type 999' \
	'dropped .*unknown frame type 999' \
	-hello "$(frame 999 "")"
try oversized "code=2 text=frame of $((max + 1)) bytes exceeds the limit of $max" \
	"dropped .*frame of $((max + 1)) bytes exceeds the limit of $max" \
	-hello "$(u32 $((max + 1)))$(u16 200)0000"
try reserved 'code=2 text=malformed frame header' \
	'dropped .*malformed frame header' \
	-hello "$(u32 0)$(u16 300)0001"
try bad_body 'code=2 text=malformed HEARTBEAT frame' \
	'dropped .*malformed HEARTBEAT frame' \
	-hello "$(frame 101 "00000000000000")"
try shim_frame 'code=2 text=unexpected SHIM_RELEASE frame' \
	'dropped .*unexpected SHIM_RELEASE frame' \
	-hello "$(frame 401 "$(u32 0)$(u32 1)")"
# START of the running service: attached; a second START on the session
# is unexpected.  The first attachment goes with the connection; the
# service stays.
set -- $(app svc 42)
start=$(frame 200 "$(u16 $#)$(for a in "$@"; do str "$a"; done)")
try second_start 'code=2 text=unexpected START: already attached' \
	'dropped .*unexpected START: already attached' \
	-hello "$start" "$start"
grep -q '^STARTED .*how=1' "$T/second_start.out" ||
	fail "second_start: the first START did not attach to the running service"
# A START whose header promises 16 bytes, 3 of them sent, then the end of
# the TCP stream (no TLS close_notify): a peer that died mid-frame.
try truncated '' \
	'frame|truncat|partial|cut|middle' \
	-hello -eof "$(u32 16)$(u16 200)0000$(u16 1)00"
# No certificate at all: the handshake ends with an alert, logged.
try no_cert '' \
	'refused .*certificate' \
	-nocert -hello

# The silent client: closed by the HELLO deadline (4 s from connecting).
wait "$silent"
took=$(( $(ms) - t_silent ))
sed 's/^/    silent: /' "$T/silent.out"
peer=$(sed -n 's/^local //p' "$T/silent.out")
if ! tail -1 "$T/silent.out" | grep -q '^closed: '; then
	fail "a client silent after its handshake was not closed in $((20 * SLOW)) s"
elif [ $took -lt 3500 ]; then
	fail "a client silent after its handshake was closed after $took ms, before the 4 s deadline"
elif ! grep -F "$peer" "$T/server.log" | grep -q "no HELLO within 4 s"; then
	fail "no log line naming $peer and the HELLO deadline"
fi

# The manager attached from the start still has its connection.
go svc
wait $m; expect_eq $? 42 "exit code of the manager attached all along"
grep -q "connection to .* lost\|re-attached" "$T/m.err" &&
	fail "the attached manager lost its connection:" "$T/m.err"
echo "figures: bad frames: 11 kinds of bad input each closed only their connection"
