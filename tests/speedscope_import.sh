#!/bin/sh
# tests/speedscope_import.sh: imports each trace FILE into a real viewer,
# speedscope (from the npm registry) in Debian's headless Chromium, and
# fails if the importer warns about any of them.
#
#     tests/speedscope_import.sh FILE...
#
# speedscope logs each defect of a trace on the console while it imports
# ("Tried to end X when Y was on the top of the stack", "Frame X was
# still open at end of profile"); Chromium's --enable-logging writes the
# console to stderr.  A file passes when its import ends ("import: N ms")
# with no console line between "Importing as" and that, and the page's
# title names it.  The profile goes in as speedscope's own command-line
# tool hands it over: a script calling speedscope.loadFileFromBase64,
# named in the page's #localProfilePath.
#
# SPEEDSCOPE_DIR: the installed package (holds dist/release/index.html);
# default ${XDG_CACHE_HOME:-$HOME/.cache}/rangetools/speedscope, filled by
# `npm install speedscope@1.25.0` when npm can.  Exit status: 0 every file
# imported cleanly, 1 a warning or a failed import, 77 no viewer here.
set -u

version=1.25.0
cache=${XDG_CACHE_HOME:-$HOME/.cache}/rangetools/speedscope
dir=${SPEEDSCOPE_DIR:-$cache/node_modules/speedscope}
index=$dir/dist/release/index.html
chrome=$(command -v chromium-headless-shell || command -v chromium || true)

if [ -z "$chrome" ]; then
	echo "speedscope_import.sh: no headless Chromium" >&2
	exit 77
fi
if [ ! -f "$index" ] && [ -z "${SPEEDSCOPE_DIR:-}" ] &&
	command -v npm >/dev/null 2>&1; then
	mkdir -p "$cache" &&
		npm install --prefix "$cache" --no-audit --no-fund --silent \
			"speedscope@$version" >/dev/null 2>&1
fi
if [ ! -f "$index" ]; then
	echo "speedscope_import.sh: no speedscope at $dir" >&2
	exit 77
fi

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
rv=0
for f in "$@"; do
	name=$(basename "$f")
	printf 'speedscope.loadFileFromBase64("%s", "' "$name" >"$tmp/p.js"
	base64 -w0 "$f" >>"$tmp/p.js"
	printf '")\n' >>"$tmp/p.js"
	timeout 120 "$chrome" --no-sandbox --disable-gpu --enable-logging=stderr \
		--v=0 --user-data-dir="$tmp/profile" --dump-dom \
		"file://$index#localProfilePath=$tmp/p.js" >"$tmp/dom" \
		2>"$tmp/log"
	sed -n 's/.*INFO:CONSOLE[^"]*"\(.*\)", source: .*/\1/p' "$tmp/log" |
		sed -n '/^Importing as/,/^import: /p' >"$tmp/import"
	warn=$(sed '1d;$d' "$tmp/import")
	if ! grep -q '^import: ' "$tmp/import" ||
		! grep -q "<title>$name - speedscope" "$tmp/dom"; then
		echo "$f: speedscope did not import it" >&2
		rv=1
	elif [ -n "$warn" ]; then
		echo "$f: speedscope warned:" >&2
		printf '%s\n' "$warn" | head -5 >&2
		rv=1
	else
		echo "$f: $(head -1 "$tmp/import"), no warning"
	fi
done
exit $rv
