# SPDX-License-Identifier: ISC
# ocf:cmapp:guestapp under a real Pacemaker: a one-node corosync + Pacemaker
# cluster on 127.0.0.1 (tests/pcmk.inc, no systemd), cmappserver on loopback
# as the guest.  ocf-tester passes the agent; a resource starts the
# application once; its exit 5 has it running again within 2 s with a 30 s
# monitor, the reason saying "exit code 5"; a killed watcher is replaced,
# watching the same process; disable stops it in the guest; an end kept
# from a manager outside the cluster does not fail the next start; a
# resource created for a running application adopts it (a probe from a
# second host does not); a guest that does
# not answer fails start with a reason naming it.  Skips when Pacemaker
# cannot be installed (a failure under CI=true).
# cost: 40 heavy
# limit: 180
. "$TOP/tests/pcmk.inc"
pcmk_need

# The agent as Pacemaker finds it, under a provider of the test's own (an
# installed ocf:cmapp:guestapp stays untouched).
PROVIDER=cmapp-e2e-$$
OCFDIR=/usr/lib/ocf/resource.d/$PROVIDER
AGENT=$OCFDIR/guestapp
mkdir -p "$OCFDIR"
ln -s "$TOP/conf/ocf/guestapp" "$AGENT"
STATE=$T/state
MGRCONF=$KEYS/host/cmappmgr.conf

# The application: runs until its control file CTL appears, then exits with
# the code written there (the file removed first).  Each start and exit is
# logged with the time in ms to CTL.log.
APP=$T/guestapp.sh
cat >"$APP.tmp" <<'EOF'
#!/bin/bash
ctl=$1
t=${EPOCHREALTIME/./}; echo "start $$ $((t / 1000))" >>"$ctl.log"
while :; do
	if [ -e "$ctl" ]; then
		c=$(cat "$ctl"); rm -f "$ctl"
		t=${EPOCHREALTIME/./}; echo "exit $$ $((t / 1000))" >>"$ctl.log"
		exit "$c"
	fi
	sleep 0.02
done
EOF
chmod +x "$APP.tmp" && mv "$APP.tmp" "$APP"

cleanup() {
	local r
	for r in r1 r2 r3; do
		cibadmin --delete --xml-text "<primitive id=\"$r\"/>" >/dev/null 2>&1
	done
	# Deleted, each is stopped (an orphan until then).
	wait_for 10 eval '! crm_mon -1 2>/dev/null | grep -qE "ocf:$PROVIDER:guestapp.*(Started|Stopping)"'
	pcmk_down
	rm -rf "$OCFDIR"
	end_test
}

expect "cmappserver starts" start_server
pcmk_up
trap 'cleanup; true' EXIT

# --- ocf-tester: the agent by itself, outside the cluster.
OCF_ROOT=/usr/lib/ocf ocf-tester -n ot -o node=localhost -o port="$PORT" -o conf="$MGRCONF" \
	-o service="$APP $T/ctl.ot" -o state_dir="$STATE" -o cmappmgr="$BIN/cmappmgr" \
	-o cmappserver_timeout=5 -o stop_timeout=5 "$AGENT" >"$T/ocf-tester.out" 2>&1 ||
	fail "ocf-tester fails the agent" "$T/ocf-tester.out"
expect_eq "$(children "$T/ctl.ot")" 0 "copies left by ocf-tester"

# --- meta-data against ra-api-1.dtd; validate-all names what is wrong.
DTD=/usr/share/resource-agents/ra-api-1.dtd
OCF_ROOT=/usr/lib/ocf "$AGENT" meta-data >"$T/meta.xml" || fail "meta-data exited $?"
if command -v xmllint >/dev/null && [ -f "$DTD" ]; then
	xmllint --noout --dtdvalid "$DTD" "$T/meta.xml" >"$T/xmllint.out" 2>&1 ||
		fail "meta-data is not valid against $DTD" "$T/xmllint.out"
else
	echo "note: xmllint or $DTD missing; meta-data not checked against the DTD"
fi
# va CONF NODE [SERVICE]: validate-all's status, its exit reason in $T/va.
va() {
	env OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=va OCF_RESKEY_node="$2" \
		OCF_RESKEY_service="${3:-$APP x}" OCF_RESKEY_conf="$1" OCF_RESKEY_cmappmgr="$BIN/cmappmgr" \
		"$AGENT" validate-all >"$T/va" 2>&1
}
va "$MGRCONF" localhost; expect_eq $? 0 "validate-all with the test's keys" "$T/va"
# (A fallback trustStore of its own: the default /etc/server.public may
# be on the machine.)
{ echo "trustStore=$T/none.public"; cat "$MGRCONF"; } >"$T/fb.conf"
va "$T/fb.conf" 127.0.0.2; expect_eq $? 6 "validate-all for a guest without a trustStore" "$T/va"
expect_grep "no trustStore is pinned for node 127.0.0.2 in $T/fb.conf (pinned: localhost), and the fallback trustStore: cannot read trustStore $T/none.public: No such file or directory" "$T/va"
va "$T/nonesuch.conf" localhost; expect_eq $? 6 "validate-all without a conf" "$T/va"
expect_grep "cannot read $T/nonesuch.conf: No such file or directory" "$T/va"
sed "s|^keyStore=.*|keyStore=$T/gone.private|" "$MGRCONF" >"$T/badks.conf"
va "$T/badks.conf" localhost; expect_eq $? 6 "validate-all with a missing keyStore" "$T/va"
expect_grep "cannot read keyStore $T/gone.private: No such file or directory" "$T/va"
sed "s|^keyStorePassword=.*|keyStorePassword=wrong|" "$MGRCONF" >"$T/badpw.conf"
va "$T/badpw.conf" localhost; expect_eq $? 6 "validate-all with a wrong keyStorePassword" "$T/va"
expect_grep "cannot read keyStore $KEYS/host/client.private: bad password" "$T/va"
# A keyStore readable by others is warned of first; the reason stays the
# failure, not the warning.
cp "$KEYS/host/client.private" "$T/open.private" && chmod 644 "$T/open.private"
sed "s|^keyStore=.*|keyStore=$T/open.private|; s|^keyStorePassword=.*|keyStorePassword=wrong|" "$MGRCONF" >"$T/open.conf"
va "$T/open.conf" localhost; expect_eq $? 6 "validate-all with an open keyStore and a wrong password" "$T/va"
expect_grep "ocf-exit-reason:cannot read keyStore $T/open.private: bad password" "$T/va"
expect_grep "readable by others than its owner" "$T/va"
va "$MGRCONF" localhost "/bin/sh -c 'sleep 600"; expect_eq $? 6 "validate-all of a service string with an open quote" "$T/va"
expect_grep "ocf-exit-reason:-service as one string: the ' quote at byte 12 is not closed" "$T/va"
# Every form of cmappmgr.conf that cmappmgr takes, validate-all takes:
# the conf is read by cmappmgr -check, not by a parser of the agent's.
KS=$KEYS/host/client.private TS=$KEYS/host/server_localhost.public
printf 'keyStore=%s\ntrustStore=localhost:%s\n' "$KS" "$TS" >"$T/form1.conf"
printf 'keyStore=%s\nlocalhost:trustStore=%s\n' "$KS" "$TS" >"$T/form2.conf"
printf 'keyStore=%s\ntrustStore=%s\n' "$KS" "$TS" >"$T/form3.conf"
printf 'localhost:\ntrustStore=%s\nkeyStore=%s\n' "$TS" "$KS" >"$T/form4.conf"
printf 'keyStore=%s\nLOCALHOST:\ntrustStore=%s\n' "$KS" "$TS" >"$T/form5.conf"
for f in 1 2 3 4 5; do
	va "$T/form$f.conf" localhost
	expect_eq $? 0 "validate-all of conf form $f: $(tr '\n' ' ' <"$T/form$f.conf")" "$T/va"
done

# agent_monitor RSC SERVICE [VAR=VALUE...]: the agent's monitor of RSC run
# by hand as Pacemaker runs it, with rsc_create's parameters and its 30 s
# interval; the VARs override (OCF_RESKEY_CRM_meta_interval=0: a probe).
agent_monitor() {
	local rsc=$1 svc=$2
	shift 2
	env OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE="$rsc" \
		OCF_RESKEY_CRM_meta_interval=30000 OCF_RESKEY_node=localhost \
		OCF_RESKEY_port="$PORT" OCF_RESKEY_conf="$MGRCONF" OCF_RESKEY_service="$svc" \
		OCF_RESKEY_state_dir="$STATE" OCF_RESKEY_cmappmgr="$BIN/cmappmgr" \
		OCF_RESKEY_cmappserver_timeout=5 "$@" "$AGENT" monitor
}

# rsc_create ID SERVICE [NAME=VALUE...]: a guestapp resource with a 30 s
# monitor.
rsc_create() {
	local id=$1 svc=$2 kv nv="" x
	shift 2
	for kv in node=localhost port="$PORT" conf="$MGRCONF" service="$svc" \
		  state_dir="$STATE" cmappmgr="$BIN/cmappmgr" cmappserver_timeout=5 \
		  stop_timeout=5 "$@"; do
		nv="$nv<nvpair id=\"$id-${kv%%=*}\" name=\"${kv%%=*}\" value=\"${kv#*=}\"/>"
	done
	x="<primitive id=\"$id\" class=\"ocf\" provider=\"$PROVIDER\" type=\"guestapp\">"
	x="$x<instance_attributes id=\"$id-ia\">$nv</instance_attributes>"
	x="$x<operations><op id=\"$id-mon\" name=\"monitor\" interval=\"30s\" timeout=\"40s\"/>"
	x="$x<op id=\"$id-start\" name=\"start\" interval=\"0\" timeout=\"40s\"/>"
	x="$x<op id=\"$id-stop\" name=\"stop\" interval=\"0\" timeout=\"60s\"/></operations></primitive>"
	echo "$x" >"$T/$id.xml"
	cibadmin --create --scope resources --xml-file "$T/$id.xml" >"$T/cib.out" 2>&1 ||
		fail "cibadmin cannot create $id" "$T/cib.out"
}
# started ID: Pacemaker has ID started here, with no action pending.
started() {
	crm_mon -1 >"$T/mon" 2>&1
	grep -qE "^ *\* $1[[:space:]]+\(ocf:$PROVIDER:guestapp\):[[:space:]]+Started $PCMK_NODE\$" "$T/mon"
}
stopped() {
	crm_mon -1 -r >"$T/mon" 2>&1
	grep -qE "^ *\* $1[[:space:]]+\(ocf:$PROVIDER:guestapp\):[[:space:]]+Stopped" "$T/mon"
}
role() { crm_resource -r "$1" --meta --set-parameter target-role --parameter-value "$2" >/dev/null 2>&1; }
# app_pid CTL: the pid of the application with control file CTL (one copy).
# Not the shim or cmappmgr, whose command lines hold it too.
app_pid() {
	ps -eo pid=,ppid=,comm=,args= | C="$APP $1" awk '
		{ comm[$1] = $3; ppid[$1] = $2; line[$1] = $0 }
		END { for (p in line)
			if (index(line[p], ENVIRON["C"]) && comm[p] != "cmapp-shim" &&
			    comm[ppid[p]] == "cmapp-shim") print p }'
}
mgr_status() { "$BIN/cmappmgr" -node localhost -port "$PORT" -conf "$MGRCONF" -cmappserver_timeout 5 -status -service "$APP $1"; }

# --- start: Started, one copy of the application.
rsc_create r1 "$APP $T/ctl.r1"
expect_wait 20 "r1 started" started r1
expect_eq "$(children "$T/ctl.r1")" 1 "copies of r1's application"
pid1=$(app_pid "$T/ctl.r1")
expect_grep "^launched pid $pid1\$" "$STATE/r1/ready"

# --- The application exits 5: running again within 2 s, 30 s monitor.
# The point is that recovery does not wait for the monitor: alone it
# takes 0.5 to 0.7 s here; beside the sanitized suites 1.0 to 1.15 s.
# A machine busy with other work may miss it once: up to three tries, each
# printed; one under 2 s passes.
best=
for try in 1 2 3; do
	n=$(grep -c ^start "$T/ctl.r1.log")
	echo 5 >"$T/ctl.r1"
	expect_wait 10 "r1's application running again" eval '[ "$(grep -c ^start "$T/ctl.r1.log")" = $((n + 1)) ]'
	t_exit=$(awk '$1 == "exit" { t = $3 } END { print t }' "$T/ctl.r1.log")
	t_again=$(awk '$1 == "start" { t = $3 } END { print t }' "$T/ctl.r1.log")
	expect_wait 10 "r1 started again" started r1
	t_started=$(ms)
	recovery=$((t_again - t_exit))
	echo "figures: exit 5 -> application running again: $recovery ms (30 s monitor); Started seen after $((t_started - t_exit)) ms"
	[ -z "$best" ] || [ "$recovery" -lt "$best" ] && best=$recovery
	[ "$recovery" -lt 2000 ] && break
	grep -E 'Failing resource r1|rsc:r1 action|r1 (start|stop) .*execution time|guestapp\(r1\)' "$PCMK_DIR/pacemaker.log" | tail -8
done
[ "$best" -lt 2000 ] || fail "recovery took $best ms at best, not under 2 s" "$T/ctl.r1.log"
expect_wait 5 "the failure's reason says exit code 5" eval 'crm_mon -1 >"$T/mon" 2>&1; grep -q "r1.*(exit code 5)" "$T/mon"'
expect_eq "$(children "$T/ctl.r1")" 1 "copies of r1's application after the restart"
pid1=$(app_pid "$T/ctl.r1")

# --- kill -9 of the watcher (cmappmgr): watched again, same process.
read -r m1 <"$STATE/r1/mgr"
kill -9 "$m1"
expect_wait 5 "a new watcher, attached to pid $pid1" eval '[ "$(cat "$STATE/r1/mgr")" != "$m1" ] && grep -qx "attached pid $pid1" "$STATE/r1/ready"'
expect_eq "$(app_pid "$T/ctl.r1")" "$pid1" "r1's application after its watcher was killed"
# The waiter and its cmappmgr killed together: the next monitor (run here
# as Pacemaker runs it) attaches a new one to the same process.
read -r w1 _ <"$STATE/r1/waiter"
read -r m1 <"$STATE/r1/mgr"
kill -9 "$w1" "$m1"
agent_monitor r1 "$APP $T/ctl.r1" >"$T/monitor.out" 2>&1
expect_eq $? 0 "monitor after the waiter was killed" "$T/monitor.out"
expect_grep "^attached pid $pid1\$" "$STATE/r1/ready"
expect_eq "$(children "$T/ctl.r1")" 1 "copies of r1's application after the new watcher"
started r1 || fail "r1 not Started after its watcher was replaced" "$T/mon"
# A parameter cmappmgr refuses is a configuration error, which no other
# host mends; the reason is its message, not the last line of the usage
# text that follows it.
agent_monitor rq "/bin/sh -c 'sleep 600" >"$T/badq.out" 2>&1
expect_eq $? 6 "monitor of a service string with an open quote (OCF_ERR_CONFIGURED)" "$T/badq.out"
expect_grep "ocf-exit-reason:guest localhost: -service as one string: the ' quote at byte 12 is not closed" "$T/badq.out"
env OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=rq OCF_RESKEY_node=localhost \
	OCF_RESKEY_port="$PORT" OCF_RESKEY_conf="$MGRCONF" OCF_RESKEY_service="/bin/sh -c 'sleep 600" \
	OCF_RESKEY_state_dir="$STATE" OCF_RESKEY_cmappmgr="$BIN/cmappmgr" \
	OCF_RESKEY_cmappserver_timeout=5 "$AGENT" start >"$T/badq.out" 2>&1
expect_eq $? 6 "start of a service string with an open quote (OCF_ERR_CONFIGURED)" "$T/badq.out"
expect_grep "ocf-exit-reason:guest localhost: -service as one string" "$T/badq.out"

# --- disable: the application is gone from the guest.
role r1 Stopped
expect_wait 20 "r1 stopped" stopped r1
expect_eq "$(children "$T/ctl.r1")" 0 "copies of r1's application once disabled"
mgr_status "$T/ctl.r1" >"$T/st" 2>&1
expect_eq $? 7 "cmappmgr -status once disabled" "$T/st"

# --- While disabled, a manager outside the cluster launches it; it ends
# unwatched (status kept): enable starts it fine.
mgr "$APP" "$T/ctl.r1" >/dev/null 2>&1 & mo=$!
expect_wait 5 "the outside manager's copy" eval '[ "$(children "$T/ctl.r1")" = 1 ]'
kill -9 "$mo"; wait "$mo" 2>/dev/null
echo 3 >"$T/ctl.r1"
expect_wait 5 "the outside copy ended, its status kept" eval 'mgr_status "$T/ctl.r1" >"$T/st" 2>&1; [ $? = 10 ]'
role r1 Started
expect_wait 20 "r1 started after enable" started r1
expect_no_grep "r1 start on" "$T/mon" "a failed start of r1"
expect_grep "r1: .* ended earlier in localhost while unwatched (ended while unwatched: exit code 3); collecting it" "$PCMK_DIR/pacemaker.log" "the kept end, logged"
expect_eq "$(children "$T/ctl.r1")" 1 "copies of r1's application after enable"

# --- A resource created for an application already running adopts it.
mgr "$APP" "$T/ctl.r2" >/dev/null 2>&1 & mo=$!
expect_wait 5 "r2's application outside the cluster" eval '[ "$(children "$T/ctl.r2")" = 1 ]'
kill -9 "$mo"; wait "$mo" 2>/dev/null
pid2=$(app_pid "$T/ctl.r2")
rsc_create r2 "$APP $T/ctl.r2"
expect_wait 20 "r2 started" started r2
expect_grep "^attached pid $pid2\$" "$STATE/r2/ready"
expect_eq "$(app_pid "$T/ctl.r2")" "$pid2" "r2's application once adopted"
expect_eq "$(grep -c ^start "$T/ctl.r2.log")" 1 "starts of r2's application"
# A probe from a second host (its own state), the application running in
# the guest, watched from here: not running there, and no watcher made.
# Adopted there too, Pacemaker would find r2 active twice and restart it.
mkdir -p "$T/host2"
agent_monitor r2 "$APP $T/ctl.r2" OCF_RESKEY_CRM_meta_interval=0 HA_RSCTMP="$T/host2" \
	OCF_RESKEY_state_dir="$T/host2/cmapp" >"$T/probe2.out" 2>&1
expect_eq $? 7 "a probe of r2 from a second host" "$T/probe2.out"
expect_no_grep "adopting" "$T/probe2.out"
[ ! -e "$T/host2/cmapp/r2/waiter" ] || fail "the probe from a second host started a waiter" "$T/probe2.out"
expect_eq "$(app_pid "$T/ctl.r2")" "$pid2" "r2's application after a second host's probe"
started r2 || fail "r2 not Started after a second host's probe" "$T/mon"

# --- A guest that does not answer: start fails, the reason names it.
DEAD=$(free_port)
t0=$(ms)
rsc_create r3 "$APP $T/ctl.r3" port="$DEAD" cmappserver_timeout=2
expect_wait 30 "r3's start failure" eval 'crm_mon -1 >"$T/mon" 2>&1; grep -q "r3 start on" "$T/mon"'
echo "figures: unreachable guest, cmappserver_timeout=2: start failure seen $(( $(ms) - t0 )) ms after the resource was created (probe, then start)"
echo "figures: $(grep -o "r3 start on.*" "$T/mon")"
expect_grep "r3 start on .*(guest localhost: Could not connect to the node localhost: connection refused)" "$T/mon" "the reason names the guest and the cause"
# The start itself ends within cmappserver_timeout (and what the start
# adds: its processes on a busy machine).
took=$(sed -n 's/.*r3 start on .* after \([0-9.]*\)s$/\1/p; s/.*r3 start on .* after \([0-9]*\)ms$/0.\1/p' "$T/mon")
awk -v t="$took" 'BEGIN { exit !(t != "" && t < 3.5) }' ||
	fail "the start against a guest that does not answer took ${took:-?} s, cmappserver_timeout=2" "$T/mon"

# --- Resources deleted while running are stopped all the same (Pacemaker
# stops an orphan without its parameters): nothing of them is left.
for r in r1 r2 r3; do
	cibadmin --delete --xml-text "<primitive id=\"$r\"/>" >"$T/cib.out" 2>&1 ||
		fail "cibadmin cannot delete $r" "$T/cib.out"
done
expect_wait 20 "the deleted resources stopped" eval '! crm_mon -1 2>/dev/null | grep -qE "ocf:$PROVIDER:guestapp.*(Started|Stopping|FAILED)"'
expect_eq "$(children "$T/ctl.r")" 0 "applications left after the resources were deleted"
left=$(ls -d "$STATE"/* /run/resource-agents/cmapp-guestapp-r[123].params 2>/dev/null)
expect_eq "$left" "" "state files left after the resources were deleted"
crm_mon -1 >"$T/mon" 2>&1
expect_no_grep "r[12] stop on" "$T/mon" "a failed stop"
exit 0
