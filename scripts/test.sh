#!/usr/bin/env bash
# Runs every test of Portico: formatting and lints, Rust unit and integration tests of
# all crates, then the browser tests (Playwright in Debian's Chromium) against a freshly
# started `portico`.
# Installs missing tools first. Tests that need PostgreSQL / Redis use
# PORTICO_TEST_DATABASE_URL / PORTICO_TEST_REDIS_URL when set (CI sets both), and
# SQLite / in-process state otherwise; the summary says how many ran on each.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
ensure_build_tools
ensure_chromium

report=$(mktemp)
export PORTICO_TEST_REPORT="$report"
failed=()
started=$SECONDS

log "building the application (debug)"
cargo leptos build || failed+=("build")

leptos_build_env
log "format and lints (rustfmt, clippy with warnings as errors)"
cargo fmt --all --check || failed+=("rustfmt")
cargo clippy --workspace --exclude frontend --all-targets --quiet -- -D warnings || failed+=("clippy")

log "Rust tests"
rust_start=$SECONDS
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --exclude frontend --no-fail-fast || failed+=("rust tests")
  cargo test --workspace --exclude frontend --doc --quiet || failed+=("doc tests")
else
  cargo test --workspace --exclude frontend --no-fail-fast || failed+=("rust tests")
fi
rust_secs=$(( SECONDS - rust_start ))

log "browser tests"
e2e_start=$SECONDS
data=$(mktemp -d)
port=$(free_port); gateway_port=$(free_port); status_port=$(free_port)
admin_email="admin@e2e.portico.test"
admin_password="e2e-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
PORTICO_LISTEN="127.0.0.1:$port" \
PORTICO_GATEWAY_LISTEN="127.0.0.1:$gateway_port" \
PORTICO_GATEWAY_STATUS_LISTEN="127.0.0.1:$status_port" \
PORTICO_DATA_DIR="$data" \
PORTICO_ADMIN_EMAIL="$admin_email" \
PORTICO_ADMIN_PASSWORD="$admin_password" \
PORTICO_SITE_ROOT="$ROOT/target/site" \
PORTICO_LOG_FORMAT=json \
PORTICO_ALERTS_INTERVAL_SECS=5 \
PORTICO_ALERTS_WEBHOOK_ALLOW_PRIVATE=true \
  "$(target_dir)/debug/portico" >"$data/portico.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT
if wait_for "http://127.0.0.1:$port/readyz" 120; then
  printf 'sqlite\tend2end (browser journeys)\n' >>"$report"
  PORTICO_E2E_URL="http://127.0.0.1:$port" \
  PORTICO_E2E_GATEWAY_URL="http://127.0.0.1:$gateway_port" \
  PORTICO_E2E_ADMIN_EMAIL="$admin_email" \
  PORTICO_E2E_ADMIN_PASSWORD="$admin_password" \
    npx playwright test --config end2end/playwright.config.ts || failed+=("browser tests")
else
  failed+=("server start for browser tests")
  tail -n 30 "$data/portico.log" >&2
fi
kill "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
e2e_secs=$(( SECONDS - e2e_start ))

echo
log "summary"
echo "tests that asked for a database, Redis or the browser, by backend:"
if [ -s "$report" ]; then cut -f1 "$report" | sort | uniq -c | awk '{printf "  %-12s %s\n", $2, $1}'; else echo "  (none recorded)"; fi
echo "time: rust tests ${rust_secs}s, browser tests ${e2e_secs}s, total $(( SECONDS - started ))s"
rm -f "$report"
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "all tests passed"
