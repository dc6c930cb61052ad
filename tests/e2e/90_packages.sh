# SPDX-License-Identifier: ISC
# The packages on this machine, as an admin uses them: make deb and make rpm
# in a clean copy of the tree (.ci/srccopy.sh: no build directory), lintian
# clean (make deb fails otherwise); the RPMs hold the debs' files.  Then,
# installed for real with dpkg -i: the key set made by the installed
# cmapp_mkkeys, cmappserver started by cmapp-guest's postinst, the demo
# (an application's exit code through the installed binaries, on the
# default port 5315 and confs); an upgrade to the same files with a higher
# version ("+test1", the debs repacked: another build would cost CPU and
# test no more of make deb) while a service runs:
# cmappserver restarted by the postinst, the service's pid unchanged, its
# manager re-attached and given its exit code; a removal that stops
# cmappserver and not an application; a purge that removes the confs and
# boot links, keeps the key files and says so; nothing of the packages
# left.  Last, an install without keys: it succeeds and says why
# cmappserver does not run.
#
# Needs root; installs cmapp-host and cmapp-guest on this machine and
# leaves them purged, its keys and files removed (its EXIT trap, also on
# failure).  No systemd as pid 1 here: the SysV path of the maintainer
# scripts (update-rc.d, invoke-rc.d, /etc/init.d/cmappserver) is the one
# tested for real; on the systemd one, which is debhelper's, the
# postinst's own hint is tested with stubs of systemd's commands.  invoke-rc.d acts only in a
# known runlevel, or where policy-rc.d allows it: dpkg runs in a mount
# namespace of its own where policy-rc.d allows cmappserver alone (a
# container's denies every start, and runlevel says "unknown"), or, with
# no policy-rc.d, where runlevel says 2, as on a booted SysV guest.
# cost: 45 heavy untimed
# limit: 900
[ "$(id -u)" = 0 ] || { echo "needs root: installs packages with dpkg"; exit 77; }
APP=/opt/hp/cmappserver
HK=/etc/cmcluster/cmappmgr
S=$T/src
V=$(sed -n 's/^#define[[:space:]]*CMAPP_VERSION[[:space:]]*"\([^"]*\)".*/\1/p' "$TOP/common/version.h")
[ -n "$V" ] || fail "no CMAPP_VERSION in common/version.h"

mk() {
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make --no-print-directory -C "$S" NPROC=2 "$@"
}

# One run of this test at a time on a machine (other worktrees too), and
# not beside 40_install's init script, which would read the package's
# /etc/default/cmappserver: a lock on /opt, where the packages install.
exec 9</opt
flock -w 600 9 || fail "another run of the packages test holds /opt's lock"
for p in cmapp-host cmapp-guest; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	case $st in ''|*not-installed) ;; *) echo "$p is on this machine ($st): not touching it"; exit 77 ;; esac
done
for f in "$APP" "$HK" /etc/default/cmappserver /run/cmappserver; do
	[ ! -e "$f" ] || { echo "$f exists: not an install this test may make and purge"; exit 77; }
done
listening 5315 && { echo "port 5315 in use: cmapp-guest's cmappserver needs it"; exit 77; }
made_cmcluster=; [ -e /etc/cmcluster ] || made_cmcluster=1
made_opthp=; [ -e /opt/hp ] || made_opthp=1

# pkgdo COMMAND...: COMMAND (dpkg) in a mount namespace where policy-rc.d
# allows cmappserver alone, or runlevel says 2 (see the top); what it
# starts stays in that namespace.  runlevel only where it is a program of
# its own: a link to systemctl would be bound over systemctl itself.
cat >"$T/runlevel" <<'EOF'
#!/bin/sh
echo N 2
EOF
cat >"$T/policy-rc.d" <<'EOF'
#!/bin/sh
for a; do [ "$a" = cmappserver ] && exit 0; done
exit 101
EOF
chmod 755 "$T/runlevel" "$T/policy-rc.d"
pkgdo() {
	unshare -m --propagation private sh -c '
		t=$1; shift
		if [ -e /usr/sbin/policy-rc.d ]; then
			mount --bind "$t/policy-rc.d" /usr/sbin/policy-rc.d || exit 99
		else
			mount --bind "$t/runlevel" "$(command -v runlevel)" || exit 99
		fi
		exec "$@"' sh "$T" "$@" </dev/null 9<&-
}
if [ ! -e /usr/sbin/policy-rc.d ]; then
	r=$(command -v runlevel) && [ ! -L "$r" ] ||
		{ echo "no policy-rc.d and no runlevel program to stand in for: invoke-rc.d would start nothing"; exit 77; }
fi

# cleanup: whatever this test installed, started or placed goes, whether
# it passed or not: the applications, cmappserver, the packages, the keys.
cleanup() {
	local p
	[ -n "${mgrs:-}" ] && kill $mgrs 2>/dev/null
	[ -x "$APP/cmappserver" ] && timeout 30 "$APP/cmappserver" -stop_all >/dev/null 2>&1
	for p in $(pgrep -f "^$APP/cmapp-shim "); do kill -TERM "$p"; done 2>/dev/null
	# The packages' cmappserver, by its binary's path.
	for p in $(pgrep -x cmappserver); do
		case $(readlink /proc/"$p"/exe) in "$APP/cmappserver"*) kill -TERM "$p" ;; esac
	done 2>/dev/null
	for p in cmapp-guest cmapp-host; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -qv not-installed &&
			pkgdo dpkg --purge "$p" >>"$T/cleanup.log" 2>&1
	done
	rm -f "$APP/server.private" "$APP/client.public" /etc/default/cmappserver
	rmdir "$APP/plugins" "$APP" 2>/dev/null
	[ -n "$made_opthp" ] && rmdir /opt/hp 2>/dev/null
	rm -rf "$HK" /run/cmappserver
	# The tree's copy: its sources name what e2e.sh looks for in $T.
	rm -rf "$S" "$T/b1" "$T/b3" "$T/repack"
	[ -n "$made_cmcluster" ] && rmdir /etc/cmcluster 2>/dev/null
	true
}
trap cleanup EXIT

# --- Build: make deb and make rpm in a copy of the tree as a fresh clone
# has it; the debs repacked with a higher version for the upgrade.
"$TOP/.ci/srccopy.sh" "$S" || fail "cannot copy the tree"
[ ! -e "$S/build" ] || fail "the copy has a build directory"
mk deb BUILD="$T/b1" >"$T/deb1.log" 2>&1 || fail "make deb failed" "$T/deb1.log"
grep -q '^lintian ' "$T/deb1.log" || fail "make deb did not run lintian" "$T/deb1.log"
mkdir "$T/v1" "$T/v2"
mv "$S"/cmapp-host_*.deb "$S"/cmapp-guest_*.deb "$T/v1/"
for p in host guest; do
	expect_eq "$(dpkg-deb -f "$T/v1/cmapp-${p}_$V-1_"*.deb Version)" "$V-1" "version of cmapp-$p"
done
expect_eq "$(dpkg-deb -f "$T/v1/cmapp-guest_"*.deb Depends | grep -c libuv1)" 1 \
	"cmapp-guest's computed dependencies name libuv1"
mk rpm BUILD="$T/b1" >"$T/rpm.log" 2>&1 || fail "make rpm failed" "$T/rpm.log"
for d in "$T/v1"/*.deb; do
	rm -rf "$T/repack"
	dpkg-deb -R "$d" "$T/repack" || fail "cannot unpack $d"
	sed -i "s/^Version: $V-1\$/Version: $V-1+test1/" "$T/repack/DEBIAN/control"
	dpkg-deb -b "$T/repack" "$T/v2/" >/dev/null || fail "cannot repack $d"
done
rm -rf "$T/repack"
dpkg --compare-versions "$(dpkg-deb -f "$T/v2/cmapp-guest_"*.deb Version)" gt "$V-1" ||
	fail "the repacked debs' version is not higher"
# A changelog that says another version than common/version.h fails.
sed -i "1s/($V-1)/($V.99-1)/" "$S/debian/changelog"
mk deb BUILD="$T/b3" >"$T/deb3.log" 2>&1 && fail "make deb built a version that is not common/version.h's"
expect_grep "debian/changelog says $V.99, common/version.h says $V" "$T/deb3.log"
rm -rf "$T/b1" "$T/b3"
echo "figures: the builds (make deb, make rpm, a failing make deb) took $SECONDS s"

# --- The RPMs hold the debs' files, with the same modes: "MODE PATH" of
# files and links, outside the docs (copyright, changelog, license: each
# format its own), man pages without .gz, /lib/systemd as /usr/lib/systemd
# (the same directory on a merged /usr; bookworm's debhelper wants /lib).
for p in host guest; do
	dpkg-deb -c "$T/v1/cmapp-${p}_"*.deb | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $1, $6 }' |
		grep -v -e ' /usr/share/doc/' -e ' /usr/share/lintian/' |
		sed -e 's|^\([^ ]*\) /lib/systemd/|\1 /usr/lib/systemd/|' -e 's|\.gz$||' | sort -k2 >"$T/deb-$p"
	rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$S/cmapp-$p-$V-1."*.rpm | grep -v '^d' |
		grep -v -e ' /usr/share/doc/' -e ' /usr/share/licenses/' | sed 's|\.gz$||' | sort -k2 >"$T/rpm-$p"
	[ -s "$T/deb-$p" ] || fail "no files in cmapp-$p's deb"
	diff "$T/deb-$p" "$T/rpm-$p" >"$T/diff" || fail "cmapp-$p: the deb's and the RPM's files differ (< deb, > rpm)" "$T/diff"
	rpm -qp --qf '%{VERSION}\n' "$S/cmapp-$p-$V-1."*.rpm >"$T/o"
	expect_eq "$(cat "$T/o")" "$V" "the RPM's version"
done
grep -q ' /usr/lib/ocf/resource.d/cmapp/guestapp$' "$T/deb-host" || fail "cmapp-host has no OCF agent" "$T/deb-host"
grep -q '^-rw------- /opt/hp/cmappserver/cmappserver.conf$' "$T/deb-guest" || fail "cmappserver.conf is not 0600" "$T/deb-guest"
# The debs' systemd path, which no systemd runs here: an upgrade or a
# removal must not stop the stop-all unit, whose stop ends every application.
dpkg-deb -e "$T/v1/cmapp-guest_"*.deb "$T/ctl-guest" || fail "cannot read cmapp-guest's maintainer scripts"
cat "$T/ctl-guest/preinst" "$T/ctl-guest/prerm" >"$T/deb-scripts" 2>/dev/null
expect_grep "cmappserver.service" "$T/deb-scripts" "the deb's maintainer scripts name the units"
expect_no_grep "stop 'cmappserver-stop-all.service'" "$T/deb-scripts" "the deb's upgrade or removal stops the stop-all unit"
rpm -qp --scripts "$S/cmapp-guest-$V-1."*.rpm >"$T/rpm-scripts"
expect_grep 'systemctl try-restart cmappserver.service' "$T/rpm-scripts" "the RPM restarts cmappserver on an upgrade"
expect_no_grep 'disable --now .*cmappserver-stop-all' "$T/rpm-scripts" "the RPM's erase stops the stop-all unit"

# --- Install cmapp-host; make the key set with its cmapp_mkkeys and put
# it where the manual says; then cmapp-guest, whose postinst starts
# cmappserver.
# Said on a "figures:" line, which e2e.sh shows for a test that passed.
if [ -d /run/systemd/system ]; then
	echo "figures: systemd runs here: the maintainer scripts' systemd path is tested (deb-systemd-invoke)"
else
	echo "figures: no systemd as pid 1 here: the maintainer scripts' SysV path is tested (update-rc.d, invoke-rc.d)"
fi
pkgdo dpkg -i "$T/v1/cmapp-host_"*.deb >"$T/i1.log" 2>&1 || fail "dpkg -i cmapp-host failed" "$T/i1.log"
"$APP/cmapp_mkkeys" -o "$T/keys" localhost >"$T/o" 2>&1 || fail "the installed cmapp_mkkeys failed" "$T/o"
mkdir -p "$HK"
cp -p "$T/keys/host/client.private" "$T/keys/host/client.public" "$T/keys/host/server_localhost.public" "$HK/"
cp -p "$T/keys/localhost/server.private" "$T/keys/localhost/client.public" "$APP/"
# The admin's edit of the conffile: the guest "localhost".
sed -i 's/mmpf121/localhost/g' /etc/cmappmgr.conf
# Loopback only, not every address of this machine.
echo 'CMAPPSERVER_OPTS="-listen 127.0.0.1"' >/etc/default/cmappserver
pkgdo dpkg -i "$T/v1/cmapp-guest_"*.deb >"$T/i2.log" 2>&1 || fail "dpkg -i cmapp-guest failed" "$T/i2.log"
expect_grep "cmappserver: started (pid [0-9]*)" "$T/i2.log" "the postinst's start"
expect_wait 10 "cmappserver on port 5315 after the install" listening 5315
pid1=$(cat /run/cmappserver.pid)
expect_eq "$(cat /proc/"$pid1"/comm)" cmappserver "the pid file's process"
ls /etc/rc2.d/S[0-9][0-9]cmappserver /etc/rc0.d/K[0-9][0-9]cmappserver >/dev/null 2>&1 ||
	fail "update-rc.d made no boot links"
for u in cmappserver cmappserver-stop-all; do
	[ -L /etc/systemd/system/multi-user.target.wants/$u.service ] || fail "$u.service is not enabled"
done
expect_eq "$(stat -c %a /etc/cmappmgr.conf) $(stat -c %a $APP/cmappserver.conf)" "600 600" "modes of the confs"

# --- The demo, through the installed binaries and confs, port 5315.
M="/usr/sbin/cmappmgr -node localhost -cmappserver_timeout 30"
m() { $M "$@"; }
m -service /bin/sh -c 'echo "sample app: working"; echo "sample app: giving up" >&2; exit 3' >"$T/demo.out" 2>"$T/demo.err"
expect_eq $? 3 "the demo's exit code" "$T/demo.err"
expect_grep '^localhost sh\[[0-9]*\]: sample app: working$' "$T/demo.out"
m -list -all >"$T/l" 2>"$T/e" || fail "cmappmgr -list failed" "$T/e"
expect_grep "delivered  *exit 3, " "$T/l"

# --- Upgrade while a service runs: the postinst restarts cmappserver, the
# service goes on with the same pid, its manager re-attaches.
cmd=$(app u 7)
$M -service $cmd >"$T/uo" 2>"$T/ue" & mu=$!
mgrs=$mu
expect_wait 5 "service u started" grep -q started "$T/ue"
spid=$(m -list 2>/dev/null | awk -v c="$cmd" 'index($0, c) { print $1 }')
[ -n "$spid" ] && kill -0 "$spid" || fail "no pid for service u"
pkgdo dpkg -i "$T/v2/cmapp-host_"*.deb "$T/v2/cmapp-guest_"*.deb >"$T/up.log" 2>&1 ||
	fail "dpkg -i of the second build failed" "$T/up.log"
expect_eq "$(dpkg-query -W -f='${Version}' cmapp-guest)" "$V-1+test1" "cmapp-guest's version after the upgrade"
expect_grep "cmappserver: stopped (its applications keep running)" "$T/up.log" "the postinst's restart"
expect_wait 10 "cmappserver on port 5315 after the upgrade" listening 5315
pid2=$(cat /run/cmappserver.pid)
[ "$pid2" != "$pid1" ] && [ "$(cat /proc/"$pid2"/comm)" = cmappserver ] || fail "cmappserver was not restarted (pid $pid1, now $pid2)"
kill -0 "$pid1" 2>/dev/null && fail "the old cmappserver (pid $pid1) still runs"
expect_no_grep '(deleted)' <(readlink "/proc/$pid2/exe") "the restarted cmappserver's binary"
kill -0 "$spid" 2>/dev/null || fail "service u (pid $spid) did not survive the upgrade"
m -list >"$T/l" 2>&1
grep -q "^ *$spid .*running .*$cmd\$" "$T/l" || fail "service u is not running with pid $spid after the upgrade" "$T/l"
expect_wait 30 "manager re-attached after the upgrade" grep -q "re-attached" "$T/ue"
kill -0 "$mu" 2>/dev/null || fail "the manager of service u ended at the upgrade" "$T/ue"
go u
wait "$mu"; expect_eq $? 7 "service u's exit code to its manager after the upgrade" "$T/ue"
mgrs=
# Its shim goes once the exit is acknowledged.
expect_wait 5 "service u's shim gone" eval '! pgrep -f "^$APP/cmapp-shim .*$T/go\.u " >/dev/null'

# --- Removal: cmappserver stops, a running application does not.
cmd=$(app r 0)
$M -service $cmd >/dev/null 2>"$T/re" & mr=$!
mgrs=$mr
expect_wait 5 "service r started" grep -q started "$T/re"
rpid=$(m -list 2>/dev/null | awk -v c="$cmd" 'index($0, c) { print $1 }')
[ -n "$rpid" ] || fail "no pid for service r"
kill -TERM "$mr"; wait "$mr"; mgrs=
expect_grep "keeps running" "$T/re" "the manager of service r detached"
pkgdo dpkg -r cmapp-guest cmapp-host >"$T/rm.log" 2>&1 || fail "dpkg -r failed" "$T/rm.log"
expect_grep "stopping cmappserver, not the applications it started (1 running under" "$T/rm.log"
kill -0 "$pid2" 2>/dev/null && fail "cmappserver (pid $pid2) runs after the removal"
listening 5315 && fail "port 5315 still listens after the removal"
kill -0 "$rpid" 2>/dev/null || fail "service r (pid $rpid) stopped at the removal"
for p in cmapp-host cmapp-guest; do
	expect_eq "$(dpkg-query -W -f='${Status}' $p)" "deinstall ok config-files" "$p after the removal"
done
[ -f $APP/cmappserver.conf ] && [ -f /etc/cmappmgr.conf ] || fail "the removal took the confs"
# The application ends; its shim, with nobody to deliver its status to,
# is told to go as an admin would.
go r
wait_for 10 eval '! kill -0 $rpid'
for p in $(pgrep -f "^$APP/cmapp-shim "); do kill -TERM "$p"; done
expect_wait 5 "shims gone" eval '! pgrep -f "^$APP/cmapp-shim " >/dev/null'

# --- Purge: the confs and boot links go, the key files stay, and it says so.
pkgdo dpkg --purge cmapp-guest cmapp-host >"$T/purge.log" 2>&1 || fail "dpkg --purge failed" "$T/purge.log"
expect_grep "cmapp-guest: purged the confs; kept the key files: $APP/client.public $APP/server.private" "$T/purge.log"
expect_grep "cmapp-host: purged /etc/cmappmgr.conf; kept the key files: $HK/client.private $HK/client.public $HK/server_localhost.public" "$T/purge.log"
for p in cmapp-host cmapp-guest; do
	st=$(dpkg-query -W -f='${Status}' $p 2>/dev/null)
	case $st in ''|*not-installed) ;; *) fail "$p after the purge: $st" ;; esac
done
# Nothing of the packages: their files, confs, boot links, the units'
# enablement, the run directory and pid file; only the key files.
for p in host guest; do
	dpkg-deb -c "$T/v1/cmapp-${p}_"*.deb | awk '{ sub(/^\./, "", $6); print $6 }'
done | sort -u | while read -r f; do
	f=${f%/}
	case $f in ''|/etc|/etc/init.d|/lib|/lib/systemd|/lib/systemd/system|/opt|/usr|/usr/lib|/usr/lib/ocf|/usr/lib/ocf/resource.d|/usr/sbin|/usr/share|/usr/share/doc|/usr/share/lintian|/usr/share/lintian/overrides|/usr/share/man|/usr/share/man/man[578]) continue ;; esac
	[ "$f" = $APP ] || [ "$f" = /opt/hp ] && continue
	[ -e "$f" ] || [ -L "$f" ] && echo "$f"
done >"$T/left"
{ ls -d /etc/rc?.d/*cmappserver /etc/systemd/system/*/cmappserver*.service \
	/var/lib/systemd/deb-systemd-helper-enabled/*cmappserver* \
	/var/lib/systemd/deb-systemd-helper-enabled/*/*cmappserver* \
	/run/cmappserver /run/cmappserver.pid /var/lib/dpkg/info/cmapp-host.* /var/lib/dpkg/info/cmapp-guest.*
  find $APP -mindepth 1 ! -name server.private ! -name client.public
} >>"$T/left" 2>/dev/null
[ -d /run/cmappserver ] && ls -la /run/cmappserver >>"$T/left"
[ ! -s "$T/left" ] || fail "left after the purge:" "$T/left"
for f in $APP/server.private $APP/client.public $HK/client.private $HK/client.public $HK/server_localhost.public; do
	[ -f "$f" ] || fail "the purge removed the key file $f"
done
expect_eq "$(stat -c %a $APP/server.private)" 600 "mode of the guest's key after the purge"

# --- An install without key files succeeds and says why cmappserver does
# not run; purged again.
rm -f "$APP/server.private" "$APP/client.public"
pkgdo dpkg -i "$T/v1/cmapp-guest_"*.deb >"$T/i3.log" 2>&1 || fail "dpkg -i without keys failed" "$T/i3.log"
expect_grep "cmapp-guest: cmappserver is not running; it needs its key files" "$T/i3.log"
expect_eq "$(dpkg-query -W -f='${Status}' cmapp-guest)" "install ok installed" "cmapp-guest installed without keys"
listening 5315 && fail "something listens on 5315 without keys"

# --- The same postinst where systemd runs: debhelper's snippets start the
# unit with "|| true", so the hint comes from the postinst's own check of
# the enabled unit, with systemd's commands.  No systemd runs here: the
# installed postinst runs in a mount namespace whose /run has
# /run/systemd/system, with systemctl, deb-systemd-helper and
# deb-systemd-invoke stubs first in PATH that log their calls (systemctl
# answers is-enabled and is-active of cmappserver as told, and of the rest
# as a booted systemd: yes), and policy-rc.d as pkgdo sets it.
FAKE=$T/fakesd
mkdir -p "$FAKE"
for c in systemctl deb-systemd-helper deb-systemd-invoke; do
	cat >"$FAKE/$c" <<EOF
#!/bin/sh
echo "$c \$*" >>"$T/fakesd.log"
case "$c \$*" in
*is-enabled*cmappserver.service*) exit \$ENABLED ;;
*is-active*cmappserver.service*) exit \$ACTIVE ;;
esac
exit 0
EOF
	chmod +x "$FAKE/$c"
done
# sd_postinst ENABLED ACTIVE LOG: the postinst's configure of a new install.
sd_postinst() {
	: >"$T/fakesd.log"
	ENABLED=$1 ACTIVE=$2 PATH=$FAKE:$PATH pkgdo sh -c \
		'mount -t tmpfs cmapp-test /run && mkdir -p /run/systemd/system &&
		 exec /var/lib/dpkg/info/cmapp-guest.postinst configure' >"$3" 2>&1
}
sd_postinst 0 3 "$T/sd1.log" || fail "the postinst failed where systemd runs" "$T/sd1.log" "$T/fakesd.log"
expect_grep "deb-systemd-invoke start cmappserver.service" "$T/fakesd.log" "the snippets' start"
expect_grep "^cmapp-guest: cmappserver is not running; it needs its key files /opt/hp/cmappserver/server.private and client.public (cmapp_mkkeys, README \"Make the keys\") and port 5315 free; then: systemctl start cmappserver (journalctl -u cmappserver says why it failed)$" "$T/sd1.log"
expect_eq "$(grep -c . "$T/sd1.log")" 1 "lines of the postinst where systemd runs, the unit enabled and failed" "$T/sd1.log"
# Active, or disabled by the admin: no hint.
sd_postinst 0 0 "$T/sd2.log" || fail "the postinst failed, the unit active" "$T/sd2.log"
expect_no_grep "is not running" "$T/sd2.log" "the unit active"
sd_postinst 1 3 "$T/sd3.log" || fail "the postinst failed, the unit disabled" "$T/sd3.log"
expect_no_grep "is not running" "$T/sd3.log" "the unit disabled"
pkgdo dpkg --purge cmapp-guest >"$T/purge2.log" 2>&1 || fail "second purge failed" "$T/purge2.log"
expect_grep "cmapp-guest: purged the confs; no key files were in $APP" "$T/purge2.log"
[ ! -e $APP ] || fail "$APP left after purging an install without keys" <(ls -la $APP)
echo "figures: the whole test took $SECONDS s"
exit 0
