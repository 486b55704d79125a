#!/usr/bin/env bash
# Forward-auth throughput and latency beside a bare WSGI hello (the ceiling) and a minimal
# Django view (/healthz through the full middleware stack), all on granian as `polise serve`
# runs it (WSGI, 8 blocking threads), one worker each, measured in one run with wrk
# (one thread, 50 connections). Three forward-auth runs, each right after the hello driven the
# same way (same headers or the same Lua script, so wrk's own cost is the same):
#   1. one signed-in user on one host (every request after the first is a cache hit);
#   2. SESSIONS (10,000) distinct signed-in sessions over HOSTS (200) catalog hosts, a random
#      session and one of its hosts per request (rotate.lua);
#   3. the same while 1% of those sessions sign out (signout.py, through the sso service),
#      counting every 2xx given for a signed-out session later than the cache TTL (aim: 0).
# Usage: bench/forward_auth/run.sh [SECONDS] [SESSIONS] [HOSTS]
# Prints the database used, the load average around each run and a summary table.
# Needs wrk (installed with apt-get when missing and run as root).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-15}
sessions=${2:-10000}
hosts=${3:-200}
if ! command -v wrk >/dev/null; then
  [ "$(id -u)" = 0 ] || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
data=$(mktemp -d)
export POLISE_DATA_DIR=$data DJANGO_SETTINGS_MODULE=polise.settings POLISE_LOG_LEVEL=WARNING
# SQLite in the data directory by default; BENCH_POSTGRES_URL=postgres://user:pw@host/any runs
# on a fresh PostgreSQL database made (and dropped afterwards) on that server.
stop() {  # granian waits on open connections at SIGTERM: give it a moment, then SIGKILL
  kill "$@" 2>/dev/null || true
  for _ in $(seq 30); do kill -0 "$@" 2>/dev/null || return 0; sleep 0.1; done
  for pid in "$@"; do pkill -KILL -P "$pid" 2>/dev/null || true; kill -KILL "$pid" 2>/dev/null || true; done
}
dropdb=:
pids=()
trap 'stop "${pids[@]}"; eval "$dropdb"; rm -rf "$data"' EXIT
if [ -n "${BENCH_POSTGRES_URL:-}" ]; then
  db=polise_fabench_$$
  pg() { .venv/bin/python -c 'import psycopg, sys
with psycopg.connect(sys.argv[1], autocommit=True) as c: c.execute(sys.argv[2])' "$BENCH_POSTGRES_URL" "$1"; }
  pg "CREATE DATABASE $db"
  dropdb="pg 'DROP DATABASE IF EXISTS $db WITH (FORCE)'"
  export DATABASE_URL=${BENCH_POSTGRES_URL%/*}/$db
fi
ttl=${POLISE_FORWARD_AUTH_CACHE_SECONDS:-10}
if [ -n "${DATABASE_URL:-}" ]; then echo "database: PostgreSQL ${DATABASE_URL##*/}"; else echo "database: SQLite"; fi
cookie=$(.venv/bin/python bench/forward_auth/setup_data.py)
.venv/bin/python bench/forward_auth/setup_scale.py "$data/scale" "$sessions" "$hosts"

serve() {  # target port
  .venv/bin/granian --interface wsgi --workers 1 --blocking-threads 8 --no-ws \
    --host 127.0.0.1 --port "$2" --log-level warning "$1" &
  pids+=($!)
}
PYTHONPATH=bench/forward_auth serve hello:application 8701
serve polise.wsgi:application 8702  # what `polise serve` runs
for port in 8701 8702; do
  up=
  for _ in $(seq 600); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && up=1 && break; sleep 0.1; done
  [ -n "$up" ] || { echo "granian did not answer on $port" >&2; exit 1; }
done

headers=(-H "Cookie: polise_fa=$cookie" -H "X-Forwarded-Host: bench.example.go.id"
         -H "X-Forwarded-Proto: https" -H "X-Forwarded-Uri: /laporan" -H "X-Forwarded-Method: GET")
status=$(curl -s -o /dev/null -w '%{http_code}' "${headers[@]}" http://127.0.0.1:8702/forward-auth)
[ "$status" = 200 ] || { echo "forward-auth answered $status, not 200" >&2; exit 1; }

# CPU time the server's worker process spent (all its threads; clock ticks), read around each
# run: the cost per request, which a busy machine disturbs far less than requests/s.
worker_of() { pgrep -P "$1" | head -1; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hello_worker=$(worker_of "${pids[0]}")
polise_worker=$(worker_of "${pids[1]}")
results=$data/results
: >"$results"
record() {  # name worker ticks-before (reads $data/wrk.out)
  local ticks=$(( $(cpu_ticks "$2") - $3 ))
  awk -v name="$1" -v ticks="$ticks" -v hz="$(getconf CLK_TCK)" '
    $1 == "50%" { p50 = $2 } $1 == "99%" { p99 = $2 } $1 == "Requests/sec:" { rps = $2 }
    / requests in / { n = $1 } /Non-2xx/ { non2xx = $NF }
    END { printf "%s\t%d\t%s\t%s\t%s\t%.1f\n", name, rps, p50, p99, non2xx + 0, 1e6 * ticks / hz / n }
  ' "$data/wrk.out" >>"$results"
}
run() {  # name duration url [wrk args...]
  local name=$1 duration=$2 url=$3; shift 3
  local worker=$polise_worker
  case $url in *:8701/*) worker=$hello_worker ;; esac
  wrk -t1 -c50 -d2s "$@" "$url" >/dev/null  # warm-up
  echo "== $name ($(cut -d' ' -f1-3 /proc/loadavg) load average before)"
  local before
  before=$(cpu_ticks "$worker")
  wrk -t1 -c50 -d"${duration}s" --latency "$@" "$url" | tee "$data/wrk.out"
  record "$name" "$worker" "$before"
}
export FA_SESSIONS=$data/scale/sessions.txt FA_HOSTS=$hosts FA_TTL=$ttl

run "hello, fixed headers" "$seconds" http://127.0.0.1:8701/forward-auth "${headers[@]}"
run "forward-auth, one session" "$seconds" http://127.0.0.1:8702/forward-auth "${headers[@]}"

run "hello, rotate.lua" "$seconds" http://127.0.0.1:8701/forward-auth -s bench/forward_auth/rotate.lua
run "forward-auth, $sessions sessions x $hosts hosts" "$seconds" \
  http://127.0.0.1:8702/forward-auth -s bench/forward_auth/rotate.lua

# The sign-out run lasts SECONDS + TTL; the sign-outs are spread over its first SECONDS / 2, so
# each is watched for at least SECONDS / 2 beyond its TTL.
long=$((seconds + ttl))
: >"$data/none.txt"
FA_SIGNED_OUT=$data/none.txt run "hello, rotate.lua with response check" "$long" \
  http://127.0.0.1:8701/forward-auth -s bench/forward_auth/rotate.lua
.venv/bin/python bench/forward_auth/signout.py "$FA_SESSIONS" "$data/signed_out.txt" \
  "$data/go" "$((seconds / 2))" &
signer=$!
for _ in $(seq 600); do [ -e "$data/signed_out.txt.ready" ] && break; sleep 0.1; done
wrk -t1 -c50 -d2s -s bench/forward_auth/rotate.lua http://127.0.0.1:8702/forward-auth >/dev/null
(sleep 0.5; touch "$data/go") &
echo "== sign-out run ($(cut -d' ' -f1-3 /proc/loadavg) load average before)"
before=$(cpu_ticks "$polise_worker")
FA_SIGNED_OUT=$data/signed_out.txt wrk -t1 -c50 -d"${long}s" --latency \
  -s bench/forward_auth/rotate.lua http://127.0.0.1:8702/forward-auth | tee "$data/wrk.out"
record "forward-auth, $sessions sessions, 1% signing out" "$polise_worker" "$before"
wait $signer

run "minimal Django view /healthz (full middleware)" "$seconds" http://127.0.0.1:8702/healthz

echo
echo "== summary ($(cut -d' ' -f1-3 /proc/loadavg) load average after; $(nproc) cores)"
awk -F'\t' '
  BEGIN { printf "%-50s %8s %8s %8s %8s %8s %12s\n", "target", "req/s", "p50", "p99", "non-2xx",
                 "vs hello", "worker CPU/req" }
  /^hello/ { ceiling = $2 }
  { printf "%-50s %8d %8s %8s %8d %7d%% %9.1f us\n", $1, $2, $3, $4, $5, 100 * $2 / ceiling, $6 }
' "$results"
