#!/bin/sh
# deps.sh: installs the Debian packages that "make bench" compares cmapp with,
# if missing: the NRPE daemon and check_nrpe, the OpenSSH server and client.
# Non-interactive; no service is enabled or started by the benchmark's doing
# (it runs private instances of its own, see bench/run.sh).
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
echo "bench/deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq </dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold \
	$missing </dev/null >/dev/null
