#!/bin/bash
# SPDX-License-Identifier: ISC
# demo.sh BUILD_DIR: the README's demo.  Makes a throwaway key set, starts a
# cmappserver on 127.0.0.1, has a cmappmgr run a sample application through
# it, shows the exit code coming through, and stops what it started.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(cd "${1:-build}" && pwd)
. "$TOP/tests/lib.sh"
D=$(mktemp -d /tmp/cmapp-demo.XXXXXX)
PORT=5315
listening $PORT && PORT=$(free_port)
cleanup() { [ -n "${SPID:-}" ] && kill "$SPID" 2>/dev/null; wait 2>/dev/null; rm -rf "$D"; }
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "1. A key set as the manual lays it out (host: client pair; guest: server pair)"
run "$TOP/certs/mkkeys.sh" -in_place -o "$D/keys" localhost | sed 's/^/   /'

say "2. cmappserver in the guest (here: 127.0.0.1 port $PORT)"
printf '$ %s\n' "cmappserver -f -conf $D/keys/localhost/cmappserver.conf -listen 127.0.0.1 -port $PORT -rundir $D/run &"
"$BIN/cmappserver" -f -conf "$D/keys/localhost/cmappserver.conf" -listen 127.0.0.1 -port "$PORT" -rundir "$D/run" 2>"$D/server.log" &
SPID=$!
wait_for 10 listening "$PORT" || { cat "$D/server.log"; exit 1; }

say "3. cmappmgr on the host runs a sample application and waits for its exit"
APP='for i in 1 2 3; do echo "sample app: working ($i/3)"; sleep 0.3; done; echo "sample app: giving up" >&2; exit 3'
run "$BIN/cmappmgr" -node localhost -port "$PORT" -conf "$D/keys/host/cmappmgr.conf" \
	-cmappserver_timeout 10 -service /bin/sh -c "$APP"
rc=$?
echo "cmappmgr exit code: $rc (the application's own exit code)"

say "4. What cmappserver logged"
sed 's/^/   /' "$D/server.log"
kill "$SPID"; wait "$SPID" 2>/dev/null; SPID=
[ "$rc" = 3 ] && { say "demo ok: the exit code came through"; exit 0; }
echo "demo FAILED: expected exit code 3, got $rc"; exit 1
