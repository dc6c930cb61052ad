#!/bin/sh
# SPDX-License-Identifier: ISC
# srccopy.sh DEST: copies the source tree as a fresh clone has it into DEST
# (created; must not exist), for make deb and make rpm to build in: in a
# git checkout the files git tracks or would track (uncommitted edits
# included, nothing .gitignore names: no build directory, no package);
# elsewhere (a tarball) everything but build*/ and packages.
set -eu
dest=${1:?usage: srccopy.sh DEST}
cd "$(dirname "$0")/.."
[ ! -e "$dest" ] || { echo "srccopy.sh: $dest exists" >&2; exit 1; }
mkdir -p "$dest"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1 &&
   [ "$(git rev-parse --show-toplevel)" = "$(pwd -P)" ]; then
	# Deleted but still tracked files are skipped.
	git ls-files -z -c -o --exclude-standard |
		xargs -0 -r sh -c 'for f; do [ -e "$f" ] || [ -L "$f" ] && printf "%s\0" "$f"; done' sh |
		tar --null -T - -cf - | tar -xf - -C "$dest"
else
	tar --exclude='./build' --exclude='./build-*' --exclude='./*.deb' --exclude='./*.rpm' \
		-cf - . | tar -xf - -C "$dest"
fi
