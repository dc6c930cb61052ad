# SPDX-License-Identifier: ISC
# What a service inherits, as from a shell: cmappserver's umask (not the
# shim's 077), stdin from /dev/null, only fds 0-3 (none that cmappserver
# was started with), a session and process group of its own, and
# exec without a shell: a file that exec refuses is an error, never run
# by /bin/sh.
# cost: 1
umask 022
exec 9</dev/null	# a descriptor the boot script forgot to close
expect "cmappserver starts" start_server
exec 9<&-
# Looked at from outside, in /proc: the service is sleep(1), which opens
# nothing itself.
mgr /bin/sleep 30 >"$T/o" 2>"$T/e" & m1=$!
wait_for 5 grep -q started "$T/e" || fail "sleep not started" "$T/e"
pid=$(sed -n 's/.*(pid \([0-9]*\)).*/\1/p' "$T/e" | head -1)
[ -n "$pid" ] && [ -d "/proc/$pid" ] || fail "no service pid in: $(cat "$T/e")"
expect_eq "$(awk '/^Umask:/ { print $2 }' "/proc/$pid/status")" 0022 "the service's umask"
# 0-2 and the host-log pipe 3, nothing else.
expect_eq "$(ls "/proc/$pid/fd" | sort -n | tr '\n' ' ')" "0 1 2 3 " "the service's fds"
expect_eq "$(readlink "/proc/$pid/fd/0")" /dev/null "the service's stdin"
# Its own session and process group, led by itself: not the shim's.
expect_eq "$(ps -o sid=,pgid= -p "$pid" | awk '{ print $1, $2 }')" "$pid $pid" "the service's session and group"
for shim in $(pgrep -f "cmapp-shim $T/run"); do
	[ -e "/proc/$shim/fd/9" ] && fail "shim $shim holds fd 9"
done
kill "$m1"; wait "$m1" 2>/dev/null

# A script without "#!": execvp would hand it to /bin/sh; we refuse it.
printf 'echo ran-by-sh\n' >"$T/noshebang"; chmod 755 "$T/noshebang"
mgr "$T/noshebang" >"$T/o2" 2>"$T/e2"; expect_eq $? 1 "exit code for a file exec refuses"
expect_grep "could not start $T/noshebang: cannot execute $T/noshebang: Exec format error" "$T/e2"
grep -q ran-by-sh "$T/o2" && fail "the file was run by a shell"
# A command found in PATH still runs: no "/" in it.
mgr true; expect_eq $? 0 "a command found in PATH"
mgr no-such-command-here 2>"$T/e3"; expect_eq $? 1 "exit code for an unknown command"
expect_grep 'cannot execute no-such-command-here: No such file or directory' "$T/e3"
