#!/usr/bin/env bash
# Builds Cadenza and runs it in the foreground on the demo config (examples/demo.cfg.lua):
# localhost, a pubsub and a MUC component with their eventsource modules, HTTP on
# 127.0.0.1:5280, HTTPS on 127.0.0.1:5281 with a self-signed certificate made on first run.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build
ninja -C build

mkdir -p demo-data
if [ ! -f demo-data/localhost.crt ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 365 \
    -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,DNS:*.localhost" \
    -keyout demo-data/localhost.key -out demo-data/localhost.crt 2>/dev/null
fi
exec build/core/cadenza --config examples/demo.cfg.lua
