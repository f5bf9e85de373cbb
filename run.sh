#!/usr/bin/env bash
# First command: set up (once) and open the app on its embedded SQLite demo shop.
#   ./run.sh                  the demo shop (a separate demo database, staff PINs shown at sign-in)
#   ./run.sh --db shop.sqlite3   your own shop (first start shows "Set up my shop")
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo "No screen found (DISPLAY is not set): starting a virtual screen :99 with Xvfb."
    echo "Take a look with a VNC viewer on it, or run this on a desktop session."
    Xvfb :99 -screen 0 1366x768x24 >/dev/null 2>&1 &
    export DISPLAY=:99
    sleep 1
fi
if [ $# -eq 0 ]; then
    set -- --demo
fi
exec .venv/bin/python main.py "$@"
