# SPDX-License-Identifier: ISC
# A binary upgrade done the same way as 20's restart (20_restart.inc): a
# rebuilt cmappserver and cmapp-shim are installed over the running ones
# with install(1), as "make install" does (the running processes keep the
# old inodes), and cmappserver is restarted as a package upgrade does
# (SIGTERM, then the new binary).  The ten services and their managers
# carry on under the old shims; a service started afterwards runs under
# the new shim.
# cost: 2
. "$TOP/tests/e2e/20_restart.inc"
mkdir -p "$T/bin"
install -m 755 "$BIN/cmappserver" "$BIN/cmapp-shim" "$BIN/cmappmgr" "$T/bin/"
ORIG=$BIN BIN=$T/bin
# A rebuilt binary differs from the running one: mark the new files.
upgrade() {
	cp "$ORIG/cmappserver" "$T/new-server"; printf '\n# rebuilt\n' >>"$T/new-server"
	cp "$ORIG/cmapp-shim" "$T/new-shim"; printf '\n# rebuilt\n' >>"$T/new-shim"
	install -m 755 "$T/new-server" "$BIN/cmappserver" || return 1
	install -m 755 "$T/new-shim" "$BIN/cmapp-shim" || return 1
	cmp -s "$ORIG/cmappserver" "$BIN/cmappserver" && return 1
	kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
}
expect "the restart scenario" restart_scenario upgrade start_server
# The running server is the new file; a new service runs under the new shim.
# (Its command line: under valgrind, /proc/PID/exe is valgrind.)
tr '\0' ' ' <"/proc/$SERVER_PID/cmdline" | grep -q "$BIN/cmappserver " ||
	fail "the server after the upgrade is not $BIN/cmappserver"
mgr -t 10 $(app u 44) 2>"$T/eu" & pu=$!
wait_for 5 grep -q started "$T/eu" || fail "new service not started"
shim=$(pgrep -f "cmapp-shim $T/run .* $T/go.u")
cmp -s "/proc/$shim/exe" "$T/new-shim" || fail "the new service does not run under the new shim"
go u
wait "$pu"; expect_eq $? 44 "exit code of the service started after the upgrade"
