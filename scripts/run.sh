#!/usr/bin/env bash
# Builds Portico (release) and starts it on its embedded defaults: console on
# http://127.0.0.1:3000, co-located gateway on http://127.0.0.1:8000, SQLite in ./data.
# Installs missing build tools first. Extra arguments go to `portico`.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
ensure_build_tools
log "building (release)"
cargo leptos build --release
mkdir -p data
log "starting Portico: console http://127.0.0.1:3000  gateway http://127.0.0.1:8000"
log "first start without PORTICO_ADMIN_EMAIL/PASSWORD: open the one-time setup link printed below"
export PORTICO_SITE_ROOT="${PORTICO_SITE_ROOT:-$ROOT/target/site}"
exec "$(target_dir)/release/portico" "$@"
