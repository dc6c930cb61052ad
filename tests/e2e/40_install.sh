# make install into a DESTDIR: every file where the manual puts it, with its
# mode, and nothing else; an existing conf is never overwritten; the
# installed key script makes a key set (private keys 0600) that is
# distributed as the manual says; the installed cmappserver and cmappmgr,
# configured from the installed sample confs, work against each other
# (a service, the status view, the SysV init script, a restart that the
# running service does not notice); make uninstall leaves the confs and the
# keys and removes the rest.  The binaries under test ($BIN) are installed
# as they are (INSTALL_NEEDS=): nothing is compiled here.
D=$T/root
APP=$D/opt/hp/cmappserver
HOSTKEYS=$D/etc/cmcluster/cmappmgr

mk() {
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make --no-print-directory \
		-C "$TOP" BUILD="$BIN" INSTALL_NEEDS= DESTDIR="$D" "$@"
}

# The files install must put there: "MODE PATH" lines.
expected() {
	local m
	cat <<EOF
755 /usr/sbin/cmappmgr
755 /opt/hp/cmappserver/cmappserver
755 /opt/hp/cmappserver/cmapp_mkkeys
600 /etc/cmappmgr.conf
600 /opt/hp/cmappserver/cmappserver.conf
755 /etc/init.d/cmappserver
644 /usr/lib/systemd/system/cmappserver.service
644 /usr/lib/systemd/system/cmappserver-stop-all.service
644 /usr/share/man/man8/cmappmgr.8
644 /usr/share/man/man8/cmappserver.8
644 /usr/share/man/man8/cmapp_net_mon.8
644 /usr/share/man/man8/cmapp_disk_mon.8
644 /usr/share/man/man5/cmappmgr.conf.5
644 /usr/share/man/man5/cmappserver.conf.5
644 /usr/share/doc/cmapp/README.md
644 /usr/share/doc/cmapp/package-example.conf
644 /usr/share/doc/cmapp/cmappmgr.conf
644 /usr/share/doc/cmapp/cmappserver.conf
EOF
	# Parts that other pieces of the tree build, when they are built.
	[ -x "$BIN/cmapp-shim" ] && echo "755 /opt/hp/cmappserver/cmapp-shim"
	[ -x "$BIN/cmapp_disk_mon" ] && echo "755 /opt/hp/cmappserver/cmapp_disk_mon"
	if [ -x "$BIN/cmapp_net_mon" ]; then
		echo "755 /opt/hp/cmappserver/cmapp_net_mon"
		echo "777 /opt/hp/cmappserver/cmapp_net_mon.pl"
		echo "644 /usr/share/man/man8/cmapp_net_mon.pl.8"
	fi
	for m in "$BIN"/plugins/*.so; do
		[ -e "$m" ] && echo "644 /opt/hp/cmappserver/plugins/${m##*/}"
	done
	return 0
}

# --- Install: every expected file with its mode, and no other file.
mk install >"$T/install.log" 2>&1 || { cat "$T/install.log"; fail "make install failed"; exit 1; }
expected | sort -k2 >"$T/want"
(cd "$D" && find . \( -type f -o -type l \) -printf '%m /%P\n') | sort -k2 >"$T/got"
diff "$T/want" "$T/got" >"$T/diff" || { fail "installed files and modes differ (< expected, > installed):"; cat "$T/diff"; exit 1; }
cmp -s "$BIN/cmappmgr" "$D/usr/sbin/cmappmgr" || fail "cmappmgr is not the one built" || exit 1
cmp -s "$BIN/cmappserver" "$APP/cmappserver" || fail "cmappserver is not the one built" || exit 1
cmp -s "$TOP/conf/cmappmgr.conf" "$D/etc/cmappmgr.conf" || fail "/etc/cmappmgr.conf is not the sample" || exit 1
if [ -x "$BIN/cmapp_net_mon" ]; then
	expect_eq "$(readlink "$APP/cmapp_net_mon.pl")" cmapp_net_mon "cmapp_net_mon.pl link" || exit 1
fi

# --- A second install keeps an admin's conf and says so.
echo "# edited by the admin" >>"$D/etc/cmappmgr.conf"
cp -p "$D/etc/cmappmgr.conf" "$T/mgr.conf.mine"
mk install >"$T/install2.log" 2>&1 || { cat "$T/install2.log"; fail "second make install failed"; exit 1; }
cmp -s "$T/mgr.conf.mine" "$D/etc/cmappmgr.conf" || fail "make install overwrote /etc/cmappmgr.conf" || exit 1
expect_grep "keeping $D/etc/cmappmgr.conf" "$T/install2.log" || exit 1
cp "$TOP/conf/cmappmgr.conf" "$D/etc/cmappmgr.conf"

# --- The unit and the init script are well-formed.
if command -v systemd-analyze >/dev/null; then
	# Not a full verify (no systemd as pid 1 here): any complaint about
	# a line of the unit fails.
	for u in cmappserver cmappserver-stop-all; do
		systemd-analyze verify --man=no "$D/usr/lib/systemd/system/$u.service" >"$T/sa" 2>&1
		if grep -E "$u\.service:[0-9]+:" "$T/sa"; then fail "systemd-analyze complains about $u.service"; exit 1; fi
	done
fi
sh -n "$D/etc/init.d/cmappserver" || fail "init script: syntax error" || exit 1
grep -q '^### BEGIN INIT INFO' "$D/etc/init.d/cmappserver" || fail "init script: no LSB header" || exit 1

# --- Keys made by the installed script, distributed as the manual says.
"$APP/cmapp_mkkeys" -o "$T/keys" localhost >"$T/mkkeys.log" 2>&1 || { cat "$T/mkkeys.log"; fail "cmapp_mkkeys failed"; exit 1; }
for f in host/client.private localhost/server.private; do
	expect_eq "$(stat -c %a "$T/keys/$f")" 600 "mode of $f" || exit 1
done
for f in host/client.public host/server_localhost.public localhost/client.public; do
	expect_eq "$(stat -c %a "$T/keys/$f")" 644 "mode of $f" || exit 1
done
mkdir -p "$HOSTKEYS"
cp -p "$T/keys/host/client.private" "$T/keys/host/client.public" "$T/keys/host/server_localhost.public" "$HOSTKEYS/"
cp -p "$T/keys/localhost/server.private" "$T/keys/localhost/client.public" "$APP/"
expect_eq "$(stat -c %a "$APP/server.private")" 600 "mode of the guest's key once copied" || exit 1

# The installed samples, pointed at the DESTDIR (the programs look in the
# real /etc and /opt) and, on the host, at the guest "localhost".
sed -e "s|^keyStore=$|keyStore=$APP/server.private|" \
    -e "s|^trustStore=$|trustStore=$APP/client.public|" \
    "$D/opt/hp/cmappserver/cmappserver.conf" >"$T/srv.conf"
sed -e "s|/etc/cmcluster/cmappmgr/|$HOSTKEYS/|" -e "s|mmpf121|localhost|g" \
    "$D/etc/cmappmgr.conf" >"$T/mgr.conf"
cp "$T/srv.conf" "$APP/cmappserver.conf"
cp "$T/mgr.conf" "$D/etc/cmappmgr.conf"

# --- The installed binaries against each other.
BIN=$APP SERVER_CONF=$APP/cmappserver.conf start_server || exit 1
MGR=$D/usr/sbin/cmappmgr
m() { "$MGR" -node localhost -port "$1" -conf "$D/etc/cmappmgr.conf" -cmappserver_timeout 10 "${@:2}"; }
m "$PORT" -service /bin/sh -c 'echo installed; exit 5' >"$T/o" 2>"$T/e"
expect_eq $? 5 "exit code through the installed binaries" || { cat "$T/e"; exit 1; }
expect_grep '^localhost sh\[[0-9]*\]: installed$' "$T/o" || exit 1
m "$PORT" -list >"$T/l" 2>"$T/e" || { cat "$T/e"; fail "installed cmappmgr -list failed"; exit 1; }
expect_grep "delivered  *exit 5, .*/bin/sh -c 'echo installed; exit 5'$" "$T/l" || exit 1
"$MGR" -version | grep -q "^cmappmgr " || fail "installed cmappmgr -version" || exit 1
"$APP/cmappserver" -version | grep -q "^cmappserver " || fail "installed cmappserver -version" || exit 1
stop_server

# --- The SysV init script drives the installed daemon.
P2=$(free_port)
RUNOPT=
"$APP/cmappserver" -help >"$T/help" 2>&1
grep -q -- -rundir "$T/help" && RUNOPT="-rundir $T/run2"
export CMAPPSERVER_DAEMON=$APP/cmappserver CMAPPSERVER_PIDFILE=$T/init.pid
export CMAPPSERVER_OPTS="-conf $APP/cmappserver.conf -listen 127.0.0.1 -port $P2 $RUNOPT"
INIT=$D/etc/init.d/cmappserver
$INIT status >"$T/i" 2>&1; expect_eq $? 3 "status before start" || { cat "$T/i"; exit 1; }
$INIT start >"$T/i" 2>&1 || { cat "$T/i"; fail "init start"; exit 1; }
wait_for 5 listening "$P2" || fail "daemon started by the init script does not listen" || exit 1
pid1=$(cat "$T/init.pid")
$INIT status >"$T/i" 2>&1; expect_eq $? 0 "status when running" || { cat "$T/i"; exit 1; }
$INIT start >"$T/i" 2>&1; expect_eq $? 0 "start when running" || exit 1
expect_grep "already running (pid $pid1)" "$T/i" || exit 1
# A service that outlives a restart, when services run under cmapp-shim.
cmd=$(app r 6)
m "$P2" -service $cmd >"$T/ro" 2>"$T/re" & mr=$!
wait_for 5 grep -q started "$T/re" || fail "service through the init-started daemon" || exit 1
$INIT restart >"$T/i" 2>&1 || { cat "$T/i"; fail "init restart"; exit 1; }
wait_for 5 listening "$P2" || fail "no daemon after restart" || exit 1
pid2=$(cat "$T/init.pid")
[ "$pid1" != "$pid2" ] || fail "restart kept pid $pid1" || exit 1
if [ -x "$APP/cmapp-shim" ]; then
	m "$P2" -list >"$T/l2" 2>&1
	expect_grep "running .*$cmd\$" "$T/l2" || exit 1
	go r
	wait $mr; expect_eq $? 6 "exit code of a service across an init restart" || { cat "$T/re"; exit 1; }
else
	kill $mr 2>/dev/null; wait $mr 2>/dev/null
fi
if [ -x "$APP/cmapp-shim" ] && grep -q -- -stop_all "$T/help"; then
	# stop-all: the applications end (SIGTERM), then the daemon stops.
	cmd=$(app s 0)
	m "$P2" -service $cmd >/dev/null 2>"$T/se" & ms=$!
	wait_for 5 grep -q started "$T/se" || fail "service s not started" || exit 1
	spid=$(m "$P2" -list 2>/dev/null | awk -v c="$cmd" 'index($0, c) { print $1 }')
	[ -n "$spid" ] && kill -0 "$spid" || fail "no pid for service s" || exit 1
	$INIT stop-all >"$T/i" 2>&1 || { cat "$T/i"; fail "init stop-all"; exit 1; }
	kill -0 "$spid" 2>/dev/null && fail "service s (pid $spid) survived stop-all" && exit 1
	kill "$ms" 2>/dev/null; wait "$ms" 2>/dev/null
	# A halt or reboot: init's "stop" at runlevel 0 stops the applications
	# too, where a plain stop leaves them running.
	$INIT start >"$T/i" 2>&1 || { cat "$T/i"; fail "init start after stop-all"; exit 1; }
	wait_for 5 listening "$P2" || fail "daemon did not come back" || exit 1
	pid2=$(cat "$T/init.pid")
	cmd=$(app h 0)
	m "$P2" -service $cmd >/dev/null 2>"$T/he" & mh=$!
	wait_for 5 grep -q started "$T/he" || fail "service h not started" || exit 1
	hpid=$(m "$P2" -list 2>/dev/null | awk -v c="$cmd" 'index($0, c) { print $1 }')
	[ -n "$hpid" ] && kill -0 "$hpid" || fail "no pid for service h" || exit 1
	RUNLEVEL=0 $INIT stop >"$T/i" 2>&1 || { cat "$T/i"; fail "init stop at runlevel 0"; exit 1; }
	kill -0 "$hpid" 2>/dev/null && fail "service h (pid $hpid) survived a stop at runlevel 0" && exit 1
	kill "$mh" 2>/dev/null; wait "$mh" 2>/dev/null
else
	$INIT stop >"$T/i" 2>&1 || { cat "$T/i"; fail "init stop"; exit 1; }
fi
kill -0 "$pid2" 2>/dev/null && fail "pid $pid2 still runs after stop" && exit 1
[ ! -e "$T/init.pid" ] || fail "pid file left after stop" || exit 1
$INIT status >"$T/i" 2>&1; expect_eq $? 3 "status after stop" || exit 1
$INIT stop >"$T/i" 2>&1; expect_eq $? 0 "stop when stopped" || exit 1
$INIT bogus >"$T/i" 2>&1; expect_eq $? 2 "unknown action" || exit 1
unset CMAPPSERVER_DAEMON CMAPPSERVER_PIDFILE CMAPPSERVER_OPTS

# --- Uninstall: the confs and the keys stay, everything else goes.
mk uninstall >"$T/uninstall.log" 2>&1 || { cat "$T/uninstall.log"; fail "make uninstall failed"; exit 1; }
cat >"$T/want" <<EOF
/etc/cmappmgr.conf
/etc/cmcluster/cmappmgr/client.private
/etc/cmcluster/cmappmgr/client.public
/etc/cmcluster/cmappmgr/server_localhost.public
/opt/hp/cmappserver/client.public
/opt/hp/cmappserver/cmappserver.conf
/opt/hp/cmappserver/server.private
EOF
(cd "$D" && find . \( -type f -o -type l \) -printf '/%P\n') | sort >"$T/got"
diff "$T/want" "$T/got" >"$T/diff" || { fail "left after uninstall (< expected, > found):"; cat "$T/diff"; exit 1; }
cmp -s "$T/mgr.conf" "$D/etc/cmappmgr.conf" || fail "uninstall changed /etc/cmappmgr.conf" || exit 1
cmp -s "$T/srv.conf" "$APP/cmappserver.conf" || fail "uninstall changed cmappserver.conf" || exit 1
expect_eq "$(stat -c %a "$APP/server.private")" 600 "mode of the guest's key after uninstall" || exit 1
exit 0
