#!/usr/bin/env bash
# The integration and UI tests once more with the machine's clock moved (libfaketime), so that
# no test, and no code path under test, depends on the day it runs. The app reads the real time
# only through desk_app.db.engine.system_clock; tests give the services a FakeClock instead.
#   +400 days                      a year and more from today
#   31 Jan, 23:40 (UTC)            the last day of a month, late (already 1 Feb in Shanghai)
#   28 Mar 2027, 00:58 UTC, Berlin  two minutes before Europe's clocks go forward (TZ=Europe/Berlin)
#   29 Feb 2028                    a leap day
# Called by ./test.sh after the whole suite; run it alone with: scripts/time_travel.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen
if ! command -v faketime >/dev/null 2>&1; then
    echo "faketime is missing: run scripts/bootstrap.sh --dev" >&2
    exit 1
fi
run() {
    local label=$1 fake=$2 tz=$3
    echo "==> pytest with the clock at: $label (TZ=$tz)"
    TZ=$tz faketime -f "$fake" .venv/bin/pytest -q -p no:cacheprovider -n 2 --timeout=900 \
        tests/integration tests/ui
}
run "+400 days" "+400d" UTC
run "2027-01-31 23:40 UTC" "@2027-01-31 23:40:00" UTC
run "2027-03-28 00:58 UTC, daylight saving starts at 01:00" "@2027-03-28 00:58:00" Europe/Berlin
run "2028-02-29 10:00 UTC" "@2028-02-29 10:00:00" UTC
