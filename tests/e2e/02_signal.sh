# SPDX-License-Identifier: ISC
# A service killed by signal N makes cmappmgr exit 128+N.
# cost: 1
expect "cmappserver starts" start_server
mgr /bin/sh -c 'kill -KILL $$'; expect_eq $? 137 "SIGKILL"
mgr /bin/sh -c 'kill -TERM $$'; expect_eq $? 143 "SIGTERM"
