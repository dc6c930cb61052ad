#!/bin/bash
# SPDX-License-Identifier: ISC
# sanset.sh: chooses the end-to-end tests that make test runs again under
# ASan+UBSan and with cmappserver under valgrind, and writes the choice to
# tests/sanitize.list (make sanitize-list; about 6 minutes on 2 cores).
#
# Why a choice: those two suites, every test each, were half of make
# test's CPU, and most of their tests run lines that other tests run too.
# A sanitizer finds a fault where a line runs: so each suite runs a set of
# tests that together run every line of the product that all of the
# suite's candidates (tests/suites.sh) run.  Here the candidates run once
# against a coverage build (gcc --coverage, -O0), with CMAPP_SLOW as in the
# sanitized suites, each test's counts apart (GCOV_PREFIX): cmappserver's
# (and its shims') for valgrind, which wraps cmappserver only; every
# program's and plugin's for ASan+UBSan, which are all built with it.
# The tests' own tools are not counted, nor what a process killed by a
# signal ran (it never writes its counts); lines, not branches.  Then a
# greedy cover: the test with the most lines not yet run per unit of its
# cost, until every line is run; then any chosen test whose lines the
# others run too is dropped again, the costliest first.  A test's cost is
# what it takes of what make test's sanitized suites share, measured in
# the coverage run (instrumented like them, and with their CMAPP_SLOW):
# its CPU seconds over the 2 cores (CORES), plus its wall seconds over
# the 4 test slots (SLOTS; twice for a heavy test, which takes two).  The suites run beside
# the plain one, where CPU is what runs out; a test that mostly waits
# still holds a slot.
#
# Run it again when a change adds code that only a new test runs: until
# then a test the list does not name runs in both suites (suites.sh).
set -eu -o pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
. tests/suites.sh
. tests/weight.sh
# What the sanitized suites share in make test: CI's cores, and the test
# slots tests/all.sh gives the end-to-end suites (E2E_SLOT_COUNT).
CORES=2 SLOTS=4
B=build-cov
mkdir -p "$B"
cc -c -o "$B/covexit.o" tests/tools/covexit.c
make --no-print-directory -j"$(nproc)" BUILD=$B OPT="-O0 -g" SAN=--coverage \
	LDFLAGS="-Wl,--wrap=_exit $TOP/$B/covexit.o" all tools
rm -f "$B"/*.gcda "$B"/*/*.gcda "$B"/*/*/*.gcda
WORK=$(mktemp -d /tmp/cmapp-sanset.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# cmappserver's counts go apart from those of the rest of the test (its
# managers, the monitors, a server started without SERVER_WRAP).
cat >"$WORK/srvwrap" <<'EOF'
#!/bin/sh
GCOV_PREFIX=${GCOV_PREFIX%/other}/server exec "$@"
EOF
chmod +x "$WORK/srvwrap"
candidates
echo "sanset: the ${#ASAN_CAND[@]} candidates against the coverage build"
CMAPP_SLOW=1 E2E_JOBS=2 E2E_GCOV=$WORK/gcda SERVER_WRAP=$WORK/srvwrap \
	tests/e2e.sh "$B" "${ASAN_CAND[@]}" | tee "$WORK/e2e.log" | grep -v '^ok '
# A skipped test ran next to nothing: it would be left out of both.
tail -1 "$WORK/e2e.log" | grep -q ' 0 failed, 0 skipped' ||
	{ echo "sanset: a test failed or skipped: no choice made"; exit 1; }

# lines DIR: "SOURCE:LINE" for each line of the product run under DIR.
lines() {
	local g rel obj
	[ -d "$1" ] || return 0		# nothing of it ran (no server, say)
	find "$1" -name '*.gcda' 2>/dev/null | while read -r g; do
		rel=${g#"$1"}			# $TOP/build-cov/dir/x.gcda
		obj=${rel%.gcda}
		case $obj in "$TOP/$B"/tests/*) continue ;; esac
		cp "$obj.gcno" "${g%.gcda}.gcno" || { echo "sanset: no $obj.gcno" >&2; exit 1; }
		src=${obj#"$TOP/$B/"}.c
		gcov -t -o "$(dirname "$g")" "$src" 2>/dev/null | awk '
			/^ *-: *0:Source:/ { sub(/^ *-: *0:Source:/, ""); src = $0; next }
			src ~ /^(appserver|appmgr|common|plugins)\// && $1 ~ /^[0-9]+\*?:$/ {
				split($0, a, ":"); gsub(/ /, "", a[2]); print src ":" a[2] }'
	done | sort -u
}

# cost FILE: CPU/CORES + wall/SLOTS (wall twice for a heavy test) from
# the coverage run's "ok NAME (W s, C s CPU)" line; at least 0.1.  Heavy
# as in the sanitized suites (weight.sh, with their CMAPP_SLOW).
cost() {
	local n h
	n=$(basename "$1" .sh)
	set -- $(weight "$1" 2)
	h=$(($2 > 0 ? 2 : 1))
	awk -v n="$n" -v h=$h -v cores=$CORES -v slots=$SLOTS '$1 == "ok" && $2 == n {
		gsub(/[(,]/, ""); c = $5 / cores + $3 * h / slots
		printf "%.2f\n", c < 0.1 ? 0.1 : c; found = 1; exit }
		END { if (!found) exit 1 }' "$WORK/e2e.log" ||
		{ echo "sanset: no time for $n in the coverage run" >&2; exit 1; }
}

# cover SUITE FILE...: the chosen names, from $WORK/lines/NAME.SUITE.
cover() {
	local suite=$1 f n c
	shift
	for f in "$@"; do
		n=$(basename "$f" .sh)
		c=$(cost "$f") || exit 1
		echo "T $n $c"
		sed "s/^/L $n /" "$WORK/lines/$n.$suite"
	done | awk '
		$1 == "T" { cost[$2] = $3; next }
		{ has[$2, $3] = 1; n[$2]++; if (!($3 in all)) { all[$3] = 1; nall++ } }
		END {
			while (ncov < nall) {
				best = ""; br = -1
				for (t in cost) {
					if (t in chosen) continue
					g = 0
					for (k in all) if (!(k in cov) && (t, k) in has) g++
					# Ties by name: the same list from the same counts.
					if (g > 0 && (g / cost[t] > br || (g / cost[t] == br && t < best))) {
						br = g / cost[t]; best = t
					}
				}
				if (best == "") break
				take(best)
			}
			# Dropped again: a chosen test whose lines the others run.
			m = 0
			for (t in chosen) order[++m] = t
			for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++)
				if (cost[order[j]] > cost[order[i]]) { x = order[i]; order[i] = order[j]; order[j] = x }
			for (i = 1; i <= m; i++) {
				t = order[i]
				need = 0
				for (k in all) if ((t, k) in has && times[k] == 1) { need = 1; break }
				if (need) continue
				delete chosen[t]
				for (k in all) if ((t, k) in has) times[k]--
			}
			for (t in chosen) print t
			printf "%d lines\n", nall > "/dev/stderr"
		}
		function take(t,  k) {
			chosen[t] = 1
			for (k in all) if ((t, k) in has) { times[k]++; if (!(k in cov)) { cov[k] = 1; ncov++ } }
		}' | sort
}

mkdir -p "$WORK/lines"
for f in "${ASAN_CAND[@]}"; do
	n=$(basename "$f" .sh)
	lines "$WORK/gcda/$n/server" >"$WORK/lines/$n.srv"
	sort -u "$WORK/lines/$n.srv" <(lines "$WORK/gcda/$n/other") >"$WORK/lines/$n.asan"
	# The shim runs without valgrind: only cmappserver's own lines.
	grep -vE '^appserver/shim(fsm)?\.c:' "$WORK/lines/$n.srv" >"$WORK/lines/$n.valgrind" || true
done
cover asan "${ASAN_CAND[@]}" >"$WORK/asan" 2>"$WORK/asan.n"
cover valgrind "${VALGRIND_CAND[@]}" >"$WORK/valgrind" 2>"$WORK/valgrind.n"

{
	cat <<EOF
# tests/sanitize.list: the end-to-end tests that make test runs again under
# ASan+UBSan (asan) and with cmappserver under valgrind (valgrind), one
# line a test: "NAME SUITE...", or "NAME -" for neither.
# Chosen from $(git rev-parse --short HEAD 2>/dev/null || echo unknown) on $(date -u +%Y-%m-%d) by tests/sanset.sh (make sanitize-list),
# which says how: together the asan tests run every line of the product
# that its ${#ASAN_CAND[@]} candidates run ($(cat "$WORK/asan.n")), the valgrind tests every line of
# cmappserver that its ${#VALGRIND_CAND[@]} candidates run ($(cat "$WORK/valgrind.n")).
EOF
	for f in "$TOP"/tests/e2e/*.sh; do
		n=$(basename "$f" .sh)
		s=
		if grep -qxF "$n" "$WORK/asan"; then s="$s asan"; fi
		if grep -qxF "$n" "$WORK/valgrind"; then s="$s valgrind"; fi
		echo "$n ${s# }"
	done | sed 's/ $/ -/'
} >"$SANITIZE_LIST"
echo "sanset: asan $(wc -l <"$WORK/asan") of ${#ASAN_CAND[@]} tests ($(cat "$WORK/asan.n")), valgrind $(wc -l <"$WORK/valgrind") of ${#VALGRIND_CAND[@]} ($(cat "$WORK/valgrind.n")); written to tests/sanitize.list"
