# A service killed by signal N makes cmappmgr exit 128+N.
start_server || exit 1
mgr /bin/sh -c 'kill -KILL $$'; expect_eq $? 137 "SIGKILL" || exit 1
mgr /bin/sh -c 'kill -TERM $$'; expect_eq $? 143 "SIGTERM" || exit 1
