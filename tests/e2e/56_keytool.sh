# SPDX-License-Identifier: ISC
# 56_keytool.sh: keys made with Java's keytool exactly as the manual's
# chapter 5 makes them (its six commands, plus the -keyalg RSA that modern
# keytool requires, the prompts of -genkey answered on stdin as an admin
# types them), distributed as it says (server.public renamed
# server_GUEST.public), with confs in the manual's format and its
# passwords: a manager and a server shake hands and an exit code comes
# through.
# cost: 4
command -v keytool >/dev/null || { echo "keytool is not installed (Java): not tested"; exit 77; }
H=$T/host G=$T/guest
mkdir -p "$H" "$G"
# answers WHO: the six questions of keytool -genkey, then "yes".
answers() { printf '%s\nIT\nExample\nCity\nState\nUS\nyes\n' "$1"; }

# keygen DIR WHO NAME STOREPASS: the manual's three commands on one side,
# in its key directory DIR (the host: client, the guest: server).
keygen() {
	(
		cd "$1" &&
		answers "$2" | keytool -genkey -alias "$3private" -keystore "$3.private" \
			-storepass "$4" -keypass "$4" -validity 400 -keyalg RSA &&
		keytool -export -alias "$3private" -keystore "$3.private" \
			-file temp.key -storepass "$4" &&
		keytool -import -noprompt -alias "$3public" -keystore \
			"$3.public" -file temp.key -storepass public
	) >"$T/$3.keytool" 2>&1 || fail "keytool for $3 in $1 failed" "$T/$3.keytool"
}
# The plain suite runs keytool each time.  The sanitized ones (SLOW), whose
# code under test is ours, not keytool's, reuse what it made today with
# this file's commands (all.sh's CMAPP_KEYTOOL_CACHE): six JVM starts are
# about 8 s of CPU.
cache=
if [ -n "${CMAPP_KEYTOOL_CACHE:-}" ]; then
	cache=$CMAPP_KEYTOOL_CACHE/e2e56-$( { cat "$0"; date -u +%F; } | sha256sum | cut -c1-16)
fi
if [ "$SLOW" -gt 1 ] && [ -n "$cache" ] && [ -f "$cache/done" ]; then
	cp -p "$cache/host/"* "$H/" && cp -p "$cache/guest/"* "$G/" || fail "cannot copy the keys of $cache"
else
	keygen "$H" "Cluster Admin" client clientpw
	keygen "$G" localhost server serverpw
	if [ -n "$cache" ] && [ ! -f "$cache/done" ] && mkdir -p "$CMAPP_KEYTOOL_CACHE" &&
	    tmp=$(mktemp -d "$CMAPP_KEYTOOL_CACHE/e2e56.XXXXXX"); then
		mkdir "$tmp/host" "$tmp/guest" && cp -p "$H/"* "$tmp/host/" &&
			cp -p "$G/"* "$tmp/guest/" && touch "$tmp/done" && mv -T "$tmp" "$cache" 2>/dev/null ||
			rm -rf "$tmp"
	fi
fi
# Distribution: client.public to the guest, server.public to the host
# under the guest's name.
cp "$H/client.public" "$G/client.public"
cp "$G/server.public" "$H/server_localhost.public"

# The manual's cmappmgr.conf, its paths here: the default keyStorePassword
# (clientpw), the trustStore pinned for the guest.
cat >"$H/cmappmgr.conf" <<EOC
keyStore=$H/client.private
# If unspecified, the default value is /etc/client.private
keyStorePassword=
# If unspecified, the default value is clientpw
trustStore=localhost:$H/server_localhost.public
trustStorePassword=public
EOC
# The manual's cmappserver.conf: passwords left to their defaults
# (serverpw, public).
cat >"$G/cmappserver.conf" <<EOC
keyStore=$G/server.private
keyStorePassword=
# If unspecified, the default value is serverpw
trustStore=$G/client.public
trustStorePassword=
# If unspecified, the default value is public
EOC

SERVER_CONF=$G/cmappserver.conf expect "cmappserver starts" start_server
MGR_CONF=$H/cmappmgr.conf mgr /bin/sh -c 'exit 3' 2>"$T/e"; rc=$?
expect_eq $rc 3 "exit code through keytool's keys" "$T/e"
expect_grep "launched /bin/sh -c 'exit 3' for manager 127.0.0.1" "$T/server.log"
# keytool writes the stores readable by all; the server says so.
expect_grep "keyStore $G/server.private is readable by others" "$T/server.log"
