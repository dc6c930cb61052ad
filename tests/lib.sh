# SPDX-License-Identifier: ISC
# lib.sh: helpers for the end-to-end tests (sourced by tests/e2e.sh and the
# benchmarks).  They start the real binaries on loopback with a throwaway
# key set made by certs/mkkeys.sh, on a port of their own.

# SLOW: how much longer to wait with sanitizers or valgrind (CMAPP_SLOW).
SLOW=1
[ -n "${SERVER_WRAP:-}${CMAPP_SLOW:-}" ] && SLOW=6

# make_keys DIR GUEST...: a key set as the manual lays it out.
make_keys() {
	local dir=$1; shift
	"$TOP/certs/mkkeys.sh" -in_place -o "$dir" "$@" >/dev/null
}

# free_port: a TCP port nothing listens on, below the ephemeral range: a
# manager that retries against a port in that range while no server
# listens can connect to itself (TCP simultaneous open), and then holds
# the very port the next server must bind.
free_port() {
	local p lo=32768
	read -r lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null
	[ "${lo:-0}" -gt 11000 ] || lo=32768
	while :; do
		p=$((10000 + RANDOM % (lo - 10000)))
		ss -Htln "sport = :$p" 2>/dev/null | grep -q . && continue
		# e2e.sh's tests run at once: each reserves its ports.
		[ -z "${E2E_PORTS:-}" ] || mkdir "$E2E_PORTS/$p" 2>/dev/null || continue
		echo "$p"
		return
	done
}

# PATIENCE: how many times longer wait_for waits than it is told.  A wait
# is an upper bound, not what a test measures (it takes the time itself):
# it may as well be long, for a machine that runs other tests meanwhile.
PATIENCE=${CMAPP_PATIENCE:-3}

# nap SECONDS: sleep(1) without its fork and exec, which add up in the
# polling loops of tests that run at once: a read that times out on
# e2e.sh's FIFO $NAP_FIFO, which nobody writes to (opened for reading and
# writing, the open does not wait for a writer).  The FIFO is open for the
# read only: no process started meanwhile inherits it.
nap() {
	if [ -p "${NAP_FIFO:-}" ]; then
		read -rt "$1" <>"$NAP_FIFO"
		return 0
	fi
	sleep "$1"
}

# wait_for SECONDS COMMAND...: polls until COMMAND succeeds, for SECONDS
# times PATIENCE at most.
wait_for() {
	local limit=$1; shift
	local end=$((SECONDS + limit * PATIENCE))
	while ! "$@" 2>/dev/null; do
		[ "$SECONDS" -ge "$end" ] && return 1
		nap 0.1
	done
}

listening() { ss -Htln "sport = :$1" | grep -q .; }

# The load tests read the server's own account of its connection limits
# in $T/server.log:
# evicted [FROM]: how many connections it evicted to make room (its
# "evicted N and refused M" lines, one per address or /64 and 10 s), from
# those that FROM, a sed regex without "|", matches, or from any;
# at_deadline FROM SECONDS: how many from FROM (a grep regex of the
# address, without the port) it closed at its handshake deadline.
evicted() {
	sed -n "s|.*${1:+from $1}: evicted \([0-9]*\) and refused.*|\1|p" "$T/server.log" |
		awk '{ s += $1 } END { print s + 0 }'
}
at_deadline() { grep -c "closed $1:[0-9]*: no TLS handshake within $2 s" "$T/server.log"; }
# handled FROM SECONDS: those from FROM evicted or closed at the deadline.
handled() { echo $(($(evicted "$1") + $(at_deadline "$1" "$2"))); }

# start_server [ARGS...]: cmappserver in the foreground on $PORT, with the
# guest keys of $KEYS; its pid in $SERVER_PID, its log in $T/server.log.
# SERVER_WRAP (e.g. valgrind ...) runs in front of cmappserver.
# It returns once the server has logged that it listens, which it does
# after its start-up (the port is bound earlier).
start_server() {
	local n
	n=$(grep -c ' listening on ' "$T/server.log" 2>/dev/null)
	${SERVER_WRAP:-} "$BIN/cmappserver" -f -conf "${SERVER_CONF:-$KEYS/localhost/cmappserver.conf}" \
		-listen 127.0.0.1 -port "$PORT" -rundir "$T/run" "$@" >>"$T/server.log" 2>&1 &
	SERVER_PID=$!
	wait_for $((20 * SLOW)) eval '[ "$(grep -c " listening on " "$T/server.log")" -gt "${n:-0}" ]' &&
		listening "$PORT" || { echo "cmappserver did not start"; cat "$T/server.log"; return 1; }
}

stop_server() {
	[ -n "${SERVER_PID:-}" ] || return 0
	kill -CONT "$SERVER_PID" 2>/dev/null
	kill "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=
}

# end_test: e2e.sh's EXIT trap for a test, the order of a guest's
# shutdown: cmappserver -stop_all while the server still runs, so that it
# tells the attached managers their services' ends and the shims are
# released once the managers acknowledged, then the server stopped.  Tests
# may leave services running for this.  A test with an EXIT trap of its
# own calls it there (or stop_server alone when its processes are all in
# a namespace it kills).
end_test() {
	local pg
	if [ -n "${SERVER_PID:-}" ] && [ -d "$T/run" ]; then
		kill -CONT "$SERVER_PID" 2>/dev/null
		"$BIN/cmappserver" -stop_all -rundir "$T/run" >>"$T/stop_all.out" 2>&1
		# The test's process group, from /proc (no ps: a fork and
		# exec at the end of every test).
		read -r pg <"/proc/${TEST_PID:-$$}/stat"
		set -- ${pg##*) }
		pg=$3
		wait_for $((5 * SLOW)) eval '! pgrep -g "$pg" -x cmappmgr >/dev/null'
	fi
	stop_server
}

# hung_exec_mount [WHY]: tests/fusefail mounted on $T/mnt, for a launch of
# $T/mnt/disk whose exec hangs (a program on a dead NFS mount) while
# "hangopen" is written to $T/mnt/ctl, and then fails (not a program) once
# "ok" is.  Without FUSE the test skips, saying WHY is not tested.  Its
# EXIT trap lets the exec go, ends the test (end_test) and unmounts.
hung_exec_mount() {
	local why=${1:+: $1}
	[ -x "$BIN/tests/fusefail" ] || { echo "no $BIN/tests/fusefail (needs libfuse3-dev)$why"; exit 77; }
	[ -c /dev/fuse ] || { echo "no /dev/fuse$why"; exit 77; }
	mkdir -p "$T/mnt"
	"$BIN/tests/fusefail" "$T/mnt" 2>"$T/fusefail.log" & FUSE_PID=$!
	trap hung_exec_umount EXIT
	wait_for 5 test -e "$T/mnt/ctl" || { echo "cannot mount FUSE: $(cat "$T/fusefail.log")$why"; exit 77; }
}

hung_exec_umount() {
	echo ok >"$T/mnt/ctl" 2>/dev/null
	end_test
	umount "$T/mnt" 2>/dev/null || umount -l "$T/mnt" 2>/dev/null
	kill "$FUSE_PID" 2>/dev/null; wait "$FUSE_PID" 2>/dev/null
	true
}

# mgr [-t SECONDS] COMMAND...: cmappmgr for the guest "localhost".  Run in
# the background ("mgr ... & m=$!") it execs, so that $! is cmappmgr itself
# and the test's signals reach it, not a subshell.
mgr() {
	local t=()
	[ "$1" = -t ] && { t=(-t "$2"); shift 2; }
	mgr_cmd "${t[@]}" -service "$@"
}

# mgr_cmd [-t S] ARGS...: cmappmgr for the guest "localhost" with ARGS as
# they are (-status, -stop, -ready_file, ... then -service), exec'd in a
# background job as mgr is.
mgr_cmd() {
	local t=10
	[ "$1" = -t ] && { t=$2; shift 2; }
	set -- "$BIN/cmappmgr" -node localhost -port "$PORT" \
		-conf "${MGR_CONF:-$KEYS/host/cmappmgr.conf}" \
		-cmappserver_timeout "$t" "$@"
	if [ "$BASHPID" != "${TEST_PID:-$$}" ]; then exec "$@"; fi
	"$@"
}

# children PATTERN: how many service processes match PATTERN: those whose
# parent is a cmapp-shim.  Not the shim or cmappmgr, whose command lines
# contain the service's, nor a service's own child between its fork and
# exec (an app.sh forking sleep), which has the service's command line.
children() {
	ps -eo pid=,ppid=,comm=,args= | awk -v pat="$1" '
		{ comm[$1] = $3; ppid[$1] = $2; line[$1] = $0 }
		END {
			for (p in line)
				if (index(line[p], pat) && comm[p] != "cmapp-shim" &&
				    comm[ppid[p]] == "cmapp-shim")
					n++
			print n + 0
		}'
}

# reboot_guest: what a guest reboot does to cmappserver's world: the server,
# every shim and every service die at once, and /run is empty again.
reboot_guest() {
	kill -9 "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=
	local shim
	for shim in $(pgrep -f "cmapp-shim $T/run"); do kill_shim "$shim"; done
	# /sys/fs/cgroup starts empty too: the runs' cgroups (under the
	# server's, which is ours) go.
	local s id cg d
	cg=$(sed -n 's/^0:://p' /proc/self/cgroup)
	for s in "$T"/run/*.sock "$T"/run/*.left; do
		id=${s##*/} id=${id%.*}
		for d in "/sys/fs/cgroup${cg%/}/cmapp-run-$id" "/sys/fs/cgroup/unified${cg%/}/cmapp-run-$id"; do
			# Killed, its processes may still be exiting.
			[ ! -d "$d" ] || wait_for 5 rmdir "$d"
		done
	done
	rm -rf "$T/run"
}

# shims COMMAND: how many cmapp-shim processes of this test's run directory
# run COMMAND; not their forked children, which bear the shim's command
# line until their exec returns.  The patterns come from the environment:
# in awk's own arguments they would match awk.
shims() {
	ps -eo pid=,ppid=,comm=,args= | PAT="$T/run" CMD="$1" awk '
		{ comm[$1] = $3; ppid[$1] = $2; line[$1] = $0 }
		END {
			for (p in line)
				if (comm[p] == "cmapp-shim" &&
				    index(line[p], ENVIRON["PAT"]) &&
				    index(line[p], ENVIRON["CMD"]) &&
				    comm[ppid[p]] != "cmapp-shim")
					n++
			print n + 0
		}'
}

# mine PATTERN: the pids of this test's processes whose command line
# matches PATTERN (as pgrep -f): those with T=$T in their environment,
# which the services of the test's servers inherit.  The same test may
# run at once in the plain and a sanitized suite, with the same commands:
# a pgrep or pkill by name alone would count or kill the other's.
mine() {
	local p
	for p in $(pgrep -f "$1"); do
		grep -qsxzF "T=$T" "/proc/$p/environ" && echo "$p"
	done
	return 0
}

# kill_shim PID: kill -9 a cmapp-shim and everything of its service: the
# service leads a session of its own, with its children in it.
kill_shim() {
	local c
	kill -STOP "$1" 2>/dev/null	# no new child meanwhile
	for c in $(pgrep -P "$1"); do pkill -9 -s "$c"; kill -9 "$c"; done 2>/dev/null
	kill -9 "$1" 2>/dev/null
}

# An application that waits for its go file, then exits with a code.
# app NAME CODE: the command line of such an application.
# It polls every 50 ms with nap's pause, a read that times out on e2e.sh's
# FIFO: a sleep(1) there cost a fork and an exec 20 times a second for
# each service a test keeps running.
app() {
	local f="$T/app.sh" tmp="$T/app.sh.$BASHPID" pause="sleep 0.05"
	[ -p "${NAP_FIFO:-}" ] && printf -v pause "read -rt 0.05 <>%q" "$NAP_FIFO"
	# Written aside and renamed: managers started at once all call this,
	# and exec of a file still open for writing fails (ETXTBSY).
	[ -x "$f" ] || { printf '#!/bin/bash\n# $1: go file, $2: exit code\nwhile [ ! -e "$1" ]; do %s; done\necho "app $1 done"\nexit "$2"\n' "$pause" >"$tmp"; chmod +x "$tmp"; mv -f "$tmp" "$f"; }
	echo "$f $T/go.$1 $2"
}
go() { touch "$T/go.$1"; }

# The checks.  Each fails the test when its check fails: it says what was
# expected and what came instead, shows the files it is given, and exits 1
# (in a subshell or a pipeline, that part only).  So a test never depends
# on a hand-written "|| exit 1" after its checks.

# fail MESSAGE [FILE...]: fails the test, with the FILEs' last lines.
fail() {
	local f
	echo "FAIL: $1"
	shift
	for f in "$@"; do
		echo "    --- ${f#"${T:-}"/}:"
		tail -n 40 "$f" 2>&1 | sed 's/^/    /'
	done
	exit 1
}

# expect WHAT COMMAND...: runs COMMAND in this shell (what it sets stays
# set); when it fails, so does the test, saying WHAT and COMMAND's status.
expect() {
	local what=$1 rc
	shift
	"$@" && return 0
	rc=$?
	fail "$what (exit status $rc: $*)"
}

# expect_eq GOT WANT WHAT [FILE...]: GOT must be WANT.
expect_eq() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'" "${@:4}"; }

# expect_grep REGEX FILE [WHAT]: a line of FILE matches REGEX (grep).
expect_grep() {
	grep -q -- "$1" "$2" || fail "${3:+$3: }'$1' not in ${2#"${T:-}"/}" "$2"
}

# expect_no_grep REGEX FILE [WHAT]: FILE can be read, and no line of it
# matches REGEX (a file that is not there proves nothing).
expect_no_grep() {
	grep -q -- "$1" "$2"
	case $? in
	0) fail "${3:+$3: }'$1' found in ${2#"${T:-}"/}" "$2" ;;
	1) ;;
	*) fail "${3:+$3: }cannot read ${2#"${T:-}"/} to check that '$1' is not in it" ;;
	esac
}

# untested WHY: a part of the test that cannot run on this machine; the
# rest goes on.  With CI=true it fails, as a skip does: CI must not pass
# with a check that did not run.
untested() {
	[ "${CI:-}" != true ] || fail "CI=true, and this part cannot run here: $1"
	echo "    not tested: $1"
}

# expect_wait SECONDS WHAT COMMAND...: COMMAND succeeds within SECONDS
# (wait_for).
expect_wait() {
	local limit=$1 what=$2
	shift 2
	wait_for "$limit" "$@" || fail "$what (not within $((limit * PATIENCE)) s: $*)"
}

# use_sockhold N: $hold, the load tests' socket-holding client (built by
# make), with file descriptors raised for N sockets, or the test skips.
use_sockhold() {
	hold=$BIN/tests/sockhold
	[ -x "$hold" ] || fail "no $hold: run make first"
	ulimit -n "$(ulimit -Hn)" 2>/dev/null
	[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge $(($1 + 64)) ] ||
		{ echo "needs $(($1 + 64)) file descriptors, ulimit -n is $(ulimit -n)"; exit 77; }
}

# ms: milliseconds from bash's clock.
ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# managers_served WHEN: three managers one after another, while a load
# runs (exit codes 3, 4 and 5, each checked); the slowest one's time, in
# ms, in $worst.  WHEN ends each line ("during the flood").
managers_served() {
	local code rc t0 t1 i=0
	worst=0
	for code in 3 4 5; do
		i=$((i + 1))
		t0=$(ms)
		mgr -t 10 /bin/sh -c "exit $code" 2>"$T/mgr$i.err"; rc=$?
		t1=$(ms)
		echo "manager $i served in $((t1 - t0)) ms $1"
		expect_eq $rc $code "manager $i's exit code $1" "$T/mgr$i.err"
		[ $((t1 - t0)) -gt $worst ] && worst=$((t1 - t0))
		sleep 1
	done
}

# syslog_capture: from now on, what a command run by in_syslog sends to
# syslog lands in $SYSLOG_OUT ($T/syslog) instead of this machine's syslog,
# a line a record: "FACILITY.PRIORITY IDENT[PID]: MESSAGE", such as
# "daemon.err cmapp_net_mon[42]: interface lo is down" (tests/tools/
# logcatch.c).  The commands run in a mount namespace of logcatch's where
# its socket is bound over /dev/log; where this machine has no /dev/log,
# that namespace gets a /dev of its own to bind it onto (see _syslog_bind;
# /dev entries made later, such as a new loop device, do not show there).
# A server started with SERVER_WRAP="$SYSLOG_WRAP" runs there too, with
# its services.  The namespace ends with logcatch: syslog_stop, or e2e.sh's
# clean-up, which ends every process whose command line names $T.  Skips
# the test (77) where no mount namespace can be made.
syslog_capture() {
	local catcher=$BIN/tests/logcatch
	[ -x "$catcher" ] || fail "no $catcher: run make first"
	SYSLOG_OUT=$T/syslog
	: >"$SYSLOG_OUT"
	unshare -m --propagation private "$catcher" "$T/syslog.sock" "$SYSLOG_OUT" \
		2>"$T/logcatch.err" &
	SYSLOG_NS=$!
	wait_for 5 test -S "$T/syslog.sock" ||
		{ kill "$SYSLOG_NS" 2>/dev/null; echo "cannot start logcatch in a mount namespace: $(cat "$T/logcatch.err")"; exit 77; }
	nsenter -t "$SYSLOG_NS" -m -- bash -c "$(declare -f _syslog_bind); _syslog_bind \"\$1\"" \
		_ "$T" >"$T/syslog_ns.err" 2>&1 ||
		{ syslog_stop; echo "cannot bind a socket over /dev/log: $(cat "$T/syslog_ns.err")"; exit 77; }
	SYSLOG_WRAP="nsenter -t $SYSLOG_NS -m --wd=$PWD --"
}

# in_syslog COMMAND...: COMMAND with its syslog caught (syslog_capture).
# Run in the background, $! is COMMAND itself (nsenter execs it).
in_syslog() { nsenter -t "$SYSLOG_NS" -m --wd="$PWD" -- "$@"; }

# syslog_stop: ends the capture; $SYSLOG_OUT stays.
syslog_stop() {
	[ -n "${SYSLOG_NS:-}" ] || return 0
	kill "$SYSLOG_NS" 2>/dev/null
	wait "$SYSLOG_NS" 2>/dev/null
	SYSLOG_NS=
}

# _syslog_bind T: in logcatch's namespace, binds T/syslog.sock over
# /dev/log.  Without a /dev/log to bind it onto (making one in the real
# /dev would show to the whole machine), the namespace first gets a /dev
# of its own: a tmpfs with copies of the real one's device nodes and
# links, and binds of its directories (pts, shm, ...).
_syslog_bind() {
	local sock=$1/syslog.sock old=$1/.syslog-dev e files=()
	if [ -e /dev/log ] || [ -L /dev/log ]; then
		mount --bind "$sock" /dev/log
		return
	fi
	mkdir "$old" && mount --rbind /dev "$old" &&
		mount -t tmpfs -o mode=0755,size=1m cmapp-syslog-dev /dev || return
	for e in "$old"/* "$old"/.[!.]*; do
		if [ -d "$e" ] && [ ! -L "$e" ]; then
			mkdir "/dev/${e##*/}" && mount --rbind "$e" "/dev/${e##*/}" || return
		elif [ -e "$e" ] || [ -L "$e" ]; then
			files+=("$e")
		fi
	done
	cp -a "${files[@]}" /dev/ || return
	# Detached at once: nothing under $1 leads into the real /dev.
	umount -l "$old" && rmdir "$old" &&
		: >/dev/log && mount --bind "$sock" /dev/log
}
