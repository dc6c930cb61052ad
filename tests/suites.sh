# SPDX-License-Identifier: ISC
# suites.sh: which end-to-end tests the sanitized suites of make test run
# (sourced by tests/all.sh, and by tests/sanset.sh, which chooses them).
#
# candidates: ASAN_CAND and VALGRIND_CAND, the tests each suite could run.
# Left out of both: the TLS scan, which checks the TLS set-up (the same in
# every build) and whose time bounds do not hold there, and the install
# test, which builds and tests plain binaries of its own, and the
# Pacemaker test, which tests the agent and the cluster's timings (its
# cmappmgr and cmappserver are those of the plain suite), and the packages
# test, which builds, installs and purges packages of its own.  valgrind
# wraps only cmappserver (SERVER_WRAP): a test that starts none (the
# monitors by hand, a manager without a server, the conf errors of 16, run
# without the wrap) would only run the plain suite's test again.
candidates() {
	local f
	ASAN_CAND=() VALGRIND_CAND=()
	for f in "$TOP"/tests/e2e/*.sh; do
		case $f in */52_testssl.sh|*/40_install.sh|*/70_pacemaker.sh|*/90_packages.sh) continue ;; esac
		ASAN_CAND+=("$f")
		if grep -qE 'start_server|SERVER_WRAP' "$f"; then VALGRIND_CAND+=("$f"); fi
	done
}

# SANITIZE_LIST: the choice tests/sanset.sh made, "NAME SUITE..." a line.
SANITIZE_LIST=$TOP/tests/sanitize.list

# chosen SUITE FILE...: those of the FILEs that SANITIZE_LIST gives to
# SUITE (asan or valgrind), and those it does not name at all: a test
# newer than the choice runs in both until tests/sanset.sh is run again.
chosen() {
	local suite=$1 f n line
	shift
	for f in "$@"; do
		n=$(basename "$f" .sh)
		line=$(awk -v n="$n" '$1 == n { print; exit }' "$SANITIZE_LIST" 2>/dev/null)
		[ -n "$line" ] || { echo "$f"; continue; }
		case " $line " in *" $suite "*) echo "$f" ;; esac
	done
}
