#!/usr/bin/env bash
# Makes the macOS disk image of Desk App from the app bundle that `python scripts/build_bundle.py`
# builds, signing and notarizing the app first when the environment asks for it.
#
# Usage (macOS, from anywhere; the paths are the repository's):
#   bash packaging/macos/make_dmg.sh [--dist DIR]
#
#   --dist DIR   the folder build_bundle.py wrote to (its --dist); default: dist
#
# Reads  DIR/Desk App.app
# Writes DIR/installer/DeskApp-<version>.dmg, <version> being [project] version in pyproject.toml.
#        The image holds the app and a link to /Applications (drag to install).
#
# Environment (all optional):
#   MACOS_SIGN_IDENTITY   a "Developer ID Application: ..." identity in the keychain. When set, the
#                         app is signed (hardened runtime, secure timestamp) before it is packed.
#   MACOS_NOTARY_PROFILE  a notarytool keychain profile (made once with
#                         `xcrun notarytool store-credentials <profile> ...`). When set, the signed
#                         app is sent to Apple's notary service, and the ticket is stapled to it.
#                         Needs MACOS_SIGN_IDENTITY.
#   PYTHON                the Python 3.11+ that reads pyproject.toml; default: python3.
#
# Without either variable the image holds the app as PyInstaller left it (ad-hoc signed):
# Gatekeeper will refuse to open it on other Macs until the user allows it explicitly.
set -euo pipefail

die() { echo "make_dmg: error: $*" >&2; exit 1; }
say() { echo "make_dmg: $*"; }

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIST="dist"
while [ $# -gt 0 ]; do
    case "$1" in
        --dist)
            [ $# -ge 2 ] || die "--dist needs a folder"
            DIST="$2"
            shift 2
            ;;
        -h|--help)
            sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            die "unknown argument: $1 (usage: bash packaging/macos/make_dmg.sh [--dist DIR])"
            ;;
    esac
done
case "$DIST" in
    /*) ;;
    *) DIST="$REPO_ROOT/$DIST" ;;
esac

[ "$(uname -s)" = "Darwin" ] || die "this script runs on macOS only (it needs codesign, xcrun and hdiutil)"
command -v hdiutil >/dev/null || die "hdiutil not found"

PYTHON="${PYTHON:-python3}"
command -v "$PYTHON" >/dev/null || die "$PYTHON not found (set PYTHON to a Python 3.11+)"
VERSION="$("$PYTHON" -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["project"]["version"])' \
    "$REPO_ROOT/pyproject.toml")" \
    || die "could not read [project] version from pyproject.toml with $PYTHON (tomllib needs Python 3.11+; set PYTHON)"
[ -n "$VERSION" ] || die "empty [project] version in pyproject.toml"

APP_NAME="Desk App"
APP="$DIST/$APP_NAME.app"
OUT_DIR="$DIST/installer"
DMG="$OUT_DIR/DeskApp-$VERSION.dmg"

[ -d "$APP" ] || die "$APP not found: run 'python scripts/build_bundle.py' on macOS first"
say "version $VERSION, app $APP"
if [ -n "${MACOS_NOTARY_PROFILE:-}" ] && [ -z "${MACOS_SIGN_IDENTITY:-}" ]; then
    die "MACOS_NOTARY_PROFILE is set but MACOS_SIGN_IDENTITY is not: only a signed app can be notarized"
fi

# Signing -----------------------------------------------------------------------------------------
if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
    say "signing with identity \"$MACOS_SIGN_IDENTITY\""
    codesign --deep --force --options runtime --timestamp --sign "$MACOS_SIGN_IDENTITY" "$APP" \
        || die "codesign failed"
    codesign --verify --deep --strict --verbose=2 "$APP" || die "the signed app does not verify"
else
    say "MACOS_SIGN_IDENTITY not set: not signing (the app keeps PyInstaller's ad-hoc signature)"
fi

# Notarization ------------------------------------------------------------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/desk-app-dmg.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

if [ -n "${MACOS_NOTARY_PROFILE:-}" ]; then
    say "notarizing with keychain profile \"$MACOS_NOTARY_PROFILE\" (this waits for Apple's answer)"
    ZIP="$WORK/DeskApp-notarize.zip"
    ditto -c -k --keepParent "$APP" "$ZIP" || die "could not zip the app for the notary service"
    # notarytool exits 0 whenever it gets an answer, "Invalid" included: the status is checked here.
    RESULT="$WORK/notary-result.json"
    xcrun notarytool submit "$ZIP" --keychain-profile "$MACOS_NOTARY_PROFILE" --wait --output-format json \
        > "$RESULT" || { cat "$RESULT" >&2 || true; die "notarytool submit failed"; }
    STATUS="$("$PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1])).get("status", ""))' "$RESULT")" \
        || STATUS=""
    SUBMISSION="$("$PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1])).get("id", ""))' "$RESULT")" \
        || SUBMISSION=""
    if [ "$STATUS" != "Accepted" ]; then
        cat "$RESULT" >&2
        if [ -n "$SUBMISSION" ]; then
            echo "make_dmg: the notary service's log of submission $SUBMISSION:" >&2
            xcrun notarytool log "$SUBMISSION" --keychain-profile "$MACOS_NOTARY_PROFILE" >&2 || true
        fi
        die "notarization was not accepted (status: ${STATUS:-unknown})"
    fi
    say "notarization accepted (submission $SUBMISSION); stapling the ticket to the app"
    xcrun stapler staple "$APP" || die "stapler staple failed"
    xcrun stapler validate "$APP" || die "the stapled ticket does not validate"
    spctl --assess --type execute --verbose=2 "$APP" || die "Gatekeeper (spctl) rejects the app"
else
    say "MACOS_NOTARY_PROFILE not set: not notarizing"
fi

# Disk image --------------------------------------------------------------------------------------
STAGE="$WORK/stage"
mkdir -p "$STAGE" "$OUT_DIR"
# ditto keeps the bundle's symlinks, permissions, extended attributes and signature intact.
ditto "$APP" "$STAGE/$APP_NAME.app" || die "could not copy the app into the staging folder"
ln -s /Applications "$STAGE/Applications"

say "creating $DMG"
# hdiutil now and then fails with "Resource busy" on CI machines: try up to three times.
attempt=1
until hdiutil create -volname "$APP_NAME" -srcfolder "$STAGE" -ov -format UDZO "$DMG"; do
    if [ "$attempt" -ge 3 ]; then
        die "hdiutil create failed $attempt times"
    fi
    attempt=$((attempt + 1))
    say "hdiutil create failed; trying again in 10 s (attempt $attempt of 3)"
    sleep 10
done
hdiutil verify "$DMG" || die "the new disk image does not verify"

say "done: $DMG"
