#!/bin/sh
# SPDX-License-Identifier: ISC
# run.sh: runs one libFuzzer target for a while (called by tests/fuzz.mk).
#
#   tests/fuzz/run.sh DIR NAME SECONDS [SEED_DIR...]
#
# Fuzzes DIR/fuzz_NAME for SECONDS over its working corpus DIR/corpus/NAME
# (kept between runs; the committed seeds are only read), then prints one
# line "fuzz_NAME: N executions in S s (R/s), corpus C inputs, no crash" and
# appends it to DIR/fuzz-summary.txt.  A crash, leak, timeout or broken
# property fails with the fuzzer's report and the command that replays it.
set -u
dir=$1 name=$2 secs=$3
shift 3
bin=$dir/fuzz_$name
log=$dir/fuzz_$name.log
corpus=$dir/corpus/$name
mkdir -p "$corpus" "$dir/crashes"
dict=
[ -f "tests/fuzz/$name.dict" ] && dict=-dict=tests/fuzz/$name.dict

# -timeout: one input taking 10 s is a hang; -rss_limit_mb: the machine is
# shared.  ASAN_OPTIONS: leaks count, a report names the line, and a smaller
# quarantine (64 MB, not 256) keeps the keystore target fast and small.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1:quarantine_size_mb=64} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
	-print_final_stats=1 -artifact_prefix="$dir/crashes/$name-" $dict \
	"$corpus" "$@" >"$log" 2>&1
rc=$?

stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
execs=$(stat number_of_executed_units)
rate=$(stat average_exec_per_sec)
size=$(find "$corpus" -type f | wc -l)
if [ $rc -ne 0 ]; then
	echo "fuzz_$name: FAILED (exit $rc) after ${execs:-?} executions; the report:"
	grep -v '^#[0-9]' "$log" | tail -60 | sed 's/^/    /'
	art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
	[ -n "$art" ] && echo "replay: $bin $art"
	exit 1
fi
line="fuzz_$name: ${execs:-?} executions in $secs s (${rate:-?}/s), corpus $size inputs, no crash"
echo "$line"
echo "$line" >>"$dir/fuzz-summary.txt"
