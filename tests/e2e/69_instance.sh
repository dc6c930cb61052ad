# SPDX-License-Identifier: ISC
# A service's identity (issue 15 item 8, issue 14's one-string -service):
# -instance NAME runs a second copy of one command beside the first, -list
# shows it, and -status and -stop reach that copy alone; -service given as
# one string attaches to the very service separate words launched; the
# manual's "add a space" is no second copy unless the blank is inside a
# quoted argument, which makes a different vector (and stays so).
# cost: 5
# ready NAME: the pid in the ready file $T/NAME once written.
ready() {
	expect_wait 5 "ready file $1" test -s "$T/$1"
	sed -n 's/^\(launched\|attached\) pid //p' "$T/$1"
}
expect "cmappserver starts" start_server
cmd=$(app i 6)

echo "=== two copies of one command"
mgr_cmd -ready_file "$T/r1" -service $cmd 2>"$T/w1.err" & w1=$!
p1=$(ready r1)
mgr_cmd -instance two -ready_file "$T/r2" -service $cmd 2>"$T/w2.err" & w2=$!
p2=$(ready r2)
expect_grep '^launched ' "$T/r2" "-instance two launches"
[ "$p1" != "$p2" ] || fail "-instance two attached to the copy without an instance"
expect_eq "$(children "app.sh $T/go.i")" 2 "copies running"
expect_grep 'started .*app.sh .* (instance two) on localhost' "$T/w2.err"

echo "=== one string: the same services"
mgr_cmd -instance two -ready_file "$T/r3" -service "$cmd" 2>"$T/w3.err" & w3=$!
expect_eq "$(ready r3)" "$p2" "one string with -instance two attaches to"
expect_grep '^attached ' "$T/r3"
mgr_cmd -ready_file "$T/r4" -service "'${cmd%% *}' ${cmd#* }" 2>"$T/w4.err" & w4=$!
expect_eq "$(ready r4)" "$p1" "one string (program quoted) attaches to"
expect_eq "$(children "app.sh $T/go.i")" 2 "copies running"

echo "=== -list"
mgr_cmd -list >"$T/list" 2>&1 || fail "-list" "$T/list"
sed 's/^/    /' "$T/list"
expect_grep "^$p1 .*app.sh $T/go.i 6\$" "$T/list"
expect_grep "^$p2 .*app.sh $T/go.i 6  \[instance two\]\$" "$T/list"

echo "=== -status and -stop of one copy"
mgr_cmd -instance two -status -service $cmd >"$T/st" 2>&1; expect_eq $? 0 "-status -instance two" "$T/st"
expect_grep "^running pid $p2\$" "$T/st"
mgr_cmd -instance two -stop -service $cmd >"$T/stop" 2>&1; expect_eq $? 0 "-stop -instance two" "$T/stop"
expect_grep '^stopped: signal 15$' "$T/stop"
wait $w2; expect_eq $? 0 "watcher of instance two after the stop" "$T/w2.err"
wait $w3; expect_eq $? 0 "second watcher of instance two after the stop" "$T/w3.err"
expect_grep 'stopped on request by ' "$T/w3.err"
expect_eq "$(children "app.sh $T/go.i")" 1 "copies running after the stop of one"
mgr_cmd -status -service $cmd >"$T/st1" 2>&1; expect_eq $? 0 "-status without instance" "$T/st1"
expect_grep "^running pid $p1\$" "$T/st1"
go i
wait $w1; expect_eq $? 6 "watcher without instance" "$T/w1.err"
wait $w4; expect_eq $? 6 "one-string watcher without instance" "$T/w4.err"

echo "=== a blank inside a quoted argument is another vector"
cmdq=$(app q 7)
mgr_cmd -ready_file "$T/q1" -service $cmdq x 2>"$T/q1.err" & q1=$!
pq1=$(ready q1)
mgr_cmd -ready_file "$T/q2" -service "$cmdq 'x '" 2>"$T/q2.err" & q2=$!
pq2=$(ready q2)
expect_grep '^launched ' "$T/q2" "a quoted trailing blank launches"
[ "$pq1" != "$pq2" ] || fail "'x ' attached to x"
mgr_cmd -ready_file "$T/q3" -service $cmdq "x " 2>"$T/q3.err" & q3=$!
expect_eq "$(ready q3)" "$pq2" "separate words with 'x ' attach to"
# The blank outside quotes is no argument: the same vector as x.
mgr_cmd -ready_file "$T/q4" -service "$cmdq x " 2>"$T/q4.err" & q4=$!
expect_eq "$(ready q4)" "$pq1" "a trailing blank outside quotes attaches to"
go q
for p in $q1 $q2 $q3 $q4; do wait $p; expect_eq $? 7 "watchers of the quoted-blank copies"; done

echo "=== -instance names"
mgr_cmd -instance 'a b' -service /bin/true 2>"$T/bad"; expect_eq $? 1 "a blank in an instance name"
expect_grep "^cmappmgr: -instance: 'a b' is not 1 to 64 of the characters" "$T/bad"
mgr_cmd -instance "$(printf 'x%.0s' $(seq 65))" -service /bin/true 2>"$T/bad"; expect_eq $? 1 "65 bytes of instance name"
mgr_cmd -instance "$(printf 'x%.0s' $(seq 64))" -service /bin/true 2>"$T/ok"; expect_eq $? 0 "64 bytes of instance name" "$T/ok"

echo "=== the instance's name counts in the command line's limit"
# 65472 bytes as the wire counts them: 2, then 2 + each argument's length
# (/bin/true, 15 of 4096 bytes, one of 3987); the name's bytes come on top.
printf -v a '%4096s' ''; a=${a// /a}
printf -v b '%3987s' ''; b=${b// /b}
long=(/bin/true); for i in $(seq 15); do long+=("$a"); done
mgr_cmd -instance abcdefghij -service "${long[@]}" "$b" 2>"$T/over"; expect_eq $? 1 "a run over the limit by its instance name" "$T/over"
expect_grep "^cmappmgr: -service: the command line is over 65472 bytes with -instance's name" "$T/over"
mgr_cmd -instance abcdefghij -status -service "${long[@]}" "$b" 2>"$T/over"; expect_eq $? 1 "-status over the limit by its instance name" "$T/over"
expect_grep "over 65472 bytes with -instance's name" "$T/over"
mgr_cmd -instance abcdefghij -service "${long[@]}" "${b:10}" 2>"$T/at"; expect_eq $? 0 "a run at the limit with its instance name" "$T/at"
mgr_cmd -service "${long[@]}" "$b" 2>"$T/at"; expect_eq $? 0 "a run at the limit without an instance" "$T/at"
