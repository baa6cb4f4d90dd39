#!/bin/sh
# Render source/report.html to docs/osprey-commissioning-report.pdf with headless Chromium.
# Every printed page is one <div class="page"> with its own header line (Chromium does not
# support running headers from @page rules), so the page count must stay equal to the
# number of .page divs (19); check with: pdfinfo docs/osprey-commissioning-report.pdf
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
  --print-to-pdf="$HERE/../docs/osprey-commissioning-report.pdf" "file://$HERE/report.html"
