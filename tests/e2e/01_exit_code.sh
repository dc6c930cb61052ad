# The service's exit code comes through as cmappmgr's, and its output lines
# arrive marked, stdout on stdout and stderr on stderr.
start_server || exit 1
mgr /bin/sh -c 'echo to-out; echo to-err >&2; exit 3' >"$T/o" 2>"$T/e"
expect_eq $? 3 "exit code" || exit 1
expect_grep '^localhost sh\[[0-9]*\]: to-out$' "$T/o" || exit 1
expect_grep '^localhost sh\[[0-9]*\]: to-err$' "$T/e" || exit 1
mgr /bin/true; expect_eq $? 0 "exit code of /bin/true" || exit 1
mgr /bin/false; expect_eq $? 1 "exit code of /bin/false" || exit 1
mgr /bin/sh -c 'exit 255'; expect_eq $? 255 "exit code 255" || exit 1
