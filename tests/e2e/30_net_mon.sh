# SPDX-License-Identifier: ISC
# cmapp_net_mon as a cluster service: cmappmgr in a host namespace runs it
# through cmappserver in a guest namespace, where it watches lan0.  lan0
# reaches a switch namespace (a bridge) behind which the peer namespace
# holds the pinged address, so that the peer's link can go down while
# lan0 keeps its carrier.  The host log is in a directory that the
# guest's mount namespace covers with a tmpfs of its own (guest_hides):
# seen on the host, it was written there.
#
#   host [mg0] --- [mh0] guest [lan0] --- [sg0] switch/br0 [sp0] --- [p0] peer
#   10.231.0.1     10.231.0.2  10.232.0.2                    10.232.0.1
#                              fd00:232::2                   fd00:232::1
# cost: 17
. "$TOP/tests/e2e/39_netns.inc"
ns_setup
NS_S=${NS_PFX}s NS_P=${NS_PFX}p
ns_add "$NS_S"
ns_add "$NS_P"
ip -n "$NS_G" link add lan0 type veth peer name sg0 netns "$NS_S"
ip -n "$NS_P" link add p0 type veth peer name sp0 netns "$NS_S"
ip -n "$NS_S" link add br0 type bridge
ip -n "$NS_S" link set sg0 master br0
ip -n "$NS_S" link set sp0 master br0
for l in br0 sg0 sp0; do ip -n "$NS_S" link set "$l" up; done
ip -n "$NS_G" addr add 10.232.0.2/24 dev lan0
ip -n "$NS_G" addr add fd00:232::2/64 dev lan0 nodad
ip -n "$NS_P" addr add 10.232.0.1/24 dev p0
ip -n "$NS_P" addr add fd00:232::1/64 dev p0 nodad
ip -n "$NS_G" link set lan0 up
ip -n "$NS_P" link set p0 up
wait_for 5 carrier "$NS_G" lan0 || fail "lan0 has no carrier"
# The host logs go to $HL, which the guest cannot see into.
HL=$T/hostlogs
guest_hides "$HL"
expect "cmappserver starts in the guest" guest_server
MON=$BIN/cmapp_net_mon.pl	# the manual's name

echo "--- a healthy link keeps running, and logs on both sides"
# As the manual's example, with its one-dash -probe_count.
host_mgr ok "$MON" --lan lan0 --ip 10.232.0.1 --guest_logfile "$T/g1.log" \
	--host_logfile "$HL/h1.log" --log_level 2 -probe_count 3 --polling_interval 1
m=$MGR
wait_for 15 grep -q "reply from 10.232.0.1" "$T/g1.log" || fail "no reply logged"
still_running $m 3 || fail "the monitor of a healthy link ended" "$T/ok.err"
[ "$(lines "reply from 10.232.0.1" "$T/g1.log")" -ge 3 ] || fail "too few pings logged"
expect_grep "notice: monitoring lan0: pinging 10.232.0.1 every 1 s, failing after 3 lost in a row" "$T/g1.log"
# The host log appears on the host side, and only there: cmappmgr wrote
# it, from the records the monitor sent it through cmappserver.
expect_grep "cmapp_net_mon\[[0-9]*\]: debug: lan0: reply from 10.232.0.1, seq" "$HL/h1.log"
guest_sees_empty "$HL"
# The monitor's stderr reaches the host's package log through cmappmgr.
# Its name once: cmappmgr's prefix, not the monitor's own again.
expect_grep "cmapp_net_mon.pl\[[0-9]*\]: lan0: reply from" "$T/ok.err"

# Beside it, the same line at log levels 0 and 1, for what each logs of
# the lost pings to come.
host_mgr lvl0 "$MON" --lan lan0 --ip 10.232.0.1 --guest_logfile "$T/l0.log" \
	--log_level 0 -probe_count 3 --polling_interval 1
m0=$MGR
host_mgr lvl1 "$MON" --lan lan0 --ip 10.232.0.1 --guest_logfile "$T/l1.log" \
	--log_level 1 -probe_count 3 --polling_interval 1
m1=$MGR
wait_for 15 grep -q "notice: monitoring lan0" "$T/l1.log" || fail "level 1 not started"
# Level 0 logs nothing until it fails: it runs as a service.
wait_for 15 eval '[ "$(children "$T/l0.log")" = 1 ]' || fail "level 0 not started"
still_running $m0 2 || fail "the level 0 monitor of a healthy link ended" "$T/lvl0.err"
kill -0 $m1 || fail "the level 1 monitor of a healthy link ended" "$T/lvl1.err"

# lost_counts FILE N: each "(K of N in a row)" of FILE counts up from 1
# (again after a reply) to N - 1 at most: the Nth lost ping is the
# failure, not one more warning.
lost_counts() {
	local bad
	bad=$(grep -o "([0-9]* of [0-9]* in a row)" "$1" | tr -d '()' |
		awk -v n="$2" '$3 != n || $1 < 1 || $1 >= n || ($1 != 1 && $1 != prev + 1) { print } { prev = $1 }')
	[ -z "$bad" ] || fail "lost-ping counts in $1 beyond 1..$(($2 - 1)): $bad" "$1"
}

echo "--- the peer's link going down fails within probe_count x polling_interval"
pid=$(mon_pid "$T/g1.log")
ip -n "$NS_P" link set p0 down
T0=$(ms)
gone "$pid" 15 || fail "still running $TOOK ms after the peer went down"
# 3 pings of 1 s: at least 2 s (so it was the pings), at most the 3 s and
# the one in flight when the peer went.
[ "$TOOK" -ge 2000 ] || fail "failed after $TOOK ms: before 3 pings could be lost"
took_at_most 4000 "failing on lost pings"
wait_exit $m 15 || fail "cmappmgr did not end"
expect_eq "$RC" 1 "exit status when the pings fail"
expect_grep "err: lan0: 3 pings in a row to 10.232.0.1 got no reply: the LAN failed" "$T/g1.log"
expect_grep "warning: lan0: ping seq [0-9]* to 10.232.0.1 got no reply (1 of 3 in a row)" "$T/g1.log"
expect_grep "lan0: 3 pings in a row to 10.232.0.1 got no reply" "$HL/h1.log"
expect_grep "lan0: 3 pings in a row to 10.232.0.1 got no reply" "$T/ok.err"
lost_counts "$T/g1.log" 3
# Levels 0 and 1 failed alike; 1 also told each lost ping, 0 only the
# failure.
for l in 0 1; do
	eval "mm=\$m$l"
	wait_exit $mm 15 || fail "cmappmgr of level $l did not end"
	expect_eq "$RC" 1 "exit status at level $l when the pings fail"
	expect_grep "err: lan0: 3 pings in a row to 10.232.0.1 got no reply: the LAN failed" "$T/l$l.log"
done
expect_grep "warning: lan0: ping seq [0-9]* to 10.232.0.1 got no reply (1 of 3 in a row)" "$T/l1.log"
expect_grep "warning: lan0: ping seq [0-9]* to 10.232.0.1 got no reply (2 of 3 in a row)" "$T/l1.log"
lost_counts "$T/l1.log" 3
grep -q "got no reply (" "$T/l0.log" "$T/lvl0.err" && fail "lost pings logged at level 0" "$T/l0.log"
expect_eq "$(wc -l <"$T/l0.log")" 1 "lines logged at level 0" "$T/l0.log"
ip -n "$NS_P" link set p0 up
# A link down flushes its static IPv6 addresses (keep_addr_on_down is 0).
ip -n "$NS_P" addr replace fd00:232::1/64 dev p0 nodad

echo "--- IPv6, then the monitored interface itself going down fails at once"
# A long interval, so that "at once" cannot be the next poll.
host_mgr v6 "$BIN/cmapp_net_mon" --lan lan0 --ip fd00:232::1 --guest_logfile "$T/g2.log" \
	--log_level 2 --probe_count 3 --polling_interval 5
m=$MGR
wait_for 15 grep -q "reply from fd00:232::1" "$T/g2.log" ||
	fail "no IPv6 reply" "$T/g2.log"
pid=$(mon_pid "$T/g2.log")
ip -n "$NS_G" link set lan0 down
T0=$(ms)
gone "$pid" 15 || fail "still running $TOOK ms after lan0 went down"
took_at_most 100 "noticing lan0 down"
wait_exit $m 15 || fail "cmappmgr did not end"
expect_eq "$RC" 1 "exit status when lan0 is down"
expect_grep "err: interface lan0 is down" "$T/g2.log"
expect_grep "interface lan0 is down" "$T/v6.err"
ip -n "$NS_G" link set lan0 up
wait_for 5 carrier "$NS_G" lan0 || fail "lan0 did not come back"

echo "--- the switch port going down (lan0 loses its carrier) fails at once"
host_mgr carrier "$BIN/cmapp_net_mon" --lan lan0 --ip 10.232.0.1 --guest_logfile "$T/g3.log" \
	--log_level 1 --polling_interval 5
m=$MGR
wait_for 15 grep -q "notice: monitoring lan0" "$T/g3.log" ||
	fail "not started" "$T/carrier.err"
still_running $m 1 || fail "the monitor ended" "$T/carrier.err"
pid=$(mon_pid "$T/g3.log")
ip -n "$NS_S" link set sg0 down
T0=$(ms)
gone "$pid" 15 || fail "still running $TOOK ms after the carrier went"
took_at_most 100 "noticing the lost carrier"
wait_exit $m 15 || fail "cmappmgr did not end"
expect_eq "$RC" 1 "exit status without carrier"
# Level 1: the start and the failure; no ping was lost, none is logged.
expect_eq "$(wc -l <"$T/g3.log")" 2 "lines logged at level 1"
expect_grep "err: interface lan0 has no carrier" "$T/g3.log"
ip -n "$NS_S" link set sg0 up

echo "--- an unknown interface is a usage error"
host_mgr bad "$BIN/cmapp_net_mon" --lan nosuch0 --ip 10.232.0.1
wait_exit $MGR 15 || fail "did not end"
expect_eq "$RC" 2 "exit status of a usage error"
expect_grep "cmapp_net_mon\[[0-9]*\]: unknown interface nosuch0 (--lan)" "$T/bad.err"
expect_grep "usage: cmapp_net_mon --lan NAME --ip ADDRESS" "$T/bad.err"

echo "--- the guest's own address is a usage error, not a link always healthy"
# The kernel answers a ping to an own address from inside the guest,
# whatever interface the socket is bound to.  (lan0 down and up again
# above dropped its IPv6 address.)
ip -n "$NS_G" addr replace fd00:232::2/64 dev lan0 nodad
for a in 10.232.0.2 fd00:232::2; do
	host_mgr own "$BIN/cmapp_net_mon" --lan lan0 --ip "$a"
	wait_exit $MGR 15 || fail "did not end"
	expect_eq "$RC" 2 "exit status for --ip $a, lan0's own"
	expect_grep "cmapp_net_mon\[[0-9]*\]: --ip $a is this guest's own address (on lan0): its pings never leave the guest" "$T/own.err"
done
# An IPv4 link-local address counts on its link only, and a label
# (lan0:1, as ifconfig's aliases) is on its interface.
ip -n "$NS_G" addr add 169.254.7.7/16 dev lan0 label lan0:1
host_mgr own "$BIN/cmapp_net_mon" --lan lan0 --ip 169.254.7.7
wait_exit $MGR 15 || fail "did not end"
expect_eq "$RC" 2 "exit status for --ip 169.254.7.7, lan0:1's own"
expect_grep "cmapp_net_mon\[[0-9]*\]: --ip 169.254.7.7 is this guest's own address (on lan0:1): its pings never leave the guest" "$T/own.err"
ip -n "$NS_G" addr del 169.254.7.7/16 dev lan0

echo "--- a bridge port is a usage error that names its bridge"
# Its replies come up the stack on the bridge: a socket bound to the port
# never sees them, and a healthy LAN failed after probe_count pings.
ip -n "$NS_G" link add lanb0 type veth peer name lanb1
ip -n "$NS_G" link add brg0 type bridge
ip -n "$NS_G" link set lanb0 master brg0
for l in lanb0 lanb1 brg0; do ip -n "$NS_G" link set "$l" up; done
host_mgr port "$BIN/cmapp_net_mon" --lan lanb0 --ip 10.232.0.1
wait_exit $MGR 15 || fail "did not end"
expect_eq "$RC" 2 "exit status for a bridge port"
expect_grep "cmapp_net_mon\[[0-9]*\]: --lan lanb0 is a port of bridge brg0: the replies to its pings arrive on brg0; give --lan brg0" "$T/port.err"

echo "--- a bond's slave is refused, a VRF's is not (sysfs as the kernel shows them)"
# This kernel has no bonding, team, OVS or VRF module: the monitor, run by
# hand, sees lan0's sysfs directory replaced (in a mount namespace of its
# own) by one whose "master" link is what those drivers make: a bond0
# beside it, or a VRF device whose uevent says DEVTYPE=vrf.
F=$T/fakesys
mkdir -p "$F/lan0" "$F/vrf-blue"
ln -s ../bond0 "$F/lan0/master"
printf 'DEVTYPE=vrf\nINTERFACE=vrf-blue\nIFINDEX=9\n' >"$F/vrf-blue/uevent"
# fake_master ERRFILE ARGS...: cmapp_net_mon in the guest, lan0's sysfs faked.
fake_master() {
	local err=$1
	shift
	ip netns exec "$NS_G" unshare -m sh -c 'mount --bind "$0" /sys/class/net/lan0 &&
		exec "$@"' "$F/lan0" timeout 6 "$BIN/cmapp_net_mon" "$@" 2>"$err"
}
fake_master "$T/bond.err" --lan lan0 --ip 10.232.0.1
expect_eq $? 2 "exit status for a bond's slave"
expect_grep "^cmapp_net_mon: --lan lan0 is enslaved to bond0 (a bond, a team or Open vSwitch): the replies to its pings arrive there; give the interface that holds this guest's address on that LAN$" "$T/bond.err"
ln -sfn "$F/vrf-blue" "$F/lan0/master"
# A VRF's slave is watched: it pings until timeout(1) stops it.
fake_master "$T/vrf.err" --lan lan0 --ip 10.232.0.1 --guest_logfile "$T/vrf.log" \
	--log_level 2 --polling_interval 1
expect_eq $? 124 "exit status of a VRF slave's monitor (timeout(1) stopped it)"
expect_grep "reply from 10.232.0.1" "$T/vrf.log"
expect_no_grep "enslaved\|vrf-blue" "$T/vrf.err"

echo "--- a peer's link-local address is no own one, though this guest has it on another link"
ip -n "$NS_P" addr add fe80::99/64 dev p0 nodad
ip -n "$NS_G" addr add fe80::99/64 dev lanb1 nodad
host_mgr ll "$BIN/cmapp_net_mon" --lan lan0 --ip fe80::99 --guest_logfile "$T/ll.log" \
	--log_level 2 --polling_interval 1
wait_for 15 grep -q "reply from fe80::99" "$T/ll.log" || fail "no reply from the peer's fe80::99" "$T/ll.log" "$T/ll.err"

echo "--- a scope that names another interface, or none, is a usage error"
# A typo there failed a healthy LAN after probe_count polls ("Network is
# unreachable"), or blamed the address.
ip netns exec "$NS_G" "$BIN/cmapp_net_mon" --lan lan0 --ip fe80::99%lanb1 2>"$T/sc1.err"
expect_eq $? 2 "exit status for an --ip scoped to another interface" "$T/sc1.err"
expect_grep "^cmapp_net_mon: --ip fe80::99%lanb1 is scoped to another interface than --lan lan0$" "$T/sc1.err"
ip netns exec "$NS_G" "$BIN/cmapp_net_mon" --lan lan0 --ip fe80::99%nosuch0 2>"$T/sc2.err"
expect_eq $? 2 "exit status for an --ip scoped to no interface" "$T/sc2.err"
expect_grep "^cmapp_net_mon: --ip \"fe80::99%nosuch0\": its scope nosuch0 is no interface of this guest$" "$T/sc2.err"
