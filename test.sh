#!/usr/bin/env bash
# Run the whole test suite, browser tests included, installing what it needs on a clean machine.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/ensure_env.sh test
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing Debian's chromium for the browser tests"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "chromium is missing: install it (apt-get install chromium) to run the browser tests" >&2
        exit 1
    fi
fi
exec .venv/bin/python -m pytest "$@"
