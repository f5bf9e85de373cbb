#!/usr/bin/env bash
# Second command: set up (once) and run the whole test suite, with lint and type checks.
# PostgreSQL is installed if missing; the tests start their own throw-away server.
# With no arguments: the whole suite, then the integration and UI tests again with the clock moved
# (scripts/time_travel.sh), then the desktop bundle built and used as a shop would
# (scripts/build_bundle.py, docs/packaging.md). With arguments: pytest on just those
# (./test.sh tests/unit -k money).
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh --dev
echo "==> ruff"
.venv/bin/ruff check .
echo "==> mypy"
.venv/bin/mypy desk_app ui main.py
echo "==> import-linter (layers, no cycles; pyproject.toml [tool.importlinter])"
.venv/bin/lint-imports --no-cache
echo "==> pytest"
export QT_QPA_PLATFORM=offscreen
if [ $# -gt 0 ]; then  # a chosen part of the suite: just that
    exec .venv/bin/pytest -q -p no:cacheprovider -n 2 --timeout=900 "$@"
fi
.venv/bin/pytest -q -p no:cacheprovider -n 2 --timeout=900
# and once more with the machine's clock moved: no test may depend on the day it runs
scripts/time_travel.sh
echo "==> the desktop bundle (PyInstaller), built and smoke-tested"
exec .venv/bin/python scripts/build_bundle.py --dist build/bundle/dist
