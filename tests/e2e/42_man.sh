# SPDX-License-Identifier: ISC
# The man pages: every page formats without a single warning (groff -ww, as
# man -l uses it; mandoc -T lint too where installed), man-db can read its
# NAME line, and each page matches its program: every option the program's
# -help prints is documented, every option of the SYNOPSIS is accepted, and
# the version in the page's footer is the program's.  Every installed
# command answers -version and -help.
# cost: 3
command -v groff >/dev/null ||
	{ echo "skip: groff not found (Debian package groff-base)"; exit 77; }
MAN=$TOP/conf/man
pages=("$MAN"/*.[578])
[ ${#pages[@]} -ge 7 ] || fail "expected 7 man pages in $MAN, found ${#pages[@]}"

# --- Every page formats cleanly, at the usual and at a narrow width.
# The plain suite only: the pages and groff are the same in every build,
# and formatting them is most of this test's CPU, which the sanitized
# suites, side by side, are short of.
if [ "$SLOW" -eq 1 ]; then
	for p in "${pages[@]}"; do
		for ll in 78n 60n; do
			LC_ALL=C.UTF-8 groff -ww -z -b -man -Tutf8 -rLL=$ll "$p" >"$T/w" 2>&1
			[ ! -s "$T/w" ] || fail "groff warns about ${p##*/} (line length $ll):" "$T/w"
		done
		if command -v man >/dev/null; then
			MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l "$p" >/dev/null 2>"$T/w"
			[ ! -s "$T/w" ] || fail "man -l warns about ${p##*/}:" "$T/w"
		fi
		if command -v mandoc >/dev/null; then
			mandoc -T lint -W warning "$p" >"$T/w" 2>&1 ||
				fail "mandoc -T lint complains about ${p##*/}:" "$T/w"
		fi
		if command -v lexgrog >/dev/null; then
			lexgrog "$p" >"$T/w" 2>&1 || fail "whatis cannot parse the NAME of ${p##*/}:" "$T/w"
		fi
	done
	(cd "$TOP" && env -u MAKEFLAGS -u MAKELEVEL make --no-print-directory check-man) >"$T/cm" 2>&1 ||
		fail "make check-man:" "$T/cm"
fi

# options TEXT: the options named in TEXT ("-x", "--long_one"), one a line.
options() {
	grep -oE -- '(^|[][ |(,])--?[a-zA-Z][a-zA-Z_-]*' | sed 's/^[][ |(,]//' | sort -u
}

# documented PAGE OPTION: the page's source has OPTION, dashes as "\-".
documented() {
	grep -qF -- "$(printf '%s' "$2" | sed 's/-/\\-/g')" "$1"
}

# check_help PAGE HELP-TEXT-FILE: each option of the help is in the page.
check_help() {
	local o missing=
	for o in $(options <"$2"); do
		documented "$1" "$o" || missing="$missing $o"
	done
	[ -z "$missing" ] || fail "${1##*/} does not document:$missing"
}

# synopsis PAGE: the options of the page's SYNOPSIS.
synopsis() {
	sed -n '/^\.SH SYNOPSIS/,/^\.SH /p' "$1" | grep -E '^\.(B|BI|OP|BR) ' |
		sed 's/\\-/-/g' | options
}

# version PAGE PROGRAM-VERSION-LINE: the page's footer names that version.
check_version() {
	local v
	v=$(echo "$2" | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -1)
	grep -q "^\.TH .*\"cmapp $v\"" "$1" || fail "${1##*/}: the .TH line does not say cmapp $v (the program says: $2)"
}

# --- cmappmgr and cmappserver against their -help and -version.
for prog in cmappmgr cmappserver; do
	page=$MAN/$prog.8
	"$BIN/$prog" -help >"$T/$prog.help" 2>&1 || fail "$prog -help exited $?"
	check_help "$page" "$T/$prog.help"
	check_version "$page" "$("$BIN/$prog" -version)"
	# Each option of the SYNOPSIS is the program's: in its help, or
	# accepted (then -version answers instead of a usage error).
	for o in $(synopsis "$page"); do
		grep -qE -- "(^|[][ |(])$o( |\]|$)" "$T/$prog.help" && continue
		"$BIN/$prog" "$o" -version >/dev/null 2>&1 ||
			fail "$prog.8 shows $o, which $prog refuses"
	done
done
expect_eq "$(grep -c '^\.SH EXIT STATUS' "$MAN/cmappmgr.8")" 1 "EXIT STATUS section in cmappmgr.8"

# --- The monitors, once built: their help and version against the pages.
mons=0
for prog in cmapp_net_mon cmapp_disk_mon; do
	[ -x "$BIN/$prog" ] || continue
	mons=$((mons + 1))
	page=$MAN/$prog.8
	"$BIN/$prog" --help >"$T/$prog.help" 2>&1
	check_help "$page" "$T/$prog.help"
	check_version "$page" "$("$BIN/$prog" --version 2>&1)"
	# Each option of the SYNOPSIS: in the help, or (--help, --version)
	# accepted on its own.
	for o in $(synopsis "$page"); do
		grep -qE -- "(^|[][ |(,])$o( |\]|\||,|$)" "$T/$prog.help" && continue
		"$BIN/$prog" "$o" >/dev/null 2>&1 ||
			fail "$prog.8 shows $o, which $prog refuses"
	done
done
[ $mons -gt 0 ] || echo "note: monitors not built; their pages were only formatted"

# --- Every command that make install puts in place answers -version and
# -help (one dash, as the manual spells cmappmgr's options) and their
# two-dash forms: status 0, the answer on stdout and nothing on stderr;
# -version says the version of common/version.h.
v=$(sed -n 's/^#define[[:space:]]*CMAPP_VERSION[[:space:]]*"\([^"]*\)".*/\1/p' "$TOP/common/version.h")
[ -n "$v" ] || fail "no CMAPP_VERSION in common/version.h"
for prog in cmappmgr cmappserver cmapp-shim cmapp_net_mon cmapp_net_mon.pl cmapp_disk_mon cmapp_mkkeys; do
	[ -x "$BIN/$prog" ] || fail "$BIN/$prog is not built"
	name=${prog%.pl}
	for o in -version --version -help --help; do
		"$BIN/$prog" $o >"$T/o" 2>"$T/e"
		expect_eq $? 0 "status of $prog $o" "$T/e"
		expect_eq "$(cat "$T/e")" "" "stderr of $prog $o"
		case $o in
		*version) expect_eq "$(head -1 "$T/o" | cut -d' ' -f1-2)" "$name $v" "$prog $o"
			expect_eq "$(wc -l <"$T/o")" 1 "lines of $prog $o" ;;
		*help) grep -qE "^(usage: )?$name |^  $name \[" "$T/o" ||
			fail "$prog $o shows no usage of $name:" "$T/o" ;;
		esac
	done
done
# cmapp_disk_mon takes the words -version and -help for --version and
# --help, but not where they are the value of an option.
"$BIN/cmapp_disk_mon" -O -version >"$T/o" 2>&1
expect_eq $? 2 "cmapp_disk_mon -O -version (a log file named -version, no disk)" "$T/o"
expect_grep "^cmapp_disk_mon: no DISK to monitor$" "$T/o"
(cd "$T" && exec "$BIN/cmapp_disk_mon" --log-file -help -t 5 "$T/nodisk") >"$T/o" 2>&1
expect_eq $? 2 "cmapp_disk_mon --log-file -help (a log file, then a disk missing at start)" "$T/o"
expect_grep "$T/nodisk: no such disk" "$T/o"
expect_grep "$T/nodisk" "$T/-help"

# --- The OCF agent's page documents each parameter of its meta-data.
if [ -f /usr/lib/ocf/lib/heartbeat/ocf-shellfuncs ]; then
	OCF_ROOT=/usr/lib/ocf "$TOP/conf/ocf/guestapp" meta-data >"$T/md.xml" ||
		fail "guestapp meta-data exited $?"
	for k in $(sed -n 's/^<parameter name="\([a-z_]*\)".*/\1/p' "$T/md.xml"); do
		grep -q "^\.BI $k=" "$MAN/ocf_cmapp_guestapp.7" ||
			fail "ocf_cmapp_guestapp.7 does not document the parameter $k"
	done
else
	untested "the OCF agent's page against its meta-data (no ocf-shellfuncs: resource-agents)"
fi

# --- The conf pages name every key the parser knows.
for k in keyStore keyStorePassword trustStore trustStorePassword; do
	grep -q "^\.BI $k=" "$MAN/cmappmgr.conf.5" || fail "cmappmgr.conf.5 lacks $k"
	grep -q "^\.BI $k=" "$MAN/cmappserver.conf.5" || fail "cmappserver.conf.5 lacks $k"
done
for k in port listen max_processes allow_command; do
	grep -q "^\.BI $k=" "$MAN/cmappserver.conf.5" || fail "cmappserver.conf.5 lacks $k"
	grep -q "^#$k=" "$TOP/conf/cmappserver.conf" || fail "the sample cmappserver.conf lacks #$k="
done
exit 0
