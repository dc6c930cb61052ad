# SPDX-License-Identifier: ISC
# ocf:cmapp:guestapp run by hand, as Pacemaker runs its actions, without a
# cluster (70 has one): its waiter watches through cmappmgr itself, so
# that a signal reaches it; zero-padded numbers are decimal; a stop with
# parameters no start could use stops nothing and succeeds (a failed stop
# is a fenced node), or uses those of the start made here; a chatty
# application's output file starts anew past its bound.
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
