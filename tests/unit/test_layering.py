"""desk_app never imports PySide6 or ui (the domain stays testable and headless)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_desk_app_source_never_imports_qt_or_ui() -> None:
    offenders = []
    for path in sorted((ROOT / "desk_app").rglob("*.py")):
        bad = _imports(path) & {"PySide6", "ui", "shiboken6"}
        if bad:
            offenders.append(f"{path.relative_to(ROOT)}: {sorted(bad)}")
    assert offenders == []


def test_importing_every_desk_app_module_loads_no_qt() -> None:
    code = (
        "import importlib, pkgutil, sys, desk_app\n"
        "for m in pkgutil.walk_packages(desk_app.__path__, 'desk_app.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = [n for n in sys.modules if n.startswith(('PySide6', 'ui.')) or n == 'ui']\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
