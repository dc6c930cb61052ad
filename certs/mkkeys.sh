#!/bin/sh
# SPDX-License-Identifier: ISC
# mkkeys.sh: makes the manual's key set with the openssl command line instead
# of Java's keytool (chapter 5, "Key generation on the VM Host / VM guest").
#
#   certs/mkkeys.sh [-o DIR] [-days N] [-pkcs12] [-host_dir HDIR]
#                   [-guest_dir GDIR | -in_place] GUEST...
#
# DIR/host/   client.private   cmappmgr's keyStore (password clientpw)
#             client.public    its certificate: copy it to every guest
#             server_GUEST.public  each guest's certificate
#             cmappmgr.conf    keyStore and one GUEST-pinned trustStore each
# DIR/GUEST/  server.private   cmappserver's keyStore (password serverpw)
#             client.public    the host's certificate
#             cmappserver.conf
# The confs name the files where they go: on the hosts HDIR (default
# /etc/cmcluster/cmappmgr, the manual's), in the guests GDIR (default
# /opt/hp/cmappserver); -in_place names them where they were made, for
# trying them on this machine.  The copy commands are printed at the end.
# The client pair is made once and reused, as the manual shares one
# client.public among all hosts; so is each guest's pair, so that a run
# that adds a guest leaves the others' keys as every host pins them.  A
# pair whose certificate expires within 30 days (when both sides start
# warning) is made anew, as is one whose private file was removed.  Keys
# are ECDSA P-256; -pkcs12 writes the keyStores as PKCS#12, which keytool
# can read too.
# The confs are written 0600: a key password set there later stays the
# owner's, also in the copies that cp -p makes.
set -eu
# Installed as cmapp_mkkeys: messages use the name it was run by.
me=${0##*/}
# make fills in the version of common/version.h (build/cmapp_mkkeys, the
# installed copy); run from the tree, the script reads that file.
version='@CMAPP_VERSION@'
case $version in
@*)	version=$(sed -n 's/^#define[[:space:]]*CMAPP_VERSION[[:space:]]*"\([^"]*\)".*/\1/p' \
	    "$(dirname "$0")/../common/version.h" 2>/dev/null)
	version=${version:-unknown} ;;
esac

usage() {
	echo "usage: $me [-o DIR] [-days N] [-pkcs12] [-host_dir HDIR] [-guest_dir GDIR | -in_place] GUEST..." >&2
	exit 1
}

out=.
days=400
pkcs12=0
hdir=/etc/cmcluster/cmappmgr
gdir=/opt/hp/cmappserver
in_place=0
while [ $# -gt 0 ]; do
	case $1 in
	-o) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
	-days) [ $# -ge 2 ] || usage; days=$2; shift 2 ;;
	-pkcs12) pkcs12=1; shift ;;
	-host_dir) [ $# -ge 2 ] || usage; hdir=$2; shift 2 ;;
	-guest_dir) [ $# -ge 2 ] || usage; gdir=$2; shift 2 ;;
	-in_place) in_place=1; shift ;;
	-h|-help|--help)
		sed -n '2,/^set -eu/p' "$0" | sed -e '/^set -eu/d' -e 's/^# \{0,1\}//' \
			-e "s|certs/mkkeys\.sh|$me|" -e "s|^mkkeys\.sh|$me|"
		exit 0 ;;
	-version|--version) echo "$me $version (cmapp)"; exit 0 ;;
	-*) echo "$me: unknown option $1" >&2; usage ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || usage
case $days in ''|*[!0-9]*) echo "$me: -days needs a number" >&2; exit 1 ;; esac
for g in "$@"; do
	case $g in
	''|*/*|*:*|.*|*[!A-Za-z0-9._-]*)
		echo "$me: '$g' is not a host name" >&2; exit 1 ;;
	esac
done
for d in "$hdir" "$gdir"; do
	case $d in
	/*) ;;
	*) echo "$me: '$d' is not an absolute path" >&2; exit 1 ;;
	esac
done
hdir=${hdir%/}; gdir=${gdir%/}
command -v openssl >/dev/null || { echo "$me: openssl not found" >&2; exit 1; }

umask 077
mkdir -p "$out/host"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# pair CN PASSWORD PRIVATE PUBLIC: a self-signed key pair, the private file
# holding the key (encrypted with PASSWORD) and its certificate.
pair() {
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		-nodes -keyout "$tmp/key" -out "$tmp/crt" -days "$days" \
		-subj "/O=cmapp/CN=$1" 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
	if [ "$pkcs12" = 1 ]; then
		openssl pkcs12 -export -inkey "$tmp/key" -in "$tmp/crt" \
			-name "$1" -passout "pass:$2" -out "$3"
	else
		openssl pkcs8 -topk8 -v2 aes-256-cbc -in "$tmp/key" \
			-passout "pass:$2" >"$3"
		cat "$tmp/crt" >>"$3"
	fi
	cp "$tmp/crt" "$4"
	chmod 600 "$3"
	chmod 644 "$4"
	rm -f "$tmp/key" "$tmp/crt"
}

# keep PRIVATE PUBLIC: the pair is there and its certificate good for 30
# days more (saying so), else 1 (saying why, if it was there).
keep() {
	[ -s "$1" ] && [ -s "$2" ] || return 1
	# One that openssl cannot read (a keytool trustStore) is kept as is.
	if ! openssl x509 -noout -in "$2" >/dev/null 2>&1; then
		echo "reusing $1 ($2 is no PEM certificate: its expiry not checked)"
		return 0
	fi
	if ! openssl x509 -noout -checkend $((30 * 86400)) -in "$2" >/dev/null 2>&1; then
		echo "renewing $1: its certificate expires within 30 days"
		return 1
	fi
	echo "reusing $1 (remove it for a new pair)"
}

renewed=
keep "$out/host/client.private" "$out/host/client.public" || {
	pair cmappmgr clientpw "$out/host/client.private" "$out/host/client.public"
	renewed=1
}

for g in "$@"; do
	mkdir -p "$out/$g"
	keep "$out/$g/server.private" "$out/host/server_$g.public" ||
		pair "$g" serverpw "$out/$g/server.private" "$out/host/server_$g.public"
	cp "$out/host/client.public" "$out/$g/client.public"
	cp "$out/host/server_$g.public" "$out/$g/server.public"
	chmod 644 "$out/$g/client.public" "$out/$g/server.public"
	d=$gdir
	how="Install: copy server.private and client.public to $d/ in the
# guest, this file to /opt/hp/cmappserver/cmappserver.conf."
	if [ "$in_place" = 1 ]; then
		d=$out/$g
		how="It names the files where they were made (-in_place)."
	fi
	cat >"$out/$g/cmappserver.conf" <<EOF
# cmappserver.conf for guest $g, made by $me.
# $how
keyStore=$d/server.private
# If unspecified, the default value is serverpw
keyStorePassword=
trustStore=$d/client.public
# If unspecified, the default value is public
trustStorePassword=
EOF
	chmod 600 "$out/$g/cmappserver.conf"
done

# A new client pair: every guest made before, named today or not, must
# trust its certificate, or refuse the hosts from then on.
others=
if [ -n "$renewed" ]; then
	for f in "$out"/host/server_*.public; do
		[ -e "$f" ] || continue
		g=${f##*/server_}; g=${g%.public}
		case " $* " in *" $g "*) continue ;; esac
		[ -d "$out/$g" ] || continue
		cp "$out/host/client.public" "$out/$g/client.public"
		others="$others $g"
	done
fi

d=$hdir; [ "$in_place" = 1 ] && d=$out/host
{
	echo "# cmappmgr.conf made by $me; install as /etc/cmappmgr.conf, the"
	echo "# key files in $d/."
	echo "keyStore=$d/client.private"
	echo "# If unspecified, the default value is clientpw"
	echo "keyStorePassword="
	for f in "$out"/host/server_*.public; do
		g=${f##*/server_}; g=${g%.public}
		echo "# Specify node name where the trustStore comes from, followed by a \":\""
		echo "$g:"
		echo "trustStore=$d/server_$g.public"
		echo "trustStorePassword=public"
	done
} >"$out/host/cmappmgr.conf"
chmod 600 "$out/host/cmappmgr.conf"

if [ "$in_place" = 1 ]; then
	echo "in place: cmappmgr -conf $out/host/cmappmgr.conf;" \
	    "cmappserver -conf $out/GUEST/cmappserver.conf"
	exit 0
fi
# The exact commands, for an admin to paste: the host's files (every
# guest's certificate so far, not only today's), then each guest's.
pub=
for f in "$out"/host/server_*.public; do pub="$pub $f"; done
echo "On every VM host (cmappmgr), as root:"
echo "  install -d -m 700 $hdir"
echo "  cp -p $out/host/client.private $out/host/client.public$pub $hdir/"
echo "  cp -p $out/host/cmappmgr.conf /etc/cmappmgr.conf"
for g in "$@"; do
	echo "In the VM guest $g (cmappserver), from here:"
	if [ "$gdir" != /opt/hp/cmappserver ]; then
		echo "  ssh root@$g install -d -m 700 $gdir"
	fi
	echo "  scp -p $out/$g/server.private $out/$g/client.public root@$g:$gdir/"
	echo "  scp -p $out/$g/cmappserver.conf root@$g:/opt/hp/cmappserver/cmappserver.conf"
done
for g in $others; do
	echo "In the VM guest $g (the hosts' certificate is new), from here:"
	echo "  scp -p $out/$g/client.public root@$g:$gdir/"
done
