# SPDX-License-Identifier: ISC
# Certificates that expire: keytool's default validity is 90 days, and when
# the shared client certificate expires every cmappmgr of the cluster fails
# at once.  Both sides say so ahead: a certificate of their keyStore or
# trustStore that expires within 30 days is warned about at start-up (on
# stderr and in syslog), one that has expired is an error; both keep
# running.  cmappmgr -list shows when the guest's certificate expires.
# cost: 1
syslog_capture
trap 'syslog_stop; end_test' EXIT

K=$T/keys
# The usual client pair (400 days), a guest pair of 10 days.
mkdir -p "$K/host"
cp "$KEYS/host/client.private" "$KEYS/host/client.public" "$K/host/"
"$TOP/certs/mkkeys.sh" -in_place -o "$K" -days 10 localhost >/dev/null || fail "mkkeys.sh -days 10"

# expired CN FILE: a self-signed certificate for CN that expired on
# 2025-02-01, appended to FILE (a PEM trustStore).  openssl 3.0's req
# and x509 take no past dates; its ca does.
expired() {
	local d=$T/ca.$1
	mkdir -p "$d" && : >"$d/index.txt" && echo 01 >"$d/serial"
	printf '[ca]\ndefault_ca=d\n[d]\ndatabase=%s/index.txt\nnew_certs_dir=%s\nserial=%s/serial\ndefault_md=sha256\npolicy=p\nunique_subject=no\n[p]\norganizationName=optional\ncommonName=supplied\n' \
		"$d" "$d" "$d" >"$d/ca.cnf"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/key" 2>"$d/err" &&
	openssl req -new -key "$d/key" -subj "/O=cmapp/CN=$1" -out "$d/csr" 2>>"$d/err" &&
	openssl ca -batch -notext -config "$d/ca.cnf" -selfsign -keyfile "$d/key" -in "$d/csr" \
		-startdate 20250101000000Z -enddate 20250201000000Z -out "$d/crt" 2>>"$d/err" ||
		fail "cannot make the expired certificate $1" "$d/err"
	cat "$d/crt" >>"$2"
}
expired old-host "$K/localhost/client.public"
expired old-guest "$K/host/server_localhost.public"

# The guest certificate's last day, as the messages write it.  Days left
# are whole ones: 9, or 10 when checked within the second it was made.
end=$(openssl x509 -enddate -noout -in "$K/host/server_localhost.public" | cut -d= -f2)
day=$(date -u -d "$end" +%F)

echo "--- cmappserver with a guest certificate of 10 days and an expired trusted one"
SERVER_CONF=$K/localhost/cmappserver.conf SERVER_WRAP=$SYSLOG_WRAP expect "cmappserver starts" start_server
soon="the certificate O=cmapp, CN=localhost in keyStore $K/localhost/server.private expires on $day \\(in (9|10) days\\)"
gone="the certificate O=cmapp, CN=old-host in trustStore $K/localhost/client.public has EXPIRED on 2025-02-01 \\([0-9]+ days ago\\)"
grep -Eq "^cmappserver\[$SERVER_PID\]: $soon\$" "$T/server.log" ||
	fail "no warning of the guest certificate on stderr:" "$T/server.log"
grep -Eq "^cmappserver\[$SERVER_PID\]: $gone\$" "$T/server.log" ||
	fail "no error for the expired trusted certificate on stderr:" "$T/server.log"
wait_for 5 grep -Eq "^daemon\.warning cmappserver\[$SERVER_PID\]: $soon\$" "$SYSLOG_OUT" ||
	fail "no syslog warning of the guest certificate:" "$SYSLOG_OUT"
wait_for 5 grep -Eq "^daemon\.err cmappserver\[$SERVER_PID\]: $gone\$" "$SYSLOG_OUT" ||
	fail "no syslog error for the expired trusted certificate:" "$SYSLOG_OUT"
# The valid client certificate is said nothing of.
grep -q "CN=cmappmgr" "$T/server.log" && fail "a valid certificate was warned about" "$T/server.log"

echo "--- cmappmgr with the same keys: warned, and served as before"
MGR_CONF=$K/host/cmappmgr.conf
in_syslog "$BIN/cmappmgr" -node localhost -port "$PORT" -conf "$MGR_CONF" \
	-cmappserver_timeout 10 -service /bin/sh -c 'exit 7' >/dev/null 2>"$T/mgr.err"
expect_eq $? 7 "exit code through keys that expire soon" "$T/mgr.err"
msoon="the certificate O=cmapp, CN=localhost in trustStore $K/host/server_localhost.public expires on $day \\(in (9|10) days\\)"
mgone="the certificate O=cmapp, CN=old-guest in trustStore $K/host/server_localhost.public has EXPIRED on 2025-02-01 \\([0-9]+ days ago\\)"
grep -Eq "^cmappmgr\[[0-9]+\]: $msoon\$" "$T/mgr.err" ||
	fail "cmappmgr did not warn of the guest certificate:" "$T/mgr.err"
grep -Eq "^cmappmgr\[[0-9]+\]: $mgone\$" "$T/mgr.err" ||
	fail "cmappmgr did not report the expired trusted certificate:" "$T/mgr.err"
wait_for 5 grep -Eq "^daemon\.warning cmappmgr\[[0-9]+\]: $msoon\$" "$SYSLOG_OUT" ||
	fail "no syslog warning from cmappmgr:" "$SYSLOG_OUT"
wait_for 5 grep -Eq "^daemon\.err cmappmgr\[[0-9]+\]: $mgone\$" "$SYSLOG_OUT" ||
	fail "no syslog error from cmappmgr:" "$SYSLOG_OUT"

echo "--- cmappmgr -list shows when the guest's certificate expires"
"$BIN/cmappmgr" -node localhost -port "$PORT" -conf "$MGR_CONF" -cmappserver_timeout 5 \
	-list >"$T/list" 2>"$T/list.err"
expect_eq $? 0 "exit code of -list" "$T/list.err"
expect_grep "^guest certificate O=cmapp, CN=localhost, expires $day (in \(9\|10\) days)$" "$T/list"
# The warnings went to stderr, the listing stays clean.
grep -q "EXPIRED\|expires on" "$T/list" && fail "warnings in the listing" "$T/list"
kill -0 "$SERVER_PID" || fail "cmappserver did not keep running"

echo "--- cmappmgr -check: the trustStore's expiry warned of, its own expired certificate a failure"
"$BIN/cmappmgr" -node localhost -conf "$MGR_CONF" -check >"$T/check" 2>"$T/check.err"
expect_eq $? 0 "-check with a trustStore that expires soon" "$T/check.err"
grep -Eq "^cmappmgr: warning: $msoon\$" "$T/check" || fail "-check did not warn of the guest certificate" "$T/check"
grep -Eq "^cmappmgr: warning: $mgone\$" "$T/check" || fail "-check did not warn of the expired trusted certificate" "$T/check"
# A keyStore whose own certificate expired: every start would fail.
cat "$T/ca.old-host/key" "$T/ca.old-host/crt" >"$T/expired.private"
chmod 600 "$T/expired.private"
sed "s|^keyStore=.*|keyStore=$T/expired.private|; s|^keyStorePassword=.*|keyStorePassword=|" "$MGR_CONF" >"$T/expired.conf"
"$BIN/cmappmgr" -node localhost -conf "$T/expired.conf" -check >"$T/check2" 2>"$T/check2.err"
expect_eq $? 1 "-check with an expired keyStore certificate" "$T/check2.err"
grep -Eq "^cmappmgr: the certificate O=cmapp, CN=old-host in keyStore $T/expired.private has EXPIRED on 2025-02-01 \\([0-9]+ days ago\\)\$" "$T/check2.err" ||
	fail "-check did not name the expired keyStore certificate" "$T/check2.err"
# One not valid yet (a host clock behind the CA's): refused too.
d=$T/ca.new-host
mkdir -p "$d" && : >"$d/index.txt" && echo 01 >"$d/serial"
sed "s|$T/ca.old-host|$d|g" "$T/ca.old-host/ca.cnf" >"$d/ca.cnf"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/key" 2>"$d/err" &&
openssl req -new -key "$d/key" -subj "/O=cmapp/CN=new-host" -out "$d/csr" 2>>"$d/err" &&
openssl ca -batch -notext -config "$d/ca.cnf" -selfsign -keyfile "$d/key" -in "$d/csr" \
	-startdate 20991231000000Z -enddate 21000131000000Z -out "$d/crt" 2>>"$d/err" ||
	fail "cannot make the future certificate" "$d/err"
cat "$d/key" "$d/crt" >"$T/future.private"
chmod 600 "$T/future.private"
sed "s|$T/expired.private|$T/future.private|" "$T/expired.conf" >"$T/future.conf"
"$BIN/cmappmgr" -node localhost -conf "$T/future.conf" -check >"$T/check3" 2>"$T/check3.err"
expect_eq $? 1 "-check with a keyStore certificate not valid yet" "$T/check3.err"
expect_grep "^cmappmgr: the certificate of keyStore $T/future.private is not valid before 2099-12-31 (is this host's clock right?)\$" "$T/check3.err"
