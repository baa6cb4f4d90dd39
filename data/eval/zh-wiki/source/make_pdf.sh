#!/bin/sh
# Render handout.html to ../docs/xq-training-handout.pdf with the system Chromium (headless).
# Page headers/footers come from CSS @page margin boxes in handout.html.
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
  --print-to-pdf="$HERE/../docs/xq-training-handout.pdf" "file://$HERE/handout.html"
