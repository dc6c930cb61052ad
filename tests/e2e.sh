#!/bin/bash
# e2e.sh BUILD_DIR [TEST...]: runs the end-to-end tests in tests/e2e/ against
# the binaries in BUILD_DIR, each in a fresh temp dir with its own server,
# and ends with "N passed, N failed".
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(cd "${1:?usage: e2e.sh BUILD_DIR [TEST...]}" && pwd)
shift
. "$TOP/tests/lib.sh"

WORK=$(mktemp -d /tmp/cmapp-e2e.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
KEYS=$WORK/keys
make_keys "$KEYS" localhost || { echo "cannot make keys"; echo "0 passed, 1 failed"; exit 1; }
export TOP BIN KEYS WORK

pass=0 failed=0 skipped=0 names=()
tests=("$@")
[ ${#tests[@]} -eq 0 ] && tests=("$TOP"/tests/e2e/*.sh)
for f in "${tests[@]}"; do
	[ -f "$f" ] || f=$TOP/tests/e2e/$f.sh
	name=$(basename "$f" .sh)
	T=$WORK/$name
	mkdir -p "$T"
	start=$SECONDS
	(
		set -u
		T=$T PORT=$(free_port)
		SERVER_PID= TEST_PID=$BASHPID
		export T	# for SERVER_WRAP's valgrind --log-file=%q{T}/...
		# Sanitizer reports of processes whose stderr is /dev/null
		# (cmapp-shim) land in $T too, where the check below finds them.
		export ASAN_OPTIONS="log_path=$T/asan${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
		export UBSAN_OPTIONS="log_path=$T/ubsan:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
		trap 'stop_server; pkill -KILL -f "$T/" 2>/dev/null; true' EXIT
		. "$f"
	) >"$T/out" 2>&1
	rc=$?
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
		skipped=$((skipped + 1)); echo "skip  $name: $(tail -1 "$T/out")"
	else
		failed=$((failed + 1)); names+=("$name")
		echo "FAIL  $name ($((SECONDS - start)) s)"
		sed 's/^/      | /' "$T/out" | tail -40
		[ -f "$T/server.log" ] && sed 's/^/      server| /' "$T/server.log" | tail -20
	fi
done
[ $failed -gt 0 ] && echo "failed: ${names[*]}"
echo "$pass passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
