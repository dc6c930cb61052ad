# SPDX-License-Identifier: ISC
# cmapp_mkkeys writes confs that name the files where they go, not where
# they were made (issue 15 item 4), and prints the commands that put them
# there: run as printed (into this test's directories), the copies work
# with the key set's directory gone.
# cost: 2
echo "--- by default, the manual's paths"
"$TOP/certs/mkkeys.sh" -o "$T/d" localhost >"$T/out" 2>&1 || fail "mkkeys.sh" "$T/out"
expect_grep '^keyStore=/etc/cmcluster/cmappmgr/client\.private$' "$T/d/host/cmappmgr.conf"
expect_grep '^trustStore=/etc/cmcluster/cmappmgr/server_localhost\.public$' "$T/d/host/cmappmgr.conf"
expect_grep '^keyStore=/opt/hp/cmappserver/server\.private$' "$T/d/localhost/cmappserver.conf"
expect_grep '^trustStore=/opt/hp/cmappserver/client\.public$' "$T/d/localhost/cmappserver.conf"
expect_no_grep "$T" "$T/d/host/cmappmgr.conf" "the host's conf"
expect_grep "^  cp -p $T/d/host/client\.private $T/d/host/client\.public $T/d/host/server_localhost\.public /etc/cmcluster/cmappmgr/$" "$T/out"
expect_grep "^  cp -p $T/d/host/cmappmgr\.conf /etc/cmappmgr\.conf$" "$T/out"
expect_grep "^  scp -p $T/d/localhost/server\.private $T/d/localhost/client\.public root@localhost:/opt/hp/cmappserver/$" "$T/out"

echo "--- other paths, then the printed commands run"
H=$T/host-etc G=$T/guest-opt
"$TOP/certs/mkkeys.sh" -o "$T/k" -host_dir "$H/keys/" -guest_dir "$G" localhost >"$T/out2" 2>&1 ||
	fail "mkkeys.sh -host_dir -guest_dir" "$T/out2"
expect_grep "^keyStore=$H/keys/client\.private$" "$T/k/host/cmappmgr.conf"
expect_grep "^trustStore=$G/client\.public$" "$T/k/localhost/cmappserver.conf"
# The printed lines, with the confs' own destinations, /etc and /opt, and
# the guest's ssh and scp, redirected to this test's directories.
grep '^  ' "$T/out2" | sed -e "s|/etc/cmappmgr\.conf|$T/cmappmgr.conf|" \
	-e "s|/opt/hp/cmappserver/cmappserver\.conf|$T/cmappserver.conf|" \
	-e 's|^  ssh root@localhost |  |' -e 's|^  scp |  cp |' -e 's|root@localhost:||' >"$T/cmds"
expect_eq "$(wc -l <"$T/cmds")" 6 "command lines printed" "$T/out2"
bash -e "$T/cmds" || fail "the printed commands failed" "$T/cmds"
rm -rf "$T/k"
expect_eq "$(stat -c %a "$H/keys/client.private")" 600 "mode of the host's key"
expect_eq "$(stat -c %a "$G/server.private")" 600 "mode of the guest's key"
# The confs may get key passwords later: the owner's only, in the copies too.
expect_eq "$(stat -c %a "$T/cmappmgr.conf")" 600 "mode of the copied host conf"
expect_eq "$(stat -c %a "$T/cmappserver.conf")" 600 "mode of the copied guest conf"
SERVER_CONF=$T/cmappserver.conf expect "cmappserver starts with the copied conf" start_server
MGR_CONF=$T/cmappmgr.conf mgr /bin/sh -c 'exit 6' 2>"$T/e"
expect_eq $? 6 "exit code through the copied keys" "$T/e"

echo "--- a second run that adds a guest keeps the first guest's pair"
fp() { openssl x509 -noout -fingerprint -sha256 -in "$1"; }
before=$(fp "$T/d/host/server_localhost.public") client=$(fp "$T/d/host/client.public")
"$TOP/certs/mkkeys.sh" -o "$T/d" localhost vm2 >"$T/out5" 2>&1 || fail "mkkeys.sh, second run" "$T/out5"
expect_eq "$(fp "$T/d/host/server_localhost.public")" "$before" "localhost's certificate after a second run"
expect_eq "$(fp "$T/d/localhost/server.public")" "$before" "localhost's own copy after a second run"
expect_eq "$(fp "$T/d/host/client.public")" "$client" "the client's certificate after a second run"
expect_grep "^reusing $T/d/localhost/server\.private (remove it for a new pair)$" "$T/out5"
expect_grep '^vm2:$' "$T/d/host/cmappmgr.conf"
[ -s "$T/d/vm2/server.private" ] || fail "no key pair for the added guest vm2"
rm "$T/d/localhost/server.private"
"$TOP/certs/mkkeys.sh" -o "$T/d" localhost >"$T/out6" 2>&1 || fail "mkkeys.sh, third run" "$T/out6"
[ "$(fp "$T/d/host/server_localhost.public")" != "$before" ] ||
	fail "a removed private file did not make a new pair"
# A certificate that expires within 30 days: made anew, the run says why.
"$TOP/certs/mkkeys.sh" -o "$T/s" -days 20 localhost vm2 >/dev/null 2>&1 || fail "mkkeys.sh -days 20"
short=$(fp "$T/s/host/server_localhost.public")
"$TOP/certs/mkkeys.sh" -o "$T/s" localhost >"$T/out7" 2>&1 || fail "mkkeys.sh after -days 20" "$T/out7"
expect_grep "^renewing $T/s/localhost/server\.private: its certificate expires within 30 days$" "$T/out7"
expect_grep "^renewing $T/s/host/client\.private: its certificate expires within 30 days$" "$T/out7"
[ "$(fp "$T/s/host/server_localhost.public")" != "$short" ] || fail "a short-lived pair was reused"
# The new client certificate goes to vm2 too, though not named this time.
expect_eq "$(fp "$T/s/vm2/client.public")" "$(fp "$T/s/host/client.public")" "vm2's copy of the new client certificate"
expect_grep "^  scp -p $T/s/vm2/client\.public root@vm2:/opt/hp/cmappserver/$" "$T/out7"
# A certificate openssl cannot read (a keytool trustStore) is kept.
printf 'not PEM\n' >"$T/s/host/server_vm2.public"
"$TOP/certs/mkkeys.sh" -o "$T/s" vm2 >"$T/out8" 2>&1 || fail "mkkeys.sh with a non-PEM certificate" "$T/out8"
expect_grep "^reusing $T/s/vm2/server\.private ($T/s/host/server_vm2\.public is no PEM certificate: its expiry not checked)$" "$T/out8"
expect_eq "$(cat "$T/s/host/server_vm2.public")" "not PEM" "the kept non-PEM certificate"

echo "--- -in_place: the files where they were made"
"$TOP/certs/mkkeys.sh" -in_place -o "$T/p" localhost >"$T/out3" 2>&1 || fail "mkkeys.sh -in_place" "$T/out3"
expect_grep "^keyStore=$T/p/host/client\.private$" "$T/p/host/cmappmgr.conf"
expect_grep "^trustStore=$T/p/localhost/client\.public$" "$T/p/localhost/cmappserver.conf"
"$TOP/certs/mkkeys.sh" -o "$T/x" -host_dir rel localhost >"$T/out4" 2>&1 && fail "a relative -host_dir accepted"
expect_grep "'rel' is not an absolute path" "$T/out4"
true
