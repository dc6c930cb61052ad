# SPDX-License-Identifier: ISC
# Garbage, plaintext and a half-open handshake on the port drop only those
# connections; the server goes on serving.
# cost: 1
expect "cmappserver starts" start_server
head -c 65536 /dev/urandom >"$T/junk"
for i in 1 2 3; do timeout 3 bash -c "cat '$T/junk' >/dev/tcp/127.0.0.1/$PORT" 2>/dev/null; done
timeout 3 bash -c "printf 'GET / HTTP/1.0\r\n\r\n' >/dev/tcp/127.0.0.1/$PORT" 2>/dev/null
timeout 3 bash -c "printf '\x16\x03\x01\x02\x00\x01' >/dev/tcp/127.0.0.1/$PORT" 2>/dev/null
kill -0 "$SERVER_PID" || fail "cmappserver died"
mgr /bin/sh -c 'exit 6'; expect_eq $? 6 "a manager after the garbage"
expect_grep "dropped 127.0.0.1" "$T/server.log"
