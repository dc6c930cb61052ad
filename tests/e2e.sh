#!/bin/bash
# SPDX-License-Identifier: ISC
# e2e.sh BUILD_DIR [TEST...]: runs the end-to-end tests in tests/e2e/ against
# the binaries in BUILD_DIR, each in a fresh temp dir with its own server,
# and ends with "N passed, N failed, N skipped".
#
# The tests mostly wait, each with its own directory and port: E2E_JOBS
# (default 3) run at once, the costliest first, from the "# cost: SECONDS"
# line of each (its time alone on a quiet machine; 5 without one).  Those
# marked "heavy" there (load tests, the TLS scan: they keep the CPU or the
# machine's sockets busy) never run alongside one another ("heavy
# sanitized-light": heavy in the plain suite only, for a load test that
# with sanitizers or valgrind, its pace slower and its bounds scaled,
# takes under half a core and passes beside heavy ones; "heavy untimed":
# one whose checks no busy machine can fail, which may run beside another
# such one, never beside a timed heavy one); with
# E2E_HEAVY_LOCK=FILE, not alongside those of the other suites that name
# the same FILE either (a flock on it is held while one runs), and with
# E2E_SLOTS=FILE they share E2E_SLOT_COUNT test slots.  With
# E2E_BORROW=FILE instead, the suite runs its E2E_JOBS without a slot,
# and light tests beyond them in the slots of FILE that the suites
# sharing them leave free.  Each test's result is printed when it ends,
# with its output if it failed.
#
# Each test runs in a bash of its own under timeout(1), in a process group
# of its own: 180 s, or what a "# limit: N" line in the test says, both
# times SLOW (6 with sanitizers or valgrind).  What the test leaves running
# is a failure: after its EXIT trap (by default end_test: cmappserver
# -stop_all, as a guest's shutdown does, then the server stopped), and
# after one more -stop_all for tests with traps of their own, any process
# of its process group, naming its directory $T/ on its command line, or
# with its T=$T in the environment (which a process that left the group
# keeps), is listed and fails the test, then killed.  Only the test's own:
# the others running meanwhile have their own group and $T.  A cmapp-shim
# without a child is no leak: its service ended and it keeps the exit
# status for the next cmappserver, as designed (docs/restart.md); the
# clean-up releases it (-stop_all -drop_kept), so that it removes its
# service's cgroup, and kills what is still left.
#
# A test exits 77 to skip, saying why on its last line; with CI=true a
# skip fails: CI must not pass with tests that did not run.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(cd "${1:?usage: e2e.sh BUILD_DIR [TEST...]}" && pwd)
shift
. "$TOP/tests/lib.sh"
. "$TOP/tests/weight.sh"
. "$TOP/tests/times.sh"

JOBS=${E2E_JOBS:-3}
WORK=$(mktemp -d /tmp/cmapp-e2e.XXXXXX)
declare -A running=()	# pid of a test's runner -> the test's name
# Interrupted: the running tests' runners and process groups go too (they
# are not ours, so the terminal's ^C does not reach them), and whatever
# names $WORK.
cleanup() {
	local p g
	for p in "${!running[@]}"; do kill -KILL "$p" 2>/dev/null; done
	for g in "$WORK"/*/pgid; do
		[ -s "$g" ] && kill -KILL -- "-$(cat "$g")" 2>/dev/null
	done
	pkill -KILL -f "$WORK/" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
KEYS=$WORK/keys
make_keys "$KEYS" localhost || { echo "cannot make keys"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
# free_port's reservations: tests running at once never pick the same port;
# suites that run at once share them by naming the same E2E_PORTS.
E2E_PORTS=${E2E_PORTS:-$WORK/ports}
mkdir -p "$E2E_PORTS"
# lib.sh's nap, a sleep without a fork.
NAP_FIFO=$WORK/nap
mkfifo "$NAP_FIFO"
export TOP BIN KEYS WORK E2E_PORTS NAP_FIFO

# alive PID: PID is a process, and not a zombie.
alive() {
	local st
	{ read -r st <"/proc/$1/stat"; } 2>/dev/null || return 1
	st=${st##*) }
	[ "${st%% *}" != Z ]
}

# leftovers PGID T [PID]: the live processes of the test's process group
# PGID, those whose command line names its directory T/, and those with
# T=T in their environment; not PID (the caller).  Three programs and no
# pipeline: a fork and exec is most of what this runner costs a test (about
# 4.5 ms each on the 2-core VM), and every test ends with this.
leftovers() {
	local p f
	local -A seen=()
	for f in $({ pgrep -g "$1"; grep -lsFz -e "$2/" /proc/[0-9]*/cmdline
		     grep -lsxzF "T=$2" /proc/[0-9]*/environ; } 2>/dev/null); do
		p=${f#/proc/} p=${p%%/*}
		[ -z "${seen[$p]:-}" ] || continue
		seen[$p]=1
		[ "$p" = $$ ] || [ "$p" = "${3:-}" ] && continue
		alive "$p" && echo "$p"
	done
}

# kept_shim PID: PID is a cmapp-shim without a child: it only keeps an
# exit status for its manager.
kept_shim() {
	local c
	{ read -r c <"/proc/$1/comm"; } 2>/dev/null && [ "$c" = cmapp-shim ] &&
		! pgrep -P "$1" >/dev/null
}

# leaks_in PID...: those of PID... that are not kept shims.
leaks_in() { local p; for p in "$@"; do kept_shim "$p" || echo "$p"; done; }

# leaks PGID T [PID]: the leftovers but the shims that only keep a status.
leaks() { leaks_in $(leftovers "$@"); }

# run_one FILE NAME: runs one test in $WORK/NAME, checks what it left, and
# writes its result block to $WORK/NAME/result; exits 0 (passed), 1
# (failed) or 77 (skipped).  Run in the background, one per running test.
run_one() {
	local f=$1 name=$2 T=$WORK/$2 limit=180 start rc last left leaked kept vg tpid cpu src me=$BASHPID
	local re=$'(^|\n)# limit: *([0-9]+) *(\n|$)'
	mkdir -p "$T"
	# Read by bash itself: the runner's forks are a test's overhead.
	IFS= read -rd '' src <"$f"
	[[ $src =~ $re ]] && limit=$((10#${BASH_REMATCH[2]}))
	limit=$(( limit * SLOW ))
	start=$SECONDS
	# E2E_GCOV=DIR (tests/sanset.sh): a coverage build's counts of this
	# test go under DIR/NAME/other, cmappserver's (by its wrapper) under
	# DIR/NAME/server.
	[ -z "${E2E_GCOV:-}" ] || export GCOV_PREFIX=$E2E_GCOV/$name/other
	# timeout(1) makes a process group of its own, and on time-out
	# signals all of it: the test's shell, its managers, its server.
	T=$T timeout -k 10 "$limit" bash -c '
		set -u
		. "$TOP/tests/lib.sh"
		PORT=$(free_port)
		SERVER_PID= TEST_PID=$BASHPID
		export T	# for SERVER_WRAP'\''s valgrind --log-file=%q{T}/...
		# Sanitizer reports of processes whose stderr is /dev/null
		# (cmapp-shim) land in $T too, where the check below finds them.
		export ASAN_OPTIONS="log_path=$T/asan${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
		export UBSAN_OPTIONS="log_path=$T/ubsan:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
		trap "end_test; true" EXIT
		. "$0"' "$f" </dev/null >"$T/out" 2>&1 9>&- &
	tpid=$!
	echo "$tpid" >"$T/pgid"
	wait "$tpid"
	rc=$?
	# The CPU the test's processes used (those reaped within it).
	# (times in this shell: a pipeline's would be a child without any.)
	times >"$T/times"
	cpu=$(tenths "$T/times")
	[ $rc -ne 77 ] || last=$(tail -1 "$T/out")	# a skip's reason
	if [ $rc -eq 124 ] || { [ $rc -eq 137 ] && [ $((SECONDS - start)) -ge "$limit" ]; }; then
		echo "timed out after $limit s" >>"$T/out"
		rc=1
	fi
	# Tests with an EXIT trap of their own may leave services: they are
	# stopped as an admin would, and what outlives that is a leak.
	if [ -d "$T/run" ]; then
		timeout 60 "$BIN/cmappserver" -stop_all -rundir "$T/run" >>"$T/stop_all.out" 2>&1 ||
			{ echo "cmappserver -stop_all after the test failed:"; cat "$T/stop_all.out"; } >>"$T/out"
	fi
	# Managers that got an EXIT from -stop_all need a moment to go: one
	# look as a rule, more while anything but kept shims is left.
	left=$(leftovers "$tpid" "$T" "$me")
	if [ -n "$left" ] && [ -n "$(leaks_in $left)" ]; then
		wait_for $((5 * SLOW)) eval '[ -z "$(leaks "$tpid" "$T" "$me")" ]'
		left=$(leftovers "$tpid" "$T" "$me")
	fi
	leaked=
	[ -z "$left" ] || leaked=$(leaks_in $left)
	if [ -n "$leaked" ]; then
		{ echo "left running after the test (and cmappserver -stop_all):"
		  ps -o pid=,ppid=,pgid=,etimes=,args= -p "$(echo $leaked | tr ' ' ,)" | sed 's/^/    /'; } >>"$T/out"
		[ $rc -eq 77 ] || rc=1
	fi
	if [ -n "$left" ]; then
		kept=0
		for p in $left; do kept_shim "$p" && kept=$((kept + 1)); done
		# Released as an admin would, they go with their services'
		# cgroups (a shim killed -9 cannot remove its own).
		if [ "$kept" -gt 0 ]; then
			echo "note: $kept shim(s) keeping an exit status ended by the clean-up" >>"$T/out"
			timeout 60 "$BIN/cmappserver" -stop_all -drop_kept -rundir "$T/run" >>"$T/stop_all.out" 2>&1
			wait_for 5 eval '[ -z "$(leftovers "$tpid" "$T" "$me")" ]'
			left=$(leftovers "$tpid" "$T" "$me")
		fi
		[ -z "$left" ] || kill -KILL $left 2>/dev/null
		wait_for 5 eval '[ -z "$(leftovers "$tpid" "$T" "$me")" ]' ||
			echo "cannot kill what the test left: $(leftovers "$tpid" "$T" "$me")" >>"$T/out"
	fi
	: >"$T/pgid"	# emptied: the clean-up must not signal a reused group
	# A sanitizer or valgrind report anywhere in the test's files fails it,
	# even when the test's own checks passed.  valgrind -q writes its log
	# only to report something: any non-empty valgrind.*.log is one.
	# Binary files are not read (-I): a program a test copied holds the
	# sanitizer runtime's own strings (clang links it in statically).
	vg=$(find "$T" -name 'valgrind.*.log' -size +0 2>/dev/null | head -1)
	if [ $rc -ne 77 ] && { [ -n "$vg" ] ||
		grep -rqsIE -e 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T"; }; then
		echo "sanitizer or valgrind report:" >>"$T/out"
		[ -n "$vg" ] && head -40 "$vg" >>"$T/out"
		grep -rhsIE -A12 -e 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
			"$T" | head -40 >>"$T/out"
		rc=1
	fi
	# CI must not pass with a test that could not run on its machine.
	if [ $rc -eq 77 ] && [ "${CI:-}" = true ]; then
		echo "skipped, which fails with CI=true: $last" >>"$T/out"
		rc=1
	fi
	{
		if [ $rc -eq 0 ]; then
			echo "ok    $name ($((SECONDS - start)) s, $cpu s CPU)"
			# Tests that measure something say so on "figures:" lines.
			sed -n 's/^figures: /      /p' "$T/out"
		elif [ $rc -eq 77 ]; then
			echo "skip  $name: $last"
		else
			echo "FAIL  $name ($((SECONDS - start)) s, $cpu s CPU)"
			# The first failure, which the files shown after it may
			# push out of the last 40 lines.
			first=$(grep -m1 '^FAIL: ' "$T/out")
			[ -z "$first" ] || tail -40 "$T/out" | grep -qxF -- "$first" ||
				echo "      | $first"
			sed 's/^/      | /' "$T/out" | tail -40
			[ -f "$T/server.log" ] && sed 's/^/      server| /' "$T/server.log" | tail -20
		fi
	} >"$T/result"
	# Last: the scheduler takes the test for ended once this is there.
	echo "$rc" >"$T/rc"
	exit $rc
}

# The tests, costliest first (ties by name), with their cost and weight.
tests=("$@")
[ ${#tests[@]} -eq 0 ] && tests=("$TOP"/tests/e2e/*.sh)
queue=()
while read -r _ heavy f; do queue+=("$heavy $f"); done < <(
	for f in "${tests[@]}"; do
		[ -f "$f" ] || f=$TOP/tests/e2e/$f.sh
		echo "$(weight "$f" "$SLOW") $f"
	done | sort -k1,1nr -k3,3)
[ "$JOBS" -ge 1 ] 2>/dev/null || JOBS=1
# heavy_free H: a heavy test of weight H (weight.sh: 1, or 2 for an
# untimed one) may start: no heavy test of ours runs, or only untimed ones
# beside an untimed one; and (E2E_HEAVY_LOCK) none of another suite's:
# the lock is then ours until the last heavy one of ours ends.
declare -A heavy_of=()	# pid of a heavy test's runner -> its weight
heavy_free() {
	local k
	for k in "${heavy_of[@]}"; do
		[ "$1" = 2 ] && [ "$k" = 2 ] || return 1
	done
	[ ${#heavy_of[@]} -eq 0 ] || return 0
	[ -n "${E2E_HEAVY_LOCK:-}" ] || return 0
	flock -n 9
}
[ -n "${E2E_HEAVY_LOCK:-}" ] && exec 9>>"$E2E_HEAVY_LOCK"
# E2E_SLOTS=FILE: the suites that name the same FILE run at most
# E2E_SLOT_COUNT (default 3) tests at once between them, each test holding
# an flock on one FILE.N, a heavy one on two (valgrind's soak beside two
# other tests and the fuzzing missed the server's 4 s handshake deadline);
# a suite that has ended leaves its share to the others.
# E2E_BORROW=FILE (make test's plain suite, whose time bounds want its
# own two jobs): a light test beyond E2E_JOBS takes one free slot of
# FILE's, E2E_SLOT_COUNT of them, never waiting for one, not before the
# suite's first test has ended (the suites started beside it take their
# slots first; theirs take a freed slot again at once), and not in the
# round that gave one back (a suite waiting for its own tests' end gets
# it first).  So the other suites' tests and its borrowed ones are never
# more than the slots, and once the others have ended, their slots serve
# its last light tests.
declare -A slot_of=()	# pid of a test's runner -> its slots' fds
slot_fds=()
borrow=${E2E_BORROW:+1}
lend=		# a test of ours has ended, and none that held a slot
if [ -n "${E2E_SLOTS:-}${E2E_BORROW:-}" ]; then
	for ((k = 0; k < ${E2E_SLOT_COUNT:-3}; k++)); do
		exec {fd}>>"${E2E_SLOTS:-$E2E_BORROW}.$k"
		slot_fds+=("$fd")
	done
fi
# slot_take N: slot=the fds of N slots now ours (none with no E2E_SLOTS);
# 1 (and none taken) when fewer are free.
slot_take() {
	local fd p want=$1
	slot=
	[ ${#slot_fds[@]} -gt 0 ] || return 0
	[ "$want" -le ${#slot_fds[@]} ] || want=${#slot_fds[@]}
	for fd in "${slot_fds[@]}"; do
		# One of our tests holds it (a second flock would succeed).
		for p in "${!slot_of[@]}"; do
			case " ${slot_of[$p]} " in *" $fd "*) continue 2 ;; esac
		done
		flock -n "$fd" || continue
		slot="$slot $fd"
		want=$((want - 1))
		[ "$want" -gt 0 ] || return 0
	done
	slot_give $slot
	slot=
	return 1
}
slot_give() { local fd; for fd in "$@"; do flock -u "$fd"; done; }

pass=0 failed=0 skipped=0 names=()
while [ ${#queue[@]} -gt 0 ] || [ ${#running[@]} -gt 0 ]; do
	# Start the first tests that may run now: a free slot, and no second
	# heavy one (but an untimed one beside another).
	i=0
	while [ $i -lt ${#queue[@]} ]; do
		h=${queue[$i]%% *} f=${queue[$i]#* }
		if [ -z "$borrow" ]; then
			[ ${#running[@]} -lt "$JOBS" ] || break
			if ! slot_take $((h > 0 ? 2 : 1)); then
				[ "$h" -gt 0 ] || break
				i=$((i + 1))
				continue
			fi
		elif [ $((${#running[@]} - ${#slot_of[@]})) -ge "$JOBS" ]; then
			# Its own jobs are busy: a light test, in a free slot.
			[ -n "$lend" ] && [ ${#slot_fds[@]} -gt 0 ] || break
			if [ "$h" -gt 0 ]; then i=$((i + 1)); continue; fi
			slot_take 1 || break
		else
			slot=
		fi
		if [ "$h" -gt 0 ] && ! heavy_free "$h"; then
			slot_give $slot
			i=$((i + 1))
			continue
		fi
		name=$(basename "$f" .sh)
		run_one "$f" "$name" &
		running[$!]=$name
		[ -n "$slot" ] && slot_of[$!]=$slot
		[ "$h" -gt 0 ] && heavy_of[$!]=$h
		queue=("${queue[@]:0:$i}" "${queue[@]:$((i + 1))}")
	done
	if [ ${#running[@]} -eq 0 ]; then
		[ ${#queue[@]} -eq 0 ] || [ -z "${E2E_SLOTS:-}${E2E_HEAVY_LOCK:-}" ] && break
		# Another suite holds every slot, or the heavy lock and only
		# heavy tests are left: look again in a second.
		sleep 1
		continue
	fi
	# Until a runner ends; then each one whose rc file is there is done.
	# Not wait's own status: once bash has dropped an ended child from its
	# job table (another wait reaped it, as happened once), wait -n says
	# "no such job" for it at once, round after round.
	wait -n "${!running[@]}" 2>/dev/null
	lend=1
	n=0
	for p in "${!running[@]}"; do
		name=${running[$p]}
		if [ -f "$WORK/$name/rc" ]; then
			rc=$(cat "$WORK/$name/rc")
		else
			# A runner gone without its rc file was killed.
			alive "$p" && continue
			rc=
		fi
		n=$((n + 1))
		unset "running[$p]"
		if [ -n "${heavy_of[$p]:-}" ]; then
			unset "heavy_of[$p]"
			[ ${#heavy_of[@]} -eq 0 ] && [ -n "${E2E_HEAVY_LOCK:-}" ] && flock -u 9
		fi
		if [ -n "${slot_of[$p]:-}" ]; then
			slot_give ${slot_of[$p]}
			unset "slot_of[$p]"
			[ -z "$borrow" ] || lend=
		fi
		if [ -n "$rc" ] && [ -f "$WORK/$name/result" ]; then
			cat "$WORK/$name/result"
		else
			# Seen once (2026-12-04, 12_garbage, plain suite): what
			# ended it, and how far the test got, for the next time.
			wait "$p" 2>/dev/null
			echo "FAIL  $name (its runner ended without a result: status $?)"
			[ -f "$WORK/$name/out" ] && tail -20 "$WORK/$name/out" | sed 's/^/      | /'
			[ -f "$WORK/$name/server.log" ] && tail -10 "$WORK/$name/server.log" | sed 's/^/      server| /'
			rc=1
		fi
		case $rc in
		0) pass=$((pass + 1)) ;;
		77) skipped=$((skipped + 1)) ;;
		*) failed=$((failed + 1)); names+=("$name") ;;
		esac
	done
	# A runner that ended between its rc file and its exit is found on
	# the next round; meanwhile no busy loop.
	[ $n -gt 0 ] || sleep 0.2
done
# Each test's clean-up killed what it left; anything of cmapp's still
# running now escaped it.
left=$(pgrep -f "$WORK/" | while read -r p; do
	case $(cat /proc/$p/comm 2>/dev/null) in
	cmapp-shim|cmappserver|cmappmgr) echo "$p" ;;
	esac
done)
if [ -n "$left" ]; then
	echo "cmapp processes left after the suite:"
	ps -o pid=,ppid=,etimes=,args= -p "$(echo $left | tr ' ' ,)" | sed 's/^/    /'
	failed=$((failed + 1)); names+=("(suite clean-up)")
fi
[ $failed -gt 0 ] && echo "failed: ${names[*]}"
echo "$pass passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
