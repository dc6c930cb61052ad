# Everything after -service is the command verbatim, dash-led words too.
start_server || exit 1
mgr /bin/sh -c 'printf "<%s>" "$@"; echo' argv0 -node x -cmappserver_timeout -service "a b" "" >"$T/o"
expect_eq $? 0 "exit code" || exit 1
expect_grep ': <-node><x><-cmappserver_timeout><-service><a b><>$' "$T/o" || exit 1
