# SPDX-License-Identifier: ISC
# SIGHUP re-reads cmappserver's conf and key files without dropping a
# session or a service: connections accepted after it get the new keys,
# open ones keep theirs, allow_command and max_processes apply at once.  A
# conf or key file that does not load keeps the old ones, and the log says
# why, naming the file.  What takes a restart (log_file) is said each time
# it differs from what is in effect.  Relative key paths are taken from the
# conf's directory, whatever the working directory.  The default conf,
# read at start, moved aside later: a reload keeps it, never falls back
# to the defaults (which allow any command).
# cost: 1
conf=$T/cmappserver.conf
cp "$KEYS/localhost/cmappserver.conf" "$conf"
SERVER_CONF=$conf expect "cmappserver starts" start_server

# reloads N: waits for the Nth "reloaded" line of the server's log.
reloads() {
	wait_for $((5 * SLOW)) eval '[ "$(grep -c "reloaded conf $conf and keys" "$T/server.log")" -ge '"$1"' ]' ||
		fail "no reload number $1:" "$T/server.log"
}
# lst CONF: cmappmgr -list with the keys of cmappmgr.conf CONF.
lst() {
	"$BIN/cmappmgr" -node localhost -port "$PORT" -conf "$1" -cmappserver_timeout 5 -list
}

echo "--- a manager attached to a running service, old keys"
cmd=$(app a 5)
mgr $cmd >/dev/null 2>"$T/m.err" & m=$!
wait_for $((5 * SLOW)) grep -q started "$T/m.err" || fail "service not started"
lst "$KEYS/host/cmappmgr.conf" >"$T/l1" 2>"$T/l1.err" || fail "-list before the reload" "$T/l1.err"
pid=$(awk -v c="$cmd" 'substr($0, length($0) - length(c) + 1) == c { print $1 }' "$T/l1")
[ -n "$pid" ] && [ "$pid" != - ] || fail "no pid of the service:" "$T/l1"
mgr /bin/sh -c 'exit 3'; expect_eq $? 3 "any command before allow_command"

echo "--- new keys (client trust rotated), an allow_command line and max_processes: SIGHUP"
N=$T/new
"$TOP/certs/mkkeys.sh" -in_place -o "$N" -days 20 localhost >/dev/null || fail "mkkeys.sh"
{
	echo "keyStore=$N/localhost/server.private"
	echo "trustStore=$N/localhost/client.public"
	echo "allow_command=$T/app.sh"
	echo "allow_command=/bin/true"
	echo "max_processes=5"
} >"$conf.new"
mv "$conf.new" "$conf"
kill -HUP "$SERVER_PID"
reloads 1
expect_grep "max_processes 5 (was 30)" "$T/server.log"
expect_grep "allow_command: 2 patterns (was 0)" "$T/server.log"
# The new guest certificate is checked as at start-up (20 days if within
# the second it was made).
expect_grep "the certificate O=cmapp, CN=localhost in keyStore $N/localhost/server.private expires on .* (in \\(19\\|20\\) days)" "$T/server.log"
kill -0 "$SERVER_PID" || fail "cmappserver ended on SIGHUP"
kill -0 "$m" 2>/dev/null || fail "the attached manager ended on the reload" "$T/m.err"

echo "--- a new connection gets the new keys; the old client keys are refused"
lst "$N/host/cmappmgr.conf" >"$T/l2" 2>"$T/l2.err" || fail "-list with the new keys" "$T/l2.err"
expect_grep "^guest certificate O=cmapp, CN=localhost, expires .* (in \\(19\\|20\\) days)$" "$T/l2"
pid2=$(awk -v c="$cmd" 'substr($0, length($0) - length(c) + 1) == c { print $1 }' "$T/l2")
expect_eq "$pid2" "$pid" "pid of the service after the reload" "$T/l2"
lst "$KEYS/host/cmappmgr.conf" >/dev/null 2>"$T/l3.err"
expect_eq $? 1 "-list with the old client keys"
expect_grep "Could not connect to the node localhost" "$T/l3.err"
# allow_command applies to the next START.
MGR_CONF=$N/host/cmappmgr.conf mgr /bin/true; expect_eq $? 0 "allowed /bin/true"
MGR_CONF=$N/host/cmappmgr.conf mgr /bin/sh -c 'exit 3' 2>"$T/e.refused"
expect_eq $? 1 "a command no longer allowed"
expect_grep "not allowed by the allow_command" "$T/e.refused"

echo "--- a broken conf, then a missing keyStore: the ones in use stay"
cp "$conf" "$conf.good"
echo "max_processes=lots" >>"$conf"
kill -HUP "$SERVER_PID"
wait_for $((5 * SLOW)) grep -q "^cmappserver\[$SERVER_PID\]: $conf:6: .*keeping the conf and keys in use\$" "$T/server.log" ||
	fail "no log line naming the bad conf line" "$T/server.log"
sed "s|^keyStore=.*|keyStore=$T/no-such.private|" "$conf.good" >"$conf"
kill -HUP "$SERVER_PID"
wait_for $((5 * SLOW)) grep -q "cannot read keyStore $T/no-such.private: .*keeping the conf and keys in use\$" "$T/server.log" ||
	fail "no log line naming the missing keyStore" "$T/server.log"
expect_eq "$(grep -c "reloaded conf" "$T/server.log")" 1 "reloads that succeeded"
lst "$N/host/cmappmgr.conf" >/dev/null 2>"$T/l4.err" || fail "-list after the failed reloads" "$T/l4.err"
MGR_CONF=$N/host/cmappmgr.conf mgr /bin/sh -c 'exit 3' 2>"$T/e.kept"
expect_eq $? 1 "allow_command kept after a failed reload" "$T/e.kept"
expect_grep "not allowed by the allow_command" "$T/e.kept"

echo "--- what takes a restart is said against what is in effect, not what a reload asked"
cp "$conf.good" "$conf"
echo "log_file=$T/other.log" >>"$conf"
kill -HUP "$SERVER_PID"
reloads 2
expect_eq "$(grep -c "names the log_file '$T/other.log': that takes a restart" "$T/server.log")" 1 "warnings for a new log_file" "$T/server.log"
cp "$conf.good" "$conf"
kill -HUP "$SERVER_PID"
reloads 3
expect_eq "$(grep -c "names the log_file" "$T/server.log")" 1 "warnings once the log_file in effect is asked again" "$T/server.log"

echo "--- the session of before the reloads is whole: its service's end reaches it"
kill -0 "$m" 2>/dev/null || fail "the attached manager ended" "$T/m.err"
go a
wait "$m"; expect_eq $? 5 "exit code through the session of before the reloads" "$T/m.err"
grep -qi "lost\|reconnect" "$T/m.err" && fail "the manager's connection was dropped:" "$T/m.err"

echo "--- relative key paths are the conf's directory's, from any directory and on SIGHUP"
mkdir -p "$T/rel"
cp "$KEYS/localhost/server.private" "$KEYS/localhost/client.public" "$T/rel/"
printf 'keyStore=server.private\ntrustStore=client.public\n' >"$T/rel/cmappserver.conf"
stop_server
cd / || fail "cd /"
SERVER_CONF=$T/rel/cmappserver.conf expect "cmappserver starts from / with relative key paths" start_server
n=$(grep -c "reloaded conf $T/rel/cmappserver.conf and keys" "$T/server.log")
kill -HUP "$SERVER_PID"
wait_for $((5 * SLOW)) eval '[ "$(grep -c "reloaded conf $T/rel/cmappserver.conf and keys" "$T/server.log")" -gt '"$n"' ]' ||
	fail "no reload with relative key paths" "$T/server.log"
expect_no_grep "cannot read keyStore server.private" "$T/server.log"
mgr /bin/sh -c 'exit 4'; expect_eq $? 4 "exit code through the server with relative key paths"
cd "$T" || fail "cd $T"

echo "--- the default conf moved aside: a reload keeps the one in use"
# /opt in a mount namespace of the server's own is $T/optroot.
mkdir -p "$T/optroot/hp/cmappserver"
cp "$KEYS/localhost/cmappserver.conf" "$T/optroot/hp/cmappserver/cmappserver.conf"
echo "allow_command=/bin/true" >>"$T/optroot/hp/cmappserver/cmappserver.conf"
port2=$(free_port)
unshare -m sh -c 'mount --bind "$0" /opt && exec "$@"' "$T/optroot" \
	"$BIN/cmappserver" -f -listen 127.0.0.1 -port "$port2" -rundir "$T/run2" >"$T/def.log" 2>&1 & dpid=$!
wait_for $((10 * SLOW)) grep -q " listening on " "$T/def.log" || fail "cmappserver with the default conf did not start" "$T/def.log"
mv "$T/optroot/hp/cmappserver/cmappserver.conf" "$T/aside.conf"
kill -HUP "$dpid"
wait_for $((5 * SLOW)) grep -q "keeping the conf and keys in use" "$T/def.log" ||
	fail "the reload without the default conf did not keep the conf in use" "$T/def.log"
expect_grep "/opt/hp/cmappserver/cmappserver.conf" "$T/def.log"
expect_no_grep "any command may be launched\|using the default key files\|reloaded keys" "$T/def.log" "default conf log"
kill "$dpid"; wait "$dpid" 2>/dev/null
