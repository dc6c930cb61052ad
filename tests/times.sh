# SPDX-License-Identifier: ISC
# times.sh: the CPU a run's processes used, from bash's times builtin
# (sourced by tests/e2e.sh, for each test, and tests/all.sh, for each suite).

# tenths FILE: the CPU time on the second line of bash's times output in
# FILE ("0m1.234s 0m0.567s": the children's user and system time), as
# seconds with one decimal, rounded.
tenths() {
	local line t=0 x m
	{ read -r _; read -r line; } 2>/dev/null <"$1" || return
	for x in $line; do
		m=${x%%m*} x=${x#*m} x=${x%s}
		# In ms: bash's times prints three decimals (and the
		# locale's decimal mark).
		t=$((t + 10#$m * 60000 + 10#${x%[.,]*} * 1000 + 10#${x#*[.,]}))
	done
	t=$(((t + 50) / 100))
	echo "$((t / 10)).$((t % 10))"
}
