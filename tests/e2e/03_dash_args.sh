# SPDX-License-Identifier: ISC
# Everything after -service is the command verbatim, dash-led words too.
# cost: 1
expect "cmappserver starts" start_server
mgr /bin/sh -c 'printf "<%s>" "$@"; echo' argv0 -node x -cmappserver_timeout -service "a b" "" >"$T/o"
expect_eq $? 0 "exit code"
expect_grep ': <-node><x><-cmappserver_timeout><-service><a b><>$' "$T/o"
# A command line near the limit comes through whole (frames of 60 KB on
# both sides); one over it is refused by cmappmgr before it connects.
p=$(printf 'y%.0s' $(seq 1 4000))
big=() ; for i in $(seq 1 15); do big+=("$p"); done
mgr /bin/sh -c 'echo "$# ${#1} ${#15}"' sh "${big[@]}" >"$T/big" 2>"$T/bige"; expect_eq $? 0 "exit code of a 60 KB command line" "$T/bige"
expect_grep 'sh\[[0-9]*\]: 15 4000 4000$' "$T/big"
big+=("$p" "$p")
mgr /bin/sh -c 'echo "$# ${#1} ${#15}"' sh "${big[@]}" >/dev/null 2>"$T/bige2"; expect_eq $? 1 "exit code of a command line over the limit"
expect_grep 'the command line is over 65472 bytes' "$T/bige2"
