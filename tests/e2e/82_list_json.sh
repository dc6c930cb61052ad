# SPDX-License-Identifier: ISC
# cmappmgr -list -json (issue 15, item 6): JSON Lines, one object per
# service with the table's fields, nothing else on stdout; what came from
# the guest (arguments, the managers' names) through JSON escaping: no raw
# control byte, valid UTF-8, every line parsed by a strict JSON reader and
# the arguments read back.  The default shows what runs, starts or keeps
# a status; -all the delivered runs too.  Exit status 0 only when the
# guest answered, 1 otherwise with the reason on stderr and nothing on
# stdout.
# cost: 20
# Debian's python3 where there is one: a version manager's shim first in
# PATH (pyenv's) costs half a second of CPU for each of the 15 starts.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || { echo "no python3 to read the JSON"; exit 77; }

lst() {
	"$BIN/cmappmgr" -node localhost -port "$PORT" -conf "$KEYS/host/cmappmgr.conf" \
		-cmappserver_timeout "${LT:-5}" -list "$@"
}
# check FILE: every line a JSON object (strict: no NaN, no raw control
# character in a string) with the fields every object has; no raw
# control byte and valid UTF-8 in the file.
check() {
	LC_ALL=C grep -q '[[:cntrl:]]' <(tr -d '\n' <"$1") && fail "raw control bytes in $1" "$1"
	iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1 || fail "not UTF-8: $1" "$1"
	"$PY" - "$1" <<'EOP' || fail "not JSON Lines as expected: $1" "$1"
import json, sys
keys = {"node", "run_id", "pid", "state", "since", "exit_code", "signal",
        "managers", "attached", "left", "left_in", "command", "argv", "instance"}
for line in open(sys.argv[1], encoding="utf-8"):
    o = json.loads(line, parse_constant=lambda c: sys.exit("constant " + c))
    if set(o) != keys:
        sys.exit("keys: %s" % sorted(o))
EOP
}
# field FILE KEY EXPR: EXPR (Python, of the object o) for the object of
# the service whose run id or command is KEY.
field() {
	"$PY" - "$@" <<'EOP'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    o = json.loads(line)
    if sys.argv[2] in (o["run_id"], o["command"]):
        print(eval(sys.argv[3]))
        break
else:
    sys.exit("no object for " + sys.argv[2])
EOP
}

echo "--- no guest: exit 1, the reason on stderr, nothing on stdout"
LT=2 lst -json >"$T/n.out" 2>"$T/n.err"; expect_eq $? 1 "exit code without a guest"
expect_grep "Could not connect to the node localhost: connection refused" "$T/n.err"
[ ! -s "$T/n.out" ] || fail "printed something without a guest" "$T/n.out"

expect "cmappserver starts" start_server
lst -json >"$T/e.out" 2>"$T/e.err"; expect_eq $? 0 "exit code for a guest without services" "$T/e.err"
[ ! -s "$T/e.out" ] || fail "printed something for a guest without services" "$T/e.out"

echo "--- a running service whose arguments carry quotes, controls and non-UTF-8"
odd=$'q"b\\s \e[1m\n\x9b\xe9 caf\xc3\xa9\tend'
mgr /bin/sh -c 'while [ ! -e "$1" ]; do sleep 0.05; done' sh "$T/go.j" "$odd" >/dev/null 2>"$T/mj.e" & mj=$!
wait_for 5 grep -q started "$T/mj.e" || fail "not started" "$T/mj.e"
cmd_b=$(app b 4)
mgr $cmd_b >/dev/null 2>"$T/mb.e" & mb=$!
wait_for 5 grep -q started "$T/mb.e" || fail "app b not started" "$T/mb.e"
kill -TERM $mb; wait $mb
go b
wait_for 5 grep -q 'no manager attached, status kept' "$T/server.log" || fail "exit of b not seen"
mgr /bin/sh -c 'exit 3' 2>/dev/null; expect_eq $? 3 "exit code 3"
mgr /bin/sh -c 'kill -9 $$' 2>/dev/null; expect_eq $? 137 "killed by signal 9"

lst >"$T/t.out" 2>"$T/t.err"; expect_eq $? 0 "exit code of the table" "$T/t.err"
lst -json >"$T/j.out" 2>"$T/j.err"; expect_eq $? 0 "exit code of -json" "$T/j.err"
check "$T/j.out"
expect_eq "$(wc -l <"$T/j.out")" 2 "objects by default (the running one, b's kept status)" "$T/j.out"
# The same rows as the table, by the same command strings.
# The table has the odd bytes as they are (vis.c passes 0xe9), JSON as
# characters: its row is found by its run id.
jrow=$(grep -aF "$T/go.j" "$T/t.out")
jcmd=$(echo "$jrow" | awk '{ print $2 }')
expect_eq "$(field "$T/j.out" "$jcmd" 'o["state"], o["managers"], o["exit_code"], o["signal"], o["left"], o["left_in"]')" \
	"('running', 1, None, None, 0, None)" "fields of the running service"
expect_eq "$(field "$T/j.out" "$jcmd" 'o["pid"]')" "$(echo "$jrow" | awk '{ print $1 }')" "pid, as in the table"
# The table's bytes read as -json reads them: UTF-8 where well-formed,
# else Latin-1.
asjson() {
	"$PY" -c 'import codecs, sys
codecs.register_error("latin1", lambda e: (e.object[e.start:e.end].decode("latin-1"), e.end))
print(ascii(sys.stdin.buffer.read().rstrip(b"\n").decode("utf-8", "latin1")))'
}
expect_eq "$(field "$T/j.out" "$jcmd" 'ascii(o["command"])')" "$(echo "$jrow" |
	LC_ALL=C sed -E 's/^.*  (\/bin\/sh -c .*)$/\1/' | asjson)" "command, as in the table"
expect_eq "$(field "$T/j.out" "$jcmd" 'o["node"], len(o["attached"]), o["attached"][0]["peer"].startswith("127.0.0.1:")')" \
	"('localhost', 1, True)" "the attached manager"
# The arguments read back: well-formed UTF-8 as it was, any other byte
# as its Latin-1 character (0x9b as U+009B, 0xe9 as U+00E9).
expect_eq "$(field "$T/j.out" "$jcmd" 'ascii(o["argv"][5])')" "'q\"b\\\\s \\x1b[1m\\n\\x9b\\xe9 caf\\xe9\\tend'" "the odd argument, read back"
expect_eq "$(field "$T/j.out" "$jcmd" 'o["argv"][:4] == ["/bin/sh", "-c", "while [ ! -e \"$1\" ]; do sleep 0.05; done", "sh"]')" \
	"True" "the first arguments"
expect_eq "$(field "$T/j.out" "$cmd_b" 'o["state"], o["exit_code"], o["signal"], o["managers"], o["attached"]')" \
	"('exited', 4, None, 0, [])" "fields of b's kept status"
grep -q delivered "$T/j.out" && fail "delivered runs in the default -json" "$T/j.out"

echo "--- -all: the delivered runs too"
lst -json -all >"$T/a.out" 2>"$T/a.err"; expect_eq $? 0 "exit code of -json -all" "$T/a.err"
check "$T/a.out"
expect_eq "$(wc -l <"$T/a.out")" 4 "objects with -all" "$T/a.out"
expect_eq "$(field "$T/a.out" "/bin/sh -c 'exit 3'" 'o["state"], o["exit_code"], o["signal"]')" \
	"('delivered', 3, None)" "fields of a delivered run"
expect_eq "$(field "$T/a.out" "/bin/sh -c 'kill -9 \$\$'" 'o["state"], o["exit_code"], o["signal"]')" \
	"('delivered', None, 9)" "fields of a run killed by a signal"
go j; wait $mj; expect_eq $? 0 "exit code of the odd service"

echo "--- a manager's name from the guest, whatever its bytes: escaped"
old=$BIN/tests/tools/oldserver
[ -x "$old" ] || fail "no $old: run make tools"
stop_server
"$old" -port "$PORT" -key "$KEYS/localhost/server.private" -keypw serverpw \
	-trust "$KEYS/localhost/client.public" -peer $'x"\\\e]0;t\a\xff\xc3\xa9' >"$T/old.out" 2>&1 & oldpid=$!
trap 'kill $oldpid 2>/dev/null; wait $oldpid 2>/dev/null; end_test' EXIT
wait_for $((5 * SLOW)) grep -q '^listening' "$T/old.out" || fail "oldserver did not start" "$T/old.out"
lst -json >"$T/o.out" 2>"$T/o.err"; expect_eq $? 0 "exit code of -json against an old guest" "$T/o.err"
check "$T/o.out"
# Longest attached first, as in the table: the odd one is the second.
expect_eq "$(field "$T/o.out" "/bin/sleep 100" 'o["managers"], [a["peer"] for a in o["attached"]] == ["127.0.0.1:40002", "x\"\\\x1b]0;t\x07\xff\xe9"]')" \
	"(2, True)" "the managers' names, read back"
grep -q 'too old' "$T/o.out" && fail "a line that is not JSON" "$T/o.out"
kill $oldpid; wait $oldpid 2>/dev/null
true
