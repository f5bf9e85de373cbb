#!/usr/bin/env bash
# Put Desk App in this user's application menu, from the unpacked bundle folder this script is in:
#   ./install.sh            the folder stays where it is; a menu entry and an icon are added
#   ./install.sh --remove   the menu entry and icon go (the shop's data is never touched:
#                           it lives in ~/.local/share/desk-app)
# No root needed. Qt needs the usual desktop libraries; on Debian/Ubuntu:
#   sudo apt install libegl1 libgl1 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 \
#        libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libfontconfig1
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
icons="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/scalable/apps"
if [ "${1:-}" = "--remove" ]; then
    rm -f "$apps/desk-app.desktop" "$icons/desk-app.svg"
    echo "Desk App is no longer in the menu. Its folder $here can be deleted; the shop's data stays."
    exit 0
fi
[ -x "$here/DeskApp" ] || { echo "install.sh: run it from the unpacked desk-app folder (DeskApp not found in $here)" >&2; exit 1; }
mkdir -p "$apps" "$icons"
cp "$here/desk-app.svg" "$icons/desk-app.svg"
case "$here" in  # the menu entry quotes the path; these characters would need escaping twice over
    *[\"\$\`\\\|\&]*) echo "install.sh: move the folder to a path without \" \$ \` \\ | or & first" >&2; exit 1 ;;
esac
sed "s|@APPDIR@|$here|" "$here/desk-app.desktop" > "$apps/desk-app.desktop"
chmod 644 "$apps/desk-app.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$apps" || true
echo "Desk App is in the application menu (Office). Or start it with: \"$here/DeskApp\""
