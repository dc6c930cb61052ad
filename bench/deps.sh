#!/bin/sh
# SPDX-License-Identifier: ISC
# deps.sh: installs the Debian packages that "make bench" compares cmapp with,
# if missing: the NRPE daemon and check_nrpe, the OpenSSH server and client.
# Non-interactive.  The benchmark runs private instances of its own (see
# bench/run.sh), so the install must not start or enable the system's ssh
# on :22 or nrpe on :5666, as it would on a systemd host: a policy-rc.d
# that denies every action keeps the maintainer scripts from starting them
# (any policy-rc.d already there is put back afterwards, also on failure),
# and the boot links the scripts made anyway (debhelper enables a unit and
# runs "update-rc.d NAME defaults" whatever policy-rc.d says) are disabled.
set -eu

need="nagios-nrpe-server nagios-nrpe-plugin openssh-server openssh-client binutils"
missing=""
for p in $need; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "bench/deps.sh: missing Debian packages:$missing" >&2
	echo "bench/deps.sh: run as root, or: sudo apt-get install$missing" >&2
	exit 1
fi

POLICY=/usr/sbin/policy-rc.d
SAVED=$POLICY.cmapp-bench-saved
if [ -e "$SAVED" ] || [ -L "$SAVED" ]; then
	echo "bench/deps.sh: $SAVED exists, left by a run that was killed:" >&2
	echo "bench/deps.sh: move it back to $POLICY (or remove it if there was none), then run again" >&2
	exit 1
fi
# The boot links: systemd's enabled units and SysV's start links.
boot_links() {
	find /etc/systemd/system -path '*.wants/*' -type l 2>/dev/null || true
	find /etc/rc2.d /etc/rc3.d /etc/rc4.d /etc/rc5.d /etc/rcS.d \
		-name 'S*' -type l 2>/dev/null || true
}

# Disables what the install enabled; an admin's earlier links stay.
disable_new() {
	boot_links | sort >"$tmp/after"
	comm -13 "$tmp/before" "$tmp/after" >"$tmp/new"
	while read -r l; do
		n=${l##*/}
		case $l in
		/etc/systemd/system/*)
			systemctl disable --no-reload "$n" >/dev/null 2>&1 || true ;;
		*)
			update-rc.d "${n#S[0-9][0-9]}" disable >/dev/null 2>&1 || true ;;
		esac
		# Whatever the tools did not take away.
		if [ -L "$l" ]; then
			rm -f "$l"
		fi
		echo "bench/deps.sh: disabled ${l##*/} (enabled by the install)"
	done <"$tmp/new"
}

ours=0 saved=0 tmp=
restore() {
	[ -z "$tmp" ] || disable_new
	if [ $ours = 1 ]; then
		rm -f "$POLICY"
		[ $saved = 0 ] || mv -f "$SAVED" "$POLICY"
	fi
	[ -z "$tmp" ] || rm -rf "$tmp"
}
trap restore EXIT
trap 'exit 130' INT TERM HUP
tmp=$(mktemp -d)
boot_links | sort >"$tmp/before"

if [ -e "$POLICY" ] || [ -L "$POLICY" ]; then
	mv "$POLICY" "$SAVED"
	saved=1
fi
ours=1
printf '#!/bin/sh\n# bench/deps.sh: nothing starts while it installs the peers\nexit 101\n' >"$POLICY"
chmod 755 "$POLICY"

echo "bench/deps.sh: installing$missing (no service started or enabled)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq </dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold \
	$missing </dev/null >/dev/null

