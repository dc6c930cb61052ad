#!/bin/sh
# SPDX-License-Identifier: ISC
# deps.sh: installs the Debian packages that cmapp needs and that are missing,
# so that a fresh Debian 12 machine needs nothing by hand.  Called by make;
# "deps.sh test" also installs what the test suites need, Pacemaker among
# them (tests/e2e/70_pacemaker.sh runs a one-node cluster of its own) and
# the package tools (90_packages.sh); "deps.sh pkg" what make deb and make
# rpm need (debhelper, lintian, Debian's rpm, fakeroot).
set -eu

# libc6-dev: gcc installed without its recommends has no libc headers.
need="pkg-config libc6-dev libssl-dev libuv1-dev libinih-dev openssl iproute2 procps"
pkg="debhelper dpkg-dev fakeroot lintian rpm"
case ${1:-} in
test)	need="$need libcriterion-dev groff-base valgrind clang libclang-rt-14-dev testssl.sh libfuse3-dev fuse3 util-linux python3"
	need="$need pacemaker corosync resource-agents pacemaker-cli-utils $pkg" ;;
pkg)	need="$need $pkg" ;;
esac

missing=""
for p in $need; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
command -v cc >/dev/null 2>&1 || missing="$missing gcc"
command -v make >/dev/null 2>&1 || missing="$missing make"
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing Debian packages:$missing" >&2
	echo "deps.sh: run as root, or: sudo apt-get install$missing" >&2
	exit 1
fi
echo "deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# Daemons such as corosync and pacemaker must not start on install: the
# tests start their own and a running one would hold their ports and
# files.  A policy-rc.d that refuses every start (101) does that; one put
# here only for the install goes again after it, an existing one stays.
policy=/usr/sbin/policy-rc.d
ours=
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\n# deps.sh: no daemon starts during the install\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	ours=1
	trap 'rm -f "$policy"' EXIT
fi
apt-get update -qq </dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing </dev/null
[ -z "$ours" ] || { rm -f "$policy"; trap - EXIT; }
