# SPDX-License-Identifier: ISC
# cmappmgr -list, the admins' status view: every state a service can be in
# (running with its managers, ended and delivered, ended while nobody
# watched, killed by a signal, starting while its exec hangs; delivered
# runs only with -all) with the
# right pid, run id, status, manager count and the managers' addresses
# and ports (the listing's own connection not among them); a client the guest does not
# trust is refused at once and sees nothing; a guest that is not the
# pinned one is refused; no guest is an exit 1 after the timeout; a guest
# that comes up late is waited for; usage errors.
# cost: 5

# lst [-t SECONDS]: the status view of the guest "localhost".
lst() {
	local t=5
	[ "${1:-}" = -t ] && { t=$2; shift 2; }
	"$BIN/cmappmgr" -node localhost -port "$PORT" \
		-conf "${MGR_CONF:-$KEYS/host/cmappmgr.conf}" \
		-cmappserver_timeout "$t" -list "$@"
}

# row FILE CMD: the table line of the service CMD (its line ends "  CMD").
row() {
	awk -v c="  $2" 'length($0) > length(c) &&
	    substr($0, length($0) - length(c) + 1) == c' "$1"
}

# row_is FILE CMD ERE: the line of CMD, less the command, matches ERE
# (a condition; expect_row is the check).
row_is() {
	local line
	line=$(row "$1" "$2")
	[ -n "$line" ] && echo "${line%"  $2"}" | grep -Eq -- "$3"
}

# expect_row FILE CMD ERE: the line of CMD, less the command, matches ERE.
expect_row() {
	local line
	line=$(row "$1" "$2")
	[ -n "$line" ] || fail "no line for '$2' in the listing:" "$1"
	line=${line%"  $2"}
	echo "$line" | grep -Eq -- "$3" || fail "line of '$2' is '$line', expected /$3/" "$1"
}

# managers FILE CMD: the lines under the row of CMD that name its attached
# managers, "ADDR:PORT" each, in the order listed, into $T/managers; and
# fails if one of them is not "<indent>manager ADDR:PORT, attached for
# DURATION".
managers() {
	awk -v c="  $2" '
	    under && /^ / { print; next }
	    { under = length($0) > length(c) &&
		substr($0, length($0) - length(c) + 1) == c }' "$1" >"$T/mgr.lines"
	grep -Evq '^ {9}manager [^ ,]+, attached for [0-9]+[smhd]([0-9]+[smh])?$' "$T/mgr.lines" &&
		fail "malformed manager line under '$2':" "$1"
	sed -E 's/^ +manager ([^,]*),.*/\1/' "$T/mgr.lines" >"$T/managers"
}

# local_port PID: the local port of cmappmgr PID's connection to the guest.
local_port() {
	ss -Htnp state established "dport = :$PORT" | awk -v p="pid=$1," '
	    index($0, p) { n = split($3, a, ":"); print a[n]; exit }'
}

HEADER='^PID +RUN ID +STATE +UPTIME/EXIT +MGRS +COMMAND$'

# --- No guest yet: exit 1 with the manual's message after the timeout.
start=$SECONDS
lst -t 2 >"$T/o" 2>"$T/e"; rc=$?
expect_eq $rc 1 "exit code without a guest"
expect_grep "Could not connect to the node localhost: connection refused" "$T/e"
[ $((SECONDS - start)) -le 5 ] || fail "gave up after $((SECONDS - start)) s, expected about 2"
[ ! -s "$T/o" ] || fail "printed a listing without a guest"

# --- A guest that comes up late is waited for, like a booting one.
lst -t 15 >"$T/late" 2>"$T/late.e" & l=$!
sleep 1
expect "cmappserver starts" start_server
wait $l; expect_eq $? 0 "exit code of a listing started before the guest" "$T/late.e"
expect_grep '^localhost (cmappserver [0-9.]*): 0 services, 0 running$' "$T/late"
grep -Eq "$HEADER" "$T/late" || fail "no table header"
# The guest's certificate and when it expires (mkkeys.sh: 400 days).
expect_grep '^guest certificate O=cmapp, CN=localhost, expires 2[0-9-]* (in 39[89] days)$' "$T/late"
expect_eq "$(wc -l <"$T/late")" 3 "lines of an empty listing"

# --- A running service with two managers attached.
cmd=$(app a 0)
mgr $cmd >/dev/null 2>"$T/m1.e" & m1=$!
wait_for 5 grep -q 'started' "$T/m1.e" || fail "app a not started"
mgr $cmd >/dev/null 2>"$T/m2.e" & m2=$!
wait_for 5 grep -q 'already running' "$T/m2.e" || fail "second manager did not attach"
lst >"$T/l1" 2>"$T/l1.e"; expect_eq $? 0 "exit code of the listing" "$T/l1.e"
expect_grep '^localhost (cmappserver [0-9.]*): 1 service, 1 running$' "$T/l1"
expect_row "$T/l1" "$cmd" '^[0-9]+ +[0-9a-f]{16} +running +up [0-9]+s +2$'
pid=$(row "$T/l1" "$cmd" | awk '{ print $1 }')
runid=$(row "$T/l1" "$cmd" | awk '{ print $2 }')
# The pid is the application's own; the run id names its shim's socket.
args=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)
expect_eq "$args" "/bin/bash $cmd " "command line of pid $pid"
if [ -d "$T/run" ]; then
	[ -S "$T/run/$runid.sock" ] || fail "no shim socket for run id $runid in $T/run"
fi
# Which managers: both, by the address and port each connected from (as
# the kernel shows their sockets), and not the listing's own connection.
port1=$(local_port $m1); port2=$(local_port $m2)
[ -n "$port1" ] && [ -n "$port2" ] || fail "no connections of the managers in ss: '$port1' '$port2'"
managers "$T/l1" "$cmd"
got=$(sort "$T/managers")
expect_eq "$got" "$(printf '127.0.0.1:%s\n' $port1 $port2 | sort)" "managers listed under app a" "$T/l1"
# One manager detaches (SIGTERM): the count and the list follow.
kill -TERM $m2; wait $m2
wait_for 5 eval 'lst >"$T/l2" 2>/dev/null &&
	row_is "$T/l2" "$cmd" "^$pid +$runid +running +up [0-9]+s +1\$"' ||
	expect_row "$T/l2" "$cmd" "^$pid +$runid +running +up [0-9]+s +1$"
managers "$T/l2" "$cmd"
got=$(cat "$T/managers")
expect_eq "$got" "127.0.0.1:$port1" "managers listed under app a after one left" "$T/l2"
go a
wait $m1; expect_eq $? 0 "exit code of app a"

# --- Ended and delivered: the exit code, or the signal.
mgr /bin/sh -c 'exit 3' 2>/dev/null; expect_eq $? 3 "exit code 3"
mgr /bin/sh -c 'kill -9 $$' 2>/dev/null; expect_eq $? 137 "killed by signal 9"

# --- Ended while no manager watched: the status is kept ("exited").
cmd_b=$(app b 4)
mgr $cmd_b >/dev/null 2>"$T/mb.e" & mb=$!
wait_for 5 grep -q 'started' "$T/mb.e" || fail "app b not started"
kill -TERM $mb; wait $mb
go b
wait_for 5 grep -q 'no manager attached, status kept' "$T/server.log" || fail "exit of b not seen"

lst -all >"$T/l3" 2>"$T/l3.e"; expect_eq $? 0 "exit code of the listing" "$T/l3.e"
expect_grep '^localhost (cmappserver [0-9.]*): 4 services, 0 running$' "$T/l3"
expect_row "$T/l3" "$cmd" "^$pid +$runid +delivered +exit 0, [0-9]+s ago +0$"
expect_row "$T/l3" "/bin/sh -c 'exit 3'" '^[0-9]+ +[0-9a-f]{16} +delivered +exit 3, [0-9]+s ago +0$'
expect_row "$T/l3" "/bin/sh -c 'kill -9 \$\$'" '^[0-9]+ +[0-9a-f]{16} +delivered +signal 9, [0-9]+s ago +0$'
expect_row "$T/l3" "$cmd_b" '^[0-9]+ +[0-9a-f]{16} +exited +exit 4, [0-9]+s ago +0$'
expect_eq "$(wc -l <"$T/l3")" 7 "lines of a listing of 4 services without managers" "$T/l3"
# Without -all, what needs an eye only: b's kept status, not the
# delivered runs, which the header counts.
lst >"$T/l3d" 2>"$T/l3d.e"; expect_eq $? 0 "exit code of the default listing" "$T/l3d.e"
expect_grep '^localhost (cmappserver [0-9.]*): 4 services, 0 running, 3 delivered not shown (-all shows them)$' "$T/l3d"
expect_row "$T/l3d" "$cmd_b" '^[0-9]+ +[0-9a-f]{16} +exited +exit 4, [0-9]+s ago +0$'
expect_eq "$(grep -c delivered "$T/l3d")" 1 "lines saying delivered in the default listing" "$T/l3d"
expect_eq "$(wc -l <"$T/l3d")" 4 "lines of the default listing" "$T/l3d"
# Listing is read-only: b's kept status still goes to the next START.
mgr $cmd_b 2>/dev/null; expect_eq $? 4 "kept exit code of b after listings"

# --- A client whose certificate the guest does not trust: refused at once,
# it sees nothing, and the guest logs the refusal.
expect "a rogue key set made" make_keys "$T/rogue" localhost
cat >"$T/rogue.conf" <<EOC
keyStore=$T/rogue/host/client.private
trustStore=localhost:$KEYS/host/server_localhost.public
EOC
start=$SECONDS
MGR_CONF=$T/rogue.conf lst -t 20 >"$T/r" 2>"$T/r.e"; rc=$?
expect_eq $rc 1 "exit code of an untrusted client"
[ $((SECONDS - start)) -lt 5 ] || fail "untrusted client not refused at once"
expect_grep "Could not connect to the node localhost: cmappserver refused our certificate" "$T/r.e"
[ ! -s "$T/r" ] || fail "the untrusted client got a listing:" "$T/r"
wait_for 3 grep -q "refused 127.0.0.1:[0-9]*: .*certificate" "$T/server.log" ||
	fail "no log line naming the refused peer"

# --- A guest that is not the one pinned for the node: refused by us.
cat >"$T/unpinned.conf" <<EOC
keyStore=$KEYS/host/client.private
trustStore=localhost:$T/rogue/host/server_localhost.public
EOC
MGR_CONF=$T/unpinned.conf lst -t 20 >"$T/u" 2>"$T/u.e"; rc=$?
expect_eq $rc 1 "exit code against an unpinned guest"
expect_grep "Could not connect to the node localhost: its certificate is not trusted" "$T/u.e"
[ ! -s "$T/u" ] || fail "printed a listing of an untrusted guest"

# --- Usage errors.
"$BIN/cmappmgr" -node localhost -list -service /bin/true 2>"$T/e"; rc=$?
expect_eq $rc 1 "exit code of -list with -service"
expect_grep "exclude each other" "$T/e"
"$BIN/cmappmgr" -list 2>"$T/e"; rc=$?
expect_eq $rc 1 "exit code of -list without -node"
expect_grep "\-node is required" "$T/e"
"$BIN/cmappmgr" -help | grep -q -- "-list" || fail "-help does not mention -list"
for o in -all -json; do
	"$BIN/cmappmgr" -node localhost $o -service /bin/true 2>"$T/e"; rc=$?
	expect_eq $rc 1 "exit code of $o without -list"
	expect_eq "$(head -1 "$T/e")" "cmappmgr: $o goes with -list" "cmappmgr $o without -list"
done
# An unknown option is named so, also as the last word; a known one
# without its value says that.
for args in "-node x -bogus" "-bogus" "-node x -bogus -list" "-node x -list -bogus 1"; do
	"$BIN/cmappmgr" $args >"$T/o" 2>"$T/e"; rc=$?
	expect_eq $rc 1 "exit code of cmappmgr $args"
	expect_eq "$(head -1 "$T/e")" "cmappmgr: unknown option -bogus" "first line of cmappmgr $args"
	expect_grep "^usage: cmappmgr -node NODE" "$T/e"
done
for o in -node -port -conf -cmappserver_timeout; do
	"$BIN/cmappmgr" -list $o 2>"$T/e"; rc=$?
	expect_eq $rc 1 "exit code of cmappmgr -list $o"
	expect_eq "$(head -1 "$T/e")" "cmappmgr: option $o needs a value" "cmappmgr -list $o"
done

# --- A launch whose exec hangs (a program on a dead NFS mount; here a FUSE
# file whose opens block) has no pid yet: "starting", PID "-", until the
# exec ends.  Last, as without FUSE the test can only skip it.
hung_exec_mount "a hung launch not listed"
echo hangopen >"$T/mnt/ctl"
mgr -t 30 "$T/mnt/disk" 2>"$T/eh" & mh=$!
wait_for 5 grep -q "launched $T/mnt/disk" "$T/server.log" || fail "hung launch not begun"
lst >"$T/l4" 2>"$T/l4.e"; expect_eq $? 0 "exit code of the listing during a hung launch" "$T/l4.e"
expect_grep '^localhost (cmappserver [0-9.]*): [0-9]* services, 0 running, 1 starting, 4 delivered not shown (-all shows them)$' "$T/l4"
expect_row "$T/l4" "$T/mnt/disk" '^- +[0-9a-f]{16} +starting +for [0-9]+s +1$'
managers "$T/l4" "$T/mnt/disk"
got=$(cat "$T/managers")
expect_eq "$got" "127.0.0.1:$(local_port $mh)" "manager listed under the hung launch" "$T/l4"
echo ok >"$T/mnt/ctl"	# the exec goes on, and fails: not a program
wait $mh; expect_eq $? 1 "manager of the launch that failed" "$T/eh"
lst >"$T/l5" 2>"$T/l5.err" || fail "-list after the launch failed" "$T/l5.err"
expect_no_grep starting "$T/l5" "after the launch failed"
exit 0
