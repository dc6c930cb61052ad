#!/bin/bash
# e2e.sh BUILD_DIR [TEST...]: runs the end-to-end tests in tests/e2e/ against
# the binaries in BUILD_DIR, each in a fresh temp dir with its own server,
# and ends with "N passed, N failed".
#
# Each test runs in a bash of its own under timeout(1), in a process group
# of its own: 180 s, or what a "# limit: N" line in the test says, both
# times SLOW (6 with sanitizers or valgrind).  What the test leaves running
# is a failure: after its EXIT trap (by default end_test: cmappserver
# -stop_all, as a guest's shutdown does, then the server stopped), and
# after one more -stop_all for tests with traps of their own, any process
# of its process group or naming $WORK/ on its command line is listed and
# fails the test, then killed.  A cmapp-shim without a child is no leak:
# its service ended and it keeps the exit status for the next cmappserver,
# as designed (docs/restart.md); the clean-up ends it.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(cd "${1:?usage: e2e.sh BUILD_DIR [TEST...]}" && pwd)
shift
. "$TOP/tests/lib.sh"

WORK=$(mktemp -d /tmp/cmapp-e2e.XXXXXX)
tpid=
# Interrupted: the running test's process group goes too (it is not ours,
# so the terminal's ^C does not reach it), and whatever names $WORK.
trap '[ -n "$tpid" ] && kill -KILL -- "-$tpid" 2>/dev/null; pkill -KILL -f "$WORK/" 2>/dev/null; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM HUP
KEYS=$WORK/keys
make_keys "$KEYS" localhost || { echo "cannot make keys"; echo "0 passed, 1 failed"; exit 1; }
export TOP BIN KEYS WORK

# leftovers PGID: the live processes of the test's process group PGID and
# those whose command line names $WORK/ (its directory, or the keys that
# every cmappmgr and cmappserver of the tests is given).
leftovers() {
	local p st
	for p in $({ pgrep -g "$1"; pgrep -f "$WORK/"; } 2>/dev/null | sort -un); do
		[ "$p" = $$ ] && continue
		read -r st </proc/$p/stat 2>/dev/null || continue
		st=${st##*) }
		[ "${st%% *}" = Z ] || echo "$p"
	done
}

# leaks PGID: the leftovers but the shims that only keep a status.
leaks() {
	local p
	for p in $(leftovers "$1"); do
		[ "$(cat /proc/$p/comm 2>/dev/null)" = cmapp-shim ] &&
			! pgrep -P "$p" >/dev/null && continue
		echo "$p"
	done
}

pass=0 failed=0 skipped=0 names=()
tests=("$@")
[ ${#tests[@]} -eq 0 ] && tests=("$TOP"/tests/e2e/*.sh)
for f in "${tests[@]}"; do
	[ -f "$f" ] || f=$TOP/tests/e2e/$f.sh
	name=$(basename "$f" .sh)
	T=$WORK/$name
	mkdir -p "$T"
	limit=$(sed -n 's/^# limit: *\([0-9][0-9]*\) *$/\1/p' "$f" | head -1)
	limit=$(( ${limit:-180} * SLOW ))
	start=$SECONDS
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
		. "$0"' "$f" </dev/null >"$T/out" 2>&1 &
	tpid=$!
	wait "$tpid"
	rc=$?
	last=$(tail -1 "$T/out")	# a skip's reason
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
	# Managers that got an EXIT from -stop_all need a moment to go.
	wait_for $((5 * SLOW)) eval '[ -z "$(leaks "$tpid")" ]'
	left=$(leaks "$tpid")
	if [ -n "$left" ]; then
		{ echo "left running after the test (and cmappserver -stop_all):"
		  ps -o pid=,ppid=,pgid=,etimes=,args= -p "$(echo $left | tr ' ' ,)" | sed 's/^/    /'; } >>"$T/out"
		[ $rc -eq 77 ] || rc=1
	fi
	left=$(leftovers "$tpid")
	if [ -n "$left" ]; then
		kept=$(for p in $left; do
			[ "$(cat /proc/$p/comm 2>/dev/null)" = cmapp-shim ] &&
				! pgrep -P "$p" >/dev/null && echo "$p"
		done | wc -l)
		[ "$kept" -eq 0 ] || echo "note: $kept shim(s) keeping an exit status ended by the clean-up" >>"$T/out"
		kill -KILL $left 2>/dev/null
		wait_for 5 eval '[ -z "$(leftovers "$tpid")" ]' ||
			echo "cannot kill what the test left: $(leftovers "$tpid")" >>"$T/out"
	fi
	tpid=
	# A sanitizer or valgrind report anywhere in the test's files fails it,
	# even when the test's own checks passed.  valgrind -q writes its log
	# only to report something: any non-empty valgrind.*.log is one.
	vg=$(find "$T" -name 'valgrind.*.log' -size +0 2>/dev/null | head -1)
	if [ $rc -ne 77 ] && { [ -n "$vg" ] ||
		grep -rqsE -e 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T"; }; then
		echo "sanitizer or valgrind report:" >>"$T/out"
		[ -n "$vg" ] && head -40 "$vg" >>"$T/out"
		grep -rhsE -A12 -e 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
			"$T" | head -40 >>"$T/out"
		rc=1
	fi
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1)); echo "ok    $name ($((SECONDS - start)) s)"
		# Tests that measure something say so on "figures:" lines.
		grep -h '^figures: ' "$T/out" | sed 's/^figures: /      /' 
	elif [ $rc -eq 77 ]; then
		skipped=$((skipped + 1)); echo "skip  $name: $last"
	else
		failed=$((failed + 1)); names+=("$name")
		echo "FAIL  $name ($((SECONDS - start)) s)"
		sed 's/^/      | /' "$T/out" | tail -40
		[ -f "$T/server.log" ] && sed 's/^/      server| /' "$T/server.log" | tail -20
	fi
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
