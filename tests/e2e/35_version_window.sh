# SPDX-License-Identifier: ISC
# 35_version_window.sh: hosts and guests upgrade one at a time, so each
# side speaks a window of protocol versions and HELLO settles on the
# highest both speak (docs/protocol.md, "Versions").  Both directions
# against a peer that speaks only version 1, the first release's:
# (a) a manager of version 1 (tests/tools/rawframe -version 1) against
#     this cmappserver: its HELLO is answered with version 1, a START is
#     served to its EXIT, and a LIST gets no LIST_MANAGER (version 2's),
#     while a manager of version 2, or of a newer one, gets version 2 and
#     the managers; one older than the oldest (0) is refused with ERROR
#     PERR_VERSION naming both;
# (b) this cmappmgr against a cmappserver of version 1 (tests/tools/
#     oldserver, which refuses any other version as that release does):
#     refused at version 2, it tries again once with version 1, says so,
#     and exits with the service's code; -list prints the table and says
#     once that the guest's cmappserver is too old to name the attached
#     managers, unless it named them all the same (as the release did).
# cost: 8
raw=$BIN/tests/tools/rawframe
old=$BIN/tests/tools/oldserver
for t in "$raw" "$old"; do [ -x "$t" ] || fail "no $t: run make first"; done
min=$(sed -n 's/^#define PROTO_VERSION_MIN[[:space:]]*\([0-9]*\).*/\1/p' "$TOP/common/proto.h")
max=$(sed -n 's/^#define PROTO_VERSION_MAX[[:space:]]*\([0-9]*\).*/\1/p' "$TOP/common/proto.h")
[ "$min" = 1 ] && [ "${max:-0}" -ge 2 ] ||
	fail "common/proto.h: PROTO_VERSION_MIN '$min', MAX '$max': this test expects 1 and 2 or more"

u16() { printf %04x "$1"; }
u32() { printf %08x "$1"; }
str() { printf %04x%s "${#1}" "$(printf %s "$1" | od -An -v -tx1 | tr -d ' \n')"; }
frame() { printf %s%s0000%s "$(u32 $((${#2} / 2)))" "$(u16 "$1")" "$2"; }
start_frame() { frame 200 "$(u16 $#)$(for a in "$@"; do str "$a"; done)"; }
list_frame=$(frame 300 "")
# raw NAME RAWFRAME_ARGS...: rawframe's output in $T/NAME.out, shown.
raw() {
	local name=$1; shift
	echo "--- $name"
	"$raw" -port "$PORT" -key "$KEYS/host/client.private" -keypw clientpw \
		-trust "$KEYS/host/server_localhost.public" "$@" >"$T/$name.out" 2>&1
	sed 's/^/    /' "$T/$name.out"
}
lst() {
	"$BIN/cmappmgr" -node localhost -port "$PORT" -conf "$KEYS/host/cmappmgr.conf" \
		-cmappserver_timeout $((5 * SLOW)) -list
}

echo "=== (a) managers of other versions against this cmappserver"
expect "cmappserver starts" start_server
# A service with one manager attached, which a LIST may name.
mgr -t 30 $(app svc 42) >"$T/m.out" 2>"$T/m.err" & m=$!
wait_for $((5 * SLOW)) grep -q started "$T/m.err" || fail "service not started" "$T/m.err"

# Version 1: attaches to it (STARTED how=1) and lists: two managers
# counted, none named.
raw v1_list -hello -version 1 -wait $((1000 * SLOW)) -until LIST_END "$(start_frame $(app svc 42))" "$list_frame"
expect_grep '^HELLO version=1 ' "$T/v1_list.out"
expect_grep '^STARTED .* how=1$' "$T/v1_list.out"
expect_grep '^LIST_ENTRY .* managers=2$' "$T/v1_list.out"
expect_grep '^LIST_END count=1$' "$T/v1_list.out"
! grep -q '^LIST_MANAGER' "$T/v1_list.out" || fail "a manager of version 1 was sent LIST_MANAGER"
! grep -q '^closed' "$T/v1_list.out" || fail "the connection of a manager of version 1 was closed"

# Version 2, and a newer one than ours: the lower of it and ours, and
# the manager named.
for v in 2 $((max + 5)); do
	raw "v${v}_list" -hello -version "$v" -wait $((1000 * SLOW)) -until LIST_END "$list_frame"
	expect_grep "^HELLO version=$((v < max ? v : max)) " "$T/v${v}_list.out"
	# 1, or 2 while the server has not yet seen the close of v1_list's.
	expect_grep '^LIST_ENTRY .* managers=[12]$' "$T/v${v}_list.out"
	expect_grep '^LIST_MANAGER .* peer=127.0.0.1:' "$T/v${v}_list.out"
done

# Version 1 to a service's end: STARTED (launched), EXIT with its code.
raw v1_run -hello -version 1 -wait $((3000 * SLOW)) -until EXIT "$(start_frame /bin/sh -c 'exit 7')"
expect_grep '^HELLO version=1 ' "$T/v1_run.out"
expect_grep '^STARTED .* how=0$' "$T/v1_run.out"
expect_grep '^EXIT .* how=0 value=7$' "$T/v1_run.out"

# Older than our oldest: refused, both windows named, the connection closed.
raw v0 -hello -version 0 -wait $((3000 * SLOW))
expect_grep "^ERROR code=1 text=protocol version 0 is not spoken here (cmappserver .* speaks versions $min to $max)" "$T/v0.out"
tail -1 "$T/v0.out" | grep -q '^closed: ' || fail "a manager of version 0 was not dropped"
expect_grep 'dropped .*protocol version 0 is not spoken here' "$T/server.log"

# This cmappmgr's -list of this server: the managers named, no excuse.
lst >"$T/new_list.out" 2>&1 || fail "-list of this cmappserver" "$T/new_list.out"
sed 's/^/    /' "$T/new_list.out"
expect_grep '^ *manager 127.0.0.1:[0-9]*, attached for ' "$T/new_list.out"
! grep -q 'too old' "$T/new_list.out" || fail "-list of a server of version $max says it is too old"

go svc
wait $m; expect_eq $? 42 "exit code of the manager of version $max" "$T/m.err"
end_test

echo "=== (b) this cmappmgr against a cmappserver of version 1"
PORT=$(free_port)
"$old" -port "$PORT" -key "$KEYS/localhost/server.private" -keypw serverpw \
	-trust "$KEYS/localhost/client.public" -code 9 >"$T/old.out" 2>&1 & oldpid=$!
trap 'kill $oldpid 2>/dev/null; wait $oldpid 2>/dev/null; end_test' EXIT
wait_for $((5 * SLOW)) grep -q '^listening' "$T/old.out" || fail "oldserver did not start" "$T/old.out"

mgr /bin/true >"$T/o.out" 2>"$T/o.err"
code=$?
sed 's/^/    out: /' "$T/o.out"; sed 's/^/    err: /' "$T/o.err"; sed 's/^/    oldserver: /' "$T/old.out"
expect_eq "$code" 9 "exit code of cmappmgr against a cmappserver of version 1"
expect_grep 'the old server ran /bin/true' "$T/o.out"
expect_grep "does not speak protocol version $max: trying again with version 1" "$T/o.err"
# Asked again at once on the same address: no "cannot reach" line.
expect_no_grep "cannot reach" "$T/o.err"
expect_eq "$(grep -c '^HELLO version=' "$T/old.out")" 2 "HELLOs the old server got"
expect_eq "$(grep '^HELLO version=' "$T/old.out" | tr '\n' ' ')" "HELLO version=$max HELLO version=1 " "versions said"

# -list: the table, and once that the managers cannot be named.
lst >"$T/old_list.out" 2>"$T/old_list.err" || fail "-list of a cmappserver of version 1" "$T/old_list.out" "$T/old_list.err"
sed 's/^/    /' "$T/old_list.out" "$T/old_list.err"
expect_grep '^4242  *0123456789abcdef  *running  *up 1m0[0-9]s  *2  /bin/sleep 100$' "$T/old_list.out"
expect_eq "$(grep -c 'too old to name the attached managers' "$T/old_list.out")" 1 "lines saying the server is too old"
! grep -q 'manager 127' "$T/old_list.out" || fail "managers listed that the server did not name"

# The first release named them all the same, under version 1: shown.
kill $oldpid; wait $oldpid 2>/dev/null
"$old" -port "$PORT" -key "$KEYS/localhost/server.private" -keypw serverpw \
	-trust "$KEYS/localhost/client.public" -managers >"$T/old2.out" 2>&1 & oldpid=$!
wait_for $((5 * SLOW)) grep -q '^listening' "$T/old2.out" || fail "oldserver did not start" "$T/old2.out"
lst >"$T/old_list2.out" 2>&1 || fail "-list of a cmappserver of version 1 that names managers" "$T/old_list2.out"
sed 's/^/    /' "$T/old_list2.out"
expect_eq "$(grep -c 'manager 127.0.0.1:4000[12], attached for 1m0[0-9]s' "$T/old_list2.out")" 2 "managers named by the old server"
! grep -q 'too old' "$T/old_list2.out" || fail "-list says too old where the managers were named"

# A server that closes each connection right after its HELLO (of our
# version): HELLO is no answer, so a service's manager, -status, -stop and
# -list give up at their -cmappserver_timeout (2 s) with status 1, trying
# ever less often (a few times a run), rather than reconnecting for ever.
kill $oldpid; wait $oldpid 2>/dev/null
"$old" -port "$PORT" -key "$KEYS/localhost/server.private" -keypw serverpw \
	-trust "$KEYS/localhost/client.public" -hangup >"$T/old3.out" 2>&1 & oldpid=$!
wait_for $((5 * SLOW)) grep -q '^listening' "$T/old3.out" || fail "oldserver did not start" "$T/old3.out"
for how in service status stop list; do
	n0=$(grep -c '^HELLO version=' "$T/old3.out")
	t0=$(ms)
	case $how in
	service) timeout 20 "$BIN/cmappmgr" -node localhost -port "$PORT" -conf "$KEYS/host/cmappmgr.conf" \
			-cmappserver_timeout 2 -service /bin/true ;;
	status)	timeout 20 "$BIN/cmappmgr" -node localhost -port "$PORT" -conf "$KEYS/host/cmappmgr.conf" \
			-cmappserver_timeout 2 -status -service /bin/true ;;
	stop)	timeout 20 "$BIN/cmappmgr" -node localhost -port "$PORT" -conf "$KEYS/host/cmappmgr.conf" \
			-cmappserver_timeout 2 -stop -service /bin/true ;;
	list)	timeout 20 "$BIN/cmappmgr" -node localhost -port "$PORT" -conf "$KEYS/host/cmappmgr.conf" \
			-cmappserver_timeout 2 -list ;;
	esac >"$T/hang.$how" 2>&1
	rc=$? took=$(($(ms) - t0))
	sed 's/^/    /' "$T/hang.$how" | tail -3
	expect_eq $rc 1 "status of $how against a server that hangs up after HELLO" "$T/hang.$how"
	[ $took -lt $((2000 + 2000 * SLOW)) ] || fail "$how took $took ms against a server that hangs up after HELLO (timeout 2 s)"
	n=$(($(grep -c '^HELLO version=' "$T/old3.out") - n0))
	[ $n -le 8 ] || fail "$how: $n HELLOs in its 2 s: not backing off" "$T/old3.out"
done

echo "figures: version window: manager v1/v$max/v$((max + 5))/v0 against server v1-$max, manager v1-$max against server v1: all as designed"
