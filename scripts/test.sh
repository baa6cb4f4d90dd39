#!/usr/bin/env bash
# Run the test suite on this machine: install what the tests need, then pytest (arguments are passed on).
#   scripts/test.sh                 everything
#   scripts/test.sh -m "not browser" without the headless-browser tests
# Installs: the pinned packages (scripts/setup.sh) and, when missing and run as root, Debian's chromium
# (browser tests), nginx (checks the sample site, runs in front of the cluster tests), redis-server (the Redis
# session store and cluster mode; each test starts its own private server, the system service is not used),
# prometheus (for promtool, which checks deploy/prometheus/; the service the package enables is disabled again)
# and, without any Chinese font, fonts-wqy-zenhei (chromium prints the Chinese sample PDF of tests/test_pdf_text.py
# with it).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi

./scripts/setup.sh
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[[ -n "$(fc-list :lang=zh 2>/dev/null || true)" ]] || missing+=(fonts-wqy-zenhei)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)  # Debian ships promtool only in this package
if [[ ${#missing[@]} -gt 0 ]]; then
    if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
        echo "test: installing ${missing[*]} from Debian's packages"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
        if [[ " ${missing[*]} " == *" prometheus "* ]] && command -v systemctl >/dev/null 2>&1; then
            systemctl disable --now prometheus >/dev/null 2>&1 || true  # only promtool is wanted here
        fi
    else
        echo "test: ${missing[*]} not installed (needs root and apt-get); the tests that need them are skipped"
    fi
fi
exec .venv/bin/python -m pytest "$@"
