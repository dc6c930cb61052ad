# SPDX-License-Identifier: ISC
# weight.sh: a test's place in the end-to-end queue, from its "# cost:"
# line (sourced by tests/e2e.sh, which orders and spaces the tests by it,
# and by tests/sanset.sh, which weighs the sanitized suites' choice).
#
#   # cost: SECONDS [heavy [sanitized-light]]
#
# SECONDS orders the queue (costliest first; 5 if there is none).  A heavy
# test (a load test, the soak, the TLS scan, the cluster) never runs beside
# another heavy one, in any suite that shares E2E_HEAVY_LOCK; a
# "sanitized-light" one is light in a CMAPP_SLOW run, whose pace is slower.

# weight FILE SLOW: prints "SECONDS HEAVY" (HEAVY 1 or 0) for FILE in a
# run whose CMAPP_SLOW is SLOW.
weight() {
	local line cost h=0
	line=$(sed -n 's/^# cost: *//p' "$1" | head -1)
	cost=${line%%[!0-9]*}
	case " $line " in *" heavy "*) h=1 ;; esac
	[ "$2" -gt 1 ] && case " $line " in *" sanitized-light "*) h=0 ;; esac
	echo "${cost:-5} $h"
}
