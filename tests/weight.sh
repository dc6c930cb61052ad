# SPDX-License-Identifier: ISC
# weight.sh: a test's place in the end-to-end queue, from its "# cost:"
# line (sourced by tests/e2e.sh, which orders and spaces the tests by it,
# and by tests/sanset.sh, which weighs the sanitized suites' choice).
#
#   # cost: SECONDS [heavy [sanitized-light|untimed]]
#
# SECONDS orders the queue (costliest first; 5 if there is none).  A heavy
# test (a load test, the soak, the TLS scan, the cluster) never runs beside
# another heavy one (but for two untimed ones, below), in any suite that
# shares E2E_HEAVY_LOCK; a
# "sanitized-light" one is light in a CMAPP_SLOW run, whose pace is slower.
# An "untimed" one (the TLS scan, the packages' builds) checks nothing
# that a busy machine could fail, only keeps the cores busy: it may run
# beside another untimed one, which halves their chain in the plain suite.

# weight FILE SLOW: prints "SECONDS HEAVY" for FILE in a run whose
# CMAPP_SLOW is SLOW: HEAVY 0 light, 1 heavy, 2 heavy and untimed.
weight() {
	local line cost h=0
	line=$(sed -n 's/^# cost: *//p' "$1" | head -1)
	cost=${line%%[!0-9]*}
	case " $line " in *" heavy "*) h=1 ;; esac
	[ $h = 1 ] && case " $line " in *" untimed "*) h=2 ;; esac
	[ "$2" -gt 1 ] && case " $line " in *" sanitized-light "*) h=0 ;; esac
	echo "${cost:-5} $h"
}
