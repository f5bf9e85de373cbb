"""Print THIRD-PARTY-LICENSES.txt for the desktop bundle: every package installed in the build
environment (what PyInstaller can collect from), with its licence and the licence files it ships.
Run by scripts/build_bundle.py with the build environment's Python."""

from __future__ import annotations

import importlib.metadata as md
import sys

TOOLS = {"pip", "setuptools", "wheel", "pyinstaller", "pyinstaller-hooks-contrib", "altgraph", "packaging"}
HEADER = f"""Third-party software in this bundle
===================================

Python {sys.version.split()[0]} (Python Software Foundation License) and the packages below, each
under its own licence. Qt for Python (PySide6) and Qt are used under the GNU LGPL v3: the Qt
libraries are separate files in _internal/ and may be replaced by the user.
"""


def licence_of(dist: md.Distribution) -> str:
    meta = dist.metadata
    if meta.get("License-Expression"):
        return str(meta["License-Expression"])
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    if classifiers:
        return "; ".join(classifiers)
    text = (meta.get("License") or "").strip()
    return text.splitlines()[0] if text else "see the package's own files"


def main() -> None:
    lines = [HEADER]
    seen: set[str] = set()
    for dist in sorted(md.distributions(), key=lambda d: (d.metadata["Name"] or "").lower()):
        name = dist.metadata["Name"] or ""
        if not name or name.lower() in seen or name.lower() in TOOLS or name == "desk-app":
            continue
        seen.add(name.lower())
        lines.append(f"{name} {dist.version}: {licence_of(dist)}")
        for f in dist.files or []:
            if ".dist-info" in str(f) and f.name.lower().startswith(("license", "licence", "copying", "notice")):
                try:
                    text = f.read_text(encoding="utf-8").strip()
                except (OSError, UnicodeDecodeError):
                    continue
                lines += ["", "    " + text.replace("\n", "\n    "), ""]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
