#!/usr/bin/env bash
# Runs `../shared/bench/proxy-bench.sh` on the gateway as it ships, beside nginx.
#
# The gateway's configuration is made the way a user makes it: a `portico` on a fresh
# SQLite database, driven through its REST API with a personal access token, publishes
# three APIs in front of the bench's backend (http://127.0.0.1:18480), deployed to an
# environment `bench`:
#
#   /ka        API-key auth          (an application's key, header X-API-Key)
#   /jwt       OAuth2 JWT auth       (a client_credentials token from Portico's /oauth2/token)
#   /basic     HTTP basic auth       (an application's basic credential, argon2id-hashed)
#   /ka-local  API key + a rate limit decided in-process (tier "Bench local", approximate:
#              shared through Redis every 100 ms, never on the request path)
#   /ka-redis  API key + a rate limit exact across gateways (tier "Bench exact": one
#              Redis script per request)
#   /ka-untracked  API key, the API marked `do_not_track` (no analytics event): the
#              analytics-off twin of /ka
#
# Analytics is on, as it ships: every other API's calls become events that the gateway
# posts in batches (PORTICO_ANALYTICS_HTTP_URL, the DB-less gateway's sink) to a small
# collector started here, which counts the events it receives (reported at the end), so
# the gateway pays for recording, encoding and sending them. The collector runs outside
# the gateway's pinned CPU, as a real analytics store would run on another machine.
#
# The two limited tiers allow 1,000,000 requests/s with a burst of 1,000,000, as the
# harness asks (bookkeeping on every request, no rejection); the gateway runs with
# PORTICO_REDIS_URL (default redis://127.0.0.1:6379, a key prefix of its own).
#
# one application subscribes to all three, and `portico export --environment bench`
# writes the file `portico-gateway --config` then serves (the dist build, one worker,
# pinned by the harness). Each API is one gateway variant of the one run.
#
# Usage: bash scripts/bench-gateway.sh [extra proxy-bench options, e.g. --quick]
# Environment: BENCH (the harness, default ../shared/bench/proxy-bench.sh), CONFIGS
# (default "direct nginx-gw"), VARIANTS (only these gateway variants, e.g. "key-auth
# key-auth-untracked"; default all), WORK (scratch folder, default a new temporary one),
# REDIS_URL (default redis://127.0.0.1:6379).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

BENCH=${BENCH:-$ROOT/../shared/bench/proxy-bench.sh}
CONFIGS=${CONFIGS:-direct nginx-gw}
WORK=${WORK:-$(mktemp -d)}
BACKEND=http://127.0.0.1:18480
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
[ -x "$BENCH" ] || [ -f "$BENCH" ] || { echo "the harness is not at $BENCH (set BENCH)" >&2; exit 1; }
command -v jq >/dev/null || sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null

log "building portico (debug, for the set-up) and portico-gateway (dist, what ships)"
(leptos_build_env && cargo build --quiet -p server --bin portico)
cargo build --quiet --profile dist -p gateway --bin portico-gateway
portico="$(target_dir)/debug/portico"
gateway="$(target_dir)/dist/portico-gateway"

log "starting portico on a fresh database in $WORK"
port=$(free_port)
export PORTICO_DATA_DIR="$WORK/data"
export PORTICO_DATABASE_URL="sqlite://$WORK/data/portico.db?mode=rwc"
mkdir -p "$PORTICO_DATA_DIR"
admin_email=operator@portico.test
admin_password="pw-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
PORTICO_LISTEN="127.0.0.1:$port" \
PORTICO_GATEWAY_LISTEN="127.0.0.1:$(free_port)" \
PORTICO_GATEWAY_STATUS_LISTEN="127.0.0.1:$(free_port)" \
PORTICO_ADMIN_EMAIL="$admin_email" PORTICO_ADMIN_PASSWORD="$admin_password" \
  "$portico" >"$WORK/portico.log" 2>&1 &
portico_pid=$!
trap 'kill "$portico_pid" 2>/dev/null || true' EXIT
base="http://127.0.0.1:$port"
wait_for "$base/readyz" 120

# `call METHOD PATH [JSON]`: the REST API with the token; fails loudly on an error status.
call() {
  local out status
  out=$(curl -sS -X "$1" "$base$2" -H "authorization: Bearer $token" -H 'content-type: application/json' \
    ${3:+--data "$3"} -w '\n%{http_code}')
  status=${out##*$'\n'}
  if [ "${status:0:1}" != 2 ]; then echo "$1 $2 answered $status: ${out%$'\n'*}" >&2; exit 1; fi
  printf '%s' "${out%$'\n'*}"
}

log "signing in and creating a personal access token"
jar="$WORK/cookies"
csrf=$(curl -sS -c "$jar" "$base/api/auth/login" -H 'content-type: application/json' \
  --data "$(jq -n --arg e "$admin_email" --arg p "$admin_password" '{email:$e,password:$p}')" | jq -r .csrf_token)
token=$(curl -sS -b "$jar" "$base/api/me/tokens" -H 'content-type: application/json' -H "origin: $base" \
  -H "x-csrf-token: $csrf" --data '{"name":"bench","expires_in_days":1}' | jq -r .secret)
[ -n "$token" ] && [ "$token" != null ] || { echo "could not create a token" >&2; exit 1; }

log "publishing /ka, /jwt, /basic, /ka-local and /ka-redis to the environment bench"
call POST /api/admin/v1/environments '{"name":"bench","display_name":"Bench"}' >/dev/null
for tier in "Bench local:true" "Bench exact:false"; do
  call POST /api/admin/v1/tiers "$(jq -n --arg n "${tier%%:*}" --argjson a "${tier#*:}" \
    '{name:$n,rate_limit:1000000,rate_period_secs:1,burst:1000000,approximate:$a}')" >/dev/null
done
org=$(call GET /api/admin/v1/orgs | jq -r '(.items // .)[0].id')
app=$(call POST /api/portal/v1/applications "$(jq -n --arg o "$org" '{org_id:$o,name:"Bench client"}')" | jq -r .id)
for triple in ka:api_key:Unlimited jwt:jwt:Unlimited basic:basic:Unlimited "ka-local:api_key:Bench local" \
  "ka-redis:api_key:Bench exact" ka-untracked:api_key:Unlimited; do
  context=/${triple%%:*} rest=${triple#*:}
  auth=${rest%%:*} tier=${rest#*:}
  untracked=$([ "$context" = /ka-untracked ] && echo true || echo false)
  api=$(call POST /api/publisher/v1/apis "$(jq -n --arg o "$org" --arg c "$context" --arg a "$auth" --arg u "$BACKEND" \
    --argjson q "$untracked" '{org_id:$o,name:("Bench " + $c),context:$c,version:"v1",visibility:"public",
      definition:{production:{endpoints:[{url:$u,weight:1}]},auth:$a,do_not_track:$q}}')" | jq -r .id)
  call POST "/api/publisher/v1/apis/$api/default-version" >/dev/null
  revision=$(call POST "/api/publisher/v1/apis/$api/revisions" '{"description":"bench"}' | jq -r .id)
  call PUT "/api/publisher/v1/apis/$api/deployments/bench" "$(jq -n --arg r "$revision" '{revision_id:$r}')" >/dev/null
  call POST "/api/publisher/v1/apis/$api/lifecycle" '{"state":"published"}' >/dev/null
  call POST "/api/portal/v1/applications/$app/subscriptions" "$(jq -n --arg a "$api" --arg t "$tier" '{api_id:$a,tier:$t}')" >/dev/null
done

log "issuing the application's credentials"
api_key=$(call POST "/api/portal/v1/applications/$app/keys" '{"environment":"bench"}' | jq -r .secret)
client=$(call POST "/api/portal/v1/applications/$app/oauth-clients" '{"environment":"bench","access_token_ttl":7200}')
client_id=$(jq -r .client.client_id <<<"$client")
client_secret=$(jq -r .client_secret <<<"$client")
jwt=$(curl -sS -u "$client_id:$client_secret" "$base/oauth2/token" -d grant_type=client_credentials | jq -r .access_token)
basic_password="pw-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
call POST "/api/portal/v1/applications/$app/basic-credentials" \
  "$(jq -n --arg p "$basic_password" '{environment:"bench",username:"bench-user",password:$p}')" >/dev/null
basic=$(printf 'bench-user:%s' "$basic_password" | base64 -w0)
[ -n "$jwt" ] && [ "$jwt" != null ] || { echo "no access token" >&2; exit 1; }

log "exporting the environment bench"
config="$WORK/gateway.yaml"
"$portico" export --environment bench --output "$config"
kill "$portico_pid"; wait "$portico_pid" 2>/dev/null || true

log "starting the analytics collector"
collector_port=$(free_port)
python3 - "$collector_port" "$WORK/events-received" <<'PY' >"$WORK/collector.log" 2>&1 &
import http.server, sys
port, out = int(sys.argv[1]), sys.argv[2]
received = 0
class Collector(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        global received
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        received += body.count(b'"request_id"')
        with open(out, "w") as f:
            f.write(str(received))
        self.send_response(200); self.send_header("content-length", "0"); self.end_headers()
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), Collector).serve_forever()
PY
collector_pid=$!
trap 'kill "$collector_pid" 2>/dev/null || true' EXIT

log "running the bench (configs: $CONFIGS; variants key-auth, key-auth-untracked, jwt, basic, ka-local-limit, ka-redis-exact)"
export GATEWAY_CONFIG="$config"
prefix="bench-$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n'):"
export GATEWAY_CMD="exec env PORTICO_REDIS_URL='$REDIS_URL' PORTICO_REDIS_PREFIX='$prefix' PORTICO_ANALYTICS_HTTP_URL='http://127.0.0.1:$collector_port/' '$gateway' --config \"\$BENCH_GATEWAY_CONFIG\" --gateway-listen \"\$BENCH_GATEWAY_LISTEN\" --gateway-status-listen 127.0.0.1:18499"
export GATEWAY_VARIANTS="key-auth|/ka|X-API-Key: $api_key
key-auth-untracked|/ka-untracked|X-API-Key: $api_key
jwt|/jwt|Authorization: Bearer $jwt
basic|/basic|Authorization: Basic $basic
ka-local-limit|/ka-local|X-API-Key: $api_key
ka-redis-exact|/ka-redis|X-API-Key: $api_key"
if [ -n "${VARIANTS:-}" ]; then
  # Only the variants named in VARIANTS (e.g. "key-auth key-auth-untracked").
  GATEWAY_VARIANTS=$(while IFS= read -r line; do
    case " $VARIANTS " in *" ${line%%|*} "*) printf '%s\n' "$line" ;; esac
  done <<<"$GATEWAY_VARIANTS")
  export GATEWAY_VARIANTS
fi
bash "$BENCH" --configs "$CONFIGS" "$@"
log "analytics events received by the collector: $(cat "$WORK/events-received" 2>/dev/null || echo 0)"
