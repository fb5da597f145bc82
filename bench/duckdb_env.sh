#!/usr/bin/env bash
# Make sure the Python virtual environment with DuckDB exists, then print the
# path of its python. Idempotent: a second run only prints the path.
#
#   PY=$(bash bench/duckdb_env.sh) && "$PY" bench/duckdb_reports.py BUNDLE --report esf --year 2023
#
# The location can be overridden with LOTSE_DUCKDB_VENV.
set -euo pipefail
VENV="${LOTSE_DUCKDB_VENV:-/var/tmp/lotse-duckdb-venv}"
PY="$VENV/bin/python"
if ! [ -x "$PY" ] || ! "$PY" -c 'import duckdb' >/dev/null 2>&1; then
    python3 -m venv "$VENV" >&2
    "$VENV/bin/pip" install --quiet --disable-pip-version-check duckdb >&2
fi
echo "$PY"
