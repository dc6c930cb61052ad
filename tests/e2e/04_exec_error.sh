# A command that cannot be executed comes back as an error with the reason.
start_server || exit 1
mgr /nonexistent/app 2>"$T/e"; expect_eq $? 1 "exit code" || exit 1
expect_grep 'could not start /nonexistent/app: cannot execute /nonexistent/app: No such file or directory' "$T/e" || exit 1
# ... and the server goes on serving.
mgr /bin/true; expect_eq $? 0 "a later service" || exit 1
