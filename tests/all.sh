#!/bin/bash
# SPDX-License-Identifier: ISC
# all.sh: the test command's body (make test, which builds the programs, the
# test tools and the unit runner first).  Runs every suite, each with its
# own runner: the Criterion unit tests, the warnings of gcc (make test's
# build) and of clang (the ASan+UBSan build's), the end-to-end suite, a
# short fuzzing run, the unit suite built with ASan+UBSan (by clang: make
# asan-build), and two choices of end-to-end tests
# (tests/sanitize.list): one built with ASan+UBSan, one with cmappserver
# under valgrind.  It ends by repeating each runner's own
# summary line with the suite's time, and the whole run's wall time; it
# fails if any suite failed.
#
# Some suites run side by side (the schedule below says which and why);
# the end-to-end runner runs a few tests at a time within a suite.  Each
# suite's output is printed whole when it ends, and kept in
# build/test-logs/NAME.log.
set -u
cd "$(dirname "$0")/.."
LOGS=build/test-logs
rm -rf "$LOGS"
mkdir -p "$LOGS"
# The wall time counts from make test's start (the build before this).
T0=$(( SECONDS - ($(date +%s) - ${MAKE_TEST_START:-$(date +%s)}) ))
# The unit runs share the keytool fixtures (tests/keyfix.c): keytool is a
# JVM start each time, the same for the plain and the sanitized runner.
export CMAPP_KEYTOOL_CACHE=$PWD/build/keytool-cache

failed=()
declare -A pid_of=() name_of=() re_of=() t_of=()

fmt_time() { printf '%d min %d s' $(($1 / 60)) $(($1 % 60)); }

# start NAME SUMMARY_REGEX COMMAND...: runs a suite in the background, its
# output into $LOGS/NAME.log.
start() {
	local name=$1 re=$2
	shift 2
	echo "=== $name started ($(fmt_time $((SECONDS - T0))) in)"
	# times: the CPU the suite's processes used, for the summary.
	# Without this shell's slot and lock fds (HELD): a suite that kept
	# them would keep the lock if this shell died before its flock -u.
	( for fd in ${HELD:-}; do exec {fd}>&-; done
	  "$@"; rc=$?; times >"$LOGS/$name.times"; exit $rc ) >"$LOGS/$name.log" 2>&1 &
	pid_of[$name]=$!
	name_of[$!]=$name
	re_of[$name]=$re
	t_of[$name]=$SECONDS
}

# cpu NAME: the user and system CPU time of the suite NAME's processes.
cpu() {
	local t
	t=$(tenths "$LOGS/$1.times") && [ -n "$t" ] && echo "$t s CPU"
}

# finish PID RC: prints the ended suite's output and notes its result.
finish() {
	local name=${name_of[$1]} rc=$2 log re secs
	log=$LOGS/$name.log re=${re_of[$name]}
	secs=$((SECONDS - ${t_of[$name]}))
	unset "name_of[$1]" "pid_of[$name]"
	echo "=== $name ($(fmt_time "$secs"), $(cpu "$name"))"
	cat "$log"
	# A runner that found no tests (a link that dropped Criterion's
	# sections) must not pass: no summary, or "Tested: 0", is a failure.
	if [ -n "$re" ]; then
		grep -qE "$re" "$log" && ! grep -q 'Synthesis: Tested: 0 ' "$log" || rc=1
		echo "$name: $(grep -E "$re" "$log" | paste -sd ';' -) ($(fmt_time "$secs"), $(cpu "$name"))" >>"$LOGS/summary"
	else
		echo "$name: status $rc ($(fmt_time "$secs"), $(cpu "$name"))" >>"$LOGS/summary"
	fi
	[ "$rc" -eq 0 ] || { failed+=("$name"); echo "$name: FAILED" >>"$LOGS/summary"; }
	echo "$name $rc" >>"$LOGS/done"
}

# wait_one: waits for any suite to end and finishes it.
wait_one() {
	local p rc
	wait -n -p p "${!name_of[@]}"
	rc=$?
	[ -n "${p:-}" ] && finish "$p" "$rc"
}

# busy_mark NAME: notes the machine's CPU counters (/proc/stat) at a
# point of the run; busy A B: how busy the cores were between the marks A
# and B, in percent (what the schedule could still fill is the rest).
busy_mark() { echo "$1 $(head -1 /proc/stat)" >>"$LOGS/cpu-marks"; }
busy() {
	awk -v a="$1" -v b="$2" '$1 == a || $1 == b {
		# cpu user nice system idle iowait ...: idle and iowait are idle.
		t = 0; for (i = 3; i <= NF; i++) t += $i
		tot[$1] = t; idle[$1] = $6 + $7 }
		END { d = tot[b] - tot[a]; if (d > 0) printf "%d%%", 100 * (1 - (idle[b] - idle[a]) / d) + 0.5 }' \
		"$LOGS/cpu-marks"
}
busy_mark start

# done_ok NAME: the suite NAME ended and passed.
done_ok() { grep -qx "$1 0" "$LOGS/done" 2>/dev/null; }
ended() { grep -q "^$1 " "$LOGS/done" 2>/dev/null; }

# The schedule.  Every suite at once (the three end-to-end suites up to
# seven tests) missed the time bounds of the load and timing tests on the
# 2-core CI machine (53's 1 s, 61's managers, valgrind's soak): a green run
# must not depend on the machine's luck.  So:
# - the unit tests, the fuzzing and the ASan build side by side (alone,
#   the unit tests left a quarter of the cores idle; they assert no
#   time); the warnings' count and the sanitized unit run once that build
#   and the plain unit run are done;
# - once the builds are done, the three end-to-end suites start, the
#   sanitized unit run going on beside their first tests (it asserts no
#   time).  The plain suite, whose time bounds are tight, runs two tests
#   at a time as it did alone, never two "heavy" ones together (the load
#   tests, the soak, the Pacemaker cluster), but for two "untimed" ones
#   (the packages' builds and the TLS scan, which no busy machine can
#   fail: weight.sh); beside it, the sanitized
#   suites run three light tests between them (E2E_SLOTS: this shell
#   holds one of the four slots, and the heavy lock, E2E_HEAVY_LOCK, until
#   the plain suite ends), so that a plain heavy test never has more than
#   its light companion and three sanitized light tests beside it.
#   A slot the sanitized suites leave free (their last tests, or only
#   heavy ones left) runs one more light test of the plain suite
#   (E2E_BORROW): beside the plain heavy test, still three more at most.
#   (ci31: the sanitized suites ended 56 s before the plain one, which
#   ran its last light tests two at a time.)
#   Their time bounds are scaled (CMAPP_SLOW).  Light when sanitized: the
#   load tests 50, 51 and 61 ("heavy sanitized-light", e2e.sh), which as
#   heavy ones ran one after the other after the plain suite, the cores
#   15% busy, for 1 min 44 s (50 and 61, ci9).  Then they share all four slots, three at most
#   of one suite, a heavy one counting as two, never two heavy ones at
#   once.  The sanitized unit run's last minute, about, comes on
#   top at the start.  (2026-12-05: the sanitized suites after the plain
#   one took 5 min 28 s plus 4 min 22 s; beside it, 8 min 41 s in all,
#   the plain suite's figures within their bounds: 53's manager served
#   in 89 to 123 ms of its 1 s, 62's in 472 ms of its 10 s.)
#   Sanitized tests side by side failed before (2026-12-03), each fixed:
#   21 let its services write before their managers were back, 48's
#   flooding tool leaked its TLS context when it saw its drop first, 26
#   let its service read a step file half written; and valgrind's soak
#   beside two more tests and the fuzzing missed the server's 4 s
#   handshake deadline (so the heavy count, and the fuzzing moved to the
#   builds).
# Which tests the two sanitized suites run: a choice that runs every line
# of the product their candidates run (tests/suites.sh, tests/sanset.sh).
TOP=$PWD
. tests/suites.sh
. tests/times.sh
candidates
mapfile -t SLOW_TESTS < <(chosen asan "${ASAN_CAND[@]}")
mapfile -t VALGRIND_TESTS < <(chosen valgrind "${VALGRIND_CAND[@]}")
# The choice is made from one commit's code: say when it may be stale.
made=$(sed -n 's/^# Chosen from \([0-9a-f]\{7,\}\) on .*/\1/p' "$SANITIZE_LIST" | head -1)
if [ -n "$made" ] && n=$(git rev-list --count "$made..HEAD" -- appserver appmgr common plugins tests/e2e 2>/dev/null) &&
	[ "$n" -gt 0 ]; then
	echo "note: tests/sanitize.list was chosen at $made; $n commit(s) since changed the code or the end-to-end tests (make sanitize-list chooses again)"
fi
# wait_all: every suite started is finished.
wait_all() { while [ ${#name_of[@]} -gt 0 ]; do wait_one; done; }

start unit 'Synthesis:' tests/unit.sh build --jobs 2
# About a minute of fuzzing: 15 s for each of the four targets.
start fuzz '^fuzz_' make --no-print-directory fuzz FUZZ_SECONDS=15
start asan-build '' make --no-print-directory asan-build
# The sanitized unit run reuses the keytool files the plain one made.
until ended unit && ended asan-build; do wait_one; done
# The warnings of gcc and clang as their builds said them (the compile
# rule keeps what each file's compile said): gcc's in make test's own
# build/, clang's in the ASan+UBSan build: the tree compiled by each
# compiler once (a build of its own cost clang 30 s of CPU, gcc as much).
start warnings '^warnings: ' make --no-print-directory check-warnings WARN_GCC_FROM=build \
	WARN_CLANG_FROM_ASAN=1
if done_ok asan-build; then
	# One at a time: two sanitized test processes at once cost a tenth
	# to a fifth more CPU (97-100 s against 108-125 s alone, 2026-12-05),
	# and the end-to-end suites beside it keep the cores busy anyway.
	start asan-unit 'Synthesis:' tests/unit.sh build-asan --jobs 1
else
	failed+=(asan-unit asan-e2e)
fi
# The end-to-end suites start once the builds are done: the sanitized
# unit run, which asserts no time, goes on beside their first tests.
until ended warnings && ended fuzz; do wait_one; done
export E2E_HEAVY_LOCK=$LOGS/heavy.lock E2E_SLOTS=$LOGS/slot E2E_SLOT_COUNT=4
# One set of port reservations for the three suites (lib.sh's free_port).
export E2E_PORTS=$PWD/$LOGS/ports
mkdir -p "$E2E_PORTS"
# While the plain suite runs, the sanitized ones share three of the four
# slots (this shell holds the other) and run no heavy test (this shell
# holds the heavy lock): beside the plain suite's heavy test and its
# light one, three light sanitized tests.
exec {held0}>>"$E2E_SLOTS.0" {heldh}>>"$E2E_HEAVY_LOCK"
flock "$held0"; flock "$heldh"
HELD="$held0 $heldh"
busy_mark e2e
E2E_JOBS=2 E2E_SLOTS= E2E_BORROW=$LOGS/slot E2E_HEAVY_LOCK= \
	start e2e '[0-9]+ passed, [0-9]+ failed' tests/e2e.sh build
# (An empty choice would have e2e.sh run every test.)
[ ${#VALGRIND_TESTS[@]} -eq 0 ] ||
	E2E_JOBS=3 CMAPP_SLOW=1 start valgrind-e2e '[0-9]+ passed, [0-9]+ failed' \
		make --no-print-directory check-valgrind E2E_TESTS="${VALGRIND_TESTS[*]}"
if done_ok asan-build && [ ${#SLOW_TESTS[@]} -gt 0 ]; then
	E2E_JOBS=3 CMAPP_SLOW=1 start asan-e2e '[0-9]+ passed, [0-9]+ failed' \
		tests/e2e.sh build-asan "${SLOW_TESTS[@]}"
fi
until ended e2e; do wait_one; done
busy_mark plain
# Unlocked, not only closed: the suites started meanwhile share the fds.
flock -u "$held0"; flock -u "$heldh"
wait_all
busy_mark end

echo
echo "=== summary"
cat "$LOGS/summary"
echo "CPU busy: $(busy start end) of the $(nproc) cores from the unit tests on;" \
	"$(busy start e2e) before the end-to-end suites, $(busy e2e plain) beside the plain one," \
	"$(busy plain end) after it"
echo "make test: wall time $(fmt_time $((SECONDS - T0)))"
if [ ${#failed[@]} -gt 0 ]; then
	echo "FAILED suites: ${failed[*]}"
	exit 1
fi
