#!/usr/bin/env bash
# Installs what the browser tests need: Debian's Chromium and axe-core (npm, pinned in package-lock.json).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  echo "Installation de Chromium (paquets Debian chromium et chromium-driver)…"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi

if [ ! -f node_modules/axe-core/axe.min.js ]; then
  echo "Installation d'axe-core (npm)…"
  npm ci --silent --no-audit --no-fund
fi
