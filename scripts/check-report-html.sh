#!/usr/bin/env bash
# Checks a kakugo report in headless Chromium:
#   scripts/check-report-html.sh REPORT_DIR [SCREENSHOT.png]
#
# 1. loads REPORT_DIR/index.html and fails on any browser console message (the page has no
#    script, so any message means something is broken);
# 2. checks the DOM Chromium built: as many <table>s as <main data-tables> declares, as many
#    plot figures as <main data-plots>, each with an inline <svg>;
# 3. checks every local link (plots/*.png, plots/*.svg, results.csv) exists and nothing is
#    fetched from the network;
# 4. saves a screenshot of the top of the page (default: $TMPDIR/kakugo-report-screenshot.png).
#
# Installs Debian's chromium (and chromium-driver) when no Chromium is on PATH.
set -euo pipefail

die() { echo "check-report-html: $*" >&2; exit 1; }

dir=${1:?usage: scripts/check-report-html.sh REPORT_DIR [SCREENSHOT.png]}
dir=$(cd "$dir" && pwd)
page="$dir/index.html"
shot=${2:-${TMPDIR:-/tmp}/kakugo-report-screenshot.png}
[ -f "$page" ] || die "$page does not exist (write it with kakugo report)"

browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "check-report-html: installing chromium (Debian packages chromium, chromium-driver)" >&2
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium chromium-driver >/dev/null
  browser=$(command -v chromium) || die "chromium did not install"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --user-data-dir="$work/profile" --virtual-time-budget=5000)

# 1. Console: Chromium logs page console messages as ":CONSOLE" lines on stderr.
"$browser" "${flags[@]}" --enable-logging=stderr --v=0 --dump-dom "file://$page" \
  >"$work/dom.html" 2>"$work/stderr.log" || die "chromium failed: $(tail -5 "$work/stderr.log")"
if grep -q ":CONSOLE" "$work/stderr.log"; then
  grep ":CONSOLE" "$work/stderr.log" >&2
  die "console messages while loading $page"
fi
[ -s "$work/dom.html" ] || die "chromium produced no DOM for $page"

# 2. Tables and plots in the rendered DOM.
count() { { grep -o -- "$1" "$work/dom.html" || true; } | wc -l; }
attr() { { grep -o "<main[^>]*$1=\"[0-9]*\"" "$work/dom.html" || true; } | grep -o '[0-9]*"$' | tr -d '"'; }
want_tables=$(attr data-tables)
want_plots=$(attr data-plots)
[ -n "$want_tables" ] && [ -n "$want_plots" ] || die "no <main data-tables data-plots> in the DOM"
tables=$(count "<table>")
rows=$({ tr -d '\n' <"$work/dom.html" | grep -o "<tbody><tr>" || true; } | wc -l)
figures=$(count '<figure class="plot"')
svgs=$(count '<svg role="img"')
[ "$tables" -eq "$want_tables" ] || die "$tables tables in the DOM, the page declares $want_tables"
[ "$rows" -eq "$tables" ] || die "$((tables - rows)) tables have no rows"
[ "$figures" -eq "$want_plots" ] || die "$figures plot figures in the DOM, the page declares $want_plots"
[ "$svgs" -eq "$want_plots" ] || die "$svgs of $want_plots plot figures hold an inline <svg>"

# 3. Local links exist; nothing remote.
if grep -Eo '(src|href)="https?://[^"]*"' "$page"; then
  die "the page loads something from the network"
fi
missing=0
while IFS= read -r link; do
  [ -e "$dir/$link" ] || { echo "missing: $link" >&2; missing=1; }
done < <(grep -o 'href="[^"#][^"]*"' "$page" | sed 's/^href="//; s/"$//' | sort -u)
[ "$missing" = 0 ] || die "links to files that do not exist"

# 4. Screenshot.
"$browser" "${flags[@]}" --hide-scrollbars --window-size=1280,2000 --screenshot="$shot" \
  "file://$page" >/dev/null 2>&1 || die "screenshot failed"
[ -s "$shot" ] || die "no screenshot written"

echo "check-report-html: ok: $tables tables, $figures plots, no console messages; screenshot $shot"
