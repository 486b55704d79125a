#!/usr/bin/env bash
# Where forward-auth's time goes under load: py-spy samples the granian worker while wrk drives
# /forward-auth (one signed-in user, the run.sh setup). Writes a flame graph (SVG) and the raw
# samples (speedscope JSON is not needed; --format raw gives collapsed stacks to grep).
# Usage: bench/forward_auth/profile.sh [SECONDS] [OUTDIR]; TARGET=hello profiles the bare hello
# under the same load (its requests carry the same headers, which it ignores); SESSIONS=10000
# rotates over that many sessions and 200 hosts with rotate.lua (its headers win over -H).
# py-spy is not a project dependency: it is installed into a throwaway venv under /tmp.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-15}
out=${2:-$(mktemp -d)}
mkdir -p "$out"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
pyspy=${PY_SPY:-/tmp/py-spy-venv/bin/py-spy}
[ -x "$pyspy" ] || { python3 -m venv /tmp/py-spy-venv && /tmp/py-spy-venv/bin/pip install -q py-spy; }
data=$(mktemp -d)
export POLISE_DATA_DIR=$data DJANGO_SETTINGS_MODULE=polise.settings POLISE_LOG_LEVEL=WARNING
cookie=$(.venv/bin/python bench/forward_auth/setup_data.py)
wrk_args=()
if [ -n "${SESSIONS:-}" ]; then  # rotate over SESSIONS sessions and 200 hosts (rotate.lua)
  .venv/bin/python bench/forward_auth/setup_scale.py "$data/scale" "$SESSIONS" 200
  export FA_SESSIONS=$data/scale/sessions.txt FA_HOSTS=200
  wrk_args=(-s bench/forward_auth/rotate.lua)
fi

target=polise.sso.wsgi:application
[ "${TARGET:-}" = hello ] && { export PYTHONPATH=bench/forward_auth; target=hello:application; }
.venv/bin/granian --interface wsgi --workers 1 --blocking-threads 8 --no-ws \
  --host 127.0.0.1 --port 8712 --log-level warning "$target" &
granian_pid=$!
stop() {  # granian waits on open connections at SIGTERM: give it a moment, then SIGKILL
  kill "$@" 2>/dev/null || true
  for _ in $(seq 30); do kill -0 "$@" 2>/dev/null || return 0; sleep 0.1; done
  pkill -KILL -P "$(echo "$@" | tr ' ' ,)" 2>/dev/null || true; kill -KILL "$@" 2>/dev/null || true
}
trap 'stop $granian_pid; rm -rf "$data"' EXIT
up=
for _ in $(seq 600); do curl -s -o /dev/null http://127.0.0.1:8712/healthz && up=1 && break; sleep 0.1; done
[ -n "$up" ] || { echo "granian did not answer on 8712" >&2; exit 1; }
headers=(-H "Cookie: polise_fa=$cookie" -H "X-Forwarded-Host: bench.example.go.id"
         -H "X-Forwarded-Proto: https" -H "X-Forwarded-Uri: /laporan" -H "X-Forwarded-Method: GET")
wrk -t1 -c50 -d2s "${headers[@]}" "${wrk_args[@]}" http://127.0.0.1:8712/forward-auth >/dev/null  # warm-up
wrk -t1 -c50 -d"$((seconds + 2))s" --latency "${headers[@]}" "${wrk_args[@]}" http://127.0.0.1:8712/forward-auth \
  >"$out/wrk.txt" &
wrk_pid=$!
sleep 1
# The granian main process and its worker (a child process): sample them all.
"$pyspy" record --pid "$granian_pid" --subprocesses --duration "$seconds" --rate 1000 \
  --format raw --output "$out/forward-auth.raw" >/dev/null 2>&1
wait $wrk_pid
"$pyspy" record --help >/dev/null  # (keeps set -e honest about the binary)
.venv/bin/python bench/forward_auth/top_frames.py "$out/forward-auth.raw"
grep -E "Requests/sec|99%" "$out/wrk.txt"
echo "raw samples: $out/forward-auth.raw"
