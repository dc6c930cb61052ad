# SPDX-License-Identifier: ISC
# Kept statuses are bounded: with more than 64 services ended while no
# manager watched, the oldest is forgotten, logged with its status, and
# its shim released; the next START of its command launches afresh, while
# the others' statuses are still delivered.  A delivered run whose shim
# lingers for a child it left is neither forgotten nor counted: its -stop
# still reaches the child.
# cost: 8
N=65
sed 's/^max_processes=.*//' "$KEYS/localhost/cmappserver.conf" >"$T/server.conf"
echo "max_processes=$((N + 5))" >>"$T/server.conf"
SERVER_CONF=$T/server.conf expect "cmappserver starts" start_server
trap 'kill -KILL $(mine "^sleep 3058$") 2>/dev/null; end_test' EXIT
# First a run whose status was delivered but which left a child: its shim
# lingers as the child's handle, which the bound must not push out (a
# -stop of its command would find nothing to signal), nor count.
mgr sh -c 'sleep 3058 & exit 0' >/dev/null 2>"$T/e0"; expect_eq $? 0 "the run that leaves a child" "$T/e0"
# 65 services that wait without a CPU cycle (app.sh polls): each blocks
# opening its FIFO until "go" opens it for writing.
printf '#!/bin/sh\nread x <"$1"\nexit "$2"\n' >"$T/wait.sh"; chmod +x "$T/wait.sh"
svc() { mkfifo "$T/f.k$1" 2>/dev/null; echo "$T/wait.sh $T/f.k$1 $(($1 % 100))"; }
go() { echo >"$T/f.k$1"; }
pids=()
# In batches: 65 handshakes at once from one address would meet the limit
# of 64 connections before HELLO (retried, but slowly on a busy machine).
for i in $(seq 1 $N); do
	mgr -t $((20 * SLOW)) $(svc $i) >/dev/null 2>&1 & pids+=($!)
	[ $((i % 16)) -eq 0 ] || [ $i -eq $N ] || continue
	wait_for $((30 * SLOW)) eval '[ "$(grep -c "launched $T/wait.sh" "$T/server.log")" -ge $i ]' ||
		fail "not all of the first $i services launched"
done
wait_for $((30 * SLOW)) eval '[ "$(children "$T/wait.sh")" -ge $N ]' || fail "not all $N running"
# Each manager dies unseen; then the services end, k1 a second before
# the others (ends are kept in seconds).
kill -9 "${pids[@]}"; wait "${pids[@]}" 2>/dev/null
go 1; sleep 1.2
for i in $(seq 2 $N); do go $i; done
wait_for $((30 * SLOW)) eval '[ "$(grep -c "no manager attached, status kept" "$T/server.log")" -ge $N ]' ||
	fail "not all $N exits kept"
expect_grep "forgetting the exit status of $T/wait.sh $T/f.k1 1 (run [0-9a-f]*, exited with code 1), never collected: more than 64 ended services are kept" "$T/server.log"
expect_eq "$(grep -c "forgetting the exit status" "$T/server.log")" 1 "statuses forgotten"
expect_no_grep "forgetting delivered run" "$T/server.log"
mgr_cmd -stop -stop_timeout 2 -service sh -c 'sleep 3058 & exit 0' >"$T/stop0.out" 2>&1
expect_eq $? 0 "-stop of the run that left a child" "$T/stop0.out"
expect_grep "^ended earlier: exit code 0, status collected$" "$T/stop0.out"
[ -n "$(mine "^sleep 3058$")" ] && fail "the child of the delivered run outlived its -stop"
wait_for $((10 * SLOW)) eval '[ "$(pgrep -f "cmapp-shim $T/run" | wc -l)" = 64 ]' ||
	fail "$(pgrep -f "cmapp-shim $T/run" | wc -l) shims left, not 64"
# A kept one is delivered; the forgotten one's command runs again.
mgr $(svc 2) >/dev/null 2>"$T/e2"; expect_eq $? 2 "a kept status"
expect_grep "had ended on localhost while nobody watched" "$T/e2"
mgr -t $((10 * SLOW)) $(svc 1) >/dev/null 2>"$T/e1" & m=$!
wait_for $((10 * SLOW)) grep -q "started $T/wait.sh" "$T/e1" || fail "the forgotten command was not launched afresh" "$T/e1"
go 1; wait $m; expect_eq $? 1 "the relaunched service"
