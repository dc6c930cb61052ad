# SPDX-License-Identifier: ISC
# ocf:cmapp:guestapp run by hand, as Pacemaker runs its actions, without a
# cluster (70 has one): its waiter watches through cmappmgr itself, so
# that a signal reaches it; zero-padded numbers are decimal; a stop with
# parameters no start could use stops nothing and succeeds (a failed stop
# is a fenced node), or uses those of the start made here; a chatty
# application's output file starts anew past its bound; a guest that does
# not answer fails the stop unless libvirt says its domain is down here
# (virsh: a stand-in of the test's own).
# cost: 4
OCFS=/usr/lib/ocf/lib/heartbeat/ocf-shellfuncs
if [ ! -f "$OCFS" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	"$TOP/.ci/deps.sh" test >"$T/deps.log" 2>&1
fi
[ -f "$OCFS" ] || { echo "needs $OCFS (Debian: resource-agents)"; exit 77; }
AGENT=$TOP/conf/ocf/guestapp
STATE=$T/state
expect "cmappserver starts" start_server

# agent ACTION RSC SERVICE [VAR=VALUE...]: the agent's ACTION for RSC, its
# output in $T/RSC.ACTION; the VARs override.
agent() {
	local action=$1 rsc=$2 svc=$3
	shift 3
	env OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE="$rsc" HA_RSCTMP="$T/rsctmp" \
		OCF_RESKEY_node=localhost OCF_RESKEY_port="$PORT" \
		OCF_RESKEY_conf="$KEYS/host/cmappmgr.conf" OCF_RESKEY_service="$svc" \
		OCF_RESKEY_state_dir="$STATE" OCF_RESKEY_cmappmgr="${CMAPPMGR:-$BIN/cmappmgr}" \
		OCF_RESKEY_cmappserver_timeout=5 "$@" "$AGENT" "$action" >"$T/$rsc.$action" 2>&1
}
running() { mgr_cmd -t 5 -status -service "$@" >/dev/null 2>&1; }

# --- Zero-padded numbers; the waiter's $! is cmappmgr.
cmd=$(app a 0)
agent start a "$cmd" OCF_RESKEY_cmappserver_timeout=05 OCF_RESKEY_stop_timeout=09 OCF_RESKEY_port=0$PORT
expect_eq $? 0 "start with cmappserver_timeout=05 stop_timeout=09 port=0$PORT" "$T/a.start"
read -r m <"$STATE/a/mgr"
expect_eq "$(cat /proc/"$m"/comm 2>&1)" cmappmgr "the process of $STATE/a/mgr"
agent monitor a "$cmd" OCF_RESKEY_CRM_meta_interval=30000 OCF_RESKEY_stop_timeout=09
expect_eq $? 0 "monitor" "$T/a.monitor"
agent stop a "$cmd" OCF_RESKEY_cmappserver_timeout=05 OCF_RESKEY_stop_timeout=09
expect_eq $? 0 "stop with stop_timeout=09" "$T/a.stop"
expect_no_grep "Illegal number" "$T/a.stop"
running $cmd; expect_eq $? 7 "cmappmgr -status after the stop"
kill -0 "$m" 2>/dev/null && fail "the waiter's cmappmgr $m outlived the stop"

# --- Parameters no start could use.
agent stop b "$(app b 0)" OCF_RESKEY_port=abc
expect_eq $? 0 "stop of a resource never started here, with port=abc" "$T/b.stop"
expect_grep "nothing to stop" "$T/b.stop"
# Numbers too long for sh's test, which would say false to every bound.
for kv in port=99999999999999999999 stop_timeout=99999999999999999999 cmappserver_timeout=99999999999999999999; do
	agent start b "$(app b 0)" "OCF_RESKEY_$kv"
	expect_eq $? 6 "start with $kv (OCF_ERR_CONFIGURED)" "$T/b.start"
	expect_grep "ocf-exit-reason:${kv%%=*} ${kv#*=} is not in " "$T/b.start"
done
# Started here, then its port changed to a typo: stopped with those of
# its start.
cmd=$(app c 0)
agent start c "$cmd"; expect_eq $? 0 "start of c" "$T/c.start"
agent stop c "$cmd" OCF_RESKEY_port=abc
expect_eq $? 0 "stop with port=abc of a resource started here" "$T/c.stop"
expect_grep "stop with the parameters of its start" "$T/c.stop"
running $cmd; expect_eq $? 7 "cmappmgr -status after the stop with the start's parameters"

# --- Output past its bound.
cmd="/bin/sh -c 'head -c 3000 /dev/zero | tr \"\\\\0\" x; echo; exec sleep 600'"
agent start e "$cmd" CMAPP_OUTPUT_MAX=2000; expect_eq $? 0 "start of e" "$T/e.start"
expect_wait 5 "the output reaches the file" eval '[ "$(wc -c <"$STATE/e/output")" -gt 3000 ]'
agent monitor e "$cmd" OCF_RESKEY_CRM_meta_interval=30000 CMAPP_OUTPUT_MAX=2000
expect_eq $? 0 "monitor of e" "$T/e.monitor"
expect_grep "xxxxxxxxxx" "$STATE/e/output.1" "the output moved aside"
expect_eq "$(wc -c <"$STATE/e/output")" 0 "bytes of output after the monitor"
agent stop e "$cmd"; expect_eq $? 0 "stop of e" "$T/e.stop"

# --- The application ended, leaving a child in its group: the stop, the
# guest answering, has it SIGTERMed there, as any stop does.
cmd="/bin/sh -c 'sleep 30741 & while [ ! -e $T/go.j ]; do sleep 0.1; done; exit 3'"
agent start j "$cmd"; expect_eq $? 0 "start of j" "$T/j.start"
expect_wait 5 "j's child runs" eval '[ -n "$(mine "^sleep 30741$")" ]'
go j
expect_wait 5 "the waiter of j records the end" test -s "$STATE/j/ended"
agent stop j "$cmd"; expect_eq $? 0 "stop of j, which ended leaving a child" "$T/j.stop"
expect_grep "stop: the application already ended in localhost (exit code 3)" "$T/j.stop"
expect_wait 5 "the child j left ends on the stop's SIGTERM" eval '[ -z "$(mine "^sleep 30741$")" ]'

# --- A guest that does not answer (its cmappserver stopped, the
# application still running): the stop fails, and Pacemaker would fence
# the node; with domain, libvirt is asked first, and a domain that is shut
# off here runs nothing: the stop succeeds at once.
mkdir -p "$T/bin"
cat >"$T/bin/virsh" <<EOS
#!/bin/sh
echo "\$*" >>"$T/virsh.args"
case \$VIRSH_STATE in
missing) for d; do :; done; echo "error: failed to get domain '\$d'" >&2; exit 1 ;;
esac
echo "\$VIRSH_STATE"
EOS
chmod +x "$T/bin/virsh"
cmd=$(app f 0) cmdg=$(app g 0)
agent start f "$cmd"; expect_eq $? 0 "start of f" "$T/f.start"
agent start g "$cmdg"; expect_eq $? 0 "start of g" "$T/g.start"
stop_server
# A probe where no waiter ran does not wait for the silent guest (at a
# cluster's start, or on a host the VM does not run on, it is the usual
# case, and cmappserver_timeout may be minutes); a recurring monitor that
# asks it gives up within Pacemaker's timeout for it, with its reason.
t0=$(ms)
agent monitor p "$cmd" OCF_RESKEY_CRM_meta_interval=0 OCF_RESKEY_CRM_meta_timeout=20000 OCF_RESKEY_cmappserver_timeout=240
expect_eq $? 7 "a probe where no waiter ran, the guest silent" "$T/p.monitor"
[ $(($(ms) - t0)) -lt 2000 ] || fail "the probe took $(($(ms) - t0)) ms" "$T/p.monitor"
t0=$(ms)
agent monitor p "$cmd" OCF_RESKEY_CRM_meta_interval=30000 OCF_RESKEY_CRM_meta_timeout=6000 OCF_RESKEY_cmappserver_timeout=240
expect_eq $? 1 "a recurring monitor where no waiter ran, the guest silent" "$T/p.monitor"
t=$(($(ms) - t0))
[ "$t" -ge 1500 ] && [ "$t" -lt 5500 ] || fail "the monitor with a 6 s timeout took $t ms" "$T/p.monitor"
expect_grep "ocf-exit-reason:guest localhost: no answer from localhost within [23] s" "$T/p.monitor"
# domain where virsh is not installed: validate-all says so, and a stop
# warns that it asks the guest.
if command -v virsh >/dev/null; then
	echo "figures: virsh is installed here: domain without virsh not tested"
else
	agent validate-all f "$cmd" OCF_RESKEY_domain=vm1
	expect_eq $? 5 "validate-all with domain, no virsh (OCF_ERR_INSTALLED)" "$T/f.validate-all"
	expect_grep "ocf-exit-reason:domain vm1 is set, but virsh is not installed here (Debian: libvirt-clients)" "$T/f.validate-all"
	agent stop f "$cmd" OCF_RESKEY_domain=vm1 OCF_RESKEY_cmappserver_timeout=1
	expect_eq $? 1 "stop of f, the guest silent, domain set, no virsh" "$T/f.stop"
	expect_grep "domain vm1 is set, but virsh is not installed here: asking the guest" "$T/f.stop"
fi
agent validate-all f "$cmd" OCF_RESKEY_domain=vm1 PATH="$T/bin:$PATH"
expect_eq $? 0 "validate-all with domain and virsh" "$T/f.validate-all"
agent stop f "$cmd" OCF_RESKEY_domain=vm1 VIRSH_STATE=running PATH="$T/bin:$PATH"
expect_eq $? 1 "stop of f, the guest silent, its domain running" "$T/f.stop"
expect_grep "ocf-exit-reason:guest localhost: Could not connect to the node localhost" "$T/f.stop"
t0=$(ms)
agent stop f "$cmd" OCF_RESKEY_domain=vm1 OCF_RESKEY_hypervisor=test:///default VIRSH_STATE="shut off" PATH="$T/bin:$PATH"
expect_eq $? 0 "stop of f, the guest silent, its domain shut off" "$T/f.stop"
[ $(($(ms) - t0)) -lt 3000 ] || fail "the stop of a shut-off domain's service took $(($(ms) - t0)) ms"
expect_grep "libvirt domain vm1 is shut off: nothing runs there" "$T/f.stop"
expect_grep "^-c test:///default domstate vm1$" "$T/virsh.args"
[ ! -e "$STATE/f" ] || fail "state of f left after its stop"
agent stop g "$cmdg" OCF_RESKEY_domain=vm2 VIRSH_STATE=missing PATH="$T/bin:$PATH"
expect_eq $? 0 "stop of g, the guest silent, its domain not on this host" "$T/g.stop"
expect_grep "libvirt has no domain vm2 here: nothing runs there" "$T/g.stop"
# The guest back: the applications ran on in it.
expect "cmappserver starts again" start_server
for c in "$cmd" "$cmdg"; do
	mgr_cmd -t 5 -stop -service $c >"$T/stop.out" 2>&1 || fail "cmappmgr -stop of $c" "$T/stop.out"
done

# --- The application's end seen by the waiter (its exit; the guest's
# shutdown, whose -stop_all ends it), then the guest silent: the stop that
# recovery begins with succeeds at once, without domain; a failed one
# would have the host fenced.
cmd=$(app h 3) cmdi=$(app i 0)
agent start h "$cmd"; expect_eq $? 0 "start of h" "$T/h.start"
agent start i "$cmdi"; expect_eq $? 0 "start of i" "$T/i.start"
go h
expect_wait 5 "the waiter of h records the end" test -s "$STATE/h/ended"
"$BIN/cmappserver" -stop_all -rundir "$T/run" >"$T/stop_all.out" 2>&1 || fail "cmappserver -stop_all" "$T/stop_all.out"
expect_wait 5 "the waiter of i records the end" test -s "$STATE/i/ended"
stop_server
t0=$(ms)
agent stop h "$cmd"
expect_eq $? 0 "stop of h, which exited 3, the guest silent" "$T/h.stop"
expect_grep "stop: the application already ended in localhost (exit code 3)" "$T/h.stop"
expect_grep "stop: what the application left was not stopped: Could not connect to the node localhost" "$T/h.stop"
agent stop i "$cmdi"
expect_eq $? 0 "stop of i, ended by the guest's -stop_all, the guest silent" "$T/i.stop"
expect_grep "stop: the application already ended in localhost (signal 15)" "$T/i.stop"
# Each asks the silent guest 2 s at most (4 s with its bound).
[ $(($(ms) - t0)) -lt 12000 ] || fail "the two stops took $(($(ms) - t0)) ms"
[ ! -e "$STATE/h" ] && [ ! -e "$STATE/i" ] || fail "state left after the stops" <(ls -R "$STATE")
