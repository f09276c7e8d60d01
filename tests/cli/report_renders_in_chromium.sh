#!/usr/bin/env bash
# report.html renders in headless Chromium with its inline SVG charts: the learning curves
# with their best-epoch markers, one heatmap cell per (true, predicted) class pair and one
# recall bar per class, and the gallery of test images with their saliency maps (at least
# one per class). Exits 77 (skipped) when Chromium is not installed.
# usage: report_renders_in_chromium.sh REPORT_DIR CLASSES OUT
set -euo pipefail
report=$1 classes=$2 out=$3
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "chromium is not installed: skipped"
  exit 77
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
  --user-data-dir="$profile" --dump-dom "file://$(realpath "$report")/report.html" \
  > "$out/report_dom.html" 2> "$out/chromium.log"
/usr/bin/python3 "$(dirname "$0")/check_outputs.py" report-dom "$out/report_dom.html" "$classes"
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --hide-scrollbars \
  --user-data-dir="$profile" --window-size=1280,2400 --screenshot="$out/report.png" \
  "file://$(realpath "$report")/report.html" 2>> "$out/chromium.log"
test -s "$out/report.png"
echo "report.html renders with its charts (screenshot: $out/report.png)"
