# SPDX-License-Identifier: ISC
# make install as an admin runs it, from the tree with nothing built yet
# (a build directory of its own): "install: all" builds, then every file is
# where the manual puts it, with its mode, and nothing else; install fails,
# naming the file, when a part is not built; an existing conf is never
# overwritten; PREFIX=/usr/local moves sbin, man, doc and the units only
# (the OCF agent stays in /usr/lib/ocf/resource.d/cmapp, where Pacemaker
# looks).
# The installed key script makes a key set (private keys 0600) that is
# distributed as the manual says; the installed cmappserver and cmappmgr,
# configured from the installed sample confs, work against each other (a
# service, the status view, the SysV init script, a restart that the
# running service does not notice, stop-all); the installed monitors run
# from there.  make uninstall leaves the confs, the keys and an admin's own
# probes, removes the rest, and names the boot links left behind.
# Heavy: its make builds the whole tree (CPU), and it shares /opt and
# /etc/default with 90_packages (the lock below): as heavy tests the two
# never run at once, so neither holds a test slot waiting for the other.
# cost: 13 heavy
D=$T/root

# The installed init script reads the machine's /etc/default/cmappserver,
# which 90_packages installs meanwhile (its options then replaced ours, and
# our daemon took port 5315 from the package's): its lock on /opt, and no
# cmapp-guest installed for good.
exec 9</opt
flock -w 600 9 || fail "the packages test holds /opt's lock for more than 600 s"
for f in /etc/default/cmappserver /etc/sysconfig/cmappserver; do
	[ ! -e "$f" ] || { echo "$f exists (cmapp-guest is installed here): the init script would read it"; exit 77; }
done
APP=$D/opt/hp/cmappserver
HOSTKEYS=$D/etc/cmcluster/cmappmgr
B=$T/build

mk() {
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make --no-print-directory \
		-C "$TOP" BUILD="$B" "$@"
}

# The files install must put there: "MODE PATH" lines.
expected() {
	cat <<EOF
755 /usr/sbin/cmappmgr
755 /opt/hp/cmappserver/cmappserver
755 /opt/hp/cmappserver/cmapp-shim
755 /opt/hp/cmappserver/cmapp_mkkeys
755 /opt/hp/cmappserver/cmapp_net_mon
777 /opt/hp/cmappserver/cmapp_net_mon.pl
755 /opt/hp/cmappserver/cmapp_disk_mon
644 /opt/hp/cmappserver/plugins/net.so
644 /opt/hp/cmappserver/plugins/disk.so
600 /etc/cmappmgr.conf
600 /opt/hp/cmappserver/cmappserver.conf
755 /etc/init.d/cmappserver
644 /usr/lib/systemd/system/cmappserver.service
644 /usr/lib/systemd/system/cmappserver-stop-all.service
644 /usr/share/man/man8/cmappmgr.8
644 /usr/share/man/man8/cmappserver.8
644 /usr/share/man/man8/cmapp_net_mon.8
644 /usr/share/man/man8/cmapp_net_mon.pl.8
644 /usr/share/man/man8/cmapp_disk_mon.8
644 /usr/share/man/man5/cmappmgr.conf.5
644 /usr/share/man/man5/cmappserver.conf.5
644 /usr/share/man/man7/ocf_cmapp_guestapp.7
755 /usr/lib/ocf/resource.d/cmapp/guestapp
644 /usr/share/doc/cmapp/README.md
644 /usr/share/doc/cmapp/package-example.conf
644 /usr/share/doc/cmapp/cmappmgr.conf
644 /usr/share/doc/cmapp/cmappserver.conf
EOF
}

# installed DIR: "MODE PATH" of every file and link under DIR, sorted.
installed() {
	(cd "$1" && find . \( -type f -o -type l \) -printf '%m /%P\n') | sort -k2
}

# --- Install from a build directory that holds nothing yet.
[ ! -e "$B" ] || fail "$B exists before the test"
mk -j2 install DESTDIR="$D" >"$T/install.log" 2>&1 || fail "make install failed" "$T/install.log"
expected | sort -k2 >"$T/want"
installed "$D" >"$T/got"
diff "$T/want" "$T/got" >"$T/diff" || fail "installed files and modes differ (< expected, > installed):" "$T/diff"
for f in cmappserver cmapp-shim cmapp_net_mon cmapp_disk_mon cmapp_mkkeys plugins/net.so plugins/disk.so; do
	cmp -s "$B/$f" "$APP/$f" || fail "$APP/$f is not the one built"
done
cmp -s "$B/cmappmgr" "$D/usr/sbin/cmappmgr" || fail "cmappmgr is not the one built"
cmp -s "$TOP/conf/cmappmgr.conf" "$D/etc/cmappmgr.conf" || fail "/etc/cmappmgr.conf is not the sample"
cmp -s "$TOP/conf/cmappserver.conf" "$APP/cmappserver.conf" || fail "cmappserver.conf is not the sample"
expect_eq "$(readlink "$APP/cmapp_net_mon.pl")" cmapp_net_mon "cmapp_net_mon.pl link"
expect_eq "$(cat "$D/usr/share/man/man8/cmapp_net_mon.pl.8")" ".so man8/cmapp_net_mon.8" "cmapp_net_mon.pl.8"

# --- The installed monitors find their probes in the installed tree.
"$APP/cmapp_net_mon.pl" --version >"$T/o" 2>&1 || fail "installed cmapp_net_mon.pl --version" "$T/o"
expect_grep "^cmapp_net_mon [0-9.]* (cmapp, probe interface [0-9]*)$" "$T/o"
"$APP/cmapp_disk_mon" -v >"$T/o" 2>&1 || fail "installed cmapp_disk_mon -v" "$T/o"
expect_grep "^cmapp_disk_mon [0-9.]* (cmapp, probe interface [0-9]*)$" "$T/o"
"$APP/cmapp_net_mon" --lan lo --ip 127.0.0.1 --log_level 3 >"$T/o" 2>&1
expect_eq $? 2 "installed cmapp_net_mon with a bad --log_level" "$T/o"
expect_grep "^cmapp_net_mon: --log_level takes a whole number from 0 to 2" "$T/o"
# Every installed command answers -version with the version of the tree.
v=$(sed -n 's/^#define[[:space:]]*CMAPP_VERSION[[:space:]]*"\([^"]*\)".*/\1/p' "$TOP/common/version.h")
for c in usr/sbin/cmappmgr opt/hp/cmappserver/cmappserver opt/hp/cmappserver/cmapp-shim \
    opt/hp/cmappserver/cmapp_net_mon.pl opt/hp/cmappserver/cmapp_disk_mon opt/hp/cmappserver/cmapp_mkkeys; do
	"$D/$c" -version >"$T/o" 2>&1 || fail "installed /$c -version failed" "$T/o"
	n=${c##*/}
	grep -qE "^${n%.pl} $v( |$)" "$T/o" || fail "/$c -version does not say $v:" "$T/o"
done

# --- A second install keeps an admin's confs and says so.
for f in etc/cmappmgr.conf opt/hp/cmappserver/cmappserver.conf; do
	echo "# edited by the admin" >>"$D/$f"
	cp -p "$D/$f" "$T/${f##*/}.mine"
done
mk install DESTDIR="$D" SYSTEMD_RUNDIR="$T/no-systemd" >"$T/install2.log" 2>&1 ||
	fail "second make install failed" "$T/install2.log"
# Without systemd, the boot hint is the init script's, not systemctl.
expect_grep "boot (no systemd here): update-rc.d cmappserver defaults && /etc/init.d/cmappserver start" "$T/install2.log"
expect_no_grep "systemctl" "$T/install2.log" "make install without systemd"
for f in etc/cmappmgr.conf opt/hp/cmappserver/cmappserver.conf; do
	cmp -s "$T/${f##*/}.mine" "$D/$f" || fail "make install overwrote /$f"
	expect_grep "keeping $D/$f; the new sample is $D/usr/share/doc/cmapp/${f##*/}" "$T/install2.log"
done
cp "$TOP/conf/cmappmgr.conf" "$D/etc/cmappmgr.conf"
cp "$TOP/conf/cmappserver.conf" "$APP/cmappserver.conf"

# --- A part not built: install fails, names it and installs nothing.
mkdir "$T/noshim"
cp -a "$B/." "$T/noshim/"
rm "$T/noshim/cmapp-shim"
mk BUILD="$T/noshim" INSTALL_NEEDS= install DESTDIR="$T/root-noshim" >"$T/o" 2>&1
[ $? -ne 0 ] || fail "make install succeeded without cmapp-shim"
expect_grep "install: not built: $T/noshim/cmapp-shim; run make" "$T/o"
[ ! -e "$T/root-noshim" ] || fail "make install without cmapp-shim installed something"
rm -rf "$T/noshim"

# --- PREFIX=/usr/local: sbin, the man pages, doc and the units go under
# it; /etc and /opt/hp/cmappserver, where the programs look, do not move,
# nor does the OCF agent, where Pacemaker looks.
L=$T/root-local
mk install PREFIX=/usr/local DESTDIR="$L" SYSTEMD_RUNDIR="$T" >"$T/o" 2>&1 ||
	fail "make install PREFIX=/usr/local failed" "$T/o"
expect_grep "boot: systemctl daemon-reload && systemctl enable --now cmappserver" "$T/o"
expected | sed '\| /usr/lib/ocf/|!s| /usr/| /usr/local/|' | sort -k2 >"$T/want"
installed "$L" >"$T/got"
diff "$T/want" "$T/got" >"$T/diff" || fail "PREFIX=/usr/local: files differ (< expected, > installed):" "$T/diff"
mk uninstall PREFIX=/usr/local DESTDIR="$L" >"$T/o" 2>&1 || fail "make uninstall PREFIX=/usr/local failed" "$T/o"
installed "$L" >"$T/got"
printf '600 /etc/cmappmgr.conf\n600 /opt/hp/cmappserver/cmappserver.conf\n' >"$T/want"
diff "$T/want" "$T/got" >"$T/diff" || fail "PREFIX=/usr/local: left after uninstall (< expected, > found):" "$T/diff"
rm -rf "$L"

# --- The unit and the init script are well-formed.
if command -v systemd-analyze >/dev/null; then
	# Not a full verify (no systemd as pid 1 here): any complaint about
	# a line of the unit fails.
	for u in cmappserver cmappserver-stop-all; do
		systemd-analyze verify --man=no "$D/usr/lib/systemd/system/$u.service" >"$T/sa" 2>&1
		if grep -E "$u\.service:[0-9]+:" "$T/sa"; then fail "systemd-analyze complains about $u.service"; fi
	done
fi
sh -n "$D/etc/init.d/cmappserver" || fail "init script: syntax error"
grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$' "$D/usr/lib/systemd/system/cmappserver.service" ||
	fail "the unit has no ExecReload"
grep -q '^### BEGIN INIT INFO' "$D/etc/init.d/cmappserver" || fail "init script: no LSB header"

# --- Keys made by the installed script, distributed as the manual says.
"$APP/cmapp_mkkeys" -o "$T/keys" localhost >"$T/mkkeys.log" 2>&1 || fail "cmapp_mkkeys failed" "$T/mkkeys.log"
for f in host/client.private localhost/server.private; do
	expect_eq "$(stat -c %a "$T/keys/$f")" 600 "mode of $f"
done
for f in host/client.public host/server_localhost.public localhost/client.public; do
	expect_eq "$(stat -c %a "$T/keys/$f")" 644 "mode of $f"
done
mkdir -p "$HOSTKEYS"
cp -p "$T/keys/host/client.private" "$T/keys/host/client.public" "$T/keys/host/server_localhost.public" "$HOSTKEYS/"
cp -p "$T/keys/localhost/server.private" "$T/keys/localhost/client.public" "$APP/"
expect_eq "$(stat -c %a "$APP/server.private")" 600 "mode of the guest's key once copied"

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
BIN=$APP SERVER_CONF=$APP/cmappserver.conf expect "cmappserver starts" start_server
MGR=$D/usr/sbin/cmappmgr
m() { "$MGR" -node localhost -port "$1" -conf "$D/etc/cmappmgr.conf" -cmappserver_timeout 10 "${@:2}"; }
m "$PORT" -service /bin/sh -c 'echo installed; exit 5' >"$T/o" 2>"$T/e"
expect_eq $? 5 "exit code through the installed binaries" "$T/e"
expect_grep '^localhost sh\[[0-9]*\]: installed$' "$T/o"
m "$PORT" -list -all >"$T/l" 2>"$T/e" || fail "installed cmappmgr -list -all failed" "$T/e"
expect_grep "delivered  *exit 5, .*/bin/sh -c 'echo installed; exit 5'$" "$T/l"
"$MGR" -version | grep -q "^cmappmgr " || fail "installed cmappmgr -version"
"$APP/cmappserver" -version | grep -q "^cmappserver " || fail "installed cmappserver -version"
stop_server

# --- The SysV init script drives the installed daemon.
P2=$(free_port)
export CMAPPSERVER_DAEMON=$APP/cmappserver CMAPPSERVER_PIDFILE=$T/init.pid
# -logfile: detached on a machine without syslog, it would log to this
# machine's /var/log/cmappserver.log.
export CMAPPSERVER_OPTS="-conf $APP/cmappserver.conf -listen 127.0.0.1 -port $P2 -rundir $T/run2 -logfile $T/init.log"
INIT=$D/etc/init.d/cmappserver
$INIT status >"$T/i" 2>&1; expect_eq $? 3 "status before start" "$T/i"
$INIT start >"$T/i" 2>&1 || fail "init start" "$T/i"
wait_for 5 listening "$P2" || fail "daemon started by the init script does not listen"
pid1=$(cat "$T/init.pid")
$INIT status >"$T/i" 2>&1; expect_eq $? 0 "status when running" "$T/i"
$INIT start >"$T/i" 2>&1; expect_eq $? 0 "start when running"
expect_grep "already running (pid $pid1)" "$T/i"
# A service that outlives a restart: it runs under the installed cmapp-shim.
cmd=$(app r 6)
m "$P2" -service $cmd >"$T/ro" 2>"$T/re" & mr=$!
wait_for 5 grep -q started "$T/re" || fail "service through the init-started daemon"
pgrep -f "^$APP/cmapp-shim $T/run2 " >/dev/null || fail "the service does not run under the installed cmapp-shim"
$INIT restart >"$T/i" 2>&1 || fail "init restart" "$T/i"
wait_for 5 listening "$P2" || fail "no daemon after restart"
pid2=$(cat "$T/init.pid")
[ "$pid1" != "$pid2" ] || fail "restart kept pid $pid1"
m "$P2" -list >"$T/l2" 2>&1
expect_grep "running .*$cmd\$" "$T/l2"
# reload: SIGHUP to the daemon, which goes on with the same pid and
# sessions (tests/e2e/64_sighup_reload.sh checks what it re-reads).
$INIT reload >"$T/i" 2>&1 || fail "init reload" "$T/i"
expect_grep "reload requested (pid $pid2)" "$T/i"
sleep 0.2
kill -0 "$pid2" 2>/dev/null || fail "the daemon ended on reload"
m "$P2" -list >"$T/l2" 2>&1
expect_grep "running .*$cmd\$" "$T/l2"
go r
wait $mr; expect_eq $? 6 "exit code of a service across an init restart" "$T/re"
# stop-all: the applications end (SIGTERM), then the daemon stops.
cmd=$(app s 0)
m "$P2" -service $cmd >/dev/null 2>"$T/se" & ms=$!
wait_for 5 grep -q started "$T/se" || fail "service s not started"
spid=$(m "$P2" -list 2>/dev/null | awk -v c="$cmd" 'index($0, c) { print $1 }')
[ -n "$spid" ] && kill -0 "$spid" || fail "no pid for service s"
$INIT stop-all >"$T/i" 2>&1 || fail "init stop-all" "$T/i"
expect_grep "^cmappserver: stopped (its applications were stopped first)$" "$T/i"
kill -0 "$spid" 2>/dev/null && fail "service s (pid $spid) survived stop-all"
kill "$ms" 2>/dev/null; wait "$ms" 2>/dev/null
# A halt or reboot: init's "stop" at runlevel 0 stops the applications
# too, where a plain stop leaves them running.
$INIT start >"$T/i" 2>&1 || fail "init start after stop-all" "$T/i"
wait_for 5 listening "$P2" || fail "daemon did not come back"
pid2=$(cat "$T/init.pid")
cmd=$(app h 0)
m "$P2" -service $cmd >/dev/null 2>"$T/he" & mh=$!
wait_for 5 grep -q started "$T/he" || fail "service h not started"
hpid=$(m "$P2" -list 2>/dev/null | awk -v c="$cmd" 'index($0, c) { print $1 }')
[ -n "$hpid" ] && kill -0 "$hpid" || fail "no pid for service h"
RUNLEVEL=0 $INIT stop >"$T/i" 2>&1 || fail "init stop at runlevel 0" "$T/i"
expect_grep "^cmappserver: stopped (its applications were stopped first, for the halt or reboot)$" "$T/i"
expect_no_grep "keep running" "$T/i" "a stop at runlevel 0"
kill -0 "$hpid" 2>/dev/null && fail "service h (pid $hpid) survived a stop at runlevel 0"
kill "$mh" 2>/dev/null; wait "$mh" 2>/dev/null
kill -0 "$pid2" 2>/dev/null && fail "pid $pid2 still runs after stop"
[ ! -e "$T/init.pid" ] || fail "pid file left after stop"
$INIT status >"$T/i" 2>&1; expect_eq $? 3 "status after stop"
$INIT stop >"$T/i" 2>&1; expect_eq $? 0 "stop when stopped"
$INIT reload >"$T/i" 2>&1; expect_eq $? 7 "reload when stopped"
$INIT bogus >"$T/i" 2>&1; expect_eq $? 2 "unknown action"
# Where systemd runs, the unit does: the script hands an admin's verbs to
# systemctl (a restart here would start a daemon outside the unit).  No
# systemd runs here: in a mount namespace, /run has /run/systemd/system
# and /usr/sbin (first in the script's PATH) a systemctl stub that logs.
mkdir -p "$T/sdbin"
printf '#!/bin/sh\necho "systemctl $*" >>%s\n' "$T/sd.log" >"$T/sdbin/systemctl"
chmod +x "$T/sdbin/systemctl"
for v in restart status stop-all; do
	: >"$T/sd.log"
	unshare -m sh -c 'mount -t tmpfs cmapp-test /run && mkdir -p /run/systemd/system &&
		mount --bind "$0" /usr/sbin && exec "$@"' "$T/sdbin" $INIT $v >"$T/i" 2>&1
	expect_eq $? 0 "init $v where systemd runs" "$T/i" "$T/sd.log"
	case $v in
	stop-all) expect_grep "^systemctl stop cmappserver.service$" "$T/sd.log"
		  expect_grep "^cmappserver: its applications were stopped; systemctl stop cmappserver.service$" "$T/i" ;;
	*)	  expect_grep "^systemctl $v cmappserver.service$" "$T/sd.log"
		  expect_grep "^cmappserver: the unit cmappserver.service runs it here: systemctl $v cmappserver.service$" "$T/i" ;;
	esac
done
unset CMAPPSERVER_DAEMON CMAPPSERVER_PIDFILE CMAPPSERVER_OPTS

# --- Uninstall: the confs, the keys and an admin's own probe stay,
# everything else goes; the boot links an admin made are named, with the
# command that removes them.
cp "$B/plugins/disk.so" "$APP/plugins/site.so"
mkdir -p "$D/etc/systemd/system/multi-user.target.wants" "$D/etc/rc2.d"
ln -s /usr/lib/systemd/system/cmappserver.service "$D/etc/systemd/system/multi-user.target.wants/"
ln -s ../init.d/cmappserver "$D/etc/rc2.d/S01cmappserver"
mk uninstall DESTDIR="$D" >"$T/uninstall.log" 2>&1 || fail "make uninstall failed" "$T/uninstall.log"
expect_grep "^uninstall: boot links left that point nowhere now: rm -f $D/etc/" "$T/uninstall.log"
for l in etc/systemd/system/multi-user.target.wants/cmappserver.service etc/rc2.d/S01cmappserver; do
	expect_grep "^uninstall: boot links left .* $D/$l\( \|$\)" "$T/uninstall.log"
done
cat >"$T/want" <<EOF
/etc/cmappmgr.conf
/etc/cmcluster/cmappmgr/client.private
/etc/cmcluster/cmappmgr/client.public
/etc/cmcluster/cmappmgr/server_localhost.public
/etc/rc2.d/S01cmappserver
/etc/systemd/system/multi-user.target.wants/cmappserver.service
/opt/hp/cmappserver/client.public
/opt/hp/cmappserver/cmappserver.conf
/opt/hp/cmappserver/plugins/site.so
/opt/hp/cmappserver/server.private
EOF
(cd "$D" && find . \( -type f -o -type l \) -printf '/%P\n') | sort >"$T/got"
diff "$T/want" "$T/got" >"$T/diff" || fail "left after uninstall (< expected, > found):" "$T/diff"
cmp -s "$T/mgr.conf" "$D/etc/cmappmgr.conf" || fail "uninstall changed /etc/cmappmgr.conf"
cmp -s "$T/srv.conf" "$APP/cmappserver.conf" || fail "uninstall changed cmappserver.conf"
expect_eq "$(stat -c %a "$APP/server.private")" 600 "mode of the guest's key after uninstall"
cmp -s "$B/plugins/disk.so" "$APP/plugins/site.so" || fail "uninstall changed plugins/site.so"
exit 0
