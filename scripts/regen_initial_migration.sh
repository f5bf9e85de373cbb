#!/usr/bin/env bash
# Pre-release only: regenerate migrations/versions/*_0001_initial_schema.py from
# desk_app/db/models.py. Once a release has shipped, add a new migration instead
# (see docs/architecture.md, "Adding a migration").
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
tmp=$(mktemp -d)
mv migrations/versions/*.py "$tmp"/
trap 'mv "$tmp"/*_0002_* migrations/versions/ 2>/dev/null || true; rm -rf "$tmp"' EXIT
rm -f /tmp/regen.sqlite3
$PY - <<'PYEOF'
from alembic import command
from desk_app.db.engine import Database
from desk_app.db.migrate import alembic_config
db = Database.open("/tmp/regen.sqlite3")
cfg = alembic_config(db)
command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
PYEOF
# keep the original date prefix so the file name is stable
new=$(ls migrations/versions/*_0001_*.py)
old=$(ls "$tmp"/*_0001_*.py 2>/dev/null || true)
if [ -n "$old" ] && [ "$new" != "migrations/versions/$(basename "$old")" ]; then
    mv "$new" "migrations/versions/$(basename "$old")"
fi
sed -i '/^Create Date:/d' migrations/versions/*_0001_*.py
rm -f /tmp/regen.sqlite3*
echo "regenerated $(ls migrations/versions/*_0001_*.py)"
