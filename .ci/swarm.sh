#!/usr/bin/env bash
# A real single-node Docker Swarm with a real registry, for tests/swarm and bench/deploy.
# Idempotent: every step checks first, so it can be sourced again while things are up.
# Sourced by .ci/run; exports POLISE_TEST_SWARM=1 and POLISE_TEST_REGISTRY for the tests.
#
# No image can be pulled here, so the base images that the templates' and Polise's
# Dockerfiles name in FROM are made from a debootstrap rootfs (or busybox-static) with
# `docker import`, under those names: the real Dockerfiles then build unchanged with the
# legacy builder (DOCKER_BUILDKIT=0), which pulls nothing that is present.
set -euo pipefail

swarm_cache=${POLISE_SWARM_CACHE:-/var/cache/polise-swarm}
swarm_log=${POLISE_SWARM_LOG:-/var/log/polise-swarm}
mkdir -p "$swarm_cache" "$swarm_log"

swarm_packages=(docker.io docker-registry debootstrap busybox-static)
swarm_missing=()
for p in "${swarm_packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || swarm_missing+=("$p"); done
if [ ${#swarm_missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${swarm_missing[@]}" >/dev/null
fi

# dockerd without iptables (this sandbox has none): overlay networks and host-mode published
# ports work; the ingress routing mesh does not, so every test stack publishes in host mode.
if ! docker info >/dev/null 2>&1; then
  (setsid dockerd --storage-driver=vfs --iptables=false --ip-masq=false --bridge=none \
    >"$swarm_log/dockerd.log" 2>&1 &)
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { tail -n 30 "$swarm_log/dockerd.log" >&2; exit 1; }
fi
if [ "$(docker info --format '{{.Swarm.LocalNodeState}}')" != active ]; then
  docker swarm init --advertise-addr 127.0.0.1 >/dev/null
fi
# The one node stands in for the app nodes, which is where the templates place apps.
docker node update --label-add role=app "$(docker info --format '{{.Swarm.NodeID}}')" >/dev/null
docker network inspect polise-proxy >/dev/null 2>&1 \
  || docker network create --driver overlay --attachable polise-proxy >/dev/null

# The registry: plain HTTP on loopback (docker trusts 127.0.0.0/8 without TLS).
registry_up() { curl -fs -o /dev/null http://127.0.0.1:5000/v2/; }
if ! registry_up; then
  mkdir -p /var/lib/polise-registry
  cat >"$swarm_cache/registry.yml" <<'YAML'
version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: /var/lib/polise-registry}
  delete: {enabled: true}
http: {addr: 127.0.0.1:5000}
YAML
  (setsid docker-registry serve "$swarm_cache/registry.yml" >"$swarm_log/registry.log" 2>&1 &)
  for _ in $(seq 30); do registry_up && break; sleep 1; done
  registry_up || { tail -n 30 "$swarm_log/registry.log" >&2; exit 1; }
fi

# Base images. The rootfs tarball is cached outside the work tree, so a machine that keeps
# /var/cache skips debootstrap; one that keeps /var/lib/docker skips the import too.
debian_mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null \
  || true)
debian_mirror=${debian_mirror:-http://deb.debian.org/debian}
python_rootfs="$swarm_cache/bookworm-python.tar"
if ! docker image inspect python:3.11-slim >/dev/null 2>&1; then
  if [ ! -s "$python_rootfs" ]; then
    root=$(mktemp -d)
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
      bookworm "$root" "$debian_mirror" >"$swarm_log/debootstrap.log" 2>&1 \
      || { tail -n 30 "$swarm_log/debootstrap.log" >&2; exit 1; }
    # This machine's egress may re-sign TLS with a private CA: the image trusts what the host
    # trusts, so `pip install` in a template's Dockerfile reaches PyPI as the host does.
    cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
    # Package caches and lists make every vfs layer copy larger; the image needs neither.
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
      "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/*
    chmod 755 "$root"  # mktemp made it 0700: the image's / would shut non-root users out
    tar -C "$root" -cf "$python_rootfs.tmp" . && mv "$python_rootfs.tmp" "$python_rootfs"
    rm -rf "$root"
  fi
  docker import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["python3"]' "$python_rootfs" python:3.11-slim >/dev/null
fi
# The same rootfs is the Debian base of the CI's stand-in PostgreSQL image.
docker image inspect debian:bookworm-slim >/dev/null 2>&1 \
  || docker tag python:3.11-slim debian:bookworm-slim
if ! docker image inspect busybox:1.36 >/dev/null 2>&1; then
  root=$(mktemp -d)
  chmod 755 "$root"
  mkdir -p "$root/bin" "$root/tmp" "$root/etc"
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' \
    >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  tar -C "$root" -c . | docker import --change 'ENV PATH=/bin' --change 'CMD ["sh"]' - \
    busybox:1.36 >/dev/null
  rm -rf "$root"
fi

# polise lint's interpolation is compared with `docker stack config` (tests/gitops), which the
# Debian docker.io 20.10 CLI lacks: a newer Docker CLI (23+) must come first on PATH.
docker stack config --help >/dev/null 2>&1 \
  || echo "swarm.sh: warning: the docker CLI on PATH has no 'docker stack config' (needs 23+)" >&2

export DOCKER_BUILDKIT=0
export POLISE_TEST_SWARM=1
export POLISE_TEST_REGISTRY=127.0.0.1:5000
