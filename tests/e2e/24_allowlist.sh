# SPDX-License-Identifier: ISC
# allow_command lines in cmappserver.conf restrict what hosts may launch: a
# refused START is an error to the manager (exit 1) and a log line naming
# the peer and the command; allowed ones run as usual.
# cost: 1
conf=$T/cmappserver.conf
cp "$KEYS/localhost/cmappserver.conf" "$conf"
printf 'allow_command=%s\nallow_command=/bin/tru*\nallow_command=%s\n' "$T/app.sh" "$T/apps/*/*" >>"$conf"
app ok 4 >/dev/null		# makes $T/app.sh
SERVER_CONF=$conf expect "cmappserver starts" start_server
mgr $(app ok 4) 2>"$T/e1" & m=$!
wait_for 5 grep -q started "$T/e1" || fail "allowed command not started"
go ok; wait $m; expect_eq $? 4 "allowed command's exit code"
mgr /bin/true; expect_eq $? 0 "glob-allowed /bin/true"
mgr /bin/sh -c 'touch '"$T"'/ran' 2>"$T/e2"; expect_eq $? 1 "refused command's exit code"
expect_grep "refused to start /bin/sh.*not allowed by the allow_command" "$T/e2"
expect_grep "refused START of /bin/sh -c .* from 127.0.0.1:[0-9]*: not an allowed command" "$T/server.log"
# A dot part cannot walk out of an allowed pattern: $T/apps/*/* matches
# $T/apps/../evil.sh as a string, which is $T/evil.sh.
mkdir -p "$T/apps"
printf '#!/bin/sh\ntouch "$1"\n' >"$T/evil.sh"; chmod +x "$T/evil.sh"
mgr "$T/apps/../evil.sh" "$T/ran" 2>"$T/e3"; expect_eq $? 1 "dot-dot path" "$T/e3"
expect_grep "not allowed by the allow_command" "$T/e3"
[ -e "$T/ran" ] && fail "a refused command ran"
true
