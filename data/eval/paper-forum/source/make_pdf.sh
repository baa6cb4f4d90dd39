#!/bin/sh
# Render source/paper.html and source/datasheet.html to docs/*.pdf with headless Chromium
# (same invocation as spec-notes/source/make_pdf.sh). data/eval/html_nowrap.py first makes a temporary copy in which
# hyphenated words cannot be broken at the hyphen (the text is the same). The paper must come out at 6-8
# pages and the datasheet at 2-3; check the text layer with: pdftotext -enc UTF-8 docs/<name>.pdf -
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
for pair in "paper.html pathledger-paper.pdf" "datasheet.html pathledger-datasheet.pdf"; do
  set -- $pair
  [ -f "$HERE/$1" ] || continue
  python3 "$HERE/../../html_nowrap.py" "$HERE/$1" "$TMP/$1"
  chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
    --print-to-pdf="$HERE/../docs/$2" "file://$TMP/$1" 2>/dev/null
  printf '%s: ' "$2"
  pdfinfo "$HERE/../docs/$2" | grep '^Pages'
done
rm -rf "$TMP"
