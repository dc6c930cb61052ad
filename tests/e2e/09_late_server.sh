# A server that starts late, within the timeout, is reached.
mgr -t $((10 * SLOW)) /bin/sh -c 'exit 4' & m=$!
sleep 2
start_server || exit 1
wait $m; expect_eq $? 4 "exit code" || exit 1
