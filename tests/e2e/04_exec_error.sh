# SPDX-License-Identifier: ISC
# A command that cannot be executed comes back as an error with the reason.
# cost: 1
expect "cmappserver starts" start_server
mgr /nonexistent/app 2>"$T/e"; expect_eq $? 1 "exit code"
expect_grep 'could not start /nonexistent/app: cannot execute /nonexistent/app: No such file or directory' "$T/e"
# ... and the server goes on serving.
mgr /bin/true; expect_eq $? 0 "a later service"
