#!/usr/bin/env bash
# Forward-auth throughput and latency for a signed-in user, beside a bare WSGI hello and a
# minimal Django view (/healthz through the full middleware stack), all on granian as
# `polise serve` runs it (WSGI, 8 blocking threads), one worker each, measured in one run with
# wrk (50 connections). Usage: bench/forward_auth/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-15}
data=$(mktemp -d)
export POLISE_DATA_DIR=$data DJANGO_SETTINGS_MODULE=polise.settings POLISE_LOG_LEVEL=WARNING
cookie=$(.venv/bin/python bench/forward_auth/setup_data.py)

serve() {  # target port
  .venv/bin/granian --interface wsgi --workers 1 --blocking-threads 8 --no-ws \
    --host 127.0.0.1 --port "$2" --log-level warning "$1" &
}
PYTHONPATH=bench/forward_auth serve hello:application 8701
hello_pid=$!
serve polise.sso.wsgi:application 8702
polise_pid=$!
trap 'kill $hello_pid $polise_pid 2>/dev/null; rm -rf "$data"' EXIT
for port in 8701 8702; do
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
done

headers=(-H "Cookie: polise_fa=$cookie" -H "X-Forwarded-Host: bench.example.go.id"
         -H "X-Forwarded-Proto: https" -H "X-Forwarded-Uri: /laporan" -H "X-Forwarded-Method: GET")
status=$(curl -s -o /dev/null -w '%{http_code}' "${headers[@]}" http://127.0.0.1:8702/forward-auth)
[ "$status" = 200 ] || { echo "forward-auth answered $status, not 200" >&2; exit 1; }

run() {  # name url [headers...]
  local name=$1 url=$2; shift 2
  wrk -t1 -c50 -d2s "$@" "$url" >/dev/null  # warm-up
  echo "== $name"
  wrk -t1 -c50 -d"${seconds}s" --latency "$@" "$url"
}
run "bare WSGI hello (granian)" http://127.0.0.1:8701/
run "forward-auth, signed-in user (polise.sso.wsgi)" http://127.0.0.1:8702/forward-auth "${headers[@]}"
run "minimal Django view /healthz (full middleware)" http://127.0.0.1:8702/healthz
