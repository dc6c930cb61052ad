# SPDX-License-Identifier: ISC
# Conf lines as admins write them: long comments start both programs; a
# key line too long for inih (a keyStore path over 240 bytes), or an empty
# allow_command after real ones, stops them naming the file, line and key.
# The allowlist matches the command's path only, as its page says: a
# symlink inside an allowed directory runs what it points to.
# cost: 1
long=$(printf '%0500d' 0 | tr 0 x)
dir=$T/keys/$(printf '%0120d' 0 | tr 0 d)/$(printf '%0120d' 0 | tr 0 e)
expect "directories made" mkdir -p "$dir" "$T/allowed"
expect "the server key copied" cp "$KEYS/localhost/server.private" "$dir/server.private"
expect "the client key copied" cp "$KEYS/host/client.private" "$dir/client.private"
expect "a symlink made" ln -s /bin/sh "$T/allowed/sh"
[ ${#dir} -gt 240 ] || fail "the key path is only ${#dir} bytes"

cat >"$T/srv.conf" <<EOC
# $long
keyStore=$KEYS/localhost/server.private
trustStore=$KEYS/localhost/client.public
;$long
allow_command=$T/allowed/
EOC
cat >"$T/mgr.conf" <<EOC
#$long
keyStore=$KEYS/host/client.private
localhost:
# $long
trustStore=$KEYS/host/server_localhost.public
EOC
SERVER_CONF=$T/srv.conf expect "cmappserver starts" start_server
MGR_CONF=$T/mgr.conf mgr "$T/allowed/sh" -c 'exit 5' 2>"$T/e"
expect_eq $? 5 "a service via a symlink in an allowed directory" "$T/e"
MGR_CONF=$T/mgr.conf mgr /bin/sh -c 'exit 5' 2>"$T/e"
expect_eq $? 1 "/bin/sh itself, not allowed"
expect_grep "not allowed by the allow_command" "$T/e"
stop_server

# A keyStore path over 240 bytes makes a line longer than inih's 198: its
# file, line and key, and neither program runs (the timeouts end a server
# that would start regardless).
sed "2s|=.*|=$dir/server.private|" "$T/srv.conf" >"$T/longsrv.conf"
timeout $((10 * SLOW)) "$BIN/cmappserver" -f -conf "$T/longsrv.conf" -port "$PORT" 2>"$T/e1"
expect_eq $? 1 "too long a line, cmappserver"
expect_grep "$T/longsrv.conf:2: keyStore: the line is longer than 198 bytes" "$T/e1"
listening "$PORT" && fail "a server listens"
sed "2s|=.*|=$dir/client.private|" "$T/mgr.conf" >"$T/longmgr.conf"
MGR_CONF=$T/longmgr.conf mgr /bin/true 2>"$T/e2"
expect_eq $? 1 "too long a line, cmappmgr"
expect_grep "$T/longmgr.conf:2: keyStore: the line is longer than 198 bytes" "$T/e2"

# An empty allow_command after real ones no longer switches the list off.
{ cat "$T/srv.conf"; echo "allow_command=/bin/true"; echo "allow_command="; } >"$T/empty.conf"
timeout $((10 * SLOW)) "$BIN/cmappserver" -f -conf "$T/empty.conf" -port "$PORT" 2>"$T/e3"
expect_eq $? 1 "empty allow_command"
expect_grep "$T/empty.conf:7: allow_command: an empty value; to allow every command, remove all allow_command lines" "$T/e3"
listening "$PORT" && fail "a server listens"
true
