#!/bin/sh
# Install what the browser tests need: Debian's chromium and the Python playwright package.
# Idempotent: does nothing when both are present. Debian/Ubuntu only; run as root (or via sudo).
#   scripts/install_browser.sh [PYTHON]     (default PYTHON: .venv/bin/python, else python3)
set -eu
cd "$(dirname "$0")/.."
PYTHON="${1:-}"
if [ -z "$PYTHON" ]; then
    if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi

if [ ! -x /usr/bin/chromium ]; then
    SUDO=""
    if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
    echo "installing chromium with apt-get" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

if ! "$PYTHON" -c "import playwright.sync_api" 2>/dev/null; then
    echo "installing the playwright Python package" >&2
    "$PYTHON" -m pip install -q -c constraints.txt playwright
fi

/usr/bin/chromium --version 2>/dev/null
