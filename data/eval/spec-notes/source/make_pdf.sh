#!/bin/sh
# Render source/spec.html to docs/grd-spec.pdf with headless Chromium.
# Every printed page is one <div class="page"> with its own running header line and footer
# (Chromium does not support running headers from @page rules), so the page count must stay
# equal to the number of .page divs (17); check with: pdfinfo docs/grd-spec.pdf
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
  --print-to-pdf="$HERE/../docs/grd-spec.pdf" "file://$HERE/spec.html"
n=$(grep -c '<div class="page' "$HERE/spec.html")
echo "page divs: $n"
pdfinfo "$HERE/../docs/grd-spec.pdf" | grep '^Pages'
