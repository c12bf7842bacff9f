#!/usr/bin/env bash
# The app's browser tests (tests/test_app.py) need Debian's chromium at /usr/bin/chromium
# (Playwright drives it; no browser is ever downloaded). Installs it once if it is missing, so
# that the README's `make test` passes on a fresh machine by itself.
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing Debian's chromium for the app's browser tests (once)..." >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
