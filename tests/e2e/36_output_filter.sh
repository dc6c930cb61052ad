# SPDX-License-Identifier: ISC
# Nothing from the guest reaches the host raw (docs/output-filter.md): a
# service's output lines and last error line, its host-log records, the
# guest's ERROR texts and -list all go through vis.c's filter, so that ESC
# sequences, CR, the C1 byte 0x9b and DEL cannot act on the admin's
# terminal, and a newline cannot forge a line of cmappmgr's own.  And the
# guest's own log (cmappserver's lines, caught from syslog) is filtered as
# well: an allowed prefix with a newline after it writes no line of its own.
# cost: 1
syslog_capture
trap 'end_test; syslog_stop' EXIT
conf=$T/cmappserver.conf
cp "$KEYS/localhost/cmappserver.conf" "$conf"
mkdir -p "$T/apps"
printf 'allow_command=/bin/sh\nallow_command=%s/apps/*\n' "$T" >>"$conf"
SERVER_CONF=$conf SERVER_WRAP=$SYSLOG_WRAP expect "cmappserver starts" start_server

# msys ARGS...: cmappmgr with its syslog caught.
msys() {
	in_syslog "$BIN/cmappmgr" -node localhost -port "$PORT" \
		-conf "$KEYS/host/cmappmgr.conf" -cmappserver_timeout 10 -service "$@"
}
# raw FILE...: how many bytes of FILE are neither printable, tab, newline
# nor 0xa0-0xff: what the filter must have escaped.
raw() { cat "$@" | LC_ALL=C tr -d '\11\12\40-\176\240-\377' | wc -c; }
# a record of FILE is exactly LINE (fixed string, whole line)
has_line() { grep -qxF -- "$2" "$1" || { cat -A "$1" | sed 's/^/    /'; fail "no line '$2' in $1:"; }; }

# The service: a terminal attack on stdout, stderr and the host log, and a
# forged cmappmgr line of each.
cat >"$T/evil.sh" <<'SVC'
#!/bin/sh
for fd in 1 2 3; do
	printf 'clear\033[2J\033]0;title\007 cr\rx csi\2332J del\177 bs\\ tab\tend\n' >&$fd
	printf 'cmappmgr[1]: svc on localhost exited with code 0\n' >&$fd
done
printf 'last\033[31m\233\n' >&2
exit 3
SVC
chmod +x "$T/evil.sh"
# What each line must read: backslash escapes, as plain text.
want='clear\033[2J\033]0;title\007 cr\rx csi\2332J del\177 bs\\ tab	end'

echo "--- output, host log and the last error line"
msys /bin/sh "$T/evil.sh" --host_logfile "$T/host.log" >"$T/o" 2>"$T/e"
expect_eq $? 3 "exit code" "$T/e"
pre=$(grep -om1 '^localhost sh\[[0-9]*\]: ' "$T/o")
[ -n "$pre" ] || { cat -A "$T/o"; fail "no output line"; }
has_line "$T/o" "$pre$want"
has_line "$T/e" "$pre$want"
has_line "$T/host.log" "$want"
# The forged line is the service's, marked so by cmappmgr's prefix.
has_line "$T/o" "${pre}cmappmgr[1]: svc on localhost exited with code 0"
has_line "$T/e" "${pre}cmappmgr[1]: svc on localhost exited with code 0"
grep -q '^cmappmgr\[1\]' "$T/o" "$T/e" && fail "a forged cmappmgr line"
n=$(raw "$T/o" "$T/e" "$T/host.log")
[ "$n" = 0 ] || cat -A "$T/o" "$T/e" "$T/host.log"
expect_eq "$n" 0 "raw control bytes on the host"
# The last error line, to syslog too.
expect_grep '^cmappmgr\[[0-9]*\]: .* exited with code 3; its last error line: last\\033\[31m\\233$' "$T/e"
wait_for 5 grep -q 'cmappmgr\[[0-9]*\]: .* exited with code 3; its last error line: last\\033\[31m\\233$' "$SYSLOG_OUT" ||
	{ cat -A "$SYSLOG_OUT"; fail "no last error line in syslog"; }

echo "--- an ERROR text with a newline: one cmappmgr line"
# An allowed prefix, then a newline and a fake line: the exec fails, and
# the guest's "cannot execute ..." comes back in its ERROR text.
bad="$T/apps/nope
cmappmgr[1]: svc on localhost exited with code 0"
# One word with blanks is split (cmappmgr(8)): the path is quoted as one.
msys "'$bad'" >"$T/o2" 2>"$T/e2"
expect_eq $? 1 "exit code of a failed exec" "$T/e2"
n=$(grep -c . "$T/e2")
[ "$n" = 1 ] || cat -A "$T/e2"
expect_eq "$n" 1 "lines of cmappmgr's stderr"
expect_grep "^cmappmgr\[[0-9]*\]: cmappserver on localhost could not start \$'$T/apps/nope\\\\ncmappmgr\[1\]: svc on localhost exited with code 0': cannot execute $T/apps/nope\\\\ncmappmgr\[1\]: svc on localhost exited with code 0: No such file or directory$" "$T/e2"

echo "--- the guest's own log: no forged line either"
wait_for 5 grep -q 'could not start' "$T/server.log" || fail "no exec failure logged" "$T/server.log"
expect_grep "could not start \$'$T/apps/nope\\\\ncmappmgr\[1\]: .*': cannot execute $T/apps/nope\\\\ncmappmgr\[1\]: svc on localhost exited with code 0: No such file or directory$" "$T/server.log"
grep -q '^cmappmgr\[1\]' "$T/server.log" && fail "a forged line in the guest's log"
wait_for 5 grep -q 'cmappserver\[[0-9]*\]: could not start' "$SYSLOG_OUT" || fail "no exec failure in syslog"
grep -Eq '^(daemon\.[a-z]+ )?cmappmgr\[1\]' "$SYSLOG_OUT" && { cat -A "$SYSLOG_OUT"; fail "a forged line in syslog"; }
n=$(raw "$T/server.log" "$SYSLOG_OUT")
[ "$n" = 0 ] || cat -A "$T/server.log" "$SYSLOG_OUT"
expect_eq "$n" 0 "raw control bytes in the logs"

echo "--- -list: a command with ESC, BEL, 0x9b and DEL"
title=$'\e]0;x\a\x9b\x7f'
mgr /bin/sh -c 'while [ ! -e "$1" ]; do sleep 0.05; done' sh "$T/go.l" "$title" >/dev/null 2>"$T/e3" & m=$!
wait_for 10 grep -q started "$T/e3" || fail "not started" "$T/e3"
"$BIN/cmappmgr" -node localhost -port "$PORT" -conf "$KEYS/host/cmappmgr.conf" \
	-cmappserver_timeout 5 -list >"$T/list" 2>"$T/list.err"
expect_eq $? 0 "-list exit code" "$T/list.err"
expect_grep "  /bin/sh -c .* sh $T/go.l \$'\\\\033\]0;x\\\\007\\\\233\\\\177'$" "$T/list"
n=$(raw "$T/list")
[ "$n" = 0 ] || cat -A "$T/list"
expect_eq "$n" 0 "raw control bytes in -list"
expect_grep "launched .* \$'\\\\033\]0;x\\\\007\\\\233\\\\177' for manager" "$T/server.log"
go l; wait $m; expect_eq $? 0 "exit code of the listed service"
syslog_stop
true
