#!/usr/bin/env bash
# Bring the platform up on a swarm, in order, idempotently (run it again after adding nodes):
#   1. label nodes from nodes.yaml (role=registry|app|awdi|storage|database)
#   2. create the overlay networks (polise-proxy for routed services, polise-db for databases,
#      polise-docker for Polise's read-only view of the swarm)
#   3. create missing secret files in $POLISE_SECRETS_DIR (random values, keys, htpasswd);
#      Swarm secrets are created from them, named by content hash, by each stack's deploy
#   4. deploy: registry, proxy, storage, databases, then Polise, each waited for; before
#      Polise, its own PostgreSQL role and database (polise-database), made as every app's is
# Run on a manager, with polise installed (pip install polise) and images in the registry.
# Needs: POLISE_REGISTRY (e.g. registry.lan:5000), IMAGE_TAG (Polise's image tag); optional:
# POLISE_DOMAIN (apps.lan), POLISE_SECRETS_DIR (infra/secrets), NODES (infra/nodes.yaml),
# STACKS (which to deploy, default all, e.g. "postgresql polise"); for polise-database,
# POLISE_DB_ADMIN_URL (postgres://postgres@postgresql:5432/postgres, its password from
# postgres_password) and POLISE_DB_RUN (how to run Polise's Python: default the Polise image
# on the polise-db network, reading the secret files mounted read-only).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${POLISE_REGISTRY:?set POLISE_REGISTRY, e.g. registry.lan:5000}"
export POLISE_SECRETS_DIR=${POLISE_SECRETS_DIR:-$here/secrets}
export POLISE_DOMAIN=${POLISE_DOMAIN:-apps.lan}
nodes_file=${NODES:-$here/nodes.yaml}
stacks=${STACKS:-registry proxy minio postgresql mysql docker-api polise-database polise}

say() { echo "== $*"; }

say "node labels from $nodes_file"
known=$(docker node ls --format '{{.Hostname}}')
while IFS=: read -r host role; do
  host=$(echo "$host" | xargs); role=$(echo "${role%%#*}" | xargs)
  [ -z "$host" ] || [ "${host:0:1}" = "#" ] || [ -z "$role" ] && continue
  if grep -qx "$host" <<<"$known"; then
    docker node update --label-add "role=$role" "$host" >/dev/null
    echo "   $host: role=$role"
  else
    echo "   $host: not in the swarm yet (join it, then run this again)"
  fi
done <"$nodes_file"

say "overlay networks"
for net in polise-proxy polise-db polise-docker; do
  # polise-docker carries only Polise's reads of the swarm: nothing outside it is reachable.
  internal=(); [ "$net" = polise-docker ] && internal=(--internal)
  docker network inspect "$net" >/dev/null 2>&1 \
    || docker network create --driver overlay --attachable "${internal[@]}" "$net" >/dev/null
  echo "   $net"
done

say "secret files in $POLISE_SECRETS_DIR (existing ones are kept)"
mkdir -p "$POLISE_SECRETS_DIR" && chmod 700 "$POLISE_SECRETS_DIR"
make_secret() {  # NAME COMMAND...: write the command's output unless the file exists
  local path="$POLISE_SECRETS_DIR/$1"; shift
  [ -s "$path" ] && return 0
  (umask 077 && "$@" >"$path.tmp" && mv "$path.tmp" "$path")
  echo "   created $1"
}
random() { python3 -c "import secrets; print(secrets.token_urlsafe($1), end='')"; }
make_secret polise_secret_key random 50
make_secret polise_github_webhook_secret random 32
make_secret polise_oidc_private_key openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048
make_secret postgres_password random 24
make_secret mysql_root_password random 24
make_secret minio_root_user printf polise-admin
make_secret minio_root_password random 24
make_secret polise_database_password random 24
make_secret polise_database_url sh -c "printf 'postgres://polise:%s@postgresql:5432/polise' \
  \"\$(cat '$POLISE_SECRETS_DIR/polise_database_password')\""
make_secret registry_password random 24
# htpasswd (apache2-utils) with bcrypt, the only hash the registry accepts.
make_secret registry_htpasswd sh -c "htpasswd -nbB polise \"\$(cat '$POLISE_SECRETS_DIR/registry_password')\""
if [ ! -s "$POLISE_SECRETS_DIR/polise_github_token" ]; then
  echo "   missing polise_github_token: put Polise's fine-grained GitHub token there (issues,"
  echo "   administration, secrets, variables, hooks and security advisories of the org's repos)"
fi
for tls in registry proxy; do
  if [ ! -s "$POLISE_SECRETS_DIR/${tls}_tls_cert" ]; then
    echo "   missing ${tls}_tls_cert / ${tls}_tls_key: put the office CA's certificate and key"
    echo "   for *.$POLISE_DOMAIN (proxy) or the registry's host name (registry) there"
  fi
done

deploy() {  # STACK: deploy infra/stacks/docker-stack.STACK.yml and wait for it
  local stack=$1
  say "deploy $stack"
  if [ "$stack" = registry ] && ! docker service inspect registry_registry >/dev/null 2>&1; then
    # The registry cannot serve its own image yet: docker load it on the registry node first.
    # No digest to pin here, so plain docker stack deploy; Swarm still rolls back on failure.
    (cd "$here/stacks" && env $(polise_hashes registry) docker stack deploy \
      --resolve-image never -c docker-stack.registry.yml registry)
    return
  fi
  (cd "$here/stacks" && polise deploy --no-report --app "$stack" --stack "$stack" \
    -c "docker-stack.$stack.yml")
}
polise_hashes() {  # the POLISE_HASH_* variables, for the one stack deployed without polise
  python3 - "$here/stacks/docker-stack.$1.yml" <<'PY'
import os, sys
from pathlib import Path
from polise.gitops.deploy.stack import load_stack
stack = load_stack([Path(sys.argv[1])], os.environ)
print(" ".join(f"{k}={v}" for k, v in stack.environ.items() if k.startswith("POLISE_HASH_")))
PY
}

polise_database() {  # Polise's own role and database on the PostgreSQL node, idempotently
  say "Polise's own database"
  local secrets=/run/polise-secrets run admin_password=()
  if [ -n "${POLISE_DB_RUN:-}" ]; then
    run=$POLISE_DB_RUN secrets=$POLISE_SECRETS_DIR
  else
    : "${IMAGE_TAG:?set IMAGE_TAG to the Polise image tag}"
    # Root in this one-off container only to read the secret files (mode 600, owned by root).
    run="docker run --rm --user 0 --network polise-db --entrypoint python3
      -v $POLISE_SECRETS_DIR:$secrets:ro $POLISE_REGISTRY/polise:$IMAGE_TAG"
  fi
  [ -z "${POLISE_DB_ADMIN_URL:-}" ] && admin_password=(--admin-password-file "$secrets/postgres_password")
  $run -m polise.onboarding.databases ensure \
    --admin-url "${POLISE_DB_ADMIN_URL:-postgres://postgres@postgresql:5432/postgres}" \
    "${admin_password[@]}" --name "${POLISE_DB_NAME:-polise}" \
    --password-file "$secrets/polise_database_password"
}

for stack in $stacks; do
  [ "$stack" = polise ] && : "${IMAGE_TAG:?set IMAGE_TAG to the Polise image tag to deploy}"
  if [ "$stack" = polise-database ]; then polise_database; else deploy "$stack"; fi
done
say "done: Polise at https://polise.$POLISE_DOMAIN"
