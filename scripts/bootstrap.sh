#!/usr/bin/env bash
# Install what the app (and, with --dev, the tests) need. Safe to run again:
# each step checks first and does nothing when it is already done.
#   scripts/bootstrap.sh          runtime: Qt's system libraries, a CJK font, .venv with the app
#   scripts/bootstrap.sh --dev    also: PostgreSQL server, CUPS with cups-pdf, poppler-utils, faketime, test/lint tools
set -euo pipefail
cd "$(dirname "$0")/.."
DEV=0
[ "${1:-}" = "--dev" ] && DEV=1

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

PY=${PYTHON:-python3}
if ! command -v "$PY" >/dev/null 2>&1; then
    echo "Python 3.11 or newer is needed (python3 was not found)." >&2
    exit 1
fi
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
    echo "Python 3.11 or newer is needed; found $("$PY" --version)." >&2
    exit 1
fi

# ---------------------------------------------------------------- system packages (Debian/Ubuntu)
APT_PKGS=(libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0
          libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1
          libfontconfig1 libdbus-1-3 libglib2.0-0 fonts-wqy-microhei xvfb xauth)
if [ "$DEV" = 1 ]; then
    # cups, cups-client, printer-driver-cups-pdf: tests/cups.py starts its own CUPS server with a PDF queue
    APT_PKGS+=(postgresql postgresql-contrib poppler-utils faketime cups cups-client printer-driver-cups-pdf)
fi
if ! "$PY" -m venv --help >/dev/null 2>&1 || ! "$PY" -c 'import ensurepip' >/dev/null 2>&1; then
    APT_PKGS+=(python3-venv)
fi
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
    for p in "${APT_PKGS[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
fi
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
    if [ "$(id -u)" -ne 0 ] && [ -z "$SUDO" ]; then
        echo "Please install these Debian packages (as root): ${missing[*]}" >&2
        exit 1
    fi
    say "Installing system packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ---------------------------------------------------------------- Python packages
if [ ! -x .venv/bin/python ]; then
    say "Creating the virtual environment in .venv"
    "$PY" -m venv .venv
fi
EXTRA=""
[ "$DEV" = 1 ] && EXTRA="[dev]"
STAMP=.venv/.installed$([ "$DEV" = 1 ] && echo -dev || echo)
HASH=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$HASH" ]; then
    say "Installing Python packages (first run takes a few minutes)"
    .venv/bin/python -m pip install -q --upgrade pip >/dev/null
    # the editable install's one notice ("be careful with folders named like your package", a
    # setuptools UserWarning about every editable install) says nothing about this project
    PYTHONWARNINGS=ignore::UserWarning .venv/bin/python -m pip install -q -e ".$EXTRA"
    echo "$HASH" > "$STAMP"
fi

# ---------------------------------------------------------------- translations
.venv/bin/python -m desk_app.i18n_tools compile >/dev/null
