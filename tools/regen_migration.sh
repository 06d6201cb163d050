#!/usr/bin/env bash
# Until the first release, the schema is one initial migration regenerated from the models.
# (After a release, add a new revision with `alembic revision --autogenerate` instead.)
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f migrations/versions/0001_initial_schema.py
DATABASE_URL="sqlite:///$tmp/gen.db" .venv/bin/alembic revision --autogenerate -m "initial schema" --rev-id 0001 >/dev/null
DATABASE_URL="sqlite:///$tmp/gen.db" .venv/bin/alembic upgrade head
DATABASE_URL="sqlite:///$tmp/gen.db" .venv/bin/alembic check
rm -rf "$tmp"
