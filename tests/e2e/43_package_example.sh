# SPDX-License-Identifier: ISC
# conf/package-example.conf as Serviceguard would run it: every service_cmd
# that calls cmappmgr is split into words as written, pointed at this
# test's guest (localhost, its port and keys; the installed programs in
# /opt/hp/cmappserver are those of the build; /var/adm is $T/adm), and run.
# cmappmgr must take its options, cmappserver launch the command, and the
# monitor take every option of the line: each service then ends for the
# reason that belongs to this machine (no lan0, no /dev/disk/disk12, no
# /apps/ping_mon), never for a usage error of the line.
# cost: 1
EX=$TOP/conf/package-example.conf
mkdir -p "$T/adm"
expect "cmappserver starts" start_server

# words LINE: the command of a service_cmd line, one word a line.
n=0 seen=
while IFS= read -r line; do
	cmd=${line#service_cmd}
	cmd=${cmd#"${cmd%%[![:space:]]*}"}
	case $cmd in
	\"*\") cmd=${cmd#\"}; cmd=${cmd%\"} ;;
	*) fail "service_cmd not in double quotes: $line" ;;
	esac
	read -ra w <<<"$cmd"
	[ "${w[0]}" = /usr/sbin/cmappmgr ] || continue
	n=$((n + 1))
	# What the line runs in the guest: the word after -service.
	svc=
	for ((i = 0; i < ${#w[@]}; i++)); do
		[ "${w[i]}" = -service ] && { svc=${w[i + 1]}; break; }
	done
	[ -n "$svc" ] || fail "no -service in: $cmd"
	# The line's words, pointed at this test's guest and files.
	args=()
	for ((i = 1; i < ${#w[@]}; i++)); do
		a=${w[i]}
		if [ "$a" = -node ]; then
			args+=(-node localhost -port "$PORT" -conf "$KEYS/host/cmappmgr.conf")
			i=$((i + 1))
			continue
		fi
		a=${a//\/opt\/hp\/cmappserver\//$BIN/}
		a=${a//\/var\/adm\//$T/adm/}
		args+=("$a")
	done
	timeout 60 "$BIN/cmappmgr" "${args[@]}" >"$T/o.$n" 2>"$T/e.$n"
	rc=$?
	echo "${svc##*/}: exit $rc"
	case ${svc##*/} in
	cmapp_net_mon.pl)
		seen="$seen net"
		expect_eq $rc 2 "exit status of the LAN monitor line" "$T/e.$n"
		# The one complaint: this machine has no lan0.
		expect_grep "^localhost cmapp_net_mon.pl\[[0-9]*\]: unknown interface lan0 (--lan)$" "$T/e.$n"
		;;
	cmapp_disk_mon)
		seen="$seen disk"
		expect_eq $rc 2 "exit status of the disk monitor line (disks not there at start: a usage error)" "$T/e.$n"
		# Whichever of the three disks is found missing first.
		nodisk="/dev/r\{0,1\}disk/disk1[234]: no such disk (No such file or directory at start: a wrong DISK argument)"
		expect_grep "^localhost cmapp_disk_mon\[[0-9]*\]: $nodisk$" "$T/e.$n"
		# cmappmgr found the host log behind the typeset "–log_file".
		expect_grep "cmapp_disk_mon\[[0-9]*\]: [a-z]*: $nodisk$" "$T/adm/vm1_npiv_disk_mon.log"
		;;
	*)
		seen="$seen app"
		expect_eq $rc 1 "exit status of $svc (not in this guest)" "$T/e.$n"
		expect_grep "cannot execute $svc: No such file or directory" "$T/e.$n"
		;;
	esac
done < <(grep -E '^service_cmd[[:space:]]' "$EX")
expect_eq "$seen" " app net disk" "the cmappmgr services of the example"
exit 0
