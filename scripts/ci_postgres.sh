#!/usr/bin/env bash
# CI only: start the machine's PostgreSQL cluster (Debian's postgresql package creates one) and
# make sure the tests' role exists: IMPACT_TEST_PG_USER with IMPACT_TEST_PG_PASSWORD (.ci/run sets
# both), a superuser that logs in on localhost. Exit 0 when the server answers.
set -euo pipefail
role="${IMPACT_TEST_PG_USER:?set by .ci/run}"
password="${IMPACT_TEST_PG_PASSWORD:?set by .ci/run}"
cd /  # the postgres user may not enter the checkout ("could not change directory")
read -r version name _ < <(pg_lsclusters -h | head -1)
if [ -z "${version:-}" ]; then
  echo "no PostgreSQL cluster on this machine" >&2
  exit 1
fi
pg_ctlcluster "$version" "$name" start 2>/dev/null || true  # already running is fine
for _ in $(seq 1 30); do
  if su postgres -c "psql -qAtc 'SELECT 1'" >/dev/null 2>&1; then
    su postgres -c "psql -qAtc \"SELECT 1 FROM pg_roles WHERE rolname = '$role'\"" | grep -q 1 \
      || su postgres -c "psql -qc \"CREATE ROLE \\\"$role\\\" LOGIN SUPERUSER PASSWORD '$password'\""
    exit 0
  fi
  sleep 1
done
echo "PostgreSQL $version/$name did not answer" >&2
exit 1
