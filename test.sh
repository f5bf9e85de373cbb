#!/usr/bin/env bash
# Second command: set up (once) and run the whole test suite, with lint and type checks.
# PostgreSQL is installed if missing; the tests start their own throw-away server.
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh --dev
echo "==> ruff"
.venv/bin/ruff check .
echo "==> mypy"
.venv/bin/mypy desk_app ui main.py
echo "==> pytest"
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/pytest -q -p no:cacheprovider -n 2 --timeout=900 "$@"
