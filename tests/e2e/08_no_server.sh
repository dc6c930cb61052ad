# SPDX-License-Identifier: ISC
# Nothing listens: cmappmgr keeps trying until its timeout, then exits 1
# with the manual's message.
# cost: 3
start=$(date +%s%N)
mgr -t 3 /bin/true 2>"$T/e"; rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
expect_eq $rc 1 "exit code"
expect_grep "Could not connect to the node localhost: connection refused" "$T/e"
[ $ms -ge 2800 ] && [ $ms -le 6000 ] || fail "gave up after $ms ms, expected about 3000"
