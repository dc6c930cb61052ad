# SPDX-License-Identifier: ISC
# A server that starts late, within the timeout, is reached.
# cost: 3
mgr -t $((10 * SLOW)) /bin/sh -c 'exit 4' & m=$!
sleep 2
expect "cmappserver starts" start_server
wait $m; expect_eq $? 4 "exit code"
