#!/usr/bin/env bash
# Start a local PostgreSQL server for the store's integration tests.
#
# Uses the Debian/Ubuntu cluster tools (pg_lsclusters, pg_ctlcluster, pg_createcluster) and an
# already installed server; it installs nothing. Safe to run any number of times: it starts the
# cluster only if it is down, and creates the role and the database only if they are missing.
# Progress goes to stderr; stdout is one line, the database URL for the tests:
#
#   export ARXIV_RADAR_TEST_PG_URL="$(scripts/start-postgres.sh)"
#   # postgresql+psycopg://arxiv:arxiv@127.0.0.1:5432/arxiv_radar_test
#
# Settings (environment): PG_VERSION (default: the newest installed), PG_CLUSTER (main),
# PG_ROLE (arxiv), PG_PASSWORD (arxiv), PG_DATABASE (arxiv_radar_test).
set -euo pipefail

PG_CLUSTER="${PG_CLUSTER:-main}"
PG_ROLE="${PG_ROLE:-arxiv}"
PG_PASSWORD="${PG_PASSWORD:-arxiv}"
PG_DATABASE="${PG_DATABASE:-arxiv_radar_test}"

say() { echo "start-postgres: $*" >&2; }
die() {
  say "$*"
  exit 1
}

for tool in pg_lsclusters pg_ctlcluster pg_createcluster; do
  command -v "$tool" >/dev/null 2>&1 \
    || die "'$tool' not found: install the PostgreSQL server and postgresql-common first"
done

if [[ -z "${PG_VERSION:-}" ]]; then
  PG_VERSION="$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1 || true)"
fi
[[ -n "$PG_VERSION" && -x "/usr/lib/postgresql/$PG_VERSION/bin/postgres" ]] \
  || die "no PostgreSQL server binaries in /usr/lib/postgresql/${PG_VERSION:-<version>}/bin"

# Root runs the cluster tools directly; anyone else needs sudo.
if [[ "$(id -u)" -eq 0 ]]; then
  as_root() { "$@"; }
elif command -v sudo >/dev/null 2>&1; then
  as_root() { sudo "$@"; }
else
  die "run as root, or install sudo"
fi
as_postgres() { as_root su postgres -c "$1"; }

cluster_status() {
  pg_lsclusters --no-header | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" \
    '$1 == v && $2 == c { print $4 }'
}

status="$(cluster_status)"
if [[ -z "$status" ]]; then
  say "creating cluster $PG_VERSION/$PG_CLUSTER"
  as_root pg_createcluster "$PG_VERSION" "$PG_CLUSTER" --start >&2
elif [[ "$status" != online* ]]; then
  say "starting cluster $PG_VERSION/$PG_CLUSTER"
  as_root pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start >&2
else
  say "cluster $PG_VERSION/$PG_CLUSTER already running"
fi

PG_PORT="$(pg_lsclusters --no-header | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" \
  '$1 == v && $2 == c { print $3 }')"
psql_cmd="psql --port=$PG_PORT --no-psqlrc --quiet --tuples-only --no-align"

# Wait until the server accepts connections (a fresh start can take a moment).
for _ in $(seq 1 30); do
  if as_postgres "$psql_cmd -c 'SELECT 1'" >/dev/null 2>&1; then
    break
  fi
  sleep 1
done
as_postgres "$psql_cmd -c 'SELECT 1'" >/dev/null || die "the server does not accept connections"

if [[ "$(as_postgres "$psql_cmd -c \"SELECT 1 FROM pg_roles WHERE rolname = '$PG_ROLE'\"")" != 1 ]]
then
  say "creating role $PG_ROLE"
  as_postgres "$psql_cmd -c \"CREATE ROLE $PG_ROLE LOGIN PASSWORD '$PG_PASSWORD' SUPERUSER\"" >&2
fi

if [[ "$(as_postgres "$psql_cmd -c \"SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'\"")" \
  != 1 ]]; then
  say "creating database $PG_DATABASE"
  as_postgres "createdb --port=$PG_PORT -O $PG_ROLE $PG_DATABASE" >&2
fi

url="postgresql+psycopg://$PG_ROLE:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DATABASE"
say "ready; for the tests: export ARXIV_RADAR_TEST_PG_URL=$url"
echo "$url"
