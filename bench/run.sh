#!/bin/bash
# SPDX-License-Identifier: ISC
# run.sh BUILD_DIR: the benchmark behind "make bench" (issue 6).  Compares
# cmapp with NRPE and ssh on this machine in one run, all on loopback, prints
# one table and writes it to bench/results.md.  Everything it starts (the
# cmappservers and their services, the cmappmgrs, a private sshd and nrpe on
# high ports with configs under a temp dir, a throwaway ssh user) is stopped
# or removed when it ends, however it ends.  BENCH_RUNS=N: runs per latency
# figure (default 200).  The idle window is 60 s and the scale one 30 s
# (BENCH_IDLE_S, BENCH_SCALE_S: shorter only to debug this script).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
TOOLS=$BIN/bench
. "$TOP/tests/lib.sh"
unset SERVER_WRAP SERVER_CONF MGR_CONF TEST_PID

[ "$(id -u)" = 0 ] || { echo "bench: run as root (sudo make bench): it adds a throwaway ssh user and runs a private sshd" >&2; exit 1; }

RUNS=${BENCH_RUNS:-200}
IDLE_S=${BENCH_IDLE_S:-60} SCALE_S=${BENCH_SCALE_S:-30}	# shorter only to debug
SSH_USER=cmappbench			# dedicated: /bin/sh, no rc files
SSH_MARK="cmapp bench, throwaway"	# its GECOS: ours to delete
NRPE=/usr/sbin/nrpe CHECK_NRPE=/usr/lib/nagios/plugins/check_nrpe
SSHD=/usr/sbin/sshd
W=$(mktemp -d /tmp/cmapp-bench.XXXXXX)
chmod 711 "$W"		# the ssh user reads its authorized_keys in $W/ssh
KEYS=$W/keys
RUNDIRS=() MADE_RUN_SSHD=
BEGAN=$SECONDS

log() { echo "bench: $*"; }

# ---- clean-up: runs on any exit -----------------------------------------

stop_jobs() {	# every background job still running, and its children
	local p pids i
	pids=$(jobs -pr)
	[ -n "$pids" ] || return 0
	for p in $pids; do pkill -P "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
	for i in $(seq 30); do [ -z "$(jobs -pr)" ] && break; sleep 0.1; done
	for p in $(jobs -pr); do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
}

cleanup() {
	local d p
	trap - EXIT INT TERM
	for d in "${RUNDIRS[@]}"; do
		[ -d "$d" ] && "$BIN/cmappserver" -stop_all -rundir "$d" >/dev/null 2>&1
	done
	stop_jobs
	# A shim whose server died before the status was delivered.
	for p in $(pgrep -f "cmapp-shim $W/"); do kill_shim "$p"; done
	getent passwd "$SSH_USER" | grep -q "$SSH_MARK" && userdel "$SSH_USER" 2>/dev/null
	[ -n "$MADE_RUN_SSHD" ] && rmdir /run/sshd 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- measuring ----------------------------------------------------------

now_ns() { date +%s%N; }

# stats FILE: "N P50 P95 P99" (nearest rank) of the numbers in FILE.
stats() {
	sort -g "$1" | awk '
	function rank(p,  r) { r = int(p * NR); if (r < p * NR) r++; return r < 1 ? 1 : r }
	{ v[NR] = $1 }
	END { if (NR == 0) print 0, "nan", "nan", "nan"
	      else print NR, v[rank(.50)], v[rank(.95)], v[rank(.99)] }'
}

# ms X: a time in ms with 2 significant decimals or so.
ms() { awk -v x="$1" 'BEGIN { if (x == "nan") print "n/a"; else printf(x < 1 ? "%.3f" : x < 10 ? "%.2f" : x < 100 ? "%.1f" : "%.0f", x) }'; }
# mb KB: kB as MB (MiB) with 2 decimals.
mb() { awk -v x="$1" 'BEGIN { printf "%.2f", x / 1024 }'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b ? a / b : 0 }'; }

# durations RUNS: the run times in ms of benchrun's successful runs; the
# failures are counted in $FAILED.
durations() {
	awk '$4 == 0 { printf "%.4f\n", ($3 - $2) / 1e6 }' "$1"
	FAILED=$(awk '$4 != 0' "$1" | wc -l)
}

# CPU time in ns (schedstat, every thread: /proc/PID/stat ticks are 10 ms,
# too coarse for a 1 ms target), and wake-ups (voluntary and involuntary
# context switches, every thread) of the processes PID...
cpu_ns() { local p; for p; do cat /proc/"$p"/task/*/schedstat; done 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'; }
wakeups() { local p; for p; do cat /proc/"$p"/task/*/status; done 2>/dev/null | awk '/ctxt_switches/ { s += $2 } END { print s + 0 }'; }
# mem FIELD PID...: the sum in kB of VmRSS (status) or of a smaps_rollup
# field (Pss, Private_Dirty, Anonymous) over the processes.
mem() {
	local f=$1 p; shift
	for p; do
		if [ "$f" = VmRSS ]; then cat /proc/"$p"/status; else cat /proc/"$p"/smaps_rollup; fi
	done 2>/dev/null | awk -v f="$f:" '$1 == f { s += $2 } END { print s + 0 }'
}
# memline PID...: "RSS, private dirty, anonymous" per process, in MB.
memline() {
	local n=$#
	echo "RSS $(mb $(($(mem VmRSS "$@") / n))), private dirty $(mb $(($(mem Private_Dirty "$@") / n))), anon $(mb $(($(mem Anonymous "$@") / n))) MB"
}

# started LOG...: how many cmappmgrs reported their service launched;
# all_started N LOG...: whether N did.
started() { cat "$@" | grep -c ': started '; }
all_started() { [ "$(started "${@:2}")" -ge "$1" ]; }
# shims_of RUNDIR: the cmapp-shims of a server; services_of SHIM...: their
# services (to check at the end that none is left).
shims_of() { pgrep -f "cmapp-shim $1 "; }
services_of() { [ $# -eq 0 ] || pgrep -P "$(IFS=,; echo "$*")"; }

# ---- the table ----------------------------------------------------------

TABLE=$W/table
row() { printf '| %s ' "$@" >>"$TABLE"; echo '|' >>"$TABLE"; }
# verdict EXPR [VAR=VALUE...]: met or missed, as the awk EXPR is true.
verdict() {
	local e=$1 v a=()
	shift
	for v; do a+=(-v "$v"); done
	awk "${a[@]}" "BEGIN { print (($e) ? \"**met**\" : \"**missed**\") }"
}

# ---- peers: private sshd and nrpe on loopback ---------------------------

start_nrpe() {
	NRPE_PORT=$(free_port)
	mkdir -p "$W/nrpe"
	cat >"$W/nrpe/nrpe.cfg" <<-EOF
	server_address=127.0.0.1
	server_port=$NRPE_PORT
	nrpe_user=nagios
	nrpe_group=nagios
	allowed_hosts=127.0.0.1
	dont_blame_nrpe=0
	command_timeout=10
	connection_timeout=30
	command[echo]=/bin/echo ok
	EOF
	"$NRPE" -c "$W/nrpe/nrpe.cfg" -f >"$W/nrpe/log" 2>&1 &
	NRPE_PID=$!
	wait_for 10 listening "$NRPE_PORT" || { cat "$W/nrpe/log"; return 1; }
	[ "$("$CHECK_NRPE" -H 127.0.0.1 -p "$NRPE_PORT" -c echo)" = ok ]
}

start_sshd() {
	local d=$W/ssh
	mkdir -m 755 "$d" "$W/home"
	if ! getent passwd "$SSH_USER" >/dev/null; then
		# -p '*': no password, yet not locked ("!"), which sshd refuses
		useradd -r -M -d "$W/home" -s /bin/sh -p '*' -c "$SSH_MARK" "$SSH_USER" || return 1
	fi
	chown "$SSH_USER" "$W/home"
	ssh-keygen -q -t ed25519 -N '' -f "$d/host_key"
	ssh-keygen -q -t ed25519 -N '' -f "$d/id"
	install -m 644 "$d/id.pub" "$d/authorized_keys"
	SSH_PORT=$(free_port)
	cat >"$d/sshd_config" <<-EOF
	Port $SSH_PORT
	ListenAddress 127.0.0.1
	HostKey $d/host_key
	PidFile none
	AuthorizedKeysFile $d/authorized_keys
	StrictModes no
	UsePAM no
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	AllowUsers $SSH_USER
	PermitUserRC no
	PrintMotd no
	PrintLastLog no
	UseDNS no
	X11Forwarding no
	EOF
	echo "[127.0.0.1]:$SSH_PORT $(cat "$d/host_key.pub")" >"$d/known_hosts"
	# sshd's privilege separation directory, normally made by systemd
	[ -d /run/sshd ] || { mkdir -m 755 /run/sshd && MADE_RUN_SSHD=1; }
	"$SSHD" -D -e -f "$d/sshd_config" >"$d/log" 2>&1 &
	SSHD_PID=$!
	# ssh "${SSH[@]}" [OPTION...] "$SSH_DEST" COMMAND
	SSH=(-F /dev/null -p "$SSH_PORT" -i "$d/id" -o BatchMode=yes
		-o IdentitiesOnly=yes -o UserKnownHostsFile="$d/known_hosts"
		-o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes
		-o LogLevel=ERROR)
	SSH_DEST=$SSH_USER@127.0.0.1
	wait_for 10 listening "$SSH_PORT" || { cat "$d/log"; return 1; }
	[ "$(ssh "${SSH[@]}" "$SSH_DEST" /bin/echo ok </dev/null)" = ok ]
}

# ---- the run ------------------------------------------------------------

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
log "temp dir $W, $RUNS runs per latency figure"
make_keys "$KEYS" localhost || { log "cannot make keys"; exit 1; }
start_nrpe || { log "the private nrpe does not answer"; exit 1; }
start_sshd || { log "the private sshd does not answer"; exit 1; }
NRPE_MEM=$(memline "$NRPE_PID") SSHD_MEM=$(memline "$SSHD_PID")

# -- footprint: stripped sizes
mkdir -p "$W/strip"
size_kb() {	# size_kb FILE: its stripped size in KiB
	strip -o "$W/strip/x" "$1" 2>/dev/null || cp "$1" "$W/strip/x"
	awk -v b="$(stat -c %s "$W/strip/x")" 'BEGIN { printf "%.1f", b / 1024 }'
}
SZ_SERVER=$(size_kb "$BIN/cmappserver")

# -- latency server: round trip, launch, exit detection, re-attach
T=$W/lat PORT=$(free_port)
mkdir -p "$T/svc"
RUNDIRS+=("$T/run")
start_server || exit 1
MGR=("$BIN/cmappmgr" -node localhost -port "$PORT" -conf "$KEYS/host/cmappmgr.conf"
	-cmappserver_timeout 10 -service)

log "round trip: cmappmgr ... -service /bin/echo ok, $RUNS runs"
"$TOOLS/benchrun" "$RUNS" "$W/rt.cmapp" "${MGR[@]}" /bin/echo ok
durations "$W/rt.cmapp" >"$W/rt.cmapp.ms"; RT_CMAPP_FAIL=$FAILED

log "launch and exit detection: a service that exits after 20 ms, $RUNS runs"
"$TOOLS/benchrun" "$RUNS" "$W/lat.runs" "${MGR[@]}" "$TOOLS/benchsvc" "$T/svc/{}" 20
while read -r i start end status; do
	[ "$status" = 0 ] && [ -s "$T/svc/$i" ] || continue
	read -r s_start s_exit <"$T/svc/$i"
	echo "$(( (s_start - start) / 1000 )) $(( (end - s_exit) / 1000 ))"
done <"$W/lat.runs" >"$W/lat.us"
LAT_FAIL=$((RUNS - $(wc -l <"$W/lat.us")))
awk '{ printf "%.3f\n", $1 / 1000 }' "$W/lat.us" >"$W/launch.ms"
awk '{ printf "%.3f\n", $2 / 1000 }' "$W/lat.us" >"$W/exit.ms"

log "re-attach: a second cmappmgr attaching to a running service, $RUNS runs"
mgr /bin/sleep 86401 >"$T/first.log" 2>&1 &
FIRST=$!
wait_for 10 all_started 1 "$T/first.log" || { log "the first manager did not start"; exit 1; }
"$TOOLS/benchrun" -w ': attached' "$RUNS" "$W/ra.runs" "${MGR[@]}" /bin/sleep 86401
durations "$W/ra.runs" >"$W/ra.ms"; RA_FAIL=$FAILED
kill -0 "$FIRST" 2>/dev/null || RA_FAIL="$RA_FAIL (and the first manager died)"
"$BIN/cmappserver" -stop_all -rundir "$T/run" >/dev/null 2>&1
wait "$FIRST"
stop_server

# -- the peers' round trips, then the peers stop: nothing but the idle
# services and their managers runs during the idle minute
log "round trip: check_nrpe -c echo (command[echo]=/bin/echo ok), $RUNS runs"
"$TOOLS/benchrun" "$RUNS" "$W/rt.nrpe" "$CHECK_NRPE" -H 127.0.0.1 -p "$NRPE_PORT" -c echo
durations "$W/rt.nrpe" >"$W/rt.nrpe.ms"; RT_NRPE_FAIL=$FAILED
log "round trip: ssh $SSH_DEST /bin/echo ok, $RUNS runs"
"$TOOLS/benchrun" "$RUNS" "$W/rt.ssh" "$(command -v ssh)" "${SSH[@]}" "$SSH_DEST" /bin/echo ok
durations "$W/rt.ssh" >"$W/rt.ssh.ms"; RT_SSH_FAIL=$FAILED
log "round trip: the same over a reused ssh ControlMaster connection, $RUNS runs"
ssh "${SSH[@]}" -M -S "$W/ssh/ctl" -N "$SSH_DEST" </dev/null &
MASTER=$!
wait_for 10 test -S "$W/ssh/ctl"
"$TOOLS/benchrun" "$RUNS" "$W/rt.mux" "$(command -v ssh)" "${SSH[@]}" -S "$W/ssh/ctl" "$SSH_DEST" /bin/echo ok
durations "$W/rt.mux" >"$W/rt.mux.ms"; RT_MUX_FAIL=$FAILED
kill "$MASTER"; wait "$MASTER" 2>/dev/null
kill "$NRPE_PID" "$SSHD_PID" 2>/dev/null
wait "$NRPE_PID" "$SSHD_PID" 2>/dev/null

# -- idle: 30 services, each with a manager, for 60 s
T=$W/idle PORT=$(free_port)
mkdir -p "$T"
RUNDIRS+=("$T/run")
start_server || exit 1
IDLE_SERVER=$SERVER_PID
sleep 1
SRV_IDLE_MEM=$(memline "$IDLE_SERVER")
SRV_IDLE_PRIV=$(mem Private_Dirty "$IDLE_SERVER") SRV_IDLE_ANON=$(mem Anonymous "$IDLE_SERVER")
log "idle: 30 services with a cmappmgr each (-cmappserver_timeout 60)"
IDLE_MGRS=()
for i in $(seq 1 30); do
	mgr -t 60 /bin/sleep $((86400 + i)) >>"$T/mgr.log" 2>&1 &
	IDLE_MGRS+=($!)
done
wait_for 120 all_started 30 "$T/mgr.log" || log "only $(started "$T/mgr.log") of 30 started"
# The control: a process that does nothing but wake up every 15 s, as an
# idle cmappmgr does: what a wake-up costs on this machine.  10 naps (150 s)
# outlive the window; it is killed at its end.
"$TOOLS/benchsvc" /dev/null 15000 10 &
CONTROL=$!
IDLE_SHIMS=($(shims_of "$T/run"))
SERVICES=($(services_of "${IDLE_SHIMS[@]}"))
sleep 2
SRV_30_MEM=$(memline "$IDLE_SERVER")
SHIM_MEM=$(memline "${IDLE_SHIMS[@]}")
MGR_MEM="$(memline "${IDLE_MGRS[@]}"), PSS $(mb $(($(mem Pss "${IDLE_MGRS[@]}") / 30))) MB"

sample() {	# "WALL_NS SERVER_CPU WAKE SHIMS_CPU WAKE CONTROL_CPU WAKE MGR_CPU WAKE..."
	local p line
	line="$(now_ns) $(cpu_ns "$IDLE_SERVER") $(wakeups "$IDLE_SERVER")"
	line="$line $(cpu_ns "${IDLE_SHIMS[@]}") $(wakeups "${IDLE_SHIMS[@]}")"
	line="$line $(cpu_ns "$CONTROL") $(wakeups "$CONTROL")"
	for p in "${IDLE_MGRS[@]}"; do line="$line $(cpu_ns "$p") $(wakeups "$p")"; done
	echo "$line"
}
sample >"$W/idle.0"
(sleep "$IDLE_S"; sample >"$W/idle.1") &
WINDOW=$!

log "idle minute: waiting $IDLE_S s"
wait "$WINDOW"
kill "$CONTROL"; wait "$CONTROL" 2>/dev/null
"$BIN/cmappserver" -stop_all -rundir "$T/run" >/dev/null 2>&1
wait "${IDLE_MGRS[@]}"
stop_server

# Per minute: the server, the shims (each), the managers (mean and max).
read -r -a I0 <"$W/idle.0"
read -r -a I1 <"$W/idle.1"
MIN=$(awk -v a="${I0[0]}" -v b="${I1[0]}" 'BEGIN { print (b - a) / 60e9 }')
# permin FORMAT DELTA [N]: DELTA per minute (and per process of N).
permin() { awk -v d="$2" -v m="$MIN" -v n="${3:-1}" "BEGIN { printf \"$1\", d / m / n }"; }
SRV_CPU=$(permin %.0f $((I1[1] - I0[1]))) SRV_WAKE=$(permin %.1f $((I1[2] - I0[2])))
SHIM_CPU=$(permin %.0f $((I1[3] - I0[3])) 30) SHIM_WAKE=$(permin %.1f $((I1[4] - I0[4])) 30)
CTL_CPU=$(permin %.0f $((I1[5] - I0[5]))) CTL_WAKE=$(permin %.1f $((I1[6] - I0[6])))
for ((k = 7; k < ${#I0[@]}; k += 2)); do
	echo "$((I1[k] - I0[k])) $((I1[k + 1] - I0[k + 1]))"
done >"$W/idle.mgrs"
MGR_CPU=$(awk -v m="$MIN" '{ s += $1 } END { printf "%.3f", s / NR / m / 1e6 }' "$W/idle.mgrs")
MGR_CPU_MAX=$(awk -v m="$MIN" '$1 > x { x = $1 } END { printf "%.3f", x / m / 1e6 }' "$W/idle.mgrs")
MGR_WAKE=$(awk -v m="$MIN" '{ s += $2 } END { printf "%.1f", s / NR / m }' "$W/idle.mgrs")

# -- scale: 10 servers x 25 services, 250 managers at once
log "scale: 10 cmappservers x 25 services, 250 cmappmgrs started at once"
PORTS=() SCALE_MGRS=()
for s in $(seq 0 9); do
	T=$W/scale$s PORT=$(free_port)
	mkdir -p "$T"
	RUNDIRS+=("$T/run")
	start_server || exit 1
	PORTS+=("$PORT")
done
t0=$(now_ns)
for s in $(seq 0 9); do
	for i in $(seq 1 25); do
		PORT=${PORTS[s]} mgr -t 60 /bin/sleep $((86400 + i)) >>"$W/scale$s/mgr.log" 2>&1 &
		SCALE_MGRS+=($!)
	done
done
# settled: every manager has started its service or given up.
settled() {
	local p gone=0
	for p in "${SCALE_MGRS[@]}"; do kill -0 "$p" 2>/dev/null || gone=$((gone + 1)); done
	[ $(($(started "$W"/scale*/mgr.log) + gone)) -ge 250 ]
}
wait_for 180 settled
SC_UP=$(started "$W"/scale*/mgr.log)
SC_SECS=$(awk -v a="$t0" -v b="$(now_ns)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
SC_ALIVE=0
for p in "${SCALE_MGRS[@]}"; do kill -0 "$p" 2>/dev/null && SC_ALIVE=$((SC_ALIVE + 1)); done
SC_START_CPU=$(cpu_ns "${SCALE_MGRS[@]}")
for s in $(seq 0 9); do SERVICES+=($(services_of $(shims_of "$W/scale$s/run"))); done
SC_PSS=$(mem Pss "${SCALE_MGRS[@]}") SC_RSS=$(mem VmRSS "${SCALE_MGRS[@]}")
SC_PRIV=$(mem Private_Dirty "${SCALE_MGRS[@]}")
w0=$(now_ns) c0=$SC_START_CPU
sleep "$SCALE_S"
SC_CPU=$(awk -v c="$(( $(cpu_ns "${SCALE_MGRS[@]}") - c0 ))" -v t="$(( $(now_ns) - w0 ))" \
	-v n="$SC_ALIVE" 'BEGIN { printf "%.3f", n ? c / n / (t / 60e9) / 1e6 : 0 }')
log "stopping the 250 services"
STOPS=()
for s in $(seq 0 9); do
	"$BIN/cmappserver" -stop_all -rundir "$W/scale$s/run" >/dev/null 2>&1 &
	STOPS+=($!)
done
wait "${STOPS[@]}" "${SCALE_MGRS[@]}"
stop_jobs	# the ten servers
# Left running: anything with the temp dir in its command line, and the services.
LEFT=$(pgrep -f "$W/" | wc -l)
for p in "${SERVICES[@]}"; do kill -0 "$p" 2>/dev/null && LEFT=$((LEFT + 1)); done

# ---- the table ----------------------------------------------------------

read -r n CM50 CM95 CM99 <<<"$(stats "$W/rt.cmapp.ms")"
read -r n NR50 NR95 NR99 <<<"$(stats "$W/rt.nrpe.ms")"
read -r n SH50 SH95 SH99 <<<"$(stats "$W/rt.ssh.ms")"
read -r n MX50 MX95 MX99 <<<"$(stats "$W/rt.mux.ms")"
read -r n LA50 LA95 LA99 <<<"$(stats "$W/launch.ms")"
read -r NEX EX50 EX95 EX99 <<<"$(stats "$W/exit.ms")"
read -r n RA50 RA95 RA99 <<<"$(stats "$W/ra.ms")"
R_NRPE=$(div "$NR50" "$CM50") R_SSH=$(div "$SH50" "$CM50")
fails() { [ "$1" = 0 ] || echo " ($1 failed)"; }
p3() { echo "$(ms "$1") / $(ms "$2") / $(ms "$3") ms"; }

: >"$TABLE"
row measurement cmapp "NRPE $(dpkg-query -W -f='${Version}' nagios-nrpe-server | cut -d- -f1)" \
	"OpenSSH $(ssh -V 2>&1 | sed 's/OpenSSH_\([0-9.p]*\).*/\1/')" target result
row --- --- --- --- --- ---
row "round trip, fresh client runs /bin/echo ok, median / p95" \
	"$(ms "$CM50") / $(ms "$CM95") ms$(fails "$RT_CMAPP_FAIL")" \
	"$(ms "$NR50") / $(ms "$NR95") ms$(fails "$RT_NRPE_FAIL")" \
	"$(ms "$SH50") / $(ms "$SH95") ms$(fails "$RT_SSH_FAIL")" \
	"≤ 1/5 NRPE, ≤ 1/10 ssh" \
	"1/$R_NRPE NRPE $(verdict "r >= 5" r="$R_NRPE"), 1/$R_SSH ssh $(verdict "r >= 10" r="$R_SSH")"
row "round trip, ssh over a reused ControlMaster connection, median / p95" - - \
	"$(ms "$MX50") / $(ms "$MX95") ms$(fails "$RT_MUX_FAIL")" - "cmapp 1/$(div "$MX50" "$CM50")"
row "launch: cmappmgr start to the service's first instruction, p50 / p95 / p99" \
	"$(p3 "$LA50" "$LA95" "$LA99")$(fails "$LAT_FAIL")" - - - -
row "exit detection: service exit to cmappmgr exit, p50 / p95 / p99 ($NEX runs)" \
	"$(p3 "$EX50" "$EX95" "$EX99")" - - "p99 < 5 ms" \
	"$(verdict 'x != "nan" && x < 5' x="$EX99")"
row "re-attach: 2nd cmappmgr start to attached to the running service, p50 / p95 / p99" \
	"$(p3 "$RA50" "$RA95" "$RA99")$(fails "$RA_FAIL")" - - - -
row "stripped size, guest daemon" "cmappserver $SZ_SERVER KiB" "nrpe $(size_kb "$NRPE") KiB" \
	"sshd $(size_kb "$SSHD") KiB" "≤ 36 KiB" \
	"$(verdict "x <= 36" x="$SZ_SERVER")"
row "stripped size, per service" "cmapp-shim $(size_kb "$BIN/cmapp-shim") KiB" - - - -
row "stripped size, host client" "cmappmgr $(size_kb "$BIN/cmappmgr") KiB" \
	"check_nrpe $(size_kb "$CHECK_NRPE") KiB" "ssh $(size_kb "$(command -v ssh)") KiB" - -
MONS=""
for f in "$BIN"/cmapp_*_mon "$BIN"/plugins/*.so; do
	[ -f "$f" ] && [ ! -L "$f" ] || continue
	case ${f##*/} in test_*) continue ;; esac
	MONS="$MONS${MONS:+, }${f##*/} $(size_kb "$f")"
done
row "stripped size, monitors (KiB)" "${MONS:-none built}" - - - -
row "guest daemon idle, memory" "$SRV_IDLE_MEM" "$NRPE_MEM" "$SSHD_MEM" "private < 1 MB" \
	"$(verdict "p < 1024 && a < 1024" p="$SRV_IDLE_PRIV" a="$SRV_IDLE_ANON")"
row "guest daemon with 30 services attached, memory" "$SRV_30_MEM" - - - -
row "per service: one cmapp-shim (mean of 30)" "$SHIM_MEM" - - - -
row "one monitoring cmappmgr (mean of 30)" "$MGR_MEM" - - - -
row "idle minute, 30 services attached: cmappserver CPU / wake-ups" \
	"$(ms "$(awk -v x="$SRV_CPU" 'BEGIN { print x / 1e6 }')") ms / $SRV_WAKE" - - - -
row "idle minute: one cmapp-shim CPU / wake-ups (mean of 30)" \
	"$(ms "$(awk -v x="$SHIM_CPU" 'BEGIN { print x / 1e6 }')") ms / $SHIM_WAKE" - - - -
row "idle minute: one cmappmgr CPU (mean, max of 30) / wake-ups" \
	"$(ms "$MGR_CPU"), $(ms "$MGR_CPU_MAX") ms / $MGR_WAKE" - - "< 1 ms a minute" \
	"$(verdict "x < 1" x="$MGR_CPU_MAX")"
row "idle minute: control process waking every 15 s, CPU / wake-ups" \
	"$(ms "$(awk -v x="$CTL_CPU" 'BEGIN { print x / 1e6 }')") ms / $CTL_WAKE" - - - -
N=$((SC_ALIVE > 0 ? SC_ALIVE : 1))	# per manager still running
row "scale: 250 cmappmgrs (10 servers x 25), all started" \
	"$SC_UP started in $SC_SECS s, $SC_ALIVE running" - - - -
row "scale: host memory per cmappmgr" \
	"PSS $(mb $((SC_PSS / N))), RSS $(mb $((SC_RSS / N))), private dirty $(mb $((SC_PRIV / N))) MB" - - - -
row "scale: CPU per cmappmgr, start-up / per minute after" \
	"$(ms "$(awk -v x="$SC_START_CPU" -v n="$N" 'BEGIN { print x / n / 1e6 }')") ms / $(ms "$SC_CPU") ms" - - - -

MACHINE="$(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), Linux $(uname -r)"
{
	echo "# make bench: results"
	echo
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $MACHINE, load average $LOAD0 at the start;"
	echo "$RUNS runs per latency figure; run time $((SECONDS - BEGAN)) s, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end;"
	echo "left running: $LEFT processes."
	echo
	cat "$TABLE"
	echo
	cat <<-EOF
	- Round trips: a fresh process each run, timed from fork to waitpid by bench/benchrun.c;
	  cmappmgr -node localhost -cmappserver_timeout 10 -service /bin/echo ok (TLS 1.3, ECDSA
	  P-256, mutual); check_nrpe -H 127.0.0.1 -c echo with command[echo]=/bin/echo ok (NRPE's
	  own TLS); ssh with an ed25519 key to a user whose shell is /bin/sh, no rc files,
	  private sshd with UsePAM no. All on loopback, all output to /dev/null.
	- Launch and exit detection: the service (bench/benchsvc.c) reads CLOCK_REALTIME first
	  thing in main(), and again just before it exits 20 ms later; benchrun reads it before
	  fork and after waitpid. Re-attach: until cmappmgr's "... was already running ...:
	  attached" line, then SIGTERM (cmappmgr detaches).
	- Memory from /proc/PID/status (VmRSS) and /proc/PID/smaps_rollup (Pss, Private_Dirty,
	  Anonymous); MB = MiB. The guest daemons' idle figures are the listeners before any
	  request. CPU from /proc/PID/task/*/schedstat (ns, every thread), wake-ups = voluntary
	  + involuntary context switches of every thread.
	- Idle minute: -cmappserver_timeout 60, so each cmappmgr sends a heartbeat every 15 s.
	  Nothing else of the benchmark ran during it: the NRPE and ssh round trips ran before,
	  and their daemons were stopped.
	- Scale: -cmappserver_timeout 60 too (all 250 start at once: on a busy 2-core machine
	  that can take longer than the default 10 s); CPU per minute measured over 30 s once
	  all 250 were watching.
	EOF
} >"$TOP/bench/results.md"
echo
cat "$TOP/bench/results.md"
