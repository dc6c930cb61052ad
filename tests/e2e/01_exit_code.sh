# SPDX-License-Identifier: ISC
# The service's exit code comes through as cmappmgr's, and its output lines
# arrive marked, stdout on stdout and stderr on stderr.
# cost: 1
expect "cmappserver starts" start_server
mgr /bin/sh -c 'echo to-out; echo to-err >&2; exit 3' >"$T/o" 2>"$T/e"
expect_eq $? 3 "exit code"
expect_grep '^localhost sh\[[0-9]*\]: to-out$' "$T/o"
expect_grep '^localhost sh\[[0-9]*\]: to-err$' "$T/e"
mgr /bin/true; expect_eq $? 0 "exit code of /bin/true"
mgr /bin/false; expect_eq $? 1 "exit code of /bin/false"
mgr /bin/sh -c 'exit 255'; expect_eq $? 255 "exit code 255"
# A failure's reason reaches cmappmgr's own log line (and so syslog): the
# service's last error line goes with its exit code.
expect_grep "^cmappmgr\[[0-9]*\]: .* exited with code 3; its last error line: to-err$" "$T/e"
mgr /bin/sh -c 'echo no newline >&2; printf "partial" >&2; kill -TERM $$' 2>"$T/e2"; expect_eq $? 143 "killed by SIGTERM"
expect_grep '^localhost sh\[[0-9]*\]: partial$' "$T/e2"
expect_grep "was killed by signal 15 (Terminated); its last error line: partial$" "$T/e2"
