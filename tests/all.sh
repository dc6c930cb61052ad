#!/bin/bash
# all.sh: the test command's body (make test).  Runs every suite, each with
# its own runner: the Criterion unit tests, a build by gcc and by clang
# with -Werror, the end-to-end suite, a short fuzzing run, the unit and
# end-to-end suites built with ASan+UBSan, and the end-to-end suite with
# cmappserver under valgrind.  It ends by repeating each runner's own
# summary line, and fails if any suite failed.
set -u
cd "$(dirname "$0")/.."
LOGS=build/test-logs
mkdir -p "$LOGS"
SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
failed=()
summary=()

# run NAME SUMMARY_REGEX COMMAND...: runs a suite, showing its output.
run() {
	local name=$1 re=$2; shift 2
	echo "=== $name"
	"$@" 2>&1 | tee "$LOGS/$name.log"
	local rc=${PIPESTATUS[0]}
	summary+=("$name: $(grep -E "$re" "$LOGS/$name.log" | paste -sd ';' -)")
	# A runner that found no tests (a link that dropped Criterion's
	# sections) must not pass: no summary, or "Tested: 0", is a failure.
	grep -qE "$re" "$LOGS/$name.log" && ! grep -q 'Synthesis: Tested: 0 ' "$LOGS/$name.log" || rc=1
	[ "$rc" -eq 0 ] || failed+=("$name")
}

run unit 'Synthesis:' build/tests/unit --jobs 2
# gcc and clang, -Werror, each into build-warn-CC/.
run warnings '^warnings: ' make --no-print-directory check-warnings
run e2e '[0-9]+ passed, [0-9]+ failed' tests/e2e.sh build
# About a minute of fuzzing: 15 s for each of the four targets.
run fuzz '^fuzz_' make --no-print-directory fuzz FUZZ_SECONDS=15
make --no-print-directory BUILD=build-asan OPT="-O1 -g" SAN="$SAN" all build-asan/tests/unit \
	>"$LOGS/asan-build.log" 2>&1 || { cat "$LOGS/asan-build.log"; failed+=(asan-build); }
run asan-unit 'Synthesis:' build-asan/tests/unit --jobs 2
# Sanitized binaries are slower: the load tests and the soak run with fewer
# sockets or cycles and scaled time bounds (CMAPP_SLOW); the TLS scan says
# it skips.
CMAPP_SLOW=1 run asan-e2e '[0-9]+ passed, [0-9]+ failed' tests/e2e.sh build-asan
CMAPP_SLOW=1 run valgrind-e2e '[0-9]+ passed, [0-9]+ failed' make --no-print-directory check-valgrind

echo
echo "=== summary"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
	echo "FAILED suites: ${failed[*]}"
	exit 1
fi
